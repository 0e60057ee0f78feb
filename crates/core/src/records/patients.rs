//! Patient rows: the fields, their checks, reading and writing.

use chartvault_seal::rusqlite::types::Value;
use chartvault_seal::rusqlite::{Connection, OptionalExtension, Row, Transaction, params_from_iter};
use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::Change;
use crate::{CoreError, Result};

/// Administrative sex, as FHIR R4's `AdministrativeGender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Unknown.
    Unknown,
}

impl Sex {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    /// The value of a name.
    pub fn parse(s: &str) -> Result<Sex> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "female" => Sex::Female,
            "male" => Sex::Male,
            "other" => Sex::Other,
            "unknown" => Sex::Unknown,
            _ => return Err(invalid("sex", "female, male, other or unknown")),
        })
    }
}

/// What a person types about a patient (registering or editing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFields {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Administrative sex.
    pub sex: Sex,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Postal code (ZIP), apart so that a de-identified export can keep
    /// only what Safe Harbor allows of it.
    pub postal_code: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Readable only with the restricted-record permission or emergency access.
    pub restricted: bool,
}

/// A patient as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// Row id.
    pub id: i64,
    /// Medical record number.
    pub mrn: String,
    /// Demographics and contacts.
    pub fields: PatientFields,
    /// When archived, if archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// The record this duplicate was merged into, if it was.
    pub merged_into: Option<i64>,
}

fn invalid(field: &'static str, why: &'static str) -> CoreError {
    CoreError::InvalidPatientField { field, why }
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if v.chars().count() > max {
        return Err(invalid(field, "is too long"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "holds a control character"));
    }
    Ok(v.to_owned())
}

fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// A postal code: letters, digits, spaces and hyphens (US ZIP, ZIP+4,
/// and the codes of other countries), at most 12.
fn postal_code(value: Option<&str>) -> Result<Option<String>> {
    let code = optional("postal code", value, 12)?;
    if let Some(c) = &code
        && !c.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return Err(invalid("postal code", "may hold letters, digits, spaces and hyphens only"));
    }
    Ok(code)
}

fn phone(value: Option<&str>) -> Result<Option<String>> {
    let phone = optional("phone", value, 40)?;
    if let Some(p) = &phone
        && !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return Err(invalid("phone", "may hold digits, spaces and + - ( ) . only"));
    }
    Ok(phone)
}

fn email(value: Option<&str>) -> Result<Option<String>> {
    let email = optional("e-mail", value, 254)?;
    if let Some(e) = &email
        && (e.contains(char::is_whitespace) || e.split('@').filter(|p| !p.is_empty()).count() != 2)
    {
        return Err(invalid("e-mail", "is not an address like name@example.org"));
    }
    Ok(email)
}

impl PatientFields {
    /// The fields checked and tidied (trimmed; empty optional fields
    /// become none), or the first field that cannot be used and why.
    pub fn checked(&self, today: NaiveDate) -> Result<PatientFields> {
        self.checked_all(today).map_err(|mut all| all.swap_remove(0).1)
    }

