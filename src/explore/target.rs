//! Targets such as `p95(shortfall_pct) <= 1 and autonomy >= 0.9`: a small parser, the
//! statistics they name, and their evaluation (with 95% intervals) on a run.
//!
//! Grammar (case-insensitive, spaces free):
//! `target = clause ("and" clause)*`, `clause = stat "(" metric ")" op number | "autonomy"
//! op number`, `op = "<=" | "<" | ">=" | ">"`. Statistics: `mean`, `pNN` (a percentile,
//! `p1` … `p99`, e.g. `p50`, `p90`, `p95`, `p99`), `cvar95`, `prob_positive`, and
//! `autonomy` (share of replications with no shortfall day; it takes no metric). Metrics
//! are the names of [`Metric`] for a material, or of [`TotalMetric`] for `total`.

use super::ExploreError;
use super::interval;
use crate::model::Scenario;
use crate::numfmt;
use crate::sim::{Metric, RunResult};
use crate::stats::{TotalMetric, cvar95_sorted, metric_column, total_column};
use serde::Serialize;

/// Which results a statistic reads: one material, or the totals over materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The material with this index.
    Material(usize),
    /// Totals over materials (`total` in outputs).
    Total,
}

impl Subject {
    /// Resolves `--material`: an id, or `total`; without it the only material, or
    /// `total` when there are several.
    ///
    /// # Errors
    /// An unknown material id, listing the valid ones.
    pub fn resolve(scn: &Scenario, id: Option<&str>) -> Result<Subject, ExploreError> {
        match id {
            Some("total") => Ok(Subject::Total),
            Some(id) => scn
                .materials
                .iter()
                .position(|m| m.id == id)
                .map(Subject::Material)
                .ok_or_else(|| {
                    let ids: Vec<&str> = scn.materials.iter().map(|m| m.id.as_str()).collect();
                    ExploreError::Spec(format!(
                        "unknown material `{id}`; the scenario has {} (or `total`)",
                        ids.join(", ")
                    ))
                }),
            None if scn.materials.len() == 1 => Ok(Subject::Material(0)),
            None => Ok(Subject::Total),
        }
    }

    /// Id for outputs: the material's id, or `total`.
    pub fn id(self, scn: &Scenario) -> String {
        match self {
            Subject::Material(m) => scn.materials[m].id.clone(),
            Subject::Total => crate::stats::TOTAL.to_string(),
        }
    }

    /// Checks that `metric` exists for this subject.
    ///
    /// # Errors
    /// [`ExploreError::Spec`] listing the valid metric names.
    pub fn check_metric(self, metric: &str) -> Result<(), ExploreError> {
        let ok = match self {
            Subject::Material(_) => Metric::from_name(metric).is_some(),
            Subject::Total => TotalMetric::ALL.iter().any(|t| t.name() == metric),
        };
        if ok {
            return Ok(());
        }
        let names: Vec<&str> = match self {
            Subject::Material(_) => Metric::ALL.iter().map(|m| m.name()).collect(),
            Subject::Total => TotalMetric::ALL.iter().map(|m| m.name()).collect(),
        };
        Err(ExploreError::Spec(format!(
            "unknown metric `{metric}` for {}; use one of {}",
            match self {
                Subject::Material(_) => "a material",
                Subject::Total => "the totals (--material total)",
            },
            names.join(", ")
        )))
    }

    /// One value of `metric` per replication for strategy `s` (`NaN` = absent); `None`
    /// for an unknown metric.
    pub fn column(
        self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        metric: &str,
    ) -> Option<Vec<f64>> {
        match self {
            Subject::Material(m) => Metric::from_name(metric).map(|k| {
                let Ok(col) = metric_column(res, s, m, k);
                col
            }),
            Subject::Total => TotalMetric::ALL
                .iter()
                .find(|t| t.name() == metric)
                .map(|&t| {
                    let Ok(col) = total_column(scn, res, s, t);
                    col
                }),
        }
    }

