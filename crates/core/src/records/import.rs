//! Importing patients from CSV, the pure part: bytes in, checked rows and
//! the problems of the others out, nothing written (`import_ops.rs` writes).
//!
//! The header names the columns, in any order: `given_name`,
//! `family_name`, `date_of_birth` (required), `sex`, `phone`, `email`,
//! `address`, `postal_code`, `notes`, `restricted`, and `identifier:SYSTEM`
//! for each identifier system (`identifier:NHS`). Case, spaces and hyphens
//! in names do not matter ("Given name" is `given_name`). Unknown,
//! duplicate, unnamed and missing required columns are problems of line 1,
//! and then no row is imported.
//!
//! Each problem names the line a person sees in an editor (a quoted field
//! holding line breaks makes its record span several lines; the problem
//! names the record's first), the column, and why. The field rules are
//! [`PatientFields::checked`]'s, so an imported patient is exactly one that
//! could have been registered by hand. A UTF-8 byte-order mark and CRLF line
//! ends are accepted; blank lines (or rows of empty cells) are skipped. A
//! file that is not UTF-8 text, or is over the size or row limit, is an
//! error before any row is looked at.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use chrono::NaiveDate;

use crate::records::patients::{self, PatientFields, Sex};
use crate::{CoreError, Result};

/// How much one import may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// The most data rows.
    pub max_rows: u64,
}

impl Default for Limits {
    /// 32 MiB and 100,000 rows: a whole practice's list, in one transaction.
    fn default() -> Limits {
        Limits { max_bytes: 32 * 1024 * 1024, max_rows: 100_000 }
    }
}

/// Why a row (or the header) cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// The line, counted as an editor does (1 is the header).
    pub line: u64,
    /// The column as the header names it (or `row` for the row as a whole).
    pub field: String,
    /// Why, in words.
    pub why: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.why)
    }
}

/// A row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Its line.
    pub line: u64,
    /// The patient's fields, checked and tidied.
    pub fields: PatientFields,
    /// Identifiers as (system, value), checked; empty cells left out.
    pub identifiers: Vec<(String, String)>,
}

/// What a file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Data rows read (blank ones not counted).
    pub rows: u64,
    /// The rows that passed.
    pub good: Vec<ImportRow>,
    /// Every problem, in line order.
    pub problems: Vec<ImportProblem>,
    /// The header has a problem: no row may be imported.
    pub header_refused: bool,
}

/// The columns a file may have besides identifiers (the patient's stored
/// fields); the first three are required.
pub const COLUMNS: [&str; 10] = patients::FIELD_COLUMNS;
const REQUIRED: usize = 3;
const IDENTIFIER: &str = "identifier:";

/// Where each column is in a row.
#[derive(Debug, Default)]
struct Header {
    line: u64,
    width: usize,
    fields: HashMap<&'static str, usize>,
    /// (system, its header text, index).
    identifiers: Vec<(String, String, usize)>,
}

fn problem(line: u64, field: impl Into<String>, why: impl Into<String>) -> ImportProblem {
    ImportProblem { line, field: field.into(), why: why.into() }
}

