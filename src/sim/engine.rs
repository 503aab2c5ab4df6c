//! The parallel engine: replications over rayon, every strategy on the same futures.
//!
//! Replications are cut into fixed chunks of [`CHUNK`] (independent of the thread
//! count); each chunk's metric rows are collected in index order, and the daily
//! histograms are integer counts, so every thread count, schedule and shard split gives
//! the same bits. Runs in the current rayon pool: the caller chooses the threads with
//! `ThreadPool::install`.
//!
//! Within a chunk, blocks of [`LANES`] replications run through the batched step
//! ([`super::batch`], SIMD lanes); a block of fewer than [`MIN_BATCH`] replications (the
//! tail of a run) runs one replication at a time through the scalar step. Both compute the
//! same bits (a test runs every shipped scenario both ways), so how a run is cut into
//! blocks never shows in its results.

use super::batch::{Isa, Plan, Runner};
use super::block::{BLOCK, BlockSink, RowVec};
use super::daily::DailyHist;
use super::lanes::LANES;
use super::material::{self, NoRecord, Outcome, ShortDays, Workspace};
use super::metrics::{MetricsRow, N_METRICS};
use super::normal;
use super::rng;
use super::sectors::{self, SectorPlan, SectorState, Served};
use super::timeline::{Frames, Timeline, TriggerGraph};
use crate::model::Scenario;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Mutex;

/// Replications per unit of parallel work.
pub const CHUNK: u64 = 32;

/// Fewest replications worth a batched block: below, the scalar step is cheaper than
/// running the idle lanes.
pub const MIN_BATCH: usize = 4;

/// Which implementation of the daily step runs the replications; every choice gives
/// the same bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// One replication at a time ([`material::simulate`]): the reference.
    Scalar,
    /// [`LANES`] replications at a time ([`super::batch::simulate`]) with the given instruction
    /// set, the tail of a run through the scalar step.
    Batched(Isa),
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        Kernel::Batched(Isa::detect())
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed of the random streams.
    pub seed: u64,
    /// Replication indices to run (a whole run is `0..replications`; a shard a sub-range).
    pub replications: Range<u64>,
    /// Whether to accumulate the daily histograms.
    pub daily: bool,
    /// Daily histograms count only replications with an index below this (fan charts
    /// need far fewer futures than tail statistics; 10,000 give quantile bands whose
    /// sampling error is well under a histogram bin). `u64::MAX` counts all.
    pub daily_replications: u64,
}

/// Default of [`RunOptions::daily_replications`].
pub const DEFAULT_DAILY_REPLICATIONS: u64 = 10_000;

impl RunOptions {
    /// A whole run of `replications` with `seed`, with daily bands.
    pub fn new(seed: u64, replications: u64) -> Self {
        RunOptions {
            seed,
            replications: 0..replications,
            daily: true,
            daily_replications: DEFAULT_DAILY_REPLICATIONS,
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
    /// Number of rows per replication and strategy: the materials, then the sectors
    /// (`Scenario::n_slots`; the materials alone without sectors).
    pub n_materials: usize,
    /// Metric rows laid out `[(r * S + s) * M + m]`, `r` counted from `first_replication`,
    /// `M` = [`RunResult::n_materials`]; a sector's row ([`super::SectorMetric`]) comes after
    /// the materials' rows.
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
    eps: Vec<Vec<f64>>,
    eps_cv: Vec<f64>,
    runner: Option<Runner>,
    hist: Option<DailyHist>,
    /// Per (strategy, material): the short days, for the sector layer.
    served: Vec<Vec<(u32, f64, f64)>>,
    sector_state: SectorState,
}

/// The short days of one replication's materials under one strategy, from the scalar
/// step's records (`[s * M + m]`, each strategy's material at its canonical strategy).
struct ScalarServed<'a> {
    series: &'a [Vec<(u32, f64, f64)>],
    frames: &'a Frames,
    canon: &'a [usize],
    s: usize,
    nm: usize,
}

impl ScalarServed<'_> {
    #[inline(always)]
    fn days(&self, m: usize) -> &[(u32, f64, f64)] {
        &self.series[self.canon[self.s * self.nm + m] * self.nm + m]
    }
}

