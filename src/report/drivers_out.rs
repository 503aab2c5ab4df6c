//! `drivers.csv` (and `drivers.parquet` with the cargo feature `parquet`): the
//! per-future drivers of a run ([`crate::sim::drivers`]), one row per replication in
//! replication order: `replication`, then every column of
//! [`crate::sim::drivers::columns`]. Binary and count columns are whole numbers; a first
//! onset day is empty when the shock did not occur; severities are written
//! shortest-round-trip.
//!
//! The drivers are re-drawn from the run's random streams a block of
//! [`crate::sim::BLOCK`] replications at a time (in the current rayon pool), so memory
//! does not grow with the number of replications and the bytes do not depend on the
//! thread count.

use crate::model::Scenario;
use crate::sim::{BLOCK, drivers};
use rayon::prelude::*;
use std::io::{self, Write};
use std::ops::Range;

/// File name of the per-future drivers as CSV.
pub const DRIVERS_CSV: &str = "drivers.csv";
/// File name of the per-future drivers as Parquet.
pub const DRIVERS_PARQUET: &str = "drivers.parquet";

/// Replications formatted per parallel task.
const ROWS_PER_TASK: usize = 2048;

/// Writes `drivers.csv` of replications `reps` of `scn` run with `seed` to `out`.
///
/// # Errors
/// Any I/O error of `out`.
pub fn write_drivers_csv<W: Write>(
    mut out: W,
    scn: &Scenario,
    seed: u64,
    reps: Range<u64>,
) -> io::Result<()> {
    let cols = drivers::columns(scn);
    let f = cols.len();
    let mut header = String::from("replication");
    for c in &cols {
        header.push(',');
        header.push_str(&c.name.to_string());
    }
    header.push('\n');
    out.write_all(header.as_bytes())?;
    let mut a = reps.start;
    while a < reps.end {
        let b = (a + BLOCK).min(reps.end);
        let values = drivers::sample(scn, seed, a..b);
        let bufs: Vec<Vec<u8>> = values
            .par_chunks(ROWS_PER_TASK * f.max(1))
            .enumerate()
            .map(|(k, chunk)| {
                let mut buf = Vec::with_capacity(chunk.len() * 3);
                let first = a + (k * ROWS_PER_TASK) as u64;
                for (i, row) in chunk.chunks(f.max(1)).enumerate() {
                    let _ = write!(buf, "{}", first + i as u64);
                    for &v in row.iter().take(f) {
                        buf.push(b',');
                        if !v.is_nan() {
                            let _ = write!(buf, "{v}");
                        }
                    }
                    buf.push(b'\n');
                }
                buf
            })
            .collect();
        for buf in &bufs {
            out.write_all(buf)?;
        }
        a = b;
    }
    out.flush()
}

/// Writes `drivers.parquet` of replications `reps` of `scn` run with `seed` to `out`:
/// `replication` (`UInt64`) and one `Float64` column per driver (null where the CSV
/// field is empty), zstd-compressed, one record batch per block.
///
/// # Errors
/// Any I/O error of `out` or of the Parquet writer.
#[cfg(feature = "parquet")]
pub fn write_drivers_parquet<W: Write + Send>(
    out: W,
    scn: &Scenario,
    seed: u64,
    reps: Range<u64>,
) -> io::Result<()> {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    let cols = drivers::columns(scn);
    let f = cols.len();
    let mut fields = vec![Field::new("replication", DataType::UInt64, false)];
    fields.extend(
        cols.iter()
            .map(|c| Field::new(c.name.to_string(), DataType::Float64, true)),
    );
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(io::Error::other)?;
    let mut a = reps.start;
    while a < reps.end {
        let b = (a + BLOCK).min(reps.end);
        let values = drivers::sample(scn, seed, a..b);
        let n = (b - a) as usize;
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(UInt64Array::from((a..b).collect::<Vec<_>>()))];
        for k in 0..f {
            let col: Vec<Option<f64>> = (0..n)
                .map(|r| {
                    let v = values[r * f + k];
                    (!v.is_nan()).then_some(v)
                })
                .collect();
            columns.push(Arc::new(Float64Array::from(col)));
        }
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)?;
        w.write(&batch).map_err(io::Error::other)?;
        a = b;
    }
    let mut out = w.into_inner().map_err(io::Error::other)?;
    out.flush()
}
