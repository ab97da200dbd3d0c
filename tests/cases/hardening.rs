//! Issue 9, input and values: every real range is finite and every bound runs to finite
//! outputs; `inf`, `nan` and huge values are refused with the range; `scenario.toml` re-runs;
//! odd files (directories, FIFOs, devices, huge files) and deep or cyclic `base` chains are
//! refused with one-line messages that name the file and line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cadresim::engine;
use cadresim::metrics::{evaluate, METRICS};
use cadresim::params::{Kind, Value, REGISTRY};
use cadresim::scenario::Scenario;

use crate::util::{scenario, Dir};

/// Whether a metric may be undefined (NaN) by definition for some populations (a ratio or a
/// correlation with nothing to divide by), as the metric registry says; every other metric is
/// always a finite number.
pub fn may_be_nan(name: &str) -> bool {
    cadresim::metrics::metric(name).is_some_and(|m| m.undefined.is_some())
}

/// A tiny population: 1 county × 2 townships × 3 cadres × 3 periods.
pub const TINY: &[(&str, &str)] = &[
    ("population.counties", "1"),
    ("population.townships", "2"),
    ("population.cadres", "3"),
    ("population.periods", "3"),
    ("output.window", "3"),
];

/// [`TINY`] as `--set` arguments.
pub fn tiny_args() -> Vec<String> {
    TINY.iter().flat_map(|(k, v)| ["--set".to_string(), format!("{k}={v}")]).collect()
}

fn pairs(sets: &[(&str, &str)]) -> Vec<(String, String)> {
    sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Runs one replication of `s` and requires every metric of every period to be finite, except
/// the [`may_be_nan`] metrics, which may also be NaN (never infinite). `what` names the case.
pub fn assert_runs_finite(s: &Scenario, what: &str) {
    let params = s.params().unwrap_or_else(|e| panic!("{what}: check failed: {e}"));
    let model = engine::Model::new(params);
    let runs = engine::run_replications(&model, 7, 0..1, &engine::Silent).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (t, p) in runs[0].periods.iter().enumerate() {
        for acc in std::iter::once(&p.total).chain(&p.counties) {
            for (m, x) in METRICS.iter().zip(evaluate(acc)) {
                let ok = x.is_finite() || (x.is_nan() && may_be_nan(m.name));
                assert!(ok, "{what}: period {}: {} = {x}", t + 1, m.name);
            }
        }
    }
}

/// Every CSV file in `dir` holds only finite numbers where a number belongs: a cell that reads
/// as a number is finite, except NaN for a [`may_be_nan`] metric (as a column, or as the row's
/// `metric`) and for the spread of a statistic over fewer than two replications. `inf` never.
pub fn assert_csv_finite(dir: &Path) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut seen = 0;
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|x| x != "csv") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
        for (i, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{} row {}: {line}", path.display(), i + 2);
            let row_metric_may_be_nan = cells.iter().any(|c| may_be_nan(c));
            let n_small = header.iter().position(|h| *h == "n").and_then(|k| cells[k].parse::<f64>().ok()).is_some_and(|n| n < 2.0);
            for (h, c) in header.iter().zip(&cells) {
                let lower = c.to_ascii_lowercase();
                assert!(!lower.contains("inf"), "{} row {} column {h}: {c}", path.display(), i + 2);
                if let Ok(x) = c.parse::<f64>() {
                    let spread = matches!(*h, "sd" | "ci_low" | "ci_high") && n_small;
                    let ok = x.is_finite() || (x.is_nan() && (may_be_nan(h) || row_metric_may_be_nan || spread));
                    assert!(ok, "{} row {} column {h}: {c}", path.display(), i + 2);
                }
            }
        }
    }
    assert!(seen > 0, "no CSV files in {}", dir.display());
}

/// What a command printed and how it ended (`None`: killed by a signal, or timed out).
pub struct Ended {
    /// Exit code.
    pub code: Option<i32>,
    /// Standard error.
    pub stderr: String,
    /// Killed after the timeout.
    pub timed_out: bool,
}

