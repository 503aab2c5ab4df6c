//! Turns results into bytes and files: `summary.json`, `summary.csv`,
//! `replications.csv`, `daily.csv`, `run.json`, the terminal table, the charts
//! (`charts/*.svg`, `charts/*.png`) and the HTML pages ([`pages`]: the run's
//! `report.html` and an explore command's page); and reads saved outputs back
//! ([`saved`]) so the charts and report can be re-rendered without simulating.
//!
//! Depends on [`crate::model`], [`crate::sim`], [`crate::stats`], [`crate::explore`],
//! [`crate::charts`] and [`crate::scenario`] (to re-read the saved scenario); nothing below depends on it. Renderers are pure (results to strings, or to any [`std::io::Write`]
//! for the large CSVs); only [`write_atomic`], [`write_atomic_with`] and
//! [`write_run_outputs`] touch the file system, and every file goes through the atomic
//! writer, so a reader never sees a half-written output. [`pdf`] prints `report.html`
//! to `report.pdf` with a headless Chromium (a temporary file renamed into place too).

pub mod columns;
pub mod csv_out;
pub mod drivers_out;
pub mod drivers_section;
pub mod explore;
pub mod pages;
#[cfg(feature = "parquet")]
pub mod parquet_out;
pub mod pdf;
pub mod run_info;
pub mod saved;
pub mod sector_table;
pub mod sources;
pub mod table;
pub mod value_added;

pub use csv_out::{
    DAILY_CSV_HEADER, SECTOR_COLUMN_PREFIX, STRATEGY_TOTAL_COLUMN,
    STRATEGY_VALUE_ADDED_LOST_COLUMN, SUMMARY_CSV_HEADER, sector_columns, summary_csv,
    write_daily_csv, write_replications_csv,
};
pub use run_info::{
    CHOKEPOINT_VERSION, RAND_DISTR_VERSION, RAND_VERSION, RunInfo, run_json, sha256_hex,
};
pub use sector_table::sector_table;
pub use table::{terminal_table, terminal_table_fitted};

