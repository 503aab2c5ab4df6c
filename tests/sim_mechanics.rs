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
        Onset::day(day, 1.0).unwrap(),
        Dist::fixed(dur).unwrap(),
        Dist::fixed(sev).unwrap(),
        targets,
    );
    s = s.with_parts(|p| p.kind = kind).unwrap();
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
    b = with_supplier(&b, |s| s.surge = 0.5);
    b = with_supplier(&b, |s| s.surge_lag_days = 10);
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
    p = with_values(&p, |v| v.refill_rate = 1.0);
    let mut s = day_shock(ShockKind::DemandSurge, 50, 10.0, 0.5, vec![]);
    s = s.with_parts(|p| p.demand_targets = vec![0]).unwrap();
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
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    let p = p.with_substitution(Some(Substitution::new(1.0, 0.0, 400, 0.3).unwrap()));
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
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    let p = p.with_substitution(Some(Substitution::new(1.0, 0.0, 5, 0.3).unwrap()));
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
    let react = base
        .with_reaction(Some(Reaction::new(0, 0, 0.0, vec![0.0, 1.0]).unwrap()))
        .unwrap();
    let cont = base
        .with_suppliers(vec![supplier(0.0, 1), supplier(1.0, 1)])
        .unwrap();
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
    s = s
        .with_parts(|p| p.delay = Some(Dist::fixed(10.0).unwrap()))
        .unwrap();
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
    s1 = with_supplier(&s1, |s| s.surge = 0.5);
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

#[test]
fn refill_after_serving_keeps_a_release_cap_from_making_shortfalls() {
    // MODEL.md §4 step 3 (v1.1): serve first, then move private stock above P* into G.
    // One supplier (share 1, L = 1, surge 0.5 at once), no private stock, stockpile
    // G* = 10 d, release cap 0.5 d a day, refill 10%. Embargo of severity 0.5 on days
    // 100..103: capacity 0.5 (1 + 0.5) d = 0.75 d, so days 101..104 receive 0.75 d and
    // take 0.25 d from G (within the cap): G falls to 9 d (90%), no shortfall. From
    // day 104 orders of 1.1 d are filled and arrive from day 105: each day d serves
    // demand and 0.1 d refills G, which is back at 10 d after 10 arrivals, on day 114:
    // restock_days = 114 - 100 = 14. (Moving arrivals into G before serving, as v1.0
    // did, would leave 0.1 d in P on day 105 and only 0.5 d releasable from G: a
    // shortfall of 0.4 d on a day whose supply was enough.)
    let d = 10.0;
    let mut s1 = supplier(1.0, 1);
    s1 = with_supplier(&s1, |s| s.surge = 0.5);
    let mut p = material(d, 0.0, 10.0, vec![s1]);
    p = with_values(&p, |v| v.max_release_rate = 0.5);
    let s = day_shock(ShockKind::Embargo, 100, 4.0, 0.5, vec![(0, 0)]);
    let scn = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let row = one(&scn, 0);
    assert_eq!(row.get(Metric::ShortfallUnits), 0.0);
    assert!(row.get(Metric::RecoveryDays).is_nan());
    assert!((row.get(Metric::StockpileMinPct) - 90.0).abs() < 1e-9);
    assert_eq!(row.get(Metric::RestockDays), 14.0);
}

/// Two embargoes of the single supplier (L = 1, no stocks): days 100..109, then 5 days
/// from `second`. Shortfall days are each embargo's days shifted by one (the lead time).
fn two_episodes(second: u32) -> chokepoint::sim::MetricsRow {
    let p = material(2.0, 0.0, 0.0, vec![supplier(1.0, 1)]);
    let a = day_shock(ShockKind::Embargo, 100, 10.0, 1.0, vec![(0, 0)]);
    let mut b = day_shock(ShockKind::Embargo, second, 5.0, 1.0, vec![(0, 0)]);
    b = b.with_parts(|p| p.id = "y".parse().unwrap()).unwrap();
    let scn = scenario(
        365,
        vec![info("m", 1)],
        vec![a, b],
        vec![("b", 0.0, vec![p])],
    );
    one(&scn, 0)
}

