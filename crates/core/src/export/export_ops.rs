//! The exports as session operations: permission (and, for one patient,
//! the restricted-record check and the consent a sharing needs), the
//! password entered recently, one audit entry written before the first
//! byte leaves.

use std::io::Write;

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::deid::{self, Extract};
use super::record::PatientRecord;
use super::writing::{self, Counting};
use super::{DeidFormat, DeidSummary, ExportPurpose, ExportSummary, PatientExportFormat, fhir_bundle, summary};
use super::{summary_html, summary_pdf};
use crate::access::Permission;
use crate::audit::{Action, Event, Outcome};
use crate::records::ConsentScope;
use crate::records::consents;
use crate::session::Session;
use crate::{CoreError, Result};

impl Session {
    /// Checks everything a patient export needs; returns whether emergency
    /// access is what opened the record. A refusal for want of consent is
    /// audited as a refused export.
    fn patient_export_allowed(&mut self, patient_id: i64, purpose: ExportPurpose) -> Result<bool> {
        let emergency = self.patient_access(patient_id, Permission::PatientExport)?;
        self.require_recent_password()?;
        self.existing_patient(patient_id)?;
        if purpose == ExportPurpose::Sharing
            && let Err(e) = self.require_consent(patient_id, ConsentScope::DataSharing)
        {
            let event = Event::new(Action::Export)
                .target("patient", patient_id.to_string())
                .patient(patient_id)
                .outcome(Outcome::Denied)
                .detail("export for sharing refused: no data sharing consent in force");
            self.audit(&event)?;
            return Err(e);
        }
        Ok(emergency)
    }

    /// Whether [`Session::export_patient`] would be allowed now, to ask
    /// before creating the file it goes to.
    pub fn check_patient_export(&mut self, patient_id: i64, purpose: ExportPurpose) -> Result<()> {
        self.patient_export_allowed(patient_id, purpose).map(|_| ())
    }

    /// Writes patient `patient_id`'s whole record to `out`: a FHIR R4 JSON
    /// bundle (attachments streamed in), or the printable summary as HTML
    /// or PDF with the clinic's name. Needs `patient_export` (and, for a
    /// restricted record, its permission or emergency access) and the
    /// password entered recently; [`ExportPurpose::Sharing`] also needs a
    /// data-sharing consent in force ([`CoreError::ConsentRequired`]). The
    /// export is audited (format and purpose) before the first byte is
    /// written; a write that then fails is audited as failed, and what was
    /// written must be thrown away by the caller.
    pub fn export_patient(
        &mut self,
        patient_id: i64,
        format: PatientExportFormat,
        purpose: ExportPurpose,
        out: &mut dyn Write,
    ) -> Result<ExportSummary> {
        let emergency = self.patient_export_allowed(patient_id, purpose)?;
        let rec = PatientRecord::read(self.vault()?.conn(), patient_id)?;
        let clinic = self.clinic_name()?;
        let now = self.now();
        let what = format!("patient export: {}, {}", format.as_str(), purpose_words(purpose));
        let mut event =
            Event::new(Action::Export).target("patient", patient_id.to_string()).patient(patient_id).detail(&what);
        if emergency {
            event = event.emergency();
        }
        self.audit(&event)?;
        let mut counting = Counting::new(out);
        let written =
            match format {
                PatientExportFormat::Fhir => {
                    fhir_bundle::write_patient_bundle(&rec, self.vault()?.conn(), now, &mut counting)
                }
                PatientExportFormat::Html => summary_html::write(&summary::build(&rec, &clinic, now), &mut counting)
                    .map(|()| rec.attachments.len()),
                PatientExportFormat::Pdf => summary_pdf::write(&summary::build(&rec, &clinic, now), &mut counting)
                    .map(|()| rec.attachments.len()),
            };
        let written = written.and_then(|n| counting.flush().map(|()| n).map_err(writing::failed));
        let bytes = counting.bytes;
        match written {
            Ok(attachments) => Ok(ExportSummary { patient_id, format, purpose, bytes, attachments }),
            Err(e) => {
                let failed = Event::new(Action::Export)
                    .target("patient", patient_id.to_string())
                    .patient(patient_id)
                    .outcome(Outcome::Failed)
                    .detail(format!("{what}: stopped after {bytes} bytes"));
                // The export was audited before it began; the failure is
                // recorded as well where the vault still takes it, and the
                // person is told why the export failed, not why that did.
                let _ = self.audit(&failed);
                Err(e)
            }
        }
    }

