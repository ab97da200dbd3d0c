//! Manifests, typed: the record of what produced a result directory (fully resolved scenarios,
//! seed, replications, design points, files, cadresim version and source revision). They hold no
//! timestamps, so identical work writes identical manifests.
//!
//! This module is the one place that writes and reads them. Reading checks every field: a missing
//! or malformed field is an error naming the file and the field, never a silent default.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DataError;
use crate::scenario::Scenario;

/// The random-stream note of `run` manifests.
pub const RUN_STREAMS: &str = "Xoshiro256++ per (seed, replication, township, period), seeded by SplitMix64 mixing";
/// The random-stream note of experiment manifests.
pub const EXPERIMENT_STREAMS: &str = "Xoshiro256++ per (seed, replication, township, period); every design point uses the same streams";

/// One scenario as recorded in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEntry {
    /// Scenario name.
    pub name: String,
    /// The file it was read from (none for built-in defaults).
    #[serde(deserialize_with = "required")]
    pub file: Option<String>,
    /// Its description.
    pub description: String,
    /// Every parameter, resolved.
    pub parameters: Value,
}

impl ScenarioEntry {
    /// The entry of a scenario.
    pub fn of(s: &Scenario) -> Self {
        ScenarioEntry {
            name: s.name.clone(),
            file: s.source.as_ref().map(|p| p.display().to_string()),
            description: s.description.clone(),
            parameters: s.resolved.to_json(),
        }
    }
}

/// What a `run` directory's manifest adds about the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunDetails {
    /// Periods in the end-of-run window.
    pub window: usize,
    /// Periods simulated.
    pub periods: usize,
    /// Cadres simulated.
    pub cadres: usize,
}

/// The manifest of `cadresim run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    /// Crate version.
    pub cadresim_version: String,
    /// Source revision.
    pub source_revision: String,
    /// Always `run`.
    pub command: String,
    /// Master seed.
    pub seed: u64,
    /// Replications.
    pub reps: u64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// How random numbers were drawn.
    pub random_streams: String,
    /// Files written, relative to the directory.
    pub files: Vec<String>,
    /// The scenario run.
    pub scenarios: Vec<ScenarioEntry>,
    /// Sizes.
    pub details: RunDetails,
    /// Formats of the tables (`csv`, or `parquet` for Parquet copies of the big ones).
    pub table_format: TableFormat,
}

/// The kinds of experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExperimentKind {
    /// `cadresim compare`.
    Compare,
    /// `cadresim sweep`.
    Sweep,
    /// `cadresim sensitivity`.
    Sensitivity,
    /// `cadresim calibrate`.
    Calibrate,
}

impl ExperimentKind {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            ExperimentKind::Compare => "compare",
            ExperimentKind::Sweep => "sweep",
            ExperimentKind::Sensitivity => "sensitivity",
            ExperimentKind::Calibrate => "calibrate",
        }
    }

    /// The rows files of a finished experiment of this kind: the main one (one row per run and
    /// period for comparisons, one per run otherwise), then, for comparisons, the end-of-window
    /// rows (one per run), kept apart so the two kinds of row cannot be grouped together.
    pub fn rows_files(self) -> &'static [&'static str] {
        match self {
            ExperimentKind::Compare => &["runs.csv", "runs_window.csv"],
            ExperimentKind::Sweep => &["sweep.csv"],
            ExperimentKind::Sensitivity => &["sensitivity_runs.csv"],
            ExperimentKind::Calibrate => &["calibration_runs.csv"],
        }
    }
}

/// The formats tables are written in: CSV always; with `Parquet`, the big tables (rows of runs,
/// periods and cadres) also as typed Parquet files beside their CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// CSV only (the default).
    #[default]
    Csv,
    /// CSV, plus Parquet copies of the big tables.
    Parquet,
}

impl TableFormat {
    /// The accepted names.
    pub const NAMES: &'static str = "csv, parquet";

    /// Parses `csv` or `parquet`.
    pub fn parse(text: &str) -> Result<TableFormat, crate::error::SpecError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(TableFormat::Csv),
            "parquet" => Ok(TableFormat::Parquet),
            _ => Err(crate::error::SpecError::new("format", Some(text.to_string()), format!("expected one of {}", Self::NAMES))),
        }
    }

    /// Whether Parquet copies are written.
    pub fn parquet(self) -> bool {
        self == TableFormat::Parquet
    }
}

