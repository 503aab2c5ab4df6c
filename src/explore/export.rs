//! Exporters: typed results to the bytes of their files (`sweep.csv`, `sweep.json`,
//! `size.csv`, `size.json`, `sensitivity.csv`, `sobol.csv`, `sensitivity.json`,
//! `exposure.csv`, `exposure.json`), and the sweep's rows read back from CSV by column
//! name. Pure: bytes in, bytes out; the caller writes them (atomically).
//!
//! Numbers are written in Rust's shortest form that reads back to the same `f64`
//! ([`crate::numfmt::shortest`]), so files are byte-stable and lossless; an absent value is an empty
//! field. CSV goes through the `csv` crate; JSON through `serde_json`, pretty, with a
//! final newline.

use super::ExploreError;
use super::drivers::{DriversRequest, DriversResult};
use super::exposure::{ExposureProblem, ExposureRow};
use super::sensitivity::{OatRow, SensitivityProblem, SensitivityResult, SobolResult};
use super::size::{SizeProblem, SizeResult};
use super::sweep::{
    SECTOR_MEASURES, SECTOR_ROW_PREFIX, StatColumns, SweepColumn, SweepProblem, SweepResult,
    SweepRow, sweep_measures,
};
use crate::numfmt;
// `Some(v)` as a number, `None` as an empty field.
use crate::model::{MaterialId, SectorId, StrategyId, SubjectId};
use crate::numfmt::shortest_or_empty as opt;
use crate::stats::{StatColumn, TOTAL};

/// Pretty JSON with a final newline.
fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// CSV bytes of `records` (string fields), via the `csv` crate.
fn csv_bytes<I, R>(file: &str, records: I) -> Result<Vec<u8>, ExploreError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let err = |e: &dyn std::fmt::Display| ExploreError::Export(format!("{file}: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(r).map_err(|e| err(&e))?;
    }
    w.into_inner().map_err(|e| err(&e))
}

// ------------------------------------------------------------ sweep

fn sweep_record(r: &SweepRow) -> Vec<String> {
    let mut f: Vec<String> = vec![r.point.to_string()];
    f.extend(r.values.iter().map(|&v| numfmt::shortest(v)));
    f.push(r.strategy.to_string());
    f.push(super::sweep::subject_field(&r.material));
    f.push(opt(r.autonomy));
    f.push(r.not_moved_by.join(";"));
    for s in &r.stats {
        f.extend(s.0.iter().map(|&v| opt(v)));
    }
    f
}

/// `sweep.csv`: the header, then every row of the result.
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn sweep_csv(problem: &SweepProblem, result: &SweepResult) -> Result<Vec<u8>, ExploreError> {
    let header = std::iter::once(problem.spec.columns());
    csv_bytes(
        "sweep.csv",
        header.chain(result.rows.iter().map(sweep_record)),
    )
}

/// The rows of one point as `sweep.csv` lines without the header (how a point is
/// stored on disk).
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn sweep_rows_csv(rows: &[SweepRow]) -> Result<Vec<u8>, ExploreError> {
    csv_bytes("sweep rows", rows.iter().map(sweep_record))
}

