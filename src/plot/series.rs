//! Line charts with interval bands and stacked share charts, alone or as a
//! grid of small multiples.
//!
//! Line charts take a [`YRange`]: shares and probabilities sit on a fixed
//! [0, 1] axis with their intervals clipped to it (and the caption says so
//! when anything was clipped); an automatic axis that does not reach zero is
//! labelled "y axis zoomed to [a, b]", so noise never passes for a trend
//! unannounced. Series are told apart by colour and, from the seventh on, by
//! dashes.

use std::iter::once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::labels;
use super::layout::{self, Axis, CaptionLine, Coord, Frame, LegendItem, Swatch};
use super::output::Figure;
use super::spec::{FigureInfo, LineFigure, PanelFigure, RefLine, YRange};
use super::style::{self, series_color, series_dash, HEIGHT, WIDTH};
use super::{Band, PlotError, SharesPanel};

/// Series with at most this many points get a marker on every point.
const MARKER_MAX_POINTS: usize = 25;
/// Height of one panel of a small-multiple figure.
pub(crate) const PANEL_H: u32 = 470;

/// Checks that every layer has one value per `x`.
pub(crate) fn validate_layers(what: &str, x: &[f64], layers: &[(String, Vec<f64>)]) -> Result<(), PlotError> {
    for (name, v) in layers {
        if v.len() != x.len() {
            return Err(PlotError::InvalidInput(format!("{what}: layer {name:?} has {} values for {} x values", v.len(), x.len())));
        }
    }
    Ok(())
}

/// Index of `label` in `labels`, appending it if new.
pub(crate) fn key(labels: &mut Vec<String>, label: &str) -> usize {
    match labels.iter().position(|l| l == label) {
        Some(i) => i,
        None => {
            labels.push(label.to_string());
            labels.len() - 1
        }
    }
}

fn has_band(b: &Band) -> bool {
    !b.low.is_empty() && !b.high.is_empty()
}

fn line_items(labels: &[String], banded: &[bool]) -> Vec<LegendItem> {
    labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| LegendItem::series(labels::scenario_label(l), i, if banded[i] { Swatch::LineBand } else { Swatch::Line }))
        .collect()
}

fn fill_items(labels: &[String]) -> Vec<LegendItem> {
    labels.iter().enumerate().map(|(i, l)| LegendItem::series(labels::scenario_label(l), i, Swatch::Fill)).collect()
}

/// Every plottable y value of `bands` (means and, where drawn, bounds).
fn band_values(bands: &[Band]) -> Vec<f64> {
    bands
        .iter()
        .flat_map(|b| {
            (0..b.x.len()).filter(|&k| layout::ok(b.x[k])).flat_map(move |k| {
                let mut v = vec![b.mean[k]];
                if has_band(b) {
                    v.push(b.low[k]);
                    v.push(b.high[k]);
                }
                v
            })
        })
        .filter(|v| layout::ok(*v))
        .collect()
}

fn bounds_any(bands: &[Band]) -> bool {
    bands.iter().any(|b| {
        (0..b.x.len())
            .any(|k| layout::ok(b.x[k]) && (layout::ok(b.mean[k]) || (has_band(b) && (layout::ok(b.low[k]) || layout::ok(b.high[k])))))
    })
}

/// The range `[lo, hi]` for notes, both ends with the decimals that give
/// its span two significant digits.
fn range_text(lo: f64, hi: f64) -> String {
    let span = (hi - lo).abs();
    let d = if span > 0.0 && span.is_finite() { (1 - span.log10().floor() as i32).clamp(0, 8) as usize } else { 2 };
    format!("[{lo:.d$}, {hi:.d$}]")
}

/// The axes of one line chart and what its caption must say about them.
pub(crate) struct LineAxes {
    pub x: Axis,
    pub y: Axis,
    pub any: bool,
    /// "y axis zoomed to [a, b]" when an automatic axis misses zero.
    pub zoom: Option<String>,
    /// "… clipped to [lo, hi]" when data left a fixed axis.
    pub clipped: Option<String>,
}