use crate::charts::{self, ChartData, ChartError, ChartSpec};
use crate::model::Scenario;
use crate::sim::Replications;
use crate::stats::{DailyBand, Summary};
use rayon::prelude::*;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Failure to write an output file; the message names the path.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output folder could not be created.
    #[error("could not create output folder '{}': {source}; check the path and its permissions", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The temporary file could not be written.
    #[error("could not write '{}': {source}; check that the folder is writable and the disk is not full", path.display())]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The finished temporary file could not be renamed over the target.
    #[error("could not move the finished file into place at '{}': {source}", path.display())]
    Rename {
        /// The target.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Name of the temporary file for `path`: `.NAME.tmp` in the same folder.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Writes `bytes` to `path` atomically; see [`write_atomic_with`].
///
/// # Errors
/// [`ReportError`] naming the path when the folder cannot be created or the file cannot
/// be written or moved into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically from `fill`, which writes the content into a buffered
/// writer: creates the folder if missing, writes `.NAME.tmp` beside the target, flushes
/// and `sync_all`s it, then renames it over the target. On failure the temporary file is
/// removed and any existing target is left untouched.
///
/// # Errors
/// [`ReportError`] naming the path when the folder cannot be created or the file cannot
/// be written or moved into place.
pub fn write_atomic_with<F>(path: &Path, fill: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
{
    write_atomic_through(&temp_path(path), path, fill)
}

/// As [`write_atomic_with`], through the temporary file `tmp` (which must be in the
/// folder of `path`) instead of `.NAME.tmp`: for a file that several processes may
/// write at once, each through a temporary file of its own. The temporary file is
/// tracked until renamed, so an interrupted process removes it.
///
/// # Errors
/// As [`write_atomic_with`].
pub fn write_atomic_through<F>(tmp: &Path, path: &Path, fill: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
{
    write_temp(tmp, path, fill)?.finish()
}

/// A temporary file written in full (by [`write_temp`]) and not yet made durable and
/// renamed into place ([`Written::finish`]).
#[derive(Debug)]
#[must_use = "a written file is only in place once finished"]
pub struct Written {
    file: File,
    tmp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
}

/// The first half of [`write_atomic_through`]: creates the folder if missing and the
/// temporary file `tmp` (tracked until renamed, so an interrupted process removes it),
/// and writes it from `fill` through a buffered writer, which it flushes. On failure
/// the temporary file is removed.
///
/// # Errors
/// As [`write_atomic_with`].
pub fn write_temp<F>(tmp: &Path, path: &Path, fill: F) -> Result<Written, ReportError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tmp.to_path_buf();
    // Created and renamed through `staging`, which tracks the temporary file so that
    // an interrupted process removes it.
    let file = crate::staging::create_temp(&dir, &tmp).map_err(|(folder, source)| {
        if folder {
            ReportError::CreateDir {
                path: dir.clone(),
                source,
            }
        } else {
            ReportError::Write {
                path: tmp.clone(),
                source,
            }
        }
    })?;
    let result = (|| -> io::Result<File> {
        // The writeback of a large file starts while it is written (`Writeback`).
        let mut w = BufWriter::with_capacity(1 << 16, crate::staging::Writeback::new(file));
        fill(&mut w)?;
        Ok(w.into_inner().map_err(|e| e.into_error())?.into_inner())
    })();
    match result {
        Ok(file) => Ok(Written {
            file,
            tmp,
            path: path.to_path_buf(),
            dir,
        }),
        Err(source) => {
            let _ = crate::staging::finish_temp(&tmp, path, false);
            Err(ReportError::Write { path: tmp, source })
        }
    }
}

impl Written {
    /// Removes the temporary file instead of finishing it (a run that failed after
    /// writing it).
    pub fn discard(self) {
        drop(self.file);
        let _ = crate::staging::finish_temp(&self.tmp, &self.path, false);
    }

    /// The second half of [`write_atomic_through`]: `sync_all`s the file, renames it
    /// over its target and makes the rename durable where the platform allows. On
    /// failure the temporary file is removed and any existing target is left untouched.
    /// Mostly a wait on the disk, so a caller may run it on a thread of its own while
    /// it writes other files.
    ///
    /// # Errors
    /// As [`write_atomic_with`].
    pub fn finish(self) -> Result<(), ReportError> {
        let Written {
            file,
            tmp,
            path,
            dir,
        } = self;
        if let Err(source) = file.sync_all() {
            let _ = crate::staging::finish_temp(&tmp, &path, false);
            return Err(ReportError::Write { path: tmp, source });
        }
        drop(file);
        if let Err(source) = crate::staging::finish_temp(&tmp, &path, true) {
            return Err(ReportError::Rename { path, source });
        }
        // Make the rename itself durable where the platform allows; failure is harmless.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Pretty JSON of a [`Summary`], with a final newline.
pub fn summary_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary)
        .expect("a Summary has string keys only and always serialises");
    s.push('\n');
    s
}

/// File name of the per-replication results as CSV.
pub const REPLICATIONS_CSV: &str = "replications.csv";

/// The data files a run may write at the top of its folder (which of them it writes
/// depends on `--replications-format` and on whether daily bands are kept). A run's
/// staging folder must not carry over those of an earlier run that it does not write.
pub const RUN_DATA_FILES: [&str; 7] = [
    "summary.json",
    "summary.csv",
    REPLICATIONS_CSV,
    REPLICATIONS_PARQUET,
    "daily.csv",
    drivers_out::DRIVERS_CSV,
    drivers_out::DRIVERS_PARQUET,
];
/// File name of the per-replication results as Parquet.
pub const REPLICATIONS_PARQUET: &str = "replications.parquet";

/// How a run writes its per-replication results (`--replications-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplicationsFormat {
    /// `replications.csv` ([`write_replications_csv`]).
    #[default]
    Csv,
    /// `replications.parquet` (`parquet_out::write_replications_parquet`; built with
    /// the cargo feature `parquet` only).
    #[cfg(feature = "parquet")]
    Parquet,
    /// No per-replication file (the statistics, daily bands and charts are complete
    /// without it; `chokepoint report DIR` needs `replications.csv`).
    None,
}

impl std::str::FromStr for ReplicationsFormat {
    type Err = String;

    /// `csv`, `parquet` (with the `parquet` feature) or `none`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ReplicationsFormat::Csv),
            #[cfg(feature = "parquet")]
            "parquet" => Ok(ReplicationsFormat::Parquet),
            #[cfg(not(feature = "parquet"))]
            "parquet" => Err(
                "this chokepoint was built without Parquet support: rebuild it \
                 with `cargo build --release --features parquet`, or use csv"
                    .to_string(),
            ),
            "none" => Ok(ReplicationsFormat::None),
            other => Err(format!(
                "'{other}' is not a format: use csv, parquet or none"
            )),
        }
    }
}

