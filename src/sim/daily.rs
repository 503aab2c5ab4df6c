//! Daily bands for fan charts, computed without holding any replication's daily path.
//!
//! Each (strategy, material, series, day) keeps an integer histogram of its value across
//! replications. Integer counts add associatively, so merging workers or shards gives the
//! same bits in any order. Bin 0 holds exact zeros (at most `1e-9 d`); bins `1..BINS` split
//! `(0, hi)` evenly, where `hi` is set per series from the material's parameters; larger
//! values fall in the last bin. Quantiles interpolate linearly within a bin, so their
//! resolution is one bin width (`hi / (BINS - 1)`), stated in `daily.csv`'s documentation.
//!
//! Beside the counts, each (strategy, material, series, day) keeps the exact smallest and
//! largest value recorded (min and max are order-independent, so merging stays exact).
//! Quantiles are cut to that range, and a quantity that is the same in every recorded
//! future (e.g. a stockpile no shock touches) is reported exactly, not one bin wide.
//!
//! Two ways in: [`SlotRecorder`] as a [`DayRecorder`] takes one future's day at a time
//! (the scalar engine); [`SlotRecorder::record_lanes`] takes one day of a block of
//! [`LANES`] futures at once (the batched step, through [`LaneRecorder`]), with the same
//! counts and the same bits of the extremes as recording the lanes one after the other.
//!
//! Pure; depends on [`crate::model`], the sibling modules `lanes` and `material`, and
//! rayon (merging adds the counts in parallel, in the pool of the caller).

use super::lanes::{LANES, V, fmax, fmin};
use super::material::DayRecorder;
use crate::model::{MaterialParams, Scenario};
use rayon::prelude::*;

/// Number of bins per histogram (bin 0 = exact zero).
pub const BINS: usize = 201;

/// Days of one bin held in one cache line of counts.
const GROUP: usize = 16;

/// The counts of one bin on [`GROUP`] consecutive days: one cache line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(64))]
struct Line([u32; GROUP]);

/// The series recorded per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// End-of-day private stock.
    Private,
    /// End-of-day strategic stockpile.
    Stockpile,
    /// Private stock plus stockpile.
    TotalStock,
    /// Supply that arrived that day.
    Arrived,
    /// Unmet demand that day.
    Shortfall,
}

/// Number of series.
pub const N_SERIES: usize = 5;

impl Series {
    /// All series in storage order.
    pub const ALL: [Series; N_SERIES] = [
        Series::Private,
        Series::Stockpile,
        Series::TotalStock,
        Series::Arrived,
        Series::Shortfall,
    ];

    /// Name used in `daily.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Series::Private => "private_stock",
            Series::Stockpile => "stockpile",
            Series::TotalStock => "total_stock",
            Series::Arrived => "arrived",
            Series::Shortfall => "shortfall",
        }
    }
}

/// Upper ends of the histogram ranges of the five series, in units, for one
/// (strategy, material).
pub fn ranges(scn: &Scenario, p: &MaterialParams, material: usize) -> [f64; N_SERIES] {
    let d = p.daily_demand();
    let pdays = p
        .reaction()
        .map_or(p.private_days(), |r| r.private_days().max(p.private_days()));
    let stock_hi = (1.25 * (pdays + p.stockpile_days()) + 5.0) * d;
    // Demand can rise with surges: bound the shortfall range by the largest plausible
    // multiplier (bounded severities at their maximum, others at three times their mean).
    let surge: f64 = scn
        .shocks()
        .iter()
        .filter(|s| s.demand_targets().contains(&material))
        .map(|s| {
            s.severity()
                .upper_bound()
                .unwrap_or(3.0 * s.severity().mean())
                .max(0.0)
        })
        .sum();
    let short_hi = (1.0 + surge) * 1.25 * d;
    let arrived_hi = 4.0 * d;
    [
        stock_hi.max(d),
        (1.25 * p.stockpile_days() * d).max(d),
        stock_hi.max(d),
        arrived_hi,
        short_hi,
    ]
}

/// Integer histograms of every (strategy, material, series, day).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyHist {
    horizon: usize,
    n_strategies: usize,
    n_materials: usize,
    /// Upper end of each series' range, per (strategy, material).
    hi: Vec<[f64; N_SERIES]>,
    /// Exact-zero threshold per (strategy, material).
    zero: Vec<f64>,
    /// Counts, in cache lines laid out `[(s * M + m) * N_SERIES + series][day / 16][bin]`,
    /// each line the counts of one bin on 16 consecutive days (the last line of a series
    /// padded with zeros past the horizon). Recording a block of futures day by day
    /// ([`SlotRecorder::record_lanes`]) then touches, for 16 days, the same few lines of
    /// one 13 kB stretch per series, then the next stretch; a path that stays in one bin
    /// (the scalar engine's recording) fills a line before it moves on. (Laid out
    /// `[slot][series][bin][day]`, as `daily.bin` stores them, each day of a block touched
    /// up to 80 rows 2.9 kB apart: too many streams for the CPU's prefetcher and its
    /// TLB.)
    counts: Vec<Line>,
    /// Lines per (strategy, material, series) and bin: the horizon in groups of 16 days.
    groups: usize,
    /// Per (strategy, material): the bins of blocks recorded by [`DailyHist::lanes`] and
    /// not counted yet (see [`DailyHist::flush`]).
    pending: Vec<Pending>,
    /// `[smallest, largest]` value recorded (`[+inf, -inf]` before any), laid out
    /// `[s * M + m][day][series]`: one day's five series side by side, so recording a
    /// day touches two cache lines.
    ext: Vec<Extremes>,
    replications: u64,
}

