//! Shock timelines (MODEL.md §3): sampled once per replication, shared by all strategies.
//!
//! [`Timeline::sample`] draws every shock instance of one replication; [`Frames`] turns
//! them into what the daily step of each material reads: supplier availability, added
//! delays, demand multipliers, and the onsets the metrics need.

use super::rng;
use crate::model::{OnsetKind, Scenario, Shock};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt};

/// Largest number of days a sampled duration, recovery or delay may take; larger draws
/// are capped (a hundred years, far beyond any horizon).
const MAX_DAYS: f64 = 36_500.0;

/// One instance of a shock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instance {
    /// Index of the shock.
    pub shock: usize,
    /// First active day.
    pub onset: u32,
    /// Active days (at least 1).
    pub duration: u32,
    /// Recovery days after the active phase (at least 0).
    pub recovery: u32,
    /// Intensity while active.
    pub severity: f64,
    /// Added lead time for shipments dispatched while active (`logistics`).
    pub delay: u32,
}

impl Instance {
    /// First day after the active phase.
    pub fn end(&self) -> u32 {
        self.onset.saturating_add(self.duration)
    }

    /// First day after the recovery.
    pub fn end_of_recovery(&self) -> u32 {
        self.end().saturating_add(self.recovery)
    }

    /// Supply-loss (or demand-surge) intensity on day `t`, 0 outside the instance.
    #[inline]
    pub fn intensity(&self, t: u32) -> f64 {
        if t < self.onset {
            0.0
        } else if t < self.end() {
            self.severity
        } else if t < self.end_of_recovery() {
            let k = (t - self.end() + 1) as f64;
            self.severity * (1.0 - k / (self.recovery as f64 + 1.0))
        } else {
            0.0
        }
    }

    /// Whether the two instances overlap, from onset to the end of recovery.
    pub fn overlaps(&self, other: &Instance) -> bool {
        self.onset < other.end_of_recovery() && other.onset < self.end_of_recovery()
    }
}

/// Incoming trigger edges of every shock, computed once per run.
#[derive(Debug, Clone)]
pub struct TriggerGraph {
    /// For each shock, `(parent shock, trigger index in the parent)` in parent order.
    incoming: Vec<Vec<(usize, usize)>>,
}

impl TriggerGraph {
    /// Builds the graph of a validated scenario.
    pub fn new(scn: &Scenario) -> Self {
        let mut incoming = vec![Vec::new(); scn.shocks().len()];
        for (p, shock) in scn.shocks().iter().enumerate() {
            for (k, trig) in shock.triggers().iter().enumerate() {
                incoming[trig.shock()].push((p, k));
            }
        }
        TriggerGraph { incoming }
    }
}

/// All shock instances of one replication, per shock, sorted by onset.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// `per_shock[j]`: instances of shock `j` in onset order, none overlapping another.
    pub per_shock: Vec<Vec<Instance>>,
}

fn days(x: f64, min: u32) -> u32 {
    // Rounded up, at least `min`; NaN (impossible for validated distributions) gives `min`.
    let c = x.ceil();
    if c.is_nan() || c < min as f64 {
        min
    } else {
        c.min(MAX_DAYS) as u32
    }
}

fn draw_instance<R: Rng + ?Sized>(shock: &Shock, j: usize, onset: u32, rng: &mut R) -> Instance {
    let duration = days(shock.duration().sample(rng), 1);
    let raw_sev = shock.severity().sample(rng);
    let severity = if shock.kind().is_supply() {
        raw_sev.clamp(0.0, 1.0)
    } else {
        raw_sev.max(0.0)
    };
    let recovery = days(shock.recovery().sample(rng), 0);
    let delay = days(shock.delay().sample(rng), 0);
    Instance {
        shock: j,
        onset,
        duration,
        recovery,
        severity: if severity.is_nan() { 0.0 } else { severity },
        delay,
    }
}

