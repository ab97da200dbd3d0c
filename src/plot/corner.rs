//! Pair (corner) plot of a calibration: for every pair of parameters a small scatter of the
//! design points, accepted ones in colour over rejected ones in grey; the diagonal names each
//! parameter and its range. See [`super::pair_figure`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::labels;
use super::layout::{self, LegendItem, Swatch};
use super::output::Figure;
use super::series;
use super::style::{self, series_color, INK, WIDTH};
use super::FigureInfo;
use super::PlotError;

/// Side of the square grid of panels, in pixels.
const GRID: u32 = 1560;

/// A pair plot of design points: see [`super::pair_figure`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Parameter paths (shown with their human names).
    pub names: Vec<String>,
    /// `[lo, hi]` of each parameter: the axes of its panels.
    pub bounds: Vec<[f64; 2]>,
    /// Each point's values, in parameter order.
    pub points: Vec<Vec<f64>>,
    /// Whether each point is accepted.
    pub accepted: Vec<bool>,
}

pub(crate) struct Pairs<'a>(pub &'a PairFigure);

/// Grey of rejected points.
const REJECTED: RGBColor = RGBColor(170, 170, 170);

impl Figure for Pairs<'_> {
    fn size(&self) -> (u32, u32) {
        let f = self.0;
        let items = legend(f);
        let caption = f.info.caption(&[]);
        let h = layout::title_height(&f.info.title)
            + layout::legend_height(&items, WIDTH)
            + GRID
            + layout::caption_height(&caption, WIDTH)
            + 30;
        (WIDTH, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let f = self.0;
        let items = legend(f);
        let caption = f.info.caption(&[]);
        let plot = series::chrome(root, &f.info.title, &items, &caption)?;
        let k = f.names.len();
        if k == 0 || f.points.is_empty() {
            let style = layout::font(style::LABEL).color(&INK).pos(Pos::new(HPos::Center, VPos::Center));
            let (w, h) = plot.dim_in_pixel();
            plot.draw(&Text::new("no data".to_string(), (w as i32 / 2, h as i32 / 2), style))?;
            return Ok(());
        }
        let (w, h) = plot.dim_in_pixel();
        let side = w.min(h).saturating_sub(20);
        let margin_x = (w.saturating_sub(side)) / 2;
        let area = plot.margin(10, 10, margin_x, margin_x);
        let cells = area.split_evenly((k, k));
        let accent = series_color(0);
        let cell_px = side as f64 / k as f64;
        // Small markers: hundreds of points share a panel of 150 px or so.
        let radius = (cell_px / 70.0).clamp(1.5, 5.0).round() as i32;
        for (idx, cell) in cells.iter().enumerate() {
            let (r, c) = (idx / k, idx % k);
            let (cw, ch) = cell.dim_in_pixel();
            if r == c {
                // The diagonal: the parameter's name and range.
                let name = labels::param_label(&f.names[r]);
                let fit = layout::fit_text(&name, style::ANNOTATION, true, cw as i32 - 10, 5);
                let lines = fit.lines.len() as i32;
                let step = (fit.size * 1.15 / 1.24) as i32;
                let top = ch as i32 / 2 - (lines * step) / 2 - step / 2;
                for (i, line) in fit.lines.iter().enumerate() {
                    let style = layout::bold(fit.size).color(&INK).pos(Pos::new(HPos::Center, VPos::Top));
                    cell.draw(&Text::new(line.clone(), (cw as i32 / 2, top + i as i32 * step), style))?;
                }
                let [lo, hi] = f.bounds[r];
                let range = format!("{} to {}", short(lo), short(hi));
                let rf = layout::fit_text(&range, style::ANNOTATION * 0.85, false, cw as i32 - 10, 1);
                let style = layout::font(rf.size).color(&INK).pos(Pos::new(HPos::Center, VPos::Top));
                cell.draw(&Text::new(range, (cw as i32 / 2, top + lines * step + 4), style))?;
                continue;
            }
            if c > r {
                continue;
            }
            // Lower triangle: x = parameter c, y = parameter r.
            let inner = cell.margin(3, 3, 3, 3);
            let [xl, xh] = f.bounds[c];
            let [yl, yh] = f.bounds[r];
            let pad = |lo: f64, hi: f64| {
                let d = if hi > lo { (hi - lo) * 0.04 } else { 0.5 };
                (lo - d, hi + d)
            };
            let (x0, x1) = pad(xl, xh);
            let (y0, y1) = pad(yl, yh);
            let mut chart = ChartBuilder::on(&inner).build_cartesian_2d(x0..x1, y0..y1)?;
            chart.plotting_area().draw(&Rectangle::new([(x0, y0), (x1, y1)], style::GRID.stroke_width(2)))?;
            let at = |p: &Vec<f64>| (p[c], p[r]);
            let ok = |p: &Vec<f64>| layout::ok(p[c]) && layout::ok(p[r]);
            chart.draw_series(
                f.points
                    .iter()
                    .zip(&f.accepted)
                    .filter(|(p, a)| !**a && ok(p))
                    .map(|(p, _)| Circle::new(at(p), radius, REJECTED.mix(0.55).filled())),
            )?;
            chart.draw_series(
                f.points
                    .iter()
                    .zip(&f.accepted)
                    .filter(|(p, a)| **a && ok(p))
                    .map(|(p, _)| Circle::new(at(p), radius + 2, accent.filled())),
            )?;
        }
        Ok(())
    }
}

/// A number as short text for a range.
fn short(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn legend(f: &PairFigure) -> Vec<LegendItem> {
    let n = f.accepted.iter().filter(|a| **a).count();
    let mut acc = LegendItem::series(format!("accepted: every pattern holds ({n} points)"), 0, Swatch::Fill);
    acc.color = series_color(0);
    let mut rej = LegendItem::series(format!("rejected ({} points)", f.accepted.len() - n), 0, Swatch::Fill);
    rej.color = REJECTED;
    vec![acc, rej]
}
