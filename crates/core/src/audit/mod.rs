//! The audit trail: an append-only, tamper-evident record of who did what,
//! when, from which workstation, to which record, with field-level changes.
//!
//! Entries live in `audit_log` (and their changes in `audit_changes`) in the
//! sealed database; triggers refuse UPDATE and DELETE and hold inserts to
//! the end of the log. Each entry carries `hash` = HMAC-SHA-256 under the
//! vault's [`AuditKey`] of `prev_hash` and a canonical encoding of all its
//! fields and changes (see [below](#canonical-encoding)), and `prev_hash` = the previous
//! entry's hash (zeros for the first), so [`verify`] can name the first
//! altered, missing, inserted or reordered entry. A [`ChainHead`] recorded
//! in backups shows a cut tail or an older copy put back
//! ([`verify_against`]).
//!
//! # Canonical encoding
//!
//! An entry is hashed as the SQLite values it is stored as, so `append`
//! (which hashes the values it inserts) and `verify` (which hashes the
//! values it reads, whatever their type) run the same code, and a value
//! whose type was changed no longer matches. The input, byte by byte:
//!
//! ```text
//! u32 len ‖ "chartvault audit chain v1"           domain and version
//! value(prev_hash)                                 32-byte BLOB; zeros for seq 1
//! u32 13 ‖ value(seq) ‖ value(at) ‖ value(user_id) ‖ value(username)
//!        ‖ value(workstation_host) ‖ value(workstation_id) ‖ value(action)
//!        ‖ value(target_kind) ‖ value(target_id) ‖ value(patient_id)
//!        ‖ value(result) ‖ value(detail) ‖ value(emergency)
//! u32 n ‖ n × (value(field) ‖ value(old_value) ‖ value(new_value))
//!                                                  changes ordered by field (bytes)
//!
//! value(NULL)    = 0x00
//! value(INTEGER) = 0x01 ‖ i64
//! value(REAL)    = 0x02 ‖ f64 bits
//! value(TEXT)    = 0x03 ‖ u64 length ‖ UTF-8 bytes
//! value(BLOB)    = 0x04 ‖ u64 length ‖ bytes
//! ```
//!
//! Integers are big-endian. Every variable-length part carries its length
//! and every value its type, so two different entries never encode alike.
//!
//! # Use
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
mod subject;
mod verify;
mod workstation;

#[cfg(test)]
mod tests;

pub use action::{Action, Outcome};
pub use append::{append, head};
pub(crate) use chain::hex;
pub use event::{Actor, ChainHead, Change, Entry, Event};
pub use export::{CSV_HEADER, export_csv, render_changes};
pub use key::{AUDIT_KEY_NAME, AuditKey};
pub use query::{Filter, Order, query};
pub use subject::ERASED;
pub use verify::{Problem, ProblemKind, Report, verify, verify_against, verify_with_progress};
pub use workstation::{WORKSTATION_ID_FILE, Workstation};
