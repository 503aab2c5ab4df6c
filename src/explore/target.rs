//! Targets such as `p95(shortfall_pct) <= 1 and autonomy >= 0.9`: a small parser, the
//! statistics they name, and their evaluation (with 95% intervals) on a run.
//!
//! Grammar (case-insensitive; spaces free between tokens, never inside one):
//!
//! ```text
//! target = clause ("and" clause)*
//! clause = stat "(" measure ")" op number | "autonomy" op number
//! op     = "<=" | "<" | ">=" | ">"
//! number = ["+" | "-"] digits ["." digits] [("e" | "E") ["+" | "-"] digits]   (finite)
//! ```
//!
//! Statistics ([`Stat`]): `mean`, `pNN` (a percentile, `p1` … `p99`, e.g. `p50`, `p90`,
//! `p95`, `p99`), `cvar95`, `prob_positive`, and `autonomy` (share of replications with
//! no shortfall day; it takes no measure, and `autonomy(…)` is an error). Measures
//! ([`Measure`]) are the names of [`Metric`] for a material, or of [`TotalMetric`] for
//! the totals. With sectors (`docs/model.md`, the sector layer) the totals also have
//! `value_added_lost`, the GDP at risk (`p95(value_added_lost) <= 2e9`), and a sector
//! (`--material <sector id>`, or `sector.<id>`) has the sector metrics `output_lost`,
//! `output_lost_pct`, `value_added_lost`, `days_output_reduced` and `tts_days`; its
//! `autonomy` is the share of futures with no day of reduced output. A threshold is a plain number in the measure's own unit: `shortfall_pct`
//! is already in percent, so `<= 1` means 1%, and `<= 1%` is an error (so is any text
//! after a number other than `and`, e.g. `<= 1 1`). Every rejection names the column
//! (counted in characters from 1) where the target stops making sense and what was
//! expected there. Parsing is one pass over the tokens: linear in the target's length.

use super::ExploreError;
use super::interval;
use crate::model::{Scenario, SubjectId};
use crate::numfmt;
use crate::sim::{Metric, RunResult, SectorMetric};
pub use crate::stats::{Measure, Stat};
use crate::stats::{
    TotalMetric, cvar95_sorted, metric_column, total_column, value_added_lost_column,
};
use serde::Serialize;

/// Which results a statistic reads: one material, the totals over materials, or one
/// sector of the sector layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The material with this index.
    Material(usize),
    /// Totals over materials (`total` in outputs); with sectors also the GDP at risk,
    /// `value_added_lost` summed over the sectors.
    Total,
    /// The sector with this index (in `Scenario::sectors`).
    Sector(usize),
}

/// Prefix that makes a `--material` argument name a material whatever its id, e.g.
/// `material.total` for a material called `total` (plain `total` means the totals).
pub const MATERIAL_PREFIX: &str = "material.";

/// Prefix that makes a `--material` argument name a sector, e.g. `sector.motors` (a
/// sector's plain id works too: ids are unique across materials and sectors).
pub const SECTOR_PREFIX: &str = "sector.";

impl Subject {
    /// Resolves `--material`: a material id (optionally written `material.<id>`), a
    /// sector id (optionally `sector.<id>`), or `total` for the totals over materials;
    /// without it the only material, or the totals when there are several. A material
    /// may be called `total`: plain `total` still means the totals, and `material.total`
    /// the material.
    ///
    /// # Errors
    /// An unknown id, listing the valid ones.
    pub fn resolve(scn: &Scenario, id: Option<&str>) -> Result<Subject, ExploreError> {
        match id {
            Some(crate::model::TOTAL_ID) => Ok(Subject::Total),
            Some(id) => {
                let material = id.strip_prefix(MATERIAL_PREFIX).unwrap_or(id);
                let sector = id.strip_prefix(SECTOR_PREFIX).unwrap_or(id);
                let found = if id.starts_with(SECTOR_PREFIX) {
                    None
                } else {
                    scn.materials()
                        .iter()
                        .position(|m| m.id == material)
                        .map(Subject::Material)
                };
                let found = found.or_else(|| {
                    (!id.starts_with(MATERIAL_PREFIX))
                        .then(|| scn.sectors().iter().position(|k| k.id == sector))
                        .flatten()
                        .map(Subject::Sector)
                });
                found.ok_or_else(|| {
                    let ids: Vec<&str> = scn.materials().iter().map(|m| m.id.as_str()).collect();
                    let sectors: Vec<&str> = scn.sectors().iter().map(|k| k.id.as_str()).collect();
                    let sectors = if sectors.is_empty() {
                        String::new()
                    } else {
                        format!(", the sectors {}", sectors.join(", "))
                    };
                    ExploreError::Spec(format!(
                        "unknown material or sector `{id}`; the scenario has {}{sectors}                          (or `total`)",
                        ids.join(", ")
                    ))
                })
            }
            None if scn.materials().len() == 1 => Ok(Subject::Material(0)),
            None => Ok(Subject::Total),
        }
    }

