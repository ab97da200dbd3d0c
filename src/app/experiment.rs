//! Experiments: design points × replications, run in parallel and written in run order.
//!
//! Shared by `compare`, `sweep` and `sensitivity`. Run `i = point * reps + rep` uses the streams
//! of replication `rep`, so every design point sees the same luck (common random numbers).
//!
//! Rows are appended, in run order and one chunk of runs at a time, to a hidden journal in the
//! output directory; a stopped experiment started again with the same arguments continues after
//! the last complete run (a torn last line is discarded). The finished rows file, the tables,
//! plots and manifest appear only when everything is done. Memory does not grow with the number
//! of design points.
//!
//! `--shard K/N` runs the design points with `point % N == K - 1`; `cadresim merge` interleaves
//! shard rows by point and finalises exactly as an unsharded run would, byte for byte.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};

use super::progress::{install_interrupt_handler, Bar};
use super::{with_threads, AppError};
use crate::analysis::runs::window_accum;
use crate::engine::{run_replication, Model, Progress};
use crate::metrics::{evaluate, METRICS};
use crate::output::manifest::to_text;
use crate::output::{num, Staging};
use crate::scenario::Scenario;

/// What each run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// Every period plus an end-of-run window row (for comparisons and time-series plots).
    Periods,
    /// One row with the end-of-run window values (for sweeps and sensitivity designs).
    Window,
}

/// One design point.
#[derive(Debug, Clone)]
pub struct Point {
    /// Label (the scenario name for comparisons).
    pub label: String,
    /// Values of the varied parameters, in factor order.
    pub values: Vec<f64>,
    /// The resolved scenario of this point.
    pub scenario: Scenario,
    /// Its validated model.
    pub model: Model,
}

/// An experiment ready to run.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// `compare`, `sweep` or `sensitivity`.
    pub kind: &'static str,
    /// Name of the rows file (`runs.csv`, `sweep.csv`, ...).
    pub rows_file: &'static str,
    /// Paths of the varied parameters (column names).
    pub factors: Vec<String>,
    /// Design points.
    pub points: Vec<Point>,
    /// Replications per point.
    pub reps: u64,
    /// Master seed.
    pub seed: u64,
    /// What a run writes.
    pub record: Record,
    /// Kind-specific settings, recorded in the manifest and used to finalise.
    pub details: Value,
}

/// A slice of an experiment: the K-th of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: expected K/N with 1 <= K <= N, e.g. --shard 2/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    fn owns(&self, point: usize) -> bool {
        point % self.n == self.k - 1
    }
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

impl Experiment {
    /// A fingerprint of everything that determines the results.
    pub fn id(&self) -> String {
        let mut canon = format!("{}|{}|{}|{:?}|{:?}|{}\n", self.kind, self.seed, self.reps, self.record, self.factors, self.details);
        for p in &self.points {
            canon.push_str(&format!("{}|{:?}\n{}\n", p.label, p.values, p.scenario.resolved.to_toml()));
        }
        format!("{:016x}", fnv1a(&canon))
    }

    /// The rows file's header line.
    pub fn header(&self) -> String {
        let mut cols: Vec<String> = match self.record {
            Record::Periods => vec!["point".into(), "scenario".into(), "rep".into(), "period".into(), "window".into()],
            Record::Window => vec!["point".into(), "rep".into()],
        };
        cols.extend(self.factors.iter().cloned());
        cols.extend(METRICS.iter().map(|m| m.name.to_string()));
        cols.join(",") + "\n"
    }

    fn lines_per_run(&self) -> usize {
        match self.record {
            Record::Periods => self.points.first().map(|p| p.model.params.periods + 1).unwrap_or(1),
            Record::Window => 1,
        }
    }

    /// Runs one replication of one point and returns its rows.
    fn run_rows(&self, point: usize, rep: u64, progress: &dyn Progress) -> Result<String, AppError> {
        let p = &self.points[point];
        let r = run_replication(&p.model, self.seed, rep, progress)?;
        let mut out = String::new();
        let factor_cells: String = p.values.iter().map(|v| format!(",{}", num(*v))).collect();
        let push = |out: &mut String, prefix: String, values: &[f64]| {
            out.push_str(&prefix);
            out.push_str(&factor_cells);
            for v in values {
                out.push(',');
                out.push_str(&num(*v));
            }
            out.push('\n');
        };
        let window = evaluate(&window_accum(&r, p.model.params.window));
        match self.record {
            Record::Periods => {
                let label = csv_field(&p.label);
                for (t, s) in r.periods.iter().enumerate() {
                    push(&mut out, format!("{point},{label},{rep},{},0", t + 1), &evaluate(&s.total));
                }
                push(&mut out, format!("{point},{label},{rep},{},1", r.periods.len()), &window);
            }
            Record::Window => push(&mut out, format!("{point},{rep}"), &window),
        }
        Ok(out)
    }

