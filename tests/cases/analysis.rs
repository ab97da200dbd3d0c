//! Issue 12's analysis items: metrics undefined at some design points, what a failed or
//! interrupted experiment leaves behind and what the next command then says, re-analysing a
//! finished sensitivity directory for another metric, and sweeps over categorical parameters.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use super::experiments::{
    assert_no_hidden_entries, assert_same_files, error_line, kill_midway, manifest, ok, refused_untouched, sensitivity_args, snapshot,
    spawn, sweep_args, MORRIS,
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
there are no diligent cadres or no avoiders, or no avoider is sanctioned, in the end-of-run window; use --metric blame_difference, which is defined there \
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

// ---------------------------------------------------------------------------------------------
// Re-analysing a finished sensitivity directory for another metric

/// Every file of `a` except its manifest and re-analyses equals that of `b`.
fn assert_same_results(dir: &Dir, a: &str, b: &str) {
    let files =
        |d: &str| -> Vec<String> { dir.list(d).into_iter().filter(|n| n != "manifest.json" && !n.starts_with("reanalysis/")).collect() };
    assert_eq!(files(a), files(b), "files of {a} and {b}");
    for n in files(a) {
        eqnice!(dir.read_any(&format!("{a}/{n}")), dir.read_any(&format!("{b}/{n}")), format!("{a}/{n} and {b}/{n}"));
    }
}

#[test]
fn issue12_reanalysis_for_another_metric_equals_a_fresh_analysis_for_it() {
    let dir = Dir::new();
    let sobol = ["--method", "sobol", "--param", "regime.penalty=0:4", "--param", "regime.exempt=0:1", "--samples", "4"];
    for (name, spec) in [("morris", morris_for("s")), ("sobol", [&sobol[..], &["--metric", "s"]].concat())] {
        ok(&dir, &sensitivity_args(&spec, name, &[]));
        let before = snapshot(&dir, name);
        let stdout = ok(&dir, &["sensitivity".to_string(), name.to_string(), "--metric".into(), "blame_difference".into()]);
        let again = format!("{name}/reanalysis/blame_difference");
        assert!(
            stdout.starts_with(&format!("re-analysis of the saved runs of {name} for metric blame_difference (nothing simulated)\n")),
            "{stdout}"
        );
        assert!(stdout.ends_with(&format!("results written to {again}\n")), "{stdout}");
        let fresh = format!("fresh_{name}");
        let spec_x: Vec<&str> = spec.iter().map(|a| if *a == "s" { "blame_difference" } else { a }).collect();
        ok(&dir, &sensitivity_args(&spec_x, &fresh, &[]));
        // Indices, design, runs and figures: byte for byte those of the fresh analysis.
        assert_same_results(&dir, &fresh, &again);
        assert!(dir.read(&format!("{again}/sensitivity_indices.csv")) != dir.read(&format!("{name}/sensitivity_indices.csv")));
        let m = manifest(&dir, &again);
        assert_eq!(m["details"]["metric"], "blame_difference");
        assert_eq!(m["details"]["reanalysis_of"]["dir"], name);
        assert_eq!(m["details"]["reanalysis_of"]["metric"], "s");
        assert!(manifest(&dir, &fresh)["details"].get("reanalysis_of").is_none(), "a fresh analysis claims to be a re-analysis");
        // The analysed directory is as it was, apart from the new sub-directory.
        let mut after = snapshot(&dir, name);
        after.retain(|n, _| !n.starts_with("reanalysis/"));
        assert_eq!(before, after, "the re-analysis changed {name}");
        // `plot` re-renders the re-analysis from its own runs.
        let files = snapshot(&dir, &again);
        ok(&dir, &["plot".to_string(), again.clone()]);
        assert_eq!(files, snapshot(&dir, &again), "plot changed the re-analysis");
    }
}

#[test]
fn issue12_reanalysis_refuses_what_would_shape_a_new_experiment_and_leaves_no_trace() {
    let dir = Dir::new();
    ok(&dir, &sensitivity_args(&morris_for("s"), "out", NO_AVOIDERS));
    let re = |extra: &[&str]| -> Vec<String> { ["sensitivity", "out"].iter().chain(extra).map(|s| s.to_string()).collect() };
    let only = "while a re-analysis takes only --metric, --bootstrap, --out and --force (to start a new analysis, name a scenario file)";
    for (extra, flag) in [
        (&["--metric", "m", "--reps", "3"][..], "--reps"),
        (&["--metric", "m", "--param", "regime.penalty=0:1"][..], "--param"),
        (&["--metric", "m", "--set", "regime.penalty=1"][..], "--set"),
        (&["--metric", "m", "--method", "sobol"][..], "--method"),
        (&["--metric", "m", "--samples", "8"][..], "--samples"),
    ] {
        let stderr = refused_untouched(&dir, "out", &re(extra));
        eqnice!(
            format!("error: {flag}: out is a directory, so this re-analyses its saved runs without simulating; {flag} shapes a new analysis, {only}\n"),
            stderr
        );
    }
    let stderr = refused_untouched(&dir, "out", &re(&[]));
    eqnice!("error: --metric is needed to re-analyse out: name the metric to analyse its saved runs for\n", stderr);
    let stderr = refused_untouched(&dir, "out", &re(&["--metric", "blame_ratio"]));
    assert!(stderr.starts_with("error: metric blame_ratio is undefined (NaN) at design point 0 ("), "{stderr}");
    assert!(stderr.contains("use --metric blame_difference"), "{stderr}");
    let stderr = refused_untouched(&dir, "out", &re(&["--metric", "m", "--out", "out"]));
    assert!(stderr.starts_with("error: --out out: is the analysed directory itself;"), "{stderr}");
    ok(&dir, &sweep_args(&["--vary", "regime.penalty=0:4:2"], "sweep", &[]));
    let stderr = refused_untouched(&dir, "sweep", &["sensitivity".into(), "sweep".into(), "--metric".into(), "m".into()]);
    eqnice!("error: sweep: holds a sweep, not a sensitivity analysis; only a finished sensitivity analysis can be re-analysed\n", stderr);
}

