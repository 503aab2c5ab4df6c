//! The terminal table printed after a run.
//!
//! Layout: one row per strategy with its overall autonomy, expected total cost
//! (materials plus the strategy's fixed cost) and the paired difference in total cost
//! from the reference; under it one indented row per material with mean and P95
//! shortfall %, autonomy, P50 recovery days, expected material cost and the paired
//! differences in material cost and shortfall % from the reference. Shortfall % is per
//! material because percentages of different materials do not add up. Money is a plain
//! number with `k`, `M`, `bn`, `tn` suffixes, in the scenario's currency (named in the
//! column headers and the legend).

use crate::numfmt::{fraction_pct, money, points, signed};
use crate::sim::Metric;
use crate::stats::{Paired, Stats, Summary, TotalMetric};

/// Text for a missing value.
const NA: &str = "-";

/// A paired difference as `+d [lo, hi]` with `f` formatting each number.
fn diff(p: Option<&Paired>, f: impl Fn(f64) -> String) -> String {
    let Some(p) = p else { return NA.into() };
    let Some(m) = p.mean_diff else {
        return NA.into();
    };
    let fmt = |x: f64| signed(x, &f);
    match p.ci95 {
        Some([lo, hi]) => format!("{} [{}, {}]", fmt(m), fmt(lo), fmt(hi)),
        None => fmt(m),
    }
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| NA.into(), f)
}

fn pct(x: Option<f64>) -> String {
    opt(x, fraction_pct)
}

fn stat<'a>(metrics: &'a crate::stats::NamedMap<Stats>, name: &str) -> Option<&'a Stats> {
    metrics.get(name)
}

/// The table for `summary`, columns aligned, ending with a newline and a short legend.
pub fn terminal_table(summary: &Summary) -> String {
    let cur = &summary.currency;
    let header = [
        "strategy / material".to_string(),
        "shortfall % mean".to_string(),
        "P95".to_string(),
        "autonomy".to_string(),
        "recovery P50, d (n)".to_string(),
        format!("expected cost, {cur}"),
        format!("cost vs ref, {cur} [95% CI]"),
        "shortfall % vs ref [95% CI]".to_string(),
    ];
    let mut rows: Vec<Vec<String>> = vec![header.to_vec()];
    for s in &summary.strategies {
        let is_ref = s.id == summary.reference;
        let total_cost = stat(&s.total.metrics, TotalMetric::TotalCost.name());
        rows.push(vec![
            if is_ref {
                format!("{} (reference)", s.id)
            } else {
                s.id.clone()
            },
            String::new(),
            String::new(),
            pct(s.total.autonomy),
            String::new(),
            opt(total_cost.and_then(|t| t.mean), money),
            if is_ref {
                String::new()
            } else {
                diff(s.vs_total(TotalMetric::TotalCost), money)
            },
            String::new(),
        ]);
        for m in &s.materials {
            let get = |k: Metric| stat(&m.metrics, k.name());
            let short = get(Metric::ShortfallPct);
            rows.push(vec![
                format!("  {}", m.id),
                opt(short.and_then(|x| x.mean), points),
                opt(short.and_then(|x| x.p95), points),
                pct(m.autonomy),
                recovery_cell(get(Metric::RecoveryDays)),
                opt(get(Metric::TotalCost).and_then(|x| x.mean), money),
                if is_ref {
                    String::new()
                } else {
                    diff(s.vs_material(&m.id, Metric::TotalCost), money)
                },
                if is_ref {
                    String::new()
                } else {
                    diff(s.vs_material(&m.id, Metric::ShortfallPct), points)
                },
            ]);
        }
    }
    let ncol = rows[0].len();
    let widths: Vec<usize> = (0..ncol)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (ncol - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "{} replications, seed {}, horizon {} days. Strategy rows: all materials, cost \
         includes the strategy's fixed cost. Recovery: median over the n futures with a \
         shortfall. vs ref: paired mean difference from '{}' with its 95% interval \
         (negative = lower). Money in {cur}: k = 1e3, M = 1e6, bn = 1e9.\n",
        summary.replications, summary.seed, summary.horizon_days, summary.reference
    ));
    out
}

/// Median recovery with the number of futures it is over (those with a shortfall), e.g.
/// `48 (n=1234)`, or `- (n=0)` when no future had a shortfall.
fn recovery_cell(st: Option<&Stats>) -> String {
    let Some(st) = st else { return NA.into() };
    let median = st.p50.map_or_else(|| NA.to_string(), |v| format!("{v:.0}"));
    format!("{median} (n={})", st.n)
}
