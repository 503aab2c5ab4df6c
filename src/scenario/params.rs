//! Parameters by path (MODEL.md §6): one mechanism for strategies, sweeps, sizing and
//! sensitivity.
//!
//! Which paths exist, their defaults and their kinds come from the field table
//! ([`super::fields`]; `docs/scenario-format.md` lists them): every number of the format
//! is a path, an id following each array of tables (`material.<id>.supplier.<sid>.share`).
//! A distribution field is a path when fixed (setting it makes it fixed), and each of its
//! named parameters is one (`shock.<id>.duration_days.median`); a reaction's shares are
//! `material.<id>.reaction.shares.<sid>`.
//!
//! **Share rescaling rule:** setting one supplier's `share` (or one reaction share) to `v`
//! scales the material's other shares in proportion so that they sum to 1. Operates on
//! the raw structs; validation happens afterwards.

use std::collections::BTreeMap;

use super::document::Document;
use super::error::ParamError;
use super::fields::{
    self, Kind, material, onset, reaction, sector, shock, strategy, substitution, supplier, top,
    trigger,
};
pub use super::fields::{ParamKind, param_kind, sweep_kind};
use super::raw::{
    RawDist, RawMaterial, RawReaction, RawScenario, RawSubstitution, SetValue, closest,
};

/// Whether the parameter at `path` must be a whole number (see [`fields::lookup`]).
pub fn is_whole_days(path: &str) -> bool {
    fields::lookup(path).is_some_and(|p| p.is_whole())
}

/// The names of the numeric fields of the table at key path `parent`, in table order.
fn numbers(parent: &str) -> impl Iterator<Item = &'static str> + '_ {
    fields::children(parent)
        .filter(|f| matches!(f.kind, Kind::Number(_)))
        .map(fields::FieldSpec::name)
}

