//! The experiment commands: `compare`, `sweep` and `sensitivity`, their `--shard K/N` slices and
//! `merge`, resuming an interrupted run, and re-rendering with `plot`. Every experiment is tiny
//! (2 townships, 6 periods, 2 replications, a handful of design points).

use std::collections::BTreeMap;
use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::util::{scenario, Dir};

/// Overrides that make any scenario small: 2 townships, 6 periods, a 2-period end window.
pub(super) const SMALL: &[&str] = &["--set", "population.townships=2", "--set", "population.periods=6", "--set", "output.window=2"];

/// The plots of a comparison.
const COMPARE_PLOTS: &[&str] = &[
    "timeseries",
    "shares",
    "sanctions_by_class",
    "blame_ratio",
    "differences",
    "sanction_by_effort",
    "end_s",
    "end_formalism",
    "end_output",
    "end_sanction_rate",
    "end_wrongful_sanctions",
    "end_blame_ratio",
];

/// The heatmaps of a two-factor grid sweep.
const HEATMAPS: &[&str] =
    &["heatmap_s", "heatmap_m", "heatmap_formalism", "heatmap_share_diligent", "heatmap_output", "heatmap_sanction_rate"];

/// The 2-D grid used by the sweep tests: 3 penalties × 2 exemption probabilities.
const GRID_2D: &[&str] = &["--vary", "regime.penalty=0:4:3", "--vary", "regime.exempt=0:1:2"];

/// The Morris analysis used by the sensitivity tests: 4 trajectories of 3 points.
pub(super) const MORRIS: &[&str] =
    &["--method", "morris", "--param", "regime.penalty=0:4", "--param", "regime.exempt=0:1", "--samples", "4", "--metric", "s"];

/// Absolute path of a shipped scenario, as a string argument.
pub(super) fn scn(name: &str) -> String {
    scenario(name).to_str().expect("UTF-8 path").to_string()
}

/// `args` followed by [`SMALL`], `--reps 2`, `--quiet` and `--out OUT`.
pub(super) fn small(args: &[&str], out: &str) -> Vec<String> {
    args.iter().chain(SMALL).chain(&["--reps", "2", "--quiet", "--out", out]).map(|s| s.to_string()).collect()
}

/// `cadresim compare` of shipped scenarios (small), as arguments.
fn compare_args(names: &[&str], out: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["compare".to_string()];
    args.extend(names.iter().map(|n| scn(n)));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(small(&[], out));
    args
}

/// `cadresim sweep` of the status quo (small), as arguments.
pub(super) fn sweep_args(vary: &[&str], out: &str, extra: &[&str]) -> Vec<String> {
    let sq = scn("status_quo_veto.toml");
    let mut args: Vec<&str> = vec!["sweep", &sq];
    args.extend(vary);
    args.extend(extra);
    small(&args, out)
}

/// `cadresim sensitivity` of the status quo (small), as arguments.
pub(super) fn sensitivity_args(spec: &[&str], out: &str, extra: &[&str]) -> Vec<String> {
    let sq = scn("status_quo_veto.toml");
    let mut args: Vec<&str> = vec!["sensitivity", &sq];
    args.extend(spec);
    args.extend(extra);
    small(&args, out)
}

/// Runs cadresim, requires success and returns what it printed.
pub(super) fn ok(dir: &Dir, args: &[String]) -> String {
    dir.cmd().args(args).stdout()
}

/// Runs a command that must fail as bad input: exit code 2, no panic, one `error: ` line on
/// standard error (returned).
pub(super) fn error_line(dir: &Dir, args: &[String]) -> String {
    let stderr = dir.cmd().args(args).stderr_with_code(2);
    assert!(
        stderr.starts_with("error: ") && stderr.ends_with('\n') && stderr.lines().count() == 1,
        "`cadresim {}`: expected a single `error: ` line on stderr, got:\n{stderr}",
        args.join(" ")
    );
    stderr
}

/// Like [`error_line`], and `out` was not created or is empty.
pub(super) fn refused(dir: &Dir, out: &str, args: &[String]) -> String {
    let stderr = error_line(dir, args);
    let left = dir.list(out);
    assert!(left.is_empty(), "`cadresim {}` was refused but wrote into {out}: {left:?}", args.join(" "));
    stderr
}

/// Like [`error_line`], and `out` holds exactly what it held before (the staging folders of
/// killed runs, which hold nothing, may be cleared away).
pub(super) fn refused_untouched(dir: &Dir, out: &str, args: &[String]) -> String {
    let before = snapshot(dir, out);
    let stderr = error_line(dir, args);
    assert_eq!(before, snapshot(dir, out), "`cadresim {}` was refused but changed {out}", args.join(" "));
    stderr
}

/// Every entry below `out` except staging folders, with its bytes (empty folders as empty).
pub(super) fn snapshot(dir: &Dir, out: &str) -> BTreeMap<String, Vec<u8>> {
    dir.list(out)
        .into_iter()
        .filter(|n| !n.starts_with(".cadresim-staging-"))
        .map(|n| {
            let bytes = if n.ends_with('/') { Vec::new() } else { dir.read_bytes(&format!("{out}/{n}")) };
            (n, bytes)
        })
        .collect()
}

/// `a` and `b` hold the same files with the same contents (binary files compared by checksum).
pub(super) fn assert_same_files(dir: &Dir, a: &str, b: &str) {
    let names = dir.list(a);
    assert!(!names.is_empty(), "{a} is empty");
    assert_eq!(names, dir.list(b), "files of {a} and {b}");
    for n in &names {
        eqnice!(dir.read_any(&format!("{a}/{n}")), dir.read_any(&format!("{b}/{n}")), format!("{a}/{n} and {b}/{n}"));
    }
}

/// The output directory holds no temporary or staging entries (names starting with `.`).
pub(super) fn assert_no_hidden_entries(dir: &Dir, out: &str) {
    let hidden: Vec<String> = dir.list(out).into_iter().filter(|n| n.split('/').any(|c| c.starts_with('.'))).collect();
    assert!(hidden.is_empty(), "{out} holds leftover temporary entries: {hidden:?}");
}

/// `files` plus a PNG and an SVG for each plot stem, sorted.
fn with_plots(files: &[&str], stems: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    for s in stems {
        all.push(format!("plots/{s}.png"));
        all.push(format!("plots/{s}.svg"));
    }
    all.sort();
    all
}

