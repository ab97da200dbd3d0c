//! Summary statistics across replications: mean, standard deviation and a 95% confidence
//! interval from Student's t distribution. Undefined values (NaN) are left out and counted.
//!
//! Which interval where: a metric averaged over a replication (a share of cadres, a sanction
//! rate) is one number per replication, and replications are the independent units (cadres of
//! one replication share townships, slots and history), so its interval is the t interval of
//! [`Summary`] over replications, clipped to [0, 1] where it is drawn. A probability estimated
//! from independent Bernoulli trials (the Monte Carlo draws of [`crate::exposure`]) gets the
//! Wilson score interval [`wilson95`], which stays inside [0, 1] and keeps its coverage near 0
//! and 1, where the Wald interval collapses to a point.

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

/// The 97.5% quantile of the standard normal distribution.
const Z975: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of a proportion with `successes` out of `trials` independent
/// trials: `(c - h, c + h)` with `c = (p + z²/2n) / (1 + z²/n)` and
/// `h = z √(p(1-p)/n + z²/4n²) / (1 + z²/n)`. It always lies in [0, 1] (0 successes give a lower
/// end of exactly 0, `trials` successes an upper end of exactly 1). NaN for no trials.
pub fn wilson95(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (f64::NAN, f64::NAN);
    }
    let n = trials as f64;
    let k = successes.min(trials) as f64;
    let p = k / n;
    let z2 = Z975 * Z975;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z975 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    let low = if k == 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if k == n { 1.0 } else { (centre + half).min(1.0) };
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values_and_stays_in_the_unit_interval() {
        // Newcombe (1998), Table I: 81/263 -> [0.2553, 0.3662]; 15/148 -> [0.0624, 0.1605].
        let (l, h) = wilson95(81, 263);
        assert!((l - 0.2553).abs() < 5e-5 && (h - 0.3662).abs() < 5e-5, "{l} {h}");
        let (l, h) = wilson95(15, 148);
        assert!((l - 0.0624).abs() < 5e-5 && (h - 0.1605).abs() < 5e-5, "{l} {h}");
        // 0/10 -> [0, 0.2775] (not the Wald interval's [0, 0]); 10/10 -> [0.7225, 1].
        let (l, h) = wilson95(0, 10);
        assert!(l == 0.0 && (h - 0.2775).abs() < 5e-5, "{l} {h}");
        let (l, h) = wilson95(10, 10);
        assert!(h == 1.0 && (l - 0.7225).abs() < 5e-5, "{l} {h}");
        assert!(wilson95(3, 0).0.is_nan());
        for n in [1u64, 2, 7, 50] {
            for k in 0..=n {
                let (l, h) = wilson95(k, n);
                let p = k as f64 / n as f64;
                assert!((0.0..=p).contains(&l) && (p..=1.0).contains(&h), "{k}/{n}: [{l}, {h}]");
            }
        }
    }

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
