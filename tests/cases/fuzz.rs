//! Issue 9: a seeded mutation fuzzer over the shipped scenarios.
//!
//! Each mutant is a shipped scenario with one to three mutations: a value replaced by something
//! huge, negative, NaN, infinite, of the wrong type, empty or exotic; a line deleted or
//! duplicated; an unknown key or table added; the file truncated; junk inserted; `base` pointed
//! at an odd file (a directory, `/dev/zero`, a FIFO, a huge file, itself, a deep chain). Every
//! mutant is checked in-process (as `cadresim check` does), and those that pass run a tiny
//! population; a sample also goes through the binary, whose `check` must agree word for word,
//! and a part of that sample runs through the binary with its output files scanned. Required:
//! no panic, no hang, every error one line naming a file, only finite numbers where numbers
//! belong. `CADRESIM_FUZZ_MUTANTS` sets the number of mutants (default 2,000).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use cadresim::scenario::{Scenario, ScenarioError};

use super::hardening::{assert_csv_finite, assert_runs_finite, make_fifo, run_bin, tiny_args, TINY};
use crate::util::{shipped_scenarios, Dir};

/// Replacement values: huge, negative, not numbers, wrong types, empty, exotic.
const VALUES: &[&str] = &[
    "1e308",
    "-1e308",
    "1e300",
    "1e-400",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "-nan",
    "-1",
    "-0.5",
    "-0.0",
    "0",
    "1",
    "2",
    "3",
    "0.1",
    "1e-9",
    "1e6",
    "1000000.0000001",
    "1e7",
    "100000",
    "100001",
    "1000",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "0x7fffffff",
    "1_000",
    "\"\"",
    "\"text\"",
    "\"流程 审核\"",
    "\"\\u202e\\u0000\"",
    "\"a\\nb\"",
    "\"veto\"",
    "\"points\"",
    "\"fixed\"",
    "\"roth_erev\"",
    "\"imitation\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "[nan]",
    "[1e300, -1e300]",
    "[\"a\"]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "07:32:00",
    "'literal'",
    "\"\"\"multi\nline\"\"\"",
];

/// Lines to insert: unknown keys and tables, arrays of tables, odd level names, junk.
const INSERTS: &[&str] = &[
    "typo_key = 1",
    "penalty = 1.0",
    "[nonsense]",
    "[regime.typo]",
    "[regimes]",
    "[inspection.levels.\"x y\"]",
    "[inspection.levels.\"a,b\"]",
    "[inspection.levels.county]",
    "[inspection.levels.new]\nrate = 2\nrandom = false",
    "[inspection.levels.odd]\nrate = 2.5\nrandom = false",
    "[[regime]]",
    "[population.cadres]",
    "[learning]\ninitial = [1.0, 2.0]",
    "[learning]\nrule = \"imitation\"",
    "[promotion]\nmode = \"fixed\"\nslots = 50",
    "[actions]\ngrid = 1000",
    "[fatigue]\nenabled = true\nlimit = 0",
    "name = \"a,b\"",
    "name = \"line\\nbreak\"",
    "name = \"\"",
    "description = \"x\\ny\"",
    "base = 3",
    "= 1",
    "[",
    "\u{feff}",
    "\u{0}",
    "é = 1",
    "\"quoted key\" = 2",
    "a.b.c = 1",
    "regime.penalty = 2",
];

/// Where a mutated `base` may point.
fn base_targets(fifo: bool) -> Vec<&'static str> {
    let mut t = vec![
        "/dev/zero",
        "/dev/null",
        ".",
        "",
        "sub",
        "mutant.toml",
        "missing.toml",
        "big.toml",
        "deep0.toml",
        "status_quo_veto.toml",
        "national.toml",
        "/",
    ];
    if fifo {
        t.push("pipe.toml");
    }
    t
}

/// Lines of the form `key = value` (not comments, not headers).
fn value_lines(lines: &[String]) -> Vec<usize> {
    lines.iter().enumerate().filter(|(_, l)| !l.trim_start().starts_with(['#', '[']) && l.contains('=')).map(|(i, _)| i).collect()
}

