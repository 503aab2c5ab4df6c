//! Backtests: replay recorded episodes and check that the model reproduces what happened.
//!
//! An episode is a replay scenario (`scenarios/backtests/*.toml`, onset fixed at the real
//! day, parameters as of the episode) plus a *recorded outcome*: a quantity the model
//! computes (time to survive, days short, recovery, shortfall share, restock time), the
//! value or range that was observed, and the facts of `docs/sources.md` it comes from.
//! The scenario format refuses unknown tables, so the recorded outcomes live in a sidecar
//! file, `episodes.toml`, in the same folder ([`EPISODES_FILE`]).
//!
//! [`run_all`] simulates every episode through the public library API (the same
//! [`crate::sim::run`] as `chokepoint run`), takes the simulated distribution of the
//! episode's quantity for its material and strategy (median and 90% interval, the P5 and
//! P95 of the replications by [`crate::stats::quantile_sorted`]), and gives a verdict:
//! *inside* when the recorded range meets the simulated 90% interval, *missed* otherwise.
//! [`render_markdown`] turns the outcomes into `docs/backtests.md`.
//!
//! Depends on [`crate::scenario`], [`crate::model`], [`crate::sim`] and [`crate::stats`];
//! reads the episode and scenario files it is pointed at and writes nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::Scenario;
use crate::sim::{self, Metric, MetricsRow, NoProgress, RunOptions};
use crate::stats::quantile_sorted;

/// Name of the sidecar file that holds the recorded outcomes, in the backtest folder.
pub const EPISODES_FILE: &str = "episodes.toml";

/// A quantity the model computes per replication and an episode can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Days from the first supply-loss onset to the first shortfall day (`tts_days`); a
    /// future with no shortfall counts as "none within the horizon" (+∞).
    TtsDays,
    /// Days with a shortfall over the horizon (`days_short`).
    DaysShort,
    /// Longest shortfall episode counted from the onset that caused it (`recovery_days`);
    /// a future with no shortfall counts as 0.
    RecoveryDays,
    /// Shortfall as percent of demand over the horizon (`shortfall_pct`).
    ShortfallPct,
    /// Days from the first onset until the stockpile is back at target (`restock_days`):
    /// 0 when the stockpile was never drawn, +∞ when it is not back within the horizon.
    RestockDays,
}

impl Quantity {
    /// The metric name of the quantity (as in `summary.json`).
    pub fn name(self) -> &'static str {
        self.metric().name()
    }

    /// The metric the quantity reads.
    pub fn metric(self) -> Metric {
        match self {
            Quantity::TtsDays => Metric::TtsDays,
            Quantity::DaysShort => Metric::DaysShort,
            Quantity::RecoveryDays => Metric::RecoveryDays,
            Quantity::ShortfallPct => Metric::ShortfallPct,
            Quantity::RestockDays => Metric::RestockDays,
        }
    }

    /// Plain-words label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Quantity::TtsDays => "time to the first shortfall (days after onset)",
            Quantity::DaysShort => "days with a shortfall",
            Quantity::RecoveryDays => "days from onset to the end of the shortfall",
            Quantity::ShortfallPct => "shortfall, % of demand over the horizon",
            Quantity::RestockDays => "days from onset until stocks are back at target",
        }
    }

    /// Whether the quantity is a percentage (else days).
    pub fn is_pct(self) -> bool {
        matches!(self, Quantity::ShortfallPct)
    }

    /// The value of one replication, with the conventions of each variant for absent
    /// metrics (+∞ means "not within the horizon").
    pub fn value(self, row: &MetricsRow) -> f64 {
        match self {
            Quantity::TtsDays => row.value(Metric::TtsDays).unwrap_or(f64::INFINITY),
            Quantity::DaysShort => row.get(Metric::DaysShort),
            Quantity::RecoveryDays => row.value(Metric::RecoveryDays).unwrap_or(0.0),
            Quantity::ShortfallPct => row.get(Metric::ShortfallPct),
            Quantity::RestockDays => match row.value(Metric::RestockDays) {
                Some(v) => v,
                // Absent: either never drawn (nothing to restore) or not back in time.
                None => match row.value(Metric::StockpileMinPct) {
                    Some(m) if m < 100.0 => f64::INFINITY,
                    _ => 0.0,
                },
            },
        }
    }
}

