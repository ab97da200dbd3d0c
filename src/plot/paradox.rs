//! The paradox figures: who gets sanctioned for how much work. Sanction
//! rates by effort class over time, the blame ratio with its reference line
//! at 1, sanction probability against substantive work across the action
//! grid, and paired differences between scenarios.
//!
//! The first three are line charts with fixed conventions (a [0, 1] axis for
//! rates and probabilities, an axis from 0 for the ratio) built on
//! [`super::series`]; the paired differences are a small-multiple dot plot
//! drawn here.

use std::iter::once;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{self, Axis, CaptionLine, LegendItem, Swatch};
use super::output::{self, Figure};
use super::series::{self, common_y_area, key, panel_cell, panel_frame, Grid};
use super::spec::{BlameRatio, ClassSanctions, EffortSanctions, LineFigure, PairedDifferences, PanelFigure, RefLine, YRange};
use super::style::{series_color, series_marker, INK};
use super::{labels, PlotError};

/// Y description of sanction-rate figures.
const SANCTION_RATE: &str = "share sanctioned per period";

/// See [`super::sanction_by_class`].
pub(crate) fn sanction_by_class(stem: &Path, fig: &ClassSanctions) -> Result<Vec<PathBuf>, PlotError> {
    if let [only] = fig.scenarios.as_slice() {
        let mut info = fig.info.clone();
        if !only.title.is_empty() {
            info.notes.insert(0, format!("scenario: {}", labels::scenario_label(&only.title)));
        }
        let line = LineFigure {
            info,
            x_label: fig.x_label.clone(),
            y_label: SANCTION_RATE.to_string(),
            series: only.series.clone(),
            y_range: YRange::Proportion,
            ..LineFigure::default()
        };
        return output::render(stem, &series::LineChart(&line));
    }
    let panels = PanelFigure {
        info: fig.info.clone(),
        x_label: fig.x_label.clone(),
        y_label: "share sanctioned".to_string(),
        panels: fig.scenarios.clone(),
        columns: 2,
        y_range: YRange::Proportion,
        reference: Vec::new(),
        x_reference: Vec::new(),
    };
    output::render(stem, &series::PanelChart(&panels))
}

/// See [`super::blame_ratio`].
pub(crate) fn blame_ratio(stem: &Path, fig: &BlameRatio) -> Result<Vec<PathBuf>, PlotError> {
    let line = LineFigure {
        info: fig.info.clone(),
        x_label: fig.x_label.clone(),
        y_label: labels::metric_label("blame_ratio"),
        series: fig.series.clone(),
        y_range: YRange::FromZero,
        reference: vec![RefLine { value: 1.0, label: "1 = equal sanction rates".to_string() }],
        x_ticks: Vec::new(),
    };
    output::render(stem, &series::LineChart(&line))
}

/// See [`super::sanction_by_effort`].
pub(crate) fn sanction_by_effort(stem: &Path, fig: &EffortSanctions) -> Result<Vec<PathBuf>, PlotError> {
    let line = LineFigure {
        info: fig.info.clone(),
        x_label: labels::metric_label("s"),
        y_label: "sanction probability per period".to_string(),
        series: fig.series.clone(),
        y_range: YRange::Proportion,
        reference: Vec::new(),
        x_ticks: fig.s_levels.clone(),
    };
    output::render(stem, &series::LineChart(&line))
}

/// See [`super::paired_differences`].
pub(crate) struct Differences<'a>(pub &'a PairedDifferences);

impl Differences<'_> {
    fn scenarios(&self) -> Vec<String> {
        let mut names = Vec::new();
        for b in self.0.metrics.iter().flat_map(|m| &m.diffs) {
            key(&mut names, &b.label);
        }
        names
    }

    fn caption(&self) -> Vec<CaptionLine> {
        let base = labels::scenario_label(&self.0.baseline);
        let note = if base.is_empty() {
            "Δ\u{a0}=\u{a0}scenario\u{a0}−\u{a0}baseline; a whisker crossing the zero line is no clear difference".to_string()
        } else {
            format!("Δ\u{a0}=\u{a0}scenario\u{a0}−\u{a0}{base}; a whisker crossing the zero line is no clear difference")
        };
        self.0.info.caption(&[note])
    }

    fn grid(&self) -> (Grid, Vec<LegendItem>, Vec<String>, Vec<CaptionLine>) {
        let names = self.scenarios();
        let items: Vec<LegendItem> =
            names.iter().enumerate().map(|(i, n)| LegendItem::series(labels::scenario_label(n), i + 1, Swatch::Point)).collect();
        let caption = self.caption();
        let columns = if self.0.columns == 0 { 3 } else { self.0.columns };
        let grid = Grid::new(self.0.metrics.len(), columns, &self.0.info.title, &items, "", &caption);
        (grid, items, names, caption)
    }
}

impl Figure for Differences<'_> {
    fn size(&self) -> (u32, u32) {
        self.grid().0.size()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (grid, items, mut names, caption) = self.grid();
        let cells = grid.draw(root, &self.0.info.title, &items, "", &caption)?;
        let k = names.len().max(1);
        let x = Axis::at(-0.5, k as f64 - 0.5, Vec::new());
        let axes: Vec<Axis> = self
            .0
            .metrics
            .iter()
            .map(|m| {
                let v = m.diffs.iter().filter(|b| layout::ok(b.mean)).flat_map(|b| [b.mean, b.low, b.high]);
                Axis::auto(v, 0.08, true, 5)
            })
            .collect();
        let y_area = common_y_area(axes.iter().map(|y| panel_frame(&x, y)));
        if self.0.metrics.is_empty() {
            let y = Axis::fixed(0.0, 1.0, 5);
            let frame = panel_frame(&x, &y);
            let chart = layout::build_chart(&cells[0], &frame)?;
            return layout::draw_no_data(&chart, &frame);
        }
        for ((m, cell), y) in self.0.metrics.iter().zip(&cells).zip(&axes) {
            let body = panel_cell(cell, &format!("Δ {}", m.metric), None)?;
            let mut frame = panel_frame(&x, y);
            frame.x_grid = false;
            frame.x_area = Some(16);
            frame.y_area = Some(y_area);
            let mut chart = layout::build_chart(&body, &frame)?;
            chart.draw_series(once(PathElement::new(vec![(x.lo, 0.0), (x.hi, 0.0)], INK.stroke_width(2))))?;
            if !m.diffs.iter().any(|b| layout::ok(b.mean)) {
                layout::draw_no_data(&chart, &frame)?;
            }
            for b in &m.diffs {
                let i = key(&mut names, &b.label);
                let c = series_color(i + 1);
                let cx = i as f64;
                if layout::ok(b.low) && layout::ok(b.high) {
                    let (lo, hi) = (y.clamp(b.low), y.clamp(b.high));
                    let cap = 0.12;
                    chart.draw_series(once(PathElement::new(vec![(cx, lo), (cx, hi)], c.stroke_width(4))))?;
                    for v in [lo, hi] {
                        chart.draw_series(once(PathElement::new(vec![(cx - cap, v), (cx + cap, v)], c.stroke_width(4))))?;
                    }
                }
                if layout::ok(b.mean) {
                    let p = chart.backend_coord(&(cx, y.clamp(b.mean)));
                    let area = chart.plotting_area().strip_coord_spec();
                    let (bx, by) = area.get_base_pixel();
                    layout::draw_marker(&area, (p.0 - bx, p.1 - by), 11, c, series_marker(i + 1))?;
                }
            }
        }
        Ok(())
    }
}
