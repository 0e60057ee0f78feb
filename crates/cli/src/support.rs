//! What supports the command rather than the clinic's work: the
//! diagnostics report, shell completions and the man pages the packages
//! install.

use std::path::Path;

use chartvault_core::diagnostics::{Subject, gather};
use chartvault_core::session::Session;
use clap::CommandFactory;

use crate::args::Cli;
use crate::exit::Failure;

/// Prints the diagnostics report of `vault`; with a session, the settings too.
pub fn diagnostics(vault: &Path, data_dir: &Path, session: Option<&Session>) {
    let subject = Subject { program: "chartvault", version: env!("CARGO_PKG_VERSION"), vault_dir: vault, data_dir };
    print!("{}", gather(&subject, session));
}

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "chartvault", &mut script);
    match std::io::Write::write_all(&mut std::io::stdout().lock(), &script) {
        // `| head` closing the pipe early is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot print: {e}").into()),
        _ => Ok(()),
    }
}

/// Writes `chartvault.1` and a page per command (`chartvault-backup-create.1`)
/// into `dir`.
pub fn manpages(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| format!("cannot write the man pages: {e}"))?;
    Ok(())
}

/// The command's name as typed, subcommands included (`backup create`),
/// without any argument's value, which may be clinic data: what the log
/// records.
pub fn command_path(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        names.push(name);
        m = sub;
    }
    names.join(" ")
}
