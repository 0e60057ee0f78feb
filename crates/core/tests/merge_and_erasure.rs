//! Merging duplicates and undoing the merge (exactly the rows moved go
//! back; what was added since stays), and erasure on request (every row of
//! the record gone, the search index without its terms, one audit entry
//! naming no one), with the permissions each needs.

mod common;

use std::io::Cursor;

use chartvault_core::CoreError;
use chartvault_core::access::{Effect, Permission};
use chartvault_core::audit::{Action, Filter};
use chartvault_core::clock::Clock;
use chartvault_core::records::{
    ChartList, ConsentScope, NewAttachment, NewConsent, NewVisit, PatientFields, Soap, VisitKind,
};
use chartvault_core::session::Session;
use chartvault_seal::{OpenOptions, Unlock, Vault};
use common::*;

fn visit_with_note(w: &World, s: &mut Session, patient: i64, text: &str) -> i64 {
    let at = w.clock.now();
    let v = s
        .record_visit(patient, &NewVisit { started_at: at, kind: VisitKind::Office, provider: None, reason: None })
        .unwrap();
    s.save_note(v.id, &Soap { subjective: text.into(), ..Soap::default() }).unwrap();
    v.id
}

/// Two records of one person, the duplicate with a visit, an allergy, an
/// attachment, a consent and identifiers (one the kept record lacks, one it
/// has with another value, one the same).
fn duplicates(w: &World, pat: &mut Session) -> (i64, i64) {
    let kept = pat.register_patient(&person("Grace", "Hopper")).unwrap().id;
    let dup =
        pat.register_patient(&PatientFields { phone: Some("555-0100".into()), ..person("Grace", "Hoper") }).unwrap().id;
    pat.set_patient_identifier(kept, "NHS", Some("9434765919")).unwrap();
    pat.set_patient_identifier(kept, "insurer", Some("AX-1")).unwrap();
    pat.set_patient_identifier(dup, "NHS", Some("9434765919")).unwrap();
    pat.set_patient_identifier(dup, "insurer", Some("BZ-2")).unwrap();
    pat.set_patient_identifier(dup, "passport", Some("P123")).unwrap();
    visit_with_note(w, pat, dup, "wheezing after xylophonist rehearsal");
    pat.add_chart_entry(dup, ChartList::Allergies, &[("substance", Some("Latex"))]).unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR0000";
    pat.add_attachment(
        dup,
        &NewAttachment { file_name: "card.png", description: None, size: png.len() as u64 },
        &mut Cursor::new(png),
    )
    .unwrap();
    let today = w.clock_today();
    pat.record_consent(
        dup,
        &NewConsent { scope: ConsentScope::Treatment, granted_on: today, expires_on: None, note: None },
    )
    .unwrap();
    (kept, dup)
}

