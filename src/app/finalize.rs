//! Turning an experiment's rows file into tables, plots and a manifest.
//!
//! Everything here is a function of the manifest and the rows file alone, so an unsharded run,
//! a merge of shards and `cadresim plot DIR` produce the same bytes.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde_json::Value;

use super::AppError;
use crate::analysis::stats::Summary;
use crate::metrics::{self, metric, METRICS};
use crate::output::manifest::to_text;
use crate::output::{num, Staging};
use crate::plot::{self, Band, Bar};

/// Metrics plotted and tabulated for comparisons and sweeps.
pub const PLOT_METRICS: &[&str] = &["s", "m", "formalism", "share_diligent", "output", "sanction_rate"];
/// Metrics shown as end-of-run bars in comparisons.
pub const BAR_METRICS: &[&str] = &["s", "formalism", "output", "sanction_rate", "wrongful_sanctions", "blame_ratio"];

fn label_of(name: &str) -> String {
    metric(name).map(|m| m.label.to_string()).unwrap_or_else(|| name.to_string())
}

/// Splits one CSV line (fields may be quoted).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn parse_num(s: &str) -> f64 {
    s.parse::<f64>().unwrap_or(f64::NAN)
}

/// Reads the rows file, calling `f` with each row's fields.
fn for_rows(path: &Path, mut f: impl FnMut(&[String]) -> Result<(), AppError>) -> Result<(), AppError> {
    let file = File::open(path).map_err(AppError::io(path))?;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(AppError::io(path))?;
        if i == 0 {
            continue;
        }
        f(&split_csv(&line))?;
    }
    Ok(())
}

fn summary_cells(s: &Summary) -> String {
    format!("{},{},{},{},{}", s.n, num(s.mean), num(s.sd), num(s.low), num(s.high))
}

/// Builds tables and plots from the rows file in the staging area, writes the manifest, commits.
pub fn finalize(manifest: &Value, mut staging: Staging, out: &mut dyn Write) -> Result<(), AppError> {
    let rows_file = manifest["rows_file"].as_str().unwrap_or("rows.csv").to_string();
    let rows = staging.path(&rows_file)?;
    // The report is printed only once the files are safely in place.
    let mut report: Vec<u8> = Vec::new();
    match manifest["command"].as_str() {
        Some("compare") => compare(manifest, &rows, &mut staging, &mut report)?,
        Some("sweep") => sweep(manifest, &rows, &mut staging, &mut report)?,
        Some("sensitivity") => super::sensitivity::finalize(manifest, &rows, &mut staging, &mut report)?,
        other => return Err(AppError::Usage(format!("unknown experiment kind {other:?} in the manifest"))),
    }
    staging.write("manifest.json", to_text(manifest).as_bytes())?;
    let dir = staging.dir().to_path_buf();
    staging.commit()?;
    out.write_all(&report)?;
    writeln!(out, "results written to {}", dir.display())?;
    Ok(())
}

/// The files a finished experiment of this kind writes (so shard manifests can list them).
pub fn expected_files(kind: &str, factors: usize, grid: bool) -> Vec<String> {
    let mut f: Vec<String> = match kind {
        "compare" => vec!["runs.csv", "timeseries.csv", "comparison.csv", "comparison.md"].into_iter().map(String::from).collect(),
        "sweep" => vec!["sweep.csv".to_string(), "sweep_summary.csv".to_string()],
        _ => vec!["sensitivity_runs.csv".into(), "sensitivity_design.csv".into(), "sensitivity_indices.csv".into()],
    };
    for stem in plot_stems(kind, factors, grid) {
        f.push(format!("plots/{stem}.png"));
        f.push(format!("plots/{stem}.svg"));
    }
    f.push("manifest.json".into());
    f
}

