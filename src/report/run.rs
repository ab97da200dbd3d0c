//! `run` results: the files of a run directory, its figures, and the printed table of end-of-run
//! means.

use std::path::{Path, PathBuf};

use super::{label_of, PLOT_METRICS};
use crate::analysis::runs::RunSummary;
use crate::analysis::stats::Summary;
use crate::engine::{Model, RepResult};
use crate::error::Error;
use crate::metrics::METRICS;
use crate::output::csv::{number, read_rows, whole};
use crate::output::manifest::{to_text, RunDetails, RunManifest, ScenarioEntry, TableFormat, RUN_STREAMS};
use crate::output::{tables, Staging};
use crate::plot::{self, Band};
use crate::scenario::Scenario;

/// Metrics shown in the printed end-of-run table.
pub const KEY_METRICS: &[&str] = &[
    "s",
    "m",
    "slack",
    "formalism",
    "share_avoiders",
    "share_diligent",
    "output",
    "satisfaction",
    "sanction_rate",
    "wrongful_sanctions",
    "blame_ratio",
    "exemptions",
    "promotion_effort_corr",
];

/// How a run was made and how its tables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSettings {
    /// Master seed.
    pub seed: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Table formats.
    pub format: TableFormat,
}

/// Writes a run's tables, figures and manifest into `staging` and commits it. `extra_files` are
/// files already staged by the caller (e.g. `cadres.csv`). Returns the directory.
pub fn write_run(
    mut staging: Staging,
    scenario: &Scenario,
    model: &Model,
    how: RunSettings,
    results: &[RepResult],
    summary: &RunSummary,
) -> Result<PathBuf, Error> {
    let RunSettings { seed, threads, format } = how;
    let p = &model.params;
    let name = &scenario.name;
    staging.write("periods.csv", tables::periods_csv(name, seed, results).as_bytes())?;
    staging.write("summary.csv", tables::summary_csv(name, seed, summary).as_bytes())?;
    staging.write("end.csv", tables::window_csv(name, seed, summary).as_bytes())?;
    if p.counties > 1 {
        staging.write("counties.csv", tables::counties_csv(name, seed, results).as_bytes())?;
    }
    if format.parquet() {
        for table in ["periods.csv", "counties.csv", "cadres.csv"] {
            if staging.files().iter().any(|f| f == table) {
                crate::output::parquet::stage_copy(&mut staging, table)?;
            }
        }
    }
    staging.write("scenario.toml", scenario.to_toml().as_bytes())?;
    let risks = crate::exposure::sanction_by_action(model, seed, crate::exposure::DEFAULT_DRAWS);
    staging.write(super::effort::CSV, super::effort::csv(seed, &[(scenario.name.clone(), risks)]).as_bytes())?;
    let plots = staging.path("plots/timeseries.png")?.with_file_name("");
    for f in render_run_plots(summary, &scenario.name, (p.avoider_below, p.diligent_from), &plots)? {
        staging.adopt(&f);
    }
    let mut files = staging.files().to_vec();
    files.push("manifest.json".into());
    let mut manifest = run_manifest(scenario, model, seed, threads, results.len() as u64, files);
    manifest.table_format = format;
    let value = serde_json::to_value(&manifest).map_err(|e| Error::Failed(format!("manifest: {e}")))?;
    staging.write("manifest.json", to_text(&value).as_bytes())?;
    let dir = staging.dir().to_path_buf();
    staging.commit()?;
    Ok(dir)
}

/// The manifest of a run of `reps` replications that wrote `files` (none for a run kept in
/// memory, e.g. from Python).
pub fn run_manifest(scenario: &Scenario, model: &Model, seed: u64, threads: usize, reps: u64, files: Vec<String>) -> RunManifest {
    let p = &model.params;
    let (version, revision) = crate::build_info::version();
    RunManifest {
        cadresim_version: version.into(),
        source_revision: revision.into(),
        command: "run".into(),
        seed,
        reps,
        threads,
        random_streams: RUN_STREAMS.into(),
        files,
        scenarios: vec![ScenarioEntry::of(scenario)],
        details: RunDetails { window: p.window, periods: p.periods, cadres: p.total_cadres() },
        table_format: TableFormat::Csv,
    }
}