impl Timeline {
    /// Samples the timeline of replication `rep` (MODEL.md §3). Each shock draws from its
    /// own stream: first its own onsets, then, in the topological order of the trigger
    /// graph, one coin and one instance per (incoming trigger, parent instance); a
    /// triggered instance that would overlap one of the same shock is dropped.
    pub fn sample(&mut self, scn: &Scenario, graph: &TriggerGraph, seed: u64, rep: u64) {
        let horizon = scn.horizon_days();
        self.per_shock.resize_with(scn.shocks().len(), Vec::new);
        for v in &mut self.per_shock {
            v.clear();
        }
        for &j in scn.shock_order() {
            let shock = &scn.shocks()[j];
            let mut rng: ChaCha8Rng = rng::stream(seed, rep, rng::SUB_SHOCK + j as u64);
            let mut own = std::mem::take(&mut self.per_shock[j]);
            match shock.onset().kind() {
                OnsetKind::Rate { rate_per_year } if rate_per_year > 0.0 => {
                    let mean_wait = 365.0 / rate_per_year;
                    let mut t = 0.0f64;
                    loop {
                        // Exponential wait by inversion: one uniform per onset.
                        let u: f64 = rng.random();
                        t += -(1.0 - u).ln() * mean_wait;
                        if !(t < horizon as f64) {
                            break;
                        }
                        let onset = t.floor() as u32;
                        let inst = draw_instance(shock, j, onset, &mut rng);
                        t = inst.end_of_recovery() as f64;
                        own.push(inst);
                    }
                }
                OnsetKind::Rate { .. } | OnsetKind::Never => {}
                OnsetKind::Day { day, probability } => {
                    let u: f64 = rng.random();
                    let inst = draw_instance(shock, j, day, &mut rng);
                    if u < probability && day < horizon {
                        own.push(inst);
                    }
                }
            }
            for &(p, k) in &graph.incoming[j] {
                let trig = &scn.shocks()[p].triggers()[k];
                for pi in 0..self.per_shock[p].len() {
                    let parent = self.per_shock[p][pi];
                    let u: f64 = rng.random();
                    let onset = parent.onset.saturating_add(trig.lag_days());
                    let inst = draw_instance(shock, j, onset, &mut rng);
                    if u < trig.probability()
                        && onset < horizon
                        && !own.iter().any(|o| o.overlaps(&inst))
                    {
                        own.push(inst);
                    }
                }
            }
            own.sort_by_key(|i| i.onset);
            self.per_shock[j] = own;
        }
    }

    /// Every instance, in (shock, onset) order.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.per_shock.iter().flatten()
    }
}

/// What the daily step of one material reads from the timeline of a replication.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// Number of suppliers.
    pub n_suppliers: usize,
    /// Availability `a_i(t)`, indexed `t * n_suppliers + i`.
    pub avail: Vec<f64>,
    /// Added delay `delay_i(t)`, indexed `t * n_suppliers + i`.
    pub delay: Vec<u32>,
    /// Largest entry of `delay`.
    pub max_delay: u32,
    /// Demand multiplier `1 + Σ surges`, per day.
    pub demand_mult: Vec<f64>,
    /// Sorted onsets of every instance that hits the material (supply or demand).
    pub hit_onsets: Vec<u32>,
    /// First onset of a supply-loss instance that hits the material.
    pub first_supply_onset: Option<u32>,
    /// `(onset, end of recovery)` of supply-loss instances hitting the material, by onset.
    pub supply_windows: Vec<(u32, u32)>,
    /// Whether any instance touches the material in this replication.
    pub touched: bool,
    /// Whether `avail`, `delay` or `demand_mult` hold anything but their neutral values.
    dirty: bool,
}

/// The frames of every material for one replication.
#[derive(Debug, Clone, Default)]
pub struct Frames {
    /// One per material.
    pub materials: Vec<Frame>,
}

impl Frames {
    /// Fills the frames from a sampled timeline, reusing the buffers.
    pub fn build(&mut self, scn: &Scenario, timeline: &Timeline) {
        let h = scn.horizon_days() as usize;
        self.materials
            .resize_with(scn.materials().len(), Frame::default);
        for (m, f) in self.materials.iter_mut().enumerate() {
            let n = scn.materials()[m].suppliers.len();
            // Reset the daily arrays only when the last replication wrote into them: most
            // replications leave most materials untouched.
            if f.dirty || f.n_suppliers != n || f.demand_mult.len() != h {
                f.n_suppliers = n;
                f.avail.clear();
                f.avail.resize(h * n, 1.0);
                f.delay.clear();
                f.delay.resize(h * n, 0);
                f.demand_mult.clear();
                f.demand_mult.resize(h, 1.0);
                f.dirty = false;
            }
            f.max_delay = 0;
            f.hit_onsets.clear();
            f.first_supply_onset = None;
            f.supply_windows.clear();
            f.touched = false;
        }
        apply(scn, timeline, h, &mut ScalarSink(self));
        for f in &mut self.materials {
            f.hit_onsets.sort_unstable();
            f.supply_windows.sort_unstable();
        }
    }
}

