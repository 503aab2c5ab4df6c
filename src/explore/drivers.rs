//! What the worst futures have in common (issue 13, item 2): given each future's drivers
//! (the features of its shock timeline, [`crate::sim::drivers`]) and an outcome, contrast
//! the selected futures (the worst tail, or the futures where one strategy does worse
//! than another) with the rest.
//!
//! - **Ranking**: for every feature, the share of selected futures that have it against
//!   the share among all futures (Wilson 95% intervals), the means, and the standardised
//!   difference `d = (mean_sel − mean_rest) / √((var_sel + var_rest) / 2)` with its
//!   large-sample 95% interval `d ± 1.96 √(1/n_sel + 1/n_rest + d² / (2 (n_sel + n_rest)))`
//!   (Hedges & Olkin). Features are ranked by `|d|`; a feature that separates the two
//!   groups perfectly (no spread in either, different means) has `d = ±∞` and ranks
//!   first.
//! - **Scenario discovery** (PRIM, Friedman & Fisher 1999, as in RAND's robust decision
//!   making and the EMA Workbench): starting from the box holding every future, peel
//!   repeatedly the slice (an `alpha` share of the box, or one value of a binary feature)
//!   whose removal raises the share of selected futures in the box the most per future
//!   removed, until the box holds fewer than `min_support` of the futures. Each box of
//!   the peeling **trajectory** has a **coverage** (the share of all selected futures
//!   inside it) and a **density** (the share of selected futures among those inside).
//!   The chosen box is the one with the largest harmonic mean of coverage and density;
//!   its limits are then refined one at a time to the cut that maximises that mean
//!   (which also pastes, moving a limit outwards), and limits that do not raise it are
//!   dropped, so the rules are few and their edges are where the data put them.
//!
//! A first onset day that is absent (the shock did not occur) counts as later than every
//! day in the boxes ("by day 90" excludes it) and is left out of the feature's means.
//! Pure and deterministic: no I/O, no randomness; ties are broken by feature order, and
//! the features are scanned in parallel but chosen among sequentially.

use super::ExploreError;
use super::interval::wilson;
use crate::sim::drivers::{DriverColumn, DriverKey, DriverKind};
use rayon::prelude::*;
use serde::Serialize;

/// z for two-sided 95% intervals.
const Z95: f64 = 1.959_963_984_540_054;

/// One feature of the futures: a drivers column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feature {
    /// The column: its shock, what it measures and the other shock of an overlap (its
    /// name `cn_embargo.longest_days`).
    pub key: DriverKey,
}

impl From<DriverColumn> for Feature {
    fn from(c: DriverColumn) -> Feature {
        Feature { key: c.name }
    }
}

impl Feature {
    /// What it measures.
    pub fn kind(&self) -> DriverKind {
        self.key.kind
    }

    /// Whether it only takes the values 0 and 1.
    pub fn is_binary(&self) -> bool {
        self.key.kind.is_binary()
    }

    /// Plain words for the feature (`cn_embargo: longest duration, days`).
    pub fn words(&self) -> String {
        let s = &self.key.shock;
        match (self.key.kind, &self.key.other) {
            (DriverKind::Occurred, _) => format!("{s} occurs"),
            (DriverKind::Instances, _) => format!("{s}: number of instances"),
            (DriverKind::LongestDays, _) => format!("{s}: longest duration, days"),
            (DriverKind::MaxSeverity, _) => format!("{s}: largest severity"),
            (DriverKind::FirstOnset, _) => format!("{s}: first onset day"),
            (DriverKind::Overlaps { .. }, Some(o)) => format!("{s} overlaps {o}"),
            (DriverKind::Overlaps { .. }, None) => format!("{s} overlaps another shock"),
        }
    }
}

/// The features of `n` futures: `values[r * features.len() + k]`, `NaN` = absent.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// The columns.
    pub features: Vec<Feature>,
    /// Replication index of each row.
    pub replications: Vec<u64>,
    /// Row-major values.
    pub values: Vec<f64>,
}

impl FeatureTable {
    /// Number of futures.
    pub fn len(&self) -> usize {
        self.replications.len()
    }

    /// Whether there is no future.
    pub fn is_empty(&self) -> bool {
        self.replications.is_empty()
    }

