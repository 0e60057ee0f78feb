//! The de-identified export (HIPAA Safe Harbor) of a generated population
//! whose every identifying field holds a distinctive canary value: neither
//! the CSV nor the FHIR extract holds any of them (names, record numbers,
//! phones, e-mails, addresses, postal codes, identifiers, notes, SOAP text,
//! addenda, visit reasons, attachment names and bytes, exact dates); ages
//! of 90 or more appear only as "90+"; ZIP codes keep three digits unless
//! the area is restricted; what research needs is kept; pseudonyms are
//! random per export; patients who withdrew research consent are left out;
//! only the auditor may export, and the audit entry names no one.

mod common;
mod export_common;

use std::collections::HashSet;

use base64::Engine;
use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::audit::Action;
use chartvault_core::export::{DeidFormat, DeidSummary, ExportPurpose, PatientExportFormat};
use chartvault_core::records::{ConsentScope, ConsentStatus};
use chartvault_core::session::Session;
use common::*;
use export_common::r4::{at, check_bundle, uuid_shape};
use export_common::*;
use serde_json::Value;

/// (date of birth, postal code, expected birth year, expected ZIP3).
const PEOPLE: [(&str, Option<&str>, &str, &str); 8] = [
    ("1906-12-09", Some("02139"), "90+", "021"),
    ("1935-06-15", Some("03601"), "90+", "000"),
    ("1940-12-31", Some("10001-1234"), "90+", "100"),
    ("1941-12-31", Some("SW1A 1AA"), "1941", "000"),
    ("1980-02-29", None, "1980", ""),
    ("1999-07-04", Some("69201"), "1999", "000"),
    ("2010-10-10", Some("94103"), "2010", "941"),
    ("1975-05-05", Some("89012"), "1975", "000"),
];

/// The one patient who withdrew research consent (and gave none since).
const WITHDRAWN: usize = 7;
/// The one whose record is restricted (still in the extract).
const RESTRICTED: usize = 3;

struct Population {
    /// Per patient, (what it is, the canary) pairs that must not leave.
    canaries: Vec<(String, String)>,
    /// The (birth year, ZIP3) pairs of the patients the extract holds.
    expected: Vec<(String, String)>,
}

fn tag(i: usize) -> String {
    format!("Canary{}", 4100 + i)
}

/// The population, recorded by the provider `s`.
fn population(w: &World, s: &mut Session) -> Population {
    let mut canaries = Vec::new();
    let mut expected = Vec::new();
    for (i, (born, postal, year, zip3)) in PEOPLE.iter().enumerate() {
        let t = tag(i);
        let given = format!("Given{t}");
        let family = format!("Family{t}");
        let mut fields = tagged_person(&t, &given, &family, born, *postal);
        let chart = full_chart(w, s, &fields, &t);
        if i == RESTRICTED {
            fields.restricted = true;
            s.update_patient(chart.patient, &fields).unwrap();
        }
        if i == WITHDRAWN {
            for c in s.consents(chart.patient).unwrap() {
                if c.scope == ConsentScope::Research && c.status(w.clock_today()) == ConsentStatus::Active {
                    s.withdraw_consent(c.id).unwrap();
                }
            }
        } else {
            expected.push(((*year).to_owned(), (*zip3).to_owned()));
        }
        let mut add = |what: &str, value: String| canaries.push((format!("patient {i}: {what}"), value));
        add("given name", given);
        add("family name", family);
        add("record number", chart.mrn.clone());
        let phone = fields.phone.clone().unwrap();
        add("phone", phone.clone());
        add("phone digits", phone.chars().filter(char::is_ascii_digit).collect());
        add("phone line", phone[phone.len() - 8..].to_owned());
        add("e-mail", fields.email.clone().unwrap());
        add("address", fields.address.clone().unwrap());
        if let Some(p) = postal {
            add("postal code", (*p).to_owned());
            add("postal code digits", p.chars().take(5).collect());
        }
        add("identifier", format!("{t}ID"));
        add("patient notes", format!("{t} patient note"));
        for part in ["subjective", "objective", "assessment", "plan", "draft", "addendum", "reason"] {
            add(part, format!("{t} {part}"));
        }
        add("list note", format!("{t} list note"));
        add("allergy reaction", format!("{t} hives"));
        add("medication frequency", format!("{t} daily"));
        add("consent note", format!("{t} consent form"));
        add("attachment description", format!("{t} description"));
        for (name, bytes) in &chart.files {
            add("attachment name", name.clone());
            add("attachment bytes (base64)", base64::engine::general_purpose::STANDARD.encode(bytes));
        }
        add("attachment bytes", format!("{t} file bytes"));
        add("attachment in error", chart.in_error_file.clone());
        add("any tagged text", t.clone());
        for d in &chart.dates {
            add("exact date", d.clone());
            add("date without dashes", d.replace('-', ""));
        }
    }
    for (what, value) in [
        ("provider", "Pat Provider"),
        ("PNG content (base64)", "iVBORw0KGgo"),
        ("PDF content", "%PDF"),
        ("PDF content (base64)", "JVBERi0"),
        ("full birth year of a person of 90+", "1906"),
        ("full birth year of a person of 90+", "1935"),
        ("full birth year of a person of 90+", "1940"),
    ] {
        canaries.push((what.to_owned(), value.to_owned()));
    }
    Population { canaries, expected }
}

