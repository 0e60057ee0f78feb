//! Erasure of a patient's record on request, where the law allows: every
//! row of the record deleted with SQLite's secure delete (freed space
//! overwritten before its page is sealed again), the search index rebuilt
//! so no segment keeps the terms, the log checkpointed and truncated, the
//! patient's audit key deleted — earlier entries about them stay in the
//! chain, but what they said of the patient no longer opens (see
//! `audit/subject.rs`) — and one audit entry that names no one.
//!
//! What it cannot reach is stated, not hidden: audit entries written before
//! per-patient sealing existed (schema version 10) keep their values in
//! clear, emergency-access grants stay (who opened which record number, and
//! the reason given), and backups made before the erasure still hold the
//! record until they expire.

use chartvault_seal::rusqlite::Transaction;

use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::session::Session;
use crate::{CoreError, Result};

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// The records erased: the one named and any duplicates merged into it.
    pub records: usize,
    /// Rows deleted, all tables together.
    pub rows: usize,
    /// Whether the write-ahead log was cut to nothing after (it holds the
    /// pages as they were until then); false when something held it.
    pub log_truncated: bool,
}

/// The deletions, children first, each scoped to the patients marked in
/// `erasure_in_progress`.
const DELETIONS: &[&str] = &[
    "DELETE FROM vitals WHERE visit_id IN (SELECT v.id FROM visits v JOIN erasure_in_progress e ON e.patient_id = v.patient_id)",
    "DELETE FROM note_addenda WHERE visit_id IN (SELECT v.id FROM visits v JOIN erasure_in_progress e ON e.patient_id = v.patient_id)",
    "DELETE FROM visit_notes WHERE visit_id IN (SELECT v.id FROM visits v JOIN erasure_in_progress e ON e.patient_id = v.patient_id)",
    "DELETE FROM visits WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM chart_history WHERE (list = 'problems' AND entry_id IN (SELECT id FROM problems WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)))
        OR (list = 'allergies' AND entry_id IN (SELECT id FROM allergies WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)))
        OR (list = 'medications' AND entry_id IN (SELECT id FROM medications WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)))",
    "DELETE FROM problems WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM allergies WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM medications WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM attachment_content WHERE attachment_id IN (SELECT id FROM attachments WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress))",
    "DELETE FROM attachments WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM consents WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM patient_identifiers WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    // Earlier audit entries about the patient keep their place and hash;
    // without this key their personal values no longer open.
    "DELETE FROM audit_subject_keys WHERE patient_id IN (SELECT patient_id FROM erasure_in_progress)",
    "DELETE FROM patient_merge_moves WHERE merge_id IN (SELECT id FROM patient_merges
        WHERE kept_id IN (SELECT patient_id FROM erasure_in_progress) OR duplicate_id IN (SELECT patient_id FROM erasure_in_progress))",
    "DELETE FROM patient_merges WHERE kept_id IN (SELECT patient_id FROM erasure_in_progress)
        OR duplicate_id IN (SELECT patient_id FROM erasure_in_progress)",
    // Last but one: the deletions above touch the patient row through the
    // search triggers, which write its index entry again.
    "DELETE FROM patient_search WHERE rowid IN (SELECT patient_id FROM erasure_in_progress)",
    "INSERT INTO erased_patients (id) SELECT patient_id FROM erasure_in_progress",
    "DELETE FROM patients WHERE id IN (SELECT patient_id FROM erasure_in_progress)",
];

fn erase_rows(tx: &Transaction<'_>, ids: &[i64]) -> Result<usize> {
    for id in ids {
        tx.execute("INSERT INTO erasure_in_progress (patient_id) VALUES (?1)", [id])?;
    }
    let mut rows = 0;
    for sql in DELETIONS {
        rows += tx.execute(sql, [])?;
    }
    tx.execute("DELETE FROM erasure_in_progress", [])?;
    // Merge every index segment into one: FTS5 keeps a deleted row's terms
    // in older segments, behind a delete marker, until they are merged.
    tx.execute("INSERT INTO patient_search (patient_search) VALUES ('optimize')", [])?;
    Ok(rows)
}

/// The record and the duplicates merged into it, transitively.
fn with_merged_duplicates(tx: &Transaction<'_>, id: i64) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare(
        "WITH RECURSIVE group_of(id) AS (SELECT ?1 UNION SELECT p.id FROM patients p JOIN group_of g ON p.merged_into = g.id)
         SELECT id FROM group_of ORDER BY id",
    )?;
    let ids = stmt.query_map([id], |r| r.get(0))?.collect::<chartvault_seal::rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

impl Session {
    /// Erases patient `id`'s record on request, with every duplicate merged
    /// into it (they are the same person). Needs `patient_erase` (granted to
    /// no role by default) and the password entered again; cannot be undone.
    /// `reference` is the request's reference (a case number, not a name),
    /// kept in the audit entry. See the module documentation for what an
    /// erasure cannot reach.
    pub fn erase_patient(&mut self, id: i64, reference: &str) -> Result<Erased> {
        self.patient_access(id, Permission::PatientErase)?;
        self.require_recent_password()?;
        if self.vault()?.snapshot_running() {
            // Its closing checkpoint would meet the backup's fence; and the
            // backup being made holds the record anyway.
            return Err(CoreError::BackupRefused(
                "a backup is being made: erase the record when it has finished (nothing was changed)".into(),
            ));
        }
        if self.existing_patient(id)?.merged_into.is_some() {
            // Its chart moved into that record: erasing this one alone would
            // leave the person's visits and files there.
            return Err(CoreError::MergeRefused(
                "this record was merged into another, which now holds its chart: erase that one (it takes this with it)",
            ));
        }
        let reference = reference.trim();
        if reference.is_empty()
            || reference.chars().count() > 64
            || !reference.chars().all(|c| c.is_ascii_alphanumeric() || "-_/#.".contains(c))
        {
            return Err(CoreError::InvalidClinicalField {
                field: "erasure request reference",
                why: "must be 1 to 64 letters, digits or - _ / # . (a case number, not a name)".into(),
            });
        }
        let stamp = self.stamp()?;
        let vault = self.vault_mut()?;
        vault.conn().pragma_update(None, "secure_delete", "ON")?;
        let result = (|| {
            let tx = vault.conn_mut().transaction()?;
            let ids = with_merged_duplicates(&tx, id)?;
            let rows = erase_rows(&tx, &ids)?;
            // One entry per record erased, naming no one: each patient's
            // trail says why its values no longer open.
            for erased in &ids {
                let detail = if *erased == id {
                    format!("record erased on request {reference} ({} record(s), {rows} rows)", ids.len())
                } else {
                    format!("record erased on request {reference}, with record {id} it was merged into")
                };
                let event = Event::new(Action::PatientErased)
                    .target("patient", erased.to_string())
                    .patient(*erased)
                    .detail(detail);
                stamp.append(&tx, &event)?;
            }
            tx.commit()?;
            Ok::<_, CoreError>(Erased { records: ids.len(), rows, log_truncated: false })
        })();
        let off = vault.conn().pragma_update(None, "secure_delete", "OFF");
        let erased = result?;
        off?;
        // The log's frames still hold the pages as they were; copy the
        // current ones home and cut the log to nothing.
        let busy: i64 = vault.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(Erased { log_truncated: busy == 0, ..erased })
    }
}
