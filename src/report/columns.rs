//! Scratch column files: the per-replication samples of a saved `replications.csv`,
//! kept on disk column by column while the file is read once, row by row, so that
//! `chokepoint report` re-renders the charts of a run of any size with memory that does
//! not grow with strategies × materials × replications (a chart reads one column at a
//! time, as from a spill file; docs/storage.md).
//!
//! One scratch file in a private temporary folder (deleted when the [`ColumnFiles`] is
//! dropped), column-major: column `c` holds replications `0..n` as little-endian `f64`
//! at byte `8 · (c · n + r)`. Each column is buffered in memory for a few thousand
//! values and written at its place when the buffer fills. Uses `tempfile`; no other
//! layer.

use crate::charts::{SAMPLE_METRICS, SampleError, Samples};
use crate::sim::Metric;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// Values buffered for all columns together before they are written (8 B each): 4 MB.
const BUFFER_VALUES: usize = 1 << 19;

/// The [`Samples`] of a run ([`SAMPLE_METRICS`] per strategy and material, each
/// strategy's total cost and, for runs with sectors, each strategy's GDP at risk) in a
/// scratch file, filled by [`ColumnWriter`].
pub struct ColumnFiles {
    _dir: tempfile::TempDir,
    path: PathBuf,
    file: Mutex<File>,
    ns: usize,
    nm: usize,
    n: usize,
    /// Whether the file holds a GDP-at-risk column per strategy ([`gdp_col`]).
    gdp: bool,
}

/// Fills the scratch file of a [`ColumnFiles`] one value at a time, column by column
/// in replication order.
pub struct ColumnWriter {
    files: ColumnFiles,
    /// Values pushed so far, per column.
    counts: Vec<usize>,
    /// Values not yet written, per column.
    pending: Vec<Vec<f64>>,
    chunk: usize,
}

/// Index of the column of sample metric `k` of strategy `s` and material `m`.
fn metric_col(ns: usize, nm: usize, k: usize, s: usize, m: usize) -> usize {
    (k * ns + s) * nm + m
}

/// Index of the total-cost column of strategy `s`.
fn total_col(ns: usize, nm: usize, s: usize) -> usize {
    SAMPLE_METRICS.len() * ns * nm + s
}

/// Index of the GDP-at-risk column of strategy `s` (files with sectors only), after the
/// total costs.
fn gdp_col(ns: usize, nm: usize, s: usize) -> usize {
    SAMPLE_METRICS.len() * ns * nm + ns + s
}

impl ColumnWriter {
    /// A scratch file for `n` replications of `ns` strategies and `nm` materials, in a
    /// new temporary folder.
    ///
    /// # Errors
    /// When the folder or file cannot be created.
    pub fn create(ns: usize, nm: usize, n: usize) -> std::io::Result<ColumnWriter> {
        ColumnWriter::create_with(ns, nm, n, false)
    }

    /// As [`ColumnWriter::create`], with a GDP-at-risk column per strategy when `gdp`
    /// (runs with sectors: `replications.csv`'s `strategy_value_added_lost`), filled by
    /// [`ColumnWriter::push_gdp_at_risk`].
    ///
    /// # Errors
    /// When the folder or file cannot be created.
    pub fn create_with(ns: usize, nm: usize, n: usize, gdp: bool) -> std::io::Result<ColumnWriter> {
        let dir = tempfile::Builder::new()
            .prefix("chokepoint-report-")
            .tempdir()?;
        let path = dir.path().join("columns.bin");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        let n_cols = SAMPLE_METRICS.len() * ns * nm + ns + if gdp { ns } else { 0 };
        let chunk = (BUFFER_VALUES / n_cols.max(1)).clamp(512, 1 << 16);
        Ok(ColumnWriter {
            files: ColumnFiles {
                _dir: dir,
                path,
                file: Mutex::new(file),
                ns,
                nm,
                n,
                gdp,
            },
            counts: vec![0; n_cols],
            pending: vec![Vec::new(); n_cols],
            chunk,
        })
    }

