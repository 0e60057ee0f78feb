//! Finding patients: full-text search (FTS5) over names, record number,
//! identifiers, phone and notes, ranked, every term a prefix; results that
//! the user may not see (restricted records without the permission or an
//! active emergency grant) are left out, and found only by their exact
//! record number.

use chartvault_seal::rusqlite::{Connection, OptionalExtension};
use chrono::NaiveDate;

use crate::access::{Permission, emergency};
use crate::audit::{Action, Event};
use crate::session::Session;
use crate::{CoreError, Result};

/// The most results one search returns.
pub const MAX_RESULTS: usize = 200;

/// One patient found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientHit {
    /// Row id.
    pub id: i64,
    /// Medical record number.
    pub mrn: String,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// The record is restricted.
    pub restricted: bool,
    /// The record is archived.
    pub archived: bool,
}

/// The FTS5 query for what a person typed: each word (letters and digits)
/// a quoted prefix term, all of them required. `None` when nothing
/// searchable was typed.
pub fn fts_query(typed: &str) -> Option<String> {
    let terms: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(16)
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

const HIT_COLUMNS: &str =
    "p.id, p.mrn, p.given_name, p.family_name, p.date_of_birth, p.restricted, p.archived_at IS NOT NULL";

fn hits(conn: &Connection, sql: &str, params: &[&dyn chartvault_seal::rusqlite::ToSql]) -> Result<Vec<PatientHit>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |r| {
        let dob: String = r.get(4)?;
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, dob, r.get(5)?, r.get(6)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, mrn, given_name, family_name, dob, restricted, archived) = row?;
        let date_of_birth =
            NaiveDate::parse_from_str(&dob, "%Y-%m-%d").map_err(|_| CoreError::BadStoredTime(dob.clone()))?;
        out.push(PatientHit { id, mrn, given_name, family_name, date_of_birth, restricted, archived });
    }
    Ok(out)
}

/// Matches beyond which a search is not ranked: ranking scores every
/// match (and reads its row for the tie-break), which for a one-letter
/// prefix or a common note word is most of the clinic — 100 ms and more at
/// 100,000 patients, where a person types and waits. Below it, ranking
/// takes a few milliseconds and puts a name match first.
pub const RANKED_AT_MOST: i64 = 1000;

/// The identifying columns: what a person usually means by a short prefix.
const IDENTIFYING: &str = "{name mrn identifiers phone}";

/// Patients matching the FTS5 query `q`. Ranked (bm25, names weighing
/// most) when few match. When many do, the newest `fetch` records matching
/// in the identifying columns, then (if fewer) the newest matching
/// elsewhere, each group shown in name order: the index is read newest
/// first and stops at `fetch`, instead of scoring every match. (Archived
/// records are left out after that cut, so a clinic with many archived
/// records among its newest may see fewer than `fetch`.)
fn matching(conn: &Connection, q: &str, archived: &str, fetch: i64) -> Result<Vec<PatientHit>> {
    // One-letter prefixes match most of any clinic, and FTS5 merges every
    // term they start (no prefix index is that short) for each statement
    // that asks: not counted, they go straight to the newest-first read.
    let one_letter = q.split(' ').all(|t| t.chars().filter(|c| c.is_alphanumeric()).count() == 1);
    let many: i64 = if one_letter {
        RANKED_AT_MOST + 1
    } else {
        conn.query_row(
            "SELECT count(*) FROM (SELECT 1 FROM patient_search WHERE patient_search MATCH ?1 LIMIT ?2)",
            (q, RANKED_AT_MOST + 1),
            |r| r.get(0),
        )?
    };
    if many <= RANKED_AT_MOST {
        return hits(
            conn,
            &format!(
                "SELECT {HIT_COLUMNS} FROM patient_search s JOIN patients p ON p.id = s.rowid
                 WHERE patient_search MATCH ?1 {archived}
                 ORDER BY bm25(patient_search, 10.0, 8.0, 8.0, 4.0, 1.0), p.family_name, p.given_name
                 LIMIT ?2"
            ),
            &[&q, &fetch],
        );
    }
    let by_name = |filter: &str| {
        hits(
            conn,
            &format!(
                "SELECT {HIT_COLUMNS} FROM (SELECT rowid AS id FROM patient_search WHERE patient_search MATCH ?1
                                            ORDER BY rowid DESC LIMIT ?2) m
                 JOIN patients p ON p.id = m.id
                 WHERE 1 {archived}
                 ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE"
            ),
            &[&filter, &fetch],
        )
    };
    let mut found = by_name(&format!("{IDENTIFYING} : ({q})"))?;
    if (found.len() as i64) < fetch {
        let seen: std::collections::HashSet<i64> = found.iter().map(|h| h.id).collect();
        found.extend(by_name(q)?.into_iter().filter(|h| !seen.contains(&h.id)));
        found.truncate(usize::try_from(fetch).unwrap_or(usize::MAX));
    }
    Ok(found)
}

