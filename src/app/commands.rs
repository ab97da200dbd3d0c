//! `compare`, `sweep`, `sensitivity`, `merge` and `plot`: building experiments from the command
//! line and running, finishing or re-rendering them.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::experiment::{check_shards, discard_journal, execute, finish_shard, merge_rows, Experiment, Point, Record, RunOptions, Shard};
use super::finalize::{expected_files, finalize};
use super::{load, AppError};
use crate::analysis::design::{grid, latin_hypercube, parse_factor, Factor};
use crate::cli::ExperimentCommon;
use crate::engine::Model;
use crate::output::Staging;

fn check_same_shape(points: &[Point]) -> Result<(), AppError> {
    let first = &points[0].model.params;
    for p in &points[1..] {
        let q = &p.model.params;
        if q.periods != first.periods || q.window != first.window {
            return Err(AppError::Usage(format!(
                "{}: has {} periods (window {}) but {} has {} (window {}); compared scenarios need the same periods and window",
                p.label, q.periods, q.window, points[0].label, first.periods, first.window
            )));
        }
    }
    Ok(())
}

/// Runs an experiment, or one shard of it, and finishes it.
fn run_experiment(exp: &Experiment, a: &ExperimentCommon, grid_design: bool, out: &mut dyn Write) -> Result<(), AppError> {
    let shard = a.shard.as_deref().map(Shard::parse).transpose().map_err(AppError::Usage)?;
    if let Some(s) = shard {
        if s.n > exp.points.len() {
            return Err(AppError::Usage(format!(
                "--shard {}/{}: only {} design point(s) to share among {} shards; use at most {} shards",
                s.k,
                s.n,
                exp.points.len(),
                s.n,
                exp.points.len()
            )));
        }
    }
    let opts = RunOptions { out: a.out.clone(), shard, force: a.common.force, quiet: a.common.quiet, threads: a.common.threads };
    let staging = execute(exp, &opts)?;
    let files = expected_files(exp.kind, exp.factors.len(), grid_design);
    match shard {
        Some(s) => {
            let dir = finish_shard(exp, s, staging, &files)?;
            discard_journal(exp, &a.out);
            writeln!(out, "shard {}/{} written to {}; combine all shards with `cadresim merge DIR... --out DIR`", s.k, s.n, dir.display())?;
            Ok(())
        }
        None => {
            let mut report = Vec::new();
            let result = finalize(&exp.manifest(&files), staging, &mut report);
            if result.is_ok() {
                discard_journal(exp, &a.out);
            }
            out.write_all(&report)?;
            result
        }
    }
}

/// `cadresim compare`.
pub fn compare(scenarios: &[PathBuf], a: &ExperimentCommon, out: &mut dyn Write) -> Result<(), AppError> {
    let mut points = Vec::new();
    for path in scenarios {
        let (s, m) = load(path, &a.common.sets)?;
        points.push(Point { label: s.name.clone(), values: vec![], scenario: s, model: m });
    }
    if points.is_empty() {
        return Err(AppError::Usage("compare: name at least one scenario".into()));
    }
    check_same_shape(&points)?;
    let exp = Experiment {
        kind: "compare",
        rows_file: "runs.csv",
        factors: vec![],
        points,
        reps: a.common.reps,
        seed: a.common.seed,
        record: Record::Periods,
        details: json!({ "difference_from": scenarios.first().map(|p| p.display().to_string()) }),
    };
    run_experiment(&exp, a, false, out)
}