    /// Appends the next value of sample metric number `k` (of [`SAMPLE_METRICS`]) of
    /// strategy `s` and material `m`.
    ///
    /// # Errors
    /// When a full buffer cannot be written, or the column already holds `n` values.
    pub fn push_metric(&mut self, k: usize, s: usize, m: usize, v: f64) -> std::io::Result<()> {
        let (ns, nm) = (self.files.ns, self.files.nm);
        self.push(metric_col(ns, nm, k, s, m), v)
    }

    /// Appends the next total cost of strategy `s`.
    ///
    /// # Errors
    /// As [`ColumnWriter::push_metric`].
    pub fn push_total_cost(&mut self, s: usize, v: f64) -> std::io::Result<()> {
        let (ns, nm) = (self.files.ns, self.files.nm);
        self.push(total_col(ns, nm, s), v)
    }

    /// Appends the next GDP at risk (value added lost over the sectors) of strategy `s`.
    ///
    /// # Errors
    /// As [`ColumnWriter::push_metric`]; also when the file was created without GDP
    /// columns.
    pub fn push_gdp_at_risk(&mut self, s: usize, v: f64) -> std::io::Result<()> {
        if !self.files.gdp {
            return Err(std::io::Error::other("no GDP-at-risk columns"));
        }
        let (ns, nm) = (self.files.ns, self.files.nm);
        self.push(gdp_col(ns, nm, s), v)
    }

    fn push(&mut self, c: usize, v: f64) -> std::io::Result<()> {
        if self.counts[c] + self.pending[c].len() >= self.files.n {
            return Err(std::io::Error::other(
                "more rows than summary.json's replications",
            ));
        }
        self.pending[c].push(v);
        if self.pending[c].len() >= self.chunk {
            self.flush(c)?;
        }
        Ok(())
    }

    fn flush(&mut self, c: usize) -> std::io::Result<()> {
        let values = std::mem::take(&mut self.pending[c]);
        if values.is_empty() {
            return Ok(());
        }
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let offset = 8 * (c * self.files.n + self.counts[c]) as u64;
        let file = self
            .files
            .file
            .get_mut()
            .map_err(|_| std::io::Error::other("scratch file poisoned"))?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(&bytes)?;
        self.counts[c] += values.len();
        self.pending[c] = values;
        self.pending[c].clear();
        Ok(())
    }

    /// Writes what is buffered and returns the columns, or, when a column does not hold
    /// exactly `n` values, the number of values of the first such column.
    ///
    /// # Errors
    /// When the file cannot be written; `Ok(Err(count))` for a short column.
    pub fn finish(mut self) -> std::io::Result<Result<ColumnFiles, usize>> {
        for c in 0..self.pending.len() {
            self.flush(c)?;
        }
        if let Some(&short) = self.counts.iter().find(|&&k| k != self.files.n) {
            return Ok(Err(short));
        }
        self.files
            .file
            .get_mut()
            .map_err(|_| std::io::Error::other("scratch file poisoned"))?
            .flush()?;
        Ok(Ok(self.files))
    }
}

impl ColumnFiles {
    fn read_column(&self, c: usize) -> Result<Vec<f64>, SampleError> {
        let mut bytes = vec![0u8; 8 * self.n];
        {
            let mut file = self
                .file
                .lock()
                .map_err(|_| format!("scratch file {} poisoned", self.path.display()))?;
            file.seek(SeekFrom::Start(8 * (c * self.n) as u64))?;
            file.read_exact(&mut bytes).map_err(|e| {
                format!(
                    "could not read the scratch file {}: {e}",
                    self.path.display()
                )
            })?;
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect())
    }
}

impl Samples for ColumnFiles {
    fn metric(&self, s: usize, m: usize, metric: Metric) -> Result<Vec<f64>, SampleError> {
        let k = SAMPLE_METRICS
            .iter()
            .position(|&x| x == metric)
            .ok_or_else(|| format!("{} is not a chart sample metric", metric.name()))?;
        self.read_column(metric_col(self.ns, self.nm, k, s, m))
    }

