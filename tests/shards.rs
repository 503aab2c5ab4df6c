//! Shards and `merge` through the binary (issue 11, items 1, 2 and 6; docs/storage.md
//! §5): a run split into N = 1, 2, 3, 7 shards of uneven sizes merges into the unsplit
//! run's bytes; `merge` refuses, with exit code 2 and nothing written, shards of other
//! runs or partitions, missing, duplicated, unfinished, truncated or damaged ones; a
//! killed shard is never taken for a finished one and re-running it finishes it;
//! `sweep --shard`, `sensitivity --shard` (one at a time and Sobol) and `size --shard`
//! (its scan), then a final call without `--shard`, give the unsplit analysis's bytes.

use std::path::{Path, PathBuf};
use std::process::Output;

const SCENARIO: &str = "scenarios/tutorial.toml";
/// 1,003 futures: 501 + 502 in 2 shards, 334 + 334 + 335 in 3, sizes 143 and 144 in 7.
const REPS: &str = "1003";
/// Daily bands from the first 600 futures only: some shards record all, some part, some
/// none of their futures, so the histograms' merge is tested across that cut too.
const DAILY: &str = "600";
/// The files whose bytes must equal the unsplit run's.
const SAME_BYTES: [&str; 5] = [
    "summary.json",
    "summary.csv",
    "replications.csv",
    "daily.csv",
    "scenario.toml",
];

mod common;
use common::cli::{bin, listing};

/// `out`, which must have exited 0.
fn ok(out: Output) -> Output {
    common::cli::ok(&out);
    out
}

