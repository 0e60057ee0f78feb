//! The audit trail: an append-only, tamper-evident record of who did what,
//! when, from which workstation, to which record, with field-level changes.
//!
//! Entries live in `audit_log` (and their changes in `audit_changes`) in the
//! sealed database; triggers refuse UPDATE and DELETE and hold inserts to
//! the end of the log. Each entry carries `hash` = HMAC-SHA-256 under the
//! vault's [`AuditKey`] of `prev_hash` and a canonical encoding of all its
//! fields and changes (see `chain.rs`), and `prev_hash` = the previous
//! entry's hash (zeros for the first), so [`verify`] can name the first
//! altered, missing, inserted or reordered entry. A [`ChainHead`] recorded
//! in backups shows a cut tail or an older copy put back
//! ([`verify_against`]).
//!
//! Writes take a `&Transaction` (append in the same transaction as the
//! change it records), reads a `&Connection`. Times are given by the
//! caller, never read from the system clock here.
//!
//! ```
//! use chartvault_core::audit::{self, Action, Actor, AuditKey, Event, Workstation};
//! # fn main() -> chartvault_core::Result<()> {
//! # let mut conn = chartvault_seal::rusqlite::Connection::open_in_memory()?;
//! # chartvault_core::db::migrate(&mut conn)?;
//! # let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
//! let tx = conn.transaction()?;
//! let key = AuditKey::load_or_create(&tx)?;
//! let ws = Workstation::new("front-desk", "0123456789abcdef0123456789abcdef");
//! let event = Event::new(Action::PatientWrite).target("patient", "42").patient(42).change(
//!     "phone",
//!     Some("555-0100"),
//!     Some("555-0199"),
//! );
//! let seq = audit::append(&tx, &key, &Actor::user(1, "alice"), &ws, at, &event)?;
//! tx.commit()?;
//! assert_eq!(seq, 1);
//! assert!(audit::verify(&conn, &key)?.is_ok());
//! # Ok(())
//! # }
//! ```

mod action;
mod append;
mod chain;
mod event;
mod export;
mod key;
mod query;
mod verify;
mod workstation;

#[cfg(test)]
mod tests;

pub use action::{Action, Outcome};
pub use append::{append, head};
pub use event::{Actor, ChainHead, Change, Entry, Event};
pub use export::{CSV_HEADER, export_csv, render_changes};
pub use key::{AUDIT_KEY_NAME, AuditKey};
pub use query::{Filter, Order, query};
pub use verify::{Problem, ProblemKind, Report, verify, verify_against, verify_with_progress};
pub use workstation::{WORKSTATION_ID_FILE, Workstation};
