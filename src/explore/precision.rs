//! Precision-based stopping (`run --precision`): add replications in fixed blocks until
//! the 95% interval of every statistic asked for is as narrow as asked, or a cap is hit.
//!
//! A goal reads `p95(shortfall_pct) ± 0.1` (ASCII `+-` too): a statistic of the target
//! grammar ([`super::target`]: `mean`, `pNN`, `cvar95`, `prob_positive`, `autonomy`), or
//! a paired difference `diff(mean(total_cost), baseline)` or `diff(p95(shortfall_pct),
//! baseline)`, then the half-width the 95%
//! interval may have: absolute, in the measure's own unit (`± 0.1` on `shortfall_pct`
//! is 0.1 percentage points), or relative to the estimate (`± 2%`: 2% of its absolute
//! value). Grammar (case-insensitive; goals separated by commas):
//!
//! ```text
//! goals     = goal ("," goal)*
//! goal      = statistic qualifier* ("±" | "+-") number ["%"]
//! statistic = stat "(" measure ")" | "autonomy"
//!           | "diff" "(" ("mean" | pNN) "(" measure ")" "," strategy ")"
//! qualifier = "in" material | "under" strategy
//! ```
//!
//! Scope: `under S` names the strategy (default: the reference strategy); `in M` a
//! material, or `total` for the totals over materials. Without `in`, the totals when the
//! measure has one (so `total_cost` includes the strategy's fixed cost), else every
//! material (one goal each; `shortfall_pct` has no total). `diff(mean(m), B)` is the
//! paired mean difference `strategy − B` over the same futures, for the strategy named
//! with `under`, or for every strategy other than `B` (one goal each); `diff(pNN(m), B)`
//! the strategy's percentile minus `B`'s, over the same futures.
//!
//! Intervals (two-sided, 95%, what the summary and the targets use):
//! - **mean** and **diff**: Student-t, `mean ± t(0.975, n − 1) · sd/√n`, the half-width
//!   `t · se` of `summary.json`'s `se` (before the cut at the metric's range, which
//!   only ever narrows it);
//! - **pNN**: the distribution-free order-statistic interval `[x₍l₎, x₍u₎]` of
//!   [`super::interval`] (binomial ranks; no normal approximation);
//! - **cvar95**: the seeded percentile bootstrap; **prob_positive**, **autonomy**: Wilson;
//! - **diff(pNN)**: the paired percentile bootstrap (whole futures resampled, so both
//!   strategies keep their common random numbers; fixed seed) of
//!   [`crate::stats::paired_quantile_diff`], [`evaluate_paired`]. No order-statistic
//!   interval exists for a difference of two dependent percentiles; other statistics
//!   in a difference are refused.
//!
//! The half-width of an interval `[lo, hi]` is `(hi − lo)/2` (order-statistic intervals
//! are not symmetric around the estimate); an interval with an unbounded end (too few
//! futures for that percentile) is never narrow enough.
//!
//! The rule ([`run`]): simulate a block of `block` replications, then evaluate every
//! goal on all replications so far, and stop when all are met or the cap
//! (`max_replications`) is reached (the last block is cut to the cap). Evaluation happens
//! only at block ends, sequentially, so the stop depends only on the scenario, seed,
//! goals, block and cap, never on threads. Replications are independent streams, so the
//! results of a run stopped at `N` are the same bits as a fixed run of `N`; the blocks
//! are handed to the caller's sink re-cut at multiples of [`crate::sim::BLOCK`], where a
//! fixed run cuts them. Memory: one engine block plus one column (8 bytes per
//! replication) per goal.
//!
//! Depends on [`crate::model`], [`crate::sim`], [`crate::stats`] and the rest of
//! `explore`; pure (the sink does any I/O).

use super::target::{Subject, statistic};
use crate::model::Scenario;
use crate::numfmt;
use crate::sim::engine::Kernel;
use crate::sim::{
    self, BLOCK, BlockSink, DailyHist, MetricsRow, Progress, RunOptions, RunResult, SectorMetric,
};
use crate::stats::{Measure, Stat, quantile_sorted, t_975};
use serde::{Deserialize, Serialize};

/// Level of every interval precision goals are judged on.
pub const LEVEL: f64 = 0.95;

/// Default cap on the replications `run --precision` adds (`--max-replications`).
pub const DEFAULT_MAX_REPLICATIONS: u64 = 1_000_000;

/// A name in a goal (a strategy or material id) and the column it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The id as written (lower-cased).
    pub id: String,
    /// 1-based column, in characters, within the whole text parsed.
    pub column: usize,
}

/// What a goal measures, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A statistic of a measure (`measure` is `None` for `autonomy`).
    Stat {
        /// The statistic.
        stat: Stat,
        /// The measure it reads.
        measure: Option<Measure>,
    },
    /// `diff(mean(measure), against)`: the paired mean difference `strategy − against`;
    /// `diff(pNN(measure), against)`: the percentile of `strategy` minus that of
    /// `against` over the same futures.
    Diff {
        /// The statistic: `Mean` or a `Quantile`.
        stat: Stat,
        /// The measure.
        measure: Measure,
        /// The strategy subtracted.
        against: Named,
    },
}

/// One goal as written, before it is checked against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalSpec {
    /// The statistic.
    pub expr: Expr,
    /// Column where the measure is named (where a measure/subject mismatch is reported).
    pub measure_column: usize,
    /// `in MATERIAL`.
    pub material: Option<Named>,
    /// `under STRATEGY`.
    pub strategy: Option<Named>,
    /// The half-width asked for (absolute, or a percentage when `relative`).
    pub half_width: f64,
    /// Whether `half_width` is a percentage of the estimate.
    pub relative: bool,
}

