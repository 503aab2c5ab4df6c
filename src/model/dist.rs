//! Random quantities of a scenario: the distributions of MODEL.md §3, built once at
//! validation into ready samplers.
//!
//! Pure: depends only on `rand` and `rand_distr`, and creates no random generator: every
//! draw (sampling, a sampled median) uses a generator the caller passes in.

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Exp, Gamma, LogNormal, Pert, Triangular};

/// z-score of the 90th percentile of the standard normal, used to turn
/// `lognormal { median, p90 }` into `sigma = ln(p90 / median) / Z90`.
pub const Z90: f64 = 1.281_551_565_544_600_5;

/// A validated distribution over `f64`, ready to sample.
///
/// Opaque: built only by the checking constructors ([`Dist::fixed`], [`Dist::uniform`],
/// ...), which refuse NaN, infinities and inconsistent parameters, so every `Dist` that
/// exists is valid and sampling cannot fail.
///
/// ```
/// use chokepoint::model::Dist;
/// assert!(Dist::fixed(f64::NAN).is_err());
/// assert_eq!(Dist::uniform(2.0, 4.0).unwrap().mean(), 3.0);
/// ```
///
/// There is no way around the constructors:
///
/// ```compile_fail
/// let nan = chokepoint::model::Dist(f64::NAN);
/// ```
#[derive(Debug, Clone)]
pub struct Dist(Repr);

/// The distributions, with their parameters as checked by the constructors.
#[derive(Debug, Clone)]
enum Repr {
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
    /// Always 0.
    pub const ZERO: Dist = Dist(Repr::Fixed(0.0));
    /// Always 1.
    pub const ONE: Dist = Dist(Repr::Fixed(1.0));

    /// A fixed value (finite).
    pub fn fixed(v: f64) -> Result<Self, DistError> {
        Ok(Dist(Repr::Fixed(finite("value", v)?)))
    }

