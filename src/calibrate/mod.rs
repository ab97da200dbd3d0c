//! Pattern-oriented calibration (Grimm et al. 2005): patterns as data, judged at every point of
//! a Sobol' or Latin-hypercube design over parameter ranges, with paired intervals across
//! replications under common random numbers.
//!
//! - [`pattern`] reads the pattern file (named, documented conditions such as
//!   `blame_ratio(status_quo) > 1.5`) and checks it before anything runs;
//! - [`judge`] judges conditions at one point from a closure giving window means, and aggregates
//!   the verdicts over a design (accepted region, binding pattern, robustness of reform effects);
//!   it needs no simulator, so it is tested on toy functions with known answers;
//! - [`report`] turns the rows of a calibration experiment into tables, a Markdown report and
//!   the pair plot.
//!
//! The runs themselves are an ordinary [`crate::experiment::Experiment`] (built by
//! `spec::CalibrateSpec`) whose points are design points × scenarios, so journals, resume,
//! shards and merge work as for every other experiment.

pub mod judge;
pub mod pattern;
pub mod report;

pub use judge::{aggregate, judge_point, Aggregate, PointVerdicts, Status, Verdict};
pub use pattern::{Pattern, PatternFile};
pub use report::CalibrationReport;

/// Tables a finished calibration writes, besides its rows file.
pub const TABLES: &[&str] = &[
    "calibration_points.csv",
    "calibration_patterns.csv",
    "calibration_region.csv",
    "calibration_binding.csv",
    "calibration_effects.csv",
    "calibration.md",
];

/// Stems of its figures (each as PNG and SVG under `plots/`).
pub const PLOTS: &[&str] = &["pairs"];