    /// [`PatientFields::checked`], but naming every field that cannot be
    /// used, in field order, each with its stored column name: an import
    /// reports all of a row's problems at once.
    pub(crate) fn checked_all(
        &self,
        today: NaiveDate,
    ) -> std::result::Result<PatientFields, Vec<(&'static str, CoreError)>> {
        let mut bad = Vec::new();
        let mut keep = |column: &'static str, r: Result<Option<String>>| match r {
            Ok(v) => v,
            Err(e) => {
                bad.push((column, e));
                None
            }
        };
        let given_name = keep("given_name", text("given name", &self.given_name, 200).map(Some));
        let family_name = keep("family_name", text("family name", &self.family_name, 200).map(Some));
        for (column, name) in [("given_name", &given_name), ("family_name", &family_name)] {
            if name.as_ref().is_some_and(|n| n.contains('\n')) {
                keep(column, Err(invalid("name", "holds a line break")));
            }
        }
        if self.date_of_birth > today {
            keep("date_of_birth", Err(invalid("date of birth", "is in the future")));
        }
        if self.date_of_birth < NaiveDate::from_ymd_opt(1870, 1, 1).unwrap_or(NaiveDate::MIN) {
            keep("date_of_birth", Err(invalid("date of birth", "is before 1870")));
        }
        let phone = keep("phone", phone(self.phone.as_deref()));
        let email = keep("email", email(self.email.as_deref()));
        let address = keep("address", optional("address", self.address.as_deref(), 500));
        let postal_code = keep("postal_code", postal_code(self.postal_code.as_deref()));
        let notes = keep("notes", optional("notes", self.notes.as_deref(), 10_000));
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(PatientFields {
            given_name: given_name.unwrap_or_default(),
            family_name: family_name.unwrap_or_default(),
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            phone,
            email,
            address,
            postal_code,
            notes,
            restricted: self.restricted,
        })
    }

    /// The fields as (name, stored text), for the audit trail's changes.
    pub(crate) fn audited(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("given_name", Some(self.given_name.clone())),
            ("family_name", Some(self.family_name.clone())),
            ("date_of_birth", Some(self.date_of_birth.to_string())),
            ("sex", Some(self.sex.as_str().to_owned())),
            ("phone", self.phone.clone()),
            ("email", self.email.clone()),
            ("address", self.address.clone()),
            ("postal_code", self.postal_code.clone()),
            ("notes", self.notes.clone()),
            ("restricted", Some(self.restricted.to_string())),
        ]
    }

    /// The changes from `before` to `self`, field by field.
    pub(crate) fn changes_from(&self, before: &PatientFields) -> Vec<Change> {
        before
            .audited()
            .into_iter()
            .zip(self.audited())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, old), (_, new))| Change { field: field.to_owned(), old, new })
            .collect()
    }
}

const COLUMNS: &str = "id, mrn, given_name, family_name, date_of_birth, sex, phone, email, address, notes, \
                       restricted, archived_at, created_at, postal_code, merged_into";

type Stored = (i64, String, PatientFields, Option<String>, String, Option<i64>);

fn from_row(r: &Row<'_>) -> chartvault_seal::rusqlite::Result<Stored> {
    let dob: String = r.get(4)?;
    let sex: String = r.get(5)?;
    let bad = |i| {
        chartvault_seal::rusqlite::Error::FromSqlConversionFailure(
            i,
            chartvault_seal::rusqlite::types::Type::Text,
            "a stored patient field is invalid".into(),
        )
    };
    Ok((
        r.get(0)?,
        r.get(1)?,
        PatientFields {
            given_name: r.get(2)?,
            family_name: r.get(3)?,
            date_of_birth: NaiveDate::parse_from_str(&dob, "%Y-%m-%d").map_err(|_| bad(4))?,
            sex: Sex::parse(&sex).map_err(|_| bad(5))?,
            phone: r.get(6)?,
            email: r.get(7)?,
            address: r.get(8)?,
            notes: r.get(9)?,
            restricted: r.get(10)?,
            postal_code: r.get(13)?,
        },
        r.get(11)?,
        r.get(12)?,
        r.get(14)?,
    ))
}

/// The patient of `id`, if there is one.
pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Patient>> {
    let row = conn.query_row(&format!("SELECT {COLUMNS} FROM patients WHERE id = ?1"), [id], from_row).optional()?;
    let Some((id, mrn, fields, archived, created, merged_into)) = row else { return Ok(None) };
    Ok(Some(Patient {
        id,
        mrn,
        fields,
        archived_at: archived.as_deref().map(crate::access::parse_time).transpose()?,
        created_at: crate::access::parse_time(&created)?,
        merged_into,
    }))
}

