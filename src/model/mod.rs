//! The validated model of a scenario (MODEL.md §2–§3): what the simulation core reads.
//!
//! Everything here is plain data built by the scenario layer (`crate::scenario`), with
//! ids already resolved to dense indices and distributions built into samplers. Nothing
//! past validation sees a raw string id (results name materials and strategies with the
//! typed ids of [`ids`]). Pure: no I/O; depends only on `bounds`, `dist`, `ids` and
//! serde.

pub mod bounds;
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(x > 0.0)` is the NaN-proof form (STYLE.md)
pub mod dist;
pub mod ids;
pub mod sector;

pub use bounds::{Bounds, MAX_DAYS, MAX_MAGNITUDE};
pub use dist::{Dist, DistError};
pub use ids::{
    IdError, MaterialId, SectorId, ShockId, StrategyId, SubjectId, SupplierId, TOTAL_ID, valid_id,
};
pub use sector::{Input, SectorInfo, SectorParams};

/// A whole validated scenario. Built by [`Scenario::new`] from its [`ScenarioParts`]
/// (the scenario layer builds it after its own located checks); read by its accessors.
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    description: String,
    horizon_days: u32,
    replications: u32,
    seed: u64,
    materials: Vec<MaterialInfo>,
    shocks: Vec<Shock>,
    shock_order: Vec<usize>,
    sectors: Vec<SectorInfo>,
    sector_order: Vec<usize>,
    strategies: Vec<Strategy>,
    reference: usize,
    currency: String,
    criterion: Criterion,
    warnings: Vec<Warning>,
}

/// The parts of a scenario, as given to [`Scenario::new`], which checks them (and as
/// [`Scenario::into_parts`] gives them back).
#[derive(Debug, Clone)]
pub struct ScenarioParts {
    /// Human title.
    pub name: String,
    /// What the scenario models, for whom, and where its numbers come from.
    pub description: String,
    /// Days simulated, `t = 0 .. horizon_days - 1` (at least 1).
    pub horizon_days: u32,
    /// Default number of replications (at least 1).
    pub replications: u32,
    /// Default seed.
    pub seed: u64,
    /// Materials in file order; a material's index is its dense id.
    pub materials: Vec<MaterialInfo>,
    /// Shocks in file order; a shock's index is its dense id.
    pub shocks: Vec<Shock>,
    /// A topological order of the shocks for the trigger graph (parents first).
    pub shock_order: Vec<usize>,
    /// Sectors (the sector layer, `docs/model.md`) in file order; a sector's index is its
    /// dense id. Empty for a scenario without `[[sector]]`.
    pub sectors: Vec<SectorInfo>,
    /// A topological order of the sectors for their bill of materials (a sector's
    /// inputs before it).
    pub sector_order: Vec<usize>,
    /// Strategies in file order, each with its full parameter set. Never empty: a scenario
    /// without strategies gets one implicit `baseline`.
    pub strategies: Vec<Strategy>,
    /// Index of the reference strategy (`baseline` if present, else the first).
    pub reference: usize,
    /// Currency of every money amount, as written in labels (default `USD`).
    pub currency: String,
    /// How the report ranks strategies for its recommendation (reporting only).
    pub criterion: Criterion,
    /// What validation found legal but probably unintended; shown, never fatal.
    pub warnings: Vec<Warning>,
}

/// What the report's recommendation ranks strategies by (MODEL.md §7, `criterion` and
/// `max_annual_cost`); reporting only, it never changes a simulated number.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Criterion {
    /// The statistic ranked, lowest best.
    pub rank_by: RankBy,
    /// A budget: strategies whose `annual_cost` exceeds it are not recommended.
    pub max_annual_cost: Option<f64>,
}

/// The statistic a [`Criterion`] ranks strategies by; lower is better for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    /// The mean over futures of the total cost (strategy cost plus every material's
    /// shortage, holding, procurement and substitution cost).
    #[default]
    ExpectedTotalCost,
    /// The 95th percentile over futures of the shortfall (% of demand) of the material
    /// hit hardest in each future.
    P95Shortfall,
}

impl RankBy {
    /// Every choice, in the order the format lists them.
    pub const ALL: [RankBy; 2] = [RankBy::ExpectedTotalCost, RankBy::P95Shortfall];

    /// The word the scenario file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RankBy::ExpectedTotalCost => "expected_total_cost",
            RankBy::P95Shortfall => "p95_shortfall",
        }
    }
}

/// Default [`Scenario::currency`].
pub const DEFAULT_CURRENCY: &str = "USD";

/// Longest accepted [`Strategy::short_label`], in characters.
pub const MAX_SHORT_LABEL_CHARS: usize = 20;

/// A located validation warning: something the scenario says that is legal but probably
/// not what its author meant (e.g. a dormant supplier with surge from the default).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Parameter path it concerns.
    pub path: String,
    /// `file:line:col` where that path (or its nearest written ancestor) is, or the file
    /// name when it cannot be located.
    pub location: String,
    /// What is probably wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: warning: {}: {}",
            self.location, self.path, self.message
        )?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Identity and structure of a material, the same under every strategy.
#[derive(Debug, Clone)]
pub struct MaterialInfo {
    /// Id as written in the file.
    pub id: MaterialId,
    /// Human name.
    pub name: String,
    /// Unit of quantities (e.g. `t`).
    pub unit: String,
    /// Reporting bucket.
    pub bucket: Option<Bucket>,
    /// Suppliers in file order.
    pub suppliers: Vec<SupplierInfo>,
}

/// Reporting bucket of a material (MODEL.md §2); used only for grouping in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Autonomy at risk, single-source dependence.
    Green,
    /// A field where the planner's country is indispensable.
    Blue,
    /// Emerging technology.
    Red,
}

impl Bucket {
    /// Lower-case name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Green => "green",
            Bucket::Blue => "blue",
            Bucket::Red => "red",
        }
    }
}

/// Identity of a supplier.
#[derive(Debug, Clone)]
pub struct SupplierInfo {
    /// Id as written in the file (unique within its material).
    pub id: SupplierId,
    /// Country code.
    pub country: String,
    /// Transport chokepoints the flow passes.
    pub routes: Vec<String>,
}

/// A strategy: a label, a fixed annual cost, and the full material parameters it implies.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Id as written.
    pub id: StrategyId,
    /// Human label.
    pub label: String,
    /// Short label (at most [`MAX_SHORT_LABEL_CHARS`] characters) where space is tight:
    /// chart panel titles, point labels and the terminal table; the label when not given.
    pub short_label: String,
    /// Fixed yearly cost of the strategy (money per year).
    pub annual_cost: f64,
    /// The `set` overrides as written, `(path, value)`, for summaries.
    pub overrides: Vec<(String, String)>,
    /// Parameters of each material under this strategy, indexed like `Scenario::materials`.
    pub materials: Vec<MaterialParams>,
    /// Parameters of each sector under this strategy, indexed like `Scenario::sectors`.
    pub sectors: Vec<SectorParams>,
    /// `release_to_priority`: stockpiles are released only to sectors of this priority
    /// or more urgent (a smaller number); `None` releases to every demand.
    pub release_to_priority: Option<u32>,
}

/// Why model parameters were refused: a value outside what MODEL.md allows. The scenario
/// layer checks every field first (with its location); this is the model's own guard, so
/// that no invalid value reaches the simulation whoever builds the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError(pub String);

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

/// How far shares may sum from 1 (rounding in files).
pub const SHARE_TOLERANCE: f64 = 1e-6;

/// `v` if finite and `>= 0`.
fn non_neg(name: &str, v: f64) -> Result<f64, ParamError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(ParamError(format!(
            "`{name}` must be a finite number >= 0, got {v}"
        )))
    }
}

/// `v` if finite and in `[0, 1]`.
fn unit(name: &str, v: f64) -> Result<f64, ParamError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ParamError(format!("`{name}` must lie in [0, 1], got {v}")))
    }
}

/// `d` if at least 1.
fn days_from_1(name: &str, d: u32) -> Result<u32, ParamError> {
    if d >= 1 {
        Ok(d)
    } else {
        Err(ParamError(format!(
            "`{name}` must be at least 1 day, got {d}"
        )))
    }
}

/// `v` if every share lies in [0, 1] and they sum to 1 (within [`SHARE_TOLERANCE`]).
fn shares(name: &str, v: Vec<f64>) -> Result<Vec<f64>, ParamError> {
    for &x in &v {
        unit(name, x)?;
    }
    let mut sum = 0.0;
    for &x in &v {
        sum += x;
    }
    if (sum - 1.0).abs() <= SHARE_TOLERANCE {
        Ok(v)
    } else {
        Err(ParamError(format!("`{name}` must sum to 1, got {sum}")))
    }
}

/// The plain numbers of one material under one strategy (MODEL.md §2), as given to
/// [`MaterialParams::new`], which checks them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaterialValues {
    /// Base daily demand `d = annual_demand / 365` (> 0).
    pub daily_demand: f64,
    /// Coefficient of variation of daily demand noise (>= 0).
    pub demand_cv: f64,
    /// Money per unit (>= 0).
    pub unit_value: f64,
    /// Money lost per unit of unmet demand (>= 0).
    pub shortage_cost: f64,
    /// Holding cost as a fraction of unit value per year (>= 0).
    pub holding_cost_rate: f64,
    /// Private working stock target in days of demand (>= 0).
    pub private_days: f64,
    /// Strategic stockpile target in days of demand (>= 0).
    pub stockpile_days: f64,
    /// Largest stockpile release per day, as a fraction of `d` (>= 0).
    pub max_release_rate: f64,
    /// Largest extra order per day above `d`, as a fraction of `d` (>= 0).
    pub refill_rate: f64,
}

impl MaterialValues {
    fn check(self) -> Result<MaterialValues, ParamError> {
        if !(self.daily_demand.is_finite() && self.daily_demand > 0.0) {
            return Err(ParamError(format!(
                "`daily_demand` must be a finite number > 0, got {}",
                self.daily_demand
            )));
        }
        for (name, v) in [
            ("demand_cv", self.demand_cv),
            ("unit_value", self.unit_value),
            ("shortage_cost", self.shortage_cost),
            ("holding_cost_rate", self.holding_cost_rate),
            ("private_days", self.private_days),
            ("stockpile_days", self.stockpile_days),
            ("max_release_rate", self.max_release_rate),
            ("refill_rate", self.refill_rate),
        ] {
            non_neg(name, v)?;
        }
        Ok(self)
    }
}

/// Parameters of one material under one strategy (MODEL.md §2). Built by
/// [`MaterialParams::new`], which checks every value, so the simulation never sees an
/// invalid one:
///
/// ```compile_fail
/// // Fields are private: no way around the checks.
/// let p = chokepoint::model::MaterialParams { suppliers: vec![] };
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialParams {
    values: MaterialValues,
    suppliers: Vec<SupplierParams>,
    substitution: Option<Substitution>,
    reaction: Option<Reaction>,
    /// Share of the day's demand the stockpile may serve (1 without a
    /// `release_to_priority`; see [`MaterialParams::with_release_share`]).
    release_share: f64,
}

