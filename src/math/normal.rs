//! Standard normal draws by the ziggurat method (Marsaglia & Tsang 2000, in the variant of
//! Doornik 2005 that `rand_distr::StandardNormal` uses), with our own [`super::elementary`]
//! `exp` and `ln` in the wedge and tail tests instead of the platform's libm, so that a draw is
//! the same on every system.
//!
//! The layers, the random words taken from the generator and the order of the tests are those of
//! `rand_distr` 0.5.1; the draws therefore agree with `StandardNormal`'s except where its libm
//! and our functions round the density of a wedge point or a tail logarithm differently *and*
//! that difference decides the test (the unit test below counts how often that happens).

use rand::RngCore;

use super::elementary::{exp, ln};
use super::ziggurat_tables::{ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};

/// A uniform in [0, 1) from the top 53 bits of a word (what `rng.random::<f64>()` gives).
#[inline(always)]
fn uniform53<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// A uniform in (0, 1) from 52 bits (what `rand::distr::Open01` gives).
#[inline(always)]
fn open01<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    f64::from_bits((rng.next_u64() >> 12) | 0x3ff0_0000_0000_0000) - (1.0 - f64::EPSILON / 2.0)
}

/// One standard normal draw. The common case (the point falls inside its layer's rectangle,
/// about 99% of draws) is inlined into the caller; the rest of the method is out of line.
#[inline(always)]
pub fn standard_normal<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    let bits = rng.next_u64();
    let i = (bits & 0xff) as usize;
    // A uniform in [-1, 1): a value in [2, 4) from the top 52 bits, minus 3.
    let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
    let x = u * ZIG_NORM_X[i];
    if x.abs() < ZIG_NORM_X[i + 1] {
        return x;
    }
    beyond_rectangle(rng, i, u, x)
}

/// [`standard_normal`] after a point `x = u * X[i]` fell outside its layer's rectangle: the
/// tail or the wedge test, then further attempts, in the order of `rand_distr` 0.5.1.
#[cold]
#[inline(never)]
fn beyond_rectangle<R: RngCore + ?Sized>(rng: &mut R, mut i: usize, mut u: f64, mut x: f64) -> f64 {
    loop {
        if i == 0 {
            return tail(rng, u);
        }
        if ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * uniform53(rng) < exp(-x * x / 2.0) {
            return x;
        }
        let bits = rng.next_u64();
        i = (bits & 0xff) as usize;
        u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
        x = u * ZIG_NORM_X[i];
        if x.abs() < ZIG_NORM_X[i + 1] {
            return x;
        }
    }
}

/// The tail beyond `R` (Marsaglia 1964), on the side of `u`'s sign.
#[cold]
fn tail<R: RngCore + ?Sized>(rng: &mut R, u: f64) -> f64 {
    let mut x = 1.0f64;
    let mut y = 0.0f64;
    while -2.0 * y < x * x {
        x = ln(open01(rng)) / ZIG_NORM_R;
        y = ln(open01(rng));
    }
    if u < 0.0 {
        x - ZIG_NORM_R
    } else {
        ZIG_NORM_R - x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn draws_match_rand_distr_except_where_libm_rounding_decides() {
        // Same words from the same generator: the draws are equal (bit for bit) except where a
        // libm result and ours straddle a test, which a 1-ulp difference makes rare. Both
        // generators must also stay in step, i.e. have consumed the same words.
        let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut b = a.clone();
        let n = 1_000_000;
        let mut differ = 0;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let x = standard_normal(&mut a);
            let y: f64 = b.sample(rand_distr::StandardNormal);
            if x.to_bits() != y.to_bits() {
                differ += 1;
                b = a.clone();
            }
            sum += x;
            sum2 += x * x;
        }
        assert!(differ <= 2, "{differ} of {n} draws differ from rand_distr");
        assert_eq!(a.random::<u64>(), b.random::<u64>(), "the generators drifted apart");
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        // Standard errors: 0.001 for the mean, 0.0014 for the variance.
        assert!(mean.abs() < 0.004, "mean {mean}");
        assert!((var - 1.0).abs() < 0.006, "variance {var}");
    }

    #[test]
    fn the_tail_is_drawn_beyond_r() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        for i in 0..1000 {
            let u = if i % 2 == 0 { 0.5 } else { -0.5 };
            let x = tail(&mut rng, u);
            assert!(x.abs() >= ZIG_NORM_R && x.signum() == u.signum(), "{x}");
        }
    }
}
