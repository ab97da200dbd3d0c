//! Summary statistics across replications: mean, standard deviation and a 95% confidence
//! interval from Student's t distribution. Undefined values (NaN) are left out and counted.

use crate::math::t_quantile;

/// Mean, spread and 95% interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Values used (finite ones).
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 denominator).
    pub sd: f64,
    /// Lower end of the 95% interval for the mean.
    pub low: f64,
    /// Upper end of the 95% interval for the mean.
    pub high: f64,
}

impl Summary {
    /// Summarises the finite values of `xs` (NaN when fewer than one or two values).
    pub fn of(xs: impl IntoIterator<Item = f64>) -> Summary {
        let mut n = 0usize;
        let mut mean = 0.0;
        let mut m2 = 0.0;
        for x in xs.into_iter().filter(|x| x.is_finite()) {
            n += 1;
            let d = x - mean;
            mean += d / n as f64;
            m2 += d * (x - mean);
        }
        if n == 0 {
            return Summary { n, mean: f64::NAN, sd: f64::NAN, low: f64::NAN, high: f64::NAN };
        }
        if n == 1 {
            return Summary { n, mean, sd: f64::NAN, low: f64::NAN, high: f64::NAN };
        }
        let sd = (m2 / (n - 1) as f64).sqrt();
        let half = t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt();
        Summary { n, mean, sd, low: mean - half, high: mean + half }
    }

    /// Standard error of the mean.
    pub fn se(&self) -> f64 {
        self.sd / (self.n as f64).sqrt()
    }

    /// Half-width of the 95% interval.
    pub fn half_width(&self) -> f64 {
        0.5 * (self.high - self.low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_hand_computation() {
        let s = Summary::of([1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(s.n, 4);
        assert!((s.mean - 2.5).abs() < 1e-12);
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // t(0.975, 3) = 3.182446
        let half = 3.182446305 * s.sd / 2.0;
        // Hill (1970) is accurate to about 1e-6 relative for small df.
        assert!((s.high - (2.5 + half)).abs() < 1e-5);
        assert!(Summary::of([7.0]).low.is_nan());
        assert!(Summary::of([]).mean.is_nan());
    }
}
