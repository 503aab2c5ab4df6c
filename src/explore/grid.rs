//! Ranges of parameter paths and the points of a sweep: full grids and Latin hypercubes.
//!
//! A range is written `PATH=LO..HI[:STEPS]`. Whole-day paths (every field in days, see
//! [`analysis_kind`]) take whole values: grid values and hypercube coordinates are
//! rounded to the nearest whole number and duplicate values (grid) or points
//! (hypercube) are dropped, keeping the first.

use super::ExploreError;
use crate::numfmt;
use crate::scenario::ParamKind;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// Grid steps per path when a range gives none.
pub const DEFAULT_STEPS: usize = 5;

/// Stream of the Latin-hypercube generator (apart from the simulation's streams).
const LHS_STREAM: u64 = 0x4c48_5321;

/// One varied path: `PATH=LO..HI[:STEPS]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vary {
    /// Parameter path (MODEL.md §6).
    pub path: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Grid steps (values from `lo` to `hi` inclusive); `None` = [`DEFAULT_STEPS`].
    pub steps: Option<usize>,
}

/// Parses `LO..HI` into `(lo, hi)`.
///
/// # Errors
/// [`ExploreError::Spec`] when the text is not two finite numbers with `LO <= HI`.
pub fn parse_range(text: &str) -> Result<(f64, f64), ExploreError> {
    let bad = |why: &str| {
        ExploreError::Spec(format!(
            "bad range `{text}`: {why}; write LO..HI, e.g. 0..180"
        ))
    };
    let (a, b) = text.split_once("..").ok_or_else(|| bad("no `..`"))?;
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(&format!("`{}` is not a finite number", s.trim())))
    };
    let (lo, hi) = (num(a)?, num(b)?);
    if !(lo <= hi) {
        return Err(bad("LO is above HI"));
    }
    Ok((lo, hi))
}

impl Vary {
    /// Parses `PATH=LO..HI[:STEPS]`.
    ///
    /// # Errors
    /// [`ExploreError::Spec`] with the expected form.
    pub fn parse(text: &str) -> Result<Vary, ExploreError> {
        let (path, rest) = text.split_once('=').ok_or_else(|| {
            ExploreError::Spec(format!(
                "bad --vary `{text}`: write PATH=LO..HI[:STEPS], e.g. material.ndpr.stockpile_days=0..180:7"
            ))
        })?;
        let (range, steps) =
            match rest.rsplit_once(':') {
                Some((r, s)) => {
                    let n = s.trim().parse::<usize>().ok().filter(|&n| n >= 1).ok_or_else(|| {
                    ExploreError::Spec(format!(
                        "bad --vary `{text}`: STEPS `{s}` must be a whole number of at least 1"
                    ))
                })?;
                    (r, Some(n))
                }
                None => (rest, None),
            };
        let (lo, hi) = parse_range(range)?;
        let v = Vary {
            path: path.trim().to_string(),
            lo,
            hi,
            steps,
        };
        v.check_kind()?;
        Ok(v)
    }

    /// The kind of the path, as analyses treat it ([`analysis_kind`]).
    pub fn kind(&self) -> ParamKind {
        analysis_kind(&self.path)
    }

    /// Rejects ranges outside [0, 1] for probabilities and shares.
    fn check_kind(&self) -> Result<(), ExploreError> {
        if matches!(self.kind(), ParamKind::Probability | ParamKind::Share)
            && !(self.lo >= 0.0 && self.hi <= 1.0)
        {
            return Err(ExploreError::Spec(format!(
                "`{}` is a probability or share: its range {}..{} must lie within 0..1",
                self.path,
                numfmt::shortest(self.lo),
                numfmt::shortest(self.hi)
            )));
        }
        Ok(())
    }

    /// The grid values of this path: `steps` evenly spaced values from `lo` to `hi`
    /// (just `lo` when `lo == hi` or `steps == 1`), rounded for whole-day paths, without
    /// duplicates.
    pub fn values(&self) -> Vec<f64> {
        let n = self.steps.unwrap_or(DEFAULT_STEPS);
        let raw: Vec<f64> = if n <= 1 || self.lo == self.hi {
            vec![self.lo]
        } else {
            (0..n)
                .map(|i| {
                    if i == n - 1 {
                        self.hi
                    } else {
                        self.lo + (self.hi - self.lo) * i as f64 / (n - 1) as f64
                    }
                })
                .collect()
        };
        let mut out: Vec<f64> = Vec::with_capacity(raw.len());
        for v in raw {
            let v = round_for(self.kind(), v);
            if !out.iter().any(|&x| x.to_bits() == v.to_bits()) {
                out.push(v);
            }
        }
        out
    }
}

/// The kind of a path as the analyses treat it, from the scenario's field table
/// ([`crate::scenario::sweep_kind`]): whole-day fields, and every other number measured
/// in days (`stockpile_days`, `private_days`, `ramp_days`, a fixed `duration_days`, a
/// distribution's parameter in days such as `shock.x.duration_days.median`), are swept
/// and searched in whole days. A plan is made in days; a stockpile sized to the hundredth
/// of a day is a precision no interval supports.
pub fn analysis_kind(path: &str) -> ParamKind {
    crate::scenario::sweep_kind(path)
}

