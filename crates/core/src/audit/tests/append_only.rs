//! The triggers: entries and changes cannot be changed, deleted, replaced,
//! or inserted anywhere but at the end, through SQL.

use super::*;
use crate::audit::verify;

fn refused(conn: &Connection, sql: &str, says: &str) {
    let err = conn.execute_batch(sql).expect_err(sql).to_string();
    assert!(err.contains("the audit trail is append-only"), "{sql}: {err}");
    assert!(err.contains(says), "{sql}: {err}");
}

#[test]
fn update_and_delete_are_refused_on_both_tables() {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, 4);
    refused(&conn, "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2", "cannot be updated");
    refused(&conn, "UPDATE audit_log SET seq = 9 WHERE seq = 4", "cannot be updated");
    refused(&conn, "DELETE FROM audit_log WHERE seq = 4", "cannot be deleted");
    refused(&conn, "DELETE FROM audit_log", "cannot be deleted");
    refused(&conn, "UPDATE audit_changes SET new_value = 'x' WHERE seq = 2", "cannot be updated");
    refused(&conn, "DELETE FROM audit_changes WHERE seq = 2", "cannot be deleted");
    let report = verify(&conn, &key).unwrap();
    assert!(report.is_ok() && report.entries == 4, "{report:?}");
}

#[test]
fn replacing_or_inserting_other_than_at_the_end_is_refused() {
    let mut conn = db();
    let key = key_of(&mut conn);
    fill(&mut conn, &key, 4);
    let copy_of = |seq: i64, new_seq: &str| {
        format!(
            "INSERT OR REPLACE INTO audit_log SELECT {new_seq}, at, user_id, username, workstation_host, workstation_id,
             action, target_kind, target_id, patient_id, result, 'forged', emergency, prev_hash, hash
             FROM audit_log WHERE seq = {seq}"
        )
    };
    // REPLACE deletes the old row without firing DELETE triggers.
    refused(&conn, &copy_of(2, "2"), "only be added after the last one");
    refused(&conn, &copy_of(2, "7"), "only be added after the last one");
    refused(&conn, &copy_of(2, "0"), "only be added after the last one");
    // Changes only for the last entry, never replaced.
    refused(
        &conn,
        "INSERT INTO audit_changes (seq, field, old_value, new_value) VALUES (2, 'zz', NULL, 'x')",
        "only be added to the last entry",
    );
    refused(
        &conn,
        "INSERT OR REPLACE INTO audit_changes (seq, field, old_value, new_value) VALUES (4, 'phone', NULL, 'x')",
        "only be added to the last entry",
    );
    // An upsert's insert is refused before its DO UPDATE is reached.
    refused(
        &conn,
        "INSERT INTO audit_changes (seq, field, old_value, new_value) VALUES (4, 'phone', NULL, 'x')
         ON CONFLICT (seq, field) DO UPDATE SET new_value = 'x'",
        "only be added to the last entry",
    );
    refused(
        &conn,
        "INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = 3 ON CONFLICT (seq) DO UPDATE SET detail = 'x'",
        "only be added after the last one",
    );
    assert!(verify(&conn, &key).unwrap().is_ok());
    // The end is still open to append.
    let (actor, event) = sample(5);
    assert_eq!(add(&mut conn, &key, &actor, t(50), &event), 5);
    assert!(verify(&conn, &key).unwrap().is_ok());
}
