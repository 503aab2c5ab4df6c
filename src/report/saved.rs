//! Reads a run's saved outputs back (`summary.json`, `replications.csv`, `daily.csv`,
//! `run.json`, `scenario.toml`) into the inputs of the charts and the report, so that
//! `chokepoint report OUT_DIR` re-renders everything without simulating.

use super::columns::ColumnWriter;
use super::run_info::RunInfo;
use crate::charts::ChartData;
use crate::model::Scenario;
use crate::scenario;
use crate::stats::Summary;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Name of the copy of the scenario that `run` saves beside its outputs.
pub const SCENARIO_COPY: &str = "scenario.toml";

/// A saved output could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// A file is missing or unreadable.
    #[error("could not read '{}': {source}; is this the output folder of a `chokepoint run`?", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is there but its content is not what `run` writes.
    #[error("'{}' is not a valid output of `chokepoint run`: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Everything re-read from an output folder.
pub struct SavedRun {
    /// The scenario as saved by the run.
    pub scenario: Scenario,
    /// The SHA-256-checked scenario text.
    pub scenario_text: String,
    /// `run.json`.
    pub info: RunInfo,
    /// Chart data rebuilt from the summary and the CSVs; its samples (and each
    /// strategy's total cost per replication, `replications.csv`'s
    /// `strategy_total_cost` of the first material's rows, and with sectors its GDP at
    /// risk, `strategy_value_added_lost`) are read from scratch column
    /// files ([`super::columns`]) that live as long as it does.
    pub data: ChartData<'static>,
}

