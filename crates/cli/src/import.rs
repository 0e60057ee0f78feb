//! `chartvault import patients FILE [--dry-run] [--skip-bad]`: patients
//! from a CSV file through core's import (the same checks as registering by
//! hand). Each problem is printed as `line N, FIELD: why`, then a summary;
//! the exit code is 2 when there were problems that were not skipped.

use std::path::PathBuf;

use chartvault_core::records::{ImportMode, ImportReport};
use chartvault_core::session::Session;
use clap::{Args, Subcommand};

use crate::exit::{Failure, USAGE};
use crate::run::printable;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Register patients from a CSV file (UTF-8; header row naming the
    /// columns: given_name, family_name, date_of_birth, sex, phone, email,
    /// address, postal_code, notes, restricted, identifier:SYSTEM; at most
    /// 100,000 rows and 32 MiB). Nothing is written unless every row
    /// passes, or --skip-bad is given.
    Patients(ImportPatients),
}

#[derive(Debug, Args)]
pub struct ImportPatients {
    /// The CSV file.
    pub file: PathBuf,
    /// Check every row and report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Register the rows that pass and report the others.
    #[arg(long)]
    pub skip_bad: bool,
}

fn summary(r: &ImportReport, skip_bad: bool) -> String {
    let bad = r.rows - r.good_rows;
    let mrns = match (r.imported.first(), r.imported.last()) {
        (Some(a), Some(b)) => format!(" ({} to {})", printable(&a.mrn), printable(&b.mrn)),
        _ => String::new(),
    };
    if r.header_refused {
        return "nothing imported: the header has problems (fix the columns named above)".to_owned();
    }
    match r.mode {
        ImportMode::DryRun if skip_bad => {
            format!("dry run: {} rows, {} would be imported, {bad} with problems would be skipped", r.rows, r.good_rows)
        }
        ImportMode::DryRun => {
            format!("dry run: {} rows, {} pass, {bad} with problems; nothing was written", r.rows, r.good_rows)
        }
        _ if !r.imported.is_empty() => {
            format!(
                "imported {} patients{mrns} from {} rows; {bad} rows with problems skipped",
                r.imported.len(),
                r.rows
            )
        }
        _ if r.rows == 0 => "nothing imported: the file has a header and no rows".to_owned(),
        _ => format!(
            "nothing imported: {bad} of {} rows have problems (fix them, or give --skip-bad to import the others)",
            r.rows
        ),
    }
}

/// Runs an import command for the signed-in `session`.
pub fn import(session: &mut Session, c: &ImportCommand) -> Result<(), Failure> {
    let ImportCommand::Patients(args) = c;
    let mut file = std::fs::File::open(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let mode = match (args.dry_run, args.skip_bad) {
        (true, _) => ImportMode::DryRun,
        (false, true) => ImportMode::SkipBad,
        (false, false) => ImportMode::AllOrNothing,
    };
    let report = session.import_patients(&mut file, mode)?;
    for p in &report.problems {
        println!("{}", printable(&p.to_string()));
    }
    for w in &report.warnings {
        println!("{}", printable(&format!("line {}, {}: possible duplicate: {}", w.line, w.field, w.why)));
    }
    let line = summary(&report, args.skip_bad);
    let skipped = args.skip_bad && !report.header_refused;
    if report.problems.is_empty() || skipped {
        println!("{line}");
        Ok(())
    } else {
        Err(Failure { code: USAGE, message: line })
    }
}
