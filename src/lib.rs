//! chokepoint: a Monte Carlo simulator of supply disruptions for economic-security
//! planning.
//!
//! Layers, each depending only on those above it in this list (`docs/architecture.md`
//! draws them and follows one scenario file through them to a chart):
//! - [`numfmt`]: numbers as text, one named format per use (tables, CSV, charts, pages,
//!   messages). Pure; every layer may use it.
//! - [`model`]: the validated scenario (materials, suppliers, shocks, strategies) and its
//!   distributions. Pure data.
//! - [`sim`]: the simulation core of `MODEL.md` §1–§5: shock timelines, the daily step,
//!   metrics, and the parallel engine. Pure: no I/O, no printing, no global state.
//! - [`stats`]: statistics over replications (means, intervals, quantiles, CVaR, paired
//!   comparisons) and the daily bands. Pure.
//! - [`scenario`]: TOML scenario files → validated [`model::Scenario`], with located,
//!   actionable errors; parameter paths (`MODEL.md` §6); the JSON Schema. Depends on
//!   [`model`] only.
//! - [`explore`]: analyses built on many runs (sweep, size, sensitivity and Sobol,
//!   exposure, expected shock onsets), each a problem → executor → observer → typed
//!   result, and pure exporters of those results to CSV and JSON bytes. No files, no
//!   printing.
//! - [`charts`]: charts of a run and of the explore results as SVG strings and PNG
//!   bytes (plotters). Pure.
//! - [`report`]: turns results into files (JSON, CSV, charts, `report.html`) and terminal
//!   tables, written atomically; reads saved outputs back for `chokepoint report`.
//! - [`store`]: work kept on disk so it can resume (the sweep's point folder), behind
//!   the [`explore::sweep::PointStore`] trait.
//! - [`spill`]: per-replication metrics on disk, block by block, column-major and
//!   checksummed, so memory does not grow with replications (`docs/storage.md`). Uses `sim`.
//! - [`shard`]: shards of a run (a fixed partition of its replications, a folder per
//!   shard with its spill file, daily histograms and `shard.json`) and the checks that
//!   let `merge` combine them into the unsplit run's files. Uses `sim`, `spill`, `report`.
//!
//! - [`limits`]: resource estimates made before allocating (daily histograms,
//!   per-replication results, available memory) and the finite-output check.
//! - [`staging`]: all-or-nothing output folders (a staging folder beside the target,
//!   swapped in by one rename) and the cleanup of an interrupted process. File system
//!   only.
//!
//! - [`backtest`]: replays of recorded episodes (`scenarios/backtests/`) against their
//!   recorded outcomes, and the `docs/backtests.md` page. Uses `scenario`, `sim`, `stats`.
//!
//! The binary (`src/main.rs`, `src/cli/`) is a thin layer of commands on top: it parses
//! arguments, builds a problem, runs it with a progress observer, hands the typed result
//! to the exporters and the report layer, and maps errors to exit codes in one place.

#![warn(missing_docs)]
// `!(x > 0.0)` is how this crate writes NaN-proof checks: NaN fails every comparison, so
// the negated form rejects it where `x <= 0.0` would let it through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod backtest;
pub mod charts;
pub mod explore;
pub mod limits;
pub mod model;
pub mod numfmt;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod sim;
pub mod spill;
pub mod staging;
pub mod stats;
pub mod store;

/// Fixtures shared by the unit tests of several modules.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::model::Scenario;
    use crate::sim::{NoProgress, RunOptions, RunResult};

    /// The shipped tutorial scenario.
    pub fn tutorial() -> Scenario {
        crate::scenario::parse_scenario("tutorial.toml", include_str!("../scenarios/tutorial.toml"))
            .expect("tutorial scenario is valid")
    }

    /// A run of `replications` futures of the tutorial scenario from `seed`, with the
    /// daily histograms of every one.
    pub fn tutorial_run(seed: u64, replications: u64) -> (Scenario, RunResult) {
        let scn = tutorial();
        let opts = RunOptions {
            seed,
            replications: 0..replications,
            daily: true,
            daily_replications: u64::MAX,
        };
        let res = crate::sim::run(&scn, &opts, &NoProgress);
        (scn, res)
    }
}
