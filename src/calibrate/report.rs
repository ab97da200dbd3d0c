//! A calibration's results: rows of window means → per-point verdicts → tables (per point, per
//! pattern, accepted region, binding pattern, reform effects), `calibration.md` and the pair
//! plot. A function of the manifest and the rows alone, so an unsharded run, a merge and
//! `plot DIR` write the same bytes.

use std::fmt::Write as _;

use super::judge::{aggregate, judge_point, Aggregate, PointVerdicts, Status};
use super::pattern::{parse_condition, Condition};
use crate::error::Error;
use crate::experiment::Row;
use crate::metrics;
use crate::output::csv::Table;
use crate::output::manifest::{CalibrateDetails, CalibratePattern, ExperimentManifest};
use crate::output::{num, Staging};

/// A calibration's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    /// Parameter paths.
    pub factors: Vec<String>,
    /// The settings (patterns, scenarios, level, effects, bounds).
    pub details: CalibrateDetails,
    /// Replications per point.
    pub reps: u64,
    /// Periods in the end-of-run window.
    pub window: usize,
    /// Periods per run.
    pub periods: usize,
    /// Master seed.
    pub seed: u64,
    /// Verdicts at every design point.
    pub points: Vec<PointVerdicts>,
    /// Their aggregation.
    pub aggregate: Aggregate,
}

/// Accumulates a calibration's window rows.
pub struct Builder<'m> {
    m: &'m ExperimentManifest,
    d: &'m CalibrateDetails,
    /// `window[experiment point][rep]`: metric values.
    window: Vec<Vec<Vec<f64>>>,
}

impl<'m> Builder<'m> {
    /// A builder for this manifest and its calibration settings.
    pub fn new(m: &'m ExperimentManifest, d: &'m CalibrateDetails) -> Self {
        Builder { m, d, window: vec![Vec::new(); m.points.len()] }
    }

    /// Takes one row (window rows only).
    pub fn push(&mut self, row: Row) {
        if let (true, Some(w)) = (row.window, self.window.get_mut(row.point)) {
            w.push(row.values);
        }
    }

    /// Judges every design point.
    pub fn finish(self) -> Result<CalibrationReport, Error> {
        let d = self.d;
        let names: Vec<&str> = d.scenarios.iter().map(String::as_str).collect();
        let bad = |what: String| Error::Failed(format!("the calibration's manifest is inconsistent: {what}"));
        let mut patterns = Vec::new();
        for p in &d.patterns {
            let condition: Condition = parse_condition(&p.condition, &names).map_err(|e| bad(format!("pattern `{}`: {e}", p.name)))?;
            patterns.push(super::pattern::Pattern {
                name: p.name.clone(),
                finding: p.finding.clone(),
                doc: p.doc.clone(),
                text: p.condition.clone(),
                condition,
            });
        }
        let mut effects = Vec::new();
        for e in &d.effects {
            effects.push(metrics::metric(e).map(|_| metrics::index(e)).ok_or_else(|| bad(format!("unknown effect metric `{e}`")))?);
        }
        let ns = d.scenarios.len().max(1);
        if !self.m.points.len().is_multiple_of(ns) {
            return Err(bad(format!("{} experiment points are not a whole number of {} scenarios", self.m.points.len(), ns)));
        }
        let reps = self.m.reps as usize;
        let mut points = Vec::with_capacity(self.m.points.len() / ns);
        for dp in 0..self.m.points.len() / ns {
            let value = |metric: usize, k: usize, r: usize| -> f64 {
                self.window.get(dp * ns + k).and_then(|w| w.get(r)).and_then(|v| v.get(metric)).copied().unwrap_or(f64::NAN)
            };
            let values = self.m.points[dp * ns].values.clone();
            points.push(judge_point(&patterns, ns, &effects, values, reps, d.level, &value));
        }
        let aggregate = aggregate(&points, patterns.len(), self.m.factors.len());
        Ok(CalibrationReport {
            factors: self.m.factors.clone(),
            details: d.clone(),
            reps: self.m.reps,
            window: self.m.window,
            periods: self.m.periods,
            seed: self.m.seed,
            points,
            aggregate,
        })
    }
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        f64::NAN
    } else {
        n as f64 / of as f64
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "—".into()
    }
}

