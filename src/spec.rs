//! Typed specifications of the work cadresim does, and their validation.
//!
//! A front end fills in a spec (the CLI from its flags, the Python package from keyword
//! arguments, the explorer from a form) and calls `prepare`, which checks every field in this one
//! place and returns a ready [`Experiment`] (or a loaded scenario and model for `run`). Errors are
//! [`SpecError`]s naming the spec field, the offending value and what is allowed; no flag names.

use std::path::PathBuf;

use crate::analysis::design::{grid, latin_hypercube, numeric_param, parse_factor, Factor};
use crate::analysis::sensitivity::{morris_design, saltelli_design};
use crate::engine::Model;
use crate::error::{Error, SpecError};
use crate::experiment::{Experiment, Point, Record};
pub use crate::experiment::{OutputSpec, Runs, Shard};
use crate::metrics;
use crate::output::manifest::{CompareDetails, Details, SensitivityDetails, SweepDetails};
use crate::scenario::Scenario;

/// Largest number of design points of one experiment.
pub const MAX_POINTS: usize = 1_000_000;
pub use crate::experiment::MAX_REPS;
/// Largest number of bootstrap resamples.
pub const MAX_BOOTSTRAP: usize = 1_000_000;

/// Where a scenario comes from.
#[derive(Debug, Clone)]
pub enum ScenarioSource {
    /// A TOML file (its `base` files are read relative to it).
    File(PathBuf),
    /// TOML text; `origin` names it in messages and resolves relative `base` paths.
    Text {
        /// The TOML.
        text: String,
        /// A path that names the text (need not exist unless a `base` is relative to it).
        origin: PathBuf,
    },
    /// A scenario already loaded.
    Loaded(Box<Scenario>),
}

/// A scenario and the parameter overrides applied to it.
#[derive(Debug, Clone)]
pub struct ScenarioSpec {
    /// Where it comes from.
    pub source: ScenarioSource,
    /// `(path, value)` overrides, checked like scenario-file values.
    pub overrides: Vec<(String, String)>,
    /// How overrides are named in messages (the CLI says `--set`).
    pub override_label: String,
}

impl ScenarioSpec {
    /// A scenario file without overrides.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ScenarioSpec { source: ScenarioSource::File(path.into()), overrides: Vec::new(), override_label: "override".into() }
    }

    /// Adds an override.
    pub fn with(mut self, path: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push((path.into(), value.into()));
        self
    }

    /// Reads the scenario and applies the overrides.
    pub fn load(&self) -> Result<Scenario, Error> {
        let mut s = match &self.source {
            ScenarioSource::File(p) => Scenario::load(p)?,
            ScenarioSource::Text { text, origin } => Scenario::from_toml_str(text, origin)?,
            ScenarioSource::Loaded(s) => (**s).clone(),
        };
        s.apply_sets_labelled(&self.overrides, &self.override_label)?;
        Ok(s)
    }

    /// Reads the scenario, applies the overrides and builds the validated model.
    pub fn model(&self) -> Result<(Scenario, Model), Error> {
        let s = self.load()?;
        let m = Model::new(s.params()?);
        Ok((s, m))
    }
}

/// `run`: one scenario, many replications.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The scenario.
    pub scenario: ScenarioSpec,
    /// Replications, seed, threads.
    pub runs: Runs,
    /// Output directory (`None`: results are returned, nothing is written).
    pub out: Option<PathBuf>,
    /// Overwrite a directory that holds results.
    pub force: bool,
    /// Also write one row per cadre and period (needs `out`).
    pub cadre_output: bool,
    /// Table formats (CSV always; Parquet copies of the big tables on request).
    pub format: crate::output::manifest::TableFormat,
}

impl RunSpec {
    /// Checks the fields and loads the scenario.
    pub fn prepare(&self) -> Result<(Scenario, Model), Error> {
        self.runs.check()?;
        if self.cadre_output && self.out.is_none() {
            return Err(SpecError::reads_on("cadre_output", None, "needs {out} DIR").into());
        }
        self.scenario.model()
    }
}

