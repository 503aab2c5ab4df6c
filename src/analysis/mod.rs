//! Analyses built on repeated runs: parameter sweeps ([`sweep`]), stockpile sizing
//! ([`size`], on targets of [`target`], optionally met with confidence), sensitivity and
//! Sobol indices ([`sensitivity`]), and the time-to-survive view ([`exposure`]);
//! confidence intervals at any level for the statistics targets name ([`interval`]).
//!
//! Every analysis evaluates the scenario at chosen values of parameter paths (MODEL.md
//! §6) with the same seed and replications, so all evaluations share their futures
//! (common random numbers): differences between points are differences of parameters,
//! not of luck. Evaluations run one after another, each parallel over replications in
//! the current rayon pool, so results do not depend on the thread count.
//!
//! Pure computations: depends on [`crate::model`], [`crate::scenario`], [`crate::sim`]
//! and [`crate::stats`] (and `sha2`/`serde` for spec hashes, `statrs` for quantiles,
//! `sobol_burley` for the Sobol design); never on `report` or the CLI. No printing, no files: the CLI turns the results into CSV, JSON and tables.

mod eval;
pub mod exposure;
pub mod grid;
pub mod interval;
pub mod sensitivity;
pub mod size;
pub mod sweep;
pub mod target;

pub use eval::{AnalysisError, Evaluator, select_strategies};
