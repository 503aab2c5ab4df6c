//! The simulation core (MODEL.md §1–§5): shock timelines, the daily step of each material,
//! per-replication metrics, daily histograms, and the parallel engine.
//!
//! Pure: depends on [`crate::model`], `rand`, `rand_distr`, `rayon` and `ndarray`; does no I/O,
//! prints nothing, and holds no global state. Randomness comes only from the streams of
//! [`rng`], keyed by `(seed, replication)`.

pub mod batch;
pub mod block;
pub mod daily;
pub mod drivers;
pub mod engine;
pub mod lanes;
pub mod material;
pub mod metrics;
pub mod normal;
pub mod replications;
pub mod rng;
pub mod sectors;
pub mod timeline;

pub use block::{BLOCK, Block, BlockSink};
pub use daily::{DailyHist, Series};
pub use engine::{NoProgress, Progress, RunOptions, RunResult, RunTail, run, run_into};
pub use metrics::{Metric, MetricsRow, N_METRICS, N_SECTOR_METRICS, SectorMetric};
pub use replications::{Replications, Shape};
