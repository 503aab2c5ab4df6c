//! Fixed-width lanes of `f64` for the batched daily step ([`super::batch`]): one lane per
//! replication, [`LANES`] replications at a time.
//!
//! Plain arrays with element-wise operations that the compiler turns into SIMD
//! instructions (SSE2 by default, AVX2 or AVX-512 inside the batch step's
//! `#[target_feature]` clones). Every operation is the IEEE operation of the scalar code
//! lane by lane, so a lane computes exactly the bits the scalar step computes. Pure; no
//! dependencies.

use std::ops::{Add, AddAssign, Div, Mul, Not, Sub, SubAssign};

/// Replications simulated together: 8 `f64` fill one AVX-512 register (two AVX2 ones).
pub const LANES: usize = 16;

/// One `f64` per lane.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub struct V(pub [f64; LANES]);

/// One flag per lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct M(pub [bool; LANES]);

impl Default for V {
    fn default() -> Self {
        V::ZERO
    }
}

impl V {
    /// Every lane 0.
    pub const ZERO: V = V([0.0; LANES]);

    /// Every lane `x`.
    #[inline(always)]
    pub const fn splat(x: f64) -> V {
        V([x; LANES])
    }

    #[inline(always)]
    fn map2(self, o: V, f: impl Fn(f64, f64) -> f64) -> V {
        V(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }

    #[inline(always)]
    fn cmp(self, o: V, f: impl Fn(f64, f64) -> bool) -> M {
        M(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }

    /// Lane-wise `if a < b { a } else { b }` (the scalar step's `fmin`).
    #[inline(always)]
    pub fn min(self, o: V) -> V {
        self.map2(o, |a, b| if a < b { a } else { b })
    }

    /// Lane-wise `if a > b { a } else { b }` (the scalar step's `fmax`).
    #[inline(always)]
    pub fn max(self, o: V) -> V {
        self.map2(o, |a, b| if a > b { a } else { b })
    }

    /// Lane-wise `a < b`.
    #[inline(always)]
    pub fn lt(self, o: V) -> M {
        self.cmp(o, |a, b| a < b)
    }

    /// Lane-wise `a > b`.
    #[inline(always)]
    pub fn gt(self, o: V) -> M {
        self.cmp(o, |a, b| a > b)
    }

    /// Lane-wise `a >= b`.
    #[inline(always)]
    pub fn ge(self, o: V) -> M {
        self.cmp(o, |a, b| a >= b)
    }
}

impl M {
    /// Every lane false.
    pub const NONE: M = M([false; LANES]);

    /// Lane-wise `if m { a } else { b }`.
    #[inline(always)]
    pub fn select(self, a: V, b: V) -> V {
        V(std::array::from_fn(
            |l| if self.0[l] { a.0[l] } else { b.0[l] },
        ))
    }

    /// Whether any lane is set.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.0.iter().fold(false, |r, &x| r | x)
    }

    /// Lane-wise and.
    #[inline(always)]
    pub fn and(self, o: M) -> M {
        M(std::array::from_fn(|l| self.0[l] & o.0[l]))
    }

    /// Lane-wise or.
    #[inline(always)]
    pub fn or(self, o: M) -> M {
        M(std::array::from_fn(|l| self.0[l] | o.0[l]))
    }
}

macro_rules! binop {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for V {
            type Output = V;
            #[inline(always)]
            fn $f(self, o: V) -> V {
                self.map2(o, |a, b| a $op b)
            }
        }
    };
}
binop!(Add, add, +);
binop!(Sub, sub, -);
binop!(Mul, mul, *);
binop!(Div, div, /);

impl AddAssign for V {
    #[inline(always)]
    fn add_assign(&mut self, o: V) {
        *self = *self + o;
    }
}

impl Not for M {
    type Output = M;
    #[inline(always)]
    fn not(self) -> M {
        M(self.0.map(|x| !x))
    }
}

impl SubAssign for V {
    #[inline(always)]
    fn sub_assign(&mut self, o: V) {
        *self = *self - o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_compute_the_scalar_operations() {
        let a = V(std::array::from_fn(|l| {
            [1.0, -2.0, 3.5, 0.0, 7.0, 1e300, -0.0, 5.0][l % 8] * (1.0 + l as f64)
        }));
        let b = V(std::array::from_fn(|l| {
            [2.0, -3.0, 3.5, -1.0, 1.0, 1e300, 0.0, 0.25][l % 8]
        }));
        for l in 0..LANES {
            let (x, y) = (a.0[l], b.0[l]);
            assert_eq!((a + b).0[l].to_bits(), (x + y).to_bits());
            assert_eq!((a - b).0[l].to_bits(), (x - y).to_bits());
            assert_eq!((a * b).0[l].to_bits(), (x * y).to_bits());
            // (-0 / 0 is a NaN, whose bits differ between folded and run-time division;
            // the simulation never makes a NaN by arithmetic.)
            let (q, r) = ((a / b).0[l], x / y);
            assert!(q.to_bits() == r.to_bits() || (q.is_nan() && r.is_nan()));
            // Ties return the second operand, like the scalar step's fmin/fmax.
            assert_eq!(
                a.min(b).0[l].to_bits(),
                (if x < y { x } else { y }).to_bits()
            );
            assert_eq!(
                a.max(b).0[l].to_bits(),
                (if x > y { x } else { y }).to_bits()
            );
            assert_eq!(a.lt(b).0[l], x < y);
            assert_eq!(a.gt(b).0[l], x > y);
            assert_eq!(a.ge(b).0[l], x >= y);
        }
        let m = a.lt(b);
        assert_eq!(m.select(a, b), a.min(b));
        assert!(m.any() && !M::NONE.any());
        assert_eq!(m.and(!m), M::NONE);
        assert_eq!(m.or(!m), M([true; LANES]));
    }
}
