//! Exact checks of single mechanisms of MODEL.md §4 on small deterministic scenarios.
//! Each expected value is derived by hand in its comment.

mod common;

use chokepoint::model::*;
use chokepoint::sim::{Metric, NoProgress, RunOptions, run};
use common::*;

fn one(scn: &Scenario, s: usize) -> chokepoint::sim::MetricsRow {
    *run(scn, &RunOptions::new(1, 1), &NoProgress).row(0, s, 0)
}

fn day_shock(kind: ShockKind, day: u32, dur: f64, sev: f64, targets: Vec<(usize, usize)>) -> Shock {
    let mut s = embargo(
        "x",
        Onset::Day {
            day,
            probability: 1.0,
        },
        Dist::Fixed(dur),
        Dist::Fixed(sev),
        targets,
    );
    s.kind = kind;
    s
}

#[test]
fn surge_ramps_up_linearly_over_the_lag() {
    // Supplier A (share 1, L = 1) is embargoed on days 100..149; B is dormant (share 0)
    // with surge u = 0.5 and lag g = 10, L = 1; no stocks. On day 100 + j the order is
    // d, A gives nothing and B can give 0.5 d min(1, j/10) (its counter was j before the
    // day's increment), which arrives the next day. So day 101 + j is short by
    // d (1 - 0.05 min(j, 10)) for j = 0..49 (day 150 still waits for B's last shipment;
    // A's order of day 150 arrives on 151). Total:
    // d [50 - 0.05 (0 + 1 + ... + 9 + 40 * 10)] = d (50 - 0.05 * 445) = 27.75 d.
    let d = 4.0;
    let mut b = supplier(0.0, 1);
    b.surge = 0.5;
    b.surge_lag_days = 10;
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 1), b]);
    let s = day_shock(ShockKind::Embargo, 100, 50.0, 1.0, vec![(0, 0)]);
    let scn = scenario(365, vec![info("m", 2)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert!(
        (row.get(Metric::ShortfallUnits) - 27.75 * d).abs() < 1e-9,
        "{}",
        row.get(Metric::ShortfallUnits)
    );
    assert_eq!(row.get(Metric::DaysShort), 50.0);
    assert_eq!(row.get(Metric::TtsDays), 1.0);
    // One episode from onset 100 to day 150 inclusive: recovery = 151 - 100.
    assert_eq!(row.get(Metric::RecoveryDays), 51.0);
}

#[test]
fn a_demand_surge_beyond_capacity_is_lost_demand() {
    // One supplier with capacity d (no surge), no stocks; demand × 1.5 on days 50..59.
    // Each of those days 1.5 d is asked and d arrives: 0.5 d lost, 5 d in all; total
    // demand is 365 d + 5 d.
    let d = 10.0;
    let mut p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    p.refill_rate = 1.0;
    let mut s = day_shock(ShockKind::DemandSurge, 50, 10.0, 0.5, vec![]);
    s.demand_targets = vec![0];
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert!((row.get(Metric::ShortfallUnits) - 5.0 * d).abs() < 1e-9);
    assert!((row.get(Metric::ShortfallPct) - 100.0 * 5.0 / 370.0).abs() < 1e-9);
    assert!((row.get(Metric::MaxDailyShortfallPct) - 100.0 / 3.0).abs() < 1e-9);
    // A demand surge is not a supply loss: no time to survive.
    assert!(row.get(Metric::TtsDays).is_nan());
}

#[test]
fn full_immediate_substitution_stops_the_shortfall_after_one_day() {
    // L = 1, no stocks, embargo days 10..39. First shortfall on day 11 (tts = L + S = 1),
    // d units. Substitution (max 1, ramp 0) is on from day 12 and replaces all demand
    // while t - 11 <= persist (400 days, beyond the horizon). So shortfall = d, and the
    // substituted units are the demand of days 12..364 = 353 d, costing 0.3 × unit value
    // each.
    let d = 2.0;
    let mut p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    p.substitution = Some(Substitution {
        max_fraction: 1.0,
        ramp_days: 0.0,
        persist_days: 400,
        cost_premium: 0.3,
    });
    let s = day_shock(ShockKind::Embargo, 10, 30.0, 1.0, vec![(0, 0)]);
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert!((row.get(Metric::ShortfallUnits) - d).abs() < 1e-9);
    assert_eq!(row.get(Metric::DaysShort), 1.0);
    assert!((row.get(Metric::SubstitutionCost) - 353.0 * d * 0.3 * 100.0).abs() < 1e-6);
}

#[test]
fn substitution_is_forgotten_after_persist_days() {
    // As above but persist 5 days: on after day 11, off again on day 17 (17 - 11 > 5),
    // which is short and switches it back on from day 18, off on 23, and so on: while the
    // embargo lasts (days 10..39; the order of day 40 arrives on 41) every sixth day is
    // short: 11, 17, 23, 29, 35. Day 41 is off again but supply is back. So 5 d.
    let d = 2.0;
    let mut p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    p.substitution = Some(Substitution {
        max_fraction: 1.0,
        ramp_days: 0.0,
        persist_days: 5,
        cost_premium: 0.3,
    });
    let s = day_shock(ShockKind::Embargo, 10, 30.0, 1.0, vec![(0, 0)]);
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert_eq!(row.get(Metric::DaysShort), 5.0);
    assert!((row.get(Metric::ShortfallUnits) - 5.0 * d).abs() < 1e-9);
}

#[test]
fn reaction_shifts_shares_inside_the_window_only() {
    // A and B share 0.5 each (L = 1, no surge, no stocks). A is embargoed on days 50..79.
    // Without a reaction, B's capacity is 0.5 d, so days 51..80 lack 0.5 d: 15 d. With a
    // reaction (lag 0, shares all to B) the window starts on day 50, B's capacity becomes
    // d and the order of day 50 already goes to B: no shortfall. Holding the same shares
    // permanently (continuous effort) gives no shortfall either.
    let d = 6.0;
    let base = material(d, 0.0, 0.0, vec![supplier(0.5, 1), supplier(0.5, 1)]);
    let mut react = base.clone();
    react.reaction = Some(Reaction {
        lag_days: 0,
        memory_days: 0,
        private_days: 0.0,
        shares: vec![0.0, 1.0],
    });
    let mut cont = base.clone();
    cont.suppliers[0].share = 0.0;
    cont.suppliers[1].share = 1.0;
    let s = day_shock(ShockKind::Embargo, 50, 30.0, 1.0, vec![(0, 0)]);
    let scn = scenario(
        365,
        vec![info("m", 2)],
        vec![s],
        vec![
            ("b", 0.0, vec![base]),
            ("react", 0.0, vec![react]),
            ("cont", 0.0, vec![cont]),
        ],
    );
    let res = run(&scn, &RunOptions::new(1, 1), &NoProgress);
    assert!((res.row(0, 0, 0).get(Metric::ShortfallUnits) - 15.0 * d).abs() < 1e-9);
    assert_eq!(res.row(0, 1, 0).get(Metric::ShortfallUnits), 0.0);
    assert_eq!(res.row(0, 2, 0).get(Metric::ShortfallUnits), 0.0);
}

#[test]
fn a_logistics_delay_postpones_arrivals() {
    // One supplier, L = 5, no stocks; a logistics shock (no loss) adds 10 days to
    // shipments dispatched on days 20..24, which arrive on 35..39 instead of 25..29.
    // Demand is lost, not served, so from day 25 the position (those five shipments in
    // the pipeline) stays at its target 5 d and nothing is ordered until day 35's
    // arrival is used; that order arrives on day 40. So days 25..34 are short: 10 d.
    let d = 3.0;
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 5)]);
    let mut s = day_shock(ShockKind::Logistics, 20, 5.0, 0.0, vec![(0, 0)]);
    s.delay = Dist::Fixed(10.0);
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert!(
        (row.get(Metric::ShortfallUnits) - 10.0 * d).abs() < 1e-9,
        "{}",
        row.get(Metric::ShortfallUnits)
    );
    assert_eq!(row.get(Metric::DaysShort), 10.0);
    assert_eq!(row.get(Metric::TtsDays), 5.0);
}