// ---------------------------------------------------------------------------------------------
// Categorical sweeps

/// The data lines of a CSV file, split into fields, keyed by nothing (header checked apart).
fn rows_of(dir: &Dir, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = dir.read(name);
    let mut lines = text.lines().map(|l| l.split(',').map(String::from).collect::<Vec<String>>());
    let head = lines.next().unwrap_or_default();
    (head, lines.collect())
}

#[test]
fn issue12_a_categorical_sweep_writes_words_and_runs_each_category() {
    let dir = Dir::new();
    let stdout = ok(&dir, &sweep_args(&["--vary", "regime.rule=points,veto"], "out", &[]));
    assert!(stdout.contains("                  points ") && stdout.contains("                    veto "), "{stdout}");
    let (head, rows) = rows_of(&dir, "out/sweep.csv");
    assert_eq!(head[..5], ["point", "scenario", "seed", "rep", "regime.rule"]);
    assert_eq!(rows.iter().map(|r| r[4].as_str()).collect::<Vec<_>>(), ["points", "points", "veto", "veto"]);
    let (head, summary) = rows_of(&dir, "out/sweep_summary.csv");
    assert_eq!(head[..5], ["point", "scenario", "seed", "regime.rule", "metric"]);
    assert!(summary.iter().all(|r| (r[0] == "0") == (r[3] == "points")), "sweep_summary.csv mislabels a point");
    let stems: Vec<String> =
        ["s", "m", "formalism", "share_diligent", "output", "sanction_rate"].iter().map(|m| format!("sweep_{m}")).collect();
    let mut files: Vec<String> = stems.iter().flat_map(|s| [format!("plots/{s}.png"), format!("plots/{s}.svg")]).collect();
    files.extend(["manifest.json", "sweep.csv", "sweep_summary.csv"].map(String::from));
    files.sort();
    assert_eq!(dir.list("out"), files);
    assert_eq!(manifest(&dir, "out")["details"]["vary"][0], "regime.rule=points,veto");

    // Each category is really run: its metrics are those of the scenario with that value set.
    for (rule, at) in [("points", 0), ("veto", 2)] {
        let set = format!("regime.rule={rule}");
        ok(&dir, &sweep_args(&["--vary", "regime.penalty=2:2:1"], rule, &["--set", &set]));
        let (_, fixed) = rows_of(&dir, &format!("{rule}/sweep.csv"));
        for rep in 0..2 {
            assert_eq!(rows[at + rep][5..], fixed[rep][5..], "{rule}, rep {rep}: the sweep's metrics differ from a run with --set {set}");
        }
    }
    assert!(rows[0][5..] != rows[2][5..], "both categories gave the same results");
}

#[test]
fn issue12_categorical_by_numeric_and_two_categorical_sweeps_draw_their_figures_and_shard_identically() {
    let dir = Dir::new();
    let mixed = ["--vary", "regime.penalty=0:4:3", "--vary", "regime.rule=veto,points"];
    ok(&dir, &sweep_args(&mixed, "mixed", &[]));
    let plots: Vec<String> = dir.list("mixed").into_iter().filter(|n| n.starts_with("plots/")).collect();
    assert_eq!(plots, ["plots/sweep.png", "plots/sweep.svg"]);
    let two = ["--vary", "regime.rule=veto,points", "--vary", "fatigue.enabled=true,false"];
    ok(&dir, &sweep_args(&two, "two", &[]));
    let (_, rows) = rows_of(&dir, "two/sweep.csv");
    let cells: Vec<(&str, &str)> = rows.iter().step_by(2).map(|r| (r[4].as_str(), r[5].as_str())).collect();
    assert_eq!(cells, [("veto", "true"), ("veto", "false"), ("points", "true"), ("points", "false")]);
    assert!(dir.list("two").contains(&"plots/sweep_s.png".to_string()), "{:?}", dir.list("two"));

    // Shards merge to the unsharded files, and plot re-renders them byte for byte.
    for (name, vary) in [("mixed", &mixed[..]), ("two", &two[..])] {
        for k in 1..=3 {
            ok(&dir, &sweep_args(vary, &format!("{name}-s{k}"), &["--shard", &format!("{k}/3")]));
        }
        let merged = format!("{name}-merged");
        let shards: Vec<String> = (1..=3).map(|k| format!("{name}-s{k}")).collect();
        ok(&dir, &[vec!["merge".to_string()], shards, vec!["--out".into(), merged.clone()]].concat());
        assert_same_files(&dir, name, &merged);
        let before = snapshot(&dir, name);
        ok(&dir, &["plot".to_string(), name.to_string()]);
        assert_eq!(before, snapshot(&dir, name), "plot changed {name}");
    }
}

