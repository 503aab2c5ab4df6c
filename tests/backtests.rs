//! Backtests (issue 17): the replays of `scenarios/backtests/` against their recorded
//! outcomes, and the page `docs/backtests.md` they generate.
//!
//! Both tests are deterministic (fixed seeds: each replay's own `seed`), so they never
//! flake; they fail when a change to the model or a replay moves an outcome that was
//! inside the simulated 90% interval out of it, or leaves `docs/backtests.md` stale.

use std::path::PathBuf;

use chokepoint::backtest::{self, Options, Verdict};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/backtests")
}

/// At a small replication count (400 futures per replay, each replay's seed), every
/// recorded outcome that `episodes.toml` marks `inside` is inside the simulated 90%
/// interval (P5–P95), and the set covers at least five episodes (replay files).
#[test]
fn outcomes_recorded_inside_stay_inside_at_small_n() {
    let opts = Options {
        replications: Some(400),
        seed: None,
    };
    let (outcomes, _) = backtest::run_all(&dir(), opts).expect("backtests load and run");
    let mut files: Vec<&str> = outcomes
        .iter()
        .map(|o| o.episode.scenario.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    assert!(files.len() >= 5, "at least five episodes, got {files:?}");
    let fell_out: Vec<String> = outcomes
        .iter()
        .filter(|o| o.episode.expected == Verdict::Inside && o.verdict != Verdict::Inside)
        .map(|o| {
            format!(
                "{}: recorded {}..{} outside the simulated 90% interval {}..{}",
                o.episode.id,
                o.episode.recorded_min,
                o.episode.recorded_max,
                o.simulated.p5,
                o.simulated.p95
            )
        })
        .collect();
    assert!(fell_out.is_empty(), "{}", fell_out.join("\n"));
    assert!(
        outcomes.iter().any(|o| o.verdict == Verdict::Inside),
        "no outcome inside at all: the comparison itself is broken"
    );
}

/// `docs/backtests.md` is what `chokepoint backtest scenarios/backtests` writes now (each
/// replay at its own `replications` and `seed`: a few thousand futures of one or three
/// materials, well under a second).
#[test]
fn docs_backtests_md_is_current() {
    let (outcomes, notes) =
        backtest::run_all(&dir(), Options::default()).expect("backtests load and run");
    let page =
        backtest::render_markdown(&outcomes, &notes, "chokepoint backtest scenarios/backtests");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/backtests.md");
    let on_disk = std::fs::read_to_string(&path).expect("docs/backtests.md exists");
    assert!(
        page == on_disk,
        "docs/backtests.md is stale: run `cargo run --release -- backtest` and commit it"
    );
    // Every expected verdict is the one the page shows (a miss that turns inside, or the
    // reverse, must be looked at and recorded in episodes.toml).
    for o in &outcomes {
        assert_eq!(
            o.verdict, o.episode.expected,
            "{}: verdict changed; update `expected` and `why` in episodes.toml",
            o.episode.id
        );
    }
}
