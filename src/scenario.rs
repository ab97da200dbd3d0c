//! Scenario files: TOML -> checked parameter values -> a [`Scenario`].
//!
//! A scenario file holds sections of the parameter registry ([`crate::params::REGISTRY`]), may
//! name a `base` scenario whose values it overrides, and opens with a comment saying what it
//! represents. Every value is checked against the registry as it is read, so errors name the file,
//! the line and the field. Command-line overrides (`--set path=value`) go through the same checks.
//! Cross-field rules (such as `psi_min <= psi_max`) are checked by [`crate::model::Params::from_resolved`].
//!
//! Files are read defensively: only regular files of at most [`MAX_FILE_BYTES`] are read (a
//! directory, FIFO or device is refused before it is opened), `base` chains are at most
//! [`MAX_BASE_DEPTH`] files deep and may not form a cycle, and names that are written into
//! outputs are checked ([`params::check_name`]).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, Value as TomlValue};

use crate::model::Params;
use crate::params::{self, Origin, ParamError, Resolved, Value, LEVEL_PREFIX};

/// Keys allowed at the top of a scenario file besides the parameter sections.
const META_KEYS: &[&str] = &["base", "name", "description"];

/// Largest scenario file read (1 MiB); shipped scenarios are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Most files in a chain of `base` scenarios, the scenario itself included.
pub const MAX_BASE_DEPTH: usize = 16;

