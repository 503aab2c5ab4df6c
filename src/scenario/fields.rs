//! One table of every field of the scenario format (MODEL.md §7): its key path, kind,
//! default, bounds, unit and help text, written once.
//!
//! Everything that needs to know about a field reads it from here: validation (bounds,
//! defaults and the whole-number rule, `validate.rs`), parameter paths (which fields are
//! parameters, their defaults and kinds, `params.rs`), the did-you-mean lists for unknown
//! fields (`document.rs`), the JSON Schema's descriptions, bounds and defaults, the field
//! reference of `docs/scenario-format.md` (`reference.rs`), and the analyses (sweeps,
//! sizing and sensitivity ask [`lookup`] whether a path is in whole days, what its bounds
//! are, and what its scale is).
//!
//! A field is named by its *key path*: the TOML keys from the top of the file, without
//! the ids of array elements (`material.supplier.lead_time_days`). Its *parameter path*
//! pattern (MODEL.md §6) puts an id after each array of tables
//! (`material.<id>.supplier.<sid>.lead_time_days`); [`lookup`] finds the field of a
//! concrete parameter path.
//!
//! Pure data and lookups; depends only on [`crate::model`] (the default currency, the
//! bounds [`Bounds`], and the bounds of fields a model constructor checks too, such as
//! [`crate::model::Onset::RATE_BOUNDS`]).

/// What a number measures: decides whether it is whole, its natural scale, and how
/// analyses move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    /// A whole number of days (integers, or floats with no fractional part).
    WholeDays,
    /// Days, any real number (stock targets, ramps). Analyses move it in whole days.
    Days,
    /// A whole count (replications).
    Count,
    /// A probability in [0, 1].
    Probability,
    /// A fraction in [0, 1] (e.g. of demand).
    Fraction,
    /// A supplier share in [0, 1]; setting one rescales the others.
    Share,
    /// A non-negative multiple of something whose natural scale is 1 (a fraction of daily
    /// demand or of unit value, a coefficient of variation); may exceed 1.
    Multiple,
    /// Money, in the scenario's `currency`.
    Money,
    /// A quantity in the material's unit.
    Quantity,
    /// Events per year.
    PerYear,
}

impl Num {
    /// Whether the file must give a whole number.
    pub fn is_whole(self) -> bool {
        matches!(self, Num::WholeDays | Num::Count)
    }

    /// Whether the number is measured in days (whole or not).
    pub fn is_days(self) -> bool {
        matches!(self, Num::WholeDays | Num::Days)
    }

    /// Whether the number lies in [0, 1] by its nature.
    pub fn is_unit(self) -> bool {
        matches!(self, Num::Probability | Num::Fraction | Num::Share)
    }
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number measuring [`Num`].
    Number(Num),
    /// A random quantity (a number, or a one-key distribution table, see
    /// [`DISTRIBUTIONS`]) whose values measure [`Num`].
    Dist(Num),
    /// A non-negative integer (the seed).
    Seed,
    /// Free text.
    Text,
    /// An id: lowercase letters, digits and `_`, starting with a letter.
    Id,
    /// The id of another shock.
    ShockRef,
    /// One of the given words.
    Choice(&'static [&'static str]),
    /// A list of strings.
    Strings,
    /// A table of further fields.
    Table,
    /// An array of tables; a parameter path names an element by the placeholder given
    /// (its `id`, or `shock` for triggers), e.g. `<sid>`.
    Tables(&'static str),
    /// A table supplier id → share (each in [0, 1], summing to 1).
    Shares,
    /// A sector's bill of materials: input id (a material or a sector) → amount per unit
    /// of output (each >= 0).
    Uses,
    /// A strategy's overrides: parameter path → value.
    Overrides,
}

impl Kind {
    /// Whether the field holds further fields (a table or an array of tables).
    pub fn is_container(self) -> bool {
        matches!(self, Kind::Table | Kind::Tables(_))
    }
}

/// The default of a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldDefault {
    /// The field must be given.
    Required,
    /// This number.
    Value(f64),
    /// This text.
    Text(&'static str),
    /// Absent means "none" (an optional table or choice).
    Absent,
    /// Absent means empty (a list, a table of entries).
    Empty,
    /// Computed from other fields, as described.
    Derived(&'static str),
}

pub use crate::model::bounds::{Bounds, MAX_DAYS, MAX_MAGNITUDE};

/// Largest accepted `horizon_days` (100 years), to protect memory.
pub const MAX_HORIZON_DAYS: f64 = 36_500.0;
/// Largest accepted `replications`.
pub const MAX_REPLICATIONS: f64 = 100_000_000.0;

/// One field of the scenario format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// Key path without ids, e.g. `material.supplier.share`.
    pub key: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Its default.
    pub default: FieldDefault,
    /// Legal values of a number ([`Bounds::NONE`] for other kinds). For a distribution:
    /// the bounds of the values it may produce.
    pub bounds: Bounds,
    /// Unit, for people (`days`, `units/year`, `money/unit`); empty when none.
    pub unit: &'static str,
    /// What it means and how it is used (Markdown, one paragraph).
    pub help: &'static str,
}

impl FieldSpec {
    /// The last key, e.g. `share`.
    pub fn name(&self) -> &'static str {
        self.key.rsplit('.').next().unwrap_or(self.key)
    }

    /// The key path of the table holding it (empty at the top level).
    pub fn parent(&self) -> &'static str {
        self.key.rsplit_once('.').map_or("", |(p, _)| p)
    }

    /// The numeric default, when the default is a number.
    pub fn default_value(&self) -> Option<f64> {
        match self.default {
            FieldDefault::Value(v) => Some(v),
            _ => None,
        }
    }

    /// What its numbers measure (numbers and distributions).
    pub fn num(&self) -> Option<Num> {
        match self.kind {
            Kind::Number(n) | Kind::Dist(n) => Some(n),
            Kind::Shares => Some(Num::Share),
            Kind::Uses => Some(Num::Multiple),
            _ => None,
        }
    }

    /// Whether the field has parameter paths: a number, a distribution, a table of
    /// shares, or a table holding any of those.
    pub fn is_param(&self) -> bool {
        match self.kind {
            Kind::Number(_) | Kind::Dist(_) | Kind::Shares | Kind::Uses => true,
            Kind::Table | Kind::Tables(_) => children(self.key).any(|c| c.is_param()),
            _ => false,
        }
    }

    /// The parameter path pattern (MODEL.md §6), e.g.
    /// `material.<id>.supplier.<sid>.share`.
    pub fn path_pattern(&self) -> String {
        let mut out = String::new();
        let mut key = String::new();
        for seg in self.key.split('.') {
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(seg);
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
            if key != self.key
                && let Some(Kind::Tables(ph)) = field(&key).map(|f| f.kind)
            {
                out.push('.');
                out.push_str(ph);
            }
        }
        out
    }
}

