//! Charts of the explore commands (`crate::explore`): the sweep (lines with 95% bands for one path, a
//! heatmap with the target contour for a two-path grid, scatters for more paths or a
//! Latin hypercube), sizing (statistic against the parameter, target line, answer), the
//! tornado and Sobol charts of `sensitivity`, and TTS against TTR per node of `exposure`.
//!
//! Pure like the rest of [`crate::charts`]: an [`AnalysisChart`] (plain data, built from
//! the typed results of [`crate::explore`], e.g. [`SweepData::from_sweep`]) becomes an SVG
//! string ([`render_svg`]) or PNG bytes ([`render_png`]). Same page layout, palette and
//! helpers as the run's charts.

// Strategies, points and rows index several parallel arrays at once.
#![allow(clippy::needless_range_loop)]

use super::draw::{Axes, Chart, hollow_square, interval, panel, row_label};
use super::layout::{
    EMPTY, GRID, LegendItem, MUTED, Swatch, bold, fit, font, frame, nice_max, scale, text_at,
    text_width, widen,
};
use super::{ChartError, DrawResult, PALETTE, png_with, strategy_color, svg_with};
use crate::explore::exposure::ExposureRow;
use crate::explore::sensitivity::{OatRow, SobolResult};
use crate::explore::size::SizeResult;
use crate::explore::sweep::{SweepColumn, SweepProblem, SweepResult};
use crate::explore::target::{Op, Rule, Target};
use crate::numfmt::{tick, tick_pct};
use crate::stats::{StatColumn, TotalMetric};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::HashMap;

/// The caption line of an analysis chart: scenario, futures per evaluation, seed.
pub fn caption(scenario: &str, replications: u64, seed: u64) -> String {
    format!(
        "Scenario: {scenario} · {replications} simulated futures per evaluation · seed {seed} \
         (the same futures at every evaluation)"
    )
}

/// A metric name in plain words with its unit, for axis labels (`shortfall_pct` →
/// `shortfall, % of demand`).
pub fn metric_words(metric: &str) -> String {
    match metric {
        "shortfall_pct" => "shortfall, % of demand".into(),
        "shortfall_units" => "shortfall, units".into(),
        "max_daily_shortfall_pct" => "worst daily shortfall, % of demand".into(),
        "days_short" => "days with a shortfall".into(),
        "tts_days" => "time to survive, days".into(),
        "recovery_days" => "recovery time, days".into(),
        "stockpile_min_pct" => "lowest stockpile level, % of target".into(),
        "restock_days" => "days to restock".into(),
        m if m.ends_with("_cost") => format!("{}, money", m.replace('_', " ")),
        m => m.replace('_', " "),
    }
}

/// [`metric_words`] with money metrics labelled in `currency` (`total_cost` →
/// `total cost, JPY`).
pub fn metric_words_in(metric: &str, currency: &str) -> String {
    if metric.ends_with("_cost") {
        format!("{}, {currency}", metric.replace('_', " "))
    } else {
        metric_words(metric)
    }
}

/// The last two segments of a parameter path (`material.ndpr.stockpile_days` →
/// `ndpr.stockpile_days`), for tight labels.
pub fn short_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() <= 2 {
        return path.to_string();
    }
    parts[parts.len() - 2..].join(".")
}

/// One strategy's results along a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSeries {
    /// Strategy label.
    pub label: String,
    /// The strategy's short label (panel titles and labels inside the plot).
    pub short: String,
    /// Colour index (the strategy's index in the scenario, as in the run's charts).
    pub color: usize,
    /// The varied paths that cannot move this strategy's results, each with why (e.g.
    /// "sets this path itself"; see [`crate::explore::sweep::not_moved_by`]).
    pub not_moved_by: Vec<(String, String)>,
    /// The points, in sweep order.
    pub points: Vec<SweepPoint>,
}

impl SweepSeries {
    /// Why path `k` of the sweep cannot move this strategy, if it cannot.
    pub fn not_moved_reason(&self, path: &str) -> Option<&str> {
        self.not_moved_by
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, r)| r.as_str())
    }
}

/// One point of a sweep for one strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The varied paths' values, in `--vary` order.
    pub values: Vec<f64>,
    /// Mean of the metric over the futures.
    pub mean: Option<f64>,
    /// Its 95% interval.
    pub ci95: Option<[f64; 2]>,
    /// Whether the target holds here (`None` without a target).
    pub met: Option<bool>,
    /// Expected total cost of the strategy here (mean `total_cost` of its `total` row:
    /// all materials plus the strategy's fixed cost).
    pub cost: Option<f64>,
}

/// What a sweep chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepData {
    /// The varied paths, in `--vary` order.
    pub paths: Vec<String>,
    /// The metric (a `sweep.csv` metric name).
    pub metric: String,
    /// The material the metric is read for, or `total`.
    pub subject: String,
    /// The target, as text, when one was given.
    pub target: Option<String>,
    /// Horizontal reference lines on the metric's axis (a target clause on its mean):
    /// `(value, label)`.
    pub thresholds: Vec<(f64, String)>,
    /// One series per strategy.
    pub series: Vec<SweepSeries>,
    /// Currency of money metrics (the scenario's `currency`), for labels.
    pub currency: String,
}

impl SweepData {
    /// The chart data of a sweep, from its typed rows (fresh and resumed points alike):
    /// per strategy, the charted metric's mean and 95% interval at every point for the
    /// charted material, whether the target holds there, and the strategy's expected
    /// total cost (`total_cost_mean` of its `total` row). Colours follow each strategy's
    /// place in the full scenario, as in the run's charts.
    pub fn from_sweep(problem: &SweepProblem, result: &SweepResult) -> SweepData {
        let scn = problem.base();
        let view = &problem.view;
        let subject = view.subject.subject_id(scn);
        let all_ids = problem.evaluator().all_strategy_ids();
        let mut series: Vec<SweepSeries> = scn
            .strategies()
            .iter()
            .enumerate()
            .map(|(k, st)| SweepSeries {
                label: st.label.clone(),
                short: st.short_label.clone(),
                color: all_ids.iter().position(|x| *x == st.id).unwrap_or(k),
                not_moved_by: problem.not_moved.get(k).cloned().unwrap_or_default(),
                points: Vec::new(),
            })
            .collect();
        let cost_column = SweepColumn::Stat(TotalMetric::TotalCost.measure(), StatColumn::Mean);
        let costs: HashMap<(usize, &str), f64> = result
            .rows
            .iter()
            .filter(|r| r.material.is_total())
            .filter_map(|r| Some(((r.point, r.strategy.as_str()), r.value(cost_column)?)))
            .collect();
        let column = |stat: StatColumn| SweepColumn::Stat(view.metric, stat);
        let (mean, lo, hi) = (
            column(StatColumn::Mean),
            column(StatColumn::Ci95Lo),
            column(StatColumn::Ci95Hi),
        );
        for row in result.rows.iter().filter(|r| r.material == subject) {
            let Some(k) = scn
                .strategies()
                .iter()
                .position(|s| row.strategy == s.id.as_str())
            else {
                continue;
            };
            series[k].points.push(SweepPoint {
                values: row.values.clone(),
                mean: row.value(mean),
                ci95: row.value(lo).zip(row.value(hi)).map(|(a, b)| [a, b]),
                met: view.met(row),
                cost: costs.get(&(row.point, row.strategy.as_str())).copied(),
            });
        }
        SweepData {
            paths: problem.spec.vary.iter().map(|v| v.path.clone()).collect(),
            metric: view.metric.name().to_string(),
            subject: subject.to_string(),
            target: view.target.as_ref().map(|t| t.to_string()),
            thresholds: view.thresholds(),
            series,
            currency: scn.currency().to_string(),
        }
    }
}

