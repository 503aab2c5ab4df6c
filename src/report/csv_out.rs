//! Tidy CSV outputs. Absent values and statistics that cannot be computed are empty
//! fields (never `NaN`); floats are written shortest-round-trip.
//!
//! - `summary.csv`: one row per strategy × material × metric, then per strategy the
//!   pseudo-material `total` × total metric ([`SUMMARY_CSV_HEADER`]); with sectors, then
//!   one row per sector × sector metric (the sector's id in the `material` column) and
//!   `total` × `value_added_lost`, the GDP at risk.
//! - `replications.csv`: one row per replication × strategy × material, every metric
//!   a column, then `strategy_total_cost`: the strategy's total cost in that
//!   replication (every material's `total_cost` plus the strategy's fixed cost
//!   `annual_cost × horizon / 365`), repeated on each material's row, so its mean over
//!   one material's rows is `summary.json`'s `total.total_cost` mean; `replication` is
//!   the absolute index (`first_replication + r`). With sectors, then the sector
//!   columns ([`sector_columns`]): `sector.<id>.<metric>` for every sector and sector
//!   metric, and [`STRATEGY_VALUE_ADDED_LOST_COLUMN`], the GDP at risk of the strategy
//!   in that replication, each also repeated on every material's row. Without sectors
//!   there are none and the file is as before.
//! - `daily.csv`: one row per strategy × material × day × series with the band
//!   quantiles `p5, p25, p50, p75, p95` (histogram resolution, see
//!   [`crate::stats::daily`]).

use crate::model::{Scenario, SubjectId};
use crate::sim::{Block, Metric, N_METRICS, Replications, SectorMetric};
use crate::stats::{DailyBand, Paired, Stats, Summary, TOTAL, TotalMetric, total_value};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

/// Columns of `summary.csv`, in order.
pub const SUMMARY_CSV_HEADER: [&str; 19] = [
    "strategy",
    "material",
    "metric",
    "n",
    "share",
    "mean",
    "se",
    "ci95_lo",
    "ci95_hi",
    "p50",
    "p90",
    "p95",
    "p99",
    "cvar95",
    "prob_positive",
    "mean_diff_vs_ref",
    "diff_ci95_lo",
    "diff_ci95_hi",
    "prob_better",
];

/// One row of `summary.csv` (field names are the header, see [`SUMMARY_CSV_HEADER`]).
#[derive(Serialize)]
struct SummaryRow<'a> {
    strategy: &'a str,
    material: &'a str,
    metric: &'a str,
    n: usize,
    share: Option<f64>,
    mean: Option<f64>,
    se: Option<f64>,
    ci95_lo: Option<f64>,
    ci95_hi: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
    cvar95: Option<f64>,
    prob_positive: Option<f64>,
    mean_diff_vs_ref: Option<f64>,
    diff_ci95_lo: Option<f64>,
    diff_ci95_hi: Option<f64>,
    prob_better: Option<f64>,
}

impl<'a> SummaryRow<'a> {
    fn new(
        strategy: &'a str,
        material: &'a str,
        metric: &'a str,
        st: &Stats,
        vs: Option<&Paired>,
    ) -> Self {
        SummaryRow {
            strategy,
            material,
            metric,
            n: st.n,
            share: st.share,
            mean: st.mean,
            se: st.se,
            ci95_lo: st.ci95.map(|c| c[0]),
            ci95_hi: st.ci95.map(|c| c[1]),
            p50: st.p50,
            p90: st.p90,
            p95: st.p95,
            p99: st.p99,
            cvar95: st.cvar95,
            prob_positive: st.prob_positive,
            mean_diff_vs_ref: vs.and_then(|p| p.mean_diff),
            diff_ci95_lo: vs.and_then(|p| p.ci95).map(|c| c[0]),
            diff_ci95_hi: vs.and_then(|p| p.ci95).map(|c| c[1]),
            prob_better: vs.and_then(|p| p.prob_better),
        }
    }
}

