//! The printable summary of a patient's record, as a plain document model
//! (sections of labelled fields, list lines and kept-as-written text) that
//! the HTML page and the PDF both render: one source of content, two looks.
//! Entries recorded in error are left out of the summary (the FHIR export
//! keeps them, marked).

use chrono::{DateTime, NaiveDate, Utc};

use super::record::{PatientRecord, in_error, soap_sections};
use crate::records::ConsentStatus;
use crate::records::lists::ChartEntry;
use crate::records::visits::{VisitRecord, Vitals};

/// One piece of a section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A label and its value.
    Field(String, String),
    /// One line of a list.
    Item(String),
    /// A heading within a section (one visit).
    Subheading(String),
    /// Text as written (its line breaks kept), with a label.
    Text(String, String),
    /// What an empty section says.
    Nothing(String),
}

/// A titled part of the summary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    pub heading: &'static str,
    /// Shown so that it cannot be missed (allergies).
    pub prominent: bool,
    pub blocks: Vec<Block>,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub clinic: String,
    /// The patient's name.
    pub patient: String,
    /// When it was made, as printed.
    pub made: String,
    pub sections: Vec<Section>,
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn field(label: &str, value: Option<&str>) -> Option<Block> {
    value.map(|v| Block::Field(label.to_owned(), v.to_owned()))
}

/// "a, b (c)" from the parts that are present.
fn joined(parts: &[Option<&str>], status: Option<&str>) -> String {
    let body = parts.iter().flatten().copied().collect::<Vec<_>>().join(", ");
    match status {
        Some(s) => format!("{body} ({})", s.replace('_', " ")),
        None => body,
    }
}

fn list(entries: &[ChartEntry], none: &str, line: impl Fn(&ChartEntry) -> String) -> Vec<Block> {
    let mut blocks = Vec::new();
    for e in entries.iter().filter(|e| !in_error(e)) {
        blocks.push(Block::Item(line(e)));
        if let Some(note) = e.get("note") {
            blocks.push(Block::Text("Note".into(), note.to_owned()));
        }
    }
    if blocks.is_empty() {
        blocks.push(Block::Nothing(none.to_owned()));
    }
    blocks
}

fn since(label: &str, d: Option<&str>) -> Option<String> {
    d.map(|d| format!("{label} {d}"))
}

/// Vital signs on one line, with units.
pub(crate) fn vitals_line(v: &Vitals) -> String {
    let mut parts = Vec::new();
    if let (Some(s), Some(d)) = (v.systolic, v.diastolic) {
        parts.push(format!("blood pressure {s}/{d} mmHg"));
    }
    if let Some(p) = v.pulse {
        parts.push(format!("pulse {p} /min"));
    }
    if let Some(t) = v.temperature_c {
        parts.push(format!("temperature {t} °C"));
    }
    if let Some(w) = v.weight_kg {
        parts.push(format!("weight {w} kg"));
    }
    if let Some(h) = v.height_cm {
        parts.push(format!("height {h} cm"));
    }
    if let Some(s) = v.spo2 {
        parts.push(format!("SpO2 {s} %"));
    }
    parts.join(", ")
}

fn visit_blocks(v: &VisitRecord, rec: &PatientRecord) -> Vec<Block> {
    let provider = v.visit.provider_id.map(|id| rec.user(id));
    let mut head = format!("{} — {}", when(v.visit.started_at), v.visit.kind.as_str());
    if let Some(p) = &provider {
        head.push_str(&format!(" — {p}"));
    }
    let mut blocks = vec![Block::Subheading(head)];
    blocks.extend(field("Reason", v.visit.reason.as_deref()));
    for m in &v.vitals {
        blocks.push(Block::Item(format!("Vital signs at {}: {}", when(m.taken_at), vitals_line(&m.vitals))));
    }
    if let Some(note) = &v.note {
        for (name, body) in soap_sections(&note.soap) {
            blocks.push(Block::Text(name.into(), body.to_owned()));
        }
        let state = match note.signed {
            Some((by, at)) => format!("signed by {} at {}", rec.user(by), when(at)),
            None => "draft, not signed".to_owned(),
        };
        blocks.push(Block::Field("Note".into(), state));
    }
    for a in &v.addenda {
        blocks.push(Block::Text(
            format!("Addendum by {}, {}", rec.user(a.author_id), when(a.created_at)),
            a.text.clone(),
        ));
    }
    blocks
}

