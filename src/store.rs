//! Work kept on disk so that it can resume: the sweep's point folder.
//!
//! A [`PointDir`] is the [`PointStore`] of a sweep in `OUT/points/`: each finished point
//! is written atomically to `point-NNNNNN.csv` (its rows of `sweep.csv`, no header),
//! beside `spec.json` holding the spec hash. Opening the folder for a sweep whose spec
//! differs (scenario bytes, paths, ranges, points, seed, replications, strategies,
//! chokepoint version) is refused, unless `fresh` discards the old points; so points of
//! two sweeps are never mixed. The rows read back are the rows written (numbers are
//! written losslessly), so a resumed sweep's `sweep.csv` is byte-identical to an
//! uninterrupted one.
//!
//! Depends on [`crate::explore`] (the store trait, the rows and their CSV form) and
//! [`crate::report`] (the atomic writer); the explore layer reaches it only through
//! [`PointStore`].

use crate::explore::ExploreError;
use crate::explore::export::{read_sweep_rows, sweep_rows_csv};
use crate::explore::sweep::{PointStore, SweepProblem, SweepRow};
use crate::report::{ReportError, write_atomic};
use std::path::{Path, PathBuf};

/// What can go wrong with a point folder; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder holds points of another sweep (bad input: choose `--fresh` or
    /// another folder).
    #[error(
        "'{}' holds points of a different sweep (another scenario file, paths, ranges, seed, \
         replications, strategies or chokepoint version), which must not be mixed with this \
         one.\n  Run again with --fresh to discard them, or choose another --out.",
        dir.display()
    )]
    Mismatch {
        /// The point folder.
        dir: PathBuf,
    },
    /// Old points could not be discarded.
    #[error("could not remove '{}': {source}", dir.display())]
    Remove {
        /// The point folder.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A point could not be read.
    #[error("could not read '{}': {source}", path.display())]
    Read {
        /// The point file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A point file is not rows of this sweep.
    #[error("'{}' is damaged: {message}; delete it to compute the point again", path.display())]
    Damaged {
        /// The point file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// The point folder of a sweep (see the module docs).
#[derive(Debug, Clone)]
pub struct PointDir {
    dir: PathBuf,
    columns: Vec<String>,
    paths: Vec<String>,
}

/// Name of the file holding the spec hash in a point folder.
pub const SPEC_FILE: &str = "spec.json";

impl PointDir {
    /// Opens `dir` for `problem`: refuses a folder holding another sweep's points
    /// (unless `fresh`, which removes them), then writes `spec.json`.
    ///
    /// # Errors
    /// [`StoreError::Mismatch`] for another sweep's points; I/O failures naming the path.
    pub fn open(dir: &Path, problem: &SweepProblem, fresh: bool) -> Result<PointDir, StoreError> {
        let spec_file = dir.join(SPEC_FILE);
        if dir.exists() {
            let old = std::fs::read_to_string(&spec_file)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| {
                    v.get("spec_hash")
                        .and_then(|h| h.as_str())
                        .map(String::from)
                });
            // A folder without spec.json and without points is being started by another
            // shard of the same sweep (`sweep --shard`), or was left empty: not a mismatch.
            let empty = old.is_none() && !has_points(dir);
            if old.as_deref() != Some(problem.hash()) && !empty {
                if !fresh {
                    return Err(StoreError::Mismatch {
                        dir: dir.to_path_buf(),
                    });
                }
                std::fs::remove_dir_all(dir).map_err(|source| StoreError::Remove {
                    dir: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        let spec_json = serde_json::json!({ "spec_hash": problem.hash(), "spec": problem.spec });
        let mut text = serde_json::to_string_pretty(&spec_json).unwrap_or_default();
        text.push('\n');
        // Shards of one sweep open the folder at once: leave a right spec.json alone, and
        // write a missing one through a temporary file of this process's own.
        if std::fs::read(&spec_file).ok().as_deref() != Some(text.as_bytes()) {
            let own = dir.join(format!(".{SPEC_FILE}.{}.tmp", std::process::id()));
            write_atomic(&own, text.as_bytes())?;
            std::fs::rename(&own, &spec_file).map_err(|source| {
                let _ = std::fs::remove_file(&own);
                StoreError::Write(ReportError::Rename {
                    path: spec_file.clone(),
                    source,
                })
            })?;
        }
        Ok(PointDir {
            dir: dir.to_path_buf(),
            columns: problem.spec.columns(),
            paths: problem.spec.vary.iter().map(|v| v.path.clone()).collect(),
        })
    }

    /// The file of point `index`.
    pub fn point_path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("point-{index:06}.csv"))
    }
}

/// Whether `dir` holds any point file.
fn has_points(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("point-") && name.ends_with(".csv")
        })
    })
}

fn boxed(e: StoreError) -> ExploreError {
    ExploreError::Store(Box::new(e))
}

impl PointStore for PointDir {
    fn contains(&self, index: usize) -> bool {
        self.point_path(index).exists()
    }

    fn load(&self, index: usize) -> Result<Vec<SweepRow>, ExploreError> {
        let path = self.point_path(index);
        let bytes = std::fs::read(&path).map_err(|source| {
            boxed(StoreError::Read {
                path: path.clone(),
                source,
            })
        })?;
        let rows =
            read_sweep_rows(&bytes, Some(&self.columns), &self.paths).map_err(|message| {
                boxed(StoreError::Damaged {
                    path: path.clone(),
                    message,
                })
            })?;
        if rows.iter().any(|r| r.point != index) {
            return Err(boxed(StoreError::Damaged {
                path,
                message: format!("it holds rows of another point than {index}"),
            }));
        }
        Ok(rows)
    }

    fn save(&mut self, index: usize, rows: &[SweepRow]) -> Result<(), ExploreError> {
        let bytes = sweep_rows_csv(rows)?;
        write_atomic(&self.point_path(index), &bytes).map_err(|e| boxed(e.into()))
    }
}
