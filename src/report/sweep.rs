//! Sweeps: end-of-run summaries at every design point, a line plot for one factor and heatmaps
//! for a two-factor grid (bars, lines per category or grouped bars when a factor is categorical).
//!
//! A metric undefined in some replications of a point (NaN, e.g. `blame_ratio` without
//! avoiders) is summarised over the replications where it is defined: `n` says how many, and a
//! point where it is defined in none has `n = 0` and NaN statistics (grey in heatmaps, gaps in
//! lines). `blame_difference` is defined wherever `blame_ratio` is not.

use super::{label_of, plot_path, PLOT_METRICS};
use crate::analysis::design::{category_word, is_categorical};
use crate::analysis::stats::Summary;
use crate::error::Error;
use crate::experiment::Row;
use crate::metrics::{self, metric, METRICS};
use crate::output::csv::Table;
use crate::output::manifest::{Details, ExperimentManifest};
use crate::output::{num, Staging};
use crate::plot::{self, Band, Bar};

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
            let cells = self.factors.iter().zip(&self.values[p]).map(|(f, v)| match crate::analysis::design::category_word(f, *v) {
                Some(word) => format!("{word:>22}"),
                None => format!("{v:>22.4}"),
            });
            let _ = write!(out, "  {}", cells.collect::<String>());
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

    /// The sweep's figures: for one factor, a panel per metric against it with a dashed
    /// vertical line at the status quo (the base scenario's own value); for a two-factor grid, a
    /// heat map per metric with the status-quo cell outlined when that point lies on or inside
    /// the grid.
    pub(super) fn figures(&self, m: &ExperimentManifest, staging: &mut Staging) -> Result<(), Error> {
        if self.factors.iter().any(|f| is_categorical(f)) {
            return self.categorical_figures(staging);
        }
        let values = &self.values;
        let n_points = values.len();
        let status_quo: Vec<Option<f64>> = match &m.details {
            Details::Sweep(d) => d.status_quo.clone(),
            _ => Vec::new(),
        };
        let sq = |i: usize| status_quo.get(i).copied().flatten().filter(|v| v.is_finite());
        let info = |title: String, interval: plot::Interval| plot::FigureInfo {
            title,
            replications: Some(self.reps as usize),
            window: Some(format!("end-of-run means over the last {} of {} periods", m.window, m.periods)),
            interval,
            notes: vec![],
        };
        if self.factors.len() == 1 {
            let mut order: Vec<usize> = (0..n_points).collect();
            order.sort_by(|a, b| values[*a][0].total_cmp(&values[*b][0]));
            let x: Vec<f64> = order.iter().map(|&p| values[p][0]).collect();
            let panels: Vec<plot::Panel> = PLOT_METRICS
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
                    plot::Panel { title: label_of(m), series: vec![band] }
                })
                .collect();
            let f = &self.factors[0];
            let name = plot::labels::label_of(f);
            let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            let mut fig = plot::PanelFigure {
                info: info(format!("End-of-run outcomes against {name}"), plot::Interval::MeanCi95),
                x_label: name.clone(),
                panels,
                columns: 3,
                ..plot::PanelFigure::default()
            };
            match sq(0) {
                Some(v) if v >= lo && v <= hi => {
                    fig.x_reference.push(plot::RefLine { value: v, label: format!("status quo, {name} = {}", short(v)) })
                }
                Some(v) => fig.info.notes.push(format!("the status quo ({name} = {}) lies outside the swept range", short(v))),
                None => {}
            }
            let stem = plot_path(staging, "sweep")?;
            plot::panel_figure(&stem, &fig)?;
        } else if self.factors.len() == 2 && self.grid {
            let mut xs: Vec<f64> = values.iter().map(|v| v[0]).collect();
            let mut ys: Vec<f64> = values.iter().map(|v| v[1]).collect();
            for v in [&mut xs, &mut ys] {
                v.sort_by(f64::total_cmp);
                v.dedup();
            }
            let marked = match (sq(0), sq(1)) {
                (Some(x), Some(y)) => nearest_cell(&xs, x).zip(nearest_cell(&ys, y)),
                _ => None,
            };
            let sq_text = match (sq(0), sq(1)) {
                (Some(x), Some(y)) => format!(
                    "status quo ({} = {}, {} = {})",
                    plot::labels::label_of(&self.factors[0]),
                    short(x),
                    plot::labels::label_of(&self.factors[1]),
                    short(y)
                ),
                _ => String::new(),
            };
            let on_grid = marked.is_some_and(|(ix, iy)| sq(0) == Some(xs[ix]) && sq(1) == Some(ys[iy]));
            let marked_label = if on_grid { "status quo".to_string() } else { format!("the grid point nearest the {sq_text}") };
            for metric_name in PLOT_METRICS {
                let k = metrics::index(metric_name);
                let mut z = vec![vec![f64::NAN; xs.len()]; ys.len()];
                for (p, v) in values.iter().enumerate() {
                    let ix = xs.iter().position(|x| *x == v[0]).unwrap_or(0);
                    let iy = ys.iter().position(|y| *y == v[1]).unwrap_or(0);
                    z[iy][ix] = self.means[p][k].mean;
                }
                let title = format!("{} (end-of-run mean)", metric(metric_name).map(|x| x.doc).unwrap_or(metric_name));
                let mut fig = plot::HeatmapFigure {
                    info: info(title, plot::Interval::None),
                    x_label: plot::labels::label_of(&self.factors[0]),
                    y_label: plot::labels::label_of(&self.factors[1]),
                    xs: xs.clone(),
                    ys: ys.clone(),
                    z,
                    z_label: label_of(metric_name),
                    marked,
                    marked_label: marked_label.clone(),
                    ..plot::HeatmapFigure::default()
                };
                if marked.is_none() && !sq_text.is_empty() {
                    fig.info.notes.push(format!("the {sq_text} lies outside the grid"));
                }
                let stem = plot_path(staging, &format!("heatmap_{metric_name}"))?;
                plot::heatmap_figure(&stem, &fig)?;
            }
        }
        Ok(())
    }

    /// The figures of a grid with a categorical factor: bars with intervals per category (one
    /// factor), one line per category against the numeric factor (categorical × numeric), or
    /// grouped bars of one category against the other (two categorical factors).
    fn categorical_figures(&self, staging: &mut Staging) -> Result<(), Error> {
        let values = &self.values;
        let word = |f: usize, x: f64| category_word(&self.factors[f], x).map(String::from).unwrap_or_else(|| num(x));
        // The distinct values of factor `f`, in design order (the order they were listed).
        let levels = |f: usize| {
            let mut seen: Vec<f64> = Vec::new();
            for v in values {
                if !seen.contains(&v[f]) {
                    seen.push(v[f]);
                }
            }
            seen
        };
        let bar = |label: String, p: usize, k: usize| {
            let m = &self.means[p][k];
            Bar { label, mean: m.mean, low: m.low, high: m.high }
        };
        let info = |title: String| plot::FigureInfo {
            title,
            replications: Some(self.reps as usize),
            window: Some("end-of-run window".into()),
            interval: plot::Interval::MeanCi95,
            notes: vec![],
        };
        match (self.factors.len(), self.factors.iter().map(|f| is_categorical(f)).collect::<Vec<_>>().as_slice()) {
            (1, _) => {
                for m in PLOT_METRICS {
                    let k = metrics::index(m);
                    let fig = plot::BarFigure {
                        info: info(format!("{} by {}", label_of(m), self.factors[0])),
                        y_label: label_of(m),
                        bars: (0..values.len()).map(|p| bar(word(0, values[p][0]), p, k)).collect(),
                        // Shares of time or of cadres, and rates, live in [0, 1].
                        y_range: if *m == "output" { plot::YRange::FromZero } else { plot::YRange::Proportion },
                    };
                    plot::bar_figure(&plot_path(staging, &format!("sweep_{m}"))?, &fig)?;
                }
            }
            (2, [true, true]) => {
                let (a, b) = (levels(0), levels(1));
                let groups: Vec<String> = a.iter().map(|x| word(0, *x)).collect();
                for m in PLOT_METRICS {
                    let k = metrics::index(m);
                    let series: Vec<(String, Vec<Bar>)> = b
                        .iter()
                        .map(|yb| {
                            let bars = a
                                .iter()
                                .map(|xa| {
                                    let p = values.iter().position(|v| v[0] == *xa && v[1] == *yb).unwrap_or(0);
                                    bar(word(0, *xa), p, k)
                                })
                                .collect();
                            (format!("{} = {}", self.factors[1], word(1, *yb)), bars)
                        })
                        .collect();
                    let title = format!(
                        "{} by {} and {} (end-of-run mean, 95% interval, {} replications)",
                        label_of(m),
                        self.factors[0],
                        self.factors[1],
                        self.reps
                    );
                    plot::grouped_bars(&plot_path(staging, &format!("sweep_{m}"))?, &title, &label_of(m), &groups, &series)?;
                }
            }
            (2, [cat_first, _]) => {
                let (c, x) = if *cat_first { (0, 1) } else { (1, 0) };
                let mut xs = levels(x);
                xs.sort_by(f64::total_cmp);
                let panels: Vec<(String, Vec<Band>)> = PLOT_METRICS
                    .iter()
                    .map(|m| {
                        let k = metrics::index(m);
                        let bands = levels(c)
                            .iter()
                            .map(|cv| {
                                let at = |xv: &f64| values.iter().position(|v| v[c] == *cv && v[x] == *xv).unwrap_or(0);
                                Band {
                                    label: format!("{} = {}", self.factors[c], word(c, *cv)),
                                    x: xs.clone(),
                                    mean: xs.iter().map(|xv| self.means[at(xv)][k].mean).collect(),
                                    low: xs.iter().map(|xv| self.means[at(xv)][k].low).collect(),
                                    high: xs.iter().map(|xv| self.means[at(xv)][k].high).collect(),
                                }
                            })
                            .collect();
                        (label_of(m), bands)
                    })
                    .collect();
                let title = format!("End-of-run outcomes against {}, one line per {}", self.factors[x], self.factors[c]);
                plot::panel_time_series(&plot_path(staging, "sweep")?, &title, &self.factors[x], &panels, 3)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The figure stems of a grid sweep over `factors` with a categorical factor (`None` if none
/// is categorical): see [`SweepReport`]'s figures.
pub fn categorical_stems(factors: &[String]) -> Option<Vec<String>> {
    let cats: Vec<bool> = factors.iter().map(|f| is_categorical(f)).collect();
    if !cats.contains(&true) {
        return None;
    }
    Some(match (factors.len(), cats.as_slice()) {
        (1, _) | (2, [true, true]) => PLOT_METRICS.iter().map(|m| format!("sweep_{m}")).collect(),
        (2, _) => vec!["sweep".to_string()],
        _ => vec![],
    })
}

/// The index of the cell of `centres` (sorted) that holds `v`, if `v` lies within the grid
/// (cells reach half-way to their neighbours; the outer ones end at the outer centres).
fn nearest_cell(centres: &[f64], v: f64) -> Option<usize> {
    let (first, last) = (*centres.first()?, *centres.last()?);
    if v < first - 1e-12 * first.abs().max(1.0) || v > last + 1e-12 * last.abs().max(1.0) {
        return None;
    }
    centres.iter().enumerate().min_by(|a, b| (a.1 - v).abs().total_cmp(&(b.1 - v).abs())).map(|(i, _)| i)
}

/// A parameter value as people write it (`3`, `0.25`, `1e-6`).
fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_quo_cell_is_the_nearest_inside_the_grid_only() {
        let c = [0.0, 0.5, 1.0];
        assert_eq!(nearest_cell(&c, 0.5), Some(1));
        assert_eq!(nearest_cell(&c, 0.7), Some(1));
        assert_eq!(nearest_cell(&c, 0.8), Some(2));
        assert_eq!(nearest_cell(&c, 1.0), Some(2));
        assert_eq!(nearest_cell(&c, 1.2), None);
        assert_eq!(nearest_cell(&c, -0.1), None);
        assert_eq!(nearest_cell(&[], 0.0), None);
        assert_eq!((short(3.0), short(0.25), short(1e-6)), ("3".to_string(), "0.25".to_string(), "1e-6".to_string()));
    }
}
