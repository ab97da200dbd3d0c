//! Output metrics of docs/ODD.md §7.15 ("Outputs"), computed from additive sums.
//!
//! The engine fills one [`Accum`] per township and period. Accumulators add up exactly (in a
//! fixed order) to counties, the whole population and end-of-run windows, and every metric is a
//! function of one accumulator, so a window's formalism index or blame ratio is computed from
//! the pooled counts of the window rather than by averaging ratios.

use std::ops::AddAssign;

/// Additive sums over cadre-periods.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(missing_docs)]
pub struct Accum {
    /// Cadre-periods counted.
    pub n: f64,
    pub s: f64,
    pub m: f64,
    pub s2: f64,
    pub y: f64,
    pub satisfaction: f64,
    pub score: f64,
    pub avoiders: f64,
    pub minimal: f64,
    pub diligent: f64,
    pub innovating: f64,
    pub errors: f64,
    pub shortfalls: f64,
    pub complaints: f64,
    pub misconduct: f64,
    pub misconduct_exempted: f64,
    pub sanctioned: f64,
    pub sanction_size: f64,
    pub exemptions: f64,
    pub wrongful: f64,
    pub sanctioned_diligent: f64,
    pub sanctioned_avoiders: f64,
    pub promoted: f64,
    pub promoted_s: f64,
    pub ability: f64,
    pub ability2: f64,
    pub promoted_ability: f64,
    pub inspection_time: f64,
    pub load: f64,
    pub utility: f64,
    pub burnouts: f64,
    pub blocked: f64,
    pub fatigue: f64,
    /// Periods pooled (1 for a single period).
    pub periods: f64,
    /// Cumulative output per cadre up to this period (set by the driver, not summed).
    pub cum_output: f64,
    /// Cumulative burnouts per cadre position up to this period (set by the driver, not summed).
    pub cum_turnover: f64,
}

impl AddAssign<&Accum> for Accum {
    fn add_assign(&mut self, o: &Accum) {
        macro_rules! add { ($($f:ident),*) => { $( self.$f += o.$f; )* } }
        add!(
            n,
            s,
            m,
            s2,
            y,
            satisfaction,
            score,
            avoiders,
            minimal,
            diligent,
            innovating,
            errors,
            shortfalls,
            complaints,
            misconduct,
            misconduct_exempted,
            sanctioned,
            sanction_size,
            exemptions,
            wrongful,
            sanctioned_diligent,
            sanctioned_avoiders,
            promoted,
            promoted_s,
            ability,
            ability2,
            promoted_ability,
            inspection_time,
            load,
            utility,
            burnouts,
            blocked,
            fatigue
        );
    }
}

impl Accum {
    /// Pools consecutive periods: sums, with the cumulative fields of the last period.
    pub fn pool(periods: &[Accum]) -> Accum {
        let mut out = Accum::default();
        for a in periods {
            out += a;
        }
        out.periods = periods.len() as f64;
        if let Some(last) = periods.last() {
            out.cum_output = last.cum_output;
            out.cum_turnover = last.cum_turnover;
        }
        out
    }

    fn per(&self, x: f64) -> f64 {
        x / self.n
    }

    fn ratio(num: f64, den: f64) -> f64 {
        if den > 0.0 {
            num / den
        } else {
            f64::NAN
        }
    }

    fn corr(n: f64, sx: f64, sy: f64, sxy: f64, sxx: f64, syy: f64) -> f64 {
        let cov = n * sxy - sx * sy;
        let vx = n * sxx - sx * sx;
        let vy = n * syy - sy * sy;
        if vx <= 0.0 || vy <= 0.0 {
            f64::NAN
        } else {
            cov / (vx * vy).sqrt()
        }
    }
}

/// One output metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Column name.
    pub name: &'static str,
    /// Axis label (with unit).
    pub label: &'static str,
    /// Meaning.
    pub doc: &'static str,
    /// Value from an accumulator (NaN where undefined, e.g. a ratio with no denominator).
    pub eval: fn(&Accum) -> f64,
    /// When the value can be undefined (NaN) by definition, and why; `None` for a metric that is
    /// always a finite number.
    pub undefined: Option<Undefined>,
}

/// Why a metric can be undefined (NaN), and a metric defined where it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undefined {
    /// The condition, e.g. "nobody works (s + m = 0)".
    pub when: &'static str,
    /// A metric defined there instead, for analyses that need a value everywhere.
    pub instead: Option<&'static str>,
}

impl Metric {
    /// The metric, undefined (NaN) `when` the condition holds; `instead` is defined there.
    const fn undefined(self, when: &'static str, instead: Option<&'static str>) -> Metric {
        Metric { undefined: Some(Undefined { when, instead }), ..self }
    }
}

macro_rules! metric {
    ($name:expr, $label:expr, $doc:expr, $f:expr) => {
        Metric { name: $name, label: $label, doc: $doc, eval: $f, undefined: None }
    };
}