impl MaterialParams {
    /// Checks and builds the parameters: `values` within their bounds, at least one
    /// supplier, supplier shares summing to 1, and reaction shares (if any) one per
    /// supplier.
    ///
    /// # Errors
    /// The first value out of its bounds.
    pub fn new(
        values: MaterialValues,
        suppliers: Vec<SupplierParams>,
        substitution: Option<Substitution>,
        reaction: Option<Reaction>,
    ) -> Result<MaterialParams, ParamError> {
        let values = values.check()?;
        if suppliers.is_empty() {
            return Err(ParamError("a material needs at least one supplier".into()));
        }
        shares("share", suppliers.iter().map(|s| s.share).collect())?;
        if let Some(r) = &reaction
            && r.shares.len() != suppliers.len()
        {
            return Err(ParamError(format!(
                "reaction has {} shares for {} suppliers",
                r.shares.len(),
                suppliers.len()
            )));
        }
        Ok(MaterialParams {
            values,
            suppliers,
            substitution,
            reaction,
            release_share: 1.0,
        })
    }

    /// The same parameters with the stockpile released only to the first `share` of
    /// each day's demand (the demand of the sectors a `release_to_priority` admits,
    /// which are served first; `docs/model.md`, the sector layer). 1 releases to all.
    ///
    /// # Errors
    /// `share` outside [0, 1].
    pub fn with_release_share(&self, share: f64) -> Result<MaterialParams, ParamError> {
        Ok(MaterialParams {
            release_share: unit("release_share", share)?,
            ..self.clone()
        })
    }

    /// Share of each day's demand the stockpile may serve (1: all of it).
    pub fn release_share(&self) -> f64 {
        self.release_share
    }

    /// The plain numbers.
    pub fn values(&self) -> MaterialValues {
        self.values
    }