/// One parameter of a distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistParam {
    /// Name as written, e.g. `median`.
    pub name: &'static str,
    /// Whether it is in the unit of the distribution's values (`min`, `median`, `scale`,
    /// ...) rather than a pure number (`shape`, `alpha`).
    pub in_value_unit: bool,
    /// Whether it is a list (`values`, `weights`); lists have no parameter path.
    pub list: bool,
    /// Whether it may be left out.
    pub optional: bool,
}

/// One kind of distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistSpec {
    /// Name as written, e.g. `lognormal`.
    pub name: &'static str,
    /// Its parameters, in the order written.
    pub params: &'static [DistParam],
    /// What it is and what its parameters must satisfy (Markdown).
    pub help: &'static str,
}

const fn value(name: &'static str) -> DistParam {
    DistParam {
        name,
        in_value_unit: true,
        list: false,
        optional: false,
    }
}

const fn pure(name: &'static str) -> DistParam {
    DistParam {
        name,
        in_value_unit: false,
        list: false,
        optional: false,
    }
}

/// Every kind of distribution, in the order the docs list them.
pub static DISTRIBUTIONS: &[DistSpec] = &[
    DistSpec {
        name: "fixed",
        params: &[],
        help: "Always the same value: `{ fixed = x }`, or just the number `x`.",
    },
    DistSpec {
        name: "uniform",
        params: &[value("min"), value("max")],
        help: "Uniform on `[min, max]` (`min <= max`).",
    },
    DistSpec {
        name: "triangular",
        params: &[value("min"), value("mode"), value("max")],
        help: "Triangular on `[min, max]` with its peak at `mode` (`min <= mode <= max`).",
    },
    DistSpec {
        name: "pert",
        params: &[value("min"), value("mode"), value("max")],
        help: "PERT (a scaled beta) on `[min, max]`, most likely `mode` (`min <= mode <= max`).",
    },
    DistSpec {
        name: "lognormal",
        params: &[value("median"), value("p90")],
        help: "Lognormal given by its median and 90th percentile (`p90 > median > 0`); unbounded above.",
    },
    DistSpec {
        name: "exponential",
        params: &[value("mean")],
        help: "Exponential with the given mean (`mean > 0`); unbounded above.",
    },
    DistSpec {
        name: "gamma",
        params: &[pure("shape"), value("scale")],
        help: "Gamma with `shape > 0` and `scale > 0` (mean `shape × scale`); unbounded above.",
    },
    DistSpec {
        name: "beta",
        params: &[pure("alpha"), pure("beta")],
        help: "Beta on [0, 1] with `alpha > 0` and `beta > 0` (mean `alpha / (alpha + beta)`).",
    },
    DistSpec {
        name: "empirical",
        params: &[
            DistParam {
                name: "values",
                in_value_unit: true,
                list: true,
                optional: false,
            },
            DistParam {
                name: "weights",
                in_value_unit: false,
                list: true,
                optional: true,
            },
        ],
        help: "One of the listed `values`, with optional non-negative `weights` (one per value; equal when absent).",
    },
];

/// The distribution named `name`.
pub fn distribution(name: &str) -> Option<&'static DistSpec> {
    DISTRIBUTIONS.iter().find(|d| d.name == name)
}

/// The parameter named `name` of any distribution (`shape`, `median`, ...).
pub fn dist_param(name: &str) -> Option<&'static DistParam> {
    DISTRIBUTIONS
        .iter()
        .flat_map(|d| d.params)
        .find(|p| p.name == name && !p.list)
}

const fn spec(
    key: &'static str,
    kind: Kind,
    default: FieldDefault,
    bounds: Bounds,
    unit: &'static str,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        key,
        kind,
        default,
        bounds,
        unit,
        help,
    }
}

use Bounds as B;
use FieldDefault as D;
use Kind as K;

/// Top-level fields.
pub mod top {
    use super::*;
    /// `name`.
    pub const NAME: FieldSpec = spec(
        "name",
        K::Text,
        D::Text("unnamed scenario"),
        B::NONE,
        "",
        "Human title.",
    );
    /// `description`.
    pub const DESCRIPTION: FieldSpec = spec(
        "description",
        K::Text,
        D::Text(""),
        B::NONE,
        "",
        "What the scenario models, for whom, and where its numbers come from.",
    );
    /// `horizon_days`.
    pub const HORIZON_DAYS: FieldSpec = spec(
        "horizon_days",
        K::Number(Num::WholeDays),
        D::Required,
        B::range(1.0, MAX_HORIZON_DAYS),
        "days",
        "Days simulated, `t = 0 .. horizon_days - 1`.",
    );
    /// `replications`.
    pub const REPLICATIONS: FieldSpec = spec(
        "replications",
        K::Number(Num::Count),
        D::Value(10_000.0),
        B::range(1.0, MAX_REPLICATIONS),
        "",
        "Futures simulated by default (`--replications` overrides it).",
    );
    /// `seed`.
    pub const SEED: FieldSpec = spec(
        "seed",
        K::Seed,
        D::Value(0.0),
        B::at_least(0.0),
        "",
        "Seed of the random streams by default (`--seed` overrides it).",
    );
    /// `currency`.
    pub const CURRENCY: FieldSpec = spec(
        "currency",
        K::Text,
        D::Text(crate::model::DEFAULT_CURRENCY),
        B::NONE,
        "",
        "The currency of every money amount (`unit_value`, `shortage_cost`, `unit_cost` and \
         `annual_cost`), 1 to 12 characters, e.g. `\"JPY\"`; labels money in the terminal \
         table, charts and reports.",
    );
    /// `criterion`.
    pub const CRITERION: FieldSpec = spec(
        "criterion",
        K::Choice(&["expected_total_cost", "p95_shortfall"]),
        D::Text("expected_total_cost"),
        B::NONE,
        "",
        "What the report's recommendation ranks strategies by, lowest best (reporting \
         only): `expected_total_cost`, the mean over futures of the strategy's cost plus \
         every material's shortage, holding, procurement and substitution cost; or \
         `p95_shortfall`, the 1-in-20 bad case of the shortfall (% of demand) of the \
         material hit hardest in each future.",
    );
    /// `max_annual_cost`.
    pub const MAX_ANNUAL_COST: FieldSpec = spec(
        "max_annual_cost",
        K::Number(Num::Money),
        D::Absent,
        B::NON_NEG,
        "money/year",
        "Budget of the recommendation (reporting only): a strategy whose `annual_cost` \
         exceeds it is shown but never recommended. Absent: no budget.",
    );
    /// `[[material]]`.
    pub const MATERIAL: FieldSpec = spec(
        "material",
        K::Tables("<id>"),
        D::Required,
        B::NONE,
        "",
        "The materials; at least one.",
    );
    /// `[[shock]]`.
    pub const SHOCK: FieldSpec = spec(
        "shock",
        K::Tables("<id>"),
        D::Empty,
        B::NONE,
        "",
        "The shocks: what can go wrong, how often, how badly.",
    );
    /// `[[strategy]]`.
    pub const STRATEGY: FieldSpec = spec(
        "strategy",
        K::Tables("<id>"),
        D::Empty,
        B::NONE,
        "",
        "The strategies compared; without any there is one implicit `baseline` \
         (\"Status quo\"). The reference is `baseline` if present, else the first.",
    );
    /// `[[sector]]`.
    pub const SECTOR: FieldSpec = spec(
        "sector",
        K::Tables("<id>"),
        D::Empty,
        B::NONE,
        "",
        "The sectors that use the materials (the sector layer, `docs/model.md`): each \
         makes output from materials and other sectors' output, with a buffer of inputs and \
         a rationing priority. Without any, results stop at the materials.",
    );
}

