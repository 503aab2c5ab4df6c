//! The `merge` command: the shard folders of `run --shard K/N` → exactly the files of the
//! unsplit run (`summary.json`, `summary.csv`, `replications.csv`, `daily.csv`,
//! `scenario.toml`, `run.json`, charts and `report.html`).
//!
//! The shards are checked first ([`chokepoint::shard::open_shards`]: one run, every K of
//! N once, intact files; every problem at once, exit code 2). Everything is written into
//! a staging folder beside `OUT` and swapped in at the end ([`chokepoint::staging`], as
//! for `run`), so a refused, failed or killed merge leaves `OUT` as it was.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use chokepoint::model::Scenario;
use chokepoint::report::{self, ChartFormats, ReplicationsFormat, RunInfo};
use chokepoint::scenario;
use chokepoint::shard::{self, ShardMeta, ShardSet};
use chokepoint::spill::{SpillChain, SpillError};
use chokepoint::stats::Summary;

use super::CliError;
use super::shard::shard_error;

/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shard folders of one run (written by `run --shard K/N`), all N of them, in
    /// any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder for the merged results (may hold the shard folders, e.g. OUT/shards/*).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Worker threads (default: SLURM_CPUS_PER_TASK when set, else all cores). Results do
    /// not depend on it.
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the charts (charts/) and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Chart files to write beside report.html: svg, png, or svg,png.
    #[arg(long, value_name = "LIST", default_value = "svg,png")]
    pub format: ChartFormats,
    /// Print the full terminal table, one line per row.
    #[arg(long)]
    pub wide: bool,
    /// Per-replication results: csv (replications.csv), parquet (replications.parquet:
    /// typed columns, zstd; needs a build with `--features parquet`) or none.
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    pub replications_format: ReplicationsFormat,
    /// Write drivers.csv even without the report (as `run --drivers`): drawn again from
    /// the scenario and seed, the same bytes as the unsplit run's. As `run`, a merge that
    /// writes its report records them anyway.
    #[arg(long, conflicts_with = "no_drivers")]
    pub drivers: bool,
    /// Do not record the drivers (as `run --no-drivers`).
    #[arg(long)]
    pub no_drivers: bool,
}

/// The merged run's replications: the shards' spill files, in shard order, read as one
/// chain (docs/storage.md §5), so memory holds the columns a statistic reads, never the
/// rows of every replication.
fn merged_replications(set: &ShardSet, scn: &Scenario) -> Result<SpillChain, CliError> {
    SpillChain::new(set.spills(scn).map_err(shard_error)?).map_err(read_error)
}

/// A spill file that fails while it is read (its crc32s were checked before the merge
/// started, so it changed or vanished meanwhile): damaged input, exit code 2.
fn read_error(e: SpillError) -> CliError {
    match e {
        SpillError::Corrupt { .. } => CliError::BadInput(format!("{e}; nothing was written")),
        SpillError::Io { .. } => CliError::Failure(format!("{e}; nothing was written")),
    }
}

/// The merged run's `run.json` record: the shards' common metadata, the simulation time
/// summed over the shards, and the earliest shard's start.
fn merged_info(set: &ShardSet, n_threads: usize, started_at: String) -> RunInfo {
    let meta = set.meta();
    RunInfo {
        chokepoint_version: report::CHOKEPOINT_VERSION.to_string(),
        git_commit: option_env!("CHOKEPOINT_GIT_COMMIT").map(str::to_string),
        scenario_path: meta.scenario_path.clone(),
        scenario_sha256: meta.scenario_sha256.clone(),
        seed: meta.seed,
        first_replication: 0,
        replications: meta.replications,
        threads: n_threads,
        // The simulation's time, summed over the shards (they may have run in parallel).
        wall_time_s: set.shards.iter().map(|s| s.meta.wall_time_s).sum(),
        command_line: std::env::args().collect(),
        rand_version: report::RAND_VERSION.to_string(),
        rand_distr_version: report::RAND_DISTR_VERSION.to_string(),
        started_at: set
            .shards
            .iter()
            .map(|s| s.meta.started_at.clone())
            .min()
            .unwrap_or(started_at),
        precision: None,
        notes: Vec::new(),
    }
}

/// Prints the merged run's heading, its tables and the files written (as `run` does).
fn print_merged(
    args: &Args,
    scn: &Scenario,
    summary: &Summary,
    meta: &ShardMeta,
    written: &[PathBuf],
    t0: Instant,
) {
    println!(
        "{} — {} futures merged from {} shards, seed {}, {} days, {:.1} s\n",
        scn.name(),
        meta.replications,
        meta.shards,
        meta.seed,
        scn.horizon_days(),
        t0.elapsed().as_secs_f64()
    );
    if args.wide {
        print!("{}", report::terminal_table(summary));
    } else {
        print!(
            "{}",
            report::terminal_table_fitted(summary, super::run::TABLE_COLUMNS)
        );
    }
    if let Some(t) = report::sector_table(summary) {
        print!("{t}");
    }
    if let Some(t) = report::value_added::protected_table(summary) {
        print!("{t}");
    }
    let top: Vec<String> = written
        .iter()
        .filter_map(|p| p.strip_prefix(&args.out).ok())
        .filter(|p| p.components().count() == 1)
        .map(|p| p.display().to_string())
        .collect();
    println!(
        "\nWritten to {}/:\n  {}",
        args.out.display(),
        top.join(", ")
    );
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let t0 = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    if args.out.join(shard::SHARD_FILE).exists() {
        return Err(CliError::BadInput(format!(
            "--out {}: that is a shard folder; merge into another folder (e.g. its parent)",
            args.out.display()
        )));
    }
    let set = shard::open_shards(&args.shards).map_err(shard_error)?;
    let meta = set.meta().clone();
    let text = String::from_utf8_lossy(&set.scenario_bytes).into_owned();
    let scn = scenario::parse_scenario(&meta.scenario_path, &text)?;
    let pool = super::common::pool(args.threads)?;
    let n_threads = super::common::thread_count(args.threads);
    let result = merged_replications(&set, &scn)?;
    let daily = set.daily(&scn).map_err(shard_error)?;
    let summary = pool
        .install(|| Summary::from_run(&scn, &result, meta.seed))
        .map_err(read_error)?;
    let info = merged_info(&set, n_threads, started_at);
    let mut staging = super::common::stage(&args.out)?;
    let outputs = super::run::Outputs {
        replications: args.replications_format,
        charts: !args.no_charts,
        chart_formats: args.format,
        drivers: super::run::Outputs::drivers_default(
            args.drivers,
            args.no_drivers,
            !args.no_charts,
        ),
    };
    let results = super::run::Results {
        reps: &result,
        daily: Some(&daily),
        summary: &summary,
    };
    let written = pool.install(|| {
        super::run::write_all(
            staging.dir(),
            &scn,
            results,
            &info,
            &set.scenario_bytes,
            outputs,
            None,
        )
    })?;
    super::run::discard_unwritten(&mut staging, &written);
    let base = staging.dir().to_path_buf();
    staging.commit()?;
    let written: Vec<PathBuf> = written
        .iter()
        .map(|p| args.out.join(p.strip_prefix(&base).unwrap_or(p)))
        .collect();
    if !args.quiet {
        print_merged(&args, &scn, &summary, &meta, &written, t0);
    }
    Ok(())
}
