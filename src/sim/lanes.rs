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

/// One flag per lane, as a full-width integer per lane: all ones (`-1`) for true, `0` for
/// false, the form a SIMD comparison produces, so that comparisons, selections and the
/// logic between them need no conversion (a `[bool; LANES]` costs a pack after every
/// comparison and an unpack before every selection on AVX2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(32))]
pub struct M([i64; LANES]);

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
        let mut r = [0.0; LANES];
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&o.0) {
            *r = f(a, b);
        }
        V(r)
    }

    #[inline(always)]
    fn cmp(self, o: V, f: impl Fn(f64, f64) -> bool) -> M {
        let mut r = [0; LANES];
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&o.0) {
            *r = if f(a, b) { -1 } else { 0 };
        }
        M(r)
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
    pub const NONE: M = M([0; LANES]);

    /// Every lane true.
    pub const ALL: M = M([-1; LANES]);

    /// Lane `l`'s flag.
    #[inline(always)]
    pub fn get(self, l: usize) -> bool {
        self.0[l] != 0
    }

    /// Sets lane `l`'s flag.
    #[inline(always)]
    pub fn set(&mut self, l: usize, x: bool) {
        self.0[l] = if x { -1 } else { 0 };
    }

    /// Lane-wise `if m { a } else { b }`.
    #[inline(always)]
    pub fn select(self, a: V, b: V) -> V {
        // The sign bit decides, as in the blend instructions.
        V(std::array::from_fn(|l| {
            if self.0[l] < 0 { a.0[l] } else { b.0[l] }
        }))
    }

    /// Whether any lane is set.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.0.iter().fold(0, |r, &x| r | x) != 0
    }

    /// Lane-wise and.
    #[inline(always)]
    pub fn and(self, o: M) -> M {
        let mut r = [0; LANES];
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&o.0) {
            *r = a & b;
        }
        M(r)
    }

    /// Lane-wise or.
    #[inline(always)]
    pub fn or(self, o: M) -> M {
        let mut r = [0; LANES];
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&o.0) {
            *r = a | b;
        }
        M(r)
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

