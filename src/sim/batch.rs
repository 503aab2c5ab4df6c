//! The daily step of [`LANES`] replications at once (MODEL.md §4–§5): the same rules and
//! the same floating-point operations as the scalar [`super::material::simulate`], lane by
//! lane, so every metric comes out bit for bit the same, but laid out so the compiler can
//! use one SIMD instruction for all lanes.
//!
//! - [`LaneFrames`] hold the frames of a block of replications in lane layout (day-major,
//!   one `f64` per lane), built straight from their timelines.
//! - [`simulate`] runs one material under one strategy for the whole block. The common
//!   day (no shortfall, no substitution) is branch-free across lanes; the rare events
//!   (a shortfall day, substitution) are handled lane by lane in cold functions.
//! - The daily bands: when asked, the step hands each day of every lane to a
//!   [`LaneRecorder`] (for the run, [`DailyHist::lanes`], which records the 16 lanes of
//!   the day at once).
//!
//! The step is compiled three times (portable SSE2, AVX2, AVX-512) and [`Isa::detect`]
//! picks the best the CPU has at run time; all three compute the same bits.
//!
//! Pure; depends on [`crate::model`] and the sibling modules `daily`, `lanes`, `material`,
//! `metrics`, `sectors` and `timeline`.

use super::daily::{DailyHist, LaneRecorder};
use super::lanes::{LANES, Lanes, M, Mask, V, fmax, fmin};
use super::material::{EPISODE_GAP_DAYS, Ledger, Outcome};
use super::metrics::{Metric, MetricsRow, N_METRICS};
use super::normal;
use super::rng;
use super::sectors::{self, SectorPlan, SectorState, Served};
use super::timeline::{FrameSink, Instance, Timeline, TriggerGraph, apply};
use crate::model::{MaterialParams, Scenario};
use std::ops::Range;

/// What the daily step reads of the timelines of a block of replications, per material.
#[derive(Debug, Clone, Default)]
pub struct LaneFrame {
    /// Number of suppliers.
    pub n_suppliers: usize,
    /// Availability `a_i(t)` per lane, indexed `t * n_suppliers + i`.
    pub avail: Vec<V>,
    /// Added delay `delay_i(t)` per lane, indexed `t * n_suppliers + i`.
    pub delay: Vec<[u32; LANES]>,
    /// Whether any lane has a delay, indexed `t * n_suppliers + i`.
    pub delayed: Vec<bool>,
    /// Whether any lane's availability is below 1, indexed `t * n_suppliers + i` (where
    /// not, `avail` is 1 in every lane and the step skips multiplying by it).
    pub lossy: Vec<bool>,
    /// Largest entry of `delay`.
    pub max_delay: u32,
    /// Demand multiplier per lane and day.
    pub demand_mult: Vec<V>,
    /// Per lane: what the metrics need of the instances hitting the material.
    pub hits: [Hits; LANES],
    /// Entries `t * n_suppliers + i` of `avail` and `delay` written by the last build
    /// (reset before the next one; repeats are harmless).
    dirty_sup: Vec<usize>,
    /// Days of `demand_mult` written by the last build.
    dirty_days: Vec<usize>,
}

/// The instances hitting a material in one replication (see [`super::timeline::Frame`]).
#[derive(Debug, Clone, Default)]
pub struct Hits {
    /// Sorted onsets of every instance that hits the material.
    pub onsets: Vec<u32>,
    /// First onset of a supply disruption that hits the material.
    pub first_supply_onset: Option<u32>,
    /// `(onset, end of recovery)` of supply disruptions hitting the material, by onset.
    pub supply_windows: Vec<(u32, u32)>,
}

/// The lane frames of every material for one block of replications.
#[derive(Debug, Clone, Default)]
pub struct LaneFrames {
    /// One per material.
    pub materials: Vec<LaneFrame>,
}

struct LaneSink<'a> {
    frames: &'a mut LaneFrames,
    lane: usize,
}

impl FrameSink for LaneSink<'_> {
    #[inline]
    fn supply_loss(&mut self, m: usize, i: usize, t: usize, factor: f64) {
        let f = &mut self.frames.materials[m];
        let k = t * f.n_suppliers + i;
        f.dirty_sup.push(k);
        f.avail[k].0[self.lane] *= factor;
        f.lossy[k] = true;
    }

    #[inline]
    fn delay(&mut self, m: usize, i: usize, t: usize, days: u32) {
        let f = &mut self.frames.materials[m];
        let k = t * f.n_suppliers + i;
        f.dirty_sup.push(k);
        let d = &mut f.delay[k][self.lane];
        *d = d.saturating_add(days);
        f.max_delay = f.max_delay.max(*d);
        f.delayed[k] = true;
    }

    #[inline]
    fn surge(&mut self, m: usize, t: usize, intensity: f64) {
        let f = &mut self.frames.materials[m];
        f.dirty_days.push(t);
        f.demand_mult[t].0[self.lane] += intensity;
    }

    fn hit(&mut self, m: usize, inst: &Instance, supply: bool) {
        let hits = &mut self.frames.materials[m].hits[self.lane];
        hits.onsets.push(inst.onset);
        if supply {
            hits.supply_windows
                .push((inst.onset, inst.end_of_recovery()));
            hits.first_supply_onset = Some(
                hits.first_supply_onset
                    .map_or(inst.onset, |o| o.min(inst.onset)),
            );
        }
    }
}

