//! The summary of a run (MODEL.md §5): statistics of every metric per strategy and
//! material, totals over materials, autonomy, and paired comparisons with the reference.
//!
//! [`Summary`] is serialisable both ways so that a later command can re-read
//! `summary.json`. Maps are [`NamedMap`]s in metric order, so the JSON is byte-stable.

use super::named::NamedMap;
use super::paired::Paired;
use super::sample::Stats;
use crate::model::{MaterialId, Scenario, SectorId, StrategyId, SubjectId};
use crate::sim::{Block, Metric, Replications, SectorMetric};
use rayon::prelude::*;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How the totals are named in outputs: the pseudo-material of tidy CSV rows and the key
/// prefix in `vs_reference` ([`crate::model::SubjectId::Total`] as written).
pub const TOTAL: &str = crate::model::TOTAL_ID;

/// Metrics of a strategy summed over its materials, per replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TotalMetric {
    /// Sum of the materials' `total_cost`, plus the sectors' `value_added_lost` when the
    /// scenario has sectors, plus [`TotalMetric::StrategyCost`].
    TotalCost,
    /// Sum of the materials' `shortage_cost`.
    ShortageCost,
    /// Sum of the materials' `holding_cost`.
    HoldingCost,
    /// Sum of the materials' `procurement_cost`.
    ProcurementCost,
    /// Sum of the materials' `substitution_cost`.
    SubstitutionCost,
    /// Sum of the materials' `shortfall_units` (mixing units when materials differ).
    ShortfallUnits,
    /// The strategy's fixed cost over the horizon: `annual_cost * horizon_days / 365`
    /// (the same in every replication).
    StrategyCost,
}

/// Number of total metrics.
pub const N_TOTAL: usize = 7;

impl TotalMetric {
    /// All total metrics, in output order.
    pub const ALL: [TotalMetric; N_TOTAL] = [
        TotalMetric::TotalCost,
        TotalMetric::ShortageCost,
        TotalMetric::HoldingCost,
        TotalMetric::ProcurementCost,
        TotalMetric::SubstitutionCost,
        TotalMetric::ShortfallUnits,
        TotalMetric::StrategyCost,
    ];

    /// Name in output files (the same as the per-material metric it sums, where there is
    /// one).
    pub fn name(self) -> &'static str {
        match self {
            TotalMetric::TotalCost => "total_cost",
            TotalMetric::ShortageCost => "shortage_cost",
            TotalMetric::HoldingCost => "holding_cost",
            TotalMetric::ProcurementCost => "procurement_cost",
            TotalMetric::SubstitutionCost => "substitution_cost",
            TotalMetric::ShortfallUnits => "shortfall_units",
            TotalMetric::StrategyCost => "strategy_cost",
        }
    }

    /// What this total adds up: a per-material metric, or the strategy's fixed cost.
    pub fn measure(self) -> super::Measure {
        match self.material_metric() {
            Some(m) => super::Measure::Metric(m),
            None => super::Measure::StrategyCost,
        }
    }

    /// The per-material metric this one sums, if any.
    pub fn material_metric(self) -> Option<Metric> {
        match self {
            TotalMetric::TotalCost => Some(Metric::TotalCost),
            TotalMetric::ShortageCost => Some(Metric::ShortageCost),
            TotalMetric::HoldingCost => Some(Metric::HoldingCost),
            TotalMetric::ProcurementCost => Some(Metric::ProcurementCost),
            TotalMetric::SubstitutionCost => Some(Metric::SubstitutionCost),
            TotalMetric::ShortfallUnits => Some(Metric::ShortfallUnits),
            TotalMetric::StrategyCost => None,
        }
    }
}

/// Recovery thresholds, in days, of the unconditional tail shares
/// ([`recovery_over_column`]).
pub const RECOVERY_THRESHOLDS: [u32; 3] = [30, 90, 180];

/// Name of the share of futures whose recovery exceeds `days`:
/// `recovery_over_<days>_days`.
pub fn recovery_over_name(days: u32) -> String {
    format!("recovery_over_{days}_days")
}

