//! Paired comparison of a strategy against the reference strategy (MODEL.md §5).
//!
//! Common random numbers give both strategies the same future in each replication, so
//! the per-replication differences have a much smaller spread than either sample: the
//! interval is the paired one, on the differences.

use super::sample::{mean, std_dev, t_interval};
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
        let (mut better, mut worse, mut tied) = (0usize, 0usize, 0usize);
        for (&a, &b) in strategy.iter().zip(reference) {
            if a.is_nan() || b.is_nan() {
                continue;
            }
            let tol = TIE_REL * a.abs().max(b.abs());
            if a < b - tol {
                better += 1;
            } else if a > b + tol {
                worse += 1;
            } else {
                tied += 1;
            }
            diffs.push(a - b);
        }
        let n = diffs.len();
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
