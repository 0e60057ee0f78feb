//! Consents: what a patient agreed to (treatment, data sharing, research),
//! from when, until when, and whether withdrawn.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Row, Transaction};
use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{parse_time, time_text};
use crate::{CoreError, Result};

/// What a consent covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentScope {
    /// Being treated at the clinic.
    Treatment,
    /// The record shared with others (another provider, a portability request).
    DataSharing,
    /// Taking part in research.
    Research,
}

impl ConsentScope {
    /// Every scope.
    pub const ALL: [ConsentScope; 3] = [ConsentScope::Treatment, ConsentScope::DataSharing, ConsentScope::Research];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConsentScope::Treatment => "treatment",
            ConsentScope::DataSharing => "data_sharing",
            ConsentScope::Research => "research",
        }
    }

    /// In words.
    pub const fn label(self) -> &'static str {
        match self {
            ConsentScope::Treatment => "treatment",
            ConsentScope::DataSharing => "data sharing",
            ConsentScope::Research => "research",
        }
    }

    /// The scope of a stored name.
    pub fn parse(s: &str) -> Result<ConsentScope> {
        ConsentScope::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| CoreError::InvalidClinicalField {
            field: "consent scope",
            why: "is not treatment, data_sharing or research".into(),
        })
    }
}

/// Where a consent stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    /// In force.
    Active,
    /// Granted from a later day.
    NotYetValid,
    /// Past its end.
    Expired,
    /// Withdrawn by the patient.
    Withdrawn,
}

/// A consent as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Row id.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// What it covers.
    pub scope: ConsentScope,
    /// From when.
    pub granted_on: NaiveDate,
    /// Until when (inclusive), if it ends.
    pub expires_on: Option<NaiveDate>,
    /// A note (how it was given, the form's reference).
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: i64,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Who recorded the withdrawal.
    pub withdrawn_by: Option<i64>,
}

impl Consent {
    /// Where it stands on `day`.
    pub fn status(&self, day: NaiveDate) -> ConsentStatus {
        if self.withdrawn_at.is_some() {
            ConsentStatus::Withdrawn
        } else if day < self.granted_on {
            ConsentStatus::NotYetValid
        } else if self.expires_on.is_some_and(|e| day > e) {
            ConsentStatus::Expired
        } else {
            ConsentStatus::Active
        }
    }
}

const COLUMNS: &str =
    "id, patient_id, scope, granted_on, expires_on, note, recorded_by, recorded_at, withdrawn_at, withdrawn_by";

type Raw = (i64, i64, String, String, Option<String>, Option<String>, i64, String, Option<String>, Option<i64>);

fn raw(r: &Row<'_>) -> chartvault_seal::rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?))
}

fn day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| CoreError::BadStoredTime(s.to_owned()))
}

fn consent((id, patient_id, scope, granted, expires, note, by, at, withdrawn, withdrawn_by): Raw) -> Result<Consent> {
    Ok(Consent {
        id,
        patient_id,
        scope: ConsentScope::parse(&scope)?,
        granted_on: day(&granted)?,
        expires_on: expires.as_deref().map(day).transpose()?,
        note,
        recorded_by: by,
        recorded_at: parse_time(&at)?,
        withdrawn_at: withdrawn.as_deref().map(parse_time).transpose()?,
        withdrawn_by,
    })
}

/// The consent of `id`, if there is one.
pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Consent>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM consents WHERE id = ?1"), [id], raw)
        .optional()?
        .map(consent)
        .transpose()
}

/// A patient's consents, newest first.
pub(crate) fn of_patient(conn: &Connection, patient_id: i64) -> Result<Vec<Consent>> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM consents WHERE patient_id = ?1 ORDER BY granted_on DESC, id DESC"))?;
    let rows = stmt.query_map([patient_id], raw)?;
    rows.map(|r| consent(r?)).collect()
}

/// Whether the patient has a consent of `scope` in force on `today`.
pub(crate) fn in_force(conn: &Connection, patient_id: i64, scope: ConsentScope, today: NaiveDate) -> Result<bool> {
    Ok(of_patient(conn, patient_id)?.iter().any(|c| c.scope == scope && c.status(today) == ConsentStatus::Active))
}

/// Stores a new consent; returns its id.
pub(crate) fn insert(tx: &Transaction<'_>, c: &Consent) -> Result<i64> {
    tx.execute(
        "INSERT INTO consents (patient_id, scope, granted_on, expires_on, note, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            c.patient_id,
            c.scope.as_str(),
            c.granted_on.to_string(),
            c.expires_on.map(|d| d.to_string()),
            &c.note,
            c.recorded_by,
            time_text(c.recorded_at),
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Records a withdrawal.
pub(crate) fn withdraw(tx: &Transaction<'_>, id: i64, by: i64, at: DateTime<Utc>) -> Result<()> {
    tx.execute("UPDATE consents SET withdrawn_at = ?2, withdrawn_by = ?3 WHERE id = ?1", (id, time_text(at), by))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_consent_is_in_force_from_its_first_to_its_last_day_unless_withdrawn() {
        let mut c = Consent {
            id: 1,
            patient_id: 1,
            scope: ConsentScope::DataSharing,
            granted_on: d("2026-01-10"),
            expires_on: Some(d("2026-12-31")),
            note: None,
            recorded_by: 1,
            recorded_at: DateTime::<Utc>::MIN_UTC,
            withdrawn_at: None,
            withdrawn_by: None,
        };
        assert_eq!(c.status(d("2026-01-09")), ConsentStatus::NotYetValid);
        assert_eq!(c.status(d("2026-01-10")), ConsentStatus::Active);
        assert_eq!(c.status(d("2026-12-31")), ConsentStatus::Active);
        assert_eq!(c.status(d("2027-01-01")), ConsentStatus::Expired);
        c.expires_on = None;
        assert_eq!(c.status(d("2090-01-01")), ConsentStatus::Active);
        c.withdrawn_at = Some(DateTime::<Utc>::MIN_UTC);
        assert_eq!(c.status(d("2026-06-01")), ConsentStatus::Withdrawn);
        for s in ConsentScope::ALL {
            assert_eq!(ConsentScope::parse(s.as_str()).unwrap(), s);
        }
        assert!(ConsentScope::parse("marketing").is_err());
    }
}
