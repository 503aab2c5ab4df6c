//! The seven charts, each drawn on any plotters backend.

// Strategies and materials index several parallel arrays at once; index loops read best.
#![allow(clippy::needless_range_loop)]

use super::layout::{
    EMPTY, GRID, LegendItem, MUTED, Swatch, bold, fit, font, frame, nice_max, scale, strategy_fit,
    strategy_legend, text_at, text_width, widen, wrap,
};
use super::strategy_color;
use super::{
    ChartData, ChartSpec, DrawResult, SampleError, five_numbers, quantile_ci95, sorted_present,
};
use crate::model::Bucket;
use crate::numfmt::{share, tick, tick_pct};
use crate::sim::Metric;
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::ops::Range;

pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Axis settings of a panel.
pub(super) struct Axes<'t> {
    pub(super) x: Range<f64>,
    pub(super) y: Range<f64>,
    pub(super) x_desc: &'t str,
    pub(super) y_desc: &'t str,
    /// Draw numeric x tick labels (false for category axes labelled by hand).
    pub(super) x_ticks: bool,
    /// Draw numeric y tick labels.
    pub(super) y_ticks: bool,
    /// Width of the y label area in design units.
    pub(super) y_area: f64,
    /// Height of the x label area in design units (default: from `x_desc`).
    pub(super) x_area: Option<f64>,
    /// Most x tick labels, so that panels of a grid share their ticks (default: as many
    /// as the panel's width holds).
    pub(super) x_labels: Option<usize>,
    pub(super) x_fmt: fn(&f64) -> String,
    pub(super) y_fmt: fn(&f64) -> String,
}

impl Default for Axes<'_> {
    fn default() -> Self {
        Axes {
            x: 0.0..1.0,
            y: 0.0..1.0,
            x_desc: "",
            y_desc: "",
            x_ticks: true,
            y_ticks: true,
            y_area: 80.0,
            x_area: None,
            x_labels: None,
            x_fmt: |v| tick(*v),
            y_fmt: |v| tick(*v),
        }
    }
}

/// Height of a line of a wrapped panel title ([`titled`]), in unscaled pixels.
const TITLE_LINE: f64 = 20.0;

/// A chart builder on `area` with `title` (shortened to fit) as its caption and the
/// panels' top margin.
///
/// The title is drawn here, centred and shortened to the panel's width, not as plotters'
/// caption (which centres it whatever its width); the gap under it leaves room for the
/// top y tick label, which stands half above the plot. A title of several lines
/// (`\n`-separated, as [`wrapped_title`] makes them) is drawn line by line at the
/// smallest title size, and the margin grows by a line for each line after the first
/// (empty lines too, so that panels of one grid keep their plots level).
pub(super) fn titled<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
) -> ChartBuilder<'a, 'b, DB>
where
    DB::ErrorType: 'static,
{
    let mut builder = ChartBuilder::on(area);
    if title.is_empty() {
        // Room for a label above the plot (e.g. the tornado's base value).
        builder.margin_top((26.0 * s) as i32);
        return builder;
    }
    let w = area.dim_in_pixel().0 as i32;
    if title.contains('\n') {
        let style = bold(s, 16.0);
        let lines: Vec<&str> = title.split('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            let text = super::layout::fit(area, line, &style, w - (12.0 * s) as i32);
            if text.is_empty() {
                continue;
            }
            let y = (4.0 + TITLE_LINE * i as f64) * s;
            let _ = text_at(
                area,
                &text,
                &style,
                (w / 2, y as i32),
                HPos::Center,
                VPos::Top,
            );
        }
        builder.margin_top(((40.0 + TITLE_LINE * (lines.len() - 1) as f64) * s) as i32);
        return builder;
    }
    let (style, text) = super::layout::shrink_to_fit(
        area,
        title,
        |z| bold(s, z),
        (20.0, 16.0),
        w - (12.0 * s) as i32,
    );
    // Drawing errors surface again when the panel itself is drawn.
    let _ = text_at(
        area,
        &text,
        &style,
        (w / 2, (4.0 * s) as i32),
        HPos::Center,
        VPos::Top,
    );
    builder.margin_top((40.0 * s) as i32);
    builder
}

/// The title of a panel `width` pixels wide that shows `names` (the first that fits)
/// in words, never cut: on one line at the smallest title size when it fits, else
/// broken at spaces into two lines ([`titled`] draws the `\n`). When no name fits in
/// two lines, the first one on two lines, the second shortened with an ellipsis.
pub(super) fn wrapped_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: f64,
    width: i32,
    names: &[&str],
) -> String {
    let style = bold(s, 16.0);
    let room = width - (12.0 * s) as i32;
    let two = |name: &str| super::layout::wrap(root, name, &style, room, 2);
    let fits = |lines: &[String]| {
        lines
            .iter()
            .all(|l| !l.ends_with('…') && text_width(root, l, &style) <= room)
    };
    for name in names {
        if text_width(root, name, &style) <= room {
            return (*name).to_string();
        }
    }
    for name in names {
        let lines = two(name);
        if fits(&lines) {
            return lines.join("\n");
        }
    }
    two(names.first().copied().unwrap_or_default()).join("\n")
}

/// Pads `titles` with empty lines to the same number of lines, so that the panels of
/// one grid keep their plots level ([`titled`]).
pub(super) fn level_titles(titles: &mut [String]) {
    let most = titles
        .iter()
        .map(|t| t.split('\n').count())
        .max()
        .unwrap_or(1);
    for t in titles.iter_mut() {
        let n = t.split('\n').count();
        t.push_str(&"\n".repeat(most - n));
    }
}

/// The panels' mesh look: a light major grid, no minor grid, muted axes, scaled fonts.
pub(super) fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    s: f64,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(MUTED.stroke_width(1))
        .label_style(font(s, 17.0))
        .axis_desc_style(font(s, 19.0))
}

/// How many x tick labels a plot `plot_w` pixels wide holds: up to 7, fewer in narrow
/// panels so that their labels never run together.
fn x_label_count(plot_w: f64, s: f64) -> usize {
    ((plot_w / (70.0 * s)) as usize).clamp(2, 7)
}

