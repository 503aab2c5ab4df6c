//! Sizing: the smallest value of one parameter path that meets a [`Target`].
//!
//! The search (exact over the sampled futures, thanks to common random numbers):
//! 1. a coarse scan of [`SizeSpec::scan`] evenly spaced values over the range (rounded
//!    and deduplicated for whole-day paths);
//! 2. if the scan's met/not-met pattern is monotone (not met … not met, met … met),
//!    bisection of the bracket `[last value not met, first value met]` until it is one
//!    day wide (whole-day paths: the answer is exact) or, for other paths, narrower
//!    than `rel_tol × (HI − LO)`; the answer is the bracket's upper end (met);
//! 3. if the scan is not monotone (met, then not met again at a larger value: the
//!    parameter does not act like a stockpile), no bisection: the answer is the
//!    smallest scanned value that meets the target, with the bracket below it and a
//!    warning. A statistic that moves both ways along the scan also gets a warning.
//!
//! When no scanned value meets the target the result is "not met", with the best value
//! found (most clauses met, then the smallest relative violation, then the smallest
//! value).

use super::eval::{AnalysisError, fmt_num};
use super::grid::round_for;
use super::target::{Evaluated, Target};
use crate::scenario::ParamKind;
use serde::Serialize;

/// Default number of values in the coarse scan.
pub const DEFAULT_SCAN: usize = 9;
/// Default relative tolerance of the bisection for non-whole-day paths (of the range).
pub const DEFAULT_REL_TOL: f64 = 1e-3;

/// What to search.
#[derive(Debug, Clone)]
pub struct SizeSpec {
    /// The parameter path.
    pub path: String,
    /// Its kind (whole days are searched over whole values).
    pub kind: ParamKind,
    /// Lowest value tried.
    pub lo: f64,
    /// Highest value tried.
    pub hi: f64,
    /// Values in the coarse scan (at least 2).
    pub scan: usize,
    /// Relative tolerance (of `hi - lo`) of the bisection for non-whole-day paths.
    pub rel_tol: f64,
}

/// The default range of a sized path whose current value is `current`: `0..1` for
/// probabilities and shares, else `0..max(4 × current, 365)` for whole days and
/// `0..max(4 × current, 1)` for other numbers.
pub fn default_range(kind: ParamKind, current: f64) -> (f64, f64) {
    match kind {
        ParamKind::Probability | ParamKind::Share => (0.0, 1.0),
        ParamKind::WholeDays => (0.0, (4.0 * current).max(365.0).round()),
        ParamKind::Real => (0.0, (4.0 * current).max(1.0)),
    }
}

/// One evaluated value.
#[derive(Debug, Clone, Serialize)]
pub struct SizePoint {
    /// The parameter value.
    pub value: f64,
    /// `scan` or `bisect`.
    pub stage: &'static str,
    /// Evaluation order (from 0).
    pub order: usize,
    /// Every clause evaluated.
    pub clauses: Vec<Evaluated>,
    /// Whether every clause holds.
    pub met: bool,
}

/// The outcome of a search: the content of `size.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SizeResult {
    /// The parameter path.
    pub path: String,
    /// The target, as text.
    pub target: String,
    /// The searched range `[lo, hi]`.
    pub range: [f64; 2],
    /// Whether some value meets the target.
    pub met: bool,
    /// The smallest value found that meets the target (`None` when none does).
    pub value: Option<f64>,
    /// The clauses at `value` (or at `best` when not met), with their 95% intervals.
    pub at_value: Vec<Evaluated>,
    /// The final bracket `[largest value not met, smallest value met]`; `None` when the
    /// lower end of the range already meets the target, or nothing does.
    pub bracket: Option<[f64; 2]>,
    /// When nothing meets the target: the value that came closest.
    pub best: Option<f64>,
    /// Whether the scan's met/not-met pattern was monotone.
    pub monotone: bool,
    /// Warnings (non-monotone scan or statistic, target met at the lower end).
    pub warnings: Vec<String>,
    /// Every evaluated value, in ascending order of value.
    pub points: Vec<SizePoint>,
}