/// `out` holds exactly `expected`, its manifest lists exactly those files, every plot is a real
/// PNG or SVG, and nothing temporary is left behind.
fn assert_files(dir: &Dir, out: &str, expected: &[String]) {
    assert_eq!(dir.list(out), expected, "files in {out}");
    let mut listed: Vec<String> = manifest(dir, out)["files"]
        .as_array()
        .expect("a files list")
        .iter()
        .map(|f| f.as_str().expect("a file name").to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, expected, "files listed in {out}/manifest.json");
    for f in expected {
        let bytes = dir.read_bytes(&format!("{out}/{f}"));
        if f.ends_with(".png") {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{out}/{f} is not a PNG");
        } else if f.ends_with(".svg") {
            assert!(bytes.starts_with(b"<svg"), "{out}/{f} does not start with <svg");
        }
    }
    assert_no_hidden_entries(dir, out);
}

/// Parses `OUT/manifest.json`.
pub(super) fn manifest(dir: &Dir, out: &str) -> Json {
    let text = dir.read(&format!("{out}/manifest.json"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{out}/manifest.json is not JSON: {e}\n{text}"))
}

/// Names of the output metrics, in column order, from `cadresim metrics`.
pub(super) fn metric_names(dir: &Dir) -> Vec<String> {
    let listing = dir.cmd().arg("metrics").stdout();
    let names: Vec<String> = listing.lines().map(|l| l.split_whitespace().next().unwrap_or("").to_string()).collect();
    assert!(names.len() > 10 && names[0] == "s", "unexpected metrics listing:\n{listing}");
    names
}

/// The data lines of a sweep or sensitivity table without its `scenario` and `seed` columns,
/// after checking they are there (after `point`, or first), that `seed` is the default 1 and that
/// `scenario` names the base scenario in every row (issue 12: tables can be concatenated).
fn keyless_rows(dir: &Dir, name: &str, header: &str, scenario: &str) -> Vec<Vec<String>> {
    let at = if header.starts_with("point,") { 1 } else { 0 };
    let mut cols: Vec<&str> = header.split(',').collect();
    cols.splice(at..at, ["scenario", "seed"]);
    let rows = csv_rows(dir, name, &cols.join(","));
    rows.into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            assert_eq!(r[at..at + 2], [scenario.to_string(), "1".to_string()], "{name} row {i}: scenario and seed");
            r.drain(at..at + 2);
            r
        })
        .collect()
}

/// The data lines of a CSV file, split into fields, after checking its header.
pub(super) fn csv_rows(dir: &Dir, name: &str, header: &str) -> Vec<Vec<String>> {
    let text = dir.read(name);
    let mut lines = text.lines();
    eqnice!(header, lines.next().unwrap_or(""), format!("header of {name}"));
    let width = header.split(',').count();
    lines
        .enumerate()
        .map(|(i, l)| {
            let fields: Vec<String> = l.split(',').map(String::from).collect();
            assert_eq!(fields.len(), width, "{name} row {i}: {l}");
            fields
        })
        .collect()
}

