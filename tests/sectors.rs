//! The sector layer (`docs/model.md`, "The sector layer"): the `[[sector]]` format and
//! its validation, and hand-derived checks of the daily step and its metrics.

use chokepoint::model::Input;
use chokepoint::scenario::{Document, parse_scenario};

mod common;
use common::cli::edit;
use common::served::{Listed, step_materials};

/// One material (Dy, 365 t/year = 1 t/day) used by a magnet sector, whose magnets go
/// into a vehicle sector. No shocks.
const CHAIN: &str = r#"horizon_days = 100
replications = 4
[[material]]
id = "dy"
unit = "t"
unit_value = 1
shortage_cost = 10
private_days = 0
[[material.supplier]]
id = "cn"
country = "CN"
share = 1.0
lead_time_days = 1
[[sector]]
id = "magnets"
unit = "t"
annual_output = 36.5
value_added = 100
uses = { dy = 10.0 }
[[sector]]
id = "cars"
unit = "vehicles"
annual_output = 36500
value_added = 2
priority = 2
uses = { magnets = 0.001 }
"#;

fn err(src: &str) -> String {
    match parse_scenario("t.toml", src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.to_string(),
    }
}

fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

#[test]
fn a_fully_claimed_material_takes_its_demand_from_the_sectors() {
    let s = parse_scenario("t.toml", CHAIN).unwrap();
    // magnets use 10 t of Dy per t, 36.5 t/year: 365 t/year, so d = 1 t/day.
    assert_eq!(s.strategies()[0].materials[0].daily_demand(), 1.0);
    assert_eq!(s.sectors().len(), 2);
    assert_eq!(s.sector_order(), vec![0, 1]);
    let cars = &s.strategies()[0].sectors[1];
    assert_eq!(cars.priority(), 2);
    assert_eq!(cars.uses(), &[(Input::Sector(0), 0.001)]);
    assert_eq!((cars.buffer_days(), cars.refill_rate()), (0.0, 0.1));
    assert_eq!(s.sectors()[1].unit, "vehicles");
}

#[test]
fn every_sector_problem_is_reported_at_once_with_its_path() {
    let bad = edit(
        CHAIN,
        &[
            (
                "uses = { dy = 10.0 }",
                "uses = { dy = 10.0, cars = 1, ndfeb = 2 }",
            ),
            ("value_added = 2\n", ""),
            ("priority = 2", "priority = 0"),
        ],
    );
    let t = err(&bad);
    // The cycle magnets → cars → magnets, named.
    has(&t, "cycle: `magnets` → `cars` → `magnets`");
    // An unknown input, with the known ones.
    has(&t, "sector.magnets.uses.ndfeb: unknown input `ndfeb`");
    // A missing required number and one out of bounds.
    has(
        &t,
        "sector.cars.value_added: missing required field `value_added`",
    );
    has(&t, "sector.cars.priority");
}

#[test]
fn sectors_using_more_than_the_annual_demand_say_by_how_much() {
    // The sectors use 365 t/year; 300 declared: 65 t/year too much.
    let t = err(&CHAIN.replace(
        "unit = \"t\"\nunit_value",
        "unit = \"t\"\nannual_demand = 300\nunit_value",
    ));
    has(
        &t,
        "material.dy.annual_demand: the sectors use 365 t/year of `dy`, 65 more than its `annual_demand` = 300",
    );
    // Cars need 36.5 t of magnets a year (36,500 × 0.001); magnets make 30.
    let t = err(&CHAIN.replace("annual_output = 36.5", "annual_output = 30"));
    has(
        &t,
        "sector.magnets.annual_output: the sectors using `magnets` need 36.5 t/year of it, 6.5 more than its `annual_output` = 30",
    );
}

#[test]
fn unclaimed_demand_stays_direct_and_strategies_move_the_claimed_part() {
    // 400 t/year declared, 365 used by magnets: 35 t/year of direct demand. A strategy
    // that thrifts Dy to 5 t per t of magnets halves the claimed part: 182.5 + 35.
    let src = CHAIN.replace(
        "unit = \"t\"\nunit_value",
        "unit = \"t\"\nannual_demand = 400\nunit_value",
    ) + r#"
[[strategy]]
id = "baseline"
[[strategy]]
id = "thrift"
release_to_priority = 1
set = { "sector.magnets.uses.dy" = 5.0, "sector.cars.buffer_days" = 30, "sector.magnets.value_added" = 50 }
"#;
    let s = parse_scenario("t.toml", &src).unwrap();
    assert_eq!(s.strategies()[0].materials[0].daily_demand(), 400.0 / 365.0);
    assert_eq!(s.strategies()[1].materials[0].daily_demand(), 217.5 / 365.0);
    let mag = &s.strategies()[1].sectors[0];
    assert_eq!((mag.uses()[0].1, mag.value_added()), (5.0, 50.0));
    assert_eq!(s.strategies()[1].sectors[1].buffer_days(), 30.0);
    // release_to_priority = 1 admits magnets (priority 1): 182.5 of 217.5 t/year.
    assert_eq!(s.strategies()[1].release_to_priority, Some(1));
    let share = s.strategies()[1].materials[0].release_share();
    assert!((share - 182.5 / 217.5).abs() < 1e-12, "{share}");
    assert_eq!(s.strategies()[0].materials[0].release_share(), 1.0);
}

