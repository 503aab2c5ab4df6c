//! The legal range of a number ([`Bounds`]) and the largest values the format accepts.
//!
//! Written here, in the model, so that a bound is written once: the scenario layer's
//! table of fields (`scenario::fields`) gives each field its bounds, and where a model
//! constructor checks a field of the table it reads the same constant (e.g.
//! [`Onset::RATE_BOUNDS`](super::Onset::RATE_BOUNDS), which is also the table's bounds
//! of `shock.onset.rate_per_year`). Pure; depends only on [`ParamError`].

use super::ParamError;

/// The range of legal values of a number: `min ..= max`, or `min < x` when
/// `min_exclusive`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Lowest value (`-inf` when unbounded below).
    pub min: f64,
    /// Whether `min` itself is excluded.
    pub min_exclusive: bool,
    /// Highest value (`inf` when unbounded above).
    pub max: f64,
}

impl Bounds {
    /// No bounds.
    pub const NONE: Bounds = Bounds {
        min: f64::NEG_INFINITY,
        min_exclusive: false,
        max: f64::INFINITY,
    };
    /// `0 ..= MAX_MAGNITUDE`: a quantity, amount, rate or fraction with no natural
    /// upper end, capped far beyond any real value so that no output can overflow.
    pub const NON_NEG: Bounds = Bounds::range(0.0, MAX_MAGNITUDE);
    /// `0 < x <= MAX_MAGNITUDE` (see [`Bounds::NON_NEG`]).
    pub const POSITIVE: Bounds = Bounds {
        min: 0.0,
        min_exclusive: true,
        max: MAX_MAGNITUDE,
    };
    /// `[0, 1]`.
    pub const UNIT: Bounds = Bounds::range(0.0, 1.0);
    /// Whole days `0 ..= MAX_DAYS`.
    pub const DAYS: Bounds = Bounds::range(0.0, MAX_DAYS);
    /// Whole days `1 ..= MAX_DAYS`.
    pub const DAYS_FROM_1: Bounds = Bounds::range(1.0, MAX_DAYS);

    /// `>= min`.
    pub const fn at_least(min: f64) -> Bounds {
        Bounds {
            min,
            min_exclusive: false,
            max: f64::INFINITY,
        }
    }

    /// `min ..= max`.
    pub const fn range(min: f64, max: f64) -> Bounds {
        Bounds {
            min,
            min_exclusive: false,
            max,
        }
    }

    /// Whether `x` lies within the bounds (never for NaN).
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.min_exclusive {
            x > self.min
        } else {
            x >= self.min
        };
        above && x <= self.max
    }

    /// `x` moved into the bounds (an exclusive minimum clamps to the minimum itself).
    pub fn clamp(&self, x: f64) -> f64 {
        x.clamp(self.min, self.max)
    }

    /// Whether this is `[0, 1]`.
    pub fn is_unit(&self) -> bool {
        *self == Bounds::UNIT
    }

    /// `v` when it lies within the bounds; otherwise the model's refusal, naming the
    /// value `name` (`` `probability` must lie in [0, 1], got 1.5 ``; `` `rate_per_year`
    /// must be a finite number >= 0, got -1 ``; `` `day` must be at most 36500, got
    /// 40000 ``).
    ///
    /// # Errors
    /// `v` outside the bounds, or NaN.
    pub fn check(&self, name: &str, v: f64) -> Result<f64, ParamError> {
        if self.contains(v) {
            return Ok(v);
        }
        let message = if self.is_unit() {
            format!("`{name}` must lie in [0, 1], got {v}")
        } else if v.is_finite() && v > self.max {
            let max = if self.max == MAX_MAGNITUDE {
                "1e18".to_string()
            } else {
                self.max.to_string()
            };
            format!("`{name}` must be at most {max}, got {v}")
        } else {
            let op = if self.min_exclusive { ">" } else { ">=" };
            format!(
                "`{name}` must be a finite number {op} {}, got {v}",
                self.min
            )
        };
        Err(ParamError(message))
    }
}

/// Largest accepted value of a number that has no natural upper end (amounts of
/// money, demand, rates, fractions of demand, days of demand, distribution parameters):
/// 10^18. No real input comes near it (world output is about 10^14 dollars a year;
/// the world's iron ore, in grams, about 2.5 × 10^15 a year), while products of a few
/// such numbers over 36,500 days and 10^8 futures stay far below the largest `f64`
/// (about 1.8 × 10^308), so every output is finite. Beyond it: exit 2, naming the path.
pub const MAX_MAGNITUDE: f64 = 1e18;
/// Largest accepted value of a whole-day field other than `horizon_days` (100 years).
pub const MAX_DAYS: f64 = 36_500.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_value_and_the_bound_it_breaks() {
        // The model's own messages (the scenario layer reports first, with locations):
        // a fraction, a non-negative number, and a cap.
        let e = |b: Bounds, name, v| b.check(name, v).unwrap_err().0;
        assert_eq!(
            e(Bounds::UNIT, "probability", 1.5),
            "`probability` must lie in [0, 1], got 1.5"
        );
        assert_eq!(
            e(Bounds::NON_NEG, "rate_per_year", -1.0),
            "`rate_per_year` must be a finite number >= 0, got -1"
        );
        assert_eq!(
            e(Bounds::NON_NEG, "rate_per_year", f64::INFINITY),
            "`rate_per_year` must be a finite number >= 0, got inf"
        );
        assert_eq!(
            e(Bounds::NON_NEG, "rate_per_year", 1e19),
            "`rate_per_year` must be at most 1e18, got 10000000000000000000"
        );
        assert_eq!(
            e(Bounds::DAYS, "day", 40_000.0),
            "`day` must be at most 36500, got 40000"
        );
        assert_eq!(
            e(Bounds::POSITIVE, "x", 0.0),
            "`x` must be a finite number > 0, got 0"
        );
        assert_eq!(Bounds::UNIT.check("p", 1.0), Ok(1.0));
        assert!(Bounds::UNIT.check("p", f64::NAN).is_err());
    }
}
