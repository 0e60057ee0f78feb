//! The demo data generator on a real sealed vault: a seed makes the same
//! patients (names, record numbers), another seed others; the counts are
//! as asked and readable through the session's readers; one audit entry per
//! batch; refused to those who do not hold a provider's permissions.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::audit::{Action, Filter};
use chartvault_core::demo::{DemoOptions, DemoProgress};
use chartvault_core::records::ChartList;
use chartvault_core::session::Session;
use common::*;

/// (MRN, given name, family name, date of birth) of every patient the
/// session may see, by record number.
fn roster(s: &mut Session) -> Vec<(String, String, String, String)> {
    let mut all: Vec<_> = s
        .find_patients("", true, 200)
        .unwrap()
        .into_iter()
        .map(|h| (h.mrn, h.given_name, h.family_name, h.date_of_birth.to_string()))
        .collect();
    all.sort();
    all
}

fn generate(seed: u64) -> Vec<(String, String, String, String)> {
    let w = world();
    let mut pat = provider(&w);
    let opts = DemoOptions { patients: 40, visits_per_patient: 2, seed, batch: 15 };
    pat.generate_demo(&opts, &mut |_| {}).unwrap();
    roster(&mut pat)
}

#[test]
fn a_seed_makes_the_same_patients_and_another_seed_others() {
    let a = generate(42);
    assert!(a.len() >= 35, "most of the 40 are not restricted: {}", a.len());
    assert_eq!(a[0].0, "MRN-000001");
    assert_eq!(a, generate(42), "same seed, same patients");
    let b = generate(43);
    assert_ne!(a.iter().map(|p| &p.1).collect::<Vec<_>>(), b.iter().map(|p| &p.1).collect::<Vec<_>>());
}

#[test]
fn the_counts_are_as_asked_the_charts_read_back_and_each_batch_is_audited_once() {
    let w = world();
    let mut pat = provider(&w);
    let opts = DemoOptions { patients: 25, visits_per_patient: 4, seed: 7, batch: 10 };
    let mut seen: Vec<DemoProgress> = Vec::new();
    let r = pat.generate_demo(&opts, &mut |p| seen.push(*p)).unwrap();
    assert_eq!((r.counts.patients, r.counts.visits), (25, 100));
    assert_eq!(r.mrns, Some(("MRN-000001".to_owned(), "MRN-000025".to_owned())));
    let done: Vec<(u64, u64)> = seen.iter().map(|p| (p.patients_done, p.visits_done)).collect();
    assert_eq!(done, [(10, 40), (20, 80), (25, 100)]);
    assert!(r.counts.signed_notes > 0 && r.counts.signed_notes <= r.counts.notes && r.counts.notes <= 100);
    assert!(r.counts.vitals > 0 && r.counts.consents > 0 && r.counts.list_entries > 0);

    let hits = pat.find_patients("", false, 200).unwrap();
    let mut visits = 0;
    let mut lists = 0;
    for h in &hits {
        visits += pat.patient_visits(h.id).unwrap().len();
        for list in ChartList::ALL {
            lists += pat.chart_entries(h.id, list).unwrap().len();
        }
        pat.consents(h.id).unwrap();
        pat.attachments(h.id).unwrap();
    }
    assert_eq!(visits, hits.len() * 4, "every visible patient has 4 visits");
    assert!(lists > 0);
    let (id, note) = hits
        .iter()
        .find_map(|h| {
            let visits = pat.patient_visits(h.id).unwrap();
            visits.into_iter().find_map(|v| v.note).map(|n| (h.id, n.soap.assessment))
        })
        .expect("a note among 25 patients");
    let word = note.split_whitespace().next().unwrap();
    let found = pat.find_patients(word, false, 200).unwrap();
    assert!(found.iter().any(|h| h.id == id), "the note's words are searchable: {word}");
    pat.logout().unwrap();

    let mut admin = w.admin();
    let demo = admin.audit_list(&Filter { action: Some(Action::PatientWrite), ..Filter::default() }).unwrap();
    assert_eq!(demo.len(), 3, "one entry per batch, none per row");
    assert!(demo.iter().all(|e| e.event.target_kind.as_deref() == Some("demo")));
    assert!(
        demo[0].event.detail.as_deref().unwrap().contains("synthetic demo data, not a person's record: 5 patients")
    );
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn an_administrator_or_staff_member_may_not_generate_and_nothing_is_written() {
    let w = world();
    let mut admin = w.admin();
    let e = admin.generate_demo(&DemoOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, CoreError::Denied(Permission::PatientWrite)), "{e}");
    admin.logout().unwrap();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let e = sam.generate_demo(&DemoOptions::default(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, CoreError::Denied(Permission::ClinicalWrite)), "{e}");
    assert!(sam.find_patients("", true, 10).unwrap().is_empty());
}