impl DailyHist {
    /// Empty histograms for a scenario.
    pub fn new(scn: &Scenario) -> Self {
        let h = scn.horizon_days() as usize;
        let (ns, nm) = (scn.strategies().len(), scn.materials().len());
        let mut hi = Vec::with_capacity(ns * nm);
        let mut zero = Vec::with_capacity(ns * nm);
        for s in scn.strategies() {
            for (m, p) in s.materials.iter().enumerate() {
                hi.push(ranges(scn, p, m));
                zero.push(1e-9 * p.daily_demand());
            }
        }
        DailyHist {
            horizon: h,
            n_strategies: ns,
            n_materials: nm,
            hi,
            zero,
            counts: vec![Line::default(); ns * nm * N_SERIES * BINS * h.div_ceil(GROUP)],
            groups: h.div_ceil(GROUP),
            pending: vec![Pending::default(); ns * nm],
            ext: vec![Extremes::EMPTY; ns * nm * h],
            replications: 0,
        }
    }

    /// Number of replications recorded.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Counts one more replication (call once per replication).
    pub fn add_replication(&mut self) {
        self.replications += 1;
    }

    /// Horizon in days.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Lines of counts per (strategy, material).
    fn slot_lines(&self) -> usize {
        N_SERIES * self.groups * BINS
    }

    /// The count of bin `b` of one series on day `t` of one (strategy, material).
    fn count(&self, slot: usize, series: usize, b: usize, t: usize) -> u32 {
        debug_assert!(
            self.flushed(),
            "reading histograms with bins not counted yet"
        );
        let line = ((slot * N_SERIES + series) * self.groups + t / GROUP) * BINS + b;
        self.counts[line].0[t % GROUP]
    }

    /// The count of bin `b` of one series on day `t` of one (strategy, material), to set.
    fn count_mut(&mut self, slot: usize, series: usize, b: usize, t: usize) -> &mut u32 {
        let line = ((slot * N_SERIES + series) * self.groups + t / GROUP) * BINS + b;
        &mut self.counts[line].0[t % GROUP]
    }

