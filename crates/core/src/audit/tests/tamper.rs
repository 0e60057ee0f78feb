//! Tampering by someone with raw SQL access who drops the triggers (and,
//! where said, holds the chain key): `verify` names the first problem's
//! seq and kind.

use chartvault_seal::rusqlite::types::ValueRef;

use super::*;
use crate::audit::append::{entry_values, format_time, insert_row};
use crate::audit::chain::ChainInput;
use crate::audit::{ChainHead, Problem, ProblemKind, head, verify, verify_against, verify_with_progress};

const N: i64 = 8;
const K: i64 = 4;

/// A sound log of `N` entries, its key, and no triggers.
fn setup() -> (Connection, AuditKey) {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, N);
    assert!(verify(&conn, &key).unwrap().is_ok());
    drop_triggers(&conn);
    (conn, key)
}

fn first(conn: &Connection, key: &AuditKey) -> Problem {
    let report = verify(conn, key).unwrap();
    let problem = report.first_problem.expect("a problem");
    assert!(problem.to_string().contains(&problem.seq.to_string()), "{problem}");
    problem
}

fn at(seq: i64, kind: ProblemKind) -> Problem {
    Problem { seq, kind }
}

fn hash_of(conn: &Connection, seq: i64) -> Vec<u8> {
    conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| r.get(0)).unwrap()
}

fn sql(conn: &Connection, sql: &str) {
    conn.execute_batch(sql).unwrap();
}

/// Moves entries from `from` on up by one seq, leaving `from` free.
fn renumber_up(conn: &Connection, from: i64) {
    for table in ["audit_log", "audit_changes"] {
        sql(conn, &format!("UPDATE {table} SET seq = seq + 1000000 WHERE seq >= {from}"));
        sql(conn, &format!("UPDATE {table} SET seq = seq - 999999 WHERE seq >= 1000000"));
    }
}

/// Deletes entry `seq` with its changes.
fn delete(conn: &Connection, seq: i64) {
    sql(conn, &format!("DELETE FROM audit_changes WHERE seq = {seq}; DELETE FROM audit_log WHERE seq = {seq};"));
}

/// Writes a forged entry at `seq` linked to `prev`, hashed under `key`.
fn forge(conn: &Connection, key: &AuditKey, seq: i64, prev: Vec<u8>) {
    let (actor, event) = sample(seq);
    let event = event.detail("forged");
    let (fields, changes) = entry_values(seq, &actor, &ws(), format_time(t(10 * seq + 5)).unwrap(), &event);
    let hash = ChainInput::new(ValueRef::Blob(&prev), &fields, &changes).hash(key, seq);
    insert_row(conn, fields, changes, prev, hash).unwrap();
}

#[test]
fn an_edited_field_of_an_entry_is_named_altered() {
    let edits = [
        ("at", "'2099-01-01T00:00:00.000000000Z'"),
        ("user_id", "77"),
        ("username", "'eve'"),
        ("workstation_host", "'elsewhere'"),
        ("workstation_id", "'ffffffffffffffffffffffffffffffff'"),
        ("action", "'logout'"),
        ("target_kind", "NULL"),
        ("target_id", "'p5'"),
        ("patient_id", "NULL"),
        ("result", "'success'"),
        ("detail", "''"),
        ("emergency", "1"),
        ("prev_hash", "zeroblob(32)"),
        ("hash", "randomblob(32)"),
    ];
    for (column, value) in edits {
        let (conn, key) = setup();
        sql(&conn, &format!("UPDATE audit_log SET {column} = {value} WHERE seq = {K}"));
        assert_eq!(first(&conn, &key), at(K, ProblemKind::Altered), "{column}");
    }
}

#[test]
fn an_edited_added_or_removed_change_is_named_altered() {
    let edits = [
        "UPDATE audit_changes SET new_value = 'latex-free' WHERE seq = 4 AND field = 'allergy'",
        "UPDATE audit_changes SET old_value = '' WHERE seq = 4 AND field = 'allergy'",
        "UPDATE audit_changes SET field = 'fax' WHERE seq = 4 AND field = 'phone'",
        "INSERT INTO audit_changes VALUES (4, 'note', NULL, 'added')",
        "DELETE FROM audit_changes WHERE seq = 4 AND field = 'allergy'",
    ];
    for edit in edits {
        let (conn, key) = setup();
        sql(&conn, edit);
        assert_eq!(first(&conn, &key), at(K, ProblemKind::Altered), "{edit}");
    }
}

#[test]
fn a_deleted_entry_is_named_missing() {
    let (conn, key) = setup();
    delete(&conn, K);
    assert_eq!(first(&conn, &key), at(K, ProblemKind::Missing { count: 1 }));

    let (conn, key) = setup();
    delete(&conn, K);
    delete(&conn, K + 1);
    let p = first(&conn, &key);
    assert_eq!(p, at(K, ProblemKind::Missing { count: 2 }));
    assert!(p.to_string().contains("entries 4 to 5 are missing"), "{p}");

    let (conn, key) = setup();
    delete(&conn, 1);
    assert_eq!(first(&conn, &key), at(1, ProblemKind::Missing { count: 1 }));
}

#[test]
fn an_entry_forged_without_the_key_between_two_is_named_inserted() {
    let (conn, key) = setup();
    let prev = hash_of(&conn, K);
    renumber_up(&conn, K + 1);
    forge(&conn, &AuditKey::from_bytes([0x5a; 32]), K + 1, prev);
    assert_eq!(first(&conn, &key), at(K + 1, ProblemKind::Inserted { hash_valid: false }));
}

