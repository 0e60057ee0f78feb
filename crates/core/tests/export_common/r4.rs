//! A structural check of FHIR R4 JSON, written from the R4 specification
//! for the resource types Chartvault exports: each element's cardinality
//! (a table per type), the code systems' allowed codes where a binding is
//! required, the formats of primitive types, the invariants the exporter
//! could break, the JSON rules (no nulls, no empty arrays, objects or
//! strings), and, for a bundle, unique `fullUrl`s and references that
//! resolve inside it.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

/// How many of an element there may be.
#[derive(Debug, Clone, Copy)]
pub enum Max {
    One,
    Many,
}

use Max::{Many, One};

/// (path of the parent inside the resource, "" for the resource, element,
/// min, max).
type Rule = (&'static str, &'static str, usize, Max);

/// The elements of each type that the export uses or that R4 requires.
fn rules(resource_type: &str) -> &'static [Rule] {
    match resource_type {
        "Patient" => &[
            ("", "identifier", 0, Many),
            ("identifier", "system", 0, One),
            ("identifier", "value", 0, One),
            ("", "active", 0, One),
            ("", "name", 0, Many),
            ("name", "family", 0, One),
            ("name", "given", 0, Many),
            ("", "telecom", 0, Many),
            ("", "gender", 0, One),
            ("", "birthDate", 0, One),
            ("", "address", 0, Many),
            ("address", "postalCode", 0, One),
        ],
        "Encounter" => &[
            ("", "status", 1, One),
            ("", "class", 1, One),
            ("", "type", 0, Many),
            ("", "subject", 0, One),
            ("", "participant", 0, Many),
            ("participant", "individual", 0, One),
            ("", "period", 0, One),
            ("period", "start", 0, One),
            ("", "reasonCode", 0, Many),
        ],
        "Observation" => &[
            ("", "status", 1, One),
            ("", "category", 0, Many),
            ("", "code", 1, One),
            ("", "subject", 0, One),
            ("", "encounter", 0, One),
            ("", "effectiveDateTime", 0, One),
            ("", "valueQuantity", 0, One),
            ("", "component", 0, Many),
            ("component", "code", 1, One),
            ("component", "valueQuantity", 0, One),
        ],
        "Condition" => &[
            ("", "clinicalStatus", 0, One),
            ("", "verificationStatus", 0, One),
            ("", "category", 0, Many),
            ("", "code", 0, One),
            ("", "subject", 1, One),
            ("", "onsetDateTime", 0, One),
            ("", "abatementDateTime", 0, One),
            ("", "recordedDate", 0, One),
            ("", "note", 0, Many),
            ("note", "text", 1, One),
        ],
        "AllergyIntolerance" => &[
            ("", "clinicalStatus", 0, One),
            ("", "verificationStatus", 0, One),
            ("", "code", 0, One),
            ("", "patient", 1, One),
            ("", "recordedDate", 0, One),
            ("", "reaction", 0, Many),
            ("reaction", "manifestation", 1, Many),
            ("reaction", "severity", 0, One),
            ("", "note", 0, Many),
        ],
        "MedicationStatement" => &[
            ("", "status", 1, One),
            ("", "medicationCodeableConcept", 1, One),
            ("", "subject", 1, One),
            ("", "effectivePeriod", 0, One),
            ("", "dateAsserted", 0, One),
            ("", "dosage", 0, Many),
            ("dosage", "text", 0, One),
            ("dosage", "route", 0, One),
            ("", "note", 0, Many),
        ],
        "Consent" => &[
            ("", "status", 1, One),
            ("", "scope", 1, One),
            ("", "category", 1, Many),
            ("", "patient", 0, One),
            ("", "dateTime", 0, One),
            ("", "policyRule", 0, One),
            ("", "provision", 0, One),
            ("provision", "type", 0, One),
            ("provision", "period", 0, One),
        ],
        "DocumentReference" => &[
            ("", "status", 1, One),
            ("", "docStatus", 0, One),
            ("", "type", 0, One),
            ("", "subject", 0, One),
            ("", "date", 0, One),
            ("", "authenticator", 0, One),
            ("", "description", 0, One),
            ("", "content", 1, Many),
            ("content", "attachment", 1, One),
            ("content.attachment", "contentType", 0, One),
            ("content.attachment", "data", 0, One),
            ("content.attachment", "title", 0, One),
            ("content.attachment", "size", 0, One),
            ("content.attachment", "creation", 0, One),
            ("", "context", 0, One),
            ("context", "encounter", 0, Many),
        ],
        other => panic!("the checker has no table for {other}"),
    }
}