impl Served for ScalarServed<'_> {
    #[inline]
    fn n_listed(&self, m: usize) -> usize {
        self.days(m).len()
    }

    #[inline]
    fn listed(&self, m: usize, i: usize) -> (u32, f64, f64) {
        self.days(m)[i]
    }

    fn first_supply_onset(&self, m: usize) -> Option<u32> {
        self.frames.materials[m].first_supply_onset
    }
}

/// Runs one replication of every strategy and material, appending its rows.
#[allow(clippy::too_many_arguments)]
fn replication(
    scn: &Scenario,
    graph: &TriggerGraph,
    noisy: &[bool],
    canon: &[usize],
    plans: &[SectorPlan],
    seed: u64,
    rep: u64,
    record: bool,
    w: &mut Worker,
    out: &mut Vec<MetricsRow>,
) {
    let nm = scn.materials().len();
    let nk = scn.sectors().len();
    let slots = nm + nk;
    let first = out.len();
    let h = scn.horizon_days() as usize;
    if nk > 0 {
        w.served.resize_with(scn.strategies().len() * nm, Vec::new);
    }
    w.timeline.sample(scn, graph, seed, rep);
    w.frames.build(scn, &w.timeline);
    w.noise.resize_with(nm, Vec::new);
    w.eps.resize_with(nm, Vec::new);
    w.eps_cv.clear();
    w.eps_cv.resize(nm, f64::NAN);
    for (m, buf) in w.noise.iter_mut().enumerate() {
        buf.clear();
        if noisy[m] {
            let mut r = rng::stream(seed, rep, rng::SUB_DEMAND + m as u64);
            buf.resize(h, 0.0);
            normal::fill_standard_normals(&mut r, buf);
        }
    }
    for (s, strat) in scn.strategies().iter().enumerate() {
        for (m, p) in strat.materials.iter().enumerate() {
            let c = canon[s * nm + m];
            if c != s {
                // Same parameters as under strategy `c`: same outcome (common random
                // numbers), so copy it.
                let row = out[first + c * slots + m];
                out.push(row);
                continue;
            }
            let frame = &w.frames.materials[m];
            // The multipliers depend on the strategy's `demand_cv`; most strategies share
            // it, so reuse the last ones computed.
            if w.eps_cv[m].to_bits() != p.demand_cv().to_bits() {
                material::noise_multipliers(p.demand_cv(), &w.noise[m], &mut w.eps[m]);
                w.eps_cv[m] = p.demand_cv();
            }
            let noise = &w.eps[m];
            let o: Outcome = if nk > 0 {
                let mut days = ShortDays::new(&mut w.served[s * nm + m], h);
                match &mut w.hist {
                    Some(hist) if record => material::simulate(
                        p,
                        frame,
                        noise,
                        &mut w.ws,
                        &mut (hist.recorder(s, m), days),
                    ),
                    _ => material::simulate(p, frame, noise, &mut w.ws, &mut days),
                }
            } else {
                match &mut w.hist {
                    Some(hist) if record => {
                        material::simulate(p, frame, noise, &mut w.ws, &mut hist.recorder(s, m))
                    }
                    _ => material::simulate(p, frame, noise, &mut w.ws, &mut NoRecord),
                }
            };
            out.push(o.row);
        }
        if nk > 0 {
            let base = first + s * slots;
            out.resize(base + slots, MetricsRow([0.0; N_METRICS]));
            let (mats, secs) = out[base..].split_at_mut(nm);
            let served = ScalarServed {
                series: &w.served,
                frames: &w.frames,
                canon,
                s,
                nm,
            };
            sectors::simulate(&plans[s], &served, h, &mut w.sector_state, secs, mats);
        }
    }
    if record && let Some(hist) = &mut w.hist {
        hist.add_replication();
    }
}

/// Runs the replications of `opts` for every strategy of `scn`, with the fastest kernel
/// this CPU runs.
pub fn run(scn: &Scenario, opts: &RunOptions, progress: &dyn Progress) -> RunResult {
    run_with(scn, opts, progress, Kernel::detect())
}

