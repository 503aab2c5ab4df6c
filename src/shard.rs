//! Shards of a run (docs/storage.md §5): a fixed partition of a run's replications into
//! N parts that separate processes or machines simulate, and the checks that let
//! `merge` combine their folders into exactly the files of the unsplit run.
//!
//! A shard folder holds:
//! - `replications.bin`: the per-replication metrics of its range ([`crate::spill`]);
//! - `daily.bin`: its daily histograms ([`DailyHist`]), integer counts and exact
//!   extremes, so adding the shards' histograms gives the unsplit run's bits;
//! - `scenario.toml`: the scenario's bytes, so `merge` needs no other input;
//! - `shard.json` ([`ShardMeta`]): what was run (scenario SHA-256, seed, replications,
//!   K of N, range, chokepoint version) and the size and crc32 of each file above.
//!   It is written **last**, atomically, after the other files are on disk and after
//!   any older `shard.json` was removed: a folder without it is unfinished, and a folder
//!   with it is exactly what it says. Re-running the shard's command redoes an
//!   unfinished shard and leaves a finished one as it is.
//!
//! [`open_shards`] reads N folders and refuses, all problems at once, folders that are
//! unfinished, damaged (a size or a crc32 that does not match, a spill file that does not
//! open), of other runs (scenario, seed, replications, version, daily replications), of
//! other partitions, missing or duplicated shards.
//!
//! Layer: does file I/O; may use `model`, `sim`, `spill` and `report` (the atomic
//! writer, SHA-256). The CLI's `run --shard` and `merge` are its callers.

use crate::model::Scenario;
use crate::report::{self, ReportError, write_atomic};
use crate::sim::engine::Kernel;
use crate::sim::{self, DailyHist, Progress, RunOptions};
use crate::spill::{Spill, SpillError, SpillWriter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The shard's metadata file, written last.
pub const SHARD_FILE: &str = "shard.json";
/// The shard's per-replication metrics (a spill file).
pub const REPLICATIONS_FILE: &str = "replications.bin";
/// The shard's daily histograms.
pub const DAILY_FILE: &str = "daily.bin";
/// The scenario's bytes.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// Version of the shard folder's layout; `merge` refuses any other.
pub const FORMAT_VERSION: u32 = 1;
/// First bytes of `daily.bin`.
const DAILY_MAGIC: &[u8; 8] = b"CHKPTDLY";

/// The replications of shard `k` of `n` (0-based) of a run of `replications`: N
/// contiguous ranges whose sizes differ by at most one, `k·R/N .. (k+1)·R/N` (computed
/// in `u128`, so no product overflows). Depends on nothing else (not the threads), so
/// every machine cuts a run the same way.
///
/// # Panics
/// If `n == 0` or `k >= n` (callers validate both).
pub fn shard_range(replications: u64, k: u64, n: u64) -> Range<u64> {
    assert!(n > 0 && k < n, "shard {k} of {n}");
    let at = |i: u64| (u128::from(i) * u128::from(replications) / u128::from(n)) as u64;
    at(k)..at(k + 1)
}

/// Size and crc32 of one file of a shard folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheck {
    /// Length in bytes.
    pub bytes: u64,
    /// crc32 (IEEE) of the whole file, 8 lower-case hex digits.
    pub crc32: String,
}

/// The content of `shard.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// [`FORMAT_VERSION`] of the folder.
    pub format: u32,
    /// chokepoint version that wrote it.
    pub chokepoint_version: String,
    /// Scenario path as given to `run`.
    pub scenario_path: String,
    /// SHA-256 of the scenario's bytes (lower-case hex).
    pub scenario_sha256: String,
    /// Seed of the run.
    pub seed: u64,
    /// Replications of the whole run (all shards).
    pub replications: u64,
    /// Daily histograms count replications with an index below this (`u64::MAX`: all).
    pub daily_replications: u64,
    /// Number of shards N.
    pub shards: u64,
    /// This shard's index K, `0..N`.
    pub shard: u64,
    /// First replication of this shard.
    pub first_replication: u64,
    /// One past its last replication.
    pub end_replication: u64,
    /// Size and crc32 of each file, by name.
    pub files: BTreeMap<String, FileCheck>,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time of the simulation, seconds.
    pub wall_time_s: f64,
    /// Start of the shard, UTC, RFC 3339.
    pub started_at: String,
}