/// Fields of `[[material]]`.
pub mod material {
    use super::*;
    /// `material.id`.
    pub const ID: FieldSpec = spec(
        "material.id",
        K::Id,
        D::Required,
        B::NONE,
        "",
        "Unique among materials. May be `total`: the outputs still tell it from the totals \
         over materials (the totals come after the materials; `--material material.total` \
         names the material).",
    );
    /// `material.name`.
    pub const NAME: FieldSpec = spec(
        "material.name",
        K::Text,
        D::Derived("the id"),
        B::NONE,
        "",
        "Human name.",
    );
    /// `material.unit`.
    pub const UNIT: FieldSpec = spec(
        "material.unit",
        K::Text,
        D::Text("units"),
        B::NONE,
        "",
        "Unit of quantities, e.g. `t`.",
    );
    /// `material.annual_demand`.
    pub const ANNUAL_DEMAND: FieldSpec = spec(
        "material.annual_demand",
        K::Number(Num::Quantity),
        D::Derived("the sectors' use, when sectors use the material; else required"),
        B::POSITIVE,
        "units/year",
        "Demand per year; daily demand `d = annual_demand / 365`. When sectors use the \
         material, their use (`uses` times `annual_output`, summed) is claimed demand and \
         the rest is direct demand; the sectors may not use more than `annual_demand` (the \
         error says by how much). A strategy that changes the sectors' use changes the \
         demand by as much (the direct part stays).",
    );
    /// `material.demand_cv`.
    pub const DEMAND_CV: FieldSpec = spec(
        "material.demand_cv",
        K::Number(Num::Multiple),
        D::Value(0.0),
        B::NON_NEG,
        "",
        "Coefficient of variation of daily demand.",
    );
    /// `material.unit_value`.
    pub const UNIT_VALUE: FieldSpec = spec(
        "material.unit_value",
        K::Number(Num::Money),
        D::Required,
        B::NON_NEG,
        "money/unit",
        "Value of one unit.",
    );
    /// `material.shortage_cost`.
    pub const SHORTAGE_COST: FieldSpec = spec(
        "material.shortage_cost",
        K::Number(Num::Money),
        D::Required,
        B::NON_NEG,
        "money/unit",
        "Money lost per unit of demand not delivered.",
    );
    /// `material.holding_cost_rate`.
    pub const HOLDING_COST_RATE: FieldSpec = spec(
        "material.holding_cost_rate",
        K::Number(Num::Multiple),
        D::Value(0.02),
        B::NON_NEG,
        "per year",
        "Cost of holding stock, as a fraction of unit value per year.",
    );
    /// `material.bucket`.
    pub const BUCKET: FieldSpec = spec(
        "material.bucket",
        K::Choice(&["green", "blue", "red"]),
        D::Absent,
        B::NONE,
        "",
        "Reporting bucket (reporting only): `green` autonomy at risk, `blue` a field where \
         the country is indispensable, `red` emerging technology.",
    );
    /// `material.private_days`.
    pub const PRIVATE_DAYS: FieldSpec = spec(
        "material.private_days",
        K::Number(Num::Days),
        D::Value(30.0),
        B::NON_NEG,
        "days of demand",
        "Private working stock target.",
    );
    /// `material.stockpile_days`.
    pub const STOCKPILE_DAYS: FieldSpec = spec(
        "material.stockpile_days",
        K::Number(Num::Days),
        D::Value(0.0),
        B::NON_NEG,
        "days of demand",
        "Strategic stockpile target.",
    );
    /// `material.max_release_rate`.
    pub const MAX_RELEASE_RATE: FieldSpec = spec(
        "material.max_release_rate",
        K::Number(Num::Multiple),
        D::Value(1.0),
        B::NON_NEG,
        "fraction of d",
        "Largest stockpile release per day, as a fraction of daily demand `d`.",
    );
    /// `material.refill_rate`.
    pub const REFILL_RATE: FieldSpec = spec(
        "material.refill_rate",
        K::Number(Num::Multiple),
        D::Value(0.10),
        B::NON_NEG,
        "fraction of d",
        "Largest extra order per day above `d`, as a fraction of `d`.",
    );
    /// `[[material.supplier]]`.
    pub const SUPPLIER: FieldSpec = spec(
        "material.supplier",
        K::Tables("<sid>"),
        D::Required,
        B::NONE,
        "",
        "The material's suppliers; at least one.",
    );
    /// `[material.substitution]`.
    pub const SUBSTITUTION: FieldSpec = spec(
        "material.substitution",
        K::Table,
        D::Absent,
        B::NONE,
        "",
        "Optional substitution of demand: while supply falls short, up to `max_fraction` \
         of demand is replaced by a substitute, ramping up over `ramp_days`.",
    );
    /// `[material.reaction]`.
    pub const REACTION: FieldSpec = spec(
        "material.reaction",
        K::Table,
        D::Absent,
        B::NONE,
        "",
        "Optional react-then-forget habit: after a shock hits the material, stock up and \
         diversify for a while, then forget.",
    );
}

