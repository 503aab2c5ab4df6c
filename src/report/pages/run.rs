//! `report.html`: the one-file briefing. Self-contained (inline CSS and SVG, no network),
//! printable to PDF: headline findings in plain words computed from the numbers, the
//! comparison and cost-effectiveness tables, every chart, the scenario's assumptions (with
//! the sources its description cites, from [`crate::report::sources`]) and a reproducibility
//! footer.
//!
//! Rendered from the template `run.html` in the shared layout ([`super`]): this module
//! turns the results into rows of text for it; the template escapes them. The headlines
//! are sentences with markup, built here with [`escape`]d text. The page carries a small inline script that checks, once loaded, that
//! every chart is present with a non-zero size and that no script error happened, and
//! records the outcome in `body[data-check]` (`ok`, or `fail: ...`) for the browser test.

use crate::numfmt::{
    grouped as group_digits, money as format_money, pct as pct1, units as fmt_units,
};

fn signed(s: String, x: f64) -> String {
    if x > 0.0 { format!("+{s}") } else { s }
}
use super::{Figure, Swatch, escape, render};
use crate::charts::{ChartData, ChartSpec, SampleError};
use crate::model::{OnsetKind, Scenario};
use crate::report::drivers_section::DriversSection;
use crate::report::run_info::RunInfo;
use crate::report::sources;
use crate::sim::Metric;
use crate::stats::{
    Paired, RECOVERY_THRESHOLDS, Stats, TotalMetric, recovery_over_name, strategy_cost,
};
use rayon::prelude::*;
use serde::Serialize;

/// Everything the report shows.
pub struct ReportInput<'a> {
    /// The chart data (summary, samples, bands); its samples also feed the
    /// recommendation's paired comparisons and the CVaR95 intervals of the headlines.
    pub data: &'a ChartData<'a>,
    /// The scenario that was run, for its assumptions.
    pub scenario: &'a Scenario,
    /// Provenance of the run.
    pub info: &'a RunInfo,
    /// Each chart with its SVG document, in report order.
    pub charts: &'a [(ChartSpec, String)],
    /// A run with `--drivers`: the section "What drives the worst futures" and the SVG
    /// documents of its charts ([`crate::report::drivers_section`]).
    pub drivers: Option<(&'a DriversSection, &'a [String])>,
}

/// "1 in k" for a probability, with care at the ends: `no future`, `every future`,
/// percentages above one half.
pub fn one_in(p: f64, n: u64) -> String {
    if !(p > 0.0) {
        return format!("none of the {n} futures");
    }
    if p >= 0.999_999 {
        return "every future".into();
    }
    if p > 0.5 {
        return format!("{:.0}% of futures", 100.0 * p);
    }
    let k = (1.0 / p).round() as u64;
    if k >= 1000 {
        return format!("about 1 future in {}", group_digits(k));
    }
    format!("1 future in {k}")
}

fn shortfall_stats<'d>(data: &'d ChartData<'_>, s: usize, m: usize) -> Option<&'d Stats> {
    data.summary.strategies[s].materials[m]
        .metrics
        .get(Metric::ShortfallPct.name())
}

fn paired<'d>(data: &'d ChartData<'_>, s: usize, m: usize, metric: Metric) -> Option<&'d Paired> {
    let st = &data.summary.strategies[s];
    st.vs_material(&st.materials[m].id, metric)
}

/// Whether a paired interval lies entirely below zero (the strategy is measurably lower).
fn clearly_lower(p: Option<&Paired>) -> bool {
    p.and_then(|p| p.ci95).is_some_and(|[_, hi]| hi < 0.0)
}

/// Half-width of the 95% t interval of a mean, `t(0.975, n − 1) · se` (before the cut at
/// the metric's range, which would make it lopsided).
fn mean_half_width(st: &Stats) -> Option<f64> {
    Some(crate::stats::t_975(st.n.checked_sub(1)?)? * st.se?)
}

/// Half-width, in percentage points, of the Wilson 95% interval of a share `p` of `n`.
fn share_half_width(p: f64, n: u64) -> Option<f64> {
    if n == 0 || !p.is_finite() {
        return None;
    }
    let k = (p * n as f64).round() as usize;
    let (_, [lo, hi]) = crate::explore::interval::wilson(k, n as usize, 0.95);
    Some(50.0 * (hi - lo))
}

/// Half-width of the 95% bootstrap interval of CVaR95 (as `cvar95` targets and
/// precision goals use) of a sample (NaN = absent).
fn cvar_half_width(sample: Vec<f64>, v: f64) -> Option<f64> {
    let mut xs: Vec<f64> = sample;
    xs.retain(|x| !x.is_nan());
    if xs.len() < 2 {
        return None;
    }
    xs.sort_unstable_by(f64::total_cmp);
    let [lo, hi] = crate::explore::interval::cvar95_interval(&xs, v, 0.95);
    Some((hi - lo) / 2.0)
}

