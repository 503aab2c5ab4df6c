//! Page layout shared by every chart: title, legend strip, body, notes and caption;
//! text fitting (numbers are written by [`crate::numfmt`]). Sizes scale with the canvas
//! height (designed at 900 px).

use super::DrawResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Light grey of grids.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Grey of captions and secondary text.
pub const MUTED: RGBColor = RGBColor(90, 90, 90);

/// `c` darkened, if need be, until text in it has a contrast of at least 4.5:1 on white
/// (WCAG's level for body text), so that labels in a light palette colour (yellow, orange,
/// sky blue) stay readable, in print too; the hue stays. Marks keep the palette colour.
pub fn text_color(c: RGBColor) -> RGBColor {
    fn lin(v: f64) -> f64 {
        let v = v / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    }
    let luminance = |RGBColor(r, g, b): RGBColor| {
        0.2126 * lin(r.into()) + 0.7152 * lin(g.into()) + 0.0722 * lin(b.into())
    };
    let mut out = c;
    let mut k = 1.0;
    // Contrast with white: 1.05 / (L + 0.05).
    while 1.05 / (luminance(out) + 0.05) < 4.5 && k > 0.0 {
        k -= 0.02;
        let f = |v: u8| (f64::from(v) * k).round() as u8;
        out = RGBColor(f(c.0), f(c.1), f(c.2));
    }
    out
}

/// Pixels per design unit: `height / 900`.
pub fn scale<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> f64 {
    f64::from(root.dim_in_pixel().1) / 900.0
}

/// A font of `size` design units at scale `s`.
pub fn font(s: f64, size: f64) -> TextStyle<'static> {
    ("sans-serif", size * s).into_font().color(&BLACK)
}

/// A bold font of `size` design units at scale `s`.
pub fn bold(s: f64, size: f64) -> TextStyle<'static> {
    ("sans-serif", size * s)
        .into_font()
        .style(FontStyle::Bold)
        .color(&BLACK)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled box.
    Fill(RGBAColor),
    /// A thick line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled dot.
    Dot(RGBColor),
    /// A hollow square.
    Square(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    /// Text.
    pub label: String,
    /// Mark.
    pub swatch: Swatch,
}

impl LegendItem {
    /// An entry with text `label` and mark `swatch`.
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            swatch,
        }
    }
}

/// Legend entries for every strategy of `data`, in its colour, as `swatch`.
pub fn strategy_legend(
    data: &super::ChartData,
    swatch: impl Fn(RGBColor) -> Swatch,
) -> Vec<LegendItem> {
    (0..data.n_strategies())
        .map(|s| {
            LegendItem::new(
                data.strategy_legend_text(s),
                swatch(super::strategy_color(s)),
            )
        })
        .collect()
}

/// DejaVu Sans Bold is up to 12% wider than the regular face; plotters measures (and the
/// PNG draws) bold text with the regular face, but a browser draws the SVG's bold text
/// bold, so bold widths are scaled up by this factor.
const BOLD_WIDTH: f64 = 1.12;

/// Text width in pixels, estimated with the registered font (conservatively for bold:
/// see [`BOLD_WIDTH`]).
pub fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> i32 {
    let w = root.estimate_text_size(text, style).map_or(
        text.chars().count() as f64 * style.font.get_size() * 0.62,
        |(w, _)| f64::from(w),
    );
    let w = if matches!(style.font.get_style(), FontStyle::Bold) {
        w * BOLD_WIDTH
    } else {
        w
    };
    w.ceil() as i32
}

/// `text` broken at spaces into lines of at most `max_w` pixels, at most `max_lines`
/// of them (the last shortened with an ellipsis when the text does not fit).
pub fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: i32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if cur.is_empty() || text_width(root, &cand, style) <= max_w {
            cur = cand;
        } else {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines.max(1) {
        let rest = lines.split_off(max_lines.max(1) - 1).join(" ");
        lines.push(rest);
    }
    lines
        .into_iter()
        .map(|l| fit(root, &l, style, max_w))
        .collect()
}

/// The largest size from `size` down to `min` design units (in steps of 1) at which `text`
/// fits `max_w` pixels, and the text shortened to fit at that size.
pub fn shrink_to_fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: impl Fn(f64) -> TextStyle<'static>,
    (size, min): (f64, f64),
    max_w: i32,
) -> (TextStyle<'static>, String) {
    let mut sz = size;
    while sz > min && text_width(root, text, &style(sz)) > max_w {
        sz -= 1.0;
    }
    let st = style(sz);
    let t = fit(root, text, &st, max_w);
    (st, t)
}

/// The label of strategy `st` that fits `max_w` pixels: the full label, else the short
/// label, else the short label shortened with an ellipsis.
pub fn strategy_fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &super::ChartData,
    st: usize,
    style: &TextStyle,
    max_w: i32,
) -> String {
    let label = data.strategy_label(st);
    if text_width(root, label, style) <= max_w {
        return label.to_string();
    }
    fit(root, data.strategy_short(st), style, max_w)
}