    /// The manifest an unsharded run writes (no thread count: results do not depend on it).
    pub fn manifest(&self, files: &[String]) -> Value {
        let (version, revision) = super::version();
        let mut seen = Vec::new();
        let scenarios: Vec<Value> = self
            .points
            .iter()
            .filter(|p| {
                let key = p.scenario.source.clone();
                if self.kind != "compare" && seen.contains(&key) {
                    return false;
                }
                seen.push(key);
                true
            })
            .map(|p| {
                json!({
                    "name": p.scenario.name,
                    "file": p.scenario.source.as_ref().map(|s| s.display().to_string()),
                    "description": p.scenario.description,
                    "parameters": p.scenario.resolved.to_json(),
                })
            })
            .collect();
        let points: Vec<Value> = self.points.iter().map(|p| json!({ "label": p.label, "values": p.values })).collect();
        json!({
            "cadresim_version": version,
            "source_revision": revision,
            "command": self.kind,
            "experiment_id": self.id(),
            "seed": self.seed,
            "reps": self.reps,
            "rows_file": self.rows_file,
            "factors": self.factors,
            "points": points,
            "window": self.points.first().map(|p| p.model.params.window).unwrap_or(0),
            "periods": self.points.first().map(|p| p.model.params.periods).unwrap_or(0),
            "random_streams": "Xoshiro256++ per (seed, replication, township, period); every design point uses the same streams",
            "files": files,
            "scenarios": scenarios,
            "details": self.details,
        })
    }
}

/// Quotes a CSV field if needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Options for running an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Slice to run.
    pub shard: Option<Shard>,
    /// Overwrite finished results / discard an unfinished different experiment.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Worker threads.
    pub threads: Option<u64>,
}

fn journal_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.partial"))
}

fn id_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.experiment"))
}

/// Opens the journal, resuming a matching unfinished run. Returns the file (positioned at its
/// end) and the number of complete runs already in it.
fn open_journal(exp: &Experiment, dir: &Path, force: bool, shard_tag: &str) -> Result<(File, usize), AppError> {
    fs::create_dir_all(dir).map_err(AppError::io(dir))?;
    let journal = journal_path(dir, exp.rows_file);
    let id_file = id_path(dir, exp.rows_file);
    let wanted = format!("{} {shard_tag}", exp.id());
    let existing = fs::read_to_string(&id_file).ok();
    let resumable = journal.exists() && existing.as_deref().map(str::trim) == Some(wanted.trim());
    if journal.exists() && !resumable && !force {
        return Err(AppError::Usage(format!(
            "{}: holds an unfinished run of a different experiment (other arguments); rerun that command to finish it, choose another --out, or pass --force to discard it",
            dir.display()
        )));
    }
    if !resumable {
        // The id first: a journal never exists without the id of its experiment.
        fs::write(&id_file, &wanted).map_err(AppError::io(&id_file))?;
        let mut f = File::create(&journal).map_err(AppError::io(&journal))?;
        f.write_all(exp.header().as_bytes()).map_err(AppError::io(&journal))?;
        f.sync_all().map_err(AppError::io(&journal))?;
        return Ok((f, 0));
    }
    // Count complete lines; cut off a torn last line.
    let f = File::open(&journal).map_err(AppError::io(&journal))?;
    let mut reader = BufReader::new(f);
    let mut good_bytes = 0u64;
    let mut lines = 0usize;
    let mut buf = Vec::new();
    let per_run = exp.lines_per_run();
    let mut run_end = 0u64;
    let mut runs = 0usize;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(AppError::io(&journal))?;
        if n == 0 || buf.last() != Some(&b'\n') {
            break;
        }
        good_bytes += n as u64;
        lines += 1;
        if lines > 1 && (lines - 1) % per_run == 0 {
            runs += 1;
            run_end = good_bytes;
        }
        if lines == 1 {
            run_end = good_bytes;
        }
    }
    let mut f = OpenOptions::new().write(true).open(&journal).map_err(AppError::io(&journal))?;
    f.set_len(run_end).map_err(AppError::io(&journal))?;
    f.seek(SeekFrom::End(0)).map_err(AppError::io(&journal))?;
    Ok((f, runs))
}

