//! Layout helpers shared by the figures: axis ranges, ticks and tick labels,
//! text measurement, titles, legends, the standard chart frame and category
//! labels.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontTransform};

use super::style::{self, Dash, Marker, FAMILY, GRID, INK};
use super::PlotError;

/// Coordinates of every chart: two [`Axis`] with explicitly computed ticks.
pub(crate) type Coord = Cartesian2d<Axis, Axis>;

/// Values with a larger magnitude are treated as missing, so that ranges
/// and their spans stay finite.
const HUGE: f64 = 1e300;

/// Whether `v` can be plotted.
pub(crate) fn ok(v: f64) -> bool {
    v.is_finite() && v.abs() < HUGE
}

/// Smallest and largest plottable value, if any.
pub(crate) fn bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| ok(*v)).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// Maximal runs of consecutive indices in `0..n` for which `good` holds.
pub(crate) fn runs(n: usize, good: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..n {
        match (good(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..n);
    }
    out
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about
/// `target` intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Number of decimals needed to print `v` exactly (up to `max`).
fn decimals_of(v: f64, max: usize) -> usize {
    (0..max)
        .find(|&d| {
            let s = v * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(max)
}

/// One axis: its range, tick positions and how to print tick labels.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// Lower end of the axis.
    pub lo: f64,
    /// Upper end of the axis.
    pub hi: f64,
    /// Tick (and grid line) positions.
    pub ticks: Vec<f64>,
    decimals: usize,
    scientific: bool,
}

impl Axis {
    /// Axis covering the plottable `values`, padded by `pad` × span on each
    /// side; with `zero` the axis also covers 0 and is not padded past it.
    /// Constant data gets a range around the value; no data gives 0..1.
    pub fn auto(values: impl IntoIterator<Item = f64>, pad: f64, zero: bool, target: usize) -> Axis {
        let Some((mut lo, mut hi)) = bounds(values) else {
            return Axis::fixed(0.0, 1.0, target);
        };
        if zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let span = hi - lo;
        let wide = span > 1e-12 * lo.abs().max(hi.abs());
        if !wide {
            // With `zero` a degenerate range can only be all zeros.
            return if zero { Axis::fixed(0.0, 1.0, target) } else { Axis::fixed(lo, hi, target) };
        }
        let lo = if zero && lo == 0.0 { 0.0 } else { lo - pad * span };
        let hi = if zero && hi == 0.0 { 0.0 } else { hi + pad * span };
        Axis::fixed(lo, hi, target)
    }

    /// Axis from `lo` to `hi` with about `target` nice ticks; a degenerate
    /// range is widened around its value.
    pub fn fixed(lo: f64, hi: f64, target: usize) -> Axis {
        let (lo, hi) = if ok(lo) && ok(hi) { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
        // Written so that a NaN span also counts as degenerate.
        let wide = hi - lo > 1e-12 * lo.abs().max(hi.abs());
        let (lo, hi) = if !wide {
            let d = lo.abs() * 0.1;
            let d = if d > 1e-300 { d } else { 1.0 };
            (lo - d, hi + d)
        } else {
            (lo, hi)
        };
        let step = nice_step(hi - lo, target);
        let mut ticks = Vec::new();
        let mut k = (lo / step - 1e-9).ceil();
        while k * step <= hi + step * 1e-9 && ticks.len() < 200 {
            let t = k * step;
            ticks.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
            k += 1.0;
        }
        let decimals = (-(step.log10() + 1e-9).floor()).clamp(0.0, 12.0) as usize;
        Axis::finish(lo, hi, ticks, decimals, step)
    }

    /// Axis from `lo` to `hi` with ticks exactly at `ticks` (printed with
    /// as many decimals as the most precise of them needs, up to four).
    pub fn at(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        let decimals = ticks.iter().map(|t| decimals_of(*t, 4)).max().unwrap_or(0);
        let step = ticks.windows(2).map(|w| (w[1] - w[0]).abs()).fold(f64::INFINITY, f64::min);
        let step = if step.is_finite() && step > 0.0 { step } else { (hi - lo).abs() };
        Axis::finish(lo, hi, ticks, decimals, step)
    }

    fn finish(lo: f64, hi: f64, ticks: Vec<f64>, decimals: usize, step: f64) -> Axis {
        let big = lo.abs().max(hi.abs());
        let scientific = big >= 1e6 || (big > 0.0 && big < 1e-3);
        let decimals = if scientific {
            // Mantissa digits needed to tell neighbouring ticks apart.
            (big.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize
        } else {
            decimals
        };
        Axis { lo, hi, ticks, decimals, scientific }
    }

    /// The coordinate range with its ticks, for `build_cartesian_2d`.
    pub fn coord(&self) -> Axis {
        self.clone()
    }

    /// Tick label for `v`.
    pub fn label(&self, v: f64) -> String {
        if self.scientific {
            return format!("{:.*e}", self.decimals, v);
        }
        let v = if v.abs() < 0.5 * 10f64.powi(-(self.decimals as i32)) { 0.0 } else { v };
        format!("{:.*}", self.decimals, v)
    }

    /// Clamps `v` into the axis range (plotters does not clip).
    pub fn clamp(&self, v: f64) -> f64 {
        v.clamp(self.lo, self.hi)
    }
}

/// A linear f64 coordinate whose ticks are exactly `ticks` (plotters' own
/// f64 coordinate picks its ticks itself and prints them with `{:?}`).
impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        let px = limit.0 as f64 + t * (limit.1 - limit.0) as f64;
        if px.is_nan() {
            limit.0
        } else {
            // Saturating: out-of-range values stay far outside, not wrapped.
            px.round().clamp(-1e6, 1e6) as i32
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Regular text of `size`.
pub(crate) fn font(size: f64) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

/// Bold text of `size`.
pub(crate) fn bold(size: f64) -> FontDesc<'static> {
    (FAMILY, size, FontStyle::Bold).into_font()
}

/// Width and height of `text` in `font`, in pixels.
pub(crate) fn measure(font: &FontDesc, text: &str) -> (i32, i32) {
    let size = font.get_size();
    font.box_size(text).map(|(w, h)| (w as i32, h as i32)).unwrap_or(((text.chars().count() as f64 * size * 0.6) as i32, size as i32))
}

/// Text fitted into a width: the font size to use and the lines to draw.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub size: f64,
    pub lines: Vec<String>,
}

impl Fitted {
    /// Height of the fitted block with lines `spacing` × size apart.
    pub fn height(&self, spacing: f64) -> i32 {
        (self.lines.len().max(1) as f64 * self.size * spacing / 1.24) as i32
    }
}

/// Greedy word wrap of `text` (split at spaces only, so no word is ever
/// broken) into lines at most `max_w` wide in `f`; `None` if a single word
/// is wider.
fn wrap_words(f: &FontDesc, text: &str, max_w: i32) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        if measure(f, w).0 > max_w {
            return None;
        }
        match lines.last_mut() {
            Some(last) if measure(f, &format!("{last} {w}")).0 <= max_w => {
                last.push(' ');
                last.push_str(w);
            }
            _ => lines.push(w.to_string()),
        }
    }
    Some(lines)
}

/// Fits `text` into `max_w` pixels without ever cutting it: first on one
/// line, shrinking the font down to 75% of `size`; then wrapped at spaces
/// into at most `max_lines` lines; then smaller still. Text is never
/// shortened with an ellipsis.
pub(crate) fn fit_text(text: &str, size: f64, heavy: bool, max_w: i32, max_lines: usize) -> Fitted {
    let mk = |s: f64| if heavy { bold(s) } else { font(s) };
    let max_w = max_w.max(20);
    for k in [1.0, 0.93, 0.86, 0.8, 0.75] {
        if measure(&mk(size * k), text).0 <= max_w {
            return Fitted { size: size * k, lines: vec![text.to_string()] };
        }
    }
    for k in [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] {
        let s = size * k;
        if let Some(lines) = wrap_words(&mk(s), text, max_w) {
            if lines.len() <= max_lines.max(1) || k <= 0.4 {
                return Fitted { size: s, lines };
            }
        }
    }
    // A single enormous word: scale it to the width.
    let w = measure(&mk(size), text).0.max(1);
    Fitted { size: size * max_w as f64 / w as f64, lines: vec![text.to_string()] }
}

/// Draws `text` at absolute canvas position `pos` on any area of the canvas.
pub(crate) fn text_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    pos: (i32, i32),
    style: TextStyle,
) -> Result<(), PlotError> {
    let (bx, by) = area.get_base_pixel();
    area.draw(&Text::new(text.to_string(), (pos.0 - bx, pos.1 - by), style))?;
    Ok(())
}

/// Height of the title strip: room for the title wrapped to the canvas
/// width (two lines at most at full size).
pub(crate) fn title_height(title: &str) -> u32 {
    if title.trim().is_empty() {
        return 24;
    }
    let fit = fit_text(&title.replace('_', " "), style::TITLE, true, style::WIDTH as i32 - 60, 2);
    (fit.height(1.3) + (style::TITLE * 0.55) as i32) as u32
}

/// Draws `text` centred in `area`, shrinking or wrapping it to fit (never
/// cutting it short).
pub(crate) fn draw_title<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, size: f64, heavy: bool) -> Result<(), PlotError> {
    if title.trim().is_empty() {
        return Ok(());
    }
    let (w, h) = area.dim_in_pixel();
    // Titles are often made from scenario or metric names: show their
    // underscores as spaces, so they read as words and wrap between them.
    let title = title.replace('_', " ");
    let fit = fit_text(&title, size, heavy, w as i32 - 40, 2);
    let f = if heavy { bold(fit.size) } else { font(fit.size) };
    let line_h = (fit.size * 1.3 / 1.24) as i32;
    let top = h as i32 / 2 - line_h * (fit.lines.len() as i32 - 1) / 2;
    for (k, line) in fit.lines.iter().enumerate() {
        let style = f.color(&INK).pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new(line.clone(), (w as i32 / 2, top + k as i32 * line_h), style))?;
    }
    Ok(())
}