fn pick<'a, T>(rng: &mut Xoshiro256PlusPlus, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

/// One to three mutations of `text`.
fn mutate(rng: &mut Xoshiro256PlusPlus, text: &str, bases: &[&str]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..rng.random_range(1..=3) {
        match rng.random_range(0..12) {
            0..=4 => {
                let candidates = value_lines(&lines);
                if let Some(&i) = candidates.get(rng.random_range(0..candidates.len().max(1))) {
                    let key = lines[i].split('=').next().unwrap_or("").trim_end().to_string();
                    lines[i] = format!("{key} = {}", pick(rng, VALUES));
                }
            }
            5 if !lines.is_empty() => {
                let i = rng.random_range(0..lines.len());
                lines.remove(i);
            }
            6 if !lines.is_empty() => {
                let i = rng.random_range(0..lines.len());
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            7 => {
                let i = rng.random_range(0..=lines.len());
                lines.insert(i, pick(rng, INSERTS).to_string());
            }
            8 => {
                lines.retain(|l| !l.starts_with("base"));
                lines.insert(0, format!("base = \"{}\"", pick(rng, bases)));
            }
            9 => {
                let joined = lines.join("\n");
                let mut cut = rng.random_range(0..=joined.len());
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(String::from).collect();
            }
            10 => {
                // A value of another line moved into this one's key: right type, wrong range.
                let candidates = value_lines(&lines);
                if candidates.len() >= 2 {
                    let (a, b) = (*pick(rng, &candidates), *pick(rng, &candidates));
                    let key = lines[a].split('=').next().unwrap_or("").trim_end().to_string();
                    let value = lines[b].split_once('=').map(|(_, v)| v.trim().to_string()).unwrap_or_default();
                    lines[a] = format!("{key} = {value}");
                }
            }
            _ => {
                let junk: String =
                    (0..rng.random_range(1..20)).map(|_| char::from_u32(rng.random_range(1..0x3000)).unwrap_or('?')).collect();
                let i = rng.random_range(0..=lines.len());
                lines.insert(i, junk);
            }
        }
    }
    lines.join("\n") + "\n"
}

/// What `check` gives for a mutant, in-process: `Ok` with the scenario, or the error message.
fn check_in_process(path: &Path) -> Result<Result<Scenario, String>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let s = Scenario::load(path)?;
        s.params()?;
        Ok::<Scenario, ScenarioError>(s)
    }))
    .map(|r| r.map_err(|e| e.to_string()))
    .map_err(|p| p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
}