/// What a sizing chart shows: the search result and its target.
#[derive(Debug, Clone)]
pub struct SizeData {
    /// The search result (every evaluated value with its clauses).
    pub result: SizeResult,
    /// The target searched for.
    pub target: Target,
    /// The material the target reads, or `total`.
    pub subject: String,
    /// Strategy label.
    pub strategy: String,
    /// Currency of money metrics (the scenario's `currency`), for labels.
    pub currency: String,
}

/// What a tornado chart shows.
#[derive(Debug, Clone)]
pub struct TornadoData {
    /// One-at-a-time rows in rank order (skipped paths are left out of the chart).
    pub rows: Vec<OatRow>,
    /// The metric whose mean is compared.
    pub metric: String,
    /// The material it is read for, or `total`.
    pub subject: String,
    /// Strategy label.
    pub strategy: String,
    /// The relative move (0.2 = ±20%).
    pub delta: f64,
    /// Most bars drawn.
    pub top: usize,
    /// Currency of money metrics (the scenario's `currency`), for labels.
    pub currency: String,
}

/// What a Sobol chart shows.
#[derive(Debug, Clone)]
pub struct SobolData {
    /// The indices.
    pub result: SobolResult,
    /// The metric whose mean is the output.
    pub metric: String,
    /// The material it is read for, or `total`.
    pub subject: String,
    /// Currency of money metrics (the scenario's `currency`), for labels.
    pub currency: String,
}

/// What an exposure chart shows.
#[derive(Debug, Clone)]
pub struct ExposureData {
    /// The ranked rows.
    pub rows: Vec<ExposureRow>,
    /// Most rows drawn.
    pub top: usize,
}

/// Which analysis chart, with its data.
#[derive(Debug, Clone)]
pub enum AnalysisKind {
    /// One varied path: the metric's mean against the value, per strategy, with bands.
    SweepLines(SweepData),
    /// Two paths on a grid: heatmaps per strategy with the target contour.
    SweepHeatmap(SweepData),
    /// Three or more paths, or a Latin hypercube: scatters against each path.
    SweepScatter(SweepData),
    /// The statistic against the sized parameter.
    Size(SizeData),
    /// One-at-a-time effects, largest first.
    Tornado(TornadoData),
    /// First-order and total Sobol indices.
    Sobol(SobolData),
    /// Time to survive against time to recover per node.
    Exposure(ExposureData),
    /// Features ranked by how they separate the selected futures (`drivers`).
    DriversRanking(DriversData),
    /// PRIM's peeling trajectory and chosen box (`drivers`).
    DriversPeeling(DriversData),
}

/// One analysis chart: file stem, plain-words title, caption line and data.
#[derive(Debug, Clone)]
pub struct AnalysisChart {
    /// File stem (`charts/<name>.svg`, `.png`), also the HTML anchor.
    pub name: String,
    /// Plain-words title.
    pub title: String,
    /// Caption line (see [`caption`]).
    pub caption: String,
    /// What to draw.
    pub kind: AnalysisKind,
}

/// Renders an analysis chart as an SVG document.
///
/// # Errors
/// [`ChartError`] if plotters fails to draw.
pub fn render_svg(chart: &AnalysisChart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_with(&chart.name, size, |root| draw_chart(root, chart))
}

/// Renders an analysis chart as PNG bytes (8-bit RGB).
///
/// # Errors
/// [`ChartError`] if plotters fails to draw or the PNG cannot be encoded.
pub fn render_png(chart: &AnalysisChart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    png_with(&chart.name, size, |root| draw_chart(root, chart))
}

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match &chart.kind {
        AnalysisKind::SweepLines(d) => sweep_lines(root, chart, d),
        AnalysisKind::SweepHeatmap(d) => sweep_heatmap(root, chart, d),
        AnalysisKind::SweepScatter(d) => sweep_scatter(root, chart, d),
        AnalysisKind::Size(d) => size_chart(root, chart, d),
        AnalysisKind::Tornado(d) => tornado(root, chart, d),
        AnalysisKind::Sobol(d) => sobol(root, chart, d),
        AnalysisKind::Exposure(d) => exposure(root, chart, d),
        AnalysisKind::DriversRanking(d) => drivers::ranking(root, chart, d),
        AnalysisKind::DriversPeeling(d) => drivers::peeling(root, chart, d),
    }?;
    root.present()?;
    Ok(())
}

type Body<DB> = Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>;

fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    legend: &[LegendItem],
    notes: &[String],
) -> Body<DB>
where
    DB::ErrorType: 'static,
{
    frame(root, &chart.title, legend, notes, &chart.caption)
}

/// `lo..hi` padded by 5% (a point range gets ±0.5 or ±5%).
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return 0.0..1.0;
    }
    if hi > lo {
        let p = (hi - lo) * 0.05;
        (lo - p)..(hi + p)
    } else {
        let p = (lo.abs() * 0.05).max(0.5);
        (lo - p)..(hi + p)
    }
}

/// A value axis from 0 (or below, for negative values) to a nice bound above `hi`.
fn value_axis(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let top = nice_max(hi * 1.08, 1e-9);
    if lo < 0.0 {
        -nice_max(-lo * 1.08, 1e-9)..top.max(0.0)
    } else {
        0.0..top
    }
}

fn fmt_axis(metric: &str) -> fn(&f64) -> String {
    if metric.ends_with("_pct") {
        |v| tick_pct(*v)
    } else {
        |v| tick(*v)
    }
}

fn dashed<DB: DrawingBackend>(
    chart: &mut super::draw::Chart<'_, DB>,
    pts: Vec<(f64, f64)>,
    c: RGBColor,
    s: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart.draw_series(std::iter::once(DashedPathElement::new(
        pts,
        (10.0 * s) as i32,
        (6.0 * s) as i32,
        c.stroke_width((2.5 * s).max(1.0) as u32),
    )))?;
    Ok(())
}

/// A dashed horizontal reference line at `y` across `xr` in `color`, labelled in `style`
/// (same colour) above its right end, `dx` design units in from the end.
fn threshold<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &mut super::draw::Chart<'_, DB>,
    xr: &std::ops::Range<f64>,
    (y, label): (f64, &str),
    style: TextStyle,
    color: RGBColor,
    dx: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let s = scale(root);
    dashed(c, vec![(xr.start, y), (xr.end, y)], color, s)?;
    let (px, py) = c.backend_coord(&(xr.end, y));
    text_at(
        root,
        label,
        &style.color(&color),
        (px - (dx * s) as i32, py - (6.0 * s) as i32),
        HPos::Right,
        VPos::Bottom,
    )
}

// ------------------------------------------------------------ sweep: one path

