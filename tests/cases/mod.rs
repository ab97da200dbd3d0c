//! Integration tests grouped by topic, one file each.

mod calibrate;
mod experiments;
mod explore;
mod fuzz;
mod hardening;
mod integrity;
mod library;
mod python;
