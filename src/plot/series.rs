//! Line charts with interval bands and stacked share charts, alone or as a
//! grid of small multiples.

use std::iter::once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{self, Axis, Coord, Frame, LegendItem, Swatch};
use super::output::Figure;
use super::style::{self, series_color, HEIGHT, WIDTH};
use super::{Band, PlotError, SharesPanel};

/// Series with at most this many points get a marker on every point.
const MARKER_MAX_POINTS: usize = 25;
/// Height of one panel of a small-multiple figure.
const PANEL_H: u32 = 470;

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
fn key(labels: &mut Vec<String>, label: &str) -> usize {
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
        .map(|(i, l)| LegendItem {
            label: l.clone(),
            color: series_color(i),
            swatch: if banded[i] { Swatch::LineBand } else { Swatch::Line },
        })
        .collect()
}

fn fill_items(labels: &[String]) -> Vec<LegendItem> {
    labels.iter().enumerate().map(|(i, l)| LegendItem { label: l.clone(), color: series_color(i), swatch: Swatch::Fill }).collect()
}

/// x and y axes covering `bands`.
fn band_axes(bands: &[Band], x_ticks: usize, y_ticks: usize) -> (Axis, Axis, bool) {
    let few = bands.iter().all(|b| b.x.iter().filter(|v| layout::ok(**v)).count() <= MARKER_MAX_POINTS);
    let xs = bands.iter().flat_map(|b| b.x.iter().copied());
    let x = Axis::auto(xs, if few { 0.03 } else { 0.0 }, false, x_ticks);
    let ys = bands.iter().flat_map(|b| {
        (0..b.x.len()).filter(|&k| layout::ok(b.x[k])).flat_map(move |k| {
            let mut v = vec![b.mean[k]];
            if has_band(b) {
                v.push(b.low[k]);
                v.push(b.high[k]);
            }
            v
        })
    });
    let any = bounds_any(bands);
    let y = Axis::auto(ys, 0.05, false, y_ticks);
    (x, y, any)
}

fn bounds_any(bands: &[Band]) -> bool {
    bands.iter().any(|b| {
        (0..b.x.len())
            .any(|k| layout::ok(b.x[k]) && (layout::ok(b.mean[k]) || (has_band(b) && (layout::ok(b.low[k]) || layout::ok(b.high[k])))))
    })
}

/// Draws the bands of all series first, then their lines and markers, so
/// that no band hides a line.
fn draw_bands<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coord>,
    bands: &[Band],
    colors: &[RGBColor],
    x: &Axis,
    y: &Axis,
) -> Result<(), PlotError> {
    let pt = |xv: f64, yv: f64| (x.clamp(xv), y.clamp(yv));
    for (b, &c) in bands.iter().zip(colors) {
        if !has_band(b) {
            continue;
        }
        let good = |k: usize| layout::ok(b.x[k]) && layout::ok(b.low[k]) && layout::ok(b.high[k]);
        for run in layout::runs(b.x.len(), good) {
            if run.len() >= 2 {
                let mut pts: Vec<(f64, f64)> = run.clone().map(|k| pt(b.x[k], b.high[k])).collect();
                pts.extend(run.clone().rev().map(|k| pt(b.x[k], b.low[k])));
                chart.draw_series(once(Polygon::new(pts, c.mix(style::BAND_ALPHA).filled())))?;
            } else {
                let k = run.start;
                chart.draw_series(once(PathElement::new(
                    vec![pt(b.x[k], b.low[k]), pt(b.x[k], b.high[k])],
                    c.mix(0.6).stroke_width(style::LINE_WIDTH),
                )))?;
            }
        }
    }
    for (b, &c) in bands.iter().zip(colors) {
        let n = b.x.len();
        let good = |k: usize| layout::ok(b.x[k]) && layout::ok(b.mean[k]);
        let markers = (0..n).filter(|&k| good(k)).count() <= MARKER_MAX_POINTS;
        for run in layout::runs(n, good) {
            if run.len() >= 2 {
                chart.draw_series(once(PathElement::new(
                    run.clone().map(|k| pt(b.x[k], b.mean[k])).collect::<Vec<_>>(),
                    c.stroke_width(style::LINE_WIDTH),
                )))?;
            }
            if markers || run.len() == 1 {
                chart.draw_series(run.map(|k| Circle::new(pt(b.x[k], b.mean[k]), 7, c.filled())))?;
            }
        }
    }
    Ok(())
}

