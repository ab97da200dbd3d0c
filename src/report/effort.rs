//! The sanction-against-s table and figure of `run` and `compare`: the probability of being
//! sanctioned in a period for each action (s, m) of the grid ([`crate::exposure`]), written as
//! `sanction_by_effort.csv` and drawn as `plots/sanction_by_effort.{png,svg}`.
//!
//! The figure is always drawn from the table as read back from its file, so a run, a merge and
//! `cadresim plot DIR` draw it from the same numbers and write the same bytes.

use std::path::Path;

use crate::engine::Model;
use crate::error::Error;
use crate::exposure::{self, curve, ActionRisk, MaterialsChoice};
use crate::output::csv::{number, read_rows, whole, Table};
use crate::output::manifest::ExperimentManifest;
use crate::output::{num, Staging};
use crate::plot::{self, Band, EffortSanctions, FigureInfo, Interval};
use crate::scenario::Scenario;

/// File name of the table.
pub const CSV: &str = "sanction_by_effort.csv";
/// Stem of the figure under `plots/`.
pub const STEM: &str = "sanction_by_effort";

const HEADER: [&str; 10] = ["scenario", "seed", "s", "m", "innovate", "p", "ci_low", "ci_high", "sanctioned", "draws"];

/// The header of tables written before the `seed` column (still read, so `cadresim plot` redraws
/// an older run's figure): [`HEADER`] without it.
fn header_before_seed() -> Vec<String> {
    HEADER.iter().filter(|&&c| c != "seed").map(|c| c.to_string()).collect()
}

/// The risks of each scenario, `(scenario, risks in grid order)`.
pub type ScenarioRisks = (String, Vec<ActionRisk>);

/// `sanction_by_effort.csv`: one row per scenario and action; `seed` is the run's seed, from
/// which the table's shock draws are seeded (as in every other table of a run).
pub fn csv(seed: u64, entries: &[ScenarioRisks]) -> String {
    let mut t = Table::new(HEADER);
    for (name, risks) in entries {
        for r in risks {
            t.row([
                name.clone(),
                seed.to_string(),
                num(r.s),
                num(r.m),
                u8::from(r.innovate).to_string(),
                num(r.p),
                num(r.low),
                num(r.high),
                r.sanctioned.to_string(),
                r.draws.to_string(),
            ]);
        }
    }
    t.into_string()
}

/// Reads `sanction_by_effort.csv` back, scenarios in the order of their first row (the table
/// as written now, or as written before it had a `seed` column).
pub fn read(path: &Path) -> Result<Vec<ScenarioRisks>, Error> {
    let mut header = String::new();
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut header).map_err(Error::io(path))?;
    let before = header_before_seed();
    let old = header.trim_end() == before.join(",");
    // The seed column (second) moves every later column one to the right.
    let o = usize::from(!old);
    let head = if old { before } else { HEADER.map(String::from).to_vec() };
    let mut out: Vec<ScenarioRisks> = Vec::new();
    read_rows(path, Some(&head), |rec| {
        let name = rec.cells.get(0).unwrap_or("").to_string();
        if o == 1 {
            whole(path, rec, 1, "seed")?;
        }
        let innovate = match rec.cells.get(3 + o).unwrap_or("") {
            "1" => true,
            "0" => false,
            other => return Err(Error::data(path, Some(rec.line), format!("column innovate: {other:?} is not 0 or 1"))),
        };
        let r = ActionRisk {
            s: number(path, rec, 1 + o, "s")?,
            m: number(path, rec, 2 + o, "m")?,
            innovate,
            p: number(path, rec, 4 + o, "p")?,
            low: number(path, rec, 5 + o, "ci_low")?,
            high: number(path, rec, 6 + o, "ci_high")?,
            sanctioned: whole(path, rec, 7 + o, "sanctioned")?,
            draws: whole(path, rec, 8 + o, "draws")?,
        };
        match out.last_mut() {
            Some((n, v)) if *n == name => v.push(r),
            _ => out.push((name, vec![r])),
        }
        Ok(())
    })?;
    Ok(out)
}

fn band(label: String, points: &[ActionRisk]) -> Band {
    Band {
        label,
        x: points.iter().map(|r| r.s).collect(),
        mean: points.iter().map(|r| r.p).collect(),
        low: points.iter().map(|r| r.low).collect(),
        high: points.iter().map(|r| r.high).collect(),
    }
}

