//! The chart's lists as session operations: add an entry, change it (each
//! change kept in the entry's history and the audit trail), read a list,
//! read an entry's history. Clinical permissions on the patient's record.

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::lists::{self, ChartEntry, ChartList, HistoryItem};
use crate::session::Session;
use crate::{CoreError, Result};

impl Session {
    fn entry_of(&self, list: ChartList, id: i64) -> Result<ChartEntry> {
        lists::entry(self.vault()?.conn(), list, id)?.ok_or(CoreError::InvalidClinicalField {
            field: "entry",
            why: format!("{} {id} does not exist", list.as_str()),
        })
    }

    fn list_event(list: ChartList, entry: i64, patient: i64, emergency: bool) -> Event {
        let e = Event::new(Action::PatientWrite).target(list.as_str(), entry.to_string()).patient(patient);
        if emergency { e.emergency() } else { e }
    }

    /// Adds an entry to one of a patient's lists.
    pub fn add_chart_entry(
        &mut self,
        patient_id: i64,
        list: ChartList,
        values: &[(&str, Option<&str>)],
    ) -> Result<ChartEntry> {
        let emergency = self.patient_access(patient_id, Permission::ClinicalWrite)?;
        if self.existing_patient(patient_id)?.archived_at.is_some() {
            return Err(CoreError::PatientArchived(patient_id));
        }
        let values = lists::checked(list, values)?;
        let (stamp, me) = (self.stamp()?, self.user().id);
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let (id, added) = lists::add(&tx, list, patient_id, &values, me, stamp.at)?;
        let mut event = Session::list_event(list, id, patient_id, emergency).detail("added");
        event.changes = added;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        self.entry_of(list, id)
    }

    /// Changes an entry; the fields not given keep their values. (An entry
    /// recorded by mistake is set to `entered_in_error`, never deleted.)
    pub fn update_chart_entry(
        &mut self,
        list: ChartList,
        id: i64,
        values: &[(&str, Option<&str>)],
    ) -> Result<ChartEntry> {
        // Refused before the entry is looked up: its existence is not told.
        self.require(Permission::ClinicalWrite, None)?;
        let before = self.entry_of(list, id)?;
        let emergency = self.patient_access(before.patient_id, Permission::ClinicalWrite)?;
        let mut merged: Vec<(&str, Option<&str>)> = before.values.iter().map(|(f, v)| (*f, v.as_deref())).collect();
        for (f, v) in values {
            match merged.iter_mut().find(|(m, _)| m == f) {
                Some(slot) => slot.1 = *v,
                None => merged.push((f, *v)),
            }
        }
        let after = lists::checked(list, &merged)?;
        let changes = lists::changes(&before.values, &after);
        if changes.is_empty() {
            return Ok(before);
        }
        let (stamp, me) = (self.stamp()?, self.user().id);
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        lists::update(&tx, list, id, &after, stamp.at)?;
        lists::record_history(&tx, list, id, &changes, me, stamp.at)?;
        let mut event = Session::list_event(list, id, before.patient_id, emergency).detail("changed");
        event.changes = changes;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        self.entry_of(list, id)
    }

    /// A patient's entries of one list, oldest first (the reading is audited).
    pub fn chart_entries(&mut self, patient_id: i64, list: ChartList) -> Result<Vec<ChartEntry>> {
        let emergency = self.patient_access(patient_id, Permission::ClinicalRead)?;
        self.existing_patient(patient_id)?;
        let entries = lists::entries(self.vault()?.conn(), list, patient_id)?;
        let mut event =
            Event::new(Action::PatientRead).target(list.as_str(), patient_id.to_string()).patient(patient_id);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        Ok(entries)
    }

    /// Every change to one entry, oldest first.
    pub fn chart_entry_history(&mut self, list: ChartList, id: i64) -> Result<Vec<HistoryItem>> {
        let entry = self.entry_of(list, id)?;
        self.patient_access(entry.patient_id, Permission::ClinicalRead)?;
        lists::history(self.vault()?.conn(), list, id)
    }
}
