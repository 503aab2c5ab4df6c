//! Evaluating a scenario at chosen parameter values: the one mechanism every analysis
//! uses (set the paths on a copy of the document, validate, run with a fixed seed and
//! replication count).

use super::ExploreError;
use crate::model::{Scenario, StrategyId};
use crate::numfmt;
use crate::scenario::Document;
use crate::sim::{self, Progress, RunOptions, RunResult};

/// The id of `scn`'s strategy written `id` (as a user typed it).
///
/// # Errors
/// [`ExploreError::Spec`] naming an unknown strategy (or text that is no id) and
/// listing the valid ids.
pub fn strategy_id(scn: &Scenario, id: &str) -> Result<StrategyId, ExploreError> {
    id.parse::<StrategyId>()
        .ok()
        .filter(|t| scn.strategies().iter().any(|s| &s.id == t))
        .ok_or_else(|| {
            let valid: Vec<&str> = scn.strategies().iter().map(|s| s.id.as_str()).collect();
            ExploreError::Spec(format!(
                "unknown strategy `{id}`; the scenario has {}",
                valid.join(", ")
            ))
        })
}

/// `scn` with only the strategies named in `ids`, in that order (all of them when `ids`
/// is empty). The reference becomes the original reference if kept, else the first.
///
/// # Errors
/// [`ExploreError::Spec`] naming an unknown strategy and listing the valid ids.
pub fn select_strategies(scn: &Scenario, ids: &[String]) -> Result<Scenario, ExploreError> {
    let ids = ids
        .iter()
        .map(|id| strategy_id(scn, id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(select_strategy_ids(scn, &ids))
}

/// [`select_strategies`] by typed ids; an id the scenario does not have is passed over
/// (when none is found, the scenario as it is).
pub fn select_strategy_ids(scn: &Scenario, ids: &[StrategyId]) -> Scenario {
    if ids.is_empty() {
        return scn.clone();
    }
    let mut out = scn.clone().into_parts();
    out.strategies.clear();
    let ref_id = &scn.strategies()[scn.reference()].id;
    for id in ids {
        let Some(s) = scn.strategies().iter().find(|s| &s.id == id) else {
            continue;
        };
        if !out.strategies.iter().any(|x| &x.id == id) {
            out.strategies.push(s.clone());
        }
    }
    out.reference = out
        .strategies
        .iter()
        .position(|s| &s.id == ref_id)
        .unwrap_or(0);
    // None of the ids found: the scenario as it is (a scenario has at least one strategy).
    Scenario::new(out).unwrap_or_else(|_| scn.clone())
}

/// Evaluates a scenario document at parameter values, always with the same seed,
/// replications and strategies (common random numbers across evaluations).
#[derive(Debug, Clone)]
pub struct Evaluator {
    doc: Document,
    base: Scenario,
    strategies: Vec<StrategyId>,
    all_ids: Vec<StrategyId>,
    /// Seed of every evaluation.
    pub seed: u64,
    /// Replications of every evaluation.
    pub replications: u64,
}

impl Evaluator {
    /// An evaluator of `doc` restricted to `strategies` (all when empty), with the given
    /// seed and replications (the scenario's when `None`).
    ///
    /// # Errors
    /// The base scenario is invalid, or a strategy is unknown.
    pub fn new(
        doc: Document,
        strategies: &[String],
        seed: Option<u64>,
        replications: Option<u64>,
    ) -> Result<Evaluator, ExploreError> {
        let full = doc.validate()?;
        let strategies = strategies
            .iter()
            .map(|id| strategy_id(&full, id))
            .collect::<Result<Vec<_>, _>>()?;
        let base = select_strategy_ids(&full, &strategies);
        Ok(Evaluator {
            seed: seed.unwrap_or(full.seed()),
            replications: replications.unwrap_or(u64::from(full.replications())),
            all_ids: full.strategies().iter().map(|s| s.id.clone()).collect(),
            doc,
            base,
            strategies,
        })
    }

    /// An evaluator of one strategy of `doc`: `strategy`, or the reference strategy when
    /// `None`. Returns the strategy's id with it.
    ///
    /// # Errors
    /// The base scenario is invalid, or the strategy is unknown.
    pub fn one_strategy(
        doc: &Document,
        strategy: Option<&str>,
        seed: Option<u64>,
        replications: Option<u64>,
    ) -> Result<(String, Evaluator), ExploreError> {
        let full = doc.validate()?;
        let id = strategy.map_or_else(
            || full.strategies()[full.reference()].id.to_string(),
            str::to_string,
        );
        let ev = Evaluator::new(doc.clone(), std::slice::from_ref(&id), seed, replications)?;
        Ok((id, ev))
    }

    /// The ids of every strategy of the scenario, in its order (whatever the evaluator
    /// keeps): a strategy's colour in the charts follows its place here.
    pub fn all_strategy_ids(&self) -> &[StrategyId] {
        &self.all_ids
    }

    /// The strategies simulated, as chosen (all of the scenario's when empty).
    pub fn strategy_ids(&self) -> &[StrategyId] {
        &self.strategies
    }

    /// The document evaluated.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The base scenario (restricted to the chosen strategies).
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// The scenario with `values` set (in order), validated and restricted to the chosen
    /// strategies.
    ///
    /// # Errors
    /// An unknown path or a value it cannot take ([`ExploreError::Param`]), the path
    /// `replications` (set by the analysis, not swept), or an invalid scenario at these
    /// values ([`ExploreError::InvalidAt`]).
    pub fn scenario_at(&self, values: &[(&str, f64)]) -> Result<Scenario, ExploreError> {
        let mut doc = self.doc.clone();
        for &(path, v) in values {
            if path == "replications" {
                return Err(ExploreError::Spec(
                    "`replications` is chosen with --replications; it cannot be varied".into(),
                ));
            }
            doc.set(path, v)?;
        }
        let at = || {
            values
                .iter()
                .map(|(p, v)| format!("{p} = {}", numfmt::shortest(*v)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let scn = doc.validate().map_err(|e| ExploreError::InvalidAt {
            at: at(),
            problems: e
                .problems
                .iter()
                .map(|p| {
                    if p.path.is_empty() {
                        p.message.clone()
                    } else {
                        format!("{}: {}", p.path, p.message)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        })?;
        Ok(select_strategy_ids(&scn, &self.strategies))
    }

    /// Runs the scenario at `values` (no daily bands).
    ///
    /// # Errors
    /// As [`Evaluator::scenario_at`].
    pub fn run_at(
        &self,
        values: &[(&str, f64)],
        progress: &dyn Progress,
    ) -> Result<(Scenario, RunResult), ExploreError> {
        let scn = self.scenario_at(values)?;
        let res = self.run_scenario(&scn, progress);
        Ok((scn, res))
    }

    /// Runs an already built scenario with this evaluator's seed and replications.
    pub fn run_scenario(&self, scn: &Scenario, progress: &dyn Progress) -> RunResult {
        let opts = RunOptions {
            seed: self.seed,
            replications: 0..self.replications,
            daily: false,
            daily_replications: 0,
        };
        sim::run(scn, &opts, progress)
    }
}
