//! The `drivers` command: what the worst futures of a saved run have in common (or the
//! futures where one strategy does worse than another), from the run's `drivers.csv`
//! and `replications.csv`, read by column name. The analysis is
//! `chokepoint::explore::drivers`; this module reads the files, builds the request,
//! writes the outputs and prints.

use std::path::{Path, PathBuf};

use super::{CliError, common};
use chokepoint::explore::drivers::{
    self, DriversProblem, DriversRequest, DriversResult, Feature, FeatureTable, Question,
};
use chokepoint::explore::export;
use chokepoint::model::Scenario;
use chokepoint::report::drivers_out::{DRIVERS_CSV, DRIVERS_PARQUET};
use chokepoint::report::drivers_section::{self, DriversSection};
use chokepoint::report::{self, RunInfo, saved};
use chokepoint::sim::Metric;
use chokepoint::stats::TotalMetric;

/// Arguments of `drivers`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output folder of a `chokepoint run --drivers`.
    #[arg(value_name = "OUT_DIR")]
    pub dir: PathBuf,
    /// Strategy whose outcome ranks the futures (default: the reference strategy).
    #[arg(long, value_name = "ID")]
    pub strategy: Option<String>,
    /// Material whose metric ranks the futures, or `total` (the sum over materials).
    /// Default: the only material, else `total`.
    #[arg(long, value_name = "ID|total")]
    pub material: Option<String>,
    /// Metric that ranks the futures (larger = worse). Default: shortfall_pct for a
    /// material; for `total`, shortfall_units when every material has the same unit,
    /// else shortage_cost.
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// Share of worst futures to explain: 5%, or 0.05.
    #[arg(long, value_name = "SHARE", default_value = "5%")]
    pub tail: String,
    /// Explain the futures where this strategy does worse (a larger metric) than
    /// `--than`, instead of the tail.
    #[arg(long, value_name = "ID", requires = "than")]
    pub worse: Option<String>,
    /// The strategy `--worse` is compared with.
    #[arg(long, value_name = "ID", requires = "worse")]
    pub than: Option<String>,
    /// Share of the box PRIM peels per step.
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    pub alpha: f64,
    /// Smallest share of all futures a PRIM box may hold (default: half the share of
    /// futures explained).
    #[arg(long, value_name = "SHARE")]
    pub min_support: Option<f64>,
    /// Output folder (default: OUT_DIR/drivers/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the charts and report.html (CSV and JSON only).
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// A share given as `5%` or `0.05`.
fn parse_share(s: &str) -> Result<f64, CliError> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    v.map_err(|_| CliError::BadInput(format!("--tail '{s}' is not a share: give e.g. 5% or 0.05")))
}

/// What ranks the futures: one material's metric, or a total over materials.
enum Subject {
    Material(usize, Metric),
    Total(TotalMetric),
}

fn bad(msg: String) -> CliError {
    CliError::BadInput(msg)
}

/// The subject of `--material`/`--metric`, with the defaults.
fn subject(scn: &Scenario, args: &Args) -> Result<(Subject, String), CliError> {
    let mat = match &args.material {
        Some(m) if m != "total" => Some(
            scn.materials()
                .iter()
                .position(|x| &x.id == m)
                .ok_or_else(|| {
                    bad(format!(
                        "--material {m}: no such material; use one of {} or total",
                        ids(scn.materials().iter().map(|x| x.id.as_str()))
                    ))
                })?,
        ),
        Some(_) => None,
        None if scn.materials().len() == 1 => Some(0),
        None => None,
    };
    match mat {
        Some(m) => {
            let name = args.metric.as_deref().unwrap_or("shortfall_pct");
            let metric = Metric::from_name(name).ok_or_else(|| {
                bad(format!(
                    "--metric {name}: no such metric; use one of {}",
                    ids(Metric::ALL.iter().map(|x| x.name()))
                ))
            })?;
            Ok((
                Subject::Material(m, metric),
                format!("{name} of {}", scn.materials()[m].id),
            ))
        }
        None => {
            let same_unit = scn.materials().windows(2).all(|w| w[0].unit == w[1].unit);
            let name = args.metric.as_deref().unwrap_or(if same_unit {
                "shortfall_units"
            } else {
                "shortage_cost"
            });
            let tm = TotalMetric::ALL
                .iter()
                .copied()
                .filter(|t| *t != TotalMetric::StrategyCost)
                .find(|t| t.name() == name)
                .ok_or_else(|| {
                    bad(format!(
                        "--metric {name} has no total over materials; name a material \
                         (--material {}) or use a total metric: {}",
                        scn.materials()[0].id,
                        ids(TotalMetric::ALL
                            .iter()
                            .filter(|t| **t != TotalMetric::StrategyCost)
                            .map(|t| t.name()))
                    ))
                })?;
            Ok((Subject::Total(tm), format!("total {name}")))
        }
    }
}

