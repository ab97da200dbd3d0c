//! Summaries of a set of replications: per period and over the end-of-run window.

use super::stats::Summary;
use crate::engine::RepResult;
use crate::metrics::{evaluate, Accum, METRICS};

/// Summaries across replications of every metric.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// `per_period[t][k]`: metric `k` in period `t` across replications.
    pub per_period: Vec<Vec<Summary>>,
    /// `window[k]`: metric `k` over the last `window` periods (pooled within a replication),
    /// across replications.
    pub window: Vec<Summary>,
    /// Periods in the window.
    pub window_len: usize,
}

/// The end-of-run window of one replication, pooled.
pub fn window_accum(r: &RepResult, window: usize) -> Accum {
    let n = r.periods.len();
    let from = n.saturating_sub(window);
    let totals: Vec<Accum> = r.periods[from..].iter().map(|p| p.total).collect();
    Accum::pool(&totals)
}

/// Summarises replications (all of equal length).
pub fn summarise(results: &[RepResult], window: usize) -> RunSummary {
    let periods = results.iter().map(|r| r.periods.len()).min().unwrap_or(0);
    let mut per_period = Vec::with_capacity(periods);
    for t in 0..periods {
        let values: Vec<Vec<f64>> = results.iter().map(|r| evaluate(&r.periods[t].total)).collect();
        per_period.push((0..METRICS.len()).map(|k| Summary::of(values.iter().map(|v| v[k]))).collect());
    }
    let window_values: Vec<Vec<f64>> = results.iter().map(|r| evaluate(&window_accum(r, window))).collect();
    let window_summary = (0..METRICS.len()).map(|k| Summary::of(window_values.iter().map(|v| v[k]))).collect();
    RunSummary { per_period, window: window_summary, window_len: window }
}