/// Writes every output of a run into `dir` (created if missing), each atomically:
/// `summary.json`, `summary.csv`, the per-replication file of `format`
/// (`replications.csv`, `replications.parquet` or none; from `res`, read a block at a
/// time), `daily.csv` (only when the run kept daily histograms: `bands` are theirs, from
/// [`crate::stats::daily_bands`], computed once by the caller so the charts can use them
/// too) and `run.json`. Returns the paths written, in that order.
///
/// # Errors
/// The first [`ReportError`]; files written before it stay in place.
pub fn write_run_outputs<R: Replications + ?Sized>(
    dir: &Path,
    scn: &Scenario,
    res: &R,
    summary: &Summary,
    bands: Option<&[DailyBand]>,
    info: &RunInfo,
    format: ReplicationsFormat,
) -> Result<Vec<PathBuf>, ReportError> {
    write_run_outputs_with(dir, scn, res, summary, bands, info, format, false, None)
}

/// A run's per-replication file written ahead of its other outputs
/// ([`write_replications_ahead`]), for [`write_run_outputs_with`] to finish and list.
#[derive(Debug)]
pub struct Ahead {
    name: &'static str,
    file: Written,
    hash: String,
}

impl Ahead {
    /// Removes the file written ahead (a run that failed before its other outputs).
    pub fn discard(self) {
        self.file.discard();
    }
}

/// The per-replication file of `format`: `replications.csv`, `replications.parquet`, or
/// none.
fn replications_name(format: ReplicationsFormat) -> Option<&'static str> {
    match format {
        ReplicationsFormat::Csv => Some(REPLICATIONS_CSV),
        #[cfg(feature = "parquet")]
        ReplicationsFormat::Parquet => Some(REPLICATIONS_PARQUET),
        ReplicationsFormat::None => None,
    }
}

/// Writes the per-replication file of `format` (`replications.csv` or
/// `replications.parquet`; nothing for [`ReplicationsFormat::None`]) into `dir` as a
/// temporary file, hashed for run.json's manifest, ahead of the other outputs: so that a
/// caller can write it while it computes the statistics (both read the replications in
/// parallel, and each fills the other's idle moments).
///
/// # Errors
/// As [`write_atomic_with`].
pub fn write_replications_ahead<R: Replications + ?Sized>(
    dir: &Path,
    scn: &Scenario,
    res: &R,
    format: ReplicationsFormat,
) -> Result<Option<Ahead>, ReportError> {
    let Some(name) = replications_name(format) else {
        return Ok(None);
    };
    let path = dir.join(name);
    let mut hash = String::new();
    let file = write_temp(&temp_path(&path), &path, |w| {
        let mut hw = run_info::HashingWriter::new(w);
        match format {
            ReplicationsFormat::Csv => write_replications_csv(&mut hw, scn, res)?,
            #[cfg(feature = "parquet")]
            ReplicationsFormat::Parquet => {
                parquet_out::write_replications_parquet(&mut hw, scn, res)?
            }
            ReplicationsFormat::None => {}
        }
        hash = hw.hex();
        Ok(())
    })?;
    Ok(Some(Ahead { name, file, hash }))
}

