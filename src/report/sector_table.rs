//! The terminal's sector block (the sector layer): printed under the run's table when
//! the scenario has sectors. Per strategy the total value added lost (the GDP at risk),
//! then one row per sector: mean and P95 output lost (% of target), mean days of reduced
//! output, expected value added lost with its 95% interval, with the report's words for
//! the same statistics. Money is in the scenario's currency. Fits 100 columns.

use crate::numfmt::{money, money_within, pct_within};
use crate::sim::SectorMetric;
use crate::stats::{NamedMap, Stats, Summary};

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

/// The sector block for `summary`, or `None` without sectors. At most
/// [`MAX_WIDTH`] columns wide for ids of ordinary length: headers on two lines, in the
/// report's words; the per-sector paired difference from the reference is left to
/// `summary.csv` (the report's sector table has none either; the totals' difference is
/// the "Value added protected" table's GDP at risk avoided).
pub fn sector_table(summary: &Summary) -> Option<String> {
    if summary.strategies.iter().all(|s| s.sectors.is_empty()) {
        return None;
    }
    let cur = &summary.currency;
    // Two header lines per column, the report's headers broken where they read well.
    let header: [[String; 5]; 2] = [
        [
            "strategy / sector".into(),
            "output lost,".into(),
            "P95 output".into(),
            "mean days of".into(),
            format!("value added lost, {cur}"),
        ],
        [
            String::new(),
            "% of target".into(),
            "lost".into(),
            "reduced output".into(),
            "[95% CI]".into(),
        ],
    ];
    let mut rows: Vec<[String; 5]> = header.to_vec();
    let va = SectorMetric::ValueAddedLost.name();
    for s in &summary.strategies {
        let total = s.sector_total.as_ref();
        rows.push([
            s.id.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        rows.push([
            "  GDP at risk (all sectors)".into(),
            String::new(),
            String::new(),
            String::new(),
            money_ci(total.and_then(|t| t.metrics.get(va))),
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
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
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
    out.push_str(&format!(
        "output lost and value added lost: means over futures; P95: the 1-in-20 bad case.\n\
         Value added lost summed over the sectors is the GDP at risk; each sector's\n\
         difference from {} is in summary.csv.\n",
        summary.reference
    ));
    Some(out)
}

/// Width the terminal's tables keep within, in characters.
pub const MAX_WIDTH: usize = 100;
