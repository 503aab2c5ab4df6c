//! The `size` command: the smallest value of a parameter that meets a target.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common;
use chokepoint::analysis::AnalysisError;
use chokepoint::analysis::grid::parse_range;
use chokepoint::analysis::size::{self, DEFAULT_REL_TOL, DEFAULT_SCAN, SizeSpec, analysis_kind};
use chokepoint::analysis::target::{Rule, Subject, Target};
use chokepoint::charts::analysis::{self as ach, AnalysisChart, AnalysisKind, SizeData};
use chokepoint::numfmt;
use chokepoint::report;
use chokepoint::report::pages::explore::{AnalysisPage, evaluated_text};

/// Arguments of `size`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// The parameter path to size, e.g. material.ndpr.stockpile_days.
    #[arg(long, value_name = "PATH")]
    pub param: String,
    /// What must hold, e.g. "p95(shortfall_pct) <= 1 and autonomy >= 0.9". Statistics:
    /// mean, pNN, cvar95, prob_positive, autonomy; metrics as in summary.csv.
    #[arg(long, value_name = "TARGET")]
    pub target: String,
    /// Range searched, LO..HI (default: 0..max(4 × current, 365) for day fields, so
    /// 0..365 when the current value is 0; 0..1 for probabilities and shares;
    /// 0..max(4 × current, 1) for fractions such as refill_rate; 0..4 × current for
    /// other numbers, which need --range when they are 0).
    #[arg(long, value_name = "LO..HI")]
    pub range: Option<String>,
    /// Size for the target met with this confidence (0.95 or 95%): the end of each
    /// statistic's two-sided interval at this level on the threshold's side must meet
    /// it, not only the point estimate. Without it, the point estimate decides and a
    /// warning says when the 95% interval at the answer straddles the threshold.
    #[arg(long, value_name = "LEVEL", value_parser = common::parse_level)]
    pub confidence: Option<f64>,
    /// Strategy evaluated (default: the reference strategy).
    #[arg(long, value_name = "ID")]
    pub strategy: Option<String>,
    /// Material the target reads, or `total` (default: the only material, else total).
    #[arg(long, value_name = "ID")]
    pub material: Option<String>,
    /// Values in the coarse scan before bisection.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SCAN as u64,
          value_parser = clap::value_parser!(u64).range(2..=1000))]
    pub scan: u64,
    /// Resolution for paths that are not in days, relative to the range width: values
    /// are multiples of the round step (1, 2 or 5 × 10^k) at most REL × width. Day
    /// fields (every *_days path) are searched to the whole day.
    #[arg(long, value_name = "REL", default_value_t = DEFAULT_REL_TOL)]
    pub tol: f64,
    #[command(flatten)]
    pub sim: common::SimArgs,
    /// Output folder (default: output/<scenario-file-stem>/size/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the chart and report.html (CSV and JSON only).
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors (and the result line).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Column stem of a clause in size.csv: `p95_shortfall_pct`, `autonomy`.
fn stem(t: &Target, k: usize) -> String {
    let c = &t.clauses[k];
    match &c.metric {
        Some(m) => format!("{}_{m}", c.stat.name()),
        None => c.stat.name(),
    }
}