pub(super) fn parse(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

/// Starts cadresim without waiting for it.
pub(super) fn spawn(dir: &Dir, args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cadresim"))
        .current_dir(dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `cadresim {}`: {e}", args.join(" ")))
}

/// Runs the `--shard k/n` slices of one experiment as concurrent processes, into `{prefix}{k}`.
fn run_shards_concurrently(dir: &Dir, n: usize, prefix: &str, args: impl Fn(&str, &str) -> Vec<String>) {
    let children: Vec<(Vec<String>, Child)> = (1..=n)
        .map(|k| {
            let a = args(&format!("{prefix}{k}"), &format!("{k}/{n}"));
            let child = spawn(dir, &a);
            (a, child)
        })
        .collect();
    for (k, (a, child)) in children.into_iter().enumerate() {
        let o = child.wait_with_output().expect("wait for a shard");
        let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success() && stderr.is_empty(), "`cadresim {}` failed: {:?}\n{stdout}\n{stderr}", a.join(" "), o.status);
        let expected =
            format!("shard {}/{n} written to {prefix}{}; combine all shards with `cadresim merge DIR... --out DIR`\n", k + 1, k + 1);
        eqnice!(expected, stdout, "what a shard printed");
    }
}

/// `cadresim merge {prefix}1 ... {prefix}n --out out`, which must succeed.
fn merge(dir: &Dir, n: usize, prefix: &str, out: &str) -> String {
    let mut args = vec!["merge".to_string()];
    args.extend((1..=n).map(|k| format!("{prefix}{k}")));
    args.extend(["--out".to_string(), out.to_string()]);
    ok(dir, &args)
}

// ---------------------------------------------------------------------------------------------
// compare

#[test]
fn compare_two_scenarios_writes_tables_plots_and_manifest() {
    let dir = Dir::new();
    let stdout = ok(&dir, &compare_args(&["status_quo_veto.toml", "due_diligence_exemption.toml"], "out", &[]));
    let expected = with_plots(
        &["comparison.csv", "comparison.md", "manifest.json", "runs.csv", "runs_window.csv", "sanction_by_effort.csv", "timeseries.csv"],
        COMPARE_PLOTS,
    );
    assert_files(&dir, "out", &expected);

    let md = dir.read("out/comparison.md");
    assert!(md.contains("| status_quo_veto |") && md.contains("| due_diligence_exemption |"), "{md}");
    assert!(stdout.contains(&md), "the printed report lacks the Markdown table:\n{stdout}");
    assert!(stdout.ends_with("results written to out\n"), "{stdout}");

    let metrics = metric_names(&dir);
    let labels = ["status_quo_veto", "due_diligence_exemption"];
    // issue 12: per-period rows and end-of-window rows live in separate files.
    let runs = csv_rows(&dir, "out/runs.csv", &format!("point,scenario,seed,rep,period,{}", metrics.join(",")));
    assert_eq!(runs.len(), 2 * 2 * 6, "runs.csv: 2 scenarios × 2 replications × 6 periods");
    for (i, r) in runs.iter().enumerate() {
        let (p, rep, period) = (i / 12, i % 12 / 6, i % 6 + 1);
        assert_eq!(r[..5], [p.to_string(), labels[p].into(), "1".into(), rep.to_string(), period.to_string()], "runs.csv row {i}");
    }
    let window = csv_rows(&dir, "out/runs_window.csv", &format!("point,scenario,seed,rep,{}", metrics.join(",")));
    assert_eq!(window.len(), 2 * 2, "runs_window.csv: 2 scenarios × 2 replications");
    for (i, r) in window.iter().enumerate() {
        assert_eq!(r[..4], [(i / 2).to_string(), labels[i / 2].into(), "1".into(), (i % 2).to_string()], "runs_window.csv row {i}");
    }
    let ts = csv_rows(&dir, "out/timeseries.csv", "point,scenario,seed,period,metric,n,mean,sd,ci_low,ci_high");
    assert_eq!(ts.len(), 2 * 6 * metrics.len(), "timeseries.csv rows");

    let cmp = csv_rows(&dir, "out/comparison.csv", "point,scenario,seed,metric,n,mean,sd,ci_low,ci_high,diff,diff_ci_low,diff_ci_high");
    assert_eq!(cmp.len(), 2 * metrics.len(), "comparison.csv rows");
    for (i, r) in cmp.iter().enumerate() {
        let (p, m) = (i / metrics.len(), &metrics[i % metrics.len()]);
        assert_eq!(r[..4], [p.to_string(), labels[p].into(), "1".into(), m.clone()], "comparison.csv row {i}");
        if p == 0 {
            assert_zero_difference(r);
        }
    }
    let m = manifest(&dir, "out");
    assert_eq!(m["command"], "compare");
    assert_eq!(m["rows_file"], "runs.csv");
    assert_eq!(m["reps"], 2);
    assert_eq!(m["scenarios"].as_array().map(Vec::len), Some(2), "{m}");
}

/// A comparison.csv row whose difference from the first scenario must be exactly zero: `0.0` with
/// the interval [0, 0], or NaN where the difference is undefined (fewer than one or two values).
fn assert_zero_difference(r: &[String]) {
    let n: usize = r[4].parse().expect("n");
    let (diff, low, high) = (&r[9], &r[10], &r[11]);
    let expect = |defined: bool| if defined { "0.0" } else { "NaN" };
    assert_eq!(diff, expect(n >= 1), "diff of {r:?}");
    assert_eq!([low, high], [expect(n >= 2); 2], "diff interval of {r:?}");
}

#[test]
fn compare_a_scenario_with_itself_gives_exactly_zero_differences() {
    let dir = Dir::new();
    ok(&dir, &compare_args(&["status_quo_veto.toml", "status_quo_veto.toml"], "out", &[]));
    // Common random numbers: the second copy's runs are the first's, row for row.
    let runs = dir.read("out/runs.csv");
    let rows: Vec<&str> = runs.lines().skip(1).collect();
    assert_eq!(rows.len(), 2 * 2 * 6);
    let (first, second) = rows.split_at(12);
    for (a, b) in first.iter().zip(second) {
        assert!(a.starts_with("0,") && b.starts_with("1,") && a[1..] == b[1..], "runs of the two copies differ:\n{a}\n{b}");
    }
    let cmp = csv_rows(&dir, "out/comparison.csv", "point,scenario,seed,metric,n,mean,sd,ci_low,ci_high,diff,diff_ci_low,diff_ci_high");
    let half = cmp.len() / 2;
    assert!(half > 10 && cmp.len() == 2 * half, "comparison.csv rows: {}", cmp.len());
    for (a, b) in cmp[..half].iter().zip(&cmp[half..]) {
        assert_eq!(a[1..9], b[1..9], "summaries of the two copies differ");
        assert_zero_difference(b);
    }
}

// ---------------------------------------------------------------------------------------------
// sweep

#[test]
fn sweep_two_factor_grid_writes_rows_summary_and_heatmaps() {
    let dir = Dir::new();
    let stdout = ok(&dir, &sweep_args(GRID_2D, "out", &[]));
    assert!(stdout.starts_with("\n6 design points × 2 replications\n"), "{stdout}");
    assert!(stdout.ends_with("results written to out\n"), "{stdout}");
    assert_files(&dir, "out", &with_plots(&["manifest.json", "sweep.csv", "sweep_summary.csv"], HEATMAPS));

    let metrics = metric_names(&dir);
    // The last factor varies fastest.
    // Float parameters are written as floats (issue 12: stable column types).
    let values = |p: usize| [["0.0", "2.0", "4.0"][p / 2], ["0.0", "1.0"][p % 2]];
    let rows =
        keyless_rows(&dir, "out/sweep.csv", &format!("point,rep,regime.penalty,regime.exempt,{}", metrics.join(",")), "status_quo_veto");
    assert_eq!(rows.len(), 6 * 2, "sweep.csv: points × replications");
    for (i, r) in rows.iter().enumerate() {
        let [pen, ex] = values(i / 2);
        assert_eq!(r[..4], [(i / 2).to_string(), (i % 2).to_string(), pen.into(), ex.into()], "sweep.csv row {i}");
    }
    let summary = keyless_rows(
        &dir,
        "out/sweep_summary.csv",
        "point,regime.penalty,regime.exempt,metric,n,mean,sd,ci_low,ci_high",
        "status_quo_veto",
    );
    assert_eq!(summary.len(), 6 * metrics.len(), "sweep_summary.csv: points × metrics");
    for (i, r) in summary.iter().enumerate() {
        let (p, m) = (i / metrics.len(), &metrics[i % metrics.len()]);
        let [pen, ex] = values(p);
        assert_eq!(r[..4], [p.to_string(), pen.into(), ex.into(), m.clone()], "sweep_summary.csv row {i}");
    }
    // The summary's mean of s is the mean of the two replications' rows.
    for p in 0..6 {
        let mean = (parse(&rows[2 * p][4]) + parse(&rows[2 * p + 1][4])) / 2.0;
        let got = parse(&summary[p * metrics.len()][5]);
        assert!((got - mean).abs() <= 1e-12, "point {p}: summary mean of s {got}, rows give {mean}");
    }
}

#[test]
fn sweep_one_factor_writes_a_line_plot() {
    let dir = Dir::new();
    ok(&dir, &sweep_args(&["--vary", "regime.penalty=0:4:3"], "out", &[]));
    assert_files(&dir, "out", &with_plots(&["manifest.json", "sweep.csv", "sweep_summary.csv"], &["sweep"]));
    let rows: Vec<String> = dir
        .read("out/sweep.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').enumerate().filter(|(c, _)| [0, 3, 4].contains(c)).map(|(_, x)| x).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(rows, ["0,0,0.0", "0,1,0.0", "1,0,2.0", "1,1,2.0", "2,0,4.0", "2,1,4.0"]);
}

#[test]
fn sweep_latin_hypercube_stays_within_the_ranges() {
    let dir = Dir::new();
    let vary = ["--vary", "regime.penalty=0:4:3", "--vary", "regime.exempt=0.2:0.6:1", "--design", "lhs", "--samples", "5"];
    ok(&dir, &sweep_args(&vary, "out", &[]));
    // No heatmaps: a hypercube is not a grid.
    assert_files(&dir, "out", &with_plots(&["manifest.json", "sweep.csv", "sweep_summary.csv"], &[]));
    let metrics = metric_names(&dir);
    let rows =
        keyless_rows(&dir, "out/sweep.csv", &format!("point,rep,regime.penalty,regime.exempt,{}", metrics.join(",")), "status_quo_veto");
    assert_eq!(rows.len(), 5 * 2, "sweep.csv: samples × replications");
    let mut strata = [Vec::new(), Vec::new()];
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[..2], [(i / 2).to_string(), (i % 2).to_string()], "sweep.csv row {i}");
        assert_eq!(r[2..4], rows[i - i % 2][2..4], "both replications of point {} use the same values", i / 2);
        for (k, (lo, hi)) in [(0.0, 4.0), (0.2, 0.6)].into_iter().enumerate() {
            let v = parse(&r[2 + k]);
            assert!((lo..=hi).contains(&v), "sweep.csv row {i}: {v} outside [{lo}, {hi}]");
            if i % 2 == 0 {
                strata[k].push(((v - lo) / (hi - lo) * 5.0) as usize);
            }
        }
    }
    for mut s in strata {
        s.sort_unstable();
        assert_eq!(s, [0, 1, 2, 3, 4], "each fifth of a range holds one sample");
    }
    assert_eq!(manifest(&dir, "out")["details"]["design"], "lhs");
}

