//! Parameter sweeps: the problem (paths, ranges, points, seed, replications, strategies,
//! validated before anything runs), its spec hash (so a resumed sweep never mixes points
//! of another spec), the executor that evaluates the points into a [`PointStore`], and
//! the typed rows of the result.
//!
//! Rows ([`SweepRow`], one line of `sweep.csv` each, see [`super::export`]): one per
//! point × strategy × material, plus one `total` row per point × strategy (material
//! `total`). Columns: `point` (index, from 0), one column per varied path (named by the
//! path) with its value at the point, `strategy`, `material`, `autonomy` (share of
//! replications with no shortfall day; for `total`, in no material), `not_moved_by` (the
//! varied paths that cannot move this strategy's rows, `;`-separated, see
//! [`not_moved_by`]: its rows repeat along those paths), then for every metric `M`
//! (MODEL.md §5 names, then `strategy_cost`) the statistics `M_mean`, `M_se`,
//! `M_ci95_lo`, `M_ci95_hi`, `M_p50`, `M_p95`, `M_cvar95`, `M_prob_positive` over
//! replications (absent values skipped, as in `summary.csv`). A statistic that does not
//! apply (a material-only metric on a `total` row, `strategy_cost` on a material row, a
//! metric absent in every replication) is empty.
//!
//! Resumability: the executor skips the points its [`PointStore`] already holds and
//! stores each point as soon as it is finished; the result is then collected from the
//! store in index order, so a sweep interrupted and run again gives the same rows as an
//! uninterrupted one. Points are addressed by index (`0..problem.len()`), so a subset can
//! be computed on its own ([`compute`]) and collected later ([`collect`]).

use super::grid::{self, Vary};
use super::target::{Op, Subject, Target};
use super::{Evaluator, ExploreError, Flow, Observer, Source, Stage};
use crate::model::{Scenario, StrategyId, SubjectId};
use crate::scenario::Document;
use crate::scenario::raw::SetValue;
use crate::sim::{NoProgress, RunResult, SectorMetric};
use crate::stats::{Measure, N_STAT_COLUMNS, Stat, StatColumn, Stats};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of the layout of `sweep.csv` rows (part of the spec, so that a resumed sweep
/// never mixes point files of two layouts).
pub const CSV_FORMAT: u32 = 2;

/// The sector layer's measures in `sweep.csv` (scenarios with sectors only), after
/// [`Measure::ALL`]: their columns hold a sector's own values on its rows
/// (`sector.<id>`) and, for `value_added_lost`, the GDP at risk on the `total` rows. A
/// sector's time to survive is in the `tts_days` columns of its rows (the name the
/// material metric shares).
pub const SECTOR_MEASURES: [Measure; 4] = [
    Measure::Sector(SectorMetric::OutputLost),
    Measure::Sector(SectorMetric::OutputLostPct),
    Measure::Sector(SectorMetric::ValueAddedLost),
    Measure::Sector(SectorMetric::DaysOutputReduced),
];

/// The measures of a sweep's columns, in order: [`Measure::ALL`], then with sectors
/// [`SECTOR_MEASURES`].
pub fn sweep_measures(sectors: bool) -> Vec<Measure> {
    let mut v = Measure::ALL.to_vec();
    if sectors {
        v.extend(SECTOR_MEASURES);
    }
    v
}

/// Position of `m`'s statistics in a [`SweepRow`]'s `stats` ([`sweep_measures`] order).
fn measure_index(m: Measure) -> Option<usize> {
    let m = match m {
        // `tts_days` is one column for materials and sectors.
        Measure::Sector(SectorMetric::TtsDays) => Measure::Metric(crate::sim::Metric::TtsDays),
        m => m,
    };
    sweep_measures(true).iter().position(|&x| x == m)
}

/// Prefix of a sector's rows in `sweep.csv`'s `material` column: `sector.<id>`, as
/// `--material` names it.
pub const SECTOR_ROW_PREFIX: &str = "sector.";

/// How `subject` is written in `sweep.csv`'s `material` column: a material's id,
/// `total`, or `sector.<id>`.
pub fn subject_field(subject: &SubjectId) -> String {
    match subject {
        SubjectId::Sector(k) => format!("{SECTOR_ROW_PREFIX}{k}"),
        other => other.to_string(),
    }
}

/// A number column of `sweep.csv` that a target clause can read: `autonomy`, or the
/// [`StatColumn`] of a [`Measure`] (`M_S`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepColumn {
    /// The `autonomy` column.
    Autonomy,
    /// Column `M_S` for measure `M` and statistic `S`.
    Stat(Measure, StatColumn),
}

