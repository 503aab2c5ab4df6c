//! A small hand-built scenario run through the engine, then summarised and written:
//! consistency of the summary, CSV shapes, JSON round trip, determinism across thread
//! counts and shard splits, and the atomic writer.

use approx::assert_relative_eq;
use chokepoint::model::{
    Dist, MaterialInfo, MaterialParams, Onset, Scenario, Shock, ShockKind, Strategy, SupplierInfo,
    SupplierParams,
};
use chokepoint::report::{
    DAILY_CSV_HEADER, RunInfo, SUMMARY_CSV_HEADER, run_json, sha256_hex, summary_csv, summary_json,
    terminal_table, write_atomic, write_atomic_with, write_replications_csv, write_run_outputs,
};
use chokepoint::sim::{self, Metric, NoProgress, RunOptions, RunResult};
use chokepoint::stats::{Summary, TotalMetric};
use std::path::PathBuf;

const SEED: u64 = 2024;
const REPS: u64 = 300;
const HORIZON: u32 = 120;

fn params(stockpile_days: f64) -> MaterialParams {
    MaterialParams {
        daily_demand: 10.0,
        demand_cv: 0.1,
        unit_value: 100.0,
        shortage_cost: 1000.0,
        holding_cost_rate: 0.02,
        private_days: 10.0,
        stockpile_days,
        max_release_rate: 1.0,
        refill_rate: 0.1,
        suppliers: vec![SupplierParams {
            share: 1.0,
            lead_time_days: 5,
            surge: 0.1,
            surge_lag_days: 10,
            unit_cost: 100.0,
        }],
        substitution: None,
        reaction: None,
    }
}

fn material(id: &str) -> MaterialInfo {
    MaterialInfo {
        id: id.into(),
        name: id.to_uppercase(),
        unit: "t".into(),
        bucket: None,
        suppliers: vec![SupplierInfo {
            id: "x".into(),
            country: "XX".into(),
            routes: vec![],
        }],
    }
}

/// Two materials (only `ore` is hit), one embargo on day 20 with probability 0.6 and a
/// random duration, two strategies differing in the stockpile of `ore`.
fn scenario() -> Scenario {
    Scenario {
        name: "test".into(),
        description: "report tests".into(),
        horizon_days: HORIZON,
        replications: REPS as u32,
        seed: SEED,
        materials: vec![material("ore"), material("gas")],
        shocks: vec![Shock {
            id: "emb".into(),
            label: "Embargo".into(),
            kind: ShockKind::Embargo,
            onset: Onset::Day {
                day: 20,
                probability: 0.6,
            },
            duration: Dist::uniform(5.0, 60.0).unwrap(),
            severity: Dist::fixed(1.0).unwrap(),
            recovery: Dist::fixed(0.0).unwrap(),
            delay: Dist::fixed(0.0).unwrap(),
            triggers: vec![],
            supply_targets: vec![(0, 0)],
            demand_targets: vec![],
        }],
        shock_order: vec![0],
        strategies: vec![
            Strategy {
                id: "baseline".into(),
                label: "Status quo".into(),
                annual_cost: 0.0,
                overrides: vec![],
                materials: vec![params(0.0), params(0.0)],
            },
            Strategy {
                id: "stock30".into(),
                label: "Stockpile 30 days".into(),
                // 3650 a year over 120 days: 3650 * 120 / 365 = 1200 exactly.
                annual_cost: 3650.0,
                overrides: vec![("material.ore.stockpile_days".into(), "30".into())],
                materials: vec![params(30.0), params(0.0)],
            },
        ],
        reference: 0,
    }
}

fn run_with(threads: usize, reps: std::ops::Range<u64>) -> RunResult {
    let scn = scenario();
    let opts = RunOptions {
        seed: SEED,
        replications: reps,
        daily: true,
        daily_replications: u64::MAX,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| sim::run(&scn, &opts, &NoProgress))
}

fn replications_bytes(scn: &Scenario, res: &RunResult) -> Vec<u8> {
    let mut out = Vec::new();
    write_replications_csv(&mut out, scn, res).unwrap();
    out
}

