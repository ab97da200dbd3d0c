//! The pattern file: named, documented conditions on end-of-run metrics of named scenarios, and
//! the small expression language of their conditions.
//!
//! ```toml
//! level = 0.95
//! [scenarios]
//! status_quo = "../scenarios/status_quo_veto.toml"
//! [[pattern]]
//! name = "blame_paradox"
//! finding = "F8"
//! doc = "Diligent cadres are sanctioned well above avoiders."
//! condition = "blame_ratio(status_quo) > 1.5"
//! ```
//!
//! `condition := expr CMP expr [CMP expr]` with `CMP` one of `< <= > >=` (a chain `a < b < c`
//! means both comparisons), `expr` built from numbers, `+ - * /`, parentheses and
//! `metric(scenario)`. Scenario paths are relative to the pattern file. Every error names the
//! file, the pattern (by name, or by index when it has none) and what is wrong, and all of them are
//! found before anything runs.

use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item};

use crate::error::Error;
use crate::metrics::METRICS;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }

    /// The signed difference that is positive when `lhs CMP rhs` holds.
    pub fn margin(self, lhs: f64, rhs: f64) -> f64 {
        match self {
            Cmp::Lt | Cmp::Le => rhs - lhs,
            Cmp::Gt | Cmp::Ge => lhs - rhs,
        }
    }

    /// Whether a margin of exactly 0 satisfies the comparison.
    pub fn inclusive(self) -> bool {
        matches!(self, Cmp::Le | Cmp::Ge)
    }
}

/// An arithmetic expression over metrics of scenarios.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// `metric(scenario)`: indices into [`METRICS`] and the file's scenarios.
    Metric {
        /// Column in [`METRICS`].
        metric: usize,
        /// Index in [`PatternFile::scenarios`].
        scenario: usize,
    },
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b` with `op` one of `+ - * /`.
    Bin(char, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// The value, given `value(metric, scenario)`; NaN propagates (an undefined metric).
    pub fn eval(&self, value: &dyn Fn(usize, usize) -> f64) -> f64 {
        match self {
            Expr::Num(x) => *x,
            Expr::Metric { metric, scenario } => value(*metric, *scenario),
            Expr::Neg(e) => -e.eval(value),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(value), b.eval(value));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
        }
    }

    /// Every `(metric, scenario)` the expression reads.
    pub fn uses(&self, out: &mut Vec<(usize, usize)>) {
        match self {
            Expr::Num(_) => {}
            Expr::Metric { metric, scenario } => out.push((*metric, *scenario)),
            Expr::Neg(e) => e.uses(out),
            Expr::Bin(_, a, b) => {
                a.uses(out);
                b.uses(out);
            }
        }
    }
}

/// A parsed condition: `terms[0] cmps[0] terms[1] [cmps[1] terms[2]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Two or three expressions.
    pub terms: Vec<Expr>,
    /// One or two comparisons, between consecutive terms.
    pub cmps: Vec<Cmp>,
}

/// One pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// Unique name, `[a-z][a-z0-9_]*`.
    pub name: String,
    /// Which of the study's findings it encodes (`F1` to `F15`).
    pub finding: String,
    /// How the finding is read.
    pub doc: String,
    /// The condition as written.
    pub text: String,
    /// The condition parsed.
    pub condition: Condition,
}

/// A parsed pattern file.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternFile {
    /// The file (for messages).
    pub path: PathBuf,
    /// Confidence level of the paired intervals.
    pub level: f64,
    /// `(name, scenario file)` in file order; the first is the baseline of effects.
    pub scenarios: Vec<(String, PathBuf)>,
    /// The patterns, in file order.
    pub patterns: Vec<Pattern>,
}

/// Whether `name` is `[a-z][a-z0-9_]*`.
pub fn valid_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase()) && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Levenshtein distance (for did-you-mean suggestions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest of `known` to `name`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known.into_iter().map(|k| (distance(name, k), k)).filter(|(d, k)| *d <= 2.max(k.len() / 3)).min_by_key(|(d, _)| *d).map(|(_, k)| k)
}

