//! The scenario library (`scenarios/*.toml`): every shipped file validates and runs, and
//! the relations a domain expert expects between its strategies hold, each asserted with
//! its 95% interval (paired, thanks to common random numbers).
//!
//! Replication counts are small (a few thousand in all) so the file runs in seconds; the
//! relations asserted are those whose intervals are far from zero at these counts.

use std::path::Path;

use chokepoint::model::Scenario;
use chokepoint::scenario::load_scenario;
use chokepoint::sim::{self, Metric, NoProgress, RunOptions, RunResult};
use chokepoint::stats::Paired;
use chokepoint::stats::summary::{Summary, metric_column};

/// Every scenario of the library, with the replications of its smoke run.
const LIBRARY: [&str; 8] = [
    "rare_earth_magnets",
    "rare_earth_2010_replay",
    "gallium_germanium",
    "auto_chips",
    "antibiotics",
    "crude_oil_hormuz",
    "hormuz_2026_replay",
    "photoresist_2019",
];

struct Run {
    scn: Scenario,
    res: RunResult,
    sum: Summary,
}

fn run(name: &str, seed: u64, n: u64) -> Run {
    let path = format!("scenarios/{name}.toml");
    let scn = load_scenario(Path::new(&path)).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    let res = sim::run(&scn, &RunOptions::new(seed, n), &NoProgress);
    let sum = Summary::from_run(&scn, &res, seed).unwrap();
    Run { scn, res, sum }
}

impl Run {
    fn strategy(&self, id: &str) -> usize {
        self.scn
            .strategies()
            .iter()
            .position(|s| s.id == id)
            .unwrap_or_else(|| panic!("no strategy {id}"))
    }

    fn material(&self, id: &str) -> usize {
        self.scn
            .materials()
            .iter()
            .position(|m| m.id == id)
            .unwrap_or_else(|| panic!("no material {id}"))
    }

    fn shortfall(&self, strategy: &str, material: &str) -> Vec<f64> {
        metric_column(
            &self.res,
            self.strategy(strategy),
            self.material(material),
            Metric::ShortfallPct,
        )
        .unwrap()
    }

    /// Paired comparison of `a` against `b` on a material's shortfall %.
    fn paired(&self, a: &str, b: &str, material: &str) -> Paired {
        Paired::from_pairs(&self.shortfall(a, material), &self.shortfall(b, material))
    }

    fn stats(&self, strategy: &str, material: &str) -> &chokepoint::stats::sample::Stats {
        self.sum
            .strategy(strategy)
            .unwrap()
            .material(material)
            .unwrap()
            .metrics
            .get(Metric::ShortfallPct.name())
            .unwrap()
    }
}

/// Asserts that `a` has a lower mean shortfall than `b`: the paired 95% interval of
/// `a - b` lies below zero.
fn assert_lower(r: &Run, a: &str, b: &str, material: &str) {
    let p = r.paired(a, b, material);
    let ci = p.ci95.unwrap();
    assert!(
        ci[1] < 0.0,
        "{}: {a} should have less {material} shortfall than {b}: mean diff {:?}, 95% CI {ci:?}",
        r.scn.name(),
        p.mean_diff
    );
}

/// Asserts that a strategy leaves a material exactly as the reference does.
fn assert_untouched(r: &Run, strategy: &str, material: &str) {
    let p = r.paired(strategy, "baseline", material);
    assert_eq!(
        p.prob_tied,
        Some(1.0),
        "{}: {strategy} should not change {material}",
        r.scn.name()
    );
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    for name in LIBRARY {
        let r = run(name, 7, 200);
        assert!(!r.scn.description().is_empty(), "{name}: no description");
        assert_eq!(r.scn.horizon_days(), 730, "{name}");
        assert!(r.scn.strategies().len() >= 4, "{name}: too few strategies");
        assert_eq!(r.sum.reference, "baseline", "{name}");
        for s in &r.sum.strategies {
            let a = s.total.autonomy.unwrap();
            assert!((0.0..=1.0).contains(&a), "{name}/{}", s.id);
            let cost = s.total.metrics.get("total_cost").unwrap().mean.unwrap();
            assert!(cost.is_finite() && cost > 0.0, "{name}/{}", s.id);
        }
    }
}

#[test]
fn every_toml_in_scenarios_is_in_the_library_or_a_tool() {
    // New scenario files must be added to LIBRARY (and to docs/scenarios.md).
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "toml") {
            assert!(
                LIBRARY.contains(&stem.as_str())
                    || stem == "tutorial"
                    || stem == "bench"
                    || stem == "bench_sectors",
                "{stem}.toml is not in LIBRARY"
            );
        }
    }
}

#[test]
fn flagship_relations() {
    let r = run("rare_earth_magnets", 11, 2000);
    // A 180-day Dy/Tb stockpile beats 60 days, which beats the status quo's 30.
    assert_lower(&r, "hree_stock_180", "hree_stock_60", "hree");
    assert_lower(&r, "hree_stock_60", "baseline", "hree");
    // Every remedy lowers the heavy-REE shortfall, and the status quo has the highest P95.
    let base_p95 = r.stats("baseline", "hree").p95.unwrap();
    assert!(
        base_p95 > 1.0,
        "status quo should show heavy-REE risk: P95 {base_p95}"
    );
    for s in r.scn.strategies() {
        if s.id == "baseline" {
            continue;
        }
        assert_lower(&r, s.id.as_str(), "baseline", "hree");
        let p95 = r.stats(s.id.as_str(), "hree").p95.unwrap();
        assert!(
            p95 < base_p95,
            "{}: P95 {p95} vs status quo {base_p95}",
            s.id
        );
    }
    // Continuous effort beats react-then-forget on both materials.
    assert_lower(&r, "continuous", "react_forget", "hree");
    assert_lower(&r, "continuous", "react_forget", "ndpr");
    // Diversification helps NdPr; Dy/Tb-only measures leave NdPr alone.
    assert_lower(&r, "allied_diversify", "baseline", "ndpr");
    for s in ["hree_stock_60", "hree_stock_180", "dy_free_rnd"] {
        assert_untouched(&r, s, "ndpr");
    }
}