fn out_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn info() -> RunInfo {
    RunInfo {
        chokepoint_version: chokepoint::report::CHOKEPOINT_VERSION.into(),
        git_commit: None,
        scenario_path: "scenarios/test.toml".into(),
        scenario_sha256: sha256_hex(b"name = \"test\"\n"),
        seed: SEED,
        first_replication: 0,
        replications: REPS,
        threads: 2,
        wall_time_s: 0.5,
        command_line: vec!["chokepoint".into(), "run".into()],
        rand_version: chokepoint::report::RAND_VERSION.into(),
        rand_distr_version: chokepoint::report::RAND_DISTR_VERSION.into(),
        started_at: "2025-01-01T00:00:00Z".into(),
    }
}

#[test]
fn summary_is_consistent_with_rows() {
    let scn = scenario();
    let res = run_with(2, 0..REPS);
    let sum = Summary::from_run(&scn, &res, SEED);
    assert_eq!(sum.replications, REPS);
    assert_eq!(sum.reference, "baseline");
    assert_eq!(sum.strategies.len(), 2);
    for (s, st) in sum.strategies.iter().enumerate() {
        assert_eq!(st.materials.len(), 2);
        // Keys: 2 materials x 13 metrics + 7 totals.
        assert_eq!(st.vs_reference.len(), 2 * 13 + 7);
        let mut min_autonomy = 1.0f64;
        for (m, ms) in st.materials.iter().enumerate() {
            let days = ms.metrics.get("days_short").unwrap();
            // days_short >= 0, so "no shortfall day" is the complement of "> 0".
            assert_relative_eq!(
                ms.autonomy.unwrap(),
                1.0 - days.prob_positive.unwrap(),
                epsilon = 1e-12
            );
            min_autonomy = min_autonomy.min(ms.autonomy.unwrap());
            // Metric order in the map is Metric::ALL.
            let names: Vec<&str> = ms.metrics.iter().map(|(k, _)| k).collect();
            let want: Vec<&str> = Metric::ALL.iter().map(|k| k.name()).collect();
            assert_eq!(names, want);
            // tts share = share of rows where it exists.
            let present = (0..res.n_replications)
                .filter(|&r| !res.row(r, s, m).get(Metric::TtsDays).is_nan())
                .count();
            let tts = ms.metrics.get("tts_days").unwrap();
            assert_eq!(tts.n, present);
            assert_relative_eq!(tts.share.unwrap(), present as f64 / REPS as f64);
        }
        let total = st.total.autonomy.unwrap();
        assert!(total <= min_autonomy + 1e-12);
        // Totals: the mean of per-replication sums equals the sum of the means (up to
        // rounding); total_cost adds the strategy's fixed cost.
        let mean_of = |m: usize, k: Metric| st.materials[m].metrics.get(k.name()).unwrap().mean;
        for tm in TotalMetric::ALL {
            let t = st.total.metrics.get(tm.name()).unwrap().mean.unwrap();
            let fixed = 3650.0 * (s as f64) * 120.0 / 365.0;
            let want = match tm.material_metric() {
                None => fixed,
                Some(k) => {
                    mean_of(0, k).unwrap()
                        + mean_of(1, k).unwrap()
                        + if tm == TotalMetric::TotalCost {
                            fixed
                        } else {
                            0.0
                        }
                }
            };
            assert_relative_eq!(t, want, max_relative = 1e-9, epsilon = 1e-9);
        }
        let sc = st.total.metrics.get("strategy_cost").unwrap();
        assert_eq!(sc.mean, Some(if s == 0 { 0.0 } else { 1200.0 }));
        assert_eq!(sc.se, Some(0.0));
    }
    // The scenario must actually exercise both outcomes, or the checks above are empty.
    let base = &sum.strategies[0];
    let ore = base.material("ore").unwrap();
    assert!(ore.autonomy.unwrap() > 0.2 && ore.autonomy.unwrap() < 0.9);
    // gas is never hit: tts never exists, so its statistics are null, share 0.
    let gas_tts = base
        .material("gas")
        .unwrap()
        .metrics
        .get("tts_days")
        .unwrap();
    assert_eq!(
        (gas_tts.n, gas_tts.share, gas_tts.mean),
        (0, Some(0.0), None)
    );
    // Baseline has no stockpile: stockpile_min_pct is absent everywhere.
    assert_eq!(ore.metrics.get("stockpile_min_pct").unwrap().n, 0);
}

