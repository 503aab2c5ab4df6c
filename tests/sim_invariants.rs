//! The invariants of MODEL.md §8, and analytic checks of the simulation core.

mod common;

use chokepoint::model::*;
use chokepoint::sim::material::{self, DayRecorder, NoRecord, Workspace};
use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
use chokepoint::sim::{Metric, NoProgress, RunOptions, run};
use common::*;
use proptest::prelude::{ProptestConfig, any, prop, prop_assert, prop_assert_eq, proptest};
use proptest::strategy::Strategy as _;

/// Runs replication `rep` of strategy `s` for every material, returning each outcome.
fn outcomes(scn: &Scenario, seed: u64, rep: u64, s: usize) -> Vec<material::Outcome> {
    let graph = TriggerGraph::new(scn);
    let mut tl = Timeline::default();
    tl.sample(scn, &graph, seed, rep);
    let mut frames = Frames::default();
    frames.build(scn, &tl);
    let mut ws = Workspace::default();
    scn.strategies[s]
        .materials
        .iter()
        .enumerate()
        .map(|(m, p)| material::simulate(p, &frames.materials[m], &[], &mut ws, &mut NoRecord))
        .collect()
}

struct Track(Vec<(f64, f64)>);
impl DayRecorder for Track {
    fn record(&mut self, _t: usize, p: f64, g: f64, _a: f64, _s: f64) {
        self.0.push((p, g));
    }
}

#[test]
fn no_shocks_no_noise_means_no_shortfall_and_stocks_at_target() {
    // MODEL.md §8: with no shocks and demand_cv = 0, shortfall is exactly 0 and stocks
    // stay at target. Several suppliers with different lead times and surge.
    let mut sups = vec![supplier(0.5, 30), supplier(0.3, 45), supplier(0.2, 7)];
    sups[1].surge = 0.2;
    sups[1].surge_lag_days = 20;
    let p = material(13.7, 30.0, 90.0, sups);
    let scn = scenario(
        730,
        vec![info("x", 3)],
        vec![],
        vec![("baseline", 0.0, vec![p.clone()])],
    );
    let graph = TriggerGraph::new(&scn);
    let mut tl = Timeline::default();
    tl.sample(&scn, &graph, 1, 0);
    let mut frames = Frames::default();
    frames.build(&scn, &tl);
    let mut track = Track(vec![]);
    let o = material::simulate(
        &p,
        &frames.materials[0],
        &[],
        &mut Workspace::default(),
        &mut track,
    );
    assert_eq!(o.row.get(Metric::ShortfallUnits), 0.0);
    assert_eq!(o.row.get(Metric::DaysShort), 0.0);
    assert_eq!(o.row.get(Metric::RecoveryDays), 0.0);
    assert!(o.row.get(Metric::TtsDays).is_nan());
    let d = p.daily_demand;
    for (t, (pv, gv)) in track.0.iter().enumerate() {
        assert!((pv - 30.0 * d).abs() < 1e-9 * d, "day {t}: private {pv}");
        assert!((gv - 90.0 * d).abs() < 1e-9 * d, "day {t}: stockpile {gv}");
    }
    assert_eq!(
        o.row.get(Metric::StockpileMinPct),
        100.0_f64.min(o.row.get(Metric::StockpileMinPct))
    );
    assert!((o.row.get(Metric::StockpileMinPct) - 100.0).abs() < 1e-9);
}

