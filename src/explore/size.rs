//! Sizing: the smallest value of one parameter path that meets a [`Target`].
//!
//! Values live on a grid: whole days for whole-day paths (every `*_days` field, see
//! [`analysis_kind`]), else multiples of a round step (1, 2 or 5 × 10^k) no larger than
//! `rel_tol × (HI − LO)`, plus the range's ends. So every value tried, and the answer,
//! is a number that prints exactly in few digits. The search (exact over the sampled
//! futures, thanks to common random numbers):
//! 1. a coarse scan of [`SizeSpec::scan`] evenly spaced grid values over the range;
//! 2. if the scan's met/not-met pattern is monotone (not met … not met, met … met),
//!    bisection of the bracket `[last value not met, first value met]` until its ends
//!    are neighbours on the grid; the answer is the bracket's upper end (met);
//! 3. if the scan is not monotone (met, then not met again at a larger value: the
//!    parameter does not act like a stockpile), no bisection: the answer is the
//!    smallest scanned value that meets the target, with the bracket below it and a
//!    warning. A statistic that moves both ways along the scan also gets a warning.
//!
//! "Meets" follows the [`Rule`] of the evaluations: the point estimate, or with
//! `--confidence c` the end of the statistic's interval at level `c` (see
//! [`crate::explore::target::Rule`]). Under the point rule, an interval at the answer
//! that straddles the threshold gets a warning.
//!
//! When no scanned value meets the target the result is "not met", with the best value
//! found (most clauses met, then the smallest relative violation, then the smallest
//! value).
//!
//! A [`SizeProblem`] holds the validated question; [`run`] searches it (reporting each
//! evaluation to an [`Observer`]) into a [`SizeResult`]; [`search`] is the search alone,
//! over any evaluation function.

use super::ExploreError;
pub use super::grid::analysis_kind;
use super::grid::parse_range;
use super::target::{Evaluated, Op, Rule, Stat, Subject, Target};
use super::{Evaluator, Observer, Source, Stage};
use crate::numfmt;
use crate::scenario::{Document, ParamKind};
use crate::sim::NoProgress;
use serde::Serialize;

/// Default number of values in the coarse scan.
pub const DEFAULT_SCAN: usize = 9;
/// Default relative tolerance of the bisection for non-whole-day paths (of the range).
pub const DEFAULT_REL_TOL: f64 = 1e-3;
/// Default highest value of a day field (a year).
pub const DEFAULT_DAYS_HI: f64 = 365.0;

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
    /// How the evaluations judge the clauses (for the warnings; the verdicts come with
    /// the evaluations).
    pub rule: Rule,
}

/// The default range of a sized path whose current value is `current`: `0..1` for
/// probabilities and shares; `0..max(4 × current, 365)` for day fields (so `0..365`
/// days when the current value is 0); `0..max(4 × current, 1)` for fractions (of
/// demand, of unit value); `0..4 × current` for other numbers.
///
/// # Errors
/// Another number whose current value is 0 has no natural scale: give `--range`.
pub fn default_range(
    path: &str,
    kind: ParamKind,
    current: f64,
) -> Result<(f64, f64), ExploreError> {
    // Fractions of daily demand or unit value, and severities (the field table says
    // which): their natural range is 0..1 when the current value gives no scale.
    let fraction = crate::scenario::fields::lookup(path).is_some_and(|p| p.unit_scale());
    match kind {
        ParamKind::Probability | ParamKind::Share => Ok((0.0, 1.0)),
        ParamKind::WholeDays => Ok((0.0, (4.0 * current).max(DEFAULT_DAYS_HI).round())),
        ParamKind::Real if fraction => Ok((0.0, (4.0 * current).max(1.0))),
        ParamKind::Real if current > 0.0 => Ok((0.0, 4.0 * current)),
        ParamKind::Real => Err(ExploreError::Spec(format!(
            "`{path}` is {} in the scenario, so there is no scale to search from; give \
             --range LO..HI",
            numfmt::shortest(current)
        ))),
    }
}

