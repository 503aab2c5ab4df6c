//! The batched daily step (`sim::batch`) computes exactly the bits of the scalar step
//! (`sim::material::simulate`): every metric, the stock ledger and every recorded day,
//! for every shipped scenario, strategy and material, in every instruction-set variant
//! this CPU runs, over many replications.

use chokepoint::model::Scenario;
use chokepoint::scenario::load_scenario;
use chokepoint::sim::batch::{self, Isa, LaneFrames};
use chokepoint::sim::daily::LaneRecorder;
use chokepoint::sim::lanes::{LANES, V};
use chokepoint::sim::material::{self, DayRecorder, Outcome, Workspace};
use chokepoint::sim::rng;
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use rand::RngExt;
use rand_distr::StandardNormal;
use std::path::{Path, PathBuf};

/// Every day's values, as bits.
#[derive(Default)]
struct Days(Vec<[u64; 4]>);
impl DayRecorder for Days {
    fn record(&mut self, _t: usize, p: f64, g: f64, a: f64, s: f64) {
        self.0
            .push([p.to_bits(), g.to_bits(), a.to_bits(), s.to_bits()]);
    }
}

/// Every day of every lane of the batched step, as bits per lane.
struct LaneDays(Vec<Vec<[u64; 4]>>);
impl LaneRecorder for LaneDays {
    fn record_lanes(&mut self, t: usize, d: &[V; 5]) {
        for (l, days) in self.0.iter_mut().enumerate() {
            assert_eq!(days.len(), t, "days in order");
            days.push([d[0].0[l], d[1].0[l], d[2].0[l], d[3].0[l]].map(f64::to_bits));
        }
    }
}

fn bits(o: &Outcome) -> Vec<u64> {
    let l = &o.ledger;
    o.row
        .0
        .iter()
        .chain([
            &l.initial_stock,
            &l.initial_pipeline,
            &l.dispatched,
            &l.final_stock,
            &l.final_pipeline,
            &l.served,
        ])
        .map(|x| x.to_bits())
        .collect()
}

fn normals(seed: u64, rep: u64, m: usize, h: usize) -> Vec<f64> {
    let mut r = rng::stream(seed, rep, rng::SUB_DEMAND + m as u64);
    (0..h).map(|_| r.sample::<f64, _>(StandardNormal)).collect()
}

/// Compares the two steps on `blocks` blocks of replications of `scn`.
fn compare(name: &str, scn: &Scenario, blocks: u64) -> usize {
    let graph = TriggerGraph::new(scn);
    let h = scn.horizon_days() as usize;
    let nm = scn.materials().len();
    let isas: Vec<Isa> = Isa::ALL.into_iter().filter(|i| i.available()).collect();
    let mut timelines: [Timeline; LANES] = Default::default();
    let mut lane_frames = LaneFrames::default();
    let mut frames = Frames::default();
    let mut ws = Workspace::default();
    let mut bws = batch::Workspace::default();
    let mut out = [Outcome {
        row: chokepoint::sim::MetricsRow([0.0; chokepoint::sim::N_METRICS]),
        ledger: Default::default(),
    }; LANES];
    let mut checked = 0;
    for b in 0..blocks {
        let reps: Vec<u64> = (0..LANES as u64).map(|l| b * LANES as u64 + l).collect();
        for (tl, &rep) in timelines.iter_mut().zip(&reps) {
            tl.sample(scn, &graph, scn.seed(), rep);
        }
        lane_frames.build(scn, &timelines);
        let z: Vec<Vec<Vec<f64>>> = reps
            .iter()
            .map(|&rep| (0..nm).map(|m| normals(scn.seed(), rep, m, h)).collect())
            .collect();
        for (s, strat) in scn.strategies().iter().enumerate() {
            for (m, p) in strat.materials.iter().enumerate() {
                // The same noise multipliers for both (the noise itself is compared by the
                // engine-level test).
                let mut zl = vec![V::ZERO; h];
                for (l, z) in z.iter().enumerate() {
                    for (zt, &x) in zl.iter_mut().zip(&z[m]) {
                        zt.0[l] = x;
                    }
                }
                let mut noise = Vec::new();
                batch::noise_multipliers(Isa::Portable, p.demand_cv(), &zl, &mut noise);
                // Scalar: replication by replication.
                let mut want = Vec::new();
                for (l, tl) in timelines.iter().enumerate() {
                    frames.build(scn, tl);
                    let eps: Vec<f64> = noise.iter().map(|v| v.0[l]).collect();
                    let mut days = Days::default();
                    let o = material::simulate(p, &frames.materials[m], &eps, &mut ws, &mut days);
                    want.push((bits(&o), days.0));
                }
                // Batched, in every instruction set.
                for &isa in &isas {
                    let mut lane_days = LaneDays(vec![Vec::new(); LANES]);
                    batch::simulate(
                        isa,
                        p,
                        &lane_frames.materials[m],
                        &noise,
                        &mut bws,
                        &mut lane_days,
                        false,
                        &mut out,
                    );
                    for (l, days) in lane_days.0.iter().enumerate() {
                        assert!(
                            want[l].0 == bits(&out[l]),
                            "{name}: replication {}, strategy {s}, material {m}, {isa:?}: metrics\n  scalar  {:?}\n  batched {:?}",
                            reps[l],
                            out[l].row.0.map(f64::to_bits),
                            want[l].0,
                        );
                        assert!(
                            want[l].1 == *days,
                            "{name}: replication {}, strategy {s}, material {m}, {isa:?}: days differ",
                            reps[l]
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    checked
}

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

#[test]
fn batched_step_equals_scalar_step_bit_for_bit_on_every_shipped_scenario() {
    let files = scenario_files();
    assert!(files.len() >= 9, "{files:?}");
    for f in files {
        let scn = load_scenario(&f).expect("shipped scenarios are valid");
        let checked = compare(&f.display().to_string(), &scn, 12);
        assert!(checked > 0);
    }
}

#[test]
fn noise_multipliers_are_the_same_bits_in_every_instruction_set() {
    let h = 4000;
    let mut r = rng::stream(7, 0, rng::SUB_DEMAND);
    let z: Vec<V> = (0..h)
        .map(|_| {
            V(std::array::from_fn(|_| {
                3.0 * r.sample::<f64, _>(StandardNormal)
            }))
        })
        .collect();
    for cv in [0.01, 0.3, 2.0] {
        let mut want = Vec::new();
        batch::noise_multipliers(Isa::Portable, cv, &z, &mut want);
        // Lane by lane, what the scalar step's noise gives.
        for l in 0..LANES {
            let zl: Vec<f64> = z.iter().map(|z| z.0[l]).collect();
            let mut scalar = Vec::new();
            material::noise_multipliers(cv, &zl, &mut scalar);
            for (w, s) in want.iter().zip(&scalar) {
                assert_eq!(w.0[l].to_bits(), s.to_bits());
            }
        }
        for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
            let mut got = Vec::new();
            batch::noise_multipliers(isa, cv, &z, &mut got);
            assert!(got == want, "{isa:?}, cv {cv}");
        }
    }
}