impl LaneFrames {
    /// Fills the frames of a block from the timelines of its replications, one per lane,
    /// reusing the buffers.
    pub fn build(&mut self, scn: &Scenario, timelines: &[Timeline; LANES]) {
        let h = scn.horizon_days() as usize;
        self.materials
            .resize_with(scn.materials().len(), LaneFrame::default);
        for (m, f) in self.materials.iter_mut().enumerate() {
            let n = scn.materials()[m].suppliers.len();
            if f.n_suppliers != n || f.demand_mult.len() != h {
                f.n_suppliers = n;
                f.avail.clear();
                f.avail.resize(h * n, V::splat(1.0));
                f.delay.clear();
                f.delay.resize(h * n, [0; LANES]);
                f.delayed.clear();
                f.delayed.resize(h * n, false);
                f.lossy.clear();
                f.lossy.resize(h * n, false);
                f.demand_mult.clear();
                f.demand_mult.resize(h, V::splat(1.0));
            } else {
                // Reset only what the last block wrote.
                for &k in &f.dirty_sup {
                    f.avail[k] = V::splat(1.0);
                    f.delay[k] = [0; LANES];
                    f.delayed[k] = false;
                    f.lossy[k] = false;
                }
                for &t in &f.dirty_days {
                    f.demand_mult[t] = V::splat(1.0);
                }
            }
            f.dirty_sup.clear();
            f.dirty_days.clear();
            f.max_delay = 0;
            for hits in &mut f.hits {
                hits.onsets.clear();
                hits.first_supply_onset = None;
                hits.supply_windows.clear();
            }
        }
        for (lane, tl) in timelines.iter().enumerate() {
            apply(scn, tl, h, &mut LaneSink { frames: self, lane });
        }
        for f in &mut self.materials {
            for hits in &mut f.hits {
                hits.onsets.sort_unstable();
                hits.supply_windows.sort_unstable();
            }
        }
    }
}