/// Reads `sweep.csv` rows back, each field found by its column name: `paths` names the
/// varied paths' columns (in `vary` order). With `columns`, `bytes` has no header and
/// these are its column names (how a point is stored, see [`sweep_rows_csv`]); without,
/// the first line is the header (`sweep.csv` itself).
///
/// A `material` field reading `total` is the totals' row when it is the last row of its
/// point and strategy (where the writer puts the totals, after every material), and
/// otherwise a material called `total`.
///
/// # Errors
/// A message saying which column is missing or which field is not a number.
pub fn read_sweep_rows(
    bytes: &[u8],
    columns: Option<&[String]>,
    paths: &[String],
) -> Result<Vec<SweepRow>, String> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(columns.is_none())
        .from_reader(bytes);
    let columns: Vec<String> = match columns {
        Some(c) => c.to_vec(),
        None => rd
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_string)
            .collect(),
    };
    let col = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| format!("no column `{name}`"))
    };
    let (c_point, c_strategy, c_material, c_autonomy, c_not_moved) = (
        col("point")?,
        col("strategy")?,
        col("material")?,
        col("autonomy")?,
        col("not_moved_by")?,
    );
    let c_paths: Vec<usize> = paths.iter().map(|p| col(p)).collect::<Result<_, _>>()?;
    // The sector columns are there when the scenario has sectors.
    let sectors = columns
        .iter()
        .any(|c| *c == SweepColumn::Stat(SECTOR_MEASURES[0], StatColumn::ALL[0]).name());
    let c_stats: Vec<Vec<usize>> = sweep_measures(sectors)
        .iter()
        .map(|&m| {
            StatColumn::ALL
                .iter()
                .map(|&s| col(&SweepColumn::Stat(m, s).name()))
                .collect::<Result<_, _>>()
        })
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        if rec.len() != columns.len() {
            return Err(format!(
                "a row has {} fields where the sweep has {} columns",
                rec.len(),
                columns.len()
            ));
        }
        let num = |c: usize| -> Result<Option<f64>, String> {
            let f = &rec[c];
            if f.is_empty() {
                return Ok(None);
            }
            f.parse::<f64>()
                .map(Some)
                .map_err(|_| format!("`{f}` in column `{}` is not a number", columns[c]))
        };
        let point = rec[c_point]
            .parse::<usize>()
            .map_err(|_| format!("`{}` is not a point index", &rec[c_point]))?;
        let values = c_paths
            .iter()
            .map(|&c| num(c)?.ok_or_else(|| format!("no value of `{}`", columns[c])))
            .collect::<Result<_, _>>()?;
        let stats = c_stats
            .iter()
            .map(|cs| {
                let mut s = StatColumns::default();
                for (slot, &c) in s.0.iter_mut().zip(cs) {
                    *slot = num(c)?;
                }
                Ok(s)
            })
            .collect::<Result<_, String>>()?;
        let not_moved = &rec[c_not_moved];
        rows.push(SweepRow {
            point,
            values,
            strategy: StrategyId::new(&rec[c_strategy]).map_err(|e| e.to_string())?,
            // A material is settled below, once the next row is known.
            material: match rec[c_material].strip_prefix(SECTOR_ROW_PREFIX) {
                Some(k) => SubjectId::Sector(SectorId::new(k).map_err(|e| e.to_string())?),
                None => SubjectId::Material(
                    MaterialId::new(&rec[c_material]).map_err(|e| e.to_string())?,
                ),
            },
            autonomy: num(c_autonomy)?,
            not_moved_by: if not_moved.is_empty() {
                Vec::new()
            } else {
                not_moved.split(';').map(str::to_string).collect()
            },
            stats,
        });
    }
    // The totals' row is the last of its (point, strategy).
    for i in 0..rows.len() {
        let last = rows
            .get(i + 1)
            .is_none_or(|n| (n.point, &n.strategy) != (rows[i].point, &rows[i].strategy));
        if last && rows[i].material.as_str() == TOTAL {
            rows[i].material = SubjectId::Total;
        }
    }
    Ok(rows)
}

