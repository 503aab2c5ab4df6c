//! Finding where a parameter path or key path is written in the source, by walking the
//! spanned TOML tree (`toml::de::DeTable`). Best effort: returns the deepest node found.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a raw key path: a table key, or an index into an array.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<(Range<usize>, &'a Spanned<DeValue<'i>>)> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(k, v)| (k.span(), v))
}

fn value_span(key: Range<usize>, v: &Spanned<DeValue<'_>>) -> Range<usize> {
    let s = v.span();
    if s.is_empty()
        || matches!(v.get_ref(), DeValue::Array(a) if a.iter().any(|e| e.get_ref().is_table()))
    {
        key
    } else {
        s
    }
}

/// The span of the value at a parameter path such as `material.ndpr.supplier.au.share`
/// (array elements are found by their `id`, or `shock` for triggers; the key after `set`
/// takes the rest of the path). Falls back to the deepest ancestor found.
pub(crate) fn locate_param(src: &str, path: &str) -> Option<Range<usize>> {
    let root = DeTable::parse_recoverable(src).0;
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let mut span = None;
    let mut table: &DeTable<'_> = root.get_ref();
    let mut i = 0;
    while i < segs.len() {
        let seg = segs[i];
        let after_set = i > 0 && segs[i - 1] == "set";
        let (key, n) = if after_set {
            (segs[i..].join("."), segs.len() - i)
        } else {
            (seg.to_string(), 1)
        };
        let Some((kspan, v)) = get(table, &key) else {
            // A distribution's parameter sits one table deeper: `{ lognormal = { median } }`.
            if table.len() == 1
                && let Some((_, v)) = table.iter().next()
                && let DeValue::Table(inner) = v.get_ref()
                && get(inner, seg).is_some()
            {
                table = inner;
                continue;
            }
            return span;
        };
        span = Some(value_span(kspan, v));
        i += n;
        match v.get_ref() {
            DeValue::Table(t) => table = t,
            DeValue::Array(a) => {
                let Some(&next) = segs.get(i) else {
                    return span;
                };
                let by_id = a.iter().find(|el| {
                    el.get_ref().as_table().is_some_and(|t| {
                        ["id", "shock"].iter().any(|k| {
                            get(t, k).and_then(|(_, v)| v.get_ref().as_str()) == Some(next)
                        })
                    })
                });
                let el = by_id.or_else(|| next.parse::<usize>().ok().and_then(|n| a.get(n)));
                let Some(el) = el else { return span };
                let Some(t) = el.get_ref().as_table() else {
                    return span;
                };
                if let Some((idspan, _)) = get(t, "id").or_else(|| get(t, "shock")) {
                    span = Some(idspan);
                }
                table = t;
                i += 1;
            }
            _ => return span,
        }
    }
    span
}

/// The span of the key (not the value) at a raw key path, e.g. for an unknown field.
pub(crate) fn locate_key(src: &str, segs: &[Seg]) -> Option<Range<usize>> {
    let root = DeTable::parse_recoverable(src).0;
    let mut table: &DeTable<'_> = root.get_ref();
    let mut span = None;
    let mut i = 0;
    while i < segs.len() {
        let Seg::Key(k) = &segs[i] else { return span };
        let (kspan, v) = get(table, k)?;
        span = Some(kspan);
        i += 1;
        match (v.get_ref(), segs.get(i)) {
            (DeValue::Table(t), _) => table = t,
            (DeValue::Array(a), Some(Seg::Index(n))) => {
                let el = a.get(*n)?;
                let t = el.get_ref().as_table()?;
                table = t;
                i += 1;
            }
            _ => return span,
        }
    }
    span
}

/// Turns a raw key path into a readable path, naming array elements by their `id` (or
/// `shock`) when they have one: `material.ndpr.supplier.au.lead_tme_days`.
pub(crate) fn readable_path(src: &str, segs: &[Seg]) -> String {
    let root = DeTable::parse_recoverable(src).0;
    let mut out: Vec<String> = Vec::new();
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut arr: Option<&[Spanned<DeValue<'_>>]> = None;
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                out.push(k.clone());
                let v = table.and_then(|t| get(t, k)).map(|(_, v)| v.get_ref());
                table = v.and_then(|v| v.as_table());
                arr = match v {
                    Some(DeValue::Array(a)) => Some(a),
                    _ => None,
                };
            }
            Seg::Index(n) => {
                let el = arr
                    .and_then(|a| a.get(*n))
                    .and_then(|e| e.get_ref().as_table());
                let name = el
                    .and_then(|t| get(t, "id").or_else(|| get(t, "shock")))
                    .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
                out.push(name.unwrap_or_else(|| format!("#{}", n + 1)));
                table = el;
                arr = None;
            }
        }
    }
    out.join(".")
}

/// The readable key path of the deepest value containing byte range `span` (empty when
/// unknown); used to name the field of a serde type error.
pub(crate) fn path_at(src: &str, span: Option<Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let root = DeTable::parse_recoverable(src).0;
    let mut segs = Vec::new();
    walk_to(root.get_ref(), span.start, &mut segs);
    readable_path(src, &segs)
}

fn contains(s: &Range<usize>, at: usize) -> bool {
    s.start <= at && at < s.end.max(s.start + 1)
}

fn walk_to(t: &DeTable<'_>, at: usize, segs: &mut Vec<Seg>) {
    for (k, v) in t.iter() {
        let hit_value = contains(&v.span(), at);
        let array_hit = match v.get_ref() {
            DeValue::Array(a) => a.iter().position(|e| {
                contains(&e.span(), at) || e.get_ref().as_table().is_some_and(|t| deep(t, at))
            }),
            _ => None,
        };
        if hit_value || array_hit.is_some() || contains(&k.span(), at) {
            segs.push(Seg::Key(k.get_ref().to_string()));
            match v.get_ref() {
                DeValue::Table(inner) => walk_to(inner, at, segs),
                DeValue::Array(a) => {
                    if let Some(i) = array_hit {
                        segs.push(Seg::Index(i));
                        if let Some(inner) = a[i].get_ref().as_table() {
                            walk_to(inner, at, segs);
                        }
                    }
                }
                _ => {}
            }
            return;
        }
    }
}

fn deep(t: &DeTable<'_>, at: usize) -> bool {
    t.iter().any(|(k, v)| {
        contains(&k.span(), at)
            || contains(&v.span(), at)
            || match v.get_ref() {
                DeValue::Table(inner) => deep(inner, at),
                DeValue::Array(a) => a
                    .iter()
                    .any(|e| e.get_ref().as_table().is_some_and(|t| deep(t, at))),
                _ => false,
            }
    })
}