/// One design point as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointEntry {
    /// Label (the scenario name in comparisons, the index otherwise).
    pub label: String,
    /// Values of the varied parameters, in factor order.
    pub values: Vec<f64>,
}

/// Settings of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareDetails {
    /// The scenario file differences are taken from.
    #[serde(deserialize_with = "required")]
    pub difference_from: Option<String>,
}

/// Settings of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepDetails {
    /// `grid` or `lhs`.
    pub design: String,
    /// The varied parameters as given (`PATH=LO:HI:STEPS`).
    pub vary: Vec<String>,
    /// Points of a Latin hypercube.
    #[serde(deserialize_with = "required")]
    pub samples: Option<usize>,
    /// The base scenario's own value of each varied parameter, in factor order (null where it
    /// is not a number), so figures can mark the status quo; absent in older manifests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_quo: Vec<Option<f64>>,
}

/// Settings of a sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivityDetails {
    /// `morris` or `sobol`.
    pub method: String,
    /// The analysed metric.
    pub metric: String,
    /// Sobol' base samples N, or Morris trajectories.
    pub samples: usize,
    /// Morris grid levels.
    pub levels: usize,
    /// Whether second-order Sobol' indices are estimated.
    pub second_order: bool,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// `[lo, hi]` of each factor.
    pub bounds: Vec<[f64; 2]>,
    /// The design's name.
    pub design: String,
    /// Set when these indices are a re-analysis of the runs of another directory for another
    /// metric (nothing was simulated); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reanalysis_of: Option<ReanalysisOf>,
}

/// Where the runs of a re-analysed sensitivity analysis came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReanalysisOf {
    /// The finished sensitivity directory whose runs were analysed.
    pub dir: String,
    /// The metric that directory was analysed for.
    pub metric: String,
    /// SHA-256 of its rows file, as read.
    pub rows_sha256: String,
}

/// One pattern of a calibration as recorded (the condition is parsed again when results are
/// finished, so `plot DIR` and `merge` judge exactly what was run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibratePattern {
    /// Unique name.
    pub name: String,
    /// The study's finding it encodes (`F1` to `F15`).
    pub finding: String,
    /// How the finding is read.
    pub doc: String,
    /// The condition as written.
    pub condition: String,
}

/// Settings of a calibration. Its experiment's points are design points x scenarios: point
/// `d * scenarios.len() + k` is scenario `k` at design point `d`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrateDetails {
    /// The pattern file as given.
    pub patterns_file: String,
    /// `sobol` or `lhs`.
    pub design: String,
    /// Design points.
    pub samples: usize,
    /// `[lo, hi]` of each parameter (the experiment's factors).
    pub bounds: Vec<[f64; 2]>,
    /// Confidence level of the paired intervals.
    pub level: f64,
    /// Scenario names, in order; the first is the baseline of effects.
    pub scenarios: Vec<String>,
    /// The patterns, in file order.
    pub patterns: Vec<CalibratePattern>,
    /// Metrics whose reform effects are summarised over the accepted region.
    pub effects: Vec<String>,
}

/// Kind-specific settings of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    /// A comparison.
    Compare(CompareDetails),
    /// A sweep.
    Sweep(SweepDetails),
    /// A sensitivity analysis.
    Sensitivity(SensitivityDetails),
    /// A calibration.
    Calibrate(CalibrateDetails),
}

impl Details {
    /// The experiment kind these settings belong to.
    pub fn kind(&self) -> ExperimentKind {
        match self {
            Details::Compare(_) => ExperimentKind::Compare,
            Details::Sweep(_) => ExperimentKind::Sweep,
            Details::Sensitivity(_) => ExperimentKind::Sensitivity,
            Details::Calibrate(_) => ExperimentKind::Calibrate,
        }
    }

    /// As JSON.
    pub fn to_value(&self) -> Value {
        let v = match self {
            Details::Compare(d) => serde_json::to_value(d),
            Details::Sweep(d) => serde_json::to_value(d),
            Details::Sensitivity(d) => serde_json::to_value(d),
            Details::Calibrate(d) => serde_json::to_value(d),
        };
        v.unwrap_or(Value::Null)
    }
}