#[test]
fn every_new_field_is_a_parameter_path() {
    let doc = Document::parse("t.toml", CHAIN).unwrap();
    let paths = doc.numeric_paths();
    for p in [
        "sector.magnets.annual_output",
        "sector.magnets.value_added",
        "sector.magnets.buffer_days",
        "sector.magnets.refill_rate",
        "sector.cars.priority",
        "sector.magnets.uses.dy",
        "sector.cars.uses.magnets",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
    }
    assert_eq!(doc.get("sector.cars.priority").unwrap(), 2.0);
    let mut d2 = doc.clone();
    d2.set("sector.cars.uses.magnets", 0.0005).unwrap();
    let s = d2.validate().unwrap();
    assert_eq!(s.strategies()[0].sectors[1].uses()[0].1, 0.0005);
    // Only a listed input is a path (the help lists them).
    let e = doc.get("sector.cars.uses.dy").unwrap_err();
    assert!(e.to_string().contains("unknown `dy`"), "{e}");
    assert!(
        e.help.as_deref().is_some_and(|h| h.contains("`magnets`")),
        "{e:?}"
    );
}

// ------------------------------------------------------------------ the daily step

use chokepoint::model::Scenario;
use chokepoint::sim::engine::{Kernel, run_with};
use chokepoint::sim::{Metric, NoProgress, RunOptions, RunResult, SectorMetric};
use proptest::prelude::{ProptestConfig, prop_assert, proptest};

/// A material `m` with d = 1 t/day (365 t/year, claimed in full by the sectors below),
/// no private stock, no stockpile and one supplier 1 day away, so what does not arrive
/// is short that very day; an embargo of the only supplier from day 10 for `dur` days
/// with severity `sev`.
fn material(dur: u32, sev: f64, extra: &str) -> String {
    format!(
        r#"horizon_days = 200
replications = 40
seed = 7
[[material]]
id = "m"
unit = "t"
unit_value = 1
shortage_cost = 1000
private_days = 0
{extra}
[[material.supplier]]
id = "x"
country = "XX"
share = 1.0
lead_time_days = 1
surge = 0
[[shock]]
id = "emb"
kind = "embargo"
targets = {{ suppliers = ["x"] }}
onset = {{ day = 10 }}
duration_days = {dur}
severity = {sev}
"#
    )
}

fn run(scn: &Scenario) -> RunResult {
    run_with(
        scn,
        &RunOptions::new(scn.seed(), u64::from(scn.replications())),
        &NoProgress,
        Kernel::detect(),
    )
}

fn sector(res: &RunResult, scn: &Scenario, r: usize, s: usize, k: usize, x: SectorMetric) -> f64 {
    res.row(r, s, scn.materials().len() + k).0[x.index()]
}

#[test]
fn a_single_input_sector_loses_the_materials_shortfall_in_output_units() {
    // magnets use 10 t of m per t and make 36.5 t/year: they claim all of d = 1 t/day.
    // Each day they get (d - short) of their need d, so they make (1 - short/d) of
    // y = 0.1 t: output lost = Σ short × y / d = shortfall_units / 10, value added lost
    // = that × 100, and every short day is a day of reduced output.
    let src = material(30, 0.6, "")
        + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
uses = { m = 10.0 }
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    for r in 0..res.n_replications {
        let row = res.row(r, 0, 0);
        let short = row.get(Metric::ShortfallUnits);
        assert!(short > 1.0, "the embargo makes a shortfall");
        let lost = sector(&res, &scn, r, 0, 0, SectorMetric::OutputLost);
        assert!(
            (lost - short / 10.0).abs() <= 1e-12 * short,
            "{lost} vs {short}"
        );
        let va = sector(&res, &scn, r, 0, 0, SectorMetric::ValueAddedLost);
        assert_eq!(va, lost * 100.0);
        assert_eq!(
            sector(&res, &scn, r, 0, 0, SectorMetric::DaysOutputReduced),
            row.get(Metric::DaysShort)
        );
        assert_eq!(
            sector(&res, &scn, r, 0, 0, SectorMetric::TtsDays),
            row.get(Metric::TtsDays)
        );
        // Fully claimed: no direct demand, so no shortage cost; the strategy's total
        // cost counts the value added lost instead.
        assert_eq!(row.get(Metric::ShortageCost), 0.0);
    }
}