/// Runs the binary with `args` in `dir`, killing it after `limit` (a hang is a failure of the
/// caller's, not a measure of speed).
pub fn run_bin(dir: &Path, args: &[String], limit: Duration) -> Ended {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cadresim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start cadresim");
    let start = Instant::now();
    let timed_out = loop {
        if child.try_wait().expect("wait for cadresim").is_some() {
            break false;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().expect("collect cadresim output");
    Ended { code: out.status.code(), stderr: String::from_utf8_lossy(&out.stderr).into_owned(), timed_out }
}

/// Makes a FIFO at `path` with `mkfifo`. Without it the FIFO cases print "skipped" and pass,
/// unless `CADRESIM_REQUIRE_COMPONENTS=1`, which makes a missing `mkfifo` a failure.
pub fn make_fifo(path: &Path) -> bool {
    let made = Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    if !made {
        assert!(
            std::env::var("CADRESIM_REQUIRE_COMPONENTS").as_deref() != Ok("1"),
            "mkfifo is required but could not make {}",
            path.display()
        );
        eprintln!("skipped: the FIFO cases need mkfifo (coreutils), which could not make {}", path.display());
    }
    made
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// Requires `check` (and `check` only) of `args` to fail with one line that starts with `start`.
fn refused_check(dir: &Dir, args: &[&str], start: &str) -> String {
    let e = run_bin(dir.path(), &s(args), Duration::from_secs(60));
    assert!(!e.timed_out, "cadresim {args:?} hung");
    assert!(!e.stderr.contains("panicked"), "cadresim {args:?} panicked:\n{}", e.stderr);
    assert_eq!(e.code, Some(2), "cadresim {args:?}:\n{}", e.stderr);
    assert!(e.stderr.ends_with('\n') && e.stderr.lines().count() == 1, "not one line:\n{}", e.stderr);
    assert!(e.stderr.starts_with(&format!("error: {start}")), "expected `error: {start}...`, got:\n{}", e.stderr);
    e.stderr
}

/// The concrete path of a registry entry (level fields on the default level `merged`).
fn concrete(path: &str) -> String {
    path.replace('*', "merged")
}

/// `[min, max]` of a numeric kind, as in its messages.
fn bracket(kind: &Kind) -> String {
    let a = kind.allowed();
    let start = a.find('[').expect("a range");
    a[start..=a.find(']').expect("a range")].to_string()
}

#[test]
fn issue9_every_real_range_is_finite_and_listed() {
    let listing = cadresim::params::listing();
    for s in REGISTRY {
        if let Kind::Float { min, max } | Kind::FloatList { min, max } = s.kind {
            assert!(min.is_finite() && max.is_finite() && min <= max, "{}: [{min}, {max}]", s.path);
            assert!(max <= 1e6 && min >= -1e6, "{}: [{min}, {max}] lets values overflow in the model", s.path);
        }
        // `cadresim params` shows the same range as the messages.
        // Level fields are listed at the default level's concrete path (issue 12).
        let shown = s.path.replace('*', cadresim::params::DEFAULT_LEVEL.0);
        let at = listing.find(&format!("  {shown} ")).unwrap_or_else(|| panic!("{shown} is not listed"));
        assert!(listing[at..].lines().nth(1).is_some_and(|l| l.trim() == s.kind.allowed()), "{}", s.path);
    }
    assert!(!listing.contains("inf]") && !listing.contains("[-inf"), "the listing still shows an infinite bound");
}

#[test]
fn issue9_inf_nan_and_huge_values_are_refused_with_the_range() {
    for spec in REGISTRY.iter().filter(|s| matches!(s.kind, Kind::Float { .. })) {
        let path = concrete(spec.path);
        let (section, key) = path.rsplit_once('.').expect("dotted path");
        let range = bracket(&spec.kind);
        for bad in ["inf", "-inf", "+inf", "nan", "-nan", "1e308", "-1e308", "1e7"] {
            let text = format!("[{section}]\n{key} = {bad}\n");
            let e = Scenario::from_toml_str(&text, Path::new("x.toml")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("x.toml line 2: {path} = ")), "{e}");
            assert!(e.contains(&range), "{path} = {bad}: no range in {e}");
            let mut s = Scenario::defaults();
            let e = s.apply_sets(&[(path.clone(), bad.to_string())]).unwrap_err().to_string();
            assert!(e.starts_with(&format!("override {path}={bad}: {path} = ")) && e.contains(&range), "{e}");
        }
    }
    // Lists too, and the binary says the same in one line.
    let e = Scenario::from_toml_str("[learning]\ninitial = [1.0, inf]\n", Path::new("x.toml")).unwrap_err().to_string();
    assert_eq!(e, "x.toml line 2: learning.initial contains inf, outside [-1000000, 1000000]");
    let dir = Dir::new();
    dir.create("x.toml", "[regime]\npenalty = inf\n");
    refused_check(&dir, &["check", "x.toml"], "x.toml line 2: regime.penalty = inf is outside [0, 1000000]");
    dir.create("y.toml", "[outcomes]\noutput_noise = nan\n");
    refused_check(&dir, &["check", "y.toml"], "y.toml line 2: outcomes.output_noise = nan is not a number; expected a number in [0, 100]");
    let sq = scenario("status_quo_veto.toml");
    let sq = sq.to_str().expect("UTF-8 path");
    refused_check(
        &dir,
        &["check", sq, "--set", "outcomes.innovation_gain=1e308"],
        "--set outcomes.innovation_gain=1e308: outcomes.innovation_gain = 1e308 is outside [0, 100]",
    );
}

/// Values to set beside a parameter at one of its bounds, so that the cross-field rules hold
/// and the parameter matters (its rule or module is switched on).
fn companions(path: &str, at_max: bool) -> Vec<(&'static str, &'static str)> {
    let mut c = Vec::new();
    if path == "population.corrupt_share" {
        c.push(("misconduct.rate", "1"));
    }
    match path {
        "population.periods" if !at_max => c.push(("output.window", "1")),
        "output.window" if at_max => c.push(("population.periods", "100000")),
        "population.psi_min" if at_max => c.push(("population.psi_max", "100")),
        "output.avoider_below" if at_max => c.push(("output.diligent_from", "1")),
        "output.diligent_from" if !at_max => c.push(("output.avoider_below", "0")),
        "promotion.slots" => {
            c.push(("promotion.mode", "fixed"));
            if at_max {
                c.push(("population.cadres", "100000"));
            }
        }
        _ => {}
    }
    if path.starts_with("misconduct.") {
        c.push(("population.corrupt_share", "0.5"));
    }
    if path.starts_with("fatigue.") {
        c.push(("fatigue.enabled", "true"));
    }
    if path.starts_with("learning.re_") {
        c.push(("learning.rule", "roth_erev"));
    }
    if matches!(path, "learning.temperature" | "learning.mutation") || (path == "learning.imitate" && at_max) {
        c.push(("learning.rule", "imitation"));
        if path != "learning.imitate" {
            c.push(("learning.imitate", "0.5"));
        }
    }
    if path.contains("innovation") {
        c.push(("actions.innovate", "true"));
    }
    c
}

/// The text of a bound, as a user would write it.
fn bound_text(kind: &Kind, at_max: bool) -> String {
    match *kind {
        Kind::Float { min, max } => format!("{:?}", if at_max { max } else { min }),
        Kind::Int { min, max } => (if at_max { max } else { min }).to_string(),
        _ => unreachable!("only numeric kinds"),
    }
}

#[test]
fn issue9_every_numeric_parameter_runs_at_its_bounds() {
    let dir = Dir::new();
    dir.create(
        "tiny.toml",
        "# A tiny population.\n[population]\ncounties = 1\ntownships = 2\ncadres = 3\nperiods = 3\n[output]\nwindow = 3\n",
    );
    let mut cases = 0;
    for spec in REGISTRY.iter().filter(|s| s.kind.is_numeric()) {
        let path = concrete(spec.path);
        for at_max in [false, true] {
            let value = bound_text(&spec.kind, at_max);
            let mut sets = pairs(TINY);
            sets.extend(pairs(&companions(&path, at_max)));
            sets.push((path.clone(), value.clone()));
            let what = format!("{path} = {value}");
            let mut s = Scenario::defaults();
            s.apply_sets(&sets).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_runs_finite(&s, &what);
            // The binary's `check` agrees.
            let mut args = s_args(&["check", "tiny.toml"]);
            for (k, v) in &sets[TINY.len()..] {
                args.push("--set".into());
                args.push(format!("{k}={v}"));
            }
            let e = run_bin(dir.path(), &args, Duration::from_secs(60));
            assert_eq!(e.code, Some(0), "{what}: cadresim {args:?}:\n{}", e.stderr);
            cases += 1;
        }
    }
    assert!(cases >= 100, "only {cases} bounds tested");
}

fn s_args(args: &[&str]) -> Vec<String> {
    s(args)
}

#[test]
fn issue9_runs_at_extreme_bounds_write_only_finite_numbers() {
    let dir = Dir::new();
    let sq = scenario("status_quo_veto.toml");
    let extremes: &[&[(&str, &str)]] = &[
        &[("regime.penalty", "1e6"), ("population.loss_aversion", "100"), ("regime.rule", "points")],
        &[("outcomes.output_noise", "100"), ("outcomes.satisfaction_noise", "100"), ("complaints.beta", "100"), ("complaints.c1", "1000")],
        &[("promotion.prize", "1e6"), ("promotion.bonus", "1e6"), ("promotion.bonus_mark", "-1e6"), ("learning.lambda", "1e6")],
        &[
            ("errors.q", "10"),
            ("errors.b0", "1000"),
            ("errors.b1", "1000"),
            ("actions.innovate", "true"),
            ("errors.innovation_risk", "100"),
        ],
        &[("learning.rule", "roth_erev"), ("learning.re_shift", "1e6"), ("learning.re_initial", "1e6"), ("outcomes.effort_cost", "1000")],
        &[("fatigue.enabled", "true"), ("fatigue.cost", "1e6"), ("fatigue.limit", "0"), ("inspection.levels.merged.burden", "10")],
        &[("learning.rule", "imitation"), ("learning.imitate", "1"), ("learning.temperature", "1e-9"), ("appraisal.w_output", "100")],
    ];
    for (k, case) in extremes.iter().enumerate() {
        let out = format!("out{k}");
        let mut args = s(&["run", sq.to_str().expect("UTF-8 path"), "--reps", "2", "--quiet", "--out", &out]);
        args.extend(tiny_args());
        for (p, v) in case.iter() {
            args.push("--set".into());
            args.push(format!("{p}={v}"));
        }
        let e = run_bin(dir.path(), &args, Duration::from_secs(120));
        assert_eq!(e.code, Some(0), "cadresim {args:?}:\n{}", e.stderr);
        assert!(!e.stderr.contains("panicked"), "{}", e.stderr);
        assert_csv_finite(&dir.join(&out));
    }
}

#[test]
fn issue9_scenario_toml_round_trips_every_value() {
    // The writer's floats read back to the same bits, also where Display would write an integer.
    for x in [1e300, -1e300, 1e-300, 5e-324, f64::MAX, 0.1, 1.0 / 3.0, -0.0, 1e15, 1e16, 123456789.125, 2.0] {
        let text = format!("x = {}\n", Value::Float(x).to_toml());
        let doc: toml_edit::ImDocument<String> = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let back = doc.get("x").and_then(|v| v.as_float()).unwrap_or_else(|| panic!("{text} is not a float"));
        assert_eq!(back.to_bits(), x.to_bits(), "{text}");
    }
    // Every parameter at its bounds and at an awkward value inside, through scenario.toml.
    for at in ["min", "max", "third"] {
        let mut s = Scenario::defaults();
        for spec in REGISTRY.iter().filter(|s| s.kind.is_numeric()) {
            let v = match (spec.kind, at) {
                (Kind::Float { min, .. }, "min") => Value::Float(min),
                (Kind::Float { max, .. }, "max") => Value::Float(max),
                (Kind::Float { min, max }, _) => Value::Float(min + (max - min) / 3.0),
                (Kind::Int { min, .. }, "min") => Value::Int(min),
                (Kind::Int { max, .. }, "max") => Value::Int(max),
                (Kind::Int { min, max }, _) => Value::Int(min + (max - min) / 3),
                _ => unreachable!(),
            };
            s.resolved.set(&concrete(spec.path), v, cadresim::params::Origin::Override("test".into())).expect("in range");
        }
        s.resolved.set("learning.initial", Value::List(vec![-1e6, 1e-7, 1.0 / 7.0]), cadresim::params::Origin::Default).expect("list");
        let text = s.resolved.to_toml();
        let back = Scenario::from_toml_str(&text, Path::new("scenario.toml")).unwrap_or_else(|e| panic!("{at}: {e}\n{text}"));
        let a: Vec<_> = s.resolved.iter().collect();
        let b: Vec<_> = back.resolved.iter().collect();
        assert_eq!(a, b, "{at}: scenario.toml does not re-create the values");
    }
    // And through the binary: the written scenario re-runs to the same numbers.
    let dir = Dir::new();
    let sq = scenario("status_quo_veto.toml");
    let mut args = s(&["run", sq.to_str().expect("UTF-8 path"), "--reps", "1", "--quiet", "--out", "a"]);
    args.extend(tiny_args());
    args.extend(s(&["--set", "regime.penalty=999999.9999999999", "--set", "appraisal.pass_mark=-1e-7", "--set", "regime.block=100000"]));
    assert_eq!(run_bin(dir.path(), &args, Duration::from_secs(60)).code, Some(0));
    let again = s(&["run", "a/scenario.toml", "--reps", "1", "--quiet", "--out", "b"]);
    let e = run_bin(dir.path(), &again, Duration::from_secs(60));
    assert_eq!(e.code, Some(0), "{}", e.stderr);
    // Every row names its scenario: `status_quo_veto`, then `scenario` (the written file's name).
    let unnamed = |t: String| t.lines().map(|l| l.split_once(',').map_or(l, |(_, r)| r).to_string()).collect::<Vec<_>>().join("\n");
    eqnice!(unnamed(dir.read("a/periods.csv")), unnamed(dir.read("b/periods.csv")), "periods.csv of the run and of its scenario.toml");
}

#[test]
fn issue9_directories_fifos_devices_and_huge_files_are_refused() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("sub.toml")).expect("mkdir");
    refused_check(&dir, &["check", "sub.toml"], "sub.toml: cannot read the scenario: it is a directory, not a regular file");
    if Path::new("/dev/zero").exists() {
        refused_check(&dir, &["check", "/dev/zero"], "/dev/zero: cannot read the scenario: it is a device, not a regular file");
    }
    let big = format!("# Big.\n[regime]\npenalty = 1.0\n{}", "# padding padding padding padding padding padding padding\n".repeat(20_000));
    dir.create("big.toml", &big);
    refused_check(&dir, &["check", "big.toml"], "big.toml: cannot read the scenario: it is larger than 1 MiB");
    let fifo = make_fifo(&dir.join("pipe.toml"));
    if fifo {
        refused_check(&dir, &["check", "pipe.toml"], "pipe.toml: cannot read the scenario: it is a FIFO (named pipe), not a regular file");
    }
    // As a base, each is reported at the line of the `base` key.
    for (target, what) in [("sub.toml", "a directory"), ("big.toml", "larger than 1 MiB"), ("missing.toml", "No such file")] {
        dir.create("x.toml", &format!("# Odd base.\n\nbase = \"{target}\"\n"));
        let e =
            refused_check(&dir, &["check", "x.toml"], &format!("x.toml line 3: base = \"{target}\": {target}: cannot read the scenario: "));
        assert!(e.contains(what), "{e}");
    }
    if fifo {
        dir.create("x.toml", "base = \"pipe.toml\"\n");
        refused_check(&dir, &["check", "x.toml"], "x.toml line 1: base = \"pipe.toml\": pipe.toml: cannot read the scenario: it is a FIFO");
    }
}

