//! The engine gives the same bits whichever kernel runs the daily step: every metric of
//! every shipped scenario, and the daily histograms, are equal bit for bit between the
//! scalar reference and the batched step in every instruction set this CPU runs, for
//! 1, 2 and 7 threads and for shards that start and end inside a block.

use chokepoint::scenario::load_scenario;
use chokepoint::sim::batch::Isa;
use chokepoint::sim::engine::{Kernel, run_with};
use chokepoint::sim::{NoProgress, RunOptions, RunResult};
use std::path::{Path, PathBuf};

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["scenarios", "tests/data"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("folder exists"))
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn in_pool(threads: usize, f: impl FnOnce() -> RunResult + Send) -> RunResult {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

fn assert_same(name: &str, what: &str, want: &RunResult, got: &RunResult) {
    assert_eq!(want.rows.len(), got.rows.len(), "{name}, {what}: row count");
    for (i, (a, b)) in want.rows.iter().zip(&got.rows).enumerate() {
        let (ab, bb) = (a.0.map(f64::to_bits), b.0.map(f64::to_bits));
        assert!(
            ab == bb,
            "{name}, {what}: row {i} (replication {}) differs\n  scalar  {:?}\n  batched {:?}",
            want.first_replication + (i / (want.n_strategies * want.n_materials)) as u64,
            a.0,
            b.0
        );
    }
    assert!(want.daily == got.daily, "{name}, {what}: daily histograms");
}

#[test]
fn every_kernel_gives_the_same_bits_on_every_shipped_scenario() {
    let isas: Vec<Isa> = Isa::ALL.into_iter().filter(|i| i.available()).collect();
    for f in scenario_files() {
        let name = f.display().to_string();
        let scn = load_scenario(&f).expect("shipped scenarios are valid");
        // 131 replications: 4 chunks of 32 and a tail of 3 (scalar); the daily bands
        // stop at 70, inside a block. A shard from 37 to 190 starts and ends inside
        // blocks and has a batched tail of 10.
        for range in [0..131, 37..190] {
            let opts = RunOptions {
                seed: scn.seed(),
                replications: range.clone(),
                daily: true,
                daily_replications: 70,
            };
            let want = in_pool(1, || run_with(&scn, &opts, &NoProgress, Kernel::Scalar));
            for &isa in &isas {
                for threads in [1, 2, 7] {
                    let got = in_pool(threads, || {
                        run_with(&scn, &opts, &NoProgress, Kernel::Batched(isa))
                    });
                    let what = format!("{range:?}, {isa:?}, {threads} threads");
                    assert_same(&name, &what, &want, &got);
                }
            }
        }
    }
}
