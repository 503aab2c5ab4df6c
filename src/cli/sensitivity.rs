//! The `sensitivity` command: one-at-a-time moves of parameter paths (tornado data) and,
//! with `--sobol N`, Sobol indices.

use chokepoint::numfmt;
use std::path::{Path, PathBuf};

use super::{CliError, common};
use chokepoint::explore::export;
use chokepoint::explore::sensitivity::{
    self, SensitivityProblem, SensitivityRequest, SensitivityResult,
};
use chokepoint::report::{self, explore::sensitivity_page};
use chokepoint::store::RunDir;

/// Arguments of `sensitivity`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Strategy evaluated (default: the reference strategy).
    #[arg(long, value_name = "ID")]
    pub strategy: Option<String>,
    /// Metric whose mean is compared (a summary.csv metric name).
    #[arg(long, value_name = "M", default_value = "shortfall_pct")]
    pub metric: String,
    /// Material the metric is read for, or `total` (default: the only material; with
    /// several, `total` for total metrics, else the first material).
    #[arg(long, value_name = "ID")]
    pub material: Option<String>,
    /// Relative move of each path, down and up: 20% or 0.2.
    #[arg(long, value_name = "DELTA", default_value = "20%", value_parser = common::parse_delta)]
    pub delta: f64,
    /// Paths to move (default: every numeric path but replications and horizon_days);
    /// repeat or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',')]
    pub paths: Vec<String>,
    /// Also compute Sobol indices with N base rows of an Owen-scrambled Sobol design
    /// (N × (paths + 2) runs) over the paths' ranges low..high. A power of two (64, 256,
    /// 1024) balances the design; the report says how wide the intervals came out and
    /// which N would narrow them to 0.1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=65_536))]
    pub sobol: Option<u64>,
    /// Bootstrap resamples of the Sobol intervals.
    #[arg(long, value_name = "B", default_value_t = 500)]
    pub bootstrap: usize,
    #[command(flatten)]
    pub sim: common::SimArgs,
    /// Output folder (default: output/<scenario-file-stem>/sensitivity/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts and report.html (CSV and JSON only).
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Discard runs left in OUT/points/ by a different analysis.
    #[arg(long)]
    pub fresh: bool,
    /// Compute only part K of N of the runs (K from 0 to N-1: its part of the
    /// one-at-a-time runs, then of the Sobol runs) into OUT/points/ and write nothing
    /// else; a last call without --shard computes what is missing and writes the
    /// results. 'auto/N' or 'auto' read the array index (see `run --shard`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Shard `k` of `n` of the analysis: computes its share of the runs into the point store
