//! The sector layer (`docs/model.md`, "The sector layer"): the `[[sector]]` format and
//! its validation, and hand-derived checks of the daily step and its metrics.

use chokepoint::model::Input;
use chokepoint::scenario::{Document, parse_scenario};

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
    assert_eq!(s.strategies[0].materials[0].daily_demand(), 1.0);
    assert_eq!(s.sectors.len(), 2);
    assert_eq!(s.sector_order, vec![0, 1]);
    let cars = &s.strategies[0].sectors[1];
    assert_eq!(cars.priority(), 2);
    assert_eq!(cars.uses(), &[(Input::Sector(0), 0.001)]);
    assert_eq!((cars.buffer_days(), cars.refill_rate()), (0.0, 0.1));
    assert_eq!(s.sectors[1].unit, "vehicles");
}

#[test]
fn every_sector_problem_is_reported_at_once_with_its_path() {
    let bad = CHAIN
        .replace(
            "uses = { dy = 10.0 }",
            "uses = { dy = 10.0, cars = 1, ndfeb = 2 }",
        )
        .replace("value_added = 2\n", "")
        .replace("priority = 2", "priority = 0");
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
    assert_eq!(s.strategies[0].materials[0].daily_demand(), 400.0 / 365.0);
    assert_eq!(s.strategies[1].materials[0].daily_demand(), 217.5 / 365.0);
    let mag = &s.strategies[1].sectors[0];
    assert_eq!((mag.uses()[0].1, mag.value_added()), (5.0, 50.0));
    assert_eq!(s.strategies[1].sectors[1].buffer_days(), 30.0);
    // release_to_priority = 1 admits magnets (priority 1): 182.5 of 217.5 t/year.
    assert_eq!(s.strategies[1].release_to_priority, Some(1));
    let share = s.strategies[1].materials[0].release_share();
    assert!((share - 182.5 / 217.5).abs() < 1e-12, "{share}");
    assert_eq!(s.strategies[0].materials[0].release_share(), 1.0);
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
    assert_eq!(s.strategies[0].sectors[1].uses()[0].1, 0.0005);
    // Only a listed input is a path (the help lists them).
    let e = doc.get("sector.cars.uses.dy").unwrap_err();
    assert!(e.to_string().contains("unknown `dy`"), "{e}");
    assert!(
        e.help.as_deref().is_some_and(|h| h.contains("`magnets`")),
        "{e:?}"
    );
}