#[test]
fn issue9_base_chains_are_limited_in_depth_and_cycles_are_errors() {
    let dir = Dir::new();
    let chain = |n: usize| {
        for k in 0..n {
            let base = if k + 1 < n { format!("base = \"f{}.toml\"\n", k + 1) } else { String::new() };
            dir.create(&format!("f{k}.toml"), &format!("{base}[regime]\npenalty = {k}.0\n"));
        }
    };
    chain(16);
    let s = Scenario::load(&dir.join("f0.toml")).expect("16 files are allowed");
    assert_eq!(s.resolved.get("regime.penalty"), Some(&Value::Float(0.0)));
    chain(40);
    let e = Scenario::load(&dir.join("f0.toml")).unwrap_err().to_string();
    assert!(e.starts_with("base scenarios nest more than 16 files deep: "), "{e}");
    assert!(e.ends_with("f15.toml line 1: base = \"f16.toml\")"), "{e}");
    dir.create("self.toml", "# Refers to itself.\nbase = \"self.toml\"\n");
    let e = refused_check(&dir, &["check", "self.toml"], "base scenarios form a cycle: ");
    assert_eq!(e.matches("self.toml").count(), 2, "{e}");
}

#[test]
fn issue9_empty_unknown_tables_are_errors_with_a_hint() {
    let parse = |text: &str| Scenario::from_toml_str(text, Path::new("x.toml"));
    let e = parse("[nonsense]\n").unwrap_err().to_string();
    assert_eq!(e, "x.toml line 1: [nonsense] is not a known table; `cadresim params` lists every section");
    let e = parse("# c\n[regimes]\n").unwrap_err().to_string();
    assert_eq!(e, "x.toml line 2: [regimes] is not a known table; did you mean `[regime]`?");
    let e = parse("[regime.typo]\n").unwrap_err().to_string();
    assert!(e.starts_with("x.toml line 1: [regime.typo] is not a known table; did you mean "), "{e}");
    let e = parse("[regime]\npenalty = 1.0\n[regime.exemt]\n").unwrap_err().to_string();
    assert_eq!(e, "x.toml line 3: [regime.exemt] is not a known table; did you mean the parameter `regime.exempt`?");
    assert!(parse("learning = {}\n").is_ok());
    let e = parse("lerning = {}\n").unwrap_err().to_string();
    assert_eq!(e, "x.toml line 1: [lerning] is not a known table; did you mean `[learning]`?");
    // Known sections may be empty; an empty level table is a level with the default fields.
    assert!(parse("[regime]\n[population]\n").is_ok());
    let s = parse("[inspection.levels.county]\n").unwrap();
    assert_eq!(s.resolved.level_names(), vec!["county".to_string()]);
    assert_eq!(s.resolved.get("inspection.levels.county.rate"), Some(&Value::Float(1.0)));
}