    /// Whose results these are, by id (sweeps, whose rows are keyed by it, do not take
    /// sectors).
    pub fn subject_id(self, scn: &Scenario) -> SubjectId {
        match self {
            Subject::Material(m) => SubjectId::Material(scn.materials()[m].id.clone()),
            Subject::Total => SubjectId::Total,
            Subject::Sector(k) => SubjectId::Sector(scn.sectors()[k].id.clone()),
        }
    }

    /// Id for outputs: the material's or sector's id, or `total`.
    pub fn id(self, scn: &Scenario) -> String {
        self.subject_id(scn).as_str().to_string()
    }

    /// Whether `measure` exists for this subject of `scn`: every [`Metric`] for a
    /// material; the [`TotalMetric`]s for the totals, and with sectors
    /// `value_added_lost` (the GDP at risk); the sector metrics for a sector.
    pub fn has(self, scn: &Scenario, measure: Measure) -> bool {
        match self {
            Subject::Material(_) => measure.metric().is_some(),
            Subject::Total => {
                measure.total().is_some()
                    || (!scn.sectors().is_empty()
                        && measure == Measure::Sector(SectorMetric::ValueAddedLost))
            }
            Subject::Sector(_) => measure.sector_metric().is_some(),
        }
    }

    /// Checks that `measure` exists for this subject of `scn`.
    ///
    /// # Errors
    /// [`ExploreError::Spec`] listing the valid metric names.
    pub fn check(self, scn: &Scenario, measure: Measure) -> Result<(), ExploreError> {
        if self.has(scn, measure) {
            return Ok(());
        }
        Err(self.unknown(scn, measure.name()))
    }

    /// The measure named `name` (as `--metric` gives it), checked for this subject.
    ///
    /// # Errors
    /// [`ExploreError::Spec`] listing the valid metric names.
    pub fn measure(self, scn: &Scenario, name: &str) -> Result<Measure, ExploreError> {
        Measure::parse(name)
            .filter(|&m| self.has(scn, m))
            .ok_or_else(|| self.unknown(scn, name))
    }

    fn unknown(self, scn: &Scenario, metric: &str) -> ExploreError {
        let mut names: Vec<&str> = match self {
            Subject::Material(_) => Metric::ALL.iter().map(|m| m.name()).collect(),
            Subject::Total => TotalMetric::ALL.iter().map(|m| m.name()).collect(),
            Subject::Sector(_) => SectorMetric::ALL.iter().map(|m| m.name()).collect(),
        };
        if self == Subject::Total && !scn.sectors().is_empty() {
            names.push(SectorMetric::ValueAddedLost.name());
        }
        let sector_note = match (self, Measure::parse(metric)) {
            (Subject::Total | Subject::Material(_), Some(Measure::Sector(_)))
                if scn.sectors().is_empty() =>
            {
                " (a sector metric: the scenario has no `[[sector]]`)"
            }
            (Subject::Total | Subject::Material(_), Some(Measure::Sector(_))) => {
                " (a sector metric: name a sector with --material <sector id>)"
            }
            _ => "",
        };
        ExploreError::Spec(format!(
            "unknown metric `{metric}` for {}{sector_note}; use one of {}",
            match self {
                Subject::Material(_) => "a material",
                Subject::Total => "the totals (--material total)",
                Subject::Sector(_) => "a sector",
            },
            names.join(", ")
        ))
    }

    /// One value of `measure` per replication for strategy `s` (`NaN` = absent); `None`
    /// when the measure does not exist for this subject.
    pub fn column(
        self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        measure: Measure,
    ) -> Option<Vec<f64>> {
        match self {
            Subject::Material(m) => measure.metric().map(|k| {
                let Ok(col) = metric_column(res, s, m, k);
                col
            }),
            Subject::Total if measure == Measure::Sector(SectorMetric::ValueAddedLost) => {
                (!scn.sectors().is_empty()).then(|| {
                    let Ok(col) = value_added_lost_column(scn, res, s);
                    col
                })
            }
            Subject::Total => measure.total().map(|t| {
                let Ok(col) = total_column(scn, res, s, t);
                col
            }),
            Subject::Sector(k) => measure.sector_metric().map(|x| {
                // A sector's row follows the materials' rows.
                let Ok(col) = metric_column(res, s, scn.materials().len() + k, x.column());
                col
            }),
        }
    }

