//! What a cadre is and does: validated parameters, the action grid, the outcomes of one
//! period, the accountability regime and the learning rules.
//!
//! Everything here is a pure function of state, parameters and random draws handed in by the
//! engine: no I/O, no threads, no global state.

pub mod actions;
pub mod learning;
pub mod outcome;

pub use actions::{Action, ActionSet};

use crate::params::{ParamError, Resolved};

/// The accountability rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// One-vote veto: any unexempted finding sanctions, disqualifies and blocks promotion.
    Veto,
    /// Points deduction: each unexempted finding costs `penalty`, deducted from the score.
    Points,
}

/// How many promotion slots a township has in a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Slots {
    /// `Binomial(n, rate)` slots.
    Binomial(f64),
    /// Exactly this many slots.
    Fixed(u32),
}

/// The learning rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearningRule {
    /// Experience-weighted attraction (Camerer-Ho), logit choice.
    Ewa,
    /// Modified Roth-Erev reinforcement (Nicolaisen-Petrov-Tesfatsion), proportional choice.
    RothErev,
    /// Keep the current action; imitate peers (and mutate rarely).
    Imitation,
}

/// One inspection level.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Name of the level (e.g. `merged`, `national`).
    pub name: String,
    /// Visits per period (Poisson mean, or exact count).
    pub rate: f64,
    /// Probability that one visit finds a given error.
    pub detect: f64,
    /// Time burden of one visit.
    pub burden: f64,
    /// Poisson visits if true, exactly `rate` visits if false.
    pub random: bool,
}

/// Learning settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Learning {
    /// Which rule.
    pub rule: LearningRule,
    /// EWA decay of attractions.
    pub phi: f64,
    /// EWA decay of experience.
    pub rho: f64,
    /// EWA weight of foregone payoffs.
    pub delta: f64,
    /// Logit sensitivity.
    pub lambda: f64,
    /// EWA initial experience.
    pub n0: f64,
    /// Roth-Erev recency.
    pub re_recency: f64,
    /// Roth-Erev experimentation.
    pub re_experiment: f64,
    /// Roth-Erev payoff shift.
    pub re_shift: f64,
    /// Roth-Erev initial propensity.
    pub re_initial: f64,
    /// Probability of a peer comparison per period.
    pub imitate: f64,
    /// Logistic temperature of imitation.
    pub temperature: f64,
    /// Mutation probability of the imitation rule.
    pub mutation: f64,
    /// Initial attractions, one per action (empty: zero).
    pub initial: Vec<f64>,
}

/// Fatigue settings (present only when fatigue is enabled).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fatigue {
    /// Load sustainable without fatigue.
    pub sustainable: f64,
    /// Share of fatigue carried over.
    pub decay: f64,
    /// Utility cost per unit of fatigue.
    pub cost: f64,
    /// Burnout threshold.
    pub limit: f64,
}

/// Validated model parameters. Field meanings are documented in [`crate::params::REGISTRY`].
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub counties: usize,
    pub townships: usize,
    pub cadres: usize,
    pub periods: usize,
    pub ability_mean: f64,
    pub ability_sd: f64,
    pub ability_min: f64,
    pub psi_min: f64,
    pub psi_max: f64,
    pub loss_aversion: f64,
    pub corrupt_share: f64,
    pub grid: usize,
    pub materials: bool,
    pub innovate: bool,
    pub output_noise: f64,
    pub innovation_gain: f64,
    pub kappa: f64,
    pub materials_noise: f64,
    pub satisfaction_noise: f64,
    pub effort_cost: f64,
    pub q: f64,
    pub b0: f64,
    pub b1: f64,
    pub innovation_risk: f64,
    pub c0: f64,
    pub c1: f64,
    /// Complaints per unit of substantive work `s` (households left out of an allocation,
    /// beneficiaries who expected more): the more a cadre decides, the more is disputed.
    pub c_activity: f64,
    pub beta: f64,
    pub verify: f64,
    pub misconduct_rate: f64,
    pub misconduct_gain: f64,
    pub levels: Vec<Level>,
    pub w_materials: f64,
    pub w_output: f64,
    pub w_satisfaction: f64,
    pub pass_mark: f64,
    pub shortfall_detect: f64,
    pub rule: Rule,
    pub penalty: f64,
    pub block: u32,
    pub exempt: f64,
    pub dd_threshold: f64,
    pub review_accuracy: f64,
    pub slots: Slots,
    pub prize: f64,
    pub bonus: f64,
    pub bonus_mark: f64,
    pub fatigue: Option<Fatigue>,
    pub learning: Learning,
    pub avoider_below: f64,
    pub diligent_from: f64,
    pub window: usize,
}

