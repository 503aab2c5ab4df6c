//! The charts of `chokepoint drivers`: the features ranked by their standardised
//! difference between the selected futures and the rest, and PRIM's peeling trajectory
//! (coverage against density) with the chosen box.

use super::*;
use crate::explore::drivers::{FeatureRank, PrimBox};

/// What the drivers charts show.
#[derive(Debug, Clone)]
pub struct DriversData {
    /// Features in rank order.
    pub ranking: Vec<FeatureRank>,
    /// The peeling trajectory.
    pub trajectory: Vec<PrimBox>,
    /// The chosen (refined) box.
    pub chosen: PrimBox,
    /// Share of all futures selected (the density of the box of every future).
    pub base_rate: f64,
    /// The selected futures in words (`the worst 5% by total shortfall_units`).
    pub selected: String,
    /// Most features drawn.
    pub top: usize,
}

/// The ranking: one bar per feature, the standardised difference with its 95% interval.
pub(super) fn ranking<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &DriversData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (up_c, down_c, sep_c) = (PALETTE[4], PALETTE[5], PALETTE[1]);
    let rows: Vec<&FeatureRank> = d
        .ranking
        .iter()
        .filter(|r| r.separates || r.std_diff.is_some())
        .take(d.top)
        .collect();
    let legend = vec![
        LegendItem::new(
            "higher in the selected futures",
            Swatch::Fill(up_c.mix(0.85)),
        ),
        LegendItem::new(
            "lower in the selected futures",
            Swatch::Fill(down_c.mix(0.85)),
        ),
        LegendItem::new("95% interval", Swatch::Line(RGBColor(0, 0, 0))),
    ];
    let mut notes = vec![
        "Bars: (mean in the selected futures − mean in the rest) / pooled standard deviation, \
         with 95% intervals; 0.2 is small, 0.8 large. Labels: share with the feature, selected \
         vs all."
            .to_string(),
    ];
    if rows.iter().any(|r| r.separates) {
        notes.push(
            "A bar to the edge: the feature separates the two groups perfectly (no spread \
             within either)."
                .to_string(),
        );
    }
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let lim = rows
        .iter()
        .flat_map(|r| {
            let ci = r.std_diff_ci95.unwrap_or([0.0, 0.0]);
            [r.std_diff.unwrap_or(0.0), ci[0], ci[1]]
        })
        .filter(|v| v.is_finite())
        .fold(0.5f64, |a, v| a.max(v.abs()));
    let lim = nice_max(lim * 1.1, 0.5);
    let has_neg = rows
        .iter()
        .any(|r| r.std_diff.is_some_and(|v| v < 0.0) || (r.separates && r.separates_sign < 0));
    let xr = if has_neg {
        -lim..lim * 1.45
    } else {
        0.0..lim * 1.45
    };
    let n = rows.len().max(1) as f64;
    let (mut c, label_w) = row_panel(
        &body,
        s,
        xr.clone(),
        n,
        "standardised difference (selected − rest)",
        380.0,
        |v| tick(*v),
    )?;
    let fs = if rows.len() > 12 { 14.0 } else { 16.0 };
    let ls = font(s, fs);
    let vs = font(s, fs - 1.0);
    for (k, r) in rows.iter().enumerate() {
        let y = n - 1.0 - k as f64;
        row_label(root, &c, &r.words, &ls, (xr.start, y), label_w, s)?;
        let (v, col) = if r.separates {
            let v = if r.separates_sign > 0 { lim } else { -lim };
            (v, sep_c)
        } else {
            let v = r.std_diff.unwrap_or(0.0);
            (v, if v >= 0.0 { up_c } else { down_c })
        };
        c.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.3), (v, y + 0.3)],
            col.mix(0.85).filled(),
        )))?;
        if let Some([a, b]) = r.std_diff_ci95 {
            interval(
                &mut c,
                a.max(-lim),
                b.min(lim),
                y,
                0.15,
                RGBColor(0, 0, 0),
                (1.5 * s).max(1.0) as u32,
            )?;
        }
        let text = if r.share_selected.is_nan() {
            String::new()
        } else {
            format!(
                "{:.0}% vs {:.0}%",
                r.share_selected * 100.0,
                r.share_all * 100.0
            )
        };
        let right = r
            .std_diff_ci95
            .map_or(v.max(0.0), |ci| ci[1].min(lim).max(v.max(0.0)));
        let (px, py) = c.backend_coord(&(right, y));
        text_at(
            root,
            &text,
            &vs,
            (px + (8.0 * s) as i32, py),
            HPos::Left,
            VPos::Center,
        )?;
    }
    c.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.6), (0.0, n - 0.4)],
        MUTED.stroke_width(1),
    )))?;
    Ok(())
}

