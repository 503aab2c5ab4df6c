//! Output folders are all-or-nothing (issue 16, deliverable 1): runs into a folder
//! holding a finished run are interrupted at many points (the fault-injection hook
//! `CHOKEPOINT_FAULT_AFTER` after every file and just before the swap, then SIGKILL,
//! SIGINT and SIGTERM at times drawn with a fixed seed), and after each the folder must
//! be, file for file and byte for byte, wholly the old run or wholly the new one. The
//! debris of a killed run must be gone after the next run; SIGINT/SIGTERM must exit
//! 130/143 leaving none at all. A panic exits 70 and changes nothing.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chokepoint");

/// Every file under `dir` by relative path, with its SHA-256.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(
                    rel,
                    chokepoint::report::sha256_hex(&std::fs::read(&p).unwrap()),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out
}

/// The entries of `dir` (names), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tutorial.toml")
}

/// The command of a small run with `seed` into `out`.
fn run_cmd(seed: u64, out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("run")
        .arg(scenario())
        .args(["-n", "100", "--format", "svg", "-q", "-j", "2", "--seed"])
        .arg(seed.to_string())
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove(chokepoint::staging::FAULT_AFTER_ENV);
    c
}

/// A small deterministic generator (xorshift64*), for the kill times.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Which of the two complete runs `got` is, if either.
fn which(got: &BTreeMap<String, String>, runs: &[BTreeMap<String, String>; 2]) -> Option<usize> {
    runs.iter().position(|r| r == got)
}

