//! Issue 9, the output side: one writer per directory, result sets that appear as a whole,
//! checksummed shards and journals, memory checked up front, checked writes to standard output.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{scenario, Dir};

const SMALL: &[&str] =
    &["--set", "population.townships=2", "--set", "population.periods=6", "--set", "output.window=2", "--reps", "2", "--quiet"];

fn sweep_args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec!["sweep".into(), scenario("status_quo_veto.toml").display().to_string()];
    a.extend(["--vary", "regime.penalty=0:4:3"].iter().chain(SMALL).chain(&["--out", out]).chain(extra).map(|s| s.to_string()));
    a
}

fn spawn(dir: &Dir, args: &[String], pause_ms: Option<u64>) -> Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cadresim"));
    c.current_dir(dir.path()).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(ms) = pause_ms {
        c.env(cadresim::output::atomic::COMMIT_PAUSE_ENV, ms.to_string());
    }
    c.spawn().expect("cannot start cadresim")
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn finish(child: Child) -> (Option<i32>, String) {
    let o = child.wait_with_output().expect("wait");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn issue9_a_second_writer_on_one_directory_is_refused_with_or_without_force() {
    let dir = Dir::new();
    dir.cmd().args(sweep_args("alone", &[])).stdout();
    for (second, force) in [("sweep", false), ("sweep", true), ("compare", false), ("run", false)] {
        let out = format!("busy-{second}-{force}");
        // The first writer commits slowly, so the second certainly arrives while it holds the lock.
        let first = spawn(&dir, &sweep_args(&out, &[]), Some(300));
        wait_for("the first writer's lock", || {
            std::fs::read_to_string(dir.join(&format!("{out}/.cadresim.lock"))).is_ok_and(|t| !t.is_empty())
        });
        let mut args: Vec<String> = match second {
            "sweep" => sweep_args(&out, &[]),
            "compare" => vec!["compare".into(), scenario("status_quo_veto.toml").display().to_string()],
            _ => vec!["run".into(), scenario("status_quo_veto.toml").display().to_string()],
        };
        if second != "sweep" {
            args.extend(SMALL.iter().chain(&["--out", out.as_str()]).map(|s| s.to_string()));
        }
        if force {
            args.push("--force".into());
        }
        let o = dir.cmd().args(&args).output();
        assert_eq!(o.code, Some(2), "{}", o.describe());
        assert!(o.stderr.contains("another cadresim command is writing into it (process "), "{}", o.describe());
        assert!(o.stderr.contains("sweep"), "the message does not name the other command: {}", o.stderr);
        let (code, stderr) = finish(first);
        assert_eq!(code, Some(0), "{stderr}");
        for f in dir.list("alone") {
            assert_eq!(
                dir.read_bytes(&format!("alone/{f}")),
                dir.read_bytes(&format!("{out}/{f}")),
                "{f} of {out} is not the lone writer's"
            );
        }
    }
}

#[test]
fn issue9_a_kill_during_commit_leaves_an_unfinished_directory_that_a_rerun_completes() {
    let dir = Dir::new();
    dir.cmd().args(sweep_args("whole", &[])).stdout();
    let child = spawn(&dir, &sweep_args("out", &[]), Some(400));
    wait_for("the commit to begin", || dir.join("out/sweep.csv").exists());
    let mut child = child;
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(!dir.join("out/manifest.json").exists(), "a directory killed mid-commit reads as finished");
    // The same command, without --force, finishes it.
    dir.cmd().args(sweep_args("out", &[])).stdout();
    let files = dir.list("whole");
    assert_eq!(files, dir.list("out"));
    for f in files {
        assert_eq!(dir.read_bytes(&format!("whole/{f}")), dir.read_bytes(&format!("out/{f}")), "{f} after the rerun");
    }
}

fn shards(dir: &Dir, prefix: &str, extra: &[&str]) {
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let mut e = vec!["--shard", shard.as_str()];
        e.extend(extra);
        dir.cmd().args(sweep_args(&format!("{prefix}{k}"), &e)).stdout();
    }
}

#[test]
fn issue9_merge_refuses_tampered_shards() {
    type Tamper = fn(&str) -> String;
    let cases: &[(&str, Tamper)] = &[
        ("delete a row", |t| t.lines().enumerate().filter(|(i, _)| *i != 2).map(|(_, l)| format!("{l}\n")).collect()),
        ("duplicate a row", |t| {
            let lines: Vec<&str> = t.lines().collect();
            let mut v: Vec<String> = lines.iter().map(|l| format!("{l}\n")).collect();
            v.insert(2, format!("{}\n", lines[1]));
            v.concat()
        }),
        ("edit a number", |t| t.replacen("0.", "9.", 1)),
        ("truncate mid-line", |t| t[..t.len() - 7].to_string()),
        ("header only", |t| format!("{}\n", t.lines().next().unwrap_or(""))),
        ("extra column", |t| t.replacen('\n', ",x\n", 2)),
    ];
    for (what, tamper) in cases {
        let dir = Dir::new();
        shards(&dir, "s", &[]);
        let text = dir.read("s1/sweep.csv");
        dir.create("s1/sweep.csv", &tamper(&text));
        let o = dir.cmd().args(["merge", "s1", "s2", "--out", "m"]).output();
        assert_eq!(o.code, Some(2), "{what}: {}", o.describe());
        assert!(o.stderr.starts_with("error: s1/sweep.csv: does not match the checksum"), "{what}: {}", o.stderr);
        assert!(!dir.join("m/manifest.json").exists(), "{what}: merged anyway");
    }
    // A shard whose manifest claims another k, and a shard of another seed.
    let dir = Dir::new();
    shards(&dir, "s", &[]);
    let m = dir.read("s2/manifest.json").replace("\"k\": 2", "\"k\": 1");
    dir.create("s2/manifest.json", &m);
    let o = dir.cmd().args(["merge", "s1", "s2", "--out", "m"]).output();
    assert_eq!(o.code, Some(2), "{}", o.describe());
    assert!(o.stderr.contains("given twice") && !o.stderr.contains("panicked"), "{}", o.stderr);
    shards(&dir, "t", &["--seed", "9"]);
    let o = dir.cmd().args(["merge", "s1", "t2", "--out", "m"]).output();
    assert!(o.code == Some(2) && o.stderr.contains("different experiments"), "{}", o.describe());
}