#[test]
fn a_two_tier_chain_with_buffers_delays_the_output_loss_by_the_buffers_days() {
    // A complete, long embargo: from the material's first short day s, nothing arrives
    // (φ = 0). magnets (5 days of buffer) draw a whole day of buffer a day and make full
    // output on s .. s+4, nothing from s+5; cars (7 days) get full magnets until s+4,
    // then draw theirs on s+5 .. s+11: their output first falls on s + 5 + 7. So their
    // tts is the material's + 12, the magnets' the material's + 5.
    let src = material(120, 1.0, "")
        + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
buffer_days = 5
uses = { m = 10.0 }
[[sector]]
id = "cars"
annual_output = 36500
value_added = 2
buffer_days = 7
uses = { magnets = 0.001 }
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    for r in 0..res.n_replications {
        let tts = res.row(r, 0, 0).get(Metric::TtsDays);
        assert!(tts >= 0.0, "a shortfall");
        assert_eq!(
            sector(&res, &scn, r, 0, 0, SectorMetric::TtsDays),
            tts + 5.0
        );
        assert_eq!(
            sector(&res, &scn, r, 0, 1, SectorMetric::TtsDays),
            tts + 12.0
        );
        // And the cars lose exactly the 12 days fewer than the material is short
        // (complete loss every short day, and all short days are one run here).
        let days = res.row(r, 0, 0).get(Metric::DaysShort);
        assert_eq!(
            sector(&res, &scn, r, 0, 1, SectorMetric::DaysOutputReduced),
            days - 12.0
        );
    }
}

#[test]
fn priority_tiers_serve_tier_1_fully_before_tier_2() {
    // defence (tier 1) claims 0.3 of m's day, cars (tier 2) 0.7. A half loss of supply
    // never delivers less than 0.3 of a day (arrivals are at least half of an order of
    // at least d), so defence loses nothing and cars take the whole shortfall: they get
    // (φ - 0.3) / 0.7 of their claim, losing (1 - φ) / 0.7 of y_cars a day, i.e.
    // Σ short / (0.7 d) × y_cars = shortfall_units / u_cars (u_cars = 0.7 d / y_cars).
    let src = material(60, 0.5, "")
        + r#"
[[sector]]
id = "defence"
annual_output = 109.5
value_added = 10
priority = 1
uses = { m = 1.0 }
[[sector]]
id = "cars"
annual_output = 255.5
value_added = 2
priority = 2
uses = { m = 1.0 }
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    for r in 0..res.n_replications {
        let short = res.row(r, 0, 0).get(Metric::ShortfallUnits);
        assert!(short > 1.0);
        assert_eq!(sector(&res, &scn, r, 0, 0, SectorMetric::OutputLost), 0.0);
        let cars = sector(&res, &scn, r, 0, 1, SectorMetric::OutputLost);
        assert!((cars - short).abs() <= 1e-9 * short, "{cars} vs {short}");
    }
}

