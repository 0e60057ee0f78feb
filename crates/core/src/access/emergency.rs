//! Emergency access ("break the glass"): a user who lacks a permission on a
//! patient's record takes it for a limited time by giving a reason. Every
//! grant is kept and listed for review by someone else.
//!
//! Only the data rules live here (a reason, a grantable permission, a
//! bounded duration, one review, not by the grantee). Who may invoke or
//! review, and the audit entries, are the session layer's.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use chrono::{DateTime, Duration, Utc};

use super::matrix::emergency_grantable;
use super::permission::Permission;
use super::{parse_time, time_text};
use crate::{CoreError, Result};

/// How long a grant lasts unless the caller says otherwise.
pub const DEFAULT_DURATION: Duration = Duration::hours(1);

/// The longest grant `invoke` makes.
pub const MAX_DURATION: Duration = Duration::hours(24);

/// The shortest reason, in characters, leading and trailing whitespace not
/// counted (the schema checks the same).
pub const MIN_REASON_CHARS: usize = 10;

/// One emergency-access grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Its id.
    pub id: i64,
    /// The user it was granted to.
    pub user_id: i64,
    /// The patient whose record it opens.
    pub patient_id: i64,
    /// The permission it grants on that record.
    pub permission: Permission,
    /// The reason the user gave.
    pub reason: String,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it ends (it does not count from this instant on).
    pub expires_at: DateTime<Utc>,
    /// Its review, once reviewed.
    pub review: Option<Review>,
}

/// The review of a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Who reviewed it.
    pub by: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// What they noted, if anything.
    pub note: Option<String>,
}

impl Grant {
    /// Whether the grant counts at `now`.
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        self.started_at <= now && now < self.expires_at
    }
}

/// Grants `permission` on `patient_id` to `user_id` from `now` for `lasts`
/// ([`DEFAULT_DURATION`] is the usual choice). Refuses a permission that
/// emergency access may not grant, a reason shorter than
/// [`MIN_REASON_CHARS`], and a duration not in (0, [`MAX_DURATION`]]. The
/// reason is stored trimmed.
pub fn invoke(
    tx: &Transaction,
    user_id: i64,
    patient_id: i64,
    permission: Permission,
    reason: &str,
    now: DateTime<Utc>,
    lasts: Duration,
) -> Result<Grant> {
    if !emergency_grantable(permission) {
        return Err(CoreError::NotEmergencyGrantable(permission));
    }
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(CoreError::EmergencyReasonTooShort { min: MIN_REASON_CHARS });
    }
    if lasts <= Duration::zero() || lasts > MAX_DURATION {
        return Err(CoreError::EmergencyDurationOutOfRange { max_hours: MAX_DURATION.num_hours() });
    }
    let expires_at = now + lasts;
    tx.execute(
        "INSERT INTO emergency_access (user_id, patient_id, permission, reason, started_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![user_id, patient_id, permission.name(), reason, time_text(now), time_text(expires_at)],
    )?;
    Ok(Grant {
        id: tx.last_insert_rowid(),
        user_id,
        patient_id,
        permission,
        reason: reason.to_owned(),
        started_at: now,
        expires_at,
        review: None,
    })
}

const COLUMNS: &str = "id, user_id, patient_id, permission, reason, started_at, expires_at, \
                       reviewed_by, reviewed_at, review_note";

/// A row as stored, before its names and times are parsed.
type RawGrant = (i64, i64, i64, String, String, String, String, Option<i64>, Option<String>, Option<String>);

fn raw(r: &Row<'_>) -> chartvault_seal::rusqlite::Result<RawGrant> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?))
}

fn grant(raw: RawGrant) -> Result<Grant> {
    let (id, user_id, patient_id, permission, reason, started_at, expires_at, by, at, note) = raw;
    let review = match (by, at) {
        (Some(by), Some(at)) => Some(Review { by, at: parse_time(&at)?, note }),
        _ => None,
    };
    Ok(Grant {
        id,
        user_id,
        patient_id,
        permission: Permission::parse(&permission)?,
        reason,
        started_at: parse_time(&started_at)?,
        expires_at: parse_time(&expires_at)?,
        review,
    })
}

/// The grant `id`, if there is one.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Grant>> {
    let row = conn.query_row(&format!("SELECT {COLUMNS} FROM emergency_access WHERE id = ?1"), [id], raw).optional()?;
    row.map(grant).transpose()
}

/// The id of a grant of `permission` on `patient_id` to `user_id` that
/// counts at `now`, if any (the one that lasts longest). Expired grants, and
/// grants of a permission emergency access may not grant, do not count.
pub fn active_grant(
    conn: &Connection,
    user_id: i64,
    patient_id: i64,
    permission: Permission,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    if !emergency_grantable(permission) {
        return Ok(None);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM emergency_access WHERE user_id = ?1 AND patient_id = ?2 AND permission = ?3"
    ))?;
    let mut best: Option<Grant> = None;
    for row in stmt.query_map(params![user_id, patient_id, permission.name()], raw)? {
        let g = grant(row?)?;
        if g.is_active_at(now) && best.as_ref().is_none_or(|b| g.expires_at > b.expires_at) {
            best = Some(g);
        }
    }
    Ok(best.map(|g| g.id))
}

/// Whether `user_id` holds `permission` on `patient_id` at `now` by
/// emergency access.
pub fn is_active(
    conn: &Connection,
    user_id: i64,
    patient_id: i64,
    permission: Permission,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(active_grant(conn, user_id, patient_id, permission, now)?.is_some())
}

/// Every grant not yet reviewed, active or expired, oldest first.
pub fn pending_review(conn: &Connection) -> Result<Vec<Grant>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM emergency_access WHERE reviewed_at IS NULL ORDER BY started_at, id"
    ))?;
    let rows = stmt.query_map([], raw)?;
    rows.map(|r| grant(r?)).collect()
}

/// Records that `reviewer` reviewed grant `grant_id` at `now`, with an
/// optional note (blank notes are stored as none). A grant is reviewed once,
/// and not by the user it was granted to. Reviewing does not end a grant.
pub fn mark_reviewed(
    tx: &Transaction,
    grant_id: i64,
    reviewer: i64,
    now: DateTime<Utc>,
    note: Option<&str>,
) -> Result<Grant> {
    let g = get(tx, grant_id)?.ok_or(CoreError::EmergencyGrantNotFound(grant_id))?;
    if g.review.is_some() {
        return Err(CoreError::EmergencyGrantAlreadyReviewed(grant_id));
    }
    if g.user_id == reviewer {
        return Err(CoreError::EmergencySelfReview);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    tx.execute(
        "UPDATE emergency_access SET reviewed_by = ?2, reviewed_at = ?3, review_note = ?4 WHERE id = ?1",
        params![grant_id, reviewer, time_text(now), note],
    )?;
    Ok(Grant { review: Some(Review { by: reviewer, at: now, note: note.map(str::to_owned) }), ..g })
}
