//! Records the git commit the binary is built from (for `run.json`), when known.
//!
//! Cargo re-runs this script only when the commit can have changed: when the checkout's
//! `HEAD` file, the branch file it points to, or `packed-refs` changes. The paths come
//! from git itself, so that in a linked worktree (where `.git` is a file, not a folder)
//! no watched path is missing; a missing path would make cargo re-run the script, and
//! rebuild the crate, on every build.

use std::path::Path;
use std::process::Command;

/// The trimmed output of `git ARGS`, when git runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut watched = Vec::new();
    watched.extend(git(&["rev-parse", "--git-path", "HEAD"]));
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.extend(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.iter().filter(|p| Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
    if let Some(c) = git(&["rev-parse", "HEAD"]) {
        println!("cargo:rustc-env=CHOKEPOINT_GIT_COMMIT={c}");
    }
}
