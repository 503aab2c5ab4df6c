//! The charts of the sector layer (issue 12), drawn only for runs whose scenario has
//! sectors: the value added at risk per sector and strategy (expected value added lost
//! with its 95% interval, and the total over the sectors, the GDP at risk), and the
//! exceedance curve of the GDP at risk ("1 future in 20 loses more than X").
//!
//! Pure, like the other charts: [`ChartData`] in, drawing out.

// Strategies and sectors index several parallel arrays at once; index loops read best.
#![allow(clippy::needless_range_loop)]

use super::draw::{
    Axes, house_style, interval, level_titles, panel, row_label, titled, wrapped_title,
};
use super::layout::{
    LegendItem, MUTED, Swatch, fit, font, nice_max, scale, strategy_legend, text_at, text_width,
};
use super::{ChartData, ChartSpec, DrawResult, quantile_ci95, sorted_present, strategy_color};
use crate::numfmt::{money_within, tick, tick_pct};
use crate::sim::SectorMetric;
use crate::stats::Stats;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Whether the run has sectors (its summary carries a sector layer).
pub fn has_sectors(data: &ChartData) -> bool {
    data.summary
        .strategies
        .iter()
        .any(|s| s.sector_total.is_some())
}

/// `value_added_lost` statistics of strategy `st`: sector `k`, or the total over the
/// sectors (the GDP at risk) for `None`.
pub fn va_stats<'d>(data: &'d ChartData, st: usize, k: Option<usize>) -> Option<&'d Stats> {
    let s = &data.summary.strategies[st];
    let name = SectorMetric::ValueAddedLost.name();
    match k {
        Some(k) => s.sectors.get(k)?.metrics.get(name),
        None => s.sector_total.as_ref()?.metrics.get(name),
    }
}

/// Number of sectors.
pub fn n_sectors(data: &ChartData) -> usize {
    data.summary
        .strategies
        .first()
        .map_or(0, |s| s.sectors.len())
}