#[test]
fn rare_earth_2010_replay_relations() {
    let r = run("rare_earth_2010_replay", 11, 1000);
    // With the shock certain, the status quo is short of Dy/Tb in more futures than in
    // the flagship, and Japan's 2010 structure would fare worse on NdPr than today's.
    assert_lower(&r, "baseline", "as_in_2010", "ndpr");
    assert_lower(&r, "hree_stock_180", "baseline", "hree");
    assert_lower(&r, "continuous", "baseline", "hree");
    let auto = r
        .sum
        .strategy("baseline")
        .unwrap()
        .material("hree")
        .unwrap();
    assert!(auto.autonomy.unwrap() < 0.9, "the replay should bite");
}

#[test]
fn oil_relations() {
    let r = run("crude_oil_hormuz", 5, 1500);
    // Coordinated release lowers shortfall, and more than 40 extra days of stock that
    // are drawn no faster: the release rate binds, not the stock.
    assert_lower(&r, "iea_coordinated", "baseline", "crude");
    assert_lower(&r, "iea_coordinated", "stock_plus_40", "crude");
    assert_lower(&r, "bypass_contract", "baseline", "crude");
    assert_lower(&r, "atlantic_diversify", "baseline", "crude");

    // The replay (closure certain on day 30) has more shortfall than the random-onset
    // scenario: the two 95% intervals of the mean do not overlap.
    let replay = run("hormuz_2026_replay", 5, 500);
    assert_lower(&replay, "iea_coordinated", "baseline", "crude");
    let random = r.stats("baseline", "crude").ci95.unwrap();
    let certain = replay.stats("baseline", "crude").ci95.unwrap();
    assert!(
        certain[0] > random[1],
        "replay {certain:?} vs random onset {random:?}"
    );
}

#[test]
fn gallium_germanium_relations() {
    let r = run("gallium_germanium", 3, 1000);
    for m in ["ga", "ge"] {
        assert_lower(&r, "stock_180", "stock_60", m);
        assert_lower(&r, "stock_60", "baseline", m);
        assert_lower(&r, "allied_offtake", "baseline", m);
    }
    assert_lower(&r, "recycling_surge", "baseline", "ga");
    assert_untouched(&r, "recycling_surge", "ge");
}

#[test]
fn auto_chips_relations() {
    let r = run("auto_chips", 3, 1500);
    assert_lower(&r, "buffer_120", "baseline", "mcu");
    assert_lower(&r, "buffer_120", "baseline", "legacy");
    assert_lower(&r, "substitute_parts", "baseline", "mcu");
    assert_lower(&r, "second_source", "baseline", "mcu");
    assert_untouched(&r, "second_source", "legacy");
    assert_untouched(&r, "domestic_legacy", "mcu");
}

#[test]
fn antibiotics_relations() {
    let r = run("antibiotics", 3, 1000);
    for s in [
        "stockpile_90",
        "share_cap",
        "domestic_api",
        "switch_protocol",
    ] {
        assert_lower(&r, s, "baseline", "cefazolin");
    }
    // Only the switching protocol (which stocks alternatives) helps the alternatives.
    assert_lower(&r, "switch_protocol", "baseline", "alternatives");
    assert_untouched(&r, "stockpile_90", "alternatives");
}

#[test]
fn photoresist_relations() {
    let r = run("photoresist_2019", 3, 1000);
    // The refusal is certain (day 30), so the status quo runs short in most futures.
    for m in ["resist", "hf"] {
        let auto = r.sum.strategy("baseline").unwrap().material(m).unwrap();
        assert!(auto.autonomy.unwrap() < 0.5, "{m}: the refusal should bite");
        assert_lower(&r, "stock_90", "baseline", m);
    }
    // Each local source protects its own material only; together they protect both.
    assert_lower(&r, "local_hf", "baseline", "hf");
    assert_untouched(&r, "local_hf", "resist");
    assert_lower(&r, "local_resist", "baseline", "resist");
    assert_untouched(&r, "local_resist", "hf");
    assert_lower(&r, "local_both", "local_resist", "hf");
    assert_lower(&r, "local_both", "local_hf", "resist");
    // How long the buyer lasts, derived by hand: the refusal removes a fraction s of
    // Japan's 90% share; shipments already on their way keep arriving for the 7-day lead
    // time, then the 30 days of private stock drain at 0.9 s of demand a day (docs/model.md,
    // the daily step: arrivals, then serve from stock), so the first shortfall comes
    // 7 + 30 / (0.9 s) days after the onset: 40 days at s = 1, 63 at s = 0.6, the ends of
    // the severity's PERT(0.6, 0.9, 1) (the other supplier's surge starts only after 90
    // days). The median future lies between the two.
    let tts = r
        .sum
        .strategy("baseline")
        .unwrap()
        .material("resist")
        .unwrap()
        .metrics
        .get("tts_days")
        .unwrap()
        .p50
        .unwrap();
    assert!(
        (40.0..=63.0).contains(&tts),
        "median days from the refusal to the first resist shortfall: {tts}"
    );
}

#[test]
fn run_without_a_file_runs_the_flagship() {
    let dir = std::env::temp_dir().join(format!("chokepoint-flagship-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(["run", "--replications", "50", "--quiet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run_json = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(run_json.contains("rare_earth_magnets.toml"), "{run_json}");
    let _ = std::fs::remove_dir_all(&dir);
}
