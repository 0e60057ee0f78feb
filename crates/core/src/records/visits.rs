//! Visits, their SOAP note, addenda and vitals: the types, their checks,
//! and the rows.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction};
use chrono::{DateTime, Utc};

use crate::access::{parse_time, time_text};
use crate::audit::Change;
use crate::{CoreError, Result};

fn invalid(field: &'static str, why: impl Into<String>) -> CoreError {
    CoreError::InvalidClinicalField { field, why: why.into() }
}

/// What kind of visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// At the clinic.
    Office,
    /// By telephone.
    Telephone,
    /// By video.
    Video,
    /// At the patient's home.
    Home,
    /// An emergency.
    Emergency,
    /// Anything else.
    Other,
}

impl VisitKind {
    /// Every kind.
    pub const ALL: [VisitKind; 6] = [
        VisitKind::Office,
        VisitKind::Telephone,
        VisitKind::Video,
        VisitKind::Home,
        VisitKind::Emergency,
        VisitKind::Other,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            VisitKind::Office => "office",
            VisitKind::Telephone => "telephone",
            VisitKind::Video => "video",
            VisitKind::Home => "home",
            VisitKind::Emergency => "emergency",
            VisitKind::Other => "other",
        }
    }

    /// The kind of a name.
    pub fn parse(s: &str) -> Result<VisitKind> {
        VisitKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| invalid("visit type", "is not office, telephone, video, home, emergency or other"))
    }
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Row id.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// When it took place.
    pub started_at: DateTime<Utc>,
    /// What kind.
    pub kind: VisitKind,
    /// The provider's user id.
    pub provider_id: Option<i64>,
    /// Why the patient came.
    pub reason: Option<String>,
}

/// A visit note in the SOAP form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Soap {
    /// What the patient reports.
    pub subjective: String,
    /// What was found.
    pub objective: String,
    /// The assessment.
    pub assessment: String,
    /// The plan.
    pub plan: String,
}

impl Soap {
    const MAX: usize = 50_000;

    fn sections(&self) -> [(&'static str, &str); 4] {
        [
            ("subjective", &self.subjective),
            ("objective", &self.objective),
            ("assessment", &self.assessment),
            ("plan", &self.plan),
        ]
    }

    /// The note tidied (trailing space trimmed), or the section that cannot be stored.
    pub fn checked(&self) -> Result<Soap> {
        for (name, text) in self.sections() {
            if text.chars().count() > Soap::MAX {
                return Err(invalid("note", format!("section {name} is longer than {} characters", Soap::MAX)));
            }
            if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                return Err(invalid("note", format!("section {name} holds a control character")));
            }
        }
        Ok(Soap {
            subjective: self.subjective.trim_end().to_owned(),
            objective: self.objective.trim_end().to_owned(),
            assessment: self.assessment.trim_end().to_owned(),
            plan: self.plan.trim_end().to_owned(),
        })
    }

    /// Whether every section is empty.
    pub fn is_empty(&self) -> bool {
        self.sections().iter().all(|(_, t)| t.trim().is_empty())
    }

    /// The sections that differ from `before`, with both texts.
    pub(crate) fn changes_from(&self, before: &Soap) -> Vec<Change> {
        before
            .sections()
            .into_iter()
            .zip(self.sections())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((name, a), (_, b))| Change {
                field: name.to_owned(),
                old: (!a.is_empty()).then(|| a.to_owned()),
                new: (!b.is_empty()).then(|| b.to_owned()),
            })
            .collect()
    }
}

/// A visit's note: the draft or signed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text.
    pub soap: Soap,
    /// Who signed it and when; `None` while a draft.
    pub signed: Option<(i64, DateTime<Utc>)>,
}

/// Words added to a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addendum {
    /// Row id.
    pub id: i64,
    /// The text.
    pub text: String,
    /// Its author's user id.
    pub author_id: i64,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One set of vital signs, metric. At least one is given.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Vitals {
    /// Blood pressure, systolic, mmHg.
    pub systolic: Option<i64>,
    /// Blood pressure, diastolic, mmHg.
    pub diastolic: Option<i64>,
    /// Pulse, beats per minute.
    pub pulse: Option<i64>,
    /// Temperature, °C.
    pub temperature_c: Option<f64>,
    /// Weight, kg.
    pub weight_kg: Option<f64>,
    /// Height, cm.
    pub height_cm: Option<f64>,
    /// Oxygen saturation, %.
    pub spo2: Option<i64>,
}