fn ids<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

fn strategy(scn: &Scenario, id: &str, flag: &str) -> Result<usize, CliError> {
    id.parse::<chokepoint::model::StrategyId>()
        .ok()
        .and_then(|id| scn.strategies().iter().position(|s| s.id == id))
        .ok_or_else(|| {
            bad(format!(
                "{flag} {id}: no such strategy; use one of {}",
                ids(scn.strategies().iter().map(|s| s.id.as_str()))
            ))
        })
}

fn invalid(path: &Path, msg: impl std::fmt::Display) -> CliError {
    CliError::BadInput(format!(
        "'{}' is not a valid output of `chokepoint run`: {msg}",
        path.display()
    ))
}

fn field(path: &Path, f: &str) -> Result<f64, CliError> {
    if f.is_empty() {
        Ok(f64::NAN)
    } else {
        f.parse::<f64>()
            .map_err(|e| invalid(path, format!("'{f}': {e}")))
    }
}

/// The features of `scn`'s drivers columns, in column order.
fn features(scn: &Scenario) -> Vec<Feature> {
    chokepoint::sim::drivers::columns(scn)
        .into_iter()
        .map(Feature::from)
        .collect()
}

/// The refusal for a file written as Parquet by a build without the `parquet` feature.
#[cfg(not(feature = "parquet"))]
fn parquet_unsupported(dir: &Path, file: &str, csv: &str, info: &RunInfo) -> CliError {
    bad(format!(
        "{} holds {file} (the run was made with --replications-format parquet), and this \
         chokepoint was built without Parquet support: rebuild it with `cargo build \
         --release --features parquet` and run `chokepoint drivers` again, or record the \
         run as CSV: chokepoint run {} -n {} --seed {} --drivers --out {} (writes {csv})",
        dir.display(),
        info.scenario_path,
        info.replications,
        info.seed,
        dir.display()
    ))
}

/// The drivers of the run in `dir`, by column name: `drivers.csv`, else
/// `drivers.parquet` (with the `parquet` feature; refused with what to do without it).
fn read_drivers(dir: &Path, scn: &Scenario, info: &RunInfo) -> Result<FeatureTable, CliError> {
    let p = dir.join(DRIVERS_CSV);
    if !p.exists() {
        let pq = dir.join(DRIVERS_PARQUET);
        if pq.exists() {
            #[cfg(feature = "parquet")]
            return pq::read_drivers(&pq, scn);
            #[cfg(not(feature = "parquet"))]
            return Err(parquet_unsupported(dir, DRIVERS_PARQUET, DRIVERS_CSV, info));
        }
        return Err(bad(format!(
            "{} has no {DRIVERS_CSV}: the run did not record its futures' drivers. Run it \
             again with --drivers: chokepoint run {} -n {} --seed {} --drivers --out {} (or \
             merge its shards with `chokepoint merge ... --drivers`)",
            dir.display(),
            info.scenario_path,
            info.replications,
            info.seed,
            dir.display()
        )));
    }
    let cols = chokepoint::sim::drivers::columns(scn);
    let text = std::fs::read_to_string(&p).map_err(|e| invalid(&p, e))?;
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().map_err(|e| invalid(&p, e))?.clone();
    let pos = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| invalid(&p, format!("no column '{name}'")))
    };
    let rep_col = pos("replication")?;
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| pos(&c.name.to_string()))
        .collect::<Result<_, _>>()?;
    let mut replications = Vec::new();
    let mut values = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| invalid(&p, e))?;
        let r = rec[rep_col]
            .parse::<u64>()
            .map_err(|e| invalid(&p, format!("replication '{}': {e}", &rec[rep_col])))?;
        replications.push(r);
        for &c in &idx {
            values.push(field(&p, &rec[c])?);
        }
    }
    Ok(FeatureTable {
        features: features(scn),
        replications,
        values,
    })
}

