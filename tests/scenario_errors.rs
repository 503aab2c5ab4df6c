//! Scenario files → located problems: one test per error class, the "three mistakes"
//! file, no-panic fuzzing, round trips, parameter paths and the JSON Schema.

use chokepoint::scenario::{Document, ParamKind, ScenarioError, param_kind, parse_scenario};
use proptest::prelude::*;

const MIN: &str = r#"horizon_days = 365
replications = 100
[[material]]
id = "ndpr"
annual_demand = 3650
unit_value = 1
shortage_cost = 10
[[material.supplier]]
id = "cn"
country = "CN"
share = 0.8
[[material.supplier]]
id = "au"
country = "AU"
share = 0.2
routes = ["malacca"]
[[shock]]
id = "emb"
kind = "embargo"
targets = { countries = ["CN"] }
onset = { rate_per_year = 0.1 }
duration_days = 30
"#;

fn err(src: &str) -> ScenarioError {
    match parse_scenario("t.toml", src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e,
    }
}

/// Asserts that the plain-text error contains `needle` and returns the full text.
fn has(src: &str, needle: &str) -> String {
    let text = err(src).to_string();
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
    text
}

#[test]
fn minimal_scenario_is_valid_with_defaults() {
    let s = parse_scenario("t.toml", MIN).unwrap();
    let p = &s.strategies()[0].materials[0];
    assert_eq!(s.strategies()[0].id, "baseline");
    assert_eq!(s.strategies()[0].label, "Status quo");
    assert_eq!(p.daily_demand(), 10.0);
    assert_eq!(
        (p.private_days(), p.stockpile_days(), p.holding_cost_rate()),
        (30.0, 0.0, 0.02)
    );
    assert_eq!(
        (p.max_release_rate(), p.refill_rate(), p.demand_cv()),
        (1.0, 0.10, 0.0)
    );
    let sp = &p.suppliers()[0];
    assert_eq!(
        (
            sp.lead_time_days(),
            sp.surge(),
            sp.surge_lag_days(),
            sp.unit_cost()
        ),
        (30, 0.10, 30, 1.0)
    );
    assert_eq!(s.materials()[0].name, "ndpr");
    assert_eq!(s.materials()[0].unit, "units");
    assert_eq!(s.shocks()[0].label(), "emb");
    assert_eq!(s.shocks()[0].severity().mean(), 1.0);
    assert_eq!(s.shocks()[0].supply_targets(), [(0, 0)]);
}

#[test]
fn shares_not_summing_to_one() {
    let t = has(
        &MIN.replace("share = 0.2", "share = 0.15"),
        "t.toml:11:9: material.ndpr: supplier shares sum to 0.95",
    );
    assert!(t.contains("help: make them sum to 1"), "{t}");
}

#[test]
fn negative_number() {
    has(
        &MIN.replace("shortage_cost = 10", "shortage_cost = -10"),
        "t.toml:7:17: material.ndpr.shortage_cost: must be >= 0, got -10",
    );
}

#[test]
fn non_finite_number() {
    has(
        &MIN.replace("unit_value = 1", "unit_value = nan"),
        "t.toml:6:14: material.ndpr.unit_value: must be a finite number",
    );
}

#[test]
fn lognormal_p90_not_above_median() {
    has(
        &MIN.replace(
            "duration_days = 30",
            "duration_days = { lognormal = { median = 60, p90 = 50 } }",
        ),
        "t.toml:22:17: shock.emb.duration_days: lognormal: `p90` (50) must be greater than `median` (60)",
    );
}

#[test]
fn min_above_max_and_mode_outside() {
    has(
        &MIN.replace(
            "duration_days = 30",
            "duration_days = { uniform = { min = 9, max = 3 } }",
        ),
        "shock.emb.duration_days: uniform: `min` (9) is greater than `max` (3)",
    );
    has(
        &MIN.replace(
            "duration_days = 30",
            "duration_days = { pert = { min = 1, mode = 9, max = 3 } }",
        ),
        "t.toml:22:17: shock.emb.duration_days: pert: `mode` (9) must lie within",
    );
}

#[test]
fn unknown_distribution_has_did_you_mean() {
    has(
        &MIN.replace(
            "duration_days = 30",
            "duration_days = { lognormall = { median = 60, p90 = 90 } }",
        ),
        "unknown distribution `lognormall`, did you mean `lognormal`?",
    );
}