#[test]
fn release_to_priority_keeps_the_stockpile_for_the_first_tiers() {
    // A 30-day stockpile and a complete 60-day embargo. Released to everyone it lasts
    // 30 days and then both sectors stop; released only to defence (0.3 d a day) it
    // lasts 100 days, so defence loses nothing while cars lose from the first day.
    let src = material(60, 1.0, "stockpile_days = 30")
        + r#"
[[sector]]
id = "defence"
annual_output = 109.5
value_added = 10
priority = 1
uses = { m = 1.0 }
[[sector]]
id = "cars"
annual_output = 255.5
value_added = 2
priority = 2
uses = { m = 1.0 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "defence_first"
release_to_priority = 1
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    for r in 0..res.n_replications {
        let lost = |s, k| sector(&res, &scn, r, s, k, SectorMetric::OutputLost);
        assert!(lost(0, 0) > 0.0 && lost(0, 1) > 0.0);
        assert_eq!(lost(1, 0), 0.0);
        assert!(lost(1, 1) > lost(0, 1));
    }
}

#[test]
fn with_no_shocks_no_output_is_lost() {
    // The embargo's single onset has probability 0: no shock ever starts, demand is
    // steady, so the material is never short (MODEL.md §8) and every input arrives in
    // full every day: no output is lost, no day is reduced, and tts is absent.
    let src = material(30, 1.0, "stockpile_days = 20").replace(
        "onset = { day = 10 }",
        "onset = { day = 10, probability = 0 }",
    ) + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
buffer_days = 3
uses = { m = 5.0 }
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    for r in 0..res.n_replications {
        assert_eq!(res.row(r, 0, 0).get(Metric::DaysShort), 0.0);
        for x in [
            SectorMetric::OutputLost,
            SectorMetric::OutputLostPct,
            SectorMetric::ValueAddedLost,
            SectorMetric::DaysOutputReduced,
        ] {
            assert_eq!(sector(&res, &scn, r, 0, 0, x), 0.0, "{x:?}");
        }
        assert!(sector(&res, &scn, r, 0, 0, SectorMetric::TtsDays).is_nan());
    }
}

#[test]
fn sector_results_are_the_same_bits_for_every_kernel_and_thread_count() {
    let src = material(40, 0.7, "demand_cv = 0.1\nstockpile_days = 10")
        .replace("onset = { day = 10 }", "onset = { rate_per_year = 3 }")
        + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
buffer_days = 4
uses = { m = 6.0 }
[[sector]]
id = "cars"
annual_output = 36500
value_added = 2
buffer_days = 2.5
priority = 2
uses = { magnets = 0.001 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "first"
release_to_priority = 1
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let opts = RunOptions::new(3, 45);
    let bits = |res: &RunResult| -> Vec<u64> {
        res.rows
            .iter()
            .flat_map(|r| r.0.map(f64::to_bits))
            .collect()
    };
    let batched = run_with(&scn, &opts, &NoProgress, Kernel::detect());
    let scalar = run_with(&scn, &opts, &NoProgress, Kernel::Scalar);
    assert_eq!(bits(&batched), bits(&scalar));
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let res = pool.install(|| run_with(&scn, &opts, &NoProgress, Kernel::detect()));
        assert_eq!(bits(&res), bits(&batched), "{threads} threads");
    }
    assert_eq!(batched.n_materials, 3);
}

/// What [`skip_or_step`] saw.
#[derive(Debug, Default)]
struct Tally {
    /// Futures (replication × strategy) compared.
    compared: usize,
    /// Futures in which some sector lost output.
    lossy: usize,
    /// Futures whose sector rows change when every sector refills a little slower (the
    /// `slower` scenario): a buffer was drawn down, partly refilled on calm days and met
    /// another short day before it was full again. Only there does the refill of the
    /// skipped days reach a metric.
    refill_matters: usize,
}

/// Steps replications `0..reps` of every strategy of scenario `name` through the sector layer
/// twice, skipping calm days and stepping every day, on the same material results, and
/// asserts that both give the same bits of every sector row and material cost. With
/// `slower` (`scn` with slower refill rates, nothing else changed), also counts the
/// futures whose reference rows it changes.
fn skip_or_step(
    name: &str,
    scn: &Scenario,
    reps: u64,
    slower: Option<&Scenario>,
    calm: bool,
) -> Tally {
    use chokepoint::sim::material::Workspace;
    use chokepoint::sim::sectors::{self, SectorPlan, SectorState};
    use chokepoint::sim::timeline::{Frames, Timeline, TriggerGraph};
    use chokepoint::sim::{MetricsRow, N_METRICS};
    let (nm, nk, h) = (
        scn.materials().len(),
        scn.sectors().len(),
        scn.horizon_days() as usize,
    );
    let graph = TriggerGraph::new(scn);
    let (mut tl, mut frames, mut ws) =
        (Timeline::default(), Frames::default(), Workspace::default());
    let mut st = SectorState::default();
    let mut days: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); nm];
    let bits = |rows: &[MetricsRow]| -> Vec<u64> {
        rows.iter().flat_map(|r| r.0.map(f64::to_bits)).collect()
    };
    let blank = || vec![MetricsRow([0.0; N_METRICS]); nk];
    let mut tally = Tally::default();
    for (s, strat) in scn.strategies().iter().enumerate() {
        let skipping = SectorPlan::new(scn, strat);
        assert_eq!(skipping.skips_calm_days(), calm, "strategy {s}");
        let stepping = skipping.clone().stepping_every_day();
        let slow = slower.map(|o| SectorPlan::new(o, &o.strategies()[s]).stepping_every_day());
        for rep in 0..reps {
            tl.sample(scn, &graph, scn.seed(), rep);
            frames.build(scn, &tl);
            let mut mats = vec![MetricsRow([0.0; N_METRICS]); nm];
            step_materials(strat, &frames, &[], &mut ws, &mut days, h, &mut mats);
            let served = Listed {
                days: &days,
                frames: &frames,
            };
            let mut got = (blank(), mats.clone());
            let mut want = (blank(), mats.clone());
            sectors::simulate(&skipping, &served, h, &mut st, &mut got.0, &mut got.1);
            sectors::simulate(&stepping, &served, h, &mut st, &mut want.0, &mut want.1);
            // (Rows shown as numbers when they differ.)
            assert!(
                bits(&got.0) == bits(&want.0) && bits(&got.1) == bits(&want.1),
                "{name}, strategy {s}, replication {rep}: skipping calm days gives\n\
                 {got:?}\nstepping every day\n{want:?}"
            );
            tally.compared += 1;
            tally.lossy += usize::from(
                want.0
                    .iter()
                    .any(|r| r.0[SectorMetric::DaysOutputReduced.index()] > 0.0),
            );
            if let Some(slow) = &slow {
                let mut other = (blank(), mats);
                sectors::simulate(slow, &served, h, &mut st, &mut other.0, &mut other.1);
                tally.refill_matters += usize::from(bits(&other.0) != bits(&want.0));
            }
        }
    }
    tally
}

