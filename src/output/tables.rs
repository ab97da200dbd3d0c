//! CSV tables of a run: one row per replication and period, the summary across replications per
//! period, end-of-run window summaries, and per-county rows.
//!
//! Every table starts with `scenario` and `seed`, so tables of several runs can be concatenated.
//! Index columns follow one convention (docs/OUTPUTS.md): identifiers (`point`, `rep`, `county`,
//! `township`, `cadre`) start at 0, `period` counts months and starts at 1.

use super::csv::Table;
use super::num;
use crate::analysis::runs::RunSummary;
use crate::analysis::stats::Summary;
use crate::engine::RepResult;
use crate::metrics::{evaluate, METRICS};

/// The key columns every run table starts with.
pub const RUN_KEYS: [&str; 2] = ["scenario", "seed"];

/// The columns of a summary across replications.
pub const SUMMARY_COLUMNS: [&str; 5] = ["n", "mean", "sd", "ci_low", "ci_high"];

/// The cells of a summary across replications, in [`SUMMARY_COLUMNS`] order.
pub fn summary_cells(s: &Summary) -> [String; 5] {
    [s.n.to_string(), num(s.mean), num(s.sd), num(s.low), num(s.high)]
}

fn header(first: &[&str]) -> Table {
    Table::new(RUN_KEYS.iter().chain(first).copied().chain(METRICS.iter().map(|m| m.name)))
}

fn row(t: &mut Table, keys: &[String], values: &[f64]) {
    t.row(keys.iter().cloned().chain(values.iter().map(|v| num(*v))));
}

/// `periods.csv`: scenario, seed, replication, period and every metric, one row per replication
/// and period.
pub fn periods_csv(scenario: &str, seed: u64, results: &[RepResult]) -> String {
    let mut t = header(&["rep", "period"]);
    for r in results {
        for (k, p) in r.periods.iter().enumerate() {
            row(&mut t, &[scenario.to_string(), seed.to_string(), r.rep.to_string(), (k + 1).to_string()], &evaluate(&p.total));
        }
    }
    t.into_string()
}

/// `counties.csv`: scenario, seed, replication, period, county and every metric.
pub fn counties_csv(scenario: &str, seed: u64, results: &[RepResult]) -> String {
    let mut t = header(&["rep", "period", "county"]);
    for r in results {
        for (k, p) in r.periods.iter().enumerate() {
            for (c, acc) in p.counties.iter().enumerate() {
                let keys = [scenario.to_string(), seed.to_string(), r.rep.to_string(), (k + 1).to_string(), c.to_string()];
                row(&mut t, &keys, &evaluate(acc));
            }
        }
    }
    t.into_string()
}

/// `summary.csv`, tidy: scenario, seed, period, metric, n, mean, sd, ci_low, ci_high.
pub fn summary_csv(scenario: &str, seed: u64, s: &RunSummary) -> String {
    let mut t = Table::new(RUN_KEYS.iter().chain(&["period", "metric"]).chain(&SUMMARY_COLUMNS));
    for (k, per) in s.per_period.iter().enumerate() {
        for (m, x) in METRICS.iter().zip(per) {
            let keys = [scenario.to_string(), seed.to_string(), (k + 1).to_string(), m.name.to_string()];
            t.row(keys.iter().chain(summary_cells(x).iter()));
        }
    }
    t.into_string()
}

/// `end.csv`: end-of-run window summary per metric: scenario, seed, metric, n, mean, sd, ci_low,
/// ci_high.
pub fn window_csv(scenario: &str, seed: u64, s: &RunSummary) -> String {
    let mut t = Table::new(RUN_KEYS.iter().chain(&["metric"]).chain(&SUMMARY_COLUMNS));
    for (m, x) in METRICS.iter().zip(&s.window) {
        let keys = [scenario.to_string(), seed.to_string(), m.name.to_string()];
        t.row(keys.iter().chain(summary_cells(x).iter()));
    }
    t.into_string()
}

/// The header of `cadres.csv` (one row per cadre and period).
pub const CADRE_COLUMNS: [&str; 20] = [
    "scenario",
    "seed",
    "rep",
    "period",
    "county",
    "township",
    "cadre",
    "s",
    "m",
    "innovate",
    "ability",
    "psi",
    "corrupt",
    "sanctioned",
    "promoted",
    "rank",
    "block_left",
    "fatigue",
    "payoff",
    "tenure",
];
