//! A township: its cadres, their learning state, and one period of the model for all of them.
//!
//! A period runs in three passes over the township's cadres:
//! 1. each cadre's shocks are drawn and its chosen action is judged (with foregone payoffs, the
//!    complaint exponentials of every level of every cadre are taken first, in one vector loop);
//! 2. promotion slots go to the best eligible scores (no ranking is built without slots unless
//!    the township is watched); for EWA with `delta > 0`, the foregone payoff of every action of
//!    every cadre under the same shocks, with the peers' realised scores held fixed, is computed
//!    in a loop of its own (2a); then every cadre's realised payoff (and its foregone payoffs)
//!    updates its learning state;
//! 3. burnouts are replaced, peers are imitated and next period's actions are drawn.
//!
//! All draws come from the township-period stream in a fixed order; scratch buffers are reused,
//! so the period loop allocates nothing per cadre.
//!
//! Vector lanes: each cadre's attractions are stored with a stride rounded up to a multiple of
//! [`LANES`] (the padding stays 0), so that the EWA update and the logit weights run over whole
//! vector registers; the two `-ln u` of every cadre's shocks are taken for the whole township
//! at once. The period is compiled once per instruction set ([`super::simd::Isa`]) and
//! [`Township::step`] runs the one the [`Model`] selected; all give bit-identical results.
//!
//! The next period's action of every cadre is drawn in one place, [`draw_action`].

use rand::Rng;

use super::rng::{stream, Stream, INIT_PERIOD};
use super::simd::Isa;
use super::Model;
use crate::math::elementary::exp_in_place;
use crate::metrics::Accum;
use crate::model::learning::{
    ewa_update_chosen, ewa_update_realised, imitation_probability, logit_choice, logit_choice_lanes, proportional_choice, roth_erev_update,
    LANES,
};
use crate::model::outcome::{
    fatigue_after, foregone_payoffs, kept_findings, level_exponents, load, neg_ln_uniforms, EffortOutcome, Judgement, LevelJudge,
    PromotionCut, Shocks, Traits, UtilityTerms,
};
use crate::model::{LearningRule, Rule};

/// Marks "no imitation pending".
const NO_COPY: u32 = u32::MAX;

/// One cadre's state between periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadre {
    /// Ability `a`.
    pub ability: f64,
    /// Public-service motivation `psi`.
    pub psi: f64,
    /// Misconduct type.
    pub corrupt: bool,
    /// Periods of promotion block left.
    pub block_left: u32,
    /// Promotions won.
    pub rank: u32,
    /// Fatigue.
    pub fatigue: f64,
    /// EWA experience weight `N`.
    pub experience: f64,
    /// Action for the coming period.
    pub action: u32,
    /// Realised utility of the last period.
    pub payoff: f64,
    /// Periods served since the cadre took the post.
    pub tenure: u32,
    /// Action taken in the last period.
    pub last_action: u32,
    /// Sanctioned in the last period.
    pub last_sanctioned: bool,
    /// Promoted in the last period.
    pub last_promoted: bool,
}

impl Cadre {
    fn traits(&self) -> Traits {
        Traits { ability: self.ability, psi: self.psi, corrupt: self.corrupt }
    }
}

/// Per-thread working memory for stepping a township (contents never carry over between
/// townships, so how townships are batched onto threads cannot change results).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    shocks: Vec<Shocks>,
    effort: Vec<EffortOutcome>,
    judged: Vec<Judgement>,
    actions: Vec<u32>,
    payoffs: Vec<f64>,
    ranking: Vec<(f64, u32)>,
    position: Vec<u32>,
    /// The payoffs of every action of every cadre, `stride(actions)` apart.
    pays: Vec<f64>,
    logs: Vec<f64>,
    /// The complaint exponentials of every level of every cadre ([`level_exponents`]), one
    /// cadre's right after the other's (no padding between cadres, so no exponential is taken for
    /// nothing), with one padded row's worth of room at the end.
    level_exp: Vec<f64>,
    level_work: Vec<f64>,
    /// Each level's unexempted findings other than a shortfall ([`kept_findings`]).
    kept: Vec<f64>,
    /// The same, per action.
    kept_actions: Vec<f64>,
    /// Cadres whose logit choice is still to be made, with their uniforms.
    pending: Vec<(u32, f64)>,
    /// Working memory of [`logit_choice_lanes`], one row per action.
    block: Vec<[f64; LANES]>,
}

