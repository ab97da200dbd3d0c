//! Experiments: design points × replications, run in parallel, rows in run order.
//!
//! Shared by `compare`, `sweep` and `sensitivity`. Run `i = point * reps + rep` uses the streams
//! of replication `rep`, so every design point sees the same luck (common random numbers).
//!
//! An experiment runs either in memory ([`Experiment::simulate`], for notebooks and tests) or into
//! an output directory ([`journal::execute`]): rows are appended, in run order and one chunk of
//! runs at a time, to a hidden journal, so a stopped experiment started again continues after the
//! last complete run. `shard` runs a deterministic slice of the points; [`shard::merge`]
//! interleaves shard rows by point exactly as an unsharded run would write them.

pub mod journal;
pub mod shard;

use std::path::Path;

use rayon::prelude::*;

use crate::analysis::runs::window_accum;
use crate::engine::{run_replication, Model};
use crate::error::Error;
use crate::error::SpecError;
use crate::job::Job;
use crate::metrics::{evaluate, METRICS};
use crate::output::csv::{number, whole, Record as CsvRecord, Table};
use crate::output::manifest::{Details, ExperimentKind, ExperimentManifest, PointEntry, ScenarioEntry, TableFormat, EXPERIMENT_STREAMS};
use crate::output::num;
use crate::scenario::Scenario;
use std::path::PathBuf;

/// Largest number of replications.
pub const MAX_REPS: u64 = 10_000_000;

/// Replications, seed and threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runs {
    /// Replications (per design point).
    pub reps: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None`: all cores). Results never depend on it.
    pub threads: Option<usize>,
}

impl Default for Runs {
    fn default() -> Self {
        Runs { reps: 20, seed: 1, threads: None }
    }
}

impl Runs {
    /// Checks replications and threads.
    pub fn check(&self) -> Result<(), SpecError> {
        if self.reps == 0 || self.reps > MAX_REPS {
            return Err(SpecError::new("reps", Some(self.reps.to_string()), format!("expected 1 to {MAX_REPS}")));
        }
        if self.threads.is_some_and(|t| t == 0 || t > 4096) {
            return Err(SpecError::new("threads", self.threads.map(|t| t.to_string()), "expected 1 to 4096"));
        }
        Ok(())
    }
}

/// A slice of an experiment's design points: the K-th of N (`point % N == K - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, SpecError> {
        let bad = || SpecError::new("shard", Some(text.to_string()), "expected K/N with 1 <= K <= N, e.g. {shard} 2/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether this shard runs design point `point`.
    pub fn owns(&self, point: usize) -> bool {
        point % self.n == self.k - 1
    }
}

/// Where an experiment's results go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The output directory (an interrupted experiment rerun into it resumes).
    pub dir: PathBuf,
    /// Overwrite finished results, or discard an unfinished different experiment.
    pub force: bool,
    /// Run only this slice of the design points.
    pub shard: Option<Shard>,
    /// Table formats (CSV always; Parquet copies of the big tables on request).
    pub format: TableFormat,
}

impl OutputSpec {
    /// Results into `dir`, nothing overwritten, all design points.
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        OutputSpec { dir: dir.into(), force: false, shard: None, format: TableFormat::Csv }
    }
}

/// What each run records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Every period plus an end-of-run window row (for comparisons and time-series plots); on
    /// disk the two kinds go to separate files (`runs.csv`, `runs_window.csv`).
    Periods,
    /// One row with the end-of-run window values (for sweeps and sensitivity designs).
    Window,
}

/// One design point.
#[derive(Debug, Clone)]
pub struct Point {
    /// Label (the scenario name for comparisons, the index otherwise).
    pub label: String,
    /// Values of the varied parameters, in factor order.
    pub values: Vec<f64>,
    /// The resolved scenario of this point.
    pub scenario: Scenario,
    /// Its validated model.
    pub model: Model,
}