/// Required bindings: (type, element path, allowed codes). Coded elements
/// hold a code (a string) or a CodeableConcept whose codings are checked.
const CODES: &[(&str, &str, &[&str])] = &[
    ("Patient", "gender", &["male", "female", "other", "unknown"]),
    (
        "Encounter",
        "status",
        &[
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "entered-in-error",
            "unknown",
        ],
    ),
    (
        "Observation",
        "status",
        &["registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"],
    ),
    ("Condition", "clinicalStatus", &["active", "recurrence", "relapse", "inactive", "remission", "resolved"]),
    (
        "Condition",
        "verificationStatus",
        &["unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"],
    ),
    ("AllergyIntolerance", "clinicalStatus", &["active", "inactive", "resolved"]),
    ("AllergyIntolerance", "verificationStatus", &["unconfirmed", "confirmed", "refuted", "entered-in-error"]),
    ("AllergyIntolerance", "reaction.severity", &["mild", "moderate", "severe"]),
    (
        "MedicationStatement",
        "status",
        &["active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"],
    ),
    ("Consent", "status", &["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"]),
    ("Consent", "scope", &["adr", "research", "patient-privacy", "treatment"]),
    ("Consent", "provision.type", &["deny", "permit"]),
    ("DocumentReference", "status", &["current", "superseded", "entered-in-error"]),
    ("DocumentReference", "docStatus", &["preliminary", "final", "amended", "entered-in-error"]),
];

/// Elements of a date, dateTime (`Moment`) or instant type, and which.
const TIMES: &[(&str, &str, Time)] = &[
    ("Patient", "birthDate", Time::Date),
    ("Encounter", "period.start", Time::Moment),
    ("Observation", "effectiveDateTime", Time::Moment),
    ("Condition", "onsetDateTime", Time::Moment),
    ("Condition", "abatementDateTime", Time::Moment),
    ("Condition", "recordedDate", Time::Moment),
    ("AllergyIntolerance", "recordedDate", Time::Moment),
    ("MedicationStatement", "effectivePeriod.start", Time::Moment),
    ("MedicationStatement", "effectivePeriod.end", Time::Moment),
    ("MedicationStatement", "dateAsserted", Time::Moment),
    ("Consent", "dateTime", Time::Moment),
    ("Consent", "provision.period.start", Time::Moment),
    ("Consent", "provision.period.end", Time::Moment),
    ("DocumentReference", "date", Time::Instant),
    ("DocumentReference", "content.attachment.creation", Time::Moment),
];

#[derive(Debug, Clone, Copy)]
enum Time {
    Date,
    Moment,
    Instant,
}

/// The values at `path` (dots between elements; arrays flattened).
pub fn at<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut found = vec![v];
    for step in path.split('.').filter(|s| !s.is_empty()) {
        found = found
            .into_iter()
            .flat_map(|x| match x.get(step) {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(other) => vec![other],
                None => vec![],
            })
            .collect();
    }
    found
}

