//! Unit tests of the analysis charts: each renders to SVG with its title, axis labels,
//! series names and caption; PNGs have the promised size.

use super::*;
use crate::charts::DEFAULT_SIZE;
use crate::explore::exposure::{EntityId, EntityKind};
use crate::explore::sensitivity::{Move, SobolInput, SobolRow};
use crate::explore::size::SizePoint;
use crate::explore::target::Rule;

fn cap() -> String {
    caption("Test scenario", 50, 7)
}

fn assert_has(svg: &str, needles: &[&str]) {
    assert!(svg.starts_with("<svg"));
    for n in needles {
        assert!(svg.contains(n), "SVG lacks {n:?}");
    }
}

fn sweep(paths: usize, grid: usize) -> SweepData {
    let labels = ["Status quo", "Stockpile 180 days"];
    let mut series = Vec::new();
    for (k, l) in labels.iter().enumerate() {
        let mut points = Vec::new();
        for i in 0..grid {
            for j in 0..(if paths >= 2 { grid } else { 1 }) {
                let mut values = vec![i as f64 * 30.0];
                if paths >= 2 {
                    values.push(j as f64 * 10.0);
                }
                for p in 2..paths {
                    values.push((i + j + p) as f64);
                }
                // The second strategy sets path 0 itself: path 0 does not move it.
                let x0 = if k == 1 { 90.0 } else { values[0] };
                let m = (20.0 - x0 / 10.0 - values.get(1).unwrap_or(&0.0) / 5.0 - 3.0 * k as f64)
                    .max(0.0);
                points.push(SweepPoint {
                    values,
                    mean: Some(m),
                    ci95: Some([m * 0.9, m * 1.1]),
                    met: Some(m <= 5.0),
                    cost: Some(1e6 + 1e3 * x0),
                });
            }
        }
        series.push(SweepSeries {
            label: l.to_string(),
            short: l.to_string(),
            color: k,
            not_moved_by: if k == 1 {
                vec![(
                    "material.ndpr.path_0_days".into(),
                    "sets this path itself".into(),
                )]
            } else {
                vec![]
            },
            points,
        });
    }
    SweepData {
        currency: "USD".into(),
        paths: (0..paths)
            .map(|p| format!("material.ndpr.path_{p}_days"))
            .collect(),
        metric: "shortfall_pct".into(),
        subject: "ndpr".into(),
        target: Some("mean(shortfall_pct) <= 5".into()),
        thresholds: vec![(5.0, "target: ≤ 5".into())],
        series,
    }
}

fn chart(name: &str, title: &str, kind: AnalysisKind) -> AnalysisChart {
    AnalysisChart {
        name: name.into(),
        title: title.into(),
        caption: cap(),
        kind,
    }
}

#[test]
fn sweep_line_heatmap_and_scatter() {
    let c = chart(
        "sweep",
        "Mean shortfall as stockpile grows",
        AnalysisKind::SweepLines(sweep(1, 7)),
    );
    let svg = render_svg(&c, DEFAULT_SIZE).unwrap();
    assert_has(
        &svg,
        &[
            "Mean shortfall as stockpile grows",
            "Status quo",
            "Stockpile 180 days",
            "material.ndpr.path_0_days",
            "mean shortfall, % of demand (ndpr)",
            "95% interval of the mean",
            "Scenario: Test scenario",
            "50 simulated futures",
            "seed 7",
            // The strategy that sets the swept path: a labelled flat dashed line.
            "Stockpile 180 days (sets this path itself)",
            "Stockpile 180 days: sets this path itself",
        ],
    );
    assert!(svg.contains("<polygon"), "bands are polygons");
    let c = chart(
        "sweep_heatmap",
        "Where is the target met?",
        AnalysisKind::SweepHeatmap(sweep(2, 5)),
    );
    let svg = render_svg(&c, DEFAULT_SIZE).unwrap();
    assert_has(
        &svg,
        &[
            "Where is the target met?",
            "Status quo",
            "material.ndpr.path_1_days",
            "Status quo: met at",
            "edge of the region where the target is met",
            "Stockpile 180 days: not moved by ndpr.path_0_days",
        ],
    );
    let c = chart(
        "sweep_scatter",
        "Scatter",
        AnalysisKind::SweepScatter(sweep(3, 3)),
    );
    let svg = render_svg(&c, DEFAULT_SIZE).unwrap();
    assert_has(
        &svg,
        &[
            "ndpr.path_2_days",
            "Stockpile 180 days (not moved by ndpr.path_0_days)",
            "hollow: target not met",
        ],
    );
}

/// The texts of an SVG written by plotters, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(body.trim().to_string())
        })
        .collect()
}

