//! Issue 12's analysis items: metrics undefined at some design points, what a failed or
//! interrupted experiment leaves behind and what the next command then says, re-analysing a
//! finished sensitivity directory for another metric, and sweeps over categorical parameters.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use super::experiments::{
    assert_no_hidden_entries, assert_same_files, error_line, kill_midway, ok, refused_untouched, sensitivity_args, spawn, sweep_args,
    MORRIS,
};
use crate::util::Dir;

/// No cadre counts as an avoider (s < 0 is impossible), so `blame_ratio` is undefined in every run
/// while `blame_difference` is not.
const NO_AVOIDERS: &[&str] = &["--set", "output.avoider_below=0"];

/// The Morris design of [`MORRIS`] for another metric.
fn morris_for(metric: &str) -> Vec<&str> {
    let mut spec: Vec<&str> = MORRIS.to_vec();
    let at = spec.iter().position(|a| *a == "--metric").expect("MORRIS names a metric");
    spec[at + 1] = metric;
    spec
}

// ---------------------------------------------------------------------------------------------
// Undefined metrics

#[test]
fn issue12_an_undefined_metric_names_the_point_and_the_defined_alternative() {
    let dir = Dir::new();
    let args = sensitivity_args(&morris_for("blame_ratio"), "out", NO_AVOIDERS);
    let stderr = error_line(&dir, &args);
    let expected = "error: metric blame_ratio is undefined (NaN) at design point 0 (regime.penalty = 1.3333333333333333, regime.exempt = 0.0), rep 0: \
it needs diligent cadres and avoiders some of whom were sanctioned, in the end-of-run window; use --metric blame_difference, which is defined there \
(the runs in out are kept, so that rerun simulates nothing)\n";
    eqnice!(expected, stderr);
    assert!(!dir.join("out/manifest.json").exists(), "a failed analysis committed results");

    // The corrected command analyses the kept runs; its results are those of a fresh run.
    let journal = dir.read("out/.sensitivity_runs.csv.partial");
    ok(&dir, &sensitivity_args(&morris_for("blame_difference"), "out", NO_AVOIDERS));
    ok(&dir, &sensitivity_args(&morris_for("blame_difference"), "fresh", NO_AVOIDERS));
    assert_same_files(&dir, "fresh", "out");
    assert_no_hidden_entries(&dir, "out");
    eqnice!(journal, dir.read("out/sensitivity_runs.csv"), "the kept runs and the analysed ones");
}

#[test]
fn issue12_a_failed_analysis_does_not_block_a_different_experiment() {
    let dir = Dir::new();
    error_line(&dir, &sensitivity_args(&morris_for("blame_ratio"), "out", NO_AVOIDERS));
    // Another design (other ranges) into the same directory, without --force.
    let other = ["--method", "morris", "--param", "regime.penalty=0:2", "--samples", "2", "--metric", "s"];
    ok(&dir, &sensitivity_args(&other, "out", &[]));
    ok(&dir, &sensitivity_args(&other, "fresh", &[]));
    assert_same_files(&dir, "fresh", "out");
}

// ---------------------------------------------------------------------------------------------
// Interrupted experiments keep a resumable journal, and the next command says what to do

/// The sweep the interruption tests stop midway: one thread, 30 points, small.
fn long_sweep(out: &str) -> Vec<String> {
    sweep_args(&["--vary", "regime.penalty=0:8:30"], out, &["--threads", "1"])
}

