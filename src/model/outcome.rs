//! The outcomes of one period for one cadre: output, materials, satisfaction, inspections,
//! findings (errors, shortfalls, complaints, misconduct), the regime's judgement (exemption,
//! sanction, disqualification) and utility.
//!
//! Random draws are made once per cadre and period ([`Shocks`]) and shared by every action, so
//! that the foregone payoff of an action is what it *would* have earned under the same luck
//! (common random numbers): the same normal draws, and the same uniforms fed through each
//! action's Poisson inverse CDF.

use rand::Rng;

use super::{Params, Rule, Slots};
use crate::math::elementary::{exp, ln};
use crate::math::normal::standard_normal;
use crate::math::{binomial_cdf_table, norm_inv, poisson_cdf_table};

/// What a cadre brings to a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// Ability `a`.
    pub ability: f64,
    /// Public-service motivation `psi`.
    pub psi: f64,
    /// Misconduct type.
    pub corrupt: bool,
}

/// The random draws of one cadre-period, shared by all actions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shocks {
    /// Output shock `eps_y`.
    pub eps_y: f64,
    /// Materials-score shock `nu`.
    pub nu: f64,
    /// Satisfaction shock `eta`.
    pub eta: f64,
    /// Inspection visits this period, all levels.
    pub visits: u32,
    /// Time spent on inspection visits.
    pub inspection_time: f64,
    /// Chance `D` that a given error is found this period.
    pub detection: f64,
    /// Uniform for the errors' Poisson inverse CDF, and `-ln` of it.
    pub u_error: (f64, f64),
    /// Uniform for the complaints' Poisson inverse CDF, and `-ln` of it.
    pub u_complaint: (f64, f64),
    /// Uniform deciding whether a score below the pass mark is recorded.
    pub u_shortfall: f64,
    /// Uniform of the due-diligence review (exempt if below `exempt`).
    pub u_review: f64,
    /// Uniform of the review's classification (correct if below `review_accuracy`).
    pub u_classify: f64,
    /// Misconduct incidents (misconduct types only).
    pub incidents: u32,
    /// Incidents found by inspection.
    pub misconduct_found: u32,
}

/// Precomputed tables for drawing [`Shocks`].
#[derive(Debug, Clone, PartialEq)]
pub struct ShockTables {
    levels: Vec<LevelTable>,
    misconduct_cdf: Vec<f64>,
    misconduct_rate: f64,
    /// Binomial CDF of a township's promotion slots (binomial mode), or empty.
    slots_cdf: Vec<f64>,
    /// Fixed number of slots (fixed mode).
    slots_fixed: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct LevelTable {
    /// Poisson CDF of visits, or empty for a fixed count.
    cdf: Vec<f64>,
    rate: f64,
    fixed: u32,
    miss: f64,
    burden: f64,
}

/// `x^n` by binary powering, the multiplications of compiler-builtins' `__powidf2` (which
/// `f64::powi` calls for a variable exponent) in the same order, so the result is the same; inline
/// and free of a call for the common `n` of 0 or 1.
#[inline(always)]
fn powi(mut x: f64, mut n: u32) -> f64 {
    let mut r = 1.0;
    loop {
        if n & 1 != 0 {
            r *= x;
        }
        n >>= 1;
        if n == 0 {
            return r;
        }
        x *= x;
    }
}

/// Draws a Poisson count by inverting a precomputed CDF table; beyond the table, a normal
/// approximation (the table covers all but 1e-15 of the mass, so this is a formality).
#[inline(always)]
fn draw_from_table(cdf: &[f64], rate: f64, u: f64) -> u32 {
    // The first entry not below u, found without a branch per entry: the CDF never decreases, so
    // it is the number of entries below u (a count that vectorises; a search would mispredict
    // its exit in about a third of draws at the status quo's rate of visits).
    // Long tables (high rates) are searched, which stops early.
    let found = if cdf.len() <= 64 {
        let below = cdf.iter().map(|&c| u32::from(c < u)).sum::<u32>() as usize;
        (below < cdf.len()).then_some(below)
    } else {
        cdf.iter().position(|&c| u <= c)
    };
    match found {
        Some(k) => k as u32,
        None => (rate + rate.sqrt() * norm_inv(u)).round().max(0.0) as u32,
    }
}

impl ShockTables {
    /// Builds the tables for a scenario.
    pub fn new(p: &Params) -> Self {
        let levels = p
            .levels
            .iter()
            .map(|l| LevelTable {
                cdf: if l.random { poisson_cdf_table(l.rate) } else { Vec::new() },
                rate: l.rate,
                fixed: if l.random { 0 } else { l.rate as u32 },
                miss: 1.0 - l.detect,
                burden: l.burden,
            })
            .collect();
        // A binomial with rate 0 or 1 is a constant and takes no draw (as rand_distr's did, so
        // the streams of such scenarios are unchanged).
        let (slots_cdf, slots_fixed) = match p.slots {
            Slots::Binomial(rate) if rate <= 0.0 => (Vec::new(), 0),
            Slots::Binomial(rate) if rate >= 1.0 => (Vec::new(), p.cadres),
            Slots::Binomial(rate) => (binomial_cdf_table(p.cadres as u64, rate), 0),
            Slots::Fixed(k) => (Vec::new(), k as usize),
        };
        ShockTables {
            levels,
            misconduct_cdf: poisson_cdf_table(p.misconduct_rate),
            misconduct_rate: p.misconduct_rate,
            slots_cdf,
            slots_fixed,
        }
    }

    /// Draws a township-period's promotion slots: `Binomial(cadres, rate)` by inverting the
    /// precomputed CDF with one uniform (binomial mode with 0 < rate < 1; no draw otherwise).
    pub fn draw_slots<R: Rng>(&self, rng: &mut R) -> usize {
        if self.slots_cdf.is_empty() {
            return self.slots_fixed;
        }
        let u: f64 = rng.random();
        // The number of CDF entries not above u (the last entry is 1 > u).
        self.slots_cdf.partition_point(|&c| c <= u)
    }

    /// Draws one cadre-period's shocks. The number of draws taken from `rng` depends only on the
    /// scenario, on whether the cadre is of the misconduct type and on the normals' rejections.
    pub fn draw<R: Rng>(&self, rng: &mut R, p: &Params, corrupt: bool) -> Shocks {
        let mut s = self.draw_without_logs(rng, p, corrupt);
        s.u_error.1 = -ln(s.u_error.0);
        s.u_complaint.1 = -ln(s.u_complaint.0);
        s
    }

    /// [`ShockTables::draw`] without the two logarithms `-ln u` (left at 0): the engine takes them
    /// for a whole township at once, in vector lanes ([`neg_ln_uniforms`]).
    #[inline]
    pub fn draw_without_logs<R: Rng>(&self, rng: &mut R, p: &Params, corrupt: bool) -> Shocks {
        let mut s = Shocks::default();
        self.draw_into(rng, p, corrupt, &mut s);
        s
    }