#[test]
fn probability_and_share_outside_unit_interval() {
    has(
        &MIN.replace(
            "onset = { rate_per_year = 0.1 }",
            "onset = { day = 3, probability = 1.5 }",
        ),
        "t.toml:21:34: shock.emb.onset.probability: must be between 0 and 1, got 1.5",
    );
    has(
        &MIN.replace("share = 0.8", "share = 1.8"),
        "t.toml:11:9: material.ndpr.supplier.cn.share: must be between 0 and 1, got 1.8",
    );
}

#[test]
fn unknown_ids_in_targets_triggers_reaction_and_strategy_paths() {
    has(
        &MIN.replace("countries = [\"CN\"]", "countries = [\"CNN\"]"),
        "t.toml:20:25: shock.emb.targets.countries: `CNN` matches no supplier country\n  help: did you mean `CN`?",
    );
    has(
        &MIN.replace("countries = [\"CN\"]", "suppliers = [\"ndpr.cm\"]"),
        "`ndpr.cm` matches no supplier\n  help: did you mean `ndpr.cn`?",
    );
    has(
        &MIN.replace("countries = [\"CN\"]", "routes = [\"malaca\"]"),
        "did you mean `malacca`?",
    );
    has(
        &format!("{MIN}triggers = [{{ shock = \"emd\", probability = 0.5 }}]\n"),
        "t.toml:23:23: shock.emb.triggers.emd.shock: trigger names unknown shock `emd`\n  help: did you mean `emb`?",
    );
    has(
        &MIN.replace(
            "[[shock]]",
            "[material.reaction]\nshares = { cn = 0.5, ua = 0.5 }\n[[shock]]",
        ),
        "material.ndpr.reaction.shares.ua: material `ndpr` has no supplier `ua`\n  help: did you mean `au`?",
    );
    has(
        &format!(
            "{MIN}[[strategy]]\nid = \"s\"\nset = {{ \"material.ndpr.stockpile_dayz\" = 5 }}\n"
        ),
        "t.toml:25:42: strategy.s: set \"material.ndpr.stockpile_dayz\" = 5: unknown `stockpile_dayz` after `material.ndpr`\n  help: did you mean `stockpile_days`?",
    );
}

#[test]
fn duplicate_ids() {
    has(
        &MIN.replace("id = \"au\"", "id = \"cn\""),
        "material.ndpr.supplier.cn: duplicate supplier id `cn`",
    );
    has(
        &format!(
            "{MIN}[[shock]]\nid = \"emb\"\nkind = \"outage\"\ntargets = {{ materials = [\"ndpr\"] }}\nonset = {{ day = 1 }}\nduration_days = 5\n"
        ),
        "shock.emb: duplicate shock id `emb`",
    );
    has(
        &format!("{MIN}[[strategy]]\nid = \"a\"\n[[strategy]]\nid = \"a\"\n"),
        "strategy.a: duplicate strategy id `a`",
    );
    let two = MIN.replace("[[shock]]", "[[material]]\nid = \"ndpr\"\nannual_demand = 1\nunit_value = 1\nshortage_cost = 1\n[[material.supplier]]\nid = \"x\"\nshare = 1\n[[shock]]");
    has(&two, "material.ndpr: duplicate material id `ndpr`");
}

#[test]
fn trigger_cycle_is_named() {
    let src = format!(
        "{MIN}triggers = [{{ shock = \"b\", probability = 0.5 }}]\n[[shock]]\nid = \"b\"\nkind = \"outage\"\ntargets = {{ materials = [\"ndpr\"] }}\nduration_days = 5\ntriggers = [{{ shock = \"emb\", probability = 0.5 }}]\n"
    );
    has(&src, "shock.emb.triggers: trigger cycle emb → b → emb");
}

#[test]
fn trigger_order_is_topological() {
    let src = format!(
        "{MIN}[[shock]]\nid = \"b\"\nkind = \"outage\"\ntargets = {{ materials = [\"ndpr\"] }}\nonset = {{ day = 4 }}\nduration_days = 5\ntriggers = [{{ shock = \"emb\", probability = 0.5 }}]\n"
    );
    let s = parse_scenario("t.toml", &src).unwrap();
    assert_eq!(s.shock_order(), vec![1, 0]);
}

