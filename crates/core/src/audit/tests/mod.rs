//! Tests of the audit trail, named for what they guard; fixtures here.

mod append_only;
mod queries;
mod roundtrip;
mod sealed_vault;
mod tamper;

use chartvault_seal::rusqlite::Connection;
use chrono::{DateTime, Utc};

use super::{Action, Actor, AuditKey, Event, Outcome, Workstation, append};

/// An in-memory database at the latest schema.
pub(super) fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn
}

/// The database's chain key, made on first call.
pub(super) fn key_of(conn: &mut Connection) -> AuditKey {
    let tx = conn.transaction().unwrap();
    let key = AuditKey::load_or_create(&tx).unwrap();
    tx.commit().unwrap();
    key
}

/// A fixed time plus `secs`, with nanoseconds (they must survive storage).
pub(super) fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + secs, 123_456_789).unwrap()
}

pub(super) fn ws() -> Workstation {
    Workstation::new("front-desk", "00112233445566778899aabbccddeeff")
}

/// Appends one entry in its own transaction.
pub(super) fn add(conn: &mut Connection, key: &AuditKey, actor: &Actor, at: DateTime<Utc>, event: &Event) -> i64 {
    let tx = conn.transaction().unwrap();
    let seq = append(&tx, key, actor, &ws(), at, event).unwrap();
    tx.commit().unwrap();
    seq
}

/// The `i`th of a varied series of entries: every action in turn, three
/// users, patients on some, every outcome, changes on every other.
pub(super) fn sample(i: i64) -> (Actor, Event) {
    let actor = match i % 3 {
        0 => Actor::user(1, "alice"),
        1 => Actor::user(2, "bob"),
        _ => Actor::unknown("mallory"),
    };
    let action = Action::ALL[usize::try_from(i).unwrap() % Action::ALL.len()];
    let mut event = Event::new(action).target("patient", format!("p{i}"));
    if i % 4 != 3 {
        event = event.patient(100 + i % 4);
    }
    event.outcome = Outcome::ALL[usize::try_from(i).unwrap() % 3];
    if i % 2 == 0 {
        event = event.change("phone", Some("555-0100"), Some(&format!("555-01{i:02}"))).change(
            "allergy",
            None,
            Some("latex"),
        );
    }
    if i % 5 == 0 {
        event = event.detail(format!("reason {i}")).emergency();
    }
    (actor, event)
}

/// Appends `sample(1..=n)` at times `t(10 * i)`.
pub(super) fn fill(conn: &mut Connection, key: &AuditKey, n: i64) {
    for i in 1..=n {
        let (actor, event) = sample(i);
        assert_eq!(add(conn, key, &actor, t(10 * i), &event), i);
    }
}

/// Lets a test edit the log as an attacker with raw SQL access would:
/// no triggers, no foreign-key checks.
pub(super) fn drop_triggers(conn: &Connection) {
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_append_at_end;
         DROP TRIGGER audit_changes_no_update; DROP TRIGGER audit_changes_no_delete;
         DROP TRIGGER audit_changes_to_last_entry;",
    )
    .unwrap();
}
