//! The `run` command: simulate a scenario and write its results.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use chokepoint::charts::ChartData;
use chokepoint::limits;
use chokepoint::model::Scenario;
use chokepoint::report::{self, ChartFormats, ReplicationsFormat, RunInfo};
use chokepoint::scenario::{self, ScenarioError};
use chokepoint::sim::engine::Kernel;
use chokepoint::sim::{self, DailyHist, Progress, Replications, RunOptions};
use chokepoint::spill;
use chokepoint::staging::Staging;
use chokepoint::stats::{Summary, daily_bands};
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
    /// Also print report.html to report.pdf (A4 landscape) with a headless Chromium, as
    /// `chokepoint report --pdf` does: CHOKEPOINT_CHROMIUM, else chromium (or
    /// chromium-browser, google-chrome) on the PATH, else /usr/bin/chromium. Without a
    /// browser: an error that says how to install one, before anything is simulated.
    #[arg(long, conflicts_with_all = ["no_charts", "shard"])]
    pub pdf: bool,
    /// Chart files to write beside report.html: svg, png, or svg,png.
    #[arg(long, value_name = "LIST", default_value = "svg,png")]
    pub format: ChartFormats,
    /// Print the full terminal table, one line per row (about 150 columns); by default it
    /// fits 100 columns, with the paired differences in a second table.
    #[arg(long)]
    pub wide: bool,
    /// Simulate only shard K of N (K from 0 to N-1) into a shard folder (default
    /// output/<scenario-file-stem>/shards/<K>/) for `chokepoint merge`; 'auto/N' or 'auto'
    /// takes K from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX
    /// (and N from CHOKEPOINT_SHARDS or SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Per-replication results: csv (replications.csv), parquet (replications.parquet:
    /// typed columns, zstd; needs a build with `--features parquet`) or none.
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    pub replications_format: ReplicationsFormat,
    /// Write drivers.csv even without the report (--no-charts): per future, what its
    /// shock timeline looked like (each shock's occurrence, instances, longest duration,
    /// largest severity, first onset, overlaps), for `chokepoint drivers`. A run that
    /// writes its report records them anyway, and the report says what drives the worst
    /// futures (docs/drivers.md: about 2% of a run's CPU).
    #[arg(long, conflicts_with = "no_drivers")]
    pub drivers: bool,
    /// Do not record the drivers (no drivers.csv, no section on the worst futures in
    /// report.html).
    #[arg(long)]
    pub no_drivers: bool,
    /// Keep the replications in a spill file beside the output folder when there are
    /// more than N (default [`SPILL_ABOVE`]); for tests and measurements.
    #[arg(long, value_name = "N", hide = true)]
    pub spill_above: Option<u64>,
    /// Add futures in blocks of -n (default: the scenario's replications) until the 95%
    /// interval of each goal is as narrow as asked, e.g. "p95(shortfall_pct) ± 0.1",
    /// "mean(total_cost) under hedge ± 2%" (relative), "diff(mean(total_cost),
    /// baseline) ± 5e6", "diff(p95(shortfall_pct), baseline) ± 0.5" (paired bootstrap);
    /// `+-` for `±`; repeatable or comma-separated (see README).
    #[arg(long, value_name = "GOAL", conflicts_with = "shard")]
    pub precision: Vec<String>,
    /// Most futures --precision may run (default 1,000,000); the last block is cut to it.
    #[arg(long, value_name = "N", requires = "precision",
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub max_replications: Option<u64>,
}

/// Environment variable (tests only): panic in a worker thread before the outputs are
/// written, to check that a panic exits with code 70 and leaves no folder behind.
pub const FAULT_PANIC_ENV: &str = "CHOKEPOINT_FAULT_PANIC";

/// Width the terminal table fits without `--wide`.
pub const TABLE_COLUMNS: usize = 100;