/// `summary.csv` of a summary: rows follow the summary's order (strategies, their
/// materials, metrics in map order, then `total` and its metrics). Works on a summary
/// re-read from JSON as well as a fresh one.
pub fn summary_csv(summary: &Summary) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(SUMMARY_CSV_HEADER)
        .expect("writing CSV to memory cannot fail");
    for s in &summary.strategies {
        let blocks = s
            .materials
            .iter()
            .map(|m| (SubjectId::Material(m.id.clone()), &m.metrics))
            .chain(std::iter::once((SubjectId::Total, &s.total.metrics)));
        for (subject, metrics) in blocks {
            let pairs = s.vs_reference.of(&subject);
            for (name, st) in metrics.iter() {
                let vs = pairs.and_then(|p| p.get(name));
                w.serialize(SummaryRow::new(
                    s.id.as_str(),
                    subject.as_str(),
                    name,
                    st,
                    vs,
                ))
                .expect("flat rows serialise to memory without error");
            }
        }
        // The sector layer: each sector's rows, then the GDP at risk as the `total` of
        // `value_added_lost` (a name no material total has).
        let sectors = s
            .sectors
            .iter()
            .map(|k| (k.id.as_str(), &k.metrics, &k.vs_reference))
            .chain(
                s.sector_total
                    .iter()
                    .map(|t| (TOTAL, &t.metrics, &t.vs_reference)),
            );
        for (id, metrics, pairs) in sectors {
            for (name, st) in metrics.iter() {
                w.serialize(SummaryRow::new(
                    s.id.as_str(),
                    id,
                    name,
                    st,
                    pairs.get(name),
                ))
                .expect("flat rows serialise to memory without error");
            }
        }
    }
    let bytes = w.into_inner().expect("flushing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// Name of the per-replication strategy total column of `replications.csv`.
pub const STRATEGY_TOTAL_COLUMN: &str = "strategy_total_cost";

/// Name of the per-replication GDP at risk column of `replications.csv` (scenarios with
/// sectors only): the strategy's `value_added_lost` summed over its sectors in sector
/// order, the bits of [`crate::stats::value_added_lost_column`], so its mean over one
/// material's rows is `summary.json`'s `sector_total` `value_added_lost` mean.
pub const STRATEGY_VALUE_ADDED_LOST_COLUMN: &str = "strategy_value_added_lost";

/// Prefix of a sector's columns in `replications.csv` and `replications.parquet`:
/// `sector.<id>.<metric>` (the parameter paths' spelling of a sector).
pub const SECTOR_COLUMN_PREFIX: &str = "sector.";

/// The sector columns of `replications.csv` and `replications.parquet`, after
/// [`STRATEGY_TOTAL_COLUMN`]: for each sector in scenario order, `sector.<id>.<metric>`
/// for every [`SectorMetric`] in [`SectorMetric::ALL`] order, then
/// [`STRATEGY_VALUE_ADDED_LOST_COLUMN`]. Empty without sectors.
pub fn sector_columns(scn: &Scenario) -> Vec<String> {
    if scn.sectors().is_empty() {
        return Vec::new();
    }
    let mut cols: Vec<String> = scn
        .sectors()
        .iter()
        .flat_map(|k| {
            SectorMetric::ALL
                .iter()
                .map(move |x| format!("{SECTOR_COLUMN_PREFIX}{}.{}", k.id, x.name()))
        })
        .collect();
    cols.push(STRATEGY_VALUE_ADDED_LOST_COLUMN.to_string());
    cols
}

/// Appends the values of the [`sector_columns`] of replication `r` (counted from the
/// block's first) and strategy `s` to `out` (`None` where a value is absent); nothing
/// without sectors.
pub(crate) fn sector_values(
    scn: &Scenario,
    block: &Block,
    r: usize,
    s: usize,
    out: &mut Vec<Option<f64>>,
) {
    if scn.sectors().is_empty() {
        return;
    }
    let nm = scn.materials().len();
    // Summed in sector order from 0.0, as `value_added_lost_column` does.
    let mut gdp = 0.0;
    for k in 0..scn.sectors().len() {
        let row = block.row(r, s, nm + k);
        out.extend(
            SectorMetric::ALL
                .iter()
                .map(|x| row.0[x.index()])
                .map(|v| (!v.is_nan()).then_some(v)),
        );
        gdp += row.0[SectorMetric::ValueAddedLost.index()];
    }
    out.push(Some(gdp));
}

/// Rows per formatting task of [`write_replications_csv`] (about 2.5 MB of CSV):
/// 2,048 replications of `scenarios/bench.toml` (10 rows each), 50 of the flagship
/// (405 rows each, with its sectors). Counted in rows, so a scenario with many rows per
/// replication still makes many tasks (counted in replications, the flagship's 20,000
/// futures made 10 tasks, one window, and nothing to write while formatting).
const CSV_CHUNK_ROWS: usize = 20_480;

/// Replications per formatting task for `rows_per_rep` rows per replication.
fn csv_chunk(rows_per_rep: usize) -> usize {
    (CSV_CHUNK_ROWS / rows_per_rep.max(1)).max(1)
}

/// Formatting tasks in flight at once in [`InOrder`]: two per thread,
/// at least 4. Bounds the memory held (10 MB per window on 2 threads) whatever the run's
/// size, and keeps the window written while the next is formatted short, so that the
/// last window's write, which nothing overlaps, is short too.
fn csv_window() -> usize {
    (2 * rayon::current_num_threads()).max(4)
}

/// Text formatted in parallel chunks and written in order: each window of
/// [`csv_window`] chunks is formatted (in the current rayon pool) while the window before
/// it is written, so the serial write (and the caller's hashing) overlaps the parallel
/// formatting. A chunk's bytes depend on that chunk alone, so the text is the same
/// whatever the thread count.
#[derive(Default)]
struct InOrder {
    /// The last window formatted, not written yet.
    pending: Vec<Vec<u8>>,
}

impl InOrder {
    /// Formats chunks `0..n_chunks` with `format` and writes them, in order, after
    /// everything fed before.
    fn feed<W: Write + Send>(
        &mut self,
        out: &mut W,
        n_chunks: usize,
        format: impl Fn(usize) -> Vec<u8> + Sync,
    ) -> io::Result<()> {
        for window in (0..n_chunks).collect::<Vec<_>>().chunks(csv_window()) {
            let previous = std::mem::take(&mut self.pending);
            let (written, bufs) = rayon::join(
                || write_bufs(out, &previous),
                || window.par_iter().map(|&c| format(c)).collect(),
            );
            written?;
            self.pending = bufs;
        }
        Ok(())
    }

    /// Writes the last window and flushes `out`.
    fn finish<W: Write>(self, out: &mut W) -> io::Result<()> {
        write_bufs(out, &self.pending)?;
        out.flush()
    }
}

/// Writes `bufs` one after the other.
fn write_bufs<W: Write>(out: &mut W, bufs: &[Vec<u8>]) -> io::Result<()> {
    for b in bufs {
        out.write_all(b)?;
    }
    Ok(())
}

/// Writes `replications.csv` of a run to `out`: header `replication, strategy,
/// material,` then every metric in [`Metric::ALL`] order, then [`STRATEGY_TOTAL_COLUMN`]
/// (the strategy's total cost in the replication, [`crate::stats::total_value`], the
/// same on every material's row), then the [`sector_columns`] (none without sectors);
/// `R × S × M` rows in replication, strategy, material
/// order.
///
/// Reads `res` one block at a time; a block's rows are formatted in parallel chunks of
/// replications (in the current rayon pool), at most `csv_window()` chunks at a time,
/// and written in replication order, each window while the next one is formatted. A row's bytes depend on that row alone, so the
/// file is the same bytes as one written row by row, whatever the thread count or the
/// store's block sizes.
///
/// # Errors
/// Any I/O error of `out`; an error reading `res`, as [`io::ErrorKind::Other`].
pub fn write_replications_csv<W: Write + Send, R: Replications + ?Sized>(
    mut out: W,
    scn: &Scenario,
    res: &R,
) -> io::Result<()> {
    let mut header = vec!["replication", "strategy", "material"];
    header.extend(Metric::ALL.iter().map(|m| m.name()));
    header.push(STRATEGY_TOTAL_COLUMN);
    let sector_cols = sector_columns(scn);
    header.extend(sector_cols.iter().map(String::as_str));
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(&header)
        .expect("writing CSV to memory cannot fail");
    out.write_all(&w.into_inner().expect("flushing CSV to memory cannot fail"))?;
    // Each window is formatted while the previous one is written (and hashed by the
    // caller's writer): the serial write overlaps the parallel formatting.
    let mut in_order = InOrder::default();
    for i in 0..res.n_blocks() {
        let block = res.block(i).map_err(io::Error::other)?;
        let chunk = csv_chunk(block.n_strategies() * block.n_materials());
        in_order.feed(&mut out, block.len().div_ceil(chunk), |c| {
            let a = c * chunk;
            replication_rows(scn, &block, a..(a + chunk).min(block.len()))
        })?;
    }
    in_order.finish(&mut out)
}

/// The rows of `replications.csv` for the replications `reps` (counted from the block's
/// first), without header.
///
/// Written directly rather than through the `csv` crate's serializer (a third of the
/// output phase's CPU went to serde and quoting checks), with the same bytes: the `csv`
/// serializer writes a float with `ryu::Buffer::format` (the same crate, so the same
/// text, `NaN` and `inf` included), an absent value as an empty field, and quotes
/// nothing here (ids are lowercase letters, digits and `_`, numbers digits, `.`, `-`,
/// `e`); records end with `\n`. A unit test compares it with the serializer's bytes.
fn replication_rows(scn: &Scenario, block: &Block, reps: std::ops::Range<usize>) -> Vec<u8> {
    // A row of bench.toml is about 110 bytes.
    let (ns, slots) = (block.n_strategies(), block.n_materials());
    let mut out = Vec::with_capacity(reps.len() * ns * slots * 128);
    let n = block.len();
    let array = block.values().as_standard_layout();
    let values = array
        .as_slice()
        .expect("an array in standard layout is one slice");
    let mut fmt = ryu::Buffer::new();
    let mut sectors = Vec::new();
    for r in reps {
        let rep = block.first() + r as u64;
        for (s, strat) in scn.strategies().iter().enumerate() {
            let sid = strat.id.as_str();
            debug_assert!(crate::model::valid_id(sid), "ids need no CSV quoting");
            let total = total_value(scn, block, r, s, TotalMetric::TotalCost);
            sectors.clear();
            sector_values(scn, block, r, s, &mut sectors);
            for (m, mat) in scn.materials().iter().enumerate() {
                let mid = mat.id.as_str();
                debug_assert!(crate::model::valid_id(mid), "ids need no CSV quoting");
                // Writing to a vector cannot fail.
                let _ = write!(out, "{rep},{sid},{mid}");
                // Metric k of (s, m) is at ((s * slots + m) * N_METRICS + k) * n + r.
                let at = (s * slots + m) * N_METRICS * n + r;
                for k in 0..N_METRICS {
                    out.push(b',');
                    let x = values[at + k * n];
                    if !x.is_nan() {
                        out.extend_from_slice(fmt.format(x).as_bytes());
                    }
                }
                out.push(b',');
                out.extend_from_slice(fmt.format(total).as_bytes());
                for v in &sectors {
                    out.push(b',');
                    if let Some(v) = v {
                        out.extend_from_slice(fmt.format(*v).as_bytes());
                    }
                }
                out.push(b'\n');
            }
        }
    }
    out
}

/// [`replication_rows`] through the `csv` crate's serializer: the reference its bytes
/// are checked against.
#[cfg(test)]
fn replication_rows_serde(scn: &Scenario, block: &Block, reps: std::ops::Range<usize>) -> Vec<u8> {
    // A row of bench.toml is about 110 bytes.
    let rows = reps.len() * block.n_strategies() * block.n_materials();
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(rows * 128));
    let mut sectors = Vec::new();
    for r in reps {
        let rep = block.first() + r as u64;
        for (s, strat) in scn.strategies().iter().enumerate() {
            let sid = strat.id.as_str();
            let total = total_value(scn, block, r, s, TotalMetric::TotalCost);
            sectors.clear();
            sector_values(scn, block, r, s, &mut sectors);
            for (m, mat) in scn.materials().iter().enumerate() {
                let mid = mat.id.as_str();
                let v = block.row(r, s, m).0.map(|x| (!x.is_nan()).then_some(x));
                // The csv serializer flattens the nested array and sequence into fields
                // (an empty one adds none).
                w.serialize((rep, sid, mid, v, total, sectors.as_slice()))
                    .expect("flat rows serialise to memory without error");
            }
        }
    }
    w.into_inner().expect("flushing CSV to memory cannot fail")
}

