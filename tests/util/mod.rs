//! Helpers for the integration tests: a temporary working directory, a [`Cmd`] that runs the real
//! `cadresim` binary inside it and captures what it printed and how it exited, and [`eqnice!`],
//! which compares texts and shows a line diff when they differ (after ripgrep's `tests/util.rs`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Asserts that two texts are equal; on failure prints both and a line diff.
///
/// An optional third argument names what is being compared (a file, a run).
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {
        eqnice!($expected, $got, "texts")
    };
    ($expected:expr, $got:expr, $what:expr) => {{
        let expected: &str = &$expected;
        let got: &str = &$got;
        if expected != got {
            panic!("\n{} differ\n\n{}", $what, $crate::util::diff_report(expected, got));
        }
    }};
}

/// Paths of the scenario files shipped in `scenarios/`, in name order.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Absolute path of one shipped scenario file, e.g. `scenario("status_quo_veto.toml")`.
pub fn scenario(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    assert!(p.is_file(), "{} is missing", p.display());
    p
}

/// A temporary working directory, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    /// A fresh empty directory.
    pub fn new() -> Dir {
        let tmp = tempfile::Builder::new().prefix("cadresim-test-").tempdir().expect("cannot create a temp dir");
        Dir { tmp }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Writes a file (relative to the directory).
    pub fn create(&self, name: &str, contents: &str) {
        let p = self.join(name);
        fs::write(&p, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
    }

    /// Reads a file (relative to the directory) as text.
    pub fn read(&self, name: &str) -> String {
        let p = self.join(name);
        fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// Reads a file as text, or describes a binary file by its size and a checksum, so that
    /// [`eqnice!`] can compare any output file.
    pub fn read_any(&self, name: &str) -> String {
        let bytes = self.read_bytes(name);
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let b = e.into_bytes();
                let sum = b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3));
                format!("<binary: {} bytes, fnv1a {sum:016x}>", b.len())
            }
        }
    }

    /// Reads a file (relative to the directory) as bytes.
    pub fn read_bytes(&self, name: &str) -> Vec<u8> {
        let p = self.join(name);
        fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// Paths of the files below a subdirectory, relative to it (`plots/x.png`), including hidden
    /// ones and empty folders (listed with a trailing `/`), sorted; empty if it does not exist.
    /// The output lock file `.cadresim.lock` (empty when no command holds it) is left out.
    pub fn list(&self, sub: &str) -> Vec<String> {
        fn walk(base: &Path, rel: &str, out: &mut Vec<String>) {
            let dir = base.join(rel);
            let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            let mut any = false;
            for entry in entries {
                any = true;
                let entry = entry.expect("directory entry");
                let name = entry.file_name().to_string_lossy().into_owned();
                if name == ".cadresim.lock" {
                    continue;
                }
                let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
                if entry.path().is_dir() {
                    walk(base, &path, out);
                } else {
                    out.push(path);
                }
            }
            if !any && !rel.is_empty() {
                out.push(format!("{rel}/"));
            }
        }
        let p = self.join(sub);
        if !p.exists() {
            return Vec::new();
        }
        let mut names = Vec::new();
        walk(&p, "", &mut names);
        names.sort();
        names
    }

    /// A `cadresim` command that will run in this directory.
    pub fn cmd(&self) -> Cmd {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cadresim"));
        cmd.current_dir(self.path());
        Cmd { cmd, shown: String::from("cadresim") }
    }
}

/// A `cadresim` invocation being built.
pub struct Cmd {
    cmd: Command,
    shown: String,
}

impl Cmd {
    /// Adds one argument.
    pub fn arg<S: AsRef<std::ffi::OsStr>>(&mut self, arg: S) -> &mut Cmd {
        let _ = write!(self.shown, " {}", arg.as_ref().to_string_lossy());
        self.cmd.arg(arg);
        self
    }

    /// Sets an environment variable of the command.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Cmd {
        self.cmd.env(key, value);
        self
    }

    /// Adds several arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Runs the command and captures what it printed and its exit code.
    pub fn output(&mut self) -> Output {
        let o = self.cmd.output().unwrap_or_else(|e| panic!("cannot run `{}`: {e}", self.shown));
        Output {
            command: self.shown.clone(),
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Runs the command, requires success and returns its standard output.
    pub fn stdout(&mut self) -> String {
        let o = self.output();
        assert!(o.code == Some(0), "`{}` failed\n{}", o.command, o.describe());
        assert!(!o.stderr.contains("panicked"), "`{}` panicked\n{}", o.command, o.describe());
        o.stdout
    }

    /// Runs the command, requires the exit code `code` and no panic, and returns its standard error.
    pub fn stderr_with_code(&mut self, code: i32) -> String {
        let o = self.output();
        assert!(!o.stderr.contains("panicked"), "`{}` panicked\n{}", o.command, o.describe());
        assert!(o.code == Some(code), "`{}` exited with {:?}, expected {code}\n{}", o.command, o.code, o.describe());
        o.stderr
    }
}

/// What a finished command printed and how it exited.
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// Exit code (None if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Exit code, standard output and standard error, for failure messages.
    pub fn describe(&self) -> String {
        format!("exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n", self.code, self.stdout, self.stderr)
    }
}

/// Both texts and a line diff of them (`-` expected only, `+` got only), for [`eqnice!`].
pub fn diff_report(expected: &str, got: &str) -> String {
    const SHOW: usize = 4000;
    let clip = |s: &str| {
        if s.len() <= SHOW {
            return s.to_string();
        }
        let mut end = SHOW;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}\n[... {} more bytes]", &s[..end], s.len() - end)
    };
    let bar = "-".repeat(60);
    format!(
        "expected:\n{bar}\n{}\n{bar}\n\ngot:\n{bar}\n{}\n{bar}\n\ndiff (- expected, + got):\n{bar}\n{}{bar}\n",
        clip(expected),
        clip(got),
        line_diff(expected, got)
    )
}

/// A line diff of two texts: changed lines with up to two lines of context, `...` between hunks.
pub fn line_diff(expected: &str, got: &str) -> String {
    let a: Vec<&str> = expected.split('\n').collect();
    let b: Vec<&str> = got.split('\n').collect();
    // Longest common subsequence table; the texts compared here are at most a few thousand lines.
    let limit = 3000;
    if a.len() > limit || b.len() > limit {
        let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        return format!(
            "texts too long for a full diff; first difference at line {}:\n-{}\n+{}\n",
            first + 1,
            a.get(first).unwrap_or(&"<end of text>"),
            b.get(first).unwrap_or(&"<end of text>")
        );
    }
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let context = 2;
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, (k, _))| *k != ' ').map(|(n, _)| n).collect();
    let near = |n: usize| changed.iter().any(|&c| c.abs_diff(n) <= context);
    let mut out = String::new();
    let mut skipped = false;
    for (n, (kind, line)) in ops.iter().enumerate() {
        if near(n) {
            if skipped {
                out.push_str("...\n");
                skipped = false;
            }
            let _ = writeln!(out, "{kind}{line}");
        } else {
            skipped = true;
        }
    }
    out
}
