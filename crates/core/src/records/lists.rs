//! The chart's lists — problems, allergies, medications — described as
//! data: each list's fields, which are required, their kinds and defaults.
//! One code path checks, stores, changes and reads them all, and keeps the
//! history of every change.

use chartvault_seal::rusqlite::types::Value;
use chartvault_seal::rusqlite::{Connection, Transaction, params_from_iter};
use chrono::{DateTime, NaiveDate, Utc};

use crate::access::{parse_time, time_text};
use crate::audit::Change;
use crate::{CoreError, Result};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text up to this many characters.
    Text(usize),
    /// A date (`YYYY-MM-DD`).
    Date,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// One field of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Column and field name.
    pub name: &'static str,
    /// As shown.
    pub label: &'static str,
    /// Must be given.
    pub required: bool,
    /// What it holds.
    pub kind: FieldKind,
    /// Its value when none is given.
    pub default: Option<&'static str>,
}

const fn field(name: &'static str, label: &'static str, required: bool, kind: FieldKind) -> FieldSpec {
    FieldSpec { name, label, required, kind, default: None }
}

const fn choice(
    name: &'static str,
    label: &'static str,
    of: &'static [&'static str],
    default: &'static str,
) -> FieldSpec {
    FieldSpec { name, label, required: true, kind: FieldKind::OneOf(of), default: Some(default) }
}

/// The routes a medication may be given by.
pub const ROUTES: &[&str] = &[
    "oral",
    "sublingual",
    "topical",
    "inhaled",
    "nasal",
    "eye",
    "ear",
    "rectal",
    "vaginal",
    "subcutaneous",
    "intramuscular",
    "intravenous",
    "transdermal",
    "other",
];

const PROBLEMS: &[FieldSpec] = &[
    field("description", "Problem", true, FieldKind::Text(500)),
    choice("status", "Status", &["active", "resolved", "inactive", "entered_in_error"], "active"),
    field("onset", "Onset", false, FieldKind::Date),
    field("resolved", "Resolved", false, FieldKind::Date),
    field("note", "Note", false, FieldKind::Text(2000)),
];

const ALLERGIES: &[FieldSpec] = &[
    field("substance", "Substance", true, FieldKind::Text(200)),
    field("reaction", "Reaction", false, FieldKind::Text(500)),
    choice("severity", "Severity", &["mild", "moderate", "severe", "unknown"], "unknown"),
    choice("status", "Status", &["active", "inactive", "entered_in_error"], "active"),
    field("note", "Note", false, FieldKind::Text(2000)),
];

const MEDICATIONS: &[FieldSpec] = &[
    field("name", "Medication", true, FieldKind::Text(200)),
    field("dose", "Dose", false, FieldKind::Text(100)),
    field("route", "Route", false, FieldKind::OneOf(ROUTES)),
    field("frequency", "Frequency", false, FieldKind::Text(100)),
    field("start_date", "Started", false, FieldKind::Date),
    field("stop_date", "Stopped", false, FieldKind::Date),
    choice("status", "Status", &["active", "stopped", "entered_in_error"], "active"),
    field("note", "Note", false, FieldKind::Text(2000)),
];

/// One of the chart's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartList {
    /// Problems (diagnoses, conditions).
    Problems,
    /// Allergies and intolerances.
    Allergies,
    /// Medications.
    Medications,
}

impl ChartList {
    /// Every list.
    pub const ALL: [ChartList; 3] = [ChartList::Problems, ChartList::Allergies, ChartList::Medications];

    /// Its name (and table).
    pub const fn as_str(self) -> &'static str {
        match self {
            ChartList::Problems => "problems",
            ChartList::Allergies => "allergies",
            ChartList::Medications => "medications",
        }
    }

    /// The list of a name.
    pub fn parse(s: &str) -> Result<ChartList> {
        ChartList::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| CoreError::InvalidClinicalField {
            field: "list",
            why: format!("\"{s}\" is not a chart list"),
        })
    }

    /// Its fields, in order.
    pub const fn fields(self) -> &'static [FieldSpec] {
        match self {
            ChartList::Problems => PROBLEMS,
            ChartList::Allergies => ALLERGIES,
            ChartList::Medications => MEDICATIONS,
        }
    }

    /// The pairs of date fields that must be in order (earlier, later).
    const fn date_order(self) -> Option<(&'static str, &'static str)> {
        match self {
            ChartList::Problems => Some(("onset", "resolved")),
            ChartList::Allergies => None,
            ChartList::Medications => Some(("start_date", "stop_date")),
        }
    }
}