/// Builds a linear panel with a titled caption, a light major grid and no minor grid.
pub(super) fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
    ax: Axes,
) -> Result<Chart<'a, DB>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let mut chart = titled(area, s, title)
        .margin_right((14.0 * s) as i32)
        .margin_left((4.0 * s) as i32)
        .x_label_area_size(
            (ax.x_area
                .unwrap_or(if ax.x_desc.is_empty() { 36.0 } else { 62.0 })
                * s) as i32,
        )
        .y_label_area_size((ax.y_area * s) as i32)
        .build_cartesian_2d(ax.x.clone(), ax.y.clone())?;
    // Up to 7 x ticks, fewer in narrow panels so that their labels never run together.
    let plot_w = chart.plotting_area().dim_in_pixel().0 as f64;
    let x_labels = ax.x_labels.unwrap_or_else(|| x_label_count(plot_w, s));
    let mut mesh = chart.configure_mesh();
    house_style(&mut mesh, s)
        .x_label_formatter(&ax.x_fmt)
        .y_label_formatter(&ax.y_fmt)
        .x_labels(if ax.x_ticks { x_labels } else { 0 })
        .y_labels(if ax.y_ticks { 6 } else { 0 });
    if !ax.x_desc.is_empty() {
        mesh.x_desc(ax.x_desc);
    }
    if !ax.y_desc.is_empty() {
        mesh.y_desc(ax.y_desc);
    }
    if !ax.x_ticks {
        mesh.disable_x_mesh();
    }
    if !ax.y_ticks {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    Ok(chart)
}

fn alpha(c: RGBColor, a: f64) -> RGBAColor {
    c.mix(a)
}

/// Paints the legend, notes and caption, and returns the body.
fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
    legend: &[LegendItem],
    notes: &[String],
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    frame(root, &spec.title, legend, notes, &data.caption())
}

/// Each strategy's sorted shortfall % of demand of material `m` (futures where it is
/// known), and a nice axis bound at or above the largest. Reads the strategies' columns
/// one at a time.
fn sorted_shortfalls(data: &ChartData, m: usize) -> Result<(Vec<Vec<f64>>, f64), SampleError> {
    let sorted: Vec<Vec<f64>> = (0..data.n_strategies())
        .map(|st| Ok(sorted_present(&data.column(st, m, Metric::ShortfallPct)?)))
        .collect::<Result<_, SampleError>>()?;
    let xmax = nice_max(
        sorted
            .iter()
            .filter_map(|v| v.last().copied())
            .fold(0.0, f64::max),
        1.0,
    );
    Ok((sorted, xmax))
}

// ------------------------------------------------------------ 1. shortfall distribution

