//! Statistics of one sample and paired comparisons against hand-computed values.
//! Every expected number is derived in a comment next to it.

use approx::assert_relative_eq;
use chokepoint::stats::{Paired, Stats, cvar95_count, quantile_sorted, t_975};

const NAN: f64 = f64::NAN;

#[test]
fn quantiles_match_numpy_linear_on_1_to_10() {
    // numpy: np.percentile([1..10], q, method='linear'); virtual index h = (n-1) q = 9q.
    // q=.50: h=4.5  -> x[4] + .5(x[5]-x[4]) = 5 + .5 = 5.5
    // q=.90: h=8.1  -> 9 + .1  = 9.1
    // q=.95: h=8.55 -> 9 + .55 = 9.55
    // q=.99: h=8.91 -> 9 + .91 = 9.91
    let s = Stats::from_sample(&[7.0, 1.0, 10.0, 4.0, 2.0, 9.0, 3.0, 8.0, 5.0, 6.0]);
    assert_relative_eq!(s.p50.unwrap(), 5.5, max_relative = 1e-12);
    assert_relative_eq!(s.p90.unwrap(), 9.1, max_relative = 1e-12);
    assert_relative_eq!(s.p95.unwrap(), 9.55, max_relative = 1e-12);
    assert_relative_eq!(s.p99.unwrap(), 9.91, max_relative = 1e-12);
}

#[test]
fn quantiles_with_ties_and_uneven_gaps() {
    // Sorted [1, 1, 2, 3, 4, 5, 6, 9], n = 8, h = 7q.
    // q=.50: h=3.5  -> 3 + .5(4-3)  = 3.5
    // q=.90: h=6.3  -> 6 + .3(9-6)  = 6.9
    // q=.95: h=6.65 -> 6 + .65*3    = 7.95
    // q=.99: h=6.93 -> 6 + .93*3    = 8.79
    // q=.10: h=0.7  -> 1 + .7(1-1)  = 1   (tie)
    // q=0 and q=1 are the minimum and the maximum.
    let mut v = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    let s = Stats::from_sample(&v);
    assert_relative_eq!(s.p50.unwrap(), 3.5, max_relative = 1e-12);
    assert_relative_eq!(s.p90.unwrap(), 6.9, max_relative = 1e-12);
    assert_relative_eq!(s.p95.unwrap(), 7.95, max_relative = 1e-12);
    assert_relative_eq!(s.p99.unwrap(), 8.79, max_relative = 1e-12);
    v.sort_by(f64::total_cmp);
    assert_eq!(quantile_sorted(&v, 0.10), 1.0);
    assert_eq!(quantile_sorted(&v, 0.0), 1.0);
    assert_eq!(quantile_sorted(&v, 1.0), 9.0);
}

#[test]
fn cvar95_n20_is_the_maximum() {
    // n = 20: ceil(0.05 * 20) = 1, so CVaR95 is the single largest value, 20.
    let v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
    assert_eq!(cvar95_count(20), 1);
    assert_eq!(Stats::from_sample(&v).cvar95, Some(20.0));
}

#[test]
fn cvar95_n100_is_mean_of_five_largest() {
    // n = 100: ceil(5) = 5 values, 96..=100, mean (96+97+98+99+100)/5 = 98.
    // Values are interleaved (37 is coprime with 100, so i*37 mod 100 is a permutation)
    // so that only sorting finds them.
    let v: Vec<f64> = (0..100).map(|i| f64::from((i * 37) % 100 + 1)).collect();
    assert_eq!(cvar95_count(100), 5);
    assert_eq!(Stats::from_sample(&v).cvar95, Some(98.0));
}

#[test]
fn cvar95_n21_takes_two() {
    // n = 21: ceil(1.05) = 2 values, 20 and 21, mean 20.5.
    let v: Vec<f64> = (1..=21).map(f64::from).collect();
    assert_eq!(Stats::from_sample(&v).cvar95, Some(20.5));
}

