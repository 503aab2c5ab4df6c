//! Precision-based stopping (`run --precision`, `explore::precision`): it stops where
//! theory says, and a run stopped at N is a fixed run of N, byte for byte.

use chokepoint::explore::interval::order_stat_ranks;
use chokepoint::explore::precision::{self, Goal, Plan, Stopped};
use chokepoint::model::Scenario;
use chokepoint::sim::block::RowVec;
use chokepoint::sim::engine::Kernel;
use chokepoint::sim::{NoProgress, RunOptions};
use std::path::Path;

mod common;
use common::cli::{chokepoint, ok};

const SCN: &str = "tests/data/precision.toml";

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCN);
    let text = std::fs::read_to_string(&path).unwrap();
    chokepoint::scenario::parse_scenario(SCN, &text).unwrap()
}

fn goals(scn: &Scenario, text: &str) -> Vec<Goal> {
    let specs = vec![precision::parse(text).unwrap()];
    precision::resolve(scn, &[text], &specs).unwrap()
}

/// Runs the rule on the test scenario; returns the outcome and the rows handed on.
fn stop(text: &str, block: u64, cap: u64) -> (precision::Outcome, RowVec) {
    let scn = scenario();
    let g = goals(&scn, text);
    let mut rows = RowVec::default();
    let plan = Plan {
        block,
        max_replications: cap,
    };
    let Ok(out) = precision::run(
        &scn,
        &g,
        plan,
        &RunOptions::new(scn.seed(), 0),
        &NoProgress,
        Kernel::detect(),
        &mut rows,
        &mut |_| {},
    );
    (out, rows)
}

/// shortfall_pct of the test scenario is uniform on [0, C] (tests/data/precision.toml:
/// a uniform severity S cuts a share S of the demand on the 100 days after the one the
/// pipeline covers, of a 101-day horizon).
const C: f64 = 100.0 * 100.0 / 101.0;

#[test]
fn the_metric_is_uniform_on_0_c() {
    // The premise of the theory below: the values lie in [0, C] and their mean and
    // variance are C/2 and C²/12 (within 4 standard errors: the mean's SE is
    // C/sqrt(12 n); the sample variance's is about C² sqrt(0.8/n)/12, kurtosis 1.8).
    let (_, rows) = stop("mean(shortfall_pct) ± 1e-9", 20_000, 20_000);
    let n = 20_000.0;
    let xs: Vec<f64> = rows
        .0
        .iter()
        .step_by(2) // strategy `base` (the reference), then `stock`
        .map(|r| r.get(chokepoint::sim::Metric::ShortfallPct))
        .collect();
    assert_eq!(xs.len(), 20_000);
    assert!(xs.iter().all(|&x| (0.0..=C + 1e-9).contains(&x)));
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    assert!(
        (m - C / 2.0).abs() < 4.0 * C / (12.0 * n).sqrt(),
        "mean {m}"
    );
    let var = C * C / 12.0;
    assert!((v - var).abs() < 4.0 * var * (0.8 / n).sqrt(), "var {v}");
}