/// Like [`fit_text`] for running text (captions): wrapped at full size
/// first, shrunk only if more than `max_lines` lines would be needed.
pub(crate) fn fit_paragraph(text: &str, size: f64, heavy: bool, max_w: i32, max_lines: usize) -> Fitted {
    let f = if heavy { bold(size) } else { font(size) };
    match wrap_words(&f, text, max_w.max(20)) {
        Some(lines) if lines.len() <= max_lines.max(1) => Fitted { size, lines },
        _ => fit_text(text, size, heavy, max_w, max_lines),
    }
}

/// Height needed by a caption (already composed lines, each wrapped to the
/// canvas width), `0` when there is nothing to say.
pub(crate) fn caption_height(lines: &[CaptionLine], width: u32) -> u32 {
    if lines.is_empty() {
        return 0;
    }
    let h: i32 = lines.iter().map(|l| fit_paragraph(&l.text, style::CAPTION, l.warning, width as i32 - 80, 4).height(1.3)).sum();
    (h + 22) as u32
}

/// One line of a figure's caption; a warning is drawn bold in vermillion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CaptionLine {
    pub text: String,
    pub warning: bool,
}

/// Draws the caption lines left-aligned in `area`.
pub(crate) fn draw_caption<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, lines: &[CaptionLine]) -> Result<(), PlotError> {
    let (w, _) = area.dim_in_pixel();
    let mut y = 10;
    for l in lines {
        let fit = fit_paragraph(&l.text, style::CAPTION, l.warning, w as i32 - 80, 4);
        let (f, color) = if l.warning { (bold(fit.size), style::WARNING) } else { (font(fit.size), style::CAPTION_INK) };
        let line_h = (fit.size * 1.3 / 1.24) as i32;
        for line in &fit.lines {
            let style = f.color(&color).pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&Text::new(line.clone(), (40, y), style))?;
            y += line_h;
        }
    }
    Ok(())
}

