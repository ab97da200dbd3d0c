//! The parameter registry: every scenario parameter, its dotted path, type, default, allowed
//! range and one-line meaning, written down once.
//!
//! Scenario files, `--set` overrides, sweeps, sensitivity designs, the `cadresim params` listing
//! and the run manifest all go through this table, so a parameter is documented and validated in
//! exactly one place. [`crate::model::Params`] is built from a [`Resolved`] set of values that has
//! been checked against this table.

use std::collections::BTreeMap;
use std::fmt;

/// What kind of value a parameter takes and which values are allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A real number in `[min, max]`.
    Float {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// A whole number in `[min, max]`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A list of real numbers (possibly empty), each in `[min, max]`.
    FloatList {
        /// Smallest allowed entry.
        min: f64,
        /// Largest allowed entry.
        max: f64,
    },
}

impl Kind {
    /// Human-readable description of the allowed values, used in error messages and listings.
    pub fn allowed(&self) -> String {
        match self {
            Kind::Float { min, max } => format!("a number in [{}, {}]", fmt_num(*min), fmt_num(*max)),
            Kind::Int { min, max } => format!("a whole number in [{min}, {max}]"),
            Kind::Bool => "true or false".to_string(),
            Kind::Choice(words) => format!("one of {}", quoted_list(words)),
            Kind::FloatList { min, max } => format!("a list of numbers in [{}, {}], e.g. [0.0, 1.0]", fmt_num(*min), fmt_num(*max)),
        }
    }

    /// Whether a sweep or sensitivity design can vary this parameter continuously.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Kind::Float { .. } | Kind::Int { .. })
    }
}