/// Progress on stderr with indicatif, shown only once a run has taken longer than
/// [`SHOW_AFTER`] (so instant runs print no bar) and only when stderr is a terminal
/// (indicatif hides it otherwise, which keeps logs clean).
pub(super) struct Bar {
    pub(super) bar: ProgressBar,
    start: Instant,
    quiet: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl Bar {
    /// A hidden bar over `replications` futures, started at `start`.
    pub(super) fn new(name: &str, replications: u64, start: Instant, quiet: bool) -> Bar {
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
pub(super) fn load(args: &Args) -> Result<(Scenario, String, Vec<u8>, String), ScenarioError> {
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

/// An error reading a run's stored replications back (a damaged or vanished spill file).
fn read_error(e: impl std::error::Error) -> CliError {
    CliError::Failure(format!("could not read the run's replications back: {e}"))
}

/// What a run produced, as the writers read it.
pub(super) struct Results<'a, R: ?Sized> {
    /// Per-replication metrics (in memory or spilled).
    pub(super) reps: &'a R,
    /// Daily histograms, when kept.
    pub(super) daily: Option<&'a DailyHist>,
    /// Statistics of `reps`.
    pub(super) summary: &'a Summary,
}

/// Which outputs to write, as `run` and `merge` take them from their command lines.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outputs {
    /// `--replications-format`.
    pub(super) replications: ReplicationsFormat,
    /// Charts and report.html (not `--no-charts`).
    pub(super) charts: bool,
    /// `--format`: chart files beside report.html.
    pub(super) chart_formats: ChartFormats,
    /// The per-future drivers (drivers.csv) and, with the report, its section on the
    /// worst futures ([`Outputs::drivers_default`]).
    pub(super) drivers: bool,
}

impl Outputs {
    fn of(args: &Args) -> Outputs {
        Outputs {
            replications: args.replications_format,
            charts: !args.no_charts,
            chart_formats: args.format,
            drivers: Outputs::drivers_default(args.drivers, args.no_drivers, !args.no_charts),
        }
    }

    /// Whether a run (or a merge) records its drivers: with `--drivers`; else whenever it
    /// writes its report (so the report can say what drives its worst futures), unless
    /// `--no-drivers`. They cost about 2% of a run's CPU (docs/drivers.md).
    pub(super) fn drivers_default(drivers: bool, no_drivers: bool, report: bool) -> bool {
        drivers || (report && !no_drivers)
    }
}

/// Writes every output: data files, the scenario copy, then charts and report (for
/// `run`, and for `merge`, which writes the same files).
pub(super) fn write_all<R: Replications + ?Sized>(
    out: &Path,
    scn: &Scenario,
    res: Results<'_, R>,
    info: &RunInfo,
    scenario_bytes: &[u8],
    outputs: Outputs,
    ahead: Option<report::Ahead>,
) -> Result<Vec<PathBuf>, CliError> {
    // The scenario copy first and run.json (inside write_run_outputs) last of the data
    // files, so a run.json always describes the files beside it; charts and the report
    // come after and can be re-rendered from those files by `chokepoint report`.
    if std::env::var_os(FAULT_PANIC_ENV).is_some() {
        panic!("{FAULT_PANIC_ENV} is set (fault injection for the tests)");
    }
    let copy = out.join(report::saved::SCENARIO_COPY);
    report::write_atomic(&copy, scenario_bytes)?;
    // The daily bands feed both daily.csv and the fan charts: computed once.
    let Results {
        reps: result,
        daily,
        summary,
    } = res;
    let bands = daily.map(daily_bands).unwrap_or_default();
    let mut written = report::write_run_outputs_with(
        out,
        scn,
        result,
        summary,
        daily.map(|_| &bands[..]),
        info,
        outputs.replications,
        outputs.drivers,
        ahead,
    )?;
    written.insert(0, copy);
    if outputs.charts {
        let data = ChartData::from_run(scn, result, summary, &bands);
        // With the drivers the report explains its worst futures (drivers_section).
        let drivers = if outputs.drivers {
            report::drivers_section::drivers_section(scn, result, info.seed, info.first_replication)
                .map_err(read_error)?
        } else {
            None
        };
        written.extend(report::write_charts_and_report_with(
            out,
            &data,
            scn,
            info,
            outputs.chart_formats,
            drivers.as_ref(),
        )?);
    }
    Ok(written)
}

/// Runs above this many replications keep them in a spill file instead of memory
/// (docs/storage.md): one engine block, 68 MB of metrics at `scenarios/bench.toml`.
/// Below, memory is small anyway and the spill's write and re-reads would only add time.
pub const SPILL_ABOVE: u64 = sim::BLOCK;

/// Where a run keeps its spilled replications while it writes its outputs: a hidden
/// file inside the run's staging folder `staging` (so a killed run leaves it only where
/// the next run's stale-staging cleanup removes it). Deleted once the outputs are
/// written, before the staging folder is swapped in, and on any error ([`SpillFile`]).
pub(super) fn spill_path(staging: &Path) -> PathBuf {
    staging.join(".replications.spill")
}

/// Tells `staging` not to carry over the data files of an earlier run in the folder
/// that this run did not write (a `replications.csv` when it wrote Parquet, a
/// `daily.csv` when it kept no daily bands, a `report.pdf` when it printed none): they
/// would describe other futures.
pub(super) fn discard_unwritten(staging: &mut Staging, written: &[PathBuf]) {
    for name in report::RUN_DATA_FILES
        .into_iter()
        .chain([report::pdf::REPORT_PDF])
    {
        let path = staging.dir().join(name);
        if !written.contains(&path) {
            staging.discard(name);
        }
    }
}

/// A spill file that is removed (with its unfinished `.partial` form) when dropped: after
/// the outputs are written, or when anything fails on the way.
pub(super) struct SpillFile(pub(super) PathBuf);

impl Drop for SpillFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(spill::partial_path(&self.0));
    }
}