    /// Per replication, 1 when there was no shortfall day (in this material, or in any
    /// of the `n_materials` materials for `Total`; for a sector, no day of reduced
    /// output), else 0.
    pub fn no_shortfall(self, res: &RunResult, s: usize, n_materials: usize) -> Vec<f64> {
        (0..res.n_replications)
            .map(|r| {
                let ok = match self {
                    Subject::Material(m) => !res.row(r, s, m).had_shortfall(),
                    Subject::Total => (0..n_materials).all(|m| !res.row(r, s, m).had_shortfall()),
                    Subject::Sector(k) => {
                        let row = res.row(r, s, n_materials + k);
                        !(row.0[SectorMetric::DaysOutputReduced.index()] > 0.0)
                    }
                };
                if ok { 1.0 } else { 0.0 }
            })
            .collect()
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl Op {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }

    /// Whether `value op threshold` holds.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Le => value <= threshold,
            Op::Lt => value < threshold,
            Op::Ge => value >= threshold,
            Op::Gt => value > threshold,
        }
    }
}

/// One clause: `stat(measure) op threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The statistic.
    pub stat: Stat,
    /// The measure it reads (`None` for autonomy).
    pub metric: Option<Measure>,
    /// The comparison.
    pub op: Op,
    /// The threshold.
    pub threshold: f64,
}

impl std::fmt::Display for Clause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.metric {
            Some(m) => write!(f, "{}({m})", self.stat.name())?,
            None => write!(f, "{}", self.stat.name())?,
        }
        write!(
            f,
            " {} {}",
            self.op.as_str(),
            numfmt::shortest(self.threshold)
        )
    }
}

/// How clauses are judged: on the point estimate, or with confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "level")]
pub enum Rule {
    /// The point estimate must meet the threshold; intervals are at 95%, and one that
    /// straddles the threshold is worth a warning.
    Point,
    /// The end of the two-sided interval at this level that the clause constrains (the
    /// upper end for `<=`/`<`, the lower for `>=`/`>`) must meet the threshold: "met
    /// with that confidence" (the end is a one-sided bound at level `(1 + c)/2`).
    Confidence(f64),
}

impl Rule {
    /// Level of the intervals computed under this rule.
    pub fn level(self) -> f64 {
        match self {
            Rule::Point => 0.95,
            Rule::Confidence(c) => c,
        }
    }

    /// The interval's column tag: `ci95`, `ci90`, `ci99.5`.
    pub fn ci_tag(self) -> String {
        format!(
            "ci{}",
            numfmt::shortest(((self.level() * 1000.0).round()) / 10.0)
        )
    }

    /// "95%", "99.5%".
    pub fn level_pct(self) -> String {
        format!(
            "{}%",
            numfmt::shortest(((self.level() * 1000.0).round()) / 10.0)
        )
    }
}

/// A statistic evaluated on a run: its value, its interval and whether the clause holds.
/// `value` is `None` when the metric is absent in every replication (the clause then
/// does not hold). Infinite interval ends (an order statistic that does not exist, see
/// [`super::interval`]) are `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    /// The clause, as text.
    pub clause: String,
    /// The statistic's value (point estimate).
    pub value: Option<f64>,
    /// Two-sided interval of the statistic at `level` (see [`Clause::evaluate`]);
    /// `None` when fewer than two values are present.
    pub ci: Option<[f64; 2]>,
    /// Level of `ci` (0.95 unless `--confidence` chose another).
    pub level: f64,
    /// The end of `ci` the clause constrains (upper for `<=`/`<`, lower for `>=`/`>`).
    pub bound: Option<f64>,
    /// Whether the point estimate meets the threshold.
    pub point_met: bool,
    /// Whether `bound` meets the threshold ("met with `level` confidence").
    pub bound_met: bool,
    /// The verdict under the rule used: `point_met` or `bound_met`.
    pub met: bool,
}

impl Evaluated {
    /// Whether the interval has ends on both sides of the threshold (the point estimate
    /// alone cannot settle the clause).
    pub fn straddles(&self, clause: &Clause) -> bool {
        self.ci.is_some_and(|[lo, hi]| {
            clause.op.holds(lo, clause.threshold) != clause.op.holds(hi, clause.threshold)
        })
    }
}

