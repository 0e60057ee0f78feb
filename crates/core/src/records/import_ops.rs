//! Importing patients from CSV as a session operation: the file checked
//! whole first (`import.rs`), then — unless it is a dry run — every patient
//! registered in one transaction, each audited as a registration is, with
//! one summary entry for the import.

use std::collections::HashMap;
use std::io::Read;

use chartvault_seal::rusqlite::{Connection, OptionalExtension};

use crate::Result;
use crate::access::Permission;
use crate::audit::{Action, Event};
use crate::records::import::{self, ImportProblem, ImportRow, Limits};
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
    /// Good rows that may be a patient already registered (same name and
    /// date of birth, or an identifier already on a record) or repeat an
    /// earlier line: imported all the same, to be merged if they are.
    pub warnings: Vec<ImportProblem>,
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
            warnings: possible_duplicates(self.vault()?.conn(), &parsed.good)?,
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

/// Rows that may already be registered, or repeat an earlier row. A
/// restricted record is named as such, without its record number.
fn possible_duplicates(conn: &Connection, rows: &[ImportRow]) -> Result<Vec<ImportProblem>> {
    let mut by_name = conn.prepare(
        "SELECT mrn, restricted FROM patients WHERE family_name = ?1 COLLATE NOCASE
         AND given_name = ?2 COLLATE NOCASE AND date_of_birth = ?3 AND merged_into IS NULL LIMIT 1",
    )?;
    let mut by_identifier = conn.prepare(
        "SELECT p.mrn, p.restricted FROM patient_identifiers i JOIN patients p ON p.id = i.patient_id
         WHERE i.system = ?1 AND i.value = ?2 LIMIT 1",
    )?;
    let named = |(mrn, restricted): (String, bool)| if restricted { "a restricted record".to_owned() } else { mrn };
    let mut seen: HashMap<(String, String, String), u64> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let f = &row.fields;
        let key = (f.family_name.to_lowercase(), f.given_name.to_lowercase(), f.date_of_birth.to_string());
        if let Some(first) = seen.get(&key) {
            out.push(ImportProblem {
                line: row.line,
                field: "row".into(),
                why: format!("same name and date of birth as line {first}"),
            });
        } else {
            seen.insert(key, row.line);
        }
        let found = by_name
            .query_row((&f.family_name, &f.given_name, f.date_of_birth.to_string()), |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some(existing) = found {
            out.push(ImportProblem {
                line: row.line,
                field: "row".into(),
                why: format!("same name and date of birth as {}", named(existing)),
            });
        }
        for (system, value) in &row.identifiers {
            let found = by_identifier.query_row((system, value), |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some(existing) = found {
                out.push(ImportProblem {
                    line: row.line,
                    field: format!("identifier:{system}"),
                    why: format!("already on {}", named(existing)),
                });
            }
        }
    }
    Ok(out)
}