/// Axes for `bands` under `range`, covering the reference lines too.
pub(crate) fn line_axes(bands: &[Band], range: YRange, reference: &[RefLine], x_ticks: &[f64], nx: usize, ny: usize) -> LineAxes {
    let few = bands.iter().all(|b| b.x.iter().filter(|v| layout::ok(**v)).count() <= MARKER_MAX_POINTS);
    let xs: Vec<f64> = bands.iter().flat_map(|b| b.x.iter().copied()).chain(x_ticks.iter().copied()).collect();
    let mut x = Axis::auto(xs, if few { 0.03 } else { 0.0 }, false, nx);
    let ticks: Vec<f64> = x_ticks.iter().copied().filter(|t| layout::ok(*t)).collect();
    if !ticks.is_empty() {
        x = Axis::at(x.lo, x.hi, ticks);
    }
    let values = band_values(bands);
    let refs = reference.iter().map(|r| r.value).filter(|v| layout::ok(*v));
    let any = bounds_any(bands);
    let outside = |lo: f64, hi: f64| values.iter().any(|v| *v < lo - 1e-12 || *v > hi + 1e-12);
    let (y, zoom, clipped) = match range {
        YRange::Auto => {
            let y = Axis::auto(values.iter().copied().chain(refs), 0.05, false, ny);
            let zoom = (any && (y.lo > 0.0 || y.hi < 0.0)).then(|| format!("y axis zoomed to {}", range_text(y.lo, y.hi)));
            (y, zoom, None)
        }
        YRange::FromZero => {
            // Counts and ratios cannot be negative: the axis starts at 0 and
            // interval ends below it are clipped, and said to be.
            let y = Axis::auto(values.iter().copied().filter(|v| *v >= 0.0).chain(refs), 0.05, true, ny);
            let clipped = values.iter().any(|v| *v < 0.0).then(|| "intervals clipped at 0".to_string());
            (y, None, clipped)
        }
        YRange::Proportion => {
            let clipped = outside(0.0, 1.0).then(|| "intervals clipped to [0, 1]".to_string());
            (Axis::fixed(0.0, 1.0, ny.min(5)), None, clipped)
        }
        YRange::Fixed { lo, hi } => {
            let y = Axis::fixed(lo, hi, ny);
            let clipped = outside(y.lo, y.hi).then(|| format!("values outside {} clipped", range_text(y.lo, y.hi)));
            (y, None, clipped)
        }
    };
    LineAxes { x, y, any, zoom, clipped }
}

/// Draws the bands of all series first, then their lines and markers, so
/// that no band hides a line. `index[i]` gives series `i` its colour and
/// line pattern.
fn draw_bands<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coord>,
    bands: &[Band],
    index: &[usize],
    x: &Axis,
    y: &Axis,
) -> Result<(), PlotError> {
    let pt = |xv: f64, yv: f64| (x.clamp(xv), y.clamp(yv));
    // Many overlapping bands would add up to an opaque mass: thin them out.
    let banded = bands.iter().filter(|b| has_band(b)).count().max(1) as f64;
    let alpha = style::BAND_ALPHA.min(0.66 / banded);
    for (b, &i) in bands.iter().zip(index) {
        if !has_band(b) {
            continue;
        }
        let c = series_color(i);
        let good = |k: usize| layout::ok(b.x[k]) && layout::ok(b.low[k]) && layout::ok(b.high[k]);
        for run in layout::runs(b.x.len(), good) {
            if run.len() >= 2 {
                let mut pts: Vec<(f64, f64)> = run.clone().map(|k| pt(b.x[k], b.high[k])).collect();
                pts.extend(run.clone().rev().map(|k| pt(b.x[k], b.low[k])));
                chart.draw_series(once(Polygon::new(pts, c.mix(alpha).filled())))?;
            } else {
                let k = run.start;
                chart.draw_series(once(PathElement::new(
                    vec![pt(b.x[k], b.low[k]), pt(b.x[k], b.high[k])],
                    c.mix(0.6).stroke_width(style::LINE_WIDTH),
                )))?;
            }
        }
    }
    for (b, &i) in bands.iter().zip(index) {
        let (c, dash) = (series_color(i), series_dash(i));
        let n = b.x.len();
        let good = |k: usize| layout::ok(b.x[k]) && layout::ok(b.mean[k]);
        let markers = (0..n).filter(|&k| good(k)).count() <= MARKER_MAX_POINTS;
        for run in layout::runs(n, good) {
            if run.len() >= 2 {
                let pts: Vec<(i32, i32)> = run.clone().map(|k| chart.backend_coord(&pt(b.x[k], b.mean[k]))).collect();
                layout::styled_path(&chart.plotting_area().strip_coord_spec(), shift(chart, pts), c.stroke_width(style::LINE_WIDTH), dash)?;
            }
            if markers || run.len() == 1 {
                chart.draw_series(run.map(|k| Circle::new(pt(b.x[k], b.mean[k]), 7, c.filled())))?;
            }
        }
    }
    Ok(())
}