fn sweep_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &SweepData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut legend: Vec<LegendItem> = d
        .series
        .iter()
        .map(|se| {
            let col = strategy_color(se.color);
            match se.not_moved_reason(&d.paths[0]) {
                Some(why) => LegendItem::new(format!("{} ({why})", se.label), Swatch::Dashed(col)),
                None => LegendItem::new(se.label.clone(), Swatch::Line(col)),
            }
        })
        .collect();
    legend.push(LegendItem::new(
        "95% interval of the mean",
        Swatch::Fill(MUTED.mix(0.2)),
    ));
    if !d.thresholds.is_empty() {
        // Grey, not a palette colour: strategies own those.
        legend.push(LegendItem::new("target", Swatch::Dashed(MUTED)));
    }
    let notes = vec![format!(
        "Lines: mean of {} ({}) at each value of {}; bands: its 95% interval. Every point \
         sees the same futures.",
        metric_words_in(&d.metric, &d.currency),
        d.subject,
        d.paths[0]
    )];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let xs: Vec<f64> = d
        .series
        .iter()
        .flat_map(|se| se.points.iter().map(|p| p.values[0]))
        .collect();
    let (xlo, xhi) = xs.iter().copied().fold(EMPTY, widen);
    let (ylo, yhi) = d
        .series
        .iter()
        .flat_map(|se| se.points.iter())
        .flat_map(|p| {
            let (a, b) = p
                .ci95
                .map_or((p.mean, p.mean), |c| (Some(c[0]), Some(c[1])));
            [a, b, p.mean]
        })
        .flatten()
        .chain(d.thresholds.iter().map(|t| t.0))
        .fold((0.0, f64::NEG_INFINITY), widen);
    let y_desc = format!(
        "mean {} ({})",
        metric_words_in(&d.metric, &d.currency),
        d.subject
    );
    let x_desc = d.paths[0].clone();
    let mut c = panel(
        &body,
        s,
        "",
        Axes {
            x: padded(xlo, xhi),
            y: value_axis(ylo, yhi.max(0.0)),
            x_desc: &x_desc,
            y_desc: &y_desc,
            y_area: 100.0,
            y_fmt: fmt_axis(&d.metric),
            ..Axes::default()
        },
    )?;
    let xr = padded(xlo, xhi);
    let yr = value_axis(ylo, yhi.max(0.0));
    for (v, label) in &d.thresholds {
        threshold(root, &mut c, &xr, (*v, label), font(s, 16.0), MUTED, 6.0)?;
    }
    // Series the path cannot move are drawn last, so their dashed line stays visible.
    let mut order: Vec<&SweepSeries> = d.series.iter().collect();
    order.sort_by_key(|se| se.not_moved_reason(&d.paths[0]).is_some());
    let mut flat_labels = 0;
    for se in order {
        let col = strategy_color(se.color);
        let mut pts: Vec<&SweepPoint> = se.points.iter().collect();
        pts.sort_by(|a, b| a.values[0].total_cmp(&b.values[0]));
        let band: Vec<(f64, f64, f64)> = pts
            .iter()
            .filter_map(|p| p.ci95.map(|c| (p.values[0], c[0], c[1])))
            .collect();
        if band.len() > 1 {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
            poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
            c.draw_series(std::iter::once(Polygon::new(poly, col.mix(0.18).filled())))?;
        }
        let line: Vec<(f64, f64)> = pts
            .iter()
            .filter_map(|p| p.mean.map(|m| (p.values[0], m)))
            .collect();
        if let Some(why) = se.not_moved_reason(&d.paths[0]) {
            // The path cannot move this strategy: a flat dashed line, labelled, and no
            // dots that would suggest points were varied.
            dashed(&mut c, line.clone(), col, s)?;
            // Labelled in the free space a step above (or below) the line, with a
            // leader, at 60% of the way along: clear of the target's label at the right
            // end and of the lines bunched at the left.
            if let (Some(&(x0, y)), Some(&(x1, _))) = (line.first(), line.last()) {
                let x = x0 + (x1 - x0) * 0.6;
                let span = yr.end - yr.start;
                let step = span * (0.12 + 0.07 * flat_labels as f64);
                let up = y < yr.start + span / 2.0;
                let ly = if up { y + step } else { y - step };
                c.draw_series(std::iter::once(PathElement::new(
                    vec![(x, y), (x, ly)],
                    col.stroke_width((1.5 * s).max(1.0) as u32),
                )))?;
                let (px, py) = c.backend_coord(&(x, ly));
                text_at(
                    root,
                    &fit(
                        root,
                        &format!("{}: {why}", se.short),
                        &bold(s, 15.0),
                        c.backend_coord(&(x1, ly)).0 - px - (8.0 * s) as i32,
                    ),
                    &bold(s, 15.0).color(&super::layout::text_color(col)),
                    (px + (4.0 * s) as i32, py),
                    HPos::Left,
                    if up { VPos::Bottom } else { VPos::Top },
                )?;
                flat_labels += 1;
            }
            continue;
        }
        c.draw_series(std::iter::once(PathElement::new(
            line.clone(),
            col.stroke_width((3.5 * s).max(1.0) as u32),
        )))?;
        c.draw_series(
            line.iter()
                .map(|&p| Circle::new(p, (6.0 * s) as i32, col.filled())),
        )?;
    }
    Ok(())
}

// ------------------------------------------------------------ sweep: heatmap

/// A sequential, colour-blind-safe scale (viridis), `t` in [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [68.0, 1.0, 84.0]),
        (0.25, [59.0, 82.0, 139.0]),
        (0.5, [33.0, 145.0, 140.0]),
        (0.75, [94.0, 201.0, 98.0]),
        (1.0, [253.0, 231.0, 37.0]),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = STOPS.iter().rposition(|(p, _)| *p <= t).unwrap_or(0).min(3);
    let (p0, c0) = STOPS[k];
    let (p1, c1) = STOPS[k + 1];
    let u = (t - p0) / (p1 - p0);
    let ch = |i: usize| (c0[i] + (c1[i] - c0[i]) * u).round() as u8;
    RGBColor(ch(0), ch(1), ch(2))
}

/// Cell edges around sorted distinct values: midpoints, half a gap beyond the ends.
fn edges(vals: &[f64]) -> Vec<f64> {
    if vals.len() == 1 {
        return vec![vals[0] - 0.5, vals[0] + 0.5];
    }
    let n = vals.len();
    let mut e = vec![vals[0] - (vals[1] - vals[0]) / 2.0];
    for w in vals.windows(2) {
        e.push((w[0] + w[1]) / 2.0);
    }
    e.push(vals[n - 1] + (vals[n - 1] - vals[n - 2]) / 2.0);
    e
}

fn distinct(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| a.to_bits() == b.to_bits());
    v
}

/// Every `k`-th of `n` grid values, the fewest skipped so that labels `gap` pixels apart
/// at `step` pixels per value never run together (`need` = widest label plus a margin).
fn tick_stride(step: i32, need: i32) -> usize {
    if step <= 0 {
        return usize::MAX;
    }
    (need.max(1) as usize).div_ceil(step as usize).max(1)
}