#[test]
fn zero_horizon_replications_and_lead_time() {
    has(
        &MIN.replace("horizon_days = 365", "horizon_days = 0"),
        "t.toml:1:16: horizon_days: must be >= 1, got 0",
    );
    has(
        &MIN.replace("replications = 100", "replications = 0"),
        "t.toml:2:16: replications: must be >= 1, got 0",
    );
    has(
        &MIN.replace("share = 0.8", "share = 0.8\nlead_time_days = 0"),
        "t.toml:12:18: material.ndpr.supplier.cn.lead_time_days: must be >= 1, got 0",
    );
    has(
        &MIN.replace("horizon_days = 365", "horizon_days = 1e9"),
        "horizon_days: must be <= 36500",
    );
    has(
        &MIN.replace("horizon_days = 365", "horizon_days = 36.5"),
        "horizon_days: must be a whole number of days, got 36.5",
    );
}

#[test]
fn whole_day_fields_accept_integral_floats() {
    let s = parse_scenario(
        "t.toml",
        &MIN.replace("horizon_days = 365", "horizon_days = 365.0"),
    )
    .unwrap();
    assert_eq!(s.horizon_days(), 365);
}

#[test]
fn target_matching_nothing_and_surge_targets() {
    has(
        &MIN.replace("countries = [\"CN\"]", "materials = [\"ndpx\"]"),
        "`ndpx` matches no material\n  help: did you mean `ndpr`?",
    );
    let surge = MIN.replace(
        "kind = \"embargo\"",
        "kind = \"demand_surge\"\nseverity = 0.2",
    );
    has(
        &surge,
        "shock.emb.targets.countries: a `demand_surge` hits demand, not suppliers, so `targets.countries` does not apply\n  help: use `targets.materials`",
    );
    has(
        &MIN.replace("kind = \"embargo\"", "kind = \"demand_surge\"")
            .replace("countries = [\"CN\"]", "materials = [\"ndpr\"]"),
        "shock.emb.severity: a `demand_surge` needs a `severity`",
    );
    has(
        &MIN.replace("duration_days = 30", "duration_days = 30\ndelay_days = 3"),
        "shock.emb.delay_days: `delay_days` only applies to `logistics` shocks",
    );
}

#[test]
fn shock_rules_are_reported_once_each_at_their_paths() {
    // The model's shock rules (`ShockFault::find`) as the scenario layer reports them:
    // every broken one at once, each at its part's path with the file's advice. A delay
    // written for another kind is refused whatever its value (even 0), and a negative
    // severity is reported as negative only (not also as above 1).
    let t = has(
        &MIN.replace(
            "duration_days = 30",
            "duration_days = -2\nseverity = { uniform = { min = -0.5, max = 3 } }\n\
             recovery_days = { triangular = { min = -1, mode = 0, max = 4 } }\ndelay_days = 0",
        ),
        "shock.emb.duration_days: must be >= 0, but fixed can give -2",
    );
    for needle in [
        "shock.emb.severity: must be >= 0, but uniform can give -0.5",
        "shock.emb.recovery_days: must be >= 0, but triangular can give -1",
        "shock.emb.delay_days: `delay_days` only applies to `logistics` shocks, not `embargo`\n  \
         help: remove it, or make the shock `kind = \"logistics\"`",
    ] {
        assert!(t.contains(needle), "{needle}: {t}");
    }
    assert!(!t.contains("supply-loss severity"), "{t}");
    // An unknown kind: the kind's own problem and the kind-free rules, nothing that
    // would guess a kind.
    let t = has(
        &MIN.replace("kind = \"embargo\"", "kind = \"embargoo\"")
            .replace(
                "duration_days = 30",
                "duration_days = -2\nseverity = 3\ndelay_days = 1",
            ),
        "shock.emb.kind: unknown shock kind `embargoo`",
    );
    assert!(t.contains("shock.emb.duration_days: must be >= 0"), "{t}");
    assert!(!t.contains("severity"), "{t}");
    assert!(!t.contains("delay_days"), "{t}");
}

#[test]
fn shock_without_onset_must_be_triggered() {
    has(
        &MIN.replace("onset = { rate_per_year = 0.1 }\n", ""),
        "shock.emb: shock emb has no onset and nothing triggers it\n  help: add `onset = { rate_per_year = ... }`",
    );
}

