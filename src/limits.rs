//! Resource estimates made before anything is allocated (issue 16; `docs/limits.md`):
//! the bytes of the daily histograms and of the per-replication results a run would
//! hold, the memory the machine has available, and the check that every metric of a
//! run is finite.
//!
//! Pure arithmetic over the validated scenario, except [`available_memory`], which reads
//! `/proc/meminfo`. Used by the command line before it starts a run; depends on
//! [`crate::model`] and [`crate::sim`]; the finite check of rows in memory searches in
//! parallel (rayon, in the pool of the caller).

use crate::model::Scenario;
use crate::sim::{BlockSink, Metric, MetricsRow, Replications};
use rayon::prelude::*;

/// Daily histograms above this many bytes (over all worker threads) are not kept: the
/// run goes on without daily bands (no `daily.csv`, no fan charts) and says so.
pub const DAILY_BANDS_BUDGET: u64 = 2 << 30;

/// Bytes of one worker's daily histograms for `scn`: strategies × materials × 5 series
/// × 201 bins × horizon counts of 4 bytes (the horizon rounded up to whole groups of 16
/// days, as they are held), plus the daily extremes (16 bytes each) and the bins the
/// batched recorder holds before counting them (16 blocks of 16 lanes × 5 series, one
/// byte each).
pub fn daily_hist_bytes(scn: &Scenario) -> u64 {
    use crate::sim::daily::{BINS, N_SERIES, PENDING_BLOCKS};
    use crate::sim::lanes::LANES;
    let cells = scn.strategies().len() as u64 * scn.materials().len() as u64;
    let h = u64::from(scn.horizon_days()).div_ceil(16) * 16;
    let held = (PENDING_BLOCKS * LANES * N_SERIES) as u64;
    cells
        .saturating_mul(N_SERIES as u64 * BINS as u64 * 4 + 16 + held)
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
/// memory, about twice [`rows_bytes`] at the peak; above it three engine blocks of rows
/// (a block and its column-major copy while they are written, and the next block being
/// simulated meanwhile) plus the columns the statistics read (about 3 columns of
/// 8 bytes per future for each of `threads` tasks: a metric, its reference, a sorted
/// copy) and, with `charts`, the 35 columns the charts keep (30 metric columns and 5
/// total costs). Measured at 1,000,000 futures of `scenarios/bench.toml` on 2 threads:
/// 202 MB without charts, 445 MB with (docs/performance.md), when the engine held two
/// blocks; this estimate gives 252 MB and 532 MB.
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
    let block = rows_bytes(scn, replications.min(crate::sim::BLOCK)).saturating_mul(3);
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

/// The first non-finite metric of `rows`, laid out as the engine hands them to a sink
/// (`[(r * S + s) * M + m]`, `n_strategies` = S, `n_materials` = M): the one
/// [`first_non_finite`] finds, in the same order (replication, strategy, material,
/// metric), without storing the rows first.
pub fn first_non_finite_rows(
    rows: &[MetricsRow],
    n_strategies: usize,
    n_materials: usize,
) -> Option<NonFinite> {
    // Searched in parallel by pieces of whole replications (so a row's place in its
    // piece gives its strategy and material); the first piece with a find wins, hence
    // the same answer as a search in order.
    let per_rep = (n_strategies * n_materials).max(1);
    let piece = per_rep * 256;
    rows.par_chunks(piece)
        .enumerate()
        .find_map_first(|(c, rows)| {
            first_non_finite_in(rows, n_strategies, n_materials).map(|(i, metric, value)| {
                let i = c * piece + i;
                NonFinite {
                    strategy: (i / n_materials) % n_strategies,
                    material: i % n_materials,
                    metric,
                    value,
                }
            })
        })
}

/// The first non-finite metric of `rows` (as [`first_non_finite_rows`]): the row's
/// index, the metric and its value.
fn first_non_finite_in(
    rows: &[MetricsRow],
    n_strategies: usize,
    n_materials: usize,
) -> Option<(usize, Metric, f64)> {
    debug_assert!(n_strategies * n_materials > 0 || rows.is_empty());
    for (i, row) in rows.iter().enumerate() {
        // Most rows are wholly finite: one test to see so.
        if row.0.iter().all(|x| x.is_finite()) {
            continue;
        }
        for metric in Metric::ALL {
            let x = row.get(metric);
            if x.is_infinite() || (x.is_nan() && !metric.can_be_absent()) {
                return Some((i, metric, x));
            }
        }
    }
    None
}

/// A [`BlockSink`] that hands every block on to `inner` and notes the first
/// non-finite metric on the way ([`first_non_finite_rows`], block after block): the
/// check of [`first_non_finite`] made while the rows are in memory, so a spilled run
/// need not read its file back for it.
#[derive(Debug)]
pub struct CheckFinite<S> {
    /// The sink the rows go to.
    pub inner: S,
    n_strategies: usize,
    n_materials: usize,
    first: Option<NonFinite>,
}

impl<S> CheckFinite<S> {
    /// Wraps `inner` for rows of `n_strategies` × `n_materials` per replication.
    pub fn new(inner: S, n_strategies: usize, n_materials: usize) -> Self {
        CheckFinite {
            inner,
            n_strategies,
            n_materials,
            first: None,
        }
    }

    /// The first non-finite metric of every row accepted so far, in replication order.
    pub fn first_non_finite(&self) -> Option<&NonFinite> {
        self.first.as_ref()
    }
}

impl<S: BlockSink> BlockSink for CheckFinite<S> {
    type Error = S::Error;

    fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), S::Error> {
        if self.first.is_none() {
            self.first = first_non_finite_rows(&rows, self.n_strategies, self.n_materials);
        }
        self.inner.accept(first, rows)
    }
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

    /// The check made while the rows go to a sink finds what the check over the stored
    /// replications finds (same metric, strategy, material and value), block after
    /// block: an accepted NaN (a metric that can be absent) is not an error, an
    /// infinity or a NaN where a metric cannot be absent is, and the earliest wins.
    /// Breaking the order (e.g. keeping the last finding instead of the first) fails it.
    #[test]
    fn the_check_on_the_way_finds_what_the_stored_check_finds() {
        use crate::sim::{N_METRICS, RunResult};
        let (n, ns, nm) = (40, 3, 2);
        let row = |i: usize| MetricsRow(std::array::from_fn(|k| (i * N_METRICS + k) as f64));
        let absent = Metric::ALL.iter().position(|m| m.can_be_absent()).unwrap();
        let present = Metric::ALL.iter().position(|m| !m.can_be_absent()).unwrap();
        // (row index, metric index, value) planted in each case.
        let cases: [&[(usize, usize, f64)]; 5] = [
            &[],
            &[(7, absent, f64::NAN)],
            &[(7, absent, f64::NAN), (31, present, f64::NAN)],
            &[
                (200, present, f64::INFINITY),
                (45, absent, f64::NEG_INFINITY),
            ],
            &[(13, absent, f64::INFINITY), (13, present, f64::NAN)],
        ];
        // Whether each case has a metric that is not finite where it may not be absent.
        let bad = [false, false, true, true, true];
        for (planted, bad) in cases.into_iter().zip(bad) {
            let mut rows: Vec<MetricsRow> = (0..n * ns * nm).map(row).collect();
            for &(i, k, v) in planted {
                rows[i].0[k] = v;
            }
            let stored = RunResult {
                first_replication: 0,
                n_replications: n,
                n_strategies: ns,
                n_materials: nm,
                rows: rows.clone(),
                daily: None,
            };
            let Ok(want) = first_non_finite(&stored);
            // Two blocks, as a run hands them to its sink.
            let mut sink = CheckFinite::new(crate::sim::block::RowVec::default(), ns, nm);
            let cut = 17 * ns * nm;
            sink.accept(0, rows[..cut].to_vec()).unwrap();
            sink.accept(17, rows[cut..].to_vec()).unwrap();
            let got = sink.first_non_finite().cloned();
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "planted {planted:?}"
            );
            assert_eq!(got.is_some(), bad, "planted {planted:?}");
            assert_eq!(sink.inner.0.len(), rows.len());
        }
    }

    /// With rows enough for several pieces of the parallel search (256 replications
    /// each), on two threads: the earliest finding wins whichever piece a thread finishes
    /// first, also across a piece boundary, as the search in order finds it. Taking the
    /// last piece's finding instead fails it.
    #[test]
    fn the_parallel_search_finds_the_earliest_in_the_whole_run() {
        use crate::sim::{N_METRICS, RunResult};
        let (n, ns, nm) = (1000, 3, 2);
        let present = Metric::ALL.iter().position(|m| !m.can_be_absent()).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        // Row 4321 is replication 720, strategy (4321 / 2) % 3 = 0, material 4321 % 2 = 1;
        // row 2000 (second piece) comes before row 5000 (fourth); 1535 ends the first
        // piece and 1536 starts the second.
        let cases: [&[usize]; 3] = [&[4321], &[5000, 2000], &[1535, 1536]];
        for planted in cases {
            let mut rows: Vec<MetricsRow> = (0..n * ns * nm)
                .map(|i| MetricsRow(std::array::from_fn(|k| (i * N_METRICS + k) as f64)))
                .collect();
            for &i in planted {
                rows[i].0[present] = f64::INFINITY;
            }
            let got = pool
                .install(|| first_non_finite_rows(&rows, ns, nm))
                .unwrap();
            let first = *planted.iter().min().unwrap();
            assert_eq!(
                (got.strategy, got.material),
                ((first / nm) % ns, first % nm),
                "planted {planted:?}"
            );
            let stored = RunResult {
                first_replication: 0,
                n_replications: n,
                n_strategies: ns,
                n_materials: nm,
                rows,
                daily: None,
            };
            let Ok(want) = first_non_finite(&stored);
            assert_eq!(format!("{:?}", Some(got)), format!("{want:?}"));
        }
    }

    #[test]
    fn human_bytes_reads() {
        assert_eq!(human_bytes(1_600_000_000), "1.6 GB");
        assert_eq!(human_bytes(350_000_000), "350 MB");
    }
}
