//! `cadresim sensitivity`: Morris screening or Sobol' indices of a model output with respect to
//! scenario parameters, on the same parallel, resumable, shardable machinery as sweeps.
//!
//! The model output at a design point is the end-of-run window value of `--metric`, averaged over
//! the replications of that point (common random numbers across points). The estimators live in
//! [`crate::analysis::sensitivity`] and know nothing about the model.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::experiment::{Experiment, Point, Record};
use super::AppError;
use crate::analysis::design::Factor;
use crate::analysis::sensitivity::{morris_design, morris_indices, saltelli_design, sobol_indices};
use crate::engine::Model;
use crate::metrics::metric;
use crate::output::{num, Staging};
use crate::plot::{self, Bar};
use crate::scenario::Scenario;

/// Settings of a sensitivity analysis.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `morris` or `sobol`.
    pub method: String,
    /// Varied parameters.
    pub factors: Vec<Factor>,
    /// Output metric.
    pub metric: String,
    /// Sobol': base samples N (a power of two); Morris: trajectories.
    pub samples: usize,
    /// Morris grid levels (even).
    pub levels: usize,
    /// Also estimate second-order Sobol' indices.
    pub second_order: bool,
    /// Bootstrap resamples for the intervals.
    pub bootstrap: usize,
}

/// The unit-space design of a method.
fn unit_design(method: &str, samples: usize, k: usize, levels: usize, second_order: bool, seed: u64) -> Result<Vec<Vec<f64>>, AppError> {
    let r = match method {
        "sobol" => saltelli_design(samples, k, second_order, seed),
        "morris" => morris_design(samples, k, levels, seed),
        other => return Err(AppError::Usage(format!("--method {other}: expected morris or sobol"))),
    };
    r.map_err(|e| AppError::Usage(format!("--samples {samples}: {e}")))
}

/// Builds the experiment: one design point per row of the method's design.
pub fn build(base: &Scenario, s: &Settings, reps: u64, seed: u64) -> Result<Experiment, AppError> {
    if metric(&s.metric).is_none() {
        return Err(AppError::Usage(format!("--metric: {}", crate::metrics::unknown_metric(&s.metric))));
    }
    if s.factors.is_empty() {
        return Err(AppError::Usage("--param: name at least one parameter, e.g. --param regime.penalty=0:4".into()));
    }
    let mut paths: Vec<&str> = s.factors.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    if paths.windows(2).any(|w| w[0] == w[1]) {
        return Err(AppError::Usage("--param: each parameter may be named once".into()));
    }
    if s.bootstrap == 0 || s.bootstrap > 1_000_000 {
        return Err(AppError::Usage(format!("--bootstrap {}: expected 1 to 1000000 resamples (100 to 1000 are usual)", s.bootstrap)));
    }
    let k = s.factors.len();
    let unit = unit_design(&s.method, s.samples, k, s.levels, s.second_order, seed)?;
    let mut points = Vec::with_capacity(unit.len());
    for (i, u) in unit.iter().enumerate() {
        let values: Vec<f64> = s.factors.iter().zip(u).map(|(f, &x)| f.at(x)).collect();
        let mut sc = base.clone();
        let pairs: Vec<(String, f64)> = s.factors.iter().map(|f| f.path.clone()).zip(values.iter().copied()).collect();
        sc.apply_numeric(&pairs, &format!("design point {i}"))?;
        let model = Model::new(sc.params()?);
        points.push(Point { label: format!("{i}"), values, scenario: sc, model });
    }
    let details = json!({
        "method": s.method,
        "metric": s.metric,
        "samples": s.samples,
        "levels": s.levels,
        "second_order": s.second_order,
        "bootstrap": s.bootstrap,
        "confidence": 0.95,
        "bounds": s.factors.iter().map(|f| json!([f.lo, f.hi])).collect::<Vec<_>>(),
        "design": if s.method == "sobol" { "saltelli (scrambled Sobol')" } else { "morris trajectories" },
    });
    Ok(Experiment {
        kind: "sensitivity",
        rows_file: "sensitivity_runs.csv",
        factors: s.factors.iter().map(|f| f.path.clone()).collect(),
        points,
        reps,
        seed,
        record: Record::Window,
        details,
    })
}