/// A scenario could not be read or is invalid.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioError {
    /// The file could not be read.
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        message: String,
    },
    /// The file is not valid TOML.
    Syntax {
        /// The file.
        file: String,
        /// Line of the error, if known.
        line: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// A field is unknown or its value is not allowed.
    Param(ParamError),
    /// Base scenarios refer to each other in a cycle.
    Cycle(String),
    /// A chain of base scenarios is longer than [`MAX_BASE_DEPTH`].
    Depth(String),
    /// The scenario named by a `base` key could not be read.
    Base {
        /// The file holding the `base` key.
        file: String,
        /// Line of the `base` key.
        line: usize,
        /// The value of the key.
        base: String,
        /// Why the base could not be read.
        source: Box<ScenarioError>,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use params::one_line;
        match self {
            ScenarioError::Io { file, message } => write!(f, "{}: cannot read the scenario: {}", one_line(file), one_line(message)),
            ScenarioError::Syntax { file, line: Some(l), message } => {
                write!(f, "{} line {l}: invalid TOML: {}", one_line(file), one_line(message))
            }
            ScenarioError::Syntax { file, line: None, message } => write!(f, "{}: invalid TOML: {}", one_line(file), one_line(message)),
            ScenarioError::Param(e) => write!(f, "{e}"),
            ScenarioError::Cycle(chain) => write!(f, "base scenarios form a cycle: {}", one_line(chain)),
            ScenarioError::Depth(chain) => {
                write!(f, "base scenarios nest more than {MAX_BASE_DEPTH} files deep: {}", one_line(chain))
            }
            ScenarioError::Base { file, line, base, source } => {
                write!(f, "{} line {line}: base = {}: {source}", one_line(file), Value::Str(base.clone()))
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<ParamError> for ScenarioError {
    fn from(e: ParamError) -> Self {
        ScenarioError::Param(e)
    }
}

/// A scenario: its name, what it represents, and a value for every parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name (the file stem unless the file sets `name`).
    pub name: String,
    /// What the scenario represents (the file's `description`, or its opening comment).
    pub description: String,
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// Every parameter's value.
    pub resolved: Resolved,
}

impl Scenario {
    /// The built-in defaults of docs/ODD.md, with no file.
    pub fn defaults() -> Self {
        Scenario {
            name: "defaults".into(),
            description: "the model's defaults (docs/ODD.md)".into(),
            source: None,
            resolved: Resolved::defaults(),
        }
    }

    /// Reads a scenario file (and its bases).
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let mut chain = Vec::new();
        load_chain(path, &mut chain)
    }

    /// Reads a scenario from TOML text; `file` names it in error messages and resolves `base`.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ScenarioError> {
        if text.len() as u64 > MAX_FILE_BYTES {
            let message = format!("it is larger than 1 MiB ({} bytes); a scenario file holds a few kilobytes of TOML", text.len());
            return Err(ScenarioError::Io { file: file.display().to_string(), message });
        }
        let mut chain = vec![file.to_path_buf()];
        parse_into(text, file, &mut chain)
    }

    /// Reads a scenario from TOML text whose `base` names another text that `bases` returns
    /// (e.g. presets embedded in a program) instead of a file on disk; errors as for files.
    pub fn from_toml_str_with_bases(text: &str, file: &Path, bases: &dyn Fn(&str) -> Option<String>) -> Result<Self, ScenarioError> {
        let mut chain = vec![file.to_path_buf()];
        parse_with(text, file, &mut chain, Some(bases))
    }

    /// Applies `path=value` overrides, checked like file values; errors name them
    /// `override path=value`. An override changes only the inspection levels the scenario has
    /// ([`Resolved::check_level_exists`]): a mistyped level name is an error, not a new level.
    pub fn apply_sets(&mut self, sets: &[(String, String)]) -> Result<(), ScenarioError> {
        self.apply_sets_labelled(sets, "override")
    }

    /// Like [`Scenario::apply_sets`], with errors naming each override `LABEL path=value` (the
    /// CLI passes `--set`).
    pub fn apply_sets_labelled(&mut self, sets: &[(String, String)], label: &str) -> Result<(), ScenarioError> {
        for (path, text) in sets {
            let origin = Origin::Override(format!("{label} {path}={text}"));
            if params::spec_for(path).is_some() {
                self.resolved.check_level_exists(path, &origin)?;
            }
            self.resolved.set_text(path, text, origin)?;
        }
        Ok(())
    }

    /// Applies numeric overrides of a design point (sweeps, sensitivity analysis); as for
    /// [`Scenario::apply_sets`], only of the inspection levels the scenario has.
    pub fn apply_numeric(&mut self, values: &[(String, f64)], what: &str) -> Result<(), ScenarioError> {
        for (path, x) in values {
            let spec = params::spec_for(path).ok_or_else(|| params::unknown_field(path, &Origin::Override(what.into())))?;
            self.resolved.check_level_exists(path, &Origin::Override(what.into()))?;
            if !x.is_finite() {
                let message = format!("= {} is not a finite number; expected {}", Value::Float(*x), spec.kind.allowed());
                return Err(ParamError { origin: what.to_string(), field: path.clone(), message }.into());
            }
            let v = match spec.kind {
                params::Kind::Int { .. } => Value::Int(x.round() as i64),
                _ => Value::Float(*x),
            };
            self.resolved.set(path, v, Origin::Override(what.into()))?;
        }
        Ok(())
    }

    /// Checks cross-field rules and builds the model parameters.
    pub fn params(&self) -> Result<Params, ScenarioError> {
        Params::from_resolved(&self.resolved).map_err(ScenarioError::Param)
    }

    /// The scenario as a TOML document that re-creates it when loaded: its `name` and
    /// `description` (so a run of `DIR/scenario.toml` keeps both, instead of taking the file
    /// name "scenario") and every parameter, resolved.
    pub fn to_toml(&self) -> String {
        format!(
            "name = {}\ndescription = {}\n{}",
            Value::Str(self.name.clone()),
            Value::Str(self.description.clone()),
            self.resolved.to_toml()
        )
    }

    /// Rebuilds a scenario from the nested JSON of its parameters (as a manifest records them,
    /// [`Resolved::to_json`]); every value is checked against the registry as if it came from a
    /// file, and errors name `file` and the parameter's path.
    pub fn from_json(name: &str, description: &str, parameters: &serde_json::Value, file: &str) -> Result<Scenario, ScenarioError> {
        let origin = Origin::Override(file.to_string());
        let mut leaves = Vec::new();
        json_leaves(String::new(), parameters, &mut leaves);
        let mut resolved = Resolved::defaults();
        if leaves.iter().any(|(p, _)| p.starts_with(LEVEL_PREFIX)) {
            resolved.clear_levels();
        }
        for (path, json) in leaves {
            let spec = params::spec_for(&path).ok_or_else(|| params::unknown_field(&path, &origin))?;
            let bad = || ParamError {
                origin: origin.to_string(),
                field: path.clone(),
                message: format!("= {json} is not {}", spec.kind.allowed()),
            };
            let value = match (spec.kind, json) {
                (params::Kind::Int { .. }, serde_json::Value::Number(n)) => Value::Int(n.as_i64().ok_or_else(bad)?),
                (params::Kind::Float { .. }, serde_json::Value::Number(n)) => Value::Float(n.as_f64().ok_or_else(bad)?),
                (params::Kind::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
                (params::Kind::Choice(_), serde_json::Value::String(s)) => Value::Str(s.clone()),
                (params::Kind::FloatList { .. }, serde_json::Value::Array(items)) => {
                    Value::List(items.iter().map(|x| x.as_f64().ok_or_else(bad)).collect::<Result<_, _>>()?)
                }
                _ => return Err(bad().into()),
            };
            resolved.set(&path, value, origin.clone())?;
        }
        Ok(Scenario { name: name.to_string(), description: description.to_string(), source: None, resolved })
    }
}

/// The leaves of nested JSON objects as `(dotted path, value)`.
fn json_leaves<'a>(path: String, v: &'a serde_json::Value, out: &mut Vec<(String, &'a serde_json::Value)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, sub) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                json_leaves(p, sub, out);
            }
        }
        other => out.push((path, other)),
    }
}