/// An entry: its values in the order of its list's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartEntry {
    /// Row id.
    pub id: i64,
    /// Which list.
    pub list: ChartList,
    /// The patient.
    pub patient_id: i64,
    /// (field, value) for every field of the list.
    pub values: Vec<(&'static str, Option<String>)>,
    /// When first recorded.
    pub recorded_at: DateTime<Utc>,
}

impl ChartEntry {
    /// The value of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.iter().find(|(f, _)| *f == field).and_then(|(_, v)| v.as_deref())
    }
}

/// One change to an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryItem {
    /// The field.
    pub field: String,
    /// Before (none when first recorded).
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
    /// Who changed it (user name).
    pub changed_by: String,
    /// When.
    pub changed_at: DateTime<Utc>,
}

fn invalid(spec: &FieldSpec, why: String) -> CoreError {
    CoreError::InvalidClinicalField { field: spec.label, why }
}

/// Values as given, checked against `list`'s fields: every field once, in
/// order, defaults filled, text tidied. Unknown fields are refused.
pub fn checked(list: ChartList, given: &[(&str, Option<&str>)]) -> Result<Vec<(&'static str, Option<String>)>> {
    for (name, _) in given {
        if !list.fields().iter().any(|f| f.name == *name) {
            return Err(CoreError::InvalidClinicalField {
                field: "field",
                why: format!("\"{name}\" is not a field of {}", list.as_str()),
            });
        }
    }
    let mut out = Vec::with_capacity(list.fields().len());
    for spec in list.fields() {
        let typed = given.iter().find(|(n, _)| *n == spec.name).and_then(|(_, v)| *v).map(str::trim);
        let value = typed.filter(|v| !v.is_empty()).or(spec.default);
        let value = match (value, spec.kind) {
            (None, _) if spec.required => return Err(invalid(spec, "is needed".into())),
            (None, _) => None,
            (Some(v), FieldKind::Text(max)) => {
                if v.chars().count() > max {
                    return Err(invalid(spec, format!("is longer than {max} characters")));
                }
                if v.chars().any(|c| c.is_control() && c != '\n') {
                    return Err(invalid(spec, "holds a control character".into()));
                }
                Some(v.to_owned())
            }
            (Some(v), FieldKind::Date) => {
                let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| invalid(spec, format!("\"{v}\" is not a date (YYYY-MM-DD)")))?;
                Some(d.to_string())
            }
            (Some(v), FieldKind::OneOf(words)) => {
                let w = v.to_ascii_lowercase();
                if !words.contains(&w.as_str()) {
                    return Err(invalid(spec, format!("\"{v}\" is not one of {}", words.join(", "))));
                }
                Some(w)
            }
        };
        out.push((spec.name, value));
    }
    if let Some((early, late)) = list.date_order() {
        let get = |n: &str| out.iter().find(|(f, _)| *f == n).and_then(|(_, v)| v.clone());
        if let (Some(a), Some(b)) = (get(early), get(late))
            && b < a
        {
            let spec = list.fields().iter().find(|f| f.name == late).unwrap_or(&list.fields()[0]);
            return Err(invalid(spec, format!("{b} is before {a}")));
        }
    }
    Ok(out)
}