/// The values a search may try: `lo`, the multiples of `step` strictly inside
/// `(lo, hi)`, and `hi`, indexed from 0.
#[derive(Debug, Clone, Copy)]
struct Grid {
    lo: f64,
    hi: f64,
    step: f64,
    decimals: usize,
    /// First and last multiple of `step` strictly inside the range.
    j0: i64,
    j1: i64,
}

impl Grid {
    fn new(kind: ParamKind, lo: f64, hi: f64, rel_tol: f64) -> Grid {
        let (step, decimals) = if kind == ParamKind::WholeDays {
            (1.0, 0)
        } else {
            let raw = (rel_tol * (hi - lo)).max(f64::MIN_POSITIVE);
            let e = raw.log10().floor();
            let m = raw / 10f64.powf(e);
            let m = if m >= 5.0 {
                5.0
            } else if m >= 2.0 {
                2.0
            } else {
                1.0
            };
            (m * 10f64.powf(e), (-e).max(0.0) as usize)
        };
        let mut j0 = (lo / step).floor() as i64 + 1;
        let mut j1 = (hi / step).ceil() as i64 - 1;
        // Guard against multiples that round onto an end.
        while j0 <= j1 && Self::snap(j0, step, decimals) <= lo {
            j0 += 1;
        }
        while j1 >= j0 && Self::snap(j1, step, decimals) >= hi {
            j1 -= 1;
        }
        Grid {
            lo,
            hi,
            step,
            decimals,
            j0,
            j1,
        }
    }

    fn snap(j: i64, step: f64, decimals: usize) -> f64 {
        format!("{:.*}", decimals, j as f64 * step)
            .parse()
            .unwrap_or(j as f64 * step)
    }

    /// Number of values.
    fn len(&self) -> usize {
        2 + (self.j1 - self.j0 + 1).max(0) as usize
    }

