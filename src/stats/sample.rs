//! Statistics of one sample of per-replication values (MODEL.md §5): mean, standard
//! error, Student-t interval, quantiles, CVaR95, probability of a positive value, and the
//! share of replications where the metric exists.
//!
//! Every sum runs sequentially in the order of the slice (replication order), so the
//! results depend only on the values and their order, never on threads or shards.
//! Quantiles and CVaR sort with [`f64::total_cmp`], so they depend only on the multiset.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Statistics of one metric over replications.
///
/// `NaN` in the input means "absent in that replication": every statistic except
/// [`Stats::share`] is computed over the present values only. A statistic that cannot be
/// computed is `None` (JSON `null`), never `NaN`: everything is `None` when no value is
/// present, and `se`/`ci95` are `None` when fewer than two are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean of the present values.
    pub mean: Option<f64>,
    /// Standard error of the mean, `sd / sqrt(n)` with the `n - 1` sample standard
    /// deviation; `None` when `n < 2`.
    pub se: Option<f64>,
    /// 95% interval `mean ± t(0.975, n - 1) · se` as `[lo, hi]`; `None` when `n < 2`.
    pub ci95: Option<[f64; 2]>,
    /// Median (linear interpolation between order statistics, numpy's default, R type 7).
    pub p50: Option<f64>,
    /// 90th percentile (same interpolation).
    pub p90: Option<f64>,
    /// 95th percentile (same interpolation).
    pub p95: Option<f64>,
    /// 99th percentile (same interpolation).
    pub p99: Option<f64>,
    /// Mean of the largest `ceil(0.05 n)` values.
    pub cvar95: Option<f64>,
    /// Share of the present values that are strictly above zero.
    pub prob_positive: Option<f64>,
    /// Share of all replications in which the metric exists; `None` for an empty sample.
    pub share: Option<f64>,
    /// Number of replications in which the metric exists.
    pub n: usize,
}

impl Stats {
    /// Statistics of `values` of a metric that lies in `[lo, hi]` (use `f64::INFINITY`
    /// for no upper bound): as [`Stats::from_sample`], with the 95% interval intersected
    /// with `[lo, hi]`. The mean of such a metric lies in that range too, so cutting off
    /// the part of the t interval outside it keeps its coverage and only removes values
    /// the mean cannot take (e.g. a negative lower end when most futures have no
    /// shortfall). Every other statistic already lies in the range.
    pub fn from_bounded_sample(values: &[f64], lo: f64, hi: f64) -> Stats {
        let mut st = Stats::from_sample(values);
        st.ci95 = st.ci95.map(|[a, b]| clip_interval([a, b], lo, hi));
        st
    }

    /// [`Stats::from_bounded_sample`] with the range of the metric named `name` (any
    /// name of [`crate::sim::Metric`], of the totals, or `recovery_over_<d>_days`; see
    /// [`metric_bounds`]).
    pub fn from_metric_sample(name: &str, values: &[f64]) -> Stats {
        let (lo, hi) = metric_bounds(name);
        Stats::from_bounded_sample(values, lo, hi)
    }

