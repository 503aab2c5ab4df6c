//! Paired comparison of a strategy against the reference strategy (MODEL.md §5).
//!
//! Common random numbers give both strategies the same future in each replication, so
//! the per-replication differences have a much smaller spread than either sample: the
//! interval is the paired one, on the differences.

use super::sample::{mean, quantile_select, quantile_sorted, std_dev, t_interval};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// A strategy's metric compared with the reference's, replication by replication.
///
/// Computed over the replications where the metric exists under both. Two values count
/// as tied when they differ by at most [`TIE_REL`] of the larger magnitude: sums of the
/// same amounts in a different order differ by a few ulps, and calling that "better"
/// would be noise (e.g. procurement cost under two strategies that buy the same units).
/// `mean_diff` and `ci95` use the raw differences. "Better" means
/// lower beyond that tolerance (every metric of MODEL.md §5 is a loss, except `tts_days` and
/// `stockpile_min_pct`, for which higher is better: read `prob_worse` there). Every field
/// that cannot be computed is `None`: all of them when no pair exists, `ci95` when fewer
/// than two do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// Mean of `strategy - reference`.
    pub mean_diff: Option<f64>,
    /// Paired 95% interval: `mean_diff ± t(0.975, n - 1) · sd(diff) / sqrt(n)`.
    pub ci95: Option<[f64; 2]>,
    /// Share of pairs where the strategy is lower (beyond [`TIE_REL`]).
    pub prob_better: Option<f64>,
    /// Share of pairs where the strategy is higher (beyond [`TIE_REL`]).
    pub prob_worse: Option<f64>,
    /// Share of pairs equal within [`TIE_REL`].
    pub prob_tied: Option<f64>,
    /// Number of replications where both exist.
    pub n: usize,
}

/// Relative tolerance under which two values are tied (about 4500 ulps).
pub const TIE_REL: f64 = 1e-12;

impl Paired {
    /// Compares `strategy` with `reference`, both one value per replication in the same
    /// replication order (`NaN` = absent). Differences are summed in that order.
    ///
    /// # Panics
    /// If the two slices have different lengths (a programming error).
    pub fn from_pairs(strategy: &[f64], reference: &[f64]) -> Paired {
        assert_eq!(
            strategy.len(),
            reference.len(),
            "paired samples must have one value per replication each"
        );
        let mut diffs = Vec::with_capacity(strategy.len());
        let (mut better, mut worse) = (0usize, 0usize);
        for (&a, &b) in strategy.iter().zip(reference) {
            if a.is_nan() || b.is_nan() {
                continue;
            }
            // Counted without a branch: which way a pair goes is as unpredictable as the
            // futures, so a branch on it would often be mispredicted.
            let tol = TIE_REL * a.abs().max(b.abs());
            better += usize::from(a < b - tol);
            worse += usize::from(a > b + tol);
            diffs.push(a - b);
        }
        let n = diffs.len();
        // Neither better nor worse (`b - tol <= a <= b + tol`): tied. The two tests
        // cannot both hold (`tol >= 0`, so `b - tol <= b + tol`).
        let tied = n - better - worse;
        if n == 0 {
            return Paired {
                mean_diff: None,
                ci95: None,
                prob_better: None,
                prob_worse: None,
                prob_tied: None,
                n,
            };
        }
        let m = mean(&diffs);
        let ci95 = std_dev(&diffs, m).and_then(|sd| t_interval(m, sd / (n as f64).sqrt(), n));
        let share = |k: usize| Some(k as f64 / n as f64);
        Paired {
            mean_diff: Some(m),
            ci95,
            prob_better: share(better),
            prob_worse: share(worse),
            prob_tied: share(tied),
            n,
        }
    }
}

