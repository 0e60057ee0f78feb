//! The IPC types of the clinic's records (patients, visits, the chart's
//! lists). Dates are `YYYY-MM-DD`, times RFC 3339 UTC.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A patient in a search result.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PatientHitView {
    /// Row id.
    pub id: i64,
    /// Medical record number.
    pub mrn: String,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: String,
    /// Restricted record.
    pub restricted: bool,
    /// Archived record.
    pub archived: bool,
}

/// A search.
#[derive(Debug, Deserialize, TS)]
pub struct FindArgs {
    /// What was typed.
    pub query: String,
    /// Archived records too.
    pub include_archived: bool,
}

/// A record number, typed exactly.
#[derive(Debug, Deserialize, TS)]
pub struct MrnArgs {
    /// The record number.
    pub mrn: String,
}

/// A patient's demographics as typed.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PatientInput {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: String,
    /// `female`, `male`, `other`, `unknown`.
    pub sex: String,
    /// Telephone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Postal code (ZIP).
    pub postal_code: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Restricted record.
    pub restricted: bool,
}

/// A patient's record.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PatientView {
    /// Row id.
    pub id: i64,
    /// Medical record number.
    pub mrn: String,
    /// Demographics and contacts.
    pub fields: PatientInput,
    /// Archived at (RFC 3339), if archived.
    pub archived_at: Option<String>,
    /// Registered at.
    pub created_at: String,
    /// Identifiers as (system, value).
    pub identifiers: Vec<(String, String)>,
    /// The record this duplicate was merged into.
    pub merged_into: Option<i64>,
}

/// A chart as its screen opens.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChartView {
    /// The record.
    pub patient: PatientView,
    /// Visits, newest first (none: the user does not read the clinical record).
    pub visits: Option<Vec<VisitView>>,
    /// Allergies (none: as for visits).
    pub allergies: Option<Vec<ChartEntryView>>,
}

/// Editing a patient.
#[derive(Debug, Deserialize, TS)]
pub struct PatientUpdateArgs {
    /// Which.
    pub id: i64,
    /// The new values.
    pub fields: PatientInput,
}

/// One patient.
#[derive(Debug, Deserialize, TS)]
pub struct PatientArgs {
    /// Which.
    pub id: i64,
}

/// Setting an identifier.
#[derive(Debug, Deserialize, TS)]
pub struct IdentifierArgs {
    /// The patient.
    pub id: i64,
    /// The system (e.g. `NHS`).
    pub system: String,
    /// The value; null removes it.
    pub value: Option<String>,
}

/// Emergency access to one patient's record.
#[derive(Debug, Deserialize, TS)]
pub struct EmergencyArgs {
    /// The patient.
    pub id: i64,
    /// Why (at least 10 characters).
    pub reason: String,
}

/// A visit to record.
#[derive(Debug, Deserialize, TS)]
pub struct NewVisitArgs {
    /// The patient.
    pub patient_id: i64,
    /// When (RFC 3339).
    pub started_at: String,
    /// `office`, `telephone`, `video`, `home`, `emergency`, `other`.
    pub kind: String,
    /// Provider's user name.
    pub provider: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// A SOAP note.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SoapView {
    /// Subjective.
    pub subjective: String,
    /// Objective.
    pub objective: String,
    /// Assessment.
    pub assessment: String,
    /// Plan.
    pub plan: String,
}

/// Saving a note draft.
#[derive(Debug, Deserialize, TS)]
pub struct NoteArgs {
    /// The visit.
    pub visit_id: i64,
    /// The note.
    pub soap: SoapView,
}

/// One visit.
#[derive(Debug, Deserialize, TS)]
pub struct VisitArgs {
    /// The visit.
    pub visit_id: i64,
}

/// An addendum.
#[derive(Debug, Deserialize, TS)]
pub struct AddendumArgs {
    /// The visit.
    pub visit_id: i64,
    /// The text.
    pub text: String,
}

/// Vital signs, metric.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
pub struct VitalsView {
    /// mmHg.
    pub systolic: Option<i64>,
    /// mmHg.
    pub diastolic: Option<i64>,
    /// Beats per minute.
    pub pulse: Option<i64>,
    /// °C.
    pub temperature_c: Option<f64>,
    /// kg.
    pub weight_kg: Option<f64>,
    /// cm.
    pub height_cm: Option<f64>,
    /// %.
    pub spo2: Option<i64>,
}

/// Recording vitals.
#[derive(Debug, Deserialize, TS)]
pub struct VitalsArgs {
    /// The visit.
    pub visit_id: i64,
    /// The values.
    pub vitals: VitalsView,
}

/// Vitals as recorded.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VitalsRecordView {
    /// When taken.
    pub taken_at: String,
    /// The values.
    pub vitals: VitalsView,
}

/// An addendum as recorded.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AddendumView {
    /// The text.
    pub text: String,
    /// Author (user name).
    pub author: String,
    /// When.
    pub created_at: String,
}

/// A visit with everything in it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VisitView {
    /// Row id.
    pub id: i64,
    /// When.
    pub started_at: String,
    /// Kind.
    pub kind: String,
    /// Provider's user name.
    pub provider: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// The note, once started.
    pub note: Option<SoapView>,
    /// Signed by (user name), once signed.
    pub signed_by: Option<String>,
    /// Signed at.
    pub signed_at: Option<String>,
    /// Addenda, oldest first.
    pub addenda: Vec<AddendumView>,
    /// Vitals, oldest first.
    pub vitals: Vec<VitalsRecordView>,
}

/// One field of a chart list, for building its form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldSpecView {
    /// Field name.
    pub name: String,
    /// As shown.
    pub label: String,
    /// Must be given.
    pub required: bool,
    /// `text`, `date` or `choice`.
    pub kind: String,
    /// The words of a choice.
    pub choices: Vec<String>,
    /// Longest text.
    pub max_chars: Option<u32>,
    /// Value when none is given.
    pub default: Option<String>,
}

/// A chart list's description.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ListSpecView {
    /// `problems`, `allergies`, `medications`.
    pub list: String,
    /// Its fields.
    pub fields: Vec<FieldSpecView>,
}

/// A field's value.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FieldValue {
    /// Field name.
    pub field: String,
    /// Value (null: none).
    pub value: Option<String>,
}

/// An entry of a chart list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChartEntryView {
    /// Row id.
    pub id: i64,
    /// Its values, in the list's field order.
    pub values: Vec<FieldValue>,
    /// When recorded.
    pub recorded_at: String,
}

/// A patient's list.
#[derive(Debug, Deserialize, TS)]
pub struct ListArgs {
    /// The patient.
    pub patient_id: i64,
    /// Which list.
    pub list: String,
}

/// Adding an entry.
#[derive(Debug, Deserialize, TS)]
pub struct AddEntryArgs {
    /// The patient.
    pub patient_id: i64,
    /// Which list.
    pub list: String,
    /// The values given.
    pub values: Vec<FieldValue>,
}

/// Changing an entry.
#[derive(Debug, Deserialize, TS)]
pub struct UpdateEntryArgs {
    /// Which list.
    pub list: String,
    /// Which entry.
    pub id: i64,
    /// The values that change.
    pub values: Vec<FieldValue>,
}

/// One entry's history.
#[derive(Debug, Deserialize, TS)]
pub struct EntryArgs {
    /// Which list.
    pub list: String,
    /// Which entry.
    pub id: i64,
}

/// A change to an entry.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryView {
    /// Field.
    pub field: String,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
    /// By (user name).
    pub changed_by: String,
    /// When.
    pub changed_at: String,
}
