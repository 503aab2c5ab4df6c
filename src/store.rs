//! Work kept on disk so that it can resume: the point folders of `sweep`, `sensitivity`
//! and `size`.
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
//! A [`RunDir`] is the same kind of folder for `sensitivity` (a
//! [`crate::explore::sensitivity::RunStore`]: `oat-NNNNNN.bin` and
//! `sobol-DESIGN-NNNNNN.bin`, each a run's outcome as `f64` bits with a crc32) and for
//! `size` (a [`crate::explore::size::EvalStore`]: `eval-BITS.json`, the clauses
//! evaluated at one value, numbers as `f64` bits). Both are the unit of `--shard`.
//!
//! Depends on [`crate::explore`] (the store trait, the rows and their CSV form) and
//! [`crate::report`] (the atomic writer); the explore layer reaches it only through
//! [`PointStore`].

use crate::explore::ExploreError;
use crate::explore::export::{read_sweep_rows, sweep_rows_csv};
use crate::explore::sensitivity::{RunKey, RunOutcome, RunStore};
use crate::explore::size::EvalStore;
use crate::explore::sweep::{PointStore, SweepProblem, SweepRow};
use crate::explore::target::Evaluated;
use crate::report::{ReportError, write_atomic, write_atomic_through};
use std::path::{Path, PathBuf};

/// What can go wrong with a point folder; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder holds points of another sweep (bad input: choose `--fresh` or
    /// another folder).
    #[error(
        "'{}' holds points of a different sweep or analysis (another scenario file, paths, \
         ranges, options, seed, replications, strategies or chokepoint version), which must \
         not be mixed with this one.\n  Run again with --fresh to discard them, or choose another --out.",
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
        let spec = serde_json::json!({ "spec_hash": problem.hash(), "spec": problem.spec });
        open_spec(dir, problem.hash(), &spec, fresh)?;
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

    /// Removes the temporary files a killed process left while it wrote points of
    /// `range` (every point when `None`), and, when `None`, the temporary `spec.json`s
    /// of killed openers; returns how many went. Only the process computing a point
    /// writes its temporary file, so a shard clears its own range (other shards may be
    /// writing theirs) and the final call without `--shard`, which runs when the shards
    /// are done, clears everything.
    pub fn clean_debris(&self, range: Option<std::ops::Range<usize>>) -> usize {
        let ours = |name: &str| {
            let index = name
                .strip_prefix("point-")
                .and_then(|r| r.strip_suffix(".csv"))
                .and_then(|i| i.parse::<usize>().ok());
            match (index, &range) {
                (Some(i), Some(r)) => r.contains(&i),
                (Some(_), None) => true,
                (None, _) => false,
            }
        };
        remove_temps(&self.dir, &ours, range.is_none())
    }
}

/// Opens the folder of an analysis's points for the analysis whose spec hashes to
/// `hash`: refuses a folder holding another analysis's points (unless `fresh`, which
/// removes them), then writes `spec.json` (`spec`, which holds `spec_hash`).
fn open_spec(
    dir: &Path,
    hash: &str,
    spec: &serde_json::Value,
    fresh: bool,
) -> Result<(), StoreError> {
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
        // shard of the same analysis (`--shard`), or was left empty: not a mismatch.
        let empty = old.is_none() && !has_points(dir);
        if old.as_deref() != Some(hash) && !empty {
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
    let mut text = serde_json::to_string_pretty(spec).unwrap_or_default();
    text.push('\n');
    // Shards of one analysis open the folder at once: leave a right spec.json alone, and
    // write a missing one through a temporary file of this process's own.
    if std::fs::read(&spec_file).ok().as_deref() != Some(text.as_bytes()) {
        // Tracked until renamed, so an interrupt between writing and renaming it
        // removes it too.
        let own = dir.join(format!(".{SPEC_FILE}.{}.tmp", std::process::id()));
        write_atomic_through(&own, &spec_file, |w| w.write_all(text.as_bytes()))?;
    }
    Ok(())
}

/// Whether `dir` holds any point (a file whose name does not start with `.`, other
/// than `spec.json`).
fn has_points(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != SPEC_FILE
        })
    })
}

/// Removes from `dir` the temporary files (`.NAME.tmp`, see
/// [`crate::report::temp_path`]) of points whose final name `ours` accepts, and, with
/// `specs`, the temporary `spec.json`s of killed openers; returns how many went.
fn remove_temps(dir: &Path, ours: &dyn Fn(&str) -> bool, specs: bool) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
            continue;
        };
        let spec = inner.starts_with(&format!("{SPEC_FILE}."));
        if ((spec && specs) || (!spec && ours(inner))) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
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