    /// [`ShockTables::draw_without_logs`] written field by field into `s` (every field is set).
    /// The engine draws into its scratch row this way: a struct returned by value is built on the
    /// stack with narrow stores and then copied with wide loads, which wait for those stores.
    #[inline(always)]
    pub fn draw_into<R: Rng>(&self, rng: &mut R, p: &Params, corrupt: bool, s: &mut Shocks) {
        let n1 = standard_normal(rng);
        let n2 = standard_normal(rng);
        let n3 = standard_normal(rng);
        let mut visits = 0u32;
        let mut time = 0.0;
        let mut not_found = 1.0;
        for l in &self.levels {
            let n = if l.cdf.is_empty() { l.fixed } else { draw_from_table(&l.cdf, l.rate, rng.random::<f64>()) };
            visits += n;
            time += l.burden * n as f64;
            not_found *= powi(l.miss, n);
        }
        let detection = 1.0 - not_found;
        // The uniforms in the order of the struct literal this replaced.
        s.eps_y = p.output_noise * n1;
        s.nu = p.materials_noise * n2;
        s.eta = p.satisfaction_noise * n3;
        s.visits = visits;
        s.inspection_time = time;
        s.detection = detection;
        s.u_error = (open_uniform(rng), 0.0);
        s.u_complaint = (open_uniform(rng), 0.0);
        s.u_shortfall = rng.random();
        s.u_review = rng.random();
        s.u_classify = rng.random();
        s.incidents = 0;
        s.misconduct_found = 0;
        if corrupt {
            s.incidents = draw_from_table(&self.misconduct_cdf, self.misconduct_rate, rng.random::<f64>());
            s.misconduct_found = (0..s.incidents).filter(|_| rng.random::<f64>() < detection).count() as u32;
        }
    }
}

/// Sets `-ln u` of both Poisson uniforms of every shock: the same values as
/// [`ShockTables::draw`], computed over contiguous lanes (`logs` is working memory).
#[inline(always)]
pub fn neg_ln_uniforms(shocks: &mut [Shocks], logs: &mut Vec<f64>) {
    logs.clear();
    logs.extend(shocks.iter().flat_map(|s| [s.u_error.0, s.u_complaint.0]));
    crate::math::elementary::ln_in_place(logs);
    for (s, l) in shocks.iter_mut().zip(logs.chunks_exact(2)) {
        s.u_error.1 = -l[0];
        s.u_complaint.1 = -l[1];
    }
}

/// A uniform on (0, 1], so that `-ln u` is finite.
fn open_uniform<R: Rng>(rng: &mut R) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Largest count [`poisson_inv`] returns (10^9): a few such counts still add up within `u32`.
pub const MAX_COUNT: f64 = 1e9;

/// Poisson inverse CDF at `u` for mean `lambda`, given `e = -ln u`.
///
/// `0` is returned without an exponential whenever `lambda <= e` (that is, `u <= exp(-lambda)`),
/// the common case. Monotone in `lambda` for a fixed `u`, as common random numbers need.
#[inline]
pub fn poisson_inv(u: f64, e: f64, lambda: f64) -> u32 {
    if lambda.is_nan() || lambda <= e {
        return 0;
    }
    poisson_inv_search(u, lambda)
}

/// [`poisson_inv`] past its common case: the CDF search (kept out of line so that the common
/// case inlines into the per-action loops).
#[inline(never)]
fn poisson_inv_search(u: f64, lambda: f64) -> u32 {
    if lambda > 600.0 {
        // Capped at MAX_COUNT so that a rate beyond any meaning (an exponential of a very low
        // satisfaction) cannot overflow the sums of findings; NaN (from `inf - inf`) casts to 0.
        return (lambda + lambda.sqrt() * norm_inv(u)).round().clamp(0.0, MAX_COUNT) as u32;
    }
    let mut k = 0u32;
    let mut p = exp(-lambda);
    let mut cdf = p;
    // Stop where the remaining mass is below rounding (u = 1 would otherwise never be reached).
    while u > cdf && cdf < 1.0 - 1e-15 && k < 100_000 {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
        if p == 0.0 && k as f64 > lambda {
            break;
        }
    }
    k
}

/// Outcomes that depend only on the effort level (`s`, `innovate`), not on materials.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EffortOutcome {
    /// Substantive work.
    pub s: f64,
    /// Poverty-reduction output `y`.
    pub y: f64,
    /// Villagers' satisfaction.
    pub satisfaction: f64,
    /// Honest errors found.
    pub errors: u32,
    /// Verified complaints.
    pub complaints: u32,
    /// Whether `s` meets the due-diligence threshold.
    pub diligent: bool,
}

/// Output, satisfaction, errors found and complaints of an effort level under the given shocks.
pub fn effort_outcome(p: &Params, t: &Traits, s: f64, innovate: bool, sh: &Shocks) -> EffortOutcome {
    EffortLevel::new(p, s, innovate).outcome(p, t, sh)
}

/// An effort level (`s`, `innovate`) with the factors of its outcomes that are the same for
/// every cadre, computed once per model: [`EffortLevel::outcome`] then does only the per-cadre
/// arithmetic. [`effort_outcome`] goes through the same two steps, so both give bit-identical
/// outcomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffortLevel {
    /// Substantive work `s`.
    pub s: f64,
    /// Innovative work.
    pub innovate: bool,
    /// `1 + iota*innovate`.
    output_factor: f64,
    /// `q*(b0 + b1*s)*(1 + omega*innovate)`: the error rate before detection.
    error_factor: f64,
    /// `c0 + c_a*s`: the complaint rate that does not depend on satisfaction.
    complaint_base: f64,
    /// `s` meets the due-diligence threshold.
    diligent: bool,
}

impl EffortLevel {
    /// The level `s`, `innovate` of a model.
    pub fn new(p: &Params, s: f64, innovate: bool) -> Self {
        let inn = if innovate { 1.0 } else { 0.0 };
        EffortLevel {
            s,
            innovate,
            output_factor: 1.0 + p.innovation_gain * inn,
            error_factor: p.q * (p.b0 + p.b1 * s) * (1.0 + p.innovation_risk * inn),
            complaint_base: p.c0 + p.c_activity * s,
            diligent: s >= p.dd_threshold,
        }
    }

    /// [`EffortLevel::outcome`] given the exponential `ex = exp(-beta * satisfaction)` of its
    /// complaint rate (from [`level_exponents`]): the same outcome, bit for bit.
    #[inline(always)]
    pub fn outcome_with(&self, p: &Params, t: &Traits, sh: &Shocks, ex: f64) -> EffortOutcome {
        let y = t.ability * self.s * self.output_factor + sh.eps_y;
        let satisfaction = y + sh.eta;
        let error_rate = self.error_factor * sh.detection;
        let errors = poisson_inv(sh.u_error.0, sh.u_error.1, error_rate);
        let complaint_rate = (self.complaint_base + p.c1 * ex) * p.verify;
        let complaints = poisson_inv(sh.u_complaint.0, sh.u_complaint.1, complaint_rate);
        EffortOutcome { s: self.s, y, satisfaction, errors, complaints, diligent: self.diligent }
    }

    /// Output, satisfaction, errors found and complaints of this level under the given shocks.
    #[inline(always)]
    pub fn outcome(&self, p: &Params, t: &Traits, sh: &Shocks) -> EffortOutcome {
        // y = a*s*(1 + iota*inn) + eps_y and rate = q*(b0 + b1*s)*(1 + omega*inn)*D, evaluated
        // left to right as written.
        let y = t.ability * self.s * self.output_factor + sh.eps_y;
        let satisfaction = y + sh.eta;
        let error_rate = self.error_factor * sh.detection;
        let errors = poisson_inv(sh.u_error.0, sh.u_error.1, error_rate);
        let complaints = complaints(p, self.complaint_base, satisfaction, sh.u_complaint);
        EffortOutcome { s: self.s, y, satisfaction, errors, complaints, diligent: self.diligent }
    }
}

/// The outcomes of every effort level in `levels` for one cadre under one period's shocks, in
/// `out` (in the order of `levels`): the same values as [`EffortLevel::outcome`] level by level,
/// with the complaint exponentials of all levels computed together over vector lanes. The
/// engine no longer calls it (it needs only the findings: [`level_exponents`] for a whole township,
/// then [`kept_findings`]); it is the per-level reference the tests compare those with.
///
/// `work` is working memory of at least `levels.len()` rounded up to a multiple of `lanes`.
#[inline(always)]
pub fn level_outcomes(
    levels: &[EffortLevel],
    p: &Params,
    t: &Traits,
    sh: &Shocks,
    out: &mut [EffortOutcome],
    work: &mut [f64],
    lanes: usize,
) {
    let n = levels.len();
    let len = n.div_ceil(lanes) * lanes;
    let work = &mut work[..len];
    for (w, l) in work.iter_mut().zip(levels) {
        let y = t.ability * l.s * l.output_factor + sh.eps_y;
        let satisfaction = y + sh.eta;
        *w = -p.beta * satisfaction;
    }
    work[n..].iter_mut().for_each(|w| *w = 0.0);
    for chunk in work.chunks_exact_mut(lanes) {
        crate::math::elementary::exp_in_place(chunk);
    }
    for ((o, l), &ex) in out.iter_mut().zip(levels).zip(work.iter()) {
        *o = l.outcome_with(p, t, sh, ex);
    }
}