#[test]
fn single_embargo_formula_with_lead_times() {
    // MODEL.md §8: one supplier with lead time L, no surge, stockpile S days, no private
    // stock, one embargo of severity 1 and fixed duration D at day t0. The pipeline keeps
    // delivering for L days after t0, the stockpile covers S more days, and orders resume
    // at t0 + D and arrive L days later, so the shortfall days are t0+L+S .. t0+D+L-1:
    // exactly max(0, D - S) days of demand d, and tts = L + S when D > S.
    let d = 10.0;
    for &(lead, s_days, dur, t0) in &[
        (1u32, 0.0, 30.0, 50u32),
        (1, 20.0, 30.0, 50),
        (1, 40.0, 30.0, 50),
        (30, 60.0, 100.0, 100),
        (45, 10.0, 90.0, 5),
        (7, 0.0, 1.0, 0),
    ] {
        let p = material(d, 0.0, s_days, vec![supplier(1.0, lead)]);
        let shock = embargo(
            "e",
            Onset::Day {
                day: t0,
                probability: 1.0,
            },
            Dist::Fixed(dur),
            Dist::Fixed(1.0),
            vec![(0, 0)],
        );
        let scn = scenario(
            730,
            vec![info("x", 1)],
            vec![shock],
            vec![("b", 0.0, vec![p])],
        );
        let o = &outcomes(&scn, 9, 0, 0)[0];
        let expect = (dur - s_days).max(0.0) * d;
        let got = o.row.get(Metric::ShortfallUnits);
        assert!(
            (got - expect).abs() <= 1e-9 * expect.max(d),
            "L={lead} S={s_days} D={dur}: {got} vs {expect}"
        );
        if dur > s_days {
            assert_eq!(
                o.row.get(Metric::TtsDays),
                lead as f64 + s_days,
                "L={lead} S={s_days} D={dur}"
            );
            assert_eq!(o.row.get(Metric::DaysShort), dur - s_days);
        } else {
            assert!(o.row.get(Metric::TtsDays).is_nan());
        }
    }
}