/// Value added at risk: one panel for the total over the sectors (the GDP at risk), then
/// one per sector, each a row per strategy with its expected value added lost and the
/// 95% interval. Panels are laid out in a grid; the first column carries the strategy
/// labels.
pub fn value_added<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (ns, nk) = (data.n_strategies(), n_sectors(data));
    let cur = data.summary.currency.clone();
    let legend = vec![LegendItem::new(
        "expected value added lost (mean over futures) with its 95% interval",
        Swatch::Dot(BLACK),
    )];
    let notes = vec![format!(
        "Value added lost: output not made times the sector's value added per unit, in {cur}, \
         over the {} days. The first panel is the total over the sectors (the GDP at risk); \
         panels have their own scales. Further left is better.",
        data.summary.horizon_days
    )];
    let body = super::layout::frame(root, &spec.title, &legend, &notes, &data.caption())?;
    let s = scale(root);
    let n_panels = nk + 1;
    let label_style = font(s, 16.0);
    let (bw, bh) = body.dim_in_pixel();
    // As many rows of panels as the height holds with ~24 px a strategy (plus the title
    // and axis of each panel), at least one; then as many columns as it takes.
    let per_row = (24.0 * ns as f64 + 110.0) * s;
    let rows = ((f64::from(bh) / per_row).floor() as usize).clamp(1, n_panels);
    let cols = n_panels.div_ceil(rows);
    let rows = n_panels.div_ceil(cols);
    let label_w = (0..ns)
        .map(|st| text_width(root, data.strategy_short(st), &label_style))
        .max()
        .unwrap_or(0)
        .min((f64::from(bw) * 0.16) as i32);
    // The first column is wider by the labels, so that every plot is as wide.
    let col_w = (f64::from(bw) - f64::from(label_w)) / cols as f64;
    let mut xs = vec![0i32];
    for c in 0..cols {
        let extra = if c == 0 { label_w } else { 0 };
        xs.push(xs[c] + extra + col_w as i32);
    }
    // Titles in words: the sector's name, else the name before its parenthesis, on one
    // line or wrapped onto two; every panel gets as many lines as the tallest.
    let mut titles: Vec<String> = (0..n_panels)
        .map(|p| match p.checked_sub(1) {
            None => "All sectors: GDP at risk".to_string(),
            Some(k) => {
                let name = data.summary.strategies[0].sectors[k].name.as_str();
                let short = name.split(" (").next().unwrap_or(name);
                let c = p % cols;
                wrapped_title(root, s, xs[c + 1] - xs[c], &[name, short])
            }
        })
        .collect();
    level_titles(&mut titles);
    let bands = body.split_evenly((rows, 1));
    let y_of = |st: usize| (ns - 1 - st) as f64;
    let sw = (2.0 * s).max(1.0) as u32;
    let cap = 0.2;
    for p in 0..n_panels {
        let (r, c) = (p / cols, p % cols);
        let band = &bands[r];
        let (_, cells) = band.split_horizontally(xs[c]);
        let (cell, _) = cells.split_horizontally(xs[c + 1] - xs[c]);
        let k = p.checked_sub(1);
        let title = &titles[p];
        let top = (0..ns)
            .filter_map(|st| va_stats(data, st, k))
            .flat_map(|x| [x.mean.unwrap_or(0.0), x.ci95.map_or(0.0, |c| c[1])])
            .fold(0.0, f64::max);
        let xmax = nice_max(top * 1.08, 1.0);
        let last_row = r + 1 == rows || p + cols >= n_panels;
        let mut chart = panel(
            &cell,
            s,
            title,
            Axes {
                x: 0.0..xmax,
                y: -0.6..(ns as f64 - 0.4),
                x_desc: if last_row { "value added lost" } else { "" },
                y_ticks: false,
                y_area: if c == 0 {
                    f64::from(label_w) / s + 14.0
                } else {
                    10.0
                },
                x_labels: Some(4),
                x_fmt: |v| tick(*v),
                ..Axes::default()
            },
        )?;
        if top == 0.0 {
            let (px, py) = chart.backend_coord(&(xmax / 2.0, (ns as f64 - 1.0) / 2.0));
            text_at(
                root,
                "no value added lost in any future",
                &font(s, 16.0).color(&MUTED),
                (px, py),
                HPos::Center,
                VPos::Center,
            )?;
        }
        for st in 0..ns {
            let y = y_of(st);
            let col = strategy_color(st);
            if c == 0 {
                let label = fit(root, data.strategy_short(st), &label_style, label_w);
                row_label(root, &chart, &label, &label_style, (0.0, y), label_w, s)?;
            }
            let Some(x) = va_stats(data, st, k) else {
                continue;
            };
            if let Some([lo, hi]) = x.ci95 {
                interval(&mut chart, lo, hi, y, cap, col, sw)?;
            }
            if let Some(mean) = x.mean {
                chart.draw_series(std::iter::once(Circle::new(
                    (mean, y),
                    (6.0 * s) as i32,
                    col.filled(),
                )))?;
            }
        }
    }
    Ok(())
}

/// The GDP at risk (value added lost, summed over the sectors) that 1 future in 20
/// exceeds, with the distribution-free 95% interval of that P95, per strategy; `None`
/// without per-future values.
pub fn gdp_p95(data: &ChartData, st: usize) -> Option<(f64, Option<[f64; 2]>)> {
    let v = sorted_present(&data.gdp_at_risk(st).ok()?);
    if v.is_empty() {
        return None;
    }
    Some((
        crate::stats::quantile_sorted(&v, 0.95),
        quantile_ci95(&v, 0.95),
    ))
}

