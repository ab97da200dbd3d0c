//! Our own `exp` and `ln`, in plain IEEE arithmetic, so that results do not depend on the
//! platform's libm (glibc, musl, macOS and Windows each round a few inputs differently) nor on the
//! instruction set the engine runs on.
//!
//! Both functions are branch-free sequences of additions, multiplications, one division (`ln`),
//! selects and integer bit operations, with no fused multiply-add and no table lookups, so that
//! * a loop over a slice of them vectorises (SSE2, AVX2 or AVX-512 lanes: see
//!   [`crate::engine::simd`]) and every lane computes exactly what the scalar form computes;
//! * the result is the same on every CPU and operating system (Rust never contracts `a * b + c`
//!   into a fused multiply-add on its own).
//!
//! Accuracy, measured against a double-double reference by the tests at the end of this file:
//! at most 0.82 units in the last place (ulp) for `exp` over `[-708, 709]` and at most 1 ulp for
//! `ln` over the positive normal numbers; the tests require at most 1 ulp (the kernel's target is
//! 2 ulp).
//!
//! Special values follow IEEE `exp`/`ln`: `exp(NaN) = NaN`, `exp(-inf) = 0`, `exp(+inf) = inf`,
//! underflow to subnormals and 0 below about -708, overflow to infinity above about 709.78;
//! `ln(0) = -inf`, `ln(x < 0) = NaN`, `ln(inf) = inf`, subnormal arguments are handled.

// The coefficients are given with all the digits of their definitions.
#![allow(clippy::excessive_precision)]

/// `1.5 * 2^52`: adding it to a value of magnitude below `2^51` rounds that value to an integer
/// (ties to even), which then sits in the low bits of the sum's representation.
const SHIFT: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `ln 2` split into a high part with 21 trailing zero bits (so that `k * LN2_HI` is exact for
/// `|k| < 2^21`) and the rest (fdlibm's constants).
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// Minimax coefficients `c[0..=9]` of `exp(r) ~ 1 + r + r^2 * (c[0] + c[1]*r + ... + c[9]*r^9)`
/// (degree 11) on `|r| <= ln(2)/2 * (1 + 1e-6)`, minimising the largest relative error.
///
/// How they were obtained: the Remez exchange algorithm in mpmath at 50 digits, on the basis
/// `r^3..r^11` with `c[0] = 1/2` held fixed (a free `c[0]` rounds badly to `f64`); the reference's
/// signs are taken from the error curve, because that basis vanishes at 0 and the error touches 0
/// there without changing sign. Started from a least-squares fit on Chebyshev nodes, it
/// equioscillated to 1e-10 in 3 iterations; each coefficient is the `f64` nearest the result
/// (`repr` of a Python float, so the decimal below parses to exactly that `f64`). Relative error
/// of the polynomial with these `f64` coefficients: `5.9e-18` (0.053 * 2^-53), against `5e-18` for
/// the degree-13 Taylor polynomial it replaces, which needed two more multiply-add steps.
const EXP_POLY: [f64; 10] = [
    0.5,
    0.16666666666666433,
    0.041666666666604,
    0.008333333333499917,
    0.0013888888926778644,
    0.0001984126946642919,
    2.480150870674356e-05,
    2.7557640737399218e-06,
    2.7625176464722994e-07,
    2.4978399560375334e-08,
];

/// `2^-64`: the result's last factor for `x < 0` (see [`exp`]).
const TWO_M64: f64 = 5.421_010_862_427_522_2e-20;

/// `exp(x)`, correctly handled over the whole `f64` range; at most 0.82 ulp of error (see the
/// module documentation for how that was measured).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_of::<false>(x)
}