/// Runs the experiment (or one shard of it) into `opts.out`, resuming where an interrupted run
/// stopped. Returns the staging area holding the complete rows file, for the caller to finalise.
pub fn execute(exp: &Experiment, opts: &RunOptions) -> Result<Staging, AppError> {
    install_interrupt_handler();
    // Refuse finished results before doing any work.
    let staging = Staging::new(&opts.out, opts.force)?;
    let shard_tag = opts.shard.map(|s| format!("shard {}/{}", s.k, s.n)).unwrap_or_else(|| "whole".into());
    let (mut journal, done) = open_journal(exp, &opts.out, opts.force, &shard_tag)?;
    let runs: Vec<(usize, u64)> =
        (0..exp.points.len()).filter(|&p| opts.shard.is_none_or(|s| s.owns(p))).flat_map(|p| (0..exp.reps).map(move |r| (p, r))).collect();
    let pending = &runs[done.min(runs.len())..];
    let cadre_periods: u64 =
        pending.iter().map(|&(p, _)| (exp.points[p].model.params.total_cadres() * exp.points[p].model.params.periods) as u64).sum();
    let bar = Bar::new(cadre_periods, opts.quiet, exp.kind);
    let jpath = journal_path(&opts.out, exp.rows_file);
    let result = with_threads(opts.threads, || -> Result<(), AppError> {
        let chunk = (2 * rayon::current_num_threads()).max(1);
        for block in pending.chunks(chunk) {
            let rows: Vec<Result<String, AppError>> = block.par_iter().map(|&(p, r)| exp.run_rows(p, r, &bar)).collect();
            let mut text = String::new();
            for r in rows {
                text.push_str(&r?);
            }
            journal.write_all(text.as_bytes()).map_err(AppError::io(&jpath))?;
            journal.sync_data().map_err(AppError::io(&jpath))?;
        }
        Ok(())
    })?;
    bar.finish();
    result?;
    // The journal stays until the results are committed (`discard_journal`), so a failure while
    // finishing loses no simulation: the same command picks up the complete journal again.
    let mut staging = staging;
    let dest = staging.path(exp.rows_file)?;
    if fs::hard_link(&jpath, &dest).is_err() {
        fs::copy(&jpath, &dest).map_err(AppError::io(&dest))?;
    }
    Ok(staging)
}

/// Removes the journal of a committed experiment.
pub fn discard_journal(exp: &Experiment, dir: &Path) {
    let _ = fs::remove_file(journal_path(dir, exp.rows_file));
    let _ = fs::remove_file(id_path(dir, exp.rows_file));
}

/// Writes a shard's output: its rows file plus a manifest naming the shard and carrying the
/// manifest the whole experiment will have, so `merge` needs nothing else.
pub fn finish_shard(exp: &Experiment, shard: Shard, mut staging: Staging, final_files: &[String]) -> Result<PathBuf, AppError> {
    let m = json!({
        "shard": { "k": shard.k, "n": shard.n },
        "experiment_id": exp.id(),
        "rows_file": exp.rows_file,
        "experiment_manifest": exp.manifest(final_files),
    });
    staging.write("manifest.json", to_text(&m).as_bytes())?;
    let dir = staging.dir().to_path_buf();
    staging.commit()?;
    Ok(dir)
}

/// Reads a shard's manifest.
fn shard_manifest(dir: &Path) -> Result<(Value, Shard), AppError> {
    let path = dir.join("manifest.json");
    let text = fs::read_to_string(&path)
        .map_err(|e| AppError::Usage(format!("{}: cannot read the shard's manifest ({e}); was the shard finished?", path.display())))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| AppError::Usage(format!("{}: not a cadresim manifest: {e}", path.display())))?;
    let k = v["shard"]["k"].as_u64();
    let n = v["shard"]["n"].as_u64();
    match (k, n) {
        (Some(k), Some(n)) => Ok((v, Shard { k: k as usize, n: n as usize })),
        _ => Err(AppError::Usage(format!("{}: is not the output of a --shard run", dir.display()))),
    }
}

