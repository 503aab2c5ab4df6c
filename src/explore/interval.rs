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
//! - **cvar95**: a percentile bootstrap (fixed seed, so reproducible); each resample's
//!   CVaR is drawn exactly from the sample's top tail only (the draws below it never
//!   reach the top 5%), so the interval costs `O(B · n/20)`, not `O(B · n)`.
//! - **shares** (`prob_positive`, `autonomy`): the Wilson score interval, inside [0, 1].
//!
//! Every interval contains its point estimate. The metrics of MODEL.md §5 are
//! non-negative, so a lower end is never below 0 when no value of the sample is
//! (see [`floor_at_zero`]).
//!
//! Pure functions; depends on [`crate::stats`] (quantiles, the CVaR count), `statrs`,
//! `rand` and `rand_distr`.

use crate::stats::{cvar95_count, quantile_sorted};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial as BinomialSampler, Distribution};
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

/// Values above the top `k` that the resampled tail keeps in reserve: the draws that land
/// in the top `m = k + margin` values number `Binomial(n, m/n)`, whose standard deviation is
/// below `√m`, so with this margin fewer than `k` land there about once in 10⁹ resamples
/// (and then the resample is completed exactly from below, see [`top_mean_of_resample`]).
fn tail_margin(k: usize) -> usize {
    6 * (k as f64).sqrt().ceil() as usize + 16
}

/// Mean of the largest `k` values of one bootstrap resample (`n` draws with replacement)
/// of the ascending sample `sorted`, drawn exactly but touching only its top `m` values.
///
/// A resample is `n` independent uniform ranks. The number `M` of them that fall in the
/// top `m` ranks is `Binomial(n, m/n)`, and given `M` those ranks are independent and
/// uniform on the top `m`. Every value below the top `m` is at most every value in it
/// (the sample is ascending), so when `M ≥ k` the largest `k` values of the resample are
/// the largest `k` of those `M` draws: the ranks below need not be drawn at all. When
/// `M < k` the other `n − M` ranks are drawn uniformly below the top `m`, as the
/// resample has them. The result has the distribution of the top-`k` mean of a full
/// resample, for `O(m)` work instead of `O(n)` random reads.
///
/// `counts` (length at least `n`) is scratch: how often each rank was drawn.
fn top_mean_of_resample(
    sorted: &[f64],
    k: usize,
    m: usize,
    in_tail: &BinomialSampler,
    rng: &mut ChaCha8Rng,
    counts: &mut [u32],
) -> f64 {
    let n = sorted.len();
    let drawn = usize::try_from(in_tail.sample(rng)).expect("at most n draws");
    let (lo, hi) = if drawn >= k { (n - m, n) } else { (0, n) };
    counts[lo..hi].fill(0);
    for _ in 0..drawn {
        counts[rng.random_range(n - m..n)] += 1;
    }
    if drawn < k {
        for _ in drawn..n {
            counts[rng.random_range(0..n - m)] += 1;
        }
    }
    // The largest `k` draws, from the top rank down: each rank's value as often as it
    // was drawn, the last one only as often as `k` still needs.
    let (mut need, mut sum) = (k, 0.0);
    for i in (lo..hi).rev() {
        let take = (counts[i] as usize).min(need);
        if take > 0 {
            sum += sorted[i] * take as f64;
            need -= take;
            if need == 0 {
                break;
            }
        }
    }
    sum / k as f64
}

/// CVaR95 of an ascending, NaN-free, non-empty sample (its value `v`, computed by the
/// caller) with a percentile-bootstrap interval at `level` ([`CVAR_BOOTSTRAP`]
/// resamples, fixed seed). Each resample's CVaR is drawn exactly from the top tail only
/// (`top_mean_of_resample`), so the cost is `O(B · n/20)` reads of the tail, which
/// stays in cache, rather than `O(B · n)` reads all over the sample.
pub fn cvar95_interval(sorted: &[f64], v: f64, level: f64) -> [f64; 2] {
    let boots = cvar95_bootstrap(sorted, CVAR_BOOTSTRAP, None);
    let tail = (1.0 - level) / 2.0;
    let ci = [
        quantile_sorted(&boots, tail),
        quantile_sorted(&boots, 1.0 - tail),
    ];
    floor_at_zero(containing(ci, v), sorted[0])
}

