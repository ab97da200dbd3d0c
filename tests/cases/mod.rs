//! Integration tests grouped by topic, one file each.

mod experiments;
mod explore;
mod fuzz;
mod hardening;
mod library;
mod python;
