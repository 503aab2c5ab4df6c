//! What the field table ([`super::fields`]) tells people and editors: the field
//! reference of `docs/scenario-format.md` (Markdown, generated and checked by a test to be
//! current) and the descriptions, bounds and defaults of the JSON Schema.
//!
//! Pure: builds strings and JSON values; depends only on the field table.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::fields::{
    self, Bounds, DISTRIBUTIONS, FieldDefault, FieldSpec, Kind, Num, ParamKind, PathInfo,
};

/// First line of the generated part of `docs/scenario-format.md`.
pub const BEGIN_MARK: &str = "<!-- BEGIN GENERATED FIELD REFERENCE: do not edit by hand; \
     regenerate with `CHOKEPOINT_BLESS=1 cargo test --release --test scenario_docs` -->";
/// Last line of the generated part of `docs/scenario-format.md`.
pub const END_MARK: &str = "<!-- END GENERATED FIELD REFERENCE -->";

/// A number as the docs and the schema write it: `0.1`, `30`, `100000000`, `1e18`.
fn num_text(x: f64) -> String {
    if x.abs() >= 1e12 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn bounds_text(b: &Bounds) -> String {
    if b.is_unit() {
        " in [0, 1]".into()
    } else if b.max.is_finite() && b.min_exclusive {
        format!(" > {}, ≤ {}", num_text(b.min), num_text(b.max))
    } else if b.max.is_finite() {
        format!(", {} ..= {}", num_text(b.min), num_text(b.max))
    } else if b.min_exclusive {
        format!(" > {}", num_text(b.min))
    } else if b.min.is_finite() {
        format!(" ≥ {}", num_text(b.min))
    } else {
        String::new()
    }
}

/// The "type" column of a field.
fn type_text(f: &FieldSpec) -> String {
    match f.kind {
        Kind::Number(n) => {
            let base = match n {
                Num::WholeDays => "whole days",
                Num::Count => "whole number",
                _ => "number",
            };
            format!("{base}{}", bounds_text(&f.bounds))
        }
        Kind::Dist(_) => format!("distribution{}", bounds_text(&f.bounds)),
        Kind::Seed => "integer ≥ 0".into(),
        Kind::Text => "string".into(),
        Kind::Id => "id".into(),
        Kind::ShockRef => "shock id".into(),
        Kind::Choice(words) => words
            .iter()
            .map(|w| format!("`\"{w}\"`"))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::Strings => "list of strings".into(),
        Kind::Table => "table".into(),
        Kind::Tables(_) => "array of tables".into(),
        Kind::Shares => "table: supplier id → share in [0, 1]".into(),
        Kind::Uses => "table: input id → amount ≥ 0".into(),
        Kind::Overrides => "table: path → value".into(),
    }
}

/// The "default" column of a field.
fn default_text(f: &FieldSpec) -> String {
    match f.default {
        FieldDefault::Required => "required".into(),
        FieldDefault::Value(v) => num_text(v),
        FieldDefault::Text(t) => format!("`\"{t}\"`"),
        FieldDefault::Absent => "none".into(),
        FieldDefault::Empty => match f.kind {
            Kind::Strings | Kind::Tables(_) => "`[]`".into(),
            _ => "`{}`".into(),
        },
        FieldDefault::Derived(d) => d.into(),
    }
}

/// How a table is written, for its heading: `[[material.supplier]]`,
/// `[material.substitution]`.
fn table_title(f: &FieldSpec) -> String {
    match f.kind {
        Kind::Tables(_) => format!("`[[{}]]`", f.key),
        _ => format!("`[{}]`", f.key),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn write_table(out: &mut String, parent: &str) {
    out.push_str("| field | type | default | unit | notes |\n|---|---|---|---|---|\n");
    for f in fields::children(parent) {
        let notes = if f.kind.is_container() {
            format!("see {} below", table_title(f))
        } else {
            f.help.to_string()
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            f.name(),
            cell(&type_text(f)),
            cell(&default_text(f)),
            cell(f.unit),
            cell(&notes)
        );
    }
}

fn write_section(out: &mut String, f: &FieldSpec) {
    let depth = f.key.split('.').count();
    let hashes = "#".repeat(depth + 1);
    let optional = if f.default == FieldDefault::Absent {
        " (optional)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "\n{hashes} {}{optional}\n\n{}\n",
        table_title(f),
        f.help
    );
    write_table(out, f.key);
    for c in fields::children(f.key).filter(|c| c.kind.is_container()) {
        write_section(out, c);
    }
}

/// How analyses treat a parameter path, in words.
fn sweep_text(p: &PathInfo) -> &'static str {
    match (p.param_kind(), p.sweep_kind()) {
        (ParamKind::WholeDays, _) => "whole",
        (ParamKind::Real, ParamKind::WholeDays) => "real; swept in whole days",
        (ParamKind::Probability, _) => "probability",
        (ParamKind::Share, _) => "share (rescales the others)",
        _ => "real",
    }
}

fn write_paths(out: &mut String) {
    out.push_str(
        "\n## Parameter paths (MODEL.md §6)\n\n\
         Strategies, sweeps, sizing and sensitivity name numbers by path: the keys from the \
         top of the file, with the id after each array of tables (`<id>`, `<sid>` for a \
         supplier, `<shock>` for the shock a trigger starts). A distribution field is a path \
         when it is a fixed number (setting it makes it fixed); each named parameter of its \
         distribution is one too. Sweeps and sizing move whole-number paths and every path \
         in days in whole days.\n\n\
         | path | kind | default |\n|---|---|---|\n",
    );
    for f in fields::FIELDS {
        let (path, info) = match f.kind {
            Kind::Number(_) => (format!("`{}`", f.path_pattern()), f.path_pattern()),
            Kind::Dist(_) => (
                format!(
                    "`{p}`, `{p}.<param>` (`min`, `median`, `shape`, ...)",
                    p = f.path_pattern()
                ),
                f.path_pattern(),
            ),
            Kind::Shares => (
                format!("`{}.<sid>`", f.path_pattern()),
                format!("{}.x", f.path_pattern()),
            ),
            Kind::Uses => (
                format!("`{}.<input>`", f.path_pattern()),
                format!("{}.x", f.path_pattern()),
            ),
            _ => continue,
        };
        let concrete = info.replace(['<', '>'], "");
        let mut kind = fields::lookup(&concrete)
            .map_or("real", |p| sweep_text(&p))
            .to_string();
        if matches!(f.kind, Kind::Dist(_)) && kind != "real" {
            kind.push_str(" (`shape`, `alpha`, `beta`: real)");
        }
        let _ = writeln!(out, "| {path} | {kind} | {} |", cell(&default_text(f)));
    }
}

fn write_distributions(out: &mut String) {
    out.push_str(
        "\n### Distributions\n\nA random quantity is a bare number (fixed) or a one-key \
         table naming its distribution, e.g. `{ lognormal = { median = 60, p90 = 240 } }`. \
         Each named number is a parameter path \
         (`shock.<id>.duration_days.median`).\n\n\
         | distribution | written | notes |\n|---|---|---|\n",
    );
    for d in DISTRIBUTIONS {
        let written = if d.params.is_empty() {
            format!("`x` or `{{ {} = x }}`", d.name)
        } else {
            let ps: Vec<String> = d
                .params
                .iter()
                .map(|p| match (p.list, p.optional) {
                    (true, true) => format!("{} = [...] (optional)", p.name),
                    (true, false) => format!("{} = [...]", p.name),
                    _ => p.name.to_string(),
                })
                .collect();
            format!("`{{ {} = {{ {} }} }}`", d.name, ps.join(", "))
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            d.name,
            cell(&written),
            cell(d.help)
        );
    }
}

/// The generated field reference of `docs/scenario-format.md`, between [`BEGIN_MARK`] and
/// [`END_MARK`] (both included), ending with a newline.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(BEGIN_MARK);
    out.push_str("\n\n## Top level\n\n");
    write_table(&mut out, "");
    for f in fields::children("").filter(|f| f.kind.is_container()) {
        write_section(&mut out, f);
        if f.key == "shock" {
            write_distributions(&mut out);
        }
    }
    write_paths(&mut out);
    out.push('\n');
    out.push_str(END_MARK);
    out.push('\n');
    out
}

/// A number as JSON: an integer when it is one.
fn json_num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The description of a field in the schema: its help, and its default when that is
/// not a plain value.
fn description(f: &FieldSpec) -> String {
    let mut d = f.help.to_string();
    match f.default {
        FieldDefault::Required => d.push_str(" Required."),
        FieldDefault::Derived(x) => {
            let _ = write!(d, " Default: {x}.");
        }
        _ => {}
    }
    if f.num().is_some_and(Num::is_whole) && matches!(f.kind, Kind::Number(_)) {
        d.push_str(" A whole number.");
    }
    if !f.unit.is_empty() {
        let _ = write!(d, " Unit: {}.", f.unit);
    }
    d
}

fn bounds_json(o: &mut Map<String, Value>, b: &Bounds, whole: bool) {
    if b.min.is_finite() {
        let key = if b.min_exclusive {
            "exclusiveMinimum"
        } else {
            "minimum"
        };
        o.insert(key.into(), json_num(b.min));
    }
    if b.max.is_finite() {
        o.insert("maximum".into(), json_num(b.max));
    }
    if whole {
        o.insert("multipleOf".into(), json!(1));
    }
}

fn annotate_property(sub: &mut Value, f: &FieldSpec) {
    let Some(o) = sub.as_object_mut() else { return };
    o.insert("description".into(), Value::String(description(f)));
    match f.kind {
        Kind::Number(n) => bounds_json(o, &f.bounds, n.is_whole()),
        Kind::Shares | Kind::Uses => {
            if let Some(items) = o
                .get_mut("additionalProperties")
                .and_then(Value::as_object_mut)
            {
                bounds_json(items, &f.bounds, false);
            }
        }
        Kind::Choice(words) => {
            let mut e: Vec<Value> = words.iter().map(|w| json!(w)).collect();
            e.push(Value::Null);
            o.insert("enum".into(), Value::Array(e));
        }
        _ => {}
    }
    match f.default {
        FieldDefault::Required => {
            o.remove("default");
        }
        FieldDefault::Value(v) => {
            o.insert("default".into(), json_num(v));
        }
        FieldDefault::Text(t) => {
            o.insert("default".into(), json!(t));
        }
        _ => {}
    }
}

/// The definition a property refers to (`$ref`, directly, in `items` or in an `anyOf`).
fn referenced(sub: &Value) -> Option<String> {
    let name = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .map(str::to_string)
    };
    name(sub)
        .or_else(|| sub.get("items").and_then(name))
        .or_else(|| {
            sub.get("anyOf")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find_map(name))
        })
}