/// A goal that does not parse or does not fit the scenario: where (1-based column, in
/// characters, within the text given) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecisionError {
    /// The text as given.
    pub text: String,
    /// Column of the problem.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for PrecisionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bad precision goal `{}`: at column {}, {}; write e.g. \"p95(shortfall_pct) ± 0.1\", \
             \"mean(total_cost) under hedge ± 2%\" or \"diff(mean(total_cost), baseline) ± 5e6\"",
            self.text, self.column, self.message
        )
    }
}

impl std::error::Error for PrecisionError {}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Number(&'a str),
    Open,
    Close,
    Comma,
    PlusMinus,
    Percent,
    Other(char),
    End,
}

impl Tok<'_> {
    fn describe(self) -> String {
        match self {
            Tok::Word(w) | Tok::Number(w) => format!("`{w}`"),
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::PlusMinus => "`±`".into(),
            Tok::Percent => "`%`".into(),
            Tok::Other(c) => format!("`{c}`"),
            Tok::End => "the end of the goals".into(),
        }
    }
}

/// Tokens of `text` with the 1-based character column each starts at; one pass.
fn tokenize(text: &str) -> Vec<(Tok<'_>, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut col) = (0, 1);
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            col += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Tok::Word(&text[start..i])
        } else if c == b'+' && b.get(i + 1) == Some(&b'-') {
            i += 2;
            Tok::PlusMinus
        } else if c.is_ascii_digit()
            || (c == b'.' && digit_at(i + 1))
            || (c == b'-' && (digit_at(i + 1) || b.get(i + 1) == Some(&b'.')))
        {
            i = super::target::number_end(b, i + 1);
            Tok::Number(&text[start..i])
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            i += ch.len_utf8();
            match ch {
                '(' => Tok::Open,
                ')' => Tok::Close,
                ',' => Tok::Comma,
                '±' => Tok::PlusMinus,
                '%' => Tok::Percent,
                c => Tok::Other(c),
            }
        };
        out.push((tok, col));
        col += text[start..i].chars().count();
    }
    out.push((Tok::End, col));
    out
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok<'a>, usize)>,
    at: usize,
}

impl<'a> Parser<'a> {
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

    fn fail(&self, column: usize, message: String) -> PrecisionError {
        PrecisionError {
            text: self.text.to_string(),
            column,
            message,
        }
    }

    fn expected(&self, what: &str) -> PrecisionError {
        let (tok, col) = self.peek();
        self.fail(col, format!("expected {what}, found {}", tok.describe()))
    }