fn extract(s: &mut Session, format: DeidFormat) -> (String, DeidSummary) {
    let mut out = Vec::new();
    let summary = s.export_deidentified(format, &mut out).unwrap();
    assert_eq!(summary.bytes, out.len() as u64);
    (String::from_utf8(out).unwrap(), summary)
}

/// The canaries found in `text`, or in anything in it that decodes as
/// base64 (an encoded note or file must not hide one).
fn leaks(text: &str, canaries: &[(String, String)]) -> Vec<String> {
    let mut scanned = without_uuids(text);
    for token in text.split(['"', ',', '\n']).filter(|t| t.len() >= 8) {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(token) {
            scanned.push('\n');
            scanned.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    canaries.iter().filter(|(_, c)| scanned.contains(c.as_str())).map(|(w, c)| format!("{w}: {c:?}")).collect()
}

fn assert_no_canary(text: &str, canaries: &[(String, String)], format: &str) {
    let found = leaks(text, canaries);
    assert!(found.is_empty(), "the {format} extract holds identifiers:\n{}", found.join("\n"));
}

type Row = std::collections::BTreeMap<String, String>;

/// The rows of a CSV extract, each cell under its column's name.
fn csv_rows(text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(str::to_owned).zip(r.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

fn provider_world() -> (World, Session) {
    let w = world();
    let pat = provider(&w);
    (w, pat)
}

#[test]
fn a_safe_harbor_extract_of_a_generated_population_holds_none_of_the_identifiers() {
    let (w, mut pat) = provider_world();
    let pop = population(&w, &mut pat);
    // A patient with no consent at all is in the extract.
    pat.register_patient(&person("Plain", "Person")).unwrap();
    // The canaries are real: a full export of one of them finds every kind.
    let mut full = Vec::new();
    pat.export_patient(1, PatientExportFormat::Fhir, ExportPurpose::PatientAccess, &mut full).unwrap();
    let found = leaks(&String::from_utf8(full).unwrap(), &pop.canaries);
    for kind in [
        "given name",
        "record number",
        "phone",
        "e-mail",
        "address",
        "postal code",
        "identifier",
        "subjective",
        "addendum",
        "reason",
        "attachment name",
        "attachment bytes (base64)",
        "exact date",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(&format!("patient 0: {kind}:"))),
            "{kind} not found in a full export"
        );
    }
    pat.logout().unwrap();
    let mut aud = auditor(&w);

    let (csv_text, summary) = extract(&mut aud, DeidFormat::Csv);
    assert_no_canary(&csv_text, &pop.canaries, "CSV");
    assert_eq!(summary.patients, PEOPLE.len(), "every patient but the one who withdrew, plus the plain one");
    assert_eq!(summary.excluded_withdrawn, 1);
    let rows = csv_rows(&csv_text);
    let patients: Vec<&Row> = rows.iter().filter(|r| r["record"] == "patient").collect();
    assert_eq!(patients.len(), summary.patients);
    let mut found: Vec<(String, String)> =
        patients.iter().map(|r| (r["birth_year"].to_owned(), r["zip3"].to_owned())).collect();
    let mut expected = pop.expected.clone();
    expected.push(("90+".into(), String::new()));
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "birth years (90+ from 90) and ZIP3s (000 where restricted or not a ZIP)");
    assert!(patients.iter().all(|r| r["sex"] == "female"));

    // What research needs is kept.
    let has = |record: &str, item: &str, check: &dyn Fn(&Row) -> bool| {
        rows.iter().any(|r| r["record"] == record && r["item"] == item && check(r))
    };
    assert!(has("vital", "Systolic blood pressure", &|r| r["value"] == "128" && r["unit"] == "mm[Hg]"));
    assert!(has("vital", "Body temperature", &|r| r["value"] == "37.9" && r["unit"] == "Cel"));
    assert!(has("vital", "Body weight", &|r| r["value"] == "70.5" && r["unit"] == "kg"));
    assert!(has("visit", "office", &|r| r["year"].len() == 4));
    assert!(has("problem", "Hypertension", &|r| r["status"] == "active"));
    assert!(has("allergy", "Penicillin", &|r| r["severity"] == "severe"));
    assert!(has("medication", "Lisinopril", &|r| r["route"] == "oral" && r["dose"] == "10 mg"));
    for mistake in ["Asthma", "Latex", "Warfarin"] {
        assert!(!csv_text.contains(mistake), "{mistake} was entered in error");
    }
    for r in &rows {
        let year = &r["year"];
        assert!(year.is_empty() || (year.len() == 4 && year.parse::<u16>().is_ok()), "a date finer than a year: {r:?}");
    }

    let (fhir_text, fhir_summary) = extract(&mut aud, DeidFormat::Fhir);
    assert_no_canary(&fhir_text, &pop.canaries, "FHIR");
    assert_eq!(DeidSummary { bytes: 0, ..fhir_summary }, DeidSummary { bytes: 0, ..summary });
    let bundle: Value = serde_json::from_str(&fhir_text).unwrap();
    let (problems, kinds) = check_bundle(&bundle);
    assert!(problems.is_empty(), "R4 problems:\n{}", problems.join("\n"));
    assert!(bundle.get("timestamp").is_none(), "no date of the export's making");
    assert_eq!(kinds.get("Patient"), Some(&summary.patients));
    for forbidden in ["DocumentReference", "Consent"] {
        assert!(!kinds.contains_key(forbidden), "{forbidden}: free text or exact dates");
    }
    let patients =
        at(&bundle, "entry.resource").into_iter().filter(|r| r["resourceType"] == "Patient").collect::<Vec<_>>();
    for p in &patients {
        let keys: HashSet<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        let allowed: HashSet<&str> =
            ["resourceType", "identifier", "gender", "birthDate", "address", "extension"].into();
        assert!(keys.is_subset(&allowed), "{keys:?}");
        let over_89 = p.get("extension").is_some();
        assert_eq!(p.get("birthDate").is_none(), over_89, "a person of 90+ has no birth year at all: {p}");
        if let Some(b) = p.get("birthDate") {
            assert_eq!(b.as_str().unwrap().len(), 4, "a year only");
        }
    }
    let over_89 = patients.iter().filter(|p| p.get("extension").is_some()).count();
    assert_eq!(over_89, 4, "three of the population and the plain person, born 1906");
    for time in
        at(&bundle, "entry.resource.period.start").into_iter().chain(at(&bundle, "entry.resource.effectiveDateTime"))
    {
        assert_eq!(time.as_str().unwrap().len(), 4, "years only: {time}");
    }
}

#[test]
fn pseudonyms_are_random_for_each_export_and_derived_from_nothing() {
    let (w, mut pat) = provider_world();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(pat.register_patient(&person(&format!("Ann{i}"), "Lee")).unwrap());
    }
    pat.logout().unwrap();
    let mut aud = auditor(&w);
    let subjects = |aud: &mut Session| -> HashSet<String> {
        let (text, _) = extract(aud, DeidFormat::Csv);
        csv_rows(&text).iter().map(|r| r["subject"].to_owned()).collect()
    };
    let first = subjects(&mut aud);
    let second = subjects(&mut aud);
    assert_eq!(first.len(), 3);
    assert!(first.is_disjoint(&second), "the same patient has another pseudonym in each export");
    for s in first.iter().chain(&second) {
        assert!(uuid_shape(s), "{s} is a random UUID");
        assert!(ids.iter().all(|p| !s.contains(&p.mrn) && s != &p.id.to_string()));
    }
}

