//! Finding patients in a sealed vault: prefixes, folded diacritics, record
//! numbers, identifiers, phone digits and notes; ranked with names first;
//! restricted and archived records left out unless the user may see them;
//! whatever is typed is a search, never query syntax.

mod common;

use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::records::PatientFields;
use chartvault_core::session::Session;
use common::*;

fn staff(w: &World) -> Session {
    add_staff(w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    sam
}

fn names(s: &mut Session, typed: &str) -> Vec<String> {
    s.find_patients(typed, false, 50)
        .unwrap()
        .into_iter()
        .map(|h| format!("{} {}", h.given_name, h.family_name))
        .collect()
}

#[test]
fn names_numbers_identifiers_phones_and_notes_are_found_by_prefix_with_diacritics_folded() {
    let w = world();
    let mut s = staff(&w);
    let jose = s.register_patient(&person("José", "Núñez")).unwrap();
    let grace = s
        .register_patient(&PatientFields { phone: Some("+1 (555) 010-0199".into()), ..person("Grace", "Hopper") })
        .unwrap();
    s.register_patient(&PatientFields { notes: Some("brought by Grace's neighbour".into()), ..person("Ada", "Byron") })
        .unwrap();
    s.set_patient_identifier(jose.id, "NHS", Some("943 476 5919")).unwrap();

    assert_eq!(names(&mut s, "jos nun"), ["José Núñez"], "prefixes, diacritics folded");
    assert_eq!(names(&mut s, "NÚÑ"), ["José Núñez"]);
    assert_eq!(names(&mut s, &grace.mrn), ["Grace Hopper"]);
    assert_eq!(names(&mut s, "15550100199"), ["Grace Hopper"], "the phone as bare digits");
    assert_eq!(names(&mut s, "010-0199"), ["Grace Hopper"]);
    assert_eq!(names(&mut s, "9434765919"), Vec::<String>::new(), "identifier words are matched as typed");
    assert_eq!(names(&mut s, "943 476"), ["José Núñez"]);
    assert_eq!(names(&mut s, "neighb"), ["Ada Byron"], "notes");
    assert_eq!(names(&mut s, "grace"), ["Grace Hopper", "Ada Byron"], "a name ranks above a note");
    s.set_patient_identifier(jose.id, "NHS", None).unwrap();
    assert!(names(&mut s, "943").is_empty(), "a removed identifier is no longer found");
    assert_eq!(s.patient_identifiers(jose.id).unwrap(), Vec::<(String, String)>::new());
}

#[test]
fn typed_query_syntax_is_only_text() {
    let w = world();
    let mut s = staff(&w);
    s.register_patient(&person("Grace", "Hopper")).unwrap();
    for typed in ["\"", "gra*", "NEAR(gra hop)", "grace OR nobody", "-grace", "name:grace", "gr^ace", "()", "*"] {
        let found = s.find_patients(typed, false, 10);
        assert!(found.is_ok(), "{typed:?}: {found:?}");
    }
    assert_eq!(names(&mut s, "gra*"), ["Grace Hopper"]);
    assert!(names(&mut s, "grace OR nobody").is_empty(), "every word is required");
    assert_eq!(names(&mut s, "  "), ["Grace Hopper"], "nothing typed lists recent patients");
}

#[test]
fn restricted_records_appear_only_to_those_who_may_open_them_and_archived_ones_only_when_asked() {
    let w = world();
    let mut s = staff(&w);
    let vip = s.register_patient(&PatientFields { restricted: true, ..person("Vera", "Important") }).unwrap();
    let old = s.register_patient(&person("Olga", "Archived")).unwrap();
    assert!(names(&mut s, "vera").is_empty(), "a restricted record is not listed");
    s.break_glass(vip.id, Permission::RestrictedRecordRead, "patient collapsed at reception").unwrap();
    assert_eq!(names(&mut s, "vera"), ["Vera Important"], "with emergency access it is");
    s.logout().unwrap();

    let mut admin = w.admin();
    admin.set_override("sam", Permission::PatientArchive, Some(chartvault_core::access::Effect::Grant)).unwrap();
    admin.logout().unwrap();
    let mut s = w.try_login("sam", STAFF_NEW_PW, None).unwrap();
    s.archive_patient(old.id).unwrap();
    assert!(names(&mut s, "olga").is_empty());
    let all = s.find_patients("olga", true, 10).unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].archived);
}

#[test]
fn searching_needs_the_read_permission() {
    let w = world();
    let mut admin = w.admin();
    assert!(matches!(admin.find_patients("a", false, 10), Err(CoreError::Denied(Permission::PatientRead))));
    assert!(matches!(admin.patient_by_mrn("MRN-000001"), Err(CoreError::Denied(Permission::PatientRead))));
}

#[test]
fn a_restricted_record_is_reached_by_its_exact_number_for_breaking_the_glass_and_nothing_else() {
    let w = world();
    let mut s = staff(&w);
    let vip = s.register_patient(&PatientFields { restricted: true, ..person("Vera", "Important") }).unwrap();
    assert!(names(&mut s, &vip.mrn).is_empty(), "search leaves it out, even by its number");
    // Only the exact number, in any case and with spaces around it.
    let typed = format!("  {}  ", vip.mrn.to_lowercase());
    assert_eq!(s.patient_by_mrn(&typed).unwrap(), Some(vip.id));
    let prefix = &vip.mrn[..vip.mrn.len() - 1];
    assert_eq!(s.patient_by_mrn(prefix).unwrap(), None, "a prefix finds nothing");
    assert_eq!(s.patient_by_mrn("MRN-999999").unwrap(), None);
    assert_eq!(s.patient_by_mrn("%").unwrap(), None, "no pattern syntax");
    // The number leads to a refusal, then to emergency access.
    assert!(matches!(s.patient(vip.id), Err(CoreError::Denied(Permission::RestrictedRecordRead))));
    s.break_glass(vip.id, Permission::RestrictedRecordRead, "patient collapsed at reception").unwrap();
    assert_eq!(s.patient(vip.id).unwrap().fields.given_name, "Vera");
    // Each lookup is audited, on the patient when it found one.
    s.logout().unwrap();
    let mut admin = w.admin();
    let lookups: Vec<_> = actions(&mut admin, chartvault_core::audit::Action::PatientRead)
        .into_iter()
        .filter(|e| e.event.target_id.as_deref() == Some("record number"))
        .collect();
    assert_eq!(lookups.len(), 4, "{lookups:?}");
    assert_eq!(lookups.iter().filter(|e| e.event.patient_id == Some(vip.id)).count(), 1);
}