/// Receives what the instances of a timeline do to the frames of each material, in the
/// order [`apply`] visits them. Implemented by [`Frames`] and by the lane frames of the
/// batched step, so both read the timeline the same way and compute the same bits.
pub(crate) trait FrameSink {
    /// Availability of supplier `i` of material `m` on day `t` is multiplied by `factor`.
    fn supply_loss(&mut self, m: usize, i: usize, t: usize, factor: f64);
    /// `days` are added to the lead time of supplier `i` of material `m` on day `t`.
    fn delay(&mut self, m: usize, i: usize, t: usize, days: u32);
    /// `intensity` is added to the demand multiplier of material `m` on day `t`.
    fn surge(&mut self, m: usize, t: usize, intensity: f64);
    /// `inst` hits material `m`; `supply` when it is a supply disruption.
    fn hit(&mut self, m: usize, inst: &Instance, supply: bool);
}

/// Visits every effect of the instances of `timeline` on a horizon of `h` days, instance
/// by instance in (shock, onset) order (MODEL.md §3).
pub(crate) fn apply<S: FrameSink>(scn: &Scenario, timeline: &Timeline, h: usize, sink: &mut S) {
    for inst in timeline.instances() {
        let shock = &scn.shocks()[inst.shock];
        let start = inst.onset as usize;
        let end = (inst.end() as usize).min(h);
        let rec_end = (inst.end_of_recovery() as usize).min(h);
        for &(m, i) in shock.supply_targets() {
            for t in start..rec_end {
                sink.supply_loss(m, i, t, 1.0 - inst.intensity(t as u32));
            }
            if inst.delay > 0 {
                for t in start..end {
                    sink.delay(m, i, t, inst.delay);
                }
            }
        }
        for &m in shock.demand_targets() {
            for t in start..rec_end {
                sink.surge(m, t, inst.intensity(t as u32));
            }
        }
        for m in 0..scn.materials().len() {
            if shock.hits(m) {
                sink.hit(m, inst, shock.kind().is_supply());
            }
        }
    }
}

/// [`FrameSink`] of the scalar [`Frames`].
struct ScalarSink<'a>(&'a mut Frames);

