//! Two-sided confidence intervals at any level for the statistics a target can name
//! (`mean`, `pNN`, `cvar95`, `prob_positive`, `autonomy`), used by `size` to judge a
//! target "met with 95% confidence" and by every analysis that shows an interval.
//!
//! - **mean**: Student-t, `mean ± t((1 + c)/2, n − 1) · sd/√n`.
//! - **pNN** (quantile `q`): the distribution-free interval of order statistics
//!   `[x₍l₎, x₍u₎]`. With `B ~ Binomial(n, q)`, `P(x₍l₎ > ξ_q) ≤ P(B ≤ l − 1)` and
//!   `P(x₍u₎ < ξ_q) ≤ P(B ≥ u)`; `l` is the largest rank with `P(B ≤ l − 1) ≤ α/2` and
//!   `u` the smallest with `P(B ≥ u) ≤ α/2` (`α = 1 − c`), so each end misses with
//!   probability at most `α/2` and the interval covers `ξ_q` with probability at least
//!   `c` for any continuous distribution (no normal approximation). When no rank
//!   qualifies (too few futures for that quantile at that level) the end is unbounded
//!   (`±∞`): e.g. with 50 futures no order statistic bounds p99 from above at 95%.
//! - **cvar95**: a percentile bootstrap (fixed seed, so reproducible).
//! - **shares** (`prob_positive`, `autonomy`): the Wilson score interval, inside [0, 1].
//!
//! Every interval contains its point estimate. The metrics of MODEL.md §5 are
//! non-negative, so a lower end is never below 0 when no value of the sample is
//! (see [`floor_at_zero`]).
//!
//! Pure functions; depends on [`crate::stats`] (quantiles, the CVaR count), `statrs` and
//! `rand`.

use crate::stats::{cvar95_count, quantile_sorted};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

/// Bootstrap resamples of the CVaR interval.
pub const CVAR_BOOTSTRAP: usize = 1000;
/// Seed of the CVaR bootstrap (the same for every evaluation: reproducible intervals).
const CVAR_SEED: u64 = 0x0c0a_0095;
/// Degrees of freedom above which [`t_quantile`] uses the Cornish–Fisher expansion
/// (statrs' inverse t CDF loses accuracy for very large `df`).
const T_EXPANSION_DF: f64 = 1000.0;

/// The standard normal quantile at probability `p` in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .expect("the standard normal exists")
        .inverse_cdf(p)
}

/// The quantile at probability `p` in (0, 1) of Student's t with `df >= 1` degrees of
/// freedom: statrs up to 1000 degrees of freedom, a fourth-order Cornish–Fisher (Hill
/// 1970) expansion around the normal quantile above.
pub fn t_quantile(p: f64, df: usize) -> Option<f64> {
    if df == 0 {
        return None;
    }
    let v = df as f64;
    if v > T_EXPANSION_DF {
        let z = normal_quantile(p);
        let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
        let g1 = (z3 + z) / 4.0;
        let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
        let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
        let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
        return Some(z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4));
    }
    let q = StudentsT::new(0.0, 1.0, v).ok()?.inverse_cdf(p);
    q.is_finite().then_some(q)
}

/// Checks a confidence level: strictly between 0 and 1.
pub fn valid_level(level: f64) -> bool {
    level > 0.0 && level < 1.0
}

/// Raises a lower end below 0 to 0 when no value of the sample is negative (the
/// metrics are non-negative by definition, so their statistics are too).
pub fn floor_at_zero(ci: [f64; 2], sample_min: f64) -> [f64; 2] {
    if sample_min >= 0.0 && ci[0] < 0.0 {
        [0.0, ci[1].max(0.0)]
    } else {
        ci
    }
}

/// Widens `ci` so that it contains `v`.
fn containing(ci: [f64; 2], v: f64) -> [f64; 2] {
    [ci[0].min(v), ci[1].max(v)]
}

