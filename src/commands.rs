//! The work cadresim does, as library calls: each takes a typed spec (see [`crate::spec`]) and a
//! [`Job`] (progress sink and cancellation token), and returns typed results. Nothing here
//! prints, parses flags, handles signals or exits; the CLI, the explorer and the Python package
//! are thin adapters over these functions.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::analysis::runs::{summarise, RunSummary};
use crate::engine::{run_replications, Model, RepResult, Replication};
use crate::error::{Error, SpecError};
use crate::experiment::{journal, shard, with_threads, Experiment, Row};
use crate::job::Job;
use crate::output::manifest::{ExperimentManifest, Manifest};
use crate::output::{num, Staging};
use crate::report::{self, ExperimentReport};
use crate::scenario::Scenario;
use crate::spec::{OutputSpec, ReanalysisSpec, RunSpec, ScenarioSpec, Shard};

/// What `run` produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The scenario as run (overrides applied).
    pub scenario: Scenario,
    /// Its model.
    pub model: Model,
    /// Every replication, period by period.
    pub results: Vec<RepResult>,
    /// Summaries across replications.
    pub summary: RunSummary,
    /// Worker threads used.
    pub threads: usize,
    /// Where the files went, if anywhere.
    pub dir: Option<PathBuf>,
}

/// `run`: one scenario, many replications; files into `spec.out` if given.
pub fn run(spec: &RunSpec, job: Job<'_>) -> Result<RunOutcome, Error> {
    let (scenario, model) = spec.prepare()?;
    let threads = spec.runs.threads.unwrap_or_else(rayon::current_num_threads) as u64;
    crate::resources::check(&model.params, &crate::resources::Demand::run(spec.runs.reps, threads))?;
    let mut staging = match &spec.out {
        Some(d) => Some(Staging::new(d, spec.force)?),
        None => None,
    };
    let p = &model.params;
    let reps = spec.runs.reps;
    let seed = spec.runs.seed;
    let cadre_path = match (&mut staging, spec.cadre_output) {
        (Some(s), true) => Some(s.path("cadres.csv")?),
        _ => None,
    };
    job.progress.start(&scenario.name, reps.saturating_mul(p.periods as u64).saturating_mul(p.total_cadres() as u64));
    let ran = with_threads(spec.runs.threads, || {
        let threads = rayon::current_num_threads();
        let r = match &cadre_path {
            Some(path) => run_with_cadre_rows(&model, &scenario.name, seed, reps, path, job),
            None => run_replications(&model, seed, 0..reps, &job).map_err(Error::from),
        };
        (r, threads)
    });
    job.progress.finish();
    let (results, threads) = ran?;
    let results = results?;
    crate::experiment::check_finite(&results, &scenario)?;
    let summary = summarise(&results, p.window);
    let dir = match staging {
        Some(st) => Some(report::run::write_run(
            st,
            &scenario,
            &model,
            report::run::RunSettings { seed, threads, format: spec.format },
            &results,
            &summary,
        )?),
        None => None,
    };
    Ok(RunOutcome { scenario, model, results, summary, threads, dir })
}