/// Per replication, 1 when material `m` under strategy `s` had a recovery longer than
/// `days`, else 0 (also when it had no shortfall, so recovery is absent): the mean is
/// the unconditional share of futures with such a recovery (MODEL.md §5, v1.1).
///
/// # Errors
/// When the replications cannot be read.
pub fn recovery_over_column<R: Replications + ?Sized>(
    res: &R,
    s: usize,
    m: usize,
    days: u32,
) -> Result<Vec<f64>, R::Error> {
    let mut col = res.column(s, m, Metric::RecoveryDays)?;
    for v in &mut col {
        *v = if *v > f64::from(days) { 1.0 } else { 0.0 };
    }
    Ok(col)
}

/// Fixed cost of strategy `s` over the horizon: `annual_cost * horizon_days / 365`.
pub fn strategy_cost(scn: &Scenario, s: usize) -> f64 {
    scn.strategies()[s].annual_cost * f64::from(scn.horizon_days()) / 365.0
}

/// Values of `metric` for strategy `s` and material `m`, one per replication in
/// replication order (`NaN` = absent).
///
/// # Errors
/// When the replications cannot be read.
pub fn metric_column<R: Replications + ?Sized>(
    res: &R,
    s: usize,
    m: usize,
    metric: Metric,
) -> Result<Vec<f64>, R::Error> {
    res.column(s, m, metric)
}

/// Value of a total metric for replication `r` of `block` and strategy `s`: summed
/// sequentially over materials in material order (`0.0 + x₀ + x₁ + …`); `total_cost`
/// then adds [`strategy_cost`] last. The one definition behind [`total_column`] and the
/// `strategy_total_cost` column of `replications.csv`.
pub fn total_value(scn: &Scenario, block: &Block, r: usize, s: usize, metric: TotalMetric) -> f64 {
    let fixed = strategy_cost(scn, s);
    match metric.material_metric() {
        None => fixed,
        Some(mm) => {
            let mut sum = 0.0;
            for m in 0..scn.materials().len() {
                sum += block.column(s, m, mm)[r];
            }
            if metric == TotalMetric::TotalCost {
                // The sector layer: claimed demand costs the value added it loses.
                let nm = scn.materials().len();
                for k in 0..scn.sectors().len() {
                    sum += block.column(s, nm + k, SectorMetric::ValueAddedLost.column())[r];
                }
                sum += fixed;
            }
            sum
        }
    }
}

/// Values of a total metric for strategy `s`, one per replication in replication order:
/// the bits of [`total_value`] (material columns added one after the other, in material
/// order, to a column of zeros; `total_cost` then adds [`strategy_cost`]). Holds two
/// columns at a time.
///
/// # Errors
/// When the replications cannot be read.
pub fn total_column<R: Replications + ?Sized>(
    scn: &Scenario,
    res: &R,
    s: usize,
    metric: TotalMetric,
) -> Result<Vec<f64>, R::Error> {
    let shape = res.shape();
    let n = shape.replications as usize;
    let fixed = strategy_cost(scn, s);
    let Some(mm) = metric.material_metric() else {
        return Ok(vec![fixed; n]);
    };
    let mut sum = vec![0.0; n];
    for m in 0..scn.materials().len() {
        let col = res.column(s, m, mm)?;
        for (acc, x) in sum.iter_mut().zip(col) {
            *acc += x;
        }
    }
    if metric == TotalMetric::TotalCost {
        let nm = scn.materials().len();
        for k in 0..scn.sectors().len() {
            let col = res.column(s, nm + k, SectorMetric::ValueAddedLost.column())?;
            for (acc, x) in sum.iter_mut().zip(col) {
                *acc += x;
            }
        }
        for acc in &mut sum {
            *acc += fixed;
        }
    }
    Ok(sum)
}

/// Share of `n` replications for which `no_shortfall` holds; `None` without
/// replications.
fn share_of(n: usize, no_shortfall: impl Iterator<Item = bool>) -> Option<f64> {
    (n > 0).then(|| no_shortfall.filter(|&ok| ok).count() as f64 / n as f64)
}

/// Autonomy of material `m` under strategy `s`: the share of replications with no
/// shortfall day (`days_short == 0`).
///
/// # Errors
/// When the replications cannot be read.
pub fn autonomy<R: Replications + ?Sized>(
    res: &R,
    s: usize,
    m: usize,
) -> Result<Option<f64>, R::Error> {
    let days = res.column(s, m, Metric::DaysShort)?;
    // `had_shortfall` is `days_short > 0`.
    Ok(share_of(days.len(), days.iter().map(|&d| !(d > 0.0))))
}