#[test]
fn issue9_cross_field_errors_name_the_line_that_set_the_value() {
    let dir = Dir::new();
    dir.create("x.toml", "# c\n[output]\ndiligent_from = 0.1\n");
    refused_check(&dir, &["check", "x.toml"], "x.toml line 3: output.diligent_from = 0.1 is below output.avoider_below = 0.25 (default)\n");
    dir.create("y.toml", "[population]\nperiods = 3\n");
    refused_check(&dir, &["check", "y.toml"], "y.toml line 2: population.periods = 3 is shorter than output.window = 12 (default)\n");
    dir.create("base.toml", "[population]\npsi_min = 0.5\npsi_max = 0.6\n");
    dir.create("z.toml", "base = \"base.toml\"\n[population]\npsi_max = 0.2\n");
    refused_check(
        &dir,
        &["check", "z.toml"],
        "z.toml line 3: population.psi_max = 0.2 is below population.psi_min = 0.5 (base.toml line 2)\n",
    );
    dir.create("w.toml", "[learning]\nrule = \"imitation\"\n");
    refused_check(&dir, &["check", "w.toml"], "w.toml line 2: learning.imitate = 0 with learning.rule = \"imitation\"");
    dir.create("v.toml", "[promotion]\nmode = \"fixed\"\nslots = 5\n[population]\ncadres = 3\n");
    refused_check(&dir, &["check", "v.toml"], "v.toml line 3: promotion.slots = 5 is more than population.cadres = 3 per township");
    let sq = scenario("status_quo_veto.toml");
    refused_check(
        &dir,
        &["check", sq.to_str().expect("UTF-8 path"), "--set", "population.periods=2"],
        "--set population.periods=2: population.periods = 2 is shorter than output.window = 12",
    );
}

