//! Scatter plot whose points carry name labels, placed greedily so that
//! labels avoid each other, the points and the edges of the plot; with
//! optional horizontal interval whiskers and dashed rays through the origin
//! (the σ/μ* reference lines of a Morris screening).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{self, Axis, CaptionLine, Frame};
use super::output::Figure;
use super::series;
use super::style::{self, series_color, HEIGHT, INK, WIDTH};
use super::PlotError;

/// Marker radius in pixels.
const RADIUS: i32 = 9;

/// An axis-aligned pixel box `(x0, y0, x1, y1)`.
type Box2 = (i32, i32, i32, i32);

fn overlap(a: Box2, b: Box2) -> i64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0) as i64;
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0) as i64;
    w * h
}

/// Area of `a` outside `bound`.
fn outside(a: Box2, bound: Box2) -> i64 {
    let area = ((a.2 - a.0) as i64) * ((a.3 - a.1) as i64);
    area - overlap(a, bound)
}

/// Candidate label boxes around a point at `(px, py)` for a `w`×`h` label,
/// in order of preference: right, left, above, below, then the diagonals.
fn candidates((px, py): (i32, i32), w: i32, h: i32) -> [Box2; 8] {
    let g = RADIUS + 6;
    let d = (g as f64 * 0.75) as i32;
    let at = |x0: i32, y0: i32| (x0, y0, x0 + w, y0 + h);
    [
        at(px + g, py - h / 2),
        at(px - g - w, py - h / 2),
        at(px - w / 2, py - g - h),
        at(px - w / 2, py + g),
        at(px + d, py - d - h),
        at(px + d, py + d),
        at(px - d - w, py - d - h),
        at(px - d - w, py + d),
    ]
}

/// Chooses a box for each label: the first candidate free of collisions, or
/// else the one with the least overlap.
/// `obstacles` (e.g. reference-line labels) are avoided like other labels.
fn place(points: &[(i32, i32)], sizes: &[(i32, i32)], bound: Box2, obstacles: &[Box2]) -> Vec<Box2> {
    let markers: Vec<Box2> = points.iter().map(|&(x, y)| (x - RADIUS, y - RADIUS, x + RADIUS, y + RADIUS)).collect();
    let mut placed: Vec<Box2> = obstacles.to_vec();
    for (i, (&p, &(w, h))) in points.iter().zip(sizes).enumerate() {
        let best = candidates(p, w, h)
            .into_iter()
            .map(|c| {
                let labels: i64 = placed.iter().map(|b| overlap(c, *b)).sum();
                let dots: i64 = markers.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, m)| overlap(c, *m)).sum();
                (labels * 10 + dots * 5 + outside(c, bound) * 20, c)
            })
            .min_by_key(|(score, _)| *score)
            .map(|(_, c)| c)
            .unwrap_or((p.0, p.1, p.0 + w, p.1 + h));
        placed.push(best);
    }
    placed.split_off(obstacles.len())
}

/// See [`super::scatter_labelled`] and [`super::morris_figure`].
pub(crate) struct Scatter<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub points: &'a [(String, f64, f64)],
    /// Horizontal whisker `(low, high)` of each point; empty for none.
    pub x_err: &'a [(f64, f64)],
    /// Rays `y = slope · x` with their labels.
    pub rays: &'a [(f64, String)],
    pub caption: Vec<CaptionLine>,
}

/// Axis for non-negative-looking data that starts at zero when the data
/// come close to it (so distances from the origin read correctly).
fn scatter_axis(values: Vec<f64>, target: usize) -> Axis {
    let zero = match layout::bounds(values.iter().copied()) {
        Some((lo, hi)) => lo >= 0.0 && lo <= 0.5 * hi,
        None => false,
    };
    Axis::auto(values, 0.1, zero, target)
}