impl SweepColumn {
    /// The column a target statistic of `measure` reads (`None`: not in the CSV, e.g.
    /// `p90`, or a statistic without its measure).
    pub fn of(stat: Stat, measure: Option<Measure>) -> Option<SweepColumn> {
        match (stat, measure) {
            (Stat::Autonomy, _) => Some(SweepColumn::Autonomy),
            (stat, Some(m)) => stat.column().map(|c| SweepColumn::Stat(m, c)),
            (_, None) => None,
        }
    }

    /// The column's name in `sweep.csv`.
    pub fn name(self) -> String {
        match self {
            SweepColumn::Autonomy => "autonomy".into(),
            SweepColumn::Stat(m, c) => format!("{}_{}", m.name(), c.name()),
        }
    }
}

/// Why a varied path cannot move a strategy's results, or `None` when it can: the
/// strategy sets the path itself (its `set` names the path, or a table that holds it:
/// `material.X.shares` holds every supplier share of X, `material.X.substitution` and
/// `material.X.reaction` their fields), or the path is another strategy's
/// `annual_cost`. Sweeps set paths on the baseline, and a strategy's own `set` is applied
/// after them, so such a strategy gives the same results at every value of the path.
pub fn not_moved_by(doc: &Document, strategy: &str, path: &str) -> Option<&'static str> {
    let raw = doc.raw();
    if let Some(rest) = path.strip_prefix("strategy.") {
        let owner = rest.split('.').next().unwrap_or("");
        return (owner != strategy).then_some("another strategy's path");
    }
    let s = raw
        .strategy
        .iter()
        .find(|s| s.id.as_deref() == Some(strategy))?;
    let segs: Vec<&str> = path.split('.').collect();
    let covers = |key: &str, value: &SetValue| {
        if key == path || path.starts_with(&format!("{key}.")) {
            return true;
        }
        // `material.X.shares` = { a = …, b = … } sets every supplier share of X.
        let k: Vec<&str> = key.split('.').collect();
        matches!(value, SetValue::Table(_))
            && k.len() == 3
            && k[0] == "material"
            && k[2] == "shares"
            && segs.len() == 5
            && segs[0] == "material"
            && segs[1] == k[1]
            && segs[2] == "supplier"
            && segs[4] == "share"
    };
    s.set
        .0
        .iter()
        .any(|(k, v)| covers(k, v))
        .then_some("sets this path itself")
}

/// What a sweep computes; two runs with equal specs produce identical files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// Layout version of the CSV rows ([`CSV_FORMAT`]).
    pub csv_format: u32,
    /// Version of chokepoint that computes the points (results may move between
    /// versions, so it is part of the spec).
    pub chokepoint_version: String,
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// The varied paths and their ranges, in `--vary` order.
    pub vary: Vec<Vary>,
    /// Latin-hypercube size, or `None` for the full grid.
    pub lhs: Option<usize>,
    /// Seed of every point's run (and of the hypercube).
    pub seed: u64,
    /// Replications of every point's run.
    pub replications: u64,
    /// Strategies simulated (all of the scenario's when empty).
    pub strategies: Vec<String>,
    /// The points: one value per varied path, in `vary` order.
    pub points: Vec<Vec<f64>>,
    /// Whether the scenario has sectors: `sweep.csv` then has a row per sector and the
    /// [`SECTOR_MEASURES`] columns. Left out of the JSON (and so of the hash) when false,
    /// so that sweeps without sectors keep their spec hash.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sectors: bool,
}

impl SweepSpec {
    /// SHA-256 (hex) of the spec's JSON: the identity of a sweep's results.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a SweepSpec always serialises");
        let mut h = Sha256::new();
        h.update(&json);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The column names of `sweep.csv`, in order (see the module docs).
    pub fn columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = vec!["point".into()];
        cols.extend(self.vary.iter().map(|v| v.path.clone()));
        cols.extend([
            "strategy".into(),
            "material".into(),
            "autonomy".into(),
            "not_moved_by".into(),
        ]);
        for m in sweep_measures(self.sectors) {
            for s in StatColumn::ALL {
                cols.push(SweepColumn::Stat(m, s).name());
            }
        }
        cols
    }

    /// `(path, value)` pairs of point `i`.
    pub fn assignments(&self, i: usize) -> Vec<(&str, f64)> {
        self.vary
            .iter()
            .zip(&self.points[i])
            .map(|(v, &x)| (v.path.as_str(), x))
            .collect()
    }
}