    /// Statistics of `values` (one per replication, in replication order; `NaN` =
    /// absent).
    pub fn from_sample(values: &[f64]) -> Stats {
        let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let n = present.len();
        let share = (!values.is_empty()).then(|| n as f64 / values.len() as f64);
        if n == 0 {
            return Stats {
                mean: None,
                se: None,
                ci95: None,
                p50: None,
                p90: None,
                p95: None,
                p99: None,
                cvar95: None,
                prob_positive: None,
                share,
                n,
            };
        }
        let mean = mean(&present);
        let se = std_dev(&present, mean).map(|sd| sd / (n as f64).sqrt());
        let ci95 = se.and_then(|se| t_interval(mean, se, n));
        let positive = present.iter().filter(|&&v| v > 0.0).count();
        // The sums above are done in replication order. The quantiles and the CVaR need
        // order statistics, not a sorted copy: the values from p95's lower rank up (about
        // 5%: p95, p99 and CVaR95's largest `ceil(0.05 n)`) are partitioned off and
        // sorted, p50 and p90 selected from the values below: linear time but for the
        // top part's sort. `total_cmp` is a total order on bit patterns
        // (elements it calls equal are the same bits), so each order statistic, and the
        // ascending run CVaR95 sums, are the same bits as in a sorted copy.
        let mut values = present;
        let split = virtual_index(n, 0.95).1.min(n - cvar95_count(n));
        values.select_nth_unstable_by(split, f64::total_cmp);
        let (low, high) = values.split_at_mut(split);
        high.sort_unstable_by(f64::total_cmp);
        Stats {
            mean: Some(mean),
            se,
            ci95,
            p50: Some(quantile_split(low, high, 0.50)),
            p90: Some(quantile_split(low, high, 0.90)),
            p95: Some(quantile_split(low, high, 0.95)),
            p99: Some(quantile_split(low, high, 0.99)),
            // `cvar95_sorted` of the whole sample: its largest values are `high`'s last.
            cvar95: Some(self::mean(&high[high.len() - cvar95_count(n)..])),
            prob_positive: Some(positive as f64 / n as f64),
            share,
            n,
        }
    }
}

/// The range `[lo, hi]` of the output metric named `name`: a per-material metric's
/// [`crate::sim::Metric::bounds`], `[0, 1]` for the `recovery_over_<d>_days` shares,
/// and `[0, ∞)` for every other name (the totals are sums of non-negative amounts).
pub fn metric_bounds(name: &str) -> (f64, f64) {
    if let Some(m) = crate::sim::Metric::from_name(name) {
        return m.bounds();
    }
    if name.starts_with("recovery_over_") {
        return (0.0, 1.0);
    }
    (0.0, f64::INFINITY)
}

/// `[a, b]` intersected with `[lo, hi]` (`a <= b`, `lo <= hi`); an interval wholly
/// outside collapses onto the nearer bound.
pub fn clip_interval([a, b]: [f64; 2], lo: f64, hi: f64) -> [f64; 2] {
    [a.clamp(lo, hi), b.clamp(lo, hi)]
}

/// Mean of a non-empty slice, summed sequentially in slice order.
pub(crate) fn mean(xs: &[f64]) -> f64 {
    let mut sum = 0.0;
    for &x in xs {
        sum += x;
    }
    sum / xs.len() as f64
}

/// Sample standard deviation (divisor `n - 1`) around `mean`, two-pass, sequential;
/// `None` when `n < 2`.
pub(crate) fn std_dev(xs: &[f64], mean: f64) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let mut ss = 0.0;
    for &x in xs {
        let d = x - mean;
        ss += d * d;
    }
    Some((ss / (xs.len() - 1) as f64).sqrt())
}

/// Degrees of freedom above which [`t_975`] uses the Cornish–Fisher expansion instead of
/// statrs: statrs' inverse CDF loses accuracy for very large `df` (at `df = 1e6` it is
/// off by 6e-5 relative), while the expansion agrees with statrs to 12 digits at 1000
/// and only improves with `df`.
const T_EXPANSION_DF: usize = 1000;

/// The 0.975 quantile of Student's t with `df` degrees of freedom; `None` when
/// `df < 1`. Exact (statrs) up to 1000 degrees of freedom, a fourth-order Cornish–Fisher
/// expansion in `1/df` around the normal quantile above (error below 1e-12 there).
pub fn t_975(df: usize) -> Option<f64> {
    if df == 0 {
        return None;
    }
    if df > T_EXPANSION_DF {
        return Some(t_975_expansion(df as f64));
    }
    let t = StudentsT::new(0.0, 1.0, df as f64).ok()?;
    let q = t.inverse_cdf(0.975);
    q.is_finite().then_some(q)
}