/// Every metric, in output column order.
pub static METRICS: &[Metric] = &[
    metric!("s", "substantive work s (share of time)", "mean substantive work", |a| a.per(a.s)),
    metric!("m", "materials m (share of time)", "mean materials (paperwork) effort", |a| a.per(a.m)),
    metric!("slack", "slack (share of time)", "mean slack 1 - s - m", |a| 1.0 - a.per(a.s + a.m)),
    metric!("formalism", "formalism index m/(s+m)", "formalism index: total materials over total work m/(s+m)", |a| Accum::ratio(
        a.m,
        a.s + a.m
    ))
    .undefined("nobody works (s + m = 0)", Some("m")),
    metric!("share_avoiders", "share of avoiders (s < 0.25)", "share of avoiders (s below output.avoider_below)", |a| a.per(a.avoiders)),
    metric!("share_minimal", "share of minimal cadres", "share of minimal cadres (between the thresholds)", |a| a.per(a.minimal)),
    metric!(
        "share_diligent",
        "share of diligent cadres (s ≥ 0.5)",
        "share of diligent cadres (s at or above output.diligent_from)",
        |a| a.per(a.diligent)
    ),
    metric!("share_innovating", "share innovating", "share choosing innovative work", |a| a.per(a.innovating)),
    metric!("output", "poverty-reduction output y per cadre", "mean output y per cadre and period", |a| a.per(a.y)),
    metric!("cum_output", "cumulative output per cadre", "cumulative poverty reduction per cadre since period 1", |a| a.cum_output),
    metric!("satisfaction", "villagers' satisfaction", "mean satisfaction", |a| a.per(a.satisfaction)),
    metric!("score", "appraisal score", "mean appraisal score (after deductions)", |a| a.per(a.score)),
    metric!("errors", "errors found per cadre", "honest errors found per cadre and period", |a| a.per(a.errors)),
    metric!("shortfalls", "shortfalls per cadre", "shortfall (omission) findings per cadre and period", |a| a.per(a.shortfalls)),
    metric!("complaints", "verified complaints per cadre", "verified complaints per cadre and period", |a| a.per(a.complaints)),
    metric!("misconduct", "misconduct found per cadre", "misconduct incidents found per cadre and period", |a| a.per(a.misconduct)),
    metric!("findings", "findings per cadre", "all findings (errors, shortfalls, complaints, misconduct) per cadre and period", |a| a
        .per(a.errors + a.shortfalls + a.complaints + a.misconduct)),
    metric!("sanction_rate", "share sanctioned", "share of cadres sanctioned in a period", |a| a.per(a.sanctioned)),
    metric!("sanction_size", "sanction per cadre", "mean sanction size per cadre and period", |a| a.per(a.sanction_size)),
    metric!("exemptions", "exemptions per cadre", "findings exempted by due-diligence review per cadre and period", |a| a
        .per(a.exemptions)),
    metric!("wrongful_sanctions", "share wrongly sanctioned", "share of cadres that were diligent and sanctioned for honest errors", |a| a
        .per(a.wrongful)),
    metric!(
        "misconduct_exempted",
        "misconduct exempted per cadre",
        "misconduct findings exempted after misclassification, per cadre",
        |a| a.per(a.misconduct_exempted)
    ),
    metric!("sanction_rate_diligent", "share sanctioned", "sanction rate among diligent cadres", |a| Accum::ratio(
        a.sanctioned_diligent,
        a.diligent
    ))
    .undefined("there are no diligent cadres", Some("blame_difference")),
    metric!("sanction_rate_avoiders", "share sanctioned", "sanction rate among avoiders", |a| Accum::ratio(
        a.sanctioned_avoiders,
        a.avoiders
    ))
    .undefined("there are no avoiders", Some("blame_difference")),
    metric!("sanction_rate_minimal", "share sanctioned", "sanction rate among minimal cadres (between the thresholds)", |a| {
        Accum::ratio(a.sanctioned - a.sanctioned_diligent - a.sanctioned_avoiders, a.minimal)
    })
    .undefined("there are no minimal cadres", Some("sanction_rate")),
    metric!(
        "blame_difference",
        "blame difference (diligent - avoiders)",
        "sanction rate of diligent cadres minus that of avoiders; an empty class counts at the overall sanction rate, so it is defined whenever blame_ratio is not",
        |a| {
            let overall = a.per(a.sanctioned);
            let rate = |sanctioned: f64, class: f64| if class > 0.0 { sanctioned / class } else { overall };
            rate(a.sanctioned_diligent, a.diligent) - rate(a.sanctioned_avoiders, a.avoiders)
        }
    ),
    metric!("blame_ratio", "blame ratio (diligent / avoiders)", "sanction rate of diligent cadres over that of avoiders", |a| {
        Accum::ratio(Accum::ratio(a.sanctioned_diligent, a.diligent), Accum::ratio(a.sanctioned_avoiders, a.avoiders))
    })
    .undefined("there are no diligent cadres or no avoiders, or no avoider is sanctioned", Some("blame_difference")),
    metric!("promotions", "promotions per cadre", "promotions per cadre and period", |a| a.per(a.promoted)),
    metric!("promotion_effort_corr", "correlation", "correlation of being promoted with substantive work", |a| Accum::corr(
        a.n,
        a.promoted,
        a.s,
        a.promoted_s,
        a.promoted,
        a.s2
    ))
    .undefined("nobody (or everybody) is promoted", Some("promotions")),
    metric!("promotion_ability_corr", "correlation", "correlation of being promoted with ability", |a| Accum::corr(
        a.n,
        a.promoted,
        a.ability,
        a.promoted_ability,
        a.promoted,
        a.ability2
    ))
    .undefined("nobody (or everybody) is promoted", Some("promotions")),
    metric!("inspection_burden", "inspection time (share of time)", "mean time spent on inspection visits", |a| a.per(a.inspection_time)),
    metric!("load", "time load L", "mean time load s + m + inspection time", |a| a.per(a.load)),
    metric!("utility", "utility", "mean realised utility", |a| a.per(a.utility)),
    metric!("blocked", "share blocked", "share of cadres whose promotion is blocked by an earlier veto", |a| a.per(a.blocked)),
    metric!("fatigue", "fatigue", "mean fatigue", |a| a.per(a.fatigue)),
    metric!("burnout_rate", "burnouts per cadre", "burnouts (replacements) per cadre and period", |a| a.per(a.burnouts)),
    metric!("turnover", "cumulative turnover per position", "cumulative replacements per cadre position", |a| a.cum_turnover),
];