/// After an interruption of [`long_sweep`] into `out`: a different experiment is refused with a
/// message naming the unfinished one, and the same command resumes to the uninterrupted result.
fn assert_resumable(dir: &Dir, out: &str) {
    assert!(dir.join(&format!("{out}/.sweep.csv.partial")).exists(), "no journal kept: {:?}", dir.list(out));
    assert!(!dir.join(&format!("{out}/.sweep.csv.failed")).exists(), "an interruption was taken for a failure");
    let other = sweep_args(&["--vary", "regime.penalty=0:8:30"], out, &["--threads", "1", "--seed", "2"]);
    let stderr = refused_untouched(dir, out, &other);
    let expected = format!(
        "error: {out}: holds the unfinished runs of a different experiment (sweep (grid) of status_quo_veto over regime.penalty=0:8:30; \
seed 1, 2 replications); rerun that command to resume it, choose another --out, or pass --force to discard it\n"
    );
    eqnice!(expected, stderr);
    ok(dir, &long_sweep(out));
    if !dir.join("whole/manifest.json").exists() {
        ok(dir, &long_sweep("whole"));
    }
    assert_same_files(dir, "whole", out);
    assert_no_hidden_entries(dir, out);
}

#[test]
fn issue12_a_killed_experiment_resumes_and_names_itself_to_other_commands() {
    let dir = Dir::new();
    let stopped = (0..5).any(|_| {
        let _ = fs::remove_dir_all(dir.join("out"));
        kill_midway(&dir, &long_sweep("out"), "out")
    });
    assert!(stopped, "the sweep finished every time before it could be killed");
    assert_resumable(&dir, "out");
}

#[test]
fn issue12_ctrl_c_keeps_the_runs_and_says_how_to_resume_or_start_afresh() {
    let dir = Dir::new();
    let journal = dir.join("out/.sweep.csv.partial");
    let mut interrupted = None;
    for _ in 0..5 {
        let _ = fs::remove_dir_all(dir.join("out"));
        let child = spawn(&dir, &long_sweep("out"));
        let start = Instant::now();
        while !fs::read_to_string(&journal).is_ok_and(|t| t.lines().count() > 1) && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("run kill");
        assert!(sent.success(), "kill -INT failed");
        let o = child.wait_with_output().expect("wait for the sweep");
        if o.status.code() == Some(130) {
            interrupted = Some(String::from_utf8_lossy(&o.stderr).into_owned());
            break;
        }
    }
    let stderr = interrupted.expect("the sweep finished every time before Ctrl-C reached it");
    eqnice!(
        "error: interrupted; the complete runs are kept in out: run the same command again to resume, or start afresh with another --out (or --force)\n",
        stderr
    );
    assert_resumable(&dir, "out");
}

#[test]
fn issue12_a_panic_midway_keeps_a_resumable_journal() {
    let dir = Dir::new();
    let o = dir.cmd().args(long_sweep("out")).env("CADRESIM_TEST_PANIC_AFTER_BLOCKS", "3").output();
    assert_eq!(o.code, Some(101), "{}", o.describe());
    assert!(o.stderr.contains("a panic after 3 blocks of runs, as asked"), "{}", o.describe());
    let journal = dir.read("out/.sweep.csv.partial");
    // Header plus three blocks of two runs (one thread).
    assert_eq!(journal.lines().count(), 1 + 3 * 2, "{journal}");
    assert!(!dir.list("out").iter().any(|n| n.starts_with(".cadresim-staging")), "the staging folder outlived the panic");
    assert_resumable(&dir, "out");
}

#[test]
fn issue12_a_full_disk_keeps_the_runs_and_says_how_to_resume() {
    let dir = Dir::new();
    if Command::new("sh").arg("-c").arg("ulimit -f 16").status().map(|s| !s.success()).unwrap_or(true) {
        eprintln!("skipped: no sh with ulimit -f");
        return;
    }
    // A file-size limit (with SIGXFSZ ignored, so writes fail with EFBIG) stands in for a full disk.
    let args: Vec<String> = long_sweep("out").iter().map(|a| format!("'{a}'")).collect();
    let script = format!("trap '' XFSZ; ulimit -f 16; exec '{}' {}", env!("CARGO_BIN_EXE_cadresim"), args.join(" "));
    let o = Command::new("sh").arg("-c").arg(&script).current_dir(dir.path()).output().expect("run sh");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: out/.sweep.csv.partial: "), "{stderr}");
    assert!(stderr.ends_with("; the complete runs are kept in out: fix this and run the same command again to resume\n"), "{stderr}");
    assert_resumable(&dir, "out");
}