/// What the legend shows next to an entry's text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A plain line.
    Line,
    /// A line over a translucent band.
    LineBand,
    /// A filled square.
    Fill,
    /// A point with a horizontal whisker.
    Point,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
    /// Line pattern of `Line` and `LineBand` swatches.
    pub dash: Dash,
    /// Shape of `Point` swatches.
    pub marker: Marker,
}

impl LegendItem {
    /// An entry whose line has the pattern of series `i` (see [`style::series_dash`]).
    pub fn series(label: impl Into<String>, i: usize, swatch: Swatch) -> LegendItem {
        LegendItem {
            label: label.into(),
            color: style::series_color(i),
            swatch,
            dash: style::series_dash(i),
            marker: style::series_marker(i),
        }
    }
}

const SWATCH_W: i32 = 56;
const SWATCH_GAP: i32 = 14;
const ITEM_GAP: i32 = 48;

fn legend_line_h() -> i32 {
    (style::LEGEND * 1.45) as i32
}

/// One placed legend entry: item index, width, font size and text lines.
type Placed = (usize, i32, f64, Vec<String>);

/// Entries per row when laid out in `width` pixels; a label too long for a
/// row is shrunk or wrapped, never cut.
fn legend_rows(items: &[LegendItem], width: i32) -> Vec<Vec<Placed>> {
    let max_text = (width - SWATCH_W - SWATCH_GAP - 20).max(60);
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    let mut used = 0;
    for (i, item) in items.iter().enumerate() {
        let fit = fit_text(&item.label, style::LEGEND, false, max_text, 3);
        let f = font(fit.size);
        let text_w = fit.lines.iter().map(|l| measure(&f, l).0).max().unwrap_or(0);
        let w = SWATCH_W + SWATCH_GAP + text_w;
        let fits = used == 0 || used + ITEM_GAP + w <= width;
        if rows.is_empty() || !fits {
            rows.push(Vec::new());
            used = 0;
        }
        used += if used == 0 { w } else { ITEM_GAP + w };
        if let Some(row) = rows.last_mut() {
            row.push((i, w, fit.size, fit.lines));
        }
    }
    rows
}