    /// The same parameters with other plain numbers (checked).
    ///
    /// # Errors
    /// As [`MaterialParams::new`].
    pub fn with_values(&self, values: MaterialValues) -> Result<MaterialParams, ParamError> {
        MaterialParams::new(
            values,
            self.suppliers.clone(),
            self.substitution.clone(),
            self.reaction.clone(),
        )
        .map(|p| self.keep_release(p))
    }

    /// `p` with this material's release share.
    fn keep_release(&self, p: MaterialParams) -> MaterialParams {
        MaterialParams {
            release_share: self.release_share,
            ..p
        }
    }

    /// The same parameters with other suppliers (checked).
    ///
    /// # Errors
    /// As [`MaterialParams::new`].
    pub fn with_suppliers(
        &self,
        suppliers: Vec<SupplierParams>,
    ) -> Result<MaterialParams, ParamError> {
        MaterialParams::new(
            self.values,
            suppliers,
            self.substitution.clone(),
            self.reaction.clone(),
        )
        .map(|p| self.keep_release(p))
    }

    /// The same parameters with another substitution (or none).
    pub fn with_substitution(&self, substitution: Option<Substitution>) -> MaterialParams {
        MaterialParams {
            substitution,
            ..self.clone()
        }
    }

    /// The same parameters with another reaction (or none).
    ///
    /// # Errors
    /// Reaction shares not one per supplier.
    pub fn with_reaction(&self, reaction: Option<Reaction>) -> Result<MaterialParams, ParamError> {
        MaterialParams::new(
            self.values,
            self.suppliers.clone(),
            self.substitution.clone(),
            reaction,
        )
        .map(|p| self.keep_release(p))
    }

    /// Base daily demand `d = annual_demand / 365` (> 0).
    pub fn daily_demand(&self) -> f64 {
        self.values.daily_demand
    }
    /// Coefficient of variation of daily demand noise (>= 0).
    pub fn demand_cv(&self) -> f64 {
        self.values.demand_cv
    }
    /// Money per unit.
    pub fn unit_value(&self) -> f64 {
        self.values.unit_value
    }
    /// Money lost per unit of unmet demand.
    pub fn shortage_cost(&self) -> f64 {
        self.values.shortage_cost
    }
    /// Holding cost as a fraction of unit value per year.
    pub fn holding_cost_rate(&self) -> f64 {
        self.values.holding_cost_rate
    }
    /// Private working stock target in days of demand.
    pub fn private_days(&self) -> f64 {
        self.values.private_days
    }
    /// Strategic stockpile target in days of demand.
    pub fn stockpile_days(&self) -> f64 {
        self.values.stockpile_days
    }
    /// Largest stockpile release per day, as a fraction of `d`.
    pub fn max_release_rate(&self) -> f64 {
        self.values.max_release_rate
    }
    /// Largest extra order per day above `d`, as a fraction of `d`.
    pub fn refill_rate(&self) -> f64 {
        self.values.refill_rate
    }
    /// Suppliers, indexed like `MaterialInfo::suppliers`; their shares sum to 1.
    pub fn suppliers(&self) -> &[SupplierParams] {
        &self.suppliers
    }
    /// Optional substitution.
    pub fn substitution(&self) -> Option<&Substitution> {
        self.substitution.as_ref()
    }
    /// Optional react-then-forget habit.
    pub fn reaction(&self) -> Option<&Reaction> {
        self.reaction.as_ref()
    }
}

/// Numeric parameters of one supplier. Built by [`SupplierParams::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierParams {
    share: f64,
    lead_time_days: u32,
    surge: f64,
    surge_lag_days: u32,
    unit_cost: f64,
}

impl SupplierParams {
    /// Checks and builds: `share` in [0, 1], `lead_time_days >= 1`, `surge` and
    /// `unit_cost` finite and `>= 0`.
    ///
    /// # Errors
    /// The first value out of its bounds.
    pub fn new(
        share: f64,
        lead_time_days: u32,
        surge: f64,
        surge_lag_days: u32,
        unit_cost: f64,
    ) -> Result<SupplierParams, ParamError> {
        Ok(SupplierParams {
            share: unit("share", share)?,
            lead_time_days: days_from_1("lead_time_days", lead_time_days)?,
            surge: non_neg("surge", surge)?,
            surge_lag_days,
            unit_cost: non_neg("unit_cost", unit_cost)?,
        })
    }

    /// Baseline share of supply; shares of a material sum to 1.
    pub fn share(&self) -> f64 {
        self.share
    }
    /// Lead time in days (>= 1).
    pub fn lead_time_days(&self) -> u32 {
        self.lead_time_days
    }
    /// Extra output it can add, as a fraction of `d`.
    pub fn surge(&self) -> f64 {
        self.surge
    }
    /// Days of asking before the surge is fully available (0 = at once).
    pub fn surge_lag_days(&self) -> u32 {
        self.surge_lag_days
    }
    /// Money per unit bought from it.
    pub fn unit_cost(&self) -> f64 {
        self.unit_cost
    }
}

/// Substitution of demand (MODEL.md §2). Built by [`Substitution::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Substitution {
    max_fraction: f64,
    ramp_days: f64,
    persist_days: u32,
    cost_premium: f64,
}

impl Substitution {
    /// Checks and builds: `max_fraction` in [0, 1], `ramp_days` and `cost_premium`
    /// finite and `>= 0`, `persist_days >= 1`.
    ///
    /// # Errors
    /// The first value out of its bounds.
    pub fn new(
        max_fraction: f64,
        ramp_days: f64,
        persist_days: u32,
        cost_premium: f64,
    ) -> Result<Substitution, ParamError> {
        Ok(Substitution {
            max_fraction: unit("max_fraction", max_fraction)?,
            ramp_days: non_neg("ramp_days", ramp_days)?,
            persist_days: days_from_1("persist_days", persist_days)?,
            cost_premium: non_neg("cost_premium", cost_premium)?,
        })
    }

    /// Largest fraction of demand replaced, in [0, 1].
    pub fn max_fraction(&self) -> f64 {
        self.max_fraction
    }
    /// Days to ramp to the full fraction (0 = at once).
    pub fn ramp_days(&self) -> f64 {
        self.ramp_days
    }
    /// Days it stays on after the last shortfall day (>= 1).
    pub fn persist_days(&self) -> u32 {
        self.persist_days
    }
    /// Extra cost per substituted unit as a fraction of unit value.
    pub fn cost_premium(&self) -> f64 {
        self.cost_premium
    }
}