    fn expect(&mut self, tok: Tok<'_>, what: &str) -> Result<(), PrecisionError> {
        if self.peek().0 == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn goals(mut self) -> Result<Vec<GoalSpec>, PrecisionError> {
        let mut out = Vec::new();
        loop {
            out.push(self.goal()?);
            match self.peek().0 {
                Tok::End => return Ok(out),
                Tok::Comma => {
                    self.bump();
                }
                _ => return Err(self.expected("`,` and another goal, or the end")),
            }
        }
    }

    /// `stat(measure)` after the statistic's word: the measure and its column.
    fn measure(&mut self, stat: &str) -> Result<(Measure, usize), PrecisionError> {
        self.expect(
            Tok::Open,
            &format!("`(`: `{stat}` needs a metric in parentheses, e.g. {stat}(shortfall_pct)"),
        )?;
        let (tok, col) = self.peek();
        let Tok::Word(m) = tok else {
            return Err(self.expected("a metric name such as `shortfall_pct`"));
        };
        let m = m.to_ascii_lowercase();
        let measure = Measure::parse(&m).ok_or_else(|| {
            let names = Measure::names();
            self.fail(
                col,
                format!("unknown metric `{m}`; use one of {}", names.join(", ")),
            )
        })?;
        self.bump();
        self.expect(Tok::Close, &format!("`)` after `{m}`"))?;
        Ok((measure, col))
    }

    fn stat_word(&mut self) -> Result<(Stat, String, usize), PrecisionError> {
        let (tok, col) = self.peek();
        let Tok::Word(w) = tok else {
            return Err(self.expected(
                "a statistic (mean, pNN such as p95, cvar95, prob_positive, autonomy or diff)",
            ));
        };
        let name = w.to_ascii_lowercase();
        let stat = Stat::from_name(&name).ok_or_else(|| {
            self.fail(
                col,
                format!(
                    "unknown statistic `{name}`; use mean, pNN (p50, p90, p95, p99, …), \
                     cvar95, prob_positive, autonomy or diff(mean(…) or pNN(…), strategy)"
                ),
            )
        })?;
        self.bump();
        Ok((stat, name, col))
    }

    fn name(&mut self, what: &str) -> Result<Named, PrecisionError> {
        let (tok, column) = self.peek();
        let Tok::Word(w) = tok else {
            return Err(self.expected(what));
        };
        self.bump();
        Ok(Named {
            id: w.to_ascii_lowercase(),
            column,
        })
    }

    fn goal(&mut self) -> Result<GoalSpec, PrecisionError> {
        let (expr, measure_column) = match self.peek().0 {
            Tok::Word(w) if w.eq_ignore_ascii_case("diff") => {
                self.bump();
                self.expect(
                    Tok::Open,
                    "`(` after `diff`, as in diff(mean(total_cost), baseline)",
                )?;
                let (stat, name, scol) = self.stat_word()?;
                if !matches!(stat, Stat::Mean | Stat::Quantile(_)) {
                    return Err(self.fail(
                        scol,
                        format!(
                            "`{name}` in a difference: diff takes mean(…) (the paired mean \
                             difference, its t interval) or a percentile pNN(…) (the paired \
                             bootstrap); for `{name}` no paired interval is built here, so \
                             ask for each strategy's own: `{name}(…) under A ± h, {name}(…) \
                             under B ± h`"
                        ),
                    ));
                }
                let (measure, mcol) = self.measure(&name)?;
                self.expect(Tok::Comma, "`,` and the strategy to subtract")?;
                let against = self.name("the id of the strategy to subtract")?;
                self.expect(Tok::Close, "`)` closing diff(…)")?;
                (
                    Expr::Diff {
                        stat,
                        measure,
                        against,
                    },
                    mcol,
                )
            }
            _ => {
                let (stat, name, scol) = self.stat_word()?;
                if stat.takes_measure() {
                    let (measure, mcol) = self.measure(&name)?;
                    (
                        Expr::Stat {
                            stat,
                            measure: Some(measure),
                        },
                        mcol,
                    )
                } else {
                    if self.peek().0 == Tok::Open {
                        return Err(self.expected(&format!(
                            "`±`: `{name}` takes no metric; write e.g. `{name} ± 0.01`"
                        )));
                    }
                    (
                        Expr::Stat {
                            stat,
                            measure: None,
                        },
                        scol,
                    )
                }
            }
        };
        let (mut material, mut strategy) = (None, None);
        loop {
            match self.peek() {
                (Tok::Word(w), wcol) if w.eq_ignore_ascii_case("in") => {
                    if material.is_some() {
                        return Err(self.fail(wcol, "a second `in`: name one material".into()));
                    }
                    self.bump();
                    material = Some(self.name("a material id (or `total`) after `in`")?);
                }
                (Tok::Word(w), wcol) if w.eq_ignore_ascii_case("under") => {
                    if strategy.is_some() {
                        return Err(self.fail(wcol, "a second `under`: name one strategy".into()));
                    }
                    self.bump();
                    strategy = Some(self.name("a strategy id after `under`")?);
                }
                _ => break,
            }
        }
        if self.peek().0 != Tok::PlusMinus {
            return Err(self.expected("`±` (or `+-`), `in MATERIAL` or `under STRATEGY`"));
        }
        self.bump();
        let (tok, ncol) = self.peek();
        let Tok::Number(num) = tok else {
            return Err(self.expected("the half-width, a number such as 0.1 or 2%"));
        };
        let half_width = num
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.fail(ncol, format!("`{num}` is not a number")))?;
        if half_width <= 0.0 {
            return Err(self.fail(
                ncol,
                format!("the half-width must be positive, found `{num}`"),
            ));
        }
        self.bump();
        let relative = self.peek().0 == Tok::Percent;
        if relative {
            self.bump();
        }
        Ok(GoalSpec {
            expr,
            measure_column,
            material,
            strategy,
            half_width,
            relative,
        })
    }
}

/// Parses one `--precision` value: one goal or several separated by commas (grammar in
/// the module docs).
///
/// # Errors
/// The first problem, at its column.
pub fn parse(text: &str) -> Result<Vec<GoalSpec>, PrecisionError> {
    let p = Parser {
        text,
        toks: tokenize(text),
        at: 0,
    };
    if p.peek().0 == Tok::End {
        return Err(p.expected("a goal such as `p95(shortfall_pct) ± 0.1`"));
    }
    p.goals()
}

/// A goal checked against a scenario: one statistic of one strategy (minus another for
/// a difference) and subject, and the half-width asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// The statistic (`Mean` or a `Quantile` for a difference).
    pub stat: Stat,
    /// The measure it reads (`None` for autonomy).
    pub measure: Option<Measure>,
    /// Material or totals.
    pub subject: Subject,
    /// Index of the strategy.
    pub strategy: usize,
    /// Index of the strategy subtracted, for a difference.
    pub minus: Option<usize>,
    /// Half-width asked for (a percentage of the estimate when `relative`).
    pub half_width: f64,
    /// Whether `half_width` is relative.
    pub relative: bool,
    /// The statistic in canonical form, fully scoped, e.g.
    /// `p95(shortfall_pct) in ndpr under baseline`.
    pub name: String,
}

impl Goal {
    /// The half-width asked for as written: `± 0.1` or `± 2%`.
    pub fn goal_text(&self) -> String {
        format!(
            "± {}{}",
            numfmt::shortest(self.half_width),
            if self.relative { "%" } else { "" }
        )
    }

    /// The largest half-width that meets the goal for an estimate `v`.
    pub fn allowed(&self, v: f64) -> f64 {
        if self.relative {
            self.half_width / 100.0 * v.abs()
        } else {
            self.half_width
        }
    }
}