/// Blanks what differs between two runs of the same seed: run.json records the wall
/// time and start time (and its manifest does not cover it), and report.html shows
/// them. Comparing those two files would compare clocks; both are covered by the
/// all-or-nothing check through the data files and chart files, whose bytes are fixed,
/// and by the manifest check of `chokepoint report`, run on every folder below.
fn fixed_part(t: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    t.iter()
        .filter(|(k, _)| *k != "run.json" && *k != "report.html")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `report` accepts the folder: its run.json matches its files.
fn report_accepts(out: &Path) -> bool {
    Command::new(BIN)
        .arg("report")
        .arg(out)
        .args(["--format", "svg", "-q"])
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
fn interrupted_runs_leave_the_old_folder_or_the_new_one_and_no_debris() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("parent");
    std::fs::create_dir_all(&base).unwrap();
    let out = base.join("out");
    // The two complete runs (seeds 1 and 2), each run twice: the fixed part of a run's
    // folder is the same bytes every time.
    let mut runs: [BTreeMap<String, String>; 2] = Default::default();
    for (i, seed) in [1u64, 2].into_iter().enumerate() {
        let dir = tmp.path().join(format!("ref{seed}"));
        assert!(run_cmd(seed, &dir).status().unwrap().success());
        runs[i] = fixed_part(&tree(&dir));
    }
    assert_ne!(runs[0], runs[1]);
    let t0 = Instant::now();
    assert!(run_cmd(1, &out).status().unwrap().success());
    let run_time = t0.elapsed();
    assert_eq!(fixed_part(&tree(&out)), runs[0]);
    let mut state = 0usize; // which run the folder holds
    let mut interrupted = 0;

    // 1. The fault-injection hook after every step (each file, then the swap) of a run.
    let mut n = 1;
    loop {
        let next = 1 - state;
        let o = run_cmd(next as u64 + 1, &out)
            .env(chokepoint::staging::FAULT_AFTER_ENV, n.to_string())
            .output()
            .unwrap();
        let got = fixed_part(&tree(&out));
        let now = which(&got, &runs)
            .unwrap_or_else(|| panic!("fault after {n} steps: the folder mixes runs: {got:?}"));
        assert!(report_accepts(&out), "fault after {n}: report refused");
        if o.status.success() {
            // The run needed fewer steps than n: it finished.
            assert_eq!(now, next);
            assert_eq!(entries(&base), ["out"], "debris after a finished run");
            break;
        }
        assert_eq!(now, state, "fault after {n} steps: the folder changed");
        // The debris of the aborted run (its staging folder and lock) is all there is,
        // and the next run removes it.
        assert!(entries(&base).len() <= 3, "{:?}", entries(&base));
        interrupted += 1;
        n += 1;
    }
    state = 1 - state;
    assert!(interrupted >= 10, "only {interrupted} fault points");

    // 2. Real signals at seeded times within a run's duration.
    let mut rng = Rng(0x5eed_0016);
    let span = run_time.as_micros() as u64 * 12 / 10 + 1;
    let signals = [libc::SIGKILL, libc::SIGINT, libc::SIGTERM];
    let mut seen = [[0usize; 2]; 3]; // per signal: (interrupted, finished first)
    for k in 0..24 {
        let sig = signals[k % 3];
        let next = 1 - state;
        let child = run_cmd(next as u64 + 1, &out).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % span));
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let o = child.wait_with_output().unwrap();
        let got = fixed_part(&tree(&out));
        let now = which(&got, &runs)
            .unwrap_or_else(|| panic!("signal {sig} (trial {k}): the folder mixes runs"));
        assert!(
            report_accepts(&out),
            "signal {sig} (trial {k}): report refused"
        );
        let finished = o.status.success();
        if finished {
            assert_eq!(now, next);
        }
        use std::os::unix::process::ExitStatusExt;
        match (sig, o.status.code(), o.status.signal()) {
            (_, Some(0), _) => {}
            (libc::SIGKILL, None, Some(libc::SIGKILL)) => {}
            // A signal in the first instants of the process, before its handler is
            // installed, ends it by the default action: nothing was written yet, so the
            // folder is the old run and nothing is left beside it.
            (libc::SIGINT | libc::SIGTERM, None, Some(s)) if s == sig => {
                assert_eq!(now, state, "signal {sig} (trial {k}) before the handler");
                assert_eq!(entries(&base), ["out"], "debris after signal {sig}");
            }
            (libc::SIGINT, Some(130), _) | (libc::SIGTERM, Some(143), _) => {
                // Ended cleanly: nothing of the interrupted run is left (the folder is
                // the old run, or the new one when the signal came after its swap).
                assert_eq!(entries(&base), ["out"], "debris after signal {sig}");
            }
            other => panic!(
                "signal {sig} (trial {k}): unexpected end {other:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
        }
        seen[k % 3][usize::from(finished)] += 1;
        if !finished {
            interrupted += 1;
        }
        state = now;
    }
    // Both kinds of outcome occurred for the signals as a whole.
    let cut: usize = seen.iter().map(|s| s[0]).sum();
    assert!(cut >= 6, "too few runs were cut by a signal: {seen:?}");

    // 3. The next run leaves no debris from any of them.
    assert!(run_cmd(1, &out).status().unwrap().success());
    assert_eq!(fixed_part(&tree(&out)), runs[0]);
    assert_eq!(entries(&base), ["out"]);
    eprintln!("interrupted runs checked: {interrupted} (signals: {seen:?})");
}

#[test]
fn a_panic_exits_70_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(run_cmd(1, &out).status().unwrap().success());
    let before = tree(&out);
    let o = run_cmd(2, &out)
        .env("CHOKEPOINT_FAULT_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(70));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("internal error"), "{err}");
    assert!(err.contains("please report"), "{err}");
    assert_eq!(tree(&out), before);
    assert_eq!(entries(tmp.path()), ["out"]);
}

#[test]
fn report_refuses_a_folder_that_mixes_two_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(run_cmd(1, &a).status().unwrap().success());
    assert!(run_cmd(2, &b).status().unwrap().success());
    assert!(report_accepts(&a));
    std::fs::copy(b.join("summary.json"), a.join("summary.json")).unwrap();
    let o = Command::new(BIN)
        .arg("report")
        .arg(&a)
        .args(["-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("summary.json is not the file this run wrote"),
        "{err}"
    );
}

