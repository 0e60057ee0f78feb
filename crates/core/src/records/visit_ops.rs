//! Visits as session operations: record a visit, draft and sign its note,
//! add addenda to a signed note, record vitals, read a patient's visits.
//! Clinical permissions on the patient's record (restriction included);
//! each change written with its audit entry, each read audited.

use chrono::{DateTime, Utc};

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::visits::{self, Soap, Visit, VisitKind, VisitRecord, Vitals};
use crate::session::Session;
use crate::users::{self, Username};
use crate::{CoreError, Result};

/// A visit to record.
#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    /// When it took place.
    pub started_at: DateTime<Utc>,
    /// What kind.
    pub kind: VisitKind,
    /// The provider's user name (none: unassigned).
    pub provider: Option<&'a str>,
    /// Why the patient came.
    pub reason: Option<&'a str>,
}

impl Session {
    fn visit_of(&self, visit_id: i64) -> Result<Visit> {
        visits::visit(self.vault()?.conn(), visit_id)?.ok_or(CoreError::NoSuchVisit(visit_id))
    }

    fn clinical_event(visit: &Visit, emergency: bool) -> Event {
        let event = Event::new(Action::PatientWrite).target("visit", visit.id.to_string()).patient(visit.patient_id);
        if emergency { event.emergency() } else { event }
    }

    /// Records a visit of patient `patient_id`.
    pub fn record_visit(&mut self, patient_id: i64, new: &NewVisit<'_>) -> Result<Visit> {
        let emergency = self.patient_access(patient_id, Permission::ClinicalWrite)?;
        if self.existing_patient(patient_id)?.archived_at.is_some() {
            return Err(CoreError::PatientArchived(patient_id));
        }
        let stamp = self.stamp()?;
        if new.started_at > stamp.at + chrono::Duration::days(1) {
            return Err(CoreError::InvalidClinicalField { field: "visit time", why: "is in the future".into() });
        }
        let provider_id = match new.provider.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(name) => {
                let name = Username::parse(name)?;
                Some(users::by_name(self.vault()?.conn(), &name)?.ok_or(CoreError::NoSuchUser(name))?.id)
            }
        };
        let reason = new.reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(CoreError::InvalidClinicalField {
                field: "reason",
                why: "is longer than 500 characters".into(),
            });
        }
        let mut visit = Visit { id: 0, patient_id, started_at: new.started_at, kind: new.kind, provider_id, reason };
        let me = self.user().id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        visit.id = visits::insert_visit(&tx, &visit, me, stamp.at)?;
        let event = Session::clinical_event(&visit, emergency)
            .change("kind", None, Some(visit.kind.as_str()))
            .change("started_at", None, Some(&crate::access::time_text(visit.started_at)))
            .change("reason", None, visit.reason.as_deref())
            .detail("visit recorded");
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(visit)
    }

    /// Saves the draft note of a visit (each changed section audited with
    /// its previous and new text). A signed note is refused.
    pub fn save_note(&mut self, visit_id: i64, soap: &Soap) -> Result<()> {
        let visit = self.visit_of(visit_id)?;
        let emergency = self.patient_access(visit.patient_id, Permission::ClinicalWrite)?;
        let soap = soap.checked()?;
        let before = visits::note(self.vault()?.conn(), visit_id)?;
        if before.as_ref().is_some_and(|n| n.signed.is_some()) {
            return Err(CoreError::NoteSigned(visit_id));
        }
        let changes = soap.changes_from(&before.map(|n| n.soap).unwrap_or_default());
        if changes.is_empty() {
            return Ok(());
        }
        let mut event = Session::clinical_event(&visit, emergency).detail("note draft saved");
        event.changes = changes;
        let (stamp, me) = (self.stamp()?, self.user().id);
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        visits::save_note(&tx, visit_id, &soap, me, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// Signs a visit's note: from now on it is read, never edited.
    pub fn sign_note(&mut self, visit_id: i64) -> Result<()> {
        let visit = self.visit_of(visit_id)?;
        let emergency = self.patient_access(visit.patient_id, Permission::NoteSign)?;
        let note = visits::note(self.vault()?.conn(), visit_id)?;
        match &note {
            None => return Err(CoreError::InvalidClinicalField { field: "note", why: "is empty".into() }),
            Some(n) if n.soap.is_empty() => {
                return Err(CoreError::InvalidClinicalField { field: "note", why: "is empty".into() });
            }
            Some(n) if n.signed.is_some() => return Err(CoreError::NoteSigned(visit_id)),
            Some(_) => {}
        }
        let (stamp, me) = (self.stamp()?, self.user().id);
        let event = Session::clinical_event(&visit, emergency)
            .change("signed_by", None, Some(self.user().username.as_str()))
            .detail("note signed");
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        visits::sign_note(&tx, visit_id, me, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// Adds an addendum to a signed note.
    pub fn add_addendum(&mut self, visit_id: i64, text: &str) -> Result<()> {
        let visit = self.visit_of(visit_id)?;
        let emergency = self.patient_access(visit.patient_id, Permission::ClinicalWrite)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 20_000 {
            return Err(CoreError::InvalidClinicalField {
                field: "addendum",
                why: "must be 1 to 20,000 characters".into(),
            });
        }
        match visits::note(self.vault()?.conn(), visit_id)? {
            Some(n) if n.signed.is_some() => {}
            _ => return Err(CoreError::NoteNotSigned(visit_id)),
        }
        let (stamp, me) = (self.stamp()?, self.user().id);
        let event = Session::clinical_event(&visit, emergency).change("addendum", None, Some(text)).detail("addendum");
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        visits::add_addendum(&tx, visit_id, text, me, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// Records vital signs taken at `taken_at` during a visit.
    pub fn record_vitals(&mut self, visit_id: i64, vitals: &Vitals, taken_at: DateTime<Utc>) -> Result<()> {
        let visit = self.visit_of(visit_id)?;
        let emergency = self.patient_access(visit.patient_id, Permission::ClinicalWrite)?;
        let vitals = vitals.checked()?;
        let (stamp, me) = (self.stamp()?, self.user().id);
        let mut event = Session::clinical_event(&visit, emergency).detail("vital signs");
        event.changes = vitals.audited();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        visits::insert_vitals(&tx, visit_id, &vitals, taken_at, me, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(())
    }

    /// A patient's visits with their notes, addenda and vitals, newest
    /// first (the reading is audited).
    pub fn patient_visits(&mut self, patient_id: i64) -> Result<Vec<VisitRecord>> {
        let emergency = self.patient_access(patient_id, Permission::ClinicalRead)?;
        self.existing_patient(patient_id)?;
        let out = visits::records(self.vault()?.conn(), patient_id)?;
        let mut event = Event::new(Action::PatientRead).target("visits", patient_id.to_string()).patient(patient_id);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(out)
    }
}
