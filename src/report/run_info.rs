//! `run.json`: what was run, with what, and when, so a result can be reproduced and
//! traced to its inputs.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of this crate.
pub const CHOKEPOINT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Version of `rand` the streams come from (as locked in `Cargo.lock`; keep in step).
pub const RAND_VERSION: &str = "0.10.4";
/// Version of `rand_distr` the samplers come from (as locked in `Cargo.lock`).
pub const RAND_DISTR_VERSION: &str = "0.6.0";

/// Provenance of a run: the content of `run.json`.
///
/// Build it with a struct literal; [`sha256_hex`] hashes the scenario bytes and the
/// version constants fill the version fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// chokepoint version ([`CHOKEPOINT_VERSION`]).
    pub chokepoint_version: String,
    /// Git commit of the build, when known.
    pub git_commit: Option<String>,
    /// Scenario file path as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file's bytes, lower-case hex.
    pub scenario_sha256: String,
    /// Seed.
    pub seed: u64,
    /// First replication index (0 unless a shard).
    pub first_replication: u64,
    /// Number of replications.
    pub replications: u64,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the simulation in seconds.
    pub wall_time_s: f64,
    /// Command line, program name first.
    pub command_line: Vec<String>,
    /// [`RAND_VERSION`].
    pub rand_version: String,
    /// [`RAND_DISTR_VERSION`].
    pub rand_distr_version: String,
    /// Start of the run, UTC, RFC 3339 (e.g. `2025-01-31T12:00:00Z`).
    pub started_at: String,
    /// Precision-based stopping (`run --precision`): the goals, the half-widths reached,
    /// the replications run and why it stopped. Absent from other runs' `run.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::explore::precision::PrecisionRecord>,
    /// What the run left out and why, in words (e.g. daily bands turned off above the
    /// size limit, `docs/limits.md`); absent from `run.json` when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Name of the manifest entry of `run.json`: the SHA-256 of every data file of the run
/// (file name → lower-case hex), written last, so that `chokepoint report` can refuse a
/// folder whose files do not all come from the run that `run.json` describes.
pub const MANIFEST_KEY: &str = "files";

/// The data files a run's manifest covers (when present): what `chokepoint report`
/// reads back. Charts and `report.html` are re-rendered from them and not covered.
pub const MANIFEST_FILES: [&str; 6] = [
    "scenario.toml",
    "summary.json",
    "summary.csv",
    "replications.csv",
    "daily.csv",
    "drivers.csv",
];

/// Pretty JSON of a [`RunInfo`] followed by its manifest ([`MANIFEST_KEY`]), with a
/// final newline.
pub fn run_json_with_manifest(info: &RunInfo, files: &BTreeMap<String, String>) -> String {
    #[derive(Serialize)]
    struct WithFiles<'a> {
        #[serde(flatten)]
        info: &'a RunInfo,
        files: &'a BTreeMap<String, String>,
    }
    let mut s = serde_json::to_string_pretty(&WithFiles { info, files })
        .expect("RunInfo always serialises");
    s.push('\n');
    s
}

/// A writer that passes bytes on and hashes them (SHA-256) on the way.
pub struct HashingWriter<'a> {
    inner: &'a mut (dyn std::io::Write + Send),
    hasher: Sha256,
}

impl<'a> HashingWriter<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a mut (dyn std::io::Write + Send)) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Lower-case hex SHA-256 of the bytes written so far.
    pub fn hex(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }
}

impl std::io::Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex SHA-256 of the file at `path`, read in pieces.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(digest: &[u8]) -> String {
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Pretty JSON of a [`RunInfo`], with a final newline.
pub fn run_json(info: &RunInfo) -> String {
    let mut s = serde_json::to_string_pretty(info).expect("RunInfo always serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rand_versions_match_lockfile() {
        let lock = include_str!("../../Cargo.lock");
        for (name, version) in [("rand", RAND_VERSION), ("rand_distr", RAND_DISTR_VERSION)] {
            let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
            assert!(lock.contains(&entry), "Cargo.lock has no {name} {version}");
        }
    }
}