    fn get(&self, r: usize, k: usize) -> f64 {
        self.values[r * self.features.len() + k]
    }
}

/// Which futures are contrasted with the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Question {
    /// The worst `share` of futures by the outcome (larger is worse). Futures tied with
    /// the last one in are all in; when the cut falls on the smallest outcome (a share
    /// larger than that of futures with any shortfall), the tail is the futures above it.
    Tail {
        /// Share of futures in the tail (0.05 = the worst 5%).
        share: f64,
    },
    /// The futures where strategy `worse`'s outcome exceeds strategy `than`'s (the
    /// outcome given is the difference `worse − than`).
    Worse {
        /// The strategy that does worse.
        worse: String,
        /// The strategy it is compared with.
        than: String,
    },
}

/// What to analyse, as the user gives it.
#[derive(Debug, Clone)]
pub struct DriversRequest {
    /// The futures' features.
    pub table: FeatureTable,
    /// The outcome of each future (same order), larger = worse; `NaN` = absent (never
    /// in the tail).
    pub outcome: Vec<f64>,
    /// Which futures to contrast.
    pub question: Question,
    /// What the outcome is, in words (`total shortfall_units, strategy baseline`).
    pub outcome_words: String,
    /// Share of the box peeled per step (PRIM's alpha).
    pub alpha: f64,
    /// Smallest share of all futures a box may hold; `None`: half the selected share.
    pub min_support: Option<f64>,
}

/// A validated [`DriversRequest`].
#[derive(Debug, Clone)]
pub struct DriversProblem {
    req: DriversRequest,
}

impl DriversProblem {
    /// Checks the request: as many outcomes as futures, at least 20 futures, a tail share
    /// in (0, 0.5], alpha in (0, 0.5], a minimum support in (0, 1).
    ///
    /// # Errors
    /// [`ExploreError::Spec`] naming every problem.
    pub fn new(req: DriversRequest) -> Result<Self, ExploreError> {
        let mut problems = Vec::new();
        let n = req.table.len();
        if req.outcome.len() != n {
            problems.push(format!(
                "{} outcomes for {n} futures (the run's files disagree; run it again)",
                req.outcome.len()
            ));
        }
        if req.table.values.len() != n * req.table.features.len() {
            problems.push("the feature table is not rectangular".to_string());
        }
        if n < 20 {
            problems.push(format!(
                "{n} futures are too few to contrast a tail with the rest; run at least 20 \
                 (-n)"
            ));
        }
        if let Question::Tail { share } = req.question
            && !(share > 0.0 && share <= 0.5)
        {
            problems.push(format!(
                "--tail {share} is not a share in (0, 50%]: give e.g. --tail 5%"
            ));
        }
        if !(req.alpha > 0.0 && req.alpha <= 0.5) {
            problems.push(format!(
                "--alpha {} is not in (0, 0.5]: PRIM peels a small share, e.g. 0.05",
                req.alpha
            ));
        }
        if let Some(m) = req.min_support
            && !(m > 0.0 && m < 1.0)
        {
            problems.push(format!("--min-support {m} is not a share in (0, 1)"));
        }
        if problems.is_empty() {
            Ok(DriversProblem { req })
        } else {
            Err(ExploreError::Spec(problems.join("; ")))
        }
    }

    /// The request.
    pub fn request(&self) -> &DriversRequest {
        &self.req
    }
}

/// How one feature separates the selected futures from the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureRank {
    /// Rank (1 = separates best).
    pub rank: usize,
    /// Index of the feature in the table.
    pub index: usize,
    /// Column name.
    pub feature: String,
    /// Plain words.
    pub words: String,
    /// Whether the feature is 0/1.
    pub binary: bool,
    /// Share of selected futures with the feature (value present and non-zero).
    pub share_selected: f64,
    /// Wilson 95% interval of `share_selected`.
    pub share_selected_ci95: [f64; 2],
    /// Share of all futures with the feature.
    pub share_all: f64,
    /// Mean among the selected futures (where present); `None` if none.
    pub mean_selected: Option<f64>,
    /// Mean among the other futures (where present).
    pub mean_rest: Option<f64>,
    /// Mean among all futures (where present).
    pub mean_all: Option<f64>,
    /// Standardised difference (selected − rest); `None` when undefined (fewer than two
    /// values in a group, or no spread and equal means); `±∞` written as `None` with
    /// [`FeatureRank::separates`] set.
    pub std_diff: Option<f64>,
    /// 95% interval of `std_diff`.
    pub std_diff_ci95: Option<[f64; 2]>,
    /// The feature separates the groups perfectly (no spread in either, different means).
    pub separates: bool,
    /// Direction of a perfect separation: +1 when the selected futures have the larger
    /// value.
    pub separates_sign: i8,
}