/// `sweep.json`: the spec, its hash, the layout of `sweep.csv` in words, and per
/// strategy the varied paths that cannot move it.
pub fn sweep_json(problem: &SweepProblem) -> Vec<u8> {
    let json = serde_json::json!({
        "command": "sweep",
        "scenario_path": problem.source.path,
        "spec_hash": problem.hash(),
        "spec": problem.spec,
        "rows": if problem.spec.sectors {
            format!("sweep.csv: one row per point × strategy × material, then one per sector \
                 (material `sector.<id>`), then a `{TOTAL}` row per point × strategy; columns \
                 point, one per varied path, strategy, material, autonomy (for a sector: share \
                 of futures with no day of reduced output), not_moved_by (varied paths that \
                 cannot move the strategy, ;-separated), then <metric>_<stat> for stat in \
                 mean, se, ci95_lo, ci95_hi, p50, p95, cvar95, prob_positive (empty where it \
                 does not apply); the sector metrics output_lost, output_lost_pct, \
                 value_added_lost and days_output_reduced come last (value_added_lost on the \
                 `{TOTAL}` rows is the GDP at risk; a sector's tts_days is its time to survive)")
        } else {
            format!("sweep.csv: one row per point × strategy × material, plus a `{TOTAL}` row per \
                 point × strategy; columns point, one per varied path, strategy, material, \
                 autonomy, not_moved_by (varied paths that cannot move the strategy, \
                 ;-separated), then <metric>_<stat> for stat in mean, se, ci95_lo, ci95_hi, \
                 p50, p95, cvar95, prob_positive (empty where it does not apply)")
        },
        "not_moved_by": problem
            .base()
            .strategies()
            .iter()
            .zip(&problem.not_moved)
            .map(|(st, v)| {
                (
                    st.id.to_string(),
                    serde_json::Value::Array(
                        v.iter()
                            .map(|(p, why)| serde_json::json!({ "path": p, "why": why }))
                            .collect(),
                    ),
                )
            })
            .collect::<serde_json::Map<String, serde_json::Value>>(),
    });
    json_bytes(&json)
}

// ------------------------------------------------------------ size

/// `size.csv`: the evaluated values in ascending order; per clause of the target its
/// statistic, the interval at the rule's level, and the verdicts.
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn size_csv(problem: &SizeProblem, result: &SizeResult) -> Result<Vec<u8>, ExploreError> {
    let ci = problem.spec.rule.ci_tag();
    let mut header: Vec<String> = ["value", "stage", "order", "met"].map(String::from).into();
    for c in &problem.target.clauses {
        let s = match &c.metric {
            Some(m) => format!("{}_{m}", c.stat.name()),
            None => c.stat.name(),
        };
        header.extend([
            s.clone(),
            format!("{s}_{ci}_lo"),
            format!("{s}_{ci}_hi"),
            format!("{s}_point_met"),
            format!("{s}_bound_met"),
            format!("{s}_met"),
        ]);
    }
    let rows = result.points.iter().map(|p| {
        let mut f = vec![
            numfmt::shortest(p.value),
            p.stage.to_string(),
            p.order.to_string(),
            p.met.to_string(),
        ];
        for e in &p.clauses {
            f.extend([
                opt(e.value),
                opt(e.ci.map(|c| c[0])),
                opt(e.ci.map(|c| c[1])),
                e.point_met.to_string(),
                e.bound_met.to_string(),
                e.met.to_string(),
            ]);
        }
        f
    });
    csv_bytes("size.csv", std::iter::once(header).chain(rows))
}

/// `size.json`: the question (scenario, strategy, material, seed, replications, current
/// value, confidence, scan) and the whole result.
pub fn size_json(problem: &SizeProblem, result: &SizeResult) -> Vec<u8> {
    let ev = problem.evaluator();
    json_bytes(&serde_json::json!({
        "command": "size",
        "scenario": ev.base().name(),
        "scenario_path": problem.source.path,
        "scenario_sha256": problem.source.sha256,
        "strategy": problem.strategy,
        "material": problem.subject.id(ev.base()),
        "seed": ev.seed,
        "replications": ev.replications,
        "current_value": problem.current,
        "confidence": problem.confidence(),
        "scan": problem.spec.scan,
        "rel_tol": problem.spec.rel_tol,
        "result": result,
    }))
}

// ------------------------------------------------------------ sensitivity

