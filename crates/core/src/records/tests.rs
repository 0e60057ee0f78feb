use chrono::NaiveDate;

use super::mrn::render;
use super::{PatientFields, Sex};
use crate::CoreError;

fn fields() -> PatientFields {
    PatientFields {
        given_name: " Grace ".into(),
        family_name: "Hopper".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1906, 12, 9).unwrap(),
        sex: Sex::Female,
        phone: Some("+1 (555) 010-0199".into()),
        email: Some("grace@example.org".into()),
        address: Some("  ".into()),
        postal_code: Some(" 02139 ".into()),
        notes: None,
        restricted: false,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

#[test]
fn a_record_number_is_the_format_with_its_run_of_hashes_replaced_zero_padded() {
    assert_eq!(render("MRN-######", 42), "MRN-000042");
    assert_eq!(render("###-RFC", 7), "007-RFC");
    assert_eq!(render("A###", 123_456), "A123456", "a longer number is written whole");
}

#[test]
fn fields_are_tidied_and_an_unusable_one_is_named() {
    let f = fields().checked(today()).unwrap();
    assert_eq!(f.given_name, "Grace");
    assert_eq!(f.address, None, "an empty optional field is none");
    assert_eq!(f.postal_code.as_deref(), Some("02139"));
    let bad = |f: PatientFields| match f.checked(today()) {
        Err(CoreError::InvalidPatientField { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad(PatientFields { given_name: "  ".into(), ..fields() }), "given name");
    assert_eq!(bad(PatientFields { family_name: "Hop\u{1b}per".into(), ..fields() }), "family name");
    assert_eq!(
        bad(PatientFields { date_of_birth: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), ..fields() }),
        "date of birth"
    );
    assert_eq!(
        bad(PatientFields { date_of_birth: NaiveDate::from_ymd_opt(1869, 12, 31).unwrap(), ..fields() }),
        "date of birth"
    );
    assert_eq!(bad(PatientFields { phone: Some("call me".into()), ..fields() }), "phone");
    assert_eq!(bad(PatientFields { email: Some("grace@".into()), ..fields() }), "e-mail");
    assert_eq!(bad(PatientFields { email: Some("a@b@c".into()), ..fields() }), "e-mail");
    assert_eq!(bad(PatientFields { notes: Some("x".repeat(10_001)), ..fields() }), "notes");
    assert_eq!(bad(PatientFields { postal_code: Some("021;39".into()), ..fields() }), "postal code");
}

#[test]
fn changes_name_each_field_that_differs_with_both_values() {
    let a = fields().checked(today()).unwrap();
    let b = PatientFields { phone: None, restricted: true, ..a.clone() };
    let c = b.changes_from(&a);
    let summary: Vec<(&str, Option<&str>, Option<&str>)> =
        c.iter().map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref())).collect();
    assert_eq!(summary, [("phone", Some("+1 (555) 010-0199"), None), ("restricted", Some("false"), Some("true"))]);
    assert!(a.changes_from(&a).is_empty());
}

#[test]
fn sexes_read_back_as_written() {
    for s in [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown] {
        assert_eq!(Sex::parse(s.as_str()).unwrap(), s);
    }
    assert!(Sex::parse("x").is_err());
}
