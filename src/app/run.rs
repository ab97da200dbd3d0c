//! `cadresim run`: one scenario, many replications, result files and a printed summary.

use std::io::{BufWriter, Write};

use super::progress::{install_interrupt_handler, Bar};
use super::{load, with_threads, AppError};
use crate::analysis::runs::{summarise, RunSummary};
use crate::cli::RunArgs;
use crate::engine::{run_replications, Model, Progress, RepResult, Replication};
use crate::metrics::metric;
use crate::output::manifest::{manifest, to_text, RunFacts};
use crate::output::{num, tables, OutputError, Staging};

/// Metrics shown in the printed end-of-run table.
pub const KEY_METRICS: &[&str] = &[
    "s",
    "m",
    "slack",
    "formalism",
    "share_avoiders",
    "share_diligent",
    "output",
    "satisfaction",
    "sanction_rate",
    "wrongful_sanctions",
    "blame_ratio",
    "exemptions",
    "promotion_effort_corr",
];

/// Runs `cadresim run`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<(), AppError> {
    let (scenario, model) = load(&args.scenario, &args.common.sets)?;
    if args.cadre_output && args.out.is_none() {
        return Err(AppError::Usage("--cadre-output needs --out DIR".into()));
    }
    install_interrupt_handler();
    let mut staging = match &args.out {
        Some(d) => Some(Staging::new(d, args.common.force)?),
        None => None,
    };
    let p = &model.params;
    let c = &args.common;
    let total = c.reps * p.periods as u64 * p.total_cadres() as u64;
    let bar = Bar::new(total, c.quiet, &scenario.name);
    let cadre_path = match (&mut staging, args.cadre_output) {
        (Some(s), true) => Some(s.path("cadres.csv")?),
        _ => None,
    };
    let (results, threads) = with_threads(c.threads, || {
        let threads = rayon::current_num_threads();
        let r = match &cadre_path {
            Some(path) => run_with_cadre_rows(&model, c.seed, c.reps, path, &bar),
            None => run_replications(&model, c.seed, 0..c.reps, &bar).map_err(AppError::from),
        };
        (r, threads)
    })?;
    bar.finish();
    let results = results?;
    let summary = summarise(&results, p.window);

    if let Some(mut st) = staging {
        st.write("periods.csv", tables::periods_csv(&results).as_bytes())?;
        let summary_csv = tables::summary_csv(&summary);
        st.write("summary.csv", summary_csv.as_bytes())?;
        st.write("end.csv", tables::window_csv(&summary).as_bytes())?;
        if p.counties > 1 {
            st.write("counties.csv", tables::counties_csv(&results).as_bytes())?;
        }
        st.write("scenario.toml", scenario.resolved.to_toml().as_bytes())?;
        let plots = st.path("plots/timeseries.png")?.with_file_name("");
        for f in render_run_plots(&summary_csv, &scenario.name, &plots)? {
            st.adopt(&f);
        }
        let mut files = st.files().to_vec();
        files.push("manifest.json".into());
        let facts = RunFacts { command: "run", seed: c.seed, reps: c.reps, threads, files };
        let extra = serde_json::json!({ "window": p.window, "periods": p.periods, "cadres": p.total_cadres() });
        st.write("manifest.json", to_text(&manifest(&facts, &[&scenario], extra)).as_bytes())?;
        let dir = st.dir().to_path_buf();
        st.commit()?;
        writeln!(out, "results written to {}", dir.display())?;
    }
    print_summary(out, &scenario.name, &scenario.description, &model, c.reps, &summary)?;
    if args.out.is_none() {
        writeln!(out, "(nothing saved: add --out DIR to write CSV files and a manifest)")?;
    }
    Ok(())
}

/// Prints the end-of-run table.
pub fn print_summary(out: &mut dyn Write, name: &str, description: &str, model: &Model, reps: u64, s: &RunSummary) -> std::io::Result<()> {
    let p = &model.params;
    writeln!(out, "\n{name}: {description}")?;
    writeln!(
        out,
        "{} cadres x {} periods x {reps} replications; means over the last {} periods with 95% intervals across replications\n",
        p.total_cadres(),
        p.periods,
        s.window_len
    )?;
    writeln!(out, "  {:<24} {:>10}  {:>23}", "metric", "mean", "95% interval")?;
    for name in KEY_METRICS {
        let k = crate::metrics::index(name);
        let x = s.window[k];
        let interval = if x.low.is_nan() { "-".to_string() } else { format!("[{:.4}, {:.4}]", x.low, x.high) };
        writeln!(out, "  {:<24} {:>10}  {:>23}", name, fmt4(x.mean), interval)?;
    }
    Ok(())
}

fn fmt4(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.4}")
    }
}