/// Computes the indices from the rows file and writes tables, a plot and a ranking.
pub fn finalize(manifest: &Value, rows: &Path, staging: &mut Staging, out: &mut dyn Write) -> Result<(), AppError> {
    let d = &manifest["details"];
    let method = d["method"].as_str().unwrap_or("sobol");
    let metric_name = d["metric"].as_str().unwrap_or("s");
    let samples = d["samples"].as_u64().unwrap_or(0) as usize;
    let levels = d["levels"].as_u64().unwrap_or(4) as usize;
    let second = d["second_order"].as_bool().unwrap_or(false);
    let bootstrap = d["bootstrap"].as_u64().unwrap_or(1000) as usize;
    let seed = manifest["seed"].as_u64().unwrap_or(0);
    let factors: Vec<String> =
        manifest["factors"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default();
    let k = factors.len();
    let n_points = manifest["points"].as_array().map(|a| a.len()).unwrap_or(0);
    let col = 2 + k + crate::metrics::index(metric_name);

    // Mean of the metric over replications, per design point.
    let mut sums = vec![(0.0f64, 0usize); n_points];
    let text = std::fs::read_to_string(rows).map_err(|e| AppError::Output(crate::output::OutputError::io(rows, e)))?;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let p: usize = f.first().and_then(|x| x.parse().ok()).unwrap_or(0);
        let v: f64 = f.get(col).and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
        if let Some(s) = sums.get_mut(p) {
            s.0 += v;
            s.1 += 1;
        }
    }
    let y: Vec<f64> = sums.iter().map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN }).collect();
    if let Some(p) = y.iter().position(|v| !v.is_finite()) {
        return Err(AppError::Failed(format!(
            "metric {metric_name} is undefined (NaN) at design point {p}; choose a metric defined everywhere in the ranges (e.g. s, formalism, output)"
        )));
    }

    let mut design = String::from("point");
    for f in &factors {
        design.push(',');
        design.push_str(f);
    }
    design.push_str(&format!(",{metric_name}\n"));
    for (p, yp) in y.iter().enumerate() {
        let _ = write!(design, "{p}");
        if let Some(vals) = manifest["points"][p]["values"].as_array() {
            for v in vals {
                let _ = write!(design, ",{}", num(v.as_f64().unwrap_or(f64::NAN)));
            }
        }
        let _ = writeln!(design, ",{}", num(*yp));
    }
    staging.write("sensitivity_design.csv", design.as_bytes())?;

    let err = |e: crate::analysis::sensitivity::SensitivityError| AppError::Failed(format!("sensitivity analysis: {e}"));
    let mut table = String::new();
    let stem = {
        let png = staging.path("plots/sensitivity.png")?;
        staging.adopt("plots/sensitivity.svg");
        png.with_extension("")
    };
    let reps = manifest["reps"].as_u64().unwrap_or(0);
    if method == "sobol" {
        let ix = sobol_indices(&y, samples, k, second, bootstrap, 0.95, seed).map_err(err)?;
        table.push_str("parameter,S1,S1_ci_low,S1_ci_high,ST,ST_ci_low,ST_ci_high\n");
        for (i, f) in factors.iter().enumerate() {
            let _ = writeln!(
                table,
                "{f},{},{},{},{},{},{}",
                num(ix.s1[i]),
                num(ix.s1_low[i]),
                num(ix.s1_high[i]),
                num(ix.st[i]),
                num(ix.st_low[i]),
                num(ix.st_high[i])
            );
        }
        if let Some(s2) = &ix.s2 {
            table.push_str("\nparameter_a,parameter_b,S2\n");
            for a in 0..k {
                for b in a + 1..k {
                    let _ = writeln!(table, "{},{},{}", factors[a], factors[b], num(s2[a][b]));
                }
            }
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|a, b| ix.st[*b].total_cmp(&ix.st[*a]));
        writeln!(
            out,
            "\nSobol' indices of {metric_name} (N = {samples}, {} runs of {reps} replications); ranked by total effect ST:",
            n_points
        )?;
        writeln!(out, "  {:<32} {:>20} {:>20}", "parameter", "S1 [95%]", "ST [95%]")?;
        for i in order {
            writeln!(
                out,
                "  {:<32} {:>7.3} [{:>5.2},{:>5.2}] {:>7.3} [{:>5.2},{:>5.2}]",
                factors[i], ix.s1[i], ix.s1_low[i], ix.s1_high[i], ix.st[i], ix.st_low[i], ix.st_high[i]
            )?;
        }
        let bars = |v: &[f64], lo: &[f64], hi: &[f64]| -> Vec<Bar> {
            (0..k).map(|i| Bar { label: factors[i].clone(), mean: v[i], low: lo[i], high: hi[i] }).collect()
        };
        plot::grouped_bars(
            &stem,
            &format!("Sobol' indices of {metric_name} (95% bootstrap intervals)"),
            "share of output variance",
            &factors,
            &[
                ("first order S1".to_string(), bars(&ix.s1, &ix.s1_low, &ix.s1_high)),
                ("total ST".to_string(), bars(&ix.st, &ix.st_low, &ix.st_high)),
            ],
        )?;
    } else {
        let unit = unit_design("morris", samples, k, levels, false, seed)?;
        let ix = morris_indices(&unit, &y, samples, k, bootstrap, 0.95, seed).map_err(err)?;
        table.push_str("parameter,mu,mu_star,mu_star_ci_low,mu_star_ci_high,sigma\n");
        for (i, f) in factors.iter().enumerate() {
            let _ = writeln!(
                table,
                "{f},{},{},{},{},{}",
                num(ix.mu[i]),
                num(ix.mu_star[i]),
                num(ix.mu_star_low[i]),
                num(ix.mu_star_high[i]),
                num(ix.sigma[i])
            );
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|a, b| ix.mu_star[*b].total_cmp(&ix.mu_star[*a]));
        writeln!(
            out,
            "\nMorris elementary effects of {metric_name} ({samples} trajectories, {levels} levels, unit-scaled ranges); ranked by mu*:"
        )?;
        writeln!(out, "  {:<32} {:>10} {:>22} {:>10}", "parameter", "mu", "mu* [95%]", "sigma")?;
        for i in order {
            writeln!(
                out,
                "  {:<32} {:>10.4} {:>8.4} [{:.3},{:.3}] {:>10.4}",
                factors[i], ix.mu[i], ix.mu_star[i], ix.mu_star_low[i], ix.mu_star_high[i], ix.sigma[i]
            )?;
        }
        let pts: Vec<(String, f64, f64)> = (0..k).map(|i| (factors[i].clone(), ix.mu_star[i], ix.sigma[i])).collect();
        plot::scatter_labelled(
            &stem,
            &format!("Morris screening of {metric_name}"),
            "mu* (mean absolute elementary effect)",
            "sigma (interaction / nonlinearity)",
            &pts,
        )?;
    }
    staging.write("sensitivity_indices.csv", table.as_bytes())?;
    Ok(())
}
