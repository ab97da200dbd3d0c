//! Output files: per-period CSVs, summaries across replications, the run manifest, and the
//! atomic writing that keeps interrupted runs from leaving partial files.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so the same results give the
//! same bytes on every run; undefined values are written as `NaN` (read as missing by pandas,
//! polars and R).

pub mod atomic;
pub mod manifest;
pub mod tables;

use std::fmt;
use std::path::{Path, PathBuf};

pub use atomic::{write_atomic, Staging};

/// An output file or directory could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// An I/O error on a path.
    Io {
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
    /// The output directory already holds results.
    Exists {
        /// The directory.
        dir: PathBuf,
        /// The results file found there.
        marker: String,
    },
    /// The output path exists and is not a directory.
    NotADirectory(PathBuf),
}

impl OutputError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        OutputError::Io { path: path.to_path_buf(), message: e.to_string() }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            OutputError::Exists { dir, marker } => write!(
                f,
                "{}: already holds results ({marker}); choose another --out directory or pass --force to overwrite",
                dir.display()
            ),
            OutputError::NotADirectory(p) => write!(f, "{}: exists and is not a directory", p.display()),
        }
    }
}

impl std::error::Error for OutputError {}

/// Formats a number for CSV output: shortest round-trip form, `NaN` for undefined values.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else {
        format!("{x}")
    }
}