/// Fields of `[[material.supplier]]`.
pub mod supplier {
    use super::*;
    /// `material.supplier.id`.
    pub const ID: FieldSpec = spec(
        "material.supplier.id",
        K::Id,
        D::Required,
        B::NONE,
        "",
        "Unique within the material.",
    );
    /// `material.supplier.country`.
    pub const COUNTRY: FieldSpec = spec(
        "material.supplier.country",
        K::Text,
        D::Text(""),
        B::NONE,
        "",
        "Country code, matched by `targets.countries`.",
    );
    /// `material.supplier.share`.
    pub const SHARE: FieldSpec = spec(
        "material.supplier.share",
        K::Number(Num::Share),
        D::Required,
        B::UNIT,
        "",
        "Baseline share of supply; the shares of a material sum to 1 (±1e-6). 0 = dormant \
         (a dormant supplier still offers its `surge`: validation warns when that comes \
         from the default).",
    );
    /// `material.supplier.lead_time_days`.
    pub const LEAD_TIME_DAYS: FieldSpec = spec(
        "material.supplier.lead_time_days",
        K::Number(Num::WholeDays),
        D::Value(30.0),
        B::DAYS_FROM_1,
        "days",
        "Days from order to delivery.",
    );
    /// `material.supplier.surge`.
    pub const SURGE: FieldSpec = spec(
        "material.supplier.surge",
        K::Number(Num::Multiple),
        D::Value(0.10),
        B::NON_NEG,
        "fraction of d",
        "Extra output it can add, as a fraction of `d`.",
    );
    /// `material.supplier.surge_lag_days`.
    pub const SURGE_LAG_DAYS: FieldSpec = spec(
        "material.supplier.surge_lag_days",
        K::Number(Num::WholeDays),
        D::Value(30.0),
        B::DAYS,
        "days",
        "Days of asking before the surge is fully available (0 = at once).",
    );
    /// `material.supplier.unit_cost`.
    pub const UNIT_COST: FieldSpec = spec(
        "material.supplier.unit_cost",
        K::Number(Num::Money),
        D::Derived("the material's `unit_value`"),
        B::NON_NEG,
        "money/unit",
        "Price of one unit bought from it.",
    );
    /// `material.supplier.routes`.
    pub const ROUTES: FieldSpec = spec(
        "material.supplier.routes",
        K::Strings,
        D::Empty,
        B::NONE,
        "",
        "Transport chokepoints the flow passes, matched by `targets.routes`.",
    );
}

/// Fields of `[material.substitution]`.
pub mod substitution {
    use super::*;
    /// `material.substitution.max_fraction`.
    pub const MAX_FRACTION: FieldSpec = spec(
        "material.substitution.max_fraction",
        K::Number(Num::Fraction),
        D::Required,
        B::UNIT,
        "fraction of demand",
        "Largest fraction of demand replaced.",
    );
    /// `material.substitution.ramp_days`.
    pub const RAMP_DAYS: FieldSpec = spec(
        "material.substitution.ramp_days",
        K::Number(Num::Days),
        D::Value(0.0),
        B::NON_NEG,
        "days",
        "Days to ramp up to the full fraction (0 = at once).",
    );
    /// `material.substitution.persist_days`.
    pub const PERSIST_DAYS: FieldSpec = spec(
        "material.substitution.persist_days",
        K::Number(Num::WholeDays),
        D::Value(180.0),
        B::DAYS_FROM_1,
        "days",
        "Days it stays on after the last shortfall day.",
    );
    /// `material.substitution.cost_premium`.
    pub const COST_PREMIUM: FieldSpec = spec(
        "material.substitution.cost_premium",
        K::Number(Num::Multiple),
        D::Value(0.0),
        B::NON_NEG,
        "fraction of unit value",
        "Extra cost per substituted unit, as a fraction of unit value.",
    );
}

/// Fields of `[material.reaction]`.
pub mod reaction {
    use super::*;
    /// `material.reaction.lag_days`.
    pub const LAG_DAYS: FieldSpec = spec(
        "material.reaction.lag_days",
        K::Number(Num::WholeDays),
        D::Value(0.0),
        B::DAYS,
        "days",
        "Days from the onset of a shock that hits the material until the reaction starts.",
    );
    /// `material.reaction.memory_days`.
    pub const MEMORY_DAYS: FieldSpec = spec(
        "material.reaction.memory_days",
        K::Number(Num::WholeDays),
        D::Value(0.0),
        B::DAYS,
        "days",
        "Days after the end of recovery that the reaction persists.",
    );
    /// `material.reaction.private_days`.
    pub const PRIVATE_DAYS: FieldSpec = spec(
        "material.reaction.private_days",
        K::Number(Num::Days),
        D::Derived("the material's `private_days`"),
        B::NON_NEG,
        "days of demand",
        "Private stock target while reacting.",
    );
    /// `material.reaction.shares`.
    pub const SHARES: FieldSpec = spec(
        "material.reaction.shares",
        K::Shares,
        D::Derived("the baseline shares"),
        B::UNIT,
        "",
        "Supplier shares while reacting, e.g. `{ cn = 0.5, au = 0.5 }`; suppliers not \
         listed get 0; they must sum to 1.",
    );
}