impl FrameSink for ScalarSink<'_> {
    #[inline]
    fn supply_loss(&mut self, m: usize, i: usize, t: usize, factor: f64) {
        let f = &mut self.0.materials[m];
        f.dirty = true;
        f.avail[t * f.n_suppliers + i] *= factor;
    }

    #[inline]
    fn delay(&mut self, m: usize, i: usize, t: usize, days: u32) {
        let f = &mut self.0.materials[m];
        f.dirty = true;
        let d = &mut f.delay[t * f.n_suppliers + i];
        *d = d.saturating_add(days);
        f.max_delay = f.max_delay.max(*d);
    }

    #[inline]
    fn surge(&mut self, m: usize, t: usize, intensity: f64) {
        let f = &mut self.0.materials[m];
        f.dirty = true;
        f.demand_mult[t] += intensity;
    }

    fn hit(&mut self, m: usize, inst: &Instance, supply: bool) {
        let f = &mut self.0.materials[m];
        f.touched = true;
        f.hit_onsets.push(inst.onset);
        if supply {
            f.supply_windows.push((inst.onset, inst.end_of_recovery()));
            f.first_supply_onset = Some(
                f.first_supply_onset
                    .map_or(inst.onset, |o| o.min(inst.onset)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn shock(id: &str, onset: Onset, dur: f64, rec: f64) -> Shock {
        Shock::new(ShockParts {
            id: id.parse().unwrap(),
            label: id.into(),
            kind: ShockKind::Outage,
            onset,
            duration: Dist::fixed(dur).unwrap(),
            severity: Dist::fixed(1.0).unwrap(),
            recovery: Dist::fixed(rec).unwrap(),
            delay: None,
            triggers: vec![],
            supply_targets: vec![(0, 0)],
            demand_targets: vec![],
        })
        .unwrap()
    }

    fn scn(shocks: Vec<Shock>, order: Vec<usize>, horizon: u32) -> Scenario {
        // Timelines read only the shocks and the horizon; one plain strategy.
        Scenario::new(ScenarioParts {
            shocks,
            shock_order: order,
            ..ScenarioParts::one_material(horizon, MaterialValues::plain(1.0))
        })
        .unwrap()
    }

    fn sample(s: &Scenario, rep: u64) -> Timeline {
        let mut t = Timeline::default();
        t.sample(s, &TriggerGraph::new(s), 42, rep);
        t
    }

    #[test]
    fn a_rate_process_never_overlaps_itself() {
        let s = scn(
            vec![shock("a", Onset::rate(20.0).unwrap(), 10.0, 5.0)],
            vec![0],
            3650,
        );
        for rep in 0..50 {
            let t = sample(&s, rep);
            let v = &t.per_shock[0];
            assert!(v.len() > 10);
            for w in v.windows(2) {
                assert!(w[1].onset >= w[0].end_of_recovery(), "{w:?}");
            }
        }
    }

    #[test]
    fn a_certain_trigger_starts_one_instance_after_the_lag() {
        let mut a = shock("a", Onset::day(10, 1.0).unwrap(), 5.0, 0.0);
        a = a
            .with_parts(|p| p.triggers = vec![Trigger::new(1, 1.0, 7).unwrap()])
            .unwrap();
        let b = shock("b", Onset::NEVER, 3.0, 0.0);
        let s = scn(vec![a, b], vec![0, 1], 365);
        let t = sample(&s, 0);
        assert_eq!(t.per_shock[1].len(), 1);
        assert_eq!(t.per_shock[1][0].onset, 17);
    }

    #[test]
    fn a_triggered_instance_overlapping_its_own_shock_is_dropped() {
        // b happens on day 15 for 10 days; a (day 10) triggers b at day 10 + 7 = 17,
        // inside b's own instance, so the triggered one is dropped.
        let mut a = shock("a", Onset::day(10, 1.0).unwrap(), 5.0, 0.0);
        a = a
            .with_parts(|p| p.triggers = vec![Trigger::new(1, 1.0, 7).unwrap()])
            .unwrap();
        let b = shock("b", Onset::day(15, 1.0).unwrap(), 10.0, 0.0);
        let s = scn(vec![a, b], vec![0, 1], 365);
        let t = sample(&s, 0);
        assert_eq!(t.per_shock[1].len(), 1);
        assert_eq!(t.per_shock[1][0].onset, 15);
    }

    #[test]
    fn trigger_probability_is_honoured() {
        // 4000 replications of a certain parent and a 0.25 trigger: the share of
        // replications with a child is binomial with SE sqrt(0.25 * 0.75 / 4000) ≈ 0.0068.
        let mut a = shock("a", Onset::day(0, 1.0).unwrap(), 1.0, 0.0);
        a = a
            .with_parts(|p| p.triggers = vec![Trigger::new(1, 0.25, 0).unwrap()])
            .unwrap();
        let b = shock("b", Onset::NEVER, 1.0, 0.0);
        let s = scn(vec![a, b], vec![0, 1], 100);
        let n = 4000;
        let hits = (0..n)
            .filter(|&r| !sample(&s, r).per_shock[1].is_empty())
            .count();
        let share = hits as f64 / n as f64;
        assert!((share - 0.25).abs() < 4.0 * 0.0069, "{share}");
    }

    #[test]
    fn intensity_falls_linearly_during_recovery() {
        let i = Instance {
            shock: 0,
            onset: 10,
            duration: 5,
            recovery: 3,
            severity: 0.8,
            delay: 0,
        };
        assert_eq!(i.intensity(9), 0.0);
        assert_eq!(i.intensity(10), 0.8);
        assert_eq!(i.intensity(14), 0.8);
        // t = end: s (1 - 1/4); end + 2: s (1 - 3/4); end + 3: gone.
        assert!((i.intensity(15) - 0.6).abs() < 1e-12);
        assert!((i.intensity(17) - 0.2).abs() < 1e-12);
        assert_eq!(i.intensity(18), 0.0);
    }

    #[test]
    fn frames_multiply_availability_and_add_delays() {
        let mut a = shock("a", Onset::day(2, 1.0).unwrap(), 4.0, 0.0);
        a = a
            .with_parts(|p| p.severity = Dist::fixed(0.5).unwrap())
            .unwrap();
        let mut b = shock("b", Onset::day(4, 1.0).unwrap(), 4.0, 0.0);
        b = b
            .with_parts(|p| p.severity = Dist::fixed(0.5).unwrap())
            .unwrap();
        b = b.with_parts(|p| p.kind = ShockKind::Logistics).unwrap();
        b = b
            .with_parts(|p| p.delay = Some(Dist::fixed(9.0).unwrap()))
            .unwrap();
        let s = scn(vec![a, b], vec![0, 1], 20);
        let t = sample(&s, 0);
        let mut f = Frames::default();
        f.build(&s, &t);
        let fr = &f.materials[0];
        assert_eq!(fr.avail[1], 1.0);
        assert_eq!(fr.avail[2], 0.5);
        assert_eq!(fr.avail[4], 0.25);
        assert_eq!(fr.avail[7], 0.5);
        assert_eq!(fr.delay[3], 0);
        assert_eq!(fr.delay[4], 9);
        assert_eq!(fr.max_delay, 9);
        assert_eq!(fr.hit_onsets, vec![2, 4]);
        assert_eq!(fr.first_supply_onset, Some(2));
    }
}