/// Overall autonomy of strategy `s`: the share of replications with no shortfall day in
/// any of the first `n_materials` subjects (the materials; sectors come after them).
///
/// # Errors
/// When the replications cannot be read.
pub fn overall_autonomy<R: Replications + ?Sized>(
    res: &R,
    s: usize,
    n_materials: usize,
) -> Result<Option<f64>, R::Error> {
    let shape = res.shape();
    let mut ok = vec![true; shape.replications as usize];
    for m in 0..n_materials {
        let days = res.column(s, m, Metric::DaysShort)?;
        for (o, d) in ok.iter_mut().zip(days) {
            *o &= !(d > 0.0);
        }
    }
    Ok(share_of(ok.len(), ok.into_iter()))
}

/// Summary of a whole run: the content of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Number of replications summarised.
    pub replications: u64,
    /// Seed of the run.
    pub seed: u64,
    /// Horizon in days.
    pub horizon_days: u32,
    /// Currency of every money amount (the scenario's `currency`).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Id of the reference strategy of the paired comparisons.
    pub reference: StrategyId,
    /// One entry per strategy, in scenario order.
    pub strategies: Vec<StrategySummary>,
}

fn default_currency() -> String {
    crate::model::DEFAULT_CURRENCY.to_string()
}

/// Summary of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySummary {
    /// Strategy id.
    pub id: StrategyId,
    /// Human label.
    pub label: String,
    /// Fixed yearly cost.
    pub annual_cost: f64,
    /// One entry per material, in scenario order.
    pub materials: Vec<MaterialSummary>,
    /// Totals over materials.
    pub total: TotalSummary,
    /// Paired comparison with the reference strategy, per material and for the totals
    /// (see [`VsReference`]). The reference strategy compares with itself (every pair
    /// tied).
    pub vs_reference: VsReference,
    /// One entry per sector, in scenario order (the sector layer; absent without
    /// sectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<SectorSummary>,
    /// Totals over the sectors: `value_added_lost`, the GDP at risk (absent without
    /// sectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_total: Option<SectorTotal>,
}

/// Summary of one sector under one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectorSummary {
    /// Sector id.
    pub id: SectorId,
    /// Human name.
    pub name: String,
    /// Unit of output.
    pub unit: String,
    /// Statistics of every [`SectorMetric`], keyed by its name, in
    /// [`SectorMetric::ALL`] order.
    pub metrics: NamedMap<Stats>,
    /// Paired comparison with the reference strategy, keyed like `metrics`.
    pub vs_reference: NamedMap<Paired>,
}

/// Totals over the sectors of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectorTotal {
    /// Statistics of `value_added_lost` summed over the sectors (the GDP at risk).
    pub metrics: NamedMap<Stats>,
    /// Paired comparison with the reference strategy, keyed like `metrics`.
    pub vs_reference: NamedMap<Paired>,
}

/// Per replication, the value added lost by strategy `s` summed over the sectors in
/// sector order (`0.0 + x₀ + x₁ + …`): the GDP at risk.
///
/// # Errors
/// When the replications cannot be read.
pub fn value_added_lost_column<R: Replications + ?Sized>(
    scn: &Scenario,
    res: &R,
    s: usize,
) -> Result<Vec<f64>, R::Error> {
    let nm = scn.materials().len();
    let mut sum = vec![0.0; res.shape().replications as usize];
    for k in 0..scn.sectors().len() {
        let col = res.column(s, nm + k, SectorMetric::ValueAddedLost.column())?;
        for (acc, x) in sum.iter_mut().zip(col) {
            *acc += x;
        }
    }
    Ok(sum)
}

/// Summary of one material under one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialSummary {
    /// Material id.
    pub id: MaterialId,
    /// Human name.
    pub name: String,
    /// Unit of quantities.
    pub unit: String,
    /// Share of replications with no shortfall day; `None` without replications.
    pub autonomy: Option<f64>,
    /// Statistics of every metric, keyed by [`Metric::name`], in [`Metric::ALL`] order,
    /// then of the indicators `recovery_over_<d>_days` for `d` in
    /// [`RECOVERY_THRESHOLDS`] (their mean is the unconditional share of futures whose
    /// recovery exceeds `d` days).
    pub metrics: NamedMap<Stats>,
}