/// `compare`: scenarios side by side under common random numbers.
#[derive(Debug, Clone)]
pub struct CompareSpec {
    /// The scenarios; differences are taken from the first.
    pub scenarios: Vec<ScenarioSpec>,
    /// Replications, seed, threads.
    pub runs: Runs,
}

impl CompareSpec {
    /// Checks the fields and builds the experiment.
    pub fn prepare(&self) -> Result<Experiment, Error> {
        self.runs.check()?;
        if self.scenarios.is_empty() {
            return Err(SpecError::new("scenarios", None, "name at least one scenario").into());
        }
        let mut points = Vec::new();
        for spec in &self.scenarios {
            let (s, m) = spec.model()?;
            points.push(Point { label: s.name.clone(), values: vec![], scenario: s, model: m });
        }
        let first = &points[0].model.params;
        for p in &points[1..] {
            let q = &p.model.params;
            if q.periods != first.periods || q.window != first.window {
                return Err(SpecError::about(
                    "scenarios",
                    format!(
                        "{}: has {} periods (window {}) but {} has {} (window {}); compared scenarios need the same periods and window",
                        p.label, q.periods, q.window, points[0].label, first.periods, first.window
                    ),
                )
                .into());
            }
        }
        let difference_from = match &self.scenarios[0].source {
            ScenarioSource::File(p) => Some(p.display().to_string()),
            ScenarioSource::Text { origin, .. } => Some(origin.display().to_string()),
            ScenarioSource::Loaded(s) => s.source.as_ref().map(|p| p.display().to_string()),
        };
        Ok(Experiment::new(vec![], points, self.runs, Record::Periods, Details::Compare(CompareDetails { difference_from })))
    }
}

/// How a sweep chooses its design points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// Every combination of every factor's steps.
    Grid,
    /// A Latin hypercube of `samples` points.
    Lhs {
        /// Points.
        samples: usize,
    },
}

/// Parses factors given as text (`PATH=LO:HI:STEPS` with steps, `PATH=LO:HI` without), naming
/// `field` in errors.
pub fn parse_factors(field: &'static str, texts: &[String], with_steps: bool) -> Result<Vec<Factor>, SpecError> {
    texts.iter().map(|t| parse_factor(t, with_steps).map_err(|m| SpecError::new(field, Some(t.clone()), m))).collect()
}

fn check_factors(field: &'static str, factors: &[Factor], with_steps: bool, once: &str) -> Result<(), SpecError> {
    for f in factors {
        // Re-check factors built in code (not parsed) against the registry.
        parse_factor(&f.text(with_steps), with_steps).map_err(|m| SpecError::new(field, Some(f.text(with_steps)), m))?;
    }
    named_once(field, factors.iter().map(|f| f.path.as_str()), once)
}

/// An error naming `field` if any parameter path appears twice.
fn named_once<'a>(field: &'static str, paths: impl Iterator<Item = &'a str>, message: &str) -> Result<(), SpecError> {
    let mut paths: Vec<&str> = paths.collect();
    paths.sort_unstable();
    if paths.windows(2).any(|w| w[0] == w[1]) {
        return Err(SpecError::new(field, None, message));
    }
    Ok(())
}

/// Memory one design point holds (its resolved scenario and model), measured: a 20,000-point
/// sweep of `status_quo_veto` peaks at 459 MB.
pub const POINT_BYTES: u64 = 24 << 10;

/// Refuses a design whose `points` experiment points would not fit in half the available memory
/// (about [`POINT_BYTES`] each), with `error` making the message from the need and what is
/// available.
fn check_points_memory(points: u64, error: impl FnOnce(u64, u64) -> SpecError) -> Result<(), Error> {
    let need = points.saturating_mul(POINT_BYTES);
    match crate::resources::available_memory() {
        Some(available) if need > available / 2 => Err(error(need, available).into()),
        _ => Ok(()),
    }
}