fn read(path: &Path) -> Result<String, SavedError> {
    std::fs::read_to_string(path).map_err(|source| SavedError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(path: &Path, message: impl std::fmt::Display) -> SavedError {
    SavedError::Invalid {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Checks the data files of `dir` against the manifest of its `run.json` (the
/// SHA-256 of each, [`super::run_info::MANIFEST_KEY`]): a file changed, missing or not
/// listed means the folder mixes files of different runs (or was edited). A `run.json`
/// without a manifest (written before it existed) is accepted.
///
/// # Errors
/// [`SavedError::Invalid`] naming `run.json` and the first file that does not match.
pub fn verify_manifest(dir: &Path) -> Result<(), SavedError> {
    use super::run_info::{MANIFEST_FILES, MANIFEST_KEY, sha256_file};
    let p = dir.join("run.json");
    let value: serde_json::Value = serde_json::from_str(&read(&p)?).map_err(|e| invalid(&p, e))?;
    let Some(files) = value.get(MANIFEST_KEY) else {
        return Ok(());
    };
    let files = files
        .as_object()
        .ok_or_else(|| invalid(&p, format!("'{MANIFEST_KEY}' is not an object")))?;
    let advice = "the folder mixes files of different runs or was edited; run `chokepoint run` \
                  again into it (or into a new --out)";
    for (name, want) in files {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(invalid(&p, format!("its manifest names '{name}'")));
        }
        // A missing file is reported by the reader that needs it (or not needed).
        let Ok(got) = sha256_file(&dir.join(name)) else {
            continue;
        };
        if Some(got.as_str()) != want.as_str() {
            return Err(invalid(
                &p,
                format!(
                    "{name} is not the file this run wrote (its SHA-256 differs from the manifest); {advice}"
                ),
            ));
        }
    }
    for name in MANIFEST_FILES {
        if !files.contains_key(name) && dir.join(name).exists() {
            return Err(invalid(
                &p,
                format!(
                    "{name} is not listed in the manifest, so it comes from another run; {advice}"
                ),
            ));
        }
    }
    Ok(())
}

/// Reads the output folder `dir` of a run.
///
/// # Errors
/// [`SavedError`] naming the file that is missing or does not match the others.
pub fn load(dir: &Path) -> Result<SavedRun, SavedError> {
    let p = dir.join("summary.json");
    let summary: Summary = serde_json::from_str(&read(&p)?).map_err(|e| invalid(&p, e))?;
    let p = dir.join("run.json");
    let info: RunInfo = serde_json::from_str(&read(&p)?).map_err(|e| invalid(&p, e))?;
    let p = dir.join(SCENARIO_COPY);
    let scenario_text = read(&p)?;
    let scn = scenario::parse_scenario(SCENARIO_COPY, &scenario_text)
        .map_err(|e| invalid(&p, format!("{e}")))?;
    let ids_s: Vec<&str> = summary.strategies.iter().map(|s| s.id.as_str()).collect();
    let ids_m: Vec<&str> = summary
        .strategies
        .first()
        .map(|s| s.materials.iter().map(|m| m.id.as_str()).collect())
        .unwrap_or_default();
    if scn
        .strategies()
        .iter()
        .map(|s| s.id.as_str())
        .ne(ids_s.iter().copied())
        || scn
            .materials()
            .iter()
            .map(|m| m.id.as_str())
            .ne(ids_m.iter().copied())
    {
        return Err(invalid(
            &p,
            "its strategies or materials differ from summary.json's",
        ));
    }
    let reference = ids_s
        .iter()
        .position(|&s| summary.reference == s)
        .ok_or_else(|| invalid(&dir.join("summary.json"), "reference strategy not listed"))?;
    let (ns, nm, n) = (ids_s.len(), ids_m.len(), summary.replications as usize);

    // replications.csv, streamed row by row into scratch column files (memory does not
    // grow with its size; the charts read a column at a time).
    let p = dir.join("replications.csv");
    let samples = {
        let file = std::fs::File::open(&p).map_err(|source| SavedError::Read {
            path: p.clone(),
            source,
        })?;
        let scratch = |e: std::io::Error| {
            invalid(
                &p,
                format!("could not keep its columns in a temporary file: {e}"),
            )
        };
        let mut rd = csv::Reader::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
        let header = rd.headers().map_err(|e| invalid(&p, e))?.clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| invalid(&p, format!("no column '{name}'")))
        };
        // With sectors, each strategy's GDP at risk per future (the exceedance chart and
        // the report's 1-in-20 loss read it); a folder written before the column existed
        // re-renders without them.
        let cg = if scn.sectors().is_empty() {
            None
        } else {
            header
                .iter()
                .position(|h| h == super::STRATEGY_VALUE_ADDED_LOST_COLUMN)
        };
        let mut cols_out = ColumnWriter::create_with(ns, nm, n, cg.is_some()).map_err(scratch)?;
        let (cs, cm) = (col("strategy")?, col("material")?);
        let ct = col(super::STRATEGY_TOTAL_COLUMN)?;
        let cols: Vec<usize> = crate::charts::SAMPLE_METRICS
            .iter()
            .map(|m| col(m.name()))
            .collect::<Result<_, _>>()?;
        let parse = |f: &str| -> Result<f64, SavedError> {
            if f.is_empty() {
                Ok(f64::NAN)
            } else {
                f.parse::<f64>()
                    .map_err(|e| invalid(&p, format!("'{f}': {e}")))
            }
        };
        let mut rec = csv::StringRecord::new();
        while rd.read_record(&mut rec).map_err(|e| invalid(&p, e))? {
            let s = ids_s.iter().position(|&x| x == &rec[cs]);
            let m = ids_m.iter().position(|&x| x == &rec[cm]);
            let (Some(s), Some(m)) = (s, m) else {
                return Err(invalid(
                    &p,
                    format!("unknown strategy or material in {rec:?}"),
                ));
            };
            let too_many = |_| {
                invalid(
                    &p,
                    format!("more rows than the {n} replications of summary.json"),
                )
            };
            if m == 0 {
                cols_out
                    .push_total_cost(s, parse(&rec[ct])?)
                    .map_err(too_many)?;
                if let Some(cg) = cg {
                    cols_out
                        .push_gdp_at_risk(s, parse(&rec[cg])?)
                        .map_err(too_many)?;
                }
            }
            for (k, &c) in cols.iter().enumerate() {
                cols_out
                    .push_metric(k, s, m, parse(&rec[c])?)
                    .map_err(too_many)?;
            }
        }
        match cols_out.finish().map_err(scratch)? {
            Ok(files) => files,
            Err(short) => {
                return Err(invalid(
                    &p,
                    format!(
                        "{short} rows for some strategy and material, but summary.json \
                         counts {n} replications"
                    ),
                ));
            }
        }
    };

    // daily.csv (optional: runs without daily bands have none)
    let p = dir.join("daily.csv");
    let mut stock_bands: Vec<Vec<Vec<[Option<f64>; 5]>>> = Vec::new();
    if p.exists() {
        stock_bands = vec![vec![Vec::new(); nm]; ns];
        let text = read(&p)?;
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let header = rd.headers().map_err(|e| invalid(&p, e))?.clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| invalid(&p, format!("no column '{name}'")))
        };
        let (cs, cm, cd, cser) = (
            col("strategy")?,
            col("material")?,
            col("day")?,
            col("series")?,
        );
        let cq: Vec<usize> = super::csv_out::DAILY_BAND_COLUMNS
            .iter()
            .map(|name| col(name))
            .collect::<Result<_, _>>()?;
        for rec in rd.records() {
            let rec = rec.map_err(|e| invalid(&p, e))?;
            if rec.get(cser) != Some("total_stock") {
                continue;
            }
            let s = ids_s.iter().position(|&x| Some(x) == rec.get(cs));
            let m = ids_m.iter().position(|&x| Some(x) == rec.get(cm));
            let day: Option<usize> = rec.get(cd).and_then(|d| d.parse().ok());
            let (Some(s), Some(m), Some(day)) = (s, m, day) else {
                return Err(invalid(&p, format!("bad row {rec:?}")));
            };
            let mut q = [None; 5];
            for (slot, &c) in q.iter_mut().zip(&cq) {
                let f = rec.get(c).unwrap_or("");
                if !f.is_empty() {
                    *slot = Some(
                        f.parse::<f64>()
                            .map_err(|e| invalid(&p, format!("'{f}': {e}")))?,
                    );
                }
            }
            let v = &mut stock_bands[s][m];
            if v.len() <= day {
                v.resize(day + 1, [None; 5]);
            }
            v[day] = q;
        }
        if stock_bands.iter().flatten().all(Vec::is_empty) {
            stock_bands.clear();
        }
    }
    debug_assert_eq!(scn.reference(), reference);
    let data = ChartData::with_samples(&scn, summary, Arc::new(samples), stock_bands);
    verify_manifest(dir)?;
    Ok(SavedRun {
        scenario: scn,
        scenario_text,
        info,
        data,
    })
}