/// Number of `f64` lanes the foregone payoffs are computed in (one AVX-512 register, two AVX2
/// or four SSE2 registers); the same as [`crate::model::learning::LANES`].
pub const PAY_LANES: usize = 8;

/// The per-action constants of the foregone payoffs, computed once per model and laid out as
/// structure of arrays padded to whole [`PAY_LANES`] (the padding is action 0's, results unused),
/// so that [`foregone_payoffs`] runs over every action of a cadre in vector lanes.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionLanes {
    /// Number of actions.
    n: usize,
    /// Effort level of each action.
    level: Vec<usize>,
    /// `s`.
    s: Vec<f64>,
    /// `m`.
    m: Vec<f64>,
    /// `s + m`, the first addition of [`load`].
    s_plus_m: Vec<f64>,
    /// `kappa * s`.
    kappa_s: Vec<f64>,
    /// `1 + iota*innovate`.
    output_factor: Vec<f64>,
    /// `s` meets the due-diligence threshold (a lane mask: all ones or all zeros).
    diligent: Vec<u64>,
    /// All ones for an action, all zeros for the padding.
    real: Vec<u64>,
    /// The effort levels' constants, padded to whole lanes (the padding is level 0's, results
    /// unused): [`kept_findings`] runs over every level of a cadre in vector lanes.
    levels: LevelLanes,
}

/// The per-level constants of [`EffortLevel`] as structure of arrays padded to whole
/// [`PAY_LANES`].
#[derive(Debug, Clone, PartialEq)]
struct LevelLanes {
    /// Number of levels.
    n: usize,
    s: Vec<f64>,
    output_factor: Vec<f64>,
    error_factor: Vec<f64>,
    complaint_base: Vec<f64>,
    /// A lane mask.
    diligent: Vec<u64>,
    /// All ones for a level, all zeros for the padding.
    real: Vec<u64>,
}

impl ActionLanes {
    /// The lanes of `actions`, with the effort levels `levels` built from the same `p`.
    pub fn new(p: &Params, actions: &super::ActionSet, levels: &[EffortLevel]) -> Self {
        let n = actions.len();
        let len = n.div_ceil(PAY_LANES) * PAY_LANES;
        let at = |j: usize| actions.actions[if j < n { j } else { 0 }];
        let level: Vec<usize> = (0..len).map(|j| at(j).level).collect();
        ActionLanes {
            n,
            s: (0..len).map(|j| at(j).s).collect(),
            m: (0..len).map(|j| at(j).m).collect(),
            s_plus_m: (0..len).map(|j| at(j).s + at(j).m).collect(),
            kappa_s: (0..len).map(|j| p.kappa * at(j).s).collect(),
            output_factor: level.iter().map(|&l| levels[l].output_factor).collect(),
            diligent: level.iter().map(|&l| mask(levels[l].diligent)).collect(),
            level,
            real: (0..len).map(|j| mask(j < n)).collect(),
            levels: LevelLanes::new(levels),
        }
    }

    /// Length of the padded per-level arrays (the number of effort levels rounded up to whole
    /// lanes): the length [`kept_findings`] needs of its working memory and its output.
    pub fn padded_levels(&self) -> usize {
        self.levels.s.len()
    }

    /// Length of the padded arrays (the number of actions rounded up to whole lanes).
    pub fn padded_len(&self) -> usize {
        self.s.len()
    }
}

impl LevelLanes {
    fn new(levels: &[EffortLevel]) -> Self {
        let n = levels.len();
        let len = n.div_ceil(PAY_LANES) * PAY_LANES;
        let at = |j: usize| levels[if j < n { j } else { 0 }];
        LevelLanes {
            n,
            s: (0..len).map(|j| at(j).s).collect(),
            output_factor: (0..len).map(|j| at(j).output_factor).collect(),
            error_factor: (0..len).map(|j| at(j).error_factor).collect(),
            complaint_base: (0..len).map(|j| at(j).complaint_base).collect(),
            diligent: (0..len).map(|j| mask(at(j).diligent)).collect(),
            real: (0..len).map(|j| mask(j < n)).collect(),
        }
    }
}

/// The exponents `-beta * satisfaction` of the complaint rates of every effort level for one
/// cadre under one period's shocks, in `out` (length [`ActionLanes::padded_levels`]; the padding
/// repeats level 0): [`EffortLevel::outcome`]'s expressions, operand for operand, in vector lanes.
/// The engine writes them for every cadre of a township, each cadre's right after the previous
/// one's (its padding is overwritten by the next cadre), and takes their exponentials in one long
/// vector loop (independent lanes keep the vector units busy, where one cadre's eight would wait
/// on the latency of one exponential), then finishes each cadre with [`kept_findings`].
#[inline(always)]
pub fn level_exponents(lanes: &ActionLanes, p: &Params, t: &Traits, sh: &Shocks, out: &mut [f64]) {
    let lv = &lanes.levels;
    let len = lv.s.len();
    let out = &mut out[..len];
    let (s, of) = (&lv.s[..len], &lv.output_factor[..len]);
    for j in 0..len {
        let y = t.ability * s[j] * of[j] + sh.eps_y;
        let satisfaction = y + sh.eta;
        out[j] = -p.beta * satisfaction;
    }
}

/// Per effort level, for one cadre under one period's shocks, the findings other than a
/// shortfall that the due-diligence review does not exempt (complaints, unexempted errors and
/// unexempted misconduct, as [`LevelJudge::new`] counts them), as whole numbers per action in
/// `kept` (length [`ActionLanes::padded_len`]: each action gets its level's; the padding is
/// unused). `ex` are the exponentials of [`level_exponents`] (length
/// [`ActionLanes::padded_levels`]; the padding beyond the number of levels may hold anything, such
/// as the next cadre's levels, and is not used); `work` and `kept_levels` are working memory of
/// length [`ActionLanes::padded_levels`].
///
/// The counts are [`EffortLevel::outcome`]'s, operand for operand, in vector lanes across the
/// levels, with the common case of both Poisson counts (every rate at most `-ln u`: no error and
/// no complaint at any level) as one lane comparison. Only when some level's rate exceeds it are
/// the counts found level by level ([`poisson_inv`]), so the counts are always [`poisson_inv`]'s.
#[inline(always)]
pub fn kept_findings(
    lanes: &ActionLanes,
    p: &Params,
    sh: &Shocks,
    ex: &[f64],
    work: &mut [f64],
    kept_levels: &mut [f64],
    kept: &mut [f64],
) {
    let lv = &lanes.levels;
    let len = lv.s.len();
    let (ex, work, kept_levels) = (&ex[..len], &mut work[..len], &mut kept_levels[..len]);
    let kept = &mut kept[..lanes.padded_len()];
    let (ef, cb, dil, real) = (&lv.error_factor[..len], &lv.complaint_base[..len], &lv.diligent[..len], &lv.real[..len]);
    // The complaint rates; `any` marks a rate above its `-ln u` (a NaN rate gives 0, as in
    // `poisson_inv`; the padding is masked out).
    let mut any = 0u64;
    for j in 0..len {
        let error_rate = ef[j] * sh.detection;
        let complaint_rate = (cb[j] + p.c1 * ex[j]) * p.verify;
        any |= real[j] & (mask(error_rate > sh.u_error.1) | mask(complaint_rate > sh.u_complaint.1));
        work[j] = complaint_rate;
    }
    let review = mask(sh.u_review < p.exempt);
    let correct = mask(sh.u_classify < p.review_accuracy);
    if any == 0 {
        // No errors and no complaints: only misconduct found can be kept, unless the review
        // exempts it as an honest error.
        // Written per action directly (the actions' own due-diligence masks), in vector lanes.
        let found = f64::from(sh.misconduct_found).to_bits();
        for (k, &d) in kept.iter_mut().zip(&lanes.diligent) {
            let misconduct_exempt = d & review & !correct;
            *k = f64::from_bits(found & !misconduct_exempt);
        }
        return;
    }
    for j in 0..lv.n {
        let errors = poisson_inv(sh.u_error.0, sh.u_error.1, ef[j] * sh.detection);
        let complaints = poisson_inv(sh.u_complaint.0, sh.u_complaint.1, work[j]);
        let review_exempts = dil[j] & review != 0;
        let correct = correct != 0;
        let err_kept = if review_exempts && correct { 0 } else { errors };
        let mis_kept = if review_exempts && !correct { 0 } else { sh.misconduct_found };
        kept_levels[j] = f64::from(complaints + err_kept + mis_kept);
    }
    // Spread over the actions a whole lane group at a time (narrow stores followed by the wide
    // loads of `foregone_payoffs` would wait for the stores to complete).
    for (group, levels) in kept.chunks_exact_mut(PAY_LANES).zip(lanes.level.chunks_exact(PAY_LANES)) {
        let g: [f64; PAY_LANES] = std::array::from_fn(|l| kept_levels[levels[l]]);
        group.copy_from_slice(&g);
    }
}