/// `if a < b { a } else { b }`: the minimum of two numbers that are never NaN in the
/// steps, in one instruction (unlike `f64::min`); ties give `b`. [`V::min`] does the same
/// in every lane.
#[inline(always)]
pub fn fmin(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// `if a > b { a } else { b }`: the maximum, as [`fmin`]; ties give `b`.
#[inline(always)]
pub fn fmax(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// Constants of [`exp`].
mod expc {
    pub const INV_LN2: f64 = std::f64::consts::LOG2_E;
    pub const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    pub const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    /// 1.5 * 2^52: adding it rounds to the nearest integer, which then sits in the low bits.
    pub const SHIFT: f64 = 6_755_399_441_055_744.0;
    /// Taylor coefficients `1/n!` for `n = 2 ..= 13`.
    pub const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    /// Largest argument with a finite result.
    pub const MAX: f64 = 709.782_712_893_384;
}

/// `e^x` from IEEE basic operations only, so it gives the same bits on every machine and
/// in every lane (unlike the C library's `exp`, whose last bit depends on the library
/// and on whether the CPU has FMA), and vectorises: no branch, no table. [`V::exp`]
/// computes the same operations in every lane.
///
/// `x = k ln 2 + r` with `k` the nearest integer to `x / ln 2` and `|r| <= ln 2 / 2`
/// (Cody–Waite with fdlibm's split of `ln 2`, exact for `|k| < 2^11`), `e^r` by its Taylor
/// series to degree 13 (truncation below `4e-18`), scaled by `2^k` through the exponent
/// bits. Within 1 ulp of the C library's (a test measures it) for `x` in `[-708, MAX]`;
/// larger `x` gives infinity, smaller gives 0 (where the true value is subnormal, or
/// smaller).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    V::splat(x).exp().0[0]
}

impl V {
    /// Lane-wise [`exp`]: the same operations in every lane.
    #[inline(always)]
    pub fn exp(self) -> V {
        use expc::*;
        let x = self;
        let xc = x.min(V::splat(709.0)).max(V::splat(-708.0));
        let kd = xc * V::splat(INV_LN2) + V::splat(SHIFT);
        let k = kd - V::splat(SHIFT);
        let r = (xc - k * V::splat(LN2_HI)) - k * V::splat(LN2_LO);
        // e^r = 1 + (r + r^2 (1/2 + r/6 + ...)): the small part first, then the 1.
        let mut q = V::splat(C[11]);
        for &c in C[..11].iter().rev() {
            q = q * r + V::splat(c);
        }
        let er = V::splat(1.0) + (r + r * r * q);
        // 2^k from the low bits of `kd` (k + 1023 in the exponent field).
        let mut scale = [0.0; LANES];
        for (s, kd) in scale.iter_mut().zip(&kd.0) {
            *s = f64::from_bits(kd.to_bits().wrapping_add(1023) << 52);
        }
        let y = er * V(scale);
        let big = x.gt(V::splat(MAX));
        let small = x.lt(V::splat(-708.0));
        big.select(V::splat(f64::INFINITY), small.select(V::ZERO, y))
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
            assert_eq!(a.lt(b).get(l), x < y);
            assert_eq!(a.gt(b).get(l), x > y);
            assert_eq!(a.ge(b).get(l), x >= y);
        }
        let m = a.lt(b);
        assert_eq!(m.select(a, b), a.min(b));
        assert!(m.any() && !M::NONE.any());
        assert_eq!(m.and(!m), M::NONE);
        assert_eq!(m.or(!m), M::ALL);
        for l in 0..LANES {
            assert_eq!(m.get(l), a.0[l] < b.0[l]);
        }
        let mut n = M::NONE;
        for l in (0..LANES).step_by(3) {
            n.set(l, true);
        }
        n.set(1, true);
        n.set(3, false);
        assert!(n.get(0) && n.get(1) && !n.get(2) && !n.get(3) && n.get(6));
        assert!(!M::NONE.and(n).any() && M::ALL.and(n) == n);
    }

    /// Distance in units in the last place between two positive finite numbers.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_is_within_one_ulp_of_the_c_library_and_the_same_in_lanes() {
        // A dense sweep of the noise's range (|x| < 20) and a coarse one of the whole
        // domain. The C library's exp is within 0.51 ulp of e^x, so a difference of at
        // most 1 ulp to it bounds our error by about 1.5 ulp; most agree exactly.
        let mut worst = 0;
        let mut differ = 0usize;
        let xs: Vec<f64> = (0..400_000)
            .map(|i| -20.0 + 40.0 * (i as f64 + 0.5) / 400_000.0)
            .chain((0..20_000).map(|i| -708.0 + 1417.0 * i as f64 / 20_000.0))
            .chain([
                0.0,
                -0.0,
                1e-300,
                -1e-300,
                0.5 * std::f64::consts::LN_2,
                1.0,
            ])
            .collect();
        for &x in &xs {
            let (a, b) = (exp(x), x.exp());
            let u = ulps(a, b);
            worst = worst.max(u);
            differ += usize::from(u > 0);
        }
        assert!(worst <= 1, "worst {worst} ulp");
        assert!(differ * 7 < xs.len(), "{differ} of {} differ", xs.len());
        assert_eq!(exp(0.0), 1.0);
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        eprintln!(
            "exp: worst {worst} ulp; {differ} of {} differ from the C library",
            xs.len()
        );
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
        for c in xs.chunks_exact(LANES) {
            let v = V(c.try_into().expect("a chunk of LANES"));
            let e = v.exp();
            for (e, &x) in e.0.iter().zip(c) {
                assert_eq!(e.to_bits(), exp(x).to_bits());
            }
        }
    }
}