/// `run SCENARIO -n REPS --daily-replications DAILY -q` plus `extra`.
fn run(extra: &[&str]) -> Output {
    bin()
        .args([
            "run",
            SCENARIO,
            "-n",
            REPS,
            "--daily-replications",
            DAILY,
            "-q",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn shard(dir: &Path, k: u64, n: u64, extra: &[&str]) -> PathBuf {
    let d = dir.join(format!("s{n}-{k}"));
    let spec = format!("{k}/{n}");
    ok(run(&[
        &["--shard", &spec, "--out", d.to_str().unwrap()],
        extra,
    ]
    .concat()));
    d
}

fn merge(dirs: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("merge")
        .args(dirs)
        .args(["--out", out.to_str().unwrap(), "-q"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn merged_shards_are_byte_identical_to_the_unsplit_run() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    ok(run(&["--out", full.to_str().unwrap()]));
    for n in [1u64, 2, 3, 7] {
        // Shards in one thread, the unsplit run in all: the split does not depend on it.
        let mut dirs: Vec<PathBuf> = (0..n)
            .map(|k| shard(tmp.path(), k, n, &["-j", "1", "--no-charts"]))
            .collect();
        dirs.reverse(); // merge takes the folders in any order
        let out = tmp.path().join(format!("merged-{n}"));
        ok(merge(&dirs, &out, &[]));
        for f in SAME_BYTES {
            let (a, b) = (
                std::fs::read(full.join(f)).unwrap(),
                std::fs::read(out.join(f)).unwrap(),
            );
            assert!(a == b, "{f} differs after merging {n} shards");
        }
        // The same files as a run: data files, run.json, report and charts.
        assert_eq!(listing(&out), listing(&full), "files of the merge of {n}");
        // The same charts: drawn from the merged spill files' columns, read one at a
        // time, they are the bytes of the unsplit run's, drawn from its rows in memory.
        same_charts(&full, &out, &format!("merge of {n}"));
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
        assert_eq!(info["replications"], 1003);
        assert_eq!(info["first_replication"], 0);
    }
    // The shard sizes are uneven where N does not divide 1003.
    let meta = |d: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(tmp.path().join(d).join("shard.json")).unwrap())
            .unwrap()
    };
    let size = |d: &str| {
        let m = meta(d);
        m["end_replication"].as_u64().unwrap() - m["first_replication"].as_u64().unwrap()
    };
    assert_eq!((size("s2-0"), size("s2-1")), (501, 502));
    assert_eq!((size("s3-0"), size("s3-2")), (334, 335));
    assert_eq!((size("s7-0"), size("s7-3")), (143, 144));
}

/// Asserts that every chart file (`charts/*.svg`, `charts/*.png`) of `a` has the bytes
/// of the same file of `b`, and that there are some.
fn same_charts(a: &Path, b: &Path, what: &str) {
    let charts: Vec<String> = listing(a)
        .into_iter()
        .filter(|f| f.starts_with("charts/"))
        .collect();
    assert!(charts.len() >= 12, "{what}: charts {charts:?}");
    for f in &charts {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs: {what}");
    }
}

#[test]
fn report_streams_replications_csv_into_the_same_charts_and_report() {
    // `chokepoint report DIR` reads replications.csv row by row into scratch columns
    // (docs/storage.md): its charts and report.html are the bytes `run` wrote from the
    // rows in memory (run.json is the same, so the page's provenance is too).
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    ok(run(&["--out", full.to_str().unwrap()]));
    // The run's files without its charts and report.
    let again = tmp.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    for f in listing(&full) {
        if !f.starts_with("charts/") && f != "report.html" {
            std::fs::copy(full.join(&f), again.join(&f)).unwrap();
        }
    }
    ok(bin()
        .args(["report", again.to_str().unwrap(), "-q"])
        .output()
        .unwrap());
    assert_eq!(listing(&again), listing(&full));
    same_charts(&full, &again, "report");
    assert!(
        std::fs::read(full.join("report.html")).unwrap()
            == std::fs::read(again.join("report.html")).unwrap(),
        "report.html differs after `chokepoint report`"
    );
    // A replications.csv cut short (a row gone) is refused, naming the file. The manifest's
    // SHA-256 refuses it first (any edit does); the row count behind it is checked by the
    // unit tests of `report::columns` (seen failing with that check removed, while this
    // test still passed).
    let csv = std::fs::read_to_string(full.join("replications.csv")).unwrap();
    let cut = &csv[..csv.trim_end().rfind('\n').unwrap() + 1];
    std::fs::write(again.join("replications.csv"), cut).unwrap();
    let o = bin()
        .args(["report", again.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("replications.csv"), "{err}");
}

/// Runs `merge` expecting a refusal: exit 2, every `needles` in stderr, and the output
/// folder exactly as it was (a marker file only, no staging folder left).
fn refused(dirs: &[PathBuf], out: &Path, needles: &[&str]) {
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(out.join("marker"), "before").unwrap();
    let o = merge(dirs, out, &["--no-charts"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
    assert_eq!(listing(out), vec!["marker".to_string()], "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn merge_refuses_shards_that_are_not_one_complete_intact_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let nc = ["--no-charts"];
    let s0 = shard(t, 0, 3, &nc);
    let s1 = shard(t, 1, 3, &nc);
    let s2 = shard(t, 2, 3, &nc);
    let out = t.join("out");
    // The three shards merge: the refusals below come from what each case changes.
    ok(merge(
        &[s0.clone(), s1.clone(), s2.clone()],
        &t.join("good"),
        &nc,
    ));

    // Missing, and duplicated (the same folder twice, and a copy).
    refused(
        &[s0.clone(), s2.clone()],
        &out,
        &["shard 1 of 3 is missing"],
    );
    let copy = t.join("copy-of-1");
    copy_dir(&s1, &copy);
    refused(
        &[s0.clone(), s1.clone(), copy.clone(), s2.clone()],
        &out,
        &["shard 1 of 3 is given 2 times"],
    );

    // Another seed, another partition.
    let other_seed = t.join("seed");
    ok(run(&[
        "--shard",
        "1/3",
        "--seed",
        "99",
        "--out",
        other_seed.to_str().unwrap(),
    ]));
    refused(
        &[s0.clone(), other_seed, s2.clone()],
        &out,
        &["seed 99, but", "shards of different runs"],
    );
    let half = shard(t, 1, 2, &nc);
    refused(
        &[s0.clone(), half, s2.clone()],
        &out,
        &["shard count N 2, but", "shard 1 of 3 is missing"],
    );

    // Another scenario (one number changed).
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let changed = text.replacen("horizon_days = 730", "horizon_days = 729", 1);
    assert_ne!(changed, text);
    let other_file = t.join("other.toml");
    std::fs::write(&other_file, changed).unwrap();
    let other_scn = t.join("scn");
    ok(bin()
        .args(["run", other_file.to_str().unwrap(), "-n", REPS])
        .args([
            "--daily-replications",
            DAILY,
            "-q",
            "--shard",
            "1/3",
            "--out",
        ])
        .arg(&other_scn)
        .output()
        .unwrap());
    refused(
        &[s0.clone(), other_scn, s2.clone()],
        &out,
        &["scenario SHA-256"],
    );

    // Another chokepoint version (as written in shard.json).
    let other_version = t.join("version");
    copy_dir(&s1, &other_version);
    let meta_path = other_version.join("shard.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let version = format!("\"chokepoint_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(meta.contains(&version));
    std::fs::write(
        &meta_path,
        meta.replace(&version, "\"chokepoint_version\": \"0.0.1\""),
    )
    .unwrap();
    refused(
        &[s0.clone(), other_version, s2.clone()],
        &out,
        &["chokepoint version 0.0.1"],
    );

    // Unfinished (no shard.json), truncated, damaged.
    let unfinished = t.join("unfinished");
    copy_dir(&s1, &unfinished);
    std::fs::remove_file(unfinished.join("shard.json")).unwrap();
    refused(
        &[s0.clone(), unfinished, s2.clone()],
        &out,
        &["no shard.json, so not a finished shard"],
    );
    let truncated = t.join("truncated");
    copy_dir(&s1, &truncated);
    let bin_path = truncated.join("replications.bin");
    let bytes = std::fs::read(&bin_path).unwrap();
    std::fs::write(&bin_path, &bytes[..bytes.len() - 100]).unwrap();
    refused(
        &[s0.clone(), truncated, s2.clone()],
        &out,
        &["replications.bin", "truncated or replaced"],
    );
    let damaged = t.join("damaged");
    copy_dir(&s1, &damaged);
    let daily_path = damaged.join("daily.bin");
    let mut bytes = std::fs::read(&daily_path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&daily_path, &bytes).unwrap();
    refused(
        &[s0.clone(), damaged, s2.clone()],
        &out,
        &["daily.bin", "does not match", "(damaged)"],
    );
    // Several problems are reported at once.
    refused(
        &[s0.clone(), t.join("nowhere")],
        &out,
        &["no such folder", "is missing"],
    );
    // Merging into a shard folder is refused before anything is read.
    let o = merge(&[s0.clone(), s1.clone(), s2.clone()], &s0, &nc);
    assert_eq!(o.status.code(), Some(2));
    assert!(!s0.join("summary.json").exists());
}

#[test]
fn shard_index_is_checked_and_read_from_array_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for (spec, needle) in [
        ("3/3", "K counts from 0"),
        ("1/0", "at least 1"),
        ("x/2", "expected K/N"),
        ("2", "expected K/N"),
        ("auto", "none of SLURM_ARRAY_TASK_ID"),
        ("0/2000", "would leave shards empty"),
    ] {
        let o = run(&["--shard", spec, "--out", t.join("x").to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{spec}: {err}");
        assert!(err.contains(needle), "{spec}: {needle:?} not in {err}");
    }
    let which = |dir: &Path| -> (u64, u64) {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("shard.json")).unwrap()).unwrap();
        (m["shard"].as_u64().unwrap(), m["shards"].as_u64().unwrap())
    };
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], (u64, u64));
    let cases: [Case; 4] = [
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "3"),
            ],
            (2, 4),
        ),
        (
            "auto",
            &[("JOB_COMPLETION_INDEX", "1"), ("CHOKEPOINT_SHARDS", "3")],
            (1, 3),
        ),
        ("auto/5", &[("AWS_BATCH_JOB_ARRAY_INDEX", "4")], (4, 5)),
        // A re-run of some tasks of an array (--array=3,5): N from CHOKEPOINT_SHARDS.
        (
            "auto",
            &[
                ("SLURM_ARRAY_TASK_ID", "5"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
                ("SLURM_ARRAY_TASK_MIN", "3"),
                ("SLURM_ARRAY_TASK_MAX", "5"),
                ("CHOKEPOINT_SHARDS", "8"),
            ],
            (5, 8),
        ),
    ];
    for (i, (spec, env, want)) in cases.iter().enumerate() {
        let d = t.join(format!("auto-{i}"));
        let mut c = bin();
        c.args(["run", SCENARIO, "-n", "40", "-q", "--shard", spec, "--out"])
            .arg(&d);
        for (k, v) in *env {
            c.env(k, v);
        }
        ok(c.output().unwrap());
        assert_eq!(which(&d), *want, "{spec} with {env:?}");
    }
    // An array that is not 0-(N-1), without CHOKEPOINT_SHARDS: the count is not N.
    let o = bin()
        .args([
            "run", SCENARIO, "-n", "40", "-q", "--shard", "auto", "--out",
        ])
        .arg(t.join("bad"))
        .envs([
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("SLURM_ARRAY_TASK_MIN", "3"),
            ("SLURM_ARRAY_TASK_MAX", "5"),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not 0-1"));
}

#[test]
fn a_killed_shard_is_not_finished_and_running_it_again_finishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("shard");
    // About 40,000 futures in this shard: seconds of work, killed as soon as its spill
    // file is started.
    let args = [
        "run",
        SCENARIO,
        "-n",
        "2000000",
        "--shard",
        "0/50",
        "-q",
        "--out",
        d.to_str().unwrap(),
    ];
    let mut child = bin().args(args).spawn().unwrap();
    let partial = d.join("replications.bin.partial");
    let t0 = std::time::Instant::now();
    while !partial.exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "the shard never started its spill file");
    assert!(!d.join("shard.json").exists());
    let o = merge(
        std::slice::from_ref(&d),
        &tmp.path().join("m"),
        &["--no-charts"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a finished shard"));
    // The same command again finishes it; once more, it has nothing to do.
    ok(bin().args(args).output().unwrap());
    assert!(d.join("shard.json").exists() && d.join("replications.bin").exists());
    assert!(!partial.exists());
    let again = ok(bin()
        .args(&args[..args.len() - 3])
        .args(["--out", d.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already finished"));
}

#[test]
fn sweep_shards_then_a_final_call_give_the_unsplit_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = |out: &Path, extra: &[&str]| {
        ok(bin()
            .args([
                "sweep",
                SCENARIO,
                "--vary",
                "material.ndpr.stockpile_days=0..120:7",
            ])
            .args([
                "-n",
                "150",
                "--strategy",
                "baseline",
                "--no-charts",
                "-q",
                "--out",
            ])
            .arg(out)
            .args(extra)
            .output()
            .unwrap())
    };
    let full = tmp.path().join("full");
    sweep(&full, &[]);
    let split = tmp.path().join("split");
    // Shards 0 and 2 of 3 only: the final call evaluates shard 1's points itself.
    sweep(&split, &["--shard", "0/3"]);
    sweep(&split, &["--shard", "2/3"]);
    assert!(
        !split.join("sweep.csv").exists(),
        "a shard writes only points"
    );
    let points = |d: &Path| {
        listing(&d.join("points"))
            .into_iter()
            .filter(|f| f.starts_with("point-"))
            .count()
    };
    assert_eq!(points(&split), 5); // 0..2 and 4..7 of 7 points
    sweep(&split, &[]);
    for f in ["sweep.csv", "sweep.json"] {
        assert!(
            std::fs::read(full.join(f)).unwrap() == std::fs::read(split.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

/// Runs `args` for every shard K of `n` in `shards` at once (concurrent processes, as an
/// array job runs them), each with `--shard K/n`, and waits for all.
fn shards_at_once(args: &[&str], out: &Path, n: u64, shards: &[u64]) {
    let children: Vec<_> = shards
        .iter()
        .map(|k| {
            bin()
                .args(args)
                .arg("--out")
                .arg(out)
                .args(["--shard", &format!("{k}/{n}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        ok(c.wait_with_output().unwrap());
    }
}

/// An analysis split into N = 1, 2, 3 shards run at once (with N = 3, shard 1 left
/// out, so the final call computes its part) and a final call without `--shard` writes
/// `files` with the bytes of the unsplit analysis; a shard writes nothing but points.
/// `code` is the exit code of the complete analysis.
fn split_like_unsplit(args: &[&str], files: &[&str], code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let call = |out: &Path| {
        let o = bin().args(args).arg("--out").arg(out).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let full = tmp.path().join("full");
    call(&full);
    for (n, shards) in [(1u64, vec![0u64]), (2, vec![0, 1]), (3, vec![0, 2])] {
        let split = tmp.path().join(format!("split{n}"));
        shards_at_once(args, &split, n, &shards);
        for f in files {
            assert!(!split.join(f).exists(), "shard wrote {f}");
        }
        assert!(listing(&split.join("points")).len() > 1, "no points");
        call(&split);
        for f in files {
            assert!(
                std::fs::read(full.join(f)).unwrap() == std::fs::read(split.join(f)).unwrap(),
                "{f} differs with {n} shards"
            );
        }
    }
}

#[test]
fn sensitivity_shards_then_a_final_call_give_the_unsplit_analysis() {
    // Four paths, one of which cannot move up (the cn share above 0.7 leaves the shares
    // summing above 1: a skipped side, stored as such), and Sobol indices with N = 8.
    let args = [
        "sensitivity",
        SCENARIO,
        "--paths",
        "material.ndpr.stockpile_days,material.ndpr.private_days,\
         material.ndpr.supplier.cn.share,material.mcu.private_days",
        "--sobol",
        "8",
        "--bootstrap",
        "50",
        "-n",
        "40",
        "--no-charts",
        "-q",
    ];
    split_like_unsplit(
        &args,
        &["sensitivity.csv", "sobol.csv", "sensitivity.json"],
        0,
    );
}

#[test]
fn size_shards_then_a_final_call_give_the_unsplit_sizing() {
    let args = [
        "size",
        SCENARIO,
        "--param",
        "material.ndpr.stockpile_days",
        "--target",
        "mean(shortfall_pct) <= 0.5",
        "--material",
        "ndpr",
        "--scan",
        "7",
        "-n",
        "60",
        "--no-charts",
        "-q",
    ];
    split_like_unsplit(&args, &["size.csv", "size.json"], 0);
}

#[test]
fn shards_of_a_run_with_sectors_merge_into_its_bytes() {
    // The sector layer's rows ride in the spill files beside the materials'; merged,
    // the sector columns of replications.csv and the sector statistics of the summary
    // are the unsplit run's bytes (301 futures: 100 + 100 + 101).
    let tmp = tempfile::tempdir().unwrap();
    let args = |out: &Path| -> Vec<String> {
        [
            "run",
            "scenarios/bench_sectors.toml",
            "-n",
            "301",
            "--no-charts",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let full = tmp.path().join("full");
    ok(bin().args(args(&full)).output().unwrap());
    let header = std::fs::read_to_string(full.join("replications.csv")).unwrap();
    let header = header.lines().next().unwrap().to_string();
    assert!(
        header.contains(",sector.magnets.output_lost,")
            && header.ends_with(",strategy_value_added_lost"),
        "{header}"
    );
    let dirs: Vec<PathBuf> = (0..3u64)
        .map(|k| {
            let d = tmp.path().join(format!("s3-{k}"));
            let spec = format!("{k}/3");
            ok(bin()
                .args(args(&d))
                .args(["--shard", &spec, "-j", "1"])
                .output()
                .unwrap());
            d
        })
        .collect();
    let out = tmp.path().join("merged");
    ok(merge(&dirs, &out, &["--no-charts"]));
    for f in SAME_BYTES {
        let (a, b) = (
            std::fs::read(full.join(f)).unwrap(),
            std::fs::read(out.join(f)).unwrap(),
        );
        assert!(
            a == b,
            "{f} differs after merging 3 shards of a run with sectors"
        );
    }
}