#[test]
fn a_merge_moves_the_duplicates_chart_and_its_undo_moves_back_exactly_that() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, dup) = duplicates(&w, &mut pat);
    let (m, counts) = pat.merge_patients(kept, dup).unwrap();
    assert_eq!(
        counts.moved,
        [("visits", 1), ("allergies", 1), ("attachments", 1), ("consents", 1), ("identifiers", 1)]
    );
    assert_eq!(counts.identifier_conflicts, [("insurer".into(), "AX-1".into(), "BZ-2".into())]);
    assert_eq!(pat.patient_visits(kept).unwrap().len(), 1);
    assert_eq!(pat.chart_entries(kept, ChartList::Allergies).unwrap().len(), 1);
    assert_eq!(pat.attachments(kept).unwrap().len(), 1);
    assert_eq!(pat.consents(kept).unwrap().len(), 1);
    let ids = pat.patient_identifiers(kept).unwrap();
    assert!(ids.contains(&("passport".into(), "P123".into())) && ids.contains(&("insurer".into(), "AX-1".into())));
    let d = pat.patient(dup).unwrap();
    assert_eq!(d.merged_into, Some(kept));
    assert!(d.archived_at.is_some(), "the duplicate leaves the active lists");
    assert_eq!(pat.patient_visits(dup).unwrap().len(), 0);
    let found = pat.find_patients("xylophonist", false, 10).unwrap();
    assert_eq!(found.iter().map(|h| h.id).collect::<Vec<_>>(), [kept], "the note's words moved in the index");

    assert!(matches!(pat.merge_patients(kept, dup), Err(CoreError::MergeRefused(_))), "merged already");
    assert_eq!(pat.patient_merges(kept).unwrap(), std::slice::from_ref(&m));
    assert_eq!(pat.patient_merges(dup).unwrap(), std::slice::from_ref(&m), "listed on both records");
    let later = visit_with_note(&w, &mut pat, kept, "seen again after the merge");

    let back = pat.undo_merge(m.id).unwrap();
    assert_eq!(back.moved, [("visits", 1), ("allergies", 1), ("attachments", 1), ("consents", 1), ("identifiers", 1)]);
    let kept_visits: Vec<i64> = pat.patient_visits(kept).unwrap().iter().map(|v| v.visit.id).collect();
    assert_eq!(kept_visits, [later], "what was added since stays with the kept record");
    assert_eq!(pat.patient_visits(dup).unwrap().len(), 1);
    let d = pat.patient(dup).unwrap();
    assert_eq!((d.merged_into, d.archived_at), (None, None), "the duplicate is back as it was");
    assert!(pat.patient_identifiers(dup).unwrap().contains(&("passport".into(), "P123".into())));
    assert!(!pat.patient_identifiers(kept).unwrap().iter().any(|(s, _)| s == "passport"));
    assert_eq!(pat.find_patients("xylophonist", false, 10).unwrap().iter().map(|h| h.id).collect::<Vec<_>>(), [dup]);
    assert!(matches!(pat.undo_merge(m.id), Err(CoreError::MergeAlreadyUndone(_))));
    pat.logout().unwrap();

    let mut ada = w.admin();
    for patient in [kept, dup] {
        let trail = ada.audit_list(&Filter { patient_id: Some(patient), ..Filter::default() }).unwrap();
        let merged = trail.iter().find(|e| e.event.action == Action::PatientMerge).expect("merge entry");
        assert_eq!(merged.event.target_kind.as_deref(), Some("merge"));
        assert_eq!(merged.event.target_id.as_deref(), Some(m.id.to_string().as_str()), "the entry names its merge");
        assert!(trail.iter().any(|e| e.event.action == Action::PatientMergeUndone));
    }
}

#[test]
fn merges_that_would_confuse_records_are_refused_and_staff_may_not_merge() {
    let w = world();
    add_staff(&w);
    let mut pat = provider(&w);
    let a = pat.register_patient(&person("Grace", "Hopper")).unwrap().id;
    let b = pat.register_patient(&person("Grace", "Hopper")).unwrap().id;
    let vip = pat.register_patient(&PatientFields { restricted: true, ..person("Grace", "Hopper") }).unwrap().id;
    assert!(matches!(pat.merge_patients(a, a), Err(CoreError::MergeRefused(_))));
    pat.archive_patient(b).unwrap();
    assert!(matches!(pat.merge_patients(b, a), Err(CoreError::MergeRefused(m)) if m.contains("archived")));
    pat.unarchive_patient(b).unwrap();
    // The provider may not open the restricted record at all; with the grant, the flags still differ.
    assert!(matches!(pat.merge_patients(a, vip), Err(CoreError::Denied(Permission::RestrictedRecordRead))));
    pat.logout().unwrap();
    let mut ada = w.admin();
    ada.set_override("pat", Permission::RestrictedRecordRead, Some(Effect::Grant)).unwrap();
    ada.logout().unwrap();
    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    assert!(matches!(pat.merge_patients(a, vip), Err(CoreError::MergeRefused(m)) if m.contains("restricted")));
    pat.logout().unwrap();

    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    assert!(matches!(sam.merge_patients(a, b), Err(CoreError::Denied(Permission::PatientMerge))));
}

