//! Chart layout: every chart of a run and of the analysis commands, rendered for a scenario
//! with eight strategies with long labels (`tests/data/long_labels.toml`), has no two text
//! boxes that overlap, none that leaves the canvas and none cut short with an ellipsis.
//!
//! The boxes come from the SVG: plotters writes each `<text>` with its anchor point (`x`,
//! `y`), horizontal anchor (`text-anchor`), vertical anchor (`dy`), `font-size` and an
//! optional `rotate(270, ..)`. Widths are measured with the vendored DejaVu Sans the
//! charts use, the way plotters measures them for the PNG (`ab_glyph` scaled to the
//! pixel size, which is `font-size × 1.24`, so wider than a browser draws the SVG): a
//! conservative estimate of both renderings.

use ab_glyph::{Font, FontRef, ScaleFont};
use std::path::{Path, PathBuf};
use std::process::Command;

const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A text's box on the canvas, in pixels.
#[derive(Debug, Clone)]
struct TextBox {
    text: String,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Advance width of `text` at pixel size `px` (plotters' `estimate_layout`).
fn width(font: &FontRef<'_>, px: f32, text: &str) -> f64 {
    let f = font.as_scaled(px);
    let mut w = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let g = f.glyph_id(c);
        w += f.h_advance(g);
        if let Some(p) = prev {
            w += f.kern(p, g);
        }
        prev = Some(g);
    }
    f64::from(w)
}

/// The canvas size and the text boxes of an SVG written by plotters.
fn text_boxes(svg: &str) -> ((f64, f64), Vec<TextBox>) {
    let regular = FontRef::try_from_slice(REGULAR).expect("font");
    let bold = FontRef::try_from_slice(BOLD).expect("font");
    let head = &svg[..svg.find('>').expect("svg tag")];
    let dim = |n| {
        attr(head, n)
            .and_then(|v| v.parse::<f64>().ok())
            .expect("svg size")
    };
    let canvas = (dim("width"), dim("height"));
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let end = rest.find('>').expect("tag end");
        let tag = &rest[..end];
        let close = rest.find("</text>").expect("closed text");
        let text = unescape(rest[end + 1..close].trim());
        rest = &rest[close..];
        if text.is_empty() {
            continue;
        }
        let num = |n| {
            attr(tag, n)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or_else(|| panic!("<text> without {n}: {tag}"))
        };
        let (x, y, size) = (num("x"), num("y"), num("font-size"));
        // plotters writes font-size = pixel size / 1.24 and measures at the pixel size.
        let px = size * 1.24;
        let font = if attr(tag, "font-weight") == Some("bold") {
            &bold
        } else {
            &regular
        };
        let w = width(font, px as f32, &text);
        // The em of DejaVu Sans at that pixel size (ascent + descent = 1.164 em).
        let em = px / 1.164;
        let dx0 = match attr(tag, "text-anchor") {
            Some("end") => -w,
            Some("middle") => -w / 2.0,
            _ => 0.0,
        };
        // Baseline offset from the anchor: dy as written (x-height of DejaVu: 0.55 em).
        let base = match attr(tag, "dy") {
            Some("0.76em") => 0.76 * em,
            Some("0.5ex") => 0.5 * 0.55 * em,
            Some("-0.5ex") => -0.5 * 0.55 * em,
            Some(d) => panic!("unexpected dy {d}"),
            None => 0.0,
        };
        // Box from the cap height (0.73 em) to the descenders (0.24 em).
        let (dy0, dy1) = (base - 0.73 * em, base + 0.24 * em);
        let (x0, y0, x1, y1) = match attr(tag, "transform") {
            None => (x + dx0, y + dy0, x + dx0 + w, y + dy1),
            Some(t) if t.starts_with("rotate(270") => {
                // (x + a, y + b) turns to (x + b, y - a).
                (x + dy0, y - (dx0 + w), x + dy1, y - dx0)
            }
            Some(t) => panic!("unexpected transform {t}"),
        };
        out.push(TextBox {
            text,
            x0,
            y0,
            x1,
            y1,
        });
    }
    (canvas, out)
}

