//! Wall time of each phase of a whole `run` of `scenarios/bench.toml`: simulation (with
//! the daily histograms of the first 10,000 replications, as `run` does), statistics,
//! daily bands and the data files (written to a temporary folder), in one pool of the
//! given number of threads. docs/performance.md uses it for the per-phase split of a
//! whole run; the criterion benches (`benches/phases.rs`) time each phase on its own.
//!
//! `cargo run --release --example phase_times -- [REPLICATIONS] [THREADS]`
//! (defaults 100000 and 2). Prints one line of seconds per phase.

use chokepoint::report::{self, RunInfo};
use chokepoint::sim::{NoProgress, RunOptions, run};
use chokepoint::stats::{Summary, daily_bands};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
    let threads: usize = args.get(2).map_or(Ok(2), |s| s.parse())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench.toml");
    let scn = chokepoint::scenario::load_scenario(&path)
        .map_err(|e| format!("scenarios/bench.toml: {e:?}"))?;
    let dir = tempfile::tempdir()?;
    pool.install(|| -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let t = Instant::now();
        let res = run(&scn, &RunOptions::new(scn.seed(), n), &NoProgress);
        let t_sim = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let summary = Summary::from_run(&scn, &res, scn.seed()).unwrap();
        let t_stats = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let bands = res.daily.as_ref().map(daily_bands).unwrap_or_default();
        let t_bands = t.elapsed().as_secs_f64();
        let info = RunInfo {
            chokepoint_version: report::CHOKEPOINT_VERSION.into(),
            git_commit: None,
            scenario_path: "scenarios/bench.toml".into(),
            scenario_sha256: String::new(),
            seed: scn.seed(),
            first_replication: 0,
            replications: n,
            threads,
            wall_time_s: 0.0,
            command_line: vec![],
            rand_version: report::RAND_VERSION.into(),
            rand_distr_version: report::RAND_DISTR_VERSION.into(),
            started_at: String::new(),
            precision: None,
            notes: Vec::new(),
        };
        let t = Instant::now();
        report::write_run_outputs(
            dir.path(),
            &scn,
            &res,
            &summary,
            Some(&bands),
            &info,
            Default::default(),
        )
        .map_err(|e| e.to_string())?;
        let t_out = t.elapsed().as_secs_f64();
        println!(
            "replications={n} threads={threads} simulation={t_sim:.3}s statistics={t_stats:.3}s \
             bands={t_bands:.3}s output={t_out:.3}s"
        );
        Ok(())
    })
}
