//! Driving cadresim from Rust: a sweep through the library with our own progress reporter, and a
//! second one cancelled from another thread. Nothing here parses flags or touches signals; that
//! is what every front end (CLI, explorer, Python) does the same way.
//!
//! `cargo run --release --example library_sweep`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cadresim::commands::{self, ExperimentOutcome};
use cadresim::report::{self, ExperimentReport};
use cadresim::spec::{parse_factors, Design, Runs, ScenarioSpec, SweepSpec};
use cadresim::{CancelToken, Error, Job, ProgressSink};

/// Prints a line at every tenth of the work.
struct Tenths {
    total: AtomicU64,
    done: AtomicU64,
}

impl ProgressSink for Tenths {
    fn start(&self, what: &str, total: u64) {
        self.total.store(total, Ordering::SeqCst);
        eprintln!("{what}: {total} cadre-periods to simulate");
    }

    fn advance(&self, n: u64) {
        let total = self.total.load(Ordering::SeqCst).max(1);
        let before = self.done.fetch_add(n, Ordering::SeqCst);
        if (before * 10 / total) != ((before + n) * 10 / total) {
            eprintln!("  {}% done", (before + n) * 100 / total);
        }
    }
}

fn main() -> Result<(), Error> {
    let scenario = ScenarioSpec::file(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/status_quo_veto.toml"))
        .with("population.townships", "10")
        .with("population.periods", "48");
    let spec = SweepSpec {
        scenario,
        vary: parse_factors("vary", &["regime.penalty=0:4:5".into()], true)?,
        design: Design::Grid,
        runs: Runs { reps: 4, seed: 7, threads: None },
    };
    let exp = spec.prepare()?;

    // 1. Run it in memory with our reporter and print the table the CLI would print.
    let progress = Tenths { total: AtomicU64::new(0), done: AtomicU64::new(0) };
    let token = CancelToken::new();
    if let ExperimentOutcome::InMemory { report, .. } = commands::experiment(&exp, None, Job::new(&progress, &token))? {
        print!("{}", report::text(&report));
        if let ExperimentReport::Sweep(s) = &report {
            let k = cadresim::metrics::index("s");
            println!("s at the highest penalty: {:.3}", s.means.last().map(|m| m[k].mean).unwrap_or(f64::NAN));
        }
    }

    // 2. The same sweep again, cancelled from another thread after 50 ms.
    let token = CancelToken::new();
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            token.cancel();
        })
    };
    let quiet = cadresim::NoProgress;
    match commands::experiment(&exp, None, Job::new(&quiet, &token)) {
        Err(Error::Cancelled) => println!("the second sweep was cancelled, as asked"),
        Ok(_) => println!("the second sweep finished before the cancellation arrived"),
        Err(e) => return Err(e),
    }
    canceller.join().expect("the cancelling thread panicked");
    Ok(())
}
