//! The time-to-survive view (Simchi-Levi's TTS/TTR): for each supplier, country and
//! route, lose it entirely from day 0 and measure how long stocks and the other
//! suppliers' surge keep demand served.
//!
//! Deterministic and fast: each case is one replication of a modified scenario with one
//! synthetic supply-loss shock (severity 1, from day 0, lasting beyond the horizon) on
//! every supplier of the entity, no other shock, and `demand_cv = 0`; the strategy's
//! stocks, surge, substitution and reaction act as usual.
//!
//! - **TTS** (time to survive): days from day 0 to the first shortfall, from a run long
//!   enough to see it (`max(TTR, 2 × (longest lead time + private days + stockpile
//!   days) + 60)` days). `None` when no shortfall comes within that horizon (the other
//!   suppliers' surge covers the loss).
//! - **TTR** (time to recover): `--ttr` when given; otherwise the median over the
//!   scenario's supply shocks that cut or delay supply from the entity (any of its
//!   suppliers, severity or delay median above 0) of `ceil(median duration) + ceil(median recovery)`;
//!   `None` when no shock does.
//! - **Shortfall over TTR**: units and percent of demand, from a run of exactly TTR days.
//! - **At risk**: TTS < TTR (a shortfall before the entity is back).
//!
//! With one supplier, lead time `L`, private stock `P` days and stockpile `S` days
//! (release rate 1), TTS = `L + P + S` (MODEL.md §8).

use super::{ExploreError, Source, select_strategies};
use crate::model::{
    Dist, MaterialId, MaterialValues, Onset, Scenario, Shock, ShockKind, ShockParts, SupplierId,
};
use crate::scenario::Document;
use crate::sim::{self, Metric, NoProgress, RunOptions};
use serde::Serialize;

/// A validated exposure question: the scenario restricted to one strategy, and the TTR
/// to use for every entity, if given.
#[derive(Debug, Clone)]
pub struct ExposureProblem {
    /// Id of the strategy whose stocks and suppliers are used.
    pub strategy: String,
    /// Time to recover for every entity, in days (default: from the scenario's shocks).
    pub ttr: Option<f64>,
    /// Where the scenario came from.
    pub source: Source,
    scn: Scenario,
}

impl ExposureProblem {
    /// Checks the scenario, `ttr` (days in 0..=1,000,000) and `strategy` (default: the
    /// reference strategy), in this order.
    ///
    /// # Errors
    /// The first problem found, saying what to change.
    pub fn new(
        doc: &Document,
        strategy: Option<&str>,
        ttr: Option<f64>,
        source: Source,
    ) -> Result<ExposureProblem, ExploreError> {
        let full = doc.validate()?;
        if let Some(t) = ttr
            && !(t >= 0.0 && t.is_finite() && t <= 1e6)
        {
            return Err(ExploreError::Spec(format!(
                "--ttr {t} must be a number of days between 0 and 1000000"
            )));
        }
        let strategy = strategy.map_or_else(
            || full.strategies()[full.reference()].id.to_string(),
            str::to_string,
        );
        let scn = select_strategies(&full, std::slice::from_ref(&strategy))?;
        Ok(ExposureProblem {
            strategy,
            ttr,
            source,
            scn,
        })
    }

    /// The scenario, restricted to the strategy.
    pub fn scenario(&self) -> &Scenario {
        &self.scn
    }
}

/// The exposure table of `problem` ([`exposure`]): deterministic, one short run per
/// entity, no progress to report.
pub fn run(problem: &ExposureProblem) -> Vec<ExposureRow> {
    exposure(&problem.scn, problem.ttr)
}

/// Seed of the stream a median without a closed form (PERT, gamma, beta) is estimated
/// from; each median starts the stream afresh, so a distribution always gives one value.
const MEDIAN_SEED: u64 = 0x6d65_6469_616e;
/// Draws for such a median (odd, so the middle one is the sample median; its error is
/// about 1% of the spread at the median).
const MEDIAN_DRAWS: usize = 20_001;

/// The median of `d` ([`Dist::median`] on a fresh [`MEDIAN_SEED`] stream).
fn median(d: &Dist) -> f64 {
    use rand::SeedableRng;
    d.median(
        &mut rand::rngs::ChaCha8Rng::seed_from_u64(MEDIAN_SEED),
        MEDIAN_DRAWS,
    )
}

/// What is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// One supplier of one material (`material.supplier`).
    Supplier,
    /// Every supplier in a country.
    Country,
    /// Every supplier whose flow passes a route.
    Route,
}

impl EntityKind {
    /// Name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Supplier => "supplier",
            EntityKind::Country => "country",
            EntityKind::Route => "route",
        }
    }
}

/// What is lost, typed by its kind: one supplier of one material, every supplier in a
/// country, or every supplier on a route. Written (its `Display`, padded like a string,
/// and in `exposure.csv` and `exposure.json`) `material.supplier`, the country code, or
/// the route name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityId {
    /// One supplier of one material.
    Supplier(MaterialId, SupplierId),
    /// A supplier country, as written in the scenario.
    Country(String),
    /// A route, as written in the scenario.
    Route(String),
}

