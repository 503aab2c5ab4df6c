//! The parallel engine: replications over rayon, every strategy on the same futures.
//!
//! Replications are cut into fixed chunks of [`CHUNK`] (independent of the thread
//! count); each chunk's metric rows are collected in index order, and the daily
//! histograms are integer counts, so every thread count, schedule and shard split gives
//! the same bits. Runs in the current rayon pool: the caller chooses the threads with
//! `ThreadPool::install`.

use super::daily::DailyHist;
use super::material::{self, NoRecord, Outcome, Workspace};
use super::metrics::MetricsRow;
use super::rng;
use super::timeline::{Frames, Timeline, TriggerGraph};
use crate::model::Scenario;
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Mutex;

/// Replications per unit of parallel work.
pub const CHUNK: u64 = 32;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed of the random streams.
    pub seed: u64,
    /// Replication indices to run (a whole run is `0..replications`; a shard a sub-range).
    pub replications: Range<u64>,
    /// Whether to accumulate the daily histograms.
    pub daily: bool,
}

impl RunOptions {
    /// A whole run of `replications` with `seed`, with daily bands.
    pub fn new(seed: u64, replications: u64) -> Self {
        RunOptions {
            seed,
            replications: 0..replications,
            daily: true,
        }
    }
}

/// Receives progress from the engine; the default methods do nothing.
pub trait Progress: Sync {
    /// `n` more replications are done.
    fn advance(&self, _n: u64) {}
}

/// A progress observer that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// The results of a run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// First replication index.
    pub first_replication: u64,
    /// Number of replications.
    pub n_replications: usize,
    /// Number of strategies.
    pub n_strategies: usize,
    /// Number of materials.
    pub n_materials: usize,
    /// Metric rows laid out `[(r * S + s) * M + m]`, `r` counted from `first_replication`.
    pub rows: Vec<MetricsRow>,
    /// Daily histograms, when asked for.
    pub daily: Option<DailyHist>,
}

impl RunResult {
    /// The row of replication `r` (counted from the first), strategy `s`, material `m`.
    #[inline]
    pub fn row(&self, r: usize, s: usize, m: usize) -> &MetricsRow {
        &self.rows[(r * self.n_strategies + s) * self.n_materials + m]
    }

    /// Appends the results of the next replication range (same scenario and seed).
    ///
    /// # Panics
    /// If `next` does not start where `self` ends (a programming error).
    pub fn append(&mut self, next: RunResult) {
        assert_eq!(
            self.first_replication + self.n_replications as u64,
            next.first_replication,
            "replication ranges must be appended in order"
        );
        self.n_replications += next.n_replications;
        self.rows.extend(next.rows);
        match (&mut self.daily, next.daily) {
            (Some(a), Some(b)) => a.merge(&b),
            (a, _) => *a = None,
        }
    }
}

/// Per-thread state, reused across chunks.
struct Worker {
    timeline: Timeline,
    frames: Frames,
    ws: Workspace,
    noise: Vec<Vec<f64>>,
    hist: Option<DailyHist>,
}

/// Runs one replication of every strategy and material, appending its rows.
fn replication(
    scn: &Scenario,
    graph: &TriggerGraph,
    noisy: &[bool],
    seed: u64,
    rep: u64,
    w: &mut Worker,
    out: &mut Vec<MetricsRow>,
) {
    let h = scn.horizon_days as usize;
    w.timeline.sample(scn, graph, seed, rep);
    w.frames.build(scn, &w.timeline);
    w.noise.resize_with(scn.materials.len(), Vec::new);
    for (m, buf) in w.noise.iter_mut().enumerate() {
        buf.clear();
        if noisy[m] {
            let mut r = rng::stream(seed, rep, rng::SUB_DEMAND + m as u64);
            buf.extend((0..h).map(|_| r.sample::<f64, _>(StandardNormal)));
        }
    }
    for (s, strat) in scn.strategies.iter().enumerate() {
        for (m, p) in strat.materials.iter().enumerate() {
            let frame = &w.frames.materials[m];
            let noise = &w.noise[m];
            let o: Outcome = match &mut w.hist {
                Some(hist) => {
                    material::simulate(p, frame, noise, &mut w.ws, &mut hist.recorder(s, m))
                }
                None => material::simulate(p, frame, noise, &mut w.ws, &mut NoRecord),
            };
            out.push(o.row);
        }
    }
    if let Some(hist) = &mut w.hist {
        hist.add_replication();
    }
}

/// Runs the replications of `opts` for every strategy of `scn`.
pub fn run(scn: &Scenario, opts: &RunOptions, progress: &dyn Progress) -> RunResult {
    let graph = TriggerGraph::new(scn);
    let noisy: Vec<bool> = (0..scn.materials.len())
        .map(|m| {
            scn.strategies
                .iter()
                .any(|s| s.materials[m].demand_cv > 0.0)
        })
        .collect();
    let per_rep = scn.strategies.len() * scn.materials.len();
    let Range { start, end } = opts.replications.clone();
    let end = end.max(start);
    let n_chunks = (end - start).div_ceil(CHUNK) as usize;
    let pool: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
    let new_worker = || Worker {
        timeline: Timeline::default(),
        frames: Frames::default(),
        ws: Workspace::default(),
        noise: Vec::new(),
        hist: opts.daily.then(|| DailyHist::new(scn)),
    };

    let chunks: Vec<Vec<MetricsRow>> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let a = start + c as u64 * CHUNK;
            let b = (a + CHUNK).min(end);
            let mut w = pool
                .lock()
                .ok()
                .and_then(|mut p| p.pop())
                .unwrap_or_else(new_worker);
            let mut out = Vec::with_capacity((b - a) as usize * per_rep);
            for rep in a..b {
                replication(scn, &graph, &noisy, opts.seed, rep, &mut w, &mut out);
            }
            progress.advance(b - a);
            if let Ok(mut p) = pool.lock() {
                p.push(w);
            }
            out
        })
        .collect();

    let mut rows = Vec::with_capacity((end - start) as usize * per_rep);
    for c in chunks {
        rows.extend(c);
    }
    // Integer counts: the merge order does not matter.
    let daily = if opts.daily {
        let mut total = DailyHist::new(scn);
        for w in pool.into_inner().unwrap_or_default() {
            if let Some(h) = &w.hist {
                total.merge(h);
            }
        }
        Some(total)
    } else {
        None
    };
    RunResult {
        first_replication: start,
        n_replications: (end - start) as usize,
        n_strategies: scn.strategies.len(),
        n_materials: scn.materials.len(),
        rows,
        daily,
    }
}