/// A spill file error, as a failure of the run (a full disk, an unwritable folder).
pub(super) fn spill_error(e: spill::SpillError) -> CliError {
    CliError::Failure(format!("could not keep the replications on disk: {e}"))
}

/// What every run, spilled or not, needs to describe and write its results.
pub(super) struct Context<'a> {
    args: &'a Args,
    pub(super) scn: &'a Scenario,
    scenario_path: String,
    bytes: Vec<u8>,
    out: PathBuf,
    seed: u64,
    pub(super) replications: u64,
    n_threads: usize,
    started_at: String,
    t0: Instant,
    /// The browser that prints report.pdf (`--pdf`), found before the run started.
    browser: Option<PathBuf>,
    /// What `--precision` did (run.json's `precision`), when given.
    pub(super) precision: Option<chokepoint::explore::precision::PrecisionRecord>,
    /// What the run left out, for `run.json`, the page and the terminal.
    notes: Vec<String>,
}

/// Whether every metric of a run is finite, when it was checked while its rows were
/// written ([`limits::CheckFinite`]), or still to be checked.
pub(super) enum Finite {
    /// Checked as the rows went by: the first non-finite metric, if any.
    Checked(Option<limits::NonFinite>),
    /// Not checked yet: [`conclude`] reads the replications for it.
    Unchecked,
}

/// Statistics, then every output and the terminal summary, from the stored
/// replications `reps` (in memory or spilled).
pub(super) fn conclude<R: Replications + ?Sized>(
    cx: &Context<'_>,
    pool: &rayon::ThreadPool,
    reps: &R,
    finite: Finite,
    daily: Option<&DailyHist>,
    mut staging: Staging,
    spill: Option<SpillFile>,
) -> Result<(), CliError> {
    let (scn, args, seed, replications) = (cx.scn, cx.args, cx.seed, cx.replications);
    let bad = match finite {
        Finite::Checked(bad) => bad,
        Finite::Unchecked => limits::first_non_finite(reps).map_err(read_error)?,
    };
    if let Some(bad) = bad {
        return Err(non_finite(scn, &bad));
    }
    // Statistics and outputs run in the same pool: `-j` bounds every phase. The
    // per-replication file is written while the statistics are computed (both read every
    // replication, in parallel; each fills the other's idle moments).
    let outputs = Outputs::of(args);
    let (summary, ahead) = pool.install(|| {
        rayon::join(
            || Summary::from_run(scn, reps, seed),
            || report::write_replications_ahead(staging.dir(), scn, reps, outputs.replications),
        )
    });
    let (summary, ahead) = match (summary, ahead) {
        (Ok(summary), Ok(ahead)) => (summary, ahead),
        (Err(e), ahead) => {
            if let Ok(Some(a)) = ahead {
                a.discard();
            }
            return Err(read_error(e));
        }
        (Ok(_), Err(e)) => return Err(e.into()),
    };
    let wall = cx.t0.elapsed().as_secs_f64();

    let info = RunInfo {
        chokepoint_version: report::CHOKEPOINT_VERSION.to_string(),
        git_commit: option_env!("CHOKEPOINT_GIT_COMMIT").map(str::to_string),
        scenario_path: cx.scenario_path.clone(),
        scenario_sha256: report::sha256_hex(&cx.bytes),
        seed,
        first_replication: 0,
        replications,
        threads: cx.n_threads,
        wall_time_s: wall,
        command_line: std::env::args().collect(),
        rand_version: report::RAND_VERSION.to_string(),
        rand_distr_version: report::RAND_DISTR_VERSION.to_string(),
        started_at: cx.started_at.clone(),
        precision: cx.precision.clone(),
        notes: cx.notes.clone(),
    };
    let out = &cx.out;
    let written = pool.install(|| {
        let res = Results {
            reps,
            daily,
            summary: &summary,
        };
        write_all(staging.dir(), scn, res, &info, &cx.bytes, outputs, ahead)
    })?;
    // The spill (inside the staging folder) goes before the swap: the folder swapped in
    // holds the run's outputs and nothing else.
    drop(spill);
    let mut written = written;
    if let Some(browser) = &cx.browser {
        // Printed inside the staging folder, so report.pdf comes and goes with the run.
        let pdf = staging.dir().join(report::pdf::REPORT_PDF);
        report::pdf::print_to_pdf(browser, &staging.dir().join("report.html"), &pdf)?;
        written.push(pdf);
    }
    discard_unwritten(&mut staging, &written);
    let base = staging.dir().to_path_buf();
    staging.commit()?;
    if !args.quiet {
        let n_threads = cx.n_threads;
        let facts = format!(
            "{replications} futures, seed {seed}, {} days, {n_threads} threads, {wall:.1} s",
            scn.horizon_days()
        );
        // One line when it fits the table's width, else the name above the facts.
        if args.wide || scn.name().chars().count() + 3 + facts.chars().count() <= TABLE_COLUMNS {
            println!("{} — {facts}\n", scn.name());
        } else {
            println!("{}\n{facts}\n", scn.name());
        }
        if let Some(rec) = &cx.precision {
            super::precision::print(rec);
        }
        if args.wide {
            print!("{}", report::terminal_table(&summary));
        } else {
            print!("{}", report::terminal_table_fitted(&summary, TABLE_COLUMNS));
        }
        if let Some(t) = report::sector_table(&summary) {
            print!("{t}");
        }
        if let Some(t) = report::value_added::protected_table(&summary) {
            print!("{t}");
        }
        print_written(out, &base, &written);
        for note in &cx.notes {
            println!("Note: {note}.");
        }
    }
    Ok(())
}

