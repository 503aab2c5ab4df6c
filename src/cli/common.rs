//! Helpers shared by the commands that simulate (`run`, `sweep`, `size`, `sensitivity`,
//! `exposure`): the common simulation options, loading the scenario document, the thread
//! pool, progress bars, error rendering and output folders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chokepoint::analysis::AnalysisError;
use chokepoint::report::ReportError;
use chokepoint::scenario::Document;
use chokepoint::sim::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Options of every command that simulates: how many futures, which seed, how many
/// threads.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    /// Futures to simulate (per evaluation for the analysis commands; default: the
    /// scenario's `replications`).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's `seed`). Every evaluation of an
    /// analysis uses the same seed, hence the same futures.
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: SLURM_CPUS_PER_TASK when set, else all cores). Results do
    /// not depend on it.
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
}

/// A loaded scenario document with its bytes and file stem.
pub struct Loaded {
    /// The parsed document.
    pub doc: Document,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// File stem, for the default output folder.
    pub stem: String,
    /// The path as given.
    pub path: String,
}

/// Reads and parses `path`; on failure prints the problems and returns exit code 2.
pub fn load(path: &Path) -> Result<Loaded, ExitCode> {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            super::validate::render(&chokepoint::scenario::ScenarioError::io(&name, &e));
            return Err(ExitCode::from(super::EXIT_BAD_INPUT));
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let doc = Document::parse(&name, &text).map_err(|e| {
        super::validate::render(&e);
        ExitCode::from(super::EXIT_BAD_INPUT)
    })?;
    Ok(Loaded {
        doc,
        sha256: chokepoint::report::sha256_hex(&bytes),
        stem: path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        path: name,
    })
}

/// Prints an analysis error and returns the exit code for it (2: bad input).
pub fn fail(e: AnalysisError) -> ExitCode {
    match e {
        AnalysisError::Scenario(e) => super::validate::render(&e),
        e => eprintln!("error: {e}"),
    }
    ExitCode::from(super::EXIT_BAD_INPUT)
}

/// Prints a write error and returns exit code 1.
pub fn fail_io(e: ReportError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(super::EXIT_FAILURE)
}

/// The output folder: `--out`, else `output/<stem>/<command>/`.
pub fn out_dir(out: &Option<PathBuf>, stem: &str, command: &str) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| Path::new("output").join(stem).join(command))
}

/// The number of worker threads: `threads`, else SLURM_CPUS_PER_TASK, else all cores.
pub fn thread_count(threads: Option<u64>) -> usize {
    threads
        .map(|t| t as usize)
        .or_else(|| {
            std::env::var("SLURM_CPUS_PER_TASK")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n: &usize| n > 0)
        })
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

/// A rayon pool of [`thread_count`] workers.
pub fn pool(threads: Option<u64>) -> Result<rayon::ThreadPool, ExitCode> {
    let n = thread_count(threads);
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start {n} worker threads: {e}");
            ExitCode::from(super::EXIT_FAILURE)
        })
}

/// A progress bar on stderr over `len` steps (`len = 0`: a counter without a total),
/// hidden with `--quiet` and when stderr is not a terminal.
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr_with_hz(8)
    };
    let pb = ProgressBar::with_draw_target((len > 0).then_some(len), target);
    let template = if len > 0 {
        format!("{{msg}} [{{bar:32}}] {{pos}}/{{len}} {what}, {{elapsed}} elapsed, ETA {{eta}}")
    } else {
        format!("{{msg}} {{pos}} {what}, {{elapsed}} elapsed")
    };
    pb.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

/// Advances a bar by one step per unit reported by an analysis.
pub struct BarProgress<'a>(pub &'a ProgressBar);

impl Progress for BarProgress<'_> {
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

/// Parses a relative move: `20%` or `0.2`.
pub fn parse_delta(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a relative move; write e.g. 20% or 0.2"))?;
    if !(v > 0.0 && v.is_finite()) {
        return Err(format!("the move `{s}` must be above 0"));
    }
    Ok(v)
}

/// Parses a confidence level: `0.95` or `95%`, strictly between 0 and 1.
pub fn parse_level(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a confidence level; write e.g. 0.95 or 95%"))?;
    if !chokepoint::analysis::interval::valid_level(v) {
        return Err(format!(
            "the confidence level `{s}` must lie strictly between 0 and 1 (e.g. 0.95)"
        ));
    }
    Ok(v)
}

/// `Some(v)` as a number for CSV, `None` as an empty field.
pub fn opt(v: Option<f64>) -> String {
    chokepoint::numfmt::shortest_or_empty(v)
}

/// The footer's provenance of an analysis of `loaded`.
pub fn provenance(
    loaded: &Loaded,
    seed: Option<u64>,
    replications: Option<u64>,
) -> chokepoint::report::pages::explore::Provenance {
    chokepoint::report::pages::explore::Provenance {
        command_line: std::env::args().collect(),
        version: chokepoint::report::CHOKEPOINT_VERSION.to_string(),
        seed,
        replications,
        scenario_path: loaded.path.clone(),
        scenario_sha256: loaded.sha256.clone(),
    }
}

/// Writes the charts and `report.html` of an analysis into `out` (linking back to the
/// run's report when one is beside it); prints where unless `quiet`.
pub fn write_page(
    out: &Path,
    charts: &[chokepoint::charts::analysis::AnalysisChart],
    mut page: chokepoint::report::pages::explore::AnalysisPage,
    quiet: bool,
) -> Result<(), ExitCode> {
    page.run_report = chokepoint::report::pages::explore::run_report_link(out);
    chokepoint::report::pages::explore::write_analysis_outputs(out, charts, &page)
        .map_err(fail_io)?;
    if !quiet {
        let names: Vec<String> = charts.iter().map(|c| c.name.clone()).collect();
        println!(
            "Charts ({}) in {}/charts/ (.svg, .png); page: {}/report.html",
            names.join(", "),
            out.display(),
            out.display()
        );
    }
    Ok(())
}

/// The evaluator of one strategy (`strategy`, default the reference) of a loaded
/// scenario, with the common simulation options; on failure prints why and returns the
/// exit code.
pub fn one_strategy(
    loaded: &Loaded,
    strategy: Option<&str>,
    sim: &SimArgs,
) -> Result<(String, chokepoint::analysis::Evaluator), ExitCode> {
    let full = loaded.doc.validate().map_err(|e| fail(e.into()))?;
    let strategy = strategy.map_or_else(
        || full.strategies[full.reference].id.clone(),
        str::to_string,
    );
    let ev = chokepoint::analysis::Evaluator::new(
        loaded.doc.clone(),
        std::slice::from_ref(&strategy),
        sim.seed,
        sim.replications,
    )
    .map_err(fail)?;
    Ok((strategy, ev))
}
