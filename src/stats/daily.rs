//! Daily bands for fan charts: quantiles of each recorded series per (strategy,
//! material, day), read from the engine's integer histograms ([`DailyHist`]).
//!
//! Resolution is one histogram bin (see [`crate::sim::daily`]): these are approximate
//! quantiles, unlike the exact ones of [`super::Stats`], except that they are cut to the
//! exact daily minimum and maximum, so a quantity equal in every future is exact.
//!
//! Pure; depends on [`crate::sim`]'s histograms and on rayon (one task per strategy and
//! material, in the pool of the caller).

use crate::sim::{DailyHist, Series};
use rayon::prelude::*;

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
    // One task per (strategy, material), joined in that order: each band depends on its
    // own counts only, so the rows are the same whatever the thread count.
    let slots: Vec<Vec<DailyBand>> = (0..ns * nm)
        .into_par_iter()
        .map(|slot| {
            let (s, m) = (slot / nm, slot % nm);
            let mut out = Vec::with_capacity(h * Series::ALL.len());
            for day in 0..h {
                for series in Series::ALL {
                    let mut v = [f64::NAN; 5];
                    hist.quantiles_into(s, m, series, day, &BAND_LEVELS, &mut v);
                    let q = v.map(|x| (!x.is_nan()).then_some(x));
                    out.push(DailyBand {
                        strategy: s,
                        material: m,
                        day,
                        series,
                        q,
                    });
                }
            }
            out
        })
        .collect();
    slots.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The daily histograms of a short run of the tutorial scenario (2 strategies or
    /// more, so that the (strategy, material) tasks are several).
    fn hist() -> DailyHist {
        crate::test_support::tutorial_run(7, 64)
            .1
            .daily
            .expect("the run kept daily histograms")
    }

    fn in_pool(threads: usize, hist: &DailyHist) -> Vec<DailyBand> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
            .install(|| daily_bands(hist))
    }

    /// The rows come in the documented order (strategy, material, day, then series in
    /// `Series::ALL` order), every one once, and are the same for 1 and 3 threads: the
    /// per-(strategy, material) tasks are joined in order.
    #[test]
    fn bands_are_in_order_and_do_not_depend_on_the_thread_count() {
        let hist = hist();
        let (ns, nm, h) = (hist.n_strategies(), hist.n_materials(), hist.horizon());
        assert!(ns * nm > 1, "several tasks");
        let one = in_pool(1, &hist);
        let mut expected = Vec::new();
        for s in 0..ns {
            for m in 0..nm {
                for day in 0..h {
                    for series in Series::ALL {
                        expected.push((s, m, day, series));
                    }
                }
            }
        }
        let keys: Vec<_> = one
            .iter()
            .map(|b| (b.strategy, b.material, b.day, b.series))
            .collect();
        assert_eq!(keys.len(), expected.len(), "one row per band");
        if let Some(i) = (0..keys.len()).find(|&i| keys[i] != expected[i]) {
            panic!("row {i} is {:?}, expected {:?}", keys[i], expected[i]);
        }
        // Each row holds its own (strategy, material, day, series)'s quantiles.
        for b in one.iter().step_by(97) {
            let v = hist.quantiles(b.strategy, b.material, b.series, b.day, &BAND_LEVELS);
            for (q, x) in b.q.iter().zip(v) {
                assert_eq!(q.map(f64::to_bits), (!x.is_nan()).then_some(x.to_bits()));
            }
        }
        assert_eq!(in_pool(3, &hist), one);
    }
}
