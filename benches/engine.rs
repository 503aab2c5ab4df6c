//! Benchmarks of the simulation core on `scenarios/bench.toml` (2 materials, 4 suppliers
//! each, 6 shocks with a trigger and a logistics delay, demand noise, 5 strategies, 730
//! days): the scalar daily step (one material over the horizon, reported per run of 730
//! days), the cost of one replication (every strategy and material) per kernel, and a run
//! of 2,000 replications; and one replication of `scenarios/bench_sectors.toml` (the same
//! plus five sectors, one intermediate) beside `bench.toml`'s, the cost of the sector
//! layer. `benches/phases.rs` times each phase; the README's "Performance" section and
//! docs/performance.md give the figures.

use chokepoint::model::Scenario;
use chokepoint::sim::batch::Isa;
use chokepoint::sim::engine::{Kernel, run_with};
use chokepoint::sim::material::{self, NoRecord, Workspace};
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use chokepoint::sim::{NoProgress, RunOptions, run};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn bench_scenario() -> Scenario {
    scenario("bench.toml")
}

fn scenario(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    chokepoint::scenario::load_scenario(&path).expect("the benchmark scenarios are valid")
}

/// A replication index whose timeline touches the first material, so the step is not
/// the quiet steady state only.
fn busy_frames(scn: &Scenario) -> Frames {
    let graph = TriggerGraph::new(scn);
    let mut tl = Timeline::default();
    let mut frames = Frames::default();
    for rep in 0.. {
        tl.sample(scn, &graph, scn.seed(), rep);
        frames.build(scn, &tl);
        if frames.materials[0].touched {
            break;
        }
    }
    frames
}

fn daily_step(c: &mut Criterion) {
    let scn = bench_scenario();
    let frames = busy_frames(&scn);
    let p = &scn.strategies()[0].materials[0];
    let h = scn.horizon_days() as usize;
    let noise: Vec<f64> = (0..h)
        .map(|t| 1.0 + 0.05 * ((t as f64) * 0.7).sin())
        .collect();
    let mut ws = Workspace::default();
    let mut g = c.benchmark_group("daily_step");
    g.throughput(Throughput::Elements(h as u64));
    g.bench_function("one material, 730 days", |b| {
        b.iter(|| {
            material::simulate(
                black_box(p),
                black_box(&frames.materials[0]),
                &noise,
                &mut ws,
                &mut NoRecord,
            )
        })
    });
    g.finish();
}

/// The cost of one replication (every strategy and material, no daily bands) within a
/// run on one thread: each measurement runs the next `iters` replications, so blocks are
/// full as in a real run. One variant per kernel; the fastest is what `run` uses.
fn one_replication(c: &mut Criterion) {
    let scn = bench_scenario();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let mut kernels = vec![Kernel::Scalar];
    kernels.extend(
        Isa::ALL
            .into_iter()
            .filter(|i| i.available())
            .map(Kernel::Batched),
    );
    let mut g = c.benchmark_group("one replication (5 strategies x 2 materials, 1 thread)");
    for kernel in kernels {
        let mut next = 0u64;
        g.bench_function(format!("{kernel:?}"), |b| {
            b.iter_custom(|iters| {
                let opts = RunOptions {
                    seed: scn.seed(),
                    replications: next..next + iters,
                    daily: false,
                    daily_replications: 0,
                };
                next += iters;
                let t = Instant::now();
                black_box(pool.install(|| run_with(&scn, &opts, &NoProgress, kernel)));
                t.elapsed()
            })
        });
    }
    g.finish();
}

/// One replication (every strategy, material and sector, no daily bands, one thread,
/// the fastest kernel) of `bench.toml` and of `bench_sectors.toml`, which adds five
/// sectors to it: the difference is the sector layer's cost.
fn sector_layer(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let kernel = Kernel::detect();
    let mut g = c.benchmark_group("one replication with and without sectors (1 thread)");
    for file in ["bench.toml", "bench_sectors.toml"] {
        let scn = scenario(file);
        let mut next = 0u64;
        g.bench_function(file, |b| {
            b.iter_custom(|iters| {
                let opts = RunOptions {
                    seed: scn.seed(),
                    replications: next..next + iters,
                    daily: false,
                    daily_replications: 0,
                };
                next += iters;
                let t = Instant::now();
                black_box(pool.install(|| run_with(&scn, &opts, &NoProgress, kernel)));
                t.elapsed()
            })
        });
    }
    g.finish();
}

fn full_run(c: &mut Criterion) {
    let scn = bench_scenario();
    let mut g = c.benchmark_group("full_run");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2000));
    g.bench_function("bench.toml, 2000 replications with daily bands", |b| {
        b.iter(|| {
            run(
                black_box(&scn),
                &RunOptions::new(scn.seed(), 2000),
                &NoProgress,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, daily_step, one_replication, sector_layer, full_run);
criterion_main!(benches);