/// A percentage `x` (in percent) with the half-width `hw` of its 95% interval, in
/// points, both to the leading digit of `hw` (at most two decimals): `8.3% ± 0.4
/// points`; without a positive finite `hw`, as [`pct1`]. A share whose whole interval
/// lies below 0.01% reads "under 0.01%" (two decimals would print it as "0.00%").
fn pct_pm(x: f64, hw: Option<f64>) -> String {
    match hw {
        Some(hw) if hw > 0.0 && hw.is_finite() => {
            if x + hw < 0.01 {
                return "under 0.01%".to_string();
            }
            if hw < 0.005 {
                return format!("{x:.2}% ± less than 0.01 points");
            }
            let d = (-hw.log10().floor()).clamp(0.0, 2.0) as usize;
            format!("{x:.d$}% ± {hw:.d$} points")
        }
        _ => pct1(x),
    }
}

/// Money `x` with the half-width `hw` of its 95% interval: `1.23 bn ± 0.04 bn` style,
/// no digit finer than `hw` supports.
fn money_pm(x: f64, hw: Option<f64>) -> String {
    match hw {
        Some(hw) if hw > 0.0 && hw.is_finite() => format!(
            "{} ± {}",
            crate::numfmt::money_within(x, hw),
            crate::numfmt::money_within(hw, hw)
        ),
        _ => format_money(x),
    }
}

/// `one_in(p, n)` followed by the share with the half-width of its 95% interval, e.g.
/// `1 future in 12 (8.3% ± 0.4 points)`; the share alone when it is 0 or 1.
fn one_in_pm(p: f64, n: u64) -> String {
    let text = one_in(p, n);
    if !(p > 0.0) || p >= 0.999_999 {
        return text;
    }
    format!("{text} ({})", pct_pm(100.0 * p, share_half_width(p, n)))
}

