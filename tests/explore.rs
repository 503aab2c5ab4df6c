//! The analysis layer and commands: sizing recovers the exact stockpile of MODEL.md §8 and,
//! with confidence, holds the interval's end to the target; sweeps are monotone in the
//! stockpile, resume byte for byte, name the cheapest point meeting a target and mark the
//! strategies a swept path cannot move; sensitivity tells real effects from noise; Sobol
//! indices find the one path that matters; exposure gives TTS = lead time + stock days;
//! the sweep executor stops when its observer asks and resumes from its point store.

use chokepoint::explore::exposure::exposure;
use chokepoint::explore::interval;
use chokepoint::explore::sensitivity::{self, SobolInput};
use chokepoint::explore::size::{self, SizeSpec};
use chokepoint::explore::sweep::SweepColumn;
use chokepoint::explore::target::{Rule, Subject, Target};
use chokepoint::explore::{Evaluator, NoObserver, select_strategies};
use chokepoint::model::{MaterialId, SubjectId};
use chokepoint::scenario::{Document, param_kind};
use chokepoint::sim::{Metric, NoProgress};
use chokepoint::stats::{StatColumn, metric_column};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One material, one supplier (lead `lead`), daily demand 10, no noise, and one embargo
/// of severity 1 from `onset` with the given duration (a TOML distribution).
fn single(lead: u32, private: f64, stockpile: f64, duration: &str, cv: f64) -> String {
    format!(
        r#"
name = "single supplier"
horizon_days = 400
replications = 40
seed = 11

[[material]]
id = "m"
annual_demand = 3650.0
demand_cv = {cv}
unit_value = 100.0
shortage_cost = 1000.0
private_days = {private}
stockpile_days = {stockpile}

[[material.supplier]]
id = "a"
country = "AA"
share = 1.0
lead_time_days = {lead}
surge = 0.0
routes = ["strait"]

[[shock]]
id = "cut"
kind = "embargo"
targets = {{ suppliers = ["m.a"] }}
onset = {{ day = 50 }}
duration_days = {duration}
severity = 1.0
"#
    )
}

fn doc(src: &str) -> Document {
    Document::parse("test.toml", src).unwrap()
}

#[test]
fn sizing_recovers_the_exact_stockpile() {
    // MODEL.md §8: private_days = 0, fixed duration D: shortfall = max(0, D - S) d, so the
    // smallest S with mean shortfall <= 0 is D.
    let d_days = 40.0;
    let ev = Evaluator::new(doc(&single(5, 0.0, 0.0, "40", 0.0)), &[], None, Some(4)).unwrap();
    let path = "material.m.stockpile_days";
    let t = Target::parse("mean(shortfall_units) <= 0").unwrap();
    let subject = Subject::resolve(ev.base(), None).unwrap();
    t.check(ev.base(), subject).unwrap();
    let spec = SizeSpec {
        path: path.into(),
        kind: param_kind(path),
        lo: 0.0,
        hi: 100.0,
        scan: 9,
        rel_tol: 1e-7,
        rule: Rule::Point,
    };
    let r = size::search(&spec, &t, |v| {
        let (scn, res) = ev.run_at(&[(path, v)], &NoProgress)?;
        Ok(t.evaluate(&scn, &res, 0, subject, Rule::Point))
    })
    .unwrap();
    let v = r.value.unwrap();
    assert!(r.monotone && r.warnings.is_empty(), "{:?}", r.warnings);
    assert!((v - d_days).abs() < 1e-4, "sized {v}, expected {d_days}");
    // And the shortfall law itself at S = 25: (40 - 25) days of demand 10.
    let (_, res) = ev.run_at(&[(path, 25.0)], &NoProgress).unwrap();
    assert!((res.row(0, 0, 0).get(Metric::ShortfallUnits) - 150.0).abs() < 1e-6);

    // Whole-day paths are exact to the day: size the private stock instead (stockpile 0).
    let ppath = "material.m.private_days";
    let spec = SizeSpec {
        path: ppath.into(),
        kind: chokepoint::scenario::ParamKind::WholeDays,
        lo: 0.0,
        hi: 365.0,
        scan: 9,
        rel_tol: 1e-3,
        rule: Rule::Point,
    };
    let r = size::search(&spec, &t, |v| {
        let (scn, res) = ev.run_at(&[(ppath, v)], &NoProgress)?;
        Ok(t.evaluate(&scn, &res, 0, subject, Rule::Point))
    })
    .unwrap();
    assert_eq!(r.value, Some(40.0));
    assert_eq!(r.bracket, Some([39.0, 40.0]));
}

