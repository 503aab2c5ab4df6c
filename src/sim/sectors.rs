//! The sector layer's daily step (`docs/model.md`, "The sector layer"): what each
//! material served is rationed across the sectors using it, each sector's output is the
//! least covered of its inputs after drawing its buffer, and intermediate sectors' output
//! feeds the sectors downstream.
//!
//! It reads, per material, the days on which the material's own step
//! ([`super::material`], [`super::batch`]) fell short, with that day's demand and
//! shortfall, so it runs after the materials of a strategy, once per replication and
//! strategy. A scenario without sectors never gets here. [`SectorState`] holds every
//! buffer, so the step allocates nothing once warm.
//!
//! Only the short days are stepped in full. On a *calm* day, every material serving its
//! demand in full, every input of every sector is fully delivered (checked once per plan,
//! [`SectorPlan::new`]), so output is full, nothing is lost and no buffer is drawn: the
//! day only refills the buffers, and the days after the last short day change nothing a
//! metric reads. Skipping them gives the same bits as stepping them, because a calm day
//! adds nothing (an exact `+0`) to any sum (tests/sectors.rs runs every kernel).
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
    /// Index into the day's deliveries: material `m` is `m`, the sector at position `p`
    /// of the topological order is `M + p`.
    input: usize,
    before: f64,
    tier: f64,
}

/// The constants of one sector.
#[derive(Debug, Clone, Copy)]
struct SectorConst {
    daily_output: f64,
    value_added: f64,
    buffer_days: f64,
    refill_rate: f64,
}

/// One strategy's sectors, compiled for the daily step: flat arrays in topological
/// order (position `p` is sector `order[p]`).
#[derive(Debug, Clone)]
pub struct SectorPlan {
    /// Sector index of each position.
    order: Vec<usize>,
    consts: Vec<SectorConst>,
    /// Every claim with a positive tier, by position: `claims[claim_at[p]..claim_at[p + 1]]`
    /// (a claim whose tier claims nothing never binds).
    claims: Vec<Claim>,
    claim_at: Vec<usize>,
    /// Materials upstream of each position (directly or through other sectors):
    /// `upstream[upstream_at[p]..upstream_at[p + 1]]`.
    upstream: Vec<usize>,
    upstream_at: Vec<usize>,
    /// Per material: the share of its daily demand claimed by sectors (0 when none).
    claimed: Vec<f64>,
    /// Per material: its shortage cost per unit.
    shortage_cost: Vec<f64>,
    /// Whether a calm day (every material serving its demand in full) covers every input
    /// of every sector exactly (coverage `1.0`, not a rounding below). Always so when the
    /// tiers' shares do not round past what a material serves; otherwise every day is
    /// stepped.
    calm: bool,
    /// Step every calm day in full, without the shortcut of [`step_calm_days`] (the
    /// reference of [`SectorPlan::stepping_every_day`]).
    reference: bool,
}

/// The coverage of a sector's inputs on a day with deliveries `phi` (the least covered
/// claim, 1 without claims).
#[inline(always)]
fn coverage(claims: &[Claim], phi: &[f64]) -> f64 {
    let mut c: f64 = 1.0;
    for cl in claims {
        c = c.min(((phi[cl.input] - cl.before) / cl.tier).clamp(0.0, 1.0));
    }
    c
}

impl SectorPlan {
    /// Compiles the sectors of strategy `strat` of `scn`: each claim's share of its
    /// input's day (`uses × y / d` of a material, `uses × y / y_k` of a sector `k`) and
    /// the shares of the tiers before it.
    pub fn new(scn: &Scenario, strat: &Strategy) -> SectorPlan {
        let nm = scn.materials().len();
        let ns = strat.sectors.len();
        let order = scn.sector_order().to_vec();
        let mut position = vec![0; ns];
        for (p, &j) in order.iter().enumerate() {
            position[j] = p;
        }
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
        let mut upstream_of: Vec<Vec<usize>> = vec![Vec::new(); ns];
        for &j in &order {
            let mut up = Vec::new();
            for &(node, _) in strat.sectors[j].uses() {
                match node {
                    Input::Material(m) => up.push(m),
                    Input::Sector(k) => up.extend_from_slice(&upstream_of[k]),
                }
            }
            up.sort_unstable();
            up.dedup();
            upstream_of[j] = up;
        }
        let (mut claims, mut claim_at) = (Vec::new(), vec![0]);
        let (mut upstream, mut upstream_at) = (Vec::new(), vec![0]);
        let mut consts = Vec::with_capacity(ns);
        for &j in &order {
            let p = &strat.sectors[j];
            for &(node, prio, _) in &shares[j] {
                let (mut before, mut tier) = (0.0, 0.0);
                for &(n, q, share) in &all {
                    if n == node && q < prio {
                        before += share;
                    } else if n == node && q == prio {
                        tier += share;
                    }
                }
                if tier > 0.0 {
                    let input = match node {
                        Input::Material(m) => m,
                        Input::Sector(k) => nm + position[k],
                    };
                    claims.push(Claim {
                        input,
                        before,
                        tier,
                    });
                }
            }
            claim_at.push(claims.len());
            upstream.extend_from_slice(&upstream_of[j]);
            upstream_at.push(upstream.len());
            consts.push(SectorConst {
                daily_output: p.daily_output(),
                value_added: p.value_added(),
                buffer_days: p.buffer_days(),
                refill_rate: p.refill_rate(),
            });
        }
        let mut plan = SectorPlan {
            order,
            consts,
            claims,
            claim_at,
            upstream,
            upstream_at,
            claimed,
            shortage_cost: strat.materials.iter().map(|p| p.shortage_cost()).collect(),
            calm: false,
            reference: false,
        };
        // A calm day: every material delivers its whole day; each sector's output is its
        // coverage (no buffer is drawn when the coverage is 1).
        let mut phi = vec![1.0; nm + ns];
        let mut calm = true;
        for p in 0..ns {
            let c = coverage(plan.claims_of(p), &phi);
            calm &= c == 1.0;
            phi[nm + p] = c;
        }
        plan.calm = calm;
        plan
    }