/// The printed end-of-run table.
pub fn summary_text(name: &str, description: &str, model: &Model, reps: u64, s: &RunSummary) -> String {
    use std::fmt::Write as _;
    let p = &model.params;
    let mut out = String::new();
    let _ = writeln!(out, "\n{name}: {description}");
    let _ = writeln!(
        out,
        "{} cadres x {} periods x {reps} replications; means over the last {} periods with 95% intervals across replications\n",
        p.total_cadres(),
        p.periods,
        s.window_len
    );
    let _ = writeln!(out, "  {:<24} {:>10}  {:>23}", "metric", "mean", "95% interval");
    for name in KEY_METRICS {
        let x = s.window[crate::metrics::index(name)];
        let interval = if x.low.is_nan() { "-".to_string() } else { format!("[{:.4}, {:.4}]", x.low, x.high) };
        let mean = if x.mean.is_nan() { "-".to_string() } else { format!("{:.4}", x.mean) };
        let _ = writeln!(out, "  {:<24} {:>10}  {:>23}", name, mean, interval);
    }
    out
}

/// Reads a run directory's `summary.csv` back (per-period summaries only).
pub fn read_summary(path: &Path) -> Result<RunSummary, Error> {
    let head: Vec<String> = ["scenario", "seed", "period", "metric", "n", "mean", "sd", "ci_low", "ci_high"].map(String::from).to_vec();
    let mut per_period: Vec<Vec<Summary>> = Vec::new();
    let nan = Summary { n: 0, mean: f64::NAN, sd: f64::NAN, low: f64::NAN, high: f64::NAN };
    read_rows(path, Some(&head), |rec| {
        let t = whole(path, rec, 2, "period")? as usize;
        let name = rec.cells.get(3).unwrap_or("");
        let k = METRICS
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| Error::data(path, Some(rec.line), format!("column metric: unknown metric {name:?}")))?;
        if t == 0 || t > per_period.len() + 1 {
            return Err(Error::data(path, Some(rec.line), format!("column period: {t} is out of order")));
        }
        if t > per_period.len() {
            per_period.push(vec![nan; METRICS.len()]);
        }
        per_period[t - 1][k] = Summary {
            n: whole(path, rec, 4, "n")? as usize,
            mean: number(path, rec, 5, "mean")?,
            sd: number(path, rec, 6, "sd")?,
            low: number(path, rec, 7, "ci_low")?,
            high: number(path, rec, 8, "ci_high")?,
        };
        Ok(())
    })?;
    Ok(RunSummary { per_period, window: vec![nan; METRICS.len()], window_len: 0 })
}

/// Figures of a single run (`timeseries`, `shares`, the paradox figures and, when the run
/// directory above `plots_dir` holds `sanction_by_effort.csv`, the sanction-against-s figure; PNG
/// and SVG) into `plots_dir`. Returns the file names written, relative to the output directory.
pub fn render_run_plots(summary: &RunSummary, name: &str, thresholds: (f64, f64), plots_dir: &Path) -> Result<Vec<String>, Error> {
    let x: Vec<f64> = (1..=summary.per_period.len()).map(|t| t as f64).collect();
    let series = |m: &str, f: fn(&Summary) -> f64| -> Vec<f64> {
        let k = crate::metrics::index(m);
        summary.per_period.iter().map(|row| f(&row[k])).collect()
    };
    let panels: Vec<(String, Vec<Band>)> = PLOT_METRICS
        .iter()
        .map(|m| {
            let band = Band {
                label: name.to_string(),
                x: x.clone(),
                mean: series(m, |s| s.mean),
                low: series(m, |s| s.low),
                high: series(m, |s| s.high),
            };
            (label_of(m), vec![band])
        })
        .collect();
    plot::panel_time_series(
        &plots_dir.join("timeseries"),
        &format!("{name}: effort and outcomes (mean, 95% interval)"),
        "period (months)",
        &panels,
        3,
    )?;
    let layer = |m: &str, label: &str| (label.to_string(), series(m, |s| s.mean));
    let [a, b, c] = super::class_labels(thresholds.0, thresholds.1);
    let layers = vec![layer("share_avoiders", &a), layer("share_minimal", &b), layer("share_diligent", &c)];
    let reps = summary.per_period.first().and_then(|r| r.first()).map(|s| s.n).unwrap_or(0);
    super::paradox_figures(&[(name.to_string(), summary.per_period.as_slice())], reps, Some("per period".into()), &mut |stem| {
        Ok(plots_dir.join(stem))
    })?;
    plot::stacked_shares(
        &plots_dir.join("shares"),
        &format!("{name}: avoiders, minimal and diligent cadres"),
        "period (months)",
        &x,
        &layers,
    )?;
    let mut stems: Vec<&str> = ["timeseries", "shares"].iter().chain(super::PARADOX_PLOTS).copied().collect();
    if let Some(table) = plots_dir.parent().map(|d| d.join(super::effort::CSV)).filter(|p| p.is_file()) {
        super::effort::render(&table, plots_dir)?;
        stems.push(super::effort::STEM);
    }
    Ok(stems.iter().flat_map(|s| [format!("plots/{s}.png"), format!("plots/{s}.svg")]).collect())
}
