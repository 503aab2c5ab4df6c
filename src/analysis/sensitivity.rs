//! Sensitivity: one-at-a-time moves of parameter paths (the data of a tornado chart)
//! and variance-based Sobol indices.
//!
//! **One at a time.** Each path moves from its base value `v` down to `v(1 − δ)` and up
//! to `v(1 + δ)`, respecting its kind: probabilities and shares are clamped to [0, 1],
//! whole-day paths are rounded and move at least one day. A path whose base is 0 is
//! skipped (a relative move leaves it at 0), and so is a side whose move makes the
//! scenario invalid (the row says why). The effect is on the mean of one metric (one
//! material or `total`) under one strategy; every run has the same seed and
//! replications, so the differences are paired (common random numbers) and their
//! intervals tight. Paths are ranked by swing `|mean(high) − mean(low)|` (or the one
//! side's `|mean(side) − mean(base)|` when the other side is skipped).
//!
//! **Sobol.** First-order and total indices of the output `Y` = mean of the metric over
//! the replications (a deterministic function of the parameters under common random
//! numbers), for the paths varying independently and uniformly over their one-at-a-time
//! ranges `[low, high]`. Saltelli sampling: two `N × k` matrices `A`, `B` and the `k`
//! matrices `A_B^(i)` (`A` with column `i` from `B`): `N (k + 2)` runs. Estimators:
//! first order (Saltelli et al. 2010) `S_i = mean(f(B) (f(A_B^(i)) − f(A))) / V`; total
//! (Jansen 1999) `ST_i = mean((f(A) − f(A_B^(i)))²) / (2V)`, with `V` the variance of
//! `f(A)` and `f(B)` pooled. 95% intervals by a percentile bootstrap over the `N` rows
//! (seeded). Sample matrices come from the seed too, so everything is reproducible.

use super::eval::{AnalysisError, Evaluator, fmt_num};
use super::grid::round_for;
use super::target::Subject;
use crate::model::Scenario;
use crate::scenario::{Document, ParamKind, param_kind};
use crate::sim::{NoProgress, Progress, RunResult};
use crate::stats::{Paired, quantile_sorted};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// Stream of the Sobol sample matrices.
const SOBOL_STREAM: u64 = 0x0053_4f42_4f4c;
/// Stream of the Sobol bootstrap.
const BOOT_STREAM: u64 = 0x424f_4f54;

/// The default paths: every numeric path of the document except `replications` and
/// `horizon_days` (set by the analysis, and not properties of the world).
pub fn default_paths(doc: &Document) -> Vec<String> {
    doc.numeric_paths()
        .into_iter()
        .filter(|p| p != "replications" && p != "horizon_days")
        .collect()
}

/// A path's base value and its moved values (or why a side does not move).
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    /// The path.
    pub path: String,
    /// Its kind, as text (`real`, `whole_days`, `probability`, `share`).
    pub kind: &'static str,
    /// Base value.
    pub base: f64,
    /// Value moved down, if it moves.
    pub low: Option<f64>,
    /// Value moved up, if it moves.
    pub high: Option<f64>,
    /// Why a side does not move.
    pub note: Option<String>,
}

fn kind_name(k: ParamKind) -> &'static str {
    match k {
        ParamKind::Real => "real",
        ParamKind::WholeDays => "whole_days",
        ParamKind::Probability => "probability",
        ParamKind::Share => "share",
    }
}

