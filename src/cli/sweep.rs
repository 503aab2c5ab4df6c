//! The `sweep` command: a grid or Latin hypercube over parameter paths, resumable.
//!
//! Resumability: each finished point is written atomically to `OUT/points/point-NNNNNN.csv`
//! (its rows of `sweep.csv`, no header), beside `OUT/points/spec.json` holding the spec
//! hash. A re-run of the same command skips the points on disk and computes the rest;
//! `sweep.csv` is then assembled from the point files in index order, so it is
//! byte-identical to an uninterrupted run. A different spec (scenario bytes, paths,
//! ranges, points, seed, replications, strategies, chokepoint version) is refused with a
//! message, unless `--fresh` discards the old points.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common;
use chokepoint::analysis::grid::{self, Vary};
use chokepoint::analysis::sweep::SweepSpec;
use chokepoint::analysis::target::{Op, Statistic, Subject, Target};
use chokepoint::analysis::{AnalysisError, Evaluator, sweep};
use chokepoint::charts::analysis::{
    self as ach, AnalysisChart, AnalysisKind, SweepData, SweepPoint, SweepSeries,
};
use chokepoint::numfmt;
use chokepoint::report;
use chokepoint::report::pages::explore::AnalysisPage;

/// Environment variable (tests only): stop the process after computing this many points,
/// as an interruption would.
pub const STOP_AFTER_ENV: &str = "CHOKEPOINT_TEST_STOP_AFTER";