/// The manifest of a finished experiment (compare, sweep or sensitivity).
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentManifest {
    /// Crate version.
    pub cadresim_version: String,
    /// Source revision.
    pub source_revision: String,
    /// The experiment's fingerprint.
    pub experiment_id: String,
    /// Master seed.
    pub seed: u64,
    /// Replications per point.
    pub reps: u64,
    /// The main rows file (see [`ExperimentKind::rows_files`] for all of them).
    pub rows_file: String,
    /// Paths of the varied parameters.
    pub factors: Vec<String>,
    /// Design points.
    pub points: Vec<PointEntry>,
    /// End-of-run window.
    pub window: usize,
    /// Periods per run.
    pub periods: usize,
    /// How random numbers were drawn.
    pub random_streams: String,
    /// Files of the finished directory.
    pub files: Vec<String>,
    /// Scenarios (each once).
    pub scenarios: Vec<ScenarioEntry>,
    /// Kind-specific settings (and through them the kind).
    pub details: Details,
    /// Formats of the tables.
    pub table_format: TableFormat,
}

/// The JSON layout of [`ExperimentManifest`] (details untyped until the command is known).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    cadresim_version: String,
    source_revision: String,
    command: ExperimentKind,
    experiment_id: String,
    seed: u64,
    reps: u64,
    rows_file: String,
    factors: Vec<String>,
    points: Vec<PointEntry>,
    window: usize,
    periods: usize,
    random_streams: String,
    files: Vec<String>,
    scenarios: Vec<ScenarioEntry>,
    details: Value,
    table_format: TableFormat,
}

impl ExperimentManifest {
    /// The experiment kind.
    pub fn kind(&self) -> ExperimentKind {
        self.details.kind()
    }

    /// The same manifest with tables in `format`.
    pub fn with_format(mut self, format: TableFormat) -> Self {
        self.table_format = format;
        self
    }

    /// Its rows files (see [`ExperimentKind::rows_files`]).
    pub fn rows_files(&self) -> &'static [&'static str] {
        self.kind().rows_files()
    }

    /// As JSON.
    pub fn to_value(&self) -> Value {
        let raw = RawExperiment {
            cadresim_version: self.cadresim_version.clone(),
            source_revision: self.source_revision.clone(),
            command: self.kind(),
            experiment_id: self.experiment_id.clone(),
            seed: self.seed,
            reps: self.reps,
            rows_file: self.rows_file.clone(),
            factors: self.factors.clone(),
            points: self.points.clone(),
            window: self.window,
            periods: self.periods,
            random_streams: self.random_streams.clone(),
            files: self.files.clone(),
            scenarios: self.scenarios.clone(),
            details: self.details.to_value(),
            table_format: self.table_format,
        };
        serde_json::to_value(raw).unwrap_or(Value::Null)
    }

    /// Reads one from JSON, naming `path` and the field in errors.
    pub fn from_value(v: Value, path: &Path) -> Result<Self, DataError> {
        let raw: RawExperiment = typed(v, path, "")?;
        let details = match raw.command {
            ExperimentKind::Compare => Details::Compare(typed(raw.details, path, "details.")?),
            ExperimentKind::Sweep => Details::Sweep(typed(raw.details, path, "details.")?),
            ExperimentKind::Sensitivity => Details::Sensitivity(typed(raw.details, path, "details.")?),
            ExperimentKind::Calibrate => Details::Calibrate(typed(raw.details, path, "details.")?),
        };
        Ok(ExperimentManifest {
            cadresim_version: raw.cadresim_version,
            source_revision: raw.source_revision,
            experiment_id: raw.experiment_id,
            seed: raw.seed,
            reps: raw.reps,
            rows_file: raw.rows_file,
            factors: raw.factors,
            points: raw.points,
            window: raw.window,
            periods: raw.periods,
            random_streams: raw.random_streams,
            files: raw.files,
            scenarios: raw.scenarios,
            details,
            table_format: raw.table_format,
        })
    }
}

/// Which shard of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardEntry {
    /// 1-based index.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

/// The manifest of one shard: which shard it is, and the manifest the whole experiment will have.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardManifest {
    /// Which shard.
    pub shard: ShardEntry,
    /// The experiment's fingerprint.
    pub experiment_id: String,
    /// Each rows file of the shard as written, in [`ExperimentKind::rows_files`] order.
    pub rows: Vec<RowsDigest>,
    /// The whole experiment's manifest.
    pub experiment_manifest: ExperimentManifest,
}