/// Problems of one SVG: overlapping pairs and boxes off the canvas.
fn layout_problems(svg: &str) -> Vec<String> {
    // Antialiasing and rounding: boxes may touch within a pixel.
    const SLACK: f64 = 1.0;
    let ((w, h), boxes) = text_boxes(svg);
    let mut out = Vec::new();
    for b in &boxes {
        if b.x0 < -SLACK || b.y0 < -SLACK || b.x1 > w + SLACK || b.y1 > h + SLACK {
            out.push(format!(
                "leaves the {w}x{h} canvas: {:?} at ({:.0}, {:.0})-({:.0}, {:.0})",
                b.text, b.x0, b.y0, b.x1, b.y1
            ));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let ox = a.x1.min(b.x1) - a.x0.max(b.x0);
            let oy = a.y1.min(b.y1) - a.y0.max(b.y0);
            if ox > SLACK && oy > SLACK {
                out.push(format!(
                    "overlap {ox:.0}x{oy:.0} px: {:?} at ({:.0}, {:.0}) and {:?} at ({:.0}, {:.0})",
                    a.text, a.x0, a.y0, b.text, b.x0, b.y0
                ));
            }
        }
    }
    out
}

/// The labels of the scenario's strategies (`label = "..."` after a `[[strategy]]`).
fn strategy_labels() -> Vec<String> {
    let toml = include_str!("data/long_labels.toml");
    let from = toml.find("[[strategy]]").expect("strategies");
    toml[from..]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("label = \""))
        .map(|l| l[..l.find('"').expect("closing quote")].to_string())
        .collect()
}

/// Texts cut short: the charts shorten a text that does not fit with an ellipsis
/// (`layout::fit`), and no chart text of this scenario writes one of its own. One cut is
/// by design: a strategy without a `short_label` whose label does not fit is shortened
/// (the legend carries it whole). Any other ellipsis (a note, the caption, a title, an
/// axis title) is a cut a reader would stumble on: notes and captions wrap instead.
fn cut_texts(boxes: &[TextBox]) -> Vec<String> {
    let labels = strategy_labels();
    boxes
        .iter()
        .filter(|b| {
            b.text
                .strip_suffix('\u{2026}')
                .map_or(b.text.contains('\u{2026}'), |kept| {
                    !labels.iter().any(|l| l.starts_with(kept))
                })
        })
        .map(|b| format!("cut short: {:?} at ({:.0}, {:.0})", b.text, b.x0, b.y0))
        .collect()
}