impl Session {
    /// Patients matching `typed` (best first — or, when more than
    /// [`RANKED_AT_MOST`] match, the newest matches in name order, those
    /// matching by name, number, identifier or phone before those matching
    /// by notes; the most recently changed when nothing is typed), at most
    /// `limit` (up to [`MAX_RESULTS`]),
    /// archived ones only when asked. The search is audited (how many were
    /// found, not what was typed).
    pub fn find_patients(&mut self, typed: &str, include_archived: bool, limit: usize) -> Result<Vec<PatientHit>> {
        self.require(Permission::PatientRead, None)?;
        let limit = limit.clamp(1, MAX_RESULTS);
        // Fetch more than asked: restricted records may be left out.
        let fetch = i64::try_from(limit * 2 + 20).unwrap_or(i64::MAX);
        let archived = if include_archived { "" } else { "AND p.archived_at IS NULL" };
        let conn = self.vault()?.conn();
        let found = match fts_query(typed) {
            Some(q) => matching(conn, &q, archived, fetch)?,
            None => hits(
                conn,
                &format!("SELECT {HIT_COLUMNS} FROM patients p WHERE 1 {archived} ORDER BY p.updated_at DESC LIMIT ?1"),
                &[&fetch],
            )?,
        };
        let sees_restricted = self.own_permissions()?.contains(Permission::RestrictedRecordRead);
        let (me, now) = (self.user().id, self.now());
        let mut visible = Vec::with_capacity(limit);
        for hit in found {
            if visible.len() == limit {
                break;
            }
            if hit.restricted
                && !sees_restricted
                && !emergency::is_active(conn, me, hit.id, Permission::RestrictedRecordRead, now)?
            {
                continue;
            }
            visible.push(hit);
        }
        let event =
            Event::new(Action::PatientRead).target("search", "patients").detail(format!("{} found", visible.len()));
        self.audit(&event)?;
        Ok(visible)
    }

    /// The record with exactly this record number (any case, archived or
    /// not), whoever may open it. It is the way to a restricted record for
    /// someone who must break the glass, as search leaves it out for them:
    /// only its id comes back, never a name, and opening it is checked as
    /// always. The lookup is audited, on the patient when one is found.
    pub fn patient_by_mrn(&mut self, typed: &str) -> Result<Option<i64>> {
        self.require(Permission::PatientRead, None)?;
        let id: Option<i64> = self
            .vault()?
            .conn()
            .query_row("SELECT id FROM patients WHERE mrn = ?1 COLLATE NOCASE", [typed.trim()], |r| r.get(0))
            .optional()?;
        let mut event = Event::new(Action::PatientRead).target("search", "record number");
        event = match id {
            Some(id) => event.patient(id).detail("1 found".to_owned()),
            None => event.detail("0 found".to_owned()),
        };
        self.audit(&event)?;
        Ok(id)
    }
}