#[test]
fn issue9_resume_and_plot_refuse_edited_rows() {
    // A finish that fails (metric undefined everywhere) keeps its journal; edit it and rerun.
    let dir = Dir::new();
    let args: Vec<String> = [
        "sensitivity",
        &scenario("status_quo_veto.toml").display().to_string(),
        "--method",
        "morris",
        "--param",
        "regime.penalty=0:4",
        "--samples",
        "2",
        "--metric",
        "promotion_effort_corr",
        "--set",
        "promotion.rate=0",
        "--out",
        "out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(SMALL.iter().map(|s| s.to_string()))
    .collect();
    assert_eq!(dir.cmd().args(&args).output().code, Some(2), "an undefined metric is a bad --metric for this design");
    let journal = dir.read("out/.sensitivity_runs.csv.partial");
    dir.create("out/.sensitivity_runs.csv.partial", &journal.replacen(",0.", ",7.", 1));
    let o = dir.cmd().args(&args).output();
    assert_eq!(o.code, Some(2), "{}", o.describe());
    assert!(o.stderr.contains(".sensitivity_runs.csv.partial: does not match its checksum"), "{}", o.stderr);

    // plot checks the saved rows of a finished directory.
    dir.cmd().args(sweep_args("sw", &[])).stdout();
    let rows = dir.read("sw/sweep.csv");
    let cut: String = rows.lines().enumerate().filter(|(i, _)| *i != 3).map(|(_, l)| format!("{l}\n")).collect();
    dir.create("sw/sweep.csv", &cut);
    let o = dir.cmd().args(["plot", "sw"]).output();
    assert_eq!(o.code, Some(2), "{}", o.describe());
    assert!(o.stderr.starts_with("error: ") && o.stderr.contains("sweep.csv line 4: expected point 1, replication 0"), "{}", o.stderr);
}

#[test]
fn issue9_absurd_sizes_are_refused_up_front_under_a_4_gb_address_limit() {
    if !std::path::Path::new("/proc/self/limits").exists() {
        println!("skipped: no /proc/self/limits on this system");
        return;
    }
    let dir = Dir::new();
    let sq = scenario("status_quo_veto.toml").display().to_string();
    let nat = scenario("national.toml").display().to_string();
    let cases = [
        format!("run {nat} --reps 100000 --quiet"),
        format!("run {sq} --set population.townships=100000 --set population.cadres=20000 --quiet"),
        format!("run {sq} --set population.periods=100000 --reps 100000 --quiet"),
        format!("sweep {sq} --vary regime.penalty=0:1:1000 --vary regime.exempt=0:1:1000 --quiet --out g"),
        format!("sweep {sq} --vary regime.penalty=0:1:100000 --vary regime.exempt=0:1:100000 --quiet --out g"),
        format!("compare {sq} --reps 10000000 --quiet --out c"),
        format!("sensitivity {sq} --method sobol --param regime.penalty=0:1 --samples 1048576 --quiet --out s"),
    ];
    for c in cases {
        let start = Instant::now();
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!("ulimit -v 4000000 && exec {} {c}", env!("CARGO_BIN_EXE_cadresim")))
            .current_dir(dir.path())
            .output()
            .expect("bash");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "`{c}`: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.lines().count() == 1 && !stderr.contains("panicked"), "`{c}`: {stderr}");
        assert!(
            stderr.contains("memory") || stderr.contains("at most") || stderr.contains("more than"),
            "`{c}`: no estimate or limit in {stderr}"
        );
        assert!(start.elapsed() < Duration::from_secs(30), "`{c}` was not refused up front");
    }
}

#[test]
fn issue9_a_failed_write_to_standard_output_is_an_error() {
    if !std::path::Path::new("/dev/full").exists() {
        println!("skipped: no /dev/full on this system");
        return;
    }
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let o = Command::new(env!("CARGO_BIN_EXE_cadresim"))
        .arg("check")
        .arg(scenario("status_quo_veto.toml"))
        .arg(scenario("combined_reform.toml"))
        .stdout(full)
        .output()
        .expect("cadresim");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot write to standard output"), "{stderr}");
}