/// What a cadre's foregone payoffs need beyond its traits and shocks: its fatigue, whether it
/// can be promoted at all, and the score it must beat (the promotion cut).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionCut {
    /// Eligible and there are slots.
    pub can_win: bool,
    /// The cut `(score, index)` to beat, if any (none: every eligible score wins).
    pub cut: Option<(f64, u32)>,
    /// The cadre's index in its township (ties at the cut go to the lower index).
    pub index: u32,
}

/// The payoff of every action of one cadre under one period's shocks (the chosen action's
/// included, as if it were foregone; the caller replaces it by the realised payoff), in `pay`
/// (its padding beyond the number of actions is set to 0).
///
/// The judgements and utilities are those of [`LevelJudge::judge`] and [`UtilityTerms::utility`]
/// operation for operation, written across the actions in [`PAY_LANES`] lanes: the integer
/// findings as whole numbers in `f64` (exact), the regime, veto, tournament and bonus decisions as
/// lane selections instead of branches. `kept` are the cadre's unexempted findings other than a
/// shortfall per action ([`kept_findings`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn foregone_payoffs(
    lanes: &ActionLanes,
    p: &Params,
    t: &Traits,
    sh: &Shocks,
    fatigue: f64,
    cut: &PromotionCut,
    kept: &[f64],
    pay: &mut [f64],
) {
    let review = sh.u_review < p.exempt;
    let shortfall_possible = sh.visits > 0 && sh.u_shortfall < p.shortfall_detect;
    let veto = p.rule == Rule::Veto;
    let (no_cut, cut_score, tie_wins) = match cut.cut {
        None => (true, 0.0, false),
        Some((cs, ci)) => (false, cs, cut.index < ci),
    };
    let terms = UtilityTerms::new(p, t, sh);
    let (fat, decay, sustainable) = match p.fatigue {
        Some(fp) => (true, fp.decay, fp.sustainable),
        None => (false, 0.0, 0.0),
    };
    let len = lanes.padded_len();
    let pay = &mut pay[..len];
    // Decisions that are the same for every action, as lane masks (all ones or all zeros).
    let veto = mask(veto);
    let fat = mask(fat);
    let review = mask(review);
    let shortfall_possible = mask(shortfall_possible);
    let no_cut = mask(no_cut);
    let tie_wins = mask(tie_wins);
    let can_win = mask(cut.can_win);
    let bonus_on = mask(terms.bonus > 0.0);
    // The per-level findings spread over the actions, then one loop over every action that the
    // compiler vectorises (a loop of a runtime length is vectorised; one of a fixed 8 would be
    // unrolled into scalar code first).
    let kept_a = &kept[..len];
    let (s, m, s_plus_m) = (&lanes.s[..len], &lanes.m[..len], &lanes.s_plus_m[..len]);
    let (kappa_s, of, dil) = (&lanes.kappa_s[..len], &lanes.output_factor[..len], &lanes.diligent[..len]);
    let real = &lanes.real[..len];
    for j in 0..len {
        // EffortLevel::outcome's output and satisfaction.
        let y = t.ability * s[j] * of[j] + sh.eps_y;
        let sat = y + sh.eta;
        // LevelJudge::judge.
        let z = m[j] + kappa_s[j] + sh.nu;
        let raw = p.w_materials * z + p.w_output * y + p.w_satisfaction * sat;
        let shortfall = shortfall_possible & mask(raw < p.pass_mark);
        let sf_kept = shortfall & !(dil[j] & review);
        let findings = kept_a[j] + f64::from_bits(sf_kept & 1.0f64.to_bits());
        let hit = mask(findings > 0.0);
        let points = p.penalty * findings;
        let sanction = select_mask(veto, f64::from_bits(hit & p.penalty.to_bits()), points);
        let score = select_mask(veto, raw, raw - points);
        let disqualified = veto & hit;
        // The tournament against the cut.
        let wins = no_cut | mask(score > cut_score) | (mask(score == cut_score) & tie_wins);
        let promoted = can_win & !disqualified & wins;
        // UtilityTerms::utility.
        let ld = s_plus_m[j] + sh.inspection_time;
        let mut u = terms.psi * y - terms.loss_aversion * sanction - terms.half_cost * ld * ld + terms.misconduct;
        u = select_mask(promoted, u + terms.prize, u);
        let bonus = bonus_on & !disqualified & mask(score >= terms.bonus_mark);
        u = select_mask(bonus, u + terms.bonus, u);
        let f_next = decay * fatigue + (ld - sustainable).max(0.0);
        u = select_mask(fat, u - terms.fatigue_cost * f_next, u);
        // The padding is 0 (a selection: a loop writing zeros would become a call to memset).
        pay[j] = select_mask(real[j], u, 0.0);
    }
}

/// Verified complaints: `Poisson((c0 + c_a*s + c1*exp(-beta*sat))*verify)` through the inverse
/// CDF at `u = (u, -ln u)`, with `base = c0 + c_a*s` computed once per effort level (with
/// `c_a = 0` it is `c0` exactly, so scenarios without activity complaints keep their values).
///
/// Most cadre-periods have no complaint: the rate is far below `-ln u`, and that is settled
/// without the exponential. With `D(t) = 1 - t + t^2/2 - t^3/6 <= exp(-t)` (for every `t`: the
/// series truncated after a negative term for `t >= 0`, or with all terms positive for `t < 0`),
/// `B = (1 + 1e-9)/D(t)` bounds the rounded `exp(t)` from above wherever `D(t) > 0`, e.g. for
/// `t <= 1.5`; the margin covers the few roundings in `D` (relative 1e-15) and the error of
/// our `exp` (at most one unit in the last place) many times over. The rate is a non-decreasing
/// function of the exponential (`c0`, `c1`, `verify` are non-negative and rounding is monotone),
/// so if the rate at `B` is at most `-ln u`, the rate at the exact value is too, and the count
/// is 0, as [`poisson_inv`] would find. Otherwise the rate is computed exactly as before.
#[inline(always)]
fn complaints(p: &Params, base: f64, satisfaction: f64, u: (f64, f64)) -> u32 {
    let t = -p.beta * satisfaction;
    let d = 1.0 - t + 0.5 * t * t - t * t * t / 6.0;
    let bound = (1.0 + 1e-9) / d;
    // `&` rather than `&&`: one predictable branch instead of a random one on the sign of t.
    if (t <= 1.5) & ((base + p.c1 * bound) * p.verify <= u.1) {
        return 0;
    }
    let complaint_rate = (base + p.c1 * exp(t)) * p.verify;
    poisson_inv(u.0, u.1, complaint_rate)
}

/// The regime's judgement of one action.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Judgement {
    /// Appraisal score before deductions, `w_m*z + w_y*y + w_s*sat`.
    pub raw_score: f64,
    /// Score used for ranking (after deductions under the points rule).
    pub score: f64,
    /// A shortfall (omission) was recorded.
    pub shortfall: bool,
    /// Findings not exempted.
    pub findings: u32,
    /// Findings exempted by the due-diligence review.
    pub exempted: u32,
    /// Misconduct findings exempted (misclassified as honest error).
    pub misconduct_exempted: u32,
    /// Sanctioned, and honest errors were among the unexempted findings.
    pub errors_sanctioned: bool,
    /// Sanction size (utility loss is `loss_aversion * sanction`).
    pub sanction: f64,
    /// Disqualified for this round (veto).
    pub disqualified: bool,
}

