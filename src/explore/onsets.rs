//! The expected number of onsets of each shock over the horizon, own and triggered: a
//! Monte Carlo estimate from timelines drawn exactly as a run draws them, so that
//! `chokepoint validate` can say how often each shock strikes under the scenario's
//! onset rules and triggers.

use crate::model::Scenario;
use crate::sim::timeline::{Timeline, TriggerGraph};

/// Timelines sampled by [`expected_onsets`].
pub const ONSET_SAMPLES: u64 = 4000;

/// Expected number of instances of each shock over the horizon (in shock order), own
/// and triggered, estimated from `samples` timelines drawn exactly as a run draws them:
/// the scenario's seed, replications `0..samples`. Deterministic.
pub fn expected_onsets(s: &Scenario, samples: u64) -> Vec<f64> {
    let graph = TriggerGraph::new(s);
    let mut tl = Timeline::default();
    let mut counts = vec![0u64; s.shocks().len()];
    for r in 0..samples {
        tl.sample(s, &graph, s.seed(), r);
        for (c, v) in counts.iter_mut().zip(&tl.per_shock) {
            *c += v.len() as u64;
        }
    }
    counts.iter().map(|&c| c as f64 / samples as f64).collect()
}