/// Histograms of shortfall % of demand among the futures with a shortfall, one panel per
/// material (rows) and strategy (columns), bars as % of all futures; each panel states
/// the share with no shortfall.
pub fn shortfall_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let legend = strategy_legend(data, |c| Swatch::Fill(c.mix(0.85)));
    let notes = vec![
        "Bars: futures with a shortfall, binned by its size, as % of all futures. Futures with \
         no shortfall are left out of the bars (their share is printed in each panel) so the \
         tail stays visible."
            .to_string(),
    ];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    // Material names head the rows, set vertically on the left and wrapped onto as many
    // lines as the row's height needs (never cut); the y titles say only the unit.
    let head_style = bold(s, 19.0);
    let row_h = body.dim_in_pixel().1 as i32 / nm.max(1) as i32;
    let heads: Vec<Vec<String>> = (0..nm)
        .map(|m| {
            wrap(
                root,
                data.material_name(m),
                &head_style,
                row_h - (24.0 * s) as i32,
                usize::MAX,
            )
        })
        .collect();
    let head_line = (26.0 * s) as i32;
    let n_lines = heads.iter().map(Vec::len).max().unwrap_or(1) as i32;
    let (head_strip, grid) = body.split_horizontally(n_lines * head_line + (6.0 * s) as i32);
    let (strip_x, strip_y) = head_strip.get_base_pixel();
    let rotated = head_style.transform(FontTransform::Rotate270);
    for (m, lines) in heads.iter().enumerate() {
        let cy = strip_y + m as i32 * row_h + row_h / 2;
        for (i, line) in lines.iter().enumerate() {
            text_at(
                root,
                line,
                &rotated,
                (strip_x + i as i32 * head_line + head_line / 2, cy),
                HPos::Center,
                VPos::Center,
            )?;
        }
    }
    let panels = grid.split_evenly((nm.max(1), ns.max(1)));
    // Every panel marks the same shortfall levels: as many as the narrowest panel (the
    // first column, with the y axis title) holds, and at least three, so a narrow panel
    // still shows a value beside 0.
    let x_labels =
        x_label_count(f64::from(panels[0].dim_in_pixel().0) - (84.0 + 18.0) * s, s).max(3);
    const BINS: usize = 24;
    for m in 0..nm {
        let (sorted, xmax) = sorted_shortfalls(data, m)?;
        let width = xmax / BINS as f64;
        let counts: Vec<Vec<f64>> = sorted
            .iter()
            .map(|v| {
                let mut c = [0.0; BINS];
                for &x in v.iter().filter(|&&x| x > 0.0) {
                    c[((x / width) as usize).min(BINS - 1)] += 1.0;
                }
                let n = v.len().max(1) as f64;
                c.iter().map(|k| 100.0 * k / n).collect()
            })
            .collect();
        let ymax = nice_max(
            counts.iter().flatten().copied().fold(0.0, f64::max) * 1.35,
            0.2,
        );
        for st in 0..ns {
            let area = &panels[m * ns + st];
            // A short x title in narrow panels, so neighbours' titles do not run
            // together.
            let pw = area.dim_in_pixel().0;
            let y_desc = "% of futures";
            let x_desc = if (pw as f64) < 260.0 * s {
                "shortfall %"
            } else {
                "shortfall, % of demand"
            };
            let title = strategy_fit(
                area,
                data,
                st,
                &bold(s, 20.0),
                pw as i32 - (12.0 * s) as i32,
            );
            let mut chart = panel(
                area,
                s,
                &title,
                Axes {
                    x: 0.0..xmax,
                    y: 0.0..ymax,
                    x_desc: if m + 1 == nm { x_desc } else { "" },
                    y_desc: if st == 0 { y_desc } else { "" },
                    y_area: if st == 0 { 84.0 } else { 52.0 },
                    x_labels: Some(x_labels),
                    x_fmt: |v| tick_pct(*v),
                    y_fmt: |v| tick_pct(*v),
                    ..Axes::default()
                },
            )?;
            let color = strategy_color(st);
            chart.draw_series(
                counts[st]
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0.0)
                    .map(|(b, &c)| {
                        Rectangle::new(
                            [(b as f64 * width, 0.0), ((b + 1) as f64 * width, c)],
                            color.mix(0.85).filled(),
                        )
                    }),
            )?;
            let v = &sorted[st];
            let none = if v.is_empty() {
                "no data".to_string()
            } else {
                share(v.iter().filter(|&&x| x <= 0.0).count() as f64 / v.len() as f64)
            };
            let (px, py) = chart.backend_coord(&(xmax, ymax));
            let plot_w = chart.plotting_area().dim_in_pixel().0 as i32 - (16.0 * s) as i32;
            // The longest wording that fits the plot's width.
            let fits = |l1: &str, l2: &str, z: f64| {
                text_width(root, l1, &font(s, z)) <= plot_w
                    && text_width(root, l2, &bold(s, z)) <= plot_w
            };
            let long = format!("{none} of futures");
            let (line1, line2, z) = if fits("no shortfall in", &long, 17.0) {
                ("no shortfall in", long, 17.0)
            } else if fits("no shortfall:", &none, 17.0) {
                ("no shortfall:", none.clone(), 17.0)
            } else if fits("no shortfall:", &none, 14.0) {
                ("no shortfall:", none.clone(), 14.0)
            } else {
                ("none:", none.clone(), 14.0)
            };
            let ts = font(s, z);
            text_at(
                root,
                line1,
                &ts,
                (px - (8.0 * s) as i32, py + (6.0 * s) as i32),
                HPos::Right,
                VPos::Top,
            )?;
            text_at(
                root,
                &line2,
                &bold(s, z),
                (px - (8.0 * s) as i32, py + (28.0 * s) as i32),
                HPos::Right,
                VPos::Top,
            )?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ 2. exceedance

/// Exceedance curves P(shortfall > x) per strategy on a log scale, one panel per material,
/// with the 1-in-10 and 1-in-20 levels marked.
pub fn exceedance<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let mut legend = strategy_legend(data, Swatch::Line);
    legend.push(LegendItem::new(
        "1 in 10 and 1 in 20 futures",
        Swatch::Dashed(MUTED),
    ));
    let notes = vec![
        "Share of futures whose shortfall over the horizon exceeds x; lower and further left is \
         better. Log scale, so rare large shortfalls show. Coinciding curves are drawn nested."
            .to_string(),
    ];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    let panels = body.split_evenly((1, nm.max(1)));
    let n = data.summary.replications.max(1) as f64;
    let ymin = 10f64.powf((0.5 / n).log10().floor());
    for m in 0..nm {
        let (sorted, xmax) = sorted_shortfalls(data, m)?;
        let area = &panels[m];
        let title = format!("{}: chance the shortfall exceeds x", data.material_name(m));
        let w = area.dim_in_pixel().0 as i32;
        let mut chart = titled(area, s, &title)
            .margin_right((90.0 * s) as i32)
            .x_label_area_size((62.0 * s) as i32)
            .y_label_area_size((if m == 0 { 100.0 } else { 70.0 } * s) as i32)
            .build_cartesian_2d(0.0..xmax, (ymin..1.0).log_scale())?;
        let mut mesh = chart.configure_mesh();
        house_style(&mut mesh, s)
            .x_label_formatter(&|v| tick_pct(*v))
            .y_label_formatter(&|p: &f64| {
                let pct = 100.0 * p;
                if pct >= 1.0 {
                    format!("{pct:.0}%")
                } else {
                    tick_pct(pct)
                }
            })
            .x_desc("x = shortfall, % of demand over the horizon");
        if m == 0 {
            mesh.y_desc("share of futures with shortfall > x");
        }
        mesh.draw()?;
        for (p, label) in [(0.1, "1 in 10"), (0.05, "1 in 20")] {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, p), (xmax, p)],
                (6.0 * s) as i32,
                (5.0 * s) as i32,
                MUTED.stroke_width((2.0 * s).max(1.0) as u32),
            )))?;
            let (px, py) = chart.backend_coord(&(xmax, p));
            text_at(
                root,
                label,
                &font(s, 16.0).color(&MUTED),
                (px + (6.0 * s) as i32, py),
                HPos::Left,
                VPos::Center,
            )?;
        }
        let mut never = Vec::new();
        for (st, v) in sorted.iter().enumerate() {
            let nv = v.len();
            let positive_from = v.partition_point(|&x| x <= 0.0);
            if positive_from == nv {
                never.push(data.strategy_short(st).to_string());
                continue;
            }
            let pts = thin_to_columns(exceedance_steps(v, positive_from), |p| {
                chart.backend_coord(p)
            });
            // Earlier strategies are drawn wider, so curves that coincide show as nested
            // stripes instead of hiding each other.
            let width = 3.0 + 2.0 * (ns - 1 - st) as f64;
            chart.draw_series(std::iter::once(PathElement::new(
                pts,
                strategy_color(st).stroke_width((width * s).max(1.0) as u32),
            )))?;
        }
        if !never.is_empty() {
            let (px, py) = chart.backend_coord(&(xmax, 1.0));
            let ts = font(s, 16.0);
            let text = format!("No shortfall in any future: {}", never.join(", "));
            // Wrapped onto as many lines as it needs: every strategy named, none cut.
            let line_h = (22.0 * s) as i32;
            for (i, line) in wrap(root, &text, &ts, (w as f64 * 0.8) as i32, usize::MAX)
                .iter()
                .enumerate()
            {
                text_at(
                    root,
                    line,
                    &ts,
                    (
                        px - (8.0 * s) as i32,
                        py + (8.0 * s) as i32 + i as i32 * line_h,
                    ),
                    HPos::Right,
                    VPos::Top,
                )?;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ 3. durations

/// Box and whiskers (own P5/P25/P50/P75/P95) of recovery time and time to survive, per
/// material and strategy, among the futures where each exists.
pub fn durations<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let legend = strategy_legend(data, |c| Swatch::Fill(c.mix(0.45)));
    let notes = vec![
        "Conditional: each box is over only the futures where the measure exists (n above \
         it), not over all futures. Boxes: P25 to P75, thick line: median, whiskers: P5 to \
         P95 (percentiles, not Tukey fences)."
            .to_string(),
        "Time to survive: from the first supply-loss onset to the first shortfall day \
         (futures with both). Recovery: from the onset of the shock behind a shortfall to \
         full service again (futures with a shortfall)."
            .to_string(),
    ];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    let panels = body.split_evenly((2, nm.max(1)));
    type Row<'r> = (Metric, &'r str, &'r str);
    let rows: [Row; 2] = [
        (
            Metric::TtsDays,
            "time to survive (futures where it exists)",
            "time to survive, days",
        ),
        (
            Metric::RecoveryDays,
            "recovery time (futures with a shortfall)",
            "recovery time, days",
        ),
    ];
    for (row, &(metric, what, y_desc)) in rows.iter().enumerate() {
        for m in 0..nm {
            let sorted: Vec<Vec<f64>> = (0..ns)
                .map(|st| Ok(sorted_present(&data.column(st, m, metric)?)))
                .collect::<Result<_, SampleError>>()?;
            let five: Vec<Option<[f64; 5]>> = sorted
                .iter()
                .map(|v| (!v.is_empty()).then(|| five_numbers(v)))
                .collect();
            let ymax = nice_max(
                five.iter().flatten().map(|f| f[4]).fold(0.0, f64::max) * 1.15,
                10.0,
            );
            let area = &panels[row * nm + m];
            let mut chart = panel(
                area,
                s,
                &format!("{}: {what}", data.material_name(m)),
                Axes {
                    x: -0.6..(ns as f64 - 0.4),
                    y: 0.0..ymax,
                    y_desc,
                    x_ticks: false,
                    y_area: 80.0,
                    ..Axes::default()
                },
            )?;
            let half = 0.3;
            let sw = (2.0 * s).max(1.0) as u32;
            for (st, f) in five.iter().enumerate() {
                let x = st as f64;
                let c = strategy_color(st);
                let Some([p5, p25, p50, p75, p95]) = *f else {
                    let (px, py) = chart.backend_coord(&(x, 0.0));
                    let (nx, _) = chart.backend_coord(&(x + 1.0, 0.0));
                    let ns_ = font(s, 16.0);
                    let none =
                        if text_width(root, "none (n = 0)", &ns_) < nx - px - (6.0 * s) as i32 {
                            "none (n = 0)"
                        } else {
                            "n = 0"
                        };
                    text_at(
                        root,
                        none,
                        &font(s, 16.0).color(&MUTED),
                        (px, py - (6.0 * s) as i32),
                        HPos::Center,
                        VPos::Bottom,
                    )?;
                    continue;
                };
                chart.draw_series([
                    PathElement::new(vec![(x, p5), (x, p25)], c.stroke_width(sw)),
                    PathElement::new(vec![(x, p75), (x, p95)], c.stroke_width(sw)),
                    PathElement::new(
                        vec![(x - half / 2.0, p5), (x + half / 2.0, p5)],
                        c.stroke_width(sw),
                    ),
                    PathElement::new(
                        vec![(x - half / 2.0, p95), (x + half / 2.0, p95)],
                        c.stroke_width(sw),
                    ),
                ])?;
                chart.draw_series([
                    Rectangle::new([(x - half, p25), (x + half, p75)], c.mix(0.45).filled()),
                    Rectangle::new([(x - half, p25), (x + half, p75)], c.stroke_width(sw)),
                ])?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - half, p50), (x + half, p50)],
                    BLACK.stroke_width((4.0 * s).max(1.0) as u32),
                )))?;
                let (px, py) = chart.backend_coord(&(x, p95));
                text_at(
                    root,
                    &format!("n = {}", sorted[st].len()),
                    &font(s, 15.0).color(&MUTED),
                    (px, py - (4.0 * s) as i32),
                    HPos::Center,
                    VPos::Bottom,
                )?;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ 4. stock fan

