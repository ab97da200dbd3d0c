//! Experimental designs over scenario parameters: full grids and Latin hypercubes.
//!
//! A design is a list of points, each a vector of parameter values in the order of the factors.
//! Designs are pure functions of their specification and a seed.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::params::{self, Kind};

/// One varied parameter: a registry path and a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Dotted parameter path.
    pub path: String,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Grid steps (values per factor in a grid design; 1 means `lo` only).
    pub steps: usize,
    /// Whether the parameter takes whole numbers.
    pub integer: bool,
    /// The values of a categorical (choice or boolean) parameter, in the order given; empty for
    /// a numeric one. A design point holds each as its position in the registry's list of
    /// values ([`category_values`]), which [`category_word`] turns back into the word.
    pub categories: Vec<String>,
}

/// The values of a categorical registry parameter, in registry order (`false`, `true` for a
/// boolean), or `None` for a numeric or unknown one.
pub fn category_values(path: &str) -> Option<Vec<&'static str>> {
    match params::spec_for(path)?.kind {
        Kind::Choice(words) => Some(words.to_vec()),
        Kind::Bool => Some(vec!["false", "true"]),
        _ => None,
    }
}

/// The word a design point's value `x` of categorical parameter `path` stands for.
pub fn category_word(path: &str, x: f64) -> Option<&'static str> {
    let values = category_values(path)?;
    (x >= 0.0 && x.fract() == 0.0).then(|| values.get(x as usize).copied()).flatten()
}

/// Whether `path` is a categorical (choice or boolean) parameter.
pub fn is_categorical(path: &str) -> bool {
    category_values(path).is_some()
}

/// Parses the value list of a categorical factor (`veto,points`), checking each word.
fn parse_categories(path: &str, list: &str, with_steps: bool) -> Result<Factor, String> {
    let allowed = category_values(path).unwrap_or_default();
    let kind = params::spec_for(path).map(|s| s.kind.allowed()).unwrap_or_default();
    if !with_steps {
        return Err(format!(
            "{path} is categorical (it takes {kind}); a sensitivity analysis needs numeric ranges: sweep it over a grid instead ({{vary}} {path}={})",
            allowed.join(",")
        ));
    }
    let mut categories: Vec<String> = Vec::new();
    for word in list.split(',').map(|w| w.trim().trim_matches('"')) {
        if !allowed.contains(&word) {
            return Err(format!("{word:?} is not a value of {path}; it takes {kind}, listed as e.g. {path}={}", allowed.join(",")));
        }
        if categories.iter().any(|c| c == word) {
            return Err(format!("{word} is listed twice"));
        }
        categories.push(word.to_string());
    }
    Ok(Factor { path: path.to_string(), lo: 0.0, hi: (allowed.len() - 1) as f64, steps: categories.len(), integer: true, categories })
}

/// The bounds `(min, max)` of a numeric registry parameter and whether it takes whole numbers;
/// an error for unknown (with a did-you-mean) or non-numeric parameters.
pub fn numeric_param(path: &str) -> Result<(f64, f64, bool), String> {
    let spec = params::spec_for(path).ok_or_else(|| {
        let hint = params::suggest(path).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        format!("{path} is not a known parameter{hint}")
    })?;
    match spec.kind {
        Kind::Float { min, max } => Ok((min, max, false)),
        Kind::Int { min, max } => Ok((min as f64, max as f64, true)),
        Kind::Choice(words) => Err(format!(
            "{path} is categorical (it takes {}): list the values to sweep, e.g. {path}={}",
            Kind::Choice(words).allowed(),
            words.join(",")
        )),
        Kind::Bool => Err(format!("{path} is categorical (it takes true or false): list the values to sweep, e.g. {path}=true,false")),
        other => Err(format!("{path} is not numeric (it takes {}) and cannot be varied over a range", other.allowed())),
    }
}