/// The outcomes of the futures, gathered row by row from `replications.csv` or
/// `replications.parquet` (rows of one strategy, material and replication each).
struct Outcomes<'a> {
    scn: &'a Scenario,
    /// The file read (for the error messages).
    path: PathBuf,
    first: u64,
    strategies: &'a [usize],
    subject: &'a Subject,
    /// Per strategy asked for, the outcome of each future (NaN until seen).
    out: Vec<Vec<f64>>,
    /// Running sums over materials, for a total.
    sums: Vec<Vec<f64>>,
}

impl<'a> Outcomes<'a> {
    fn new(
        scn: &'a Scenario,
        path: PathBuf,
        first: u64,
        n: usize,
        strategies: &'a [usize],
        subject: &'a Subject,
    ) -> Outcomes<'a> {
        Outcomes {
            scn,
            path,
            first,
            strategies,
            subject,
            out: vec![vec![f64::NAN; n]; strategies.len()],
            sums: vec![vec![0.0; n]; strategies.len()],
        }
    }

    /// The column holding the outcome's value in the per-replication file.
    fn value_column(&self) -> &'static str {
        match self.subject {
            Subject::Material(_, metric) => metric.name(),
            Subject::Total(TotalMetric::TotalCost) => report::STRATEGY_TOTAL_COLUMN,
            Subject::Total(t) => t.material_metric().map_or("", |m| m.name()),
        }
    }

    /// One row: replication `rep` (as written), its strategy and material ids and the
    /// value of [`Self::value_column`] (NaN = empty).
    fn push(
        &mut self,
        rep: &dyn std::fmt::Display,
        r: Option<u64>,
        strategy: &str,
        material: &str,
        v: f64,
    ) -> Result<(), CliError> {
        let scn = self.scn;
        let Some(k) = self
            .strategies
            .iter()
            .position(|&s| scn.strategies()[s].id == strategy)
        else {
            return Ok(());
        };
        let Some(m) = scn.materials().iter().position(|x| x.id == material) else {
            return Err(invalid(
                &self.path,
                format!("unknown material '{material}'"),
            ));
        };
        let n = self.out[k].len();
        let r = r
            .and_then(|r| r.checked_sub(self.first))
            .map(|r| r as usize)
            .filter(|&r| r < n)
            .ok_or_else(|| {
                invalid(
                    &self.path,
                    format!(
                        "replication '{rep}' is not one of the drivers'; the files come \
                         from different runs"
                    ),
                )
            })?;
        // Totals sum the materials in material order (0 + x0 + x1 + …), as the summary
        // does.
        match self.subject {
            Subject::Material(mm, _) => {
                if m == *mm {
                    self.out[k][r] = v;
                }
            }
            Subject::Total(TotalMetric::TotalCost) => {
                if m == 0 {
                    self.out[k][r] = v;
                }
            }
            Subject::Total(_) => {
                self.sums[k][r] += v;
                if m + 1 == scn.materials().len() {
                    self.out[k][r] = self.sums[k][r];
                }
            }
        }
        Ok(())
    }
}

