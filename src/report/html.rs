//! `report.html`: the one-file briefing. Self-contained (inline CSS and SVG, no network),
//! printable to PDF: headline findings in plain words computed from the numbers, the
//! comparison and cost-effectiveness tables, every chart, the scenario's assumptions (with
//! the sources its description cites, from [`super::sources`]) and a reproducibility
//! footer.
//!
//! Hand-written HTML: every piece of text from the scenario or the run goes through
//! [`escape`]. The page carries a small inline script that checks, once loaded, that
//! every chart is present with a non-zero size and that no script error happened, and
//! records the outcome in `body[data-check]` (`ok`, or `fail: ...`) for the browser test.

use crate::numfmt::{
    grouped as group_digits, money as format_money, pct as pct1, units as fmt_units,
};

fn signed(s: String, x: f64) -> String {
    if x > 0.0 { format!("+{s}") } else { s }
}
use super::run_info::RunInfo;
use crate::charts::{ChartData, ChartSpec, strategy_css_color};
use crate::model::{Onset, Scenario};
use crate::sim::Metric;
use crate::stats::{
    Paired, RECOVERY_THRESHOLDS, Stats, TotalMetric, recovery_over_name, strategy_cost,
};
use std::fmt::Write as _;

/// Everything the report shows.
pub struct ReportInput<'a> {
    /// The chart data (summary, samples, bands).
    pub data: &'a ChartData,
    /// The scenario that was run, for its assumptions.
    pub scenario: &'a Scenario,
    /// Provenance of the run.
    pub info: &'a RunInfo,
    /// Each chart with its SVG document, in report order.
    pub charts: &'a [(ChartSpec, String)],
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

fn ci_text(ci: Option<[f64; 2]>, f: impl Fn(f64) -> String) -> String {
    ci.map_or_else(String::new, |[a, b]| {
        format!(" <span class=ci>[{}, {}]</span>", f(a), f(b))
    })
}

fn shortfall_stats(data: &ChartData, s: usize, m: usize) -> Option<&Stats> {
    data.summary.strategies[s].materials[m]
        .metrics
        .get(Metric::ShortfallPct.name())
}

fn paired(data: &ChartData, s: usize, m: usize, metric: Metric) -> Option<&Paired> {
    let st = &data.summary.strategies[s];
    st.vs_material(&st.materials[m].id, metric)
}

/// Whether a paired interval lies entirely below zero (the strategy is measurably lower).
fn clearly_lower(p: Option<&Paired>) -> bool {
    p.and_then(|p| p.ci95).is_some_and(|[_, hi]| hi < 0.0)
}

/// Headline findings in plain words, computed from the numbers.
pub fn headlines(data: &ChartData) -> Vec<String> {
    let sum = &data.summary;
    let n = sum.replications;
    let r = data.reference;
    let refs = &sum.strategies[r];
    let nm = data.n_materials();
    let mut out = Vec::new();
    let p_any = refs.total.autonomy.map(|a| 1.0 - a);
    if let Some(p) = p_any {
        out.push(format!(
            "Under <b>{}</b>, {} {} a shortfall in at least one material over the {} days.",
            escape(&refs.label),
            one_in(p, n),
            if p > 0.5 || p >= 0.999_999 {
                "have"
            } else {
                "has"
            },
            sum.horizon_days
        ));
    }
    for m in 0..nm {
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
                one_in(p, n),
                pct1(st.cvar95.unwrap_or(0.0)),
                pct1(st.mean.unwrap_or(0.0)),
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
                one_in(p, n),
                one_in(pb, n),
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
                format_money(cost(best).unwrap_or(0.0)),
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
                format_money(cost(best).unwrap_or(0.0)),
                sum.horizon_days,
                d.and_then(|p| p.mean_diff)
                    .map_or("-".into(), |x| signed(format_money(x), x)),
                escape(&refs.label),
                if sure {
                    ""
                } else {
                    " (within the noise of the simulation)"
                }
            ));
        }
    }
    out
}