/// Fan chart of private stock plus stockpile of material `m`: P5–P95 and P25–P75 bands
/// and the median, one panel per strategy on a shared y axis.
pub fn stock_fan<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
    m: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let ns = data.n_strategies();
    let legend = vec![
        LegendItem::new(
            "90% of futures (P5 to P95)",
            Swatch::Fill(alpha(MUTED, 0.2)),
        ),
        LegendItem::new("middle half (P25 to P75)", Swatch::Fill(alpha(MUTED, 0.45))),
        LegendItem::new("median future", Swatch::Line(BLACK)),
    ];
    let notes = vec![format!(
        "Private working stock plus strategic stockpile of {} at the end of each day, in {}; \
         bands from daily histograms (to one bin; exact where all futures agree). One panel \
         per strategy, in its colour.",
        data.material_name(m),
        data.material_unit(m)
    )];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    let cols = if ns <= 3 { ns.max(1) } else { ns.div_ceil(2) };
    let rows = ns.div_ceil(cols).max(1);
    let panels = body.split_evenly((rows, cols));
    let bands = |st: usize| -> Vec<(f64, [f64; 5])> {
        data.stock_bands
            .get(st)
            .and_then(|b| b.get(m))
            .map(|days| {
                days.iter()
                    .enumerate()
                    .filter_map(|(d, q)| Some((d as f64, [q[0]?, q[1]?, q[2]?, q[3]?, q[4]?])))
                    .collect()
            })
            .unwrap_or_default()
    };
    let all: Vec<Vec<(f64, [f64; 5])>> = (0..ns).map(bands).collect();
    let ymax = nice_max(
        all.iter().flatten().map(|(_, q)| q[4]).fold(0.0, f64::max) * 1.05,
        1.0,
    );
    let horizon = f64::from(data.summary.horizon_days.max(1));
    let y_desc = format!("stock, {}", data.material_unit(m));
    // Every panel gets the ticks of the narrowest (the first column, with the y title):
    // the same days marked in every panel.
    let x_labels = x_label_count(f64::from(panels[0].dim_in_pixel().0) - (96.0 + 18.0) * s, s);
    for (st, b) in all.iter().enumerate() {
        let area = &panels[st];
        let title = strategy_fit(
            area,
            data,
            st,
            &bold(s, 20.0),
            area.dim_in_pixel().0 as i32 - (12.0 * s) as i32,
        );
        let mut chart = panel(
            area,
            s,
            &title,
            Axes {
                x: 0.0..horizon,
                y: 0.0..ymax,
                x_desc: if st / cols + 1 == rows { "day" } else { "" },
                y_desc: if st % cols == 0 { &y_desc } else { "" },
                y_area: if st % cols == 0 { 96.0 } else { 70.0 },
                x_labels: Some(x_labels),
                ..Axes::default()
            },
        )?;
        let c = strategy_color(st);
        for (lo, hi, a) in [(0, 4, 0.18), (1, 3, 0.40)] {
            let mut poly: Vec<(f64, f64)> = b.iter().map(|(d, q)| (*d, q[hi])).collect();
            poly.extend(b.iter().rev().map(|(d, q)| (*d, q[lo])));
            if !poly.is_empty() {
                chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(a).filled())))?;
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            b.iter().map(|(d, q)| (*d, q[2])).collect::<Vec<_>>(),
            c.stroke_width((3.0 * s).max(1.0) as u32),
        )))?;
    }
    Ok(())
}

