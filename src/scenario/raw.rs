//! Raw scenario structs: a faithful mirror of the TOML format of MODEL.md §7, as written.
//!
//! Stage one of the two-stage parse. Everything here is what the file says, with ids as
//! strings and distributions as specs; almost every field is optional so that missing
//! values become located semantic problems (reported all at once by
//! [`super::validate`]) instead of a single serde error. These structs also derive the
//! JSON Schema printed by `chokepoint schema`.
//!
//! Depends only on serde, toml and schemars.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A whole scenario file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawScenario {
    /// Human title.
    pub name: Option<String>,
    /// What the scenario models, for whom, and where its numbers come from.
    pub description: Option<String>,
    /// Days simulated (whole number, 1 ..= 36500).
    pub horizon_days: Option<f64>,
    /// Default number of replications (whole number, 1 ..= 100000000).
    pub replications: Option<f64>,
    /// Default seed (non-negative integer; default 0).
    pub seed: Option<u64>,
    /// Currency of every money amount (`unit_value`, `shortage_cost`, `unit_cost`,
    /// `annual_cost`), used to label money in outputs; an ISO code such as `USD` or `JPY`
    /// (default `USD`).
    pub currency: Option<String>,
    /// What the report's recommendation ranks strategies by: `expected_total_cost`
    /// (default) or `p95_shortfall` (reporting only).
    pub criterion: Option<String>,
    /// Budget of the recommendation: strategies whose `annual_cost` exceeds it are not
    /// recommended (money per year, >= 0; reporting only).
    pub max_annual_cost: Option<f64>,
    /// Materials (`[[material]]`).
    #[serde(default)]
    pub material: Vec<RawMaterial>,
    /// Shocks (`[[shock]]`).
    #[serde(default)]
    pub shock: Vec<RawShock>,
    /// Strategies (`[[strategy]]`); none means one implicit `baseline`.
    #[serde(default)]
    pub strategy: Vec<RawStrategy>,
    /// Sectors (`[[sector]]`): what the materials are used for (the sector layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sector: Vec<RawSector>,
}

/// A sector (`[[sector]]`): turns materials and other sectors' output into output and
/// value added.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSector {
    /// Id, unique among materials and sectors.
    pub id: Option<String>,
    /// Human name (default: the id).
    pub name: Option<String>,
    /// Unit of output (default `units`).
    pub unit: Option<String>,
    /// Units of output per year (required, > 0).
    pub annual_output: Option<f64>,
    /// Value added, money per unit of output (required, >= 0).
    pub value_added: Option<f64>,
    /// Buffer of inputs in days of output (default 0).
    pub buffer_days: Option<f64>,
    /// Days of output the buffer regains per day when every input arrives in full
    /// (default 0.1).
    pub refill_rate: Option<f64>,
    /// Rationing tier, 1 served first (whole number >= 1, default 1).
    pub priority: Option<f64>,
    /// Input id (a material or another sector) → amount per unit of output (>= 0).
    pub uses: Option<BTreeMap<String, f64>>,
}

/// A material (`[[material]]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawMaterial {
    /// Id: lowercase letters, digits and `_`, starting with a letter.
    pub id: Option<String>,
    /// Human name (default: the id).
    pub name: Option<String>,
    /// Unit of quantities (default `units`).
    pub unit: Option<String>,
    /// Units demanded per year (required, > 0).
    pub annual_demand: Option<f64>,
    /// Coefficient of variation of daily demand (default 0).
    pub demand_cv: Option<f64>,
    /// Money per unit (required).
    pub unit_value: Option<f64>,
    /// Money lost per unit of unmet demand (required).
    pub shortage_cost: Option<f64>,
    /// Holding cost as a fraction of unit value per year (default 0.02).
    pub holding_cost_rate: Option<f64>,
    /// Reporting bucket: `green`, `blue` or `red`.
    pub bucket: Option<String>,
    /// Private working stock target in days of demand (default 30).
    pub private_days: Option<f64>,
    /// Strategic stockpile target in days of demand (default 0).
    pub stockpile_days: Option<f64>,
    /// Largest stockpile release per day as a fraction of daily demand (default 1.0).
    pub max_release_rate: Option<f64>,
    /// Largest extra order per day as a fraction of daily demand (default 0.10).
    pub refill_rate: Option<f64>,
    /// Suppliers (`[[material.supplier]]`).
    #[serde(default)]
    pub supplier: Vec<RawSupplier>,
    /// Optional substitution (`[material.substitution]`).
    pub substitution: Option<RawSubstitution>,
    /// Optional react-then-forget habit (`[material.reaction]`).
    pub reaction: Option<RawReaction>,
}