enum Slot<'a> {
    Num(&'a mut Option<f64>, Option<f64>),
    Share(&'a mut RawMaterial, usize),
    ReactionShare(&'a mut RawMaterial, String),
    Dist(&'a mut Option<RawDist>, Option<f64>),
    DistParam(&'a mut RawDist, usize),
    Use(&'a mut BTreeMap<String, f64>, String),
}

fn choose<'s>(
    path: &str,
    segs: &[&'s str],
    i: usize,
    options: &[&str],
) -> Result<&'s str, ParamError> {
    let list = options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let prefix = segs[..i].join(".");
    match segs.get(i) {
        None => Err(
            ParamError::new(path, format!("incomplete path after `{prefix}`"))
                .with_help(format!("continue with one of {list}")),
        ),
        Some(s) if options.contains(s) => Ok(s),
        Some(s) => {
            let dym = closest(s, options.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            let at = if prefix.is_empty() {
                String::new()
            } else {
                format!(" after `{prefix}`")
            };
            Err(ParamError::new(path, format!("unknown `{s}`{at}"))
                .with_help(format!("{dym}valid: {list}")))
        }
    }
}

fn end(path: &str, segs: &[&str], i: usize) -> Result<(), ParamError> {
    if segs.len() > i {
        Err(ParamError::new(
            path,
            format!(
                "unexpected `{}` after `{}`",
                segs[i..].join("."),
                segs[..i].join(".")
            ),
        ))
    } else {
        Ok(())
    }
}

fn find_idx(
    path: &str,
    segs: &[&str],
    i: usize,
    ids: &[Option<&str>],
    what: &str,
) -> Result<usize, ParamError> {
    let known: Vec<&str> = ids.iter().flatten().copied().collect();
    let list = known
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(want) = segs.get(i) else {
        return Err(
            ParamError::new(path, format!("incomplete path: expected a {what} id"))
                .with_help(format!("{what}s: {list}")),
        );
    };
    match ids.iter().position(|x| x == &Some(*want)) {
        Some(x) => Ok(x),
        None => {
            let dym = closest(want, known.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            Err(ParamError::new(path, format!("no {what} `{want}`"))
                .with_help(format!("{dym}{what}s: {list}")))
        }
    }
}

fn find_id<'a, T>(
    path: &str,
    segs: &[&str],
    i: usize,
    items: &'a mut [T],
    id: impl Fn(&T) -> Option<&str>,
    what: &str,
) -> Result<&'a mut T, ParamError> {
    let ids: Vec<Option<&str>> = items.iter().map(&id).collect();
    let k = find_idx(path, segs, i, &ids, what)?;
    Ok(&mut items[k])
}

fn resolve<'a>(raw: &'a mut RawScenario, path: &str) -> Result<Slot<'a>, ParamError> {
    let segs: Vec<&str> = path.split('.').collect();
    match choose(path, &segs, 0, &fields::param_names(""))? {
        "horizon_days" => {
            end(path, &segs, 1)?;
            Ok(Slot::Num(
                &mut raw.horizon_days,
                top::HORIZON_DAYS.default_value(),
            ))
        }
        "replications" => {
            end(path, &segs, 1)?;
            Ok(Slot::Num(
                &mut raw.replications,
                top::REPLICATIONS.default_value(),
            ))
        }
        "material" => {
            let m = find_id(
                path,
                &segs,
                1,
                &mut raw.material,
                |m| m.id.as_deref(),
                "material",
            )?;
            let field = choose(path, &segs, 2, &fields::param_names("material"))?;
            // Derived defaults (see the field table): a reaction's private stock target
            // is the material's, a supplier's unit cost the material's unit value.
            let private = m.private_days.or(material::PRIVATE_DAYS.default_value());
            let unit_value = m.unit_value;
            match field {
                "supplier" => {
                    let sids: Vec<Option<&str>> =
                        m.supplier.iter().map(|s| s.id.as_deref()).collect();
                    let i = find_idx(path, &segs, 3, &sids, "supplier")?;
                    let f = choose(path, &segs, 4, &fields::param_names("material.supplier"))?;
                    end(path, &segs, 5)?;
                    if f == "share" {
                        return Ok(Slot::Share(m, i));
                    }
                    let s = &mut m.supplier[i];
                    Ok(match f {
                        "lead_time_days" => Slot::Num(
                            &mut s.lead_time_days,
                            supplier::LEAD_TIME_DAYS.default_value(),
                        ),
                        "surge" => Slot::Num(&mut s.surge, supplier::SURGE.default_value()),
                        "surge_lag_days" => Slot::Num(
                            &mut s.surge_lag_days,
                            supplier::SURGE_LAG_DAYS.default_value(),
                        ),
                        _ => Slot::Num(&mut s.unit_cost, unit_value),
                    })
                }
                "substitution" => {
                    let f = choose(
                        path,
                        &segs,
                        3,
                        &fields::param_names("material.substitution"),
                    )?;
                    end(path, &segs, 4)?;
                    let Some(s) = m.substitution.as_mut() else {
                        return Err(ParamError::new(
                            path,
                            "the material has no `substitution` block",
                        )
                        .with_help(
                            "add `[material.substitution]`, or set the whole block in a strategy",
                        ));
                    };
                    Ok(match f {
                        "max_fraction" => Slot::Num(
                            &mut s.max_fraction,
                            substitution::MAX_FRACTION.default_value(),
                        ),
                        "ramp_days" => {
                            Slot::Num(&mut s.ramp_days, substitution::RAMP_DAYS.default_value())
                        }
                        "persist_days" => Slot::Num(
                            &mut s.persist_days,
                            substitution::PERSIST_DAYS.default_value(),
                        ),
                        _ => Slot::Num(
                            &mut s.cost_premium,
                            substitution::COST_PREMIUM.default_value(),
                        ),
                    })
                }
                "reaction" => {
                    let f = choose(path, &segs, 3, &fields::param_names("material.reaction"))?;
                    if m.reaction.is_none() {
                        return Err(ParamError::new(path, "the material has no `reaction` block").with_help("add `[material.reaction]`, or set the whole block in a strategy"));
                    }
                    if f == "shares" {
                        let sids: Vec<&str> =
                            m.supplier.iter().filter_map(|s| s.id.as_deref()).collect();
                        let sid = choose(path, &segs, 4, &sids)?.to_string();
                        end(path, &segs, 5)?;
                        return Ok(Slot::ReactionShare(m, sid));
                    }
                    end(path, &segs, 4)?;
                    let r = m.reaction.as_mut().expect("checked above");
                    Ok(match f {
                        "lag_days" => {
                            Slot::Num(&mut r.lag_days, reaction::LAG_DAYS.default_value())
                        }
                        "memory_days" => {
                            Slot::Num(&mut r.memory_days, reaction::MEMORY_DAYS.default_value())
                        }
                        _ => Slot::Num(&mut r.private_days, private),
                    })
                }
                f => {
                    end(path, &segs, 3)?;
                    Ok(match f {
                        "annual_demand" => Slot::Num(
                            &mut m.annual_demand,
                            material::ANNUAL_DEMAND.default_value(),
                        ),
                        "demand_cv" => {
                            Slot::Num(&mut m.demand_cv, material::DEMAND_CV.default_value())
                        }
                        "unit_value" => {
                            Slot::Num(&mut m.unit_value, material::UNIT_VALUE.default_value())
                        }
                        "shortage_cost" => Slot::Num(
                            &mut m.shortage_cost,
                            material::SHORTAGE_COST.default_value(),
                        ),
                        "holding_cost_rate" => Slot::Num(
                            &mut m.holding_cost_rate,
                            material::HOLDING_COST_RATE.default_value(),
                        ),
                        "private_days" => {
                            Slot::Num(&mut m.private_days, material::PRIVATE_DAYS.default_value())
                        }
                        "stockpile_days" => Slot::Num(
                            &mut m.stockpile_days,
                            material::STOCKPILE_DAYS.default_value(),
                        ),
                        "max_release_rate" => Slot::Num(
                            &mut m.max_release_rate,
                            material::MAX_RELEASE_RATE.default_value(),
                        ),
                        _ => Slot::Num(&mut m.refill_rate, material::REFILL_RATE.default_value()),
                    })
                }
            }
        }
        "shock" => {
            let s = find_id(path, &segs, 1, &mut raw.shock, |s| s.id.as_deref(), "shock")?;
            let field = choose(path, &segs, 2, &fields::param_names("shock"))?;
            match field {
                "onset" => {
                    let f = choose(path, &segs, 3, &fields::param_names("shock.onset"))?;
                    end(path, &segs, 4)?;
                    let o = s.onset.get_or_insert_with(Default::default);
                    Ok(match f {
                        "rate_per_year" => {
                            Slot::Num(&mut o.rate_per_year, onset::RATE_PER_YEAR.default_value())
                        }
                        "day" => Slot::Num(&mut o.day, onset::DAY.default_value()),
                        _ => Slot::Num(&mut o.probability, onset::PROBABILITY.default_value()),
                    })
                }
                "triggers" => {
                    let t = find_id(
                        path,
                        &segs,
                        3,
                        &mut s.triggers,
                        |t| t.shock.as_deref(),
                        "triggered shock",
                    )?;
                    let f = choose(path, &segs, 4, &fields::param_names("shock.triggers"))?;
                    end(path, &segs, 5)?;
                    Ok(match f {
                        "probability" => {
                            Slot::Num(&mut t.probability, trigger::PROBABILITY.default_value())
                        }
                        _ => Slot::Num(&mut t.lag_days, trigger::LAG_DAYS.default_value()),
                    })
                }
                f => {
                    let default = match f {
                        // Derived (see the field table): 0 for logistics, else 1.
                        "severity" => Some(if s.kind.as_deref() == Some("logistics") {
                            0.0
                        } else {
                            1.0
                        }),
                        "duration_days" => shock::DURATION_DAYS.default_value(),
                        "recovery_days" => shock::RECOVERY_DAYS.default_value(),
                        _ => shock::DELAY_DAYS.default_value(),
                    };
                    let slot = match f {
                        "duration_days" => &mut s.duration_days,
                        "severity" => &mut s.severity,
                        "recovery_days" => &mut s.recovery_days,
                        _ => &mut s.delay_days,
                    };
                    match (segs.get(3), slot) {
                        (None, slot) => match slot {
                            Some(d) if !matches!(d, RawDist::Fixed(_)) => {
                                let ps: Vec<String> = d
                                    .params()
                                    .iter()
                                    .map(|(n, _)| format!("`{}.{n}`", segs[..3].join(".")))
                                    .collect();
                                Err(ParamError::new(
                                    path,
                                    format!(
                                        "`{f}` is a {} distribution, not a single number",
                                        d.kind()
                                    ),
                                )
                                .with_help(if ps.is_empty() {
                                    "set it with a number to make it fixed".to_string()
                                } else {
                                    format!("use one of {}", ps.join(", "))
                                }))
                            }
                            slot => Ok(Slot::Dist(slot, default)),
                        },
                        (Some(_), Some(d)) => {
                            let names: Vec<&str> = d.params().iter().map(|(n, _)| *n).collect();
                            if names.is_empty() {
                                return Err(ParamError::new(
                                    path,
                                    format!("`{f}` is {} and has no named parameters", d.kind()),
                                )
                                .with_help(format!("use `{}`", segs[..3].join("."))));
                            }
                            let p = choose(path, &segs, 3, &names)?;
                            end(path, &segs, 4)?;
                            let i = names.iter().position(|n| *n == p).unwrap_or(0);
                            Ok(Slot::DistParam(d, i))
                        }
                        (Some(_), None) => Err(ParamError::new(
                            path,
                            format!("`{f}` is not set, so it has no parameters"),
                        )
                        .with_help(format!("use `{}`", segs[..3].join(".")))),
                    }
                }
            }
        }
        "sector" => {
            let k = find_id(
                path,
                &segs,
                1,
                &mut raw.sector,
                |k| k.id.as_deref(),
                "sector",
            )?;
            let field = choose(path, &segs, 2, &fields::param_names("sector"))?;
            if field == "uses" {
                let Some(uses) = k.uses.as_mut() else {
                    return Err(ParamError::new(path, "the sector has no `uses`")
                        .with_help("add `uses = { <input> = amount }` to the sector"));
                };
                let inputs: Vec<&str> = uses.keys().map(String::as_str).collect();
                let input = choose(path, &segs, 3, &inputs)?.to_string();
                end(path, &segs, 4)?;
                return Ok(Slot::Use(uses, input));
            }
            end(path, &segs, 3)?;
            Ok(match field {
                "annual_output" => {
                    Slot::Num(&mut k.annual_output, sector::ANNUAL_OUTPUT.default_value())
                }
                "value_added" => Slot::Num(&mut k.value_added, sector::VALUE_ADDED.default_value()),
                "buffer_days" => Slot::Num(&mut k.buffer_days, sector::BUFFER_DAYS.default_value()),
                "refill_rate" => Slot::Num(&mut k.refill_rate, sector::REFILL_RATE.default_value()),
                _ => Slot::Num(&mut k.priority, sector::PRIORITY.default_value()),
            })
        }
        _ => {
            let s = find_id(
                path,
                &segs,
                1,
                &mut raw.strategy,
                |s| s.id.as_deref(),
                "strategy",
            )?;
            let field = choose(path, &segs, 2, &fields::param_names("strategy"))?;
            end(path, &segs, 3)?;
            Ok(match field {
                "release_to_priority" => Slot::Num(
                    &mut s.release_to_priority,
                    strategy::RELEASE_TO_PRIORITY.default_value(),
                ),
                _ => Slot::Num(&mut s.annual_cost, strategy::ANNUAL_COST.default_value()),
            })
        }
    }
}

fn baseline_shares(m: &RawMaterial) -> BTreeMap<String, f64> {
    m.supplier
        .iter()
        .filter_map(|s| Some((s.id.clone()?, s.share.unwrap_or(0.0))))
        .collect()
}

fn rescale(path: &str, shares: &mut [(String, f64)], i: usize, v: f64) -> Result<(), ParamError> {
    if !(0.0..=1.0).contains(&v) {
        return Err(ParamError::new(
            path,
            format!("a share must be between 0 and 1, got {v}"),
        ));
    }
    let others: f64 = shares
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, (_, x))| *x)
        .sum();
    if others > 0.0 {
        let k = (1.0 - v) / others;
        for (j, (_, x)) in shares.iter_mut().enumerate() {
            if j != i {
                *x *= k;
            }
        }
    } else if (v - 1.0).abs() > 1e-12 {
        return Err(ParamError::new(
            path,
            format!("the other suppliers all have share 0, so this share must be 1, not {v}"),
        )
        .with_help("set all shares at once with `material.<id>.shares = { a = .., b = .. }`"));
    }
    shares[i].1 = v;
    Ok(())
}

