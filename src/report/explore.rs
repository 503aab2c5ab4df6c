//! The charts and `report.html` content of the explore commands (`sweep`, `size`,
//! `sensitivity`, `exposure`), assembled from their typed results: titles, captions,
//! subtitles, findings and tables. Pure: results in, an [`AnalysisPage`] and its
//! [`AnalysisChart`]s out; [`super::pages::explore::write_analysis_outputs`] renders and saves
//! them.

use super::pages::explore::{self as page, AnalysisPage, Provenance};
use crate::charts::explore::{
    AnalysisChart, AnalysisKind, ExposureData, SizeData, SobolData, SweepData, TornadoData,
    caption, metric_words, short_path,
};
use crate::explore::drivers::{DriversRequest, DriversResult, Question};
use crate::explore::exposure::{ExposureProblem, ExposureRow};
use crate::explore::sensitivity::{SensitivityProblem, SensitivityResult};
use crate::explore::size::{SizeProblem, SizeResult};
use crate::explore::sweep::{SweepProblem, SweepResult};
use crate::numfmt;

/// The first words of a metric's description (`shortfall_pct` → `shortfall`).
fn metric_short(metric: &str) -> String {
    metric_words(metric)
        .split(',')
        .next()
        .unwrap_or(metric)
        .to_string()
}

/// The chart and page of a sweep: lines for one path, a heatmap for a two-path grid,
/// scatters otherwise.
pub fn sweep_page(
    problem: &SweepProblem,
    result: &SweepResult,
    provenance: Provenance,
) -> (Vec<AnalysisChart>, AnalysisPage) {
    let (scn, spec, view) = (problem.base(), &problem.spec, &problem.view);
    let material = view.subject.id(scn);
    let data = SweepData::from_sweep(problem, result);
    let short = metric_short(view.metric.name());
    let (name, title, kind) = if spec.vary.len() == 1 {
        (
            "sweep",
            format!(
                "How mean {short} ({material}) changes with {}",
                short_path(&spec.vary[0].path)
            ),
            AnalysisKind::SweepLines(data.clone()),
        )
    } else if spec.vary.len() == 2 && spec.lhs.is_none() {
        (
            "sweep_heatmap",
            format!(
                "Mean {short} ({material}) over {} and {}",
                short_path(&spec.vary[0].path),
                short_path(&spec.vary[1].path)
            ),
            AnalysisKind::SweepHeatmap(data.clone()),
        )
    } else {
        (
            "sweep_scatter",
            format!(
                "Mean {short} ({material}) against each of {} varied paths",
                spec.vary.len()
            ),
            AnalysisKind::SweepScatter(data.clone()),
        )
    };
    let chart = AnalysisChart {
        name: name.into(),
        title,
        caption: caption(scn.name(), spec.replications, spec.seed),
        kind,
    };
    let page = AnalysisPage {
        title: format!("Sweep — {}", scn.name()),
        subtitle: format!(
            "{} {} over {}; {} simulated futures per point, seed {}; chart of mean {} \
             ({material}){}.",
            spec.points.len(),
            if spec.lhs.is_some() {
                "Latin-hypercube points"
            } else {
                "grid points"
            },
            spec.vary
                .iter()
                .map(|v| format!("{} = {}..{}", v.path, v.lo, v.hi))
                .collect::<Vec<_>>()
                .join(", "),
            spec.replications,
            spec.seed,
            view.metric,
            view.target
                .as_ref()
                .map(|t| format!(", target {t}"))
                .unwrap_or_default()
        ),
        findings: page::sweep_findings(&data),
        tables: vec![("Points".into(), page::sweep_table(&data, 60))],
        files: vec!["sweep.csv".into(), "sweep.json".into()],
        provenance,
        ..AnalysisPage::default()
    };
    (vec![chart], page)
}

/// The chart and page of a sizing: the statistic against the parameter, the target and
/// the answer.
pub fn size_page(
    problem: &SizeProblem,
    result: &SizeResult,
    provenance: Provenance,
) -> (Vec<AnalysisChart>, AnalysisPage) {
    let ev = problem.evaluator();
    let (scn, spec) = (ev.base(), &problem.spec);
    let material = problem.subject.id(scn);
    let strategy_label = scn.strategies()[0].label.clone();
    let data = SizeData {
        result: result.clone(),
        target: problem.target.clone(),
        subject: material.clone(),
        strategy: strategy_label.clone(),
        currency: scn.currency().to_string(),
    };
    let chart = AnalysisChart {
        name: "size".into(),
        title: format!(
            "How large must {} be to meet {}?",
            short_path(&spec.path),
            result.target
        ),
        caption: caption(scn.name(), ev.replications, ev.seed),
        kind: AnalysisKind::Size(data.clone()),
    };
    let page = AnalysisPage {
        title: format!("Sizing {} — {}", spec.path, scn.name()),
        subtitle: format!(
            "The smallest value of {} in {}..{} meeting \"{}\" ({}) for {material} under \
             {}, {} simulated futures per value, seed {}.",
            spec.path,
            numfmt::shortest(spec.lo),
            numfmt::shortest(spec.hi),
            result.target,
            page::rule_words(spec.rule),
            strategy_label,
            ev.replications,
            ev.seed
        ),
        findings: page::size_findings(&data, problem.current),
        warnings: result.warnings.clone(),
        tables: vec![("Every value evaluated".into(), page::size_table(&data))],
        files: vec!["size.csv".into(), "size.json".into()],
        provenance,
        ..AnalysisPage::default()
    };
    (vec![chart], page)
}

