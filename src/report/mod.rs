//! Turns results into bytes and files: `summary.json`, `summary.csv`,
//! `replications.csv`, `daily.csv`, `run.json`, and the terminal table.
//!
//! Depends on [`crate::model`], [`crate::sim`] and [`crate::stats`]; nothing below
//! depends on it. Renderers are pure (results to strings, or to any [`std::io::Write`]
//! for the large CSVs); only [`write_atomic`], [`write_atomic_with`] and
//! [`write_run_outputs`] touch the file system, and every file goes through the atomic
//! writer, so a reader never sees a half-written output.

pub mod csv_out;
pub mod run_info;
pub mod table;

pub use csv_out::{
    DAILY_CSV_HEADER, SUMMARY_CSV_HEADER, summary_csv, write_daily_csv, write_replications_csv,
};
pub use run_info::{
    CHOKEPOINT_VERSION, RAND_DISTR_VERSION, RAND_VERSION, RunInfo, run_json, sha256_hex,
};
pub use table::{format_money, terminal_table};

use crate::model::Scenario;
use crate::sim::RunResult;
use crate::stats::Summary;
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
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|source| ReportError::CreateDir {
        path: dir.clone(),
        source,
    })?;
    let tmp = temp_path(path);
    let result = (|| -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&tmp);
        return Err(ReportError::Write { path: tmp, source });
    }
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(ReportError::Rename {
            path: path.to_path_buf(),
            source,
        });
    }
    // Make the rename itself durable where the platform allows; failure is harmless.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Pretty JSON of a [`Summary`], with a final newline.
pub fn summary_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary)
        .expect("a Summary has string keys only and always serialises");
    s.push('\n');
    s
}

/// Writes every output of a run into `dir` (created if missing), each atomically:
/// `summary.json`, `summary.csv`, `replications.csv`, `daily.csv` (only when `res`
/// has daily histograms) and `run.json`. Returns the paths written, in that order.
///
/// # Errors
/// The first [`ReportError`]; files written before it stay in place.
pub fn write_run_outputs(
    dir: &Path,
    scn: &Scenario,
    res: &RunResult,
    summary: &Summary,
    info: &RunInfo,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    let mut put = |name: &str, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>| {
        let path = dir.join(name);
        write_atomic_with(&path, fill)?;
        written.push(path);
        Ok::<(), ReportError>(())
    };
    put("summary.json", &mut |w| {
        w.write_all(summary_json(summary).as_bytes())
    })?;
    put("summary.csv", &mut |w| {
        w.write_all(summary_csv(summary).as_bytes())
    })?;
    put("replications.csv", &mut |w| {
        write_replications_csv(w, scn, res)
    })?;
    if let Some(hist) = &res.daily {
        put("daily.csv", &mut |w| write_daily_csv(w, scn, hist))?;
    }
    put("run.json", &mut |w| w.write_all(run_json(info).as_bytes()))?;
    Ok(written)
}