/// Runs replications one after another, streaming one row per cadre and period to `path`
/// (memory does not grow with periods). Townships still run in parallel within a period.
fn run_with_cadre_rows(model: &Model, scenario: &str, seed: u64, reps: u64, path: &Path, job: Job<'_>) -> Result<Vec<RepResult>, Error> {
    use crate::engine::Progress;
    let io = Error::io(path);
    let file = std::fs::File::create(path).map_err(&io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(&crate::output::csv::Table::new(crate::output::tables::CADRE_COLUMNS).into_bytes()).map_err(&io)?;
    // The scenario and seed cells, quoted as CSV needs, once.
    let mut keys = crate::output::csv::Table::headless();
    keys.row([scenario.to_string(), seed.to_string()]);
    let keys = keys.into_string().trim_end().to_string();
    let per_period = model.params.total_cadres() as u64;
    let mut results = Vec::new();
    let mut line = String::with_capacity(256);
    for rep in 0..reps {
        let mut r = Replication::new(model, seed, rep);
        let mut periods = Vec::with_capacity(model.params.periods);
        for t in 0..model.params.periods {
            if job.cancelled() {
                return Err(Error::Cancelled);
            }
            periods.push(r.step());
            for town in r.townships() {
                for (i, c) in town.cadres.iter().enumerate() {
                    let a = model.actions.actions[c.last_action as usize];
                    line.clear();
                    use std::fmt::Write as _;
                    let _ = writeln!(
                        line,
                        "{keys},{rep},{},{},{},{i},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        t + 1,
                        town.county,
                        town.id,
                        num(a.s),
                        num(a.m),
                        u8::from(a.innovate),
                        num(c.ability),
                        num(c.psi),
                        u8::from(c.corrupt),
                        u8::from(c.last_sanctioned),
                        u8::from(c.last_promoted),
                        c.rank,
                        c.block_left,
                        num(c.fatigue),
                        num(c.payoff),
                        c.tenure
                    );
                    w.write_all(line.as_bytes()).map_err(&io)?;
                }
            }
            job.advance(per_period);
        }
        results.push(RepResult { rep, periods });
    }
    w.flush().map_err(&io)?;
    Ok(results)
}

/// What an experiment produced.
#[derive(Debug, Clone)]
pub enum ExperimentOutcome {
    /// Finished and committed into `dir`.
    Finished {
        /// The results.
        report: ExperimentReport,
        /// The directory.
        dir: PathBuf,
    },
    /// One shard written into `dir`; `merge` combines all of them.
    Shard {
        /// Which shard.
        shard: Shard,
        /// The directory.
        dir: PathBuf,
    },
    /// Run in memory; nothing was written.
    InMemory {
        /// The results.
        report: ExperimentReport,
        /// The manifest the experiment would have on disk.
        manifest: Box<ExperimentManifest>,
        /// Every row, in run order.
        rows: Vec<Row>,
    },
}

/// Runs a prepared experiment: into `out` (resumable; a shard if `out.shard` is set) or, with
/// no `out`, in memory.
pub fn experiment(exp: &Experiment, out: Option<&OutputSpec>, job: Job<'_>) -> Result<ExperimentOutcome, Error> {
    check_memory(exp, out.is_none())?;
    let Some(out) = out else {
        let rows = exp.simulate(None, job)?;
        let manifest = exp.manifest(&[]);
        let report = report::from_rows(&manifest, rows.iter().cloned())?;
        return Ok(ExperimentOutcome::InMemory { report, manifest: Box::new(manifest), rows });
    };
    let staging = journal::execute(exp, out, job)?;
    let files = report::expected_files(&exp.manifest(&[]).with_format(out.format));
    let finished = match out.shard {
        Some(s) => shard::finish(exp, s, &files, out.format, staging).map(|dir| ExperimentOutcome::Shard { shard: s, dir }),
        None => report::finalize(&exp.manifest(&files).with_format(out.format), staging)
            .map(|(report, dir)| ExperimentOutcome::Finished { report, dir }),
    };
    match finished {
        Ok(outcome) => {
            journal::discard(exp, &out.dir);
            Ok(outcome)
        }
        Err(e) => {
            // The runs are complete; a failure that a rerun would meet again must not leave a
            // journal that blocks the corrected command.
            if !journal::is_interruption(&e) {
                journal::mark_failed(exp, &out.dir, &e);
            }
            Err(e)
        }
    }
}

/// Refuses an experiment whose memory estimate exceeds what the machine has available: the
/// populations of the runs of one block, plus every row kept until the end (all of them when
/// running in memory or comparing; one per run otherwise).
fn check_memory(exp: &Experiment, in_memory: bool) -> Result<(), Error> {
    use crate::resources::{check, Demand, ResourceError};
    let threads = exp.threads.unwrap_or_else(rayon::current_num_threads) as u64;
    let overflow = || ResourceError::Overflow { what: "design points x replications x periods".into() };
    let mut demand = Demand::experiment(exp.points.len() as u64, exp.reps, threads)?;
    if in_memory || exp.record == crate::experiment::Record::Periods {
        demand.rows = demand.rows.checked_mul(exp.lines_per_run() as u64).ok_or_else(overflow)?;
    }
    // The largest point sets the size of a population.
    let largest = exp.points.iter().max_by_key(|p| p.model.params.total_cadres().saturating_mul(p.model.params.periods));
    if let Some(p) = largest {
        check(&p.model.params, &demand)?;
    }
    Ok(())
}

/// `merge`: combines shard directories into the files of an unsharded run in `out.dir`.
pub fn merge(dirs: &[PathBuf], out: &OutputSpec) -> Result<(ExperimentReport, PathBuf), Error> {
    // Check every shard before anything (even the output directory) is created.
    let shards = shard::check(dirs)?;
    let mut staging = Staging::new(&out.dir, out.force)?;
    shard::merge_rows(&shards, &mut staging)?;
    report::finalize(&shards.manifest, staging)
}

/// What `plot DIR` re-rendered.
#[derive(Debug, Clone)]
pub enum Replotted {
    /// A run directory: this many plot files.
    Run {
        /// Files written.
        files: usize,
        /// The plots folder.
        plots: PathBuf,
    },
    /// An experiment: its report, recomputed from the saved rows.
    Experiment {
        /// The results.
        report: Box<ExperimentReport>,
        /// The directory.
        dir: PathBuf,
    },
}

/// `plot DIR`: re-renders the tables and figures of a finished directory from its saved rows,
/// without simulating.
pub fn plot(dir: &Path) -> Result<Replotted, Error> {
    let path = dir.join("manifest.json");
    match Manifest::read(&path)? {
        Manifest::Shard(_) => {
            Err(SpecError::about("dir", format!("{}: holds one shard; merge the shards first ({{merge}})", dir.display())).into())
        }
        Manifest::Run(m) => {
            let summary = report::run::read_summary(&dir.join("summary.csv"))?;
            let name = m.scenarios.first().map(|s| s.name.clone()).unwrap_or_else(|| "run".into());
            let plots = dir.join("plots");
            let thresholds = report::class_thresholds(m.scenarios.first());
            let files = report::run::render_run_plots(&summary, &name, thresholds, &plots)?;
            Ok(Replotted::Run { files: files.len(), plots })
        }
        Manifest::Experiment(m) => {
            let mut staging = Staging::new(dir, true)?;
            for name in m.rows_files() {
                let staged = staging.path(name)?;
                std::fs::copy(dir.join(name), &staged).map_err(Error::io(&staged))?;
            }
            let (report, dir) = report::finalize(&m, staging)?;
            Ok(Replotted::Experiment { report: Box::new(report), dir })
        }
    }
}

/// `sensitivity DIR --metric X`: analyses the saved runs of the finished sensitivity analysis in
/// `spec.dir` for another metric, without simulating, into a new directory (by default
/// `DIR/reanalysis/METRIC`) that holds what a fresh analysis for that metric holds: the runs, the
/// design and indices tables, the figure and a manifest saying what was re-analysed. The indices
/// are those of a fresh analysis of the same design and seed (tested byte for byte).
pub fn reanalyse(spec: &ReanalysisSpec) -> Result<(ExperimentReport, PathBuf), Error> {
    let m = spec.prepare()?;
    let out = spec.out_dir();
    let same = |a: &Path, b: &Path| a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b);
    if same(&out, &spec.dir) {
        return Err(SpecError::new(
            "out",
            Some(out.display().to_string()),
            "is the analysed directory itself; a re-analysis goes into a new directory (without {out}: DIR/reanalysis/METRIC)",
        )
        .into());
    }
    // A parent made for this re-analysis goes again if it fails, so the analysed directory is left
    // as it was.
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()).map(Path::to_path_buf);
    let result = (|| {
        let mut staging = Staging::new(&out, spec.force)?;
        let staged = staging.path(&m.rows_file)?;
        let rows = spec.dir.join(&m.rows_file);
        if std::fs::hard_link(&rows, &staged).is_err() {
            std::fs::copy(&rows, &staged).map_err(Error::io(&staged))?;
        }
        report::finalize(&m, staging)
    })();
    if result.is_err() {
        if let Some(p) = parent {
            let _ = std::fs::remove_dir(p);
        }
    }
    result
}

