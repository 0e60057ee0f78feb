//! A small sqllogictest runner: parses the format and runs each record on a
//! connection, producing an outcome to compare between engines.
//! Format: <https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki>.
#![allow(dead_code)]

use md5::{Digest, Md5};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// One record of a test file.
#[derive(Debug, Clone)]
pub enum Record {
    Statement { sql: String, expect_ok: bool, line: usize },
    Query { sql: String, types: String, sort: Sort, expected: Vec<String>, line: usize },
    HashThreshold(usize),
    Halt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    None,
    Rows,
    Values,
}

/// Parses a file, keeping only the records meant for SQLite.
pub fn parse(text: &str) -> Vec<Record> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut skip = false;
        // Conditions: `skipif <db>` / `onlyif <db>` lines before a record.
        while i < lines.len() {
            let l = lines[i].trim();
            let mut words = l.split_whitespace();
            match (words.next(), words.next()) {
                (Some("skipif"), Some(db)) => skip |= db == "sqlite",
                (Some("onlyif"), Some(db)) => skip |= db != "sqlite",
                _ => break,
            }
            i += 1;
        }
        if i >= lines.len() {
            break;
        }
        let head = lines[i].trim();
        let line = i + 1;
        if head.is_empty() || head.starts_with('#') {
            i += 1;
            continue;
        }
        let mut words = head.split_whitespace();
        match words.next() {
            Some("halt") => {
                i += 1;
                if !skip {
                    out.push(Record::Halt);
                }
            }
            Some("hash-threshold") => {
                i += 1;
                out.push(Record::HashThreshold(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)));
            }
            Some("statement") => {
                let expect_ok = words.next() == Some("ok");
                i += 1;
                let mut sql = Vec::new();
                while i < lines.len() && !lines[i].trim().is_empty() {
                    sql.push(lines[i]);
                    i += 1;
                }
                if !skip {
                    out.push(Record::Statement { sql: sql.join("\n"), expect_ok, line });
                }
            }
            Some("query") => {
                let types = words.next().unwrap_or("").to_owned();
                let sort = match words.next() {
                    Some("rowsort") => Sort::Rows,
                    Some("valuesort") => Sort::Values,
                    _ => Sort::None,
                };
                i += 1;
                let mut sql = Vec::new();
                while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "----" {
                    sql.push(lines[i]);
                    i += 1;
                }
                let mut expected = Vec::new();
                if i < lines.len() && lines[i].trim() == "----" {
                    i += 1;
                    while i < lines.len() && !lines[i].trim().is_empty() {
                        expected.push(lines[i].trim().to_owned());
                        i += 1;
                    }
                }
                if !skip {
                    out.push(Record::Query { sql: sql.join("\n"), types, sort, expected, line });
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// What running a record gave: the same for two engines means agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
    Rows(Vec<String>),
}

/// The leading number of a text, as SQLite converts text to a number.
fn numeric_prefix(t: &str) -> f64 {
    let t = t.trim_start();
    let end = t
        .char_indices()
        .take_while(|&(i, c)| {
            c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0) || c == 'e' || c == 'E'
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    (0..=end).rev().find_map(|e| t[..e].parse::<f64>().ok()).unwrap_or(0.0)
}

fn format_value(v: ValueRef<'_>, ty: char) -> String {
    match (v, ty) {
        (ValueRef::Null, _) => "NULL".into(),
        (ValueRef::Integer(i), 'I') => i.to_string(),
        (ValueRef::Real(f), 'I') => (f as i64).to_string(),
        (ValueRef::Text(t), 'I') => (numeric_prefix(&String::from_utf8_lossy(t)) as i64).to_string(),
        (ValueRef::Integer(i), 'R') => format!("{:.3}", i as f64),
        (ValueRef::Real(f), 'R') => format!("{f:.3}"),
        (ValueRef::Text(t), 'R') => format!("{:.3}", numeric_prefix(&String::from_utf8_lossy(t))),
        (ValueRef::Text(b""), _) => "(empty)".into(),
        (ValueRef::Text(t), _) => String::from_utf8_lossy(t).chars().map(|c| if c < ' ' { '@' } else { c }).collect(),
        (ValueRef::Integer(i), _) => i.to_string(),
        (ValueRef::Real(f), _) => format!("{f}"),
        (ValueRef::Blob(_), 'I') => "0".into(),
        (ValueRef::Blob(_), _) => "(blob)".into(),
    }
}

fn query(conn: &Connection, sql: &str, types: &str, sort: Sort) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let cols = stmt.column_count();
    let tys: Vec<char> = types.chars().collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut q = stmt.query([])?;
    while let Some(r) = q.next()? {
        rows.push((0..cols).map(|c| format_value(r.get_ref(c).unwrap(), *tys.get(c).unwrap_or(&'T'))).collect());
    }
    Ok(match sort {
        Sort::None => rows.concat(),
        Sort::Rows => {
            rows.sort();
            rows.concat()
        }
        Sort::Values => {
            let mut v = rows.concat();
            v.sort();
            v
        }
    })
}

/// Runs one record.
pub fn run(conn: &Connection, r: &Record) -> Outcome {
    match r {
        Record::Statement { sql, .. } => match conn.execute_batch(sql) {
            Ok(()) => Outcome::Ok,
            Err(_) => Outcome::Error,
        },
        Record::Query { sql, types, sort, .. } => match query(conn, sql, types, *sort) {
            Ok(v) => Outcome::Rows(v),
            Err(_) => Outcome::Error,
        },
        Record::HashThreshold(_) | Record::Halt => Outcome::Ok,
    }
}

/// Whether an outcome matches the file's expectation.
pub fn matches_expected(r: &Record, got: &Outcome, threshold: usize) -> bool {
    match (r, got) {
        (Record::Statement { expect_ok, .. }, o) => *expect_ok == (*o == Outcome::Ok),
        (Record::Query { expected, .. }, Outcome::Rows(values)) => {
            let hashed = expected.len() == 1 && expected[0].contains(" values hashing to ");
            if hashed || (threshold > 0 && values.len() > threshold) {
                let mut h = Md5::new();
                for v in values {
                    h.update(v.as_bytes());
                    h.update(b"\n");
                }
                let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                expected.len() == 1 && expected[0] == format!("{} values hashing to {hex}", values.len())
            } else {
                expected == values
            }
        }
        _ => false,
    }
}