impl FeatureRank {
    /// The ranking key: `|d|`, `∞` for a perfect separation, `-1` when undefined.
    fn key(&self) -> f64 {
        if self.separates {
            f64::INFINITY
        } else {
            self.std_diff.map_or(-1.0, f64::abs)
        }
    }
}

/// A limit of a box on one feature (inclusive bounds, `None` = open).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// Index of the feature.
    pub index: usize,
    /// Column name.
    pub feature: String,
    /// Smallest value kept.
    pub min: Option<f64>,
    /// Largest value kept (`None` also keeps absent first onsets).
    pub max: Option<f64>,
    /// The rule in plain words (`cn_embargo lasts ≥ 181 days`).
    pub words: String,
}

/// One box: its limits and how well it captures the selected futures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrimBox {
    /// Step of the peeling trajectory (0 = every future); the refined box repeats the
    /// step it was refined from.
    pub step: usize,
    /// Futures in the box.
    pub n_in: usize,
    /// Selected futures in the box.
    pub n_selected_in: usize,
    /// Share of all futures in the box.
    pub support: f64,
    /// Share of the selected futures inside the box.
    pub coverage: f64,
    /// Share of selected futures among those in the box.
    pub density: f64,
    /// The restricted features.
    pub limits: Vec<Limit>,
}

impl PrimBox {
    /// Harmonic mean of coverage and density (0 when both are 0).
    pub fn score(&self) -> f64 {
        f1(self.coverage, self.density)
    }
}

fn f1(c: f64, d: f64) -> f64 {
    if c + d > 0.0 {
        2.0 * c * d / (c + d)
    } else {
        0.0
    }
}

/// The outcome of an analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriversResult {
    /// Futures analysed.
    pub n: usize,
    /// Futures selected (the tail, or where one strategy does worse).
    pub n_selected: usize,
    /// `n_selected / n`: the density of the box holding every future.
    pub base_rate: f64,
    /// In a tail question: the smallest outcome inside the tail.
    pub threshold: Option<f64>,
    /// PRIM's alpha.
    pub alpha: f64,
    /// Smallest support a box may have.
    pub min_support: f64,
    /// Features, best separating first.
    pub ranking: Vec<FeatureRank>,
    /// The peeling trajectory, from the box of every future.
    pub trajectory: Vec<PrimBox>,
    /// Index in `trajectory` of the box refined into `chosen`.
    pub chosen_step: usize,
    /// The chosen box, refined and with its unneeded limits dropped.
    pub chosen: PrimBox,
}

/// Which futures are selected: the tail or the futures where one strategy is worse.
fn select(req: &DriversRequest) -> (Vec<bool>, Option<f64>) {
    let y = &req.outcome;
    let n = y.len();
    match req.question {
        Question::Worse { .. } => (y.iter().map(|&v| v > 0.0).collect(), None),
        Question::Tail { share } => {
            let mut sorted: Vec<f64> = y.iter().copied().filter(|v| !v.is_nan()).collect();
            if sorted.is_empty() {
                return (vec![false; n], None);
            }
            sorted.sort_by(|a, b| b.total_cmp(a));
            let k = ((share * n as f64).ceil() as usize).clamp(1, sorted.len());
            let cut = sorted[k - 1];
            let least = sorted[sorted.len() - 1];
            let sel: Vec<bool> = if cut > least {
                y.iter().map(|&v| v >= cut).collect()
            } else {
                y.iter().map(|&v| v > cut).collect()
            };
            let threshold = y
                .iter()
                .zip(&sel)
                .filter(|(_, s)| **s)
                .map(|(&v, _)| v)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
            (sel, threshold)
        }
    }
}

