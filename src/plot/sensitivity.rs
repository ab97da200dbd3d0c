//! Figures of sensitivity analyses: Sobol' indices as bars ranked by total
//! effect (the order of the printed table), and the Morris μ*–σ plane with
//! μ* intervals and σ/μ* reference lines (0.1, 0.5 and 1, the bounds of
//! Garcia Sanchez et al.'s classes: linear, monotonic, almost monotonic,
//! non-linear or non-monotonic).

use std::path::{Path, PathBuf};

use super::bars::GroupedBars;
use super::output;
use super::scatter::Scatter;
use super::spec::{MorrisFigure, SobolFigure};
use super::{labels, Bar, PlotError};

/// σ/μ* ratios drawn as reference rays in Morris figures.
pub const MORRIS_RATIOS: [f64; 3] = [0.1, 0.5, 1.0];

/// Parameter order by decreasing `key` (NaN last), ties in input order: the one ranking of
/// sensitivity indices, used by the figures and by the printed table alike.
pub(crate) fn ranked(key: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (key[*a], key[*b]);
        match (x.is_nan(), y.is_nan()) {
            (false, false) => y.total_cmp(&x),
            (nx, ny) => nx.cmp(&ny),
        }
    });
    order
}

/// See [`super::sobol_figure`].
pub(crate) fn sobol(stem: &Path, fig: &SobolFigure) -> Result<Vec<PathBuf>, PlotError> {
    let k = fig.parameters.len();
    if fig.s1.len() != k || fig.st.len() != k {
        return Err(PlotError::InvalidInput(format!(
            "sobol figure: {k} parameters but {} S1 and {} ST values",
            fig.s1.len(),
            fig.st.len()
        )));
    }
    let order = ranked(&fig.st.iter().map(|b| b.mean).collect::<Vec<_>>());
    let groups: Vec<String> = order.iter().map(|&i| labels::param_label(&fig.parameters[i])).collect();
    let pick = |v: &[Bar]| order.iter().map(|&i| v[i].clone()).collect::<Vec<Bar>>();
    let series = vec![("first order S1".to_string(), pick(&fig.s1)), ("total effect ST".to_string(), pick(&fig.st))];
    let mut info = fig.info.clone();
    if fig.samples > 0 {
        info.notes.insert(0, format!("N\u{a0}=\u{a0}{} base samples", fig.samples));
    }
    info.notes.push("parameters ranked by total effect ST, as in the table".to_string());
    let bars = GroupedBars {
        title: &info.title,
        y_label: "share of output variance",
        groups: &groups,
        series: &series,
        caption: info.caption(&[]),
    };
    output::render(stem, &bars)
}

/// See [`super::morris_figure`].
pub(crate) fn morris(stem: &Path, fig: &MorrisFigure) -> Result<Vec<PathBuf>, PlotError> {
    let k = fig.parameters.len();
    if fig.mu_star.len() != k || fig.sigma.len() != k {
        return Err(PlotError::InvalidInput(format!(
            "morris figure: {k} parameters but {} mu* and {} sigma values",
            fig.mu_star.len(),
            fig.sigma.len()
        )));
    }
    let points: Vec<(String, f64, f64)> =
        (0..k).map(|i| (labels::param_label(&fig.parameters[i]), fig.mu_star[i].mean, fig.sigma[i])).collect();
    let x_err: Vec<(f64, f64)> = fig.mu_star.iter().map(|b| (b.low, b.high)).collect();
    let rays: Vec<(f64, String)> = MORRIS_RATIOS.iter().map(|r| (*r, format!("σ/μ* = {r}"))).collect();
    let mut info = fig.info.clone();
    let hidden: Vec<String> = points.iter().filter(|(_, x, y)| !(x.is_finite() && y.is_finite())).map(|p| p.0.clone()).collect();
    if !hidden.is_empty() {
        info.notes.push(format!("not shown (μ* or σ undefined): {}", hidden.join(", ")));
    }
    if fig.trajectories > 0 {
        info.notes.insert(0, format!("r\u{a0}=\u{a0}{} trajectories", fig.trajectories));
    }
    info.notes.push(
        "whiskers: interval of μ*; dashed: σ/μ* = 0.1, 0.5, 1 (below 0.1 linear, to 0.5 monotonic, to 1 almost monotonic, above 1 non-linear, non-monotonic or interacting)"
            .to_string(),
    );
    let scatter = Scatter {
        title: &info.title,
        x_label: "μ* (mean absolute elementary effect)",
        y_label: "σ (sd of elementary effects)",
        points: &points,
        x_err: &x_err,
        rays: &rays,
        caption: info.caption(&[]),
    };
    output::render(stem, &scatter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_puts_largest_first_and_nan_last() {
        assert_eq!(ranked(&[0.1, f64::NAN, 0.5, 0.3]), vec![2, 3, 0, 1]);
        assert!(ranked(&[]).is_empty());
    }
}
