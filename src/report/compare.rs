//! Comparisons: per-period and end-of-run summaries of each scenario, and paired differences
//! from the first scenario (common random numbers make them precise).
//!
//! Undefined values (NaN, e.g. `blame_ratio` in a replication without avoiders) are left out of
//! every summary and counted in its `n`; a paired difference uses the replications where both
//! scenarios have a value.

use super::{label_of, plot_path, BAR_METRICS, PLOT_METRICS};
use crate::analysis::stats::Summary;
use crate::error::Error;
use crate::experiment::Row;
use crate::metrics::{self, metric, METRICS};
use crate::output::csv::Table;
use crate::output::manifest::ExperimentManifest;
use crate::output::{num, Staging};
use crate::plot::{self, Band, Bar};

/// A comparison's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareReport {
    /// Scenario labels, in order; differences are from the first.
    pub labels: Vec<String>,
    /// Replications per scenario.
    pub reps: u64,
    /// Periods in the end-of-run window.
    pub window_len: usize,
    /// `per_period[point][t][k]`: metric `k` in period `t + 1` across replications.
    pub per_period: Vec<Vec<Vec<Summary>>>,
    /// `window[point][k]`: metric `k` over the end-of-run window across replications.
    pub window: Vec<Vec<Summary>>,
    /// `diffs[point][k]`: paired difference of the window value from the first scenario.
    pub diffs: Vec<Vec<Summary>>,
    /// `(avoider_below, diligent_from)` of each scenario: the effort-class thresholds.
    pub thresholds: Vec<(f64, f64)>,
}

pub(super) struct Builder<'m> {
    m: &'m ExperimentManifest,
    periods: Vec<Vec<Vec<Vec<f64>>>>,
    window: Vec<Vec<Vec<f64>>>,
}

impl<'m> Builder<'m> {
    pub(super) fn new(m: &'m ExperimentManifest) -> Self {
        let n = m.points.len();
        Builder { m, periods: vec![vec![Vec::new(); m.periods]; n], window: vec![Vec::new(); n] }
    }

    pub(super) fn push(&mut self, row: Row) {
        let Some(p) = self.periods.get_mut(row.point) else { return };
        if row.window {
            self.window[row.point].push(row.values);
        } else if let Some(slot) = p.get_mut(row.period.saturating_sub(1)) {
            slot.push(row.values);
        }
    }

    pub(super) fn finish(self) -> CompareReport {
        let col = |vals: &[Vec<f64>], k: usize| -> Vec<f64> { vals.iter().map(|v| v[k]).collect() };
        let per_period = self
            .periods
            .iter()
            .map(|d| d.iter().map(|reps| (0..METRICS.len()).map(|k| Summary::of(col(reps, k))).collect()).collect())
            .collect();
        let window = self.window.iter().map(|w| (0..METRICS.len()).map(|k| Summary::of(col(w, k))).collect()).collect();
        let base = self.window.first().cloned().unwrap_or_default();
        let diffs = self
            .window
            .iter()
            .map(|w| (0..METRICS.len()).map(|k| Summary::of(w.iter().zip(&base).map(|(a, b)| a[k] - b[k]))).collect())
            .collect();
        CompareReport {
            labels: self.m.points.iter().map(|p| p.label.clone()).collect(),
            reps: self.m.reps,
            window_len: self.m.window,
            per_period,
            window,
            diffs,
            thresholds: (0..self.m.points.len()).map(|p| super::class_thresholds(self.m.scenarios.get(p))).collect(),
        }
    }
}

use crate::output::tables::summary_cells;

impl CompareReport {
    /// `timeseries.csv`: point, scenario, seed, period, metric, n, mean, sd, ci_low, ci_high.
    pub fn timeseries_csv(&self, seed: u64) -> String {
        let mut t = Table::new(["point", "scenario", "seed", "period", "metric", "n", "mean", "sd", "ci_low", "ci_high"]);
        for (p, label) in self.labels.iter().enumerate() {
            for (period, row) in self.per_period[p].iter().enumerate() {
                for (m, s) in METRICS.iter().zip(row) {
                    let head = [p.to_string(), label.clone(), seed.to_string(), (period + 1).to_string(), m.name.to_string()];
                    t.row(head.iter().chain(summary_cells(s).iter()));
                }
            }
        }
        t.into_string()
    }

    /// `comparison.csv`: window means and paired differences from the first scenario.
    pub fn comparison_csv(&self, seed: u64) -> String {
        let mut t = Table::new([
            "point",
            "scenario",
            "seed",
            "metric",
            "n",
            "mean",
            "sd",
            "ci_low",
            "ci_high",
            "diff",
            "diff_ci_low",
            "diff_ci_high",
        ]);
        for (p, label) in self.labels.iter().enumerate() {
            for (k, m) in METRICS.iter().enumerate() {
                let (w, df) = (&self.window[p][k], &self.diffs[p][k]);
                let head = [p.to_string(), label.clone(), seed.to_string(), m.name.to_string()];
                let tail = [num(df.mean), num(df.low), num(df.high)];
                t.row(head.iter().chain(summary_cells(w).iter()).chain(tail.iter()));
            }
        }
        t.into_string()
    }

