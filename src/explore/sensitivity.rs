//! Sensitivity: one-at-a-time moves of parameter paths (the data of a tornado chart)
//! and variance-based Sobol indices.
//!
//! **One at a time.** Each path moves from its base value `v` down to `v(1 − δ)` and up
//! to `v(1 + δ)`, respecting its kind: probabilities and shares are clamped to [0, 1],
//! whole-day paths (every `*_days` field) are rounded and move at least one day. A path
//! whose base is 0 is skipped (a relative move leaves it at 0), and so is a side whose
//! move makes the scenario invalid (the row says why). The effect is on the mean of one
//! metric (one material or `total`) under one strategy; every run has the same seed and
//! replications, so the changes `low − base`, `high − base` and `high − low` are paired
//! replication by replication (common random numbers), each with its paired Student-t
//! 95% interval. A path is **indistinguishable from noise** when every one of those
//! intervals contains 0 (a path that moves nothing has intervals `[0, 0]`). Ranking:
//! paths distinguishable from noise first, by swing `|mean(high) − mean(low)|` (or the
//! one side's `|mean(side) − mean(base)|` when the other side is skipped), then the
//! indistinguishable ones by swing.
//!
//! **Sobol.** First-order and total indices of the output `Y` = mean of the metric over
//! the replications (a deterministic function of the parameters under common random
//! numbers), for the paths varying independently and uniformly over their one-at-a-time
//! ranges `[low, high]` (whole-day paths uniformly over the whole days in it). Design:
//! two `N × k` matrices `A`, `B` from an Owen-scrambled Sobol sequence (`sobol_burley`,
//! Burley 2020; `A` from dimensions `0..k`, `B` from `k..2k`, seeded), and the `k`
//! matrices `A_B^(i)` (`A` with column `i` from `B`): `N (k + 2)` runs. Estimators
//! (both in Saltelli et al. 2010, "Variance based sensitivity analysis of model output.
//! Design and estimator for the total sensitivity index", Comput. Phys. Commun. 181,
//! Table 2, recommended there for their small-sample behaviour): first order (Saltelli
//! 2010) `S_i = mean(f(B) (f(A_B^(i)) − f(A))) / V`; total (Jansen 1999)
//! `ST_i = mean((f(A) − f(A_B^(i)))²) / (2V)`, with `V` the variance of `f(A)` and `f(B)`
//! pooled. 95% intervals by a percentile bootstrap over the `N` rows (seeded).
//!
//! True indices lie in [0, 1] with first order ≤ total. An estimate that breaks this
//! beyond noise ([`not_converged`]) is flagged "not converged: raise N" and is never
//! reported as a finding; one that breaks it within noise is reported projected onto
//! the possible values (cut to [0, 1]; first order and total both at their mean when the
//! first exceeds the total), with the raw estimates kept beside. Intervals are cut to
//! [0, 1] and contain the reported value.
//!
//! **Runs kept, so an analysis resumes and splits.** Every run's outcome (a
//! one-at-a-time run's per-replication column of the metric, a Sobol run's mean, or why
//! a side was skipped) goes to a [`RunStore`] as soon as it is done and is read back
//! instead of computed again ([`run_in`]). One-at-a-time run `i` is the base (`0`) or
//! path `j` moved down (`1 + 2j`) or up (`2 + 2j`); Sobol run `r` of `N (k + 2)` is row
//! `r` of `A` (`r < N`), of `B` (`N <= r < 2N`), or row `r mod N` of `A_B^(i)` with
//! `i = r / N − 2`, keyed by a hash of the design (inputs, ranges, `N`, seed). A shard
//! ([`run_shard`]) computes its contiguous part of each phase (the command line's
//! `--shard K/N` through `crate::shard::shard_range`). Its Sobol inputs come from the
//! one-at-a-time runs when all are stored, else from which moved scenarios are valid
//! (the same inputs unless a run's metric is absent in every future; a design that
//! turns out different is simply not found by the final call, which computes what it
//! lacks). Outcomes are stored bit for bit, so any split gives the bytes of an unsplit
//! analysis.