/// Resamples of [`paired_quantile_diff`].
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// The `q`-quantile of `a` minus that of `b` (both one value per replication, in the same
/// replication order; pairs with a `NaN` are dropped), with a paired percentile-bootstrap
/// 95% interval: [`BOOTSTRAP_RESAMPLES`] resamples of whole replications, drawn from a
/// ChaCha8 stream seeded with `seed`, so the interval is the same bits on every machine.
/// `None` without pairs; the interval is `None` with fewer than two.
///
/// # Panics
/// If the two slices have different lengths (a programming error).
pub fn paired_quantile_diff(
    a: &[f64],
    b: &[f64],
    q: f64,
    seed: u64,
) -> Option<(f64, Option<[f64; 2]>)> {
    assert_eq!(
        a.len(),
        b.len(),
        "paired samples must have one value per replication each"
    );
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(&x, &y)| (x, y))
        .collect();
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    // Selection, not a sort: the same order statistics (the same bits) in linear time,
    // which keeps 1,000 resamples of a million futures affordable.
    let quantile = |xs: &mut Vec<f64>| quantile_select(xs, q);
    let (mut xa, mut xb): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let diff = quantile(&mut xa) - quantile(&mut xb);
    if n < 2 {
        return Some((diff, None));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut diffs = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    for _ in 0..BOOTSTRAP_RESAMPLES {
        xa.clear();
        xb.clear();
        for _ in 0..n {
            let (x, y) = pairs[rng.random_range(0..n)];
            xa.push(x);
            xb.push(y);
        }
        diffs.push(quantile(&mut xa) - quantile(&mut xb));
    }
    diffs.sort_by(f64::total_cmp);
    Some((
        diff,
        Some([
            quantile_sorted(&diffs, 0.025),
            quantile_sorted(&diffs, 0.975),
        ]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MODEL.md §5: the shares of replications where the strategy is strictly better
    /// (lower), strictly worse, and tied, over the pairs where both values exist; two
    /// values are tied here within `TIE_REL` of the larger magnitude.
    #[test]
    fn pairs_are_counted_better_worse_or_tied() {
        let big = 1e9;
        let strategy = [1.0, 2.0, 3.0, 5.0, f64::NAN, 4.0, big, -0.0];
        let reference = [
            2.0,                         // better
            2.0,                         // tied (equal)
            1.0,                         // worse
            5.0 * (1.0 + 0.5 * TIE_REL), // tied: apart by half the tolerance
            1.0,                         // skipped: the strategy's value is absent
            f64::NAN,                    // skipped: the reference's is absent
            big * (1.0 + 2.0 * TIE_REL), // better: apart by twice the tolerance
            0.0,                         // tied (-0 and 0)
        ];
        let p = Paired::from_pairs(&strategy, &reference);
        assert_eq!(p.n, 6);
        assert_eq!(p.prob_better, Some(2.0 / 6.0));
        assert_eq!(p.prob_worse, Some(1.0 / 6.0));
        assert_eq!(p.prob_tied, Some(3.0 / 6.0));
    }

    #[test]
    fn quantile_difference_of_a_shifted_sample_is_the_shift() {
        // b is a shifted by exactly 2 in every replication: every resample's quantiles
        // differ by 2 too, so the interval collapses onto the difference.
        let a: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.5).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 2.0).collect();
        let (d, ci) = paired_quantile_diff(&a, &b, 0.95, 1).unwrap();
        assert!((d + 2.0).abs() < 1e-12, "{d}");
        let [lo, hi] = ci.unwrap();
        assert!(
            (lo + 2.0).abs() < 1e-12 && (hi + 2.0).abs() < 1e-12,
            "{lo} {hi}"
        );
        // Deterministic: the same seed gives the same bits.
        let c: Vec<f64> = a.iter().rev().copied().collect();
        assert_eq!(
            paired_quantile_diff(&a, &c, 0.95, 9),
            paired_quantile_diff(&a, &c, 0.95, 9)
        );
        assert_eq!(paired_quantile_diff(&[], &[], 0.95, 1), None);
    }
}