/// What the backtest expects of an episode (recorded in `episodes.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The recorded range meets the simulated 90% interval.
    Inside,
    /// It does not.
    Missed,
}

impl Verdict {
    /// Word used in tables.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Inside => "inside",
            Verdict::Missed => "missed",
        }
    }
}

/// Why an episode is missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissKind {
    /// A parameter was wrong for the episode.
    Parameter,
    /// The model lacks a mechanism that mattered.
    Mechanism,
    /// The recorded fact is too weak to judge by.
    Fact,
}

impl MissKind {
    /// Words used in tables.
    pub fn words(self) -> &'static str {
        match self {
            MissKind::Parameter => "wrong parameter",
            MissKind::Mechanism => "missing mechanism",
            MissKind::Fact => "weak fact",
        }
    }
}

/// One recorded outcome of an episode (an `[[episode]]` of `episodes.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    /// Id, unique in the file.
    pub id: String,
    /// Title, e.g. "Rare-earth licensing, April 2025: first stopped line".
    pub title: String,
    /// Replay scenario file, relative to the backtest folder.
    pub scenario: String,
    /// Material id in the scenario.
    pub material: String,
    /// Strategy id (default: the scenario's reference strategy).
    #[serde(default)]
    pub strategy: Option<String>,
    /// The quantity compared.
    pub quantity: Quantity,
    /// Lowest recorded value (equal to `recorded_max` for a point).
    pub recorded_min: f64,
    /// Highest recorded value.
    pub recorded_max: f64,
    /// The recorded outcome in words, citing its facts.
    pub recorded_text: String,
    /// Fact ids of `docs/sources.md` behind the recorded outcome (e.g. `RE-49`).
    pub sources: Vec<String>,
    /// The verdict the last calibrated run gave; the tests fail when an episode expected
    /// inside falls outside.
    pub expected: Verdict,
    /// For a miss: which kind of cause.
    #[serde(default)]
    pub miss_kind: Option<MissKind>,
    /// Why the model gets it (or misses it), in plain words.
    pub why: String,
}

/// The sidecar file: episodes in order, plus closing notes for the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodesFile {
    /// The recorded outcomes.
    pub episode: Vec<Episode>,
    /// Markdown appended to `docs/backtests.md` (findings, calibration, what waits).
    #[serde(default)]
    pub notes: String,
}

/// The simulated distribution of an episode's quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulated {
    /// Replications.
    pub n: usize,
    /// Seed.
    pub seed: u64,
    /// Horizon of the replay, days.
    pub horizon_days: u32,
    /// 5th percentile (+∞ when more than 95% of futures are "not within the horizon").
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Share of futures whose value is +∞ (not within the horizon).
    pub share_censored: f64,
}

/// An episode with its simulated distribution and verdict.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The episode as recorded.
    pub episode: Episode,
    /// The scenario's title.
    pub scenario_name: String,
    /// The simulated distribution.
    pub simulated: Simulated,
    /// Inside when the recorded range meets `[p5, p95]`.
    pub verdict: Verdict,
}

/// A problem loading or running the backtests.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `episodes.toml` is malformed.
    #[error("{path}: {message}")]
    Episodes {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A replay scenario is invalid (its diagnostics, rendered).
    #[error("{path}: invalid scenario:\n{message}")]
    Scenario {
        /// The file.
        path: PathBuf,
        /// The rendered problems.
        message: String,
    },
}