/// A bound as people write it: `1000000` up to a million, `1e9` beyond, `1e-9` for tiny values.
fn fmt_num(x: f64) -> String {
    if x == f64::INFINITY {
        "inf".to_string()
    } else if x == f64::NEG_INFINITY {
        "-inf".to_string()
    } else if x != 0.0 && (x.abs() >= 1e7 || x.abs() < 1e-4) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn quoted_list(words: &[&str]) -> String {
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A real number.
    Float(f64),
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A word from a [`Kind::Choice`].
    Str(String),
    /// A list of real numbers.
    List(Vec<f64>),
}

impl Value {
    /// The value as a real number, if it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The value written as TOML.
    pub fn to_toml(&self) -> String {
        match self {
            Value::Float(x) => toml_float(*x),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => toml_string(s),
            Value::List(v) => {
                let items: Vec<String> = v.iter().map(|x| toml_float(*x)).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Float(x) => serde_json::json!(x),
            Value::Int(i) => serde_json::json!(i),
            Value::Bool(b) => serde_json::json!(b),
            Value::Str(s) => serde_json::json!(s),
            Value::List(v) => serde_json::json!(v),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{}", toml_string(s)),
            other => write!(f, "{}", other.to_toml()),
        }
    }
}

/// A float as TOML reads it back to the same bits: `2.0`, `0.1`, `1e300`, `-1e-7`, `nan`.
///
/// Rust's `Display` writes `1e300` as 301 digits without a decimal point, which TOML would read
/// as an (overflowing) integer; `Debug` gives the shortest text that round-trips, always with a
/// `.` or an exponent.
fn toml_float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x == f64::INFINITY {
        "inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        format!("{x:?}")
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Default of a parameter, as a compile-time constant.
#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    /// A real number.
    F(f64),
    /// A whole number.
    I(i64),
    /// A flag.
    B(bool),
    /// A word.
    S(&'static str),
    /// A list of reals.
    L(&'static [f64]),
}

impl DefaultValue {
    /// The default as a [`Value`].
    pub fn value(&self) -> Value {
        match self {
            DefaultValue::F(x) => Value::Float(*x),
            DefaultValue::I(i) => Value::Int(*i),
            DefaultValue::B(b) => Value::Bool(*b),
            DefaultValue::S(s) => Value::Str((*s).to_string()),
            DefaultValue::L(v) => Value::List(v.to_vec()),
        }
    }
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Dotted path, e.g. `regime.penalty`. `*` stands for an inspection level's name.
    pub path: &'static str,
    /// Allowed values.
    pub kind: Kind,
    /// Default value.
    pub default: DefaultValue,
    /// One-line meaning (with the model symbol in brackets where docs/ODD.md has one).
    pub doc: &'static str,
}

const P01: Kind = Kind::Float { min: 0.0, max: 1.0 };

/// A real number in `[min, max]`.
const fn real(min: f64, max: f64) -> Kind {
    Kind::Float { min, max }
}

/// Upper bound of utility-valued parameters (prize, bonus, penalty, gains, costs): 10^6 times a
/// period's output of a fully working cadre, far past any calibration, and small enough that a
/// period's utility, and its sum over the longest run in a propensity, stay far from overflow.
const UTILITY_MAX: f64 = 1e6;
/// Upper bound of standard deviations and other scale parameters measured in units of output:
/// a hundred times a fully working cadre's mean output.
const SCALE_MAX: f64 = 100.0;
/// Bound on appraisal marks, either side of zero: scores are weighted sums of quantities of
/// order one, so a mark beyond `±10^6` can never be reached or missed.
const MARK_MAX: f64 = 1e6;

macro_rules! spec {
    ($path:expr, $kind:expr, $default:expr, $doc:expr) => {
        Spec { path: $path, kind: $kind, default: $default, doc: $doc }
    };
}

/// Names of the learning rules.
pub const LEARNING_RULES: &[&str] = &["ewa", "roth_erev", "imitation"];
/// Names of the accountability rules.
pub const RULES: &[&str] = &["veto", "points"];
/// How promotion slots are drawn.
pub const SLOT_MODES: &[&str] = &["binomial", "fixed"];

/// Path prefix of inspection levels; a level's fields are `inspection.levels.NAME.FIELD`.
pub const LEVEL_PREFIX: &str = "inspection.levels.";

/// Every parameter of the model. Level fields use `*` for the level's name.
pub static REGISTRY: &[Spec] = &[
    // population
    spec!("population.counties", Kind::Int { min: 1, max: 10_000 }, DefaultValue::I(1), "counties in the simulated area"),
    spec!(
        "population.townships",
        Kind::Int { min: 1, max: 100_000 },
        DefaultValue::I(50),
        "townships per county (a township is a cadre's peer group)"
    ),
    spec!("population.cadres", Kind::Int { min: 1, max: 100_000 }, DefaultValue::I(20), "cadres per township"),
    spec!(
        "population.periods",
        Kind::Int { min: 1, max: 100_000 },
        DefaultValue::I(96),
        "appraisal periods simulated (96 months = 2013-2020)"
    ),
    spec!("population.ability_mean", Kind::Float { min: 0.0, max: 100.0 }, DefaultValue::F(1.0), "mean of cadre ability a ~ N(mean, sd)"),
    spec!("population.ability_sd", real(0.0, SCALE_MAX), DefaultValue::F(0.2), "standard deviation of cadre ability"),
    spec!("population.ability_min", Kind::Float { min: 0.0, max: 100.0 }, DefaultValue::F(0.1), "ability is truncated below at this value"),
    spec!(
        "population.psi_min",
        Kind::Float { min: 0.0, max: 100.0 },
        DefaultValue::F(0.0),
        "public-service motivation psi ~ U(psi_min, psi_max): lower end"
    ),
    spec!("population.psi_max", Kind::Float { min: 0.0, max: 100.0 }, DefaultValue::F(0.4), "public-service motivation: upper end"),
    spec!(
        "population.loss_aversion",
        Kind::Float { min: 0.0, max: 100.0 },
        DefaultValue::F(2.0),
        "loss aversion lambda_L: weight of a sanction in utility"
    ),
    spec!("population.corrupt_share", P01, DefaultValue::F(0.0), "share of cadres of the misconduct type"),
    // actions
    spec!(
        "actions.grid",
        Kind::Int { min: 1, max: 1000 },
        DefaultValue::I(4),
        "grid resolution G: s and m move in steps of 1/G with s + m <= 1"
    ),
    spec!("actions.materials", Kind::Bool, DefaultValue::B(true), "whether materials m are a choice (false: m = 0, effort-only grid)"),
    spec!("actions.innovate", Kind::Bool, DefaultValue::B(false), "add the innovate in {0,1} dimension"),
    // outcomes
    spec!("outcomes.output_noise", real(0.0, SCALE_MAX), DefaultValue::F(0.3), "sd of the output shock eps_y"),
    spec!("outcomes.innovation_gain", real(0.0, SCALE_MAX), DefaultValue::F(0.3), "iota: output gain of innovative work"),
    spec!("outcomes.kappa", real(0.0, SCALE_MAX), DefaultValue::F(0.2), "kappa: materials credit of substantive work"),
    spec!("outcomes.materials_noise", real(0.0, SCALE_MAX), DefaultValue::F(0.1), "sd of the materials-score shock nu"),
    spec!("outcomes.satisfaction_noise", real(0.0, SCALE_MAX), DefaultValue::F(0.3), "sd of the satisfaction shock eta"),
    spec!("outcomes.effort_cost", real(0.0, 1000.0), DefaultValue::F(1.0), "k: effort cost k*L^2/2 of the time load L"),
    // errors of commission
    spec!("errors.q", real(0.0, 10.0), DefaultValue::F(0.03), "q: error propensity per unit of activity"),
    spec!("errors.b0", real(0.0, 1000.0), DefaultValue::F(2.0), "b0: baseline activity (errors even when idle)"),
    spec!("errors.b1", real(0.0, 1000.0), DefaultValue::F(18.0), "b1: activity per unit of substantive work"),
    spec!("errors.innovation_risk", real(0.0, SCALE_MAX), DefaultValue::F(1.0), "omega: extra error risk of innovative work"),
    // complaints
    spec!("complaints.c0", real(0.0, 1000.0), DefaultValue::F(0.02), "c0: complaint rate unrelated to performance"),
    spec!("complaints.c1", real(0.0, 1000.0), DefaultValue::F(0.1), "c1: complaint rate driven by dissatisfaction"),
    spec!(
        "complaints.activity",
        real(0.0, 1000.0),
        DefaultValue::F(0.0),
        "c_a: complaint rate per unit of substantive work (non-beneficiaries, disputed allocations)"
    ),
    spec!("complaints.beta", real(0.0, SCALE_MAX), DefaultValue::F(2.0), "beta: how fast complaints fall with satisfaction"),
    spec!("complaints.verify", P01, DefaultValue::F(0.5), "probability that a complaint is verified"),
    // misconduct
    spec!("misconduct.rate", real(0.0, SCALE_MAX), DefaultValue::F(0.2), "r_c: misconduct incidents per period of a misconduct-type cadre"),
    spec!("misconduct.gain", real(0.0, UTILITY_MAX), DefaultValue::F(0.5), "g: private gain per incident"),
    // inspection levels
    spec!(
        "inspection.levels.*.rate",
        Kind::Float { min: 0.0, max: 1000.0 },
        DefaultValue::F(1.0),
        "visits per period of this level (Poisson mean, or exact count if random = false)"
    ),
    spec!("inspection.levels.*.detect", P01, DefaultValue::F(0.5), "d_l: probability that one visit finds a given error"),
    spec!("inspection.levels.*.burden", real(0.0, 10.0), DefaultValue::F(0.05), "time burden of one visit on the cadre"),
    spec!(
        "inspection.levels.*.random",
        Kind::Bool,
        DefaultValue::B(true),
        "visits ~ Poisson(rate) if true; exactly `rate` visits (a whole number) if false"
    ),
    // appraisal
    spec!(
        "appraisal.w_materials",
        real(0.0, SCALE_MAX),
        DefaultValue::F(0.6),
        "w_m: weight of the materials score z in the appraisal score"
    ),
    spec!("appraisal.w_output", real(0.0, SCALE_MAX), DefaultValue::F(0.4), "w_y: weight of output y"),
    spec!("appraisal.w_satisfaction", real(0.0, SCALE_MAX), DefaultValue::F(0.0), "w_s: weight of villagers' satisfaction"),
    spec!(
        "appraisal.pass_mark",
        real(-MARK_MAX, MARK_MAX),
        DefaultValue::F(0.35),
        "score below which an inspection may record a shortfall"
    ),
    spec!(
        "appraisal.shortfall_detect",
        P01,
        DefaultValue::F(0.5),
        "probability that an inspection records a shortfall below the pass mark"
    ),
    // regime
    spec!(
        "regime.rule",
        Kind::Choice(RULES),
        DefaultValue::S("veto"),
        "\"veto\": any finding disqualifies; \"points\": each finding is deducted"
    ),
    spec!("regime.penalty", real(0.0, UTILITY_MAX), DefaultValue::F(2.0), "sanction size of one finding"),
    spec!("regime.block", Kind::Int { min: 0, max: 100_000 }, DefaultValue::I(12), "periods a veto blocks promotion"),
    spec!("regime.exempt", P01, DefaultValue::F(0.0), "probability that a due-diligence review exempts a diligent cadre's honest findings"),
    spec!("regime.dd_threshold", P01, DefaultValue::F(0.5), "substantive work s at or above which a cadre counts as duly diligent"),
    spec!(
        "regime.review_accuracy",
        P01,
        DefaultValue::F(1.0),
        "probability that the review classifies a case correctly (honest error vs misconduct)"
    ),
    // promotion
    spec!(
        "promotion.mode",
        Kind::Choice(SLOT_MODES),
        DefaultValue::S("binomial"),
        "slots per township: Binomial(n, rate), or exactly `slots`"
    ),
    spec!("promotion.rate", P01, DefaultValue::F(0.01), "promotion rate (binomial mode)"),
    spec!("promotion.slots", Kind::Int { min: 0, max: 100_000 }, DefaultValue::I(1), "slots per township and period (fixed mode)"),
    spec!("promotion.prize", real(0.0, UTILITY_MAX), DefaultValue::F(5.0), "utility value of a promotion"),
    spec!("promotion.bonus", real(0.0, UTILITY_MAX), DefaultValue::F(0.0), "bonus paid when the score reaches bonus_mark"),
    spec!("promotion.bonus_mark", real(-MARK_MAX, MARK_MAX), DefaultValue::F(1.0), "score needed for the bonus"),
    // fatigue
    spec!("fatigue.enabled", Kind::Bool, DefaultValue::B(false), "whether fatigue, burnout and replacement are modelled"),
    spec!("fatigue.sustainable", real(0.0, 1000.0), DefaultValue::F(0.8), "time load that can be sustained without fatigue"),
    spec!("fatigue.decay", Kind::Float { min: 0.0, max: 1.0 }, DefaultValue::F(0.8), "share of fatigue carried into the next period"),
    spec!("fatigue.cost", real(0.0, UTILITY_MAX), DefaultValue::F(0.5), "utility cost per unit of fatigue"),
    spec!(
        "fatigue.limit",
        Kind::Float { min: 0.0, max: 1e6 },
        DefaultValue::F(1.0),
        "fatigue above which the cadre burns out and is replaced"
    ),
    // learning
    spec!("learning.rule", Kind::Choice(LEARNING_RULES), DefaultValue::S("ewa"), "learning rule"),
    spec!("learning.phi", P01, DefaultValue::F(0.9), "EWA phi: decay of past attractions"),
    spec!("learning.rho", P01, DefaultValue::F(0.9), "EWA rho: decay of the experience weight N"),
    spec!("learning.delta", P01, DefaultValue::F(0.5), "EWA delta: weight of foregone payoffs (1 = belief learning)"),
    spec!("learning.lambda", Kind::Float { min: 0.0, max: 1e6 }, DefaultValue::F(5.0), "logit choice sensitivity lambda"),
    spec!("learning.n0", Kind::Float { min: 0.0, max: 1e6 }, DefaultValue::F(1.0), "EWA initial experience weight N(0)"),
    spec!("learning.re_recency", P01, DefaultValue::F(0.1), "Roth-Erev recency (forgetting) parameter"),
    spec!("learning.re_experiment", P01, DefaultValue::F(0.2), "Roth-Erev experimentation parameter"),
    spec!("learning.re_shift", real(0.0, UTILITY_MAX), DefaultValue::F(10.0), "Roth-Erev: payoffs are shifted by this and floored at 0"),
    spec!("learning.re_initial", Kind::Float { min: 0.0, max: 1e6 }, DefaultValue::F(1.0), "Roth-Erev initial propensity of every action"),
    spec!("learning.imitate", P01, DefaultValue::F(0.0), "probability per period of comparing with a random township peer"),
    spec!(
        "learning.temperature",
        Kind::Float { min: 1e-9, max: 1e6 },
        DefaultValue::F(0.1),
        "imitation: logistic temperature of the payoff comparison"
    ),
    spec!("learning.mutation", P01, DefaultValue::F(0.01), "imitation rule: probability of trying a random action"),
    spec!(
        "learning.initial",
        Kind::FloatList { min: -UTILITY_MAX, max: UTILITY_MAX },
        DefaultValue::L(&[]),
        "initial attractions, one per action (empty: all zero / uniform)"
    ),
    // output
    spec!("output.avoider_below", P01, DefaultValue::F(0.25), "cadres with s below this are avoiders"),
    spec!("output.diligent_from", P01, DefaultValue::F(0.5), "cadres with s at or above this are diligent (between: minimal)"),
    spec!("output.window", Kind::Int { min: 1, max: 100_000 }, DefaultValue::I(12), "last periods averaged for end-of-run summaries"),
];

/// The inspection level present when a scenario names none: one merged level.
pub const DEFAULT_LEVEL: (&str, f64, f64, f64) = ("merged", 1.0, 0.5, 0.05);

/// Finds the registry entry for a concrete path (with a level name in place of `*`).
pub fn spec_for(path: &str) -> Option<&'static Spec> {
    if let Some(rest) = path.strip_prefix(LEVEL_PREFIX) {
        let (name, field) = rest.split_once('.')?;
        if !is_level_name(name) {
            return None;
        }
        let pattern = format!("{LEVEL_PREFIX}*.{field}");
        return REGISTRY.iter().find(|s| s.path == pattern);
    }
    REGISTRY.iter().find(|s| s.path == path)
}

/// Whether a word can name an inspection level.
pub fn is_level_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `path` names a table of the registry: a section such as `regime`, `inspection`,
/// `inspection.levels` or a level `inspection.levels.NAME` (NAME a valid level name).
pub fn is_section(path: &str) -> bool {
    if let Some(name) = path.strip_prefix(LEVEL_PREFIX) {
        return is_level_name(name);
    }
    REGISTRY.iter().any(|s| s.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.')))
}

/// The error for a table that is not a section of the registry, with a hint.
pub fn unknown_section(path: &str, origin: &Origin) -> ParamError {
    let mut sections: Vec<String> = Vec::new();
    for s in REGISTRY.iter().filter(|s| !s.path.contains('*')) {
        let mut parts: Vec<&str> = s.path.split('.').collect();
        parts.pop();
        while !parts.is_empty() {
            let sec = parts.join(".");
            if !sections.contains(&sec) {
                sections.push(sec);
            }
            parts.pop();
        }
    }
    sections.push("inspection.levels".into());
    let hint = if let Some(name) = path.strip_prefix(LEVEL_PREFIX) {
        format!("; a level name may hold only letters, digits, `_` and `-`, not {name:?}")
    } else {
        let best = sections.iter().map(|c| (edit_distance(path, c), c)).min_by_key(|(d, _)| *d);
        let parent = path.rsplit_once('.').map(|(p, _)| p).filter(|p| is_section(p));
        match (best, parent, suggest(path)) {
            (Some((d, c)), _, _) if d <= (path.len() / 3).max(3) => format!("; did you mean `[{c}]`?"),
            (_, _, Some(p)) => format!("; did you mean the parameter `{p}`?"),
            (_, Some(p), None) => format!("; did you mean a key of `[{p}]`? `cadresim params` lists them"),
            _ => "; `cadresim params` lists every section".to_string(),
        }
    };
    let what = if spec_for(path).is_some() { "is a parameter, not a table" } else { "is not a known table" };
    ParamError { origin: origin.to_string(), field: format!("[{path}]"), message: format!("{what}{hint}") }
}

/// Characters a name written into outputs (a scenario's name) may not hold: they would break a
/// CSV cell, a TOML string or key, or a one-line message.
pub const NAME_FORBIDDEN: &[char] = &[',', '"', '\'', '\\', '[', ']', '=', '#', '`'];

/// Checks a name that is written into output files and messages: not empty, at most 100
/// characters, no control characters (newlines, tabs) and none of [`NAME_FORBIDDEN`].
pub fn check_name(name: &str) -> Result<(), String> {
    let listed: String = NAME_FORBIDDEN.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
    if name.trim().is_empty() {
        return Err("is empty; a name needs at least one visible character".into());
    }
    if name.chars().count() > 100 {
        return Err(format!("is {} characters long; at most 100 are allowed", name.chars().count()));
    }
    if let Some(c) = name.chars().find(|c| c.is_control() || NAME_FORBIDDEN.contains(c)) {
        return Err(format!("contains {c:?}; a name may not hold control characters (newlines, tabs) or any of {listed}"));
    }
    Ok(())
}

/// For a path with a pattern in place of a level name (`inspection.levels.*.rate`), the message
/// that says so and names concrete paths: with the scenario's `levels`, or the default level
/// when none are given. `None` for any other path.
pub fn wildcard_message(path: &str, levels: &[String]) -> Option<String> {
    let (name, field) = path.strip_prefix(LEVEL_PREFIX)?.split_once('.')?;
    if is_level_name(name) || !REGISTRY.iter().any(|s| s.path == format!("{LEVEL_PREFIX}*.{field}")) {
        return None;
    }
    let concrete = |n: &str| format!("{LEVEL_PREFIX}{n}.{field}");
    Some(match levels {
        [] => format!(
            "is a pattern, not a parameter: put a level's name in place of {name:?}, e.g. `{}` (the default level; a scenario's levels are its [inspection.levels.NAME] tables)",
            concrete(DEFAULT_LEVEL.0)
        ),
        _ => format!(
            "is a pattern, not a parameter: put a level's name in place of {name:?}; this scenario's levels give {}",
            levels.iter().map(|l| format!("`{}`", concrete(l))).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// Closest known path to an unknown one, for a "did you mean" hint (a level pattern such as
/// `inspection.levels.*.rate` gets the path of the default level).
pub fn suggest(path: &str) -> Option<String> {
    if wildcard_message(path, &[]).is_some() {
        let field = path.strip_prefix(LEVEL_PREFIX)?.split_once('.')?.1;
        return Some(format!("{LEVEL_PREFIX}{}.{field}", DEFAULT_LEVEL.0));
    }
    let mut candidates: Vec<String> = REGISTRY.iter().filter(|s| !s.path.contains('*')).map(|s| s.path.to_string()).collect();
    if let Some(rest) = path.strip_prefix(LEVEL_PREFIX) {
        if let Some((name, _)) = rest.split_once('.').filter(|(n, _)| is_level_name(n)) {
            for s in REGISTRY.iter().filter(|s| s.path.contains('*')) {
                candidates.push(s.path.replace('*', name));
            }
        }
    }
    // Also compare the last segment alone, so `regime.exemt` and `exemt` both find `regime.exempt`.
    let best = candidates
        .iter()
        .map(|c| {
            let full = edit_distance(path, c);
            let last_c = c.rsplit('.').next().unwrap_or(c);
            let last_p = path.rsplit('.').next().unwrap_or(path);
            (full.min(edit_distance(last_p, last_c) + 2), c)
        })
        .min_by_key(|(d, _)| *d)?;
    let limit = (path.len() / 3).max(3);
    (best.0 <= limit).then(|| best.1.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Where a value came from, for error messages and the manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The registry default.
    Default,
    /// A scenario file, with the line of the value.
    File {
        /// Path of the file as the user gave it.
        file: String,
        /// 1-based line number.
        line: usize,
    },
    /// A command-line `--set` or a design point of a sweep.
    Override(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::File { file, line } => write!(f, "{file} line {line}"),
            Origin::Override(what) => write!(f, "{what}"),
        }
    }
}

/// An error in a scenario value: where it is, which field, what was wrong and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    /// Where the bad value came from (`file line N`, `--set`, ...).
    pub origin: String,
    /// The dotted field path.
    pub field: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (origin, field, message) = (one_line(&self.origin), one_line(&self.field), one_line(&self.message));
        if self.field.is_empty() {
            write!(f, "{origin}: {message}")
        } else {
            write!(f, "{origin}: {field} {message}")
        }
    }
}

/// `text` with control characters (newlines, tabs, escapes) written as escapes, so that a
/// message quoting a file name, key or value a user wrote stays on one line.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect())
}

impl ParamError {
    /// The same error, reported at another place.
    pub fn with_origin(self, origin: String) -> Self {
        ParamError { origin, ..self }
    }
}

impl std::error::Error for ParamError {}

/// Checks a value against a parameter's kind, converting where TOML is lenient (an integer
/// written for a real). Returns a message of what is accepted otherwise.
pub fn check_value(spec: &Spec, value: Value) -> Result<Value, String> {
    let shown = value.to_string();
    match (spec.kind, value) {
        (Kind::Float { min, max }, v @ (Value::Float(_) | Value::Int(_))) => {
            let x = v.as_f64().unwrap_or(f64::NAN);
            if x.is_nan() {
                return Err(format!("= {shown} is not a number; expected {}", spec.kind.allowed()));
            }
            if x < min || x > max {
                return Err(format!("= {shown} is outside [{}, {}]", fmt_num(min), fmt_num(max)));
            }
            Ok(Value::Float(x))
        }
        (Kind::Int { min, max }, Value::Int(i)) => {
            if i < min || i > max {
                return Err(format!("= {shown} is outside [{min}, {max}]"));
            }
            Ok(Value::Int(i))
        }
        (Kind::Int { min, max }, Value::Float(x)) => {
            if x.fract() != 0.0 || !x.is_finite() {
                return Err(format!("= {shown} is not a whole number; expected {}", spec.kind.allowed()));
            }
            check_value(spec, Value::Int(x as i64)).map_err(|_| format!("= {shown} is outside [{min}, {max}]"))
        }
        (Kind::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Kind::Choice(words), Value::Str(s)) => {
            if words.contains(&s.as_str()) {
                Ok(Value::Str(s))
            } else {
                Err(format!("= {} is not allowed; expected {}", toml_string(&s), spec.kind.allowed()))
            }
        }
        (Kind::FloatList { min, max }, Value::List(v)) => match v.iter().find(|x| !(min..=max).contains(*x)) {
            Some(x) => Err(format!("contains {}, outside [{}, {}]", toml_float(*x), fmt_num(min), fmt_num(max))),
            None => Ok(Value::List(v)),
        },
        (kind, _) => Err(format!("= {shown} has the wrong type; expected {}", kind.allowed())),
    }
}

/// Parses a command-line value (`--set path=value`) for a parameter of the given kind.
pub fn parse_cli_value(spec: &Spec, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let parsed = match spec.kind {
        Kind::Float { .. } => t.parse::<f64>().map(Value::Float).map_err(|_| ()),
        Kind::Int { .. } => t.parse::<i64>().map(Value::Int).or_else(|_| t.parse::<f64>().map(Value::Float)).map_err(|_| ()),
        Kind::Bool => t.parse::<bool>().map(Value::Bool).map_err(|_| ()),
        Kind::Choice(_) => Ok(Value::Str(t.trim_matches('"').to_string())),
        Kind::FloatList { .. } => {
            let inner = t.trim_start_matches('[').trim_end_matches(']');
            if inner.trim().is_empty() {
                Ok(Value::List(vec![]))
            } else {
                inner.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<Vec<_>, _>>().map(Value::List).map_err(|_| ())
            }
        }
    };
    match parsed {
        Ok(v) => check_value(spec, v),
        Err(()) => Err(format!("= {t:?} cannot be read; expected {}", spec.kind.allowed())),
    }
}

/// A fully resolved scenario: a value for every parameter, with where it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    values: BTreeMap<String, (Value, Origin)>,
    /// When each parameter was last set (a counter), so that a cross-field error can point at
    /// the value written last: a scenario's own line rather than its base's, `--set` over both.
    stamps: BTreeMap<String, u64>,
}

/// Two resolved scenarios are equal when they hold the same values from the same places, in
/// whatever order they were set.
impl PartialEq for Resolved {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Default for Resolved {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Resolved {
    /// Every parameter at its default, with the one default inspection level.
    pub fn defaults() -> Self {
        let mut values = BTreeMap::new();
        for s in REGISTRY.iter().filter(|s| !s.path.contains('*')) {
            values.insert(s.path.to_string(), (s.default.value(), Origin::Default));
        }
        let mut r = Resolved { values, stamps: BTreeMap::new() };
        let (name, rate, detect, burden) = DEFAULT_LEVEL;
        r.add_level(name, Origin::Default);
        r.values.insert(format!("{LEVEL_PREFIX}{name}.rate"), (Value::Float(rate), Origin::Default));
        r.values.insert(format!("{LEVEL_PREFIX}{name}.detect"), (Value::Float(detect), Origin::Default));
        r.values.insert(format!("{LEVEL_PREFIX}{name}.burden"), (Value::Float(burden), Origin::Default));
        r
    }

    /// Adds an inspection level with default fields (no-op if it exists).
    pub fn add_level(&mut self, name: &str, origin: Origin) {
        for s in REGISTRY.iter().filter(|s| s.path.contains('*')) {
            let path = s.path.replace('*', name);
            self.values.entry(path).or_insert((s.default.value(), origin.clone()));
        }
    }

    /// Removes every inspection level (a scenario that lists levels replaces the inherited ones).
    pub fn clear_levels(&mut self) {
        self.values.retain(|k, _| !k.starts_with(LEVEL_PREFIX));
    }

    /// Names of the inspection levels, in name order.
    pub fn level_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .values
            .keys()
            .filter_map(|k| k.strip_prefix(LEVEL_PREFIX))
            .filter_map(|r| r.split_once('.').map(|(n, _)| n.to_string()))
            .collect();
        names.dedup();
        names
    }

    /// Refuses a path of an inspection level these values do not have. A level is added by
    /// writing its table in a scenario file (`[inspection.levels.NAME]`); an override (`--set`,
    /// a sweep's or an analysis's parameter, a setting of a front end) only changes the levels
    /// there are, so that a mistyped level name is an error instead of a second level.
    pub fn check_level_exists(&self, path: &str, origin: &Origin) -> Result<(), ParamError> {
        let Some((name, field)) = path.strip_prefix(LEVEL_PREFIX).and_then(|r| r.split_once('.')) else {
            return Ok(());
        };
        let names = self.level_names();
        if names.iter().any(|n| n == name) {
            return Ok(());
        }
        let hint = names
            .iter()
            .map(|n| (edit_distance(name, n), n))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, _)| *d <= (name.len() / 3).max(2))
            .map(|(_, n)| format!(" (did you mean `{LEVEL_PREFIX}{n}.{field}`?)"))
            .unwrap_or_default();
        Err(ParamError {
            origin: origin.to_string(),
            field: path.to_string(),
            message: format!(
                "names an inspection level this scenario does not have; its levels are {}{hint}; a new level is added in a scenario file, as [{LEVEL_PREFIX}{name}]",
                names.join(", ")
            ),
        })
    }

    /// The error for an unknown path; a level pattern is answered with this scenario's levels.
    fn unknown(&self, path: &str, origin: &Origin) -> ParamError {
        match wildcard_message(path, &self.level_names()) {
            Some(message) => ParamError { origin: origin.to_string(), field: path.to_string(), message },
            None => unknown_field(path, origin),
        }
    }

    /// Sets a parameter after checking it against the registry.
    pub fn set(&mut self, path: &str, value: Value, origin: Origin) -> Result<(), ParamError> {
        let spec = spec_for(path).ok_or_else(|| self.unknown(path, &origin))?;
        let v = check_value(spec, value).map_err(|message| ParamError { origin: origin.to_string(), field: path.to_string(), message })?;
        if let Some(rest) = path.strip_prefix(LEVEL_PREFIX) {
            if let Some((name, _)) = rest.split_once('.') {
                self.add_level(name, origin.clone());
            }
        }
        self.values.insert(path.to_string(), (v, origin));
        let next = self.stamps.values().max().map_or(0, |m| m + 1);
        self.stamps.insert(path.to_string(), next);
        Ok(())
    }

    /// Sets a parameter from command-line text (`--set path=value`).
    pub fn set_text(&mut self, path: &str, text: &str, origin: Origin) -> Result<(), ParamError> {
        let spec = spec_for(path).ok_or_else(|| self.unknown(path, &origin))?;
        let v =
            parse_cli_value(spec, text).map_err(|message| ParamError { origin: origin.to_string(), field: path.to_string(), message })?;
        self.set(path, v, origin)
    }

    /// The value of a parameter (None for an unknown path).
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.values.get(path).map(|(v, _)| v)
    }

    /// Where a parameter's value came from.
    pub fn origin(&self, path: &str) -> Option<&Origin> {
        self.values.get(path).map(|(_, o)| o)
    }

    /// Of the fields a cross-field rule involves, the one to point at: one set by the file or
    /// `--set` that wrote last (the defaults agree with each other, so a value someone wrote
    /// broke the rule, and the latest word is the likeliest culprit), the first such in the
    /// rule's order; if none was set, the first field.
    pub fn blame<'a>(&self, fields: &[&'a str]) -> &'a str {
        let set = |f: &&&str| !matches!(self.origin(f), None | Some(Origin::Default));
        let Some(latest) = fields.iter().filter(set).max_by_key(|f| self.stamps.get(**f)) else {
            return fields.first().copied().unwrap_or("");
        };
        // Within the file (or `--set`) that wrote last, the rule's own order.
        let place = |f: &str| match self.origin(f) {
            Some(Origin::File { file, .. }) => file.clone(),
            other => other.map(|o| o.to_string()).unwrap_or_default(),
        };
        let last = place(latest);
        fields.iter().filter(set).find(|f| place(f) == last).copied().unwrap_or(latest)
    }

    /// Where a parameter's value came from, as text (`x.toml line 3`, `--set ...`, `default`).
    pub fn origin_text(&self, path: &str) -> String {
        self.origin(path).map(|o| o.to_string()).unwrap_or_else(|| "default".into())
    }

    /// `path = value` of a parameter, with where it came from in brackets when that differs from
    /// `at` (for the second field of a cross-field message).
    pub fn show_at(&self, path: &str, at: &str) -> String {
        let v = self.get(path).map(|v| v.to_string()).unwrap_or_default();
        let o = self.origin_text(path);
        let same_file = |a: &str, b: &str| a.split(" line ").next() == b.split(" line ").next();
        if same_file(&o, at) {
            format!("{path} = {v}")
        } else {
            format!("{path} = {v} ({o})")
        }
    }

    /// An error of a cross-field rule, reported where `field` was set; `message` follows the
    /// field's name (`"= 3 is ..."`).
    pub fn cross_error(&self, field: &str, message: String) -> ParamError {
        ParamError { origin: self.origin_text(field), field: field.to_string(), message }
    }

    /// All values in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.values.iter().map(|(k, (v, _))| (k, v))
    }

    pub(crate) fn f(&self, path: &str) -> f64 {
        self.get(path).and_then(Value::as_f64).unwrap_or_else(|| spec_default_f64(path))
    }

    pub(crate) fn i(&self, path: &str) -> i64 {
        match self.get(path) {
            Some(Value::Int(i)) => *i,
            Some(Value::Float(x)) => *x as i64,
            _ => spec_default_f64(path) as i64,
        }
    }

    pub(crate) fn b(&self, path: &str) -> bool {
        matches!(self.get(path), Some(Value::Bool(true)))
    }

    pub(crate) fn s(&self, path: &str) -> &str {
        match self.get(path) {
            Some(Value::Str(s)) => s.as_str(),
            _ => "",
        }
    }

    pub(crate) fn list(&self, path: &str) -> &[f64] {
        match self.get(path) {
            Some(Value::List(v)) => v.as_slice(),
            _ => &[],
        }
    }

    /// The scenario as a TOML document that `cadresim run` accepts and that re-creates it.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("# Fully resolved cadresim scenario: every parameter, as used by the run.\n");
        let mut section = String::new();
        for (path, v) in self.iter() {
            let (sec, key) = path.rsplit_once('.').unwrap_or(("", path));
            if sec != section {
                out.push_str(&format!("\n[{sec}]\n"));
                section = sec.to_string();
            }
            out.push_str(&format!("{key} = {}\n", v.to_toml()));
        }
        out
    }

    /// The scenario as nested JSON (for the manifest).
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (path, v) in self.iter() {
            let mut node = &mut root;
            let parts: Vec<&str> = path.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                let entry = node.entry(part.to_string()).or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                node = match entry {
                    serde_json::Value::Object(m) => m,
                    _ => unreachable!("a parameter path is never both a value and a section"),
                };
            }
            node.insert(parts[parts.len() - 1].to_string(), v.to_json());
        }
        serde_json::Value::Object(root)
    }
}

