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
