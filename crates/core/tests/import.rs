//! Importing patients from CSV through a session on a real sealed vault:
//! a good file registered under the clinic's record numbers with an audit
//! entry per patient and one for the import; a dry run writes nothing (not
//! even a record number); all-or-nothing writes nothing when one row is
//! bad; skip-bad registers the good rows; who may import; unreadable files.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::{Permission, Role};
use chartvault_core::admin::NewUser;
use chartvault_core::audit::{Action, Filter};
use chartvault_core::records::{ImportMode, ImportReport};
use chartvault_core::session::Session;
use common::*;

const AUDITOR_PW: &str = "Lilac ferries hum near Tromsø";

fn staff(w: &World) -> Session {
    add_staff(w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    sam
}

fn import(s: &mut Session, csv: &str, mode: ImportMode) -> ImportReport {
    s.import_patients(&mut csv.as_bytes(), mode).unwrap()
}

fn writes(s: &mut Session) -> Vec<chartvault_core::audit::Entry> {
    s.audit_list(&Filter { action: Some(Action::PatientWrite), ..Filter::default() }).unwrap()
}

const GOOD: &str = "\u{feff}given_name,family_name,date_of_birth,sex,phone,identifier:NHS,notes\r\n\
                    José,Núñez,1961-04-12,male,555-0142,9434765919,\r\n\
                    Mary Ann,Smith,1970-01-01,female,,,\"two\r\nlines\"\r\n";

const ONE_BAD: &str = "given_name,family_name,date_of_birth,sex,notes\n\
                       Grace,Hopper,1906-12-09,female,\"first line\n\nthird line\"\n\
                       Alan,Turing,12/06/1912,male,\n\
                       Ada,Lovelace,1915-12-10,female,\n";

#[test]
fn a_good_file_is_registered_in_order_with_an_audit_entry_per_patient_and_one_summary() {
    let w = world();
    let mut sam = staff(&w);
    let good = "given_name,family_name,date_of_birth,sex,phone,email,identifier:NHS\n\
                José,Núñez,1961-04-12,male,555-0142,jose@example.org,9434765919\n\
                Åsa,Lindqvist,2001-02-03,female,,,\n";
    let r = import(&mut sam, good, ImportMode::AllOrNothing);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.good_rows, r.imported.len()), (2, 2, 2));
    assert_eq!(r.imported[0].mrn, "MRN-000001");
    assert_eq!((r.imported[1].line, r.imported[1].mrn.as_str()), (3, "MRN-000002"));
    let hits = sam.find_patients("9434765919", false, 10).unwrap();
    assert_eq!(hits.len(), 1, "the identifier is searchable");
    assert_eq!(sam.patient_identifiers(hits[0].id).unwrap(), [("NHS".to_owned(), "9434765919".to_owned())]);
    let jose = sam.patient(r.imported[0].id).unwrap();
    assert_eq!(jose.fields.email.as_deref(), Some("jose@example.org"));
    sam.logout().unwrap();

    let mut admin = w.admin();
    let entries = writes(&mut admin);
    assert_eq!(entries.len(), 3, "two registrations and the summary");
    let summary = &entries[0].event;
    assert_eq!(summary.target_kind.as_deref(), Some("import"));
    assert!(summary.detail.as_deref().unwrap().contains("2 patients registered from 2 rows"), "{summary:?}");
    let first = &entries[2].event;
    assert_eq!(first.patient_id, Some(r.imported[0].id));
    assert!(first.detail.as_deref().unwrap().contains("CSV import (line 2)"));
    let changed = |f: &str| first.changes.iter().find(|c| c.field == f).and_then(|c| c.new.clone());
    assert_eq!(changed("mrn").as_deref(), Some("MRN-000001"));
    assert_eq!(changed("family_name").as_deref(), Some("Núñez"));
    assert_eq!(changed("identifier NHS").as_deref(), Some("9434765919"));
    assert!(entries.iter().all(|e| e.actor.username == "sam"));
    assert!(admin.audit_verify(None).unwrap().is_ok());
}