#[test]
fn skipping_calm_days_gives_the_bits_of_stepping_every_day() {
    // On a day every material serves in full, every sector is fully covered, so the
    // day only refills buffers and adds exact zeros: skipping it (and the days after
    // the last short day) must change no bit of any sector row or material cost. The
    // reference steps every day, as the sector step did before it skipped any.
    //
    // 1. `scenarios/bench_sectors.toml` with embargoes 2 a year instead of 0.15 and 5
    // days of private stock and 10 of stockpile of rare-earth oxide instead of 30 and
    // 60, so that sectors lose output more often: five sectors, an intermediate one,
    // three tiers, five strategies.
    let harsh = edit(
        &common::cli::read("scenarios/bench_sectors.toml"),
        &[
            (
                "onset = { rate_per_year = 0.15 }",
                "onset = { rate_per_year = 2 }",
            ),
            ("stockpile_days = 60", "stockpile_days = 10"),
            ("private_days = 30", "private_days = 5"),
        ],
    );
    let t = skip_or_step(
        "bench_sectors",
        &parse_scenario("bench_sectors.toml", &harsh).unwrap(),
        400,
        None,
        true,
    );
    assert!(t.lossy >= 20, "{t:?}: too few futures lose sector output");

    // 2. Its buffers are large and its episodes long, so they seldom meet a short day
    // half refilled, and the refill of the skipped calm days is barely tested there.
    // Here: short embargoes (1 to 6 days, 15 a year) of the only supplier of a material
    // without stock, small sector buffers (2 and 1.5 days of output) refilling slowly
    // (0.05 and 0.02 a day: 40 and 75 days from empty to full, against about 24 days
    // between embargoes), so a buffer is drawn down, refills part of the way on calm
    // days and is drawn again before it is full in most futures. Each tier claims part
    // of its input (magnets 60% of the material, cars 80% of the magnets), so a calm
    // day covers every input exactly and calm days are skipped. A second strategy
    // releases a small stockpile to the first tier.
    let flicker_src = |magnets_refill: &str, cars_refill: &str| {
        edit(
            &material(3, 0.6, "annual_demand = 365"),
            &[
                ("onset = { day = 10 }", "onset = { rate_per_year = 15 }"),
                (
                    "duration_days = 3",
                    "duration_days = { uniform = { min = 1, max = 6 } }",
                ),
            ],
        ) + &format!(
            r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
buffer_days = 2
refill_rate = {magnets_refill}
uses = {{ m = 6.0 }}
[[sector]]
id = "cars"
annual_output = 36500
value_added = 2
buffer_days = 1.5
refill_rate = {cars_refill}
priority = 2
uses = {{ magnets = 0.0008 }}
[[strategy]]
id = "baseline"
[[strategy]]
id = "first"
release_to_priority = 1
set = {{ "material.m.stockpile_days" = 2 }}
"#
        )
    };
    let flicker = |m: &str, c: &str| parse_scenario("t.toml", &flicker_src(m, c)).unwrap();
    // Slower by a tenth: a buffer that was not full on some short day is lower then.
    let t = skip_or_step(
        "flicker",
        &flicker("0.05", "0.02"),
        300,
        Some(&flicker("0.045", "0.018")),
        true,
    );
    // Enough futures where the calm days' refill reaches a metric for the comparison
    // to test it (were the skipped days refilled one day short, or not at all, these
    // futures would differ).
    assert!(
        t.refill_matters >= t.compared / 2,
        "{t:?}: too few futures where a part-refilled buffer meets a short day"
    );

    // 3. The flagship, whose plans step calm days rather than skip them (a sector
    // claiming the whole of its input is covered (1 - 0) / 1 = 1, but shares that only
    // sum to 1 after rounding leave a coverage a hair under 1, so a calm day draws and
    // refills a buffer by an amount below the tolerance). Calm days are stepped only
    // until a day leaves every buffer as it was and loses nothing; the rest would repeat
    // it and are skipped: the rows must be those of stepping every day.
    let t = skip_or_step(
        "rare_earth_magnets",
        &parse_scenario(
            "rare_earth_magnets.toml",
            &common::cli::read("scenarios/rare_earth_magnets.toml"),
        )
        .unwrap(),
        150,
        None,
        false,
    );
    assert!(t.lossy >= 15, "{t:?}: too few futures lose sector output");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5ec7_0012),
        ..ProptestConfig::default()
    })]

    /// More buffer never lowers any day's output (the draw and the refill are
    /// monotone in the buffer, and a sector's output feeds its users monotonically), so
    /// `value_added_lost` is non-increasing in every `buffer_days`, replication by
    /// replication.
    #[test]
    fn value_added_lost_is_non_increasing_in_every_buffer(
        b in proptest::collection::vec(0.0f64..20.0, 3),
        extra in 0.5f64..15.0,
        which in 0usize..3,
        sev in 0.2f64..1.0,
        refill in 0.0f64..0.5,
    ) {
        let src = material(30, sev, "demand_cv = 0.15")
            .replace("onset = { day = 10 }", "onset = { rate_per_year = 4 }")
            .replace("replications = 40", "replications = 12")
            + &format!(
                r#"
[[sector]]
id = "magnets"
annual_output = 40
value_added = 100
buffer_days = {}
refill_rate = {refill}
uses = {{ m = 6.0 }}
[[sector]]
id = "cars"
annual_output = 36500
value_added = 2
buffer_days = {}
refill_rate = {refill}
priority = 2
uses = {{ magnets = 0.001 }}
[[sector]]
id = "wind"
annual_output = 365
value_added = 7
buffer_days = {}
refill_rate = {refill}
priority = 2
uses = {{ m = 0.4, magnets = 0.001 }}
[[strategy]]
id = "baseline"
[[strategy]]
id = "more"
set = {{ "sector.{}.buffer_days" = {} }}
"#,
                b[0], b[1], b[2], ["magnets", "cars", "wind"][which], b[which] + extra
            );
        let scn = parse_scenario("t.toml", &src).unwrap();
        let res = run(&scn);
        for r in 0..res.n_replications {
            for k in 0..3 {
                let base = sector(&res, &scn, r, 0, k, SectorMetric::ValueAddedLost);
                let more = sector(&res, &scn, r, 1, k, SectorMetric::ValueAddedLost);
                prop_assert!(more <= base * (1.0 + 1e-12) + 1e-9, "r {} sector {}: {} > {}", r, k, more, base);
            }
        }
    }
}