/// The outcome of each future for each of `strategies`, from `replications.csv`, else
/// `replications.parquet` (with the `parquet` feature; refused with what to do without).
fn read_outcomes(
    dir: &Path,
    scn: &Scenario,
    info: &RunInfo,
    n: usize,
    strategies: &[usize],
    subject: &Subject,
) -> Result<Vec<Vec<f64>>, CliError> {
    let p = dir.join(report::REPLICATIONS_CSV);
    if !p.exists() {
        let pq = dir.join(report::REPLICATIONS_PARQUET);
        if pq.exists() {
            #[cfg(feature = "parquet")]
            {
                let mut acc =
                    Outcomes::new(scn, pq, info.first_replication, n, strategies, subject);
                pq::read_outcomes(&mut acc)?;
                return Ok(acc.out);
            }
            #[cfg(not(feature = "parquet"))]
            return Err(parquet_unsupported(
                dir,
                report::REPLICATIONS_PARQUET,
                report::REPLICATIONS_CSV,
                info,
            ));
        }
        return Err(bad(format!(
            "{} has no {}: `chokepoint drivers` reads the run's outcomes from it; run it \
             again with --replications-format csv (the default)",
            dir.display(),
            report::REPLICATIONS_CSV
        )));
    }
    let text = std::fs::read_to_string(&p).map_err(|e| invalid(&p, e))?;
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().map_err(|e| invalid(&p, e))?.clone();
    let pos = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| invalid(&p, format!("no column '{name}'")))
    };
    let mut acc = Outcomes::new(
        scn,
        p.clone(),
        info.first_replication,
        n,
        strategies,
        subject,
    );
    let (cr, cs, cm) = (pos("replication")?, pos("strategy")?, pos("material")?);
    let value_col = pos(acc.value_column())?;
    for rec in rd.records() {
        let rec = rec.map_err(|e| invalid(&p, e))?;
        let v = field(&p, &rec[value_col])?;
        acc.push(
            &&rec[cr],
            rec[cr].parse::<u64>().ok(),
            &rec[cs],
            &rec[cm],
            v,
        )?;
    }
    Ok(acc.out)
}

