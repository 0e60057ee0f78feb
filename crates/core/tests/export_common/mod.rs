//! What the export tests share: users of each role, and a chart with every
//! kind of record, each free-text value carrying a tag so that a test can
//! tell whether it leaked.
#![allow(dead_code)]

pub mod r4;

use std::io::Cursor;

use chartvault_core::access::Role;
use chartvault_core::admin::NewUser;
use chartvault_core::clock::Clock;
use chartvault_core::records::{
    ChartList, ConsentScope, NewAttachment, NewConsent, NewVisit, PatientFields, Sex, Soap, VisitKind, Vitals,
};
use chartvault_core::session::Session;
use chrono::{Duration, NaiveDate};

use crate::common::*;

pub const AUDITOR_PW: &str = "Quartz meadow 58 humming bees";
pub const AUDITOR_NEW_PW: &str = "Velvet harbour 26 folding maps";

/// An auditor (aud), signed in with their own password.
pub fn auditor(w: &World) -> Session {
    let mut s = w.admin();
    let password = pw(AUDITOR_PW);
    s.create_user(&NewUser { username: "aud", display_name: "Aud Auditor", role: Role::Auditor, password: &password })
        .unwrap();
    s.logout().unwrap();
    let mut aud = w.try_login("aud", AUDITOR_PW, None).unwrap();
    aud.change_own_password(&pw(AUDITOR_PW), &pw(AUDITOR_NEW_PW)).unwrap();
    aud
}

