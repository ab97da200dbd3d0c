//! Publication-quality figures of already-computed results.
//!
//! Every function here is pure rendering: it takes plain numbers, draws one
//! figure and writes it twice, as `<stem>.png` (1600 px wide, text sized to
//! stay legible when the figure is shrunk to a column of a paper) and as
//! `<stem>.svg`. Both files are first rendered to temporary files in the same
//! directory and then renamed into place, so an interrupted run never leaves
//! a half-written image behind. Missing parent directories are created.
//!
//! Odd data never panics: NaN and infinite values are skipped (lines and
//! bands break at them), empty inputs give a figure saying "no data",
//! constant data gets a padded axis. Inputs whose shapes disagree (for
//! example a mean vector shorter than its x vector) are rejected with
//! [`PlotError::InvalidInput`] before any file is touched.
//!
//! Colours follow the Okabe–Ito colour-blind-safe palette in a fixed order
//! (blue, vermillion, green, orange, sky blue, purple, black, yellow), so the
//! `i`-th series has the same colour in every figure; from the seventh series
//! on lines are dashed, from the thirteenth dotted. Heat maps use viridis, or
//! a diverging blue–red map centred on 0 for differences. Text uses the
//! embedded DejaVu Sans fonts, so rendering needs no system fonts, and is
//! never cut short: long titles, labels and legend entries are wrapped at
//! spaces or shrunk. Scenario names are shown with underscores as spaces,
//! parameter paths and metric names with their human names from [`labels`].
//!
//! Two layers of API: the original functions ([`time_series`], [`bars`],
//! [`heatmap`], ...) take plain arguments; the typed functions
//! ([`line_figure`], [`panel_figure`], the paradox figures
//! [`sanction_by_class`], [`blame_ratio`], [`paired_differences`],
//! [`sanction_by_effort`], and [`heatmap_figure`], [`sobol_figure`],
//! [`morris_figure`]) take a struct that also carries a [`FigureInfo`]:
//! replications, window and interval kind, stated in a caption under the
//! plot, with a warning when there are fewer than [`FEW_REPLICATIONS`]
//! replications. docs/FIGURES.md describes every figure kind.

mod bars;
mod corner;
#[cfg(test)]
mod figure_tests;
mod heatmap;
pub mod labels;
mod layout;
mod output;
mod paradox;
mod scatter;
mod sensitivity;
mod series;
mod spec;
mod style;
#[cfg(test)]
mod tests;
mod text;

use std::fmt;
use std::path::{Path, PathBuf};

pub use corner::PairFigure;
pub(crate) use sensitivity::ranked;
pub use spec::{
    BarFigure, BlameRatio, ClassSanctions, DiffPanel, EffortSanctions, FigureInfo, HeatmapFigure, Interval, LineFigure, MorrisFigure,
    PairedDifferences, Panel, PanelFigure, RefLine, SharesFigure, SobolFigure, YRange, FEW_REPLICATIONS,
};
pub use style::viridis;

/// Why a figure could not be produced.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// The data cannot be drawn as given (mismatched lengths, non-finite
    /// heat-map coordinates, an output stem without a file name, ...).
    InvalidInput(String),
    /// Creating the output directory or writing, syncing or renaming an
    /// output file failed.
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The drawing library failed while rendering.
    Render(String),
    /// The embedded fonts could not be loaded.
    Font(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::InvalidInput(msg) => write!(f, "cannot plot this data: {msg}"),
            PlotError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            PlotError::Render(msg) => write!(f, "rendering failed: {msg}"),
            PlotError::Font(msg) => write!(f, "font error: {msg}"),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        PlotError::Render(e.to_string())
    }
}

/// One layer of a stacked share chart: `(name, one value per x)`.
pub type Layer = (String, Vec<f64>);

/// One panel of [`stacked_shares_panels`]: `(scenario, x, layers)`.
pub type SharesPanel = (String, Vec<f64>, Vec<Layer>);

