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

/// Splits `path=value` strings from `--set`.
pub fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, String> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((p, v)) if !p.trim().is_empty() => Ok((p.trim().to_string(), v.trim().to_string())),
            _ => Err(format!("--set {s}: expected PATH=VALUE, e.g. --set regime.exempt=0.9")),
        })
        .collect()
}