#[test]
fn a_mean_stops_where_its_variance_says() {
    // Mean of a uniform on [0, C]: sigma = C/sqrt(12) = 28.58. The t interval's
    // half-width is t(0.975, n-1) sigma/sqrt(n), so it falls under h = 0.5 at
    // n* = (1.96 sigma / h)² = 12,553. Blocks of 1,000: the first block end at or above
    // n* is 13,000. The sample sd wanders by sqrt((kurtosis - 1)/(4n)) = 0.4% of sigma,
    // so n* by 0.8% (100 replications): 12,000 and 13,000 are more than 4 such
    // deviations away, and the rule must stop at exactly 13,000 (well within a block).
    let sigma = C / 12f64.sqrt();
    let n_star = (1.959_964 * sigma / 0.5).powi(2);
    assert!((12_500.0..12_600.0).contains(&n_star), "{n_star}");
    let (out, rows) = stop("mean(shortfall_pct) ± 0.5", 1_000, 100_000);
    assert_eq!(out.stopped, Stopped::Met);
    assert_eq!(out.replications, 13_000);
    assert_eq!(out.steps.len(), 13);
    assert!(!out.steps[11].met && out.steps[12].met);
    let h = out.status[0].half_width.unwrap();
    assert!(h <= 0.5 && h > 0.5 * (12.0f64 / 13.0).sqrt() * 0.99, "{h}");
    // The rows are a fixed run's of 13,000, bit for bit.
    let scn = scenario();
    let fixed = chokepoint::sim::run(&scn, &RunOptions::new(scn.seed(), 13_000), &NoProgress);
    let bits = |rs: &[chokepoint::sim::MetricsRow]| -> Vec<u64> {
        rs.iter().flat_map(|r| r.0.map(f64::to_bits)).collect()
    };
    assert!(
        bits(&rows.0) == bits(&fixed.rows),
        "rows differ from a fixed run's"
    );
}

/// Expected half-width of the 95% order-statistic interval of quantile `q` from `n`
/// values uniform on [0, C]: the interval is [x(l), x(u)] with the binomial ranks of
/// `order_stat_ranks`, and E[x(k)] = C k/(n + 1), so E[(x(u) - x(l))/2] =
/// C (u - l) / (2 (n + 1)).
fn expected_half_width(n: usize, q: f64) -> f64 {
    let (l, u) = order_stat_ranks(n, q, 0.95);
    C * (u.unwrap() - l.unwrap()) as f64 / (2.0 * (n as f64 + 1.0))
}

#[test]
fn a_percentile_stops_where_its_order_statistics_say() {
    // p95 of a uniform on [0, C] to ± 0.35: theory gives the first n whose expected
    // order-statistic half-width is at most 0.35 (about C·1.96·sqrt(0.0475/n), so
    // n* ≈ 14,600). The realised width x(u) - x(l) is C times a Beta(u - l, ...) spacing,
    // relative sd 1/sqrt(u - l) ≈ 9% at 20,000 (u - l ≈ 120), so the stopping point
    // wanders by about twice that in n. With blocks of 10,000 the theory's block end is
    // 20,000; 10,000 (width 1.2 times the goal expected) and 30,000 (0.7 times) are
    // within one block; 40,000 would need the width at 30,000 to come out 40% above its
    // expectation, more than 5 sds. So the rule must stop within one block of 20,000.
    let h = 0.35;
    let n_star = (100..100_000)
        .step_by(100)
        .find(|&n| expected_half_width(n, 0.95) <= h)
        .unwrap();
    assert!((14_000..15_500).contains(&n_star), "{n_star}");
    let predicted = n_star.div_ceil(10_000) as u64 * 10_000;
    assert_eq!(predicted, 20_000);
    let (out, _) = stop("p95(shortfall_pct) ± 0.35", 10_000, 1_000_000);
    assert_eq!(out.stopped, Stopped::Met);
    assert!(
        out.replications.abs_diff(predicted) <= 10_000,
        "stopped at {}, theory {predicted}",
        out.replications
    );
    // The stop alone cannot tell a half-width off by a factor 2 (it would stop at
    // 10,000, within the block allowed), so every block's half-width is checked against
    // its expectation too: the realised width is C times a spacing of u − l uniform
    // order statistics, relative sd about 1/sqrt(u − l) (11% at 10,000, u − l ≈ 83),
    // and each must lie within 4 of those sds of C (u − l)/(2 (n + 1)).
    for step in &out.steps {
        let n = step.replications as usize;
        let (l, u) = order_stat_ranks(n, 0.95, 0.95);
        let sd = 1.0 / ((u.unwrap() - l.unwrap()) as f64).sqrt();
        let ratio = step.half_widths[0].unwrap() / expected_half_width(n, 0.95);
        assert!(
            (ratio - 1.0).abs() < 4.0 * sd,
            "at {n}: half-width {ratio:.3} times its expectation (sd {sd:.3})"
        );
    }
    // The rule itself, whatever the sampling did: every block whose half-width is
    // within the goal is met, and the run stops at the first of them (a rule that stops
    // a block late, or early, fails here even when the stop lands within the block the
    // theory allows).
    let last = out.steps.len() - 1;
    for (i, step) in out.steps.iter().enumerate() {
        let within = step.half_widths[0].is_some_and(|w| w <= h);
        assert_eq!(
            (step.met, within),
            (i == last, i == last),
            "block {i}: {step:?}"
        );
    }
    // The estimate is the p95 of the uniform, 0.95 C, within its own interval's reach.
    let s = &out.status[0];
    let [lo, hi] = s.ci.unwrap();
    assert!(lo <= 0.95 * C && 0.95 * C <= hi, "{lo} {hi}");
}