/// See [`super::time_series`].
pub(crate) struct TimeSeries<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Band],
}

impl Figure for TimeSeries<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let labels: Vec<String> = self.series.iter().map(|b| b.label.clone()).collect();
        let banded: Vec<bool> = self.series.iter().map(has_band).collect();
        let items = line_items(&labels, &banded);
        let (top, rest) = root.split_vertically(layout::title_height(self.title));
        layout::draw_title(&top, self.title, style::TITLE, true)?;
        let (legend, plot) = rest.split_vertically(layout::legend_height(&items, WIDTH));
        layout::draw_legend(&legend, &items)?;

        let (x, y, any) = band_axes(self.series, 8, 6);
        let frame = Frame {
            x: &x,
            y: &y,
            x_label: self.x_label,
            y_label: self.y_label,
            x_grid: true,
            x_area: None,
            y_area: None,
            margin_top: 12,
            margin_right: 48,
        };
        let mut chart = layout::build_chart(&plot, &frame)?;
        if !any {
            layout::draw_no_data(&chart, &frame)?;
        }
        let colors: Vec<RGBColor> = (0..self.series.len()).map(series_color).collect();
        draw_bands(&mut chart, self.series, &colors, &x, &y)
    }
}

/// Layout of a grid of panels with a title, a shared legend and a shared
/// x description.
struct Grid {
    cols: usize,
    rows: usize,
    title_h: u32,
    legend_h: u32,
    xdesc_h: u32,
}

impl Grid {
    fn new(n: usize, columns: usize, title: &str, items: &[LegendItem], x_label: &str) -> Grid {
        let cols = columns.clamp(1, n.max(1));
        let rows = n.div_ceil(cols).max(1);
        Grid {
            cols,
            rows,
            title_h: layout::title_height(title),
            legend_h: layout::legend_height(items, WIDTH),
            xdesc_h: if x_label.is_empty() { 10 } else { (style::LABEL * 1.7) as u32 },
        }
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH, self.title_h + self.legend_h + self.xdesc_h + self.rows as u32 * PANEL_H)
    }

    /// Draws title, legend and x description; returns one area per panel
    /// (row-major) plus the panel title strip height.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        items: &[LegendItem],
        x_label: &str,
    ) -> Result<Vec<DrawingArea<DB, Shift>>, PlotError> {
        let (top, rest) = root.split_vertically(self.title_h);
        layout::draw_title(&top, title, style::TITLE, true)?;
        let (legend, rest) = rest.split_vertically(self.legend_h);
        layout::draw_legend(&legend, items)?;
        let grid_h = self.rows as u32 * PANEL_H;
        let (grid, bottom) = rest.split_vertically(grid_h);
        layout::draw_title(&bottom, x_label, style::LABEL, false)?;
        Ok(grid.split_evenly((self.rows, self.cols)))
    }
}

fn panel_frame<'s>(x: &'s Axis, y: &'s Axis) -> Frame<'s> {
    Frame { x, y, x_label: "", y_label: "", x_grid: true, x_area: None, y_area: None, margin_top: 8, margin_right: 40 }
}

/// The widest y label area among `frames`, so that all panels line up.
fn common_y_area<'s>(frames: impl Iterator<Item = Frame<'s>>) -> u32 {
    frames.map(|f| f.y_area_width()).max().unwrap_or(0)
}