impl EntityId {
    /// Its kind.
    pub fn kind(&self) -> EntityKind {
        match self {
            EntityId::Supplier(..) => EntityKind::Supplier,
            EntityId::Country(_) => EntityKind::Country,
            EntityId::Route(_) => EntityKind::Route,
        }
    }
}

impl std::fmt::Display for EntityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntityId::Supplier(m, s) => f.pad(&format!("{m}.{s}")),
            EntityId::Country(c) => f.pad(c),
            EntityId::Route(r) => f.pad(r),
        }
    }
}

impl Serialize for EntityId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One row of `exposure.csv`: one entity and one material it supplies.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureRow {
    /// Rank (1 = most exposed; see [`exposure`]).
    pub rank: usize,
    /// Kind of entity.
    pub kind: EntityKind,
    /// Entity: `material.supplier`, a country code, or a route name.
    pub entity: EntityId,
    /// Material id.
    pub material: MaterialId,
    /// Suppliers of the material lost with the entity.
    pub suppliers_lost: Vec<SupplierId>,
    /// Their baseline share of the material's supply (under the strategy).
    pub share_lost: f64,
    /// Time to survive in days; `None` when no shortfall comes within `tts_horizon`.
    pub tts_days: Option<f64>,
    /// Days simulated to find TTS.
    pub tts_horizon: u32,
    /// Time to recover in days; `None` when neither `--ttr` nor a shock gives one.
    pub ttr_days: Option<f64>,
    /// Where TTR comes from.
    pub ttr_source: String,
    /// Shortfall over the TTR, in units.
    pub shortfall_units: Option<f64>,
    /// Shortfall over the TTR, in percent of demand over the TTR.
    pub shortfall_pct: Option<f64>,
    /// Whether TTS < TTR; `None` without a TTR.
    pub at_risk: Option<bool>,
    /// `TTR − TTS` (days of cover missing) when at risk.
    pub gap_days: Option<f64>,
}

/// An entity and the `(material, supplier)` pairs it stands for.
struct Entity {
    id: EntityId,
    targets: Vec<(usize, usize)>,
}

fn entities(scn: &Scenario) -> Vec<Entity> {
    let mut out = Vec::new();
    for (m, mat) in scn.materials().iter().enumerate() {
        for (i, s) in mat.suppliers.iter().enumerate() {
            out.push(Entity {
                id: EntityId::Supplier(mat.id.clone(), s.id.clone()),
                targets: vec![(m, i)],
            });
        }
    }
    let mut countries: Vec<String> = Vec::new();
    let mut routes: Vec<String> = Vec::new();
    for mat in scn.materials() {
        for s in &mat.suppliers {
            if !countries.contains(&s.country) {
                countries.push(s.country.clone());
            }
            for r in &s.routes {
                if !routes.contains(r) {
                    routes.push(r.clone());
                }
            }
        }
    }
    let pairs = |pred: &dyn Fn(&crate::model::SupplierInfo) -> bool| -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for (m, mat) in scn.materials().iter().enumerate() {
            for (i, s) in mat.suppliers.iter().enumerate() {
                if pred(s) {
                    v.push((m, i));
                }
            }
        }
        v
    };
    for c in countries {
        out.push(Entity {
            targets: pairs(&|s| s.country == c),
            id: EntityId::Country(c),
        });
    }
    for r in routes {
        out.push(Entity {
            targets: pairs(&|s| s.routes.contains(&r)),
            id: EntityId::Route(r),
        });
    }
    out
}

/// TTR from the scenario's shocks that cut supply from `targets`, and its source.
fn ttr_from_shocks(scn: &Scenario, targets: &[(usize, usize)]) -> (Option<f64>, String) {
    let mut vals = Vec::new();
    let mut ids = Vec::new();
    for sh in scn.shocks() {
        // A delay-only logistics shock disrupts supply too (MODEL.md §3, v1.1).
        if sh.kind().is_supply()
            && (median(sh.severity()) > 0.0 || median(sh.delay()) > 0.0)
            && sh.supply_targets().iter().any(|t| targets.contains(t))
        {
            vals.push(
                median(sh.duration()).ceil().max(1.0) + median(sh.recovery()).ceil().max(0.0),
            );
            ids.push(sh.id());
        }
    }
    if vals.is_empty() {
        return (None, "none: no shock of the scenario targets it".into());
    }
    vals.sort_by(f64::total_cmp);
    let n = vals.len();
    let med = if n % 2 == 1 {
        vals[n / 2]
    } else {
        0.5 * (vals[n / 2 - 1] + vals[n / 2])
    };
    let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    (Some(med), format!("median of shocks {}", ids.join(", ")))
}