#[test]
fn the_summary_carries_every_sector_statistic_and_the_gdp_at_risk() {
    use chokepoint::stats::Summary;
    let src = material(40, 1.0, "")
        .replace("onset = { day = 10 }", "onset = { rate_per_year = 2 }")
        + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
uses = { m = 10.0 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "buffered"
set = { "sector.magnets.buffer_days" = 20 }
"#;
    let scn = parse_scenario("t.toml", &src).unwrap();
    let res = run(&scn);
    let sum = Summary::from_run(&scn, &res, scn.seed()).unwrap();
    let base = &sum.strategies[0];
    let k = &base.sectors[0];
    let names: Vec<&str> = k.metrics.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "output_lost",
            "output_lost_pct",
            "value_added_lost",
            "days_output_reduced",
            "tts_days"
        ]
    );
    // One sector: the GDP at risk is its value added lost, replication by replication,
    // so their statistics are equal.
    let total = base.sector_total.as_ref().unwrap();
    assert_eq!(
        total.metrics.get("value_added_lost"),
        k.metrics.get("value_added_lost")
    );
    // The buffered strategy never loses more (non-increasing in the buffer): its paired
    // difference is <= 0.
    let d = sum.strategies[1].sectors[0]
        .vs_reference
        .get("value_added_lost")
        .unwrap();
    assert!(d.mean_diff.unwrap() <= 0.0);
    // The strategy's total cost counts the value added lost (fully claimed material:
    // no shortage cost), so its mean is the GDP at risk's plus holding and procurement.
    let json = serde_json::to_string(&sum).unwrap();
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sum);
    let csv = chokepoint::report::summary_csv(&sum);
    assert!(
        csv.contains("\nbaseline,magnets,value_added_lost,"),
        "{csv}"
    );
    assert!(csv.contains("\nbuffered,total,value_added_lost,"), "{csv}");
    let table = chokepoint::report::sector_table(&sum).unwrap();
    assert!(table.contains("GDP at risk"), "{table}");
}