/// Runs the search of the module docs; `eval(value)` evaluates the target's clauses
/// with the path at `value`. Each distinct value is evaluated once.
///
/// # Errors
/// A bad spec (`scan < 2`, empty range), or the first error of `eval`.
pub fn search<F>(spec: &SizeSpec, target: &Target, mut eval: F) -> Result<SizeResult, AnalysisError>
where
    F: FnMut(f64) -> Result<Vec<Evaluated>, AnalysisError>,
{
    if spec.scan < 2 {
        return Err(AnalysisError::Spec(
            "the scan needs at least 2 values".into(),
        ));
    }
    if !(spec.lo < spec.hi) {
        return Err(AnalysisError::Spec(format!(
            "the range {}..{} is empty; give --range LO..HI with LO < HI",
            fmt_num(spec.lo),
            fmt_num(spec.hi)
        )));
    }
    let whole = spec.kind == ParamKind::WholeDays;
    let mut points: Vec<SizePoint> = Vec::new();
    let mut at =
        |v: f64, stage: &'static str, points: &mut Vec<SizePoint>| -> Result<bool, AnalysisError> {
            if let Some(p) = points.iter().find(|p| p.value.to_bits() == v.to_bits()) {
                return Ok(p.met);
            }
            let clauses = eval(v)?;
            let met = clauses.iter().all(|c| c.met);
            let order = points.len();
            points.push(SizePoint {
                value: v,
                stage,
                order,
                clauses,
                met,
            });
            Ok(met)
        };

    // 1. Coarse scan.
    let mut scan: Vec<f64> = Vec::new();
    for i in 0..spec.scan {
        let x = if i == spec.scan - 1 {
            spec.hi
        } else {
            spec.lo + (spec.hi - spec.lo) * i as f64 / (spec.scan - 1) as f64
        };
        let x = round_for(spec.kind, x);
        if !scan.iter().any(|&y| y.to_bits() == x.to_bits()) {
            scan.push(x);
        }
    }
    let mut met = Vec::with_capacity(scan.len());
    for &x in &scan {
        met.push(at(x, "scan", &mut points)?);
    }
    let mut warnings = Vec::new();
    for (k, c) in target.clauses.iter().enumerate() {
        let vals: Vec<f64> = points
            .iter()
            .filter_map(|p| p.clauses.get(k).and_then(|e| e.value))
            .collect();
        let tol = |a: f64, b: f64| 1e-12 * a.abs().max(b.abs());
        let up = vals.windows(2).any(|w| w[1] > w[0] + tol(w[0], w[1]));
        let down = vals.windows(2).any(|w| w[1] < w[0] - tol(w[0], w[1]));
        if up && down {
            warnings.push(format!(
                "{} is not monotone in {} over the scan: the answer is the smallest value \
                 found, not necessarily the smallest that exists",
                c.stat.name()
                    + &c.metric
                        .as_ref()
                        .map(|m| format!("({m})"))
                        .unwrap_or_default(),
                spec.path
            ));
        }
    }

    let first = met.iter().position(|&m| m);
    let monotone = first.is_none_or(|i| met[i..].iter().all(|&m| m));
    let finish = |points: Vec<SizePoint>,
                  value: Option<f64>,
                  bracket: Option<[f64; 2]>,
                  best: Option<f64>,
                  warnings: Vec<String>| {
        let key = value.or(best);
        let at_value = key
            .and_then(|v| points.iter().find(|p| p.value.to_bits() == v.to_bits()))
            .map(|p| p.clauses.clone())
            .unwrap_or_default();
        let mut points = points;
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        SizeResult {
            path: spec.path.clone(),
            target: target.to_string(),
            range: [spec.lo, spec.hi],
            met: value.is_some(),
            value,
            at_value,
            bracket,
            best,
            monotone,
            warnings,
            points,
        }
    };

    let Some(i) = first else {
        // Nothing meets the target: name the value that came closest.
        let score = |p: &SizePoint| {
            let n_met = p.clauses.iter().filter(|c| c.met).count();
            let viol: f64 = target
                .clauses
                .iter()
                .zip(&p.clauses)
                .map(|(c, e)| c.violation(e.value))
                .sum();
            (std::cmp::Reverse(n_met), viol)
        };
        let best = points
            .iter()
            .min_by(|a, b| {
                let (ka, kb) = (score(a), score(b));
                ka.0.cmp(&kb.0)
                    .then(ka.1.total_cmp(&kb.1))
                    .then(a.value.total_cmp(&b.value))
            })
            .map(|p| p.value);
        return Ok(finish(points, None, None, best, warnings));
    };
    if i == 0 {
        warnings.push(format!(
            "the target is already met at the lower end of the range ({} = {}); lower \
             --range LO to look further down",
            spec.path,
            fmt_num(scan[0])
        ));
        return Ok(finish(points, Some(scan[0]), None, None, warnings));
    }
    if !monotone {
        warnings.insert(
            0,
            format!(
                "the target is met at {} = {} but not again at a larger scanned value: {} \
                 does not act monotonically; reporting the smallest scanned value that \
                 meets it, without bisection",
                spec.path,
                fmt_num(scan[i]),
                spec.path
            ),
        );
        return Ok(finish(
            points,
            Some(scan[i]),
            Some([scan[i - 1], scan[i]]),
            None,
            warnings,
        ));
    }

    // 2. Bisection of [not met, met].
    let (mut a, mut b) = (scan[i - 1], scan[i]);
    let tol = spec.rel_tol * (spec.hi - spec.lo);
    loop {
        let mid = if whole {
            if b - a <= 1.0 {
                break;
            }
            ((a + b) / 2.0).floor()
        } else {
            if b - a <= tol {
                break;
            }
            (a + b) / 2.0
        };
        if !(mid > a && mid < b) {
            break;
        }
        if at(mid, "bisect", &mut points)? {
            b = mid;
        } else {
            a = mid;
        }
    }
    Ok(finish(points, Some(b), Some([a, b]), None, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::target::Target;

    /// A fake evaluation: the statistic is `max(0, 37 - v)`.
    fn fake(v: f64) -> Vec<Evaluated> {
        let s = (37.0 - v).max(0.0);
        vec![Evaluated {
            clause: "mean(x) <= 0".into(),
            value: Some(s),
            ci95: None,
            met: s <= 0.0,
        }]
    }

    fn spec(kind: ParamKind, lo: f64, hi: f64) -> SizeSpec {
        SizeSpec {
            path: "material.m.stockpile_days".into(),
            kind,
            lo,
            hi,
            scan: DEFAULT_SCAN,
            rel_tol: DEFAULT_REL_TOL,
        }
    }

    #[test]
    fn bisection_is_exact_in_whole_days() {
        let t = Target::parse("mean(shortfall_units) <= 0").unwrap();
        let r = search(&spec(ParamKind::WholeDays, 0.0, 365.0), &t, |v| Ok(fake(v))).unwrap();
        assert_eq!(r.value, Some(37.0));
        assert_eq!(r.bracket, Some([36.0, 37.0]));
        assert!(r.monotone && r.warnings.is_empty());
        // Scan (9) + about log2(46) bisections, never a value twice.
        assert!(r.points.len() <= 9 + 7, "{}", r.points.len());
        let r = search(&spec(ParamKind::Real, 0.0, 100.0), &t, |v| Ok(fake(v))).unwrap();
        let v = r.value.unwrap();
        assert!((37.0..=37.1).contains(&v), "{v}");
    }

    #[test]
    fn non_monotone_and_unmet() {
        let t = Target::parse("mean(x) <= 0").unwrap();
        let bump = |v: f64| {
            let s = if (40.0..50.0).contains(&v) {
                0.0
            } else {
                1.0 + v / 1000.0
            };
            Ok(vec![Evaluated {
                clause: "mean(x) <= 0".into(),
                value: Some(s),
                ci95: None,
                met: s <= 0.0,
            }])
        };
        let r = search(&spec(ParamKind::WholeDays, 0.0, 80.0), &t, bump).unwrap();
        assert!(!r.monotone);
        assert_eq!(r.value, Some(40.0));
        assert_eq!(r.bracket, Some([30.0, 40.0]));
        assert!(!r.warnings.is_empty());
        let never = |v: f64| {
            let s = 10.0 - v / 100.0;
            Ok(vec![Evaluated {
                clause: "mean(x) <= 0".into(),
                value: Some(s),
                ci95: None,
                met: false,
            }])
        };
        let r = search(&spec(ParamKind::WholeDays, 0.0, 80.0), &t, never).unwrap();
        assert!(!r.met);
        assert_eq!(r.best, Some(80.0));
    }
}