/// Reading `drivers.parquet` and `replications.parquet` (cargo feature `parquet`), by
/// column name, into what the CSV readers return.
#[cfg(feature = "parquet")]
mod pq {
    use super::{CliError, FeatureTable, Outcomes, Scenario, features, invalid};
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int32Type, UInt64Type};
    use arrow_array::{Array, ArrayRef, RecordBatch};
    use arrow_schema::DataType;
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::path::Path;

    /// The record batches of `path`, with only the columns `names` (by name), in the
    /// order of `names`.
    fn batches(path: &Path, names: &[&str]) -> Result<Vec<RecordBatch>, CliError> {
        let file = std::fs::File::open(path).map_err(|e| invalid(path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| invalid(path, e))?;
        let schema = builder.schema().clone();
        let mut leaves = Vec::new();
        for name in names {
            let i = schema
                .index_of(name)
                .map_err(|_| invalid(path, format!("no column '{name}'")))?;
            leaves.push(i);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), leaves);
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(|e| invalid(path, e))?;
        reader
            .map(|b| {
                let b = b.map_err(|e| invalid(path, e))?;
                let cols = names
                    .iter()
                    .map(|n| {
                        b.column_by_name(n)
                            .cloned()
                            .ok_or_else(|| invalid(path, format!("no column '{n}'")))
                    })
                    .collect::<Result<Vec<ArrayRef>, _>>()?;
                let fields: Vec<_> = names
                    .iter()
                    .zip(&cols)
                    .map(|(n, c)| arrow_schema::Field::new(*n, c.data_type().clone(), true))
                    .collect();
                RecordBatch::try_new(std::sync::Arc::new(arrow_schema::Schema::new(fields)), cols)
                    .map_err(|e| invalid(path, e))
            })
            .collect()
    }

    /// Checks that column `name` has type `want`.
    fn expect_type(
        path: &Path,
        name: &str,
        col: &ArrayRef,
        want: &str,
        ok: bool,
    ) -> Result<(), CliError> {
        if ok {
            Ok(())
        } else {
            Err(invalid(
                path,
                format!("column '{name}' is {}, not {want}", col.data_type()),
            ))
        }
    }

    /// `drivers.parquet`: `replication` (UInt64) and one Float64 column per driver
    /// (null = empty).
    pub(super) fn read_drivers(path: &Path, scn: &Scenario) -> Result<FeatureTable, CliError> {
        let cols = chokepoint::sim::drivers::columns(scn);
        let col_names: Vec<String> = cols.iter().map(|c| c.name.to_string()).collect();
        let mut names = vec!["replication"];
        names.extend(col_names.iter().map(String::as_str));
        let f = cols.len();
        let mut replications = Vec::new();
        let mut values = Vec::new();
        for b in batches(path, &names)? {
            for (name, col) in names.iter().zip(b.columns()) {
                let want = if *name == "replication" {
                    DataType::UInt64
                } else {
                    DataType::Float64
                };
                expect_type(path, name, col, &want.to_string(), col.data_type() == &want)?;
            }
            let reps = b.column(0).as_primitive::<UInt64Type>();
            let drv: Vec<_> = (1..=f)
                .map(|k| b.column(k).as_primitive::<Float64Type>())
                .collect();
            for i in 0..b.num_rows() {
                replications.push(reps.value(i));
                values.extend(
                    drv.iter()
                        .map(|c| if c.is_valid(i) { c.value(i) } else { f64::NAN }),
                );
            }
        }
        Ok(FeatureTable {
            features: features(scn),
            replications,
            values,
        })
    }

    /// One id per row of a string column (dictionary-encoded, as chokepoint writes it, or
    /// plain; null = empty).
    fn strings<'c>(path: &Path, name: &str, c: &'c ArrayRef) -> Result<Vec<&'c str>, CliError> {
        match c.data_type() {
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let d = c.as_dictionary::<Int32Type>();
                let values = d.values().as_string::<i32>();
                Ok(d.keys()
                    .iter()
                    .map(|k| k.map_or("", |k| values.value(k as usize)))
                    .collect())
            }
            DataType::Utf8 => Ok(c
                .as_string::<i32>()
                .iter()
                .map(|s| s.unwrap_or_default())
                .collect()),
            _ => expect_type(path, name, c, "a string column", false).map(|()| Vec::new()),
        }
    }

    /// `replications.parquet`: `replication` (UInt64), `strategy` and `material`
    /// (dictionary-encoded or plain strings) and the outcome's column (Float64, null =
    /// empty), each row handed to `acc`.
    pub(super) fn read_outcomes(acc: &mut Outcomes<'_>) -> Result<(), CliError> {
        let path = acc.path.clone();
        let names = ["replication", "strategy", "material", acc.value_column()];
        for b in batches(&path, &names)? {
            let (rc, sc, mc, vc) = (b.column(0), b.column(1), b.column(2), b.column(3));
            expect_type(
                &path,
                names[0],
                rc,
                "UInt64",
                rc.data_type() == &DataType::UInt64,
            )?;
            expect_type(
                &path,
                names[3],
                vc,
                "Float64",
                vc.data_type() == &DataType::Float64,
            )?;
            let (ss, ms) = (strings(&path, names[1], sc)?, strings(&path, names[2], mc)?);
            let reps = rc.as_primitive::<UInt64Type>();
            let vals = vc.as_primitive::<Float64Type>();
            for i in 0..b.num_rows() {
                let r = reps.value(i);
                let v = if vals.is_valid(i) {
                    vals.value(i)
                } else {
                    f64::NAN
                };
                acc.push(&r, Some(r), ss[i], ms[i], v)?;
            }
        }
        Ok(())
    }
}

