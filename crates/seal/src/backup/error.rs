//! What can go wrong with a backup file, in the words a person needs:
//! each verification outcome is its own variant, so the CLI can give each
//! its own exit code and the app its own message.

use std::path::PathBuf;

use crate::SealError;

/// Which part of a backup file is damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The fixed fields at the start of the file or their checksum.
    Header,
    /// The key block (slots of that time, wraps of the backup key).
    KeyBlock,
    /// The sealed metadata (it fails to open with the right key).
    Meta,
    /// A page of the database image (1-based).
    Page(u32),
    /// The file ends early: this page is the first not wholly present
    /// (`pages + 1` when only the closing trailer is missing).
    Truncated {
        /// The first page missing.
        first_missing: u32,
    },
    /// This many bytes follow the end of the backup.
    TrailingBytes(u64),
    /// The closing trailer: its counts, digest or authentication code.
    Trailer,
    /// SQLite's integrity check of the database image failed.
    Integrity(String),
    /// The caller's own check of the content failed (the audit chain).
    Content(String),
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Header => f.write_str("in its header"),
            Part::KeyBlock => f.write_str("in its key block"),
            Part::Meta => f.write_str("in its description (sealed metadata)"),
            Part::Page(p) => write!(f, "at page {p} of the data"),
            Part::Truncated { first_missing } => write!(f, "it is cut short: page {first_missing} onwards is missing"),
            Part::TrailingBytes(n) => write!(f, "{n} unexpected bytes follow its end"),
            Part::Trailer => f.write_str("in its closing trailer"),
            Part::Integrity(s) => write!(f, "the database inside fails its integrity check: {s}"),
            Part::Content(s) => write!(f, "its content fails the check: {s}"),
        }
    }
}

/// Errors of backup files. Every verification outcome has its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file is not a Chartvault backup at all.
    #[error("{} is not a Chartvault backup: {reason}", path.display())]
    NotABackup {
        /// The file.
        path: PathBuf,
        /// What it is instead, where that can be told.
        reason: &'static str,
    },
    /// A backup written by a newer version of Chartvault.
    #[error(
        "this backup was written by a newer version of Chartvault (format {found}, or features this version does not know; this version reads format {supported}); update Chartvault to restore it"
    )]
    NewerFormat {
        /// The version found.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// A backup of another vault than the one it was checked against.
    #[error("this is a backup of another vault ({found}), not of this one ({expected})")]
    OtherVault {
        /// The backup's vault id.
        found: String,
        /// The open vault's id.
        expected: String,
    },
    /// No password, recovery code or passphrase given opens it.
    #[error("the password, recovery code or backup passphrase does not open this backup")]
    WrongPassword,
    /// The file is damaged or was altered.
    #[error("the backup {} is damaged or was altered: {part}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Where.
        part: Part,
    },
    /// The destination or the vault failed an operation.
    #[error(transparent)]
    Io(#[from] SealError),
    /// The person or the app stopped it.
    #[error("the backup was cancelled; nothing was kept")]
    Cancelled,
}

impl BackupError {
    pub(crate) fn damaged(path: &std::path::Path, part: Part) -> Self {
        BackupError::Damaged { path: path.to_owned(), part }
    }
}