#[test]
fn issue9_names_with_separators_or_newlines_are_refused_in_one_line() {
    let dir = Dir::new();
    for (name, shown) in [("a,b", "','"), ("a\\nb", "'\\n'"), ("say \\\"hi\\\"", "'\"'"), ("[x]", "'['"), ("", "")] {
        dir.create("x.toml", &format!("# c\nname = \"{name}\"\n"));
        let e = refused_check(&dir, &["check", "x.toml"], "x.toml line 2: name ");
        assert!(e.contains(shown), "{e}");
    }
    dir.create("a,b.toml", "# c\n");
    refused_check(&dir, &["check", "a,b.toml"], "a,b.toml: the scenario's name \"a,b\" (its file name) contains ','");
    dir.create("ok.toml", "# c\nname = \"status quo (2013-2020)\"\n");
    assert_eq!(run_bin(dir.path(), &s(&["check", "ok.toml"]), Duration::from_secs(60)).code, Some(0));
    // Level names and values with control characters stay on one line.
    dir.create("l.toml", "[inspection.levels.\"a\\nb\"]\nrate = 1\n");
    refused_check(&dir, &["check", "l.toml"], "l.toml line 2: inspection.levels.a\\nb.rate ");
    dir.create("r.toml", "[regime]\nrule = \"veto\\npoints\"\n");
    refused_check(&dir, &["check", "r.toml"], "r.toml line 2: regime.rule = \"veto\\u000Apoints\" is not allowed");
}