/// `sensitivity.csv`: one row per path, in rank order (skipped paths last).
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn sensitivity_csv(rows: &[OatRow]) -> Result<Vec<u8>, ExploreError> {
    let header = [
        "rank",
        "path",
        "kind",
        "base",
        "low",
        "high",
        "metric_low",
        "metric_base",
        "metric_high",
        "low_minus_base",
        "low_minus_base_ci95_lo",
        "low_minus_base_ci95_hi",
        "high_minus_base",
        "high_minus_base_ci95_lo",
        "high_minus_base_ci95_hi",
        "diff",
        "diff_ci95_lo",
        "diff_ci95_hi",
        "swing",
        "distinguishable",
        "note",
    ]
    .map(String::from);
    let records = rows.iter().map(|r| {
        [
            r.rank.map(|k| k.to_string()).unwrap_or_default(),
            r.moved.path.clone(),
            r.moved.kind.to_string(),
            numfmt::shortest(r.moved.base),
            opt(r.moved.low),
            opt(r.moved.high),
            opt(r.metric_low),
            opt(r.metric_base),
            opt(r.metric_high),
            opt(r.low_minus_base),
            opt(r.low_minus_base_ci95.map(|c| c[0])),
            opt(r.low_minus_base_ci95.map(|c| c[1])),
            opt(r.high_minus_base),
            opt(r.high_minus_base_ci95.map(|c| c[0])),
            opt(r.high_minus_base_ci95.map(|c| c[1])),
            opt(r.diff),
            opt(r.diff_ci95.map(|c| c[0])),
            opt(r.diff_ci95.map(|c| c[1])),
            opt(r.swing),
            r.distinguishable.map(|d| d.to_string()).unwrap_or_default(),
            r.moved.note.clone().unwrap_or_default(),
        ]
    });
    csv_bytes("sensitivity.csv", std::iter::once(header).chain(records))
}

/// `sobol.csv`: one row per input, in rank order.
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn sobol_csv(r: &SobolResult) -> Result<Vec<u8>, ExploreError> {
    let header = [
        "rank",
        "path",
        "lo",
        "hi",
        "first",
        "first_ci95_lo",
        "first_ci95_hi",
        "total",
        "total_ci95_lo",
        "total_ci95_hi",
        "first_raw",
        "total_raw",
        "converged",
        "note",
    ]
    .map(String::from);
    let records = r.rows.iter().map(|s| {
        [
            s.rank.to_string(),
            s.input.path.clone(),
            numfmt::shortest(s.input.lo),
            numfmt::shortest(s.input.hi),
            opt(s.first),
            opt(s.first_ci95.map(|c| c[0])),
            opt(s.first_ci95.map(|c| c[1])),
            opt(s.total),
            opt(s.total_ci95.map(|c| c[0])),
            opt(s.total_ci95.map(|c| c[1])),
            opt(s.first_raw),
            opt(s.total_raw),
            s.converged.to_string(),
            s.note.clone().unwrap_or_default(),
        ]
    });
    csv_bytes("sobol.csv", std::iter::once(header).chain(records))
}

/// `sensitivity.json`: the question and both results (`sobol` is `null` without
/// Sobol indices).
pub fn sensitivity_json(problem: &SensitivityProblem, result: &SensitivityResult) -> Vec<u8> {
    let ev = problem.evaluator();
    json_bytes(&serde_json::json!({
        "command": "sensitivity",
        "scenario": ev.base().name(),
        "scenario_path": problem.source.path,
        "scenario_sha256": problem.source.sha256,
        "strategy": problem.strategy,
        "material": problem.subject.id(ev.base()),
        "metric": problem.metric,
        "statistic": "mean",
        "delta": problem.delta,
        "seed": ev.seed,
        "replications": ev.replications,
        "one_at_a_time": result.rows,
        "sobol": result.sobol,
    }))
}

// ------------------------------------------------------------ exposure