/// `scn` (first strategy only) with one total, permanent loss of `targets` from day 0,
/// no other shock, no demand noise, and `horizon` days.
fn lost(scn: &Scenario, targets: &[(usize, usize)], horizon: u32) -> Scenario {
    let mut s = scn.clone().into_parts();
    s.strategies.truncate(1);
    s.reference = 0;
    for p in &mut s.strategies[0].materials {
        let v = MaterialValues {
            demand_cv: 0.0,
            ..p.values()
        };
        *p = p.with_values(v).expect("a demand_cv of 0 is always valid");
    }
    s.horizon_days = horizon.max(1);
    let loss = Shock::new(ShockParts {
        id: "exposure_loss".parse().expect("a valid id"),
        label: "Total loss from day 0".into(),
        kind: ShockKind::Outage,
        onset: Onset::day(0, 1.0).expect("a probability of 1 is valid"),
        duration: Dist::fixed(f64::from(horizon) + 1.0).expect("a whole horizon is finite"),
        severity: Dist::ONE,
        recovery: Dist::ZERO,
        delay: None,
        triggers: vec![],
        supply_targets: targets.to_vec(),
        demand_targets: vec![],
    })
    .expect("a total outage with a non-negative duration is a valid shock");
    s.shocks = vec![loss];
    s.shock_order = vec![0];
    Scenario::new(s).expect("the first strategy of a valid scenario, with one shock, is valid")
}

fn run_one(scn: &Scenario) -> sim::RunResult {
    let opts = RunOptions {
        seed: scn.seed(),
        replications: 0..1,
        daily: false,
        daily_replications: 0,
    };
    sim::run(scn, &opts, &NoProgress)
}

/// The exposure table of `scn` under its first strategy (restrict it with
/// [`super::select_strategies`] first), with `ttr` days for every entity when given.
///
/// Ranked: rows at risk first (largest shortfall over TTR, then shortest TTS), then
/// the rest by shortest TTS (no shortfall last), ties in entity order.
pub fn exposure(scn: &Scenario, ttr: Option<f64>) -> Vec<ExposureRow> {
    let strat = &scn.strategies()[0];
    let mut rows = Vec::new();
    for e in entities(scn) {
        let mut mats: Vec<usize> = e.targets.iter().map(|t| t.0).collect();
        mats.dedup();
        let (ttr_days, ttr_source) = match ttr {
            Some(t) => (Some(t), "--ttr".to_string()),
            None => ttr_from_shocks(scn, &e.targets),
        };
        let cover = mats
            .iter()
            .map(|&m| {
                let p = &strat.materials[m];
                let lead = p
                    .suppliers()
                    .iter()
                    .map(|s| s.lead_time_days())
                    .max()
                    .unwrap_or(1);
                f64::from(lead) + p.private_days() + p.stockpile_days()
            })
            .fold(0.0, f64::max);
        let tts_horizon = (ttr_days.unwrap_or(0.0))
            .max(2.0 * cover + 60.0)
            .ceil()
            .min(f64::from(u32::MAX / 2)) as u32;
        let long = run_one(&lost(scn, &e.targets, tts_horizon));
        let short = ttr_days
            .filter(|&t| t >= 1.0)
            .map(|t| run_one(&lost(scn, &e.targets, t.ceil() as u32)));
        for m in mats {
            let sups: Vec<usize> = e.targets.iter().filter(|t| t.0 == m).map(|t| t.1).collect();
            let share_lost: f64 = sups
                .iter()
                .map(|&i| strat.materials[m].suppliers()[i].share())
                .sum();
            let tts = long.row(0, 0, m).value(Metric::TtsDays);
            let (su, sp) = match (&short, ttr_days) {
                (Some(r), _) => (
                    r.row(0, 0, m).value(Metric::ShortfallUnits),
                    r.row(0, 0, m).value(Metric::ShortfallPct),
                ),
                (None, Some(_)) => (Some(0.0), Some(0.0)),
                (None, None) => (None, None),
            };
            let at_risk = ttr_days.map(|t| tts.is_some_and(|s| s < t));
            rows.push(ExposureRow {
                rank: 0,
                kind: e.id.kind(),
                entity: e.id.clone(),
                material: scn.materials()[m].id.clone(),
                suppliers_lost: sups
                    .iter()
                    .map(|&i| scn.materials()[m].suppliers[i].id.clone())
                    .collect(),
                share_lost,
                tts_days: tts,
                tts_horizon,
                ttr_days,
                ttr_source: ttr_source.clone(),
                shortfall_units: su,
                shortfall_pct: sp,
                at_risk,
                gap_days: match (at_risk, ttr_days, tts) {
                    (Some(true), Some(t), Some(s)) => Some(t - s),
                    _ => None,
                },
            });
        }
    }
    rows.sort_by(|a, b| {
        let risk = |r: &ExposureRow| r.at_risk != Some(true);
        risk(a)
            .cmp(&risk(b))
            .then(
                b.shortfall_pct
                    .unwrap_or(0.0)
                    .total_cmp(&a.shortfall_pct.unwrap_or(0.0)),
            )
            .then(
                a.tts_days
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.tts_days.unwrap_or(f64::INFINITY)),
            )
    });
    for (k, r) in rows.iter_mut().enumerate() {
        r.rank = k + 1;
    }
    rows
}