/// Mean and sample variance of the present values.
fn moments(v: &[f64]) -> (usize, f64, f64) {
    let n = v.len();
    if n == 0 {
        return (0, f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
    } else {
        f64::NAN
    };
    (n, mean, var)
}

fn rank_feature(table: &FeatureTable, sel: &[bool], k: usize) -> FeatureRank {
    let f = &table.features[k];
    let n = table.len();
    let (mut xs, mut xr) = (Vec::new(), Vec::new());
    let (mut has_s, mut has_all, mut n_s) = (0, 0, 0);
    for (r, &s) in sel.iter().enumerate().take(n) {
        let v = table.get(r, k);
        let has = !v.is_nan() && v != 0.0;
        has_all += usize::from(has);
        if s {
            n_s += 1;
            has_s += usize::from(has);
        }
        if !v.is_nan() {
            if s { xs.push(v) } else { xr.push(v) }
        }
    }
    let (share_selected, share_selected_ci95) = if n_s > 0 {
        wilson(has_s, n_s, 0.95)
    } else {
        (f64::NAN, [f64::NAN; 2])
    };
    let (ns, ms, vs) = moments(&xs);
    let (nr, mr, vr) = moments(&xr);
    let all: Vec<f64> = xs.iter().chain(&xr).copied().collect();
    let (_, ma, _) = moments(&all);
    let (mut std_diff, mut ci, mut separates, mut sign) = (None, None, false, 0);
    if ns >= 2 && nr >= 2 {
        let sp = ((vs + vr) / 2.0).sqrt();
        if sp > 0.0 {
            let d = (ms - mr) / sp;
            let se = (1.0 / ns as f64 + 1.0 / nr as f64 + d * d / (2.0 * (ns + nr) as f64)).sqrt();
            std_diff = Some(d);
            ci = Some([d - Z95 * se, d + Z95 * se]);
        } else if ms != mr {
            separates = true;
            sign = if ms > mr { 1 } else { -1 };
        } else {
            std_diff = Some(0.0);
        }
    }
    let opt = |x: f64| (!x.is_nan()).then_some(x);
    FeatureRank {
        rank: 0,
        index: k,
        feature: f.key.to_string(),
        words: f.words(),
        binary: f.is_binary(),
        share_selected,
        share_selected_ci95,
        share_all: has_all as f64 / n.max(1) as f64,
        mean_selected: opt(ms),
        mean_rest: opt(mr),
        mean_all: opt(ma),
        std_diff,
        std_diff_ci95: ci,
        separates,
        separates_sign: sign,
    }
}

/// A box as the inclusive bounds of every feature (`±∞` = open).
#[derive(Debug, Clone, PartialEq)]
struct Bounds {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

/// The features for PRIM: absent values as `+∞` (a first onset that never came is later
/// than any day).
fn prim_value(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

/// The share of the refined box's density that PRIM's pruning step keeps: a limit is
/// dropped when the box without it still has 95% of that density (a rule that adds
/// under 5% to the density is not worth reading).
pub const PRUNE_KEEP: f64 = 0.95;

/// A candidate peel: (gain, futures kept, feature, low side, the new limit).
type Peel = (f64, usize, usize, bool, f64);

struct Prim<'a> {
    table: &'a FeatureTable,
    sel: &'a [bool],
    n_sel: usize,
    /// Smallest and largest value of each feature over all futures.
    range: Vec<(f64, f64)>,
}

impl Prim<'_> {
    fn x(&self, r: usize, k: usize) -> f64 {
        prim_value(self.table.get(r, k))
    }

    fn inside(&self, b: &Bounds, r: usize, skip: Option<usize>) -> bool {
        (0..self.table.features.len()).all(|k| {
            Some(k) == skip || {
                let x = self.x(r, k);
                x >= b.lo[k] && x <= b.hi[k]
            }
        })
    }

    fn boxed(&self, step: usize, b: &Bounds, rows: &[usize]) -> PrimBox {
        let n = self.table.len();
        let n_in = rows.len();
        let n_selected_in = rows.iter().filter(|&&r| self.sel[r]).count();
        let limits = (0..self.table.features.len())
            .filter_map(|k| {
                let (min, max) = self.range[k];
                let lo = (b.lo[k] > min).then_some(b.lo[k]);
                let hi = (b.hi[k] < max).then_some(b.hi[k]);
                (lo.is_some() || hi.is_some()).then(|| Limit {
                    index: k,
                    feature: self.table.features[k].key.to_string(),
                    min: lo,
                    max: hi.filter(|h| h.is_finite()),
                    words: rule_words(&self.table.features[k], lo, hi),
                })
            })
            .collect();
        PrimBox {
            step,
            n_in,
            n_selected_in,
            support: n_in as f64 / n.max(1) as f64,
            coverage: n_selected_in as f64 / self.n_sel.max(1) as f64,
            density: if n_in > 0 {
                n_selected_in as f64 / n_in as f64
            } else {
                0.0
            },
            limits,
        }
    }

    /// The best peel of the box holding `rows`: (feature, new bounds, rows kept).
    fn best_peel(
        &self,
        b: &Bounds,
        rows: &[usize],
        alpha: f64,
        min_n: usize,
        binary: bool,
    ) -> Option<(Bounds, Vec<usize>)> {
        let m = rows.len();
        let sel_in = rows.iter().filter(|&&r| self.sel[r]).count();
        let mean0 = sel_in as f64 / m as f64;
        let nf = self.table.features.len();
        // (gain, kept, k, low side, cut value)
        let cands: Vec<Option<Peel>> = (0..nf)
            .into_par_iter()
            .map(|k| {
                if self.table.features[k].is_binary() && !binary {
                    return None;
                }
                let xs: Vec<f64> = rows.iter().map(|&r| self.x(r, k)).collect();
                let mut tmp = xs.clone();
                let q = ((alpha * m as f64).ceil() as usize).clamp(1, m);
                let lo_edge = *tmp.select_nth_unstable_by(q - 1, f64::total_cmp).1;
                let hi_edge = *tmp.select_nth_unstable_by(m - q, f64::total_cmp).1;
                let mut best: Option<Peel> = None;
                for low in [true, false] {
                    // Remove the `q` smallest (or largest) values, and every value tied
                    // with the last one removed; the new limit is the nearest value kept.
                    let (mut kept, mut kept_sel) = (0usize, 0usize);
                    let mut cut = if low {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    };
                    for (i, &x) in xs.iter().enumerate() {
                        let keep = if low { x > lo_edge } else { x < hi_edge };
                        if keep {
                            kept += 1;
                            kept_sel += usize::from(self.sel[rows[i]]);
                            cut = if low { cut.min(x) } else { cut.max(x) };
                        }
                    }
                    if kept < min_n || kept == 0 {
                        continue;
                    }
                    let removed = (m - kept) as f64 / m as f64;
                    let gain = (kept_sel as f64 / kept as f64 - mean0) / removed;
                    let better = match best {
                        None => true,
                        Some((g, kk, ..)) => gain > g || (gain == g && kept > kk),
                    };
                    if better {
                        best = Some((gain, kept, k, low, cut));
                    }
                }
                best
            })
            .collect();
        let mut best: Option<Peel> = None;
        for c in cands.into_iter().flatten() {
            let better = match best {
                None => true,
                Some((g, kk, ..)) => c.0 > g || (c.0 == g && c.1 > kk),
            };
            if better {
                best = Some(c);
            }
        }
        let (gain, _, k, low, cut) = best?;
        if gain <= 0.0 {
            return None;
        }
        let mut nb = b.clone();
        if low {
            nb.lo[k] = cut;
        } else {
            nb.hi[k] = cut;
        }
        let kept: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| {
                let x = self.x(r, k);
                x >= nb.lo[k] && x <= nb.hi[k]
            })
            .collect();
        Some((nb, kept))
    }

    /// Moves each limit of `b` to the cut maximising the harmonic mean of coverage and
    /// density, the other limits held, until nothing moves; then drops the limits whose
    /// removal does not lower it.
    fn refine(&self, mut b: Bounds) -> Bounds {
        let nf = self.table.features.len();
        let n = self.table.len();
        let score = |b: &Bounds| {
            let (mut inn, mut s) = (0usize, 0usize);
            for r in 0..n {
                if self.inside(b, r, None) {
                    inn += 1;
                    s += usize::from(self.sel[r]);
                }
            }
            if inn == 0 {
                0.0
            } else {
                f1(s as f64 / self.n_sel.max(1) as f64, s as f64 / inn as f64)
            }
        };
        for _pass in 0..4 {
            let mut moved = false;
            for k in 0..nf {
                if b.lo[k] == f64::NEG_INFINITY && b.hi[k] == f64::INFINITY {
                    continue;
                }
                // Futures inside every other limit, by their value of k.
                let mut v: Vec<(f64, bool)> = (0..n)
                    .filter(|&r| self.inside(&b, r, Some(k)))
                    .map(|r| (self.x(r, k), self.sel[r]))
                    .collect();
                v.sort_by(|a, c| a.0.total_cmp(&c.0));
                let mut pre = vec![0usize; v.len() + 1];
                for (i, p) in v.iter().enumerate() {
                    pre[i + 1] = pre[i] + usize::from(p.1);
                }
                let starts: Vec<usize> = (0..v.len())
                    .filter(|&i| i == 0 || v[i].0 != v[i - 1].0)
                    .collect();
                let cur_a = v.partition_point(|p| p.0 < b.lo[k]);
                let cur_b = v.partition_point(|p| p.0 <= b.hi[k]);
                let eval = |a: usize, z: usize| {
                    let inn = z - a;
                    let s = pre[z] - pre[a];
                    if inn == 0 {
                        0.0
                    } else {
                        f1(s as f64 / self.n_sel.max(1) as f64, s as f64 / inn as f64)
                    }
                };
                let mut best = (eval(cur_a, cur_b), cur_a, cur_b);
                let lo_open = b.lo[k] == f64::NEG_INFINITY;
                let hi_open = b.hi[k] == f64::INFINITY;
                if !lo_open {
                    for &a in &starts {
                        if a < cur_b {
                            let sc = eval(a, cur_b);
                            if sc > best.0 {
                                best = (sc, a, cur_b);
                            }
                        }
                    }
                }
                if !hi_open {
                    let a0 = best.1;
                    for (j, &s) in starts.iter().enumerate() {
                        let z = starts.get(j + 1).copied().unwrap_or(v.len());
                        if s >= a0 {
                            let sc = eval(a0, z);
                            if sc > best.0 {
                                best = (sc, a0, z);
                            }
                        }
                    }
                }
                let (_, a, z) = best;
                if (a, z) != (cur_a, cur_b) && z > a {
                    if !lo_open {
                        b.lo[k] = if a == 0 { self.range[k].0 } else { v[a].0 };
                    }
                    if !hi_open {
                        b.hi[k] = if z == v.len() {
                            self.range[k].1
                        } else {
                            v[z - 1].0
                        };
                    }
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        // Drop limits that do not help, last restricted feature first.
        for k in (0..nf).rev() {
            let (min, max) = self.range[k];
            if b.lo[k] <= min && b.hi[k] >= max {
                continue;
            }
            let mut without = b.clone();
            without.lo[k] = f64::NEG_INFINITY;
            without.hi[k] = f64::INFINITY;
            if score(&without) >= score(&b) {
                b = without;
            }
        }
        b
    }

    /// Futures in `b` and selected futures among them.
    fn count(&self, b: &Bounds) -> (usize, usize) {
        let (mut inn, mut s) = (0usize, 0usize);
        for r in 0..self.table.len() {
            if self.inside(b, r, None) {
                inn += 1;
                s += usize::from(self.sel[r]);
            }
        }
        (inn, s)
    }

    /// PRIM's pruning step: drops, one at a time, the limit whose removal keeps the
    /// highest density (ties: the later feature), as long as the box keeps at least
    /// [`PRUNE_KEEP`] of the density of `b` (the tolerance is against `b`, not the last
    /// step, so small losses do not add up). Removing a limit never lowers coverage.
    fn prune(&self, mut b: Bounds) -> Bounds {
        let nf = self.table.features.len();
        let density = |(inn, s): (usize, usize)| {
            if inn == 0 { 0.0 } else { s as f64 / inn as f64 }
        };
        let floor = PRUNE_KEEP * density(self.count(&b));
        loop {
            let mut best: Option<(f64, usize)> = None;
            for k in 0..nf {
                let (min, max) = self.range[k];
                if b.lo[k] <= min && b.hi[k] >= max {
                    continue;
                }
                let mut without = b.clone();
                without.lo[k] = f64::NEG_INFINITY;
                without.hi[k] = f64::INFINITY;
                let d = density(self.count(&without));
                if d >= floor && best.is_none_or(|(bd, _)| d >= bd) {
                    best = Some((d, k));
                }
            }
            let Some((_, k)) = best else { break };
            b.lo[k] = f64::NEG_INFINITY;
            b.hi[k] = f64::INFINITY;
        }
        b
    }
}

/// The rule of a limit in plain words.
fn rule_words(f: &Feature, lo: Option<f64>, hi: Option<f64>) -> String {
    let s = &f.key.shock;
    // Prose digits (a limit is read, not re-entered: the exact value is in the box's
    // `lo`/`hi`): whole days, two decimals of a severity.
    let num = |v: f64| crate::numfmt::prose(v);
    let range = |unit: &str| match (lo, hi) {
        (Some(a), Some(b)) if b.is_finite() => format!("{}–{}{unit}", num(a), num(b)),
        (Some(a), _) => format!("≥ {}{unit}", num(a)),
        (None, Some(b)) => format!("≤ {}{unit}", num(b)),
        (None, None) => "any".into(),
    };
    match f.key.kind {
        DriverKind::Occurred => {
            if lo.is_some() {
                format!("{s} occurs")
            } else {
                format!("{s} does not occur")
            }
        }
        DriverKind::Overlaps { .. } => {
            let o = f.key.other.as_ref().map_or("another shock", |o| o.as_str());
            if lo.is_some() {
                format!("{s} overlaps {o}")
            } else {
                format!("{s} does not overlap {o}")
            }
        }
        DriverKind::Instances => format!("{s} occurs {} times", range("")),
        DriverKind::LongestDays => format!("{s} lasts {}", range(" days")),
        DriverKind::MaxSeverity => format!("{s} severity {}", range("")),
        DriverKind::FirstOnset => match (lo, hi) {
            (Some(a), Some(b)) if b.is_finite() => {
                format!("{s} starts between day {} and day {}", num(a), num(b))
            }
            (None, Some(b)) if b.is_finite() => format!("{s} starts by day {}", num(b)),
            (Some(a), _) => format!("{s} starts on day {} or later, or never", num(a)),
            _ => format!("{s} starts at any time"),
        },
    }
}

/// Runs the analysis: selection, ranking, PRIM peeling, the chosen box refined.
pub fn run(problem: &DriversProblem) -> DriversResult {
    let req = &problem.req;
    let table = &req.table;
    let n = table.len();
    let nf = table.features.len();
    let (sel, threshold) = select(req);
    let n_sel = sel.iter().filter(|&&s| s).count();
    let base_rate = n_sel as f64 / n.max(1) as f64;
    let mut ranking: Vec<FeatureRank> = (0..nf)
        .into_par_iter()
        .map(|k| rank_feature(table, &sel, k))
        .collect();
    ranking.sort_by(|a, b| b.key().total_cmp(&a.key()).then(a.index.cmp(&b.index)));
    for (i, r) in ranking.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    let min_support = req
        .min_support
        .unwrap_or((base_rate / 2.0).max(1.0 / n.max(1) as f64));
    let range: Vec<(f64, f64)> = (0..nf)
        .map(|k| {
            (0..n)
                .map(|r| prim_value(table.get(r, k)))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(x), b.max(x))
                })
        })
        .collect();
    let prim = Prim {
        table,
        sel: &sel,
        n_sel,
        range,
    };
    let mut b = Bounds {
        lo: vec![f64::NEG_INFINITY; nf],
        hi: vec![f64::INFINITY; nf],
    };
    let mut rows: Vec<usize> = (0..n).collect();
    let mut trajectory = vec![prim.boxed(0, &b, &rows)];
    let bounds_of = |b: &Bounds| b.clone();
    let mut all_bounds = vec![bounds_of(&b)];
    let min_n = ((min_support * n as f64).ceil() as usize).max(1);
    if n_sel > 0 {
        // Binary features last: peeling one removes every future with one value at once
        // (often most of the box), a step so coarse that the trajectory would jump past
        // the boxes worth choosing. The fine peels of the other features come first;
        // once none of them helps, binary peels are allowed too.
        let mut binary = false;
        loop {
            match prim.best_peel(&b, &rows, req.alpha, min_n, binary) {
                Some((nb, kept)) => {
                    b = nb;
                    rows = kept;
                    trajectory.push(prim.boxed(trajectory.len(), &b, &rows));
                    all_bounds.push(bounds_of(&b));
                }
                None if !binary => binary = true,
                None => break,
            }
        }
    }
    let chosen_step = trajectory
        .iter()
        .enumerate()
        .fold((0, -1.0), |(bi, bs), (i, t)| {
            let s = t.score();
            if s > bs { (i, s) } else { (bi, bs) }
        })
        .0;
    let refined = if n_sel > 0 {
        prim.prune(prim.refine(all_bounds[chosen_step].clone()))
    } else {
        all_bounds[chosen_step].clone()
    };
    let rows_in: Vec<usize> = (0..n).filter(|&r| prim.inside(&refined, r, None)).collect();
    let chosen = prim.boxed(chosen_step, &refined, &rows_in);
    DriversResult {
        n,
        n_selected: n_sel,
        base_rate,
        threshold,
        alpha: req.alpha,
        min_support,
        ranking,
        trajectory,
        chosen_step,
        chosen,
    }
}