/// Totals over the materials of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalSummary {
    /// Share of replications with no shortfall day in any material.
    pub autonomy: Option<f64>,
    /// Statistics of every [`TotalMetric`], keyed by its name, in [`TotalMetric::ALL`]
    /// order.
    pub metrics: NamedMap<Stats>,
}

impl Summary {
    /// Summarises `res`, a run of `scn` with `seed`, reading one column at a time per
    /// task (the reference strategy's column too: read again by each task that compares
    /// with it, never kept for the whole run).
    ///
    /// # Errors
    /// The first error reading `res` (in task order).
    ///
    /// # Panics
    /// If `res` was not produced from `scn` (different strategy or material counts).
    pub fn from_run<R: Replications + ?Sized>(
        scn: &Scenario,
        res: &R,
        seed: u64,
    ) -> Result<Summary, R::Error> {
        let shape = res.shape();
        assert_eq!(shape.strategies, scn.strategies().len(), "strategy count");
        assert_eq!(shape.materials, scn.n_slots(), "material and sector count");
        let reference = scn.reference();
        let nm = scn.materials().len();

        // One task per column (strategy, material, metric), each computed sequentially;
        // the indexed collect keeps task order, so the result does not depend on the
        // thread count. Columns, not strategies, so that 2 threads share the work evenly.
        let ns = scn.strategies().len();
        let per_mat = Metric::ALL.len() + RECOVERY_THRESHOLDS.len();
        let per_strat = nm * per_mat + N_TOTAL;
        // The reference's column: the task's own when it is the reference, else read.
        let with_ref = |s: usize,
                        col: Vec<f64>,
                        read: &dyn Fn(usize) -> Result<Vec<f64>, R::Error>|
         -> Result<(Vec<f64>, Vec<f64>), R::Error> {
            let refc = if s == reference {
                col.clone()
            } else {
                read(reference)?
            };
            Ok((col, refc))
        };
        let cells: Vec<(Paired, String, Stats)> = (0..ns * per_strat)
            .into_par_iter()
            .map(|i| {
                let (s, j) = (i / per_strat, i % per_strat);
                Ok(if j < nm * per_mat {
                    let (m, k) = (j / per_mat, j % per_mat);
                    if let Some(&metric) = Metric::ALL.get(k) {
                        let read = |s| metric_column(res, s, m, metric);
                        let (col, refc) = with_ref(s, read(s)?, &read)?;
                        let (lo, hi) = metric.bounds();
                        (
                            Paired::from_pairs(&col, &refc),
                            metric.name().to_string(),
                            Stats::from_bounded_sample(&col, lo, hi),
                        )
                    } else {
                        let days = RECOVERY_THRESHOLDS[k - Metric::ALL.len()];
                        let name = recovery_over_name(days);
                        let read = |s| recovery_over_column(res, s, m, days);
                        let (col, refc) = with_ref(s, read(s)?, &read)?;
                        (
                            Paired::from_pairs(&col, &refc),
                            name,
                            Stats::from_bounded_sample(&col, 0.0, 1.0),
                        )
                    }
                } else {
                    let k = j - nm * per_mat;
                    let metric = TotalMetric::ALL[k];
                    let read = |s| total_column(scn, res, s, metric);
                    let (col, refc) = with_ref(s, read(s)?, &read)?;
                    (
                        Paired::from_pairs(&col, &refc),
                        metric.name().to_string(),
                        // Every total is a sum of non-negative amounts.
                        Stats::from_bounded_sample(&col, 0.0, f64::INFINITY),
                    )
                })
            })
            .collect::<Result<_, R::Error>>()?;
        let shares: Vec<(Vec<Option<f64>>, Option<f64>)> = (0..ns)
            .into_par_iter()
            .map(|s| {
                let per_m = (0..nm)
                    .map(|m| autonomy(res, s, m))
                    .collect::<Result<_, _>>()?;
                Ok((per_m, overall_autonomy(res, s, nm)?))
            })
            .collect::<Result<_, R::Error>>()?;

        // Assembly in scenario order: `vs_reference` takes every material's comparisons,
        // then the totals', keyed like the statistics.
        // The sector layer: every sector metric, then the total value added lost, per
        // strategy (nothing without sectors).
        let nk = scn.sectors().len();
        let per_sector = SectorMetric::ALL.len();
        let per_strat_k = if nk > 0 { nk * per_sector + 1 } else { 0 };
        let sector_cells: Vec<(Paired, Stats)> = (0..ns * per_strat_k)
            .into_par_iter()
            .map(|i| {
                let (s, j) = (i / per_strat_k, i % per_strat_k);
                if j < nk * per_sector {
                    let (k, x) = (j / per_sector, SectorMetric::ALL[j % per_sector]);
                    let read = |s| res.column(s, nm + k, x.column());
                    let (col, refc) = with_ref(s, read(s)?, &read)?;
                    let (lo, hi) = x.bounds();
                    Ok((
                        Paired::from_pairs(&col, &refc),
                        Stats::from_bounded_sample(&col, lo, hi),
                    ))
                } else {
                    let read = |s| value_added_lost_column(scn, res, s);
                    let (col, refc) = with_ref(s, read(s)?, &read)?;
                    Ok((
                        Paired::from_pairs(&col, &refc),
                        Stats::from_bounded_sample(&col, 0.0, f64::INFINITY),
                    ))
                }
            })
            .collect::<Result<_, R::Error>>()?;
        let mut sector_cells = sector_cells.into_iter();

        let mut cells = cells.into_iter();
        let strategies = scn
            .strategies()
            .iter()
            .zip(shares)
            .map(|(strat, (autonomies, overall))| {
                let mut vs = VsReference::default();
                let materials = scn
                    .materials()
                    .iter()
                    .zip(autonomies)
                    .map(|(info, autonomy)| {
                        let mut metrics = Vec::with_capacity(per_mat);
                        let mut pairs = Vec::with_capacity(per_mat);
                        for (paired, name, st) in cells.by_ref().take(per_mat) {
                            pairs.push((name.clone(), paired));
                            metrics.push((name, st));
                        }
                        vs.materials.push((info.id.clone(), NamedMap(pairs)));
                        MaterialSummary {
                            id: info.id.clone(),
                            name: info.name.clone(),
                            unit: info.unit.clone(),
                            autonomy,
                            metrics: NamedMap(metrics),
                        }
                    })
                    .collect();
                let mut tot = Vec::with_capacity(N_TOTAL);
                for (paired, name, st) in cells.by_ref().take(N_TOTAL) {
                    vs.total.0.push((name.clone(), paired));
                    tot.push((name, st));
                }
                StrategySummary {
                    id: strat.id.clone(),
                    label: strat.label.clone(),
                    annual_cost: strat.annual_cost,
                    materials,
                    total: TotalSummary {
                        autonomy: overall,
                        metrics: NamedMap(tot),
                    },
                    vs_reference: vs,
                    sectors: scn
                        .sectors()
                        .iter()
                        .map(|info| {
                            let (mut metrics, mut pairs) = (Vec::new(), Vec::new());
                            for (x, (paired, st)) in
                                SectorMetric::ALL.iter().zip(sector_cells.by_ref())
                            {
                                metrics.push((x.name().to_string(), st));
                                pairs.push((x.name().to_string(), paired));
                            }
                            SectorSummary {
                                id: info.id.clone(),
                                name: info.name.clone(),
                                unit: info.unit.clone(),
                                metrics: NamedMap(metrics),
                                vs_reference: NamedMap(pairs),
                            }
                        })
                        .collect(),
                    sector_total: (nk > 0).then(|| {
                        let (paired, st) = sector_cells.next().expect("one total per strategy");
                        let name = SectorMetric::ValueAddedLost.name().to_string();
                        SectorTotal {
                            metrics: NamedMap(vec![(name.clone(), st)]),
                            vs_reference: NamedMap(vec![(name, paired)]),
                        }
                    }),
                }
            })
            .collect();

        Ok(Summary {
            scenario: scn.name().to_string(),
            replications: shape.replications,
            seed,
            horizon_days: scn.horizon_days(),
            currency: scn.currency().to_string(),
            reference: scn.strategies()[reference].id.clone(),
            strategies,
        })
    }