/// The band columns of `daily.csv` (quantiles over replications), low to high.
pub const DAILY_BAND_COLUMNS: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

/// Columns of `daily.csv`, in order.
pub const DAILY_CSV_HEADER: [&str; 9] = [
    "strategy", "material", "day", "series", "p5", "p25", "p50", "p75", "p95",
];

/// One row of `daily.csv`, for the serializer the direct rows are checked against.
#[cfg(test)]
#[derive(Serialize)]
struct DailyRow<'a> {
    strategy: &'a str,
    material: &'a str,
    day: usize,
    series: &'a str,
    p5: Option<f64>,
    p25: Option<f64>,
    p50: Option<f64>,
    p75: Option<f64>,
    p95: Option<f64>,
}

/// Rows of `daily.csv` formatted by one task (about 100 kB of text).
const DAILY_CHUNK_ROWS: usize = 1024;

/// Writes `daily.csv` of a run's daily bands (from [`crate::stats::daily_bands`]) to
/// `out`: header `strategy, material, day, series, p5, p25, p50, p75, p95`; one row per
/// band, `S × M × H × 5` rows in their order.
///
/// The rows are formatted in parallel chunks and written in order, as those of
/// `replications.csv`, with the bytes of the `csv` crate's serializer (a unit test
/// compares them). Written after the statistics with nothing beside it, the file kept
/// one thread busy and the others idle for 0.1 s at 100,000 futures of
/// `scenarios/bench.toml` through the serializer.
///
/// # Errors
/// Any I/O error of `out`.
pub fn write_daily_csv<W: Write + Send>(
    mut out: W,
    scn: &Scenario,
    bands: &[DailyBand],
) -> io::Result<()> {
    out.write_all(DAILY_CSV_HEADER.join(",").as_bytes())?;
    out.write_all(b"\n")?;
    let mut in_order = InOrder::default();
    let chunks: Vec<&[DailyBand]> = bands.chunks(DAILY_CHUNK_ROWS).collect();
    in_order.feed(&mut out, chunks.len(), |c| daily_rows(scn, chunks[c]))?;
    in_order.finish(&mut out)
}

