//! The `report.html` page of an explore command (`sweep`, `size`, `sensitivity`,
//! `exposure`): short findings in plain words computed from the numbers, the charts
//! (inline SVG), the key tables and a reproducibility footer, in the layout the run
//! briefing uses (template `explore.html`). Self-contained: no network.
//!
//! Pure functions from results to strings ([`analysis_html`], the `*_findings` and
//! `*_table` helpers), and one thin writer ([`write_analysis_outputs`]) that saves the
//! charts and the page atomically.

use super::{Figure, escape, render};
use crate::charts::explore::{
    AnalysisChart, SizeData, SobolData, SweepData, SweepPoint, TornadoData, metric_words_in,
    render_png, render_svg,
};
use crate::charts::{DEFAULT_SIZE, strategy_css_color};
use crate::explore::exposure::ExposureRow;
use crate::explore::sensitivity::SobolResult;
use crate::explore::target::{Clause, Evaluated, Rule};
use crate::numfmt::money as format_money;
use crate::numfmt::{prose as num, shortest as fmt_num};
use crate::report::{ReportError, write_atomic};
use rayon::prelude::*;
use serde::Serialize;
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

fn num_ci(v: Option<f64>, ci: Option<[f64; 2]>) -> String {
    let mut s = v.map_or("–".into(), num);
    if let Some([a, b]) = ci {
        let _ = write!(s, " [{}, {}]", num(a), num(b));
    }
    s
}

/// A header or body cell of a [`Table`] on the page.
#[derive(Serialize)]
struct Cell<'a> {
    text: &'a str,
    num: bool,
}

/// A row of a [`Table`] on the page.
#[derive(Serialize)]
struct Row<'a> {
    cells: Vec<Cell<'a>>,
    hi: bool,
}

/// A [`Table`] with its heading, as `explore.html` reads it.
#[derive(Serialize)]
struct TableView<'a> {
    heading: &'a str,
    head: Vec<Cell<'a>>,
    rows: Vec<Row<'a>>,
    note: Option<&'a str>,
}

impl<'a> TableView<'a> {
    fn new(heading: &'a str, t: &'a Table) -> Self {
        let cells = |texts: &'a [String]| {
            texts
                .iter()
                .enumerate()
                .map(|(k, text)| Cell {
                    text,
                    num: t.numeric.get(k) == Some(&true),
                })
                .collect()
        };
        TableView {
            heading,
            head: cells(&t.head),
            rows: t
                .rows
                .iter()
                .map(|(row, hi)| Row {
                    cells: cells(row),
                    hi: *hi,
                })
                .collect(),
            note: t.note.as_deref(),
        }
    }
}

/// What `explore.html` (and the layout) reads.
#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    subtitle: &'a str,
    run_report: Option<&'a str>,
    findings: &'a [String],
    warnings: &'a [String],
    figures: Vec<Figure<'a>>,
    tables: Vec<TableView<'a>>,
    command: String,
    version: &'a str,
    seed: Option<u64>,
    replications: Option<u64>,
    scenario_path: &'a str,
    scenario_sha256: &'a str,
    files: Option<String>,
}