// ---------------------------------------------------------------------------------------------
// Sharding and merging

#[test]
fn sharded_sweep_merges_to_the_unsharded_files() {
    let dir = Dir::new();
    ok(&dir, &sweep_args(GRID_2D, "whole", &[]));
    run_shards_concurrently(&dir, 3, "shard", |out, k| sweep_args(GRID_2D, out, &["--shard", k]));
    for k in 1..=3 {
        assert_eq!(dir.list(&format!("shard{k}")), ["manifest.json", "sweep.csv"], "shard {k}/3");
    }
    let stdout = merge(&dir, 3, "shard", "out");
    assert!(stdout.ends_with("results written to out\n"), "{stdout}");
    assert_same_files(&dir, "whole", "out");
    assert_no_hidden_entries(&dir, "out");
}

#[test]
fn sharded_compare_merges_to_the_unsharded_files() {
    let dir = Dir::new();
    let names = ["status_quo_veto.toml", "due_diligence_exemption.toml", "combined_reform.toml"];
    ok(&dir, &compare_args(&names, "whole", &[]));
    run_shards_concurrently(&dir, 3, "shard", |out, k| compare_args(&names, out, &["--shard", k]));
    merge(&dir, 3, "shard", "out");
    assert_same_files(&dir, "whole", "out");
    assert_no_hidden_entries(&dir, "out");
}

#[test]
fn sharded_sensitivity_merges_to_the_unsharded_files() {
    let dir = Dir::new();
    ok(&dir, &sensitivity_args(MORRIS, "whole", &[]));
    run_shards_concurrently(&dir, 2, "shard", |out, k| sensitivity_args(MORRIS, out, &["--shard", k]));
    merge(&dir, 2, "shard", "out");
    assert_same_files(&dir, "whole", "out");
}

#[test]
fn bad_input_inconsistent_shard_specifications() {
    let dir = Dir::new();
    for shard in ["3/2", "0/2", "x", "2/0", "1/2/3"] {
        let stderr = refused(&dir, "out", &sweep_args(GRID_2D, "out", &["--shard", shard]));
        eqnice!(format!("error: --shard {shard}: expected K/N with 1 <= K <= N, e.g. --shard 2/8\n"), stderr);
    }
    let stderr = refused(&dir, "out", &sweep_args(&["--vary", "regime.penalty=0:4:3"], "out", &["--shard", "1/4"]));
    eqnice!("error: --shard 1/4: only 3 design point(s) to share among 4 shards; use at most 3 shards\n", stderr);
}

/// Runs the given `--shard k/3` slices of the 2-D grid sweep into `{prefix}{k}`.
fn grid_shards(dir: &Dir, prefix: &str, ks: &[usize], extra: &[&str]) {
    for k in ks {
        let shard = format!("{k}/3");
        let mut e = vec!["--shard", &shard];
        e.extend(extra);
        ok(dir, &sweep_args(GRID_2D, &format!("{prefix}{k}"), &e));
    }
}

fn merge_args(dirs: &[&str]) -> Vec<String> {
    ["merge"].iter().chain(dirs).chain(&["--out", "out"]).map(|s| s.to_string()).collect()
}

#[test]
fn bad_input_merge_of_shards_of_different_experiments() {
    let dir = Dir::new();
    grid_shards(&dir, "a", &[1, 3], &[]);
    grid_shards(&dir, "b", &[2], &["--seed", "9"]);
    let stderr = refused(&dir, "out", &merge_args(&["a1", "b2", "a3"]));
    eqnice!("error: a1 and b2 are shards of different experiments (different scenarios, parameters, seed or replications)\n", stderr);
}

#[test]
fn bad_input_merge_with_a_missing_shard() {
    let dir = Dir::new();
    grid_shards(&dir, "s", &[1, 3], &[]);
    let stderr = refused(&dir, "out", &merge_args(&["s1", "s3"]));
    eqnice!("error: missing shard(s) 2/3; merge needs all 3\n", stderr);
}

#[test]
fn bad_input_merge_with_a_shard_given_twice() {
    let dir = Dir::new();
    grid_shards(&dir, "s", &[1, 2, 3], &[]);
    let stderr = refused(&dir, "out", &merge_args(&["s1", "s2", "s3", "s2"]));
    eqnice!("error: shard 2/3 is given twice: s2 and s2\n", stderr);
    fs::create_dir(dir.join("copy")).expect("mkdir");
    for f in ["manifest.json", "sweep.csv"] {
        fs::copy(dir.join(&format!("s1/{f}")), dir.join(&format!("copy/{f}"))).expect("copy a shard");
    }
    let stderr = refused(&dir, "out", &merge_args(&["s1", "copy", "s3"]));
    eqnice!("error: shard 1/3 is given twice: s1 and copy\n", stderr);
}

#[test]
fn bad_input_merge_of_shards_of_different_counts() {
    let dir = Dir::new();
    grid_shards(&dir, "s", &[1], &[]);
    ok(&dir, &sweep_args(GRID_2D, "half2", &["--shard", "2/2"]));
    let stderr = refused(&dir, "out", &merge_args(&["s1", "half2"]));
    eqnice!("error: half2 is shard 2/2 but s1 is of 3 shards\n", stderr);
}