    /// A recorder for one (strategy, material).
    pub fn recorder(&mut self, strategy: usize, material: usize) -> SlotRecorder<'_> {
        let slot = strategy * self.n_materials + material;
        self.slot_recorder(slot).0
    }

    /// The recorder of one (strategy, material) and its pending bins.
    fn slot_recorder(&mut self, slot: usize) -> (SlotRecorder<'_>, &mut Pending) {
        let size = self.slot_lines();
        let hi = self.hi[slot];
        let mut scale = [0.0; N_SERIES];
        for (s, h) in scale.iter_mut().zip(hi) {
            *s = (BINS - 1) as f64 / h;
        }
        let h = self.horizon;
        let rec = SlotRecorder {
            counts: &mut self.counts[slot * size..(slot + 1) * size],
            ext: &mut self.ext[slot * h..(slot + 1) * h],
            scale,
            zero: self.zero[slot],
            groups: self.groups,
            avx2: has_avx2(),
        };
        (rec, &mut self.pending[slot])
    }

    /// A recorder of lanes `0..n` of a block of futures for one (strategy, material),
    /// for the batched step (see [`LaneRecorder`]). The extremes are recorded at once;
    /// the bins of days recorded in order from day 0 are held, [`PENDING_BLOCKS`] blocks
    /// at a time, and counted together (day by day, so that each cache line of counts
    /// is fetched once for 256 futures rather than once per block): **call
    /// [`DailyHist::flush`] before reading or merging the histograms.** Allocates the
    /// held bins (about 0.9 MB per (strategy, material) at 730 days) on first use.
    ///
    /// # Panics
    /// If `n` is 0 or more than [`LANES`] (a programming error).
    pub fn lanes(&mut self, strategy: usize, material: usize, n: usize) -> BlockRecorder<'_> {
        assert!(
            (1..=LANES).contains(&n),
            "a block records 1 to {LANES} lanes"
        );
        let slot = strategy * self.n_materials + material;
        if self.pending[slot].blocks.len() >= PENDING_BLOCKS {
            self.flush_slot(slot);
        }
        let h = self.horizon;
        let (slot, pending) = self.slot_recorder(slot);
        let k = pending.blocks.len();
        let size = h * N_SERIES;
        if pending.bins.len() < (k + 1) * size {
            pending.bins.resize((k + 1) * size, [0; LANES]);
        }
        pending.blocks.push((n as u8, 0));
        let (_, days) = pending.blocks.last_mut().expect("just pushed");
        BlockRecorder {
            slot,
            n,
            bins: &mut pending.bins[k * size..(k + 1) * size],
            days,
        }
    }

    /// Counts every bin held by [`DailyHist::lanes`]: afterwards the counts are complete.
    pub fn flush(&mut self) {
        for slot in 0..self.pending.len() {
            self.flush_slot(slot);
        }
    }

    /// Whether no bin is held (every recorded day is counted).
    fn flushed(&self) -> bool {
        self.pending.iter().all(|p| p.blocks.is_empty())
    }

    /// Counts the held bins of one (strategy, material): 16 days at a time (the held
    /// bins of those days, 20 kB, read once), stretch by stretch of counts (one series,
    /// 16 days: 13 kB, which stays in cache), every held block's lanes.
    fn flush_slot(&mut self, slot: usize) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU has AVX2, POPCNT and BMI1.
            unsafe { self.flush_slot_avx2(slot) };
            return;
        }
        self.flush_slot_body(slot);
    }

    /// [`DailyHist::flush_slot`] compiled for AVX2, POPCNT and BMI1 (one instruction for
    /// a population count or a trailing-zero count, instead of a dozen).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,popcnt,bmi1")]
    fn flush_slot_avx2(&mut self, slot: usize) {
        self.flush_slot_body(slot);
    }

    #[inline(always)]
    fn flush_slot_body(&mut self, slot: usize) {
        let (h, groups, size) = (self.horizon, self.groups, self.slot_lines());
        let Some(p) = self.pending.get_mut(slot) else {
            return;
        };
        if p.blocks.is_empty() {
            return;
        }
        let lines = &mut self.counts[slot * size..(slot + 1) * size];
        for g in 0..groups {
            for si in 0..N_SERIES {
                let at = (si * groups + g) * BINS;
                let Some(stretch) = lines.get_mut(at..at + BINS) else {
                    continue;
                };
                for j in 0..GROUP.min(h - g * GROUP) {
                    let t = g * GROUP + j;
                    for (k, &(n, days)) in p.blocks.iter().enumerate() {
                        if t < days as usize
                            && let Some(bins) = p.bins.get((k * h + t) * N_SERIES + si)
                        {
                            count_lanes(stretch, j, bins, n as usize);
                        }
                    }
                }
            }
        }
        p.blocks.clear();
        // (Keeps the buffer; what it held is not state any more.)
        p.bins.clear();
    }

    /// Adds another accumulator's counts (same scenario) into this one.
    ///
    /// # Panics
    /// If the two were built for different scenarios or `other` holds bins not counted
    /// yet ([`DailyHist::flush`]): programming errors.
    pub fn merge(&mut self, other: &DailyHist) {
        assert!(other.flushed(), "flush histograms before merging them");
        self.flush();
        assert_eq!(
            self.counts.len(),
            other.counts.len(),
            "merging unlike histograms"
        );
        // Integer counts, added in parallel (tens of MB; serial, the merge at the end
        // of a run kept the other threads idle).
        self.counts
            .par_iter_mut()
            .zip(&other.counts)
            .with_min_len(1 << 12)
            .for_each(|(a, b)| {
                for (a, b) in a.0.iter_mut().zip(&b.0) {
                    *a += b;
                }
            });
        for (a, b) in self.ext.iter_mut().zip(&other.ext) {
            a.merge(b);
        }
        self.replications += other.replications;
    }

    /// Makes the histograms of `(strategy, material)` a copy of those of
    /// `(from_strategy, material)`: used when two strategies give a material the same
    /// parameters, so that it is simulated once.
    pub fn copy_slot(&mut self, from_strategy: usize, strategy: usize, material: usize) {
        self.flush();
        let size = self.slot_lines();
        let from = (from_strategy * self.n_materials + material) * size;
        let to = (strategy * self.n_materials + material) * size;
        if from != to {
            self.counts.copy_within(from..from + size, to);
            let h = self.horizon;
            let (from, to) = (
                (from_strategy * self.n_materials + material) * h,
                (strategy * self.n_materials + material) * h,
            );
            self.ext.copy_within(from..from + h, to);
        }
    }

    /// Exact smallest and largest value of one series on day `t` over the recorded
    /// replications; `None` before any.
    pub fn range(
        &self,
        strategy: usize,
        material: usize,
        series: Series,
        t: usize,
    ) -> Option<(f64, f64)> {
        let slot = strategy * self.n_materials + material;
        let si = Series::ALL.iter().position(|&s| s == series).unwrap_or(0);
        let e = &self.ext[slot * self.horizon + t];
        let (lo, hi) = (e.lo[si], e.hi[si]);
        (lo <= hi).then_some((lo, hi))
    }

    /// Quantiles `qs` (in [0, 1]) of one series on day `t`, in units: interpolated
    /// within the histogram's bins, then cut to the exact range recorded (so a value
    /// that is the same in every replication comes out exactly).
    pub fn quantiles(
        &self,
        strategy: usize,
        material: usize,
        series: Series,
        t: usize,
        qs: &[f64],
    ) -> Vec<f64> {
        let mut out = vec![f64::NAN; qs.len()];
        if qs.is_sorted() {
            self.quantiles_into(strategy, material, series, t, qs, &mut out);
        } else {
            for (q, x) in qs.iter().zip(&mut out) {
                let (q, x) = (std::slice::from_ref(q), std::slice::from_mut(x));
                self.quantiles_into(strategy, material, series, t, q, x);
            }
        }
        out
    }

    /// [`DailyHist::quantiles`] of levels `qs` in ascending order, into `out` (one value
    /// per level; NaN when nothing was recorded): the day's histogram is read once for
    /// all the levels, and each comes out as if it were asked for alone.
    ///
    /// # Panics
    /// If `out` and `qs` differ in length (a programming error).
    pub fn quantiles_into(
        &self,
        strategy: usize,
        material: usize,
        series: Series,
        t: usize,
        qs: &[f64],
        out: &mut [f64],
    ) {
        assert_eq!(qs.len(), out.len(), "one value per level");
        debug_assert!(qs.is_sorted(), "levels in ascending order");
        let slot = strategy * self.n_materials + material;
        let si = Series::ALL.iter().position(|&s| s == series).unwrap_or(0);
        let n = self.replications as f64;
        match self.range(strategy, material, series, t) {
            Some((lo, hi)) if n > 0.0 => {
                if lo == hi {
                    out.fill(lo);
                } else {
                    self.binned_quantiles(qs, n, slot, si, t, out);
                    for x in out {
                        *x = x.clamp(lo, hi);
                    }
                }
            }
            _ => out.fill(f64::NAN),
        }
    }

    /// The quantiles `qs` (ascending) of `n` recorded values read from the histogram of
    /// one series alone on day `t`, to one bin's resolution, into `out`. The level `q`
    /// falls in the first bin `b` holding a count `c` with `cum + c >= q n` (`cum`: the
    /// counts below `b`), at the fraction `(q n - cum) / c` of it; a higher level never
    /// falls in a lower bin, so one pass over the bins serves them all.
    fn binned_quantiles(
        &self,
        qs: &[f64],
        n: f64,
        slot: usize,
        si: usize,
        t: usize,
        out: &mut [f64],
    ) {
        let width = self.hi[slot][si] / (BINS - 1) as f64;
        let mut k = 0;
        let mut cum = 0.0;
        for b in 0..BINS {
            if k == qs.len() {
                return;
            }
            let c = self.count(slot, si, b, t) as f64;
            while k < qs.len() && c > 0.0 && cum + c >= qs[k] * n {
                out[k] = if b == 0 {
                    0.0
                } else {
                    let frac = ((qs[k] * n - cum) / c).clamp(0.0, 1.0);
                    (b as f64 - 1.0 + frac) * width
                };
                k += 1;
            }
            cum += c;
        }
        out[k..].fill(self.hi[slot][si]);
    }

    /// Number of counts as stored (without the padding of the last group of days).
    fn n_counts(&self) -> usize {
        self.n_strategies * self.n_materials * N_SERIES * BINS * self.horizon
    }

    /// The counts, extremes and replication count as bytes (little-endian): the exact,
    /// mergeable state of the histograms, for a shard's `daily.bin`. The counts are
    /// stored `[(s * M + m) * N_SERIES + series][bin][day]` whatever the layout in
    /// memory. The ranges are not stored: they follow from the scenario
    /// ([`DailyHist::from_bytes`] takes it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(8 + 4 * 5 + self.n_counts() * 4 + self.ext.len() * 2 * N_SERIES * 8);
        out.extend_from_slice(&self.replications.to_le_bytes());
        for v in [
            self.n_strategies,
            self.n_materials,
            self.horizon,
            N_SERIES,
            BINS,
        ] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        for slot in 0..self.n_strategies * self.n_materials {
            for si in 0..N_SERIES {
                for b in 0..BINS {
                    for t in 0..self.horizon {
                        out.extend_from_slice(&self.count(slot, si, b, t).to_le_bytes());
                    }
                }
            }
        }
        for e in &self.ext {
            for v in e.lo.iter().chain(&e.hi) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Histograms of `scn` from the bytes of [`DailyHist::to_bytes`]; `None` when they
    /// are not the histograms of a scenario of this shape (strategies, materials,
    /// horizon, bins) or their length is wrong.
    pub fn from_bytes(scn: &Scenario, bytes: &[u8]) -> Option<DailyHist> {
        let mut h = DailyHist::new(scn);
        let u32_at = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let replications = u64::from_le_bytes(bytes.get(0..8)?.try_into().ok()?);
        let dims = [h.n_strategies, h.n_materials, h.horizon, N_SERIES, BINS];
        for (i, want) in dims.into_iter().enumerate() {
            if u32_at(8 + 4 * i)? != want {
                return None;
            }
        }
        let mut at = 8 + 4 * dims.len();
        let len = at + h.n_counts() * 4 + h.ext.len() * 2 * N_SERIES * 8;
        if bytes.len() != len {
            return None;
        }
        for slot in 0..h.n_strategies * h.n_materials {
            for si in 0..N_SERIES {
                for b in 0..BINS {
                    for t in 0..h.horizon {
                        *h.count_mut(slot, si, b, t) =
                            u32::from_le_bytes(bytes[at..at + 4].try_into().ok()?);
                        at += 4;
                    }
                }
            }
        }
        for e in h.ext.iter_mut() {
            for v in e.lo.iter_mut().chain(e.hi.iter_mut()) {
                *v = f64::from_le_bytes(bytes[at..at + 8].try_into().ok()?);
                at += 8;
            }
        }
        h.replications = replications;
        Some(h)
    }

    /// Number of strategies.
    pub fn n_strategies(&self) -> usize {
        self.n_strategies
    }

    /// Number of materials.
    pub fn n_materials(&self) -> usize {
        self.n_materials
    }
}

