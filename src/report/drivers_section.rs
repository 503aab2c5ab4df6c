//! The run report's section "What drives the worst futures" (issue 13): for a run made
//! with `--drivers`, the worst [`TAIL`] of futures by the reference strategy's total
//! shortfall contrasted with the rest ([`crate::explore::drivers`]): the features ranked
//! with their intervals, the PRIM box in words, and the two drivers charts.
//!
//! Only with `--drivers`: drawing the drivers again costs about 5% of a run's CPU
//! (docs/drivers.md), more than the few percent an always-on output may cost, and a run
//! without the flag keeps its report byte-identical. The section's analysis is the one
//! `chokepoint drivers OUT_DIR` makes with its defaults, so the command reproduces it
//! (and goes further: other tails, metrics, strategies, `--worse A --than B`).
//!
//! Uses `model`, `sim` (the drivers, re-drawn from the run's streams), `stats` (the
//! totals), `explore::drivers` and `charts::explore`; pure apart from reading the
//! replications.

use crate::charts::explore::{AnalysisChart, AnalysisKind, DriversData};
use crate::explore::drivers::{self, DriversProblem, DriversRequest, Feature, FeatureTable};
use crate::explore::drivers::{DriversResult, Question};
use crate::model::Scenario;
use crate::numfmt;
use crate::sim::{Metric, Replications, drivers as sim_drivers};
use crate::stats::{TotalMetric, total_column};
use serde::Serialize;

/// Share of worst futures the section explains.
pub const TAIL: f64 = 0.05;

/// Most futures the section analyses (the first ones; each future is an independent
/// draw, so the first `MAX_FUTURES` are a random sample of them all): the feature table
/// holds 8 bytes per feature and future.
pub const MAX_FUTURES: u64 = 200_000;

/// Features listed in the section's table.
const ROWS: usize = 8;

/// One row of the section's ranking table, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// Rank (1 = separates best).
    pub rank: usize,
    /// The feature in words.
    pub words: String,
    /// Share of the worst futures with the feature.
    pub selected: String,
    /// Its Wilson 95% interval.
    pub selected_ci: Option<[String; 2]>,
    /// Share of all futures with the feature.
    pub all: String,
    /// Standardised difference (or `+∞ (separates)`).
    pub d: String,
    /// Its 95% interval.
    pub d_ci: Option<[String; 2]>,
}

/// What the section shows.
#[derive(Debug, Clone)]
pub struct DriversSection {
    /// The outcome ranking the futures, in words.
    pub outcome_words: String,
    /// Futures analysed and of the run.
    pub analysed: u64,
    /// Futures of the run.
    pub replications: u64,
    /// The findings in plain words (plain text).
    pub findings: Vec<String>,
    /// The top features.
    pub rows: Vec<RankRow>,
    /// The analysis.
    pub result: DriversResult,
    /// The two charts (`drivers_ranking`, `drivers_peeling`).
    pub charts: Vec<AnalysisChart>,
}

/// The features of `scn`'s drivers columns ([`sim_drivers::columns`]).
pub fn features(scn: &Scenario) -> Vec<Feature> {
    sim_drivers::columns(scn)
        .into_iter()
        .map(Feature::from)
        .collect()
}

/// The default outcome of `chokepoint drivers` (and of this section), of the reference
/// strategy: `None` for the shortfall_pct of the only material, else the total
/// shortfall_units when every material has the same unit, else the total shortage_cost.
pub fn default_total(scn: &Scenario) -> Option<TotalMetric> {
    if scn.materials().len() == 1 {
        None
    } else if scn.materials().windows(2).all(|w| w[0].unit == w[1].unit) {
        Some(TotalMetric::ShortfallUnits)
    } else {
        Some(TotalMetric::ShortageCost)
    }
}

/// The default outcome ([`default_total`]) in words.
pub fn outcome_words(scn: &Scenario) -> String {
    let sid = &scn.strategies()[scn.reference()].id;
    match default_total(scn) {
        None => format!("shortfall_pct of {}, strategy {sid}", scn.materials()[0].id),
        Some(t) => format!("total {}, strategy {sid}", t.name()),
    }
}