/// Distance between two cadres' attractions: the number of actions rounded up to whole lanes.
fn stride(n_actions: usize) -> usize {
    n_actions.div_ceil(LANES) * LANES
}

impl Scratch {
    fn prepare(&mut self, cadres: usize, model: &Model) {
        self.shocks.resize(cadres, Shocks::default());
        self.effort.resize(cadres, EffortOutcome::default());
        self.judged.resize(cadres, Judgement::default());
        self.actions.resize(cadres, 0);
        self.payoffs.resize(cadres, 0.0);
        self.position.resize(cadres, 0);
        // `foregone_payoffs` sets the padding to 0 (as the attractions' padding).
        self.pays.resize(cadres * stride(model.actions.len()), 0.0);
        self.level_exp.resize(cadres * model.levels.len() + model.lanes.padded_levels(), 0.0);
        self.level_work.resize(model.lanes.padded_levels(), 0.0);
        self.kept.resize(model.lanes.padded_levels(), 0.0);
        self.kept_actions.resize(model.lanes.padded_len(), 0.0);
        self.block.resize(model.actions.len(), [0.0; LANES]);
        self.ranking.clear();
    }
}

/// The whole-number sums of a township-period, counted as integers and converted once (adding
/// 0s and 1s in floating point is exact below 2^53, so the result is the same as adding them to
/// the [`Accum`] one by one, without a conversion and a floating-point add per field and cadre).
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    n: u64,
    avoiders: u64,
    diligent: u64,
    minimal: u64,
    innovating: u64,
    errors: u64,
    shortfalls: u64,
    complaints: u64,
    misconduct: u64,
    misconduct_exempted: u64,
    sanctioned: u64,
    exemptions: u64,
    wrongful: u64,
    sanctioned_diligent: u64,
    sanctioned_avoiders: u64,
    promoted: u64,
    blocked: u64,
    burnouts: u64,
}

impl Counts {
    /// Stores the counts in an accumulator whose count fields are still zero.
    fn add_to(&self, acc: &mut Accum) {
        let f = |x: u64| x as f64;
        acc.n += f(self.n);
        acc.avoiders += f(self.avoiders);
        acc.diligent += f(self.diligent);
        acc.minimal += f(self.minimal);
        acc.innovating += f(self.innovating);
        acc.errors += f(self.errors);
        acc.shortfalls += f(self.shortfalls);
        acc.complaints += f(self.complaints);
        acc.misconduct += f(self.misconduct);
        acc.misconduct_exempted += f(self.misconduct_exempted);
        acc.sanctioned += f(self.sanctioned);
        acc.exemptions += f(self.exemptions);
        acc.wrongful += f(self.wrongful);
        acc.sanctioned_diligent += f(self.sanctioned_diligent);
        acc.sanctioned_avoiders += f(self.sanctioned_avoiders);
        acc.promoted += f(self.promoted);
        acc.blocked += f(self.blocked);
        acc.burnouts += f(self.burnouts);
    }
}

/// A township of cadres.
#[derive(Debug, Clone, PartialEq)]
pub struct Township {
    /// Index among all townships of the population.
    pub id: usize,
    /// County it belongs to.
    pub county: usize,
    /// Its cadres.
    pub cadres: Vec<Cadre>,
    /// Attractions (EWA) or propensities (Roth-Erev), `actions` per cadre, each cadre's starting
    /// at a multiple of `stride(actions)` (the padding is 0).
    attractions: Vec<f64>,
    /// Front-end hook: this period's record of every cadre, kept only while watched.
    watched: Option<Vec<CadreMonth>>,
}

/// What happened to one cadre in one period, recorded only for a township that a front end
/// watches ([`Township::set_watch`]); the period loop never reads it, so watching cannot
/// change results.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CadreMonth {
    /// Index of the action taken.
    pub action: u32,
    /// Inspection visits received.
    pub visits: u32,
    /// Honest errors made (before detection).
    pub errors: u32,
    /// Verified complaints.
    pub complaints: u32,
    /// What the regime made of it: findings, exemptions, score, sanction, veto.
    pub judgement: Judgement,
    /// Position among the cadres eligible for promotion (0 = best), if eligible.
    pub position: Option<u32>,
    /// Promoted this period.
    pub promoted: bool,
    /// Output `y`.
    pub output: f64,
    /// Villagers' satisfaction.
    pub satisfaction: f64,
    /// Realised utility.
    pub payoff: f64,
}