    /// The summary of the strategy with id `id`.
    pub fn strategy(&self, id: &str) -> Option<&StrategySummary> {
        self.strategies.iter().find(|s| s.id == id)
    }
}

impl StrategySummary {
    /// The summary of the material with id `id`.
    pub fn material(&self, id: &str) -> Option<&MaterialSummary> {
        self.materials.iter().find(|m| m.id == id)
    }

    /// The paired comparison of `metric` of the material with id `material`.
    pub fn vs_material(&self, material: &MaterialId, metric: Metric) -> Option<&Paired> {
        self.vs_reference
            .materials
            .iter()
            .find(|(id, _)| id == material)
            .and_then(|(_, pairs)| pairs.get(metric.name()))
    }

    /// The paired comparison of a total metric.
    pub fn vs_total(&self, metric: TotalMetric) -> Option<&Paired> {
        self.vs_reference.total.get(metric.name())
    }
}

impl MaterialSummary {
    /// The statistics of `metric`.
    pub fn metric(&self, metric: Metric) -> Option<&Stats> {
        self.metrics.get(metric.name())
    }
}

impl TotalSummary {
    /// The statistics of a total metric.
    pub fn metric(&self, metric: TotalMetric) -> Option<&Stats> {
        self.metrics.get(metric.name())
    }
}