/// A supplier of a material (`[[material.supplier]]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSupplier {
    /// Id, unique within the material.
    pub id: Option<String>,
    /// Country code (matched by `targets.countries`).
    pub country: Option<String>,
    /// Baseline share of supply in [0, 1] (required; shares sum to 1).
    pub share: Option<f64>,
    /// Lead time in whole days (>= 1, default 30).
    pub lead_time_days: Option<f64>,
    /// Extra output it can add, as a fraction of daily demand (default 0.10).
    pub surge: Option<f64>,
    /// Whole days of asking before the surge is fully available (default 30).
    pub surge_lag_days: Option<f64>,
    /// Money per unit bought from it (default: the material's `unit_value`).
    pub unit_cost: Option<f64>,
    /// Transport chokepoints the flow passes (matched by `targets.routes`).
    #[serde(default)]
    pub routes: Vec<String>,
}

/// Substitution of demand (`[material.substitution]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSubstitution {
    /// Largest fraction of demand replaced, in [0, 1] (required).
    pub max_fraction: Option<f64>,
    /// Days to ramp to the full fraction (default 0 = at once).
    pub ramp_days: Option<f64>,
    /// Whole days it stays on after the last shortfall day (>= 1, default 180).
    pub persist_days: Option<f64>,
    /// Extra cost per substituted unit as a fraction of unit value (default 0).
    pub cost_premium: Option<f64>,
}

/// The react-then-forget habit (`[material.reaction]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawReaction {
    /// Whole days from a hitting onset until the reaction starts (default 0).
    pub lag_days: Option<f64>,
    /// Whole days after the end of recovery the reaction persists (default 0).
    pub memory_days: Option<f64>,
    /// Private stock target in days while reacting (default: the material's).
    pub private_days: Option<f64>,
    /// Supplier id → share while reacting (default: baseline shares; missing ids get 0).
    pub shares: Option<BTreeMap<String, f64>>,
}

/// A shock (`[[shock]]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawShock {
    /// Id.
    pub id: Option<String>,
    /// `embargo`, `export_control`, `outage`, `logistics` or `demand_surge`.
    pub kind: Option<String>,
    /// Human label (default: the id).
    pub label: Option<String>,
    /// What it hits.
    pub targets: Option<RawTargets>,
    /// How instances start; absent = only when triggered by another shock.
    pub onset: Option<RawOnset>,
    /// Duration in days (required).
    pub duration_days: Option<RawDist>,
    /// Severity (default 1 for supply losses, 0 for `logistics`; required for `demand_surge`).
    pub severity: Option<RawDist>,
    /// Recovery days (default 0).
    pub recovery_days: Option<RawDist>,
    /// Days added to lead times while active (`logistics` only; default 0).
    pub delay_days: Option<RawDist>,
    /// Shocks this one may start (common cause).
    #[serde(default)]
    pub triggers: Vec<RawTrigger>,
}

/// Targets of a shock: a union of the lists.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawTargets {
    /// Supplier ids (`cn` in every material, or `ndpr.cn` in one).
    pub suppliers: Option<Vec<String>>,
    /// Supplier countries.
    pub countries: Option<Vec<String>>,
    /// Routes (suppliers whose `routes` contain one).
    pub routes: Option<Vec<String>>,
    /// Material ids (all suppliers, or demand for `demand_surge`).
    pub materials: Option<Vec<String>>,
}

/// Onset process: either `rate_per_year`, or `day` with an optional `probability`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawOnset {
    /// Expected onsets per year (renewal process).
    pub rate_per_year: Option<f64>,
    /// A single onset on this whole day.
    pub day: Option<f64>,
    /// Probability the single onset happens (default 1).
    pub probability: Option<f64>,
}

/// A common-cause link to another shock.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawTrigger {
    /// Id of the triggered shock.
    pub shock: Option<String>,
    /// Probability in [0, 1] (required).
    pub probability: Option<f64>,
    /// Whole days between the onsets (default 0).
    pub lag_days: Option<f64>,
}

/// A strategy (`[[strategy]]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawStrategy {
    /// Id.
    pub id: Option<String>,
    /// Human label (default: the id).
    pub label: Option<String>,
    /// Short label for chart panels and the terminal table (default: the label).
    pub short_label: Option<String>,
    /// Fixed yearly cost (default 0).
    pub annual_cost: Option<f64>,
    /// Stockpiles are released only to sectors of this priority or more urgent (whole
    /// number >= 1; default: to every demand).
    pub release_to_priority: Option<f64>,
    /// Parameter path → value overrides applied to the baseline.
    #[serde(default)]
    pub set: SetMap,
}

