//! A patient's FHIR R4 export: a bundle with every resource kind passes a
//! structural check written from R4 (cardinalities, required bindings,
//! invariants, references resolving inside it, unique fullUrls); the
//! values come out as recorded, attachments byte for byte and streamed;
//! the roles that may not are refused; sharing needs a data-sharing
//! consent; a restricted record needs its permission or emergency access;
//! every export is audited with the patient before the first byte leaves.

mod common;
mod export_common;

use std::io::Write;

use base64::Engine;
use chartvault_core::CoreError;
use chartvault_core::access::Permission;
use chartvault_core::audit::{Action, Filter, Outcome};
use chartvault_core::export::{ExportPurpose, PatientExportFormat};
use chartvault_core::records::{ConsentScope, NewConsent};
use chartvault_core::session::Session;
use common::*;
use export_common::r4::{at, check_bundle};
use export_common::*;
use serde_json::Value;

fn export(s: &mut Session, id: i64, purpose: ExportPurpose) -> Result<Value, CoreError> {
    let mut out = Vec::new();
    let summary = s.export_patient(id, PatientExportFormat::Fhir, purpose, &mut out)?;
    assert_eq!(summary.bytes, out.len() as u64);
    Ok(serde_json::from_slice(&out).expect("the export is JSON"))
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    at(bundle, "entry.resource").into_iter().filter(|r| r["resourceType"] == kind).collect()
}