/// The peeling trajectory: coverage against density of every box, the chosen one marked.
pub(super) fn peeling<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &AnalysisChart,
    d: &DriversData,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (line_c, chosen_c) = (PALETTE[0], PALETTE[4]);
    let legend = vec![
        LegendItem::new("box after each peel", Swatch::Fill(line_c.mix(0.9))),
        LegendItem::new("chosen box, refined", Swatch::Fill(chosen_c.mix(0.9))),
        LegendItem::new("refined from", Swatch::Line(chosen_c)),
        LegendItem::new("share of all futures selected", Swatch::Line(MUTED)),
    ];
    let rules: Vec<&str> = d.chosen.limits.iter().map(|l| l.words.as_str()).collect();
    let notes = vec![
        format!(
            "PRIM peels a thin slice of the futures at a time, keeping the box where {} are \
             densest. Coverage: share of them inside the box; density: share of the box's \
             futures that are among them. {} boxes.",
            d.selected,
            d.trajectory.len()
        ),
        if rules.is_empty() {
            "Chosen: no restriction beats taking every future.".to_string()
        } else {
            format!(
                "Chosen: {} (coverage {:.0}%, density {:.0}%).",
                rules.join(" AND "),
                d.chosen.coverage * 100.0,
                d.chosen.density * 100.0
            )
        },
    ];
    let body = page(root, chart, &legend, &notes)?;
    let s = scale(root);
    let mut c = panel(
        &body,
        s,
        "",
        Axes {
            x: 0.0..1.02,
            y: 0.0..1.02,
            x_desc: "coverage (share of the selected futures inside the box)",
            y_desc: "density (share of the box selected)",
            y_area: 90.0,
            x_fmt: |v| tick_pct(*v * 100.0),
            y_fmt: |v| tick_pct(*v * 100.0),
            ..Axes::default()
        },
    )?;
    dashed(
        &mut c,
        vec![(0.0, d.base_rate), (1.02, d.base_rate)],
        MUTED,
        s,
    )?;
    let pts: Vec<(f64, f64)> = d
        .trajectory
        .iter()
        .map(|b| (b.coverage, b.density))
        .collect();
    c.draw_series(std::iter::once(PathElement::new(
        pts.clone(),
        line_c.stroke_width((2.0 * s).max(1.0) as u32),
    )))?;
    let r = (4.0 * s).max(2.0) as i32;
    c.draw_series(
        pts.iter()
            .map(|&p| Circle::new(p, r, line_c.mix(0.9).filled())),
    )?;
    let p = (d.chosen.coverage, d.chosen.density);
    // The refinement moves the chosen box off the trajectory: a dashed line from the
    // box it was refined from shows where it came from.
    if let Some(from) = d.trajectory.get(d.chosen.step) {
        dashed(&mut c, vec![(from.coverage, from.density), p], chosen_c, s)?;
    }
    c.draw_series(std::iter::once(Circle::new(
        p,
        (8.0 * s) as i32,
        chosen_c.mix(0.9).filled(),
    )))?;
    let (px, py) = c.backend_coord(&p);
    let label = format!(
        "chosen: {} rule{}",
        d.chosen.limits.len(),
        if d.chosen.limits.len() == 1 { "" } else { "s" }
    );
    let style = bold(s, 16.0).color(&chosen_c);
    let w = text_width(root, &label, &style);
    let (x, h) = if px - w - (14.0 * s) as i32 > c.backend_coord(&(0.0, 0.0)).0 {
        (px - (14.0 * s) as i32, HPos::Right)
    } else {
        (px + (14.0 * s) as i32, HPos::Left)
    };
    text_at(
        root,
        &label,
        &style,
        (x, py + (14.0 * s) as i32),
        h,
        VPos::Top,
    )?;
    Ok(())
}