/// Shard directories checked to form one complete experiment, in shard order.
#[derive(Debug)]
pub struct Shards {
    /// The manifest of the whole experiment.
    pub manifest: Value,
    /// Directories of shards 1..=N.
    pub dirs: Vec<PathBuf>,
    /// Name of the rows file.
    pub rows_file: String,
}

/// Checks that the shard directories form one complete experiment: same experiment, same N,
/// every shard exactly once, finished (manifest present) and with its rows file.
pub fn check_shards(dirs: &[PathBuf]) -> Result<Shards, AppError> {
    if dirs.is_empty() {
        return Err(AppError::Usage("merge: name the shard directories".into()));
    }
    let mut shards = Vec::new();
    for d in dirs {
        shards.push((d.clone(), shard_manifest(d)?));
    }
    let (first_dir, (first, first_shard)) = &shards[0];
    let id = first["experiment_id"].as_str().unwrap_or("").to_string();
    let n = first_shard.n;
    let mut seen: Vec<Option<PathBuf>> = vec![None; n];
    for (d, (m, s)) in &shards {
        if m["experiment_id"].as_str() != Some(id.as_str()) {
            return Err(AppError::Usage(format!(
                "{} and {} are shards of different experiments (different scenarios, parameters, seed or replications)",
                first_dir.display(),
                d.display()
            )));
        }
        if s.n != n {
            return Err(AppError::Usage(format!("{} is shard {}/{} but {} is of {n} shards", d.display(), s.k, s.n, first_dir.display())));
        }
        if let Some(prev) = &seen[s.k - 1] {
            return Err(AppError::Usage(format!("shard {}/{n} is given twice: {} and {}", s.k, prev.display(), d.display())));
        }
        seen[s.k - 1] = Some(d.clone());
    }
    let missing: Vec<String> = seen.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{}/{n}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(AppError::Usage(format!("missing shard(s) {}; merge needs all {n}", missing.join(", "))));
    }
    let rows_file = first["rows_file"].as_str().unwrap_or("rows.csv").to_string();
    let dirs: Vec<PathBuf> = seen.into_iter().flatten().collect();
    for d in &dirs {
        let path = d.join(&rows_file);
        if !path.is_file() {
            return Err(AppError::Usage(format!("{}: missing shard rows", path.display())));
        }
    }
    Ok(Shards { manifest: first["experiment_manifest"].clone(), dirs, rows_file })
}

/// Merges checked shards' rows by design point into `dest`. Returns the experiment's manifest.
pub fn merge_rows(shards: &Shards, dest: &Path) -> Result<Value, AppError> {
    let n = shards.dirs.len();
    let mut readers = Vec::new();
    let mut header: Option<String> = None;
    for d in &shards.dirs {
        let path = d.join(&shards.rows_file);
        let f = File::open(&path).map_err(|e| AppError::Usage(format!("{}: missing shard rows ({e})", path.display())))?;
        let mut r = BufReader::new(f);
        let mut h = String::new();
        r.read_line(&mut h).map_err(AppError::io(&path))?;
        if header.as_ref().is_some_and(|x| *x != h) {
            return Err(AppError::Usage(format!("{}: its columns differ from the other shards'", path.display())));
        }
        header = Some(h);
        readers.push((path, r.lines().peekable()));
    }
    let mut out = std::io::BufWriter::new(File::create(dest).map_err(AppError::io(dest))?);
    out.write_all(header.unwrap_or_default().as_bytes()).map_err(AppError::io(dest))?;
    // Point p lives in shard p % n, rows of a point are consecutive and points ascend.
    let points = shards.manifest["points"].as_array().map(|a| a.len()).unwrap_or(0);
    for p in 0..points {
        let (path, lines) = &mut readers[p % n];
        let tag = format!("{p},");
        while let Some(Ok(line)) = lines.peek() {
            if !line.starts_with(&tag) {
                break;
            }
            out.write_all(line.as_bytes()).map_err(AppError::io(path))?;
            out.write_all(b"\n").map_err(AppError::io(dest))?;
            lines.next();
        }
    }
    for (path, lines) in &mut readers {
        if lines.next().is_some() {
            return Err(AppError::Usage(format!("{}: holds rows that belong to no design point", path.display())));
        }
    }
    out.flush().map_err(AppError::io(dest))?;
    Ok(shards.manifest.clone())
}
