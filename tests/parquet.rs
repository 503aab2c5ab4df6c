//! `replications.parquet` (cargo feature `parquet`) read back through the parquet crate
//! holds exactly the values of `replications.csv`: same rows in the same order, typed
//! columns, null where the CSV field is empty, every float the same bits.
#![cfg(feature = "parquet")]

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, UInt64Type};
use arrow_schema::DataType;
use chokepoint::report::parquet_out::write_replications_parquet;
use chokepoint::report::write_replications_csv;
use chokepoint::scenario::load_scenario;
use chokepoint::sim::{NoProgress, RunOptions, run};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use std::path::Path;

mod common;
use common::cli::{chokepoint, ok};

#[test]
fn parquet_holds_the_csv_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scn = load_scenario(&root.join("scenarios/bench.toml")).expect("bench.toml loads");
    // Replications 20..9,020: starts off 0 (the replication column is absolute) and
    // spans two batches of the writer.
    let opts = RunOptions {
        replications: 20..9_020,
        ..RunOptions::new(4, 0)
    };
    let res = run(&scn, &opts, &NoProgress);
    let mut csv_bytes = Vec::new();
    write_replications_csv(&mut csv_bytes, &scn, &res).expect("csv");
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("replications.parquet");
    let file = std::fs::File::create(&path).expect("create");
    write_replications_parquet(file, &scn, &res).expect("parquet");

    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).expect("open"))
            .expect("a Parquet file");
    let meta = builder.metadata().clone();
    assert_eq!(
        meta.row_group(0).column(3).compression(),
        Compression::ZSTD(Default::default())
    );
    let reader = builder.build().expect("reader");

    let mut rd = csv::Reader::from_reader(&csv_bytes[..]);
    let header: Vec<String> = rd
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let mut records = rd.records();
    let mut rows = 0usize;
    let mut nulls = 0usize;
    for batch in reader {
        let batch = batch.expect("batch reads");
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, header, "columns and their order");
        assert_eq!(batch.schema_ref().field(0).data_type(), &DataType::UInt64);
        let rep = batch.column(0).as_primitive::<UInt64Type>();
        let dict = |i: usize| {
            let d = batch.column(i).as_dictionary::<Int32Type>();
            let values = d.values().as_string::<i32>().clone();
            (d.keys().clone(), values)
        };
        let (sk, sv) = dict(1);
        let (mk, mv) = dict(2);
        for i in 0..batch.num_rows() {
            let rec = records.next().expect("as many CSV rows").expect("CSV row");
            assert_eq!(rep.value(i).to_string(), rec[0], "row {rows}");
            assert_eq!(sv.value(sk.value(i) as usize), &rec[1], "row {rows}");
            assert_eq!(mv.value(mk.value(i) as usize), &rec[2], "row {rows}");
            for c in 3..header.len() {
                let col = batch.column(c).as_primitive::<Float64Type>();
                let field = &rec[c];
                if field.is_empty() {
                    assert!(col.is_null(i), "row {rows}, {}: null expected", header[c]);
                    nulls += 1;
                } else {
                    let want: f64 = field.parse().expect("a number");
                    assert!(col.is_valid(i), "row {rows}, {}", header[c]);
                    assert_eq!(
                        col.value(i).to_bits(),
                        want.to_bits(),
                        "row {rows}, {}",
                        header[c]
                    );
                }
            }
            rows += 1;
        }
    }
    assert!(records.next().is_none(), "CSV has more rows than Parquet");
    assert_eq!(rows, 9_000 * scn.strategies().len() * scn.materials().len());
    // Absent values exist in this run (recovery without shortfall), so nulls are tested.
    assert!(nulls > 0);
}

#[test]
fn drivers_reads_a_run_written_as_parquet() {
    // The same run twice, as CSV and as Parquet (replications.parquet, drivers.parquet):
    // `chokepoint drivers` reads either by column name into the same analysis, so its
    // outputs are the same bytes once the run folder's name is set aside. Two questions:
    // the default tail (one material's shortfall) and `--worse A --than B` on a total
    // (which sums materials row by row, as the CSV reader does).
    let dir = tempfile::tempdir().expect("temporary folder");
    let (csv_run, pq_run) = (dir.path().join("csv"), dir.path().join("pq"));
    for (out, format) in [(&csv_run, "csv"), (&pq_run, "parquet")] {
        ok(&chokepoint(&[
            "run",
            "scenarios/bench.toml",
            "-n",
            "1500",
            "--replications-format",
            format,
            "--drivers",
            "--no-charts",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]));
    }
    assert!(pq_run.join("drivers.parquet").is_file() && !pq_run.join("drivers.csv").exists());
    assert!(!pq_run.join("replications.csv").exists());
    let scn = load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench.toml"))
        .expect("bench.toml loads");
    let (a, b) = (
        scn.strategies()[0].id.to_string(),
        scn.strategies()[1].id.to_string(),
    );
    let m = scn.materials()[0].id.to_string();
    let questions: [Vec<&str>; 2] = [
        vec!["--material", &m],
        vec![
            "--worse",
            &a,
            "--than",
            &b,
            "--material",
            "total",
            "--metric",
            "total_cost",
        ],
    ];
    for q in &questions {
        for run in [&csv_run, &pq_run] {
            let mut args = vec!["drivers", run.to_str().unwrap(), "--no-charts", "-q"];
            args.extend(q.iter().copied());
            ok(&chokepoint(&args));
        }
        for f in ["drivers.csv", "drivers.json"] {
            let read = |run: &Path| {
                std::fs::read_to_string(run.join("drivers").join(f))
                    .expect("written")
                    .replace(run.to_str().unwrap(), "RUN")
            };
            let (x, y) = (read(&csv_run), read(&pq_run));
            assert!(
                x == y,
                "{f} differs between the CSV and the Parquet run ({q:?})"
            );
        }
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(pq_run.join("drivers/drivers.json")).expect("json"),
        )
        .expect("JSON");
        assert!(
            json["result"]["n_selected"].as_u64().expect("n_selected") > 0,
            "{q:?}"
        );
    }
}
