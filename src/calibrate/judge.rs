//! The judgement of patterns at design points, and its aggregation over the design: which
//! patterns hold where, the accepted region, the binding pattern and the robustness of reform
//! effects. Driven by a closure that gives a metric's window mean of a scenario in one
//! replication, so it runs on simulator rows and on toy functions alike.

use super::pattern::{Condition, Pattern};
use crate::math::t_quantile;

/// The verdict on one pattern at one design point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The interval of the mean paired difference lies entirely on the right side of 0.
    Holds,
    /// It lies entirely on the wrong side.
    Fails,
    /// It straddles 0.
    Undecided,
    /// A metric it reads is undefined (NaN) in some replication.
    Undefined,
}

impl Status {
    /// Lower-case name, as in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Fails => "fails",
            Status::Undecided => "undecided",
            Status::Undefined => "undefined",
        }
    }

    /// Every status, in table order.
    pub const ALL: [Status; 4] = [Status::Holds, Status::Fails, Status::Undecided, Status::Undefined];

    /// How badly it misses (for choosing the weakest comparison of a chain).
    fn severity(self) -> u8 {
        match self {
            Status::Holds => 0,
            Status::Undecided => 1,
            Status::Fails => 2,
            Status::Undefined => 3,
        }
    }
}

/// One pattern judged at one point: its status and the paired difference of its weakest
/// comparison (positive when the comparison holds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Holds, fails, undecided or undefined.
    pub status: Status,
    /// Mean of the paired differences d_r.
    pub mean: f64,
    /// Lower end of the two-sided `level` t-interval of the mean.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// Mean and two-sided `level` t-interval of `d` (NaN ends for fewer than two values).
pub fn interval(d: &[f64], level: f64) -> (f64, f64, f64) {
    let n = d.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN);
    }
    let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * (var / n as f64).sqrt();
    (mean, mean - half, mean + half)
}

/// Judges one comparison from its paired differences.
fn judge_differences(d: &[f64], inclusive: bool, level: f64) -> Verdict {
    if d.iter().any(|x| !x.is_finite()) {
        let (mean, low, high) = interval(&d.iter().copied().filter(|x| x.is_finite()).collect::<Vec<_>>(), level);
        return Verdict { status: Status::Undefined, mean, low, high };
    }
    let (mean, low, high) = interval(d, level);
    let right = |x: f64| if inclusive { x >= 0.0 } else { x > 0.0 };
    let wrong = |x: f64| if inclusive { x < 0.0 } else { x <= 0.0 };
    let status = if !(low.is_finite() && high.is_finite()) {
        Status::Undecided
    } else if right(low) {
        Status::Holds
    } else if wrong(high) {
        Status::Fails
    } else {
        Status::Undecided
    };
    Verdict { status, mean, low, high }
}

/// Judges a condition over `reps` replications; `value(metric, scenario, rep)` is a window mean.
/// A chain holds if every comparison holds; the verdict reported is that of its weakest
/// comparison (the worst status, then the smallest margin relative to its interval).
pub fn judge(condition: &Condition, reps: usize, level: f64, value: &dyn Fn(usize, usize, usize) -> f64) -> Verdict {
    let side = |e: &super::pattern::Expr, r: usize| e.eval(&|m, k| value(m, k, r));
    let mut worst: Option<Verdict> = None;
    for (i, cmp) in condition.cmps.iter().enumerate() {
        let d: Vec<f64> = (0..reps).map(|r| cmp.margin(side(&condition.terms[i], r), side(&condition.terms[i + 1], r))).collect();
        let v = judge_differences(&d, cmp.inclusive(), level);
        let score = |v: &Verdict| {
            let half = 0.5 * (v.high - v.low);
            let t = if half > 0.0 { v.mean / half } else { v.mean.signum() * f64::INFINITY };
            (v.status.severity(), if t.is_nan() { f64::NEG_INFINITY } else { -t })
        };
        worst = match worst {
            Some(w) if score(&w) >= score(&v) => Some(w),
            _ => Some(v),
        };
    }
    worst.unwrap_or(Verdict { status: Status::Undefined, mean: f64::NAN, low: f64::NAN, high: f64::NAN })
}

/// The judgement of every pattern at one design point.
#[derive(Debug, Clone, PartialEq)]
pub struct PointVerdicts {
    /// Parameter values of the point, in factor order.
    pub values: Vec<f64>,
    /// One verdict per pattern, in file order.
    pub verdicts: Vec<Verdict>,
    /// `effects[s][e]`: mean over replications of effect metric `e` in scenario `s` minus the
    /// baseline (scenario 0), paired by replication.
    pub effects: Vec<Vec<f64>>,
}

impl PointVerdicts {
    /// Whether every pattern holds.
    pub fn accepted(&self) -> bool {
        self.verdicts.iter().all(|v| v.status == Status::Holds)
    }
}

/// Judges every pattern at one point and computes the reform effects; `value(metric, scenario,
/// rep)` is the window mean of a metric of a scenario in one replication at this point.
pub fn judge_point(
    patterns: &[Pattern],
    scenarios: usize,
    effects: &[usize],
    values: Vec<f64>,
    reps: usize,
    level: f64,
    value: &dyn Fn(usize, usize, usize) -> f64,
) -> PointVerdicts {
    let verdicts = patterns.iter().map(|p| judge(&p.condition, reps, level, value)).collect();
    let effects = (0..scenarios)
        .map(|s| {
            effects
                .iter()
                .map(|&e| {
                    let d: Vec<f64> = (0..reps).map(|r| value(e, s, r) - value(e, 0, r)).collect();
                    d.iter().sum::<f64>() / reps.max(1) as f64
                })
                .collect()
        })
        .collect();
    PointVerdicts { values, verdicts, effects }
}

