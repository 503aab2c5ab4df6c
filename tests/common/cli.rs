//! Set-up shared by the tests that drive the `chokepoint` binary: spawning it from the
//! crate's folder, checking its exit, and scenario files edited for a test.

use std::path::Path;
use std::process::{Command, Output};

/// The binary, run from the crate's folder, with the variables that would make a plain
/// run a shard of an array job (Slurm, Kubernetes, AWS Batch, `CHOKEPOINT_SHARDS`)
/// removed, whatever the environment of the test.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chokepoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    for v in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_MAX",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "CHOKEPOINT_SHARDS",
        "SLURM_CPUS_PER_TASK",
    ] {
        c.env_remove(v);
    }
    c
}

/// `chokepoint ARGS`, its output collected.
pub fn chokepoint(args: &[&str]) -> Output {
    chokepoint_env(args, &[])
}

/// `chokepoint ARGS` with the environment variables `env` set.
pub fn chokepoint_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    bin()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("binary runs")
}

/// Panics, showing the exit code, stdout and stderr, unless `o` exited 0.
pub fn ok(o: &Output) {
    exited(o, &[0]);
}

/// Panics, showing the exit code, stdout and stderr, unless `o` exited with one of
/// `codes`.
pub fn exited(o: &Output, codes: &[i32]) {
    assert!(
        o.status.code().is_some_and(|c| codes.contains(&c)),
        "exit {:?}, expected one of {codes:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The text of the file at `rel`, a path from the crate's folder.
pub fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` with each `(from, to)` replaced, in order; panics when a `from` is not in the
/// text at that point, so that an edit that no longer applies (the scenario changed
/// under the test) fails loudly instead of testing the unedited text.
pub fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in edits {
        assert!(out.contains(from), "{from:?} is not in the text to edit");
        out = out.replace(from, to);
    }
    out
}

/// Files under `dir`, relative (with `/`), sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}
