//! The reader side of the sector layer (issue 12) through the binary: `chokepoint report
//! DIR` re-renders a run with sectors into the same charts and report (the GDP-at-risk
//! exceedance chart and the 1-in-20 loss read `replications.csv`'s
//! `strategy_value_added_lost`); the terminal's sector tables fit 100 columns; `sweep`
//! takes sector metrics and targets (`p95(value_added_lost)`) and writes sector rows.

use std::process::Output;

mod common;
use common::cli::listing;

/// `chokepoint ARGS`, which must exit 0 or 1 (a target not met).
fn chokepoint(args: &[&str]) -> Output {
    let o = common::cli::chokepoint(args);
    common::cli::exited(&o, &[0, 1]);
    o
}

const FLAGSHIP: &str = "scenarios/rare_earth_magnets.toml";

#[test]
fn report_dir_gives_the_runs_sector_charts_and_page() {
    // The flagship, small: `run` writes its charts from the futures in memory; `report`
    // re-renders them from the saved files alone. Every chart (the GDP-at-risk exceedance
    // among them) and report.html (its 1-in-20 loss with an interval) must be the same
    // bytes.
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let out = chokepoint(&["run", FLAGSHIP, "-n", "300", "-o", full.to_str().unwrap()]);
    let files = listing(&full);
    assert!(
        files
            .iter()
            .any(|f| f == "charts/gdp_at_risk_exceedance.svg"),
        "{files:?}"
    );
    let again = tmp.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    for f in &files {
        if !f.starts_with("charts/") && f != "report.html" {
            std::fs::copy(full.join(f), again.join(f)).unwrap();
        }
    }
    chokepoint(&["report", again.to_str().unwrap(), "-q"]);
    assert_eq!(listing(&again), files);
    for f in files.iter().filter(|f| f.starts_with("charts/")) {
        assert!(
            std::fs::read(full.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs after `chokepoint report`"
        );
    }
    let html = std::fs::read_to_string(again.join("report.html")).unwrap();
    assert!(
        std::fs::read_to_string(full.join("report.html")).unwrap() == html,
        "report.html differs after `chokepoint report`"
    );
    assert!(
        html.contains("1 future in 20 loses more than"),
        "no 1-in-20 loss"
    );

    // The terminal's sector tables fit 100 columns (the sector block and the value added
    // protected table, from their titles to the blank line after them).
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut inside = false;
    let mut seen = 0;
    for line in stdout.lines() {
        if line.starts_with("Sectors:") || line.starts_with("Value added protected") {
            inside = true;
            seen += 1;
        } else if line.trim().is_empty() {
            inside = false;
        }
        if inside {
            assert!(
                line.chars().count() <= 100,
                "{} columns: {line:?}\n{stdout}",
                line.chars().count()
            );
        }
    }
    assert_eq!(seen, 2, "{stdout}");
}

#[test]
fn sweep_takes_sector_metrics_and_targets() {
    // photoresist_2019: one sector (Korean chip output) fed by both materials. Private
    // stock of HF varies over 30, 60, 90 days (30 is the scenario's own value); the chart
    // reads the GDP at risk (`value_added_lost` of the totals) against a target on its
    // P95.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let scn = "scenarios/photoresist_2019.toml";
    // `sweep` of HF's private stock over 30, 60, 90 days, with `extra`.
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            scn,
            "--vary",
            "material.hf.private_days=30..90:3",
            "--strategy",
            "baseline,local_hf",
            "-n",
            "200",
            "-o",
            dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        chokepoint(&args)
    };
    let out = sweep(&[
        "--metric",
        "value_added_lost",
        "--target",
        "p95(value_added_lost) <= 1e12",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("sector.chips"), "{stdout}");
    assert!(stdout.contains("value_added_lost_mean"), "{stdout}");
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let head = rd.headers().unwrap().clone();
    let col = |n: &str| {
        head.iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("no {n}"))
    };
    let (cp, cs, cm) = (col("point"), col("strategy"), col("material"));
    let (cva, cop, ctts) = (
        col("value_added_lost_mean"),
        col("output_lost_pct_p95"),
        col("tts_days_mean"),
    );
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    // Per point and strategy: resist, hf, sector.chips, total.
    assert_eq!(recs.len(), 3 * 2 * 4);
    let mats: Vec<&str> = recs[..4].iter().map(|r| &r[cm]).collect();
    assert_eq!(mats, ["resist", "hf", "sector.chips", "total"]);
    for r in &recs {
        let has = |c: usize| !r[c].is_empty();
        match &r[cm] {
            // Sector metrics on the sector's rows; the GDP at risk on the totals'.
            "sector.chips" => assert!(has(cva) && has(cop), "{r:?}"),
            "total" => assert!(has(cva) && !has(cop) && !has(ctts), "{r:?}"),
            _ => assert!(!has(cva) && !has(cop), "{r:?}"),
        }
    }
    // One sector: its value added lost is the GDP at risk, future by future, so the
    // two rows' means are the same number.
    for pair in recs.chunks(4) {
        assert_eq!(&pair[2][cva], &pair[3][cva], "{pair:?}");
    }
    // At the scenario's own value (point 0) the GDP at risk is the run's (same seed,
    // same futures): summary.json's sector_total value_added_lost mean.
    let run = tmp.path().join("run");
    chokepoint(&[
        "run",
        scn,
        "-n",
        "200",
        "--no-charts",
        "-q",
        "-o",
        run.to_str().unwrap(),
    ]);
    let sum: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let base = sum["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "baseline")
        .unwrap();
    let want = base["sector_total"]["metrics"]["value_added_lost"]["mean"]
        .as_f64()
        .unwrap();
    let got: f64 = recs
        .iter()
        .find(|r| &r[cp] == "0" && &r[cs] == "baseline" && &r[cm] == "total")
        .unwrap()[cva]
        .parse()
        .unwrap();
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "sweep {got} vs run {want}"
    );
    // The sector is chartable by name too, with its own metric.
    sweep(&[
        "--material",
        "sector.chips",
        "--metric",
        "output_lost_pct",
        "--target",
        "mean(output_lost_pct) <= 5",
        "-q",
    ]);
    assert!(dir.join("charts/sweep.svg").exists() || dir.join("charts/sweep.png").exists());
}