/// Reads `DIR/episodes.toml` and checks what can be checked without the scenarios: unique
/// ids, a recorded range with `min <= max`, at least one source, a miss kind for misses.
pub fn load_episodes(dir: &Path) -> Result<EpisodesFile, BacktestError> {
    let path = dir.join(EPISODES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| BacktestError::Io {
        path: path.clone(),
        source,
    })?;
    let file: EpisodesFile = toml::from_str(&text).map_err(|e| {
        // Locate the problem as line:column (1-based) from the error's byte span.
        let at = e.span().map_or(String::new(), |span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{line}:{col}: ")
        });
        BacktestError::Episodes {
            path: path.clone(),
            message: format!("{at}{}", e.message()),
        }
    })?;
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in &file.episode {
        if !seen.insert(e.id.as_str()) {
            problems.push(format!("episode `{}`: duplicate id", e.id));
        }
        if !(e.recorded_min <= e.recorded_max) {
            problems.push(format!(
                "episode `{}`: recorded_min ({}) must be at most recorded_max ({})",
                e.id, e.recorded_min, e.recorded_max
            ));
        }
        if e.sources.is_empty() {
            problems.push(format!(
                "episode `{}`: name the facts of docs/sources.md behind the outcome in `sources`",
                e.id
            ));
        }
        if e.expected == Verdict::Missed && e.miss_kind.is_none() {
            problems.push(format!(
                "episode `{}`: a miss needs `miss_kind` (parameter, mechanism or fact)",
                e.id
            ));
        }
    }
    if file.episode.is_empty() {
        problems.push("no [[episode]]".into());
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(BacktestError::Episodes {
            path,
            message: problems.join("\n"),
        })
    }
}

/// Quantile of an ascending sample that may end in +∞ values: +∞ when the interpolation
/// would involve one (so "not within the horizon" is never averaged with a number).
fn quantile_censored(sorted: &[f64], q: f64) -> f64 {
    let finite = sorted.partition_point(|v| v.is_finite());
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let hi = h.ceil() as usize;
    if hi >= finite {
        f64::INFINITY
    } else {
        // Both order statistics used are finite: the plain rule applies.
        quantile_sorted(sorted, q)
    }
}

/// Distribution of `quantity` over the replications of one material and strategy.
pub fn simulated(
    result: &sim::RunResult,
    s: usize,
    m: usize,
    quantity: Quantity,
    seed: u64,
    horizon_days: u32,
) -> Simulated {
    let mut v: Vec<f64> = (0..result.n_replications)
        .map(|r| quantity.value(result.row(r, s, m)))
        .collect();
    v.sort_by(f64::total_cmp);
    let censored = v.iter().filter(|x| x.is_infinite()).count();
    Simulated {
        n: v.len(),
        seed,
        horizon_days,
        p5: quantile_censored(&v, 0.05),
        p50: quantile_censored(&v, 0.50),
        p95: quantile_censored(&v, 0.95),
        share_censored: censored as f64 / v.len() as f64,
    }
}

/// Verdict of a recorded range against a simulated 90% interval: inside when they meet.
pub fn verdict(recorded_min: f64, recorded_max: f64, sim: &Simulated) -> Verdict {
    if recorded_max >= sim.p5 && recorded_min <= sim.p95 {
        Verdict::Inside
    } else {
        Verdict::Missed
    }
}

/// Options of a backtest run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Replications per scenario (default: each scenario's `replications`).
    pub replications: Option<u64>,
    /// Seed (default: each scenario's `seed`).
    pub seed: Option<u64>,
}

/// Loads the episodes of `dir`, simulates each replay scenario once, and returns the
/// outcomes in file order with the closing notes.
pub fn run_all(dir: &Path, opts: Options) -> Result<(Vec<Outcome>, String), BacktestError> {
    let file = load_episodes(dir)?;
    // Each scenario is parsed and simulated once, however many episodes read it.
    let mut runs: BTreeMap<String, (Scenario, sim::RunResult, u64)> = BTreeMap::new();
    let mut problems = Vec::new();
    for e in &file.episode {
        if runs.contains_key(&e.scenario) {
            continue;
        }
        let path = dir.join(&e.scenario);
        let text = std::fs::read_to_string(&path).map_err(|source| BacktestError::Io {
            path: path.clone(),
            source,
        })?;
        let scn =
            crate::scenario::parse_scenario(&path.display().to_string(), &text).map_err(|err| {
                BacktestError::Scenario {
                    path: path.clone(),
                    message: err.to_string(),
                }
            })?;
        let seed = opts.seed.unwrap_or(scn.seed());
        let n = opts.replications.unwrap_or(scn.replications() as u64);
        let run_opts = RunOptions {
            daily: false,
            ..RunOptions::new(seed, n)
        };
        let result = sim::run(&scn, &run_opts, &NoProgress);
        runs.insert(e.scenario.clone(), (scn, result, seed));
    }
    let mut outcomes = Vec::new();
    for e in &file.episode {
        let (scn, result, seed) = &runs[&e.scenario];
        let Some(m) = scn.materials().iter().position(|x| x.id == e.material) else {
            problems.push(format!(
                "episode `{}`: no material `{}` in {}",
                e.id, e.material, e.scenario
            ));
            continue;
        };
        let s = match &e.strategy {
            None => scn.reference(),
            Some(id) => match scn.strategies().iter().position(|x| &x.id == id) {
                Some(s) => s,
                None => {
                    problems.push(format!(
                        "episode `{}`: no strategy `{id}` in {}",
                        e.id, e.scenario
                    ));
                    continue;
                }
            },
        };
        let sim = simulated(result, s, m, e.quantity, *seed, scn.horizon_days());
        outcomes.push(Outcome {
            verdict: verdict(e.recorded_min, e.recorded_max, &sim),
            episode: e.clone(),
            scenario_name: scn.name().to_string(),
            simulated: sim,
        });
    }
    if problems.is_empty() {
        Ok((outcomes, file.notes))
    } else {
        Err(BacktestError::Episodes {
            path: dir.join(EPISODES_FILE),
            message: problems.join("\n"),
        })
    }
}