/// `cadresim sweep`.
pub fn sweep(
    scenario: &Path,
    vary: &[String],
    design: &str,
    samples: Option<usize>,
    a: &ExperimentCommon,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let (base, _) = load(scenario, &a.common.sets)?;
    if vary.is_empty() {
        return Err(AppError::Usage("sweep: name at least one --vary PATH=LO:HI:STEPS".into()));
    }
    let factors: Vec<Factor> = vary.iter().map(|v| parse_factor(v, true, "--vary")).collect::<Result<_, _>>().map_err(AppError::Usage)?;
    let mut paths: Vec<&str> = factors.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    if paths.windows(2).any(|w| w[0] == w[1]) {
        return Err(AppError::Usage("--vary: each parameter may be varied once".into()));
    }
    let values = match design {
        "grid" => {
            if samples.is_some() {
                return Err(AppError::Usage("--samples goes with --design lhs; a grid's size is set by the steps of --vary".into()));
            }
            let n: usize = factors.iter().map(|f| f.steps).product();
            if n > 1_000_000 {
                return Err(AppError::Usage(format!("the grid has {n} points; at most 1000000")));
            }
            grid(&factors)
        }
        "lhs" => {
            let n = samples.ok_or_else(|| AppError::Usage("--design lhs needs --samples N".into()))?;
            if n == 0 || n > 1_000_000 {
                return Err(AppError::Usage(format!("--samples {n}: expected 1 to 1000000")));
            }
            latin_hypercube(&factors, n, a.common.seed)
        }
        other => return Err(AppError::Usage(format!("--design {other}: expected grid or lhs"))),
    };
    let mut points = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let mut s = base.clone();
        let pairs: Vec<(String, f64)> = factors.iter().map(|f| f.path.clone()).zip(v.iter().copied()).collect();
        s.apply_numeric(&pairs, &format!("--vary design point {i}"))?;
        let model = Model::new(s.params()?);
        points.push(Point { label: format!("{i}"), values: v, scenario: s, model });
    }
    let exp = Experiment {
        kind: "sweep",
        rows_file: "sweep.csv",
        factors: factors.iter().map(|f| f.path.clone()).collect(),
        points,
        reps: a.common.reps,
        seed: a.common.seed,
        record: Record::Window,
        details: json!({ "design": design, "vary": vary, "samples": samples }),
    };
    run_experiment(&exp, a, design == "grid", out)
}

/// `cadresim sensitivity`.
pub fn sensitivity(
    scenario: &Path,
    settings: &super::sensitivity::Settings,
    a: &ExperimentCommon,
    out: &mut dyn Write,
) -> Result<(), AppError> {
    let (base, _) = load(scenario, &a.common.sets)?;
    let exp = super::sensitivity::build(&base, settings, a.common.reps, a.common.seed)?;
    run_experiment(&exp, a, false, out)
}

/// Parses `--param` specifications.
pub fn parse_params(specs: &[String]) -> Result<Vec<Factor>, AppError> {
    specs.iter().map(|p| parse_factor(p, false, "--param")).collect::<Result<_, _>>().map_err(AppError::Usage)
}

/// `cadresim merge`: combines shard directories into the files of an unsharded run.
pub fn merge(dirs: &[PathBuf], out_dir: &Path, force: bool, out: &mut dyn Write) -> Result<(), AppError> {
    // Check every shard before anything (even the output directory) is created.
    let shards = check_shards(dirs)?;
    let mut staging = Staging::new(out_dir, force)?;
    let dest = staging.path(&shards.rows_file)?;
    let manifest = merge_rows(&shards, &dest)?;
    finalize(&manifest, staging, out)
}

/// `cadresim plot DIR`: re-renders the tables and plots of a finished experiment from its saved
/// rows, without simulating.
pub fn plot(dir: &Path, out: &mut dyn Write) -> Result<(), AppError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| AppError::Usage(format!("{}: cannot read ({e}); is this a cadresim output directory?", path.display())))?;
    let manifest: Value =
        serde_json::from_str(&text).map_err(|e| AppError::Usage(format!("{}: not a cadresim manifest: {e}", path.display())))?;
    if manifest.get("shard").is_some() {
        return Err(AppError::Usage(format!("{}: holds one shard; merge the shards first (`cadresim merge`)", dir.display())));
    }
    let rows_file = match manifest["command"].as_str() {
        Some("compare" | "sweep" | "sensitivity") => manifest["rows_file"].as_str().unwrap_or("").to_string(),
        Some("run") => return super::run::plot_run(dir, out),
        _ => return Err(AppError::Usage(format!("{}: not a cadresim experiment manifest", path.display()))),
    };
    let mut staging = Staging::new(dir, true)?;
    let staged = staging.path(&rows_file)?;
    std::fs::copy(dir.join(&rows_file), &staged).map_err(|e| AppError::Output(crate::output::OutputError::io(&staged, e)))?;
    finalize(&manifest, staging, out)
}