fn read(slot: Slot<'_>, path: &str) -> Result<f64, ParamError> {
    let not_set = || ParamError::new(path, "not set in the scenario and has no default");
    match slot {
        Slot::Num(v, d) => v.or(d).ok_or_else(not_set),
        Slot::Share(m, i) => m.supplier[i].share.ok_or_else(not_set),
        Slot::ReactionShare(m, sid) => {
            let base = baseline_shares(m);
            match m.reaction.as_ref().and_then(|r| r.shares.as_ref()) {
                Some(map) => Ok(map.get(&sid).copied().unwrap_or(0.0)),
                None => Ok(base.get(&sid).copied().unwrap_or(0.0)),
            }
        }
        Slot::Dist(d, default) => match d {
            Some(RawDist::Fixed(v)) => Ok(*v),
            Some(_) => Err(not_set()),
            None => default.ok_or_else(not_set),
        },
        Slot::DistParam(d, i) => Ok(d.params()[i].1),
        Slot::Use(map, input) => map.get(&input).copied().ok_or_else(not_set),
    }
}

fn write(slot: Slot<'_>, path: &str, v: f64) -> Result<(), ParamError> {
    if !v.is_finite() {
        return Err(ParamError::new(
            path,
            format!("value must be a finite number, got {v}"),
        ));
    }
    match slot {
        Slot::Num(x, _) => *x = Some(v),
        Slot::Share(m, i) => {
            let mut shares: Vec<(String, f64)> = m
                .supplier
                .iter()
                .map(|s| (s.id.clone().unwrap_or_default(), s.share.unwrap_or(0.0)))
                .collect();
            rescale(path, &mut shares, i, v)?;
            for (s, (_, x)) in m.supplier.iter_mut().zip(shares) {
                s.share = Some(x);
            }
        }
        Slot::ReactionShare(m, sid) => {
            let base = baseline_shares(m);
            let r = m.reaction.get_or_insert_with(RawReaction::default);
            let map = r.shares.get_or_insert_with(|| base.clone());
            let mut shares: Vec<(String, f64)> = base
                .keys()
                .map(|k| (k.clone(), map.get(k).copied().unwrap_or(0.0)))
                .collect();
            let i = shares.iter().position(|(k, _)| *k == sid).unwrap_or(0);
            rescale(path, &mut shares, i, v)?;
            *map = shares.into_iter().collect();
        }
        Slot::Dist(d, _) => *d = Some(RawDist::Fixed(v)),
        Slot::DistParam(d, i) => {
            if let Some((_, p)) = d.params_mut().into_iter().nth(i) {
                *p = v;
            }
        }
        Slot::Use(map, input) => {
            map.insert(input, v);
        }
    }
    Ok(())
}