/// `check`: loads and validates each scenario; returns it with its model.
pub fn check(specs: &[ScenarioSpec]) -> Result<Vec<(Scenario, Model)>, Error> {
    specs.iter().map(ScenarioSpec::model).collect()
}

/// A one-line description of a scenario's sizes.
pub fn describe(s: &Scenario, m: &Model) -> String {
    format!(
        "{}: {} cadres in {} townships of {} counties, {} actions, {} periods",
        s.name,
        m.params.total_cadres(),
        m.params.total_townships(),
        m.params.counties,
        m.actions.len(),
        m.params.periods
    )
}

/// `verify`: runs every verification case on `threads` workers.
pub fn verify(settings: &crate::verify::Settings, threads: Option<usize>, job: Job<'_>) -> Result<Vec<crate::verify::Check>, Error> {
    use crate::verify::{run_all, VerifyError};
    if !settings.scenarios.join("verify").is_dir() {
        return Err(SpecError::about(
            "scenarios",
            format!(
                "{}: no verify/ folder of scenarios here; run from the cadresim folder or pass {{scenarios}} DIR",
                settings.scenarios.display()
            ),
        )
        .into());
    }
    with_threads(threads, || run_all(settings, &job))?.map_err(|e| match e {
        VerifyError::Scenario(e) => Error::Scenario(e),
        VerifyError::Cancelled => Error::Cancelled,
    })
}

/// The list of output metrics, one per line.
pub fn metrics_listing() -> String {
    let w = crate::metrics::METRICS.iter().map(|m| m.name.len()).max().unwrap_or(10);
    crate::metrics::METRICS
        .iter()
        .map(|m| match m.undefined {
            Some(u) => format!("{:w$}  {} (undefined when {})\n", m.name, m.doc, u.when),
            None => format!("{:w$}  {}\n", m.name, m.doc),
        })
        .collect()
}