fn table_comparison(data: &ChartData, out: &mut String) {
    let sum = &data.summary;
    let r = data.reference;
    let cur = escape(&sum.currency);
    let _ = write!(
        out,
        "<table class=cmp><thead><tr><th>Strategy</th><th>Annual cost, {cur}</th>\
         <th>No shortfall in any material</th><th>Expected total cost, {cur}</th>\
         <th>Change vs reference, {cur} <span class=ci>[95% CI]</span></th></tr></thead><tbody>",
    );
    for (s, st) in sum.strategies.iter().enumerate() {
        let tc = st.total.metrics.get(TotalMetric::TotalCost.name());
        let d = st.vs_total(TotalMetric::TotalCost);
        let diff = if s == r {
            "reference".to_string()
        } else {
            d.and_then(|p| p.mean_diff).map_or("-".into(), |x| {
                signed(format_money(x), x)
                    + &ci_text(d.and_then(|p| p.ci95), |v| signed(format_money(v), v))
            })
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td>\
             <td class=num>{}</td></tr>",
            swatch_label(s, &st.label),
            format_money(st.annual_cost),
            st.total
                .autonomy
                .map_or("-".into(), |a| format!("{:.1}%", 100.0 * a)),
            tc.and_then(|x| x.mean).map_or("-".into(), format_money),
            diff
        );
    }
    out.push_str("</tbody></table>");

    out.push_str(
        "<h3>Shortfall by material</h3><table class=cmp><thead><tr><th>Material</th>\
         <th>Strategy</th><th>Chance of a shortfall</th><th>Mean shortfall \
         <span class=ci>[95% CI]</span></th><th>P95</th><th>CVaR95</th>\
         <th>Mean change vs reference, points <span class=ci>[95% CI]</span></th>\
         <th>Median time to survive <span class=ci>(n futures)</span></th>\
         <th>Median recovery, futures with a shortfall <span class=ci>(n)</span></th>\
         <th>Recovery longer than 30 / 90 / 180 days, share of all futures</th>\
         </tr></thead><tbody>",
    );
    let nm = data.n_materials();
    let ns = data.n_strategies();
    for m in 0..nm {
        for s in 0..ns {
            let mat = &sum.strategies[s].materials[m];
            let st = mat.metrics.get(Metric::ShortfallPct.name());
            let d = paired(data, s, m, Metric::ShortfallPct);
            // Conditional statistics always carry the count they are over.
            let days = |metric: Metric| {
                mat.metrics
                    .get(metric.name())
                    .map_or("-".into(), median_days_with_n)
            };
            let mcell = if s == 0 {
                format!("<td rowspan={ns}><b>{}</b></td>", escape(&mat.name))
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<tr>{mcell}<td>{}</td><td class=num>{}</td><td class=num>{}{}</td>\
                 <td class=num>{}</td><td class=num>{}</td><td class=num>{}</td>\
                 <td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                swatch_label(s, &sum.strategies[s].label),
                mat.autonomy
                    .map_or("-".into(), |a| format!("{:.1}%", 100.0 * (1.0 - a))),
                st.and_then(|x| x.mean).map_or("-".into(), pct1),
                ci_text(st.and_then(|x| x.ci95), pct1),
                st.and_then(|x| x.p95).map_or("-".into(), pct1),
                st.and_then(|x| x.cvar95).map_or("-".into(), pct1),
                if s == data.reference {
                    "reference".into()
                } else {
                    d.and_then(|p| p.mean_diff).map_or("-".into(), |x| {
                        signed(format!("{x:.2}"), x)
                            + &ci_text(d.and_then(|p| p.ci95), |v| signed(format!("{v:.2}"), v))
                    })
                },
                days(Metric::TtsDays),
                days(Metric::RecoveryDays),
                recovery_tail(mat),
            );
        }
    }
    out.push_str("</tbody></table>");
}

