//! Visual constants shared by every figure: the embedded DejaVu fonts, text
//! sizes, the Okabe–Ito qualitative palette and the viridis colour map.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle, RGBColor};

use super::PlotError;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE`).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold (same licence).
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Font family name under which the embedded fonts are registered.
pub(crate) const FAMILY: &str = "sans-serif";

/// Canvas width of every figure, in pixels.
pub(crate) const WIDTH: u32 = 1600;
/// Canvas height of single-panel figures, in pixels.
pub(crate) const HEIGHT: u32 = 1000;

// Text sizes in plotters units: both outputs draw text with an em of
// `size / 1.24` pixels, so these give a 40 px title, 30 px axis labels and
// 24 px tick labels.
/// Figure title.
pub(crate) const TITLE: f64 = 50.0;
/// Axis descriptions.
pub(crate) const LABEL: f64 = 37.0;
/// Tick labels.
pub(crate) const TICK: f64 = 30.0;
/// Legend entries.
pub(crate) const LEGEND: f64 = 33.0;
/// Titles of the panels of small-multiple figures.
pub(crate) const PANEL_TITLE: f64 = 35.0;
/// Point labels of scatter plots and other annotations.
pub(crate) const ANNOTATION: f64 = 29.0;

/// Captions (replications, window, interval kind, notes).
pub(crate) const CAPTION: f64 = 29.0;
/// Cell values printed on small heat maps.
pub(crate) const CELL_VALUE: f64 = 25.0;

/// Stroke width of data lines.
pub(crate) const LINE_WIDTH: u32 = 4;
/// Opacity of interval bands.
pub(crate) const BAND_ALPHA: f64 = 0.22;

/// Light grey of grid lines.
pub(crate) const GRID: RGBColor = RGBColor(222, 222, 222);
/// Near-black used for text and axes.
pub(crate) const INK: RGBColor = RGBColor(25, 25, 25);
/// Dark grey of caption text.
pub(crate) const CAPTION_INK: RGBColor = RGBColor(70, 70, 70);
/// Vermillion of warnings in captions (few replications).
pub(crate) const WARNING: RGBColor = RGBColor(0xB0, 0x3A, 0x00);
/// Neutral grey for missing (NaN) heat-map cells; absent from viridis.
pub(crate) const MISSING: RGBColor = RGBColor(190, 190, 190);

/// Okabe–Ito colour-blind-safe palette, ordered so that the first colours
/// contrast most on white; yellow, weak on white, comes last.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// Colour of the `i`-th series or layer (the palette repeats after eight).
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Series drawn solid before lines switch to dashes, then to dots.
pub(crate) const SOLID_SERIES: usize = 6;

/// Line pattern of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dash {
    /// A continuous line.
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dashes.
    Dotted,
}

impl Dash {
    /// `(dash, gap)` lengths in pixels, `None` for a solid line.
    pub fn pattern(self) -> Option<(i32, i32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((18, 10)),
            Dash::Dotted => Some((5, 8)),
        }
    }
}

/// Shape of a point marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle pointing up.
    Triangle,
}

/// Marker of the `i`-th series in point figures: circles for the first
/// eight (one per palette colour), then squares, then triangles, so that
/// points never share both colour and shape.
pub(crate) fn series_marker(i: usize) -> Marker {
    match (i / PALETTE.len()) % 3 {
        0 => Marker::Circle,
        1 => Marker::Square,
        _ => Marker::Triangle,
    }
}

/// Line pattern of the `i`-th series: the first six are solid, the next six
/// dashed, the next six dotted, so that with more series than distinct
/// colours no two lines look alike.
pub(crate) fn series_dash(i: usize) -> Dash {
    match (i / SOLID_SERIES) % 3 {
        0 => Dash::Solid,
        1 => Dash::Dashed,
        _ => Dash::Dotted,
    }
}

/// The embedded fonts parsed for direct glyph rasterisation, `None` if they
/// cannot be parsed (then plotters' own text drawing is used).
pub(crate) fn glyph_font(bold: bool) -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONTS: OnceLock<Option<[ab_glyph::FontRef<'static>; 2]>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = ab_glyph::FontRef::try_from_slice(REGULAR).ok()?;
            let bold = ab_glyph::FontRef::try_from_slice(BOLD).ok()?;
            Some([regular, bold])
        })
        .as_ref()
        .map(|f| &f[usize::from(bold)])
}

/// Registers the embedded fonts with plotters exactly once per process.
pub(crate) fn ensure_fonts() -> Result<(), PlotError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).map_err(|_| "DejaVuSans.ttf".to_string())?;
        register_font(FAMILY, FontStyle::Bold, BOLD).map_err(|_| "DejaVuSans-Bold.ttf".to_string())?;
        Ok(())
    })
    .clone()
    .map_err(|name| PlotError::Font(format!("embedded font {name} could not be parsed")))
}

/// Control points of matplotlib's viridis map (van der Walt & Smith, CC0):
/// every eighth entry of the published 256-entry table, as
/// `(index in 0..=255, [r, g, b])`. Linear interpolation between them stays
/// within 2/255 of the full table.
const VIRIDIS: [(u8, [f64; 3]); 33] = [
    (0, [0.267004, 0.004874, 0.329415]),
    (8, [0.277018, 0.050344, 0.375715]),
    (16, [0.282327, 0.094955, 0.417331]),
    (24, [0.282884, 0.13592, 0.453427]),
    (32, [0.278826, 0.17549, 0.483397]),
    (40, [0.270595, 0.214069, 0.507052]),
    (48, [0.258965, 0.251537, 0.524736]),
    (56, [0.244972, 0.287675, 0.53726]),
    (64, [0.229739, 0.322361, 0.545706]),
    (72, [0.214298, 0.355619, 0.551184]),
    (80, [0.19943, 0.387607, 0.554642]),
    (88, [0.185556, 0.41857, 0.556753]),
    (96, [0.172719, 0.448791, 0.557885]),
    (104, [0.160665, 0.47854, 0.558115]),
    (112, [0.149039, 0.508051, 0.55725]),
    (120, [0.13777, 0.537492, 0.554906]),
    (128, [0.127568, 0.566949, 0.550556]),
    (135, [0.121148, 0.592739, 0.544641]),
    (143, [0.120081, 0.622161, 0.534946]),
    (151, [0.130067, 0.651384, 0.521608]),
    (159, [0.153894, 0.680203, 0.504172]),
    (167, [0.19109, 0.708366, 0.482284]),
    (175, [0.239374, 0.735588, 0.455688]),
    (183, [0.296479, 0.761561, 0.424223]),
    (191, [0.360741, 0.785964, 0.387814]),
    (199, [0.430983, 0.808473, 0.346476]),
    (207, [0.506271, 0.828786, 0.300362]),
    (215, [0.585678, 0.846661, 0.249897]),
    (223, [0.668054, 0.861999, 0.196293]),
    (231, [0.751884, 0.874951, 0.143228]),
    (239, [0.83527, 0.886029, 0.102646]),
    (247, [0.916242, 0.896091, 0.100717]),
    (255, [0.993248, 0.906157, 0.143936]),
];

/// Viridis colour for `t` in `[0, 1]` (values outside are clamped; NaN gives
/// the neutral grey used for missing data).
pub fn viridis(t: f64) -> RGBColor {
    if t.is_nan() {
        return MISSING;
    }
    let pos = t.clamp(0.0, 1.0) * 255.0;
    let k = VIRIDIS.iter().position(|(i, _)| f64::from(*i) >= pos).unwrap_or(VIRIDIS.len() - 1).max(1);
    let (i0, c0) = VIRIDIS[k - 1];
    let (i1, c1) = VIRIDIS[k];
    let f = ((pos - f64::from(i0)) / f64::from(i1 - i0)).clamp(0.0, 1.0);
    let ch = |j: usize| ((c0[j] + (c1[j] - c0[j]) * f) * 255.0).round() as u8;
    RGBColor(ch(0), ch(1), ch(2))
}
