//! Explore a scenario by evaluating it many times: parameter sweeps ([`sweep`]), stockpile
//! sizing ([`size`], on targets of [`target`], optionally met with confidence),
//! sensitivity and Sobol indices ([`sensitivity`]), the time-to-survive view
//! ([`exposure`]), the expected number of shock onsets ([`onsets`]), precision-based
//! stopping of a run ([`precision`]); confidence
//! intervals at any level for the statistics targets name ([`interval`]).
//!
//! Every analysis follows one shape (argmin's split): a **problem** (`SweepProblem`,
//! `SizeProblem`, …) is built from the user's inputs and validated before anything runs;
//! an **executor** (`sweep::run`, `size::run`, …) evaluates it and reports progress to an
//! [`Observer`] (no-op defaults; [`NoObserver`] in tests); the outcome is a **typed
//! result** (`SweepResult`, `SizeResult`, …) that pure **exporters** ([`export`]) turn
//! into CSV and JSON bytes, and that the charts and pages read directly.
//!
//! Every analysis evaluates the scenario at chosen values of parameter paths (MODEL.md
//! §6) with the same seed and replications, so all evaluations share their futures
//! (common random numbers): differences between points are differences of parameters,
//! not of luck. Evaluations run one after another, each parallel over replications in
//! the current rayon pool, so results do not depend on the thread count.
//!
//! Pure computations: depends on [`crate::model`], [`crate::scenario`], [`crate::sim`]
//! and [`crate::stats`] (and `sha2`/`serde`/`csv` for spec hashes and exports, `statrs`
//! for quantiles, `sobol_burley` for the Sobol design); never on `charts`, `report`,
//! `store` or the CLI. No printing, no files: a sweep keeps its finished points in a
//! [`sweep::PointStore`] that the caller provides (on disk: `crate::store`).

pub mod drivers;
mod error;
mod eval;
pub mod export;
pub mod exposure;
pub mod grid;
pub mod interval;
mod observer;
pub mod onsets;
pub mod precision;
pub mod sensitivity;
pub mod size;
pub mod sweep;
pub mod target;

pub use error::ExploreError;
pub use eval::{Evaluator, select_strategies, select_strategy_ids, strategy_id};
pub use observer::{Flow, NoObserver, Observer, Stage};

/// Where a scenario came from, for the provenance fields of the exported files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
}
