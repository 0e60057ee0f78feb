//! Merging a duplicate record into the one kept: its visits, chart
//! entries, attachments, consents and identifiers move over, each move
//! listed so that an undo moves back exactly those rows; the duplicate
//! stays, archived, pointing at the record it went into.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction};
use chrono::{DateTime, Utc};

use crate::access::{parse_time, time_text};
use crate::{CoreError, Result};

/// The tables whose rows belong to a patient by a `patient_id` column and
/// move as a whole, with their kind's name in `patient_merge_moves`.
const MOVED: [&str; 6] = ["visits", "problems", "allergies", "medications", "attachments", "consents"];

/// What a merge moved (or an undo moved back), by kind, and the identifiers
/// that stayed with the duplicate because the kept record has another value
/// for the same system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// (kind, rows) for each kind with rows moved.
    pub moved: Vec<(&'static str, usize)>,
    /// Identifier systems left with the duplicate: (system, kept's value, duplicate's value).
    pub identifier_conflicts: Vec<(String, String, String)>,
}

/// A merge as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// Row id (the audit entry names it).
    pub id: i64,
    /// The record kept.
    pub kept_id: i64,
    /// The duplicate merged into it.
    pub duplicate_id: i64,
    /// Who merged.
    pub merged_by: i64,
    /// When.
    pub merged_at: DateTime<Utc>,
    /// When undone, if it was.
    pub undone_at: Option<DateTime<Utc>>,
}

/// Moves the duplicate's rows to the kept record and records each move.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    kept: i64,
    duplicate: i64,
    duplicate_was_archived: bool,
    by: i64,
    at: DateTime<Utc>,
) -> Result<(i64, MergeCounts)> {
    tx.execute(
        "INSERT INTO patient_merges (kept_id, duplicate_id, merged_by, merged_at, duplicate_was_archived)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (kept, duplicate, by, time_text(at), duplicate_was_archived),
    )?;
    let merge_id = tx.last_insert_rowid();
    let mut counts = MergeCounts::default();
    for table in MOVED {
        let n = tx.execute(
            &format!(
                "INSERT INTO patient_merge_moves (merge_id, kind, row_key)
                 SELECT ?1, '{table}', CAST(id AS TEXT) FROM {table} WHERE patient_id = ?2"
            ),
            (merge_id, duplicate),
        )?;
        tx.execute(&format!("UPDATE {table} SET patient_id = ?1 WHERE patient_id = ?2"), (kept, duplicate))?;
        if n > 0 {
            counts.moved.push((table, n));
        }
    }
    let mut stmt = tx.prepare(
        "SELECT d.system, d.value, k.value FROM patient_identifiers d
         LEFT JOIN patient_identifiers k ON k.patient_id = ?1 AND k.system = d.system
         WHERE d.patient_id = ?2 ORDER BY d.system",
    )?;
    let ids = stmt
        .query_map((kept, duplicate), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .collect::<chartvault_seal::rusqlite::Result<Vec<(String, String, Option<String>)>>>()?;
    let mut moved_ids = 0;
    for (system, value, kept_value) in ids {
        match kept_value {
            None => {
                tx.execute(
                    "UPDATE patient_identifiers SET patient_id = ?1 WHERE patient_id = ?2 AND system = ?3",
                    (kept, duplicate, &system),
                )?;
                // The value too: an undo moves back only the identifier moved,
                // not one the kept record was given under the same system since.
                tx.execute(
                    "INSERT INTO patient_merge_moves (merge_id, kind, row_key) VALUES (?1, 'identifiers', ?2 || char(31) || ?3)",
                    (merge_id, &system, &value),
                )?;
                moved_ids += 1;
            }
            Some(k) if k == value => {}
            Some(k) => counts.identifier_conflicts.push((system, k, value)),
        }
    }
    if moved_ids > 0 {
        counts.moved.push(("identifiers", moved_ids));
    }
    tx.execute(
        "UPDATE patients SET merged_into = ?1, archived_at = coalesce(archived_at, ?3), updated_at = ?3 WHERE id = ?2",
        (kept, duplicate, time_text(at)),
    )?;
    Ok((merge_id, counts))
}

/// The merge of `id`, if there is one.
pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Merge>> {
    let row = conn
        .query_row(
            "SELECT id, kept_id, duplicate_id, merged_by, merged_at, undone_at FROM patient_merges WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, kept_id, duplicate_id, merged_by, merged_at, undone_at)) = row else { return Ok(None) };
    Ok(Some(Merge {
        id,
        kept_id,
        duplicate_id,
        merged_by,
        merged_at: parse_time(&merged_at)?,
        undone_at: undone_at.as_deref().map(parse_time).transpose()?,
    }))
}

/// Moves back what merge `id` moved, and brings the duplicate back as it
/// was before the merge.
pub(crate) fn undo(tx: &Transaction<'_>, m: &Merge, by: i64, at: DateTime<Utc>) -> Result<MergeCounts> {
    let mut counts = MergeCounts::default();
    for table in MOVED {
        let n = tx.execute(
            &format!(
                "UPDATE {table} SET patient_id = ?1 WHERE patient_id = ?2 AND CAST(id AS TEXT) IN
                 (SELECT row_key FROM patient_merge_moves WHERE merge_id = ?3 AND kind = '{table}')"
            ),
            (m.duplicate_id, m.kept_id, m.id),
        )?;
        if n > 0 {
            counts.moved.push((table, n));
        }
    }
    let n = tx.execute(
        "UPDATE patient_identifiers SET patient_id = ?1 WHERE patient_id = ?2 AND system || char(31) || value IN
         (SELECT row_key FROM patient_merge_moves WHERE merge_id = ?3 AND kind = 'identifiers')",
        (m.duplicate_id, m.kept_id, m.id),
    )?;
    if n > 0 {
        counts.moved.push(("identifiers", n));
    }
    let was_archived: bool =
        tx.query_row("SELECT duplicate_was_archived FROM patient_merges WHERE id = ?1", [m.id], |r| r.get(0))?;
    let t = time_text(at);
    tx.execute(
        "UPDATE patients SET merged_into = NULL, archived_at = CASE WHEN ?2 THEN archived_at END, updated_at = ?3
         WHERE id = ?1",
        (m.duplicate_id, was_archived, &t),
    )?;
    let done = tx.execute(
        "UPDATE patient_merges SET undone_by = ?2, undone_at = ?3 WHERE id = ?1 AND undone_at IS NULL",
        (m.id, by, &t),
    )?;
    if done != 1 {
        return Err(CoreError::MergeAlreadyUndone(m.id));
    }
    Ok(counts)
}

/// The merges a patient's record took part in, newest first.
pub(crate) fn of_patient(conn: &Connection, patient_id: i64) -> Result<Vec<Merge>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM patient_merges WHERE kept_id = ?1 OR duplicate_id = ?1 ORDER BY merged_at DESC, id DESC",
    )?;
    let ids = stmt.query_map([patient_id], |r| r.get(0))?.collect::<chartvault_seal::rusqlite::Result<Vec<i64>>>()?;
    ids.into_iter().filter_map(|id| by_id(conn, id).transpose()).collect()
}

/// The record a duplicate was merged into, if it was.
pub(crate) fn merged_into(conn: &Connection, patient_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT merged_into FROM patients WHERE id = ?1", [patient_id], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}