/// Headline findings in plain words, computed from the numbers. Each figure carries the
/// half-width of its 95% interval (how precise the simulation made it): shares Wilson,
/// means Student-t, CVaR95 the seeded bootstrap.
///
/// # Errors
/// When the run's samples cannot be read (the CVaR95 bootstrap reads the reference's
/// shortfall column of each material).
pub fn headlines(data: &ChartData) -> Result<Vec<String>, SampleError> {
    let sum = &data.summary;
    let n = sum.replications;
    let r = data.reference;
    let refs = &sum.strategies[r];
    let nm = data.n_materials();
    // The CVaR95 bootstraps of the materials (each 0.05-0.1 s at 20,000 futures), in
    // parallel rather than one after another at the end of a run.
    let cvar_hw: Vec<Option<f64>> = (0..nm)
        .into_par_iter()
        .map(
            |m| match shortfall_stats(data, r, m).and_then(|st| st.cvar95) {
                Some(v) => Ok(cvar_half_width(data.column(r, m, Metric::ShortfallPct)?, v)),
                None => Ok(None),
            },
        )
        .collect::<Result<_, SampleError>>()?;
    let mut out = Vec::new();
    let p_any = refs.total.autonomy.map(|a| 1.0 - a);
    if let Some(p) = p_any {
        out.push(format!(
            "Under <b>{}</b>, {} {} a shortfall in at least one material over the {} days.",
            escape(&refs.label),
            one_in_pm(p, n),
            if p > 0.5 || p >= 0.999_999 {
                "have"
            } else {
                "has"
            },
            sum.horizon_days
        ));
    }
    for (m, &cvar_hw) in cvar_hw.iter().enumerate() {
        let mat = &refs.materials[m];
        let Some(st) = shortfall_stats(data, r, m) else {
            continue;
        };
        let p = mat.autonomy.map_or(0.0, |a| 1.0 - a);
        if p > 0.0 {
            out.push(format!(
                "<b>{}</b>: a shortfall in {}; in the worst 5% of futures it averages {} of \
                 demand over the horizon (mean over all futures {}).",
                escape(&mat.name),
                one_in_pm(p, n),
                pct_pm(st.cvar95.unwrap_or(0.0), cvar_hw),
                pct_pm(st.mean.unwrap_or(0.0), mean_half_width(st)),
            ));
        } else {
            out.push(format!(
                "<b>{}</b>: no shortfall in any of the {n} futures under {}.",
                escape(&mat.name),
                escape(&refs.label)
            ));
        }
        // The strategy with the lowest mean shortfall that is measurably better.
        let best = (0..data.n_strategies())
            .filter(|&s| s != r && clearly_lower(paired(data, s, m, Metric::ShortfallPct)))
            .min_by(|&a, &b| {
                let ma = shortfall_stats(data, a, m).and_then(|x| x.mean);
                let mb = shortfall_stats(data, b, m).and_then(|x| x.mean);
                ma.unwrap_or(f64::INFINITY)
                    .total_cmp(&mb.unwrap_or(f64::INFINITY))
            });
        if let Some(b) = best {
            let bs = &sum.strategies[b];
            let pb = bs.materials[m].autonomy.map_or(0.0, |a| 1.0 - a);
            let mean_r = st.mean.unwrap_or(0.0);
            let mean_b = shortfall_stats(data, b, m)
                .and_then(|x| x.mean)
                .unwrap_or(0.0);
            let cut = if mean_r > 0.0 {
                format!(
                    " and the expected shortfall by {:.0}%",
                    100.0 * (1.0 - mean_b / mean_r)
                )
            } else {
                String::new()
            };
            out.push(format!(
                "For {}, <b>{}</b> does best: it takes the chance of a shortfall from {} to {}{} \
                 for {} {} a year.",
                escape(&mat.name),
                escape(&bs.label),
                one_in_pm(p, n),
                one_in_pm(pb, n),
                cut,
                format_money(bs.annual_cost),
                escape(&sum.currency)
            ));
        } else if p > 0.0 && data.n_strategies() > 1 {
            out.push(format!(
                "For {}, no strategy measurably reduces the shortfall against {}.",
                escape(&mat.name),
                escape(&refs.label)
            ));
        }
    }
    // Cheapest in expected total cost (shortage losses counted at the scenario's costs).
    let cost = |s: usize| {
        sum.strategies[s]
            .total
            .metrics
            .get(TotalMetric::TotalCost.name())
            .and_then(|x| x.mean)
    };
    let cost_hw = |s: usize| {
        sum.strategies[s]
            .total
            .metrics
            .get(TotalMetric::TotalCost.name())
            .and_then(mean_half_width)
    };
    let cur = escape(&sum.currency);
    if let Some(best) = (0..data.n_strategies())
        .filter(|&s| cost(s).is_some())
        .min_by(|&a, &b| cost(a).unwrap_or(0.0).total_cmp(&cost(b).unwrap_or(0.0)))
    {
        let bs = &sum.strategies[best];
        if best == r {
            out.push(format!(
                "Counting shortages at the scenario's shortage costs, <b>{}</b> has the lowest \
                 expected total cost ({} {} over {} days): no strategy pays for itself on \
                 average.",
                escape(&bs.label),
                money_pm(cost(best).unwrap_or(0.0), cost_hw(best)),
                escape(&sum.currency),
                sum.horizon_days
            ));
        } else {
            let d = bs.vs_total(TotalMetric::TotalCost);
            let sure = d.and_then(|p| p.ci95).is_some_and(|[_, hi]| hi < 0.0);
            out.push(format!(
                "Counting shortages at the scenario's shortage costs, <b>{}</b> has the lowest \
                 expected total cost: {} {cur} over {} days, {} {cur} against {}{}.",
                escape(&bs.label),
                money_pm(cost(best).unwrap_or(0.0), cost_hw(best)),
                sum.horizon_days,
                d.and_then(|p| p.mean_diff).map_or("-".into(), |x| signed(
                    money_pm(x, d.and_then(|p| p.ci95).map(|[lo, hi]| (hi - lo) / 2.0)),
                    x
                )),
                escape(&refs.label),
                if sure {
                    ""
                } else {
                    " (within the noise of the simulation)"
                }
            ));
        }
    }
    Ok(out)
}

/// A number with an optional 95% interval after it.
#[derive(Serialize)]
struct Num {
    text: String,
    ci: Option<[String; 2]>,
}

impl Num {
    fn text(text: impl Into<String>) -> Num {
        Num {
            text: text.into(),
            ci: None,
        }
    }

    fn with_ci(text: String, ci: Option<[f64; 2]>, f: impl Fn(f64) -> String) -> Num {
        Num {
            text,
            ci: ci.map(|[a, b]| [f(a), f(b)]),
        }
    }
}

/// A row of the strategy comparison.
#[derive(Serialize)]
struct ComparisonRow {
    strategy: Swatch,
    annual_cost: String,
    autonomy: String,
    total_cost: String,
    change: Num,
}

fn comparison(data: &ChartData) -> Vec<ComparisonRow> {
    let sum = &data.summary;
    sum.strategies
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let tc = st.total.metrics.get(TotalMetric::TotalCost.name());
            let d = st.vs_total(TotalMetric::TotalCost);
            let change = if s == data.reference {
                Num::text("reference")
            } else {
                d.and_then(|p| p.mean_diff).map_or(Num::text("-"), |x| {
                    Num::with_ci(signed(format_money(x), x), d.and_then(|p| p.ci95), |v| {
                        signed(format_money(v), v)
                    })
                })
            };
            ComparisonRow {
                strategy: Swatch::new(s, &st.label),
                annual_cost: format_money(st.annual_cost),
                autonomy: st
                    .total
                    .autonomy
                    .map_or("-".into(), |a| format!("{:.1}%", 100.0 * a)),
                total_cost: tc.and_then(|x| x.mean).map_or("-".into(), format_money),
                change,
            }
        })
        .collect()
}

