//! The clinic's records. Each operation is a [`crate::session::Session`]
//! method that checks the permission (and, for a restricted record, the
//! restricted-record permission or emergency access), writes in one
//! transaction with its audit entry, and records every read of a patient's
//! record too.

mod attachment_ops;
pub mod attachments;
mod chart_ops;
mod consent_ops;
pub mod consents;
pub mod erasure;
pub mod import;
mod import_ops;
mod list_ops;
pub mod lists;
pub mod merge;
mod merge_ops;
pub mod mrn;
mod patient_ops;
pub mod patients;
pub mod search;
mod visit_ops;
pub mod visits;

#[cfg(test)]
mod tests;

pub use attachment_ops::NewAttachment;
pub use attachments::{Attachment, ContentType};
pub use chart_ops::Chart;
pub use consent_ops::NewConsent;
pub use consents::{Consent, ConsentScope, ConsentStatus};
pub use erasure::Erased;
pub use import::ImportProblem;
pub use import_ops::{ImportMode, ImportReport, ImportedPatient};
pub use lists::{ChartEntry, ChartList, FieldKind, FieldSpec, HistoryItem};
pub use merge::{Merge, MergeCounts};
pub use patients::{Patient, PatientFields, Sex};
pub use search::PatientHit;
pub use visit_ops::NewVisit;
pub use visits::{Addendum, Note, Soap, Visit, VisitKind, VisitRecord, Vitals, VitalsRecord};