/// A cell's text as a problem quotes it: at most 40 characters (a file may
/// hold a megabyte in one cell).
fn shown(v: &str) -> String {
    let mut out: String = v.chars().take(40).collect();
    if v.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A header cell as a column name: trimmed, lower case, spaces and hyphens
/// as underscores; an identifier's system keeps its case.
fn column_name(cell: &str) -> String {
    let cell = cell.trim();
    match cell.get(..IDENTIFIER.len()) {
        Some(p) if p.eq_ignore_ascii_case(IDENTIFIER) => format!("{IDENTIFIER}{}", cell[IDENTIFIER.len()..].trim()),
        _ => cell.to_lowercase().replace([' ', '-'], "_"),
    }
}

fn header(line: u64, cells: &csv::StringRecord, problems: &mut Vec<ImportProblem>) -> Header {
    let mut h = Header { line, width: cells.len(), ..Header::default() };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        let name = column_name(cell);
        if name.is_empty() {
            problems.push(problem(line, format!("column {}", i + 1), "has no name"));
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), i) {
            problems.push(problem(line, shown(&name), format!("appears twice (columns {} and {})", first + 1, i + 1)));
            continue;
        }
        if let Some(system) = name.strip_prefix(IDENTIFIER) {
            match patients::identifier_part("identifier system", system, 64) {
                Ok(system) => h.identifiers.push((system, name.clone(), i)),
                Err(e) => problems.push(problem(line, shown(&name), why(&e))),
            }
        } else if let Some(known) = COLUMNS.iter().find(|c| **c == name) {
            h.fields.insert(known, i);
        } else {
            problems.push(problem(
                line,
                shown(&name),
                format!("is not a column this import knows ({}, or identifier:SYSTEM)", COLUMNS.join(", ")),
            ));
        }
    }
    for required in &COLUMNS[..REQUIRED] {
        if !seen.contains_key(*required) {
            problems.push(problem(line, *required, "column is missing"));
        }
    }
    h
}

/// The reason of a field error, without the field's name (the problem names it).
fn why(e: &CoreError) -> String {
    match e {
        CoreError::InvalidPatientField { why, .. } => (*why).to_owned(),
        other => other.to_string(),
    }
}

fn truthy(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" => Some(false),
        "1" | "true" | "yes" | "y" => Some(true),
        _ => None,
    }
}

/// A date of birth as the fields need one while the cell is unusable: the
/// cell's problem is reported, the other fields are still checked.
const PLACEHOLDER_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");

fn row(h: &Header, line: u64, cells: &csv::StringRecord, today: NaiveDate) -> Result<ImportRow, Vec<ImportProblem>> {
    // A file saved with CRLF ends has them inside quoted cells too: a line
    // break in a note is a line feed, as typed in the app.
    let get = |c: &str| h.fields.get(c).and_then(|&i| cells.get(i)).unwrap_or_default().replace("\r\n", "\n");
    let opt = |c: &str| Some(get(c)).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();
    let born = get("date_of_birth");
    let born = born.trim();
    let date_of_birth = if born.is_empty() {
        problems.push(problem(line, "date_of_birth", "is empty"));
        None
    } else {
        let d = NaiveDate::parse_from_str(born, "%Y-%m-%d").ok();
        if d.is_none() {
            problems.push(problem(line, "date_of_birth", format!("\"{}\" is not a date (YYYY-MM-DD)", shown(born))));
        }
        d
    };
    let sex = match get("sex").trim() {
        "" => Sex::Unknown,
        s => Sex::parse(s).unwrap_or_else(|_| {
            problems.push(problem(line, "sex", format!("\"{}\" is not female, male, other or unknown", shown(s))));
            Sex::Unknown
        }),
    };
    let restricted = truthy(&get("restricted")).unwrap_or_else(|| {
        problems.push(problem(line, "restricted", format!("\"{}\" is not yes or no", shown(get("restricted").trim()))));
        false
    });
    let given = PatientFields {
        given_name: get("given_name"),
        family_name: get("family_name"),
        date_of_birth: date_of_birth.unwrap_or(PLACEHOLDER_BIRTH),
        sex,
        phone: opt("phone"),
        email: opt("email"),
        address: opt("address"),
        postal_code: opt("postal_code"),
        notes: opt("notes"),
        restricted,
    };
    let fields = match given.checked_all(today) {
        Ok(f) => Some(f),
        Err(bad) => {
            for (column, e) in bad {
                // An unreadable date was reported already; the placeholder's verdict is no news.
                if !(column == "date_of_birth" && date_of_birth.is_none()) {
                    problems.push(problem(line, column, why(&e)));
                }
            }
            None
        }
    };
    let mut identifiers = Vec::new();
    for (system, name, i) in &h.identifiers {
        let value = cells.get(*i).unwrap_or_default();
        if value.trim().is_empty() {
            continue;
        }
        match patients::identifier_part("identifier", value, 128) {
            Ok(v) => identifiers.push((system.clone(), v)),
            Err(e) => problems.push(problem(line, name, why(&e))),
        }
    }
    match fields {
        Some(fields) if problems.is_empty() => Ok(ImportRow { line, fields, identifiers }),
        _ => {
            // Column order, as a person reads the row.
            let order = |p: &ImportProblem| {
                let i = h.fields.get(p.field.as_str()).copied();
                i.or_else(|| h.identifiers.iter().find(|id| id.1 == p.field).map(|id| id.2)).unwrap_or(usize::MAX)
            };
            problems.sort_by_key(order);
            Err(problems)
        }
    }
}