#[test]
fn a_dry_run_reports_and_writes_nothing_not_even_a_record_number() {
    let w = world();
    let mut sam = staff(&w);
    let r = import(&mut sam, GOOD, ImportMode::DryRun);
    assert!(r.problems.is_empty(), "BOM, CRLF and a quoted line break are fine: {:?}", r.problems);
    assert_eq!((r.rows, r.good_rows), (2, 2));
    assert!(r.imported.is_empty());
    let r = import(&mut sam, ONE_BAD, ImportMode::DryRun);
    assert_eq!(r.problems.len(), 1);
    assert!(sam.find_patients("", false, 10).unwrap().is_empty(), "nothing registered");
    let p = sam.register_patient(&person("Grace", "Hopper")).unwrap();
    assert_eq!(p.mrn, "MRN-000001", "the record-number sequence was not touched");
    sam.logout().unwrap();
    let mut admin = w.admin();
    assert_eq!(writes(&mut admin).len(), 1, "only the hand registration wrote anything");
}

#[test]
fn each_bad_row_is_reported_by_its_editor_line_and_all_or_nothing_writes_nothing() {
    let w = world();
    let mut sam = staff(&w);
    let r = import(&mut sam, ONE_BAD, ImportMode::AllOrNothing);
    let said: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        ["line 5, date_of_birth: \"12/06/1912\" is not a date (YYYY-MM-DD)"],
        "the notes of line 2 span three lines"
    );
    assert!(r.imported.is_empty());
    assert!(sam.find_patients("", false, 10).unwrap().is_empty(), "nothing registered");

    let many = "given_name,family_name,date_of_birth,sex,email\n\
                ,Nameless,1950-01-01,female,\n\
                Bad,Mail,1950-01-01,female,bad@\n\
                Odd,Sex,1950-01-01,robot,\n";
    let said: Vec<String> =
        import(&mut sam, many, ImportMode::AllOrNothing).problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "line 2, given_name: is empty",
            "line 3, email: is not an address like name@example.org",
            "line 4, sex: \"robot\" is not female, male, other or unknown",
        ]
    );
    let header = "given_name,family_name,family_name,shoe_size\nA,B,C,D\n";
    let said: Vec<String> =
        import(&mut sam, header, ImportMode::SkipBad).problems.iter().map(ToString::to_string).collect();
    assert!(said[0].starts_with("line 1, family_name: appears twice"), "{said:?}");
    assert!(said[1].starts_with("line 1, shoe_size: is not a column this import knows"), "{said:?}");
    assert_eq!(said[2], "line 1, date_of_birth: column is missing");
    assert!(sam.find_patients("", false, 10).unwrap().is_empty(), "a bad header writes nothing, even skipping");
    sam.logout().unwrap();
    let mut admin = w.admin();
    assert!(writes(&mut admin).is_empty());
}

#[test]
fn skip_bad_registers_the_good_rows_and_reports_the_others() {
    let w = world();
    let mut sam = staff(&w);
    let r = import(&mut sam, ONE_BAD, ImportMode::SkipBad);
    assert_eq!((r.rows, r.good_rows), (3, 2));
    assert_eq!(r.problems.len(), 1);
    let lines: Vec<(u64, &str)> = r.imported.iter().map(|p| (p.line, p.mrn.as_str())).collect();
    assert_eq!(lines, [(2, "MRN-000001"), (6, "MRN-000002")]);
    assert_eq!(sam.patient(r.imported[0].id).unwrap().fields.notes.as_deref(), Some("first line\n\nthird line"));
    assert!(sam.find_patients("turing", false, 10).unwrap().is_empty());
    sam.logout().unwrap();
    let mut admin = w.admin();
    let entries = writes(&mut admin);
    assert_eq!(entries.len(), 3);
    assert!(entries[0].event.detail.as_deref().unwrap().contains("1 rows with problems skipped"));
}

