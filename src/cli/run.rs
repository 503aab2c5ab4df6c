//! The `run` command: simulate a scenario and write its results.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use chokepoint::charts::ChartData;
use chokepoint::limits;
use chokepoint::model::Scenario;
use chokepoint::report::{self, ChartFormats, RunInfo};
use chokepoint::scenario::{self, ScenarioError};
use chokepoint::sim::{self, Progress, RunOptions};
use chokepoint::stats::{Summary, TotalMetric, daily_bands, total_column};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::CliError;

/// The flagship scenario, embedded in the binary: what `run` simulates without a file.
pub const FLAGSHIP_NAME: &str = "rare_earth_magnets.toml";
/// Text of the flagship scenario.
pub const FLAGSHIP: &str = include_str!("../../scenarios/rare_earth_magnets.toml");

/// Arguments of `run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML). Without it, the flagship scenario built into the binary.
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub sim: super::common::SimArgs,
    /// Output folder (default: output/<scenario-file-stem>/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Daily bands (daily.csv) count the first N replications; 0 counts all.
    #[arg(long, value_name = "N", default_value_t = sim::engine::DEFAULT_DAILY_REPLICATIONS)]
    pub daily_replications: u64,
    /// Skip the charts (charts/) and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Chart files to write beside report.html: svg, png, or svg,png.
    #[arg(long, value_name = "LIST", default_value = "svg,png")]
    pub format: ChartFormats,
    /// Print the full terminal table, one line per row (about 150 columns); by default it
    /// fits 100 columns, with the paired differences in a second table.
    #[arg(long)]
    pub wide: bool,
}

/// Environment variable (tests only): panic in a worker thread before the outputs are
/// written, to check that a panic exits with code 70 and leaves no folder behind.
pub const FAULT_PANIC_ENV: &str = "CHOKEPOINT_FAULT_PANIC";

/// Width the terminal table fits without `--wide`.
pub const TABLE_COLUMNS: usize = 100;

/// Progress on stderr with indicatif, shown only once a run has taken longer than
/// [`SHOW_AFTER`] (so instant runs print no bar) and only when stderr is a terminal
/// (indicatif hides it otherwise, which keeps logs clean).
struct Bar {
    bar: ProgressBar,
    start: Instant,
    quiet: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl Bar {
    /// A hidden bar over `replications` futures, started at `start`.
    fn new(name: &str, replications: u64, start: Instant, quiet: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(replications), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:32}] {human_pos}/{human_len} futures, {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(format!("{name} "));
        Bar {
            bar,
            start,
            quiet,
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Prints the files written into `base` (the staging folder of `out`): those at the
/// top of the folder by name, chart files counted.
fn print_written(out: &Path, base: &Path, written: &[PathBuf]) {
    let mut top = Vec::new();
    let mut charts = 0;
    for p in written {
        let shown = p.strip_prefix(base).unwrap_or(p);
        if shown.components().count() > 1 {
            charts += 1;
        } else {
            top.push(shown.display().to_string());
        }
    }
    println!("\nWritten to {}/:\n  {}", out.display(), top.join(", "));
    if charts > 0 {
        println!("  and {charts} chart files in charts/ (open report.html to see them all)");
    }
}

/// How long a run must take before its progress bar appears.
const SHOW_AFTER: std::time::Duration = std::time::Duration::from_millis(400);

impl Progress for Bar {
    fn advance(&self, n: u64) {
        use std::sync::atomic::Ordering;
        self.bar.inc(n);
        if !self.quiet
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        }
    }
}

/// Loads the scenario named on the command line, or the embedded flagship.
fn load(args: &Args) -> Result<(Scenario, String, Vec<u8>, String), ScenarioError> {
    match &args.scenario {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| ScenarioError::io(&path.display().to_string(), &e))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let scn = scenario::parse_scenario(&path.display().to_string(), &text)?;
            let stem = path
                .file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
            Ok((scn, path.display().to_string(), bytes, stem))
        }
        None => {
            let scn = scenario::parse_scenario(FLAGSHIP_NAME, FLAGSHIP)?;
            let stem = FLAGSHIP_NAME.trim_end_matches(".toml").to_string();
            Ok((
                scn,
                format!("(built in) scenarios/{FLAGSHIP_NAME}"),
                FLAGSHIP.as_bytes().to_vec(),
                stem,
            ))
        }
    }
}

/// Writes every output: data files, the scenario copy, then charts and report.
fn write_all(
    out: &Path,
    scn: &Scenario,
    result: &sim::RunResult,
    summary: &Summary,
    info: &RunInfo,
    scenario_bytes: &[u8],
    args: &Args,
) -> Result<Vec<PathBuf>, report::ReportError> {
    // The scenario copy first and run.json (inside write_run_outputs) last of the data
    // files, so a run.json always describes the files beside it; charts and the report
    // come after and can be re-rendered from those files by `chokepoint report`.
    if std::env::var_os(FAULT_PANIC_ENV).is_some() {
        panic!("{FAULT_PANIC_ENV} is set (fault injection for the tests)");
    }
    let copy = out.join(report::saved::SCENARIO_COPY);
    report::write_atomic(&copy, scenario_bytes)?;
    // The daily bands feed both daily.csv and the fan charts: computed once.
    let bands = result.daily.as_ref().map(daily_bands).unwrap_or_default();
    let mut written = report::write_run_outputs(out, scn, result, summary, &bands, info)?;
    written.insert(0, copy);
    if !args.no_charts {
        let data = ChartData::from_run(scn, result, summary, &bands);
        let total_cost: Vec<Vec<f64>> = (0..scn.strategies.len())
            .map(|s| total_column(scn, result, s, TotalMetric::TotalCost))
            .collect();
        written.extend(report::write_charts_and_report(
            out,
            &data,
            &total_cost,
            scn,
            info,
            args.format,
        )?);
    }
    Ok(written)
}

