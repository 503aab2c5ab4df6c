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

use super::material::DayRecorder;
use crate::model::{MaterialParams, Scenario};

/// Number of bins per histogram (bin 0 = exact zero).
pub const BINS: usize = 201;

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
    /// Counts, laid out `[(s * M + m) * N_SERIES + series][bin][day]` so that a path
    /// that stays in one bin touches consecutive memory.
    counts: Vec<u32>,
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
            counts: vec![0; ns * nm * N_SERIES * BINS * h],
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

    /// A recorder for one (strategy, material).
    pub fn recorder(&mut self, strategy: usize, material: usize) -> SlotRecorder<'_> {
        let slot = strategy * self.n_materials + material;
        let size = N_SERIES * BINS * self.horizon;
        let hi = self.hi[slot];
        let mut scale = [0.0; N_SERIES];
        for (s, h) in scale.iter_mut().zip(hi) {
            *s = (BINS - 1) as f64 / h;
        }
        let h = self.horizon;
        SlotRecorder {
            counts: &mut self.counts[slot * size..(slot + 1) * size],
            ext: &mut self.ext[slot * h..(slot + 1) * h],
            scale,
            zero: self.zero[slot],
            horizon: self.horizon,
        }
    }

    /// Adds another accumulator's counts (same scenario) into this one.
    ///
    /// # Panics
    /// If the two were built for different scenarios (a programming error).
    pub fn merge(&mut self, other: &DailyHist) {
        assert_eq!(
            self.counts.len(),
            other.counts.len(),
            "merging unlike histograms"
        );
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.ext.iter_mut().zip(&other.ext) {
            a.merge(b);
        }
        self.replications += other.replications;
    }

    /// Makes the histograms of `(strategy, material)` a copy of those of
    /// `(from_strategy, material)`: used when two strategies give a material the same
    /// parameters, so that it is simulated once.
    pub fn copy_slot(&mut self, from_strategy: usize, strategy: usize, material: usize) {
        let size = N_SERIES * BINS * self.horizon;
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
        let slot = strategy * self.n_materials + material;
        let si = Series::ALL.iter().position(|&s| s == series).unwrap_or(0);
        let base = (slot * N_SERIES + si) * BINS * self.horizon;
        let n = self.replications as f64;
        let count = |b: usize| self.counts[base + b * self.horizon + t] as f64;
        let range = self.range(strategy, material, series, t);
        qs.iter()
            .map(|&q| {
                let Some((lo, hi)) = range else {
                    return f64::NAN;
                };
                if n == 0.0 {
                    return f64::NAN;
                }
                if lo == hi {
                    return lo;
                }
                self.binned_quantile(q, n, &count, slot, si).clamp(lo, hi)
            })
            .collect()
    }

    /// The quantile `q` of `n` recorded values read from the histogram of one series
    /// alone (`count(b)`: its count in bin `b` on the day), to one bin's resolution.
    fn binned_quantile(
        &self,
        q: f64,
        n: f64,
        count: &dyn Fn(usize) -> f64,
        slot: usize,
        si: usize,
    ) -> f64 {
        let width = self.hi[slot][si] / (BINS - 1) as f64;
        let target = q * n;
        let mut cum = 0.0;
        for b in 0..BINS {
            let c = count(b);
            if c > 0.0 && cum + c >= target {
                if b == 0 {
                    return 0.0;
                }
                let frac = ((target - cum) / c).clamp(0.0, 1.0);
                return (b as f64 - 1.0 + frac) * width;
            }
            cum += c;
        }
        self.hi[slot][si]
    }

    /// The counts, extremes and replication count as bytes (little-endian): the exact,
    /// mergeable state of the histograms, for a shard's `daily.bin`. The ranges are not
    /// stored: they follow from the scenario ([`DailyHist::from_bytes`] takes it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            8 + 4 * 5 + self.counts.len() * 4 + self.ext.len() * 2 * N_SERIES * 8,
        );
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
        for c in &self.counts {
            out.extend_from_slice(&c.to_le_bytes());
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
        let len = at + h.counts.len() * 4 + h.ext.len() * 2 * N_SERIES * 8;
        if bytes.len() != len {
            return None;
        }
        for c in h.counts.iter_mut() {
            *c = u32::from_le_bytes(bytes[at..at + 4].try_into().ok()?);
            at += 4;
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

/// Records the days of one (strategy, material) into its histograms.
pub struct SlotRecorder<'a> {
    counts: &'a mut [u32],
    ext: &'a mut [Extremes],
    scale: [f64; N_SERIES],
    zero: f64,
    horizon: usize,
}

impl SlotRecorder<'_> {
    #[inline(always)]
    fn put(&mut self, series: usize, t: usize, v: f64) {
        let b = if v <= self.zero {
            0
        } else {
            // Values in (0, width) go to bin 1, [width, 2 width) to bin 2, ...; the top of
            // the range and above to BINS - 1. (`as` saturates, so huge values are safe.)
            let x = v * self.scale[series];
            if x < (BINS - 2) as f64 {
                // Through i32: the cheapest float-to-integer conversion on x86-64.
                x as i32 as usize + 1
            } else {
                BINS - 1
            }
        };
        if let Some(c) = self.counts.get_mut((series * BINS + b) * self.horizon + t) {
            *c += 1;
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