/// [`exp`], or [`exp_nonpositive`] if `NONPOSITIVE`.
#[inline(always)]
fn exp_of<const NONPOSITIVE: bool>(x: f64) -> f64 {
    // Clamp without losing NaN (both comparisons are false for NaN): beyond these bounds the
    // result is 0 or infinity anyway. Below -746 the result is set to 0 by the last factor (see
    // below) rather than by an underflowing product.
    let zero = x < -746.0;
    let x = if x < -746.0 { -746.0 } else { x };
    let x = if !NONPOSITIVE && x > 710.0 { 710.0 } else { x };
    // x = k*ln2 + r with k = round(x/ln2), |r| <= ln2/2 (Cody-Waite reduction). `t` holds k in
    // the low bits of its representation (two's complement; k is in [-1076, 1024] after the clamps).
    let t = x * LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // exp(r) = 1 + r + r^2 * q(r), q by Estrin's scheme (a dependency chain of four multiply-add
    // steps instead of Horner's nine: latency, not the operation count, limits a short vector of
    // exponentials).
    let c = &EXP_POLY;
    let r2 = r * r;
    let r4 = r2 * r2;
    let a0 = c[0] + c[1] * r;
    let a1 = c[2] + c[3] * r;
    let a2 = c[4] + c[5] * r;
    let a3 = c[6] + c[7] * r;
    let a4 = c[8] + c[9] * r;
    let b0 = a0 + a1 * r2;
    let b1 = a2 + a3 * r2;
    let q = b0 + r4 * (b1 + r4 * a4);
    // 1 + r exactly as hi + lo (Fast2Sum, |r| < 1), so that only the last addition rounds at the
    // result's scale: without it the rounding of r + r^2*q adds up to a quarter ulp (1.02 ulp
    // measured instead of 0.82).
    let hi = 1.0 + r;
    let lo = (1.0 - hi) + r;
    let e = hi + (lo + r2 * q);
    // Scale by 2^k: 2^(k+64) * 2^-64 for x < 0, 2^(k-1) * 2 otherwise. The first factor, built
    // from t's bits, is then a normal number for every such k, the first product is
    // exact, and only the last one can round (into the subnormals, or overflow to infinity).
    // One select on the sign instead of splitting k in two halves: both factors are exact powers
    // of two wherever the result is normal, so the choice does not change the result there.
    let neg = NONPOSITIVE || x < 0.0;
    let bias: u64 = if neg { 1023 + 64 } else { 1023 - 1 };
    let last = if neg { TWO_M64 } else { 2.0 };
    // 0 for x < -746 (the -inf padding lanes of the logit weights): a product that underflows to
    // 0 takes a slow microcoded path on some CPUs (AMD Zen: a group of 16 logit lanes with one
    // such lane took 1.3-1.8x as long), a product with 0 does not. Same value either way.
    let last = if zero { 0.0 } else { last };
    // The low 12 bits of t's representation are k mod 2^12; shifting (k + bias) into the
    // exponent field drops everything above them.
    let scale = f64::from_bits(t.to_bits().wrapping_add(bias) << 52);
    e * scale * last
}

/// [`exp`] of an `x` that is not positive (or NaN), as the logit weights' `lambda*(A_j - max)`
/// with `lambda >= 0` are: the same value, bit for bit (NaN for NaN), with four fewer operations
/// per lane. For `x <= 0` the upper clamp does nothing, and [`exp`]'s scaling for a negative `x`
/// is exact at `x = 0` too (k = 0: `1 * 2^64 * 2^-64`), so the select on the sign is not needed.
#[inline(always)]
pub fn exp_nonpositive(x: f64) -> f64 {
    debug_assert!(x <= 0.0 || x.is_nan(), "exp_nonpositive({x})");
    exp_of::<true>(x)
}

/// fdlibm's minimax coefficients for `ln((1+s)/(1-s)) = 2s + s*R(s^2)` (`__ieee754_log`).
const LG: [f64; 7] = [
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
];

/// The bits of `sqrt(2)/2` (rounded down): the mantissa is reduced to `[sqrt(2)/2, sqrt(2))`.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
/// `2^54`, to bring subnormal arguments into the normal range.
const TWO_54: f64 = 18_014_398_509_481_984.0;

