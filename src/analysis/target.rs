//! Targets such as `p95(shortfall_pct) <= 1 and autonomy >= 0.9`: a small parser, the
//! statistics they name, and their evaluation (with 95% intervals) on a run.
//!
//! Grammar (case-insensitive, spaces free):
//! `target = clause ("and" clause)*`, `clause = stat "(" metric ")" op number | "autonomy"
//! op number`, `op = "<=" | "<" | ">=" | ">"`. Statistics: `mean`, `pNN` (a percentile,
//! `p1` … `p99`, e.g. `p50`, `p90`, `p95`, `p99`), `cvar95`, `prob_positive`, and
//! `autonomy` (share of replications with no shortfall day; it takes no metric). Metrics
//! are the names of [`Metric`] for a material, or of [`TotalMetric`] for `total`.

use super::eval::{AnalysisError, fmt_num};
use crate::model::Scenario;
use crate::sim::{Metric, RunResult};
use crate::stats::{
    Stats, TotalMetric, cvar95_sorted, metric_column, quantile_sorted, total_column,
};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
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
    pub fn resolve(scn: &Scenario, id: Option<&str>) -> Result<Subject, AnalysisError> {
        match id {
            Some("total") => Ok(Subject::Total),
            Some(id) => scn
                .materials
                .iter()
                .position(|m| m.id == id)
                .map(Subject::Material)
                .ok_or_else(|| {
                    let ids: Vec<&str> = scn.materials.iter().map(|m| m.id.as_str()).collect();
                    AnalysisError::Spec(format!(
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
    /// [`AnalysisError::Spec`] listing the valid metric names.
    pub fn check_metric(self, metric: &str) -> Result<(), AnalysisError> {
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
        Err(AnalysisError::Spec(format!(
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
            Subject::Material(m) => Metric::from_name(metric).map(|k| metric_column(res, s, m, k)),
            Subject::Total => TotalMetric::ALL
                .iter()
                .find(|t| t.name() == metric)
                .map(|&t| total_column(scn, res, s, t)),
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
    /// [`AnalysisError::Spec`] listing the valid statistics.
    pub fn parse(s: &str) -> Result<Statistic, AnalysisError> {
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
        Err(AnalysisError::Spec(format!(
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
        write!(f, " {} {}", self.op.as_str(), fmt_num(self.threshold))
    }
}

/// A statistic evaluated on a run: its value, its 95% interval and whether the clause
/// holds. `value` is `None` when the metric is absent in every replication (the clause
/// then does not hold).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    /// The clause, as text.
    pub clause: String,
    /// The statistic's value.
    pub value: Option<f64>,
    /// 95% interval of the statistic (see [`Clause::evaluate`]).
    pub ci95: Option<[f64; 2]>,
    /// Whether the clause holds.
    pub met: bool,
}

/// Bootstrap resamples for the CVaR interval.
const CVAR_BOOTSTRAP: usize = 400;

impl Clause {
    /// Evaluates the clause for strategy `s` and `subject` of a run.
    ///
    /// Intervals: `mean`, the Student-t interval; `pNN`, the distribution-free interval of
    /// order statistics (ranks `nq ± 1.96 sqrt(nq(1-q))`); `prob_positive` and
    /// `autonomy`, the Wilson score interval; `cvar95`, a percentile bootstrap (400
    /// resamples, fixed seed, so the interval is reproducible).
    ///
    /// # Panics
    /// If the metric does not exist for `subject` (check with [`Target::check`]).
    pub fn evaluate(
        &self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        subject: Subject,
    ) -> Evaluated {
        let (value, ci95) = match self.stat {
            Statistic::Autonomy => {
                let ind = subject.no_shortfall(res, s);
                share_with_interval(&ind)
            }
            stat => {
                let metric = self.metric.as_deref().unwrap_or("");
                let col = subject
                    .column(scn, res, s, metric)
                    .expect("metric checked by Target::check");
                statistic(stat, &col)
            }
        };
        let met = value.is_some_and(|v| self.op.holds(v, self.threshold));
        Evaluated {
            clause: self.to_string(),
            value,
            ci95,
            met,
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
}

/// A statistic of a column (NaN = absent) with its 95% interval.
pub fn statistic(stat: Statistic, col: &[f64]) -> (Option<f64>, Option<[f64; 2]>) {
    let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    if present.is_empty() {
        return (None, None);
    }
    match stat {
        Statistic::Mean => {
            let s = Stats::from_sample(&present);
            (s.mean, s.ci95)
        }
        Statistic::ProbPositive | Statistic::Autonomy => {
            let ind: Vec<f64> = present
                .iter()
                .map(|&v| if v > 0.0 { 1.0 } else { 0.0 })
                .collect();
            share_with_interval(&ind)
        }
        Statistic::Quantile(p) => {
            present.sort_by(f64::total_cmp);
            let q = f64::from(p) / 100.0;
            let n = present.len() as f64;
            let half = 1.96 * (n * q * (1.0 - q)).sqrt();
            let last = present.len() - 1;
            let lo = ((n * q - half).floor().max(1.0) as usize - 1).min(last);
            let hi = ((n * q + half).ceil().max(1.0) as usize - 1).min(last);
            (
                Some(quantile_sorted(&present, q)),
                Some([present[lo], present[hi]]),
            )
        }
        Statistic::Cvar95 => {
            present.sort_by(f64::total_cmp);
            let v = cvar95_sorted(&present);
            let mut rng = ChaCha8Rng::seed_from_u64(0x0c0a_0095);
            let n = present.len();
            let mut boots = Vec::with_capacity(CVAR_BOOTSTRAP);
            let mut buf = vec![0.0; n];
            for _ in 0..CVAR_BOOTSTRAP {
                for b in buf.iter_mut() {
                    let u: f64 = rng.random();
                    *b = present[((u * n as f64) as usize).min(n - 1)];
                }
                buf.sort_by(f64::total_cmp);
                boots.push(cvar95_sorted(&buf));
            }
            boots.sort_by(f64::total_cmp);
            (
                Some(v),
                Some([
                    quantile_sorted(&boots, 0.025),
                    quantile_sorted(&boots, 0.975),
                ]),
            )
        }
    }
}

/// Share of ones in a 0/1 column with its Wilson score 95% interval.
fn share_with_interval(ind: &[f64]) -> (Option<f64>, Option<[f64; 2]>) {
    if ind.is_empty() {
        return (None, None);
    }
    let n = ind.len() as f64;
    let k = ind.iter().filter(|&&v| v > 0.0).count() as f64;
    let p = k / n;
    let z: f64 = 1.959_963_984_540_054;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (
        Some(p),
        Some([(centre - half).max(0.0), (centre + half).min(1.0)]),
    )
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
    /// [`AnalysisError::Spec`] saying which clause is wrong and how to write it.
    pub fn parse(text: &str) -> Result<Target, AnalysisError> {
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
    pub fn check(&self, subject: Subject) -> Result<(), AnalysisError> {
        for c in &self.clauses {
            if let Some(m) = &c.metric {
                subject.check_metric(m)?;
            }
        }
        Ok(())
    }

    /// Evaluates every clause.
    pub fn evaluate(
        &self,
        scn: &Scenario,
        res: &RunResult,
        s: usize,
        subject: Subject,
    ) -> Vec<Evaluated> {
        self.clauses
            .iter()
            .map(|c| c.evaluate(scn, res, s, subject))
            .collect()
    }
}

fn parse_clause(clause: &str, whole: &str) -> Result<Clause, AnalysisError> {
    let err = |why: String| {
        AnalysisError::Spec(format!(
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
        let (v, ci) = statistic(Statistic::Quantile(50), &col);
        assert_eq!(v, Some(50.5));
        let ci = ci.unwrap();
        assert!(ci[0] < 50.5 && ci[1] > 50.5);
        let (v, ci) = statistic(Statistic::ProbPositive, &[0.0, 1.0, 2.0, 0.0]);
        assert_eq!(v, Some(0.5));
        assert!(ci.unwrap()[0] > 0.0);
        let (v, _) = statistic(Statistic::Cvar95, &col);
        assert_eq!(v, Some(98.0));
        assert_eq!(statistic(Statistic::Mean, &[f64::NAN]), (None, None));
    }
}