#[test]
fn mean_se_and_t_interval_on_small_sample() {
    // [2,4,4,4,5,5,7,9]: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32;
    // sample variance 32/7; se = sqrt(32/7/8) = sqrt(4/7) = 0.7559289460184544.
    // t(0.975, 7) = 2.3646242515927849 (tables); half-width = 1.787496...
    let s = Stats::from_sample(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
    let se = (4.0f64 / 7.0).sqrt();
    let t7 = 2.364_624_251_592_785;
    assert_eq!(s.mean, Some(5.0));
    assert_relative_eq!(s.se.unwrap(), se, max_relative = 1e-12);
    let [lo, hi] = s.ci95.unwrap();
    assert_relative_eq!(lo, 5.0 - t7 * se, max_relative = 1e-9);
    assert_relative_eq!(hi, 5.0 + t7 * se, max_relative = 1e-9);
    assert_eq!(s.n, 8);
    assert_eq!(s.share, Some(1.0));
}

#[test]
fn t_quantiles_match_tables() {
    // Student t 0.975 quantiles: df 1 -> 12.706204736, df 3 -> 3.182446305,
    // df 30 -> 2.042272456. For large df, t = z + (z^3 + z)/(4 v) + (5z^5 + 16z^3 + 3z)/(96 v^2)
    // + O(v^-3) with z = 1.959963984540054, z^3 + z = 9.489084921, 5z^5+16z^3+3z = 270.9:
    // v = 1e6 -> z + 2.3722712e-6 + 2.8e-12 = 1.959966356814;
    // v = 1e5 -> z + 2.3722712e-5 + 2.8e-10 = 1.959987707535.
    assert_relative_eq!(t_975(1).unwrap(), 12.706_204_736_174_7, max_relative = 1e-8);
    assert_relative_eq!(
        t_975(3).unwrap(),
        3.182_446_305_284_263,
        max_relative = 1e-9
    );
    assert_relative_eq!(
        t_975(30).unwrap(),
        2.042_272_456_301_238,
        max_relative = 1e-9
    );
    assert_relative_eq!(
        t_975(1_000_000).unwrap(),
        1.959_966_356_814,
        max_relative = 1e-11
    );
    assert_relative_eq!(
        t_975(100_000).unwrap(),
        1.959_987_707_535,
        max_relative = 1e-11
    );
    assert_eq!(t_975(0), None);
}

#[test]
fn absent_values_give_share_and_stats_over_present() {
    // 2 of 4 present (1 and 3): share 0.5, n 2, mean 2, median 2,
    // se = sd/sqrt(2) = sqrt(2)/sqrt(2) = 1, both positive.
    let s = Stats::from_sample(&[NAN, 1.0, NAN, 3.0]);
    assert_eq!(s.share, Some(0.5));
    assert_eq!(s.n, 2);
    assert_eq!(s.mean, Some(2.0));
    assert_eq!(s.p50, Some(2.0));
    assert_relative_eq!(s.se.unwrap(), 1.0, max_relative = 1e-12);
    assert_eq!(s.prob_positive, Some(1.0));
}

#[test]
fn all_absent_is_null_not_nan() {
    let s = Stats::from_sample(&[NAN, NAN, NAN]);
    assert_eq!(s.share, Some(0.0));
    assert_eq!(s.n, 0);
    assert!(s.mean.is_none() && s.se.is_none() && s.ci95.is_none());
    assert!(s.p50.is_none() && s.p99.is_none() && s.cvar95.is_none());
    assert!(s.prob_positive.is_none());
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(
        json,
        r#"{"mean":null,"se":null,"ci95":null,"p50":null,"p90":null,"p95":null,"p99":null,"cvar95":null,"prob_positive":null,"share":0.0,"n":0}"#
    );
}

#[test]
fn prob_positive_counts_strictly_positive() {
    // Values -1, 0, 0, 2, 5: two of five are > 0.
    let s = Stats::from_sample(&[-1.0, 0.0, 0.0, 2.0, 5.0]);
    assert_eq!(s.prob_positive, Some(0.4));
}

#[test]
fn constant_sample_has_zero_width_interval() {
    let s = Stats::from_sample(&[4.0; 10]);
    assert_eq!(s.se, Some(0.0));
    assert_eq!(s.ci95, Some([4.0, 4.0]));
    assert_eq!(s.cvar95, Some(4.0));
}

#[test]
fn quantiles_do_not_depend_on_order() {
    let a = [0.3, 7.5, 2.25, 9.0, 0.0, 1e6, 3.0];
    let mut b = a;
    b.reverse();
    let (sa, sb) = (Stats::from_sample(&a), Stats::from_sample(&b));
    assert_eq!(
        (sa.p50, sa.p90, sa.p95, sa.p99, sa.cvar95),
        (sb.p50, sb.p90, sb.p95, sb.p99, sb.cvar95)
    );
}

#[test]
fn paired_better_worse_tied_and_interval() {
    // Pairs where both exist (the 5th is absent under the strategy): (1,2) (2,2) (3,1) (4,4).
    // Differences -1, 0, 2, 0: mean 0.25; 1 better, 1 worse, 2 tied of n = 4.
    // Deviations -1.25, -0.25, 1.75, -0.25; sum of squares 4.75; var 4.75/3;
    // se = sqrt(4.75/3/4) = 0.6291528696; t(0.975, 3) = 3.182446305284263.
    let p = Paired::from_pairs(&[1.0, 2.0, 3.0, 4.0, NAN], &[2.0, 2.0, 1.0, 4.0, 5.0]);
    assert_eq!(p.n, 4);
    assert_eq!(p.mean_diff, Some(0.25));
    assert_eq!(p.prob_better, Some(0.25));
    assert_eq!(p.prob_worse, Some(0.25));
    assert_eq!(p.prob_tied, Some(0.5));
    let half = 3.182_446_305_284_263 * (4.75f64 / 12.0).sqrt();
    let [lo, hi] = p.ci95.unwrap();
    assert_relative_eq!(lo, 0.25 - half, max_relative = 1e-9);
    assert_relative_eq!(hi, 0.25 + half, max_relative = 1e-9);
}

#[test]
fn paired_identical_is_all_tied() {
    let x = [1.0, 5.0, 2.5];
    let p = Paired::from_pairs(&x, &x);
    assert_eq!(p.mean_diff, Some(0.0));
    assert_eq!(p.ci95, Some([0.0, 0.0]));
    assert_eq!(p.prob_tied, Some(1.0));
    assert_eq!(p.prob_better, Some(0.0));
}

#[test]
fn paired_always_better_uses_paired_spread() {
    // Both samples vary widely, but the strategy is always exactly 1 lower:
    // differences all -1, so sd(diff) = 0 and the interval collapses to [-1, -1]
    // (an unpaired interval would be wide).
    let r = [10.0, 100.0, 1000.0, 5.0];
    let s: Vec<f64> = r.iter().map(|x| x - 1.0).collect();
    let p = Paired::from_pairs(&s, &r);
    assert_eq!(p.mean_diff, Some(-1.0));
    assert_eq!(p.ci95, Some([-1.0, -1.0]));
    assert_eq!(p.prob_better, Some(1.0));
}

#[test]
fn paired_without_pairs_is_null() {
    let p = Paired::from_pairs(&[NAN, 1.0], &[2.0, NAN]);
    assert_eq!(p.n, 0);
    assert!(p.mean_diff.is_none() && p.ci95.is_none() && p.prob_better.is_none());
    // One pair: a mean but no interval.
    let p = Paired::from_pairs(&[1.0], &[3.0]);
    assert_eq!((p.mean_diff, p.ci95), (Some(-2.0), None));
}

#[test]
fn paired_rounding_dust_is_a_tie() {
    // 0.1 + 0.2 = 0.30000000000000004 differs from 0.3 by one ulp: a tie, not "worse";
    // 1e5 vs 1e5 + 1e-3 is a real difference (1e-8 relative): better.
    let p = Paired::from_pairs(&[0.1 + 0.2, 1e5], &[0.3, 1e5 + 1e-3]);
    assert_eq!(p.prob_tied, Some(0.5));
    assert_eq!(p.prob_better, Some(0.5));
    assert_eq!(p.prob_worse, Some(0.0));
}
