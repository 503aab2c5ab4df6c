//! The daily step of one material under one strategy (MODEL.md §4) and the metrics it
//! records (§5).
//!
//! [`simulate`] runs the whole horizon from a [`Frame`] of the replication's timeline.
//! All buffers live in a reusable [`Workspace`], so the daily loop allocates nothing.

use super::lanes::{fmax, fmin};
use super::metrics::{Metric, MetricsRow, N_METRICS};
use super::timeline::Frame;
use crate::model::MaterialParams;

/// Episodes of shortfall separated by fewer than this many days without shortfall are
/// one episode for `recovery_days` (MODEL.md §5).
pub const EPISODE_GAP_DAYS: u32 = 7;

/// Receives each simulated day's state; used for the daily bands. Zero-cost when the
/// no-op [`NoRecord`] is passed.
pub trait DayRecorder {
    /// Called once per day after the day's step, with end-of-day private stock, stockpile,
    /// the supply that arrived that day and the day's shortfall, all in units.
    fn record(&mut self, t: usize, private: f64, stockpile: f64, arrived: f64, shortfall: f64);

    /// Called once per day, before [`DayRecorder::record`], with the day's demand in
    /// units (noise and surges included); for the sector layer. Does nothing by default.
    #[inline(always)]
    fn demand(&mut self, _t: usize, _demand: f64) {}
}

/// Both recorders, one after the other.
impl<A: DayRecorder, B: DayRecorder> DayRecorder for (A, B) {
    #[inline(always)]
    fn record(&mut self, t: usize, private: f64, stockpile: f64, arrived: f64, shortfall: f64) {
        self.0.record(t, private, stockpile, arrived, shortfall);
        self.1.record(t, private, stockpile, arrived, shortfall);
    }

    #[inline(always)]
    fn demand(&mut self, t: usize, demand: f64) {
        self.0.demand(t, demand);
        self.1.demand(t, demand);
    }
}

/// Records the days on which the material fell short (shortfall not 0), as
/// `(day, demand, shortfall)` in units: what the sector layer reads
/// ([`super::sectors::Served`]).
pub struct ShortDays<'a> {
    days: &'a mut Vec<(u32, f64, f64)>,
    demand: f64,
}

impl<'a> ShortDays<'a> {
    /// Clears `days` and makes room for a horizon of `h` days, so that recording
    /// allocates nothing once `days` has held a horizon.
    pub fn new(days: &'a mut Vec<(u32, f64, f64)>, h: usize) -> Self {
        days.clear();
        days.reserve(h);
        ShortDays { days, demand: 0.0 }
    }
}

impl DayRecorder for ShortDays<'_> {
    #[inline(always)]
    fn record(&mut self, t: usize, _: f64, _: f64, _: f64, shortfall: f64) {
        if shortfall != 0.0 {
            self.days.push((t as u32, self.demand, shortfall));
        }
    }

    #[inline(always)]
    fn demand(&mut self, _t: usize, demand: f64) {
        self.demand = demand;
    }
}

/// A recorder that records nothing.
pub struct NoRecord;

impl DayRecorder for NoRecord {
    #[inline(always)]
    fn record(&mut self, _: usize, _: f64, _: f64, _: f64, _: f64) {}
}

/// Reusable buffers of the daily step (one per worker thread).
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    arrivals: Vec<f64>,
    reacting: Vec<bool>,
    sup: Vec<SupplierState>,
}

/// Per-supplier constants and state of one run.
#[derive(Debug, Default, Clone, Copy)]
struct SupplierState {
    w_base: f64,
    w_react: f64,
    surge_d: f64,
    inv_lag: f64,
    lead: usize,
    unit_cost: f64,
    k: u32,
    /// `min(1, k / g)`, kept in step with `k`.
    ramp: f64,
    /// Ramp after a reset: 1 without a lag, else 0.
    ramp0: f64,
    /// Spare capacity after the first pass of the day.
    cap: f64,
    alloc: f64,
    dispatched: f64,
}

/// Stock accounting of one run, for the mass-balance invariant (MODEL.md §8).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// Private stock plus stockpile at the start.
    pub initial_stock: f64,
    /// Pipeline at the start.
    pub initial_pipeline: f64,
    /// Everything dispatched by suppliers.
    pub dispatched: f64,
    /// Private stock plus stockpile at the end.
    pub final_stock: f64,
    /// Shipments still in the pipeline at the end.
    pub final_pipeline: f64,
    /// Demand served from stock.
    pub served: f64,
}

