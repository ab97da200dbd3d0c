//! `cadresim calibrate` (issue 15): the judgement on a toy function with a known accepted
//! region, the pattern file's errors, resume after a kill, shards merged to the unsharded
//! bytes, `plot DIR`, and an end-to-end run on tiny scenarios.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cadresim::calibrate::pattern::PatternFile;
use cadresim::calibrate::{aggregate, judge_point, Status};
use cadresim::metrics;

use crate::util::{scenario, Dir};

// ---------------------------------------------------------------------------------------------
// The core on a toy evaluator

/// A deterministic standard-normal-ish draw for (point, scenario, rep, metric): the mean of 12
/// uniforms minus 6 (variance 1), from a SplitMix64 stream.
fn noise(key: u64) -> f64 {
    let mut z = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut sum = 0.0;
    for _ in 0..12 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        sum += (x >> 11) as f64 / (1u64 << 53) as f64;
    }
    sum - 6.0
}

#[test]
fn toy_calibration_recovers_a_known_accepted_region() {
    // Two parameters on [0, 1]^2; metric s of scenario `toy` is x + noise, m is y + noise, and
    // scenario `shifted` has s larger by exactly 0.1. The pattern x + y < 1 accepts half the
    // square; a second pattern x > 0.2 binds on the strip x < 0.2.
    let text = r#"
[scenarios]
toy = "toy.toml"
shifted = "shifted.toml"
[[pattern]]
name = "below_diagonal"
finding = "F1"
doc = "x + y < 1"
condition = "s(toy) + m(toy) < 1"
[[pattern]]
name = "x_large"
finding = "F2"
doc = "x > 0.2"
condition = "s(toy) > 0.2"
"#;
    let file = PatternFile::parse(text, Path::new("toy/patterns.toml")).expect("the toy pattern file parses");
    let (s, m) = (metrics::index("s"), metrics::index("m"));
    let design = cadresim::analysis::sobol_seq::sobol_points(1024, 2, 7).expect("a Sobol' design");
    let (reps, sd) = (8, 0.02);
    let points: Vec<_> = design
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (x, y) = (u[0], u[1]);
            let value = |metric: usize, k: usize, r: usize| {
                let e = sd * noise(((i as u64) << 20) ^ ((r as u64) << 8) ^ metric as u64);
                match metric {
                    _ if metric == s => x + e + if k == 1 { 0.1 } else { 0.0 },
                    _ if metric == m => y + sd * noise(((i as u64) << 20) ^ ((r as u64) << 8) ^ 0xFF),
                    _ => f64::NAN,
                }
            };
            judge_point(&file.patterns, 2, &[s], u.clone(), reps, file.level, &value)
        })
        .collect();
    let agg = aggregate(&points, 2, 2);

    // Every verdict agrees with the truth away from the boundaries (8 replications of sd 0.02:
    // the interval's half-width is about 0.024 for the sum, so 0.1 is over four of them).
    for p in &points {
        let (x, y) = (p.values[0], p.values[1]);
        let v = p.verdicts[0].status;
        if x + y < 0.9 {
            assert_eq!(v, Status::Holds, "x + y = {} < 0.9 should hold: {:?}", x + y, p.verdicts[0]);
        } else if x + y > 1.1 {
            assert_eq!(v, Status::Fails, "x + y = {} > 1.1 should fail: {:?}", x + y, p.verdicts[0]);
        }
        assert!((p.verdicts[0].mean - (1.0 - x - y)).abs() < 0.05, "mean difference {:?} at ({x}, {y})", p.verdicts[0]);
        if p.accepted() {
            assert!(x + y < 1.05 && x > 0.17, "accepted ({x}, {y}) lies outside the region");
        }
    }
    // The accepted share is the area of {x + y < 1, x > 0.2} = 0.32, less what the intervals leave
    // undecided along the two boundaries (about 0.03 in all).
    let share = agg.accepted.len() as f64 / agg.points as f64;
    assert!((share - 0.32).abs() < 0.04, "accepted share {share}, expected about 0.32 less the boundary bands");
    // Below the diagonal with x < 0.2 only `x_large` is missing: it binds on about 0.2 * 0.9 of
    // the square; above it with x > 0.2 `below_diagonal` binds (area 0.32).
    let binding = agg.binding[1] as f64 / agg.points as f64;
    assert!((binding - 0.18).abs() < 0.04, "x_large binds at a share {binding}, expected about 0.18");
    assert_eq!(agg.counts[0].holds + agg.counts[0].fails + agg.counts[0].undecided + agg.counts[0].undefined, 1024);
    // The accepted region's ranges: x from 0.2 to 1, y from 0 to 0.8.
    let [xmin, _, _, _, xmax] = agg.region[0];
    let [ymin, _, _, _, ymax] = agg.region[1];
    assert!(xmin > 0.17 && xmin < 0.25 && xmax > 0.9 && ymin < 0.05 && ymax > 0.7 && ymax < 0.83, "region {:?}", agg.region);
    // The shifted scenario's effect on s is exactly 0.1 at every accepted point.
    for q in agg.effects[1][0] {
        assert!((q - 0.1).abs() < 1e-9, "effect spread {:?}", agg.effects[1][0]);
    }
}