/// Rewrites the descriptions of a derived JSON Schema of the format from the field table
/// and adds each number's bounds and default and each table's required fields. Returns
/// the key paths of the schema's properties that have no entry in the table (none, when
/// the table is complete).
pub fn annotate_schema(schema: &mut Value) -> Vec<String> {
    let mut missing = Vec::new();
    // (definition, or None for the root; key path of the table it describes)
    let mut todo: Vec<(Option<String>, String)> = vec![(None, String::new())];
    while let Some((def, prefix)) = todo.pop() {
        let node = match &def {
            None => Some(&mut *schema),
            Some(d) => schema
                .get_mut("definitions")
                .and_then(|defs| defs.get_mut(d.as_str())),
        };
        let Some(node) = node.and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(props) = node.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        let mut required = Vec::new();
        for (name, sub) in props.iter_mut() {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let Some(f) = fields::field(&key) else {
                missing.push(key);
                continue;
            };
            annotate_property(sub, f);
            if f.default == FieldDefault::Required {
                required.push(json!(name));
            }
            if f.kind.is_container()
                && let Some(d) = referenced(sub)
            {
                todo.push((Some(d), key));
            }
        }
        if !required.is_empty() {
            node.insert("required".into(), Value::Array(required));
        }
    }
    missing
}

