//! Emergency access: one patient, one permission, until expiry; reasons;
//! what may not be granted; review.

use chrono::Duration;

use super::{ADMIN, AUDITOR, DESK, DOCTOR, db, t0};
use crate::CoreError;
use crate::access::emergency::{
    DEFAULT_DURATION, MAX_DURATION, MIN_REASON_CHARS, active_grant, get, invoke, is_active, mark_reviewed,
    pending_review,
};
use crate::access::{Decision, Effect, Permission, Role, allowed, emergency_grantable, set_override};
use crate::clock::{Clock, ManualClock};

const PATIENT: i64 = 41;
const OTHER_PATIENT: i64 = 42;
const REASON: &str = "patient collapsed at the front desk";

#[test]
fn a_grant_opens_one_patient_for_one_permission_until_it_expires() {
    let mut conn = db();
    let clock = ManualClock::at(t0());
    let p = Permission::ClinicalRead;
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, Some(PATIENT), clock.now()).unwrap(), Decision::Denied);

    let tx = conn.transaction().unwrap();
    let g = invoke(&tx, DESK, PATIENT, p, REASON, clock.now(), DEFAULT_DURATION).unwrap();
    tx.commit().unwrap();
    assert_eq!((g.user_id, g.patient_id, g.permission, g.reason.as_str()), (DESK, PATIENT, p, REASON));
    assert_eq!(g.expires_at, t0() + Duration::hours(1));
    assert_eq!(get(&conn, g.id).unwrap().unwrap(), g, "stored as returned");

    let by_emergency = Decision::AllowedByEmergency(g.id);
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, Some(PATIENT), clock.now()).unwrap(), by_emergency);
    assert!(is_active(&conn, DESK, PATIENT, p, clock.now()).unwrap());
    // Not another patient, not another permission, not without a patient, not another user.
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, Some(OTHER_PATIENT), clock.now()).unwrap(), Decision::Denied);
    assert_eq!(
        allowed(&conn, DESK, Role::Staff, Permission::AttachmentWrite, Some(PATIENT), clock.now()).unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        allowed(&conn, DESK, Role::Staff, Permission::RestrictedRecordRead, Some(PATIENT), clock.now()).unwrap(),
        Decision::Denied
    );
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, None, clock.now()).unwrap(), Decision::Denied);
    assert_eq!(allowed(&conn, AUDITOR, Role::Auditor, p, Some(PATIENT), clock.now()).unwrap(), Decision::Denied);

    clock.advance(Duration::minutes(59) + Duration::seconds(59));
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, Some(PATIENT), clock.now()).unwrap(), by_emergency);
    clock.advance(Duration::seconds(1));
    assert!(!is_active(&conn, DESK, PATIENT, p, clock.now()).unwrap(), "expired at expires_at");
    assert_eq!(allowed(&conn, DESK, Role::Staff, p, Some(PATIENT), clock.now()).unwrap(), Decision::Denied);
    // Nor before it began (a clock set back).
    assert!(!is_active(&conn, DESK, PATIENT, p, t0() - Duration::seconds(1)).unwrap());
}

#[test]
fn the_role_comes_first_and_a_deny_override_shuts_emergency_access_too() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    invoke(&tx, DOCTOR, PATIENT, Permission::PatientRead, REASON, t0(), DEFAULT_DURATION).unwrap();
    let g = invoke(&tx, ADMIN, PATIENT, Permission::PatientRead, REASON, t0(), DEFAULT_DURATION).unwrap();
    set_override(&tx, ADMIN, Permission::PatientRead, Some(Effect::Deny), ADMIN, t0()).unwrap();
    tx.commit().unwrap();
    let now = t0() + Duration::minutes(1);
    assert_eq!(
        allowed(&conn, DOCTOR, Role::Provider, Permission::PatientRead, Some(PATIENT), now).unwrap(),
        Decision::Allowed
    );
    assert!(is_active(&conn, ADMIN, PATIENT, Permission::PatientRead, now).unwrap());
    assert_eq!(active_grant(&conn, ADMIN, PATIENT, Permission::PatientRead, now).unwrap(), Some(g.id));
    assert_eq!(
        allowed(&conn, ADMIN, Role::Administrator, Permission::PatientRead, Some(PATIENT), now).unwrap(),
        Decision::Denied
    );
}

#[test]
fn the_longest_lasting_active_grant_is_named() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    let long = invoke(&tx, DESK, PATIENT, Permission::PatientRead, REASON, t0(), Duration::hours(2)).unwrap();
    invoke(&tx, DESK, PATIENT, Permission::PatientRead, REASON, t0(), Duration::minutes(10)).unwrap();
    tx.commit().unwrap();
    let at = |m| active_grant(&conn, DESK, PATIENT, Permission::PatientRead, t0() + Duration::minutes(m)).unwrap();
    assert_eq!(at(1), Some(long.id));
    assert_eq!(at(30), Some(long.id));
    assert_eq!(at(120), None);
}