/// Arguments of `sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// A path and its range, PATH=LO..HI[:STEPS] (grid steps, default 5); repeat for
    /// several paths (the first varies slowest). Day fields (every *_days path) take
    /// whole values.
    #[arg(long, value_name = "PATH=LO..HI[:STEPS]", required = true)]
    pub vary: Vec<String>,
    /// A Latin hypercube of N points (seeded) instead of the full grid.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub lhs: Option<u64>,
    /// Strategies to simulate (default: all); repeat or separate with commas.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub strategy: Vec<String>,
    #[command(flatten)]
    pub sim: common::SimArgs,
    /// Output folder (default: output/<scenario-file-stem>/sweep/).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Metric charted (a sweep.csv metric name; the CSV holds them all).
    #[arg(long, value_name = "M", default_value = "shortfall_pct")]
    pub metric: String,
    /// Material the chart reads, or `total` (default: the only material; with several,
    /// `total` for total metrics, else the first material).
    #[arg(long, value_name = "ID")]
    pub material: Option<String>,
    /// A target drawn on the charts (with two paths: the contour where it is met), e.g.
    /// "mean(shortfall_pct) <= 1"; statistics mean, p50, p95, cvar95, prob_positive,
    /// autonomy.
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// Skip the charts and report.html (CSV and JSON only).
    #[arg(long)]
    pub no_charts: bool,
    /// Discard points left in the output folder by a different sweep.
    #[arg(long)]
    pub fresh: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let loaded = match common::load(&args.scenario) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let vary: Vec<Vary> = match args
        .vary
        .iter()
        .map(|v| {
            let v = Vary::parse(v)?;
            loaded.doc.get(&v.path)?;
            if v.path == "replications" {
                return Err(AnalysisError::Spec(
                    "`replications` is set with --replications; it cannot be varied".into(),
                ));
            }
            Ok(v)
        })
        .collect::<Result<_, AnalysisError>>()
    {
        Ok(v) => v,
        Err(e) => return common::fail(e),
    };
    if let Some(i) = (1..vary.len()).find(|&i| vary[..i].iter().any(|v| v.path == vary[i].path)) {
        return common::fail(AnalysisError::Spec(format!(
            "`{}` is varied twice",
            vary[i].path
        )));
    }
    let ev = match Evaluator::new(
        loaded.doc.clone(),
        &args.strategy,
        args.sim.seed,
        args.sim.replications,
    ) {
        Ok(e) => e,
        Err(e) => return common::fail(e),
    };
    // What the charts read (not part of the spec: any of them reuses the same points).
    let mut subject = match Subject::resolve(ev.base(), args.material.as_deref()) {
        Ok(s) => s,
        Err(e) => return common::fail(e),
    };
    if args.material.is_none() && subject.check_metric(&args.metric).is_err() {
        subject = Subject::Material(0);
        if !args.quiet && !args.no_charts {
            eprintln!(
                "note: `{}` is per material; charting material `{}` (choose with --material)",
                args.metric,
                ev.base().materials[0].id
            );
        }
    }
    if let Err(e) = subject.check_metric(&args.metric) {
        return common::fail(e);
    }
    let target = match args.target.as_deref().map(Target::parse).transpose() {
        Ok(t) => t,
        Err(e) => return common::fail(e),
    };
    if let Some(t) = &target {
        if let Err(e) = t.check(subject) {
            return common::fail(e);
        }
        if let Some(c) = t.clauses.iter().find(|c| stat_column(c.stat).is_none()) {
            return common::fail(AnalysisError::Spec(format!(
                "sweep.csv has no column for `{}`; targets of a sweep use mean, p50, p95, \
                 cvar95, prob_positive or autonomy",
                c.stat.name()
            )));
        }
    }
    let points = match args.lhs {
        Some(n) => grid::lhs(&vary, n as usize, ev.seed),
        None => grid::grid(&vary),
    };
    let spec = SweepSpec {
        csv_format: sweep::CSV_FORMAT,
        chokepoint_version: report::CHOKEPOINT_VERSION.to_string(),
        scenario: ev.base().name.clone(),
        scenario_sha256: loaded.sha256.clone(),
        vary,
        lhs: args.lhs.map(|n| n as usize),
        seed: ev.seed,
        replications: ev.replications,
        strategies: args.strategy.clone(),
        points,
    };
    // Every point must give a valid scenario: fail before computing anything.
    for i in 0..spec.points.len() {
        if let Err(e) = ev.scenario_at(&spec.assignments(i)) {
            return common::fail(e);
        }
    }
    // Per strategy simulated, the varied paths that cannot move it.
    let not_moved: Vec<Vec<(String, String)>> = ev
        .base()
        .strategies
        .iter()
        .map(|st| {
            spec.vary
                .iter()
                .filter_map(|v| {
                    sweep::not_moved_by(&loaded.doc, &st.id, &v.path)
                        .map(|why| (v.path.clone(), why.to_string()))
                })
                .collect()
        })
        .collect();
    let not_moved_paths: Vec<Vec<String>> = not_moved
        .iter()
        .map(|v| v.iter().map(|(p, _)| p.clone()).collect())
        .collect();
    let hash = spec.hash();
    let out = common::out_dir(&args.out, &loaded.stem, "sweep");
    let dir = out.join("points");
    let spec_file = dir.join("spec.json");
    if dir.exists() {
        let old = std::fs::read_to_string(&spec_file)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                v.get("spec_hash")
                    .and_then(|h| h.as_str())
                    .map(String::from)
            });
        if old.as_deref() != Some(hash.as_str()) {
            if args.fresh {
                if let Err(e) = std::fs::remove_dir_all(&dir) {
                    eprintln!("error: could not remove '{}': {e}", dir.display());
                    return ExitCode::from(super::EXIT_FAILURE);
                }
            } else {
                eprintln!(
                    "error: '{}' holds points of a different sweep (another scenario file, \
                     paths, ranges, seed, replications, strategies or chokepoint version), \
                     which must not be mixed with this one.\n  \
                     Run again with --fresh to discard them, or choose another --out.",
                    dir.display()
                );
                return ExitCode::from(super::EXIT_BAD_INPUT);
            }
        }
    }
    let spec_json = serde_json::json!({ "spec_hash": hash, "spec": spec });
    let mut spec_text = serde_json::to_string_pretty(&spec_json).unwrap_or_default();
    spec_text.push('\n');
    if let Err(e) = report::write_atomic(&spec_file, spec_text.as_bytes()) {
        return common::fail_io(e);
    }

    let pool = match common::pool(args.sim.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let stop_after: Option<usize> = std::env::var(STOP_AFTER_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    let n = spec.points.len();
    let point_file = |i: usize| dir.join(format!("point-{i:06}.csv"));
    let done = (0..n).filter(|&i| point_file(i).exists()).count();
    if !args.quiet {
        eprintln!(
            "{} — {n} point{} × {} futures, seed {}{}",
            ev.base().name,
            if n == 1 { "" } else { "s" },
            ev.replications,
            ev.seed,
            if done > 0 {
                format!(", resuming: {done} already done")
            } else {
                String::new()
            }
        );
    }
    let pb = common::bar(n as u64, "points", args.quiet);
    pb.set_position(done as u64);
    let mut computed = 0usize;
    for i in 0..n {
        let path = point_file(i);
        if path.exists() {
            continue;
        }
        let values = spec.assignments(i);
        pb.set_message(
            values
                .iter()
                .map(|(p, v)| format!("{}={}", p.rsplit('.').next().unwrap_or(p), v))
                .collect::<Vec<_>>()
                .join(" "),
        );
        let (scn, res) = match pool.install(|| ev.run_at(&values, &chokepoint::sim::NoProgress)) {
            Ok(x) => x,
            Err(e) => {
                pb.finish_and_clear();
                return common::fail(e);
            }
        };
        let rows = sweep::point_rows(&scn, &res, i, &spec.points[i], &not_moved_paths);
        if let Err(e) = report::write_atomic(&path, rows.as_bytes()) {
            pb.finish_and_clear();
            return common::fail_io(e);
        }
        pb.inc(1);
        computed += 1;
        if stop_after == Some(computed) {
            pb.finish_and_clear();
            eprintln!("stopped after {computed} points ({STOP_AFTER_ENV})");
            return ExitCode::from(super::EXIT_FAILURE);
        }
    }
    pb.finish_and_clear();

    // Assemble sweep.csv from the point files in index order.
    let header = spec.csv_header();
    let mut body: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        match std::fs::read_to_string(point_file(i)) {
            Ok(t) => body.push(t),
            Err(e) => {
                eprintln!("error: could not read '{}': {e}", point_file(i).display());
                return ExitCode::from(super::EXIT_FAILURE);
            }
        }
    }
    let csv_path = out.join("sweep.csv");
    if let Err(e) = report::write_atomic_with(&csv_path, |w| {
        w.write_all(header.as_bytes())?;
        for t in &body {
            w.write_all(t.as_bytes())?;
        }
        Ok(())
    }) {
        return common::fail_io(e);
    }
    let json = serde_json::json!({
        "command": "sweep",
        "scenario_path": loaded.path,
        "spec_hash": hash,
        "spec": spec,
        "rows": "sweep.csv: one row per point × strategy × material, plus a `total` row per \
                 point × strategy; columns point, one per varied path, strategy, material, \
                 autonomy, not_moved_by (varied paths that cannot move the strategy, \
                 ;-separated), then <metric>_<stat> for stat in mean, se, ci95_lo, ci95_hi, \
                 p50, p95, cvar95, prob_positive (empty where it does not apply)",
        "not_moved_by": ev
            .base()
            .strategies
            .iter()
            .zip(&not_moved)
            .map(|(st, v)| {
                (
                    st.id.clone(),
                    serde_json::Value::Array(
                        v.iter()
                            .map(|(p, why)| serde_json::json!({ "path": p, "why": why }))
                            .collect(),
                    ),
                )
            })
            .collect::<serde_json::Map<String, serde_json::Value>>(),
    });
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    if let Err(e) = report::write_atomic(&out.join("sweep.json"), text.as_bytes()) {
        return common::fail_io(e);
    }
    if !args.no_charts {
        let material = subject.id(ev.base());
        let full_ids: Vec<String> = loaded
            .doc
            .validate()
            .map(|s| s.strategies.iter().map(|x| x.id.clone()).collect())
            .unwrap_or_default();
        let data = sweep_data(
            &spec,
            ev.base(),
            &header,
            &body,
            &args.metric,
            &material,
            target.as_ref(),
            &full_ids,
            &not_moved,
        );
        let metric_short = ach::metric_words(&args.metric)
            .split(',')
            .next()
            .unwrap_or(&args.metric)
            .to_string();
        let (name, title, kind) = if spec.vary.len() == 1 {
            (
                "sweep",
                format!(
                    "How mean {metric_short} ({material}) changes with {}",
                    ach::short_path(&spec.vary[0].path)
                ),
                AnalysisKind::SweepLines(data.clone()),
            )
        } else if spec.vary.len() == 2 && spec.lhs.is_none() {
            (
                "sweep_heatmap",
                format!(
                    "Mean {metric_short} ({material}) over {} and {}",
                    ach::short_path(&spec.vary[0].path),
                    ach::short_path(&spec.vary[1].path)
                ),
                AnalysisKind::SweepHeatmap(data.clone()),
            )
        } else {
            (
                "sweep_scatter",
                format!(
                    "Mean {metric_short} ({material}) against each of {} varied paths",
                    spec.vary.len()
                ),
                AnalysisKind::SweepScatter(data.clone()),
            )
        };
        let chart = AnalysisChart {
            name: name.into(),
            title,
            caption: ach::caption(&ev.base().name, ev.replications, ev.seed),
            kind,
        };
        let page = AnalysisPage {
            title: format!("Sweep — {}", ev.base().name),
            subtitle: format!(
                "{} {} over {}; {} simulated futures per point, seed {}; chart of mean {} \
                 ({material}){}.",
                n,
                if spec.lhs.is_some() {
                    "Latin-hypercube points"
                } else {
                    "grid points"
                },
                spec.vary
                    .iter()
                    .map(|v| format!("{} = {}..{}", v.path, v.lo, v.hi))
                    .collect::<Vec<_>>()
                    .join(", "),
                ev.replications,
                ev.seed,
                args.metric,
                target
                    .as_ref()
                    .map(|t| format!(", target {t}"))
                    .unwrap_or_default()
            ),
            findings: report::pages::explore::sweep_findings(&data),
            tables: vec![(
                "Points".into(),
                report::pages::explore::sweep_table(&data, 60),
            )],
            files: vec!["sweep.csv".into(), "sweep.json".into()],
            provenance: common::provenance(&loaded, Some(ev.seed), Some(ev.replications)),
            ..AnalysisPage::default()
        };
        if let Err(code) = common::write_page(&out, &[chart], page, args.quiet) {
            return code;
        }
    }
    if !args.quiet {
        print_table(&header, &body, spec.vary.len());
        println!(
            "\n{n} points ({computed} computed now, {} reused). Written to {}/: sweep.csv, sweep.json \
             (finished points kept in points/)",
            n - computed,
            out.display()
        );
    }
    ExitCode::SUCCESS
}

