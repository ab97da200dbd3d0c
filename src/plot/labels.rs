//! Human-readable names, with units, for what figures put on their axes,
//! legends and titles: model parameters (keyed by their registry path),
//! output metrics (from [`crate::metrics::METRICS`]) and scenario names.
//!
//! A figure should say "veto penalty (utility units)", not
//! `regime.penalty`. The parameter table below is checked by a unit test
//! against [`crate::params::REGISTRY`], so a parameter added there without a
//! label here fails the suite.

use crate::metrics;
use crate::params::{self, LEVEL_PREFIX};

/// Label of every registry path, with its unit in brackets where it has
/// one. Level fields use `*` for the level's name, as in the registry; the
/// name is put in front of the label when a concrete path is looked up.
static PARAM_LABELS: &[(&str, &str)] = &[
    ("population.counties", "counties simulated"),
    ("population.townships", "townships per county"),
    ("population.cadres", "cadres per township"),
    ("population.periods", "periods simulated (months)"),
    ("population.ability_mean", "mean cadre ability"),
    ("population.ability_sd", "sd of cadre ability"),
    ("population.ability_min", "lowest cadre ability"),
    ("population.psi_min", "public-service motivation, lower end"),
    ("population.psi_max", "public-service motivation, upper end"),
    ("population.loss_aversion", "loss aversion (× sanction)"),
    ("population.corrupt_share", "share of misconduct-type cadres"),
    ("actions.grid", "action grid steps per unit"),
    ("actions.materials", "materials are a choice (yes/no)"),
    ("actions.innovate", "innovation is a choice (yes/no)"),
    ("outcomes.output_noise", "output noise (sd)"),
    ("outcomes.innovation_gain", "output gain of innovation"),
    ("outcomes.kappa", "materials credit of substantive work"),
    ("outcomes.materials_noise", "materials-score noise (sd)"),
    ("outcomes.satisfaction_noise", "satisfaction noise (sd)"),
    ("outcomes.effort_cost", "effort cost k (utility per load²)"),
    ("errors.q", "error propensity (per unit of activity)"),
    ("errors.b0", "baseline activity (units)"),
    ("errors.b1", "activity per unit of substantive work"),
    ("errors.innovation_risk", "extra error risk of innovation"),
    ("complaints.c0", "baseline complaint rate (per period)"),
    ("complaints.c1", "dissatisfaction complaint rate (per period)"),
    ("complaints.activity", "activity complaint rate (per unit of s and period)"),
    ("complaints.beta", "complaint fall-off with satisfaction"),
    ("complaints.verify", "complaint verification probability"),
    ("misconduct.rate", "misconduct incidents (per period)"),
    ("misconduct.gain", "private gain per incident (utility units)"),
    ("inspection.levels.*.rate", "inspection visits (per period)"),
    ("inspection.levels.*.detect", "detection probability per visit"),
    ("inspection.levels.*.burden", "time burden per visit (share of time)"),
    ("inspection.levels.*.random", "random visit count (yes/no)"),
    ("appraisal.w_materials", "appraisal weight of materials"),
    ("appraisal.w_output", "appraisal weight of output"),
    ("appraisal.w_satisfaction", "appraisal weight of satisfaction"),
    ("appraisal.pass_mark", "appraisal pass mark (score)"),
    ("appraisal.shortfall_detect", "shortfall detection probability"),
    ("regime.rule", "accountability rule (veto / points)"),
    ("regime.penalty", "veto penalty (utility units)"),
    ("regime.block", "promotion block after a veto (periods)"),
    ("regime.exempt", "due-diligence exemption probability"),
    ("regime.dd_threshold", "due-diligence threshold (substantive work s)"),
    ("regime.review_accuracy", "review accuracy (probability)"),
    ("promotion.mode", "promotion slot mode"),
    ("promotion.rate", "promotion rate (per period)"),
    ("promotion.slots", "promotion slots (per township and period)"),
    ("promotion.prize", "promotion prize (utility units)"),
    ("promotion.bonus", "performance bonus (utility units)"),
    ("promotion.bonus_mark", "bonus mark (score)"),
    ("fatigue.enabled", "fatigue modelled (yes/no)"),
    ("fatigue.sustainable", "sustainable time load"),
    ("fatigue.decay", "fatigue carried over (share per period)"),
    ("fatigue.cost", "fatigue cost (utility per unit)"),
    ("fatigue.limit", "burnout fatigue limit"),
    ("learning.rule", "learning rule"),
    ("learning.phi", "EWA decay of attractions φ"),
    ("learning.rho", "EWA decay of experience ρ"),
    ("learning.delta", "EWA weight of foregone payoffs δ"),
    ("learning.lambda", "choice sensitivity λ"),
    ("learning.n0", "EWA initial experience N(0)"),
    ("learning.re_recency", "Roth–Erev recency"),
    ("learning.re_experiment", "Roth–Erev experimentation"),
    ("learning.re_shift", "Roth–Erev payoff shift (utility units)"),
    ("learning.re_initial", "Roth–Erev initial propensity"),
    ("learning.imitate", "imitation probability (per period)"),
    ("learning.temperature", "imitation temperature"),
    ("learning.mutation", "imitation mutation probability"),
    ("learning.initial", "initial attractions"),
    ("output.avoider_below", "avoider threshold (substantive work s)"),
    ("output.diligent_from", "diligent threshold (substantive work s)"),
    ("output.window", "summary window (periods)"),
];