/// One row of results: a period of a run, or a run's end-of-run window.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Design point.
    pub point: usize,
    /// Replication.
    pub rep: u64,
    /// Period (1-based); for a window row, the last period (and 0 in window-only records).
    pub period: usize,
    /// Whether this is the end-of-run window row.
    pub window: bool,
    /// Every metric, in [`METRICS`] order.
    pub values: Vec<f64>,
}

/// An experiment ready to run (built by the `prepare` of a spec in [`crate::spec`]).
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Paths of the varied parameters (column names).
    pub factors: Vec<String>,
    /// Design points.
    pub points: Vec<Point>,
    /// Replications per point.
    pub reps: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (`None`: all cores); results never depend on it.
    pub threads: Option<usize>,
    /// What a run records.
    pub record: Record,
    /// Kind-specific settings, recorded in the manifest and used to finish.
    pub details: Details,
}

/// 64-bit FNV-1a, for experiment fingerprints (stable across platforms and versions).
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Runs `f` on a thread pool of the requested size (all cores if `None`).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t);
    }
    let pool = b.build().map_err(|e| {
        crate::error::SpecError::new("threads", threads.map(|t| t.to_string()), format!("cannot start the thread pool: {e}"))
    })?;
    Ok(pool.install(f))
}

impl Experiment {
    /// An experiment of these points.
    pub fn new(factors: Vec<String>, points: Vec<Point>, runs: Runs, record: Record, details: Details) -> Self {
        Experiment { factors, points, reps: runs.reps, seed: runs.seed, threads: runs.threads, record, details }
    }

    /// The kind (compare, sweep or sensitivity).
    pub fn kind(&self) -> ExperimentKind {
        self.details.kind()
    }

