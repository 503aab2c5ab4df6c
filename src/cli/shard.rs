//! `--shard K/N` of `run` and `sweep`: which part of the work this process does, from
//! the command line or from a scheduler's array index, and `run --shard` itself (a shard
//! folder for `chokepoint merge`, written by [`chokepoint::shard`]).
//!
//! K counts from 0, like the array indices of Slurm (`SLURM_ARRAY_TASK_ID` with
//! `--array=0-(N-1)`), Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`) and AWS Batch
//! (`AWS_BATCH_JOB_ARRAY_INDEX`). `--shard auto/N` takes K from the first of those
//! variables that is set; `--shard auto` also takes N, from `CHOKEPOINT_SHARDS` or (under
//! Slurm) `SLURM_ARRAY_TASK_COUNT`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use chokepoint::shard::{self, ShardJob};

use super::CliError;

/// Variables holding a task's array index, in the order they are read.
pub const INDEX_VARS: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];
/// Variable holding the shard count N for `--shard auto`.
pub const COUNT_VAR: &str = "CHOKEPOINT_SHARDS";

fn bad(msg: String) -> CliError {
    CliError::BadInput(msg)
}

fn env_u64(name: &str) -> Result<Option<u64>, CliError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad(format!("{name}={v:?} is not a whole number"))),
    }
}

/// Resolves a `--shard` value to `(K, N)`, reading the environment for `auto`.
///
/// # Errors
/// A malformed value, K not below N, N of 0, or `auto` without the variables it needs
/// (exit code 2).
pub fn resolve(spec: &str) -> Result<(u64, u64), CliError> {
    let syntax = || {
        bad(format!(
            "--shard {spec:?}: expected K/N with 0 <= K < N (K counts from 0), 'auto/N' or \
             'auto'"
        ))
    };
    let (k_text, n_text) = match spec.split_once('/') {
        Some((k, n)) => (k.trim(), Some(n.trim())),
        None => (spec.trim(), None),
    };
    let n_given = match n_text {
        Some(n) => Some(n.parse::<u64>().map_err(|_| syntax())?),
        None => None,
    };
    let (k, n) = if k_text == "auto" {
        let mut found = None;
        for var in INDEX_VARS {
            if let Some(i) = env_u64(var)? {
                found = Some((var, i));
                break;
            }
        }
        let Some((var, k)) = found else {
            return Err(bad(format!(
                "--shard {spec}: none of {} is set (not an array task?); give the index \
                 yourself: --shard K/N",
                INDEX_VARS.join(", ")
            )));
        };
        let n = match (n_given, env_u64(COUNT_VAR)?) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) if var == "SLURM_ARRAY_TASK_ID" => {
                let count = env_u64("SLURM_ARRAY_TASK_COUNT")?
                    .ok_or_else(|| bad("--shard auto: SLURM_ARRAY_TASK_COUNT is not set".into()))?;
                let (lo, hi) = (
                    env_u64("SLURM_ARRAY_TASK_MIN")?,
                    env_u64("SLURM_ARRAY_TASK_MAX")?,
                );
                if lo != Some(0) || hi != Some(count.saturating_sub(1)) {
                    return Err(bad(format!(
                        "--shard auto: the job array is not 0-{} (min {lo:?}, max {hi:?}), so \
                         its task count is not the shard count; give N: --shard auto/N or \
                         {COUNT_VAR}=N",
                        count.saturating_sub(1)
                    )));
                }
                count
            }
            (None, None) => {
                return Err(bad(format!(
                    "--shard auto: {var} gives K but nothing gives N; use --shard auto/N or \
                     set {COUNT_VAR}=N"
                )));
            }
        };
        (k, n)
    } else {
        let k = k_text.parse::<u64>().map_err(|_| syntax())?;
        (k, n_given.ok_or_else(syntax)?)
    };
    if n == 0 {
        return Err(bad(format!(
            "--shard {spec}: the shard count N must be at least 1"
        )));
    }
    if k >= n {
        return Err(bad(format!(
            "--shard {spec}: shard {k} of {n} does not exist; K counts from 0, so it runs \
             from 0 to {}",
            n - 1
        )));
    }
    Ok((k, n))
}

/// `run SCENARIO --shard K/N`: simulates shard K's replications into its folder
/// (default `output/<stem>/shards/<K>/`), or says it is already finished there.
pub fn run(args: &super::run::Args, spec: &str) -> Result<(), CliError> {
    let (k, n) = resolve(spec)?;
    let (scn, scenario_path, bytes, stem) = super::run::load(args)?;
    if !args.quiet {
        super::validate::print_warnings(&scn);
    }
    let replications = args.sim.replications.unwrap_or(scn.replications() as u64);
    if n > replications {
        return Err(bad(format!(
            "--shard {k}/{n}: {n} shards of {replications} futures would leave shards \
             empty; use at most {replications} shards"
        )));
    }
    let out: PathBuf = args.out.clone().unwrap_or_else(|| {
        Path::new("output")
            .join(&stem)
            .join("shards")
            .join(k.to_string())
    });
    let threads = super::common::thread_count(args.sim.threads);
    let job = ShardJob {
        scn: &scn,
        scenario_bytes: &bytes,
        scenario_path,
        seed: args.sim.seed.unwrap_or(scn.seed()),
        replications,
        daily_replications: if args.daily_replications == 0 {
            u64::MAX
        } else {
            args.daily_replications
        },
        shard: k,
        shards: n,
        threads,
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
    };
    let range = job.range();
    if let Some(meta) = shard::finished(&out, &job) {
        if !args.quiet {
            println!(
                "Shard {k}/{n} of {} (replications {}..{}) is already finished in {}/ \
                 (shard.json of {}); nothing to do.",
                scn.name(),
                meta.first_replication,
                meta.end_replication,
                out.display(),
                meta.started_at
            );
        }
        return Ok(());
    }
    let pool = super::common::pool(args.sim.threads)?;
    let t0 = Instant::now();
    let progress = super::run::Bar::new(scn.name(), range.end - range.start, t0, args.quiet);
    let meta = pool.install(|| shard::write_shard(&out, &job, &progress));
    progress.bar.finish_and_clear();
    let meta = meta.map_err(shard_error)?;
    if !args.quiet {
        println!(
            "{} — shard {k}/{n}: replications {}..{} of {replications}, seed {}, {threads} \
             threads, {:.1} s\nWritten to {}/: {}, {}, {}, {}\nWhen all {n} shards are done: \
             chokepoint merge SHARD_DIR... --out DIR",
            scn.name(),
            meta.first_replication,
            meta.end_replication,
            meta.seed,
            meta.wall_time_s,
            out.display(),
            shard::SCENARIO_FILE,
            shard::REPLICATIONS_FILE,
            shard::DAILY_FILE,
            shard::SHARD_FILE,
        );
    }
    Ok(())
}

/// A shard error as a CLI error: refusals are bad input (exit 2), the rest failures.
pub fn shard_error(e: shard::ShardError) -> CliError {
    if e.is_bad_input() {
        CliError::BadInput(e.to_string())
    } else {
        CliError::Failure(e.to_string())
    }
}
