//! The typed description of a figure: what it states about its data
//! (replications, window, interval kind), how its y axis is scaled, and the
//! data structs of each figure kind. Rendering lives in the sibling modules;
//! this module only holds plain data and the caption text derived from it.

use super::layout::CaptionLine;
use super::{Band, Bar};

/// Replications below which a figure warns that its intervals are rough.
pub const FEW_REPLICATIONS: usize = 5;

/// What the shaded bands or whiskers of a figure show.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub enum Interval {
    /// No intervals are drawn.
    #[default]
    None,
    /// 95% confidence interval of the mean over replications (Student t).
    MeanCi95,
    /// 95% Wilson score interval of a proportion (never leaves [0, 1]).
    Wilson95,
    /// 95% bootstrap percentile interval.
    Bootstrap95,
    /// Any other interval, described in words (e.g. "interquartile range").
    Described(String),
}

impl Interval {
    /// Words for the caption, `None` when no interval is drawn.
    pub fn describe(&self) -> Option<String> {
        match self {
            Interval::None => None,
            Interval::MeanCi95 => Some("95% confidence interval of the mean over replications (t)".into()),
            Interval::Wilson95 => Some("95% Wilson score interval".into()),
            Interval::Bootstrap95 => Some("95% bootstrap percentile interval".into()),
            Interval::Described(s) => Some(s.clone()),
        }
    }
}

/// What every figure states besides its data: the title and, in a caption
/// under the plot, the number of replications, the window the values come
/// from, the interval kind and any notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FigureInfo {
    /// Title over the figure (wrapped or shrunk to fit, never cut).
    pub title: String,
    /// Replications behind each value; below [`FEW_REPLICATIONS`] the
    /// caption warns that intervals are rough.
    pub replications: Option<usize>,
    /// Where the values come from, e.g. "last 12 of 96 periods" or "all
    /// periods".
    pub window: Option<String>,
    /// What the bands or whiskers show.
    pub interval: Interval,
    /// Further sentences for the caption (e.g. the seed or N of a design).
    pub notes: Vec<String>,
}

impl FigureInfo {
    /// A figure with only a title.
    pub fn titled(title: impl Into<String>) -> FigureInfo {
        FigureInfo { title: title.into(), ..FigureInfo::default() }
    }

    /// Caption lines: facts first, then the renderer's own `notes` (clipping,
    /// zoom), then a warning for few replications.
    pub(crate) fn caption(&self, notes: &[String]) -> Vec<CaptionLine> {
        let mut facts: Vec<String> = Vec::new();
        if let Some(n) = self.replications {
            facts.push(format!("{n} replication{}", if n == 1 { "" } else { "s" }));
        }
        if let Some(w) = self.window.as_ref().filter(|w| !w.trim().is_empty()) {
            facts.push(format!("window: {w}"));
        }
        if let Some(i) = self.interval.describe() {
            facts.push(format!("intervals: {i}"));
        }
        facts.extend(self.notes.iter().filter(|n| !n.trim().is_empty()).cloned());
        facts.extend(notes.iter().cloned());
        let mut lines = Vec::new();
        if !facts.is_empty() {
            let mut text = facts.join("; ");
            if let Some(first) = text.chars().next() {
                text.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
            }
            text.push('.');
            lines.push(CaptionLine { text, warning: false });
        }
        if let Some(n) = self.replications.filter(|n| *n < FEW_REPLICATIONS) {
            let what = if self.interval == Interval::None { "values" } else { "intervals" };
            lines.push(CaptionLine {
                text: format!(
                    "Only {n} replication{}: fewer than {FEW_REPLICATIONS}, so these {what} are rough.",
                    if n == 1 { "" } else { "s" }
                ),
                warning: true,
            });
        }
        lines
    }
}

/// How the y axis of a line figure is chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub enum YRange {
    /// Fitted to the data; when it does not include zero the figure says
    /// "y axis zoomed to [a, b]".
    #[default]
    Auto,
    /// From zero to just above the data (counts, ratios).
    FromZero,
    /// Fixed at [0, 1] for shares and probabilities; intervals are clipped
    /// to [0, 1] and the caption says so when that happened.
    Proportion,
    /// Fixed at `[lo, hi]`; values outside are clipped and the caption says
    /// so.
    Fixed {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

/// A horizontal reference line with its label (e.g. a blame ratio of 1).
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// Where the line is drawn on the y axis.
    pub value: f64,
    /// Text written at its right end, above the line.
    pub label: String,
}

/// One panel of a small-multiple figure: its title (which doubles as its y
/// label, so put units in it) and its series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// Lines with their intervals.
    pub series: Vec<Band>,
}

/// A line chart (time series or sweep) with intervals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the x axis, with unit.
    pub x_label: String,
    /// Description of the y axis, with unit.
    pub y_label: String,
    /// Lines; series `i` has the `i`-th palette colour (dashed from the
    /// seventh on).
    pub series: Vec<Band>,
    /// How the y axis is chosen.
    pub y_range: YRange,
    /// Horizontal reference lines.
    pub reference: Vec<RefLine>,
    /// Ticks of the x axis exactly at these values (e.g. the levels of the
    /// action grid); empty for automatic ticks.
    pub x_ticks: Vec<f64>,
}

/// A grid of line-chart panels sharing one legend and one x description.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanelFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the shared x axis, with unit.
    pub x_label: String,
    /// Description of every panel's y axis (empty: the panel titles say
    /// what is shown).
    pub y_label: String,
    /// The panels, row by row; a series keeps its colour (by label) in
    /// every panel.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// How each panel's y axis is chosen.
    pub y_range: YRange,
    /// Reference lines drawn in every panel.
    pub reference: Vec<RefLine>,
    /// Vertical reference lines drawn dashed in every panel at these x values (e.g. the
    /// status-quo value of a swept parameter); their labels go into the caption.
    pub x_reference: Vec<RefLine>,
}

