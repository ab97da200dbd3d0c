//! Output files: per-period CSVs, summaries across replications, the run manifest, and the
//! atomic writing that keeps interrupted runs from leaving partial files.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so the same results give the
//! same bytes on every run; undefined values are written as `NaN` (read as missing by pandas,
//! polars and R).

pub mod atomic;
pub mod csv;
pub mod manifest;
pub mod parquet;
pub mod tables;

use std::path::Path;

pub use atomic::{write_atomic, Staging};

pub use crate::error::OutputError;

/// Formats a number for CSV output: shortest round-trip form, always as a float (`0.0`, `2.0`,
/// `1e-7`), so pandas, polars and R infer a float column whatever its values; `NaN` for undefined
/// values.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else {
        format!("{x:?}")
    }
}

/// Formats the value of parameter `path` for a table: a whole number for whole-number
/// parameters, a float (as [`num`]) otherwise, so a swept column keeps its type whatever the grid.
/// A categorical parameter (a choice or a boolean) is written as its word (`veto`, `true`); a
/// design point holds it as the word's position in the registry's list.
pub fn param_cell(path: &str, x: f64) -> String {
    if let Some(word) = crate::analysis::design::category_word(path, x) {
        return word.to_string();
    }
    match crate::params::spec_for(path).map(|s| s.kind) {
        Some(crate::params::Kind::Int { .. }) if x.is_finite() => format!("{}", x.round() as i64),
        _ => num(x),
    }
}

/// Reads a text file of at most `cap` bytes (refusing larger ones instead of filling memory).
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut text = String::new();
    f.take(cap + 1).read_to_string(&mut text)?;
    if text.len() as u64 > cap {
        return Err(std::io::Error::other(format!("larger than {} MiB", cap >> 20)));
    }
    Ok(text)
}

/// `text` on one line: line breaks and control characters become spaces.
pub fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// SHA-256 state, line count and length of the first `limit` bytes of a file (all of it with
/// `None`), read in pieces.
pub fn digest(path: &Path, limit: Option<u64>) -> std::io::Result<(sha2::Sha256, u64, u64)> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?.take(limit.unwrap_or(u64::MAX));
    let mut h = sha2::Sha256::new();
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok((h, lines, bytes))
}

/// SHA-256 (hex) and line count of a file.
pub fn file_digest(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::Digest;
    let (h, lines, _) = digest(path, None)?;
    Ok((hex(&h.finalize()), lines))
}

/// Lowercase hexadecimal of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