/// Checks the goals of every `--precision` value against `scn` and expands them (one
/// goal per material or strategy where the module docs say so). `texts[i]` is the text
/// `specs[i]` was parsed from, for the error messages.
///
/// # Errors
/// Every problem (an unknown strategy or material, a measure without a total, …), each
/// at its column.
pub fn resolve(
    scn: &Scenario,
    texts: &[&str],
    specs: &[Vec<GoalSpec>],
) -> Result<Vec<Goal>, Vec<PrecisionError>> {
    let mut goals = Vec::new();
    let mut errors = Vec::new();
    for (text, list) in texts.iter().zip(specs) {
        for spec in list {
            match resolve_one(scn, spec) {
                Ok(g) => goals.extend(g),
                Err((column, message)) => errors.push(PrecisionError {
                    text: text.to_string(),
                    column,
                    message,
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(goals)
    } else {
        Err(errors)
    }
}

fn strategy_index(scn: &Scenario, n: &Named) -> Result<usize, (usize, String)> {
    scn.strategies()
        .iter()
        .position(|s| s.id == n.id)
        .ok_or_else(|| {
            let ids: Vec<&str> = scn.strategies().iter().map(|s| s.id.as_str()).collect();
            (
                n.column,
                format!(
                    "unknown strategy `{}`; the scenario has {}",
                    n.id,
                    ids.join(", ")
                ),
            )
        })
}

fn resolve_one(scn: &Scenario, spec: &GoalSpec) -> Result<Vec<Goal>, (usize, String)> {
    let (stat, measure) = match &spec.expr {
        Expr::Stat { stat, measure } => (*stat, *measure),
        Expr::Diff { stat, measure, .. } => (*stat, Some(*measure)),
    };
    let gdp = Measure::Sector(SectorMetric::ValueAddedLost);
    let no_sectors = |col: usize| {
        Err((
            col,
            "a sector metric, and the scenario has no `[[sector]]`".to_string(),
        ))
    };
    let subjects: Vec<Subject> = match &spec.material {
        Some(n) if n.id == crate::model::TOTAL_ID => {
            if let Some(m) = measure
                && m.total().is_none()
                && (m != gdp || scn.sectors().is_empty())
            {
                if m.sector_metric().is_some() && scn.sectors().is_empty() {
                    return no_sectors(spec.measure_column);
                }
                return Err((
                    spec.measure_column,
                    format!(
                        "`{m}` has no total over materials (it is per material or per \
                         sector); name a material with `in {}`",
                        scn.materials()[0].id
                    ),
                ));
            }
            vec![Subject::Total]
        }
        Some(n) => {
            if let Some(k) = scn.sectors().iter().position(|k| k.id == n.id) {
                if measure.is_some_and(|m| m.sector_metric().is_none()) {
                    return Err((
                        spec.measure_column,
                        format!(
                            "`{}` is a sector: its metrics are {}",
                            n.id,
                            SectorMetric::ALL.map(|x| x.name()).join(", ")
                        ),
                    ));
                }
                vec![Subject::Sector(k)]
            } else {
                let Some(i) = scn.materials().iter().position(|m| m.id == n.id) else {
                    let mut ids: Vec<&str> =
                        scn.materials().iter().map(|m| m.id.as_str()).collect();
                    ids.extend(scn.sectors().iter().map(|k| k.id.as_str()));
                    return Err((
                        n.column,
                        format!(
                            "unknown material or sector `{}`; the scenario has {} (or `total`)",
                            n.id,
                            ids.join(", ")
                        ),
                    ));
                };
                match measure {
                    Some(Measure::StrategyCost) => {
                        return Err((
                            spec.measure_column,
                            "`strategy_cost` exists only for the totals; write `in total`".into(),
                        ));
                    }
                    Some(Measure::Sector(_)) => {
                        return Err((
                            spec.measure_column,
                            "a sector metric: name a sector with `in <sector id>`, or `in \
                             total` for the GDP at risk (`value_added_lost`)"
                                .into(),
                        ));
                    }
                    _ => {}
                }
                vec![Subject::Material(i)]
            }
        }
        None if measure == Some(gdp) => {
            if scn.sectors().is_empty() {
                return no_sectors(spec.measure_column);
            }
            vec![Subject::Total]
        }
        None if measure.is_some_and(|m| matches!(m, Measure::Sector(_))) => {
            if scn.sectors().is_empty() {
                return no_sectors(spec.measure_column);
            }
            (0..scn.sectors().len()).map(Subject::Sector).collect()
        }
        None if measure.is_none_or(|m| m.total().is_some()) => vec![Subject::Total],
        None => (0..scn.materials().len()).map(Subject::Material).collect(),
    };
    let pairs: Vec<(usize, Option<usize>)> = match &spec.expr {
        Expr::Stat { .. } => {
            let s = match &spec.strategy {
                Some(n) => strategy_index(scn, n)?,
                None => scn.reference(),
            };
            vec![(s, None)]
        }
        Expr::Diff { against, .. } => {
            let b = strategy_index(scn, against)?;
            match &spec.strategy {
                Some(n) => {
                    let a = strategy_index(scn, n)?;
                    if a == b {
                        return Err((
                            n.column,
                            format!(
                                "`{}` against itself: the difference is 0; name another \
                                 strategy",
                                n.id
                            ),
                        ));
                    }
                    vec![(a, Some(b))]
                }
                None => {
                    if scn.strategies().len() < 2 {
                        return Err((
                            against.column,
                            "a difference needs a second strategy; the scenario has one".into(),
                        ));
                    }
                    (0..scn.strategies().len())
                        .filter(|&a| a != b)
                        .map(|a| (a, Some(b)))
                        .collect()
                }
            }
        }
    };
    let mut out = Vec::new();
    for &(s, minus) in &pairs {
        for &subject in &subjects {
            let sid = &scn.strategies()[s].id;
            let scope = format!("in {} under {sid}", subject.id(scn));
            let name = match (minus, measure) {
                (Some(b), Some(m)) => {
                    format!(
                        "diff({}({m}), {}) {scope}",
                        stat.name(),
                        scn.strategies()[b].id
                    )
                }
                (_, Some(m)) => format!("{}({m}) {scope}", stat.name()),
                (_, None) => format!("{} {scope}", stat.name()),
            };
            out.push(Goal {
                stat,
                measure,
                subject,
                strategy: s,
                minus,
                half_width: spec.half_width,
                relative: spec.relative,
                name,
            });
        }
    }
    Ok(out)
}

/// A goal's statistic over the replications so far, with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalStatus {
    /// The statistic (`None` when the measure is absent in every replication).
    pub estimate: Option<f64>,
    /// Its two-sided 95% interval (`None` with fewer than two values or an unbounded
    /// end).
    pub ci: Option<[f64; 2]>,
    /// `(hi − lo)/2` (`None` without a bounded interval).
    pub half_width: Option<f64>,
    /// Whether the half-width is within the goal.
    pub met: bool,
}

/// Per goal, one value per replication so far (the column its statistic reads; for a
/// difference of percentiles, the strategy's column and, in `against`, the other's).
pub struct Tracker<'a> {
    scn: &'a Scenario,
    goals: &'a [Goal],
    cols: Vec<Vec<f64>>,
    against: Vec<Vec<f64>>,
}

impl<'a> Tracker<'a> {
    /// A tracker of `goals` with no replication yet.
    pub fn new(scn: &'a Scenario, goals: &'a [Goal]) -> Tracker<'a> {
        Tracker {
            scn,
            goals,
            cols: vec![Vec::new(); goals.len()],
            against: vec![Vec::new(); goals.len()],
        }
    }

    /// Appends the values of the next replications (in order).
    pub fn observe(&mut self, res: &RunResult) {
        for ((g, col), other) in self.goals.iter().zip(&mut self.cols).zip(&mut self.against) {
            let values = |s: usize| match g.measure {
                Some(m) => g
                    .subject
                    .column(self.scn, res, s, m)
                    .expect("measure checked by resolve"),
                None => g.subject.no_shortfall(res, s, self.scn.materials().len()),
            };
            let a = values(g.strategy);
            match (g.minus, g.stat) {
                // A percentile of a difference is not the difference of percentiles:
                // both columns are kept, paired by replication.
                (Some(b), Stat::Quantile(_)) => {
                    col.extend(a);
                    other.extend(values(b));
                }
                (Some(b), _) => {
                    let b = values(b);
                    col.extend(a.iter().zip(&b).map(|(x, y)| x - y));
                }
                (None, _) => col.extend(a),
            }
        }
    }

    /// Number of replications observed.
    pub fn replications(&self) -> usize {
        self.cols.first().map_or(0, Vec::len)
    }

    /// Every goal's statistic, interval and verdict over the replications so far.
    pub fn status(&self) -> Vec<GoalStatus> {
        self.goals
            .iter()
            .zip(&self.cols)
            .zip(&self.against)
            .map(|((g, col), other)| match (g.minus, g.stat) {
                (Some(_), Stat::Quantile(_)) => evaluate_paired(g, col, other),
                _ => evaluate(g, col),
            })
            .collect()
    }
}

/// Seed of the paired bootstrap of a difference of percentiles
/// ([`evaluate_paired`]): fixed, so the interval, and the stop, are the same bits on
/// every machine.
pub const DIFF_BOOTSTRAP_SEED: u64 = 20_261_202;

/// A difference of percentiles `diff(pNN(m), B)`: goal `g`'s percentile of `a` (the
/// strategy's values, one per replication) minus that of `b` (the other strategy's,
/// same replications; NaN = absent, pairs with an absent value dropped), with the
/// paired percentile-bootstrap 95% interval of [`crate::stats::paired_quantile_diff`]
/// (1,000 resamples of whole futures, seed [`DIFF_BOOTSTRAP_SEED`]).
///
/// # Panics
/// If `g` is not a percentile or `a` and `b` differ in length (programming errors).
pub fn evaluate_paired(g: &Goal, a: &[f64], b: &[f64]) -> GoalStatus {
    let Stat::Quantile(p) = g.stat else {
        panic!("evaluate_paired takes a percentile goal")
    };
    let q = f64::from(p) / 100.0;
    let (estimate, ci) = match crate::stats::paired_quantile_diff(a, b, q, DIFF_BOOTSTRAP_SEED) {
        Some((d, ci)) => (Some(d), ci),
        None => (None, None),
    };
    verdict(g, estimate, ci)
}

/// The statistic of goal `g` on `col` (NaN = absent) with its interval and verdict.
pub fn evaluate(g: &Goal, col: &[f64]) -> GoalStatus {
    let (estimate, ci) = match g.stat {
        Stat::Mean => mean_t(col),
        Stat::Quantile(p) => {
            let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
            present.sort_unstable_by(f64::total_cmp);
            if present.is_empty() {
                (None, None)
            } else {
                let q = f64::from(p) / 100.0;
                let (_, ci) = super::interval::quantile_interval(&present, q, LEVEL);
                (
                    Some(quantile_sorted(&present, q)),
                    (present.len() >= 2).then_some(ci),
                )
            }
        }
        stat => statistic(stat, col, LEVEL),
    };
    verdict(g, estimate, ci)
}

/// The half-width of `ci` and whether it meets goal `g` for the estimate.
fn verdict(g: &Goal, estimate: Option<f64>, ci: Option<[f64; 2]>) -> GoalStatus {
    // An unbounded end (too few values for that percentile): no half-width, and no
    // interval recorded (JSON has no infinity).
    let ci = ci.filter(|c| c.iter().all(|x| x.is_finite()));
    let half_width = ci.map(|[lo, hi]| (hi - lo) / 2.0);
    let met = match (estimate, half_width) {
        (Some(v), Some(h)) => h <= g.allowed(v),
        _ => false,
    };
    GoalStatus {
        estimate,
        ci,
        half_width,
        met,
    }
}

/// Mean of the present values with the summary's interval `mean ± t(0.975, n − 1) · se`
/// (sums in replication order, as `stats` does; not cut at the metric's range).
fn mean_t(col: &[f64]) -> (Option<f64>, Option<[f64; 2]>) {
    let present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    let n = present.len();
    if n == 0 {
        return (None, None);
    }
    let m = crate::stats::sample::mean(&present);
    let ci = crate::stats::sample::std_dev(&present, m).and_then(|sd| {
        let half = t_975(n - 1)? * sd / (n as f64).sqrt();
        Some([m - half, m + half])
    });
    (Some(m), ci)
}

/// Why a run stopped adding replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Every goal met.
    Met,
    /// The cap was reached first.
    Cap,
}

