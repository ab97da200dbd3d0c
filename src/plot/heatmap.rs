//! Heat map over a rectilinear grid, coloured with viridis (or, for
//! differences, a diverging blue–red map centred on 0), with a colour bar
//! whose ticks and label always fit on the canvas, an optional outlined
//! cell and, on small grids, each cell's value printed in it.

use std::iter::once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use plotters::style::FontTransform;

use super::layout::{self, Axis, Frame};
use super::output::Figure;
use super::series;
use super::spec::HeatmapFigure;
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

/// Paul Tol's BuRd diverging scheme (colour-blind safe), blue for negative
/// and red for positive values, white at 0.
const BURD: [[u8; 3]; 9] = [
    [0x21, 0x66, 0xAC],
    [0x43, 0x93, 0xC3],
    [0x92, 0xC5, 0xDE],
    [0xD1, 0xE5, 0xF0],
    [0xF7, 0xF7, 0xF7],
    [0xFD, 0xDB, 0xC7],
    [0xF4, 0xA5, 0x82],
    [0xD6, 0x60, 0x4D],
    [0xB2, 0x18, 0x2B],
];

/// Diverging colour for `t` in `[0, 1]` (0.5 is white); NaN is grey.
pub(crate) fn diverging(t: f64) -> RGBColor {
    if t.is_nan() {
        return MISSING;
    }
    let pos = t.clamp(0.0, 1.0) * (BURD.len() - 1) as f64;
    let k = (pos.floor() as usize).min(BURD.len() - 2);
    let f = pos - k as f64;
    let ch = |j: usize| (f64::from(BURD[k][j]) + (f64::from(BURD[k + 1][j]) - f64::from(BURD[k][j])) * f).round() as u8;
    RGBColor(ch(0), ch(1), ch(2))
}

/// Perceived lightness of a colour in 0..=255.
fn luma(c: RGBColor) -> f64 {
    0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)
}

/// Decimals that give the largest magnitude in `z` three significant
/// digits (at most four), shared by every cell so the numbers line up.
fn cell_decimals(z: &[Vec<f64>]) -> usize {
    let big = z.iter().flatten().filter(|v| layout::ok(**v)).fold(0.0f64, |m, v| m.max(v.abs()));
    if big == 0.0 {
        return 0;
    }
    (2 - big.log10().floor() as i32).clamp(0, 4) as usize
}

