//! The log as CSV, for the audit viewer's export and `chartvault audit
//! export`; see [`export_csv`].

use chartvault_seal::rusqlite::Connection;
use chrono::SecondsFormat;

use super::chain::hex;
use super::query::for_each_entry;
use super::{Change, Filter};
use crate::Result;

/// The header row.
pub const CSV_HEADER: [&str; 15] = [
    "seq",
    "at",
    "user_id",
    "username",
    "workstation_host",
    "workstation_id",
    "action",
    "target_kind",
    "target_id",
    "patient_id",
    "outcome",
    "emergency",
    "detail",
    "changes",
    "hash",
];

/// Writes the entries `filter` selects to `writer` as CSV and returns how
/// many were written.
///
/// One header row, then one row per entry in the filter's order, escaped by
/// the `csv` crate. Times are RFC 3339 UTC; an absent value is an empty
/// cell; `emergency` is `yes` or `no`; `hash` is the entry's chain hash in
/// hexadecimal (to match a printed [`super::ChainHead`]). The `changes` cell
/// lists each change as `field: "old" → "new"`, joined by `"; "`, with
/// `(none)` for an absent value; values are quoted with `\"`, `\\`, `\n`,
/// `\r` and `\t` escaped, and a field name is quoted too unless it is made
/// of letters, digits, `_`, `.` and `-`, so the cell reads back
/// unambiguously.
///
/// Cells are written as stored: a value beginning with `=`, `+`, `-` or `@`
/// is not altered, so a spreadsheet that evaluates formulas in opened CSV
/// files must be told not to.
pub fn export_csv(conn: &Connection, filter: &Filter, writer: impl std::io::Write) -> Result<u64> {
    let mut out = csv::Writer::from_writer(writer);
    out.write_record(CSV_HEADER)?;
    let mut written = 0;
    for_each_entry(conn, filter, &mut |e| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let ev = &e.event;
        out.write_record([
            e.seq.to_string(),
            e.at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            num(e.actor.user_id),
            e.actor.username.clone(),
            e.workstation.host.clone(),
            e.workstation.id.clone(),
            ev.action.as_str().to_owned(),
            opt(&ev.target_kind),
            opt(&ev.target_id),
            num(ev.patient_id),
            ev.outcome.as_str().to_owned(),
            if ev.emergency { "yes" } else { "no" }.to_owned(),
            opt(&ev.detail),
            render_changes(&ev.changes),
            hex(&e.hash),
        ])?;
        written += 1;
        Ok(())
    })?;
    out.flush().map_err(csv::Error::from)?;
    Ok(written)
}

/// The `changes` cell: `field: "old" → "new"; ...`.
pub fn render_changes(changes: &[Change]) -> String {
    let mut s = String::new();
    for (i, c) in changes.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        let plain = !c.field.is_empty()
            && c.field.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-'));
        if plain {
            s.push_str(&c.field);
        } else {
            quote(&mut s, &c.field);
        }
        s.push_str(": ");
        value(&mut s, c.old.as_deref());
        s.push_str(" → ");
        value(&mut s, c.new.as_deref());
    }
    s
}

fn value(s: &mut String, v: Option<&str>) {
    match v {
        None => s.push_str("(none)"),
        Some(v) => quote(s, v),
    }
}

fn quote(s: &mut String, v: &str) {
    s.push('"');
    for ch in v.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            _ => s.push(ch),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_render_readably_and_unambiguously() {
        let changes = [
            Change::new("allergy", None::<&str>, Some("penicillin")),
            Change::new("note", Some("a \"b\"\\\n"), None::<&str>),
            Change::new("x: y", Some("1; z: \"2\" → 3"), Some("")),
        ];
        assert_eq!(
            render_changes(&changes),
            r#"allergy: (none) → "penicillin"; note: "a \"b\"\\\n" → (none); "x: y": "1; z: \"2\" → 3" → """#
        );
        assert_eq!(render_changes(&[]), "");
    }
}