/// The whole input, refused when over `max` bytes or not UTF-8 text; a
/// leading byte-order mark dropped.
fn text(reader: &mut dyn Read, max: u64) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| CoreError::ImportUnreadable { line: 1, why: format!("it could not be read ({e})") })?;
    if bytes.len() as u64 > max {
        return Err(CoreError::ImportTooLarge { what: "bytes", limit: max });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let line_at = |i: usize| 1 + body[..i].iter().filter(|&&b| b == b'\n').count() as u64;
    if let Some(i) = body.iter().position(|&b| b == 0) {
        return Err(CoreError::ImportUnreadable {
            line: line_at(i),
            why: "it holds a NUL byte: it is binary, not a CSV text file".into(),
        });
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(CoreError::ImportUnreadable {
            line: line_at(e.valid_up_to()),
            why: "it is not UTF-8 text (save the spreadsheet as \"CSV UTF-8\")".into(),
        }),
    }
}

/// Reads a CSV file of patients: every row checked as of `today`, the good
/// ones returned and the problems of the others. Errors only for a file
/// that cannot be taken at all (see the module's description).
pub fn parse(reader: &mut dyn Read, today: NaiveDate, limits: &Limits) -> Result<Parsed> {
    let text = text(reader, limits.max_bytes)?;
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Parsed::default();
    let mut head: Option<Header> = None;
    let mut record = csv::StringRecord::new();
    // Lines counted from the records' byte offsets: the reader's own count
    // leaves out blank lines and CRLF ends. A record's offset may point at
    // the line ends before it (a blank line, the LF of a CRLF): skip them.
    let (mut counted_to, mut lines_before) = (0usize, 0u64);
    let mut line_of = |byte: u64| {
        let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        at += text.as_bytes()[at..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        if at >= counted_to {
            lines_before += text.as_bytes()[counted_to..at].iter().filter(|&&b| b == b'\n').count() as u64;
            counted_to = at;
        }
        lines_before + 1
    };
    loop {
        let more = csv.read_record(&mut record).map_err(|e| CoreError::ImportUnreadable {
            line: e.position().map_or(1, |p| line_of(p.byte())),
            why: e.to_string(),
        })?;
        if !more {
            break;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(1, |p| line_of(p.byte()));
        let Some(h) = &head else {
            head = Some(header(line, &record, &mut out.problems));
            out.header_refused = !out.problems.is_empty();
            continue;
        };
        out.rows += 1;
        if out.rows > limits.max_rows {
            return Err(CoreError::ImportTooLarge { what: "rows", limit: limits.max_rows });
        }
        if out.header_refused {
            continue;
        }
        if record.len() != h.width {
            out.problems.push(problem(
                line,
                "row",
                format!("has {} fields where the header (line {}) has {}", record.len(), h.line, h.width),
            ));
            continue;
        }
        match row(h, line, &record, today) {
            Ok(r) => out.good.push(r),
            Err(p) => out.problems.extend(p),
        }
    }
    if head.is_none() {
        return Err(CoreError::ImportUnreadable { line: 1, why: "it is empty (not even a header line)".into() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