/// The whole page: `charts` are `(chart, svg)` pairs in page order.
pub fn analysis_html(page: &AnalysisPage, charts: &[(&AnalysisChart, String)]) -> String {
    let p = &page.provenance;
    let view = PageView {
        title: &page.title,
        subtitle: &page.subtitle,
        run_report: page.run_report.as_deref(),
        findings: &page.findings,
        warnings: &page.warnings,
        figures: charts
            .iter()
            .map(|(c, svg)| Figure {
                name: &c.name,
                title: &c.title,
                svg,
            })
            .collect(),
        tables: page
            .tables
            .iter()
            .map(|(heading, t)| TableView::new(heading, t))
            .collect(),
        command: p.command_line.join(" "),
        version: &p.version,
        seed: p.seed,
        replications: p.replications,
        scenario_path: &p.scenario_path,
        scenario_sha256: &p.scenario_sha256,
        files: (!page.files.is_empty()).then(|| page.files.join(", ")),
    };
    render("explore.html", &view)
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

/// Relative tolerance under which two expected costs tie (float noise of sums of the
/// same amounts).
const COST_TIE_REL: f64 = 1e-9;

/// The cheapest of `pts` by expected total cost, with how many distinct points tie
/// with it; ties go to the smallest values (lexicographic in `--vary` order). Points
/// count as the same when they differ only in paths outside `moved` (indices of the
/// paths that can move the strategy). Points without a cost count as dearest.
pub fn cheapest<'a>(pts: &[&'a SweepPoint], moved: &[usize]) -> Option<(&'a SweepPoint, usize)> {
    let cost = |p: &SweepPoint| p.cost.unwrap_or(f64::INFINITY);
    let min = pts.iter().map(|p| cost(p)).fold(f64::INFINITY, f64::min);
    let mut ties: Vec<&SweepPoint> = pts
        .iter()
        .copied()
        .filter(|p| {
            let c = cost(p);
            c == min || (c - min).abs() <= COST_TIE_REL * min.abs().max(c.abs())
        })
        .collect();
    ties.sort_by(|a, b| {
        a.values
            .iter()
            .zip(&b.values)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut keys: Vec<Vec<u64>> = ties
        .iter()
        .map(|p| moved.iter().map(|&i| p.values[i].to_bits()).collect())
        .collect();
    keys.sort();
    keys.dedup();
    Some((*ties.first()?, keys.len()))
}

/// `path = value` for the paths in `idx`.
fn at_point(paths: &[String], values: &[f64], idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| format!("{} = {}", escape(&paths[i]), pval(values[i])))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A swept value: exact when whole, else 4 significant digits (hypercube values).
fn pval(v: f64) -> String {
    if v.fract() == 0.0 {
        fmt_num(v)
    } else {
        crate::numfmt::sig(v, 4)
    }
}

fn cost_text(p: &SweepPoint) -> String {
    p.cost.map_or("unknown".into(), format_money)
}

/// Findings of a sweep: how the metric moves per strategy, where the target holds and
/// the cheapest point that meets it (by expected total cost), and which strategies the
/// varied paths cannot move (they set a path themselves).
pub fn sweep_findings(d: &SweepData) -> Vec<String> {
    let what = format!(
        "mean {} ({})",
        metric_words_in(&d.metric, &d.currency),
        d.subject
    );
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
        let fixed: Vec<String> = d
            .paths
            .iter()
            .filter_map(|p| {
                se.not_moved_reason(p)
                    .map(|why| format!("{} ({})", escape(p), escape(why)))
            })
            .collect();
        let n_met = pts.iter().filter(|p| p.met == Some(true)).count();
        if fixed.len() == d.paths.len() {
            // Nothing varied for this strategy: one statement, not a trend.
            let p = pts[0];
            let mut s = format!(
                "{sw}{} is not moved by this sweep: {}. Its {} is {} at every point.",
                b(&se.label),
                fixed.join("; "),
                escape(&what),
                num_ci(p.mean, p.ci95)
            );
            if let Some(t) = &d.target {
                let _ = write!(
                    s,
                    " {} {} there.",
                    escape(t),
                    if n_met > 0 { "holds" } else { "does not hold" }
                );
            }
            out.push(s);
            continue;
        }
        let moved: Vec<usize> = (0..d.paths.len())
            .filter(|&i| se.not_moved_reason(&d.paths[i]).is_none())
            .collect();
        let mut s = if d.paths.len() == 1 {
            let mut v = pts.clone();
            v.sort_by(|a, b| a.values[0].total_cmp(&b.values[0]));
            let (a, z) = (v[0], v[v.len() - 1]);
            format!(
                "{sw}Under {}, {} goes from {} at {} = {} to {} at {}.",
                b(&se.label),
                escape(&what),
                num_ci(a.mean, a.ci95),
                escape(&d.paths[0]),
                pval(a.values[0]),
                num_ci(z.mean, z.ci95),
                pval(z.values[0])
            )
        } else {
            // The lowest mean, and where: when several points reach it, say how many and
            // name the cheapest of them (not an arbitrary one).
            let low = pts
                .iter()
                .filter_map(|p| p.mean)
                .fold(f64::INFINITY, f64::min);
            let at_low: Vec<&SweepPoint> = pts
                .iter()
                .copied()
                .filter(|p| p.mean.is_some_and(|m| m <= low + 1e-12 * low.abs()))
                .collect();
            let (best, n_low) = cheapest(&at_low, &moved).expect("non-empty");
            let mut s = format!(
                "{sw}Under {}, the lowest {} is {} at {}",
                b(&se.label),
                escape(&what),
                num_ci(best.mean, best.ci95),
                at_point(&d.paths, &best.values, &moved)
            );
            if n_low > 1 {
                let _ = write!(
                    s,
                    " (reached at {n_low} points; this is the cheapest of them by expected \
                     total cost, {})",
                    cost_text(best)
                );
            }
            s.push('.');
            s
        };
        if !fixed.is_empty() {
            let _ = write!(s, " It is not moved by {}.", fixed.join("; "));
        }
        if let Some(t) = &d.target {
            let meeting: Vec<&SweepPoint> = pts
                .iter()
                .copied()
                .filter(|p| p.met == Some(true))
                .collect();
            match cheapest(&meeting, &moved) {
                None => {
                    let _ = write!(s, " No swept point meets {}.", escape(t));
                }
                Some((c, ties)) => {
                    let _ = write!(
                        s,
                        " {} holds at {n_met} of {} points; the cheapest of them by expected \
                         total cost is {} ({}{}).",
                        escape(t),
                        pts.len(),
                        b(&at_point(&d.paths, &c.values, &moved)),
                        cost_text(c),
                        if ties > 1 {
                            format!("; {ties} points tie at this cost, the smallest is named")
                        } else {
                            String::new()
                        }
                    );
                    if d.paths.len() == 1 {
                        let smallest = meeting
                            .iter()
                            .min_by(|a, b| a.values[0].total_cmp(&b.values[0]))
                            .expect("non-empty");
                        if smallest.values[0] != c.values[0] {
                            let _ = write!(
                                s,
                                " The smallest value meeting it is {} (expected total cost \
                                 {}).",
                                pval(smallest.values[0]),
                                cost_text(smallest)
                            );
                        }
                    }
                }
            }
        }
        out.push(s);
    }
    out
}

/// The sweep's key table: per point and strategy, the metric's mean with its interval,
/// the expected total cost, whether the target holds, and a mark where the strategy is
/// not moved by the varied paths.
pub fn sweep_table(d: &SweepData, max_rows: usize) -> Table {
    let mut head: Vec<String> = d.paths.clone();
    head.push("strategy".into());
    head.push(format!("mean {}", d.metric));
    head.push("95% interval".into());
    head.push("expected total cost".into());
    let mut numeric = vec![true; d.paths.len()];
    numeric.extend([false, true, true, true]);
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
            let mut r: Vec<String> = p
                .values
                .iter()
                .zip(&d.paths)
                .map(|(v, path)| {
                    if se.not_moved_reason(path).is_some() {
                        format!("{} (not moved)", pval(*v))
                    } else {
                        pval(*v)
                    }
                })
                .collect();
            r.push(se.label.clone());
            r.push(p.mean.map_or("–".into(), num));
            r.push(
                p.ci95
                    .map_or("–".into(), |[a, b]| format!("{} – {}", num(a), num(b))),
            );
            r.push(cost_text(p));
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

/// Width of a Sobol interval the report aims for when it suggests a larger N.
pub const SOBOL_TARGET_WIDTH: f64 = 0.1;

/// How a Sobol analysis chose N and what precision it reached, in words: the N given,
/// the runs, the widest intervals, and the N that would bring the widest interval to
/// [`SOBOL_TARGET_WIDTH`] (intervals narrow as 1/√N).
pub fn sobol_precision(r: &SobolResult, replications: Option<u64>) -> String {
    let mut s = format!(
        "N = {} base rows of the Owen-scrambled Sobol design, set with --sobol N ({}): {} \
         runs{}",
        r.n,
        if r.n.is_power_of_two() {
            "a power of two, where the design is balanced"
        } else {
            "not a power of two; 64, 128, 256 … balance the design better"
        },
        r.runs,
        replications.map_or(String::new(), |n| format!(" of {n} futures each"))
    );
    match (r.widest_first_ci, r.widest_total_ci) {
        (Some(f), Some(t)) => {
            let w = f.max(t);
            let _ = write!(
                s,
                ". The widest 95% interval is {} for a first-order index and {} for a total \
                 index",
                num(f),
                num(t)
            );
            if w > SOBOL_TARGET_WIDTH {
                let need = (r.n as f64 * (w / SOBOL_TARGET_WIDTH).powi(2)).ceil() as usize;
                let need = need.next_power_of_two();
                let _ = write!(
                    s,
                    "; intervals narrow as 1/√N, so about N = {need} would bring the widest \
                     to {}",
                    num(SOBOL_TARGET_WIDTH)
                );
            }
            s.push('.');
        }
        _ => s.push_str("; no interval could be computed."),
    }
    s
}

/// Findings of a sensitivity analysis: the path with the largest effect that is
/// distinguishable from noise, the next ones, the paths indistinguishable from noise,
/// and the Sobol ranking (converged rows only) with its precision.
pub fn sensitivity_findings(
    d: &TornadoData,
    sobol: Option<&SobolData>,
    replications: Option<u64>,
) -> Vec<String> {
    let what = format!(
        "mean {} ({})",
        metric_words_in(&d.metric, &d.currency),
        d.subject
    );
    let ranked: Vec<_> = d.rows.iter().filter(|r| r.rank.is_some()).collect();
    let real: Vec<_> = ranked.iter().filter(|r| !r.is_noise()).collect();
    let noise: Vec<_> = ranked.iter().filter(|r| r.is_noise()).collect();
    let mut out = Vec::new();
    if let Some(r) = real.first() {
        let (change, ci) = match (r.diff_ci95, r.low_minus_base_ci95, r.high_minus_base_ci95) {
            (Some(c), _, _) => ("from low to high", Some(c)),
            (None, Some(c), _) => ("from the base to low", Some(c)),
            (None, None, c) => ("from the base to high", c),
        };
        let moves = format!(
            "{} → {}",
            r.metric_low.map_or("–".into(), num),
            r.metric_high.map_or("–".into(), num)
        );
        out.push(format!(
            "The largest effect on {} comes from {}: {moves} when it moves from {} to {} \
             (base {}, where the metric is {}; paired 95% interval of the change {change}: \
             {}).",
            escape(&what),
            b(&r.moved.path),
            r.moved.low.map_or("–".into(), num),
            r.moved.high.map_or("–".into(), num),
            num(r.moved.base),
            r.metric_base.map_or("–".into(), num),
            ci_text(ci)
        ));
        let next: Vec<String> = real
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
    } else if !ranked.is_empty() {
        out.push(format!(
            "No path moves {} by more than noise at ±{}%: every paired 95% interval contains 0.",
            escape(&what),
            num(d.delta * 100.0)
        ));
    } else {
        out.push("No path could be moved (see the notes in sensitivity.csv).".into());
    }
    if !noise.is_empty() {
        let flat = noise.iter().filter(|r| r.swing == Some(0.0)).count();
        let named: Vec<String> = noise
            .iter()
            .filter(|r| r.swing != Some(0.0))
            .take(4)
            .map(|r| escape(&r.moved.path))
            .collect();
        let mut s = format!(
            "{} of {} paths are indistinguishable from noise at ±{}% (their paired 95% \
             intervals contain 0{})",
            noise.len(),
            ranked.len(),
            num(d.delta * 100.0),
            replications.map_or(String::new(), |n| format!(" with {n} futures"))
        );
        if flat > 0 {
            let _ = write!(s, "; {flat} of them do not move the metric at all");
        }
        if !named.is_empty() {
            let _ = write!(s, "; the others include {}", named.join(", "));
        }
        s.push_str(". The chart draws them grey.");
        out.push(s);
    }
    if let Some(sd) = sobol {
        let res = &sd.result;
        match res.rows.iter().find(|r| r.converged) {
            Some(r) => out.push(format!(
                "Sobol indices: {} explains {} of the variance alone (first order) and {} \
                 with its interactions (total).",
                b(&r.input.path),
                num_ci(r.first, r.first_ci95),
                num_ci(r.total, r.total_ci95)
            )),
            None => out.push(format!(
                "Sobol indices did not converge at N = {}: no index is stated; raise N \
                 (--sobol).",
                res.n
            )),
        }
        let bad = res.rows.iter().filter(|r| !r.converged).count();
        if bad > 0 {
            out.push(format!(
                "{bad} of {} Sobol rows are not converged (an index outside [0, 1] or first \
                 order above total beyond noise): they are marked in the table and not \
                 stated as findings; raise N.",
                res.rows.len()
            ));
        }
        out.push(escape(&sobol_precision(res, replications)));
    }
    out
}

/// A paired interval for a table: `lo to hi`.
fn ci_text(ci: Option<[f64; 2]>) -> String {
    ci.map_or("–".into(), |[a, z]| format!("{} to {}", num(a), num(z)))
}

/// The tornado's key table: the ranked paths with their moves, effects and paired
/// intervals, and whether the effect is distinguishable from noise.
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
                    ci_text(r.low_minus_base_ci95),
                    ci_text(r.high_minus_base_ci95),
                    o(r.swing),
                    if r.is_noise() {
                        "no: noise".into()
                    } else {
                        "yes".into()
                    },
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
            "change at low, 95%",
            "change at high, 95%",
            "swing",
            "beyond noise",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![
            true, false, true, true, true, true, true, true, true, true, false,
        ],
        rows,
        note: (ranked.len() > max_rows)
            .then(|| format!("{} more paths in sensitivity.csv", ranked.len() - max_rows)),
    }
}