// ------------------------------------------- release_to_priority through intermediates

/// m (d = 1 t/day) → magnets (priority 2, y = 1 t/day, all of m) → defence (priority 1,
/// a quarter of the magnets) and cars (priority 2, three quarters). A 40-day stockpile,
/// a complete 60-day embargo from day 10.
fn through_magnets() -> String {
    material(60, 1.0, "stockpile_days = 40")
        + r#"
[[sector]]
id = "magnets"
annual_output = 365
value_added = 100
priority = 2
uses = { m = 1.0 }
[[sector]]
id = "defence"
annual_output = 91.25
value_added = 10
priority = 1
uses = { magnets = 1.0 }
[[sector]]
id = "cars"
annual_output = 273.75
value_added = 2
priority = 2
uses = { magnets = 1.0 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "defence_first"
release_to_priority = 1
"#
}

#[test]
fn release_to_priority_reaches_a_first_tier_behind_an_intermediate_sector() {
    // docs/model.md, `release_to_priority`: a sector of priority > k counts for the
    // share of its output its admitted users claim. Defence claims 91.25 / 365 = 0.25
    // of the magnets, cars 0.75 (not admitted): the magnets' admitted share is 0.25, and
    // the magnets claim all of m, so R = 0.25 of m's day.
    let scn = parse_scenario("t.toml", &through_magnets()).unwrap();
    assert_eq!(scn.strategies()[1].materials[0].release_share(), 0.25);
    assert_eq!(scn.strategies()[0].materials[0].release_share(), 1.0);
    // The stockpile (40 t) then serves at most 0.25 t a day: 160 days, more than the
    // 60-day embargo, so m delivers φ ≥ 0.25 every day. The magnets (no buffer) make
    // x = φ; defence (tier 1 on the magnets) gets clamp(φ / 0.25) = 1 of its claim and
    // loses nothing; the cars get clamp((φ - 0.25) / 0.75) of theirs and lose
    // (1 - φ) / 0.75 × y_cars = (1 - φ) × 1 t a day: their output lost equals m's
    // shortfall units, to rounding. Released to everyone, the stockpile lasts 40 days
    // of the 60 and defence stops after that.
    let res = run(&scn);
    for r in 0..res.n_replications {
        let lost = |s, k| sector(&res, &scn, r, s, k, SectorMetric::OutputLost);
        let short = res.row(r, 1, 0).get(Metric::ShortfallUnits);
        assert!(short > 1.0, "the embargo makes a shortfall");
        assert_eq!(lost(1, 1), 0.0, "defence, released to it");
        assert!(
            (lost(1, 2) - short).abs() <= 1e-9 * short,
            "{} vs {short}",
            lost(1, 2)
        );
        assert!(lost(0, 1) > 0.0, "defence, stockpile released to all");
    }
}

// ------------------------------------------------- per-sector columns and targets

/// Two sectors on one material, an embargo at a random onset, two strategies.
fn two_sectors() -> Scenario {
    let src = material(40, 0.8, "stockpile_days = 10")
        .replace("onset = { day = 10 }", "onset = { rate_per_year = 2 }")
        + r#"
[[sector]]
id = "magnets"
annual_output = 36.5
value_added = 100
buffer_days = 3
uses = { m = 6.0 }
[[sector]]
id = "cars"
annual_output = 36500
value_added = 2
priority = 2
uses = { magnets = 0.001 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "buffered"
set = { "sector.cars.buffer_days" = 15 }
"#;
    parse_scenario("t.toml", &src).unwrap()
}

#[test]
fn replications_csv_has_every_sector_metric_and_the_gdp_at_risk_per_future() {
    let scn = two_sectors();
    let res = run(&scn);
    let mut bytes = Vec::new();
    chokepoint::report::write_replications_csv(&mut bytes, &scn, &res).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    // After strategy_total_cost: sector.<id>.<metric> for each sector and metric, then
    // the GDP at risk.
    let first = col("strategy_total_cost") + 1;
    assert_eq!(header[first], "sector.magnets.output_lost");
    assert_eq!(header[first + 5], "sector.cars.output_lost");
    assert_eq!(header[first + 9], "sector.cars.tts_days");
    assert_eq!(header.len(), first + 11);
    assert_eq!(*header.last().unwrap(), "strategy_value_added_lost");
    // One row per replication × strategy × material (one material here): each row's
    // sector fields are the run's sector rows, and the GDP at risk their value added
    // lost summed in sector order.
    let nm = scn.materials().len();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), res.n_replications * 2);
    let mut some_loss = false;
    for (i, row) in rows.iter().enumerate() {
        let (r, s) = (i / 2, i % 2);
        let field = |name: &str| -> Option<f64> {
            let f = row[col(name)];
            (!f.is_empty()).then(|| f.parse().unwrap())
        };
        let mut gdp = 0.0;
        for (k, id) in ["magnets", "cars"].into_iter().enumerate() {
            let want = res.row(r, s, nm + k);
            for x in SectorMetric::ALL {
                let v = want.0[x.index()];
                let got = field(&format!("sector.{id}.{}", x.name()));
                assert_eq!(got, (!v.is_nan()).then_some(v), "{i} {id} {x:?}");
            }
            gdp += want.0[SectorMetric::ValueAddedLost.index()];
        }
        assert_eq!(field("strategy_value_added_lost"), Some(gdp));
        some_loss |= gdp > 0.0;
    }
    assert!(some_loss, "some future loses value added");
}

