//! The `exposure` command: time to survive (TTS) against time to recover (TTR) for the
//! loss of each supplier, country and route.

use chokepoint::numfmt;
use std::path::PathBuf;

use super::{CliError, common};
use chokepoint::explore::export;
use chokepoint::explore::exposure::{self, ExposureProblem, ExposureRow};
use chokepoint::report::{self, explore::exposure_page};

/// Arguments of `exposure`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Strategy whose stocks and suppliers are used (default: the reference strategy).
    #[arg(long, value_name = "ID")]
    pub strategy: Option<String>,
    /// Time to recover, in days, for every entity (default: from the scenario's shocks
    /// that target it: median duration + median recovery).
    #[arg(long, value_name = "DAYS")]
    pub ttr: Option<f64>,
    /// Output folder (default: output/<scenario-file-stem>/exposure/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the chart and report.html (CSV and JSON only).
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let loaded = common::load(&args.scenario)?;
    let problem = ExposureProblem::new(
        &loaded.doc,
        args.strategy.as_deref(),
        args.ttr,
        loaded.source(),
    )?;
    let rows = exposure::run(&problem);
    let out = common::out_dir(&args.out, &loaded.stem, "exposure");
    common::note_replaced(&out, "exposure");
    let staging = common::stage(&out)?;
    let dir = staging.dir();
    report::write_atomic(&dir.join("exposure.csv"), &export::exposure_csv(&rows)?)?;
    report::write_atomic(
        &dir.join("exposure.json"),
        &export::exposure_json(&problem, &rows),
    )?;
    if !args.no_charts {
        let (charts, page) =
            exposure_page(&problem, &rows, common::provenance(&loaded, None, None));
        common::write_page(&staging, &charts, page, args.quiet)?;
    }
    staging.commit()?;
    if !args.quiet {
        print_table(&problem, &rows);
        println!(
            "\nWritten to {}/: exposure.csv, exposure.json",
            out.display()
        );
    }
    Ok(())
}

/// The terminal table: one line per entity and material, in rank order.
fn print_table(problem: &ExposureProblem, rows: &[ExposureRow]) {
    println!(
        "{} — total loss from day 0, strategy {}; TTS = days to the first shortfall\n",
        problem.scenario().name(),
        problem.strategy
    );
    println!(
        "{:>4}  {:<8} {:<22} {:<9} {:>6} {:>7} {:>7} {:>12} {:>7}  at risk",
        "rank", "kind", "entity", "material", "share", "TTS", "TTR", "short units", "short%",
    );
    for r in rows {
        println!(
            "{:>4}  {:<8} {:<22} {:<9} {:>6} {:>7} {:>7} {:>12} {:>7}  {}",
            r.rank,
            r.kind.as_str(),
            r.entity,
            r.material,
            format!("{:.2}", r.share_lost),
            r.tts_days
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| format!(">{}", r.tts_horizon)),
            r.ttr_days
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "–".into()),
            numfmt::sig4(r.shortfall_units),
            r.shortfall_pct
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "–".into()),
            match r.at_risk {
                Some(true) => format!(
                    "YES (short by {} days)",
                    r.gap_days.map(|g| format!("{g:.0}")).unwrap_or_default()
                ),
                Some(false) => "no".into(),
                None => "no TTR (no shock targets it; give --ttr)".into(),
            }
        );
    }
}