#[test]
fn short_reasons_and_bad_durations_are_refused() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    let p = Permission::PatientRead;
    for reason in ["", "          ", "\t\n urgent \n", "123456789"] {
        let e = invoke(&tx, DESK, PATIENT, p, reason, t0(), DEFAULT_DURATION).unwrap_err();
        assert!(matches!(e, CoreError::EmergencyReasonTooShort { min: MIN_REASON_CHARS }), "{reason:?}: {e}");
        assert!(e.to_string().contains("at least 10 characters"), "{e}");
    }
    let g = invoke(&tx, DESK, PATIENT, p, "  ambulance  ", t0(), DEFAULT_DURATION).unwrap_err();
    assert!(matches!(g, CoreError::EmergencyReasonTooShort { .. }), "trimmed: 9 characters");
    let g = invoke(&tx, DESK, PATIENT, p, "  ambulance! \n", t0(), DEFAULT_DURATION).unwrap();
    assert_eq!(g.reason, "ambulance!", "stored trimmed");
    for lasts in [Duration::zero(), Duration::seconds(-1), MAX_DURATION + Duration::seconds(1)] {
        let e = invoke(&tx, DESK, PATIENT, p, REASON, t0(), lasts).unwrap_err();
        assert!(matches!(e, CoreError::EmergencyDurationOutOfRange { max_hours: 24 }), "{lasts}: {e}");
    }
    invoke(&tx, DESK, PATIENT, p, REASON, t0(), MAX_DURATION).unwrap();
    // The schema refuses a short reason written around the code.
    let raw = tx.execute(
        "INSERT INTO emergency_access (user_id, patient_id, permission, reason, started_at, expires_at)
         VALUES (?1, 1, 'patient_read', '   short   ', 'a', 'b')",
        [DESK],
    );
    assert!(raw.is_err());
}

#[test]
fn only_patient_level_reading_may_be_granted() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    for p in Permission::ALL.iter().copied().filter(|p| !emergency_grantable(*p)) {
        let e = invoke(&tx, ADMIN, PATIENT, p, REASON, t0(), DEFAULT_DURATION).unwrap_err();
        assert!(matches!(e, CoreError::NotEmergencyGrantable(q) if q == p), "{p}: {e}");
        assert!(e.to_string().contains(p.name()), "{e}");
    }
    for p in [
        Permission::UserAdmin,
        Permission::PolicyAdmin,
        Permission::Rekey,
        Permission::BackupRestore,
        Permission::NoteSign,
        Permission::PatientExport,
    ] {
        assert!(invoke(&tx, ADMIN, PATIENT, p, REASON, t0(), DEFAULT_DURATION).is_err(), "{p}");
    }
    // A row written around the code for such a permission grants nothing.
    tx.execute(
        "INSERT INTO emergency_access (user_id, patient_id, permission, reason, started_at, expires_at)
         VALUES (?1, ?2, 'rekey', ?3, ?4, ?5)",
        chartvault_seal::rusqlite::params![
            ADMIN,
            PATIENT,
            REASON,
            crate::access::time_text(t0()),
            crate::access::time_text(t0() + DEFAULT_DURATION)
        ],
    )
    .unwrap();
    assert!(!is_active(&tx, ADMIN, PATIENT, Permission::Rekey, t0()).unwrap());
    assert_eq!(allowed(&tx, DESK, Role::Staff, Permission::Rekey, Some(PATIENT), t0()).unwrap(), Decision::Denied);
}

#[test]
fn grants_wait_for_review_once_by_someone_else() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    let a = invoke(&tx, DESK, PATIENT, Permission::ClinicalRead, REASON, t0(), DEFAULT_DURATION).unwrap();
    let b = invoke(
        &tx,
        ADMIN,
        OTHER_PATIENT,
        Permission::PatientRead,
        REASON,
        t0() + Duration::minutes(1),
        DEFAULT_DURATION,
    )
    .unwrap();
    tx.commit().unwrap();
    assert_eq!(pending_review(&conn).unwrap(), [a.clone(), b.clone()]);

    let later = t0() + Duration::hours(3);
    let tx = conn.transaction().unwrap();
    assert!(matches!(mark_reviewed(&tx, b.id, ADMIN, later, None), Err(CoreError::EmergencySelfReview)));
    assert!(matches!(mark_reviewed(&tx, 999, ADMIN, later, None), Err(CoreError::EmergencyGrantNotFound(999))));
    let reviewed = mark_reviewed(&tx, a.id, ADMIN, later, Some("  checked with the provider  ")).unwrap();
    tx.commit().unwrap();
    let review = reviewed.review.clone().unwrap();
    assert_eq!((review.by, review.at, review.note.as_deref()), (ADMIN, later, Some("checked with the provider")));
    assert_eq!(get(&conn, a.id).unwrap().unwrap(), reviewed);
    assert_eq!(pending_review(&conn).unwrap(), std::slice::from_ref(&b));

    let tx = conn.transaction().unwrap();
    assert!(matches!(mark_reviewed(&tx, a.id, AUDITOR, later, None), Err(CoreError::EmergencyGrantAlreadyReviewed(_))));
    let rb = mark_reviewed(&tx, b.id, DOCTOR, later, Some("   ")).unwrap();
    tx.commit().unwrap();
    assert_eq!(rb.review.unwrap().note, None, "a blank note is none");
    assert!(pending_review(&conn).unwrap().is_empty());
}

#[test]
fn grants_are_kept_and_only_their_review_is_written() {
    let mut conn = db();
    let tx = conn.transaction().unwrap();
    let g = invoke(&tx, DESK, PATIENT, Permission::PatientRead, REASON, t0(), DEFAULT_DURATION).unwrap();
    tx.commit().unwrap();
    assert!(conn.execute("DELETE FROM emergency_access", []).is_err());
    assert!(conn.execute("UPDATE emergency_access SET expires_at = '9999-01-01T00:00:00Z'", []).is_err());
    assert!(conn.execute("UPDATE emergency_access SET reviewed_by = 1", []).is_err(), "reviewer and time together");
    let tx = conn.transaction().unwrap();
    mark_reviewed(&tx, g.id, ADMIN, t0(), None).unwrap();
    tx.commit().unwrap();
    assert!(conn.execute("UPDATE emergency_access SET review_note = 'changed my mind'", []).is_err());
    assert_eq!(get(&conn, g.id).unwrap().unwrap().review.unwrap().note, None);
}