#[test]
fn staff_and_providers_may_import_administrators_and_auditors_may_not() {
    let w = world();
    let mut pat = provider(&w);
    assert_eq!(import(&mut pat, GOOD, ImportMode::SkipBad).imported.len(), 2);
    pat.logout().unwrap();
    let mut admin = w.admin();
    let e = admin.import_patients(&mut GOOD.as_bytes(), ImportMode::DryRun).unwrap_err();
    assert!(matches!(e, CoreError::Denied(Permission::PatientWrite)), "{e}");
    admin
        .create_user(&NewUser { username: "aud", display_name: "Aud", role: Role::Auditor, password: &pw(AUDITOR_PW) })
        .unwrap();
    admin.logout().unwrap();
    let mut aud = w.try_login("aud", AUDITOR_PW, None).unwrap();
    aud.change_own_password(&pw(AUDITOR_PW), &pw(STAFF_NEW_PW)).unwrap();
    let e = aud.import_patients(&mut GOOD.as_bytes(), ImportMode::SkipBad).unwrap_err();
    assert!(matches!(e, CoreError::Denied(Permission::PatientWrite)), "{e}");
    aud.logout().unwrap();
    let mut sam = staff(&w);
    assert_eq!(
        import(&mut sam, "given_name,family_name,date_of_birth\nA,B,2000-01-01\n", ImportMode::AllOrNothing).imported
            [0]
        .mrn,
        "MRN-000003"
    );
}

#[test]
fn a_binary_or_malformed_file_is_a_clear_error_and_writes_nothing() {
    let w = world();
    let mut sam = staff(&w);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let e = sam.import_patients(&mut &png[..], ImportMode::SkipBad).unwrap_err();
    assert!(matches!(e, CoreError::ImportUnreadable { .. }), "{e}");
    assert!(e.to_string().contains("binary, not a CSV text file"), "{e}");
    let latin1 = b"given_name,family_name,date_of_birth\nJos\xe9,N\xfa\xf1ez,1961-04-12\n";
    let e = sam.import_patients(&mut &latin1[..], ImportMode::SkipBad).unwrap_err();
    assert!(e.to_string().contains("line 2: it is not UTF-8 text"), "{e}");
    let e = sam.import_patients(&mut &b""[..], ImportMode::SkipBad).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    assert!(sam.find_patients("", false, 10).unwrap().is_empty());
}

#[test]
fn rows_that_may_be_registered_already_are_warned_of_but_imported() {
    let w = world();
    let mut pat = provider(&w);
    let grace = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    pat.set_patient_identifier(grace.id, "NHS", Some("9434765919")).unwrap();
    pat.register_patient(&chartvault_core::records::PatientFields { restricted: true, ..person("Vera", "Important") })
        .unwrap();
    let csv = "given_name,family_name,date_of_birth,sex,identifier:NHS\n\
               grace,HOPPER,1906-12-09,female,\n\
               Ada,Byron,1915-12-10,female,9434765919\n\
               Vera,Important,1906-12-09,female,\n\
               Ada,Byron,1915-12-10,female,\n\
               Alan,Turing,1912-06-23,male,\n";
    let r = pat.import_patients(&mut csv.as_bytes(), chartvault_core::records::ImportMode::AllOrNothing).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.imported.len(), 5, "warnings do not stop an import");
    let said: Vec<String> = r.warnings.iter().map(|p| format!("{} {} {}", p.line, p.field, p.why)).collect();
    assert_eq!(
        said,
        [
            format!("2 row same name and date of birth as {}", grace.mrn),
            format!("3 identifier:NHS already on {}", grace.mrn),
            "4 row same name and date of birth as a restricted record".to_owned(),
            "5 row same name and date of birth as line 3".to_owned(),
        ]
    );
}
