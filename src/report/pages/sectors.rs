//! The value added at risk section of `report.html` (the sector layer, issue 12): per
//! strategy the GDP at risk, its 1-in-20 bad case, the GDP at risk avoided against the
//! reference and the cost per unit of value added protected
//! ([`crate::report::value_added`], the statistics the terminal prints too); findings in
//! plain words; the sector table. Rendered by the template `sectors.html`, which
//! `run.html` includes right after the recommendation when the run has sectors; and the
//! recommendation's value-added sentence ([`recommendation_sentence`]).
//!
//! Pure: results in, rows of text and markup out (every name [`escape`]d).

use super::{Swatch, escape};
use crate::charts::ChartData;
use crate::charts::sectors::{gdp_p95, has_sectors};
use crate::numfmt::{money, money_within, pct_within};
use crate::report::value_added::{ValueAddedRow, money_ci, per_unit_text, value_added_rows};
use crate::sim::SectorMetric;
use crate::stats::Stats;
use serde::Serialize;

/// What `sectors.html` reads (as `va`).
#[derive(Serialize)]
pub struct SectorsPage {
    strategies: Vec<StrategyRow>,
    findings: Vec<String>,
    sectors: Vec<SectorGroup>,
}

#[derive(Serialize)]
struct StrategyRow {
    strategy: Swatch,
    gdp: String,
    p95: String,
    avoided: String,
    extra_cost: String,
    per_unit: String,
}

#[derive(Serialize)]
struct SectorGroup {
    name: String,
    unit: String,
    rows: Vec<SectorRow>,
}

#[derive(Serialize)]
struct SectorRow {
    strategy: Swatch,
    lost: String,
    lost_p95: String,
    va: String,
    va_p95: String,
    days: String,
    tts: String,
    tts_n: Option<usize>,
}

/// Half-width of a statistic's 95% interval of the mean.
fn hw(st: &Stats) -> f64 {
    st.ci95.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0)
}

/// `mean [lo, hi]` of a percentage, no digit finer than the interval supports.
fn pct_ci(st: &Stats) -> String {
    let Some(m) = st.mean else { return "-".into() };
    let h = hw(st);
    match st.ci95 {
        Some([lo, hi]) => format!(
            "{} [{}, {}]",
            pct_within(m, h),
            pct_within(lo, h),
            pct_within(hi, h)
        ),
        None => pct_within(m, h),
    }
}

/// The 1-in-20 loss with its distribution-free interval, from the per-future values;
/// the summary's P95 without an interval when the report was re-rendered from files.
fn p95_text(data: &ChartData, s: usize, st: &Stats) -> String {
    match gdp_p95(data, s) {
        Some((p, ci)) => money_ci(p, ci),
        None => st.p95.map_or_else(|| "-".into(), money),
    }
}