impl Township {
    /// Draws a township's initial cadres.
    pub fn new(model: &Model, seed: u64, rep: u64, id: usize, county: usize) -> Self {
        let p = &model.params;
        let a = model.actions.len();
        let w = stride(a);
        let mut rng = stream(seed, rep, id as u64, INIT_PERIOD);
        let mut t = Township { id, county, cadres: Vec::with_capacity(p.cadres), attractions: vec![0.0; p.cadres * w], watched: None };
        for i in 0..p.cadres {
            let c = new_cadre(model, &mut rng, &mut t.attractions[i * w..i * w + a]);
            t.cadres.push(c);
        }
        t
    }

    /// The attractions (or propensities) of cadre `i`.
    pub fn attractions(&self, i: usize, n_actions: usize) -> &[f64] {
        let w = stride(n_actions);
        &self.attractions[i * w..i * w + n_actions]
    }

    /// Front-end hook: records (or stops recording) what happens to each cadre every period.
    pub fn set_watch(&mut self, on: bool) {
        self.watched = on.then(|| vec![CadreMonth::default(); self.cadres.len()]);
    }

    /// The last period's record of each cadre, if the township is watched and has run a period.
    pub fn watched(&self) -> Option<&[CadreMonth]> {
        self.watched.as_deref()
    }

    /// Front-end hook ("play a cadre"): replaces the action cadre `i` drew for the coming period
    /// (drawn at the end of [`Township::step`]). Panics if `i` or `action` is out of range; use
    /// [`super::Replication::force_action`], which checks.
    pub fn force_action(&mut self, i: usize, action: u32) {
        self.cadres[i].action = action;
    }