/// A compact terminal view of the sweep: per point, strategy and material, autonomy and
/// the shortfall and cost statistics planners read first.
fn print_table(header: &str, body: &[String], n_paths: usize) {
    let cols: Vec<&str> = header.trim_end().split(',').collect();
    let want = [
        "autonomy",
        "shortfall_pct_mean",
        "shortfall_pct_p95",
        "days_short_mean",
        "total_cost_mean",
    ];
    let idx: Vec<usize> = (0..n_paths + 3)
        .chain(want.iter().filter_map(|w| cols.iter().position(|c| c == w)))
        .collect();
    let short = |c: &str| c.rsplit('.').next().unwrap_or(c).to_string();
    let head: Vec<String> = idx.iter().map(|&i| short(cols[i])).collect();
    let mut table: Vec<Vec<String>> = vec![head];
    for t in body {
        for line in t.lines() {
            let f: Vec<&str> = line.split(',').collect();
            table.push(
                idx.iter()
                    .map(|&i| {
                        let v = f.get(i).copied().unwrap_or("");
                        if i <= n_paths || i == n_paths + 1 || i == n_paths + 2 {
                            v.to_string()
                        } else {
                            numfmt::sig4(v.parse().ok())
                        }
                    })
                    .collect(),
            );
        }
    }
    let widths: Vec<usize> = (0..idx.len())
        .map(|j| {
            table
                .iter()
                .map(|r| r[j].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let max_rows = 60;
    for (k, r) in table.iter().enumerate() {
        if k == max_rows {
            println!("… {} more rows in sweep.csv", table.len() - max_rows);
            break;
        }
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        println!("{}", line.join("  "));
    }
}

/// The `sweep.csv` statistic column a target statistic reads (`None`: not in the CSV).
fn stat_column(stat: Statistic) -> Option<&'static str> {
    match stat {
        Statistic::Mean => Some("mean"),
        Statistic::Quantile(50) => Some("p50"),
        Statistic::Quantile(95) => Some("p95"),
        Statistic::Quantile(_) => None,
        Statistic::Cvar95 => Some("cvar95"),
        Statistic::ProbPositive => Some("prob_positive"),
        Statistic::Autonomy => Some("autonomy"),
    }
}

/// The chart data of a sweep, read back from its CSV rows (so resumed points chart the
/// same as fresh ones): per strategy, the metric's mean and interval at every point for
/// `material`, and whether `target` holds there.
#[allow(clippy::too_many_arguments)]
fn sweep_data(
    spec: &SweepSpec,
    scn: &chokepoint::model::Scenario,
    header: &str,
    body: &[String],
    metric: &str,
    material: &str,
    target: Option<&Target>,
    full_ids: &[String],
    not_moved: &[Vec<(String, String)>],
) -> SweepData {
    let cols: Vec<&str> = header.trim_end().split(',').collect();
    let col = |name: &str| cols.iter().position(|c| *c == name);
    let np = spec.vary.len();
    let (mean_i, lo_i, hi_i) = (
        col(&format!("{metric}_mean")),
        col(&format!("{metric}_ci95_lo")),
        col(&format!("{metric}_ci95_hi")),
    );
    let clause_cols: Vec<Option<usize>> = target
        .map(|t| {
            t.clauses
                .iter()
                .map(|c| {
                    let stat = stat_column(c.stat)?;
                    match &c.metric {
                        Some(m) => col(&format!("{m}_{stat}")),
                        None => col(stat),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut series: Vec<SweepSeries> = scn
        .strategies
        .iter()
        .enumerate()
        .map(|(k, st)| SweepSeries {
            label: st.label.clone(),
            color: 0,
            not_moved_by: not_moved.get(k).cloned().unwrap_or_default(),
            points: Vec::new(),
        })
        .collect();
    // Colours follow the strategy's place in the full scenario (as in the run's charts).
    for (k, st) in scn.strategies.iter().enumerate() {
        series[k].color = full_ids.iter().position(|x| *x == st.id).unwrap_or(k);
    }
    let get = |f: &[&str], i: Option<usize>| -> Option<f64> {
        i.and_then(|i| f.get(i)).and_then(|v| v.parse::<f64>().ok())
    };
    // Expected total cost per (point, strategy): `total_cost_mean` of the `total` rows.
    let cost_i = col(&format!(
        "{}_mean",
        chokepoint::stats::TotalMetric::TotalCost.name()
    ));
    let mut costs: std::collections::HashMap<(String, String), f64> =
        std::collections::HashMap::new();
    for text in body {
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            if f.get(np + 2) == Some(&chokepoint::stats::TOTAL)
                && let (Some(p), Some(st), Some(c)) = (f.first(), f.get(np + 1), get(&f, cost_i))
            {
                costs.insert((p.to_string(), st.to_string()), c);
            }
        }
    }
    for text in body {
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            if f.get(np + 2) != Some(&material) {
                continue;
            }
            let Some(k) = scn
                .strategies
                .iter()
                .position(|s| Some(&s.id.as_str()) == f.get(np + 1))
            else {
                continue;
            };
            let values: Vec<f64> = (1..=np).filter_map(|i| get(&f, Some(i))).collect();
            let met = target.map(|t| {
                t.clauses
                    .iter()
                    .zip(&clause_cols)
                    .all(|(c, &i)| get(&f, i).is_some_and(|v| c.op.holds(v, c.threshold)))
            });
            let ci95 = get(&f, lo_i).zip(get(&f, hi_i)).map(|(a, b)| [a, b]);
            let cost = costs
                .get(&(f[0].to_string(), f[np + 1].to_string()))
                .copied();
            series[k].points.push(SweepPoint {
                values,
                mean: get(&f, mean_i),
                ci95,
                met,
                cost,
            });
        }
    }
    let thresholds = target
        .map(|t| {
            t.clauses
                .iter()
                .filter(|c| c.stat == Statistic::Mean && c.metric.as_deref() == Some(metric))
                .map(|c| {
                    let op = match c.op {
                        Op::Le => "≤",
                        Op::Lt => "<",
                        Op::Ge => "≥",
                        Op::Gt => ">",
                    };
                    (c.threshold, format!("target: {op} {}", c.threshold))
                })
                .collect()
        })
        .unwrap_or_default();
    SweepData {
        paths: spec.vary.iter().map(|v| v.path.clone()).collect(),
        metric: metric.to_string(),
        subject: material.to_string(),
        target: target.map(|t| t.to_string()),
        thresholds,
        series,
        currency: scn.currency.clone(),
    }
}
