//! Consents as session operations: record, withdraw, list, and the check
//! an export that needs one makes.

use chrono::NaiveDate;

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::consents::{self, Consent, ConsentScope};
use crate::session::Session;
use crate::{CoreError, Result};

/// A consent to record.
#[derive(Debug, Clone, Copy)]
pub struct NewConsent<'a> {
    /// What it covers.
    pub scope: ConsentScope,
    /// From when.
    pub granted_on: NaiveDate,
    /// Until when (inclusive), if it ends.
    pub expires_on: Option<NaiveDate>,
    /// How it was given, the form's reference.
    pub note: Option<&'a str>,
}

fn invalid(field: &'static str, why: &str) -> CoreError {
    CoreError::InvalidClinicalField { field, why: why.to_owned() }
}

impl Session {
    /// Records a consent of patient `patient_id`'s.
    pub fn record_consent(&mut self, patient_id: i64, new: &NewConsent<'_>) -> Result<Consent> {
        let emergency = self.patient_access(patient_id, Permission::ConsentWrite)?;
        if self.existing_patient(patient_id)?.archived_at.is_some() {
            return Err(CoreError::PatientArchived(patient_id));
        }
        let stamp = self.stamp()?;
        let today = stamp.at.date_naive();
        if new.granted_on > today {
            return Err(invalid("consent's start", "is in the future: record it on the day it is given"));
        }
        if new.expires_on.is_some_and(|e| e < new.granted_on) {
            return Err(invalid("consent's end", "is before its start"));
        }
        let note = new.note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            return Err(invalid("consent note", "is longer than 1000 characters"));
        }
        let mut c = Consent {
            id: 0,
            patient_id,
            scope: new.scope,
            granted_on: new.granted_on,
            expires_on: new.expires_on,
            note,
            recorded_by: self.user().id,
            recorded_at: stamp.at,
            withdrawn_at: None,
            withdrawn_by: None,
        };
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        c.id = consents::insert(&tx, &c)?;
        let mut event = Event::new(Action::PatientWrite)
            .target("consent", c.id.to_string())
            .patient(patient_id)
            .change("scope", None, Some(c.scope.as_str()))
            .change("granted_on", None, Some(&c.granted_on.to_string()))
            .change("expires_on", None, c.expires_on.map(|d| d.to_string()).as_deref())
            .change("note", None, c.note.as_deref())
            .detail("consent recorded");
        if emergency {
            event = event.emergency();
        }
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(c)
    }

    /// Records that the patient withdrew consent `id` (it stays, marked).
    pub fn withdraw_consent(&mut self, id: i64) -> Result<Consent> {
        let c = consents::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchConsent(id))?;
        let emergency = self.patient_access(c.patient_id, Permission::ConsentWrite)?;
        if c.withdrawn_at.is_some() {
            return Ok(c);
        }
        let stamp = self.stamp()?;
        let at = crate::access::time_text(stamp.at);
        let mut event = Event::new(Action::PatientWrite)
            .target("consent", id.to_string())
            .patient(c.patient_id)
            .change("withdrawn_at", None, Some(&at))
            .detail(format!("{} consent withdrawn", c.scope.label()));
        if emergency {
            event = event.emergency();
        }
        let me = self.user().id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        consents::withdraw(&tx, id, me, stamp.at)?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        consents::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchConsent(id))
    }

    /// A patient's consents, newest first (audited as a read).
    pub fn consents(&mut self, patient_id: i64) -> Result<Vec<Consent>> {
        let emergency = self.patient_access(patient_id, Permission::PatientRead)?;
        self.existing_patient(patient_id)?;
        let list = consents::of_patient(self.vault()?.conn(), patient_id)?;
        let mut event = Event::new(Action::PatientRead).target("consents", patient_id.to_string()).patient(patient_id);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(list)
    }

    /// Refuses unless the patient has a consent of `scope` in force today
    /// (an export that shares the record asks this first).
    pub fn require_consent(&self, patient_id: i64, scope: ConsentScope) -> Result<()> {
        let today = self.now().date_naive();
        if consents::in_force(self.vault()?.conn(), patient_id, scope, today)? {
            Ok(())
        } else {
            Err(CoreError::ConsentRequired { scope: scope.label() })
        }
    }
}
