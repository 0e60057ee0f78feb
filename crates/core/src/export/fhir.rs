//! FHIR R4 JSON: the resources of a patient's record (the bundle that
//! holds them is written by `fhir_bundle.rs`).
//!
//! Choices: every entry is named by a random `urn:uuid:` (its `fullUrl`)
//! and referred to by it; resources carry no `id`. A visit's note (draft or
//! signed) is one `DocumentReference` of `text/plain` whose context is the
//! visit's `Encounter` (the SOAP sections, then the addenda, in one text).
//! Vital signs follow the vital-signs profile's LOINC codes and UCUM units.

use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::record::{PatientRecord, in_error, soap_sections};
use crate::records::consents::{ConsentScope, ConsentStatus};
use crate::records::lists::ChartEntry;
use crate::records::visits::{Addendum, Note, Visit, VisitKind, Vitals, VitalsRecord};
use crate::records::{Attachment, Consent, Patient};

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// The system of the clinic's medical record numbers.
pub(crate) const MRN_SYSTEM: &str = "urn:chartvault:mrn";
/// The system of the de-identified export's pseudonyms.
pub(crate) const PSEUDONYM_SYSTEM: &str = "urn:chartvault:deidentified-subject";

/// How much of a resource an export may hold: everything, or what HIPAA
/// Safe Harbor leaves (no free text, dates as years, no names of people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    Full,
    SafeHarbor,
}

impl Detail {
    fn full(self) -> bool {
        self == Detail::Full
    }

    /// A time as a FHIR instant, or its year.
    fn time(self, t: DateTime<Utc>) -> String {
        match self {
            Detail::Full => instant(t),
            Detail::SafeHarbor => t.year().to_string(),
        }
    }

    /// A stored date (`YYYY-MM-DD`), left out under Safe Harbor.
    fn date(self, d: Option<&str>) -> Option<String> {
        d.filter(|_| self.full()).map(str::to_owned)
    }

    /// Free text, left out under Safe Harbor.
    fn text(self, t: Option<&str>) -> Option<String> {
        t.filter(|_| self.full()).map(str::to_owned)
    }
}

/// A FHIR instant (seconds, UTC).
pub(crate) fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn reference(urn: &str) -> Value {
    json!({ "reference": urn })
}

fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display })
}