use super::eval::Evaluator;
use super::grid::analysis_kind;
use super::target::Subject;
use super::{ExploreError, Observer, Source, Stage};
use crate::model::Scenario;
use crate::numfmt;
use crate::scenario::{Document, ParamKind};
use crate::sim::{NoProgress, RunResult};
use crate::stats::{Measure, Paired, quantile_sorted};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Mixed into the seed of the Sobol design (apart from the simulation's streams).
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

/// The user's request for a sensitivity analysis, as given (checked by
/// [`SensitivityProblem::new`]).
#[derive(Debug, Clone)]
pub struct SensitivityRequest {
    /// Strategy evaluated (default: the reference strategy).
    pub strategy: Option<String>,
    /// Metric whose mean is compared.
    pub metric: String,
    /// Material the metric is read for, or `total` (default: the only material; with
    /// several, `total` for total metrics, else the first material, with a note).
    pub material: Option<String>,
    /// Relative move of each path, down and up.
    pub delta: f64,
    /// Paths to move (default: [`default_paths`]).
    pub paths: Vec<String>,
    /// Also Sobol indices, with this many base rows.
    pub sobol: Option<usize>,
    /// Bootstrap resamples of the Sobol intervals.
    pub bootstrap: usize,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications per run (default: the scenario's).
    pub replications: Option<u64>,
    /// Where the scenario came from.
    pub source: Source,
}

/// A validated sensitivity question.
#[derive(Debug, Clone)]
pub struct SensitivityProblem {
    /// Id of the strategy evaluated.
    pub strategy: String,
    /// The material (or `total`) the metric is read for.
    pub subject: Subject,
    /// The measure whose mean is compared.
    pub metric: Measure,
    /// Relative move of each path.
    pub delta: f64,
    /// The paths moved.
    pub paths: Vec<String>,
    /// Sobol base rows, if Sobol indices are wanted.
    pub sobol: Option<usize>,
    /// Bootstrap resamples of the Sobol intervals.
    pub bootstrap: usize,
    /// Where the scenario came from.
    pub source: Source,
    ev: Evaluator,
}

/// The outcome of a sensitivity analysis.
#[derive(Debug, Clone)]
pub struct SensitivityResult {
    /// One-at-a-time rows in rank order, skipped paths last.
    pub rows: Vec<OatRow>,
    /// Sobol indices, when asked for.
    pub sobol: Option<SobolResult>,
}

impl SensitivityProblem {
    /// Checks `req` against `doc`, in this order: the strategy, the material and
    /// metric, the paths. A note goes to `observer` when the metric is per material and
    /// no material was named.
    ///
    /// # Errors
    /// The first problem found, saying what to change.
    pub fn new(
        doc: &Document,
        req: &SensitivityRequest,
        observer: &dyn Observer,
    ) -> Result<SensitivityProblem, ExploreError> {
        let (strategy, ev) =
            Evaluator::one_strategy(doc, req.strategy.as_deref(), req.seed, req.replications)?;
        let mut subject = Subject::resolve(ev.base(), req.material.as_deref())?;
        if req.material.is_none() && subject.measure(ev.base(), &req.metric).is_err() {
            subject = Subject::Material(0);
            observer.note(&format!(
                "`{}` is per material; using material `{}` (choose with --material)",
                req.metric,
                ev.base().materials()[0].id
            ));
        }
        let metric = subject.measure(ev.base(), &req.metric)?;
        let paths = if req.paths.is_empty() {
            default_paths(doc)
        } else {
            req.paths.clone()
        };
        for p in &paths {
            doc.get(p)?;
        }
        Ok(SensitivityProblem {
            strategy,
            subject,
            metric,
            delta: req.delta,
            paths,
            sobol: req.sobol,
            bootstrap: req.bootstrap,
            source: req.source.clone(),
            ev,
        })
    }

    /// The evaluator (seed, replications, the scenario restricted to the strategy).
    pub fn evaluator(&self) -> &Evaluator {
        &self.ev
    }

    /// What the analysis's runs depend on (so a store never mixes runs of two
    /// analyses): the scenario's bytes, strategy, metric, subject, `delta`, paths, Sobol
    /// `N`, seed, replications and the chokepoint version. (Not the bootstrap, which
    /// only the estimates read.)
    pub fn spec(&self) -> serde_json::Value {
        serde_json::json!({
            "analysis": "sensitivity",
            "chokepoint_version": env!("CARGO_PKG_VERSION"),
            "scenario": self.ev.base().name(),
            "scenario_sha256": self.source.sha256,
            "strategy": self.strategy,
            "subject": self.subject.id(self.ev.base()),
            "metric": self.metric.name(),
            "delta_bits": self.delta.to_bits(),
            "paths": self.paths,
            "sobol": self.sobol,
            "seed": self.ev.seed,
            "replications": self.ev.replications,
        })
    }

    /// SHA-256 (hex) of [`SensitivityProblem::spec`].
    pub fn hash(&self) -> String {
        hex_sha256(self.spec().to_string().as_bytes())
    }

    /// Runs of the one-at-a-time phase (`1 + 2 × paths`).
    pub fn oat_runs(&self) -> usize {
        1 + 2 * self.paths.len()
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The outcome of one run of a sensitivity analysis, as a [`RunStore`] keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// The metric's per-replication column (a one-at-a-time run) or its mean (a Sobol
    /// run: one value).
    Values(Vec<f64>),
    /// A one-at-a-time side whose moved scenario is invalid: the error, in words.
    Skipped(String),
}

/// Which run of an analysis (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunKey {
    /// One-at-a-time run `i`.
    Oat(usize),
    /// Sobol run `index` of the design with hash `design` ([`sobol_design_key`]).
    Sobol {
        /// The design's key.
        design: String,
        /// The run.
        index: usize,
    },
}

/// Where a sensitivity analysis keeps its runs, so that it resumes and splits into
/// shards: on disk it is `crate::store`'s run folder; [`NoStore`] keeps nothing.
pub trait RunStore: Sync {
    /// The stored outcome of run `key`, if any.
    ///
    /// # Errors
    /// A stored run cannot be read back (the message names the file).
    fn load(&self, key: &RunKey) -> Result<Option<RunOutcome>, ExploreError>;
    /// Stores the outcome of run `key`, atomically.
    ///
    /// # Errors
    /// The run cannot be written (the message names where).
    fn save(&self, key: &RunKey, outcome: &RunOutcome) -> Result<(), ExploreError>;
}

/// A [`RunStore`] that keeps nothing: every run is computed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl RunStore for NoStore {
    fn load(&self, _key: &RunKey) -> Result<Option<RunOutcome>, ExploreError> {
        Ok(None)
    }

    fn save(&self, _key: &RunKey, _outcome: &RunOutcome) -> Result<(), ExploreError> {
        Ok(())
    }
}

/// The outcome of run `key` from `store`, or computed by `compute` and stored; the
/// observer advances by one either way. The flag says whether it was computed.
fn stored_run(
    store: &dyn RunStore,
    key: &RunKey,
    observer: &dyn Observer,
    compute: impl FnOnce() -> Result<RunOutcome, ExploreError>,
) -> Result<(RunOutcome, bool), ExploreError> {
    if let Some(o) = store.load(key)? {
        observer.advance(1);
        return Ok((o, false));
    }
    let o = compute()?;
    observer.advance(1);
    store.save(key, &o)?;
    Ok((o, true))
}

/// Runs the one-at-a-time moves ([`one_at_a_time`], stage [`Stage::OneAtATime`]) and,
/// when asked, Sobol indices over the paths that moved, each over its low..high range
/// ([`sobol`], stage [`Stage::Sobol`]).
///
/// # Errors
/// As [`one_at_a_time`] and [`sobol`].
pub fn run(
    problem: &SensitivityProblem,
    observer: &dyn Observer,
) -> Result<SensitivityResult, ExploreError> {
    run_in(problem, &NoStore, observer)
}

/// As [`run`], reading every run `store` holds and storing every run it computes.
///
/// # Errors
/// As [`run`], and a store that fails.
pub fn run_in(
    problem: &SensitivityProblem,
    store: &dyn RunStore,
    observer: &dyn Observer,
) -> Result<SensitivityResult, ExploreError> {
    let p = problem;
    observer.stage(&Stage::OneAtATime { runs: p.oat_runs() });
    let rows = one_at_a_time_in(
        &p.ev, &p.paths, p.delta, p.subject, p.metric, observer, store,
    )?;
    let Some(n) = p.sobol else {
        return Ok(SensitivityResult { rows, sobol: None });
    };
    let inputs = sobol_inputs(&p.paths, &rows);
    observer.stage(&Stage::Sobol {
        paths: inputs.len(),
        n,
        runs: n * (inputs.len() + 2),
        replications: p.ev.replications,
    });
    let r = sobol_in(
        &p.ev,
        &inputs,
        n,
        p.bootstrap,
        p.subject,
        p.metric,
        observer,
        store,
    )?;
    Ok(SensitivityResult {
        rows,
        sobol: Some(r),
    })
}

/// The Sobol inputs the one-at-a-time rows give: the paths that moved (ranked), each
/// over its `low..high` (the base for a side that did not move), in `paths` order.
fn sobol_inputs(paths: &[String], rows: &[OatRow]) -> Vec<SobolInput> {
    paths
        .iter()
        .filter_map(|path| rows.iter().find(|r| &r.moved.path == path))
        .filter(|r| r.rank.is_some())
        .map(|r| SobolInput {
            path: r.moved.path.clone(),
            lo: r.moved.low.unwrap_or(r.moved.base),
            hi: r.moved.high.unwrap_or(r.moved.base),
        })
        .collect()
}

/// A shard of `problem`'s runs (see the module docs): computes and stores the
/// one-at-a-time runs of its part that `store` lacks, then, with Sobol indices, the
/// Sobol runs of its part; `part(n)` is the shard's range of a phase of `n` runs.
/// Returns `(computed, reused)` runs.
///
/// # Errors
/// A run or the store fails.
pub fn run_shard(
    problem: &SensitivityProblem,
    part: &dyn Fn(usize) -> std::ops::Range<usize>,
    store: &dyn RunStore,
    observer: &dyn Observer,
) -> Result<(usize, usize), ExploreError> {
    let p = problem;
    let (ev, subject, metric) = (&p.ev, p.subject, p.metric);
    if !(p.delta > 0.0) {
        return Err(ExploreError::Spec("--delta must be above 0".into()));
    }
    subject.check(ev.base(), metric)?;
    let moves = oat_moves(ev, &p.paths, p.delta)?;
    // (computed, reused)
    let mut counts = (0, 0);
    let count = |counts: &mut (usize, usize), fresh: bool| {
        if fresh {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    };
    let mine: Vec<usize> = part(p.oat_runs())
        .filter(|&i| oat_value(&moves, i).is_some())
        .collect();
    observer.stage(&Stage::OneAtATime { runs: mine.len() });
    for &i in &mine {
        let (_, fresh) = stored_run(store, &RunKey::Oat(i), observer, || {
            oat_run(ev, &moves, i, subject, metric)
        })?;
        count(&mut counts, fresh);
    }
    let Some(n) = p.sobol else {
        return Ok(counts);
    };
    // The inputs: exact when every one-at-a-time run is stored, else predicted from
    // which moved scenarios are valid.
    let mut outcomes = Vec::with_capacity(p.oat_runs());
    for i in 0..p.oat_runs() {
        outcomes.push(match oat_value(&moves, i) {
            None => None,
            Some(_) => Some(store.load(&RunKey::Oat(i))?),
        });
    }
    let inputs = if outcomes.iter().all(|o| !matches!(o, Some(None))) {
        let outcomes: Vec<Option<RunOutcome>> = outcomes.into_iter().map(Option::flatten).collect();
        sobol_inputs(&p.paths, &oat_rows(moves, &outcomes))
    } else {
        predicted_inputs(ev, &moves, &outcomes)
    };
    if inputs.is_empty() {
        return Ok(counts);
    }
    let part = part(n * (inputs.len() + 2));
    observer.stage(&Stage::Sobol {
        paths: inputs.len(),
        n,
        runs: part.len(),
        replications: ev.replications,
    });
    let design = SobolDesign::new(ev, &inputs, n);
    for r in part {
        let (_, fresh) = design.run(r, subject, metric, observer, store)?;
        count(&mut counts, fresh);
    }
    Ok(counts)
}

/// The Sobol inputs while some one-at-a-time runs are missing: a side counts when its
/// run is stored and not skipped or, not stored, when its moved scenario is valid.
fn predicted_inputs(
    ev: &Evaluator,
    moves: &[Move],
    outcomes: &[Option<Option<RunOutcome>>],
) -> Vec<SobolInput> {
    let moved = |i: usize| match (&outcomes[i], oat_value(moves, i)) {
        (Some(Some(RunOutcome::Values(_))), _) => true,
        (Some(Some(RunOutcome::Skipped(_))), _) | (None, _) => false,
        (Some(None), Some(Some(at))) => ev.scenario_at(&[at]).is_ok(),
        (Some(None), _) => false,
    };
    moves
        .iter()
        .enumerate()
        .filter_map(|(j, m)| {
            let (lo, hi) = (moved(1 + 2 * j), moved(2 + 2 * j));
            (lo || hi).then(|| SobolInput {
                path: m.path.clone(),
                lo: m.low.filter(|_| lo).unwrap_or(m.base),
                hi: m.high.filter(|_| hi).unwrap_or(m.base),
            })
        })
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
    let kind = analysis_kind(path);
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
    /// Paired 95% interval of `low − base`.
    pub low_minus_base_ci95: Option<[f64; 2]>,
    /// Paired mean of `high − base`.
    pub high_minus_base: Option<f64>,
    /// Paired 95% interval of `high − base`.
    pub high_minus_base_ci95: Option<[f64; 2]>,
    /// Paired mean of `high − low` (both sides moved).
    pub diff: Option<f64>,
    /// Paired 95% interval of `high − low`.
    pub diff_ci95: Option<[f64; 2]>,
    /// The swing (see the module docs).
    pub swing: Option<f64>,
    /// Whether some paired interval excludes 0 (`None` for skipped paths): `false`
    /// means the path's effect is indistinguishable from noise at this many futures.
    pub distinguishable: Option<bool>,
    /// Rank, 1 = largest swing among the distinguishable paths; the indistinguishable
    /// ones follow; `None` for skipped paths.
    pub rank: Option<usize>,
}

impl OatRow {
    /// Whether the path moved but its effect cannot be told from noise.
    pub fn is_noise(&self) -> bool {
        self.distinguishable == Some(false)
    }
}

/// Whether a set of paired intervals shows an effect: some interval excludes 0. An
/// effect without any interval (fewer than two futures) is not distinguishable.
pub fn distinguishable(intervals: &[Option<[f64; 2]>]) -> bool {
    intervals
        .iter()
        .flatten()
        .any(|&[lo, hi]| lo > 0.0 || hi < 0.0)
}

fn column(scn: &Scenario, res: &RunResult, subject: Subject, metric: Measure) -> Vec<f64> {
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
/// evaluator's first strategy, moving each of `paths` by `delta`. `observer` advances by
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
    metric: Measure,
    observer: &dyn Observer,
) -> Result<Vec<OatRow>, ExploreError> {
    one_at_a_time_in(ev, paths, delta, subject, metric, observer, &NoStore)
}

/// As [`one_at_a_time`], reading the runs `store` holds and storing those it computes.
///
/// # Errors
/// As [`one_at_a_time`], and a store that fails.
pub fn one_at_a_time_in(
    ev: &Evaluator,
    paths: &[String],
    delta: f64,
    subject: Subject,
    metric: Measure,
    observer: &dyn Observer,
    store: &dyn RunStore,
) -> Result<Vec<OatRow>, ExploreError> {
    if !(delta > 0.0) {
        return Err(ExploreError::Spec("--delta must be above 0".into()));
    }
    subject.check(ev.base(), metric)?;
    let moves = oat_moves(ev, paths, delta)?;
    let mut outcomes = Vec::with_capacity(1 + 2 * moves.len());
    for i in 0..1 + 2 * moves.len() {
        outcomes.push(match oat_value(&moves, i) {
            None => None,
            Some(_) => Some(
                stored_run(store, &RunKey::Oat(i), observer, || {
                    oat_run(ev, &moves, i, subject, metric)
                })?
                .0,
            ),
        });
    }
    Ok(oat_rows(moves, &outcomes))
}

/// Each path's move (see [`move_of`]).
fn oat_moves(ev: &Evaluator, paths: &[String], delta: f64) -> Result<Vec<Move>, ExploreError> {
    let doc = ev.document();
    paths
        .iter()
        .map(|p| Ok(move_of(p, doc.get(p)?, delta)))
        .collect()
}

/// The value one-at-a-time run `i` sets: `Some(None)` for the base, `Some(Some(..))`
/// for a moved side, `None` when the side does not move (no run).
fn oat_value(moves: &[Move], i: usize) -> Option<Option<(&str, f64)>> {
    if i == 0 {
        return Some(None);
    }
    let m = moves.get((i - 1) / 2)?;
    let v = if (i - 1).is_multiple_of(2) {
        m.low
    } else {
        m.high
    };
    v.map(|v| Some((m.path.as_str(), v)))
}

/// Computes one-at-a-time run `i` (one that exists, [`oat_value`]): the column of the
/// metric, or, for a side whose scenario is invalid, why it is skipped.
///
/// # Errors
/// An invalid base scenario.
fn oat_run(
    ev: &Evaluator,
    moves: &[Move],
    i: usize,
    subject: Subject,
    metric: Measure,
) -> Result<RunOutcome, ExploreError> {
    let at = oat_value(moves, i).flatten();
    let values: Vec<(&str, f64)> = at.into_iter().collect();
    match ev.run_at(&values, &NoProgress) {
        Ok((scn, res)) => Ok(RunOutcome::Values(column(&scn, &res, subject, metric))),
        Err(e) if at.is_some() => Ok(RunOutcome::Skipped(e.to_string())),
        Err(e) => Err(e),
    }
}

/// The rows of the one-at-a-time analysis from its moves and the outcome of every run
/// (`None` where a side does not move), ranked.
fn oat_rows(moves: Vec<Move>, outcomes: &[Option<RunOutcome>]) -> Vec<OatRow> {
    let values = |o: &Option<RunOutcome>| match o {
        Some(RunOutcome::Values(v)) => Some(v.clone()),
        _ => None,
    };
    let base_col = values(&outcomes[0]).unwrap_or_default();
    let metric_base = mean_present(&base_col);
    let mut rows = Vec::with_capacity(moves.len());
    for (j, mut mv) in moves.into_iter().enumerate() {
        let mut notes: Vec<String> = mv.note.take().into_iter().collect();
        let mut side = |o: &Option<RunOutcome>, v: Option<f64>, which: &str| {
            if let (Some(RunOutcome::Skipped(e)), Some(v)) = (o, v) {
                notes.push(format!(
                    "{which} move to {} skipped: {e}",
                    numfmt::shortest(v)
                ));
            }
            values(o)
        };
        let low_col = side(&outcomes[1 + 2 * j], mv.low, "low");
        let high_col = side(&outcomes[2 + 2 * j], mv.high, "high");
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
        let low_minus_base = low_vs.as_ref().and_then(|p| p.mean_diff);
        let high_minus_base = high_vs.as_ref().and_then(|p| p.mean_diff);
        let low_ci = low_vs.and_then(|p| p.ci95);
        let high_ci = high_vs.and_then(|p| p.ci95);
        let diff = hl.as_ref().and_then(|p| p.mean_diff);
        let diff_ci = hl.and_then(|p| p.ci95);
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
            low_minus_base_ci95: low_ci,
            high_minus_base,
            high_minus_base_ci95: high_ci,
            diff,
            diff_ci95: diff_ci,
            distinguishable: swing.map(|_| distinguishable(&[low_ci, high_ci, diff_ci])),
            swing,
            rank: None,
            moved: mv,
        });
    }
    // Stable sort: distinguishable paths first, each group by swing; equal keys keep the
    // order given; skipped paths last.
    rows.sort_by(|a, b| match (a.swing, b.swing) {
        (Some(x), Some(y)) => a
            .is_noise()
            .cmp(&b.is_noise())
            .then_with(|| y.total_cmp(&x)),
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
    rows
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

impl SobolInput {
    /// The value at unit coordinate `u` in [0, 1): uniform over `[lo, hi]`, or over the
    /// whole numbers in it for whole-day paths (each equally likely).
    pub fn value_at(&self, u: f64) -> f64 {
        if analysis_kind(&self.path) == ParamKind::WholeDays {
            let (a, b) = (self.lo.ceil(), self.hi.floor());
            if b > a {
                return (a + (u * (b - a + 1.0)).floor()).min(b);
            }
            return a;
        }
        self.lo + (self.hi - self.lo) * u
    }
}

/// One row of `sobol.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct SobolRow {
    /// The input.
    #[serde(flatten)]
    pub input: SobolInput,
    /// First-order index as reported: for a converged row, the estimate projected onto
    /// the possible values (see [`SobolRow::first_raw`]); else the raw estimate.
    pub first: Option<f64>,
    /// Bootstrap 95% interval of the first-order index, cut to [0, 1] and containing
    /// `first`.
    pub first_ci95: Option<[f64; 2]>,
    /// Total index as reported (as `first`).
    pub total: Option<f64>,
    /// Bootstrap 95% interval of the total index, cut to [0, 1] and containing `total`.
    pub total_ci95: Option<[f64; 2]>,
    /// The raw first-order estimate. A converged row's estimates may break the bounds
    /// by noise (see [`not_converged`]); they are reported projected onto the possible
    /// set: cut to [0, 1], and both set to their mean when first order exceeds total.
    pub first_raw: Option<f64>,
    /// The raw total estimate.
    pub total_raw: Option<f64>,
    /// Whether the estimates are possible for true indices (both in [0, 1], first
    /// order not above total), up to noise: if not, they are not converged and N must
    /// grow.
    pub converged: bool,
    /// Why not converged, in words (`None` when converged).
    pub note: Option<String>,
    /// Rank by total index, 1 = largest; converged rows first.
    pub rank: usize,
}

/// The outcome of a Sobol analysis.
#[derive(Debug, Clone, Serialize)]
pub struct SobolResult {
    /// Base sample size `N` (rows of `A` and `B`).
    pub n: usize,
    /// Runs made, `N (k + 2)`.
    pub runs: usize,
    /// Bootstrap resamples of the intervals.
    pub bootstrap: usize,
    /// Pooled variance of the output; the indices are `None` when it is 0.
    pub variance: f64,
    /// Widest 95% interval of a first-order index (`None` without intervals).
    pub widest_first_ci: Option<f64>,
    /// Widest 95% interval of a total index.
    pub widest_total_ci: Option<f64>,
    /// Whether every row converged.
    pub converged: bool,
    /// Rows in rank order.
    pub rows: Vec<SobolRow>,
}

/// The indices of one input with their bootstrap 95% intervals (all `None` when the
/// output does not vary).
#[derive(Debug, Clone, Copy, Default)]
pub struct SobolIndex {
    /// First-order index.
    pub first: Option<f64>,
    /// Its interval.
    pub first_ci: Option<[f64; 2]>,
    /// Total index.
    pub total: Option<f64>,
    /// Its interval.
    pub total_ci: Option<[f64; 2]>,
    /// Interval of `first − total` (which is ≤ 0 for the true indices).
    pub diff_ci: Option<[f64; 2]>,
}

/// Estimates from the outputs of a Saltelli design (see [`sobol_estimate`]).
#[derive(Debug, Clone)]
pub struct SobolEstimate {
    /// Pooled variance of `f(A)` and `f(B)`.
    pub variance: f64,
    /// Per input, in input order.
    pub indices: Vec<SobolIndex>,
}

/// Largest number of base rows the Sobol sequence provides (`sobol_burley`: 2^16).
pub const SOBOL_MAX_N: usize = 1 << 16;

/// The unit-cube design of a Sobol analysis of `k` inputs with `n` base rows: `A` and
/// `B`, each `n` rows of `k` coordinates in [0, 1), from one Owen-scrambled Sobol
/// sequence of `2k` dimensions (`A` the first `k`, `B` the next `k`; past the
/// sequence's 256 dimensions, further blocks of 256 use other seeds, as the crate's
/// docs advise). Depends only on `(k, n, seed)`.
///
/// # Panics
/// If `n > SOBOL_MAX_N`.
pub fn sobol_design(k: usize, n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    assert!(n <= SOBOL_MAX_N, "the Sobol sequence has 2^16 points");
    let dims = sobol_burley::NUM_DIMENSIONS as usize;
    // Fold the 64-bit seed into the crate's 32-bit one.
    let base = (seed ^ (seed >> 32)) as u32;
    let coord = |i: usize, d: usize| {
        let block = (d / dims) as u32;
        f64::from(sobol_burley::sample(
            i as u32,
            (d % dims) as u32,
            base.wrapping_add(block.wrapping_mul(0x9e37_79b9)),
        ))
    };
    let a = (0..n)
        .map(|i| (0..k).map(|j| coord(i, j)).collect())
        .collect();
    let b = (0..n)
        .map(|i| (0..k).map(|j| coord(i, k + j)).collect())
        .collect();
    (a, b)
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

/// The first-order (Saltelli 2010) and total (Jansen 1999) indices of the module docs
/// from the outputs `fa = f(A)`, `fb = f(B)` and `fab[i] = f(A_B^(i))`, with
/// percentile-bootstrap 95% intervals over the rows (`bootstrap` resamples, seeded).
pub fn sobol_estimate(
    fa: &[f64],
    fb: &[f64],
    fab: &[Vec<f64>],
    bootstrap: usize,
    seed: u64,
) -> SobolEstimate {
    let n = fa.len();
    let k = fab.len();
    let all: Vec<usize> = (0..n).collect();
    let (variance, est) = indices(fa, fb, fab, &all);
    let ok = variance > 0.0;
    let mut boots: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(bootstrap); k];
    if ok {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(BOOT_STREAM);
        let mut idx = vec![0usize; n];
        for _ in 0..bootstrap {
            for x in idx.iter_mut() {
                let u: f64 = rng.random();
                *x = ((u * n as f64) as usize).min(n - 1);
            }
            let (v, e) = indices(fa, fb, fab, &idx);
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
    let indices = est
        .into_iter()
        .zip(boots)
        .map(|((s1, st), bs)| {
            if !ok {
                return SobolIndex::default();
            }
            SobolIndex {
                first: Some(s1),
                first_ci: interval(bs.iter().map(|x| x.0).collect()),
                total: Some(st),
                total_ci: interval(bs.iter().map(|x| x.1).collect()),
                diff_ci: interval(bs.iter().map(|x| x.0 - x.1).collect()),
            }
        })
        .collect();
    SobolEstimate { variance, indices }
}

/// Largest break of an index's bounds that may still be sampling noise (see
/// [`not_converged`]): a twentieth of the variance.
pub const SOBOL_NOISE: f64 = 0.05;

/// Why the estimates of one input are impossible for true indices, or `None` when they
/// are possible. True indices lie in [0, 1] with first order ≤ total. An estimate that
/// breaks one of these is not converged (N must grow) unless the break is small (at
/// most [`SOBOL_NOISE`]) *and* within its bootstrap 95% interval (the interval reaches
/// the possible side): say a first-order index of −0.002 with interval −0.02 to 0.03,
/// or first order 0.805 above total 0.798 for an input without interactions. Those are
/// noise around the boundary, not failures.
pub fn not_converged(ix: &SobolIndex) -> Option<String> {
    const EPS: f64 = 1e-9;
    let (Some(s1), Some(st)) = (ix.first, ix.total) else {
        return Some("the output does not vary: no index can be estimated".into());
    };
    // A break `by` beyond a bound, `reaches` when the interval gets back to it.
    let real = |by: f64, reaches: bool| by > EPS && (by > SOBOL_NOISE || !reaches);
    let mut why = Vec::new();
    for (name, v, ci) in [("first-order", s1, ix.first_ci), ("total", st, ix.total_ci)] {
        if real(-v, ci.is_some_and(|c| c[1] >= 0.0)) {
            why.push(format!("{name} index below 0"));
        } else if real(v - 1.0, ci.is_some_and(|c| c[0] <= 1.0)) {
            why.push(format!("{name} index above 1"));
        }
    }
    if real(s1 - st, ix.diff_ci.is_some_and(|c| c[0] <= 0.0)) {
        why.push("first-order index above total".into());
    }
    (!why.is_empty()).then(|| format!("not converged ({}): raise N", why.join(", ")))
}

/// Sobol indices of the mean of `metric` (for `subject`, first strategy of the
/// evaluator) over `inputs`, with `n` base rows and `bootstrap` resamples. `observer`
/// advances by one per run.
///
/// # Errors
/// `n < 2` or above [`SOBOL_MAX_N`], no inputs, an unknown metric, an invalid scenario
/// at a sampled point, or a metric absent in every replication of some run.
pub fn sobol(
    ev: &Evaluator,
    inputs: &[SobolInput],
    n: usize,
    bootstrap: usize,
    subject: Subject,
    metric: Measure,
    observer: &dyn Observer,
) -> Result<SobolResult, ExploreError> {
    sobol_in(
        ev, inputs, n, bootstrap, subject, metric, observer, &NoStore,
    )
}

/// As [`sobol`], reading the runs `store` holds and storing those it computes.
///
/// # Errors
/// As [`sobol`], and a store that fails.
#[allow(clippy::too_many_arguments)]
pub fn sobol_in(
    ev: &Evaluator,
    inputs: &[SobolInput],
    n: usize,
    bootstrap: usize,
    subject: Subject,
    metric: Measure,
    observer: &dyn Observer,
    store: &dyn RunStore,
) -> Result<SobolResult, ExploreError> {
    if !(2..=SOBOL_MAX_N).contains(&n) || inputs.is_empty() {
        return Err(ExploreError::Spec(format!(
            "Sobol indices need --sobol N with 2 <= N <= {SOBOL_MAX_N} and at least one path"
        )));
    }
    subject.check(ev.base(), metric)?;
    let k = inputs.len();
    let design = SobolDesign::new(ev, inputs, n);
    let mut f = Vec::with_capacity(n * (k + 2));
    for r in 0..n * (k + 2) {
        match design.run(r, subject, metric, observer, store)?.0 {
            RunOutcome::Values(v) if v.len() == 1 => f.push(v[0]),
            _ => {
                return Err(ExploreError::Store(
                    format!("Sobol run {r} is stored damaged; delete the points folder").into(),
                ));
            }
        }
    }
    let fa = f[..n].to_vec();
    let fb = f[n..2 * n].to_vec();
    let fab: Vec<Vec<f64>> = (0..k)
        .map(|i| f[(2 + i) * n..(3 + i) * n].to_vec())
        .collect();
    let est = sobol_estimate(&fa, &fb, &fab, bootstrap, ev.seed);
    Ok(sobol_result(inputs, n, bootstrap, est))
}

/// The hash that keys the runs of a Sobol design in a [`RunStore`]: its inputs (paths
/// and ranges, bit for bit), `n` and seed.
pub fn sobol_design_key(inputs: &[SobolInput], n: usize, seed: u64) -> String {
    let mut text = format!("sobol n={n} seed={seed}");
    for i in inputs {
        text.push_str(&format!(
            "\n{} {:016x} {:016x}",
            i.path,
            i.lo.to_bits(),
            i.hi.to_bits()
        ));
    }
    hex_sha256(text.as_bytes())[..16].to_string()
}

/// The runs of a Sobol design: matrices `A` and `B` in parameter values.
struct SobolDesign<'a> {
    ev: &'a Evaluator,
    inputs: &'a [SobolInput],
    n: usize,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    key: String,
}

impl<'a> SobolDesign<'a> {
    fn new(ev: &'a Evaluator, inputs: &'a [SobolInput], n: usize) -> SobolDesign<'a> {
        let k = inputs.len();
        let (ua, ub) = sobol_design(k, n, ev.seed ^ SOBOL_STREAM);
        let to_values = |u: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            u.iter()
                .map(|row| {
                    inputs
                        .iter()
                        .zip(row)
                        .map(|(inp, &x)| inp.value_at(x))
                        .collect()
                })
                .collect()
        };
        SobolDesign {
            ev,
            inputs,
            n,
            a: to_values(&ua),
            b: to_values(&ub),
            key: sobol_design_key(inputs, n, ev.seed),
        }
    }

    /// The parameter values of run `r` (see the module docs).
    fn row(&self, r: usize) -> Vec<f64> {
        let n = self.n;
        if r < n {
            self.a[r].clone()
        } else if r < 2 * n {
            self.b[r - n].clone()
        } else {
            let (i, j) = (r / n - 2, r % n);
            let mut row = self.a[j].clone();
            row[i] = self.b[j][i];
            row
        }
    }

    /// Run `r`: the mean of the metric, stored or computed (and stored).
    fn run(
        &self,
        r: usize,
        subject: Subject,
        metric: Measure,
        observer: &dyn Observer,
        store: &dyn RunStore,
    ) -> Result<(RunOutcome, bool), ExploreError> {
        let key = RunKey::Sobol {
            design: self.key.clone(),
            index: r,
        };
        stored_run(store, &key, observer, || {
            let row = self.row(r);
            let values: Vec<(&str, f64)> = self
                .inputs
                .iter()
                .zip(&row)
                .map(|(i, &v)| (i.path.as_str(), v))
                .collect();
            let (scn, res) = self.ev.run_at(&values, &NoProgress)?;
            let mean = mean_present(&column(&scn, &res, subject, metric)).ok_or_else(|| {
                ExploreError::Spec(format!(
                    "{metric} is absent in every replication at one sampled point; choose \
                     another --metric"
                ))
            })?;
            Ok(RunOutcome::Values(vec![mean]))
        })
    }
}

/// Assembles the rows of a result from an estimate: convergence flags, widths, ranks.
pub fn sobol_result(
    inputs: &[SobolInput],
    n: usize,
    bootstrap: usize,
    est: SobolEstimate,
) -> SobolResult {
    let k = inputs.len();
    let mut rows: Vec<SobolRow> = inputs
        .iter()
        .zip(est.indices)
        .map(|(inp, ix)| {
            let note = not_converged(&ix);
            let (mut first, mut total) = (ix.first, ix.total);
            if note.is_none()
                && let (Some(f), Some(t)) = (first, total)
            {
                // Noise around a bound: report the nearest possible values.
                let (f, t) = (f.clamp(0.0, 1.0), t.clamp(0.0, 1.0));
                let (f, t) = if f > t {
                    let m = (f + t) / 2.0;
                    (m, m)
                } else {
                    (f, t)
                };
                (first, total) = (Some(f), Some(t));
            }
            // The indices lie in [0, 1], so their intervals are cut to it (after the
            // convergence check, which reads the raw bootstrap intervals), and widened
            // to hold the reported value.
            let clip = |c: Option<[f64; 2]>, v: Option<f64>| {
                c.map(|[a, b]| {
                    let (a, b) = (a.clamp(0.0, 1.0), b.clamp(0.0, 1.0));
                    match v {
                        Some(v) if v.is_finite() => [a.min(v), b.max(v)],
                        _ => [a, b],
                    }
                })
            };
            SobolRow {
                input: inp.clone(),
                first,
                first_ci95: clip(ix.first_ci, first),
                total,
                total_ci95: clip(ix.total_ci, total),
                first_raw: ix.first,
                total_raw: ix.total,
                converged: note.is_none(),
                note,
                rank: 0,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        y.converged
            .cmp(&x.converged)
            .then_with(|| y.total.unwrap_or(0.0).total_cmp(&x.total.unwrap_or(0.0)))
    });
    for (r, row) in rows.iter_mut().enumerate() {
        row.rank = r + 1;
    }
    let widest = |f: fn(&SobolRow) -> Option<[f64; 2]>| {
        rows.iter()
            .filter_map(f)
            .map(|[a, b]| b - a)
            .fold(None, |m: Option<f64>, w| Some(m.map_or(w, |m| m.max(w))))
    };
    SobolResult {
        n,
        runs: n * (k + 2),
        bootstrap,
        variance: est.variance,
        widest_first_ci: widest(|r| r.first_ci95),
        widest_total_ci: widest(|r| r.total_ci95),
        converged: rows.iter().all(|r| r.converged),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

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
        // Day fields move in whole days, at least one.
        let m = move_of("material.x.private_days", 2.0, 0.2);
        assert_eq!((m.low, m.high), (Some(1.0), Some(3.0)));
    }

    #[test]
    fn noise_is_an_interval_containing_zero() {
        assert!(!distinguishable(&[
            Some([0.0, 0.0]),
            None,
            Some([-0.1, 0.2])
        ]));
        assert!(distinguishable(&[Some([-0.1, 0.2]), Some([0.01, 0.3])]));
        assert!(distinguishable(&[Some([-0.3, -0.01])]));
        assert!(!distinguishable(&[None, None]));
    }

    /// Runs the estimator on `f` over the unit cube `[0, 1)^k`.
    fn estimate(k: usize, n: usize, f: impl Fn(&[f64]) -> f64) -> SobolResult {
        let (a, b) = sobol_design(k, n, 7);
        let fa: Vec<f64> = a.iter().map(|r| f(r)).collect();
        let fb: Vec<f64> = b.iter().map(|r| f(r)).collect();
        let fab: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let mut r = a[j].clone();
                        r[i] = b[j][i];
                        f(&r)
                    })
                    .collect()
            })
            .collect();
        let inputs: Vec<SobolInput> = (0..k)
            .map(|i| SobolInput {
                path: format!("x{}", i + 1),
                lo: 0.0,
                hi: 1.0,
            })
            .collect();
        sobol_result(&inputs, n, 500, sobol_estimate(&fa, &fb, &fab, 500, 7))
    }

    fn row<'a>(r: &'a SobolResult, path: &str) -> &'a SobolRow {
        r.rows.iter().find(|x| x.input.path == path).unwrap()
    }

    #[test]
    fn sobol_design_is_stratified() {
        // An Owen-scrambled Sobol net: with n = 2^m points, each of the n intervals
        // [j/n, (j+1)/n) of every coordinate holds exactly one point.
        let (a, b) = sobol_design(3, 64, 11);
        for col in 0..3 {
            for m in [&a, &b] {
                let mut cells: Vec<usize> = m.iter().map(|r| (r[col] * 64.0) as usize).collect();
                cells.sort();
                assert_eq!(cells, (0..64).collect::<Vec<_>>());
            }
        }
        assert_eq!(sobol_design(3, 64, 11), (a, b));
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        // Ishigami (a = 7, b = 0.1) on U(-π, π)^3 (Saltelli et al. 2008, §4.9): with
        // V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0 and
        // V13 = b²π⁸ (1/18 − 1/50): S_i = V_i/V, ST1 = (V1 + V13)/V, ST2 = V2/V,
        // ST3 = V13/V (0.3139, 0.4424, 0; 0.5576, 0.4424, 0.2437).
        let (a, b) = (7.0f64, 0.1f64);
        let ish = |x: &[f64]| {
            let [x1, x2, x3] = [0, 1, 2].map(|i| -PI + 2.0 * PI * x[i]);
            x1.sin() + a * x2.sin().powi(2) + b * x3.powi(4) * x1.sin()
        };
        let p4 = PI.powi(4);
        let v = a * a / 8.0 + b * p4 / 5.0 + b * b * p4 * p4 / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * p4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * p4 * p4 * (1.0 / 18.0 - 1.0 / 50.0);
        let truth = [
            ("x1", v1 / v, (v1 + v13) / v),
            ("x2", v2 / v, v2 / v),
            ("x3", 0.0, v13 / v),
        ];
        // Tolerance: with N = 2^13 rows the error of these estimators on a random
        // (Monte Carlo) design has a standard error of about 0.01 to 0.015 here (the
        // bootstrap intervals, which treat the rows as independent, are ±0.02 to
        // ±0.03); the scrambled Sobol design does better still. So the true value
        // must lie inside the bootstrap interval, and within 0.01 of the estimate.
        let r = estimate(3, 1 << 13, ish);
        assert!(r.converged);
        for (p, s1, st) in truth {
            let got = row(&r, p);
            for (est, ci, true_v) in [
                (got.first.unwrap(), got.first_ci95.unwrap(), s1),
                (got.total.unwrap(), got.total_ci95.unwrap(), st),
            ] {
                assert!(
                    ci[0] <= true_v && true_v <= ci[1],
                    "{p}: {true_v} outside {ci:?}"
                );
                assert!((est - true_v).abs() < 0.01, "{p}: {est} vs {true_v}");
            }
        }
        assert_eq!(r.rows[0].input.path, "x1");
        // The report's widths: the widest total-index interval is below 0.1 here.
        assert!(r.widest_total_ci.unwrap() < 0.1);
        // With 4 rows the same estimators give impossible values: flagged, ranked last.
        // With 4 rows the same estimators give impossible values (a first-order index of
        // 1.23 for x2, -0.37 for x1 with this seed): flagged, ranked after the rest.
        let small = estimate(3, 4, ish);
        assert!(!small.converged);
        let bad: Vec<&SobolRow> = small.rows.iter().filter(|r| !r.converged).collect();
        assert!(!bad.is_empty());
        for r in &bad {
            assert!(
                r.note.as_deref().unwrap().contains("raise N"),
                "{:?}",
                r.note
            );
        }
        let first_bad = small.rows.iter().position(|r| !r.converged).unwrap();
        assert!(small.rows[first_bad..].iter().all(|r| !r.converged));
    }

    #[test]
    fn sobol_of_a_linear_model() {
        // Y = x1 + 2 x2 + 0 x3 with independent U(0, 1) inputs: V_i = a_i²/12, no
        // interactions, so S_i = ST_i = a_i² / Σ a_j² = 0.2, 0.8, 0 (exactly 0 for x3:
        // f(A_B^(3)) = f(A) row by row). Same tolerance reasoning as for Ishigami.
        let r = estimate(3, 1 << 12, |x| x[0] + 2.0 * x[1]);
        for (p, want) in [("x1", 0.2), ("x2", 0.8), ("x3", 0.0)] {
            let got = row(&r, p);
            assert!(
                (got.first.unwrap() - want).abs() < 0.01,
                "{p}: {:?}",
                got.first
            );
            assert!(
                (got.total.unwrap() - want).abs() < 0.01,
                "{p}: {:?}",
                got.total
            );
        }
        assert_eq!(row(&r, "x3").total, Some(0.0));
        assert_eq!(
            r.rows
                .iter()
                .map(|r| r.input.path.as_str())
                .collect::<Vec<_>>(),
            ["x2", "x1", "x3"]
        );
    }

    #[test]
    fn impossible_indices_are_flagged() {
        let ix = |f: f64, fc: [f64; 2], t: f64, tc: [f64; 2], dc: [f64; 2]| SobolIndex {
            first: Some(f),
            first_ci: Some(fc),
            total: Some(t),
            total_ci: Some(tc),
            diff_ci: Some(dc),
        };
        assert_eq!(
            not_converged(&ix(0.3, [0.2, 0.4], 0.5, [0.4, 0.6], [-0.3, -0.1])),
            None
        );
        // Within noise of the boundary: not flagged.
        assert_eq!(
            not_converged(&ix(-0.002, [-0.02, 0.03], 0.1, [0.05, 0.2], [-0.2, 0.0])),
            None
        );
        assert_eq!(
            not_converged(&ix(0.805, [0.78, 0.83], 0.798, [0.78, 0.82], [-0.01, 0.02])),
            None
        );
        for (i, why) in [
            (
                ix(-0.05, [-0.09, -0.01], 0.1, [0.05, 0.2], [-0.2, -0.1]),
                "first-order index below 0",
            ),
            (
                ix(0.2, [0.1, 0.3], 1.3, [1.1, 1.5], [-1.3, -0.9]),
                "total index above 1",
            ),
            (
                ix(0.6, [0.5, 0.7], 0.4, [0.3, 0.5], [0.1, 0.3]),
                "first-order index above total",
            ),
        ] {
            let n = not_converged(&i).unwrap();
            assert!(n.contains(why) && n.contains("raise N"), "{n}");
        }
        // A large break counts even when the interval is wide enough to reach back.
        assert!(not_converged(&ix(1.23, [-0.1, 2.8], 0.55, [0.1, 1.3], [-0.5, 1.5])).is_some());
        // Without an interval any break counts.
        let bare = SobolIndex {
            first: Some(-0.01),
            total: Some(0.2),
            ..SobolIndex::default()
        };
        assert!(not_converged(&bare).is_some());
        assert!(
            not_converged(&SobolIndex::default())
                .unwrap()
                .contains("does not vary")
        );
    }

    #[test]
    fn whole_day_inputs_are_uniform_over_whole_days() {
        let i = SobolInput {
            path: "material.m.stockpile_days".into(),
            lo: 24.0,
            hi: 36.0,
        };
        // 13 whole days, each with probability 1/13.
        assert_eq!(i.value_at(0.0), 24.0);
        assert_eq!(i.value_at(0.999_999), 36.0);
        assert_eq!(i.value_at(1.0 / 13.0), 25.0);
        let r = SobolInput {
            path: "material.m.demand_cv".into(),
            lo: 0.1,
            hi: 0.3,
        };
        assert!((r.value_at(0.5) - 0.2).abs() < 1e-12);
    }
}
