//! Exposure to sanction across the action grid: for a model, the probability that a cadre taking
//! action (s, m) in a period is sanctioned, with a 95% Wilson interval ("the more you do, the
//! more you are blamed", the third paradox of docs/ODD.md §1.1; the judgement is §7.8).
//!
//! Nothing of the model is re-implemented here. The estimate is a Monte Carlo over the model's
//! own pieces: the cadres of the scenario's initial population (replication 0 of the seed, drawn
//! township by township as [`crate::engine::Replication::new`] does) give the traits, [`ShockTables::draw`] the period's luck,
//! [`effort_outcome`] the errors and complaints, [`judge`] and [`Judgement::sanctioned`] the
//! verdict. Draw `i` takes cadre `i mod n` and one draw of shocks, and judges *every* action of
//! the grid under those same shocks (common random numbers, as the engine does for foregone
//! payoffs), so differences between actions are not blurred by independent noise.
//!
//! The draws come from one stream of their own, `(seed, replication u64::MAX, township 0,
//! period 0)`, that no replication uses: the estimate is a pure function of the model, the seed
//! and the number of draws, and never changes a run's results.
//!
//! What it measures is the one-period sanction probability of an action as the regime judges it,
//! for the population's mix of ability, motivation and misconduct types; it does not depend on
//! what cadres learned, because the judgement of an action does not.
//!
//! [`Judgement::sanctioned`]: crate::model::outcome::Judgement::sanctioned

use crate::analysis::stats::wilson95;
use crate::engine::rng::stream;
use crate::engine::{Model, Township};
use crate::model::outcome::{effort_outcome, judge, ShockTables, Traits};

/// Draws per action used by `run` and `compare` (a 95% Wilson half-width of at most 0.007).
pub const DEFAULT_DRAWS: u64 = 20_000;

/// Replication index of the stream the draws come from (no replication of a run uses it).
const EXPOSURE_REP: u64 = u64::MAX;

/// The sanction probability of one action of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActionRisk {
    /// Substantive work share.
    pub s: f64,
    /// Materials (paperwork) share.
    pub m: f64,
    /// Innovative work.
    pub innovate: bool,
    /// Draws in which the action was sanctioned.
    pub sanctioned: u64,
    /// Draws (cadre-periods) judged.
    pub draws: u64,
    /// Estimated probability `sanctioned / draws`.
    pub p: f64,
    /// Lower end of the 95% Wilson interval.
    pub low: f64,
    /// Upper end of the 95% Wilson interval.
    pub high: f64,
}

impl ActionRisk {
    /// The estimate from counts (`p` and its Wilson interval).
    pub fn from_counts(s: f64, m: f64, innovate: bool, sanctioned: u64, draws: u64) -> ActionRisk {
        let (low, high) = wilson95(sanctioned, draws);
        let p = if draws == 0 { f64::NAN } else { sanctioned as f64 / draws as f64 };
        ActionRisk { s, m, innovate, sanctioned, draws, p, low, high }
    }
}

/// The sanction probability of every action of `model`'s grid, in the grid's order, from
/// `draws` cadre-period draws (see the module docs). `draws = 0` gives NaN probabilities.
pub fn sanction_by_action(model: &Model, seed: u64, draws: u64) -> Vec<ActionRisk> {
    let p = &model.params;
    // The initial cadres of replication 0, township by township as `Replication::new` draws
    // them, until there are as many as draws (a national population need not be drawn whole).
    let mut traits: Vec<Traits> = Vec::new();
    for id in 0..p.total_townships() {
        if traits.len() as u64 >= draws {
            break;
        }
        let town = Township::new(model, seed, 0, id, id / p.townships.max(1));
        traits.extend(town.cadres.iter().map(|c| Traits { ability: c.ability, psi: c.psi, corrupt: c.corrupt }));
    }
    let actions = &model.actions.actions;
    let mut hits = vec![0u64; actions.len()];
    if !traits.is_empty() {
        let tables = ShockTables::new(p);
        let mut rng = stream(seed, EXPOSURE_REP, 0, 0);
        for i in 0..draws {
            let t = &traits[(i % traits.len() as u64) as usize];
            let shocks = tables.draw(&mut rng, p, t.corrupt);
            for (level, &(s, innovate)) in model.actions.levels.iter().enumerate() {
                let effort = effort_outcome(p, t, s, innovate, &shocks);
                for j in model.actions.level_actions(level) {
                    if judge(p, actions[j].m, &effort, &shocks).sanctioned() {
                        hits[j] += 1;
                    }
                }
            }
        }
    }
    let draws = if traits.is_empty() { 0 } else { draws };
    actions.iter().zip(&hits).map(|(a, &k)| ActionRisk::from_counts(a.s, a.m, a.innovate, k, draws)).collect()
}