#[test]
fn paired_comparison_follows_model_invariants() {
    let scn = scenario();
    let res = run_with(2, 0..REPS);
    let sum = Summary::from_run(&scn, &res, SEED);
    // The reference compared with itself: every pair tied.
    let base = &sum.strategies[0];
    for (_, p) in base.vs_reference.iter() {
        if p.n > 0 {
            assert_eq!(p.prob_tied, Some(1.0));
            assert_eq!(p.mean_diff, Some(0.0));
        }
    }
    let st = &sum.strategies[1];
    // MODEL.md §8: more stockpile never increases a replication's shortfall.
    let p = st.vs_material("ore", Metric::ShortfallUnits).unwrap();
    assert_eq!(p.prob_worse, Some(0.0));
    assert!(p.prob_better.unwrap() > 0.0);
    assert!(p.mean_diff.unwrap() < 0.0);
    let [lo, hi] = p.ci95.unwrap();
    assert!(lo <= p.mean_diff.unwrap() && p.mean_diff.unwrap() <= hi && hi < 0.0);
    // gas is identical under both strategies (same parameters, same futures): all tied.
    let g = st.vs_material("gas", Metric::TotalCost).unwrap();
    assert_eq!(g.prob_tied, Some(1.0));
    // strategy_cost differs by the fixed 1200 in every replication.
    let c = st.vs_total(TotalMetric::StrategyCost).unwrap();
    assert_eq!((c.mean_diff, c.prob_worse), (Some(1200.0), Some(1.0)));
}

#[test]
fn summary_json_round_trips_and_keeps_metric_order() {
    let scn = scenario();
    let res = run_with(2, 0..REPS);
    let sum = Summary::from_run(&scn, &res, SEED);
    let json = summary_json(&sum);
    assert!(!json.contains("NaN"));
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sum);
    assert_eq!(summary_json(&back), json);
    // Metrics appear in MODEL order, not alphabetically.
    let a = json.find("\"shortfall_units\"").unwrap();
    let b = json.find("\"days_short\"").unwrap();
    let c = json.find("\"total_cost\"").unwrap();
    assert!(a < b && b < c);
    assert!(json.contains("\"ore.shortfall_units\"") && json.contains("\"total.total_cost\""));
    // Absent statistics are null.
    assert!(json.contains("\"mean\": null"));
    // The CSV of the re-read summary is the same.
    assert_eq!(summary_csv(&back), summary_csv(&sum));
}

#[test]
fn csv_files_have_headers_and_row_counts() {
    let scn = scenario();
    let res = run_with(2, 0..REPS);
    let sum = Summary::from_run(&scn, &res, SEED);

    let s_csv = summary_csv(&sum);
    let mut rd = csv::Reader::from_reader(s_csv.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        SUMMARY_CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    // 2 strategies x (2 materials x 13 metrics + 7 totals) = 66.
    assert_eq!(rows.len(), 66);
    // Absent values are empty fields, never NaN.
    assert!(!s_csv.contains("NaN"));
    let gas_tts = rows
        .iter()
        .find(|r| &r[0] == "baseline" && &r[1] == "gas" && &r[2] == "tts_days")
        .unwrap();
    assert_eq!((&gas_tts[3], &gas_tts[5]), ("0", ""));

    let bytes = replications_bytes(&scn, &res);
    let mut rd = csv::Reader::from_reader(&bytes[..]);
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["replication", "strategy", "material"]);
    assert_eq!(header.len(), 3 + 13);
    assert_eq!(header[3..], Metric::ALL.map(|m| m.name().to_string()));
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    // R x S x M.
    assert_eq!(rows.len(), REPS as usize * 2 * 2);
    // Values round-trip exactly; NaN is written as an empty field.
    for (i, rec) in rows.iter().enumerate().step_by(37) {
        let (r, s, m) = (i / 4, (i / 2) % 2, i % 2);
        assert_eq!(rec[0].parse::<usize>().unwrap(), r);
        assert_eq!(&rec[1], scn.strategies[s].id.as_str());
        assert_eq!(&rec[2], scn.materials[m].id.as_str());
        for (k, v) in res.row(r, s, m).0.iter().enumerate() {
            if v.is_nan() {
                assert_eq!(&rec[3 + k], "");
            } else {
                assert_eq!(rec[3 + k].parse::<f64>().unwrap(), *v);
            }
        }
    }

    let dir = out_dir("report_csv_counts");
    let bands = res
        .daily
        .as_ref()
        .map(chokepoint::stats::daily_bands)
        .unwrap_or_default();
    let written = write_run_outputs(&dir, &scn, &res, &sum, &bands, &info()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "summary.json",
            "summary.csv",
            "replications.csv",
            "daily.csv",
            "run.json"
        ]
    );
    let daily = std::fs::read_to_string(dir.join("daily.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(daily.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        DAILY_CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    // S x M x H x 5 series.
    assert_eq!(rows.len(), 2 * 2 * HORIZON as usize * 5);
    // Bands are ordered p5 <= p25 <= p50 <= p75 <= p95.
    for r in &rows {
        let q: Vec<f64> = (4..9).map(|k| r[k].parse().unwrap()).collect();
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{r:?}");
    }
    // Files on disk are the pure renderings, and no temporary file is left.
    assert_eq!(std::fs::read(dir.join("replications.csv")).unwrap(), bytes);
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.csv")).unwrap(),
        s_csv
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("run.json")).unwrap(),
        run_json(&info())
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let back: RunInfo =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(back, info());
}