/// Absolute pixel points made relative to the chart's plotting area.
fn shift<DB: DrawingBackend>(chart: &ChartContext<DB, Coord>, pts: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let (bx, by) = chart.plotting_area().get_base_pixel();
    pts.into_iter().map(|(x, y)| (x - bx, y - by)).collect()
}

/// Draws each reference line dashed across the plot (`labels` false), or
/// its label at the right end just above the line on a white backing
/// (`labels` true, after the data so the label stays readable).
pub(crate) fn draw_reference<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coord>,
    reference: &[RefLine],
    x: &Axis,
    y: &Axis,
    labels: bool,
) -> Result<(), PlotError> {
    let grey = RGBColor(90, 90, 90);
    let area = chart.plotting_area().strip_coord_spec();
    let (bx, by) = area.get_base_pixel();
    for r in reference.iter().filter(|r| layout::ok(r.value) && r.value >= y.lo && r.value <= y.hi) {
        let a = chart.backend_coord(&(x.lo, r.value));
        let b = chart.backend_coord(&(x.hi, r.value));
        if !labels {
            layout::styled_path(&area, shift(chart, vec![a, b]), grey.stroke_width(3), style::Dash::Dashed)?;
            continue;
        }
        if r.label.is_empty() {
            continue;
        }
        let f = layout::font(style::ANNOTATION);
        let (w, h) = layout::measure(&f, &r.label);
        // Above the line, or below it when it runs along the top.
        let top = if a.1 - by < h + 16 { b.1 + 8 } else { b.1 - 8 - h };
        let (x0, y0) = (b.0 - 10 - w, top);
        area.draw(&Rectangle::new([(x0 - 4 - bx, y0 - 3 - by), (x0 + w + 4 - bx, y0 + h + 3 - by)], WHITE.mix(0.85).filled()))?;
        let style = f.color(&grey).pos(Pos::new(HPos::Left, VPos::Top));
        area.draw(&Text::new(r.label.clone(), (x0 - bx, y0 - by), style))?;
    }
    Ok(())
}

/// Draws each vertical reference line dashed from the bottom to the top of the
/// plot (lines outside the x axis are left out; their labels are in the caption).
pub(crate) fn draw_x_reference<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coord>,
    reference: &[RefLine],
    x: &Axis,
    y: &Axis,
) -> Result<(), PlotError> {
    let grey = RGBColor(90, 90, 90);
    let area = chart.plotting_area().strip_coord_spec();
    for r in reference.iter().filter(|r| layout::ok(r.value) && r.value >= x.lo && r.value <= x.hi) {
        let a = chart.backend_coord(&(r.value, y.lo));
        let b = chart.backend_coord(&(r.value, y.hi));
        layout::styled_path(&area, shift(chart, vec![a, b]), grey.stroke_width(3), style::Dash::Dashed)?;
    }
    Ok(())
}

/// Notes of the caption for the axes of a chart.
fn axis_notes(a: &LineAxes) -> Vec<String> {
    a.zoom.iter().chain(a.clipped.iter()).cloned().collect()
}