/// Parses a condition against the scenario names, with a message (without file or pattern) on
/// error.
pub fn parse_condition(text: &str, scenarios: &[&str]) -> Result<Condition, String> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0, scenarios };
    let mut terms = vec![p.expr()?];
    let mut cmps = Vec::new();
    while let Some(Tok::Cmp(c)) = p.peek().cloned() {
        p.pos += 1;
        cmps.push(c);
        terms.push(p.expr()?);
    }
    match p.peek() {
        None => {}
        Some(Tok::Close) => return Err("unbalanced parenthesis: a `)` without its `(`".into()),
        Some(t) => return Err(format!("unexpected {} after a complete expression", t.describe())),
    }
    match cmps.len() {
        0 => Err("no comparison: a condition is `expr CMP expr` with CMP one of < <= > >=".into()),
        1 | 2 => Ok(Condition { terms, cmps }),
        n => Err(format!("{n} comparisons; at most two (a chain such as `a < b < c`)")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    Cmp(Cmp),
    Open,
    Close,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(x) => format!("number {x}"),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Op(c) => format!("`{c}`"),
            Tok::Cmp(c) => format!("`{}`", c.symbol()),
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            '+' | '-' | '*' | '/' => {
                out.push(Tok::Op(c));
                i += 1
            }
            '<' | '>' | '=' | '!' => {
                let mut op = String::from(c);
                while i + op.len() < chars.len() && "<>=!".contains(chars[i + op.len()]) {
                    op.push(chars[i + op.len()]);
                }
                let cmp = match op.as_str() {
                    "<" => Cmp::Lt,
                    "<=" => Cmp::Le,
                    ">" => Cmp::Gt,
                    ">=" => Cmp::Ge,
                    _ => return Err(format!("bad operator `{op}`; comparisons are < <= > >= (equality cannot be judged from noisy runs)")),
                };
                out.push(Tok::Cmp(cmp));
                i += op.len();
            }
            _ if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    // An exponent's sign belongs to the number: 1e-3.
                    i += 1;
                    if i < chars.len() && (chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E') {
                        i += 1;
                    }
                }
                let s: String = chars[start..i].iter().collect();
                let x: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
                out.push(Tok::Num(x));
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            _ => {
                return Err(format!(
                    "unexpected character `{c}`; allowed are numbers, metric(scenario), + - * /, parentheses and < <= > >="
                ))
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Tok>,
    pos: usize,
    scenarios: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut e = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.term()?));
        }
        Ok(e)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut e = self.factor()?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.factor()?));
        }
        Ok(e)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(x)) => Ok(Expr::Num(x)),
            Some(Tok::Op('-')) => Ok(Expr::Neg(Box::new(self.factor()?))),
            Some(Tok::Open) => {
                let e = self.expr()?;
                match self.next() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("unbalanced parenthesis: a `(` is never closed".into()),
                }
            }
            Some(Tok::Ident(name)) => self.metric(name),
            Some(t) => Err(format!("expected a number, `(` or metric(scenario), found {}", t.describe())),
            None => Err("the condition ends where an expression is expected".into()),
        }
    }

    fn metric(&mut self, name: String) -> Result<Expr, String> {
        let Some(metric) = METRICS.iter().position(|m| m.name == name) else {
            let hint = did_you_mean(&name, METRICS.iter().map(|m| m.name)).map(|k| format!("did you mean `{k}`? ")).unwrap_or_default();
            return Err(format!("unknown metric `{name}`; {hint}`cadresim metrics` lists them"));
        };
        if self.next() != Some(Tok::Open) {
            return Err(format!("metric `{name}` needs a scenario: {name}(SCENARIO)"));
        }
        let scenario = match self.next() {
            Some(Tok::Ident(s)) => s,
            _ => return Err(format!("metric `{name}` needs a scenario name in parentheses: {name}(SCENARIO)")),
        };
        let Some(k) = self.scenarios.iter().position(|s| *s == scenario) else {
            return Err(format!("unknown scenario `{scenario}`; [scenarios] names {}", self.scenarios.join(", ")));
        };
        if self.next() != Some(Tok::Close) {
            return Err(format!("unbalanced parenthesis: {name}({scenario} is never closed"));
        }
        Ok(Expr::Metric { metric, scenario: k })
    }
}

/// A string field of a pattern table.
fn text_field(table: &dyn toml_edit::TableLike, key: &str) -> Result<Option<String>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => match item.as_str() {
            Some(s) => Ok(Some(s.to_string())),
            None => Err(format!("`{key}` must be a string")),
        },
    }
}

impl PatternFile {
    /// Reads and checks a pattern file.
    pub fn load(path: &Path) -> Result<PatternFile, Error> {
        let text = crate::output::read_capped(path, 4 << 20)
            .map_err(|e| Error::data(path, None, format!("cannot read the pattern file ({e})")))?;
        PatternFile::parse(&text, path)
    }

