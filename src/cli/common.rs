//! Helpers shared by the commands that simulate (`run`, `sweep`, `size`, `sensitivity`,
//! `exposure`): the common simulation options, loading the scenario document, the thread
//! pool, progress bars, error rendering and output folders.

use chokepoint::numfmt;
use chokepoint::staging::Staging;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::CliError;
use chokepoint::explore::{Flow, Observer, Source, Stage};
use chokepoint::scenario::{Document, ScenarioError};
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

impl Loaded {
    /// Where the scenario came from, for the provenance of exported files.
    pub fn source(&self) -> Source {
        Source {
            path: self.path.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

/// Reads and parses `path`.
///
/// # Errors
/// The file cannot be read or parsed (rendered with every problem; exit code 2).
pub fn load(path: &Path) -> Result<Loaded, CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::io(&name, &e))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let doc = Document::parse(&name, &text)?;
    Ok(Loaded {
        doc,
        sha256: chokepoint::report::sha256_hex(&bytes),
        stem: path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        path: name,
    })
}

/// The output folder: `--out`, else `output/<stem>/<command>/`.
pub fn out_dir(out: &Option<PathBuf>, stem: &str, command: &str) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| Path::new("output").join(stem).join(command))
}

/// The data files each command leaves in its output folder, by command; every one also
/// writes `report.html` and (with charts) `charts/`.
const OUTPUT_FILES: [(&str, &[&str]); 5] = [
    (
        "run",
        &[
            "summary.json",
            "summary.csv",
            "replications.csv",
            "daily.csv",
            "run.json",
        ],
    ),
    ("sweep", &["sweep.csv", "sweep.json"]),
    ("size", &["size.csv", "size.json"]),
    ("sensitivity", &["sensitivity.csv", "sensitivity.json"]),
    ("exposure", &["exposure.csv", "exposure.json"]),
];

/// What `command` writing into `out` would replace of an earlier analysis there: one
/// line naming the earlier analyses and the files and folders replaced, or `None` when
/// the folder holds none (missing, empty, or unrelated files only).
pub fn replaced_note(out: &Path, command: &str) -> Option<String> {
    let earlier: Vec<&str> = OUTPUT_FILES
        .iter()
        .filter(|(_, files)| files.iter().any(|f| out.join(f).exists()))
        .map(|(c, _)| *c)
        .collect();
    if earlier.is_empty() {
        return None;
    }
    let own = OUTPUT_FILES
        .iter()
        .find(|(c, _)| *c == command)
        .map_or(&[][..], |(_, f)| *f);
    let mut replaced: Vec<String> = own
        .iter()
        .chain(&["report.html"])
        .filter(|f| out.join(f).exists())
        .map(|f| f.to_string())
        .collect();
    if out.join("charts").is_dir() {
        replaced.push("charts/".into());
    }
    if replaced.is_empty() {
        return None;
    }
    let kept: Vec<&str> = earlier.iter().copied().filter(|c| *c != command).collect();
    let kept = if kept.is_empty() {
        String::new()
    } else {
        format!(" (the {} data files stay)", kept.join(" and "))
    };
    Some(format!(
        "note: {}/ already holds an earlier {} analysis; replacing {}{kept}",
        out.display(),
        earlier.join(" and "),
        replaced.join(", ")
    ))
}

