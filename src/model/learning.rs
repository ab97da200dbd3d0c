//! Learning rules: experience-weighted attraction (EWA, Camerer & Ho 1999) with logit choice,
//! modified Roth-Erev reinforcement (Nicolaisen, Petrov & Tesfatsion 2001) with proportional
//! choice, and payoff-biased imitation of a peer.
//!
//! Each function updates one cadre's slice of attractions (or propensities) in place; none
//! allocates. Exponentials are our own ([`crate::math::elementary`]), so choices are the same on
//! every platform.

use crate::math::elementary::{exp, exp_in_place, exp_nonpositive};

/// EWA update with payoffs of every action (`payoffs[j]` is the realised payoff for the chosen
/// action and the foregone payoff for the others):
/// `N <- rho*N + 1`, `A_j <- (phi*N_old*A_j + (delta + (1-delta)*[j chosen])*pi_j) / N`.
pub fn ewa_update(attr: &mut [f64], n: &mut f64, chosen: usize, payoffs: &[f64], phi: f64, rho: f64, delta: f64) {
    ewa_update_realised(attr, n, chosen, payoffs, payoffs[chosen], phi, rho, delta);
}

/// [`ewa_update`] with the chosen action's realised payoff `realised` given apart from the
/// foregone payoffs (`payoffs[chosen]` is ignored): the same attractions, bit for bit, as
/// [`ewa_update`] with `payoffs[chosen] = realised`. The engine uses this form so that it never
/// writes one payoff into a row it then reads whole in vector lanes (a load that overlaps a
/// narrower store still in flight waits for it to complete).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn ewa_update_realised(attr: &mut [f64], n: &mut f64, chosen: usize, payoffs: &[f64], realised: f64, phi: f64, rho: f64, delta: f64) {
    let n_old = *n;
    let n_new = rho * n_old + 1.0;
    let keep = phi * n_old;
    let inv = 1.0 / n_new;
    // Every action with weight delta (a loop without a branch on `chosen`), then the chosen one
    // again from its old attraction with weight 1: the same expression it would have had.
    let old = attr[chosen];
    for (a, &pi) in attr.iter_mut().zip(payoffs) {
        *a = (keep * *a + delta * pi) * inv;
    }
    attr[chosen] = (keep * old + 1.0 * realised) * inv;
    *n = n_new;
}

/// EWA update when foregone payoffs carry no weight (`delta = 0`): only the chosen action's
/// payoff is needed.
pub fn ewa_update_chosen(attr: &mut [f64], n: &mut f64, chosen: usize, payoff: f64, phi: f64, rho: f64) {
    let n_old = *n;
    let n_new = rho * n_old + 1.0;
    let keep = phi * n_old;
    let inv = 1.0 / n_new;
    for (j, a) in attr.iter_mut().enumerate() {
        let pi = if j == chosen { payoff } else { 0.0 };
        *a = (keep * *a + pi) * inv;
    }
    *n = n_new;
}

/// Most actions whose logit weights [`logit_choice`] keeps on the stack (larger grids allocate).
const LOGIT_STACK: usize = 64;

/// The logit weights are computed in groups of this many lanes (eight `f64`: one AVX-512
/// register, two AVX2 or four SSE2 registers), so that no action falls into a scalar remainder.
pub const LANES: usize = 8;

/// Length of the working memory [`logit_choice_with`] needs for `n` actions: `n` rounded up to
/// a multiple of [`LANES`].
pub const fn logit_buffer_len(n: usize) -> usize {
    n.div_ceil(LANES) * LANES
}

/// Logit choice `P_j ∝ exp(lambda*A_j)`, sampled with the uniform `u` in [0, 1): the first `j`
/// whose cumulative weight exceeds `u` times the total weight. See [`logit_choice_with`].
pub fn logit_choice(attr: &[f64], lambda: f64, u: f64) -> usize {
    let len = logit_buffer_len(attr.len());
    if len <= LOGIT_STACK {
        let mut buf = [0.0f64; LOGIT_STACK];
        logit_choice_with(attr, lambda, u, &mut buf[..len])
    } else {
        logit_choice_with(attr, lambda, u, &mut vec![0.0; len])
    }
}

