//! Integration tests grouped by topic, one file each.

mod analysis;
mod calibrate;
mod experiments;
mod explore;
mod figures;
mod fuzz;
mod hardening;
mod integrity;
mod library;
mod python;
mod readme;
mod tables;