/// A random scenario exercising every mechanism, for the property tests.
fn arb_scenario() -> impl proptest::strategy::Strategy<Value = Scenario> {
    (
        1u64..1_000_000,
        prop::collection::vec((0.05f64..1.0, 1u32..40, 0.0f64..0.5, 0u32..40), 1..4),
        (
            0.0f64..60.0,
            0.0f64..120.0,
            0.0f64..0.3,
            0.2f64..1.5,
            0.0f64..0.5,
        ),
        (
            any::<bool>(),
            any::<bool>(),
            0.0f64..0.8,
            0.0f64..40.0,
            0u32..200,
        ),
        prop::collection::vec(
            (
                0usize..3,
                0.5f64..6.0,
                1.0f64..120.0,
                0.0f64..1.0,
                0.0f64..30.0,
                0.0f64..20.0,
            ),
            0..4,
        ),
    )
        .prop_map(
            |(
                _seed,
                sups,
                (pd, sd, cv, rel, refill),
                (has_sub, has_react, mf, ramp, persist),
                shocks,
            )| {
                let total: f64 = sups.iter().map(|s| s.0).sum();
                let n = sups.len();
                let suppliers: Vec<SupplierParams> = sups
                    .iter()
                    .map(|&(w, l, u, g)| SupplierParams {
                        share: w / total,
                        lead_time_days: l,
                        surge: u,
                        surge_lag_days: g,
                        unit_cost: 3.0,
                    })
                    .collect();
                let mut p = material(17.0, pd, sd, suppliers);
                p.demand_cv = cv;
                p.max_release_rate = rel;
                p.refill_rate = refill;
                if has_sub {
                    p.substitution = Some(Substitution {
                        max_fraction: mf,
                        ramp_days: ramp,
                        persist_days: persist,
                        cost_premium: 0.3,
                    });
                }
                if has_react {
                    let mut shares = vec![0.0; n];
                    shares[n - 1] = 1.0;
                    p.reaction = Some(Reaction {
                        lag_days: 10,
                        memory_days: 60,
                        private_days: pd * 2.0,
                        shares,
                    });
                }
                let kinds = [
                    ShockKind::Embargo,
                    ShockKind::Logistics,
                    ShockKind::DemandSurge,
                ];
                let shocks: Vec<Shock> = shocks
                    .iter()
                    .enumerate()
                    .map(|(j, &(k, rate, dur, sev, rec, delay))| {
                        let kind = kinds[k];
                        let mut s = embargo(
                            &format!("s{j}"),
                            Onset::Rate {
                                rate_per_year: rate,
                            },
                            Dist::lognormal(dur, dur * 3.0).unwrap(),
                            Dist::Fixed(sev),
                            (0..n)
                                .filter(|i| (i + j) % 2 == 0)
                                .map(|i| (0, i))
                                .collect(),
                        );
                        s.kind = kind;
                        s.recovery = Dist::Fixed(rec);
                        if kind == ShockKind::Logistics {
                            s.delay = Dist::Fixed(delay);
                        }
                        if kind == ShockKind::DemandSurge {
                            s.supply_targets.clear();
                            s.demand_targets = vec![0];
                        }
                        s
                    })
                    .collect();
                scenario(365, vec![info("x", n)], shocks, vec![("b", 0.0, vec![p])])
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mass_balance_holds_on_random_scenarios(scn in arb_scenario(), rep in 0u64..1000) {
        // MODEL.md §8: initial stocks + initial pipeline + dispatched
        //            = final stocks + final pipeline + served demand.
        let res = run(&scn, &RunOptions { seed: 3, replications: rep..rep + 1, daily: false, daily_replications: 0 }, &NoProgress);
        prop_assert_eq!(res.rows.len(), 1);
        let graph = TriggerGraph::new(&scn);
        let mut tl = Timeline::default();
        tl.sample(&scn, &graph, 3, rep);
        let mut frames = Frames::default();
        frames.build(&scn, &tl);
        let p = &scn.strategies[0].materials[0];
        let mut r = chokepoint::sim::rng::stream(3, rep, chokepoint::sim::rng::SUB_DEMAND);
        let noise: Vec<f64> = (0..365).map(|_| rand::RngExt::sample::<f64, _>(&mut r, rand_distr::StandardNormal)).collect();
        let mut eps = Vec::new();
        material::noise_multipliers(p.demand_cv, &noise, &mut eps);
        let o = material::simulate(p, &frames.materials[0], &eps, &mut Workspace::default(), &mut NoRecord);
        // The engine and the direct call agree bit for bit.
        prop_assert_eq!(o.row.0.map(f64::to_bits), res.rows[0].0.map(f64::to_bits));
        let l = o.ledger;
        let lhs = l.initial_stock + l.initial_pipeline + l.dispatched;
        let rhs = l.final_stock + l.final_pipeline + l.served;
        prop_assert!((lhs - rhs).abs() <= 1e-9 * lhs.abs().max(1.0), "{lhs} vs {rhs}: {l:?}");
    }

    #[test]
    fn more_stockpile_never_increases_any_replications_shortfall(scn in arb_scenario(), extra in 1.0f64..200.0) {
        // MODEL.md §8: with common random numbers, a bigger stockpile gives no more
        // shortfall, replication by replication.
        // Substitution switches on at the first shortfall, so a bigger stockpile can delay
        // it and leave more demand unserved later: the invariant is stated for scenarios
        // without substitution (docs/model.md, "Monotonicity").
        let mut scn = scn;
        scn.strategies[0].materials[0].substitution = None;
        let mut more = scn.strategies[0].clone();
        more.id = "more".into();
        more.materials[0].stockpile_days += extra;
        scn.strategies.push(more);
        let res = run(&scn, &RunOptions { seed: 11, replications: 0..40, daily: false, daily_replications: 0 }, &NoProgress);
        for r in 0..40 {
            let a = res.row(r, 0, 0).get(Metric::ShortfallUnits);
            let b = res.row(r, 1, 0).get(Metric::ShortfallUnits);
            prop_assert!(b <= a + 1e-9 * 17.0 * 365.0, "replication {r}: {b} > {a}");
        }
    }
}

#[test]
fn results_are_identical_for_1_2_and_7_threads() {
    let scn = {
        let mut sups = vec![supplier(0.7, 30), supplier(0.3, 20)];
        sups[1].surge = 0.3;
        sups[1].surge_lag_days = 10;
        let mut p = material(50.0, 30.0, 30.0, sups);
        p.demand_cv = 0.1;
        let mut q = p.clone();
        q.stockpile_days = 90.0;
        let s = embargo(
            "e",
            Onset::Rate { rate_per_year: 1.0 },
            Dist::lognormal(30.0, 120.0).unwrap(),
            Dist::uniform(0.5, 1.0).unwrap(),
            vec![(0, 0)],
        );
        scenario(
            365,
            vec![info("x", 2)],
            vec![s],
            vec![("b", 0.0, vec![p]), ("s", 1e5, vec![q])],
        )
    };
    let go = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run(&scn, &RunOptions::new(5, 500), &NoProgress))
    };
    let one = go(1);
    for t in [2, 7] {
        let other = go(t);
        let bits = |r: &chokepoint::sim::RunResult| {
            r.rows
                .iter()
                .flat_map(|x| x.0.map(f64::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&one), bits(&other), "{t} threads");
        assert_eq!(one.daily, other.daily, "{t} threads daily");
    }
    // A run split into two shards and appended equals the whole run.
    let mut a = run(
        &scn,
        &RunOptions {
            seed: 5,
            replications: 0..173,
            daily: true,
            daily_replications: u64::MAX,
        },
        &NoProgress,
    );
    a.append(run(
        &scn,
        &RunOptions {
            seed: 5,
            replications: 173..500,
            daily: true,
            daily_replications: u64::MAX,
        },
        &NoProgress,
    ));
    assert_eq!(
        a.rows
            .iter()
            .map(|x| x.0.map(f64::to_bits))
            .collect::<Vec<_>>(),
        one.rows
            .iter()
            .map(|x| x.0.map(f64::to_bits))
            .collect::<Vec<_>>()
    );
    assert_eq!(a.daily, one.daily);
}

/// Mean and its standard error as the statistics layer reports them (`summary.json`).
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let st = chokepoint::stats::Stats::from_sample(xs);
    (st.mean.unwrap(), st.se.unwrap())
}