fn table_cost_effectiveness(data: &ChartData, scn: &Scenario, out: &mut String) {
    let sum = &data.summary;
    let r = data.reference;
    let nm = data.n_materials();
    let _ = write!(
        out,
        "<p>Against <b>{}</b>, per strategy and material: the expected shortfall avoided over \
         the {} days (mean of the per-future differences, with its paired 95% interval), the \
         strategy's cost over the horizon divided by it, and the change in the 1-in-20 bad \
         case (P95). The whole strategy cost is set against each material it may help.</p>",
        escape(&sum.strategies[r].label),
        sum.horizon_days
    );
    let cur = escape(&sum.currency);
    let _ = write!(
        out,
        "<table class=cmp><thead><tr><th>Strategy</th><th>Annual cost, {cur}</th>\
         <th>Material</th><th>Expected shortfall avoided <span class=ci>[95% CI]</span></th>\
         <th>Cost per unit avoided, {cur}</th><th>P95 shortfall: reference → strategy</th>\
         <th>Expected shortage cost avoided (all materials), {cur}</th></tr></thead><tbody>",
    );
    for (s, st) in sum.strategies.iter().enumerate() {
        if s == r {
            continue;
        }
        let horizon_cost = if s < scn.strategies.len() {
            strategy_cost(scn, s)
        } else {
            st.annual_cost * f64::from(sum.horizon_days) / 365.0
        };
        let sc = st.vs_total(TotalMetric::ShortageCost);
        let sc_text = sc.and_then(|p| p.mean_diff).map_or("-".into(), |x| {
            let ci = sc.and_then(|p| p.ci95).map(|[lo, hi]| [-hi, -lo]);
            format_money(-x) + &ci_text(ci, format_money)
        });
        for m in 0..nm {
            let mat = &st.materials[m];
            let p = paired(data, s, m, Metric::ShortfallUnits);
            let avoided = p.and_then(|p| p.mean_diff).map(|x| -x);
            let avoided_text = avoided.map_or("-".into(), |a| {
                let ci = p.and_then(|p| p.ci95).map(|[lo, hi]| [-hi, -lo]);
                format!("{} {}", fmt_units(a), escape(&mat.unit)) + &ci_text(ci, fmt_units)
            });
            let per_unit = match avoided {
                Some(a) if a > 0.0 && clearly_lower(p) => {
                    format!(
                        "{} per {}",
                        format_money(horizon_cost / a),
                        escape(&mat.unit)
                    )
                }
                Some(_) => "no measurable reduction".into(),
                None => "-".into(),
            };
            let p95 = |k: usize| shortfall_stats(data, k, m).and_then(|x| x.p95);
            let p95_text = match (p95(r), p95(s)) {
                (Some(a), Some(b)) => {
                    format!(
                        "{} → {} ({})",
                        pct1(a),
                        pct1(b),
                        signed(format!("{:.1}", b - a), b - a)
                    ) + " pts"
                }
                _ => "-".into(),
            };
            let lead = if m == 0 {
                format!(
                    "<td rowspan={nm}>{}</td><td rowspan={nm} class=num>{}</td>",
                    swatch_label(s, &st.label),
                    format_money(st.annual_cost)
                )
            } else {
                String::new()
            };
            let tail = if m == 0 {
                format!("<td rowspan={nm} class=num>{sc_text}</td>")
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<tr>{lead}<td>{}</td><td class=num>{avoided_text}</td><td class=num>{per_unit}</td>\
                 <td class=num>{p95_text}</td>{tail}</tr>",
                escape(&mat.name)
            );
        }
    }
    out.push_str("</tbody></table>");
}