/// Quantile `q` of sorted finite values (linear interpolation, as R's type 7); NaN if empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sorted finite values.
fn sorted(xs: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// How often each status occurs for one pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Points where it holds.
    pub holds: usize,
    /// Points where it fails.
    pub fails: usize,
    /// Points where it is undecided.
    pub undecided: usize,
    /// Points where it is undefined.
    pub undefined: usize,
}

impl Counts {
    /// The count of one status.
    pub fn of(&self, s: Status) -> usize {
        match s {
            Status::Holds => self.holds,
            Status::Fails => self.fails,
            Status::Undecided => self.undecided,
            Status::Undefined => self.undefined,
        }
    }
}

/// Five-number summary (min, 25%, 50%, 75%, max) or robustness summary (min, 5%, 50%, 95%, max).
pub type Spread = [f64; 5];

/// The aggregation of point verdicts over a design.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Points judged.
    pub points: usize,
    /// Status counts per pattern.
    pub counts: Vec<Counts>,
    /// Indices of accepted points.
    pub accepted: Vec<usize>,
    /// Per parameter: min, quartiles and max over accepted points.
    pub region: Vec<Spread>,
    /// Per pattern: at how many points it is the only one that does not hold.
    pub binding: Vec<usize>,
    /// Points at which all patterns but one hold.
    pub near: usize,
    /// `effects[s][e]`: min, 5%, 50%, 95%, max over accepted points.
    pub effects: Vec<Vec<Spread>>,
}

/// Aggregates point verdicts.
pub fn aggregate(points: &[PointVerdicts], patterns: usize, factors: usize) -> Aggregate {
    let mut counts = vec![Counts::default(); patterns];
    let mut binding = vec![0; patterns];
    let mut near = 0;
    let mut accepted = Vec::new();
    for (i, p) in points.iter().enumerate() {
        for (c, v) in counts.iter_mut().zip(&p.verdicts) {
            match v.status {
                Status::Holds => c.holds += 1,
                Status::Fails => c.fails += 1,
                Status::Undecided => c.undecided += 1,
                Status::Undefined => c.undefined += 1,
            }
        }
        let missing: Vec<usize> = (0..p.verdicts.len()).filter(|&k| p.verdicts[k].status != Status::Holds).collect();
        match missing.as_slice() {
            [] => accepted.push(i),
            [k] => {
                binding[*k] += 1;
                near += 1;
            }
            _ => {}
        }
    }
    let spread5 = |v: &[f64], qs: [f64; 3]| -> Spread {
        if v.is_empty() {
            return [f64::NAN; 5];
        }
        [v[0], quantile(v, qs[0]), quantile(v, qs[1]), quantile(v, qs[2]), v[v.len() - 1]]
    };
    let region = (0..factors).map(|j| spread5(&sorted(accepted.iter().map(|&i| points[i].values[j])), [0.25, 0.5, 0.75])).collect();
    let (ns, ne) = points.first().map(|p| (p.effects.len(), p.effects.first().map_or(0, Vec::len))).unwrap_or((0, 0));
    let effects = (0..ns)
        .map(|s| (0..ne).map(|e| spread5(&sorted(accepted.iter().map(|&i| points[i].effects[s][e])), [0.05, 0.5, 0.95])).collect())
        .collect();
    Aggregate { points: points.len(), counts, accepted, region, binding, near, effects }
}

#[cfg(test)]
mod tests {
    use super::super::pattern::parse_condition;
    use super::*;

    #[test]
    fn the_interval_decides_holds_fails_and_undecided() {
        let c = parse_condition("s(a) > 0.5", &["a"]).unwrap();
        let s = crate::metrics::index("s");
        let at = |xs: Vec<f64>| move |m: usize, _k: usize, r: usize| if m == s { xs[r] } else { f64::NAN };
        assert_eq!(judge(&c, 3, 0.95, &at(vec![0.7, 0.71, 0.72])).status, Status::Holds);
        assert_eq!(judge(&c, 3, 0.95, &at(vec![0.3, 0.31, 0.29])).status, Status::Fails);
        assert_eq!(judge(&c, 3, 0.95, &at(vec![0.3, 0.7, 0.5])).status, Status::Undecided);
        assert_eq!(judge(&c, 3, 0.95, &at(vec![0.7, f64::NAN, 0.7])).status, Status::Undefined);
        let v = judge(&c, 3, 0.95, &at(vec![0.7, 0.71, 0.72]));
        assert!((v.mean - 0.21).abs() < 1e-12 && v.low < v.mean && v.high > v.mean);
        // A chain holds only if both links do; the weakest link is reported.
        let c = parse_condition("0.1 < s(a) < 0.6", &["a"]).unwrap();
        let v = judge(&c, 3, 0.95, &at(vec![0.7, 0.71, 0.72]));
        assert_eq!(v.status, Status::Fails);
        assert!(v.mean < 0.0);
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0], 0.05), 1.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