/// The statistics of one measure in one row, in [`StatColumn::ALL`] order (all `None`
/// where the measure does not apply).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatColumns(pub [Option<f64>; N_STAT_COLUMNS]);

impl StatColumns {
    /// The columns of `s`.
    pub fn from_stats(s: &Stats) -> StatColumns {
        StatColumns(StatColumn::ALL.map(|c| c.of(s)))
    }

    /// The value of column `c`.
    pub fn get(&self, c: StatColumn) -> Option<f64> {
        self.0[c.index()]
    }
}

/// One row of `sweep.csv` (see the module docs), typed.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Index of the point.
    pub point: usize,
    /// Value of each varied path at the point, in `vary` order.
    pub values: Vec<f64>,
    /// Strategy id.
    pub strategy: StrategyId,
    /// The material, or the totals (`total` in the CSV).
    pub material: SubjectId,
    /// Share of replications with no shortfall day (for `total`: in no material).
    pub autonomy: Option<f64>,
    /// The varied paths that cannot move this strategy ([`not_moved_by`]).
    pub not_moved_by: Vec<String>,
    /// Statistics per measure, in [`Measure::ALL`] order.
    pub stats: Vec<StatColumns>,
}

impl SweepRow {
    /// The number in `column`; `None` when empty.
    pub fn value(&self, column: SweepColumn) -> Option<f64> {
        match column {
            SweepColumn::Autonomy => self.autonomy,
            SweepColumn::Stat(m, c) => self.stats.get(measure_index(m)?)?.get(c),
        }
    }
}