fn is_time(s: &str, kind: Time) -> bool {
    let date = |d: &str| match d.len() {
        4 => d.parse::<u16>().is_ok(),
        7 => chrono::NaiveDate::parse_from_str(&format!("{d}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(),
        _ => false,
    };
    let instant = |t: &str| t.contains('T') && chrono::DateTime::parse_from_rfc3339(t).is_ok();
    match kind {
        Time::Date => date(s),
        Time::Moment => date(s) || instant(s),
        Time::Instant => instant(s),
    }
}

/// Problems found in `v` by the JSON rules.
fn json_rules(v: &Value, path: &str, problems: &mut Vec<String>) {
    match v {
        Value::Null => problems.push(format!("{path}: null")),
        Value::String(s) if s.is_empty() => problems.push(format!("{path}: empty string")),
        Value::Array(a) if a.is_empty() => problems.push(format!("{path}: empty array")),
        Value::Object(o) if o.is_empty() => problems.push(format!("{path}: empty object")),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| json_rules(x, &format!("{path}[{i}]"), problems)),
        Value::Object(o) => o.iter().for_each(|(k, x)| json_rules(x, &format!("{path}.{k}"), problems)),
        _ => {}
    }
}

fn codes_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        other => at(other, "coding.code").into_iter().filter_map(|c| c.as_str().map(str::to_owned)).collect(),
    }
}

/// Problems of one resource.
pub fn check_resource(r: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(t) = r.get("resourceType").and_then(Value::as_str) else {
        return vec!["a resource without resourceType".into()];
    };
    json_rules(r, t, &mut problems);
    for (parent, element, min, max) in rules(t) {
        for p in at(r, parent) {
            let n = match p.get(*element) {
                None => 0,
                Some(Value::Array(a)) => {
                    if matches!(max, One) {
                        problems.push(format!("{t}.{parent}.{element}: an array where one value is allowed"));
                    }
                    a.len()
                }
                Some(_) => {
                    if matches!(max, Many) {
                        problems.push(format!("{t}.{parent}.{element}: a single value where R4 has an array"));
                    }
                    1
                }
            };
            if n < *min {
                problems.push(format!("{t}.{parent}.{element}: {n} of at least {min}"));
            }
        }
    }
    let known: HashSet<&str> = rules(t).iter().filter(|(p, ..)| p.is_empty()).map(|(_, e, ..)| *e).collect();
    for key in r.as_object().into_iter().flat_map(|o| o.keys()) {
        let generic = ["resourceType", "id", "meta", "extension", "text"];
        if !known.contains(key.as_str()) && !generic.contains(&key.as_str()) {
            problems.push(format!("{t}.{key}: not an element the checker knows for {t}"));
        }
    }
    for (ty, path, allowed) in CODES.iter().filter(|(ty, ..)| *ty == t) {
        for v in at(r, path) {
            for code in codes_of(v) {
                if !allowed.contains(&code.as_str()) {
                    problems.push(format!("{ty}.{path}: {code:?} is not in its required value set"));
                }
            }
        }
    }
    for (_, path, kind) in TIMES.iter().filter(|(ty, ..)| *ty == t) {
        for v in at(r, path) {
            if !v.as_str().is_some_and(|s| is_time(s, *kind)) {
                problems.push(format!("{t}.{path}: {v} is not a {kind:?}"));
            }
        }
    }
    // Quantities: a number, a UCUM code with the UCUM system.
    for q in at(r, "valueQuantity").into_iter().chain(at(r, "component.valueQuantity")) {
        if !q.get("value").is_some_and(Value::is_number)
            || q.get("system").and_then(Value::as_str) != Some("http://unitsofmeasure.org")
            || q.get("code").and_then(Value::as_str).is_none()
        {
            problems.push(format!("{t}: a quantity without a number and a UCUM code: {q}"));
        }
    }
    invariants(t, r, &mut problems);
    problems
}