#[test]
fn issue12_categorical_factors_are_refused_where_a_design_needs_ranges() {
    let dir = Dir::new();
    let stderr = error_line(&dir, &sweep_args(&["--vary", "regime.rule=veto,points"], "out", &["--design", "lhs", "--samples", "4"]));
    eqnice!(
        "error: --vary regime.rule=veto,points: a Latin hypercube samples numeric ranges; sweep categorical parameters with the grid design (leave out --design lhs), or fix them with --set\n",
        stderr
    );
    let spec = ["--method", "morris", "--param", "regime.rule=veto,points", "--samples", "2"];
    let stderr = error_line(&dir, &sensitivity_args(&spec, "out", &[]));
    eqnice!(
        "error: --param regime.rule=veto,points: regime.rule is categorical (it takes one of \"veto\", \"points\"); a sensitivity analysis needs numeric ranges: sweep it over a grid instead (--vary regime.rule=veto,points)\n",
        stderr
    );
    let stderr = error_line(&dir, &sweep_args(&["--vary", "regime.rule=veto,vetoo"], "out", &[]));
    eqnice!(
        "error: --vary regime.rule=veto,vetoo: \"vetoo\" is not a value of regime.rule; it takes one of \"veto\", \"points\", listed as e.g. regime.rule=veto,points\n",
        stderr
    );
    let stderr = error_line(&dir, &sweep_args(&["--vary", "fatigue.enabled=0:1:2"], "out", &[]));
    eqnice!(
        "error: --vary fatigue.enabled=0:1:2: fatigue.enabled is categorical (it takes true or false): list the values to sweep, e.g. fatigue.enabled=true,false\n",
        stderr
    );
    assert!(!dir.join("out").exists(), "a refused command wrote output");
}

// ---------------------------------------------------------------------------------------------
// Undefined values in sweep and compare summaries

/// Sweep and compare summaries leave undefined values out and say how many were used (`n`), so
/// a metric undefined in every run has n = 0 and a NaN mean, while its defined alternative is
/// summarised over every replication.
#[test]
fn issue12_summaries_leave_undefined_values_out_and_count_the_rest() {
    let dir = Dir::new();
    ok(&dir, &sweep_args(&["--vary", "regime.penalty=0:4:2"], "sweep", NO_AVOIDERS));
    let (head, summary) = rows_of(&dir, "sweep/sweep_summary.csv");
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (metric, n, mean) = (col("metric"), col("n"), col("mean"));
    for r in summary.iter().filter(|r| r[metric] == "blame_ratio") {
        assert_eq!((r[n].as_str(), r[mean].as_str()), ("0", "NaN"), "{r:?}");
    }
    for r in summary.iter().filter(|r| r[metric] == "blame_difference") {
        assert_eq!(r[n], "2", "{r:?}");
        assert!(r[mean].parse::<f64>().is_ok_and(f64::is_finite), "{r:?}");
    }
    let sq = super::experiments::scn("status_quo_veto.toml");
    let ddx = super::experiments::scn("due_diligence_exemption.toml");
    let args: Vec<String> =
        ["compare", &sq, &ddx].iter().map(|s| s.to_string()).chain(super::experiments::small(NO_AVOIDERS, "cmp")).collect();
    ok(&dir, &args);
    let (head, table) = rows_of(&dir, "cmp/comparison.csv");
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let ratio: Vec<&Vec<String>> = table.iter().filter(|r| r[col("metric")] == "blame_ratio").collect();
    assert_eq!(ratio.len(), 2);
    for r in ratio {
        assert_eq!((r[col("n")].as_str(), r[col("mean")].as_str(), r[col("diff")].as_str()), ("0", "NaN", "NaN"), "{r:?}");
    }
    for r in table.iter().filter(|r| r[col("metric")] == "blame_difference") {
        assert_eq!(r[col("n")], "2", "{r:?}");
    }
}

#[test]
fn issue12_a_killed_categorical_sweep_resumes_to_the_uninterrupted_result() {
    let dir = Dir::new();
    let vary = ["--vary", "regime.rule=veto,points", "--vary", "regime.penalty=0:8:15"];
    let args = sweep_args(&vary, "out", &["--threads", "1"]);
    let stopped = (0..5).any(|_| {
        let _ = fs::remove_dir_all(dir.join("out"));
        kill_midway(&dir, &args, "out")
    });
    assert!(stopped, "the sweep finished every time before it could be killed");
    ok(&dir, &args);
    ok(&dir, &sweep_args(&vary, "whole", &[]));
    assert_same_files(&dir, "whole", "out");
    assert_no_hidden_entries(&dir, "out");
}