// ------------------------------------------------------------ 5. comparison

/// Per material: mean and P95 shortfall % with 95% intervals per strategy (left), and the
/// paired difference of the mean from the reference with its interval (right).
pub fn comparison<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let legend = vec![
        LegendItem::new("mean with 95% interval", Swatch::Dot(BLACK)),
        LegendItem::new(
            "P95 (1-in-20 bad case) with 95% interval",
            Swatch::Square(BLACK),
        ),
    ];
    let reference = data.reference;
    let notes = vec![format!(
        "Right: mean of the per-future differences from \"{}\" (every strategy faces the \
         same futures), with its paired 95% interval; left of 0 is better.",
        data.strategy_label(reference)
    )];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    let label_style = font(s, 18.0);
    let label_w = (0..ns)
        .map(|st| text_width(root, data.strategy_label(st), &label_style))
        .max()
        .unwrap_or(0)
        .min((body.dim_in_pixel().0 as f64 * 0.28) as i32);
    let all_full =
        (0..ns).all(|st| text_width(root, data.strategy_label(st), &label_style) <= label_w);
    let (left_cols, right_cols) =
        body.split_horizontally((body.dim_in_pixel().0 as f64 * 0.58) as i32);
    let lefts = left_cols.split_evenly((nm.max(1), 1));
    let rights = right_cols.split_evenly((nm.max(1), 1));
    let y_of = |st: usize| (ns - 1 - st) as f64;
    let sw = (2.5 * s).max(1.0) as u32;
    let cap = 0.12;
    for m in 0..nm {
        let mat = |st: usize| &data.summary.strategies[st].materials[m];
        let stats = |st: usize| mat(st).metrics.get(Metric::ShortfallPct.name()).cloned();
        let (sorted, _) = sorted_shortfalls(data, m)?;
        let p95_ci: Vec<Option<[f64; 2]>> = sorted.iter().map(|v| quantile_ci95(v, 0.95)).collect();
        let xmax_l = nice_max(
            (0..ns)
                .flat_map(|st| {
                    let st_ = stats(st);
                    [
                        st_.as_ref().and_then(|x| x.ci95).map_or(0.0, |c| c[1]),
                        st_.as_ref().and_then(|x| x.p95).unwrap_or(0.0),
                        p95_ci[st].map_or(0.0, |c| c[1]),
                    ]
                })
                .fold(0.0, f64::max)
                * 1.08,
            0.01,
        );
        let mid = data.material_name(m);
        let mut chart = panel(
            &lefts[m],
            s,
            &format!("{mid}: shortfall, % of demand"),
            Axes {
                x: 0.0..xmax_l,
                y: -0.6..(ns as f64 - 0.4),
                x_desc: if m + 1 == nm {
                    "% of demand over the horizon"
                } else {
                    ""
                },
                y_ticks: false,
                y_area: f64::from(label_w) / s + 16.0,
                x_fmt: |v| tick_pct(*v),
                ..Axes::default()
            },
        )?;
        for st in 0..ns {
            let y = y_of(st);
            let c = strategy_color(st);
            // Full labels when all fit, else every row its short label (never a mix).
            let label = if all_full {
                data.strategy_label(st).to_string()
            } else {
                fit(root, data.strategy_short(st), &label_style, label_w)
            };
            row_label(root, &chart, &label, &label_style, (0.0, y), label_w, s)?;
            let Some(st_) = stats(st) else { continue };
            let ym = y + 0.16;
            if let (Some(mean), Some([lo, hi])) = (st_.mean, st_.ci95) {
                interval(&mut chart, lo, hi, ym, cap, c, sw)?;
                chart.draw_series(std::iter::once(Circle::new(
                    (mean, ym),
                    (8.0 * s) as i32,
                    c.filled(),
                )))?;
            }
            let yp = y - 0.16;
            if let (Some(p95), Some([lo, hi])) = (st_.p95, p95_ci[st]) {
                interval(&mut chart, lo, hi, yp, cap, c, sw)?;
                let (qx, qy) = chart.backend_coord(&(p95, yp));
                let h = (8.0 * s) as i32;
                hollow_square(root, (qx, qy), h, c, sw)?;
            }
        }

        // Paired difference.
        let diffs: Vec<Option<(f64, Option<[f64; 2]>)>> = (0..ns)
            .map(|st| {
                let p =
                    data.summary.strategies[st].vs_material(&mat(st).id, Metric::ShortfallPct)?;
                Some((p.mean_diff?, p.ci95))
            })
            .collect();
        let (lo, hi) = diffs
            .iter()
            .flatten()
            .fold((0.0f64, 0.0f64), |(a, b), (d, ci)| {
                let (l, h) = ci.map_or((*d, *d), |c| (c[0], c[1]));
                (a.min(l), b.max(h))
            });
        let pad = ((hi - lo) * 0.08).max(0.05);
        let mut chart = panel(
            &rights[m],
            s,
            &format!("{mid}: change from {}", data.strategy_short(reference)),
            Axes {
                x: (lo - pad)..(hi + pad),
                y: -0.6..(ns as f64 - 0.4),
                x_desc: if m + 1 == nm {
                    "percentage points (strategy minus reference)"
                } else {
                    ""
                },
                y_ticks: false,
                y_area: 12.0,
                ..Axes::default()
            },
        )?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.6), (0.0, ns as f64 - 0.4)],
            MUTED.stroke_width((2.0 * s).max(1.0) as u32),
        )))?;
        for (st, d) in diffs.iter().enumerate() {
            let y = y_of(st);
            let c = strategy_color(st);
            if st == reference {
                let (px, py) = chart.backend_coord(&(0.0, y));
                text_at(
                    root,
                    "reference",
                    &font(s, 16.0).color(&MUTED),
                    (px + (8.0 * s) as i32, py),
                    HPos::Left,
                    VPos::Center,
                )?;
                continue;
            }
            let Some((mean, ci)) = d else { continue };
            if let Some([l, h]) = ci {
                interval(&mut chart, *l, *h, y, cap, c, sw)?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (*mean, y),
                (8.0 * s) as i32,
                c.filled(),
            )))?;
        }
    }
    Ok(())
}