/// Builds one design point per row of `values` from `base`, after checking that the factors
/// name only inspection levels the scenario has and that the points fit in the memory available;
/// `field` and `text` name a factor in errors as the user gave it (the flag, and the factor as
/// written after it).
fn points(
    base: &Scenario,
    factors: &[Factor],
    values: Vec<Vec<f64>>,
    what: &str,
    field: &'static str,
    text: fn(&Factor) -> String,
) -> Result<Vec<Point>, Error> {
    // A factor of an inspection level the scenario lacks would add that level at every point (a
    // mistyped name, or a level of another scenario): refused up front, naming the factor.
    for f in factors {
        if let Err(e) = base.resolved.check_level_exists(&f.path, &crate::params::Origin::Default) {
            return Err(SpecError::new(field, Some(text(f)), format!("{} {}", e.field, e.message)).into());
        }
    }
    check_points_memory(values.len() as u64, |need, available| {
        SpecError::about(
            "points",
            format!(
                "the design has {} points, which need about {} of memory to hold (about {} each) but only {} is available; use fewer points or split the design into several experiments",
                values.len(),
                crate::resources::bytes(need),
                crate::resources::bytes(POINT_BYTES),
                crate::resources::bytes(available)
            ),
        )
    })?;
    let mut points = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let mut s = base.clone();
        let label = format!("{what} {i}");
        let (mut numeric, mut words) = (Vec::new(), Vec::new());
        for (f, &x) in factors.iter().zip(&v) {
            match (f.is_categorical(), crate::analysis::design::category_word(&f.path, x)) {
                (true, Some(word)) => words.push((f.path.clone(), word.to_string())),
                (true, None) => {
                    return Err(SpecError::new("vary", Some(f.text(true)), format!("{label}: {x} is not a value of the list")).into())
                }
                (false, _) => numeric.push((f.path.clone(), x)),
            }
        }
        s.apply_numeric(&numeric, &label)?;
        s.apply_sets_labelled(&words, &label)?;
        let model = Model::new(s.params()?);
        points.push(Point { label: format!("{i}"), values: v, scenario: s, model });
    }
    Ok(points)
}

/// `sweep`: a grid or Latin hypercube over parameters.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// The base scenario.
    pub scenario: ScenarioSpec,
    /// The varied parameters (with steps).
    pub vary: Vec<Factor>,
    /// The design.
    pub design: Design,
    /// Replications, seed, threads.
    pub runs: Runs,
}

impl SweepSpec {
    /// Checks the fields and builds the experiment.
    pub fn prepare(&self) -> Result<Experiment, Error> {
        self.runs.check()?;
        let base = self.scenario.load()?;
        if self.vary.is_empty() {
            return Err(SpecError::new("vary", None, "name at least one parameter, e.g. {vary} regime.exempt=0:1:5").into());
        }
        check_factors("vary", &self.vary, true, "each parameter may be varied once")?;
        let values = match self.design {
            Design::Grid => {
                let n = self.vary.iter().try_fold(1usize, |n, f| n.checked_mul(f.steps)).filter(|&n| n <= MAX_POINTS);
                let Some(_) = n else {
                    let steps: Vec<String> = self.vary.iter().map(|f| f.steps.to_string()).collect();
                    return Err(
                        SpecError::new("vary", None, format!("the grid has {} points; at most {MAX_POINTS}", steps.join(" x "))).into()
                    );
                };
                grid(&self.vary)
            }
            Design::Lhs { samples } => {
                if let Some(f) = self.vary.iter().find(|f| f.is_categorical()) {
                    return Err(SpecError::new(
                        "vary",
                        Some(f.text(true)),
                        "a Latin hypercube samples numeric ranges; sweep categorical parameters with the grid design (leave out {design} lhs), or fix them with {set}",
                    )
                    .into());
                }
                if samples == 0 || samples > MAX_POINTS {
                    return Err(SpecError::new("samples", Some(samples.to_string()), format!("expected 1 to {MAX_POINTS}")).into());
                }
                latin_hypercube(&self.vary, samples, self.runs.seed)
            }
        };
        let points = points(&base, &self.vary, values, "design point", "vary", |f| f.text(true))?;
        let (design, samples) = match self.design {
            Design::Grid => ("grid", None),
            Design::Lhs { samples } => ("lhs", Some(samples)),
        };
        let status_quo = status_quo(&base, self.vary.iter().map(|f| f.path.as_str()));
        let details = SweepDetails { design: design.into(), vary: self.vary.iter().map(|f| f.text(true)).collect(), samples, status_quo };
        Ok(Experiment::new(self.vary.iter().map(|f| f.path.clone()).collect(), points, self.runs, Record::Window, Details::Sweep(details)))
    }
}