#[test]
fn bad_input_merge_of_a_directory_that_is_not_a_shard() {
    let dir = Dir::new();
    grid_shards(&dir, "s", &[1, 2, 3], &[]);
    ok(&dir, &sweep_args(GRID_2D, "whole", &[]));
    let stderr = refused(&dir, "out", &merge_args(&["s1", "whole", "s3"]));
    eqnice!("error: whole: is not the output of a --shard run\n", stderr);
    let stderr = refused(&dir, "out", &merge_args(&["s1", "s2", "nope"]));
    assert!(stderr.starts_with("error: nope/manifest.json: cannot read the shard's manifest ("), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Resuming an interrupted experiment

/// Starts a sweep, kills it once its journal holds rows, and tells whether it was stopped midway
/// (false if it finished first).
pub(super) fn kill_midway(dir: &Dir, args: &[String], out: &str) -> bool {
    let journal = dir.join(&format!("{out}/.sweep.csv.partial"));
    let mut child = spawn(dir, args);
    let start = Instant::now();
    loop {
        if fs::read_to_string(&journal).is_ok_and(|t| t.lines().count() > 1) {
            break;
        }
        if child.try_wait().expect("poll the sweep").is_some() {
            return false;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the sweep wrote no rows to its journal within 60 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("kill the sweep");
    child.wait().expect("reap the sweep");
    !dir.join(&format!("{out}/sweep.csv")).exists()
}

#[test]
fn sweep_killed_midway_resumes_to_the_uninterrupted_result() {
    let dir = Dir::new();
    // One thread writes the journal in small chunks, so there is time to stop it midway.
    let args = sweep_args(&["--vary", "regime.penalty=0:8:30"], "out", &["--threads", "1"]);
    let stopped = (0..5).any(|_| {
        let _ = fs::remove_dir_all(dir.join("out"));
        kill_midway(&dir, &args, "out")
    });
    assert!(stopped, "the sweep finished every time before it could be killed");
    let left = dir.list("out");
    assert!(left.iter().all(|n| n.starts_with('.')), "a killed sweep left visible files: {left:?}");
    assert!(left.contains(&".sweep.csv.partial".to_string()), "{left:?}");
    let journal = dir.read("out/.sweep.csv.partial");
    let complete = &journal[..journal.rfind('\n').map_or(0, |i| i + 1)];

    // Another experiment may not take over the unfinished one.
    let other = sweep_args(&["--vary", "regime.penalty=0:8:30"], "out", &["--threads", "1", "--seed", "2"]);
    let stderr = refused_untouched(&dir, "out", &other);
    eqnice!(
        "error: out: holds the unfinished runs of a different experiment (sweep (grid) of status_quo_veto over regime.penalty=0:8:30; seed 1, 2 replications); rerun that command to resume it, choose another --out, or pass --force to discard it\n",
        stderr
    );

    ok(&dir, &args);
    ok(&dir, &sweep_args(&["--vary", "regime.penalty=0:8:30"], "whole", &[]));
    assert_same_files(&dir, "whole", "out");
    assert_no_hidden_entries(&dir, "out");
    let rows = dir.read("out/sweep.csv");
    assert!(rows.starts_with(complete), "the finished rows do not continue the journal of the killed run");
    assert!(complete.lines().count() < rows.lines().count(), "the killed run had already written every row");
}

#[test]
fn resume_discards_a_torn_line_and_an_incomplete_run() {
    let dir = Dir::new();
    let names = ["status_quo_veto.toml", "due_diligence_exemption.toml"];
    ok(&dir, &compare_args(&names, "whole", &[]));
    // The journal of a run stopped in the middle of a line of its second replication (a run
    // writes 7 lines: its 6 periods, as in runs.csv, then its window, as in runs_window.csv),
    // tagged as this experiment's unsharded run.
    let (periods, windows) = (dir.read("whole/runs.csv"), dir.read("whole/runs_window.csv"));
    let mut period_lines = periods.lines();
    let mut rows = format!("{}\n", period_lines.next().unwrap_or(""));
    for w in windows.lines().skip(1) {
        for l in period_lines.by_ref().take(6) {
            rows.push_str(l);
            rows.push('\n');
        }
        rows.push_str(w);
        rows.push('\n');
    }
    let cut: usize = rows.lines().take(11).map(|l| l.len() + 1).sum::<usize>() + 10;
    fs::create_dir(dir.join("out")).expect("mkdir");
    dir.create("out/.runs.csv.partial", &rows[..cut]);
    let id = manifest(&dir, "whole")["experiment_id"].as_str().expect("an experiment id").to_string();
    dir.create("out/.runs.csv.experiment", &format!("{id} whole"));
    ok(&dir, &compare_args(&names, "out", &[]));
    assert_same_files(&dir, "whole", "out");
    assert_no_hidden_entries(&dir, "out");
}

#[test]
fn finished_sweep_is_kept_unless_forced() {
    let dir = Dir::new();
    let args = sweep_args(GRID_2D, "out", &[]);
    ok(&dir, &args);
    ok(&dir, &sweep_args(GRID_2D, "whole", &[]));
    let stderr = refused_untouched(&dir, "out", &args);
    eqnice!("error: out: already holds results (manifest.json); choose another --out directory or pass --force to overwrite\n", stderr);
    // With --force, a different (1-D) sweep replaces every file of the old one.
    let one = sweep_args(&["--vary", "regime.penalty=0:4:3"], "out", &["--force"]);
    ok(&dir, &one);
    assert_files(&dir, "out", &with_plots(&["manifest.json", "sweep.csv", "sweep_summary.csv"], &["sweep"]));
    ok(&dir, &sweep_args(GRID_2D, "out", &["--force"]));
    assert_same_files(&dir, "whole", "out");
}

// ---------------------------------------------------------------------------------------------
// Bad experiment arguments

#[test]
fn bad_input_malformed_vary_specifications() {
    let dir = Dir::new();
    let cases = [
        ("regime.exempt=1:0:3", "lower end 1 is above upper end 0"),
        ("regime.exempt=0:1:0", "steps must be at least 1 (got 0)"),
        ("regime.exempt=0:x:3", "upper end \"x\" is not a number"),
        ("regime.exempt=0:1:x", "steps \"x\" is not a whole number"),
        ("regime.exempt=0:2:3", "regime.exempt must stay within [0, 1]"),
        ("regime.exempt=0:1", "expected PATH=LO:HI:STEPS, e.g. regime.exempt=0:1:5"),
        (
            "regime.rule=0:1:2",
            "regime.rule is categorical (it takes one of \"veto\", \"points\"): list the values to sweep, e.g. regime.rule=veto,points",
        ),
    ];
    for (spec, message) in cases {
        let stderr = refused(&dir, "out", &sweep_args(&["--vary", spec], "out", &[]));
        eqnice!(format!("error: --vary {spec}: {message}\n"), stderr, format!("error for --vary {spec}"));
    }
    let stderr = refused(&dir, "out", &sweep_args(&["--vary", "regime.nope=0:1:3"], "out", &[]));
    assert!(stderr.starts_with("error: --vary regime.nope=0:1:3: regime.nope is not a known parameter"), "{stderr}");
}

#[test]
fn bad_input_inconsistent_design_options() {
    let dir = Dir::new();
    let vary = ["--vary", "regime.exempt=0:1:3"];
    let cases: [(&[&str], &str); 4] = [
        (&["--design", "lhs"], "--design lhs needs --samples N"),
        (&["--design", "lhs", "--samples", "0"], "--samples 0: expected 1 to 1000000"),
        (&["--samples", "3"], "--samples goes with --design lhs; a grid's size is set by the steps of --vary"),
        (&["--vary", "regime.exempt=0:1:2"], "--vary: each parameter may be varied once"),
    ];
    for (extra, message) in cases {
        let stderr = refused(&dir, "out", &sweep_args(&vary, "out", extra));
        eqnice!(format!("error: {message}\n"), stderr, format!("error for {extra:?}"));
    }
}

// ---------------------------------------------------------------------------------------------
// plot: re-rendering from saved results

/// Deletes `out/plots`, runs `cadresim plot out`, and requires every file of `out` to be as
/// before. Returns what plot printed.
fn rerender_identically(dir: &Dir, out: &str) -> String {
    let before = snapshot(dir, out);
    assert!(before.keys().any(|n| n.starts_with("plots/")), "{out} has no plots: {:?}", before.keys());
    fs::remove_dir_all(dir.join(&format!("{out}/plots"))).expect("delete the plots");
    let stdout = ok(dir, &["plot".to_string(), out.to_string()]);
    let after = snapshot(dir, out);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "files of {out} after plot");
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "{out}/{name} differs after plot");
    }
    stdout
}

#[test]
fn plot_rerenders_a_finished_sweep_identically() {
    let dir = Dir::new();
    let first = ok(&dir, &sweep_args(GRID_2D, "out", &[]));
    let again = rerender_identically(&dir, "out");
    eqnice!(first, again, "the report of sweep and of plot");
}

#[test]
fn plot_rerenders_a_finished_compare_identically() {
    let dir = Dir::new();
    let first = ok(&dir, &compare_args(&["status_quo_veto.toml", "due_diligence_exemption.toml"], "out", &[]));
    let again = rerender_identically(&dir, "out");
    eqnice!(first, again, "the report of compare and of plot");
}

#[test]
fn plot_rerenders_a_finished_sensitivity_analysis_identically() {
    let dir = Dir::new();
    let first = ok(&dir, &sensitivity_args(MORRIS, "out", &[]));
    let again = rerender_identically(&dir, "out");
    eqnice!(first, again, "the report of sensitivity and of plot");
}

#[test]
fn plot_rerenders_the_plots_of_a_run() {
    let dir = Dir::new();
    let sq = scn("status_quo_veto.toml");
    ok(&dir, &small(&["run", &sq], "out"));
    let stdout = rerender_identically(&dir, "out");
    eqnice!("re-rendered 10 plot files in out/plots\n", stdout);
    for f in ["plots/timeseries.png", "plots/timeseries.svg", "plots/shares.png", "plots/shares.svg", "plots/blame_ratio.png"] {
        assert!(dir.join(&format!("out/{f}")).is_file(), "{f} was not re-rendered");
    }
}

#[test]
fn plot_fails_cleanly_on_a_missing_directory_and_on_a_shard() {
    let dir = Dir::new();
    let stderr = refused(&dir, "nope", &["plot".to_string(), "nope".to_string()]);
    assert!(stderr.starts_with("error: nope/manifest.json: cannot read ("), "{stderr}");
    assert!(stderr.ends_with("); is this a cadresim output directory?\n"), "{stderr}");
    grid_shards(&dir, "s", &[1], &[]);
    let stderr = refused_untouched(&dir, "s1", &["plot".to_string(), "s1".to_string()]);
    eqnice!("error: s1: holds one shard; merge the shards first (`cadresim merge`)\n", stderr);
}

// ---------------------------------------------------------------------------------------------
// sensitivity

#[test]
fn sensitivity_morris_writes_design_indices_plot_and_ranking() {
    let dir = Dir::new();
    let stdout = ok(&dir, &sensitivity_args(MORRIS, "out", &[]));
    let files = ["manifest.json", "sensitivity_design.csv", "sensitivity_indices.csv", "sensitivity_runs.csv"];
    assert_files(&dir, "out", &with_plots(&files, &["sensitivity"]));

    let metrics = metric_names(&dir);
    let runs = keyless_rows(
        &dir,
        "out/sensitivity_runs.csv",
        &format!("point,rep,regime.penalty,regime.exempt,{}", metrics.join(",")),
        "status_quo_veto",
    );
    assert_eq!(runs.len(), 4 * 3 * 2, "sensitivity_runs.csv: trajectories × (parameters + 1) × replications");
    let design = keyless_rows(&dir, "out/sensitivity_design.csv", "point,regime.penalty,regime.exempt,s", "status_quo_veto");
    assert_eq!(design.len(), 4 * 3, "sensitivity_design.csv: one row per design point");
    let levels = |hi: f64| [0.0, hi / 3.0, 2.0 * hi / 3.0, hi];
    for (p, d) in design.iter().enumerate() {
        assert_eq!(d[0], p.to_string());
        for (k, hi) in [4.0, 1.0].into_iter().enumerate() {
            let v = parse(&d[1 + k]);
            assert!(levels(hi).iter().any(|l| (l - v).abs() < 1e-12), "point {p}: {v} is not on the 4-level grid of [0, {hi}]");
        }
        // The point's output is the mean over its replications.
        let (a, b) = (&runs[2 * p], &runs[2 * p + 1]);
        for (rep, r) in [a, b].into_iter().enumerate() {
            assert_eq!(r[..4], [p.to_string(), rep.to_string(), d[1].clone(), d[2].clone()], "sensitivity_runs.csv, point {p}");
        }
        let mean = (parse(&a[4]) + parse(&b[4])) / 2.0;
        assert!((parse(&d[3]) - mean).abs() <= 1e-12, "point {p}: design s {} but runs give {mean}", d[3]);
    }
    // Along a trajectory one parameter changes at a time, each once.
    for t in 0..4 {
        let mut changed = Vec::new();
        for p in 3 * t..3 * t + 2 {
            let moved: Vec<usize> = (1..3).filter(|&c| design[p][c] != design[p + 1][c]).collect();
            assert_eq!(moved.len(), 1, "trajectory {t}: points {p} and {} differ in {moved:?}", p + 1);
            changed.push(moved[0]);
        }
        changed.sort_unstable();
        assert_eq!(changed, [1, 2], "trajectory {t} moves each parameter once");
    }

    let indices = keyless_rows(
        &dir,
        "out/sensitivity_indices.csv",
        "metric,parameter,mu,mu_star,mu_star_ci_low,mu_star_ci_high,sigma",
        "status_quo_veto",
    );
    assert!(indices.iter().all(|r| r[0] == "s"), "the analysed metric in every row");
    let indices: Vec<Vec<String>> = indices.into_iter().map(|r| r[1..].to_vec()).collect();
    assert_eq!(indices.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["regime.penalty", "regime.exempt"]);
    for r in &indices {
        let [mu, mu_star, low, high, sigma] = [1, 2, 3, 4, 5].map(|c| parse(&r[c]));
        assert!(mu_star >= mu.abs() - 1e-12 && low <= mu_star && mu_star <= high && sigma >= 0.0, "{r:?}");
    }
    // The ranking lists the parameters by decreasing mu*.
    let head = "Morris elementary effects of s (4 trajectories, 4 levels, unit-scaled ranges); ranked by mu*:\n";
    let ranking = &stdout[stdout.find(head).unwrap_or_else(|| panic!("no ranking printed:\n{stdout}")) + head.len()..];
    let listed: Vec<&str> = ranking.lines().skip(1).take(2).filter_map(|l| l.split_whitespace().next()).collect();
    let mut by_mu_star: Vec<&Vec<String>> = indices.iter().collect();
    by_mu_star.sort_by(|a, b| parse(&b[2]).total_cmp(&parse(&a[2])));
    assert_eq!(listed, by_mu_star.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), "ranking:\n{stdout}");
    assert!(stdout.ends_with("results written to out\n"), "{stdout}");
}