/// One line of a time-series (or parameter-sweep) figure with its interval.
///
/// `mean` must have the same length as `x`. `low` and `high` (typically the
/// bounds of a 95% confidence interval) must either both have that length
/// or both be empty, in which case no band is drawn. Non-finite values break
/// the line and the band at that point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Band {
    /// Legend text (e.g. the scenario name); an empty label is left out of
    /// the legend.
    pub label: String,
    /// Horizontal positions (period, or parameter value for a sweep).
    pub x: Vec<f64>,
    /// Central value drawn as the line.
    pub mean: Vec<f64>,
    /// Lower bound of the shaded band.
    pub low: Vec<f64>,
    /// Upper bound of the shaded band.
    pub high: Vec<f64>,
}

impl Band {
    /// A line without an interval band.
    pub fn line(label: impl Into<String>, x: Vec<f64>, mean: Vec<f64>) -> Self {
        Band { label: label.into(), x, mean, low: Vec::new(), high: Vec::new() }
    }

    fn validate(&self) -> Result<(), PlotError> {
        let n = self.x.len();
        if self.mean.len() != n {
            return Err(PlotError::InvalidInput(format!("series {:?}: {} x values but {} mean values", self.label, n, self.mean.len())));
        }
        let band_ok = (self.low.is_empty() && self.high.is_empty()) || (self.low.len() == n && self.high.len() == n);
        if !band_ok {
            return Err(PlotError::InvalidInput(format!(
                "series {:?}: {} x values but {} low and {} high values \
                 (give both with the same length as x, or leave both empty)",
                self.label,
                n,
                self.low.len(),
                self.high.len()
            )));
        }
        Ok(())
    }
}

/// One bar with an error whisker from `low` to `high`.
///
/// A non-finite `mean` leaves the bar out; a non-finite bound leaves the
/// whisker out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bar {
    /// Category label (ignored by [`grouped_bars`], which labels groups).
    pub label: String,
    /// Bar height.
    pub mean: f64,
    /// Lower end of the whisker.
    pub low: f64,
    /// Upper end of the whisker.
    pub high: f64,
}

/// Line chart with one line per series, each with a translucent interval band
/// (e.g. a 95% confidence interval) and a legend above the plot.
///
/// Also suited to parameter sweeps (`x` = parameter value); series with at
/// most 25 points get point markers. Writes `<stem>.png` and `<stem>.svg` and
/// returns their paths.
pub fn time_series(stem: &Path, title: &str, x_label: &str, y_label: &str, series: &[Band]) -> Result<Vec<PathBuf>, PlotError> {
    series.iter().try_for_each(Band::validate)?;
    output::render(stem, &series::LineChart(&series::untyped_line(title, x_label, y_label, series)))
}

/// Small multiples: a grid of time-series panels, `columns` wide, sharing one
/// legend above them.
///
/// Each panel is `(panel title, series)`; the panel title doubles as the y
/// label, so put units in it. Series are coloured by label, so a scenario
/// keeps its colour in every panel. Writes `<stem>.png` and `<stem>.svg`.
pub fn panel_time_series(
    stem: &Path,
    title: &str,
    x_label: &str,
    panels: &[(String, Vec<Band>)],
    columns: usize,
) -> Result<Vec<PathBuf>, PlotError> {
    panels.iter().flat_map(|(_, bands)| bands.iter()).try_for_each(Band::validate)?;
    let fig = PanelFigure {
        info: FigureInfo::titled(title),
        x_label: labels::label_of(x_label),
        panels: panels.iter().map(|(t, s)| Panel { title: t.clone(), series: s.clone() }).collect(),
        columns,
        ..PanelFigure::default()
    };
    output::render(stem, &series::PanelChart(&fig))
}