/// Stacked shares of cadre types (e.g. avoiders, minimal, diligent) over
/// time, one panel per scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharesFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the x axis.
    pub x_label: String,
    /// `(scenario, x, layers)`, layers stacked in order from the bottom.
    pub panels: Vec<super::SharesPanel>,
    /// Panels per row (0: two).
    pub columns: usize,
}

/// One bar with a whisker per category (e.g. end-of-run values per
/// scenario).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the y axis, with unit.
    pub y_label: String,
    /// The bars (`label` = category, shown with underscores as spaces).
    pub bars: Vec<Bar>,
    /// `Proportion` for a fixed [0, 1] axis; anything else starts at 0.
    pub y_range: YRange,
}

/// Sanction rate of each effort class over time (are the diligent
/// sanctioned more often than avoiders?), one panel per scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassSanctions {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the x axis, e.g. "period (months)".
    pub x_label: String,
    /// One panel per scenario (title = scenario name); each series is one
    /// effort class (e.g. "avoiders", "minimal", "diligent"), as many as
    /// there are.
    pub scenarios: Vec<Panel>,
}

/// Blame ratio (sanction rate of the diligent over that of avoiders) over
/// time, one line per scenario, with a reference line at 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlameRatio {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the x axis.
    pub x_label: String,
    /// One line per scenario.
    pub series: Vec<Band>,
}

/// The paired difference of one metric between each scenario and the
/// baseline: one [`Bar`] per scenario, `mean` = Δ, `low`/`high` its interval.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffPanel {
    /// Metric label with unit (the panel title reads "Δ" and this label).
    pub metric: String,
    /// One entry per compared scenario (`label` = scenario name).
    pub diffs: Vec<Bar>,
}

/// Paired differences of several metrics from the first (baseline)
/// scenario, one panel per metric, with a line at zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairedDifferences {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Name of the scenario all differences are taken from.
    pub baseline: String,
    /// One panel per metric.
    pub metrics: Vec<DiffPanel>,
    /// Panels per row.
    pub columns: usize,
}

/// Sanction probability against substantive work s across the action grid
/// ("the more you do, the more you are blamed"), one line per scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffortSanctions {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// The s levels of the action grid (x ticks are put exactly here).
    pub s_levels: Vec<f64>,
    /// One line per scenario; `x` holds s levels, `mean` the probability.
    pub series: Vec<Band>,
}

/// A heat map over a rectilinear grid with optional marked cell and
/// printed values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatmapFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Description of the x axis (a parameter path is turned into its label).
    pub x_label: String,
    /// Description of the y axis.
    pub y_label: String,
    /// Cell centres along x (finite, strictly monotonic).
    pub xs: Vec<f64>,
    /// Cell centres along y (finite, strictly monotonic).
    pub ys: Vec<f64>,
    /// `z[iy][ix]`; NaN cells are grey.
    pub z: Vec<Vec<f64>>,
    /// Label of the colour bar, with unit.
    pub z_label: String,
    /// A cell to outline, as `(ix, iy)` (e.g. the status-quo point).
    pub marked: Option<(usize, usize)>,
    /// Text next to the marked cell's entry in the caption, e.g. "status quo".
    pub marked_label: String,
    /// Values are differences: a diverging colour map centred on 0.
    pub diverging: bool,
    /// Print each cell's value (default: when the grid is at most 12 × 12).
    pub values: Option<bool>,
}

/// Sobol' indices of one output, bars ranked by total effect as in the
/// table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SobolFigure {
    /// Title and caption facts (put N and the runs in `info`, or use
    /// `samples`).
    pub info: FigureInfo,
    /// Base sample size N of the design.
    pub samples: usize,
    /// Parameter paths (shown with their labels).
    pub parameters: Vec<String>,
    /// First-order indices with intervals, one per parameter.
    pub s1: Vec<Bar>,
    /// Total-effect indices with intervals, one per parameter.
    pub st: Vec<Bar>,
}

/// Morris screening: μ* (with its interval) against σ, one point per
/// parameter, with reference lines σ/μ* = 0.1, 0.5 and 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MorrisFigure {
    /// Title and caption facts.
    pub info: FigureInfo,
    /// Number of trajectories r.
    pub trajectories: usize,
    /// Parameter paths (shown with their labels).
    pub parameters: Vec<String>,
    /// μ*: mean absolute elementary effect, with `low`/`high` its interval.
    pub mu_star: Vec<Bar>,
    /// σ: standard deviation of the elementary effects.
    pub sigma: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caption_states_facts_and_warns_about_few_replications() {
        let info = FigureInfo {
            title: "t".into(),
            replications: Some(2),
            window: Some("last 12 periods".into()),
            interval: Interval::MeanCi95,
            notes: vec![],
        };
        let c = info.caption(&["intervals clipped to [0, 1]".into()]);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[0].text.starts_with("2 replications; window: last 12 periods; intervals: 95%"), "{}", c[0].text);
        assert!(c[0].text.ends_with("clipped to [0, 1]."), "{}", c[0].text);
        assert!(c[1].warning && c[1].text.contains("Only 2 replications"), "{c:?}");
        let many = FigureInfo { replications: Some(20), ..info };
        assert!(many.caption(&[]).iter().all(|l| !l.warning));
        assert!(FigureInfo::titled("x").caption(&[]).is_empty());
    }
}
