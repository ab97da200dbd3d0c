//! The library's errors. Every message says what was wrong, where, and what is allowed, in one
//! line. Nothing here knows about command-line flags: a [`SpecError`] names the field of a
//! specification, and a front end renders field names its own way (the CLI as `--flag`, the
//! Python package as keyword arguments) with [`SpecError::render`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::scenario::ScenarioError;

/// A field of a work specification holds a value that is not allowed.
///
/// `message` may refer to other fields as `{name}`; [`SpecError::render`] turns those (and the
/// field itself) into the caller's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The specification field, e.g. `samples` or `vary` (snake case).
    pub field: &'static str,
    /// The offending value as given, if there is one to show.
    pub value: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
    /// How the field and the message are joined.
    pub style: Style,
}

/// How a [`SpecError`] joins its field and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `field value: message`.
    Colon,
    /// `field value message` (the message reads on from the field).
    ReadsOn,
    /// The message alone (it names what it is about itself).
    MessageOnly,
}

impl SpecError {
    /// `field value: message`.
    pub fn new(field: &'static str, value: impl Into<Option<String>>, message: impl Into<String>) -> Self {
        SpecError { field, value: value.into(), message: message.into(), style: Style::Colon }
    }

    /// The message alone, still attributed to `field`.
    pub fn about(field: &'static str, message: impl Into<String>) -> Self {
        SpecError { field, value: None, message: message.into(), style: Style::MessageOnly }
    }

    /// `field value message` (the message reads on, e.g. "needs {samples} N").
    pub fn reads_on(field: &'static str, value: impl Into<Option<String>>, message: impl Into<String>) -> Self {
        SpecError { field, value: value.into(), message: message.into(), style: Style::ReadsOn }
    }

    /// The message with every field name (this one and `{other}` references) spelled by `name`.
    pub fn render(&self, name: &dyn Fn(&str) -> String) -> String {
        let mut msg = String::new();
        let mut rest = self.message.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { break };
            msg.push_str(&rest[..open]);
            msg.push_str(&name(&rest[open + 1..open + close]));
            rest = &rest[open + close + 1..];
        }
        msg.push_str(rest);
        let head = match &self.value {
            Some(v) => format!("{} {v}", name(self.field)),
            None => name(self.field),
        };
        match self.style {
            Style::Colon => format!("{head}: {msg}"),
            Style::ReadsOn => format!("{head} {msg}"),
            Style::MessageOnly => msg,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.render(&|n: &str| format!("`{n}`")))
    }
}

impl std::error::Error for SpecError {}

/// A file the library wrote earlier (a journal, a shard, saved results, a manifest) is not what
/// it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The file.
    pub path: PathBuf,
    /// The line (1-based), where one is to blame.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} line {l}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

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
    /// Another process is writing into the output directory.
    Locked {
        /// The directory.
        dir: PathBuf,
        /// Who holds the lock (process id and command line, as it recorded them).
        holder: String,
    },
    /// The output directory holds the unfinished run of a different experiment.
    UnfinishedOther {
        /// The directory.
        dir: PathBuf,
        /// What that experiment is (kind, scenarios, design, seed, replications), as its journal
        /// records it.
        what: String,
    },
}

impl OutputError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        OutputError::Io { path: path.to_path_buf(), message: e.to_string() }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            OutputError::Exists { dir, marker } => write!(
                f,
                "{}: already holds results ({marker}); choose another output directory or allow overwriting it (force)",
                dir.display()
            ),
            OutputError::NotADirectory(p) => write!(f, "{}: exists and is not a directory", p.display()),
            OutputError::Locked { dir, holder } => {
                write!(f, "{}: another cadresim command is writing into it ({holder}); wait for it to finish or choose another output directory", dir.display())
            }
            OutputError::UnfinishedOther { dir, what } => write!(
                f,
                "{}: holds the unfinished runs of a different experiment ({what}); rerun that experiment to resume it, choose another output directory, or allow discarding it (force)",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for OutputError {}

/// Why a piece of work failed.
#[derive(Debug)]
pub enum Error {
    /// A scenario was invalid.
    Scenario(ScenarioError),
    /// A field of a work specification was invalid.
    Spec(SpecError),
    /// A file of earlier results could not be used.
    Data(DataError),
    /// Output could not be written.
    Output(OutputError),
    /// The work would not fit in the machine's memory (refused before it starts).
    Resources(crate::resources::ResourceError),
    /// The work was cancelled; nothing partial was committed.
    Cancelled,
    /// The work ran but its result is a failure (a verification check, an analysis that is
    /// undefined, a simulation whose values stopped being finite).
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::Spec(e) => write!(f, "{e}"),
            Error::Data(e) => write!(f, "{e}"),
            Error::Output(e) => write!(f, "{e}"),
            Error::Resources(e) => write!(f, "{e}"),
            Error::Cancelled => write!(f, "interrupted; no partial output was written"),
            Error::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Self {
        Error::Scenario(e)
    }
}

impl From<crate::resources::ResourceError> for Error {
    fn from(e: crate::resources::ResourceError) -> Self {
        Error::Resources(e)
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(e)
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

impl From<OutputError> for Error {
    fn from(e: OutputError) -> Self {
        Error::Output(e)
    }
}

impl From<crate::engine::Cancelled> for Error {
    fn from(_: crate::engine::Cancelled) -> Self {
        Error::Cancelled
    }
}

impl From<crate::plot::PlotError> for Error {
    fn from(e: crate::plot::PlotError) -> Self {
        Error::Failed(format!("plot: {e}"))
    }
}

impl Error {
    /// Maps an I/O error on `path` to an output error (for `map_err`).
    pub fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> Error + '_ {
        move |e| Error::Output(OutputError::io(path, e))
    }

    /// A data error in `path` at `line`.
    pub fn data(path: &std::path::Path, line: Option<u64>, message: impl Into<String>) -> Error {
        Error::Data(DataError { path: path.to_path_buf(), line, message: message.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_errors_render_field_names_the_callers_way() {
        let e = SpecError::reads_on("design", Some("lhs".to_string()), "needs {samples} N");
        assert_eq!(e.render(&|n: &str| format!("--{}", n.replace('_', "-"))), "--design lhs needs --samples N");
        assert_eq!(e.to_string(), "`design` lhs needs `samples` N");
        let e = SpecError::new("samples", Some("0".to_string()), "expected 1 to 1000000");
        assert_eq!(e.render(&|n: &str| format!("{n}=")), "samples= 0: expected 1 to 1000000");
    }
}
