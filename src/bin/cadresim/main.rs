//! The `cadresim` command line: parse arguments, call the library, map errors to exit codes.

use std::io::Write;

use clap::Parser;

mod explore;

use cadresim::app::{self, AppError};
use cadresim::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result: Result<(), AppError> = match &cli.command {
        Command::Run(args) => app::run::run(args, &mut out),
        Command::Check { scenarios, sets } => app::check(scenarios, sets, &mut out),
        Command::Compare(a) => app::commands::compare(&a.scenarios, &a.exp, &mut out),
        Command::Sweep(a) => app::commands::sweep(&a.scenario, &a.vary, &a.design, a.samples, &a.exp, &mut out),
        Command::Sensitivity(a) => app::commands::parse_params(&a.params).and_then(|factors| {
            let settings = app::sensitivity::Settings {
                method: a.method.clone(),
                factors,
                metric: a.metric.clone(),
                samples: a.samples,
                levels: a.levels,
                second_order: a.second_order,
                bootstrap: a.bootstrap,
            };
            app::commands::sensitivity(&a.scenario, &settings, &a.exp, &mut out)
        }),
        Command::Merge { dirs, out: dir, force } => app::commands::merge(dirs, dir, *force, &mut out),
        Command::Plot { dir } => app::commands::plot(dir, &mut out),
        Command::Verify { quick, report, seed, scenarios, threads } => {
            let settings = cadresim::verify::Settings { quick: *quick, seed: *seed, scenarios: scenarios.clone() };
            app::verify(&settings, report.as_deref(), *threads, &mut out)
        }
        Command::Explore { port, open } => explore::serve(*port, *open, &mut out).map_err(AppError::Usage),
        Command::Params => write!(out, "{}", cadresim::params::listing()).map_err(AppError::from),
        Command::Metrics => write!(out, "{}", app::metrics_listing()).map_err(AppError::from),
    };
    let _ = out.flush();
    if let Err(AppError::Output(cadresim::output::OutputError::Io { path, .. })) = &result {
        if path.as_os_str() == "<stdout>" {
            // The reader went away (e.g. `| head`); files were already written.
            std::process::exit(0);
        }
    }
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