    /// Name of the (main) rows file; the journal is named after it.
    pub fn rows_file(&self) -> &'static str {
        rows_file(self.kind())
    }

    /// The scenario name written in the rows of design point `point`.
    pub fn scenario_name(&self, point: usize) -> &str {
        let p = &self.points[point];
        match self.record {
            Record::Periods => &p.label,
            Record::Window => &p.scenario.name,
        }
    }

    /// A fingerprint of everything that determines the results.
    pub fn id(&self) -> String {
        self.fingerprint(&self.details)
    }

    /// A fingerprint of everything that determines the rows (the journal's key): the id with the
    /// settings that only the analysis of finished rows reads (a sensitivity analysis's metric,
    /// bootstrap and confidence) left out, since every row holds every metric. So the runs of an
    /// analysis of one metric serve a rerun for another one without simulating again.
    pub fn rows_id(&self) -> String {
        match &self.details {
            Details::Sensitivity(d) => {
                let rows_only =
                    crate::output::manifest::SensitivityDetails { metric: String::new(), bootstrap: 0, confidence: 0.0, ..d.clone() };
                self.fingerprint(&Details::Sensitivity(rows_only))
            }
            _ => self.id(),
        }
    }

    /// One line saying what the experiment is (kind, scenarios, design, seed, replications), for
    /// messages about a directory that holds its unfinished runs.
    pub fn describe(&self) -> String {
        let name = self.points.first().map(|p| p.scenario.name.as_str()).unwrap_or("");
        let what = match &self.details {
            Details::Compare(_) => {
                let names: Vec<&str> = self.points.iter().map(|p| p.label.as_str()).collect();
                format!("compare of {}", names.join(", "))
            }
            Details::Sweep(d) => format!("sweep ({}) of {name} over {}", d.design, d.vary.join(" ")),
            Details::Sensitivity(d) => {
                let ranges: Vec<String> = self.factors.iter().zip(&d.bounds).map(|(f, b)| format!("{f}={}:{}", b[0], b[1])).collect();
                format!("sensitivity ({}, {} samples) of {name} over {}", d.method, d.samples, ranges.join(" "))
            }
            Details::Calibrate(d) => {
                let ranges: Vec<String> = self.factors.iter().zip(&d.bounds).map(|(f, b)| format!("{f}={}:{}", b[0], b[1])).collect();
                format!("calibration ({}, {} samples) of {} over {}", d.design, d.samples, d.scenarios.join(", "), ranges.join(" "))
            }
        };
        format!("{what}; seed {}, {} replications", self.seed, self.reps)
    }

    fn fingerprint(&self, details: &Details) -> String {
        let details = details.to_value();
        let mut canon = format!("{}|{}|{}|{:?}|{:?}|{}\n", self.kind().name(), self.seed, self.reps, self.record, self.factors, details);
        for p in &self.points {
            canon.push_str(&format!("{}|{:?}\n{}\n", p.label, p.values, p.scenario.resolved.to_toml()));
        }
        format!("{:016x}", fnv1a(&canon))
    }

    /// The main rows file's columns (also the journal's header).
    pub fn header(&self) -> Vec<String> {
        header(self.record, &self.factors)
    }

    /// Lines one run writes.
    pub fn lines_per_run(&self) -> usize {
        match self.record {
            Record::Periods => self.points.first().map(|p| p.model.params.periods + 1).unwrap_or(1),
            Record::Window => 1,
        }
    }

    /// The runs `(point, rep)` of a shard (or of all points), in run order.
    pub fn runs(&self, shard: Option<Shard>) -> Vec<(usize, u64)> {
        (0..self.points.len()).filter(|&p| shard.is_none_or(|s| s.owns(p))).flat_map(|p| (0..self.reps).map(move |r| (p, r))).collect()
    }

    /// Cadre-periods of these runs (for progress).
    pub fn cadre_periods(&self, runs: &[(usize, u64)]) -> u64 {
        runs.iter().map(|&(p, _)| (self.points[p].model.params.total_cadres() * self.points[p].model.params.periods) as u64).sum()
    }

    /// Runs one replication of one point and returns its rows.
    pub fn run_rows(&self, point: usize, rep: u64, job: Job<'_>) -> Result<Vec<Row>, Error> {
        let p = &self.points[point];
        let r = run_replication(&p.model, self.seed, rep, &job)?;
        check_finite(std::slice::from_ref(&r), &p.scenario)?;
        let window = evaluate(&window_accum(&r, p.model.params.window));
        let mut rows = Vec::new();
        match self.record {
            Record::Periods => {
                for (t, s) in r.periods.iter().enumerate() {
                    rows.push(Row { point, rep, period: t + 1, window: false, values: evaluate(&s.total) });
                }
                rows.push(Row { point, rep, period: r.periods.len(), window: true, values: window });
            }
            Record::Window => rows.push(Row { point, rep, period: 0, window: true, values: window }),
        }
        Ok(rows)
    }

    /// Runs every run of `shard` (or all) in memory, in parallel, and returns the rows in run order.
    pub fn simulate(&self, shard: Option<Shard>, job: Job<'_>) -> Result<Vec<Row>, Error> {
        let runs = self.runs(shard);
        job.progress.start(self.kind().name(), self.cadre_periods(&runs));
        let result = with_threads(self.threads, || -> Result<Vec<Row>, Error> {
            let per_run: Vec<Result<Vec<Row>, Error>> = runs.par_iter().map(|&(p, r)| self.run_rows(p, r, job)).collect();
            let mut rows = Vec::with_capacity(runs.len() * self.lines_per_run());
            for r in per_run {
                rows.extend(r?);
            }
            Ok(rows)
        });
        job.progress.finish();
        result?
    }

    /// Appends `rows` as CSV lines (no header) to `table`: a period row as a line of
    /// [`header`]`(Record::Periods, ..)`, a window row as a line of [`window_header`]. A journal
    /// of per-period records thus holds each run's period lines followed by its window line;
    /// [`journal::execute`] splits them into the two rows files.
    pub fn write_rows(&self, rows: &[Row], table: &mut Table) {
        for row in rows {
            let p = &self.points[row.point];
            let mut cells: Vec<String> =
                vec![row.point.to_string(), self.scenario_name(row.point).to_string(), self.seed.to_string(), row.rep.to_string()];
            if row.window {
                cells.extend(self.factors.iter().zip(&p.values).map(|(f, v)| crate::output::param_cell(f, *v)));
            } else {
                cells.push(row.period.to_string());
            }
            cells.extend(row.values.iter().map(|v| num(*v)));
            table.row(&cells);
        }
    }

    /// The manifest of the finished experiment (no thread count: results do not depend on it).
    pub fn manifest(&self, files: &[String]) -> ExperimentManifest {
        let (version, revision) = crate::build_info::version();
        let mut seen = Vec::new();
        let scenarios = self
            .points
            .iter()
            .filter(|p| {
                let key = p.scenario.source.clone();
                if self.kind() != ExperimentKind::Compare && seen.contains(&key) {
                    return false;
                }
                seen.push(key);
                true
            })
            .map(|p| ScenarioEntry::of(&p.scenario))
            .collect();
        ExperimentManifest {
            cadresim_version: version.into(),
            source_revision: revision.into(),
            experiment_id: self.id(),
            seed: self.seed,
            reps: self.reps,
            rows_file: self.rows_file().into(),
            factors: self.factors.clone(),
            points: self.points.iter().map(|p| PointEntry { label: p.label.clone(), values: p.values.clone() }).collect(),
            window: self.points.first().map(|p| p.model.params.window).unwrap_or(0),
            periods: self.points.first().map(|p| p.model.params.periods).unwrap_or(0),
            random_streams: EXPERIMENT_STREAMS.into(),
            files: files.to_vec(),
            scenarios,
            details: self.details.clone(),
            table_format: TableFormat::Csv,
        }
    }
}