/// [`logit_choice`] with caller-provided working memory (`cumulative.len() >=
/// logit_buffer_len(attr.len())`), so that the engine's inner loop neither allocates nor clears
/// a buffer.
///
/// The weights `exp(lambda*(A_j - max))` are computed in groups of [`LANES`] with our own
/// [`exp`](crate::math::elementary::exp) (the padding lanes get `exp(-inf) = 0`), which the
/// compiler turns into vector instructions; then `cumulative` holds the running sums
/// `W_0 + ... + W_j`, added left to right. The choice is the first `j` with
/// `u*total < W_0 + ... + W_j`. Weights are in [0, 1] (or all NaN), so the running sums never
/// decrease and the first such `j` is the number of running sums that are not above the target:
/// counted without a branch that the processor would mispredict about once per call.
#[inline(always)]
pub fn logit_choice_with(attr: &[f64], lambda: f64, u: f64, cumulative: &mut [f64]) -> usize {
    let n = attr.len();
    let len = logit_buffer_len(n);
    debug_assert!(cumulative.len() >= len);
    let cumulative = &mut cumulative[..len];
    let max = attr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (head, pad) = cumulative.split_at_mut(n);
    for (c, &a) in head.iter_mut().zip(attr) {
        *c = lambda * (a - max);
    }
    pad.iter_mut().for_each(|c| *c = f64::NEG_INFINITY);
    for lanes in cumulative.chunks_exact_mut(LANES) {
        exp_in_place(lanes);
    }
    // The running sum starts from 0.0 (weights are never -0.0, so this equals a plain sum).
    let mut acc = 0.0;
    for c in cumulative[..n].iter_mut() {
        acc += *c;
        *c = acc;
    }
    let target = u * acc;
    // `!(target < c)` rather than `c <= target`: with NaN weights the plain form returns the last
    // action, and so does this count.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    let below = cumulative[..n].iter().map(|&c| usize::from(!(target < c))).sum::<usize>();
    below.min(n - 1)
}

/// The logit choices of [`LANES`] cadres at once, vectorised across the cadres (lane `l` is
/// cadre `l`; every attraction slice has the same length): each lane computes exactly what
/// [`logit_choice_with`] computes for that cadre, operation for operation, so the choices are
/// bit-identical to it. Across cadres there are no horizontal operations and the dependency
/// chains of the maximum and the running sums run side by side.
///
/// `block` is working memory of at least `attrs[0].len()` rows.
#[inline(always)]
pub fn logit_choice_lanes(attrs: [&[f64]; LANES], lambda: f64, u: [f64; LANES], block: &mut [[f64; LANES]]) -> [usize; LANES] {
    let n = attrs[0].len();
    let block = &mut block[..n];
    // Each row is assembled in registers and stored whole (eight narrow stores followed by a
    // wide load of the same row would wait for the stores to complete), with the running maximum.
    let mut max = [f64::NEG_INFINITY; LANES];
    for (j, row) in block.iter_mut().enumerate() {
        let r: [f64; LANES] = std::array::from_fn(|l| attrs[l][j]);
        for l in 0..LANES {
            max[l] = f64::max(max[l], r[l]);
        }
        *row = r;
    }
    for row in block.iter_mut() {
        for l in 0..LANES {
            // lambda >= 0 and A_j <= max (or NaN): the argument is not positive.
            row[l] = exp_nonpositive(lambda * (row[l] - max[l]));
        }
    }
    let mut acc = [0.0; LANES];
    for row in block.iter_mut() {
        for (a, x) in acc.iter_mut().zip(row.iter_mut()) {
            *a += *x;
            *x = *a;
        }
    }
    let mut target = [0.0; LANES];
    for l in 0..LANES {
        target[l] = u[l] * acc[l];
    }
    let mut below = [0usize; LANES];
    for row in block.iter() {
        for l in 0..LANES {
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let b = usize::from(!(target[l] < row[l]));
            below[l] += b;
        }
    }
    below.map(|b| b.min(n - 1))
}

/// Logit choice probabilities (for tests and analysis).
pub fn logit_probabilities(attr: &[f64], lambda: f64) -> Vec<f64> {
    let max = attr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = attr.iter().map(|&a| exp(lambda * (a - max))).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// Modified Roth-Erev update: `q_j <- (1 - recency)*q_j + E_j`, with `E_j = reward*(1 - eps)`
/// for the chosen action and `q_j*eps/(N - 1)` for the others.
pub fn roth_erev_update(q: &mut [f64], chosen: usize, reward: f64, recency: f64, experiment: f64) {
    let n = q.len();
    let spill = if n > 1 { experiment / (n - 1) as f64 } else { 0.0 };
    for (j, qj) in q.iter_mut().enumerate() {
        let e = if j == chosen { reward * (1.0 - experiment) } else { *qj * spill };
        *qj = (1.0 - recency) * *qj + e;
    }
}

/// Proportional choice `P_j = q_j / sum q` (uniform if all propensities are zero).
pub fn proportional_choice(q: &[f64], u: f64) -> usize {
    let total: f64 = q.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return ((u * q.len() as f64) as usize).min(q.len() - 1);
    }
    let target = u * total;
    let mut acc = 0.0;
    for (j, &x) in q.iter().enumerate() {
        acc += x;
        if target < acc {
            return j;
        }
    }
    q.len() - 1
}

