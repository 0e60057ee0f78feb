//! `chartvault`: administration and headless work on a Chartvault vault,
//! without the desktop app. Every command takes `--vault DIR` (default: the
//! per-user data directory) and `--user NAME`; secrets come from a prompt
//! or, with `--password-stdin`, from standard input, never from arguments.

// Printing results is what a command does; libraries must not.
#![allow(clippy::print_stdout)]

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

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    let code = match run::run(cli) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("chartvault: {}", failure.message);
            failure.code
        }
    };
    std::process::exit(code);
}