impl Clause {
    /// Evaluates the clause for strategy `s` and `subject` of a run, with intervals at
    /// the rule's level: `mean`, Student-t; `pNN`, the distribution-free interval of
    /// order statistics; `prob_positive` and `autonomy`, Wilson; `cvar95`, a percentile
    /// bootstrap (fixed seed). See [`super::interval`].
    ///
    /// # Panics
    /// If the metric does not exist for `subject` (check with [`Target::check`]).
    pub fn evaluate(
        &self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        subject: Subject,
        rule: Rule,
    ) -> Evaluated {
        let level = rule.level();
        let (value, ci) = match self.stat {
            Stat::Autonomy => {
                let ind = subject.no_shortfall(res, s, scn.materials().len());
                share_with_interval(&ind, level)
            }
            stat => {
                let col = self
                    .metric
                    .and_then(|m| subject.column(scn, res, s, m))
                    .expect("metric checked by Target::check");
                statistic(stat, &col, level)
            }
        };
        self.judge(value, ci, level, rule)
    }

    /// The verdicts on a statistic `value` with its interval `ci` at `level`.
    pub fn judge(
        &self,
        value: Option<f64>,
        ci: Option<[f64; 2]>,
        level: f64,
        rule: Rule,
    ) -> Evaluated {
        let bound = ci.map(|[lo, hi]| match self.op {
            Op::Le | Op::Lt => hi,
            Op::Ge | Op::Gt => lo,
        });
        let point_met = value.is_some_and(|v| self.op.holds(v, self.threshold));
        let bound_met = bound.is_some_and(|b| self.op.holds(b, self.threshold));
        Evaluated {
            clause: self.to_string(),
            value,
            ci,
            level,
            bound,
            point_met,
            bound_met,
            met: match rule {
                Rule::Point => point_met,
                Rule::Confidence(_) => bound_met,
            },
        }
    }

    /// How far `value` is from meeting the clause, relative to the threshold's size
    /// (0 when met; infinite when absent). Used to name the best value when none meets.
    pub fn violation(&self, value: Option<f64>) -> f64 {
        let Some(v) = value else { return f64::INFINITY };
        let scale = self.threshold.abs().max(1e-9);
        let d = match self.op {
            Op::Le | Op::Lt => v - self.threshold,
            Op::Ge | Op::Gt => self.threshold - v,
        };
        if self.op.holds(v, self.threshold) {
            0.0
        } else {
            d.max(0.0) / scale
        }
    }

    /// `text` (a rounded display of `v`) unless it would read on the other side of the
    /// threshold than `v` itself does, e.g. `0.996` shown as `1.00` against `< 1`: then
    /// `v` with as many significant digits as it takes to read right. So a value shown
    /// beside this clause never contradicts its verdict.
    pub fn agreeing(&self, text: String, v: f64) -> String {
        agreeing(text, v, self.op, self.threshold)
    }
}

/// See [`Clause::agreeing`].
pub fn agreeing(text: String, v: f64, op: Op, threshold: f64) -> String {
    if !v.is_finite() {
        return text;
    }
    let truth = op.holds(v, threshold);
    let reads = |t: &str| {
        t.trim()
            .parse::<f64>()
            .map_or(true, |r| op.holds(r, threshold) == truth)
    };
    if reads(&text) {
        return text;
    }
    (2..=17)
        .map(|sig| numfmt::sig(v, sig))
        .find(|t| reads(t))
        .unwrap_or_else(|| numfmt::shortest(v))
}

/// A statistic of a column (NaN = absent) with its two-sided interval at `level` (see
/// [`super::interval`]).
pub fn statistic(stat: Stat, col: &[f64], level: f64) -> (Option<f64>, Option<[f64; 2]>) {
    let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    if present.is_empty() {
        return (None, None);
    }
    match stat {
        Stat::Mean => {
            let (m, ci) = interval::mean_interval(&present, level);
            (Some(m), ci)
        }
        Stat::ProbPositive | Stat::Autonomy => {
            let ind: Vec<f64> = present
                .iter()
                .map(|&v| if v > 0.0 { 1.0 } else { 0.0 })
                .collect();
            share_with_interval(&ind, level)
        }
        Stat::Quantile(p) => {
            present.sort_by(f64::total_cmp);
            let (v, ci) = interval::quantile_interval(&present, f64::from(p) / 100.0, level);
            (Some(v), (present.len() >= 2).then_some(ci))
        }
        Stat::Cvar95 => {
            present.sort_by(f64::total_cmp);
            let v = cvar95_sorted(&present);
            let ci = (present.len() >= 2).then(|| interval::cvar95_interval(&present, v, level));
            (Some(v), ci)
        }
    }
}