/// The rows of point `index` with values `values`, from the run `res` of `scn`:
/// strategies in scenario order, each with its materials in order, then its sectors in
/// order (scenarios with sectors), then its `total` row. `not_moved[s]` lists the varied paths that cannot move strategy `s`
/// ([`not_moved_by`]).
pub fn point_rows(
    scn: &Scenario,
    res: &RunResult,
    index: usize,
    values: &[f64],
    not_moved: &[Vec<String>],
) -> Vec<SweepRow> {
    let mut out = Vec::new();
    for (s, strat) in scn.strategies().iter().enumerate() {
        let subjects = (0..scn.materials().len())
            .map(Subject::Material)
            .chain((0..scn.sectors().len()).map(Subject::Sector))
            .chain(std::iter::once(Subject::Total));
        for subject in subjects {
            let aut = subject.no_shortfall(res, s, scn.materials().len());
            out.push(SweepRow {
                point: index,
                values: values.to_vec(),
                strategy: strat.id.clone(),
                material: subject.subject_id(scn),
                autonomy: (!aut.is_empty()).then(|| aut.iter().sum::<f64>() / aut.len() as f64),
                not_moved_by: not_moved.get(s).cloned().unwrap_or_default(),
                stats: sweep_measures(!scn.sectors().is_empty())
                    .into_iter()
                    .map(|measure| {
                        let (lo, hi) = measure.bounds();
                        subject
                            .column(scn, res, s, measure)
                            .map(|c| {
                                StatColumns::from_stats(&Stats::from_bounded_sample(&c, lo, hi))
                            })
                            .unwrap_or_default()
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The user's request for a sweep, as given (checked by [`SweepProblem::new`]).
#[derive(Debug, Clone, Default)]
pub struct SweepRequest {
    /// Ranges, `PATH=LO..HI[:STEPS]` each ([`Vary::parse`]).
    pub vary: Vec<String>,
    /// A Latin hypercube of this many points instead of the full grid.
    pub lhs: Option<usize>,
    /// Strategies to simulate (all when empty).
    pub strategies: Vec<String>,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications per point (default: the scenario's).
    pub replications: Option<u64>,
    /// The metric the charts read.
    pub metric: String,
    /// The material the charts read, or `total` (default: the only material; with
    /// several, `total` for total metrics, else the first material, with a note).
    pub material: Option<String>,
    /// A target drawn on the charts, e.g. `mean(shortfall_pct) <= 1`.
    pub target: Option<String>,
    /// Where the scenario came from.
    pub source: Source,
}

/// What the charts of a sweep read: not part of the spec (any of them reuses the same
/// points).
#[derive(Debug, Clone)]
pub struct SweepView {
    /// Material (or `total`) read.
    pub subject: Subject,
    /// Measure read.
    pub metric: Measure,
    /// The target drawn, if any (every clause reads a `sweep.csv` column).
    pub target: Option<Target>,
}

/// A validated sweep: every point gives a valid scenario.
#[derive(Debug, Clone)]
pub struct SweepProblem {
    /// What is computed (and hashed).
    pub spec: SweepSpec,
    /// What the charts read.
    pub view: SweepView,
    /// Per strategy simulated, the varied paths that cannot move it and why.
    pub not_moved: Vec<Vec<(String, String)>>,
    /// Where the scenario came from.
    pub source: Source,
    hash: String,
    ev: Evaluator,
}

impl SweepProblem {
    /// Checks `req` against `doc` (in this order: the ranges and their paths, the
    /// strategies, the material and metric charted, the target, then every point) and
    /// builds the points. A note goes to `observer` when the metric charted is per
    /// material and no material was named.
    ///
    /// # Errors
    /// The first problem found, saying what to change.
    pub fn new(
        doc: &Document,
        req: &SweepRequest,
        observer: &dyn Observer,
    ) -> Result<SweepProblem, ExploreError> {
        let vary: Vec<Vary> = req
            .vary
            .iter()
            .map(|v| {
                let v = Vary::parse(v)?;
                doc.get(&v.path)?;
                if v.path == "replications" {
                    return Err(ExploreError::Spec(
                        "`replications` is set with --replications; it cannot be varied".into(),
                    ));
                }
                Ok(v)
            })
            .collect::<Result<_, ExploreError>>()?;
        if let Some(i) = (1..vary.len()).find(|&i| vary[..i].iter().any(|v| v.path == vary[i].path))
        {
            return Err(ExploreError::Spec(format!(
                "`{}` is varied twice",
                vary[i].path
            )));
        }
        let ev = Evaluator::new(doc.clone(), &req.strategies, req.seed, req.replications)?;
        let view = SweepView::new(ev.base(), req, observer)?;
        let points = match req.lhs {
            Some(n) => grid::lhs(&vary, n, ev.seed),
            None => grid::grid(&vary),
        };
        let spec = SweepSpec {
            csv_format: CSV_FORMAT,
            chokepoint_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ev.base().name().to_string(),
            scenario_sha256: req.source.sha256.clone(),
            vary,
            lhs: req.lhs,
            seed: ev.seed,
            replications: ev.replications,
            strategies: req.strategies.clone(),
            points,
            sectors: !ev.base().sectors().is_empty(),
        };
        // Every point must give a valid scenario: fail before computing anything.
        for i in 0..spec.points.len() {
            ev.scenario_at(&spec.assignments(i))?;
        }
        let not_moved = ev
            .base()
            .strategies()
            .iter()
            .map(|st| {
                spec.vary
                    .iter()
                    .filter_map(|v| {
                        not_moved_by(doc, st.id.as_str(), &v.path)
                            .map(|why| (v.path.clone(), why.to_string()))
                    })
                    .collect()
            })
            .collect();
        Ok(SweepProblem {
            hash: spec.hash(),
            spec,
            view,
            not_moved,
            source: req.source.clone(),
            ev,
        })
    }

    /// Number of evaluation points.
    pub fn len(&self) -> usize {
        self.spec.points.len()
    }

    /// Whether the sweep has no points (never, for a validated problem).
    pub fn is_empty(&self) -> bool {
        self.spec.points.is_empty()
    }

    /// The spec hash ([`SweepSpec::hash`]).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The evaluator of the points.
    pub fn evaluator(&self) -> &Evaluator {
        &self.ev
    }

    /// The scenario at its base values, restricted to the strategies simulated.
    pub fn base(&self) -> &Scenario {
        self.ev.base()
    }

    /// Evaluates point `index` (no store involved): its rows.
    ///
    /// # Errors
    /// The scenario is invalid at the point (checked when the problem was built).
    pub fn evaluate(&self, index: usize) -> Result<Vec<SweepRow>, ExploreError> {
        let (scn, res) = self.ev.run_at(&self.spec.assignments(index), &NoProgress)?;
        let paths: Vec<Vec<String>> = self
            .not_moved
            .iter()
            .map(|v| v.iter().map(|(p, _)| p.clone()).collect())
            .collect();
        Ok(point_rows(
            &scn,
            &res,
            index,
            &self.spec.points[index],
            &paths,
        ))
    }
}

impl SweepView {
    fn new(
        base: &Scenario,
        req: &SweepRequest,
        observer: &dyn Observer,
    ) -> Result<SweepView, ExploreError> {
        let metric = req.metric.as_str();
        let mut subject = Subject::resolve(base, req.material.as_deref())?;
        if req.material.is_none()
            && subject.measure(base, metric).is_err()
            && Subject::Total.measure(base, metric).is_ok()
        {
            // `value_added_lost` (the GDP at risk) of a one-material scenario.
            subject = Subject::Total;
        }
        if req.material.is_none() && subject.measure(base, metric).is_err() {
            subject = Subject::Material(0);
            observer.note(&format!(
                "`{metric}` is per material; charting material `{}` (choose with --material)",
                base.materials()[0].id
            ));
        }
        let metric = subject.measure(base, metric)?;
        let target = req.target.as_deref().map(Target::parse).transpose()?;
        if let Some(t) = &target {
            t.check(base, subject)?;
            if let Some(c) = t
                .clauses
                .iter()
                .find(|c| SweepColumn::of(c.stat, c.metric).is_none())
            {
                return Err(ExploreError::Spec(format!(
                    "sweep.csv has no column for `{}`; targets of a sweep use mean, p50, p95, \
                     cvar95, prob_positive or autonomy",
                    c.stat.name()
                )));
            }
        }
        Ok(SweepView {
            subject,
            metric,
            target,
        })
    }

    /// Whether `target` holds on `row` (`None` without a target): every clause's column
    /// meets its threshold.
    pub fn met(&self, row: &SweepRow) -> Option<bool> {
        self.target.as_ref().map(|t| {
            t.clauses.iter().all(|c| {
                SweepColumn::of(c.stat, c.metric)
                    .and_then(|col| row.value(col))
                    .is_some_and(|v| c.op.holds(v, c.threshold))
            })
        })
    }

    /// The thresholds of the target's clauses on the mean of the charted metric, with
    /// their labels (`target: ≤ 1`).
    pub fn thresholds(&self) -> Vec<(f64, String)> {
        let Some(t) = &self.target else {
            return Vec::new();
        };
        t.clauses
            .iter()
            .filter(|c| c.stat == Stat::Mean && c.metric == Some(self.metric))
            .map(|c| {
                let op = match c.op {
                    Op::Le => "≤",
                    Op::Lt => "<",
                    Op::Ge => "≥",
                    Op::Gt => ">",
                };
                (c.threshold, format!("target: {op} {}", c.threshold))
            })
            .collect()
    }
}

/// Where a sweep keeps its finished points, so an interrupted sweep resumes. The
/// executor reaches files only through this trait: on disk it is `crate::store`'s
/// point folder; [`MemoryStore`] keeps points in memory.
pub trait PointStore: Send {
    /// Whether point `index` is finished and stored.
    fn contains(&self, index: usize) -> bool;
    /// The rows of stored point `index`.
    ///
    /// # Errors
    /// The point cannot be read back (the message names where it lives).
    fn load(&self, index: usize) -> Result<Vec<SweepRow>, ExploreError>;
    /// Stores the rows of point `index`, atomically (a reader never sees half a point).
    ///
    /// # Errors
    /// The point cannot be written (the message names where).
    fn save(&mut self, index: usize, rows: &[SweepRow]) -> Result<(), ExploreError>;
    /// The indices below `points` that are finished, in order.
    fn done(&self, points: usize) -> Vec<usize> {
        (0..points).filter(|&i| self.contains(i)).collect()
    }
}

/// A [`PointStore`] in memory (tests, and callers that need no resumption).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(pub BTreeMap<usize, Vec<SweepRow>>);

impl PointStore for MemoryStore {
    fn contains(&self, index: usize) -> bool {
        self.0.contains_key(&index)
    }

    fn load(&self, index: usize) -> Result<Vec<SweepRow>, ExploreError> {
        self.0
            .get(&index)
            .cloned()
            .ok_or_else(|| ExploreError::Store(format!("point {index} is not stored").into()))
    }

    fn save(&mut self, index: usize, rows: &[SweepRow]) -> Result<(), ExploreError> {
        self.0.insert(index, rows.to_vec());
        Ok(())
    }
}

/// The outcome of a sweep: every row, in point order.
#[derive(Debug, Clone)]
pub struct SweepResult {
    /// Rows of every point, in index order.
    pub rows: Vec<SweepRow>,
    /// Points computed by this run.
    pub computed: usize,
    /// Points found finished in the store.
    pub reused: usize,
}

/// Runs the sweep: announces [`Stage::Sweep`], computes every point the store lacks
/// ([`compute`]) and collects the rows of all ([`collect`]).
///
/// # Errors
/// An evaluation or the store fails, or the observer stops the sweep
/// ([`ExploreError::Stopped`]; the finished points stay stored).
pub fn run(
    problem: &SweepProblem,
    store: &mut dyn PointStore,
    observer: &dyn Observer,
) -> Result<SweepResult, ExploreError> {
    let n = problem.len();
    observer.stage(&Stage::Sweep {
        points: n,
        done: store.done(n).len(),
    });
    let computed = compute(problem, 0..n, store, observer)?;
    collect(problem, store, computed)
}

/// Computes and stores the points of `indices` that the store lacks, in the order
/// given; returns how many were computed. Each point is stored as soon as it is
/// finished, then the observer hears of it ([`Observer::point_stored`]).
///
/// # Errors
/// An evaluation or the store fails, or the observer stops ([`ExploreError::Stopped`]).
pub fn compute(
    problem: &SweepProblem,
    indices: impl IntoIterator<Item = usize>,
    store: &mut dyn PointStore,
    observer: &dyn Observer,
) -> Result<usize, ExploreError> {
    let mut computed = 0;
    for i in indices {
        if store.contains(i) {
            continue;
        }
        observer.evaluating(&problem.spec.assignments(i));
        let rows = problem.evaluate(i)?;
        store.save(i, &rows)?;
        observer.advance(1);
        computed += 1;
        if observer.point_stored(i) == Flow::Stop {
            return Err(ExploreError::Stopped { computed });
        }
    }
    Ok(computed)
}

/// The result of a sweep whose points are all stored, read back in index order;
/// `computed` of them were computed by this run.
///
/// # Errors
/// A point is missing or cannot be read back.
pub fn collect(
    problem: &SweepProblem,
    store: &dyn PointStore,
    computed: usize,
) -> Result<SweepResult, ExploreError> {
    let n = problem.len();
    let mut rows = Vec::new();
    for i in 0..n {
        rows.extend(store.load(i)?);
    }
    Ok(SweepResult {
        rows,
        computed,
        reused: n - computed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_that_set_a_path_are_not_moved_by_it() {
        let src = r#"
name = "t"
[[material]]
id = "m"
annual_demand = 365.0
unit_value = 1.0
shortage_cost = 1.0
[[material.supplier]]
id = "a"
share = 0.5
[[material.supplier]]
id = "b"
share = 0.5
[material.substitution]
max_fraction = 0.1
[[strategy]]
id = "base"
[[strategy]]
id = "stock"
set = { "material.m.stockpile_days" = 30 }
[[strategy]]
id = "mix"
set = { "material.m.shares" = { a = 0.2, b = 0.8 }, "material.m.substitution" = { max_fraction = 0.3 } }
"#;
        let doc = Document::parse("t.toml", src).unwrap();
        let p = "material.m.stockpile_days";
        assert_eq!(
            not_moved_by(&doc, "stock", p),
            Some("sets this path itself")
        );
        assert_eq!(not_moved_by(&doc, "base", p), None);
        assert_eq!(not_moved_by(&doc, "mix", p), None);
        // A shares table holds every supplier share; a block holds its fields.
        let share = "material.m.supplier.a.share";
        assert_eq!(
            not_moved_by(&doc, "mix", share),
            Some("sets this path itself")
        );
        assert_eq!(not_moved_by(&doc, "stock", share), None);
        let frac = "material.m.substitution.max_fraction";
        assert_eq!(
            not_moved_by(&doc, "mix", frac),
            Some("sets this path itself")
        );
        // Only the owner of a strategy's cost is moved by it.
        let cost = "strategy.stock.annual_cost";
        assert_eq!(not_moved_by(&doc, "stock", cost), None);
        assert_eq!(
            not_moved_by(&doc, "base", cost),
            Some("another strategy's path")
        );
        // A path sharing a prefix with a set key is not covered by it.
        let longer = "material.m.stockpile_days_extra";
        assert_eq!(not_moved_by(&doc, "stock", longer), None);
    }
}