/// The default outcome of each future of `res` ([`default_total`]), with its words.
fn outcome<R: Replications + ?Sized>(
    scn: &Scenario,
    res: &R,
) -> Result<(Vec<f64>, String), R::Error> {
    let s = scn.reference();
    let y = match default_total(scn) {
        None => res.column(s, 0, Metric::ShortfallPct)?,
        Some(t) => total_column(scn, res, s, t)?,
    };
    Ok((y, outcome_words(scn)))
}

/// The section for the run of `scn` with `seed` whose replications `res` start at
/// `first`: `None` when there are too few futures (fewer than 20) to contrast a tail.
///
/// # Errors
/// When the replications cannot be read.
pub fn drivers_section<R: Replications + ?Sized>(
    scn: &Scenario,
    res: &R,
    seed: u64,
    first: u64,
) -> Result<Option<DriversSection>, R::Error> {
    let replications = res.shape().replications;
    let (y, outcome_words) = outcome(scn, res)?;
    Ok(drivers_section_of(
        scn,
        y,
        outcome_words,
        seed,
        first,
        replications,
    ))
}

/// The section for the run of `scn` with `seed` of `replications` futures from
/// replication `first`, whose outcomes (one per future, in replication order, larger =
/// worse) are `y`, described as `outcome_words` ([`outcome_words`]): the drivers are
/// drawn again from the run's streams. `None` when there are too few futures.
pub fn drivers_section_of(
    scn: &Scenario,
    mut y: Vec<f64>,
    outcome_words: String,
    seed: u64,
    first: u64,
    replications: u64,
) -> Option<DriversSection> {
    let analysed = replications.min(MAX_FUTURES);
    y.truncate(analysed as usize);
    let table = FeatureTable {
        features: features(scn),
        replications: (first..first + analysed).collect(),
        values: sim_drivers::sample(scn, seed, first..first + analysed),
    };
    let req = DriversRequest {
        table,
        outcome: y,
        question: Question::Tail { share: TAIL },
        outcome_words: outcome_words.clone(),
        alpha: 0.05,
        min_support: None,
    };
    let problem = DriversProblem::new(req).ok()?;
    let result = drivers::run(&problem);
    let findings = drivers::findings(problem.request(), &result);
    let rows = result
        .ranking
        .iter()
        .take(ROWS)
        .map(|r| {
            let pct = |x: f64| {
                if x.is_nan() {
                    "–".to_string()
                } else {
                    numfmt::share(x)
                }
            };
            let (d, d_ci) = if r.separates {
                let sign = if r.separates_sign > 0 { "+" } else { "−" };
                (format!("{sign}∞ (separates)"), None)
            } else {
                match (r.std_diff, r.std_diff_ci95) {
                    (Some(d), Some([a, b])) => (
                        format!("{d:.2}"),
                        Some([format!("{a:.2}"), format!("{b:.2}")]),
                    ),
                    (Some(d), None) => (format!("{d:.2}"), None),
                    _ => ("–".into(), None),
                }
            };
            RankRow {
                rank: r.rank,
                words: r.words.clone(),
                selected: pct(r.share_selected),
                selected_ci: (!r.share_selected.is_nan())
                    .then(|| [pct(r.share_selected_ci95[0]), pct(r.share_selected_ci95[1])]),
                all: pct(r.share_all),
                d,
                d_ci,
            }
        })
        .collect();
    let data = DriversData {
        ranking: result.ranking.clone(),
        trajectory: result.trajectory.clone(),
        chosen: result.chosen.clone(),
        base_rate: result.base_rate,
        selected: format!(
            "the worst {} of futures by {outcome_words}",
            numfmt::share(TAIL)
        ),
        top: 14,
    };
    let caption = format!(
        "Scenario: {} · {} simulated futures{} · seed {seed}",
        scn.name(),
        analysed,
        if analysed < replications {
            format!(" (the first of {replications})")
        } else {
            String::new()
        }
    );
    let charts = vec![
        AnalysisChart {
            name: "drivers_ranking".into(),
            title: "What sets the worst futures apart".into(),
            caption: caption.clone(),
            kind: AnalysisKind::DriversRanking(data.clone()),
        },
        AnalysisChart {
            name: "drivers_peeling".into(),
            title: "Scenario discovery: PRIM's peeling trajectory".into(),
            caption,
            kind: AnalysisKind::DriversPeeling(data),
        },
    ];
    Some(DriversSection {
        outcome_words,
        analysed,
        replications,
        findings,
        rows,
        result,
        charts,
    })
}