fn spec_default_f64(path: &str) -> f64 {
    spec_for(path).and_then(|s| s.default.value().as_f64()).unwrap_or(0.0)
}

/// The error for a path that is not in the registry, with a hint.
pub fn unknown_field(path: &str, origin: &Origin) -> ParamError {
    if let Some(message) = wildcard_message(path, &[]) {
        return ParamError { origin: origin.to_string(), field: path.to_string(), message };
    }
    let hint = match suggest(path) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => "; `cadresim params` lists every parameter".to_string(),
    };
    ParamError { origin: origin.to_string(), field: path.to_string(), message: format!("is not a known parameter{hint}") }
}

/// The `cadresim params` listing: path, default, allowed values and meaning of every parameter.
pub fn listing() -> String {
    let mut out = String::new();
    // Level fields are listed at the default level's concrete path (`inspection.levels.merged.rate`),
    // which `--set` and `--vary` accept as shown; other levels replace `merged` by their name.
    let shown = |s: &Spec| s.path.replace('*', DEFAULT_LEVEL.0);
    let width = REGISTRY.iter().map(|s| shown(s).len()).max().unwrap_or(10);
    let mut section = "";
    for s in REGISTRY {
        let sec = s.path.split('.').next().unwrap_or("");
        if sec != section {
            out.push_str(&format!("\n[{sec}]\n"));
            section = sec;
        }
        out.push_str(&format!(
            "  {:width$}  default {:<10}  {}\n  {:width$}  {}\n",
            shown(s),
            s.default.value().to_string(),
            s.doc,
            "",
            s.kind.allowed()
        ));
    }
    out.push_str(
        "\nReal-valued ranges are finite: upper ends (100 for noise sds and scale factors, 10^6 for utility\n\
         values and appraisal marks) lie far past any calibration and keep every period's arithmetic\n\
         finite. `inf` and `nan` are never accepted.\n",
    );
    out.push_str(&format!(
        "\nInspection levels are tables under [inspection.levels.NAME]; a scenario that lists levels replaces\nthe inherited ones. Without any, one level \"{0}\" with rate {1}, detect {2}, burden {3} is used.\nThe level fields above are shown for that level (`--set inspection.levels.{0}.rate=2`); for a\nscenario with other levels put the level's name in place of \"{0}\", e.g. inspection.levels.county.rate.\n",
        DEFAULT_LEVEL.0, DEFAULT_LEVEL.1, DEFAULT_LEVEL.2, DEFAULT_LEVEL.3
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_its_own_check() {
        for s in REGISTRY {
            assert!(check_value(s, s.default.value()).is_ok(), "{}", s.path);
        }
    }

    #[test]
    fn out_of_range_value_names_the_range() {
        let mut r = Resolved::defaults();
        let e = r.set("regime.exempt", Value::Float(1.4), Origin::Override("--set".into())).unwrap_err();
        assert_eq!(e.to_string(), "--set: regime.exempt = 1.4 is outside [0, 1]");
    }

    #[test]
    fn unknown_path_gets_a_hint() {
        let e = unknown_field("regime.exemt", &Origin::Default);
        assert!(e.message.contains("regime.exempt"), "{}", e.message);
        let e = unknown_field("penalty", &Origin::Default);
        assert!(e.message.contains("regime.penalty"), "{}", e.message);
    }

    #[test]
    fn level_paths_resolve_and_create_the_level() {
        let mut r = Resolved::defaults();
        r.set_text("inspection.levels.national.rate", "0.5", Origin::Override("--set".into())).unwrap();
        assert_eq!(r.level_names(), vec!["merged".to_string(), "national".to_string()]);
        assert_eq!(r.get("inspection.levels.national.detect"), Some(&Value::Float(0.5)));
    }

    #[test]
    fn cli_values_are_parsed_by_kind() {
        let mut r = Resolved::defaults();
        r.set_text("regime.rule", "points", Origin::Default).unwrap();
        assert_eq!(r.s("regime.rule"), "points");
        assert!(r.set_text("regime.rule", "shoot", Origin::Default).is_err());
        assert!(r.set_text("population.cadres", "0", Origin::Default).is_err());
        assert!(r.set_text("population.cadres", "2.5", Origin::Default).is_err());
        r.set_text("population.cadres", "30", Origin::Default).unwrap();
        assert_eq!(r.i("population.cadres"), 30);
        assert!(r.set_text("regime.penalty", "abc", Origin::Default).is_err());
        assert!(r.set_text("regime.penalty", "NaN", Origin::Default).is_err());
        r.set_text("learning.initial", "[1, 2.5]", Origin::Default).unwrap();
        assert_eq!(r.list("learning.initial"), &[1.0, 2.5]);
    }

    #[test]
    fn floats_are_written_so_that_toml_reads_them_back() {
        assert_eq!(toml_float(2.0), "2.0");
        assert_eq!(toml_float(0.1), "0.1");
        assert_eq!(toml_float(1e300), "1e300");
        assert_eq!(toml_float(-1e-7), "-1e-7");
        assert_eq!(toml_float(f64::NAN), "nan");
        assert_eq!(toml_float(f64::NEG_INFINITY), "-inf");
        assert_eq!(Value::List(vec![1.0, 1e16]).to_toml(), "[1.0, 1e16]");
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }

    #[test]
    fn non_finite_and_huge_values_are_refused_with_the_range() {
        let mut r = Resolved::defaults();
        for bad in ["inf", "-inf", "nan", "1e308"] {
            let e = r.set_text("regime.penalty", bad, Origin::Override("--set".into())).unwrap_err().to_string();
            assert!(e.contains("[0, 1000000]"), "{e}");
        }
        let e = r.set_text("population.cadres", "1e300", Origin::Override("--set".into())).unwrap_err().to_string();
        assert_eq!(e, "--set: population.cadres = 1e300 is outside [1, 100000]");
        let e = r.set("learning.initial", Value::List(vec![0.0, f64::NAN]), Origin::Default).unwrap_err().to_string();
        assert!(e.ends_with("learning.initial contains nan, outside [-1000000, 1000000]"), "{e}");
        assert_eq!(Kind::Float { min: 1e-9, max: 1e6 }.allowed(), "a number in [1e-9, 1000000]");
    }

    #[test]
    fn registry_sizes_cannot_overflow_their_products() {
        let max = |p: &str| match spec_for(p).map(|s| s.kind) {
            Some(Kind::Int { max, .. }) => max as u64,
            other => panic!("{p}: {other:?}"),
        };
        let cadres = max("population.counties") * max("population.townships") * max("population.cadres");
        assert!(cadres < 1 << 53, "{cadres} cadres are not exact in f64 sums");
        assert!(cadres.checked_mul(max("population.periods")).is_some(), "cadre-periods overflow u64");
    }

    #[test]
    fn blame_points_at_the_value_written_last() {
        let mut r = Resolved::defaults();
        let file = |line| Origin::File { file: "x.toml".into(), line };
        assert_eq!(r.blame(&["output.window", "population.periods"]), "output.window");
        r.set("population.periods", Value::Int(3), file(2)).unwrap();
        assert_eq!(r.blame(&["output.window", "population.periods"]), "population.periods");
        r.set("output.window", Value::Int(12), file(5)).unwrap();
        // Both from the same file: the rule's order.
        assert_eq!(r.blame(&["output.window", "population.periods"]), "output.window");
        r.set("population.periods", Value::Int(4), Origin::Override("--set population.periods=4".into())).unwrap();
        assert_eq!(r.blame(&["output.window", "population.periods"]), "population.periods");
        assert_eq!(r.show_at("output.window", "--set population.periods=4"), "output.window = 12 (x.toml line 5)");
        assert_eq!(r.show_at("output.window", "x.toml line 9"), "output.window = 12");
    }

    #[test]
    fn sections_and_names() {
        assert!(is_section("regime") && is_section("inspection") && is_section("inspection.levels"));
        assert!(is_section("inspection.levels.county") && !is_section("inspection.levels.a b"));
        assert!(!is_section("regime.penalty") && !is_section("regimes") && !is_section(""));
        assert!(unknown_section("regimes", &Origin::Default).to_string().ends_with("did you mean `[regime]`?"));
        assert!(check_name("status quo (2013-2020)").is_ok());
        for bad in ["", "  ", "a,b", "a\nb", "x\"y", "[t]", "k=v", "a#b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"n".repeat(101)).is_err());
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn resolved_toml_round_trips_through_the_json_shape() {
        let r = Resolved::defaults();
        let j = r.to_json();
        assert_eq!(j["regime"]["penalty"], serde_json::json!(2.0));
        assert_eq!(j["inspection"]["levels"]["merged"]["rate"], serde_json::json!(1.0));
        assert!(r.to_toml().contains("[inspection.levels.merged]"));
    }

    /// Issue 12 (first contact): `params` shows concrete level paths, and a level pattern given
    /// to `--set` or `--vary` is answered with the concrete paths instead of a wrong guess.
    #[test]
    fn level_patterns_get_concrete_paths() {
        let l = listing();
        assert!(l.contains("  inspection.levels.merged.rate "), "{l}");
        assert!(!l.contains("levels.*."), "{l}");
        let e = unknown_field("inspection.levels.*.rate", &Origin::Override("--vary".into()));
        assert!(e.message.contains("`inspection.levels.merged.rate`") && !e.message.contains("misconduct"), "{}", e.message);
        assert_eq!(suggest("inspection.levels.*.detect").as_deref(), Some("inspection.levels.merged.detect"));
        let mut r = Resolved::defaults();
        r.clear_levels();
        r.add_level("county", Origin::Default);
        r.add_level("province", Origin::Default);
        let e = r.set_text("inspection.levels.*.rate", "2", Origin::Override("--set".into())).unwrap_err();
        assert!(e.to_string().contains("`inspection.levels.county.rate`, `inspection.levels.province.rate`"), "{e}");
        assert!(!e.to_string().contains('\n'));
        assert!(wildcard_message("inspection.levels.*.nope", &[]).is_none());
        assert!(wildcard_message("regime.exempt", &[]).is_none());
    }
}
