//! Command-line definitions (clap) and their translation into validated settings.
//! No simulation happens here; `main.rs` and [`crate::app`] do the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Run(RunArgs),
    /// Validate a scenario file without running it.
    Check {
        /// Scenario file(s).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Override a parameter: `--set regime.exempt=0.9` (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Compare scenarios with common random numbers: table of end-of-run means, differences, plots.
    Compare(CompareArgs),
    /// Sweep parameters over a grid or Latin hypercube: tidy CSV, summaries, line or heatmap plots.
    Sweep(SweepArgs),
    /// Global sensitivity analysis: Morris screening or Sobol' indices of one output metric.
    Sensitivity(SensitivityArgs),
    /// Combine the outputs of `--shard K/N` runs into exactly the files of an unsharded run.
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
    Plot {
        /// Output directory of an earlier command.
        dir: PathBuf,
    },
    /// Reproduce known analytic results and the study's patterns through the engine.
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
    Explore {
        /// Port on 127.0.0.1 (0: any free port; the address is printed).
        #[arg(long, default_value_t = 8700)]
        port: u16,
        /// Open the default browser on the page.
        #[arg(long)]
        open: bool,
    },
    /// List every parameter with its default, allowed range and meaning.
    Params,
    /// List every output metric.
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
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `cadresim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Output directory (nothing is written without it).
    #[arg(long)]
    pub out: Option<PathBuf>,
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
    /// A varied parameter: `PATH=LO:HI:STEPS` (repeatable).
    #[arg(long, value_name = "PATH=LO:HI:STEPS", required = true)]
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
pub struct SensitivityArgs {
    /// Base scenario file.
    pub scenario: PathBuf,
    /// Method.
    #[arg(long, value_parser = ["morris", "sobol"])]
    pub method: String,
    /// A parameter and its range: `PATH=LO:HI` (repeatable).
    #[arg(long = "param", value_name = "PATH=LO:HI", required = true)]
    pub params: Vec<String>,
    /// Output metric (end-of-run window mean; `cadresim metrics` lists them).
    #[arg(long, default_value = "s")]
    pub metric: String,
    /// Sobol': base samples N, a power of two (runs = N*(k+2)); Morris: trajectories (runs = r*(k+1)).
    #[arg(long, default_value_t = 64)]
    pub samples: usize,
    /// Morris grid levels (even).
    #[arg(long, default_value_t = 4)]
    pub levels: usize,
    /// Also estimate second-order Sobol' indices (runs = N*(2k+2)).
    #[arg(long)]
    pub second_order: bool,
    /// Bootstrap resamples for the intervals.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub exp: ExperimentCommon,
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
