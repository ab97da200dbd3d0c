//! Sensitivity analyses: the metric's mean at each design point, and Sobol' indices or Morris
//! elementary effects computed from them.
//!
//! The model output at a design point is the end-of-run window value of the metric, averaged
//! over the replications of that point (common random numbers across points). The estimators live
//! in [`crate::analysis::sensitivity`] and know nothing about the model.
//!
//! The estimators need the metric at every design point, so a value undefined in any run is an
//! error naming the metric, the point's parameter values and the replication, and a defined
//! alternative ([`undefined_because`]); the saved runs hold every metric, so the analysis can be
//! rerun for that alternative without simulating (`commands::reanalyse`, or the same command
//! with the other metric, which finds the complete runs in its journal).

use std::fmt::Write as _;

use super::plot_path;
use crate::analysis::sensitivity::{morris_design, morris_indices, sobol_indices, MorrisIndices, SobolIndices};
use crate::error::{Error, SpecError};
use crate::experiment::Row;
use crate::output::csv::Table;
use crate::output::manifest::{ExperimentManifest, SensitivityDetails};
use crate::output::{num, Staging};
use crate::plot::{self, Bar};

/// The indices of one method.
#[derive(Debug, Clone, PartialEq)]
pub enum Indices {
    /// Sobol' first-order, total (and optionally second-order) indices.
    Sobol(SobolIndices),
    /// Morris μ, μ* and σ.
    Morris(MorrisIndices),
}

/// A sensitivity analysis's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityReport {
    /// The analysed metric.
    pub metric: String,
    /// The analysed parameters.
    pub factors: Vec<String>,
    /// `y[point]`: the metric's mean over replications at each design point.
    pub y: Vec<f64>,
    /// Design points.
    pub points: usize,
    /// Replications per point.
    pub reps: u64,
    /// Sobol' base samples N, or Morris trajectories.
    pub samples: usize,
    /// Morris levels.
    pub levels: usize,
    /// The indices.
    pub indices: Indices,
}

pub(super) struct Builder<'m> {
    m: &'m ExperimentManifest,
    d: &'m SensitivityDetails,
    column: usize,
    sums: Vec<(f64, usize)>,
    /// The first run `(point, rep)` whose value of the metric is undefined.
    undefined: Option<(usize, u64)>,
}

/// Why a metric can be undefined for a run, and a metric defined wherever it is not (if there is
/// one that answers nearly the same question).
pub fn undefined_because(metric: &str) -> (&'static str, Option<&'static str>) {
    match crate::metrics::metric(metric).and_then(|m| m.undefined) {
        Some(u) => (u.when, u.instead),
        None => ("its value is not a finite number", None),
    }
}

/// The one-line message for a metric undefined at run `(point, rep)` of an experiment: the
/// metric, the point's parameter values and replication, why, and the defined alternative.
pub fn undefined_metric_message(metric: &str, m: &ExperimentManifest, point: usize, rep: u64) -> String {
    let values: Vec<String> = match m.points.get(point) {
        Some(p) => m.factors.iter().zip(&p.values).map(|(f, v)| format!("{f} = {}", crate::output::param_cell(f, *v))).collect(),
        None => Vec::new(),
    };
    let (why, alternative) = undefined_because(metric);
    let instead = match alternative {
        Some(a) => format!("use {{metric}} {a}, which is defined there"),
        None => "choose a metric defined everywhere in the ranges (e.g. s, output, blame_difference)".to_string(),
    };
    format!(
        "metric {metric} is undefined (NaN) at design point {point} ({}), rep {rep}: {why}, in the end-of-run window; {instead}",
        values.join(", ")
    )
}

impl<'m> Builder<'m> {
    pub(super) fn new(m: &'m ExperimentManifest, d: &'m SensitivityDetails) -> Self {
        let column = crate::metrics::index(&d.metric);
        Builder { m, d, column, sums: vec![(0.0, 0); m.points.len()], undefined: None }
    }

    pub(super) fn push(&mut self, row: Row) {
        if let (Some(s), Some(v)) = (self.sums.get_mut(row.point), row.values.get(self.column)) {
            if !v.is_finite() && self.undefined.is_none() {
                self.undefined = Some((row.point, row.rep));
            }
            s.0 += v;
            s.1 += 1;
        }
    }