/// The staff member (sam), signed in with their own password.
pub fn staff(w: &World) -> Session {
    add_staff(w);
    let mut sam = w.try_login("sam", STAFF_PW, None).unwrap();
    sam.change_own_password(&pw(STAFF_PW), &pw(STAFF_NEW_PW)).unwrap();
    sam
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A patient with every field given, each identifying value carrying `tag`.
pub fn tagged_person(tag: &str, given: &str, family: &str, born: &str, postal: Option<&str>) -> PatientFields {
    PatientFields {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: day(born),
        sex: Sex::Female,
        phone: Some(format!("+1 (617) 555-{}", &tag[tag.len() - 4..])),
        email: Some(format!("{tag}.mail@example.org")),
        address: Some(format!("12 {tag} Street, Springfield")),
        postal_code: postal.map(str::to_owned),
        notes: Some(format!("{tag} patient note <script>alert(1)</script> & more")),
        restricted: false,
    }
}

/// A chart entry's values, as `add_chart_entry` takes them.
type Entry<'a> = Vec<(&'a str, Option<&'a str>)>;

/// The files a chart holds, as attached.
pub struct Chart {
    pub patient: i64,
    pub mrn: String,
    /// (name, bytes) of the attachments in force.
    pub files: Vec<(String, Vec<u8>)>,
    /// The name of the one marked as added in error.
    pub in_error_file: String,
    /// The dates the chart holds, as written.
    pub dates: Vec<String>,
}

/// Registers `fields` and records, as the provider `s` (pat), a chart with
/// every kind of entry: two visits (one signed note with an addendum and
/// full vitals, one draft), problems, allergies and medications (one of
/// each in error), consents (data sharing in force, treatment expired,
/// research withdrawn then given again), attachments of three kinds and
/// one in error. Free text carries `tag`.
pub fn full_chart(w: &World, s: &mut Session, fields: &PatientFields, tag: &str) -> Chart {
    let p = s.register_patient(fields).unwrap();
    s.set_patient_identifier(p.id, "NHS", Some(&format!("{tag}ID"))).unwrap();
    let now = w.clock.now();
    let first = now - Duration::days(400) - Duration::minutes(7);
    let v1 = s
        .record_visit(
            p.id,
            &NewVisit {
                started_at: first,
                kind: VisitKind::Office,
                provider: Some("pat"),
                reason: Some(&format!("{tag} reason")),
            },
        )
        .unwrap();
    let vitals = Vitals {
        systolic: Some(128),
        diastolic: Some(84),
        pulse: Some(72),
        temperature_c: Some(37.9),
        weight_kg: Some(70.5),
        height_cm: Some(172.0),
        spo2: Some(97),
    };
    s.record_vitals(v1.id, &vitals, first + Duration::minutes(5)).unwrap();
    let soap = Soap {
        subjective: format!("{tag} subjective"),
        objective: format!("{tag} objective"),
        assessment: format!("{tag} assessment"),
        plan: format!("{tag} plan"),
    };
    s.save_note(v1.id, &soap).unwrap();
    s.sign_note(v1.id).unwrap();
    s.add_addendum(v1.id, &format!("{tag} addendum")).unwrap();
    let second = now - Duration::days(20) - Duration::minutes(13);
    let v2 = s
        .record_visit(p.id, &NewVisit { started_at: second, kind: VisitKind::Telephone, provider: None, reason: None })
        .unwrap();
    s.save_note(v2.id, &Soap { subjective: format!("{tag} draft"), ..Soap::default() }).unwrap();

    let note = format!("{tag} list note");
    let hives = format!("{tag} hives");
    let daily = format!("{tag} daily");
    let entries: Vec<(ChartList, Entry<'_>)> = vec![
        (
            ChartList::Problems,
            vec![("description", Some("Hypertension")), ("onset", Some("2015-02-03")), ("note", Some(&note))],
        ),
        (
            ChartList::Problems,
            vec![
                ("description", Some("Fractured wrist")),
                ("status", Some("resolved")),
                ("onset", Some("2020-01-05")),
                ("resolved", Some("2020-03-01")),
            ],
        ),
        (ChartList::Problems, vec![("description", Some("Asthma")), ("status", Some("entered_in_error"))]),
        (
            ChartList::Allergies,
            vec![("substance", Some("Penicillin")), ("reaction", Some(&hives)), ("severity", Some("severe"))],
        ),
        (ChartList::Allergies, vec![("substance", Some("Latex")), ("status", Some("entered_in_error"))]),
        (
            ChartList::Medications,
            vec![
                ("name", Some("Lisinopril")),
                ("dose", Some("10 mg")),
                ("route", Some("oral")),
                ("frequency", Some(&daily)),
                ("start_date", Some("2015-02-10")),
            ],
        ),
        (
            ChartList::Medications,
            vec![
                ("name", Some("Amoxicillin")),
                ("status", Some("stopped")),
                ("start_date", Some("2020-01-05")),
                ("stop_date", Some("2020-01-12")),
            ],
        ),
        (ChartList::Medications, vec![("name", Some("Warfarin")), ("status", Some("entered_in_error"))]),
    ];
    for (list, values) in entries {
        s.add_chart_entry(p.id, list, &values).unwrap();
    }

    let today = now.date_naive();
    let consent_note = format!("{tag} consent form");
    let consent = |scope, granted: NaiveDate, expires: Option<NaiveDate>| NewConsent {
        scope,
        granted_on: granted,
        expires_on: expires,
        note: Some(consent_note.as_str()),
    };
    s.record_consent(p.id, &consent(ConsentScope::DataSharing, today - Duration::days(10), None)).unwrap();
    s.record_consent(p.id, &consent(ConsentScope::Treatment, day("2020-01-01"), Some(day("2021-01-01")))).unwrap();
    let withdrawn = s.record_consent(p.id, &consent(ConsentScope::Research, day("2025-01-01"), None)).unwrap();
    s.withdraw_consent(withdrawn.id).unwrap();
    s.record_consent(p.id, &consent(ConsentScope::Research, today - Duration::days(2), None)).unwrap();

    let files = vec![
        (format!("{tag}-letter.txt"), format!("{tag} file bytes: Überweisung\n").into_bytes()),
        (format!("{tag}-scan.png"), png(5000)),
        (format!("{tag}-report.pdf"), b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec()),
    ];
    for (name, bytes) in &files {
        attach(s, p.id, name, bytes, &format!("{tag} description"));
    }
    let in_error_file = format!("{tag}-wrong-chart.txt");
    let wrong = attach(s, p.id, &in_error_file, format!("{tag} misfiled").as_bytes(), "misfiled");
    s.mark_attachment_in_error(wrong).unwrap();
    let dates = vec![
        fields.date_of_birth.to_string(),
        first.date_naive().to_string(),
        second.date_naive().to_string(),
        today.to_string(),
        (today - Duration::days(10)).to_string(),
        (today - Duration::days(2)).to_string(),
        "2015-02-03".into(),
        "2020-01-05".into(),
        "2020-03-01".into(),
        "2015-02-10".into(),
        "2020-01-12".into(),
        "2025-01-01".into(),
        "2021-01-01".into(),
        "2020-01-01".into(),
    ];
    Chart { patient: p.id, mrn: p.mrn, files, in_error_file, dates }
}

/// A PNG-signed file of `len` bytes.
pub fn png(len: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend((0..len.saturating_sub(v.len())).map(|i| (i * 7 % 251) as u8));
    v
}

/// Attaches `bytes` as `name`; returns the attachment's id.
pub fn attach(s: &mut Session, patient: i64, name: &str, bytes: &[u8], description: &str) -> i64 {
    let new = NewAttachment { file_name: name, description: Some(description), size: bytes.len() as u64 };
    s.add_attachment(patient, &new, &mut Cursor::new(bytes)).unwrap().id
}

/// `text` with every UUID-shaped run blanked: random names could hold any
/// digits, and a test looking for a leaked number must not trip on them.
pub fn without_uuids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if rest.get(..36).is_some_and(is_uuid_like) {
            out.push_str("<uuid>");
            rest = &rest[36..];
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Any UUID's shape (of whatever version).
fn is_uuid_like(s: &str) -> bool {
    s.len() == 36
        && s.bytes()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == b'-' } else { c.is_ascii_hexdigit() })
}