/// Refuses a base that closes a cycle or makes the chain too deep; `at` is where its `base` key is.
fn check_chain(path: &Path, chain: &[PathBuf], at: &Origin, base: &str) -> Result<(), ScenarioError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let names = || chain.iter().chain(std::iter::once(&canonical)).map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> ");
    if chain.contains(&canonical) {
        return Err(ScenarioError::Cycle(names()));
    }
    if chain.len() >= MAX_BASE_DEPTH {
        return Err(ScenarioError::Depth(format!("{} (at {at}: base = {})", names(), Value::Str(base.to_string()))));
    }
    Ok(())
}

fn load_chain(path: &Path, chain: &mut Vec<PathBuf>) -> Result<Scenario, ScenarioError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = read_capped(path)?;
    chain.push(canonical);
    let s = parse_into(&text, path, chain)?;
    chain.pop();
    Ok(s)
}

/// Reads a scenario file: its type and size are checked before it is opened (a FIFO or a device
/// would block or never end), and the read is capped in case the file grows meanwhile.
fn read_capped(path: &Path) -> Result<String, ScenarioError> {
    let io = |message: String| ScenarioError::Io { file: path.display().to_string(), message };
    let meta = std::fs::metadata(path).map_err(|e| io(e.to_string()))?;
    if !meta.is_file() {
        return Err(io(format!("it is {}, not a regular file", file_kind(&meta))));
    }
    let too_large = |n: u64| io(format!("it is larger than 1 MiB ({n} bytes); a scenario file holds a few kilobytes of TOML"));
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| io(format!("it is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))
}

/// What kind of thing a path that is not a regular file is, for the error message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn opening_comment(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            lines.push(c.trim().to_string());
        } else if t.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    lines.join(" ").trim().to_string()
}

fn parse_into(text: &str, file: &Path, chain: &mut Vec<PathBuf>) -> Result<Scenario, ScenarioError> {
    parse_with(text, file, chain, None)
}

/// Finds the text of an embedded base scenario by the name a `base = "..."` gives.
type Bases<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Looks up a base by name with `bases` (embedded texts), checking for cycles like files.
fn base_from(name: &str, chain: &mut Vec<PathBuf>, bases: Bases) -> Result<Scenario, ScenarioError> {
    let path = PathBuf::from(name);
    if chain.contains(&path) {
        let names: Vec<String> = chain.iter().chain(std::iter::once(&path)).map(|p| p.display().to_string()).collect();
        return Err(ScenarioError::Cycle(names.join(" -> ")));
    }
    let text = bases(name).ok_or_else(|| ScenarioError::Io { file: name.to_string(), message: "no such base scenario".into() })?;
    chain.push(path.clone());
    let s = parse_with(&text, &path, chain, Some(bases))?;
    chain.pop();
    Ok(s)
}