/// Fills `out` with the demand-noise multipliers of every lane (see
/// [`super::material::noise_multipliers`]: the same operations), from one
/// standard-normal draw per lane and day in `z`. Leaves `out` empty when `cv` is 0.
///
/// # Panics
/// If `isa` is not [`Isa::available`] on this CPU.
pub fn noise_multipliers(isa: Isa, cv: f64, z: &[V], out: &mut Vec<V>) {
    assert!(isa.available(), "{isa:?} is not available on this CPU");
    out.clear();
    if cv > 0.0 && !z.is_empty() {
        let s2 = (1.0 + cv * cv).ln();
        let (mu, sigma) = (-0.5 * s2, s2.sqrt());
        out.resize(z.len(), V::ZERO);
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 (checked above).
            Isa::Avx2 => unsafe { lognormal_avx2(mu, sigma, z, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512 F, VL and DQ (checked above).
            Isa::Avx512 => unsafe { lognormal_avx512(mu, sigma, z, out) },
            _ => lognormal(mu, sigma, z, out),
        }
    }
}

/// `out = exp(mu + sigma z)`, lane by lane.
#[inline(always)]
fn lognormal(mu: f64, sigma: f64, z: &[V], out: &mut [V]) {
    let (mu, sigma) = (V::splat(mu), V::splat(sigma));
    for (o, &z) in out.iter_mut().zip(z) {
        *o = (mu + sigma * z).exp();
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,avx2")]
fn lognormal_avx2(mu: f64, sigma: f64, z: &[V], out: &mut [V]) {
    lognormal(mu, sigma, z, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,avx2,avx512f,avx512vl,avx512dq")]
fn lognormal_avx512(mu: f64, sigma: f64, z: &[V], out: &mut [V]) {
    lognormal(mu, sigma, z, out)
}

/// Per-thread state for running blocks of up to [`LANES`] replications through the
/// batched step: the same streams, frames and rows as the scalar engine, lane by lane.
#[derive(Debug, Clone)]
pub struct Runner {
    isa: Isa,
    timelines: Box<[Timeline; LANES]>,
    frames: LaneFrames,
    ws: Workspace,
    /// Standard-normal draws of the demand noise per material, in lane layout.
    z: Vec<Vec<V>>,
    /// Noise multipliers per material, for the `demand_cv` in `eps_cv`.
    eps: Vec<Vec<V>>,
    eps_cv: Vec<f64>,
    out: [Outcome; LANES],
    /// Per (strategy, material): the short days of the block, for the sector layer.
    served: Vec<Vec<ShortDay>>,
    sector_state: SectorState,
}

/// A day on which some lane of a block fell short: its demand and shortfall per lane.
#[derive(Debug, Clone, Copy)]
pub struct ShortDay {
    /// The day.
    pub t: u32,
    /// Demand per lane, in units.
    pub demand: V,
    /// Shortfall per lane, in units (0 in the lanes that were served in full).
    pub short: V,
}

/// One lane's short days of its materials under one strategy, from the batched step's
/// records (a day another lane fell short on is listed with this lane's shortfall, 0).
struct LaneServed<'a> {
    series: &'a [Vec<ShortDay>],
    frames: &'a LaneFrames,
    canon: &'a [usize],
    s: usize,
    nm: usize,
    lane: usize,
}

impl LaneServed<'_> {
    #[inline(always)]
    fn days(&self, m: usize) -> &[ShortDay] {
        &self.series[self.canon[self.s * self.nm + m] * self.nm + m]
    }
}

impl Served for LaneServed<'_> {
    #[inline]
    fn n_listed(&self, m: usize) -> usize {
        self.days(m).len()
    }

    #[inline]
    fn listed(&self, m: usize, i: usize) -> (u32, f64, f64) {
        let d = &self.days(m)[i];
        (d.t, d.demand.0[self.lane], d.short.0[self.lane])
    }

    fn first_supply_onset(&self, m: usize) -> Option<u32> {
        self.frames.materials[m].hits[self.lane].first_supply_onset
    }
}

/// What every block of a run shares.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The scenario.
    pub scn: &'a Scenario,
    /// Its trigger graph.
    pub graph: &'a TriggerGraph,
    /// Per material: whether any strategy gives it demand noise.
    pub noisy: &'a [bool],
    /// `canon[s * M + m]`: the first strategy giving material `m` the same parameters as
    /// strategy `s` (whose outcome is then copied).
    pub canon: &'a [usize],
    /// The sector layer of each strategy (empty without sectors).
    pub plans: &'a [SectorPlan],
    /// Seed of the random streams.
    pub seed: u64,
}

impl Runner {
    /// A runner using the instruction set `isa` (see [`Isa::detect`]).
    pub fn new(isa: Isa) -> Self {
        Runner {
            isa,
            timelines: Box::default(),
            frames: LaneFrames::default(),
            ws: Workspace::default(),
            z: Vec::new(),
            eps: Vec::new(),
            eps_cv: Vec::new(),
            served: Vec::new(),
            sector_state: SectorState::default(),
            out: [Outcome {
                row: MetricsRow([0.0; N_METRICS]),
                ledger: Ledger {
                    initial_stock: 0.0,
                    initial_pipeline: 0.0,
                    dispatched: 0.0,
                    final_stock: 0.0,
                    final_pipeline: 0.0,
                    served: 0.0,
                },
            }; LANES],
        }
    }

    /// Runs the replications `reps` (at most [`LANES`]) of every strategy and material,
    /// appending their rows to `rows` laid out `[(r * S + s) * M + m]`. With `hist`,
    /// the replications below `record_below` are recorded into it (some of their bins
    /// held: call [`DailyHist::flush`] before reading it).
    ///
    /// # Panics
    /// If `reps` holds more than [`LANES`] replications (a programming error).
    pub fn run(
        &mut self,
        plan: &Plan,
        reps: Range<u64>,
        mut hist: Option<&mut DailyHist>,
        record_below: u64,
        rows: &mut Vec<MetricsRow>,
    ) {
        let scn = plan.scn;
        let k = (reps.end - reps.start) as usize;
        assert!(k <= LANES, "a block holds at most {LANES} replications");
        let (ns, nm) = (scn.strategies().len(), scn.materials().len());
        let nk = scn.sectors().len();
        let slots = nm + nk;
        let h = scn.horizon_days() as usize;
        if nk > 0 {
            self.served.resize_with(ns * nm, Vec::new);
        }
        for (l, tl) in self.timelines.iter_mut().enumerate() {
            if l < k {
                tl.sample(scn, plan.graph, plan.seed, reps.start + l as u64);
            } else {
                // Padding lanes: no shocks (their results are dropped).
                tl.per_shock.iter_mut().for_each(Vec::clear);
            }
        }
        self.frames.build(scn, &self.timelines);
        self.z.resize_with(nm, Vec::new);
        self.eps.resize_with(nm, Vec::new);
        self.eps_cv.clear();
        self.eps_cv.resize(nm, f64::NAN);
        for (m, z) in self.z.iter_mut().enumerate() {
            if !plan.noisy[m] {
                continue;
            }
            z.resize(h, V::ZERO);
            for l in 0..k {
                let rep = reps.start + l as u64;
                let mut r = rng::stream(plan.seed, rep, rng::SUB_DEMAND + m as u64);
                normal::standard_normals(&mut r, h, |t, x| z[t].0[l] = x);
            }
        }
        // The recorded lanes: a prefix of the block, the replications below `record_below`.
        let n_recorded = (k as u64).min(record_below.saturating_sub(reps.start)) as usize;
        let record = hist.is_some() && n_recorded > 0;
        let first = rows.len();
        rows.resize(first + k * ns * slots, MetricsRow([0.0; N_METRICS]));
        let rows = &mut rows[first..];
        for (s, strat) in scn.strategies().iter().enumerate() {
            for (m, p) in strat.materials.iter().enumerate() {
                let c = plan.canon[s * nm + m];
                if c != s {
                    // Same parameters as under strategy `c`: same outcome (common random
                    // numbers), so copy it.
                    for l in 0..k {
                        rows[(l * ns + s) * slots + m] = rows[(l * ns + c) * slots + m];
                    }
                    continue;
                }
                if self.eps_cv[m].to_bits() != p.demand_cv().to_bits() {
                    noise_multipliers(self.isa, p.demand_cv(), &self.z[m], &mut self.eps[m]);
                    self.eps_cv[m] = p.demand_cv();
                }
                let mut rec = match hist.as_deref_mut() {
                    Some(hist) if record => Some(hist.lanes(s, m, n_recorded)),
                    _ => None,
                };
                simulate(
                    self.isa,
                    p,
                    &self.frames.materials[m],
                    &self.eps[m],
                    &mut self.ws,
                    &mut rec,
                    nk > 0,
                    &mut self.out,
                );
                if nk > 0 {
                    // The step's list becomes this slot's (and the slot's old buffer the
                    // step's next one): no copy.
                    std::mem::swap(&mut self.ws.short_days, &mut self.served[s * nm + m]);
                }
                for l in 0..k {
                    rows[(l * ns + s) * slots + m] = self.out[l].row;
                }
            }
            if nk > 0 {
                for l in 0..k {
                    let base = (l * ns + s) * slots;
                    let (mats, secs) = rows[base..base + slots].split_at_mut(nm);
                    let served = LaneServed {
                        series: &self.served,
                        frames: &self.frames,
                        canon: plan.canon,
                        s,
                        nm,
                        lane: l,
                    };
                    sectors::simulate(
                        &plan.plans[s],
                        &served,
                        h,
                        &mut self.sector_state,
                        secs,
                        mats,
                    );
                }
            }
        }
        if record && let Some(hist) = hist {
            for _ in 0..n_recorded {
                hist.add_replication();
            }
        }
    }
}

/// Per-supplier state of the batched step. (The surge counter `k_i` of MODEL.md §4 is
/// the same for every supplier of a material, since all start at 0 and grow or reset on
/// the same days: the step keeps one per lane, and only when some supplier ramps.)
#[derive(Debug, Clone, Copy, Default)]
struct SupLanes {
    /// Spare capacity after the first pass.
    cap: V,
    /// First-pass allocation.
    alloc: V,
    /// Everything dispatched.
    dispatched: V,
}

/// Per-supplier constants of one run.
#[derive(Debug, Clone, Copy, Default)]
struct SupConst {
    w_base: f64,
    w_react: f64,
    /// `w d` under the base shares, and under the reaction's.
    wd_base: f64,
    wd_react: f64,
    surge_d: f64,
    inv_lag: f64,
    /// Index of this supplier's ramp among the day's distinct ramps (`Workspace::ramps`;
    /// suppliers with the same lag share one), when it ramps.
    ramp_of: usize,
    /// Whether the capacity changes with the surge counter: surge capacity with a lag.
    /// Otherwise the day's capacity before losses, `w d + S d ramp`, is the same every
    /// day: `S d ramp` is `S d` whatever the ramp when `S d` is 0 (`±0 × r = ±0` for
    /// `r` in `[0, 1]`), and the ramp is always 1 without a lag.
    ramps: bool,
    /// `w d + S d` under the base shares, and under the reaction's.
    y_base: f64,
    y_react: f64,
    lead: usize,
    unit_cost: f64,
}

/// Reusable buffers of the batched step (one per worker thread).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    ring: Vec<V>,
    reacting: Vec<M>,
    sup: Vec<SupLanes>,
    cst: Vec<SupConst>,
    /// The distinct `1 / g` of the suppliers that ramp, and each one's ramp of the day,
    /// `min(k / g, 1)`.
    lags: Vec<f64>,
    ramps: Vec<V>,
    /// When listing short days (for the sector layer): every day some lane fell short.
    short_days: Vec<ShortDay>,
}

