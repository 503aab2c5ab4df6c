//! The `report` command: re-render the charts and `report.html` of a run from the files
//! it saved (`summary.json`, `replications.csv`, `daily.csv`, `run.json`,
//! `scenario.toml`), without simulating; for a run that recorded its drivers, with the
//! section on its worst futures (`drivers::report_section`).

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
    /// Also print report.html to report.pdf (A4 landscape) with a headless Chromium:
    /// CHOKEPOINT_CHROMIUM, else chromium (or chromium-browser, google-chrome) on the
    /// PATH, else /usr/bin/chromium. Without a browser: an error that says how to install
    /// one, exit code 1.
    #[arg(long)]
    pub pdf: bool,
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
    // Before rendering anything: a missing browser fails fast and changes no file.
    let browser = if args.pdf {
        Some(report::pdf::find_browser()?)
    } else {
        None
    };
    // A run that recorded its drivers has its section "What drives the worst futures"
    // again, drawn as the run drew it.
    let drivers = super::drivers::report_section(&args.dir, &saved.scenario, &saved.info)?;
    let staging = super::common::stage(&args.dir)?;
    let mut written = report::write_charts_and_report_with(
        staging.dir(),
        &saved.data,
        &saved.scenario,
        &saved.info,
        args.format,
        drivers.as_ref(),
    )?;
    if let Some(b) = browser {
        let out = staging.dir().join(report::pdf::REPORT_PDF);
        report::pdf::print_to_pdf(&b, &staging.dir().join("report.html"), &out)?;
        written.push(out);
    }
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
