//! `run --precision`: the goals from the command line, the run that adds futures until
//! they are met (`chokepoint::explore::precision`), and what the terminal says about it.

use chokepoint::explore::precision::{
    self, DEFAULT_MAX_REPLICATIONS, Goal, Plan, PrecisionRecord, Stopped,
};
use chokepoint::model::Scenario;
use chokepoint::numfmt;
use chokepoint::sim::block::RowVec;
use chokepoint::sim::engine::Kernel;
use chokepoint::sim::{RunOptions, RunResult};
use chokepoint::spill;
use chokepoint::staging::Staging;

use super::CliError;
use super::run::{Args, Bar, Context, Finite, SpillFile, conclude, spill_error, spill_path};

/// The checked goals and the rule's block and cap.
pub(super) struct Precision {
    /// Goals, expanded (one per material or strategy where a goal names several).
    pub(super) goals: Vec<Goal>,
    /// Block (-n, default the scenario's replications) and cap (--max-replications).
    pub(super) plan: Plan,
}

/// The goals of `--precision` checked against `scn`, or `None` without the option.
///
/// # Errors
/// Every goal that does not parse or does not fit the scenario, each with its column
/// (exit code 2).
pub(super) fn setup(args: &Args, scn: &Scenario) -> Result<Option<Precision>, CliError> {
    if args.precision.is_empty() {
        return Ok(None);
    }
    let texts: Vec<&str> = args.precision.iter().map(String::as_str).collect();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for t in &texts {
        match precision::parse(t) {
            Ok(s) => specs.push(s),
            Err(e) => {
                errors.push(e.to_string());
                specs.push(Vec::new());
            }
        }
    }
    let goals = match precision::resolve(scn, &texts, &specs) {
        Ok(g) => g,
        Err(es) => {
            errors.extend(es.iter().map(ToString::to_string));
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(CliError::BadInput(errors.join("\nerror: ")));
    }
    let plan = Plan {
        block: args
            .sim
            .replications
            .unwrap_or(scn.replications() as u64)
            .max(1),
        max_replications: args.max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS),
    };
    Ok(Some(Precision { goals, plan }))
}

/// Runs blocks until the goals are met or the cap is reached, then concludes like a
/// fixed run of the final count (same statistics and writers; run.json also records
/// the precision).
pub(super) fn run(
    mut cx: Context<'_>,
    pool: &rayon::ThreadPool,
    p: &Precision,
    opts: &RunOptions,
    progress: &Bar,
    staging: Staging,
    spilled: bool,
) -> Result<(), CliError> {
    let scn = cx.scn;
    let cap = p.plan.max_replications;
    let mut after = |step: &precision::Step| {
        progress
            .bar
            .set_length((step.replications + p.plan.block).min(cap));
    };
    if !spilled {
        let mut rows = RowVec::default();
        let Ok(mut outcome) = pool.install(|| {
            precision::run(
                scn,
                &p.goals,
                p.plan,
                opts,
                progress,
                Kernel::detect(),
                &mut rows,
                &mut after,
            )
        });
        progress.bar.finish_and_clear();
        let result = RunResult {
            first_replication: 0,
            n_replications: outcome.replications as usize,
            n_strategies: scn.strategies().len(),
            n_materials: scn.n_slots(),
            rows: rows.0,
            daily: outcome.daily.take(),
        };
        cx.replications = outcome.replications;
        cx.precision = Some(PrecisionRecord::new(&p.goals, p.plan, &outcome));
        let finite = Finite::Unchecked;
        return conclude(
            &cx,
            pool,
            &result,
            finite,
            result.daily.as_ref(),
            staging,
            None,
        );
    }
    let file = SpillFile(spill_path(staging.dir()));
    let (ns, nm) = (scn.strategies().len(), scn.n_slots());
    let mut sink = spill::SpillWriter::create(&file.0, 0, ns, nm).map_err(spill_error)?;
    let outcome = pool.install(|| {
        precision::run(
            scn,
            &p.goals,
            p.plan,
            opts,
            progress,
            Kernel::detect(),
            &mut sink,
            &mut after,
        )
    });
    progress.bar.finish_and_clear();
    let outcome = outcome.map_err(spill_error)?;
    // Removed once the outputs are written: no need to wait for the disk.
    sink.finish_temporary().map_err(spill_error)?;
    let reps = spill::Spill::open(&file.0).map_err(spill_error)?;
    cx.replications = outcome.replications;
    cx.precision = Some(PrecisionRecord::new(&p.goals, p.plan, &outcome));
    conclude(
        &cx,
        pool,
        &reps,
        Finite::Unchecked,
        outcome.daily.as_ref(),
        staging,
        Some(file),
    )
}

/// `v ± h` with two significant digits of `h` and `v` to the same decimal place (no
/// digit the interval does not support).
pub(super) fn with_half_width(v: f64, h: f64) -> String {
    if !(h > 0.0 && h.is_finite() && v.is_finite()) {
        return format!("{} ± ?", numfmt::sig(v, 3));
    }
    if v.abs() >= 1e4 || h >= 1e4 {
        return format!(
            "{} ± {}",
            numfmt::money_within(v, h),
            numfmt::money(numfmt::sig(h, 2).parse().unwrap_or(h))
        );
    }
    let d = (1.0 - h.log10().floor()).clamp(0.0, 12.0) as usize;
    format!("{v:.d$} ± {h:.d$}")
}

/// Prints what stopped the run and each goal's estimate with its half-width.
pub(super) fn print(rec: &PrecisionRecord) {
    let blocks = rec.replications.div_ceil(rec.block);
    match rec.stopped {
        Stopped::Met => println!(
            "Precision met after {} futures ({blocks} block{} of {}):",
            numfmt::grouped(rec.replications),
            if blocks == 1 { "" } else { "s" },
            numfmt::grouped(rec.block)
        ),
        Stopped::Cap => println!(
            "Precision NOT met: stopped at the cap of {} futures (--max-replications):",
            numfmt::grouped(rec.max_replications)
        ),
    }
    let width = rec
        .goals
        .iter()
        .map(|g| g.statistic.chars().count())
        .max()
        .unwrap_or(0);
    for g in &rec.goals {
        let s = &g.status;
        let value = match (s.estimate, s.half_width) {
            (Some(v), Some(h)) => with_half_width(v, h),
            (Some(v), None) => format!("{} (interval unbounded)", numfmt::sig(v, 3)),
            (None, _) => "absent in every future".into(),
        };
        println!(
            "  {:width$}  {value}  (goal ± {}{}{})",
            g.statistic,
            numfmt::shortest(g.goal_half_width),
            if g.relative { "%" } else { "" },
            if s.met { "" } else { ", not met" }
        );
    }
    println!();
}
