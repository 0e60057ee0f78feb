//! Backup files of a vault (`.cvbackup`): a consistent snapshot of a vault
//! in use, every page opened with the vault's keys and sealed again under a
//! key of the backup's own, with the key slots of that time so that any
//! password or the recovery code of that time opens it, and optionally a
//! passphrase slot for copies kept off site. See docs/design/BACKUP.md.
//!
//! - [`crate::Vault::snapshot`] freezes the database file; [`Snapshot::write`]
//!   writes the backup beside its final name, reads it back and verifies it
//!   fully, then names it.
//! - [`BackupFile::open`] checks the header; [`BackupFile::unlock`] opens the
//!   key; [`UnlockedBackup::verify`] checks every page, the trailer and the
//!   database inside; [`UnlockedBackup::stage_restore`] and
//!   [`StagedRestore::swap_in`] restore it.

mod error;
mod format;
mod io;
mod keys;
mod parallel;
mod read;
mod restore;
mod window;
mod write;

use std::path::PathBuf;

use secrecy::SecretString;

pub use error::{BackupError, Part};
pub use read::{BackupDb, BackupFile, UnlockedBackup, Verified, inspect_backup};
pub use restore::{HeldDir, INTENT_FILE, RestoreKeys, RestoreStep, StagedRestore, settle_restore};
pub use write::{BackupStep, Written};

use crate::{KdfParams, Lower};

/// The file name extension of backups.
pub const EXTENSION: &str = "cvbackup";

/// What opens a backup.
#[derive(Debug, Clone, Copy)]
pub enum BackupUnlock<'a> {
    /// A user's password of that time, for the slot of that name.
    Password {
        /// The slot (user) name.
        slot: &'a str,
        /// The password.
        password: &'a SecretString,
    },
    /// The recovery code of that time.
    RecoveryCode(&'a SecretString),
    /// The backup's own passphrase.
    Passphrase(&'a SecretString),
}

/// How a backup is made.
#[derive(Debug, Clone)]
pub struct BackupParams<'a> {
    /// When, in Unix milliseconds (UTC).
    pub created_at_ms: i64,
    /// The caller's description of the backup, sealed in the header.
    pub meta: &'a [u8],
    /// A passphrase that opens this backup alone.
    pub passphrase: Option<&'a SecretString>,
    /// Argon2id parameters for the passphrase; `None` calibrates them.
    pub passphrase_kdf: Option<KdfParams>,
    /// Whether the key slots of that time open it (passwords and the
    /// recovery code). Without, only the passphrase does.
    pub slots_of_that_time: bool,
}

/// The stages of making or verifying a backup, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Pages copied from the vault.
    Copy,
    /// Pages read back from the destination and checked.
    ReadBack,
    /// SQLite's integrity check of the database inside.
    Integrity,
    /// The caller's check of the content (the audit chain).
    Content,
}

/// How far a backup or verification has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupProgress {
    /// The stage.
    pub phase: Phase,
    /// Pages done in this stage.
    pub done: u64,
    /// Pages in all.
    pub total: u64,
}

/// Where a backup is written.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The folder.
    pub dir: PathBuf,
    /// The layer files are written through (the real file system, or a
    /// simulated disk in tests).
    pub lower: Lower,
}

/// What can be read of a backup without a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The backup's own id (32 hex digits).
    pub backup_id: String,
    /// The id of the vault it is a backup of (32 hex digits).
    pub vault_id: String,
    /// When it was made, Unix milliseconds (UTC).
    pub created_at_ms: i64,
    /// Database pages inside.
    pub pages: u32,
    /// The file's length.
    pub bytes: u64,
    /// The vault's key generation at the time.
    pub epoch: u32,
    /// Whether passwords and the recovery code of that time open it.
    pub opens_with_slots: bool,
    /// Whether a backup passphrase opens it.
    pub opens_with_passphrase: bool,
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}
