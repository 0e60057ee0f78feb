//! The command line, as `clap` derives it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Chartvault: an encrypted clinic records vault, administered from the
/// command line.
///
/// Exit codes: 0 done, 1 other error, 2 usage, 3 wrong credentials,
/// 4 locked out (or wait before trying again), 5 damaged or foreign vault,
/// 6 permission denied (or a consent the export needs is missing), 7 vault
/// in use by another program, 10 not a backup file, 11 a backup of another
/// vault, 12 a backup made by a newer version.
#[derive(Debug, Parser)]
#[command(name = "chartvault", version, about)]
pub struct Cli {
    /// The vault directory (default: the per-user data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// The user to act as (default: the name of the account running this).
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Read secrets from standard input, one per line: the password, then
    /// the authenticator code when the user has one, then any new password
    /// the command needs.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a vault with its clinic name and first administrator; prints
    /// the recovery code and the administrator's authenticator secret once.
    Init {
        /// The clinic's name.
        #[arg(long)]
        clinic: String,
        /// The first administrator's user name.
        #[arg(long)]
        admin: String,
        /// The administrator's name as shown (default: the user name).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Check a login (password and code) and say who you are.
    Login,
    /// Users (administrators).
    #[command(subcommand)]
    User(UserCommand),
    /// Policies: idle timeout, TOTP for roles, lockout.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Your own account: password, authenticator, recovery codes.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Patients: find, show, register, export.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// Exports of more than one patient.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import records from files: `import patients FILE`.
    #[command(subcommand)]
    Import(crate::import::ImportCommand),
    /// Fill the vault with synthetic demo patients and charts (made up, not
    /// a person's record; for trying the product and measuring it).
    Demo(crate::demo::DemoArgs),
    /// Measure this vault: `bench records`.
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// Emergency access to review (administrators).
    #[command(subcommand)]
    Emergency(EmergencyCommand),
    /// Encrypted backups: create, verify, list, prune, restore.
    #[command(subcommand)]
    Backup(crate::backup::BackupCommand),
    /// Reseal every page under a new data key.
    Rekey,
    /// Replace the vault's recovery code (the new one is printed once) and
    /// rotate the vault key, so the old code opens nothing written from now
    /// on, not even with an old copy of the key-slot file.
    NewRecoveryCode {
        /// Do not rotate the vault key (an old copy of the key-slot file
        /// would still open what is written afterwards with the old code).
        #[arg(long)]
        no_rekey: bool,
    },
    /// Open the vault with the recovery code and set a new password for an
    /// administrator (standard input: the code, then the new password).
    Recovery {
        /// The administrator whose password is set.
        #[arg(long)]
        admin: String,
        /// They lost their authenticator too: clear it (and their one-time
        /// recovery codes); they set up a new one at their next login.
        #[arg(long)]
        lost_authenticator: bool,
    },
    /// Print a report for whoever supports the clinic: versions, the vault
    /// folder's state, recent logs (and with --user, the settings) — no
    /// names, no patient data, no secrets.
    Diagnostics,
    /// Print a shell completion script: `chartvault completions bash >
    /// ~/.local/share/bash-completion/completions/chartvault`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (chartvault.1 and one per command) into DIR.
    #[command(hide = true)]
    Manpages {
        /// The folder to write them in (made if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (their first password is asked; they change it at
    /// their first login).
    Add {
        /// User name: 3 to 32 of a-z 0-9 . _ -
        username: String,
        /// administrator, provider, staff or auditor.
        #[arg(long)]
        role: String,
        /// Name as shown (default: the user name).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List users.
    List,
    /// Disable a user (their key slot goes) and rotate the vault key.
    Disable(Target),
    /// Re-enable a disabled user with a new first password.
    Enable {
        /// User name.
        username: String,
    },
    /// Remove a user for good and rotate the vault key.
    Remove(Target),
    /// Set a new password the user must change at their next login.
    ResetPassword {
        /// User name.
        username: String,
    },
    /// Clear a user's authenticator (a lost phone).
    ResetTotp {
        /// User name.
        username: String,
    },
    /// Lift a lockout.
    Unlock {
        /// User name.
        username: String,
    },
    /// Change a user's role (not your own).
    Role {
        /// User name.
        username: String,
        /// administrator, provider, staff or auditor.
        role: String,
    },
    /// What a user may do: each permission, from their role, granted or
    /// denied beyond it, and the result.
    Access {
        /// User name.
        username: String,
    },
    /// Grant or deny one permission beyond a user's role, or clear that
    /// (not your own; `user access` lists the permissions).
    Override {
        /// User name.
        username: String,
        /// The permission, e.g. audit_read.
        permission: String,
        /// grant, deny or clear.
        #[arg(value_parser = ["grant", "deny", "clear"])]
        effect: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmergencyCommand {
    /// Emergency accesses not yet reviewed: who, which patient, which
    /// permission, when and why.
    List,
    /// Record that an emergency access was reviewed (by someone other than
    /// the person who took it).
    Review {
        /// Its id (as `emergency list` prints it).
        id: i64,
        /// What the review found.
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct Target {
    /// User name.
    pub username: String,
    /// Do not rotate the vault key (an old copy of the key-slot file would
    /// still open what is written afterwards with this user's password).
    #[arg(long)]
    pub no_rekey: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show every setting.
    Show,
    /// Change a setting.
    Set {
        /// The setting (see `policy show`).
        key: String,
        /// Its new value.
        value: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the chain of the audit trail.
    Verify,
    /// List entries, newest first.
    List(Filter),
    /// Export entries as CSV.
    Export {
        /// Write to this file.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        filter: Filter,
    },
}

#[derive(Debug, Args, Clone)]
pub struct Filter {
    /// Only this user's entries.
    #[arg(long = "by")]
    pub by: Option<String>,
    /// Only this action (e.g. login_failed).
    #[arg(long)]
    pub action: Option<String>,
    /// From this time (RFC 3339, e.g. 2026-11-30T00:00:00Z).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many entries (list: 50 unless given; export: all).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Skip this many.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Change your password (asks for the new one).
    Password,
    /// Enrol an authenticator: shows its otpauth:// URI (and QR code), then
    /// asks for a code from it to confirm.
    TotpEnroll,
    /// Issue ten single-use recovery codes for a lost authenticator (any
    /// earlier set stops working).
    RecoveryCodes,
}

#[derive(Debug, Subcommand)]
pub enum PatientCommand {
    /// Find patients by name, record number, phone, identifier or note
    /// words (each word a prefix); nothing typed lists the recent ones.
    Find {
        /// What to look for.
        #[arg(default_value = "")]
        query: String,
        /// Archived records too.
        #[arg(long)]
        archived: bool,
    },
    /// A patient's record: demographics, identifiers, and the clinical
    /// record where your role may read it (allergies, problems,
    /// medications, visits). The reading is audited.
    Show {
        /// The patient's id (as `find` prints it).
        id: i64,
    },
    /// The id of the record with exactly this record number, restricted
    /// or not (search leaves a restricted record out for those who may
    /// not open it). No name is printed. Audited.
    Number {
        /// The record number, e.g. MRN-000042.
        mrn: String,
    },
    /// Emergency access ("break the glass") to one patient's whole record
    /// for the clinic's set time, with a written reason: flagged in the
    /// audit trail and reviewed by an administrator. Then `patient show`.
    Emergency {
        /// The patient's id.
        id: i64,
        /// Why, at least 10 characters: what is happening and why you need
        /// the record.
        #[arg(long)]
        reason: String,
    },
    /// Register a patient; prints the id and record number.
    Add {
        /// Given name(s).
        #[arg(long)]
        given: String,
        /// Family name.
        #[arg(long)]
        family: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        born: String,
        /// female, male, other or unknown.
        #[arg(long, default_value = "unknown")]
        sex: String,
        /// Telephone.
        #[arg(long)]
        phone: Option<String>,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// A restricted record (staff, VIP).
        #[arg(long)]
        restricted: bool,
    },
    /// Export a patient's whole record (an access or portability request,
    /// or sharing with a data-sharing consent): a FHIR R4 bundle or a
    /// printable summary. Never overwrites a file. Audited.
    Export {
        /// The patient's id (as `find` prints it).
        id: i64,
        /// fhir, html or pdf.
        #[arg(long, value_enum)]
        format: crate::exports::PatientFormat,
        /// access (the patient's own request) or sharing (needs consent).
        #[arg(long, value_enum, default_value = "access")]
        purpose: crate::exports::Purpose,
        /// Write to this file (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A de-identified extract of every patient (HIPAA Safe Harbor) for
    /// research: auditors. Never overwrites a file. Audited.
    Deid {
        /// csv or fhir.
        #[arg(long, value_enum)]
        format: crate::exports::DeidFileFormat,
        /// Write to this file (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}