fn parse_with(text: &str, file: &Path, chain: &mut Vec<PathBuf>, bases: Option<Bases>) -> Result<Scenario, ScenarioError> {
    let shown = file.display().to_string();
    let doc = ImDocument::parse(text.to_string()).map_err(|e| ScenarioError::Syntax {
        file: shown.clone(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().split_whitespace().collect::<Vec<_>>().join(" "),
    })?;
    let root = doc.as_table();
    let origin_at = |offset: Option<std::ops::Range<usize>>| Origin::File {
        file: shown.clone(),
        line: offset.map(|s| line_of(text, s.start)).unwrap_or(0),
    };

    // Meta keys first: base, name, description.
    let meta_str = |key: &str| -> Result<Option<(String, Origin)>, ScenarioError> {
        match root.get_key_value(key) {
            None => Ok(None),
            Some((k, Item::Value(TomlValue::String(s)))) => Ok(Some((s.value().clone(), origin_at(k.span())))),
            Some((k, _)) => {
                Err(ParamError { origin: origin_at(k.span()).to_string(), field: key.to_string(), message: "must be a string".into() }
                    .into())
            }
        }
    };
    let base = meta_str("base")?;
    let name = meta_str("name")?;
    let description = meta_str("description")?;

    let mut scenario = match (&base, bases) {
        (Some((b, at)), _) if b.trim().is_empty() => {
            let message = "names no file; expected the path of a scenario file, relative to this one".to_string();
            return Err(ParamError { origin: at.to_string(), field: "base = \"\"".into(), message }.into());
        }
        (Some((b, _)), Some(embedded)) => base_from(b, chain, embedded)?,
        (Some((b, at)), None) => {
            let base_path = file.parent().unwrap_or(Path::new(".")).join(b);
            check_chain(&base_path, chain, at, b)?;
            load_chain(&base_path, chain).map_err(|e| match e {
                // Errors about the base file itself point at the `base` key; errors inside
                // the base name their own file and line already.
                ScenarioError::Io { .. } => {
                    let line = match at {
                        Origin::File { line, .. } => *line,
                        _ => 0,
                    };
                    ScenarioError::Base { file: shown.clone(), line, base: b.clone(), source: Box::new(e) }
                }
                other => other,
            })?
        }
        (None, _) => Scenario::defaults(),
    };

    let mut leaves = Vec::new();
    for (key, item) in root.iter() {
        if META_KEYS.contains(&key) {
            continue;
        }
        let span = root.get_key_value(key).and_then(|(k, _)| k.span());
        flatten(key.to_string(), item, span, &mut leaves);
    }
    // A file that lists inspection levels replaces the inherited ones.
    if leaves.iter().any(|(p, _, _)| p.starts_with(LEVEL_PREFIX)) {
        scenario.resolved.clear_levels();
    }
    for (path, leaf, span) in leaves {
        let origin = origin_at(span);
        let value = match leaf {
            Leaf::Value(v) => v,
            Leaf::Table => {
                match path.strip_prefix(LEVEL_PREFIX) {
                    // An empty level table is a level with every field at its default.
                    Some(level) if params::is_level_name(level) => scenario.resolved.add_level(level, origin),
                    _ if params::is_section(&path) => {}
                    _ => return Err(params::unknown_section(&path, &origin).into()),
                }
                continue;
            }
            Leaf::Bad(what) => {
                if params::spec_for(&path).is_none() {
                    return Err(params::unknown_field(&path, &origin).into());
                }
                return Err(ParamError { origin: origin.to_string(), field: path, message: what }.into());
            }
        };
        scenario.resolved.set(&path, value, origin)?;
    }
    scenario.name = match name {
        Some((n, at)) => {
            params::check_name(&n).map_err(|message| ParamError { origin: at.to_string(), field: "name".into(), message })?;
            n
        }
        None => {
            let stem = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "scenario".into());
            params::check_name(&stem).map_err(|m| ParamError {
                origin: shown.clone(),
                field: String::new(),
                message: format!(
                    "the scenario's name {} (its file name) {m}; rename the file or set `name = \"...\"`",
                    Value::Str(stem.clone())
                ),
            })?;
            stem
        }
    };
    scenario.description = description.map(|(d, _)| d).unwrap_or_else(|| opening_comment(text));
    scenario.source = Some(file.to_path_buf());
    Ok(scenario)
}

enum Leaf {
    Value(Value),
    Bad(String),
    /// A table with no entries (its path is checked against the registry's sections).
    Table,
}

