//! The `sensitivity` command: one-at-a-time moves of parameter paths (tornado data) and,
//! with `--sobol N`, Sobol indices.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::{self as common, BarProgress};
use chokepoint::analysis::sensitivity::{self, SobolInput};
use chokepoint::analysis::target::Subject;
use chokepoint::charts::analysis::{
    self as ach, AnalysisChart, AnalysisKind, SobolData, TornadoData,
};
use chokepoint::numfmt;
use chokepoint::report;
use chokepoint::report::pages::explore::AnalysisPage;

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
}

fn write_csv<F>(path: &std::path::Path, fill: F) -> Result<(), ExitCode>
where
    F: FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    let bytes = fill(&mut w)
        .map_err(|e| e.to_string())
        .and_then(|_| w.into_inner().map_err(|e| e.to_string()));
    match bytes {
        Ok(b) => report::write_atomic(path, &b).map_err(common::fail_io),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(super::EXIT_FAILURE))
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let loaded = match common::load(&args.scenario) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (strategy, ev) = match common::one_strategy(&loaded, args.strategy.as_deref(), &args.sim) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut subject = match Subject::resolve(ev.base(), args.material.as_deref()) {
        Ok(s) => s,
        Err(e) => return common::fail(e),
    };
    if args.material.is_none() && subject.check_metric(&args.metric).is_err() {
        subject = Subject::Material(0);
        if !args.quiet {
            eprintln!(
                "note: `{}` is per material; using material `{}` (choose with --material)",
                args.metric,
                ev.base().materials[0].id
            );
        }
    }
    if let Err(e) = subject.check_metric(&args.metric) {
        return common::fail(e);
    }
    let paths = if args.paths.is_empty() {
        sensitivity::default_paths(&loaded.doc)
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if let Err(e) = loaded.doc.get(p) {
            return common::fail(e.into());
        }
    }
    let pool = match common::pool(args.sim.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let material = subject.id(ev.base());
    if !args.quiet {
        eprintln!(
            "{} — mean {} ({material}, strategy {strategy}) moving {} paths by ±{}%, {} futures per run, seed {}",
            ev.base().name,
            args.metric,
            paths.len(),
            numfmt::shortest(args.delta * 100.0),
            ev.replications,
            ev.seed
        );
    }
    let pb = common::bar(1 + 2 * paths.len() as u64, "runs", args.quiet);
    let rows = pool.install(|| {
        sensitivity::one_at_a_time(
            &ev,
            &paths,
            args.delta,
            subject,
            &args.metric,
            &BarProgress(&pb),
        )
    });
    pb.finish_and_clear();
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return common::fail(e),
    };
    let out = common::out_dir(&args.out, &loaded.stem, "sensitivity");
    let o = common::opt;
    if let Err(code) = write_csv(&out.join("sensitivity.csv"), |w| {
        w.write_record([
            "rank",
            "path",
            "kind",
            "base",
            "low",
            "high",
            "metric_low",
            "metric_base",
            "metric_high",
            "low_minus_base",
            "low_minus_base_ci95_lo",
            "low_minus_base_ci95_hi",
            "high_minus_base",
            "high_minus_base_ci95_lo",
            "high_minus_base_ci95_hi",
            "diff",
            "diff_ci95_lo",
            "diff_ci95_hi",
            "swing",
            "distinguishable",
            "note",
        ])?;
        for r in &rows {
            w.write_record([
                r.rank.map(|k| k.to_string()).unwrap_or_default(),
                r.moved.path.clone(),
                r.moved.kind.to_string(),
                numfmt::shortest(r.moved.base),
                o(r.moved.low),
                o(r.moved.high),
                o(r.metric_low),
                o(r.metric_base),
                o(r.metric_high),
                o(r.low_minus_base),
                o(r.low_minus_base_ci95.map(|c| c[0])),
                o(r.low_minus_base_ci95.map(|c| c[1])),
                o(r.high_minus_base),
                o(r.high_minus_base_ci95.map(|c| c[0])),
                o(r.high_minus_base_ci95.map(|c| c[1])),
                o(r.diff),
                o(r.diff_ci95.map(|c| c[0])),
                o(r.diff_ci95.map(|c| c[1])),
                o(r.swing),
                r.distinguishable.map(|d| d.to_string()).unwrap_or_default(),
                r.moved.note.clone().unwrap_or_default(),
            ])?;
        }
        Ok(())
    }) {
        return code;
    }

    // Sobol over the paths that moved, each over its low..high range.
    let mut sobol_result = None;
    if let Some(n) = args.sobol {
        let inputs: Vec<SobolInput> = paths
            .iter()
            .filter_map(|p| rows.iter().find(|r| &r.moved.path == p))
            .filter(|r| r.rank.is_some())
            .map(|r| SobolInput {
                path: r.moved.path.clone(),
                lo: r.moved.low.unwrap_or(r.moved.base),
                hi: r.moved.high.unwrap_or(r.moved.base),
            })
            .collect();
        let runs = n as usize * (inputs.len() + 2);
        if !args.quiet {
            eprintln!(
                "Sobol: {} paths, N = {n}: {runs} runs of {} futures",
                inputs.len(),
                ev.replications
            );
        }
        let pb = common::bar(runs as u64, "runs", args.quiet);
        let r = pool.install(|| {
            sensitivity::sobol(
                &ev,
                &inputs,
                n as usize,
                args.bootstrap,
                subject,
                &args.metric,
                &BarProgress(&pb),
            )
        });
        pb.finish_and_clear();
        let r = match r {
            Ok(r) => r,
            Err(e) => return common::fail(e),
        };
        if let Err(code) = write_csv(&out.join("sobol.csv"), |w| {
            w.write_record([
                "rank",
                "path",
                "lo",
                "hi",
                "first",
                "first_ci95_lo",
                "first_ci95_hi",
                "total",
                "total_ci95_lo",
                "total_ci95_hi",
                "first_raw",
                "total_raw",
                "converged",
                "note",
            ])?;
            for s in &r.rows {
                w.write_record([
                    s.rank.to_string(),
                    s.input.path.clone(),
                    numfmt::shortest(s.input.lo),
                    numfmt::shortest(s.input.hi),
                    o(s.first),
                    o(s.first_ci95.map(|c| c[0])),
                    o(s.first_ci95.map(|c| c[1])),
                    o(s.total),
                    o(s.total_ci95.map(|c| c[0])),
                    o(s.total_ci95.map(|c| c[1])),
                    o(s.first_raw),
                    o(s.total_raw),
                    s.converged.to_string(),
                    s.note.clone().unwrap_or_default(),
                ])?;
            }
            Ok(())
        }) {
            return code;
        }
        sobol_result = Some(r);
    }
    let json = serde_json::json!({
        "command": "sensitivity",
        "scenario": ev.base().name,
        "scenario_path": loaded.path,
        "scenario_sha256": loaded.sha256,
        "strategy": strategy,
        "material": material,
        "metric": args.metric,
        "statistic": "mean",
        "delta": args.delta,
        "seed": ev.seed,
        "replications": ev.replications,
        "one_at_a_time": rows,
        "sobol": sobol_result,
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    if let Err(e) = report::write_atomic(&out.join("sensitivity.json"), text.as_bytes()) {
        return common::fail_io(e);
    }
    if !args.no_charts {
        let strategy_label = ev.base().strategies[0].label.clone();
        let caption = ach::caption(&ev.base().name, ev.replications, ev.seed);
        let tornado = TornadoData {
            rows: rows.clone(),
            metric: args.metric.clone(),
            subject: material.clone(),
            strategy: strategy_label.clone(),
            delta: args.delta,
            top: 15,
            currency: ev.base().currency.clone(),
        };
        let mut charts = vec![AnalysisChart {
            name: "tornado".into(),
            title: format!(
                "Which assumptions move mean {} ({material}) most? Each path ±{}%",
                ach::metric_words(&args.metric)
                    .split(',')
                    .next()
                    .unwrap_or(&args.metric),
                numfmt::shortest(args.delta * 100.0)
            ),
            caption: caption.clone(),
            kind: AnalysisKind::Tornado(tornado.clone()),
        }];
        let sobol_data = sobol_result.as_ref().map(|r| SobolData {
            result: r.clone(),
            metric: args.metric.clone(),
            subject: material.clone(),
            currency: ev.base().currency.clone(),
        });
        let mut tables = vec![(
            "Paths ranked by swing".to_string(),
            report::pages::explore::tornado_table(&tornado, 30),
        )];
        let mut files = vec!["sensitivity.csv".to_string(), "sensitivity.json".into()];
        if let Some(d) = &sobol_data {
            charts.push(AnalysisChart {
                name: "sobol".into(),
                title: "How much of the variance does each path explain? Sobol indices".into(),
                caption: caption.clone(),
                kind: AnalysisKind::Sobol(d.clone()),
            });
            tables.push((
                "Sobol indices".into(),
                report::pages::explore::sobol_table(d),
            ));
            files.push("sobol.csv".into());
        }
        let page = AnalysisPage {
            title: format!("Sensitivity — {}", ev.base().name),
            subtitle: format!(
                "Mean {} ({material}) under {strategy_label} as each of {} paths moves ±{}% \
                 alone; {} simulated futures per run, seed {}.",
                args.metric,
                paths.len(),
                numfmt::shortest(args.delta * 100.0),
                ev.replications,
                ev.seed
            ),
            findings: report::pages::explore::sensitivity_findings(
                &tornado,
                sobol_data.as_ref(),
                Some(ev.replications),
            ),
            tables,
            files,
            provenance: common::provenance(&loaded, Some(ev.seed), Some(ev.replications)),
            ..AnalysisPage::default()
        };
        if let Err(code) = common::write_page(&out, &charts, page, args.quiet) {
            return code;
        }
    }
    if !args.quiet {
        let base = rows.first().and_then(|r| r.metric_base);
        println!(
            "mean {} ({material}) at the base: {}\n",
            args.metric,
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
        if let Some(s) = &sobol_result {
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
        println!(
            "\nWritten to {}/: sensitivity.csv{}, sensitivity.json",
            out.display(),
            if sobol_result.is_some() {
                ", sobol.csv"
            } else {
                ""
            }
        );
    }
    ExitCode::SUCCESS
}