#[test]
fn strategy_override_leaving_scenario_invalid() {
    let src = format!(
        "{MIN}[[strategy]]\nid = \"big_stock\"\nset = {{ \"material.ndpr.stockpile_days\" = -5 }}\n"
    );
    has(
        &src,
        "t.toml:25:42: strategy.big_stock: set \"material.ndpr.stockpile_days\" = -5: must be >= 0",
    );
    let shock =
        format!("{MIN}[[strategy]]\nid = \"s\"\nset = {{ \"shock.emb.duration_days\" = 5 }}\n");
    has(
        &shock,
        "strategy.s: set \"shock.emb.duration_days\" = 5: strategies cannot change shocks",
    );
    let bad_shares = format!(
        "{MIN}[[strategy]]\nid = \"s\"\nset = {{ \"material.ndpr.shares\" = {{ cn = 0.5, au = 0.4 }} }}\n"
    );
    has(&bad_shares, "shares sum to 0.9");
}

#[test]
fn invalid_id_bucket_kind_and_max_fraction() {
    has(
        &MIN.replace("id = \"emb\"", "id = \"Emb-1\""),
        "invalid id `Emb-1`: ids use lowercase letters",
    );
    has(
        &MIN.replace(
            "shortage_cost = 10",
            "shortage_cost = 10\nbucket = \"gren\"",
        ),
        "material.ndpr.bucket: unknown bucket `gren`",
    );
    has(
        &MIN.replace("kind = \"embargo\"", "kind = \"embargoo\""),
        "unknown shock kind `embargoo`\n  help: did you mean `embargo`?",
    );
    has(
        &MIN.replace(
            "[[shock]]",
            "[material.substitution]\nmax_fraction = 1.2\n[[shock]]",
        ),
        "material.ndpr.substitution.max_fraction: must be between 0 and 1, got 1.2",
    );
}

#[test]
fn syntax_and_type_errors_are_located() {
    let t = has(&MIN.replace("share = 0.8", "share = 0.8 0.9"), "t.toml:11:");
    assert!(t.contains("TOML syntax error"), "{t}");
    has(
        &MIN.replace("unit_value = 1", "unit_value = \"one\""),
        "t.toml:6:14: material.ndpr.unit_value: invalid type: string \"one\", expected f64",
    );
}

#[test]
fn unknown_fields_are_all_reported_with_suggestions() {
    let src = MIN
        .replace("share = 0.8", "share = 0.8\nlead_tme_days = 4")
        .replace("shortage_cost = 10", "shortage_cost = 10\nstockpile = 3");
    let t = has(
        &src,
        "t.toml:13:1: material.ndpr.supplier.cn.lead_tme_days: unknown field `lead_tme_days`\n  help: did you mean `lead_time_days`?",
    );
    assert!(t.contains("t.toml:8:1: material.ndpr.stockpile: unknown field `stockpile`\n  help: did you mean `stockpile_days`?"), "{t}");
}

#[test]
fn three_mistakes_give_three_located_problems() {
    let src = MIN
        .replace("share = 0.8", "share = 0.8\nsurge_lagdays = 3")
        .replace("share = 0.2", "share = 0.15")
        .replace(
            "duration_days = 30",
            "duration_days = { lognormal = { median = 60, p90 = 60 } }",
        );
    let e = err(&src);
    assert_eq!(e.problems.len(), 3, "{e}");
    let lines: Vec<usize> = e
        .problems
        .iter()
        .map(|p| p.line_col(&e.source).unwrap().0)
        .collect();
    assert_eq!(lines, vec![11, 12, 23], "{e}");
    let text = e.to_string();
    assert!(text.contains("unknown field `surge_lagdays`"));
    assert!(text.contains("sum to 0.95"));
    assert!(text.contains("must be greater than `median`"));
}

#[test]
fn every_shipped_scenario_validates() {
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml")
            && let Err(e) = chokepoint::scenario::load_scenario(&path)
        {
            panic!("{e}");
        }
    }
}