/// The run folder of a `sensitivity` or `size` analysis (see the module docs).
#[derive(Debug, Clone)]
pub struct RunDir {
    dir: PathBuf,
}

/// First bytes of a stored sensitivity run.
const RUN_MAGIC: &[u8; 8] = b"CHKRUN01";

impl RunDir {
    /// Opens `dir` for the analysis whose spec is `spec` (hashing to `hash`): refuses a
    /// folder holding another analysis's runs (unless `fresh`, which removes them), then
    /// writes `spec.json`.
    ///
    /// # Errors
    /// [`StoreError::Mismatch`] for another analysis's runs; I/O failures naming the path.
    pub fn open(
        dir: &Path,
        hash: &str,
        spec: &serde_json::Value,
        fresh: bool,
    ) -> Result<RunDir, StoreError> {
        let spec = serde_json::json!({ "spec_hash": hash, "spec": spec });
        open_spec(dir, hash, &spec, fresh)?;
        Ok(RunDir {
            dir: dir.to_path_buf(),
        })
    }

    /// Removes the temporary files a killed process left while it wrote the runs whose
    /// file names `ours` accepts, and, with `specs`, the temporary `spec.json`s of killed
    /// openers (only the final call without `--shard`, when no shard runs, passes
    /// `true`); returns how many went.
    pub fn clean_debris(&self, ours: &dyn Fn(&str) -> bool, specs: bool) -> usize {
        remove_temps(&self.dir, ours, specs)
    }

    /// The file of sensitivity run `key`.
    pub fn run_path(&self, key: &RunKey) -> PathBuf {
        self.dir.join(match key {
            RunKey::Oat(i) => format!("oat-{i:06}.bin"),
            RunKey::Sobol { design, index } => format!("sobol-{design}-{index:06}.bin"),
        })
    }

    /// The file of the size evaluation at `value`.
    pub fn eval_path(&self, value: f64) -> PathBuf {
        self.dir.join(format!("eval-{:016x}.json", value.to_bits()))
    }

    fn read(&self, path: &Path) -> Result<Option<Vec<u8>>, ExploreError> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(boxed(StoreError::Read {
                path: path.to_path_buf(),
                source,
            })),
        }
    }
}

fn damaged(path: &Path, message: &str) -> ExploreError {
    boxed(StoreError::Damaged {
        path: path.to_path_buf(),
        message: message.into(),
    })
}

/// The bytes of a stored run: magic, tag (0 values, 1 skipped), count (u64), the values
/// (`f64` little-endian) or the message (UTF-8), crc32 of all before.
fn run_bytes(outcome: &RunOutcome) -> Vec<u8> {
    let mut b = RUN_MAGIC.to_vec();
    match outcome {
        RunOutcome::Values(v) => {
            b.push(0);
            b.extend((v.len() as u64).to_le_bytes());
            for x in v {
                b.extend(x.to_le_bytes());
            }
        }
        RunOutcome::Skipped(m) => {
            b.push(1);
            b.extend((m.len() as u64).to_le_bytes());
            b.extend(m.as_bytes());
        }
    }
    let crc = crc32fast::hash(&b);
    b.extend(crc.to_le_bytes());
    b
}

fn parse_run(bytes: &[u8]) -> Result<RunOutcome, &'static str> {
    let head = RUN_MAGIC.len() + 9;
    if bytes.len() < head + 4 || &bytes[..RUN_MAGIC.len()] != RUN_MAGIC {
        return Err("not a stored run");
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err("its checksum does not match");
    }
    let tag = body[RUN_MAGIC.len()];
    let mut count = [0u8; 8];
    count.copy_from_slice(&body[RUN_MAGIC.len() + 1..head]);
    let count = u64::from_le_bytes(count) as usize;
    let payload = &body[head..];
    match tag {
        0 if payload.len() == count.saturating_mul(8) => Ok(RunOutcome::Values(
            payload
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        )),
        1 if payload.len() == count => String::from_utf8(payload.to_vec())
            .map(RunOutcome::Skipped)
            .map_err(|_| "its message is not UTF-8"),
        _ => Err("its length does not match"),
    }
}

impl RunStore for RunDir {
    fn load(&self, key: &RunKey) -> Result<Option<RunOutcome>, ExploreError> {
        let path = self.run_path(key);
        match self.read(&path)? {
            None => Ok(None),
            Some(b) => parse_run(&b).map(Some).map_err(|m| damaged(&path, m)),
        }
    }