#[test]
fn an_undefined_metric_makes_the_verdict_undefined() {
    let text =
        "[scenarios]\na = \"a.toml\"\n[[pattern]]\nname = \"p\"\nfinding = \"F8\"\ndoc = \"d\"\ncondition = \"blame_ratio(a) > 1\"\n";
    let file = PatternFile::parse(text, Path::new("p.toml")).expect("parses");
    let value = |_m: usize, _k: usize, r: usize| if r == 1 { f64::NAN } else { 2.0 };
    let p = judge_point(&file.patterns, 1, &[], vec![0.5], 3, 0.95, &value);
    assert_eq!(p.verdicts[0].status, Status::Undefined);
    assert!(!p.accepted());
}

// ---------------------------------------------------------------------------------------------
// The command

/// Tiny scenarios: 2 townships, 8 periods, a 4-period end window.
const SMALL: &[&str] = &["--set", "population.townships=2", "--set", "population.periods=8", "--set", "output.window=4"];

/// A pattern file over the shipped status quo, no-accountability and exemption scenarios.
fn patterns(dir: &Dir) -> String {
    let text = format!(
        r#"level = 0.9
[scenarios]
sq = "{}"
none = "{}"
dd = "{}"

[[pattern]]
name = "formalism_from_accountability"
finding = "F9"
doc = "accountability raises formalism"
condition = "formalism(sq) > formalism(none)"

[[pattern]]
name = "exemption_raises_s"
finding = "F14"
doc = "exemption raises substantive work"
condition = "s(dd) > s(sq)"

[[pattern]]
name = "magnitude"
finding = "external"
doc = "a band"
condition = "0.01 < 12 * sanction_rate(sq) < 100"
"#,
        scenario("status_quo_veto.toml").display(),
        scenario("no_accountability.toml").display(),
        scenario("due_diligence_exemption.toml").display()
    );
    dir.create("patterns.toml", &text);
    "patterns.toml".into()
}

