//! The `exposure` command: time to survive (TTS) against time to recover (TTR) for the
//! loss of each supplier, country and route.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common;
use chokepoint::analysis::exposure;
use chokepoint::analysis::{AnalysisError, select_strategies};
use chokepoint::charts::analysis::{AnalysisChart, AnalysisKind, ExposureData};
use chokepoint::numfmt;
use chokepoint::report;
use chokepoint::report::pages::explore::AnalysisPage;

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
pub fn run(args: Args) -> ExitCode {
    let loaded = match common::load(&args.scenario) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let full = match loaded.doc.validate() {
        Ok(s) => s,
        Err(e) => return common::fail(e.into()),
    };
    if let Some(t) = args.ttr
        && !(t >= 0.0 && t.is_finite() && t <= 1e6)
    {
        return common::fail(AnalysisError::Spec(format!(
            "--ttr {t} must be a number of days between 0 and 1000000"
        )));
    }
    let strategy = args
        .strategy
        .clone()
        .unwrap_or_else(|| full.strategies[full.reference].id.clone());
    let scn = match select_strategies(&full, std::slice::from_ref(&strategy)) {
        Ok(s) => s,
        Err(e) => return common::fail(e),
    };
    let rows = exposure::exposure(&scn, args.ttr);
    let out = common::out_dir(&args.out, &loaded.stem, "exposure");
    let o = common::opt;
    let mut w = csv::Writer::from_writer(Vec::new());
    let res: csv::Result<()> = (|| {
        w.write_record([
            "rank",
            "kind",
            "entity",
            "material",
            "suppliers_lost",
            "share_lost",
            "tts_days",
            "tts_horizon",
            "ttr_days",
            "ttr_source",
            "shortfall_units",
            "shortfall_pct",
            "at_risk",
            "gap_days",
        ])?;
        for r in &rows {
            w.write_record([
                r.rank.to_string(),
                r.kind.as_str().to_string(),
                r.entity.clone(),
                r.material.clone(),
                r.suppliers_lost.join(" "),
                numfmt::shortest(r.share_lost),
                o(r.tts_days),
                r.tts_horizon.to_string(),
                o(r.ttr_days),
                r.ttr_source.clone(),
                o(r.shortfall_units),
                o(r.shortfall_pct),
                r.at_risk.map(|b| b.to_string()).unwrap_or_default(),
                o(r.gap_days),
            ])?;
        }
        Ok(())
    })();
    let bytes = match res
        .map_err(|e| e.to_string())
        .and_then(|_| w.into_inner().map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(super::EXIT_FAILURE);
        }
    };
    if let Err(e) = report::write_atomic(&out.join("exposure.csv"), &bytes) {
        return common::fail_io(e);
    }
    let json = serde_json::json!({
        "command": "exposure",
        "scenario": scn.name,
        "scenario_path": loaded.path,
        "scenario_sha256": loaded.sha256,
        "strategy": strategy,
        "ttr_days": args.ttr,
        "rows": rows,
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    if let Err(e) = report::write_atomic(&out.join("exposure.json"), text.as_bytes()) {
        return common::fail_io(e);
    }
    if !args.no_charts {
        let chart = AnalysisChart {
            name: "exposure".into(),
            title: "Which losses would stocks not outlast? Time to survive against time to recover"
                .into(),
            caption: format!(
                "Scenario: {} · strategy {strategy} · deterministic: one future, total loss from \
                 day 0, no other shock, no demand noise",
                scn.name
            ),
            kind: AnalysisKind::Exposure(ExposureData {
                rows: rows.clone(),
                top: 24,
            }),
        };
        let page = AnalysisPage {
            title: format!("Exposure — {}", scn.name),
            subtitle: format!(
                "Time to survive (TTS) against time to recover (TTR) for the loss of each \
                 supplier, country and route, strategy {strategy}{}.",
                args.ttr
                    .map(|t| format!(", TTR {} days for every node", numfmt::shortest(t)))
                    .unwrap_or_default()
            ),
            findings: report::pages::explore::exposure_findings(&rows),
            tables: vec![(
                "Nodes ranked by exposure".into(),
                report::pages::explore::exposure_table(&rows),
            )],
            files: vec!["exposure.csv".into(), "exposure.json".into()],
            provenance: common::provenance(&loaded, None, None),
            ..AnalysisPage::default()
        };
        if let Err(code) = common::write_page(&out, &[chart], page, args.quiet) {
            return code;
        }
    }
    if !args.quiet {
        println!(
            "{} — total loss from day 0, strategy {strategy}; TTS = days to the first shortfall\n",
            scn.name
        );
        println!(
            "{:>4}  {:<8} {:<22} {:<9} {:>6} {:>7} {:>7} {:>12} {:>7}  at risk",
            "rank", "kind", "entity", "material", "share", "TTS", "TTR", "short units", "short%",
        );
        for r in &rows {
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
        println!(
            "\nWritten to {}/: exposure.csv, exposure.json",
            out.display()
        );
    }
    ExitCode::SUCCESS
}