/// The smallest and largest value of each series on one day (`+inf` / `-inf` before any
/// value), as two arrays so that the update is element-wise.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Extremes {
    lo: [f64; N_SERIES],
    hi: [f64; N_SERIES],
}

impl Extremes {
    const EMPTY: Extremes = Extremes {
        lo: [f64::INFINITY; N_SERIES],
        hi: [f64::NEG_INFINITY; N_SERIES],
    };

    /// Takes one day's values into account (never NaN, so the plain comparisons are
    /// exact min and max).
    #[inline(always)]
    fn add(&mut self, v: &[f64; N_SERIES]) {
        for ((lo, hi), &x) in self.lo.iter_mut().zip(&mut self.hi).zip(v) {
            *lo = if x < *lo { x } else { *lo };
            *hi = if x > *hi { x } else { *hi };
        }
    }

    /// Takes lanes `0..n` of one series' values into account (`valid`: their bits),
    /// with the bits [`Extremes::add`] lane after lane gives (which matter for ties of
    /// `-0` and `+0`): a lane changes an extreme only by passing it strictly, so the
    /// lanes are compared with the stored extremes at once, and walked in lane order only
    /// when one passes (rare once a few blocks are recorded).
    #[inline(always)]
    fn add_lanes<const AVX2: bool>(&mut self, si: usize, v: &V, n: usize, valid: u32) {
        let (lo, hi) = (self.lo[si], self.hi[si]);
        let (below, above) = outside::<AVX2>(v, lo, hi);
        if below & valid != 0 {
            self.lo[si] = v.0[..n].iter().fold(lo, |lo, &x| fmin(x, lo));
        }
        if above & valid != 0 {
            self.hi[si] = v.0[..n].iter().fold(hi, |hi, &x| fmax(x, hi));
        }
    }

    /// Merges another accumulator's extremes (order-independent).
    fn merge(&mut self, o: &Extremes) {
        for (a, b) in self.lo.iter_mut().zip(&o.lo) {
            *a = a.min(*b);
        }
        for (a, b) in self.hi.iter_mut().zip(&o.hi) {
            *a = a.max(*b);
        }
    }
}

/// The bits of lanes `0..n`.
#[inline(always)]
fn lane_mask(n: usize) -> u32 {
    if n >= 32 { u32::MAX } else { (1u32 << n) - 1 }
}

/// Whether this CPU has AVX2, POPCNT and BMI1 (for the recorder's AVX2 copies).
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Receives the days of a block of [`LANES`] futures from the batched step
/// ([`super::batch::simulate`]), one call per day, in day order.
pub trait LaneRecorder {
    /// Whether to record at all: when `false`, the step does not call
    /// [`LaneRecorder::record_lanes`].
    fn active(&self) -> bool {
        true
    }

    /// Day `t` of every lane: end-of-day private stock, stockpile, the supply that arrived
    /// that day, the day's shortfall and its demand, all in units.
    fn record_lanes(&mut self, t: usize, days: &[V; 5]);
}

/// Records nothing.
impl LaneRecorder for () {
    #[inline(always)]
    fn active(&self) -> bool {
        false
    }

