//! Sealed SQLite storage for Chartvault.
//!
//! A vault is a directory holding a SQLite database whose every page on disk
//! is sealed with AES-256-GCM, and a small key-slot file. Open it with a
//! password or the recovery code and use it through `rusqlite` like any
//! database; see [`Vault`].
//!
//! This crate knows nothing of clinics: it stores pages and keys.
//!
//! ```
//! use chartvault_seal::{CreateOptions, KdfParams, OpenOptions, SecretString, Unlock, Vault};
//!
//! # fn main() -> chartvault_seal::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! let password = SecretString::from("a long clinic passphrase");
//! // Real vaults leave `kdf: None`, which calibrates Argon2id on this machine.
//! let opts = CreateOptions { kdf: Some(KdfParams::INSECURE_FAST), ..CreateOptions::default() };
//! let (vault, recovery_code) = Vault::create(dir, "alice", &password, &opts)?;
//! vault.conn().execute_batch("CREATE TABLE patients(id INTEGER PRIMARY KEY, name TEXT)")?;
//! vault.conn().execute("INSERT INTO patients(name) VALUES (?1)", ["Ada"])?;
//! vault.close()?;
//! // Show `recovery_code.expose_secret()` to the user once.
//! # let _ = recovery_code;
//!
//! let vault = Vault::open(dir, Unlock::Password { slot: "alice", password: &password }, &OpenOptions::default())?;
//! let name: String = vault.conn().query_row("SELECT name FROM patients", [], |r| r.get(0))?;
//! assert_eq!(name, "Ada");
//! assert!(vault.verify()?.is_ok());
//! # Ok(())
//! # }
//! ```

pub mod backup;
#[doc(hidden)]
pub mod bench_support;
mod cipher;
mod error;
mod kdf;
// Key-slot file format v2; the vault switches to it in a later change.
mod keyfile;
mod lower;
mod names;
mod recovery;
mod sealed;
mod secret;
// Only its slot kinds and names are used outside the tests and the testkit.
#[allow(dead_code)]
mod slots;
mod store;
pub mod testkit;
mod vault;
#[allow(unsafe_code)]
mod vfs;

pub use cipher::{CryptoStats, FTS5_PGSZ, PAGE_SIZE, REKEY_DUE_AFTER, RESERVE, SEAL_HARD_LIMIT};
pub use error::{FileKind, Result, SealError};
pub use kdf::KdfParams;
pub use keyfile::{KeyFileInfo, inspect_key_file};
pub use lower::{Lower, LowerFile, LowerVfs};
pub use recovery::RecoveryCode;
/// The `rusqlite` this crate is built against, for callers to name its types.
pub use rusqlite;
pub use secrecy::{ExposeSecret, SecretString};
pub use slots::SlotKind;
#[doc(hidden)]
pub use vault::RekeyStep;
pub use vault::{
    CreateOptions, DB_FILE, JOURNAL_FILE, JournalMode, KEYS_FILE, LOCK_FILE, OpenOptions, RekeyProgress, SlotInfo,
    Snapshot, Unlock, Vault, VerifyReport, WAL_FILE,
};
pub use vfs::cache_stats;
