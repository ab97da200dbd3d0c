//! The commands behind the command line, as library functions: they read scenarios, run the
//! engine, write output files and print reports to a writer they are given. They return errors
//! instead of exiting, so other front ends can call them.

pub mod commands;
pub mod experiment;
pub mod finalize;
pub mod progress;
pub mod run;
pub mod sensitivity;

use std::fmt;
use std::io::Write;
use std::path::Path;

use crate::engine::{Cancelled, Model};
use crate::output::OutputError;
use crate::scenario::{Scenario, ScenarioError};

/// Why a command failed.
#[derive(Debug)]
pub enum AppError {
    /// A scenario was invalid.
    Scenario(ScenarioError),
    /// Output could not be written.
    Output(OutputError),
    /// The command line was wrong.
    Usage(String),
    /// The work was interrupted (Ctrl-C); nothing partial was written.
    Cancelled,
    /// Verification found failures.
    Failed(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Scenario(e) => write!(f, "{e}"),
            AppError::Output(e) => write!(f, "{e}"),
            AppError::Usage(m) => write!(f, "{m}"),
            AppError::Cancelled => write!(f, "interrupted; no partial output was written"),
            AppError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<ScenarioError> for AppError {
    fn from(e: ScenarioError) -> Self {
        AppError::Scenario(e)
    }
}

impl From<OutputError> for AppError {
    fn from(e: OutputError) -> Self {
        AppError::Output(e)
    }
}

impl From<Cancelled> for AppError {
    fn from(_: Cancelled) -> Self {
        AppError::Cancelled
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Output(OutputError::Io { path: "<stdout>".into(), message: e.to_string() })
    }
}

impl From<crate::plot::PlotError> for AppError {
    fn from(e: crate::plot::PlotError) -> Self {
        AppError::Failed(format!("plot: {e}"))
    }
}

impl AppError {
    /// Maps an I/O error on `path` to an output error (for `map_err`).
    pub fn io(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
        move |e| AppError::Output(OutputError::io(path, e))
    }

    /// Process exit code: 2 for bad input, 1 for failures, 130 for an interrupt.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scenario(_) | AppError::Usage(_) | AppError::Output(OutputError::Exists { .. }) => 2,
            AppError::Output(_) | AppError::Failed(_) => 1,
            AppError::Cancelled => 130,
        }
    }
}

/// Reads a scenario, applies `--set` overrides and builds the model.
pub fn load(path: &Path, sets: &[String]) -> Result<(Scenario, Model), AppError> {
    let pairs = crate::cli::parse_sets(sets).map_err(AppError::Usage)?;
    let mut scenario = Scenario::load(path)?;
    scenario.apply_sets(&pairs)?;
    let params = scenario.params()?;
    Ok((scenario, Model::new(params)))
}

/// Runs `f` on a thread pool of the requested size (all cores if `None`).
pub fn with_threads<T: Send>(threads: Option<u64>, f: impl FnOnce() -> T + Send) -> Result<T, AppError> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t as usize);
    }
    let pool = b.build().map_err(|e| AppError::Usage(format!("--threads: cannot start the thread pool: {e}")))?;
    Ok(pool.install(f))
}

/// `cadresim check`: validates scenario files and prints a one-line description of each.
pub fn check(paths: &[std::path::PathBuf], sets: &[String], out: &mut dyn Write) -> Result<(), AppError> {
    for p in paths {
        let (s, m) = load(p, sets)?;
        writeln!(
            out,
            "{}: ok ({}: {} cadres in {} townships of {} counties, {} actions, {} periods)",
            p.display(),
            s.name,
            m.params.total_cadres(),
            m.params.total_townships(),
            m.params.counties,
            m.actions.len(),
            m.params.periods
        )?;
    }
    Ok(())
}

/// `cadresim verify`: runs every verification case, prints the report, optionally writes it as
/// Markdown, and fails if any case fails.
pub fn verify(
    settings: &crate::verify::Settings,
    report: Option<&Path>,
    threads: Option<u64>,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    use crate::verify::{markdown_report, run_all, text_report, VerifyError};
    if !settings.scenarios.join("verify").is_dir() {
        return Err(AppError::Usage(format!(
            "{}: no verify/ folder of scenarios here; run from the cadresim folder or pass --scenarios DIR",
            settings.scenarios.display()
        )));
    }
    progress::install_interrupt_handler();
    let checks = with_threads(threads, || run_all(settings, &progress::Interruptible))?.map_err(|e| match e {
        VerifyError::Scenario(e) => AppError::Scenario(e),
        VerifyError::Cancelled => AppError::Cancelled,
    })?;
    write!(out, "{}", text_report(&checks))?;
    if let Some(path) = report {
        crate::output::write_atomic(path, markdown_report(&checks, settings).as_bytes())?;
        writeln!(out, "report written to {}", path.display())?;
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    if failed > 0 {
        return Err(AppError::Failed(format!("{failed} verification check(s) failed")));
    }
    Ok(())
}

/// `cadresim metrics`: the list of output metrics.
pub fn metrics_listing() -> String {
    let w = crate::metrics::METRICS.iter().map(|m| m.name.len()).max().unwrap_or(10);
    crate::metrics::METRICS.iter().map(|m| format!("{:w$}  {}\n", m.name, m.doc)).collect()
}

/// A version string for manifests: the crate version and the source revision it was built from.
pub fn version() -> (&'static str, &'static str) {
    (env!("CARGO_PKG_VERSION"), env!("CADRESIM_SOURCE_REVISION"))
}