/// A value of a quantity as printed: whole days (a day is the model's step), or a
/// percentage with two significant digits (at most two decimals; the P5-P95 spread of a
/// few thousand futures does not support more); +∞ as "none by day H" (a time to the
/// first shortfall) or "> H".
pub fn format_value(q: Quantity, v: f64, horizon_days: u32) -> String {
    if v.is_infinite() {
        return match q {
            Quantity::TtsDays => format!("none by day {horizon_days}"),
            _ => format!("> {horizon_days}"),
        };
    }
    if q.is_pct() {
        if v == 0.0 {
            "0".into()
        } else if v >= 10.0 {
            format!("{v:.0}")
        } else if v >= 1.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    } else {
        format!("{v:.0}")
    }
}

/// The recorded range as printed.
pub fn format_recorded(e: &Episode, horizon_days: u32) -> String {
    let a = format_value(e.quantity, e.recorded_min, horizon_days);
    if e.recorded_min == e.recorded_max {
        a
    } else {
        format!(
            "{a}–{}",
            format_value(e.quantity, e.recorded_max, horizon_days)
        )
    }
}

/// Markdown links to the facts (`[RE-49](sources.md#re-49)`).
fn source_links(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("[{id}](sources.md#{})", id.to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `docs/backtests.md`: a summary table, one section per episode, then the notes.
/// `command` is the command line that regenerates the page.
pub fn render_markdown(outcomes: &[Outcome], notes: &str, command: &str) -> String {
    let mut s = String::new();
    let inside = outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Inside)
        .count();
    let _ = writeln!(s, "# Backtests: does the model reproduce what happened?\n");
    let _ = writeln!(
        s,
        "Generated by `{command}`; do not edit by hand (the recorded outcomes and the notes \
live in `scenarios/backtests/episodes.toml`, the replays beside it). Each replay fixes \
the onset at the real day and takes every parameter as of the episode, with its source \
in [sources.md](sources.md) or marked as an assumption. For each recorded outcome the \
table gives the simulated distribution of the same quantity for the same material \
(median and 90% interval: P5–P95 of the futures) and a verdict: **inside** when the \
recorded value or range meets the 90% interval, **missed** otherwise, with the cause: \
a wrong parameter, a missing mechanism, or a weak fact. \"none by day H\" (for a \
time to the first shortfall) and \"> H\" mean: not within the replay's horizon of H days.\n"
    );
    let _ = writeln!(
        s,
        "{inside} of {} recorded outcomes inside.\n",
        outcomes.len()
    );
    let _ = writeln!(
        s,
        "| Outcome | Quantity | Recorded | Sources | Simulated median | 90% interval | Verdict |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for o in outcomes {
        let e = &o.episode;
        let h = o.simulated.horizon_days;
        let verdict = match (o.verdict, e.miss_kind) {
            (Verdict::Missed, Some(k)) => format!("**missed** ({})", k.words()),
            (v, _) => format!("**{}**", v.word()),
        };
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} | {} | {} | {} – {} | {} |",
            e.title,
            e.id.replace('_', "-"),
            e.quantity.label(),
            format_recorded(e, h),
            source_links(&e.sources),
            format_value(e.quantity, o.simulated.p50, h),
            format_value(e.quantity, o.simulated.p5, h),
            format_value(e.quantity, o.simulated.p95, h),
            verdict
        );
    }
    let _ = writeln!(s);
    for o in outcomes {
        let e = &o.episode;
        let sim = &o.simulated;
        let h = sim.horizon_days;
        let _ = writeln!(
            s,
            "## <a id=\"{}\"></a>{}\n",
            e.id.replace('_', "-"),
            e.title
        );
        let _ = writeln!(
            s,
            "- Replay: `scenarios/backtests/{}` ({}), material `{}`{}; {} futures, seed {}, \
horizon {h} days.",
            e.scenario,
            o.scenario_name,
            e.material,
            e.strategy
                .as_ref()
                .map_or(String::new(), |x| format!(", strategy `{x}`")),
            sim.n,
            sim.seed
        );
        let _ = writeln!(
            s,
            "- Recorded ({}, `{}`): **{}**. {} ({})",
            e.quantity.label(),
            e.quantity.name(),
            format_recorded(e, h),
            e.recorded_text.trim(),
            source_links(&e.sources)
        );
        let censored = if sim.share_censored > 0.0 {
            format!(
                "; {:.0}% of futures {}",
                100.0 * sim.share_censored,
                match e.quantity {
                    Quantity::TtsDays => "have no shortfall within the horizon",
                    _ => "are not back within the horizon",
                }
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "- Simulated: median **{}**, 90% interval {} – {}{censored}.",
            format_value(e.quantity, sim.p50, h),
            format_value(e.quantity, sim.p5, h),
            format_value(e.quantity, sim.p95, h)
        );
        let verdict = match (o.verdict, e.miss_kind) {
            (Verdict::Missed, Some(k)) => format!("**missed**: {}", k.words()),
            (Verdict::Missed, None) => "**missed**".to_string(),
            (Verdict::Inside, _) => "**inside**".to_string(),
        };
        let _ = writeln!(s, "- Verdict: {verdict}. {}\n", e.why.trim());
    }
    if !notes.trim().is_empty() {
        let _ = writeln!(s, "{}", notes.trim());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn censored_quantiles_never_average_a_number_with_infinity() {
        // 10 values, the last 3 infinite: h = 9q; P50 -> h = 4.5 between x[4] and x[5],
        // both finite -> 4.5; P95 -> h = 8.55, x[8] infinite -> inf; P5 -> 0.45.
        let v = [
            0.0,
            1.0,
            2.0,
            3.0,
            4.0,
            5.0,
            6.0,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
        ];
        assert_eq!(quantile_censored(&v, 0.5), 4.5);
        assert_eq!(quantile_censored(&v, 0.05), 0.45);
        assert!(quantile_censored(&v, 0.95).is_infinite());
        // h = 9 * 0.66 = 5.94: x[5] and x[6] both finite.
        assert!((quantile_censored(&v, 0.66) - 5.94).abs() < 1e-12);
        // h = 9 * 0.7 = 6.3 needs x[7] = inf.
        assert!(quantile_censored(&v, 0.7).is_infinite());
    }

    #[test]
    fn a_range_is_inside_when_it_meets_the_interval() {
        let sim = Simulated {
            n: 1,
            seed: 0,
            horizon_days: 100,
            p5: 10.0,
            p50: 20.0,
            p95: 30.0,
            share_censored: 0.0,
        };
        assert_eq!(verdict(30.0, 40.0, &sim), Verdict::Inside);
        assert_eq!(verdict(0.0, 10.0, &sim), Verdict::Inside);
        assert_eq!(verdict(31.0, 40.0, &sim), Verdict::Missed);
        assert_eq!(verdict(0.0, 9.0, &sim), Verdict::Missed);
        let none = Simulated {
            p5: f64::INFINITY,
            p50: f64::INFINITY,
            p95: f64::INFINITY,
            ..sim
        };
        assert_eq!(verdict(52.0, 52.0, &none), Verdict::Missed);
    }
}