pub(crate) fn get_num(raw: &RawScenario, path: &str) -> Result<f64, ParamError> {
    let mut copy = raw.clone();
    let slot = resolve(&mut copy, path)?;
    read(slot, path)
}

pub(crate) fn set_num(raw: &mut RawScenario, path: &str, v: f64) -> Result<(), ParamError> {
    let slot = resolve(raw, path)?;
    write(slot, path, v)
}

pub(crate) fn set_shares(
    raw: &mut RawScenario,
    material: &str,
    shares: &[(String, f64)],
) -> Result<(), ParamError> {
    let path = format!("material.{material}.shares");
    let segs = ["material", material];
    let m = find_id(
        &path,
        &segs,
        1,
        &mut raw.material,
        |m| m.id.as_deref(),
        "material",
    )?;
    let sids: Vec<String> = m.supplier.iter().filter_map(|s| s.id.clone()).collect();
    let mut sum = 0.0;
    for (k, v) in shares {
        if !sids.contains(k) {
            let dym = closest(k, sids.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            return Err(ParamError::new(
                &path,
                format!("material `{material}` has no supplier `{k}`"),
            )
            .with_help(format!("{dym}suppliers: {}", sids.join(", "))));
        }
        if !(0.0..=1.0).contains(v) {
            return Err(ParamError::new(
                &path,
                format!("share of `{k}` must be between 0 and 1, got {v}"),
            ));
        }
        sum += v;
    }
    if (sum - 1.0).abs() > super::validate::SHARE_TOLERANCE {
        return Err(
            ParamError::new(&path, format!("shares sum to {sum}; they must sum to 1"))
                .with_help("suppliers left out get 0; adjust the listed shares"),
        );
    }
    for s in &mut m.supplier {
        s.share = Some(
            shares
                .iter()
                .find(|(k, _)| Some(k) == s.id.as_ref())
                .map_or(0.0, |(_, v)| *v),
        );
    }
    Ok(())
}

fn block<T: serde::de::DeserializeOwned>(
    path: &str,
    t: &toml::Table,
    known: &[&str],
) -> Result<T, ParamError> {
    let mut unknown = Vec::new();
    let r: Result<T, _> = serde_ignored::deserialize(toml::Value::Table(t.clone()), |p| {
        unknown.push(p.to_string())
    });
    if let Some(u) = unknown.first() {
        let dym = closest(u, known.iter().copied())
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        return Err(ParamError::new(path, format!("unknown field `{u}`"))
            .with_help(format!("{dym}expected one of {}", known.join(", "))));
    }
    r.map_err(|e| ParamError::new(path, e.to_string().trim().to_string()))
}

/// Applies one strategy `set` entry (a number at any path, or a table for
/// `material.X.shares`, `material.X.substitution`, `material.X.reaction`).
pub(crate) fn apply_set(
    raw: &mut RawScenario,
    path: &str,
    value: &SetValue,
) -> Result<(), ParamError> {
    match value {
        SetValue::Number(v) => set_num(raw, path, *v),
        SetValue::Table(t) => {
            let segs: Vec<&str> = path.split('.').collect();
            match segs.as_slice() {
                ["material", m, "shares"] => {
                    let mut shares = Vec::new();
                    for (k, v) in t {
                        let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).ok_or_else(|| ParamError::new(path, format!("share of `{k}` must be a number")))?;
                        shares.push((k.clone(), x));
                    }
                    set_shares(raw, m, &shares)
                }
                ["material", m, "substitution"] => {
                    let b: RawSubstitution = block(path, t, &fields::names("material.substitution"))?;
                    let segs2 = ["material", *m];
                    find_id(path, &segs2, 1, &mut raw.material, |x| x.id.as_deref(), "material")?.substitution = Some(b);
                    Ok(())
                }
                ["material", m, "reaction"] => {
                    let b: RawReaction = block(path, t, &fields::names("material.reaction"))?;
                    let segs2 = ["material", *m];
                    find_id(path, &segs2, 1, &mut raw.material, |x| x.id.as_deref(), "material")?.reaction = Some(b);
                    Ok(())
                }
                _ => Err(ParamError::new(path, "a table value is only accepted for `material.<id>.shares`, `material.<id>.substitution` and `material.<id>.reaction`").with_help("give a number")),
            }
        }
    }
}