/// The exceedance curve of the GDP at risk: per strategy, the share of futures whose
/// value added lost over the sectors exceeds x (log scale), the 1-in-10 and 1-in-20
/// lines, and the reference strategy's 1-in-20 loss written out.
pub fn gdp_exceedance<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &ChartData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let ns = data.n_strategies();
    let cur = data.summary.currency.clone();
    let mut legend = strategy_legend(data, Swatch::Line);
    legend.push(LegendItem::new(
        "1 in 10 and 1 in 20 futures",
        Swatch::Dashed(MUTED),
    ));
    let notes = vec![format!(
        "Share of futures whose value added lost over all sectors (the GDP at risk, {cur}) \
         over the {} days exceeds x; lower and further left is better. Log scale, so rare \
         large losses show. Coinciding curves are drawn nested.",
        data.summary.horizon_days
    )];
    let body = super::layout::frame(root, &spec.title, &legend, &notes, &data.caption())?;
    let s = scale(root);
    let sorted: Vec<Vec<f64>> = (0..ns)
        .map(|st| Ok(sorted_present(&data.gdp_at_risk(st)?)))
        .collect::<Result<_, super::SampleError>>()?;
    let xmax = nice_max(
        sorted
            .iter()
            .filter_map(|v| v.last().copied())
            .fold(0.0, f64::max),
        1.0,
    );
    let n = data.summary.replications.max(1) as f64;
    let ymin = 10f64.powf((0.5 / n).log10().floor());
    let r = data.reference;
    let ref_p95 = gdp_p95(data, r).filter(|(p, _)| *p > 0.0);
    let title = match ref_p95 {
        Some((p95, ci)) => format!(
            "{}: 1 future in 20 loses more than {} {cur} of value added",
            data.strategy_short(r),
            money_within(p95, ci.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0))
        ),
        None => format!("GDP at risk: chance the value added lost exceeds x ({cur})"),
    };
    let mut chart = titled(&body, s, &title)
        .margin_right((90.0 * s) as i32)
        .x_label_area_size((62.0 * s) as i32)
        .y_label_area_size((100.0 * s) as i32)
        .build_cartesian_2d(0.0..xmax, (ymin..1.0).log_scale())?;
    let mut mesh = chart.configure_mesh();
    house_style(&mut mesh, s)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|p: &f64| {
            let pct = 100.0 * p;
            if pct >= 1.0 {
                format!("{pct:.0}%")
            } else {
                tick_pct(pct)
            }
        })
        .x_desc("x = value added lost over all sectors")
        .y_desc("share of futures with a loss > x");
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
    for (st, v) in sorted.iter().enumerate() {
        let nv = v.len();
        let positive_from = v.partition_point(|&x| x <= 0.0);
        if positive_from == nv {
            continue;
        }
        let pts =
            super::draw::thin_to_columns(super::draw::exceedance_steps(v, positive_from), |p| {
                chart.backend_coord(p)
            });
        let width = 3.0 + 2.0 * (ns - 1 - st) as f64;
        chart.draw_series(std::iter::once(PathElement::new(
            pts,
            strategy_color(st).stroke_width((width * s).max(1.0) as u32),
        )))?;
    }
    // The reference's 1-in-20 loss on its curve, with its 95% interval.
    if let Some((p95, ci)) = ref_p95 {
        let (px, py) = chart.backend_coord(&(p95, 0.05));
        if let Some([lo, hi]) = ci {
            let (x0, _) = chart.backend_coord(&(lo, 0.05));
            let (x1, _) = chart.backend_coord(&(hi, 0.05));
            let h = (9.0 * s) as i32;
            let st = strategy_color(r).stroke_width((3.0 * s).max(1.0) as u32);
            root.draw(&PathElement::new(vec![(x0, py), (x1, py)], st))?;
            root.draw(&PathElement::new(vec![(x0, py - h), (x0, py + h)], st))?;
            root.draw(&PathElement::new(vec![(x1, py - h), (x1, py + h)], st))?;
        }
        root.draw(&Circle::new(
            (px, py),
            (7.0 * s) as i32,
            strategy_color(r).filled(),
        ))?;
    }
    Ok(())
}
