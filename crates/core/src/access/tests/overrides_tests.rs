//! Overrides: deny, then grant, then role.

use chartvault_seal::rusqlite::params;
use chrono::Duration;

use super::{ADMIN, AUDITOR, DESK, DOCTOR, db, t0};
use crate::CoreError;
use crate::access::{
    Decision, Effect, Permission, Role, allowed, effective, overrides, role_permissions, set_override,
};

#[test]
fn without_overrides_the_role_decides() {
    let conn = db();
    for (user, role) in
        [(ADMIN, Role::Administrator), (DOCTOR, Role::Provider), (DESK, Role::Staff), (AUDITOR, Role::Auditor)]
    {
        assert_eq!(effective(&conn, user, role).unwrap(), role_permissions(role), "{role}");
        assert!(overrides(&conn, user).unwrap().is_empty());
    }
}

#[test]
fn grant_beats_role_deny_beats_both_and_clearing_restores_the_role() {
    let mut conn = db();
    let p = Permission::ClinicalRead;
    assert!(!effective(&conn, AUDITOR, Role::Auditor).unwrap().contains(p));

    let tx = conn.transaction().unwrap();
    assert_eq!(set_override(&tx, AUDITOR, p, Some(Effect::Grant), ADMIN, t0()).unwrap(), None);
    tx.commit().unwrap();
    let set = effective(&conn, AUDITOR, Role::Auditor).unwrap();
    assert!(set.contains(p), "a grant adds to the role");
    assert_eq!(set.len(), role_permissions(Role::Auditor).len() + 1, "and adds nothing else");
    assert_eq!(allowed(&conn, AUDITOR, Role::Auditor, p, None, t0()).unwrap(), Decision::Allowed);

    let tx = conn.transaction().unwrap();
    let later = t0() + Duration::minutes(5);
    assert_eq!(set_override(&tx, AUDITOR, p, Some(Effect::Deny), ADMIN, later).unwrap(), Some(Effect::Grant));
    tx.commit().unwrap();
    assert!(!effective(&conn, AUDITOR, Role::Auditor).unwrap().contains(p), "a deny replaces the grant");
    let o = overrides(&conn, AUDITOR).unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!((o[0].permission, o[0].effect, o[0].set_by, o[0].set_at), (p, Effect::Deny, Some(ADMIN), later));

    // A deny beats the role too.
    let tx = conn.transaction().unwrap();
    set_override(&tx, DOCTOR, Permission::NoteSign, Some(Effect::Deny), ADMIN, t0()).unwrap();
    tx.commit().unwrap();
    let doc = effective(&conn, DOCTOR, Role::Provider).unwrap();
    assert!(!doc.contains(Permission::NoteSign));
    assert_eq!(doc, role_permissions(Role::Provider).without(Permission::NoteSign));
    assert_eq!(allowed(&conn, DOCTOR, Role::Provider, Permission::NoteSign, Some(7), t0()).unwrap(), Decision::Denied);

    // Clearing restores the role, for both.
    let tx = conn.transaction().unwrap();
    assert_eq!(set_override(&tx, AUDITOR, p, None, ADMIN, t0()).unwrap(), Some(Effect::Deny));
    assert_eq!(set_override(&tx, DOCTOR, Permission::NoteSign, None, ADMIN, t0()).unwrap(), Some(Effect::Deny));
    assert_eq!(set_override(&tx, DOCTOR, Permission::NoteSign, None, ADMIN, t0()).unwrap(), None);
    tx.commit().unwrap();
    assert_eq!(effective(&conn, AUDITOR, Role::Auditor).unwrap(), role_permissions(Role::Auditor));
    assert_eq!(effective(&conn, DOCTOR, Role::Provider).unwrap(), role_permissions(Role::Provider));
}

#[test]
fn overrides_are_per_user() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    set_override(&tx, DESK, Permission::PatientExport, Some(Effect::Grant), ADMIN, t0()).unwrap();
    tx.commit().unwrap();
    assert!(effective(&conn, DESK, Role::Staff).unwrap().contains(Permission::PatientExport));
    assert!(!effective(&conn, AUDITOR, Role::Staff).unwrap().contains(Permission::PatientExport));
}

#[test]
fn an_unknown_permission_in_the_table_is_refused_when_read() {
    let conn = db();
    conn.execute(
        "INSERT INTO user_permission_overrides (user_id, permission, effect, set_by, set_at) VALUES (?1, 'launch_rockets', 'grant', ?2, ?3)",
        params![DESK, ADMIN, crate::access::time_text(t0())],
    )
    .unwrap();
    assert!(matches!(overrides(&conn, DESK), Err(CoreError::UnknownPermission(n)) if n == "launch_rockets"));
    assert!(matches!(effective(&conn, DESK, Role::Staff), Err(CoreError::UnknownPermission(_))));
    assert!(matches!(
        allowed(&conn, DESK, Role::Staff, Permission::PatientRead, None, t0()),
        Err(CoreError::UnknownPermission(_))
    ));
    // Another user's overrides are unaffected.
    assert!(overrides(&conn, DOCTOR).unwrap().is_empty());
}

#[test]
fn a_bad_stored_time_is_refused_and_the_schema_checks_the_effect() {
    let conn = db();
    let bad = conn.execute(
        "INSERT INTO user_permission_overrides (user_id, permission, effect, set_at) VALUES (?1, 'rekey', 'maybe', 'x')",
        [DESK],
    );
    assert!(bad.is_err(), "effect CHECK");
    assert!(matches!(Effect::parse("maybe"), Err(CoreError::UnknownOverrideEffect(_))));
    conn.execute(
        "INSERT INTO user_permission_overrides (user_id, permission, effect, set_at) VALUES (?1, 'rekey', 'grant', 'yesterday')",
        [DESK],
    )
    .unwrap();
    assert!(matches!(overrides(&conn, DESK), Err(CoreError::BadStoredTime(s)) if s == "yesterday"));
}

#[test]
fn an_override_names_an_existing_user() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    assert!(set_override(&tx, 99, Permission::Rekey, Some(Effect::Grant), ADMIN, t0()).is_err(), "user_id");
    assert!(set_override(&tx, DESK, Permission::Rekey, Some(Effect::Grant), 99, t0()).is_err(), "set_by");
}
