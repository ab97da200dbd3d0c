//! Integration tests grouped by topic, one file each.

mod experiments;
mod fuzz;
mod hardening;
mod library;
mod explore;