    #[inline(always)]
    fn claims_of(&self, p: usize) -> &[Claim] {
        &self.claims[self.claim_at[p]..self.claim_at[p + 1]]
    }

    /// Number of sectors.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are no sectors.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether calm days are skipped (see the module docs); when not, every day is
    /// stepped.
    pub fn skips_calm_days(&self) -> bool {
        self.calm
    }

    /// The same plan stepping every day, calm or not: the reference that skipping calm
    /// days is checked against (tests/sectors.rs). Same results, slower.
    pub fn stepping_every_day(mut self) -> SectorPlan {
        self.calm = false;
        self.reference = true;
        self
    }
}

/// What the sector step reads of one replication's materials under one strategy: per
/// material, its *listed days* in increasing order, with the day's demand and shortfall
/// in units. Every day on which the material's shortfall is not 0 must be listed; a
/// listed day may have a shortfall of 0 (the batched step lists a day on which any of
/// its lanes fell short), and then counts as calm.
pub trait Served {
    /// Number of listed days of material `m`.
    fn n_listed(&self, m: usize) -> usize;
    /// The `i`-th listed day of material `m`: `(day, demand, shortfall)`.
    fn listed(&self, m: usize, i: usize) -> (u32, f64, f64);
    /// First supply-loss onset hitting material `m`, if any.
    fn first_supply_onset(&self, m: usize) -> Option<u32>;
}

/// Reusable buffers of the sector step (one per worker thread).
#[derive(Debug, Clone, Default)]
pub struct SectorState {
    /// The day's deliveries: materials, then sectors by position.
    phi: Vec<f64>,
    /// The day's demand and shortfall per material (0 when not listed).
    demand: Vec<f64>,
    short: Vec<f64>,
    /// Next listed day per material.
    cursor: Vec<usize>,
    direct_short: Vec<f64>,
    /// By position: buffer, output lost (in days of output), days reduced, TTS, first
    /// supply onset upstream.
    beta: Vec<f64>,
    lost: Vec<f64>,
    days: Vec<u32>,
    tts: Vec<f64>,
    first_onset: Vec<Option<u32>>,
    /// The buffers before the last calm day stepped ([`step_calm_days`]).
    beta_before: Vec<f64>,
}

/// Steps every sector through day `t`, with the materials' deliveries in `st.phi`.
#[inline(always)]
fn step_day(plan: &SectorPlan, st: &mut SectorState, nm: usize, t: usize) {
    let SectorState {
        phi,
        beta,
        lost,
        days,
        tts,
        first_onset,
        ..
    } = st;
    for (p, s) in plan.consts.iter().enumerate() {
        // Sectors in topological order: an upstream sector's output today feeds its
        // users today.
        let c = coverage(plan.claims_of(p), phi);
        // Draw the buffer for what is missing, then refill it (after service) on a day
        // every input arrived in full.
        let missing = 1.0 - c;
        let b = &mut beta[p];
        let draw = b.min(missing);
        *b -= draw;
        let x = c + draw;
        if missing <= TOL {
            *b = (*b + s.refill_rate).min(s.buffer_days);
        }
        phi[nm + p] = x;
        let gap = 1.0 - x;
        if gap > TOL {
            lost[p] += gap;
            days[p] += 1;
            if tts[p].is_nan()
                && let Some(o) = first_onset[p]
                && t >= o as usize
            {
                tts[p] = (t - o as usize) as f64;
            }
        }
    }
}

/// `n` calm days when [`SectorPlan::skips_calm_days`]: every sector's coverage is 1, so
/// each day only refills its buffer (`min(β + r, β*)`, as a stepped calm day does), until
/// it stops changing.
fn refill(plan: &SectorPlan, st: &mut SectorState, n: usize) {
    for (b, s) in st.beta.iter_mut().zip(&plan.consts) {
        let mut k = n;
        while k > 0 {
            let next = (*b + s.refill_rate).min(s.buffer_days);
            if next == *b {
                break;
            }
            *b = next;
            k -= 1;
        }
    }
}

