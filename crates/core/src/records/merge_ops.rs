//! Merging duplicate records and undoing a merge, as session operations.

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::merge::{self, Merge, MergeCounts};
use crate::session::Session;
use crate::{CoreError, Result};

fn moved_text(counts: &MergeCounts) -> String {
    if counts.moved.is_empty() {
        return "nothing".to_owned();
    }
    counts.moved.iter().map(|(kind, n)| format!("{n} {kind}")).collect::<Vec<_>>().join(", ")
}

impl Session {
    /// Merges the duplicate record `duplicate_id` into `kept_id`: the
    /// duplicate's visits, problems, allergies, medications, attachments,
    /// consents and identifiers move to the kept record (an identifier whose
    /// system the kept record has with another value stays, and is
    /// reported); the duplicate is archived and points at the kept record.
    /// The kept record's demographics are not changed. Undo with
    /// [`Session::undo_merge`].
    pub fn merge_patients(&mut self, kept_id: i64, duplicate_id: i64) -> Result<(Merge, MergeCounts)> {
        if kept_id == duplicate_id {
            return Err(CoreError::MergeRefused("a record cannot be merged into itself"));
        }
        let e1 = self.patient_access(kept_id, Permission::PatientMerge)?;
        let e2 = self.patient_access(duplicate_id, Permission::PatientMerge)?;
        let kept = self.existing_patient(kept_id)?;
        let duplicate = self.existing_patient(duplicate_id)?;
        let conn = self.vault()?.conn();
        if kept.archived_at.is_some() {
            return Err(CoreError::MergeRefused("the record to keep is archived: bring it back first"));
        }
        if merge::merged_into(conn, kept_id)?.is_some() || merge::merged_into(conn, duplicate_id)?.is_some() {
            return Err(CoreError::MergeRefused("one of the records was merged into another already"));
        }
        if kept.fields.restricted != duplicate.fields.restricted {
            return Err(CoreError::MergeRefused(
                "one record is restricted and the other is not: make them alike first",
            ));
        }
        let stamp = self.stamp()?;
        let me = self.user().id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let (merge_id, counts) =
            merge::apply(&tx, kept_id, duplicate_id, duplicate.archived_at.is_some(), me, stamp.at)?;
        let moved = moved_text(&counts);
        // Each entry holds only its own record's values (sealed under its
        // own key) and names the other record by id, so that erasing either
        // later leaves nothing of it readable in the other's trail.
        let mut on_kept = Event::new(Action::PatientMerge)
            .target("merge", merge_id.to_string())
            .patient(kept_id)
            .change("merged_from", None, Some(&format!("record {duplicate_id}")))
            .detail(format!("record {duplicate_id} merged into this record ({}): moved {moved}", kept.mrn));
        let mut on_duplicate = Event::new(Action::PatientMerge)
            .target("merge", merge_id.to_string())
            .patient(duplicate_id)
            .change("merged_into", None, Some(&format!("record {kept_id}")))
            .detail(format!("this record ({}) merged into record {kept_id}: moved {moved}", duplicate.mrn));
        for (system, _, d) in &counts.identifier_conflicts {
            on_duplicate = on_duplicate.change(
                format!("identifier {system} kept here (the other record has its own)"),
                None,
                Some(d),
            );
        }
        if e1 || e2 {
            on_kept = on_kept.emergency();
            on_duplicate = on_duplicate.emergency();
        }
        stamp.append(&tx, &on_kept)?;
        stamp.append(&tx, &on_duplicate)?;
        tx.commit()?;
        let m = merge::by_id(self.vault()?.conn(), merge_id)?.ok_or(CoreError::NoSuchMerge(merge_id))?;
        Ok((m, counts))
    }

    /// The merge of `id` (named by its audit entries), for its undo.
    pub fn merge(&mut self, id: i64) -> Result<Merge> {
        let m = merge::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchMerge(id))?;
        self.patient_access(m.kept_id, Permission::PatientMerge)?;
        Ok(m)
    }

    /// The merges patient `patient_id`'s record took part in, newest first.
    pub fn patient_merges(&mut self, patient_id: i64) -> Result<Vec<Merge>> {
        self.patient_access(patient_id, Permission::PatientRead)?;
        merge::of_patient(self.vault()?.conn(), patient_id)
    }

    /// Undoes merge `id`: the rows it moved go back to the duplicate, which
    /// is brought back as it was (archived only if it was before). Entries
    /// added to the kept record since stay with it.
    pub fn undo_merge(&mut self, id: i64) -> Result<MergeCounts> {
        let m = merge::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchMerge(id))?;
        let e1 = self.patient_access(m.kept_id, Permission::PatientMerge)?;
        let e2 = self.patient_access(m.duplicate_id, Permission::PatientMerge)?;
        if m.undone_at.is_some() {
            return Err(CoreError::MergeAlreadyUndone(id));
        }
        if merge::merged_into(self.vault()?.conn(), m.kept_id)?.is_some() {
            return Err(CoreError::MergeRefused(
                "the kept record was itself merged into another since: undo that merge first",
            ));
        }
        let kept = self.existing_patient(m.kept_id)?;
        let duplicate = self.existing_patient(m.duplicate_id)?;
        let stamp = self.stamp()?;
        let me = self.user().id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let counts = merge::undo(&tx, &m, me, stamp.at)?;
        let moved = moved_text(&counts);
        for (patient, detail) in [
            (
                m.kept_id,
                format!(
                    "merge of record {} into this record ({}) undone: moved back {moved}",
                    m.duplicate_id, kept.mrn
                ),
            ),
            (
                m.duplicate_id,
                format!(
                    "merge of this record ({}) into record {} undone: moved back {moved}",
                    duplicate.mrn, m.kept_id
                ),
            ),
        ] {
            let mut event =
                Event::new(Action::PatientMergeUndone).target("merge", id.to_string()).patient(patient).detail(detail);
            if patient == m.duplicate_id {
                event = event.change("merged_into", Some(&format!("record {}", m.kept_id)), None);
            }
            if e1 || e2 {
                event = event.emergency();
            }
            stamp.append(&tx, &event)?;
        }
        tx.commit()?;
        Ok(counts)
    }
}
