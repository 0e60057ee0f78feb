//! `chartvault backup create|verify|list|prune|restore`: encrypted backups
//! of the vault to a folder (an external drive), through the same core
//! operations as the desktop app.
//!
//! Credentials come as for every command: the password (and code) of
//! `--user` from a prompt or `--password-stdin`. A backup opens with any
//! password or the recovery code of the time it was made, or with its own
//! passphrase; `verify` and `restore` say which with `--with`.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chartvault_core::backup::{
    BackupCredentials, BackupReason, CheckedBackup, NewAdministrator, check_file, files, restore_first_run,
};
use chartvault_core::session::{Env, Session};
use chartvault_seal::backup::{BackupProgress, Phase};
use chartvault_seal::{KEYS_FILE, SecretString};
use clap::{Args, Subcommand, ValueEnum};
use secrecy::ExposeSecret;

use crate::exit::Failure;
use crate::secrets::Secrets;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back the vault up into FOLDER: written beside its name, read back
    /// from the drive and verified in full, then named. Prints its path.
    Create {
        /// The folder (an external drive).
        #[arg(long, value_name = "FOLDER")]
        to: PathBuf,
        /// Also let a passphrase of its own open this backup (read after
        /// your password and code), for a copy kept off site.
        #[arg(long)]
        passphrase: bool,
    },
    /// Verify a backup file in full: every page, its integrity and its audit
    /// chain. Exit 0 good, 3 wrong password, 5 damaged, 10 not a backup,
    /// 11 a backup of another vault, 12 made by a newer version.
    Verify {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        with: With,
    },
    /// List the backups in FOLDER with their dates and sizes (no password).
    List {
        /// The folder.
        folder: PathBuf,
    },
    /// Delete this vault's verified backups in FOLDER that the retention
    /// policy (backup_keep_daily/weekly/monthly) no longer keeps.
    Prune {
        /// The folder.
        folder: PathBuf,
        /// Say what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Restore the vault from a backup file. The vault in use is kept aside
    /// in its folder; with no vault there yet, the backup becomes the vault.
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        with: With,
        /// Do not ask for confirmation after showing what the backup holds.
        #[arg(long)]
        yes: bool,
        /// Allow restoring a backup of another vault over this one.
        #[arg(long)]
        allow_other_vault: bool,
    },
}

/// What opens the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Opener {
    /// The --user's password of the time the backup was made.
    Password,
    /// The vault's recovery code of that time.
    RecoveryCode,
    /// The backup's own passphrase.
    Passphrase,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct With {
    /// What opens the backup.
    #[arg(long, value_enum, default_value = "password")]
    with: Opener,
}

fn progress(verbose: bool) -> impl FnMut(BackupProgress) -> ControlFlow<()> {
    let bar = (verbose && std::io::stderr().is_terminal()).then(|| indicatif::ProgressBar::new(0));
    move |p: BackupProgress| {
        if let Some(b) = &bar {
            b.set_message(match p.phase {
                Phase::Copy => "copying",
                Phase::ReadBack => "reading back from the drive",
                Phase::Integrity => "checking integrity",
                Phase::Content => "checking the audit trail",
            });
            b.set_length(p.total);
            b.set_position(p.done);
        }
        ControlFlow::Continue(())
    }
}

/// The secret `with` needs, read from `secrets`.
fn backup_secret(with: Opener, user: &str, secrets: &mut Secrets) -> Result<SecretString, Failure> {
    Ok(match with {
        Opener::Password => secrets.next(&format!("password for {user} (of when the backup was made)"))?,
        Opener::RecoveryCode => secrets.next("recovery code (of when the backup was made)")?,
        Opener::Passphrase => secrets.next("backup passphrase")?,
    })
}

fn creds<'a>(with: Opener, user: &'a str, secret: &'a SecretString) -> BackupCredentials<'a> {
    match with {
        Opener::Password => BackupCredentials::Password { username: user, password: secret },
        Opener::RecoveryCode => BackupCredentials::RecoveryCode(secret),
        Opener::Passphrase => BackupCredentials::Passphrase(secret),
    }
}

/// The id of the vault in `vault`, read from its key-slot file without a
/// password; `None` when there is no vault there.
fn vault_id_at(vault: &Path) -> Option<String> {
    let bytes = std::fs::read(vault.join(KEYS_FILE)).ok()?;
    chartvault_seal::inspect_key_file(&bytes).ok().map(|i| i.vault_id)
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    }
}

fn describe(c: &CheckedBackup) -> String {
    let m = &c.meta;
    format!(
        "Backup {} of vault {}\n  made {} by {} on {} ({}), Chartvault {}\n  {} patients, {} visits, {} attachments, {} users, {} audit entries; {}",
        &c.backup_id[..8],
        &c.vault_id[..8],
        c.created_at.format("%Y-%m-%d %H:%M UTC"),
        m.made_by,
        m.host,
        m.reason.as_str().replace('_', "-"),
        m.app_version,
        m.counts.patients,
        m.counts.visits,
        m.counts.attachments,
        m.counts.users,
        m.counts.audit_entries,
        size_text(c.bytes)
    )
}