    fn value(&self, i: usize) -> f64 {
        if i == 0 {
            self.lo
        } else if i + 1 >= self.len() {
            self.hi
        } else {
            Self::snap(self.j0 + i as i64 - 1, self.step, self.decimals)
        }
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
    /// How clauses were judged: `{"rule": "point"}` or
    /// `{"rule": "confidence", "level": 0.95}`.
    pub rule: Rule,
    /// The searched range `[lo, hi]`.
    pub range: [f64; 2],
    /// Spacing of the values tried (1 for whole days): the answer's resolution.
    pub step: f64,
    /// Whether some value meets the target.
    pub met: bool,
    /// The smallest value found that meets the target (`None` when none does).
    pub value: Option<f64>,
    /// The clauses at `value` (or at `best` when not met), with their intervals.
    pub at_value: Vec<Evaluated>,
    /// The final bracket `[largest value not met, smallest value met]`; `None` when the
    /// lower end of the range already meets the target, or nothing does.
    pub bracket: Option<[f64; 2]>,
    /// When nothing meets the target: the value that came closest.
    pub best: Option<f64>,
    /// Whether the scan's met/not-met pattern was monotone.
    pub monotone: bool,
    /// Warnings (non-monotone scan or statistic, target met at the lower end, an
    /// interval straddling the threshold at the answer).
    pub warnings: Vec<String>,
    /// Every evaluated value, in ascending order of value.
    pub points: Vec<SizePoint>,
}

/// The grid of a search and the grid indices of its coarse scan, in scan order.
///
/// # Errors
/// A bad spec (`scan < 2`, empty range).
fn scan_of(spec: &SizeSpec) -> Result<(Grid, Vec<usize>), ExploreError> {
    if spec.scan < 2 {
        return Err(ExploreError::Spec(
            "the scan needs at least 2 values".into(),
        ));
    }
    let whole = spec.kind == ParamKind::WholeDays;
    let (lo, hi) = if whole {
        (spec.lo.ceil(), spec.hi.floor())
    } else {
        (spec.lo, spec.hi)
    };
    if !(lo < hi) {
        return Err(ExploreError::Spec(format!(
            "the range {}..{} is empty{}; give --range LO..HI with LO < HI",
            numfmt::shortest(spec.lo),
            numfmt::shortest(spec.hi),
            if whole && spec.lo < spec.hi {
                " of whole days"
            } else {
                ""
            }
        )));
    }
    let grid = Grid::new(spec.kind, lo, hi, spec.rel_tol);
    let last = grid.len() - 1;
    let mut scan: Vec<usize> = Vec::new();
    for k in 0..spec.scan {
        let i = ((k as f64 * last as f64) / (spec.scan - 1) as f64).round() as usize;
        if !scan.contains(&i) {
            scan.push(i);
        }
    }
    Ok((grid, scan))
}

/// The values of the coarse scan, in scan order: the evaluation points that
/// `size --shard` splits (the bisection that follows depends on them, so it is left to
/// the final call).
///
/// # Errors
/// A bad spec (`scan < 2`, empty range).
pub fn scan_values(spec: &SizeSpec) -> Result<Vec<f64>, ExploreError> {
    let (grid, scan) = scan_of(spec)?;
    Ok(scan.into_iter().map(|i| grid.value(i)).collect())
}

/// Runs the search of the module docs; `eval(value)` evaluates the target's clauses
/// with the path at `value` (judged under `spec.rule`). Each distinct value is
/// evaluated once.
///
/// # Errors
/// A bad spec (`scan < 2`, empty range), or the first error of `eval`.
pub fn search<F>(spec: &SizeSpec, target: &Target, mut eval: F) -> Result<SizeResult, ExploreError>
where
    F: FnMut(f64) -> Result<Vec<Evaluated>, ExploreError>,
{
    let (grid, scan) = scan_of(spec)?;
    let (lo, hi) = (grid.lo, grid.hi);
    let mut points: Vec<SizePoint> = Vec::new();
    let mut at = |i: usize,
                  stage: &'static str,
                  points: &mut Vec<SizePoint>|
     -> Result<bool, ExploreError> {
        let v = grid.value(i);
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

    // 1. Coarse scan over grid indices.
    let mut met = Vec::with_capacity(scan.len());
    for &i in &scan {
        met.push(at(i, "scan", &mut points)?);
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
                  mut warnings: Vec<String>| {
        let key = value.or(best);
        let at_value = key
            .and_then(|v| points.iter().find(|p| p.value.to_bits() == v.to_bits()))
            .map(|p| p.clauses.clone())
            .unwrap_or_default();
        warnings.extend(interval_warnings(spec, target, value, &at_value, &points));
        let mut points = points;
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        SizeResult {
            path: spec.path.clone(),
            target: target.to_string(),
            rule: spec.rule,
            range: [lo, hi],
            step: grid.step,
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

    let Some(f) = first else {
        // Nothing meets the target: name the value that came closest.
        // Most clauses met, then the smallest violation by the rule's number, then by the
        // point estimate (an unbounded interval end violates infinitely everywhere), then
        // the smallest value.
        let score = |p: &SizePoint| {
            let n_met = p.clauses.iter().filter(|c| c.met).count();
            let viol = |point: bool| -> f64 {
                target
                    .clauses
                    .iter()
                    .zip(&p.clauses)
                    .map(|(c, e)| {
                        c.violation(match (spec.rule, point) {
                            (Rule::Confidence(_), false) => e.bound,
                            _ => e.value,
                        })
                    })
                    .sum()
            };
            (std::cmp::Reverse(n_met), viol(false), viol(true))
        };
        let best = points
            .iter()
            .min_by(|a, b| {
                let (ka, kb) = (score(a), score(b));
                ka.0.cmp(&kb.0)
                    .then(ka.1.total_cmp(&kb.1))
                    .then(ka.2.total_cmp(&kb.2))
                    .then(a.value.total_cmp(&b.value))
            })
            .map(|p| p.value);
        return Ok(finish(points, None, None, best, warnings));
    };
    if f == 0 {
        warnings.push(if lo == 0.0 {
            format!(
                "the target is already met at {} = 0, the lower end of the range: none is \
                 needed for it",
                spec.path
            )
        } else {
            format!(
                "the target is already met at the lower end of the range ({} = {}); lower \
                 --range LO to look further down",
                spec.path,
                numfmt::shortest(lo)
            )
        });
        return Ok(finish(
            points,
            Some(grid.value(scan[0])),
            None,
            None,
            warnings,
        ));
    }
    if !monotone {
        warnings.insert(
            0,
            format!(
                "the target is met at {} = {} but not again at a larger scanned value: {} \
                 does not act monotonically; reporting the smallest scanned value that \
                 meets it, without bisection",
                spec.path,
                numfmt::shortest(grid.value(scan[f])),
                spec.path
            ),
        );
        return Ok(finish(
            points,
            Some(grid.value(scan[f])),
            Some([grid.value(scan[f - 1]), grid.value(scan[f])]),
            None,
            warnings,
        ));
    }

    // 2. Bisection of [not met, met] over grid indices.
    let (mut a, mut b) = (scan[f - 1], scan[f]);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        if at(mid, "bisect", &mut points)? {
            b = mid;
        } else {
            a = mid;
        }
    }
    Ok(finish(
        points,
        Some(grid.value(b)),
        Some([grid.value(a), grid.value(b)]),
        None,
        warnings,
    ))
}

/// The user's request for a sizing, as given (checked by [`SizeProblem::new`]).
#[derive(Debug, Clone)]
pub struct SizeRequest {
    /// The parameter path to size.
    pub param: String,
    /// The target, e.g. `p95(shortfall_pct) <= 1`.
    pub target: String,
    /// The range searched, `LO..HI` (default: [`default_range`]).
    pub range: Option<String>,
    /// Met with this confidence (the interval's end decides) instead of by the point
    /// estimate.
    pub confidence: Option<f64>,
    /// Strategy evaluated (default: the reference strategy).
    pub strategy: Option<String>,
    /// Material the target reads, or `total` (default: the only material, else total).
    pub material: Option<String>,
    /// Values in the coarse scan.
    pub scan: usize,
    /// Resolution of non-whole-day paths, relative to the range width.
    pub rel_tol: f64,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications per evaluation (default: the scenario's).
    pub replications: Option<u64>,
    /// Where the scenario came from.
    pub source: Source,
}

/// A validated sizing question.
#[derive(Debug, Clone)]
pub struct SizeProblem {
    /// What to search.
    pub spec: SizeSpec,
    /// What must hold.
    pub target: Target,
    /// The material (or `total`) the target reads.
    pub subject: Subject,
    /// Id of the strategy evaluated.
    pub strategy: String,
    /// The path's value in the scenario.
    pub current: f64,
    /// Where the scenario came from.
    pub source: Source,
    ev: Evaluator,
}

impl SizeProblem {
    /// Checks `req` against `doc`, in this order: the target, the path, the strategy,
    /// the material, the range, the tolerance.
    ///
    /// # Errors
    /// The first problem found, saying what to change.
    pub fn new(doc: &Document, req: &SizeRequest) -> Result<SizeProblem, ExploreError> {
        let target = Target::parse(&req.target)?;
        let current = doc.get(&req.param)?;
        let (strategy, ev) =
            Evaluator::one_strategy(doc, req.strategy.as_deref(), req.seed, req.replications)?;
        let subject = match Subject::resolve(ev.base(), req.material.as_deref())
            .and_then(|s| target.check(ev.base(), s).map(|_| s))
        {
            Ok(s) => s,
            Err(e) if req.material.is_none() => {
                return Err(ExploreError::Spec(format!(
                    "{e}; the scenario has several materials: choose one with --material"
                )));
            }
            Err(e) => return Err(e),
        };
        let kind = analysis_kind(&req.param);
        let (lo, hi) = match req.range.as_deref() {
            Some(r) => parse_range(r)?,
            None => default_range(&req.param, kind, current)?,
        };
        if !(req.rel_tol > 0.0 && req.rel_tol < 1.0) {
            return Err(ExploreError::Spec("--tol must be between 0 and 1".into()));
        }
        Ok(SizeProblem {
            spec: SizeSpec {
                path: req.param.clone(),
                kind,
                lo,
                hi,
                scan: req.scan,
                rel_tol: req.rel_tol,
                rule: req.confidence.map_or(Rule::Point, Rule::Confidence),
            },
            target,
            subject,
            strategy,
            current,
            source: req.source.clone(),
            ev,
        })
    }

    /// The evaluator (seed, replications, the scenario restricted to the strategy).
    pub fn evaluator(&self) -> &Evaluator {
        &self.ev
    }

    /// What an evaluation depends on (so a store never mixes evaluations of two
    /// sizings): the scenario's bytes, the path, target, rule, strategy, subject, seed,
    /// replications and the chokepoint version. Not the range, scan or tolerance: an
    /// evaluation is keyed by its value, so a sizing over another range reuses those it
    /// shares.
    pub fn spec(&self) -> serde_json::Value {
        let base = self.ev.base();
        serde_json::json!({
            "analysis": "size",
            "chokepoint_version": env!("CARGO_PKG_VERSION"),
            "scenario": base.name(),
            "scenario_sha256": self.source.sha256,
            "path": self.spec.path,
            "target": self.target.to_string(),
            "confidence_bits": self.confidence().map(f64::to_bits),
            "strategy": self.strategy,
            "subject": self.subject.id(base),
            "seed": self.ev.seed,
            "replications": self.ev.replications,
        })
    }

    /// SHA-256 (hex) of [`SizeProblem::spec`].
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.spec().to_string().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The confidence level asked for, if any.
    pub fn confidence(&self) -> Option<f64> {
        match self.spec.rule {
            Rule::Point => None,
            Rule::Confidence(c) => Some(c),
        }
    }
}

/// Searches `problem` ([`search`]), evaluating the target at each value tried with the
/// evaluator's seed and replications; announces [`Stage::Size`] and each evaluation.
///
/// # Errors
/// A bad range, or an evaluation that fails.
pub fn run(problem: &SizeProblem, observer: &dyn Observer) -> Result<SizeResult, ExploreError> {
    run_in(problem, &NoEvalStore, observer)
}

/// Where a sizing keeps its evaluations (the clauses evaluated at a value), so that it
/// resumes and its scan splits into shards: on disk `crate::store`'s run folder.
pub trait EvalStore: Sync {
    /// The stored evaluation at `value`, if any.
    ///
    /// # Errors
    /// A stored evaluation cannot be read back (the message names the file).
    fn load(&self, value: f64) -> Result<Option<Vec<Evaluated>>, ExploreError>;
    /// Stores the evaluation at `value`, atomically.
    ///
    /// # Errors
    /// It cannot be written (the message names where).
    fn save(&self, value: f64, clauses: &[Evaluated]) -> Result<(), ExploreError>;
}

/// An [`EvalStore`] that keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvalStore;

impl EvalStore for NoEvalStore {
    fn load(&self, _value: f64) -> Result<Option<Vec<Evaluated>>, ExploreError> {
        Ok(None)
    }

    fn save(&self, _value: f64, _clauses: &[Evaluated]) -> Result<(), ExploreError> {
        Ok(())
    }
}

/// The clauses at `v`, from `store` or evaluated (and stored); the flag says whether
/// they were evaluated now.
fn evaluate_at(
    problem: &SizeProblem,
    store: &dyn EvalStore,
    observer: &dyn Observer,
    v: f64,
) -> Result<(Vec<Evaluated>, bool), ExploreError> {
    let path = problem.spec.path.as_str();
    observer.evaluating(&[(path, v)]);
    if let Some(c) = store.load(v)? {
        observer.advance(1);
        return Ok((c, false));
    }
    let (scn, res) = problem.ev.run_at(&[(path, v)], &NoProgress)?;
    observer.advance(1);
    let clauses = problem
        .target
        .evaluate(&scn, &res, 0, problem.subject, problem.spec.rule);
    store.save(v, &clauses)?;
    Ok((clauses, true))
}

/// As [`run`], reading the evaluations `store` holds and storing those it makes.
///
/// # Errors
/// As [`run`], and a store that fails.
pub fn run_in(
    problem: &SizeProblem,
    store: &dyn EvalStore,
    observer: &dyn Observer,
) -> Result<SizeResult, ExploreError> {
    observer.stage(&Stage::Size);
    search(&problem.spec, &problem.target, |v| {
        Ok(evaluate_at(problem, store, observer, v)?.0)
    })
}

/// A shard of the coarse scan: evaluates and stores the scan values of its part that
/// `store` lacks; `part(n)` is the shard's range of `0..n` (the command line passes
/// `crate::shard::shard_range` of its `--shard K/N`). Returns `(evaluated, reused)`.
///
/// # Errors
/// A bad range, an evaluation or the store fails.
pub fn run_shard(
    problem: &SizeProblem,
    part: &dyn Fn(usize) -> std::ops::Range<usize>,
    store: &dyn EvalStore,
    observer: &dyn Observer,
) -> Result<(usize, usize), ExploreError> {
    let values = scan_values(&problem.spec)?;
    let part = part(values.len());
    observer.stage(&Stage::Size);
    let (mut evaluated, mut reused) = (0, 0);
    for &v in &values[part] {
        if evaluate_at(problem, store, observer, v)?.1 {
            evaluated += 1;
        } else {
            reused += 1;
        }
    }
    Ok((evaluated, reused))
}

/// Warnings about intervals: under the point rule, every clause whose interval at the
/// answer straddles its threshold; under the confidence rule with nothing met, the
/// smallest value whose point estimates do meet the target.
fn interval_warnings(
    spec: &SizeSpec,
    target: &Target,
    value: Option<f64>,
    at_value: &[Evaluated],
    points: &[SizePoint],
) -> Vec<String> {
    let mut out = Vec::new();
    match (spec.rule, value) {
        (Rule::Point, Some(v)) => {
            for (c, e) in target.clauses.iter().zip(at_value) {
                if let (true, Some([lo, hi])) = (e.straddles(c), e.ci) {
                    out.push(format!(
                        "at {} = {}, the {} interval of {} ({} – {}) straddles the threshold \
                         {}: the point estimate meets it, but not with {} confidence; use \
                         --confidence {} to size for that, or more futures (-n) to narrow \
                         the interval",
                        spec.path,
                        numfmt::shortest(v),
                        spec.rule.level_pct(),
                        c.to_string().split([' ']).next().unwrap_or(""),
                        c.agreeing(numfmt::sig(lo, 3), lo),
                        c.agreeing(numfmt::sig(hi, 3), hi),
                        numfmt::shortest(c.threshold),
                        spec.rule.level_pct(),
                        numfmt::shortest(spec.rule.level())
                    ));
                }
            }
        }
        (Rule::Confidence(_), None) => {
            for (c, e) in target.clauses.iter().zip(at_value) {
                let unbounded =
                    e.ci.is_some_and(|[lo, hi]| !lo.is_finite() || !hi.is_finite());
                if let (true, Stat::Quantile(p)) = (unbounded, c.stat) {
                    let q = f64::from(p) / 100.0;
                    let q = if matches!(c.op, Op::Le | Op::Lt) {
                        q
                    } else {
                        1.0 - q
                    };
                    out.push(format!(
                        "no order statistic of these futures bounds {} at {} confidence: \
                         that takes at least {} futures (-n {})",
                        c.to_string().split(' ').next().unwrap_or(""),
                        spec.rule.level_pct(),
                        super::interval::min_n_for_upper_bound(q, spec.rule.level()),
                        super::interval::min_n_for_upper_bound(q, spec.rule.level())
                    ));
                }
            }
            let mut sorted: Vec<&SizePoint> = points.iter().collect();
            sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
            if let Some(p) = sorted
                .iter()
                .find(|p| !p.clauses.is_empty() && p.clauses.iter().all(|e| e.point_met))
            {
                out.push(format!(
                    "the point estimates meet the target at {} = {} (among the values \
                     tried), but not with {} confidence: more futures (-n) narrow the \
                     intervals",
                    spec.path,
                    numfmt::shortest(p.value),
                    spec.rule.level_pct()
                ));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::target::Target;

    /// The single clause of `t` judged on a statistic `s` with interval `ci`.
    fn judged(t: &Target, s: f64, ci: Option<[f64; 2]>, rule: Rule) -> Vec<Evaluated> {
        vec![t.clauses[0].judge(Some(s), ci, rule.level(), rule)]
    }

    /// A fake evaluation: the statistic is `max(0, 37 - v)`, no interval.
    fn fake(t: &Target, v: f64) -> Vec<Evaluated> {
        judged(t, (37.0 - v).max(0.0), None, Rule::Point)
    }

    fn spec(kind: ParamKind, lo: f64, hi: f64) -> SizeSpec {
        SizeSpec {
            path: "material.m.stockpile_days".into(),
            kind,
            lo,
            hi,
            scan: DEFAULT_SCAN,
            rel_tol: DEFAULT_REL_TOL,
            rule: Rule::Point,
        }
    }

    #[test]
    fn bisection_is_exact_on_its_grid() {
        let t = Target::parse("mean(shortfall_units) <= 0").unwrap();
        let r = search(&spec(ParamKind::WholeDays, 0.0, 365.0), &t, |v| {
            Ok(fake(&t, v))
        })
        .unwrap();
        assert_eq!(r.value, Some(37.0));
        assert_eq!(r.bracket, Some([36.0, 37.0]));
        assert!(r.monotone && r.warnings.is_empty());
        // Scan (9) + about log2(46) bisections, never a value twice.
        assert!(r.points.len() <= 9 + 7, "{}", r.points.len());
        // Real paths: multiples of the step 0.1 (1e-3 of 0..100), so exactly 37.
        let r = search(&spec(ParamKind::Real, 0.0, 100.0), &t, |v| Ok(fake(&t, v))).unwrap();
        assert_eq!(r.step, 0.1);
        assert_eq!(r.value, Some(37.0));
        assert_eq!(r.bracket, Some([36.9, 37.0]));
        // Every value tried prints in at most one decimal.
        for p in &r.points {
            assert!(
                numfmt::shortest(p.value)
                    .split('.')
                    .nth(1)
                    .is_none_or(|d| d.len() <= 1)
            );
        }
        // A whole-day range with fractional ends is cut to whole days.
        let r = search(&spec(ParamKind::WholeDays, 0.5, 80.7), &t, |v| {
            Ok(fake(&t, v))
        })
        .unwrap();
        assert_eq!(r.range, [1.0, 80.0]);
        assert!(r.points.iter().all(|p| p.value.fract() == 0.0));
        assert!(
            search(&spec(ParamKind::WholeDays, 0.2, 0.8), &t, |v| Ok(fake(
                &t, v
            )))
            .is_err()
        );
    }

    #[test]
    fn grid_steps_are_round() {
        for (lo, hi, tol, step) in [
            (0.0, 1.0, 1e-3, 0.001),
            (0.0, 2.4, 1e-3, 0.002),
            (0.0, 7.0, 1e-3, 0.005),
            (0.3, 0.9, 0.1, 0.05),
        ] {
            let g = Grid::new(ParamKind::Real, lo, hi, tol);
            assert!((g.step - step).abs() < 1e-15, "{lo}..{hi}: {}", g.step);
            assert_eq!(g.value(0), lo);
            assert_eq!(g.value(g.len() - 1), hi);
            for i in 1..g.len() - 1 {
                assert!(g.value(i) > g.value(i - 1));
            }
        }
    }

    #[test]
    fn default_ranges() {
        let days = "material.m.stockpile_days";
        assert_eq!(
            default_range(days, analysis_kind(days), 0.0).unwrap(),
            (0.0, 365.0)
        );
        assert_eq!(
            default_range(days, analysis_kind(days), 120.0).unwrap(),
            (0.0, 480.0)
        );
        let f = "material.m.refill_rate";
        assert_eq!(default_range(f, analysis_kind(f), 0.0).unwrap(), (0.0, 1.0));
        let m = "strategy.s.annual_cost";
        assert_eq!(
            default_range(m, analysis_kind(m), 5.0).unwrap(),
            (0.0, 20.0)
        );
        let e = default_range(m, analysis_kind(m), 0.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--range"), "{e}");
    }

    #[test]
    fn confidence_sizing_needs_the_bound_to_meet() {
        // Statistic 37 - v (floored at 0) with an interval of ±3: the point estimate
        // meets "<= 5" from v = 32, the upper end only from v = 35.
        let t = Target::parse("p95(shortfall_pct) <= 5").unwrap();
        let eval = |rule: Rule| {
            let t = t.clone();
            move |v: f64| {
                let s = (37.0 - v).max(0.0);
                Ok(judged(&t, s, Some([(s - 3.0).max(0.0), s + 3.0]), rule))
            }
        };
        let mut sp = spec(ParamKind::WholeDays, 0.0, 100.0);
        let r = search(&sp, &t, eval(Rule::Point)).unwrap();
        assert_eq!(r.value, Some(32.0));
        // The interval at the answer (2 – 8) straddles 5: a warning says so.
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("straddles") && w.contains("--confidence")),
            "{:?}",
            r.warnings
        );
        sp.rule = Rule::Confidence(0.95);
        let r = search(&sp, &t, eval(Rule::Confidence(0.95))).unwrap();
        assert_eq!(r.value, Some(35.0));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        // Out of reach with confidence: say where the point estimate would have met.
        sp.hi = 34.0;
        let r = search(&sp, &t, eval(Rule::Confidence(0.95))).unwrap();
        assert!(!r.met);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("point estimates meet")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn too_few_futures_for_a_confident_quantile() {
        // p99 of 50 futures has no upper bound at 95% (interval end +∞ everywhere): not
        // met, the best value is the one whose point estimate comes closest, and a
        // warning says how many futures a bound needs.
        let t = Target::parse("p99(shortfall_pct) <= 2").unwrap();
        let rule = Rule::Confidence(0.95);
        let mut sp = spec(ParamKind::WholeDays, 0.0, 80.0);
        sp.rule = rule;
        let r = search(&sp, &t, |v| {
            let s = (40.0 - v).max(1.0);
            Ok(judged(&t, s, Some([s - 0.5, f64::INFINITY]), rule))
        })
        .unwrap();
        assert!(!r.met);
        assert_eq!(r.best, Some(40.0));
        assert!(
            r.warnings.iter().any(|w| w.contains("-n 368")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn non_monotone_and_unmet() {
        let t = Target::parse("mean(shortfall_units) <= 0").unwrap();
        let bump = |v: f64| {
            let s = if (40.0..50.0).contains(&v) {
                0.0
            } else {
                1.0 + v / 1000.0
            };
            Ok(judged(&t, s, None, Rule::Point))
        };
        let r = search(&spec(ParamKind::WholeDays, 0.0, 80.0), &t, bump).unwrap();
        assert!(!r.monotone);
        assert_eq!(r.value, Some(40.0));
        assert_eq!(r.bracket, Some([30.0, 40.0]));
        assert!(!r.warnings.is_empty());
        let never = |v: f64| Ok(judged(&t, 10.0 - v / 100.0, None, Rule::Point));
        let r = search(&spec(ParamKind::WholeDays, 0.0, 80.0), &t, never).unwrap();
        assert!(!r.met);
        assert_eq!(r.best, Some(80.0));
    }
}
