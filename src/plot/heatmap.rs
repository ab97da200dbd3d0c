//! Heat map over a rectilinear grid, coloured with viridis, with a colour bar.

use std::iter::once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{self, Axis, Frame};
use super::output::Figure;
use super::style::{self, viridis, HEIGHT, INK, MISSING, WIDTH};
use super::PlotError;

/// Number of colour steps drawn in the colour bar.
const BAR_STEPS: usize = 200;
/// Width of the colour bar itself.
const BAR_W: u32 = 44;
/// Grids with at most this many values per axis get a tick at every value.
const MAX_VALUE_TICKS: usize = 12;

/// Checks shapes and coordinates before anything is written.
pub(crate) fn validate(xs: &[f64], ys: &[f64], z: &[Vec<f64>]) -> Result<(), PlotError> {
    if z.len() != ys.len() {
        return Err(PlotError::InvalidInput(format!("heatmap: {} rows of z for {} y values", z.len(), ys.len())));
    }
    if let Some((iy, row)) = z.iter().enumerate().find(|(_, r)| r.len() != xs.len()) {
        return Err(PlotError::InvalidInput(format!("heatmap: row {iy} of z has {} values for {} x values", row.len(), xs.len())));
    }
    for (name, c) in [("x", xs), ("y", ys)] {
        if c.iter().any(|v| !layout::ok(*v)) {
            return Err(PlotError::InvalidInput(format!("heatmap: {name} coordinates must be finite")));
        }
        let up = c.windows(2).all(|w| w[1] > w[0]);
        let down = c.windows(2).all(|w| w[1] < w[0]);
        if !(up || down) {
            return Err(PlotError::InvalidInput(format!("heatmap: {name} coordinates must be strictly increasing or decreasing")));
        }
    }
    Ok(())
}

/// Cell edges around the centres `c` (midpoints, extrapolated at the ends).
fn edges(c: &[f64]) -> Vec<f64> {
    match c {
        [] => vec![0.0, 1.0],
        [v] => {
            let d = if *v == 0.0 { 0.5 } else { v.abs() * 0.5 };
            vec![v - d, v + d]
        }
        _ => {
            let n = c.len();
            let mut e = Vec::with_capacity(n + 1);
            e.push(c[0] - (c[1] - c[0]) / 2.0);
            e.extend(c.windows(2).map(|w| (w[0] + w[1]) / 2.0));
            e.push(c[n - 1] + (c[n - 1] - c[n - 2]) / 2.0);
            e
        }
    }
}