/// [`run`] with a chosen kernel (every kernel gives the same bits).
///
/// # Panics
/// If `kernel` uses an instruction set this CPU lacks (see [`Isa::available`]).
pub fn run_with(
    scn: &Scenario,
    opts: &RunOptions,
    progress: &dyn Progress,
    kernel: Kernel,
) -> RunResult {
    let n = opts
        .replications
        .end
        .saturating_sub(opts.replications.start) as usize;
    let mut rows = RowVec(Vec::with_capacity(
        n * scn.strategies().len() * scn.n_slots(),
    ));
    let Ok(tail) = run_into(scn, opts, progress, kernel, &mut rows);
    RunResult {
        first_replication: tail.first_replication,
        n_replications: tail.n_replications,
        n_strategies: scn.strategies().len(),
        n_materials: scn.n_slots(),
        rows: rows.0,
        daily: tail.daily,
    }
}

/// What a run leaves besides the rows it handed to its sink.
#[derive(Debug, Clone)]
pub struct RunTail {
    /// First replication index.
    pub first_replication: u64,
    /// Number of replications.
    pub n_replications: usize,
    /// Daily histograms, when asked for.
    pub daily: Option<DailyHist>,
}

/// Runs the replications of `opts` like [`run_with`], handing the rows to `sink` a block
/// of at most [`BLOCK`] replications at a time, in replication order (docs/storage.md
/// §2): memory holds at most two blocks (one being simulated while the sink takes the
/// previous one), whatever the number of replications. Stops at the sink's first error
/// (after the block simulated meanwhile).
///
/// # Panics
/// If `kernel` uses an instruction set this CPU lacks (see [`Isa::available`]).
pub fn run_into<S: BlockSink + Send>(
    scn: &Scenario,
    opts: &RunOptions,
    progress: &dyn Progress,
    kernel: Kernel,
    sink: &mut S,
) -> Result<RunTail, S::Error>
where
    S::Error: Send,
{
    if let Kernel::Batched(isa) = kernel {
        assert!(isa.available(), "{isa:?} is not available on this CPU");
    }
    let graph = TriggerGraph::new(scn);
    let noisy: Vec<bool> = (0..scn.materials().len())
        .map(|m| {
            scn.strategies()
                .iter()
                .any(|s| s.materials[m].demand_cv() > 0.0)
        })
        .collect();
    let per_rep = scn.strategies().len() * scn.n_slots();
    // canon[s * M + m]: the first strategy giving material m the same parameters as s.
    let nm = scn.materials().len();
    let mut canon = vec![0; scn.strategies().len() * nm];
    for (s, strat) in scn.strategies().iter().enumerate() {
        for m in 0..nm {
            canon[s * nm + m] = (0..=s)
                .find(|&c| scn.strategies()[c].materials[m] == strat.materials[m])
                .unwrap_or(s);
        }
    }
    let Range { start, end } = opts.replications.clone();
    let end = end.max(start);
    let pool: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
    let new_worker = || Worker {
        timeline: Timeline::default(),
        frames: Frames::default(),
        ws: Workspace::default(),
        noise: Vec::new(),
        eps: Vec::new(),
        eps_cv: Vec::new(),
        runner: match kernel {
            Kernel::Batched(isa) => Some(Runner::new(isa)),
            Kernel::Scalar => None,
        },
        hist: opts.daily.then(|| DailyHist::new(scn)),
        served: Vec::new(),
        sector_state: SectorState::default(),
    };
    // The sector layer, compiled once per strategy (none without sectors).
    let plans: Vec<SectorPlan> = if scn.sectors().is_empty() {
        Vec::new()
    } else {
        scn.strategies()
            .iter()
            .map(|s| SectorPlan::new(scn, s))
            .collect()
    };
    let plan = Plan {
        scn,
        graph: &graph,
        noisy: &noisy,
        canon: &canon,
        plans: &plans,
        seed: opts.seed,
    };
    let record_below = if opts.daily {
        opts.daily_replications
    } else {
        0
    };

    // Blocks of BLOCK replications (a multiple of CHUNK, so every chunk and lane
    // boundary stays where it was), handed to the sink in order. Each block goes to the
    // sink while the next one is simulated (`rayon::join`: the sink's serial work, e.g. a
    // spill file's write, overlaps the next block's parallel work instead of idling the
    // other threads); at most two blocks' rows are held here at a time.
    let simulate = |block_start: u64, block_end: u64| -> Vec<Vec<MetricsRow>> {
        let n_chunks = (block_end - block_start).div_ceil(CHUNK) as usize;
        (0..n_chunks)
            .into_par_iter()
            // One task per chunk. Left to itself, rayon splits a range only as deep as
            // it takes to feed every thread once and runs the pieces it keeps whole: the
            // first thread's piece holds the recorded replications (the first
            // `record_below`, several times dearer each), and the other threads, done
            // with theirs, find nothing left to take (the flagship ran its last 2 s of
            // simulation on one thread of two). A chunk is about 1 ms of work, so a task
            // per chunk costs nothing.
            .with_max_len(1)
            .map(|c| {
                let a = block_start + c as u64 * CHUNK;
                let b = (a + CHUNK).min(block_end);
                let mut w = pool
                    .lock()
                    .ok()
                    .and_then(|mut p| p.pop())
                    .unwrap_or_else(new_worker);
                let mut out = Vec::with_capacity((b - a) as usize * per_rep);
                let mut block = a;
                while block < b {
                    let next = (block + LANES as u64).min(b);
                    match &mut w.runner {
                        Some(runner) if (next - block) as usize >= MIN_BATCH => {
                            runner.run(&plan, block..next, w.hist.as_mut(), record_below, &mut out);
                        }
                        _ => {
                            for rep in block..next {
                                let record = rep < record_below;
                                replication(
                                    scn, &graph, &noisy, &canon, &plans, opts.seed, rep, record,
                                    &mut w, &mut out,
                                );
                            }
                        }
                    }
                    block = next;
                }
                progress.advance(b - a);
                if let Ok(mut p) = pool.lock() {
                    p.push(w);
                }
                out
            })
            .collect()
    };
    let hand_on = |sink: &mut S, first: u64, chunks: Vec<Vec<MetricsRow>>| {
        // The chunks joined in parallel: a copy of every row of the block (180 MB for
        // the flagship's 20,000 futures, with its sectors), which kept one thread busy
        // and the others idle at the end of a run. Every chunk holds `CHUNK`
        // replications but the last, so row `i` is row `i % len` of chunk `i / len`.
        let total: usize = chunks.iter().map(Vec::len).sum();
        let len = chunks.first().map_or(0, Vec::len);
        let mut rows = Vec::with_capacity(total);
        if len > 0 {
            rows.par_extend((0..total).into_par_iter().map(|i| chunks[i / len][i % len]));
        }
        sink.accept(first, rows)
    };
    let mut pending: Option<(u64, Vec<Vec<MetricsRow>>)> = None;
    let mut block_start = start;
    while block_start < end {
        let block_end = (block_start + BLOCK).min(end);
        let chunks = match pending.take() {
            Some((first, prev)) => {
                let (handed, chunks) = rayon::join(
                    || hand_on(sink, first, prev),
                    || simulate(block_start, block_end),
                );
                handed?;
                chunks
            }
            None => simulate(block_start, block_end),
        };
        pending = Some((block_start, chunks));
        block_start = block_end;
    }
    // The last block goes to the sink while the workers' daily histograms count the
    // bins their recorders still hold, each worker's on a thread of its own.
    let mut workers = pool.into_inner().unwrap_or_default();
    let flush = |workers: &mut Vec<Worker>| {
        workers.par_iter_mut().for_each(|w| {
            if let Some(h) = &mut w.hist {
                h.flush();
            }
        });
    };
    if let Some((first, prev)) = pending {
        let (handed, ()) = rayon::join(|| hand_on(sink, first, prev), || flush(&mut workers));
        handed?;
    } else {
        flush(&mut workers);
    }
    // Integer counts: the merge order does not matter. The others are added into the
    // first worker's histograms (a fresh total would be tens of MB of pages zeroed while
    // the other thread waits).
    let daily = if opts.daily {
        let mut hists = workers.iter_mut().filter_map(|w| w.hist.take());
        let mut total = hists.next().unwrap_or_else(|| DailyHist::new(scn));
        for h in hists {
            total.merge(&h);
        }
        for s in 0..scn.strategies().len() {
            for m in 0..nm {
                total.copy_slot(canon[s * nm + m], s, m);
            }
        }
        Some(total)
    } else {
        None
    };
    Ok(RunTail {
        first_replication: start,
        n_replications: (end - start) as usize,
        daily,
    })
}