/// An override of an inspection level the scenario does not have (a mistyped name, or a level of
/// another scenario) is an error naming the override and the scenario's levels, for `--set`, a
/// sweep's `--vary` and an analysis's `--param`, with nothing written; it used to add a second
/// level with default fields, silently doubling the inspections.
#[test]
fn overrides_of_a_missing_inspection_level_are_refused() {
    let dir = Dir::new();
    let sq = scenario("status_quo_veto.toml");
    let sq = sq.to_str().expect("utf-8 path");
    let mut run = vec!["run", sq, "--set", "inspection.levels.mergd.rate=0.5", "--reps", "1", "--out", "out"];
    let tiny = tiny_args();
    run.extend(tiny.iter().map(String::as_str));
    let e = refused_check(&dir, &run, "--set inspection.levels.mergd.rate=0.5: inspection.levels.mergd.rate names an inspection level");
    assert!(e.contains("its levels are merged (did you mean `inspection.levels.merged.rate`?)"), "{e}");
    let mut sweep = vec!["sweep", sq, "--vary", "inspection.levels.county.rate=0.1:0.5:2", "--reps", "1", "--out", "out"];
    sweep.extend(tiny.iter().map(String::as_str));
    let e = refused_check(&dir, &sweep, "--vary inspection.levels.county.rate=0.1:0.5:2: inspection.levels.county.rate names");
    assert!(e.contains("[inspection.levels.county]") && !e.contains("did you mean"), "{e}");
    let mut morris = vec!["sensitivity", sq, "--method", "morris", "--param", "inspection.levels.mergd.rate=0.1:0.5"];
    morris.extend(["--param", "regime.exempt=0:1", "--metric", "s", "--reps", "1", "--out", "out"]);
    morris.extend(tiny.iter().map(String::as_str));
    refused_check(&dir, &morris, "--param inspection.levels.mergd.rate=0.1:0.5: inspection.levels.mergd.rate names");
    assert!(!dir.join("out").exists(), "an output was written");
    // The levels a scenario has are still set as before.
    let mut s = Scenario::load(&scenario("multi_level_inspection.toml")).expect("a shipped scenario");
    s.apply_sets(&pairs(&[("inspection.levels.county.rate", "0.3")])).expect("an existing level");
    assert_eq!(s.resolved.get("inspection.levels.county.rate"), Some(&Value::Float(0.3)));
    let e = s.apply_sets(&pairs(&[("inspection.levels.merged.rate", "0.3")])).unwrap_err().to_string();
    assert!(e.contains("its levels are county, "), "{e}");
}
