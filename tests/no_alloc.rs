//! The daily step allocates nothing: once a worker's buffers have grown to the scenario's
//! size, simulating a material over the whole horizon makes no heap allocation, nor does
//! the sector layer's step (`scenarios/bench_sectors.toml`), after the scalar or the
//! batched material step. Checked with a counting global allocator (this test binary
//! only).

use chokepoint::model::Scenario;
use chokepoint::scenario::{load_scenario, parse_scenario};
use chokepoint::sim::batch::{self, Isa, LaneFrames};
use chokepoint::sim::lanes::{LANES, V};
use chokepoint::sim::material::{self, NoRecord, Outcome, Workspace};
use chokepoint::sim::sectors::{self, SectorPlan, SectorState, Served};
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use chokepoint::sim::{
    DailyHist, MetricsRow, N_METRICS, SectorMetric, material::noise_multipliers,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

mod common;
use common::served::{Listed, step_materials};

struct Counting;

thread_local! {
    /// Allocations made by this thread: the tests run in parallel threads, and each
    /// counts only its own.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // (`try_with`: the thread may be tearing down its locals.)
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

/// Allocations made by this thread so far.
fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn simulating_a_material_allocates_nothing_after_warm_up() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench.toml");
    let scn = load_scenario(&path).unwrap();
    let graph = TriggerGraph::new(&scn);
    let mut tl = Timeline::default();
    let mut frames = Frames::default();
    let mut ws = Workspace::default();
    let mut hist = DailyHist::new(&scn);
    let z: Vec<f64> = (0..scn.horizon_days())
        .map(|t| ((t as f64) * 0.37).sin())
        .collect();
    let mut eps = Vec::new();
    // Warm up on many replications so every buffer reaches its largest size.
    for rep in 0..200 {
        tl.sample(&scn, &graph, scn.seed(), rep);
        frames.build(&scn, &tl);
        for (s, strat) in scn.strategies().iter().enumerate() {
            for (m, p) in strat.materials.iter().enumerate() {
                noise_multipliers(p.demand_cv(), &z, &mut eps);
                material::simulate(p, &frames.materials[m], &eps, &mut ws, &mut NoRecord);
                material::simulate(
                    p,
                    &frames.materials[m],
                    &eps,
                    &mut ws,
                    &mut hist.recorder(s, m),
                );
            }
        }
    }
    // Now: the daily loop of every (strategy, material), with and without daily bands.
    for (s, strat) in scn.strategies().iter().enumerate() {
        for (m, p) in strat.materials.iter().enumerate() {
            noise_multipliers(p.demand_cv(), &z, &mut eps);
            let before = allocs();
            material::simulate(p, &frames.materials[m], &eps, &mut ws, &mut NoRecord);
            material::simulate(
                p,
                &frames.materials[m],
                &eps,
                &mut ws,
                &mut hist.recorder(s, m),
            );
            let after = allocs();
            assert_eq!(after, before, "strategy {s}, material {m} allocated");
        }
    }
}

/// One lane of the short days the batched material step listed, one workspace per
/// material.
struct LaneListed<'a> {
    ws: &'a [batch::Workspace],
    frames: &'a LaneFrames,
    lane: usize,
}

impl Served for LaneListed<'_> {
    fn n_listed(&self, m: usize) -> usize {
        self.ws[m].short_days().len()
    }

    fn listed(&self, m: usize, i: usize) -> (u32, f64, f64) {
        let d = &self.ws[m].short_days()[i];
        (d.t, d.demand.0[self.lane], d.short.0[self.lane])
    }

    fn first_supply_onset(&self, m: usize) -> Option<u32> {
        self.frames.materials[m].hits[self.lane].first_supply_onset
    }
}

/// `scenarios/bench_sectors.toml` with embargoes 2 a year instead of 0.15 and a 10-day
/// stockpile of rare-earth oxide instead of 60.
fn harsh_bench_sectors() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench_sectors.toml");
    let src = std::fs::read_to_string(path).unwrap();
    let harsh = src
        .replace(
            "onset = { rate_per_year = 0.15 }",
            "onset = { rate_per_year = 2 }",
        )
        .replace("stockpile_days = 60", "stockpile_days = 10");
    assert_ne!(harsh, src);
    parse_scenario("bench_sectors.toml", &harsh).unwrap()
}