fn row_height(row: &[Placed]) -> i32 {
    let lines = row.iter().map(|p| p.3.len()).max().unwrap_or(1).max(1) as i32;
    legend_line_h() + (lines - 1) * (style::LEGEND * 1.2) as i32
}

/// Height needed by the legend of `items` in a strip `width` pixels wide.
pub(crate) fn legend_height(items: &[LegendItem], width: u32) -> u32 {
    if items.is_empty() {
        return 0;
    }
    let rows = legend_rows(items, width as i32 - 80);
    (rows.iter().map(|r| row_height(r)).sum::<i32>() + 16) as u32
}

/// Draws a line from `a` to `b` in pixel coordinates with pattern `dash`.
pub(crate) fn styled_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: Vec<(i32, i32)>,
    style: ShapeStyle,
    dash: Dash,
) -> Result<(), PlotError> {
    match dash.pattern() {
        None => area.draw(&PathElement::new(pts, style))?,
        Some((on, off)) => area.draw(&DashedPathElement::new(pts, on, off, style))?,
    }
    Ok(())
}

/// Draws a filled marker of radius `r` centred on pixel `c` of `area`.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: (i32, i32),
    r: i32,
    color: RGBColor,
    marker: Marker,
) -> Result<(), PlotError> {
    match marker {
        Marker::Circle => area.draw(&Circle::new(c, r, color.filled()))?,
        Marker::Square => {
            let h = r * 9 / 10;
            area.draw(&Rectangle::new([(c.0 - h, c.1 - h), (c.0 + h, c.1 + h)], color.filled()))?
        }
        Marker::Triangle => {
            let h = r * 6 / 5;
            area.draw(&Polygon::new(vec![(c.0, c.1 - h), (c.0 + h, c.1 + h * 3 / 4), (c.0 - h, c.1 + h * 3 / 4)], color.filled()))?
        }
    }
    Ok(())
}

/// Draws a legend, rows centred horizontally, in `area`.
pub(crate) fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, items: &[LegendItem]) -> Result<(), PlotError> {
    let (w, _) = area.dim_in_pixel();
    let rows = legend_rows(items, w as i32 - 80);
    let mut top = 8;
    for row in &rows {
        let row_h = row_height(row);
        let total: i32 = row.iter().map(|p| p.1).sum::<i32>() + ITEM_GAP * (row.len() as i32 - 1);
        let mut x = (w as i32 - total) / 2;
        let cy = top + legend_line_h() / 2;
        for (i, iw, size, lines) in row {
            let item = &items[*i];
            let c = item.color;
            let line = vec![(x, cy), (x + SWATCH_W, cy)];
            match item.swatch {
                Swatch::Line => styled_path(area, line, c.stroke_width(style::LINE_WIDTH + 1), item.dash)?,
                Swatch::LineBand => {
                    area.draw(&Rectangle::new([(x, cy - 13), (x + SWATCH_W, cy + 13)], c.mix(style::BAND_ALPHA).filled()))?;
                    styled_path(area, line, c.stroke_width(style::LINE_WIDTH + 1), item.dash)?;
                }
                Swatch::Fill => {
                    area.draw(&Rectangle::new([(x + 8, cy - 17), (x + SWATCH_W - 8, cy + 17)], c.filled()))?;
                }
                Swatch::Point => {
                    area.draw(&PathElement::new(vec![(x + 8, cy), (x + SWATCH_W - 8, cy)], c.stroke_width(3)))?;
                    draw_marker(area, (x + SWATCH_W / 2, cy), 10, c, item.marker)?;
                }
            }
            let f = font(*size);
            for (k, text) in lines.iter().enumerate() {
                let style = f.color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
                let y = cy + k as i32 * (style::LEGEND * 1.2) as i32;
                area.draw(&Text::new(text.clone(), (x + SWATCH_W + SWATCH_GAP, y), style))?;
            }
            x += iw + ITEM_GAP;
        }
        top += row_h;
    }
    Ok(())
}