    fn save(&self, key: &RunKey, outcome: &RunOutcome) -> Result<(), ExploreError> {
        write_atomic(&self.run_path(key), &run_bytes(outcome)).map_err(|e| boxed(e.into()))
    }
}

/// An `f64` as stored: its bits in hex, so that every value (infinite interval ends
/// included) reads back bit for bit.
fn bits(x: f64) -> String {
    format!("{:016x}", x.to_bits())
}

fn unbits(v: &serde_json::Value) -> Option<f64> {
    u64::from_str_radix(v.as_str()?, 16)
        .ok()
        .map(f64::from_bits)
}

fn evaluated_json(e: &Evaluated) -> serde_json::Value {
    serde_json::json!({
        "clause": e.clause,
        "value": e.value.map(bits),
        "ci": e.ci.map(|[a, b]| [bits(a), bits(b)]),
        "level": bits(e.level),
        "bound": e.bound.map(bits),
        "point_met": e.point_met,
        "bound_met": e.bound_met,
        "met": e.met,
    })
}

fn evaluated_from(v: &serde_json::Value) -> Option<Evaluated> {
    let opt = |k: &str| -> Option<Option<f64>> {
        match v.get(k)? {
            serde_json::Value::Null => Some(None),
            x => unbits(x).map(Some),
        }
    };
    let ci = match v.get("ci")? {
        serde_json::Value::Null => None,
        serde_json::Value::Array(a) if a.len() == 2 => Some([unbits(&a[0])?, unbits(&a[1])?]),
        _ => return None,
    };
    Some(Evaluated {
        clause: v.get("clause")?.as_str()?.to_string(),
        value: opt("value")?,
        ci,
        level: unbits(v.get("level")?)?,
        bound: opt("bound")?,
        point_met: v.get("point_met")?.as_bool()?,
        bound_met: v.get("bound_met")?.as_bool()?,
        met: v.get("met")?.as_bool()?,
    })
}

impl EvalStore for RunDir {
    fn load(&self, value: f64) -> Result<Option<Vec<Evaluated>>, ExploreError> {
        let path = self.eval_path(value);
        let Some(bytes) = self.read(&path)? else {
            return Ok(None);
        };
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| damaged(&path, "not JSON"))?;
        if v.get("value").and_then(unbits).map(f64::to_bits) != Some(value.to_bits()) {
            return Err(damaged(&path, "it holds another value"));
        }
        v.get("clauses")
            .and_then(|c| c.as_array())
            .and_then(|c| c.iter().map(evaluated_from).collect::<Option<Vec<_>>>())
            .map(Some)
            .ok_or_else(|| damaged(&path, "its clauses cannot be read"))
    }

    fn save(&self, value: f64, clauses: &[Evaluated]) -> Result<(), ExploreError> {
        let v = serde_json::json!({
            "value": bits(value),
            "clauses": clauses.iter().map(evaluated_json).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string(&v).unwrap_or_default();
        text.push('\n');
        write_atomic(&self.eval_path(value), text.as_bytes()).map_err(|e| boxed(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_runs_read_back_bit_for_bit_and_damage_is_caught() {
        for o in [
            RunOutcome::Values(vec![0.1, -0.0, f64::NAN, 1e300, f64::INFINITY]),
            RunOutcome::Values(vec![]),
            RunOutcome::Skipped("low move to 3 skipped: é".into()),
        ] {
            let b = run_bytes(&o);
            let back = parse_run(&b).unwrap();
            match (&o, &back) {
                (RunOutcome::Values(a), RunOutcome::Values(b)) => assert_eq!(
                    a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                ),
                _ => assert_eq!(o, back),
            }
            let mut flipped = b.clone();
            flipped[RUN_MAGIC.len() + 3] ^= 1;
            assert!(parse_run(&flipped).is_err());
            assert!(parse_run(&b[..b.len() - 1]).is_err());
        }
    }

    #[test]
    fn evaluations_read_back_with_infinite_ends() {
        let e = Evaluated {
            clause: "p95(shortfall_pct) <= 1".into(),
            value: Some(0.1 + 0.2),
            ci: Some([0.25, f64::INFINITY]),
            level: 0.95,
            bound: Some(f64::INFINITY),
            point_met: true,
            bound_met: false,
            met: true,
        };
        let back = evaluated_from(&evaluated_json(&e)).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.value.map(f64::to_bits), e.value.map(f64::to_bits));
    }
}
