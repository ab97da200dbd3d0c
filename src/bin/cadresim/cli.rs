//! Command-line definitions (clap) and their translation into the library's typed specs, plus
//! the CLI's spelling of library errors (spec fields as `--flags`). No simulation happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use cadresim::analysis::design::Factor;
use cadresim::output::manifest::TableFormat;
use cadresim::output::OutputError;
use cadresim::spec::{
    parse_factors, CalibrateSpec, CalibrationDesign, CompareSpec, Design, Method, OutputSpec, ReanalysisSpec, RunSpec, Runs,
    ScenarioSource, ScenarioSpec, SensitivitySpec, Shard, SweepSpec,
};
use cadresim::{Error, SpecError};

/// cadresim: grassroots cadres under accountability regimes, simulated fast and reproducibly.
#[derive(Debug, Parser)]
#[command(name = "cadresim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: replications in parallel, CSV + JSON results, a table of end-of-run means.
    #[command(after_help = "Examples:
  cadresim run scenarios/status_quo_veto.toml
  cadresim run scenarios/status_quo_veto.toml --reps 40 --set regime.exempt=0.9 --out out/exempt

Writes out/<scenario>/ (tables, manifest.json, plots/) unless --out or --no-save is given.")]
    Run(RunArgs),
    /// Validate a scenario file without running it.
    #[command(after_help = "Example:
  cadresim check scenarios/*.toml --set population.townships=4")]
    Check {
        /// Scenario file(s).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Override a parameter: `--set regime.exempt=0.9` (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Compare scenarios with common random numbers: table of end-of-run means, differences, plots.
    #[command(after_help = "Example:
  cadresim compare scenarios/status_quo_veto.toml scenarios/due_diligence_exemption.toml scenarios/combined_reform.toml --out out/compare

Differences are paired with the first scenario (common random numbers); figures go to OUT/plots/.")]
    Compare(CompareArgs),
    /// Sweep parameters over a grid or Latin hypercube: tidy CSV, summaries, line or heatmap plots.
    #[command(after_help = "Examples:
  cadresim sweep scenarios/status_quo_veto.toml --vary regime.exempt=0:1:5 --out out/sweep
  cadresim sweep scenarios/status_quo_veto.toml --vary regime.penalty=0:6:4 --vary regime.exempt=0:1:3 --out out/grid

Inspection levels are varied by name: --vary inspection.levels.merged.rate=0:4:5 (`cadresim params`).")]
    Sweep(SweepArgs),
    /// Global sensitivity analysis: Morris screening or Sobol' indices of one output metric.
    #[command(after_help = "Examples:
  cadresim sensitivity scenarios/status_quo_veto.toml --method morris --param regime.penalty=0:6 --param regime.exempt=0:1 --metric share_diligent --out out/morris
  cadresim sensitivity scenarios/status_quo_veto.toml --method sobol --samples 64 --param regime.penalty=0:6 --param regime.exempt=0:1 --metric s --out out/sobol")]
    Sensitivity(SensitivityArgs),
    /// Pattern-oriented calibration: the scenarios of a pattern file at every point of a design
    /// over parameter ranges; which points reproduce which of the study's patterns.
    #[command(after_help = "Example:
  cadresim calibrate --patterns patterns/study.toml --param errors.q=0.005:0.05 --param complaints.activity=0:0.5 --samples 64 --reps 3 --set population.townships=20 --out out/calibration

Writes the per-point table, the accepted region, the binding pattern, the reform effects and a pair plot; docs/CALIBRATION.md.")]
    Calibrate(CalibrateArgs),
    /// Combine the outputs of `--shard K/N` runs into exactly the files of an unsharded run.
    #[command(after_help = "Example:
  cadresim compare a.toml b.toml --shard 1/2 --out shard1   (and --shard 2/2 --out shard2)
  cadresim merge shard1 shard2 --out out/compare")]
    Merge {
        /// Shard output directories (all N of them).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the combined results.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite a directory that already holds results.
        #[arg(long)]
        force: bool,
    },
    /// Re-render the plots (and tables) of a finished run, comparison, sweep or analysis from its
    /// saved results, without simulating.
    #[command(after_help = "Example:
  cadresim plot out/compare

Re-renders OUT/plots/ byte for byte from the saved tables.")]
    Plot {
        /// Output directory of an earlier command.
        dir: PathBuf,
    },
    /// Reproduce known analytic results and the study's patterns through the engine.
    #[command(after_help = "Example:
  cadresim verify --quick --report verify.md")]
    Verify {
        /// Smaller, faster version (the one the test suite runs).
        #[arg(long)]
        quick: bool,
        /// Also write the results as a Markdown table to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Master seed.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Folder of the shipped scenarios (with `verify/` inside).
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
        threads: Option<u64>,
    },
    /// Interactive explorer in the browser: sliders, live runs, a township view, "play a cadre".
    #[command(after_help = "Example:
  cadresim explore --port 0 --open")]
    Explore {
        /// Port on 127.0.0.1 (0: any free port; the address is printed).
        #[arg(long, default_value_t = 8700)]
        port: u16,
        /// Open the default browser on the page.
        #[arg(long)]
        open: bool,
    },
    /// List every parameter with its default, allowed range and meaning.
    #[command(after_help = "Example:
  cadresim params | grep regime

Level fields are listed at the default level, e.g. inspection.levels.merged.rate.")]
    Params,
    /// List every output metric.
    #[command(after_help = "Example:
  cadresim metrics")]
    Metrics,
}

/// Options shared by every command that runs simulations.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Replications.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub reps: u64,
    /// Master seed; results are identical for the same seed whatever the thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub threads: Option<u64>,
    /// Override a parameter: `--set regime.exempt=0.9` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Overwrite an output directory that already holds results.
    #[arg(long)]
    pub force: bool,
    /// Table format: `csv`, or `parquet` for typed Parquet copies of the big tables beside the CSVs.
    #[arg(long, default_value = "csv", value_parser = ["csv", "parquet"])]
    pub format: String,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `cadresim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Output directory (default: a fresh `out/<scenario>/`, numbered if it exists).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write no files: only print the table of end-of-run means.
    #[arg(long, conflicts_with = "out")]
    pub no_save: bool,
    /// Also write one row per cadre and period (streamed; large).
    #[arg(long)]
    pub cadre_output: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// Options of the experiment commands (compare, sweep, sensitivity).
#[derive(Debug, Args, Clone)]
pub struct ExperimentCommon {
    /// Output directory (an interrupted experiment rerun with the same arguments resumes here).
    #[arg(long)]
    pub out: PathBuf,
    /// Run only the K-th of N deterministic slices of the design points (for job arrays).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// `cadresim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files; differences are taken from the first.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub exp: ExperimentCommon,
}

/// `cadresim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Base scenario file.
    pub scenario: PathBuf,
    /// A varied parameter: `PATH=LO:HI:STEPS`, or the values of a categorical one,
    /// `regime.rule=veto,points` or `fatigue.enabled=true,false` (grid designs only; repeatable).
    #[arg(long, value_name = "PATH=LO:HI:STEPS|PATH=A,B", required = true)]
    pub vary: Vec<String>,
    /// Design: full grid of the steps, or a Latin hypercube of --samples points.
    #[arg(long, default_value = "grid", value_parser = ["grid", "lhs"])]
    pub design: String,
    /// Points of a Latin hypercube design.
    #[arg(long)]
    pub samples: Option<usize>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub exp: ExperimentCommon,
}

/// `cadresim sensitivity`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cadresim sensitivity scenarios/status_quo_veto.toml --method morris --param regime.penalty=0:8 --param regime.exempt=0:1 --metric s --out out/morris\n  cadresim sensitivity out/morris --metric blame_difference      # re-analyse the saved runs for another metric, no simulation (into out/morris/reanalysis/blame_difference)"
)]
pub struct SensitivityArgs {
    /// Base scenario file; or the directory of a finished sensitivity analysis, whose saved runs
    /// are then analysed for --metric without simulating.
    pub source: PathBuf,
    /// Method (new analyses).
    #[arg(long, value_parser = ["morris", "sobol"])]
    pub method: Option<String>,
    /// A parameter and its range: `PATH=LO:HI` (repeatable; new analyses).
    #[arg(long = "param", value_name = "PATH=LO:HI")]
    pub params: Vec<String>,
    /// Output metric (end-of-run window mean; `cadresim metrics` lists them) [default: s].
    #[arg(long)]
    pub metric: Option<String>,
    /// Sobol': base samples N, a power of two (runs = N*(k+2)); Morris: trajectories (runs = r*(k+1)) [default: 64].
    #[arg(long)]
    pub samples: Option<usize>,
    /// Morris grid levels (even) [default: 4].
    #[arg(long)]
    pub levels: Option<usize>,
    /// Also estimate second-order Sobol' indices (runs = N*(2k+2)).
    #[arg(long)]
    pub second_order: bool,
    /// Bootstrap resamples for the intervals [default: 1000; a re-analysis: as the analysed directory].
    #[arg(long)]
    pub bootstrap: Option<usize>,
    /// Output directory (a new analysis: required, and an interrupted one rerun with the same
    /// arguments resumes here; a re-analysis: default DIR/reanalysis/METRIC).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only the K-th of N deterministic slices of the design points (for job arrays).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: Common,
}

/// What `cadresim sensitivity` was asked for.
#[derive(Debug)]
pub enum SensitivityWork {
    /// A new analysis: simulate the design, then analyse.
    New(Box<(SensitivitySpec, ExperimentCommon)>),
    /// A re-analysis of a finished directory's saved runs.
    Reanalysis(ReanalysisSpec),
}

/// The options a re-analysis takes (clap ids); anything else belongs to a new analysis.
const REANALYSIS_OPTIONS: &[&str] = &["source", "metric", "bootstrap", "out", "force", "quiet"];

/// `cadresim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Pattern file (TOML): `[scenarios]` and `[[pattern]]`s; scenario paths are relative to it.
    #[arg(long)]
    pub patterns: PathBuf,
    /// A calibrated parameter and its range: `PATH=LO:HI` (repeatable); set in every scenario
    /// (an inspection level's parameter, like its `--set`, only where that level exists).
    #[arg(long = "param", value_name = "PATH=LO:HI", required = true)]
    pub params: Vec<String>,
    /// Design points.
    #[arg(long, default_value_t = 256)]
    pub samples: usize,
    /// Design: scrambled Sobol' sequence or Latin hypercube.
    #[arg(long, default_value = "sobol", value_parser = ["sobol", "lhs"])]
    pub design: String,
    /// Metrics whose reform effects (difference from the first scenario) are summarised over the
    /// accepted region, comma-separated.
    #[arg(long, default_value = "s,blame_ratio", value_delimiter = ',')]
    pub effects: Vec<String>,
    /// A further scenario `NAME=FILE` (repeatable), e.g. a reform the patterns do not mention.
    #[arg(long = "scenario", value_name = "NAME=FILE")]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub exp: ExperimentCommon,
}

impl CalibrateArgs {
    /// The calibration's spec.
    pub fn spec(&self) -> Result<CalibrateSpec, Failure> {
        let overrides = parse_sets(&self.exp.common.sets).map_err(|message| Failure { message, code: 2 })?;
        let mut extra = Vec::new();
        for s in &self.scenarios {
            match s.split_once('=') {
                Some((n, f)) if !n.trim().is_empty() && !f.trim().is_empty() => extra.push((n.trim().to_string(), PathBuf::from(f.trim()))),
                _ => {
                    return Err(SpecError::new(
                        "scenario",
                        Some(s.clone()),
                        "expected NAME=FILE, e.g. {scenario} mass=scenarios/mass_satisfaction.toml",
                    )
                    .into())
                }
            }
        }
        Ok(CalibrateSpec {
            patterns: self.patterns.clone(),
            extra_scenarios: extra,
            overrides,
            override_label: "--set".into(),
            params: parse_factors("param", &self.params, false)?,
            design: if self.design == "lhs" { CalibrationDesign::Lhs } else { CalibrationDesign::Sobol },
            samples: self.samples,
            effects: self.effects.iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect(),
            runs: self.exp.common.runs(),
        })
    }
}

/// A command-line problem found before the library is called, or a library error: the message
/// to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// One line, without the `error: ` prefix.
    pub message: String,
    /// Process exit code.
    pub code: i32,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Scenario(_) | Error::Spec(_) | Error::Data(_) | Error::Resources(_) => 2,
            Error::Output(OutputError::Exists { .. } | OutputError::UnfinishedOther { .. } | OutputError::Locked { .. }) => 2,
            Error::Output(_) | Error::Failed(_) => 1,
            Error::Cancelled => 130,
        };
        Failure { message: message(&e), code }
    }
}

impl From<SpecError> for Failure {
    fn from(e: SpecError) -> Self {
        Failure::from(Error::Spec(e))
    }
}

/// How the CLI names a spec field.
fn flag(field: &str) -> String {
    match field {
        "merge" => "`cadresim merge`".to_string(),
        f => format!("--{}", f.replace('_', "-")),
    }
}

/// A library error as the CLI says it: spec fields become flags, and hints name the flags.
pub fn message(e: &Error) -> String {
    match e {
        Error::Spec(s) => s.render(&flag),
        Error::Output(OutputError::Exists { dir, marker }) => format!(
            "{}: already holds results ({marker}); choose another --out directory or pass --force to overwrite",
            dir.display()
        ),
        Error::Output(OutputError::UnfinishedOther { dir, what }) => format!(
            "{}: holds the unfinished runs of a different experiment ({what}); rerun that command to resume it, choose another --out, or pass --force to discard it",
            dir.display()
        ),
        other => other.to_string(),
    }
}

impl Common {
    /// Replications, seed and threads.
    pub fn runs(&self) -> Runs {
        Runs { reps: self.reps, seed: self.seed, threads: self.threads.map(|t| t as usize) }
    }

    /// The scenario at `path` with this command's `--set` overrides.
    pub fn scenario(&self, path: &std::path::Path) -> Result<ScenarioSpec, Failure> {
        let overrides = parse_sets(&self.sets).map_err(|message| Failure { message, code: 2 })?;
        Ok(ScenarioSpec { source: ScenarioSource::File(path.to_path_buf()), overrides, override_label: "--set".into() })
    }
}

impl ExperimentCommon {
    /// Where the results go.
    pub fn output(&self) -> Result<OutputSpec, Failure> {
        let shard = self.shard.as_deref().map(Shard::parse).transpose()?;
        Ok(OutputSpec { dir: self.out.clone(), force: self.common.force, shard, format: TableFormat::parse(&self.common.format)? })
    }
}

impl RunArgs {
    /// The run's spec.
    pub fn spec(&self) -> Result<RunSpec, Failure> {
        Ok(RunSpec {
            scenario: self.common.scenario(&self.scenario)?,
            runs: self.common.runs(),
            out: match (&self.out, self.no_save || self.cadre_output) {
                (Some(d), _) => Some(d.clone()),
                (None, true) => None,
                (None, false) => Some(fresh_out_dir(&self.scenario)),
            },
            force: self.common.force,
            cadre_output: self.cadre_output,
            format: TableFormat::parse(&self.common.format)?,
        })
    }
}

impl CompareArgs {
    /// The comparison's spec.
    pub fn spec(&self) -> Result<CompareSpec, Failure> {
        let scenarios = self.scenarios.iter().map(|p| self.exp.common.scenario(p)).collect::<Result<_, _>>()?;
        Ok(CompareSpec { scenarios, runs: self.exp.common.runs() })
    }
}

impl SweepArgs {
    /// The sweep's spec.
    pub fn spec(&self) -> Result<SweepSpec, Failure> {
        let scenario = self.exp.common.scenario(&self.scenario)?;
        let vary: Vec<Factor> = parse_factors("vary", &self.vary, true)?;
        let design = match (self.design.as_str(), self.samples) {
            ("lhs", Some(samples)) => Design::Lhs { samples },
            ("lhs", None) => return Err(SpecError::reads_on("design", Some("lhs".into()), "needs {samples} N").into()),
            (_, Some(_)) => {
                return Err(
                    SpecError::reads_on("samples", None, "goes with {design} lhs; a grid's size is set by the steps of {vary}").into()
                )
            }
            _ => Design::Grid,
        };
        Ok(SweepSpec { scenario, vary, design, runs: self.exp.common.runs() })
    }
}

impl SensitivityArgs {
    /// The analysis's spec: a re-analysis if the source is a directory, else a new analysis.
    /// `given` holds the ids of the options given on the command line (a re-analysis refuses
    /// every option that would shape a new experiment, so the two cannot be confused).
    pub fn work(&self, given: &[String]) -> Result<SensitivityWork, Failure> {
        if self.source.is_dir() {
            if let Some(extra) = given.iter().find(|g| !REANALYSIS_OPTIONS.contains(&g.as_str())) {
                let extra = match extra.as_str() {
                    "params" => "param",
                    "sets" => "set",
                    other => other,
                };
                return Err(Failure {
                    message: format!(
                        "{}: {} is a directory, so this re-analyses its saved runs without simulating; {} shapes a new analysis, while a re-analysis takes only --metric, --bootstrap, --out and --force (to start a new analysis, name a scenario file)",
                        flag(extra),
                        self.source.display(),
                        flag(extra)
                    ),
                    code: 2,
                });
            }
            let Some(metric) = self.metric.clone() else {
                return Err(SpecError::reads_on(
                    "metric",
                    None,
                    format!("is needed to re-analyse {}: name the metric to analyse its saved runs for", self.source.display()),
                )
                .into());
            };
            return Ok(SensitivityWork::Reanalysis(ReanalysisSpec {
                dir: self.source.clone(),
                metric,
                bootstrap: self.bootstrap,
                out: self.out.clone(),
                force: self.common.force,
            }));
        }
        let scenario = self.common.scenario(&self.source)?;
        let Some(method) = self.method.as_deref() else {
            return Err(SpecError::reads_on("method", None, "is needed for a new analysis: morris or sobol").into());
        };
        if self.params.is_empty() {
            return Err(SpecError::new("param", None, "name at least one parameter, e.g. {param} regime.penalty=0:4").into());
        }
        let params = parse_factors("param", &self.params, false)?;
        let method = match method {
            "sobol" => Method::Sobol { second_order: self.second_order },
            _ => Method::Morris { levels: self.levels.unwrap_or(4) },
        };
        let Some(out) = self.out.clone() else {
            return Err(SpecError::reads_on("out", None, "DIR is needed for a new analysis").into());
        };
        let spec = SensitivitySpec {
            scenario,
            method,
            params,
            metric: self.metric.clone().unwrap_or_else(|| "s".into()),
            samples: self.samples.unwrap_or(64),
            bootstrap: self.bootstrap.unwrap_or(1000),
            runs: self.common.runs(),
        };
        Ok(SensitivityWork::New(Box::new((spec, ExperimentCommon { out, shard: self.shard.clone(), common: self.common.clone() }))))
    }
}

/// `out/<scenario file stem>`, or the first of `out/<stem>-2`, `-3`, ... that does not exist yet.
pub fn fresh_out_dir(scenario: &std::path::Path) -> PathBuf {
    let stem = scenario.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
    let base = PathBuf::from("out").join(&stem);
    if !base.exists() {
        return base;
    }
    (2..).map(|k| PathBuf::from("out").join(format!("{stem}-{k}"))).find(|p| !p.exists()).unwrap_or(base)
}

/// Splits `path=value` strings from `--set`.
pub fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, String> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((p, v)) if !p.trim().is_empty() => Ok((p.trim().to_string(), v.trim().to_string())),
            _ => Err(format!("--set {s}: expected PATH=VALUE, e.g. --set regime.exempt=0.9")),
        })
        .collect()
}
