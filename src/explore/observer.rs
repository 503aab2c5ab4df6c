//! Progress leaves an analysis through an [`Observer`]: a small trait whose methods all
//! have no-op defaults, so a test passes [`NoObserver`] and the command line implements
//! what it shows (progress bars, notes). Observers see; they never change a number.

/// Whether an analysis goes on after a finished evaluation point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop now; finished points are stored, so the analysis can resume.
    Stop,
}

/// A stage of an analysis, announced before its evaluations begin.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// A sweep of `points` evaluation points, `done` of which are already stored (a
    /// resumed sweep).
    Sweep {
        /// Evaluation points in the sweep.
        points: usize,
        /// Points already finished.
        done: usize,
    },
    /// A sizing search (the number of evaluations is not known in advance).
    Size,
    /// One-at-a-time moves of sensitivity: `runs` runs.
    OneAtATime {
        /// Runs to make (`1 + 2 × paths`).
        runs: usize,
    },
    /// Sobol indices over `paths` inputs with `n` base rows: `runs` runs of
    /// `replications` futures.
    Sobol {
        /// Inputs.
        paths: usize,
        /// Base rows.
        n: usize,
        /// Runs to make (`n × (paths + 2)`).
        runs: usize,
        /// Futures per run.
        replications: u64,
    },
}

/// Watches an analysis. Every method has a no-op default.
pub trait Observer: Sync {
    /// A note for the reader about a choice made for them (e.g. which material a
    /// statistic reads when none was named); never an error.
    fn note(&self, _text: &str) {}
    /// A stage begins.
    fn stage(&self, _stage: &Stage) {}
    /// An evaluation at these parameter values begins.
    fn evaluating(&self, _at: &[(&str, f64)]) {}
    /// `n` more units of the current stage are finished (runs or points).
    fn advance(&self, _n: u64) {}
    /// Evaluation point `index` is finished and stored. Returning [`Flow::Stop`] ends
    /// the analysis early with [`super::ExploreError::Stopped`].
    fn point_stored(&self, _index: usize) -> Flow {
        Flow::Continue
    }
}

/// An observer that watches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}
