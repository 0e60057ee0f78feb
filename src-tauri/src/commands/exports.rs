//! Exports to files: one patient's record (FHIR bundle, printable summary
//! as HTML or PDF) and the de-identified extract. Core checks the
//! permission, the recent password and, for sharing, the consent, and
//! audits before the first byte; the file appears under its name only
//! when complete.

use chartvault_core::export::{DeidFormat, ExportPurpose, PatientExportFormat};
use tauri::AppHandle;

use crate::error::IpcResult;
use crate::files;
use crate::ipc::IpcError;
use crate::ipc_chart::{DeidExportArgs, DeidExportDone, PatientExportArgs, SavedFile};
use crate::state::blocking;

fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M%S").to_string()
}

/// Exports one patient's record.
#[tauri::command]
pub async fn export_patient(app: AppHandle, args: PatientExportArgs) -> IpcResult<SavedFile> {
    blocking(app, move |st, _| {
        let (format, ext) = match args.format.as_str() {
            "fhir" => (PatientExportFormat::Fhir, "fhir.json"),
            "html" => (PatientExportFormat::Html, "html"),
            "pdf" => (PatientExportFormat::Pdf, "pdf"),
            _ => return Err(IpcError::invalid("Choose FHIR, HTML or PDF.")),
        };
        let purpose = match args.purpose.as_str() {
            "access" => ExportPurpose::PatientAccess,
            "sharing" => ExportPurpose::Sharing,
            _ => return Err(IpcError::invalid("Say whether the export is for the patient or for sharing.")),
        };
        let mut g = st.lock();
        let s = g.session()?;
        // Refused before a file is made: permission, password, consent.
        s.check_patient_export(args.id, purpose)?;
        let path = files::destination(&args.path, &format!("chartvault-patient-{}-{}.{ext}", args.id, stamp()))?;
        let bytes = files::write_new(&path, |out| Ok(s.export_patient(args.id, format, purpose, out)?.bytes))?;
        Ok(SavedFile { path: path.display().to_string(), bytes })
    })
    .await
}

/// Exports the de-identified extract (Safe Harbor) of every patient.
#[tauri::command]
pub async fn export_deidentified(app: AppHandle, args: DeidExportArgs) -> IpcResult<DeidExportDone> {
    blocking(app, move |st, _| {
        let (format, ext) = match args.format.as_str() {
            "csv" => (DeidFormat::Csv, "csv"),
            "fhir" => (DeidFormat::Fhir, "fhir.json"),
            _ => return Err(IpcError::invalid("Choose CSV or FHIR.")),
        };
        let mut g = st.lock();
        let s = g.session()?;
        s.check_deidentified_export()?;
        let path = files::destination(&args.path, &format!("chartvault-deidentified-{}.{ext}", stamp()))?;
        let done = files::write_new(&path, |out| Ok(s.export_deidentified(format, out)?))?;
        Ok(DeidExportDone {
            path: path.display().to_string(),
            patients: done.patients as u64,
            excluded_withdrawn: done.excluded_withdrawn as u64,
        })
    })
    .await
}