/// The summary of `rec` for the clinic `clinic`, made at `now`.
pub(crate) fn build(rec: &PatientRecord, clinic: &str, now: DateTime<Utc>) -> Summary {
    let p = &rec.patient;
    let f = &p.fields;
    let name = format!("{} {}", f.given_name, f.family_name);
    let mut patient: Vec<Block> = [
        field("Name", Some(&name)),
        field("Record number", Some(&p.mrn)),
        field("Born", Some(&f.date_of_birth.to_string())),
        field("Sex", Some(f.sex.as_str())),
        field("Phone", f.phone.as_deref()),
        field("E-mail", f.email.as_deref()),
        field("Address", f.address.as_deref()),
        field("Postal code", f.postal_code.as_deref()),
        p.archived_at.and_then(|at| field("Archived", Some(&when(at)))),
    ]
    .into_iter()
    .flatten()
    .collect();
    patient.extend(rec.identifiers.iter().map(|(s, v)| Block::Field(s.clone(), v.clone())));
    patient.extend(f.notes.as_ref().map(|n| Block::Text("Notes".into(), n.clone())));

    let allergies = list(&rec.allergies, "No allergies recorded (not the same as no known allergies).", |e| {
        let severity = e.get("severity").filter(|s| *s != "unknown").map(|s| format!("{s} reaction"));
        joined(&[e.get("substance"), severity.as_deref(), e.get("reaction")], e.get("status"))
    });
    let problems = list(&rec.problems, "No problems recorded.", |e| {
        let onset = since("since", e.get("onset"));
        let resolved = since("resolved", e.get("resolved"));
        joined(&[e.get("description"), onset.as_deref(), resolved.as_deref()], e.get("status"))
    });
    let medications = list(&rec.medications, "No medications recorded.", |e| {
        let from = since("from", e.get("start_date"));
        let to = since("until", e.get("stop_date"));
        joined(
            &[e.get("name"), e.get("dose"), e.get("route"), e.get("frequency"), from.as_deref(), to.as_deref()],
            e.get("status"),
        )
    });
    let mut visits: Vec<Block> = rec.visits.iter().flat_map(|v| visit_blocks(v, rec)).collect();
    if visits.is_empty() {
        visits.push(Block::Nothing("No visits recorded.".into()));
    }
    let today: NaiveDate = now.date_naive();
    let mut consents: Vec<Block> = rec
        .consents
        .iter()
        .map(|c| {
            let state = match c.status(today) {
                ConsentStatus::Active => "in force".to_owned(),
                ConsentStatus::NotYetValid => "not yet in force".to_owned(),
                ConsentStatus::Expired => "expired".to_owned(),
                ConsentStatus::Withdrawn => {
                    format!("withdrawn {}", c.withdrawn_at.map(when).unwrap_or_default())
                }
            };
            let until = c.expires_on.map(|d| format!(" until {d}")).unwrap_or_default();
            Block::Item(format!("{}: from {}{until} ({state})", c.scope.label(), c.granted_on))
        })
        .collect();
    if consents.is_empty() {
        consents.push(Block::Nothing("No consents recorded.".into()));
    }
    let mut files: Vec<Block> = rec
        .attachments
        .iter()
        .map(|a| {
            let desc = a.description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default();
            Block::Item(format!(
                "{} ({}, {} bytes, added {}){desc}",
                a.file_name,
                a.content_type.mime(),
                a.size,
                when(a.added_at)
            ))
        })
        .collect();
    if files.is_empty() {
        files.push(Block::Nothing("No attachments.".into()));
    }
    Summary {
        clinic: clinic.to_owned(),
        patient: name,
        made: when(now),
        sections: vec![
            Section { heading: "Patient", prominent: false, blocks: patient },
            Section { heading: "Allergies", prominent: true, blocks: allergies },
            Section { heading: "Problems", prominent: false, blocks: problems },
            Section { heading: "Medications", prominent: false, blocks: medications },
            Section { heading: "Visits", prominent: false, blocks: visits },
            Section { heading: "Consents", prominent: false, blocks: consents },
            Section { heading: "Attachments", prominent: false, blocks: files },
        ],
    }
}