/// Splits `root` into title, legend, plot and caption strips; draws title,
/// legend and caption and returns the plot area.
pub(crate) fn chrome<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[LegendItem],
    caption: &[CaptionLine],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (top, rest) = root.split_vertically(layout::title_height(title));
    layout::draw_title(&top, title, style::TITLE, true)?;
    let (legend, rest) = rest.split_vertically(layout::legend_height(items, WIDTH));
    layout::draw_legend(&legend, items)?;
    let (_, rest_h) = rest.dim_in_pixel();
    let cap_h = layout::caption_height(caption, WIDTH);
    let (plot, bottom) = rest.split_vertically(rest_h.saturating_sub(cap_h));
    layout::draw_caption(&bottom, caption)?;
    Ok(plot)
}

/// A single line chart: see [`super::line_figure`] and [`super::time_series`].
pub(crate) struct LineChart<'a>(pub &'a LineFigure);

impl Figure for LineChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let f = self.0;
        let labels: Vec<String> = f.series.iter().map(|b| b.label.clone()).collect();
        let banded: Vec<bool> = f.series.iter().map(has_band).collect();
        let items = line_items(&labels, &banded);
        let axes = line_axes(&f.series, f.y_range, &f.reference, &f.x_ticks, 8, 6);
        let caption = f.info.caption(&axis_notes(&axes));
        let plot = chrome(root, &f.info.title, &items, &caption)?;
        let frame = Frame {
            x: &axes.x,
            y: &axes.y,
            x_label: &f.x_label,
            y_label: &f.y_label,
            x_grid: true,
            x_area: None,
            y_area: None,
            margin_top: 12,
            margin_right: 48,
        };
        let mut chart = layout::build_chart(&plot, &frame)?;
        if !axes.any {
            layout::draw_no_data(&chart, &frame)?;
        }
        draw_reference(&mut chart, &f.reference, &axes.x, &axes.y, false)?;
        let index: Vec<usize> = (0..f.series.len()).collect();
        draw_bands(&mut chart, &f.series, &index, &axes.x, &axes.y)?;
        draw_reference(&mut chart, &f.reference, &axes.x, &axes.y, true)
    }
}

/// Layout of a grid of panels with a title, a shared legend, a shared x
/// description and a caption.
pub(crate) struct Grid {
    pub cols: usize,
    pub rows: usize,
    title_h: u32,
    legend_h: u32,
    xdesc_h: u32,
    caption_h: u32,
}

impl Grid {
    pub fn new(n: usize, columns: usize, title: &str, items: &[LegendItem], x_label: &str, caption: &[CaptionLine]) -> Grid {
        let cols = columns.clamp(1, n.max(1));
        let rows = n.div_ceil(cols).max(1);
        let xdesc_h = if x_label.is_empty() {
            10
        } else {
            (layout::fit_text(x_label, style::LABEL, false, WIDTH as i32 - 80, 2).height(1.3) + (style::LABEL * 0.6) as i32) as u32
        };
        Grid {
            cols,
            rows,
            title_h: layout::title_height(title),
            legend_h: layout::legend_height(items, WIDTH),
            xdesc_h,
            caption_h: layout::caption_height(caption, WIDTH),
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, self.title_h + self.legend_h + self.xdesc_h + self.caption_h + self.rows as u32 * PANEL_H)
    }

    /// Draws title, legend, x description and caption; returns one area
    /// per panel (row-major).
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        items: &[LegendItem],
        x_label: &str,
        caption: &[CaptionLine],
    ) -> Result<Vec<DrawingArea<DB, Shift>>, PlotError> {
        let (top, rest) = root.split_vertically(self.title_h);
        layout::draw_title(&top, title, style::TITLE, true)?;
        let (legend, rest) = rest.split_vertically(self.legend_h);
        layout::draw_legend(&legend, items)?;
        let grid_h = self.rows as u32 * PANEL_H;
        let (grid, bottom) = rest.split_vertically(grid_h);
        let (xdesc, cap) = bottom.split_vertically(self.xdesc_h);
        layout::draw_title(&xdesc, x_label, style::LABEL, false)?;
        layout::draw_caption(&cap, caption)?;
        Ok(grid.split_evenly((self.rows, self.cols)))
    }
}

pub(crate) fn panel_frame<'s>(x: &'s Axis, y: &'s Axis) -> Frame<'s> {
    Frame { x, y, x_label: "", y_label: "", x_grid: true, x_area: None, y_area: None, margin_top: 8, margin_right: 40 }
}