/// The react-then-forget habit (MODEL.md §2). Built by [`Reaction::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    lag_days: u32,
    memory_days: u32,
    private_days: f64,
    shares: Vec<f64>,
}

impl Reaction {
    /// Checks and builds: `private_days` finite and `>= 0`, `shares` each in [0, 1]
    /// summing to 1 (one per supplier; [`MaterialParams::new`] checks the count).
    ///
    /// # Errors
    /// The first value out of its bounds.
    pub fn new(
        lag_days: u32,
        memory_days: u32,
        private_days: f64,
        shares: Vec<f64>,
    ) -> Result<Reaction, ParamError> {
        Ok(Reaction {
            lag_days,
            memory_days,
            private_days: non_neg("private_days", private_days)?,
            shares: self::shares("shares", shares)?,
        })
    }

    /// Days from a hitting onset until the reaction starts.
    pub fn lag_days(&self) -> u32 {
        self.lag_days
    }
    /// Days after the end of recovery the reaction persists.
    pub fn memory_days(&self) -> u32 {
        self.memory_days
    }
    /// Private stock target in days while reacting.
    pub fn private_days(&self) -> f64 {
        self.private_days
    }
    /// Supplier shares while reacting (sum to 1), indexed like the suppliers.
    pub fn shares(&self) -> &[f64] {
        &self.shares
    }
}

/// Kind of a shock (MODEL.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShockKind {
    /// Supply loss by an export embargo.
    Embargo,
    /// Supply loss by export controls.
    ExportControl,
    /// Supply loss by an outage.
    Outage,
    /// Supply loss on routes and/or a delay added to lead times.
    Logistics,
    /// Demand of targeted materials multiplied by `1 + severity`.
    DemandSurge,
}

impl ShockKind {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            ShockKind::Embargo => "embargo",
            ShockKind::ExportControl => "export_control",
            ShockKind::Outage => "outage",
            ShockKind::Logistics => "logistics",
            ShockKind::DemandSurge => "demand_surge",
        }
    }

    /// Whether the shock cuts or delays supply (everything but demand surges).
    pub fn is_supply(self) -> bool {
        !matches!(self, ShockKind::DemandSurge)
    }
}

/// How instances of a shock start (MODEL.md §3). Built by [`Onset::rate`],
/// [`Onset::day`] or [`Onset::NEVER`], which check the numbers; read with
/// [`Onset::kind`].
///
/// ```
/// use chokepoint::model::{Onset, OnsetKind};
/// assert!(Onset::rate(f64::NAN).is_err());
/// assert!(Onset::day(30, 1.5).is_err());
/// let o = Onset::day(30, 0.5).unwrap();
/// assert_eq!(o.kind(), OnsetKind::Day { day: 30, probability: 0.5 });
/// ```
///
/// There is no way around the constructors:
///
/// ```compile_fail
/// use chokepoint::model::{Onset, OnsetKind};
/// let nan = Onset(OnsetKind::Rate { rate_per_year: f64::NAN });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Onset(OnsetKind);

/// What an [`Onset`] is, as read back by [`Onset::kind`]; [`Onset::new`] builds an
/// `Onset` from it (checked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnsetKind {
    /// Renewal process: exponential waits of mean `365 / rate_per_year` days, the first
    /// from day 0 and each next from the end of the previous instance's recovery.
    Rate {
        /// Expected onsets per year (finite, >= 0).
        rate_per_year: f64,
    },
    /// One instance on a fixed day, happening with a probability.
    Day {
        /// Onset day.
        day: u32,
        /// Probability it happens, in [0, 1].
        probability: f64,
    },
    /// Only ever started by another shock's trigger.
    Never,
}

impl Onset {
    /// Only ever started by another shock's trigger.
    pub const NEVER: Onset = Onset(OnsetKind::Never);

    /// Legal `rate_per_year`: `0 ..= MAX_MAGNITUDE` (also the bounds of
    /// `shock.onset.rate_per_year` in the scenario's table of fields).
    pub const RATE_BOUNDS: Bounds = Bounds::NON_NEG;
    /// Legal onset `day`: `0 ..= MAX_DAYS` (also `shock.onset.day`'s).
    pub const DAY_BOUNDS: Bounds = Bounds::DAYS;
    /// Legal `probability` of an onset on a fixed day: `[0, 1]` (also
    /// `shock.onset.probability`'s).
    pub const PROBABILITY_BOUNDS: Bounds = Bounds::UNIT;

    /// A renewal process with `rate_per_year` expected onsets per year.
    ///
    /// # Errors
    /// A rate outside [`Onset::RATE_BOUNDS`] or NaN.
    pub fn rate(rate_per_year: f64) -> Result<Onset, ParamError> {
        Ok(Onset(OnsetKind::Rate {
            rate_per_year: Onset::RATE_BOUNDS.check("rate_per_year", rate_per_year)?,
        }))
    }

    /// One instance on `day`, happening with `probability`.
    ///
    /// # Errors
    /// A day outside [`Onset::DAY_BOUNDS`], or a probability outside
    /// [`Onset::PROBABILITY_BOUNDS`] or NaN.
    pub fn day(day: u32, probability: f64) -> Result<Onset, ParamError> {
        Onset::DAY_BOUNDS.check("day", f64::from(day))?;
        Ok(Onset(OnsetKind::Day {
            day,
            probability: Onset::PROBABILITY_BOUNDS.check("probability", probability)?,
        }))
    }

    /// The onset `kind` describes (checked as by [`Onset::rate`] and [`Onset::day`]).
    ///
    /// # Errors
    /// As those constructors.
    pub fn new(kind: OnsetKind) -> Result<Onset, ParamError> {
        match kind {
            OnsetKind::Rate { rate_per_year } => Onset::rate(rate_per_year),
            OnsetKind::Day { day, probability } => Onset::day(day, probability),
            OnsetKind::Never => Ok(Onset::NEVER),
        }
    }

    /// What this onset is.
    pub fn kind(&self) -> OnsetKind {
        self.0
    }
}

/// A common-cause link: an instance of the owner starts one of `shock` `lag_days` later
/// with `probability`. Built by [`Trigger::new`], which checks the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    shock: usize,
    probability: f64,
    lag_days: u32,
}

impl Trigger {
    /// Legal `probability`: `[0, 1]` (also the bounds of `shock.triggers.probability` in
    /// the scenario's table of fields).
    pub const PROBABILITY_BOUNDS: Bounds = Bounds::UNIT;
    /// Legal `lag_days`: `0 ..= MAX_DAYS` (also `shock.triggers.lag_days`'s).
    pub const LAG_BOUNDS: Bounds = Bounds::DAYS;