/// Fields of `[[shock]]`.
pub mod shock {
    use super::*;
    /// `shock.id`.
    pub const ID: FieldSpec = spec(
        "shock.id",
        K::Id,
        D::Required,
        B::NONE,
        "",
        "Unique among shocks.",
    );
    /// `shock.kind`.
    pub const KIND: FieldSpec = spec(
        "shock.kind",
        K::Choice(&[
            "embargo",
            "export_control",
            "outage",
            "logistics",
            "demand_surge",
        ]),
        D::Required,
        B::NONE,
        "",
        "Supply loss (`embargo`, `export_control`, `outage`), supply loss and/or a delay \
         added to lead times on its targets (`logistics`), or demand multiplied by \
         `1 + severity` (`demand_surge`).",
    );
    /// `shock.label`.
    pub const LABEL: FieldSpec = spec(
        "shock.label",
        K::Text,
        D::Derived("the id"),
        B::NONE,
        "",
        "Human label.",
    );
    /// `shock.targets`.
    pub const TARGETS: FieldSpec = spec(
        "shock.targets",
        K::Table,
        D::Required,
        B::NONE,
        "",
        "What the shock hits: the union of the lists. `\"cn\"` is supplier `cn` in every \
         material, `\"ndpr.cn\"` only in `ndpr`; a country matches suppliers' `country`; a \
         route matches suppliers whose `routes` contain it; a material matches all its \
         suppliers. `demand_surge` accepts only `materials`. An entry that matches nothing \
         is an error (with a did-you-mean).",
    );
    /// `shock.onset`.
    pub const ONSET: FieldSpec = spec(
        "shock.onset",
        K::Table,
        D::Absent,
        B::NONE,
        "",
        "How instances start: `{ rate_per_year = λ }` or `{ day = t0, probability = p }`. \
         Absent: only when triggered by another shock (then some shock must trigger it).",
    );
    /// `shock.duration_days`.
    pub const DURATION_DAYS: FieldSpec = spec(
        "shock.duration_days",
        K::Dist(Num::Days),
        D::Required,
        B::NON_NEG,
        "days",
        "How long an instance lasts; rounded up, at least 1.",
    );
    /// `shock.severity`.
    pub const SEVERITY: FieldSpec = spec(
        "shock.severity",
        K::Dist(Num::Fraction),
        D::Derived("1 for supply losses, 0 for `logistics`"),
        B::NON_NEG,
        "",
        "For supply kinds the fraction of supply lost, within [0, 1]: a distribution that \
         can leave [0, 1] is an error (use `beta`, or `uniform`, `triangular`, `pert` or \
         `empirical` with `max <= 1`; `lognormal`, `exponential` and `gamma` are unbounded). \
         For `demand_surge`, where it is **required**, a number >= 0: demand is multiplied \
         by `1 + severity`.",
    );
    /// `shock.recovery_days`.
    pub const RECOVERY_DAYS: FieldSpec = spec(
        "shock.recovery_days",
        K::Dist(Num::Days),
        D::Value(0.0),
        B::NON_NEG,
        "days",
        "Days of linear recovery after the instance ends; rounded up.",
    );
    /// `shock.delay_days`.
    pub const DELAY_DAYS: FieldSpec = spec(
        "shock.delay_days",
        K::Dist(Num::Days),
        D::Value(0.0),
        B::NON_NEG,
        "days",
        "Days added to lead times while active; **only** for `logistics`.",
    );
    /// `shock.triggers`.
    pub const TRIGGERS: FieldSpec = spec(
        "shock.triggers",
        K::Tables("<shock>"),
        D::Empty,
        B::NONE,
        "",
        "Shocks this one may start (common cause), written \
         `triggers = [{ shock = \"...\", probability = p, lag_days = n }]`; the trigger \
         graph must be acyclic.",
    );
}

/// Fields of `shock.targets`.
pub mod targets {
    use super::*;
    /// `shock.targets.suppliers`.
    pub const SUPPLIERS: FieldSpec = spec(
        "shock.targets.suppliers",
        K::Strings,
        D::Empty,
        B::NONE,
        "",
        "Supplier ids (`\"cn\"` in every material, or `\"ndpr.cn\"` in one).",
    );
    /// `shock.targets.countries`.
    pub const COUNTRIES: FieldSpec = spec(
        "shock.targets.countries",
        K::Strings,
        D::Empty,
        B::NONE,
        "",
        "Supplier countries.",
    );
    /// `shock.targets.routes`.
    pub const ROUTES: FieldSpec = spec(
        "shock.targets.routes",
        K::Strings,
        D::Empty,
        B::NONE,
        "",
        "Routes: hits the suppliers whose `routes` contain one.",
    );
    /// `shock.targets.materials`.
    pub const MATERIALS: FieldSpec = spec(
        "shock.targets.materials",
        K::Strings,
        D::Empty,
        B::NONE,
        "",
        "Material ids: all their suppliers, or their demand for `demand_surge`.",
    );
}

/// Fields of `shock.onset`. Their bounds are the model's ([`crate::model::Onset`]
/// checks the same constants).
pub mod onset {
    use super::*;
    use crate::model::Onset;
    /// `shock.onset.rate_per_year`.
    pub const RATE_PER_YEAR: FieldSpec = spec(
        "shock.onset.rate_per_year",
        K::Number(Num::PerYear),
        D::Absent,
        Onset::RATE_BOUNDS,
        "per year",
        "Expected onsets per year: exponential waits, the first from day 0 and each next \
         from the end of the previous instance's recovery. Give it or `day`, not both.",
    );
    /// `shock.onset.day`.
    pub const DAY: FieldSpec = spec(
        "shock.onset.day",
        K::Number(Num::WholeDays),
        D::Absent,
        Onset::DAY_BOUNDS,
        "day",
        "A single onset on this day.",
    );
    /// `shock.onset.probability`.
    pub const PROBABILITY: FieldSpec = spec(
        "shock.onset.probability",
        K::Number(Num::Probability),
        D::Value(1.0),
        Onset::PROBABILITY_BOUNDS,
        "",
        "Probability that the single onset on `day` happens (only with `day`).",
    );
}

/// Fields of `shock.triggers`. Their bounds are the model's ([`crate::model::Trigger`]
/// checks the same constants).
pub mod trigger {
    use super::*;
    use crate::model::Trigger;
    /// `shock.triggers.shock`.
    pub const SHOCK: FieldSpec = spec(
        "shock.triggers.shock",
        K::ShockRef,
        D::Required,
        B::NONE,
        "",
        "Id of the triggered shock.",
    );
    /// `shock.triggers.probability`.
    pub const PROBABILITY: FieldSpec = spec(
        "shock.triggers.probability",
        K::Number(Num::Probability),
        D::Required,
        Trigger::PROBABILITY_BOUNDS,
        "",
        "Probability that an instance of this shock starts one of the triggered shock.",
    );
    /// `shock.triggers.lag_days`.
    pub const LAG_DAYS: FieldSpec = spec(
        "shock.triggers.lag_days",
        K::Number(Num::WholeDays),
        D::Value(0.0),
        Trigger::LAG_BOUNDS,
        "days",
        "Days between the two onsets.",
    );
}