/// The widest y label area among `frames`, so that all panels line up.
pub(crate) fn common_y_area<'s>(frames: impl Iterator<Item = Frame<'s>>) -> u32 {
    frames.map(|f| f.y_area_width()).max().unwrap_or(0)
}

/// Height of a panel's title strip (title plus an optional note line).
fn panel_head_h() -> u32 {
    (style::PANEL_TITLE * 1.5 + style::ANNOTATION * 1.1) as u32
}

/// Splits a panel cell into its title strip (title, and under it a small
/// grey `note` such as the zoom of its y axis) and its plot area.
pub(crate) fn panel_cell<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    name: &str,
    note: Option<&str>,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (head, body) = cell.split_vertically(panel_head_h());
    let (title, sub) = head.split_vertically((style::PANEL_TITLE * 1.5) as u32);
    layout::draw_title(&title, &labels::scenario_label(name), style::PANEL_TITLE, false)?;
    if let Some(note) = note {
        let (w, h) = sub.dim_in_pixel();
        let fit = layout::fit_text(note, style::ANNOTATION, false, w as i32 - 40, 1);
        let style = layout::font(fit.size).color(&style::CAPTION_INK).pos(Pos::new(HPos::Center, VPos::Center));
        sub.draw(&Text::new(note.to_string(), (w as i32 / 2, h as i32 / 2), style))?;
    }
    Ok(body.margin(0, 0, 8, 8))
}

/// A grid of line-chart panels: see [`super::panel_figure`].
pub(crate) struct PanelChart<'a>(pub &'a PanelFigure);

impl PanelChart<'_> {
    /// Series labels in order of first appearance, and whether each has a band.
    fn labels(&self) -> (Vec<String>, Vec<bool>) {
        let mut labels = Vec::new();
        let mut banded = Vec::new();
        for b in self.0.panels.iter().flat_map(|p| &p.series) {
            let i = key(&mut labels, &b.label);
            if banded.len() <= i {
                banded.push(false);
            }
            banded[i] |= has_band(b);
        }
        (labels, banded)
    }

    fn axes(&self) -> Vec<LineAxes> {
        self.0.panels.iter().map(|p| line_axes(&p.series, self.0.y_range, &self.0.reference, &[], 4, 5)).collect()
    }

    /// Caption notes: clipping anywhere is stated once.
    fn caption(&self, axes: &[LineAxes]) -> Vec<CaptionLine> {
        let mut notes: Vec<String> = Vec::new();
        for a in axes {
            if let Some(c) = &a.clipped {
                if !notes.contains(c) {
                    notes.push(c.clone());
                }
            }
        }
        if axes.iter().any(|a| a.zoom.is_some()) {
            notes.push("panels marked \"zoomed\" have y axes that do not start at 0".to_string());
        }
        for r in self.0.x_reference.iter().filter(|r| layout::ok(r.value) && !r.label.trim().is_empty()) {
            notes.push(format!("dashed vertical line: {}", r.label));
        }
        self.0.info.caption(&notes)
    }

    fn grid(&self) -> (Grid, Vec<LegendItem>, Vec<String>, Vec<LineAxes>, Vec<CaptionLine>) {
        let (labels, banded) = self.labels();
        let items = line_items(&labels, &banded);
        let axes = self.axes();
        let caption = self.caption(&axes);
        let grid = Grid::new(self.0.panels.len(), self.0.columns, &self.0.info.title, &items, &self.0.x_label, &caption);
        (grid, items, labels, axes, caption)
    }
}