fn raw_count(w: &World, sql: &str) -> i64 {
    let v = Vault::open(&w.vault(), Unlock::Password { slot: "ada", password: &pw(ADMIN_PW) }, &OpenOptions::default())
        .unwrap();
    v.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn erasure_removes_every_row_of_the_record_and_its_merged_duplicate_and_its_search_terms() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, dup) = duplicates(&w, &mut pat);
    let other = pat.register_patient(&person("Ada", "Byron")).unwrap().id;
    visit_with_note(&w, &mut pat, other, "unrelated note stays");
    pat.merge_patients(kept, dup).unwrap();
    assert!(matches!(pat.erase_patient(kept, "REQ-2030-17"), Err(CoreError::Denied(Permission::PatientErase))));
    pat.logout().unwrap();

    let mut ada = w.admin();
    assert!(matches!(ada.erase_patient(kept, "REQ-2030-17"), Err(CoreError::Denied(_))), "no role holds it by default");
    ada.set_override("pat", Permission::PatientErase, Some(Effect::Grant)).unwrap();
    ada.logout().unwrap();

    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    w.clock.advance(chrono::Duration::minutes(6));
    let r = pat.erase_patient(kept, "REQ-2030-17");
    assert!(matches!(r, Err(CoreError::PasswordNeeded)), "a password entered minutes ago is asked again: {r:?}");
    pat.reauthenticate(&pw(PROVIDER_NEW_PW)).unwrap();
    assert!(matches!(pat.erase_patient(kept, "Grace Hopper's request"), Err(CoreError::InvalidClinicalField { .. })));
    let erased = pat.erase_patient(kept, "REQ-2030-17").unwrap();
    assert_eq!(erased.records, 2, "the duplicate merged into it is the same person");
    assert!(erased.rows >= 10, "{erased:?}");
    assert!(matches!(pat.patient(kept), Err(CoreError::NoSuchPatient(_))));
    assert!(matches!(pat.patient(dup), Err(CoreError::NoSuchPatient(_))));
    assert!(pat.find_patients("xylophonist", true, 10).unwrap().is_empty());
    assert!(pat.find_patients("Hopper", true, 10).unwrap().is_empty());
    assert_eq!(pat.find_patients("unrelated", false, 10).unwrap().len(), 1, "others are untouched");
    pat.logout().unwrap();

    for table in ["visits", "allergies", "attachments", "consents", "patient_identifiers"] {
        let n = raw_count(&w, &format!("SELECT count(*) FROM {table} WHERE patient_id IN ({kept}, {dup})"));
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(raw_count(&w, "SELECT count(*) FROM attachment_content"), 0);
    assert_eq!(raw_count(&w, "SELECT count(*) FROM visit_notes"), 1, "only the other patient's note is left");
    assert_eq!(raw_count(&w, "SELECT count(*) FROM erasure_in_progress"), 0);
    assert_eq!(raw_count(&w, "SELECT count(*) FROM patient_merges"), 0);
    let v = Vault::open(&w.vault(), Unlock::Password { slot: "ada", password: &pw(ADMIN_PW) }, &OpenOptions::default())
        .unwrap();
    v.conn().execute_batch("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, patient_search, 'row')").unwrap();
    for term in ["xylophonist", "hopper", "hoper", "p123", "5550100"] {
        let n: i64 =
            v.conn().query_row("SELECT count(*) FROM temp.vocab WHERE term = ?1", [term], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "no index segment keeps {term}");
    }
    let n: i64 =
        v.conn().query_row("SELECT count(*) FROM temp.vocab WHERE term = 'unrelated'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    drop(v);

    let mut ada = w.admin();
    let trail = ada.audit_list(&Filter { action: Some(Action::PatientErased), ..Filter::default() }).unwrap();
    assert_eq!(trail.len(), 2, "one entry for each record erased");
    let e = &trail.iter().find(|e| e.event.patient_id == Some(kept)).unwrap().event;
    let text = format!("{:?} {:?}", e.detail, e.changes);
    assert!(text.contains("REQ-2030-17") && !text.contains("Hopper") && !text.contains("MRN"), "{text}");

    // Every earlier entry is still there and chained, but what it said of
    // the erased patient no longer opens.
    let everything = ada.audit_list(&Filter::default()).unwrap();
    let about = |id: i64| everything.iter().filter(move |e| e.event.patient_id == Some(id));
    assert!(about(kept).count() > 5 && about(dup).count() > 5, "the entries stay");
    let all_text: String = everything.iter().map(|e| format!("{:?} {:?}\n", e.event.detail, e.event.changes)).collect();
    for gone in ["Hopper", "Hoper", "9434765919", "P123", "555-0100", "xylophonist", "card.png", "MRN-000001"] {
        assert!(!all_text.contains(gone), "{gone} is still readable in the trail");
    }
    assert!(
        about(kept).any(|e| e.event.changes.iter().any(|c| c.new.as_deref() == Some(chartvault_core::audit::ERASED))),
        "values read as erased"
    );
    assert!(all_text.contains("Byron"), "another patient's entries still read");
    let report = ada.audit_verify(None).unwrap();
    assert!(report.is_ok(), "the chain is whole: {report:?}");
}

#[test]
fn the_no_delete_guards_still_hold_outside_an_erasure() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, _) = duplicates(&w, &mut pat);
    pat.logout().unwrap();
    let v = Vault::open(&w.vault(), Unlock::Password { slot: "ada", password: &pw(ADMIN_PW) }, &OpenOptions::default())
        .unwrap();
    for sql in [
        format!("DELETE FROM patients WHERE id = {kept}"),
        "DELETE FROM visit_notes".into(),
        "DELETE FROM allergies".into(),
        "DELETE FROM attachments".into(),
        "DELETE FROM consents".into(),
        "DELETE FROM chart_history".into(),
        "DELETE FROM attachment_content".into(),
        "UPDATE attachment_content SET body = x'00'".into(),
        "DELETE FROM audit_subject_keys".into(),
        "UPDATE audit_subject_keys SET key = zeroblob(32)".into(),
    ] {
        assert!(v.conn().execute(&sql, []).is_err(), "{sql} is refused");
    }
    // Around the triggers, a key's removal still shows: verification names it.
    v.conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_subject_keys_no_delete; DELETE FROM audit_subject_keys WHERE patient_id = {kept};"
        ))
        .unwrap();
    drop(v);
    let mut ada = w.admin();
    let report = ada.audit_verify(None).unwrap();
    let problem = report.first_problem.expect("a removed key is found");
    assert_eq!(problem.kind, chartvault_core::audit::ProblemKind::SubjectKeyMissing { patient_id: kept });
    assert!(problem.to_string().contains("without an erasure"), "{problem}");
    ada.logout().unwrap();
}