/// Whether some sector row lost output.
fn reduced(rows: &[MetricsRow]) -> bool {
    rows.iter()
        .any(|r| r.0[SectorMetric::DaysOutputReduced.index()] > 0.0)
}

#[test]
fn the_sector_layer_allocates_nothing_after_warm_up() {
    // `scenarios/bench_sectors.toml`: bench.toml plus five sectors, one intermediate.
    // Each material's step lists its short days for the sectors, then the sector step
    // rations them, as the engine does (scalar step, then batched step with its lanes).
    // With embargoes 2 a year instead of 0.15 and a smaller stockpile, so that sectors
    // often lose output.
    let scn = harsh_bench_sectors();
    assert_eq!(scn.sectors().len(), 5);
    let (nm, nk, h) = (
        scn.materials().len(),
        scn.sectors().len(),
        scn.horizon_days() as usize,
    );
    let plans: Vec<SectorPlan> = scn
        .strategies()
        .iter()
        .map(|s| SectorPlan::new(&scn, s))
        .collect();
    // Otherwise every day is stepped: the skipping path would go untested here.
    assert!(plans.iter().all(SectorPlan::skips_calm_days));
    let graph = TriggerGraph::new(&scn);
    let mut st = SectorState::default();
    let mut mats = vec![MetricsRow([0.0; N_METRICS]); nm];
    let mut secs = vec![MetricsRow([0.0; N_METRICS]); nk];
    // One noise series for every material (its values do not matter here).
    let z: Vec<f64> = (0..scn.horizon_days())
        .map(|t| ((t as f64) * 0.37).sin())
        .collect();
    let mut eps = Vec::new();
    noise_multipliers(0.05, &z, &mut eps);

    // The scalar step: warm up on 200 replications so every buffer reaches its largest
    // size, then step the same ones again counting allocations; some of them are hit by
    // a shock, so sectors draw their buffers and lose output.
    let mut tl = Timeline::default();
    let mut frames = Frames::default();
    let mut ws = Workspace::default();
    let mut days: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); nm];
    let mut busy = 0;
    for count in [false, true] {
        for rep in 0..200 {
            tl.sample(&scn, &graph, scn.seed(), rep);
            frames.build(&scn, &tl);
            for (s, strat) in scn.strategies().iter().enumerate() {
                let before = allocs();
                step_materials(strat, &frames, &eps, &mut ws, &mut days, h, &mut mats);
                let served = Listed {
                    days: &days,
                    frames: &frames,
                };
                sectors::simulate(&plans[s], &served, h, &mut st, &mut secs, &mut mats);
                let after = allocs();
                if count {
                    assert_eq!(after, before, "scalar: replication {rep}, strategy {s}");
                    busy += usize::from(reduced(&secs));
                }
            }
        }
    }
    assert!(busy > 0, "some replication reduces some sector's output");

    // The batched step, lane by lane, the same way (blocks of LANES replications).
    let isa = Isa::detect();
    let noise: Vec<V> = eps.iter().map(|&e| V::splat(e)).collect();
    let mut timelines: Box<[Timeline; LANES]> = Box::default();
    let mut lane_frames = LaneFrames::default();
    let mut bws: Vec<batch::Workspace> = vec![batch::Workspace::default(); nm];
    let mut out = [Outcome {
        row: MetricsRow([0.0; N_METRICS]),
        ledger: Default::default(),
    }; LANES];
    let mut busy = 0;
    for count in [false, true] {
        for block in 0..12 {
            for (l, tl) in timelines.iter_mut().enumerate() {
                tl.sample(&scn, &graph, scn.seed(), (block * LANES + l) as u64);
            }
            lane_frames.build(&scn, &timelines);
            for (s, strat) in scn.strategies().iter().enumerate() {
                let before = allocs();
                for (m, p) in strat.materials.iter().enumerate() {
                    let f = &lane_frames.materials[m];
                    batch::simulate(isa, p, f, &noise, &mut bws[m], &mut (), true, &mut out);
                }
                for lane in 0..LANES {
                    let served = LaneListed {
                        ws: &bws,
                        frames: &lane_frames,
                        lane,
                    };
                    sectors::simulate(&plans[s], &served, h, &mut st, &mut secs, &mut mats);
                    if count {
                        busy += usize::from(reduced(&secs));
                    }
                }
                let after = allocs();
                if count {
                    assert_eq!(after, before, "batched: block {block}, strategy {s}");
                }
            }
        }
    }
    assert!(busy > 0, "some replication reduces some sector's output");
}
