//! The recommendation that opens report.html, on small scenarios whose answer follows by
//! hand: with no shocks and no demand noise every future is the same, so each strategy's
//! total cost is its purchases (the same under every strategy, since none changes a
//! stock or a supplier) plus its own fixed cost `annual_cost × horizon / 365`
//! (MODEL.md §5). The strategies differ by that fixed cost alone, in every future.

use chokepoint::charts::ChartData;
use chokepoint::model::Scenario;
use chokepoint::report::pages::recommend::recommendation;
use chokepoint::scenario::parse_scenario;
use chokepoint::sim::{self, NoProgress, RunOptions};
use chokepoint::stats::Summary;

/// One material, one supplier, no shocks, holding costs zero; four strategies that
/// change nothing but their annual cost. `extra` is appended at the top level.
fn scenario(extra: &str) -> Scenario {
    let text = format!(
        r#"
name = "Known answer"
horizon_days = 365
replications = 50
seed = 1
{extra}
[[material]]
id = "ore"
annual_demand = 365.0
unit_value = 10.0
shortage_cost = 100.0
holding_cost_rate = 0.0
[[material.supplier]]
id = "x"
country = "XX"
share = 1.0

[[strategy]]
id = "baseline"
label = "Status quo"
annual_cost = 730.0

[[strategy]]
id = "lean"
label = "Lean"
annual_cost = 0.0

[[strategy]]
id = "twin"
label = "Twin"
annual_cost = 0.0

[[strategy]]
id = "mid"
label = "Mid"
annual_cost = 365.0
"#
    );
    parse_scenario("known.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn paragraph(scn: &Scenario) -> String {
    let opts = RunOptions {
        seed: 1,
        replications: 0..50,
        daily: false,
        daily_replications: 0,
    };
    let res = sim::run(scn, &opts, &NoProgress);
    let sum = Summary::from_run(scn, &res, 1).unwrap();
    let data = ChartData::from_run(scn, &res, &sum, &[]);
    recommendation(&data, scn)
        .unwrap()
        .expect("a recommendation")
}

#[test]
fn best_runner_up_and_a_tie_on_expected_total_cost() {
    let p = paragraph(&scenario(""));
    // Lean and Twin are the same strategy at no cost: the lowest, and tied in every
    // future; Lean comes first in the file, so it is named and Twin is the runner-up.
    assert!(
        p.contains("<b>Recommendation: Lean.</b> Of the 4 strategies"),
        "{p}"
    );
    assert!(
        p.contains("It cannot be told apart from the runner-up, <b>Twin</b>"),
        "{p}"
    );
    // The difference is exactly zero: no number of futures separates them.
    assert!(p.contains("the difference is 0 USD"), "{p}");
    assert!(p.contains("the same in 100%."), "{p}");
    assert!(
        p.contains("No practical number of futures would separate them"),
        "{p}"
    );
    // Against the reference, which pays 730 a year more: no cover, no shortfall cut.
    assert!(
        p.contains("It costs 0 USD a year (730 less than Status quo)"),
        "{p}"
    );
    assert!(p.contains("no extra days of cover"), "{p}");
}

#[test]
fn a_budget_sets_dearer_strategies_aside_and_a_clear_winner_is_measured() {
    // Without Twin (set aside by nothing: the budget keeps Lean, Twin; so drop Twin by
    // making it dearer), Lean beats Mid by Mid's fixed cost, 365 × 365 / 365 = 365, in
    // every future, so P(better) is 100% and the interval is the point itself.
    let scn = scenario("max_annual_cost = 400.0")
        .with_parts(|p| p.strategies[2].annual_cost = 1000.0)
        .unwrap();
    let p = paragraph(&scn);
    assert!(
        p.contains("Of the 2 strategies costing at most 400 USD a year (2 dearer set aside)"),
        "{p}"
    );
    assert!(p.contains("<b>Recommendation: Lean.</b>"), "{p}");
    assert!(
        p.contains("It beats the runner-up, <b>Mid</b>, by 365 USD (95% interval 365 to 365)"),
        "{p}"
    );
    assert!(
        p.contains("does better in 100% of the 50 simulated futures."),
        "{p}"
    );
}

#[test]
fn a_budget_nothing_meets_says_so() {
    let scn = scenario("max_annual_cost = 1.0")
        .with_parts(|p| {
            for s in &mut p.strategies {
                s.annual_cost += 10.0;
            }
        })
        .unwrap();
    let p = paragraph(&scn);
    assert!(
        p.starts_with("<b>No recommendation:</b> no strategy costs at most 1.00 USD a year"),
        "{p}"
    );
}

#[test]
fn the_criterion_field_is_checked() {
    let text = r#"
name = "x"
horizon_days = 10
criterion = "p95_shortfal"
[[material]]
id = "ore"
annual_demand = 365.0
unit_value = 10.0
shortage_cost = 100.0
[[material.supplier]]
id = "x"
country = "XX"
share = 1.0
"#;
    let e = parse_scenario("bad.toml", text).unwrap_err().to_string();
    assert!(e.contains("unknown criterion `p95_shortfal`"), "{e}");
    let ok = parse_scenario("ok.toml", &text.replace("p95_shortfal", "p95_shortfall")).unwrap();
    assert_eq!(ok.criterion().rank_by.as_str(), "p95_shortfall");
}