/// Parses `path=lo:hi:steps` (or `path=lo:hi` when `with_steps` is false, e.g. for sensitivity
/// analysis) and checks the path and the range against the parameter registry.
/// Messages do not repeat `text`: callers put it in front (the CLI as `--vary TEXT: ...`).
pub fn parse_factor(text: &str, with_steps: bool) -> Result<Factor, String> {
    let form = if with_steps { "PATH=LO:HI:STEPS, e.g. regime.exempt=0:1:5" } else { "PATH=LO:HI, e.g. regime.exempt=0:1" };
    let (path, range) = text.split_once('=').ok_or_else(|| format!("expected {form}"))?;
    let path = path.trim();
    if is_categorical(path) && !range.contains(':') {
        return parse_categories(path, range, with_steps);
    }
    let (min, max, integer) = numeric_param(path)?;
    let parts: Vec<&str> = range.split(':').collect();
    let want = if with_steps { 3 } else { 2 };
    if parts.len() != want {
        return Err(format!("expected {form}"));
    }
    let num = |s: &str, what: &str| -> Result<f64, String> {
        s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("{what} {s:?} is not a number"))
    };
    let lo = num(parts[0], "lower end")?;
    let hi = num(parts[1], "upper end")?;
    if lo > hi {
        return Err(format!("lower end {lo} is above upper end {hi}"));
    }
    if lo < min || hi > max {
        return Err(format!("{path} must stay within [{min}, {max}]"));
    }
    if !with_steps && lo == hi {
        return Err("the range is empty (lower end equals upper end)".to_string());
    }
    let steps = if with_steps {
        let s = parts[2].trim();
        let n: i64 = s.parse().map_err(|_| format!("steps {s:?} is not a whole number"))?;
        if n < 1 {
            return Err(format!("steps must be at least 1 (got {n})"));
        }
        if n > 100_000 {
            return Err("at most 100000 steps".to_string());
        }
        n as usize
    } else {
        0
    };
    Ok(Factor { path: path.to_string(), lo, hi, steps, integer, categories: Vec::new() })
}

impl Factor {
    /// The factor as `path=lo:hi:steps` (or `path=lo:hi` for a range without steps), numbers in
    /// their shortest form: what [`parse_factor`] reads back.
    pub fn text(&self, with_steps: bool) -> String {
        if self.is_categorical() {
            format!("{}={}", self.path, self.categories.join(","))
        } else if with_steps {
            format!("{}={}:{}:{}", self.path, self.lo, self.hi, self.steps)
        } else {
            format!("{}={}:{}", self.path, self.lo, self.hi)
        }
    }

    /// Maps a unit value in [0, 1] onto the factor's range (rounded for whole-number parameters).
    pub fn at(&self, u: f64) -> f64 {
        let x = self.lo + (self.hi - self.lo) * u;
        if self.integer {
            x.round()
        } else {
            x
        }
    }

    /// Whether the factor lists the values of a categorical parameter.
    pub fn is_categorical(&self) -> bool {
        !self.categories.is_empty()
    }

    /// The grid values of this factor (for a categorical one, the registry position of each
    /// listed value, in the order listed).
    pub fn grid(&self) -> Vec<f64> {
        if self.is_categorical() {
            let all = category_values(&self.path).unwrap_or_default();
            return self.categories.iter().filter_map(|c| all.iter().position(|w| w == c)).map(|i| i as f64).collect();
        }
        if self.steps <= 1 {
            return vec![self.at(0.0)];
        }
        (0..self.steps).map(|i| self.at(i as f64 / (self.steps - 1) as f64)).collect()
    }
}

/// Full factorial grid; the last factor varies fastest.
pub fn grid(factors: &[Factor]) -> Vec<Vec<f64>> {
    let mut points = vec![Vec::new()];
    for f in factors {
        let values = f.grid();
        points = points.into_iter().flat_map(|p| values.iter().map(move |v| [p.clone(), vec![*v]].concat())).collect();
    }
    points
}

