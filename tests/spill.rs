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
        let (ns, nm) = (scn.strategies().len(), scn.materials().len());
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

/// The statistics, `replications.csv` and chart columns of a run are the same bytes
/// whether its replications are held in memory, in one spill file, or in a chain of
/// spill files cut anywhere (shards in order): every reader goes through the
/// `Replications` trait, column by column or block by block.
#[test]
fn summary_and_csv_are_the_same_bytes_from_memory_a_spill_or_a_chain() {
    use chokepoint::report::{summary_json, write_replications_csv};
    use chokepoint::sim::Replications;
    use chokepoint::spill::SpillChain;
    use chokepoint::stats::{Summary, TotalMetric, total_column};

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scn = load_scenario(&root.join("scenarios/bench.toml")).expect("bench.toml loads");
    let dir = std::env::temp_dir().join(format!("chokepoint-spill-chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let (seed, n) = (5, 700u64);
    let kernel = Kernel::detect();
    let (ns, nm) = (scn.strategies().len(), scn.materials().len());
    let mem = run_with(&scn, &RunOptions::new(seed, n), &NoProgress, kernel);
    // Spill files of the ranges cut at `cuts` (uneven, one inside a chunk of 32).
    let spill = |cuts: &[u64]| -> Vec<Spill> {
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(n);
        bounds
            .windows(2)
            .map(|w| {
                let opts = RunOptions {
                    replications: w[0]..w[1],
                    ..RunOptions::new(seed, 0)
                };
                let path = dir.join(format!("c{}-{}.bin", cuts.len(), w[0]));
                let mut sink = SpillWriter::create(&path, w[0], ns, nm).expect("create");
                run_into(&scn, &opts, &NoProgress, kernel, &mut sink).expect("spill");
                sink.finish().expect("finish");
                Spill::open(&path).expect("opens")
            })
            .collect()
    };
    let outputs = |res: &dyn Fn(&mut Vec<u8>) -> String| {
        let mut csv = Vec::new();
        let json = res(&mut csv);
        (json, csv)
    };
    let want = outputs(&|csv| {
        write_replications_csv(csv, &scn, &mem).expect("csv");
        summary_json(&Summary::from_run(&scn, &mem, seed).unwrap())
    });
    let want_total = total_column(&scn, &mem, 1, TotalMetric::TotalCost).unwrap();
    let one = spill(&[]).pop().expect("one file");
    assert_eq!(one.n_blocks(), 1);
    let got = outputs(&|csv| {
        write_replications_csv(csv, &scn, &one).expect("csv");
        summary_json(&Summary::from_run(&scn, &one, seed).expect("reads"))
    });
    assert!(got.0 == want.0, "summary.json from one spill file differs");
    assert!(
        got.1 == want.1,
        "replications.csv from one spill file differs"
    );
    let chain = SpillChain::new(spill(&[250, 251, 600])).expect("consecutive files chain");
    assert_eq!(chain.n_blocks(), 4);
    let got = outputs(&|csv| {
        write_replications_csv(csv, &scn, &chain).expect("csv");
        summary_json(&Summary::from_run(&scn, &chain, seed).expect("reads"))
    });
    assert!(got.0 == want.0, "summary.json from a chain differs");
    assert!(got.1 == want.1, "replications.csv from a chain differs");
    let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    assert_eq!(
        bits(total_column(&scn, &chain, 1, TotalMetric::TotalCost).expect("reads")),
        bits(want_total)
    );
    // Files out of order, or no file, do not chain.
    let mut parts = spill(&[300]);
    parts.swap(0, 1);
    assert!(SpillChain::new(parts).is_err());
    assert!(SpillChain::new(Vec::new()).is_err());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
