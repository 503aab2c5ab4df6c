//! Stage two: [`RawScenario`] → [`model::Scenario`], collecting every problem.
//!
//! Ids are checked and resolved to dense indices, defaults filled in (MODEL.md §2–§3),
//! numbers range-checked, distributions built, targets and triggers resolved, the trigger
//! graph ordered, and each strategy's `set` applied through the parameter-path mechanism
//! of `params.rs` and validated again. Problems carry a parameter path and are located in
//! the source by looking that path up in the spanned TOML tree.

use std::collections::{BTreeSet, HashMap};

use crate::model::{
    self, Bucket, Dist, MAX_SHORT_LABEL_CHARS, MaterialInfo, MaterialParams, MaterialValues, Onset,
    Reaction, Shock, ShockFault, ShockKind, ShockParts, Strategy, Substitution, SupplierInfo,
    SupplierParams, Trigger,
};
use crate::numfmt;

use super::error::{Problem, ScenarioError};
use super::fields::{
    FieldDefault, FieldSpec, MAX_MAGNITUDE, material, onset, reaction, strategy, substitution,
    supplier, top, trigger,
};
use super::locate::locate_param;
use super::params::apply_set;
use super::raw::{RawDist, RawMaterial, RawScenario, RawShock, closest};

/// Tolerance on shares summing to 1 (the model's, [`crate::model::SHARE_TOLERANCE`]).
pub const SHARE_TOLERANCE: f64 = crate::model::SHARE_TOLERANCE;
/// Longest accepted `currency` label, in characters.
pub const MAX_CURRENCY_CHARS: usize = 12;

/// A problem plus the parameter path that locates it in the source.
struct Found {
    problem: Problem,
    locator: String,
}

#[derive(Default)]
struct Ctx {
    found: Vec<Found>,
    /// Warnings: legal but probably unintended (shown, never fatal).
    warned: Vec<Found>,
}

fn list(xs: &[&str]) -> String {
    xs.iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn did_you_mean<'a>(word: &str, cands: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, cands).map(|c| format!("did you mean `{c}`?"))
}

impl Ctx {
    fn push(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        self.found.push(Found {
            problem: Problem {
                path: path.to_string(),
                message: message.into(),
                help,
                span: None,
            },
            locator: path.to_string(),
        });
    }

    /// A model value built by its checking constructor: `None` when refused. The fields
    /// were checked here first, so a refusal with no problem found yet is one this
    /// layer missed: it is reported at `path`, never passed on.
    fn built<T>(&mut self, path: &str, r: Result<T, model::ParamError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                if self.found.is_empty() {
                    self.push(path, e.0, None);
                }
                None
            }
        }
    }

    /// `id` as a typed id: `None` when it breaks the id grammar, which [`Ctx::id`]
    /// reports (a refusal with no problem found yet is reported at `path`).
    fn typed_id<T: std::str::FromStr<Err = model::IdError>>(
        &mut self,
        path: &str,
        id: &str,
    ) -> Option<T> {
        self.built(
            path,
            id.parse::<T>()
                .map_err(|e| model::ParamError(e.to_string())),
        )
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, help: Option<String>) {
        self.warned.push(Found {
            problem: Problem {
                path: path.to_string(),
                message: message.into(),
                help,
                span: None,
            },
            locator: path.to_string(),
        });
    }

    /// The number at `path` for field `spec`: `v`, or the field's default when absent.
    /// A missing required value, a non-finite value or one outside the field's bounds is
    /// a problem (and gives the default, or 0).
    fn num(&mut self, path: &str, v: Option<f64>, spec: &FieldSpec) -> f64 {
        self.num_or(path, v, spec.default_value(), spec)
    }

    /// As [`Ctx::num`] with an explicit default (for defaults derived from other fields).
    fn num_or(
        &mut self,
        path: &str,
        v: Option<f64>,
        default: Option<f64>,
        spec: &FieldSpec,
    ) -> f64 {
        let field = path.rsplit('.').next().unwrap_or(path);
        let Some(x) = v.or(default) else {
            self.push(
                path,
                format!("missing required field `{field}`"),
                Some(format!("add `{field} = ...`")),
            );
            return 0.0;
        };
        if !x.is_finite() {
            self.push(path, format!("must be a finite number, got {x}"), None);
            return default.unwrap_or(0.0);
        }
        match out_of_bounds(spec, x) {
            Some((m, h)) => {
                self.push(path, m, h);
                default.unwrap_or(0.0)
            }
            None => x,
        }
    }

    /// A whole-number field (`spec` is whole; [`Ctx::num`] checks it).
    fn whole(&mut self, path: &str, v: Option<f64>, spec: &FieldSpec) -> u32 {
        self.num(path, v, spec) as u32
    }

    fn id(&mut self, path: &str, id: &Option<String>, what: &str) -> String {
        match id {
            None => {
                self.push(
                    path,
                    format!("{what} has no `id`"),
                    Some("add `id = \"...\"` (lowercase letters, digits, `_`)".into()),
                );
                path.to_string()
            }
            Some(s) => {
                if !valid_id(s) {
                    let fixed: String = s
                        .to_lowercase()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    self.push(
                        &format!("{path}.{s}"),
                        format!("invalid id `{s}`: ids use lowercase letters, digits and `_`, starting with a letter"),
                        Some(format!("try `{fixed}`")),
                    );
                }
                s.clone()
            }
        }
    }

    /// The distribution `d` at `path`, built by its checking constructor; [`Dist::ZERO`]
    /// when refused or when a parameter is beyond [`MAX_MAGNITUDE`] (both reported).
    /// Whether the part may be negative is the model's rule ([`ShockFault::find`]).
    fn dist(&mut self, path: &str, d: &RawDist) -> Dist {
        let built = match d {
            RawDist::Fixed(v) => Dist::fixed(*v),
            RawDist::Uniform { min, max } => Dist::uniform(*min, *max),
            RawDist::Triangular { min, mode, max } => Dist::triangular(*min, *mode, *max),
            RawDist::Pert { min, mode, max } => Dist::pert(*min, *mode, *max),
            RawDist::LogNormal { median, p90 } => Dist::lognormal(*median, *p90),
            RawDist::Exponential { mean } => Dist::exponential(*mean),
            RawDist::Gamma { shape, scale } => Dist::gamma(*shape, *scale),
            RawDist::Beta { alpha, beta } => Dist::beta(*alpha, *beta),
            RawDist::Empirical { values, weights } => {
                Dist::empirical(values.clone(), weights.clone())
            }
        };
        match built {
            Err(e) => {
                self.push(path, format!("{}: {}", d.kind(), e.0), None);
                Dist::ZERO
            }
            Ok(dist) => {
                let largest = dist_params(d).fold(0.0_f64, |m, x| m.max(x.abs()));
                if largest > MAX_MAGNITUDE {
                    self.push(
                        path,
                        format!(
                            "{}: a parameter of {largest} is above 1e18, which can only \
                             overflow",
                            d.kind()
                        ),
                        Some(
                            "no real quantity comes near 1e18 (the bound keeps every output \
                             finite); check the units and the number of zeros"
                                .into(),
                        ),
                    );
                    return Dist::ZERO;
                }
                dist
            }
        }
    }
}

