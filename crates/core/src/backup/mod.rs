//! Backups of the vault: the pure decisions around them, apart from the
//! file format and the copy (those live in the seal crate).
//!
//! - [`retention`]: which backup files a folder keeps and which it deletes,
//!   by the daily, weekly and monthly policy; never a file this vault did
//!   not make and verify.
//! - [`schedule`]: the `backup_schedule` policy value, when the next run is
//!   due in the workstation's local time, the one catch-up run after missed
//!   slots, and when a missing backup becomes a warning.
//! - [`drives`]: which mounted file systems a person is offered as a
//!   destination, whether two paths share a volume, and FAT32's file-size
//!   limit; one thin function reads the mounts from the OS.
//!
//! The first two take the time and the zone as arguments and do no I/O, so
//! tests drive them with fixed offsets, a hand-made zone with summer time
//! and thousands of random cases.

pub mod drives;
pub mod files;
pub mod index;
pub mod known_head;
pub mod meta;
mod ops;
mod restore_ops;
pub mod retention;
pub mod schedule;
mod status_ops;

pub use known_head::{KnownHead, RollbackWarning};
pub use meta::{BackupMeta, BackupReason, RecordCounts};
pub use ops::{BackupAttempt, BackupCredentials, BackupDone, BackupRun, CheckedBackup, PendingBackup, check_file};
pub use restore_ops::{NewAdministrator, Restored, restore_first_run};
pub use status_ops::{BackupStatus, PrunePlan};