/// A share as a percent: whole percents, one decimal below 10% where it matters, never a
/// bare `0%` for a share above zero (finer digits would be noise for the group sizes here).
fn pct(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else {
        crate::numfmt::share(x)
    }
}

/// The findings in plain words (plain text, one sentence each).
pub fn findings(req: &DriversRequest, res: &DriversResult) -> Vec<String> {
    let mut out = Vec::new();
    let who = match &req.question {
        Question::Tail { share } => format!(
            "The worst {} of futures by {} ({} of {}{})",
            pct(*share),
            req.outcome_words,
            res.n_selected,
            res.n,
            res.threshold
                .map(|t| format!(", {} or more", crate::numfmt::prose(t)))
                .unwrap_or_default()
        ),
        Question::Worse { worse, than } => format!(
            "The futures where {worse} does worse than {than} on {} ({} of {}, {})",
            req.outcome_words,
            res.n_selected,
            res.n,
            pct(res.base_rate)
        ),
    };
    if res.n_selected == 0 {
        out.push(format!("{who}: none, so there is nothing to explain."));
        return out;
    }
    let top: Vec<&FeatureRank> = res
        .ranking
        .iter()
        .filter(|r| r.separates || r.std_diff.is_some_and(|d| d.abs() >= 0.2))
        .take(3)
        .collect();
    if top.is_empty() {
        out.push(format!(
            "{who} look like the rest: no feature of the shock timelines differs by even a \
             small standardised difference (0.2)."
        ));
    } else {
        let parts: Vec<String> = top
            .iter()
            .map(|r| {
                if r.binary || r.feature.ends_with(".occurred") {
                    format!(
                        "{} in {} of them against {} of all futures",
                        r.words,
                        pct(r.share_selected),
                        pct(r.share_all)
                    )
                } else {
                    format!(
                        "{} averages {} in them against {} in the rest",
                        r.words,
                        r.mean_selected.map_or("–".into(), crate::numfmt::prose),
                        r.mean_rest.map_or("–".into(), crate::numfmt::prose)
                    )
                }
            })
            .collect();
        out.push(format!("{who} stand out by: {}.", parts.join("; ")));
    }
    let c = &res.chosen;
    if c.limits.is_empty() {
        out.push(
            "No simple box of rules captures them better than taking every future.".to_string(),
        );
    } else {
        let rules: Vec<&str> = c.limits.iter().map(|l| l.words.as_str()).collect();
        out.push(format!(
            "Rule: {} — holds {} of the selected futures (coverage), and {} of the futures it \
             describes are selected (density), against {} of all futures.",
            rules.join(" AND "),
            pct(c.coverage),
            pct(c.density),
            pct(res.base_rate)
        ));
    }
    out
}