/// Probability of copying a peer: `1/(1 + exp(-(u_peer - u_own)/temperature))`.
pub fn imitation_probability(u_peer: f64, u_own: f64, temperature: f64) -> f64 {
    1.0 / (1.0 + exp(-(u_peer - u_own) / temperature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roth_erev_value_check_from_the_issue() {
        // q = (1,1,1), recency 0.1, experimentation 0.2, action 0 chosen, reward 2 -> (2.5, 1.0, 1.0).
        let mut q = [1.0, 1.0, 1.0];
        roth_erev_update(&mut q, 0, 2.0, 0.1, 0.2);
        for (got, want) in q.iter().zip([2.5, 1.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn ewa_value_check() {
        // N0 = 1, phi = 0.9, rho = 0.9, delta = 0.5; A = (1, 0), payoffs (2, 4), action 0 chosen.
        // N = 1.9; A0 = (0.9*1*1 + 1*2)/1.9 = 1.526316; A1 = (0 + 0.5*4)/1.9 = 1.052632.
        let mut a = [1.0, 0.0];
        let mut n = 1.0;
        ewa_update(&mut a, &mut n, 0, &[2.0, 4.0], 0.9, 0.9, 0.5);
        assert!((n - 1.9).abs() < 1e-12);
        assert!((a[0] - 2.9 / 1.9).abs() < 1e-12 && (a[1] - 2.0 / 1.9).abs() < 1e-12, "{a:?}");
        // delta = 0 ignores foregone payoffs, and matches the chosen-only update.
        let (mut b, mut nb) = ([1.0, 0.5], 1.0);
        let (mut c, mut nc) = ([1.0, 0.5], 1.0);
        ewa_update(&mut b, &mut nb, 1, &[7.0, 3.0], 0.8, 0.7, 0.0);
        ewa_update_chosen(&mut c, &mut nc, 1, 3.0, 0.8, 0.7);
        assert_eq!(b, c);
        assert_eq!(nb, nc);
    }

    #[test]
    fn ewa_with_fixed_payoffs_converges_to_them() {
        // With delta = 1 and phi = rho, attractions become weighted averages of payoffs.
        let pay = [0.3, -0.2, 0.1];
        let mut a = [0.0; 3];
        let mut n = 1.0;
        for _ in 0..2000 {
            ewa_update(&mut a, &mut n, 0, &pay, 0.95, 0.95, 1.0);
        }
        for (x, p) in a.iter().zip(pay) {
            assert!((x - p).abs() < 1e-9, "{a:?}");
        }
        let probs = logit_probabilities(&a, 5.0);
        let z: f64 = pay.iter().map(|p| (5.0 * p).exp()).sum();
        assert!((probs[0] - (1.5f64).exp() / z).abs() < 1e-9);
    }

    #[test]
    fn choices_follow_their_probabilities() {
        let attr = [0.0, (3.0f64).ln(), 0.0];
        // Probabilities 0.2, 0.6, 0.2: sweep the uniform.
        let n = 10_000;
        let mut counts = [0usize; 3];
        for i in 0..n {
            counts[logit_choice(&attr, 1.0, (i as f64 + 0.5) / n as f64)] += 1;
        }
        assert_eq!(counts, [2000, 6000, 2000]);
        let mut counts = [0usize; 3];
        for i in 0..n {
            counts[proportional_choice(&[1.0, 3.0, 1.0], (i as f64 + 0.5) / n as f64)] += 1;
        }
        assert_eq!(counts, [2000, 6000, 2000]);
        assert_eq!(proportional_choice(&[0.0, 0.0], 0.7), 1);
    }

    /// The two-pass logit choice the engine used before its weights were cached: the fast
    /// form must choose exactly as this does, for any attractions and uniform.
    fn logit_choice_reference(attr: &[f64], lambda: f64, u: f64) -> usize {
        let max = attr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = attr.iter().map(|&a| exp(lambda * (a - max))).sum();
        let target = u * total;
        let mut acc = 0.0;
        for (j, &a) in attr.iter().enumerate() {
            acc += exp(lambda * (a - max));
            if target < acc {
                return j;
            }
        }
        attr.len() - 1
    }

    #[test]
    fn fast_logit_choice_and_ewa_update_are_bit_identical_to_the_plain_forms() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut buf = vec![0.0; logit_buffer_len(101)];
        for case in 0..20_000 {
            let n = [1, 2, 15, 30, 101][case % 5];
            let spread = [0.01, 1.0, 100.0][case % 3];
            let mut attr: Vec<f64> = (0..n).map(|_| spread * (rng.random::<f64>() - 0.5)).collect();
            if case % 7 == 0 {
                attr[n / 2] = attr[0]; // ties
            }
            let lambda = [0.0, 0.5, 5.0, 1000.0][case % 4];
            // Uniforms near 0 and 1 and exactly on a cumulative boundary are the edge cases.
            let u = match case % 11 {
                0 => 0.0,
                1 => 1.0 - f64::EPSILON,
                _ => rng.random(),
            };
            let want = logit_choice_reference(&attr, lambda, u);
            assert_eq!(logit_choice(&attr, lambda, u), want, "{attr:?} {lambda} {u}");
            assert_eq!(logit_choice_with(&attr, lambda, u, &mut buf), want);

            let pay: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect();
            let chosen = rng.random_range(0..n);
            let (phi, rho, delta) = (rng.random::<f64>(), rng.random::<f64>(), rng.random::<f64>());
            let n0 = rng.random::<f64>() * 10.0;
            let mut fast = attr.clone();
            let mut n_fast = n0;
            ewa_update(&mut fast, &mut n_fast, chosen, &pay, phi, rho, delta);
            // The form with the realised payoff apart ignores the row's entry for the chosen action.
            let (mut apart, mut n_apart) = (attr.clone(), n0);
            let mut row = pay.clone();
            row[chosen] = f64::NAN;
            ewa_update_realised(&mut apart, &mut n_apart, chosen, &row, pay[chosen], phi, rho, delta);
            assert!(apart.iter().zip(&fast).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert_eq!(n_apart.to_bits(), n_fast.to_bits());
            let n_new = rho * n0 + 1.0;
            for j in 0..n {
                let w = if j == chosen { 1.0 } else { delta };
                let want = (phi * n0 * attr[j] + w * pay[j]) * (1.0 / n_new);
                assert_eq!(fast[j].to_bits(), want.to_bits(), "action {j}");
            }
            assert_eq!(n_fast.to_bits(), n_new.to_bits());
        }
        // The form across cadres chooses exactly as the one-cadre form, lane by lane.
        let mut block = vec![[0.0; LANES]; 101];
        for case in 0..5_000 {
            let n = [1, 2, 15, 30, 101][case % 5];
            let spread = [0.01, 1.0, 100.0][case % 3];
            let attrs: Vec<Vec<f64>> = (0..LANES).map(|_| (0..n).map(|_| spread * (rng.random::<f64>() - 0.5)).collect()).collect();
            let u: [f64; LANES] = std::array::from_fn(|_| rng.random());
            let lambda = [0.5, 5.0, 50.0][case % 3];
            let got = logit_choice_lanes(std::array::from_fn(|l| attrs[l].as_slice()), lambda, u, &mut block);
            for l in 0..LANES {
                assert_eq!(got[l], logit_choice_with(&attrs[l], lambda, u[l], &mut buf), "case {case} lane {l}");
            }
        }
        // Non-finite attractions: both forms fall back to the last action.
        for attr in [[0.0, f64::NAN, 1.0], [f64::NEG_INFINITY; 3], [f64::INFINITY, 0.0, 0.0]] {
            assert_eq!(logit_choice(&attr, 5.0, 0.3), logit_choice_reference(&attr, 5.0, 0.3));
        }
    }

    #[test]
    fn imitation_is_logistic_in_the_payoff_gap() {
        assert!((imitation_probability(1.0, 1.0, 0.1) - 0.5).abs() < 1e-12);
        assert!(imitation_probability(2.0, 1.0, 0.1) > 0.9999);
        assert!((imitation_probability(0.0, 0.1, 0.1) - 1.0 / (1.0 + 1f64.exp())).abs() < 1e-12);
    }
}