/// Refuses results in which a sum that must be finite is not (an overflow somewhere in the
/// model), naming the scenario and the period.
pub fn check_finite(results: &[crate::engine::RepResult], scenario: &Scenario) -> Result<(), Error> {
    for r in results {
        for (t, p) in r.periods.iter().enumerate() {
            let a = &p.total;
            let sums = [("utility", a.utility), ("score", a.score), ("output", a.y), ("s", a.s), ("m", a.m)];
            if let Some((what, _)) = sums.iter().find(|(_, v)| !v.is_finite()) {
                return Err(Error::Failed(format!(
                    "{}: the simulation's {what} stopped being finite in replication {} period {}; the parameters are too extreme for the model (lower the gains, penalties or noise)",
                    scenario.name,
                    r.rep,
                    t + 1
                )));
            }
        }
    }
    Ok(())
}

/// Name of the main rows file of a kind.
pub fn rows_file(kind: ExperimentKind) -> &'static str {
    kind.rows_files()[0]
}

/// What a kind records.
pub fn record_of(kind: ExperimentKind) -> Record {
    match kind {
        ExperimentKind::Compare => Record::Periods,
        _ => Record::Window,
    }
}

/// The columns every rows file starts with: design point, scenario, master seed, replication.
pub const ROW_KEYS: [&str; 4] = ["point", "scenario", "seed", "rep"];

/// The main rows file's columns: [`ROW_KEYS`], then `period` (per-period records) or the varied
/// parameters (window records), then every metric.
pub fn header(record: Record, factors: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = ROW_KEYS.iter().map(|s| s.to_string()).collect();
    match record {
        Record::Periods => cols.push("period".into()),
        Record::Window => cols.extend(factors.iter().cloned()),
    }
    cols.extend(METRICS.iter().map(|m| m.name.to_string()));
    cols
}

/// The columns of end-of-window rows (`runs_window.csv`, `sweep.csv`, `sensitivity_runs.csv`).
pub fn window_header(factors: &[String]) -> Vec<String> {
    header(Record::Window, factors)
}