#[test]
fn schema_accepts_shipped_scenarios() {
    let schema = chokepoint::scenario::json_schema();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("urn:scenario", schema).unwrap();
    let id = compiler.compile("urn:scenario", &mut schemas).unwrap();
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        // Scenario files only (scenarios/backtests/ is a folder, checked by tests/backtests.rs).
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap();
        let json = serde_json::to_value(value).unwrap();
        if let Err(e) = schemas.validate(&json, id) {
            panic!("{}: {e}", path.display());
        }
    }
    // And it rejects an unknown field.
    let bad = serde_json::json!({ "horizon_days": 1, "horizn": 2 });
    assert!(schemas.validate(&bad, id).is_err());
    // The bounds, whole-number rule and required fields come from the field table.
    let material = serde_json::json!({
        "id": "m", "annual_demand": 1.0, "unit_value": 1.0, "shortage_cost": 1.0,
        "supplier": [{ "id": "s", "share": 1.0, "lead_time_days": 30 }]
    });
    let ok = serde_json::json!({ "horizon_days": 10, "material": [material.clone()] });
    schemas.validate(&ok, id).unwrap();
    let with = |path: &[&str], v: serde_json::Value| {
        let mut x = ok.clone();
        let mut node = &mut x;
        for seg in &path[..path.len() - 1] {
            node = match seg.parse::<usize>() {
                Ok(i) => &mut node[i],
                Err(_) => &mut node[*seg],
            };
        }
        node[path[path.len() - 1]] = v;
        x
    };
    for (path, v) in [
        (&["horizon_days"][..], serde_json::json!(0)),
        (&["horizon_days"][..], serde_json::json!(10.5)),
        (
            &["material", "0", "supplier", "0", "share"][..],
            serde_json::json!(1.5),
        ),
        (
            &["material", "0", "supplier", "0", "lead_time_days"][..],
            serde_json::json!(0),
        ),
        (
            &["material", "0", "annual_demand"][..],
            serde_json::json!(0),
        ),
    ] {
        assert!(
            schemas.validate(&with(path, v.clone()), id).is_err(),
            "{path:?} = {v}"
        );
    }
    let mut no_share = ok.clone();
    no_share["material"][0]["supplier"][0]
        .as_object_mut()
        .unwrap()
        .remove("share");
    assert!(
        schemas.validate(&no_share, id).is_err(),
        "share is required"
    );
    assert!(
        schemas
            .validate(&serde_json::json!({ "material": [material] }), id)
            .is_err(),
        "horizon_days is required"
    );
}

#[test]
fn param_get_set_round_trip_and_share_rescaling() {
    let mut d = Document::parse("t.toml", MIN).unwrap();
    assert_eq!(d.get("material.ndpr.stockpile_days").unwrap(), 0.0);
    d.set("material.ndpr.stockpile_days", 90.0).unwrap();
    assert_eq!(d.get("material.ndpr.stockpile_days").unwrap(), 90.0);
    assert_eq!(d.get("material.ndpr.supplier.cn.unit_cost").unwrap(), 1.0);
    d.set("material.ndpr.supplier.cn.share", 0.6).unwrap();
    assert!((d.get("material.ndpr.supplier.au.share").unwrap() - 0.4).abs() < 1e-12);
    assert!(d.set("material.ndpr.supplier.cn.share", 1.2).is_err());
    d.set("shock.emb.duration_days", 45.0).unwrap();
    assert_eq!(d.get("shock.emb.duration_days").unwrap(), 45.0);
    d.set_shares("ndpr", &[("au".into(), 1.0)]).unwrap();
    assert_eq!(d.get("material.ndpr.supplier.cn.share").unwrap(), 0.0);
    let e = d.set("material.ndpr.supplier.au.share", 0.5).unwrap_err();
    assert!(
        e.message.contains("other suppliers all have share 0"),
        "{e}"
    );
    let s = d.validate().unwrap();
    assert_eq!(s.strategies()[0].materials[0].stockpile_days(), 90.0);
    let e = d.get("material.ndpr.stockpile_dayz").unwrap_err();
    assert!(e.help.unwrap().contains("did you mean `stockpile_days`"));
    let mut t = Document::load(std::path::Path::new("scenarios/tutorial.toml")).unwrap();
    assert_eq!(
        t.get("shock.cn_embargo.duration_days.median").unwrap(),
        60.0
    );
    t.set("shock.cn_embargo.duration_days.p90", 300.0).unwrap();
    assert_eq!(t.get("shock.cn_embargo.duration_days.p90").unwrap(), 300.0);
    assert!(t.get("shock.cn_embargo.duration_days").is_err());
    for p in t.numeric_paths() {
        let v = t.get(&p).unwrap();
        t.set(&p, v).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    t.validate().unwrap();
    assert_eq!(
        param_kind("material.ndpr.supplier.au.lead_time_days"),
        ParamKind::WholeDays
    );
    assert_eq!(
        param_kind("material.ndpr.supplier.au.share"),
        ParamKind::Share
    );
    assert_eq!(
        param_kind("shock.x.onset.probability"),
        ParamKind::Probability
    );
    assert_eq!(param_kind("material.ndpr.stockpile_days"), ParamKind::Real);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        // A fixed seed: the same cases on every run, so the suite never flakes.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_0300),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        if let Ok(d) = Document::parse("f.toml", &s) {
            let _ = d.validate();
        }
    }

    #[test]
    fn mutated_tutorial_never_panics(cuts in proptest::collection::vec((0usize..10_000, 0usize..40, "[ =\\[\\]{}\"a-z0-9.,\\n-]{0,6}"), 1..4)) {
        let mut s = std::fs::read_to_string("scenarios/tutorial.toml").unwrap();
        for (at, len, ins) in cuts {
            let mut at = at % (s.len() + 1);
            while !s.is_char_boundary(at) { at -= 1; }
            let mut end = (at + len).min(s.len());
            while !s.is_char_boundary(end) { end -= 1; }
            s.replace_range(at..end, &ins);
        }
        if let Ok(d) = Document::parse("f.toml", &s) {
            let _ = d.validate();
            for p in d.numeric_paths() { let _ = d.get(&p); }
        }
    }
}