/// [`write_run_outputs`], and with `drivers` also the per-future drivers of the run's
/// replications (`info.first_replication..` `+ info.replications`, seed `info.seed`) in
/// the format of `format` ([`drivers_out`]: `drivers.csv`, or `drivers.parquet` when
/// the replications are Parquet), before `run.json`, which lists them in its manifest.
///
/// # Errors
/// The first [`ReportError`]; files written before it stay in place.
#[allow(clippy::too_many_arguments)]
pub fn write_run_outputs_with<R: Replications + ?Sized>(
    dir: &Path,
    scn: &Scenario,
    res: &R,
    summary: &Summary,
    bands: Option<&[DailyBand]>,
    info: &RunInfo,
    format: ReplicationsFormat,
    drivers: bool,
    ahead: Option<Ahead>,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    // The manifest of run.json: each data file's SHA-256, hashed as it is written (the
    // scenario copy, written by the caller before, is read back).
    let mut files = std::collections::BTreeMap::new();
    let copy = dir.join(saved::SCENARIO_COPY);
    if let Ok(h) = run_info::sha256_file(&copy) {
        files.insert(saved::SCENARIO_COPY.to_string(), h);
    }
    // Writes `name` into a temporary file, hashing it on the way: the file, still to be
    // finished (made durable and renamed into place), and its hash.
    let temp = |name: &str, fill: &mut dyn FnMut(&mut (dyn Write + Send)) -> io::Result<()>| {
        let path = dir.join(name);
        let mut hash = String::new();
        let file = write_temp(&temp_path(&path), &path, |w| {
            let mut hw = run_info::HashingWriter::new(w);
            fill(&mut hw)?;
            hash = hw.hex();
            Ok(())
        })?;
        Ok::<_, ReportError>((file, hash))
    };
    // Lists a file written: in the manifest with its hash, and among the files written.
    let note = |files: &mut std::collections::BTreeMap<String, String>,
                written: &mut Vec<PathBuf>,
                name: &str,
                hash: String| {
        files.insert(name.to_string(), hash);
        written.push(dir.join(name));
    };
    // Writes `name` in full and in place.
    let put = |files: &mut std::collections::BTreeMap<String, String>,
               written: &mut Vec<PathBuf>,
               name: &str,
               fill: &mut dyn FnMut(&mut (dyn Write + Send)) -> io::Result<()>| {
        let (file, hash) = temp(name, fill)?;
        file.finish()?;
        note(files, written, name, hash);
        Ok::<(), ReportError>(())
    };
    put(&mut files, &mut written, "summary.json", &mut |w| {
        w.write_all(summary_json(summary).as_bytes())
    })?;
    put(&mut files, &mut written, "summary.csv", &mut |w| {
        w.write_all(summary_csv(summary).as_bytes())
    })?;
    let own = replications_name(format);
    // The per-replication file, the largest by far (127 MB at 100,000 futures of
    // `scenarios/bench.toml`): written here, then made durable and renamed into place on
    // a thread of its own (mostly a wait on the disk, 0.1-0.25 s) while the files after
    // it are written; joined before run.json, which lists it.
    let repl = match ahead {
        // Written by the caller ahead of the rest, in this folder and format.
        Some(a) if Some(a.name) == own && a.file.path == dir.join(a.name) => Some(a),
        Some(a) => {
            let path = a.file.path.clone();
            a.discard();
            return Err(ReportError::Write {
                path,
                source: io::Error::other("written ahead for another folder or format"),
            });
        }
        None => write_replications_ahead(dir, scn, res, format)?,
    };
    std::thread::scope(|scope| -> Result<(), ReportError> {
        let finishing = repl.map(|Ahead { name, file, hash }| {
            // Listed where it was written.
            note(&mut files, &mut written, name, hash);
            scope.spawn(move || file.finish())
        });
        let rest = (|| -> Result<(), ReportError> {
            // A per-replication file of another format left by an earlier run in this
            // folder would describe other futures: removed.
            for stale in [REPLICATIONS_CSV, REPLICATIONS_PARQUET] {
                if Some(stale) != own {
                    let path = dir.join(stale);
                    match fs::remove_file(&path) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(ReportError::Write { path, source: e });
                        }
                        _ => {}
                    }
                }
            }
            if let Some(bands) = bands {
                put(&mut files, &mut written, "daily.csv", &mut |w| {
                    write_daily_csv(w, scn, bands)
                })?;
            }
            if drivers {
                let reps = info.first_replication..info.first_replication + info.replications;
                match format {
                    #[cfg(feature = "parquet")]
                    ReplicationsFormat::Parquet => put(
                        &mut files,
                        &mut written,
                        drivers_out::DRIVERS_PARQUET,
                        &mut |w| {
                            drivers_out::write_drivers_parquet(w, scn, info.seed, reps.clone())
                        },
                    )?,
                    _ => put(
                        &mut files,
                        &mut written,
                        drivers_out::DRIVERS_CSV,
                        &mut |w| drivers_out::write_drivers_csv(w, scn, info.seed, reps.clone()),
                    )?,
                }
            }
            Ok(())
        })();
        // Joined whatever happened meanwhile: its first error, else the others'.
        let finished = match finishing {
            Some(h) => h
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        };
        finished.and(rest)
    })?;
    let path = dir.join("run.json");
    let text = run_info::run_json_with_manifest(info, &files);
    write_atomic(&path, text.as_bytes())?;
    written.push(path);
    Ok(written)
}