#[test]
fn confidence_sizing_needs_the_interval_to_meet_the_target() {
    // Random embargo durations and demand noise: p90 of shortfall falls as the
    // stockpile grows. Sized on the point estimate, the answer's order-statistic
    // interval still reaches above the threshold (a warning says so); sized with 95%
    // confidence, the answer is larger and its interval's upper end meets it.
    let src = single(
        10,
        10.0,
        0.0,
        "{ lognormal = { median = 40, p90 = 120 } }",
        0.1,
    );
    let ev = Evaluator::new(doc(&src), &[], None, Some(200)).unwrap();
    let path = "material.m.stockpile_days";
    let t = Target::parse("p90(shortfall_pct) <= 2").unwrap();
    let subject = Subject::resolve(ev.base(), None).unwrap();
    let size_with = |rule: Rule| {
        let spec = SizeSpec {
            path: path.into(),
            kind: size::analysis_kind(path),
            lo: 0.0,
            hi: 365.0,
            scan: 9,
            rel_tol: 1e-3,
            rule,
        };
        size::search(&spec, &t, |v| {
            let (scn, res) = ev.run_at(&[(path, v)], &NoProgress)?;
            Ok(t.evaluate(&scn, &res, 0, subject, rule))
        })
        .unwrap()
    };
    let point = size_with(Rule::Point);
    let conf = size_with(Rule::Confidence(0.95));
    let (vp, vc) = (point.value.unwrap(), conf.value.unwrap());
    // stockpile_days is a day field: whole days.
    assert_eq!((vp.fract(), vc.fract()), (0.0, 0.0));
    let at_p = &point.at_value[0];
    assert!(at_p.point_met && !at_p.bound_met, "{at_p:?}");
    assert!(at_p.bound.unwrap() > 2.0);
    assert!(
        point.warnings.iter().any(|w| w.contains("straddles")),
        "{:?}",
        point.warnings
    );
    assert!(vc > vp, "confidence {vc} vs point {vp}");
    let at_c = &conf.at_value[0];
    assert!(at_c.met && at_c.bound.unwrap() <= 2.0, "{at_c:?}");
    // One day less does not meet it with confidence (the bisection's bracket).
    let [below, above] = conf.bracket.unwrap();
    assert_eq!((below, above), (vc - 1.0, vc));
    let p_below = conf.points.iter().find(|p| p.value == below).unwrap();
    assert!(!p_below.met && p_below.clauses[0].bound.unwrap() > 2.0);
    assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
    // The interval is the order-statistic one: x(l), x(u) of the sorted column, with
    // the ranks of the binomial formula (chokepoint::explore::interval).
    let (scn, res) = ev.run_at(&[(path, vc)], &NoProgress).unwrap();
    let mut col = metric_column(&res, 0, 0, Metric::ShortfallPct).unwrap();
    col.sort_by(f64::total_cmp);
    let (l, u) = interval::order_stat_ranks(col.len(), 0.9, 0.95);
    let e = t.evaluate(&scn, &res, 0, subject, Rule::Confidence(0.95));
    assert_eq!(e[0].ci, Some([col[l.unwrap() - 1], col[u.unwrap() - 1]]));
}

