//! Bar charts with error whiskers: one bar per category, or grouped bars
//! with one bar per series inside each category.

use std::iter::once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::labels;
use super::layout::{self, Axis, CaptionLine, Frame, LegendItem, Swatch};
use super::output::Figure;
use super::series;
use super::style::{self, series_color, HEIGHT, INK, WIDTH};
use super::{Bar, PlotError};

/// Share of a category slot taken by its bars.
const GROUP_WIDTH: f64 = 0.72;
const MARGIN_RIGHT: u32 = 40;

/// What surrounds the bars: title, y description, legend and caption, and
/// whether the axis is fixed at [0, 1].
struct Head<'h> {
    title: &'h str,
    y_label: &'h str,
    items: &'h [LegendItem],
    caption: &'h [CaptionLine],
    proportion: bool,
}

/// Draws a titled bar chart: `cells[c]` holds the bars of category `c` with
/// their colours.
fn draw_bar_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    head: &Head,
    categories: &[String],
    cells: &[Vec<(&Bar, RGBColor)>],
) -> Result<(), PlotError> {
    let Head { title, y_label, items, caption, proportion } = *head;
    let plot = series::chrome(root, title, items, caption)?;

    let n = categories.len();
    let values = cells.iter().flatten().filter(|(b, _)| layout::ok(b.mean)).flat_map(|(b, _)| [b.mean, b.low, b.high]);
    let y = if proportion { Axis::fixed(0.0, 1.0, 5) } else { Axis::auto(values, 0.06, true, 6) };
    let x = Axis::at(-0.5, n.max(1) as f64 - 0.5, Vec::new());
    let mut frame = Frame {
        x: &x,
        y: &y,
        x_label: "",
        y_label,
        x_grid: false,
        x_area: Some(0),
        y_area: None,
        margin_top: 12,
        margin_right: MARGIN_RIGHT,
    };
    let plot_w = WIDTH as i32 - frame.y_area_width() as i32 - MARGIN_RIGHT as i32 - 10;
    let cats = layout::layout_categories(categories, plot_w / n.max(1) as i32);
    frame.x_area = Some(layout::categories_height(&cats));
    let mut chart = layout::build_chart(&plot, &frame)?;

    let any = cells.iter().flatten().any(|(b, _)| layout::ok(b.mean));
    if !any {
        layout::draw_no_data(&chart, &frame)?;
    }
    if y.lo < 0.0 {
        chart.draw_series(once(PathElement::new(vec![(x.lo, 0.0), (x.hi, 0.0)], INK.stroke_width(2))))?;
    }
    for (c, bars) in cells.iter().enumerate() {
        let k = bars.len().max(1) as f64;
        let w = GROUP_WIDTH / k;
        for (j, (bar, color)) in bars.iter().enumerate() {
            let center = c as f64 - GROUP_WIDTH / 2.0 + (j as f64 + 0.5) * w;
            let half = if bars.len() > 1 { w * 0.45 } else { w * 0.5 };
            if layout::ok(bar.mean) {
                chart.draw_series(once(Rectangle::new([(center - half, 0.0), (center + half, y.clamp(bar.mean))], color.filled())))?;
            } else if any {
                // Say that the value is missing rather than leave a gap that
                // reads as zero.
                let style =
                    layout::font(style::ANNOTATION * 0.9).color(&RGBColor(110, 110, 110)).pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    ));
                let base = y.clamp(0.0);
                chart.draw_series(once(Text::new("n/a".to_string(), (center, base), style)))?;
            }
            if layout::ok(bar.low) && layout::ok(bar.high) {
                let (lo, hi) = (y.clamp(bar.low), y.clamp(bar.high));
                let cap = (w * 0.22).min(0.1);
                let whisker = INK.stroke_width(3);
                chart.draw_series(once(PathElement::new(vec![(center, lo), (center, hi)], whisker)))?;
                for v in [lo, hi] {
                    chart.draw_series(once(PathElement::new(vec![(center - cap, v), (center + cap, v)], whisker)))?;
                }
            }
        }
    }

    let centers: Vec<i32> = (0..n).map(|c| chart.backend_coord(&(c as f64, y.lo)).0).collect();
    let axis_y = chart.backend_coord(&(x.lo, y.lo)).1;
    layout::draw_categories(root, &cats, &centers, axis_y)
}

/// See [`super::bars`].
pub(crate) struct Bars<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub bars: &'a [Bar],
    pub caption: Vec<CaptionLine>,
    /// A fixed [0, 1] axis (shares, probabilities).
    pub proportion: bool,
}

impl Figure for Bars<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let many = self.bars.len() > style::PALETTE.len();
        let categories: Vec<String> = self.bars.iter().map(|b| b.label.clone()).collect();
        let cells: Vec<Vec<(&Bar, RGBColor)>> =
            self.bars.iter().enumerate().map(|(i, b)| vec![(b, series_color(if many { 0 } else { i }))]).collect();
        let categories: Vec<String> = categories.iter().map(|c| labels::scenario_label(c)).collect();
        let head = Head { title: self.title, y_label: self.y_label, items: &[], caption: &self.caption, proportion: self.proportion };
        draw_bar_chart(root, &head, &categories, &cells)
    }
}

/// See [`super::grouped_bars`].
pub(crate) struct GroupedBars<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub groups: &'a [String],
    pub series: &'a [(String, Vec<Bar>)],
    pub caption: Vec<CaptionLine>,
}

impl Figure for GroupedBars<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let items: Vec<LegendItem> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, (name, _))| LegendItem::series(labels::scenario_label(name), i, Swatch::Fill))
            .collect();
        let cells: Vec<Vec<(&Bar, RGBColor)>> = (0..self.groups.len())
            .map(|g| self.series.iter().enumerate().filter_map(|(i, (_, bars))| bars.get(g).map(|b| (b, series_color(i)))).collect())
            .collect();
        let head = Head { title: self.title, y_label: self.y_label, items: &items, caption: &self.caption, proportion: false };
        draw_bar_chart(root, &head, self.groups, &cells)
    }
}