/// Whether the patient's record is restricted (false for no such patient).
pub(crate) fn is_restricted(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .query_row("SELECT restricted FROM patients WHERE id = ?1", [id], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// The stored values of the fields, in the order of [`FIELD_COLUMNS`].
fn field_values(f: &PatientFields) -> Vec<Value> {
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    vec![
        Value::Text(f.given_name.clone()),
        Value::Text(f.family_name.clone()),
        Value::Text(f.date_of_birth.to_string()),
        Value::Text(f.sex.as_str().to_owned()),
        opt(&f.phone),
        opt(&f.email),
        opt(&f.address),
        opt(&f.notes),
        Value::Integer(i64::from(f.restricted)),
        opt(&f.postal_code),
    ]
}

/// The stored fields' columns (an import's header names them too).
pub(crate) const FIELD_COLUMNS: [&str; 10] = [
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "notes",
    "restricted",
    "postal_code",
];

/// Stores a new patient; returns the id. An id is never given twice, not
/// even one whose record was erased: grants and audit entries that name it
/// keep meaning that person.
pub(crate) fn insert(tx: &Transaction<'_>, mrn: &str, f: &PatientFields, now: DateTime<Utc>) -> Result<i64> {
    let t = crate::access::time_text(now);
    let sql = format!(
        "INSERT INTO patients (id, {}, mrn, created_at, updated_at) VALUES (
            1 + max(coalesce((SELECT max(id) FROM patients), 0), coalesce((SELECT max(id) FROM erased_patients), 0)),
            {}, ?, ?, ?)",
        FIELD_COLUMNS.join(", "),
        ["?"; FIELD_COLUMNS.len()].join(", ")
    );
    let mut values = field_values(f);
    values.extend([Value::Text(mrn.to_owned()), Value::Text(t.clone()), Value::Text(t)]);
    tx.execute(&sql, params_from_iter(values))?;
    Ok(tx.last_insert_rowid())
}

/// Writes a patient's fields.
pub(crate) fn update(tx: &Transaction<'_>, id: i64, f: &PatientFields, now: DateTime<Utc>) -> Result<()> {
    let sets: Vec<String> = FIELD_COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
    let sql = format!("UPDATE patients SET {}, updated_at = ? WHERE id = ?", sets.join(", "));
    let mut values = field_values(f);
    values.extend([Value::Text(crate::access::time_text(now)), Value::Integer(id)]);
    tx.execute(&sql, params_from_iter(values))?;
    Ok(())
}

/// Archives (`Some(now)`) or brings back (`None`) a patient's record.
pub(crate) fn set_archived(tx: &Transaction<'_>, id: i64, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "UPDATE patients SET archived_at = ?2, updated_at = ?3 WHERE id = ?1",
        (id, at.map(crate::access::time_text), crate::access::time_text(now)),
    )?;
    Ok(())
}

/// An identifier's system or value, checked.
pub(crate) fn identifier_part(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = text(field, value, max)?;
    if v.contains('\n') {
        return Err(invalid(field, "holds a line break"));
    }
    Ok(v)
}

/// Sets or removes the identifier of `system`; returns the value it had.
pub(crate) fn set_identifier(
    tx: &Transaction<'_>,
    id: i64,
    system: &str,
    value: Option<&str>,
) -> Result<Option<String>> {
    let old: Option<String> = tx
        .query_row("SELECT value FROM patient_identifiers WHERE patient_id = ?1 AND system = ?2", (id, system), |r| {
            r.get(0)
        })
        .optional()?;
    if old.as_deref() == value {
        return Ok(old);
    }
    match value {
        Some(v) => tx.execute(
            "INSERT INTO patient_identifiers (patient_id, system, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (patient_id, system) DO UPDATE SET value = excluded.value",
            (id, system, v),
        )?,
        None => tx.execute("DELETE FROM patient_identifiers WHERE patient_id = ?1 AND system = ?2", (id, system))?,
    };
    Ok(old)
}

/// A patient's identifiers, by system.
pub(crate) fn identifiers(conn: &Connection, id: i64) -> Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT system, value FROM patient_identifiers WHERE patient_id = ?1 ORDER BY system")?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<chartvault_seal::rusqlite::Result<_>>()?)
}