/// The half-widths after one block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Replications so far.
    pub replications: u64,
    /// Half-width of each goal's interval, in goal order (`null`: unbounded).
    pub half_widths: Vec<Option<f64>>,
    /// Whether every goal was met.
    pub met: bool,
}

/// How a precision run went: what stopped it, after how many replications, each goal's
/// final status and the half-widths after every block.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Replications run (a multiple of the block, or the cap).
    pub replications: u64,
    /// Why it stopped.
    pub stopped: Stopped,
    /// Each goal's final status, in goal order.
    pub status: Vec<GoalStatus>,
    /// Every block's half-widths.
    pub steps: Vec<Step>,
    /// Daily histograms, when asked for (the same counts as a fixed run's).
    pub daily: Option<DailyHist>,
}

/// The fixed parameters of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Replications per block (at least 1).
    pub block: u64,
    /// Cap on the replications (at least 1).
    pub max_replications: u64,
}

/// A sink that hands on rows cut at multiples of [`BLOCK`] (where a fixed run cuts
/// them), whatever cut it receives.
struct Reblock<'s, S> {
    inner: &'s mut S,
    per_rep: usize,
    first: u64,
    rows: Vec<MetricsRow>,
}

impl<S: BlockSink> Reblock<'_, S> {
    fn push(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), S::Error> {
        if self.rows.is_empty() {
            self.first = first;
        }
        self.rows.extend(rows);
        loop {
            let n = (self.rows.len() / self.per_rep) as u64;
            let boundary = (self.first / BLOCK + 1) * BLOCK;
            if self.first + n < boundary {
                return Ok(());
            }
            let k = (boundary - self.first) as usize * self.per_rep;
            let rest = self.rows.split_off(k);
            let full = std::mem::replace(&mut self.rows, rest);
            self.inner.accept(self.first, full)?;
            self.first = boundary;
        }
    }

    fn flush(&mut self) -> Result<(), S::Error> {
        if !self.rows.is_empty() {
            let rows = std::mem::take(&mut self.rows);
            self.inner.accept(self.first, rows)?;
        }
        Ok(())
    }
}