    /// Parses pattern-file text; `path` names it and relative scenario paths resolve against its
    /// folder.
    pub fn parse(text: &str, path: &Path) -> Result<PatternFile, Error> {
        let err = |m: String| Error::data(path, None, m);
        let doc: ImDocument<&str> =
            ImDocument::parse(text).map_err(|e| err(format!("not valid TOML: {}", crate::output::one_line(&e.to_string()))))?;
        let root = doc.as_table();
        for (key, _) in root.iter() {
            if !["level", "scenarios", "pattern"].contains(&key) {
                return Err(err(format!("unknown key `{key}`; a pattern file has `level`, [scenarios] and [[pattern]] tables")));
            }
        }
        let level = match root.get("level") {
            None => 0.95,
            Some(i) => match i.as_float().or_else(|| i.as_integer().map(|x| x as f64)) {
                Some(l) if l > 0.0 && l < 1.0 => l,
                _ => return Err(err(format!("level = {}: expected a number strictly between 0 and 1, e.g. 0.95", i.to_string().trim()))),
            },
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut scenarios = Vec::new();
        match root.get("scenarios") {
            Some(Item::Table(t)) => {
                for (name, item) in t.iter() {
                    if !valid_name(name) {
                        return Err(err(format!("[scenarios] `{name}`: a scenario name is [a-z][a-z0-9_]*")));
                    }
                    let Some(file) = item.as_str() else {
                        return Err(err(format!("[scenarios] {name}: expected the path of a scenario file as a string")));
                    };
                    scenarios.push((name.to_string(), dir.join(file)));
                }
            }
            Some(_) => return Err(err("`scenarios` must be a table: [scenarios] NAME = \"FILE\"".into())),
            None => return Err(err("missing [scenarios]: name the scenario files the conditions refer to".into())),
        }
        if scenarios.is_empty() {
            return Err(err("[scenarios] is empty: name at least one scenario file".into()));
        }
        let names: Vec<&str> = scenarios.iter().map(|(n, _)| n.as_str()).collect();
        let tables: Vec<&dyn toml_edit::TableLike> = match root.get("pattern") {
            Some(Item::ArrayOfTables(a)) => a.iter().map(|t| t as &dyn toml_edit::TableLike).collect(),
            Some(_) => return Err(err("`pattern` must be an array of tables: [[pattern]]".into())),
            None => return Err(err("no [[pattern]]: the file defines no pattern".into())),
        };
        let mut patterns: Vec<Pattern> = Vec::new();
        for (i, t) in tables.iter().enumerate() {
            let name = text_field(*t, "name").map_err(|m| err(format!("pattern {}: {m}", i + 1)))?;
            let who = match &name {
                Some(n) => format!("pattern `{n}`"),
                None => format!("pattern {}", i + 1),
            };
            let perr = |m: String| err(format!("{who}: {m}"));
            for (key, _) in t.iter() {
                if !["name", "finding", "doc", "condition"].contains(&key) {
                    return Err(perr(format!("unknown field `{key}`; a pattern has name, finding, doc and condition")));
                }
            }
            let field = |key: &str| -> Result<String, Error> {
                text_field(*t, key).map_err(|m| perr(m.clone()))?.ok_or_else(|| perr(format!("missing field `{key}`")))
            };
            let name = field("name")?;
            if !valid_name(&name) {
                return Err(perr("name must be [a-z][a-z0-9_]*".into()));
            }
            if patterns.iter().any(|p| p.name == name) {
                return Err(perr("duplicate name: another pattern has it".into()));
            }
            let finding = field("finding")?;
            let ok = finding.strip_prefix('F').and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| (1..=15).contains(&n));
            if !ok && finding != "external" {
                return Err(perr(format!(
                    "finding = \"{finding}\": expected one of the study's findings F1 to F15, or \"external\" for evidence from elsewhere (name the source in doc)"
                )));
            }
            let doc = field("doc")?;
            let text = field("condition")?;
            let condition = parse_condition(&text, &names).map_err(|m| perr(format!("condition \"{text}\": {m}")))?;
            patterns.push(Pattern { name, finding, doc, text, condition });
        }
        Ok(PatternFile { path: path.to_path_buf(), level, scenarios, patterns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_with_precedence_and_chains() {
        let c = parse_condition("0.1 < 12 * s(a) - -1 / 2 <= 1.0", &["a"]).unwrap();
        assert_eq!(c.cmps, vec![Cmp::Lt, Cmp::Le]);
        let s = crate::metrics::index("s");
        let v = c.terms[1].eval(&|m, k| if (m, k) == (s, 0) { 0.5 } else { f64::NAN });
        assert_eq!(v, 12.0 * 0.5 + 0.5);
        let c = parse_condition("(s(a) + m(b)) * 2 > 1e-3", &["a", "b"]).unwrap();
        assert_eq!(c.terms[1], Expr::Num(1e-3));
        assert!(parse_condition("s(a) == 1", &["a"]).unwrap_err().contains("bad operator `==`"));
        assert!(parse_condition("(s(a) < 1", &["a"]).unwrap_err().contains("unbalanced"));
        assert!(parse_condition("s(a)) < 1", &["a"]).unwrap_err().contains("unbalanced"));
        assert!(parse_condition("sanction_rat(a) < 1", &["a"]).unwrap_err().contains("did you mean `sanction_rate`"));
        assert!(parse_condition("s(z) < 1", &["a", "b"]).unwrap_err().contains("names a, b"));
        assert!(parse_condition("s(a)", &["a"]).unwrap_err().contains("no comparison"));
        assert!(parse_condition("0 < s(a) < 1 < 2", &["a"]).unwrap_err().contains("at most two"));
    }
}