    #[inline(always)]
    fn record_lanes(&mut self, _t: usize, _days: &[V; 5]) {}
}

/// Records when there is a recorder.
impl<R: LaneRecorder> LaneRecorder for Option<R> {
    #[inline(always)]
    fn active(&self) -> bool {
        self.as_ref().is_some_and(R::active)
    }

    #[inline(always)]
    fn record_lanes(&mut self, t: usize, days: &[V; 5]) {
        if let Some(r) = self {
            r.record_lanes(t, days);
        }
    }
}

/// Blocks of [`LANES`] futures whose bins [`DailyHist::lanes`] holds before counting
/// them (256 futures).
pub const PENDING_BLOCKS: usize = 16;

/// Bins of one (strategy, material) recorded and not counted yet.
#[derive(Debug, Clone, Default, PartialEq)]
struct Pending {
    /// Per held block, day and series, one byte per lane: `[block][day][series]`.
    bins: Vec<[u8; LANES]>,
    /// Per held block: lanes recorded, days recorded (from day 0, in order).
    blocks: Vec<(u8, u32)>,
}

/// Records lanes `0..n` of a block of futures into the histograms of one (strategy,
/// material): see [`DailyHist::lanes`].
pub struct BlockRecorder<'a> {
    slot: SlotRecorder<'a>,
    n: usize,
    /// This block's held bins, `[day][series]`.
    bins: &'a mut [[u8; LANES]],
    /// Days held so far (days `0..days`).
    days: &'a mut u32,
}

impl LaneRecorder for BlockRecorder<'_> {
    #[inline(always)]
    fn record_lanes(&mut self, t: usize, days: &[V; 5]) {
        let at = t * N_SERIES;
        match self.bins.get_mut(at..at + N_SERIES) {
            Some(hold) if t == *self.days as usize => {
                self.slot.hold_lanes(t, days, self.n, hold);
                *self.days += 1;
            }
            // A day out of order: counted at once.
            _ => self.slot.record_lanes(t, days, self.n),
        }
    }
}

/// Records the days of one (strategy, material) into its histograms.
pub struct SlotRecorder<'a> {
    /// The slot's lines of counts, `[series][day / 16][bin]`.
    counts: &'a mut [Line],
    ext: &'a mut [Extremes],
    scale: [f64; N_SERIES],
    zero: f64,
    /// Groups of 16 days in the horizon.
    groups: usize,
    /// Whether [`SlotRecorder::record_lanes`] may run its AVX2 copy.
    avx2: bool,
}

/// The bin of `v`: bin 0 at or below `zero` (exact zeros); values in (0, width) go to
/// bin 1, [width, 2 width) to bin 2, ...; the top of the range and above to `BINS - 1`
/// (`scale` = `(BINS - 1) / hi`).
#[inline(always)]
fn bin(v: f64, scale: f64, zero: f64) -> usize {
    if v <= zero {
        0
    } else {
        let x = v * scale;
        if x < (BINS - 2) as f64 {
            // Through i32: the cheapest float-to-integer conversion on x86-64. (`as`
            // saturates, so huge values would be safe too.)
            x as i32 as usize + 1
        } else {
            BINS - 1
        }
    }
}

/// [`bin`] of every lane, in a form the compiler vectorises: Rust's `as` saturates
/// (and maps NaN to 0), which the compiler does not vectorise; the plain truncating
/// conversion here is only applied to numbers already known to fit.
#[inline(always)]
fn lane_bins<const AVX2: bool>(v: &V, scale: f64, zero: f64) -> [u8; LANES] {
    #[cfg(target_arch = "x86_64")]
    if AVX2 {
        // SAFETY: `AVX2` is only set inside functions compiled for AVX2, which run only
        // where the CPU has it.
        return unsafe { avx2::lane_bins(v, scale, zero) };
    }
    let mut out = [0; LANES];
    for (o, &v) in out.iter_mut().zip(&v.0) {
        let x = v * scale;
        // (`x > -1` always holds, since `v > zero >= 0` and `scale > 0`; it is tested so
        // that the conversion below is safe whatever the inputs.)
        let inside = v > zero && x < (BINS - 2) as f64 && x > -1.0;
        let xs = if inside { x } else { 0.0 };
        // SAFETY: `xs` is in (-1, BINS - 2), never NaN, so its truncation fits an i32;
        // the conversion truncates toward zero, as `as` does.
        let i = unsafe { xs.to_int_unchecked::<i32>() } + 1;
        // (`BINS - 1` fits a byte.)
        *o = if v <= zero {
            0
        } else if inside {
            i as u8
        } else {
            (BINS - 1) as u8
        };
    }
    out
}

/// The lanes below `lo` and above `hi`, as bits.
#[inline(always)]
fn outside<const AVX2: bool>(v: &V, lo: f64, hi: f64) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    if AVX2 {
        // SAFETY: as in `lane_bins`.
        return unsafe { avx2::outside(v, lo, hi) };
    }
    let (mut below, mut above) = (0u32, 0u32);
    for (l, &x) in v.0.iter().enumerate() {
        below |= u32::from(x < lo) << l;
        above |= u32::from(x > hi) << l;
    }
    (below, above)
}