/// Cornish–Fisher (Hill 1970) expansion of the t quantile at 0.975 in powers of `1/v`.
fn t_975_expansion(v: f64) -> f64 {
    // Normal quantile at 0.975.
    let z: f64 = 1.959_963_984_540_054;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4)
}

/// `[mean - t·se, mean + t·se]` with `t = t_975(n - 1)`; `None` when `n < 2` or the result
/// is not finite.
pub(crate) fn t_interval(mean: f64, se: f64, n: usize) -> Option<[f64; 2]> {
    let t = t_975(n.checked_sub(1)?)?;
    let half = t * se;
    let ci = [mean - half, mean + half];
    (ci[0].is_finite() && ci[1].is_finite()).then_some(ci)
}

/// Quantile `q` in `[0, 1]` of an ascending, non-empty, NaN-free slice, by linear
/// interpolation between order statistics (numpy `method='linear'`, R type 7):
/// virtual index `h = (n - 1) q`, value `x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])`, with
/// numpy's two-sided lerp so that results match it to the last bit in the usual cases.
///
/// # Panics
/// If `sorted` is empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    assert!(n > 0, "quantile of an empty sample");
    let (h, lo) = virtual_index(n, q);
    let hi = (lo + 1).min(n - 1);
    let g = h - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if a == b {
        return a;
    }
    let diff = b - a;
    // numpy's `_lerp`: interpolate from the nearer end for accuracy.
    if g >= 0.5 {
        b - diff * (1.0 - g)
    } else {
        a + diff * g
    }
}

/// The virtual index `h = (n - 1) q` of quantile `q` of `n > 0` values and the lower
/// of the two order statistics (counted from 0) that [`quantile_sorted`] interpolates
/// between, `⌊h⌋`.
fn virtual_index(n: usize, q: f64) -> (f64, usize) {
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    (h, (h.floor() as usize).min(n - 1))
}

/// [`quantile_sorted`] of the non-empty, NaN-free sample `low` ∪ `high`, split at an
/// order statistic: `low` holds its smallest `low.len()` values in any order (it is
/// reordered), `high` the others in ascending order. The same two order statistics, so
/// the same bits.
fn quantile_split(low: &mut [f64], high: &[f64], q: f64) -> f64 {
    let n = low.len() + high.len();
    let (h, lo) = virtual_index(n, q);
    let (a, b) = match lo.checked_sub(low.len()) {
        Some(i) => (high[i], high.get(i + 1).copied().unwrap_or(high[i])),
        None => {
            let (_, &mut a, rest) = low.select_nth_unstable_by(lo, f64::total_cmp);
            // The next order statistic: the smallest above `lo` in `low`, else `high`'s
            // first (`low` is below it).
            let b = rest.iter().copied().min_by(f64::total_cmp);
            (a, b.or_else(|| high.first().copied()).unwrap_or(a))
        }
    };
    quantile_sorted(&[a, b], if lo + 1 < n { h - lo as f64 } else { 0.0 })
}

/// [`quantile_sorted`] of an unsorted, non-empty, NaN-free slice, by selection
/// instead of a sort (linear time; the slice is reordered): the same two order
/// statistics, so the same bits.
///
/// # Panics
/// If `xs` is empty.
pub fn quantile_select(xs: &mut [f64], q: f64) -> f64 {
    assert!(!xs.is_empty(), "quantile of an empty sample");
    quantile_split(xs, &[], q)
}

/// Number of values CVaR95 averages: `ceil(0.05 n)`, computed in integers so that no
/// rounding of `0.05 n` can add one.
pub fn cvar95_count(n: usize) -> usize {
    n.div_ceil(20)
}

