//! `replications.parquet`: the rows and columns of `replications.csv` as typed Parquet
//! columns, zstd-compressed, through the Apache Arrow crates (cargo feature `parquet`).
//!
//! Columns, in the order of `replications.csv`: `replication` (`UInt64`), `strategy` and
//! `material` (dictionary-encoded strings: pandas reads them as categoricals), every
//! metric of [`Metric::ALL`] (`Float64`, null where the CSV field is empty), then
//! [`super::STRATEGY_TOTAL_COLUMN`] (`Float64`), then with sectors the
//! [`super::sector_columns`] (`Float64`, null where absent). Rows in replication, strategy, material
//! order, the same values bit for bit as the CSV's (which prints them shortest
//! round-trip). Reads the run a block at a time and hands the writer batches of
//! [`BATCH`] replications, so memory does not grow with the number of replications.

use crate::model::Scenario;
use crate::sim::{Block, Metric, Replications};
use crate::stats::{TotalMetric, total_value};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::{self, Write};
use std::sync::Arc;

/// Replications per record batch handed to the Parquet writer.
pub const BATCH: usize = 8192;

/// The Arrow schema of `replications.parquet` for scenario `scn` (its sector columns
/// depend on the scenario's sectors; none without).
pub fn schema(scn: &Scenario) -> SchemaRef {
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut fields = vec![
        Field::new("replication", DataType::UInt64, false),
        Field::new("strategy", dict.clone(), false),
        Field::new("material", dict, false),
    ];
    fields.extend(
        Metric::ALL
            .iter()
            .map(|m| Field::new(m.name(), DataType::Float64, true)),
    );
    fields.push(Field::new(
        super::STRATEGY_TOTAL_COLUMN,
        DataType::Float64,
        false,
    ));
    let sector_cols = super::sector_columns(scn);
    let n = sector_cols.len();
    fields.extend(sector_cols.into_iter().enumerate().map(|(i, name)| {
        // The GDP at risk (last) is always present.
        Field::new(name, DataType::Float64, i + 1 < n)
    }));
    Arc::new(Schema::new(fields))
}

/// Writes `replications.parquet` of a run to `out` (see the module documentation).
///
/// # Errors
/// Any I/O error of `out`; an error reading `res` or of the Parquet writer, as
/// [`io::ErrorKind::Other`].
pub fn write_replications_parquet<W: Write + Send, R: Replications + ?Sized>(
    out: W,
    scn: &Scenario,
    res: &R,
) -> io::Result<()> {
    let schema = schema(scn);
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(io::Error::other)?;
    let strategies: Arc<StringArray> = Arc::new(
        scn.strategies()
            .iter()
            .map(|s| Some(s.id.as_str()))
            .collect(),
    );
    let materials: Arc<StringArray> = Arc::new(
        scn.materials()
            .iter()
            .map(|m| Some(m.id.as_str()))
            .collect(),
    );
    for i in 0..res.n_blocks() {
        let block = res.block(i).map_err(io::Error::other)?;
        let mut a = 0;
        while a < block.len() {
            let b = (a + BATCH).min(block.len());
            let batch = record_batch(scn, &block, a..b, &schema, &strategies, &materials)?;
            w.write(&batch).map_err(io::Error::other)?;
            a = b;
        }
    }
    let mut out = w.into_inner().map_err(io::Error::other)?;
    out.flush()
}

/// The rows of replications `reps` (counted from the block's first) as one batch.
fn record_batch(
    scn: &Scenario,
    block: &Block,
    reps: std::ops::Range<usize>,
    schema: &SchemaRef,
    strategies: &Arc<StringArray>,
    materials: &Arc<StringArray>,
) -> io::Result<RecordBatch> {
    // The block's rows hold the materials, then the sectors: only the materials are rows
    // of the file (the sectors are columns).
    let (ns, nm) = (block.n_strategies(), scn.materials().len());
    let rows = reps.len() * ns * nm;
    let mut rep = Vec::with_capacity(rows);
    let mut strat = Vec::with_capacity(rows);
    let mut mat = Vec::with_capacity(rows);
    let mut metrics: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); Metric::ALL.len()];
    let mut total = Vec::with_capacity(rows);
    let n_sector_cols = super::sector_columns(scn).len();
    let mut sector_cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); n_sector_cols];
    let mut sectors = Vec::with_capacity(n_sector_cols);
    for r in reps {
        for s in 0..ns {
            let t = total_value(scn, block, r, s, TotalMetric::TotalCost);
            sectors.clear();
            super::csv_out::sector_values(scn, block, r, s, &mut sectors);
            for m in 0..nm {
                for (col, &v) in sector_cols.iter_mut().zip(&sectors) {
                    col.push(v);
                }
                rep.push(block.first() + r as u64);
                strat.push(s as i32);
                mat.push(m as i32);
                for (col, v) in metrics.iter_mut().zip(block.row(r, s, m).0) {
                    col.push((!v.is_nan()).then_some(v));
                }
                total.push(t);
            }
        }
    }
    let dict = |keys: Vec<i32>, values: &Arc<StringArray>| -> io::Result<ArrayRef> {
        let values: ArrayRef = values.clone();
        Ok(Arc::new(
            DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), values)
                .map_err(io::Error::other)?,
        ))
    };
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from(rep)),
        dict(strat, strategies)?,
        dict(mat, materials)?,
    ];
    columns.extend(
        metrics
            .into_iter()
            .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef),
    );
    columns.push(Arc::new(Float64Array::from(total)));
    columns.extend(
        sector_cols
            .into_iter()
            .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef),
    );
    RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)
}