fn mutant_count() -> usize {
    std::env::var("CADRESIM_FUZZ_MUTANTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(2000)
}

/// The odd files a `base` may point at, beside copies of the shipped scenarios.
fn prepare(dir: &Dir) -> (Vec<String>, bool) {
    let mut corpus = Vec::new();
    for f in shipped_scenarios() {
        let text = std::fs::read_to_string(&f).expect("shipped scenario");
        let name = f.file_name().expect("file name").to_string_lossy().into_owned();
        dir.create(&name, &text);
        corpus.push(text);
    }
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    dir.create("big.toml", &"# padding padding padding padding padding padding padding padding\n".repeat(17_000));
    for k in 0..20 {
        let base = if k + 1 < 20 { format!("base = \"deep{}.toml\"\n", k + 1) } else { String::new() };
        dir.create(&format!("deep{k}.toml"), &base);
    }
    let fifo = make_fifo(&dir.join("pipe.toml"));
    (corpus, fifo)
}

#[test]
fn issue9_seeded_mutation_fuzzer_finds_no_panic_hang_or_non_finite_output() {
    let n = mutant_count();
    let dir = Dir::new();
    let (corpus, fifo) = prepare(&dir);
    let bases = base_targets(fifo);
    let mutant = dir.join("mutant.toml");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x155_0e09);
    let sample_every = (n / 100).max(1);
    let mut failures: Vec<String> = Vec::new();
    let (mut passed, mut ran, mut binary_checks, mut binary_runs) = (0, 0, 0, 0);
    for i in 0..n {
        let source: String = pick(&mut rng, &corpus).clone();
        let text = mutate(&mut rng, &source, &bases);
        std::fs::write(&mutant, &text).expect("write mutant");
        let fail = |failures: &mut Vec<String>, what: String| failures.push(format!("mutant {i}: {what}\n--- mutant.toml ---\n{text}"));
        let checked = match check_in_process(&mutant) {
            Err(panic) => {
                fail(&mut failures, format!("check panicked: {panic}"));
                continue;
            }
            Ok(r) => r,
        };
        match &checked {
            Err(msg) if msg.contains('\n') || msg.contains('\r') => fail(&mut failures, format!("error is not one line: {msg:?}")),
            Err(msg) if !msg.contains(".toml") => fail(&mut failures, format!("error names no file: {msg}")),
            Err(_) => {}
            Ok(s) => {
                passed += 1;
                let mut tiny = s.clone();
                let sets: Vec<(String, String)> = TINY.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                if tiny.apply_sets(&sets).is_ok() && tiny.params().is_ok() {
                    ran += 1;
                    if let Err(p) = catch_unwind(AssertUnwindSafe(|| assert_runs_finite(&tiny, "tiny run"))) {
                        let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
                        fail(&mut failures, format!("tiny run failed: {msg}"));
                    }
                }
            }
        }
        if i % sample_every != 0 {
            continue;
        }
        // The binary's `check` says exactly what the library said, and never hangs or panics.
        binary_checks += 1;
        let e = run_bin(dir.path(), &["check".to_string(), "mutant.toml".to_string()], Duration::from_secs(60));
        if e.timed_out || e.stderr.contains("panicked") || !matches!(e.code, Some(0) | Some(2)) {
            fail(&mut failures, format!("cadresim check: timed out {}, code {:?}:\n{}", e.timed_out, e.code, e.stderr));
            continue;
        }
        // The binary ran in the directory with a relative path; the library got an absolute one.
        let prefix = format!("{}/", dir.path().display());
        match (&checked, e.code) {
            (Ok(_), Some(0)) => {}
            (Err(msg), Some(2)) if e.stderr.replace(&prefix, "") == format!("error: {}\n", msg.replace(&prefix, "")) => {}
            (c, code) => {
                fail(&mut failures, format!("cadresim check exited {code:?} with {:?}; in-process: {:?}", e.stderr, c.as_ref().err()))
            }
        }
        // A part of the passing sample runs through the binary: files hold only finite numbers.
        if checked.is_ok() && binary_runs < 30 {
            binary_runs += 1;
            let out = format!("run{i}");
            let mut args =
                vec!["run".to_string(), "mutant.toml".into(), "--reps".into(), "1".into(), "--quiet".into(), "--out".into(), out.clone()];
            args.extend(tiny_args());
            let r = run_bin(dir.path(), &args, Duration::from_secs(120));
            if r.timed_out || r.stderr.contains("panicked") || !matches!(r.code, Some(0) | Some(2)) {
                fail(&mut failures, format!("cadresim run: timed out {}, code {:?}:\n{}", r.timed_out, r.code, r.stderr));
            } else if r.code == Some(0) {
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| assert_csv_finite(&dir.join(&out)))) {
                    fail(&mut failures, format!("output not finite: {}", p.downcast_ref::<String>().cloned().unwrap_or_default()));
                }
                let _ = std::fs::remove_dir_all(dir.join(&out));
            } else if r.stderr.lines().count() != 1 {
                fail(&mut failures, format!("cadresim run error is not one line:\n{}", r.stderr));
            }
        }
    }
    eprintln!(
        "fuzz: {n} mutants, {passed} passed check, {ran} tiny runs, {binary_checks} binary checks, {binary_runs} binary runs, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {n} mutants failed; the first:\n{}",
        failures.len(),
        failures.iter().take(3).cloned().collect::<Vec<_>>().join("\n")
    );
    // The fuzzer exercised both sides.
    assert!(passed > n / 20 && passed < n, "{passed} of {n} mutants passed check");
    assert!(ran > 0 && binary_runs > 0);
}