/// Fields of `[[strategy]]`.
pub mod strategy {
    use super::*;
    /// `strategy.id`.
    pub const ID: FieldSpec = spec(
        "strategy.id",
        K::Id,
        D::Required,
        B::NONE,
        "",
        "Unique among strategies.",
    );
    /// `strategy.label`.
    pub const LABEL: FieldSpec = spec(
        "strategy.label",
        K::Text,
        D::Derived("the id"),
        B::NONE,
        "",
        "Human label.",
    );
    /// `strategy.short_label`.
    pub const SHORT_LABEL: FieldSpec = spec(
        "strategy.short_label",
        K::Text,
        D::Derived("the label"),
        B::NONE,
        "",
        "Short label (1 to 20 characters) where space is tight: chart panel titles, labels \
         beside points and the terminal table; the legend pairs it with the full label.",
    );
    /// `strategy.annual_cost`.
    pub const ANNUAL_COST: FieldSpec = spec(
        "strategy.annual_cost",
        K::Number(Num::Money),
        D::Value(0.0),
        B::NON_NEG,
        "money/year",
        "Fixed yearly cost of the strategy.",
    );
    /// `strategy.release_to_priority`.
    pub const RELEASE_TO_PRIORITY: FieldSpec = spec(
        "strategy.release_to_priority",
        K::Number(Num::Count),
        D::Absent,
        B::range(1.0, MAX_PRIORITY),
        "",
        "Stockpiles are released only to the demand of sectors with `priority` at most \
         this (\"defence and medical first\"); direct demand and less urgent sectors get \
         none of it. Applies to every material some sector uses. Absent: the stockpile \
         serves all demand.",
    );
    /// `strategy.set`.
    pub const SET: FieldSpec = spec(
        "strategy.set",
        K::Overrides,
        D::Empty,
        B::NONE,
        "",
        "Parameter path → value overrides applied to the baseline (see \
         [Strategies](#strategies)).",
    );
}

/// Largest accepted sector `priority` (and `release_to_priority`).
pub const MAX_PRIORITY: f64 = 1000.0;

/// Fields of `[[sector]]`.
pub mod sector {
    use super::*;
    /// `sector.id`.
    pub const ID: FieldSpec = spec(
        "sector.id",
        K::Id,
        D::Required,
        B::NONE,
        "",
        "Unique among materials and sectors (a `uses` key names either).",
    );
    /// `sector.name`.
    pub const NAME: FieldSpec = spec(
        "sector.name",
        K::Text,
        D::Derived("the id"),
        B::NONE,
        "",
        "Human name.",
    );
    /// `sector.unit`.
    pub const UNIT: FieldSpec = spec(
        "sector.unit",
        K::Text,
        D::Text("units"),
        B::NONE,
        "",
        "Unit of output, e.g. `vehicles`.",
    );
    /// `sector.annual_output`.
    pub const ANNUAL_OUTPUT: FieldSpec = spec(
        "sector.annual_output",
        K::Number(Num::Quantity),
        D::Required,
        B::POSITIVE,
        "units/year",
        "Output per year when nothing is short; daily target `y = annual_output / 365`. \
         Sectors using this one may not use more than it makes.",
    );
    /// `sector.value_added`.
    pub const VALUE_ADDED: FieldSpec = spec(
        "sector.value_added",
        K::Number(Num::Money),
        D::Required,
        B::NON_NEG,
        "money/unit",
        "Value added per unit of output (its contribution to GDP, not its price): output \
         lost times this is `value_added_lost`.",
    );
    /// `sector.buffer_days`.
    pub const BUFFER_DAYS: FieldSpec = spec(
        "sector.buffer_days",
        K::Number(Num::Days),
        D::Value(0.0),
        B::NON_NEG,
        "days",
        "Inputs (or work in progress) held, in days of output: drawn when an input falls \
         short, so output goes on.",
    );
    /// `sector.refill_rate`.
    pub const REFILL_RATE: FieldSpec = spec(
        "sector.refill_rate",
        K::Number(Num::Multiple),
        D::Value(0.1),
        B::NON_NEG,
        "days/day",
        "Days of output the buffer regains per day on which every input arrives in full, \
         up to `buffer_days`.",
    );
    /// `sector.priority`.
    pub const PRIORITY: FieldSpec = spec(
        "sector.priority",
        K::Number(Num::Count),
        D::Value(1.0),
        B::range(1.0, MAX_PRIORITY),
        "",
        "Rationing tier: what an input delivers goes to tier 1 in full first, then tier 2, \
         and so on, pro rata within a tier; direct demand comes last.",
    );
    /// `sector.uses`.
    pub const USES: FieldSpec = spec(
        "sector.uses",
        K::Uses,
        D::Required,
        B::NON_NEG,
        "input units/unit",
        "The bill of materials: `uses = { ndpr = 0.002, magnets = 1 }`, input id (a \
         material or another sector) → amount per unit of output. Sectors using sectors \
         must form no cycle (the error names it).",
    );
}

/// Every field, parents before their fields, each table's fields in the order the docs
/// (and the did-you-mean lists) give them.
pub static FIELDS: &[FieldSpec] = &[
    top::NAME,
    top::DESCRIPTION,
    top::HORIZON_DAYS,
    top::REPLICATIONS,
    top::SEED,
    top::CURRENCY,
    top::CRITERION,
    top::MAX_ANNUAL_COST,
    top::MATERIAL,
    top::SHOCK,
    top::STRATEGY,
    top::SECTOR,
    material::ID,
    material::NAME,
    material::UNIT,
    material::ANNUAL_DEMAND,
    material::DEMAND_CV,
    material::UNIT_VALUE,
    material::SHORTAGE_COST,
    material::HOLDING_COST_RATE,
    material::BUCKET,
    material::PRIVATE_DAYS,
    material::STOCKPILE_DAYS,
    material::MAX_RELEASE_RATE,
    material::REFILL_RATE,
    material::SUPPLIER,
    material::SUBSTITUTION,
    material::REACTION,
    supplier::ID,
    supplier::COUNTRY,
    supplier::SHARE,
    supplier::LEAD_TIME_DAYS,
    supplier::SURGE,
    supplier::SURGE_LAG_DAYS,
    supplier::UNIT_COST,
    supplier::ROUTES,
    substitution::MAX_FRACTION,
    substitution::RAMP_DAYS,
    substitution::PERSIST_DAYS,
    substitution::COST_PREMIUM,
    reaction::LAG_DAYS,
    reaction::MEMORY_DAYS,
    reaction::PRIVATE_DAYS,
    reaction::SHARES,
    shock::ID,
    shock::KIND,
    shock::LABEL,
    shock::TARGETS,
    shock::ONSET,
    shock::DURATION_DAYS,
    shock::SEVERITY,
    shock::RECOVERY_DAYS,
    shock::DELAY_DAYS,
    shock::TRIGGERS,
    targets::SUPPLIERS,
    targets::COUNTRIES,
    targets::ROUTES,
    targets::MATERIALS,
    onset::RATE_PER_YEAR,
    onset::DAY,
    onset::PROBABILITY,
    trigger::SHOCK,
    trigger::PROBABILITY,
    trigger::LAG_DAYS,
    strategy::ID,
    strategy::LABEL,
    strategy::SHORT_LABEL,
    strategy::ANNUAL_COST,
    strategy::RELEASE_TO_PRIORITY,
    strategy::SET,
    sector::ID,
    sector::NAME,
    sector::UNIT,
    sector::ANNUAL_OUTPUT,
    sector::VALUE_ADDED,
    sector::BUFFER_DAYS,
    sector::REFILL_RATE,
    sector::PRIORITY,
    sector::USES,
];