/// Tick marks and labels of a heatmap panel at the grid's own values `xs` (bottom) and `ys`
/// (left), the values the sweep evaluated, thinned to every k-th one where a panel is too
/// narrow or short for all of them; `(y0, x0)` are the plot's bottom and left edges.
fn grid_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart<'_, DB>,
    s: f64,
    (xs, ys): (&[f64], &[f64]),
    (y0, x0): (f64, f64),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = font(s, 17.0);
    let mark = (6.0 * s).max(2.0) as i32;
    let axis = MUTED.stroke_width(1);
    let at = |x: f64, y: f64| c.backend_coord(&(x, y));
    let step_of = |v: &[f64], f: &dyn Fn(f64) -> i32| {
        v.windows(2)
            .map(|w| (f(w[1]) - f(w[0])).abs())
            .min()
            .unwrap_or(i32::MAX)
    };
    let x_labels: Vec<String> = xs.iter().map(|&v| tick(v)).collect();
    let widest = x_labels
        .iter()
        .map(|t| text_width(root, t, &style))
        .max()
        .unwrap_or(0);
    let kx = tick_stride(step_of(xs, &|x| at(x, y0).0), widest + (12.0 * s) as i32);
    for (i, (&x, label)) in xs.iter().zip(&x_labels).enumerate() {
        if i % kx != 0 {
            continue;
        }
        let (px, py) = at(x, y0);
        root.draw(&PathElement::new(vec![(px, py), (px, py + mark)], axis))?;
        text_at(
            root,
            label,
            &style,
            (px, py + mark + (2.0 * s) as i32),
            HPos::Center,
            VPos::Top,
        )?;
    }
    let line_h = (17.0 * 1.24 * s) as i32;
    let ky = tick_stride(step_of(ys, &|y| at(x0, y).1), line_h + (6.0 * s) as i32);
    for (j, &y) in ys.iter().enumerate() {
        if j % ky != 0 {
            continue;
        }
        let (px, py) = at(x0, y);
        root.draw(&PathElement::new(vec![(px - mark, py), (px, py)], axis))?;
        text_at(
            root,
            &tick(y),
            &style,
            (px - mark - (3.0 * s) as i32, py),
            HPos::Right,
            VPos::Center,
        )?;
    }
    Ok(())
}

fn sweep_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &SweepData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let has_target = d.target.is_some();
    let mut legend = vec![LegendItem::new(
        format!(
            "colour: mean {} (scale at right)",
            metric_words_in(&d.metric, &d.currency)
        ),
        Swatch::Fill(viridis(0.55).mix(1.0)),
    )];
    if has_target {
        legend.push(LegendItem::new(
            "edge of the region where the target is met (✓ = met)",
            Swatch::Line(RGBColor(0, 0, 0)),
        ));
    }
    let mut notes = vec![format!(
        "Each cell: mean of {} ({}) at one combination of the two paths; darker is higher. {}",
        metric_words_in(&d.metric, &d.currency),
        d.subject,
        match &d.target {
            Some(t) => format!("Target: {t}."),
            None => "Give --target to draw where a target is met.".into(),
        }
    )];
    let ns = d.series.len().min(6);
    if d.series.len() > ns {
        notes.push(format!(
            "The first {ns} of {} strategies are shown; choose others with --strategy.",
            d.series.len()
        ));
    }
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let (bw, _) = body.dim_in_pixel();
    let bar_w = (150.0 * s) as u32;
    let (left, right) = body.split_horizontally(bw.saturating_sub(bar_w));
    let cols = ns.clamp(1, 3);
    let rows = ns.div_ceil(cols).max(1);
    let panels = left.split_evenly((rows, cols));

    let xs = distinct(
        d.series
            .iter()
            .flat_map(|se| se.points.iter().map(|p| p.values[0]))
            .collect(),
    );
    let ys = distinct(
        d.series
            .iter()
            .flat_map(|se| se.points.iter().map(|p| p.values[1]))
            .collect(),
    );
    let (ex, ey) = (edges(&xs), edges(&ys));
    let (vmin, vmax) = d.series[..ns]
        .iter()
        .flat_map(|se| se.points.iter().filter_map(|p| p.mean))
        .fold(EMPTY, widen);
    let (vmin, vmax) = if vmin.is_finite() {
        (vmin, vmax)
    } else {
        (0.0, 1.0)
    };
    let t_of = |v: f64| {
        if vmax > vmin {
            (v - vmin) / (vmax - vmin)
        } else {
            0.5
        }
    };
    // Darker = higher: reversed viridis.
    let color_of = |v: f64| viridis(1.0 - t_of(v));
    let x_desc = d.paths[0].clone();
    let y_desc = d.paths[1].clone();
    for (k, se) in d.series[..ns].iter().enumerate() {
        let area = &panels[k];
        let first_col = k % cols == 0;
        let last_row = k / cols + 1 == rows;
        let n_met = se.points.iter().filter(|p| p.met == Some(true)).count();
        let fixed: Vec<String> = d
            .paths
            .iter()
            .filter(|p| se.not_moved_reason(p).is_some())
            .map(|p| short_path(p))
            .collect();
        let ptitle = match (has_target, fixed.is_empty()) {
            (true, false) => format!(
                "{}: not moved by {}; met at {n_met} of {}",
                se.short,
                fixed.join(", "),
                se.points.len()
            ),
            (false, false) => format!("{}: not moved by {}", se.short, fixed.join(", ")),
            (true, true) => format!("{}: met at {n_met} of {}", se.short, se.points.len()),
            (false, true) => se.short.clone(),
        };
        let mut c = panel(
            area,
            s,
            &ptitle,
            Axes {
                x: ex[0]..ex[ex.len() - 1],
                y: ey[0]..ey[ey.len() - 1],
                x_desc: if last_row { &x_desc } else { "" },
                y_desc: if first_col { &y_desc } else { "" },
                y_area: if first_col { 90.0 } else { 60.0 },
                // Ticks at the grid's own values, drawn below by `grid_ticks`.
                x_ticks: false,
                y_ticks: false,
                ..Axes::default()
            },
        )?;
        grid_ticks(root, &c, s, (&xs, &ys), (ey[0], ex[0]))?;
        let cell = |p: &SweepPoint| {
            let i = xs
                .iter()
                .position(|x| x.to_bits() == p.values[0].to_bits())?;
            let j = ys
                .iter()
                .position(|y| y.to_bits() == p.values[1].to_bits())?;
            Some((i, j))
        };
        let mut met = vec![vec![None; ys.len()]; xs.len()];
        let (x0, _) = c.backend_coord(&(ex[0], ey[0]));
        let (x1, _) = c.backend_coord(&(ex[1], ey[0]));
        let cell_px = x1 - x0;
        for p in &se.points {
            let Some((i, j)) = cell(p) else { continue };
            met[i][j] = p.met;
            let Some(v) = p.mean else { continue };
            c.draw_series(std::iter::once(Rectangle::new(
                [(ex[i], ey[j]), (ex[i + 1], ey[j + 1])],
                color_of(v).filled(),
            )))?;
            if cell_px >= (46.0 * s) as i32 {
                let (px, py) = c.backend_coord(&(xs[i], ys[j]));
                let dark = t_of(v) > 0.45;
                let txt = format!("{}{}", tick(v), if p.met == Some(true) { " ✓" } else { "" });
                text_at(
                    root,
                    &txt,
                    &font(
                        s,
                        if cell_px > (80.0 * s) as i32 {
                            15.0
                        } else {
                            12.0
                        },
                    )
                    .color(if dark { &WHITE } else { &BLACK }),
                    (px, py),
                    HPos::Center,
                    VPos::Center,
                )?;
            }
        }
        // Contour: edges between a met cell and a not-met one.
        if has_target {
            let mut segs: Vec<[(f64, f64); 2]> = Vec::new();
            for i in 0..xs.len() {
                for j in 0..ys.len() {
                    if met[i][j] != Some(true) {
                        continue;
                    }
                    if i + 1 < xs.len() && met[i + 1][j] == Some(false) {
                        segs.push([(ex[i + 1], ey[j]), (ex[i + 1], ey[j + 1])]);
                    }
                    if i > 0 && met[i - 1][j] == Some(false) {
                        segs.push([(ex[i], ey[j]), (ex[i], ey[j + 1])]);
                    }
                    if j + 1 < ys.len() && met[i][j + 1] == Some(false) {
                        segs.push([(ex[i], ey[j + 1]), (ex[i + 1], ey[j + 1])]);
                    }
                    if j > 0 && met[i][j - 1] == Some(false) {
                        segs.push([(ex[i], ey[j]), (ex[i + 1], ey[j])]);
                    }
                }
            }
            for (w, col) in [(9.0, WHITE), (5.0, BLACK)] {
                c.draw_series(segs.iter().map(|sg| {
                    PathElement::new(sg.to_vec(), col.stroke_width((w * s).max(1.0) as u32))
                }))?;
            }
        }
    }
    // Colour bar.
    let (rw, rh) = right.dim_in_pixel();
    let (rw, rh) = (rw as i32, rh as i32);
    let top = (40.0 * s) as i32;
    let bottom = rh - (70.0 * s) as i32;
    let x0 = (20.0 * s) as i32;
    let x1 = x0 + (28.0 * s) as i32;
    let steps = 60;
    for k in 0..steps {
        let ya = top + (bottom - top) * k / steps;
        let yb = top + (bottom - top) * (k + 1) / steps;
        let t = 1.0 - k as f64 / (steps - 1) as f64;
        right.draw(&Rectangle::new(
            [(x0, ya), (x1, yb + 1)],
            viridis(1.0 - t).filled(),
        ))?;
    }
    right.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        MUTED.stroke_width(1),
    ))?;
    let ls = font(s, 15.0);
    let f = fmt_axis(&d.metric);
    for k in 0..=4 {
        let t = k as f64 / 4.0;
        let v = vmin + (vmax - vmin) * t;
        let y = bottom - ((bottom - top) as f64 * t) as i32;
        right.draw_text(&f(&v), &ls, (x1 + (6.0 * s) as i32, y - (8.0 * s) as i32))?;
    }
    let _ = rw;
    right.draw_text(
        "mean",
        &font(s, 15.0).color(&MUTED),
        (x0, top - (26.0 * s) as i32),
    )?;
    Ok(())
}