/// The paired comparisons of one strategy with the reference: per material (scenario
/// order) keyed like [`MaterialSummary::metrics`], then for the totals keyed like
/// [`TotalSummary::metrics`].
///
/// In `summary.json` it is one object whose keys are `"<material>.<metric>"` for every
/// material and metric, then `"total.<metric>"` for the totals (material ids and metric
/// names hold no `.`). A material may be called `total`: its keys then repeat the totals'
/// prefix, and reading back tells them apart by order (the totals come last, and a
/// block ends where a metric name repeats).
#[derive(Debug, Clone, PartialEq)]
pub struct VsReference {
    /// Per material, in scenario order: its id and its comparisons by metric name.
    pub materials: Vec<(MaterialId, NamedMap<Paired>)>,
    /// The totals' comparisons by [`TotalMetric`] name.
    pub total: NamedMap<Paired>,
}

impl Default for VsReference {
    fn default() -> VsReference {
        VsReference {
            materials: Vec::new(),
            total: NamedMap(Vec::new()),
        }
    }
}

impl VsReference {
    /// Every comparison in file order: whose it is, the metric's name, the comparison.
    pub fn iter(&self) -> impl Iterator<Item = (SubjectId, &str, &Paired)> {
        self.materials
            .iter()
            .flat_map(|(id, pairs)| {
                pairs
                    .iter()
                    .map(move |(k, p)| (SubjectId::Material(id.clone()), k, p))
            })
            .chain(self.total.iter().map(|(k, p)| (SubjectId::Total, k, p)))
    }

    /// The comparisons of `subject`, by metric name.
    pub fn of(&self, subject: &SubjectId) -> Option<&NamedMap<Paired>> {
        match subject {
            SubjectId::Total => Some(&self.total),
            SubjectId::Material(m) => self
                .materials
                .iter()
                .find(|(id, _)| id == m)
                .map(|(_, pairs)| pairs),
            // The sectors' comparisons are kept with their summaries, not here.
            SubjectId::Sector(_) => None,
        }
    }

    /// Number of comparisons.
    pub fn len(&self) -> usize {
        self.materials.iter().map(|(_, p)| p.len()).sum::<usize>() + self.total.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Serialize for VsReference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (subject, name, p) in self.iter() {
            // The file's key format: written here only, read back below.
            map.serialize_entry(&format!("{subject}.{name}"), p)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for VsReference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let flat = NamedMap::<Paired>::deserialize(deserializer)?;
        // Consecutive keys with one prefix and no repeated metric name form a block.
        let mut blocks: Vec<(String, NamedMap<Paired>)> = Vec::new();
        for (key, p) in flat.0 {
            let (prefix, name) = key.split_once('.').ok_or_else(|| {
                D::Error::custom(format!(
                    "vs_reference key `{key}` is not `<material>.<metric>`"
                ))
            })?;
            match blocks.last_mut() {
                Some((pre, pairs)) if pre == prefix && pairs.get(name).is_none() => {
                    pairs.0.push((name.to_string(), p));
                }
                _ => blocks.push((prefix.to_string(), NamedMap(vec![(name.to_string(), p)]))),
            }
        }
        let total = match blocks.last() {
            Some((pre, _)) if pre == TOTAL => blocks.pop().map_or(NamedMap(Vec::new()), |(_, p)| p),
            _ => NamedMap(Vec::new()),
        };
        Ok(VsReference {
            materials: blocks
                .into_iter()
                .map(|(id, p)| Ok((MaterialId::new(id).map_err(D::Error::custom)?, p)))
                .collect::<Result<_, D::Error>>()?,
            total,
        })
    }
}