/// A rows file as a shard wrote it: name, SHA-256 and line count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowsDigest {
    /// The file's name.
    pub file: String,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Lines (header included).
    pub lines: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShard {
    shard: ShardEntry,
    experiment_id: String,
    rows: Vec<RowsDigest>,
    experiment_manifest: Value,
}

impl ShardManifest {
    /// As JSON.
    pub fn to_value(&self) -> Value {
        let raw = RawShard {
            shard: self.shard,
            experiment_id: self.experiment_id.clone(),
            rows: self.rows.clone(),
            experiment_manifest: self.experiment_manifest.to_value(),
        };
        serde_json::to_value(raw).unwrap_or(Value::Null)
    }
}

/// Any manifest a cadresim directory may hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Manifest {
    /// A `run` directory.
    Run(RunManifest),
    /// A finished experiment.
    Experiment(ExperimentManifest),
    /// One shard of an experiment.
    Shard(ShardManifest),
}

/// An `Option` field that must be present (as `null` when empty): serde would otherwise read a
/// missing field as `None`.
fn required<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

fn typed<T: DeserializeOwned>(v: Value, path: &Path, prefix: &str) -> Result<T, DataError> {
    serde_json::from_value(v).map_err(|e| DataError {
        path: path.to_path_buf(),
        line: None,
        message: format!("not a valid cadresim manifest: {}", with_prefix(&e.to_string(), prefix)),
    })
}

fn with_prefix(message: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return message.to_string();
    }
    // serde names fields in backticks: `field` -> `details.field`.
    message.replacen('`', &format!("`{prefix}"), 1)
}

impl Manifest {
    /// Reads `path` (a `manifest.json`).
    pub fn read(path: &Path) -> Result<Manifest, DataError> {
        let err = |message: String| DataError { path: path.to_path_buf(), line: None, message };
        let text = crate::output::read_capped(path, 64 << 20)
            .map_err(|e| err(format!("cannot read ({e}); is this a cadresim output directory?")))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| err(format!("not a cadresim manifest: {e}")))?;
        if v.get("shard").is_some() {
            let raw: RawShard = typed(v, path, "")?;
            let experiment_manifest = ExperimentManifest::from_value(raw.experiment_manifest, path)?;
            return Ok(Manifest::Shard(ShardManifest {
                shard: raw.shard,
                experiment_id: raw.experiment_id,
                rows: raw.rows,
                experiment_manifest,
            }));
        }
        match v.get("command").and_then(Value::as_str) {
            Some("run") => Ok(Manifest::Run(typed(v, path, "")?)),
            Some(_) => Ok(Manifest::Experiment(ExperimentManifest::from_value(v, path)?)),
            None => Err(err("not a cadresim manifest: missing field `command`".into())),
        }
    }
}

/// Pretty JSON text with a final newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_malformed_field_is_an_error_naming_the_field() {
        let dir = std::env::temp_dir().join(format!("cadresim-manifest-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("manifest.json");
        std::fs::write(&path, r#"{"command":"run","seed":1}"#).unwrap();
        let e = Manifest::read(&path).unwrap_err().to_string();
        assert!(e.contains("manifest.json") && e.contains("missing field"), "{e}");
        let sweep = r#"{"cadresim_version":"0","source_revision":"x","command":"sweep","experiment_id":"1","seed":1,"reps":2,
            "rows_file":"sweep.csv","factors":[],"points":[],"window":1,"periods":2,"random_streams":"r","files":[],
            "scenarios":[],"details":{"design":"grid","vary":[]},"table_format":"csv"}"#;
        std::fs::write(&path, sweep).unwrap();
        let e = Manifest::read(&path).unwrap_err().to_string();
        assert!(e.contains("`details.samples`"), "{e}");
        std::fs::write(&path, sweep.replace(r#""vary":[]"#, r#""vary":[],"samples":null"#)).unwrap();
        let Manifest::Experiment(m) = Manifest::read(&path).unwrap() else { panic!("not an experiment") };
        assert_eq!(m.kind(), ExperimentKind::Sweep);
        std::fs::write(&path, sweep.replace("\"seed\":1", "\"seed\":\"one\"")).unwrap();
        assert!(Manifest::read(&path).unwrap_err().to_string().contains("invalid type"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
