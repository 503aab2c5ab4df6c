//! The `run` command end to end, as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

fn chokepoint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

const SCN: &str = "tests/data/stability.toml";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn run_writes_every_output_and_is_quiet_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = chokepoint(&[
        "run",
        SCN,
        "-n",
        "120",
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "--quiet printed something"
    );
    for f in [
        "summary.json",
        "summary.csv",
        "replications.csv",
        "daily.csv",
        "run.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No temporary files are left behind.
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "left {name}");
    }
    let run: serde_json::Value = serde_json::from_str(&read(&out.join("run.json"))).unwrap();
    assert_eq!(run["seed"], 9);
    assert_eq!(run["replications"], 120);
    // A run that left nothing out has no notes (run.json as before).
    assert!(run.get("notes").is_none(), "{run}");
    let bytes = std::fs::read(scn_path()).unwrap();
    assert_eq!(
        run["scenario_sha256"],
        chokepoint::report::sha256_hex(&bytes)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(summary["replications"], 120);
    assert!(
        summary["strategies"][0]["materials"][0]["metrics"]["shortfall_pct"]["p95"].is_number()
    );
    // replications.csv: header + replications × strategies × materials rows.
    let n_rows = read(&out.join("replications.csv")).lines().count();
    let s = summary["strategies"].as_array().unwrap().len();
    let m = summary["strategies"][0]["materials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n_rows, 1 + 120 * s * m);
}

fn scn_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SCN)
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for (out, t) in [(&a, "1"), (&b, "2")] {
        let o = chokepoint(&[
            "run",
            SCN,
            "-n",
            "150",
            "--threads",
            t,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success());
    }
    for f in [
        "summary.json",
        "summary.csv",
        "replications.csv",
        "daily.csv",
    ] {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn the_terminal_table_names_every_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let o = chokepoint(&[
        "run",
        SCN,
        "-n",
        "60",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for id in [
        "baseline",
        "stockpile_180",
        "diversify",
        "continuous_effort",
        "chip_substitution",
    ] {
        assert!(text.contains(id), "table lacks {id}:\n{text}");
    }
    assert!(text.contains("60 futures"), "{text}");
}

#[test]
fn an_invalid_scenario_exits_2_with_located_problems_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let src = read(&scn_path()).replace("horizon_days = 730", "horizon_days = 0");
    std::fs::write(&bad, src).unwrap();
    let out = dir.path().join("o");
    let o = chokepoint(&["run", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("horizon_days"), "{err}");
    assert!(err.contains("bad.toml"), "{err}");
    assert!(!out.exists(), "an invalid run wrote output");
}

#[test]
fn usage_errors_exit_2() {
    let o = chokepoint(&["run", SCN, "--replications", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = chokepoint(&["run", "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/file.toml"));
}

#[test]
fn the_flagship_runs_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = chokepoint(&[
        "run",
        "-n",
        "40",
        "--out",
        dir.path().to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("summary.json").is_file());
}

#[test]
fn warnings_are_shown_without_failing_and_money_carries_the_currency() {
    // A dormant supplier with surge from the default (MODEL.md §3, v1.1) is a warning:
    // `validate` and `run` print it and still succeed. The scenario's currency labels
    // money in the terminal table, the report and the charts.
    let src = read(&scn_path())
        .replace(
            "surge = 0.0                  # and no output until then",
            "# surge from the default",
        )
        .replace("currency = \"USD\"", "currency = \"JPY\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warn.toml");
    std::fs::write(&file, src).unwrap();
    let f = file.to_str().unwrap();
    let o = chokepoint(&["validate", f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: material.ndpr.supplier.us.surge: supplier `us` is dormant"),
        "{err}"
    );
    let out = dir.path().join("o");
    let o = chokepoint(&[
        "run",
        f,
        "-n",
        "60",
        "--format",
        "svg",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: material.ndpr.supplier.us.surge"),
        "{err}"
    );
    assert!(text.contains("expected cost, JPY"), "{text}");
    assert!(text.contains("Money in JPY"), "{text}");
    assert!(!text.contains("(money)"), "{text}");
    let html = read(&out.join("report.html"));
    assert!(html.contains("Annual cost, JPY"), "report");
    assert!(html.contains("Money in JPY"), "report");
    let chart = read(&out.join("charts/cost_risk.svg"));
    assert!(chart.contains("JPY"), "cost_risk chart");
    assert!(!chart.contains("(money)"), "cost_risk chart");
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(summary["currency"], "JPY");
    // --quiet prints nothing, warnings included.
    let o = chokepoint(&[
        "run",
        f,
        "-n",
        "20",
        "--no-charts",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success() && o.stderr.is_empty() && o.stdout.is_empty());
}

#[test]
fn recovery_is_conditional_and_shown_with_its_count_everywhere() {
    // recovery_days exists only in futures with a shortfall (MODEL.md §5, v1.1): the
    // terminal shows its median with n, summary.json's n is the number of futures with
    // a shortfall, replications.csv leaves it empty elsewhere, the report gives n and the
    // unconditional shares over 30/90/180 days, and the durations chart says so.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = chokepoint(&[
        "run",
        SCN,
        "-n",
        "200",
        "--format",
        "svg",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    let base = &summary["strategies"][0];
    let mut rd = csv::Reader::from_path(out.join("replications.csv")).unwrap();
    let header = rd.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (cs, cm, cd, cr) = (
        col("strategy"),
        col("material"),
        col("days_short"),
        col("recovery_days"),
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    for m in base["materials"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        let mine: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|r| &r[cs] == "baseline" && &r[cm] == id)
            .collect();
        let short = mine.iter().filter(|r| &r[cd] != "0.0").count();
        // Empty exactly where there was no shortfall.
        for r in &mine {
            assert_eq!(r[cr].is_empty(), &r[cd] == "0.0");
        }
        let rec = &m["metrics"]["recovery_days"];
        assert_eq!(rec["n"], short);
        assert!(short > 0, "{id}: the test needs futures with a shortfall");
        let p50 = rec["p50"].as_f64().unwrap();
        assert!(
            text.contains(&format!("{p50:.0} (n={short})")),
            "{id}: {p50:.0} (n={short}) not in\n{text}"
        );
        let over = m["metrics"]["recovery_over_90_days"]["mean"]
            .as_f64()
            .unwrap();
        let by_hand = mine
            .iter()
            .filter(|r| r[cr].parse::<f64>().is_ok_and(|v| v > 90.0))
            .count() as f64
            / 200.0;
        assert_eq!(over, by_hand);
    }
    let html = read(&out.join("report.html"));
    assert!(html.contains("Recovery longer than 30 / 90 / 180 days"));
    assert!(html.contains("(n = "));
    let chart = read(&out.join("charts/durations.svg"));
    assert!(chart.contains("Conditional"), "durations chart");
    assert!(chart.contains("n = "), "durations chart");
}

/// Above the spill threshold, `run` keeps the replications in a spill file inside its
/// staging folder instead of memory: every output byte is the same as in memory (the
/// charts and report too; run.json differs only in its wall time, start time and
/// command line), and no spill file or staging folder is left behind, neither after
/// success nor after a failure while the outputs are written.
#[test]
fn a_spilled_run_writes_the_same_bytes_and_leaves_no_spill_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str], fault: bool| {
        let out = dir.path().join(name);
        let mut args = vec![
            "run",
            SCN,
            "-n",
            "150",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--format",
            "svg",
        ];
        args.extend_from_slice(extra);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chokepoint"));
        cmd.args(&args).current_dir(env!("CARGO_MANIFEST_DIR"));
        if fault {
            cmd.env(chokepoint_run_fault_env(), "1");
        }
        (out, cmd.output().expect("binary runs"))
    };
    let (mem, o) = run("mem", &[], false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // 150 replications above a threshold of 40: spilled, in 1 block, which as the run's
    // last stays in memory (the spill file holds none).
    let (spilled, o) = run("spilled", &["--spill-above", "40"], false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&mem)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.contains(&"replications.csv".to_string()));
    for f in files
        .iter()
        .filter(|f| *f != "run.json" && *f != "charts" && *f != "report.html")
    {
        assert!(
            std::fs::read(mem.join(f)).unwrap() == std::fs::read(spilled.join(f)).unwrap(),
            "{f} differs when spilled"
        );
    }
    for c in std::fs::read_dir(mem.join("charts")).unwrap() {
        let name = c.unwrap().file_name();
        assert!(
            std::fs::read(mem.join("charts").join(&name)).unwrap()
                == std::fs::read(spilled.join("charts").join(&name)).unwrap(),
            "chart {name:?} differs when spilled"
        );
    }
    // Every hidden file or folder under the temporary folder: the spill file
    // (`.replications.spill`) and staging folders (`.NAME.staging-ID`) are hidden.
    let leftovers = |d: &Path| -> Vec<String> {
        let mut found = Vec::new();
        let mut todo = vec![d.to_path_buf()];
        while let Some(p) = todo.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let e = e.unwrap();
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with('.') {
                    found.push(n);
                }
                if e.file_type().unwrap().is_dir() {
                    todo.push(e.path());
                }
            }
        }
        found
    };
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    // A failure after the simulation (a panic injected while the outputs are written,
    // which the panic hook turns into exit 70) leaves no spill file and no staging.
    let (_, o) = run("failed", &["--spill-above", "40"], true);
    assert_eq!(
        o.status.code(),
        Some(70),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

/// The fault-injection variable that makes `run` panic while it writes its outputs
/// (`cli::run::FAULT_PANIC_ENV` in the binary).
fn chokepoint_run_fault_env() -> &'static str {
    "CHOKEPOINT_FAULT_PANIC"
}

/// A run into the folder of an earlier run replaces that run wholly: with
/// `--replications-format none` the earlier `replications.csv` is gone (the staging
/// folder carries over other entries of the old folder, never an earlier run's data
/// file that this run does not write), and the manifest in run.json matches the folder.
#[test]
fn a_run_leaves_no_data_file_of_the_earlier_run_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            SCN,
            "-n",
            "40",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-charts",
        ];
        args.extend_from_slice(extra);
        let o = chokepoint(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&[]);
    assert!(out.join("replications.csv").is_file());
    std::fs::write(out.join("notes.txt"), "the analyst's own file").unwrap();
    run(&["--replications-format", "none"]);
    assert!(
        !out.join("replications.csv").exists(),
        "the earlier run's replications.csv was carried over"
    );
    assert!(out.join("summary.json").is_file());
    // A file that is no run's output stays, as when files were written in place.
    assert_eq!(read(&out.join("notes.txt")), "the analyst's own file");
}

/// A run into a folder that holds an earlier run says, up front, that it replaces it
/// (and which files); the first run into a fresh folder says nothing of the kind.
#[test]
fn run_says_when_it_replaces_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let args = [
        "run",
        SCN,
        "-n",
        "20",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = chokepoint(&args);
    assert!(first.status.success());
    assert!(!String::from_utf8_lossy(&first.stderr).contains("earlier"));
    let again = chokepoint(&args);
    assert!(again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already holds an earlier run") && err.contains("summary.json"),
        "no note of the replaced run: {err}"
    );
}

/// Daily bands turned off above their size limit (docs/limits.md: histograms of
/// strategies × materials × horizon × threads above 2 GB) are recorded: `run.json` holds
/// the note, the terminal and `report.html` say so, and no `daily.csv` is written. The
/// tutorial at 36,500 days takes 10 cells × 36,512 days (whole groups of 16) × 5,316
/// bytes (`limits::daily_hist_bytes`) ≈ 1.94 GB per thread, so 2 threads are over the
/// limit.
#[test]
fn daily_bands_turned_off_are_noted_in_run_json_terminal_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let src = read(Path::new(&format!(
        "{}/scenarios/tutorial.toml",
        env!("CARGO_MANIFEST_DIR")
    )));
    let long = src.replacen("horizon_days = 730", "horizon_days = 36500", 1);
    assert_ne!(long, src);
    let file = dir.path().join("long.toml");
    std::fs::write(&file, long).unwrap();
    let out = dir.path().join("o");
    let o = chokepoint(&[
        "run",
        file.to_str().unwrap(),
        "-n",
        "4",
        "-j",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("Note: daily bands off"), "{stdout}");
    assert!(!out.join("daily.csv").exists());
    let run: serde_json::Value = serde_json::from_str(&read(&out.join("run.json"))).unwrap();
    let notes = run["notes"].as_array().expect("run.json has notes");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].as_str().unwrap().starts_with("daily bands off"),
        "{notes:?}"
    );
    assert!(read(&out.join("report.html")).contains("Note: daily bands off"));
}