/// Runs replications one after another, streaming one row per cadre and period to `path`
/// (memory does not grow with periods). Townships still run in parallel within a period.
fn run_with_cadre_rows(
    model: &Model,
    seed: u64,
    reps: u64,
    path: &std::path::Path,
    progress: &dyn Progress,
) -> Result<Vec<RepResult>, AppError> {
    let io = AppError::io(path);
    let file = std::fs::File::create(path).map_err(&io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    writeln!(
        w,
        "rep,period,county,township,cadre,s,m,innovate,ability,psi,corrupt,sanctioned,promoted,rank,block_left,fatigue,payoff,tenure"
    )
    .map_err(&io)?;
    let per_period = model.params.total_cadres() as u64;
    let mut results = Vec::new();
    let mut line = String::with_capacity(256);
    for rep in 0..reps {
        let mut r = Replication::new(model, seed, rep);
        let mut periods = Vec::with_capacity(model.params.periods);
        for t in 0..model.params.periods {
            if progress.cancelled() {
                return Err(AppError::Cancelled);
            }
            periods.push(r.step());
            for town in r.townships() {
                for (i, c) in town.cadres.iter().enumerate() {
                    let a = model.actions.actions[c.last_action as usize];
                    line.clear();
                    use std::fmt::Write as _;
                    let _ = writeln!(
                        line,
                        "{rep},{},{},{},{i},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        t + 1,
                        town.county + 1,
                        town.id + 1,
                        a.s,
                        a.m,
                        u8::from(a.innovate),
                        num(c.ability),
                        num(c.psi),
                        u8::from(c.corrupt),
                        u8::from(c.last_sanctioned),
                        u8::from(c.last_promoted),
                        c.rank,
                        c.block_left,
                        num(c.fatigue),
                        num(c.payoff),
                        c.tenure
                    );
                    w.write_all(line.as_bytes()).map_err(&io)?;
                }
            }
            progress.advance(per_period);
        }
        results.push(RepResult { rep, periods });
    }
    w.flush().map_err(&io)?;
    Ok(results)
}

/// Plots of a single run, rendered from its `summary.csv` text into `plots_dir`
/// (`timeseries` and `shares`, PNG and SVG). Returns the file names written, relative to the
/// output directory.
pub fn render_run_plots(summary_csv: &str, name: &str, plots_dir: &std::path::Path) -> Result<Vec<String>, AppError> {
    use crate::plot::{self, Band};
    let mut by_metric: std::collections::HashMap<String, Vec<(f64, f64, f64, f64)>> = std::collections::HashMap::new();
    for line in summary_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 7 {
            continue;
        }
        let p = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
        by_metric.entry(f[1].to_string()).or_default().push((p(f[0]), p(f[3]), p(f[5]), p(f[6])));
    }
    let series = |m: &str| by_metric.get(m).cloned().unwrap_or_default();
    let panels: Vec<(String, Vec<Band>)> = super::finalize::PLOT_METRICS
        .iter()
        .map(|m| {
            let s = series(m);
            let band = Band {
                label: name.to_string(),
                x: s.iter().map(|r| r.0).collect(),
                mean: s.iter().map(|r| r.1).collect(),
                low: s.iter().map(|r| r.2).collect(),
                high: s.iter().map(|r| r.3).collect(),
            };
            (metric(m).map(|x| x.label.to_string()).unwrap_or_else(|| m.to_string()), vec![band])
        })
        .collect();
    plot::panel_time_series(
        &plots_dir.join("timeseries"),
        &format!("{name}: effort and outcomes (mean, 95% interval)"),
        "period (months)",
        &panels,
        3,
    )?;
    let x: Vec<f64> = series("s").iter().map(|r| r.0).collect();
    let layer = |m: &str, label: &str| (label.to_string(), series(m).iter().map(|r| r.1).collect::<Vec<f64>>());
    let layers = vec![
        layer("share_avoiders", "avoiders (s < 0.25)"),
        layer("share_minimal", "minimal"),
        layer("share_diligent", "diligent (s ≥ 0.5)"),
    ];
    plot::stacked_shares(
        &plots_dir.join("shares"),
        &format!("{name}: avoiders, minimal and diligent cadres"),
        "period (months)",
        &x,
        &layers,
    )?;
    Ok(["timeseries", "shares"].iter().flat_map(|s| [format!("plots/{s}.png"), format!("plots/{s}.svg")]).collect())
}

/// `cadresim plot DIR` for a `run` directory: re-renders its plots from `summary.csv`.
pub fn plot_run(dir: &std::path::Path, out: &mut dyn Write) -> Result<(), AppError> {
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| AppError::Output(OutputError::io(&path, e)))?;
    let manifest: serde_json::Value =
        std::fs::read_to_string(dir.join("manifest.json")).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    let name = manifest["scenarios"][0]["name"].as_str().unwrap_or("run").to_string();
    let files = render_run_plots(&text, &name, &dir.join("plots"))?;
    writeln!(out, "re-rendered {} plot files in {}", files.len(), dir.join("plots").display())?;
    Ok(())
}