fn chokepoint(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_chokepoint"))
        .args(args)
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "chokepoint {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A sector layer for the long-label scenario: long names, a chain (magnets feed the
/// others), and a tier-1 sector with a long buffer. The sectors use 8,100 of the 10,000 t
/// of magnets made, 3,000 of the 5,000 t of NdPr and 1.5e8 of the 2e8 microcontrollers,
/// so some direct demand stays.
const SECTORS: &str = r#"
[[sector]]
id = "magnets"
name = "Sintered NdFeB permanent magnets for motors, generators and actuators"
unit = "t"
annual_output = 10000.0
value_added = 20000.0
buffer_days = 5
priority = 2
uses = { ndpr = 0.3 }

[[sector]]
id = "vehicles"
name = "Electrified and conventional passenger vehicles built in the importing economy"
unit = "k vehicles"
annual_output = 3000.0
value_added = 7.0e6
buffer_days = 2
priority = 2
uses = { magnets = 2.0, mcu = 50000.0 }

[[sector]]
id = "automation"
name = "Industrial servo drives, robots and factory automation equipment"
unit = "M$"
annual_output = 10000.0
value_added = 350000.0
buffer_days = 10
priority = 2
uses = { magnets = 0.2 }

[[sector]]
id = "defence"
name = "Defence equipment (guidance, radar, actuators)"
unit = "M$"
annual_output = 10000.0
value_added = 400000.0
buffer_days = 365
priority = 1
uses = { magnets = 0.01 }
"#;

/// Renders every chart kind for the long-label scenario; returns the SVG files.
fn render_all(dir: &Path) -> Vec<PathBuf> {
    let scn = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/long_labels.toml");
    let o = |name: &str| dir.join(name).to_str().expect("utf-8 path").to_string();
    let (ndpr_stock, ndpr_private, mcu_private) = (
        "material.ndpr.stockpile_days",
        "material.ndpr.private_days",
        "material.mcu.private_days",
    );
    let runs: Vec<Vec<String>> = vec![
        vec![
            "run".into(),
            "-n".into(),
            "100".into(),
            "-o".into(),
            o("run"),
        ],
        vec![
            "sweep".into(),
            "--vary".into(),
            format!("{ndpr_stock}=0..180:4"),
            "-n".into(),
            "40".into(),
            "-o".into(),
            o("sweep1"),
        ],
        vec![
            "sweep".into(),
            "--vary".into(),
            // A dense grid: the heatmap labels every k-th grid value where all do not fit.
            format!("{ndpr_stock}=0..180:19"),
            "--vary".into(),
            format!("{ndpr_private}=10..90:9"),
            "-n".into(),
            "30".into(),
            "-o".into(),
            o("sweep2"),
        ],
        vec![
            "sweep".into(),
            "--vary".into(),
            format!("{ndpr_stock}=0..180"),
            "--vary".into(),
            format!("{ndpr_private}=10..90"),
            "--vary".into(),
            format!("{mcu_private}=10..60"),
            "--lhs".into(),
            "8".into(),
            "-n".into(),
            "30".into(),
            "-o".into(),
            o("sweep3"),
        ],
        vec![
            "size".into(),
            "--param".into(),
            ndpr_stock.into(),
            "--target".into(),
            "p95(shortfall_pct) <= 1".into(),
            "--material".into(),
            "ndpr".into(),
            "--range".into(),
            "0..365".into(),
            "-n".into(),
            "40".into(),
            "-o".into(),
            o("size"),
        ],
        vec![
            "sensitivity".into(),
            "--material".into(),
            "ndpr".into(),
            "-n".into(),
            "30".into(),
            "-o".into(),
            o("tornado"),
        ],
        vec![
            "sensitivity".into(),
            "--material".into(),
            "ndpr".into(),
            "--paths".into(),
            format!("{ndpr_stock},{ndpr_private}"),
            "--sobol".into(),
            "16".into(),
            "-n".into(),
            "20".into(),
            "-o".into(),
            o("sobol"),
        ],
        vec!["exposure".into(), "-o".into(), o("exposure")],
    ];
    for args in &runs {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.insert(1, scn);
        a.push("-q");
        chokepoint(&a);
    }
    // The sector layer's charts: the same scenario with sectors (long names, one of
    // them at tier 1 that never loses output), written beside the folder.
    let with_sectors = PathBuf::from(format!("{}-sectors.toml", dir.display()));
    std::fs::write(
        &with_sectors,
        format!(
            "{}{SECTORS}",
            std::fs::read_to_string(scn).expect("long_labels.toml")
        ),
    )
    .expect("write the scenario with sectors");
    chokepoint(&[
        "run",
        with_sectors.to_str().expect("utf-8 path"),
        "-n",
        "100",
        "-o",
        &o("run_sectors"),
        "-q",
    ]);
    let _ = std::fs::remove_file(&with_sectors);
    let mut svgs = Vec::new();
    for sub in std::fs::read_dir(dir).expect("dir") {
        let charts = sub.expect("entry").path().join("charts");
        for f in std::fs::read_dir(&charts).expect("charts folder") {
            let p = f.expect("entry").path();
            if p.extension().is_some_and(|e| e == "svg") {
                svgs.push(p);
            }
        }
    }
    svgs.sort();
    svgs
}

#[test]
fn no_chart_text_overlaps_leaves_the_canvas_or_is_cut() {
    let dir = tempfile::tempdir().expect("temp dir");
    let svgs = render_all(dir.path());
    let names: Vec<String> = svgs
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "shortfall_distribution",
        "exceedance",
        "comparison",
        "cost_risk",
        "autonomy",
        "sector_value_added",
        "gdp_at_risk_exceedance",
        "durations",
        "stock_ndpr",
        "stock_mcu",
        "sweep",
        "sweep_heatmap",
        "sweep_scatter",
        "size",
        "tornado",
        "sobol",
        "exposure",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} not rendered: {names:?}"
        );
    }
    let mut problems = Vec::new();
    for p in &svgs {
        let svg = std::fs::read_to_string(p).expect("read svg");
        let (_, boxes) = text_boxes(&svg);
        assert!(boxes.len() > 5, "{} has text", p.display());
        for msg in layout_problems(&svg).into_iter().chain(cut_texts(&boxes)) {
            problems.push(format!(
                "{}: {msg}",
                p.strip_prefix(dir.path()).unwrap_or(p).display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} layout problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The `(id, name)` of each sector of [`SECTORS`].
fn sector_names() -> Vec<(String, String)> {
    let field = |block: &str, key: &str| {
        block
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key} = \"")))
            .map(|v| v[..v.find('"').expect("closing quote")].to_string())
            .expect("field")
    };
    SECTORS
        .split("[[sector]]")
        .skip(1)
        .map(|b| (field(b, "id"), field(b, "name")))
        .collect()
}