#[test]
fn an_entry_made_with_the_key_but_a_wrong_link_between_two_is_named_inserted() {
    let zeros = |_: &Connection| vec![0u8; 32];
    let earlier = |conn: &Connection| hash_of(conn, K - 1);
    for link in [&zeros as &dyn Fn(&Connection) -> Vec<u8>, &earlier] {
        let (conn, key) = setup();
        let prev = link(&conn);
        renumber_up(&conn, K + 1);
        forge(&conn, &key, K + 1, prev);
        assert_eq!(first(&conn, &key), at(K + 1, ProblemKind::Inserted { hash_valid: true }));
    }
}

#[test]
fn an_entry_replaced_with_the_key_breaks_a_link() {
    // Linked correctly itself: the entry after it no longer follows.
    let (conn, key) = setup();
    delete(&conn, K);
    forge(&conn, &key, K, hash_of(&conn, K - 1));
    assert_eq!(first(&conn, &key), at(K + 1, ProblemKind::BrokenLink));

    // Linked wrongly: it does not follow the entry before.
    let (conn, key) = setup();
    delete(&conn, K);
    forge(&conn, &key, K, vec![0; 32]);
    assert_eq!(first(&conn, &key), at(K, ProblemKind::BrokenLink));
}

fn swap(conn: &Connection, a: i64, b: i64) {
    for table in ["audit_log", "audit_changes"] {
        sql(
            conn,
            &format!(
                "UPDATE {table} SET seq = -1 WHERE seq = {a}; UPDATE {table} SET seq = {a} WHERE seq = {b};
                 UPDATE {table} SET seq = {b} WHERE seq = -1;"
            ),
        );
    }
}

#[test]
fn swapped_entries_are_named_reordered() {
    let (conn, key) = setup();
    swap(&conn, K, K + 1);
    assert_eq!(first(&conn, &key), at(K, ProblemKind::Reordered { belongs_at: K + 1 }));

    let (conn, key) = setup();
    swap(&conn, 3, 7);
    assert_eq!(first(&conn, &key), at(3, ProblemKind::Reordered { belongs_at: 7 }));
}

#[test]
fn a_deletion_hidden_by_renumbering_is_named_reordered() {
    let (conn, key) = setup();
    delete(&conn, K);
    for table in ["audit_log", "audit_changes"] {
        sql(&conn, &format!("UPDATE {table} SET seq = seq - 1 WHERE seq > {K}"));
    }
    assert_eq!(first(&conn, &key), at(K, ProblemKind::Reordered { belongs_at: K + 1 }));
}

/// A cut tail leaves a sound, shorter chain: only a head recorded before
/// shows it.
#[test]
fn a_deleted_last_entry_shows_only_against_a_recorded_head() {
    let (mut conn, key) = setup();
    let recorded: ChainHead = head(&conn).unwrap().unwrap();
    assert_eq!(recorded.seq, N);
    assert!(verify_against(&conn, &key, &recorded).unwrap().is_ok());

    delete(&conn, N);
    let report = verify(&conn, &key).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!((report.entries, report.head.map(|h| h.seq)), (N as u64 - 1, Some(N - 1)));
    let p = verify_against(&conn, &key, &recorded).unwrap().first_problem.unwrap();
    assert_eq!(p, at(N, ProblemKind::Truncated { recorded: N }));
    assert!(p.to_string().contains("entries 8 to 8 were removed"), "{p}");

    delete(&conn, N - 1);
    let p = verify_against(&conn, &key, &recorded).unwrap().first_problem.unwrap();
    assert_eq!(p, at(N - 1, ProblemKind::Truncated { recorded: N }));

    // Written on after the cut: a sound chain, but not the recorded one.
    let (actor, event) = sample(1);
    add(&mut conn, &key, &actor, t(1000), &event);
    add(&mut conn, &key, &actor, t(1001), &event);
    assert!(verify(&conn, &key).unwrap().is_ok());
    let p = verify_against(&conn, &key, &recorded).unwrap().first_problem.unwrap();
    assert_eq!(p, at(N, ProblemKind::Rewritten));
}

#[test]
fn changes_left_behind_by_a_deleted_entry_are_named() {
    let (conn, key) = setup();
    sql(&conn, &format!("DELETE FROM audit_log WHERE seq = {N}"));
    assert_eq!(first(&conn, &key), at(N, ProblemKind::OrphanChanges));
}

#[test]
fn the_first_problem_is_named_and_a_wrong_key_fails_at_the_first_entry() {
    let (conn, key) = setup();
    sql(&conn, "UPDATE audit_log SET detail = 'x' WHERE seq IN (3, 6)");
    assert_eq!(first(&conn, &key), at(3, ProblemKind::Altered));

    let (conn, _) = setup();
    assert_eq!(first(&conn, &AuditKey::from_bytes([1; 32])), at(1, ProblemKind::Altered));
}

#[test]
fn progress_is_reported_to_the_end() {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, 2100);
    let mut calls = Vec::new();
    let report = verify_with_progress(&conn, &key, &mut |done, total| {
        calls.push((done, total));
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert!(report.is_ok());
    assert_eq!(calls, [(1024, 2100), (2048, 2100), (2100, 2100)]);
}

#[test]
fn a_verification_stopped_midway_says_so_rather_than_reporting_a_sound_chain() {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, 2100);
    let result = verify_with_progress(&conn, &key, &mut |done, _| {
        if done >= 1024 { std::ops::ControlFlow::Break(()) } else { std::ops::ControlFlow::Continue(()) }
    });
    assert!(matches!(result, Err(crate::CoreError::Cancelled)), "{result:?}");
}