#[test]
fn a_material_may_be_called_total() {
    // Results are keyed by typed ids, so `total` no longer clashes with the totals over
    // materials (it was a reserved id while outputs were keyed by "<material>.<metric>").
    let s = parse_scenario("t.toml", &MIN.replace("id = \"ndpr\"", "id = \"total\"")).unwrap();
    assert_eq!(s.materials()[0].id, "total");
}

#[test]
fn persist_days_defaults_to_180_and_must_be_at_least_one() {
    // MODEL.md §2: persist_days defaults to 180; 0 would switch substitution off the day
    // after it starts, so it must be >= 1.
    let with_sub = |extra: &str| {
        MIN.replace(
            "[[material.supplier]]\nid = \"cn\"",
            &format!("[material.substitution]\nmax_fraction = 0.2\n{extra}\n[[material.supplier]]\nid = \"cn\""),
        )
    };
    let s = parse_scenario("t.toml", &with_sub("")).unwrap();
    let sub = s.strategies()[0].materials[0].substitution().unwrap();
    assert_eq!(sub.persist_days(), 180);
    has(
        &with_sub("persist_days = 0"),
        "material.ndpr.substitution.persist_days: must be >= 1, got 0",
    );
    // The parameter path reads the same default.
    let doc = Document::parse("t.toml", &with_sub("")).unwrap();
    assert_eq!(
        doc.get("material.ndpr.substitution.persist_days").unwrap(),
        180.0
    );
}