fn range<T: PartialOrd + Copy + std::fmt::Display>(
    field: &'static str,
    v: Option<T>,
    lo: T,
    hi: T,
    unit: &str,
) -> Result<()> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => {
            Err(invalid(field, format!("of {x} {unit} is not plausible (expected {lo} to {hi} {unit})")))
        }
        _ => Ok(()),
    }
}

impl Vitals {
    /// The vitals if each is plausible; else the first that is not, with the
    /// range expected.
    pub fn checked(&self) -> Result<Vitals> {
        let v = *self;
        if [v.systolic, v.diastolic, v.pulse, v.spo2].iter().all(Option::is_none)
            && [v.temperature_c, v.weight_kg, v.height_cm].iter().all(Option::is_none)
        {
            return Err(invalid("vital signs", "are all empty"));
        }
        if v.systolic.is_some() != v.diastolic.is_some() {
            return Err(invalid("blood pressure", "needs both the systolic and the diastolic value"));
        }
        range("systolic pressure", v.systolic, 40, 300, "mmHg")?;
        range("diastolic pressure", v.diastolic, 20, 200, "mmHg")?;
        if let (Some(s), Some(d)) = (v.systolic, v.diastolic)
            && d >= s
        {
            return Err(invalid("blood pressure", format!("{s}/{d}: the diastolic value must be below the systolic")));
        }
        range("pulse", v.pulse, 20, 300, "/min")?;
        range("temperature", v.temperature_c, 25.0, 45.0, "°C")?;
        range("weight", v.weight_kg, 0.2, 500.0, "kg")?;
        range("height", v.height_cm, 20.0, 280.0, "cm")?;
        range("SpO2", v.spo2, 50, 100, "%")?;
        for (field, x) in [("temperature", v.temperature_c), ("weight", v.weight_kg), ("height", v.height_cm)] {
            if x.is_some_and(|x| !x.is_finite()) {
                return Err(invalid(field, "is not a number"));
            }
        }
        Ok(v)
    }

    /// The values as audited changes (new values only).
    pub(crate) fn audited(&self) -> Vec<Change> {
        let fields: [(&str, Option<String>); 7] = [
            ("systolic", self.systolic.map(|x| x.to_string())),
            ("diastolic", self.diastolic.map(|x| x.to_string())),
            ("pulse", self.pulse.map(|x| x.to_string())),
            ("temperature_c", self.temperature_c.map(|x| x.to_string())),
            ("weight_kg", self.weight_kg.map(|x| x.to_string())),
            ("height_cm", self.height_cm.map(|x| x.to_string())),
            ("spo2", self.spo2.map(|x| x.to_string())),
        ];
        fields
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| Change { field: f.to_owned(), old: None, new: Some(v) }))
            .collect()
    }
}

/// Vitals as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct VitalsRecord {
    /// Row id.
    pub id: i64,
    /// When taken.
    pub taken_at: DateTime<Utc>,
    /// The values.
    pub vitals: Vitals,
}

/// A visit with everything recorded in it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecord {
    /// The visit.
    pub visit: Visit,
    /// Its note, if one was started.
    pub note: Option<Note>,
    /// Addenda, oldest first.
    pub addenda: Vec<Addendum>,
    /// Vitals, oldest first.
    pub vitals: Vec<VitalsRecord>,
}

