//! The `report.html` page of an analysis command (`sweep`, `size`, `sensitivity`,
//! `exposure`): short findings in plain words computed from the numbers, the charts
//! (inline SVG), the key table and a reproducibility footer, with the run report's CSS
//! and page check script. Self-contained: no network.
//!
//! Pure functions from results to strings ([`analysis_html`], the `*_findings` and
//! `*_table` helpers), and one thin writer ([`write_analysis_outputs`]) that saves the
//! charts and the page atomically.

use super::html::{CHECK_SCRIPT, CSS, HEAD_SCRIPT, escape};
use super::{ReportError, write_atomic};
use crate::analysis::exposure::ExposureRow;
use crate::analysis::fmt_num;
use crate::analysis::target::{Clause, Evaluated, Rule};
use crate::charts::analysis::{
    AnalysisChart, SizeData, SobolData, SweepData, TornadoData, metric_words, render_png,
    render_svg,
};
use crate::charts::{DEFAULT_SIZE, strategy_css_color};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where an analysis came from, for the footer.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Command line, program name first.
    pub command_line: Vec<String>,
    /// chokepoint version.
    pub version: String,
    /// Seed of every evaluation (`None` for deterministic analyses).
    pub seed: Option<u64>,
    /// Futures per evaluation (`None` for deterministic analyses).
    pub replications: Option<u64>,
    /// Scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
}

/// A plain table: header and rows of text (escaped when rendered).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column headers.
    pub head: Vec<String>,
    /// Which columns are numbers (right-aligned).
    pub numeric: Vec<bool>,
    /// Rows; `true` marks a row to highlight (bold).
    pub rows: Vec<(Vec<String>, bool)>,
    /// A line under the table (plain text), e.g. "12 more rows in exposure.csv".
    pub note: Option<String>,
}

/// Everything an analysis page shows, but the charts.
#[derive(Debug, Clone, Default)]
pub struct AnalysisPage {
    /// Page title (`Stockpile sizing — Tutorial`).
    pub title: String,
    /// One line under the title (what was analysed, strategy, futures, seed).
    pub subtitle: String,
    /// Findings, as HTML (build them with [`escape`]d text).
    pub findings: Vec<String>,
    /// Warnings from the analysis (plain text).
    pub warnings: Vec<String>,
    /// Key tables with their headings.
    pub tables: Vec<(String, Table)>,
    /// Files written beside the page (for the "Files" line).
    pub files: Vec<String>,
    /// Link back to the run's report (relative href), when one exists.
    pub run_report: Option<String>,
    /// Provenance for the footer.
    pub provenance: Provenance,
}

/// A number for text: 3 significant figures up to 1000, whole above.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn num_ci(v: Option<f64>, ci: Option<[f64; 2]>) -> String {
    let mut s = v.map_or("–".into(), num);
    if let Some([a, b]) = ci {
        let _ = write!(s, " [{}, {}]", num(a), num(b));
    }
    s
}