/// Checks the point and replication of one row of a rows file against the expected run.
fn check_run(
    path: &Path,
    rec: &CsvRecord,
    m: &ExperimentManifest,
    expected: (usize, u64),
    found: (usize, u64),
    period: Option<(usize, usize)>,
) -> Result<(), Error> {
    let ((ep, er), (point, rep)) = (expected, found);
    if point == ep && rep == er && period.is_none_or(|(want, got)| want == got) {
        return Ok(());
    }
    let what = if point >= m.points.len() {
        format!("design point {point} does not exist (the experiment has {})", m.points.len())
    } else {
        let (want, got) = match period {
            Some((w, g)) => (format!(", period {w}"), format!(", period {g}")),
            None => (String::new(), String::new()),
        };
        format!("expected point {ep}, replication {er}{want}; found point {point}, replication {rep}{got} (a row is missing, repeated, out of order or foreign)")
    };
    Err(Error::data(path, Some(rec.line), what))
}

/// Reads one rows file (end-of-window rows when `periods` is `None`, else `periods` rows per
/// run), checking each row against the manifest, and calls `f` on every row in file order.
fn read_file(
    path: &Path,
    m: &ExperimentManifest,
    periods: Option<usize>,
    mut f: impl FnMut(Row) -> Result<(), Error>,
) -> Result<(), Error> {
    let head = match periods {
        Some(_) => header(Record::Periods, &m.factors),
        None => window_header(&m.factors),
    };
    let first_metric = head.len() - METRICS.len();
    let per_run = periods.unwrap_or(1);
    let mut expected = (0usize, 0u64, 0usize); // point, rep, line within the run
    let mut count = 0u64;
    crate::output::csv::read_rows(path, Some(&head), |rec: &CsvRecord| {
        let point = whole(path, rec, 0, "point")? as usize;
        let rep = whole(path, rec, 3, "rep")?;
        let (ep, er, el) = expected;
        let period = match periods {
            Some(_) => {
                let got = whole(path, rec, 4, "period")? as usize;
                check_run(path, rec, m, (ep, er), (point, rep), Some((el + 1, got)))?;
                got
            }
            None => {
                check_run(path, rec, m, (ep, er), (point, rep), None)?;
                0
            }
        };
        let mut values = Vec::with_capacity(METRICS.len());
        for (k, metric) in METRICS.iter().enumerate() {
            values.push(number(path, rec, first_metric + k, metric.name)?);
        }
        expected = if el + 1 < per_run {
            (ep, er, el + 1)
        } else if er + 1 < m.reps {
            (ep, er + 1, 0)
        } else {
            (ep + 1, 0, 0)
        };
        count += 1;
        f(Row { point, rep, period, window: periods.is_none(), values })
    })?;
    let want = m.points.len() as u64 * m.reps * per_run as u64;
    if count != want {
        let what = if per_run > 1 { format!(" x {per_run} periods") } else { String::new() };
        return Err(Error::data(
            path,
            None,
            format!("holds {count} rows where the experiment has {want} ({} points x {} replications{what})", m.points.len(), m.reps),
        ));
    }
    Ok(())
}

/// Reads the rows files of a finished experiment in `dir`, checking every row against the
/// manifest: the header, each row's column count and numbers, the point and replication of each
/// row (each point has exactly its replications, in order, none twice) and, for per-period
/// records, the periods of every run. Calls `f` on every row in run order: for comparisons, each
/// run's period rows (from `runs.csv`) and then its window row (from `runs_window.csv`).
pub fn read_rows(dir: &Path, m: &ExperimentManifest, mut f: impl FnMut(Row) -> Result<(), Error>) -> Result<(), Error> {
    let files = m.rows_files();
    match record_of(m.kind()) {
        Record::Window => read_file(&dir.join(files[0]), m, None, f),
        Record::Periods => {
            let mut windows = Vec::new();
            read_file(&dir.join(files[1]), m, None, |row| {
                windows.push(row);
                Ok(())
            })?;
            let mut windows = windows.into_iter();
            let periods = m.periods;
            read_file(&dir.join(files[0]), m, Some(periods), |row| {
                let last = row.period == periods;
                f(row)?;
                if last {
                    if let Some(mut w) = windows.next() {
                        w.period = periods;
                        f(w)?;
                    }
                }
                Ok(())
            })
        }
    }
}