// ------------------------------------------------------------ sweep: scatter

fn sweep_scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &SweepData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut legend: Vec<LegendItem> = d
        .series
        .iter()
        .map(|se| {
            let fixed: Vec<String> = d
                .paths
                .iter()
                .filter(|p| se.not_moved_reason(p).is_some())
                .map(|p| short_path(p))
                .collect();
            let label = if fixed.is_empty() {
                se.label.clone()
            } else {
                format!("{} (not moved by {})", se.label, fixed.join(", "))
            };
            LegendItem::new(label, Swatch::Dot(strategy_color(se.color)))
        })
        .collect();
    if d.target.is_some() {
        legend.push(LegendItem::new(
            "hollow: target not met",
            Swatch::Square(MUTED),
        ));
    }
    let notes = vec![format!(
        "Each dot: mean of {} ({}) at one sampled point, placed by the value of one path; the \
         other paths vary at the same time, so the spread at one value shows their effect.",
        metric_words_in(&d.metric, &d.currency),
        d.subject
    )];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let np = d.paths.len().min(6);
    let cols = np.clamp(1, 3);
    let rows = np.div_ceil(cols);
    let panels = body.split_evenly((rows, cols));
    let (ylo, yhi) = d
        .series
        .iter()
        .flat_map(|se| se.points.iter().filter_map(|p| p.mean))
        .fold((0.0, f64::NEG_INFINITY), widen);
    let y_desc = format!("mean {}", metric_words_in(&d.metric, &d.currency));
    for k in 0..np {
        let (lo, hi) = d
            .series
            .iter()
            .flat_map(|se| se.points.iter().map(|p| p.values[k]))
            .fold(EMPTY, widen);
        let mut c = panel(
            &panels[k],
            s,
            &short_path(&d.paths[k]),
            Axes {
                x: padded(lo, hi),
                y: value_axis(ylo, yhi.max(0.0)),
                x_desc: &d.paths[k],
                y_desc: if k % cols == 0 { &y_desc } else { "" },
                y_area: if k % cols == 0 { 90.0 } else { 60.0 },
                y_fmt: fmt_axis(&d.metric),
                ..Axes::default()
            },
        )?;
        for se in &d.series {
            let col = strategy_color(se.color);
            for p in &se.points {
                let Some(m) = p.mean else { continue };
                let style = if p.met == Some(false) {
                    col.stroke_width((2.0 * s).max(1.0) as u32)
                } else {
                    col.mix(0.85).filled()
                };
                c.draw_series(std::iter::once(Circle::new(
                    (p.values[k], m),
                    (6.0 * s) as i32,
                    style,
                )))?;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ size

/// `v` to 2 significant digits, for chart text.
fn round_sig(v: f64) -> f64 {
    crate::numfmt::sig(v, 2).parse().unwrap_or(v)
}

/// One evaluated value of a sizing: value, statistic, its interval, met.
type SizeMark = (f64, Option<f64>, Option<[f64; 2]>, bool);

fn op_words(op: Op) -> &'static str {
    match op {
        Op::Le => "≤",
        Op::Lt => "<",
        Op::Ge => "≥",
        Op::Gt => ">",
    }
}

fn size_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &SizeData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (met_c, not_c, line_c) = (PALETTE[3], PALETTE[4], PALETTE[5]);
    let r = &d.result;
    let (met_l, not_l) = match r.rule {
        Rule::Point => (
            "target met (filled dot)".to_string(),
            "not met (hollow square)".to_string(),
        ),
        Rule::Confidence(_) => (
            format!("met with {} confidence (filled dot)", r.rule.level_pct()),
            "not met with that confidence (hollow square)".to_string(),
        ),
    };
    let legend = vec![
        LegendItem::new(met_l, Swatch::Dot(met_c)),
        LegendItem::new(not_l, Swatch::Square(not_c)),
        LegendItem::new("target threshold", Swatch::Dashed(MUTED)),
        LegendItem::new(
            if r.met {
                "smallest value meeting the target"
            } else {
                "best value found (target not met)"
            },
            Swatch::Line(line_c),
        ),
    ];
    let rule = match r.rule {
        Rule::Point => "met = the point estimate meets the threshold".to_string(),
        Rule::Confidence(_) => format!(
            "met = the interval's end on the threshold's side meets it ({} confidence)",
            r.rule.level_pct()
        ),
    };
    let notes = vec![
        format!(
            "Every value evaluated ({} in all: a coarse scan, then bisection), each with its {} \
             interval; {rule}.",
            r.points.len(),
            r.rule.level_pct(),
        ),
        format!(
            "Strategy {}, {}. Target: {}.",
            d.strategy, d.subject, r.target
        ),
    ];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let nc = d.target.clauses.len().max(1);
    let key = r.value.or(r.best);
    let full = padded(r.range[0], r.range[1]);
    // A second row zooms in between the scanned values around the answer when they are
    // close together, so the bisection's values are not drawn on top of each other.
    let zoom = key.and_then(|v| {
        let scans: Vec<f64> = r
            .points
            .iter()
            .filter(|p| p.stage == "scan")
            .map(|p| p.value)
            .collect();
        let lo = scans
            .iter()
            .copied()
            .filter(|&x| x < v)
            .fold(r.range[0], f64::max);
        let hi = scans
            .iter()
            .copied()
            .filter(|&x| x > v)
            .fold(r.range[1], f64::min);
        let inside = r
            .points
            .iter()
            .filter(|p| p.value >= lo && p.value <= hi)
            .count();
        (inside >= 3 && hi - lo < 0.35 * (r.range[1] - r.range[0])).then_some((lo, hi))
    });
    let mut rows: Vec<(std::ops::Range<f64>, String)> = vec![(full, "every value tried".into())];
    if let Some((lo, hi)) = zoom {
        rows.push((
            padded(lo, hi),
            format!("near the answer: {} to {}", tick(lo), tick(hi)),
        ));
    }
    let panels = body.split_evenly((rows.len(), nc));
    for (row, (xr, row_title)) in rows.iter().enumerate() {
        for (k, clause) in d.target.clauses.iter().enumerate() {
            let stat_name = match &clause.metric {
                Some(m) => format!("{}({m})", clause.stat.name()),
                None => clause.stat.name(),
            };
            let title = match (nc > 1, rows.len() > 1) {
                (true, true) => format!("{stat_name}, {row_title}"),
                (true, false) => stat_name,
                (false, true) => row_title.clone(),
                (false, false) => String::new(),
            };
            let vals: Vec<SizeMark> = r
                .points
                .iter()
                .filter(|p| p.value >= xr.start && p.value <= xr.end)
                .filter_map(|p| {
                    let e = p.clauses.get(k)?;
                    Some((p.value, e.value, e.ci, p.met))
                })
                .collect();
            size_panel(
                root,
                &panels[row * nc + k],
                s,
                d,
                clause,
                &vals,
                (xr.clone(), &title, row + 1 == rows.len()),
                key,
                (met_c, not_c, line_c),
            )?;
        }
    }
    Ok(())
}

/// One panel of the sizing chart: the values `vals` of one clause over `xr`.
#[allow(clippy::too_many_arguments)]
fn size_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    s: f64,
    d: &SizeData,
    clause: &crate::explore::target::Clause,
    vals: &[SizeMark],
    (xr, title, last_row): (std::ops::Range<f64>, &str, bool),
    key: Option<f64>,
    (met_c, not_c, line_c): (RGBColor, RGBColor, RGBColor),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let r = &d.result;
    let (ylo, yhi) = vals
        .iter()
        .flat_map(|v| [v.1, v.2.map(|c| c[0]), v.2.map(|c| c[1])])
        .flatten()
        .filter(|v| v.is_finite())
        .chain(std::iter::once(clause.threshold))
        .fold((0.0, f64::NEG_INFINITY), widen);
    let y_desc = match &clause.metric {
        Some(m) => format!(
            "{} of {}",
            clause.stat.name(),
            metric_words_in(m.name(), &d.currency)
        ),
        None => "autonomy (share of futures with no shortfall)".into(),
    };
    let x_desc = r.path.clone();
    let is_pct = clause.metric.is_some_and(|m| m.name().ends_with("_pct"));
    let yr = value_axis(ylo, yhi.max(0.0));
    let mut c = panel(
        area,
        s,
        title,
        Axes {
            x: xr.clone(),
            y: yr.clone(),
            x_desc: if last_row { &x_desc } else { "" },
            y_desc: &y_desc,
            y_area: 100.0,
            y_fmt: if is_pct {
                |v| tick_pct(*v)
            } else {
                |v| tick(*v)
            },
            ..Axes::default()
        },
    )?;
    let label = format!(
        "target: {} {}{}",
        op_words(clause.op),
        tick(clause.threshold),
        if is_pct { "%" } else { "" }
    );
    let t = (clause.threshold, label.as_str());
    threshold(root, &mut c, &xr, t, bold(s, 16.0), MUTED, 8.0)?;
    if let Some(v) = key.filter(|v| xr.contains(v)) {
        c.draw_series(std::iter::once(PathElement::new(
            vec![(v, yr.start), (v, yr.end)],
            line_c.stroke_width((2.5 * s).max(1.0) as u32),
        )))?;
        let (px, py) = c.backend_coord(&(v, yr.end));
        let label = if r.met {
            format!("answer: {}", tick(v))
        } else {
            format!("best: {}", tick(v))
        };
        let mid = c.backend_coord(&((xr.start + xr.end) / 2.0, yr.end)).0;
        let (x, h) = if px > mid {
            (px - (8.0 * s) as i32, HPos::Right)
        } else {
            (px + (8.0 * s) as i32, HPos::Left)
        };
        text_at(
            root,
            &label,
            &bold(s, 18.0).color(&line_c),
            (x, py + (6.0 * s) as i32),
            h,
            VPos::Top,
        )?;
    }
    let cap = (xr.end - xr.start) * 0.004;
    for (x, v, ci, met) in vals {
        if let Some([lo, hi]) = ci {
            // An unbounded end (too few futures for that quantile) reaches the edge.
            let (lo, hi) = (&lo.max(yr.start), &hi.min(yr.end));
            let col = if *met { met_c } else { not_c };
            let sw = (2.0 * s).max(1.0) as u32;
            c.draw_series([
                PathElement::new(vec![(*x, *lo), (*x, *hi)], col.stroke_width(sw)),
                PathElement::new(vec![(x - cap, *lo), (x + cap, *lo)], col.stroke_width(sw)),
                PathElement::new(vec![(x - cap, *hi), (x + cap, *hi)], col.stroke_width(sw)),
            ])?;
        }
        let Some(v) = v else { continue };
        let (qx, qy) = c.backend_coord(&(*x, *v));
        let h = (7.0 * s) as i32;
        if *met {
            root.draw(&Circle::new((qx, qy), h, met_c.filled()))?;
        } else {
            hollow_square(root, (qx, qy), h, not_c, (2.5 * s).max(1.0) as u32)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ tornado

/// The untitled panel of a chart with `n` labelled rows (row `k` from the top at
/// `y = n - 1 - k`): x ticks only, a `label_area` (design units) wide label column on the
/// left. Returns the chart and the pixel width a row label may take.
fn row_panel<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    s: f64,
    x: std::ops::Range<f64>,
    n: f64,
    x_desc: &str,
    label_area: f64,
    x_fmt: fn(&f64) -> String,
) -> Result<(super::draw::Chart<'a, DB>, i32), Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let c = panel(
        body,
        s,
        "",
        Axes {
            x,
            y: -0.6..(n - 0.4),
            x_desc,
            y_ticks: false,
            y_area: label_area,
            x_fmt,
            ..Axes::default()
        },
    )?;
    Ok((c, ((label_area - 20.0) * s) as i32))
}

/// The whisker of one tornado bar: the paired 95% interval of the change, placed
/// around the bar's end `m` (the change's mean `d` sits at `m`); it is an interval of
/// the metric's mean there, so it stops at 0 for a non-negative metric (`floor`).
fn whisker(m: f64, d: Option<f64>, ci: Option<[f64; 2]>, floor: f64) -> Option<(f64, f64)> {
    let (d, [lo, hi]) = (d?, ci?);
    Some(((m + lo - d).max(floor), (m + hi - d).max(floor)))
}

fn tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &TornadoData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (down_c, up_c, noise_c) = (PALETTE[5], PALETTE[1], RGBColor(190, 190, 190));
    let rows: Vec<&OatRow> = d
        .rows
        .iter()
        .filter(|r| r.rank.is_some())
        .take(d.top)
        .collect();
    let base = d.rows.iter().find_map(|r| r.metric_base);
    let mut legend = vec![
        LegendItem::new(
            format!("path moved down {}%", tick(d.delta * 100.0)),
            Swatch::Fill(down_c.mix(0.85)),
        ),
        LegendItem::new(
            format!("path moved up {}%", tick(d.delta * 100.0)),
            Swatch::Fill(up_c.mix(0.85)),
        ),
        LegendItem::new("paired 95% interval", Swatch::Line(RGBColor(0, 0, 0))),
    ];
    let n_noise = rows.iter().filter(|r| r.is_noise()).count();
    if n_noise > 0 {
        legend.push(LegendItem::new(
            "indistinguishable from noise",
            Swatch::Fill(noise_c.mix(1.0)),
        ));
    }
    legend.push(LegendItem::new("base value", Swatch::Line(MUTED)));
    let ranked = d.rows.iter().filter(|r| r.rank.is_some()).count();
    let notes = vec![
        format!(
            "Bars: mean {} ({}, strategy {}) when one path moves, all else at its base; the \
             path's values are at the bar ends. Top {} of {ranked} paths.",
            metric_words_in(&d.metric, &d.currency),
            d.subject,
            d.strategy,
            rows.len()
        ),
        if n_noise > 0 {
            "Whiskers: paired 95% interval of the change (same futures at every run). Grey: \
             every interval contains 0, so the effect cannot be told from noise."
                .to_string()
        } else {
            "Whiskers: paired 95% interval of the change (same futures at every run). Every \
             path shown has an effect beyond noise."
                .to_string()
        },
    ];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    // Every metric of MODEL.md §5 is non-negative: then no whisker goes below 0.
    let floor = if rows
        .iter()
        .flat_map(|r| [r.metric_low, r.metric_base, r.metric_high])
        .flatten()
        .all(|v| v >= 0.0)
    {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| {
            let wl = r
                .metric_low
                .and_then(|m| whisker(m, r.low_minus_base, r.low_minus_base_ci95, floor));
            let wh = r
                .metric_high
                .and_then(|m| whisker(m, r.high_minus_base, r.high_minus_base_ci95, floor));
            [
                r.metric_low,
                r.metric_high,
                r.metric_base,
                wl.map(|w| w.0),
                wl.map(|w| w.1),
                wh.map(|w| w.0),
                wh.map(|w| w.1),
            ]
        })
        .flatten()
        .filter(|v| v.is_finite())
        .fold(EMPTY, widen);
    let n = rows.len().max(1) as f64;
    let x_desc = format!(
        "mean {} ({})",
        metric_words_in(&d.metric, &d.currency),
        d.subject
    );
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    let xr = if lo.is_finite() {
        // Room for the labels at both ends, but no negative axis for a metric that
        // cannot be negative (beyond the left labels' room).
        let left = lo - span * 0.12;
        (if floor == 0.0 && lo >= 0.0 {
            left.max(-span * 0.12)
        } else {
            left
        })..(hi + span * 0.12)
    } else {
        0.0..1.0
    };
    let x_fmt: fn(&f64) -> String = match (floor == 0.0, d.metric.ends_with("_pct")) {
        // No tick labels below 0 for a non-negative metric (the room is for labels).
        (true, true) => |v| {
            if *v < 0.0 {
                String::new()
            } else {
                tick_pct(*v)
            }
        },
        (true, false) => |v| if *v < 0.0 { String::new() } else { tick(*v) },
        _ => fmt_axis(&d.metric),
    };
    let (mut c, label_w) = row_panel(&body, s, xr.clone(), n, &x_desc, 400.0, x_fmt)?;
    let bar_h = 0.34;
    let ls = font(s, 16.0);
    let vs = font(s, 14.0).color(&MUTED);
    let sw = (2.0 * s).max(1.0) as u32;
    for (k, r) in rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        let b = r.metric_base.or(base).unwrap_or(0.0);
        let noise = r.is_noise();
        row_label(root, &c, &r.moved.path, &ls, (xr.start, y), label_w, s)?;
        for (m, v, dm, ci, col, side) in [
            (
                r.metric_low,
                r.moved.low,
                r.low_minus_base,
                r.low_minus_base_ci95,
                down_c,
                0,
            ),
            (
                r.metric_high,
                r.moved.high,
                r.high_minus_base,
                r.high_minus_base_ci95,
                up_c,
                1,
            ),
        ] {
            let (Some(m), Some(v)) = (m, v) else { continue };
            // Down above, up below the row centre, so equal moves do not hide each other.
            let (ya, yb) = if side == 0 {
                (y, y + bar_h)
            } else {
                (y - bar_h, y)
            };
            let fill = if noise { noise_c } else { col };
            c.draw_series(std::iter::once(Rectangle::new(
                [(b.min(m), ya), (b.max(m), yb)],
                fill.mix(0.85).filled(),
            )))?;
            let ym = (ya + yb) / 2.0;
            let w = whisker(m, dm, ci, floor);
            if let Some((wl, wh)) = w {
                interval(&mut c, wl, wh, ym, bar_h * 0.25, BLACK, sw)?;
            }
            // The label sits beyond the bar end or its whisker, whichever is further out.
            let outer = match w {
                Some((wl, _)) if m < b => m.min(wl),
                Some((_, wh)) => m.max(wh),
                None => m,
            };
            let (px, py) = c.backend_coord(&(outer, ym));
            let (x, h) = if m < b {
                (px - (5.0 * s) as i32, HPos::Right)
            } else {
                (px + (5.0 * s) as i32, HPos::Left)
            };
            let text = if noise {
                format!("at {} · noise", tick(v))
            } else {
                format!("at {}", tick(v))
            };
            text_at(root, &text, &vs, (x, py), h, VPos::Center)?;
        }
    }
    if let Some(b) = base {
        c.draw_series(std::iter::once(PathElement::new(
            vec![(b, -0.6), (b, n - 0.4)],
            MUTED.stroke_width((2.0 * s).max(1.0) as u32),
        )))?;
        let (px, py) = c.backend_coord(&(b, n - 0.4));
        text_at(
            root,
            &format!("base: {}", tick(b)),
            &bold(s, 15.0),
            (px, py - (4.0 * s) as i32),
            HPos::Center,
            VPos::Bottom,
        )?;
    }
    Ok(())
}

