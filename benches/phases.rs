//! One benchmark per phase of a run of `scenarios/bench.toml`, so that a regression shows
//! where it came from (docs/performance.md explains the figures):
//!
//! - `phase/timeline`: sampling the shock timeline of one replication;
//! - `phase/frames`: turning it into the per-material frames the daily step reads;
//! - `phase/noise_normals`: the standard-normal draws of one replication's demand noise
//!   (2 materials × 730 days, one ChaCha8 stream per material), as the run draws them
//!   (`sim::normal`); `phase/noise_normals_sample`: the same values drawn one by one with
//!   `rng.sample(StandardNormal)`, for comparison; `phase/noise_words`: only the ChaCha8
//!   words those draws start from (one `u64` per normal, `fill_bytes`), their floor;
//! - `phase/noise_multipliers`: the lognormal multipliers `exp(μ + σz)` of one material;
//! - `phase/daily_step`, `phase/daily_step_recorded`: one material over 730 days without
//!   and with the daily histograms (the difference is the cost of recording);
//! - `phase/daily_step_batched/{isa}`, `phase/daily_step_batched_recorded/{isa}`: the
//!   batched step on one block of 16 replications of that material, without and with the
//!   daily histograms (all 16 lanes recorded, day by day);
//! - `phase/statistics/{1,2} threads`: `Summary::from_run` over 10,000 replications;
//! - `phase/daily_bands`: the band quantiles of the daily histograms;
//! - `phase/output/{1,2} threads`: the data files of `run` (summary, replications.csv,
//!   daily.csv, run.json) for 10,000 replications, written to a temporary folder.
//!
//! The whole-replication and whole-run figures are in `benches/engine.rs`.

use chokepoint::model::Scenario;
use chokepoint::report::{self, RunInfo};
use chokepoint::sim::batch::{self, Isa, LaneFrames};
use chokepoint::sim::lanes::{LANES, V};
use chokepoint::sim::material::{self, NoRecord, Workspace};
use chokepoint::sim::normal;
use chokepoint::sim::rng;
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use chokepoint::sim::{DailyHist, MetricsRow, N_METRICS, NoProgress, RunOptions, RunResult, run};
use chokepoint::stats::{Summary, daily_bands};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use std::hint::black_box;
use std::path::Path;

fn bench_scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench.toml");
    chokepoint::scenario::load_scenario(&path).expect("scenarios/bench.toml is valid")
}

/// A replication index whose timeline touches the first material, so the step is not
/// the quiet steady state only.
fn busy_rep(scn: &Scenario, graph: &TriggerGraph) -> u64 {
    let mut tl = Timeline::default();
    let mut frames = Frames::default();
    (0..)
        .find(|&rep| {
            tl.sample(scn, graph, scn.seed(), rep);
            frames.build(scn, &tl);
            frames.materials[0].touched
        })
        .unwrap_or(0)
}

fn timeline_and_frames(c: &mut Criterion) {
    let scn = bench_scenario();
    let graph = TriggerGraph::new(&scn);
    let mut tl = Timeline::default();
    let mut g = c.benchmark_group("phase");
    let mut rep = 0u64;
    g.bench_function("timeline", |b| {
        b.iter(|| {
            rep += 1;
            tl.sample(black_box(&scn), &graph, scn.seed(), rep);
        })
    });
    // Frames of successive replications, as the engine builds them (most leave most
    // materials untouched, which the frames exploit).
    let timelines: Vec<Timeline> = (0..64)
        .map(|r| {
            let mut t = Timeline::default();
            t.sample(&scn, &graph, scn.seed(), r);
            t
        })
        .collect();
    let mut frames = Frames::default();
    let mut i = 0;
    g.bench_function("frames", |b| {
        b.iter(|| {
            i = (i + 1) % timelines.len();
            frames.build(black_box(&scn), &timelines[i]);
        })
    });
    g.finish();
}

fn noise(c: &mut Criterion) {
    let scn = bench_scenario();
    let h = scn.horizon_days() as usize;
    let nm = scn.materials().len();
    let mut g = c.benchmark_group("phase");
    let mut z = vec![Vec::with_capacity(h); nm];
    let mut rep = 0u64;
    g.throughput(Throughput::Elements((nm * h) as u64));
    g.bench_function("noise_normals", |b| {
        b.iter(|| {
            rep += 1;
            for (m, buf) in z.iter_mut().enumerate() {
                buf.resize(h, 0.0);
                let mut r = rng::stream(scn.seed(), rep, rng::SUB_DEMAND + m as u64);
                normal::fill_standard_normals(&mut r, buf);
            }
            black_box(&z);
        })
    });
    g.bench_function("noise_words", |b| {
        let mut bytes = vec![0u8; 8 * h];
        b.iter(|| {
            rep += 1;
            for m in 0..nm {
                let mut r = rng::stream(scn.seed(), rep, rng::SUB_DEMAND + m as u64);
                Rng::fill_bytes(&mut r, &mut bytes);
                black_box(&bytes);
            }
        })
    });
    g.bench_function("noise_normals_sample", |b| {
        b.iter(|| {
            rep += 1;
            for (m, buf) in z.iter_mut().enumerate() {
                buf.clear();
                let mut r = rng::stream(scn.seed(), rep, rng::SUB_DEMAND + m as u64);
                buf.extend((0..h).map(|_| r.sample::<f64, _>(StandardNormal)));
            }
            black_box(&z);
        })
    });
    let cv = scn.strategies()[0].materials[0].demand_cv();
    let mut eps = Vec::with_capacity(h);
    g.throughput(Throughput::Elements(h as u64));
    g.bench_function("noise_multipliers", |b| {
        b.iter(|| material::noise_multipliers(black_box(cv), &z[0], &mut eps))
    });
    g.finish();
}

