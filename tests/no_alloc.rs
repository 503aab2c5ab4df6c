//! The daily step allocates nothing: once a worker's buffers have grown to the scenario's
//! size, simulating a material over the whole horizon makes no heap allocation. Checked
//! with a counting global allocator (this test binary only).

use chokepoint::scenario::load_scenario;
use chokepoint::sim::material::{self, NoRecord, Workspace};
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use chokepoint::sim::{DailyHist, material::noise_multipliers};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
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
    let z: Vec<f64> = (0..scn.horizon_days)
        .map(|t| ((t as f64) * 0.37).sin())
        .collect();
    let mut eps = Vec::new();
    // Warm up on many replications so every buffer reaches its largest size.
    for rep in 0..200 {
        tl.sample(&scn, &graph, scn.seed, rep);
        frames.build(&scn, &tl);
        for (s, strat) in scn.strategies.iter().enumerate() {
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
    for (s, strat) in scn.strategies.iter().enumerate() {
        for (m, p) in strat.materials.iter().enumerate() {
            noise_multipliers(p.demand_cv(), &z, &mut eps);
            let before = ALLOCS.load(Ordering::Relaxed);
            material::simulate(p, &frames.materials[m], &eps, &mut ws, &mut NoRecord);
            material::simulate(
                p,
                &frames.materials[m],
                &eps,
                &mut ws,
                &mut hist.recorder(s, m),
            );
            let after = ALLOCS.load(Ordering::Relaxed);
            assert_eq!(after, before, "strategy {s}, material {m} allocated");
        }
    }
}
