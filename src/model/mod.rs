//! The validated model of a scenario (MODEL.md §2–§3): what the simulation core reads.
//!
//! Everything here is plain data built by the scenario layer (`crate::scenario`), with
//! ids already resolved to dense indices and distributions built into samplers. Nothing
//! past validation sees a raw string id (results name materials and strategies with the
//! typed ids of [`ids`]). Pure: no I/O; depends only on `dist`, `ids` and serde.

#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(x > 0.0)` is the NaN-proof form (STYLE.md)
pub mod dist;
pub mod ids;

pub use dist::{Dist, DistError};
pub use ids::{MaterialId, StrategyId, SubjectId, TOTAL_ID};

/// A whole validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
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
    pub id: String,
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
    pub id: String,
    /// Country code.
    pub country: String,
    /// Transport chokepoints the flow passes.
    pub routes: Vec<String>,
}

/// A strategy: a label, a fixed annual cost, and the full material parameters it implies.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Id as written.
    pub id: String,
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
}

/// Numeric parameters of one material under one strategy (MODEL.md §2).
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialParams {
    /// Base daily demand `d = annual_demand / 365` (> 0).
    pub daily_demand: f64,
    /// Coefficient of variation of daily demand noise (>= 0).
    pub demand_cv: f64,
    /// Money per unit.
    pub unit_value: f64,
    /// Money lost per unit of unmet demand.
    pub shortage_cost: f64,
    /// Holding cost as a fraction of unit value per year.
    pub holding_cost_rate: f64,
    /// Private working stock target in days of demand.
    pub private_days: f64,
    /// Strategic stockpile target in days of demand.
    pub stockpile_days: f64,
    /// Largest stockpile release per day, as a fraction of `d`.
    pub max_release_rate: f64,
    /// Largest extra order per day above `d`, as a fraction of `d`.
    pub refill_rate: f64,
    /// Suppliers, indexed like `MaterialInfo::suppliers`.
    pub suppliers: Vec<SupplierParams>,
    /// Optional substitution.
    pub substitution: Option<Substitution>,
    /// Optional react-then-forget habit.
    pub reaction: Option<Reaction>,
}

/// Numeric parameters of one supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierParams {
    /// Baseline share of supply; shares of a material sum to 1.
    pub share: f64,
    /// Lead time in days (>= 1).
    pub lead_time_days: u32,
    /// Extra output it can add, as a fraction of `d`.
    pub surge: f64,
    /// Days of asking before the surge is fully available (0 = at once).
    pub surge_lag_days: u32,
    /// Money per unit bought from it.
    pub unit_cost: f64,
}

/// Substitution of demand (MODEL.md §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Substitution {
    /// Largest fraction of demand replaced, in [0, 1].
    pub max_fraction: f64,
    /// Days to ramp to the full fraction (0 = at once).
    pub ramp_days: f64,
    /// Days it stays on after the last shortfall day (>= 1).
    pub persist_days: u32,
    /// Extra cost per substituted unit as a fraction of unit value.
    pub cost_premium: f64,
}

/// The react-then-forget habit (MODEL.md §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    /// Days from a hitting onset until the reaction starts.
    pub lag_days: u32,
    /// Days after the end of recovery the reaction persists.
    pub memory_days: u32,
    /// Private stock target in days while reacting.
    pub private_days: f64,
    /// Supplier shares while reacting (sum to 1), indexed like the suppliers.
    pub shares: Vec<f64>,
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

/// How instances of a shock start (MODEL.md §3).
#[derive(Debug, Clone, PartialEq)]
pub enum Onset {
    /// Renewal process: exponential waits of mean `365 / rate_per_year` days, the first
    /// from day 0 and each next from the end of the previous instance's recovery.
    Rate {
        /// Expected onsets per year (>= 0).
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

/// A common-cause link: an instance of the owner starts one of `shock` `lag_days` later
/// with `probability`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// Index of the triggered shock.
    pub shock: usize,
    /// Probability in [0, 1].
    pub probability: f64,
    /// Lag in days.
    pub lag_days: u32,
}

/// A validated shock.
#[derive(Debug, Clone)]
pub struct Shock {
    /// Id as written.
    pub id: String,
    /// Human label.
    pub label: String,
    /// Kind.
    pub kind: ShockKind,
    /// Onset process.
    pub onset: Onset,
    /// Duration in days (rounded up, at least 1).
    pub duration: Dist,
    /// Severity: validated to lie in [0, 1] for supply shocks and >= 0 for surges.
    pub severity: Dist,
    /// Recovery days (rounded up, at least 0).
    pub recovery: Dist,
    /// Added lead time for `logistics` (rounded up, at least 0).
    pub delay: Dist,
    /// Shocks this one may trigger.
    pub triggers: Vec<Trigger>,
    /// `(material, supplier)` pairs whose supply it cuts or delays (supply kinds).
    pub supply_targets: Vec<(usize, usize)>,
    /// Materials whose demand it multiplies (`demand_surge`).
    pub demand_targets: Vec<usize>,
}

impl Shock {
    /// Whether this shock hits material `m` (MODEL.md §5).
    pub fn hits(&self, m: usize) -> bool {
        self.supply_targets.iter().any(|&(mm, _)| mm == m) || self.demand_targets.contains(&m)
    }
}

impl Scenario {
    /// The reference strategy.
    pub fn reference_strategy(&self) -> &Strategy {
        &self.strategies[self.reference]
    }
}
