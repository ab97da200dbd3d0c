//! The `cadresim` command line: parse arguments, call the library, map errors to exit codes.

use std::io::Write;

use clap::Parser;

use cadresim::app::{self, AppError};
use cadresim::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result: Result<(), AppError> = match &cli.command {
        Command::Run(args) => app::run::run(args, &mut out),
        Command::Check { scenarios, sets } => app::check(scenarios, sets, &mut out),
        Command::Verify { quick, report, seed, scenarios, threads } => {
            let settings = cadresim::verify::Settings { quick: *quick, seed: *seed, scenarios: scenarios.clone() };
            app::verify(&settings, report.as_deref(), *threads, &mut out)
        }
        Command::Params => write!(out, "{}", cadresim::params::listing()).map_err(AppError::from),
        Command::Metrics => write!(out, "{}", app::metrics_listing()).map_err(AppError::from),
    };
    let _ = out.flush();
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
