//! The Python package: runs its pytest suite (API, CLI-identical DataFrames, errors, GIL,
//! examples at small sizes) in the virtual environment `.ci/install-python.sh` made.
//!
//! Skipped with a printed reason when that environment is missing, unless
//! `CADRESIM_REQUIRE_COMPONENTS=1`, which turns a missing environment into a failure.

use std::path::PathBuf;
use std::process::Command;

/// The venv's interpreter: `CADRESIM_PYENV` or `target/pyenv`.
fn python() -> PathBuf {
    let env = std::env::var_os("CADRESIM_PYENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("pyenv"));
    env.join("bin").join("python")
}

#[test]
fn python_package_pytest_suite_passes() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let py = python();
    let ready =
        py.is_file() && Command::new(&py).args(["-c", "import cadresim, pytest, pandas"]).output().is_ok_and(|o| o.status.success());
    if !ready {
        let why = format!("no Python environment with cadresim and pytest at {} (run .ci/install-python.sh)", py.display());
        assert!(std::env::var("CADRESIM_REQUIRE_COMPONENTS").as_deref() != Ok("1"), "required component missing: {why}");
        println!("skipped: {why}");
        return;
    }
    let out = Command::new(&py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "python/tests"])
        .current_dir(&repo)
        .env("CADRESIM_BIN", env!("CARGO_BIN_EXE_cadresim"))
        .env("MPLBACKEND", "Agg")
        .output()
        .expect("start pytest");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "pytest failed:\n{text}");
    assert!(text.contains("passed"), "pytest ran no tests:\n{text}");
}
