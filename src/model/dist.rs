//! Random quantities of a scenario: the distributions of MODEL.md §3, built once at
//! validation into ready samplers.
//!
//! Pure: depends only on `rand` and `rand_distr`.

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Exp, Gamma, LogNormal, Pert, Triangular};

/// z-score of the 90th percentile of the standard normal, used to turn
/// `lognormal { median, p90 }` into `sigma = ln(p90 / median) / Z90`.
pub const Z90: f64 = 1.281_551_565_544_600_5;

/// Draws used to estimate a median without a closed form (odd, so the middle one is the
/// sample median; its error is about 1% of the spread at the median).
pub const MEDIAN_SAMPLES: usize = 20_001;

/// A validated distribution over `f64`, ready to sample.
///
/// Built by the scenario layer from the spec written in a file; every constructor there
/// has checked its parameters, so sampling cannot fail.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always the same value.
    Fixed(f64),
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular on `[min, max]` with the given mode.
    Triangular(Triangular<f64>, [f64; 3]),
    /// PERT (scaled beta) on `[min, max]` with the given mode.
    Pert(Pert<f64>, [f64; 3]),
    /// Lognormal given by its median and 90th percentile.
    LogNormal(LogNormal<f64>, [f64; 2]),
    /// Exponential with the given mean.
    Exponential(Exp<f64>, f64),
    /// Gamma with shape and scale.
    Gamma(Gamma<f64>, [f64; 2]),
    /// Beta on [0, 1].
    Beta(Beta<f64>, [f64; 2]),
    /// A discrete distribution over the given values.
    Empirical {
        /// The values.
        values: Vec<f64>,
        /// Cumulative normalised weights, the last one exactly 1.
        cumulative: Vec<f64>,
    },
}

/// Why a distribution's parameters were refused; the scenario layer turns it into a
/// located message.
#[derive(Debug, Clone, PartialEq)]
pub struct DistError(pub String);

fn finite(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(DistError(format!(
            "`{name}` must be a finite number, got {v}"
        )))
    }
}

impl Dist {
    /// A fixed value.
    pub fn fixed(v: f64) -> Result<Self, DistError> {
        Ok(Dist::Fixed(finite("value", v)?))
    }

    /// Uniform on `[min, max]`; `min == max` is allowed and means a fixed value.
    pub fn uniform(min: f64, max: f64) -> Result<Self, DistError> {
        let (min, max) = (finite("min", min)?, finite("max", max)?);
        if min > max {
            return Err(DistError(format!(
                "`min` ({min}) is greater than `max` ({max}); swap them"
            )));
        }
        Ok(Dist::Uniform { min, max })
    }

    fn check_mode(min: f64, mode: f64, max: f64) -> Result<(), DistError> {
        let (min, mode, max) = (
            finite("min", min)?,
            finite("mode", mode)?,
            finite("max", max)?,
        );
        if min > max {
            return Err(DistError(format!(
                "`min` ({min}) is greater than `max` ({max}); swap them"
            )));
        }
        if !(min <= mode && mode <= max) {
            return Err(DistError(format!(
                "`mode` ({mode}) must lie within [min, max] = [{min}, {max}]"
            )));
        }
        Ok(())
    }