/// The tornado chart (and the Sobol chart, when computed) and page of a sensitivity
/// analysis.
pub fn sensitivity_page(
    problem: &SensitivityProblem,
    result: &SensitivityResult,
    provenance: Provenance,
) -> (Vec<AnalysisChart>, AnalysisPage) {
    let ev = problem.evaluator();
    let scn = ev.base();
    let (metric, material) = (&problem.metric, problem.subject.id(scn));
    let strategy_label = scn.strategies()[0].label.clone();
    let caption = caption(scn.name(), ev.replications, ev.seed);
    let delta_pct = numfmt::shortest(problem.delta * 100.0);
    let tornado = TornadoData {
        rows: result.rows.clone(),
        metric: metric.name().to_string(),
        subject: material.clone(),
        strategy: strategy_label.clone(),
        delta: problem.delta,
        top: 15,
        currency: scn.currency().to_string(),
    };
    let mut charts = vec![AnalysisChart {
        name: "tornado".into(),
        title: format!(
            "Which assumptions move mean {} ({material}) most? Each path ±{delta_pct}%",
            metric_short(metric.name())
        ),
        caption: caption.clone(),
        kind: AnalysisKind::Tornado(tornado.clone()),
    }];
    let sobol = result.sobol.as_ref().map(|r| SobolData {
        result: r.clone(),
        metric: metric.name().to_string(),
        subject: material.clone(),
        currency: scn.currency().to_string(),
    });
    let mut tables = vec![(
        "Paths ranked by swing".to_string(),
        page::tornado_table(&tornado, 30),
    )];
    let mut files = vec!["sensitivity.csv".to_string(), "sensitivity.json".into()];
    if let Some(d) = &sobol {
        charts.push(AnalysisChart {
            name: "sobol".into(),
            title: "How much of the variance does each path explain? Sobol indices".into(),
            caption: caption.clone(),
            kind: AnalysisKind::Sobol(d.clone()),
        });
        tables.push(("Sobol indices".into(), page::sobol_table(d)));
        files.push("sobol.csv".into());
    }
    let page = AnalysisPage {
        title: format!("Sensitivity — {}", scn.name()),
        subtitle: format!(
            "Mean {metric} ({material}) under {strategy_label} as each of {} paths moves \
             ±{delta_pct}% alone; {} simulated futures per run, seed {}.",
            problem.paths.len(),
            ev.replications,
            ev.seed
        ),
        findings: page::sensitivity_findings(&tornado, sobol.as_ref(), Some(ev.replications)),
        tables,
        files,
        provenance,
        ..AnalysisPage::default()
    };
    (charts, page)
}

/// The chart (TTS against TTR per node) and page of an exposure table.
pub fn exposure_page(
    problem: &ExposureProblem,
    rows: &[ExposureRow],
    provenance: Provenance,
) -> (Vec<AnalysisChart>, AnalysisPage) {
    let (scn, strategy) = (problem.scenario(), &problem.strategy);
    let chart = AnalysisChart {
        name: "exposure".into(),
        title: "Which losses would stocks not outlast? Time to survive against time to recover"
            .into(),
        caption: format!(
            "Scenario: {} · strategy {strategy} · deterministic: one future, total loss from \
             day 0, no other shock, no demand noise",
            scn.name()
        ),
        kind: AnalysisKind::Exposure(ExposureData {
            rows: rows.to_vec(),
            top: 24,
        }),
    };
    let page = AnalysisPage {
        title: format!("Exposure — {}", scn.name()),
        subtitle: format!(
            "Time to survive (TTS) against time to recover (TTR) for the loss of each \
             supplier, country and route, strategy {strategy}{}.",
            problem
                .ttr
                .map(|t| format!(", TTR {} days for every node", numfmt::shortest(t)))
                .unwrap_or_default()
        ),
        findings: page::exposure_findings(rows),
        tables: vec![(
            "Nodes ranked by exposure".into(),
            page::exposure_table(rows),
        )],
        files: vec!["exposure.csv".into(), "exposure.json".into()],
        provenance,
        ..AnalysisPage::default()
    };
    (vec![chart], page)
}