#[test]
fn sensitivity_sobol_writes_first_and_total_order_indices() {
    let dir = Dir::new();
    let spec = ["--method", "sobol", "--param", "regime.penalty=0:4", "--param", "regime.exempt=0:1", "--samples", "4"];
    let stdout = ok(&dir, &sensitivity_args(&spec, "out", &[]));
    let files = ["manifest.json", "sensitivity_design.csv", "sensitivity_indices.csv", "sensitivity_runs.csv"];
    assert_files(&dir, "out", &with_plots(&files, &["sensitivity"]));
    let indices = keyless_rows(
        &dir,
        "out/sensitivity_indices.csv",
        "metric,parameter,S1,S1_ci_low,S1_ci_high,ST,ST_ci_low,ST_ci_high",
        "status_quo_veto",
    );
    let indices: Vec<Vec<String>> = indices.into_iter().map(|r| r[1..].to_vec()).collect();
    assert_eq!(indices.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["regime.penalty", "regime.exempt"]);
    for r in &indices {
        assert!(r[1..].iter().all(|v| parse(v).is_finite()), "{r:?}");
    }
    // N (k + 2) design points of 2 replications each.
    let design = dir.read("out/sensitivity_design.csv");
    assert_eq!(design.lines().count(), 1 + 4 * 4, "{design}");
    assert_eq!(dir.read("out/sensitivity_runs.csv").lines().count(), 1 + 4 * 4 * 2);
    assert!(stdout.contains("Sobol' indices of s (N = 4, 16 runs of 2 replications); ranked by total effect ST:\n"), "{stdout}");
}

