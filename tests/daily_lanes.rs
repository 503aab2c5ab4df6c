//! The daily histograms record a block of futures at once (`DailyHist::lanes`, what the
//! batched engine uses) exactly as lane after lane through the per-day recorder
//! (`DailyHist::recorder`, what the scalar engine uses): the same counts and the same
//! bits of the extremes in every (strategy, material), for blocks with every lane
//! recorded and for partial blocks, with bins held and counted later (`flush`) or, for
//! days out of order, counted at once; and `to_bytes` keeps the stored order of
//! `daily.bin`.

use chokepoint::model::Scenario;
use chokepoint::scenario::load_scenario;
use chokepoint::sim::daily::{BINS, LaneRecorder, PENDING_BLOCKS};
use chokepoint::sim::lanes::{LANES, V};
use chokepoint::sim::material::DayRecorder;
use chokepoint::sim::{DailyHist, Series};
use std::path::Path;

fn bench() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench.toml");
    load_scenario(&path).expect("scenarios/bench.toml is valid")
}

/// A small deterministic generator (64-bit LCG, top bits): the values only need to
/// cover the bins, the edges and the ties.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One block's days, `[private, stockpile, arrived, shortfall, demand]` per day and
/// lane: values spread over the ranges and beyond, exact zeros of both signs, values at
/// and just above the exact-zero threshold, and days where lanes share values (so
/// bins are shared and extremes tie).
fn block(scn: &Scenario, rng: &mut Lcg) -> Vec<[V; 5]> {
    let d = scn.strategies()[0].materials[0].daily_demand();
    let h = scn.horizon_days() as usize;
    let special = [0.0, -0.0, 1e-9 * d, 2e-9 * d, 1e-12, 500.0 * d, 1e9 * d];
    let mut days: Vec<[V; 5]> = (0..h)
        .map(|t| {
            std::array::from_fn(|k| {
                let pool: Vec<f64> = (0..3).map(|_| rng.next() * 120.0 * d).collect();
                V(std::array::from_fn(|_| {
                    let u = rng.next();
                    match (t + k) % 4 {
                        // Every lane from a pool of three values: many ties.
                        0 => pool[(u * 3.0) as usize],
                        1 if u < 0.3 => special[(u / 0.3 * special.len() as f64) as usize],
                        _ => u * 150.0 * d,
                    }
                }))
            })
        })
        .collect();
    // Fixed days: signed zeros alternating over the lanes (the extremes keep the first
    // lane's zero), every lane equal, every lane far above the range.
    days[0] = [V(std::array::from_fn(|l| if l % 2 == 0 { -0.0 } else { 0.0 })); 5];
    days[1] = [V::splat(7.25 * d); 5];
    days[2] = [V::splat(1e9 * d); 5];
    days
}

fn record_lane(hist: &mut DailyHist, s: usize, m: usize, days: &[[V; 5]], lane: usize) {
    let mut rec = hist.recorder(s, m);
    for (t, v) in days.iter().enumerate() {
        rec.record(t, v[0].0[lane], v[1].0[lane], v[2].0[lane], v[3].0[lane]);
    }
}

#[test]
fn recording_a_block_equals_recording_lane_after_lane() {
    let scn = bench();
    let mut rng = Lcg(7);
    let (mut by_block, mut by_lane) = (DailyHist::new(&scn), DailyHist::new(&scn));
    // Blocks into the same slots (so the extremes recorded earlier are passed or not),
    // lane counts from all to one, three (strategy, material) slots, more than
    // PENDING_BLOCKS blocks into (0, 0) so that its held bins are counted on the way too;
    // every fifth block records its days backwards from day 9 on (days 0..9 held, the
    // rest counted at once).
    let counts = [LANES, LANES, 9, 1, LANES, 5, 15];
    for i in 0..3 * PENDING_BLOCKS + 7 {
        let (s, m) = if i % 3 == 0 { (0, 0) } else { (i % 2, 1) };
        let n = counts[i % counts.len()];
        let days = block(&scn, &mut rng);
        let mut rec = by_block.lanes(s, m, n);
        let order: Vec<usize> = if i % 5 == 4 {
            (0..9).chain((9..days.len()).rev()).collect()
        } else {
            (0..days.len()).collect()
        };
        for t in order {
            rec.record_lanes(t, &days[t]);
        }
        for lane in 0..n {
            record_lane(&mut by_lane, s, m, &days, lane);
        }
    }
    by_block.flush();
    assert!(
        by_block.to_bytes() == by_lane.to_bytes(),
        "counts or extremes differ"
    );
    // Flushing again changes nothing.
    let bytes = by_block.to_bytes();
    by_block.flush();
    assert!(by_block.to_bytes() == bytes);
    // Not vacuous: the fixed days were recorded (the first block's lane 0 holds -0).
    let (lo, hi) = by_block.range(0, 0, Series::Private, 0).expect("recorded");
    assert_eq!(
        (lo.to_bits(), hi.to_bits()),
        ((-0.0f64).to_bits(), (-0.0f64).to_bits())
    );
    assert!(
        by_block
            .range(0, 0, Series::Shortfall, 2)
            .is_some_and(|r| r.0 > 1e8)
    );
}

#[test]
fn stored_bytes_keep_the_order_slot_series_bin_day() {
    // One value in (strategy 1, material 1), series `arrived`, day 3: its count must sit
    // at index ((slot * 5 + series) * BINS + bin) * horizon + day of the stored counts,
    // after the header (8 bytes of replications, 5 u32 dimensions).
    let scn = bench();
    let h = scn.horizon_days() as usize;
    let nm = scn.materials().len();
    let mut hist = DailyHist::new(&scn);
    // Arrived (the third value of a day) far above its range in lane 0.
    let mut days = [V::ZERO; 5];
    days[2].0[0] = 1e9;
    let mut rec = hist.lanes(1, 1, 1);
    rec.record_lanes(3, &days);
    hist.flush();
    let bytes = hist.to_bytes();
    let count = |slot: usize, series: usize, bin: usize, t: usize| {
        let at = 8 + 20 + 4 * (((slot * 5 + series) * BINS + bin) * h + t);
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    };
    let slot = nm + 1;
    // Series private, stockpile, total stock, arrived, shortfall: arrived (index 3) in
    // the top bin, the others (zeros) in bin 0; lanes 1.. not recorded.
    for series in 0..5 {
        let (bin, other) = if series == 3 {
            (BINS - 1, 0)
        } else {
            (0, BINS - 1)
        };
        assert_eq!(count(slot, series, bin, 3), 1, "series {series}");
        assert_eq!(count(slot, series, other, 3), 0, "series {series}");
        assert_eq!(count(slot, series, bin, 2), 0);
    }
    let back = DailyHist::from_bytes(&scn, &bytes).expect("round trip");
    assert!(back.to_bytes() == bytes);
}
