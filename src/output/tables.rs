//! CSV tables of a run: one row per replication and period, the summary across replications per
//! period, end-of-run window summaries, and per-county rows.

use std::fmt::Write;

use super::num;
use crate::analysis::runs::RunSummary;
use crate::engine::RepResult;
use crate::metrics::{evaluate, METRICS};

fn header(first: &[&str]) -> String {
    let mut h: Vec<&str> = first.to_vec();
    h.extend(METRICS.iter().map(|m| m.name));
    h.join(",") + "\n"
}

fn row(out: &mut String, first: &[String], values: &[f64]) {
    out.push_str(&first.join(","));
    for v in values {
        out.push(',');
        out.push_str(&num(*v));
    }
    out.push('\n');
}

/// `periods.csv`: replication, period (1-based) and every metric, one row per replication and period.
pub fn periods_csv(results: &[RepResult]) -> String {
    let mut out = header(&["rep", "period"]);
    for r in results {
        for (t, p) in r.periods.iter().enumerate() {
            row(&mut out, &[r.rep.to_string(), (t + 1).to_string()], &evaluate(&p.total));
        }
    }
    out
}

/// `counties.csv`: replication, period, county and every metric.
pub fn counties_csv(results: &[RepResult]) -> String {
    let mut out = header(&["rep", "period", "county"]);
    for r in results {
        for (t, p) in r.periods.iter().enumerate() {
            for (k, c) in p.counties.iter().enumerate() {
                row(&mut out, &[r.rep.to_string(), (t + 1).to_string(), (k + 1).to_string()], &evaluate(c));
            }
        }
    }
    out
}

/// `summary.csv`, tidy: period, metric, n, mean, sd, ci_low, ci_high.
pub fn summary_csv(s: &RunSummary) -> String {
    let mut out = String::from("period,metric,n,mean,sd,ci_low,ci_high\n");
    for (t, per) in s.per_period.iter().enumerate() {
        for (m, x) in METRICS.iter().zip(per) {
            let _ = writeln!(out, "{},{},{},{},{},{},{}", t + 1, m.name, x.n, num(x.mean), num(x.sd), num(x.low), num(x.high));
        }
    }
    out
}

/// `end.csv`: end-of-run window summary per metric: metric, n, mean, sd, ci_low, ci_high.
pub fn window_csv(s: &RunSummary) -> String {
    let mut out = String::from("metric,n,mean,sd,ci_low,ci_high\n");
    for (m, x) in METRICS.iter().zip(&s.window) {
        let _ = writeln!(out, "{},{},{},{},{},{}", m.name, x.n, num(x.mean), num(x.sd), num(x.low), num(x.high));
    }
    out
}