/// `evaluate`: an external design, e.g. points sampled by SALib or the EMA Workbench, run as a
/// sweep whose points are given (one row of metrics per point and replication).
#[derive(Debug, Clone)]
pub struct EvaluateSpec {
    /// The base scenario.
    pub scenario: ScenarioSpec,
    /// Parameter paths, one per column of `points`.
    pub params: Vec<String>,
    /// The design: one row of parameter values per point.
    pub points: Vec<Vec<f64>>,
    /// Replications, seed, threads.
    pub runs: Runs,
}

impl EvaluateSpec {
    /// Checks the fields and builds the experiment (each point's values are checked against the
    /// registry like scenario values; whole-number parameters are rounded).
    pub fn prepare(&self) -> Result<Experiment, Error> {
        self.runs.check()?;
        let base = self.scenario.load()?;
        if self.params.is_empty() {
            return Err(SpecError::new("params", None, "name at least one parameter").into());
        }
        let mut factors = Vec::with_capacity(self.params.len());
        for path in &self.params {
            // Only the path and its kind matter here; each point's values are checked by the registry.
            let (lo, hi, integer) = numeric_param(path).map_err(|m| SpecError::new("params", Some(path.clone()), m))?;
            factors.push(Factor { path: path.clone(), lo, hi, steps: 1, integer, categories: Vec::new() });
        }
        named_once("params", self.params.iter().map(String::as_str), "each parameter may be named once")?;
        if self.points.is_empty() || self.points.len() > MAX_POINTS {
            return Err(SpecError::new("points", Some(self.points.len().to_string()), format!("expected 1 to {MAX_POINTS} points")).into());
        }
        for (i, p) in self.points.iter().enumerate() {
            if p.len() != self.params.len() {
                return Err(SpecError::new(
                    "points",
                    Some(format!("row {i}")),
                    format!("has {} values for {} parameters", p.len(), self.params.len()),
                )
                .into());
            }
            if let Some(j) = p.iter().position(|x| !x.is_finite()) {
                return Err(SpecError::new(
                    "points",
                    Some(format!("row {i}")),
                    format!("{} = {} is not a finite number", self.params[j], p[j]),
                )
                .into());
            }
        }
        let points = points(&base, &factors, self.points.clone(), "design point", "params", |f| f.path.clone())?;
        let status_quo = status_quo(&base, self.params.iter().map(String::as_str));
        let details = SweepDetails { design: "external".into(), vary: self.params.clone(), samples: Some(self.points.len()), status_quo };
        Ok(Experiment::new(self.params.clone(), points, self.runs, Record::Window, Details::Sweep(details)))
    }
}

/// The base scenario's own value of each varied parameter (None where it is not a number), for
/// the status-quo marks of sweep figures.
fn status_quo<'a>(base: &Scenario, paths: impl Iterator<Item = &'a str>) -> Vec<Option<f64>> {
    paths.map(|p| base.resolved.get(p).and_then(crate::params::Value::as_f64)).collect()
}

/// A global sensitivity method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects on a grid of `levels` levels.
    Morris {
        /// Grid levels (even).
        levels: usize,
    },
    /// Sobol' indices from a Saltelli design.
    Sobol {
        /// Also estimate second-order indices.
        second_order: bool,
    },
}

/// `sensitivity`: Morris screening or Sobol' indices of one metric.
#[derive(Debug, Clone)]
pub struct SensitivitySpec {
    /// The base scenario.
    pub scenario: ScenarioSpec,
    /// The method.
    pub method: Method,
    /// The parameters and their ranges (no steps).
    pub params: Vec<Factor>,
    /// The analysed metric (end-of-run window mean).
    pub metric: String,
    /// Sobol': base samples N (a power of two); Morris: trajectories.
    pub samples: usize,
    /// Bootstrap resamples for the intervals.
    pub bootstrap: usize,
    /// Replications, seed, threads.
    pub runs: Runs,
}

