//! The sector layer's daily step (`docs/model.md`, "The sector layer"): what each
//! material served is rationed across the sectors using it, each sector's output is the
//! least covered of its inputs after drawing its buffer, and intermediate sectors' output
//! feeds the sectors downstream.
//!
//! It reads, per material and day, the demand and the shortfall of the material's own
//! step ([`super::material`], [`super::batch`]), so it runs after the materials of a
//! strategy, once per replication and strategy. A scenario without sectors never gets
//! here. [`SectorState`] holds every buffer, so the step allocates nothing once warm.
//!
//! Pure; depends on [`crate::model`] and the sibling module `metrics`.

use super::metrics::{Metric, MetricsRow, N_METRICS, SectorMetric};
use crate::model::{Input, Scenario, Strategy};

/// Output below `1 - TOL` of target is reduced output (as the materials' `1e-9 d`).
pub const TOL: f64 = 1e-9;

/// A claimed input of a sector: its coverage on a day is
/// `clamp((φ - before) / tier, 0, 1)`, `φ` being the share of the input's day that was
/// delivered (a material's served demand, a sector's output), `before` the share the
/// more urgent tiers claim and `tier` the share the sector's own tier claims.
#[derive(Debug, Clone, Copy)]
struct Claim {
    node: Input,
    before: f64,
    tier: f64,
}

#[derive(Debug, Clone)]
struct Sector {
    claims: Vec<Claim>,
    daily_output: f64,
    value_added: f64,
    buffer_days: f64,
    refill_rate: f64,
    /// Materials upstream of the sector (directly or through other sectors).
    upstream: Vec<usize>,
}

/// One strategy's sectors, compiled for the daily step.
#[derive(Debug, Clone)]
pub struct SectorPlan {
    order: Vec<usize>,
    sectors: Vec<Sector>,
    /// Per material: the share of its daily demand claimed by sectors (0 when none).
    claimed: Vec<f64>,
    /// Per material: its shortage cost per unit.
    shortage_cost: Vec<f64>,
}

impl SectorPlan {
    /// Compiles the sectors of strategy `strat` of `scn`: each claim's share of its
    /// input's day (`uses × y / d` of a material, `uses × y / y_k` of a sector `k`) and
    /// the shares of the tiers before it.
    pub fn new(scn: &Scenario, strat: &Strategy) -> SectorPlan {
        let nm = scn.materials.len();
        let ns = strat.sectors.len();
        let day_of = |node: Input| match node {
            Input::Material(m) => strat.materials[m].daily_demand(),
            Input::Sector(k) => strat.sectors[k].daily_output(),
        };
        // Every claim as (node, priority, share), by user.
        let shares: Vec<Vec<(Input, u32, f64)>> = strat
            .sectors
            .iter()
            .map(|p| {
                p.uses()
                    .iter()
                    .map(|&(node, u)| (node, p.priority(), u * p.daily_output() / day_of(node)))
                    .collect()
            })
            .collect();
        let all: Vec<(Input, u32, f64)> = shares.iter().flatten().copied().collect();
        let mut claimed = vec![0.0; nm];
        for &(node, _, share) in &all {
            if let Input::Material(m) = node {
                claimed[m] += share;
            }
        }
        let mut upstream: Vec<Vec<usize>> = vec![Vec::new(); ns];
        for &j in &scn.sector_order {
            let mut up = Vec::new();
            for &(node, _) in strat.sectors[j].uses() {
                match node {
                    Input::Material(m) => up.push(m),
                    Input::Sector(k) => up.extend_from_slice(&upstream[k]),
                }
            }
            up.sort_unstable();
            up.dedup();
            upstream[j] = up;
        }
        let sectors = strat
            .sectors
            .iter()
            .zip(&shares)
            .zip(upstream)
            .map(|((p, mine), upstream)| Sector {
                claims: mine
                    .iter()
                    .map(|&(node, prio, _)| {
                        let (mut before, mut tier) = (0.0, 0.0);
                        for &(n, q, share) in &all {
                            if n == node && q < prio {
                                before += share;
                            } else if n == node && q == prio {
                                tier += share;
                            }
                        }
                        Claim { node, before, tier }
                    })
                    .collect(),
                daily_output: p.daily_output(),
                value_added: p.value_added(),
                buffer_days: p.buffer_days(),
                refill_rate: p.refill_rate(),
                upstream,
            })
            .collect();
        SectorPlan {
            order: scn.sector_order.clone(),
            sectors,
            claimed,
            shortage_cost: strat.materials.iter().map(|p| p.shortage_cost()).collect(),
        }
    }

    /// Number of sectors.
    pub fn len(&self) -> usize {
        self.sectors.len()
    }

    /// Whether there are no sectors.
    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty()
    }
}

/// What the sector step reads of one replication's materials under one strategy.
pub trait Served {
    /// Demand and shortfall of material `m` on day `t`, in units.
    fn day(&self, m: usize, t: usize) -> (f64, f64);
    /// First supply-loss onset hitting material `m`, if any.
    fn first_supply_onset(&self, m: usize) -> Option<u32>;
}