impl Figure for Scatter<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let plot = series::chrome(root, self.title, &[], &self.caption)?;

        let keep: Vec<usize> = (0..self.points.len()).filter(|&i| layout::ok(self.points[i].1) && layout::ok(self.points[i].2)).collect();
        let pts: Vec<&(String, f64, f64)> = keep.iter().map(|&i| &self.points[i]).collect();
        let errs: Vec<(f64, f64)> = keep.iter().filter_map(|&i| self.x_err.get(i).copied()).collect();
        let xs: Vec<f64> = pts.iter().map(|p| p.1).chain(errs.iter().flat_map(|e| [e.0, e.1])).collect();
        let xa = scatter_axis(xs, 7);
        let ya = scatter_axis(pts.iter().map(|p| p.2).collect(), 6);
        let frame = Frame {
            x: &xa,
            y: &ya,
            x_label: self.x_label,
            y_label: self.y_label,
            x_grid: true,
            x_area: None,
            y_area: None,
            margin_top: 16,
            margin_right: 48,
        };
        let mut chart = layout::build_chart(&plot, &frame)?;
        if pts.is_empty() {
            return layout::draw_no_data(&chart, &frame);
        }
        let color = series_color(0);
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let mut ray_boxes: Vec<Box2> = Vec::new();
        let grey = RGBColor(110, 110, 110);
        let rf = layout::font(style::ANNOTATION * 0.9);
        for (slope, label) in self.rays {
            // From the origin to where the ray leaves the plot.
            let x_end = xa.hi.min(if *slope > 0.0 { ya.hi / slope } else { xa.hi });
            let a = chart.backend_coord(&(xa.clamp(0.0), ya.clamp(0.0)));
            let b = chart.backend_coord(&(x_end, ya.clamp(slope * x_end)));
            let (bx, by) = root.get_base_pixel();
            layout::styled_path(root, vec![(a.0 - bx, a.1 - by), (b.0 - bx, b.1 - by)], grey.stroke_width(2), style::Dash::Dashed)?;
            // The label sits inside the plot just below the ray's end: right
            // of it when the ray leaves through the top, left of it when it
            // leaves through the right side.
            let (w, h) = layout::measure(&rf, label);
            let exits_top = *slope > 0.0 && slope * xa.hi > ya.hi;
            let x0 = if exits_top && b.0 + 10 + w <= xr.end { b.0 + 10 } else { (b.0 - 10 - w).max(xr.start + 4) };
            let y0 = if exits_top { yr.start + 6 } else { (b.1 + 10).min(yr.end - h - 4) };
            let bx0 = (x0 - 3, y0 - 2, x0 + w + 3, y0 + h + 2);
            root.draw(&Rectangle::new([(bx0.0 - bx, bx0.1 - by), (bx0.2 - bx, bx0.3 - by)], WHITE.mix(0.85).filled()))?;
            let style = rf.color(&grey).pos(Pos::new(HPos::Left, VPos::Top));
            layout::text_at(root, label, (x0, y0), style)?;
            ray_boxes.push(bx0);
        }
        for (p, e) in pts.iter().zip(&errs) {
            if layout::ok(e.0) && layout::ok(e.1) {
                let (lo, hi) = (xa.clamp(e.0), xa.clamp(e.1));
                chart.draw_series(std::iter::once(PathElement::new(vec![(lo, p.2), (hi, p.2)], color.mix(0.7).stroke_width(3))))?;
            }
        }
        chart.draw_series(pts.iter().map(|p| Circle::new((p.1, p.2), RADIUS, color.filled())))?;

        let f = layout::font(style::ANNOTATION);
        let centers: Vec<(i32, i32)> = pts.iter().map(|p| chart.backend_coord(&(p.1, p.2))).collect();
        let sizes: Vec<(i32, i32)> = pts.iter().map(|p| layout::measure(&f, &p.0)).collect();
        let boxes = place(&centers, &sizes, (xr.start, yr.start, xr.end, yr.end), &ray_boxes);
        let (bx, by) = root.get_base_pixel();
        for (p, b) in pts.iter().zip(&boxes) {
            root.draw(&Rectangle::new([(b.0 - 3 - bx, b.1 - 2 - by), (b.2 + 3 - bx, b.3 + 2 - by)], WHITE.mix(0.75).filled()))?;
            let style = f.color(&INK).pos(Pos::new(HPos::Left, VPos::Top));
            layout::text_at(root, &p.0, (b.0, b.1), style)?;
        }
        Ok(())
    }
}