/// The numbers a distribution is given by (its values or parameters).
fn dist_params(d: &RawDist) -> Box<dyn Iterator<Item = f64> + '_> {
    match d {
        RawDist::Fixed(v) => Box::new(std::iter::once(*v)),
        RawDist::Uniform { min, max } => Box::new([*min, *max].into_iter()),
        RawDist::Triangular { min, mode, max } | RawDist::Pert { min, mode, max } => {
            Box::new([*min, *mode, *max].into_iter())
        }
        RawDist::LogNormal { median, p90 } => Box::new([*median, *p90].into_iter()),
        RawDist::Exponential { mean } => Box::new(std::iter::once(*mean)),
        RawDist::Gamma { shape, scale } => Box::new([*shape, *scale].into_iter()),
        RawDist::Beta { alpha, beta } => Box::new([*alpha, *beta].into_iter()),
        // Weights are relative (normalised), so only the values can overflow.
        RawDist::Empirical { values, .. } => Box::new(values.iter().copied()),
    }
}

/// Why finite `x` is not a legal value of field `spec` (message and help), from its
/// bounds and whether it must be whole.
fn out_of_bounds(spec: &FieldSpec, x: f64) -> Option<(String, Option<String>)> {
    let b = spec.bounds;
    let whole = spec.num().is_some_and(|n| n.is_whole());
    if whole && x.fract() != 0.0 {
        return Some((
            format!("must be a whole number of days, got {x}"),
            Some(format!("write {} or {}", x.floor(), x.ceil())),
        ));
    }
    if b.contains(x) {
        return None;
    }
    Some(if b.is_unit() {
        (
            format!("must be between 0 and 1, got {x}"),
            Some("fractions, shares and probabilities are written as 0.25, not 25".into()),
        )
    } else if x > b.max && b.max == MAX_MAGNITUDE {
        (
            format!("must be <= 1e18, got {x}: a value this large can only overflow"),
            Some(
                "no real quantity comes near 1e18 (the bound keeps every output finite); \
                 check the units and the number of zeros"
                    .into(),
            ),
        )
    } else if x > b.max {
        let help =
            whole.then(|| "this bound protects memory; split the problem or shorten it".into());
        (format!("must be <= {}, got {x}", b.max), help)
    } else if b.min_exclusive {
        (format!("must be > {}, got {x}", b.min), None)
    } else {
        (format!("must be >= {}, got {x}", b.min), None)
    })
}

/// The text `v`, or the field's default text when absent.
fn text_or_default(v: &Option<String>, spec: &FieldSpec) -> String {
    match (v, spec.default) {
        (Some(t), _) => t.clone(),
        (None, FieldDefault::Text(t)) => t.to_string(),
        (None, _) => String::new(),
    }
}

/// Whether `s` is a valid id (the model's grammar, [`crate::model::valid_id`]).
pub use crate::model::valid_id;

fn material_ids(raw: &RawScenario) -> Vec<String> {
    raw.material
        .iter()
        .enumerate()
        .map(|(i, m)| m.id.clone().unwrap_or_else(|| format!("#{}", i + 1)))
        .collect()
}

fn check_dups(ctx: &mut Ctx, prefix: &str, ids: &[String], what: &str) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !id.starts_with('#') && !seen.insert(id.as_str()) {
            ctx.push(
                &format!("{prefix}.{id}"),
                format!("duplicate {what} id `{id}`"),
                Some("ids must be unique; rename one of them".into()),
            );
        }
    }
}

/// A material's identity as validation reads it: ids as written, possibly invalid (a
/// problem already found), until [`Named::info`] types them for the model.
#[derive(Debug, Clone)]
struct Named {
    id: String,
    name: String,
    unit: String,
    bucket: Option<Bucket>,
    suppliers: Vec<NamedSupplier>,
}

/// A supplier's identity as validation reads it (see [`Named`]).
#[derive(Debug, Clone)]
struct NamedSupplier {
    id: String,
    country: String,
    routes: Vec<String>,
}

impl Named {
    /// The model's [`MaterialInfo`], with typed ids.
    fn info(self) -> Result<MaterialInfo, model::IdError> {
        Ok(MaterialInfo {
            id: self.id.parse()?,
            name: self.name,
            unit: self.unit,
            bucket: self.bucket,
            suppliers: self
                .suppliers
                .into_iter()
                .map(|s| {
                    Ok(SupplierInfo {
                        id: s.id.parse()?,
                        country: s.country,
                        routes: s.routes,
                    })
                })
                .collect::<Result<_, model::IdError>>()?,
        })
    }
}

/// Builds every material's parameters (used for the baseline and for each strategy).
fn build_materials(ctx: &mut Ctx, raw: &RawScenario) -> (Vec<Named>, Vec<MaterialParams>) {
    let ids = material_ids(raw);
    let mut infos = Vec::new();
    let mut params = Vec::new();
    for (m, id) in raw.material.iter().zip(&ids) {
        let (i, p) = build_material(ctx, m, id);
        infos.push(i);
        // A refused material leaves a problem in `ctx`, so no scenario is built.
        params.extend(p);
    }
    (infos, params)
}