pub(crate) fn insert_visit(tx: &Transaction<'_>, v: &Visit, by: i64, now: DateTime<Utc>) -> Result<i64> {
    tx.execute(
        "INSERT INTO visits (patient_id, started_at, kind, provider_id, reason, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        chartvault_seal::rusqlite::params![
            v.patient_id,
            time_text(v.started_at),
            v.kind.as_str(),
            v.provider_id,
            v.reason,
            by,
            time_text(now)
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn visit(conn: &Connection, id: i64) -> Result<Option<Visit>> {
    let row = conn
        .query_row(
            "SELECT id, patient_id, started_at, kind, provider_id, reason FROM visits WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, patient_id, started, kind, provider_id, reason)) = row else { return Ok(None) };
    Ok(Some(Visit {
        id,
        patient_id,
        started_at: parse_time(&started)?,
        kind: VisitKind::parse(&kind)?,
        provider_id,
        reason,
    }))
}

pub(crate) fn visit_ids(conn: &Connection, patient_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM visits WHERE patient_id = ?1 ORDER BY started_at DESC, id DESC")?;
    let rows = stmt.query_map([patient_id], |r| r.get(0))?;
    Ok(rows.collect::<chartvault_seal::rusqlite::Result<_>>()?)
}

/// A patient's visits with everything recorded in them, newest first.
pub(crate) fn records(conn: &Connection, patient_id: i64) -> Result<Vec<VisitRecord>> {
    let mut out = Vec::new();
    for id in visit_ids(conn, patient_id)? {
        let visit = visit(conn, id)?.ok_or(CoreError::NoSuchVisit(id))?;
        out.push(VisitRecord { note: note(conn, id)?, addenda: addenda(conn, id)?, vitals: vitals(conn, id)?, visit });
    }
    Ok(out)
}

pub(crate) fn note(conn: &Connection, visit_id: i64) -> Result<Option<Note>> {
    let row = conn
        .query_row(
            "SELECT subjective, objective, assessment, plan, signed_by, signed_at FROM visit_notes WHERE visit_id = ?1",
            [visit_id],
            |r| {
                Ok((
                    Soap { subjective: r.get(0)?, objective: r.get(1)?, assessment: r.get(2)?, plan: r.get(3)? },
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((soap, by, at)) = row else { return Ok(None) };
    let signed = match (by, at) {
        (Some(by), Some(at)) => Some((by, parse_time(&at)?)),
        _ => None,
    };
    Ok(Some(Note { soap, signed }))
}

pub(crate) fn save_note(tx: &Transaction<'_>, visit_id: i64, soap: &Soap, by: i64, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "INSERT INTO visit_notes (visit_id, subjective, objective, assessment, plan, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (visit_id) DO UPDATE SET subjective = excluded.subjective, objective = excluded.objective,
             assessment = excluded.assessment, plan = excluded.plan, updated_by = excluded.updated_by,
             updated_at = excluded.updated_at",
        chartvault_seal::rusqlite::params![
            visit_id,
            soap.subjective,
            soap.objective,
            soap.assessment,
            soap.plan,
            by,
            time_text(now)
        ],
    )?;
    Ok(())
}

pub(crate) fn sign_note(tx: &Transaction<'_>, visit_id: i64, by: i64, now: DateTime<Utc>) -> Result<()> {
    let t = time_text(now);
    tx.execute(
        "UPDATE visit_notes SET signed_by = ?2, signed_at = ?3, updated_by = ?2, updated_at = ?3 WHERE visit_id = ?1",
        (visit_id, by, &t),
    )?;
    Ok(())
}

pub(crate) fn add_addendum(
    tx: &Transaction<'_>,
    visit_id: i64,
    text: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO note_addenda (visit_id, text, author_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        (visit_id, text, by, time_text(now)),
    )?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn addenda(conn: &Connection, visit_id: i64) -> Result<Vec<Addendum>> {
    let mut stmt =
        conn.prepare("SELECT id, text, author_id, created_at FROM note_addenda WHERE visit_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([visit_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, text, author_id, at) = row?;
        out.push(Addendum { id, text, author_id, created_at: parse_time(&at)? });
    }
    Ok(out)
}

pub(crate) fn insert_vitals(
    tx: &Transaction<'_>,
    visit_id: i64,
    v: &Vitals,
    taken_at: DateTime<Utc>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO vitals (visit_id, taken_at, systolic, diastolic, pulse, temperature_c, weight_kg, height_cm,
                             spo2, recorded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        chartvault_seal::rusqlite::params![
            visit_id,
            time_text(taken_at),
            v.systolic,
            v.diastolic,
            v.pulse,
            v.temperature_c,
            v.weight_kg,
            v.height_cm,
            v.spo2,
            by,
            time_text(now)
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn vitals(conn: &Connection, visit_id: i64) -> Result<Vec<VitalsRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, taken_at, systolic, diastolic, pulse, temperature_c, weight_kg, height_cm, spo2
         FROM vitals WHERE visit_id = ?1 ORDER BY taken_at, id",
    )?;
    let rows = stmt.query_map([visit_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            Vitals {
                systolic: r.get(2)?,
                diastolic: r.get(3)?,
                pulse: r.get(4)?,
                temperature_c: r.get(5)?,
                weight_kg: r.get(6)?,
                height_cm: r.get(7)?,
                spo2: r.get(8)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, vitals) = row?;
        out.push(VitalsRecord { id, taken_at: parse_time(&at)?, vitals });
    }
    Ok(out)
}