/// Draws a row label right-aligned left of `(x, y)` (the plot's left edge), shortened to
/// `max_w` pixels.
pub(super) fn row_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart<'_, DB>,
    text: &str,
    style: &TextStyle,
    (x, y): (f64, f64),
    max_w: i32,
    s: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (px, py) = c.backend_coord(&(x, y));
    text_at(
        root,
        &fit(root, text, style, max_w),
        style,
        (px - (10.0 * s) as i32, py),
        HPos::Right,
        VPos::Center,
    )
}

/// A horizontal interval with end caps at height `y`.
pub(super) fn interval<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    lo: f64,
    hi: f64,
    y: f64,
    cap: f64,
    c: RGBColor,
    sw: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart.draw_series([
        PathElement::new(vec![(lo, y), (hi, y)], c.stroke_width(sw)),
        PathElement::new(vec![(lo, y - cap), (lo, y + cap)], c.stroke_width(sw)),
        PathElement::new(vec![(hi, y - cap), (hi, y + cap)], c.stroke_width(sw)),
    ])?;
    Ok(())
}

/// A hollow square marker (white inside, outlined in `c`) of half-size `h` pixels at
/// pixel position `(x, y)`.
pub(super) fn hollow_square<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    h: i32,
    c: RGBColor,
    sw: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let corners = [(x - h, y - h), (x + h, y + h)];
    root.draw(&Rectangle::new(corners, WHITE.filled()))?;
    root.draw(&Rectangle::new(corners, c.stroke_width(sw)))?;
    Ok(())
}

// ------------------------------------------------------------ 6. cost against risk

