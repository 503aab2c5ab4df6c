//! Value stability: a small scenario's `summary.json` for a fixed seed is pinned byte for
//! byte, so any change that moves results (model, sampling, a `cargo update` of rand or
//! rand_distr) is seen and reviewed. After an intended change, regenerate with
//! `CHOKEPOINT_UPDATE_SNAPSHOTS=1 cargo test --release --test value_stability` and say
//! in the commit message (and CHANGELOG) why the numbers moved.

use chokepoint::report::summary_json;
use chokepoint::scenario::load_scenario;
use chokepoint::sim::{NoProgress, RunOptions, run};
use chokepoint::stats::Summary;
use std::path::Path;

#[test]
fn pinned_summary_of_the_stability_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let scn = load_scenario(&dir.join("data/stability.toml")).expect("valid");
    let res = run(
        &scn,
        &RunOptions::new(scn.seed(), scn.replications() as u64),
        &NoProgress,
    );
    let got = summary_json(&Summary::from_run(&scn, &res, scn.seed()).unwrap());
    let snap = dir.join("snapshots/stability_summary.json");
    if std::env::var_os("CHOKEPOINT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snap, &got).expect("write snapshot");
        return;
    }
    let want = std::fs::read_to_string(&snap).expect("snapshot exists (see the module docs)");
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |i| i + 1);
        panic!(
            "summary.json of tests/data/stability.toml moved (first difference at line {line}):\n  got:  {}\n  want: {}",
            got.lines().nth(line.saturating_sub(1)).unwrap_or(""),
            want.lines().nth(line.saturating_sub(1)).unwrap_or("")
        );
    }
}