#[test]
fn targets_read_the_gdp_at_risk_and_a_sectors_metrics() {
    use chokepoint::explore::target::{Rule, Subject, Target, statistic};
    use chokepoint::stats::{Measure, Stat, value_added_lost_column};
    let scn = two_sectors();
    let res = run(&scn);
    // `total` has the GDP at risk: p95(value_added_lost) is the statistic of the per-
    // future sum over the sectors.
    let gdp = Target::parse("p95(value_added_lost) <= 1e12").unwrap();
    gdp.check(&scn, Subject::Total).unwrap();
    let Ok(col) = value_added_lost_column(&scn, &res, 0);
    let ev = gdp.evaluate(&scn, &res, 0, Subject::Total, Rule::Point);
    assert_eq!(ev[0].value, statistic(Stat::Quantile(95), &col, 0.95).0);
    assert!(ev[0].value.unwrap() > 0.0 && ev[0].met);
    // A sector by its id (or `sector.<id>`): its own metrics, tts_days included; its
    // autonomy is the share of futures without a day of reduced output.
    let cars = Subject::resolve(&scn, Some("cars")).unwrap();
    assert_eq!(cars, Subject::Sector(1));
    assert_eq!(Subject::resolve(&scn, Some("sector.cars")).unwrap(), cars);
    let t = Target::parse("mean(output_lost_pct) <= 50 and mean(tts_days) >= 0 and autonomy >= 0")
        .unwrap();
    t.check(&scn, cars).unwrap();
    let ev = t.evaluate(&scn, &res, 1, cars, Rule::Point);
    let column = |x: SectorMetric| -> Vec<f64> {
        (0..res.n_replications)
            .map(|r| sector(&res, &scn, r, 1, 1, x))
            .collect()
    };
    let pct = column(SectorMetric::OutputLostPct);
    assert_eq!(ev[0].value, statistic(Stat::Mean, &pct, 0.95).0);
    let tts = column(SectorMetric::TtsDays);
    assert_eq!(ev[1].value, statistic(Stat::Mean, &tts, 0.95).0);
    let days = column(SectorMetric::DaysOutputReduced);
    let free = days.iter().filter(|&&d| d == 0.0).count() as f64 / days.len() as f64;
    assert_eq!(ev[2].value, Some(free));
    assert!(free < 1.0, "some future reduces the cars' output");
    // What does not exist is refused, saying why.
    let e = Subject::Material(0)
        .measure(&scn, "output_lost_pct")
        .unwrap_err()
        .to_string();
    assert!(e.contains("name a sector"), "{e}");
    assert!(cars.measure(&scn, "shortfall_pct").is_err());
    assert_eq!(
        Subject::Total.measure(&scn, "value_added_lost").unwrap(),
        Measure::Sector(SectorMetric::ValueAddedLost)
    );
    let plain = parse_scenario("t.toml", &material(10, 1.0, "annual_demand = 365")).unwrap();
    let e = Subject::Total
        .measure(&plain, "value_added_lost")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no `[[sector]]`"), "{e}");
}
