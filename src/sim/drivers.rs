//! Per-future drivers (issue 13, item 1): what each replication's shock timeline looked
//! like, as a fixed row of numbers, so that an analysis can ask what the worst futures
//! have in common (`crate::explore::drivers`).
//!
//! For each shock, in scenario order: whether it occurred, its number of instances, its
//! longest active phase (days within the horizon), its largest severity and its first
//! onset day (`NaN` when it did not occur); then, for each pair of shocks, whether an
//! instance of one overlapped an instance of the other (from onset to the end of
//! recovery, MODEL.md §3). The model draws nothing else once per future (demand noise is
//! drawn per day, MODEL.md §1), so the timeline is the whole of a future's drivers.
//!
//! A replication's timeline depends only on `(seed, replication)` (MODEL.md §1,
//! [`super::rng`]), so [`sample`] re-draws it from the same streams the engine used:
//! the drivers never need the engine, do not depend on the thread count, and a block of
//! them can be computed for any replication range (what a writer streaming them a block
//! at a time does). Pure: no I/O.

use super::engine::CHUNK;
use super::timeline::{Timeline, TriggerGraph};
use crate::model::{Scenario, ShockId};
use rayon::prelude::*;
use std::ops::Range;

/// What a driver column measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriverKind {
    /// 1 when the shock had at least one instance, else 0.
    Occurred,
    /// Number of instances of the shock.
    Instances,
    /// Longest active phase of an instance, in days within the horizon (0 if none).
    LongestDays,
    /// Largest severity of an instance (0 if none).
    MaxSeverity,
    /// First onset day (`NaN` = the shock did not occur).
    FirstOnset,
    /// 1 when an instance of the shock overlapped an instance of `other`, else 0.
    Overlaps {
        /// Index of the other shock.
        other: usize,
    },
}

impl DriverKind {
    /// Whether the column only takes the values 0 and 1.
    pub fn is_binary(self) -> bool {
        matches!(self, DriverKind::Occurred | DriverKind::Overlaps { .. })
    }

    /// Whether the column holds whole numbers (written without a decimal point).
    pub fn is_integer(self) -> bool {
        !matches!(self, DriverKind::MaxSeverity)
    }

    /// The word for it in a column name (`longest_days`; `overlaps` before the other
    /// shock's id).
    pub fn suffix(self) -> &'static str {
        match self {
            DriverKind::Occurred => "occurred",
            DriverKind::Instances => "instances",
            DriverKind::LongestDays => "longest_days",
            DriverKind::MaxSeverity => "max_severity",
            DriverKind::FirstOnset => "first_onset_day",
            DriverKind::Overlaps { .. } => "overlaps",
        }
    }
}

/// A drivers column's name, typed: the shock, what is measured and, for an overlap, the
/// other shock. Written (its `Display`, and the column name in `drivers.csv` and
/// `drivers.parquet`) `<shock>.<suffix>` or `<shock>.overlaps.<other>`:
///
/// ```
/// use chokepoint::sim::drivers::{DriverKey, DriverKind};
/// let key = DriverKey {
///     shock: "quake".parse().unwrap(),
///     kind: DriverKind::Overlaps { other: 1 },
///     other: Some("flood".parse().unwrap()),
/// };
/// assert_eq!(key.to_string(), "quake.overlaps.flood");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DriverKey {
    /// Id of the shock the column describes.
    pub shock: ShockId,
    /// What it measures.
    pub kind: DriverKind,
    /// Id of the other shock of an overlap (`None` for the other kinds).
    pub other: Option<ShockId>,
}

impl std::fmt::Display for DriverKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.shock, self.kind.suffix())?;
        match &self.other {
            Some(o) => write!(f, ".{o}"),
            None => Ok(()),
        }
    }
}

impl serde::Serialize for DriverKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One column of the drivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverColumn {
    /// Column name in `drivers.csv` (`cn_embargo.longest_days`,
    /// `cn_embargo.overlaps.quake`), typed.
    pub name: DriverKey,
    /// Index of the shock it describes.
    pub shock: usize,
    /// What it measures.
    pub kind: DriverKind,
}

/// The driver columns of `scn`, in output order: the five columns of each shock in
/// scenario order, then one overlap column per pair of shocks `(a, b)`, `a < b`.
pub fn columns(scn: &Scenario) -> Vec<DriverColumn> {
    let mut cols = Vec::new();
    for (j, sh) in scn.shocks().iter().enumerate() {
        for kind in [
            DriverKind::Occurred,
            DriverKind::Instances,
            DriverKind::LongestDays,
            DriverKind::MaxSeverity,
            DriverKind::FirstOnset,
        ] {
            cols.push(DriverColumn {
                name: DriverKey {
                    shock: sh.id().clone(),
                    kind,
                    other: None,
                },
                shock: j,
                kind,
            });
        }
    }
    for a in 0..scn.shocks().len() {
        for b in a + 1..scn.shocks().len() {
            let kind = DriverKind::Overlaps { other: b };
            cols.push(DriverColumn {
                name: DriverKey {
                    shock: scn.shocks()[a].id().clone(),
                    kind,
                    other: Some(scn.shocks()[b].id().clone()),
                },
                shock: a,
                kind,
            });
        }
    }
    cols
}

/// Appends the drivers of one sampled timeline (one value per column of [`columns`], in
/// that order) to `out`.
pub fn features(scn: &Scenario, timeline: &Timeline, out: &mut Vec<f64>) {
    let h = scn.horizon_days();
    let ns = scn.shocks().len();
    for j in 0..ns {
        let inst = timeline.per_shock.get(j).map_or(&[][..], |v| &v[..]);
        let longest = inst
            .iter()
            .map(|i| i.end().min(h).saturating_sub(i.onset))
            .max()
            .unwrap_or(0);
        let severity = inst.iter().map(|i| i.severity).fold(0.0, f64::max);
        out.push(f64::from(u8::from(!inst.is_empty())));
        out.push(inst.len() as f64);
        out.push(f64::from(longest));
        out.push(severity);
        out.push(
            inst.iter()
                .map(|i| i.onset)
                .min()
                .map_or(f64::NAN, f64::from),
        );
    }
    for a in 0..ns {
        for b in a + 1..ns {
            let (ia, ib) = (&timeline.per_shock[a], &timeline.per_shock[b]);
            let hit = ia.iter().any(|x| ib.iter().any(|y| x.overlaps(y)));
            out.push(f64::from(u8::from(hit)));
        }
    }
}

/// The drivers of replications `reps` of `scn` with `seed`, row-major (one row of
/// [`columns`]`(scn).len()` values per replication, in replication order). Runs in the
/// current rayon pool, chunk by chunk; the values do not depend on the thread count.
pub fn sample(scn: &Scenario, seed: u64, reps: Range<u64>) -> Vec<f64> {
    let graph = TriggerGraph::new(scn);
    let Range { start, end } = reps;
    let end = end.max(start);
    let n_chunks = (end - start).div_ceil(CHUNK) as usize;
    let chunks: Vec<Vec<f64>> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let a = start + c as u64 * CHUNK;
            let b = (a + CHUNK).min(end);
            let mut tl = Timeline::default();
            let mut out = Vec::new();
            for rep in a..b {
                tl.sample(scn, &graph, seed, rep);
                features(scn, &tl, &mut out);
            }
            out
        })
        .collect();
    chunks.concat()
}