/// For `chokepoint report OUT_DIR`: the run report's section "What drives the worst
/// futures" of a run that recorded its drivers (its `run.json` manifest lists
/// `drivers.csv` or `drivers.parquet`), as the run drew it: the drivers drawn again from
/// the scenario and seed, the outcomes read from the per-replication file. `None` for a
/// run without drivers.
///
/// # Errors
/// When `run.json` or the per-replication file cannot be read.
pub(super) fn report_section(
    dir: &Path,
    scn: &Scenario,
    info: &RunInfo,
) -> Result<Option<DriversSection>, CliError> {
    let p = dir.join("run.json");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).map_err(|e| invalid(&p, e))?)
            .map_err(|e| invalid(&p, e))?;
    let recorded = run
        .get(report::run_info::MANIFEST_KEY)
        .and_then(serde_json::Value::as_object)
        .is_some_and(|f| f.contains_key(DRIVERS_CSV) || f.contains_key(DRIVERS_PARQUET));
    if !recorded {
        return Ok(None);
    }
    let subject = match drivers_section::default_total(scn) {
        None => Subject::Material(0, Metric::ShortfallPct),
        Some(t) => Subject::Total(t),
    };
    let n = usize::try_from(info.replications)
        .map_err(|_| invalid(&p, "too many replications for this machine"))?;
    let y = read_outcomes(dir, scn, info, n, &[scn.reference()], &subject)?
        .pop()
        .unwrap_or_default();
    Ok(drivers_section::drivers_section_of(
        scn,
        y,
        drivers_section::outcome_words(scn),
        info.seed,
        info.first_replication,
        info.replications,
    ))
}

/// The scenario and `run.json` of the run folder `dir`, after checking its manifest.
fn open_run(dir: &Path) -> Result<(Scenario, RunInfo), CliError> {
    let p = dir.join(saved::SCENARIO_COPY);
    let text = std::fs::read_to_string(&p).map_err(|e| {
        bad(format!(
            "could not read '{}': {e}; is {} the output folder of a `chokepoint run`?",
            p.display(),
            dir.display()
        ))
    })?;
    let scn = chokepoint::scenario::parse_scenario(saved::SCENARIO_COPY, &text)
        .map_err(|e| invalid(&p, e))?;
    let p = dir.join("run.json");
    let info: RunInfo =
        serde_json::from_str(&std::fs::read_to_string(&p).map_err(|e| invalid(&p, e))?)
            .map_err(|e| invalid(&p, e))?;
    saved::verify_manifest(dir)?;
    Ok((scn, info))
}

