//! The `sweep` command: a grid or Latin hypercube over parameter paths, resumable.
//!
//! The sweep itself (problem, executor, rows) lives in [`chokepoint::explore::sweep`];
//! its finished points are kept in `OUT/points/` by [`chokepoint::store::PointDir`], so a
//! re-run of the same command resumes, and a different spec is refused unless `--fresh`.

use chokepoint::numfmt;
use std::path::PathBuf;

use super::{CliError, common};
use chokepoint::explore::sweep::{
    self, PointStore, SweepColumn, SweepProblem, SweepRequest, SweepRow,
};
use chokepoint::explore::{Observer, Stage, export};
use chokepoint::report::{self, explore::sweep_page};
use chokepoint::sim::Metric;
use chokepoint::stats::{Measure, StatColumn};
use chokepoint::store::PointDir;

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
    /// Material the chart reads, a sector (`sector.<id>`), or `total` (default: the only
    /// material; with several, `total` for total metrics and the GDP at risk
    /// `value_added_lost`, else the first material).
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
    /// Evaluate only part K of N of the points (K from 0 to N-1) into OUT/points/ and
    /// write nothing else; a last call without --shard evaluates what is missing and
    /// writes the results. 'auto/N' or 'auto' read the array index (see `run --shard`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let loaded = common::load(&args.scenario)?;
    let bars = common::Bars::new(args.quiet, !args.quiet && !args.no_charts);
    let req = SweepRequest {
        vary: args.vary.clone(),
        lhs: args.lhs.map(|n| n as usize),
        strategies: args.strategy.clone(),
        seed: args.sim.seed,
        replications: args.sim.replications,
        metric: args.metric.clone(),
        material: args.material.clone(),
        target: args.target.clone(),
        source: loaded.source(),
    };
    let shard = common::shard_arg(args.shard.as_deref(), args.fresh)?;
    let problem = SweepProblem::new(&loaded.doc, &req, &bars)?;
    let out = common::out_dir(&args.out, &loaded.stem, "sweep");
    if shard.is_none() {
        common::note_replaced(&out, "sweep");
    }
    let mut store = PointDir::open(&out.join("points"), &problem, args.fresh)?;
    let pool = common::pool(args.sim.threads)?;
    let n = problem.len();
    // Temporary files of points whose writer was killed (SIGKILL leaves them): a shard
    // clears its own range, the final call all of them.
    store.clean_debris(shard.map(|(k, shards)| {
        let r = chokepoint::shard::shard_range(n as u64, k, shards);
        r.start as usize..r.end as usize
    }));
    if let Some((k, shards)) = shard {
        return run_shard(
            &problem,
            &mut store,
            &pool,
            &bars,
            (k, shards),
            &out,
            args.quiet,
        );
    }
    if !args.quiet {
        let done = store.done(n).len();
        eprintln!(
            "{} — {n} point{} × {} futures, seed {}{}",
            problem.base().name(),
            if n == 1 { "" } else { "s" },
            problem.spec.replications,
            problem.spec.seed,
            if done > 0 {
                format!(", resuming: {done} already done")
            } else {
                String::new()
            }
        );
    }
    let result = pool.install(|| sweep::run(&problem, &mut store, &bars));
    bars.finish();
    let result = result?;
    // The points stay in OUT/points/ (resumable state, written in place point by
    // point); the outputs are staged and swapped in, carrying points/ over.
    let staging = common::stage(&out)?;
    let dir = staging.dir();
    report::write_atomic(
        &dir.join("sweep.csv"),
        &export::sweep_csv(&problem, &result)?,
    )?;
    report::write_atomic(&dir.join("sweep.json"), &export::sweep_json(&problem))?;
    if !args.no_charts {
        let (seed, reps) = (problem.spec.seed, problem.spec.replications);
        let provenance = common::provenance(&loaded, Some(seed), Some(reps));
        let (charts, page) = sweep_page(&problem, &result, provenance);
        common::write_page(&staging, &charts, page, args.quiet)?;
    }
    staging.commit()?;
    if !args.quiet {
        let paths: Vec<String> = problem.spec.vary.iter().map(|v| v.path.clone()).collect();
        print_table(&paths, &result.rows, problem.view.metric);
        println!(
            "\n{n} points ({} computed now, {} reused). Written to {}/: sweep.csv, sweep.json \
             (finished points kept in points/)",
            result.computed,
            result.reused,
            out.display()
        );
    }
    Ok(())
}