    /// Per replication, 1 when there was no shortfall day (in this material, or in any
    /// material for `Total`), else 0.
    pub fn no_shortfall(self, res: &RunResult, s: usize) -> Vec<f64> {
        (0..res.n_replications)
            .map(|r| {
                let ok = match self {
                    Subject::Material(m) => !res.row(r, s, m).had_shortfall(),
                    Subject::Total => {
                        (0..res.n_materials).all(|m| !res.row(r, s, m).had_shortfall())
                    }
                };
                if ok { 1.0 } else { 0.0 }
            })
            .collect()
    }
}

/// A statistic over replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// Mean of the present values.
    Mean,
    /// Percentile `q` in (0, 1) (linear interpolation, as in `stats`).
    Quantile(u8),
    /// Mean of the largest 5% of values.
    Cvar95,
    /// Share of present values above zero.
    ProbPositive,
    /// Share of replications with no shortfall day (reads no metric).
    Autonomy,
}

impl Statistic {
    /// Parses `mean`, `pNN`, `cvar95`, `prob_positive`, `autonomy`.
    ///
    /// # Errors
    /// [`ExploreError::Spec`] listing the valid statistics.
    pub fn parse(s: &str) -> Result<Statistic, ExploreError> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "mean" => return Ok(Statistic::Mean),
            "cvar95" => return Ok(Statistic::Cvar95),
            "prob_positive" => return Ok(Statistic::ProbPositive),
            "autonomy" => return Ok(Statistic::Autonomy),
            _ => {}
        }
        if let Some(n) = s.strip_prefix('p').and_then(|n| n.parse::<u8>().ok())
            && (1..=99).contains(&n)
        {
            return Ok(Statistic::Quantile(n));
        }
        Err(ExploreError::Spec(format!(
            "unknown statistic `{s}`; use mean, pNN (p50, p90, p95, p99, …), cvar95, \
             prob_positive or autonomy"
        )))
    }

    /// Name as written in targets and outputs.
    pub fn name(self) -> String {
        match self {
            Statistic::Mean => "mean".into(),
            Statistic::Quantile(n) => format!("p{n}"),
            Statistic::Cvar95 => "cvar95".into(),
            Statistic::ProbPositive => "prob_positive".into(),
            Statistic::Autonomy => "autonomy".into(),
        }
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

/// One clause: `stat(metric) op threshold`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The statistic.
    pub stat: Statistic,
    /// The metric it reads (`None` for autonomy).
    pub metric: Option<String>,
    /// The comparison.
    pub op: Op,
    /// The threshold.
    pub threshold: f64,
}