/// FHIR JSON has no nulls and no empty arrays or objects: builders write
/// `Option`s freely and this drops what is absent.
pub(crate) fn tidy(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let kept: Map<String, Value> =
                map.into_iter().map(|(k, v)| (k, tidy(v))).filter(|(_, v)| !is_empty(v)).collect();
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(tidy).filter(|v| !is_empty(v)).collect()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// An identifier system as a URI: one that is already a URI is kept,
/// anything else (a word such as "NHS") becomes a `urn:chartvault:` name.
fn identifier_system(system: &str) -> String {
    if system.contains(':') && !system.contains(char::is_whitespace) {
        return system.to_owned();
    }
    let mut out = String::from("urn:chartvault:identifier:");
    for b in system.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
            out.push(char::from(b.to_ascii_lowercase()));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Patient resource, in full.
pub(crate) fn patient(p: &Patient, identifiers: &[(String, String)]) -> Value {
    let f = &p.fields;
    let mut ids = vec![json!({
        "use": "usual",
        "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
        "system": MRN_SYSTEM,
        "value": p.mrn,
    })];
    ids.extend(identifiers.iter().map(
        |(system, value)| json!({ "type": { "text": system }, "system": identifier_system(system), "value": value }),
    ));
    let telecom: Vec<Value> = [("phone", &f.phone), ("email", &f.email)]
        .into_iter()
        .filter_map(|(system, v)| v.as_ref().map(|v| json!({ "system": system, "value": v })))
        .collect();
    let address = (f.address.is_some() || f.postal_code.is_some())
        .then(|| json!([{ "text": f.address, "postalCode": f.postal_code }]));
    tidy(json!({
        "resourceType": "Patient",
        "identifier": ids,
        "active": p.archived_at.is_none(),
        "name": [{
            "use": "official",
            "text": format!("{} {}", f.given_name, f.family_name),
            "family": f.family_name,
            "given": f.given_name.split_whitespace().collect::<Vec<_>>(),
        }],
        "telecom": telecom,
        "gender": f.sex.as_str(),
        "birthDate": f.date_of_birth.to_string(),
        "address": address,
    }))
}

/// The Patient resource of the de-identified export: a pseudonym, sex,
/// the year of birth (or none, with an extension, for ages of 90 or more)
/// and the three-digit ZIP.
pub(crate) fn deidentified_patient(pseudonym: &str, sex: &str, birth_year: &str, zip3: Option<&str>) -> Value {
    let over_89 = birth_year == super::deid::NINETY_PLUS;
    tidy(json!({
        "resourceType": "Patient",
        "extension": over_89.then(|| json!([{ "url": "urn:chartvault:deidentified:age-90-or-over", "valueBoolean": true }])),
        "identifier": [{ "system": PSEUDONYM_SYSTEM, "value": pseudonym }],
        "gender": sex,
        "birthDate": (!over_89).then_some(birth_year),
        // The three-digit ZIP ("000": withheld) in the only place R4 has for it.
        "address": zip3.map(|z| json!([{ "postalCode": z }])),
    }))
}

fn encounter_class(kind: VisitKind) -> (&'static str, &'static str) {
    match kind {
        VisitKind::Office | VisitKind::Other => ("AMB", "ambulatory"),
        VisitKind::Telephone | VisitKind::Video => ("VR", "virtual"),
        VisitKind::Home => ("HH", "home health"),
        VisitKind::Emergency => ("EMER", "emergency"),
    }
}

/// A visit as an Encounter.
pub(crate) fn encounter(v: &Visit, subject: &str, provider: Option<&str>, detail: Detail) -> Value {
    let (code, display) = encounter_class(v.kind);
    tidy(json!({
        "resourceType": "Encounter",
        "status": "finished",
        "class": { "system": ACT_CODE, "code": code, "display": display },
        "type": [{ "text": v.kind.as_str() }],
        "subject": reference(subject),
        "participant": provider.filter(|_| detail.full()).map(|p| json!([{ "individual": { "display": p } }])),
        "period": { "start": detail.time(v.started_at) },
        "reasonCode": detail.text(v.reason.as_deref()).map(|r| json!([{ "text": r }])),
    }))
}

fn quantity(value: Value, unit: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": unit })
}

/// One measured vital sign: its LOINC code and name, value and UCUM unit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measure {
    pub code: &'static str,
    pub display: &'static str,
    pub value: Value,
    pub unit: &'static str,
}

const SYSTOLIC: &str = "8480-6";
const DIASTOLIC: &str = "8462-4";

/// The measures of one set of vital signs (blood pressure as its two values).
pub(crate) fn measures(m: &Vitals) -> Vec<Measure> {
    let all: [(Option<Value>, &str, &str, &str); 7] = [
        (m.systolic.map(Value::from), SYSTOLIC, "Systolic blood pressure", "mm[Hg]"),
        (m.diastolic.map(Value::from), DIASTOLIC, "Diastolic blood pressure", "mm[Hg]"),
        (m.pulse.map(Value::from), "8867-4", "Heart rate", "/min"),
        (m.temperature_c.map(Value::from), "8310-5", "Body temperature", "Cel"),
        (m.weight_kg.map(Value::from), "29463-7", "Body weight", "kg"),
        (m.height_cm.map(Value::from), "8302-2", "Body height", "cm"),
        (m.spo2.map(Value::from), "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    ];
    all.into_iter()
        .filter_map(|(value, code, display, unit)| value.map(|value| Measure { code, display, value, unit }))
        .collect()
}

/// One vital-signs Observation per measure, blood pressure as a panel of
/// its two values.
pub(crate) fn vital_observations(v: &VitalsRecord, subject: &str, encounter: &str, detail: Detail) -> Vec<Value> {
    let observation = |code: &str, display: &str, value: Option<Value>, components: Option<Value>| {
        tidy(json!({
            "resourceType": "Observation",
            "status": "final",
            "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            "code": concept(LOINC, code, display),
            "subject": reference(subject),
            "encounter": reference(encounter),
            "effectiveDateTime": detail.time(v.taken_at),
            "valueQuantity": value,
            "component": components,
        }))
    };
    let (pressure, singles): (Vec<Measure>, Vec<Measure>) =
        measures(&v.vitals).into_iter().partition(|m| m.code == SYSTOLIC || m.code == DIASTOLIC);
    let mut out = Vec::new();
    if !pressure.is_empty() {
        let parts: Vec<Value> = pressure
            .into_iter()
            .map(|m| json!({ "code": concept(LOINC, m.code, m.display), "valueQuantity": quantity(m.value, m.unit) }))
            .collect();
        out.push(observation("85354-9", "Blood pressure panel with all children optional", None, Some(json!(parts))));
    }
    for m in singles {
        out.push(observation(m.code, m.display, Some(quantity(m.value, m.unit)), None));
    }
    out
}

/// The text of a visit's note: its sections, then its addenda.
pub(crate) fn note_text(note: &Note, addenda: &[Addendum], rec: &PatientRecord) -> String {
    let mut text = String::new();
    for (name, body) in soap_sections(&note.soap) {
        text.push_str(&format!("{name}:\n{body}\n\n"));
    }
    if let Some((by, at)) = note.signed {
        text.push_str(&format!("Signed by {} at {}\n", rec.user(by), instant(at)));
    }
    for a in addenda {
        text.push_str(&format!("\nAddendum by {} at {}:\n{}\n", rec.user(a.author_id), instant(a.created_at), a.text));
    }
    text
}

/// A visit's note as a DocumentReference whose context is its Encounter.
pub(crate) fn note_document(
    note: &Note,
    addenda: &[Addendum],
    rec: &PatientRecord,
    subject: &str,
    encounter: &str,
) -> Value {
    let text = note_text(note, addenda, rec);
    tidy(json!({
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": if note.signed.is_some() { "final" } else { "preliminary" },
        "type": { "text": "Visit note (SOAP)" },
        "subject": reference(subject),
        "date": note.signed.map(|(_, at)| instant(at)),
        "authenticator": note.signed.map(|(by, _)| json!({ "display": rec.user(by) })),
        "content": [{ "attachment": {
            "contentType": "text/plain; charset=utf-8",
            "title": "Visit note",
            "data": base64::Engine::encode(&STANDARD, text.as_bytes()),
        } }],
        "context": { "encounter": [reference(encounter)] },
    }))
}

fn list_status(e: &ChartEntry) -> &str {
    e.get("status").unwrap_or("active")
}

/// The clinical and verification statuses of a list entry, in the code
/// systems named (under terminology.hl7.org). One entered in error has that
/// verification status and, as R4 requires (con-5, ait-2), no clinical one.
fn statuses(e: &ChartEntry, clinical_system: &str, verification_system: &str) -> (Option<Value>, Value) {
    let system = |name: &str| format!("http://terminology.hl7.org/CodeSystem/{name}");
    let status = list_status(e);
    if in_error(e) {
        (None, concept(&system(verification_system), "entered-in-error", "Entered in Error"))
    } else {
        (
            Some(concept(&system(clinical_system), status, status)),
            concept(&system(verification_system), "confirmed", "Confirmed"),
        )
    }
}

/// A problem as a Condition (problem-list item). One entered in error has
/// that verification status and, as R4 requires, no clinical status.
pub(crate) fn condition(e: &ChartEntry, subject: &str, detail: Detail) -> Value {
    let status = list_status(e);
    let (clinical, verification) = statuses(e, "condition-clinical", "condition-ver-status");
    // An abatement only with a status that says it is over (R4's con-4).
    let abated = matches!(status, "resolved" | "inactive");
    tidy(json!({
        "resourceType": "Condition",
        "clinicalStatus": clinical,
        "verificationStatus": verification,
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
        "code": { "text": e.get("description") },
        "subject": reference(subject),
        "onsetDateTime": detail.date(e.get("onset")),
        "abatementDateTime": detail.date(e.get("resolved").filter(|_| abated)),
        "recordedDate": detail.full().then(|| instant(e.recorded_at)),
        "note": detail.text(e.get("note")).map(|n| json!([{ "text": n }])),
    }))
}

/// An allergy as an AllergyIntolerance.
pub(crate) fn allergy(e: &ChartEntry, subject: &str, detail: Detail) -> Value {
    let (clinical, verification) = statuses(e, "allergyintolerance-clinical", "allergyintolerance-verification");
    let severity = e.get("severity").filter(|s| matches!(*s, "mild" | "moderate" | "severe"));
    // A reaction needs a manifestation; under Safe Harbor its words are
    // free text and stay out, the severity kept.
    let manifestation = match (detail, e.get("reaction")) {
        (Detail::Full, Some(r)) => Some(r.to_owned()),
        (Detail::Full, None) => severity.map(|_| "not recorded".to_owned()),
        (Detail::SafeHarbor, _) => severity.map(|_| "not exported".to_owned()),
    };
    let reaction = manifestation.map(|m| json!([{ "manifestation": [{ "text": m }], "severity": severity }]));
    tidy(json!({
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": clinical,
        "verificationStatus": verification,
        "code": { "text": e.get("substance") },
        "patient": reference(subject),
        "recordedDate": detail.full().then(|| instant(e.recorded_at)),
        "reaction": reaction,
        "note": detail.text(e.get("note")).map(|n| json!([{ "text": n }])),
    }))
}

/// A medication as a MedicationStatement.
pub(crate) fn medication(e: &ChartEntry, subject: &str, detail: Detail) -> Value {
    let status = match list_status(e) {
        "entered_in_error" => "entered-in-error",
        other => other,
    };
    let dose = e.get("dose");
    let text = match (dose, detail.text(e.get("frequency"))) {
        (Some(d), Some(f)) => Some(format!("{d}, {f}")),
        (Some(d), None) => Some(d.to_owned()),
        (None, f) => f,
    };
    let dosage = (text.is_some() || e.get("route").is_some())
        .then(|| json!([{ "text": text, "route": e.get("route").map(|r| json!({ "text": r })) }]));
    let period = json!({ "start": detail.date(e.get("start_date")), "end": detail.date(e.get("stop_date")) });
    tidy(json!({
        "resourceType": "MedicationStatement",
        "status": status,
        "medicationCodeableConcept": { "text": e.get("name") },
        "subject": reference(subject),
        "effectivePeriod": period,
        "dateAsserted": detail.full().then(|| instant(e.recorded_at)),
        "dosage": dosage,
        "note": detail.text(e.get("note")).map(|n| json!([{ "text": n }])),
    }))
}

/// A consent as a Consent: active while in force, inactive once expired,
/// rejected once withdrawn.
pub(crate) fn consent(c: &Consent, subject: &str, today: NaiveDate) -> Value {
    let status = match c.status(today) {
        ConsentStatus::Active | ConsentStatus::NotYetValid => "active",
        ConsentStatus::Expired => "inactive",
        ConsentStatus::Withdrawn => "rejected",
    };
    let (code, display) = match c.scope {
        ConsentScope::Treatment => ("treatment", "Treatment"),
        ConsentScope::DataSharing => ("patient-privacy", "Privacy Consent"),
        ConsentScope::Research => ("research", "Research"),
    };
    tidy(json!({
        "resourceType": "Consent",
        "status": status,
        "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope", code, display),
        "category": [{ "coding": [{ "system": LOINC, "code": "59284-0", "display": "Patient Consent" }], "text": c.scope.label() }],
        "patient": reference(subject),
        "dateTime": instant(c.recorded_at),
        "policyRule": concept(ACT_CODE, "OPTIN", "opt-in"),
        "provision": {
            "type": "permit",
            "period": { "start": c.granted_on.to_string(), "end": c.expires_on.map(|d| d.to_string()) },
        },
    }))
}

/// An attachment as a DocumentReference, without its bytes (written after
/// `content.attachment` is opened, see [`super::fhir_bundle::Bundle::entry_with_data`]), and
/// that attachment's members.
pub(crate) fn attachment_document(a: &Attachment, subject: &str) -> (Value, Value) {
    let resource = tidy(json!({
        "resourceType": "DocumentReference",
        "status": "current",
        "type": { "text": "Attachment" },
        "subject": reference(subject),
        "date": instant(a.added_at),
        "description": a.description,
    }));
    let attachment = json!({
        "contentType": a.content_type.mime(),
        "title": a.file_name,
        "size": a.size,
        "creation": instant(a.added_at),
    });
    (resource, attachment)
}