    fn total_cost(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        self.read_column(total_col(self.ns, self.nm, s))
    }

    fn has_gdp_at_risk(&self) -> bool {
        self.gdp
    }

    fn gdp_at_risk(&self, s: usize) -> Result<Vec<f64>, SampleError> {
        if !self.gdp {
            return Ok(Vec::new());
        }
        self.read_column(gdp_col(self.ns, self.nm, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_back_as_pushed_in_row_order() {
        // 2 strategies, 3 materials, 1,500 replications: more than one buffer per column.
        let (ns, nm, n) = (2, 3, 1500);
        let mut w = ColumnWriter::create(ns, nm, n).unwrap();
        let val = |k: usize, s: usize, m: usize, r: usize| {
            (k * 1_000_000 + s * 10_000 + m * 1000 + r) as f64
        };
        for r in 0..n {
            for s in 0..ns {
                w.push_total_cost(s, -(r as f64) - s as f64).unwrap();
                for m in 0..nm {
                    for k in 0..3 {
                        let v = if r % 7 == 0 {
                            f64::NAN
                        } else {
                            val(k, s, m, r)
                        };
                        w.push_metric(k, s, m, v).unwrap();
                    }
                }
            }
        }
        let files = w.finish().unwrap().unwrap();
        for (k, &metric) in SAMPLE_METRICS.iter().enumerate() {
            for s in 0..ns {
                for m in 0..nm {
                    let col = files.metric(s, m, metric).unwrap();
                    assert_eq!(col.len(), n);
                    for (r, v) in col.iter().enumerate() {
                        if r % 7 == 0 {
                            assert!(v.is_nan());
                        } else {
                            assert_eq!(*v, val(k, s, m, r));
                        }
                    }
                }
            }
        }
        assert_eq!(files.total_cost(1).unwrap()[10], -11.0);
    }

    #[test]
    fn gdp_columns_read_back_after_the_total_costs() {
        // 2 strategies, 1 material, 700 replications; with GDP columns each strategy's
        // GDP at risk reads back as pushed, its total cost unchanged; without, none.
        let (ns, nm, n) = (2, 1, 700);
        let mut w = ColumnWriter::create_with(ns, nm, n, true).unwrap();
        for r in 0..n {
            for s in 0..ns {
                w.push_total_cost(s, r as f64).unwrap();
                w.push_gdp_at_risk(s, 1e9 * s as f64 + r as f64).unwrap();
                for k in 0..3 {
                    w.push_metric(k, s, 0, -1.0).unwrap();
                }
            }
        }
        let files = w.finish().unwrap().unwrap();
        assert!(files.has_gdp_at_risk());
        let g = files.gdp_at_risk(1).unwrap();
        assert_eq!(g.len(), n);
        assert_eq!((g[0], g[699]), (1e9, 1e9 + 699.0));
        assert_eq!(files.total_cost(1).unwrap()[5], 5.0);
        // A GDP column left short is refused like any other.
        let mut w = ColumnWriter::create_with(1, 1, 1, true).unwrap();
        w.push_total_cost(0, 1.0).unwrap();
        for k in 0..3 {
            w.push_metric(k, 0, 0, 1.0).unwrap();
        }
        assert!(matches!(w.finish().unwrap(), Err(0)));
        let mut w = ColumnWriter::create(1, 1, 1).unwrap();
        assert!(w.push_gdp_at_risk(0, 1.0).is_err());
    }

    #[test]
    fn a_short_column_is_reported() {
        let mut w = ColumnWriter::create(1, 1, 3).unwrap();
        w.push_total_cost(0, 1.0).unwrap();
        for k in 0..3 {
            w.push_metric(k, 0, 0, 1.0).unwrap();
        }
        assert!(matches!(w.finish().unwrap(), Err(1)));
        let mut w = ColumnWriter::create(1, 1, 1).unwrap();
        w.push_total_cost(0, 1.0).unwrap();
        assert!(w.push_total_cost(0, 2.0).is_err());
    }
}