    /// Uniform on `[min, max]`; `min == max` is allowed and means a fixed value.
    pub fn uniform(min: f64, max: f64) -> Result<Self, DistError> {
        let (min, max) = (finite("min", min)?, finite("max", max)?);
        if min > max {
            return Err(DistError(format!(
                "`min` ({min}) is greater than `max` ({max}); swap them"
            )));
        }
        Ok(Dist(Repr::Uniform { min, max }))
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
            return Ok(Dist(Repr::Fixed(min)));
        }
        let t = Triangular::new(min, max, mode).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist(Repr::Triangular(t, [min, mode, max])))
    }

    /// PERT on `[min, max]` with `mode`.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        Self::check_mode(min, mode, max)?;
        if min == max {
            return Ok(Dist(Repr::Fixed(min)));
        }
        let p = Pert::new(min, max)
            .with_mode(mode)
            .map_err(|e| DistError(e.to_string()))?;
        Ok(Dist(Repr::Pert(p, [min, mode, max])))
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
        Ok(Dist(Repr::LogNormal(d, [median, p90])))
    }

    /// Exponential with the given mean (`mean > 0`).
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        let mean = finite("mean", mean)?;
        if !(mean > 0.0) {
            return Err(DistError(format!("`mean` must be positive, got {mean}")));
        }
        let d = Exp::new(1.0 / mean).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist(Repr::Exponential(d, mean)))
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
        Ok(Dist(Repr::Gamma(d, [shape, scale])))
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
        Ok(Dist(Repr::Beta(d, [alpha, beta])))
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
        Ok(Dist(Repr::Empirical { values, cumulative }))
    }

    /// Draws one value. Every variant consumes a fixed pattern of random numbers for a
    /// given parameter set, so the same generator state gives the same value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => {
                let u: f64 = rng.random();
                min + (max - min) * u
            }
            Repr::Triangular(d, _) => d.sample(rng),
            Repr::Pert(d, _) => d.sample(rng),
            Repr::LogNormal(d, _) => d.sample(rng),
            Repr::Exponential(d, _) => d.sample(rng),
            Repr::Gamma(d, _) => d.sample(rng),
            Repr::Beta(d, _) => d.sample(rng),
            Repr::Empirical { values, cumulative } => {
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
        match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => 0.5 * (min + max),
            Repr::Triangular(_, [a, c, b]) => (a + b + c) / 3.0,
            Repr::Pert(_, [a, c, b]) => (a + 4.0 * c + b) / 6.0,
            Repr::LogNormal(_, [median, p90]) => {
                let sigma = (p90 / median).ln() / Z90;
                median * (0.5 * sigma * sigma).exp()
            }
            Repr::Exponential(_, mean) => *mean,
            Repr::Gamma(_, [k, theta]) => k * theta,
            Repr::Beta(_, [a, b]) => a / (a + b),
            Repr::Empirical { values, cumulative } => {
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

    /// The distribution's median where a closed form exists (fixed, uniform, triangular,
    /// lognormal, exponential, empirical); `None` for PERT, gamma and beta, whose median
    /// [`Dist::median`] estimates by sampling.
    pub fn exact_median(&self) -> Option<f64> {
        Some(match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => 0.5 * (min + max),
            Repr::Triangular(_, [a, c, b]) => {
                // The CDF reaches 1/2 left of the mode iff (c - a) / (b - a) >= 1/2.
                if c - a >= 0.5 * (b - a) {
                    a + ((b - a) * (c - a) / 2.0).sqrt()
                } else {
                    b - ((b - a) * (b - c) / 2.0).sqrt()
                }
            }
            Repr::LogNormal(_, [median, _]) => *median,
            Repr::Exponential(_, mean) => mean * std::f64::consts::LN_2,
            Repr::Empirical { values, cumulative } => {
                let i = cumulative
                    .partition_point(|&c| c < 0.5)
                    .min(values.len() - 1);
                values[i]
            }
            Repr::Pert(..) | Repr::Gamma(..) | Repr::Beta(..) => return None,
        })
    }

    /// The distribution's median: [`Dist::exact_median`] when there is one, otherwise the
    /// middle of `draws` values drawn with `rng` (`draws` odd; at least 1). The model makes
    /// no random generator of its own: the caller owns the stream, so a fixed seed gives
    /// the same median every time.
    pub fn median<R: Rng + ?Sized>(&self, rng: &mut R, draws: usize) -> f64 {
        if let Some(m) = self.exact_median() {
            return m;
        }
        let draws = draws.max(1);
        let mut xs: Vec<f64> = (0..draws).map(|_| self.sample(rng)).collect();
        xs.sort_by(f64::total_cmp);
        xs[draws / 2]
    }

    /// The distribution's name as written in files (`fixed`, `uniform`, `lognormal`, …).
    pub fn name(&self) -> &'static str {
        match &self.0 {
            Repr::Fixed(_) => "fixed",
            Repr::Uniform { .. } => "uniform",
            Repr::Triangular(..) => "triangular",
            Repr::Pert(..) => "pert",
            Repr::LogNormal(..) => "lognormal",
            Repr::Exponential(..) => "exponential",
            Repr::Gamma(..) => "gamma",
            Repr::Beta(..) => "beta",
            Repr::Empirical { .. } => "empirical",
        }
    }

    /// Short human description, e.g. `lognormal(median 60, p90 240)`.
    pub fn describe(&self) -> String {
        match &self.0 {
            Repr::Fixed(v) => format!("{v}"),
            Repr::Uniform { min, max } => format!("uniform({min}..{max})"),
            Repr::Triangular(_, [a, c, b]) => format!("triangular({a}, mode {c}, {b})"),
            Repr::Pert(_, [a, c, b]) => format!("pert({a}, mode {c}, {b})"),
            Repr::LogNormal(_, [m, p]) => format!("lognormal(median {m}, p90 {p})"),
            Repr::Exponential(_, m) => format!("exponential(mean {m})"),
            Repr::Gamma(_, [k, t]) => format!("gamma(shape {k}, scale {t})"),
            Repr::Beta(_, [a, b]) => format!("beta({a}, {b})"),
            Repr::Empirical { values, .. } => format!("empirical({} values)", values.len()),
        }
    }

    /// Smallest value the distribution can produce (0 for the lognormal, exponential,
    /// gamma and beta, whose support starts at 0).
    pub fn lower_bound(&self) -> f64 {
        match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, .. } => *min,
            Repr::Triangular(_, [a, _, _]) | Repr::Pert(_, [a, _, _]) => *a,
            Repr::Empirical { values, .. } => values.iter().copied().fold(f64::INFINITY, f64::min),
            Repr::LogNormal(..) | Repr::Exponential(..) | Repr::Gamma(..) | Repr::Beta(..) => 0.0,
        }
    }

    /// Largest value the distribution can produce, when bounded.
    pub fn upper_bound(&self) -> Option<f64> {
        match &self.0 {
            Repr::Fixed(v) => Some(*v),
            Repr::Uniform { max, .. } => Some(*max),
            Repr::Triangular(_, [_, _, b]) | Repr::Pert(_, [_, _, b]) => Some(*b),
            Repr::Beta(..) => Some(1.0),
            Repr::Empirical { values, .. } => values.iter().copied().reduce(f64::max),
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
        assert!((t.exact_median().unwrap() - 40f64.sqrt()).abs() < 1e-12);
        let t = Dist::triangular(0.0, 2.0, 10.0).unwrap();
        assert!((t.exact_median().unwrap() - (10.0 - 40f64.sqrt())).abs() < 1e-12);
        // Where there is a closed form, the rng is not touched.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(t.median(&mut rng, 20_001), t.exact_median().unwrap());
        assert_eq!(
            rng.random::<u64>(),
            ChaCha8Rng::seed_from_u64(1).random::<u64>()
        );
        // Symmetric PERT and Beta(2, 2) have their median at the centre; Gamma(1, θ) is
        // exponential with median θ ln 2. The sampled medians of 20001 draws are within
        // 2% of the spread (the sample median's SE is 1 / (2 f(m) sqrt(n)): for Beta(2, 2)
        // f(1/2) = 1.5, so SE ≈ 0.0024 and 0.02 is 8 SE).
        let med = |d: Dist| {
            assert_eq!(d.exact_median(), None);
            d.median(&mut ChaCha8Rng::seed_from_u64(5), 20_001)
        };
        assert!((med(Dist::pert(0.0, 5.0, 10.0).unwrap()) - 5.0).abs() < 0.2);
        assert!((med(Dist::beta(2.0, 2.0).unwrap()) - 0.5).abs() < 0.02);
        let g = med(Dist::gamma(1.0, 30.0).unwrap());
        assert!((g - 30.0 * std::f64::consts::LN_2).abs() < 0.6, "{g}");
        // The same stream gives the same value every time.
        assert_eq!(
            med(Dist::gamma(2.0, 3.0).unwrap()),
            med(Dist::gamma(2.0, 3.0).unwrap())
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::uniform(3.0, 1.0).is_err());
        assert!(Dist::triangular(0.0, 5.0, 4.0).is_err());
        assert!(Dist::lognormal(60.0, 60.0).is_err());
        assert!(Dist::lognormal(f64::NAN, 60.0).is_err());
        // No way around the checks: a fixed NaN or infinity is refused too.
        assert!(Dist::fixed(f64::NAN).is_err());
        assert!(Dist::fixed(f64::INFINITY).is_err());
        assert!(Dist::uniform(0.0, f64::NAN).is_err());
        assert!(Dist::empirical(vec![1.0, f64::NAN], None).is_err());
        assert_eq!(Dist::fixed(2.5).unwrap().mean(), 2.5);
        assert_eq!((Dist::ZERO.mean(), Dist::ONE.mean()), (0.0, 1.0));
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::empirical(vec![], None).is_err());
        assert!(Dist::empirical(vec![1.0], Some(vec![0.0])).is_err());
    }
}