#[test]
fn sweep_of_stockpile_never_increases_shortfall() {
    // Random durations and demand noise; common random numbers make more stockpile never
    // worse, replication by replication (MODEL.md §8).
    let src = single(
        10,
        10.0,
        0.0,
        "{ lognormal = { median = 40, p90 = 120 } }",
        0.1,
    );
    let ev = Evaluator::new(doc(&src), &[], None, Some(64)).unwrap();
    let mut prev: Option<Vec<f64>> = None;
    let mut prev_mean = f64::INFINITY;
    for s in (0..=150).step_by(15) {
        let (_, res) = ev
            .run_at(&[("material.m.stockpile_days", f64::from(s))], &NoProgress)
            .unwrap();
        let col = metric_column(&res, 0, 0, Metric::ShortfallUnits).unwrap();
        if let Some(p) = &prev {
            for (r, (a, b)) in p.iter().zip(&col).enumerate() {
                assert!(
                    b <= &(a + 1e-9 * a.abs().max(1.0)),
                    "rep {r} at {s}: {b} > {a}"
                );
            }
        }
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        assert!(
            mean <= prev_mean + 1e-9,
            "mean at {s}: {mean} > {prev_mean}"
        );
        prev_mean = mean;
        prev = Some(col);
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("chokepoint-analysis-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sweep(scn: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("sweep")
        .arg(scn)
        .args([
            "--vary",
            "material.m.stockpile_days=0..100:6",
            "-n",
            "40",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn interrupted_sweep_resumes_to_identical_csv() {
    let dir = temp_dir("resume");
    let scn = dir.join("s.toml");
    std::fs::write(
        &scn,
        single(10, 10.0, 0.0, "{ uniform = { min = 20, max = 90 } }", 0.05),
    )
    .unwrap();
    let (a, b) = (dir.join("a"), dir.join("b"));

    let full = sweep(&scn, &a, &["--threads", "1"]);
    assert_eq!(
        full.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );

    // Interrupted after 2 of 6 points: those are on disk, the final file is not.
    let cut = bin()
        .env("CHOKEPOINT_TEST_STOP_AFTER", "2")
        .arg("sweep")
        .arg(&scn)
        .args([
            "--vary",
            "material.m.stockpile_days=0..100:6",
            "-n",
            "40",
            "--quiet",
            "--out",
        ])
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(cut.status.code(), Some(1));
    assert!(!b.join("sweep.csv").exists());
    let n_points = |d: &Path| {
        std::fs::read_dir(d.join("points"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("point-")
            })
            .count()
    };
    assert_eq!(n_points(&b), 2);
    // Resume (with another thread count): only the 4 missing points are computed.
    let rest = bin()
        .env("CHOKEPOINT_TEST_STOP_AFTER", "5")
        .arg("sweep")
        .arg(&scn)
        .args([
            "--vary",
            "material.m.stockpile_days=0..100:6",
            "-n",
            "40",
            "--out",
        ])
        .arg(&b)
        .args(["--threads", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&rest.stdout);
    assert_eq!(
        rest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rest.stderr)
    );
    assert!(stdout.contains("4 computed now, 2 reused"), "{stdout}");
    let csv_a = std::fs::read(a.join("sweep.csv")).unwrap();
    assert_eq!(csv_a, std::fs::read(b.join("sweep.csv")).unwrap());
    // sweep.json holds the spec, its hash and the layout: the same bytes, whatever the
    // interruption and the thread counts.
    let json_a = std::fs::read_to_string(a.join("sweep.json")).unwrap();
    assert_eq!(
        json_a,
        std::fs::read_to_string(b.join("sweep.json")).unwrap()
    );
    let v: serde_json::Value = serde_json::from_str(&json_a).unwrap();
    assert_eq!(v["spec"]["points"].as_array().unwrap().len(), 6);
    assert_eq!(v["spec"]["replications"], 40);

    // The CSV is tidy: 6 points x (1 material + total), and mean shortfall never rises.
    let text = String::from_utf8(csv_a).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|c| *c == "shortfall_units_mean")
        .unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 12);
    let means: Vec<f64> = rows
        .iter()
        .filter(|r| r[3] == "m")
        .map(|r| r[col].parse().unwrap())
        .collect();
    assert!(means.windows(2).all(|w| w[1] <= w[0]), "{means:?}");
    assert!(means[0] > 0.0);

    // A different spec in the same folder is refused, unless --fresh.
    let other = sweep(&scn, &b, &["--seed", "99"]);
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(
        err.contains("different sweep") && err.contains("--fresh"),
        "{err}"
    );
    let fresh = sweep(&scn, &b, &["--seed", "99", "--fresh"]);
    assert_eq!(fresh.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sweep_marks_a_strategy_that_sets_the_swept_path() {
    // Strategy `big` sets the stockpile itself; a sweep of the baseline's stockpile
    // cannot move it. Its rows must say so (CSV, JSON, chart, findings), not pass for a
    // varied series.
    let dir = temp_dir("notmoved");
    let scn = dir.join("s.toml");
    let src = single(10, 10.0, 0.0, "{ uniform = { min = 20, max = 90 } }", 0.05)
        + "\n[[strategy]]\nid = \"base\"\n\n[[strategy]]\nid = \"big\"\nlabel = \"Big stock\"\n\
         set = { \"material.m.stockpile_days\" = 100 }\n";
    std::fs::write(&scn, src).unwrap();
    let out = dir.join("out");
    let path = "material.m.stockpile_days";
    let o = bin()
        .arg("sweep")
        .arg(&scn)
        .args([
            "--vary",
            &format!("{path}=0..100:5"),
            "-n",
            "30",
            "--target",
            "mean(shortfall_pct) <= 1",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let nm = head.iter().position(|c| *c == "not_moved_by").unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let of = |st: &str| -> Vec<&Vec<&str>> {
        rows.iter().filter(|r| r[2] == st && r[3] == "m").collect()
    };
    assert_eq!(of("big").len(), 5);
    for r in of("big") {
        assert_eq!(r[nm], path);
        // Every statistic after the marker is the same at every point.
        assert_eq!(r[nm + 1..], of("big")[0][nm + 1..]);
    }
    for r in of("base") {
        assert_eq!(r[nm], "");
    }
    let sc = head
        .iter()
        .position(|c| *c == "shortfall_pct_mean")
        .unwrap();
    let base: Vec<&str> = of("base").iter().map(|r| r[sc]).collect();
    assert_ne!(
        base.first(),
        base.last(),
        "the baseline does move: {base:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["not_moved_by"]["big"][0]["path"], path);
    assert_eq!(
        json["not_moved_by"]["big"][0]["why"],
        "sets this path itself"
    );
    assert_eq!(
        json["not_moved_by"]["base"].as_array().map(Vec::len),
        Some(0)
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<b>Big stock</b> is not moved by this sweep: material.m.stockpile_days (sets this path itself)"),
        "{}",
        html.split("Findings").nth(1).unwrap_or("").chars().take(1200).collect::<String>()
    );
    let svg = std::fs::read_to_string(out.join("charts/sweep.svg")).unwrap();
    assert!(svg.contains("Big stock (sets this path itself)"));
    assert!(svg.contains("Big stock: sets this path itself"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn size_command_reports_and_exits_1_when_unmet() {
    let dir = temp_dir("size");
    let scn = dir.join("s.toml");
    std::fs::write(&scn, single(5, 0.0, 0.0, "40", 0.0)).unwrap();
    let run = |range: &str| {
        bin()
            .arg("size")
            .arg(&scn)
            .args([
                "--param",
                "material.m.stockpile_days",
                "--target",
                "mean(shortfall_units) <= 0 and autonomy >= 1",
                "--range",
                range,
                "-n",
                "4",
                "--tol",
                "1e-6",
                "--out",
            ])
            .arg(dir.join("out"))
            .output()
            .unwrap()
    };
    let ok = run("0..100");
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(text.contains("material.m.stockpile_days = 40"), "{text}");
    let csv = std::fs::read_to_string(dir.join("out/size.csv")).unwrap();
    assert!(
        csv.starts_with("value,stage,order,met,mean_shortfall_units,"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/size.json")).unwrap()).unwrap();
    assert_eq!(json["result"]["met"], true);

    let miss = run("0..30");
    assert_eq!(miss.status.code(), Some(1));
    let text = String::from_utf8_lossy(&miss.stdout);
    assert!(
        text.contains("best value found: material.m.stockpile_days = 30"),
        "{text}"
    );

    let bad = bin()
        .arg("size")
        .arg(&scn)
        .args([
            "--param",
            "material.m.stockpile_days",
            "--target",
            "p95(shortfal_pct) <= 1",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown metric `shortfal_pct`"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sensitivity_and_sobol_find_the_path_that_matters() {
    // Shortfall depends on the stockpile; the holding cost rate cannot move it.
    let src = single(5, 0.0, 40.0, "{ uniform = { min = 10, max = 80 } }", 0.0);
    let ev = Evaluator::new(doc(&src), &[], None, Some(24)).unwrap();
    let paths = vec![
        "material.m.holding_cost_rate".to_string(),
        "material.m.stockpile_days".to_string(),
    ];
    let subject = Subject::Material(0);
    let rows = sensitivity::one_at_a_time(
        &ev,
        &paths,
        0.2,
        subject,
        Metric::ShortfallUnits.into(),
        &NoObserver,
    )
    .unwrap();
    assert_eq!(rows[0].moved.path, "material.m.stockpile_days");
    assert_eq!(rows[0].rank, Some(1));
    assert!(rows[0].diff.unwrap() < 0.0);
    // The stockpile's effect is real: its paired interval of high - low excludes 0.
    assert_eq!(rows[0].distinguishable, Some(true));
    assert!(rows[0].diff_ci95.unwrap()[1] < 0.0);
    // The holding cost rate cannot move shortfall: every paired difference is exactly
    // 0 (same futures), so its intervals are [0, 0] and it is indistinguishable from
    // noise, ranked after the real effects.
    assert_eq!(rows[1].moved.path, "material.m.holding_cost_rate");
    assert_eq!(rows[1].swing, Some(0.0));
    assert_eq!(rows[1].low_minus_base_ci95, Some([0.0, 0.0]));
    assert!(rows[1].is_noise());
    assert_eq!(rows[1].rank, Some(2));

    let inputs: Vec<SobolInput> = rows
        .iter()
        .map(|r| SobolInput {
            path: r.moved.path.clone(),
            lo: r.moved.low.unwrap(),
            hi: r.moved.high.unwrap(),
        })
        .collect();
    let s = sensitivity::sobol(
        &ev,
        &inputs,
        32,
        200,
        subject,
        Metric::ShortfallUnits.into(),
        &NoObserver,
    )
    .unwrap();
    assert_eq!(s.runs, 32 * 4);
    assert_eq!(s.rows[0].input.path, "material.m.stockpile_days");
    let (first, total) = (s.rows[0].first.unwrap(), s.rows[0].total.unwrap());
    assert!(first > 0.8 && total > 0.8, "{first} {total}");
    let inert = &s.rows[1];
    assert!(inert.total.unwrap().abs() < 1e-9, "{:?}", inert.total);
    assert!(inert.converged && s.rows[0].converged, "{:?}", s.rows);
    let ci = s.rows[0].total_ci95.unwrap();
    assert!(ci[0] <= total && total <= ci[1] && ci[1] <= 1.0);
}

#[test]
fn exposure_tts_is_lead_time_plus_stock_days() {
    // L = 7, private 10 days, stockpile 20 days: TTS = 37 (MODEL.md §8).
    let scn = doc(&single(7, 10.0, 20.0, "40", 0.1)).validate().unwrap();
    let scn = select_strategies(&scn, &[]).unwrap();
    let rows = exposure(&scn, Some(50.0));
    // supplier m.a, country AA, route strait: the same loss.
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.tts_days, Some(37.0), "{r:?}");
        assert_eq!(r.at_risk, Some(true));
        assert_eq!(r.gap_days, Some(13.0));
        // Shortfall over TTR: 13 days of demand 10, i.e. 26% of 50 days' demand.
        assert!((r.shortfall_units.unwrap() - 130.0).abs() < 1e-6, "{r:?}");
        assert!((r.shortfall_pct.unwrap() - 26.0).abs() < 1e-9);
    }
    // TTR from the scenario's shock (fixed 40 days, no recovery) when not given.
    let rows = exposure(&scn, None);
    assert_eq!(rows[0].ttr_days, Some(40.0));
    assert!(rows[0].ttr_source.contains("cut"));
    assert_eq!(rows[0].shortfall_units, Some(30.0));
    // No stock and a lead time of 1: the first shortfall is on day 1.
    let scn = doc(&single(1, 0.0, 0.0, "40", 0.0)).validate().unwrap();
    assert_eq!(exposure(&scn, None)[0].tts_days, Some(1.0));
}

#[test]
fn every_analysis_command_has_help_with_an_example() {
    for cmd in ["sweep", "size", "sensitivity", "exposure"] {
        let out = bin().args([cmd, "--help"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("chokepoint {cmd} scenarios/")),
            "{cmd}: {text}"
        );
    }
}

#[test]
fn every_analysis_command_writes_charts_and_a_report_page() {
    let dir = temp_dir("pages");
    let scn = dir.join("single.toml");
    std::fs::write(&scn, single(10, 5.0, 20.0, "60", 0.0)).unwrap();
    let s = scn.to_str().unwrap();
    let run = |args: &[&str], out: &str, charts: &[&str]| {
        let o = dir.join(out);
        let st = bin()
            .args(args)
            .args(["--quiet", "--out", o.to_str().unwrap()])
            .output()
            .unwrap();
        // Every command here succeeds (the sizing target is met in range): exit 0.
        assert_eq!(
            st.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        for c in charts {
            for ext in ["svg", "png"] {
                let p = o.join("charts").join(format!("{c}.{ext}"));
                assert!(
                    p.metadata().is_ok_and(|m| m.len() > 1000),
                    "{}",
                    p.display()
                );
            }
        }
        let html = std::fs::read_to_string(o.join("report.html")).unwrap();
        assert!(
            html.contains("Findings") && html.contains("SHA-256"),
            "{out}"
        );
        assert_eq!(html.matches("<figure class=chart").count(), charts.len());
        html
    };
    let p = "material.m.stockpile_days";
    let html = run(
        &[
            "sweep",
            s,
            "--vary",
            &format!("{p}=0..200:6"),
            "-n",
            "8",
            "--target",
            "mean(shortfall_pct) <= 1",
        ],
        "sweep1",
        &["sweep"],
    );
    // The finding names the cheapest point meeting the target, by expected total cost,
    // computed here from sweep.csv: material rows give the target's statistic, total
    // rows the cost.
    let csv = std::fs::read_to_string(dir.join("sweep1/sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|c| *c == n).unwrap();
    let (c_val, c_mat, c_short, c_cost) = (
        1,
        col("material"),
        col("shortfall_pct_mean"),
        col("total_cost_mean"),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let meets = |v: &str| {
        rows.iter()
            .any(|r| r[c_val] == v && r[c_mat] == "m" && r[c_short].parse::<f64>().unwrap() <= 1.0)
    };
    let meeting: Vec<&Vec<&str>> = rows
        .iter()
        .filter(|r| r[c_mat] == "total" && meets(r[c_val]))
        .collect();
    // Several points meet it (the stockpile covers the 60-day embargo from about 45
    // days on), so the choice among them is what is checked.
    assert!(meeting.len() >= 3, "{}", meeting.len());
    let cheapest = meeting
        .into_iter()
        .min_by(|a, b| {
            let c = |r: &&Vec<&str>| r[c_cost].parse::<f64>().unwrap();
            c(a).total_cmp(&c(b))
        })
        .expect("some swept value meets the target");
    let want = format!(
        "the cheapest of them by expected total cost is <b>{p} = {}</b>",
        cheapest[c_val]
    );
    assert!(html.contains(&want), "lacks {want:?}");
    run(
        &[
            "sweep",
            s,
            "--vary",
            &format!("{p}=0..60:3"),
            "--vary",
            "material.m.private_days=0..10:3",
            "-n",
            "8",
            "--target",
            "mean(shortfall_pct) <= 1",
        ],
        "sweep2",
        &["sweep_heatmap"],
    );
    run(
        &[
            "sweep",
            s,
            "--vary",
            &format!("{p}=0..60"),
            "--vary",
            "material.m.private_days=0..10",
            "--lhs",
            "5",
            "-n",
            "8",
        ],
        "sweep3",
        &["sweep_scatter"],
    );
    let html = run(
        &[
            "size",
            s,
            "--param",
            p,
            "--target",
            "mean(shortfall_pct) <= 0",
            "--range",
            "0..100",
            "-n",
            "8",
        ],
        "size",
        &["size"],
    );
    assert!(html.contains("The smallest material.m.stockpile_days meeting"));
    let html = run(
        &[
            "sensitivity",
            s,
            "-n",
            "8",
            "--paths",
            &format!("{p},material.m.private_days"),
            "--sobol",
            "4",
            "--bootstrap",
            "20",
        ],
        "sens",
        &["tornado", "sobol"],
    );
    assert!(html.contains("The largest effect on"));
    // TTS = lead time + private + stockpile days = 10 + 5 + 20 = 35 < TTR 100 for each of
    // the 3 nodes (supplier m.a, country AA, route strait: the same loss), MODEL.md §8.
    let html = run(&["exposure", s, "--ttr", "100"], "exposure", &["exposure"]);
    assert!(
        html.contains("3 of 3 nodes have TTS &lt; TTR"),
        "{}",
        html.split("Findings")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(400)
            .collect::<String>()
    );
    assert!(html.contains("The shortest time to survive is 35 days"));
    // --no-charts: CSV and JSON only.
    let o = dir.join("nocharts");
    let st = bin()
        .args([
            "exposure",
            s,
            "--quiet",
            "--no-charts",
            "--out",
            o.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(st.status.success());
    assert!(o.join("exposure.csv").exists());
    assert!(!o.join("report.html").exists() && !o.join("charts").exists());
}

/// Stops a sweep after `after` stored points and counts what it was told.
struct StopAfter {
    after: usize,
    stored: std::sync::atomic::AtomicUsize,
    advanced: std::sync::atomic::AtomicU64,
    stages: std::sync::Mutex<Vec<chokepoint::explore::Stage>>,
}

impl chokepoint::explore::Observer for StopAfter {
    fn stage(&self, stage: &chokepoint::explore::Stage) {
        self.stages.lock().unwrap().push(stage.clone());
    }
    fn advance(&self, n: u64) {
        self.advanced
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    fn point_stored(&self, _index: usize) -> chokepoint::explore::Flow {
        let n = self
            .stored
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        if n == self.after {
            chokepoint::explore::Flow::Stop
        } else {
            chokepoint::explore::Flow::Continue
        }
    }
}

#[test]
fn the_sweep_executor_stops_on_request_and_resumes_from_its_store() {
    use chokepoint::explore::sweep::{self, MemoryStore, SweepProblem, SweepRequest};
    use chokepoint::explore::{ExploreError, Stage, export};
    let d = doc(&single(5, 0.0, 0.0, "40", 0.0));
    let req = SweepRequest {
        vary: vec!["material.m.stockpile_days=0..60:4".into()],
        replications: Some(8),
        metric: "shortfall_units".into(),
        target: Some("mean(shortfall_units) <= 10".into()),
        ..SweepRequest::default()
    };
    let problem = SweepProblem::new(&d, &req, &NoObserver).unwrap();
    assert_eq!(problem.len(), 4);
    // Uninterrupted, in memory.
    let mut whole = MemoryStore::default();
    let full = sweep::run(&problem, &mut whole, &NoObserver).unwrap();
    assert_eq!((full.computed, full.reused), (4, 0));
    // Stopped after 2 points: an error that says so, with those 2 points stored.
    let obs = StopAfter {
        after: 2,
        stored: 0.into(),
        advanced: 0.into(),
        stages: Default::default(),
    };
    let mut store = MemoryStore::default();
    match sweep::run(&problem, &mut store, &obs) {
        Err(ExploreError::Stopped { computed: 2 }) => {}
        other => panic!("expected a stop after 2 points, got {other:?}"),
    }
    assert_eq!(store.0.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(
        obs.advanced.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "one advance per computed point"
    );
    assert_eq!(
        obs.stages.lock().unwrap()[0],
        Stage::Sweep { points: 4, done: 0 }
    );
    // Resumed: only the 2 missing points are computed; the rows, and the bytes of
    // sweep.csv, are those of the uninterrupted sweep.
    let resumed = sweep::run(&problem, &mut store, &NoObserver).unwrap();
    assert_eq!((resumed.computed, resumed.reused), (2, 2));
    assert_eq!(resumed.rows, full.rows);
    assert_eq!(
        export::sweep_csv(&problem, &resumed).unwrap(),
        export::sweep_csv(&problem, &full).unwrap()
    );
    // Shortfall falls as the stockpile grows (MODEL.md §8: max(0, 40 - S) days × 10).
    let means: Vec<f64> = full
        .rows
        .iter()
        .filter(|r| r.material == SubjectId::Material(MaterialId::new("m").unwrap()))
        .map(|r| {
            r.value(SweepColumn::Stat(
                Metric::ShortfallUnits.into(),
                StatColumn::Mean,
            ))
            .unwrap()
        })
        .collect();
    assert_eq!(means, vec![400.0, 200.0, 0.0, 0.0]);
    // The target column is read from the typed row.
    let met: Vec<Option<bool>> = full
        .rows
        .iter()
        .filter(|r| r.material == SubjectId::Material(MaterialId::new("m").unwrap()))
        .map(|r| problem.view.met(r))
        .collect();
    assert_eq!(met, vec![Some(false), Some(false), Some(true), Some(true)]);
}

/// Two materials, the first called `total` (embargoed, so it runs short) and `m`.
fn material_called_total() -> String {
    single(5, 0.0, 0.0, "40", 0.0)
        .replace("id = \"m\"", "id = \"total\"")
        .replace("m.a", "total.a")
        + r#"
[[material]]
id = "m"
annual_demand = 365.0
unit_value = 10.0
shortage_cost = 100.0
[[material.supplier]]
id = "b"
country = "BB"
share = 1.0

[[strategy]]
id = "baseline"
[[strategy]]
id = "stock"
annual_cost = 1000.0
set = { "material.total.stockpile_days" = 30 }
"#
}

#[test]
fn a_material_called_total_runs_and_targets_reach_it_and_the_totals() {
    use chokepoint::explore::export;
    use chokepoint::explore::sweep::{self, MemoryStore, SweepProblem, SweepRequest};
    use chokepoint::stats::{Measure, Summary};
    let d = doc(&material_called_total());
    let scn = d.validate().unwrap();
    let res = chokepoint::sim::run(
        &scn,
        &chokepoint::sim::RunOptions {
            seed: 3,
            replications: 0..12,
            daily: false,
            daily_replications: 0,
        },
        &NoProgress,
    );
    // summary.json keeps the material `total` and the totals apart, and reads back.
    let sum = Summary::from_run(&scn, &res, 3).unwrap();
    let json = serde_json::to_string(&sum).unwrap();
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sum);
    let st = &back.strategies[1];
    assert_eq!(st.vs_reference.materials.len(), 2);
    assert_eq!(st.vs_reference.materials[0].0.as_str(), "total");
    assert_eq!(st.vs_reference.total.len(), 7);
    assert!(
        st.vs_total(chokepoint::stats::TotalMetric::StrategyCost)
            .is_some()
    );
    assert!(
        st.vs_material(&"total".parse().unwrap(), Metric::ShortfallPct)
            .is_some()
    );

    // Targets: `material.total` is the material, `total` the totals.
    let mat = Subject::resolve(&scn, Some("material.total")).unwrap();
    let tot = Subject::resolve(&scn, Some("total")).unwrap();
    assert_eq!((mat, tot), (Subject::Material(0), Subject::Total));
    let pct = Target::parse("mean(shortfall_pct) >= 0").unwrap();
    assert!(pct.check(&scn, mat).is_ok() && pct.check(&scn, tot).is_err());
    let cost = Target::parse("mean(total_cost) >= 0").unwrap();
    let mean_cost = |s| {
        cost.evaluate(&scn, &res, 0, s, Rule::Point)[0]
            .value
            .unwrap()
    };
    // The totals add `m`'s costs (it buys every day) to the material `total`'s.
    assert!(
        mean_cost(tot) > mean_cost(mat),
        "{} {}",
        mean_cost(tot),
        mean_cost(mat)
    );

    // A sweep's rows: per point and strategy the material `total`, `m`, then the totals;
    // sweep.csv reads back to the same typed rows.
    let req = SweepRequest {
        vary: vec!["material.total.stockpile_days=0..60:2".into()],
        replications: Some(6),
        metric: "shortfall_units".into(),
        material: Some("material.total".into()),
        target: Some("mean(shortfall_units) <= 10 and autonomy >= 0".into()),
        ..SweepRequest::default()
    };
    let problem = SweepProblem::new(&d, &req, &NoObserver).unwrap();
    assert_eq!(problem.view.subject, Subject::Material(0));
    assert_eq!(problem.view.metric, Measure::Metric(Metric::ShortfallUnits));
    let result = sweep::run(&problem, &mut MemoryStore::default(), &NoObserver).unwrap();
    let kinds: Vec<String> = result.rows[..3]
        .iter()
        .map(|r| format!("{:?}", r.material))
        .collect();
    assert_eq!(
        kinds,
        [
            "Material(MaterialId(\"total\"))",
            "Material(MaterialId(\"m\"))",
            "Total"
        ]
    );
    let csv = export::sweep_csv(&problem, &result).unwrap();
    let paths = vec!["material.total.stockpile_days".to_string()];
    let rows = export::read_sweep_rows(&csv, None, &paths).unwrap();
    assert_eq!(rows, result.rows);
    // The totals' row has strategy_cost; the material's has none.
    let sc = SweepColumn::Stat(Measure::StrategyCost, StatColumn::Mean);
    assert_eq!(rows[0].value(sc), None);
    assert_eq!(rows[2].value(sc), Some(0.0));
    assert!(rows.iter().all(|r| problem.view.met(r).is_some()));

    // The binary runs it end to end, and `report` reads the saved files back.
    let dir = temp_dir("total-material");
    let path = dir.join("s.toml");
    std::fs::write(&path, material_called_total()).unwrap();
    let out = bin()
        .arg("run")
        .arg(&path)
        .args(["-n", "12", "--quiet", "--no-charts", "--out"])
        .arg(dir.join("run"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary_csv = std::fs::read_to_string(dir.join("run/summary.csv")).unwrap();
    assert!(
        summary_csv.contains("\nstock,total,shortfall_pct,"),
        "{summary_csv}"
    );
    assert!(
        summary_csv.contains("\nstock,total,strategy_cost,"),
        "{summary_csv}"
    );
    let out = bin()
        .arg("report")
        .arg(dir.join("run"))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