/// The `set` table of a strategy, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetMap(pub Vec<(String, SetValue)>);

/// A value in a strategy's `set`: a number, or a table for `material.X.shares`,
/// `material.X.substitution` and `material.X.reaction`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// A number.
    Number(f64),
    /// A table, as written.
    Table(toml::Table),
}

impl fmt::Display for SetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetValue::Number(v) => write!(f, "{v}"),
            SetValue::Table(t) => {
                let inner: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                write!(f, "{{ {} }}", inner.join(", "))
            }
        }
    }
}

impl<'de> Deserialize<'de> for SetMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SetMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of parameter path = value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<SetMap, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    let v = m.next_value::<SetValue>()?;
                    out.push((k, v));
                }
                Ok(SetMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for SetMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            match v {
                SetValue::Number(x) => m.serialize_entry(k, x)?,
                SetValue::Table(t) => m.serialize_entry(k, t)?,
            }
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for SetValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SetValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a table for `shares`, `substitution` or `reaction`")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SetValue, E> {
                Ok(SetValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SetValue, E> {
                Ok(SetValue::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SetValue, E> {
                Ok(SetValue::Number(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<SetValue, A::Error> {
                let t = toml::Table::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(SetValue::Table(t))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for SetMap {
    fn schema_name() -> Cow<'static, str> {
        "SetMap".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Parameter path (e.g. \"material.ndpr.stockpile_days\") = number; or \"material.X.shares\" / \"material.X.substitution\" / \"material.X.reaction\" = table.",
            "type": "object",
            "additionalProperties": { "type": ["number", "object"] }
        })
    }
}

/// Names of the distribution kinds, as written in files (from the field table).
fn dist_kinds() -> impl Iterator<Item = &'static str> {
    super::fields::DISTRIBUTIONS.iter().map(|d| d.name)
}

fn dist_kinds_list() -> String {
    dist_kinds().collect::<Vec<_>>().join(", ")
}

/// A distribution as written: a bare number (fixed) or a one-key table.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDist {
    /// `x` or `{ fixed = x }`.
    Fixed(f64),
    /// `{ uniform = { min, max } }`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ triangular = { min, mode, max } }`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ pert = { min, mode, max } }`.
    Pert {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// `{ lognormal = { median, p90 } }`.
    LogNormal {
        /// Median.
        median: f64,
        /// 90th percentile.
        p90: f64,
    },
    /// `{ exponential = { mean } }`.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// `{ gamma = { shape, scale } }`.
    Gamma {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
    },
    /// `{ beta = { alpha, beta } }`.
    Beta {
        /// Alpha.
        alpha: f64,
        /// Beta.
        beta: f64,
    },
    /// `{ empirical = { values, weights? } }`.
    Empirical {
        /// Values.
        values: Vec<f64>,
        /// Optional weights, one per value.
        weights: Option<Vec<f64>>,
    },
}

impl RawDist {
    /// Kind name as written.
    pub fn kind(&self) -> &'static str {
        match self {
            RawDist::Fixed(_) => "fixed",
            RawDist::Uniform { .. } => "uniform",
            RawDist::Triangular { .. } => "triangular",
            RawDist::Pert { .. } => "pert",
            RawDist::LogNormal { .. } => "lognormal",
            RawDist::Exponential { .. } => "exponential",
            RawDist::Gamma { .. } => "gamma",
            RawDist::Beta { .. } => "beta",
            RawDist::Empirical { .. } => "empirical",
        }
    }

    /// Named scalar parameters, mutable (empty for `fixed` and `empirical`).
    pub fn params_mut(&mut self) -> Vec<(&'static str, &mut f64)> {
        match self {
            RawDist::Fixed(_) | RawDist::Empirical { .. } => vec![],
            RawDist::Uniform { min, max } => vec![("min", min), ("max", max)],
            RawDist::Triangular { min, mode, max } | RawDist::Pert { min, mode, max } => {
                vec![("min", min), ("mode", mode), ("max", max)]
            }
            RawDist::LogNormal { median, p90 } => vec![("median", median), ("p90", p90)],
            RawDist::Exponential { mean } => vec![("mean", mean)],
            RawDist::Gamma { shape, scale } => vec![("shape", shape), ("scale", scale)],
            RawDist::Beta { alpha, beta } => vec![("alpha", alpha), ("beta", beta)],
        }
    }

    /// Named scalar parameters (empty for `fixed` and `empirical`).
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        let mut c = self.clone();
        c.params_mut().into_iter().map(|(n, v)| (n, *v)).collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinMax {
    min: f64,
    max: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinModeMax {
    min: f64,
    mode: f64,
    max: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MedianP90 {
    median: f64,
    p90: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mean {
    mean: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeScale {
    shape: f64,
    scale: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlphaBeta {
    alpha: f64,
    beta: f64,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValuesWeights {
    values: Vec<f64>,
    weights: Option<Vec<f64>>,
}

/// "did you mean" helper shared by the layer: the closest candidate within a small
/// edit distance.
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let cands: Vec<&str> = candidates.into_iter().collect();
    cands
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(word.len() / 3) && *d < c.len().max(1))
        .min_by_key(|(d, _)| *d)
        .or_else(|| {
            // A prefix of a known name (`stockpile` for `stockpile_days`).
            cands
                .iter()
                .find(|c| word.len() >= 4 && c.starts_with(word))
                .map(|c| (0, *c))
        })
        .map(|(_, c)| c.to_string())
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a number or a one-key table such as { lognormal = { median = 60, p90 = 240 } }",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawDist, A::Error> {
                let Some(kind) = m.next_key::<String>()? else {
                    return Err(de::Error::custom(format!(
                        "empty distribution table; expected one of {}",
                        dist_kinds_list()
                    )));
                };
                let dist = match kind.as_str() {
                    "fixed" => RawDist::Fixed(m.next_value::<f64>()?),
                    "uniform" => {
                        let p: MinMax = m.next_value()?;
                        RawDist::Uniform {
                            min: p.min,
                            max: p.max,
                        }
                    }
                    "triangular" => {
                        let p: MinModeMax = m.next_value()?;
                        RawDist::Triangular {
                            min: p.min,
                            mode: p.mode,
                            max: p.max,
                        }
                    }
                    "pert" => {
                        let p: MinModeMax = m.next_value()?;
                        RawDist::Pert {
                            min: p.min,
                            mode: p.mode,
                            max: p.max,
                        }
                    }
                    "lognormal" => {
                        let p: MedianP90 = m.next_value()?;
                        RawDist::LogNormal {
                            median: p.median,
                            p90: p.p90,
                        }
                    }
                    "exponential" => {
                        let p: Mean = m.next_value()?;
                        RawDist::Exponential { mean: p.mean }
                    }
                    "gamma" => {
                        let p: ShapeScale = m.next_value()?;
                        RawDist::Gamma {
                            shape: p.shape,
                            scale: p.scale,
                        }
                    }
                    "beta" => {
                        let p: AlphaBeta = m.next_value()?;
                        RawDist::Beta {
                            alpha: p.alpha,
                            beta: p.beta,
                        }
                    }
                    "empirical" => {
                        let p: ValuesWeights = m.next_value()?;
                        RawDist::Empirical {
                            values: p.values,
                            weights: p.weights,
                        }
                    }
                    other => {
                        let hint = closest(other, dist_kinds())
                            .map(|c| format!(", did you mean `{c}`?"))
                            .unwrap_or_default();
                        return Err(de::Error::custom(format!(
                            "unknown distribution `{other}`{hint} expected one of {}",
                            dist_kinds_list()
                        )));
                    }
                };
                if let Some(extra) = m.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a distribution has exactly one key, but `{extra}` follows `{kind}`; write e.g. {{ {kind} = {{ ... }} }}"
                    )));
                }
                Ok(dist)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for RawDist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let RawDist::Fixed(v) = self {
            return s.serialize_f64(*v);
        }
        let mut inner = BTreeMap::new();
        for (n, v) in self.params() {
            inner.insert(n.to_string(), toml::Value::Float(v));
        }
        if let RawDist::Empirical { values, weights } = self {
            let arr = |xs: &Vec<f64>| {
                toml::Value::Array(xs.iter().map(|x| toml::Value::Float(*x)).collect())
            };
            inner.insert("values".into(), arr(values));
            if let Some(w) = weights {
                inner.insert("weights".into(), arr(w));
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.kind(), &inner)?;
        m.end()
    }
}

impl JsonSchema for RawDist {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::Schema::try_from(super::reference::distribution_schema()).unwrap_or_default()
    }
}