/// What one shard is to run.
#[derive(Debug, Clone)]
pub struct ShardJob<'a> {
    /// The validated scenario.
    pub scn: &'a Scenario,
    /// Its bytes (copied into the folder, hashed into the metadata).
    pub scenario_bytes: &'a [u8],
    /// Its path as given.
    pub scenario_path: String,
    /// Seed.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications: u64,
    /// Daily histograms count replications below this (`u64::MAX`: all).
    pub daily_replications: u64,
    /// This shard's index K (0-based).
    pub shard: u64,
    /// Number of shards N.
    pub shards: u64,
    /// Worker threads (recorded only; the caller's rayon pool runs the shard).
    pub threads: usize,
    /// Start time, RFC 3339.
    pub started_at: String,
}

impl ShardJob<'_> {
    /// This shard's replications.
    pub fn range(&self) -> Range<u64> {
        shard_range(self.replications, self.shard, self.shards)
    }

    /// Whether `meta` describes this very job (same run, same partition, same shard).
    fn is(&self, meta: &ShardMeta) -> bool {
        meta.format == FORMAT_VERSION
            && meta.chokepoint_version == report::CHOKEPOINT_VERSION
            && meta.scenario_sha256 == report::sha256_hex(self.scenario_bytes)
            && meta.seed == self.seed
            && meta.replications == self.replications
            && meta.daily_replications == self.daily_replications
            && meta.shards == self.shards
            && meta.shard == self.shard
    }
}

/// What writing or reading shards can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The spill file could not be written or read.
    #[error(transparent)]
    Spill(#[from] SpillError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] ReportError),
    /// The folders given are not the complete, intact shards of one run (bad input):
    /// every problem found, one per line.
    #[error("cannot merge these shard folders:\n  {}", .0.join("\n  "))]
    Refused(Vec<String>),
}