#[test]
fn shortfall_episodes_closer_than_seven_days_merge_for_recovery() {
    // MODEL.md §5: episodes separated by gaps under 7 days are one episode; recovery runs
    // from the latest hitting onset at or before the episode's first day to the first day
    // after it, and the replication reports the longest.
    // The first embargo (onset 100) leaves days 101..110 short.
    // Gap 6: the second (onset 116) leaves 117..121 short; 111..116 are 6 clear days, so
    // one episode 101..121, measured from onset 100: recovery = 122 - 100 = 22.
    let merged = two_episodes(116);
    assert_eq!(merged.get(Metric::DaysShort), 15.0);
    assert_eq!(merged.get(Metric::RecoveryDays), 22.0);
    // Gap 7: the second (onset 117) leaves 118..122 short after 7 clear days: two
    // episodes, 111 - 100 = 11 and 123 - 117 = 6; the longest is 11.
    let apart = two_episodes(117);
    assert_eq!(apart.get(Metric::DaysShort), 15.0);
    assert_eq!(apart.get(Metric::RecoveryDays), 11.0);
}

/// Procurement cost of a run of three suppliers (shares 0.5 / 0.3 / 0.2, L = 1, surge
/// 0 / 0.6 / 0.15 of d at once, unit costs 100 / 200 / 1000), with or without a one-day
/// embargo of the first on day 100.
fn three_suppliers(embargo: bool) -> chokepoint::sim::MetricsRow {
    let d = 10.0;
    let mut sups = vec![supplier(0.5, 1), supplier(0.3, 1), supplier(0.2, 1)];
    for (s, (u, c)) in sups
        .iter_mut()
        .zip([(0.0, 100.0), (0.6, 200.0), (0.15, 1000.0)])
    {
        *s = with_supplier(s, |v| {
            v.surge = u;
            v.unit_cost = c;
        });
    }
    let p = material(d, 0.0, 0.0, sups);
    let shocks = if embargo {
        vec![day_shock(ShockKind::Embargo, 100, 1.0, 1.0, vec![(0, 0)])]
    } else {
        vec![]
    };
    let scn = scenario(365, vec![info("m", 3)], shocks, vec![("b", 0.0, vec![p])]);
    one(&scn, 0)
}

#[test]
fn the_second_pass_shares_the_remainder_in_proportion_to_spare_capacity() {
    // MODEL.md §4 step 5 on day 100: Q = d. Capacities c = (w + u) d: A 0 (embargoed),
    // B 0.9 d, C 0.35 d. First pass min(c, w Q): A 0, B 0.3 d, C 0.2 d; remainder
    // R = 0.5 d. Spare capacity: B 0.6 d, C 0.15 d (total 0.75 d), so B gets
    // 0.5 * 0.6/0.75 = 0.4 d more and C 0.1 d: B 0.7 d, C 0.3 d, all of Q. Procurement
    // that day is 0.7 d * 200 + 0.3 d * 1000 = 440 d against 0.5 d * 100 + 0.3 d * 200 +
    // 0.2 d * 1000 = 310 d without the embargo; every other day is the same (the day's
    // full Q arrives on day 101 either way), so the difference is 130 d = 1300 exactly.
    // (Sharing R by baseline shares would give 0.6 d / 0.4 d and a difference of 210 d.)
    let with = three_suppliers(true);
    let without = three_suppliers(false);
    assert_eq!(with.get(Metric::ShortfallUnits), 0.0);
    let diff = with.get(Metric::ProcurementCost) - without.get(Metric::ProcurementCost);
    assert!((diff - 1300.0).abs() < 1e-6, "{diff}");
}

#[test]
fn a_binding_release_cap_leaves_the_rest_short() {
    // L = 1, no private stock, stockpile 20 d, release cap 0.4 d a day; embargo of
    // severity 1 on days 100..109. Days 101..110 receive nothing; the stockpile can give
    // only 0.4 d a day (it holds far more), so each of those 10 days is short by 0.6 d:
    // 6 d in all, tts = 1, and the stockpile falls to 20 - 4 = 16 d (80%). With the cap
    // at 1 the same stockpile covers everything.
    let d = 5.0;
    let mut capped = material(d, 0.0, 20.0, vec![supplier(1.0, 1)]);
    capped = with_values(&capped, |v| v.max_release_rate = 0.4);
    let mut free = capped.clone();
    free = with_values(&free, |v| v.max_release_rate = 1.0);
    let s = day_shock(ShockKind::Embargo, 100, 10.0, 1.0, vec![(0, 0)]);
    let scn = scenario(
        365,
        vec![info("m", 1)],
        vec![s],
        vec![("capped", 0.0, vec![capped]), ("free", 0.0, vec![free])],
    );
    let res = run(&scn, &RunOptions::new(1, 1), &NoProgress);
    let row = res.row(0, 0, 0);
    assert!((row.get(Metric::ShortfallUnits) - 6.0 * d).abs() < 1e-9);
    assert_eq!(row.get(Metric::DaysShort), 10.0);
    assert_eq!(row.get(Metric::TtsDays), 1.0);
    assert!((row.get(Metric::StockpileMinPct) - 80.0).abs() < 1e-9);
    assert!((row.get(Metric::MaxDailyShortfallPct) - 60.0).abs() < 1e-9);
    assert_eq!(res.row(0, 1, 0).get(Metric::ShortfallUnits), 0.0);
}