/// Axis over the cell edges, with a tick at every grid value when there are
/// few enough of them to print (thinned if the labels would collide).
fn grid_axis(c: &[f64], e: &[f64], length_px: i32, horizontal: bool) -> Axis {
    let (lo, hi) = layout::bounds(e.iter().copied()).unwrap_or((0.0, 1.0));
    if c.is_empty() || c.len() > MAX_VALUE_TICKS {
        return Axis::fixed(lo, hi, 7);
    }
    let probe = Axis::at(lo, hi, c.to_vec());
    let f = layout::font(style::TICK);
    let need = c
        .iter()
        .map(|v| {
            let (w, h) = layout::measure(&f, &probe.label(*v));
            if horizontal {
                w + 16
            } else {
                h + 8
            }
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let per_tick = length_px / c.len() as i32;
    let stride = if per_tick >= need { 1 } else { ((need + per_tick - 1) / per_tick.max(1)) as usize };
    Axis::at(lo, hi, c.iter().step_by(stride.max(1)).copied().collect())
}

/// See [`super::heatmap`].
pub(crate) struct Heatmap<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub xs: &'a [f64],
    pub ys: &'a [f64],
    pub z: &'a [Vec<f64>],
    pub z_label: &'a str,
}

impl Figure for Heatmap<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (top, body) = root.split_vertically(layout::title_height(self.title));
        layout::draw_title(&top, self.title, style::TITLE, true)?;

        let values = self.z.iter().flatten().copied();
        let any = layout::bounds(values.clone()).is_some();
        let missing = values.clone().any(|v| !layout::ok(v)) || !any;
        let za = Axis::auto(values, 0.0, false, 6);
        let tick_font = layout::font(style::TICK);
        let z_tick_w = za.ticks.iter().map(|t| layout::measure(&tick_font, &za.label(*t)).0).max().unwrap_or(0);
        let desc_h = layout::measure(&layout::font(style::LABEL), "Ag").1;
        let bar_labels_w = (z_tick_w + 26 + desc_h + 40) as u32;
        let bar_area_w = 28 + BAR_W + bar_labels_w;
        let (main, bar_area) = body.split_horizontally(WIDTH - bar_area_w);

        let xe = edges(self.xs);
        let ye = edges(self.ys);
        let (main_w, main_h) = main.dim_in_pixel();
        // Rough plot size for tick thinning (label areas are ~150 px).
        let xa = grid_axis(self.xs, &xe, main_w as i32 - 200, true);
        let ya = grid_axis(self.ys, &ye, main_h as i32 - 150, false);
        let frame = Frame {
            x: &xa,
            y: &ya,
            x_label: self.x_label,
            y_label: self.y_label,
            x_grid: false,
            x_area: None,
            y_area: None,
            margin_top: 12,
            margin_right: 24,
        };
        let mut chart = layout::build_chart(&main, &frame)?;
        let span = |a: f64, b: f64, axis: &Axis| {
            let (a, b) = (axis.clamp(a), axis.clamp(b));
            (a.min(b), a.max(b))
        };
        let t = |v: f64| {
            if layout::ok(v) {
                (v - za.lo) / (za.hi - za.lo)
            } else {
                f64::NAN
            }
        };
        for (iy, row) in self.z.iter().enumerate() {
            let (y0, y1) = span(ye[iy], ye[iy + 1], &ya);
            chart.draw_series(row.iter().enumerate().map(|(ix, v)| {
                let (x0, x1) = span(xe[ix], xe[ix + 1], &xa);
                Rectangle::new([(x0, y0), (x1, y1)], viridis(t(*v)).filled())
            }))?;
        }
        if !any {
            layout::draw_no_data(&chart, &frame)?;
        }

        // Colour bar, aligned with the plotting area of the heat map.
        let bottom = frame.x_area_height() + 4;
        let ba = Axis::at(0.0, 1.0, Vec::new());
        let mut bar = ChartBuilder::on(&bar_area)
            .margin_top(12)
            .margin_bottom(bottom)
            .margin_left(28)
            .set_label_area_size(LabelAreaPosition::Right, bar_labels_w)
            .build_cartesian_2d(ba.coord(), za.coord())?;
        {
            let yfmt = |v: &f64| za.label(*v);
            let mut mesh = bar.configure_mesh();
            mesh.disable_mesh()
                .y_label_formatter(&yfmt)
                .y_label_style(layout::font(style::TICK).color(&INK))
                .axis_desc_style(layout::font(style::LABEL).color(&INK))
                .axis_style(INK.stroke_width(2))
                .set_all_tick_mark_size(8);
            if !self.z_label.is_empty() {
                mesh.y_desc(self.z_label);
            }
            mesh.draw()?;
        }
        if any {
            let step = (za.hi - za.lo) / BAR_STEPS as f64;
            bar.draw_series((0..BAR_STEPS).map(|i| {
                let z0 = za.lo + step * i as f64;
                Rectangle::new([(0.0, z0), (1.0, (z0 + step).min(za.hi))], viridis((i as f64 + 0.5) / BAR_STEPS as f64).filled())
            }))?;
        }
        bar.draw_series(once(Rectangle::new([(0.0, za.lo), (1.0, za.hi)], INK.stroke_width(1))))?;

        if missing {
            let (x0, y0) = bar.backend_coord(&(0.0, za.lo));
            // Just under the colour bar, inside the strip that lines up with
            // the x axis labels of the heat map (at least ~50 px high).
            let y = y0 + 14;
            let (bx, by) = bar_area.get_base_pixel();
            bar_area.draw(&Rectangle::new([(x0 - bx, y - by), (x0 - bx + 30, y - by + 30)], MISSING.filled()))?;
            let style = layout::font(style::TICK).color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
            layout::text_at(root, "no data", (x0 + 40, y + 15), style)?;
        }
        Ok(())
    }
}