/// The error for a metric that came out infinite or NaN: which one, and the inputs of
/// its material by magnitude (an input so large that arithmetic overflows).
fn non_finite(scn: &Scenario, bad: &limits::NonFinite) -> CliError {
    let p = &scn.strategies()[bad.strategy].materials[bad.material];
    let id = &scn.materials()[bad.material].id;
    let mut inputs = [
        ("unit_value", p.unit_value()),
        ("shortage_cost", p.shortage_cost()),
        ("holding_cost_rate", p.holding_cost_rate()),
        ("annual_demand", p.daily_demand() * 365.0),
    ];
    inputs.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let (name, value) = inputs[0];
    CliError::BadInput(format!(
        "the run's {} of material {id} (strategy {}) came out {}: an input is too large for \
         the arithmetic; the largest of material.{id} is {name} = {value:e}. Use values of a \
         realistic magnitude; nothing was written",
        bad.metric.name(),
        scn.strategies()[bad.strategy].id,
        if bad.value.is_nan() {
            "NaN"
        } else {
            "infinite"
        },
    ))
}

/// Refuses a run whose per-replication results would not fit this machine's available
/// memory at their peak (estimated before anything is allocated).
fn check_memory(
    args: &Args,
    scn: &Scenario,
    replications: u64,
    spilled: bool,
    n_threads: usize,
) -> Result<(), CliError> {
    let peak = limits::results_peak_bytes(scn, replications, spilled, !args.no_charts, n_threads);
    match limits::available_memory() {
        Some(avail) if peak > avail => Err(CliError::BadInput(format!(
            "{replications} futures would need about {} of memory for their results at the peak ({} strategies × {} materials; {}), more than the {} this machine has available; use fewer futures (-n){}",
            limits::human_bytes(peak),
            scn.strategies().len(),
            scn.materials().len(),
            if spilled {
                "the futures are kept on disk, the statistics read 8 bytes per future and column"
            } else {
                "all futures in memory"
            },
            limits::human_bytes(avail),
            if spilled && !args.no_charts {
                ", or skip the charts (--no-charts)"
            } else {
                ""
            }
        ))),
        _ => Ok(()),
    }
}

/// Whether the daily bands are recorded: not when their histograms would exceed
/// [`limits::DAILY_BANDS_BUDGET`], which the run's notes (and standard error) then say.
fn daily_bands_on(scn: &Scenario, n_threads: usize) -> (bool, Vec<String>) {
    let daily_bytes = limits::daily_hist_bytes(scn).saturating_mul(n_threads as u64);
    if daily_bytes <= limits::DAILY_BANDS_BUDGET {
        return (true, Vec::new());
    }
    let note = format!(
        "daily bands off: their histograms would take {} ({} strategies × {} \
         materials × {} days, {n_threads} threads), above the limit of {}; daily.csv \
         and the stock charts are not written",
        limits::human_bytes(daily_bytes),
        scn.strategies().len(),
        scn.materials().len(),
        scn.horizon_days(),
        limits::human_bytes(limits::DAILY_BANDS_BUDGET)
    );
    eprintln!("note: {note}");
    (false, vec![note])
}

