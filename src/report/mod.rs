//! Reports: experiment results as typed tables, and the renderers that turn them into files
//! (CSV, Markdown, figures) and terminal text.
//!
//! Each kind has three steps kept apart: **compute** (rows → a typed report, no I/O),
//! **write** (report → CSV/Markdown tables in the staging area) and **render** (report →
//! figures). Everything is a function of the manifest and the rows alone, so an unsharded run, a
//! merge of shards, `cadresim plot DIR` and an in-memory run from Python produce the same numbers
//! and, on disk, the same bytes.

pub mod compare;
pub mod effort;
pub mod run;
pub mod sensitivity;
pub mod sweep;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::experiment::{read_rows, Row};
use crate::metrics::metric;
use crate::output::manifest::{to_text, Details, ExperimentManifest};
use crate::output::Staging;

/// Metrics plotted and tabulated for comparisons and sweeps.
pub const PLOT_METRICS: &[&str] = &["s", "m", "formalism", "share_diligent", "output", "sanction_rate"];
/// Metrics shown as end-of-run bars in comparisons.
pub const BAR_METRICS: &[&str] = &["s", "formalism", "output", "sanction_rate", "wrongful_sanctions", "blame_ratio"];

/// The paradox figures of `run` and `compare`: sanction rate by effort class over time, and the
/// blame ratio over time with a line at 1.
pub const PARADOX_PLOTS: &[&str] = &["sanctions_by_class", "blame_ratio"];
/// Metrics of the paired-differences figure of a comparison.
pub const DIFF_METRICS: &[&str] = &["s", "formalism", "share_diligent", "sanction_rate", "blame_ratio", "output"];

/// Renders the two paradox figures from per-period summaries of one or more scenarios
/// (`series[k]` = `(name, per_period)`), into `stem_of(name)`.
pub fn paradox_figures(
    series: &[(String, &[Vec<crate::analysis::stats::Summary>])],
    reps: usize,
    window: Option<String>,
    stem_of: &mut dyn FnMut(&str) -> Result<PathBuf, Error>,
) -> Result<(), Error> {
    use crate::plot::{BlameRatio, ClassSanctions, FigureInfo, Interval, Panel};
    let band = |label: &str, rows: &[Vec<crate::analysis::stats::Summary>], m: &str| {
        let k = crate::metrics::index(m);
        crate::plot::Band {
            label: label.to_string(),
            x: (1..=rows.len()).map(|t| t as f64).collect(),
            mean: rows.iter().map(|r| r[k].mean).collect(),
            low: rows.iter().map(|r| r[k].low).collect(),
            high: rows.iter().map(|r| r[k].high).collect(),
        }
    };
    let info = |title: &str| FigureInfo {
        title: title.to_string(),
        replications: Some(reps),
        window: window.clone(),
        interval: Interval::MeanCi95,
        notes: vec![],
    };
    let classes = ClassSanctions {
        info: info("Sanction rate by effort class: are those who do more sanctioned more often?"),
        x_label: "period (months)".into(),
        scenarios: series
            .iter()
            .map(|(name, rows)| Panel {
                title: name.clone(),
                series: vec![
                    band("avoiders", rows, "sanction_rate_avoiders"),
                    band("minimal", rows, "sanction_rate_minimal"),
                    band("diligent", rows, "sanction_rate_diligent"),
                    band("all cadres", rows, "sanction_rate"),
                ],
            })
            .collect(),
    };
    crate::plot::sanction_by_class(&stem_of("sanctions_by_class")?, &classes)?;
    let blame = BlameRatio {
        info: info("Blame ratio: sanction rate of diligent cadres over that of avoiders (1 = equal blame)"),
        x_label: "period (months)".into(),
        series: series.iter().map(|(name, rows)| band(name, rows, "blame_ratio")).collect(),
    };
    crate::plot::blame_ratio(&stem_of("blame_ratio")?, &blame)?;
    Ok(())
}

/// The typed result of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum ExperimentReport {
    /// A comparison.
    Compare(compare::CompareReport),
    /// A sweep.
    Sweep(sweep::SweepReport),
    /// A sensitivity analysis.
    Sensitivity(sensitivity::SensitivityReport),
    /// A calibration.
    Calibrate(Box<crate::calibrate::CalibrationReport>),
}