impl std::fmt::Display for Clause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.metric {
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
            Statistic::Autonomy => {
                let ind = subject.no_shortfall(res, s);
                share_with_interval(&ind, level)
            }
            stat => {
                let metric = self.metric.as_deref().unwrap_or("");
                let col = subject
                    .column(scn, res, s, metric)
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
pub fn statistic(stat: Statistic, col: &[f64], level: f64) -> (Option<f64>, Option<[f64; 2]>) {
    let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    if present.is_empty() {
        return (None, None);
    }
    match stat {
        Statistic::Mean => {
            let (m, ci) = interval::mean_interval(&present, level);
            (Some(m), ci)
        }
        Statistic::ProbPositive | Statistic::Autonomy => {
            let ind: Vec<f64> = present
                .iter()
                .map(|&v| if v > 0.0 { 1.0 } else { 0.0 })
                .collect();
            share_with_interval(&ind, level)
        }
        Statistic::Quantile(p) => {
            present.sort_by(f64::total_cmp);
            let (v, ci) = interval::quantile_interval(&present, f64::from(p) / 100.0, level);
            (Some(v), (present.len() >= 2).then_some(ci))
        }
        Statistic::Cvar95 => {
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
    /// [`ExploreError::Spec`] saying which clause is wrong and how to write it.
    pub fn parse(text: &str) -> Result<Target, ExploreError> {
        let mut clauses = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for tok in text.split_whitespace() {
            if tok.eq_ignore_ascii_case("and") {
                parts.push(current.concat());
                current.clear();
            } else {
                current.push(tok);
            }
        }
        parts.push(current.concat());
        for p in parts {
            clauses.push(parse_clause(&p, text)?);
        }
        Ok(Target { clauses })
    }

    /// Checks every clause's metric against `subject`.
    ///
    /// # Errors
    /// The first unknown metric.
    pub fn check(&self, subject: Subject) -> Result<(), ExploreError> {
        for c in &self.clauses {
            if let Some(m) = &c.metric {
                subject.check_metric(m)?;
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

fn parse_clause(clause: &str, whole: &str) -> Result<Clause, ExploreError> {
    let err = |why: String| {
        ExploreError::Spec(format!(
            "bad target `{whole}`: {why}; write e.g. \"p95(shortfall_pct) <= 1\" or \
             \"mean(days_short) < 5 and autonomy >= 0.9\""
        ))
    };
    if clause.is_empty() {
        return Err(err("an empty clause (around `and`)".into()));
    }
    let (pos, op) = ["<=", ">=", "<", ">"]
        .iter()
        .find_map(|o| clause.find(o).map(|p| (p, *o)))
        .ok_or_else(|| err(format!("`{clause}` has no comparison (<=, <, >=, >)")))?;
    let (lhs, rhs) = (&clause[..pos], &clause[pos + op.len()..]);
    let op = match op {
        "<=" => Op::Le,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        _ => Op::Gt,
    };
    let threshold = rhs
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| err(format!("`{rhs}` is not a number")))?;
    let lhs = lhs.to_ascii_lowercase();
    let (stat, metric) = match lhs.split_once('(') {
        Some((s, rest)) => {
            let m = rest
                .strip_suffix(')')
                .ok_or_else(|| err(format!("`{lhs}` is missing its `)`")))?;
            (
                Statistic::parse(s).map_err(|e| err(e.to_string()))?,
                m.to_string(),
            )
        }
        None => (
            Statistic::parse(&lhs).map_err(|e| err(e.to_string()))?,
            String::new(),
        ),
    };
    let metric = match (stat, metric.is_empty()) {
        (Statistic::Autonomy, _) => None,
        (_, true) => {
            return Err(err(format!(
                "`{}` needs a metric in parentheses, e.g. {}(shortfall_pct)",
                stat.name(),
                stat.name()
            )));
        }
        (_, false) => Some(metric),
    };
    Ok(Clause {
        stat,
        metric,
        op,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clauses() {
        let t = Target::parse("p95(shortfall_pct) <= 1 and MEAN(days_short)<5 AND autonomy >= 0.9")
            .unwrap();
        assert_eq!(t.clauses.len(), 3);
        assert_eq!(t.clauses[0].stat, Statistic::Quantile(95));
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
            ("p95(shortfall_pct)", "no comparison"),
            ("p95(shortfall_pct) <= x", "not a number"),
            ("median(x) <= 1", "unknown statistic"),
            ("mean <= 1", "needs a metric"),
            ("mean(x <= 1", "missing its `)`"),
            ("mean(x) <= 1 and", "empty clause"),
        ] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        assert!(
            Subject::Total
                .check_metric("shortfall_pct")
                .unwrap_err()
                .to_string()
                .contains("total_cost")
        );
    }

    #[test]
    fn statistics_and_intervals() {
        let col: Vec<f64> = (1..=100).map(f64::from).collect();
        let (v, ci) = statistic(Statistic::Quantile(50), &col, 0.95);
        assert_eq!(v, Some(50.5));
        // Order statistics x(40) and x(61) for n = 100 at 95% (binomial ranks).
        assert_eq!(ci, Some([40.0, 61.0]));
        let (v, ci) = statistic(Statistic::ProbPositive, &[0.0, 1.0, 2.0, 0.0], 0.95);
        assert_eq!(v, Some(0.5));
        assert!(ci.unwrap()[0] > 0.0);
        let (v, _) = statistic(Statistic::Cvar95, &col, 0.95);
        assert_eq!(v, Some(98.0));
        assert_eq!(statistic(Statistic::Mean, &[f64::NAN], 0.95), (None, None));
    }

    #[test]
    fn confidence_rule_judges_the_bound_not_the_point() {
        let c = &Target::parse("p95(x) <= 1").unwrap().clauses[0];
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
        let le = &Target::parse("p95(x) <= 1").unwrap().clauses[0];
        let lt = &Target::parse("p95(x) < 1").unwrap().clauses[0];
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