/// Share of ones in a 0/1 column with its Wilson score interval at `level`.
fn share_with_interval(ind: &[f64], level: f64) -> (Option<f64>, Option<[f64; 2]>) {
    if ind.is_empty() {
        return (None, None);
    }
    let k = ind.iter().filter(|&&v| v > 0.0).count();
    let (p, ci) = interval::wilson(k, ind.len(), level);
    (Some(p), Some(ci))
}

/// A target: clauses that must all hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The clauses, in the order written.
    pub clauses: Vec<Clause>,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.clauses.iter().map(|c| c.to_string()).collect();
        f.write_str(&parts.join(" and "))
    }
}

impl Target {
    /// Parses a target (grammar in the module docs).
    ///
    /// # Errors
    /// [`ExploreError::Spec`] naming the column where the target goes wrong, what was
    /// expected there, and how to write a target (see [`TargetError`]).
    pub fn parse(text: &str) -> Result<Target, ExploreError> {
        Target::parse_located(text).map_err(|e| ExploreError::Spec(e.to_string()))
    }

    /// Parses a target, with the place of a problem as a value (see [`Target::parse`]).
    ///
    /// # Errors
    /// The first problem, at its column.
    pub fn parse_located(text: &str) -> Result<Target, TargetError> {
        Parser::new(text).target()
    }

    /// Checks every clause's metric against `subject` of `scn`.
    ///
    /// # Errors
    /// The first unknown metric.
    pub fn check(&self, scn: &Scenario, subject: Subject) -> Result<(), ExploreError> {
        for c in &self.clauses {
            if let Some(m) = c.metric {
                subject.check(scn, m)?;
            }
        }
        Ok(())
    }

    /// Evaluates every clause under `rule`.
    pub fn evaluate(
        &self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        subject: Subject,
        rule: Rule,
    ) -> Vec<Evaluated> {
        self.clauses
            .iter()
            .map(|c| c.evaluate(scn, res, s, subject, rule))
            .collect()
    }
}

/// A target that does not parse: where (1-based column, in characters) and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError {
    /// The target as given.
    pub text: String,
    /// Column (1-based, in characters) where the problem is.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bad target `{}`: at column {}, {}; write e.g. \"p95(shortfall_pct) <= 1\" or \
             \"mean(days_short) < 5 and autonomy >= 0.9\"",
            self.text, self.column, self.message
        )
    }
}

impl std::error::Error for TargetError {}

/// A token of a target and the byte offset it starts at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    /// A name: a letter or `_`, then letters, digits and `_`.
    Word(&'a str),
    /// A number's text (parsed by the parser, which says where it is wrong).
    Number(&'a str),
    Open,
    Close,
    Op(Op),
    /// Any other character.
    Other(char),
    End,
}

impl Tok<'_> {
    /// How a message names what was found.
    fn describe(self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Number(n) => format!("`{n}`"),
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Op(op) => format!("`{}`", op.as_str()),
            Tok::Other(c) => format!("`{c}`"),
            Tok::End => "the end of the target".into(),
        }
    }
}

/// Splits `text` into tokens, each with its byte offset; one pass.
fn tokenize(text: &str) -> Vec<(Tok<'_>, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Tok::Word(&text[start..i])
        } else if c.is_ascii_digit()
            || (c == b'.' && digit_at(i + 1))
            || ((c == b'+' || c == b'-') && (digit_at(i + 1) || (b.get(i + 1) == Some(&b'.'))))
        {
            if c == b'+' || c == b'-' {
                i += 1;
            }
            i = number_end(b, i);
            Tok::Number(&text[start..i])
        } else {
            let two = b.get(i + 1) == Some(&b'=');
            let (tok, len) = match c {
                b'(' => (Tok::Open, 1),
                b')' => (Tok::Close, 1),
                b'<' if two => (Tok::Op(Op::Le), 2),
                b'>' if two => (Tok::Op(Op::Ge), 2),
                b'<' => (Tok::Op(Op::Lt), 1),
                b'>' => (Tok::Op(Op::Gt), 1),
                _ => {
                    let ch = text[i..].chars().next().unwrap_or('?');
                    (Tok::Other(ch), ch.len_utf8())
                }
            };
            i += len;
            tok
        };
        out.push((tok, start));
    }
    out.push((Tok::End, text.len()));
    out
}