    pub(super) fn finish(self) -> Result<SensitivityReport, Error> {
        let (m, d) = (self.m, self.d);
        if crate::metrics::metric(&d.metric).is_none() {
            return Err(Error::Failed(format!("the manifest names an unknown metric `{}`", d.metric)));
        }
        // Sobol' and Morris estimators need the metric at every design point: an undefined value
        // is an error naming the run (never silently dropped, which would bias the indices).
        if let Some((point, rep)) = self.undefined {
            return Err(SpecError::about("metric", undefined_metric_message(&d.metric, m, point, rep)).into());
        }
        let y: Vec<f64> = self.sums.iter().map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN }).collect();
        if let Some(p) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::Failed(format!("metric {} has no value at design point {p} (no runs)", d.metric)));
        }
        let k = m.factors.len();
        let err = |e: crate::analysis::sensitivity::SensitivityError| Error::Failed(format!("sensitivity analysis: {e}"));
        let indices = if d.method == "sobol" {
            Indices::Sobol(sobol_indices(&y, d.samples, k, d.second_order, d.bootstrap, d.confidence, m.seed).map_err(err)?)
        } else {
            let unit = morris_design(d.samples, k, d.levels, m.seed).map_err(err)?;
            Indices::Morris(morris_indices(&unit, &y, d.samples, k, d.bootstrap, d.confidence, m.seed).map_err(err)?)
        };
        Ok(SensitivityReport {
            metric: d.metric.clone(),
            factors: m.factors.clone(),
            points: y.len(),
            y,
            reps: m.reps,
            samples: d.samples,
            levels: d.levels,
            indices,
        })
    }
}

impl SensitivityReport {
    /// `sensitivity_design.csv`: point, scenario, seed, factor values, the metric's mean over
    /// replications.
    pub fn design_csv(&self, m: &ExperimentManifest) -> String {
        let mut head = vec!["point".to_string(), "scenario".to_string(), "seed".to_string()];
        head.extend(self.factors.iter().cloned());
        head.push(self.metric.clone());
        let mut t = Table::new(&head);
        let (scenario, seed) = (super::scenario_name(m), m.seed.to_string());
        for (p, yp) in self.y.iter().enumerate() {
            let mut cells = vec![p.to_string(), scenario.clone(), seed.clone()];
            if let Some(pt) = m.points.get(p) {
                cells.extend(self.factors.iter().zip(&pt.values).map(|(f, v)| crate::output::param_cell(f, *v)));
            }
            cells.push(num(*yp));
            t.row(&cells);
        }
        t.into_string()
    }

    /// `sensitivity_indices.csv`: scenario, seed, metric, parameter, then (Sobol') S1 and ST
    /// with intervals or (Morris) μ, μ* with interval, σ.
    pub fn indices_csv(&self, m: &ExperimentManifest) -> String {
        let f = &self.factors;
        let keys = [super::scenario_name(m), m.seed.to_string(), self.metric.clone()];
        let head = |cols: &[&str]| Table::new(["scenario", "seed", "metric"].iter().chain(cols));
        match &self.indices {
            Indices::Sobol(ix) => {
                let mut t = head(&["parameter", "S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"]);
                for (i, name) in f.iter().enumerate() {
                    t.row(keys.iter().cloned().chain([
                        name.clone(),
                        num(ix.s1[i]),
                        num(ix.s1_low[i]),
                        num(ix.s1_high[i]),
                        num(ix.st[i]),
                        num(ix.st_low[i]),
                        num(ix.st_high[i]),
                    ]));
                }
                t.into_string()
            }
            Indices::Morris(ix) => {
                let mut t = head(&["parameter", "mu", "mu_star", "mu_star_ci_low", "mu_star_ci_high", "sigma"]);
                for (i, name) in f.iter().enumerate() {
                    t.row(keys.iter().cloned().chain([
                        name.clone(),
                        num(ix.mu[i]),
                        num(ix.mu_star[i]),
                        num(ix.mu_star_low[i]),
                        num(ix.mu_star_high[i]),
                        num(ix.sigma[i]),
                    ]));
                }
                t.into_string()
            }
        }
    }