/// Human name (with unit) of a parameter given by its path, e.g.
/// `regime.penalty` → "veto penalty (utility units)" and
/// `inspection.levels.county.rate` → "county inspection visits (per
/// period)". An unknown path is returned as it is, so nothing is hidden.
pub fn param_label(path: &str) -> String {
    if let Some(rest) = path.strip_prefix(LEVEL_PREFIX) {
        if let Some((level, field)) = rest.split_once('.') {
            let pattern = format!("{LEVEL_PREFIX}*.{field}");
            if let Some((_, label)) = PARAM_LABELS.iter().find(|(p, _)| *p == pattern) {
                return if level == "*" { (*label).to_string() } else { format!("{} {label}", scenario_label(level)) };
            }
        }
    }
    match PARAM_LABELS.iter().find(|(p, _)| *p == path) {
        Some((_, label)) => (*label).to_string(),
        None => path.to_string(),
    }
}

/// Axis label (with unit) of an output metric, e.g. `share_diligent` →
/// "share of diligent cadres (s ≥ 0.5)"; an unknown name is returned as it
/// is.
pub fn metric_label(name: &str) -> String {
    metrics::metric(name).map_or_else(|| name.to_string(), |m| m.label.to_string())
}

/// One-line meaning of an output metric (for titles), e.g. `s` → "mean
/// substantive work"; an unknown name is returned as it is.
pub fn metric_meaning(name: &str) -> String {
    metrics::metric(name).map_or_else(|| name.to_string(), |m| m.doc.to_string())
}

/// Label of a name that may be a metric or a parameter path: the metric's
/// label if it is one, else the parameter's, else the name itself.
pub fn label_of(name: &str) -> String {
    if metrics::metric(name).is_some() {
        metric_label(name)
    } else if params::spec_for(name).is_some() {
        param_label(name)
    } else {
        name.to_string()
    }
}

/// A scenario (or level) name as text: underscores become spaces, so that
/// `due_diligence_exemption` reads "due diligence exemption" and can wrap
/// between words.
pub fn scenario_label(name: &str) -> String {
    name.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_path_has_a_label() {
        let missing: Vec<&str> = params::REGISTRY.iter().map(|s| s.path).filter(|p| !PARAM_LABELS.iter().any(|(l, _)| l == p)).collect();
        assert!(missing.is_empty(), "parameters without a figure label in src/plot/labels.rs: {missing:?}");
        let stale: Vec<&str> = PARAM_LABELS.iter().map(|(p, _)| *p).filter(|p| !params::REGISTRY.iter().any(|s| s.path == *p)).collect();
        assert!(stale.is_empty(), "labels for paths that are not in params::REGISTRY: {stale:?}");
        for (p, l) in PARAM_LABELS {
            assert!(!l.contains('_') && !l.contains(p), "label of {p} reads like a path: {l:?}");
        }
    }

    #[test]
    fn lookups_give_human_names() {
        assert_eq!(param_label("regime.penalty"), "veto penalty (utility units)");
        assert_eq!(param_label("inspection.levels.county.rate"), "county inspection visits (per period)");
        assert_eq!(param_label("inspection.levels.*.detect"), "detection probability per visit");
        assert_eq!(param_label("no.such_path"), "no.such_path");
        assert_eq!(metric_label("share_diligent"), "share of diligent cadres (s ≥ 0.5)");
        assert_eq!(label_of("regime.exempt"), "due-diligence exemption probability");
        assert_eq!(label_of("blame_ratio"), "blame ratio (diligent / avoiders)");
        assert_eq!(label_of("mystery"), "mystery");
        assert_eq!(scenario_label("due_diligence_exemption"), "due diligence exemption");
    }
}