type Tree = BTreeMap<String, String>;

/// The outputs of an analysis folder (every file but the resumable `points/`) and its
/// points, apart.
fn split(t: &Tree) -> (Tree, Tree) {
    let (points, outputs): (Tree, Tree) = t
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| k.starts_with("points/"));
    (outputs, points)
}

/// The temporary files in `points` (a killed writer's debris).
fn temps(points: &Tree) -> Vec<&String> {
    points.keys().filter(|k| k.ends_with(".tmp")).collect()
}

/// A small sweep of the tutorial (6 points, one strategy) with `seed` into `out`;
/// `--fresh`, so that a sweep of the other seed replaces the points of the last one.
fn sweep_cmd(seed: u64, out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("sweep")
        .arg(scenario())
        .args([
            "--vary",
            "material.ndpr.stockpile_days=0..120:6",
            "--strategy",
            "stockpile_180",
            "-n",
            "60",
            "-q",
            "-j",
            "2",
            "--fresh",
            "--seed",
        ])
        .arg(seed.to_string())
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove(chokepoint::staging::FAULT_AFTER_ENV);
    c
}

/// A small one-at-a-time sensitivity of the tutorial (4 paths) with `seed` into `out`.
fn sensitivity_cmd(seed: u64, out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("sensitivity")
        .arg(scenario())
        .args([
            "--paths",
            "material.ndpr.stockpile_days,material.ndpr.private_days,\
             material.mcu.private_days,material.ndpr.refill_rate",
            "-n",
            "60",
            "-q",
            "-j",
            "2",
            "--fresh",
            "--seed",
        ])
        .arg(seed.to_string())
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove(chokepoint::staging::FAULT_AFTER_ENV);
    c
}