// ------------------------------------------------------------ Sobol

fn sobol<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &SobolData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (first_c, total_c, bad_c) = (PALETTE[5], PALETTE[1], RGBColor(190, 190, 190));
    let mut legend = vec![
        LegendItem::new("first-order index (alone)", Swatch::Fill(first_c.mix(0.85))),
        LegendItem::new(
            "total index (with interactions)",
            Swatch::Fill(total_c.mix(0.85)),
        ),
        LegendItem::new("95% bootstrap interval", Swatch::Line(RGBColor(0, 0, 0))),
    ];
    let bad = d.result.rows.iter().filter(|r| !r.converged).count();
    if bad > 0 {
        legend.push(LegendItem::new(
            "not converged: raise N",
            Swatch::Fill(RGBColor(190, 190, 190).mix(1.0)),
        ));
    }
    let notes = vec![
        format!(
            "Share of the variance of mean {} ({}) explained by each path over its range: \
             Owen-scrambled Sobol design, N = {} ({} runs); first order Saltelli 2010, total \
             Jansen 1999.",
            metric_words_in(&d.metric, &d.currency),
            d.subject,
            d.result.n,
            d.result.runs
        ),
        format!(
            "Widest interval: {} (first order), {} (total). {}",
            d.result
                .widest_first_ci
                .map_or("–".into(), |w| tick(round_sig(w))),
            d.result
                .widest_total_ci
                .map_or("–".into(), |w| tick(round_sig(w))),
            if bad > 0 {
                "Grey rows (index outside [0, 1] or first order above total, beyond noise) \
                 are not converged: raise N."
            } else {
                "Every row converged (indices in [0, 1], first order not above total, up to \
                 noise)."
            }
        ),
    ];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let rows = &d.result.rows;
    let n = rows.len().max(1) as f64;
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| {
            [
                r.first,
                r.total,
                r.first_ci95.map(|c| c[0]),
                r.first_ci95.map(|c| c[1]),
                r.total_ci95.map(|c| c[0]),
                r.total_ci95.map(|c| c[1]),
            ]
        })
        .flatten()
        .fold((0.0, 1.0), widen);
    let xr = (lo.min(0.0) - 0.02)..(hi * 1.04);
    let x_desc = "Sobol index (share of variance)";
    let (mut c, label_w) = row_panel(&body, s, xr.clone(), n, x_desc, 400.0, |v| tick(*v))?;
    c.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.6), (0.0, n - 0.4)],
        MUTED.stroke_width(1),
    )))?;
    let ls = font(s, 16.0);
    let sw = (2.0 * s).max(1.0) as u32;
    for (k, r) in rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        row_label(
            root,
            &c,
            &format!(
                "{} ({}–{})",
                r.input.path,
                tick(r.input.lo),
                tick(r.input.hi)
            ),
            &ls,
            (xr.start, y),
            label_w,
            s,
        )?;
        let (first_c, total_c) = if r.converged {
            (first_c, total_c)
        } else {
            (bad_c, bad_c)
        };
        if !r.converged {
            let (px, py) = c.backend_coord(&(xr.end, y));
            text_at(
                root,
                "not converged: raise N",
                &font(s, 14.0).color(&MUTED),
                (px - (6.0 * s) as i32, py),
                HPos::Right,
                VPos::Center,
            )?;
        }
        for (v, ci, col, ya, yb) in [
            (r.first, r.first_ci95, first_c, y + 0.02, y + 0.36),
            (r.total, r.total_ci95, total_c, y - 0.36, y - 0.02),
        ] {
            if let Some(v) = v {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, ya), (v, yb)],
                    col.mix(0.85).filled(),
                )))?;
            }
            if let Some([a, b]) = ci {
                interval(&mut c, a, b, (ya + yb) / 2.0, 0.08, BLACK, sw)?;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ exposure

fn exposure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &ExposureData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (risk_c, ok_c, ttr_c) = (PALETTE[4], PALETTE[5], RGBColor(120, 120, 120));
    let rows: Vec<&ExposureRow> = d.rows.iter().take(d.top).collect();
    let legend = vec![
        LegendItem::new(
            "time to survive (TTS), at risk: TTS < TTR",
            Swatch::Fill(risk_c.mix(0.9)),
        ),
        LegendItem::new("TTS, covered", Swatch::Fill(ok_c.mix(0.75))),
        LegendItem::new(
            "no shortfall in the days simulated",
            Swatch::Fill(ok_c.mix(0.25)),
        ),
        LegendItem::new("time to recover (TTR)", Swatch::Fill(ttr_c.mix(0.6))),
    ];
    let at_risk = d.rows.iter().filter(|r| r.at_risk == Some(true)).count();
    let mut notes = vec![format!(
        "Each node lost entirely from day 0, no other shock, no demand noise. TTS: days until \
         the first shortfall; TTR: the time it takes to come back. {at_risk} of {} nodes are at \
         risk.",
        d.rows.len()
    )];
    if d.rows.len() > rows.len() {
        notes.push(format!(
            "The {} most exposed of {} nodes are shown; all are in exposure.csv.",
            rows.len(),
            d.rows.len()
        ));
    }
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let n = rows.len().max(1) as f64;
    let xmax = nice_max(
        rows.iter()
            .flat_map(|r| {
                [
                    Some(r.tts_days.unwrap_or(f64::from(r.tts_horizon))),
                    r.ttr_days,
                ]
            })
            .flatten()
            .fold(0.0, f64::max)
            * 1.25,
        10.0,
    );
    let x_desc = "days from the loss";
    let (mut c, label_w) = row_panel(&body, s, 0.0..xmax, n, x_desc, 330.0, |v| tick(*v))?;
    let fs = if rows.len() > 16 { 14.0 } else { 16.0 };
    let ls = font(s, fs);
    let vs = font(s, fs - 1.0);
    for (k, r) in rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        let name = format!("{} {} ({})", r.kind.as_str(), r.entity, r.material);
        row_label(root, &c, &name, &ls, (0.0, y), label_w, s)?;
        let risky = r.at_risk == Some(true);
        let tts = r.tts_days.unwrap_or(f64::from(r.tts_horizon));
        c.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y + 0.02), (tts, y + 0.38)],
            if risky {
                risk_c.mix(0.9).filled()
            } else if r.tts_days.is_none() {
                ok_c.mix(0.25).filled()
            } else {
                ok_c.mix(0.75).filled()
            },
        )))?;
        let mut right = tts;
        if let Some(t) = r.ttr_days {
            c.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.34), (t, y - 0.02)],
                ttr_c.mix(0.6).filled(),
            )))?;
            right = right.max(t);
        }
        let text = match (r.tts_days, r.at_risk) {
            (None, _) => format!(
                "no shortfall in {} days simulated (other suppliers cover)",
                r.tts_horizon
            ),
            (Some(t), Some(true)) => format!(
                "AT RISK: TTS {} d < TTR {} d",
                tick(t.round()),
                tick(r.ttr_days.unwrap_or(0.0).round())
            ),
            (Some(t), Some(false)) => format!(
                "covered: TTS {} d ≥ TTR {} d",
                tick(t.round()),
                tick(r.ttr_days.unwrap_or(0.0).round())
            ),
            (Some(t), None) => format!("TTS {} d, no TTR (give --ttr)", tick(t.round())),
        };
        let (px, py) = c.backend_coord(&(right, y));
        let style = if risky {
            bold(s, fs - 1.0).color(&risk_c)
        } else {
            vs.clone()
        };
        let (pr, _) = c.backend_coord(&(xmax, y));
        let w = text_width(root, &text, &style);
        let (x, h) = if px + (8.0 * s) as i32 + w > pr {
            (px - (8.0 * s) as i32, HPos::Right)
        } else {
            (px + (8.0 * s) as i32, HPos::Left)
        };
        text_at(root, &text, &style, (x, py), h, VPos::Center)?;
    }
    c.draw_series((0..rows.len()).skip(1).map(|k| {
        let y = n - 0.5 - k as f64;
        PathElement::new(vec![(0.0, y), (xmax, y)], GRID.stroke_width(1))
    }))?;
    Ok(())
}

mod drivers;
pub use drivers::DriversData;

#[cfg(test)]
mod tests;
