//! The library as front ends use it (issue 10): every kind of work through its typed spec, in
//! memory and into directories; cancellation from another thread; two jobs in one process;
//! errors that carry the spec field and value.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cadresim::analysis::design::Factor;
use cadresim::commands::{self, ExperimentOutcome};
use cadresim::report::ExperimentReport;
use cadresim::spec::{
    parse_factors, CompareSpec, Design, EvaluateSpec, Method, OutputSpec, RunSpec, Runs, ScenarioSpec, SensitivitySpec, SweepSpec,
};
use cadresim::{CancelToken, Error, Job, NoProgress, ProgressSink};

use crate::util::{scenario, Dir};

fn small(name: &str) -> ScenarioSpec {
    ScenarioSpec::file(scenario(&format!("{name}.toml")))
        .with("population.townships", "2")
        .with("population.periods", "6")
        .with("output.window", "2")
}

fn runs(reps: u64) -> Runs {
    Runs { reps, seed: 3, threads: None }
}

fn quiet<T>(f: impl FnOnce(Job<'_>) -> T) -> T {
    cadresim::job::quietly(f)
}

fn sweep_spec(steps: usize) -> SweepSpec {
    SweepSpec {
        scenario: small("status_quo_veto"),
        vary: parse_factors("vary", &[format!("regime.penalty=0:4:{steps}")], true).unwrap(),
        design: Design::Grid,
        runs: runs(2),
    }
}

#[test]
fn issue10_every_kind_of_work_runs_through_its_spec() {
    let run = RunSpec {
        scenario: small("status_quo_veto"),
        runs: runs(2),
        out: None,
        force: false,
        cadre_output: false,
        format: Default::default(),
    };
    let r = quiet(|job| commands::run(&run, job)).unwrap();
    assert_eq!((r.results.len(), r.summary.per_period.len()), (2, 6));
    assert!(r.dir.is_none());

    let cmp = CompareSpec { scenarios: vec![small("status_quo_veto"), small("due_diligence_exemption")], runs: runs(2) };
    let exp = cmp.prepare().unwrap();
    let Ok(ExperimentOutcome::InMemory { report: ExperimentReport::Compare(c), rows, .. }) =
        quiet(|job| commands::experiment(&exp, None, job))
    else {
        panic!("compare did not run in memory")
    };
    assert_eq!(c.labels, ["status_quo_veto", "due_diligence_exemption"]);
    assert_eq!(rows.len(), 2 * 2 * 7);

    let exp = sweep_spec(3).prepare().unwrap();
    let Ok(ExperimentOutcome::InMemory { report: ExperimentReport::Sweep(s), .. }) = quiet(|job| commands::experiment(&exp, None, job))
    else {
        panic!("sweep did not run in memory")
    };
    assert_eq!(s.values, [[0.0], [2.0], [4.0]]);

    let sens = SensitivitySpec {
        scenario: small("status_quo_veto"),
        method: Method::Morris { levels: 4 },
        params: parse_factors("param", &["regime.penalty=0:4".into(), "regime.exempt=0:1".into()], false).unwrap(),
        metric: "s".into(),
        samples: 3,
        bootstrap: 50,
        runs: runs(1),
    };
    let exp = sens.prepare().unwrap();
    let Ok(ExperimentOutcome::InMemory { report: ExperimentReport::Sensitivity(s), .. }) =
        quiet(|job| commands::experiment(&exp, None, job))
    else {
        panic!("sensitivity did not run in memory")
    };
    assert_eq!((s.points, s.factors.len()), (9, 2));

    let eval = EvaluateSpec {
        scenario: small("status_quo_veto"),
        params: vec!["regime.penalty".into(), "population.cadres".into()],
        points: vec![vec![1.0, 5.0], vec![3.0, 7.4]],
        runs: runs(2),
    };
    let exp = eval.prepare().unwrap();
    assert_eq!(exp.points[1].model.params.cadres, 7, "whole-number parameters are rounded");
    let Ok(ExperimentOutcome::InMemory { rows, .. }) = quiet(|job| commands::experiment(&exp, None, job)) else {
        panic!("evaluate failed")
    };
    assert_eq!(rows.len(), 4);
}

/// The same experiment in memory and into a directory gives the same numbers, byte for byte.
#[test]
fn issue10_in_memory_and_on_disk_reports_are_identical() {
    let dir = Dir::new();
    let exp = CompareSpec { scenarios: vec![small("status_quo_veto"), small("combined_reform")], runs: runs(2) }.prepare().unwrap();
    let Ok(ExperimentOutcome::InMemory { report: ExperimentReport::Compare(mem), .. }) = quiet(|job| commands::experiment(&exp, None, job))
    else {
        panic!("in memory")
    };
    let out = OutputSpec::dir(dir.join("cmp"));
    let Ok(ExperimentOutcome::Finished { report: ExperimentReport::Compare(disk), .. }) =
        quiet(|job| commands::experiment(&exp, Some(&out), job))
    else {
        panic!("on disk")
    };
    // Debug text, because NaN (undefined metrics) is not equal to itself.
    assert_eq!(format!("{mem:?}"), format!("{disk:?}"));
    assert_eq!(mem.timeseries_csv(exp.seed), dir.read("cmp/timeseries.csv"));
    assert_eq!(mem.comparison_csv(exp.seed), dir.read("cmp/comparison.csv"));
}

/// Counts cadre-periods and cancels its token once `after` of them are done.
struct CancelAfter {
    done: AtomicU64,
    after: u64,
    token: CancelToken,
}

impl ProgressSink for CancelAfter {
    fn advance(&self, n: u64) {
        if self.done.fetch_add(n, Ordering::SeqCst) + n >= self.after {
            self.token.cancel();
        }
    }
}

#[test]
fn issue10_a_sweep_cancelled_from_another_thread_stops_and_commits_nothing() {
    let dir = Dir::new();
    let exp = sweep_spec(40).prepare().unwrap();
    let token = CancelToken::new();
    let progress = Arc::new(AtomicU64::new(0));
    struct Count(Arc<AtomicU64>);
    impl ProgressSink for Count {
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::SeqCst);
        }
    }
    let sink = Count(progress.clone());
    let canceller = {
        let token = token.clone();
        let progress = progress.clone();
        std::thread::spawn(move || {
            // Cancel once the sweep is visibly running.
            for _ in 0..20_000 {
                if progress.load(Ordering::SeqCst) > 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            token.cancel();
        })
    };
    let out = OutputSpec::dir(dir.join("sweep"));
    let r = commands::experiment(&exp, Some(&out), Job::new(&sink, &token));
    canceller.join().unwrap();
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(!dir.join("sweep/manifest.json").exists() && !dir.join("sweep/sweep.csv").exists(), "a cancelled sweep committed results");
    let total = exp.cadre_periods(&exp.runs(None));
    assert!(progress.load(Ordering::SeqCst) < total, "the sweep ran to the end before noticing the cancellation");
}

