//! The error type of the explore layer.

use crate::scenario::{ParamError, ScenarioError};

/// What can go wrong in an analysis. Every message says what to change.
///
/// [`ExploreError::Store`], [`ExploreError::Export`] and [`ExploreError::Stopped`] are
/// failures of the machinery around the numbers (files, an interruption); every other
/// variant is bad input.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// A parameter path is unknown or a value cannot be set there.
    #[error("{}{}", .0, .0.help.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Param(#[from] ParamError),
    /// The base scenario is invalid.
    #[error("{0}")]
    Scenario(Box<ScenarioError>),
    /// The scenario becomes invalid at some parameter values.
    #[error("at {at} the scenario is invalid: {problems}")]
    InvalidAt {
        /// The values, as `path = value` pairs.
        at: String,
        /// The problems, `path: message`, joined with `; `.
        problems: String,
    },
    /// The analysis itself is misspecified (a range, a target, an option).
    #[error("{0}")]
    Spec(String),
    /// The store of finished evaluation points failed (see
    /// [`super::sweep::PointStore`]); the message names the file.
    #[error("{0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// A result could not be turned into bytes.
    #[error("{0}")]
    Export(String),
    /// The observer asked to stop after `computed` evaluation points; the finished ones
    /// are stored, so running the same analysis again resumes.
    #[error("stopped after {computed} points")]
    Stopped {
        /// Points computed (and stored) before stopping.
        computed: usize,
    },
}

impl From<ScenarioError> for ExploreError {
    fn from(e: ScenarioError) -> Self {
        ExploreError::Scenario(Box::new(e))
    }
}

impl ExploreError {
    /// Whether the error is the user's input (a scenario, a path, an option) rather than
    /// a failure of files or an interruption.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            ExploreError::Store(_) | ExploreError::Export(_) | ExploreError::Stopped { .. }
        )
    }
}