/// Everything needed to draw the axes of one chart.
pub(crate) struct Frame<'s> {
    pub x: &'s Axis,
    pub y: &'s Axis,
    pub x_label: &'s str,
    pub y_label: &'s str,
    /// Vertical grid lines at the x ticks.
    pub x_grid: bool,
    /// Height of the area under the plot; `None` for ticks plus `x_label`.
    pub x_area: Option<u32>,
    /// Width of the area left of the plot; `None` for ticks plus `y_label`.
    pub y_area: Option<u32>,
    pub margin_top: u32,
    pub margin_right: u32,
}

impl Frame<'_> {
    /// Height of the area holding x tick labels and the x description.
    pub fn x_area_height(&self) -> u32 {
        self.x_area.unwrap_or_else(|| {
            let tick = measure(&font(style::TICK), "0").1;
            let desc = if self.x_label.is_empty() { 0 } else { measure(&font(style::LABEL), self.x_label).1 + 14 };
            (tick + 24 + desc) as u32
        })
    }

    /// Width of the area holding y tick labels and the y description.
    pub fn y_area_width(&self) -> u32 {
        if let Some(w) = self.y_area {
            return w;
        }
        let f = font(style::TICK);
        let ticks = self.y.ticks.iter().map(|t| measure(&f, &self.y.label(*t)).0).max().unwrap_or(0);
        let desc = if self.y_label.is_empty() { 0 } else { measure(&font(style::LABEL), "Ag").1 + 16 };
        (ticks + 26 + desc) as u32
    }
}

/// Builds a chart on `area` with light grid lines, tick labels and axis
/// descriptions as given by `frame`. The descriptions are fitted to the
/// plot's width and height (shrunk, or wrapped onto a second line with the
/// label area grown to match), so they are never cut off.
pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    frame: &Frame,
) -> Result<ChartContext<'a, DB, Coord>, PlotError> {
    let (aw, ah) = area.dim_in_pixel();
    let x_label = frame.x_label.replace('_', " ");
    let y_label = frame.y_label.replace('_', " ");
    let one_line = (style::LABEL * 1.2 / 1.24) as i32;
    let fit = |label: &str, len: i32| (!label.is_empty()).then(|| fit_text(label, style::LABEL, false, len - 20, 2));
    let y_fit = fit(&y_label, ah as i32 - frame.margin_top as i32 - frame.x_area_height() as i32 - 4);
    let y_extra = y_fit.as_ref().map_or(0, |f| (f.height(1.2) - one_line).max(0));
    let y_area = frame.y_area_width() as i32 + y_extra;
    let x_fit = fit(&x_label, aw as i32 - y_area - 6 - frame.margin_right as i32);
    let x_extra = x_fit.as_ref().map_or(0, |f| (f.height(1.2) - one_line).max(0));
    let x_area = frame.x_area_height() as i32 + x_extra;
    let mut chart = ChartBuilder::on(area)
        .margin_top(frame.margin_top)
        .margin_right(frame.margin_right)
        .margin_left(6)
        .margin_bottom(4)
        .x_label_area_size(x_area as u32)
        .y_label_area_size(y_area as u32)
        .build_cartesian_2d(frame.x.coord(), frame.y.coord())?;
    {
        let xfmt = |v: &f64| frame.x.label(*v);
        let yfmt = |v: &f64| frame.y.label(*v);
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_label_style(font(style::TICK).color(&INK))
            .y_label_style(font(style::TICK).color(&INK))
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(INK.stroke_width(2))
            .set_all_tick_mark_size(8);
        if !frame.x_grid {
            mesh.disable_x_mesh();
        }
        mesh.draw()?;
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let (bx, by) = area.get_base_pixel();
    if let Some(f) = x_fit {
        let step = (f.size * 1.2 / 1.24) as i32;
        let n = f.lines.len() as i32;
        let bottom = yr.end + x_area - 6;
        for (k, line) in f.lines.iter().enumerate() {
            let style = font(f.size).color(&INK).pos(Pos::new(HPos::Center, VPos::Bottom));
            let y = bottom - (n - 1 - k as i32) * step;
            area.draw(&Text::new(line.clone(), ((xr.start + xr.end) / 2 - bx, y - by), style))?;
        }
    }
    if let Some(f) = y_fit {
        let step = (f.size * 1.2 / 1.24) as i32;
        let left = xr.start - y_area + 4;
        for (k, line) in f.lines.iter().enumerate() {
            let style = font(f.size).transform(FontTransform::Rotate270).color(&INK).pos(Pos::new(HPos::Center, VPos::Top));
            let x = left + k as i32 * step;
            area.draw(&Text::new(line.clone(), (x - bx, (yr.start + yr.end) / 2 - by), style))?;
        }
    }
    Ok(chart)
}