    /// A trigger of shock `shock` (its index) with `probability` after `lag_days`.
    ///
    /// # Errors
    /// A probability outside [`Trigger::PROBABILITY_BOUNDS`] or NaN, or a lag outside
    /// [`Trigger::LAG_BOUNDS`].
    pub fn new(shock: usize, probability: f64, lag_days: u32) -> Result<Trigger, ParamError> {
        Trigger::LAG_BOUNDS.check("lag_days", f64::from(lag_days))?;
        Ok(Trigger {
            shock,
            probability: Trigger::PROBABILITY_BOUNDS.check("probability", probability)?,
            lag_days,
        })
    }

    /// Index of the triggered shock.
    pub fn shock(&self) -> usize {
        self.shock
    }

    /// Probability in [0, 1].
    pub fn probability(&self) -> f64 {
        self.probability
    }

    /// Lag in days.
    pub fn lag_days(&self) -> u32 {
        self.lag_days
    }
}

/// The parts of a shock, as given to [`Shock::new`], which checks them (and as
/// [`Shock::into_parts`] gives them back).
#[derive(Debug, Clone)]
pub struct ShockParts {
    /// Id as written.
    pub id: ShockId,
    /// Human label.
    pub label: String,
    /// Kind.
    pub kind: ShockKind,
    /// Onset process.
    pub onset: Onset,
    /// Duration in days (rounded up, at least 1); never negative.
    pub duration: Dist,
    /// Severity: in [0, 1] for supply shocks, >= 0 for surges.
    pub severity: Dist,
    /// Recovery days (rounded up, at least 0); never negative.
    pub recovery: Dist,
    /// Added lead time (rounded up, at least 0), never negative: `None` for none, and
    /// only a `logistics` shock may have one.
    pub delay: Option<Dist>,
    /// Shocks this one may trigger.
    pub triggers: Vec<Trigger>,
    /// `(material, supplier)` pairs whose supply it cuts or delays (supply kinds only).
    pub supply_targets: Vec<(usize, usize)>,
    /// Materials whose demand it multiplies (`demand_surge` only).
    pub demand_targets: Vec<usize>,
}

/// A validated shock. Built by [`Shock::new`], which checks its parts by the rules of
/// MODEL.md §3 (the scenario layer checks them first, with locations):
///
/// ```
/// use chokepoint::model::{Dist, Onset, Shock, ShockKind, ShockParts};
/// let parts = ShockParts {
///     id: "cut".parse().unwrap(),
///     label: "Cut".into(),
///     kind: ShockKind::Embargo,
///     onset: Onset::rate(0.2).unwrap(),
///     duration: Dist::fixed(30.0).unwrap(),
///     severity: Dist::fixed(1.5).unwrap(), // a supply loss above 100%
///     recovery: Dist::ZERO,
///     delay: None,
///     triggers: vec![],
///     supply_targets: vec![(0, 0)],
///     demand_targets: vec![],
/// };
/// assert!(Shock::new(parts.clone()).is_err());
/// let ok = ShockParts { severity: Dist::ONE, ..parts };
/// assert_eq!(Shock::new(ok).unwrap().severity().mean(), 1.0);
/// ```
///
/// Its fields are private, so there is no way around the checks:
///
/// ```compile_fail
/// let mut s: chokepoint::model::Shock = todo!();
/// s.severity = chokepoint::model::Dist::fixed(f64::NAN).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Shock {
    id: ShockId,
    label: String,
    kind: ShockKind,
    onset: Onset,
    duration: Dist,
    severity: Dist,
    recovery: Dist,
    delay: Dist,
    triggers: Vec<Trigger>,
    supply_targets: Vec<(usize, usize)>,
    demand_targets: Vec<usize>,
}

/// A rule of MODEL.md §3 that a shock's parts break, as found by [`ShockFault::find`]:
/// the one place these rules are written. [`Shock::new`] refuses a shock with any; the
/// scenario layer reports each at the parameter path of [`ShockFault::field`], adding
/// its advice on how to write the file. Its `Display` is the message without the field.
#[derive(Debug, Clone, PartialEq)]
pub enum ShockFault {
    /// A duration, severity, recovery or delay distribution that can give a negative
    /// value.
    Negative {
        /// The part (`duration_days`, `severity`, `recovery_days` or `delay_days`).
        field: &'static str,
        /// The distribution's name ([`Dist::name`]).
        dist: &'static str,
        /// The smallest value it can give.
        lowest: f64,
    },
    /// The severity of a supply shock (a fraction of supply lost) can leave [0, 1].
    SeverityAboveOne {
        /// The distribution's name ([`Dist::name`]).
        dist: &'static str,
        /// The largest value it can give; `None` when it has no upper bound.
        highest: Option<f64>,
    },
    /// A delay given to a shock that is not `logistics`.
    DelayNotLogistics {
        /// The shock's kind.
        kind: ShockKind,
    },
    /// Demand targets on a supply shock.
    DemandTargetsOnSupply {
        /// The shock's kind.
        kind: ShockKind,
    },
    /// Supply targets on a `demand_surge`.
    SupplyTargetsOnSurge,
}

impl ShockFault {
    /// Every rule the parts break, in the order of the parts: duration, recovery and
    /// delay never negative; the severity never negative and, for a supply shock, at
    /// most 1; a delay (`Some`, whatever its value) only for `logistics`; supply targets
    /// only for supply kinds and demand targets only for `demand_surge`. A part that
    /// breaks a rule is not checked further.
    pub fn find(
        kind: ShockKind,
        duration: &Dist,
        severity: &Dist,
        recovery: &Dist,
        delay: Option<&Dist>,
        supply_targets: &[(usize, usize)],
        demand_targets: &[usize],
    ) -> Vec<ShockFault> {
        let mut faults = Vec::new();
        let negative = |field: &'static str, d: &Dist| {
            let lowest = d.lower_bound();
            (lowest < 0.0).then_some(ShockFault::Negative {
                field,
                dist: d.name(),
                lowest,
            })
        };
        faults.extend(negative("duration_days", duration));
        if let Some(f) = negative("severity", severity) {
            faults.push(f);
        } else if kind.is_supply() {
            match severity.upper_bound() {
                Some(hi) if hi <= 1.0 => {}
                highest => faults.push(ShockFault::SeverityAboveOne {
                    dist: severity.name(),
                    highest,
                }),
            }
        }
        faults.extend(negative("recovery_days", recovery));
        if let Some(delay) = delay {
            if kind != ShockKind::Logistics {
                faults.push(ShockFault::DelayNotLogistics { kind });
            } else {
                faults.extend(negative("delay_days", delay));
            }
        }
        if kind.is_supply() && !demand_targets.is_empty() {
            faults.push(ShockFault::DemandTargetsOnSupply { kind });
        }
        if !kind.is_supply() && !supply_targets.is_empty() {
            faults.push(ShockFault::SupplyTargetsOnSurge);
        }
        faults
    }

    /// The part the rule is about, as written in files (`targets` for both target
    /// rules).
    pub fn field(&self) -> &'static str {
        match self {
            ShockFault::Negative { field, .. } => field,
            ShockFault::SeverityAboveOne { .. } => "severity",
            ShockFault::DelayNotLogistics { .. } => "delay_days",
            ShockFault::DemandTargetsOnSupply { .. } | ShockFault::SupplyTargetsOnSurge => {
                "targets"
            }
        }
    }

    /// Whether the rule depends on the shock's kind (a shock whose kind is unknown is
    /// checked only by the others).
    pub fn needs_kind(&self) -> bool {
        !matches!(self, ShockFault::Negative { .. })
    }
}