#[test]
fn outputs_are_identical_across_threads_and_shards() {
    let scn = scenario();
    let one = run_with(1, 0..REPS);
    let three = run_with(3, 0..REPS);
    // Two shards produced in reverse order, merged in replication order.
    let second = run_with(2, 170..REPS);
    let mut merged = run_with(3, 0..170);
    merged.append(second);
    let outs: Vec<(String, Vec<u8>)> = [&one, &three, &merged]
        .iter()
        .map(|res| {
            (
                summary_json(&Summary::from_run(&scn, res, SEED)),
                replications_bytes(&scn, res),
            )
        })
        .collect();
    assert!(outs[0] == outs[1], "1 vs 3 threads differ");
    assert!(outs[0] == outs[2], "whole run vs merged shards differ");
}

#[test]
fn replication_column_is_absolute() {
    let scn = scenario();
    let res = run_with(2, 100..110);
    let bytes = replications_bytes(&scn, &res);
    let mut rd = csv::Reader::from_reader(&bytes[..]);
    let first: Vec<u64> = rd
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(first.len(), 10 * 4);
    assert_eq!((first[0], first[first.len() - 1]), (100, 109));
}

#[test]
fn terminal_table_lists_strategies_and_materials() {
    let scn = scenario();
    let res = run_with(2, 0..REPS);
    let sum = Summary::from_run(&scn, &res, SEED);
    let t = terminal_table(&sum);
    let lines: Vec<&str> = t.lines().collect();
    // Header, rule, 2 x (1 strategy + 2 materials), legend.
    assert_eq!(lines.len(), 2 + 2 * 3 + 1, "{t}");
    assert!(lines[0].starts_with("strategy / material"));
    assert!(lines[2].starts_with("baseline (reference)"));
    assert!(lines[3].starts_with("  ore"));
    assert!(lines[5].starts_with("stock30"));
    // The stockpile strategy shows a paired cost difference with an interval.
    assert!(lines[5].contains('[') && lines[6].contains('['), "{t}");
    // Columns are aligned: the autonomy column ends at the same place on every row.
    let col_end = |l: &str| l.find('%').map(|i| i + 1);
    assert_eq!(col_end(lines[2]), col_end(lines[5]));
}

#[test]
fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
    let dir = out_dir("report_atomic").join("nested");
    let path = dir.join("out.txt");
    write_atomic(&path, b"old content").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"old content");
    write_atomic(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    // A writer that fails halfway leaves the previous file intact and no temp file.
    let err = write_atomic_with(&path, |w| {
        w.write_all(b"partial")?;
        Err(std::io::Error::other("disk full"))
    })
    .unwrap_err();
    assert!(err.to_string().contains(".out.txt.tmp"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["out.txt"]);
}
