//! Parameter sweeps: the spec (paths, ranges, points, seed, replications), its hash (so
//! a resumed sweep never mixes points of another spec), and the tidy CSV rows of one
//! point.
//!
//! `sweep.csv` has one row per point × strategy × material, plus one `total` row per
//! point × strategy (material `total`). Columns: `point` (index, from 0), one column per
//! varied path (named by the path) with its value at the point, `strategy`, `material`,
//! `autonomy` (share of replications with no shortfall day; for `total`, in no
//! material), `not_moved_by` (the varied paths that cannot move this strategy's rows,
//! `;`-separated, see [`not_moved_by`]: its rows repeat along those paths), then for
//! every metric `M` (MODEL.md §5 names, then `strategy_cost`) the
//! statistics `M_mean`, `M_se`, `M_ci95_lo`, `M_ci95_hi`, `M_p50`, `M_p95`, `M_cvar95`,
//! `M_prob_positive` over replications (absent values skipped, as in `summary.csv`). A
//! statistic that does not apply (a material-only metric on a `total` row,
//! `strategy_cost` on a material row, a metric absent in every replication) is empty.

use super::grid::Vary;
use super::target::Subject;
use crate::model::Scenario;
use crate::numfmt;
use crate::scenario::Document;
use crate::scenario::raw::SetValue;
use crate::sim::{Metric, RunResult};
use crate::stats::{Stats, TOTAL, TotalMetric};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Statistics written per metric, in column order (suffixes of the metric name).
pub const STAT_COLUMNS: [&str; 8] = [
    "mean",
    "se",
    "ci95_lo",
    "ci95_hi",
    "p50",
    "p95",
    "cvar95",
    "prob_positive",
];

/// Metric names in column order: every [`Metric`], then `strategy_cost` (totals only).
pub fn metric_columns() -> Vec<&'static str> {
    let mut v: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    v.push(TotalMetric::StrategyCost.name());
    v
}

/// Version of the layout of `sweep.csv` rows (part of the spec, so that a resumed sweep
/// never mixes point files of two layouts).
pub const CSV_FORMAT: u32 = 2;

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
}

impl SweepSpec {
    /// SHA-256 (hex) of the spec's JSON: the identity of a sweep's results.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a SweepSpec always serialises");
        let mut h = Sha256::new();
        h.update(&json);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The header line of `sweep.csv` (with a final newline).
    pub fn csv_header(&self) -> String {
        let mut cols: Vec<String> = vec!["point".into()];
        cols.extend(self.vary.iter().map(|v| v.path.clone()));
        cols.extend([
            "strategy".into(),
            "material".into(),
            "autonomy".into(),
            "not_moved_by".into(),
        ]);
        for m in metric_columns() {
            for s in STAT_COLUMNS {
                cols.push(format!("{m}_{s}"));
            }
        }
        let mut line = cols.join(",");
        line.push('\n');
        line
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

fn opt(v: Option<f64>) -> String {
    numfmt::shortest_or_empty(v)
}

fn push_stats(line: &mut Vec<String>, s: Option<&Stats>) {
    match s {
        None => line.extend(std::iter::repeat_n(String::new(), STAT_COLUMNS.len())),
        Some(s) => {
            line.push(opt(s.mean));
            line.push(opt(s.se));
            line.push(opt(s.ci95.map(|c| c[0])));
            line.push(opt(s.ci95.map(|c| c[1])));
            line.push(opt(s.p50));
            line.push(opt(s.p95));
            line.push(opt(s.cvar95));
            line.push(opt(s.prob_positive));
        }
    }
}

/// The CSV lines (each ending in a newline) of point `index` with values `values`, from
/// the run `res` of `scn`: strategies in scenario order, each with its materials in order
/// and then its `total` row. `not_moved[s]` lists the varied paths that cannot move
/// strategy `s` ([`not_moved_by`]).
pub fn point_rows(
    scn: &Scenario,
    res: &RunResult,
    index: usize,
    values: &[f64],
    not_moved: &[Vec<String>],
) -> String {
    let mut out = String::new();
    let lead: Vec<String> = std::iter::once(index.to_string())
        .chain(values.iter().map(|&v| numfmt::shortest(v)))
        .collect();
    let cols = metric_columns();
    for (s, strat) in scn.strategies.iter().enumerate() {
        let subjects = (0..scn.materials.len())
            .map(Subject::Material)
            .chain(std::iter::once(Subject::Total));
        for subject in subjects {
            let mut line = lead.clone();
            line.push(strat.id.clone());
            line.push(match subject {
                Subject::Material(m) => scn.materials[m].id.clone(),
                Subject::Total => TOTAL.to_string(),
            });
            let aut = subject.no_shortfall(res, s);
            line.push(opt(
                (!aut.is_empty()).then(|| aut.iter().sum::<f64>() / aut.len() as f64)
            ));
            line.push(not_moved.get(s).map(|v| v.join(";")).unwrap_or_default());
            for name in &cols {
                let stats = subject
                    .column(scn, res, s, name)
                    .map(|c| Stats::from_metric_sample(name, &c));
                push_stats(&mut line, stats.as_ref());
            }
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
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
