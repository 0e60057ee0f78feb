//! Problems, allergies and medications on a sealed vault: fields checked
//! by their list's description (required, dates, fixed words, date order),
//! defaults filled, every change kept in the entry's history with both
//! values, entries marked in error rather than deleted, and the roles that
//! may not.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::records::{ChartList, PatientFields};
use common::*;

fn patient() -> PatientFields {
    person("Grace", "Hopper")
}

#[test]
fn entries_are_checked_by_their_list_and_every_change_is_kept() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&patient()).unwrap();
    let pen = pat
        .add_chart_entry(p.id, ChartList::Allergies, &[("substance", Some("Penicillin")), ("reaction", Some("hives"))])
        .unwrap();
    assert_eq!(pen.get("severity"), Some("unknown"), "defaults are filled");
    assert_eq!(pen.get("status"), Some("active"));
    let pen = pat.update_chart_entry(ChartList::Allergies, pen.id, &[("severity", Some("Severe"))]).unwrap();
    assert_eq!(pen.get("severity"), Some("severe"));
    assert_eq!(pen.get("reaction"), Some("hives"), "fields not given keep their values");

    let med = pat
        .add_chart_entry(
            p.id,
            ChartList::Medications,
            &[("name", Some("Amoxicillin")), ("route", Some("oral")), ("start_date", Some("2026-11-01"))],
        )
        .unwrap();
    pat.update_chart_entry(ChartList::Medications, med.id, &[("status", Some("entered_in_error"))]).unwrap();
    let history = pat.chart_entry_history(ChartList::Medications, med.id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.field.as_str(), last.old.as_deref(), last.new.as_deref()),
        ("status", Some("active"), Some("entered_in_error"))
    );
    assert_eq!(last.changed_by, "pat");
    assert!(history.iter().any(|h| h.field == "name" && h.old.is_none()), "the first values are history too");

    for (list, values, field) in [
        (ChartList::Problems, vec![("status", Some("active"))], "Problem"),
        (ChartList::Problems, vec![("description", Some("Asthma")), ("onset", Some("last spring"))], "Onset"),
        (
            ChartList::Problems,
            vec![("description", Some("Asthma")), ("onset", Some("2020-05-01")), ("resolved", Some("2019-01-01"))],
            "Resolved",
        ),
        (ChartList::Allergies, vec![("substance", Some("Nuts")), ("severity", Some("deadly"))], "Severity"),
        (ChartList::Medications, vec![("name", Some("X")), ("route", Some("by magic"))], "Route"),
        (ChartList::Medications, vec![("name", Some("X")), ("colour", Some("red"))], "field"),
    ] {
        match pat.add_chart_entry(p.id, list, &values) {
            Err(CoreError::InvalidClinicalField { field: f, why }) => assert_eq!(f, field, "{why}"),
            other => panic!("{values:?} was not refused: {other:?}"),
        }
    }
    let meds = pat.chart_entries(p.id, ChartList::Medications).unwrap();
    assert_eq!(meds.len(), 1, "the entry in error is kept");
    assert_eq!(pat.chart_entries(p.id, ChartList::Allergies).unwrap().len(), 1);
    assert!(pat.chart_entries(p.id, ChartList::Problems).unwrap().is_empty(), "refused entries wrote nothing");
}

#[test]
fn staff_neither_read_nor_write_the_lists_and_a_missing_patient_is_told() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&patient()).unwrap();
    let a = pat.add_chart_entry(p.id, ChartList::Allergies, &[("substance", Some("Latex"))]).unwrap();
    assert!(matches!(
        pat.add_chart_entry(999, ChartList::Problems, &[("description", Some("x"))]),
        Err(CoreError::NoSuchPatient(999))
    ));
    pat.logout().unwrap();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    assert!(matches!(sam.chart_entries(p.id, ChartList::Allergies), Err(CoreError::Denied(Permission::ClinicalRead))));
    assert!(matches!(
        sam.update_chart_entry(ChartList::Allergies, a.id, &[("status", Some("inactive"))]),
        Err(CoreError::Denied(Permission::ClinicalWrite))
    ));
    assert!(
        matches!(
            sam.update_chart_entry(ChartList::Allergies, 4242, &[]),
            Err(CoreError::Denied(Permission::ClinicalWrite))
        ),
        "no hint whether an entry exists"
    );
}