/// Latin hypercube of `n` points: each factor's range is cut into `n` equal strata, each stratum
/// used once, positions within strata uniform; seeded.
pub fn latin_hypercube(factors: &[Factor], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x4C48_5344_4553_4947);
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(factors.len());
    for f in factors {
        let mut strata: Vec<usize> = (0..n).collect();
        strata.shuffle(&mut rng);
        columns.push(strata.into_iter().map(|k| f.at((k as f64 + rng.random::<f64>()) / n as f64)).collect());
    }
    (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_parse_and_reject_bad_specs() {
        let f = parse_factor("regime.exempt=0:1:5", true).unwrap();
        assert_eq!(f.grid(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let e = parse_factor("regime.exemt=0:1:5", true).unwrap_err();
        assert!(e.contains("did you mean `regime.exempt`"), "{e}");
        assert!(parse_factor("regime.exempt=1:0:3", true).unwrap_err().contains("above upper end"));
        assert!(parse_factor("regime.exempt=0:1:0", true).unwrap_err().contains("at least 1"));
        assert!(parse_factor("regime.exempt=0:x:3", true).unwrap_err().contains("not a number"));
        assert!(parse_factor("regime.exempt=0:2:3", true).unwrap_err().contains("within [0, 1]"));
        assert!(parse_factor("regime.rule=0:1:2", true).unwrap_err().contains("is categorical"));
        assert!(parse_factor("regime.exempt", true).unwrap_err().contains("expected"));
        let g = parse_factor("population.cadres=10:20:3", true).unwrap();
        assert_eq!(g.grid(), vec![10.0, 15.0, 20.0]);
    }

    #[test]
    fn categorical_factors_list_their_values_and_map_back_to_words() {
        let f = parse_factor("regime.rule=points,veto", true).unwrap();
        assert_eq!((f.grid(), f.text(true)), (vec![1.0, 0.0], "regime.rule=points,veto".to_string()));
        assert_eq!(parse_factor(&f.text(true), true).unwrap(), f);
        assert_eq!([category_word("regime.rule", 0.0), category_word("regime.rule", 1.0)], [Some("veto"), Some("points")]);
        assert_eq!(category_word("regime.rule", 2.0), None);
        let b = parse_factor("fatigue.enabled=true,false", true).unwrap();
        assert_eq!(b.grid(), vec![1.0, 0.0]);
        assert!(parse_factor("regime.rule=veto,nope", true).unwrap_err().contains("\"nope\" is not a value of regime.rule"));
        assert!(parse_factor("regime.rule=veto,veto", true).unwrap_err().contains("listed twice"));
        assert!(parse_factor("regime.rule=veto,points", false).unwrap_err().contains("needs numeric ranges"));
        assert!(parse_factor("regime.penalty=1,2", true).unwrap_err().contains("expected PATH=LO:HI:STEPS"));
        let g = grid(&[f, parse_factor("regime.penalty=0:1:2", true).unwrap()]);
        assert_eq!(g, vec![vec![1.0, 0.0], vec![1.0, 1.0], vec![0.0, 0.0], vec![0.0, 1.0]]);
    }

    #[test]
    fn grid_is_full_factorial_last_fastest() {
        let a = parse_factor("regime.exempt=0:1:2", true).unwrap();
        let b = parse_factor("regime.penalty=1:3:3", true).unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![0.0, 1.0]);
        assert_eq!(g[1], vec![0.0, 2.0]);
        assert_eq!(g[3], vec![1.0, 1.0]);
    }

    #[test]
    fn latin_hypercube_fills_every_stratum_once() {
        let a = parse_factor("regime.exempt=0:1:1", true).unwrap();
        let b = parse_factor("regime.penalty=0:10:1", true).unwrap();
        let d = latin_hypercube(&[a.clone(), b], 20, 3);
        assert_eq!(d.len(), 20);
        for (k, width) in [(0, 1.0), (1, 10.0)] {
            let mut strata: Vec<usize> = d.iter().map(|p| (p[k] / width * 20.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..20).collect::<Vec<_>>());
        }
        assert_eq!(d, latin_hypercube(&[a.clone(), parse_factor("regime.penalty=0:10:1", true).unwrap()], 20, 3));
        assert_ne!(d, latin_hypercube(&[a, parse_factor("regime.penalty=0:10:1", true).unwrap()], 20, 4));
    }
}