/// How the regime judges action (`s` = `e.s`, `m`) under the given shocks.
pub fn judge(p: &Params, m: f64, e: &EffortOutcome, sh: &Shocks) -> Judgement {
    LevelJudge::new(p, e, sh).judge(m)
}

/// The part of the regime's judgement that is the same for every materials choice `m` of one
/// effort level under one period's shocks: findings other than a shortfall, the review, and the
/// terms of the score that do not involve `m`. [`LevelJudge::judge`] finishes it for one `m`.
///
/// The engine judges the foregone actions of every cadre (up to 15 per period by default), most
/// of which share an effort level; this does the materials-independent work once per level.
/// [`judge`] goes through the same two steps, so both give bit-identical judgements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelJudge {
    /// `kappa * s`.
    kappa_s: f64,
    /// Materials-score shock `nu`.
    nu: f64,
    /// `w_m`.
    w_materials: f64,
    /// `w_y * y`.
    w_output_y: f64,
    /// `w_s * sat`.
    w_satisfaction_sat: f64,
    pass_mark: f64,
    /// Inspected and the shortfall draw succeeds: a score below the pass mark is recorded.
    shortfall_possible: bool,
    /// The due-diligence review exempts this cadre-period.
    review_exempts: bool,
    /// Unexempted findings other than a shortfall.
    kept: u32,
    /// Unexempted honest errors.
    err_kept: u32,
    /// Exempted findings other than a shortfall.
    exempted: u32,
    /// Exempted misconduct findings.
    misconduct_exempted: u32,
    rule: Rule,
    penalty: f64,
}

impl LevelJudge {
    /// Judges everything that does not depend on materials for effort outcome `e`.
    #[inline]
    pub fn new(p: &Params, e: &EffortOutcome, sh: &Shocks) -> Self {
        // One due-diligence review per cadre and period; it can exempt only a diligent cadre.
        let review_exempts = e.diligent && sh.u_review < p.exempt;
        let correct = sh.u_classify < p.review_accuracy;
        let errors_exempt = review_exempts && correct;
        let misconduct_exempt = review_exempts && !correct;
        let (err_kept, err_ex) = if errors_exempt { (0, e.errors) } else { (e.errors, 0) };
        let (mis_kept, mis_ex) = if misconduct_exempt { (0, sh.misconduct_found) } else { (sh.misconduct_found, 0) };
        LevelJudge {
            kappa_s: p.kappa * e.s,
            nu: sh.nu,
            w_materials: p.w_materials,
            w_output_y: p.w_output * e.y,
            w_satisfaction_sat: p.w_satisfaction * e.satisfaction,
            pass_mark: p.pass_mark,
            shortfall_possible: sh.visits > 0 && sh.u_shortfall < p.shortfall_detect,
            review_exempts,
            kept: e.complaints + err_kept + mis_kept,
            err_kept,
            exempted: err_ex + mis_ex,
            misconduct_exempted: mis_ex,
            rule: p.rule,
            penalty: p.penalty,
        }
    }

    /// The judgement of materials choice `m`.
    #[inline]
    pub fn judge(&self, m: f64) -> Judgement {
        // z = m + kappa*s + nu and S = w_m*z + w_y*y + w_s*sat, evaluated left to right.
        let z = m + self.kappa_s + self.nu;
        let raw_score = self.w_materials * z + self.w_output_y + self.w_satisfaction_sat;
        let shortfall = self.shortfall_possible && raw_score < self.pass_mark;
        let sf = u32::from(shortfall);
        let (sf_kept, sf_ex) = if self.review_exempts { (0, sf) } else { (sf, 0) };
        let findings = self.kept + sf_kept;
        let (sanction, score, disqualified) = match self.rule {
            Rule::Veto => {
                let hit = findings > 0;
                (if hit { self.penalty } else { 0.0 }, raw_score, hit)
            }
            Rule::Points => {
                let s = self.penalty * findings as f64;
                (s, raw_score - s, false)
            }
        };
        Judgement {
            raw_score,
            score,
            shortfall,
            findings,
            exempted: self.exempted + sf_ex,
            misconduct_exempted: self.misconduct_exempted,
            errors_sanctioned: self.err_kept > 0 && (sanction > 0.0 || disqualified),
            sanction,
            disqualified,
        }
    }
}

impl Judgement {
    /// Whether the cadre was sanctioned: disqualified by the veto (even at penalty 0) or
    /// charged a positive penalty.
    pub fn sanctioned(&self) -> bool {
        self.disqualified || self.sanction > 0.0
    }
}

/// Whether the bonus is paid for a judged action.
pub fn bonus_paid(p: &Params, j: &Judgement) -> bool {
    p.bonus > 0.0 && !j.disqualified && j.score >= p.bonus_mark
}

/// `if c { a } else { b }` for two already computed values, written so that the compiler emits a
/// conditional move rather than a branch.
#[inline(always)]
fn select(c: bool, a: f64, b: f64) -> f64 {
    f64::from_bits(select_bits(c, a.to_bits(), b.to_bits()))
}

/// A lane mask: all ones for `true`, all zeros for `false`.
#[inline(always)]
fn mask(c: bool) -> u64 {
    (c as u64).wrapping_neg()
}

/// `if m { a } else { b }` for a lane mask `m` ([`mask`]).
#[inline(always)]
fn select_mask(m: u64, a: f64, b: f64) -> f64 {
    f64::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

#[inline(always)]
fn select_bits(c: bool, a: u64, b: u64) -> u64 {
    let mask = (c as u64).wrapping_neg();
    (a & mask) | (b & !mask)
}

/// Time load `L = s + m + inspection time`.
pub fn load(s: f64, m: f64, sh: &Shocks) -> f64 {
    s + m + sh.inspection_time
}

/// Fatigue after a period with load `l`, starting from `f`.
pub fn fatigue_after(p: &Params, f: f64, l: f64) -> f64 {
    match p.fatigue {
        Some(fp) => fp.decay * f + (l - fp.sustainable).max(0.0),
        None => 0.0,
    }
}

/// Utility `psi*y + prize*promoted + bonus - lambda_L*sanction - k*L^2/2 + g*incidents - fatigue cost`.
#[allow(clippy::too_many_arguments)]
pub fn utility(p: &Params, t: &Traits, e: &EffortOutcome, j: &Judgement, promoted: bool, l: f64, fatigue: f64, sh: &Shocks) -> f64 {
    UtilityTerms::new(p, t, sh).utility(e.y, j, promoted, l, fatigue)
}

/// The parts of [`utility`] that are the same for every action of one cadre-period, so that the
/// foregone payoffs of all actions share them. [`utility`] goes through the same two steps, so
/// both give bit-identical utilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtilityTerms {
    psi: f64,
    loss_aversion: f64,
    /// `0.5 * k`.
    half_cost: f64,
    /// `g * incidents`.
    misconduct: f64,
    prize: f64,
    bonus: f64,
    bonus_mark: f64,
    /// Utility cost per unit of fatigue (0 and unused without fatigue).
    fatigue_cost: f64,
    fatigue: bool,
}

impl UtilityTerms {
    /// The action-independent terms for a cadre with traits `t` under shocks `sh`.
    #[inline]
    pub fn new(p: &Params, t: &Traits, sh: &Shocks) -> Self {
        UtilityTerms {
            psi: t.psi,
            loss_aversion: p.loss_aversion,
            half_cost: 0.5 * p.effort_cost,
            misconduct: p.misconduct_gain * sh.incidents as f64,
            prize: p.prize,
            bonus: p.bonus,
            bonus_mark: p.bonus_mark,
            fatigue_cost: p.fatigue.map_or(0.0, |f| f.cost),
            fatigue: p.fatigue.is_some(),
        }
    }