#[test]
fn a_difference_of_percentiles_is_paired() {
    // Strategy `stock` holds 30 days of demand (30 t at 1 t/day) released against the
    // cut, so in a future with severity S its shortfall is max(0, 100 S − 30) of 101
    // days' demand: base's C·S minus 3000/101 = 29.703 points wherever S > 0.3. Both
    // p95s sit at S ≈ 0.95, so p95(stock) − p95(base) = −3000/101, and in every resample
    // of whole futures the two p95s are read at the same futures: the paired bootstrap
    // collapses onto −3000/101 (up to rounding) and the goal is met after one block.
    // An unpaired interval (each p95's own, or resampling the strategies apart) would
    // be about twice a p95's width (± 1.9 at 1,000 futures), and the p95 of the
    // per-future differences would be near 0 (stock − base is −C·S for S < 0.3).
    let text = "diff(p95(shortfall_pct), base) under stock ± 0.001";
    let scn = scenario();
    let g = goals(&scn, text);
    assert_eq!(g[0].name, "diff(p95(shortfall_pct), base) in x under stock");
    let (out, _) = stop(text, 1_000, 5_000);
    assert_eq!((out.stopped, out.replications), (Stopped::Met, 1_000));
    let s = &out.status[0];
    let want = -3000.0 / 101.0;
    assert!((s.estimate.unwrap() - want).abs() < 1e-9, "{s:?}");
    let [lo, hi] = s.ci.unwrap();
    assert!(
        (lo - want).abs() < 1e-9 && (hi - want).abs() < 1e-9,
        "{s:?}"
    );
    // A percentile goal of either strategy alone is far from met at 1,000 futures: the
    // pairing is what makes the difference precise.
    let (one, _) = stop("p95(shortfall_pct) under stock ± 0.001", 1_000, 1_000);
    assert!(
        one.status[0].half_width.unwrap() > 0.5,
        "{:?}",
        one.status[0]
    );
}

#[test]
fn the_cap_stops_a_goal_out_of_reach() {
    let (out, rows) = stop("mean(shortfall_pct) ± 1e-6", 300, 1_000);
    assert_eq!(out.stopped, Stopped::Cap);
    assert_eq!(out.replications, 1_000);
    let ns: Vec<u64> = out.steps.iter().map(|s| s.replications).collect();
    assert_eq!(ns, vec![300, 600, 900, 1_000]);
    // Never met: the mean's half-width is about C/sqrt(12 n) · 1.96 ≈ 1.8 at 1,000.
    assert!(
        out.steps
            .iter()
            .all(|s| !s.met && s.half_widths[0].is_some_and(|w| w > 1.0)),
        "{:?}",
        out.steps
    );
    assert_eq!(rows.0.len(), 2 * 1_000);
}