/// `exposure.csv`: one row per entity and material, in rank order.
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn exposure_csv(rows: &[ExposureRow]) -> Result<Vec<u8>, ExploreError> {
    let header = [
        "rank",
        "kind",
        "entity",
        "material",
        "suppliers_lost",
        "share_lost",
        "tts_days",
        "tts_horizon",
        "ttr_days",
        "ttr_source",
        "shortfall_units",
        "shortfall_pct",
        "at_risk",
        "gap_days",
    ]
    .map(String::from);
    let records = rows.iter().map(|r| {
        [
            r.rank.to_string(),
            r.kind.as_str().to_string(),
            r.entity.to_string(),
            r.material.to_string(),
            r.suppliers_lost
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            numfmt::shortest(r.share_lost),
            opt(r.tts_days),
            r.tts_horizon.to_string(),
            opt(r.ttr_days),
            r.ttr_source.clone(),
            opt(r.shortfall_units),
            opt(r.shortfall_pct),
            r.at_risk.map(|b| b.to_string()).unwrap_or_default(),
            opt(r.gap_days),
        ]
    });
    csv_bytes("exposure.csv", std::iter::once(header).chain(records))
}

/// `exposure.json`: the question and the rows.
pub fn exposure_json(problem: &ExposureProblem, rows: &[ExposureRow]) -> Vec<u8> {
    json_bytes(&serde_json::json!({
        "command": "exposure",
        "scenario": problem.scenario().name(),
        "scenario_path": problem.source.path,
        "scenario_sha256": problem.source.sha256,
        "strategy": problem.strategy,
        "ttr_days": problem.ttr,
        "rows": rows,
    }))
}

/// `drivers.csv` of a drivers analysis: one row per feature in rank order (the share of
/// selected futures with it and its 95% interval, the share among all, the means, the
/// standardised difference and its 95% interval, `separates` for a perfect split).
///
/// # Errors
/// [`ExploreError::Export`] if the CSV writer fails.
pub fn drivers_csv(result: &DriversResult) -> Result<Vec<u8>, ExploreError> {
    let header = [
        "rank",
        "feature",
        "binary",
        "share_selected",
        "share_selected_ci95_lo",
        "share_selected_ci95_hi",
        "share_all",
        "mean_selected",
        "mean_rest",
        "mean_all",
        "std_diff",
        "std_diff_ci95_lo",
        "std_diff_ci95_hi",
        "separates",
    ]
    .map(String::from);
    let records = result.ranking.iter().map(|r| {
        let ci = r.std_diff_ci95;
        [
            r.rank.to_string(),
            r.feature.clone(),
            r.binary.to_string(),
            opt((!r.share_selected.is_nan()).then_some(r.share_selected)),
            opt((!r.share_selected.is_nan()).then_some(r.share_selected_ci95[0])),
            opt((!r.share_selected.is_nan()).then_some(r.share_selected_ci95[1])),
            numfmt::shortest(r.share_all),
            opt(r.mean_selected),
            opt(r.mean_rest),
            opt(r.mean_all),
            opt(r.std_diff),
            opt(ci.map(|c| c[0])),
            opt(ci.map(|c| c[1])),
            match r.separates_sign {
                1 => "higher".to_string(),
                -1 => "lower".to_string(),
                _ => String::new(),
            },
        ]
    });
    csv_bytes("drivers.csv", std::iter::once(header).chain(records))
}

