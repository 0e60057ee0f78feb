//! The IPC types of attachments, consents, merging, erasure and a
//! patient's exports. Dates are `YYYY-MM-DD`, times RFC 3339 UTC.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An attachment's description (its bytes come by `attachment_bytes`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AttachmentView {
    /// Row id.
    pub id: i64,
    /// The file's name.
    pub file_name: String,
    /// `application/pdf`, `image/png`, `image/jpeg` or `text/plain`.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// What it is.
    pub description: Option<String>,
    /// Who added it (user name).
    pub added_by: String,
    /// When.
    pub added_at: String,
    /// When marked as added in error, if it was.
    pub entered_in_error_at: Option<String>,
}

/// One attachment.
#[derive(Debug, Deserialize, TS)]
pub struct AttachmentArgs {
    /// Which.
    pub id: i64,
}

/// Saving an attachment to a file.
#[derive(Debug, Deserialize, TS)]
pub struct SaveAttachmentArgs {
    /// Which.
    pub id: i64,
    /// The file to write (empty: its own name in the Documents folder).
    pub path: String,
}

/// A file written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedFile {
    /// Where.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A consent as shown.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConsentView {
    /// Row id.
    pub id: i64,
    /// `treatment`, `data_sharing` or `research`.
    pub scope: String,
    /// From.
    pub granted_on: String,
    /// Until (inclusive).
    pub expires_on: Option<String>,
    /// How it was given.
    pub note: Option<String>,
    /// `active`, `not_yet_valid`, `expired` or `withdrawn`, today.
    pub status: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
    /// When withdrawn.
    pub withdrawn_at: Option<String>,
}

/// Recording a consent.
#[derive(Debug, Deserialize, TS)]
pub struct ConsentArgs {
    /// The patient.
    pub patient_id: i64,
    /// `treatment`, `data_sharing` or `research`.
    pub scope: String,
    /// From (YYYY-MM-DD).
    pub granted_on: String,
    /// Until (YYYY-MM-DD), or empty.
    pub expires_on: Option<String>,
    /// How it was given.
    pub note: Option<String>,
}

/// One consent.
#[derive(Debug, Deserialize, TS)]
pub struct ConsentIdArgs {
    /// Which.
    pub id: i64,
}

/// Merging a duplicate into the record kept.
#[derive(Debug, Deserialize, TS)]
pub struct MergeArgs {
    /// The record kept.
    pub kept_id: i64,
    /// The duplicate.
    pub duplicate_id: i64,
}

/// One merge (named by its audit entries).
#[derive(Debug, Deserialize, TS)]
pub struct MergeIdArgs {
    /// Which.
    pub id: i64,
}

/// What a merge (or its undo) moved.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MergeDone {
    /// The merge's id.
    pub merge_id: i64,
    /// "3 visits", "1 attachments"… in words.
    pub moved: Vec<String>,
    /// Identifiers left with the duplicate: "insurer: AX-1 (kept) / BZ-2 (duplicate)".
    pub conflicts: Vec<String>,
}

/// A merge as recorded.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MergeView {
    /// Row id.
    pub id: i64,
    /// The record kept.
    pub kept_id: i64,
    /// The duplicate.
    pub duplicate_id: i64,
    /// When merged.
    pub merged_at: String,
    /// When undone, if it was.
    pub undone_at: Option<String>,
}

/// Erasing a record on request.
#[derive(Debug, Deserialize, TS)]
pub struct EraseArgs {
    /// The patient.
    pub id: i64,
    /// The request's reference (a case number, not a name).
    pub reference: String,
}

/// Exporting one patient's record to a file.
#[derive(Debug, Deserialize, TS)]
pub struct PatientExportArgs {
    /// The patient.
    pub id: i64,
    /// `fhir` (R4 JSON bundle), `html` or `pdf` (printable summary).
    pub format: String,
    /// `access` (the patient's own request) or `sharing` (needs a data-sharing consent in force).
    pub purpose: String,
    /// The file to write (empty: a new file in the Documents folder).
    pub path: String,
}

/// The de-identified export (Safe Harbor) to a file.
#[derive(Debug, Deserialize, TS)]
pub struct DeidExportArgs {
    /// `csv` or `fhir`.
    pub format: String,
    /// The file to write (empty: a new file in the Documents folder).
    pub path: String,
}

/// A de-identified export written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeidExportDone {
    /// Where.
    pub path: String,
    /// Patients in it.
    pub patients: u64,
    /// Patients left out for a withdrawn research consent.
    pub excluded_withdrawn: u64,
}

/// One problem of a CSV import.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportProblemView {
    /// The line, as an editor counts them (1 is the header).
    pub line: u64,
    /// The column (or `row`).
    pub field: String,
    /// Why.
    pub why: String,
}

/// What a CSV import found and did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportView {
    /// Data rows read.
    pub rows: u64,
    /// Rows that passed every check.
    pub good_rows: u64,
    /// Every problem, in line order.
    pub problems: Vec<ImportProblemView>,
    /// The header has a problem: nothing can be imported.
    pub header_refused: bool,
    /// Patients registered (none for a check).
    pub imported: u64,
    /// Good rows that may be patients already registered (imported all the same).
    pub warnings: Vec<ImportProblemView>,
}
