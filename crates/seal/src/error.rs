//! The typed errors of the sealed store.
//!
//! Every variant names what failed so that a person reading it (or the
//! layer above mapping it to a user-facing message) knows whether to retype
//! a password, restore a backup or call for help. Nothing secret is ever
//! part of an error.

use std::path::PathBuf;

/// Which file of a vault an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The main database file.
    Database,
    /// The rollback journal (`-journal`).
    Journal,
    /// The write-ahead log (`-wal`).
    Wal,
    /// The key-slot file.
    SlotFile,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Database => "database file",
            FileKind::Journal => "rollback journal",
            FileKind::Wal => "write-ahead log",
            FileKind::SlotFile => "key-slot file",
        })
    }
}

/// Errors of the sealed store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The password or recovery code does not open the slot it was tried on.
    #[error("wrong password or recovery code")]
    WrongPassword,
    /// No slot of that name exists in the key-slot file.
    #[error("no key slot named {0:?}")]
    NoSuchSlot(String),
    /// A slot of that name already exists.
    #[error("a key slot named {0:?} already exists")]
    SlotExists(String),
    /// Removing this slot would leave no way to open the vault.
    #[error("refusing to remove the last key slot that can open the vault")]
    LastSlot,
    /// The slot name is empty, too long or not printable.
    #[error("invalid key slot name {0:?}: 1 to 64 printable characters")]
    InvalidSlotName(String),
    /// The directory or file is not a Chartvault vault.
    #[error("{path} is not a Chartvault vault: {reason}")]
    NotAVault {
        /// What was opened.
        path: PathBuf,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A vault already exists where one was to be created.
    #[error("a vault already exists at {0}")]
    AlreadyExists(PathBuf),
    /// The key-slot file was written for another vault than the database.
    #[error("the key-slot file belongs to another vault than the database in {0}")]
    SlotFileMismatch(PathBuf),
    /// The file is of a format version this build cannot read.
    #[error("unsupported {kind} format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Which file.
        kind: FileKind,
        /// The version found.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The key-slot file is damaged or was altered.
    #[error("the key-slot file {path} is damaged or was altered: {reason}")]
    SlotFileCorrupt {
        /// The slot file.
        path: PathBuf,
        /// What check failed.
        reason: &'static str,
    },
    /// A sealed page failed authentication: altered, moved, or from another vault.
    #[error("page {pgno} of the {kind} {path} failed authentication (altered, moved or from another vault)")]
    TamperedPage {
        /// Which file kind.
        kind: FileKind,
        /// The file.
        path: PathBuf,
        /// The database page number the page claims or sits at.
        pgno: u32,
    },
    /// A freelist trunk page failed authentication: SQLite reads it when it
    /// reuses free space, so the next insert would fail.
    #[error("page {pgno} of {}, a freelist page SQLite reads when it reuses free space, failed authentication (altered or damaged); rekeying the vault rewrites the database without it", path.display())]
    DamagedFreelistPage {
        /// The file holding the page's newest copy.
        path: PathBuf,
        /// The page number.
        pgno: u32,
    },
    /// A journal or WAL header or frame header failed authentication.
    #[error("the {kind} {path} was altered at byte offset {offset}: {what}")]
    TamperedLog {
        /// Which file kind.
        kind: FileKind,
        /// The file.
        path: PathBuf,
        /// Offset of the damaged structure.
        offset: u64,
        /// What failed.
        what: &'static str,
    },
    /// A file ends in the middle of a page.
    #[error("the {kind} {path} is truncated: page {pgno} is incomplete")]
    TruncatedPage {
        /// Which file kind.
        kind: FileKind,
        /// The file.
        path: PathBuf,
        /// The incomplete page.
        pgno: u32,
    },
    /// SQLite asked for an I/O the sealing layer does not recognise; refused.
    #[error("refused an unrecognised {op} of {len} bytes at offset {offset} on the {kind}")]
    UnexpectedIo {
        /// Which file kind.
        kind: FileKind,
        /// read or write.
        op: &'static str,
        /// Offset asked for.
        offset: u64,
        /// Length asked for.
        len: usize,
    },
    /// A write would have produced a database that is not sealed as this vault expects.
    #[error("refused a page-1 write: {0}")]
    ForeignPageFormat(&'static str),
    /// The data key has sealed so many pages that random nonces are no longer safe.
    #[error("the data key has sealed {0} pages; rekey the vault before writing more")]
    KeyExhausted(u64),
    /// Another holder (this process or another) has the vault open.
    #[error("the vault {} is in use by another Chartvault program{}; close it there first", path.display(), pid.map(|p| format!(" (process {p})")).unwrap_or_default())]
    InUse {
        /// The vault directory.
        path: PathBuf,
        /// The process holding it, where the platform tells.
        pid: Option<u32>,
    },
    /// The vault directory or one of its files cannot be written.
    #[error("{} is read-only ({what}): Chartvault must be able to write there; check its permissions, or copy the vault to a writable folder", path.display())]
    ReadOnly {
        /// The directory or file.
        path: PathBuf,
        /// What could not be done.
        what: &'static str,
    },
    /// No directory exists where a vault was to be opened.
    #[error("there is no vault at {}: the folder does not exist", .0.display())]
    NoSuchDirectory(PathBuf),
    /// A slot name reserved for the vault's own use.
    #[error("the key slot name {0:?} is reserved for the recovery code; choose another name")]
    ReservedSlotName(String),
    /// An empty password or passphrase.
    #[error("refusing an empty password")]
    EmptySecret,
    /// The database file ends before the pages its header counts.
    #[error("the database file {} is truncated: it ends at byte {len}, inside or before page {first_missing} of its {pages} pages; restore it from a backup", path.display())]
    DatabaseTruncated {
        /// The database file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
        /// The first page not wholly present.
        first_missing: u32,
        /// The pages the database header counts.
        pages: u32,
    },
    /// The first page of the database is damaged, while the rest of it
    /// belongs to this vault.
    #[error("the first page of the database file {} is damaged ({what}); the key-slot file matches the rest of it. Restore the vault from a backup", path.display())]
    DamagedFirstPage {
        /// The database file.
        path: PathBuf,
        /// What was found.
        what: &'static str,
    },
    /// Two or more vault files exist under both the old and the new names.
    #[error("{} holds both {old} and {new}: a copy of an old vault was put beside a newer one; move one of them away", dir.display())]
    AmbiguousLayout {
        /// The vault directory.
        dir: PathBuf,
        /// The old file name.
        old: &'static str,
        /// The new file name.
        new: &'static str,
    },
    /// The Argon2id parameters are outside what this build accepts.
    #[error("invalid key-derivation parameters: {0}")]
    InvalidKdfParams(String),
    /// `PRAGMA integrity_check` reported problems.
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// The operating system refused a file operation.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite reported an error not explained by the sealing layer.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The OS random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// These key slots still wrap the vault key directly (key-slot file
    /// version 1) and cannot receive a new vault key; each must be upgraded
    /// by its owner's next login (or removed) first.
    #[error("key slots {0:?} are in the old format and cannot receive a new vault key until their owners log in")]
    LegacySlots(Vec<String>),
    /// A vault key was given for a key generation it does not open.
    #[error("the vault key given does not open the data key of key generation {epoch}")]
    VaultKeyMismatch {
        /// The generation's epoch.
        epoch: u32,
    },
    /// A slot's public key cannot be sealed to (a low-order X25519 point).
    #[error("key slot {0:?} holds an unusable public key")]
    BadSlotKey(String),
    /// A backup is reading the database file, which must not change until
    /// it ends (commits go to the write-ahead log meanwhile).
    #[error("a backup of the vault is being taken; this must wait until it ends")]
    SnapshotInProgress,
    /// A backup cannot start in the vault's present state.
    #[error("a backup cannot start now: {0}")]
    SnapshotRefused(&'static str),
    /// The vault secret given is not the one this vault's slots hold.
    #[error("the vault secret given is not this vault's")]
    VaultSecretMismatch,
}

impl SealError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SealError::Io { what, path: path.into(), source }
    }
}

/// Result alias of this crate.
pub type Result<T, E = SealError> = std::result::Result<T, E>;