impl Document {
    /// Reads the number at a parameter path (defaults included).
    ///
    /// # Errors
    /// An unknown path (with the valid next segments), or a value that is not set and has
    /// no default, or a distribution that is not a single number.
    pub fn get(&self, path: &str) -> Result<f64, ParamError> {
        get_num(&self.raw, path)
    }

    /// Writes a number at a parameter path. Setting a supplier share rescales the others
    /// (module docs); setting a distribution field makes it fixed. Not validated: call
    /// [`Document::validate`] afterwards.
    ///
    /// # Errors
    /// An unknown path, a non-finite value, or a share outside [0, 1] (or below 1 when all
    /// other shares are 0).
    pub fn set(&mut self, path: &str, value: f64) -> Result<(), ParamError> {
        set_num(&mut self.raw, path, value)
    }

    /// Replaces all supplier shares of `material`; suppliers not listed get 0.
    ///
    /// # Errors
    /// An unknown material or supplier, a share outside [0, 1], or shares not summing to 1.
    pub fn set_shares(
        &mut self,
        material: &str,
        shares: &[(String, f64)],
    ) -> Result<(), ParamError> {
        set_shares(&mut self.raw, material, shares)
    }

    /// Every numeric parameter path of the scenario with a value (explicit or default),
    /// in file order; for sweeps and sensitivity.
    pub fn numeric_paths(&self) -> Vec<String> {
        let r = &self.raw;
        let mut out = vec!["horizon_days".to_string(), "replications".to_string()];
        for m in &r.material {
            let Some(id) = &m.id else { continue };
            let p = format!("material.{id}");
            for f in numbers("material") {
                out.push(format!("{p}.{f}"));
            }
            for s in &m.supplier {
                let Some(sid) = &s.id else { continue };
                for f in numbers("material.supplier") {
                    out.push(format!("{p}.supplier.{sid}.{f}"));
                }
            }
            if m.substitution.is_some() {
                for f in numbers("material.substitution") {
                    out.push(format!("{p}.substitution.{f}"));
                }
            }
            if m.reaction.is_some() {
                for f in numbers("material.reaction") {
                    out.push(format!("{p}.reaction.{f}"));
                }
                for s in m.supplier.iter().filter_map(|s| s.id.as_ref()) {
                    out.push(format!("{p}.reaction.shares.{s}"));
                }
            }
        }
        for s in &r.shock {
            let Some(id) = &s.id else { continue };
            let p = format!("shock.{id}");
            if let Some(o) = &s.onset {
                for (f, v) in [("rate_per_year", o.rate_per_year), ("day", o.day)] {
                    if v.is_some() {
                        out.push(format!("{p}.onset.{f}"));
                    }
                }
                if o.day.is_some() {
                    out.push(format!("{p}.onset.probability"));
                }
            }
            for (f, d) in [
                ("duration_days", &s.duration_days),
                ("severity", &s.severity),
                ("recovery_days", &s.recovery_days),
                ("delay_days", &s.delay_days),
            ] {
                match d {
                    None if f == "delay_days" && s.kind.as_deref() != Some("logistics") => {}
                    None | Some(RawDist::Fixed(_)) => out.push(format!("{p}.{f}")),
                    Some(d) => out.extend(d.params().iter().map(|(n, _)| format!("{p}.{f}.{n}"))),
                }
            }
            for t in &s.triggers {
                if let Some(sh) = &t.shock {
                    for f in numbers("shock.triggers") {
                        out.push(format!("{p}.triggers.{sh}.{f}"));
                    }
                }
            }
        }
        for s in &r.strategy {
            if let Some(id) = &s.id {
                out.push(format!("strategy.{id}.annual_cost"));
                if s.release_to_priority.is_some() {
                    out.push(format!("strategy.{id}.release_to_priority"));
                }
            }
        }
        for k in &r.sector {
            let Some(id) = &k.id else { continue };
            let p = format!("sector.{id}");
            for f in numbers("sector") {
                out.push(format!("{p}.{f}"));
            }
            for input in k.uses.iter().flat_map(|u| u.keys()) {
                out.push(format!("{p}.uses.{input}"));
            }
        }
        out.retain(|p| self.get(p).is_ok());
        out
    }

    /// The kind of the parameter at `path` as the file checks it (see
    /// [`fields::PathInfo::param_kind`]).
    pub fn param_kind(&self, path: &str) -> ParamKind {
        param_kind(path)
    }
}