impl std::fmt::Display for ShockFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const FRACTION: &str = "a supply-loss severity is a fraction and must lie in [0, 1]";
        match self {
            ShockFault::Negative { dist, lowest, .. } => {
                write!(f, "must be >= 0, but {dist} can give {lowest}")
            }
            ShockFault::SeverityAboveOne {
                dist: "fixed",
                highest: Some(hi),
            } => write!(f, "{FRACTION}, got {hi}"),
            ShockFault::SeverityAboveOne {
                dist,
                highest: Some(hi),
            } => write!(f, "{FRACTION}, but {dist} can give {hi}"),
            ShockFault::SeverityAboveOne {
                dist,
                highest: None,
            } => write!(
                f,
                "{FRACTION}, but `{dist}` is unbounded above (it can exceed 1)"
            ),
            ShockFault::DelayNotLogistics { kind } => write!(
                f,
                "`delay_days` only applies to `logistics` shocks, not `{}`",
                kind.as_str()
            ),
            ShockFault::DemandTargetsOnSupply { kind } => write!(
                f,
                "a `{}` shock cuts supply; it has no demand targets",
                kind.as_str()
            ),
            ShockFault::SupplyTargetsOnSurge => {
                f.write_str("a `demand_surge` hits demand; it has no supply targets")
            }
        }
    }
}

impl Shock {
    /// Checks and builds a shock by the rules of [`ShockFault::find`]. (Trigger and
    /// target indices are resolved by the scenario layer against the whole scenario.)
    ///
    /// # Errors
    /// The first rule the parts break.
    pub fn new(parts: ShockParts) -> Result<Shock, ParamError> {
        let ShockParts {
            id,
            label,
            kind,
            onset,
            duration,
            severity,
            recovery,
            delay,
            triggers,
            supply_targets,
            demand_targets,
        } = parts;
        let faults = ShockFault::find(
            kind,
            &duration,
            &severity,
            &recovery,
            delay.as_ref(),
            &supply_targets,
            &demand_targets,
        );
        if let Some(fault) = faults.first() {
            return Err(ParamError(format!("`{}`: {fault}", fault.field())));
        }
        let delay = delay.unwrap_or(Dist::ZERO);
        Ok(Shock {
            id,
            label,
            kind,
            onset,
            duration,
            severity,
            recovery,
            delay,
            triggers,
            supply_targets,
            demand_targets,
        })
    }

    /// The parts, to change one and build again with [`Shock::new`].
    pub fn into_parts(self) -> ShockParts {
        ShockParts {
            id: self.id,
            label: self.label,
            kind: self.kind,
            onset: self.onset,
            duration: self.duration,
            severity: self.severity,
            recovery: self.recovery,
            delay: (self.kind == ShockKind::Logistics).then_some(self.delay),
            triggers: self.triggers,
            supply_targets: self.supply_targets,
            demand_targets: self.demand_targets,
        }
    }

    /// The shock with its parts changed by `change`, checked again.
    ///
    /// # Errors
    /// As [`Shock::new`].
    pub fn with_parts(self, change: impl FnOnce(&mut ShockParts)) -> Result<Shock, ParamError> {
        let mut parts = self.into_parts();
        change(&mut parts);
        Shock::new(parts)
    }

    /// Id as written.
    pub fn id(&self) -> &ShockId {
        &self.id
    }
    /// Human label.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// Kind.
    pub fn kind(&self) -> ShockKind {
        self.kind
    }
    /// Onset process.
    pub fn onset(&self) -> Onset {
        self.onset
    }
    /// Duration in days (rounded up, at least 1).
    pub fn duration(&self) -> &Dist {
        &self.duration
    }
    /// Severity: in [0, 1] for supply shocks, >= 0 for surges.
    pub fn severity(&self) -> &Dist {
        &self.severity
    }
    /// Recovery days (rounded up, at least 0).
    pub fn recovery(&self) -> &Dist {
        &self.recovery
    }
    /// Added lead time for `logistics` (rounded up, at least 0); 0 for other kinds.
    pub fn delay(&self) -> &Dist {
        &self.delay
    }
    /// Shocks this one may trigger.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }
    /// `(material, supplier)` pairs whose supply it cuts or delays (supply kinds).
    pub fn supply_targets(&self) -> &[(usize, usize)] {
        &self.supply_targets
    }
    /// Materials whose demand it multiplies (`demand_surge`).
    pub fn demand_targets(&self) -> &[usize] {
        &self.demand_targets
    }

    /// Whether this shock hits material `m` (MODEL.md §5).
    pub fn hits(&self, m: usize) -> bool {
        self.supply_targets.iter().any(|&(mm, _)| mm == m) || self.demand_targets.contains(&m)
    }
}