fn texts(resources: &[&Value], path: &str) -> Vec<String> {
    resources.iter().flat_map(|r| at(r, path)).filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

#[test]
fn a_bundle_with_every_resource_kind_meets_the_r4_structure_and_holds_the_record() {
    let w = world();
    let mut pat = provider(&w);
    let fields = tagged_person("Tagfhir7311", "Zoë", "Müller", "1961-04-12", Some("02139"));
    let chart = full_chart(&w, &mut pat, &fields, "Tagfhir7311");
    let bundle = export(&mut pat, chart.patient, ExportPurpose::PatientAccess).unwrap();

    let (problems, kinds) = check_bundle(&bundle);
    assert!(problems.is_empty(), "R4 problems:\n{}", problems.join("\n"));
    assert_eq!(bundle["type"], "collection");
    let expected = [
        ("Patient", 1),
        ("Encounter", 2),
        // Blood pressure (a panel), pulse, temperature, weight, height, SpO2.
        ("Observation", 6),
        ("Condition", 3),
        ("AllergyIntolerance", 2),
        ("MedicationStatement", 3),
        ("Consent", 4),
        // Two notes and three attachments (the one in error left out).
        ("DocumentReference", 5),
    ];
    for (kind, n) in expected {
        assert_eq!(kinds.get(kind), Some(&n), "{kind}: {kinds:?}");
    }

    let patient = resources(&bundle, "Patient")[0];
    assert_eq!(patient["name"][0]["family"], "Müller");
    assert_eq!(patient["name"][0]["given"][0], "Zoë");
    assert_eq!(patient["birthDate"], "1961-04-12");
    assert_eq!(patient["gender"], "female");
    assert_eq!(patient["address"][0]["postalCode"], "02139");
    let ids = at(patient, "identifier");
    assert!(ids.iter().any(|i| i["system"] == "urn:chartvault:mrn" && i["value"] == chart.mrn.as_str()), "{ids:?}");
    assert!(ids.iter().any(|i| i["value"] == "Tagfhir7311ID" && i["system"] == "urn:chartvault:identifier:nhs"));
    assert!(at(patient, "telecom").iter().any(|t| t["system"] == "email"));

    let observations = resources(&bundle, "Observation");
    let panel = observations.iter().find(|o| o["code"]["coding"][0]["code"] == "85354-9").expect("a BP panel");
    let parts: Vec<(String, i64, String)> = at(panel, "component")
        .iter()
        .map(|c| {
            let q = &c["valueQuantity"];
            (
                c["code"]["coding"][0]["code"].as_str().unwrap().to_owned(),
                q["value"].as_i64().unwrap(),
                q["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(parts, [("8480-6".into(), 128, "mm[Hg]".into()), ("8462-4".into(), 84, "mm[Hg]".into())]);
    let unit_of = |code: &str| {
        let o = observations.iter().find(|o| o["code"]["coding"][0]["code"] == code).expect(code);
        (o["valueQuantity"]["value"].clone(), o["valueQuantity"]["code"].as_str().unwrap().to_owned())
    };
    assert_eq!(unit_of("8867-4"), (Value::from(72), "/min".to_owned()));
    assert_eq!(unit_of("8310-5"), (Value::from(37.9), "Cel".to_owned()));
    assert_eq!(unit_of("29463-7"), (Value::from(70.5), "kg".to_owned()));
    assert_eq!(unit_of("8302-2"), (Value::from(172.0), "cm".to_owned()));
    assert_eq!(unit_of("59408-5"), (Value::from(97), "%".to_owned()));
    assert!(observations.iter().all(|o| o["category"][0]["coding"][0]["code"] == "vital-signs"));

    let encounters = resources(&bundle, "Encounter");
    assert!(
        encounters
            .iter()
            .any(|e| e["class"]["code"] == "AMB" && e["participant"][0]["individual"]["display"] == "Pat Provider")
    );
    assert!(encounters.iter().any(|e| e["class"]["code"] == "VR"), "a telephone visit is virtual");

    let conditions = resources(&bundle, "Condition");
    let in_error: Vec<_> =
        conditions.iter().filter(|c| c["verificationStatus"]["coding"][0]["code"] == "entered-in-error").collect();
    assert_eq!(in_error.len(), 1);
    assert_eq!(in_error[0]["code"]["text"], "Asthma");
    let resolved = conditions.iter().find(|c| c["code"]["text"] == "Fractured wrist").unwrap();
    assert_eq!(resolved["clinicalStatus"]["coding"][0]["code"], "resolved");
    assert_eq!(resolved["abatementDateTime"], "2020-03-01");

    let allergy =
        resources(&bundle, "AllergyIntolerance").into_iter().find(|a| a["code"]["text"] == "Penicillin").unwrap();
    assert_eq!(allergy["reaction"][0]["severity"], "severe");
    assert_eq!(allergy["reaction"][0]["manifestation"][0]["text"], "Tagfhir7311 hives");

    let meds = resources(&bundle, "MedicationStatement");
    let mut statuses = texts(&meds, "status");
    statuses.sort();
    assert_eq!(statuses, ["active", "entered-in-error", "stopped"]);
    let lisinopril = meds.iter().find(|m| m["medicationCodeableConcept"]["text"] == "Lisinopril").unwrap();
    assert_eq!(lisinopril["dosage"][0]["route"]["text"], "oral");
    assert_eq!(lisinopril["effectivePeriod"]["start"], "2015-02-10");

    let consents = resources(&bundle, "Consent");
    let mut consent_states: Vec<(String, String)> = consents
        .iter()
        .map(|c| {
            (c["scope"]["coding"][0]["code"].as_str().unwrap().to_owned(), c["status"].as_str().unwrap().to_owned())
        })
        .collect();
    consent_states.sort();
    assert_eq!(
        consent_states,
        [
            ("patient-privacy".into(), "active".into()),
            ("research".into(), "active".into()),
            ("research".into(), "rejected".into()),
            ("treatment".into(), "inactive".into())
        ]
    );

    // Notes: linked to their encounter, the SOAP text and addenda in them.
    let docs = resources(&bundle, "DocumentReference");
    let notes: Vec<_> = docs.iter().filter(|d| d.get("context").is_some()).collect();
    assert_eq!(notes.len(), 2);
    let decoded = |d: &Value| {
        let data = d["content"][0]["attachment"]["data"].as_str().unwrap();
        base64::engine::general_purpose::STANDARD.decode(data).unwrap()
    };
    let signed = notes.iter().find(|n| n["docStatus"] == "final").expect("the signed note");
    let text = String::from_utf8(decoded(signed)).unwrap();
    for part in ["subjective", "objective", "assessment", "plan", "addendum"] {
        assert!(text.contains(&format!("Tagfhir7311 {part}")), "{part} missing from {text}");
    }
    assert!(notes.iter().any(|n| n["docStatus"] == "preliminary"), "the draft is exported as preliminary");

    // Attachments: every byte, under its name and type; the one in error not at all.
    let files: Vec<_> = docs.iter().filter(|d| d.get("context").is_none()).collect();
    for (name, bytes) in &chart.files {
        let doc = files.iter().find(|d| d["content"][0]["attachment"]["title"] == name.as_str()).expect(name);
        assert_eq!(&decoded(doc), bytes, "{name}");
        assert_eq!(doc["content"][0]["attachment"]["size"], bytes.len());
    }
    assert!(!serde_json::to_string(&bundle).unwrap().contains(&chart.in_error_file));
}

#[test]
fn the_structural_checker_finds_what_it_is_meant_to_find() {
    let w = world();
    let mut pat = provider(&w);
    let fields = tagged_person("Tagcheck2468", "Ann", "Lee", "1970-01-02", None);
    let chart = full_chart(&w, &mut pat, &fields, "Tagcheck2468");
    let good = export(&mut pat, chart.patient, ExportPurpose::PatientAccess).unwrap();
    assert!(check_bundle(&good).0.is_empty());
    let index = |kind: &str| {
        good["entry"].as_array().unwrap().iter().position(|e| e["resource"]["resourceType"] == kind).unwrap()
    };
    let broken = |change: &dyn Fn(&mut Value), expect: &str| {
        let mut b = good.clone();
        change(&mut b);
        let problems = check_bundle(&b).0;
        assert!(problems.iter().any(|p| p.contains(expect)), "{expect:?} not found in {problems:?}");
    };
    let enc = index("Encounter");
    let obs = index("Observation");
    let cond = index("Condition");
    broken(
        &|b| drop(b["entry"][enc]["resource"].as_object_mut().unwrap().remove("status")),
        "Encounter..status: 0 of at least 1",
    );
    broken(&|b| b["entry"][enc]["resource"]["status"] = "done".into(), "not in its required value set");
    broken(
        &|b| {
            b["entry"][obs]["resource"]["subject"]["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000000".into()
        },
        "does not resolve",
    );
    broken(
        &|b| {
            let u = b["entry"][0]["fullUrl"].clone();
            b["entry"][1]["fullUrl"] = u;
        },
        "not unique",
    );
    broken(&|b| b["entry"][obs]["resource"]["category"] = Value::Array(vec![]), "empty array");
    broken(
        &|b| b["entry"][obs]["resource"]["code"] = serde_json::json!([{ "text": "x" }]),
        "an array where one value is allowed",
    );
    broken(&|b| b["entry"][cond]["resource"]["clinicalStatus"] = Value::Null, "null");
    broken(&|b| b["entry"][0]["resource"]["birthDate"] = "12/04/1961".into(), "is not a Date");
    broken(&|b| b["entry"][0]["resource"]["nickname"] = "x".into(), "not an element the checker knows");
}

/// Records the largest single write it is given.
struct Largest {
    bytes: Vec<u8>,
    largest: usize,
}

impl Write for Largest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.largest = self.largest.max(buf.len());
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_large_attachment_is_streamed_into_the_bundle_not_written_whole() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let big = png(6 * 1024 * 1024 + 5);
    attach(&mut pat, p.id, "xray.png", &big, "chest");
    let mut out = Largest { bytes: Vec::new(), largest: 0 };
    pat.export_patient(p.id, PatientExportFormat::Fhir, ExportPurpose::PatientAccess, &mut out).unwrap();
    assert!(out.largest < 256 * 1024, "a write of {} bytes: the attachment was not streamed", out.largest);
    let bundle: Value = serde_json::from_slice(&out.bytes).unwrap();
    assert!(check_bundle(&bundle).0.is_empty());
    let data = at(&bundle, "entry.resource.content.attachment.data")[0].as_str().unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(data).unwrap(), big);
}

#[test]
fn staff_and_administrators_are_refused_a_patient_export_and_the_refusal_is_audited() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    pat.logout().unwrap();
    let mut sam = staff(&w);
    for format in [PatientExportFormat::Fhir, PatientExportFormat::Html, PatientExportFormat::Pdf] {
        let mut out = Vec::new();
        let r = sam.export_patient(p.id, format, ExportPurpose::PatientAccess, &mut out);
        assert!(matches!(r, Err(CoreError::Denied(Permission::PatientExport))), "{format:?}: {r:?}");
        assert!(out.is_empty(), "nothing is written when refused");
    }
    sam.logout().unwrap();
    let mut ada = w.admin();
    let mut out = Vec::new();
    let r = ada.export_patient(p.id, PatientExportFormat::Fhir, ExportPurpose::PatientAccess, &mut out);
    assert!(matches!(r, Err(CoreError::Denied(Permission::PatientExport))), "{r:?}");
    assert!(out.is_empty());
    let denied = ada
        .audit_list(&Filter { action: Some(Action::PermissionDenied), patient_id: Some(p.id), ..Filter::default() })
        .unwrap();
    let by: Vec<&str> = denied.iter().map(|e| e.actor.username.as_str()).collect();
    assert_eq!(by.iter().filter(|u| **u == "sam").count(), 3, "{by:?}");
    assert_eq!(by.iter().filter(|u| **u == "ada").count(), 1, "{by:?}");
    assert!(denied.iter().all(|e| e.event.detail.as_deref() == Some("patient_export")));
    assert!(actions(&mut ada, Action::Export).is_empty(), "no export happened");
}

#[test]
fn sharing_needs_a_data_sharing_consent_in_force_and_the_patients_own_request_does_not() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let refused = |s: &mut Session| {
        let mut out = Vec::new();
        let r = s.export_patient(p.id, PatientExportFormat::Fhir, ExportPurpose::Sharing, &mut out);
        assert!(matches!(r, Err(CoreError::ConsentRequired { scope: "data sharing" })), "{r:?}");
        assert!(out.is_empty());
        assert!(matches!(s.check_patient_export(p.id, ExportPurpose::Sharing), Err(CoreError::ConsentRequired { .. })));
    };
    refused(&mut pat);
    export(&mut pat, p.id, ExportPurpose::PatientAccess).expect("the patient's own request needs no consent");
    let today = w.clock_today();
    let research = NewConsent { scope: ConsentScope::Research, granted_on: today, expires_on: None, note: None };
    pat.record_consent(p.id, &research).unwrap();
    refused(&mut pat);
    let expired = NewConsent {
        scope: ConsentScope::DataSharing,
        granted_on: day("2020-01-01"),
        expires_on: Some(day("2020-12-31")),
        note: None,
    };
    pat.record_consent(p.id, &expired).unwrap();
    refused(&mut pat);
    let sharing = NewConsent { scope: ConsentScope::DataSharing, granted_on: today, expires_on: None, note: None };
    let consent = pat.record_consent(p.id, &sharing).unwrap();
    pat.check_patient_export(p.id, ExportPurpose::Sharing).unwrap();
    export(&mut pat, p.id, ExportPurpose::Sharing).expect("a consent in force allows sharing");
    pat.withdraw_consent(consent.id).unwrap();
    refused(&mut pat);
    pat.logout().unwrap();

    let mut ada = w.admin();
    let exports =
        ada.audit_list(&Filter { action: Some(Action::Export), patient_id: Some(p.id), ..Filter::default() }).unwrap();
    let denied = exports.iter().filter(|e| e.event.outcome == Outcome::Denied).count();
    assert_eq!(denied, 8, "each refusal for want of consent is audited (export and check)");
    let done: Vec<&str> = exports
        .iter()
        .filter(|e| e.event.outcome == Outcome::Success)
        .filter_map(|e| e.event.detail.as_deref())
        .collect();
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().any(|d| d.contains("fhir") && d.contains("access request")), "{done:?}");
    assert!(done.iter().any(|d| d.contains("fhir") && d.contains("sharing")), "{done:?}");
}

#[test]
fn a_restricted_record_is_exported_only_with_its_permission_or_emergency_access_which_is_flagged() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat
        .register_patient(&chartvault_core::records::PatientFields { restricted: true, ..person("Vip", "Person") })
        .unwrap();
    let mut out = Vec::new();
    let r = pat.export_patient(p.id, PatientExportFormat::Html, ExportPurpose::PatientAccess, &mut out);
    assert!(matches!(r, Err(CoreError::Denied(Permission::RestrictedRecordRead))), "{r:?}");
    assert!(out.is_empty());
    pat.break_glass(p.id, Permission::RestrictedRecordRead, "patient unconscious in the waiting room").unwrap();
    pat.export_patient(p.id, PatientExportFormat::Html, ExportPurpose::PatientAccess, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("Vip Person"));
    pat.logout().unwrap();
    let mut ada = w.admin();
    let exports =
        ada.audit_list(&Filter { action: Some(Action::Export), patient_id: Some(p.id), ..Filter::default() }).unwrap();
    assert_eq!(exports.len(), 1);
    assert!(exports[0].event.emergency, "an export under emergency access is flagged");
}

