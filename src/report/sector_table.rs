//! The terminal's sector block (the sector layer): printed under the run's table when
//! the scenario has sectors. One row per strategy and sector: mean and P95 output lost
//! (% of target), mean days of reduced output, expected value added lost with its 95%
//! interval and its paired difference from the reference; then per strategy the total
//! value added lost, the GDP at risk. Money is in the scenario's currency.

use crate::numfmt::{money, money_within, pct_within, signed};
use crate::sim::SectorMetric;
use crate::stats::{NamedMap, Paired, Stats, Summary};

const NA: &str = "-";

fn get(m: &NamedMap<Stats>, x: SectorMetric) -> Option<&Stats> {
    m.get(x.name())
}

/// `mean [lo, hi]` of money, rounded to what the interval supports.
fn money_ci(st: Option<&Stats>) -> String {
    let Some(st) = st else { return NA.into() };
    let Some(mean) = st.mean else {
        return NA.into();
    };
    match st.ci95 {
        Some([lo, hi]) => {
            let hw = (hi - lo) / 2.0;
            format!(
                "{} [{}, {}]",
                money_within(mean, hw),
                money_within(lo, hw),
                money_within(hi, hw)
            )
        }
        None => money(mean),
    }
}

fn pct_of(st: Option<&Stats>, q: impl Fn(&Stats) -> Option<f64>) -> String {
    let Some(st) = st else { return NA.into() };
    let hw = st.ci95.map_or(f64::NAN, |[lo, hi]| (hi - lo) / 2.0);
    q(st).map_or_else(|| NA.into(), |x| pct_within(x, hw))
}

fn diff(p: Option<&Paired>) -> String {
    let Some(p) = p else { return NA.into() };
    let Some(m) = p.mean_diff else {
        return NA.into();
    };
    match p.ci95 {
        Some([lo, hi]) => {
            let hw = (hi - lo) / 2.0;
            let f = |x: f64| signed(x, |v| money_within(v, hw));
            format!("{} [{}, {}]", f(m), f(lo), f(hi))
        }
        None => signed(m, money),
    }
}

/// The sector block for `summary`, or `None` without sectors.
pub fn sector_table(summary: &Summary) -> Option<String> {
    if summary.strategies.iter().all(|s| s.sectors.is_empty()) {
        return None;
    }
    let cur = &summary.currency;
    let header = [
        "strategy / sector".to_string(),
        "lost % mean".into(),
        "lost % P95".into(),
        "days reduced".into(),
        format!("value added lost, {cur} [95% CI]"),
        format!("vs {} [95% CI]", summary.reference),
    ];
    let mut rows: Vec<[String; 6]> = vec![header];
    for s in &summary.strategies {
        let total = s.sector_total.as_ref();
        let va = SectorMetric::ValueAddedLost.name();
        rows.push([
            format!("{} (GDP at risk)", s.id),
            String::new(),
            String::new(),
            String::new(),
            money_ci(total.and_then(|t| t.metrics.get(va))),
            diff(total.and_then(|t| t.vs_reference.get(va))),
        ]);
        for k in &s.sectors {
            let lost = get(&k.metrics, SectorMetric::OutputLostPct);
            let days = get(&k.metrics, SectorMetric::DaysOutputReduced)
                .and_then(|st| st.mean)
                .map_or_else(|| NA.into(), |d| format!("{d:.1}"));
            rows.push([
                format!("  {}", k.id),
                pct_of(lost, |st| st.mean),
                pct_of(lost, |st| st.p95),
                days,
                money_ci(get(&k.metrics, SectorMetric::ValueAddedLost)),
                diff(k.vs_reference.get(va)),
            ]);
        }
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::from("\nSectors: output and value added lost\n");
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
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
    }
    out.push_str(
        "lost %: output lost as % of target; days reduced: mean days below target; value \
         added lost: mean over futures, its total over sectors is the GDP at risk.\n",
    );
    Some(out)
}
