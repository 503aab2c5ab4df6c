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

use crate::sim::Metric;
use crate::stats::{Paired, Stats, Summary, TotalMetric};

/// Text for a missing value.
const NA: &str = "-";

/// Money with 3 significant digits and a `k`/`M`/`bn`/`tn` suffix, e.g. `1.23 bn`,
/// `-45.6 k`, `812`.
pub fn format_money(x: f64) -> String {
    if !x.is_finite() {
        return NA.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    let (div, suffix) = [(1e12, " tn"), (1e9, " bn"), (1e6, " M"), (1e3, " k")]
        .into_iter()
        .find(|&(d, _)| a >= d)
        .unwrap_or((1.0, ""));
    let v = x / div;
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}{suffix}")
}

fn signed(s: String, x: f64) -> String {
    if x > 0.0 { format!("+{s}") } else { s }
}

/// A paired difference as `+d [lo, hi]` with `f` formatting each number.
fn diff(p: Option<&Paired>, f: impl Fn(f64) -> String) -> String {
    let Some(p) = p else { return NA.into() };
    let Some(m) = p.mean_diff else {
        return NA.into();
    };
    let fmt = |x: f64| signed(f(x), x);
    match p.ci95 {
        Some([lo, hi]) => format!("{} [{}, {}]", fmt(m), fmt(lo), fmt(hi)),
        None => fmt(m),
    }
}

/// A percentage-like number: two decimals from 1 up, three significant digits below
/// (so a small difference reads `-0.0123`, not `-0.00`), and exact zero as `0`.
fn small(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        let decimals = (2 - v.abs().log10().floor() as i32).clamp(2, 8) as usize;
        format!("{v:.decimals$}")
    }
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| NA.into(), f)
}

fn pct(x: Option<f64>) -> String {
    opt(x, |v| format!("{:.1}%", 100.0 * v))
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
    let num2 = small;
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
            opt(total_cost.and_then(|t| t.mean), format_money),
            if is_ref {
                String::new()
            } else {
                diff(s.vs_total(TotalMetric::TotalCost), format_money)
            },
            String::new(),
        ]);
        for m in &s.materials {
            let get = |k: Metric| stat(&m.metrics, k.name());
            let short = get(Metric::ShortfallPct);
            rows.push(vec![
                format!("  {}", m.id),
                opt(short.and_then(|x| x.mean), num2),
                opt(short.and_then(|x| x.p95), num2),
                pct(m.autonomy),
                recovery_cell(get(Metric::RecoveryDays)),
                opt(get(Metric::TotalCost).and_then(|x| x.mean), format_money),
                if is_ref {
                    String::new()
                } else {
                    diff(s.vs_material(&m.id, Metric::TotalCost), format_money)
                },
                if is_ref {
                    String::new()
                } else {
                    diff(s.vs_material(&m.id, Metric::ShortfallPct), num2)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_suffixes() {
        assert_eq!(format_money(812.0), "812");
        assert_eq!(format_money(1_234.0), "1.23 k");
        assert_eq!(format_money(-45_600.0), "-45.6 k");
        assert_eq!(format_money(1.234e9), "1.23 bn");
        assert_eq!(format_money(123.4e6), "123 M");
        assert_eq!(format_money(f64::NAN), "-");
    }
}
