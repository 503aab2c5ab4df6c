//! Statistics over replications (MODEL.md §5): per-metric [`Stats`] (mean, standard
//! error, Student-t interval, quantiles, CVaR95, probability positive, share present),
//! [`Paired`] comparisons with the reference strategy, the run [`Summary`] with totals
//! and autonomy, and the [`DailyBand`]s for fan charts.
//!
//! Pure: depends only on [`crate::model`] and [`crate::sim`] (plus `statrs`, `serde`,
//! and `rand` for the seeded bootstrap of [`paired_quantile_diff`]); no I/O. Determinism: every float sum runs sequentially in replication
//! order (never a parallel reduction), so given rows merged in replication order the
//! statistics are the same bits whatever the thread count or shard split.

pub mod daily;
pub mod key;
pub mod named;
pub mod paired;
pub mod sample;
pub mod summary;

pub use daily::{BAND_LEVELS, DailyBand, daily_bands};
pub use key::{Measure, N_MEASURES, N_STAT_COLUMNS, Stat, StatColumn};
pub use named::NamedMap;
pub use paired::{BOOTSTRAP_RESAMPLES, Paired, TIE_REL, paired_quantile_diff};
pub use sample::{
    Stats, clip_interval, cvar95_count, cvar95_sorted, metric_bounds, quantile_sorted, t_975,
};
pub use summary::{
    MaterialSummary, N_TOTAL, RECOVERY_THRESHOLDS, SectorSummary, SectorTotal, StrategySummary,
    Summary, TOTAL, TotalMetric, TotalSummary, VsReference, autonomy, metric_column,
    overall_autonomy, recovery_over_column, recovery_over_name, strategy_cost, total_column,
    total_value, value_added_lost_column,
};
