//! Patients through core on a real sealed vault: registering under the
//! clinic's record-number format, every read and write audited with
//! previous and new values, archive and bring back (never delete),
//! restricted records refused without a grant or emergency access, and
//! each permission's denial changing nothing.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::{Effect, Permission};
use chartvault_core::audit::{Action, Filter};
use chartvault_core::records::PatientFields;
use common::*;

fn grace() -> PatientFields {
    PatientFields { phone: Some("555-0100".into()), ..person("Grace", "Hopper") }
}

fn staff(w: &World) -> chartvault_core::session::Session {
    add_staff(w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    sam
}

#[test]
fn a_registered_patient_gets_the_next_record_number_and_every_read_and_write_is_audited() {
    let w = world();
    let mut admin = w.admin();
    admin.set_policy("mrn_format", "RFC-#####").unwrap();
    admin.logout().unwrap();
    let mut sam = staff(&w);
    let p = sam.register_patient(&grace()).unwrap();
    assert_eq!(p.mrn, "RFC-00001");
    let q = sam.register_patient(&PatientFields { given_name: "Alan".into(), ..grace() }).unwrap();
    assert_eq!(q.mrn, "RFC-00002");
    let read = sam.patient(p.id).unwrap();
    assert_eq!(read.fields.family_name, "Hopper");

    let edited = sam
        .update_patient(
            p.id,
            &PatientFields { phone: Some("555-0199".into()), email: Some("g@example.org".into()), ..grace() },
        )
        .unwrap();
    assert_eq!(edited.fields.phone.as_deref(), Some("555-0199"));
    sam.patient(p.id).unwrap();
    sam.logout().unwrap();

    let mut admin = w.admin();
    let entries = admin.audit_list(&Filter { patient_id: Some(p.id), ..Filter::default() }).unwrap();
    let actions: Vec<Action> = entries.iter().map(|e| e.event.action).collect();
    assert_eq!(actions, [Action::PatientRead, Action::PatientWrite, Action::PatientRead, Action::PatientWrite]);
    let update = &entries[1].event;
    let changes: Vec<(&str, Option<&str>, Option<&str>)> =
        update.changes.iter().map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(changes, [("email", None, Some("g@example.org")), ("phone", Some("555-0100"), Some("555-0199"))]);
    let registered = &entries[3].event;
    assert!(registered.changes.iter().any(|c| c.field == "mrn" && c.new.as_deref() == Some("RFC-00001")));
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn an_unchanged_edit_writes_nothing_and_a_bad_field_is_refused_by_name() {
    let w = world();
    let mut sam = staff(&w);
    let p = sam.register_patient(&grace()).unwrap();
    sam.update_patient(p.id, &grace()).unwrap();
    let bad = sam.update_patient(p.id, &PatientFields { email: Some("nope".into()), ..grace() });
    assert!(matches!(bad, Err(CoreError::InvalidPatientField { field: "e-mail", .. })), "{bad:?}");
    assert!(matches!(sam.patient(9999), Err(CoreError::NoSuchPatient(9999))));
    sam.logout().unwrap();
    let mut admin = w.admin();
    let writes = admin
        .audit_list(&Filter { patient_id: Some(p.id), action: Some(Action::PatientWrite), ..Filter::default() })
        .unwrap();
    assert_eq!(writes.len(), 1, "only the registration");
}

#[test]
fn an_archived_record_is_kept_refuses_edits_and_comes_back() {
    let w = world();
    let mut sam = staff(&w);
    let p = sam.register_patient(&grace()).unwrap();
    assert!(matches!(sam.archive_patient(p.id), Err(CoreError::Denied(Permission::PatientArchive))), "staff may not");
    sam.logout().unwrap();
    let mut admin = w.admin();
    admin.set_override("sam", Permission::PatientArchive, Some(Effect::Grant)).unwrap();
    admin.logout().unwrap();
    let mut sam = w.try_login("sam", STAFF_NEW_PW, None).unwrap();
    sam.archive_patient(p.id).unwrap();
    assert!(sam.patient(p.id).unwrap().archived_at.is_some());
    assert!(matches!(sam.update_patient(p.id, &grace()), Err(CoreError::PatientArchived(_))));
    sam.unarchive_patient(p.id).unwrap();
    assert!(sam.patient(p.id).unwrap().archived_at.is_none());
}

#[test]
fn a_restricted_record_needs_a_grant_or_emergency_access_and_a_refusal_is_audited() {
    let w = world();
    let mut sam = staff(&w);
    let vip = sam.register_patient(&PatientFields { restricted: true, ..grace() }).unwrap();
    let refused = sam.patient(vip.id);
    assert!(matches!(refused, Err(CoreError::Denied(Permission::RestrictedRecordRead))), "{refused:?}");
    let grant = sam.break_glass(vip.id, Permission::RestrictedRecordRead, "patient collapsed at reception").unwrap();
    assert!(grant.expires_at > grant.started_at);
    let read = sam.patient(vip.id).unwrap();
    assert!(read.fields.restricted);
    sam.logout().unwrap();
    let mut admin = w.admin();
    let entries = admin.audit_list(&Filter { patient_id: Some(vip.id), ..Filter::default() }).unwrap();
    let read_entry = entries.iter().find(|e| e.event.action == Action::PatientRead).expect("the read is audited");
    assert!(read_entry.event.emergency, "the read under emergency access is flagged");
    assert!(entries.iter().any(|e| e.event.action == Action::PermissionDenied), "the refusal is audited");
}

#[test]
fn roles_without_the_permission_are_refused_and_nothing_is_written() {
    let w = world();
    let mut admin = w.admin();
    assert!(matches!(admin.register_patient(&grace()), Err(CoreError::Denied(Permission::PatientWrite))));
    assert!(matches!(admin.patient(1), Err(CoreError::Denied(Permission::PatientRead))));
    let denied = admin.audit_list(&Filter { action: Some(Action::PermissionDenied), ..Filter::default() }).unwrap();
    assert_eq!(denied.len(), 2);
    assert!(admin.audit_list(&Filter { action: Some(Action::PatientWrite), ..Filter::default() }).unwrap().is_empty());
}