/// The charts and page of `chokepoint drivers`: the feature ranking, the peeling
/// trajectory, the findings, the ranked table and the chosen box's rules.
pub fn drivers_page(
    scn: &crate::model::Scenario,
    req: &DriversRequest,
    res: &DriversResult,
    findings: &[String],
    provenance: Provenance,
) -> (Vec<AnalysisChart>, AnalysisPage) {
    let selected = match &req.question {
        Question::Tail { share } => format!(
            "the worst {}% of futures by {}",
            numfmt::shortest(share * 100.0),
            req.outcome_words
        ),
        Question::Worse { worse, than } => format!(
            "the futures where {worse} does worse than {than} on {}",
            req.outcome_words
        ),
    };
    let data = crate::charts::explore::DriversData {
        ranking: res.ranking.clone(),
        trajectory: res.trajectory.clone(),
        chosen: res.chosen.clone(),
        base_rate: res.base_rate,
        selected: selected.clone(),
        top: 14,
    };
    let cap = format!(
        "Scenario: {} · {} simulated futures of a saved run · seed {}",
        scn.name(),
        res.n,
        provenance.seed.unwrap_or(0)
    );
    let charts = vec![
        AnalysisChart {
            name: "drivers_ranking".into(),
            title: "What sets the selected futures apart".into(),
            caption: cap.clone(),
            kind: AnalysisKind::DriversRanking(data.clone()),
        },
        AnalysisChart {
            name: "drivers_peeling".into(),
            title: "Scenario discovery: PRIM's peeling trajectory".into(),
            caption: cap,
            kind: AnalysisKind::DriversPeeling(data),
        },
    ];
    let share = |x: f64| {
        if x.is_nan() {
            "–".to_string()
        } else {
            format!("{:.0}%", x * 100.0)
        }
    };
    let ranked = page::Table {
        head: [
            "rank",
            "feature",
            "selected with it",
            "all with it",
            "mean, selected",
            "mean, rest",
            "std. difference [95%]",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![true, false, true, true, true, true, true],
        rows: res
            .ranking
            .iter()
            .take(15)
            .map(|r| {
                let d = if r.separates {
                    if r.separates_sign > 0 {
                        "+∞ (separates)".to_string()
                    } else {
                        "−∞ (separates)".to_string()
                    }
                } else {
                    match (r.std_diff, r.std_diff_ci95) {
                        (Some(d), Some([a, b])) => format!("{d:.2} [{a:.2}, {b:.2}]"),
                        (Some(d), None) => format!("{d:.2}"),
                        _ => "–".into(),
                    }
                };
                let m = numfmt::sig4;
                (
                    vec![
                        r.rank.to_string(),
                        r.words.clone(),
                        share(r.share_selected),
                        share(r.share_all),
                        m(r.mean_selected),
                        m(r.mean_rest),
                        d,
                    ],
                    r.separates || r.std_diff.is_some_and(|d| d.abs() >= 0.8),
                )
            })
            .collect(),
        note: (res.ranking.len() > 15)
            .then(|| format!("{} more features in drivers.csv", res.ranking.len() - 15)),
    };
    let boxes = page::Table {
        head: ["step", "rules", "support", "coverage", "density"]
            .map(String::from)
            .to_vec(),
        numeric: vec![true, false, true, true, true],
        rows: std::iter::once((
            vec![
                format!("{} (refined)", res.chosen.step),
                rules(&res.chosen),
                share(res.chosen.support),
                share(res.chosen.coverage),
                share(res.chosen.density),
            ],
            true,
        ))
        .chain(thin(&res.trajectory, 20).into_iter().map(|b| {
            (
                vec![
                    b.step.to_string(),
                    rules(b),
                    share(b.support),
                    share(b.coverage),
                    share(b.density),
                ],
                false,
            )
        }))
        .collect(),
        note: Some(format!(
            "PRIM, alpha {}, smallest support {}; the chosen box has the largest harmonic \
             mean of coverage and density, refined limit by limit.{}",
            numfmt::shortest(res.alpha),
            share(res.min_support),
            if res.trajectory.len() > 20 {
                format!(
                    " 20 of the {} boxes shown; all in drivers.json.",
                    res.trajectory.len()
                )
            } else {
                String::new()
            }
        )),
    };
    let page = AnalysisPage {
        title: format!("Drivers — {}", scn.name()),
        subtitle: format!(
            "What {selected} have in common: {} of {} futures.",
            res.n_selected, res.n
        ),
        findings: findings.iter().map(|f| super::pages::escape(f)).collect(),
        tables: vec![
            ("Features ranked by how they separate them".into(), ranked),
            (
                "PRIM boxes: the chosen one, then the peeling trajectory".into(),
                boxes,
            ),
        ],
        files: vec!["drivers.csv".into(), "drivers.json".into()],
        provenance,
        ..AnalysisPage::default()
    };
    (charts, page)
}

/// At most `k` boxes of a trajectory, evenly spaced, the first and the last kept.
fn thin(
    t: &[crate::explore::drivers::PrimBox],
    k: usize,
) -> Vec<&crate::explore::drivers::PrimBox> {
    if t.len() <= k {
        return t.iter().collect();
    }
    let mut idx: Vec<usize> = (0..k).map(|i| i * (t.len() - 1) / (k - 1)).collect();
    idx.dedup();
    idx.into_iter().map(|i| &t[i]).collect()
}

/// A box's rules joined with AND (`every future` for none).
fn rules(b: &crate::explore::drivers::PrimBox) -> String {
    if b.limits.is_empty() {
        "every future".into()
    } else {
        b.limits
            .iter()
            .map(|l| l.words.as_str())
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}
