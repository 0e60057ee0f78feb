//! Tests of access: the matrix against an independent table, overrides,
//! emergency access, the schema, and the generated document.

mod doc_tests;
mod emergency_tests;
mod matrix_tests;
mod overrides_tests;
mod schema_tests;

use chartvault_seal::rusqlite::{Connection, params};
use chrono::{DateTime, Utc};

/// 2023-11-14T22:13:20Z.
pub(super) fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

/// Users in a fresh in-memory database.
pub(super) const ADMIN: i64 = 1;
pub(super) const DOCTOR: i64 = 2;
pub(super) const DESK: i64 = 3;
pub(super) const AUDITOR: i64 = 4;

/// A migrated in-memory database with foreign keys on and one user per role.
pub(super) fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    crate::db::migrate(&mut conn).unwrap();
    for (id, name, role) in [
        (ADMIN, "admin", "administrator"),
        (DOCTOR, "doc", "provider"),
        (DESK, "desk", "staff"),
        (AUDITOR, "aud", "auditor"),
    ] {
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES (?1, ?2, ?2, ?3, ?4, ?4)",
            params![id, name, role, super::time_text(t0())],
        )
        .unwrap();
    }
    conn
}