/// The field with key path `key` (e.g. `material.supplier.share`).
pub fn field(key: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.key == key)
}

/// The fields of the table at key path `parent` (`""` for the top level), in order.
pub fn children(parent: &str) -> impl Iterator<Item = &'static FieldSpec> + '_ {
    FIELDS.iter().filter(move |f| f.parent() == parent)
}

/// The names of the fields of the table at key path `parent`, in order.
pub fn names(parent: &str) -> Vec<&'static str> {
    children(parent).map(FieldSpec::name).collect()
}

/// The names of the fields of the table at `parent` that have parameter paths, in order.
pub fn param_names(parent: &str) -> Vec<&'static str> {
    children(parent)
        .filter(|f| f.is_param())
        .map(FieldSpec::name)
        .collect()
}

/// What kind of number a parameter path holds, for sweeps, sizing and sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Any real number in the parameter's range.
    Real,
    /// A whole number of days (or replications).
    WholeDays,
    /// A probability or fraction in [0, 1].
    Probability,
    /// A supplier share in [0, 1]; setting it rescales the others.
    Share,
}

impl ParamKind {
    /// Name as written in outputs: `real`, `whole_days`, `probability`, `share`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Real => "real",
            ParamKind::WholeDays => "whole_days",
            ParamKind::Probability => "probability",
            ParamKind::Share => "share",
        }
    }
}

/// A concrete parameter path resolved against the table (see [`lookup`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathInfo {
    /// The field: a number, a distribution, or a table of shares.
    pub field: &'static FieldSpec,
    /// For `shock.<id>.<field>.<param>`: the distribution parameter named.
    pub dist_param: Option<&'static DistParam>,
}

impl PathInfo {
    /// What the number at the path measures; `None` for a pure parameter of a
    /// distribution (`shape`, `alpha`, `beta`).
    pub fn num(&self) -> Option<Num> {
        match self.dist_param {
            Some(p) if !p.in_value_unit => None,
            _ => self.field.num(),
        }
    }

    /// Whether the file must hold a whole number here.
    pub fn is_whole(&self) -> bool {
        matches!(self.field.kind, Kind::Number(n) if n.is_whole())
    }

    /// The kind as the file checks it: whole-day and count fields are
    /// [`ParamKind::WholeDays`], probabilities and fractions [`ParamKind::Probability`],
    /// shares [`ParamKind::Share`]; everything else, distributions included,
    /// [`ParamKind::Real`].
    pub fn param_kind(&self) -> ParamKind {
        let n = match self.field.kind {
            Kind::Number(n) => n,
            Kind::Shares => Num::Share,
            Kind::Uses => return ParamKind::Real,
            _ => return ParamKind::Real,
        };
        match n {
            Num::WholeDays | Num::Count => ParamKind::WholeDays,
            Num::Probability | Num::Fraction => ParamKind::Probability,
            Num::Share => ParamKind::Share,
            _ => ParamKind::Real,
        }
    }

    /// The kind as analyses move the path: as [`PathInfo::param_kind`], except that
    /// every number measured in days (a stock target in days, a ramp, a fixed duration,
    /// a distribution's parameter in days such as `duration_days.median`) is swept and
    /// searched in whole days. A plan is made in days; a stockpile sized to the hundredth
    /// of a day is a precision no interval supports.
    pub fn sweep_kind(&self) -> ParamKind {
        match self.param_kind() {
            ParamKind::Real if self.num().is_some_and(Num::is_days) => ParamKind::WholeDays,
            k => k,
        }
    }

    /// Whether the natural scale of the number is 1: a multiple of daily demand or of
    /// unit value, a coefficient of variation, or anything about a shock's severity.
    /// Sizing searches such a path over at least `0..1`.
    pub fn unit_scale(&self) -> bool {
        match self.field.kind {
            Kind::Number(n) => n == Num::Multiple,
            Kind::Dist(n) => matches!(n, Num::Fraction | Num::Multiple),
            _ => false,
        }
    }

    /// The legal values of the number at the path. A pure distribution parameter
    /// (`shape`, `alpha`, `beta`, `mean`) must be positive; a parameter in the value's
    /// unit has the field's bounds.
    pub fn bounds(&self) -> Bounds {
        match self.dist_param {
            Some(p) if !p.in_value_unit => Bounds::POSITIVE,
            _ => self.field.bounds,
        }
    }

    /// The default when the file leaves the path out, if it is a fixed number.
    pub fn default_value(&self) -> Option<f64> {
        match self.dist_param {
            Some(_) => None,
            None => self.field.default_value(),
        }
    }
}

/// Resolves a concrete parameter path (`material.ndpr.supplier.au.share`,
/// `shock.x.duration_days.median`, `material.m.reaction.shares.cn`) to its field in the
/// table, by structure: an id follows each array of tables. `None` when the path does not
/// name a number of the format (the ids are not checked against any scenario).
pub fn lookup(path: &str) -> Option<PathInfo> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut parent = String::new();
    let mut i = 0;
    while i < segs.len() {
        let f = children(&parent).find(|f| f.name() == segs[i])?;
        i += 1;
        let rest = segs.len() - i;
        match f.kind {
            Kind::Number(_) if rest == 0 => {
                return Some(PathInfo {
                    field: f,
                    dist_param: None,
                });
            }
            Kind::Dist(_) if rest == 0 => {
                return Some(PathInfo {
                    field: f,
                    dist_param: None,
                });
            }
            Kind::Dist(_) if rest == 1 => {
                return Some(PathInfo {
                    field: f,
                    dist_param: Some(dist_param(segs[i])?),
                });
            }
            Kind::Shares | Kind::Uses if rest == 1 => {
                return Some(PathInfo {
                    field: f,
                    dist_param: None,
                });
            }
            Kind::Table => parent = f.key.to_string(),
            Kind::Tables(_) if rest >= 2 => {
                parent = f.key.to_string();
                i += 1;
            }
            _ => return None,
        }
    }
    None
}

