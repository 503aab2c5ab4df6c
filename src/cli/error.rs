//! The one error type of the command line, and the one place where outcomes become exit
//! codes: 0 success; 1 a failure that is not the user's input (files, threads, an
//! interruption) or a target not met; 2 bad input (invalid scenario files, options that
//! cannot apply, a folder holding another sweep's points).
//!
//! Every command returns `Result<(), CliError>`; [`CliError::report`] prints what the
//! user needs to read (miette diagnostics for scenario files, one `error:` line
//! otherwise) and [`CliError::exit_code`] chooses the code.

use chokepoint::explore::ExploreError;
use chokepoint::report::ReportError;
use chokepoint::report::pdf::PdfError;
use chokepoint::report::saved::SavedError;
use chokepoint::scenario::ScenarioError;
use chokepoint::staging::StagingError;
use chokepoint::store::StoreError;

/// Exit code for a failure that is not the user's input, or a target not met.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input: usage errors and invalid scenario files.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A scenario file cannot be read or is invalid (every problem, with its location).
    #[error("{0}")]
    Scenario(Box<ScenarioError>),
    /// An analysis is misspecified, or failed (see [`ExploreError::is_bad_input`]).
    #[error(transparent)]
    Explore(#[from] ExploreError),
    /// The sweep's point folder refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] ReportError),
    /// The output folder could not be staged or swapped in.
    #[error(transparent)]
    Staging(#[from] StagingError),
    /// The saved files of a run cannot be read back.
    #[error(transparent)]
    Saved(#[from] SavedError),
    /// `report --pdf` found no browser, or the browser failed (exit code 1: the
    /// machine lacks a tool; the message says how to install it).
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// Bad input that no library layer checks (a folder that is not a run's).
    #[error("{0}")]
    BadInput(String),
    /// A failure of the machinery (threads, serialisation).
    #[error("{0}")]
    Failure(String),
    /// Some of the scenario files given are invalid; each was reported as it was read.
    #[error("invalid scenario files")]
    InvalidFiles,
    /// The answer was printed and says the target is not met.
    #[error("target not met")]
    NotMet,
}

impl From<ScenarioError> for CliError {
    fn from(e: ScenarioError) -> Self {
        CliError::Scenario(Box::new(e))
    }
}

impl CliError {
    /// The exit code of this outcome (see the module docs).
    pub fn exit_code(&self) -> u8 {
        let bad_input = match self {
            CliError::Scenario(_)
            | CliError::Saved(_)
            | CliError::BadInput(_)
            | CliError::InvalidFiles => true,
            CliError::Explore(e) => e.is_bad_input(),
            CliError::Store(e) => matches!(e, StoreError::Mismatch { .. }),
            CliError::Staging(e) => matches!(e, StagingError::NotAFolder { .. }),
            CliError::Write(_) | CliError::Pdf(_) | CliError::Failure(_) | CliError::NotMet => {
                false
            }
        };
        if bad_input {
            EXIT_BAD_INPUT
        } else {
            EXIT_FAILURE
        }
    }

    /// Prints the error on stderr, unless it was already reported.
    pub fn report(&self) {
        match self {
            CliError::Scenario(e) | CliError::Explore(ExploreError::Scenario(e)) => {
                super::validate::render(e);
            }
            CliError::Explore(e @ ExploreError::Stopped { .. }) => {
                eprintln!("{e} ({})", super::sweep::STOP_AFTER_ENV);
            }
            CliError::InvalidFiles | CliError::NotMet => {}
            e => eprintln!("error: {e}"),
        }
    }
}