/// Prints [`replaced_note`] on stderr, if any (also under `--quiet`: files are lost).
pub fn note_replaced(out: &Path, command: &str) {
    if let Some(line) = replaced_note(out, command) {
        eprintln!("{line}");
    }
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
pub fn pool(threads: Option<u64>) -> Result<rayon::ThreadPool, CliError> {
    let n = thread_count(threads);
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| CliError::Failure(format!("cannot start {n} worker threads: {e}")))
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

/// The progress of an analysis on stderr: a bar per stage (hidden with `--quiet` and
/// when stderr is not a terminal), notes when wanted, and the test-only interruption of
/// a sweep after [`super::sweep::STOP_AFTER_ENV`] points.
pub struct Bars {
    quiet: bool,
    notes: bool,
    stop_after: Option<usize>,
    stored: AtomicUsize,
    /// The current bar, and whether it counts sweep points.
    bar: Mutex<(ProgressBar, bool)>,
}

impl Bars {
    /// Bars shown unless `quiet`; notes printed when `notes`.
    pub fn new(quiet: bool, notes: bool) -> Bars {
        Bars {
            quiet,
            notes,
            stop_after: std::env::var(super::sweep::STOP_AFTER_ENV)
                .ok()
                .and_then(|v| v.parse().ok()),
            stored: AtomicUsize::new(0),
            bar: Mutex::new((ProgressBar::hidden(), false)),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut (ProgressBar, bool))) {
        if let Ok(mut b) = self.bar.lock() {
            f(&mut b);
        }
    }

    /// Clears the current bar (call when the analysis returns, before printing).
    pub fn finish(&self) {
        self.with_bar(|(b, _)| b.finish_and_clear());
    }
}

impl Observer for Bars {
    fn note(&self, text: &str) {
        if self.notes {
            eprintln!("note: {text}");
        }
    }

    fn stage(&self, stage: &Stage) {
        let (new, sweep) = match *stage {
            Stage::Sweep { points, done } => {
                let pb = bar(points as u64, "points", self.quiet);
                pb.set_position(done as u64);
                (pb, true)
            }
            Stage::Size => (bar(0, "evaluations", self.quiet), false),
            Stage::OneAtATime { runs } => (bar(runs as u64, "runs", self.quiet), false),
            Stage::Sobol {
                paths,
                n,
                runs,
                replications,
            } => {
                if !self.quiet {
                    eprintln!(
                        "Sobol: {paths} paths, N = {n}: {runs} runs of {replications} futures"
                    );
                }
                (bar(runs as u64, "runs", self.quiet), false)
            }
        };
        self.with_bar(|b| {
            b.0.finish_and_clear();
            *b = (new, sweep);
        });
    }

    fn evaluating(&self, at: &[(&str, f64)]) {
        self.with_bar(|(b, sweep)| {
            let msg: Vec<String> = at
                .iter()
                .map(|(p, v)| {
                    if *sweep {
                        format!("{}={v}", p.rsplit('.').next().unwrap_or(p))
                    } else {
                        format!("{p} = {}", numfmt::shortest(*v))
                    }
                })
                .collect();
            b.set_message(msg.join(" "));
        });
    }

    fn advance(&self, n: u64) {
        self.with_bar(|(b, _)| b.inc(n));
    }

    fn point_stored(&self, _index: usize) -> Flow {
        let stored = self.stored.fetch_add(1, Ordering::Relaxed) + 1;
        if self.stop_after == Some(stored) {
            Flow::Stop
        } else {
            Flow::Continue
        }
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
    if !chokepoint::explore::interval::valid_level(v) {
        return Err(format!(
            "the confidence level `{s}` must lie strictly between 0 and 1 (e.g. 0.95)"
        ));
    }
    Ok(v)
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

/// Begins the staging folder of the output folder `out` (`chokepoint::staging`): write
/// into its `dir()`, then `commit()`; dropped uncommitted, it is removed.
pub fn stage(out: &Path) -> Result<Staging, CliError> {
    Ok(Staging::begin(out)?)
}

/// Writes the charts and `report.html` of an analysis into the staging folder of `out`
/// (linking back to the run's report when one is beside it); prints where unless
/// `quiet`.
pub fn write_page(
    staging: &Staging,
    charts: &[chokepoint::charts::explore::AnalysisChart],
    mut page: chokepoint::report::pages::explore::AnalysisPage,
    quiet: bool,
) -> Result<(), CliError> {
    let out = staging.target();
    page.run_report = chokepoint::report::pages::explore::run_report_link(out);
    chokepoint::report::pages::explore::write_analysis_outputs(staging.dir(), charts, &page)?;
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

/// The `--shard` of an analysis (`sweep`, `sensitivity`, `size`), resolved; refused
/// with `--fresh`, which would discard the other shards' points.
///
/// # Errors
/// A bad `--shard`, or `--shard` with `--fresh` (exit code 2).
pub fn shard_arg(spec: Option<&str>, fresh: bool) -> Result<Option<(u64, u64)>, CliError> {
    match spec {
        Some(spec) if fresh => Err(CliError::BadInput(format!(
            "--shard {spec} with --fresh would discard the points of the other shards; \
             remove the old folder (or run once with --fresh and no --shard) first"
        ))),
        Some(spec) => super::shard::resolve(spec).map(Some),
        None => Ok(None),
    }
}

/// Shard `k` of `n`'s part of `0..len` ([`chokepoint::shard::shard_range`]).
pub fn shard_part(len: usize, k: u64, n: u64) -> std::ops::Range<usize> {
    let r = chokepoint::shard::shard_range(len as u64, k, n);
    r.start as usize..r.end as usize
}

/// What a finished analysis shard says: its counts and what to do next.
pub fn print_shard_done(k: u64, n: u64, computed: usize, reused: usize, out: &Path, file: &str) {
    println!(
        "Shard {k}/{n}: {computed} runs computed now, {reused} reused, in {}/points/.\n\
         When every shard is done, run the same command without --shard: it computes any \
         run still missing and writes {file}.",
        out.display()
    );
}