/// A cell value with `d` decimals, in scientific notation when it is huge
/// or tiny.
fn cell_text(v: f64, d: usize) -> String {
    let mag = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
    if !(-4..6).contains(&mag) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.d$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A grid coordinate as short as it can be printed exactly (up to four
/// decimals), e.g. `2` rather than `2.00`.
fn coord_text(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Grids with at most this many cells per axis get their values printed.
const MAX_VALUE_CELLS: usize = 12;

/// See [`super::heatmap_figure`] and [`super::heatmap`].
pub(crate) struct Heatmap<'a>(pub &'a HeatmapFigure);

impl Heatmap<'_> {
    /// The colour scale and the colour of a normalised value.
    fn scale(&self) -> (Axis, fn(f64) -> RGBColor) {
        let f = self.0;
        let values = f.z.iter().flatten().copied();
        if f.diverging {
            let m = values.filter(|v| layout::ok(*v)).fold(0.0f64, |m, v| m.max(v.abs()));
            let m = if m > 0.0 { m } else { 1.0 };
            (Axis::fixed(-m, m, 6), diverging)
        } else {
            (Axis::auto(values, 0.0, false, 6), viridis)
        }
    }

    fn caption(&self) -> Vec<layout::CaptionLine> {
        let f = self.0;
        let mut notes = Vec::new();
        if let Some((ix, iy)) = f.marked {
            let what = if f.marked_label.is_empty() { "marked cell".to_string() } else { f.marked_label.clone() };
            if let (Some(x), Some(y)) = (f.xs.get(ix), f.ys.get(iy)) {
                notes.push(format!("outlined cell: {what}, at {} = {} and {} = {}", f.x_label, coord_text(*x), f.y_label, coord_text(*y)));
            }
        }
        if f.diverging {
            notes.push("colours centred on 0 (white): blue below, red above".to_string());
        }
        f.info.caption(&notes)
    }
}

impl Figure for Heatmap<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let f = self.0;
        let small = f.xs.len() <= MAX_VALUE_CELLS && f.ys.len() <= MAX_VALUE_CELLS;
        let show_values = f.values.unwrap_or(small) && !f.xs.is_empty() && !f.ys.is_empty();
        let caption = self.caption();
        let body = series::chrome(root, &f.info.title, &[], &caption)?;

        let values = f.z.iter().flatten().copied();
        let any = layout::bounds(values.clone()).is_some();
        let missing = values.clone().any(|v| !layout::ok(v)) || !any;
        let (za, colour) = self.scale();
        let tick_font = layout::font(style::TICK);
        let z_tick_w = za.ticks.iter().map(|t| layout::measure(&tick_font, &za.label(*t)).0).max().unwrap_or(0);
        let (_, body_h) = body.dim_in_pixel();
        let frame_probe = Frame {
            x: &za,
            y: &za,
            x_label: &f.x_label,
            y_label: &f.y_label,
            x_grid: false,
            x_area: None,
            y_area: None,
            margin_top: 12,
            margin_right: 24,
        };
        let bottom = frame_probe.x_area_height() + 4;
        let bar_len = body_h as i32 - 12 - bottom as i32;
        // The colour bar label, rotated, fitted to the bar's length.
        let desc = layout::fit_text(&f.z_label, style::LABEL, false, bar_len.max(100), 2);
        let desc_w = if f.z_label.is_empty() { 0 } else { desc.height(1.2) };
        let bar_labels_w = (z_tick_w + 22 + desc_w + 30) as u32;
        let bar_area_w = 28 + BAR_W + bar_labels_w;
        let (main, bar_area) = body.split_horizontally(WIDTH - bar_area_w);

        let xe = edges(&f.xs);
        let ye = edges(&f.ys);
        let (main_w, main_h) = main.dim_in_pixel();
        // Rough plot size for tick thinning (label areas are ~150 px).
        let xa = grid_axis(&f.xs, &xe, main_w as i32 - 200, true);
        let ya = grid_axis(&f.ys, &ye, main_h as i32 - 150, false);
        let frame = Frame { x: &xa, y: &ya, ..frame_probe };
        let mut chart = layout::build_chart(&main, &frame)?;
        let span = |a: f64, b: f64, axis: &Axis| {
            let (a, b) = (axis.clamp(a), axis.clamp(b));
            (a.min(b), a.max(b))
        };
        let t = |v: f64| if layout::ok(v) { (v - za.lo) / (za.hi - za.lo) } else { f64::NAN };
        for (iy, row) in f.z.iter().enumerate() {
            let (y0, y1) = span(ye[iy], ye[iy + 1], &ya);
            chart.draw_series(row.iter().enumerate().map(|(ix, v)| {
                let (x0, x1) = span(xe[ix], xe[ix + 1], &xa);
                Rectangle::new([(x0, y0), (x1, y1)], colour(t(*v)).filled())
            }))?;
        }
        if !any {
            layout::draw_no_data(&chart, &frame)?;
        }
        if show_values && any {
            let decimals = cell_decimals(&f.z);
            let (bx, by) = main.get_base_pixel();
            for (iy, row) in f.z.iter().enumerate() {
                for (ix, v) in row.iter().enumerate().filter(|(_, v)| layout::ok(**v)) {
                    let (x0, x1) = span(xe[ix], xe[ix + 1], &xa);
                    let (y0, y1) = span(ye[iy], ye[iy + 1], &ya);
                    let a = chart.backend_coord(&(x0, y1));
                    let b = chart.backend_coord(&(x1, y0));
                    let (w, h) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
                    let text = cell_text(*v, decimals);
                    let fit = layout::fit_text(&text, style::CELL_VALUE, false, w - 8, 1);
                    if h < (fit.size * 0.9) as i32 || fit.size < style::CELL_VALUE * 0.5 {
                        continue;
                    }
                    let ink = if luma(colour(t(*v))) < 140.0 { WHITE } else { RGBColor(0, 0, 0) };
                    let style = layout::font(fit.size).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                    main.draw(&Text::new(text, ((a.0 + b.0) / 2 - bx, (a.1 + b.1) / 2 - by), style))?;
                }
            }
        }
        if let Some((ix, iy)) = f.marked {
            if ix < f.xs.len() && iy < f.ys.len() {
                let (x0, x1) = span(xe[ix], xe[ix + 1], &xa);
                let (y0, y1) = span(ye[iy], ye[iy + 1], &ya);
                let a = chart.backend_coord(&(x0, y1));
                let b = chart.backend_coord(&(x1, y0));
                let (bx, by) = main.get_base_pixel();
                let (l, t0, r, b0) = (a.0.min(b.0) - bx, a.1.min(b.1) - by, a.0.max(b.0) - bx, a.1.max(b.1) - by);
                main.draw(&Rectangle::new([(l + 2, t0 + 2), (r - 2, b0 - 2)], INK.stroke_width(6)))?;
                main.draw(&Rectangle::new([(l + 7, t0 + 7), (r - 7, b0 - 7)], WHITE.stroke_width(2)))?;
            }
        }

        // Colour bar, aligned with the plotting area of the heat map.
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
                .axis_style(INK.stroke_width(2))
                .set_all_tick_mark_size(8);
            mesh.draw()?;
        }
        if any {
            let step = (za.hi - za.lo) / BAR_STEPS as f64;
            bar.draw_series((0..BAR_STEPS).map(|i| {
                let z0 = za.lo + step * i as f64;
                // Each step overlaps the next by half a step, so rounding
                // never leaves a white seam between them.
                Rectangle::new([(0.0, z0), (1.0, (z0 + 1.5 * step).min(za.hi))], colour((i as f64 + 0.5) / BAR_STEPS as f64).filled())
            }))?;
        }
        bar.draw_series(once(Rectangle::new([(0.0, za.lo), (1.0, za.hi)], INK.stroke_width(1))))?;
        let (top_x, top_y) = bar.backend_coord(&(1.0, za.hi));
        let (_, bot_y) = bar.backend_coord(&(1.0, za.lo));
        if !f.z_label.is_empty() {
            // Rotated to read top to bottom, right of the tick labels.
            let df = layout::font(desc.size).transform(FontTransform::Rotate90);
            let step = (desc.size * 1.2 / 1.24) as i32;
            let x0 = top_x + 8 + z_tick_w + 22;
            let n = desc.lines.len() as i32;
            for (k, line) in desc.lines.iter().enumerate() {
                // Read top to bottom, later lines sit further left.
                let style = df.clone().color(&INK).pos(Pos::new(HPos::Center, VPos::Bottom));
                let x = x0 + (n - 1 - k as i32) * step;
                layout::text_at(root, line, (x, (top_y + bot_y) / 2), style)?;
            }
        }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_map_is_white_at_zero_and_blue_to_red() {
        assert_eq!(diverging(0.5), RGBColor(0xF7, 0xF7, 0xF7));
        assert_eq!(diverging(0.0), RGBColor(0x21, 0x66, 0xAC));
        assert_eq!(diverging(1.0), RGBColor(0xB2, 0x18, 0x2B));
        assert_eq!(diverging(f64::NAN), MISSING);
        let lo = diverging(0.2);
        let hi = diverging(0.8);
        assert!(lo.2 > lo.0 && hi.0 > hi.2, "{lo:?} {hi:?}");
    }

    #[test]
    fn cell_values_share_decimals_and_coordinates_are_short() {
        assert_eq!(cell_decimals(&[vec![0.14, -0.07], vec![f64::NAN, 0.004]]), 3);
        assert_eq!(cell_decimals(&[vec![12.3]]), 1);
        assert_eq!(cell_text(-0.07, 3), "-0.070");
        assert_eq!(cell_text(-0.0001, 3), "0.000");
        assert_eq!(cell_text(3e7, 0), "3.0e7");
        assert_eq!(coord_text(2.0), "2");
        assert_eq!(coord_text(0.25), "0.25");
        assert_eq!(coord_text(-0.0), "0");
    }
}