/// Which chart files to write beside `report.html` (which always inlines SVG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFormats {
    /// Write `charts/<name>.svg`.
    pub svg: bool,
    /// Write `charts/<name>.png`.
    pub png: bool,
}

impl Default for ChartFormats {
    fn default() -> Self {
        ChartFormats {
            svg: true,
            png: true,
        }
    }
}

impl std::str::FromStr for ChartFormats {
    type Err = String;

    /// Parses a comma-separated list of `svg` and `png` (e.g. `svg,png`).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut f = ChartFormats {
            svg: false,
            png: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "svg" => f.svg = true,
                "png" => f.png = true,
                other => {
                    return Err(format!(
                        "unknown chart format '{other}'; use svg, png or svg,png"
                    ));
                }
            }
        }
        if !f.svg && !f.png {
            return Err("no chart format given; use svg, png or svg,png".into());
        }
        Ok(f)
    }
}

/// Renders every chart of `data` ([`charts::chart_list`]) as SVG, and as PNG when
/// `png`, in parallel; results in report order.
///
/// # Errors
/// The first [`ChartError`].
#[allow(clippy::type_complexity)]
pub fn render_charts(
    data: &ChartData,
    png: bool,
    size: (u32, u32),
) -> Result<Vec<(ChartSpec, String, Option<Vec<u8>>)>, ChartError> {
    charts::chart_list(data)
        .into_par_iter()
        .map(|spec| {
            // A chart's two files at once: the last chart of a run, drawn and compressed
            // alone, otherwise ends it on one thread.
            let (svg, png) = rayon::join(
                || charts::render_svg(&spec, data, size),
                || {
                    png.then(|| charts::render_png(&spec, data, size))
                        .transpose()
                },
            );
            Ok((spec, svg?, png?))
        })
        .collect()
}