/// The question asked (what the outcome is), the strategies whose outcomes it reads,
/// and the outcome in words.
fn question(
    scn: &Scenario,
    args: &Args,
    subject_words: &str,
) -> Result<(Question, Vec<usize>, String), CliError> {
    Ok(match (&args.worse, &args.than) {
        (Some(a), Some(b)) => {
            let (sa, sb) = (strategy(scn, a, "--worse")?, strategy(scn, b, "--than")?);
            if sa == sb {
                return Err(bad("--worse and --than name the same strategy".into()));
            }
            (
                Question::Worse {
                    worse: a.clone(),
                    than: b.clone(),
                },
                vec![sa, sb],
                subject_words.to_string(),
            )
        }
        _ => {
            let s = match &args.strategy {
                Some(id) => strategy(scn, id, "--strategy")?,
                None => scn.reference(),
            };
            (
                Question::Tail {
                    share: parse_share(&args.tail)?,
                },
                vec![s],
                format!("{subject_words}, strategy {}", scn.strategies()[s].id),
            )
        }
    })
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let dir = &args.dir;
    let (scn, info) = open_run(dir)?;
    let (subj, subject_words) = subject(&scn, &args)?;
    let table = read_drivers(dir, &scn, &info)?;
    let n = table.len();
    if table
        .replications
        .iter()
        .enumerate()
        .any(|(i, &r)| r != info.first_replication + i as u64)
    {
        return Err(invalid(
            &dir.join(DRIVERS_CSV),
            "its replications are not the run's, in order",
        ));
    }
    let (question, strategies, outcome_words) = question(&scn, &args, &subject_words)?;
    let outs = read_outcomes(dir, &scn, &info, n, &strategies, &subj)?;
    let outcome = if outs.len() == 2 {
        outs[0].iter().zip(&outs[1]).map(|(a, b)| a - b).collect()
    } else {
        outs.into_iter().next().unwrap_or_default()
    };
    let req = DriversRequest {
        table,
        outcome,
        question,
        outcome_words,
        alpha: args.alpha,
        min_support: args.min_support,
    };
    let problem = DriversProblem::new(req)?;
    let result = drivers::run(&problem);
    let req = problem.request();
    let findings = drivers::findings(req, &result);
    let out = args.out.clone().unwrap_or_else(|| dir.join("drivers"));
    let staging = common::stage(&out)?;
    let sdir = staging.dir();
    let source = serde_json::json!({
        "run_dir": dir.display().to_string(),
        "scenario": scn.name(),
        "scenario_path": info.scenario_path,
        "scenario_sha256": info.scenario_sha256,
        "seed": info.seed,
        "replications": info.replications,
    });
    report::write_atomic(&sdir.join("drivers.csv"), &export::drivers_csv(&result)?)?;
    report::write_atomic(
        &sdir.join("drivers.json"),
        &export::drivers_json(req, &result, &findings, &source),
    )?;
    if !args.no_charts {
        let provenance = report::pages::explore::Provenance {
            command_line: std::env::args().collect(),
            version: report::CHOKEPOINT_VERSION.to_string(),
            seed: Some(info.seed),
            replications: Some(info.replications),
            scenario_path: info.scenario_path.clone(),
            scenario_sha256: info.scenario_sha256.clone(),
        };
        let (charts, page) =
            report::explore::drivers_page(&scn, req, &result, &findings, provenance);
        common::write_page(&staging, &charts, page, args.quiet)?;
    }
    staging.commit()?;
    if !args.quiet {
        print_summary(&scn, &result, &findings);
        println!("\nWritten to {}/: drivers.csv, drivers.json", out.display());
    }
    Ok(())
}

/// The terminal summary: findings, the top features, the chosen box.
fn print_summary(scn: &Scenario, res: &DriversResult, findings: &[String]) {
    println!(
        "{} — drivers of {} of {} futures\n",
        scn.name(),
        res.n_selected,
        res.n
    );
    for f in findings {
        println!("{f}");
    }
    println!(
        "\n{:>4}  {:<44} {:>8} {:>8}  {:>20}",
        "rank", "feature", "selected", "all", "std. diff [95%]"
    );
    for r in res.ranking.iter().take(10) {
        let d = if r.separates {
            if r.separates_sign > 0 {
                "+∞ (separates)".into()
            } else {
                "−∞ (separates)".into()
            }
        } else {
            match (r.std_diff, r.std_diff_ci95) {
                (Some(d), Some([a, b])) => format!("{d:.2} [{a:.2}, {b:.2}]"),
                (Some(d), None) => format!("{d:.2}"),
                _ => "–".into(),
            }
        };
        let share = |x: f64| {
            if x.is_nan() {
                "–".to_string()
            } else {
                format!("{:.0}%", x * 100.0)
            }
        };
        println!(
            "{:>4}  {:<44} {:>8} {:>8}  {:>20}",
            r.rank,
            r.feature,
            share(r.share_selected),
            share(r.share_all),
            d
        );
    }
    println!(
        "\nPRIM: {} boxes on the peeling trajectory; chosen (refined from step {}): coverage \
         {:.0}%, density {:.0}%, support {:.1}%",
        res.trajectory.len(),
        res.chosen_step,
        res.chosen.coverage * 100.0,
        res.chosen.density * 100.0,
        res.chosen.support * 100.0
    );
    for l in &res.chosen.limits {
        println!("  {}", l.words);
    }
}
