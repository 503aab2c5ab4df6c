//! The `backtest` command: replay the recorded episodes of a folder
//! (`scenarios/backtests/` by default) and write `docs/backtests.md`.

use std::path::PathBuf;

use chokepoint::backtest::{self, Options, Verdict};

use super::error::CliError;

/// Arguments of `backtest`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder with the replay scenarios and `episodes.toml`.
    #[arg(value_name = "DIR", default_value = "scenarios/backtests")]
    pub dir: PathBuf,
    /// Futures per replay (default: each scenario's `replications`).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub replications: Option<u64>,
    /// Seed (default: each scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Where to write the page ("-" for stdout).
    #[arg(short, long, value_name = "FILE", default_value = "docs/backtests.md")]
    pub out: PathBuf,
    /// Exit with 1 when an episode expected inside falls outside.
    #[arg(long)]
    pub check: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let opts = Options {
        replications: args.replications,
        seed: args.seed,
    };
    let (outcomes, notes) =
        backtest::run_all(&args.dir, opts).map_err(|e| CliError::BadInput(e.to_string()))?;
    let mut command = format!("chokepoint backtest {}", args.dir.display());
    if let Some(n) = args.replications {
        command.push_str(&format!(" -n {n}"));
    }
    if let Some(s) = args.seed {
        command.push_str(&format!(" --seed {s}"));
    }
    let page = backtest::render_markdown(&outcomes, &notes, &command);
    if args.out.as_os_str() == "-" {
        print!("{page}");
    } else {
        chokepoint::report::write_atomic(&args.out, page.as_bytes())?;
    }
    let mut changed = 0;
    for o in &outcomes {
        let e = &o.episode;
        let h = o.simulated.horizon_days;
        let flag = if o.verdict != e.expected {
            changed += 1;
            format!("  (expected {})", e.expected.word())
        } else {
            String::new()
        };
        eprintln!(
            "{:<34} recorded {:>12}  simulated {:>14} [{} – {}]  {}{flag}",
            e.id,
            backtest::format_recorded(e, h),
            backtest::format_value(e.quantity, o.simulated.p50, h),
            backtest::format_value(e.quantity, o.simulated.p5, h),
            backtest::format_value(e.quantity, o.simulated.p95, h),
            o.verdict.word()
        );
    }
    if args.out.as_os_str() != "-" {
        eprintln!("wrote {}", args.out.display());
    }
    let fell_out = outcomes
        .iter()
        .any(|o| o.episode.expected == Verdict::Inside && o.verdict != Verdict::Inside);
    if changed > 0 {
        eprintln!("{changed} verdict(s) differ from episodes.toml's `expected`");
    }
    if args.check && fell_out {
        return Err(CliError::Failure(
            "an outcome recorded inside its simulated 90% interval now falls outside".into(),
        ));
    }
    Ok(())
}
