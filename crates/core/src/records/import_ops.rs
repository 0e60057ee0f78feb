//! Importing patients from CSV as a session operation: the file checked
//! whole first (`import.rs`), then — unless it is a dry run — every patient
//! registered in one transaction, each audited as a registration is, with
//! one summary entry for the import.

use std::io::Read;

use crate::Result;
use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::import::{self, ImportProblem, Limits};
use crate::records::patient_ops::register;
use crate::session::Session;

/// What to do with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check every row and report; write nothing at all (not even a record
    /// number taken from the sequence).
    DryRun,
    /// Register every row, or — when any row has a problem — none.
    AllOrNothing,
    /// Register the rows that pass; report the others.
    SkipBad,
}

/// A patient registered from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPatient {
    /// The row's line.
    pub line: u64,
    /// The new record's id.
    pub id: i64,
    /// Its medical record number.
    pub mrn: String,
}

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The mode it ran in.
    pub mode: ImportMode,
    /// Data rows read (blank ones not counted).
    pub rows: u64,
    /// Rows that passed every check.
    pub good_rows: u64,
    /// Every problem, in line order.
    pub problems: Vec<ImportProblem>,
    /// The header has a problem: no row could be imported, in any mode.
    pub header_refused: bool,
    /// The patients registered (none for a dry run, or when nothing was written).
    pub imported: Vec<ImportedPatient>,
}

impl Session {
    /// Imports patients from a CSV file (see [`crate::records::import`] for
    /// its columns and checks). Needs `patient_write`. A dry run writes
    /// nothing; all-or-nothing writes nothing when any row has a problem;
    /// skip-bad registers the rows that pass. A header with a problem
    /// (unknown, duplicate or missing column) writes nothing in any mode.
    /// Record numbers follow the clinic's format, in row order. A file that
    /// is not CSV text, or over the limits, is an error.
    pub fn import_patients(&mut self, reader: &mut dyn Read, mode: ImportMode) -> Result<ImportReport> {
        self.require(Permission::PatientWrite, None)?;
        let stamp = self.stamp()?;
        let parsed = import::parse(reader, stamp.at.date_naive(), &Limits::default())?;
        let mut report = ImportReport {
            mode,
            rows: parsed.rows,
            good_rows: parsed.good.len() as u64,
            problems: parsed.problems,
            header_refused: parsed.header_refused,
            imported: Vec::new(),
        };
        let write = match mode {
            ImportMode::DryRun => false,
            ImportMode::AllOrNothing => report.problems.is_empty(),
            ImportMode::SkipBad => !parsed.header_refused,
        };
        if !write || parsed.good.is_empty() {
            return Ok(report);
        }
        let format = self.policy().mrn_format.clone();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        for row in &parsed.good {
            let detail = format!("registered by CSV import (line {})", row.line);
            let (id, mrn) = register(&tx, &stamp, &format, &row.fields, &row.identifiers, &detail)?;
            report.imported.push(ImportedPatient { line: row.line, id, mrn });
        }
        let skipped = report.rows - report.good_rows;
        let summary = Event::new(Action::PatientWrite).target("import", "patients").detail(format!(
            "CSV import: {} patients registered from {} rows, {skipped} rows with problems skipped",
            report.imported.len(),
            report.rows
        ));
        stamp.append(&tx, &summary)?;
        tx.commit()?;
        Ok(report)
    }
}
