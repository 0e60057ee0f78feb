//! Exports of the record: one patient's whole record for an access or
//! portability request (a FHIR R4 JSON bundle, a printable summary as HTML
//! or PDF), and a de-identified extract of every patient for research
//! (HIPAA Safe Harbor; CSV or FHIR).
//!
//! Core has no JSON at its surface: each export is a [`crate::session::Session`]
//! method that writes a file's bytes to a `&mut dyn Write`. JSON is only the
//! format of the file. The record is read with core's own row functions and
//! the export is audited once, as an export, before the first byte leaves.

mod deid;
mod export_ops;
mod fhir;
mod fhir_bundle;
mod record;
mod summary;
mod summary_html;
mod summary_pdf;
mod writing;

/// The file format of a patient's export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientExportFormat {
    /// A FHIR R4 JSON bundle of type `collection`, attachments included.
    Fhir,
    /// A self-contained printable HTML page.
    Html,
    /// The same summary as a paginated PDF.
    Pdf,
}

impl PatientExportFormat {
    /// The name, as the command line takes it and the audit trail records it.
    pub const fn as_str(self) -> &'static str {
        match self {
            PatientExportFormat::Fhir => "fhir",
            PatientExportFormat::Html => "html",
            PatientExportFormat::Pdf => "pdf",
        }
    }
}

/// Why a patient's record leaves the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportPurpose {
    /// The patient's own access or portability request: their right, no
    /// consent needed.
    PatientAccess,
    /// Sharing with someone else (another provider): needs a data-sharing
    /// consent in force.
    Sharing,
}

impl ExportPurpose {
    /// The name, as the command line takes it and the audit trail records it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExportPurpose::PatientAccess => "access",
            ExportPurpose::Sharing => "sharing",
        }
    }
}

/// What a patient's export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The patient.
    pub patient_id: i64,
    /// The format.
    pub format: PatientExportFormat,
    /// The purpose.
    pub purpose: ExportPurpose,
    /// Bytes written.
    pub bytes: u64,
    /// Attachments included (as files in the bundle, or listed in a summary).
    pub attachments: usize,
}

/// The file format of a de-identified export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeidFormat {
    /// One CSV table, one row per fact (see the `export_deidentified` docs).
    Csv,
    /// A FHIR R4 JSON bundle of type `collection`.
    Fhir,
}

impl DeidFormat {
    /// The name, as the command line takes it and the audit trail records it.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeidFormat::Csv => "csv",
            DeidFormat::Fhir => "fhir",
        }
    }
}

/// What a de-identified export wrote: counts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeidSummary {
    /// Patients included.
    pub patients: usize,
    /// Patients left out because they withdrew research consent.
    pub excluded_withdrawn: usize,
    /// Visits.
    pub visits: usize,
    /// Vital-sign measurements.
    pub vitals: usize,
    /// Problems, allergies and medications.
    pub list_entries: usize,
    /// Bytes written.
    pub bytes: u64,
}
