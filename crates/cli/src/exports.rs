//! `chartvault patient export` and `chartvault export deid`: a patient's
//! record (FHIR bundle, HTML or PDF summary) and the de-identified extract
//! (CSV or FHIR), through the same core operations as the desktop app.
//!
//! The file is written beside its name as `NAME.partial` (owner-only where
//! the platform has modes), flushed and synced, then given its name, which
//! must not exist: an export never overwrites a file, and a refused or
//! failed export leaves nothing behind.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chartvault_core::CoreError;
use chartvault_core::export::{DeidFormat, ExportPurpose, PatientExportFormat};
use chartvault_core::session::Session;

use crate::exit::Failure;

type Outcome = Result<(), Failure>;

/// `--format` of `patient export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PatientFormat {
    /// A FHIR R4 JSON bundle, attachments included.
    Fhir,
    /// A printable HTML page.
    Html,
    /// A printable PDF.
    Pdf,
}

/// `--purpose` of `patient export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Purpose {
    /// The patient's own access or portability request.
    Access,
    /// Sharing with someone else: needs a data-sharing consent in force.
    Sharing,
}

/// `--format` of `export deid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeidFileFormat {
    /// One CSV table, a row per fact.
    Csv,
    /// A FHIR R4 JSON bundle.
    Fhir,
}

fn partial_of(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn exists_failure(out: &Path) -> Failure {
    Failure::usage(format!("{} exists; an export never overwrites a file: choose another name", out.display()))
}

/// Writes a file through `write`: to `OUT.partial`, then renamed to `out`.
/// On any failure nothing is left.
pub(crate) fn write_file<T>(
    out: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, CoreError>,
) -> Result<T, Failure> {
    if out.exists() {
        return Err(exists_failure(out));
    }
    let partial = partial_of(out);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(&partial).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Failure::usage(format!(
            "{} exists (left by an export that was stopped?); remove it or choose another name",
            partial.display()
        )),
        _ => Failure::from(format!("cannot create {}: {e}", partial.display())),
    })?;
    let result = (|| {
        let mut buffered = BufWriter::new(file);
        let value = write(&mut buffered)?;
        let file = buffered.into_inner().map_err(|e| CoreError::ExportWrite(e.into_error()))?;
        file.sync_all().map_err(CoreError::ExportWrite)?;
        Ok::<T, CoreError>(value)
    })();
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    // A hard link gives the file its name only if the name is still free;
    // where links are not supported (some removable drives), a rename.
    let named = match std::fs::hard_link(&partial, out) {
        Ok(()) => std::fs::remove_file(&partial),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&partial);
            return Err(exists_failure(out));
        }
        Err(_) if out.exists() => {
            let _ = std::fs::remove_file(&partial);
            return Err(exists_failure(out));
        }
        Err(_) => std::fs::rename(&partial, out),
    };
    named.map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        Failure::from(format!("cannot name the export {}: {e}", out.display()))
    })?;
    Ok(value)
}

/// `chartvault patient export ID --format F [--purpose P] --out FILE`.
pub fn patient_export(session: &mut Session, id: i64, format: PatientFormat, purpose: Purpose, out: &Path) -> Outcome {
    let format = match format {
        PatientFormat::Fhir => PatientExportFormat::Fhir,
        PatientFormat::Html => PatientExportFormat::Html,
        PatientFormat::Pdf => PatientExportFormat::Pdf,
    };
    let purpose = match purpose {
        Purpose::Access => ExportPurpose::PatientAccess,
        Purpose::Sharing => ExportPurpose::Sharing,
    };
    // Permission, password and consent first: a refused export creates no file.
    session.check_patient_export(id, purpose)?;
    let done = write_file(out, |w| session.export_patient(id, format, purpose, w))?;
    println!(
        "patient {id} exported as {} ({} bytes, {} attachments) to {}",
        format.as_str(),
        done.bytes,
        done.attachments,
        out.display()
    );
    Ok(())
}

/// `chartvault export deid --format F --out FILE`.
pub fn deid_export(session: &mut Session, format: DeidFileFormat, out: &Path) -> Outcome {
    let format = match format {
        DeidFileFormat::Csv => DeidFormat::Csv,
        DeidFileFormat::Fhir => DeidFormat::Fhir,
    };
    session.check_deidentified_export()?;
    let done = write_file(out, |w| session.export_deidentified(format, w))?;
    println!(
        "de-identified export ({}) written to {}: patients {}, left out for a withdrawn research consent {}, \
         visits {}, vital signs {}, list entries {}, bytes {}",
        format.as_str(),
        out.display(),
        done.patients,
        done.excluded_withdrawn,
        done.visits,
        done.vitals,
        done.list_entries,
        done.bytes
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::USAGE;

    #[test]
    fn a_failed_write_leaves_no_file_and_an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("export.json");
        let r: Result<(), Failure> = write_file(&out, |w| {
            w.write_all(b"half of it").map_err(CoreError::ExportWrite)?;
            Err(CoreError::ExportWrite(std::io::Error::other("disk full")))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");

        write_file(&out, |w| w.write_all(b"first").map_err(CoreError::ExportWrite)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = write_file(&out, |w| w.write_all(b"second").map_err(CoreError::ExportWrite)).unwrap_err();
        assert_eq!(again.code, USAGE);
        assert_eq!(std::fs::read(&out).unwrap(), b"first");
        assert!(!partial_of(&out).exists());
    }
}