fn plot_stems(kind: &str, factors: usize, grid: bool) -> Vec<String> {
    match kind {
        "compare" => {
            let mut v = vec!["timeseries".to_string(), "shares".to_string()];
            v.extend(BAR_METRICS.iter().map(|m| format!("end_{m}")));
            v
        }
        "sweep" if factors == 1 => vec!["sweep".to_string()],
        "sweep" if factors == 2 && grid => PLOT_METRICS.iter().map(|m| format!("heatmap_{m}")).collect(),
        "sweep" => vec![],
        _ => vec!["sensitivity".to_string()],
    }
}

fn plot_path(staging: &mut Staging, stem: &str) -> Result<std::path::PathBuf, AppError> {
    let png = staging.path(&format!("plots/{stem}.png"))?;
    staging.adopt(&format!("plots/{stem}.svg"));
    Ok(png.with_extension(""))
}

struct PointData {
    label: String,
    periods: Vec<Vec<Vec<f64>>>,
    window: Vec<Vec<f64>>,
}

fn compare(manifest: &Value, rows: &Path, staging: &mut Staging, out: &mut dyn Write) -> Result<(), AppError> {
    let n_points = manifest["points"].as_array().map(|a| a.len()).unwrap_or(0);
    let periods = manifest["periods"].as_u64().unwrap_or(0) as usize;
    let first_metric = 5;
    let mut data: Vec<PointData> = (0..n_points)
        .map(|p| PointData {
            label: manifest["points"][p]["label"].as_str().unwrap_or("").to_string(),
            periods: vec![Vec::new(); periods],
            window: Vec::new(),
        })
        .collect();
    for_rows(rows, |f| {
        let p: usize = f[0].parse().unwrap_or(0);
        let t: usize = f[3].parse().unwrap_or(1);
        let values: Vec<f64> = f[first_metric..].iter().map(|s| parse_num(s)).collect();
        if let Some(d) = data.get_mut(p) {
            if f[4] == "1" {
                d.window.push(values);
            } else if let Some(slot) = d.periods.get_mut(t.saturating_sub(1)) {
                slot.push(values);
            }
        }
        Ok(())
    })?;
    let col = |vals: &[Vec<f64>], k: usize| -> Vec<f64> { vals.iter().map(|v| v[k]).collect() };

    // timeseries.csv
    let mut ts = String::from("point,scenario,period,metric,n,mean,sd,ci_low,ci_high\n");
    let mut per_period: Vec<Vec<Vec<Summary>>> = Vec::new();
    for (p, d) in data.iter().enumerate() {
        let mut sums = Vec::new();
        for (t, reps) in d.periods.iter().enumerate() {
            let row: Vec<Summary> = (0..METRICS.len()).map(|k| Summary::of(col(reps, k))).collect();
            for (m, s) in METRICS.iter().zip(&row) {
                ts.push_str(&format!("{p},{},{},{},{}\n", super::experiment::csv_field(&d.label), t + 1, m.name, summary_cells(s)));
            }
            sums.push(row);
        }
        per_period.push(sums);
    }
    staging.write("timeseries.csv", ts.as_bytes())?;

    // comparison.csv: window means and paired differences from the first scenario.
    let mut cmp = String::from("point,scenario,metric,n,mean,sd,ci_low,ci_high,diff,diff_ci_low,diff_ci_high\n");
    let window: Vec<Vec<Summary>> = data.iter().map(|d| (0..METRICS.len()).map(|k| Summary::of(col(&d.window, k))).collect()).collect();
    let diffs: Vec<Vec<Summary>> = data
        .iter()
        .map(|d| (0..METRICS.len()).map(|k| Summary::of(d.window.iter().zip(&data[0].window).map(|(a, b)| a[k] - b[k]))).collect())
        .collect();
    for (p, d) in data.iter().enumerate() {
        for (k, m) in METRICS.iter().enumerate() {
            let (w, df) = (&window[p][k], &diffs[p][k]);
            cmp.push_str(&format!(
                "{p},{},{},{},{},{},{}\n",
                super::experiment::csv_field(&d.label),
                m.name,
                summary_cells(w),
                num(df.mean),
                num(df.low),
                num(df.high)
            ));
        }
    }
    staging.write("comparison.csv", cmp.as_bytes())?;

    // comparison.md and the printed table.
    let window_len = manifest["window"].as_u64().unwrap_or(0);
    let reps = manifest["reps"].as_u64().unwrap_or(0);
    let mut md = format!(
        "End-of-run means (last {window_len} periods) with 95% intervals across {reps} replications; Δ is the paired difference from `{}` (common random numbers).\n\n",
        data.first().map(|d| d.label.as_str()).unwrap_or("")
    );
    md.push_str("| scenario |");
    for m in BAR_METRICS.iter().chain(["share_diligent"].iter()) {
        md.push_str(&format!(" {m} | Δ {m} |"));
    }
    md.push_str("\n|---|");
    for _ in 0..BAR_METRICS.len() + 1 {
        md.push_str("---|---|");
    }
    md.push('\n');
    for (p, d) in data.iter().enumerate() {
        md.push_str(&format!("| {} |", d.label));
        for m in BAR_METRICS.iter().chain(["share_diligent"].iter()) {
            let k = metrics::index(m);
            let (w, df) = (&window[p][k], &diffs[p][k]);
            let delta = if p == 0 { "—".to_string() } else { format!("{:+.3} [{:+.3}, {:+.3}]", df.mean, df.low, df.high) };
            md.push_str(&format!(" {:.3} [{:.3}, {:.3}] | {delta} |", w.mean, w.low, w.high));
        }
        md.push('\n');
    }
    staging.write("comparison.md", md.as_bytes())?;
    writeln!(out, "\n{md}")?;

    // Plots.
    let x: Vec<f64> = (1..=periods).map(|t| t as f64).collect();
    let panels: Vec<(String, Vec<Band>)> = PLOT_METRICS
        .iter()
        .map(|m| {
            let k = metrics::index(m);
            let bands = data
                .iter()
                .enumerate()
                .map(|(p, d)| Band {
                    label: d.label.clone(),
                    x: x.clone(),
                    mean: per_period[p].iter().map(|r| r[k].mean).collect(),
                    low: per_period[p].iter().map(|r| r[k].low).collect(),
                    high: per_period[p].iter().map(|r| r[k].high).collect(),
                })
                .collect();
            (label_of(m), bands)
        })
        .collect();
    let stem = plot_path(staging, "timeseries")?;
    plot::panel_time_series(&stem, "Cadre effort and outcomes by regime (mean, 95% interval)", "period (months)", &panels, 3)?;
    let share_panels: Vec<plot::SharesPanel> = data
        .iter()
        .enumerate()
        .map(|(p, d)| {
            let layer = |name: &str, label: &str| {
                (label.to_string(), per_period[p].iter().map(|r| r[metrics::index(name)].mean).collect::<Vec<f64>>())
            };
            (
                d.label.clone(),
                x.clone(),
                vec![
                    layer("share_avoiders", "avoiders (s < 0.25)"),
                    layer("share_minimal", "minimal"),
                    layer("share_diligent", "diligent (s ≥ 0.5)"),
                ],
            )
        })
        .collect();
    let stem = plot_path(staging, "shares")?;
    plot::stacked_shares_panels(
        &stem,
        "Avoiders, minimal and diligent cadres by regime",
        "period (months)",
        &share_panels,
        2.min(data.len().max(1)),
    )?;
    for m in BAR_METRICS {
        let k = metrics::index(m);
        let bars: Vec<Bar> = data
            .iter()
            .enumerate()
            .map(|(p, d)| Bar { label: d.label.clone(), mean: window[p][k].mean, low: window[p][k].low, high: window[p][k].high })
            .collect();
        let stem = plot_path(staging, &format!("end_{m}"))?;
        let title = format!("{} at the end of the run (last {window_len} periods, 95% interval)", metric(m).map(|x| x.doc).unwrap_or(m));
        plot::bars(&stem, &title, &label_of(m), &bars)?;
    }
    Ok(())
}

