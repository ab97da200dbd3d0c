//! Integration tests grouped by topic, one file each.

mod experiments;
mod python;