    /// Whether [`Session::export_deidentified`] would be allowed now.
    pub fn check_deidentified_export(&mut self) -> Result<()> {
        self.require(Permission::DeidentifiedExport, None)?;
        self.require_recent_password()
    }

    /// Writes a de-identified extract of every patient's record (HIPAA Safe
    /// Harbor) to `out`, as CSV or a FHIR R4 bundle; returns counts only.
    ///
    /// Every patient is in it, restricted and archived records too (nothing
    /// identifying leaves), except those who withdrew a research consent
    /// and have no research consent in force. What is kept and dropped is
    /// listed in `export/deid.rs`: in short sex, year of birth ("90+" from
    /// 90), three-digit ZIP, years of visits, vital values with units,
    /// problems, allergies (substance, severity) and medications (name,
    /// route, dose); no free text at all. Patients are named by random
    /// pseudonyms made for this export and not kept, in random order.
    ///
    /// CSV: one row per fact with the columns `subject, record, sex,
    /// birth_year, zip3, year, item, value, unit, status, severity, route,
    /// dose`, `record` being `patient`, `visit`, `vital`, `problem`,
    /// `allergy` or `medication`.
    ///
    /// Needs `deidentified_export` and the password entered recently. The
    /// audit entry says the format and the counts, and names no patient.
    pub fn export_deidentified(&mut self, format: DeidFormat, out: &mut dyn Write) -> Result<DeidSummary> {
        self.check_deidentified_export()?;
        let now = self.now();
        let today = now.date_naive();
        let conn = self.vault()?.conn();
        let mut ids: Vec<i64> = {
            // A duplicate merged into another record is that person again
            // (and its consents moved with its chart): counted once.
            let mut stmt = conn.prepare("SELECT id FROM patients WHERE merged_into IS NULL")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<chartvault_seal::rusqlite::Result<_>>()?
        };
        let all = ids.len();
        let mut kept = Vec::with_capacity(all);
        for id in ids.drain(..) {
            if deid::included(&consents::of_patient(conn, id)?, today) {
                kept.push(id);
            }
        }
        // The order of registration (and so of record numbers) is not told.
        let mut rng = rand::rngs::StdRng::try_from_rng(&mut rand::rngs::SysRng).map_err(|_| CoreError::Random)?;
        kept.shuffle(&mut rng);
        let left_out = all - kept.len();
        let what = format!(
            "de-identified export ({}): {} patients, {left_out} left out (research consent withdrawn)",
            format.as_str(),
            kept.len()
        );
        self.audit(&Event::new(Action::Export).target("deidentified", format.as_str()).detail(&what))?;
        let mut counts = DeidSummary { excluded_withdrawn: left_out, ..DeidSummary::default() };
        let mut counting = Counting::new(out);
        let written = (|| {
            let conn = self.vault()?.conn();
            let mut extract = match format {
                DeidFormat::Csv => Extract::csv(&mut counting)?,
                DeidFormat::Fhir => Extract::fhir(&mut counting)?,
            };
            for id in kept {
                extract.add(&PatientRecord::read(conn, id)?, today, &mut counts)?;
            }
            extract.finish()
        })();
        counts.bytes = counting.bytes;
        if let Err(e) = written {
            let failed = Event::new(Action::Export)
                .target("deidentified", format.as_str())
                .outcome(Outcome::Failed)
                .detail(format!("{what}: stopped after {} bytes", counts.bytes));
            // As for a patient's export: the failure is told, its audit best effort.
            let _ = self.audit(&failed);
            return Err(e);
        }
        Ok(counts)
    }
}

fn purpose_words(p: ExportPurpose) -> &'static str {
    match p {
        ExportPurpose::PatientAccess => "the patient's access request",
        ExportPurpose::Sharing => "sharing (data sharing consent in force)",
    }
}