#[test]
fn the_demo_csv_imports_cleanly_with_every_row_registered() {
    let w = world();
    let mut pat = provider(&w);
    let csv = chartvault_core::demo::patients_csv(5, 300, w.clock_today()).unwrap();
    let r = pat.import_patients(&mut &csv[..], chartvault_core::records::ImportMode::AllOrNothing).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.imported.len()), (300, 300));
}

#[test]
fn a_chart_opens_in_one_read_with_one_audit_entry_and_holds_what_the_single_readers_give() {
    let w = world();
    let mut pat = provider(&w);
    let opts = DemoOptions { patients: 6, visits_per_patient: 3, seed: 3, batch: 10 };
    pat.generate_demo(&opts, &mut |_| {}).unwrap();
    let id = pat.find_patients("", false, 10).unwrap()[0].id;
    let chart = pat.open_chart(id).unwrap();
    assert_eq!(chart.patient, pat.patient(id).unwrap());
    assert_eq!(chart.identifiers, pat.patient_identifiers(id).unwrap());
    assert_eq!(chart.consents, pat.consents(id).unwrap());
    assert_eq!(chart.visits.as_ref().map(Vec::len), Some(3));
    assert_eq!(chart.visits, Some(pat.patient_visits(id).unwrap()));
    let lists: Vec<_> = ChartList::ALL.into_iter().map(|l| (l, pat.chart_entries(id, l).unwrap())).collect();
    assert_eq!(chart.lists, Some(lists));
    assert_eq!(chart.attachments, Some(pat.attachments(id).unwrap()));
    pat.logout().unwrap();
    add_staff(&w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    let front_desk = sam.open_chart(id).unwrap();
    assert_eq!((front_desk.visits, front_desk.lists), (None, None), "left out, not refused");
    assert_eq!(front_desk.patient, chart.patient);
    sam.logout().unwrap();

    let mut admin = w.admin();
    let reads = admin.audit_list(&Filter { action: Some(Action::PatientRead), ..Filter::default() }).unwrap();
    let charts: Vec<_> = reads.iter().filter(|e| e.event.target_kind.as_deref() == Some("chart")).collect();
    assert_eq!(charts.len(), 2, "one entry per opening");
    assert!(charts[1].event.detail.as_deref().unwrap().contains("visits and lists"));
    assert!(!charts[0].event.detail.as_deref().unwrap().contains("visits"), "{:?}", charts[0].event.detail);
    assert!(admin.audit_list(&Filter::default()).unwrap().iter().all(|e| e.event.action != Action::PermissionDenied));
}

#[test]
fn a_search_matching_most_of_the_clinic_lists_the_newest_name_matches_first_in_name_order() {
    let w = world();
    let mut pat = provider(&w);
    let opts = DemoOptions { patients: 1500, visits_per_patient: 2, seed: 9, batch: 1500 };
    pat.generate_demo(&opts, &mut |_| {}).unwrap();
    // "a" starts a word of most notes ("and", "after"): more than are ranked.
    let hits = pat.find_patients("a", false, 50).unwrap();
    assert_eq!(hits.len(), 50);
    let starts_with_a = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .any(|w| w.chars().next().is_some_and(|c| "aáàâäåāãăAÁÀÂÄÅĀÃĂ".contains(c)))
    };
    for h in &hits {
        assert!(starts_with_a(&h.given_name) || starts_with_a(&h.family_name), "{h:?} is not a name match");
    }
    let keys: Vec<(String, String)> =
        hits.iter().map(|h| (h.family_name.to_ascii_lowercase(), h.given_name.to_ascii_lowercase())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "in name order");
    // A word only notes hold: the patients whose notes have it, in name order.
    let asthma = pat.find_patients("asthma", false, 200).unwrap();
    assert!(!asthma.is_empty());
}