/// Writes the charts (`dir/charts/<name>.svg` and/or `.png`, as `formats` says) and
/// `dir/report.html`, each atomically. The charts and the report read `data`'s samples a
/// column at a time. Returns the paths written.
///
/// # Errors
/// The first [`ReportError`] (a chart that cannot be drawn or a file that cannot be
/// written); files written before it stay in place.
pub fn write_charts_and_report(
    dir: &Path,
    data: &ChartData,
    scn: &Scenario,
    info: &RunInfo,
    formats: ChartFormats,
) -> Result<Vec<PathBuf>, ReportError> {
    write_charts_and_report_with(dir, data, scn, info, formats, None)
}

/// [`write_charts_and_report`], and with `drivers` (a run made with `--drivers`) the
/// report's section "What drives the worst futures" and its two charts
/// (`charts/drivers_ranking.*`, `charts/drivers_peeling.*`).
///
/// # Errors
/// The first [`ReportError`]; files written before it stay in place.
pub fn write_charts_and_report_with(
    dir: &Path,
    data: &ChartData,
    scn: &Scenario,
    info: &RunInfo,
    formats: ChartFormats,
    drivers: Option<&drivers_section::DriversSection>,
) -> Result<Vec<PathBuf>, ReportError> {
    // The report's findings (paired comparisons, bootstraps: most of its computing) are
    // worked out while the charts are drawn.
    let (rendered, found) = rayon::join(
        || render_charts(data, formats.png, charts::DEFAULT_SIZE),
        || pages::run::findings(data, scn),
    );
    let rendered = rendered?;
    let found = found.map_err(|e| ChartError {
        chart: "report.html".into(),
        message: format!("could not read the run's replications: {e}"),
    })?;
    let mut written = Vec::new();
    let chart_dir = dir.join("charts");
    for (spec, svg, png) in &rendered {
        if formats.svg {
            let p = chart_dir.join(format!("{}.svg", spec.name));
            write_atomic(&p, svg.as_bytes())?;
            written.push(p);
        }
        if let Some(png) = png {
            let p = chart_dir.join(format!("{}.png", spec.name));
            write_atomic(&p, png)?;
            written.push(p);
        }
    }
    let inline: Vec<(ChartSpec, String)> = rendered
        .into_iter()
        .map(|(spec, svg, _)| (spec, svg))
        .collect();
    let drivers_svgs = match drivers {
        Some(d) => write_drivers_charts(&chart_dir, d, formats, &mut written)?,
        None => Vec::new(),
    };
    let html = pages::run::report_html_with(
        &pages::run::ReportInput {
            data,
            scenario: scn,
            info,
            charts: &inline,
            drivers: drivers.map(|d| (d, &drivers_svgs[..])),
        },
        found,
    );
    let p = dir.join("report.html");
    write_atomic(&p, html.as_bytes())?;
    written.push(p);
    Ok(written)
}

/// Renders the drivers section's charts, writes them into `chart_dir` as `formats` says
/// (pushing their paths onto `written`) and returns their SVG documents, in order.
fn write_drivers_charts(
    chart_dir: &Path,
    d: &drivers_section::DriversSection,
    formats: ChartFormats,
    written: &mut Vec<PathBuf>,
) -> Result<Vec<String>, ReportError> {
    let mut svgs = Vec::new();
    for c in &d.charts {
        let svg = charts::explore::render_svg(c, charts::DEFAULT_SIZE)?;
        if formats.svg {
            let p = chart_dir.join(format!("{}.svg", c.name));
            write_atomic(&p, svg.as_bytes())?;
            written.push(p);
        }
        if formats.png {
            let png = charts::explore::render_png(c, charts::DEFAULT_SIZE)?;
            let p = chart_dir.join(format!("{}.png", c.name));
            write_atomic(&p, &png)?;
            written.push(p);
        }
        svgs.push(svg);
    }
    Ok(svgs)
}