/// Moves `path` (base `base`) by the relative `delta`, per the module docs.
pub fn move_of(path: &str, base: f64, delta: f64) -> Move {
    let kind = param_kind(path);
    let mut m = Move {
        path: path.to_string(),
        kind: kind_name(kind),
        base,
        low: None,
        high: None,
        note: None,
    };
    if base == 0.0 {
        m.note = Some("base value is 0: a relative move leaves it at 0".into());
        return m;
    }
    let (mut lo, mut hi) = (base * (1.0 - delta), base * (1.0 + delta));
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    match kind {
        ParamKind::WholeDays => {
            lo = lo.round().min(base - 1.0);
            hi = hi.round().max(base + 1.0);
        }
        ParamKind::Probability | ParamKind::Share => {
            lo = lo.clamp(0.0, 1.0);
            hi = hi.clamp(0.0, 1.0);
        }
        ParamKind::Real => {}
    }
    let mut notes = Vec::new();
    if lo < base {
        m.low = Some(lo);
    } else {
        notes.push("at its lower bound".to_string());
    }
    if hi > base {
        m.high = Some(hi);
    } else {
        notes.push("at its upper bound".to_string());
    }
    if !notes.is_empty() {
        m.note = Some(notes.join("; "));
    }
    m
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct OatRow {
    /// The path moved and its values.
    #[serde(flatten)]
    pub moved: Move,
    /// Mean of the metric at the low value.
    pub metric_low: Option<f64>,
    /// Mean of the metric at the base.
    pub metric_base: Option<f64>,
    /// Mean of the metric at the high value.
    pub metric_high: Option<f64>,
    /// Paired mean of `low − base`.
    pub low_minus_base: Option<f64>,
    /// Paired mean of `high − base`.
    pub high_minus_base: Option<f64>,
    /// Paired mean of `high − low` (both sides moved).
    pub diff: Option<f64>,
    /// Paired 95% interval of `high − low`.
    pub diff_ci95: Option<[f64; 2]>,
    /// The ranking key (see the module docs).
    pub swing: Option<f64>,
    /// Rank by swing, 1 = largest; `None` for skipped paths.
    pub rank: Option<usize>,
}

fn column(scn: &Scenario, res: &RunResult, subject: Subject, metric: &str) -> Vec<f64> {
    subject
        .column(scn, res, 0, metric)
        .expect("metric checked before the runs")
}

fn mean_present(col: &[f64]) -> Option<f64> {
    let v: Vec<f64> = col.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    let mut s = 0.0;
    for x in &v {
        s += x;
    }
    Some(s / v.len() as f64)
}

/// One-at-a-time sensitivity of the mean of `metric` (for `subject`) under the
/// evaluator's first strategy, moving each of `paths` by `delta`. `progress` advances by
/// one per run (`1 + 2 × paths`). Rows come back in rank order, skipped paths last (in
/// the order given).
///
/// # Errors
/// An unknown path, an unknown metric, or an invalid base scenario.
pub fn one_at_a_time(
    ev: &Evaluator,
    paths: &[String],
    delta: f64,
    subject: Subject,
    metric: &str,
    progress: &dyn Progress,
) -> Result<Vec<OatRow>, AnalysisError> {
    if !(delta > 0.0) {
        return Err(AnalysisError::Spec("--delta must be above 0".into()));
    }
    subject.check_metric(metric)?;
    let doc = ev.document();
    let moves: Vec<Move> = paths
        .iter()
        .map(|p| Ok(move_of(p, doc.get(p)?, delta)))
        .collect::<Result<_, AnalysisError>>()?;
    let (scn, res) = ev.run_at(&[], &NoProgress)?;
    progress.advance(1);
    let base_col = column(&scn, &res, subject, metric);
    let metric_base = mean_present(&base_col);
    let mut rows = Vec::with_capacity(moves.len());
    for mut mv in moves {
        let side = |v: Option<f64>, notes: &mut Vec<String>, which: &str| {
            let v = v?;
            let r = ev.run_at(&[(mv.path.as_str(), v)], &NoProgress);
            progress.advance(1);
            match r {
                Ok((scn, res)) => Some(column(&scn, &res, subject, metric)),
                Err(e) => {
                    notes.push(format!("{which} move to {} skipped: {e}", fmt_num(v)));
                    None
                }
            }
        };
        let mut notes: Vec<String> = mv.note.take().into_iter().collect();
        let low_col = side(mv.low, &mut notes, "low");
        let high_col = side(mv.high, &mut notes, "high");
        if low_col.is_none() {
            mv.low = None;
        }
        if high_col.is_none() {
            mv.high = None;
        }
        mv.note = (!notes.is_empty()).then(|| notes.join("; "));
        let paired = |a: &Option<Vec<f64>>, b: &[f64]| a.as_ref().map(|a| Paired::from_pairs(a, b));
        let low_vs = paired(&low_col, &base_col);
        let high_vs = paired(&high_col, &base_col);
        let hl = match (&high_col, &low_col) {
            (Some(h), Some(l)) => Some(Paired::from_pairs(h, l)),
            _ => None,
        };
        let low_minus_base = low_vs.and_then(|p| p.mean_diff);
        let high_minus_base = high_vs.and_then(|p| p.mean_diff);
        let diff = hl.as_ref().and_then(|p| p.mean_diff);
        let swing = diff
            .map(f64::abs)
            .or_else(|| match (low_minus_base, high_minus_base) {
                (Some(a), Some(b)) => Some(a.abs().max(b.abs())),
                (a, b) => a.or(b).map(f64::abs),
            });
        rows.push(OatRow {
            metric_low: low_col.as_deref().and_then(mean_present),
            metric_base,
            metric_high: high_col.as_deref().and_then(mean_present),
            low_minus_base,
            high_minus_base,
            diff,
            diff_ci95: hl.and_then(|p| p.ci95),
            swing,
            rank: None,
            moved: mv,
        });
    }
    // Stable sort: equal swings keep the order given.
    rows.sort_by(|a, b| match (a.swing, b.swing) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut k = 0;
    for r in &mut rows {
        if r.swing.is_some() {
            k += 1;
            r.rank = Some(k);
        }
    }
    Ok(rows)
}

/// One input of a Sobol analysis: a path varying uniformly over `[lo, hi]`.
#[derive(Debug, Clone, Serialize)]
pub struct SobolInput {
    /// The path.
    pub path: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
}

/// One row of `sobol.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct SobolRow {
    /// The input.
    #[serde(flatten)]
    pub input: SobolInput,
    /// First-order index.
    pub first: Option<f64>,
    /// Bootstrap 95% interval of the first-order index.
    pub first_ci95: Option<[f64; 2]>,
    /// Total index.
    pub total: Option<f64>,
    /// Bootstrap 95% interval of the total index.
    pub total_ci95: Option<[f64; 2]>,
    /// Rank by total index, 1 = largest.
    pub rank: usize,
}

/// The outcome of a Sobol analysis.
#[derive(Debug, Clone, Serialize)]
pub struct SobolResult {
    /// Base sample size `N`.
    pub n: usize,
    /// Runs made, `N (k + 2)`.
    pub runs: usize,
    /// Pooled variance of the output; the indices are `None` when it is 0.
    pub variance: f64,
    /// Rows in rank order.
    pub rows: Vec<SobolRow>,
}

/// Indices `(first, total)` per input from the outputs of the rows in `idx`.
fn indices(fa: &[f64], fb: &[f64], fab: &[Vec<f64>], idx: &[usize]) -> (f64, Vec<(f64, f64)>) {
    let n = idx.len() as f64;
    let mut mean = 0.0;
    for &j in idx {
        mean += fa[j] + fb[j];
    }
    mean /= 2.0 * n;
    let mut var = 0.0;
    for &j in idx {
        var += (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2);
    }
    var /= 2.0 * n;
    let out = fab
        .iter()
        .map(|col| {
            let (mut s1, mut st) = (0.0, 0.0);
            for &j in idx {
                s1 += fb[j] * (col[j] - fa[j]);
                st += (fa[j] - col[j]).powi(2);
            }
            (s1 / n / var, st / (2.0 * n) / var)
        })
        .collect();
    (var, out)
}

/// Sobol indices of the mean of `metric` (for `subject`, first strategy of the
/// evaluator) over `inputs`, with `n` base rows and `bootstrap` resamples. `progress`
/// advances by one per run.
///
/// # Errors
/// `n < 2`, no inputs, an unknown metric, an invalid scenario at a sampled point, or a
/// metric absent in every replication of some run.
pub fn sobol(
    ev: &Evaluator,
    inputs: &[SobolInput],
    n: usize,
    bootstrap: usize,
    subject: Subject,
    metric: &str,
    progress: &dyn Progress,
) -> Result<SobolResult, AnalysisError> {
    if n < 2 || inputs.is_empty() {
        return Err(AnalysisError::Spec(
            "Sobol indices need --sobol N with N >= 2 and at least one path".into(),
        ));
    }
    subject.check_metric(metric)?;
    let k = inputs.len();
    let mut rng = ChaCha8Rng::seed_from_u64(ev.seed);
    rng.set_stream(SOBOL_STREAM);
    let draw = |rng: &mut ChaCha8Rng| -> Vec<f64> {
        inputs
            .iter()
            .map(|inp| {
                let u: f64 = rng.random();
                round_for(param_kind(&inp.path), inp.lo + (inp.hi - inp.lo) * u)
            })
            .collect()
    };
    let a: Vec<Vec<f64>> = (0..n).map(|_| draw(&mut rng)).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|_| draw(&mut rng)).collect();
    let f = |row: &[f64]| -> Result<f64, AnalysisError> {
        let values: Vec<(&str, f64)> = inputs
            .iter()
            .zip(row)
            .map(|(i, &v)| (i.path.as_str(), v))
            .collect();
        let (scn, res) = ev.run_at(&values, &NoProgress)?;
        progress.advance(1);
        mean_present(&column(&scn, &res, subject, metric)).ok_or_else(|| {
            AnalysisError::Spec(format!(
                "{metric} is absent in every replication at one sampled point; choose \
                 another --metric"
            ))
        })
    };
    let fa: Vec<f64> = a.iter().map(|r| f(r)).collect::<Result<_, _>>()?;
    let fb: Vec<f64> = b.iter().map(|r| f(r)).collect::<Result<_, _>>()?;
    let mut fab: Vec<Vec<f64>> = Vec::with_capacity(k);
    for i in 0..k {
        let col = (0..n)
            .map(|j| {
                let mut row = a[j].clone();
                row[i] = b[j][i];
                f(&row)
            })
            .collect::<Result<Vec<f64>, _>>()?;
        fab.push(col);
    }
    let all: Vec<usize> = (0..n).collect();
    let (variance, est) = indices(&fa, &fb, &fab, &all);
    let ok = variance > 0.0;
    let mut boots: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(bootstrap); k];
    if ok {
        let mut rng = ChaCha8Rng::seed_from_u64(ev.seed);
        rng.set_stream(BOOT_STREAM);
        let mut idx = vec![0usize; n];
        for _ in 0..bootstrap {
            for x in idx.iter_mut() {
                let u: f64 = rng.random();
                *x = ((u * n as f64) as usize).min(n - 1);
            }
            let (v, e) = indices(&fa, &fb, &fab, &idx);
            if v > 0.0 {
                for (i, x) in e.into_iter().enumerate() {
                    boots[i].push(x);
                }
            }
        }
    }
    let interval = |mut xs: Vec<f64>| {
        if xs.len() < 2 {
            return None;
        }
        xs.sort_by(f64::total_cmp);
        Some([quantile_sorted(&xs, 0.025), quantile_sorted(&xs, 0.975)])
    };
    let mut rows: Vec<SobolRow> = inputs
        .iter()
        .zip(est)
        .zip(boots)
        .map(|((inp, (s1, st)), bs)| SobolRow {
            input: inp.clone(),
            first: ok.then_some(s1),
            first_ci95: if ok {
                interval(bs.iter().map(|x| x.0).collect())
            } else {
                None
            },
            total: ok.then_some(st),
            total_ci95: if ok {
                interval(bs.iter().map(|x| x.1).collect())
            } else {
                None
            },
            rank: 0,
        })
        .collect();
    rows.sort_by(|x, y| y.total.unwrap_or(0.0).total_cmp(&x.total.unwrap_or(0.0)));
    for (r, row) in rows.iter_mut().enumerate() {
        row.rank = r + 1;
    }
    Ok(SobolResult {
        n,
        runs: n * (k + 2),
        variance,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_respect_kinds() {
        let m = move_of("material.x.stockpile_days", 30.0, 0.2);
        assert_eq!((m.low, m.high), (Some(24.0), Some(36.0)));
        let m = move_of("material.x.supplier.a.lead_time_days", 1.0, 0.2);
        assert_eq!((m.low, m.high), (Some(0.0), Some(2.0)));
        let m = move_of("material.x.supplier.a.share", 1.0, 0.2);
        assert_eq!((m.low, m.high), (Some(0.8), None));
        assert!(m.note.unwrap().contains("upper bound"));
        let m = move_of("material.x.stockpile_days", 0.0, 0.2);
        assert_eq!((m.low, m.high), (None, None));
    }
}
