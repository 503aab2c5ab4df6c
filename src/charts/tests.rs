//! Unit tests of the charts: each renders to SVG with its title, axis labels, strategy
//! names and caption; PNGs have the promised size.

use super::*;
use crate::stats::daily_bands;
use std::sync::OnceLock;

/// Chart data of a short run of the tutorial scenario (shared by the tests).
fn data() -> &'static ChartData<'static> {
    static DATA: OnceLock<ChartData<'static>> = OnceLock::new();
    DATA.get_or_init(|| {
        let (scn, res) = crate::test_support::tutorial_run(7, 120);
        let summary = Summary::from_run(&scn, &res, 7).unwrap();
        let bands = res.daily.as_ref().map(daily_bands).unwrap_or_default();
        // The run lives as long as the tests: its columns are read when a chart draws.
        let res: &'static crate::sim::RunResult = Box::leak(Box::new(res));
        ChartData::from_run(&scn, res, &summary, &bands)
    })
}

fn svg(kind: ChartKind) -> (ChartSpec, String) {
    let spec = chart_list(data())
        .into_iter()
        .find(|s| s.kind == kind)
        .expect("chart listed");
    let svg = render_svg(&spec, data(), DEFAULT_SIZE).expect("renders");
    (spec, svg)
}

fn assert_has(svg: &str, needles: &[&str]) {
    for n in needles {
        assert!(svg.contains(n), "SVG lacks {n:?}");
    }
}

const LABELS: [&str; 5] = [
    "Status quo",
    "NdPr stockpile 180 days",
    "Buy NdPr from the US and Australia",
    "Keep the reaction permanently",
    "Qualify substitute chips",
];

#[test]
fn every_chart_has_title_legend_and_caption() {
    let d = data();
    let list = chart_list(d);
    assert_eq!(
        list.len(),
        6 + d.n_materials(),
        "six charts plus one fan per material"
    );
    for spec in &list {
        let svg = render_svg(spec, d, DEFAULT_SIZE).expect("renders");
        assert!(svg.starts_with("<svg"), "{} inlines as is", spec.name);
        assert_has(
            &svg,
            &[
                &spec.title,
                "Scenario: Tutorial: magnets and chips",
                "120 simulated futures",
                "seed 7",
            ],
        );
    }
}

#[test]
fn shortfall_distribution_names_strategies_and_zero_share() {
    let (_, s) = svg(ChartKind::ShortfallDistribution);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &["shortfall, % of demand", "no shortfall in", "of futures"],
    );
}

#[test]
fn exceedance_marks_one_in_ten_and_twenty() {
    let (_, s) = svg(ChartKind::Exceedance);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &[
            "1 in 10",
            "1 in 20",
            "share of futures with shortfall &gt; x",
        ],
    );
}

#[test]
fn durations_say_what_the_whiskers_are() {
    let (_, s) = svg(ChartKind::Durations);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &[
            "time to survive, days",
            "recovery time, days",
            "P5 to P95",
            "n = ",
        ],
    );
}

#[test]
fn fan_chart_has_bands_and_days() {
    let (_, s) = svg(ChartKind::StockFan { material: 0 });
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &["P5 to P95", "P25 to P75", "median", "day", "stock, t"],
    );
    assert!(s.contains("<polygon"), "bands are polygons");
}

#[test]
fn comparison_shows_levels_and_paired_difference() {
    let (_, s) = svg(ChartKind::Comparison);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &[
            "mean with 95% interval",
            "P95",
            "change from Status quo",
            "percentage points",
        ],
    );
}

#[test]
fn cost_risk_has_frontier_and_axes() {
    let (_, s) = svg(ChartKind::CostRisk);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &[
            "efficient frontier",
            "expected total cost over 730 days",
            "CVaR95",
        ],
    );
}

#[test]
fn autonomy_groups_by_bucket() {
    let (_, s) = svg(ChartKind::Autonomy);
    assert_has(&s, &LABELS);
    assert_has(
        &s,
        &[
            "green bucket",
            "red bucket",
            "All materials",
            "futures with no shortfall",
        ],
    );
}

#[test]
fn png_has_the_promised_size() {
    let spec = &chart_list(data())[0];
    for (w, h) in [DEFAULT_SIZE, (800, 450)] {
        let png = render_png(spec, data(), (w, h)).expect("renders");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        assert_eq!((be(&png[16..20]), be(&png[20..24])), (w, h));
    }
}

