//! # cadresim
//!
//! A fast, parallel, reproducible agent-based simulator of grassroots government cadres choosing
//! how to spend their effort (substantive work, paperwork, or nothing) under accountability
//! regimes: the one-vote veto, points deduction, due-diligence exemption, promotion incentives,
//! appraisal weighted on materials or on public satisfaction.
//!
//! The library is the product; the `cadresim` binary is a thin front end. The flow is
//! scenario file → [`scenario::Scenario`] → validated [`model::Params`] → [`engine::Model`] →
//! [`engine::run_replications`] → [`metrics`] → [`output`] files.
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
pub mod app;
pub mod cli;
pub mod engine;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod params;
pub mod plot;
pub mod resources;
pub mod scenario;
pub mod verify;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