/// Finds a metric by name.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// Column of a metric in [`METRICS`] order (and in every output table). Names come from the
/// program itself or are checked with [`metric`] first; an unknown name gives column 0.
pub fn index(name: &str) -> usize {
    METRICS.iter().position(|m| m.name == name).unwrap_or(0)
}

/// Error text for an unknown metric name, listing the known ones.
pub fn unknown_metric(name: &str) -> String {
    let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
    format!("unknown metric `{name}`; known metrics: {}", names.join(", "))
}

/// Evaluates every metric of an accumulator, in [`METRICS`] order.
pub fn evaluate(a: &Accum) -> Vec<f64> {
    METRICS.iter().map(|m| (m.eval)(a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_ratios_use_pooled_counts() {
        let a = Accum {
            n: 10.0,
            s: 2.0,
            m: 6.0,
            diligent: 2.0,
            avoiders: 5.0,
            sanctioned_diligent: 1.0,
            sanctioned_avoiders: 0.0,
            ..Default::default()
        };
        let b = Accum {
            n: 10.0,
            s: 4.0,
            m: 4.0,
            diligent: 2.0,
            avoiders: 5.0,
            sanctioned_diligent: 1.0,
            sanctioned_avoiders: 1.0,
            cum_output: 3.0,
            ..Default::default()
        };
        let get = |acc: &Accum, name: &str| (metric(name).unwrap().eval)(acc);
        assert!(get(&a, "blame_ratio").is_nan());
        let w = Accum::pool(&[a, b]);
        assert_eq!(w.n, 20.0);
        assert!((get(&w, "formalism") - 10.0 / 16.0).abs() < 1e-12);
        // diligent rate 2/4, avoider rate 1/10 -> 5.
        assert!((get(&w, "blame_ratio") - 5.0).abs() < 1e-12);
        assert_eq!(get(&w, "cum_output"), 3.0);
        assert!((get(&w, "s") - 0.3).abs() < 1e-12);
    }

    #[test]
    fn correlation_of_promotion_with_effort() {
        // Two promoted cadres with s = 1, two unpromoted with s = 0: correlation 1.
        let a = Accum { n: 4.0, s: 2.0, s2: 2.0, promoted: 2.0, promoted_s: 2.0, ..Default::default() };
        assert!(((metric("promotion_effort_corr").unwrap().eval)(&a) - 1.0).abs() < 1e-12);
        let none = Accum { n: 4.0, s: 2.0, s2: 2.0, ..Default::default() };
        assert!((metric("promotion_effort_corr").unwrap().eval)(&none).is_nan());
    }

    /// The registry's `undefined` is exact: a metric marked undefined is NaN for a population
    /// where its condition holds (nobody works, nobody is sanctioned or promoted, an empty effort
    /// class), and every other metric is finite there, as for any population with cadres.
    #[test]
    fn metrics_marked_undefined_are_exactly_those_that_can_be_nan() {
        let idle = Accum { n: 10.0, ..Default::default() };
        let busy =
            Accum { n: 10.0, s: 5.0, s2: 3.0, m: 2.0, diligent: 4.0, sanctioned: 1.0, sanctioned_diligent: 1.0, ..Default::default() };
        for m in METRICS {
            let nan = [&idle, &busy].iter().any(|a| (m.eval)(a).is_nan());
            assert_eq!(nan, m.undefined.is_some(), "{}: NaN here {nan}, marked undefined {:?}", m.name, m.undefined);
            assert!([&idle, &busy].iter().all(|a| !(m.eval)(a).is_infinite()), "{} is infinite", m.name);
            if let Some(alt) = m.undefined.and_then(|u| u.instead) {
                let alt = metric(alt).expect("the alternative is a metric");
                assert!(alt.undefined.is_none() && [&idle, &busy].iter().all(|a| (alt.eval)(a).is_finite()), "{}", m.name);
            }
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
    }
}