/// Natural logarithm `ln(x)`; at most 1 ulp of error over the positive normal numbers (see the
/// module documentation for how that was measured).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    // Subnormals: scale by 2^54 and take 54 off the exponent.
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * TWO_54 } else { x };
    let bias = if sub { 54.0 } else { 0.0 };
    // x = 2^k * m with m in [sqrt(2)/2, sqrt(2)): subtracting the bits of sqrt(2)/2 puts k in
    // the exponent field (offset so that it stays non-negative for every positive normal x).
    let t = xs.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let kb = t.wrapping_add(0x3ff0_0000_0000_0000) >> 52;
    // kb as an f64 without an integer conversion (which AVX2 lacks for 64-bit lanes).
    let k = (f64::from_bits(0x4330_0000_0000_0000 | (kb & 0x7ff)) - 4_503_599_627_370_496.0) - 1023.0 - bias;
    let m = f64::from_bits((t & MANTISSA).wrapping_add(SQRT_HALF_BITS));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let y = k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f);
    // Special values, selected rather than branched on.
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    let y = if x == f64::INFINITY { f64::INFINITY } else { y };
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// `xs[i] = exp(xs[i])` for every element; written so that the loop vectorises (the caller's
/// instruction set decides the lane width; the results are the same for every width).
#[inline(always)]
pub fn exp_in_place(xs: &mut [f64]) {
    for x in xs.iter_mut() {
        *x = exp(*x);
    }
}

/// `xs[i] = ln(xs[i])` for every element; vectorises like [`exp_in_place`].
#[inline(always)]
pub fn ln_in_place(xs: &mut [f64]) {
    for x in xs.iter_mut() {
        *x = ln(*x);
    }
}

#[cfg(test)]
mod tests {
    //! The reference: double-double arithmetic (a value is `hi + lo` with `|lo| <= ulp(hi)/2`),
    //! about 106 bits, so its own error is far below the 1-ulp level being measured.
    use super::*;

    #[derive(Clone, Copy, Debug)]
    struct Dd(f64, f64);

    fn two_sum(a: f64, b: f64) -> Dd {
        let s = a + b;
        let bb = s - a;
        Dd(s, (a - (s - bb)) + (b - bb))
    }