/// Stacked area chart of shares (e.g. avoiding / minimal / diligent cadres)
/// over `x`, with the y axis from 0 to 1 labelled "share of cadres".
///
/// Each layer is `(name, values)` with one value per `x`; layers are stacked
/// in the order given, the first at the bottom. Points where any layer is
/// non-finite are left as gaps. Writes `<stem>.png` and `<stem>.svg`.
pub fn stacked_shares(stem: &Path, title: &str, x_label: &str, x: &[f64], layers: &[Layer]) -> Result<Vec<PathBuf>, PlotError> {
    series::validate_layers("stacked shares", x, layers)?;
    output::render(stem, &series::StackedShares { title, x_label, x, layers, caption: Vec::new() })
}

/// A grid of [`stacked_shares`] panels, one per scenario, `columns` wide,
/// sharing one legend.
///
/// Each panel is `(scenario, x, layers)`; layers are coloured by name, so a
/// layer keeps its colour in every panel. Writes `<stem>.png` and
/// `<stem>.svg`.
pub fn stacked_shares_panels(
    stem: &Path,
    title: &str,
    x_label: &str,
    panels: &[SharesPanel],
    columns: usize,
) -> Result<Vec<PathBuf>, PlotError> {
    for (name, x, layers) in panels {
        series::validate_layers(name, x, layers)?;
    }
    output::render(stem, &series::StackedSharesPanels { title, x_label, panels, columns, caption: Vec::new() })
}

/// Vertical bars with error whiskers, one per category, labelled on the x
/// axis (long labels are wrapped, or turned vertical and shortened).
///
/// With at most eight bars each bar takes the palette colour of its position,
/// matching the series colours of the other figures; more bars are all drawn
/// in the first colour. Writes `<stem>.png` and `<stem>.svg`.
pub fn bars(stem: &Path, title: &str, y_label: &str, bars: &[Bar]) -> Result<Vec<PathBuf>, PlotError> {
    let y_label = labels::label_of(y_label);
    output::render(stem, &bars::Bars { title, y_label: &y_label, bars, caption: Vec::new(), proportion: false })
}

/// Grouped bars with whiskers: one group per entry of `groups` on the x axis
/// (e.g. parameters), one bar per series inside each group (e.g. Sobol S1 and
/// ST), and a legend for the series.
///
/// Each series is `(name, bars)` with one [`Bar`] per group, in the order of
/// `groups`. Writes `<stem>.png` and `<stem>.svg`.
pub fn grouped_bars(
    stem: &Path,
    title: &str,
    y_label: &str,
    groups: &[String],
    series: &[(String, Vec<Bar>)],
) -> Result<Vec<PathBuf>, PlotError> {
    for (name, bars) in series {
        if bars.len() != groups.len() {
            return Err(PlotError::InvalidInput(format!(
                "grouped bars: series {name:?} has {} bars for {} groups",
                bars.len(),
                groups.len()
            )));
        }
    }
    let groups: Vec<String> = groups.iter().map(|g| labels::scenario_label(&labels::label_of(g))).collect();
    output::render(stem, &bars::GroupedBars { title, y_label, groups: &groups, series, caption: Vec::new() })
}

/// Heat map of `z[iy][ix]` over the grid `xs` × `ys`, coloured with viridis
/// and with a colour bar labelled `z_label`; NaN cells are grey and flagged
/// as "no data" under the colour bar.
///
/// `xs` and `ys` are cell centres and must be finite and strictly monotonic;
/// `z` must have one row per `ys` value and one column per `xs` value.
/// Writes `<stem>.png` and `<stem>.svg`.
#[allow(clippy::too_many_arguments)]
pub fn heatmap(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<f64>],
    z_label: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    let fig = HeatmapFigure {
        info: FigureInfo::titled(title),
        x_label: labels::label_of(x_label),
        y_label: labels::label_of(y_label),
        xs: xs.to_vec(),
        ys: ys.to_vec(),
        z: z.to_vec(),
        z_label: labels::label_of(z_label),
        ..HeatmapFigure::default()
    };
    heatmap_figure(stem, &fig)
}