#[test]
fn goals_expand_and_name_their_scope() {
    let scn = scenario();
    let g = goals(&scn, "diff(mean(total_cost), stock) ± 5, autonomy ± 1%");
    let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "diff(mean(total_cost), stock) in total under base",
            "autonomy in total under base"
        ]
    );
    for (text, want) in [
        (
            "mean(shortfall_pct) in y ± 1",
            "unknown material or sector `y`",
        ),
        ("mean(shortfall_pct) under z ± 1", "unknown strategy `z`"),
        ("mean(shortfall_pct) in total ± 1", "has no total"),
        (
            "diff(mean(total_cost), base) under base ± 1",
            "against itself",
        ),
    ] {
        let specs = vec![precision::parse(text).unwrap()];
        let e = precision::resolve(&scn, &[text], &specs).unwrap_err();
        assert!(e[0].to_string().contains(want), "{text}: {}", e[0]);
    }
}

const DATA_FILES: [&str; 4] = [
    "summary.json",
    "summary.csv",
    "replications.csv",
    "daily.csv",
];

#[test]
fn a_run_stopped_at_n_is_a_fixed_run_of_n() {
    // A realistic scenario (two materials, several strategies, noise, triggers): the
    // precision run stops somewhere between blocks, in memory and spilled; a fixed run
    // of that count writes the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let scn = "tests/data/stability.toml";
    let goal = "p90(shortfall_pct) in ndpr ± 1, mean(total_cost) under diversify ± 3%";
    let prec = dir.path().join("prec");
    let o = chokepoint(&[
        "run",
        scn,
        "-n",
        "200",
        "--max-replications",
        "3000",
        "--precision",
        goal,
        "--no-charts",
        "--out",
        prec.to_str().unwrap(),
    ]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(prec.join("run.json")).unwrap()).unwrap();
    let n = run["replications"].as_u64().unwrap();
    let p = &run["precision"];
    assert_eq!(p["replications"].as_u64(), Some(n));
    assert_eq!(p["block"].as_u64(), Some(200));
    assert_eq!(p["max_replications"].as_u64(), Some(3000));
    assert_eq!(p["stopped"], "met", "{p}");
    assert!(
        n > 200 && n < 3000 && n.is_multiple_of(200),
        "stopped at {n}"
    );
    assert_eq!(p["goals"].as_array().unwrap().len(), 2);
    assert_eq!(p["steps"].as_array().unwrap().len() as u64, n / 200);
    assert!(stdout.contains("Precision met after"), "{stdout}");
    let spilled = dir.path().join("spilled");
    let o = chokepoint(&[
        "run",
        scn,
        "-n",
        "200",
        "--max-replications",
        "3000",
        "--precision",
        goal,
        "--no-charts",
        "--spill-above",
        "100",
        "--out",
        spilled.to_str().unwrap(),
    ]);
    ok(&o);
    let fixed = dir.path().join("fixed");
    let ns = n.to_string();
    let o = chokepoint(&[
        "run",
        scn,
        "-n",
        &ns,
        "--no-charts",
        "--out",
        fixed.to_str().unwrap(),
    ]);
    ok(&o);
    for f in DATA_FILES {
        let want = std::fs::read(fixed.join(f)).unwrap();
        assert!(
            std::fs::read(prec.join(f)).unwrap() == want,
            "{f} differs (in memory)"
        );
        assert!(
            std::fs::read(spilled.join(f)).unwrap() == want,
            "{f} differs (spilled)"
        );
    }
    // A fixed run's run.json has no precision entry.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixed.join("run.json")).unwrap()).unwrap();
    assert!(run.get("precision").is_none());
}

#[test]
fn bad_goals_exit_2_with_their_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = chokepoint(&[
        "run",
        SCN,
        "--precision",
        "p95(shortfall_pct) ± 0.1, mean(days_short) 2",
        "--precision",
        "mean(total_cost) under nobody ± 1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    // Both problems at once, each with its column.
    assert!(
        err.contains("at column 44") && err.contains("expected `±`"),
        "{err}"
    );
    assert!(
        err.contains("at column 24") && err.contains("unknown strategy `nobody`"),
        "{err}"
    );
    assert!(!out.exists());
    let o = chokepoint(&["run", SCN, "--max-replications", "10"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--max-replications without --precision"
    );
}