/// Fails at the first byte.
struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk full"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_export_is_audited_with_the_patient_before_the_first_byte_and_a_failed_write_is_audited_too() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    let r = pat.export_patient(p.id, PatientExportFormat::Pdf, ExportPurpose::PatientAccess, &mut Broken);
    assert!(matches!(r, Err(CoreError::ExportWrite(_))), "{r:?}");
    pat.logout().unwrap();
    let mut ada = w.admin();
    let exports = ada
        .audit_list(&Filter {
            action: Some(Action::Export),
            patient_id: Some(p.id),
            order: chartvault_core::audit::Order::OldestFirst,
            ..Filter::default()
        })
        .unwrap();
    let seen: Vec<(Outcome, Option<i64>, String, String)> = exports
        .iter()
        .map(|e| {
            (
                e.event.outcome,
                e.event.patient_id,
                e.event.target_kind.clone().unwrap_or_default(),
                e.event.detail.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].0, seen[0].1, seen[0].2.as_str()), (Outcome::Success, Some(p.id), "patient"));
    assert!(seen[0].3.contains("pdf") && seen[0].3.contains("access request"), "{seen:?}");
    assert_eq!((seen[1].0, seen[1].1), (Outcome::Failed, Some(p.id)));
}

#[test]
fn an_export_needs_the_password_entered_in_the_last_five_minutes() {
    let w = world();
    let mut pat = provider(&w);
    let p = pat.register_patient(&person("Grace", "Hopper")).unwrap();
    w.clock.advance(chrono::Duration::minutes(6));
    let mut out = Vec::new();
    let r = pat.export_patient(p.id, PatientExportFormat::Fhir, ExportPurpose::PatientAccess, &mut out);
    assert!(matches!(r, Err(CoreError::PasswordNeeded)), "{r:?}");
    assert!(out.is_empty());
    pat.reauthenticate(&pw(PROVIDER_NEW_PW)).unwrap();
    pat.export_patient(p.id, PatientExportFormat::Fhir, ExportPurpose::PatientAccess, &mut out).unwrap();
    assert!(!out.is_empty());
}
