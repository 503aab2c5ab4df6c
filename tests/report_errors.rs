//! Every error path of `chokepoint report OUT_DIR` (src/cli/report.rs and
//! src/report/saved.rs): a folder that is missing or not a folder, each saved file
//! missing or garbled, files that do not match each other, and a folder that cannot be
//! written. Each case checks the exit code (2 for bad input, 1 when writing fails), the
//! message (which file, what is wrong, what to do) and that nothing was written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const SCENARIO: &str = r#"
name = "report errors"
horizon_days = 120
replications = 10
seed = 5

[[material]]
id = "m"
annual_demand = 3650.0
unit_value = 10.0
shortage_cost = 100.0
private_days = 5
stockpile_days = 5

[[material.supplier]]
id = "a"
share = 1.0
lead_time_days = 5

[[shock]]
id = "cut"
kind = "embargo"
targets = { suppliers = ["m.a"] }
onset = { day = 20 }
duration_days = 30

[[strategy]]
id = "base"

[[strategy]]
id = "stock"
set = { "material.m.stockpile_days" = 40 }
"#;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chokepoint"))
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "chokepoint-report-errors-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One run's output folder, made once per test process.
fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("run");
        let scn = d.join("s.toml");
        std::fs::write(&scn, SCENARIO).unwrap();
        let out = d.join("out");
        let o = bin()
            .arg("run")
            .arg(&scn)
            .args(["--quiet", "--no-charts", "--threads", "1", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

/// A copy of the run's saved files (no charts, no report.html) in a fresh folder.
fn copy(tag: &str) -> PathBuf {
    let d = tmp(tag);
    for f in [
        "summary.json",
        "replications.csv",
        "daily.csv",
        "run.json",
        "scenario.toml",
    ] {
        std::fs::copy(run_dir().join(f), d.join(f)).unwrap();
    }
    d
}

fn report(dir: &Path) -> Output {
    bin()
        .arg("report")
        .arg(dir)
        .arg("--quiet")
        .output()
        .unwrap()
}

/// Runs `report` on `dir` and checks the exit code, that stderr holds every needle,
/// and that no report.html was written.
fn fails(dir: &Path, code: i32, needles: &[&str]) {
    let o = report(dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{}: {err}", dir.display());
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(
        !dir.join("report.html").exists(),
        "a failed report must write nothing"
    );
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let t = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(t)).unwrap();
}

/// Rewrites one field of replications.csv (data row `row`, column `col`).
fn edit_csv_field(path: &Path, row: usize, col: &str, value: &str) {
    edit(path, |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let k = lines[0].split(',').position(|c| c == col).unwrap();
        let mut f: Vec<String> = lines[row + 1].split(',').map(String::from).collect();
        f[k] = value.to_string();
        lines[row + 1] = f.join(",");
        lines.join("\n") + "\n"
    });
}

#[test]
fn the_saved_files_render_and_daily_csv_is_optional() {
    // The baseline every error case departs from: a good copy renders (exit 0).
    let d = copy("ok");
    let o = report(&d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(d.join("report.html").exists());
    // Runs without daily bands save no daily.csv: still fine.
    let d = copy("nodaily");
    std::fs::remove_file(d.join("daily.csv")).unwrap();
    let o = report(&d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_missing_folder_or_a_file_is_refused() {
    let d = tmp("missing").join("nope");
    fails(
        &d,
        2,
        &["does not exist", "output folder of a `chokepoint run`"],
    );
    let f = tmp("file").join("a-file");
    std::fs::write(&f, "x").unwrap();
    let o = report(&f);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a folder"));
    // An empty folder: the first file it needs is named.
    fails(
        &tmp("empty"),
        2,
        &[
            "could not read",
            "summary.json",
            "output folder of a `chokepoint run`",
        ],
    );
}

#[test]
fn each_missing_file_is_named() {
    for f in [
        "summary.json",
        "run.json",
        "scenario.toml",
        "replications.csv",
    ] {
        let d = copy(&format!("missing-{f}"));
        std::fs::remove_file(d.join(f)).unwrap();
        fails(&d, 2, &["could not read", f, "is this the output folder"]);
    }
}

#[test]
fn each_garbled_file_is_named() {
    for (f, junk) in [
        ("summary.json", "{ not json"),
        ("run.json", "[1, 2"),
        ("scenario.toml", "name = \"x\"\n[[material]\n"),
        ("replications.csv", "a,b\n1,2,3\n"),
    ] {
        let d = copy(&format!("garbled-{f}"));
        std::fs::write(d.join(f), junk).unwrap();
        fails(&d, 2, &[f, "is not a valid output of `chokepoint run`"]);
    }
}

#[test]
fn files_that_disagree_are_refused() {
    // The scenario copy names other strategies than the summary.
    let d = copy("strategies");
    edit(&d.join("scenario.toml"), |t| {
        t.replace("id = \"stock\"", "id = \"stockpile\"")
    });
    fails(
        &d,
        2,
        &[
            "scenario.toml",
            "strategies or materials differ from summary.json's",
        ],
    );
    // The summary's reference strategy is not one of its strategies.
    let d = copy("reference");
    edit(&d.join("summary.json"), |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
        v["reference"] = "nobody".into();
        serde_json::to_string(&v).unwrap()
    });
    fails(&d, 2, &["summary.json", "reference strategy not listed"]);
}

#[test]
fn bad_rows_of_the_csv_files_are_refused() {
    // A column the charts read is missing.
    let d = copy("nocolumn");
    edit(&d.join("replications.csv"), |t| {
        t.replacen(",shortfall_pct,", ",shortfall_pcx,", 1)
    });
    fails(&d, 2, &["replications.csv", "no column 'shortfall_pct'"]);
    // A row names a strategy the summary does not have.
    let d = copy("ghost");
    edit_csv_field(&d.join("replications.csv"), 0, "strategy", "ghost");
    fails(&d, 2, &["replications.csv", "unknown strategy or material"]);
    // A value is not a number.
    let d = copy("nan");
    edit_csv_field(&d.join("replications.csv"), 1, "shortfall_pct", "lots");
    fails(&d, 2, &["replications.csv", "'lots'"]);
    // daily.csv: a stock row of an unknown strategy, and a band that is not a number.
    let d = copy("dailyrow");
    edit(&d.join("daily.csv"), |t| {
        t + "ghost,m,0,total_stock,1,2,3,4,5\n"
    });
    fails(&d, 2, &["daily.csv", "bad row"]);
    let d = copy("dailynum");
    edit(&d.join("daily.csv"), |t| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let k = lines
            .iter()
            .position(|l| l.split(',').nth(3) == Some("total_stock"))
            .unwrap();
        let mut f: Vec<&str> = lines[k].split(',').collect();
        f[4] = "many";
        lines[k] = f.join(",");
        lines.join("\n") + "\n"
    });
    fails(&d, 2, &["daily.csv", "'many'"]);
}

#[test]
fn a_file_in_the_way_of_the_charts_is_replaced_and_a_bad_format_exits_2() {
    // `charts` is a file where the chart folder goes. The report is written into a
    // staging folder and swapped in whole (docs/storage.md), so the chart folder takes
    // the place of the stray file, as the run that made the folder would have done.
    let d = copy("in_the_way");
    std::fs::write(d.join("charts"), "in the way").unwrap();
    let o = report(&d);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        d.join("charts").is_dir(),
        "the charts folder is not in place"
    );
    assert!(d.join("report.html").is_file());
    // A bad --format is a usage error.
    let o = bin()
        .arg("report")
        .arg(copy("format"))
        .args(["--format", "bmp"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bmp"));
}

/// `report --pdf` with no browser: a clear error that says how to install one, exit code
/// 1, and no file of the folder touched (the browser is looked for before rendering).
#[test]
fn report_pdf_without_a_browser_says_how_to_install_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("run");
    let st = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args([
            "run",
            "scenarios/tutorial.toml",
            "-n",
            "20",
            "-q",
            "--format",
            "svg",
        ])
        .arg("--out")
        .arg(&d)
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(d.join("report.html")).unwrap();
    let missing = dir.path().join("no-such-browser");
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["report", d.to_str().unwrap(), "--pdf"])
        .env("CHOKEPOINT_CHROMIUM", &missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in [
        "no Chromium found",
        "apt-get install chromium",
        "CHOKEPOINT_CHROMIUM",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    }
    assert!(!d.join("report.pdf").exists());
    assert_eq!(std::fs::read(d.join("report.html")).unwrap(), before);
}

/// `run --pdf` with no browser: the same error, exit code 1, before anything is simulated
/// or written (no output folder appears); `--pdf` with `--no-charts` is refused as bad
/// input (there is no report.html to print).
#[test]
fn run_pdf_without_a_browser_fails_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("run");
    let missing = dir.path().join("no-such-browser");
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["run", "scenarios/tutorial.toml", "-n", "20", "--pdf"])
        .arg("--out")
        .arg(&d)
        .env("CHOKEPOINT_CHROMIUM", &missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in ["no Chromium found", "apt-get install chromium"] {
        assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    }
    assert!(!d.exists(), "nothing written");
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args([
            "run",
            "scenarios/tutorial.toml",
            "-n",
            "20",
            "--pdf",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.exists(), "nothing written");
}