/// The median of a duration that exists only in some futures, with their count:
/// `48 d <span class=ci>(n = 1,234)</span>`, or `- (n = 0)`.
fn median_days_with_n(st: &Stats) -> String {
    let median = st
        .p50
        .map_or_else(|| "-".to_string(), |v| format!("{v:.0} d"));
    format!(
        "{median} <span class=ci>(n = {})</span>",
        group_digits(st.n as u64)
    )
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

fn swatch_label(s: usize, label: &str) -> String {
    format!(
        "<span class=sw style=\"background:{}\"></span>{}",
        strategy_css_color(s),
        escape(label)
    )
}

fn assumptions(scn: &Scenario, out: &mut String) {
    let _ = write!(
        out,
        "<p class=desc>{}</p>",
        super::sources::link_ids(&escape(scn.description.trim()))
            .replace("\n\n", "</p><p class=desc>")
    );
    let base = scn.reference_strategy();
    let cur = escape(&scn.currency);
    let _ = write!(
        out,
        "<h3>Materials</h3><table><thead><tr><th>Material</th><th>Bucket</th>\
         <th>Annual demand</th><th>Working stock</th><th>Stockpile</th><th>Suppliers \
         (share, lead time)</th><th>Shortage cost, {cur}</th></tr></thead><tbody>",
    );
    for (m, info) in scn.materials.iter().enumerate() {
        let p = &base.materials[m];
        let suppliers: Vec<String> = info
            .suppliers
            .iter()
            .zip(&p.suppliers)
            .map(|(si, sp)| {
                format!(
                    "{} {:.0}% ({} d)",
                    escape(&si.country),
                    100.0 * sp.share,
                    sp.lead_time_days
                )
            })
            .collect();
        let _ = write!(
            out,
            "<tr><td><b>{}</b> <span class=id>{}</span></td><td>{}</td><td class=num>{} {}</td>\
             <td class=num>{:.0} d</td><td class=num>{:.0} d</td><td>{}</td><td class=num>{} \
             per {}</td></tr>",
            escape(&info.name),
            escape(&info.id),
            info.bucket.map_or("-", |b| b.as_str()),
            fmt_units(p.daily_demand * 365.0),
            escape(&info.unit),
            p.private_days,
            p.stockpile_days,
            suppliers.join(", "),
            format_money(p.shortage_cost),
            escape(&info.unit)
        );
    }
    out.push_str("</tbody></table>");

    out.push_str(
        "<h3>Shocks</h3><table><thead><tr><th>Shock</th><th>Kind</th><th>How often</th>\
         <th>Duration (days)</th><th>Severity</th><th>Recovery (days)</th><th>Hits</th>\
         </tr></thead><tbody>",
    );
    for sh in &scn.shocks {
        let onset = match &sh.onset {
            Onset::Rate { rate_per_year } => {
                if *rate_per_year > 0.0 {
                    format!(
                        "{rate_per_year} a year (about once in {:.0} years)",
                        1.0 / rate_per_year
                    )
                } else {
                    "never on its own".into()
                }
            }
            Onset::Day { day, probability } => {
                format!("on day {day} with probability {probability}")
            }
            Onset::Never => "only when triggered".into(),
        };
        let mut onset = escape(&onset);
        for t in &sh.triggers {
            let _ = write!(
                onset,
                "<br><span class=id>triggers {} with p = {} after {} d</span>",
                escape(&scn.shocks[t.shock].id),
                t.probability,
                t.lag_days
            );
        }
        let mut hits: Vec<String> = sh
            .supply_targets
            .iter()
            .map(|&(m, s)| {
                format!(
                    "{}.{}",
                    scn.materials[m].id, scn.materials[m].suppliers[s].id
                )
            })
            .collect();
        hits.extend(
            sh.demand_targets
                .iter()
                .map(|&m| format!("demand of {}", scn.materials[m].id)),
        );
        let _ = write!(
            out,
            "<tr><td>{} <span class=id>{}</span></td><td>{}</td><td>{onset}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&sh.label),
            escape(&sh.id),
            sh.kind.as_str(),
            escape(&sh.duration.describe()),
            escape(&sh.severity.describe()),
            escape(&sh.recovery.describe()),
            escape(&hits.join(", "))
        );
    }
    out.push_str("</tbody></table>");

    let _ = write!(
        out,
        "<h3>Strategies</h3><table><thead><tr><th>Strategy</th><th>Annual cost, {cur}</th>\
         <th>Changes from the status quo</th></tr></thead><tbody>",
    );
    for (s, st) in scn.strategies.iter().enumerate() {
        let changes = if st.overrides.is_empty() {
            if s == scn.reference {
                "none (reference)".to_string()
            } else {
                "none".to_string()
            }
        } else {
            st.overrides
                .iter()
                .map(|(k, v)| format!("<code>{} = {}</code>", escape(k), escape(v)))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = write!(
            out,
            "<tr><td>{} <span class=id>{}</span></td><td class=num>{}</td><td>{changes}</td></tr>",
            swatch_label(s, &st.label),
            escape(&st.id),
            format_money(st.annual_cost)
        );
    }
    out.push_str("</tbody></table>");
    out.push_str(&super::sources::sources_html(&super::sources::cited_ids(
        &scn.description,
    )));
}

pub(crate) const CSS: &str = r#"
:root { --muted: #5a5a5a; --rule: #d8d8d8; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #111; margin: 0 auto;
  max-width: 1180px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 34px 0 10px; border-bottom: 2px solid #111; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 22px 0 8px; }
.sub, .desc, figcaption, .ci, .id, footer { color: var(--muted); }
.id { font-size: 12px; }
.ci { font-size: 12px; white-space: nowrap; }
ul.findings li { margin: 6px 0; font-size: 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 8px; text-align: left;
  vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
.sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 6px; vertical-align: baseline; }
figure.chart { margin: 18px 0 28px; }
figure.chart svg { width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { font-size: 13px; margin-top: 4px; }
nav.toc { font-size: 14px; }
nav.toc a { margin-right: 14px; }
footer { border-top: 1px solid var(--rule); margin-top: 40px; padding-top: 10px;
  font-size: 12.5px; }
footer code, code { font-size: 12px; word-break: break-all; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11.5px; }
  h2 { break-after: avoid; }
  figure.chart, table, tr { break-inside: avoid; }
  nav.toc { display: none; }
}
"#;

/// Collects script errors before anything else runs.
pub(crate) const HEAD_SCRIPT: &str = r#"
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push('error: ' + e.message); });
(function () {
  var orig = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
})();
"#;

/// Checks every chart once the page has loaded and records the result in
/// `body[data-check]`.
pub(crate) const CHECK_SCRIPT: &str = r#"
(function () {
  function check() {
    var errors = window.__errors.slice();
    var figs = document.querySelectorAll('figure.chart');
    var want = parseInt(document.body.getAttribute('data-expected-charts'), 10);
    if (figs.length !== want) errors.push('expected ' + want + ' charts, found ' + figs.length);
    for (var i = 0; i < figs.length; i++) {
      var svg = figs[i].querySelector('svg');
      if (!svg) { errors.push(figs[i].id + ': no svg'); continue; }
      var r = svg.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) errors.push(figs[i].id + ': size ' + r.width + 'x' + r.height);
      if (svg.querySelectorAll('text').length === 0) errors.push(figs[i].id + ': no text');
    }
    document.body.setAttribute('data-check', errors.length ? 'fail: ' + errors.join('; ') : 'ok');
  }
  if (document.readyState === 'complete') check(); else window.addEventListener('load', check);
})();
"#;