/// Most cadre-action pairs a run may hold attractions for (8 bytes each): keeps a typo from
/// asking for hundreds of gigabytes.
pub const MAX_ATTRACTIONS: u64 = 1_500_000_000;

/// A broken rule between `low <= high`, reported at whichever of the two someone set.
fn order_error(r: &Resolved, low: &str, high: &str, above: &str, below: &str) -> ParamError {
    let at = r.blame(&[low, high]);
    let (other, verb) = if at == low { (high, above) } else { (low, below) };
    let v = r.get(at).map(|v| v.to_string()).unwrap_or_default();
    r.cross_error(at, format!("= {v} {verb} {}", r.show_at(other, &r.origin_text(at))))
}

impl Params {
    /// Builds parameters from resolved values, checking the rules that involve several fields.
    pub fn from_resolved(r: &Resolved) -> Result<Self, ParamError> {
        let levels = r
            .level_names()
            .into_iter()
            .map(|name| {
                let p = |f: &str| format!("inspection.levels.{name}.{f}");
                Level { rate: r.f(&p("rate")), detect: r.f(&p("detect")), burden: r.f(&p("burden")), random: r.b(&p("random")), name }
            })
            .collect::<Vec<_>>();
        for l in &levels {
            if !l.random && l.rate.fract() != 0.0 {
                let rate = format!("inspection.levels.{}.rate", l.name);
                let random = format!("inspection.levels.{}.random", l.name);
                let at = r.blame(&[&rate, &random]);
                return Err(r
                    .cross_error(&rate, format!("= {} must be a whole number when {}", l.rate, r.show_at(&random, &r.origin_text(at))))
                    .with_origin(r.origin_text(at)));
            }
        }
        let rule = if r.s("regime.rule") == "points" { Rule::Points } else { Rule::Veto };
        let slots = if r.s("promotion.mode") == "fixed" {
            Slots::Fixed(r.i("promotion.slots") as u32)
        } else {
            Slots::Binomial(r.f("promotion.rate"))
        };
        let learning_rule = match r.s("learning.rule") {
            "roth_erev" => LearningRule::RothErev,
            "imitation" => LearningRule::Imitation,
            _ => LearningRule::Ewa,
        };
        let fatigue = r.b("fatigue.enabled").then(|| Fatigue {
            sustainable: r.f("fatigue.sustainable"),
            decay: r.f("fatigue.decay"),
            cost: r.f("fatigue.cost"),
            limit: r.f("fatigue.limit"),
        });
        let p = Params {
            counties: r.i("population.counties") as usize,
            townships: r.i("population.townships") as usize,
            cadres: r.i("population.cadres") as usize,
            periods: r.i("population.periods") as usize,
            ability_mean: r.f("population.ability_mean"),
            ability_sd: r.f("population.ability_sd"),
            ability_min: r.f("population.ability_min"),
            psi_min: r.f("population.psi_min"),
            psi_max: r.f("population.psi_max"),
            loss_aversion: r.f("population.loss_aversion"),
            corrupt_share: r.f("population.corrupt_share"),
            grid: r.i("actions.grid") as usize,
            materials: r.b("actions.materials"),
            innovate: r.b("actions.innovate"),
            output_noise: r.f("outcomes.output_noise"),
            innovation_gain: r.f("outcomes.innovation_gain"),
            kappa: r.f("outcomes.kappa"),
            materials_noise: r.f("outcomes.materials_noise"),
            satisfaction_noise: r.f("outcomes.satisfaction_noise"),
            effort_cost: r.f("outcomes.effort_cost"),
            q: r.f("errors.q"),
            b0: r.f("errors.b0"),
            b1: r.f("errors.b1"),
            innovation_risk: r.f("errors.innovation_risk"),
            c0: r.f("complaints.c0"),
            c1: r.f("complaints.c1"),
            c_activity: r.f("complaints.activity"),
            beta: r.f("complaints.beta"),
            verify: r.f("complaints.verify"),
            misconduct_rate: r.f("misconduct.rate"),
            misconduct_gain: r.f("misconduct.gain"),
            levels,
            w_materials: r.f("appraisal.w_materials"),
            w_output: r.f("appraisal.w_output"),
            w_satisfaction: r.f("appraisal.w_satisfaction"),
            pass_mark: r.f("appraisal.pass_mark"),
            shortfall_detect: r.f("appraisal.shortfall_detect"),
            rule,
            penalty: r.f("regime.penalty"),
            block: r.i("regime.block") as u32,
            exempt: r.f("regime.exempt"),
            dd_threshold: r.f("regime.dd_threshold"),
            review_accuracy: r.f("regime.review_accuracy"),
            slots,
            prize: r.f("promotion.prize"),
            bonus: r.f("promotion.bonus"),
            bonus_mark: r.f("promotion.bonus_mark"),
            fatigue,
            learning: Learning {
                rule: learning_rule,
                phi: r.f("learning.phi"),
                rho: r.f("learning.rho"),
                delta: r.f("learning.delta"),
                lambda: r.f("learning.lambda"),
                n0: r.f("learning.n0"),
                re_recency: r.f("learning.re_recency"),
                re_experiment: r.f("learning.re_experiment"),
                re_shift: r.f("learning.re_shift"),
                re_initial: r.f("learning.re_initial"),
                imitate: r.f("learning.imitate"),
                temperature: r.f("learning.temperature"),
                mutation: r.f("learning.mutation"),
                initial: r.list("learning.initial").to_vec(),
            },
            avoider_below: r.f("output.avoider_below"),
            diligent_from: r.f("output.diligent_from"),
            window: r.i("output.window") as usize,
        };
        p.check(r)?;
        Ok(p)
    }