/// Splits a panel cell into its title strip and its plot area.
fn panel_cell<DB: DrawingBackend>(cell: &DrawingArea<DB, Shift>, name: &str) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (head, body) = cell.split_vertically((style::PANEL_TITLE * 1.5) as u32);
    layout::draw_title(&head, name, style::PANEL_TITLE, false)?;
    Ok(body.margin(0, 0, 8, 8))
}

/// See [`super::panel_time_series`].
pub(crate) struct PanelTimeSeries<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub panels: &'a [(String, Vec<Band>)],
    pub columns: usize,
}

impl PanelTimeSeries<'_> {
    /// Series labels in order of first appearance, and whether each has a band.
    fn labels(&self) -> (Vec<String>, Vec<bool>) {
        let mut labels = Vec::new();
        let mut banded = Vec::new();
        for b in self.panels.iter().flat_map(|(_, bands)| bands) {
            let i = key(&mut labels, &b.label);
            if banded.len() <= i {
                banded.push(false);
            }
            banded[i] |= has_band(b);
        }
        (labels, banded)
    }

    fn grid(&self) -> (Grid, Vec<LegendItem>, Vec<String>) {
        let (labels, banded) = self.labels();
        let items = line_items(&labels, &banded);
        let grid = Grid::new(self.panels.len(), self.columns, self.title, &items, self.x_label);
        (grid, items, labels)
    }
}

impl Figure for PanelTimeSeries<'_> {
    fn size(&self) -> (u32, u32) {
        self.grid().0.size()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (grid, items, mut labels) = self.grid();
        let cells = grid.draw(root, self.title, &items, self.x_label)?;
        if self.panels.is_empty() {
            let (x, y) = (Axis::fixed(0.0, 1.0, 5), Axis::fixed(0.0, 1.0, 5));
            let frame = panel_frame(&x, &y);
            let chart = layout::build_chart(&cells[0], &frame)?;
            return layout::draw_no_data(&chart, &frame);
        }
        let axes: Vec<(Axis, Axis, bool)> = self.panels.iter().map(|(_, b)| band_axes(b, 4, 5)).collect();
        let y_area = common_y_area(axes.iter().map(|(x, y, _)| panel_frame(x, y)));
        for (((name, bands), cell), (x, y, any)) in self.panels.iter().zip(&cells).zip(&axes) {
            let body = panel_cell(cell, name)?;
            let mut frame = panel_frame(x, y);
            frame.y_area = Some(y_area);
            let any = *any;
            let mut chart = layout::build_chart(&body, &frame)?;
            if !any {
                layout::draw_no_data(&chart, &frame)?;
            }
            let colors: Vec<RGBColor> = bands.iter().map(|b| series_color(key(&mut labels, &b.label))).collect();
            draw_bands(&mut chart, bands, &colors, x, y)?;
        }
        Ok(())
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
}

impl Figure for StackedShares<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let labels: Vec<String> = self.layers.iter().map(|(l, _)| l.clone()).collect();
        let items = fill_items(&labels);
        let (top, rest) = root.split_vertically(layout::title_height(self.title));
        layout::draw_title(&top, self.title, style::TITLE, true)?;
        let (legend, plot) = rest.split_vertically(layout::legend_height(&items, WIDTH));
        layout::draw_legend(&legend, &items)?;
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
}

impl StackedSharesPanels<'_> {
    fn grid(&self) -> (Grid, Vec<LegendItem>, Vec<String>) {
        let mut labels = Vec::new();
        for (name, _) in self.panels.iter().flat_map(|(_, _, layers)| layers) {
            key(&mut labels, name);
        }
        let items = fill_items(&labels);
        let grid = Grid::new(self.panels.len(), self.columns, self.title, &items, self.x_label);
        (grid, items, labels)
    }
}

impl Figure for StackedSharesPanels<'_> {
    fn size(&self) -> (u32, u32) {
        self.grid().0.size()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (grid, items, mut labels) = self.grid();
        let cells = grid.draw(root, self.title, &items, self.x_label)?;
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
            let body = panel_cell(cell, name)?;
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