#[test]
fn strategies_keep_their_colour() {
    assert_eq!(strategy_css_color(0), "#000000");
    assert_eq!(strategy_css_color(1), "#e69f00");
    // A ninth strategy gets a colour of its own (wine), not the reference's black; the
    // eleventh repeats the second's.
    assert_eq!(strategy_css_color(8), "#882255");
    assert_ne!(strategy_css_color(8), strategy_css_color(0));
    assert_eq!(strategy_css_color(11), strategy_css_color(1));
}

#[test]
fn quantile_interval_brackets_the_quantile() {
    let v: Vec<f64> = (0..1000).map(f64::from).collect();
    let [lo, hi] = quantile_ci95(&v, 0.95).unwrap();
    let q = quantile_sorted(&v, 0.95);
    assert!(lo < q && q < hi, "{lo} < {q} < {hi}");
    assert!(quantile_ci95(&[], 0.5).is_none());
    assert_eq!(quantile_ci95(&[3.0], 0.95), Some([3.0, 3.0]));
}

#[test]
fn frontier_keeps_undominated_points() {
    let pts = [
        (0, 10.0, 5.0),
        (1, 12.0, 1.0),
        (2, 11.0, 6.0),
        (3, 20.0, 1.0),
    ];
    let f = draw::efficient_frontier(&pts);
    assert_eq!(f, vec![0, 1]);
}

#[test]
fn widen_folds_the_extent_of_values() {
    use super::layout::{EMPTY, widen};
    assert_eq!([3.0, -1.0, 2.0].into_iter().fold(EMPTY, widen), (-1.0, 3.0));
    // A start other than EMPTY keeps its bounds unless a value passes them.
    assert_eq!([2.0, 5.0].into_iter().fold((0.0, 1.0), widen), (0.0, 5.0));
    let (lo, hi) = std::iter::empty().fold(EMPTY, widen);
    assert!(lo > hi, "an empty fold stays empty");
}

#[test]
fn label_colours_are_readable_on_white() {
    use super::layout::text_color;
    let contrast = |RGBColor(r, g, b): RGBColor| {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        1.05 / (0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) + 0.05)
    };
    for (i, &c) in PALETTE.iter().enumerate() {
        let t = text_color(c);
        assert!(contrast(t) >= 4.5, "strategy {i}: {t:?}");
        // Dark enough colours stay as they are; light ones are only darkened.
        if contrast(c) >= 4.5 {
            assert_eq!(t, c);
        } else {
            assert!(t.0 <= c.0 && t.1 <= c.1 && t.2 <= c.2, "{c:?} -> {t:?}");
        }
    }
    // Yellow (contrast 1.3) becomes a dark olive, not black.
    let y = text_color(PALETTE[7]);
    assert!(y.0 > 60 && y.0 > y.2, "{y:?}");
}

#[test]
fn a_million_step_exceedance_curve_keeps_two_points_per_pixel_column_and_its_pixels() {
    // The exceedance curve of 1,000,000 distinct values (v_i = i + 1): two million steps,
    // drawn on 1,000 pixel columns (x) by 500 rows (y, linear here: any monotone scale
    // keeps the argument). Thinned, at most two points per column remain, the ends are the
    // same, and every dropped point lies in its column inside the vertical span that the
    // kept points of that column draw, so no pixel changes.
    let n = 1_000_000usize;
    let v: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let pts = draw::exceedance_steps(&v, 0);
    assert!(pts.len() > n, "{} points", pts.len());
    let px = |p: &(f64, f64)| {
        (
            (p.0 / n as f64 * 999.0).round() as i32,
            ((1.0 - p.1) * 499.0).round() as i32,
        )
    };
    let thin = draw::thin_to_columns(pts.clone(), px);
    assert!(thin.len() <= 2 * 1000, "{} points kept", thin.len());
    assert_eq!(thin.first(), pts.first());
    assert_eq!(thin.last(), pts.last());
    let mut span = std::collections::BTreeMap::<i32, (i32, i32)>::new();
    for p in &thin {
        let (c, r) = px(p);
        let e = span.entry(c).or_insert((r, r));
        *e = (e.0.min(r), e.1.max(r));
    }
    for p in &pts {
        let (c, r) = px(p);
        let (lo, hi) = span[&c];
        assert!(
            (lo..=hi).contains(&r),
            "{p:?} at ({c}, {r}) outside {lo}..={hi}"
        );
    }
    // A short curve, one point per column, is kept whole.
    let few: Vec<(f64, f64)> = (0..10)
        .map(|i| (i as f64 * 1e5, 1.0 - i as f64 / 10.0))
        .collect();
    assert_eq!(draw::thin_to_columns(few.clone(), px), few);
}