/// Writes "no data" in the middle of the plotting area.
pub(crate) fn draw_no_data<DB: DrawingBackend>(chart: &ChartContext<DB, Coord>, frame: &Frame) -> Result<(), PlotError> {
    let style = font(style::LABEL).color(&RGBColor(120, 120, 120)).pos(Pos::new(HPos::Center, VPos::Center));
    chart.plotting_area().draw(&Text::new(
        "no data".to_string(),
        ((frame.x.lo + frame.x.hi) / 2.0, (frame.y.lo + frame.y.hi) / 2.0),
        style,
    ))?;
    Ok(())
}

/// How category labels under a bar chart are drawn.
#[derive(Debug, Clone)]
pub(crate) enum Categories {
    /// Horizontal, each label wrapped at spaces into one or more lines.
    Lines(Vec<Vec<String>>),
    /// Rotated to read bottom-to-top, shrunk or wrapped (into lines side by
    /// side) if needed, never shortened.
    Vertical(Vec<Fitted>),
}

/// Longest vertical category label, in pixels.
const MAX_VERTICAL: i32 = 330;

/// Chooses how to draw `labels` centred in slots `slot` pixels wide.
pub(crate) fn layout_categories(labels: &[String], slot: i32) -> Categories {
    let f = font(style::TICK);
    let width = slot - 12;
    let wrapped: Option<Vec<Vec<String>>> = labels
        .iter()
        .map(|l| {
            wrap_words(&f, l, width).filter(|lines| lines.len() <= 3).map(|mut v| {
                if v.is_empty() {
                    v.push(String::new());
                }
                v
            })
        })
        .collect();
    match wrapped {
        Some(lines) => Categories::Lines(lines),
        None => {
            // As many rotated lines side by side as the slot has room for.
            let lines = (slot / (style::TICK * 1.15 / 1.24) as i32).clamp(1, 4) as usize;
            Categories::Vertical(labels.iter().map(|l| fit_paragraph(l, style::TICK, false, MAX_VERTICAL, lines)).collect())
        }
    }
}

fn line_height() -> i32 {
    (style::TICK * 1.2) as i32
}

/// Height the category labels need below the axis.
pub(crate) fn categories_height(c: &Categories) -> u32 {
    let h = match c {
        Categories::Lines(l) => l.iter().map(Vec::len).max().unwrap_or(1) as i32 * line_height(),
        Categories::Vertical(l) => l.iter().flat_map(|fit| fit.lines.iter().map(|s| measure(&font(fit.size), s).0)).max().unwrap_or(0),
    };
    (h + 28) as u32
}

/// Draws category labels under the axis at absolute `y`, centred on the
/// absolute x positions `centers`.
pub(crate) fn draw_categories<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Categories,
    centers: &[i32],
    y: i32,
) -> Result<(), PlotError> {
    let f = font(style::TICK);
    match c {
        Categories::Lines(labels) => {
            for (lines, &cx) in labels.iter().zip(centers) {
                for (k, line) in lines.iter().enumerate() {
                    let style = f.color(&INK).pos(Pos::new(HPos::Center, VPos::Top));
                    text_at(area, line, (cx, y + 14 + k as i32 * line_height()), style)?;
                }
            }
        }
        Categories::Vertical(labels) => {
            for (fit, &cx) in labels.iter().zip(centers) {
                let f = font(fit.size);
                let step = (fit.size * 1.15 / 1.24) as i32;
                let n = fit.lines.len() as i32;
                for (k, line) in fit.lines.iter().enumerate() {
                    let x = cx - step * (n - 1) / 2 + k as i32 * step;
                    let style = f.transform(FontTransform::Rotate270).color(&INK).pos(Pos::new(HPos::Right, VPos::Center));
                    text_at(area, line, (x, y + 14), style)?;
                }
            }
        }
    }
    Ok(())
}