/// With `--second-order`, the interactions of every pair: `sensitivity_s2.csv` with bootstrap
/// intervals, a printed ranking that agrees with it, and a figure of its own
/// (`plots/sensitivity_s2`), which a plain Sobol' analysis does not draw.
#[test]
fn sensitivity_sobol_second_order_tables_prints_and_draws_the_pairs() {
    let dir = Dir::new();
    let spec = ["--method", "sobol", "--second-order", "--param", "regime.penalty=0:4", "--param", "regime.exempt=0:1"];
    let spec = [&spec[..], &["--param", "appraisal.w_materials=0:1", "--samples", "4"]].concat();
    let stdout = ok(&dir, &sensitivity_args(&spec, "out", &[]));
    let files = ["manifest.json", "sensitivity_design.csv", "sensitivity_indices.csv", "sensitivity_runs.csv", "sensitivity_s2.csv"];
    assert_files(&dir, "out", &with_plots(&files, &["sensitivity", "sensitivity_s2"]));
    let pairs = keyless_rows(&dir, "out/sensitivity_s2.csv", "metric,parameter_a,parameter_b,S2,S2_ci_low,S2_ci_high", "status_quo_veto");
    let names: Vec<(&str, &str)> = pairs.iter().map(|r| (r[1].as_str(), r[2].as_str())).collect();
    assert_eq!(
        names,
        [("regime.penalty", "regime.exempt"), ("regime.penalty", "appraisal.w_materials"), ("regime.exempt", "appraisal.w_materials")]
    );
    for r in &pairs {
        let [x, lo, hi] = [3, 4, 5].map(|c| parse(&r[c]));
        assert!(x.is_finite() && lo.is_finite() && hi.is_finite() && lo <= hi, "{r:?}");
    }
    // The printed pairs, ranked by S2 as the figure is.
    let head = "Second-order indices S2 (interactions of pairs), ranked:\n";
    let at = stdout.find(head).unwrap_or_else(|| panic!("no pairs printed:\n{stdout}")) + head.len();
    let listed: Vec<String> =
        stdout[at..].lines().skip(1).take(3).map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).collect();
    let mut by_s2: Vec<&Vec<String>> = pairs.iter().collect();
    by_s2.sort_by(|a, b| parse(&b[3]).total_cmp(&parse(&a[3])));
    assert_eq!(listed, by_s2.iter().map(|r| format!("{} x {}", r[1], r[2])).collect::<Vec<_>>(), "{stdout}");
}

#[test]
fn bad_input_sobol_samples_must_be_a_power_of_two() {
    let dir = Dir::new();
    let spec = ["--method", "sobol", "--param", "regime.penalty=0:4", "--param", "regime.exempt=0:1", "--samples", "6"];
    let stderr = refused(&dir, "out", &sensitivity_args(&spec, "out", &[]));
    assert!(stderr.starts_with("error: --samples 6: "), "{stderr}");
    assert!(stderr.contains("not a power of two") && stderr.ends_with(" 4 and 8\n"), "{stderr}");
}

#[test]
fn bad_input_unknown_metric_lists_the_known_ones() {
    let dir = Dir::new();
    let spec = ["--method", "morris", "--param", "regime.penalty=0:4", "--samples", "4", "--metric", "nope"];
    let stderr = refused(&dir, "out", &sensitivity_args(&spec, "out", &[]));
    let expected = format!("error: --metric: unknown metric `nope`; known metrics: {}\n", metric_names(&dir).join(", "));
    eqnice!(expected, stderr);
}

#[test]
fn bad_input_zero_bootstrap_resamples_is_refused_before_simulating() {
    let dir = Dir::new();
    let spec = ["--method", "sobol", "--param", "regime.penalty=0:4", "--samples", "4", "--bootstrap", "0"];
    let stderr = refused(&dir, "out", &sensitivity_args(&spec, "out", &[]));
    assert!(stderr.starts_with("error: --bootstrap 0: "), "{stderr}");
}