/// (clearing what a killed run of the same shard left) and writes nothing else.
fn run_shard_part(
    problem: &SensitivityProblem,
    store: &RunDir,
    pool: &rayon::ThreadPool,
    bars: &common::Bars,
    (k, n): (u64, u64),
    out: &Path,
    quiet: bool,
) -> Result<(), CliError> {
    // Only this shard writes its one-at-a-time runs' files: clear a killed one's
    // debris (its Sobol runs' files are rewritten when it computes them again).
    let mine = common::shard_part(problem.oat_runs(), k, n);
    store.clean_debris(
        &|name| {
            name.strip_prefix("oat-")
                .and_then(|r| r.strip_suffix(".bin"))
                .and_then(|i| i.parse::<usize>().ok())
                .is_some_and(|i| mine.contains(&i))
        },
        false,
    );
    let split = |len: usize| common::shard_part(len, k, n);
    let counts = pool.install(|| sensitivity::run_shard(problem, &split, store, bars));
    bars.finish();
    let (computed, reused) = counts?;
    if !quiet {
        common::print_shard_done(k, n, computed, reused, out, "sensitivity.csv");
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let loaded = common::load(&args.scenario)?;
    let bars = common::Bars::new(args.quiet, !args.quiet);
    let req = SensitivityRequest {
        strategy: args.strategy.clone(),
        metric: args.metric.clone(),
        material: args.material.clone(),
        delta: args.delta,
        paths: args.paths.clone(),
        sobol: args.sobol.map(|n| n as usize),
        bootstrap: args.bootstrap,
        seed: args.sim.seed,
        replications: args.sim.replications,
        source: loaded.source(),
    };
    let shard = common::shard_arg(args.shard.as_deref(), args.fresh)?;
    let problem = SensitivityProblem::new(&loaded.doc, &req, &bars)?;
    let pool = common::pool(args.sim.threads)?;
    let ev = problem.evaluator();
    let out = common::out_dir(&args.out, &loaded.stem, "sensitivity");
    let store = RunDir::open(
        &out.join("points"),
        &problem.hash(),
        &problem.spec(),
        args.fresh,
    )?;
    if !args.quiet {
        eprintln!(
            "{} — mean {} ({}, strategy {}) moving {} paths by ±{}%, {} futures per run, seed {}",
            ev.base().name(),
            problem.metric,
            problem.subject.id(ev.base()),
            problem.strategy,
            problem.paths.len(),
            numfmt::shortest(problem.delta * 100.0),
            ev.replications,
            ev.seed
        );
    }
    if let Some((k, n)) = shard {
        return run_shard_part(&problem, &store, &pool, &bars, (k, n), &out, args.quiet);
    }
    store.clean_debris(&|_| true, true);
    let result = pool.install(|| sensitivity::run_in(&problem, &store, &bars));
    bars.finish();
    let result = result?;
    common::note_replaced(&out, "sensitivity");
    let staging = common::stage(&out)?;
    let write = |name: &str, bytes: &[u8]| report::write_atomic(&staging.dir().join(name), bytes);
    write("sensitivity.csv", &export::sensitivity_csv(&result.rows)?)?;
    if let Some(s) = &result.sobol {
        write("sobol.csv", &export::sobol_csv(s)?)?;
    }
    write(
        "sensitivity.json",
        &export::sensitivity_json(&problem, &result),
    )?;
    if !args.no_charts {
        let provenance = common::provenance(&loaded, Some(ev.seed), Some(ev.replications));
        let (charts, page) = sensitivity_page(&problem, &result, provenance);
        common::write_page(&staging, &charts, page, args.quiet)?;
    }
    staging.commit()?;
    if !args.quiet {
        print_tables(&problem, &result);
        println!(
            "\nWritten to {}/: sensitivity.csv{}, sensitivity.json",
            out.display(),
            if result.sobol.is_some() {
                ", sobol.csv"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// The terminal view: paths ranked by swing, then the Sobol indices when computed.
fn print_tables(problem: &SensitivityProblem, result: &SensitivityResult) {
    let ev = problem.evaluator();
    let rows = &result.rows;
    let base = rows.first().and_then(|r| r.metric_base);
    println!(
        "mean {} ({}) at the base: {}\n",
        problem.metric,
        problem.subject.id(ev.base()),
        numfmt::sig4(base)
    );
    println!(
        "{:>4}  {:<48} {:>10} {:>10} {:>10} {:>10} {:>10}  beyond noise?",
        "rank", "path", "low", "high", "at low", "at high", "swing"
    );
    for r in rows.iter().filter(|r| r.rank.is_some()).take(25) {
        println!(
            "{:>4}  {:<48} {:>10} {:>10} {:>10} {:>10} {:>10}  {}",
            r.rank.unwrap_or(0),
            r.moved.path,
            numfmt::sig4(r.moved.low),
            numfmt::sig4(r.moved.high),
            numfmt::sig4(r.metric_low),
            numfmt::sig4(r.metric_high),
            numfmt::sig4(r.swing),
            if r.is_noise() {
                "no (paired 95% intervals contain 0)"
            } else {
                "yes"
            }
        );
    }
    let skipped = rows.iter().filter(|r| r.rank.is_none()).count();
    if skipped > 0 {
        println!("{skipped} paths skipped (see the note column of sensitivity.csv)");
    }
    if let Some(s) = &result.sobol {
        println!("\nSobol indices (N = {}, {} runs):", s.n, s.runs);
        println!(
            "{:>4}  {:<48} {:>8} {:>19} {:>8} {:>19}  converged",
            "rank", "path", "first", "95%", "total", "95%"
        );
        let ci = |c: Option<[f64; 2]>| {
            c.map(|c| format!("{:.3} – {:.3}", c[0], c[1]))
                .unwrap_or_default()
        };
        for r in &s.rows {
            println!(
                "{:>4}  {:<48} {:>8} {:>19} {:>8} {:>19}  {}",
                r.rank,
                r.input.path,
                r.first.map(|v| format!("{v:.3}")).unwrap_or_default(),
                ci(r.first_ci95),
                r.total.map(|v| format!("{v:.3}")).unwrap_or_default(),
                ci(r.total_ci95),
                r.note.as_deref().unwrap_or("yes")
            );
        }
        println!(
            "{}",
            report::pages::explore::sobol_precision(s, Some(ev.replications))
        );
    }
}