    /// `comparison.md`, also the printed table.
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "End-of-run means (last {} periods) with 95% intervals across {} replications; Δ is the paired difference from `{}` (common random numbers).\n\n",
            self.window_len,
            self.reps,
            self.labels.first().map(String::as_str).unwrap_or("")
        );
        let shown: Vec<&str> = BAR_METRICS.iter().copied().chain(["share_diligent"]).collect();
        md.push_str("| scenario |");
        for m in &shown {
            md.push_str(&format!(" {m} | Δ {m} |"));
        }
        md.push_str("\n|---|");
        for _ in &shown {
            md.push_str("---|---|");
        }
        md.push('\n');
        for (p, label) in self.labels.iter().enumerate() {
            md.push_str(&format!("| {label} |"));
            for m in &shown {
                let k = metrics::index(m);
                let (w, df) = (&self.window[p][k], &self.diffs[p][k]);
                let delta = if p == 0 { "—".to_string() } else { format!("{:+.3} [{:+.3}, {:+.3}]", df.mean, df.low, df.high) };
                md.push_str(&format!(" {:.3} [{:.3}, {:.3}] | {delta} |", w.mean, w.low, w.high));
            }
            md.push('\n');
        }
        md
    }

    /// The comparison's figures.
    pub(super) fn figures(&self, staging: &mut Staging) -> Result<(), Error> {
        let periods = self.per_period.first().map(Vec::len).unwrap_or(0);
        let x: Vec<f64> = (1..=periods).map(|t| t as f64).collect();
        let panels: Vec<(String, Vec<Band>)> = PLOT_METRICS
            .iter()
            .map(|m| {
                let k = metrics::index(m);
                let bands = self
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(p, label)| Band {
                        label: label.clone(),
                        x: x.clone(),
                        mean: self.per_period[p].iter().map(|r| r[k].mean).collect(),
                        low: self.per_period[p].iter().map(|r| r[k].low).collect(),
                        high: self.per_period[p].iter().map(|r| r[k].high).collect(),
                    })
                    .collect();
                (label_of(m), bands)
            })
            .collect();
        let stem = plot_path(staging, "timeseries")?;
        plot::panel_time_series(&stem, "Cadre effort and outcomes by regime (mean, 95% interval)", "period (months)", &panels, 3)?;
        let share_panels: Vec<plot::SharesPanel> = self
            .labels
            .iter()
            .enumerate()
            .map(|(p, label)| {
                let layer = |name: &str, text: &str| {
                    (text.to_string(), self.per_period[p].iter().map(|r| r[metrics::index(name)].mean).collect::<Vec<f64>>())
                };
                let (lo, hi) = self.thresholds.get(p).copied().unwrap_or((0.25, 0.5));
                let [a, b, c] = super::class_labels(lo, hi);
                (label.clone(), x.clone(), vec![layer("share_avoiders", &a), layer("share_minimal", &b), layer("share_diligent", &c)])
            })
            .collect();
        let stem = plot_path(staging, "shares")?;
        plot::stacked_shares_panels(
            &stem,
            "Avoiders, minimal and diligent cadres by regime",
            "period (months)",
            &share_panels,
            2.min(self.labels.len().max(1)),
        )?;
        let window = format!("last {} periods", self.window_len);
        let named: Vec<(String, &[Vec<Summary>])> =
            self.labels.iter().zip(&self.per_period).map(|(l, p)| (l.clone(), p.as_slice())).collect();
        super::paradox_figures(&named, self.reps as usize, Some("per period".into()), &mut |stem| plot_path(staging, stem))?;
        let diffs = plot::PairedDifferences {
            info: plot::FigureInfo {
                title: format!(
                    "Paired differences from {} (common random numbers), end-of-run window",
                    self.labels.first().map(String::as_str).unwrap_or("")
                ),
                replications: Some(self.reps as usize),
                window: Some(window),
                interval: plot::Interval::MeanCi95,
                notes: vec![],
            },
            baseline: self.labels.first().cloned().unwrap_or_default(),
            metrics: super::DIFF_METRICS
                .iter()
                .map(|m| {
                    let k = metrics::index(m);
                    plot::DiffPanel {
                        metric: label_of(m),
                        diffs: self.labels[1..]
                            .iter()
                            .enumerate()
                            .map(|(i, l)| {
                                let d = &self.diffs[i + 1][k];
                                Bar { label: l.clone(), mean: d.mean, low: d.low, high: d.high }
                            })
                            .collect(),
                    }
                })
                .collect(),
            columns: 3,
        };
        let stem = plot_path(staging, "differences")?;
        plot::paired_differences(&stem, &diffs)?;
        for m in BAR_METRICS {
            let k = metrics::index(m);
            let bars: Vec<Bar> = self
                .labels
                .iter()
                .enumerate()
                .map(|(p, label)| Bar {
                    label: label.clone(),
                    mean: self.window[p][k].mean,
                    low: self.window[p][k].low,
                    high: self.window[p][k].high,
                })
                .collect();
            let stem = plot_path(staging, &format!("end_{m}"))?;
            let title =
                format!("{} at the end of the run (last {} periods, 95% interval)", metric(m).map(|x| x.doc).unwrap_or(m), self.window_len);
            plot::bars(&stem, &title, &label_of(m), &bars)?;
        }
        Ok(())
    }
}