/// The section, or `None` when the run has no sectors.
pub fn sectors_page(data: &ChartData) -> Option<SectorsPage> {
    if !has_sectors(data) {
        return None;
    }
    let sum = &data.summary;
    let rows = value_added_rows(sum);
    let label = |s: usize| &sum.strategies[s].label;
    let strategies = rows
        .iter()
        .map(|r| StrategyRow {
            strategy: Swatch::new(r.strategy, label(r.strategy)),
            gdp: r
                .gdp_at_risk
                .mean
                .map_or_else(|| "-".into(), |m| money_ci(m, r.gdp_at_risk.ci95)),
            p95: p95_text(data, r.strategy, &r.gdp_at_risk),
            avoided: r
                .avoided
                .map_or_else(|| "reference".into(), |(a, ci)| money_ci(a, ci)),
            extra_cost: money(r.extra_cost),
            per_unit: per_unit_text(r),
        })
        .collect();
    let metric =
        |s: usize, k: usize, x: SectorMetric| sum.strategies[s].sectors[k].metrics.get(x.name());
    let nk = sum.strategies[0].sectors.len();
    let sectors = (0..nk)
        .map(|k| {
            let info = &sum.strategies[0].sectors[k];
            SectorGroup {
                name: info.name.clone(),
                unit: info.unit.clone(),
                rows: (0..sum.strategies.len())
                    .map(|s| {
                        let lost = metric(s, k, SectorMetric::OutputLostPct);
                        let va = metric(s, k, SectorMetric::ValueAddedLost);
                        let days = metric(s, k, SectorMetric::DaysOutputReduced);
                        let tts = metric(s, k, SectorMetric::TtsDays);
                        SectorRow {
                            // Short labels: the table has a row per sector and strategy.
                            strategy: Swatch::new(s, data.strategy_short(s)),
                            lost: lost.map_or_else(|| "-".into(), pct_ci),
                            lost_p95: lost
                                .and_then(|x| Some(pct_within(x.p95?, hw(x))))
                                .unwrap_or_else(|| "-".into()),
                            va: va
                                .and_then(|x| Some(money_ci(x.mean?, x.ci95)))
                                .unwrap_or_else(|| "-".into()),
                            va_p95: va
                                .and_then(|x| Some(money_within(x.p95?, hw(x))))
                                .unwrap_or_else(|| "-".into()),
                            days: days
                                .and_then(|x| x.mean)
                                .map_or_else(|| "-".into(), |d| format!("{d:.0}")),
                            tts: tts
                                .and_then(|x| x.p50)
                                .map_or_else(|| "-".into(), |d| format!("{d:.0} days")),
                            tts_n: tts.map(|x| x.n).filter(|&n| n > 0),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Some(SectorsPage {
        strategies,
        findings: findings(data, &rows),
        sectors,
    })
}

/// Findings in plain words: the reference's GDP at risk and its bad case, the sector hit
/// hardest, the sectors that lose nothing, the strategy that protects most, and any
/// strategy that protects the total while a sector loses more.
fn findings(data: &ChartData, rows: &[ValueAddedRow]) -> Vec<String> {
    let sum = &data.summary;
    let cur = escape(&sum.currency);
    let r = data.reference;
    let b = |s: &str| format!("<b>{}</b>", escape(s));
    let mut out = Vec::new();
    let va = SectorMetric::ValueAddedLost.name();
    if let Some(row) = rows.iter().find(|x| x.strategy == r)
        && let Some(m) = row.gdp_at_risk.mean
    {
        let tail = gdp_p95(data, r)
            .filter(|(p, _)| *p > 0.0)
            .map(|(p, ci)| {
                format!(
                    "; 1 future in 20 loses more than {} {cur}",
                    money_within(p, ci.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0))
                )
            })
            .unwrap_or_default();
        out.push(format!(
            "Under {}, the sectors are expected to lose {} {cur} of value added over the {} \
             days (the GDP at risk{}){tail}.",
            b(&sum.strategies[r].label),
            money_within(m, hw(&row.gdp_at_risk)),
            sum.horizon_days,
            row.gdp_at_risk.ci95.map_or(String::new(), |[lo, hi]| {
                let h = hw(&row.gdp_at_risk);
                format!(
                    ", 95% interval {} to {}",
                    money_within(lo, h),
                    money_within(hi, h)
                )
            }),
        ));
        // The sector hit hardest, and its share of the total.
        let rs = &sum.strategies[r];
        let hardest = rs
            .sectors
            .iter()
            .filter_map(|k| Some((k, k.metrics.get(va)?.mean?)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((k, x)) = hardest.filter(|(_, x)| *x > 0.0 && m > 0.0) {
            out.push(format!(
                "The sector hit hardest is {}: {} {cur} expected, {:.0}% of the GDP at risk.",
                b(&k.name),
                money(x),
                100.0 * x / m
            ));
        }
    }
    // Sectors that lose no output in any future under any strategy.
    let nk = sum.strategies[0].sectors.len();
    let safe: Vec<String> = (0..nk)
        .filter(|&k| {
            sum.strategies.iter().all(|s| {
                s.sectors[k]
                    .metrics
                    .get(SectorMetric::DaysOutputReduced.name())
                    .and_then(|x| x.mean)
                    .is_some_and(|d| d == 0.0)
            })
        })
        .map(|k| b(&sum.strategies[0].sectors[k].name))
        .collect();
    if !safe.is_empty() {
        out.push(format!(
            "{} {} no output in any simulated future under any strategy (served first, or \
             its buffer outlasts every cut).",
            safe.join(", "),
            if safe.len() == 1 { "loses" } else { "lose" }
        ));
    }
    // The strategy that protects the most value added, and what it costs per unit.
    if let Some(best) = rows
        .iter()
        .filter(|x| {
            x.avoided
                .is_some_and(|(_, ci)| ci.is_some_and(|[lo, _]| lo > 0.0))
        })
        .max_by(|a, b| a.avoided.unwrap().0.total_cmp(&b.avoided.unwrap().0))
    {
        let (a, ci) = best.avoided.unwrap_or((0.0, None));
        let per = match best.per_unit {
            Some(_) => format!(
                ", at {} {cur} of extra cost per {cur} of value added protected",
                per_unit_text(best)
            ),
            None if best.extra_cost <= 0.0 => ", at no extra cost".to_string(),
            None => String::new(),
        };
        out.push(format!(
            "{} protects the most value added: {} {cur} of GDP at risk avoided against {}{per}.",
            b(&sum.strategies[best.strategy].label),
            money_ci(a, ci),
            b(&sum.strategies[r].label),
        ));
    }
    // A strategy that lowers the total while a sector measurably loses more.
    for row in rows {
        let s = &sum.strategies[row.strategy];
        let worse: Vec<String> = s
            .sectors
            .iter()
            .filter_map(|k| {
                let p = k.vs_reference.get(va)?;
                let [lo, hi] = p.ci95?;
                (lo > 0.0).then(|| {
                    let h = (hi - lo) / 2.0;
                    format!(
                        "{} (+{} {cur})",
                        b(&k.name),
                        money_within(p.mean_diff.unwrap_or(0.0), h)
                    )
                })
            })
            .collect();
        if !worse.is_empty() && row.avoided.is_some_and(|(a, _)| a > 0.0) {
            out.push(format!(
                "{} lowers the GDP at risk, but {} {} more than under {}: it protects some \
                 sectors at others' expense.",
                b(&s.label),
                worse.join(", "),
                if worse.len() == 1 { "loses" } else { "lose" },
                b(&sum.strategies[r].label),
            ));
        }
    }
    out
}

/// The recommendation's sentence in value added for strategy `best` against the
/// reference: GDP at risk avoided with its paired interval and the cost per unit of value
/// added protected; `None` without sectors.
pub fn recommendation_sentence(data: &ChartData, best: usize) -> Option<String> {
    if !has_sectors(data) {
        return None;
    }
    let sum = &data.summary;
    let cur = escape(&sum.currency);
    let rows = value_added_rows(sum);
    let row = rows.iter().find(|x| x.strategy == best)?;
    let gdp = row.gdp_at_risk.mean?;
    let Some((a, ci)) = row.avoided else {
        return Some(format!(
            "In value added, the GDP at risk under it is {} {cur} over the {} days.",
            money_ci(gdp, row.gdp_at_risk.ci95),
            sum.horizon_days
        ));
    };
    let measurable = ci.is_some_and(|[lo, _]| lo > 0.0);
    let per = match row.per_unit {
        Some(_) => format!(
            "; it costs {} {cur} per {cur} of value added protected",
            per_unit_text(row)
        ),
        None if row.extra_cost <= 0.0 => "; it costs nothing extra".to_string(),
        None => String::new(),
    };
    Some(if measurable {
        format!(
            "In value added, it cuts the GDP at risk to {} {cur}: {} {cur} avoided (paired 95% \
             interval){per}.",
            money_ci(gdp, row.gdp_at_risk.ci95),
            money_ci(a, ci),
        )
    } else {
        format!(
            "In value added, it does not measurably change the GDP at risk ({} {cur}; avoided \
             {} {cur}, an interval that includes zero).",
            money_ci(gdp, row.gdp_at_risk.ci95),
            money_ci(a, ci),
        )
    })
}
