//! The `size` command: the smallest value of a parameter that meets a target.

use chokepoint::numfmt;
use std::path::PathBuf;

use super::{CliError, common};
use chokepoint::explore::export;
use chokepoint::explore::size::{self, DEFAULT_REL_TOL, DEFAULT_SCAN, SizeProblem, SizeRequest};
use chokepoint::explore::target::Rule;
use chokepoint::report::{self, explore::size_page, pages::explore::evaluated_text};
use chokepoint::store::RunDir;

/// The file name of `path`.
fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

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
    /// Discard evaluations left in OUT/points/ by a different sizing.
    #[arg(long)]
    pub fresh: bool,
    /// Evaluate only part K of N of the coarse scan (K from 0 to N-1) into OUT/points/
    /// and write nothing else; a last call without --shard evaluates what is missing,
    /// bisects and writes the results. 'auto/N' or 'auto' read the array index (see
    /// `run --shard`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Prints each clause at the answer (or best value): `clause → value [lo, hi]`, the
/// numbers rounded as in the report, never reading against the verdict.
fn print_clauses(result: &size::SizeResult, problem: &SizeProblem) {
    for (e, c) in result.at_value.iter().zip(&problem.target.clauses) {
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

/// Runs the command: exit 1 when no value in the range meets the target.
pub fn run(args: Args) -> Result<(), CliError> {
    let loaded = common::load(&args.scenario)?;
    let req = SizeRequest {
        param: args.param.clone(),
        target: args.target.clone(),
        range: args.range.clone(),
        confidence: args.confidence,
        strategy: args.strategy.clone(),
        material: args.material.clone(),
        scan: args.scan as usize,
        rel_tol: args.tol,
        seed: args.sim.seed,
        replications: args.sim.replications,
        source: loaded.source(),
    };
    let shard = common::shard_arg(args.shard.as_deref(), args.fresh)?;
    let problem = SizeProblem::new(&loaded.doc, &req)?;
    let pool = common::pool(args.sim.threads)?;
    if !args.quiet {
        eprintln!("{}", header(&problem));
    }
    let out = common::out_dir(&args.out, &loaded.stem, "size");
    let store = RunDir::open(
        &out.join("points"),
        &problem.hash(),
        &problem.spec(),
        args.fresh,
    )?;
    let bars = common::Bars::new(args.quiet, false);
    if let Some((k, n)) = shard {
        // Only this shard writes its scan values' files: clear a killed one's debris.
        let values = size::scan_values(&problem.spec)?;
        let part = chokepoint::shard::shard_range(values.len() as u64, k, n);
        let mine: Vec<String> = values[part.start as usize..part.end as usize]
            .iter()
            .map(|&v| file_name(&store.eval_path(v)))
            .collect();
        store.clean_debris(&|name| mine.iter().any(|m| m == name), false);
        let split = |len: usize| common::shard_part(len, k, n);
        let counts = pool.install(|| size::run_shard(&problem, &split, &store, &bars));
        bars.finish();
        let (evaluated, reused) = counts?;
        if !args.quiet {
            common::print_shard_done(k, n, evaluated, reused, &out, "size.csv");
        }
        return Ok(());
    }
    store.clean_debris(&|_| true, true);
    let result = pool.install(|| size::run_in(&problem, &store, &bars));
    bars.finish();
    let result = result?;
    common::note_replaced(&out, "size");
    let staging = common::stage(&out)?;
    let dir = staging.dir();
    report::write_atomic(&dir.join("size.csv"), &export::size_csv(&problem, &result)?)?;
    report::write_atomic(
        &dir.join("size.json"),
        &export::size_json(&problem, &result),
    )?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    if !args.no_charts {
        let ev = problem.evaluator();
        let provenance = common::provenance(&loaded, Some(ev.seed), Some(ev.replications));
        let (charts, page) = size_page(&problem, &result, provenance);
        common::write_page(&staging, &charts, page, args.quiet)?;
    }
    staging.commit()?;
    print_answer(&problem, &result);
    if !args.quiet {
        println!(
            "{} evaluations. Written to {}/: size.csv, size.json",
            result.points.len(),
            out.display()
        );
    }
    if result.met {
        Ok(())
    } else {
        Err(CliError::NotMet)
    }
}

/// The line announcing the search, on stderr.
fn header(problem: &SizeProblem) -> String {
    let (ev, spec) = (problem.evaluator(), &problem.spec);
    format!(
        "{} — sizing {} in {}..{} for \"{}\"{} ({}, strategy {}), {} futures, seed {}",
        ev.base().name(),
        spec.path,
        numfmt::shortest(spec.lo),
        numfmt::shortest(spec.hi),
        problem.target,
        match spec.rule {
            Rule::Point => String::new(),
            Rule::Confidence(_) => format!(" met with {} confidence", spec.rule.level_pct()),
        },
        problem.subject.id(ev.base()),
        problem.strategy,
        ev.replications,
        ev.seed
    )
}

/// The answer (or the best value found) and each clause there, on stdout.
fn print_answer(problem: &SizeProblem, result: &size::SizeResult) {
    let (spec, param) = (&problem.spec, &problem.spec.path);
    match result.value {
        Some(v) => {
            println!(
                "{param} = {} is the smallest value meeting \"{}\"{} (current value {})",
                numfmt::shortest(v),
                result.target,
                match spec.rule {
                    Rule::Point => String::new(),
                    Rule::Confidence(_) => format!(" with {} confidence", spec.rule.level_pct()),
                },
                numfmt::shortest(problem.current)
            );
            print_clauses(result, problem);
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
                "no value of {param} in {}..{} meets \"{}\"",
                numfmt::shortest(spec.lo),
                numfmt::shortest(spec.hi),
                result.target
            );
            if let Some(b) = result.best {
                println!("  best value found: {param} = {}", numfmt::shortest(b));
                print_clauses(result, problem);
            }
            println!("  widen --range, or relax the target");
        }
    }
}