/// The figure's data: for one scenario a line for the safest paperwork at each s and one line
/// per materials share m; for several, one line per scenario at its safest paperwork.
pub fn figure(entries: &[ScenarioRisks]) -> EffortSanctions {
    let mut s_levels: Vec<f64> = entries.iter().flat_map(|(_, r)| r.iter().filter(|x| !x.innovate).map(|x| x.s)).collect();
    s_levels.sort_by(f64::total_cmp);
    s_levels.dedup();
    let draws = entries.iter().flat_map(|(_, r)| r.first()).map(|r| r.draws).max().unwrap_or(0);
    let safest = "safest paperwork: at each s the m with the lowest sanction probability";
    let (series, choice_note, title) = match entries {
        [(name, risks)] => {
            let best = curve(risks, MaterialsChoice::Safest);
            let whole = best.iter().all(|r| (r.s + r.m - 1.0).abs() < 1e-9);
            let label = if whole { "safest paperwork at each s (here m = 1 − s)" } else { "safest paperwork m at each s" };
            let mut series = vec![band(label.into(), &best)];
            for m in exposure::m_levels(risks) {
                series.push(band(format!("m = {}", trim(m)), &curve(risks, MaterialsChoice::Fixed(m))));
            }
            (
                series,
                format!("{safest}; the other lines hold paperwork m fixed"),
                format!("{}: sanction probability against substantive work s", plot::labels::scenario_label(name)),
            )
        }
        _ => (
            entries.iter().map(|(name, risks)| band(name.clone(), &curve(risks, MaterialsChoice::Safest))).collect(),
            format!("{safest} (the same rule for every scenario)"),
            "Sanction probability against substantive work s, at the safest paperwork".to_string(),
        ),
    };
    EffortSanctions {
        info: FigureInfo {
            title,
            replications: None,
            window: Some("one period".into()),
            interval: Interval::Wilson95,
            notes: vec![
                format!(
                    "each point: {draws} cadre-periods of the scenario's initial cadres judged by the model under its own shock draws, seeded from the run's seed, the same draws for every action"
                ),
                choice_note,
            ],
        },
        s_levels,
        series,
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Draws `plots_dir/sanction_by_effort.{png,svg}` from the table at `csv_path`.
pub fn render(csv_path: &Path, plots_dir: &Path) -> Result<(), Error> {
    let entries = read(csv_path)?;
    plot::sanction_by_effort(&plots_dir.join(STEM), &figure(&entries))?;
    Ok(())
}

/// The table and figure of a comparison: each scenario is rebuilt from the parameters its
/// manifest records, so `plot DIR` and a merge of shards compute the same table as the run.
pub(super) fn stage_compare(m: &ExperimentManifest, staging: &mut Staging) -> Result<(), Error> {
    let mut entries = Vec::with_capacity(m.scenarios.len());
    for (point, entry) in m.points.iter().zip(&m.scenarios) {
        let scenario = Scenario::from_json(&entry.name, &entry.description, &entry.parameters, "manifest.json")?;
        let model = Model::new(scenario.params()?);
        entries.push((point.label.clone(), exposure::sanction_by_action(&model, m.seed, exposure::DEFAULT_DRAWS)));
    }
    staging.write(CSV, csv(m.seed, &entries).as_bytes())?;
    let table = staging.path(CSV)?;
    let stem = super::plot_path(staging, STEM)?;
    let entries = read(&table)?;
    plot::sanction_by_effort(&stem, &figure(&entries))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_and_figure_has_one_line_per_scenario_or_per_m() {
        let r = |s: f64, m: f64, k: u64| ActionRisk::from_counts(s, m, false, k, 100);
        let a = vec![r(0.0, 0.0, 40), r(0.0, 0.5, 10), r(0.0, 1.0, 20), r(0.5, 0.0, 30), r(0.5, 0.5, 25), r(1.0, 0.0, 50)];
        let b = vec![r(0.0, 0.0, 1), r(0.0, 0.5, 2), r(0.0, 1.0, 3), r(0.5, 0.0, 4), r(0.5, 0.5, 5), r(1.0, 0.0, 6)];
        let entries = vec![("status_quo".to_string(), a), ("exempt".to_string(), b)];
        let dir = std::env::temp_dir().join(format!("cadresim-effort-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(CSV);
        let text = csv(7, &entries);
        assert!(text.starts_with("scenario,seed,s,m,") && text.lines().nth(1).unwrap().starts_with("status_quo,7,"), "{text}");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read(&path).unwrap(), entries);
        // A table written before the seed column is still read, to the same risks.
        let before: String = text
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(1);
                cells.join(",") + "\n"
            })
            .collect();
        std::fs::write(&path, before).unwrap();
        assert_eq!(read(&path).unwrap(), entries);
        let two = figure(&entries);
        assert_eq!(two.series.len(), 2);
        assert_eq!(two.s_levels, [0.0, 0.5, 1.0]);
        assert_eq!(two.series[0].mean, [0.1, 0.25, 0.5]);
        let one = figure(&entries[..1]);
        assert_eq!(one.series.len(), 1 + 3, "safest and m = 0, 0.5, 1");
        assert_eq!(one.series[3].label, "m = 1");
        assert_eq!(one.info.interval, Interval::Wilson95);
        let bad: String = csv(7, &entries)
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let mut cells: Vec<&str> = l.split(',').collect();
                if i > 0 {
                    cells[4] = "no";
                }
                cells.join(",") + "\n"
            })
            .collect();
        std::fs::write(&path, bad).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("column innovate"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