#[test]
fn heatmap_ticks_stand_at_the_grid_values() {
    // A grid off the round numbers: x = 7, 37, ..., 127 and y = 3, 13, ..., 43, so every
    // automatic tick (0, 20, 50, 100, ...) would differ from a grid value. Cell means are
    // 18.7 - 3i - 2j - 3k (fraction .7) or 0, so no cell label reads like a grid tick.
    let mut d = sweep(2, 5);
    for se in &mut d.series {
        for p in &mut se.points {
            p.values[0] += 7.0;
            p.values[1] += 3.0;
            let m = p.mean.map(|m| (m - 1.3).max(0.0));
            p.mean = m;
        }
    }
    let c = chart("sweep_heatmap", "Grid", AnalysisKind::SweepHeatmap(d));
    let svg = render_svg(&c, DEFAULT_SIZE).unwrap();
    let texts = svg_texts(&svg);
    for want in ["7", "37", "67", "97", "127", "3", "13", "23", "33", "43"] {
        assert!(
            texts.iter().any(|t| t == want),
            "no tick at grid value {want}: {texts:?}"
        );
    }
    for auto in ["20", "40", "50", "60", "80", "100", "120", "140", "150"] {
        assert!(
            !texts.iter().any(|t| t == auto),
            "a tick off the grid: {auto}: {texts:?}"
        );
    }
    // A dense grid is thinned to every k-th value, never to values off the grid.
    assert_eq!(tick_stride(40, 30), 1);
    assert_eq!(tick_stride(20, 30), 2);
    assert_eq!(tick_stride(10, 31), 4);
}

fn size_data() -> SizeData {
    let target = Target::parse("p95(shortfall_pct) <= 1").unwrap();
    let points: Vec<SizePoint> = [0.0f64, 45.0, 87.0, 90.0, 180.0]
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let st = (30.0 - v / 3.0).max(0.0);
            SizePoint {
                value: v,
                stage: "scan",
                order: k,
                clauses: vec![target.clauses[0].judge(
                    Some(st),
                    Some([st * 0.8, st * 1.2 + 0.1]),
                    0.95,
                    Rule::Point,
                )],
                met: st <= 1.0,
            }
        })
        .collect();
    SizeData {
        currency: "USD".into(),
        result: SizeResult {
            path: "material.ndpr.stockpile_days".into(),
            target: target.to_string(),
            rule: Rule::Point,
            range: [0.0, 180.0],
            step: 1.0,
            met: true,
            value: Some(90.0),
            at_value: points[3].clauses.clone(),
            bracket: Some([87.0, 90.0]),
            best: None,
            monotone: true,
            warnings: vec![],
            points,
        },
        target,
        subject: "ndpr".into(),
        strategy: "Status quo".into(),
    }
}

#[test]
fn size_chart_marks_target_and_answer() {
    let c = chart(
        "size",
        "How big must the stockpile be?",
        AnalysisKind::Size(size_data()),
    );
    let svg = render_svg(&c, DEFAULT_SIZE).unwrap();
    assert_has(
        &svg,
        &[
            "How big must the stockpile be?",
            "material.ndpr.stockpile_days",
            "p95 of shortfall, % of demand",
            "target: ≤ 1",
            "answer: 90",
            "target met (filled dot)",
            "not met (hollow square)",
            "seed 7",
        ],
    );
}

fn oat(path: &str, rank: usize, lo: f64, hi: f64) -> OatRow {
    OatRow {
        moved: Move {
            path: path.into(),
            kind: "whole_days",
            base: 100.0,
            low: Some(80.0),
            high: Some(120.0),
            note: None,
        },
        metric_low: Some(lo),
        metric_base: Some(5.0),
        metric_high: Some(hi),
        low_minus_base: Some(lo - 5.0),
        low_minus_base_ci95: Some([lo - 5.5, lo - 4.5]),
        high_minus_base: Some(hi - 5.0),
        high_minus_base_ci95: Some([hi - 5.5, hi - 4.5]),
        diff: Some(hi - lo),
        diff_ci95: None,
        swing: Some((hi - lo).abs()),
        distinguishable: Some(true),
        rank: Some(rank),
    }
}