impl Scenario {
    /// Checks and builds: at least one day and one replication, at least one strategy
    /// and `reference` one of them, every strategy with parameters for each material and
    /// each sector, and `shock_order` / `sector_order` each a permutation of the shocks /
    /// sectors. (The scenario layer builds every scenario this way, after its own
    /// located checks.)
    ///
    /// # Errors
    /// The first broken rule.
    pub fn new(parts: ScenarioParts) -> Result<Scenario, ParamError> {
        let p = parts;
        if p.horizon_days < 1 || p.replications < 1 {
            return Err(ParamError(format!(
                "a scenario needs at least 1 day and 1 replication, got {} and {}",
                p.horizon_days, p.replications
            )));
        }
        if p.reference >= p.strategies.len() {
            return Err(ParamError(format!(
                "the reference strategy {} is not one of the {} strategies",
                p.reference,
                p.strategies.len()
            )));
        }
        for s in &p.strategies {
            if s.materials.len() != p.materials.len() || s.sectors.len() != p.sectors.len() {
                return Err(ParamError(format!(
                    "strategy `{}` has parameters for {} materials and {} sectors, not {} and {}",
                    s.id,
                    s.materials.len(),
                    s.sectors.len(),
                    p.materials.len(),
                    p.sectors.len()
                )));
            }
        }
        let is_permutation = |order: &[usize], n: usize| {
            let mut seen = vec![false; n];
            order.len() == n
                && order
                    .iter()
                    .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
        };
        if !is_permutation(&p.shock_order, p.shocks.len()) {
            return Err(ParamError(
                "`shock_order` is not an order of the shocks".into(),
            ));
        }
        if !is_permutation(&p.sector_order, p.sectors.len()) {
            return Err(ParamError(
                "`sector_order` is not an order of the sectors".into(),
            ));
        }
        Ok(Scenario {
            name: p.name,
            description: p.description,
            horizon_days: p.horizon_days,
            replications: p.replications,
            seed: p.seed,
            materials: p.materials,
            shocks: p.shocks,
            shock_order: p.shock_order,
            sectors: p.sectors,
            sector_order: p.sector_order,
            strategies: p.strategies,
            reference: p.reference,
            currency: p.currency,
            criterion: p.criterion,
            warnings: p.warnings,
        })
    }

    /// Its parts, to change and check again with [`Scenario::new`].
    pub fn into_parts(self) -> ScenarioParts {
        ScenarioParts {
            name: self.name,
            description: self.description,
            horizon_days: self.horizon_days,
            replications: self.replications,
            seed: self.seed,
            materials: self.materials,
            shocks: self.shocks,
            shock_order: self.shock_order,
            sectors: self.sectors,
            sector_order: self.sector_order,
            strategies: self.strategies,
            reference: self.reference,
            currency: self.currency,
            criterion: self.criterion,
            warnings: self.warnings,
        }
    }

    /// This scenario with its parts changed by `change`, checked again.
    ///
    /// # Errors
    /// As [`Scenario::new`].
    pub fn with_parts(
        self,
        change: impl FnOnce(&mut ScenarioParts),
    ) -> Result<Scenario, ParamError> {
        let mut parts = self.into_parts();
        change(&mut parts);
        Scenario::new(parts)
    }

    /// Human title.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What the scenario models, for whom, and where its numbers come from.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Days simulated, `t = 0 .. horizon_days - 1` (at least 1).
    pub fn horizon_days(&self) -> u32 {
        self.horizon_days
    }
    /// Default number of replications (at least 1).
    pub fn replications(&self) -> u32 {
        self.replications
    }
    /// Default seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Materials in file order; a material's index is its dense id.
    pub fn materials(&self) -> &[MaterialInfo] {
        &self.materials
    }
    /// Shocks in file order; a shock's index is its dense id.
    pub fn shocks(&self) -> &[Shock] {
        &self.shocks
    }
    /// A topological order of the shocks for the trigger graph (parents first).
    pub fn shock_order(&self) -> &[usize] {
        &self.shock_order
    }
    /// Sectors in file order; a sector's index is its dense id (empty without
    /// `[[sector]]`).
    pub fn sectors(&self) -> &[SectorInfo] {
        &self.sectors
    }
    /// A topological order of the sectors for their bill of materials (inputs first).
    pub fn sector_order(&self) -> &[usize] {
        &self.sector_order
    }
    /// Strategies in file order, each with its full parameter set (never empty).
    pub fn strategies(&self) -> &[Strategy] {
        &self.strategies
    }
    /// Index of the reference strategy (`baseline` if present, else the first).
    pub fn reference(&self) -> usize {
        self.reference
    }
    /// Currency of every money amount, as written in labels.
    pub fn currency(&self) -> &str {
        &self.currency
    }
    /// How the report ranks strategies for its recommendation (reporting only).
    pub fn criterion(&self) -> Criterion {
        self.criterion
    }
    /// What validation found legal but probably unintended; shown, never fatal.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Subjects per strategy in a run's rows: the materials, then the sectors.
    pub fn n_slots(&self) -> usize {
        self.materials.len() + self.sectors.len()
    }

    /// The reference strategy.
    pub fn reference_strategy(&self) -> &Strategy {
        &self.strategies[self.reference]
    }
}

#[cfg(test)]
impl MaterialValues {
    /// Test fixture: `daily_demand` with no noise, no stock, unit prices and costs.
    pub(crate) fn plain(daily_demand: f64) -> MaterialValues {
        MaterialValues {
            daily_demand,
            demand_cv: 0.0,
            unit_value: 1.0,
            shortage_cost: 1.0,
            holding_cost_rate: 0.0,
            private_days: 0.0,
            stockpile_days: 0.0,
            max_release_rate: 1.0,
            refill_rate: 0.1,
        }
    }
}