/// The R4 invariants the export could break.
fn invariants(t: &str, r: &Value, problems: &mut Vec<String>) {
    let codes = |path: &str| at(r, path).into_iter().flat_map(codes_of).collect::<Vec<_>>();
    let in_error = codes("verificationStatus").iter().any(|c| c == "entered-in-error");
    let has = |e: &str| r.get(e).is_some();
    match t {
        "Condition" => {
            if in_error && has("clinicalStatus") {
                problems.push("con-5: a Condition entered in error has a clinicalStatus".into());
            }
            let problem_list = codes("category").iter().any(|c| c == "problem-list-item");
            if problem_list && !in_error && !has("clinicalStatus") {
                problems.push("con-3: a problem-list Condition without clinicalStatus".into());
            }
            if has("abatementDateTime")
                && !codes("clinicalStatus").iter().any(|c| ["inactive", "resolved", "remission"].contains(&c.as_str()))
            {
                problems.push("con-4: an abatement with a clinicalStatus that is not over".into());
            }
        }
        "AllergyIntolerance" => {
            if in_error && has("clinicalStatus") {
                problems.push("ait-2: an AllergyIntolerance entered in error has a clinicalStatus".into());
            }
            if !in_error && !has("clinicalStatus") {
                problems.push("ait-1: an AllergyIntolerance without clinicalStatus".into());
            }
        }
        "Consent" => {
            if !has("policy") && !has("policyRule") {
                problems.push("ppc-1: a Consent without policy or policyRule".into());
            }
            if !has("patient") {
                problems.push("ppc-2..5: a Consent of this scope without its patient".into());
            }
        }
        "DocumentReference" => {
            for a in at(r, "content.attachment") {
                if a.get("data").is_some() && a.get("contentType").is_none() {
                    problems.push("att-1: attachment data without a contentType".into());
                }
            }
        }
        "Observation" => {
            let own = codes("code");
            for c in at(r, "component") {
                if codes_of(c.get("code").unwrap_or(&Value::Null)).iter().any(|x| own.contains(x)) {
                    problems.push("obs-7: a component with the Observation's own code".into());
                }
            }
        }
        "Patient" => {
            for c in at(r, "telecom") {
                if c.get("value").is_some() && c.get("system").is_none() {
                    problems.push("cpt-2: a telecom value without its system".into());
                }
            }
        }
        _ => {}
    }
}

/// Every reference in `v` (values of members named `reference`).
pub fn references(v: &Value) -> Vec<String> {
    match v {
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, x)| match (k.as_str(), x) {
                ("reference", Value::String(s)) => vec![s.clone()],
                _ => references(x),
            })
            .collect(),
        Value::Array(a) => a.iter().flat_map(references).collect(),
        _ => vec![],
    }
}

/// Problems of a whole bundle; and the number of resources of each type.
pub fn check_bundle(bundle: &Value) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut problems = Vec::new();
    let mut kinds = BTreeMap::new();
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        problems.push("not a Bundle".into());
    }
    let types = [
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    ];
    if !bundle.get("type").and_then(Value::as_str).is_some_and(|t| types.contains(&t)) {
        problems.push("Bundle.type: missing or not a bundle type".into());
    }
    if let Some(ts) = bundle.get("timestamp")
        && !ts.as_str().is_some_and(|s| is_time(s, Time::Instant))
    {
        problems.push("Bundle.timestamp: not an instant".into());
    }
    let entries = at(bundle, "entry");
    if bundle.get("entry").is_some_and(|e| !e.is_array()) {
        problems.push("Bundle.entry: not an array".into());
    }
    let mut urls = HashSet::new();
    for e in &entries {
        match e.get("fullUrl").and_then(Value::as_str) {
            Some(u) => {
                let uuid = u.strip_prefix("urn:uuid:").and_then(|x| uuid_shape(x).then_some(x));
                if uuid.is_none() {
                    problems.push(format!("fullUrl {u} is not a urn:uuid"));
                }
                if !urls.insert(u.to_owned()) {
                    problems.push(format!("bdl-7: fullUrl {u} is not unique"));
                }
            }
            None => problems.push("an entry without fullUrl".into()),
        }
        match e.get("resource") {
            Some(r) => {
                *kinds.entry(r.get("resourceType").and_then(Value::as_str).unwrap_or("?").to_owned()).or_insert(0) += 1;
                problems.extend(check_resource(r));
            }
            None => problems.push("an entry without resource".into()),
        }
    }
    for e in &entries {
        for reference in e.get("resource").map(references).unwrap_or_default() {
            if !urls.contains(&reference) {
                problems.push(format!("a reference that does not resolve in the bundle: {reference}"));
            }
        }
    }
    (problems, kinds)
}

/// Whether `s` is a version-4 UUID in its text form.
pub fn uuid_shape(s: &str) -> bool {
    s.len() == 36
        && s.bytes()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == b'-' } else { c.is_ascii_hexdigit() })
        && s.as_bytes()[14] == b'4'
}