/// Scatter plot whose points are each labelled with a name (e.g. Morris μ*
/// against σ, one point per parameter). Labels are placed beside their point
/// so as to avoid each other and the other points where possible.
///
/// Points with a non-finite coordinate are skipped. Writes `<stem>.png` and
/// `<stem>.svg`.
pub fn scatter_labelled(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(String, f64, f64)],
) -> Result<Vec<PathBuf>, PlotError> {
    let points: Vec<(String, f64, f64)> = points.iter().map(|(n, x, y)| (labels::scenario_label(&labels::label_of(n)), *x, *y)).collect();
    let fig = scatter::Scatter { title, x_label, y_label, points: &points, x_err: &[], rays: &[], caption: Vec::new() };
    output::render(stem, &fig)
}

/// A line chart with intervals, its y axis chosen by `fig.y_range`, optional
/// reference lines and a caption stating replications, window and interval
/// kind. Writes `<stem>.png` and `<stem>.svg`.
pub fn line_figure(stem: &Path, fig: &LineFigure) -> Result<Vec<PathBuf>, PlotError> {
    fig.series.iter().try_for_each(Band::validate)?;
    output::render(stem, &series::LineChart(fig))
}

/// Small multiples of line charts sharing a legend, an x description and a
/// caption; a series keeps its colour (by label) in every panel. Writes
/// `<stem>.png` and `<stem>.svg`.
pub fn panel_figure(stem: &Path, fig: &PanelFigure) -> Result<Vec<PathBuf>, PlotError> {
    fig.panels.iter().flat_map(|p| &p.series).try_for_each(Band::validate)?;
    output::render(stem, &series::PanelChart(fig))
}

/// Sanction rate of each effort class (avoiders, minimal, diligent, or
/// however many classes are given) over time with intervals, on a fixed
/// [0, 1] axis; one panel per scenario (a single scenario gets one chart).
/// Writes `<stem>.png` and `<stem>.svg`.
pub fn sanction_by_class(stem: &Path, fig: &ClassSanctions) -> Result<Vec<PathBuf>, PlotError> {
    fig.scenarios.iter().flat_map(|p| &p.series).try_for_each(Band::validate)?;
    paradox::sanction_by_class(stem, fig)
}

/// Blame ratio (sanction rate of the diligent over that of avoiders) over
/// time, one line per scenario, on an axis from 0 with a dashed reference
/// line at 1 (equal rates). Writes `<stem>.png` and `<stem>.svg`.
pub fn blame_ratio(stem: &Path, fig: &BlameRatio) -> Result<Vec<PathBuf>, PlotError> {
    fig.series.iter().try_for_each(Band::validate)?;
    paradox::blame_ratio(stem, fig)
}

/// Paired differences Δ of several metrics between each scenario and the
/// baseline: one panel per metric, one point with its interval per
/// scenario, a line at zero. Writes `<stem>.png` and `<stem>.svg`.
pub fn paired_differences(stem: &Path, fig: &PairedDifferences) -> Result<Vec<PathBuf>, PlotError> {
    output::render(stem, &paradox::Differences(fig))
}

/// Sanction probability per period against substantive work s, with x
/// ticks at the levels of the action grid, on a fixed [0, 1] axis; one line
/// per scenario. Writes `<stem>.png` and `<stem>.svg`.
pub fn sanction_by_effort(stem: &Path, fig: &EffortSanctions) -> Result<Vec<PathBuf>, PlotError> {
    fig.series.iter().try_for_each(Band::validate)?;
    paradox::sanction_by_effort(stem, fig)
}

/// Heat map with a fully visible colour bar, an optional outlined cell,
/// cell values on small grids and, for differences, a diverging colour map
/// centred on 0. Writes `<stem>.png` and `<stem>.svg`.
pub fn heatmap_figure(stem: &Path, fig: &HeatmapFigure) -> Result<Vec<PathBuf>, PlotError> {
    heatmap::validate(&fig.xs, &fig.ys, &fig.z)?;
    if let Some((ix, iy)) = fig.marked {
        if ix >= fig.xs.len() || iy >= fig.ys.len() {
            return Err(PlotError::InvalidInput(format!(
                "heatmap: marked cell ({ix}, {iy}) is outside the {} × {} grid",
                fig.xs.len(),
                fig.ys.len()
            )));
        }
    }
    output::render(stem, &heatmap::Heatmap(fig))
}