    /// Triangular on `[min, max]` with `mode`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        Self::check_mode(min, mode, max)?;
        if min == max {
            return Ok(Dist::Fixed(min));
        }
        let t = Triangular::new(min, max, mode).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Triangular(t, [min, mode, max]))
    }

    /// PERT on `[min, max]` with `mode`.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        Self::check_mode(min, mode, max)?;
        if min == max {
            return Ok(Dist::Fixed(min));
        }
        let p = Pert::new(min, max)
            .with_mode(mode)
            .map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Pert(p, [min, mode, max]))
    }

    /// Lognormal with the given median and 90th percentile (`p90 > median > 0`).
    pub fn lognormal(median: f64, p90: f64) -> Result<Self, DistError> {
        let (median, p90) = (finite("median", median)?, finite("p90", p90)?);
        if !(median > 0.0) {
            return Err(DistError(format!(
                "`median` must be positive, got {median}"
            )));
        }
        if !(p90 > median) {
            return Err(DistError(format!(
                "`p90` ({p90}) must be greater than `median` ({median}); for a fixed value write the number alone"
            )));
        }
        let sigma = (p90 / median).ln() / Z90;
        let d = LogNormal::new(median.ln(), sigma).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::LogNormal(d, [median, p90]))
    }

    /// Exponential with the given mean (`mean > 0`).
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        let mean = finite("mean", mean)?;
        if !(mean > 0.0) {
            return Err(DistError(format!("`mean` must be positive, got {mean}")));
        }
        let d = Exp::new(1.0 / mean).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Exponential(d, mean))
    }

    /// Gamma with `shape > 0` and `scale > 0`.
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, DistError> {
        let (shape, scale) = (finite("shape", shape)?, finite("scale", scale)?);
        if !(shape > 0.0 && scale > 0.0) {
            return Err(DistError(format!(
                "`shape` and `scale` must both be positive, got {shape} and {scale}"
            )));
        }
        let d = Gamma::new(shape, scale).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Gamma(d, [shape, scale]))
    }

    /// Beta with `alpha > 0` and `beta > 0`.
    pub fn beta(alpha: f64, beta: f64) -> Result<Self, DistError> {
        let (alpha, beta) = (finite("alpha", alpha)?, finite("beta", beta)?);
        if !(alpha > 0.0 && beta > 0.0) {
            return Err(DistError(format!(
                "`alpha` and `beta` must both be positive, got {alpha} and {beta}"
            )));
        }
        let d = Beta::new(alpha, beta).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Beta(d, [alpha, beta]))
    }

    /// A discrete distribution over `values` with optional non-negative `weights`
    /// (equal weights when absent).
    pub fn empirical(values: Vec<f64>, weights: Option<Vec<f64>>) -> Result<Self, DistError> {
        if values.is_empty() {
            return Err(DistError("`values` must not be empty".into()));
        }
        for v in &values {
            finite("values", *v)?;
        }
        let weights = weights.unwrap_or_else(|| vec![1.0; values.len()]);
        if weights.len() != values.len() {
            return Err(DistError(format!(
                "`weights` has {} entries but `values` has {}; give one weight per value",
                weights.len(),
                values.len()
            )));
        }
        let mut total = 0.0;
        for w in &weights {
            if !(w.is_finite() && *w >= 0.0) {
                return Err(DistError(format!(
                    "`weights` must be non-negative finite numbers, got {w}"
                )));
            }
            total += w;
        }
        if !(total > 0.0) {
            return Err(DistError("`weights` must not all be zero".into()));
        }
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc / total
            })
            .collect();
        *cumulative.last_mut().expect("non-empty") = 1.0;
        Ok(Dist::Empirical { values, cumulative })
    }

    /// Draws one value. Every variant consumes a fixed pattern of random numbers for a
    /// given parameter set, so the same generator state gives the same value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => {
                let u: f64 = rng.random();
                min + (max - min) * u
            }
            Dist::Triangular(d, _) => d.sample(rng),
            Dist::Pert(d, _) => d.sample(rng),
            Dist::LogNormal(d, _) => d.sample(rng),
            Dist::Exponential(d, _) => d.sample(rng),
            Dist::Gamma(d, _) => d.sample(rng),
            Dist::Beta(d, _) => d.sample(rng),
            Dist::Empirical { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }

    /// The distribution's mean (exact for every variant).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular(_, [a, c, b]) => (a + b + c) / 3.0,
            Dist::Pert(_, [a, c, b]) => (a + 4.0 * c + b) / 6.0,
            Dist::LogNormal(_, [median, p90]) => {
                let sigma = (p90 / median).ln() / Z90;
                median * (0.5 * sigma * sigma).exp()
            }
            Dist::Exponential(_, mean) => *mean,
            Dist::Gamma(_, [k, theta]) => k * theta,
            Dist::Beta(_, [a, b]) => a / (a + b),
            Dist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let w = c - prev;
                        prev = *c;
                        v * w
                    })
                    .sum()
            }
        }
    }

    /// The distribution's median: exact where a closed form exists (fixed, uniform,
    /// triangular, lognormal, exponential, empirical), otherwise (PERT, gamma, beta) the
    /// middle of [`MEDIAN_SAMPLES`] draws from a fixed ChaCha8 stream, so the same value
    /// every time. Used for summaries and the exposure view's default recovery time.
    pub fn median(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular(_, [a, c, b]) => {
                // The CDF reaches 1/2 left of the mode iff (c - a) / (b - a) >= 1/2.
                if c - a >= 0.5 * (b - a) {
                    a + ((b - a) * (c - a) / 2.0).sqrt()
                } else {
                    b - ((b - a) * (b - c) / 2.0).sqrt()
                }
            }
            Dist::LogNormal(_, [median, _]) => *median,
            Dist::Exponential(_, mean) => mean * std::f64::consts::LN_2,
            Dist::Empirical { values, cumulative } => {
                let i = cumulative
                    .partition_point(|&c| c < 0.5)
                    .min(values.len() - 1);
                values[i]
            }
            other => {
                use rand::SeedableRng;
                let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(0x6d65_6469_616e);
                let mut xs: Vec<f64> = (0..MEDIAN_SAMPLES)
                    .map(|_| other.sample(&mut rng))
                    .collect();
                xs.sort_by(f64::total_cmp);
                xs[MEDIAN_SAMPLES / 2]
            }
        }
    }

    /// Short human description, e.g. `lognormal(median 60, p90 240)`.
    pub fn describe(&self) -> String {
        match self {
            Dist::Fixed(v) => format!("{v}"),
            Dist::Uniform { min, max } => format!("uniform({min}..{max})"),
            Dist::Triangular(_, [a, c, b]) => format!("triangular({a}, mode {c}, {b})"),
            Dist::Pert(_, [a, c, b]) => format!("pert({a}, mode {c}, {b})"),
            Dist::LogNormal(_, [m, p]) => format!("lognormal(median {m}, p90 {p})"),
            Dist::Exponential(_, m) => format!("exponential(mean {m})"),
            Dist::Gamma(_, [k, t]) => format!("gamma(shape {k}, scale {t})"),
            Dist::Beta(_, [a, b]) => format!("beta({a}, {b})"),
            Dist::Empirical { values, .. } => format!("empirical({} values)", values.len()),
        }
    }

    /// Largest value the distribution can produce, when bounded.
    pub fn upper_bound(&self) -> Option<f64> {
        match self {
            Dist::Fixed(v) => Some(*v),
            Dist::Uniform { max, .. } => Some(*max),
            Dist::Triangular(_, [_, _, b]) | Dist::Pert(_, [_, _, b]) => Some(*b),
            Dist::Beta(..) => Some(1.0),
            Dist::Empirical { values, .. } => values.iter().copied().reduce(f64::max),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn sample_mean(d: &Dist, n: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0);
        (m, (var / n as f64).sqrt())
    }

    #[test]
    fn sample_means_match_closed_forms() {
        // Each closed-form mean is textbook; the sample mean of 200k draws must lie within
        // 5 standard errors of it (a fixed seed, so this never flakes).
        let cases = [
            Dist::uniform(2.0, 6.0).unwrap(),
            Dist::triangular(1.0, 2.0, 6.0).unwrap(),
            Dist::pert(1.0, 2.0, 6.0).unwrap(),
            Dist::lognormal(60.0, 240.0).unwrap(),
            Dist::exponential(30.0).unwrap(),
            Dist::gamma(2.0, 3.0).unwrap(),
            Dist::beta(2.0, 5.0).unwrap(),
            Dist::empirical(vec![1.0, 2.0, 10.0], Some(vec![1.0, 1.0, 2.0])).unwrap(),
        ];
        for d in &cases {
            let (m, se) = sample_mean(d, 200_000);
            assert!(
                (m - d.mean()).abs() < 5.0 * se,
                "{}: sample mean {m} vs {} (se {se})",
                d.describe(),
                d.mean()
            );
        }
    }

    #[test]
    fn lognormal_p90_is_the_90th_percentile() {
        let d = Dist::lognormal(60.0, 240.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 100_000;
        let below = (0..n).filter(|_| d.sample(&mut rng) <= 240.0).count() as f64 / n as f64;
        // Binomial SE at p = 0.9: sqrt(0.09 / n) ≈ 0.00095; allow 5 SE.
        assert!(
            (below - 0.9).abs() < 5.0 * (0.09 / n as f64).sqrt(),
            "{below}"
        );
    }

    #[test]
    fn medians_match_closed_forms_and_estimates() {
        // Triangular(0, 8, 10): (c - a) / (b - a) = 0.8 >= 1/2, so the median is
        // a + sqrt((b - a)(c - a) / 2) = sqrt(40) ≈ 6.3246; by symmetry (0, 2, 10) has
        // 10 - sqrt(40).
        let t = Dist::triangular(0.0, 8.0, 10.0).unwrap();
        assert!((t.median() - 40f64.sqrt()).abs() < 1e-12);
        let t = Dist::triangular(0.0, 2.0, 10.0).unwrap();
        assert!((t.median() - (10.0 - 40f64.sqrt())).abs() < 1e-12);
        // Symmetric PERT and Beta(2, 2) have their median at the centre; Gamma(1, θ) is
        // exponential with median θ ln 2. The sampled medians are within 2% of the spread.
        assert!((Dist::pert(0.0, 5.0, 10.0).unwrap().median() - 5.0).abs() < 0.2);
        assert!((Dist::beta(2.0, 2.0).unwrap().median() - 0.5).abs() < 0.02);
        let g = Dist::gamma(1.0, 30.0).unwrap().median();
        assert!((g - 30.0 * std::f64::consts::LN_2).abs() < 0.6, "{g}");
        // The same value every time.
        assert_eq!(
            Dist::gamma(2.0, 3.0).unwrap().median(),
            Dist::gamma(2.0, 3.0).unwrap().median()
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::uniform(3.0, 1.0).is_err());
        assert!(Dist::triangular(0.0, 5.0, 4.0).is_err());
        assert!(Dist::lognormal(60.0, 60.0).is_err());
        assert!(Dist::lognormal(f64::NAN, 60.0).is_err());
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::empirical(vec![], None).is_err());
        assert!(Dist::empirical(vec![1.0], Some(vec![0.0])).is_err());
    }
}
