//! The `cadresim` command line: parse arguments into the library's specs, run them with a
//! terminal progress bar and Ctrl-C cancellation, print the results, map errors to exit codes.

mod cli;
mod explore;
mod progress;

use std::io::Write;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use cadresim::commands::{self, ExperimentOutcome, Replotted};
use cadresim::experiment::Experiment;
use cadresim::report;
use cadresim::spec::OutputSpec;
use cadresim::{Error, Job};

use cli::{Cli, Command, ExperimentCommon, Failure};

/// Everything a command prints on standard output, checked: a closed pipe ends the program
/// quietly (the files are already written), any other write error is a failure.
struct Out(std::io::StdoutLock<'static>);

impl Out {
    fn print(&mut self, text: &str) -> Result<(), Failure> {
        match self.0.write_all(text.as_bytes()).and_then(|_| self.0.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(e) => Err(Failure { message: format!("cannot write to standard output: {e}"), code: 1 }),
        }
    }
}

fn main() {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The options given on the command line (not defaulted) of the subcommand.
    let given: Vec<String> = matches
        .subcommand()
        .map(|(_, sub)| {
            sub.ids().filter(|id| sub.value_source(id.as_str()) == Some(ValueSource::CommandLine)).map(|id| id.to_string()).collect()
        })
        .unwrap_or_default();
    let mut out = Out(std::io::stdout().lock());
    if let Err(f) = dispatch(&cli.command, &given, &mut out) {
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}

fn dispatch(command: &Command, given: &[String], out: &mut Out) -> Result<(), Failure> {
    match command {
        Command::Run(args) => {
            let spec = args.spec()?;
            let bar = progress::Bar::new(args.common.quiet);
            let token = progress::interrupt_token();
            let r = commands::run(&spec, Job::new(&bar, &token))?;
            if let Some(dir) = &r.dir {
                out.print(&format!("results written to {}\n", dir.display()))?;
            }
            let s = &r.scenario;
            // The banner describes the scenario as run: the file's description plus the overrides.
            let sets: Vec<String> = spec.scenario.overrides.iter().map(|(p, v)| format!("{p} = {v}")).collect();
            let description =
                if sets.is_empty() { s.description.clone() } else { format!("{} [as run, with {}]", s.description, sets.join(", ")) };
            out.print(&report::run::summary_text(&s.name, &description, &r.model, spec.runs.reps, &r.summary))?;
            match &r.dir {
                None => out.print("(nothing saved: --no-save was given)\n")?,
                Some(dir) => {
                    let folder = args.scenario.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
                    let sc = |n: &str| folder.join(format!("{n}.toml")).display().to_string();
                    out.print(&format!(
                        "\nmain figure: {}/plots/timeseries.png (also shares, sanctions_by_class and blame_ratio there)\n\
                         next, compare the status quo with the reforms:\n  cadresim compare {} {} {} --out out/compare\n",
                        dir.display(),
                        sc("status_quo_veto"),
                        sc("due_diligence_exemption"),
                        sc("combined_reform")
                    ))?;
                }
            }
            Ok(())
        }
        Command::Check { scenarios, sets } => {
            let common =
                cli::Common { reps: 1, seed: 1, threads: None, sets: sets.clone(), force: false, format: "csv".into(), quiet: true };
            for p in scenarios {
                let (s, m) = commands::check(&[common.scenario(p)?])?.remove(0);
                out.print(&format!("{}: ok ({})\n", p.display(), commands::describe(&s, &m)))?;
            }
            Ok(())
        }
        Command::Compare(a) => run_experiment(a.spec()?.prepare(), &a.exp, out),
        Command::Sweep(a) => run_experiment(a.spec()?.prepare(), &a.exp, out),
        Command::Sensitivity(a) => match a.work(given)? {
            cli::SensitivityWork::New(work) => run_experiment(work.0.prepare(), &work.1, out),
            cli::SensitivityWork::Reanalysis(spec) => {
                let (report, dir) = commands::reanalyse(&spec)?;
                out.print(&format!(
                    "re-analysis of the saved runs of {} for metric {} (nothing simulated)\n",
                    spec.dir.display(),
                    spec.metric
                ))?;
                out.print(&report::text(&report))?;
                out.print(&format!("results written to {}\n", dir.display()))
            }
        },
        Command::Calibrate(a) => run_experiment(a.spec()?.prepare(), &a.exp, out),
        Command::Merge { dirs, out: dir, force } => {
            let (report, dir) =
                commands::merge(dirs, &OutputSpec { dir: dir.clone(), force: *force, shard: None, format: Default::default() })?;
            out.print(&report::text(&report))?;
            out.print(&format!("results written to {}\n", dir.display()))
        }
        Command::Plot { dir } => match commands::plot(dir)? {
            Replotted::Run { files, plots } => out.print(&format!("re-rendered {files} plot files in {}\n", plots.display())),
            Replotted::Experiment { report, dir } => {
                out.print(&report::text(&report))?;
                out.print(&format!("results written to {}\n", dir.display()))
            }
        },
        Command::Verify { quick, report: report_path, seed, scenarios, threads } => {
            let settings = cadresim::verify::Settings { quick: *quick, seed: *seed, scenarios: scenarios.clone() };
            let token = progress::interrupt_token();
            let checks = commands::verify(&settings, threads.map(|t| t as usize), Job::new(&cadresim::NoProgress, &token))?;
            out.print(&cadresim::verify::text_report(&checks))?;
            if let Some(path) = report_path {
                cadresim::output::write_atomic(path, cadresim::verify::markdown_report(&checks, &settings).as_bytes())
                    .map_err(Error::from)?;
                out.print(&format!("report written to {}\n", path.display()))?;
            }
            let failed = checks.iter().filter(|c| !c.pass).count();
            if failed > 0 {
                return Err(Error::Failed(format!("{failed} verification check(s) failed")).into());
            }
            Ok(())
        }
        Command::Explore { port, open } => explore::serve(*port, *open, &mut out.0).map_err(|message| Failure { message, code: 2 }),
        Command::Params => out.print(&cadresim::params::listing()),
        Command::Metrics => out.print(&commands::metrics_listing()),
    }
}

/// Runs a prepared experiment (or one shard of it) and prints what it produced.
fn run_experiment(exp: Result<Experiment, Error>, a: &ExperimentCommon, out: &mut Out) -> Result<(), Failure> {
    let exp = exp?;
    let output = a.output()?;
    let bar = progress::Bar::new(a.common.quiet);
    let token = progress::interrupt_token();
    let outcome = commands::experiment(&exp, Some(&output), Job::new(&bar, &token)).map_err(|e| experiment_failure(e, &exp, &output))?;
    match outcome {
        ExperimentOutcome::Shard { shard, dir } => out.print(&format!(
            "shard {}/{} written to {}; combine all shards with `cadresim merge DIR... --out DIR`\n",
            shard.k,
            shard.n,
            dir.display()
        )),
        ExperimentOutcome::Finished { report, dir } => {
            out.print(&report::text(&report))?;
            out.print(&format!("results written to {}\n", dir.display()))
        }
        ExperimentOutcome::InMemory { .. } => Ok(()),
    }
}

/// An experiment's error as the CLI says it, with what became of the runs in the output
/// directory: an interrupted experiment keeps them and resumes when the same command is run
/// again; one that failed at the analysis keeps them for a corrected analysis.
fn experiment_failure(e: Error, exp: &Experiment, output: &OutputSpec) -> Failure {
    let journal = cadresim::experiment::journal::journal_path(&output.dir, exp.rows_file());
    let dir = output.dir.display();
    let kept = journal.exists();
    let mut f = Failure::from(e);
    let interrupted = f.code == 130;
    if interrupted {
        f.message = if kept {
            format!("interrupted; the complete runs are kept in {dir}: run the same command again to resume, or start afresh with another --out (or --force)")
        } else {
            "interrupted before any run finished; nothing was written".to_string()
        };
    } else if kept && f.message.starts_with(&format!("{}:", journal.display())) {
        f.message.push_str(&format!("; the complete runs are kept in {dir}: fix this and run the same command again to resume"));
    } else if kept && f.message.starts_with("metric ") {
        f.message.push_str(&format!(" (the runs in {dir} are kept, so that rerun simulates nothing)"));
    }
    f
}