/// A run above the spill threshold: the engine writes each block but the last to a spill
/// file as it finishes it (checking that every metric is finite on the way, so the file
/// is not read back for it) and the last stays in memory; statistics and writers read
/// them back a column or a block at a time.
fn run_spilled(
    cx: &Context,
    pool: &rayon::ThreadPool,
    opts: &RunOptions,
    progress: &Bar,
    staging: Staging,
) -> Result<(), CliError> {
    let scn = cx.scn;
    let file = SpillFile(spill_path(staging.dir()));
    let (ns, nm) = (scn.strategies().len(), scn.n_slots());
    let writer = spill::SpillWriter::create(&file.0, 0, ns, nm).map_err(spill_error)?;
    // The last block stays in memory: it is read back at once, and the engine hands it
    // over with nothing left to simulate beside its write.
    let keep_last = spill::SpillKeepLast::new(writer, opts.replications.end);
    let mut sink = limits::CheckFinite::new(keep_last, ns, nm);
    let tail = pool.install(|| sim::run_into(scn, opts, progress, Kernel::detect(), &mut sink));
    progress.bar.finish_and_clear();
    let tail = tail.map_err(spill_error)?;
    let finite = Finite::Checked(sink.first_non_finite().cloned());
    // Removed once the outputs are written: no need to wait for the disk.
    let spilled = sink.inner.finish_temporary().map_err(spill_error)?;
    conclude(
        cx,
        pool,
        &spilled,
        finite,
        tail.daily.as_ref(),
        staging,
        Some(file),
    )
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(spec) = &args.shard {
        return super::shard::run(&args, spec);
    }
    let (scn, scenario_path, bytes, stem) = load(&args)?;
    if !args.quiet {
        super::validate::print_warnings(&scn);
    }
    // With --precision, memory is budgeted for the cap (and -n is the block).
    let precision = super::precision::setup(&args, &scn)?;
    let replications = match &precision {
        Some(p) => p.plan.max_replications,
        None => args.sim.replications.unwrap_or(scn.replications() as u64),
    };
    let seed = args.sim.seed.unwrap_or(scn.seed());
    let out: PathBuf = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&stem));
    let n_threads = super::common::thread_count(args.sim.threads);
    // Memory is estimated before it is allocated: the per-replication results must
    // fit (in memory up to the spill threshold, else a block of them and the columns the
    // statistics and charts read), and daily histograms that would not fit a budget are
    // left out.
    let spilled = replications > args.spill_above.unwrap_or(SPILL_ABOVE);
    check_memory(&args, &scn, replications, spilled, n_threads)?;
    let (daily, notes) = daily_bands_on(&scn, n_threads);
    if !args.quiet {
        // Said up front: an earlier run's (or analysis's) files in `out` are replaced.
        super::common::note_replaced(&out, "run");
    }
    // Before anything is simulated: a missing browser fails fast and changes no file.
    let browser = args.pdf.then(report::pdf::find_browser).transpose()?;
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
        // 0 means every replication.
        daily_replications: Some(args.daily_replications)
            .filter(|&d| d > 0)
            .unwrap_or(u64::MAX),
    };
    let first_length = precision
        .as_ref()
        .map_or(replications, |p| p.plan.block.min(replications));
    let progress = Bar::new(scn.name(), first_length, t0, args.quiet);
    let cx = Context {
        args: &args,
        scn: &scn,
        scenario_path,
        bytes,
        out,
        seed,
        replications,
        n_threads,
        started_at,
        t0,
        browser,
        precision: None,
        notes,
    };
    if let Some(p) = &precision {
        return super::precision::run(cx, &pool, p, &opts, &progress, staging, spilled);
    }
    if !spilled {
        let result = pool.install(|| sim::run(&scn, &opts, &progress));
        progress.bar.finish_and_clear();
        // Checked on the rows themselves (in parallel), not block by block.
        let finite = Finite::Checked(pool.install(|| {
            limits::first_non_finite_rows(&result.rows, result.n_strategies, result.n_materials)
        }));
        return conclude(
            &cx,
            &pool,
            &result,
            finite,
            result.daily.as_ref(),
            staging,
            None,
        );
    }
    run_spilled(&cx, &pool, &opts, &progress, staging)
}