fn daily_step(c: &mut Criterion) {
    let scn = bench_scenario();
    let graph = TriggerGraph::new(&scn);
    let rep = busy_rep(&scn, &graph);
    let mut tl = Timeline::default();
    tl.sample(&scn, &graph, scn.seed(), rep);
    let mut frames = Frames::default();
    frames.build(&scn, &tl);
    let p = &scn.strategies()[0].materials[0];
    let h = scn.horizon_days() as usize;
    let z: Vec<f64> = (0..h).map(|t| ((t as f64) * 0.7).sin()).collect();
    let mut eps = Vec::new();
    material::noise_multipliers(p.demand_cv(), &z, &mut eps);
    let mut ws = Workspace::default();
    let mut hist = DailyHist::new(&scn);
    let mut g = c.benchmark_group("phase");
    g.throughput(Throughput::Elements(h as u64));
    g.bench_function("daily_step", |b| {
        b.iter(|| {
            material::simulate(
                black_box(p),
                black_box(&frames.materials[0]),
                &eps,
                &mut ws,
                &mut NoRecord,
            )
        })
    });
    g.bench_function("daily_step_recorded", |b| {
        b.iter(|| {
            material::simulate(
                black_box(p),
                black_box(&frames.materials[0]),
                &eps,
                &mut ws,
                &mut hist.recorder(0, 0),
            )
        })
    });
    g.finish();

    // The batched step on a block of replications starting at the busy one, per
    // instruction-set variant; throughput counts material-days of all lanes.
    let mut timelines: [Timeline; LANES] = Default::default();
    for (l, tl) in timelines.iter_mut().enumerate() {
        tl.sample(&scn, &graph, scn.seed(), rep + l as u64);
    }
    let mut lf = LaneFrames::default();
    lf.build(&scn, &timelines);
    let zl: Vec<V> = z.iter().map(|&x| V::splat(x)).collect();
    let mut noise = Vec::new();
    batch::noise_multipliers(Isa::detect(), p.demand_cv(), &zl, &mut noise);
    let mut bws = batch::Workspace::default();
    let mut out = [material::Outcome {
        row: MetricsRow([0.0; N_METRICS]),
        ledger: Default::default(),
    }; LANES];
    let mut g = c.benchmark_group("phase");
    g.throughput(Throughput::Elements((h * LANES) as u64));
    for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
        g.bench_function(format!("daily_step_batched/{isa:?}"), |b| {
            b.iter(|| {
                batch::simulate(
                    isa,
                    black_box(p),
                    black_box(&lf.materials[0]),
                    &noise,
                    &mut bws,
                    &mut (),
                    false,
                    &mut out,
                )
            })
        });
        g.bench_function(format!("daily_step_batched_recorded/{isa:?}"), |b| {
            b.iter(|| {
                batch::simulate(
                    isa,
                    black_box(p),
                    black_box(&lf.materials[0]),
                    &noise,
                    &mut bws,
                    &mut hist.lanes(0, 0, LANES),
                    false,
                    &mut out,
                )
            })
        });
    }
    g.finish();
}

/// A run of 10,000 replications with daily bands, as the analysis phases read it.
fn ten_thousand(scn: &Scenario) -> RunResult {
    run(scn, &RunOptions::new(scn.seed(), 10_000), &NoProgress)
}

fn analysis_and_output(c: &mut Criterion) {
    let scn = bench_scenario();
    let res = ten_thousand(&scn);
    let mut g = c.benchmark_group("phase");
    g.sample_size(10);
    g.throughput(Throughput::Elements(res.n_replications as u64));
    // Statistics and output run in parallel: timed on 1 thread (the work, what a
    // regression moves) and on 2 (this machine's cores).
    let pools: Vec<(usize, rayon::ThreadPool)> = [1, 2]
        .into_iter()
        .map(|n| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("a thread pool");
            (n, pool)
        })
        .collect();
    for (n, pool) in &pools {
        g.bench_function(format!("statistics/{n} threads"), |b| {
            b.iter(|| {
                pool.install(|| Summary::from_run(black_box(&scn), &res, scn.seed()).unwrap())
            })
        });
    }
    let hist = res.daily.as_ref().expect("daily histograms were asked for");
    g.bench_function("daily_bands", |b| b.iter(|| daily_bands(black_box(hist))));
    let summary = Summary::from_run(&scn, &res, scn.seed()).unwrap();
    let bands = daily_bands(hist);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let info = RunInfo {
        chokepoint_version: report::CHOKEPOINT_VERSION.into(),
        git_commit: None,
        scenario_path: "scenarios/bench.toml".into(),
        scenario_sha256: String::new(),
        seed: scn.seed(),
        first_replication: 0,
        replications: res.n_replications as u64,
        threads: 1,
        wall_time_s: 0.0,
        command_line: vec![],
        rand_version: report::RAND_VERSION.into(),
        rand_distr_version: report::RAND_DISTR_VERSION.into(),
        started_at: String::new(),
        precision: None,
        notes: Vec::new(),
    };
    for (n, pool) in &pools {
        g.bench_function(format!("output/{n} threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    report::write_run_outputs(
                        dir.path(),
                        &scn,
                        &res,
                        &summary,
                        Some(&bands),
                        &info,
                        Default::default(),
                    )
                    .expect("the temporary folder is writable")
                })
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    timeline_and_frames,
    noise,
    daily_step,
    analysis_and_output
);
criterion_main!(benches);