/// Expected total cost against CVaR95 shortfall %, one labelled point per strategy and
/// one panel per material, with the efficient frontier.
pub fn cost_risk<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let mut legend = strategy_legend(data, Swatch::Dot);
    legend.push(LegendItem::new("efficient frontier", Swatch::Dashed(MUTED)));
    let notes = vec![
        "Cost: strategy, holding, buying, substitution and shortage costs of all materials, \
         mean over futures. Risk: CVaR95, the mean shortfall of the worst 5% of futures."
            .to_string(),
        "Efficient frontier: the strategies that no other strategy beats on both cost and \
         risk. Points carry the short labels of the legend; strategies at the same point \
         share one stacked label, and a thin line leads to a label set apart."
            .to_string(),
    ];
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    let panels = body.split_evenly((1, nm.max(1)));
    let cost: Vec<Option<f64>> = data
        .summary
        .strategies
        .iter()
        .map(|st| st.total.metrics.get("total_cost").and_then(|x| x.mean))
        .collect();
    let (cmin, cmax) = cost.iter().flatten().copied().fold(EMPTY, widen);
    let (cmin, cmax) = if cmin.is_finite() {
        let pad = ((cmax - cmin) * 0.12).max(cmax.abs() * 0.02).max(1.0);
        (cmin - pad, cmax + pad)
    } else {
        (0.0, 1.0)
    };
    let x_desc = format!(
        "expected total cost over {} days, {}",
        data.summary.horizon_days, data.summary.currency
    );
    for m in 0..nm {
        let risk: Vec<Option<f64>> = (0..ns)
            .map(|st| {
                data.summary.strategies[st].materials[m]
                    .metrics
                    .get(Metric::ShortfallPct.name())
                    .and_then(|x| x.cvar95)
            })
            .collect();
        let ymax = nice_max(
            risk.iter().flatten().copied().fold(0.0, f64::max) * 1.15,
            0.01,
        );
        let mut chart = panel(
            &panels[m],
            s,
            &format!("{}: cost against tail shortfall", data.material_name(m)),
            Axes {
                x: cmin..cmax,
                y: 0.0..ymax,
                x_desc: &x_desc,
                y_desc: if m == 0 {
                    "CVaR95 shortfall, % of demand"
                } else {
                    ""
                },
                y_area: 80.0,
                y_fmt: |v| tick_pct(*v),
                ..Axes::default()
            },
        )?;
        let pts: Vec<(usize, f64, f64)> = (0..ns)
            .filter_map(|st| Some((st, cost[st]?, risk[st]?)))
            .collect();
        let frontier = efficient_frontier(&pts);
        if frontier.len() > 1 {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                frontier
                    .iter()
                    .map(|&i| (pts[i].1, pts[i].2))
                    .collect::<Vec<_>>(),
                (8.0 * s) as i32,
                (6.0 * s) as i32,
                MUTED.stroke_width((2.0 * s).max(1.0) as u32),
            )))?;
        }
        let ls = font(s, 16.0);
        let (x0, y0) = chart.backend_coord(&(cmin, ymax));
        let (x1, y1) = chart.backend_coord(&(cmax, 0.0));
        let plot = [x0, y0, x1, y1];
        let r = (9.0 * s) as i32;
        // Points closer than a marker share one stacked label (same cost and risk).
        let mut clusters: Vec<((i32, i32), Vec<usize>)> = Vec::new();
        for &(st, c, rk) in &pts {
            chart.draw_series(std::iter::once(Circle::new(
                (c, rk),
                r,
                strategy_color(st).filled(),
            )))?;
            let (px, py) = chart.backend_coord(&(c, rk));
            match clusters
                .iter_mut()
                .find(|((x, y), _)| (x - px).abs() <= r && (y - py).abs() <= r)
            {
                Some((_, members)) => members.push(st),
                None => clusters.push(((px, py), vec![st])),
            }
        }
        // Every marker is an obstacle; labels are placed one cluster at a time at the
        // first candidate position that meets no marker, no placed label and stays in
        // the plot.
        let mut taken: Vec<[i32; 4]> = clusters
            .iter()
            .map(|((x, y), _)| [x - r, y - r, x + r, y + r])
            .collect();
        let line_h = (20.0 * s) as i32;
        for ((px, py), members) in &clusters {
            let max_w = ((x1 - x0) as f64 * 0.45) as i32;
            // Short labels, as in the legend's lead.
            let lines: Vec<(usize, String)> = members
                .iter()
                .map(|&st| (st, fit(root, data.strategy_short(st), &ls, max_w)))
                .collect();
            let lw = lines
                .iter()
                .map(|(_, t)| text_width(root, t, &ls))
                .max()
                .unwrap_or(0);
            let bh = line_h * lines.len() as i32;
            let gap = (14.0 * s) as i32;
            let place = label_spot((*px, *py), (lw, bh), gap, plot, &taken);
            let [bx0, by0, bx1, by1] = place;
            taken.push(place);
            for (i, (st, text)) in lines.iter().enumerate() {
                let y = by0 + i as i32 * line_h + line_h / 2;
                text_at(
                    root,
                    text,
                    &ls.color(&super::layout::text_color(strategy_color(*st))),
                    (bx0, y),
                    HPos::Left,
                    VPos::Center,
                )?;
            }
            // A leader line when the label sits away from its point.
            let (cx, cy) = (px.clamp(&bx0, &bx1), py.clamp(&by0, &by1));
            if (cx - px).abs().max((cy - py).abs()) > gap + r {
                root.draw(&PathElement::new(
                    vec![(*px, *py), (*cx, *cy)],
                    MUTED.stroke_width(1),
                ))?;
            }
        }
    }
    Ok(())
}

/// Where to put a label box of size `(w, h)` for a point at `(px, py)`: beside it (right,
/// left), above or below it, then further out, whichever first stays inside `plot`
/// (`[x0, y0, x1, y1]`) and meets none of `taken`; the box `[x0, y0, x1, y1]` returned.
/// When every candidate collides, the one meeting the fewest boxes.
fn label_spot(
    (px, py): (i32, i32),
    (w, h): (i32, i32),
    gap: i32,
    plot: [i32; 4],
    taken: &[[i32; 4]],
) -> [i32; 4] {
    let meets =
        |a: &[i32; 4], b: &[i32; 4]| a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    let inside = |b: &[i32; 4]| {
        b[0] >= plot[0] && b[2] <= plot[2] && b[1] >= plot[1] - h / 2 && b[3] <= plot[3]
    };
    let mut cands: Vec<[i32; 4]> = Vec::new();
    for k in 0..8 {
        let dy = k * h.max(gap) / 2;
        for sign in [-1, 1] {
            if k == 0 && sign == 1 {
                continue;
            }
            let y = py + sign * dy - h / 2;
            cands.push([px + gap, y, px + gap + w, y + h]);
            cands.push([px - gap - w, y, px - gap, y + h]);
        }
        let up = py - gap - h - dy;
        let down = py + gap + dy;
        cands.push([px - w / 2, up, px + w / 2, up + h]);
        cands.push([px - w / 2, down, px + w / 2, down + h]);
    }
    cands
        .iter()
        .filter(|b| inside(b))
        .min_by_key(|b| taken.iter().filter(|t| meets(b, t)).count())
        .or_else(|| cands.first())
        .copied()
        .unwrap_or([px, py, px + w, py + h])
}