    /// Runs one period and returns the township's sums, on the instruction set the model
    /// selected ([`Model::isa`]).
    pub fn step(&mut self, model: &Model, seed: u64, rep: u64, period: usize, scratch: &mut Scratch) -> Accum {
        match model.isa() {
            // SAFETY: a `Model` only ever holds an instruction set this CPU has
            // (`Isa::detect`, or `Model::with_isa`, which checks `Isa::is_available`).
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { self.step_avx512(model, seed, rep, period, scratch) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { self.step_avx2(model, seed, rep, period, scratch) },
            _ => self.step_kernel(model, seed, rep, period, scratch),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn step_avx2(&mut self, model: &Model, seed: u64, rep: u64, period: usize, scratch: &mut Scratch) -> Accum {
        self.step_kernel(model, seed, rep, period, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn step_avx512(&mut self, model: &Model, seed: u64, rep: u64, period: usize, scratch: &mut Scratch) -> Accum {
        self.step_kernel(model, seed, rep, period, scratch)
    }

    /// One period, inlined into each instruction set's copy.
    #[inline(always)]
    fn step_kernel(&mut self, model: &Model, seed: u64, rep: u64, period: usize, scratch: &mut Scratch) -> Accum {
        let p = &model.params;
        let n = self.cadres.len();
        let na = model.actions.len();
        let w = stride(na);
        scratch.prepare(n, model);
        let mut rng = stream(seed, rep, self.id as u64, period as u64);
        let slots = model.tables.draw_slots(&mut rng);

        // Pass 1: shocks (their logarithms for the whole township at once) and the judgement of
        // each chosen action.
        for (i, c) in self.cadres.iter().enumerate() {
            model.tables.draw_into(&mut rng, p, c.corrupt, &mut scratch.shocks[i]);
        }
        neg_ln_uniforms(&mut scratch.shocks[..n], &mut scratch.logs);
        let foregone = p.learning.rule == LearningRule::Ewa && p.learning.delta > 0.0;
        let nl = model.lanes.padded_levels();
        let nlev = model.levels.len();
        if foregone {
            // The complaint exponentials of every level of every cadre, in one vector loop.
            // Each cadre's padded row is written from its first level on, so its padding is
            // overwritten by the next cadre's levels.
            for (i, c) in self.cadres.iter().enumerate() {
                level_exponents(&model.lanes, p, &c.traits(), &scratch.shocks[i], &mut scratch.level_exp[i * nlev..i * nlev + nl]);
            }
            for lanes in scratch.level_exp[..(n * nlev).div_ceil(LANES) * LANES].chunks_exact_mut(LANES) {
                exp_in_place(lanes);
            }
        }
        for (i, c) in self.cadres.iter().enumerate() {
            let act = model.actions.actions[c.action as usize];
            let sh = &scratch.shocks[i];
            let level = &model.levels[act.level];
            let e = if foregone {
                level.outcome_with(p, &c.traits(), sh, scratch.level_exp[i * nlev + act.level])
            } else {
                level.outcome(p, &c.traits(), sh)
            };
            scratch.judged[i] = LevelJudge::new(p, &e, sh).judge(act.m);
            scratch.effort[i] = e;
            scratch.actions[i] = c.action;
        }

        // Promotion tournament: best scores among eligible cadres, ties to the lower index.
        // Without slots nobody is promoted and no cut exists, so the ranking is only needed for a
        // watched township's record of positions (most township-periods have no slot).
        scratch.position.iter_mut().for_each(|x| *x = u32::MAX);
        if slots > 0 || self.watched.is_some() {
            for (i, c) in self.cadres.iter().enumerate() {
                if c.block_left == 0 && !scratch.judged[i].disqualified {
                    scratch.ranking.push((scratch.judged[i].score, i as u32));
                }
            }
            rank(&mut scratch.ranking, &mut scratch.position, slots, self.watched.is_some());
        }

        // Pass 2a: the foregone payoffs of every cadre (their findings of all levels together,
        // then the judgements and utilities of all actions, both in vector lanes), in a loop of
        // their own whose iterations do not depend on each other. The chosen action is evaluated
        // like the others (no unpredictable branch on it) and given its realised payoff below.
        if foregone {
            for (i, c) in self.cadres.iter().enumerate() {
                let cut = promotion_cut(&scratch.ranking, slots, scratch.position[i] as usize);
                let pc = PromotionCut { can_win: c.block_left == 0 && slots > 0, cut, index: i as u32 };
                let sh = &scratch.shocks[i];
                let ex = &scratch.level_exp[i * nlev..i * nlev + nl];
                kept_findings(&model.lanes, p, sh, ex, &mut scratch.level_work, &mut scratch.kept, &mut scratch.kept_actions);
                let pay = &mut scratch.pays[i * w..(i + 1) * w];
                foregone_payoffs(&model.lanes, p, &c.traits(), sh, c.fatigue, &pc, &scratch.kept_actions, pay);
            }
        }

        // Pass 2: payoffs, learning, state.
        let mut acc = Accum::default();
        let mut counts = Counts::default();
        // Slices of the township's length, so that indexing them by a cadre needs no bounds check.
        let (shocks, actions, effort, judged) = (&scratch.shocks[..n], &scratch.actions[..n], &scratch.effort[..n], &scratch.judged[..n]);
        let (position, payoffs, pays) = (&scratch.position[..n], &mut scratch.payoffs[..n], &scratch.pays[..n * w]);
        let (cadres, attractions) = (&mut self.cadres[..n], &mut self.attractions[..n * w]);
        for i in 0..n {
            let c = cadres[i];
            let traits = c.traits();
            let sh = shocks[i];
            let chosen = actions[i] as usize;
            let act = model.actions.actions[chosen];
            let e = effort[i];
            let j = judged[i];
            let pos = position[i] as usize;
            let promoted = pos < slots;
            let l = load(act.s, act.m, &sh);
            let f_next = fatigue_after(p, c.fatigue, l);
            // With foregone payoffs, pass 2a has computed the chosen action's utility with the
            // others: the same operations on the same judgement, and a promotion against the same
            // cut (tested: `foregone_payoffs_in_lanes_equal_the_scalar_judgement_and_utility`
            // and `partial_ranking_agrees_with_the_full_sort_where_the_period_reads_it`), so it
            // is read rather than computed again.
            let u = if foregone { pays[i * w + chosen] } else { UtilityTerms::new(p, &traits, &sh).utility(e.y, &j, promoted, l, f_next) };

            let attr = &mut attractions[i * w..(i + 1) * w];
            let cadre = &mut cadres[i];
            match p.learning.rule {
                LearningRule::Ewa if foregone => {
                    let pay = &pays[i * w..(i + 1) * w];
                    let (phi, rho, delta) = (p.learning.phi, p.learning.rho, p.learning.delta);
                    ewa_update_realised(attr, &mut cadre.experience, chosen, pay, u, phi, rho, delta);
                }
                LearningRule::Ewa => ewa_update_chosen(attr, &mut cadre.experience, chosen, u, p.learning.phi, p.learning.rho),
                LearningRule::RothErev => {
                    let reward = (u + p.learning.re_shift).max(0.0);
                    roth_erev_update(&mut attr[..na], chosen, reward, p.learning.re_recency, p.learning.re_experiment);
                }
                LearningRule::Imitation => {}
            }

            // Sums for the outputs.
            let sanctioned = j.sanctioned();
            let avoider = act.s < p.avoider_below;
            let diligent = act.s >= p.diligent_from;
            let pr = f64::from(u8::from(promoted));
            counts.n += 1;
            acc.s += act.s;
            acc.m += act.m;
            acc.s2 += act.s * act.s;
            acc.y += e.y;
            acc.satisfaction += e.satisfaction;
            acc.score += j.score;
            counts.avoiders += u64::from(avoider);
            counts.diligent += u64::from(diligent);
            counts.minimal += u64::from(!avoider && !diligent);
            counts.innovating += u64::from(act.innovate);
            counts.errors += u64::from(e.errors);
            counts.shortfalls += u64::from(j.shortfall);
            counts.complaints += u64::from(e.complaints);
            counts.misconduct += u64::from(sh.misconduct_found);
            counts.misconduct_exempted += u64::from(j.misconduct_exempted);
            counts.sanctioned += u64::from(sanctioned);
            acc.sanction_size += j.sanction;
            counts.exemptions += u64::from(j.exempted);
            counts.wrongful += u64::from(e.diligent && j.errors_sanctioned);
            counts.sanctioned_diligent += u64::from(diligent && sanctioned);
            counts.sanctioned_avoiders += u64::from(avoider && sanctioned);
            counts.promoted += u64::from(promoted);
            acc.promoted_s += pr * act.s;
            acc.ability += c.ability;
            acc.ability2 += c.ability * c.ability;
            acc.promoted_ability += pr * c.ability;
            acc.inspection_time += sh.inspection_time;
            acc.load += l;
            acc.utility += u;
            counts.blocked += u64::from(c.block_left > 0);
            acc.fatigue += f_next;

            // State for the next period.
            cadre.block_left = if p.rule == Rule::Veto && j.disqualified { p.block } else { c.block_left.saturating_sub(1) };
            cadre.rank += u32::from(promoted);
            cadre.fatigue = f_next;
            cadre.payoff = u;
            payoffs[i] = u;
            cadre.tenure += 1;
            cadre.last_action = chosen as u32;
            cadre.last_sanctioned = sanctioned;
            cadre.last_promoted = promoted;
            // Front-end hook: the record of a watched township (never read by the model).
            if let Some(w) = self.watched.as_mut() {
                let position = (pos != u32::MAX as usize).then_some(pos as u32);
                w[i] = CadreMonth {
                    action: chosen as u32,
                    visits: sh.visits,
                    errors: e.errors,
                    complaints: e.complaints,
                    judgement: j,
                    position,
                    promoted,
                    output: e.y,
                    satisfaction: e.satisfaction,
                    payoff: u,
                };
            }
        }

        // Pass 3: burnout and replacement, imitation, next period's action. The random draws
        // are taken cadre by cadre in stream order; logit choices, which take no draws of
        // their own, are then made for eight cadres at a time in vector lanes.
        scratch.pending.clear();
        for i in 0..n {
            let attr = &mut self.attractions[i * w..i * w + na];
            if let Some(fp) = p.fatigue {
                if self.cadres[i].fatigue > fp.limit {
                    self.cadres[i] = new_cadre(model, &mut rng, attr);
                    counts.burnouts += 1;
                    continue;
                }
            }
            let current = self.cadres[i].action;
            match draw_action(model, &mut rng, i, current, attr, &scratch.payoffs[..n], &scratch.actions[..n]) {
                Draw::Action(a) => self.cadres[i].action = a,
                Draw::Logit(u) => scratch.pending.push((i as u32, u)),
            }
        }
        let lambda = p.learning.lambda;
        for group in scratch.pending.chunks(LANES) {
            // A short last group repeats its first cadre in the spare lanes (results unused).
            let pick = |l: usize| group.get(l).copied().unwrap_or(group[0]);
            let attrs = std::array::from_fn(|l| {
                let i = pick(l).0 as usize;
                &self.attractions[i * w..i * w + na]
            });
            let chosen = logit_choice_lanes(attrs, lambda, std::array::from_fn(|l| pick(l).1), &mut scratch.block);
            for (&(i, _), &a) in group.iter().zip(&chosen) {
                self.cadres[i as usize].action = a as u32;
            }
        }
        counts.add_to(&mut acc);
        acc
    }
}

/// Orders the eligible cadres' `(score, index)` in `ranking`, best first (ties to the lower
/// index: a total order, so the result does not depend on the algorithm), and sets `position` of
/// each. With `full`, the whole ranking and every position (a watched township's record);
/// otherwise only what the period uses: the `slots` best first, in any order, then the next
/// best, with the worst of the `slots` best just before it (the two scores [`promotion_cut`]
/// reads), and positions that are below `slots` exactly for the `slots` best. A partial
/// selection instead of a sort: with 200 cadres and a slot in most township-periods (the
/// national scenario), the sort took 2.6% of the run.
fn rank(ranking: &mut [(f64, u32)], position: &mut [u32], slots: usize, full: bool) {
    let order = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if full || slots == 0 || ranking.len() <= slots {
        ranking.sort_unstable_by(order);
        for (pos, &(_, i)) in ranking.iter().enumerate() {
            position[i as usize] = pos as u32;
        }
        return;
    }
    ranking.select_nth_unstable_by(slots, order);
    let (best, _) = ranking.split_at_mut(slots);
    // The worst of the best (the greatest in the order; no two are equal), moved to the last of them.
    let worst = best.iter().enumerate().max_by(|a, b| order(a.1, b.1)).map_or(0, |(k, _)| k);
    best.swap(worst, slots - 1);
    for (pos, &(_, i)) in ranking.iter().enumerate() {
        position[i as usize] = pos.min(slots) as u32;
    }
}

/// The score cadre at `position` (`u32::MAX` if ineligible) must beat to be promoted: the
/// `slots`-th best among the others in `ranking` (best first), or none if every eligible
/// cadre wins.
#[inline(always)]
fn promotion_cut(ranking: &[(f64, u32)], slots: usize, position: usize) -> Option<(f64, u32)> {
    if slots == 0 {
        None
    } else if position < slots {
        ranking.get(slots).copied()
    } else {
        ranking.get(slots - 1).copied()
    }
}

/// What [`draw_action`] decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    /// This action.
    Action(u32),
    /// The logit choice over the cadre's attractions with this uniform (made by the caller,
    /// several cadres at a time: [`logit_choice_lanes`]).
    Logit(f64),
}

/// The one place where a cadre's action for the coming period is drawn (after its learning
/// update): with probability `learning.imitate` it compares itself with a random peer and may
/// copy the peer's action; otherwise (or if it does not copy) its learning rule chooses: the
/// logit choice for EWA (returned as [`Draw::Logit`] with its uniform, for the caller to
/// evaluate in vector lanes: the result is [`logit_choice_with`](crate::model::learning::logit_choice_with)'s), the proportional choice for
/// Roth-Erev, the current action (or, rarely, a random one) for imitation.
///
/// `i` is the cadre's index in its township, `current` its action this period, `attr` its
/// attractions (or propensities), `payoffs` and `actions` this period's payoffs and actions of
/// every cadre of the township.
#[inline(always)]
pub fn draw_action(model: &Model, rng: &mut Stream, i: usize, current: u32, attr: &[f64], payoffs: &[f64], actions: &[u32]) -> Draw {
    let p = &model.params;
    let n = payoffs.len();
    let imitate = p.learning.imitate;
    let mut copy = NO_COPY;
    if imitate > 0.0 && n > 1 && rng.random::<f64>() < imitate {
        let mut k = rng.random_range(0..n - 1);
        if k >= i {
            k += 1;
        }
        // This period's payoffs and actions, so a peer replaced earlier in this pass is
        // compared as the cadre who actually played.
        let prob = imitation_probability(payoffs[k], payoffs[i], p.learning.temperature);
        if rng.random::<f64>() < prob {
            copy = actions[k];
        }
    }
    let u: f64 = rng.random();
    if copy != NO_COPY {
        return Draw::Action(copy);
    }
    match p.learning.rule {
        LearningRule::Ewa => Draw::Logit(u),
        LearningRule::RothErev => Draw::Action(proportional_choice(attr, u) as u32),
        LearningRule::Imitation => Draw::Action(if u < p.learning.mutation { rng.random_range(0..attr.len()) as u32 } else { current }),
    }
}

/// Draws a new cadre (at the start, or replacing a burnt-out one) and sets its attractions.
fn new_cadre(model: &Model, rng: &mut Stream, attr: &mut [f64]) -> Cadre {
    let p = &model.params;
    let ability = truncated_normal(rng, p.ability_mean, p.ability_sd, p.ability_min);
    let psi = if p.psi_max > p.psi_min { rng.random_range(p.psi_min..p.psi_max) } else { p.psi_min };
    let corrupt = rng.random::<f64>() < p.corrupt_share;
    let l = &p.learning;
    match l.rule {
        LearningRule::RothErev => attr.iter_mut().for_each(|a| *a = l.re_initial),
        _ => attr.iter_mut().for_each(|a| *a = 0.0),
    }
    if !l.initial.is_empty() {
        attr.copy_from_slice(&l.initial);
    }
    let u: f64 = rng.random();
    let action = match l.rule {
        LearningRule::Ewa => logit_choice(attr, l.lambda, u),
        LearningRule::RothErev => proportional_choice(attr, u),
        LearningRule::Imitation => ((u * attr.len() as f64) as usize).min(attr.len() - 1),
    } as u32;
    Cadre {
        ability,
        psi,
        corrupt,
        block_left: 0,
        rank: 0,
        fatigue: 0.0,
        experience: l.n0,
        action,
        payoff: 0.0,
        tenure: 0,
        last_action: action,
        last_sanctioned: false,
        last_promoted: false,
    }
}

/// Normal draw truncated below at `min` (rejection; the mean minus a few sd is far above `min`
/// in every sensible scenario, and after 1000 rejections the draw is clamped to `min`).
fn truncated_normal(rng: &mut Stream, mean: f64, sd: f64, min: f64) -> f64 {
    for _ in 0..1000 {
        let z = crate::math::normal::standard_normal(rng);
        let x = mean + sd * z;
        if x >= min {
            return x;
        }
    }
    min.max(mean)
}

#[cfg(test)]
mod tests {
    use super::rank;
    use rand::{Rng, SeedableRng};

    /// The partial ranking gives the period what the full sort gives it: the same `slots` best
    /// (positions below `slots`), the same next best and the same worst of the best, with ties
    /// in scores (broken by index), every slot count, and townships of every size.
    #[test]
    fn partial_ranking_agrees_with_the_full_sort_where_the_period_reads_it() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for case in 0..2000 {
            let n = 1 + case % 40;
            let mut eligible: Vec<(f64, u32)> = Vec::new();
            for i in 0..n as u32 {
                if rng.random::<f64>() < 0.8 {
                    let score = if case % 3 == 0 { f64::from(rng.random_range(0..4u8)) } else { rng.random::<f64>() };
                    eligible.push((score, i));
                }
            }
            let slots = case % 7;
            let (mut full, mut partial) = (eligible.clone(), eligible.clone());
            let (mut pos_full, mut pos_partial) = (vec![u32::MAX; n], vec![u32::MAX; n]);
            rank(&mut full, &mut pos_full, slots, true);
            rank(&mut partial, &mut pos_partial, slots, false);
            for i in 0..n {
                assert_eq!(pos_full[i] == u32::MAX, pos_partial[i] == u32::MAX, "case {case}: eligibility of {i}");
                assert_eq!((pos_full[i] as usize) < slots, (pos_partial[i] as usize) < slots, "case {case}: promotion of {i}");
            }
            if slots > 0 {
                assert_eq!(full.get(slots), partial.get(slots), "case {case}: the next best");
                assert_eq!(full.get(slots - 1), partial.get(slots - 1), "case {case}: the worst of the best");
            }
        }
    }
}