fn calibrate_args(file: &str, out: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["calibrate", "--patterns", file, "--param", "errors.q=0.01:0.1", "--param", "regime.penalty=0:4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.extend(["--samples", "6", "--reps", "3", "--quiet", "--out", out].map(String::from));
    a.extend(SMALL.iter().chain(extra).map(|s| s.to_string()));
    a
}

/// The files a calibration writes.
fn calibration_files() -> Vec<String> {
    let mut f: Vec<String> = [
        "calibration.md",
        "calibration_binding.csv",
        "calibration_effects.csv",
        "calibration_patterns.csv",
        "calibration_points.csv",
        "calibration_region.csv",
        "calibration_runs.csv",
        "manifest.json",
        "plots/pairs.png",
        "plots/pairs.svg",
    ]
    .map(String::from)
    .to_vec();
    f.sort();
    f
}

fn assert_same_files(dir: &Dir, a: &str, b: &str) {
    let names = dir.list(a);
    assert!(!names.is_empty(), "{a} is empty");
    assert_eq!(names, dir.list(b), "files of {a} and {b}");
    for n in &names {
        eqnice!(dir.read_any(&format!("{a}/{n}")), dir.read_any(&format!("{b}/{n}")), format!("{a}/{n} and {b}/{n}"));
    }
}

#[test]
fn calibrate_end_to_end_writes_every_table_the_report_and_the_pair_plot() {
    let dir = Dir::new();
    let file = patterns(&dir);
    // A reform the patterns do not mention joins the effects table.
    let mass = format!("mass={}", scenario("mass_satisfaction.toml").display());
    let stdout = dir.cmd().args(calibrate_args(&file, "out", &["--effects", "s,formalism", "--scenario", &mass])).stdout();
    assert!(stdout.contains("calibration: ") && stdout.contains("points accepted"), "{stdout}");
    assert_eq!(dir.list("out"), calibration_files());
    let png = dir.read_bytes("out/plots/pairs.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "pairs.png is not a PNG");
    // The tidy per-point table: 6 points x 3 patterns, every status one of the four.
    let points = dir.read("out/calibration_points.csv");
    let mut lines = points.lines();
    eqnice!("point,errors.q,regime.penalty,accepted,pattern,status,diff,diff_low,diff_high", lines.next().unwrap_or(""));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 18);
    for r in &rows {
        assert!(["holds", "fails", "undecided", "undefined"].contains(&r[5]), "{r:?}");
        let q: f64 = r[1].parse().expect("a number");
        assert!((0.01..=0.1).contains(&q), "errors.q = {q} outside its range");
        // The interval brackets the mean.
        let (d, lo, hi): (f64, f64, f64) = (r[6].parse().unwrap(), r[7].parse().unwrap(), r[8].parse().unwrap());
        assert!(lo <= d && d <= hi, "{r:?}");
    }
    // The magnitude band is wide open here, so it holds everywhere.
    let summary = dir.read("out/calibration_patterns.csv");
    let magnitude = summary.lines().find(|l| l.starts_with("magnitude,")).expect("a magnitude row");
    assert!(magnitude.contains(",6,6,0,0,0,"), "{magnitude}");
    // Effects: one row per reform scenario and effect metric.
    let effects = dir.read("out/calibration_effects.csv");
    assert_eq!(effects.lines().count(), 1 + 3 * 2, "{effects}");
    assert!(effects.lines().nth(1).unwrap_or("").starts_with("none,sq,s,"), "{effects}");
    assert!(effects.lines().nth(6).unwrap_or("").starts_with("mass,sq,formalism,"), "{effects}");
    let md = dir.read("out/calibration.md");
    assert!(md.contains("## Binding pattern") && md.contains("## Accepted region") && md.contains("`s(dd) > s(sq)`"), "{md}");
    let manifest = dir.read("out/manifest.json");
    assert!(manifest.contains("\"command\": \"calibrate\"") && manifest.contains("\"exemption_raises_s\""), "{manifest}");

    // plot DIR re-renders the same bytes.
    let before: Vec<(String, String)> = dir.list("out").into_iter().map(|n| (n.clone(), dir.read_any(&format!("out/{n}")))).collect();
    fs::remove_dir_all(dir.join("out/plots")).expect("delete the plots");
    fs::remove_file(dir.join("out/calibration.md")).expect("delete the report");
    let again = dir.cmd().args(["plot", "out"]).stdout();
    assert!(again.contains("points accepted"), "{again}");
    for (n, bytes) in before {
        eqnice!(bytes, dir.read_any(&format!("out/{n}")), format!("out/{n} after plot"));
    }
}

#[test]
fn sharded_calibration_merges_to_the_unsharded_files() {
    let dir = Dir::new();
    let file = patterns(&dir);
    dir.cmd().args(calibrate_args(&file, "whole", &[])).stdout();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = dir.cmd().args(calibrate_args(&file, &format!("s{k}"), &["--shard", &shard])).stdout();
        assert!(out.starts_with(&format!("shard {k}/3 written to s{k}")), "{out}");
    }
    dir.cmd().args(["merge", "s1", "s2", "s3", "--out", "merged"]).stdout();
    assert_same_files(&dir, "whole", "merged");
    // A different thread count gives the same bytes too.
    dir.cmd().args(calibrate_args(&file, "one", &["--threads", "1"])).stdout();
    assert_same_files(&dir, "whole", "one");
}