    /// The second-order indices of every pair of parameters `(a, b)`, `a < b`, in the order of
    /// the parameters, as `(a, b, S2, low, high)` (empty without second-order indices): the rows
    /// of `sensitivity_s2.csv`.
    pub fn pairs(&self) -> Vec<(usize, usize, f64, f64, f64)> {
        let Indices::Sobol(ix) = &self.indices else { return Vec::new() };
        let (Some(s2), Some(lo), Some(hi)) = (&ix.s2, &ix.s2_low, &ix.s2_high) else { return Vec::new() };
        let k = self.factors.len();
        (0..k).flat_map(|a| (a + 1..k).map(move |b| (a, b, s2[a][b], lo[a][b], hi[a][b]))).collect()
    }

    /// `sensitivity_s2.csv` (Sobol' with second-order indices only): scenario, seed, metric,
    /// parameter_a, parameter_b, S2 and its bootstrap interval. A file of its own, so every table
    /// has one header.
    pub fn s2_csv(&self, m: &ExperimentManifest) -> String {
        let f = &self.factors;
        let mut t = Table::new(["scenario", "seed", "metric", "parameter_a", "parameter_b", "S2", "S2_ci_low", "S2_ci_high"]);
        for (a, b, x, lo, hi) in self.pairs() {
            t.row([super::scenario_name(m), m.seed.to_string(), self.metric.clone(), f[a].clone(), f[b].clone(), num(x), num(lo), num(hi)]);
        }
        t.into_string()
    }