#[test]
fn only_the_auditor_may_export_de_identified_data_and_the_audit_entry_names_no_one() {
    let (w, mut pat) = provider_world();
    let pop = population(&w, &mut pat);
    let mut out = Vec::new();
    let r = pat.export_deidentified(DeidFormat::Csv, &mut out);
    assert!(matches!(r, Err(CoreError::Denied(Permission::DeidentifiedExport))), "provider: {r:?}");
    pat.logout().unwrap();
    let mut sam = staff(&w);
    let r = sam.export_deidentified(DeidFormat::Fhir, &mut out);
    assert!(matches!(r, Err(CoreError::Denied(Permission::DeidentifiedExport))), "staff: {r:?}");
    sam.logout().unwrap();
    let mut ada = w.admin();
    let r = ada.export_deidentified(DeidFormat::Csv, &mut out);
    assert!(matches!(r, Err(CoreError::Denied(Permission::DeidentifiedExport))), "administrator: {r:?}");
    assert!(out.is_empty(), "nothing written when refused");
    ada.logout().unwrap();

    let mut aud = auditor(&w);
    aud.check_deidentified_export().unwrap();
    let (_, summary) = extract(&mut aud, DeidFormat::Csv);
    assert_eq!(summary.patients, PEOPLE.len() - 1);
    let exports = actions(&mut aud, Action::Export);
    assert_eq!(exports.len(), 1);
    let e = &exports[0];
    assert_eq!(e.actor.username, "aud");
    assert_eq!(e.event.patient_id, None, "no patient named");
    assert!(e.event.changes.is_empty());
    assert_eq!((e.event.target_kind.as_deref(), e.event.target_id.as_deref()), (Some("deidentified"), Some("csv")));
    let detail = e.event.detail.clone().unwrap_or_default();
    assert!(detail.contains("7 patients") && detail.contains("1 left out"), "{detail}");
    assert_no_canary(&detail, &pop.canaries, "audit entry");
}
