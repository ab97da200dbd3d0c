//! Sweeps: end-of-run summaries at every design point, a line plot for one factor and heatmaps
//! for a two-factor grid.

use super::{label_of, plot_path, PLOT_METRICS};
use crate::analysis::stats::Summary;
use crate::error::Error;
use crate::experiment::Row;
use crate::metrics::{self, metric, METRICS};
use crate::output::csv::Table;
use crate::output::manifest::{Details, ExperimentManifest};
use crate::output::{num, Staging};
use crate::plot::{self, Band};

/// A sweep's results.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepReport {
    /// Paths of the varied parameters.
    pub factors: Vec<String>,
    /// `values[point]`: the factor values of each point.
    pub values: Vec<Vec<f64>>,
    /// `means[point][k]`: metric `k` over the end-of-run window across replications.
    pub means: Vec<Vec<Summary>>,
    /// Replications per point.
    pub reps: u64,
    /// Whether the design is a full grid.
    pub grid: bool,
}

pub(super) struct Builder<'m> {
    m: &'m ExperimentManifest,
    means: Vec<Vec<Summary>>,
    current: Vec<Vec<f64>>,
    point: Option<usize>,
}

impl<'m> Builder<'m> {
    pub(super) fn new(m: &'m ExperimentManifest) -> Self {
        Builder { m, means: Vec::with_capacity(m.points.len()), current: Vec::new(), point: None }
    }

    // Rows come point by point: summarise each point when the next begins (memory stays bounded
    // by one point's replications).
    fn flush(&mut self) {
        let row: Vec<Summary> = (0..METRICS.len()).map(|k| Summary::of(self.current.iter().map(|r| r[k]))).collect();
        self.means.push(row);
        self.current.clear();
    }

    pub(super) fn push(&mut self, row: Row) {
        if self.point.is_some_and(|c| c != row.point) {
            self.flush();
        }
        self.point = Some(row.point);
        self.current.push(row.values);
    }

    pub(super) fn finish(mut self) -> SweepReport {
        if self.point.is_some() {
            self.flush();
        }
        let grid = matches!(&self.m.details, Details::Sweep(d) if d.design == "grid");
        SweepReport {
            factors: self.m.factors.clone(),
            values: self.m.points.iter().map(|p| p.values.clone()).collect(),
            means: self.means,
            reps: self.m.reps,
            grid,
        }
    }
}

impl SweepReport {
    /// `sweep_summary.csv`: point, scenario, seed, factor values, metric, n, mean, sd, ci_low,
    /// ci_high.
    pub fn summary_csv(&self, m: &ExperimentManifest) -> String {
        let mut head = vec!["point".to_string(), "scenario".to_string(), "seed".to_string()];
        head.extend(self.factors.iter().cloned());
        head.extend(["metric", "n", "mean", "sd", "ci_low", "ci_high"].map(String::from));
        let mut t = Table::new(&head);
        let (scenario, seed) = (super::scenario_name(m), m.seed.to_string());
        for (p, row) in self.means.iter().enumerate() {
            for (m, s) in METRICS.iter().zip(row) {
                let mut cells = vec![p.to_string(), scenario.clone(), seed.clone()];
                cells.extend(self.factors.iter().zip(&self.values[p]).map(|(f, v)| crate::output::param_cell(f, *v)));
                cells.extend([m.name.to_string(), s.n.to_string(), num(s.mean), num(s.sd), num(s.low), num(s.high)]);
                t.row(&cells);
            }
        }
        t.into_string()
    }

    /// The printed table (the first 40 points).
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "\n{} design points × {} replications", self.values.len(), self.reps);
        let shown = ["s", "formalism", "output", "sanction_rate"];
        let _ = write!(out, "  {}", self.factors.iter().map(|f| format!("{f:>22}")).collect::<String>());
        for m in shown {
            let _ = write!(out, " {m:>14}");
        }
        let _ = writeln!(out);
        for (p, row) in self.means.iter().enumerate().take(40) {
            let _ = write!(out, "  {}", self.values[p].iter().map(|v| format!("{v:>22.4}")).collect::<String>());
            for m in shown {
                let _ = write!(out, " {:>14.4}", row[metrics::index(m)].mean);
            }
            let _ = writeln!(out);
        }
        if self.means.len() > 40 {
            let _ = writeln!(out, "  ... ({} more in sweep_summary.csv)", self.means.len() - 40);
        }
        out
    }

    /// The sweep's figures.
    pub(super) fn figures(&self, staging: &mut Staging) -> Result<(), Error> {
        let values = &self.values;
        let n_points = values.len();
        if self.factors.len() == 1 {
            let mut order: Vec<usize> = (0..n_points).collect();
            order.sort_by(|a, b| values[*a][0].total_cmp(&values[*b][0]));
            let x: Vec<f64> = order.iter().map(|&p| values[p][0]).collect();
            let panels: Vec<(String, Vec<Band>)> = PLOT_METRICS
                .iter()
                .map(|m| {
                    let k = metrics::index(m);
                    let band = Band {
                        label: "mean, 95% interval".into(),
                        x: x.clone(),
                        mean: order.iter().map(|&p| self.means[p][k].mean).collect(),
                        low: order.iter().map(|&p| self.means[p][k].low).collect(),
                        high: order.iter().map(|&p| self.means[p][k].high).collect(),
                    };
                    (label_of(m), vec![band])
                })
                .collect();
            let stem = plot_path(staging, "sweep")?;
            let f = &self.factors[0];
            plot::panel_time_series(&stem, &format!("End-of-run outcomes against {f}"), f, &panels, 3)?;
        } else if self.factors.len() == 2 && self.grid {
            let mut xs: Vec<f64> = values.iter().map(|v| v[0]).collect();
            let mut ys: Vec<f64> = values.iter().map(|v| v[1]).collect();
            for v in [&mut xs, &mut ys] {
                v.sort_by(f64::total_cmp);
                v.dedup();
            }
            for m in PLOT_METRICS {
                let k = metrics::index(m);
                let mut z = vec![vec![f64::NAN; xs.len()]; ys.len()];
                for (p, v) in values.iter().enumerate() {
                    let ix = xs.iter().position(|x| *x == v[0]).unwrap_or(0);
                    let iy = ys.iter().position(|y| *y == v[1]).unwrap_or(0);
                    z[iy][ix] = self.means[p][k].mean;
                }
                let stem = plot_path(staging, &format!("heatmap_{m}"))?;
                let title = format!("{} (end-of-run mean)", metric(m).map(|x| x.doc).unwrap_or(m));
                plot::heatmap(&stem, &title, &self.factors[0], &self.factors[1], &xs, &ys, &z, &label_of(m))?;
            }
        }
        Ok(())
    }
}