#[test]
fn the_stockpile_refills_and_restock_days_are_counted() {
    // L = 1, stockpile 10 days, private 0, refill 10 %/day, supplier surge 0.5 (no lag)
    // so the refill orders can be filled. Embargo days 100..104 (5 days): the stockpile
    // covers days 101..105 (5 d drawn), orders resume on day 105, then 0.1 d a day of
    // extra order refills it over 50 days. The first onset is day 100; restock_days is
    // the day it is back at target minus 100, and the lowest level is 50 %.
    let d = 10.0;
    let mut s1 = supplier(1.0, 1);
    s1.surge = 0.5;
    let p = material(d, 0.0, 10.0, vec![s1]);
    let s = day_shock(ShockKind::Embargo, 100, 5.0, 1.0, vec![(0, 0)]);
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert_eq!(row.get(Metric::ShortfallUnits), 0.0);
    assert!((row.get(Metric::StockpileMinPct) - 50.0).abs() < 1e-9);
    // Refill: orders of (1 + 0.1) d from day 105 on arrive the next day; 0.1 d of each
    // goes to the stockpile, 5 d are missing: 50 arrivals, days 106..155; back at target
    // on day 155 → 55 days after the onset.
    assert_eq!(row.get(Metric::RestockDays), 55.0);
}
