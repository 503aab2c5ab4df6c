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
//!
//! [`terminal_table`] is that full table, one line per row (about 150 columns for the
//! flagship; `run --wide`); [`terminal_table_fitted`] fits a terminal width (100 columns
//! by default) by printing the levels and the paired differences as two tables, the
//! first column shortened with `…` when needed and the legend wrapped.

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
    let rows = table_rows(summary);
    let mut out = layout(&rows, usize::MAX);
    out.push_str(&legend(summary));
    out.push('\n');
    out
}

/// The table for `summary` in at most `max_cols` columns (where the numbers allow; at
/// least 60): the levels (shortfall, autonomy, recovery, cost), then the paired
/// differences from the reference under their own header, then the legend wrapped.
pub fn terminal_table_fitted(summary: &Summary, max_cols: usize) -> String {
    let max_cols = max_cols.max(60);
    let rows = table_rows(summary);
    let pick = |cols: &[usize]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| cols.iter().map(|&c| r[c].clone()).collect())
            .collect()
    };
    let levels = pick(&[0, 1, 2, 3, 4, 5]);
    // The difference table leaves out the reference's rows (nothing to compare).
    let mut diffs = pick(&[0, 6, 7]);
    let ref_rows: Vec<usize> = (1..rows.len())
        .filter(|&i| {
            rows[i][6].is_empty() && rows[i][7].is_empty() && {
                // the reference's strategy row and its material rows
                let k = (1..=i).rev().find(|&j| !rows[j][0].starts_with("  "));
                k.is_some_and(|j| rows[j][0].ends_with(REF_MARK))
            }
        })
        .collect();
    for i in ref_rows.into_iter().rev() {
        diffs.remove(i);
    }
    let mut out = layout(&levels, max_cols);
    out.push('\n');
    out.push_str(&format!(
        "Paired differences from '{}' (95% interval in brackets):\n",
        summary.reference
    ));
    out.push_str(&layout(&diffs, max_cols));
    out.push_str(&wrap_words(&legend(summary), max_cols));
    out
}

/// Suffix of the reference strategy's row.
const REF_MARK: &str = " (reference)";

/// `text` broken at spaces into lines of at most `width` characters, each ending with a
/// newline.
fn wrap_words(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + w.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The legend under the table (one line, no newline).
fn legend(summary: &Summary) -> String {
    format!(
        "{} replications, seed {}, horizon {} days. Strategy rows: all materials, cost \
         includes the strategy's fixed cost. Recovery: median over the n futures with a \
         shortfall. vs ref: paired mean difference from '{}' with its 95% interval \
         (negative = lower). Money in {cur}: k = 1e3, M = 1e6, bn = 1e9.",
        summary.replications,
        summary.seed,
        summary.horizon_days,
        summary.reference,
        cur = summary.currency
    )
}

/// `rows` (the first is the header) with aligned columns and a rule under the header;
/// the first column is shortened with `…` so that lines stay within `max_cols` where
/// the other columns allow.
fn layout(rows: &[Vec<String>], max_cols: usize) -> String {
    let ncol = rows[0].len();
    let mut widths: Vec<usize> = (0..ncol)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let rest: usize = widths[1..].iter().sum::<usize>() + 2 * (ncol - 1);
    if widths[0] + rest > max_cols {
        widths[0] = max_cols.saturating_sub(rest).max(12).min(widths[0]);
    }
    let cut = |cell: &str, w: usize| -> String {
        if cell.chars().count() <= w {
            cell.to_string()
        } else {
            let mut t: String = cell.chars().take(w.saturating_sub(1)).collect();
            t.push('…');
            t
        }
    };
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let cell = if c == 0 {
                cut(cell, widths[0])
            } else {
                cell.clone()
            };
            let pad = widths[c].saturating_sub(cell.chars().count());
            if c == 0 {
                line.push_str(&cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(&cell);
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
    out
}

/// The cells of the full table: the header, then per strategy its row and one row per
/// material.
fn table_rows(summary: &Summary) -> Vec<Vec<String>> {
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
                format!("{}{REF_MARK}", s.id)
            } else {
                s.id.to_string()
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
    rows
}

/// Median recovery with the number of futures it is over (those with a shortfall), e.g.
/// `48 (n=1234)`, or `- (n=0)` when no future had a shortfall.
fn recovery_cell(st: Option<&Stats>) -> String {
    let Some(st) = st else { return NA.into() };
    let median = st.p50.map_or_else(|| NA.to_string(), |v| format!("{v:.0}"));
    format!("{median} (n={})", st.n)
}