fn g(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "—".into()
    }
}

impl CalibrationReport {
    fn patterns(&self) -> &[CalibratePattern] {
        &self.details.patterns
    }

    /// `calibration_points.csv`: one row per design point and pattern (tidy).
    pub fn points_csv(&self) -> String {
        let mut head: Vec<String> = vec!["point".into()];
        head.extend(self.factors.iter().cloned());
        head.extend(["accepted", "pattern", "status", "diff", "diff_low", "diff_high"].map(String::from));
        let mut t = Table::new(head);
        for (i, p) in self.points.iter().enumerate() {
            let accepted = u8::from(p.accepted()).to_string();
            for (pat, v) in self.patterns().iter().zip(&p.verdicts) {
                let mut cells = vec![i.to_string()];
                cells.extend(self.factors.iter().zip(&p.values).map(|(f, x)| crate::output::param_cell(f, *x)));
                cells.extend([accepted.clone(), pat.name.clone(), v.status.name().to_string(), num(v.mean), num(v.low), num(v.high)]);
                t.row(&cells);
            }
        }
        t.into_string()
    }

    /// `calibration_patterns.csv`: per pattern, how often it holds, fails, is undecided or
    /// undefined.
    pub fn patterns_csv(&self) -> String {
        let mut t = Table::new([
            "pattern",
            "finding",
            "condition",
            "points",
            "holds",
            "fails",
            "undecided",
            "undefined",
            "share_holds",
            "share_fails",
            "share_undecided",
            "share_undefined",
        ]);
        let n = self.aggregate.points;
        for (p, c) in self.patterns().iter().zip(&self.aggregate.counts) {
            let mut cells = vec![p.name.clone(), p.finding.clone(), p.condition.clone(), n.to_string()];
            cells.extend(Status::ALL.iter().map(|s| c.of(*s).to_string()));
            cells.extend(Status::ALL.iter().map(|s| num(share(c.of(*s), n))));
            t.row(&cells);
        }
        t.into_string()
    }

    /// `calibration_region.csv`: per parameter, its range and min, quartiles and max over the
    /// accepted points.
    pub fn region_csv(&self) -> String {
        let mut t = Table::new(["parameter", "lo", "hi", "accepted", "min", "q25", "median", "q75", "max"]);
        for (j, f) in self.factors.iter().enumerate() {
            let [lo, hi] = self.details.bounds.get(j).copied().unwrap_or([f64::NAN; 2]);
            let mut cells = vec![f.clone(), num(lo), num(hi), self.aggregate.accepted.len().to_string()];
            cells.extend(self.aggregate.region[j].iter().map(|x| num(*x)));
            t.row(&cells);
        }
        t.into_string()
    }

    /// `calibration_binding.csv`: per pattern, at how many points it is the only one that does
    /// not hold.
    pub fn binding_csv(&self) -> String {
        let mut t = Table::new(["pattern", "only_missing", "near_points", "share_of_near"]);
        for (p, b) in self.patterns().iter().zip(&self.aggregate.binding) {
            t.row([p.name.clone(), b.to_string(), self.aggregate.near.to_string(), num(share(*b, self.aggregate.near))]);
        }
        t.into_string()
    }

    /// `calibration_effects.csv`: per reform scenario and effect metric, the spread of its mean
    /// paired difference from the baseline over the accepted points.
    pub fn effects_csv(&self) -> String {
        let mut t = Table::new(["scenario", "baseline", "metric", "accepted", "min", "q05", "median", "q95", "max"]);
        let base = self.details.scenarios.first().cloned().unwrap_or_default();
        for (s, name) in self.details.scenarios.iter().enumerate().skip(1) {
            for (e, metric) in self.details.effects.iter().enumerate() {
                let spread = self.aggregate.effects.get(s).and_then(|v| v.get(e)).copied().unwrap_or([f64::NAN; 5]);
                let mut cells = vec![name.clone(), base.clone(), metric.clone(), self.aggregate.accepted.len().to_string()];
                cells.extend(spread.iter().map(|x| num(*x)));
                t.row(&cells);
            }
        }
        t.into_string()
    }