#[test]
fn expected_shortfall_of_a_probable_embargo_matches_the_exact_value() {
    // One supplier (L = 1, no surge), no stocks, an embargo at day 100 with probability
    // p = 0.3 and duration drawn from empirical {10, 20, 40} with weights {1, 1, 2}. By
    // the single-embargo formula (S = 0) each instance leaves exactly D days of demand
    // unmet, so E[shortfall] = p * d * E[D] = 0.3 * 8 * (10 + 20 + 80)/4 = 66 units.
    // Tolerance: 4 standard errors of the sample mean (fixed seed, never flakes).
    let d = 8.0;
    let p = material(d, 0.0, 0.0, vec![supplier(1.0, 1)]);
    let s = embargo(
        "e",
        Onset::Day {
            day: 100,
            probability: 0.3,
        },
        Dist::empirical(vec![10.0, 20.0, 40.0], Some(vec![1.0, 1.0, 2.0])).unwrap(),
        Dist::Fixed(1.0),
        vec![(0, 0)],
    );
    let scn = scenario(365, vec![info("x", 1)], vec![s], vec![("b", 0.0, vec![p])]);
    let res = run(&scn, &RunOptions::new(2024, 20_000), &NoProgress);
    let xs: Vec<f64> = res
        .rows
        .iter()
        .map(|r| r.get(Metric::ShortfallUnits))
        .collect();
    let (m, se) = mean_se(&xs);
    assert!((m - 66.0).abs() < 4.0 * se, "mean {m}, se {se}");
    // The share of futures with a shortfall is p; binomial SE sqrt(p(1-p)/n).
    let share = xs.iter().filter(|&&x| x > 0.0).count() as f64 / xs.len() as f64;
    assert!(
        (share - 0.3).abs() < 4.0 * (0.21f64 / 20_000.0).sqrt(),
        "share {share}"
    );
}

#[test]
fn probability_of_any_shortfall_under_a_poisson_embargo_matches_the_exponential_law() {
    // Rate process with λ per year: the first onset is floor(X), X ~ Exp(mean 365/λ). With
    // lead time L, stockpile S and fixed duration D > S, a shortfall happens within the
    // horizon H iff the first onset o satisfies o + L + S <= H - 1, i.e. X < H - L - S.
    // So P(shortfall) = 1 - exp(-λ (H - L - S) / 365). (Later onsets cannot matter: any
    // shortfall needs some onset at or before the first one's deadline.)
    let (lambda, h, l, s, dur) = (0.8, 365u32, 10u32, 30.0, 60.0);
    let p = material(5.0, 0.0, s, vec![supplier(1.0, l)]);
    let sh = embargo(
        "e",
        Onset::Rate {
            rate_per_year: lambda,
        },
        Dist::Fixed(dur),
        Dist::Fixed(1.0),
        vec![(0, 0)],
    );
    let scn = scenario(h, vec![info("x", 1)], vec![sh], vec![("b", 0.0, vec![p])]);
    let res = run(&scn, &RunOptions::new(77, 20_000), &NoProgress);
    // The share of futures with a shortfall is the mean of an indicator; its reported
    // standard error is the binomial one.
    let ind: Vec<f64> = res
        .rows
        .iter()
        .map(|r| r.had_shortfall() as u8 as f64)
        .collect();
    let (hits, se) = mean_se(&ind);
    let expect = 1.0 - (-lambda * (h - l) as f64 / 365.0 + lambda * s / 365.0).exp();
    assert!(
        (hits - expect).abs() < 4.0 * se,
        "share {hits} vs {expect} (se {se})"
    );
}
