//! The sector layers of the shipped scenarios (issue 12) claim all of their materials'
//! demand: for every material the sectors use, the sum of `annual_output ×
//! uses[material]` equals the scenario's `annual_demand` (so no direct demand is left,
//! and every shortfall is priced in value added), every intermediate sector is used in
//! full by the sectors downstream, every input names a material or a sector, and each
//! block spells out every field the layer's comments justify. The loader checks only
//! that the sectors use *at most* `annual_demand`; equality is the layers' design, which
//! this file guards. Read with the `toml` crate, so a failure names the file's numbers.

use std::collections::BTreeMap;
use std::path::Path;

const FIELDS: [&str; 8] = [
    "id",
    "name",
    "unit",
    "annual_output",
    "value_added",
    "buffer_days",
    "priority",
    "uses",
];

fn load(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn num(v: &toml::Value) -> f64 {
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .expect("a number")
}

/// Problems of one layer against its scenario (empty when it balances).
fn problems(name: &str, layer: &toml::Table, scenario: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    let demand: BTreeMap<String, f64> = scenario["material"]
        .as_array()
        .expect("materials")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().expect("id").to_string(),
                num(&m["annual_demand"]),
            )
        })
        .collect();
    let sectors = layer["sector"].as_array().expect("[[sector]] blocks");
    let output: BTreeMap<String, f64> = sectors
        .iter()
        .map(|s| {
            (
                s["id"].as_str().expect("id").to_string(),
                num(&s["annual_output"]),
            )
        })
        .collect();
    // Use of each input, summed in file order (every product in the layers is exact).
    let mut used: BTreeMap<String, f64> = BTreeMap::new();
    for s in sectors {
        let id = s["id"].as_str().unwrap_or("?");
        for f in FIELDS {
            if s.get(f).is_none() {
                out.push(format!("{name}: sector {id} has no `{f}`"));
            }
        }
        let Some(uses) = s.get("uses").and_then(|u| u.as_table()) else {
            continue;
        };
        for (input, per_unit) in uses {
            if !demand.contains_key(input) && !output.contains_key(input) {
                out.push(format!(
                    "{name}: sector {id} uses `{input}`, neither a material nor a sector"
                ));
            }
            *used.entry(input.clone()).or_default() += num(&s["annual_output"]) * num(per_unit);
        }
    }
    for (input, total) in &used {
        let want = demand.get(input).or_else(|| output.get(input)).copied();
        if let Some(want) = want
            && (total - want).abs() > 1e-9 * want.abs().max(1.0)
        {
            out.push(format!(
                "{name}: the sectors use {total} of `{input}` a year, its annual demand or output is {want}"
            ));
        }
    }
    out
}

#[test]
fn every_shipped_sector_layer_claims_all_of_its_materials() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The shipped scenarios (one level deep) that have a sector layer, but the benchmark.
    let mut names: Vec<String> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| load(p).contains_key("sector"))
        // The benchmark's layer leaves direct demand on purpose (it times both paths).
        .filter(|p| p.file_stem().is_none_or(|s| s != "bench_sectors"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "antibiotics",
            "auto_chips",
            "photoresist_2019",
            "rare_earth_magnets"
        ],
        "the scenarios with a sector layer"
    );
    let mut all = Vec::new();
    for name in &names {
        let scenario = load(&root.join(format!("scenarios/{name}.toml")));
        all.extend(problems(name, &scenario, &scenario));
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[test]
fn the_balance_check_catches_a_mismatch() {
    // A sector that uses 2 x 100 = 200 t of a material whose demand is 250 t, and an
    // input that names nothing.
    let scenario: toml::Table =
        toml::from_str("[[material]]\nid = \"m\"\nannual_demand = 250.0\n").unwrap();
    let layer: toml::Table = toml::from_str(
        "[[sector]]\nid = \"s\"\nname = \"S\"\nunit = \"u\"\nannual_output = 100.0\n\
         value_added = 1.0\nbuffer_days = 0\npriority = 1\nuses = { m = 2.0, ghost = 1.0 }\n",
    )
    .unwrap();
    let p = problems("x", &layer, &scenario);
    assert!(p.iter().any(|m| m.contains("use 200 of `m`")), "{p:?}");
    assert!(p.iter().any(|m| m.contains("`ghost`")), "{p:?}");
}