    /// The binding pattern: the one most often the only one missing, with its count.
    pub fn binding(&self) -> Option<(&str, usize)> {
        let (k, n) = self.aggregate.binding.iter().enumerate().max_by_key(|(k, n)| (**n, usize::MAX - *k))?;
        (*n > 0).then(|| (self.patterns()[k].name.as_str(), *n))
    }

    /// `calibration.md`, also the printed report (without the undefined-point list's tail).
    pub fn markdown(&self) -> String {
        let d = &self.details;
        let a = &self.aggregate;
        let mut md = String::new();
        let _ = writeln!(md, "# Calibration against `{}`\n", d.patterns_file);
        let _ = writeln!(
            md,
            "{} design points ({} design, seed {}), {} replication(s) each of {} scenario(s) ({}) under common random numbers; \
             end-of-run means over the last {} of {} periods. A pattern holds at a point when the two-sided {}% t-interval of the \
             mean paired difference across replications lies entirely on the right side of 0.\n",
            a.points,
            d.design,
            self.seed,
            self.reps,
            d.scenarios.len(),
            d.scenarios.join(", "),
            self.window,
            self.periods,
            100.0 * d.level
        );
        let _ = writeln!(md, "**Accepted: {} of {} points ({}).**\n", a.accepted.len(), a.points, pct(share(a.accepted.len(), a.points)));
        md.push_str(
            "## Patterns\n\n| pattern | finding | condition | holds | fails | undecided | undefined |\n|---|---|---|---|---|---|---|\n",
        );
        for (p, c) in self.patterns().iter().zip(&a.counts) {
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | {} | {} | {} | {} |",
                p.name,
                p.finding,
                p.condition,
                pct(share(c.holds, a.points)),
                pct(share(c.fails, a.points)),
                pct(share(c.undecided, a.points)),
                pct(share(c.undefined, a.points))
            );
        }
        md.push_str("\n## Binding pattern\n\n");
        if a.near == 0 {
            md.push_str("No point satisfies all patterns but one.\n");
        } else {
            let _ = writeln!(md, "At {} point(s) every pattern but one holds; the one missing:\n", a.near);
            md.push_str("| pattern | points where it is the only one missing | share |\n|---|---|---|\n");
            let mut order: Vec<usize> = (0..a.binding.len()).collect();
            order.sort_by_key(|&k| std::cmp::Reverse(a.binding[k]));
            for k in order.into_iter().filter(|&k| a.binding[k] > 0) {
                let _ = writeln!(md, "| {} | {} | {} |", self.patterns()[k].name, a.binding[k], pct(share(a.binding[k], a.near)));
            }
        }
        md.push_str("\n## Accepted region\n\n");
        if a.accepted.is_empty() {
            md.push_str("Empty: no design point satisfies every pattern.\n");
        } else {
            md.push_str("| parameter | range | min | 25% | median | 75% | max |\n|---|---|---|---|---|---|---|\n");
            for (j, f) in self.factors.iter().enumerate() {
                let [lo, hi] = d.bounds.get(j).copied().unwrap_or([f64::NAN; 2]);
                let r = &a.region[j];
                let _ =
                    writeln!(md, "| `{f}` | {} – {} | {} | {} | {} | {} | {} |", g(lo), g(hi), g(r[0]), g(r[1]), g(r[2]), g(r[3]), g(r[4]));
            }
        }
        if d.scenarios.len() > 1 && !d.effects.is_empty() {
            let _ = writeln!(
                md,
                "\n## Reform effects over the accepted region\n\nMean paired difference from `{}` at each accepted point; its spread over the accepted points.\n",
                d.scenarios[0]
            );
            if a.accepted.is_empty() {
                md.push_str("None: the accepted region is empty.\n");
            } else {
                md.push_str("| scenario | metric | min | 5% | median | 95% | max |\n|---|---|---|---|---|---|---|\n");
                for (s, name) in d.scenarios.iter().enumerate().skip(1) {
                    for (e, m) in d.effects.iter().enumerate() {
                        let r = a.effects.get(s).and_then(|v| v.get(e)).copied().unwrap_or([f64::NAN; 5]);
                        let _ = writeln!(md, "| {name} | Δ {m} | {} | {} | {} | {} | {} |", g(r[0]), g(r[1]), g(r[2]), g(r[3]), g(r[4]));
                    }
                }
            }
        }
        let undefined: Vec<(usize, &str)> = self
            .points
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                p.verdicts
                    .iter()
                    .zip(self.patterns())
                    .filter(|(v, _)| v.status == Status::Undefined)
                    .map(move |(_, pat)| (i, pat.name.as_str()))
            })
            .collect();
        if !undefined.is_empty() {
            let _ = writeln!(
                md,
                "\n## Undefined verdicts\n\nA metric was undefined (NaN) in some replication at {} (point, pattern) pair(s):\n",
                undefined.len()
            );
            md.push_str("| point | pattern |");
            for f in &self.factors {
                let _ = write!(md, " {f} |");
            }
            md.push_str("\n|---|---|");
            md.push_str(&"---|".repeat(self.factors.len()));
            md.push('\n');
            for (i, name) in undefined.iter().take(50) {
                let _ = write!(md, "| {i} | {name} |");
                for x in &self.points[*i].values {
                    let _ = write!(md, " {} |", g(*x));
                }
                md.push('\n');
            }
            if undefined.len() > 50 {
                let _ = writeln!(md, "\n({} more in calibration_points.csv)", undefined.len() - 50);
            }
        }
        md
    }

    /// A short terminal summary.
    pub fn text(&self) -> String {
        let a = &self.aggregate;
        let mut s =
            format!("\ncalibration: {} of {} points accepted ({})\n", a.accepted.len(), a.points, pct(share(a.accepted.len(), a.points)));
        let w = self.patterns().iter().map(|p| p.name.len()).max().unwrap_or(8);
        for (p, c) in self.patterns().iter().zip(&a.counts) {
            let _ = writeln!(
                s,
                "  {:w$}  holds {:>6}  fails {:>6}  undecided {:>6}  undefined {:>6}",
                p.name,
                pct(share(c.holds, a.points)),
                pct(share(c.fails, a.points)),
                pct(share(c.undecided, a.points)),
                pct(share(c.undefined, a.points))
            );
        }
        match self.binding() {
            Some((name, n)) => {
                let _ = writeln!(s, "binding pattern: {name} (the only one missing at {n} of {} near-accepted points)", a.near);
            }
            None => s.push_str("binding pattern: none (no point misses exactly one pattern)\n"),
        }
        s
    }

    /// Writes the tables into the staging area.
    pub fn write_tables(&self, staging: &mut Staging) -> Result<(), Error> {
        staging.write("calibration_points.csv", self.points_csv().as_bytes())?;
        staging.write("calibration_patterns.csv", self.patterns_csv().as_bytes())?;
        staging.write("calibration_region.csv", self.region_csv().as_bytes())?;
        staging.write("calibration_binding.csv", self.binding_csv().as_bytes())?;
        staging.write("calibration_effects.csv", self.effects_csv().as_bytes())?;
        staging.write("calibration.md", self.markdown().as_bytes())?;
        Ok(())
    }

    /// Renders the pair plot into the staging area.
    pub fn figures(&self, staging: &mut Staging) -> Result<(), Error> {
        let png = staging.path("plots/pairs.png")?;
        staging.adopt("plots/pairs.svg");
        let a = &self.aggregate;
        let fig = crate::plot::PairFigure {
            info: crate::plot::FigureInfo {
                title: format!("Calibration: parameter sets where every pattern holds ({} of {} points)", a.accepted.len(), a.points),
                replications: Some(self.reps as usize),
                window: Some(format!("last {} of {} periods", self.window, self.periods)),
                interval: crate::plot::Interval::None,
                notes: vec![format!(
                    "the panel in row i and column j plots parameter i (up) against parameter j (across), each over its range; {} design of {} points; patterns judged by {}% paired t-intervals across replications",
                    self.details.design,
                    a.points,
                    100.0 * self.details.level
                )],
            },
            names: self.factors.clone(),
            bounds: self.details.bounds.clone(),
            points: self.points.iter().map(|p| p.values.clone()).collect(),
            accepted: self.points.iter().map(PointVerdicts::accepted).collect(),
        };
        crate::plot::pair_figure(&png.with_extension(""), &fig)?;
        Ok(())
    }
}
