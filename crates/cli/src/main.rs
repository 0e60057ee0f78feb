//! `chartvault`: administration and headless work on a Chartvault vault,
//! without the desktop app. Every command takes `--vault DIR` (default: the
//! per-user data directory) and `--user NAME`; secrets come from a prompt
//! or, with `--password-stdin`, from standard input, never from arguments.

// Printing results is what a command does; libraries must not.
#![allow(clippy::print_stdout)]

mod access;
mod args;
mod backup;
mod bench;
mod bench_backup;
mod demo;
mod exit;
mod exports;
mod import;
mod patients;
mod run;
mod secrets;
mod support;

use clap::{CommandFactory, FromArgMatches};

fn main() {
    let matches = args::Cli::command().get_matches();
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let command = support::command_path(&matches);
    let logged = start_logging(&cli);
    if logged {
        tracing::info!(command, "command started");
    }
    let started = std::time::Instant::now();
    let code = match run::run(cli) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("chartvault: {}", failure.message);
            failure.code
        }
    };
    if logged {
        // The exit code, not the message: a message may quote clinic data.
        tracing::info!(command, exit = code, ms = started.elapsed().as_millis() as u64, "command ended");
    }
    std::process::exit(code);
}

/// Logs go to the per-user data directory's `logs/`, as the app's do. A
/// command still runs when they cannot be written (a read-only home).
fn start_logging(cli: &args::Cli) -> bool {
    if matches!(cli.command, args::Command::Completions { .. } | args::Command::Manpages { .. }) {
        return false;
    }
    let Ok(data_dir) = run::data_dir() else { return false };
    match chartvault_core::logs::init(&data_dir, "cli") {
        Ok(_) => true,
        Err(e) => {
            eprintln!("chartvault: no log this time: {e}");
            false
        }
    }
}