impl SensitivitySpec {
    /// The unit-cube design of the method.
    pub fn unit_design(&self) -> Result<Vec<Vec<f64>>, SpecError> {
        let k = self.params.len();
        let r = match self.method {
            Method::Sobol { second_order } => saltelli_design(self.samples, k, second_order, self.runs.seed),
            Method::Morris { levels } => morris_design(self.samples, k, levels, self.runs.seed),
        };
        r.map_err(|e| SpecError::new("samples", Some(self.samples.to_string()), e.to_string()))
    }

    /// Checks the fields and builds the experiment.
    pub fn prepare(&self) -> Result<Experiment, Error> {
        self.runs.check()?;
        let base = self.scenario.load()?;
        if metrics::metric(&self.metric).is_none() {
            return Err(SpecError::new("metric", None, metrics::unknown_metric(&self.metric)).into());
        }
        if self.params.is_empty() {
            return Err(SpecError::new("param", None, "name at least one parameter, e.g. {param} regime.penalty=0:4").into());
        }
        check_factors("param", &self.params, false, "each parameter may be named once")?;
        if self.bootstrap == 0 || self.bootstrap > MAX_BOOTSTRAP {
            return Err(SpecError::new(
                "bootstrap",
                Some(self.bootstrap.to_string()),
                format!("expected 1 to {MAX_BOOTSTRAP} resamples (100 to 1000 are usual)"),
            )
            .into());
        }
        let unit = self.unit_design()?;
        let values: Vec<Vec<f64>> = unit.iter().map(|u| self.params.iter().zip(u).map(|(f, &x)| f.at(x)).collect()).collect();
        let points = points(&base, &self.params, values, "design point", "param", |f| f.text(false))?;
        let (method, levels, second_order, design) = match self.method {
            Method::Sobol { second_order } => ("sobol", 4, second_order, "saltelli (scrambled Sobol')"),
            Method::Morris { levels } => ("morris", levels, false, "morris trajectories"),
        };
        let details = SensitivityDetails {
            method: method.into(),
            metric: self.metric.clone(),
            samples: self.samples,
            levels,
            second_order,
            bootstrap: self.bootstrap,
            confidence: 0.95,
            bounds: self.params.iter().map(|f| [f.lo, f.hi]).collect(),
            design: design.into(),
            reanalysis_of: None,
        };
        Ok(Experiment::new(
            self.params.iter().map(|f| f.path.clone()).collect(),
            points,
            self.runs,
            Record::Window,
            Details::Sensitivity(details),
        ))
    }
}

/// `sensitivity` of a finished analysis for another metric: its saved runs (which hold every
/// metric) analysed again, without simulating, into a new directory.
#[derive(Debug, Clone)]
pub struct ReanalysisSpec {
    /// The finished sensitivity directory.
    pub dir: PathBuf,
    /// The metric to analyse.
    pub metric: String,
    /// Bootstrap resamples (`None`: as the analysed directory used).
    pub bootstrap: Option<usize>,
    /// Where the re-analysis goes (`None`: `DIR/reanalysis/METRIC`).
    pub out: Option<PathBuf>,
    /// Overwrite a directory that holds results.
    pub force: bool,
}