/// Result of one (replication, strategy, material) run.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// The metrics.
    pub row: MetricsRow,
    /// The stock accounting.
    pub ledger: Ledger,
}

/// Simulates the horizon of one material under one strategy.
///
/// `noise` holds the day's demand-noise multiplier `ε(t)` (see [`noise_multipliers`]) or
/// is empty when demand is deterministic.
pub fn simulate<R: DayRecorder>(
    p: &MaterialParams,
    frame: &Frame,
    noise: &[f64],
    ws: &mut Workspace,
    rec: &mut R,
) -> Outcome {
    let h = frame.demand_mult.len();
    let n = p.suppliers().len();
    let d = p.daily_demand();
    let tol = 1e-9 * d;

    // Regimes: base and reaction (private target, shares, pipeline target).
    let base_pstar = p.private_days() * d;
    let gstar = p.stockpile_days() * d;
    let pipeline_target = |shares: &mut dyn Iterator<Item = f64>| -> f64 {
        shares
            .zip(p.suppliers())
            .map(|(w, s)| w * d * s.lead_time_days() as f64)
            .sum()
    };
    let base_pipe = pipeline_target(&mut p.suppliers().iter().map(|s| s.share()));
    let (react_pstar, react_pipe) = match &p.reaction() {
        Some(r) => (
            r.private_days() * d,
            pipeline_target(&mut r.shares().iter().copied()),
        ),
        None => (base_pstar, base_pipe),
    };

    // Buffers.
    let max_lead = p
        .suppliers()
        .iter()
        .map(|s| s.lead_time_days())
        .max()
        .unwrap_or(1) as usize;
    let len = h + max_lead + frame.max_delay as usize + 1;
    ws.arrivals.clear();
    ws.arrivals.resize(len, 0.0);
    ws.reacting.clear();
    let has_reaction = p.reaction().is_some();
    if has_reaction {
        ws.reacting.resize(h, false);
    }
    ws.sup.clear();
    ws.sup.extend(
        p.suppliers()
            .iter()
            .enumerate()
            .map(|(i, s)| SupplierState {
                w_base: s.share(),
                w_react: p.reaction().map_or(s.share(), |r| r.shares()[i]),
                surge_d: s.surge() * d,
                inv_lag: if s.surge_lag_days() == 0 {
                    f64::INFINITY
                } else {
                    1.0 / s.surge_lag_days() as f64
                },
                lead: s.lead_time_days() as usize,
                unit_cost: s.unit_cost(),
                k: 0,
                ramp: if s.surge_lag_days() == 0 { 1.0 } else { 0.0 },
                ramp0: if s.surge_lag_days() == 0 { 1.0 } else { 0.0 },
                cap: 0.0,
                alloc: 0.0,
                dispatched: 0.0,
            }),
    );
    if let Some(r) = &p.reaction() {
        for &(onset, end) in &frame.supply_windows {
            let a = (onset as usize + r.lag_days() as usize).min(h);
            let b = (end as usize + r.memory_days() as usize).min(h);
            for x in &mut ws.reacting[a..b.max(a)] {
                *x = true;
            }
        }
    }

    // Initial state (MODEL.md §4).
    let mut priv_stock = base_pstar;
    let mut stockpile = gstar;
    let mut pipeline = 0.0;
    for s in p.suppliers() {
        let q = s.share() * d;
        for t in 0..s.lead_time_days() as usize {
            ws.arrivals[t] += q;
            pipeline += q;
        }
    }
    let mut ledger = Ledger {
        initial_stock: priv_stock + stockpile,
        initial_pipeline: pipeline,
        ..Ledger::default()
    };

    let persist = p.substitution().map_or(0, |s| s.persist_days()) as usize;
    let release_cap = p.max_release_rate() * d;
    let release_share = p.release_share();
    let restricted = release_share < 1.0;
    let max_order = (1.0 + p.refill_rate()) * d;
    let holding_per_unit_day = p.unit_value() * p.holding_cost_rate() / 365.0;

    // Substitution state.
    let mut sub_on = false;
    let mut sub_tau = 0usize;
    let mut last_short = 0usize;

    // Metric accumulators.
    let mut total_demand = 0.0;
    let mut shortfall_units = 0.0;
    let mut max_daily_pct: f64 = 0.0;
    let mut days_short = 0u32;
    let mut tts = f64::NAN;
    let mut stock_min = f64::INFINITY;
    let mut holding = 0.0;
    let mut procurement = 0.0;
    let mut substituted = 0.0;
    // Recovery episodes.
    let mut ep_first: Option<usize> = None;
    let mut ep_last = 0usize;
    let mut longest_recovery = 0usize;
    // Restock.
    let restock_from = frame.hit_onsets.first().map(|&o| o as usize);
    let mut dropped = false;
    let mut restock = f64::NAN;

    let close_episode = |first: usize, last: usize, longest: &mut usize| {
        // Latest hitting onset at or before the episode's first day.
        let k = frame.hit_onsets.partition_point(|&o| o as usize <= first);
        let from = if k > 0 {
            frame.hit_onsets[k - 1] as usize
        } else {
            first
        };
        *longest = (*longest).max(last + 1 - from);
    };

    for t in 0..h {
        let reacting = has_reaction && ws.reacting[t];
        let (pstar, pipe_target) = if reacting {
            (react_pstar, react_pipe)
        } else {
            (base_pstar, base_pipe)
        };

        // 1. Arrivals.
        let arrived = ws.arrivals[t];
        priv_stock += arrived;
        pipeline -= arrived;

        // 2. Demand and substitution.
        let eps = if noise.is_empty() { 1.0 } else { noise[t] };
        let demand = d * frame.demand_mult[t] * eps;
        rec.demand(t, demand);
        total_demand += demand;
        let mut need = demand;
        if sub_on {
            if t - last_short > persist {
                sub_on = false;
            } else if t > sub_tau
                && let Some(s) = &p.substitution()
            {
                let sigma_t = if s.ramp_days() > 0.0 {
                    s.max_fraction() * fmin((t - sub_tau) as f64 / s.ramp_days(), 1.0)
                } else {
                    s.max_fraction()
                };
                let sub_units = sigma_t * demand;
                substituted += sub_units;
                need = demand - sub_units;
            }
        }

        // 3. Serve from private stock, then from the stockpile up to the release cap.
        let from_p = fmin(need, priv_stock);
        priv_stock -= from_p;
        let rest = need - from_p;
        let mut from_g = fmin(fmin(rest, stockpile), release_cap);
        if restricted {
            // `release_to_priority`: the stockpile serves only the admitted sectors'
            // share of the day's need, which the private stock served first.
            from_g = fmin(from_g, fmax(release_share * need - from_p, 0.0));
        }
        stockpile -= from_g;
        let short = rest - from_g;
        ledger.served += from_p + from_g;
        // Then refill (v1.1): private stock above the day's target moves into the
        // stockpile, after serving, so today's arrivals serve today's demand first.
        if stockpile < gstar && priv_stock > pstar {
            let x = fmin(priv_stock - pstar, gstar - stockpile);
            priv_stock -= x;
            stockpile += x;
        }
        shortfall_units += short;
        if short > tol {
            days_short += 1;
            // short <= demand; dividing first keeps the percentage within 100.
            max_daily_pct = fmax(max_daily_pct, fmin(100.0 * (short / demand), 100.0));
            if tts.is_nan()
                && let Some(o) = frame.first_supply_onset
                && t >= o as usize
            {
                tts = (t - o as usize) as f64;
            }
            if p.substitution().is_some() && !sub_on {
                sub_on = true;
                sub_tau = t;
            }
            last_short = t;
            match ep_first {
                Some(first) if (t - ep_last - 1) as u32 >= EPISODE_GAP_DAYS => {
                    close_episode(first, ep_last, &mut longest_recovery);
                    ep_first = Some(t);
                }
                None => ep_first = Some(t),
                _ => {}
            }
            ep_last = t;
        }

        // 4. Order up to the target position.
        let position = priv_stock + stockpile + pipeline;
        let q = fmin(fmax(pstar + gstar + pipe_target - position, 0.0), max_order);

        // 5. Allocate: shares first, then the remainder to spare capacity.
        if q > 0.0 {
            let avail = &frame.avail[t * n..(t + 1) * n];
            let delay = &frame.delay[t * n..(t + 1) * n];
            let sups = &mut ws.sup[..n];
            let mut first_total = 0.0;
            let mut spare_total = 0.0;
            for (s, &a) in sups.iter_mut().zip(avail) {
                let w = if reacting { s.w_react } else { s.w_base };
                let c = a * (w * d + s.surge_d * s.ramp);
                let x = fmin(c, w * q);
                s.cap = c - x; // spare capacity after the first pass
                s.alloc = x;
                first_total += x;
                spare_total += c - x;
            }
            let remainder = q - first_total;
            // 6. Dispatch, with the second pass folded in.
            let mut sent = 0.0;
            if remainder > tol {
                // Surge is asked for: every counter grows (after today's capacity).
                let frac = if spare_total > 0.0 {
                    fmin(remainder / spare_total, 1.0)
                } else {
                    0.0
                };
                for (s, &dl) in sups.iter_mut().zip(delay) {
                    s.k += 1;
                    // `inv_lag` is infinite when there is no lag: the surge is there at once.
                    s.ramp = if s.inv_lag.is_finite() {
                        fmin(s.k as f64 * s.inv_lag, 1.0)
                    } else {
                        1.0
                    };
                    let x = s.alloc + frac * s.cap;
                    ws.arrivals[t + s.lead + dl as usize] += x;
                    s.dispatched += x;
                    sent += x;
                }
            } else {
                for (s, &dl) in sups.iter_mut().zip(delay) {
                    s.k = 0;
                    s.ramp = s.ramp0;
                    ws.arrivals[t + s.lead + dl as usize] += s.alloc;
                    s.dispatched += s.alloc;
                    sent += s.alloc;
                }
            }
            pipeline += sent;
        } else {
            for s in ws.sup[..n].iter_mut() {
                s.k = 0;
                s.ramp = s.ramp0;
            }
        }

        // 7. Record.
        let stock = priv_stock + stockpile;
        holding += stock * holding_per_unit_day;
        if gstar > 0.0 {
            stock_min = fmin(stock_min, stockpile / gstar);
            if let Some(from) = restock_from
                && t >= from
                && restock.is_nan()
            {
                if stockpile < gstar - tol {
                    dropped = true;
                } else if dropped {
                    restock = (t - from) as f64;
                }
            }
        }
        rec.record(t, priv_stock, stockpile, arrived, short);
    }
    if let Some(first) = ep_first {
        close_episode(first, ep_last, &mut longest_recovery);
    }

    ledger.final_stock = priv_stock + stockpile;
    for s in &ws.sup[..n] {
        ledger.dispatched += s.dispatched;
        procurement += s.dispatched * s.unit_cost;
    }
    ledger.final_pipeline = ws.arrivals[h..].iter().sum();

    let sub_premium = p.substitution().map_or(0.0, |s| s.cost_premium());
    let substitution_cost = substituted * sub_premium * p.unit_value();
    let shortage_cost = shortfall_units * p.shortage_cost();
    let mut v = [0.0; N_METRICS];
    v[Metric::ShortfallUnits.index()] = shortfall_units;
    v[Metric::ShortfallPct.index()] = if total_demand > 0.0 {
        100.0 * shortfall_units / total_demand
    } else {
        0.0
    };
    v[Metric::MaxDailyShortfallPct.index()] = max_daily_pct;
    v[Metric::DaysShort.index()] = days_short as f64;
    v[Metric::TtsDays.index()] = tts;
    // Absent, like tts, when demand was always met (MODEL.md §5, v1.1).
    v[Metric::RecoveryDays.index()] = if days_short > 0 {
        longest_recovery as f64
    } else {
        f64::NAN
    };
    v[Metric::StockpileMinPct.index()] = if gstar > 0.0 {
        100.0 * stock_min
    } else {
        f64::NAN
    };
    v[Metric::RestockDays.index()] = restock;
    v[Metric::HoldingCost.index()] = holding;
    v[Metric::ProcurementCost.index()] = procurement;
    v[Metric::SubstitutionCost.index()] = substitution_cost;
    v[Metric::ShortageCost.index()] = shortage_cost;
    v[Metric::TotalCost.index()] = holding + procurement + substitution_cost + shortage_cost;
    Outcome {
        row: MetricsRow(v),
        ledger,
    }
}

/// Fills `out` with the demand-noise multipliers `ε(t)` of MODEL.md §4: lognormal with
/// mean 1 and coefficient of variation `cv`, from one standard-normal draw `z[t]` per
/// day. Leaves `out` empty when `cv` is 0 (deterministic demand).
///
/// The exponential is [`super::lanes::exp`], built from IEEE basic operations: the same
/// bits on every machine and C library, and in the batched step's SIMD lanes.
pub fn noise_multipliers(cv: f64, z: &[f64], out: &mut Vec<f64>) {
    out.clear();
    if cv > 0.0 && !z.is_empty() {
        let s2 = (1.0 + cv * cv).ln();
        let (mu, sigma) = (-0.5 * s2, s2.sqrt());
        out.extend(z.iter().map(|z| super::lanes::exp(mu + sigma * z)));
    }
}