#[test]
fn tornado_and_sobol_name_their_paths() {
    let d = TornadoData {
        currency: "USD".into(),
        rows: vec![
            oat("material.ndpr.stockpile_days", 1, 8.0, 2.0),
            oat("material.ndpr.private_days", 2, 6.0, 4.5),
            OatRow {
                distinguishable: Some(false),
                low_minus_base_ci95: Some([-0.5, 0.6]),
                high_minus_base_ci95: Some([-0.4, 0.5]),
                ..oat("material.ndpr.refill_rate", 3, 5.05, 4.98)
            },
        ],
        metric: "shortfall_pct".into(),
        subject: "ndpr".into(),
        strategy: "Status quo".into(),
        delta: 0.2,
        top: 15,
    };
    let svg = render_svg(
        &chart(
            "tornado",
            "What moves shortfall most?",
            AnalysisKind::Tornado(d),
        ),
        DEFAULT_SIZE,
    )
    .unwrap();
    assert_has(
        &svg,
        &[
            "What moves shortfall most?",
            "material.ndpr.stockpile_days",
            "material.ndpr.private_days",
            "path moved down 20%",
            "at 80",
            "at 120",
            "base: 5",
            "mean shortfall, % of demand (ndpr)",
            "paired 95% interval",
            "indistinguishable from noise",
            "at 80 · noise",
        ],
    );
    let row = |p: &str, f: f64, rank| SobolRow {
        input: SobolInput {
            path: p.into(),
            lo: 80.0,
            hi: 120.0,
        },
        first: Some(f),
        first_ci95: Some([f - 0.1, f + 0.1]),
        total: Some(f + 0.05),
        total_ci95: Some([f - 0.05, f + 0.15]),
        first_raw: Some(f),
        total_raw: Some(f + 0.05),
        converged: true,
        note: None,
        rank,
    };
    let d = SobolData {
        currency: "USD".into(),
        result: SobolResult {
            n: 32,
            runs: 128,
            bootstrap: 500,
            variance: 1.0,
            widest_first_ci: Some(0.2),
            widest_total_ci: Some(0.2),
            converged: true,
            rows: vec![
                row("material.ndpr.stockpile_days", 0.8, 1),
                row("material.ndpr.private_days", 0.02, 2),
                SobolRow {
                    first: Some(-0.3),
                    converged: false,
                    note: Some("not converged (first-order index below 0): raise N".into()),
                    ..row("material.ndpr.refill_rate", 0.1, 3)
                },
            ],
        },
        metric: "shortfall_pct".into(),
        subject: "ndpr".into(),
    };
    let svg = render_svg(
        &chart("sobol", "Sobol", AnalysisKind::Sobol(d)),
        DEFAULT_SIZE,
    )
    .unwrap();
    assert_has(
        &svg,
        &[
            "material.ndpr.stockpile_days (80–120)",
            "first-order index",
            "total index",
            "Sobol index (share of variance)",
            "N = 32",
            "not converged: raise N",
            "Saltelli 2010",
        ],
    );
}

fn erow(entity: &str, tts: Option<f64>, ttr: Option<f64>, rank: usize) -> ExposureRow {
    ExposureRow {
        rank,
        kind: EntityKind::Supplier,
        // The entity is `material.supplier`.
        entity: match entity.split_once('.') {
            Some((m, s)) => EntityId::Supplier(m.parse().unwrap(), s.parse().unwrap()),
            None => panic!("{entity} is no `material.supplier`"),
        },
        material: "ndpr".parse().unwrap(),
        suppliers_lost: vec![entity.rsplit('.').next().unwrap().parse().unwrap()],
        share_lost: 0.9,
        tts_days: tts,
        tts_horizon: 400,
        ttr_days: ttr,
        ttr_source: "--ttr".into(),
        shortfall_units: None,
        shortfall_pct: None,
        at_risk: match (tts, ttr) {
            (Some(a), Some(b)) => Some(a < b),
            (None, Some(_)) => Some(false),
            _ => None,
        },
        gap_days: None,
    }
}

#[test]
fn exposure_marks_nodes_at_risk_in_text() {
    let d = ExposureData {
        rows: vec![
            erow("ndpr.cn", Some(60.0), Some(180.0), 1),
            erow("ndpr.au", Some(200.0), Some(90.0), 2),
            erow("ndpr.us", None, Some(90.0), 3),
        ],
        top: 25,
    };
    let svg = render_svg(
        &chart(
            "exposure",
            "Where does the stock run out first?",
            AnalysisKind::Exposure(d),
        ),
        DEFAULT_SIZE,
    )
    .unwrap();
    assert_has(
        &svg,
        &[
            "Where does the stock run out first?",
            "supplier ndpr.cn (ndpr)",
            "supplier ndpr.au (ndpr)",
            "AT RISK: TTS 60 d &lt; TTR 180 d",
            "covered: TTS 200 d",
            "no shortfall in 400 days simulated",
            "days from the loss",
            "time to recover (TTR)",
        ],
    );
}

#[test]
fn analysis_png_has_the_promised_size() {
    let c = chart("size", "Size", AnalysisKind::Size(size_data()));
    for (w, h) in [DEFAULT_SIZE, (800, 450)] {
        let png = render_png(&c, (w, h)).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        assert_eq!((be(&png[16..20]), be(&png[20..24])), (w, h));
    }
}

#[test]
fn helpers() {
    assert_eq!(
        short_path("material.ndpr.stockpile_days"),
        "ndpr.stockpile_days"
    );
    assert_eq!(metric_words("shortfall_pct"), "shortfall, % of demand");
    assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
    assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
    assert_eq!(edges(&[0.0, 10.0, 20.0]), vec![-5.0, 5.0, 15.0, 25.0]);
}