/// `b` bootstrap replicates of CVaR95 of the ascending sample `sorted`, ascending; `m`
/// (tests only) overrides the number of top values the resamples draw from.
fn cvar95_bootstrap(sorted: &[f64], b: usize, m: Option<usize>) -> Vec<f64> {
    let n = sorted.len();
    let k = cvar95_count(n);
    let m = m.unwrap_or_else(|| k + tail_margin(k)).clamp(k, n);
    let in_tail = BinomialSampler::new(n as u64, m as f64 / n as f64).expect("0 < m/n <= 1");
    let mut rng = ChaCha8Rng::seed_from_u64(CVAR_SEED);
    let mut counts = vec![0u32; n];
    let mut boots: Vec<f64> = (0..b)
        .map(|_| top_mean_of_resample(sorted, k, m, &in_tail, &mut rng, &mut counts))
        .collect();
    boots.sort_by(f64::total_cmp);
    boots
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

    /// The tail-only resampling has the distribution of a full resample's CVaR. With
    /// distinct values `x₍₁₎ < … < x₍ₙ₎`, a resample of `n` uniform draws has its largest
    /// value at most `x₍ⱼ₎` with probability `(j/n)ⁿ`, and its second largest at most
    /// `x₍ⱼ₎` when at most one draw is above: `(j/n)ⁿ + n (1 − j/n) (j/n)ⁿ⁻¹`. So with
    /// `n = 20` (CVaR95 = the largest value, `k = 1`) the share of replicates at most
    /// `x₍ⱼ₎` must be `(j/n)ⁿ`, and with `n = 40` (`k = 2`) the replicates' mean must be
    /// the mean of the two order statistics' expectations. The tail is cut to `m = 2` and
    /// `m = 3` values so that a resample often has fewer than `k` draws in it
    /// (`P = 0.9²⁰ ≈ 0.12` for `n = 20`) and the completion from below is exercised too.
    /// Tolerances: 5 standard errors of a share (binomial) or of a mean of `b`
    /// replicates; the seed is fixed, so the check never flakes.
    #[test]
    fn tail_resampling_has_the_distribution_of_a_full_resample() {
        let b = 40_000;
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        let boots = cvar95_bootstrap(&xs, b, Some(2));
        let n = 20.0_f64;
        for j in [10, 15, 17, 18, 19] {
            let p = (f64::from(j) / n).powf(n);
            let share = boots.iter().filter(|&&x| x <= f64::from(j)).count() as f64 / b as f64;
            let se = (p * (1.0 - p) / b as f64).sqrt();
            assert!((share - p).abs() < 5.0 * se, "j = {j}: {share} vs {p}");
        }

        let xs: Vec<f64> = (1..=40).map(|i| f64::from(i * i)).collect();
        let n = 40.0_f64;
        let cdf_max = |j: f64| (j / n).powf(n);
        let cdf_second = |j: f64| cdf_max(j) + n * (1.0 - j / n) * (j / n).powf(n - 1.0);
        let expect = |cdf: &dyn Fn(f64) -> f64| -> f64 {
            (1..=40)
                .map(|j| xs[j - 1] * (cdf(j as f64) - cdf(j as f64 - 1.0)))
                .sum()
        };
        let want = (expect(&cdf_max) + expect(&cdf_second)) / 2.0;
        let boots = cvar95_bootstrap(&xs, b, Some(3));
        let mean = boots.iter().sum::<f64>() / b as f64;
        let sd = (boots.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (b - 1) as f64).sqrt();
        let se = sd / (b as f64).sqrt();
        assert!((mean - want).abs() < 5.0 * se, "{mean} vs {want} (se {se})");
    }
}