/// [`lane_bins`] and [`outside`] written with AVX2 instructions: the compiler's own
/// vectorisation of them packs every comparison to bytes and back.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{BINS, LANES, V};
    use std::arch::x86_64::*;

    /// [`super::lane_bins`], lane for lane.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[inline(always)]
    pub(super) unsafe fn lane_bins(v: &V, scale: f64, zero: f64) -> [u8; LANES] {
        let p = v.0.as_ptr();
        // SAFETY: the caller guarantees AVX2; `V` is 64-byte aligned and holds 16 `f64`,
        // read 4 at a time from 32-byte aligned addresses inside it.
        unsafe {
            let (a, b, c, d) = (
                bins4(p, scale, zero),
                bins4(p.add(4), scale, zero),
                bins4(p.add(8), scale, zero),
                bins4(p.add(12), scale, zero),
            );
            // Every bin is in 0..=200: the saturating packs keep them.
            let w = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
            let mut out = [0u8; LANES];
            _mm_storeu_si128(out.as_mut_ptr().cast(), w);
            out
        }
    }

    /// The bins of the 4 lanes at `p` (32-byte aligned), as `i32`.
    ///
    /// # Safety
    /// The CPU must have AVX2; `p` must point to 4 `f64` at a 32-byte aligned address.
    #[inline(always)]
    unsafe fn bins4(p: *const f64, scale: f64, zero: f64) -> __m128i {
        // SAFETY: the caller's guarantees.
        unsafe {
            let v = _mm256_load_pd(p);
            let x = _mm256_mul_pd(v, _mm256_set1_pd(scale));
            let z = _mm256_set1_pd(zero);
            let inside = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(v, z),
                _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_LT_OQ>(x, _mm256_set1_pd((BINS - 2) as f64)),
                    _mm256_cmp_pd::<_CMP_GT_OQ>(x, _mm256_set1_pd(-1.0)),
                ),
            );
            // Truncation toward zero, then + 1: exact on (-1, BINS - 2), as the truncating
            // conversion of `lane_bins`.
            let b = _mm256_add_pd(
                _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(x),
                _mm256_set1_pd(1.0),
            );
            let b = _mm256_blendv_pd(_mm256_set1_pd((BINS - 1) as f64), b, inside);
            // Bin 0 where `v <= zero`.
            let b = _mm256_andnot_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(v, z), b);
            _mm256_cvttpd_epi32(b)
        }
    }

    /// [`super::outside`], lane for lane.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[inline(always)]
    pub(super) unsafe fn outside(v: &V, lo: f64, hi: f64) -> (u32, u32) {
        let p = v.0.as_ptr();
        // SAFETY: as in `lane_bins`.
        unsafe {
            let (lo, hi) = (_mm256_set1_pd(lo), _mm256_set1_pd(hi));
            let (mut below, mut above) = (0u32, 0u32);
            for k in 0..4 {
                let x = _mm256_load_pd(p.add(4 * k));
                below |= (_mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(x, lo)) as u32) << (4 * k);
                above |= (_mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(x, hi)) as u32) << (4 * k);
            }
            (below, above)
        }
    }
}

/// Asks the CPU to fetch the lines `lines[b]` for the bins `b` of lanes `0..n` (one
/// request per run of lanes in one bin). A hint only: an address past the end is never
/// read.
#[inline(always)]
fn prefetch_lanes(lines: &[Line], at: usize, bins: &[u8; LANES], n: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let base = lines.as_ptr().wrapping_add(at);
        let mut last = None;
        for &b in &bins[..n.min(LANES)] {
            if last != Some(b) {
                last = Some(b);
                // SAFETY: a prefetch never faults nor changes the program's state,
                // whatever the address.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(b as usize).cast()) };
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (lines, at, bins, n);
}

/// The lanes whose bin is `b`, as bits.
#[inline(always)]
fn lanes_in(bins: &[u8; LANES], b: u8) -> u32 {
    // One comparison of the 16 bytes and a mask of their top bits (SSE2, part of every
    // x86-64 CPU); the compiler builds it bit by bit otherwise.
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        const _: () = assert!(LANES == 16);
        // SAFETY: SSE2 is part of every x86-64 CPU; `bins` is 16 bytes, read by an
        // unaligned load.
        unsafe {
            let v = _mm_loadu_si128(bins.as_ptr().cast());
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8))) as u32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut m = 0u32;
        for (l, &x) in bins.iter().enumerate() {
            m |= u32::from(x == b) << l;
        }
        m
    }
}

/// Adds one to the count of the bin of each of lanes `0..n` (bin `b`'s count at
/// `lines[b].0[j]`). Lanes sharing a bin would make a chain of increments of one
/// counter, each waiting for the last (a stockpile at its target in most lanes, a day
/// without shortfall in most): so the lanes in the first lane's bin, then those in the
/// next remaining lane's bin, are counted with one addition each; the rest (mostly in
/// bins of their own) one by one.
#[inline(always)]
fn count_lanes(lines: &mut [Line], j: usize, bins: &[u8; LANES], n: usize) {
    let mut rest = lane_mask(n.min(LANES));
    for _ in 0..2 {
        if rest == 0 {
            return;
        }
        let b = bins[rest.trailing_zeros() as usize % LANES];
        let m = lanes_in(bins, b) & rest;
        if let Some(c) = lines.get_mut(b as usize).and_then(|x| x.0.get_mut(j)) {
            *c += m.count_ones();
        }
        rest &= !m;
    }
    while rest != 0 {
        let b = bins[rest.trailing_zeros() as usize % LANES];
        if let Some(c) = lines.get_mut(b as usize).and_then(|x| x.0.get_mut(j)) {
            *c += 1;
        }
        rest &= rest - 1;
    }
}