/// Days `from..to` with every material delivering in full, when calm days are not
/// skipped as a whole (some sector's coverage on a calm day is not exactly 1, e.g. a
/// claim of the whole of its input that rounds to just under it). They are stepped one by
/// one until a day leaves every buffer as it found it (bit for bit) and loses no sector
/// output: each later calm day would repeat that day exactly, since a day's step reads
/// nothing else (the materials deliver 1, and each sector's delivery is recomputed from
/// its inputs the same day), so they would change nothing, and are skipped.
fn step_calm_days(plan: &SectorPlan, st: &mut SectorState, nm: usize, from: usize, to: usize) {
    st.phi[..nm].fill(1.0);
    for t in from..to {
        if plan.reference {
            step_day(plan, st, nm, t);
            continue;
        }
        st.beta_before.clear();
        st.beta_before.extend_from_slice(&st.beta);
        step_day(plan, st, nm, t);
        let same = st
            .beta
            .iter()
            .zip(&st.beta_before)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        // (As `step_day` tests a day's loss.)
        if same && st.phi[nm..].iter().all(|&x| 1.0 - x <= TOL) {
            break;
        }
    }
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
    let (nk, nm) = (plan.order.len(), plan.claimed.len());
    assert_eq!(
        (rows.len(), materials.len()),
        (nk, nm),
        "rows per sector, material"
    );
    let reset = |v: &mut Vec<f64>, n: usize, x: f64| {
        v.clear();
        v.resize(n, x);
    };
    reset(&mut st.phi, nm + nk, 1.0);
    reset(&mut st.demand, nm, 0.0);
    reset(&mut st.short, nm, 0.0);
    reset(&mut st.direct_short, nm, 0.0);
    reset(&mut st.lost, nk, 0.0);
    reset(&mut st.tts, nk, f64::NAN);
    st.cursor.clear();
    st.cursor.resize(nm, 0);
    st.beta.clear();
    st.beta.extend(plan.consts.iter().map(|s| s.buffer_days));
    st.days.clear();
    st.days.resize(nk, 0);
    st.first_onset.clear();
    st.first_onset.extend((0..nk).map(|p| {
        plan.upstream[plan.upstream_at[p]..plan.upstream_at[p + 1]]
            .iter()
            .filter_map(|&m| served.first_supply_onset(m))
            .min()
    }));

    // The first day not stepped yet.
    let mut next = 0;
    loop {
        // The next listed day of any material, and what each material served on it.
        let mut t = h;
        for (m, &i) in st.cursor.iter().enumerate() {
            if i < served.n_listed(m) {
                t = t.min(served.listed(m, i).0 as usize);
            }
        }
        if t >= h {
            break;
        }
        let mut short_day = false;
        for m in 0..nm {
            let i = st.cursor[m];
            let (d, x) = if i < served.n_listed(m) && served.listed(m, i).0 as usize == t {
                st.cursor[m] += 1;
                let (_, d, x) = served.listed(m, i);
                (d, x)
            } else {
                (0.0, 0.0)
            };
            short_day |= x != 0.0;
            st.demand[m] = d;
            st.short[m] = x;
        }
        if !short_day {
            continue;
        }
        // The calm days before it.
        if plan.calm {
            if t > next {
                refill(plan, st, t - next);
            }
        } else {
            step_calm_days(plan, st, nm, next, t);
        }
        // What each material delivered, as a share of its day's demand; direct demand
        // is served last. (A calm material delivers 1 and adds an exact 0 to its direct
        // shortfall, so it is skipped.)
        for m in 0..nm {
            let (demand, short) = (st.demand[m], st.short[m]);
            if short == 0.0 {
                st.phi[m] = 1.0;
                continue;
            }
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
        step_day(plan, st, nm, t);
        next = t + 1;
    }
    // After the last short day only buffers refill (no metric reads them), unless calm
    // days are stepped.
    if !plan.calm {
        step_calm_days(plan, st, nm, next, h);
    }

    for (p, s) in plan.consts.iter().enumerate() {
        let lost_units = st.lost[p] * s.daily_output;
        let mut v = [0.0; N_METRICS];
        v[SectorMetric::OutputLost.index()] = lost_units;
        v[SectorMetric::OutputLostPct.index()] = if h > 0 {
            (100.0 * st.lost[p] / h as f64).min(100.0)
        } else {
            0.0
        };
        v[SectorMetric::ValueAddedLost.index()] = lost_units * s.value_added;
        v[SectorMetric::DaysOutputReduced.index()] = f64::from(st.days[p]);
        v[SectorMetric::TtsDays.index()] = st.tts[p];
        rows[plan.order[p]] = MetricsRow(v);
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