/// A failure while finishing (here: a metric that is undefined everywhere) must not throw the
/// simulated runs away: the complete journal stays, so fixing the cause and rerunning loses no work.
#[test]
fn failed_finish_keeps_the_simulated_runs() {
    let dir = Dir::new();
    let args = sensitivity_args(
        &["--method", "morris", "--param", "regime.penalty=0:4", "--samples", "2", "--metric", "promotion_effort_corr"],
        "out",
        &["--set", "promotion.rate=0"],
    );
    let o = dir.cmd().args(&args).output();
    assert_eq!(o.code, Some(2), "{}", o.describe());
    assert!(o.stderr.contains("undefined (NaN)") && o.stderr.contains("use --metric promotions"), "{}", o.describe());
    assert!(!dir.join("out/manifest.json").exists(), "a failed finish committed results");
    let journal = dir.read("out/.sensitivity_runs.csv.partial");
    // Header plus 2 trajectories x 2 points x 2 replications.
    assert_eq!(journal.lines().count(), 1 + 2 * 2 * 2, "{journal}");
}

/// The design of the SLURM tests: 3 penalties × 2 exemption probabilities, small.
const SLURM_VARY: &str = "--vary regime.penalty=0:8:3 --vary regime.exempt=0:1:2";

/// Runs the shipped SLURM job-array script in `dir` as array task `id` of an array submitted as
/// `--array=MIN-MAX`, with the environment SLURM gives a batch task (but no job id, so the script
/// prints the merge command instead of submitting it).
fn slurm_task(dir: &Dir, id: u32, (min, max): (u32, u32), vary: &str) -> std::process::Output {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/slurm/sweep_array.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).current_dir(dir.path());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SLURM_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("SLURM_ARRAY_TASK_ID", id.to_string())
        .env("SLURM_ARRAY_TASK_MIN", min.to_string())
        .env("SLURM_ARRAY_TASK_MAX", max.to_string())
        .env("SLURM_ARRAY_TASK_COUNT", (max - min + 1).to_string())
        .env("CADRESIM", env!("CARGO_BIN_EXE_cadresim"))
        .env("SCENARIO", scn("status_quo_veto.toml"))
        .env("VARY", vary)
        .env("REPS", "2")
        .env("EXTRA", SMALL.join(" "))
        .output()
        .expect("run bash")
}

/// Like [`slurm_task`], and the task must succeed; returns its standard output.
fn slurm_task_ok(dir: &Dir, id: u32, array: (u32, u32)) -> String {
    let o = slurm_task(dir, id, array, SLURM_VARY);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "task {id} of {array:?}: {}\nstdout:\n{stdout}\nstderr:\n{stderr}", o.status);
    stdout.into_owned()
}

/// The unsharded sweep the SLURM tests shard, into `out`.
fn slurm_unsharded(dir: &Dir, out: &str) {
    let mut args: Vec<String> = vec!["sweep".into(), scn("status_quo_veto.toml")];
    args.extend(SLURM_VARY.split(' ').map(String::from));
    args.extend(["--reps", "2", "--seed", "1", "--quiet"].iter().map(|s| s.to_string()));
    args.extend(SMALL.iter().map(|s| s.to_string()));
    args.extend(["--out".to_string(), out.to_string()]);
    ok(dir, &args);
}

/// The shipped SLURM job-array script, run as three array tasks on this machine, followed by the
/// merge command the last one prints, gives the files of an unsharded sweep.
#[test]
fn slurm_array_script_shards_merge_to_the_unsharded_sweep() {
    let dir = Dir::new();
    for k in 1..=2 {
        let stdout = slurm_task_ok(&dir, k, (1, 3));
        assert!(stdout.contains("waiting for shard(s) "), "task {k}: {stdout}");
    }
    let stdout = slurm_task_ok(&dir, 3, (1, 3));
    let merge = stdout.split("merge them with: ").nth(1).unwrap_or_else(|| panic!("no merge command printed: {stdout}"));
    let o = Command::new("bash").arg("-c").arg(merge.trim()).current_dir(dir.path()).output().expect("run bash");
    assert!(o.status.success(), "{merge}: {}", String::from_utf8_lossy(&o.stderr));
    slurm_unsharded(&dir, "whole");
    assert_same_files(&dir, "whole", "results/sweep");
}

/// Issue 12: a task resubmitted alone (`sbatch --array=2`, so SLURM says the array has one task)
/// still runs shard 2 of the 3 the experiment was submitted as; a complete shard resubmitted exits
/// 0 without touching its files; and another sweep into the same results is refused.
#[test]
fn issue_12_slurm_resubmitted_task_keeps_its_shard_of_the_first_array() {
    let dir = Dir::new();
    slurm_task_ok(&dir, 1, (1, 3));
    slurm_task_ok(&dir, 3, (1, 3));
    let stdout = slurm_task_ok(&dir, 2, (2, 2));
    assert!(stdout.contains("shard 2/3 written to results/shard-2"), "{stdout}");
    assert!(stdout.contains("all 3 shards are complete; merge them with: "), "{stdout}");
    let manifest: Json = serde_json::from_str(&dir.read("results/shard-2/manifest.json")).expect("JSON manifest");
    assert_eq!((manifest["shard"]["k"].as_u64(), manifest["shard"]["n"].as_u64()), (Some(2), Some(3)));

    let before = snapshot(&dir, "results/shard-1");
    let stdout = slurm_task_ok(&dir, 1, (1, 1));
    assert!(stdout.contains("shard 1/3 in results/shard-1 is already complete"), "{stdout}");
    assert_eq!(before, snapshot(&dir, "results/shard-1"), "a complete shard was rewritten");

    let o = slurm_task(&dir, 2, (1, 3), "--vary regime.penalty=0:8:4");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    eqnice!(
        "sweep_array.sh: results/job-array.txt: results holds shards of a sweep with other arguments; choose another OUT or remove results\n",
        stderr
    );

    dir.cmd().args(["merge", "results/shard-1", "results/shard-2", "results/shard-3", "--out", "results/sweep"]).stdout();
    slurm_unsharded(&dir, "whole");
    assert_same_files(&dir, "whole", "results/sweep");
}

/// Issue 12: a swept whole-number parameter stays a whole-number column and a float parameter a
/// float column, whatever the grid; metric columns that happen to be zero are written `0.0`.
#[test]
fn issue12_swept_columns_keep_their_type() {
    let dir = Dir::new();
    ok(&dir, &sweep_args(&["--vary", "population.cadres=3:5:2", "--vary", "regime.penalty=1:3:2"], "out", &[]));
    let rows = dir.read("out/sweep.csv");
    let first: Vec<&str> = rows.lines().nth(1).unwrap_or("").split(',').collect();
    assert_eq!(first[4..6], ["3", "1.0"], "{rows}");
    let body: Vec<&str> = rows.lines().skip(1).flat_map(|l| l.split(',').skip(6)).collect();
    assert!(body.iter().all(|c| c.contains('.') || c.contains('e') || *c == "NaN"), "a metric cell is not written as a float:\n{rows}");
}