/// `sweep --shard K/N`: evaluates the points of part K (a contiguous range of the
/// point indices, [`chokepoint::shard::shard_range`]) that the store lacks, and stops.
fn run_shard(
    problem: &SweepProblem,
    store: &mut PointDir,
    pool: &rayon::ThreadPool,
    bars: &common::Bars,
    (k, shards): (u64, u64),
    out: &std::path::Path,
    quiet: bool,
) -> Result<(), CliError> {
    let range = chokepoint::shard::shard_range(problem.len() as u64, k, shards);
    let indices = range.start as usize..range.end as usize;
    let done = indices.clone().filter(|&i| store.contains(i)).count();
    if !quiet {
        eprintln!(
            "{} — shard {k}/{shards}: points {}..{} of {} × {} futures, seed {}{}",
            problem.base().name(),
            indices.start,
            indices.end,
            problem.len(),
            problem.spec.replications,
            problem.spec.seed,
            if done > 0 {
                format!(", resuming: {done} already done")
            } else {
                String::new()
            }
        );
    }
    bars.stage(&Stage::Sweep {
        points: indices.len(),
        done,
    });
    let computed = pool.install(|| sweep::compute(problem, indices.clone(), store, bars));
    bars.finish();
    let computed = computed?;
    if !quiet {
        println!(
            "Shard {k}/{shards}: {computed} points computed now, {done} reused, in {}/points/.\n\
             When every shard is done, run the same command without --shard: it evaluates \
             any point still missing and writes sweep.csv.",
            out.display()
        );
    }
    Ok(())
}

/// A compact terminal view of the sweep: per point, strategy and material (and sector),
/// autonomy and the shortfall and cost statistics planners read first; when the charted
/// metric is a sector metric, its mean and P95 too.
fn print_table(paths: &[String], rows: &[SweepRow], charted: Measure) {
    let mut want: Vec<SweepColumn> = vec![
        SweepColumn::Autonomy,
        SweepColumn::Stat(Metric::ShortfallPct.into(), StatColumn::Mean),
        SweepColumn::Stat(Metric::ShortfallPct.into(), StatColumn::P95),
        SweepColumn::Stat(Metric::DaysShort.into(), StatColumn::Mean),
        SweepColumn::Stat(Metric::TotalCost.into(), StatColumn::Mean),
    ];
    if matches!(charted, Measure::Sector(_)) {
        want.extend([
            SweepColumn::Stat(charted, StatColumn::Mean),
            SweepColumn::Stat(charted, StatColumn::P95),
        ]);
    }
    let short = |c: &str| c.rsplit('.').next().unwrap_or(c).to_string();
    let mut head = vec!["point".to_string()];
    head.extend(paths.iter().map(|p| short(p)));
    head.extend(["strategy".into(), "material".into()]);
    head.extend(want.iter().map(|w| w.name()));
    let mut table: Vec<Vec<String>> = vec![head];
    for r in rows {
        let mut line = vec![r.point.to_string()];
        line.extend(r.values.iter().map(|&v| numfmt::shortest(v)));
        line.extend([
            r.strategy.to_string(),
            chokepoint::explore::sweep::subject_field(&r.material),
        ]);
        line.extend(want.iter().map(|&w| numfmt::sig4(r.value(w))));
        table.push(line);
    }
    let widths: Vec<usize> = (0..table[0].len())
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