fn build_material(ctx: &mut Ctx, m: &RawMaterial, id: &str) -> (Named, Option<MaterialParams>) {
    let pre = format!("material.{id}");
    let f = |name: &str| format!("{pre}.{name}");
    let annual = ctx.num(
        &f("annual_demand"),
        m.annual_demand,
        &material::ANNUAL_DEMAND,
    );
    let unit_value = ctx.num(&f("unit_value"), m.unit_value, &material::UNIT_VALUE);
    let bucket = match m.bucket.as_deref() {
        None => None,
        Some("green") => Some(Bucket::Green),
        Some("blue") => Some(Bucket::Blue),
        Some("red") => Some(Bucket::Red),
        Some(other) => {
            let opts = ["green", "blue", "red"];
            ctx.push(
                &f("bucket"),
                format!("unknown bucket `{other}`; expected one of {}", list(&opts)),
                did_you_mean(other, opts),
            );
            None
        }
    };
    let private_days = ctx.num(&f("private_days"), m.private_days, &material::PRIVATE_DAYS);
    let mut sup_infos = Vec::new();
    let mut sups = Vec::new();
    let mut sup_shares = Vec::new();
    let sids: Vec<String> = m
        .supplier
        .iter()
        .enumerate()
        .map(|(i, s)| s.id.clone().unwrap_or_else(|| format!("#{}", i + 1)))
        .collect();
    for (s, sid) in m.supplier.iter().zip(&sids) {
        if s.id.is_some() {
            ctx.id(&format!("{pre}.supplier"), &s.id, "supplier");
        } else {
            ctx.id(&format!("{pre}.supplier.{sid}"), &None, "supplier");
        }
        let sp = format!("{pre}.supplier.{sid}");
        let g = |name: &str| format!("{sp}.{name}");
        let share = ctx.num(&g("share"), s.share, &supplier::SHARE);
        let lead_time_days = ctx.whole(
            &g("lead_time_days"),
            s.lead_time_days,
            &supplier::LEAD_TIME_DAYS,
        );
        let surge = ctx.num(&g("surge"), s.surge, &supplier::SURGE);
        let surge_lag_days = ctx.whole(
            &g("surge_lag_days"),
            s.surge_lag_days,
            &supplier::SURGE_LAG_DAYS,
        );
        let unit_cost = ctx.num_or(
            &g("unit_cost"),
            s.unit_cost,
            Some(unit_value),
            &supplier::UNIT_COST,
        );
        let built = SupplierParams::new(share, lead_time_days, surge, surge_lag_days, unit_cost);
        sup_shares.push(share);
        sups.extend(ctx.built(&sp, built));
        sup_infos.push(NamedSupplier {
            id: sid.clone(),
            country: text_or_default(&s.country, &supplier::COUNTRY),
            routes: s.routes.clone(),
        });
    }
    check_dups(ctx, &format!("{pre}.supplier"), &sids, "supplier");
    // A dormant supplier still offers its surge (MODEL.md §3, v1.1): warn when that
    // capacity comes from the default rather than from the file.
    for (s, sid) in m.supplier.iter().zip(&sids) {
        let default_surge = supplier::SURGE.default_value().unwrap_or(0.0);
        if s.share == Some(0.0) && s.surge.is_none() && default_surge > 0.0 {
            ctx.warn(
                &format!("{pre}.supplier.{sid}.surge"),
                format!(
                    "supplier `{sid}` is dormant (share 0) but gets the default surge of \
                     {default_surge} (extra output of {}% of daily demand), which the model \
                     counts on in every shortfall",
                    default_surge * 100.0
                ),
                Some(format!(
                    "write `surge = 0` under supplier `{sid}` if it cannot deliver until a \
                     strategy gives it a share, or the surge it has contracted"
                )),
            );
        }
    }
    if m.supplier.is_empty() {
        ctx.push(
            &pre,
            format!("material `{id}` has no suppliers"),
            Some("add at least one `[[material.supplier]]` with a `share`".into()),
        );
    } else if m.supplier.iter().all(|s| s.share.is_some()) {
        let shares = sup_shares.clone();
        check_sum(
            ctx,
            &format!("{pre}.supplier.{}.share", sids[0]),
            &pre,
            "supplier shares",
            &sids,
            &shares,
        );
    }
    let substitution = m.substitution.as_ref().and_then(|s| {
        let sp = format!("{pre}.substitution");
        let max_fraction = ctx.num(
            &format!("{sp}.max_fraction"),
            s.max_fraction,
            &substitution::MAX_FRACTION,
        );
        let ramp_days = ctx.num(
            &format!("{sp}.ramp_days"),
            s.ramp_days,
            &substitution::RAMP_DAYS,
        );
        let persist_days = ctx.whole(
            &format!("{sp}.persist_days"),
            s.persist_days,
            &substitution::PERSIST_DAYS,
        );
        let cost_premium = ctx.num(
            &format!("{sp}.cost_premium"),
            s.cost_premium,
            &substitution::COST_PREMIUM,
        );
        let built = Substitution::new(max_fraction, ramp_days, persist_days, cost_premium);
        ctx.built(&sp, built)
    });
    let reaction = m.reaction.as_ref().and_then(|r| {
        let rp = format!("{pre}.reaction");
        let shares = match &r.shares {
            None => sup_shares.clone(),
            Some(map) => {
                let mut v = vec![0.0; sids.len()];
                for (k, x) in map {
                    let path = format!("{rp}.shares.{k}");
                    match sids.iter().position(|s| s == k) {
                        Some(i) => v[i] = ctx.num(&path, Some(*x), &reaction::SHARES),
                        None => ctx.push(
                            &path,
                            format!("material `{id}` has no supplier `{k}`"),
                            Some(
                                did_you_mean(k, sids.iter().map(String::as_str)).unwrap_or_else(
                                    || {
                                        format!(
                                            "suppliers are {}",
                                            list(
                                                &sids
                                                    .iter()
                                                    .map(String::as_str)
                                                    .collect::<Vec<_>>()
                                            )
                                        )
                                    },
                                ),
                            ),
                        ),
                    }
                }
                check_sum(
                    ctx,
                    &format!("{rp}.shares"),
                    &format!("{rp}.shares"),
                    "reaction shares",
                    &sids,
                    &v,
                );
                v
            }
        };
        let lag_days = ctx.whole(&format!("{rp}.lag_days"), r.lag_days, &reaction::LAG_DAYS);
        let memory_days = ctx.whole(
            &format!("{rp}.memory_days"),
            r.memory_days,
            &reaction::MEMORY_DAYS,
        );
        let reaction_private = ctx.num_or(
            &format!("{rp}.private_days"),
            r.private_days,
            Some(private_days),
            &reaction::PRIVATE_DAYS,
        );
        let built = Reaction::new(lag_days, memory_days, reaction_private, shares);
        ctx.built(&rp, built)
    });
    let info = Named {
        id: id.to_string(),
        name: m.name.clone().unwrap_or_else(|| id.to_string()),
        unit: text_or_default(&m.unit, &material::UNIT),
        bucket,
        suppliers: sup_infos,
    };
    let values = MaterialValues {
        daily_demand: annual / 365.0,
        demand_cv: ctx.num(&f("demand_cv"), m.demand_cv, &material::DEMAND_CV),
        unit_value,
        shortage_cost: ctx.num(
            &f("shortage_cost"),
            m.shortage_cost,
            &material::SHORTAGE_COST,
        ),
        holding_cost_rate: ctx.num(
            &f("holding_cost_rate"),
            m.holding_cost_rate,
            &material::HOLDING_COST_RATE,
        ),
        private_days,
        stockpile_days: ctx.num(
            &f("stockpile_days"),
            m.stockpile_days,
            &material::STOCKPILE_DAYS,
        ),
        max_release_rate: ctx.num(
            &f("max_release_rate"),
            m.max_release_rate,
            &material::MAX_RELEASE_RATE,
        ),
        refill_rate: ctx.num(&f("refill_rate"), m.refill_rate, &material::REFILL_RATE),
    };
    let params = if sups.len() == m.supplier.len() {
        ctx.built(
            &pre,
            MaterialParams::new(values, sups, substitution, reaction),
        )
    } else {
        None // a refused supplier is already reported
    };
    (info, params)
}