/// The kind of the parameter at `path` as the file checks it ([`PathInfo::param_kind`];
/// [`ParamKind::Real`] for a path that names no number of the format).
pub fn param_kind(path: &str) -> ParamKind {
    lookup(path).map_or(ParamKind::Real, |p| p.param_kind())
}

/// The kind of the parameter at `path` as analyses move it ([`PathInfo::sweep_kind`];
/// [`ParamKind::Real`] for a path that names no number of the format).
pub fn sweep_kind(path: &str) -> ParamKind {
    lookup(path).map_or(ParamKind::Real, |p| p.sweep_kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The onset and trigger fields' bounds are the model's: a value the table refuses
    /// the model's constructor refuses too, and one the table takes it builds, at and
    /// around every edge (a bound written twice could drift apart: e.g. the model
    /// taking a rate of 1e19 that the file may not give).
    #[test]
    fn onset_and_trigger_bounds_are_the_models() {
        use crate::model::{Onset, Trigger};
        let probes = [
            f64::NAN,
            f64::NEG_INFINITY,
            -1.0,
            -1e-12,
            0.0,
            0.5,
            1.0,
            1.0 + 1e-12,
            2.0,
            MAX_DAYS,
            MAX_DAYS + 1.0,
            MAX_MAGNITUDE,
            MAX_MAGNITUDE * 10.0,
            f64::INFINITY,
        ];
        for x in probes {
            let whole = x >= 0.0 && x <= f64::from(u32::MAX) && x.fract() == 0.0;
            let cases: [(&FieldSpec, Option<bool>); 5] = [
                (&onset::RATE_PER_YEAR, Some(Onset::rate(x).is_ok())),
                (
                    &onset::DAY,
                    whole.then(|| Onset::day(x as u32, 1.0).is_ok()),
                ),
                (&onset::PROBABILITY, Some(Onset::day(0, x).is_ok())),
                (&trigger::PROBABILITY, Some(Trigger::new(0, x, 0).is_ok())),
                (
                    &trigger::LAG_DAYS,
                    whole.then(|| Trigger::new(0, 1.0, x as u32).is_ok()),
                ),
            ];
            for (spec, built) in cases {
                if let Some(built) = built {
                    assert_eq!(spec.bounds.contains(x), built, "{} = {x}", spec.key);
                }
            }
        }
    }

    #[test]
    fn keys_are_unique_and_parents_come_first() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[..i].iter().all(|g| g.key != f.key),
                "duplicate {}",
                f.key
            );
            if !f.parent().is_empty() {
                let p = FIELDS[..i].iter().find(|g| g.key == f.parent());
                assert!(
                    p.is_some_and(|p| p.kind.is_container()),
                    "{}: parent missing, later, or not a table",
                    f.key
                );
            }
        }
    }

    #[test]
    fn numbers_have_sensible_bounds_and_defaults() {
        for f in FIELDS {
            if let Kind::Number(n) = f.kind {
                assert!(
                    f.bounds.min >= 0.0,
                    "{}: negative numbers are never legal",
                    f.key
                );
                if n.is_unit() {
                    assert!(f.bounds.is_unit(), "{}", f.key);
                }
                if n.is_whole() {
                    assert!(
                        f.bounds.max.is_finite(),
                        "{}: whole fields are capped",
                        f.key
                    );
                }
                if let Some(v) = f.default_value() {
                    assert!(f.bounds.contains(v), "{}: default {v} out of bounds", f.key);
                }
            }
            if !matches!(
                f.kind,
                Kind::Number(_) | Kind::Dist(_) | Kind::Seed | Kind::Shares | Kind::Uses
            ) {
                assert_eq!(f.bounds, Bounds::NONE, "{}", f.key);
            }
        }
    }

    #[test]
    fn paths_resolve_by_structure() {
        let k = |p: &str| lookup(p).map(|i| (i.field.key, i.param_kind(), i.sweep_kind()));
        use ParamKind::*;
        assert_eq!(
            k("material.ndpr.supplier.au.lead_time_days"),
            Some(("material.supplier.lead_time_days", WholeDays, WholeDays))
        );
        assert_eq!(
            k("material.ndpr.supplier.au.share"),
            Some(("material.supplier.share", Share, Share))
        );
        assert_eq!(
            k("material.ndpr.reaction.shares.cn"),
            Some(("material.reaction.shares", Share, Share))
        );
        assert_eq!(
            k("material.ndpr.stockpile_days"),
            Some(("material.stockpile_days", Real, WholeDays))
        );
        assert_eq!(
            k("shock.x.duration_days.median"),
            Some(("shock.duration_days", Real, WholeDays))
        );
        assert_eq!(
            k("shock.x.duration_days.shape"),
            Some(("shock.duration_days", Real, Real))
        );
        assert_eq!(
            k("shock.x.triggers.y.probability"),
            Some(("shock.triggers.probability", Probability, Probability))
        );
        assert_eq!(
            k("shock.x.onset.day"),
            Some(("shock.onset.day", WholeDays, WholeDays))
        );
        assert_eq!(
            k("replications"),
            Some(("replications", WholeDays, WholeDays))
        );
        assert_eq!(
            k("strategy.s.annual_cost"),
            Some(("strategy.annual_cost", Real, Real))
        );
        // Ids that look like field names do not fool it.
        assert_eq!(
            k("material.lead_time_days.stockpile_days"),
            Some(("material.stockpile_days", Real, WholeDays))
        );
        for bad in [
            "",
            "material",
            "material.m",
            "material.m.supplier.s",
            "material.m.supplier.s.id",
            "material.m.name",
            "material.m.stockpile_days.x",
            "shock.x.duration_days.median.y",
            "shock.x.duration_days.values",
            "seed",
            "stockpile_days",
            "material.m.reaction.shares",
            "material.m.reaction.shares.a.b",
        ] {
            assert_eq!(lookup(bad), None, "{bad}");
        }
    }

    #[test]
    fn patterns_name_each_id() {
        assert_eq!(
            supplier::SHARE.path_pattern(),
            "material.<id>.supplier.<sid>.share"
        );
        assert_eq!(
            trigger::LAG_DAYS.path_pattern(),
            "shock.<id>.triggers.<shock>.lag_days"
        );
        assert_eq!(top::HORIZON_DAYS.path_pattern(), "horizon_days");
        assert_eq!(
            reaction::SHARES.path_pattern(),
            "material.<id>.reaction.shares"
        );
    }
}