/// How the materials share `m` is chosen when sanction risk is drawn against `s` alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaterialsChoice {
    /// At each `s`, the `m` with the lowest sanction probability (the safest paperwork a cadre
    /// doing that much substantive work can choose).
    Safest,
    /// A fixed materials share (only the `s` levels where that `m` fits the budget `s + m <= 1`).
    Fixed(f64),
}

/// One point per `s` level (innovation off), in the order of `risks`: the action at that level
/// chosen by `choice`. `Fixed(m)` matches `m` to within 1e-9.
pub fn curve(risks: &[ActionRisk], choice: MaterialsChoice) -> Vec<ActionRisk> {
    let mut out: Vec<ActionRisk> = Vec::new();
    for r in risks.iter().filter(|r| !r.innovate) {
        if let MaterialsChoice::Fixed(m) = choice {
            if (r.m - m).abs() > 1e-9 {
                continue;
            }
        }
        match out.iter_mut().find(|x| x.s == r.s) {
            Some(best) => {
                if r.p < best.p || best.p.is_nan() {
                    *best = *r;
                }
            }
            None => out.push(*r),
        }
    }
    out
}

/// The distinct materials shares of `risks` (innovation off), ascending.
pub fn m_levels(risks: &[ActionRisk]) -> Vec<f64> {
    let mut m: Vec<f64> = risks.iter().filter(|r| !r.innovate).map(|r| r.m).collect();
    m.sort_by(f64::total_cmp);
    m.dedup();
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn model(sets: &[(&str, &str)]) -> Model {
        let mut sc = Scenario::defaults();
        let sets: Vec<(String, String)> = sets.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        sc.apply_sets(&sets).unwrap();
        Model::new(sc.params().unwrap())
    }

    #[test]
    fn covers_the_grid_is_reproducible_and_within_its_interval() {
        let m = model(&[("population.townships", "2")]);
        let a = sanction_by_action(&m, 7, 2000);
        assert_eq!(a.len(), m.actions.len());
        assert_eq!(a, sanction_by_action(&m, 7, 2000));
        assert_ne!(a, sanction_by_action(&m, 8, 2000), "another seed draws other shocks");
        for r in &a {
            assert_eq!(r.draws, 2000);
            assert!(r.low <= r.p && r.p <= r.high && r.low >= 0.0 && r.high <= 1.0, "{r:?}");
        }
    }

    #[test]
    fn without_findings_nobody_is_sanctioned_and_without_exemption_more_work_is_riskier() {
        // No inspections, complaints or misconduct: no finding, so no sanction at any action.
        let quiet = model(&[
            ("population.townships", "1"),
            ("inspection.levels.merged.rate", "0"),
            ("complaints.c0", "0"),
            ("complaints.c1", "0"),
            ("misconduct.rate", "0"),
            ("population.corrupt_share", "0"),
        ]);
        assert!(sanction_by_action(&quiet, 1, 500).iter().all(|r| r.sanctioned == 0));
        // Without shortfalls (no pass mark) and without exemption, findings are errors and
        // complaints, which grow with s: the more a cadre does, the more often it is sanctioned.
        let veto = model(&[("population.townships", "2"), ("appraisal.shortfall_detect", "0"), ("regime.exempt", "0")]);
        let c = curve(&sanction_by_action(&veto, 3, 4000), MaterialsChoice::Fixed(0.0));
        assert_eq!(c.len(), veto.params.grid + 1);
        assert!(c.windows(2).all(|w| w[1].p >= w[0].p), "{c:?}");
        assert!(c[c.len() - 1].low > c[0].high, "{c:?}");
    }

    #[test]
    fn curve_picks_one_action_per_level() {
        let r = |s: f64, m: f64, p: f64| ActionRisk { s, m, innovate: false, sanctioned: 0, draws: 1, p, low: p, high: p };
        let risks = [r(0.0, 0.0, 0.5), r(0.0, 0.5, 0.2), r(0.0, 1.0, 0.3), r(0.5, 0.0, 0.4), r(0.5, 0.5, 0.6), r(1.0, 0.0, 0.9)];
        let safe = curve(&risks, MaterialsChoice::Safest);
        assert_eq!(safe.iter().map(|x| (x.s, x.m)).collect::<Vec<_>>(), [(0.0, 0.5), (0.5, 0.0), (1.0, 0.0)]);
        assert_eq!(m_levels(&risks), [0.0, 0.5, 1.0]);
        let half = curve(&risks, MaterialsChoice::Fixed(0.5));
        assert_eq!(half.iter().map(|x| (x.s, x.m)).collect::<Vec<_>>(), [(0.0, 0.5), (0.5, 0.5)]);
    }
}
