//! One patient's whole record, read with core's own row functions: the
//! export is audited once, as an export, rather than as a series of reads.

use std::collections::HashMap;

use chartvault_seal::rusqlite::Connection;

use crate::records::lists::{self, ChartEntry, ChartList};
use crate::records::{Attachment, Consent, Patient, Soap, VisitRecord, attachments, consents, patients, visits};
use crate::{CoreError, Result};

/// Everything an export of one patient holds.
#[derive(Debug, Clone)]
pub(crate) struct PatientRecord {
    pub patient: Patient,
    /// (system, value), by system.
    pub identifiers: Vec<(String, String)>,
    /// Newest first.
    pub visits: Vec<VisitRecord>,
    /// Oldest first, each list; entries in error included (exports say so
    /// or leave them out).
    pub problems: Vec<ChartEntry>,
    pub allergies: Vec<ChartEntry>,
    pub medications: Vec<ChartEntry>,
    /// Newest first.
    pub consents: Vec<Consent>,
    /// Newest first; those marked as added in error are left out.
    pub attachments: Vec<Attachment>,
    /// The display names of the users the record names.
    users: HashMap<i64, String>,
}

impl PatientRecord {
    /// Reads patient `id`'s record.
    pub(crate) fn read(conn: &Connection, id: i64) -> Result<PatientRecord> {
        let patient = patients::by_id(conn, id)?.ok_or(CoreError::NoSuchPatient(id))?;
        let visits = visits::visit_records(conn, id)?;
        let mut users = HashMap::new();
        let named = visits.iter().flat_map(|v| {
            v.visit
                .provider_id
                .into_iter()
                .chain(v.note.as_ref().and_then(|n| n.signed).map(|(by, _)| by))
                .chain(v.addenda.iter().map(|a| a.author_id))
        });
        for user in named {
            if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(user)
                && let Some(u) = crate::users::by_id(conn, user)?
            {
                slot.insert(u.display_name);
            }
        }
        let list = |l: ChartList| lists::entries(conn, l, id);
        Ok(PatientRecord {
            identifiers: patients::identifiers(conn, id)?,
            problems: list(ChartList::Problems)?,
            allergies: list(ChartList::Allergies)?,
            medications: list(ChartList::Medications)?,
            consents: consents::of_patient(conn, id)?,
            attachments: attachments::of_patient(conn, id)?
                .into_iter()
                .filter(|a| a.entered_in_error_at.is_none())
                .collect(),
            visits,
            users,
            patient,
        })
    }

    /// The display name of user `id` (or a placeholder if not found).
    pub(crate) fn user(&self, id: i64) -> String {
        self.users.get(&id).cloned().unwrap_or_else(|| format!("user {id}"))
    }
}

/// Whether a chart entry was recorded by mistake.
pub(crate) fn in_error(e: &ChartEntry) -> bool {
    e.get("status") == Some("entered_in_error")
}

/// A note's sections that hold text, with their titles, in SOAP order.
pub(crate) fn soap_sections(soap: &Soap) -> impl Iterator<Item = (&'static str, &str)> {
    [
        ("Subjective", soap.subjective.as_str()),
        ("Objective", soap.objective.as_str()),
        ("Assessment", soap.assessment.as_str()),
        ("Plan", soap.plan.as_str()),
    ]
    .into_iter()
    .filter(|(_, body)| !body.trim().is_empty())
}