/// The rows of `daily.csv` for `bands`, without header.
///
/// Written directly, with the bytes of the `csv` crate's serializer (as
/// [`replication_rows`]): ids and series names need no quoting, the day is an integer, a
/// quantile is formatted by `ryu::Buffer::format` and an absent one is an empty field.
/// A unit test compares it with the serializer's bytes.
fn daily_rows(scn: &Scenario, bands: &[DailyBand]) -> Vec<u8> {
    // A row of bench.toml is about 100 bytes.
    let mut out = Vec::with_capacity(bands.len() * 112);
    let mut fmt = ryu::Buffer::new();
    for &DailyBand {
        strategy,
        material,
        day,
        series,
        q,
    } in bands
    {
        let sid = scn.strategies()[strategy].id.as_str();
        let mid = scn.materials()[material].id.as_str();
        debug_assert!(
            crate::model::valid_id(sid) && crate::model::valid_id(mid),
            "ids need no CSV quoting"
        );
        // Writing to a vector cannot fail.
        let _ = write!(out, "{sid},{mid},{day},{}", series.name());
        for x in q {
            out.push(b',');
            if let Some(x) = x {
                out.extend_from_slice(fmt.format(x).as_bytes());
            }
        }
        out.push(b'\n');
    }
    out
}

/// `daily.csv` through the `csv` crate's serializer: the reference [`write_daily_csv`]'s
/// bytes are checked against.
#[cfg(test)]
fn write_daily_csv_serde<W: Write>(out: W, scn: &Scenario, bands: &[DailyBand]) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(DAILY_CSV_HEADER)?;
    for &DailyBand {
        strategy,
        material,
        day,
        series,
        q,
    } in bands
    {
        w.serialize(DailyRow {
            strategy: scn.strategies()[strategy].id.as_str(),
            material: scn.materials()[material].id.as_str(),
            day,
            series: series.name(),
            p5: q[0],
            p25: q[1],
            p50: q[2],
            p75: q[3],
            p95: q[4],
        })?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    fn scenario(text: &str) -> Scenario {
        crate::scenario::parse_scenario("test.toml", text).expect("a shipped scenario parses")
    }

    /// The next of a fixed-seed sequence of values awkward for a float formatter:
    /// integers, fractions, tiny and huge magnitudes, subnormals, `-0`, random bit
    /// patterns, NaN and infinities.
    fn awkward(state: &mut u64) -> f64 {
        const SPECIAL: [f64; 16] = [
            0.0,
            -0.0,
            1.0,
            100.0,
            0.1,
            0.30000000000000004,
            1e16,
            1e21,
            1e-7,
            5e-324,
            f64::MAX,
            -f64::MIN_POSITIVE,
            123_456_789_012_345_680.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = *state >> 11;
        match x % 4 {
            0 => SPECIAL[(x >> 2) as usize % SPECIAL.len()],
            1 => f64::from_bits(x.rotate_left(13) ^ *state),
            2 => (x % 100_000) as f64 / 7.0,
            _ => (x % 1000) as f64,
        }
    }

    /// A block of `n` replications of [`awkward`] values (NaN is an absent value).
    fn awkward_block(scn: &Scenario, n: usize) -> Block {
        let shape = (scn.strategies().len(), scn.n_slots(), N_METRICS, n);
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let values = Array4::from_shape_fn(shape, |_| awkward(&mut state));
        Block::from_array(1_000_000, values)
    }

    /// Fails, naming the first line that differs, unless `got` and `want` are the same
    /// bytes.
    fn assert_same_text(what: &str, got: &[u8], want: &[u8]) {
        if got != want {
            let (g, w) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
            let line = g.lines().zip(w.lines()).position(|(a, b)| a != b);
            panic!(
                "{what}: first different line {line:?} of {} (got {} lines):\n got:  {:?}\n want: {:?}",
                w.lines().count(),
                g.lines().count(),
                line.and_then(|i| g.lines().nth(i)),
                line.and_then(|i| w.lines().nth(i))
            );
        }
    }

    /// The rows written directly are the bytes of the `csv` crate's serializer, value
    /// by value, with and without sectors. Breaking the direct writer (e.g. formatting
    /// with `{}` instead of `ryu`, or writing `NaN` for an absent value) fails it.
    #[test]
    fn direct_rows_are_the_serializers_bytes() {
        for text in [
            include_str!("../../scenarios/bench.toml"),
            include_str!("../../scenarios/bench_sectors.toml"),
        ] {
            let scn = scenario(text);
            let block = awkward_block(&scn, 300);
            let got = replication_rows(&scn, &block, 0..300);
            let want = replication_rows_serde(&scn, &block, 0..300);
            assert!(!want.is_empty());
            assert_same_text(scn.name(), &got, &want);
        }
    }

    /// A whole file of more than one window of formatting tasks (each window written
    /// while the next is formatted) is the header and every row in replication order.
    /// Breaking the pipeline (dropping or reordering a window) fails it.
    #[test]
    fn a_file_of_several_windows_keeps_replication_order() {
        let scn = scenario(include_str!("../../scenarios/bench.toml"));
        // Two threads: windows of 4 tasks; bench.toml has 10 rows per replication.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool");
        let chunk = csv_chunk(10);
        let n = chunk * (pool.install(csv_window) + 2) + 5;
        let block = awkward_block(&scn, n);
        // Rows of a RunResult, from the block, so the file is written as a run's is.
        let (ns, nm) = (block.n_strategies(), block.n_materials());
        let rows = (0..n)
            .flat_map(|r| (0..ns).flat_map(move |s| (0..nm).map(move |m| (r, s, m))))
            .map(|(r, s, m)| block.row(r, s, m))
            .collect();
        let res = crate::sim::RunResult {
            first_replication: block.first(),
            n_replications: n,
            n_strategies: ns,
            n_materials: nm,
            rows,
            daily: None,
        };
        let mut file = Vec::new();
        pool.install(|| write_replications_csv(&mut file, &scn, &res))
            .expect("writes to memory");
        let body_at = file.iter().position(|&b| b == b'\n').expect("a header") + 1;
        let want = replication_rows_serde(&scn, &block, 0..n);
        assert!(file[body_at..] == want[..], "rows differ");
    }

    /// `daily.csv` written directly, in parallel windows, is the `csv` crate's
    /// serializer's bytes: header, then every band in order, over more than two windows,
    /// with awkward quantiles (absent ones included). Breaking the direct writer (formatting with
    /// `{}` instead of `ryu`, dropping or reordering a chunk) fails it.
    #[test]
    fn daily_rows_are_the_serializers_bytes() {
        let scn = scenario(include_str!("../../scenarios/bench.toml"));
        let (ns, nm) = (scn.strategies().len(), scn.materials().len());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool");
        let n = 2 * DAILY_CHUNK_ROWS * pool.install(csv_window) + DAILY_CHUNK_ROWS + 7;
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let bands: Vec<DailyBand> = (0..n)
            .map(|i| DailyBand {
                strategy: (i / 7) % ns,
                material: (i / 3) % nm,
                day: i / 5,
                series: crate::sim::Series::ALL[i % 5],
                // One band in 11 absent, as before any replication is recorded.
                q: std::array::from_fn(|_| (i % 11 != 0).then(|| awkward(&mut state))),
            })
            .collect();
        let mut got = Vec::new();
        pool.install(|| write_daily_csv(&mut got, &scn, &bands))
            .expect("writes to memory");
        let mut want = Vec::new();
        write_daily_csv_serde(&mut want, &scn, &bands).expect("writes to memory");
        assert_eq!(want.iter().filter(|&&b| b == b'\n').count(), n + 1);
        assert_same_text("daily.csv", &got, &want);
    }
}