/// Runs a backup command. `login` opens a session (password and code of
/// `user`) when the command needs one.
pub fn run(
    command: &BackupCommand,
    vault: &Path,
    user: &str,
    secrets: &mut Secrets,
    env: &Env,
    login: &dyn Fn(&mut Secrets) -> Result<Session, Failure>,
) -> Result<(), Failure> {
    match command {
        BackupCommand::Create { to, passphrase } => {
            let mut session = login(secrets)?;
            let phrase = if *passphrase { Some(secrets.new_password("backup passphrase")?) } else { None };
            let result = session.backup_now(to, BackupReason::Manual, phrase.as_ref(), &mut progress(true));
            let closed = session.logout();
            let done = result?;
            closed?;
            for stale in &done.stale_removed {
                eprintln!("Removed {stale}, left by a backup that was interrupted.");
            }
            println!("{}", done.path.display());
            Ok(())
        }
        BackupCommand::Verify { file, with } => {
            let secret = backup_secret(with.with, user, secrets)?;
            let expected = vault_id_at(vault);
            let checked = check_file(file, creds(with.with, user, &secret), expected.as_deref(), &mut progress(true))?;
            println!("{}", describe(&checked));
            println!("Good: every page, the database's integrity and its audit trail check out.");
            Ok(())
        }
        BackupCommand::List { folder } => {
            let mine = vault_id_at(vault);
            let listed = files::list(folder)?;
            if listed.is_empty() {
                println!("No backups in {}.", folder.display());
            }
            for b in listed {
                let name = b.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                match b.info {
                    Ok(i) => {
                        let when = chrono::DateTime::from_timestamp_millis(i.created_at_ms).unwrap_or_default();
                        let whose = if mine.as_deref() == Some(i.vault_id.as_str()) { "" } else { "  (another vault)" };
                        println!("{}  {:>10}  {name}{whose}", when.format("%Y-%m-%d %H:%M UTC"), size_text(i.bytes));
                    }
                    Err(e) => println!("{:<20}  {:>10}  {name}  (unreadable: {e})", "?", "?"),
                }
            }
            Ok(())
        }
        BackupCommand::Prune { folder, dry_run } => {
            let mut session = login(secrets)?;
            let result = session.prune_backups(folder, *dry_run);
            let closed = session.logout();
            let plan = result?;
            closed?;
            let verb = if *dry_run { "would delete" } else { "deleted" };
            for p in &plan.deleted {
                println!("{verb} {}", p.display());
            }
            for (p, rules) in &plan.kept {
                let r: Vec<String> = rules.iter().map(|r| format!("{r:?}").to_lowercase()).collect();
                println!("kept {} ({})", p.display(), r.join(", "));
            }
            for (p, why) in &plan.left_alone {
                println!("left {} ({why})", p.display());
            }
            Ok(())
        }
        BackupCommand::Restore { file, with, yes, allow_other_vault } => {
            restore(file, with.with, *yes, *allow_other_vault, vault, user, secrets, env, login)
        }
    }
}

fn confirm(yes: bool, question: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage("add --yes to restore without a question (standard input is not a terminal)"));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).map_err(|e| format!("cannot read the answer: {e}"))?;
    if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Failure::usage("not restored: nothing was changed"))
    }
}

#[allow(clippy::too_many_arguments)]
fn restore(
    file: &Path,
    with: Opener,
    yes: bool,
    allow_other_vault: bool,
    vault: &Path,
    user: &str,
    secrets: &mut Secrets,
    env: &Env,
    login: &dyn Fn(&mut Secrets) -> Result<Session, Failure>,
) -> Result<(), Failure> {
    let existing = vault_id_at(vault);
    if existing.is_none() {
        // A new machine: the backup becomes the vault.
        let secret = backup_secret(with, user, secrets)?;
        let new_pw = if with == Opener::Passphrase {
            Some(secrets.new_password(&format!("new password for the administrator {user}"))?)
        } else {
            None
        };
        let c = creds(with, user, &secret);
        let checked = check_file(file, c, None, &mut progress(true))?;
        eprintln!("{}", describe(&checked));
        confirm(yes, &format!("Make this backup the vault at {}?", vault.display()))?;
        let admin = new_pw.as_ref().map(|p| NewAdministrator { username: user, password: p });
        let done = restore_first_run(vault, &checked, c, admin, env, &mut progress(true))?;
        report(&done);
        return Ok(());
    }
    let mut session = login(secrets)?;
    let result = (|| {
        let password = secrets.next(&format!("password for {user} again, to confirm the restore"))?;
        let secret = match with {
            // Most often unchanged since: the password just typed.
            Opener::Password => SecretString::from(password.expose_secret().to_owned()),
            _ => backup_secret(with, user, secrets)?,
        };
        let c = creds(with, user, &secret);
        let expected = if allow_other_vault { None } else { existing.as_deref() };
        let checked = check_file(file, c, expected, &mut progress(true))?;
        eprintln!("{}", describe(&checked));
        confirm(yes, "Replace the vault in use with this backup (the vault in use is kept aside)?")?;
        let done = session.restore_backup(&checked, c, &password, allow_other_vault, &mut progress(true))?;
        report(&done);
        Ok::<(), Failure>(())
    })();
    if result.is_err() {
        let _ = session.logout();
    }
    result
}

fn report(done: &chartvault_core::backup::Restored) {
    println!("Restored backup {}.", &done.backup_id[..8]);
    if let Some(aside) = &done.aside {
        println!("The vault it replaced is kept, whole, in {}", aside.display());
    }
    if let Some(code) = &done.recovery_code {
        println!();
        println!("NEW RECOVERY CODE (shown once; print it and keep it apart from this computer):");
        println!("  {}", code.expose_secret());
    }
    if !done.users_without_password.is_empty() {
        println!(
            "These users need a new password from an administrator (user reset-password): {}",
            done.users_without_password.join(", ")
        );
    }
}
