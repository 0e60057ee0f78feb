//! Sealed SQLite storage for Chartvault.
//!
//! A vault is a directory holding a SQLite database whose every page on disk
//! is sealed with AES-256-GCM, and a small key-slot file. Open it with a
//! password or the recovery code and use it through `rusqlite` like any
//! database; see [`Vault`].
//!
//! This crate knows nothing of clinics: it stores pages and keys.

#[doc(hidden)]
pub mod bench_support;
mod cipher;
mod error;
mod kdf;
mod lower;
mod recovery;
mod sealed;
mod secret;
mod slots;
pub mod testkit;
mod vault;
#[allow(unsafe_code)]
mod vfs;

pub use cipher::{CryptoStats, PAGE_SIZE, REKEY_DUE_AFTER, RESERVE, SEAL_HARD_LIMIT};
pub use error::{FileKind, Result, SealError};
pub use kdf::KdfParams;
pub use lower::{Lower, LowerFile, LowerVfs};
pub use recovery::RecoveryCode;
/// The `rusqlite` this crate is built against, for callers to name its types.
pub use rusqlite;
pub use secrecy::{ExposeSecret, SecretString};
pub use slots::{SlotFileInfo, SlotKind, inspect_slot_file};
#[doc(hidden)]
pub use vault::RekeyStep;
pub use vault::{CreateOptions, JournalMode, OpenOptions, SlotInfo, Unlock, Vault, VerifyReport};
pub use vfs::cache_stats;