impl ReanalysisSpec {
    /// The output directory.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.dir.join("reanalysis").join(&self.metric))
    }

    /// Checks the fields and the analysed directory, and returns the manifest of the re-analysis:
    /// the analysed one with the new metric (and bootstrap) and a note of where the runs came from.
    pub fn prepare(&self) -> Result<crate::output::manifest::ExperimentManifest, Error> {
        use crate::output::manifest::{Manifest, ReanalysisOf};
        if metrics::metric(&self.metric).is_none() {
            return Err(SpecError::new("metric", None, metrics::unknown_metric(&self.metric)).into());
        }
        let path = self.dir.join("manifest.json");
        let dir = self.dir.display();
        let mut m = match Manifest::read(&path)? {
            Manifest::Experiment(m) => m,
            Manifest::Shard(_) => {
                return Err(SpecError::about(
                    "dir",
                    format!("{dir}: holds one shard; merge the shards first ({{merge}}) and re-analyse the merged directory"),
                )
                .into())
            }
            Manifest::Run(_) => {
                return Err(SpecError::about(
                    "dir",
                    format!("{dir}: holds a run, not a sensitivity analysis; only a finished sensitivity analysis can be re-analysed"),
                )
                .into())
            }
        };
        let Details::Sensitivity(d) = &mut m.details else {
            let kind = m.kind().name();
            return Err(SpecError::about(
                "dir",
                format!("{dir}: holds a {kind}, not a sensitivity analysis; only a finished sensitivity analysis can be re-analysed"),
            )
            .into());
        };
        if let Some(b) = self.bootstrap {
            if b == 0 || b > MAX_BOOTSTRAP {
                return Err(SpecError::new(
                    "bootstrap",
                    Some(b.to_string()),
                    format!("expected 1 to {MAX_BOOTSTRAP} resamples (100 to 1000 are usual)"),
                )
                .into());
            }
            d.bootstrap = b;
        }
        let rows = self.dir.join(&m.rows_file);
        let (rows_sha256, _) =
            crate::output::file_digest(&rows).map_err(|e| Error::data(&rows, None, format!("cannot read the saved runs: {e}")))?;
        d.reanalysis_of = Some(ReanalysisOf { dir: dir.to_string(), metric: d.metric.clone(), rows_sha256 });
        d.metric = self.metric.clone();
        m.files = crate::report::expected_files(&m);
        Ok(m)
    }
}

// ---- calibrate (issue 15) ----

/// How `calibrate` samples the parameter box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationDesign {
    /// A scrambled Sobol' sequence (seeded).
    Sobol,
    /// A Latin hypercube (seeded).
    Lhs,
}

/// `calibrate`: the scenarios of a pattern file at every point of a design over parameter
/// ranges, common random numbers across scenarios, patterns judged per point.
#[derive(Debug, Clone)]
pub struct CalibrateSpec {
    /// The pattern file (its `[scenarios]` paths are relative to it).
    pub patterns: PathBuf,
    /// Further `(name, file)` scenarios the patterns need not mention (reforms whose effects to
    /// summarise).
    pub extra_scenarios: Vec<(String, PathBuf)>,
    /// `(path, value)` overrides applied to every scenario before the design's values (e.g. a
    /// smaller population).
    pub overrides: Vec<(String, String)>,
    /// How overrides are named in messages (the CLI says `--set`).
    pub override_label: String,
    /// The parameters and their ranges (no steps); each point sets them in every scenario.
    pub params: Vec<Factor>,
    /// The design.
    pub design: CalibrationDesign,
    /// Design points.
    pub samples: usize,
    /// Metrics whose reform effects are summarised over the accepted region.
    pub effects: Vec<String>,
    /// Replications (at least 2: intervals need them), seed, threads.
    pub runs: Runs,
}

impl CalibrateSpec {
    /// Reads the pattern file and checks it (every error before anything runs).
    pub fn pattern_file(&self) -> Result<crate::calibrate::PatternFile, Error> {
        let mut f = crate::calibrate::PatternFile::load(&self.patterns)?;
        for (name, path) in &self.extra_scenarios {
            if !crate::calibrate::pattern::valid_name(name) {
                return Err(
                    SpecError::new("scenario", Some(format!("{name}={}", path.display())), "a scenario name is [a-z][a-z0-9_]*").into()
                );
            }
            if f.scenarios.iter().any(|(n, _)| n == name) {
                return Err(SpecError::new("scenario", Some(name.clone()), "is already named in the pattern file's [scenarios]").into());
            }
            f.scenarios.push((name.clone(), path.clone()));
        }
        Ok(f)
    }