/// CVaR95 of an ascending, non-empty, NaN-free slice: the mean of its largest
/// `ceil(0.05 n)` values (ties at the boundary are taken as they fall in the sort,
/// which does not change the mean since tied values are equal), summed in ascending
/// order.
///
/// # Panics
/// If `sorted` is empty.
pub fn cvar95_sorted(sorted: &[f64]) -> f64 {
    assert!(!sorted.is_empty(), "CVaR of an empty sample");
    let k = cvar95_count(sorted.len());
    mean(&sorted[sorted.len() - k..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_by_selection_is_the_sorted_quantile_to_the_bit() {
        // A deterministic scramble with ties, negative zeros and repeated values; every
        // size from 1 to 60 and quantiles at, between and beyond order statistics.
        for n in 1..=60usize {
            let xs: Vec<f64> = (0..n)
                .map(|i| match (i * 7919) % 13 {
                    0 => -0.0,
                    1 => 0.0,
                    k => ((i * 104_729) % 97) as f64 / f64::from(k as u32) - 3.0,
                })
                .collect();
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.0, 0.01, 0.05, 0.3, 0.5, 0.9, 0.95, 0.975, 0.99, 1.0] {
                let mut v = xs.clone();
                assert_eq!(
                    quantile_select(&mut v, q).to_bits(),
                    quantile_sorted(&sorted, q).to_bits(),
                    "n {n}, q {q}"
                );
            }
        }
    }

    /// `Stats::from_sample` finds its order statistics by selection and a sort of the
    /// top 5%; they are those of a sorted copy, to the bit: p50, p90, p95 and p99 by
    /// `quantile_sorted` and CVaR95 by `cvar95_sorted` of the whole sorted sample, for
    /// every size from 1 to 300 and a few large ones, with ties, signed zeros and absent
    /// values.
    #[test]
    fn order_statistics_are_those_of_a_sorted_copy() {
        for n in (1..=300usize).chain([1000, 4099, 20_001]) {
            let xs: Vec<f64> = (0..n)
                .map(|i| match (i * 7919) % 17 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => f64::NAN,
                    3 => 5.0,
                    k => ((i * 104_729) % 997) as f64 / k as f64 - 3.0,
                })
                .collect();
            let st = Stats::from_sample(&xs);
            let mut sorted: Vec<f64> = xs.iter().copied().filter(|v| !v.is_nan()).collect();
            if sorted.is_empty() {
                continue;
            }
            sorted.sort_by(f64::total_cmp);
            let bits = |x: Option<f64>| x.map(f64::to_bits);
            for (got, q) in [(st.p50, 0.5), (st.p90, 0.9), (st.p95, 0.95), (st.p99, 0.99)] {
                let want = quantile_sorted(&sorted, q);
                assert_eq!(bits(got), bits(Some(want)), "n {n}, q {q}");
            }
            let want = cvar95_sorted(&sorted);
            assert_eq!(bits(st.cvar95), bits(Some(want)), "n {n}, CVaR95");
        }
    }

    #[test]
    fn cvar_count_is_exact_ceiling() {
        // ceil(0.05 n) for n = 1, 19, 20, 21, 100, 101: 1, 1, 1, 2, 5, 6.
        let got: Vec<usize> = [1, 19, 20, 21, 100, 101]
            .into_iter()
            .map(cvar95_count)
            .collect();
        assert_eq!(got, vec![1, 1, 1, 2, 5, 6]);
    }

    #[test]
    fn expansion_agrees_with_statrs_at_the_switch() {
        let exact = StudentsT::new(0.0, 1.0, 1000.0).unwrap().inverse_cdf(0.975);
        assert!((t_975_expansion(1000.0) - exact).abs() < 1e-10);
    }

    #[test]
    fn single_value_has_no_interval() {
        let s = Stats::from_sample(&[3.0]);
        assert_eq!(s.mean, Some(3.0));
        assert_eq!(s.se, None);
        assert_eq!(s.ci95, None);
        assert_eq!(s.p99, Some(3.0));
        assert_eq!(s.n, 1);
    }

    #[test]
    fn empty_sample_is_all_none() {
        let s = Stats::from_sample(&[]);
        assert_eq!(s.share, None);
        assert_eq!(s.mean, None);
        assert_eq!(s.n, 0);
    }
}