/// The changes from `before` to `after` (both checked values of one list).
pub(crate) fn changes(
    before: &[(&'static str, Option<String>)],
    after: &[(&'static str, Option<String>)],
) -> Vec<Change> {
    before
        .iter()
        .zip(after)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((f, a), (_, b))| Change { field: (*f).to_owned(), old: a.clone(), new: b.clone() })
        .collect()
}

fn text_or_null(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Text)
}

fn names(list: ChartList) -> Vec<&'static str> {
    list.fields().iter().map(|f| f.name).collect()
}

/// Stores a new entry of checked `values` with its history (every value
/// as added); returns the id and the changes, for the audit entry.
pub(crate) fn add(
    tx: &Transaction<'_>,
    list: ChartList,
    patient_id: i64,
    values: &[(&'static str, Option<String>)],
    by: i64,
    now: DateTime<Utc>,
) -> Result<(i64, Vec<Change>)> {
    let cols = names(list);
    let sql = format!(
        "INSERT INTO {} (patient_id, {}, recorded_by, recorded_at, updated_at) VALUES (?, {}, ?, ?, ?)",
        list.as_str(),
        cols.join(", "),
        vec!["?"; cols.len()].join(", ")
    );
    let t = time_text(now);
    let mut params = vec![Value::Integer(patient_id)];
    params.extend(values.iter().map(|(_, v)| text_or_null(v)));
    params.extend([Value::Integer(by), Value::Text(t.clone()), Value::Text(t)]);
    tx.execute(&sql, params_from_iter(params))?;
    let id = tx.last_insert_rowid();
    let added = changes(&values.iter().map(|(f, _)| (*f, None)).collect::<Vec<_>>(), values);
    record_history(tx, list, id, &added, by, now)?;
    Ok((id, added))
}

pub(crate) fn update(
    tx: &Transaction<'_>,
    list: ChartList,
    id: i64,
    values: &[(&'static str, Option<String>)],
    now: DateTime<Utc>,
) -> Result<()> {
    let sets: Vec<String> = names(list).iter().map(|c| format!("{c} = ?")).collect();
    let sql = format!("UPDATE {} SET {}, updated_at = ? WHERE id = ?", list.as_str(), sets.join(", "));
    let mut params: Vec<Value> = values.iter().map(|(_, v)| text_or_null(v)).collect();
    params.extend([Value::Text(time_text(now)), Value::Integer(id)]);
    tx.execute(&sql, params_from_iter(params))?;
    Ok(())
}

pub(crate) fn record_history(
    tx: &Transaction<'_>,
    list: ChartList,
    id: i64,
    changes: &[Change],
    by: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = time_text(now);
    for c in changes {
        tx.execute(
            "INSERT INTO chart_history (list, entry_id, field, old_value, new_value, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            chartvault_seal::rusqlite::params![list.as_str(), id, c.field, c.old, c.new, by, t],
        )?;
    }
    Ok(())
}

fn read(conn: &Connection, list: ChartList, filter: &str, key: i64) -> Result<Vec<ChartEntry>> {
    let cols = names(list);
    let sql = format!(
        "SELECT id, patient_id, recorded_at, {} FROM {} WHERE {filter} = ?1 ORDER BY id",
        cols.join(", "),
        list.as_str()
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([key], |r| {
        let mut values = Vec::with_capacity(cols.len());
        for (i, c) in cols.iter().enumerate() {
            values.push((*c, r.get::<_, Option<String>>(3 + i)?));
        }
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, values))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, patient_id, at, values) = row?;
        out.push(ChartEntry { id, list, patient_id, values, recorded_at: parse_time(&at)? });
    }
    Ok(out)
}

pub(crate) fn entries(conn: &Connection, list: ChartList, patient_id: i64) -> Result<Vec<ChartEntry>> {
    read(conn, list, "patient_id", patient_id)
}

pub(crate) fn entry(conn: &Connection, list: ChartList, id: i64) -> Result<Option<ChartEntry>> {
    Ok(read(conn, list, "id", id)?.into_iter().next())
}

pub(crate) fn history(conn: &Connection, list: ChartList, id: i64) -> Result<Vec<HistoryItem>> {
    let mut stmt = conn.prepare(
        "SELECT h.field, h.old_value, h.new_value, coalesce(u.username, '?'), h.changed_at
         FROM chart_history h LEFT JOIN users u ON u.id = h.changed_by
         WHERE h.list = ?1 AND h.entry_id = ?2 ORDER BY h.id",
    )?;
    let rows = stmt.query_map((list.as_str(), id), |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (field, old, new, changed_by, at) = row?;
        out.push(HistoryItem { field, old, new, changed_by, changed_at: parse_time(&at)? });
    }
    Ok(out)
}