#[cfg(test)]
impl ScenarioParts {
    /// Test fixture: one material `m` with one supplier `s` (`values`, share 1), one plain
    /// strategy `baseline`, no shocks or sectors.
    pub(crate) fn one_material(horizon_days: u32, values: MaterialValues) -> ScenarioParts {
        let supplier = SupplierParams::new(1.0, 1, 0.0, 0, 1.0).unwrap();
        ScenarioParts {
            name: "t".into(),
            description: String::new(),
            horizon_days,
            replications: 1,
            seed: 0,
            materials: vec![MaterialInfo {
                id: "m".parse().unwrap(),
                name: "m".into(),
                unit: "t".into(),
                bucket: None,
                suppliers: vec![SupplierInfo {
                    id: "s".parse().unwrap(),
                    country: "X".into(),
                    routes: vec![],
                }],
            }],
            shocks: vec![],
            shock_order: vec![],
            sectors: vec![],
            sector_order: vec![],
            strategies: vec![Strategy {
                id: "baseline".parse().unwrap(),
                label: "Baseline".into(),
                short_label: "Baseline".into(),
                annual_cost: 0.0,
                overrides: vec![],
                materials: vec![MaterialParams::new(values, vec![supplier], None, None).unwrap()],
                sectors: vec![],
                release_to_priority: None,
            }],
            reference: 0,
            currency: DEFAULT_CURRENCY.into(),
            criterion: Criterion::default(),
            warnings: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> MaterialValues {
        MaterialValues::plain(10.0)
    }

    #[test]
    fn constructors_refuse_what_the_model_does_not_allow() {
        // MODEL.md §2: shares and probabilities in [0, 1], lead times and persist_days
        // at least one day, amounts finite and non-negative, shares summing to 1.
        assert!(SupplierParams::new(f64::NAN, 1, 0.0, 0, 1.0).is_err());
        assert!(SupplierParams::new(1.5, 1, 0.0, 0, 1.0).is_err());
        assert!(SupplierParams::new(1.0, 0, 0.0, 0, 1.0).is_err());
        assert!(SupplierParams::new(1.0, 1, -0.1, 0, 1.0).is_err());
        assert!(SupplierParams::new(1.0, 1, 0.0, 0, f64::INFINITY).is_err());
        assert!(Substitution::new(1.1, 0.0, 1, 0.0).is_err());
        assert!(Substitution::new(0.5, 0.0, 0, 0.0).is_err());
        assert!(Reaction::new(0, 0, 0.0, vec![0.5, 0.4]).is_err());
        assert!(Reaction::new(0, 0, -1.0, vec![1.0]).is_err());
        assert!(Trigger::new(0, 1.01, 0).is_err());
        assert!(Trigger::new(0, f64::NAN, 0).is_err());

        let one = SupplierParams::new(1.0, 1, 0.0, 0, 1.0).unwrap();
        let half = SupplierParams::new(0.5, 1, 0.0, 0, 1.0).unwrap();
        assert!(MaterialParams::new(values(), vec![one.clone()], None, None).is_ok());
        assert!(MaterialParams::new(values(), vec![half.clone()], None, None).is_err());
        assert!(MaterialParams::new(values(), vec![], None, None).is_err());
        let zero_demand = MaterialValues {
            daily_demand: 0.0,
            ..values()
        };
        assert!(MaterialParams::new(zero_demand, vec![one.clone()], None, None).is_err());
        let two = Reaction::new(0, 0, 0.0, vec![0.5, 0.5]).unwrap();
        assert!(MaterialParams::new(values(), vec![one.clone()], None, Some(two)).is_err());
        let p = MaterialParams::new(values(), vec![half.clone(), half], None, None).unwrap();
        let negative = MaterialValues {
            stockpile_days: -1.0,
            ..values()
        };
        assert!(p.with_values(negative).is_err());
        assert!(p.with_suppliers(vec![one]).is_ok());
    }

    #[test]
    fn scenario_new_refuses_parts_that_do_not_fit_together() {
        // The structure the simulation indexes by: a reference among the strategies,
        // parameters for every material, the orders permutations of shocks and sectors.
        let parts = ScenarioParts::one_material(10, values());
        let scn = Scenario::new(parts.clone()).unwrap();
        assert_eq!(scn.horizon_days(), 10);
        assert_eq!(scn.reference_strategy().id.as_str(), "baseline");
        let bad = |change: fn(&mut ScenarioParts)| {
            let mut p = parts.clone();
            change(&mut p);
            Scenario::new(p).unwrap_err().0
        };
        assert!(bad(|p| p.horizon_days = 0).contains("at least 1 day"));
        assert!(bad(|p| p.reference = 1).contains("not one of the 1 strategies"));
        assert!(bad(|p| p.strategies.clear()).contains("not one of the 0 strategies"));
        assert!(bad(|p| p.strategies[0].materials.clear()).contains("parameters for 0"));
        assert!(bad(|p| p.shock_order = vec![0]).contains("`shock_order`"));
        assert!(bad(|p| p.sector_order = vec![0, 0]).contains("`sector_order`"));
        // Round trip: the parts back give the same scenario.
        let again = scn.with_parts(|_| {}).unwrap();
        assert_eq!(again.materials()[0].id.as_str(), "m");
    }

    #[test]
    fn shock_faults_name_every_rule_broken_and_shock_new_refuses_the_first() {
        // MODEL.md §3: durations, recoveries and delays are never negative; a supply
        // shock's severity is a fraction of supply in [0, 1]; a delay is a `logistics`
        // shock's, supply targets are supply shocks' and demand targets surges'.
        let fixed = |v| Dist::fixed(v).unwrap();
        let faults = ShockFault::find(
            ShockKind::Embargo,
            &fixed(-1.0),
            &Dist::exponential(0.5).unwrap(),
            &Dist::uniform(-2.0, 1.0).unwrap(),
            Some(&Dist::ZERO),
            &[(0, 0)],
            &[0],
        );
        assert_eq!(
            faults,
            vec![
                ShockFault::Negative {
                    field: "duration_days",
                    dist: "fixed",
                    lowest: -1.0
                },
                ShockFault::SeverityAboveOne {
                    dist: "exponential",
                    highest: None
                },
                ShockFault::Negative {
                    field: "recovery_days",
                    dist: "uniform",
                    lowest: -2.0
                },
                ShockFault::DelayNotLogistics {
                    kind: ShockKind::Embargo
                },
                ShockFault::DemandTargetsOnSupply {
                    kind: ShockKind::Embargo
                },
            ]
        );
        // A surge: any severity >= 0, no supply targets; a logistics delay >= 0.
        let surge = ShockFault::find(
            ShockKind::DemandSurge,
            &Dist::ONE,
            &fixed(5.0),
            &Dist::ZERO,
            None,
            &[(0, 0)],
            &[0],
        );
        assert_eq!(surge, vec![ShockFault::SupplyTargetsOnSurge]);
        let logistics = ShockFault::find(
            ShockKind::Logistics,
            &Dist::ONE,
            &Dist::ZERO,
            &Dist::ZERO,
            Some(&fixed(-3.0)),
            &[(0, 0)],
            &[],
        );
        assert_eq!(logistics[0].field(), "delay_days");
        assert_eq!(logistics.len(), 1);
        let parts = ShockParts {
            id: "cut".parse().unwrap(),
            label: "Cut".into(),
            kind: ShockKind::Outage,
            onset: Onset::NEVER,
            duration: fixed(-1.0),
            severity: fixed(2.0),
            recovery: Dist::ZERO,
            delay: None,
            triggers: vec![],
            supply_targets: vec![(0, 0)],
            demand_targets: vec![],
        };
        let e = Shock::new(parts).unwrap_err();
        assert_eq!(e.0, "`duration_days`: must be >= 0, but fixed can give -1");
    }
}