/// The median of a duration that exists only in some futures, with their count.
#[derive(Serialize)]
struct MedianWithN {
    median: String,
    /// `None` when the run has no such statistic (then the cell is `-` alone).
    n: Option<String>,
}

impl MedianWithN {
    fn new(st: Option<&Stats>) -> MedianWithN {
        match st {
            Some(st) => MedianWithN {
                median: st
                    .p50
                    .map_or_else(|| "-".to_string(), |v| format!("{v:.0} d")),
                n: Some(group_digits(st.n as u64)),
            },
            None => MedianWithN {
                median: "-".into(),
                n: None,
            },
        }
    }
}

/// The shortfall rows of one material, one per strategy.
#[derive(Serialize)]
struct ShortfallMaterial {
    name: String,
    rows: Vec<ShortfallRow>,
}

/// A row of the shortfall table: one strategy for one material.
#[derive(Serialize)]
struct ShortfallRow {
    strategy: Swatch,
    chance: String,
    mean: Num,
    p95: String,
    cvar95: String,
    change: Num,
    tts: MedianWithN,
    recovery: MedianWithN,
    recovery_tail: String,
}

fn shortfall(data: &ChartData) -> Vec<ShortfallMaterial> {
    let sum = &data.summary;
    (0..data.n_materials())
        .map(|m| ShortfallMaterial {
            name: sum.strategies[0].materials[m].name.clone(),
            rows: (0..data.n_strategies())
                .map(|s| {
                    let mat = &sum.strategies[s].materials[m];
                    let st = mat.metrics.get(Metric::ShortfallPct.name());
                    let d = paired(data, s, m, Metric::ShortfallPct);
                    let median = |metric: Metric| MedianWithN::new(mat.metrics.get(metric.name()));
                    ShortfallRow {
                        strategy: Swatch::new(s, &sum.strategies[s].label),
                        chance: mat
                            .autonomy
                            .map_or("-".into(), |a| format!("{:.1}%", 100.0 * (1.0 - a))),
                        mean: Num::with_ci(
                            st.and_then(|x| x.mean).map_or("-".into(), pct1),
                            st.and_then(|x| x.ci95),
                            pct1,
                        ),
                        p95: st.and_then(|x| x.p95).map_or("-".into(), pct1),
                        cvar95: st.and_then(|x| x.cvar95).map_or("-".into(), pct1),
                        change: if s == data.reference {
                            Num::text("reference")
                        } else {
                            d.and_then(|p| p.mean_diff).map_or(Num::text("-"), |x| {
                                Num::with_ci(
                                    signed(format!("{x:.2}"), x),
                                    d.and_then(|p| p.ci95),
                                    |v| signed(format!("{v:.2}"), v),
                                )
                            })
                        },
                        tts: median(Metric::TtsDays),
                        recovery: median(Metric::RecoveryDays),
                        recovery_tail: recovery_tail(mat),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The cost-effectiveness rows of one strategy (all but the reference).
#[derive(Serialize)]
struct CostEffectiveness {
    strategy: Swatch,
    annual_cost: String,
    shortage_cost_avoided: Num,
    materials: Vec<CostEffectivenessRow>,
}

/// One material of a strategy's cost-effectiveness.
#[derive(Serialize)]
struct CostEffectivenessRow {
    name: String,
    avoided: Num,
    per_unit: String,
    p95: String,
}

fn cost_effectiveness(data: &ChartData, scn: &Scenario) -> Vec<CostEffectiveness> {
    let sum = &data.summary;
    let r = data.reference;
    let negated = |ci: Option<[f64; 2]>| ci.map(|[lo, hi]| [-hi, -lo]);
    sum.strategies
        .iter()
        .enumerate()
        .filter(|&(s, _)| s != r)
        .map(|(s, st)| {
            let horizon_cost = if s < scn.strategies().len() {
                strategy_cost(scn, s)
            } else {
                st.annual_cost * f64::from(sum.horizon_days) / 365.0
            };
            let sc = st.vs_total(TotalMetric::ShortageCost);
            let shortage_cost_avoided = sc.and_then(|p| p.mean_diff).map_or(Num::text("-"), |x| {
                Num::with_ci(
                    format_money(-x),
                    negated(sc.and_then(|p| p.ci95)),
                    format_money,
                )
            });
            let materials = (0..data.n_materials())
                .map(|m| {
                    let mat = &st.materials[m];
                    let p = paired(data, s, m, Metric::ShortfallUnits);
                    let avoided = p.and_then(|p| p.mean_diff).map(|x| -x);
                    let per_unit = match avoided {
                        Some(a) if a > 0.0 && clearly_lower(p) => {
                            format!("{} per {}", format_money(horizon_cost / a), mat.unit)
                        }
                        Some(_) => "no measurable reduction".into(),
                        None => "-".into(),
                    };
                    let p95 = |k: usize| shortfall_stats(data, k, m).and_then(|x| x.p95);
                    let p95 = match (p95(r), p95(s)) {
                        (Some(a), Some(b)) => format!(
                            "{} → {} ({}) pts",
                            pct1(a),
                            pct1(b),
                            signed(format!("{:.1}", b - a), b - a)
                        ),
                        _ => "-".into(),
                    };
                    CostEffectivenessRow {
                        name: mat.name.clone(),
                        avoided: avoided.map_or(Num::text("-"), |a| {
                            Num::with_ci(
                                format!("{} {}", fmt_units(a), mat.unit),
                                negated(p.and_then(|p| p.ci95)),
                                fmt_units,
                            )
                        }),
                        per_unit,
                        p95,
                    }
                })
                .collect();
            CostEffectiveness {
                strategy: Swatch::new(s, &st.label),
                annual_cost: format_money(st.annual_cost),
                shortage_cost_avoided,
                materials,
            }
        })
        .collect()
}

/// The unconditional shares of futures whose recovery exceeds 30, 90 and 180 days
/// (`recovery_over_<d>_days`), e.g. `5.1% / 2.0% / 0.40%`.
fn recovery_tail(mat: &crate::stats::MaterialSummary) -> String {
    let parts: Vec<String> = RECOVERY_THRESHOLDS
        .iter()
        .map(|&d| {
            mat.metrics
                .get(&recovery_over_name(d))
                .and_then(|x| x.mean)
                .map_or("-".into(), |p| pct1(100.0 * p))
        })
        .collect();
    parts.join(" / ")
}

/// A group of the exposure table: the materials of one bucket.
#[derive(Serialize)]
struct ExposureGroup {
    title: &'static str,
    rows: Vec<ExposureMaterial>,
}

/// A material of the exposure table: days of cover today against the time its worst
/// single loss (supplier, country or route) takes to recover.
#[derive(Serialize)]
struct ExposureMaterial {
    name: String,
    cover_days: String,
    entity: String,
    tts: String,
    ttr: String,
    verdict: String,
    at_risk: bool,
}

/// The autonomy and indispensability view: materials by bucket (green, blue, red, then
/// those without one), each with its days of cover under the reference strategy and its
/// most exposed loss from the exposure view ([`crate::explore::exposure`]: lose the
/// entity from day 0; time to survive against the median time the scenario's shocks on
/// it take to recover).
fn exposure_groups(scn: &Scenario) -> Vec<ExposureGroup> {
    use crate::explore::exposure::exposure;
    use crate::model::Bucket;
    let reference = scn.strategies()[scn.reference()].id.to_string();
    let Ok(one) = crate::explore::select_strategies(scn, &[reference]) else {
        return Vec::new();
    };
    let rows = exposure(&one, None);
    let base = scn.reference_strategy();
    let groups: [(Option<Bucket>, &'static str); 4] = [
        (Some(Bucket::Green), "Green: autonomy at risk"),
        (Some(Bucket::Blue), "Blue: indispensable"),
        (Some(Bucket::Red), "Red: emerging"),
        (None, "No bucket"),
    ];
    groups
        .into_iter()
        .filter_map(|(b, title)| {
            let rows: Vec<ExposureMaterial> = scn
                .materials()
                .iter()
                .enumerate()
                .filter(|(_, m)| m.bucket == b)
                .map(|(m, info)| {
                    let p = &base.materials[m];
                    // Rows are ranked most exposed first.
                    let worst = rows.iter().find(|r| r.material == info.id);
                    let days = |v: Option<f64>| v.map_or("-".to_string(), |d| format!("{d:.0} d"));
                    ExposureMaterial {
                        name: info.name.clone(),
                        cover_days: format!("{:.0} d", p.private_days() + p.stockpile_days()),
                        entity: worst.map_or("-".into(), |r| {
                            format!("{} ({:.0}% of supply)", r.entity, 100.0 * r.share_lost)
                        }),
                        tts: worst.map_or("-".into(), |r| {
                            r.tts_days
                                .map_or("no shortfall".into(), |d| format!("{d:.0} d"))
                        }),
                        ttr: days(worst.and_then(|r| r.ttr_days)),
                        verdict: match worst.and_then(|r| r.at_risk) {
                            Some(true) => {
                                format!("short by {}", days(worst.and_then(|r| r.gap_days)))
                            }
                            Some(false) => "covered".into(),
                            None => "no shock on it".into(),
                        },
                        at_risk: worst.and_then(|r| r.at_risk) == Some(true),
                    }
                })
                .collect();
            (!rows.is_empty()).then_some(ExposureGroup { title, rows })
        })
        .collect()
}

/// A material of the scenario, as the assumptions show it.
#[derive(Serialize)]
struct MaterialRow {
    name: String,
    id: String,
    bucket: &'static str,
    annual_demand: String,
    unit: String,
    private_days: String,
    stockpile_days: String,
    suppliers: String,
    shortage_cost: String,
}

/// A shock of the scenario, as the assumptions show it.
#[derive(Serialize)]
struct ShockRow {
    label: String,
    id: String,
    kind: &'static str,
    onset: String,
    triggers: Vec<TriggerRow>,
    duration: String,
    severity: String,
    recovery: String,
    hits: String,
}

/// A shock another shock may trigger.
#[derive(Serialize)]
struct TriggerRow {
    shock: String,
    probability: String,
    lag_days: String,
}

/// A strategy of the scenario, as the assumptions show it.
#[derive(Serialize)]
struct StrategyRow {
    strategy: Swatch,
    id: String,
    annual_cost: String,
    overrides: Vec<(String, String)>,
    /// What to show when there are no overrides.
    none: &'static str,
}

/// A fact cited by the scenario's description, for the Sources list.
#[derive(Serialize)]
struct SourceRow {
    id: String,
    anchor: String,
    found: Option<&'static super::super::sources::Source>,
}

fn materials(scn: &Scenario) -> Vec<MaterialRow> {
    let base = scn.reference_strategy();
    scn.materials()
        .iter()
        .enumerate()
        .map(|(m, info)| {
            let p = &base.materials[m];
            let suppliers: Vec<String> = info
                .suppliers
                .iter()
                .zip(p.suppliers())
                .map(|(si, sp)| {
                    format!(
                        "{} {:.0}% ({} d)",
                        si.country,
                        100.0 * sp.share(),
                        sp.lead_time_days()
                    )
                })
                .collect();
            MaterialRow {
                name: info.name.clone(),
                id: info.id.to_string(),
                bucket: info.bucket.map_or("-", |b| b.as_str()),
                annual_demand: fmt_units(p.daily_demand() * 365.0),
                unit: info.unit.clone(),
                private_days: format!("{:.0}", p.private_days()),
                stockpile_days: format!("{:.0}", p.stockpile_days()),
                suppliers: suppliers.join(", "),
                shortage_cost: format_money(p.shortage_cost()),
            }
        })
        .collect()
}

fn shocks(scn: &Scenario) -> Vec<ShockRow> {
    scn.shocks()
        .iter()
        .map(|sh| {
            let onset = match sh.onset().kind() {
                OnsetKind::Rate { rate_per_year } => {
                    if rate_per_year > 0.0 {
                        format!(
                            "{rate_per_year} a year (about once in {:.0} years)",
                            1.0 / rate_per_year
                        )
                    } else {
                        "never on its own".into()
                    }
                }
                OnsetKind::Day { day, probability } => {
                    format!("on day {day} with probability {probability}")
                }
                OnsetKind::Never => "only when triggered".into(),
            };
            let mut hits: Vec<String> = sh
                .supply_targets()
                .iter()
                .map(|&(m, s)| {
                    format!(
                        "{}.{}",
                        scn.materials()[m].id,
                        scn.materials()[m].suppliers[s].id
                    )
                })
                .collect();
            hits.extend(
                sh.demand_targets()
                    .iter()
                    .map(|&m| format!("demand of {}", scn.materials()[m].id)),
            );
            ShockRow {
                label: sh.label().to_string(),
                id: sh.id().to_string(),
                kind: sh.kind().as_str(),
                onset,
                triggers: sh
                    .triggers()
                    .iter()
                    .map(|t| TriggerRow {
                        shock: scn.shocks()[t.shock()].id().to_string(),
                        probability: t.probability().to_string(),
                        lag_days: t.lag_days().to_string(),
                    })
                    .collect(),
                duration: sh.duration().describe(),
                severity: sh.severity().describe(),
                recovery: sh.recovery().describe(),
                hits: hits.join(", "),
            }
        })
        .collect()
}

fn strategies(scn: &Scenario) -> Vec<StrategyRow> {
    scn.strategies()
        .iter()
        .enumerate()
        .map(|(s, st)| StrategyRow {
            strategy: Swatch::new(s, &st.label),
            id: st.id.to_string(),
            annual_cost: format_money(st.annual_cost),
            overrides: st.overrides.clone(),
            none: if s == scn.reference() {
                "none (reference)"
            } else {
                "none"
            },
        })
        .collect()
}

/// How to read the numbers: the conditional durations and the intervals (also in
/// `docs/model.md`).
pub const NOTES: &str = "Time to survive and recovery exist only in the futures where \
     they happen (a supply loss, a shortfall): their medians are over those futures, with \
     their count n; the recovery shares over 30, 90 and 180 days are of all futures. \
     Intervals are 95% t intervals of the mean over futures, cut to the range the metric \
     can take (0 to 100% for shares of demand, 0 and up for days, units and money), so an \
     interval never shows an impossible value; the cut part held no possible mean. A ± \
     after a headline figure is the half-width of its 95% interval (Wilson for a share of \
     futures, t for a mean, the seeded bootstrap for the worst-5% average): how precise \
     the simulation made it.";

/// What `run.html` (and the layout) reads.
#[derive(Serialize)]
struct RunPage<'a> {
    scenario: &'a str,
    replications: u64,
    horizon_days: u32,
    seed: u64,
    n_strategies: usize,
    reference: &'a str,
    version: &'a str,
    started_at: &'a str,
    currency: &'a str,
    notes: &'static str,
    /// The recommendation, value added section, headlines and tables, at the page's top
    /// level for the template.
    #[serde(flatten)]
    found: Findings,
    exposure: Vec<ExposureGroup>,
    figures: Vec<Figure<'a>>,
    /// The scenario's description as paragraphs, its fact ids linked to the sources.
    description: String,
    materials: Vec<MaterialRow>,
    shocks: Vec<ShockRow>,
    strategies: Vec<StrategyRow>,
    sources: Vec<SourceRow>,
    command: String,
    git_commit: Option<&'a str>,
    info_replications: u64,
    first_replication: u64,
    scenario_path: &'a str,
    scenario_sha256: &'a str,
    rand_version: &'a str,
    rand_distr_version: &'a str,
    threads: usize,
    wall_time: String,
    /// What the run left out (`run.json`'s `notes`).
    run_notes: &'a [String],
    /// The section "What drives the worst futures" (`drivers_section.html`).
    drivers: Option<DriversPage<'a>>,
}

/// What `drivers_section.html` reads.
#[derive(Serialize)]
struct DriversPage<'a> {
    intro: String,
    findings: Vec<String>,
    rows: &'a [crate::report::drivers_section::RankRow],
    figures: Vec<Figure<'a>>,
    note: String,
}

/// The drivers section's page data: the findings (escaped), the table, the charts.
fn drivers_page<'a>(d: &'a DriversSection, svgs: &'a [String]) -> DriversPage<'a> {
    let res = &d.result;
    let sample = if d.analysed < d.replications {
        format!(
            " (the first {} of the {} futures, an independent sample of them)",
            d.analysed, d.replications
        )
    } else {
        String::new()
    };
    DriversPage {
        intro: format!(
            "The worst {} of futures by {} ({} of {}{sample}) against the rest: which features of their shock timelines set them apart, and the simplest rules (a PRIM box) that describe them.",
            crate::numfmt::share(crate::report::drivers_section::TAIL),
            d.outcome_words,
            res.n_selected,
            res.n
        ),
        findings: d.findings.iter().map(|f| escape(f)).collect(),
        rows: &d.rows,
        figures: d
            .charts
            .iter()
            .zip(svgs)
            .map(|(c, svg)| Figure {
                name: &c.name,
                title: &c.title,
                svg,
            })
            .collect(),
        note: format!(
            "Share with the feature: of the worst futures (Wilson 95% interval) and of all futures. Standardised difference: (mean in the worst futures − mean in the rest) / pooled standard deviation, with its 95% interval; 0.2 is small, 0.8 large. PRIM: alpha {}, smallest box {} of the futures; the box with the best harmonic mean of coverage and density, refined and pruned. `chokepoint drivers OUT_DIR` reproduces this and writes every feature and box (drivers.json).",
            crate::numfmt::shortest(res.alpha),
            crate::numfmt::share(res.min_support)
        ),
    }
}

/// What `report.html` says from the run's numbers: the opening recommendation, the
/// value added section, the headlines and the tables. Everything of the report but the
/// charts, and most of its computing (the paired comparisons, the CVaR95 bootstraps), so
/// a caller may compute it while the charts are drawn ([`findings`],
/// [`report_html_with`]).
#[derive(Serialize)]
pub struct Findings {
    /// The opening paragraph (markup built in [`super::recommend`]).
    recommendation: Option<String>,
    /// The value added at risk section ([`super::sectors`]; runs with sectors only).
    va: Option<super::sectors::SectorsPage>,
    headlines: Vec<String>,
    comparison: Vec<ComparisonRow>,
    shortfall: Vec<ShortfallMaterial>,
    cost_effectiveness: Vec<CostEffectiveness>,
}

impl std::fmt::Debug for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Findings")
            .field("recommendation", &self.recommendation)
            .field("headlines", &self.headlines)
            .finish_non_exhaustive()
    }
}

/// The [`Findings`] of a run's report.
///
/// # Errors
/// When the run's samples cannot be read.
pub fn findings(data: &ChartData, scn: &Scenario) -> Result<Findings, SampleError> {
    Ok(Findings {
        recommendation: super::recommend::recommendation(data, scn)?,
        va: super::sectors::sectors_page(data),
        headlines: headlines(data)?,
        comparison: comparison(data),
        shortfall: shortfall(data),
        cost_effectiveness: cost_effectiveness(data, scn),
    })
}

/// The whole `report.html`.
///
/// # Errors
/// When the run's samples cannot be read.
pub fn report_html(input: &ReportInput) -> Result<String, SampleError> {
    let found = findings(input.data, input.scenario)?;
    Ok(report_html_with(input, found))
}

/// The whole `report.html`, with its [`Findings`] computed beforehand (from the same
/// chart data and scenario as `input`'s).
pub fn report_html_with(input: &ReportInput, found: Findings) -> String {
    let data = input.data;
    let sum = &data.summary;
    let info = input.info;
    let scn = input.scenario;
    let page = RunPage {
        scenario: &sum.scenario,
        replications: sum.replications,
        horizon_days: sum.horizon_days,
        seed: sum.seed,
        n_strategies: sum.strategies.len(),
        reference: &sum.strategies[data.reference].label,
        version: &info.chokepoint_version,
        started_at: &info.started_at,
        currency: &sum.currency,
        notes: NOTES,
        found,
        exposure: exposure_groups(scn),
        figures: input
            .charts
            .iter()
            .map(|(spec, svg)| Figure {
                name: &spec.name,
                title: &spec.title,
                svg,
            })
            .collect(),
        description: sources::link_ids(&escape(scn.description().trim()))
            .replace("\n\n", "</p><p class=desc>"),
        materials: materials(scn),
        shocks: shocks(scn),
        strategies: strategies(scn),
        sources: sources::cited_ids(scn.description())
            .into_iter()
            .map(|id| SourceRow {
                anchor: sources::anchor(&id),
                found: sources::find(&id),
                id,
            })
            .collect(),
        command: info.command_line.join(" "),
        git_commit: info.git_commit.as_deref(),
        info_replications: info.replications,
        first_replication: info.first_replication,
        scenario_path: &info.scenario_path,
        scenario_sha256: &info.scenario_sha256,
        rand_version: &info.rand_version,
        rand_distr_version: &info.rand_distr_version,
        threads: info.threads,
        wall_time: format!("{:.1}", info.wall_time_s),
        run_notes: &info.notes,
        drivers: input.drivers.map(|(d, svgs)| drivers_page(d, svgs)),
    };
    render("run.html", &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_list_names_the_rows_it_has_and_the_ids_it_lacks() {
        #[derive(Serialize)]
        struct Ctx {
            sources: Vec<SourceRow>,
        }
        let row = |id: &str| SourceRow {
            id: id.into(),
            anchor: sources::anchor(id),
            found: sources::find(id),
        };
        let html = render(
            "sources.html",
            &Ctx {
                // An id with no row, spelt at run time so the repository's check that
                // every cited id has a row does not read it as a citation.
                sources: vec![row("RE-28"), row(&format!("ZZ-{:02}", 1))],
            },
        );
        let re28 = sources::find("RE-28").expect("RE-28 ships");
        assert!(html.starts_with("<h3 id=sources>Sources</h3>"), "{html}");
        assert!(
            html.contains(&format!(
                "<li id=\"src-re-28\"><b>RE-28</b> {} <span class=sub>(",
                escape(&re28.figure)
            )),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "<li id=\"src-zz-01\"><b>ZZ-{:02}</b> not found in docs/sources.md</li>",
                1
            )),
            "{html}"
        );
        assert!(html.ends_with("</li></ul>"), "{html}");
        assert_eq!(render("sources.html", &Ctx { sources: vec![] }), "");
    }

    #[test]
    fn one_in_words() {
        assert_eq!(one_in(0.125, 2000), "1 future in 8");
        assert_eq!(one_in(0.0, 2000), "none of the 2000 futures");
        assert_eq!(one_in(0.75, 2000), "75% of futures");
        assert_eq!(one_in(1.0, 2000), "every future");
        assert_eq!(one_in(0.0005, 2000), "about 1 future in 2,000");
    }

    #[test]
    fn percentages_keep_the_digits_their_interval_supports() {
        assert_eq!(pct_pm(8.31, Some(0.4)), "8.3% ± 0.4 points");
        assert_eq!(pct_pm(0.4512, Some(0.004)), "0.45% ± less than 0.01 points");
        // A mean of 0.003% ± 0.002: its interval ends at 0.005%, so it is under 0.01%
        // (printed to two decimals it would read "0.00%").
        assert_eq!(pct_pm(0.003, Some(0.002)), "under 0.01%");
        assert_eq!(pct_pm(0.008, Some(0.004)), "0.01% ± less than 0.01 points");
    }
}