#[test]
fn supply_loss_severities_must_lie_in_the_unit_interval() {
    // MODEL.md §3 (v1.1): a supply-loss severity is a fraction; a distribution that can
    // leave [0, 1] is an error naming the path and the fix, never a silent clamp.
    let sev = |s: &str| {
        MIN.replace(
            "duration_days = 30",
            &format!("duration_days = 30\nseverity = {s}"),
        )
    };
    for (s, needle) in [
        ("1.5", "must lie in [0, 1], got 1.5"),
        (
            "{ uniform = { min = 0.5, max = 1.2 } }",
            "must lie in [0, 1], but uniform can give 1.2",
        ),
        (
            "{ pert = { min = 0.5, mode = 0.9, max = 1.1 } }",
            "but pert can give 1.1",
        ),
        (
            "{ empirical = { values = [0.5, 2.0] } }",
            "but empirical can give 2",
        ),
        (
            "{ lognormal = { median = 0.5, p90 = 0.8 } }",
            "but `lognormal` is unbounded above",
        ),
        (
            "{ exponential = { mean = 0.3 } }",
            "`exponential` is unbounded",
        ),
        (
            "{ gamma = { shape = 2, scale = 0.1 } }",
            "`gamma` is unbounded",
        ),
    ] {
        let t = has(
            &sev(s),
            "shock.emb.severity: a supply-loss severity is a fraction",
        );
        assert!(t.contains(needle), "{s}: {t}");
        assert!(t.contains("help: 1 means all supply lost"), "{t}");
    }
    // Bounded within [0, 1]: fine.
    for s in [
        "1",
        "0.7",
        "{ beta = { alpha = 2, beta = 5 } }",
        "{ uniform = { min = 0.3, max = 1.0 } }",
        "{ empirical = { values = [0.2, 1.0] } }",
    ] {
        parse_scenario("t.toml", &sev(s)).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    // A demand surge's severity is only >= 0: unbounded distributions are fine there.
    let surge = MIN.to_string()
        + "[[shock]]\nid = \"boom\"\nkind = \"demand_surge\"\ntargets = { materials = [\"ndpr\"] }\n\
           onset = { rate_per_year = 0.1 }\nduration_days = 30\n\
           severity = { lognormal = { median = 0.5, p90 = 2.0 } }\n";
    parse_scenario("t.toml", &surge).unwrap();
}

#[test]
fn reaction_shares_give_unlisted_suppliers_zero() {
    // MODEL.md §3 (v1.1): reaction.shares replaces the shares; unlisted suppliers get 0
    // and the listed ones must sum to 1.
    let react = |shares: &str| {
        MIN.replace(
            "[[material.supplier]]\nid = \"cn\"",
            &format!("[material.reaction]\nshares = {shares}\n[[material.supplier]]\nid = \"cn\""),
        )
    };
    let s = parse_scenario("t.toml", &react("{ au = 1.0 }")).unwrap();
    let r = s.strategies()[0].materials[0].reaction().unwrap();
    assert_eq!(r.shares(), vec![0.0, 1.0]);
    has(
        &react("{ au = 0.6 }"),
        "reaction shares sum to 0.6 (cn 0 + au 0.6); they must sum to 1",
    );
}

#[test]
fn a_dormant_supplier_with_default_surge_gets_a_warning() {
    // MODEL.md §3 (v1.1): a dormant supplier (share 0) still offers its surge u d; when
    // u comes from the default rather than the file, validation warns (it never fails).
    let three = MIN.replace(
        "routes = [\"malacca\"]",
        "routes = [\"malacca\"]\n[[material.supplier]]\nid = \"us\"\ncountry = \"US\"\nshare = 0.0",
    );
    let s = parse_scenario("t.toml", &three).unwrap();
    assert_eq!(s.warnings().len(), 1, "{:?}", s.warnings());
    let w = s.warnings()[0].to_string();
    assert!(
        w.starts_with("t.toml:18:1: warning: material.ndpr.supplier.us.surge: supplier `us` is dormant (share 0)"),
        "{w}"
    );
    assert!(w.contains("help: write `surge = 0`"), "{w}");
    // The surge is still the default: the warning changes nothing.
    assert_eq!(s.strategies()[0].materials[0].suppliers()[2].surge(), 0.10);
    // Written in the file (even as the default value): no warning.
    for u in ["0.0", "0.1"] {
        let src = three.replace("share = 0.0", &format!("share = 0.0\nsurge = {u}"));
        let s = parse_scenario("t.toml", &src).unwrap();
        assert!(s.warnings().is_empty(), "{u}: {:?}", s.warnings());
    }
    // Active suppliers with the default surge: no warning (MIN itself).
    assert!(parse_scenario("t.toml", MIN).unwrap().warnings().is_empty());
    // A strategy that makes a supplier dormant warns under the strategy.
    let strat = MIN.to_string()
        + "[[strategy]]\nid = \"onshore\"\nset = { \"material.ndpr.shares\" = { au = 1.0 } }\n";
    let s = parse_scenario("t.toml", &strat).unwrap();
    assert_eq!(s.warnings().len(), 1, "{:?}", s.warnings());
    assert_eq!(s.warnings()[0].path, "strategy.onshore");
    assert!(s.warnings()[0].message.contains("supplier `cn` is dormant"));
}

#[test]
fn currency_defaults_to_usd_and_must_be_a_short_label() {
    let s = parse_scenario("t.toml", MIN).unwrap();
    assert_eq!(s.currency(), "USD");
    let s = parse_scenario("t.toml", &format!("currency = \"JPY\"\n{MIN}")).unwrap();
    assert_eq!(s.currency(), "JPY");
    has(
        &format!("currency = \"\"\n{MIN}"),
        "t.toml:1:12: currency: `currency` is the label of money amounts",
    );
    has(
        &format!("currency = \"Japanese yen, 2024\"\n{MIN}"),
        "1 to 12 characters",
    );
}