impl Figure for PanelChart<'_> {
    fn size(&self) -> (u32, u32) {
        self.grid().0.size()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (grid, items, mut labels, axes, caption) = self.grid();
        let cells = grid.draw(root, &self.0.info.title, &items, &self.0.x_label, &caption)?;
        if self.0.panels.is_empty() {
            let (x, y) = (Axis::fixed(0.0, 1.0, 5), Axis::fixed(0.0, 1.0, 5));
            let frame = panel_frame(&x, &y);
            let chart = layout::build_chart(&cells[0], &frame)?;
            return layout::draw_no_data(&chart, &frame);
        }
        let y_label = self.0.y_label.as_str();
        let y_area = common_y_area(axes.iter().map(|a| Frame { y_label, ..panel_frame(&a.x, &a.y) }));
        for ((panel, cell), a) in self.0.panels.iter().zip(&cells).zip(&axes) {
            let body = panel_cell(cell, &panel.title, a.zoom.as_deref())?;
            let mut frame = panel_frame(&a.x, &a.y);
            frame.y_label = y_label;
            frame.y_area = Some(y_area);
            let mut chart = layout::build_chart(&body, &frame)?;
            if !a.any {
                layout::draw_no_data(&chart, &frame)?;
            }
            draw_reference(&mut chart, &self.0.reference, &a.x, &a.y, false)?;
            draw_x_reference(&mut chart, &self.0.x_reference, &a.x, &a.y)?;
            let index: Vec<usize> = panel.series.iter().map(|b| key(&mut labels, &b.label)).collect();
            draw_bands(&mut chart, &panel.series, &index, &a.x, &a.y)?;
            draw_reference(&mut chart, &self.0.reference, &a.x, &a.y, true)?;
        }
        Ok(())
    }
}

/// The [`LineFigure`] of the untyped [`super::time_series`] call: parameter
/// paths and metric names in the axis labels become their human names.
pub(crate) fn untyped_line(title: &str, x_label: &str, y_label: &str, series: &[Band]) -> LineFigure {
    LineFigure {
        info: FigureInfo::titled(title),
        x_label: labels::label_of(x_label),
        y_label: labels::label_of(y_label),
        series: series.to_vec(),
        ..LineFigure::default()
    }
}

/// Largest stacked total over the points where every layer is plottable.
fn stack_max(x: &[f64], layers: &[(String, Vec<f64>)]) -> Option<f64> {
    (0..x.len())
        .filter(|&k| layout::ok(x[k]) && layers.iter().all(|(_, v)| layout::ok(v[k])))
        .map(|k| layers.iter().map(|(_, v)| v[k].max(0.0)).sum::<f64>())
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
}

/// Axes of a stacked share chart: x over the data, y from 0 to 1 (or a bit
/// more if the shares add up to clearly more than one).
fn stack_axes(x: &[f64], layers: &[(String, Vec<f64>)], x_ticks: usize, y_ticks: usize) -> (Axis, Axis, bool) {
    let total = stack_max(x, layers);
    let top = match total {
        Some(t) if t > 1.02 => t * 1.03,
        _ => 1.0,
    };
    let xa = Axis::auto(x.iter().copied(), 0.0, false, x_ticks);
    (xa, Axis::fixed(0.0, top, y_ticks), total.is_some())
}

/// Draws stacked layers as filled polygons; negative values count as zero
/// and points where any layer is missing leave a gap.
fn draw_stack<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coord>,
    x: &[f64],
    layers: &[(String, Vec<f64>)],
    colors: &[RGBColor],
    xa: &Axis,
    ya: &Axis,
) -> Result<(), PlotError> {
    let good = |k: usize| layout::ok(x[k]) && layers.iter().all(|(_, v)| layout::ok(v[k]));
    let half = 0.004 * (xa.hi - xa.lo);
    for run in layout::runs(x.len(), good) {
        let mut lower = vec![0.0; run.len()];
        for ((_, vals), &c) in layers.iter().zip(colors) {
            let upper: Vec<f64> = lower.iter().zip(run.clone()).map(|(lo, k)| lo + vals[k].max(0.0)).collect();
            if run.len() >= 2 {
                let mut pts: Vec<(f64, f64)> = run.clone().zip(&upper).map(|(k, u)| (xa.clamp(x[k]), ya.clamp(*u))).collect();
                pts.extend(run.clone().rev().zip(lower.iter().rev()).map(|(k, l)| (xa.clamp(x[k]), ya.clamp(*l))));
                chart.draw_series(once(Polygon::new(pts, c.filled())))?;
            } else {
                let k = run.start;
                chart.draw_series(once(Rectangle::new(
                    [(xa.clamp(x[k] - half), ya.clamp(lower[0])), (xa.clamp(x[k] + half), ya.clamp(upper[0]))],
                    c.filled(),
                )))?;
            }
            lower = upper;
        }
        // Thin white seams make the boundaries between layers crisp.
        let mut cum = vec![0.0; run.len()];
        for (_, vals) in layers.iter().take(layers.len().saturating_sub(1)) {
            for (acc, k) in cum.iter_mut().zip(run.clone()) {
                *acc += vals[k].max(0.0);
            }
            if run.len() >= 2 {
                chart.draw_series(once(PathElement::new(
                    run.clone().zip(&cum).map(|(k, c)| (xa.clamp(x[k]), ya.clamp(*c))).collect::<Vec<_>>(),
                    WHITE.stroke_width(2),
                )))?;
            }
        }
    }
    Ok(())
}

