//! Value added at risk per strategy (the sector layer, issue 12): the statistics the
//! report leads with and the terminal repeats, computed once here so that the same words
//! mean the same numbers everywhere.
//!
//! - **GDP at risk**: the expected value added lost over the sectors (summary.json's
//!   `sector_total.value_added_lost`), with its 95% interval.
//! - **GDP at risk avoided**: minus the mean of the per-future differences from the
//!   reference (the paired comparison), with its paired 95% interval.
//! - **Extra cost**: the strategy's fixed cost over the horizon
//!   (`annual_cost × horizon / 365`) less the reference's.
//! - **Cost per unit of value added protected**: extra cost / GDP at risk avoided; its
//!   interval is the extra cost over the ends of the avoided amount's paired interval
//!   (no upper end when that interval reaches zero). Given only when the strategy costs
//!   more than the reference and measurably protects value added.
//!
//! Pure: a [`Summary`] in, values and text out. Depends on [`crate::stats`],
//! [`crate::sim`] and [`crate::numfmt`].

use crate::numfmt::{money, money_within, sig};
use crate::sim::SectorMetric;
use crate::stats::{Stats, Summary};

/// Value added at risk of one strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAddedRow {
    /// Index of the strategy in the summary.
    pub strategy: usize,
    /// GDP at risk: statistics of the value added lost summed over the sectors.
    pub gdp_at_risk: Stats,
    /// GDP at risk avoided against the reference, with its paired 95% interval
    /// (`None` for the reference itself).
    pub avoided: Option<(f64, Option<[f64; 2]>)>,
    /// Extra cost over the horizon against the reference.
    pub extra_cost: f64,
    /// Cost per unit of value added protected, with its interval (`[lo, None]` when
    /// the avoided amount's interval reaches zero); `None` when not defined.
    pub per_unit: Option<(f64, Option<[f64; 2]>)>,
}

/// One row per strategy, in summary order; empty without sectors.
pub fn value_added_rows(summary: &Summary) -> Vec<ValueAddedRow> {
    let name = SectorMetric::ValueAddedLost.name();
    let horizon = f64::from(summary.horizon_days) / 365.0;
    let r = summary
        .strategies
        .iter()
        .position(|s| s.id == summary.reference)
        .unwrap_or(0);
    let ref_cost = summary
        .strategies
        .get(r)
        .map_or(0.0, |s| s.annual_cost * horizon);
    summary
        .strategies
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let total = s.sector_total.as_ref()?;
            let gdp_at_risk = total.metrics.get(name)?.clone();
            let avoided = if i == r {
                None
            } else {
                total
                    .vs_reference
                    .get(name)
                    .and_then(|p| Some((-p.mean_diff?, p.ci95.map(|[lo, hi]| [-hi, -lo]))))
            };
            let extra_cost = s.annual_cost * horizon - ref_cost;
            let per_unit = match avoided {
                Some((a, Some([lo, hi]))) if extra_cost > 0.0 && a > 0.0 && lo > 0.0 => {
                    Some((extra_cost / a, Some([extra_cost / hi, extra_cost / lo])))
                }
                Some((a, None)) if extra_cost > 0.0 && a > 0.0 => Some((extra_cost / a, None)),
                _ => None,
            };
            Some(ValueAddedRow {
                strategy: i,
                gdp_at_risk,
                avoided,
                extra_cost,
                per_unit,
            })
        })
        .collect()
}

/// Half-width of an interval.
fn hw(ci: Option<[f64; 2]>) -> f64 {
    ci.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0)
}

/// Money with its interval, no digit finer than the interval supports:
/// `1.23 bn [1.18 bn, 1.28 bn]`.
pub fn money_ci(x: f64, ci: Option<[f64; 2]>) -> String {
    match ci {
        Some([lo, hi]) => {
            let h = hw(ci);
            format!(
                "{} [{}, {}]",
                money_within(x, h),
                money_within(lo, h),
                money_within(hi, h)
            )
        }
        None => money(x),
    }
}

/// The cost per unit of value added protected with its interval, e.g.
/// `0.0046 [0.0044, 0.0049]` (no digit finer than the interval supports, at most three
/// significant digits), or why there is none.
pub fn per_unit_text(row: &ValueAddedRow) -> String {
    match row.per_unit {
        Some((x, Some([lo, hi]))) => {
            // Decimals to the leading digit of the half-width, at most three significant
            // digits of the ratio: 0.0017 [0.0016, 0.0018], 0.030 [0.028, 0.031].
            let hw = (hi - lo) / 2.0;
            let by_ci = if hw > 0.0 { -hw.log10().floor() } else { 12.0 };
            let by_sig = 2.0 - x.abs().log10().floor();
            let d = by_ci.min(by_sig).clamp(0.0, 12.0) as usize;
            format!("{x:.d$} [{lo:.d$}, {hi:.d$}]")
        }
        Some((x, None)) => sig(x, 2),
        None if row.avoided.is_none() => "reference".into(),
        None if row.extra_cost <= 0.0 => "no extra cost".into(),
        None => "no measurable protection".into(),
    }
}

/// The terminal's lines on value added protected (under the sector block): per strategy,
/// GDP at risk avoided against the reference and the cost per unit of value added
/// protected, each with its paired 95% interval. `None` without sectors.
pub fn protected_table(summary: &Summary) -> Option<String> {
    let rows = value_added_rows(summary);
    if rows.is_empty() {
        return None;
    }
    let cur = &summary.currency;
    // Headers on two lines, so that the table fits 100 columns.
    let mut cells: Vec<[String; 4]> = vec![
        [
            "strategy".into(),
            "GDP at risk avoided,".into(),
            "extra cost,".into(),
            "cost per unit of value".into(),
        ],
        [
            String::new(),
            format!("{cur} [95% CI]"),
            cur.to_string(),
            "added protected [95% CI]".into(),
        ],
    ];
    for row in &rows {
        let s = &summary.strategies[row.strategy];
        cells.push([
            s.id.to_string(),
            row.avoided
                .map_or_else(|| "reference".into(), |(a, ci)| money_ci(a, ci)),
            money(row.extra_cost),
            per_unit_text(row),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "\nValue added protected against {} over {} days\n",
        summary.reference, summary.horizon_days
    );
    for r in &cells {
        let mut line = format!("{:<w$}", r[0], w = widths[0]);
        for c in 1..4 {
            line.push_str(&format!("  {:>w$}", r[c], w = widths[c]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!(
        "cost per unit of value added protected: the strategy's extra cost over the horizon\n\
         divided by the GDP at risk it avoids ({cur} per {cur}); its interval comes from the\n\
         paired interval of the GDP at risk avoided.\n"
    ));
    Some(out)
}