    fn check(&self, r: &Resolved) -> Result<(), ParamError> {
        if self.psi_min > self.psi_max {
            return Err(order_error(r, "population.psi_min", "population.psi_max", "is above", "is below"));
        }
        if self.avoider_below > self.diligent_from {
            return Err(order_error(r, "output.avoider_below", "output.diligent_from", "is above", "is below"));
        }
        if self.window > self.periods {
            return Err(order_error(r, "output.window", "population.periods", "is longer than", "is shorter than"));
        }
        if let Slots::Fixed(k) = self.slots {
            if k as usize > self.cadres {
                let at = r.blame(&["promotion.slots", "population.cadres", "promotion.mode"]);
                let at_text = r.origin_text(at);
                return Err(ParamError {
                    origin: at_text.clone(),
                    field: "promotion.slots".into(),
                    message: format!(
                        "= {k} is more than {} per township (with {})",
                        r.show_at("population.cadres", &at_text),
                        r.show_at("promotion.mode", &at_text)
                    ),
                });
            }
        }
        let n_actions = ActionSet::count(self.grid, self.materials, self.innovate);
        if !self.learning.initial.is_empty() && self.learning.initial.len() != n_actions {
            return Err(r.cross_error(
                "learning.initial",
                format!("has {} values but the action grid has {n_actions} actions (or leave it empty)", self.learning.initial.len()),
            ));
        }
        if self.learning.rule == LearningRule::Imitation && self.learning.imitate == 0.0 {
            let at = r.blame(&["learning.imitate", "learning.rule"]);
            return Err(r
                .cross_error(
                    "learning.imitate",
                    "= 0 with learning.rule = \"imitation\": cadres would never imitate; set learning.imitate in (0, 1]".into(),
                )
                .with_origin(r.origin_text(at)));
        }
        if self.learning.rule == LearningRule::RothErev && self.learning.initial.iter().any(|&x| x < 0.0) {
            return Err(r.cross_error("learning.initial", "has a negative value; Roth-Erev propensities must be >= 0".into()));
        }
        let size =
            ["population.cadres", "population.townships", "population.counties", "actions.grid", "actions.materials", "actions.innovate"];
        let blamed = r.blame(&size);
        let at = r.origin_text(blamed);
        let too_many = |what: String| ParamError {
            origin: at.clone(),
            field: blamed.to_string(),
            message: format!(
                "gives {what}, more than the {MAX_ATTRACTIONS} attractions a run may hold; use fewer cadres or a coarser grid"
            ),
        };
        let cadres = self.checked_total_cadres().ok_or_else(|| too_many("more cadres than a 64-bit count holds".into()))?;
        match cadres.checked_mul(n_actions as u64) {
            Some(n) if n <= MAX_ATTRACTIONS => Ok(()),
            _ => Err(too_many(format!("{cadres} cadres x {n_actions} actions"))),
        }
    }

    /// Number of cadres in the whole population, or `None` if the product overflows (it cannot
    /// for values within the registry's bounds, which keep it below 2^53).
    pub fn checked_total_cadres(&self) -> Option<u64> {
        (self.counties as u64).checked_mul(self.townships as u64)?.checked_mul(self.cadres as u64)
    }

    /// Number of townships in the whole population.
    pub fn total_townships(&self) -> usize {
        self.counties.saturating_mul(self.townships)
    }

    /// Number of cadres in the whole population.
    pub fn total_cadres(&self) -> usize {
        self.counties.saturating_mul(self.townships).saturating_mul(self.cadres)
    }
}
