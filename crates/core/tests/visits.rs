//! Visits through core on a sealed vault: a visit with vitals (ranges
//! checked), a SOAP draft saved twice with its changes audited, signing
//! that locks the note, addenda that only amend a signed note, the chart
//! read back whole and audited, note text found by search, and the roles
//! that may not.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::audit::{Action, Filter};
use chartvault_core::clock::Clock;
use chartvault_core::records::{NewVisit, PatientFields, Soap, VisitKind, Vitals};
use common::*;

fn patient() -> PatientFields {
    person("Grace", "Hopper")
}

fn bp(s: i64, d: i64) -> Vitals {
    Vitals { systolic: Some(s), diastolic: Some(d), ..Vitals::default() }
}

#[test]
fn a_visit_note_is_drafted_signed_then_only_amended_and_the_chart_reads_back_whole() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&patient()).unwrap();
    let now = w.clock.now();
    let visit = pat
        .record_visit(
            p.id,
            &NewVisit { started_at: now, kind: VisitKind::Office, provider: Some("pat"), reason: Some("cough") },
        )
        .unwrap();
    pat.record_vitals(
        visit.id,
        &Vitals { pulse: Some(72), temperature_c: Some(37.9), spo2: Some(97), ..bp(128, 84) },
        now,
    )
    .unwrap();
    for (v, field) in [
        (bp(84, 128), "blood pressure"),
        (Vitals { systolic: Some(120), ..Vitals::default() }, "blood pressure"),
        (Vitals { temperature_c: Some(98.6), ..Vitals::default() }, "temperature"),
        (Vitals { spo2: Some(101), ..Vitals::default() }, "SpO2"),
        (Vitals { weight_kg: Some(f64::NAN), ..Vitals::default() }, "weight"),
        (Vitals::default(), "vital signs"),
    ] {
        match pat.record_vitals(visit.id, &v, now) {
            Err(CoreError::InvalidClinicalField { field: f, why }) => assert_eq!(f, field, "{why}"),
            other => panic!("{v:?} was not refused: {other:?}"),
        }
    }

    let draft = Soap { subjective: "Dry cough for 3 days".into(), ..Soap::default() };
    pat.save_note(visit.id, &draft).unwrap();
    let fuller =
        Soap { assessment: "Viral bronchitis".into(), plan: "Fluids, review in a week".into(), ..draft.clone() };
    pat.save_note(visit.id, &fuller).unwrap();
    pat.sign_note(visit.id).unwrap();
    assert!(matches!(pat.save_note(visit.id, &draft), Err(CoreError::NoteSigned(_))), "a signed note is not edited");
    assert!(matches!(pat.sign_note(visit.id), Err(CoreError::NoteSigned(_))));
    pat.add_addendum(visit.id, "Chest X-ray clear.").unwrap();
    assert!(matches!(pat.add_addendum(visit.id, "  "), Err(CoreError::InvalidClinicalField { .. })));

    let second = pat
        .record_visit(p.id, &NewVisit { started_at: now, kind: VisitKind::Telephone, provider: None, reason: None })
        .unwrap();
    assert!(
        matches!(pat.add_addendum(second.id, "x"), Err(CoreError::NoteNotSigned(_))),
        "an addendum amends a signed note"
    );
    assert!(
        matches!(pat.sign_note(second.id), Err(CoreError::InvalidClinicalField { field: "note", .. })),
        "nothing to sign"
    );

    let chart = pat.patient_visits(p.id).unwrap();
    assert_eq!(chart.len(), 2);
    let first = chart.iter().find(|v| v.visit.id == visit.id).unwrap();
    let note = first.note.as_ref().unwrap();
    assert_eq!(note.soap, fuller, "the signed text reads back unchanged");
    assert!(note.signed.is_some());
    assert_eq!(first.addenda.len(), 1);
    assert_eq!(first.vitals.len(), 1);
    assert_eq!(first.vitals[0].vitals.temperature_c, Some(37.9));
    assert_eq!(first.visit.reason.as_deref(), Some("cough"));

    let hits = pat.find_patients("bronch", false, 10).unwrap();
    assert_eq!(hits.len(), 1, "note text is searched");
    let hits = pat.find_patients("x-ray", false, 10).unwrap();
    assert_eq!(hits.len(), 1, "and addenda");
    pat.logout().unwrap();

    let mut admin = w.admin();
    let entries = admin.audit_list(&Filter { patient_id: Some(p.id), ..Filter::default() }).unwrap();
    let saves: Vec<_> = entries.iter().filter(|e| e.event.detail.as_deref() == Some("note draft saved")).collect();
    assert_eq!(saves.len(), 2);
    let second_save: Vec<(&str, Option<&str>)> =
        saves[0].event.changes.iter().map(|c| (c.field.as_str(), c.new.as_deref())).collect();
    assert_eq!(second_save, [("assessment", Some("Viral bronchitis")), ("plan", Some("Fluids, review in a week"))]);
    assert!(entries.iter().any(|e| e.event.detail.as_deref() == Some("note signed")));
    assert!(
        entries
            .iter()
            .any(|e| e.event.action == Action::PatientRead && e.event.target_kind.as_deref() == Some("visits"))
    );
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn staff_may_register_patients_but_not_write_or_read_the_clinical_record() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&patient()).unwrap();
    let visit = pat
        .record_visit(
            p.id,
            &NewVisit { started_at: w.clock.now(), kind: VisitKind::Office, provider: None, reason: None },
        )
        .unwrap();
    pat.logout().unwrap();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let new = NewVisit { started_at: w.clock.now(), kind: VisitKind::Office, provider: None, reason: None };
    assert!(matches!(sam.record_visit(p.id, &new), Err(CoreError::Denied(Permission::ClinicalWrite))));
    assert!(matches!(sam.save_note(visit.id, &Soap::default()), Err(CoreError::Denied(Permission::ClinicalWrite))));
    assert!(matches!(sam.patient_visits(p.id), Err(CoreError::Denied(Permission::ClinicalRead))));
    assert!(matches!(sam.record_visit(999, &new), Err(CoreError::Denied(_))), "refused before anything is looked up");
}

#[test]
fn a_visit_for_no_patient_or_an_archived_one_is_refused() {
    let w = world();
    let mut pat = provider(&w);
    let new = NewVisit { started_at: w.clock.now(), kind: VisitKind::Office, provider: None, reason: None };
    assert!(matches!(pat.record_visit(4242, &new), Err(CoreError::NoSuchPatient(4242))));
    let p = pat.register_patient(&patient()).unwrap();
    pat.archive_patient(p.id).unwrap();
    assert!(matches!(pat.record_visit(p.id, &new), Err(CoreError::PatientArchived(_))));
    let unknown = NewVisit { provider: Some("nobody"), ..new };
    pat.unarchive_patient(p.id).unwrap();
    assert!(matches!(pat.record_visit(p.id, &unknown), Err(CoreError::NoSuchUser(_))));
    assert!(matches!(pat.save_note(77, &Soap::default()), Err(CoreError::NoSuchVisit(77))));
}