#[test]
fn sector_panels_are_titled_in_words_not_ids() {
    // Every panel of the value-added chart is titled with its sector's name (on one line
    // or wrapped onto two, consecutive texts), or the name before its parenthesis; never
    // with the sector's id, and never cut (the layout test checks for ellipses). The
    // names are long (up to 79 characters) and the panels narrow.
    let dir = tempfile::tempdir().expect("temp dir");
    let scn = dir.path().join("sectors.toml");
    std::fs::write(
        &scn,
        format!(
            "{}{SECTORS}",
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/long_labels.toml"
            ))
            .expect("long_labels.toml")
        ),
    )
    .expect("write the scenario");
    let out = dir.path().join("run");
    chokepoint(&[
        "run",
        scn.to_str().expect("utf-8"),
        "-n",
        "40",
        "-o",
        out.to_str().expect("utf-8"),
        "-q",
    ]);
    let svg = std::fs::read_to_string(out.join("charts/sector_value_added.svg")).expect("svg");
    let (_, boxes) = text_boxes(&svg);
    let texts: Vec<&str> = boxes.iter().map(|b| b.text.as_str()).collect();
    for (id, name) in sector_names() {
        let short = name.split(" (").next().unwrap_or(&name).to_string();
        let titled = texts.iter().enumerate().any(|(i, t)| {
            let two = texts.get(i + 1).map(|n| format!("{t} {n}"));
            [&name, &short]
                .iter()
                .any(|w| *t == w.as_str() || two.as_deref() == Some(w.as_str()))
        });
        assert!(titled, "no title reads {name:?} (or {short:?}): {texts:?}");
        assert!(
            !texts.contains(&id.as_str()),
            "{id} written as a title: {texts:?}"
        );
    }
}

/// The checker itself: a hand-written SVG with two overlapping texts, one rotated text
/// off the canvas and one clear text reports exactly the two problems.
#[test]
fn the_checker_sees_overlaps_and_overflow() {
    let svg = r##"<svg width="400" height="200" viewBox="0 0 400 200" xmlns="http://www.w3.org/2000/svg">
<text x="10" y="10" dy="0.76em" text-anchor="start" font-family="sans-serif" font-size="16" opacity="1" fill="#000000">
Left text here
</text>
<text x="150" y="14" dy="0.76em" text-anchor="end" font-family="sans-serif" font-size="16" opacity="1" fill="#000000">
overlapping
</text>
<text x="380" y="20" dy="0.76em" text-anchor="middle" font-family="sans-serif" font-size="16" opacity="1" fill="#000000" transform="rotate(270, 380, 20)">
long rotated label
</text>
<text x="390" y="190" dy="-0.5ex" text-anchor="end" font-family="sans-serif" font-size="16" opacity="1" fill="#000000">
fine
</text>
</svg>"##;
    let problems = layout_problems(svg);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("leaves the"), "{problems:#?}");
    assert!(problems[1].contains("\"Left text here\""), "{problems:#?}");
}