#[test]
fn issue10_two_jobs_in_one_process_are_cancelled_independently() {
    let exp = sweep_spec(6).prepare().unwrap();
    let alone = quiet(|job| exp.simulate(None, job)).unwrap();
    let (kept, cancelled) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            let token = CancelToken::new();
            exp.simulate(None, Job::new(&NoProgress, &token))
        });
        let b = s.spawn(|| {
            let token = CancelToken::new();
            let sink = CancelAfter { done: AtomicU64::new(0), after: 1, token: token.clone() };
            exp.simulate(None, Job::new(&sink, &token))
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(matches!(cancelled, Err(Error::Cancelled)));
    assert_eq!(format!("{:?}", kept.unwrap()), format!("{alone:?}"), "the other job's results changed");
}

#[test]
fn issue10_library_errors_carry_the_field_and_the_value() {
    let mut spec = sweep_spec(3);
    spec.vary.push(Factor { path: "regime.penalty".into(), lo: 0.0, hi: 1.0, steps: 2, integer: false, categories: vec![] });
    let Err(Error::Spec(e)) = spec.prepare() else { panic!("a factor named twice was accepted") };
    assert_eq!(e.field, "vary");
    let e = parse_factors("param", &["regime.exempt=0:3".into()], false).unwrap_err();
    assert_eq!((e.field, e.value.as_deref()), ("param", Some("regime.exempt=0:3")));
    assert!(!e.to_string().contains("--"), "a library message names a CLI flag: {e}");
    let spec = ScenarioSpec::file(scenario("status_quo_veto.toml")).with("regime.exempt", "7");
    let Err(Error::Scenario(e)) = spec.load() else { panic!("regime.exempt = 7 was accepted") };
    let text = e.to_string();
    assert!(text.contains("regime.exempt") && text.contains("[0, 1]") && !text.contains("--set"), "{text}");
}
