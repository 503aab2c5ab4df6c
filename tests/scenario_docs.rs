//! The field reference of `docs/scenario-format.md` is generated from the field table
//! (`chokepoint::scenario::fields`) and must be current; and the table matches the raw
//! structs the files are read into, field for field.
//!
//! When the table changes, regenerate both generated files (the field reference and
//! `docs/scenario.schema.json`, which is what `chokepoint schema` prints) with
//! `CHOKEPOINT_BLESS=1 cargo test --release --test scenario_docs`.

use chokepoint::scenario::Document;
use chokepoint::scenario::fields::{self, Kind};
use chokepoint::scenario::reference::{self, BEGIN_MARK, END_MARK};

const DOC: &str = "docs/scenario-format.md";
const SCHEMA: &str = "docs/scenario.schema.json";

fn doc_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC)
}

/// The committed doc split around the generated part: (before, generated, after).
fn split(doc: &str) -> (String, String, String) {
    let b = doc
        .find(BEGIN_MARK)
        .unwrap_or_else(|| panic!("{DOC} has no line {BEGIN_MARK}"));
    let e = doc
        .find(END_MARK)
        .unwrap_or_else(|| panic!("{DOC} has no line {END_MARK}"));
    let e = e + END_MARK.len() + 1;
    (
        doc[..b].to_string(),
        doc[b..e.min(doc.len())].to_string(),
        doc[e.min(doc.len())..].to_string(),
    )
}

#[test]
fn the_field_reference_in_the_docs_is_current() {
    let doc = std::fs::read_to_string(doc_path()).unwrap();
    let (before, generated, after) = split(&doc);
    let fresh = reference::markdown();
    if generated == fresh {
        return;
    }
    if std::env::var_os("CHOKEPOINT_BLESS").is_some() {
        std::fs::write(doc_path(), format!("{before}{fresh}{after}")).unwrap();
        return;
    }
    let first = generated
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(generated.lines().count().min(fresh.lines().count()));
    panic!(
        "{DOC} is stale: its field reference differs from the field table from line {} of \
         the generated part:\n  docs: {:?}\n  table: {:?}\nregenerate it with \
         `CHOKEPOINT_BLESS=1 cargo test --release --test scenario_docs`",
        first + 1,
        generated.lines().nth(first).unwrap_or(""),
        fresh.lines().nth(first).unwrap_or("")
    );
}

#[test]
fn the_committed_schema_is_current() {
    // What `chokepoint schema` prints: the pretty JSON and a newline.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA);
    let fresh = format!(
        "{}\n",
        serde_json::to_string_pretty(&chokepoint::scenario::json_schema()).unwrap()
    );
    let committed = std::fs::read_to_string(&path).unwrap();
    if committed == fresh {
        return;
    }
    if std::env::var_os("CHOKEPOINT_BLESS").is_some() {
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let first = committed
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(committed.lines().count().min(fresh.lines().count()));
    panic!(
        "{SCHEMA} is stale from line {}:\n  file: {:?}\n  table: {:?}\nregenerate it with \
         `CHOKEPOINT_BLESS=1 cargo test --release --test scenario_docs`",
        first + 1,
        committed.lines().nth(first).unwrap_or(""),
        fresh.lines().nth(first).unwrap_or("")
    );
}

#[test]
fn every_field_of_the_format_is_in_the_table_and_back() {
    // The schema's properties are derived from the raw structs that files are read into:
    // each must have an entry in the table, and each table entry must be one of them.
    let mut schema = {
        let settings = schemars::generate::SchemaSettings::draft07();
        settings
            .into_generator()
            .into_root_schema_for::<chokepoint::scenario::RawScenario>()
            .to_value()
    };
    let missing = reference::annotate_schema(&mut schema);
    assert!(
        missing.is_empty(),
        "fields missing from the table: {missing:?}"
    );
    let mut keys = Vec::new();
    collect(&schema, &schema, "", &mut keys);
    for f in fields::FIELDS {
        assert!(
            keys.iter().any(|k| k == f.key),
            "{} is in the table but not in the format",
            f.key
        );
    }
    assert_eq!(keys.len(), fields::FIELDS.len());
}

fn collect(
    root: &serde_json::Value,
    node: &serde_json::Value,
    prefix: &str,
    out: &mut Vec<String>,
) {
    let Some(props) = node.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    for (name, sub) in props {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        out.push(key.clone());
        let f = fields::field(&key).unwrap();
        if !f.kind.is_container() {
            continue;
        }
        let r = sub
            .get("$ref")
            .or_else(|| sub.get("items").and_then(|i| i.get("$ref")))
            .or_else(|| {
                sub.get("anyOf")
                    .and_then(|a| a.as_array())
                    .and_then(|a| a.iter().find_map(|x| x.get("$ref")))
            })
            .and_then(|r| r.as_str())
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .unwrap();
        collect(root, &root["definitions"][r], &key, out);
    }
}

#[test]
fn the_schema_carries_the_table() {
    let s = chokepoint::scenario::json_schema();
    let lead = &s["definitions"]["RawSupplier"]["properties"]["lead_time_days"];
    assert_eq!(lead["minimum"], 1);
    assert_eq!(lead["maximum"], 36500);
    assert_eq!(lead["default"], 30);
    assert_eq!(lead["multipleOf"], 1);
    let share = &s["definitions"]["RawSupplier"]["properties"]["share"];
    assert_eq!(
        (share["minimum"].clone(), share["maximum"].clone()),
        (0.into(), 1.into())
    );
    assert!(
        share["description"]
            .as_str()
            .unwrap()
            .starts_with(fields::supplier::SHARE.help)
    );
    assert_eq!(
        s["properties"]["currency"]["default"],
        chokepoint::model::DEFAULT_CURRENCY
    );
    let dists = s["definitions"]["Distribution"]["oneOf"]
        .as_array()
        .unwrap();
    assert_eq!(dists.len(), fields::DISTRIBUTIONS.len() + 1);
}

#[test]
fn validation_applies_the_bounds_of_the_table() {
    // Every plain number of the tutorial (shares aside: setting one rescales the others,
    // and refuses a value outside [0, 1] itself): a value just outside the bounds the
    // table gives it is refused by validation, named by its path.
    let doc = Document::load(std::path::Path::new("scenarios/tutorial.toml")).unwrap();
    let mut checked = 0;
    for p in doc.numeric_paths() {
        let info = fields::lookup(&p).unwrap_or_else(|| panic!("{p} is not in the table"));
        if info.dist_param.is_some() || !matches!(info.field.kind, Kind::Number(_)) {
            continue;
        }
        if info.param_kind() == chokepoint::scenario::ParamKind::Share {
            continue;
        }
        let b = info.bounds();
        let mut outside = vec![if b.min_exclusive { b.min } else { b.min - 1.0 }];
        if b.max.is_finite() {
            // (Doubled: 1 more than the 1e18 bound of amounts is the bound itself.)
            outside.push(b.max * 2.0);
        }
        if info.is_whole() {
            outside.push(b.min + 0.5);
        }
        for v in outside {
            let mut d = doc.clone();
            d.set(&p, v).unwrap();
            let e = d
                .validate()
                .err()
                .unwrap_or_else(|| panic!("{p} = {v} accepted"));
            assert!(
                e.problems
                    .iter()
                    .any(|q| q.path == p && q.message.starts_with("must be")),
                "{p} = {v}: {e}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");
}
