//! The `report` command: re-render the charts and `report.html` of a run from the files
//! it saved (`summary.json`, `replications.csv`, `daily.csv`, `run.json`,
//! `scenario.toml`), without simulating.

use std::path::PathBuf;

use super::CliError;
use chokepoint::report::{self, ChartFormats};

/// Arguments of `report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output folder of a `chokepoint run`.
    #[arg(value_name = "OUT_DIR")]
    pub dir: PathBuf,
    /// Chart files to write beside report.html: svg, png, or svg,png.
    #[arg(long, value_name = "LIST", default_value = "svg,png")]
    pub format: ChartFormats,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    if !args.dir.is_dir() {
        return Err(CliError::BadInput(format!(
            "'{}' {}; give the output folder of a `chokepoint run` (e.g. output/tutorial)",
            args.dir.display(),
            if args.dir.exists() {
                "is not a folder"
            } else {
                "does not exist"
            }
        )));
    }
    let saved = report::saved::load(&args.dir)?;
    let staging = super::common::stage(&args.dir)?;
    let written = report::write_charts_and_report(
        staging.dir(),
        &saved.data,
        &saved.total_cost,
        &saved.scenario,
        &saved.info,
        args.format,
    )?;
    let base = staging.dir().to_path_buf();
    staging.commit()?;
    if !args.quiet {
        println!("Written to {}/:", args.dir.display());
        for p in &written {
            let shown = p.strip_prefix(&base).unwrap_or(p);
            println!("  {}", shown.display());
        }
    }
    Ok(())
}