/// A recursive-descent parser over the tokens of one target.
struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok<'a>, usize)>,
    at: usize,
    /// Byte offset and column of the last position converted, so that converting
    /// increasing offsets stays linear overall.
    col_cache: std::cell::Cell<(usize, usize)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            toks: tokenize(text),
            at: 0,
            col_cache: std::cell::Cell::new((0, 1)),
        }
    }

    fn peek(&self) -> (Tok<'a>, usize) {
        self.toks[self.at]
    }

    fn bump(&mut self) -> (Tok<'a>, usize) {
        let t = self.toks[self.at];
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    /// Column (1-based, in characters) of byte offset `pos`.
    fn column(&self, pos: usize) -> usize {
        let (from, col) = self.col_cache.get();
        let (from, col) = if pos >= from { (from, col) } else { (0, 1) };
        let c = col + self.text[from..pos].chars().count();
        self.col_cache.set((pos, c));
        c
    }

    fn fail(&self, pos: usize, message: String) -> TargetError {
        TargetError {
            text: self.text.to_string(),
            column: self.column(pos),
            message,
        }
    }

    /// `message`, then what was found at the current token.
    fn expected(&self, what: &str) -> TargetError {
        let (tok, pos) = self.peek();
        self.fail(pos, format!("expected {what}, found {}", tok.describe()))
    }

    fn target(mut self) -> Result<Target, TargetError> {
        let mut clauses = Vec::new();
        if self.peek().0 == Tok::End {
            return Err(self.expected("a clause such as `p95(shortfall_pct) <= 1`"));
        }
        loop {
            clauses.push(self.clause()?);
            match self.peek() {
                (Tok::End, _) => return Ok(Target { clauses }),
                (Tok::Word(w), _) if w.eq_ignore_ascii_case("and") => {
                    self.bump();
                    if self.peek().0 == Tok::End {
                        return Err(self.expected("a clause after `and` (an empty clause)"));
                    }
                }
                (Tok::Other('%'), pos) => {
                    return Err(self.fail(
                        pos,
                        "`%` after a threshold: thresholds are plain numbers in the metric's \
                         unit (`shortfall_pct` is already in percent, so `<= 1` means 1%); \
                         remove the `%`"
                            .into(),
                    ));
                }
                _ => return Err(self.expected("`and` or the end of the target")),
            }
        }
    }

    fn clause(&mut self) -> Result<Clause, TargetError> {
        let (tok, pos) = self.peek();
        let Tok::Word(word) = tok else {
            return Err(self.expected(
                "a statistic (mean, pNN such as p95, cvar95, prob_positive or autonomy)",
            ));
        };
        let name = word.to_ascii_lowercase();
        let stat = Stat::from_name(&name).ok_or_else(|| {
            self.fail(
                pos,
                format!(
                    "unknown statistic `{name}`; use mean, pNN (p50, p90, p95, p99, …), \
                     cvar95, prob_positive or autonomy"
                ),
            )
        })?;
        self.bump();
        let metric = if stat.takes_measure() {
            if self.peek().0 != Tok::Open {
                return Err(self.expected(&format!(
                    "`(`: `{name}` needs a metric in parentheses, e.g. {name}(shortfall_pct)"
                )));
            }
            self.bump();
            let (tok, pos) = self.peek();
            let Tok::Word(m) = tok else {
                return Err(self.expected("a metric name such as `shortfall_pct`"));
            };
            let m = m.to_ascii_lowercase();
            let measure = Measure::parse(&m).ok_or_else(|| {
                let names = Measure::names();
                self.fail(
                    pos,
                    format!("unknown metric `{m}`; use one of {}", names.join(", ")),
                )
            })?;
            self.bump();
            if self.peek().0 != Tok::Close {
                return Err(self.expected(&format!("`)` after `{m}` (missing its `)`)")));
            }
            self.bump();
            Some(measure)
        } else {
            if self.peek().0 == Tok::Open {
                return Err(self.expected(&format!(
                    "a comparison: `{name}` takes no metric; write e.g. `{name} >= 0.9`"
                )));
            }
            None
        };
        let op = match self.peek().0 {
            Tok::Op(op) => op,
            _ => return Err(self.expected("a comparison (<=, <, >=, >)")),
        };
        self.bump();
        let (tok, pos) = self.peek();
        let Tok::Number(num) = tok else {
            return Err(self.expected("a number"));
        };
        let threshold = num
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.fail(pos, format!("`{num}` is not a number")))?;
        self.bump();
        Ok(Clause {
            stat,
            metric,
            op,
            threshold,
        })
    }
}