impl Workspace {
    /// The days some lane fell short on in the last [`simulate`] with `list`, in order.
    pub fn short_days(&self) -> &[ShortDay] {
        &self.short_days
    }
}

/// Instruction sets the batched step is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// What the compilation target guarantees (SSE2 on x86-64).
    Portable,
    /// AVX2.
    Avx2,
    /// AVX-512 (F, VL, DQ).
    Avx512,
}

impl Isa {
    /// Every variant, most portable first.
    pub const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// Whether this CPU can run the variant.
    pub fn available(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest variant this CPU runs.
    pub fn detect() -> Isa {
        *Isa::ALL
            .iter()
            .rev()
            .find(|i| i.available())
            .unwrap_or(&Isa::Portable)
    }
}

/// Simulates the horizon of one material under one strategy for the [`LANES`]
/// replications of `frame`, writing each lane's outcome to `out`.
///
/// `noise` holds each day's demand-noise multipliers per lane, or is empty when demand is
/// deterministic. Every day of every lane goes to `rec` when it is
/// [`LaneRecorder::active`] (`&mut ()` records nothing); with `list`, the days some lane
/// fell short on are listed ([`Workspace::short_days`], for the sector layer).
///
/// # Panics
/// If `isa` is not [`Isa::available`] on this CPU.
#[allow(clippy::too_many_arguments)]
pub fn simulate<R: LaneRecorder>(
    isa: Isa,
    p: &MaterialParams,
    frame: &LaneFrame,
    noise: &[V],
    ws: &mut Workspace,
    rec: &mut R,
    list: bool,
    out: &mut [Outcome; LANES],
) {
    assert!(isa.available(), "{isa:?} is not available on this CPU");
    // One copy of the step per instruction set and per shape (reaction or not,
    // stockpile or not), so each loop carries only the state it needs.
    macro_rules! shapes {
        ($f:ident) => {
            match (
                p.reaction().is_some(),
                p.stockpile_days() * p.daily_demand() > 0.0,
            ) {
                (false, false) => $f::<R, false, false>(p, frame, noise, ws, rec, list, out),
                (false, true) => $f::<R, false, true>(p, frame, noise, ws, rec, list, out),
                (true, false) => $f::<R, true, false>(p, frame, noise, ws, rec, list, out),
                (true, true) => $f::<R, true, true>(p, frame, noise, ws, rec, list, out),
            }
        };
    }
    match isa {
        Isa::Portable => shapes!(step_portable),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX2 (checked above).
        Isa::Avx2 => unsafe { shapes!(step_avx2) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512 F, VL and DQ (checked above).
        Isa::Avx512 => unsafe { shapes!(step_avx512) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => shapes!(step_portable),
    }
}

/// One copy of the step: `$name` runs [`step`] on the lane representation `$w`, with
/// the attributes given (an instruction set to compile it for).
macro_rules! step_copy {
    ($(#[$attr:meta])* $name:ident, $w:ty) => {
        $(#[$attr])*
        fn $name<R: LaneRecorder, const REACT: bool, const STOCKPILE: bool>(
            p: &MaterialParams,
            frame: &LaneFrame,
            noise: &[V],
            ws: &mut Workspace,
            rec: &mut R,
            list: bool,
            out: &mut [Outcome; LANES],
        ) {
            step::<$w, R, REACT, STOCKPILE>(p, frame, noise, ws, rec, list, out)
        }
    };
}

step_copy!(step_portable, V);
step_copy!(
    /// The AVX2 copy works on [`avx2::V4`](super::lanes::avx2::V4): four AVX2 registers
    /// per value, written with the instructions themselves.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2")]
    step_avx2,
    super::lanes::avx2::V4
);
step_copy!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,avx512f,avx512vl,avx512dq")]
    step_avx512,
    V
);

/// Per-lane bookkeeping of the rare events: shortfall days and substitution.
struct Book {
    days_short: [u32; LANES],
    max_daily_pct: [f64; LANES],
    tts: [f64; LANES],
    sub_on: [bool; LANES],
    any_sub_on: bool,
    sub_tau: [usize; LANES],
    last_short: [usize; LANES],
    substituted: [f64; LANES],
    ep_first: [Option<usize>; LANES],
    ep_last: [usize; LANES],
    longest_recovery: [usize; LANES],
}

impl Book {
    fn new() -> Self {
        Book {
            days_short: [0; LANES],
            max_daily_pct: [0.0; LANES],
            tts: [f64::NAN; LANES],
            sub_on: [false; LANES],
            any_sub_on: false,
            sub_tau: [0; LANES],
            last_short: [0; LANES],
            substituted: [0.0; LANES],
            ep_first: [None; LANES],
            ep_last: [0; LANES],
            longest_recovery: [0; LANES],
        }
    }

    /// Demand left to serve after substitution, in the lanes where it is on (MODEL.md §2).
    #[cold]
    #[inline(never)]
    fn substitute(&mut self, p: &MaterialParams, persist: usize, t: usize, demand: V) -> V {
        let mut need = demand;
        let Some(s) = &p.substitution() else {
            return need;
        };
        for l in 0..LANES {
            if !self.sub_on[l] {
                continue;
            }
            if t - self.last_short[l] > persist {
                self.sub_on[l] = false;
            } else if t > self.sub_tau[l] {
                let sigma_t = if s.ramp_days() > 0.0 {
                    s.max_fraction() * fmin((t - self.sub_tau[l]) as f64 / s.ramp_days(), 1.0)
                } else {
                    s.max_fraction()
                };
                let sub_units = sigma_t * demand.0[l];
                self.substituted[l] += sub_units;
                need.0[l] = demand.0[l] - sub_units;
            }
        }
        self.any_sub_on = self.sub_on.iter().any(|&x| x);
        need
    }

    /// A shortfall day in the lanes of `short_mask`.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn shortfall(
        &mut self,
        p: &MaterialParams,
        frame: &LaneFrame,
        t: usize,
        mask: M,
        short: V,
        demand: V,
    ) {
        for l in 0..LANES {
            if !mask.get(l) {
                continue;
            }
            let (short, demand) = (short.0[l], demand.0[l]);
            self.days_short[l] += 1;
            // short <= demand; dividing first keeps the percentage within 100.
            self.max_daily_pct[l] =
                fmax(self.max_daily_pct[l], fmin(100.0 * (short / demand), 100.0));
            if self.tts[l].is_nan()
                && let Some(o) = frame.hits[l].first_supply_onset
                && t >= o as usize
            {
                self.tts[l] = (t - o as usize) as f64;
            }
            if p.substitution().is_some() && !self.sub_on[l] {
                self.sub_on[l] = true;
                self.any_sub_on = true;
                self.sub_tau[l] = t;
            }
            self.last_short[l] = t;
            match self.ep_first[l] {
                Some(first) if (t - self.ep_last[l] - 1) as u32 >= EPISODE_GAP_DAYS => {
                    self.longest_recovery[l] = close_episode(
                        &frame.hits[l].onsets,
                        first,
                        self.ep_last[l],
                        self.longest_recovery[l],
                    );
                    self.ep_first[l] = Some(t);
                }
                None => self.ep_first[l] = Some(t),
                _ => {}
            }
            self.ep_last[l] = t;
        }
    }
}

/// The longest recovery so far after closing the episode `first..=last`: days from the
/// latest hitting onset at or before its first day (or the first day itself) to the
/// first day after it.
fn close_episode(onsets: &[u32], first: usize, last: usize, longest: usize) -> usize {
    let k = onsets.partition_point(|&o| o as usize <= first);
    let from = if k > 0 { onsets[k - 1] as usize } else { first };
    longest.max(last + 1 - from)
}

/// The body of the batched step, inlined into each instruction-set variant, on the lane
/// representation `W` ([`V`], or AVX2 registers in the AVX2 copy). `REACT`: the material
/// has a reaction; `STOCKPILE`: its stockpile target is positive.
#[inline(always)]
fn step<W: Lanes, R: LaneRecorder, const REACT: bool, const STOCKPILE: bool>(
    p: &MaterialParams,
    frame: &LaneFrame,
    noise: &[V],
    ws: &mut Workspace,
    rec: &mut R,
    list: bool,
    out: &mut [Outcome; LANES],
) {
    let h = frame.demand_mult.len();
    let n = p.suppliers().len();
    assert_eq!(n, frame.n_suppliers, "frame and parameters disagree");
    let d = p.daily_demand();
    let tol = 1e-9 * d;

    // Regimes: base and reaction (private target, shares, pipeline target), computed as
    // in the scalar step.
    let base_pstar = p.private_days() * d;
    let gstar = p.stockpile_days() * d;
    let pipeline_target = |shares: &mut dyn Iterator<Item = f64>| -> f64 {
        shares
            .zip(p.suppliers())
            .map(|(w, s)| w * d * s.lead_time_days() as f64)
            .sum()
    };
    let base_pipe = pipeline_target(&mut p.suppliers().iter().map(|s| s.share()));
    let (react_pstar, react_pipe) = match &p.reaction() {
        Some(r) => (
            r.private_days() * d,
            pipeline_target(&mut r.shares().iter().copied()),
        ),
        None => (base_pstar, base_pipe),
    };
    debug_assert_eq!(REACT, p.reaction().is_some());
    debug_assert_eq!(STOCKPILE, gstar > 0.0);

    // Buffers: a ring of arrivals long enough for the longest lead time plus delay.
    let max_lead = p
        .suppliers()
        .iter()
        .map(|s| s.lead_time_days())
        .max()
        .unwrap_or(1) as usize;
    let ring_len = (max_lead + frame.max_delay as usize + 1).next_power_of_two();
    let rmask = ring_len - 1;
    ws.ring.clear();
    ws.ring.resize(ring_len, V::ZERO);
    ws.reacting.clear();
    if let Some(r) = &p.reaction() {
        ws.reacting.resize(h, M::NONE);
        for (l, hits) in frame.hits.iter().enumerate() {
            for &(onset, end) in &hits.supply_windows {
                let a = (onset as usize + r.lag_days() as usize).min(h);
                let b = (end as usize + r.memory_days() as usize).min(h);
                for x in &mut ws.reacting[a..b.max(a)] {
                    x.set(l, true);
                }
            }
        }
    }
    ws.cst.clear();
    ws.cst
        .extend(p.suppliers().iter().enumerate().map(|(i, s)| {
            let w_base = s.share();
            let w_react = p.reaction().map_or(s.share(), |r| r.shares()[i]);
            let surge_d = s.surge() * d;
            SupConst {
                w_base,
                w_react,
                wd_base: w_base * d,
                wd_react: w_react * d,
                surge_d,
                inv_lag: if s.surge_lag_days() == 0 {
                    f64::INFINITY
                } else {
                    1.0 / s.surge_lag_days() as f64
                },
                ramp_of: 0,
                ramps: surge_d != 0.0 && s.surge_lag_days() != 0,
                y_base: w_base * d + surge_d,
                y_react: w_react * d + surge_d,
                lead: s.lead_time_days() as usize,
                unit_cost: s.unit_cost(),
            }
        }));
    ws.sup.clear();
    ws.sup.resize(ws.cst.len(), SupLanes::default());
    // The distinct lags of the suppliers that ramp, and which one each reads.
    ws.lags.clear();
    for c in ws.cst.iter_mut().filter(|c| c.ramps) {
        c.ramp_of = match ws.lags.iter().position(|&g| g == c.inv_lag) {
            Some(r) => r,
            None => {
                ws.lags.push(c.inv_lag);
                ws.lags.len() - 1
            }
        };
    }
    ws.ramps.clear();
    ws.ramps.resize(ws.lags.len(), V::ZERO);
    // The surge counter, shared by the suppliers (see `SupLanes`): kept only when some
    // supplier's capacity depends on it.
    let any_ramps = !ws.lags.is_empty();
    let mut surge_k = V::ZERO;
    let record = rec.active();
    ws.short_days.clear();
    if list {
        // At most one per day: no allocation in the loop.
        ws.short_days.reserve(h);
    }

    // Initial state (MODEL.md §4).
    let mut priv_stock = W::splat(base_pstar);
    let mut stockpile = W::splat(gstar);
    let mut pipeline = 0.0;
    for s in p.suppliers() {
        let q = s.share() * d;
        for t in 0..s.lead_time_days() as usize {
            ws.ring[t & rmask] += V::splat(q);
            pipeline += q;
        }
    }
    let initial_stock = base_pstar + gstar;
    let initial_pipeline = pipeline;
    let mut pipeline = W::splat(pipeline);

    let persist = p.substitution().map_or(0, |s| s.persist_days()) as usize;
    let release_cap = W::splat(p.max_release_rate() * d);
    let restricted = p.release_share() < 1.0;
    let release_share = W::splat(p.release_share());
    let max_order = W::splat((1.0 + p.refill_rate()) * d);
    let holding_per_unit_day = W::splat(p.unit_value() * p.holding_cost_rate() / 365.0);
    let tol_v = W::splat(tol);
    let gstar_v = W::splat(gstar);
    let d_v = W::splat(d);
    let zero = W::splat(0.0);
    let one = W::splat(1.0);

    let mut book = Book::new();
    let mut total_demand = zero;
    let mut shortfall_units = zero;
    let mut served = zero;
    let mut holding = zero;
    let mut stock_low = W::splat(f64::INFINITY);
    // Restock: from the first hitting onset (infinite when none), until done.
    let mut restock_from = V::splat(f64::INFINITY);
    for (l, hits) in frame.hits.iter().enumerate() {
        if let Some(&o) = hits.onsets.first() {
            restock_from.0[l] = o as f64;
        }
    }
    let restock_from = W::load(&restock_from);
    let mut dropped = W::Mask::none();
    let mut restocked = W::Mask::none();
    let mut restock = W::splat(f64::NAN);
    let restock_level = W::splat(gstar - tol);
    // Whether some lane has dropped below the target and not come back yet.
    let mut watching = false;

    for t in 0..h {
        let react = if REACT {
            W::Mask::load(&ws.reacting[t])
        } else {
            W::Mask::none()
        };
        let (pstar, pipe_target) = if REACT {
            (
                react.select(W::splat(react_pstar), W::splat(base_pstar)),
                react.select(W::splat(react_pipe), W::splat(base_pipe)),
            )
        } else {
            (W::splat(base_pstar), W::splat(base_pipe))
        };

        // 1. Arrivals.
        let slot = &mut ws.ring[t & rmask];
        let arrived = W::load(slot);
        *slot = V::ZERO;
        priv_stock += arrived;
        pipeline -= arrived;

        // 2. Demand and substitution.
        let eps = if noise.is_empty() {
            one
        } else {
            W::load(&noise[t])
        };
        let demand = d_v * W::load(&frame.demand_mult[t]) * eps;
        total_demand += demand;
        let need = if book.any_sub_on {
            W::load(&book.substitute(p, persist, t, demand.to_v()))
        } else {
            demand
        };

        // 3. Serve from private stock, then from the stockpile up to the release cap.
        let from_p = need.min(priv_stock);
        priv_stock -= from_p;
        let rest = need - from_p;
        // (Without a stockpile target, the stockpile stays exactly +0 all along: the
        // `!STOCKPILE` branches drop the operations that cannot change a bit, such as
        // adding +0 to a non-negative number.)
        let short = if STOCKPILE {
            let mut from_g = rest.min(stockpile).min(release_cap);
            if restricted {
                // `release_to_priority` (as in the scalar step).
                from_g = from_g.min((release_share * need - from_p).max(zero));
            }
            stockpile -= from_g;
            served += from_p + from_g;
            // Then refill (v1.1): private stock above the day's target moves into the
            // stockpile, after serving.
            // Where no refill happens, moving +0 leaves both bits unchanged: `p - 0 = p`
            // for every `p`, and `g + 0 = g` since the stockpile is never -0 (it starts
            // positive, and `a - b` with `a >= b >= 0` is +0 at the least). Moving the
            // selected amount, rather than selecting the new stocks, keeps the compiler
            // from storing the stocks through a masked store, which is slow on AMD.
            let refill = stockpile.lt(gstar_v).and(priv_stock.gt(pstar));
            let x = refill.select((priv_stock - pstar).min(gstar_v - stockpile), zero);
            priv_stock -= x;
            stockpile += x;
            rest - from_g
        } else {
            served += from_p;
            rest
        };
        shortfall_units += short;
        let short_day = short.gt(tol_v);
        if short_day.any() {
            book.shortfall(p, frame, t, short_day.to_m(), short.to_v(), demand.to_v());
        }
        // (`short` is never negative: `rest` and `from_g` are at most what is left.)
        if list && short.gt(zero).any() {
            ws.short_days.push(ShortDay {
                t: t as u32,
                demand: demand.to_v(),
                short: short.to_v(),
            });
        }

        // 4. Order up to the target position.
        let position = if STOCKPILE {
            priv_stock + stockpile + pipeline
        } else {
            priv_stock + pipeline
        };
        let q = (pstar + gstar_v + pipe_target - position)
            .max(zero)
            .min(max_order);

        // 5. Allocate: shares first, then the remainder to spare capacity. (With q = 0
        // every allocation is 0 and no surge is asked: the scalar step's "no order"
        // branch, bit for bit.)
        // The day's frame of each supplier, sliced once (no bounds check per supplier).
        let day = t * n..(t + 1) * n;
        let (avail, lossy) = (&frame.avail[day.clone()], &frame.lossy[day.clone()]);
        let (delayed, delay) = (&frame.delayed[day.clone()], &frame.delay[day]);
        // The sums start from the first supplier's term rather than from 0: the same
        // bits, since every term is a non-negative number other than -0, and one
        // addition less on the day's dependency chain.
        let mut first_total = zero;
        let mut spare_total = zero;
        let k = if any_ramps { W::load(&surge_k) } else { zero };
        for (ramp, &g) in ws.ramps.iter_mut().zip(&ws.lags) {
            *ramp = (k * W::splat(g)).min(one).to_v();
        }
        for (i, (((s, c), a), &lossy)) in ws
            .sup
            .iter_mut()
            .zip(&ws.cst)
            .zip(avail)
            .zip(lossy)
            .enumerate()
        {
            let w = if REACT {
                react.select(W::splat(c.w_react), W::splat(c.w_base))
            } else {
                W::splat(c.w_base)
            };
            // Capacity before losses, `w d + S d ramp`, with `ramp = min(k / g, 1)` (MODEL.md
            // §4). (Where no lane lost supply, `a` is 1 in every lane: `1 * y = y`.)
            let y = if c.ramps {
                let ramp = W::load(&ws.ramps[c.ramp_of]);
                // `w d`, the same bits as multiplying here.
                let wd = if REACT {
                    react.select(W::splat(c.wd_react), W::splat(c.wd_base))
                } else {
                    W::splat(c.wd_base)
                };
                wd + W::splat(c.surge_d) * ramp
            } else if REACT {
                react.select(W::splat(c.y_react), W::splat(c.y_base))
            } else {
                W::splat(c.y_base)
            };
            let cap = if lossy { W::load(a) * y } else { y };
            let x = cap.min(w * q);
            s.cap = (cap - x).to_v();
            s.alloc = x.to_v();
            if i == 0 {
                (first_total, spare_total) = (x, cap - x);
            } else {
                first_total += x;
                spare_total += cap - x;
            }
        }
        let remainder = q - first_total;
        // 6. Dispatch, with the second pass folded in. Where surge is asked for, every
        // counter grows (after today's capacity), else all reset. (A ramp is
        // `min(k / g, 1)` of its counter: 0 at `k = 0`, as at the start.)
        let surge = remainder.gt(tol_v);
        // Most days no lane asks for surge: then every counter resets and each supplier
        // sends its first-pass allocation, exactly what the selections below give in a
        // lane without surge.
        let any_surge = surge.any();
        let frac = if any_surge {
            spare_total
                .gt(zero)
                .select((remainder / spare_total).min(one), zero)
        } else {
            zero
        };
        let mut sent = zero;
        for (i, (((s, c), &delayed), dl)) in ws
            .sup
            .iter_mut()
            .zip(&ws.cst)
            .zip(delayed)
            .zip(delay)
            .enumerate()
        {
            let alloc = W::load(&s.alloc);
            let x = if any_surge {
                surge.select(alloc + frac * W::load(&s.cap), alloc)
            } else {
                alloc
            };
            if delayed {
                for (l, (&dl, &x)) in dl.iter().zip(&x.to_v().0).enumerate() {
                    ws.ring[(t + c.lead + dl as usize) & rmask].0[l] += x;
                }
            } else {
                let r = &mut ws.ring[(t + c.lead) & rmask];
                *r = (W::load(r) + x).to_v();
            }
            s.dispatched = (W::load(&s.dispatched) + x).to_v();
            sent = if i == 0 { x } else { sent + x };
        }
        pipeline += sent;
        if any_ramps {
            surge_k = if any_surge {
                surge.select(k + one, zero).to_v()
            } else {
                V::ZERO
            };
        }

        // 7. Record.
        let stock = if STOCKPILE {
            priv_stock + stockpile
        } else {
            priv_stock
        };
        holding += stock * holding_per_unit_day;
        if STOCKPILE {
            stock_low = stock_low.min(stockpile);
            let below = stockpile.lt(restock_level);
            // Nothing can change while no lane is below the target or waiting to be
            // back at it.
            if watching || below.any() {
                let tv = W::splat(t as f64);
                let active = tv.ge(restock_from).and(!restocked);
                let back = active.and(!below).and(dropped);
                restock = back.select(tv - restock_from, restock);
                restocked = restocked.or(back);
                dropped = dropped.or(active.and(below));
                watching = dropped.and(!restocked).any();
            }
        }
        if record {
            rec.record_lanes(
                t,
                &[
                    priv_stock.to_v(),
                    stockpile.to_v(),
                    arrived.to_v(),
                    short.to_v(),
                    demand.to_v(),
                ],
            );
        }
    }

    let (priv_stock, stockpile, served) = (priv_stock.to_v(), stockpile.to_v(), served.to_v());
    let (shortfall_units, total_demand, holding) =
        (shortfall_units.to_v(), total_demand.to_v(), holding.to_v());
    let (stock_low, restock) = (stock_low.to_v(), restock.to_v());
    let sub_premium = p.substitution().map_or(0.0, |s| s.cost_premium());
    // What is still in transit, slot after slot from day `h`, every lane at once: the
    // sum in the same order as lane by lane from 0 (the same bits: every slot holds a
    // non-negative number other than -0, so the first addition to 0 is exact).
    let mut final_pipeline = zero;
    for t in h..h + ring_len {
        final_pipeline += W::load(&ws.ring[t & rmask]);
    }
    let final_pipeline = final_pipeline.to_v();
    for (l, o) in out.iter_mut().enumerate() {
        let mut longest_recovery = book.longest_recovery[l];
        if let Some(first) = book.ep_first[l] {
            longest_recovery = close_episode(
                &frame.hits[l].onsets,
                first,
                book.ep_last[l],
                longest_recovery,
            );
        }
        let mut ledger = Ledger {
            initial_stock,
            initial_pipeline,
            served: served.0[l],
            final_stock: priv_stock.0[l] + stockpile.0[l],
            ..Ledger::default()
        };
        let mut procurement = 0.0;
        for s in &ws.sup {
            ledger.dispatched += s.dispatched.0[l];
        }
        for (s, c) in ws.sup.iter().zip(&ws.cst) {
            procurement += s.dispatched.0[l] * c.unit_cost;
        }
        ledger.final_pipeline = final_pipeline.0[l];

        let (shortfall_units, total_demand, holding) =
            (shortfall_units.0[l], total_demand.0[l], holding.0[l]);
        let substitution_cost = book.substituted[l] * sub_premium * p.unit_value();
        let shortage_cost = shortfall_units * p.shortage_cost();
        let mut v = [0.0; N_METRICS];
        v[Metric::ShortfallUnits.index()] = shortfall_units;
        v[Metric::ShortfallPct.index()] = if total_demand > 0.0 {
            100.0 * shortfall_units / total_demand
        } else {
            0.0
        };
        v[Metric::MaxDailyShortfallPct.index()] = book.max_daily_pct[l];
        v[Metric::DaysShort.index()] = book.days_short[l] as f64;
        v[Metric::TtsDays.index()] = book.tts[l];
        // Absent, like tts, when demand was always met (MODEL.md §5, v1.1).
        v[Metric::RecoveryDays.index()] = if book.days_short[l] > 0 {
            longest_recovery as f64
        } else {
            f64::NAN
        };
        v[Metric::StockpileMinPct.index()] = if gstar > 0.0 {
            // min_t (G_t / G*) = (min_t G_t) / G*: division by a positive number is
            // monotone, also after rounding.
            100.0 * (stock_low.0[l] / gstar)
        } else {
            f64::NAN
        };
        v[Metric::RestockDays.index()] = restock.0[l];
        v[Metric::HoldingCost.index()] = holding;
        v[Metric::ProcurementCost.index()] = procurement;
        v[Metric::SubstitutionCost.index()] = substitution_cost;
        v[Metric::ShortageCost.index()] = shortage_cost;
        v[Metric::TotalCost.index()] = holding + procurement + substitution_cost + shortage_cost;
        *o = Outcome {
            row: MetricsRow(v),
            ledger,
        };
    }
}
