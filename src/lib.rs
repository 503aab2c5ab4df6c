//! chokepoint: a Monte Carlo simulator of supply disruptions for economic-security
//! planning.
//!
//! Layers, each depending only on those above it in this list:
//! - [`model`]: the validated scenario (materials, suppliers, shocks, strategies) and its
//!   distributions. Pure data.
//! - [`sim`]: the simulation core of `MODEL.md` §1–§5: shock timelines, the daily step,
//!   metrics, and the parallel engine. Pure: no I/O, no printing, no global state.
//! - [`stats`]: statistics over replications (means, intervals, quantiles, CVaR, paired
//!   comparisons) and the daily bands. Pure.
//! - [`scenario`]: TOML scenario files → validated [`model::Scenario`], with located,
//!   actionable errors; parameter paths (`MODEL.md` §6); the JSON Schema.
//! - [`charts`]: charts of a run as SVG strings and PNG bytes (plotters). Pure.
//! - [`report`]: turns results into files (JSON, CSV, charts, `report.html`) and terminal
//!   tables, written atomically; reads saved outputs back for `chokepoint report`.
//!
//! - [`backtest`]: replays of recorded episodes (`scenarios/backtests/`) against their
//!   recorded outcomes, and the `docs/backtests.md` page. Uses `scenario`, `sim`, `stats`.
//!
//! The binary (`src/main.rs`, `src/cli/`) is a thin layer of commands on top.

#![warn(missing_docs)]
// `!(x > 0.0)` is how this crate writes NaN-proof checks: NaN fails every comparison, so
// the negated form rejects it where `x <= 0.0` would let it through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod analysis;
pub mod backtest;
pub mod charts;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod stats;