#[test]
fn holding_and_procurement_costs_by_hand() {
    // MODEL.md §5 with no shocks and no noise: stocks stay at P* + G* = (30 + 60) d every
    // day and each day's order is exactly d (MODEL.md §4 step 4).
    // d = 10, unit value 100, holding rate 0.02 a year, 365 days:
    //   holding = 900 units * 100 * 0.02 / 365 per day * 365 days = 1800;
    // shares 0.6 / 0.4 at unit costs 100 / 150:
    //   procurement = 365 days * 10 * (0.6 * 100 + 0.4 * 150) = 365 * 1200 = 438,000;
    // no substitution, no shortage: total_cost = 439,800. The strategy's annual_cost of
    // 3650 adds 3650 * 365 / 365 to the strategy total only.
    let d = 10.0;
    let mut sups = vec![supplier(0.6, 20), supplier(0.4, 45)];
    sups[1] = with_supplier(&sups[1], |s| s.unit_cost = 150.0);
    let p = material(d, 30.0, 60.0, sups);
    let scn = scenario(
        365,
        vec![info("m", 2)],
        vec![],
        vec![("b", 3650.0, vec![p])],
    );
    let res = run(&scn, &RunOptions::new(1, 1), &NoProgress);
    let row = res.row(0, 0, 0);
    assert!((row.get(Metric::HoldingCost) - 1800.0).abs() < 1e-6);
    assert!((row.get(Metric::ProcurementCost) - 438_000.0).abs() < 1e-6);
    assert_eq!(row.get(Metric::SubstitutionCost), 0.0);
    assert_eq!(row.get(Metric::ShortageCost), 0.0);
    assert!((row.get(Metric::TotalCost) - 439_800.0).abs() < 1e-6);
    let total =
        chokepoint::stats::total_column(&scn, &res, 0, chokepoint::stats::TotalMetric::TotalCost)
            .unwrap()[0];
    assert!((total - 443_450.0).abs() < 1e-6);
}

#[test]
fn a_delay_only_logistics_shock_is_a_supply_disruption_everywhere() {
    // MODEL.md §3 (v1.1): a logistics instance with severity 0 and only a delay counts
    // as a supply disruption. In the simulation it starts the tts clock (tts = 5 in
    // `a_logistics_delay_postpones_arrivals`) and the reaction window; in the exposure
    // view its duration gives the supplier a TTR instead of "no shock targets it":
    // TTR = ceil(median duration) + ceil(median recovery) = 5 + 3 = 8 days.
    let d = 3.0;
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 5)]);
    let mut s = day_shock(ShockKind::Logistics, 20, 5.0, 0.0, vec![(0, 0)]);
    s = s
        .with_parts(|p| p.delay = Some(Dist::fixed(10.0).unwrap()))
        .unwrap();
    s = s
        .with_parts(|p| p.recovery = Dist::fixed(3.0).unwrap())
        .unwrap();
    // Reaction (lag 0): shares move to the second supplier only inside the window.
    let react = material(d, 0.0, 0.0, vec![supplier(1.0, 5), supplier(0.0, 5)])
        .with_reaction(Some(Reaction::new(0, 0, 0.0, vec![0.0, 1.0]).unwrap()))
        .unwrap();
    let scn = scenario(
        365,
        vec![info("m", 2)],
        vec![s.clone()],
        vec![("b", 0.0, vec![react])],
    );
    // The delayed supplier is abandoned from day 20 (the window opens at the onset):
    // orders go to the undelayed second supplier, so no shortfall at all.
    assert_eq!(one(&scn, 0).get(Metric::ShortfallUnits), 0.0);
    let scn1 = scenario(365, vec![info("m", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let rows = chokepoint::explore::exposure::exposure(&scn1, None);
    let sup = rows
        .iter()
        .find(|r| r.kind == chokepoint::explore::exposure::EntityKind::Supplier)
        .unwrap();
    assert_eq!(sup.ttr_days, Some(8.0), "{}", sup.ttr_source);
    assert!(!sup.ttr_source.contains("no shock"), "{}", sup.ttr_source);
}