/// Mean of `xs` (present values, in replication order) with its two-sided Student-t
/// interval at `level`; the interval is `None` for fewer than two values.
pub fn mean_interval(xs: &[f64], level: f64) -> (f64, Option<[f64; 2]>) {
    let n = xs.len();
    let mut sum = 0.0;
    for &x in xs {
        sum += x;
    }
    let m = sum / n as f64;
    if n < 2 {
        return (m, None);
    }
    let mut ss = 0.0;
    for &x in xs {
        ss += (x - m) * (x - m);
    }
    let se = (ss / (n - 1) as f64).sqrt() / (n as f64).sqrt();
    let ci = t_quantile((1.0 + level) / 2.0, n - 1).map(|t| [m - t * se, m + t * se]);
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    (m, ci.map(|c| floor_at_zero(c, min)))
}

/// The 1-based ranks `(l, u)` of the order statistics that bound quantile `q` of a
/// sample of `n` at `level` (module docs); `None` for an end no rank can bound.
pub fn order_stat_ranks(n: usize, q: f64, level: f64) -> (Option<usize>, Option<usize>) {
    if n == 0 {
        return (None, None);
    }
    let tail = (1.0 - level) / 2.0;
    let b = Binomial::new(q.clamp(0.0, 1.0), n as u64).expect("q in [0, 1]");
    // P(B <= k) for k in 0..n: non-decreasing in k.
    let cdf = |k: usize| b.cdf(k as u64);
    // l: the largest l in 1..=n with cdf(l - 1) <= tail.
    let l = if cdf(0) > tail {
        None
    } else {
        let (mut lo, mut hi) = (1usize, n); // cdf(lo - 1) <= tail
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if cdf(mid - 1) <= tail {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Some(lo)
    };
    // u: the smallest u in 1..=n with P(B >= u) = 1 - cdf(u - 1) <= tail, i.e.
    // sf(u - 1) <= tail (the survival function avoids cancellation near 1).
    let sf = |k: usize| b.sf(k as u64);
    let u = if sf(n - 1) > tail {
        None
    } else {
        let (mut lo, mut hi) = (1usize, n); // sf(hi - 1) <= tail
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if sf(mid - 1) <= tail {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(hi)
    };
    (l, u)
}

/// The fewest values for which an order statistic bounds quantile `q` from above at
/// `level` (two-sided): the smallest `n` with `q^n ≤ (1 − level)/2`, since even the
/// largest of `n` values lies below the quantile with probability `q^n`. (The lower end
/// needs `(1 − q)^n ≤ (1 − level)/2` likewise.)
pub fn min_n_for_upper_bound(q: f64, level: f64) -> usize {
    let tail = (1.0 - level) / 2.0;
    (tail.ln() / q.ln()).ceil().max(1.0) as usize
}

/// Coverage of the order-statistic interval `[x₍l₎, x₍u₎]` for quantile `q` of a
/// continuous distribution, `P(l ≤ B ≤ u − 1)` with `B ~ Binomial(n, q)`; an unbounded
/// end (`None`) never misses.
pub fn order_stat_coverage(n: usize, q: f64, l: Option<usize>, u: Option<usize>) -> f64 {
    let b = Binomial::new(q, n as u64).expect("q in [0, 1]");
    let below = l.map_or(0.0, |l| b.cdf(l as u64 - 1));
    let above = u.map_or(0.0, |u| b.sf(u as u64 - 1));
    1.0 - below - above
}

/// Quantile `q` (type 7, as in `stats`) of an ascending, NaN-free, non-empty sample with
/// its order-statistic interval at `level` (ends may be `±∞`, module docs).
pub fn quantile_interval(sorted: &[f64], q: f64, level: f64) -> (f64, [f64; 2]) {
    let v = quantile_sorted(sorted, q);
    let (l, u) = order_stat_ranks(sorted.len(), q, level);
    let lo = l.map_or(f64::NEG_INFINITY, |l| sorted[l - 1]);
    let hi = u.map_or(f64::INFINITY, |u| sorted[u - 1]);
    (v, floor_at_zero(containing([lo, hi], v), sorted[0]))
}

/// Share `k / n` with its Wilson score interval at `level` (inside [0, 1]).
pub fn wilson(k: usize, n: usize, level: f64) -> (f64, [f64; 2]) {
    let nf = n as f64;
    let p = k as f64 / nf;
    let z = normal_quantile((1.0 + level) / 2.0);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let ci = [(centre - half).max(0.0), (centre + half).min(1.0)];
    (p, containing(ci, p))
}

/// Mean of the largest `ceil(0.05 n)` of `buf`'s values, reordering `buf`.
fn top_mean(buf: &mut [f64]) -> f64 {
    let n = buf.len();
    let k = cvar95_count(n);
    buf.select_nth_unstable_by(n - k, f64::total_cmp);
    let mut s = 0.0;
    for &x in &buf[n - k..] {
        s += x;
    }
    s / k as f64
}

/// CVaR95 of an ascending, NaN-free, non-empty sample (its value `v`, computed by the
/// caller) with a percentile-bootstrap interval at `level` ([`CVAR_BOOTSTRAP`]
/// resamples, fixed seed).
pub fn cvar95_interval(sorted: &[f64], v: f64, level: f64) -> [f64; 2] {
    let n = sorted.len();
    let mut rng = ChaCha8Rng::seed_from_u64(CVAR_SEED);
    let mut boots = Vec::with_capacity(CVAR_BOOTSTRAP);
    let mut buf = vec![0.0; n];
    for _ in 0..CVAR_BOOTSTRAP {
        for b in buf.iter_mut() {
            let u: f64 = rng.random();
            *b = sorted[((u * n as f64) as usize).min(n - 1)];
        }
        boots.push(top_mean(&mut buf));
    }
    boots.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    let ci = [
        quantile_sorted(&boots, tail),
        quantile_sorted(&boots, 1.0 - tail),
    ];
    floor_at_zero(containing(ci, v), sorted[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_and_normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        // t(0.975, 10) = 2.228139 (tables); the expansion meets statrs at the switch.
        assert!((t_quantile(0.975, 10).unwrap() - 2.228_139).abs() < 1e-5);
        let exact = StudentsT::new(0.0, 1.0, 1001.0).unwrap().inverse_cdf(0.95);
        assert!((t_quantile(0.95, 1001).unwrap() - exact).abs() < 1e-9);
        assert_eq!(t_quantile(0.95, 0), None);
    }

    #[test]
    fn order_statistic_ranks_meet_their_coverage_and_are_tight() {
        // For every (n, q, level): each end misses with probability <= (1 - level)/2,
        // computed directly from the binomial law, and moving either end one rank
        // inwards would break that (the ranks are the tightest that qualify).
        for &n in &[20usize, 50, 100, 500, 2000] {
            for &q in &[0.5, 0.9, 0.95, 0.99] {
                for &level in &[0.8, 0.9, 0.95, 0.99] {
                    let (l, u) = order_stat_ranks(n, q, level);
                    let tail = (1.0 - level) / 2.0;
                    let b = Binomial::new(q, n as u64).unwrap();
                    if let Some(l) = l {
                        assert!(b.cdf(l as u64 - 1) <= tail, "n {n} q {q} l {l}");
                        if l < n {
                            assert!(b.cdf(l as u64) > tail, "l {l} not tight");
                        }
                    } else {
                        assert!(b.cdf(0) > tail);
                    }
                    if let Some(u) = u {
                        assert!(b.sf(u as u64 - 1) <= tail, "n {n} q {q} u {u}");
                        if u > 1 {
                            assert!(b.sf(u as u64 - 2) > tail, "u {u} not tight");
                        }
                    } else {
                        assert!(b.sf(n as u64 - 1) > tail);
                    }
                    let cov = order_stat_coverage(n, q, l, u);
                    assert!(cov >= level - 1e-12, "n {n} q {q} level {level}: {cov}");
                }
            }
        }
        // Known case (Conover, Practical Nonparametric Statistics): the 95% interval of
        // the median of 20 values is [x(6), x(15)], coverage 0.9586.
        assert_eq!(order_stat_ranks(20, 0.5, 0.95), (Some(6), Some(15)));
        assert!((order_stat_coverage(20, 0.5, Some(6), Some(15)) - 0.958_6).abs() < 1e-4);
        // 50 futures cannot bound p99 from above at 95%: even the largest value is below
        // p99 with probability P(B >= 50) = 0.99^50 = 0.605 > 0.025.
        assert_eq!(order_stat_ranks(50, 0.99, 0.95).1, None);
        // ln(0.025)/ln(0.99) = 367.04: from 368 values on, the maximum bounds p99.
        let n = min_n_for_upper_bound(0.99, 0.95);
        assert_eq!(order_stat_ranks(n, 0.99, 0.95).1, Some(n));
        assert_eq!(order_stat_ranks(n - 1, 0.99, 0.95).1, None);
    }

    #[test]
    fn order_statistic_interval_covers_in_simulation() {
        // Exponential(1) samples of n = 200: the 95% interval of p90 (true value ln 10)
        // must cover in about 95% of 2000 fixed-seed trials; its exact coverage is
        // order_stat_coverage (>= 0.95), and 2000 trials give a binomial standard error
        // of about 0.005, so 0.935 is more than 3 standard errors below 0.95.
        let (n, q, level) = (200, 0.9, 0.95);
        let truth = 10f64.ln();
        let exact = {
            let (l, u) = order_stat_ranks(n, q, level);
            order_stat_coverage(n, q, l, u)
        };
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let trials = 2000;
        let mut hits = 0;
        for _ in 0..trials {
            let mut xs: Vec<f64> = (0..n)
                .map(|_| {
                    let u: f64 = rng.random();
                    -(1.0 - u).ln()
                })
                .collect();
            xs.sort_by(f64::total_cmp);
            let (_, [lo, hi]) = quantile_interval(&xs, q, level);
            if lo <= truth && truth <= hi {
                hits += 1;
            }
        }
        let cov = f64::from(hits) / f64::from(trials);
        let se = (exact * (1.0 - exact) / f64::from(trials)).sqrt();
        assert!(
            (cov - exact).abs() < 4.0 * se,
            "coverage {cov}, exact {exact}"
        );
    }

    #[test]
    fn wilson_stays_in_bounds_and_mean_interval_floors_at_zero() {
        let (p, ci) = wilson(0, 40, 0.95);
        assert_eq!(p, 0.0);
        assert_eq!(ci[0], 0.0);
        // Upper end z²/(n + z²) when k = 0.
        let z2 = 1.959_963_984_540_054f64.powi(2);
        assert!((ci[1] - z2 / (40.0 + z2)).abs() < 1e-9);
        let (p, ci) = wilson(40, 40, 0.95);
        assert_eq!((p, ci[1]), (1.0, 1.0));
        let (m, ci) = mean_interval(&[0.0, 0.0, 0.0, 3.0], 0.95);
        assert_eq!(m, 0.75);
        assert_eq!(ci.unwrap()[0], 0.0);
        let (_, ci) = mean_interval(&[-1.0, 0.0, 1.0], 0.95);
        assert!(ci.unwrap()[0] < 0.0);
    }

    #[test]
    fn cvar_interval_contains_the_estimate() {
        let xs: Vec<f64> = (1..=200).map(f64::from).collect();
        let v = crate::stats::cvar95_sorted(&xs);
        let ci = cvar95_interval(&xs, v, 0.95);
        // A real spread on both sides (resamples draw other tails), never beyond the
        // largest value, and the same interval every time (fixed seed).
        assert!(ci[0] < v && v < ci[1] && ci[1] <= 200.0, "{ci:?}");
        assert_eq!(ci, cvar95_interval(&xs, v, 0.95));
        // A higher level gives a wider interval.
        let wide = cvar95_interval(&xs, v, 0.99);
        assert!(wide[0] <= ci[0] && wide[1] >= ci[1]);
    }
}