/// Analyses into a folder holding a finished one are killed (SIGKILL, SIGINT, SIGTERM)
/// at seeded times: the outputs are wholly the old analysis or wholly the new one; the
/// resumable points hold only finished points of one analysis (plus, after SIGKILL, at
/// most the temporary files of points being written, which the next call removes when
/// it opens the folder); SIGINT/SIGTERM leave no debris at all; and the analysis run
/// again resumes to the bytes of an uninterrupted one.
fn interrupted_analysis(name: &str, cmd: &dyn Fn(u64, &Path) -> Command, temp: &str) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("parent");
    std::fs::create_dir_all(&base).unwrap();
    let out = base.join("out");
    let mut refs: [Tree; 2] = Default::default();
    for (i, seed) in [1u64, 2].into_iter().enumerate() {
        let dir = tmp.path().join(format!("ref{seed}"));
        let o = cmd(seed, &dir).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        refs[i] = fixed_part(&tree(&dir));
    }
    let outputs: [Tree; 2] = [split(&refs[0]).0, split(&refs[1]).0];
    assert_ne!(outputs[0], outputs[1]);
    let t0 = Instant::now();
    assert!(cmd(1, &out).status().unwrap().success());
    let run_time = t0.elapsed();
    assert_eq!(fixed_part(&tree(&out)), refs[0]);
    let mut state = 0usize; // whose outputs the folder holds
    let mut points_of = 0usize; // whose points it holds
    let mut rng = Rng(0x5eed_1616);
    let span = run_time.as_micros() as u64 * 12 / 10 + 1;
    let signals = [libc::SIGKILL, libc::SIGINT, libc::SIGTERM];
    let mut interrupted = 0;
    for k in 0..18 {
        let sig = signals[k % 3];
        let next = 1 - state;
        // Temporary point files an earlier SIGKILL left: removed when a call opens the
        // points folder, which an analysis interrupted early may not reach.
        let (_, before) = split(&fixed_part(&tree(&out)));
        let earlier: Vec<String> = temps(&before).into_iter().cloned().collect();
        let child = cmd(next as u64 + 1, &out).spawn().unwrap();
        let pid = child.id();
        std::thread::sleep(Duration::from_micros(rng.next() % span));
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(pid as i32, sig);
        }
        let o = child.wait_with_output().unwrap();
        // This process's staging debris (an earlier SIGKILL's is removed only when a
        // later call stages its outputs, which an interrupted analysis may not reach).
        let own = format!("staging-{pid}-");
        let own_debris = entries(&base)
            .into_iter()
            .filter(|e| e.contains(&own))
            .count();
        let (got, points) = split(&fixed_part(&tree(&out)));
        let now = outputs
            .iter()
            .position(|r| *r == got)
            .unwrap_or_else(|| panic!("{name}, signal {sig} (trial {k}): mixed outputs {got:?}"));
        let finished = o.status.success();
        if finished {
            assert_eq!(now, next);
        } else {
            interrupted += 1;
        }
        // The points are those of one analysis (its spec.json), each complete.
        if let Some(spec) = points.get("points/spec.json") {
            points_of = (0..2)
                .find(|&i| refs[i].get("points/spec.json") == Some(spec))
                .expect("spec.json of neither analysis");
        }
        for (f, h) in &points {
            if !f.ends_with(".tmp") {
                assert_eq!(
                    refs[points_of].get(f),
                    Some(h),
                    "{name}, signal {sig} (trial {k}): {f} is not a finished point"
                );
            }
        }
        use std::os::unix::process::ExitStatusExt;
        match (sig, o.status.code(), o.status.signal()) {
            (_, Some(0), _) => {}
            (libc::SIGKILL, None, Some(libc::SIGKILL)) => {}
            (libc::SIGINT | libc::SIGTERM, None, Some(s)) if s == sig => {
                assert_eq!(
                    now, state,
                    "{name}: signal {sig} (trial {k}) before the handler"
                );
            }
            (libc::SIGINT, Some(130), _) | (libc::SIGTERM, Some(143), _) => {
                assert_eq!(own_debris, 0, "{name}: debris after signal {sig}");
                let left: Vec<_> = temps(&points)
                    .into_iter()
                    .filter(|t| !earlier.contains(t))
                    .collect();
                assert!(left.is_empty(), "{name}: {left:?} after signal {sig}");
            }
            other => panic!(
                "{name}, signal {sig} (trial {k}): unexpected end {other:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
        }
        state = now;
    }
    assert!(
        interrupted >= 4,
        "{name}: only {interrupted} analyses were cut"
    );
    // A killed writer's temporary point file is removed when the folder is next opened,
    // even by a call that computes nothing: plant one in a finished folder.
    let whose = points_of;
    assert!(cmd(whose as u64 + 1, &out).status().unwrap().success());
    assert_eq!(fixed_part(&tree(&out)), refs[whose]);
    let planted = out.join("points").join(temp);
    std::fs::write(&planted, "half a poin").unwrap();
    assert!(cmd(whose as u64 + 1, &out).status().unwrap().success());
    assert!(!planted.exists(), "{name}: the debris was not removed");
    assert_eq!(fixed_part(&tree(&out)), refs[whose]);
    assert_eq!(entries(&base), ["out"]);
    interrupted
}

#[test]
fn interrupted_sweeps_leave_old_or_new_outputs_and_resume_to_the_same_bytes() {
    let n = interrupted_analysis("sweep", &sweep_cmd, ".point-000001.csv.tmp");
    eprintln!("interrupted sweeps checked: {n}");
}

#[test]
fn interrupted_sensitivity_leaves_old_or_new_outputs_and_resumes_to_the_same_bytes() {
    let n = interrupted_analysis("sensitivity", &sensitivity_cmd, ".oat-000001.bin.tmp");
    eprintln!("interrupted sensitivity analyses checked: {n}");
}