/// Where a number's digits that start at `i` end (after its sign): digits and dots, then
/// an exponent only when digits follow (`1e5`, `1E-3`). Shared by the target and the
/// precision-goal lexers, so both read numbers alike.
pub(crate) fn number_end(b: &[u8], mut i: usize) -> usize {
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if digit_at(i + 1 + sign) {
            i += 1 + sign;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clauses() {
        let t = Target::parse("p95(shortfall_pct) <= 1 and MEAN(days_short)<5 AND autonomy >= 0.9")
            .unwrap();
        assert_eq!(t.clauses.len(), 3);
        assert_eq!(t.clauses[0].stat, Stat::Quantile(95));
        assert_eq!(t.clauses[1].op, Op::Lt);
        assert_eq!(t.clauses[2].metric, None);
        assert_eq!(
            t.to_string(),
            "p95(shortfall_pct) <= 1 and mean(days_short) < 5 and autonomy >= 0.9"
        );
    }

    #[test]
    fn reports_clear_errors() {
        for (bad, want) in [
            ("p95(shortfall_pct)", "expected a comparison"),
            ("p95(shortfall_pct) <= x", "expected a number"),
            ("median(days_short) <= 1", "unknown statistic"),
            ("mean <= 1", "needs a metric"),
            ("mean(days_short <= 1", "missing its `)`"),
            ("mean(days_short) <= 1 and", "empty clause"),
            ("mean(x) <= 1", "unknown metric `x`"),
        ] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        let scn = crate::test_support::tutorial();
        assert!(
            Subject::Total
                .measure(&scn, "shortfall_pct")
                .unwrap_err()
                .to_string()
                .contains("total_cost")
        );
        assert!(
            Subject::Material(0)
                .check(&scn, Measure::StrategyCost)
                .unwrap_err()
                .to_string()
                .contains("for a material")
        );
    }

    /// Column (1-based) and message of a rejected target.
    fn rejected(text: &str) -> (usize, String) {
        let e = Target::parse_located(text).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn every_rejection_names_its_column_and_what_was_expected() {
        // A second number after the threshold was read as `<= 11` (issue 16).
        let (col, msg) = rejected("mean(shortfall_pct) <= 1 1");
        assert_eq!(col, 26, "{msg}");
        assert!(
            msg.contains("expected `and` or the end") && msg.contains("`1`"),
            "{msg}"
        );
        // `%` was silently dropped; thresholds are in the metric's own unit.
        let (col, msg) = rejected("mean(shortfall_pct) <= 1%");
        assert_eq!(col, 25, "{msg}");
        assert!(
            msg.contains("`%`") && msg.contains("already in percent"),
            "{msg}"
        );
        // `autonomy` takes no metric; its argument was ignored.
        let (col, msg) = rejected("autonomy(shortfall_pct) >= 0.5");
        assert_eq!(col, 9, "{msg}");
        assert!(msg.contains("takes no metric"), "{msg}");
        // Spaces inside a token were glued away (`p 95` read as `p95`).
        let (col, msg) = rejected("p 95(shortfall_pct) <= 1");
        assert_eq!(col, 1, "{msg}");
        assert!(msg.contains("unknown statistic `p`"), "{msg}");
        for (text, col, want) in [
            ("", 1, "expected a clause"),
            ("bogus", 1, "unknown statistic `bogus`"),
            ("mean(shortfall_pct) = 1", 21, "expected a comparison"),
            ("mean(shortfall_pct) <= 1 or autonomy >= 0.9", 26, "`or`"),
            (
                "mean(shortfall_pct) <= 1 and and",
                30,
                "unknown statistic `and`",
            ),
            ("mean(shortfall_pct) <= 1 and (", 30, "expected a statistic"),
            (
                "mean(shortfall_pct) <= 1.2.3",
                24,
                "`1.2.3` is not a number",
            ),
            ("mean(shortfall_pct) <= 1e999", 24, "is not a number"),
            ("mean(shortfal) <= 1", 6, "unknown metric `shortfal`"),
            ("mean(days_short)) < 5", 17, "`)`"),
            // Columns count characters, not bytes.
            ("mean(days_short) ≤ 5", 18, "`≤`"),
        ] {
            let (c, msg) = rejected(text);
            assert_eq!(c, col, "{text}: {msg}");
            assert!(msg.contains(want), "{text}: {msg}");
        }
        let full = Target::parse("mean(shortfall_pct) <= 1 1")
            .unwrap_err()
            .to_string();
        assert!(full.contains("at column 26"), "{full}");
    }

    #[test]
    fn numbers_and_case_as_before() {
        let t = Target::parse("MEAN(Total_Cost)<=1e12 and p5(days_short)>-1.5 AND autonomy>.9")
            .unwrap();
        assert_eq!(t.clauses[0].threshold, 1e12);
        assert_eq!(
            t.clauses[0].metric,
            Some(Measure::Metric(Metric::TotalCost))
        );
        assert_eq!(t.clauses[1].threshold, -1.5);
        assert_eq!(t.clauses[2].threshold, 0.9);
        assert_eq!(
            t.to_string(),
            "mean(total_cost) <= 1000000000000 and p5(days_short) > -1.5 and autonomy > 0.9"
        );
    }

    #[test]
    fn a_long_target_parses_in_one_pass() {
        // 600 clauses: the parser visits each token once (no re-scan of the text per
        // clause), so this is as quick as the clauses are many.
        let text = vec!["p95(shortfall_pct) <= 1"; 600].join(" and ");
        let t = Target::parse(&text).unwrap();
        assert_eq!(t.clauses.len(), 600);
        let bad = format!("{text} 1");
        let (col, _) = rejected(&bad);
        assert_eq!(col, text.len() + 2);
    }

    #[test]
    fn statistics_and_intervals() {
        let col: Vec<f64> = (1..=100).map(f64::from).collect();
        let (v, ci) = statistic(Stat::Quantile(50), &col, 0.95);
        assert_eq!(v, Some(50.5));
        // Order statistics x(40) and x(61) for n = 100 at 95% (binomial ranks).
        assert_eq!(ci, Some([40.0, 61.0]));
        let (v, ci) = statistic(Stat::ProbPositive, &[0.0, 1.0, 2.0, 0.0], 0.95);
        assert_eq!(v, Some(0.5));
        assert!(ci.unwrap()[0] > 0.0);
        let (v, _) = statistic(Stat::Cvar95, &col, 0.95);
        assert_eq!(v, Some(98.0));
        assert_eq!(statistic(Stat::Mean, &[f64::NAN], 0.95), (None, None));
    }

    #[test]
    fn confidence_rule_judges_the_bound_not_the_point() {
        let c = &Target::parse("p95(shortfall_pct) <= 1").unwrap().clauses[0];
        let e = c.judge(Some(0.9), Some([0.7, 1.2]), 0.95, Rule::Point);
        assert!(e.met && e.point_met && !e.bound_met && e.straddles(c));
        assert_eq!(e.bound, Some(1.2));
        let e = c.judge(Some(0.9), Some([0.7, 1.2]), 0.95, Rule::Confidence(0.95));
        assert!(!e.met);
        let g = &Target::parse("autonomy >= 0.9").unwrap().clauses[0];
        let e = g.judge(Some(0.95), Some([0.91, 0.98]), 0.9, Rule::Confidence(0.9));
        assert!(e.met && e.bound == Some(0.91) && !e.straddles(g));
        assert_eq!(Rule::Confidence(0.995).ci_tag(), "ci99.5");
        assert_eq!(Rule::Point.ci_tag(), "ci95");
    }

    #[test]
    fn displayed_values_never_contradict_the_verdict() {
        let le = &Target::parse("p95(shortfall_pct) <= 1").unwrap().clauses[0];
        let lt = &Target::parse("p95(shortfall_pct) < 1").unwrap().clauses[0];
        // 1.004 rounds to "1.00", which reads as met against <= 1: more digits.
        assert_eq!(le.agreeing("1.00".into(), 1.004), "1.004");
        // 0.996 rounds to "1.00": fine against <= 1 (met, reads met), not against < 1.
        assert_eq!(le.agreeing("1.00".into(), 0.996), "1.00");
        assert_eq!(lt.agreeing("1.00".into(), 0.996), "0.996");
        assert_eq!(lt.agreeing("1.0".into(), 0.999_96), "0.99996");
        // A value far from the threshold keeps its short form.
        assert_eq!(le.agreeing("0.5".into(), 0.5004), "0.5");
        // Exactly at the threshold of a strict clause: "1" reads as not met, as it is.
        assert_eq!(lt.agreeing("1".into(), 1.0), "1");
    }
}