fn flatten(path: String, item: &Item, span: Option<std::ops::Range<usize>>, out: &mut Vec<(String, Leaf, Option<std::ops::Range<usize>>)>) {
    match item {
        Item::None => {}
        Item::Table(t) if t.is_empty() => out.push((path, Leaf::Table, span)),
        Item::Value(TomlValue::InlineTable(t)) if t.is_empty() => out.push((path, Leaf::Table, span)),
        Item::Table(t) => {
            for (k, sub) in t.iter() {
                let s = t.get_key_value(k).and_then(|(key, _)| key.span()).or_else(|| span.clone());
                flatten(format!("{path}.{k}"), sub, s, out);
            }
        }
        Item::ArrayOfTables(_) => out.push((path, Leaf::Bad("must not be an array of tables".into()), span)),
        Item::Value(TomlValue::InlineTable(t)) => {
            for (k, sub) in t.iter() {
                let s = t.get_key_value(k).and_then(|(key, _)| key.span()).or_else(|| span.clone());
                flatten(format!("{path}.{k}"), &Item::Value(sub.clone()), s, out);
            }
        }
        Item::Value(v) => {
            let leaf = match v {
                TomlValue::Float(f) => Leaf::Value(Value::Float(*f.value())),
                TomlValue::Integer(i) => Leaf::Value(Value::Int(*i.value())),
                TomlValue::Boolean(b) => Leaf::Value(Value::Bool(*b.value())),
                TomlValue::String(s) => Leaf::Value(Value::Str(s.value().clone())),
                TomlValue::Array(a) => {
                    let nums: Option<Vec<f64>> = a
                        .iter()
                        .map(|x| match x {
                            TomlValue::Float(f) => Some(*f.value()),
                            TomlValue::Integer(i) => Some(*i.value() as f64),
                            _ => None,
                        })
                        .collect();
                    match nums {
                        Some(v) => Leaf::Value(Value::List(v)),
                        None => Leaf::Bad("must be a list of numbers".into()),
                    }
                }
                TomlValue::Datetime(_) => Leaf::Bad("is a date; expected a number, word or flag".into()),
                TomlValue::InlineTable(_) => unreachable!("handled above"),
            };
            out.push((path, leaf, span));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_str(text, Path::new("x.toml"))
    }

    #[test]
    fn values_override_defaults_and_keep_their_line() {
        let s = parse("# A test regime.\n[regime]\nexempt = 0.9\n").unwrap();
        assert_eq!(s.resolved.get("regime.exempt"), Some(&Value::Float(0.9)));
        assert_eq!(s.resolved.origin("regime.exempt"), Some(&Origin::File { file: "x.toml".into(), line: 3 }));
        assert_eq!(s.description, "A test regime.");
        assert_eq!(s.name, "x");
    }

    #[test]
    fn errors_name_file_line_field_and_range() {
        let e = parse("[regime]\n\nexempt = 1.4\n").unwrap_err();
        assert_eq!(e.to_string(), "x.toml line 3: regime.exempt = 1.4 is outside [0, 1]");
        let e = parse("[regime]\nexemt = 0.4\n").unwrap_err();
        assert!(e.to_string().starts_with("x.toml line 2: regime.exemt is not a known parameter; did you mean `regime.exempt`?"), "{e}");
        let e = parse("[population]\ncadres = 0\n").unwrap_err();
        assert!(e.to_string().contains("population.cadres = 0 is outside [1,"), "{e}");
        let e = parse("[inspection.levels.a]\nrate = -1\n").unwrap_err();
        assert!(e.to_string().contains("line 2: inspection.levels.a.rate = -1"), "{e}");
        let e = parse("[regime\n").unwrap_err();
        assert!(e.to_string().starts_with("x.toml line 1: invalid TOML"), "{e}");
        let e = parse("[regime]\nrule = 3\n").unwrap_err();
        assert!(e.to_string().contains("wrong type"), "{e}");
    }

    #[test]
    fn listed_levels_replace_the_inherited_ones() {
        let s = parse("[inspection.levels.national]\nrate = 0.1\ndetect = 0.9\n[inspection.levels.county]\nrate = 2\n").unwrap();
        assert_eq!(s.resolved.level_names(), vec!["county".to_string(), "national".to_string()]);
        assert_eq!(s.resolved.get("inspection.levels.county.detect"), Some(&Value::Float(0.5)));
    }

    #[test]
    fn base_scenarios_are_followed_and_cycles_caught() {
        let dir = std::env::temp_dir().join(format!("cadresim-scn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.toml"), "[regime]\npenalty = 3.0\nexempt = 0.2\n").unwrap();
        std::fs::write(dir.join("b.toml"), "base = \"a.toml\"\n[regime]\nexempt = 0.7\n").unwrap();
        let s = Scenario::load(&dir.join("b.toml")).unwrap();
        assert_eq!(s.resolved.get("regime.penalty"), Some(&Value::Float(3.0)));
        assert_eq!(s.resolved.get("regime.exempt"), Some(&Value::Float(0.7)));
        std::fs::write(dir.join("c.toml"), "base = \"d.toml\"\n").unwrap();
        std::fs::write(dir.join("d.toml"), "base = \"c.toml\"\n").unwrap();
        assert!(matches!(Scenario::load(&dir.join("c.toml")), Err(ScenarioError::Cycle(_))));
        let e = Scenario::load(&dir.join("missing.toml")).unwrap_err();
        assert!(e.to_string().contains("missing.toml: cannot read"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn odd_files_and_deep_or_empty_bases_are_refused() {
        let dir = std::env::temp_dir().join(format!("cadresim-odd-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let e = Scenario::load(&dir.join("sub")).unwrap_err().to_string();
        assert!(e.ends_with("sub: cannot read the scenario: it is a directory, not a regular file"), "{e}");
        std::fs::write(dir.join("big.toml"), vec![b'#'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        let e = Scenario::load(&dir.join("big.toml")).unwrap_err().to_string();
        assert!(e.contains("larger than 1 MiB (1048577 bytes)"), "{e}");
        std::fs::write(dir.join("bin.toml"), [b'#', 0xff, b'\n']).unwrap();
        let e = Scenario::load(&dir.join("bin.toml")).unwrap_err().to_string();
        assert!(e.contains("not UTF-8 text (invalid byte at offset 1)"), "{e}");
        std::fs::write(dir.join("e.toml"), "# c\nbase = \" \"\n").unwrap();
        let e = Scenario::load(&dir.join("e.toml")).unwrap_err().to_string();
        assert!(e.ends_with("e.toml line 2: base = \"\" names no file; expected the path of a scenario file, relative to this one"), "{e}");
        std::fs::write(dir.join("m.toml"), "base = \"nope.toml\"\n").unwrap();
        let e = Scenario::load(&dir.join("m.toml")).unwrap_err();
        assert!(matches!(&e, ScenarioError::Base { line: 1, base, .. } if base == "nope.toml"), "{e}");
        if cfg!(unix) && Path::new("/dev/zero").exists() {
            let e = Scenario::load(Path::new("/dev/zero")).unwrap_err().to_string();
            assert_eq!(e, "/dev/zero: cannot read the scenario: it is a device, not a regular file");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn names_are_checked_and_messages_stay_on_one_line() {
        let e = parse("name = \"a,b\"\n").unwrap_err().to_string();
        assert!(e.starts_with("x.toml line 1: name contains ','"), "{e}");
        let e = parse("name = \"a\\tb\"\n").unwrap_err().to_string();
        assert!(e.starts_with("x.toml line 1: name contains '\\t'") && !e.contains('\t'), "{e}");
        assert_eq!(parse("name = \"status quo (2013)\"\n").unwrap().name, "status quo (2013)");
        let e = Scenario::from_toml_str("# c\n", Path::new("a=b.toml")).unwrap_err().to_string();
        assert!(e.starts_with("a=b.toml: the scenario's name \"a=b\" (its file name) contains '='"), "{e}");
        let e = parse("[regime]\nrule = \"a\\nb\"\n").unwrap_err().to_string();
        assert!(!e.contains('\n') && e.contains("\"a\\u000Ab\""), "{e}");
    }

    #[test]
    fn empty_tables_must_be_sections() {
        assert!(parse("[regime]\n[inspection]\n[inspection.levels]\n").is_ok());
        let e = parse("[regime.penalty]\n").unwrap_err().to_string();
        assert!(e.starts_with("x.toml line 1: [regime.penalty] is a parameter, not a table"), "{e}");
        let e = parse("[inspection.levels.\"a b\"]\n").unwrap_err().to_string();
        assert!(e.contains("a level name may hold only letters, digits"), "{e}");
        let s = parse("[inspection.levels.county]\n[inspection.levels.town]\nrate = 3\n").unwrap();
        assert_eq!(s.resolved.level_names(), vec!["county".to_string(), "town".to_string()]);
    }

    #[test]
    fn numeric_design_points_must_be_finite() {
        let mut s = Scenario::defaults();
        let e = s.apply_numeric(&[("population.cadres".into(), f64::NAN)], "point 3").unwrap_err().to_string();
        assert_eq!(e, "point 3: population.cadres = nan is not a finite number; expected a whole number in [1, 100000]");
        assert!(s.apply_numeric(&[("regime.penalty".into(), f64::INFINITY)], "point 3").is_err());
        s.apply_numeric(&[("population.cadres".into(), 7.4)], "point 3").unwrap();
        assert_eq!(s.resolved.get("population.cadres"), Some(&Value::Int(7)));
    }

    #[test]
    fn embedded_bases_are_looked_up_by_name() {
        let bases = |name: &str| match name {
            "a.toml" => Some("[regime]\npenalty = 3.0\nexempt = 0.2\n".to_string()),
            "loop.toml" => Some("base = \"loop.toml\"\n".to_string()),
            _ => None,
        };
        let s = Scenario::from_toml_str_with_bases("base = \"a.toml\"\n[regime]\nexempt = 0.7\n", Path::new("b.toml"), &bases).unwrap();
        assert_eq!(s.resolved.get("regime.penalty"), Some(&Value::Float(3.0)));
        assert_eq!(s.resolved.get("regime.exempt"), Some(&Value::Float(0.7)));
        assert_eq!(s.name, "b");
        let e = Scenario::from_toml_str_with_bases("base = \"zz.toml\"\n", Path::new("b.toml"), &bases).unwrap_err();
        assert_eq!(e.to_string(), "zz.toml: cannot read the scenario: no such base scenario");
        let e = Scenario::from_toml_str_with_bases("base = \"loop.toml\"\n", Path::new("b.toml"), &bases).unwrap_err();
        assert!(matches!(e, ScenarioError::Cycle(_)), "{e}");
    }

    #[test]
    fn set_overrides_are_checked() {
        let mut s = Scenario::defaults();
        s.apply_sets(&[("regime.exempt".into(), "0.9".into())]).unwrap();
        assert_eq!(s.resolved.get("regime.exempt"), Some(&Value::Float(0.9)));
        let e = s.apply_sets(&[("regime.exempt".into(), "1.5".into())]).unwrap_err();
        assert_eq!(e.to_string(), "override regime.exempt=1.5: regime.exempt = 1.5 is outside [0, 1]");
        assert!(s.apply_sets(&[("nope.x".into(), "1".into())]).is_err());
    }

    /// Issue 12 (first contact): re-running the `scenario.toml` a run writes keeps the
    /// scenario's name and description, and every value.
    #[test]
    fn written_scenario_reloads_with_its_name_description_and_values() {
        let text = "# A test regime \"quoted\".\n[regime]\nexempt = 0.9\n[inspection.levels.county]\nrate = 2.0\n";
        let mut s = Scenario::from_toml_str(text, Path::new("status_quo.toml")).unwrap();
        s.apply_sets(&[("population.cadres".into(), "7".into())]).unwrap();
        let back = Scenario::from_toml_str(&s.to_toml(), Path::new("out/run/scenario.toml")).unwrap();
        assert_eq!(back.name, "status_quo");
        assert_eq!(back.description, "A test regime \"quoted\".");
        assert_eq!(back.resolved.to_toml(), s.resolved.to_toml());
        assert_eq!(back.resolved.level_names(), ["county"]);
    }

    #[test]
    fn scenario_rebuilt_from_manifest_json_has_the_same_values() {
        let text = "[regime]\nrule = \"points\"\n[inspection.levels.county]\nrate = 2.0\nrandom = false\n[population]\ncadres = 9\n";
        let s = Scenario::from_toml_str(text, Path::new("p.toml")).unwrap();
        let back = Scenario::from_json("p", "d", &s.resolved.to_json(), "manifest.json").unwrap();
        assert_eq!(back.resolved.to_toml(), s.resolved.to_toml());
        assert_eq!((back.name.as_str(), back.description.as_str()), ("p", "d"));
        let mut bad = s.resolved.to_json();
        bad["regime"]["exempt"] = serde_json::json!("high");
        let e = Scenario::from_json("p", "d", &bad, "manifest.json").unwrap_err();
        assert!(e.to_string().contains("manifest.json") && e.to_string().contains("regime.exempt"), "{e}");
    }
}
