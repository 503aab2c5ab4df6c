//! Command-line interface: argument parsing (clap) and dispatch to one module per
//! command. Each command parses its arguments, builds a library problem, runs it with a
//! progress observer ([`common::Bars`]) and hands the typed result to the exporters and
//! the report layer; it returns `Result<(), CliError>`. Only this layer prints and
//! renders diagnostics; exit codes are chosen in one place ([`CliError::exit_code`]). It
//! may depend on every library layer; nothing in the library depends on it.

mod backtest;
mod common;
mod drivers;
mod error;
mod exposure;
mod merge;
mod precision;
mod report;
mod run;
mod schema;
mod sensitivity;
mod shard;
mod size;
mod sweep;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use error::CliError;

#[derive(Parser, Debug)]
#[command(
    name = "chokepoint",
    version,
    about = "Monte Carlo simulator of supply disruptions for economic-security planning",
    long_about = "chokepoint samples thousands of futures of supply shocks (embargoes, export \
controls, outages, logistics disruptions, demand surges), runs every strategy against the same \
futures, and reports shortfall, time to survive, recovery time, stock levels and cost.",
    after_help = "Examples:\n  chokepoint run                          # the flagship scenario\n  \
chokepoint run scenarios/tutorial.toml --replications 2000 --seed 7\n  \
chokepoint validate scenarios/*.toml\n  chokepoint report output/tutorial\n  chokepoint schema > scenario.schema.json\n  \
chokepoint exposure scenarios/tutorial.toml\n\n\
Exit codes: 0 success, 1 failure (I/O, target not met), 2 bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check scenario files and summarise them, reporting every problem at once.
    #[command(after_help = "Example:\n  chokepoint validate scenarios/*.toml")]
    Validate(validate::Args),
    /// Print the JSON Schema of the scenario format (for editors such as Taplo).
    #[command(after_help = "Example:\n  chokepoint schema > scenario.schema.json")]
    Schema(schema::Args),
    /// Simulate a scenario and write results to an output folder.
    #[command(after_help = "Examples:\n  chokepoint run\n  \
chokepoint run scenarios/tutorial.toml --replications 2000 --seed 7 --out output/try\n  \
chokepoint run scenarios/tutorial.toml --threads 1 --quiet")]
    Run(run::Args),
    /// Merge the shard folders of `run --shard K/N` into the files of the unsplit run.
    #[command(after_help = "Examples:\n  \
chokepoint run scenarios/bench.toml --shard 0/2 --out out/bench/shards/0\n  \
chokepoint run scenarios/bench.toml --shard 1/2 --out out/bench/shards/1\n  \
chokepoint merge out/bench/shards/* --out out/bench\n\n\
The merged summary.json, summary.csv, replications.csv and daily.csv are byte-identical \
to those of the unsplit run. Exit codes: 0 merged, 1 failure (I/O), 2 the folders are not \
the complete, intact shards of one run (nothing written).")]
    Merge(merge::Args),
    /// Re-render the charts and report.html of a run from its saved files, without
    /// simulating.
    #[command(
        after_help = "Example:\n  chokepoint report output/tutorial --format svg\n  chokepoint report output/tutorial --pdf"
    )]
    Report(report::Args),
    /// Sweep parameter paths over a grid or a Latin hypercube (resumable).
    #[command(after_help = "Examples:\n  \
chokepoint sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..180:7 -n 500\n  \
chokepoint sweep scenarios/tutorial.toml --vary material.ndpr.stockpile_days=0..180 \
--vary material.ndpr.private_days=10..90 --lhs 20 --strategy baseline\n\n\
Interrupted? Run the same command again: finished points are reused.")]
    Sweep(sweep::Args),
    /// Find the smallest value of a parameter that meets a target (optionally with
    /// confidence).
    #[command(after_help = "Examples:\n  \
chokepoint size scenarios/tutorial.toml --param material.ndpr.stockpile_days \
--target \"p95(shortfall_pct) <= 1\" --material ndpr --range 0..365 -n 500\n  \
chokepoint size scenarios/tutorial.toml --param material.ndpr.stockpile_days \
--target \"p95(shortfall_pct) <= 1\" --material ndpr -n 500 --confidence 0.95\n\n\
Exit codes: 0 found, 1 no value in the range meets the target (with --confidence: with \
that confidence), 2 bad input.")]
    Size(size::Args),
    /// Rank parameter paths by their effect on a metric (tornado data; Sobol indices).
    #[command(after_help = "Examples:\n  \
chokepoint sensitivity scenarios/tutorial.toml --metric shortfall_pct --material ndpr -n 300\n  \
chokepoint sensitivity scenarios/tutorial.toml --material ndpr --paths \
material.ndpr.stockpile_days,material.ndpr.private_days --sobol 64 -n 200")]
    Sensitivity(sensitivity::Args),
    /// Time to survive vs time to recover for the loss of each supplier, country, route.
    #[command(
        after_help = "Examples:\n  chokepoint exposure scenarios/tutorial.toml\n  \
chokepoint exposure scenarios/tutorial.toml --strategy stockpile_180 --ttr 120"
    )]
    Exposure(exposure::Args),
    /// What the worst futures of a run have in common (needs `run --drivers`): ranked
    /// features and PRIM boxes.
    #[command(after_help = "Examples:\n  \
chokepoint run scenarios/tutorial.toml --drivers --out output/tutorial\n  \
chokepoint drivers output/tutorial --tail 5%\n  \
chokepoint drivers output/tutorial --worse baseline --than stockpile_180\n\n\
Exit codes: 0 success, 1 failure (I/O), 2 bad input (also: a run without drivers.csv).")]
    Drivers(drivers::Args),
    /// Replay recorded episodes (scenarios/backtests/) and write docs/backtests.md.
    #[command(after_help = "Examples:\n  chokepoint backtest\n  \
chokepoint backtest scenarios/backtests -n 400 --out - --check")]
    Backtest(backtest::Args),
}

/// Parses arguments, runs the command, and maps the outcome to an exit code: the one
/// place where exit codes are chosen ([`CliError::exit_code`]; usage errors exit 2
/// through clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Run(args) => run::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Report(args) => report::run(args),
        Command::Drivers(args) => drivers::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Size(args) => size::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Exposure(args) => exposure::run(args),
        Command::Backtest(args) => backtest::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}