/// The Sobol indices as a table, with each row's convergence.
pub fn sobol_table(d: &SobolData) -> Table {
    Table {
        head: ["rank", "path", "range", "first order", "total", "converged"]
            .map(String::from)
            .to_vec(),
        numeric: vec![true, false, true, true, true, false],
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
                        r.note.clone().unwrap_or_else(|| "yes".into()),
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
                b(&r.entity.to_string()),
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
            b(&r.entity.to_string()),
            escape(r.material.as_str())
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
                        r.entity.to_string(),
                        r.material.to_string(),
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

    /// A sizing of `p95(shortfall_pct) <= 1` (or `< 1`) whose statistic sits within rounding of the
    /// threshold at several values, judged under `rule`.
    fn near_threshold(rule: Rule, target: &str) -> SizeData {
        use crate::explore::size::{SizePoint, SizeResult};
        let target = crate::explore::target::Target::parse(target).unwrap();
        let c = &target.clauses[0];
        // (value, statistic, interval): every number within 0.5% of the threshold 1.
        let cases = [
            (10.0, 1.004, [0.998, 1.009]),
            (11.0, 1.0, [0.996, 1.003]),
            (12.0, 0.996, [0.991, 1.004]),
            (13.0, 0.9994, [0.995, 0.9996]),
            (14.0, 0.99, [0.985, 0.9951]),
        ];
        let points: Vec<SizePoint> = cases
            .iter()
            .enumerate()
            .map(|(k, &(v, st, ci))| {
                let e = c.judge(Some(st), Some(ci), rule.level(), rule);
                SizePoint {
                    value: v,
                    stage: "scan",
                    order: k,
                    met: e.met,
                    clauses: vec![e],
                }
            })
            .collect();
        let first = points.iter().find(|p| p.met).map(|p| p.value);
        SizeData {
            result: SizeResult {
                path: "material.m.stockpile_days".into(),
                target: target.to_string(),
                rule,
                range: [10.0, 14.0],
                step: 1.0,
                met: first.is_some(),
                value: first,
                at_value: first
                    .and_then(|v| points.iter().find(|p| p.value == v))
                    .map(|p| p.clauses.clone())
                    .unwrap_or_default(),
                bracket: None,
                best: None,
                monotone: false,
                warnings: vec![],
                points,
            },
            target,
            subject: "m".into(),
            strategy: "Status quo".into(),
            currency: "USD".into(),
        }
    }

    /// The numbers of a cell `v [lo, hi]`.
    fn cell_numbers(cell: &str) -> Vec<f64> {
        cell.split(['[', ']', ',', ' '])
            .filter_map(|t| t.trim().parse::<f64>().ok())
            .collect()
    }

    #[test]
    fn size_rows_never_display_numbers_that_read_against_their_verdict() {
        for target in ["p95(shortfall_pct) <= 1", "p95(shortfall_pct) < 1"] {
            for rule in [Rule::Point, Rule::Confidence(0.95)] {
                let d = near_threshold(rule, target);
                let c = &d.target.clauses[0];
                let t = size_table(&d);
                for ((row, _), p) in t.rows.iter().zip(&d.result.points) {
                    let nums = cell_numbers(&row[2]);
                    let met = row[3] == "yes";
                    assert_eq!(met, p.met);
                    // The number the verdict rests on: the point estimate, or the
                    // interval's upper end with confidence.
                    let shown = match rule {
                        Rule::Point => nums[0],
                        Rule::Confidence(_) => nums[2],
                    };
                    assert_eq!(
                        c.op.holds(shown, c.threshold),
                        met,
                        "{target} {rule:?}: row {row:?} shows {shown}"
                    );
                    // And every number shown reads as its exact value does.
                    let e = &p.clauses[0];
                    let exact = [e.value.unwrap(), e.ci.unwrap()[0], e.ci.unwrap()[1]];
                    for (shown, exact) in nums.iter().zip(exact) {
                        assert_eq!(
                            c.op.holds(*shown, c.threshold),
                            c.op.holds(exact, c.threshold),
                            "{target}: {exact} shown as {shown}"
                        );
                    }
                }
                // The findings show the answer's numbers the same way.
                if let Some(e) = d.result.at_value.first() {
                    let text = size_findings(&d, 0.0).join(" ");
                    assert!(text.contains(&escape(&evaluated_text(e, c))), "{text}");
                }
            }
        }
        // Plain rounding would have shown 1.004 as "1.00" (met against <= 1).
        assert_eq!(num(1.004), "1.00");
    }

    #[test]
    fn cheapest_point_breaks_ties_by_value_and_counts_them() {
        let p = |v: f64, cost: f64| SweepPoint {
            values: vec![v, 5.0],
            mean: Some(0.0),
            ci95: None,
            met: Some(true),
            cost: Some(cost),
        };
        let pts = [
            p(30.0, 5.0),
            p(20.0, 3.0),
            p(40.0, 3.0 + 1e-12),
            p(10.0, 4.0),
        ];
        let refs: Vec<&SweepPoint> = pts.iter().collect();
        let (c, ties) = cheapest(&refs, &[0, 1]).unwrap();
        // Not the smallest value meeting the target (10), nor the first listed: the
        // cheapest (20 and 40 tie within float noise; the smaller is named).
        assert_eq!((c.values[0], ties), (20.0, 2));
        // Points that differ only in a path that cannot move the strategy are one point.
        let same = [p(20.0, 3.0), p(20.0, 3.0)];
        let mut second = same[1].clone();
        second.values[1] = 9.0;
        let refs = vec![&same[0], &second];
        assert_eq!(cheapest(&refs, &[0]).unwrap().1, 1);
        assert_eq!(cheapest(&refs, &[0, 1]).unwrap().1, 2);
        assert!(cheapest(&[], &[0]).is_none());
    }

    #[test]
    fn numbers_for_text() {
        assert_eq!(num(87.0), "87");
        assert_eq!(num(0.123), "0.12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1234.4), "1234");
        assert_eq!(num(0.003_14), "0.0031");
        assert_eq!(num(-0.000_5), "-0.0005");
    }
}
