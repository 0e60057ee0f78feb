//! A FHIR R4 bundle of type `collection`, written entry by entry, so that
//! an attachment's bytes are streamed in as base64 and never held whole.

use std::io::Write;

use base64::engine::general_purpose::STANDARD;
use base64::write::EncoderWriter;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::fhir::{self, Detail, instant, tidy};
use super::record::PatientRecord;
use super::writing::{failed, put, urn};
use crate::Result;

/// A bundle written entry by entry.
pub(crate) struct Bundle<'a> {
    out: &'a mut dyn Write,
    entries: usize,
}

/// Writes `object` without its closing brace, so that members can follow.
fn open_object(out: &mut dyn Write, object: &Value) -> Result<()> {
    let bytes = serde_json::to_vec(object).map_err(failed)?;
    debug_assert_eq!(bytes.last(), Some(&b'}'));
    put(out, &bytes[..bytes.len() - 1])
}

impl<'a> Bundle<'a> {
    /// Writes the bundle's own members; `timestamp` is left out of a
    /// de-identified bundle (a date of its making is a date all the same).
    pub(crate) fn start(out: &'a mut dyn Write, timestamp: Option<DateTime<Utc>>) -> Result<Bundle<'a>> {
        let head = tidy(json!({
            "resourceType": "Bundle",
            "identifier": { "system": "urn:ietf:rfc:3986", "value": urn()? },
            "type": "collection",
            "timestamp": timestamp.map(instant),
        }));
        open_object(out, &head)?;
        Ok(Bundle { out, entries: 0 })
    }

    fn open_entry(&mut self, full_url: &str) -> Result<()> {
        put(self.out, if self.entries == 0 { b",\"entry\":[" } else { b"," })?;
        self.entries += 1;
        put(self.out, b"{\"fullUrl\":")?;
        serde_json::to_writer(&mut *self.out, full_url).map_err(failed)?;
        put(self.out, b",\"resource\":")
    }

    /// Adds an entry.
    pub(crate) fn entry(&mut self, full_url: &str, resource: &Value) -> Result<()> {
        self.open_entry(full_url)?;
        serde_json::to_writer(&mut *self.out, resource).map_err(failed)?;
        put(self.out, b"}")
    }

    /// Adds a resource whose `content[0].attachment.data` is written by
    /// `data` through a base64 encoder, a chunk at a time.
    pub(crate) fn entry_with_data(
        &mut self,
        full_url: &str,
        resource: &Value,
        attachment: &Value,
        data: impl FnOnce(&mut dyn Write) -> Result<u64>,
    ) -> Result<u64> {
        self.open_entry(full_url)?;
        open_object(self.out, resource)?;
        put(self.out, b",\"content\":[{\"attachment\":")?;
        open_object(self.out, attachment)?;
        put(self.out, b",\"data\":\"")?;
        let mut encoder = EncoderWriter::new(&mut *self.out, &STANDARD);
        let n = data(&mut encoder)?;
        encoder.finish().map_err(failed)?;
        drop(encoder);
        put(self.out, b"\"}}]}}")?;
        Ok(n)
    }

    /// Closes the bundle; returns the number of entries.
    pub(crate) fn finish(self) -> Result<usize> {
        put(self.out, if self.entries == 0 { b"}" } else { b"]}" })?;
        self.out.flush().map_err(failed)?;
        Ok(self.entries)
    }
}

/// Writes patient `rec`'s whole record as a bundle; attachments' bytes
/// read from `conn` as they are written. Returns the attachments written.
pub(crate) fn write_patient_bundle(
    rec: &PatientRecord,
    conn: &chartvault_seal::rusqlite::Connection,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<usize> {
    let mut bundle = Bundle::start(out, Some(now))?;
    let subject = urn()?;
    bundle.entry(&subject, &fhir::patient(&rec.patient, &rec.identifiers))?;
    for v in &rec.visits {
        let enc = urn()?;
        let provider = v.visit.provider_id.map(|id| rec.user(id));
        bundle.entry(&enc, &fhir::encounter(&v.visit, &subject, provider.as_deref(), Detail::Full))?;
        for vitals in &v.vitals {
            for o in fhir::vital_observations(vitals, &subject, &enc, Detail::Full) {
                bundle.entry(&urn()?, &o)?;
            }
        }
        if let Some(note) = &v.note {
            bundle.entry(&urn()?, &fhir::note_document(note, &v.addenda, rec, &subject, &enc))?;
        }
    }
    for e in &rec.problems {
        bundle.entry(&urn()?, &fhir::condition(e, &subject, Detail::Full))?;
    }
    for e in &rec.allergies {
        bundle.entry(&urn()?, &fhir::allergy(e, &subject, Detail::Full))?;
    }
    for e in &rec.medications {
        bundle.entry(&urn()?, &fhir::medication(e, &subject, Detail::Full))?;
    }
    let today = now.date_naive();
    for c in &rec.consents {
        bundle.entry(&urn()?, &fhir::consent(c, &subject, today))?;
    }
    for a in &rec.attachments {
        let (resource, attachment) = fhir::attachment_document(a, &subject);
        let written = bundle.entry_with_data(&urn()?, &resource, &attachment, |w| {
            crate::records::attachments::copy_out(conn, a.id, w)
        })?;
        if written != a.size {
            return Err(crate::CoreError::Damaged {
                path: std::path::PathBuf::from("the vault"),
                what: "an attachment's stored size",
            });
        }
    }
    bundle.finish()?;
    Ok(rec.attachments.len())
}
