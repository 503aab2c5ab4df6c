//! Resource estimates made before anything is allocated (issue 16; `docs/limits.md`):
//! the bytes of the daily histograms and of the per-replication results a run would
//! hold, the memory the machine has available, and the check that every metric of a
//! run is finite.
//!
//! Pure arithmetic over the validated scenario, except [`available_memory`], which reads
//! `/proc/meminfo`. Used by the command line before it starts a run; depends on
//! [`crate::model`] and [`crate::sim`].

use crate::model::Scenario;
use crate::sim::{Metric, Replications};

/// Daily histograms above this many bytes (over all worker threads) are not kept: the
/// run goes on without daily bands (no `daily.csv`, no fan charts) and says so.
pub const DAILY_BANDS_BUDGET: u64 = 2 << 30;

/// Bytes of one worker's daily histograms for `scn`: strategies × materials × 5 series
/// × 201 bins × horizon counts of 4 bytes, plus the daily extremes (16 bytes each).
pub fn daily_hist_bytes(scn: &Scenario) -> u64 {
    use crate::sim::daily::{BINS, N_SERIES};
    let cells = scn.strategies().len() as u64 * scn.materials().len() as u64;
    let h = u64::from(scn.horizon_days());
    cells
        .saturating_mul(N_SERIES as u64 * BINS as u64 * 4 + 16)
        .saturating_mul(h)
}

/// Bytes of the per-replication results of `replications` futures held in memory:
/// replications × strategies × (materials + sectors) × 13 metrics × 8 bytes.
pub fn rows_bytes(scn: &Scenario, replications: u64) -> u64 {
    let cells = scn.strategies().len() as u64 * scn.n_slots() as u64;
    replications
        .saturating_mul(cells)
        .saturating_mul(crate::sim::metrics::N_METRICS as u64 * 8)
}

/// Peak bytes a run of `replications` futures holds for its per-replication results,
/// as `cli::run` stores them: below the spill threshold (`spilled == false`) all rows in
/// memory, about twice [`rows_bytes`] at the peak; above it one engine block of rows
/// (twice, while it is written) plus the columns the statistics read (about 3 columns of
/// 8 bytes per future for each of `threads` tasks: a metric, its reference, a sorted
/// copy) and, with `charts`, the 35 columns the charts keep (30 metric columns and 5
/// total costs). Measured at 1,000,000 futures of `scenarios/bench.toml` on 2 threads:
/// 202 MB without charts, 445 MB with (docs/performance.md); this estimate gives 184 MB
/// and 464 MB.
pub fn results_peak_bytes(
    scn: &Scenario,
    replications: u64,
    spilled: bool,
    charts: bool,
    threads: usize,
) -> u64 {
    if !spilled {
        return rows_bytes(scn, replications).saturating_mul(2);
    }
    let block = rows_bytes(scn, replications.min(crate::sim::BLOCK)).saturating_mul(2);
    let per_future = 3 * 8 * threads as u64 + if charts { 35 * 8 } else { 0 };
    block.saturating_add(replications.saturating_mul(per_future))
}

/// Memory available to a new allocation (`MemAvailable` of `/proc/meminfo`), when the
/// platform says.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Bytes as text for messages: `1.6 GB`, `350 MB`.
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", (b / 1e6).max(1.0))
    }
}

/// A metric that came out infinite, or NaN where it cannot be absent.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// Strategy index.
    pub strategy: usize,
    /// Material index.
    pub material: usize,
    /// The metric.
    pub metric: Metric,
    /// Its value.
    pub value: f64,
}

/// The first non-finite metric of `res`, in replication order (NaN is how a metric that
/// can be absent says so, and is accepted for those). Reads one block at a time.
///
/// # Errors
/// A block of stored replications cannot be read.
pub fn first_non_finite<R: Replications + ?Sized>(res: &R) -> Result<Option<NonFinite>, R::Error> {
    for b in 0..res.n_blocks() {
        let block = res.block(b)?;
        let v = block.values();
        // Most blocks are wholly finite: one pass to see so.
        if v.iter().all(|x| x.is_finite()) {
            continue;
        }
        for r in 0..block.len() {
            for s in 0..block.n_strategies() {
                for m in 0..block.n_materials() {
                    for metric in Metric::ALL {
                        let x = v[[s, m, metric.index(), r]];
                        if x.is_infinite() || (x.is_nan() && !metric.can_be_absent()) {
                            return Ok(Some(NonFinite {
                                strategy: s,
                                material: m,
                                metric,
                                value: x,
                            }));
                        }
                    }
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_reads() {
        assert_eq!(human_bytes(1_600_000_000), "1.6 GB");
        assert_eq!(human_bytes(350_000_000), "350 MB");
    }
}