/// Accumulates rows into a report of the manifest's kind.
enum Builder<'m> {
    Compare(compare::Builder<'m>),
    Sweep(sweep::Builder<'m>),
    Sensitivity(sensitivity::Builder<'m>),
    Calibrate(crate::calibrate::report::Builder<'m>),
}

impl<'m> Builder<'m> {
    fn new(m: &'m ExperimentManifest) -> Self {
        match &m.details {
            Details::Compare(_) => Builder::Compare(compare::Builder::new(m)),
            Details::Sweep(_) => Builder::Sweep(sweep::Builder::new(m)),
            Details::Sensitivity(d) => Builder::Sensitivity(sensitivity::Builder::new(m, d)),
            Details::Calibrate(d) => Builder::Calibrate(crate::calibrate::report::Builder::new(m, d)),
        }
    }

    fn push(&mut self, row: Row) {
        match self {
            Builder::Compare(b) => b.push(row),
            Builder::Sweep(b) => b.push(row),
            Builder::Sensitivity(b) => b.push(row),
            Builder::Calibrate(b) => b.push(row),
        }
    }

    fn finish(self) -> Result<ExperimentReport, Error> {
        Ok(match self {
            Builder::Compare(b) => ExperimentReport::Compare(b.finish()),
            Builder::Sweep(b) => ExperimentReport::Sweep(b.finish()),
            Builder::Sensitivity(b) => ExperimentReport::Sensitivity(b.finish()?),
            Builder::Calibrate(b) => ExperimentReport::Calibrate(Box::new(b.finish()?)),
        })
    }
}

/// Computes the report from rows held in memory (checked to be the experiment's rows in order).
pub fn from_rows(m: &ExperimentManifest, rows: impl IntoIterator<Item = Row>) -> Result<ExperimentReport, Error> {
    let mut b = Builder::new(m);
    for r in rows {
        b.push(r);
    }
    b.finish()
}

/// Computes the report from the rows files in `dir`, checking every row against the manifest.
pub fn from_rows_dir(m: &ExperimentManifest, dir: &Path) -> Result<ExperimentReport, Error> {
    let mut b = Builder::new(m);
    read_rows(dir, m, |row| {
        b.push(row);
        Ok(())
    })?;
    b.finish()
}

/// Writes the report's tables into the staging area.
pub fn write_tables(report: &ExperimentReport, m: &ExperimentManifest, staging: &mut Staging) -> Result<(), Error> {
    match report {
        ExperimentReport::Compare(r) => {
            staging.write("timeseries.csv", r.timeseries_csv(m.seed).as_bytes())?;
            staging.write("comparison.csv", r.comparison_csv(m.seed).as_bytes())?;
            staging.write("comparison.md", r.markdown().as_bytes())?;
        }
        ExperimentReport::Sweep(r) => staging.write("sweep_summary.csv", r.summary_csv(m).as_bytes())?,
        ExperimentReport::Sensitivity(r) => {
            staging.write("sensitivity_design.csv", r.design_csv(m).as_bytes())?;
            staging.write("sensitivity_indices.csv", r.indices_csv(m).as_bytes())?;
            if matches!(&m.details, Details::Sensitivity(d) if d.method == "sobol" && d.second_order) {
                staging.write("sensitivity_s2.csv", r.s2_csv(m).as_bytes())?;
            }
        }
        ExperimentReport::Calibrate(r) => r.write_tables(staging)?,
    }
    if m.table_format.parquet() {
        for name in m.rows_files() {
            crate::output::parquet::stage_copy(staging, name)?;
        }
    }
    Ok(())
}

/// Renders the report's figures into the staging area.
pub fn render_figures(report: &ExperimentReport, m: &ExperimentManifest, staging: &mut Staging) -> Result<(), Error> {
    match report {
        ExperimentReport::Compare(r) => {
            r.figures(staging)?;
            effort::stage_compare(m, staging)
        }
        ExperimentReport::Sweep(r) => r.figures(m, staging),
        ExperimentReport::Sensitivity(r) => r.figure(m, staging),
        ExperimentReport::Calibrate(r) => r.figures(staging),
    }
}

/// The report as terminal text.
pub fn text(report: &ExperimentReport) -> String {
    match report {
        ExperimentReport::Compare(r) => format!("\n{}\n", r.markdown()),
        ExperimentReport::Sweep(r) => r.text(),
        ExperimentReport::Sensitivity(r) => r.text(),
        ExperimentReport::Calibrate(r) => r.text(),
    }
}

/// Finishes an experiment whose rows file is in `staging`: computes the report, writes tables
/// and figures and the manifest, and commits the directory. Returns the report and the directory.
pub fn finalize(m: &ExperimentManifest, mut staging: Staging) -> Result<(ExperimentReport, PathBuf), Error> {
    for name in m.rows_files() {
        staging.path(name)?;
    }
    let report = from_rows_dir(m, staging.staged_dir())?;
    write_tables(&report, m, &mut staging)?;
    render_figures(&report, m, &mut staging)?;
    staging.write("manifest.json", to_text(&m.to_value()).as_bytes())?;
    let dir = staging.dir().to_path_buf();
    staging.commit()?;
    Ok((report, dir))
}

/// The files a finished experiment of this manifest writes (so shard manifests can list them).
pub fn expected_files(m: &ExperimentManifest) -> Vec<String> {
    let mut f: Vec<String> = m.rows_files().iter().map(|s| s.to_string()).collect();
    if m.table_format.parquet() {
        f.extend(m.rows_files().iter().map(|s| crate::output::parquet::name_of(s)));
    }
    match &m.details {
        Details::Compare(_) => f.extend(["timeseries.csv", "comparison.csv", "comparison.md", effort::CSV].map(String::from)),
        Details::Sweep(_) => f.push("sweep_summary.csv".into()),
        Details::Sensitivity(d) => {
            f.extend(["sensitivity_design.csv", "sensitivity_indices.csv"].map(String::from));
            if d.method == "sobol" && d.second_order {
                f.push("sensitivity_s2.csv".into());
            }
        }
        Details::Calibrate(_) => f.extend(crate::calibrate::TABLES.iter().map(|s| s.to_string())),
    }
    for stem in plot_stems(m) {
        f.push(format!("plots/{stem}.png"));
        f.push(format!("plots/{stem}.svg"));
    }
    f.push("manifest.json".into());
    f
}

fn plot_stems(m: &ExperimentManifest) -> Vec<String> {
    match &m.details {
        Details::Compare(_) => {
            let mut v = vec!["timeseries".to_string(), "shares".to_string()];
            v.extend(PARADOX_PLOTS.iter().map(|s| s.to_string()));
            v.push("differences".to_string());
            v.push(effort::STEM.to_string());
            v.extend(BAR_METRICS.iter().map(|m| format!("end_{m}")));
            v
        }
        Details::Sweep(_) if sweep::categorical_stems(&m.factors).is_some() => sweep::categorical_stems(&m.factors).unwrap_or_default(),
        Details::Sweep(_) if m.factors.len() == 1 => vec!["sweep".to_string()],
        Details::Sweep(d) if m.factors.len() == 2 && d.design == "grid" => PLOT_METRICS.iter().map(|m| format!("heatmap_{m}")).collect(),
        Details::Sweep(_) => vec![],
        Details::Sensitivity(d) if d.method == "sobol" && d.second_order => vec!["sensitivity".to_string(), "sensitivity_s2".to_string()],
        Details::Sensitivity(_) => vec!["sensitivity".to_string()],
        Details::Calibrate(_) => crate::calibrate::PLOTS.iter().map(|s| s.to_string()).collect(),
    }
}

/// The staged path stem of plot `stem` (PNG and SVG are both registered).
fn plot_path(staging: &mut Staging, stem: &str) -> Result<PathBuf, Error> {
    let png = staging.path(&format!("plots/{stem}.png"))?;
    staging.adopt(&format!("plots/{stem}.svg"));
    Ok(png.with_extension(""))
}

/// The labels of the three effort classes, with the thresholds the scenario used.
pub fn class_labels(avoider_below: f64, diligent_from: f64) -> [String; 3] {
    [format!("avoiders (s < {avoider_below})"), "minimal".to_string(), format!("diligent (s ≥ {diligent_from})")]
}

/// The effort-class thresholds recorded in a manifest's scenario entry (defaults if absent).
pub fn class_thresholds(entry: Option<&crate::output::manifest::ScenarioEntry>) -> (f64, f64) {
    let get = |k: &str, d: f64| entry.and_then(|e| e.parameters["output"][k].as_f64()).unwrap_or(d);
    (get("avoider_below", 0.25), get("diligent_from", 0.5))
}

/// The scenario name written in the tables of a sweep or sensitivity analysis (every point
/// varies the one base scenario).
pub fn scenario_name(m: &ExperimentManifest) -> String {
    m.scenarios.first().map(|s| s.name.clone()).unwrap_or_default()
}

fn label_of(name: &str) -> String {
    metric(name).map(|m| m.label.to_string()).unwrap_or_else(|| name.to_string())
}