/// See [`super::stacked_shares`].
pub(crate) struct StackedShares<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub x: &'a [f64],
    pub layers: &'a [(String, Vec<f64>)],
    pub caption: Vec<CaptionLine>,
}

impl Figure for StackedShares<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let labels: Vec<String> = self.layers.iter().map(|(l, _)| l.clone()).collect();
        let items = fill_items(&labels);
        let plot = chrome(root, self.title, &items, &self.caption)?;
        let (xa, ya, any) = stack_axes(self.x, self.layers, 8, 5);
        let frame = Frame {
            x: &xa,
            y: &ya,
            x_label: self.x_label,
            y_label: "share of cadres",
            x_grid: true,
            x_area: None,
            y_area: None,
            margin_top: 12,
            margin_right: 48,
        };
        let mut chart = layout::build_chart(&plot, &frame)?;
        if !any {
            return layout::draw_no_data(&chart, &frame);
        }
        let colors: Vec<RGBColor> = (0..self.layers.len()).map(series_color).collect();
        draw_stack(&mut chart, self.x, self.layers, &colors, &xa, &ya)
    }
}

/// See [`super::stacked_shares_panels`].
pub(crate) struct StackedSharesPanels<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub panels: &'a [SharesPanel],
    pub columns: usize,
    pub caption: Vec<CaptionLine>,
}

impl StackedSharesPanels<'_> {
    fn grid(&self) -> (Grid, Vec<LegendItem>, Vec<String>) {
        let mut labels = Vec::new();
        for (name, _) in self.panels.iter().flat_map(|(_, _, layers)| layers) {
            key(&mut labels, name);
        }
        let items = fill_items(&labels);
        let grid = Grid::new(self.panels.len(), self.columns, self.title, &items, self.x_label, &self.caption);
        (grid, items, labels)
    }
}

impl Figure for StackedSharesPanels<'_> {
    fn size(&self) -> (u32, u32) {
        self.grid().0.size()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (grid, items, mut labels) = self.grid();
        let cells = grid.draw(root, self.title, &items, self.x_label, &self.caption)?;
        if self.panels.is_empty() {
            let (x, y) = (Axis::fixed(0.0, 1.0, 5), Axis::fixed(0.0, 1.0, 5));
            let frame = panel_frame(&x, &y);
            let chart = layout::build_chart(&cells[0], &frame)?;
            return layout::draw_no_data(&chart, &frame);
        }
        let axes: Vec<(Axis, Axis, bool)> = self.panels.iter().map(|(_, x, layers)| stack_axes(x, layers, 4, 4)).collect();
        let y_area = common_y_area(axes.iter().map(|(x, y, _)| {
            let mut f = panel_frame(x, y);
            f.y_label = "share";
            f
        }));
        for (((name, x, layers), cell), (xa, ya, any)) in self.panels.iter().zip(&cells).zip(&axes) {
            let body = panel_cell(cell, name, None)?;
            let mut frame = panel_frame(xa, ya);
            frame.y_label = "share";
            frame.y_area = Some(y_area);
            let any = *any;
            let mut chart = layout::build_chart(&body, &frame)?;
            if !any {
                layout::draw_no_data(&chart, &frame)?;
                continue;
            }
            let colors: Vec<RGBColor> = layers.iter().map(|(l, _)| series_color(key(&mut labels, l))).collect();
            draw_stack(&mut chart, x, layers, &colors, xa, ya)?;
        }
        Ok(())
    }
}