/// Prints each clause at the answer (or best value): `clause → value [lo, hi]`, the
/// numbers rounded as in the report, never reading against the verdict.
fn print_clauses(result: &size::SizeResult, target: &Target) {
    for (e, c) in result.at_value.iter().zip(&target.clauses) {
        println!(
            "  {} → {}  ({} interval in brackets; {})",
            e.clause,
            evaluated_text(e, c),
            result.rule.level_pct(),
            match (result.rule, e.met) {
                (Rule::Point, true) => "point estimate meets it",
                (Rule::Point, false) => "point estimate misses it",
                (Rule::Confidence(_), true) => "met with that confidence",
                (Rule::Confidence(_), false) => "not met with that confidence",
            }
        );
    }
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let loaded = match common::load(&args.scenario) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let target = match Target::parse(&args.target) {
        Ok(t) => t,
        Err(e) => return common::fail(e),
    };
    let current = match loaded.doc.get(&args.param) {
        Ok(v) => v,
        Err(e) => return common::fail(e.into()),
    };
    let (strategy, ev) = match common::one_strategy(&loaded, args.strategy.as_deref(), &args.sim) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let subject = match Subject::resolve(ev.base(), args.material.as_deref())
        .and_then(|s| target.check(s).map(|_| s))
    {
        Ok(s) => s,
        Err(e) if args.material.is_none() => {
            return common::fail(AnalysisError::Spec(format!(
                "{e}; the scenario has several materials: choose one with --material"
            )));
        }
        Err(e) => return common::fail(e),
    };
    let kind = analysis_kind(&args.param);
    let (lo, hi) = match args.range.as_deref().map_or_else(
        || size::default_range(&args.param, kind, current),
        parse_range,
    ) {
        Ok(x) => x,
        Err(e) => return common::fail(e),
    };
    let rule = args.confidence.map_or(Rule::Point, Rule::Confidence);
    if !(args.tol > 0.0 && args.tol < 1.0) {
        return common::fail(AnalysisError::Spec("--tol must be between 0 and 1".into()));
    }
    let spec = SizeSpec {
        path: args.param.clone(),
        kind,
        lo,
        hi,
        scan: args.scan as usize,
        rel_tol: args.tol,
        rule,
    };
    let pool = match common::pool(args.sim.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if !args.quiet {
        eprintln!(
            "{} — sizing {} in {}..{} for \"{target}\"{} ({}, strategy {strategy}), {} futures, seed {}",
            ev.base().name,
            args.param,
            numfmt::shortest(lo),
            numfmt::shortest(hi),
            match rule {
                Rule::Point => String::new(),
                Rule::Confidence(_) => format!(" met with {} confidence", rule.level_pct()),
            },
            subject.id(ev.base()),
            ev.replications,
            ev.seed
        );
    }
    let pb = common::bar(0, "evaluations", args.quiet);
    let result = size::search(&spec, &target, |v| {
        pb.set_message(format!("{} = {}", args.param, numfmt::shortest(v)));
        let (scn, res) =
            pool.install(|| ev.run_at(&[(args.param.as_str(), v)], &chokepoint::sim::NoProgress))?;
        pb.inc(1);
        Ok(target.evaluate(&scn, &res, 0, subject, rule))
    });
    pb.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(e) => return common::fail(e),
    };

    // size.csv: the evaluated points in ascending order of value.
    let mut csv = String::from("value,stage,order,met");
    let ci = rule.ci_tag();
    for k in 0..target.clauses.len() {
        let s = stem(&target, k);
        csv.push_str(&format!(
            ",{s},{s}_{ci}_lo,{s}_{ci}_hi,{s}_point_met,{s}_bound_met,{s}_met"
        ));
    }
    csv.push('\n');
    for p in &result.points {
        csv.push_str(&format!(
            "{},{},{},{}",
            numfmt::shortest(p.value),
            p.stage,
            p.order,
            p.met
        ));
        for e in &p.clauses {
            csv.push_str(&format!(
                ",{},{},{},{},{},{}",
                common::opt(e.value),
                common::opt(e.ci.map(|c| c[0])),
                common::opt(e.ci.map(|c| c[1])),
                e.point_met,
                e.bound_met,
                e.met
            ));
        }
        csv.push('\n');
    }
    let out = common::out_dir(&args.out, &loaded.stem, "size");
    if let Err(e) = report::write_atomic(&out.join("size.csv"), csv.as_bytes()) {
        return common::fail_io(e);
    }
    let json = serde_json::json!({
        "command": "size",
        "scenario": ev.base().name,
        "scenario_path": loaded.path,
        "scenario_sha256": loaded.sha256,
        "strategy": strategy,
        "material": subject.id(ev.base()),
        "seed": ev.seed,
        "replications": ev.replications,
        "current_value": current,
        "confidence": args.confidence,
        "scan": spec.scan,
        "rel_tol": spec.rel_tol,
        "result": result,
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    if let Err(e) = report::write_atomic(&out.join("size.json"), text.as_bytes()) {
        return common::fail_io(e);
    }

    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    if !args.no_charts {
        let material = subject.id(ev.base());
        let strategy_label = ev.base().strategies[0].label.clone();
        let data = SizeData {
            result: result.clone(),
            target: target.clone(),
            subject: material.clone(),
            strategy: strategy_label.clone(),
            currency: ev.base().currency.clone(),
        };
        let chart = AnalysisChart {
            name: "size".into(),
            title: format!(
                "How large must {} be to meet {}?",
                ach::short_path(&args.param),
                result.target
            ),
            caption: ach::caption(&ev.base().name, ev.replications, ev.seed),
            kind: AnalysisKind::Size(data.clone()),
        };
        let page = AnalysisPage {
            title: format!("Sizing {} — {}", args.param, ev.base().name),
            subtitle: format!(
                "The smallest value of {} in {}..{} meeting \"{}\" ({}) for {material} under \
                 {}, {} simulated futures per value, seed {}.",
                args.param,
                numfmt::shortest(lo),
                numfmt::shortest(hi),
                result.target,
                report::pages::explore::rule_words(rule),
                strategy_label,
                ev.replications,
                ev.seed
            ),
            findings: report::pages::explore::size_findings(&data, current),
            warnings: result.warnings.clone(),
            tables: vec![(
                "Every value evaluated".into(),
                report::pages::explore::size_table(&data),
            )],
            files: vec!["size.csv".into(), "size.json".into()],
            provenance: common::provenance(&loaded, Some(ev.seed), Some(ev.replications)),
            ..AnalysisPage::default()
        };
        if let Err(code) = common::write_page(&out, &[chart], page, args.quiet) {
            return code;
        }
    }
    match result.value {
        Some(v) => {
            println!(
                "{} = {} is the smallest value meeting \"{}\"{} (current value {})",
                args.param,
                numfmt::shortest(v),
                result.target,
                match rule {
                    Rule::Point => String::new(),
                    Rule::Confidence(_) => format!(" with {} confidence", rule.level_pct()),
                },
                numfmt::shortest(current)
            );
            print_clauses(&result, &target);
            if let Some([a, b]) = result.bracket {
                println!(
                    "  bracket: not met at {}, met at {}",
                    numfmt::shortest(a),
                    numfmt::shortest(b)
                );
            }
        }
        None => {
            println!(
                "no value of {} in {}..{} meets \"{}\"",
                args.param,
                numfmt::shortest(lo),
                numfmt::shortest(hi),
                result.target
            );
            if let Some(b) = result.best {
                println!(
                    "  best value found: {} = {}",
                    args.param,
                    numfmt::shortest(b)
                );
                print_clauses(&result, &target);
            }
            println!("  widen --range, or relax the target");
        }
    }
    if !args.quiet {
        println!(
            "{} evaluations. Written to {}/: size.csv, size.json",
            result.points.len(),
            out.display()
        );
    }
    if result.met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    }
}