/// `v` rounded as the kind requires: whole-day paths to the nearest whole number.
pub fn round_for(kind: ParamKind, v: f64) -> f64 {
    match kind {
        ParamKind::WholeDays => v.round(),
        _ => v,
    }
}

/// Every combination of the paths' grid values, the first path varying slowest.
pub fn grid(vary: &[Vary]) -> Vec<Vec<f64>> {
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for v in vary {
        let vals = v.values();
        let mut next = Vec::with_capacity(points.len() * vals.len());
        for p in &points {
            for &x in &vals {
                let mut q = p.clone();
                q.push(x);
                next.push(q);
            }
        }
        points = next;
    }
    points
}

/// A Latin hypercube of `n` points over the paths' ranges, seeded: each path's range is
/// cut into `n` equal strata, each stratum is used once (a random permutation per path),
/// and the value is uniform within its stratum. Whole-day coordinates are rounded and
/// duplicate points dropped (keeping the first), so fewer than `n` points may remain.
/// Depends only on `(vary, n, seed)`.
pub fn lhs(vary: &[Vary], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(LHS_STREAM);
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(vary.len());
    for v in vary {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let u: f64 = rng.random();
            let j = ((u * (i + 1) as f64) as usize).min(i);
            perm.swap(i, j);
        }
        let col = perm
            .iter()
            .map(|&k| {
                let u: f64 = rng.random();
                let x = v.lo + (v.hi - v.lo) * (k as f64 + u) / n as f64;
                round_for(v.kind(), x.clamp(v.lo, v.hi))
            })
            .collect();
        cols.push(col);
    }
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(n);
    for p in 0..n {
        let point: Vec<f64> = cols.iter().map(|c| c[p]).collect();
        let dup = out.iter().any(|q| {
            q.iter()
                .zip(&point)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        });
        if !dup {
            out.push(point);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rounds_whole_days() {
        let v = Vary::parse("material.x.supplier.a.surge_lag_days=0..10:4").unwrap();
        assert_eq!(v.values(), vec![0.0, 3.0, 7.0, 10.0]);
        let v = Vary::parse("material.x.supplier.a.lead_time_days=1..2:5").unwrap();
        assert_eq!(v.values(), vec![1.0, 2.0]);
        let v = Vary::parse("material.x.demand_cv=0..0.2:3").unwrap();
        assert_eq!(v.values(), vec![0.0, 0.1, 0.2]);
    }

    #[test]
    fn every_day_field_is_whole() {
        for p in [
            "material.m.stockpile_days",
            "material.m.private_days",
            "material.m.substitution.ramp_days",
            "material.m.reaction.private_days",
            "shock.s.duration_days",
            "shock.s.duration_days.median",
            "shock.s.recovery_days.scale",
            "material.m.supplier.a.lead_time_days",
            "shock.s.onset.day",
        ] {
            assert_eq!(analysis_kind(p), ParamKind::WholeDays, "{p}");
        }
        for p in [
            "shock.s.duration_days.shape",
            "material.m.demand_cv",
            "shock.s.severity.max",
        ] {
            assert_eq!(analysis_kind(p), ParamKind::Real, "{p}");
        }
        let v = Vary::parse("material.x.stockpile_days=0..10:6").unwrap();
        assert_eq!(v.values(), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let v = Vary::parse("material.x.stockpile_days=0..1:5").unwrap();
        assert_eq!(v.values(), vec![0.0, 1.0]);
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(Vary::parse("a.b=3..1").is_err());
        assert!(Vary::parse("a.b").is_err());
        assert!(Vary::parse("a.b=0..x").is_err());
        assert!(Vary::parse("material.x.supplier.a.share=0..2").is_err());
        assert!(Vary::parse("a.b=0..1:0").is_err());
    }

    #[test]
    fn grid_first_path_slowest() {
        let a = Vary::parse("a.stockpile_days=0..1:2").unwrap();
        let b = Vary::parse("b.demand_cv=0..1:2").unwrap();
        assert_eq!(
            grid(&[a, b]),
            vec![
                vec![0.0, 0.0],
                vec![0.0, 1.0],
                vec![1.0, 0.0],
                vec![1.0, 1.0]
            ]
        );
    }

    #[test]
    fn lhs_is_stratified_and_seeded() {
        let a = Vary::parse("a.demand_cv=0..1").unwrap();
        let b = Vary::parse("b.annual_demand=10..20").unwrap();
        let p = lhs(&[a.clone(), b.clone()], 10, 7);
        assert_eq!(p, lhs(&[a, b], 10, 7));
        assert_eq!(p.len(), 10);
        let mut strata: Vec<usize> = p.iter().map(|q| (q[0] * 10.0) as usize).collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
    }
}
