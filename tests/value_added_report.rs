//! The value added at risk the report leads with and the terminal repeats
//! (`report::value_added`): GDP at risk avoided against the reference and the cost per
//! unit of value added protected, checked against values derived by hand from
//! docs/model.md ("The sector layer"), and the report's section and the terminal's
//! lines built from them.

use chokepoint::report::value_added::{per_unit_text, protected_table, value_added_rows};
use chokepoint::scenario::parse_scenario;
use chokepoint::sim::{NoProgress, RunOptions};
use chokepoint::stats::Summary;

/// d = 1 t/day of `m` (365 t/year), all claimed by `magnets` (10 t per t, 36.5 t/year:
/// y = 0.1 t/day, value added 100 per t, so 10 a day at full output), no stock, the
/// only supplier 1 day away and cut completely from day 10 for 40 days: every
/// replication the same (no noise). `buffered` holds 20 days of magnet output and costs
/// 365 a year, so 200 over the 200-day horizon.
const SCN: &str = r#"horizon_days = 200
replications = 10
seed = 3
currency = "JPY"
[[material]]
id = "m"
unit = "t"
unit_value = 1
shortage_cost = 1000
private_days = 0
[[material.supplier]]
id = "x"
country = "XX"
share = 1.0
lead_time_days = 1
surge = 0
[[shock]]
id = "emb"
kind = "embargo"
targets = { suppliers = ["x"] }
onset = { day = 10 }
duration_days = 40
severity = 1.0
[[sector]]
id = "magnets"
name = "Magnets"
unit = "t"
annual_output = 36.5
value_added = 100
uses = { m = 10.0 }
[[strategy]]
id = "baseline"
[[strategy]]
id = "buffered"
annual_cost = 365
set = { "sector.magnets.buffer_days" = 20 }
"#;

fn summary() -> Summary {
    let scn = parse_scenario("t.toml", SCN).unwrap();
    let res = chokepoint::sim::run(&scn, &RunOptions::new(scn.seed(), 10), &NoProgress);
    Summary::from_run(&scn, &res, scn.seed()).unwrap()
}

#[test]
fn cost_per_unit_of_value_added_protected_is_extra_cost_over_gdp_at_risk_avoided() {
    let sum = summary();
    let rows = value_added_rows(&sum);
    assert_eq!(rows.len(), 2);
    // The reference: nothing avoided, no ratio.
    assert_eq!(rows[0].avoided, None);
    assert_eq!(per_unit_text(&rows[0]), "reference");
    // Without a buffer the 40 days of the cut are 40 days without output: 40 × 10 = 400
    // of value added lost in every future. The 20-day buffer covers the first 20 of
    // them (docs/model.md: the missing share is drawn from the buffer while it lasts),
    // so 200 is avoided in every future.
    let base = rows[0].gdp_at_risk.mean.unwrap();
    assert!((base - 400.0).abs() < 1e-9, "GDP at risk {base}");
    let (avoided, _) = rows[1].avoided.unwrap();
    assert!((avoided - 200.0).abs() < 1e-9, "avoided {avoided}");
    // Extra cost: 365 a year over 200 days = 200; so 200 / 200 = 1 per unit protected.
    assert!((rows[1].extra_cost - 200.0).abs() < 1e-9);
    let (ratio, _) = rows[1].per_unit.unwrap();
    assert!((ratio - 1.0).abs() < 1e-9, "ratio {ratio}");
}

#[test]
fn the_terminal_names_the_statistic_with_the_reports_words() {
    let sum = summary();
    let t = protected_table(&sum).expect("a run with sectors");
    for needle in [
        "Value added protected against baseline over 200 days",
        // The header on two lines (the table fits 100 columns).
        "GDP at risk avoided,",
        "JPY [95% CI]",
        "cost per unit of value added protected",
        "buffered",
    ] {
        assert!(t.contains(needle), "lacks {needle:?}:\n{t}");
    }
}