#[test]
fn calibration_killed_midway_resumes_to_the_uninterrupted_result() {
    let dir = Dir::new();
    let file = patterns(&dir);
    let mut args = calibrate_args(&file, "out", &["--threads", "1"]);
    // More points, so that there is time to stop it midway.
    let at = args.iter().position(|a| a == "--samples").expect("a --samples flag");
    args[at + 1] = "40".into();
    let journal = dir.join("out/.calibration_runs.csv.partial");
    let mut stopped = false;
    for _ in 0..5 {
        let _ = fs::remove_dir_all(dir.join("out"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_cadresim"))
            .current_dir(dir.path())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cadresim");
        let start = Instant::now();
        let mut finished = false;
        while !fs::read_to_string(&journal).is_ok_and(|t| t.lines().count() > 1) {
            if child.try_wait().expect("poll").is_some() {
                finished = true;
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no rows within 60 s");
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        if !finished && !dir.join("out/calibration_runs.csv").exists() {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "the calibration finished every time before it could be killed");
    let left = dir.list("out");
    assert!(left.iter().all(|n| n.starts_with('.')), "a killed calibration left visible files: {left:?}");
    let partial = dir.read("out/.calibration_runs.csv.partial");
    dir.cmd().args(&args).stdout();
    let mut whole = args.clone();
    let at = whole.iter().position(|a| a == "out").expect("the out argument");
    whole[at] = "whole".into();
    dir.cmd().args(&whole).stdout();
    assert_same_files(&dir, "whole", "out");
    let rows = dir.read("out/calibration_runs.csv");
    let complete = &partial[..partial.rfind('\n').map_or(0, |i| i + 1)];
    assert!(rows.starts_with(complete) && complete.lines().count() < rows.lines().count(), "the resumed rows do not continue the journal");
}

/// Runs `calibrate` on a pattern file with `body` after a valid `[scenarios]`, and returns the
/// one-line error; nothing may be written.
fn pattern_error(body: &str) -> String {
    let dir = Dir::new();
    let text = format!(
        "[scenarios]\nsq = \"{}\"\nnone = \"{}\"\n{body}",
        scenario("status_quo_veto.toml").display(),
        scenario("no_accountability.toml").display()
    );
    dir.create("bad.toml", &text);
    let stderr = dir.cmd().args(calibrate_args("bad.toml", "out", &[])).stderr_with_code(2);
    assert!(stderr.starts_with("error: bad.toml: ") && stderr.lines().count() == 1, "{stderr}");
    assert!(!dir.join("out").exists(), "a refused calibration created its output directory");
    stderr
}

fn one(name: &str, condition: &str) -> String {
    format!("[[pattern]]\nname = \"{name}\"\nfinding = \"F8\"\ndoc = \"d\"\ncondition = \"{condition}\"\n")
}

#[test]
fn bad_input_pattern_files_are_refused_naming_the_file_the_pattern_and_the_problem() {
    let e = pattern_error(&one("p1", "sanction_rat(sq) > 0.1"));
    assert!(e.contains("pattern `p1`") && e.contains("unknown metric `sanction_rat`") && e.contains("did you mean `sanction_rate`"), "{e}");
    let e = pattern_error(&one("p2", "s(status_quo) > 0.1"));
    assert!(e.contains("pattern `p2`") && e.contains("unknown scenario `status_quo`") && e.contains("sq, none"), "{e}");
    let e = pattern_error(&one("p3", "s(sq) == s(none)"));
    assert!(e.contains("pattern `p3`") && e.contains("bad operator `==`"), "{e}");
    let e = pattern_error(&one("p4", "(s(sq) + m(sq) > 0.1"));
    assert!(e.contains("pattern `p4`") && e.contains("unbalanced parenthesis"), "{e}");
    let e = pattern_error(&format!("{}{}", one("twice", "s(sq) > 0"), one("twice", "m(sq) > 0")));
    assert!(e.contains("pattern `twice`") && e.contains("duplicate name"), "{e}");
    let e = pattern_error("[[pattern]]\nname = \"nocond\"\nfinding = \"F8\"\ndoc = \"d\"\n");
    assert!(e.contains("pattern `nocond`") && e.contains("missing field `condition`"), "{e}");
    let e = pattern_error("[[pattern]]\nfinding = \"F8\"\ndoc = \"d\"\ncondition = \"s(sq) > 0\"\n");
    assert!(e.contains("pattern 1") && e.contains("missing field `name`"), "{e}");
    let e = pattern_error(&one("p5", "s(sq) > 0").replace("F8", "F99"));
    assert!(e.contains("pattern `p5`") && e.contains("F1 to F15"), "{e}");
    let e = pattern_error(&one("p6", "s(sq)"));
    assert!(e.contains("pattern `p6`") && e.contains("no comparison"), "{e}");
}

#[test]
fn bad_input_calibrate_options_are_refused_before_anything_runs() {
    let dir = Dir::new();
    let file = patterns(&dir);
    let mut one_rep = calibrate_args(&file, "out", &[]);
    let at = one_rep.iter().position(|a| a == "--reps").expect("a --reps flag");
    one_rep[at + 1] = "1".into();
    let e = dir.cmd().args(one_rep).stderr_with_code(2);
    assert!(e.contains("--reps 1") && e.contains("at least 2 replications"), "{e}");
    let e = dir.cmd().args(calibrate_args(&file, "out", &["--effects", "nonsense"])).stderr_with_code(2);
    assert!(e.contains("--effects nonsense") && e.contains("unknown metric"), "{e}");
    let e = dir.cmd().args(calibrate_args(&file, "out", &["--param", "inspection.levels.county.rate=0:1"])).stderr_with_code(2);
    assert!(e.contains("no scenario has this inspection level") && e.contains("merged"), "{e}");
    let sq = format!("sq={}", scenario("status_quo_veto.toml").display());
    let e = dir.cmd().args(calibrate_args(&file, "out", &["--scenario", &sq])).stderr_with_code(2);
    assert!(e.contains("--scenario sq") && e.contains("already named"), "{e}");
    let e = dir.cmd().args(calibrate_args("missing.toml", "out", &[])).stderr_with_code(2);
    assert!(e.contains("missing.toml") && e.contains("cannot read the pattern file"), "{e}");
    assert!(!dir.join("out").exists());
}

#[test]
fn an_inspection_level_parameter_is_set_only_where_that_level_exists() {
    use cadresim::params::Value;
    use cadresim::spec::{CalibrateSpec, CalibrationDesign, Runs};
    let dir = Dir::new();
    let text = format!(
        "[scenarios]\nsq = \"{}\"\nmulti = \"{}\"\n[[pattern]]\nname = \"p\"\nfinding = \"F2\"\ndoc = \"d\"\ncondition = \"load(multi) > load(sq)\"\n",
        scenario("status_quo_veto.toml").display(),
        scenario("multi_level_inspection.toml").display()
    );
    dir.create("p.toml", &text);
    let spec = CalibrateSpec {
        patterns: dir.join("p.toml"),
        extra_scenarios: vec![],
        overrides: vec![("inspection.levels.merged.detect".into(), "0.25".into()), ("population.townships".into(), "2".into())],
        override_label: "--set".into(),
        params: cadresim::spec::parse_factors(
            "param",
            &["inspection.levels.merged.rate=0.1:0.2".into(), "errors.q=0.01:0.02".into()],
            false,
        )
        .expect("factors"),
        design: CalibrationDesign::Lhs,
        samples: 3,
        effects: vec!["s".into()],
        runs: Runs { reps: 2, seed: 1, threads: Some(1) },
    };
    let exp = spec.prepare().expect("the calibration is prepared");
    assert_eq!(exp.points.len(), 6, "3 design points x 2 scenarios");
    for pair in exp.points.chunks(2) {
        let (sq, multi) = (&pair[0].scenario.resolved, &pair[1].scenario.resolved);
        assert_eq!(sq.get("inspection.levels.merged.detect"), Some(&Value::Float(0.25)));
        let Some(Value::Float(rate)) = sq.get("inspection.levels.merged.rate") else { panic!("no merged rate in the status quo") };
        assert!((0.1..=0.2).contains(rate), "merged rate {rate}");
        assert!(
            !multi.level_names().contains(&"merged".to_string()),
            "the multi-level scenario gained a merged level: {:?}",
            multi.level_names()
        );
        assert_eq!(multi.level_names().len(), 6);
        // Every other parameter is set in both.
        assert_eq!(sq.get("errors.q"), multi.get("errors.q"));
        assert_eq!(multi.get("population.townships"), Some(&Value::Int(2)));
    }
}