    fn two_prod(a: f64, b: f64) -> Dd {
        // Exact with Veltkamp/Dekker splitting (no fused multiply-add needed).
        let p = a * b;
        let split = |x: f64| {
            let c = 134_217_729.0 * x;
            let hi = c - (c - x);
            (hi, x - hi)
        };
        let (ah, al) = split(a);
        let (bh, bl) = split(b);
        Dd(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    fn add(a: Dd, b: Dd) -> Dd {
        let s = two_sum(a.0, b.0);
        let t = s.1 + a.1 + b.1;
        let r = two_sum(s.0, t);
        Dd(r.0, r.1)
    }

    fn mul(a: Dd, b: Dd) -> Dd {
        let p = two_prod(a.0, b.0);
        let r = two_sum(p.0, p.1 + a.0 * b.1 + a.1 * b.0);
        Dd(r.0, r.1)
    }

    fn div(a: Dd, b: Dd) -> Dd {
        let q1 = a.0 / b.0;
        let r = add(a, mul(Dd(-q1, 0.0), b));
        let q2 = r.0 / b.0;
        let r = add(r, mul(Dd(-q2, 0.0), b));
        let q3 = r.0 / b.0;
        add(two_sum(q1, q2), Dd(q3, 0.0))
    }

    /// ln 2 in double-double.
    const LN2: Dd = Dd(std::f64::consts::LN_2, 2.319046813846299558e-17);

    /// exp in double-double before its scaling by 2^k: `(exp(x) / 2^k, k)` with x = k ln2 + r,
    /// exp(r) by its Taylor series to 30 terms with r = r0 / 2^8 and 8 squarings. The error is
    /// measured against this unscaled value: scaled down to near 2^-1022, the low part would lose
    /// its bits to the subnormal range and the reference would be no better than the rounded
    /// result (an error of exactly 0 or 1 ulp near x = -708).
    fn exp_dd_unscaled(x: f64) -> (Dd, f64) {
        let k = (x / LN2.0).round();
        let r = add(Dd(x, 0.0), mul(Dd(-k, 0.0), LN2));
        let r = mul(r, Dd(1.0 / 256.0, 0.0));
        let mut term = Dd(1.0, 0.0);
        let mut sum = Dd(1.0, 0.0);
        for n in 1..30 {
            term = div(mul(term, r), Dd(n as f64, 0.0));
            sum = add(sum, term);
        }
        for _ in 0..8 {
            sum = mul(sum, sum);
        }
        (sum, k)
    }

    /// `2^k` as a pair of factors, each a normal number for |k| <= 2044.
    fn pow2_pair(k: f64) -> (f64, f64) {
        let h = (k / 2.0).trunc();
        (2f64.powi(h as i32), 2f64.powi((k - h) as i32))
    }

    /// exp in double-double.
    fn exp_dd(x: f64) -> Dd {
        let (sum, k) = exp_dd_unscaled(x);
        // Scale by 2^k exactly (in two steps, for large |k|).
        let (s1, s2) = pow2_pair(k);
        Dd(sum.0 * s1 * s2, sum.1 * s1 * s2)
    }

    /// Error of `exp(x)` in ulp, for results in the normal range: `exp(x) / 2^k` (exact) against
    /// the unscaled reference.
    fn exp_ulps(x: f64) -> f64 {
        let (want, k) = exp_dd_unscaled(x);
        let (s1, s2) = pow2_pair(-k);
        ulps(exp(x) * s1 * s2, want)
    }

    /// ln in double-double: Newton on exp, from the f64 logarithm.
    fn ln_dd(x: f64) -> Dd {
        let mut y = Dd(x.ln(), 0.0);
        for _ in 0..3 {
            // y <- y + (x - exp(y)) / exp(y) = y + x*exp(-y) - 1.
            let e = exp_dd_dd(y);
            y = add(y, add(div(Dd(x, 0.0), e), Dd(-1.0, 0.0)));
        }
        y
    }

    /// exp of a double-double argument: exp(hi) * (1 + lo) (lo is tiny).
    fn exp_dd_dd(y: Dd) -> Dd {
        mul(exp_dd(y.0), add(Dd(1.0, 0.0), Dd(y.1, 0.0)))
    }

    /// Error of `got` in units of the last place of the correctly rounded reference.
    fn ulps(got: f64, want: Dd) -> f64 {
        let ulp = {
            let w = want.0.abs();
            let next = f64::from_bits(w.to_bits() + 1);
            next - w
        };
        let err = add(Dd(got, 0.0), Dd(-want.0, -want.1));
        (err.0 + err.1).abs() / ulp
    }

    fn inputs(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        (0..n).map(move |i| if i % 2 == 0 { lo + (hi - lo) * (i as f64 / n as f64) } else { lo + (hi - lo) * rng.random::<f64>() })
    }

    #[test]
    fn exp_is_within_two_ulp_of_a_double_double_reference() {
        let mut worst = (0.0, 0.0);
        // The kernel's range (logit weights, complaint rates, Poisson terms, the ziggurat's
        // density) and the whole normal range, densely near 0 where r is tiny.
        for (lo, hi, n) in [(-708.0, 709.0, 200_000), (-40.0, 5.0, 400_000), (-1e-3, 1e-3, 50_000)] {
            for x in inputs(lo, hi, n) {
                let e = exp_ulps(x);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        // Around the odd multiples of ln(2)/2, where |r| is largest and k changes.
        for j in -2043..2047 {
            let m = f64::from(j) * std::f64::consts::LN_2 / 2.0;
            for x in [m - 1e-9, m, m + 1e-9].into_iter().filter(|x| (-708.0..=709.0).contains(x)) {
                let e = exp_ulps(x);
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        println!("exp: at most {} ulp, at x = {:e}", worst.0, worst.1);
        assert!(worst.0 <= 2.0, "exp: {} ulp at x = {:e}", worst.0, worst.1);
        // Documented bound: 1 ulp (0.82 ulp measured).
        assert!(worst.0 <= 1.0, "exp: {} ulp at x = {:e} (documented bound is 1 ulp)", worst.0, worst.1);
    }

    #[test]
    fn ln_is_within_two_ulp_of_a_double_double_reference() {
        let mut worst = (0.0, 0.0);
        let mut check = |x: f64| {
            let e = ulps(ln(x), ln_dd(x));
            if e > worst.0 {
                worst = (e, x);
            }
        };
        // The kernel takes -ln u for u in (0, 1] (multiples of 2^-53) and logarithms of the
        // ziggurat's uniforms; also the whole positive range by exponent.
        for x in inputs(2f64.powi(-53), 1.0, 300_000) {
            check(x);
        }
        for x in inputs(0.5, 2.0, 200_000) {
            check(x);
        }
        for e in -1022..1023 {
            for m in [1.0, 1.1, 1.3, std::f64::consts::SQRT_2, 1.5, 1.9999] {
                check(m * 2f64.powi(e));
            }
        }
        assert!(worst.0 <= 2.0, "ln: {} ulp at x = {:e}", worst.0, worst.1);
        assert!(worst.0 <= 1.0, "ln: {} ulp at x = {:e} (documented bound is 1 ulp)", worst.0, worst.1);
    }

    #[test]
    fn special_values_follow_ieee() {
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
        // NaN with a payload in the low bits (which end up in the scaling factor's exponent).
        assert!(exp(f64::from_bits(0x7ff8_0000_0000_0fff)).is_nan() && exp(f64::from_bits(0xfff8_0000_0000_0123)).is_nan());
        // The edges: ln(f64::MAX) = 709.7827..., half the smallest subnormal at -745.1332...
        assert!(exp(709.78).is_finite() && exp(709.79) == f64::INFINITY);
        assert_eq!(exp(-745.1), 5e-324);
        assert_eq!(exp(-745.2), 0.0);
        // Subnormal results: close to the true value (relative 1e-3 near the bottom).
        let sub = exp(-740.0);
        assert!(sub > 0.0 && sub < f64::MIN_POSITIVE && (sub / 4.2e-322 - 1.0).abs() < 0.01, "{sub:e}");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        let d = 5e-324_f64;
        assert!((ln(d) - (-744.4400719213812)).abs() < 1e-12, "{}", ln(d));
        assert!((ln(2.0) - std::f64::consts::LN_2).abs() <= f64::EPSILON);
    }

    /// The logit's form equals `exp` bit for bit wherever it applies (x <= 0, -0, -inf; NaN
    /// for NaN).
    #[test]
    fn exp_of_a_nonpositive_argument_equals_exp() {
        let mut xs: Vec<f64> = inputs(-800.0, 0.0, 200_001).collect();
        xs.extend([0.0, -0.0, -f64::MIN_POSITIVE, -5e-324, -1e-300, -745.1, -745.2, -746.0, -746.5, -708.4, f64::NEG_INFINITY, f64::MIN]);
        for x in xs {
            assert_eq!(exp_nonpositive(x).to_bits(), exp(x).to_bits(), "x = {x:e}");
        }
        assert!(exp_nonpositive(f64::NAN).is_nan());
    }

    #[test]
    fn slice_forms_equal_the_scalar_forms_bit_for_bit() {
        let xs: Vec<f64> = inputs(-50.0, 50.0, 1001).collect();
        let mut e = xs.clone();
        exp_in_place(&mut e);
        let mut l: Vec<f64> = xs.iter().map(|x| x.abs()).collect();
        ln_in_place(&mut l);
        for (i, &x) in xs.iter().enumerate() {
            assert_eq!(e[i].to_bits(), exp(x).to_bits());
            assert_eq!(l[i].to_bits(), ln(x.abs()).to_bits());
        }
    }
}