/// The error for a metric that came out infinite or NaN: which one, and the inputs of
/// its material by magnitude (an input so large that arithmetic overflows).
fn non_finite(scn: &Scenario, bad: &limits::NonFinite) -> CliError {
    let p = &scn.strategies[bad.strategy].materials[bad.material];
    let id = &scn.materials[bad.material].id;
    let mut inputs = [
        ("unit_value", p.unit_value),
        ("shortage_cost", p.shortage_cost),
        ("holding_cost_rate", p.holding_cost_rate),
        ("annual_demand", p.daily_demand * 365.0),
    ];
    inputs.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let (name, value) = inputs[0];
    CliError::BadInput(format!(
        "the run's {} of material {id} (strategy {}) came out {}: an input is too large for \
         the arithmetic; the largest of material.{id} is {name} = {value:e}. Use values of a \
         realistic magnitude; nothing was written",
        bad.metric.name(),
        scn.strategies[bad.strategy].id,
        if bad.value.is_nan() {
            "NaN"
        } else {
            "infinite"
        },
    ))
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let (scn, scenario_path, bytes, stem) = load(&args)?;
    if !args.quiet {
        super::validate::print_warnings(&scn);
    }
    let replications = args.sim.replications.unwrap_or(scn.replications as u64);
    let seed = args.sim.seed.unwrap_or(scn.seed);
    let out: PathBuf = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&stem));
    let n_threads = super::common::thread_count(args.sim.threads);
    // Memory is estimated before it is allocated: the per-replication results must
    // fit, and daily histograms that would not fit a budget are left out.
    let rows = limits::rows_bytes(&scn, replications);
    if let Some(avail) = limits::available_memory()
        && rows.saturating_mul(2) > avail
    {
        return Err(CliError::BadInput(format!(
            "{replications} futures would hold {} of results in memory (futures × {} \
             strategies × {} materials × 13 metrics × 8 bytes, about twice that at the \
             peak), more than the {} this machine has available; use fewer futures (-n)",
            limits::human_bytes(rows),
            scn.strategies.len(),
            scn.materials.len(),
            limits::human_bytes(avail)
        )));
    }
    let daily_bytes = limits::daily_hist_bytes(&scn).saturating_mul(n_threads as u64);
    let daily = daily_bytes <= limits::DAILY_BANDS_BUDGET;
    if !daily {
        eprintln!(
            "note: daily bands off: their histograms would take {} ({} strategies × {} \
             materials × {} days, {n_threads} threads), above the limit of {}; daily.csv \
             and the stock charts are not written",
            limits::human_bytes(daily_bytes),
            scn.strategies.len(),
            scn.materials.len(),
            scn.horizon_days,
            limits::human_bytes(limits::DAILY_BANDS_BUDGET)
        );
    }
    let pool = super::common::pool(args.sim.threads)?;
    // Every file goes into a staging folder beside `out`, swapped in at the end: the
    // folder is wholly the old run or wholly this one, whatever happens.
    let staging = super::common::stage(&out)?;

    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let t0 = Instant::now();
    let opts = RunOptions {
        seed,
        replications: 0..replications,
        daily,
        daily_replications: if args.daily_replications == 0 {
            u64::MAX
        } else {
            args.daily_replications
        },
    };
    let progress = Bar::new(&scn.name, replications, t0, args.quiet);
    let result = pool.install(|| sim::run(&scn, &opts, &progress));
    progress.bar.finish_and_clear();
    if let Some(bad) = limits::first_non_finite(&result) {
        return Err(non_finite(&scn, &bad));
    }
    // Statistics and outputs run in the same pool: `-j` bounds every phase.
    let summary = pool.install(|| Summary::from_run(&scn, &result, seed));
    let wall = t0.elapsed().as_secs_f64();

    let info = RunInfo {
        chokepoint_version: report::CHOKEPOINT_VERSION.to_string(),
        git_commit: option_env!("CHOKEPOINT_GIT_COMMIT").map(str::to_string),
        scenario_path,
        scenario_sha256: report::sha256_hex(&bytes),
        seed,
        first_replication: 0,
        replications,
        threads: n_threads,
        wall_time_s: wall,
        command_line: std::env::args().collect(),
        rand_version: report::RAND_VERSION.to_string(),
        rand_distr_version: report::RAND_DISTR_VERSION.to_string(),
        started_at,
    };
    let written =
        pool.install(|| write_all(staging.dir(), &scn, &result, &summary, &info, &bytes, &args))?;
    let base = staging.dir().to_path_buf();
    staging.commit()?;
    if !args.quiet {
        let facts = format!(
            "{replications} futures, seed {seed}, {} days, {n_threads} threads, {wall:.1} s",
            scn.horizon_days
        );
        // One line when it fits the table's width, else the name above the facts.
        if args.wide || scn.name.chars().count() + 3 + facts.chars().count() <= TABLE_COLUMNS {
            println!("{} — {facts}\n", scn.name);
        } else {
            println!("{}\n{facts}\n", scn.name);
        }
        if args.wide {
            print!("{}", report::terminal_table(&summary));
        } else {
            print!("{}", report::terminal_table_fitted(&summary, TABLE_COLUMNS));
        }
        print_written(&out, &base, &written);
    }
    Ok(())
}