    /// The printed ranking.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let f = &self.factors;
        match &self.indices {
            Indices::Sobol(ix) => {
                let order = crate::plot::ranked(&ix.st);
                let _ = writeln!(
                    out,
                    "\nSobol' indices of {} (N = {}, {} runs of {} replications); ranked by total effect ST:",
                    self.metric, self.samples, self.points, self.reps
                );
                let _ = writeln!(out, "  {:<32} {:>20} {:>20}", "parameter", "S1 [95%]", "ST [95%]");
                for i in order {
                    let _ = writeln!(
                        out,
                        "  {:<32} {:>7.3} [{:>5.2},{:>5.2}] {:>7.3} [{:>5.2},{:>5.2}]",
                        f[i], ix.s1[i], ix.s1_low[i], ix.s1_high[i], ix.st[i], ix.st_low[i], ix.st_high[i]
                    );
                }
                let pairs = self.pairs();
                if !pairs.is_empty() {
                    let name = |a: usize, b: usize| format!("{} x {}", f[a], f[b]);
                    let width = pairs.iter().map(|&(a, b, ..)| name(a, b).len()).max().unwrap_or(0).max(32);
                    let _ = writeln!(out, "Second-order indices S2 (interactions of pairs), ranked:");
                    let _ = writeln!(out, "  {:<width$} {:>20}", "pair", "S2 [95%]");
                    for j in crate::plot::ranked(&pairs.iter().map(|p| p.2).collect::<Vec<_>>()) {
                        let (a, b, x, lo, hi) = pairs[j];
                        let _ = writeln!(out, "  {:<width$} {:>7.3} [{:>5.2},{:>5.2}]", name(a, b), x, lo, hi);
                    }
                }
            }
            Indices::Morris(ix) => {
                let order = crate::plot::ranked(&ix.mu_star);
                let _ = writeln!(
                    out,
                    "\nMorris elementary effects of {} ({} trajectories, {} levels, unit-scaled ranges); ranked by mu*:",
                    self.metric, self.samples, self.levels
                );
                let _ = writeln!(out, "  {:<32} {:>10} {:>22} {:>10}", "parameter", "mu", "mu* [95%]", "sigma");
                for i in order {
                    let _ = writeln!(
                        out,
                        "  {:<32} {:>10.4} {:>8.4} [{:.3},{:.3}] {:>10.4}",
                        f[i], ix.mu[i], ix.mu_star[i], ix.mu_star_low[i], ix.mu_star_high[i], ix.sigma[i]
                    );
                }
            }
        }
        out
    }

    /// The analysis's figure, through the typed API: Sobol' S1 and ST bars ranked by ST as the
    /// table is, or the Morris μ*–σ plane with μ* intervals and σ/μ* reference lines; the caption
    /// states N (or r), the runs and the replications behind each.
    pub(super) fn figure(&self, _m: &ExperimentManifest, staging: &mut Staging) -> Result<(), Error> {
        let stem = plot_path(staging, "sensitivity")?;
        let f = &self.factors;
        let k = f.len();
        let metric = super::label_of(&self.metric);
        let info = |title: String, interval: plot::Interval| plot::FigureInfo {
            title,
            replications: Some(self.reps as usize),
            window: Some("end-of-run window mean of each run".into()),
            interval,
            notes: vec![format!("{} runs (design points)", self.points)],
        };
        let bars = |v: &[f64], lo: &[f64], hi: &[f64]| -> Vec<Bar> {
            (0..k).map(|i| Bar { label: f[i].clone(), mean: v[i], low: lo[i], high: hi[i] }).collect()
        };
        match &self.indices {
            Indices::Sobol(ix) => {
                let fig = plot::SobolFigure {
                    info: info(format!("Sobol' indices of {metric}"), plot::Interval::Bootstrap95),
                    samples: self.samples,
                    parameters: f.clone(),
                    s1: bars(&ix.s1, &ix.s1_low, &ix.s1_high),
                    st: bars(&ix.st, &ix.st_low, &ix.st_high),
                };
                plot::sobol_figure(&stem, &fig)?;
                let pairs = self.pairs();
                if !pairs.is_empty() {
                    // The pairs ranked by S2 as printed, each named by both parameters' labels.
                    let order = crate::plot::ranked(&pairs.iter().map(|p| p.2).collect::<Vec<_>>());
                    let name = |i: usize| plot::labels::param_label(&f[i]);
                    let bars = order
                        .into_iter()
                        .map(|j| {
                            let (a, b, x, lo, hi) = pairs[j];
                            Bar { label: format!("{} × {}", name(a), name(b)), mean: x, low: lo, high: hi }
                        })
                        .collect();
                    let mut info =
                        info(format!("Second-order Sobol' indices of {metric}: interactions of pairs"), plot::Interval::Bootstrap95);
                    info.notes.push(format!("N = {}", self.samples));
                    let fig = plot::BarFigure {
                        info,
                        y_label: "S2 (share of variance from the pair's interaction)".into(),
                        bars,
                        y_range: plot::YRange::Auto,
                    };
                    plot::bar_figure(&plot_path(staging, "sensitivity_s2")?, &fig)?;
                }
            }
            Indices::Morris(ix) => {
                let fig = plot::MorrisFigure {
                    info: info(format!("Morris screening of {metric}"), plot::Interval::Bootstrap95),
                    trajectories: self.samples,
                    parameters: f.clone(),
                    mu_star: bars(&ix.mu_star, &ix.mu_star_low, &ix.mu_star_high),
                    sigma: ix.sigma.clone(),
                };
                plot::morris_figure(&stem, &fig)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The printed table ranks an undefined (NaN) total effect last, as the figure does
    /// (`plot::ranked`); `total_cmp` alone would put a positive NaN first.
    #[test]
    fn printed_ranking_puts_an_undefined_index_last_as_the_figure_does() {
        let st = vec![0.2, f64::NAN, 0.7];
        let ix = SobolIndices {
            s1: vec![0.1, f64::NAN, 0.6],
            s1_low: vec![0.0; 3],
            s1_high: vec![0.0; 3],
            st: st.clone(),
            st_low: vec![0.0; 3],
            st_high: vec![0.0; 3],
            s2: None,
            s2_low: None,
            s2_high: None,
            confidence: 0.95,
        };
        let report = SensitivityReport {
            metric: "s".into(),
            factors: vec!["alpha".into(), "beta_undefined".into(), "gamma".into()],
            y: vec![],
            points: 0,
            reps: 1,
            samples: 8,
            levels: 0,
            indices: Indices::Sobol(ix),
        };
        let text = report.text();
        let at = |name: &str| text.find(name).unwrap_or_else(|| panic!("{name} missing in {text}"));
        assert!(at("gamma") < at("alpha") && at("alpha") < at("beta_undefined"), "{text}");
        assert_eq!(plot::ranked(&st), [2, 0, 1]);
    }
}
