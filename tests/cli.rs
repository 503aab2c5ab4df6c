//! The `chokepoint` binary: `validate` exit codes and messages, `schema` output.

mod common;
use common::cli::{bin, edit};

#[test]
fn validate_accepts_the_tutorial() {
    let out = bin()
        .args(["validate", "scenarios/tutorial.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cn_embargo [embargo]"), "{text}");
    assert!(text.contains("≈"), "{text}");
    assert!(text.contains("baseline (reference)"), "{text}");
}

#[test]
fn validate_reports_three_problems_with_exit_2() {
    let bad = edit(
        &common::cli::read("scenarios/tutorial.toml"),
        &[
            (
                "share = 0.2                  # assumption (Lynas offtake)",
                "share = 0.15",
            ),
            ("lead_time_days = 45", "lead_tme_days = 45"),
            ("p90 = 240", "p90 = 50"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, bad).unwrap();
    let out = bin()
        .args(["validate", "scenarios/tutorial.toml"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 problems"), "{err}");
    assert!(err.contains("sum to 0.95"), "{err}");
    assert!(err.contains("unknown field `lead_tme_days`"), "{err}");
    assert!(err.contains("must be greater than `median`"), "{err}");
}

#[test]
fn validate_missing_file_is_bad_input() {
    let out = bin()
        .args(["validate", "no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the file"));
}

#[test]
fn schema_prints_json() {
    let out = bin().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(v["definitions"]["Distribution"]["oneOf"].is_array());
}

#[test]
fn the_shipped_schema_file_matches_the_schema_command() {
    // docs/scenario.schema.json is what scenario files point editors at; regenerate it
    // with `chokepoint schema > docs/scenario.schema.json` when the format changes.
    let out = bin()
        .arg("schema")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.schema.json"),
    )
    .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == shipped,
        "docs/scenario.schema.json is stale: run `chokepoint schema > docs/scenario.schema.json`"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["validate", "schema", "run"] {
        let out = bin().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Example"),
            "{cmd} --help has no example:\n{text}"
        );
    }
}

#[test]
fn a_closed_stdout_does_not_make_it_panic() {
    // `chokepoint validate scenarios/*.toml | head -1`: the reader goes away early.
    use std::io::Read;
    let files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    // Far more output than a pipe buffers (64 KiB), so writing must hit the closed pipe.
    let files: Vec<String> = (0..40).flat_map(|_| files.clone()).collect();
    let mut child = bin()
        .arg("validate")
        .args(&files)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout is dropped (closed) here, before the command has printed everything.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn validate_estimates_expected_onsets_from_sampled_timelines() {
    // tutorial.toml's cn_licensing happens on day 180 with probability 0.3, so its
    // expected number of onsets is 0.3; the estimate from 4000 timelines has standard
    // error sqrt(0.3 * 0.7 / 4000) ≈ 0.0072, and the text has two decimals: allow 0.03.
    let out = bin()
        .args(["validate", "scenarios/tutorial.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("cn_licensing ["))
        .unwrap_or_else(|| panic!("no cn_licensing line:\n{text}"));
    let est: f64 = line
        .split('≈')
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no estimate in {line}"));
    assert!((est - 0.3).abs() <= 0.03, "{line}");
    // A shock that only starts when triggered still gets its expected count.
    assert!(text.contains("only when triggered; ≈"), "{text}");
}

/// Inputs that can only overflow (issue 16): a number beyond the 1e18 bound of
/// `docs/limits.md` is refused at validation, exit 2, by `validate` and by `run`, with
/// the parameter path, the bound and what to do, and nothing is written. Before the
/// bound, `holding_cost_rate = 1.7976931348623157e308` validated and was caught only
/// after the whole run by the finite-output check.
#[test]
fn inputs_that_can_only_overflow_are_refused_at_validation() {
    let src = std::fs::read_to_string("scenarios/tutorial.toml").unwrap();
    let bad = src
        .replacen(
            "unit_value = 60000.0",
            "unit_value = 60000.0\nholding_cost_rate = 1.7976931348623157e308",
            1,
        )
        .replacen("annual_demand = 5000.0", "annual_demand = 2e18", 1);
    assert_ne!(bad, src);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, &bad).unwrap();
    let out_dir = dir.path().join("out");
    for args in [
        vec!["validate", file.to_str().unwrap()],
        vec![
            "run",
            file.to_str().unwrap(),
            "-n",
            "10",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    ] {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for want in [
            "material.ndpr.holding_cost_rate",
            "material.ndpr.annual_demand",
            "must be <= 1e18",
            "can only overflow",
            "check the units",
        ] {
            assert!(err.contains(want), "{args:?}: no {want:?} in {err}");
        }
    }
    assert!(!out_dir.exists(), "a refused run wrote its folder");
}