/// How to read the numbers: the conditional durations and the intervals (also in
/// `docs/model.md`).
pub const NOTES: &str = "Time to survive and recovery exist only in the futures where \
     they happen (a supply loss, a shortfall): their medians are over those futures, with \
     their count n; the recovery shares over 30, 90 and 180 days are of all futures. \
     Intervals are 95% t intervals of the mean over futures, cut to the range the metric \
     can take (0 to 100% for shares of demand, 0 and up for days, units and money), so an \
     interval never shows an impossible value; the cut part held no possible mean.";

/// The whole `report.html`.
pub fn report_html(input: &ReportInput) -> String {
    let data = input.data;
    let sum = &data.summary;
    let info = input.info;
    let mut out = String::with_capacity(1 << 20);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — chokepoint briefing</title><style>{CSS}</style>\
         <script>{HEAD_SCRIPT}</script></head>\n<body data-expected-charts=\"{}\">\n",
        escape(&sum.scenario),
        input.charts.len()
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=sub>Briefing from {} simulated futures of {} days, seed \
         {}, {} strategies compared against <b>{}</b>. Generated by chokepoint {} on {}.</p>\
         </header>",
        escape(&sum.scenario),
        sum.replications,
        sum.horizon_days,
        sum.seed,
        sum.strategies.len(),
        escape(&sum.strategies[data.reference].label),
        escape(&info.chokepoint_version),
        escape(&info.started_at)
    );
    out.push_str(
        "<nav class=toc><a href=\"#findings\">Findings</a><a href=\"#comparison\">Comparison</a>\
         <a href=\"#cost-effectiveness\">Cost-effectiveness</a><a href=\"#charts\">Charts</a>\
         <a href=\"#assumptions\">Assumptions</a><a href=\"#reproduce\">Reproduce</a></nav>\n",
    );
    out.push_str("<section id=findings><h2>Headline findings</h2><ul class=findings>");
    for h in headlines(data) {
        let _ = write!(out, "<li>{h}</li>");
    }
    let _ = writeln!(
        out,
        "</ul><p class=sub>Shortfall: demand not met over the horizon, as % of demand. Every \
         strategy faces the same simulated futures, so differences are paired. Money in {}. \
         {NOTES}</p></section>",
        escape(&sum.currency)
    );
    out.push_str("<section id=comparison><h2>Strategies compared</h2>");
    table_comparison(data, &mut out);
    out.push_str("</section>\n<section id=cost-effectiveness><h2>Cost-effectiveness</h2>");
    table_cost_effectiveness(data, input.scenario, &mut out);
    out.push_str("</section>\n<section id=charts><h2>Charts</h2>");
    for (spec, svg) in input.charts {
        let _ = writeln!(
            out,
            "<figure class=chart id=\"chart-{}\">{}<figcaption>{} — also in \
             <code>charts/{}.svg</code> / <code>.png</code></figcaption></figure>",
            escape(&spec.name),
            svg,
            escape(&spec.title),
            escape(&spec.name)
        );
    }
    out.push_str("</section>\n<section id=assumptions><h2>Assumptions</h2>");
    assumptions(input.scenario, &mut out);
    out.push_str("</section>\n");
    let _ = writeln!(
        out,
        "<footer id=reproduce><b>Reproduce.</b> Command: <code>{}</code><br>chokepoint {}{} · \
         seed {} · replications {} from {} · scenario <code>{}</code> SHA-256 <code>{}</code> · \
         rand {} / rand_distr {} · started {} · {} threads, {:.1} s. Results do not depend on \
         the number of threads.</footer>",
        escape(&info.command_line.join(" ")),
        escape(&info.chokepoint_version),
        info.git_commit
            .as_deref()
            .map_or(String::new(), |c| format!(" (commit {})", escape(c))),
        info.seed,
        info.replications,
        info.first_replication,
        escape(&info.scenario_path),
        escape(&info.scenario_sha256),
        escape(&info.rand_version),
        escape(&info.rand_distr_version),
        escape(&info.started_at),
        info.threads,
        info.wall_time_s
    );
    let _ = write!(out, "<script>{CHECK_SCRIPT}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }

    #[test]
    fn one_in_words() {
        assert_eq!(one_in(0.125, 2000), "1 future in 8");
        assert_eq!(one_in(0.0, 2000), "none of the 2000 futures");
        assert_eq!(one_in(0.75, 2000), "75% of futures");
        assert_eq!(one_in(1.0, 2000), "every future");
        assert_eq!(one_in(0.0005, 2000), "about 1 future in 2,000");
    }
}
