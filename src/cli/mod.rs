//! Command-line interface: argument parsing (clap) and dispatch to one module per
//! command. Only this layer prints, renders diagnostics and chooses exit codes.

mod report;
mod run;
mod schema;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for a failure that is not the user's input (I/O and the like).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input: usage errors and invalid scenario files.
pub const EXIT_BAD_INPUT: u8 = 2;

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
chokepoint validate scenarios/*.toml\n  chokepoint report output/tutorial\n  chokepoint schema > scenario.schema.json\n\n\
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
    /// Re-render the charts and report.html of a run from its saved files, without
    /// simulating.
    #[command(after_help = "Example:\n  chokepoint report output/tutorial --format svg")]
    Report(report::Args),
}

/// Parses arguments, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::run(args),
    }
}