/// `text` shortened with an ellipsis until it fits in `max_w` pixels.
pub fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: i32,
) -> String {
    if text_width(root, text, style) <= max_w {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for n in (1..chars.len()).rev() {
        let t: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(root, &t, style) <= max_w {
            return t;
        }
    }
    "…".to_string()
}

/// Draws the page frame: title, legend strip under it, notes and the caption at the
/// bottom. Returns the body area left for the panels.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendItem],
    notes: &[String],
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let s = scale(root);
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let left = (30.0 * s) as i32;
    let (title_style, title) =
        shrink_to_fit(root, title, |z| bold(s, z), (36.0, 26.0), w - 2 * left);
    root.draw_text(&title, &title_style, (left, (18.0 * s) as i32))?;

    // Legend strip, wrapping onto more rows when needed.
    let ls = font(s, 21.0);
    let sw = (34.0 * s) as i32;
    let row_h = (30.0 * s) as i32;
    let mut x = left;
    let mut y = (72.0 * s) as i32;
    for item in legend {
        let label = fit(
            root,
            &item.label,
            &ls,
            w - 2 * left - sw - (36.0 * s) as i32,
        );
        let tw = text_width(root, &label, &ls);
        let item_w = sw + (8.0 * s) as i32 + tw + (28.0 * s) as i32;
        if x > left && x + item_w > w - left {
            x = left;
            y += row_h;
        }
        draw_swatch(root, item.swatch, (x, y + row_h / 2 - (2.0 * s) as i32), s)?;
        root.draw_text(
            &label,
            &ls,
            (x + sw + (8.0 * s) as i32, y + (3.0 * s) as i32),
        )?;
        x += item_w;
    }
    let top = if legend.is_empty() { y } else { y + row_h } + (8.0 * s) as i32;

    // Notes and caption, bottom up, each wrapped onto as many lines as it needs (never
    // cut: a reader must get the whole sentence).
    let cs = font(s, 18.0).color(&MUTED);
    let line_h = (25.0 * s) as i32;
    let mut lines: Vec<String> = Vec::new();
    for text in notes.iter().map(String::as_str).chain([caption]) {
        let wrapped = wrap(root, text, &cs, w - 2 * left, usize::MAX);
        if wrapped.is_empty() {
            // An empty text keeps its line, as before.
            lines.push(String::new());
        }
        lines.extend(wrapped);
    }
    let mut yb = h - (12.0 * s) as i32;
    for line in lines.iter().rev() {
        yb -= line_h;
        root.draw_text(line, &cs, (left, yb))?;
    }
    let bottom = h - yb + (6.0 * s) as i32;
    Ok(root.margin(top, bottom, (10.0 * s) as i32, (24.0 * s) as i32))
}

/// Draws a legend mark centred vertically on `(x, y)`, starting at `x`.
pub fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
    s: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let sw = (34.0 * s) as i32;
    let half = (9.0 * s) as i32;
    let stroke = (3.0 * s).max(1.0) as u32;
    match swatch {
        Swatch::Fill(c) => {
            root.draw(&Rectangle::new(
                [(x, y - half), (x + sw, y + half)],
                c.filled(),
            ))?;
        }
        Swatch::Line(c) => {
            root.draw(&PathElement::new(
                vec![(x, y), (x + sw, y)],
                c.stroke_width(stroke + 1),
            ))?;
        }
        Swatch::Dashed(c) => {
            for k in 0..3 {
                let x0 = x + k * sw / 3;
                root.draw(&PathElement::new(
                    vec![(x0, y), (x0 + sw / 5, y)],
                    c.stroke_width(stroke),
                ))?;
            }
        }
        Swatch::Dot(c) => {
            root.draw(&Circle::new((x + sw / 2, y), half, c.filled()))?;
        }
        Swatch::Square(c) => {
            root.draw(&Rectangle::new(
                [(x + sw / 2 - half, y - half), (x + sw / 2 + half, y + half)],
                c.stroke_width(stroke),
            ))?;
        }
    }
    Ok(())
}

/// Draws `text` on the canvas at absolute pixel `pos` with the given anchor.
pub fn text_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    pos: (i32, i32),
    h: HPos,
    v: VPos,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = style.pos(Pos::new(h, v));
    root.draw_text(text, &style, pos)?;
    Ok(())
}

/// The empty extent, to [`widen`] from.
pub const EMPTY: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);

/// The extent `(lo, hi)` widened to take in `v`, for folding over values.
pub fn widen((lo, hi): (f64, f64), v: f64) -> (f64, f64) {
    (lo.min(v), hi.max(v))
}

/// A "nice" upper axis bound at or above `x` (1, 2, 2.5, 5 × 10^k), at least `floor`.
pub fn nice_max(x: f64, floor: f64) -> f64 {
    let x = if x.is_finite() { x.max(floor) } else { floor };
    if x <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= x * (1.0 - 1e-12) {
            return m * p;
        }
    }
    10.0 * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(7.3, 0.0), 8.0);
        assert_eq!(nice_max(0.0, 1.0), 1.0);
        assert_eq!(nice_max(101.0, 0.0), 120.0);
        assert_eq!(nice_max(f64::NAN, 2.0), 2.0);
    }
}
