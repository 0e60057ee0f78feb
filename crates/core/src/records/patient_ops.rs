//! Registering, reading, editing and archiving patients, as session
//! operations: permission (and restriction) checked, the change and its
//! audit entry in one transaction, every read of a record audited.

use crate::access::{Decision, Permission};
use crate::audit::{Action, Event};
use crate::records::mrn;
use crate::records::patients::{self, Patient, PatientFields};
use crate::session::{Session, Stamp};
use crate::{CoreError, Result};
use chartvault_seal::rusqlite::Transaction;

/// Registers checked `fields` (and checked identifiers, as (system,
/// value)) in `tx` under the next record number of `format`, with the
/// audit entry of the registration (every field, identifier and the
/// number as new values; `detail` says how). Returns the id and number.
pub(crate) fn register(
    tx: &Transaction<'_>,
    stamp: &Stamp,
    format: &str,
    fields: &PatientFields,
    identifiers: &[(String, String)],
    detail: &str,
) -> Result<(i64, String)> {
    let mrn = mrn::next(tx, format)?;
    let id = patients::insert(tx, &mrn, fields, stamp.at)?;
    let mut event = Event::new(Action::PatientWrite).target("patient", id.to_string()).patient(id);
    event = event.change("mrn", None, Some(&mrn));
    for (field, value) in fields.audited() {
        event = event.change(field, None, value.as_deref());
    }
    for (system, value) in identifiers {
        patients::set_identifier(tx, id, system, Some(value))?;
        event = event.change(format!("identifier {system}"), None, Some(value));
    }
    stamp.append(tx, &event.detail(detail))?;
    Ok((id, mrn))
}

impl Session {
    /// Checks `permission` on patient `id`'s record. A restricted record
    /// needs the restricted-record permission as well, unless emergency
    /// access to this patient was granted. Returns whether emergency access
    /// is what allowed it (the audit entry is flagged).
    pub(crate) fn patient_access(&mut self, id: i64, permission: Permission) -> Result<bool> {
        let by_emergency = |d: Decision| matches!(d, Decision::AllowedByEmergency(_));
        let mut emergency = by_emergency(self.require(permission, Some(id))?);
        if patients::is_restricted(self.vault()?.conn(), id)? {
            emergency |= by_emergency(self.require(Permission::RestrictedRecordRead, Some(id))?);
        }
        Ok(emergency)
    }

    pub(crate) fn existing_patient(&self, id: i64) -> Result<Patient> {
        patients::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchPatient(id))
    }

    /// Registers a patient under the next medical record number of the
    /// clinic's format.
    pub fn register_patient(&mut self, fields: &PatientFields) -> Result<Patient> {
        self.require(Permission::PatientWrite, None)?;
        let stamp = self.stamp()?;
        let fields = fields.checked(stamp.at.date_naive())?;
        let format = self.policy().mrn_format.clone();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let (id, _) = register(&tx, &stamp, &format, &fields, &[], "registered")?;
        tx.commit()?;
        self.existing_patient(id)
    }

    /// A patient's record (its reading is audited).
    pub fn patient(&mut self, id: i64) -> Result<Patient> {
        let emergency = self.patient_access(id, Permission::PatientRead)?;
        let patient = self.existing_patient(id)?;
        let mut event = Event::new(Action::PatientRead).target("patient", id.to_string()).patient(id);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(patient)
    }

    /// Changes a patient's demographics and contacts; the audit entry holds
    /// each changed field's previous and new value. Nothing is written when
    /// nothing changed.
    pub fn update_patient(&mut self, id: i64, fields: &PatientFields) -> Result<Patient> {
        let emergency = self.patient_access(id, Permission::PatientWrite)?;
        let before = self.existing_patient(id)?;
        if before.archived_at.is_some() {
            return Err(CoreError::PatientArchived(id));
        }
        let stamp = self.stamp()?;
        let fields = fields.checked(stamp.at.date_naive())?;
        let changes = fields.changes_from(&before.fields);
        if changes.is_empty() {
            return Ok(before);
        }
        let mut event = Event::new(Action::PatientWrite).target("patient", id.to_string()).patient(id);
        event.changes = changes;
        if emergency {
            event = event.emergency();
        }
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        patients::update(&tx, id, &fields, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        self.existing_patient(id)
    }

    /// Archives a patient's record (kept, out of the active lists).
    pub fn archive_patient(&mut self, id: i64) -> Result<()> {
        self.set_patient_archived(id, true)
    }

    /// Brings an archived record back.
    pub fn unarchive_patient(&mut self, id: i64) -> Result<()> {
        self.set_patient_archived(id, false)
    }

    fn set_patient_archived(&mut self, id: i64, archive: bool) -> Result<()> {
        self.patient_access(id, Permission::PatientArchive)?;
        let before = self.existing_patient(id)?;
        if before.archived_at.is_some() == archive {
            return Ok(());
        }
        let stamp = self.stamp()?;
        let at = archive.then_some(stamp.at);
        let old = before.archived_at.map(crate::access::time_text);
        let new = at.map(crate::access::time_text);
        let event = Event::new(Action::PatientWrite)
            .target("patient", id.to_string())
            .patient(id)
            .change("archived_at", old.as_deref(), new.as_deref())
            .detail(if archive { "archived" } else { "brought back from the archive" });
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        patients::set_archived(&tx, id, at, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }
}

impl Session {
    /// Sets (or with `None` removes) a patient's identifier of `system`
    /// (a national health number, an insurer's member id).
    pub fn set_patient_identifier(&mut self, id: i64, system: &str, value: Option<&str>) -> Result<()> {
        let emergency = self.patient_access(id, Permission::PatientWrite)?;
        let before = self.existing_patient(id)?;
        if before.archived_at.is_some() {
            return Err(CoreError::PatientArchived(id));
        }
        let system = patients::identifier_part("identifier system", system, 64)?;
        let value = value.map(|v| patients::identifier_part("identifier", v, 128)).transpose()?;
        let stamp = self.stamp()?;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let old = patients::set_identifier(&tx, id, &system, value.as_deref())?;
        if old == value {
            return Ok(());
        }
        let mut event = Event::new(Action::PatientWrite).target("patient", id.to_string()).patient(id).change(
            format!("identifier {system}"),
            old.as_deref(),
            value.as_deref(),
        );
        if emergency {
            event = event.emergency();
        }
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// A patient's identifiers as (system, value), by system.
    pub fn patient_identifiers(&mut self, id: i64) -> Result<Vec<(String, String)>> {
        self.patient_access(id, Permission::PatientRead)?;
        patients::identifiers(self.vault()?.conn(), id)
    }
}