/// The JSON Schema of a distribution (the `Distribution` definition), from
/// [`DISTRIBUTIONS`].
pub fn distribution_schema() -> Value {
    let mut alts = vec![json!({ "type": "number", "description": "A fixed value." })];
    for d in DISTRIBUTIONS {
        let inner = if d.params.is_empty() {
            json!({ "type": "number" })
        } else {
            let mut props = Map::new();
            let mut required = Vec::new();
            for p in d.params {
                let ty = if p.list {
                    json!({ "type": "array", "items": { "type": "number" } })
                } else {
                    json!({ "type": "number" })
                };
                props.insert(p.name.to_string(), ty);
                if !p.optional {
                    required.push(json!(p.name));
                }
            }
            json!({
                "type": "object", "properties": props, "required": required,
                "additionalProperties": false
            })
        };
        alts.push(json!({
            "type": "object", "description": d.help, "properties": { d.name: inner },
            "required": [d.name], "additionalProperties": false
        }));
    }
    json!({
        "description": "A random quantity: a number (fixed) or a one-key table naming the distribution.",
        "oneOf": alts
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_and_default_texts() {
        assert_eq!(
            type_text(&fields::top::HORIZON_DAYS),
            "whole days, 1 ..= 36500"
        );
        assert_eq!(
            type_text(&fields::material::ANNUAL_DEMAND),
            "number > 0, ≤ 1e18"
        );
        assert_eq!(type_text(&fields::supplier::SHARE), "number in [0, 1]");
        assert_eq!(
            type_text(&fields::material::DEMAND_CV),
            "number, 0 ..= 1e18"
        );
        assert_eq!(default_text(&fields::material::REFILL_RATE), "0.1");
        assert_eq!(default_text(&fields::top::CURRENCY), "`\"USD\"`");
        assert_eq!(default_text(&fields::supplier::ROUTES), "`[]`");
    }

    #[test]
    fn every_number_is_listed_under_parameter_paths() {
        let md = markdown();
        for f in fields::FIELDS {
            if matches!(
                f.kind,
                Kind::Number(_) | Kind::Dist(_) | Kind::Shares | Kind::Uses
            ) {
                assert!(
                    md.contains(&format!("| `{}", f.path_pattern())),
                    "{}",
                    f.key
                );
            }
        }
        assert!(md.contains("| `material.<id>.stockpile_days` | real; swept in whole days | 0 |"));
    }
}