fn sweep(manifest: &Value, rows: &Path, staging: &mut Staging, out: &mut dyn Write) -> Result<(), AppError> {
    let factors: Vec<String> =
        manifest["factors"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default();
    let n_points = manifest["points"].as_array().map(|a| a.len()).unwrap_or(0);
    let first_metric = 2 + factors.len();
    // Rows come point by point: summarise each point when the next begins.
    let mut summary = String::from("point,");
    for f in &factors {
        summary.push_str(f);
        summary.push(',');
    }
    summary.push_str("metric,n,mean,sd,ci_low,ci_high\n");
    let mut means: Vec<Vec<Summary>> = Vec::with_capacity(n_points);
    let mut current: Vec<Vec<f64>> = Vec::new();
    let mut current_point: Option<usize> = None;
    let flush = |p: usize, reps: &mut Vec<Vec<f64>>, summary: &mut String, means: &mut Vec<Vec<Summary>>| {
        let values: Vec<f64> = manifest["points"][p]["values"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default();
        let row: Vec<Summary> = (0..METRICS.len()).map(|k| Summary::of(reps.iter().map(|r| r[k]))).collect();
        for (m, s) in METRICS.iter().zip(&row) {
            summary.push_str(&format!("{p},"));
            for v in &values {
                summary.push_str(&num(*v));
                summary.push(',');
            }
            summary.push_str(&format!("{},{}\n", m.name, summary_cells(s)));
        }
        means.push(row);
        reps.clear();
    };
    for_rows(rows, |f| {
        let p: usize = f[0].parse().unwrap_or(0);
        if current_point.is_some_and(|c| c != p) {
            flush(current_point.unwrap_or(0), &mut current, &mut summary, &mut means);
        }
        current_point = Some(p);
        current.push(f[first_metric..].iter().map(|s| parse_num(s)).collect());
        Ok(())
    })?;
    if let Some(p) = current_point {
        flush(p, &mut current, &mut summary, &mut means);
    }
    staging.write("sweep_summary.csv", summary.as_bytes())?;

    let values: Vec<Vec<f64>> = (0..n_points)
        .map(|p| {
            manifest["points"][p]["values"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
                .unwrap_or_default()
        })
        .collect();
    let grid = manifest["details"]["design"].as_str() == Some("grid");
    writeln!(out, "\n{} design points × {} replications", n_points, manifest["reps"])?;
    let shown = ["s", "formalism", "output", "sanction_rate"];
    write!(out, "  {}", factors.iter().map(|f| format!("{f:>22}")).collect::<String>())?;
    for m in shown {
        write!(out, " {m:>14}")?;
    }
    writeln!(out)?;
    for (p, row) in means.iter().enumerate().take(40) {
        write!(out, "  {}", values[p].iter().map(|v| format!("{v:>22.4}")).collect::<String>())?;
        for m in shown {
            write!(out, " {:>14.4}", row[metrics::index(m)].mean)?;
        }
        writeln!(out)?;
    }
    if means.len() > 40 {
        writeln!(out, "  ... ({} more in sweep_summary.csv)", means.len() - 40)?;
    }

    if factors.len() == 1 {
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
                    mean: order.iter().map(|&p| means[p][k].mean).collect(),
                    low: order.iter().map(|&p| means[p][k].low).collect(),
                    high: order.iter().map(|&p| means[p][k].high).collect(),
                };
                (label_of(m), vec![band])
            })
            .collect();
        let stem = plot_path(staging, "sweep")?;
        plot::panel_time_series(&stem, &format!("End-of-run outcomes against {}", factors[0]), &factors[0], &panels, 3)?;
    } else if factors.len() == 2 && grid {
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
                z[iy][ix] = means[p][k].mean;
            }
            let stem = plot_path(staging, &format!("heatmap_{m}"))?;
            let title = format!("{} (end-of-run mean)", metric(m).map(|x| x.doc).unwrap_or(m));
            plot::heatmap(&stem, &title, &factors[0], &factors[1], &xs, &ys, &z, &label_of(m))?;
        }
    }
    Ok(())
}
