//! # cadresim
//!
//! A fast, parallel, reproducible agent-based simulator of grassroots government cadres choosing
//! how to spend their effort (substantive work, paperwork, or nothing) under accountability
//! regimes: the one-vote veto, points deduction, due-diligence exemption, promotion incentives,
//! appraisal weighted on materials or on public satisfaction.
//!
//! The library is the product; the `cadresim` binary is a thin front end. The flow is
//! scenario file → [`scenario::Scenario`] → validated [`model::Params`] → [`engine::Model`] →
//! [`engine::run_replications`] → [`metrics`] → [`report`] tables and figures → [`output`] files.
//!
//! Front ends describe work with the typed specs of [`spec`], pass a [`job::Job`] (their own
//! progress sink and cancellation token), and call [`commands`]; see docs/ARCHITECTURE.md.
//!
//! ```
//! use cadresim::{engine, scenario::Scenario};
//!
//! let mut scenario = Scenario::defaults();
//! scenario.apply_sets(&[("population.townships".into(), "2".into()), ("population.periods".into(), "12".into())]).unwrap();
//! let model = engine::Model::new(scenario.params().unwrap());
//! let runs = engine::run_replications(&model, 42, 0..2, &engine::Silent).unwrap();
//! let last = &runs[0].periods[11].total;
//! let s = (cadresim::metrics::metric("s").unwrap().eval)(last);
//! assert!((0.0..=1.0).contains(&s));
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod build_info;
pub mod calibrate;
pub mod commands;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod exposure;
pub mod job;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod params;
pub mod plot;
pub mod report;
pub mod resources;
pub mod scenario;
pub mod spec;
pub mod verify;

pub use error::{Error, SpecError};
pub use job::{CancelToken, Job, NoProgress, ProgressSink};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The layers of the library, lowest first: a module may use modules of its own or a lower
/// layer, never a higher one (docs/ARCHITECTURE.md draws the same picture).
#[cfg(test)]
const LAYERS: &[&[&str]] = &[
    &["build_info"],
    &["math"],
    &["params"],
    &["model"],
    &["metrics"],
    &["scenario"],
    &["engine"],
    &["resources"],
    &["analysis", "plot", "exposure"],
    &["job"],
    &["error"],
    &["output"],
    &["experiment"],
    &["report", "calibrate"],
    &["spec", "verify"],
    &["commands"],
];

#[cfg(test)]
mod layering {
    use super::LAYERS;

    fn layer(module: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&module))
    }

    /// `crate::X` references in the code of `text` (comments left out).
    fn uses(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + 7..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        }
        out
    }

    #[test]
    fn no_module_uses_a_higher_layer_and_every_module_has_a_layer() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut bad = Vec::new();
        let mut files = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() && p.file_name().is_some_and(|n| n != "bin") {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && p.parent() != Some(src.as_path())
                    || p.file_name().is_some_and(|n| n != "lib.rs") && p.extension().is_some_and(|x| x == "rs")
                {
                    files.push(p);
                }
            }
        }
        for f in files {
            let rel = f.strip_prefix(&src).unwrap();
            let module = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
            let Some(own) = layer(&module) else {
                bad.push(format!("{}: module `{module}` has no layer in LAYERS", rel.display()));
                continue;
            };
            for used in uses(&std::fs::read_to_string(&f).unwrap()) {
                match layer(&used) {
                    Some(l) if l > own => bad.push(format!("{}: `{module}` uses higher layer `{used}`", rel.display())),
                    None if !used.is_empty() => bad.push(format!("{}: uses unknown module `{used}`", rel.display())),
                    _ => {}
                }
            }
        }
        assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
    }
}