fn table_html(t: &Table, out: &mut String) {
    out.push_str("<table><thead><tr>");
    for (k, h) in t.head.iter().enumerate() {
        let cls = if t.numeric.get(k) == Some(&true) {
            " class=num"
        } else {
            ""
        };
        let _ = write!(out, "<th{cls}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for (row, hi) in &t.rows {
        out.push_str(if *hi { "<tr class=hi>" } else { "<tr>" });
        for (k, c) in row.iter().enumerate() {
            let cls = if t.numeric.get(k) == Some(&true) {
                " class=num"
            } else {
                ""
            };
            let _ = write!(out, "<td{cls}>{}</td>", escape(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    if let Some(n) = &t.note {
        let _ = write!(out, "<p class=sub>{}</p>", escape(n));
    }
}

/// The whole page: `charts` are `(chart, svg)` pairs in page order.
pub fn analysis_html(page: &AnalysisPage, charts: &[(&AnalysisChart, String)]) -> String {
    let mut out = String::with_capacity(1 << 18);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — chokepoint</title><style>{CSS}tr.hi td {{ font-weight: 600; }}\
         .warn {{ color: #a33c00; }}</style>\
         <script>{HEAD_SCRIPT}</script></head>\n<body data-expected-charts=\"{}\">\n",
        escape(&page.title),
        charts.len()
    );
    let _ = writeln!(
        out,
        "<header><h1>{}</h1><p class=sub>{}</p></header>",
        escape(&page.title),
        escape(&page.subtitle)
    );
    if let Some(href) = &page.run_report {
        let _ = writeln!(
            out,
            "<p class=sub>Back to the run's briefing: <a href=\"{}\">{}</a></p>",
            escape(href),
            escape(href)
        );
    }
    out.push_str("<section id=findings><h2>Findings</h2><ul class=findings>");
    for f in &page.findings {
        let _ = write!(out, "<li>{f}</li>");
    }
    for w in &page.warnings {
        let _ = write!(out, "<li class=warn>Warning: {}</li>", escape(w));
    }
    out.push_str("</ul></section>\n");
    if !charts.is_empty() {
        out.push_str("<section id=charts><h2>Charts</h2>");
        for (c, svg) in charts {
            let _ = writeln!(
                out,
                "<figure class=chart id=\"chart-{}\">{}<figcaption>{} — also in \
                 <code>charts/{}.svg</code> / <code>.png</code></figcaption></figure>",
                escape(&c.name),
                svg,
                escape(&c.title),
                escape(&c.name)
            );
        }
        out.push_str("</section>\n");
    }
    for (k, (heading, t)) in page.tables.iter().enumerate() {
        let _ = write!(out, "<section id=table-{k}><h2>{}</h2>", escape(heading));
        table_html(t, &mut out);
        out.push_str("</section>\n");
    }
    let p = &page.provenance;
    let mut runs = String::new();
    if let Some(s) = p.seed {
        let _ = write!(runs, " · seed {s}");
    }
    if let Some(n) = p.replications {
        let _ = write!(runs, " · {n} futures per evaluation");
    }
    let _ = writeln!(
        out,
        "<footer id=reproduce><b>Reproduce.</b> Command: <code>{}</code><br>chokepoint {}{runs} \
         · scenario <code>{}</code> SHA-256 <code>{}</code>{}. Results do not depend on the \
         number of threads.</footer>",
        escape(&p.command_line.join(" ")),
        escape(&p.version),
        escape(&p.scenario_path),
        escape(&p.scenario_sha256),
        if page.files.is_empty() {
            String::new()
        } else {
            format!(" · files: {}", escape(&page.files.join(", ")))
        }
    );
    let _ = write!(out, "<script>{CHECK_SCRIPT}</script>\n</body></html>\n");
    out
}

/// Renders `charts` (SVG and PNG, in parallel), writes them to `dir/charts/` and the
/// page to `dir/report.html`, each atomically. Returns the paths written.
///
/// # Errors
/// The first chart that cannot be drawn or file that cannot be written.
pub fn write_analysis_outputs(
    dir: &Path,
    charts: &[AnalysisChart],
    page: &AnalysisPage,
) -> Result<Vec<PathBuf>, ReportError> {
    let rendered: Vec<(String, Vec<u8>)> = charts
        .par_iter()
        .map(|c| Ok((render_svg(c, DEFAULT_SIZE)?, render_png(c, DEFAULT_SIZE)?)))
        .collect::<Result<_, ReportError>>()?;
    let mut written = Vec::new();
    for (c, (svg, png)) in charts.iter().zip(&rendered) {
        for (ext, bytes) in [("svg", svg.as_bytes()), ("png", png.as_slice())] {
            let p = dir.join("charts").join(format!("{}.{ext}", c.name));
            write_atomic(&p, bytes)?;
            written.push(p);
        }
    }
    let inline: Vec<(&AnalysisChart, String)> = charts
        .iter()
        .zip(rendered)
        .map(|(c, (svg, _))| (c, svg))
        .collect();
    let p = dir.join("report.html");
    write_atomic(&p, analysis_html(page, &inline).as_bytes())?;
    written.push(p);
    Ok(written)
}

/// The run report beside an analysis folder (`dir/../report.html`), as a relative link,
/// when it exists.
pub fn run_report_link(dir: &Path) -> Option<String> {
    dir.parent()
        .map(|p| p.join("report.html"))
        .filter(|p| p.is_file())
        .map(|_| "../report.html".to_string())
}

fn b(s: &str) -> String {
    format!("<b>{}</b>", escape(s))
}

// ------------------------------------------------------------ sweep

/// Findings of a sweep: how the metric moves per strategy, and where the target holds.
pub fn sweep_findings(d: &SweepData) -> Vec<String> {
    let what = format!("mean {} ({})", metric_words(&d.metric), d.subject);
    let mut out = Vec::new();
    for se in &d.series {
        let pts: Vec<_> = se.points.iter().filter(|p| p.mean.is_some()).collect();
        if pts.is_empty() {
            continue;
        }
        let sw = format!(
            "<span class=sw style=\"background:{}\"></span>",
            strategy_css_color(se.color)
        );
        if d.paths.len() == 1 {
            let mut v = pts.clone();
            v.sort_by(|a, b| a.values[0].total_cmp(&b.values[0]));
            let (a, z) = (v[0], v[v.len() - 1]);
            let mut s = format!(
                "{sw}Under {}, {} goes from {} at {} = {} to {} at {}.",
                b(&se.label),
                escape(&what),
                num_ci(a.mean, a.ci95),
                escape(&d.paths[0]),
                num(a.values[0]),
                num_ci(z.mean, z.ci95),
                num(z.values[0])
            );
            if let Some(t) = &d.target {
                match v.iter().find(|p| p.met == Some(true)) {
                    Some(p) => {
                        let _ = write!(
                            s,
                            " The smallest swept value meeting {} is {}.",
                            escape(t),
                            b(&num(p.values[0]))
                        );
                    }
                    None => {
                        let _ = write!(s, " No swept value meets {}.", escape(t));
                    }
                }
            }
            out.push(s);
        } else {
            let best = pts
                .iter()
                .min_by(|a, b| a.mean.unwrap_or(0.0).total_cmp(&b.mean.unwrap_or(0.0)))
                .expect("non-empty");
            let at: Vec<String> = d
                .paths
                .iter()
                .zip(&best.values)
                .map(|(p, v)| format!("{} = {}", escape(p), num(*v)))
                .collect();
            let mut s = format!(
                "{sw}Under {}, the lowest {} is {} at {}.",
                b(&se.label),
                escape(&what),
                num_ci(best.mean, best.ci95),
                at.join(", ")
            );
            if let Some(t) = &d.target {
                let n_met = pts.iter().filter(|p| p.met == Some(true)).count();
                let _ = write!(
                    s,
                    " {} holds at {n_met} of {} points.",
                    escape(t),
                    pts.len()
                );
            }
            out.push(s);
        }
    }
    out
}

/// The sweep's key table: per point and strategy, the metric's mean with its interval.
pub fn sweep_table(d: &SweepData, max_rows: usize) -> Table {
    let mut head: Vec<String> = d.paths.clone();
    head.push("strategy".into());
    head.push(format!("mean {}", d.metric));
    head.push("95% interval".into());
    let mut numeric = vec![true; d.paths.len()];
    numeric.extend([false, true, true]);
    if d.target.is_some() {
        head.push("target met".into());
        numeric.push(false);
    }
    let mut rows = Vec::new();
    let total: usize = d.series.iter().map(|s| s.points.len()).sum();
    let npts = d.series.first().map_or(0, |s| s.points.len());
    'outer: for i in 0..npts {
        for se in &d.series {
            let Some(p) = se.points.get(i) else { continue };
            if rows.len() == max_rows {
                break 'outer;
            }
            let mut r: Vec<String> = p.values.iter().map(|v| num(*v)).collect();
            r.push(se.label.clone());
            r.push(p.mean.map_or("–".into(), num));
            r.push(
                p.ci95
                    .map_or("–".into(), |[a, b]| format!("{} – {}", num(a), num(b))),
            );
            if d.target.is_some() {
                r.push(match p.met {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "–".into(),
                });
            }
            rows.push((r, p.met == Some(true)));
        }
    }
    Table {
        note: (total > rows.len())
            .then(|| format!("{} more rows in sweep.csv", total - rows.len())),
        head,
        numeric,
        rows,
    }
}

// ------------------------------------------------------------ size

/// A statistic's value for text, rounded as [`num`] does unless that would read on the
/// other side of `clause`'s threshold than the value itself (see
/// [`Clause::agreeing`]); infinite ends as `−∞`/`∞`.
pub fn num_vs(v: f64, clause: &Clause) -> String {
    if v == f64::INFINITY {
        "∞".into()
    } else if v == f64::NEG_INFINITY {
        "−∞".into()
    } else {
        clause.agreeing(num(v), v)
    }
}

/// `value [lo, hi]` of one evaluated clause, every number read the same way against
/// the threshold as the unrounded value ([`num_vs`]).
pub fn evaluated_text(e: &Evaluated, clause: &Clause) -> String {
    let mut s = e.value.map_or("–".into(), |v| num_vs(v, clause));
    if let Some([a, b]) = e.ci {
        let _ = write!(s, " [{}, {}]", num_vs(a, clause), num_vs(b, clause));
    }
    s
}

/// How a sizing judged its clauses, in words.
pub fn rule_words(rule: Rule) -> String {
    match rule {
        Rule::Point => "judged on the point estimate (95% intervals in brackets)".into(),
        Rule::Confidence(_) => format!(
            "met with {} confidence: the end of the {} interval (in brackets) on the \
             threshold's side must meet it",
            rule.level_pct(),
            rule.level_pct()
        ),
    }
}

/// Findings of a sizing: the answer (or the best value), the statistic there with its
/// interval, the bracket, and how the answer compares with the current value.
pub fn size_findings(d: &SizeData, current: f64) -> Vec<String> {
    let r = &d.result;
    let at: Vec<String> = r
        .at_value
        .iter()
        .zip(&d.target.clauses)
        .map(|(e, c)| {
            let stat = e
                .clause
                .split(['<', '>'])
                .next()
                .unwrap_or(&e.clause)
                .trim();
            format!(
                "{} at that value {}",
                escape(stat),
                escape(&evaluated_text(e, c))
            )
        })
        .collect();
    let val = |v: f64| fmt_num(v);
    let mut out = Vec::new();
    match r.value {
        Some(v) => {
            out.push(format!(
                "The smallest {} meeting {} is {} ({}; strategy {}, {}); {}.",
                escape(&r.path),
                b(&r.target),
                b(&val(v)),
                at.join("; "),
                escape(&d.strategy),
                escape(&d.subject),
                escape(&rule_words(r.rule))
            ));
            if let Some([lo, hi]) = r.bracket {
                out.push(format!(
                    "Not met at {}, met at {}{}.",
                    val(lo),
                    val(hi),
                    if r.monotone {
                        " (bisection over the same simulated futures)"
                    } else {
                        " (the scan is not monotone: no bisection)"
                    }
                ));
            }
            let gap = v - current;
            out.push(if gap > 0.0 {
                format!(
                    "The scenario's current value is {}: {} short of the target.",
                    val(current),
                    val(gap)
                )
            } else {
                format!(
                    "The scenario's current value {} already meets the target (margin {}).",
                    val(current),
                    val(-gap)
                )
            });
        }
        None => {
            out.push(format!(
                "No value of {} in {}..{} meets {} ({}).{}",
                escape(&r.path),
                val(r.range[0]),
                val(r.range[1]),
                b(&r.target),
                escape(&rule_words(r.rule)),
                r.best.map_or(String::new(), |v| format!(
                    " The best value found is {} ({}); widen --range or relax the target.",
                    b(&val(v)),
                    at.join("; ")
                ))
            ));
        }
    }
    out
}

/// The sizing's key table: every value evaluated with its statistics.
pub fn size_table(d: &SizeData) -> Table {
    let mut head = vec!["value".to_string(), "stage".into()];
    let mut numeric = vec![true, false];
    for c in &d.target.clauses {
        head.push(format!("{c}  [{} interval]", d.result.rule.level_pct()));
        numeric.push(true);
    }
    head.push(match d.result.rule {
        Rule::Point => "met (point estimate)".into(),
        Rule::Confidence(_) => format!("met with {} confidence", d.result.rule.level_pct()),
    });
    numeric.push(false);
    let rows = d
        .result
        .points
        .iter()
        .map(|p| {
            let mut r = vec![fmt_num(p.value), p.stage.to_string()];
            r.extend(
                p.clauses
                    .iter()
                    .zip(&d.target.clauses)
                    .map(|(e, c)| evaluated_text(e, c)),
            );
            r.push(if p.met { "yes" } else { "no" }.into());
            (r, Some(p.value) == d.result.value)
        })
        .collect();
    Table {
        head,
        numeric,
        rows,
        note: None,
    }
}

// ------------------------------------------------------------ sensitivity

/// Findings of a sensitivity analysis: the path with the largest effect, the next ones,
/// and the Sobol ranking when computed.
pub fn sensitivity_findings(d: &TornadoData, sobol: Option<&SobolData>) -> Vec<String> {
    let what = format!("mean {} ({})", metric_words(&d.metric), d.subject);
    let ranked: Vec<_> = d.rows.iter().filter(|r| r.rank.is_some()).collect();
    let mut out = Vec::new();
    if let Some(r) = ranked.first() {
        out.push(format!(
            "The largest effect on {} comes from {}: {} when it moves from {} to {} (base {}, \
             where the metric is {}).",
            escape(&what),
            b(&r.moved.path),
            match (r.metric_low, r.metric_high) {
                (Some(a), Some(z)) => format!("{} → {}", num(a), num(z)),
                (a, z) => format!(
                    "{} → {}",
                    a.map_or("–".into(), num),
                    z.map_or("–".into(), num)
                ),
            },
            r.moved.low.map_or("–".into(), num),
            r.moved.high.map_or("–".into(), num),
            num(r.moved.base),
            r.metric_base.map_or("–".into(), num),
        ));
        let next: Vec<String> = ranked
            .iter()
            .skip(1)
            .take(3)
            .map(|r| {
                format!(
                    "{} (swing {})",
                    escape(&r.moved.path),
                    r.swing.map_or("–".into(), num)
                )
            })
            .collect();
        if !next.is_empty() {
            out.push(format!("Next: {}.", next.join("; ")));
        }
        let flat = ranked.iter().filter(|r| r.swing == Some(0.0)).count();
        if flat > 0 {
            out.push(format!(
                "{flat} of {} paths move the metric not at all at ±{}%.",
                ranked.len(),
                num(d.delta * 100.0)
            ));
        }
    } else {
        out.push("No path could be moved (see the notes in sensitivity.csv).".into());
    }
    if let Some(s) = sobol
        && let Some(r) = s.result.rows.first()
    {
        out.push(format!(
            "Sobol indices (N = {}): {} explains {} of the variance alone (first order) and {} \
             with its interactions (total).",
            s.result.n,
            b(&r.input.path),
            num_ci(r.first, r.first_ci95),
            num_ci(r.total, r.total_ci95)
        ));
    }
    out
}

/// The tornado's key table: the ranked paths with their moves and effects.
pub fn tornado_table(d: &TornadoData, max_rows: usize) -> Table {
    let ranked: Vec<_> = d.rows.iter().filter(|r| r.rank.is_some()).collect();
    let o = |v: Option<f64>| v.map_or("–".into(), num);
    let rows = ranked
        .iter()
        .take(max_rows)
        .map(|r| {
            (
                vec![
                    r.rank.unwrap_or(0).to_string(),
                    r.moved.path.clone(),
                    num(r.moved.base),
                    o(r.moved.low),
                    o(r.moved.high),
                    o(r.metric_low),
                    o(r.metric_high),
                    o(r.swing),
                ],
                false,
            )
        })
        .collect();
    Table {
        head: [
            "rank",
            "path",
            "base",
            "low",
            "high",
            "metric at low",
            "metric at high",
            "swing",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![true, false, true, true, true, true, true, true],
        rows,
        note: (ranked.len() > max_rows)
            .then(|| format!("{} more paths in sensitivity.csv", ranked.len() - max_rows)),
    }
}

/// The Sobol indices as a table.
pub fn sobol_table(d: &SobolData) -> Table {
    Table {
        head: ["rank", "path", "range", "first order", "total"]
            .map(String::from)
            .to_vec(),
        numeric: vec![true, false, true, true, true],
        rows: d
            .result
            .rows
            .iter()
            .map(|r| {
                (
                    vec![
                        r.rank.to_string(),
                        r.input.path.clone(),
                        format!("{} – {}", num(r.input.lo), num(r.input.hi)),
                        num_ci(r.first, r.first_ci95),
                        num_ci(r.total, r.total_ci95),
                    ],
                    false,
                )
            })
            .collect(),
        note: None,
    }
}

// ------------------------------------------------------------ exposure

/// Findings of the exposure view: how many nodes are at risk and which, and the
/// shortest time to survive.
pub fn exposure_findings(rows: &[ExposureRow]) -> Vec<String> {
    let risky: Vec<&ExposureRow> = rows.iter().filter(|r| r.at_risk == Some(true)).collect();
    let mut out = Vec::new();
    let names: Vec<String> = risky
        .iter()
        .take(6)
        .map(|r| {
            format!(
                "{} {} (TTS {} d, TTR {} d)",
                r.kind.as_str(),
                b(&r.entity),
                r.tts_days.map_or("–".into(), num),
                r.ttr_days.map_or("–".into(), num)
            )
        })
        .collect();
    out.push(format!(
        "{} of {} nodes have TTS &lt; TTR{}{}",
        risky.len(),
        rows.len(),
        if names.is_empty() {
            ".".to_string()
        } else {
            format!(": {}", names.join("; "))
        },
        if risky.len() > names.len() {
            format!("; and {} more.", risky.len() - names.len())
        } else if names.is_empty() {
            String::new()
        } else {
            ".".into()
        }
    ));
    if let Some(r) = rows.iter().filter(|r| r.tts_days.is_some()).min_by(|a, b| {
        a.tts_days
            .unwrap_or(0.0)
            .total_cmp(&b.tts_days.unwrap_or(0.0))
    }) {
        out.push(format!(
            "The shortest time to survive is {} days, when {} {} ({}) is lost.",
            num(r.tts_days.unwrap_or(0.0)),
            r.kind.as_str(),
            b(&r.entity),
            escape(&r.material)
        ));
    }
    let no_ttr = rows.iter().filter(|r| r.ttr_days.is_none()).count();
    if no_ttr > 0 {
        out.push(format!(
            "{no_ttr} nodes have no time to recover (no shock targets them): give --ttr to \
             judge them."
        ));
    }
    out
}

/// The exposure's key table: the ranked nodes.
pub fn exposure_table(rows: &[ExposureRow]) -> Table {
    let o = |v: Option<f64>| v.map_or("–".into(), num);
    Table {
        head: [
            "rank",
            "kind",
            "entity",
            "material",
            "share lost",
            "TTS, days",
            "TTR, days",
            "shortfall over TTR, %",
            "at risk",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![true, false, false, false, true, true, true, true, false],
        rows: rows
            .iter()
            .map(|r| {
                (
                    vec![
                        r.rank.to_string(),
                        r.kind.as_str().into(),
                        r.entity.clone(),
                        r.material.clone(),
                        format!("{:.0}%", 100.0 * r.share_lost),
                        r.tts_days
                            .map_or_else(|| format!("> {}", r.tts_horizon), num),
                        o(r.ttr_days),
                        o(r.shortfall_pct),
                        match r.at_risk {
                            Some(true) => format!(
                                "at risk (short by {} days)",
                                r.gap_days.map_or("–".into(), num)
                            ),
                            Some(false) => "no".into(),
                            None => "no TTR".into(),
                        },
                    ],
                    r.at_risk == Some(true),
                )
            })
            .collect(),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_is_self_contained_and_escaped() {
        let page = AnalysisPage {
            title: "Sizing <test>".into(),
            subtitle: "sub".into(),
            findings: vec!["The smallest <b>x</b>".into()],
            warnings: vec!["a < b".into()],
            tables: vec![(
                "Values".into(),
                Table {
                    head: vec!["a".into()],
                    numeric: vec![true],
                    rows: vec![(vec!["1 & 2".into()], true)],
                    note: None,
                },
            )],
            files: vec!["size.csv".into()],
            run_report: Some("../report.html".into()),
            provenance: Provenance {
                command_line: vec!["chokepoint".into(), "size".into()],
                version: "0.1.0".into(),
                seed: Some(7),
                replications: Some(50),
                scenario_path: "s.toml".into(),
                scenario_sha256: "abc".into(),
            },
        };
        let html = analysis_html(&page, &[]);
        for n in [
            "Sizing &lt;test&gt;",
            "The smallest <b>x</b>",
            "Warning: a &lt; b",
            "1 &amp; 2",
            "href=\"../report.html\"",
            "seed 7",
            "SHA-256 <code>abc</code>",
            "data-expected-charts=\"0\"",
        ] {
            assert!(html.contains(n), "page lacks {n:?}");
        }
        assert!(!html.contains("src=\"http") && !html.contains("<link"));
    }

    #[test]
    fn numbers_for_text() {
        assert_eq!(num(87.0), "87");
        assert_eq!(num(0.123), "0.12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1234.4), "1234");
    }
}
