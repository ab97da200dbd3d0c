//! Small numerical helpers shared by the model and the analysis: the normal quantile, Poisson
//! CDF tables, Student's t quantile and numerical quadrature; and, in submodules, the period
//! kernel's own elementary functions ([`elementary`]: `exp`, `ln`) and normal draws
//! ([`normal`]), which make results independent of the platform's libm.

// Published coefficients are kept digit for digit.
#![allow(clippy::excessive_precision)]

pub mod elementary;
pub mod normal;
mod ziggurat_tables;

/// Standard normal quantile (Acklam's rational approximation refined by one Halley step;
/// absolute error below 1e-12 on (0, 1)). Returns ±infinity at 0 and 1.
pub fn norm_inv(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] =
        [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] =
        [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * elementary::ln(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * elementary::ln(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley refinement step.
    let e = 0.5 * erfc_precise(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * elementary::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// Standard normal density.
pub fn norm_pdf(x: f64) -> f64 {
    elementary::exp(-0.5 * x * x) / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal CDF (double precision via the complementary error function series).
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc_precise(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function to near double precision (Chebyshev fit of Numerical Recipes, 3rd ed.).
pub fn erfc_precise(x: f64) -> f64 {
    const COF: [f64; 28] = [
        -1.3026537197817094,
        6.4196979235649026e-1,
        1.9476473204185836e-2,
        -9.561514786808631e-3,
        -9.46595344482036e-4,
        3.66839497852761e-4,
        4.2523324806907e-5,
        -2.0278578112534e-5,
        -1.624290004647e-6,
        1.303655835580e-6,
        1.5626441722e-8,
        -8.5238095915e-8,
        6.529054439e-9,
        5.059343495e-9,
        -9.91364156e-10,
        -2.27365122e-10,
        9.6467911e-11,
        2.394038e-12,
        -6.886027e-12,
        8.94487e-13,
        3.13092e-13,
        -1.12708e-13,
        3.81e-16,
        7.106e-15,
        -1.523e-15,
        -9.4e-17,
        1.21e-16,
        -2.8e-17,
    ];
    let erfccheb = |z: f64| -> f64 {
        let t = 2.0 / (2.0 + z);
        let ty = 4.0 * t - 2.0;
        let (mut d, mut dd) = (0.0, 0.0);
        for &c in COF[1..].iter().rev() {
            let tmp = d;
            d = ty * d - dd + c;
            dd = tmp;
        }
        t * elementary::exp(-z * z + 0.5 * (COF[0] + ty * d) - dd)
    };
    if x >= 0.0 {
        erfccheb(x)
    } else {
        2.0 - erfccheb(-x)
    }
}

/// Cumulative Poisson probabilities `P(N <= k)` for `k = 0, 1, ...` until the remaining mass is
/// below 1e-15 (at least one entry; the last entry is forced to 1 if the mass is exhausted).
pub fn poisson_cdf_table(rate: f64) -> Vec<f64> {
    if rate <= 0.0 || !rate.is_finite() {
        return vec![1.0];
    }
    let mut out = Vec::new();
    // Work in logs so large rates do not underflow.
    let mut log_p = -rate;
    let mut cdf = 0.0;
    let mut k = 0u32;
    loop {
        cdf += elementary::exp(log_p);
        out.push(cdf.min(1.0));
        if 1.0 - cdf < 1e-15 || k > 100_000 {
            break;
        }
        k += 1;
        log_p += elementary::ln(rate) - elementary::ln(k as f64);
        if k as f64 > rate && log_p < -745.0 {
            break;
        }
    }
    out
}

/// Cumulative binomial probabilities `P(K <= k)` for `k = 0..=n` and success probability `p`,
/// from the probabilities in logs (so that large `n` does not underflow), with our own `exp` and
/// `ln` so that the table is the same on every platform. The last entry is 1.
pub fn binomial_cdf_table(n: u64, p: f64) -> Vec<f64> {
    let n_f = n as f64;
    if p.is_nan() || p <= 0.0 {
        return vec![1.0; n as usize + 1];
    }
    if p >= 1.0 {
        let mut t = vec![0.0; n as usize + 1];
        t[n as usize] = 1.0;
        return t;
    }
    let log_ratio = elementary::ln(p) - elementary::ln(1.0 - p);
    let mut log_pmf = n_f * elementary::ln(1.0 - p);
    let mut cdf = 0.0;
    let mut out = Vec::with_capacity(n as usize + 1);
    for k in 0..=n {
        if k > 0 {
            log_pmf += elementary::ln((n - k + 1) as f64) - elementary::ln(k as f64) + log_ratio;
        }
        cdf += elementary::exp(log_pmf);
        out.push(f64::min(cdf, 1.0));
    }
    out[n as usize] = 1.0;
    out
}

/// Two-sided Student's t quantile `t_{df}(p)` (p in (0, 1)). Exact closed forms for 1 and 2
/// degrees of freedom, Hill's (1970) series otherwise; infinite df gives the normal quantile.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() {
        return norm_inv(p);
    }
    if (df - 1.0).abs() < 1e-12 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if (df - 2.0).abs() < 1e-12 {
        let a = 4.0 * p * (1.0 - p);
        return 2.0 * (p - 0.5) * (2.0 / a).sqrt();
    }
    // Hill, G. W. (1970) Algorithm 396: Student's t-quantiles (two-tailed probability).
    let two_tail = 2.0 * p.min(1.0 - p);
    let n = df;
    let a = 1.0 / (n - 0.5);
    let b = 48.0 / (a * a);
    let mut c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
    let d = ((94.5 / (b + c) - 3.0) / b + 1.0) * (a * std::f64::consts::PI / 2.0).sqrt() * n;
    let mut x = d * two_tail;
    let mut y = x.powf(2.0 / n);
    if y > 0.05 + a {
        x = norm_inv(two_tail * 0.5);
        y = x * x;
        if n < 5.0 {
            c += 0.3 * (n - 4.5) * (x + 0.6);
        }
        c += (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b;
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x;
        y = a * y * y;
        y = if y > 0.002 { y.exp() - 1.0 } else { 0.5 * y * y + y };
    } else {
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) + 0.5 / (n + 4.0)) * y - 1.0) * (n + 1.0) / (n + 2.0)
            + 1.0 / y;
    }
    let t = (n * y).sqrt();
    if p < 0.5 {
        -t
    } else {
        t
    }
}

/// Adaptive Simpson integration of `f` over `[a, b]` to absolute tolerance `tol`.
pub fn integrate<F: Fn(f64) -> f64>(f: &F, a: f64, b: f64, tol: f64) -> f64 {
    fn simpson<F: Fn(f64) -> f64>(f: &F, a: f64, fa: f64, b: f64, fb: f64) -> (f64, f64, f64) {
        let m = 0.5 * (a + b);
        let fm = f(m);
        (m, fm, (b - a) / 6.0 * (fa + 4.0 * fm + fb))
    }
    #[allow(clippy::too_many_arguments)]
    fn rec<F: Fn(f64) -> f64>(f: &F, a: f64, fa: f64, b: f64, fb: f64, eps: f64, whole: f64, m: f64, fm: f64, depth: u32) -> f64 {
        let (lm, flm, left) = simpson(f, a, fa, m, fm);
        let (rm, frm, right) = simpson(f, m, fm, b, fb);
        let delta = left + right - whole;
        if depth == 0 || delta.abs() <= 15.0 * eps {
            return left + right + delta / 15.0;
        }
        rec(f, a, fa, m, fm, eps / 2.0, left, lm, flm, depth - 1) + rec(f, m, fm, b, fb, eps / 2.0, right, rm, frm, depth - 1)
    }
    let (fa, fb) = (f(a), f(b));
    let (m, fm, whole) = simpson(f, a, fa, b, fb);
    rec(f, a, fa, b, fb, tol, whole, m, fm, 50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_and_cdf_agree() {
        assert!((norm_inv(0.975) - 1.959963984540054).abs() < 1e-9);
        assert!((norm_inv(0.5)).abs() < 1e-12);
        assert!((norm_inv(1e-6) + 4.753424308822899).abs() < 1e-8);
        for &x in &[-3.0, -1.0, 0.0, 0.5, 2.0] {
            assert!((norm_inv(norm_cdf(x)) - x).abs() < 1e-8, "{x}");
        }
        assert!((norm_cdf(1.0) - 0.8413447460685429).abs() < 1e-13);
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Two-sided 95% critical values.
        for &(df, t) in &[
            (1.0, 12.706204736),
            (2.0, 4.302652730),
            (3.0, 3.182446305),
            (5.0, 2.570581836),
            (10.0, 2.228138852),
            (19.0, 2.093024054),
            (100.0, 1.983971519),
        ] {
            assert!((t_quantile(0.975, df) - t).abs() < 1e-4 * t, "df {df}: {} vs {t}", t_quantile(0.975, df));
        }
    }

    #[test]
    fn poisson_table_is_a_cdf() {
        let t = poisson_cdf_table(1.0);
        assert!((t[0] - (-1.0f64).exp()).abs() < 1e-15);
        assert!((t[1] - 2.0 * (-1.0f64).exp()).abs() < 1e-15);
        assert!(*t.last().unwrap() > 1.0 - 1e-14);
        assert_eq!(poisson_cdf_table(0.0), vec![1.0]);
    }

    #[test]
    fn binomial_table_is_the_cdf() {
        let t = binomial_cdf_table(20, 0.01);
        assert_eq!(t.len(), 21);
        assert!((t[0] - 0.99f64.powi(20)).abs() < 1e-15);
        assert!((t[1] - t[0] - 20.0 * 0.01 * 0.99f64.powi(19)).abs() < 1e-15);
        assert!(t.windows(2).all(|w| w[0] <= w[1]) && t[20] == 1.0);
        // Large n: the mean from the table is n p.
        let t = binomial_cdf_table(100_000, 0.3);
        let mean: f64 = (0..t.len()).map(|k| 1.0 - t[k]).sum();
        assert!((mean - 30_000.0).abs() < 1e-6 * 30_000.0, "{mean}");
        assert_eq!(binomial_cdf_table(3, 0.0), vec![1.0; 4]);
        assert_eq!(binomial_cdf_table(3, 1.0), vec![0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn quadrature_integrates_the_normal_density() {
        let v = integrate(&norm_pdf, -10.0, 10.0, 1e-12);
        assert!((v - 1.0).abs() < 1e-10, "{v}");
    }
}