impl SlotRecorder<'_> {
    #[inline(always)]
    fn put(&mut self, series: usize, t: usize, v: f64) {
        let b = bin(v, self.scale[series], self.zero);
        let line = (series * self.groups + t / GROUP) * BINS + b;
        if let Some(c) = self.counts.get_mut(line) {
            c.0[t % GROUP] += 1;
        }
    }

    /// Records day `t` of lanes `0..n` of a block of futures (`days`: private stock,
    /// stockpile, arrived, shortfall, demand per lane; demand is not recorded): the same
    /// counts and the same bits of the extremes as [`DayRecorder::record`] called for
    /// lane 0, then lane 1, ... (`n` at most [`LANES`]).
    #[inline]
    pub fn record_lanes(&mut self, t: usize, days: &[V; 5], n: usize) {
        let n = n.min(LANES);
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: the CPU has AVX2 (`has_avx2` when the recorder was made).
            unsafe { self.record_lanes_avx2(t, days, n) };
            return;
        }
        self.record_lanes_body::<false>(t, days, n);
    }

    /// [`SlotRecorder::record_lanes`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,popcnt,bmi1")]
    fn record_lanes_avx2(&mut self, t: usize, days: &[V; 5], n: usize) {
        self.record_lanes_body::<true>(t, days, n);
    }

    /// As [`SlotRecorder::record_lanes`], but the bins go to `hold` (per series) to be
    /// counted later; only the extremes are recorded.
    #[inline]
    fn hold_lanes(&mut self, t: usize, days: &[V; 5], n: usize, hold: &mut [[u8; LANES]]) {
        let n = n.min(LANES);
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: the CPU has AVX2 (`has_avx2` when the recorder was made).
            unsafe { self.hold_lanes_avx2(t, days, n, hold) };
            return;
        }
        self.hold_lanes_body::<false>(t, days, n, hold);
    }

    /// [`SlotRecorder::hold_lanes`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2,popcnt,bmi1")]
    fn hold_lanes_avx2(&mut self, t: usize, days: &[V; 5], n: usize, hold: &mut [[u8; LANES]]) {
        self.hold_lanes_body::<true>(t, days, n, hold);
    }

    /// The body of [`SlotRecorder::hold_lanes`]; `AVX2`: compiled inside an AVX2
    /// function, so the bins and the extremes' tests may use its instructions.
    #[inline(always)]
    fn hold_lanes_body<const AVX2: bool>(
        &mut self,
        t: usize,
        days: &[V; 5],
        n: usize,
        hold: &mut [[u8; LANES]],
    ) {
        let (Some(e), Ok(hold)) = (
            self.ext.get_mut(t),
            <&mut [[u8; LANES]; N_SERIES]>::try_from(hold),
        ) else {
            return;
        };
        let valid = lane_mask(n);
        let total = days[0] + days[1];
        let series = [&days[0], &days[1], &total, &days[2], &days[3]];
        for si in 0..N_SERIES {
            hold[si] = lane_bins::<AVX2>(series[si], self.scale[si], self.zero);
            e.add_lanes::<AVX2>(si, series[si], n, valid);
        }
    }

    /// The body of [`SlotRecorder::record_lanes`]; `AVX2` as in `hold_lanes_body`.
    #[inline(always)]
    fn record_lanes_body<const AVX2: bool>(&mut self, t: usize, days: &[V; 5], n: usize) {
        if n == 0 {
            return;
        }
        let valid = lane_mask(n);
        let (g, j) = (t / GROUP, t % GROUP);
        let total = days[0] + days[1];
        let series = [&days[0], &days[1], &total, &days[2], &days[3]];
        for (si, v) in series.into_iter().enumerate() {
            let bins = lane_bins::<AVX2>(v, self.scale[si], self.zero);
            let at = (si * self.groups + g) * BINS;
            if j == 0 && g + 1 < self.groups {
                // The lines of the next 16 days, for lanes that stay in their bins: the
                // stretch of a group is 201 lines, too sparse for the prefetcher.
                prefetch_lanes(self.counts, at + BINS, &bins, n);
            }
            if let Some(lines) = self.counts.get_mut(at..at + BINS) {
                count_lanes(lines, j, &bins, n);
            }
            if let Some(e) = self.ext.get_mut(t) {
                e.add_lanes::<AVX2>(si, v, n, valid);
            }
        }
    }
}