impl ShardError {
    /// Whether the error is the user's input (exit code 2) rather than a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ShardError::Refused(_))
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ShardError + '_ {
    move |source| ShardError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// crc32 and length of a file, read in 1 MB pieces.
fn file_check(path: &Path) -> std::io::Result<FileCheck> {
    let mut f = std::fs::File::open(path)?;
    let mut h = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(FileCheck {
        bytes,
        crc32: format!("{:08x}", h.finalize()),
    })
}

/// `daily.bin`: magic, format version, the histograms' bytes, crc32 of all before it.
fn daily_bytes(hist: &DailyHist) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(DAILY_MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&hist.to_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The histograms of a `daily.bin`, or what is wrong with it.
fn daily_from_bytes(scn: &Scenario, bytes: &[u8]) -> Result<DailyHist, String> {
    if bytes.len() < 16 || &bytes[..8] != DAILY_MAGIC {
        return Err("not a chokepoint daily.bin, or truncated".into());
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err("checksum does not match (truncated or damaged)".into());
    }
    DailyHist::from_bytes(scn, &body[12..])
        .ok_or_else(|| "its histograms do not fit the scenario".to_string())
}

/// Reads `DIR/shard.json`, if there is a readable one.
pub fn read_meta(dir: &Path) -> Result<ShardMeta, String> {
    let path = dir.join(SHARD_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(if dir.is_dir() {
                format!(
                    "{}: no {SHARD_FILE}, so not a finished shard (interrupted? run its \
                     command again to finish it)",
                    dir.display()
                )
            } else {
                format!("{}: no such folder", dir.display())
            });
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| format!("{}: damaged ({e})", path.display()))
}

/// Problems with the files of one shard folder against its metadata (sizes, crc32s,
/// the scenario's SHA-256); empty when intact.
fn check_files(dir: &Path, meta: &ShardMeta) -> Vec<String> {
    let mut problems = Vec::new();
    for name in [SCENARIO_FILE, REPLICATIONS_FILE, DAILY_FILE] {
        let path = dir.join(name);
        let Some(want) = meta.files.get(name) else {
            problems.push(format!("{}: {SHARD_FILE} lists no {name}", dir.display()));
            continue;
        };
        match file_check(&path) {
            Err(e) => problems.push(format!("{}: {e}", path.display())),
            Ok(got) if got.bytes != want.bytes => problems.push(format!(
                "{}: {} bytes, {SHARD_FILE} says {} (truncated or replaced)",
                path.display(),
                got.bytes,
                want.bytes
            )),
            Ok(got) if got.crc32 != want.crc32 => problems.push(format!(
                "{}: crc32 {} does not match {} in {SHARD_FILE} (damaged)",
                path.display(),
                got.crc32,
                want.crc32
            )),
            Ok(_) => {}
        }
    }
    if problems.is_empty() {
        match std::fs::read(dir.join(SCENARIO_FILE)) {
            Ok(b) if report::sha256_hex(&b) != meta.scenario_sha256 => problems.push(format!(
                "{}: its SHA-256 is not the scenario_sha256 of {SHARD_FILE}",
                dir.join(SCENARIO_FILE).display()
            )),
            _ => {}
        }
    }
    problems
}

/// The finished shard in `dir` if it is exactly `job`, with intact files; `None` when
/// the folder must be (re)computed.
pub fn finished(dir: &Path, job: &ShardJob) -> Option<ShardMeta> {
    let meta = read_meta(dir).ok()?;
    let range = job.range();
    (job.is(&meta)
        && meta.first_replication == range.start
        && meta.end_replication == range.end
        && check_files(dir, &meta).is_empty())
    .then_some(meta)
}

/// Runs shard `job` into `dir` (see the module docs): removes an old `shard.json` first,
/// writes the scenario copy, the spill file (through `PATH.partial`), `daily.bin`, and
/// `shard.json` last. Runs in the current rayon pool.
///
/// # Errors
/// A file cannot be written.
pub fn write_shard(
    dir: &Path,
    job: &ShardJob,
    progress: &dyn Progress,
) -> Result<ShardMeta, ShardError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let meta_path = dir.join(SHARD_FILE);
    match std::fs::remove_file(&meta_path) {
        Ok(()) => {
            // Make the removal durable before anything else changes in the folder.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&meta_path)(e)),
    }
    write_atomic(&dir.join(SCENARIO_FILE), job.scenario_bytes)?;
    let range = job.range();
    let t0 = Instant::now();
    let mut spill = SpillWriter::create(
        &dir.join(REPLICATIONS_FILE),
        range.start,
        job.scn.strategies().len(),
        job.scn.n_slots(),
    )?;
    let opts = RunOptions {
        seed: job.seed,
        replications: range.clone(),
        daily: true,
        daily_replications: job.daily_replications,
    };
    let tail = sim::run_into(job.scn, &opts, progress, Kernel::detect(), &mut spill)?;
    spill.finish()?;
    let hist = tail.daily.unwrap_or_else(|| DailyHist::new(job.scn));
    write_atomic(&dir.join(DAILY_FILE), &daily_bytes(&hist))?;
    let wall_time_s = t0.elapsed().as_secs_f64();
    let mut files = BTreeMap::new();
    for name in [SCENARIO_FILE, REPLICATIONS_FILE, DAILY_FILE] {
        let path = dir.join(name);
        files.insert(name.to_string(), file_check(&path).map_err(io_err(&path))?);
    }
    let meta = ShardMeta {
        format: FORMAT_VERSION,
        chokepoint_version: report::CHOKEPOINT_VERSION.to_string(),
        scenario_path: job.scenario_path.clone(),
        scenario_sha256: report::sha256_hex(job.scenario_bytes),
        seed: job.seed,
        replications: job.replications,
        daily_replications: job.daily_replications,
        shards: job.shards,
        shard: job.shard,
        first_replication: range.start,
        end_replication: range.end,
        files,
        threads: job.threads,
        wall_time_s,
        started_at: job.started_at.clone(),
    };
    let mut text = serde_json::to_string_pretty(&meta).unwrap_or_default();
    text.push('\n');
    write_atomic(&meta_path, text.as_bytes())?;
    Ok(meta)
}

/// One finished shard folder.
#[derive(Debug, Clone)]
pub struct Shard {
    /// The folder.
    pub dir: PathBuf,
    /// Its `shard.json`.
    pub meta: ShardMeta,
}

/// The complete, intact shards of one run, in shard order (see [`open_shards`]).
#[derive(Debug, Clone)]
pub struct ShardSet {
    /// Shards `0..N`, in order.
    pub shards: Vec<Shard>,
    /// The scenario's bytes (the same in every shard).
    pub scenario_bytes: Vec<u8>,
}

/// The fields that must agree across the shards of one run, with their names.
fn run_identity(m: &ShardMeta) -> [(&'static str, String); 7] {
    [
        ("format", m.format.to_string()),
        ("chokepoint version", m.chokepoint_version.clone()),
        ("scenario SHA-256", m.scenario_sha256.clone()),
        ("seed", m.seed.to_string()),
        ("replications", m.replications.to_string()),
        ("daily replications", m.daily_replications.to_string()),
        ("shard count N", m.shards.to_string()),
    ]
}

/// Opens the shard folders `dirs` (in any order) as the shards of one run: every
/// `shard.json` present and readable, of the same run (format, chokepoint version,
/// scenario SHA-256, seed, replications, daily replications, N), each K of `0..N`
/// exactly once with the range [`shard_range`] gives it, every file of the size and
/// crc32 its `shard.json` records. Reports every problem at once.
///
/// # Errors
/// [`ShardError::Refused`] with one line per problem.
pub fn open_shards(dirs: &[PathBuf]) -> Result<ShardSet, ShardError> {
    let mut problems = Vec::new();
    let mut shards = Vec::new();
    for dir in dirs {
        match read_meta(dir) {
            Ok(meta) => shards.push(Shard {
                dir: dir.clone(),
                meta,
            }),
            Err(p) => problems.push(p),
        }
    }
    if let Some(first) = shards.first() {
        let want = run_identity(&first.meta);
        for s in &shards[1..] {
            for ((what, a), (_, b)) in want.iter().zip(run_identity(&s.meta)) {
                if *a != b {
                    problems.push(format!(
                        "{}: {what} {b}, but {} has {a} (shards of different runs)",
                        s.dir.display(),
                        first.dir.display()
                    ));
                }
            }
        }
        let n = first.meta.shards;
        let mut by_k: BTreeMap<u64, Vec<&Shard>> = BTreeMap::new();
        for s in &shards {
            if s.meta.shards != n {
                continue; // reported above
            }
            if s.meta.shard >= n {
                problems.push(format!(
                    "{}: shard {} of {n} is out of range",
                    s.dir.display(),
                    s.meta.shard
                ));
                continue;
            }
            let want = shard_range(s.meta.replications, s.meta.shard, n);
            if s.meta.first_replication != want.start || s.meta.end_replication != want.end {
                problems.push(format!(
                    "{}: replications {}..{}, but shard {} of {n} is {}..{}",
                    s.dir.display(),
                    s.meta.first_replication,
                    s.meta.end_replication,
                    s.meta.shard,
                    want.start,
                    want.end
                ));
            }
            by_k.entry(s.meta.shard).or_default().push(s);
        }
        for k in 0..n {
            match by_k.get(&k).map(Vec::as_slice) {
                None | Some([]) => problems.push(format!(
                    "shard {k} of {n} is missing (give all {n} shard folders)"
                )),
                Some([_]) => {}
                Some(many) => problems.push(format!(
                    "shard {k} of {n} is given {} times: {}",
                    many.len(),
                    many.iter()
                        .map(|s| s.dir.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
    if problems.is_empty() {
        for s in &shards {
            problems.extend(check_files(&s.dir, &s.meta));
        }
    }
    if shards.is_empty() && problems.is_empty() {
        problems.push("no shard folders given".into());
    }
    if !problems.is_empty() {
        return Err(ShardError::Refused(problems));
    }
    shards.sort_by_key(|s| s.meta.shard);
    let path = shards[0].dir.join(SCENARIO_FILE);
    let scenario_bytes = std::fs::read(&path).map_err(io_err(&path))?;
    Ok(ShardSet {
        shards,
        scenario_bytes,
    })
}

impl ShardSet {
    /// The metadata of shard 0 (every run-wide field is the same in all).
    pub fn meta(&self) -> &ShardMeta {
        &self.shards[0].meta
    }

    /// The daily histograms of the whole run: the shards' counts added, extremes
    /// merged, in shard order (integer counts, so any order gives the same bits).
    ///
    /// # Errors
    /// A `daily.bin` that does not fit `scn` ([`ShardError::Refused`]) or cannot be read.
    pub fn daily(&self, scn: &Scenario) -> Result<DailyHist, ShardError> {
        let mut total = DailyHist::new(scn);
        for s in &self.shards {
            let path = s.dir.join(DAILY_FILE);
            let bytes = std::fs::read(&path).map_err(io_err(&path))?;
            let h = daily_from_bytes(scn, &bytes)
                .map_err(|e| ShardError::Refused(vec![format!("{}: {e}", path.display())]))?;
            total.merge(&h);
        }
        Ok(total)
    }

    /// The shards' spill files, opened, in shard order; each checked to hold its range
    /// for the scenario's strategies and materials.
    ///
    /// # Errors
    /// A spill file does not open or does not fit ([`ShardError::Refused`]).
    pub fn spills(&self, scn: &Scenario) -> Result<Vec<Spill>, ShardError> {
        let mut out = Vec::with_capacity(self.shards.len());
        let mut problems = Vec::new();
        for s in &self.shards {
            let path = s.dir.join(REPLICATIONS_FILE);
            match Spill::open(&path) {
                Err(e) => problems.push(e.to_string()),
                Ok(sp) => {
                    if sp.first() != s.meta.first_replication
                        || sp.first() + sp.replications() != s.meta.end_replication
                        || sp.n_strategies() != scn.strategies().len()
                        || sp.n_materials() != scn.n_slots()
                    {
                        problems.push(format!(
                            "{}: does not hold replications {}..{} of this scenario",
                            path.display(),
                            s.meta.first_replication,
                            s.meta.end_replication
                        ));
                    }
                    out.push(sp);
                }
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ShardError::Refused(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_partition_the_run_whatever_n() {
        for r in [0u64, 1, 7, 1000, 1_000_003] {
            for n in 1..=9 {
                let mut next = 0;
                let mut sizes = Vec::new();
                for k in 0..n {
                    let g = shard_range(r, k, n);
                    assert_eq!(g.start, next, "r {r} n {n} k {k}");
                    next = g.end;
                    sizes.push(g.end - g.start);
                }
                assert_eq!(next, r);
                let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(hi - lo <= 1, "r {r} n {n}: {sizes:?}");
            }
        }
        // No overflow near the top of u64.
        assert_eq!(shard_range(u64::MAX, 1, 2).end, u64::MAX);
        // Uneven: 10 in 3 is 3, 3, 4.
        assert_eq!(shard_range(10, 0, 3), 0..3);
        assert_eq!(shard_range(10, 1, 3), 3..6);
        assert_eq!(shard_range(10, 2, 3), 6..10);
    }

    #[test]
    fn daily_bin_round_trips_and_refuses_damage() {
        let scn = crate::test_support::tutorial();
        let mut opts = RunOptions::new(3, 40);
        opts.daily_replications = 30;
        let res = sim::run(&scn, &opts, &sim::NoProgress);
        let h = res.daily.unwrap();
        let bytes = daily_bytes(&h);
        assert_eq!(daily_from_bytes(&scn, &bytes).unwrap(), h);
        let mut bad = bytes.clone();
        bad[20] ^= 4;
        assert!(daily_from_bytes(&scn, &bad).is_err());
        assert!(daily_from_bytes(&scn, &bytes[..bytes.len() - 1]).is_err());
    }
}