/// `drivers.json` of a drivers analysis: the question, the outcome, the counts, the
/// ranking, the peeling trajectory, the chosen box and the findings.
pub fn drivers_json(
    request: &DriversRequest,
    result: &DriversResult,
    findings: &[String],
    source: &serde_json::Value,
) -> Vec<u8> {
    json_bytes(&serde_json::json!({
        "command": "drivers",
        "source": source,
        "question": request.question,
        "outcome": request.outcome_words,
        "result": result,
        "findings": findings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Measure;

    fn row(point: usize, material: SubjectId) -> SweepRow {
        let mut stats = vec![StatColumns::default(); Measure::ALL.len()];
        stats[0] = StatColumns([
            Some(0.1),
            Some(1e-17),
            Some(-0.0),
            Some(1e300),
            None,
            Some(3.0),
            Some(12345.678),
            Some(0.5),
        ]);
        SweepRow {
            point,
            values: vec![30.0, 0.125],
            strategy: StrategyId::new("base").unwrap(),
            material,
            autonomy: Some(2.0 / 3.0),
            not_moved_by: if point == 0 {
                vec![]
            } else {
                vec!["a.b".into(), "c.d".into()]
            },
            stats,
        }
    }

    fn mat(id: &str) -> SubjectId {
        SubjectId::Material(MaterialId::new(id).unwrap())
    }

    #[test]
    fn a_material_called_total_reads_back_apart_from_the_totals() {
        // Per point and strategy: the material `total`, then the totals (written last).
        let mut rows = vec![row(0, mat("total")), row(0, SubjectId::Total)];
        rows[1].autonomy = Some(0.25);
        rows.push(row(1, mat("total")));
        rows.push(row(1, SubjectId::Total));
        let bytes = sweep_rows_csv(&rows).unwrap();
        let back = read_sweep_rows(&bytes, Some(&columns()), &paths()).unwrap();
        assert_eq!(back, rows);
    }

    fn paths() -> Vec<String> {
        vec!["a.b".into(), "c.d".into()]
    }

    fn columns() -> Vec<String> {
        let mut c: Vec<String> = [
            "point",
            "a.b",
            "c.d",
            "strategy",
            "material",
            "autonomy",
            "not_moved_by",
        ]
        .map(String::from)
        .into();
        for m in Measure::ALL {
            for s in StatColumn::ALL {
                c.push(SweepColumn::Stat(m, s).name());
            }
        }
        c
    }

    #[test]
    fn sweep_rows_read_back_to_the_same_rows_and_bytes() {
        let rows = vec![row(0, mat("m")), row(1, SubjectId::Total)];
        let bytes = sweep_rows_csv(&rows).unwrap();
        let back = read_sweep_rows(&bytes, Some(&columns()), &paths()).unwrap();
        assert_eq!(back, rows);
        assert_eq!(sweep_rows_csv(&back).unwrap(), bytes);
        // The fields as the hand-written writer put them: `fmt_num` (Rust's `Display`,
        // never an exponent), empty for `None`, paths joined with `;`, no quoting.
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("0,30,0.125,base,m,0.6666666666666666,,0.1,0.00000000000000001,-0,1"),
            "{text}"
        );
        assert!(
            text.contains("\n1,30,0.125,base,total,0.6666666666666666,a.b;c.d,0.1,"),
            "{text}"
        );
    }

    #[test]
    fn sweep_rows_are_read_by_column_name() {
        // The same row with the columns in another order reads back the same.
        let rows = vec![row(1, mat("m"))];
        let cols = columns();
        let mut perm: Vec<usize> = (0..cols.len()).collect();
        perm.reverse();
        let text = String::from_utf8(sweep_rows_csv(&rows).unwrap()).unwrap();
        let fields: Vec<&str> = text.trim_end().split(',').collect();
        let shuffled: Vec<&str> = perm.iter().map(|&i| fields[i]).collect();
        let shuffled_cols: Vec<&str> = perm.iter().map(|&i| cols[i].as_str()).collect();
        let text = format!("{}\n{}\n", shuffled_cols.join(","), shuffled.join(","));
        let back = read_sweep_rows(text.as_bytes(), None, &paths()).unwrap();
        assert_eq!(back, rows);
    }

    #[test]
    fn a_damaged_point_is_an_error_not_a_guess() {
        let bytes = sweep_rows_csv(&[row(0, mat("m"))]).unwrap();
        let short = &bytes[..bytes.len() / 2];
        assert!(read_sweep_rows(short, Some(&columns()), &paths()).is_err());
        let text = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen("0.1", "x", 1);
        let e = read_sweep_rows(text.as_bytes(), Some(&columns()), &paths()).unwrap_err();
        assert!(e.contains("not a number"), "{e}");
    }
}