    /// Utility of an action with output `y`, judgement `j`, load `l` and resulting `fatigue`.
    #[inline]
    pub fn utility(&self, y: f64, j: &Judgement, promoted: bool, l: f64, fatigue: f64) -> f64 {
        // psi*y - lambda_L*sanction - 0.5*k*L*L + g*incidents, evaluated left to right.
        // The additions are selected rather than branched on (`u + 0.0` would not be exact for
        // `u = -0.0`): promotion and bonus outcomes are unpredictable across actions.
        let mut u = self.psi * y - self.loss_aversion * j.sanction - self.half_cost * l * l + self.misconduct;
        u = select(promoted, u + self.prize, u);
        // bonus_paid(), with the parameters held here.
        u = select(self.bonus > 0.0 && !j.disqualified && j.score >= self.bonus_mark, u + self.bonus, u);
        if self.fatigue {
            u -= self.fatigue_cost * fatigue;
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Resolved;

    fn params() -> Params {
        Params::from_resolved(&Resolved::defaults()).unwrap()
    }

    fn quiet() -> Shocks {
        Shocks {
            u_error: (0.5, -(0.5f64).ln()),
            u_complaint: (0.5, -(0.5f64).ln()),
            u_shortfall: 0.9,
            u_review: 0.9,
            u_classify: 0.1,
            ..Shocks::default()
        }
    }

    /// The one-step forms of effort_outcome, judge and utility that the engine used before they
    /// were split into per-model, per-level and per-action parts. The split forms must give
    /// bit-identical results.
    mod plain {
        use super::super::*;

        pub fn effort_outcome(p: &Params, t: &Traits, s: f64, innovate: bool, sh: &Shocks) -> EffortOutcome {
            let inn = if innovate { 1.0 } else { 0.0 };
            let y = t.ability * s * (1.0 + p.innovation_gain * inn) + sh.eps_y;
            let satisfaction = y + sh.eta;
            let error_rate = p.q * (p.b0 + p.b1 * s) * (1.0 + p.innovation_risk * inn) * sh.detection;
            let errors = poisson_inv(sh.u_error.0, sh.u_error.1, error_rate);
            let complaint_rate = (p.c0 + p.c_activity * s + p.c1 * exp(-p.beta * satisfaction)) * p.verify;
            let complaints = poisson_inv(sh.u_complaint.0, sh.u_complaint.1, complaint_rate);
            EffortOutcome { s, y, satisfaction, errors, complaints, diligent: s >= p.dd_threshold }
        }

        pub fn judge(p: &Params, m: f64, e: &EffortOutcome, sh: &Shocks) -> Judgement {
            let z = m + p.kappa * e.s + sh.nu;
            let raw_score = p.w_materials * z + p.w_output * e.y + p.w_satisfaction * e.satisfaction;
            let shortfall = sh.visits > 0 && raw_score < p.pass_mark && sh.u_shortfall < p.shortfall_detect;
            let review_exempts = e.diligent && sh.u_review < p.exempt;
            let correct = sh.u_classify < p.review_accuracy;
            let errors_exempt = review_exempts && correct;
            let misconduct_exempt = review_exempts && !correct;
            let sf = u32::from(shortfall);
            let (err_kept, err_ex) = if errors_exempt { (0, e.errors) } else { (e.errors, 0) };
            let (sf_kept, sf_ex) = if review_exempts { (0, sf) } else { (sf, 0) };
            let (mis_kept, mis_ex) = if misconduct_exempt { (0, sh.misconduct_found) } else { (sh.misconduct_found, 0) };
            let findings = e.complaints + err_kept + sf_kept + mis_kept;
            let (sanction, score, disqualified) = match p.rule {
                Rule::Veto => {
                    let hit = findings > 0;
                    (if hit { p.penalty } else { 0.0 }, raw_score, hit)
                }
                Rule::Points => {
                    let s = p.penalty * findings as f64;
                    (s, raw_score - s, false)
                }
            };
            Judgement {
                raw_score,
                score,
                shortfall,
                findings,
                exempted: err_ex + sf_ex + mis_ex,
                misconduct_exempted: mis_ex,
                errors_sanctioned: err_kept > 0 && (sanction > 0.0 || disqualified),
                sanction,
                disqualified,
            }
        }

        #[allow(clippy::too_many_arguments)]
        pub fn utility(p: &Params, t: &Traits, e: &EffortOutcome, j: &Judgement, promoted: bool, l: f64, fatigue: f64, sh: &Shocks) -> f64 {
            let mut u = t.psi * e.y - p.loss_aversion * j.sanction - 0.5 * p.effort_cost * l * l + p.misconduct_gain * sh.incidents as f64;
            if promoted {
                u += p.prize;
            }
            if bonus_paid(p, j) {
                u += p.bonus;
            }
            if let Some(fp) = p.fatigue {
                u -= fp.cost * fatigue;
            }
            u
        }
    }

    #[test]
    fn split_outcomes_judgements_and_utilities_are_bit_identical_to_the_plain_forms() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let base = params();
        let actions = crate::model::ActionSet::new(4, true, true);
        for case in 0..4000 {
            let mut p = base.clone();
            // Vary the parameters that select code paths and scale the arithmetic.
            p.rule = if case % 2 == 0 { Rule::Veto } else { Rule::Points };
            p.exempt = [0.0, 0.5, 1.0][case % 3];
            p.review_accuracy = [1.0, 0.7][case % 2];
            p.w_satisfaction = [0.0, 0.6][(case / 2) % 2];
            p.penalty = [2.0, 0.0, 0.7][(case / 3) % 3];
            p.bonus = [0.0, 0.5][(case / 5) % 2];
            p.bonus_mark = 0.4;
            p.q = [0.03, 0.5][(case / 7) % 2];
            p.fatigue =
                if case % 5 == 0 { Some(crate::model::Fatigue { sustainable: 0.6, decay: 0.8, cost: 0.5, limit: 1.0 }) } else { None };
            p.misconduct_gain = 0.5;
            let t = Traits { ability: 0.5 + rng.random::<f64>(), psi: rng.random::<f64>() * 0.4, corrupt: case % 4 == 0 };
            let sh = ShockTables::new(&p).draw(&mut rng, &p, t.corrupt);
            let terms = UtilityTerms::new(&p, &t, &sh);
            let levels: Vec<EffortLevel> = actions.levels.iter().map(|&(s, inn)| EffortLevel::new(&p, s, inn)).collect();
            let mut all = vec![EffortOutcome::default(); levels.len()];
            level_outcomes(&levels, &p, &t, &sh, &mut all, &mut [0.0; 16], 8);
            for (li, &(s, inn)) in actions.levels.iter().enumerate() {
                assert_eq!(format!("{:?}", all[li]), format!("{:?}", plain::effort_outcome(&p, &t, s, inn, &sh)));
                let want_e = plain::effort_outcome(&p, &t, s, inn, &sh);
                let got_e = EffortLevel::new(&p, s, inn).outcome(&p, &t, &sh);
                assert_eq!(format!("{got_e:?}"), format!("{want_e:?}"));
                assert_eq!(effort_outcome(&p, &t, s, inn, &sh), want_e);
                let lj = LevelJudge::new(&p, &got_e, &sh);
                for a in &actions.actions[actions.level_actions(li)] {
                    let want_j = plain::judge(&p, a.m, &want_e, &sh);
                    let got_j = lj.judge(a.m);
                    assert_eq!(format!("{got_j:?}"), format!("{want_j:?}"));
                    assert_eq!(judge(&p, a.m, &want_e, &sh), want_j);
                    let l = load(a.s, a.m, &sh);
                    let f = fatigue_after(&p, 0.3, l);
                    for promoted in [false, true] {
                        let want_u = plain::utility(&p, &t, &want_e, &want_j, promoted, l, f, &sh);
                        assert_eq!(terms.utility(got_e.y, &got_j, promoted, l, f).to_bits(), want_u.to_bits());
                        assert_eq!(utility(&p, &t, &want_e, &want_j, promoted, l, f, &sh).to_bits(), want_u.to_bits());
                    }
                }
            }
        }
    }

    /// Issue 11: the foregone payoffs in lanes equal the per-action judgement and utility.
    #[test]
    fn foregone_payoffs_in_lanes_equal_the_scalar_judgement_and_utility() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17);
        let base = params();
        for case in 0..3000 {
            let mut p = base.clone();
            p.rule = if case % 2 == 0 { Rule::Veto } else { Rule::Points };
            p.exempt = [0.0, 0.5, 1.0][case % 3];
            p.review_accuracy = [1.0, 0.7][(case / 3) % 2];
            p.w_satisfaction = [0.0, 0.6][(case / 2) % 2];
            p.penalty = [2.0, 0.0, 0.7][(case / 5) % 3];
            p.bonus = [0.0, 0.5][(case / 7) % 2];
            p.bonus_mark = 0.4;
            p.q = [0.03, 0.5][(case / 11) % 2];
            p.shortfall_detect = [0.0, 1.0][(case / 13) % 2];
            p.fatigue =
                if case % 5 == 0 { Some(crate::model::Fatigue { sustainable: 0.6, decay: 0.8, cost: 0.5, limit: 1.0 }) } else { None };
            p.misconduct_gain = 0.5;
            let actions = crate::model::ActionSet::new([4, 10, 2][case % 3], true, case % 4 == 1);
            let levels: Vec<EffortLevel> = actions.levels.iter().map(|&(s, inn)| EffortLevel::new(&p, s, inn)).collect();
            let lanes = ActionLanes::new(&p, &actions, &levels);
            let t = Traits { ability: 0.5 + rng.random::<f64>(), psi: rng.random::<f64>() * 0.4, corrupt: case % 4 == 0 };
            let sh = ShockTables::new(&p).draw(&mut rng, &p, t.corrupt);
            let fatigue = rng.random::<f64>();
            // Cuts around the scores that occur, with ties, and no cut at all.
            let cut = match case % 4 {
                0 => None,
                1 => Some((0.3, 5)),
                2 => Some((rng.random::<f64>() - 0.2, 0)),
                _ => Some((p.w_materials * (0.25 + p.kappa * 0.5 + sh.nu), 7)),
            };
            let pc = PromotionCut { can_win: case % 6 != 5, cut, index: (case % 9) as u32 };
            let mut out = vec![EffortOutcome::default(); levels.len()];
            level_outcomes(&levels, &p, &t, &sh, &mut out, &mut vec![0.0; levels.len().div_ceil(8) * 8], 8);
            // The findings in lanes are those LevelJudge counts from each level's outcome.
            let len = lanes.padded_len();
            let mut kept = vec![f64::NAN; len];
            let mut ex = vec![f64::NAN; lanes.padded_levels()];
            level_exponents(&lanes, &p, &t, &sh, &mut ex);
            crate::math::elementary::exp_in_place(&mut ex);
            let nl = lanes.padded_levels();
            kept_findings(&lanes, &p, &sh, &ex, &mut vec![0.0; nl], &mut vec![0.0; nl], &mut kept);
            for (li, e) in out.iter().enumerate() {
                let with = levels[li].outcome_with(&p, &t, &sh, ex[li]);
                assert_eq!(format!("{with:?}"), format!("{e:?}"), "case {case} level {li}");
            }
            for (j, a) in actions.actions.iter().enumerate() {
                let lj = LevelJudge::new(&p, &out[a.level], &sh);
                assert_eq!(kept[j].to_bits(), f64::from(lj.kept).to_bits(), "case {case} action {j}");
            }
            let mut pay = vec![f64::NAN; len];
            foregone_payoffs(&lanes, &p, &t, &sh, fatigue, &pc, &kept, &mut pay);
            let terms = UtilityTerms::new(&p, &t, &sh);
            for (j, a) in actions.actions.iter().enumerate() {
                let e = out[a.level];
                let jk = LevelJudge::new(&p, &e, &sh).judge(a.m);
                let wins = pc.cut.is_none_or(|(cs, ci)| jk.score > cs || (jk.score == cs && pc.index < ci));
                let promoted = pc.can_win && !jk.disqualified && wins;
                let l = load(a.s, a.m, &sh);
                let want = terms.utility(e.y, &jk, promoted, l, fatigue_after(&p, fatigue, l));
                assert_eq!(pay[j].to_bits(), want.to_bits(), "case {case} action {j}: {} vs {want}", pay[j]);
            }
            assert!(pay[actions.len()..].iter().all(|&x| x.to_bits() == 0), "padding must stay 0");
        }
    }

    #[test]
    fn complaints_without_the_exponential_match_the_exact_rate() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        // The bound used to skip the exponential is above the rounded exponential.
        for i in 0..200_000 {
            let t = if i % 2 == 0 { -800.0 + 801.5 * rng.random::<f64>() } else { 1.5 - 3.0 * rng.random::<f64>() };
            let d = 1.0 - t + 0.5 * t * t - t * t * t / 6.0;
            assert!((1.0 + 1e-9) / d >= exp(t), "t = {t}");
        }
        // And the counts are those of the exact rate, including at the extremes.
        let mut p = params();
        for i in 0..200_000 {
            p.c0 = [0.0, 0.02, 1.0][i % 3];
            p.c1 = [0.0, 0.1, 5.0][(i / 3) % 3];
            p.beta = [0.0, 2.0, 20.0][(i / 9) % 3];
            p.verify = [0.0, 0.5, 1.0][(i / 27) % 3];
            let sat = (rng.random::<f64>() - 0.5) * [1.0, 6.0, 100.0][i % 3];
            let u = if i % 101 == 0 { 1.0 } else { 1.0 - rng.random::<f64>() };
            let base = p.c0 + [0.0, 0.4][(i / 81) % 2] * 0.75;
            let exact = poisson_inv(u, -u.ln(), (base + p.c1 * exp(-p.beta * sat)) * p.verify);
            assert_eq!(complaints(&p, base, sat, (u, -u.ln())), exact, "sat {sat} u {u} {p:?}");
        }
    }

    #[test]
    fn table_draws_equal_the_first_entry_not_below_the_uniform() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(23);
        for rate in [0.0, 0.01, 0.45, 1.0, 3.0, 20.0, 150.0] {
            let cdf = poisson_cdf_table(rate);
            for i in 0..20_000 {
                let u = match i {
                    0 => 0.0,
                    1 => 1.0 - f64::EPSILON / 2.0,
                    2..=30 => cdf[(i - 2) % cdf.len()],
                    _ => rng.random(),
                };
                let want = match cdf.iter().position(|&c| u <= c) {
                    Some(k) => k as u32,
                    None => (rate + rate.sqrt() * norm_inv(u)).round().max(0.0) as u32,
                };
                assert_eq!(draw_from_table(&cdf, rate, u), want, "rate {rate} u {u}");
            }
        }
    }

    #[test]
    fn own_powi_equals_the_standard_librarys() {
        for x in [0.0, 0.3, 0.55, 1.0, 0.999_999, 1.0 / 3.0, 7.5] {
            for n in 0..200u32 {
                assert_eq!(powi(x, n).to_bits(), x.powi(n as i32).to_bits(), "{x}^{n}");
            }
        }
    }

    #[test]
    fn poisson_inverse_matches_the_cdf() {
        // lambda = 1: P(0) = 0.3679, P(<=1) = 0.7358, P(<=2) = 0.9197.
        let inv = |u: f64| poisson_inv(u, -u.ln(), 1.0);
        assert_eq!(inv(0.30), 0);
        assert_eq!(inv(0.50), 1);
        assert_eq!(inv(0.80), 2);
        assert_eq!(inv(0.95), 3);
        assert_eq!(poisson_inv(0.99, -(0.99f64).ln(), 0.0), 0);
        // Monotone in lambda for a fixed uniform.
        let u = 0.97;
        let counts: Vec<u32> = [0.1, 0.5, 1.0, 2.0, 5.0].iter().map(|&l| poisson_inv(u, -u.ln(), l)).collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        // Mean of the inverse over a fine grid of uniforms is lambda.
        let n = 200_000;
        let mean: f64 = (0..n).map(|i| (i as f64 + 0.5) / n as f64).map(|u| poisson_inv(u, -u.ln(), 2.5) as f64).sum::<f64>() / n as f64;
        assert!((mean - 2.5).abs() < 1e-3, "{mean}");
    }

    #[test]
    fn output_materials_satisfaction_formulas() {
        let p = params();
        let t = Traits { ability: 1.2, psi: 0.3, corrupt: false };
        let sh = Shocks { eps_y: 0.1, nu: -0.05, eta: 0.2, ..quiet() };
        let e = effort_outcome(&p, &t, 0.5, false, &sh);
        assert!((e.y - (1.2 * 0.5 + 0.1)).abs() < 1e-12);
        assert!((e.satisfaction - (e.y + 0.2)).abs() < 1e-12);
        let j = judge(&p, 0.25, &e, &sh);
        let z = 0.25 + 0.2 * 0.5 - 0.05;
        assert!((j.raw_score - (0.6 * z + 0.4 * e.y)).abs() < 1e-12);
        let inn = effort_outcome(&p, &t, 0.5, true, &sh);
        assert!((inn.y - (1.2 * 0.5 * 1.3 + 0.1)).abs() < 1e-12);
    }

    #[test]
    fn errors_grow_with_work_and_detection() {
        let p = params();
        let t = Traits { ability: 1.0, psi: 0.0, corrupt: false };
        let u: f64 = 0.9;
        let sh = Shocks { detection: 1.0, u_error: (u, -u.ln()), ..quiet() };
        // rate q*(b0+b1*s)*D: s = 0 -> 0.06 (no error at u = 0.9), s = 1 -> 0.6 (P(0) = 0.549, P(<=1) = 0.878, so 2).
        assert_eq!(effort_outcome(&p, &t, 0.0, false, &sh).errors, 0);
        assert_eq!(effort_outcome(&p, &t, 1.0, false, &sh).errors, 2);
        let blind = Shocks { detection: 0.0, ..sh };
        assert_eq!(effort_outcome(&p, &t, 1.0, false, &blind).errors, 0);
    }

    #[test]
    fn activity_complaints_rise_with_substantive_work() {
        // With c1 = 0 the rate is (c0 + c_a*s)*verify whatever the satisfaction: at u = e^-1.2
        // (so -ln u = 1.2) the count is the Poisson inverse CDF at that exact rate.
        let mut p = params();
        p.c0 = 0.0;
        p.c1 = 0.0;
        p.c_activity = 4.0;
        p.verify = 0.5;
        let t = Traits { ability: 1.0, psi: 0.0, corrupt: false };
        let u = (-1.2f64).exp();
        let sh = Shocks { u_complaint: (u, 1.2), ..quiet() };
        let count = |p: &Params, s: f64| effort_outcome(p, &t, s, false, &sh).complaints;
        assert_eq!(count(&p, 0.0), 0);
        for s in [0.25, 0.5, 0.75, 1.0] {
            assert_eq!(count(&p, s), poisson_inv(u, 1.2, 4.0 * s * 0.5), "s = {s}");
        }
        assert!(count(&p, 1.0) > count(&p, 0.25), "{} vs {}", count(&p, 1.0), count(&p, 0.25));
        p.c_activity = 0.0;
        assert_eq!(count(&p, 1.0), 0);
    }

    #[test]
    fn complaints_fall_with_satisfaction() {
        let p = params();
        let t = Traits { ability: 1.0, psi: 0.0, corrupt: false };
        let u: f64 = 0.95;
        // rate (c0 + c1*exp(-beta*sat))*verify: sat = -2 -> (0.02 + 0.1*e^4)*0.5 = 2.74; sat = 2 -> 0.011.
        let low = Shocks { eps_y: -2.0, u_complaint: (u, -u.ln()), ..quiet() };
        let high = Shocks { eps_y: 2.0, ..low };
        assert!(effort_outcome(&p, &t, 0.0, false, &low).complaints >= 4);
        assert_eq!(effort_outcome(&p, &t, 0.0, false, &high).complaints, 0);
    }

    #[test]
    fn veto_sanctions_once_and_disqualifies_points_deduct_each() {
        let mut p = params();
        let e = EffortOutcome { s: 0.75, y: 1.0, satisfaction: 1.0, errors: 2, complaints: 1, diligent: true };
        let sh = quiet();
        let j = judge(&p, 0.25, &e, &sh);
        assert_eq!(j.findings, 3);
        assert_eq!(j.sanction, 2.0);
        assert!(j.disqualified && j.errors_sanctioned);
        assert_eq!(j.score, j.raw_score);
        p.rule = Rule::Points;
        let j = judge(&p, 0.25, &e, &sh);
        assert_eq!(j.sanction, 6.0);
        assert!(!j.disqualified);
        assert!((j.score - (j.raw_score - 6.0)).abs() < 1e-12);
    }

    #[test]
    fn exemption_needs_due_diligence_and_spares_complaints() {
        let mut p = params();
        p.exempt = 1.0;
        let sh = Shocks { visits: 1, u_shortfall: 0.0, ..quiet() };
        let diligent = EffortOutcome { s: 0.5, y: -5.0, satisfaction: 0.0, errors: 1, complaints: 0, diligent: true };
        let j = judge(&p, 0.0, &diligent, &sh);
        assert!(j.shortfall);
        assert_eq!((j.findings, j.exempted, j.sanction), (0, 2, 0.0));
        let idle = EffortOutcome { s: 0.25, diligent: false, ..diligent };
        let j = judge(&p, 0.0, &idle, &sh);
        assert_eq!((j.findings, j.exempted), (2, 0));
        let complained = EffortOutcome { complaints: 1, ..diligent };
        let j = judge(&p, 0.0, &complained, &sh);
        assert_eq!((j.findings, j.exempted), (1, 2));
        assert!(!j.errors_sanctioned);
    }

    #[test]
    fn review_misclassification_swaps_errors_and_misconduct() {
        let mut p = params();
        p.exempt = 1.0;
        p.review_accuracy = 0.0;
        let sh = Shocks { misconduct_found: 1, u_classify: 0.5, ..quiet() };
        let e = EffortOutcome { s: 1.0, y: 1.0, satisfaction: 1.0, errors: 1, complaints: 0, diligent: true };
        let j = judge(&p, 0.0, &e, &sh);
        // The honest error is taken for misconduct (kept), the misconduct for an error (exempted).
        assert_eq!((j.findings, j.exempted, j.misconduct_exempted), (1, 1, 1));
        assert!(j.errors_sanctioned);
    }

    #[test]
    fn utility_adds_up_its_parts() {
        let mut p = params();
        p.bonus = 1.5;
        p.bonus_mark = 0.0;
        let t = Traits { ability: 1.0, psi: 0.3, corrupt: true };
        let e = EffortOutcome { s: 0.5, y: 0.8, satisfaction: 0.8, errors: 0, complaints: 0, diligent: true };
        let sh = Shocks { incidents: 2, inspection_time: 0.05, ..quiet() };
        let j = judge(&p, 0.25, &e, &sh);
        let l = load(0.5, 0.25, &sh);
        assert!((l - 0.8).abs() < 1e-12);
        let u = utility(&p, &t, &e, &j, true, l, 0.0, &sh);
        let expect = 0.3 * 0.8 + 5.0 + 1.5 - 0.0 - 0.5 * 0.64 + 0.5 * 2.0;
        assert!((u - expect).abs() < 1e-12, "{u} vs {expect}");
    }

    #[test]
    fn fatigue_accumulates_above_the_sustainable_load() {
        let mut p = params();
        assert_eq!(fatigue_after(&p, 0.3, 2.0), 0.0);
        p.fatigue = Some(super::super::Fatigue { sustainable: 0.8, decay: 0.5, cost: 1.0, limit: 1.0 });
        assert!((fatigue_after(&p, 0.4, 1.0) - (0.2 + 0.2)).abs() < 1e-12);
        assert!((fatigue_after(&p, 0.4, 0.5) - 0.2).abs() < 1e-12);
    }
}