impl DayRecorder for SlotRecorder<'_> {
    #[inline]
    fn record(&mut self, t: usize, private: f64, stockpile: f64, arrived: f64, shortfall: f64) {
        let total = private + stockpile;
        self.put(0, t, private);
        self.put(1, t, stockpile);
        self.put(2, t, total);
        self.put(3, t, arrived);
        self.put(4, t, shortfall);
        let v = [private, stockpile, total, arrived, shortfall];
        if let Some(e) = self.ext.get_mut(t) {
            e.add(&v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (64-bit LCG, top 53 bits): the values only need to
    /// cover the bins, their edges and the ties.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    const H: usize = 45;
    const HI: [f64; N_SERIES] = [100.0, 50.0, 150.0, 40.0, 12.0];
    const ZERO: f64 = 1e-9 * 10.0;

    /// Histograms of one (strategy, material) over `H` days.
    struct Slot {
        counts: Vec<Line>,
        ext: Vec<Extremes>,
    }

    /// Groups of 16 days in `H` (the last one partial).
    const G: usize = H.div_ceil(GROUP);

    impl Slot {
        fn new() -> Self {
            Slot {
                counts: vec![Line::default(); N_SERIES * G * BINS],
                ext: vec![Extremes::EMPTY; H],
            }
        }

        fn recorder(&mut self, avx2: bool) -> SlotRecorder<'_> {
            SlotRecorder {
                counts: &mut self.counts,
                ext: &mut self.ext,
                scale: HI.map(|h| (BINS - 1) as f64 / h),
                zero: ZERO,
                groups: G,
                avx2,
            }
        }

        /// The extremes as bits (`-0` and `+0` differ).
        fn ext_bits(&self) -> Vec<u64> {
            self.ext
                .iter()
                .flat_map(|e| e.lo.iter().chain(&e.hi).map(|x| x.to_bits()))
                .collect()
        }
    }

    /// One day of a block of values in `0..hi`-ish units, by kind: every lane from a pool
    /// of three values (shared bins, tied extremes), every lane equal, signed zeros in
    /// either order, values at or about the exact-zero threshold, at and above the top
    /// of the range, on bin edges, or spread.
    fn lanes(rng: &mut Lcg, kind: usize, hi: f64) -> V {
        let width = hi / (BINS - 1) as f64;
        let pool = [rng.next() * hi, rng.next() * hi, -0.0];
        let special = [
            0.0,
            -0.0,
            ZERO,
            ZERO * 0.5,
            ZERO * 2.0,
            -ZERO,
            hi,
            hi * (1.0 - 1e-15),
            hi * 7.0,
            1e300,
            width,
            width * 3.0,
            width * (BINS - 2) as f64,
        ];
        let same = rng.next() * 1.3 * hi;
        V(std::array::from_fn(|l| {
            let u = rng.next();
            match kind % 7 {
                0 => pool[(u * 3.0) as usize],
                1 => same,
                2 => {
                    if l % 2 == 0 {
                        -0.0
                    } else {
                        0.0
                    }
                }
                3 => {
                    if l % 3 == 0 {
                        0.0
                    } else {
                        -0.0
                    }
                }
                4 => special[(u * special.len() as f64) as usize],
                5 if u < 0.5 => same,
                _ => u * 1.3 * hi,
            }
        }))
    }

    /// Recording a block's days with `record_lanes` (portable and, where the CPU has it,
    /// AVX2) gives the counts and the bits of the extremes of recording its lanes one
    /// after the other with `record`, for every lane count.
    #[test]
    fn record_lanes_equals_recording_lane_after_lane() {
        let mut rng = Lcg(15);
        let mut by_lane = Slot::new();
        let mut portable = Slot::new();
        let mut avx2 = Slot::new();
        let mut kept_neg_zero = false;
        for (block, n) in [16, 16, 15, 9, 1, 16, 3, 16, 2, 16, 16, 8, 1, 16]
            .into_iter()
            .enumerate()
        {
            let days: Vec<[V; 5]> = (0..H)
                .map(|t| {
                    // Series 0 and 1 sum to the total stock: the same kinds keep it tied.
                    let k = rng.next();
                    let kind = (t + block + (k * 3.0) as usize) % 7;
                    [
                        lanes(&mut rng, kind, HI[0]),
                        lanes(&mut rng, kind, HI[1]),
                        lanes(&mut rng, kind + 1, HI[3]),
                        lanes(&mut rng, kind + 2, HI[4]),
                        lanes(&mut rng, kind, 1.0),
                    ]
                })
                .collect();
            for (t, d) in days.iter().enumerate() {
                portable.recorder(false).record_lanes(t, d, n);
                avx2.recorder(has_avx2()).record_lanes(t, d, n);
                let mut rec = by_lane.recorder(false);
                for l in 0..n {
                    rec.record(t, d[0].0[l], d[1].0[l], d[2].0[l], d[3].0[l]);
                }
            }
            for (name, got) in [("portable", &portable), ("avx2", &avx2)] {
                assert!(
                    got.counts == by_lane.counts,
                    "{name}: counts differ after block {block} ({n} lanes)"
                );
                assert!(
                    got.ext_bits() == by_lane.ext_bits(),
                    "{name}: extremes differ after block {block} ({n} lanes)"
                );
            }
            kept_neg_zero |= by_lane.ext.iter().any(|e| {
                e.lo.iter()
                    .chain(&e.hi)
                    .any(|x| x.to_bits() == (-0.0f64).to_bits())
            });
        }
        // Not vacuous: some extreme is -0, every bin of the range was counted somewhere,
        // and the top bin and bin 0 too.
        assert!(kept_neg_zero);
        let per_bin = |b: usize| -> u32 {
            (0..N_SERIES * G)
                .map(|sg| by_lane.counts[sg * BINS + b].0.iter().sum::<u32>())
                .sum()
        };
        assert!(per_bin(0) > 0 && per_bin(BINS - 1) > 0 && per_bin(1) > 0);
        assert!((0..BINS).filter(|&b| per_bin(b) > 0).count() > BINS * 3 / 4);
    }

    /// Levels asked for together (one pass over the bins) come out bit for bit as the
    /// definition gives each alone (the bin where the running count reaches `q n`,
    /// interpolated, cut to the recorded range; written out below level by level, as
    /// before the single pass), for every (strategy, material, series) of a run of the
    /// tutorial on days spread over its horizon; the levels include the ends 0 and 1 and
    /// one twice (two levels in the same bin), and in descending order they come out
    /// reversed. Breaking the single pass (one level per bin, or the bin's count added
    /// before its levels are placed) fails it.
    #[test]
    fn levels_together_are_each_level_alone() {
        let (scn, res) = crate::test_support::tutorial_run(11, 300);
        let hist = res.daily.expect("the run kept daily histograms");
        let levels = [0.0, 0.05, 0.25, 0.5, 0.5, 0.75, 0.95, 0.99, 1.0];
        let descending: Vec<f64> = levels.iter().rev().copied().collect();
        let alone = |s: usize, m: usize, series: Series, t: usize, q: f64| -> f64 {
            let slot = s * hist.n_materials + m;
            let si = Series::ALL.iter().position(|&x| x == series).unwrap_or(0);
            let n = hist.replications() as f64;
            let Some((lo, hi)) = hist.range(s, m, series, t) else {
                return f64::NAN;
            };
            if n == 0.0 || lo == hi {
                return if n == 0.0 { f64::NAN } else { lo };
            }
            let width = hist.hi[slot][si] / (BINS - 1) as f64;
            let mut cum = 0.0;
            for b in 0..BINS {
                let c = hist.count(slot, si, b, t) as f64;
                if c > 0.0 && cum + c >= q * n {
                    let x = if b == 0 {
                        0.0
                    } else {
                        (b as f64 - 1.0 + ((q * n - cum) / c).clamp(0.0, 1.0)) * width
                    };
                    return x.clamp(lo, hi);
                }
                cum += c;
            }
            hist.hi[slot][si].clamp(lo, hi)
        };
        let mut interpolated = 0;
        for s in 0..scn.strategies().len() {
            for m in 0..scn.materials().len() {
                for series in Series::ALL {
                    for t in (0..hist.horizon()).step_by(7) {
                        let together = hist.quantiles(s, m, series, t, &levels);
                        for (&q, x) in levels.iter().zip(&together) {
                            assert_eq!(
                                x.to_bits(),
                                alone(s, m, series, t, q).to_bits(),
                                "strategy {s} material {m} {series:?} day {t} level {q}"
                            );
                        }
                        let mut reversed = hist.quantiles(s, m, series, t, &descending);
                        reversed.reverse();
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&reversed), bits(&together));
                        if together.windows(2).any(|w| w[0] < w[1]) {
                            interpolated += 1;
                        }
                    }
                }
            }
        }
        // Not only constant days: most bands spread over several bins.
        assert!(interpolated > 100, "{interpolated} days with a spread");
    }
}