/// Sobol' indices as grouped bars (S1 and ST with intervals), parameters
/// ranked by total effect as in the table and named by their labels; the
/// caption states N and the replications. Writes `<stem>.png` and
/// `<stem>.svg`.
pub fn sobol_figure(stem: &Path, fig: &SobolFigure) -> Result<Vec<PathBuf>, PlotError> {
    sensitivity::sobol(stem, fig)
}

/// Morris screening: μ* with its interval (horizontal whisker) against σ,
/// one labelled point per parameter, and dashed reference lines σ/μ* = 0.1,
/// 0.5 and 1. Writes `<stem>.png` and `<stem>.svg`.
pub fn morris_figure(stem: &Path, fig: &MorrisFigure) -> Result<Vec<PathBuf>, PlotError> {
    sensitivity::morris(stem, fig)
}

/// Stacked shares of cadre types over time with a caption: one chart for a
/// single panel (the scenario is named in the caption), a grid of panels
/// otherwise. Writes `<stem>.png` and `<stem>.svg`.
pub fn shares_figure(stem: &Path, fig: &SharesFigure) -> Result<Vec<PathBuf>, PlotError> {
    for (name, x, layers) in &fig.panels {
        series::validate_layers(name, x, layers)?;
    }
    if let [(name, x, layers)] = fig.panels.as_slice() {
        let mut info = fig.info.clone();
        if !name.is_empty() {
            info.notes.insert(0, format!("scenario: {}", labels::scenario_label(name)));
        }
        let chart = series::StackedShares { title: &info.title, x_label: &fig.x_label, x, layers, caption: info.caption(&[]) };
        return output::render(stem, &chart);
    }
    let columns = if fig.columns == 0 { 2 } else { fig.columns };
    let chart = series::StackedSharesPanels {
        title: &fig.info.title,
        x_label: &fig.x_label,
        panels: &fig.panels,
        columns,
        caption: fig.info.caption(&[]),
    };
    output::render(stem, &chart)
}

/// Bars with whiskers (one per scenario, say) with a caption; with
/// `YRange::Proportion` the axis is fixed at [0, 1] and whiskers are clipped
/// to it (the caption says so). Writes `<stem>.png` and `<stem>.svg`.
pub fn bar_figure(stem: &Path, fig: &BarFigure) -> Result<Vec<PathBuf>, PlotError> {
    let proportion = fig.y_range == YRange::Proportion;
    let outside = fig.bars.iter().flat_map(|b| [b.mean, b.low, b.high]).any(|v| v.is_finite() && !(0.0..=1.0).contains(&v));
    let notes: Vec<String> = (proportion && outside).then(|| "intervals clipped to [0, 1]".to_string()).into_iter().collect();
    let chart =
        bars::Bars { title: &fig.info.title, y_label: &fig.y_label, bars: &fig.bars, caption: fig.info.caption(&notes), proportion };
    output::render(stem, &chart)
}

/// Pair (corner) plot of a calibration: one small scatter per pair of parameters, accepted points
/// in colour over rejected ones in grey, each parameter's name and range on the diagonal.
/// Points and accepted flags must have the same length, and every point one value per
/// parameter. Writes `<stem>.png` and `<stem>.svg`.
pub fn pair_figure(stem: &Path, fig: &PairFigure) -> Result<Vec<PathBuf>, PlotError> {
    if fig.points.len() != fig.accepted.len()
        || fig.bounds.len() != fig.names.len()
        || fig.points.iter().any(|p| p.len() != fig.names.len())
    {
        return Err(PlotError::InvalidInput(format!(
            "pair figure: {} points, {} accepted flags, {} parameters, {} bounds; every point needs one value per parameter",
            fig.points.len(),
            fig.accepted.len(),
            fig.names.len(),
            fig.bounds.len()
        )));
    }
    output::render(stem, &corner::Pairs(fig))
}