/// Indices into `pts` (`(strategy, cost, risk)`) of the efficient frontier, by rising
/// cost: each point has strictly less risk than every cheaper one.
pub fn efficient_frontier(pts: &[(usize, f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by(|&a, &b| {
        pts[a]
            .1
            .total_cmp(&pts[b].1)
            .then(pts[a].2.total_cmp(&pts[b].2))
    });
    let mut out = Vec::new();
    let mut best = f64::INFINITY;
    for i in order {
        if pts[i].2 < best {
            best = pts[i].2;
            out.push(i);
        }
    }
    out
}

// ------------------------------------------------------------ 7. autonomy

/// Autonomy (share of futures with no shortfall) per material and strategy as grouped
/// bars, materials ordered by bucket, then all materials together.
pub fn autonomy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nm) = (data.n_strategies(), data.n_materials());
    let legend = strategy_legend(data, |c| Swatch::Fill(c.mix(0.85)));
    let has_buckets = data.buckets.iter().any(Option::is_some);
    let mut notes = vec![
        "Autonomy: share of simulated futures in which every day's demand is met over the \
         whole horizon. Higher is better; \"all materials\" counts futures with no shortfall in \
         any material."
            .to_string(),
    ];
    if has_buckets {
        notes.push(
            "Materials are grouped by bucket: green = autonomy at risk (single-source \
             dependence), blue = indispensable field, red = emerging technology."
                .to_string(),
        );
    }
    let body = page(root, spec, data, &legend, &notes)?;
    let s = scale(root);
    // Groups: materials by bucket, then the overall.
    let rank = |b: Option<Bucket>| match b {
        Some(Bucket::Green) => 0,
        Some(Bucket::Blue) => 1,
        Some(Bucket::Red) => 2,
        None => 3,
    };
    let mut order: Vec<usize> = (0..nm).collect();
    order.sort_by_key(|&m| rank(data.buckets.get(m).copied().flatten()));
    let mut groups: Vec<(String, String, Vec<Option<f64>>)> = order
        .iter()
        .map(|&m| {
            let sub = match data.buckets.get(m).copied().flatten() {
                Some(b) => format!("{} bucket", b.as_str()),
                None => String::new(),
            };
            let vals = (0..ns)
                .map(|st| data.summary.strategies[st].materials[m].autonomy)
                .collect();
            (data.material_name(m).to_string(), sub, vals)
        })
        .collect();
    groups.push((
        "All materials".to_string(),
        String::new(),
        data.summary
            .strategies
            .iter()
            .map(|st| st.total.autonomy)
            .collect(),
    ));
    let ng = groups.len();
    let mut chart = panel(
        &body,
        s,
        "",
        Axes {
            x: 0.0..ng as f64,
            y: 0.0..109.0,
            x_ticks: false,
            y_desc: "futures with no shortfall, %",
            y_area: 96.0,
            x_area: Some(96.0),
            y_fmt: |v| {
                if *v > 100.5 {
                    String::new()
                } else {
                    tick_pct(*v)
                }
            },
            ..Axes::default()
        },
    )?;
    let bw = 0.8 / ns.max(1) as f64;
    let bar_px = {
        let (a, _) = chart.backend_coord(&(0.0, 0.0));
        let (b, _) = chart.backend_coord(&(bw, 0.0));
        b - a
    };
    let vs = font(s, if bar_px > 60 { 17.0 } else { 14.0 });
    for (g, (name, sub, vals)) in groups.iter().enumerate() {
        let g0 = g as f64 + 0.1;
        for (st, v) in vals.iter().enumerate() {
            let Some(v) = v else { continue };
            let x0 = g0 + st as f64 * bw;
            let c = strategy_color(st);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0 + bw * 0.06, 0.0), (x0 + bw * 0.94, 100.0 * v)],
                c.mix(0.85).filled(),
            )))?;
            if bar_px >= 34 {
                let (px, py) = chart.backend_coord(&(x0 + bw / 2.0, 100.0 * v));
                text_at(
                    root,
                    &share(*v),
                    &vs,
                    (px, py - (4.0 * s) as i32),
                    HPos::Center,
                    VPos::Bottom,
                )?;
            }
        }
        let (px, py) = chart.backend_coord(&(g as f64 + 0.5, 0.0));
        let group_w = {
            let (a, _) = chart.backend_coord(&(0.0, 0.0));
            let (b, _) = chart.backend_coord(&(1.0, 0.0));
            b - a - (12.0 * s) as i32
        };
        let name_style = bold(s, 19.0);
        let name_lines = wrap(root, name, &name_style, group_w, 2);
        let line_h = (24.0 * s) as i32;
        for (i, line) in name_lines.iter().enumerate() {
            text_at(
                root,
                line,
                &name_style,
                (px, py + (10.0 * s) as i32 + i as i32 * line_h),
                HPos::Center,
                VPos::Top,
            )?;
        }
        if !sub.is_empty() {
            text_at(
                root,
                &fit(root, sub, &font(s, 17.0), group_w),
                &font(s, 17.0).color(&MUTED),
                (
                    px,
                    py + (12.0 * s) as i32 + name_lines.len() as i32 * line_h,
                ),
                HPos::Center,
                VPos::Top,
            )?;
        }
        if g > 0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(g as f64, 0.0), (g as f64, 109.0)],
                GRID.stroke_width(2),
            )))?;
        }
    }
    Ok(())
}

/// The step curve of an exceedance chart over the sorted values `v`, from the first
/// positive value `positive_from`: (x, share of values above x) at x = 0 and at each
/// distinct value, down to the last step above zero.
/// Keeps, of a monotone step path (x non-decreasing, y non-increasing), the first and
/// the last point of each run of points that `px` puts in the same pixel column: the
/// points between lie on the vertical line those two draw, so the drawing keeps its
/// pixels while the path keeps at most two points per column whatever the number of
/// futures (a million futures would otherwise put two million points per curve into
/// the SVG and the report).
pub(super) fn thin_to_columns(
    pts: Vec<(f64, f64)>,
    px: impl Fn(&(f64, f64)) -> (i32, i32),
) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len().min(4096));
    // The column of the run under way and whether its last point is still to be kept.
    let mut run: Option<(i32, Option<(f64, f64)>)> = None;
    for p in pts {
        let col = px(&p).0;
        match &mut run {
            Some((c, last)) if *c == col => *last = Some(p),
            _ => {
                if let Some((_, Some(last))) = run {
                    out.push(last);
                }
                out.push(p);
                run = Some((col, None));
            }
        }
    }
    if let Some((_, Some(last))) = run {
        out.push(last);
    }
    out
}

pub(super) fn exceedance_steps(v: &[f64], positive_from: usize) -> Vec<(f64, f64)> {
    let nv = v.len();
    let mut pts = Vec::new();
    let mut g = (nv - positive_from) as f64 / nv as f64;
    pts.push((0.0, g));
    let mut i = positive_from;
    while i < nv {
        let u = v[i];
        let j = v.partition_point(|&x| x <= u);
        pts.push((u, g));
        g = (nv - j) as f64 / nv as f64;
        if g > 0.0 {
            pts.push((u, g));
        }
        i = j;
    }
    pts
}
