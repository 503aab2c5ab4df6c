//! A run written block by block to a spill file (docs/storage.md) reads back, column by
//! column and block by block, as the same bits as the in-memory run's rows; a shard-like
//! sub-range starting inside a chunk too.

use chokepoint::scenario::load_scenario;
use chokepoint::sim::engine::{Kernel, run_into, run_with};
use chokepoint::sim::{Metric, NoProgress, RunOptions};
use chokepoint::spill::{Spill, SpillWriter};
use std::path::Path;

#[test]
fn spilled_columns_are_the_in_memory_rows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scn = load_scenario(&root.join("scenarios/bench.toml")).expect("bench.toml loads");
    let dir = std::env::temp_dir().join(format!("chokepoint-spill-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    for range in [0..300u64, 37..311] {
        let opts = RunOptions {
            replications: range.clone(),
            ..RunOptions::new(11, 0)
        };
        let kernel = Kernel::detect();
        let mem = run_with(&scn, &opts, &NoProgress, kernel);
        let path = dir.join(format!("r{}.bin", range.start));
        let (ns, nm) = (scn.strategies.len(), scn.materials.len());
        let mut w = SpillWriter::create(&path, range.start, ns, nm).expect("create");
        let tail = run_into(&scn, &opts, &NoProgress, kernel, &mut w).expect("spill");
        w.finish().expect("finish");
        assert_eq!(tail.n_replications, mem.n_replications);
        let sp = Spill::open(&path).expect("a finished spill opens");
        assert_eq!(sp.first(), range.start);
        assert_eq!(sp.replications(), range.end - range.start);
        for s in 0..ns {
            for m in 0..nm {
                for metric in Metric::ALL {
                    let got = sp.column(s, m, metric).expect("column reads");
                    assert_eq!(got.len(), mem.n_replications);
                    for (r, v) in got.iter().enumerate() {
                        assert_eq!(
                            v.to_bits(),
                            mem.row(r, s, m).get(metric).to_bits(),
                            "range {range:?}, replication {r}, strategy {s}, material {m}, {}",
                            metric.name()
                        );
                    }
                }
            }
        }
        let b = sp.block(0).expect("block reads");
        assert_eq!(b.first(), range.start);
        assert_eq!(
            b.row(5, 1, 1).0.map(f64::to_bits),
            mem.row(5, 1, 1).0.map(f64::to_bits)
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