fn check_sum(ctx: &mut Ctx, locator: &str, path: &str, what: &str, ids: &[String], v: &[f64]) {
    let sum: f64 = v.iter().sum();
    if !sum.is_finite() || (sum - 1.0).abs() <= SHARE_TOLERANCE {
        return;
    }
    let terms: Vec<String> = ids
        .iter()
        .zip(v)
        .map(|(i, x)| format!("{i} {}", numfmt::rounded9(*x)))
        .collect();
    let help = if sum > 0.0 {
        format!(
            "make them sum to 1, e.g. divide each by {}: {}",
            numfmt::rounded9(sum),
            ids.iter()
                .zip(v)
                .map(|(i, x)| format!("{i} = {}", numfmt::rounded9(x / sum)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        "give at least one supplier a positive share".to_string()
    };
    ctx.found.push(Found {
        problem: Problem::new(
            path,
            format!(
                "{what} sum to {} ({}); they must sum to 1",
                numfmt::rounded9(sum),
                terms.join(" + ")
            ),
        )
        .with_help(help),
        locator: locator.to_string(),
    });
}

/// How to write the file so that it keeps the rule `fault` breaks (the rule and its
/// message are the model's, [`ShockFault`]).
fn fault_help(fault: &ShockFault) -> Option<String> {
    match fault {
        ShockFault::SeverityAboveOne { .. } => Some(
            "1 means all supply lost; for an uncertain severity use \
             `{ beta = { alpha, beta } }`, or `uniform`, `triangular` or `pert` with \
             `max <= 1`"
                .into(),
        ),
        ShockFault::DelayNotLogistics { .. } => {
            Some("remove it, or make the shock `kind = \"logistics\"`".into())
        }
        ShockFault::Negative { .. }
        | ShockFault::DemandTargetsOnSupply { .. }
        | ShockFault::SupplyTargetsOnSurge => None,
    }
}

fn parse_kind(ctx: &mut Ctx, path: &str, k: &Option<String>) -> Option<ShockKind> {
    let opts = [
        "embargo",
        "export_control",
        "outage",
        "logistics",
        "demand_surge",
    ];
    match k.as_deref() {
        None => {
            ctx.push(
                path,
                "missing required field `kind`",
                Some(format!("add `kind = ...`, one of {}", list(&opts))),
            );
            None
        }
        Some("embargo") => Some(ShockKind::Embargo),
        Some("export_control") => Some(ShockKind::ExportControl),
        Some("outage") => Some(ShockKind::Outage),
        Some("logistics") => Some(ShockKind::Logistics),
        Some("demand_surge") => Some(ShockKind::DemandSurge),
        Some(other) => {
            let help = did_you_mean(other, opts)
                .map(|d| format!("{d} "))
                .unwrap_or_default();
            ctx.push(
                path,
                format!("unknown shock kind `{other}`"),
                Some(format!("{help}expected one of {}", list(&opts))),
            );
            None
        }
    }
}

fn resolve_targets(
    ctx: &mut Ctx,
    pre: &str,
    s: &RawShock,
    kind: Option<ShockKind>,
    infos: &[Named],
) -> (Vec<(usize, usize)>, Vec<usize>) {
    let mut supply = BTreeSet::new();
    let mut demand = BTreeSet::new();
    let Some(t) = &s.targets else {
        ctx.push(
            pre,
            "shock has no `targets`",
            Some("add e.g. `targets = { countries = [\"CN\"] }`".into()),
        );
        return (vec![], vec![]);
    };
    let mids: Vec<&str> = infos.iter().map(|m| m.id.as_str()).collect();
    // Supply kinds target suppliers, a surge only materials' demand (`ShockFault::find`).
    let surge = kind.is_some_and(|k| !k.is_supply());
    let empty = Vec::new();
    let groups = [
        ("suppliers", t.suppliers.as_ref()),
        ("countries", t.countries.as_ref()),
        ("routes", t.routes.as_ref()),
        ("materials", t.materials.as_ref()),
    ];
    if groups.iter().all(|(_, g)| g.is_none_or(|g| g.is_empty())) {
        ctx.push(
            &format!("{pre}.targets"),
            "targets are empty: the shock would hit nothing",
            Some("list at least one of `suppliers`, `countries`, `routes`, `materials`".into()),
        );
    }
    for (group, entries) in groups {
        let entries = entries.unwrap_or(&empty);
        let path = format!("{pre}.targets.{group}");
        if surge && group != "materials" && !entries.is_empty() {
            ctx.push(&path, format!("a `demand_surge` hits demand, not suppliers, so `targets.{group}` does not apply"), Some("use `targets.materials` to name the materials whose demand surges".into()));
            continue;
        }
        for e in entries {
            let mut hits: Vec<(usize, usize)> = Vec::new();
            let mut cands: Vec<String> = Vec::new();
            for (mi, m) in infos.iter().enumerate() {
                for (si, sup) in m.suppliers.iter().enumerate() {
                    let matched = match group {
                        "suppliers" => {
                            cands.push(sup.id.clone());
                            cands.push(format!("{}.{}", m.id, sup.id));
                            *e == sup.id || *e == format!("{}.{}", m.id, sup.id)
                        }
                        "countries" => {
                            cands.push(sup.country.clone());
                            *e == sup.country
                        }
                        "routes" => {
                            cands.extend(sup.routes.iter().cloned());
                            sup.routes.contains(e)
                        }
                        _ => *e == m.id,
                    };
                    if matched {
                        hits.push((mi, si));
                    }
                }
            }
            if group == "materials" {
                cands = mids.iter().map(|s| s.to_string()).collect();
                if surge {
                    if let Some(mi) = mids.iter().position(|m| m == e) {
                        demand.insert(mi);
                        continue;
                    }
                } else if mids.contains(&e.as_str()) && hits.is_empty() {
                    continue; // a material without suppliers is reported elsewhere
                }
            }
            if hits.is_empty() {
                let singular = group
                    .trim_end_matches('s')
                    .trim_end_matches("ie")
                    .to_string();
                let noun = match group {
                    "countries" => "supplier country",
                    "routes" => "supplier route",
                    "materials" => "material",
                    _ => "supplier",
                };
                let _ = singular;
                let help = did_you_mean(e, cands.iter().map(String::as_str)).unwrap_or_else(|| {
                    cands.sort();
                    cands.dedup();
                    format!(
                        "known: {}",
                        list(&cands.iter().map(String::as_str).collect::<Vec<_>>())
                    )
                });
                ctx.push(&path, format!("`{e}` matches no {noun}"), Some(help));
            }
            supply.extend(hits);
        }
    }
    (supply.into_iter().collect(), demand.into_iter().collect())
}

/// A trigger cycle, as the shocks along it (first repeated last), if any. Iterative
/// depth-first search with an explicit stack, linear in shocks and triggers: the input
/// sets the depth of a trigger chain, so no recursion.
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    // 0 = new, 1 = on the path, 2 = done
    let mut state = vec![0u8; edges.len()];
    // The current path: (shock, index of its next edge to follow).
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..edges.len() {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        path.push((root, 0));
        while let Some(&mut (u, ref mut next)) = path.last_mut() {
            if let Some(&v) = edges[u].get(*next) {
                *next += 1;
                match state[v] {
                    1 => {
                        let start = path.iter().position(|&(x, _)| x == v).unwrap_or(0);
                        let mut c: Vec<usize> = path[start..].iter().map(|&(x, _)| x).collect();
                        c.push(v);
                        return Some(c);
                    }
                    0 => {
                        state[v] = 1;
                        path.push((v, 0));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                path.pop();
            }
        }
    }
    None
}

fn topo_order(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut indeg = vec![0usize; n];
    for es in edges {
        for &v in es {
            indeg[v] += 1;
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    while let Some(u) = ready.pop_first() {
        order.push(u);
        for &v in &edges[u] {
            indeg[v] -= 1;
            if indeg[v] == 0 {
                ready.insert(v);
            }
        }
    }
    order
}

/// Most shocks a scenario may have: validation and the sampled timelines are linear in
/// shocks, and this many validate in well under a second (`docs/limits.md`).
pub const MAX_SHOCKS: usize = 10_000;
/// Most strategies a scenario may have (`docs/limits.md`).
pub const MAX_STRATEGIES: usize = 10_000;
/// Most materials a scenario may have (`docs/limits.md`).
pub const MAX_MATERIALS: usize = 10_000;

fn build_shocks(ctx: &mut Ctx, raw: &RawScenario, infos: &[Named]) -> (Vec<Shock>, Vec<usize>) {
    if raw.shock.len() > MAX_SHOCKS {
        ctx.push(
            "shock",
            format!(
                "{} shocks; at most {MAX_SHOCKS} are supported",
                raw.shock.len()
            ),
            Some("merge shocks that hit the same suppliers, or split the scenario".into()),
        );
        return (Vec::new(), Vec::new());
    }
    let ids: Vec<String> = raw
        .shock
        .iter()
        .enumerate()
        .map(|(i, s)| match &s.id {
            Some(id) => {
                ctx.id("shock", &s.id, "shock");
                id.clone()
            }
            None => {
                let p = format!("shock.#{}", i + 1);
                ctx.id(&p, &None, "shock");
                format!("#{}", i + 1)
            }
        })
        .collect();
    check_dups(ctx, "shock", &ids, "shock");
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut shocks = Vec::new();
    let mut edges = vec![Vec::new(); ids.len()];
    for (j, (s, id)) in raw.shock.iter().zip(&ids).enumerate() {
        let pre = format!("shock.{id}");
        let kind = parse_kind(ctx, &format!("{pre}.kind"), &s.kind);
        let (supply_targets, demand_targets) = resolve_targets(ctx, &pre, s, kind, infos);
        let onset = match &s.onset {
            None => Onset::NEVER,
            Some(o) => {
                let op = format!("{pre}.onset");
                match (o.rate_per_year, o.day) {
                    (Some(r), None) => {
                        if o.probability.is_some() {
                            ctx.push(
                                &format!("{op}.probability"),
                                "`probability` only applies to an onset on a fixed `day`",
                                Some("remove it, or lower `rate_per_year`".into()),
                            );
                        }
                        let rate = ctx.num(
                            &format!("{op}.rate_per_year"),
                            Some(r),
                            &onset::RATE_PER_YEAR,
                        );
                        ctx.built(&op, Onset::rate(rate)).unwrap_or(Onset::NEVER)
                    }
                    (None, Some(d)) => {
                        let day = ctx.whole(&format!("{op}.day"), Some(d), &onset::DAY);
                        let probability = ctx.num(
                            &format!("{op}.probability"),
                            o.probability,
                            &onset::PROBABILITY,
                        );
                        ctx.built(&op, Onset::day(day, probability))
                            .unwrap_or(Onset::NEVER)
                    }
                    (Some(_), Some(_)) => {
                        ctx.push(&op, "give either `rate_per_year` or `day`, not both", None);
                        Onset::NEVER
                    }
                    (None, None) => {
                        ctx.push(&op, "onset needs `rate_per_year` or `day`", Some("e.g. `onset = { rate_per_year = 0.1 }` or `onset = { day = 30, probability = 0.5 }`".into()));
                        Onset::NEVER
                    }
                }
            }
        };
        let duration = match &s.duration_days {
            Some(d) => ctx.dist(&format!("{pre}.duration_days"), d),
            None => {
                ctx.push(
                    &format!("{pre}.duration_days"),
                    "missing required field `duration_days`",
                    Some(
                        "add e.g. `duration_days = { lognormal = { median = 60, p90 = 240 } }`"
                            .into(),
                    ),
                );
                Dist::ONE
            }
        };
        let severity = match (&s.severity, kind) {
            (Some(d), _) => ctx.dist(&format!("{pre}.severity"), d),
            (None, Some(ShockKind::DemandSurge)) => {
                ctx.push(
                    &format!("{pre}.severity"),
                    "a `demand_surge` needs a `severity` (demand is multiplied by 1 + severity)",
                    Some("add e.g. `severity = 0.3` for +30%".into()),
                );
                Dist::ZERO
            }
            (None, Some(ShockKind::Logistics)) => Dist::ZERO,
            (None, _) => Dist::ONE,
        };
        let recovery = match &s.recovery_days {
            Some(d) => ctx.dist(&format!("{pre}.recovery_days"), d),
            None => Dist::ZERO,
        };
        let delay = match (&s.delay_days, kind) {
            (Some(d), Some(ShockKind::Logistics)) => {
                Some(ctx.dist(&format!("{pre}.delay_days"), d))
            }
            // Written for another kind: refused whatever its value.
            (Some(_), Some(_)) => Some(Dist::ZERO),
            _ => None,
        };
        let mut triggers = Vec::new();
        for (ti, t) in s.triggers.iter().enumerate() {
            let tname = t.shock.clone().unwrap_or_else(|| format!("#{}", ti + 1));
            let tp = format!("{pre}.triggers.{tname}");
            let Some(target) = &t.shock else {
                ctx.push(
                    &tp,
                    "trigger has no `shock`",
                    Some("add `shock = \"<id of the triggered shock>\"`".into()),
                );
                continue;
            };
            let probability = ctx.num(
                &format!("{tp}.probability"),
                t.probability,
                &trigger::PROBABILITY,
            );
            let lag_days = ctx.whole(&format!("{tp}.lag_days"), t.lag_days, &trigger::LAG_DAYS);
            match index.get(target.as_str()) {
                Some(&k) => {
                    edges[j].push(k);
                    let built = Trigger::new(k, probability, lag_days);
                    triggers.extend(ctx.built(&tp, built));
                }
                None => ctx.push(
                    &format!("{tp}.shock"),
                    format!("trigger names unknown shock `{target}`"),
                    Some(
                        did_you_mean(target, ids.iter().map(String::as_str)).unwrap_or_else(|| {
                            format!(
                                "shocks are {}",
                                list(&ids.iter().map(String::as_str).collect::<Vec<_>>())
                            )
                        }),
                    ),
                ),
            }
        }
        // The model's rules, each reported at its part's path; those that depend on the
        // kind wait for a known one (an unknown kind is already reported).
        let mut faults = ShockFault::find(
            kind.unwrap_or(ShockKind::Outage),
            &duration,
            &severity,
            &recovery,
            delay.as_ref(),
            &supply_targets,
            &demand_targets,
        );
        faults.retain(|f| kind.is_some() || !f.needs_kind());
        for f in &faults {
            ctx.push(
                &format!("{pre}.{}", f.field()),
                f.to_string(),
                fault_help(f),
            );
        }
        let Some(shock_id) = ctx.typed_id(&pre, id) else {
            continue; // an invalid id is already reported
        };
        let built = Shock::new(ShockParts {
            id: shock_id,
            label: s.label.clone().unwrap_or_else(|| id.clone()),
            kind: kind.unwrap_or(ShockKind::Outage),
            onset,
            duration,
            severity,
            recovery,
            delay,
            triggers,
            supply_targets,
            demand_targets,
        });
        // A refused shock leaves a problem in `ctx`, so no scenario is built.
        shocks.extend(ctx.built(&pre, built));
    }
    let mut triggered = vec![false; ids.len()];
    for &v in edges.iter().flatten() {
        triggered[v] = true;
    }
    for (j, id) in ids.iter().enumerate() {
        if raw.shock[j].onset.is_none() && !triggered[j] {
            ctx.push(&format!("shock.{id}"), format!("shock {id} has no onset and nothing triggers it"), Some("add `onset = { rate_per_year = ... }` or `onset = { day = ... }`, or trigger it from another shock".into()));
        }
    }
    if let Some(c) = find_cycle(&edges) {
        let names: Vec<&str> = c.iter().map(|&i| ids[i].as_str()).collect();
        ctx.push(
            &format!("shock.{}.triggers", names[0]),
            format!("trigger cycle {}", names.join(" → ")),
            Some("trigger graphs must be acyclic; remove one of these triggers".into()),
        );
    }
    let order = topo_order(&edges);
    (shocks, order)
}

/// What the strategies start from: the scenario's own materials and sectors.
struct Base<'a> {
    params: &'a [MaterialParams],
    keys: &'a BTreeSet<(String, String)>,
    mids: &'a [String],
    sectors: &'a Sectors,
    /// Per material: demand per year no sector claims.
    direct: &'a [f64],
}

fn build_strategies(ctx: &mut Ctx, raw: &RawScenario, base: &Base) -> Vec<Strategy> {
    let base_keys = base.keys;
    if raw.strategy.is_empty() {
        return vec![Strategy {
            id: "baseline".parse().expect("`baseline` is a valid id"),
            label: "Status quo".into(),
            short_label: "Status quo".into(),
            annual_cost: 0.0,
            overrides: vec![],
            materials: base.params.to_vec(),
            sectors: base.sectors.params.clone(),
            release_to_priority: None,
        }];
    }
    let ids: Vec<String> = raw
        .strategy
        .iter()
        .enumerate()
        .map(|(i, s)| match &s.id {
            Some(id) => {
                ctx.id("strategy", &s.id, "strategy");
                id.clone()
            }
            None => {
                ctx.id(&format!("strategy.#{}", i + 1), &None, "strategy");
                format!("#{}", i + 1)
            }
        })
        .collect();
    check_dups(ctx, "strategy", &ids, "strategy");
    let mut out = Vec::new();
    // Each strategy's variant is the scenario's materials with its `set` applied: clone
    // them without the strategies and shocks, which a variant does not read (cloning
    // the whole scenario per strategy made validation quadratic in strategies).
    let template = RawScenario {
        name: raw.name.clone(),
        description: raw.description.clone(),
        horizon_days: raw.horizon_days,
        replications: raw.replications,
        seed: raw.seed,
        currency: raw.currency.clone(),
        criterion: raw.criterion.clone(),
        max_annual_cost: raw.max_annual_cost,
        material: raw.material.clone(),
        shock: Vec::new(),
        strategy: Vec::new(),
        sector: raw.sector.clone(),
    };
    for (s, id) in raw.strategy.iter().zip(&ids) {
        let pre = format!("strategy.{id}");
        let annual_cost = ctx.num(
            &format!("{pre}.annual_cost"),
            s.annual_cost,
            &strategy::ANNUAL_COST,
        );
        let mut variant = template.clone();
        let mut ok_entries: Vec<&str> = Vec::new();
        for (path, value) in &s.set.0 {
            let loc = format!("{pre}.set.{path}");
            let err = if path == "shock" || path.starts_with("shock.") {
                Some((
                    "strategies cannot change shocks: every strategy faces the same futures"
                        .to_string(),
                    Some(format!("to vary `{path}`, run a sweep over it instead")),
                ))
            } else if !(path.starts_with("material.") || path.starts_with("sector.")) {
                Some((
                    "strategies may only change material and sector parameters \
                     (`material.<id>. ...`, `sector.<id>. ...`)"
                        .to_string(),
                    None,
                ))
            } else {
                apply_set(&mut variant, path, value)
                    .err()
                    .map(|e| (e.message, e.help))
            };
            match err {
                Some((m, h)) => ctx.found.push(Found {
                    problem: Problem {
                        path: pre.clone(),
                        message: format!("set \"{path}\" = {value}: {m}"),
                        help: h,
                        span: None,
                    },
                    locator: loc,
                }),
                None => ok_entries.push(path),
            }
        }
        let mut sub = Ctx::default();
        let release_to_priority = s.release_to_priority.map(|v| {
            ctx.whole(
                &format!("{pre}.release_to_priority"),
                Some(v),
                &strategy::RELEASE_TO_PRIORITY,
            )
        });
        let sectors = if raw.sector.is_empty() {
            Sectors::default()
        } else {
            let sectors = build_sectors(&mut sub, &variant, base.mids);
            // The sectors' use, changed by the strategy, moves the demand of what they
            // use by as much; the direct part stays (unless the strategy sets
            // `annual_demand` itself).
            for (m, id) in base.mids.iter().enumerate() {
                let used = sectors.use_per_year.get(m).copied().unwrap_or(0.0);
                let key = format!("material.{id}.annual_demand");
                if used > 0.0 && !s.set.0.iter().any(|(k, _)| *k == key) {
                    variant.material[m].annual_demand = Some(base.direct[m] + used);
                }
            }
            claim_demands(&mut sub, &mut variant, base.mids, &sectors);
            sectors
        };
        let (_, mut params) = build_materials(&mut sub, &variant);
        if params.len() == base.mids.len() {
            apply_release(&mut sub, &pre, release_to_priority, &sectors, &mut params);
        }
        for w in sub.warned {
            if base_keys.contains(&(w.problem.path.clone(), w.problem.message.clone())) {
                continue;
            }
            ctx.warned.push(Found {
                problem: Problem {
                    path: pre.clone(),
                    message: format!("{}: {}", w.problem.path, w.problem.message),
                    help: w.problem.help,
                    span: None,
                },
                locator: pre.clone(),
            });
        }
        for f in sub.found {
            if base_keys.contains(&(f.problem.path.clone(), f.problem.message.clone())) {
                continue;
            }
            let p = &f.problem.path;
            let entry = s
                .set
                .0
                .iter()
                .find(|(k, _)| {
                    p == k || p.starts_with(&format!("{k}.")) || k.starts_with(&format!("{p}."))
                })
                .or_else(|| {
                    s.set.0.iter().find(|(k, _)| {
                        let mat: Vec<&str> = k.splitn(3, '.').take(2).collect();
                        p.starts_with(&mat.join("."))
                    })
                })
                .or(s.set.0.first());
            let (msg, loc) = match entry {
                Some((k, v)) => {
                    let what = if p == k {
                        f.problem.message.clone()
                    } else {
                        format!("{p}: {}", f.problem.message)
                    };
                    (
                        format!("set \"{k}\" = {v}: {what}"),
                        format!("{pre}.set.{k}"),
                    )
                }
                None => (f.problem.message.clone(), pre.clone()),
            };
            ctx.found.push(Found {
                problem: Problem {
                    path: pre.clone(),
                    message: msg,
                    help: f.problem.help.clone(),
                    span: None,
                },
                locator: loc,
            });
        }
        let label = s.label.clone().unwrap_or_else(|| id.clone());
        let short_label = match &s.short_label {
            None => label.clone(),
            Some(t) => {
                let t = t.trim();
                if t.is_empty()
                    || t.chars().count() > MAX_SHORT_LABEL_CHARS
                    || t.chars().any(char::is_control)
                {
                    ctx.push(
                        &format!("{pre}.short_label"),
                        format!(
                            "`short_label` names the strategy where space is tight: 1 to \
                             {MAX_SHORT_LABEL_CHARS} characters, no control characters (got {})",
                            t.chars().count()
                        ),
                        Some("shorten it, e.g. `short_label = \"Stockpile 180 d\"`".into()),
                    );
                }
                t.to_string()
            }
        };
        let Some(strategy_id) = ctx.typed_id(&pre, id) else {
            continue; // an invalid id is already reported
        };
        out.push(Strategy {
            id: strategy_id,
            label,
            short_label,
            annual_cost,
            overrides: s
                .set
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            materials: params,
            sectors: sectors.params,
            release_to_priority,
        });
    }
    out
}

/// Validates a raw scenario; `src` is used to locate problems and `file_name` to name
/// them.
///
/// # Errors
/// Every problem found, located, in one [`ScenarioError`].
pub fn validate(
    raw: &RawScenario,
    file_name: &str,
    src: &str,
) -> Result<model::Scenario, ScenarioError> {
    let mut ctx = Ctx::default();
    let horizon = ctx.whole("horizon_days", raw.horizon_days, &top::HORIZON_DAYS);
    let replications = ctx.whole("replications", raw.replications, &top::REPLICATIONS);
    let mids = material_ids(raw);
    for (m, id) in raw.material.iter().zip(&mids) {
        if m.id.is_some() {
            ctx.id("material", &m.id, "material");
        } else {
            ctx.id(&format!("material.{id}"), &None, "material");
        }
    }
    check_dups(&mut ctx, "material", &mids, "material");
    if raw.material.is_empty() {
        ctx.push(
            "material",
            "the scenario has no materials",
            Some("add a `[[material]]` table with at least one `[[material.supplier]]`".into()),
        );
    }
    let sectors = build_sectors(&mut ctx, raw, &mids);
    let filled;
    let (base_raw, direct) = if raw.sector.is_empty() {
        (raw, vec![0.0; mids.len()])
    } else {
        let mut f = raw.clone();
        let direct = claim_demands(&mut ctx, &mut f, &mids, &sectors);
        filled = f;
        (&filled, direct)
    };
    let (infos, params) = build_materials(&mut ctx, base_raw);
    let base_keys: BTreeSet<(String, String)> = ctx
        .found
        .iter()
        .chain(&ctx.warned)
        .map(|f| (f.problem.path.clone(), f.problem.message.clone()))
        .collect();
    let currency = match &raw.currency {
        None => text_or_default(&None, &top::CURRENCY),
        Some(c) => {
            let c = c.trim();
            if c.is_empty()
                || c.chars().count() > MAX_CURRENCY_CHARS
                || c.chars().any(char::is_control)
            {
                ctx.push(
                    "currency",
                    format!(
                        "`currency` is the label of money amounts: 1 to {MAX_CURRENCY_CHARS} \
                         characters, no control characters"
                    ),
                    Some("write an ISO code such as `currency = \"JPY\"`".into()),
                );
            }
            c.to_string()
        }
    };
    let rank_by = match raw.criterion.as_deref() {
        None => model::RankBy::default(),
        Some(c) => match model::RankBy::ALL.iter().find(|r| r.as_str() == c) {
            Some(&r) => r,
            None => {
                let opts = model::RankBy::ALL.map(model::RankBy::as_str);
                ctx.push(
                    "criterion",
                    format!("unknown criterion `{c}`; expected one of {}", list(&opts)),
                    did_you_mean(c, opts),
                );
                model::RankBy::default()
            }
        },
    };
    let max_annual_cost = raw
        .max_annual_cost
        .map(|v| ctx.num("max_annual_cost", Some(v), &top::MAX_ANNUAL_COST));
    let (shocks, shock_order) = build_shocks(&mut ctx, raw, &infos);
    let strategies = build_strategies(
        &mut ctx,
        raw,
        &Base {
            params: &params,
            keys: &base_keys,
            mids: &mids,
            sectors: &sectors,
            direct: &direct,
        },
    );
    // Ids typed for the model; an invalid one is already reported.
    let materials: Vec<MaterialInfo> = infos
        .into_iter()
        .filter_map(|n| {
            let path = format!("material.{}", n.id);
            ctx.built(
                &path,
                n.info().map_err(|e| model::ParamError(e.to_string())),
            )
        })
        .collect();
    if !ctx.found.is_empty() {
        let root = toml::de::DeTable::parse_recoverable(src).0;
        let _ = &root;
        let problems = ctx
            .found
            .into_iter()
            .map(|f| {
                let mut p = f.problem;
                p.span = locate_param(src, &f.locator);
                p
            })
            .collect();
        return Err(ScenarioError::new(file_name, src, problems));
    }
    let reference = strategies
        .iter()
        .position(|s| s.id == "baseline")
        .unwrap_or(0);
    let warnings = ctx
        .warned
        .into_iter()
        .map(|f| {
            let span = locate_param(src, &f.locator);
            let location = match span {
                Some(sp) => {
                    let (l, c) = super::error::line_col(src, sp.start);
                    format!("{file_name}:{l}:{c}")
                }
                None => file_name.to_string(),
            };
            model::Warning {
                path: f.problem.path,
                location,
                message: f.problem.message,
                help: f.problem.help,
            }
        })
        .collect();
    model::Scenario::new(model::ScenarioParts {
        name: text_or_default(&raw.name, &top::NAME),
        description: text_or_default(&raw.description, &top::DESCRIPTION),
        horizon_days: horizon,
        replications,
        seed: raw
            .seed
            .unwrap_or(top::SEED.default_value().unwrap_or(0.0) as u64),
        materials,
        shocks,
        shock_order,
        sectors: sectors.infos,
        sector_order: sectors.order,
        strategies,
        reference,
        currency,
        criterion: model::Criterion {
            rank_by,
            max_annual_cost,
        },
        warnings,
    })
    // Every rule of `Scenario::new` was checked above, with locations.
    .map_err(|e| ScenarioError::new(file_name, src, vec![Problem::new("", e.0)]))
}

/// What the sectors of one (base or strategy) raw scenario give.
#[derive(Debug, Default)]
struct Sectors {
    infos: Vec<model::SectorInfo>,
    /// One per sector when every sector was built (else empty).
    params: Vec<model::SectorParams>,
    /// A topological order (inputs first).
    order: Vec<usize>,
    /// Per material: the sectors' use in units per year (0 when none uses it).
    use_per_year: Vec<f64>,
}

/// Relative tolerance on the sectors' use matching a material's `annual_demand` or a
/// sector's `annual_output` (rounding in files).
pub const USE_TOLERANCE: f64 = 1e-9;

/// Checks and builds the `[[sector]]` blocks: ids (unique among materials and sectors),
/// numbers, inputs that name a material or a sector, an acyclic bill of materials (the
/// cycle named), and no sector's output used beyond what it makes.
fn build_sectors(ctx: &mut Ctx, raw: &RawScenario, mids: &[String]) -> Sectors {
    use super::fields::sector as f;
    let ids: Vec<String> = raw
        .sector
        .iter()
        .enumerate()
        .map(|(i, k)| k.id.clone().unwrap_or_else(|| format!("#{}", i + 1)))
        .collect();
    for (k, id) in raw.sector.iter().zip(&ids) {
        if k.id.is_some() {
            ctx.id("sector", &k.id, "sector");
        } else {
            ctx.id(&format!("sector.{id}"), &None, "sector");
        }
        if mids.contains(id) {
            ctx.push(
                &format!("sector.{id}.id"),
                format!("sector id `{id}` is also a material id"),
                Some("a `uses` key names a material or a sector: rename the sector".into()),
            );
        }
    }
    check_dups(ctx, "sector", &ids, "sector");
    let n = raw.sector.len();
    let mut out = Sectors {
        use_per_year: vec![0.0; mids.len()],
        ..Sectors::default()
    };
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut built = Vec::new();
    let mut outputs = vec![0.0; n];
    let mut all_ok = true;
    for (j, (k, id)) in raw.sector.iter().zip(&ids).enumerate() {
        let pre = format!("sector.{id}");
        let p = |name: &str| format!("{pre}.{name}");
        // An invalid id is already reported (and leaves no scenario).
        if let Some(sector_id) = ctx.typed_id(&pre, id) {
            out.infos.push(model::SectorInfo {
                id: sector_id,
                name: k.name.clone().unwrap_or_else(|| id.clone()),
                unit: text_or_default(&k.unit, &f::UNIT),
            });
        }
        let found_before = ctx.found.len();
        let annual_output = ctx.num(&p("annual_output"), k.annual_output, &f::ANNUAL_OUTPUT);
        outputs[j] = annual_output;
        let value_added = ctx.num(&p("value_added"), k.value_added, &f::VALUE_ADDED);
        let buffer_days = ctx.num(&p("buffer_days"), k.buffer_days, &f::BUFFER_DAYS);
        let refill_rate = ctx.num(&p("refill_rate"), k.refill_rate, &f::REFILL_RATE);
        let priority = ctx.whole(&p("priority"), k.priority, &f::PRIORITY);
        let mut uses = Vec::new();
        match &k.uses {
            None => ctx.push(
                &p("uses"),
                "missing required field `uses`",
                Some("add `uses = { <material or sector id> = amount per unit of output }`".into()),
            ),
            Some(map) if map.is_empty() => ctx.push(
                &p("uses"),
                "`uses` lists no input",
                Some("add `<material or sector id> = amount per unit of output`".into()),
            ),
            Some(map) => {
                for (input, &u) in map {
                    let path = format!("{pre}.uses.{input}");
                    let resolved = if let Some(m) = mids.iter().position(|x| x == input) {
                        Some(model::Input::Material(m))
                    } else if let Some(s) = ids.iter().position(|x| x == input) {
                        edges[s].push(j);
                        Some(model::Input::Sector(s))
                    } else {
                        let cands = mids.iter().chain(&ids).map(String::as_str);
                        let dym = did_you_mean(input, cands.clone())
                            .map(|d| format!("{d} "))
                            .unwrap_or_default();
                        let known: Vec<&str> = cands.collect();
                        ctx.push(
                            &path,
                            format!("unknown input `{input}`: no material or sector has this id"),
                            Some(format!("{dym}inputs: {}", list(&known))),
                        );
                        None
                    };
                    let spec = FieldSpec {
                        kind: super::fields::Kind::Number(super::fields::Num::Multiple),
                        ..f::USES
                    };
                    let u = ctx.num(&path, Some(u), &spec);
                    if let Some(r) = resolved {
                        uses.push((r, u));
                    }
                }
            }
        }
        if ctx.found.len() > found_before {
            all_ok = false;
            continue;
        }
        for &(input, u) in &uses {
            if let model::Input::Material(m) = input {
                out.use_per_year[m] += u * annual_output;
            }
        }
        match ctx.built(
            &pre,
            model::SectorParams::new(
                annual_output,
                value_added,
                buffer_days,
                refill_rate,
                priority,
                uses,
            ),
        ) {
            Some(b) => built.push(b),
            None => all_ok = false,
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let names: Vec<String> = cycle.iter().map(|&i| format!("`{}`", ids[i])).collect();
        // Edges run input → user, so the cycle reads in the direction output flows.
        ctx.push(
            &format!("sector.{}.uses", ids[cycle[1 % cycle.len()]]),
            format!(
                "the sectors' bill of materials has a cycle: {} (each feeds the next)",
                names.join(" → ")
            ),
            Some("a sector cannot use, directly or through others, its own output".into()),
        );
        return out;
    }
    out.order = topo_order(&edges);
    if all_ok && built.len() == n {
        // Output used downstream, per sector.
        let mut used = vec![0.0; n];
        for b in &built {
            for &(input, u) in b.uses() {
                if let model::Input::Sector(s) = input {
                    used[s] += u * b.annual_output();
                }
            }
        }
        for (s, id) in ids.iter().enumerate() {
            if used[s] > outputs[s] * (1.0 + USE_TOLERANCE) {
                ctx.push(
                    &format!("sector.{id}.annual_output"),
                    format!(
                        "the sectors using `{id}` need {} {}/year of it, {} more than its \
                         `annual_output` = {}",
                        numfmt::rounded9(used[s]),
                        text_or_default(&raw.sector[s].unit, &f::UNIT),
                        numfmt::rounded9(used[s] - outputs[s]),
                        numfmt::rounded9(outputs[s])
                    ),
                    Some(format!(
                        "raise `annual_output` to at least {}, or lower what its users' \
                         `uses` take of it",
                        numfmt::rounded9(used[s])
                    )),
                );
            }
        }
        out.params = built;
    }
    out
}

/// Fills in the `annual_demand` of every material the sectors use: the sectors' use
/// when it is left out (`direct` is then 0), else checked to be at least that use
/// (a located error says by how much). Returns each material's direct demand per year
/// (what no sector claims).
fn claim_demands(
    ctx: &mut Ctx,
    raw: &mut RawScenario,
    mids: &[String],
    sectors: &Sectors,
) -> Vec<f64> {
    let mut direct = vec![0.0; mids.len()];
    for (m, (mat, id)) in raw.material.iter_mut().zip(mids).enumerate() {
        let used = sectors.use_per_year.get(m).copied().unwrap_or(0.0);
        if used <= 0.0 {
            continue;
        }
        let unit = mat.unit.clone().unwrap_or_else(|| "units".into());
        match mat.annual_demand {
            None => mat.annual_demand = Some(used),
            Some(a) if a.is_finite() && used > a * (1.0 + USE_TOLERANCE) => ctx.push(
                &format!("material.{id}.annual_demand"),
                format!(
                    "the sectors use {} {unit}/year of `{id}`, {} more than its \
                     `annual_demand` = {}",
                    numfmt::rounded9(used),
                    numfmt::rounded9(used - a),
                    numfmt::rounded9(a)
                ),
                Some(format!(
                    "set `annual_demand = {}` (or leave it out to take the sectors' use), or \
                     lower the sectors' `uses` or `annual_output`",
                    numfmt::rounded9(used)
                )),
            ),
            Some(a) if a.is_finite() => {
                direct[m] = (a - used).max(0.0);
                let share = direct[m] / a;
                if share > USE_TOLERANCE && share < 0.02 {
                    ctx.warn(
                        &format!("material.{id}.annual_demand"),
                        format!(
                            "the sectors use {} of `annual_demand`; the other {} {unit}/year \
                             are direct demand (valued at `shortage_cost`)",
                            numfmt::fraction_pct(1.0 - share),
                            numfmt::rounded9(direct[m])
                        ),
                        Some(
                            "if the sectors are meant to use all of it, make `annual_demand` \
                             their use (or leave it out)"
                                .into(),
                        ),
                    );
                }
            }
            Some(_) => {} // reported by the material's own check
        }
    }
    direct
}

/// Per sector, the share of its output that ends up in sectors of priority at most `k`
/// (`docs/model.md`, `release_to_priority`): 1 for such a sector; for another, the sum
/// over the sectors using it of their claim on its output (`uses × y_user / y`) times
/// their own share, so an intermediate sector counts for what its admitted users take.
/// `order` is the sectors' topological order (inputs first); it is walked backwards, so
/// a sector's users are done before it.
fn admitted_shares(sectors: &[model::SectorParams], order: &[usize], k: u32) -> Vec<f64> {
    let mut admitted = vec![0.0; sectors.len()];
    // Without every sector built (an error is reported) there is nothing to walk.
    for &j in order.iter().rev().filter(|&&j| j < sectors.len()) {
        admitted[j] = if sectors[j].priority() <= k {
            1.0
        } else {
            let y = sectors[j].daily_output();
            let mut share = 0.0;
            for (u, user) in sectors.iter().enumerate() {
                for &(input, a) in user.uses() {
                    if input == model::Input::Sector(j) && y > 0.0 {
                        share += a * user.daily_output() / y * admitted[u];
                    }
                }
            }
            share.min(1.0)
        };
    }
    admitted
}

/// The share of each day's demand for material `m` that ends up in sectors of priority
/// at most `k` (directly, or through the sectors using the direct users: `admitted`, from
/// [`admitted_shares`]); they are served first.
fn release_share(
    sectors: &[model::SectorParams],
    admitted: &[f64],
    m: usize,
    daily_demand: f64,
) -> f64 {
    let mut claimed = 0.0;
    for (s, a) in sectors.iter().zip(admitted) {
        for &(input, u) in s.uses() {
            if input == model::Input::Material(m) {
                claimed += u * s.daily_output() * a;
            }
        }
    }
    (claimed / daily_demand).clamp(0.0, 1.0)
}

/// Applies a strategy's `release_to_priority` to its materials: each material a sector
/// uses releases its stockpile only to the sectors admitted.
fn apply_release(
    ctx: &mut Ctx,
    path: &str,
    k: Option<u32>,
    sectors: &Sectors,
    params: &mut [MaterialParams],
) {
    let Some(k) = k else { return };
    let admitted = admitted_shares(&sectors.params, &sectors.order, k);
    let used = &sectors.use_per_year;
    for (m, p) in params.iter_mut().enumerate() {
        if used.get(m).copied().unwrap_or(0.0) <= 0.0 {
            continue;
        }
        let share = release_share(&sectors.params, &admitted, m, p.daily_demand());
        if let Some(q) = ctx.built(path, p.with_release_share(share)) {
            *p = q;
        }
    }
}
