//! Daily bands for fan charts: quantiles of each recorded series per (strategy,
//! material, day), read from the engine's integer histograms ([`DailyHist`]).
//!
//! Resolution is one histogram bin (see [`crate::sim::daily`]): these are approximate
//! quantiles, unlike the exact ones of [`super::Stats`], except that they are cut to the
//! exact daily minimum and maximum, so a quantity equal in every future is exact.

use crate::sim::{DailyHist, Series};

/// The quantile levels of a band, in column order (`p5, p25, p50, p75, p95`).
pub const BAND_LEVELS: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// One row of `daily.csv`: quantiles of one series on one day, in the material's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyBand {
    /// Strategy index.
    pub strategy: usize,
    /// Material index.
    pub material: usize,
    /// Day `t`.
    pub day: usize,
    /// Series.
    pub series: Series,
    /// Quantiles at [`BAND_LEVELS`]; `None` when no replication was recorded.
    pub q: [Option<f64>; 5],
}

/// Every band of `hist`, ordered by strategy, material, day, then series in
/// [`Series::ALL`] order: `S × M × H × 5` rows.
pub fn daily_bands(hist: &DailyHist) -> Vec<DailyBand> {
    let (ns, nm, h) = (hist.n_strategies(), hist.n_materials(), hist.horizon());
    let mut out = Vec::with_capacity(ns * nm * h * Series::ALL.len());
    for s in 0..ns {
        for m in 0..nm {
            for day in 0..h {
                for series in Series::ALL {
                    let v = hist.quantiles(s, m, series, day, &BAND_LEVELS);
                    let mut q = [None; 5];
                    for (slot, x) in q.iter_mut().zip(v) {
                        *slot = (!x.is_nan()).then_some(x);
                    }
                    out.push(DailyBand {
                        strategy: s,
                        material: m,
                        day,
                        series,
                        q,
                    });
                }
            }
        }
    }
    out
}