/// Reusable buffers of the sector step (one per worker thread).
#[derive(Debug, Clone, Default)]
pub struct SectorState {
    phi: Vec<f64>,
    direct_short: Vec<f64>,
    beta: Vec<f64>,
    x: Vec<f64>,
    lost: Vec<f64>,
    days: Vec<u32>,
    tts: Vec<f64>,
    first_onset: Vec<Option<u32>>,
}

/// Runs the sectors of `plan` over `h` days of one replication, writing one row per
/// sector into `rows` (in sector order) and, for each material some sector uses, its
/// `shortage_cost` (direct demand's shortfall only) and `total_cost` into `materials`.
///
/// # Panics
/// If `rows` or `materials` are not one per sector and per material.
pub fn simulate<S: Served>(
    plan: &SectorPlan,
    served: &S,
    h: usize,
    st: &mut SectorState,
    rows: &mut [MetricsRow],
    materials: &mut [MetricsRow],
) {
    let (nk, nm) = (plan.sectors.len(), plan.claimed.len());
    assert_eq!(
        (rows.len(), materials.len()),
        (nk, nm),
        "rows per sector, material"
    );
    let reset = |v: &mut Vec<f64>, n: usize, x: f64| {
        v.clear();
        v.resize(n, x);
    };
    reset(&mut st.phi, nm, 1.0);
    reset(&mut st.direct_short, nm, 0.0);
    reset(&mut st.x, nk, 1.0);
    reset(&mut st.lost, nk, 0.0);
    reset(&mut st.tts, nk, f64::NAN);
    st.beta.clear();
    st.beta.extend(plan.sectors.iter().map(|s| s.buffer_days));
    st.days.clear();
    st.days.resize(nk, 0);
    st.first_onset.clear();
    st.first_onset.extend(plan.sectors.iter().map(|s| {
        s.upstream
            .iter()
            .filter_map(|&m| served.first_supply_onset(m))
            .min()
    }));

    for t in 0..h {
        // What each material delivered, as a share of its day's demand; direct demand
        // is served last.
        for m in 0..nm {
            let (demand, short) = served.day(m, t);
            let phi = if demand > 0.0 {
                (demand - short) / demand
            } else {
                1.0
            };
            st.phi[m] = phi;
            let direct = 1.0 - plan.claimed[m];
            if plan.claimed[m] > 0.0 && direct > TOL {
                let got = (phi - plan.claimed[m]).clamp(0.0, direct);
                st.direct_short[m] += demand * (direct - got);
            }
        }
        // Sectors in topological order: an upstream sector's output today feeds its
        // users today.
        for &j in &plan.order {
            let s = &plan.sectors[j];
            let mut c: f64 = 1.0;
            for cl in &s.claims {
                if cl.tier > 0.0 {
                    let phi = match cl.node {
                        Input::Material(m) => st.phi[m],
                        Input::Sector(k) => st.x[k],
                    };
                    c = c.min(((phi - cl.before) / cl.tier).clamp(0.0, 1.0));
                }
            }
            // Draw the buffer for what is missing, then refill it (after service) on a
            // day every input arrived in full.
            let missing = 1.0 - c;
            let draw = st.beta[j].min(missing);
            st.beta[j] -= draw;
            let x = c + draw;
            if missing <= TOL {
                st.beta[j] = (st.beta[j] + s.refill_rate).min(s.buffer_days);
            }
            st.x[j] = x;
            let gap = 1.0 - x;
            if gap > TOL {
                st.lost[j] += gap;
                st.days[j] += 1;
                if st.tts[j].is_nan()
                    && let Some(o) = st.first_onset[j]
                    && t >= o as usize
                {
                    st.tts[j] = (t - o as usize) as f64;
                }
            }
        }
    }

    for (j, (s, row)) in plan.sectors.iter().zip(rows.iter_mut()).enumerate() {
        let lost_units = st.lost[j] * s.daily_output;
        let mut v = [0.0; N_METRICS];
        v[SectorMetric::OutputLost.index()] = lost_units;
        v[SectorMetric::OutputLostPct.index()] = if h > 0 {
            (100.0 * st.lost[j] / h as f64).min(100.0)
        } else {
            0.0
        };
        v[SectorMetric::ValueAddedLost.index()] = lost_units * s.value_added;
        v[SectorMetric::DaysOutputReduced.index()] = f64::from(st.days[j]);
        v[SectorMetric::TtsDays.index()] = st.tts[j];
        *row = MetricsRow(v);
    }
    // Claimed demand is valued through the sectors' value added; only direct demand's
    // shortfall costs `shortage_cost`.
    for (m, row) in materials.iter_mut().enumerate() {
        if plan.claimed[m] > 0.0 {
            let shortage = st.direct_short[m] * plan.shortage_cost[m];
            let r = &mut row.0;
            r[Metric::ShortageCost.index()] = shortage;
            r[Metric::TotalCost.index()] = r[Metric::HoldingCost.index()]
                + r[Metric::ProcurementCost.index()]
                + r[Metric::SubstitutionCost.index()]
                + shortage;
        }
    }
}