/// The engine's sink during a precision run: observes each block, then hands it on.
struct Tee<'t, 'a, 's, S> {
    tracker: &'t mut Tracker<'a>,
    out: Reblock<'s, S>,
    n_strategies: usize,
    n_materials: usize,
}

impl<S: BlockSink> BlockSink for Tee<'_, '_, '_, S> {
    type Error = S::Error;

    fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), S::Error> {
        let per_rep = self.n_strategies * self.n_materials;
        let res = RunResult {
            first_replication: first,
            n_replications: rows.len() / per_rep,
            n_strategies: self.n_strategies,
            n_materials: self.n_materials,
            rows,
            daily: None,
        };
        self.tracker.observe(&res);
        self.out.push(first, res.rows)
    }
}

/// Runs `scn` from replication 0 in blocks of `plan.block` until every goal is met or
/// `plan.max_replications` is reached (module docs), handing every row to `sink` in
/// replication order, cut as a fixed run cuts them. `opts` gives the seed and the daily
/// histograms (its replication range is ignored). `after_block` sees each block's
/// half-widths as soon as they are known (for progress).
///
/// # Errors
/// The sink's first error.
///
/// # Panics
/// If `goals` is empty, `plan.block` or `plan.max_replications` is 0, or `kernel` uses an
/// instruction set this CPU lacks.
#[allow(clippy::too_many_arguments)]
pub fn run<S: BlockSink + Send>(
    scn: &Scenario,
    goals: &[Goal],
    plan: Plan,
    opts: &RunOptions,
    progress: &dyn Progress,
    kernel: Kernel,
    sink: &mut S,
    after_block: &mut dyn FnMut(&Step),
) -> Result<Outcome, S::Error>
where
    S::Error: Send,
{
    assert!(!goals.is_empty(), "no precision goal");
    assert!(
        plan.block > 0 && plan.max_replications > 0,
        "empty precision plan"
    );
    let mut tracker = Tracker::new(scn, goals);
    let (ns, nm) = (scn.strategies().len(), scn.n_slots());
    let mut tee = Tee {
        tracker: &mut tracker,
        out: Reblock {
            inner: sink,
            per_rep: ns * nm,
            first: 0,
            rows: Vec::new(),
        },
        n_strategies: ns,
        n_materials: nm,
    };
    let mut daily: Option<DailyHist> = None;
    let mut steps = Vec::new();
    let mut done = 0u64;
    loop {
        let end = done.saturating_add(plan.block).min(plan.max_replications);
        let o = RunOptions {
            replications: done..end,
            ..opts.clone()
        };
        let tail = sim::run_into(scn, &o, progress, kernel, &mut tee)?;
        // Integer counts: adding the blocks' histograms gives a fixed run's.
        if let Some(b) = tail.daily {
            match &mut daily {
                Some(a) => a.merge(&b),
                None => daily = Some(b),
            }
        }
        done = end;
        let status = tee.tracker.status();
        let met = status.iter().all(|s| s.met);
        let step = Step {
            replications: done,
            half_widths: status.iter().map(|s| s.half_width).collect(),
            met,
        };
        after_block(&step);
        steps.push(step);
        if met || done >= plan.max_replications {
            tee.out.flush()?;
            return Ok(Outcome {
                replications: done,
                stopped: if met { Stopped::Met } else { Stopped::Cap },
                status,
                steps,
                daily,
            });
        }
    }
}