#[test]
fn a_withdrawn_consent_moves_with_a_merge_and_back_with_its_undo() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, dup) = duplicates(&w, &mut pat);
    let today = w.clock_today();
    let c = pat
        .record_consent(
            dup,
            &NewConsent { scope: ConsentScope::Research, granted_on: today, expires_on: None, note: None },
        )
        .unwrap();
    pat.withdraw_consent(c.id).unwrap();
    let (m, counts) = pat.merge_patients(kept, dup).unwrap();
    assert!(counts.moved.contains(&("consents", 2)), "{counts:?}");
    // Withdrawn after the merge, on the record it moved to: the undo still works.
    let moved = pat.consents(kept).unwrap().into_iter().find(|c| c.scope == ConsentScope::Treatment).unwrap();
    pat.withdraw_consent(moved.id).unwrap();
    pat.undo_merge(m.id).unwrap();
    let back = pat.consents(dup).unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|c| c.withdrawn_at.is_some()), "both withdrawn, as recorded");
}

#[test]
fn an_undo_moves_back_the_identifier_it_moved_not_a_later_one_of_the_same_system() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, dup) = duplicates(&w, &mut pat);
    let (m, _) = pat.merge_patients(kept, dup).unwrap();
    pat.set_patient_identifier(kept, "passport", Some("P999")).unwrap();
    pat.undo_merge(m.id).unwrap();
    assert!(
        pat.patient_identifiers(kept).unwrap().contains(&("passport".into(), "P999".into())),
        "the new value stays"
    );
    assert!(!pat.patient_identifiers(dup).unwrap().iter().any(|(s, _)| s == "passport"));
}

#[test]
fn a_merged_duplicate_is_not_erased_alone_and_an_erased_id_is_never_given_again() {
    let w = world();
    let mut pat = provider(&w);
    let (kept, dup) = duplicates(&w, &mut pat);
    pat.merge_patients(kept, dup).unwrap();
    pat.logout().unwrap();
    let mut ada = w.admin();
    ada.set_override("pat", Permission::PatientErase, Some(Effect::Grant)).unwrap();
    ada.logout().unwrap();
    let mut pat = w.try_login("pat", PROVIDER_NEW_PW, None).unwrap();
    let e = pat.erase_patient(dup, "REQ-1").unwrap_err();
    assert!(
        matches!(e, CoreError::MergeRefused(m) if m.contains("erase that one")),
        "the chart lives on the kept record"
    );
    assert!(pat.patient_visits(kept).unwrap().len() == 1, "nothing was erased");
    let erased = pat.erase_patient(kept, "REQ-1").unwrap();
    assert!(erased.log_truncated);
    let next = pat.register_patient(&person("New", "Person")).unwrap();
    assert!(next.id > dup.max(kept), "ids {kept} and {dup} are never given again (got {})", next.id);
    assert!(matches!(
        pat.break_glass(next.id + 1, Permission::PatientRead, "a grant on a record not yet registered"),
        Err(CoreError::NoSuchPatient(_))
    ));
}