    /// Checks the fields, loads every scenario and builds the experiment: design point `d`,
    /// scenario `k` is experiment point `d * scenarios + k`, and replication `r` of every
    /// scenario and point uses the same random streams.
    pub fn prepare(&self) -> Result<Experiment, Error> {
        self.runs.check()?;
        if self.runs.reps < 2 {
            return Err(SpecError::new(
                "reps",
                Some(self.runs.reps.to_string()),
                "a calibration needs at least 2 replications: patterns are judged by intervals across them",
            )
            .into());
        }
        let file = self.pattern_file()?;
        if self.params.is_empty() {
            return Err(SpecError::new("param", None, "name at least one parameter and its range, e.g. {param} errors.q=0.01:0.1").into());
        }
        check_factors("param", &self.params, false, "each parameter may be named once")?;
        if self.samples == 0 || self.samples > MAX_POINTS {
            return Err(SpecError::new("samples", Some(self.samples.to_string()), format!("expected 1 to {MAX_POINTS}")).into());
        }
        for e in &self.effects {
            if metrics::metric(e).is_none() {
                return Err(SpecError::new("effects", Some(e.clone()), metrics::unknown_metric(e)).into());
            }
        }
        let mut bases = Vec::new();
        // An inspection level's parameter (override or design value) applies to the scenarios
        // that have that level: setting it elsewhere would add a level to them. Every other
        // parameter applies to every scenario.
        let level_of =
            |path: &str| path.strip_prefix(crate::params::LEVEL_PREFIX).and_then(|r| r.split_once('.')).map(|(l, _)| l.to_string());
        for (name, path) in &file.scenarios {
            let mut s = ScenarioSpec::file(path.clone()).load()?;
            let levels = s.resolved.level_names();
            let overrides: Vec<(String, String)> =
                self.overrides.iter().filter(|(p, _)| level_of(p).is_none_or(|l| levels.contains(&l))).cloned().collect();
            s.apply_sets_labelled(&overrides, &self.override_label)?;
            let m = Model::new(s.params()?);
            bases.push((name.clone(), s, m.params.periods, m.params.window));
        }
        if let Some(((n0, _, p0, w0), rest)) = bases.split_first() {
            if let Some((n, _, p, w)) = rest.iter().find(|(_, _, p, w)| (p, w) != (p0, w0)) {
                return Err(SpecError::about(
                    "patterns",
                    format!("{}: scenario {n} has {p} periods (window {w}) but {n0} has {p0} (window {w0}); the scenarios of a calibration need the same periods and window", file.path.display()),
                )
                .into());
            }
        }
        let k = self.params.len();
        let unit = match self.design {
            CalibrationDesign::Sobol => crate::analysis::sobol_seq::sobol_points(self.samples, k, self.runs.seed)
                .map_err(|e| SpecError::new("samples", Some(self.samples.to_string()), e.to_string()))?,
            CalibrationDesign::Lhs => {
                let unit: Vec<Factor> = self.params.iter().map(|f| Factor { lo: 0.0, hi: 1.0, integer: false, ..f.clone() }).collect();
                latin_hypercube(&unit, self.samples, self.runs.seed)
            }
        };
        let values: Vec<Vec<f64>> = unit.iter().map(|u| self.params.iter().zip(u).map(|(f, &x)| f.at(x)).collect()).collect();
        check_points_memory((values.len() as u64).saturating_mul(bases.len() as u64), |need, available| {
            SpecError::new(
                "samples",
                Some(self.samples.to_string()),
                format!(
                    "{} points x {} scenarios need about {} of memory to hold but only {} is available; use fewer",
                    values.len(),
                    bases.len(),
                    crate::resources::bytes(need),
                    crate::resources::bytes(available)
                ),
            )
        })?;
        let applies: Vec<Vec<bool>> = bases
            .iter()
            .map(|(_, s, _, _)| {
                let levels = s.resolved.level_names();
                self.params.iter().map(|f| level_of(&f.path).is_none_or(|l| levels.contains(&l))).collect()
            })
            .collect();
        if let Some(j) = (0..k).find(|&j| applies.iter().all(|a| !a[j])) {
            let names: Vec<String> = bases.iter().flat_map(|(_, s, _, _)| s.resolved.level_names()).collect();
            return Err(SpecError::new(
                "param",
                Some(self.params[j].text(false)),
                format!("no scenario has this inspection level; their levels are {}", names.join(", ")),
            )
            .into());
        }
        let mut points = Vec::with_capacity(values.len() * bases.len());
        for (i, v) in values.iter().enumerate() {
            for (b, (name, base, _, _)) in bases.iter().enumerate() {
                let pairs: Vec<(String, f64)> =
                    self.params.iter().zip(v).zip(&applies[b]).filter(|(_, a)| **a).map(|((f, x), _)| (f.path.clone(), *x)).collect();
                let mut s = base.clone();
                s.apply_numeric(&pairs, &format!("design point {i}"))?;
                let model = Model::new(s.params()?);
                points.push(Point { label: name.clone(), values: v.clone(), scenario: s, model });
            }
        }
        let details = crate::output::manifest::CalibrateDetails {
            patterns_file: self.patterns.display().to_string(),
            design: match self.design {
                CalibrationDesign::Sobol => "sobol".into(),
                CalibrationDesign::Lhs => "lhs".into(),
            },
            samples: self.samples,
            bounds: self.params.iter().map(|f| [f.lo, f.hi]).collect(),
            level: file.level,
            scenarios: file.scenarios.iter().map(|(n, _)| n.clone()).collect(),
            patterns: file
                .patterns
                .iter()
                .map(|p| crate::output::manifest::CalibratePattern {
                    name: p.name.clone(),
                    finding: p.finding.clone(),
                    doc: p.doc.clone(),
                    condition: p.text.clone(),
                })
                .collect(),
            effects: self.effects.clone(),
        };
        Ok(Experiment::new(
            self.params.iter().map(|f| f.path.clone()).collect(),
            points,
            self.runs,
            Record::Window,
            Details::Calibrate(details),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ScenarioSpec {
        ScenarioSpec {
            source: ScenarioSource::Loaded(Box::new(Scenario::defaults())),
            overrides: vec![("population.townships".into(), "2".into()), ("population.periods".into(), "4".into())],
            override_label: "override".into(),
        }
    }

    #[test]
    fn errors_carry_the_field_and_the_value() {
        let spec = SweepSpec {
            scenario: tiny(),
            vary: parse_factors("vary", &["regime.penalty=0:4:3".into()], true).unwrap(),
            design: Design::Lhs { samples: 0 },
            runs: Runs::default(),
        };
        let Err(Error::Spec(e)) = spec.prepare() else { panic!("accepted 0 samples") };
        assert_eq!((e.field, e.value.as_deref()), ("samples", Some("0")));
        let e = parse_factors("vary", &["regime.exempt=0:2:3".into()], true).unwrap_err();
        assert_eq!((e.field, e.value.as_deref()), ("vary", Some("regime.exempt=0:2:3")));
        assert!(e.message.contains("within [0, 1]"), "{e}");
        let e = Shard::parse("0/3").unwrap_err();
        assert_eq!(e.field, "shard");
        let runs = Runs { reps: 0, ..Runs::default() };
        let Err(Error::Spec(e)) = CompareSpec { scenarios: vec![tiny()], runs }.prepare() else { panic!("accepted 0 reps") };
        assert_eq!(e.field, "reps");
    }

    #[test]
    fn an_overflowing_grid_is_refused_not_wrapped() {
        let f = Factor { path: "regime.penalty".into(), lo: 0.0, hi: 1.0, steps: 100_000, integer: false, categories: vec![] };
        let mut vary = vec![f.clone()];
        for p in ["regime.exempt", "appraisal.w_materials", "promotion.rate"] {
            vary.push(Factor { path: p.into(), ..f.clone() });
        }
        let spec = SweepSpec { scenario: tiny(), vary, design: Design::Grid, runs: Runs::default() };
        let Err(Error::Spec(e)) = spec.prepare() else { panic!("accepted an overflowing grid") };
        assert!(e.message.contains("at most 1000000"), "{e}");
    }
}