/// A goal as `run.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalRecord {
    /// The statistic, fully scoped (e.g. `p95(shortfall_pct) in ndpr under baseline`).
    pub statistic: String,
    /// The half-width asked for.
    pub goal_half_width: f64,
    /// Whether it is a percentage of the estimate.
    pub relative: bool,
    /// The statistic's final value, interval, half-width and verdict.
    #[serde(flatten)]
    pub status: GoalStatus,
}

/// What `run.json` records of a precision run (`precision`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecord {
    /// Level of the intervals (0.95).
    pub level: f64,
    /// Replications per block.
    pub block: u64,
    /// The cap.
    pub max_replications: u64,
    /// Replications run.
    pub replications: u64,
    /// Why it stopped: `met` or `cap`.
    pub stopped: Stopped,
    /// Each goal, with its final status.
    pub goals: Vec<GoalRecord>,
    /// Half-widths after every block.
    pub steps: Vec<Step>,
}

impl PrecisionRecord {
    /// The record of `outcome` for `goals` under `plan`.
    pub fn new(goals: &[Goal], plan: Plan, outcome: &Outcome) -> PrecisionRecord {
        PrecisionRecord {
            level: LEVEL,
            block: plan.block,
            max_replications: plan.max_replications,
            replications: outcome.replications,
            stopped: outcome.stopped,
            goals: goals
                .iter()
                .zip(&outcome.status)
                .map(|(g, s)| GoalRecord {
                    statistic: g.name.clone(),
                    goal_half_width: g.half_width,
                    relative: g.relative,
                    status: s.clone(),
                })
                .collect(),
            steps: outcome.steps.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, String) {
        let e = parse(text).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn parses_goals() {
        let g = parse("p95(shortfall_pct) ± 0.1").unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(
            g[0].expr,
            Expr::Stat {
                stat: Stat::Quantile(95),
                measure: Measure::from_name("shortfall_pct")
            }
        );
        assert_eq!((g[0].half_width, g[0].relative), (0.1, false));
        let g = parse(
            "MEAN(total_cost) under hedge +- 2%, diff(mean(total_cost), baseline) ± 5e6, \
             autonomy in ndpr ± .01",
        )
        .unwrap();
        assert_eq!(g.len(), 3);
        assert!(g[0].relative && g[0].half_width == 2.0);
        assert_eq!(g[0].strategy.as_ref().unwrap().id, "hedge");
        let Expr::Diff { against, .. } = &g[1].expr else {
            panic!("not a diff")
        };
        assert_eq!((against.id.as_str(), g[1].half_width), ("baseline", 5e6));
        assert_eq!(g[2].material.as_ref().unwrap().id, "ndpr");
    }

    #[test]
    fn rejections_name_their_column() {
        for (text, col, want) in [
            ("", 1, "expected a goal"),
            ("p95(shortfall_pct)", 19, "expected `±`"),
            ("p95(shortfall_pct) ± x", 22, "half-width"),
            ("p95(shortfall_pct) ± 0", 22, "must be positive"),
            ("p95(shortfall_pct) ± -1", 22, "must be positive"),
            ("p95(shortfal) ± 1", 5, "unknown metric `shortfal`"),
            ("median(days_short) ± 1", 1, "unknown statistic"),
            ("diff(cvar95(total_cost), a) ± 1", 6, "no paired interval"),
            ("diff(prob_positive(total_cost), a) ± 1", 6, "under A ± h"),
            ("diff(mean(total_cost)) ± 1", 22, "`,`"),
            ("autonomy(days_short) ± 1", 9, "takes no metric"),
            ("mean(days_short) ± 1 1", 22, "`,` and another goal"),
            ("mean(days_short) ± 1,", 22, "expected a statistic"),
            ("mean(days_short) in a in b ± 1", 23, "second `in`"),
            // Columns count characters (± is two bytes).
            ("mean(days_short) ± 1 ± 2", 22, "`±`"),
        ] {
            let (c, msg) = err(text);
            assert_eq!(c, col, "{text}: {msg}");
            assert!(msg.contains(want), "{text}: {msg}");
        }
        let full = parse("p95(shortfall_pct)").unwrap_err().to_string();
        assert!(full.contains("at column 19"), "{full}");
    }

    fn goal(stat: Stat, h: f64, relative: bool) -> Goal {
        Goal {
            stat,
            measure: Measure::from_name("shortfall_pct"),
            subject: Subject::Material(0),
            strategy: 0,
            minus: None,
            half_width: h,
            relative,
            name: String::new(),
        }
    }

    #[test]
    fn half_widths_and_verdicts() {
        // 1..=100: mean 50.5, sd = sqrt(100·101/12) = 29.01, t(0.975, 99) = 1.9842:
        // half-width 1.9842 · 29.01 / 10 = 5.757.
        let col: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = evaluate(&goal(Stat::Mean, 6.0, false), &col);
        assert_eq!(s.estimate, Some(50.5));
        assert!((s.half_width.unwrap() - 5.757).abs() < 1e-3, "{s:?}");
        assert!(s.met);
        assert!(!evaluate(&goal(Stat::Mean, 5.7, false), &col).met);
        // Relative: 5.757 is 11.4% of 50.5.
        assert!(evaluate(&goal(Stat::Mean, 11.5, true), &col).met);
        assert!(!evaluate(&goal(Stat::Mean, 11.3, true), &col).met);
        // Median: order statistics x(40), x(61) (binomial ranks, n = 100): half-width
        // (61 - 40)/2 = 10.5.
        let s = evaluate(&goal(Stat::Quantile(50), 10.5, false), &col);
        assert_eq!((s.ci, s.half_width), (Some([40.0, 61.0]), Some(10.5)));
        assert!(s.met);
        // p99 of 50 values has no upper order statistic at 95%: never met.
        let s = evaluate(&goal(Stat::Quantile(99), 1e9, false), &col[..50]);
        assert!(!s.met && s.half_width.is_none());
        // Absent everywhere: not met.
        assert!(!evaluate(&goal(Stat::Mean, 1.0, false), &[f64::NAN; 3]).met);
    }

    #[test]
    fn a_difference_of_percentiles_is_paired_and_bootstrapped() {
        let g = parse("diff(p95(shortfall_pct), b) ± 1").unwrap();
        let Expr::Diff { stat, .. } = &g[0].expr else {
            panic!("not a diff")
        };
        assert_eq!(*stat, Stat::Quantile(95));
        let diff = |h: f64| Goal {
            minus: Some(1),
            ..goal(Stat::Quantile(95), h, false)
        };
        // b is a plus 2 in every future: every resample's percentiles differ by exactly
        // 2, so the interval collapses onto the difference −2 (half-width 0).
        let a: Vec<f64> = (0..400).map(|i| f64::from(i) * 0.25).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 2.0).collect();
        let s = evaluate_paired(&diff(1e-9), &a, &b);
        assert_eq!((s.estimate, s.ci), (Some(-2.0), Some([-2.0, -2.0])));
        assert!(s.met);
        // b is a reversed: both have the same p95 (difference 0), while the p95 of the
        // pairwise differences a_i − a_(399−i) = 0.25 (2i − 399) would be 0.25 (2 ·
        // 379.05 − 399) = 89.8: the goal reads the difference of the percentiles, not
        // the percentile of the difference.
        let b: Vec<f64> = a.iter().rev().copied().collect();
        let s = evaluate_paired(&diff(1e9), &a, &b);
        assert_eq!(s.estimate, Some(0.0));
        // Here the pairing does not help (a high a goes with a low b): each p95 moves
        // by about ±2 (ranks 372..389 of 400, a quarter apart) over the resamples, so
        // the interval of the difference is a few units wide, neither collapsed as in
        // the shift nor wider than the two ranges added.
        let [lo, hi] = s.ci.unwrap();
        assert!(lo < -1.0 && hi > 1.0 && hi - lo < 12.0, "{lo} {hi}");
        // The same bits every time (fixed seed).
        assert_eq!(s, evaluate_paired(&diff(1e9), &a, &b));
        // No pair with both values: no estimate.
        let s = evaluate_paired(&diff(1.0), &[f64::NAN, 1.0], &[1.0, f64::NAN]);
        assert!(s.estimate.is_none() && !s.met);
    }

    #[test]
    fn reblock_cuts_where_a_fixed_run_does() {
        #[derive(Default)]
        struct Cuts(Vec<(u64, usize)>);
        impl BlockSink for Cuts {
            type Error = std::convert::Infallible;
            fn accept(&mut self, first: u64, rows: Vec<MetricsRow>) -> Result<(), Self::Error> {
                self.0.push((first, rows.len() / 2));
                Ok(())
            }
        }
        let mut cuts = Cuts::default();
        let mut r = Reblock {
            inner: &mut cuts,
            per_rep: 2,
            first: 0,
            rows: Vec::new(),
        };
        let rows = |n: u64| vec![MetricsRow([0.0; crate::sim::N_METRICS]); 2 * n as usize];
        let Ok(()) = r.push(0, rows(40_000));
        let Ok(()) = r.push(40_000, rows(100_000));
        let Ok(()) = r.push(140_000, rows(10));
        let Ok(()) = r.flush();
        assert_eq!(
            cuts.0,
            vec![(0, 65_536), (65_536, 65_536), (131_072, 140_010 - 131_072)]
        );
    }
}
