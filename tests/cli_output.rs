//! What the commands print: the run's terminal table fits 100 columns (`--wide` prints
//! the full one), and an analysis written into a folder that holds an earlier analysis
//! says on stderr, in one line, what it replaces.

use std::process::{Command, Output};

const SCN: &str = "tests/data/long_labels.toml";

fn chokepoint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .output()
        .expect("runs")
}

fn longest_line(text: &str) -> (usize, String) {
    text.lines()
        .map(|l| (l.chars().count(), l.to_string()))
        .max()
        .unwrap_or_default()
}

#[test]
fn the_run_table_fits_100_columns_and_wide_prints_the_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = chokepoint(&["run", SCN, "-n", "60", "--no-charts", "--out", out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    // Every line but the one naming the (temporary) output folder.
    let table: String = text
        .lines()
        .filter(|l| !l.starts_with("Written to"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (w, line) = longest_line(&table);
    assert!(w <= 100, "a line of {w} columns:\n{line}\n\n{text}");
    // Nothing is lost: every strategy, both tables' columns and the legend.
    for id in [
        "baseline (reference)",
        "stockpile_120",
        "chip_substitution",
        "everything",
        "expected cost, USD",
        "cost vs ref, USD [95% CI]",
        "shortfall % vs ref [95% CI]",
        "Money in USD",
    ] {
        assert!(text.contains(id), "lacks {id:?}:\n{text}");
    }

    let o = chokepoint(&[
        "run",
        SCN,
        "-n",
        "60",
        "--no-charts",
        "--wide",
        "--out",
        out,
    ]);
    assert!(o.status.success());
    let wide = String::from_utf8_lossy(&o.stdout);
    let header = wide
        .lines()
        .find(|l| l.starts_with("strategy / material"))
        .expect("header");
    assert!(
        header.contains("expected cost") && header.contains("shortfall % vs ref"),
        "--wide has every column on one line: {header}"
    );
    assert!(longest_line(&wide).0 > 100, "{wide}");
}

#[test]
fn an_analysis_says_what_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("exp");
    let exp = exp.to_str().unwrap();
    let o = chokepoint(&["exposure", SCN, "-q", "-o", exp]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("note:"),
        "a new folder replaces nothing: {err}"
    );

    let o = chokepoint(&["exposure", SCN, "-q", "-o", exp]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(
        notes[0].contains("earlier exposure analysis")
            && notes[0].contains("replacing exposure.csv, exposure.json, report.html, charts/"),
        "{err}"
    );

    // An analysis into a run's folder replaces its report.html and names what stays.
    let run = dir.path().join("run");
    let run = run.to_str().unwrap();
    let o = chokepoint(&["run", SCN, "-n", "30", "-q", "-o", run]);
    assert!(o.status.success());
    let o = chokepoint(&["exposure", SCN, "-q", "-o", run]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "earlier run analysis; replacing report.html, charts/ (the run data files stay)"
        ),
        "{err}"
    );
}
