//! Reading the log: entries by user, patient, action, time and outcome,
//! paged.

use chartvault_seal::rusqlite::types::Value;
use chartvault_seal::rusqlite::{Connection, Row, params_from_iter};
use chrono::{DateTime, Utc};

use super::append::{format_time, parse_time};
use super::{Action, Actor, Change, Entry, Event, Outcome, Workstation};
use crate::{CoreError, Result};

/// The order entries come in: by seq, which is the order they were
/// appended in (times are as given and need not be monotonic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// The latest entry first.
    #[default]
    NewestFirst,
    /// The first entry first.
    OldestFirst,
}

/// Which entries to read. Every field set must match; `Filter::default()`
/// reads all entries, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Done by this user id.
    pub user_id: Option<i64>,
    /// Done under this name (exactly).
    pub username: Option<String>,
    /// Concerning this patient.
    pub patient_id: Option<i64>,
    /// This action.
    pub action: Option<Action>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// With this outcome.
    pub outcome: Option<Outcome>,
    /// Done under emergency access, or not.
    pub emergency: Option<bool>,
    /// Newest or oldest first.
    pub order: Order,
    /// At most this many entries (`None`: all).
    pub limit: Option<u64>,
    /// Skipping this many first.
    pub offset: u64,
}

/// The entries `filter` selects, with their changes (ordered by field).
pub fn query(conn: &Connection, filter: &Filter) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for_each_entry(conn, filter, &mut |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` with each entry `filter` selects, in order, without holding
/// them all.
pub(super) fn for_each_entry(conn: &Connection, filter: &Filter, f: &mut dyn FnMut(Entry) -> Result<()>) -> Result<()> {
    let mut conds: Vec<&str> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    let mut cond = |sql: &'static str, v: Value| {
        conds.push(sql);
        params.push(v);
    };
    if let Some(id) = filter.user_id {
        cond("user_id = ?", Value::Integer(id));
    }
    if let Some(name) = &filter.username {
        cond("username = ?", Value::Text(name.clone()));
    }
    if let Some(id) = filter.patient_id {
        cond("patient_id = ?", Value::Integer(id));
    }
    if let Some(action) = filter.action {
        cond("action = ?", Value::Text(action.as_str().to_owned()));
    }
    if let Some(from) = filter.from {
        cond("at >= ?", Value::Text(format_time(from)?));
    }
    if let Some(to) = filter.to {
        cond("at < ?", Value::Text(format_time(to)?));
    }
    if let Some(outcome) = filter.outcome {
        cond("result = ?", Value::Text(outcome.as_str().to_owned()));
    }
    if let Some(emergency) = filter.emergency {
        cond("emergency = ?", Value::Integer(i64::from(emergency)));
    }
    let limit = filter.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    params.push(Value::Integer(limit));
    params.push(Value::Integer(i64::try_from(filter.offset).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT seq, at, user_id, username, workstation_host, workstation_id, action, target_kind, target_id, \
         patient_id, result, detail, emergency, hash FROM audit_log {} ORDER BY seq {} LIMIT ? OFFSET ?",
        if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) },
        match filter.order {
            Order::NewestFirst => "DESC",
            Order::OldestFirst => "ASC",
        }
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut changes_stmt =
        conn.prepare("SELECT field, old_value, new_value FROM audit_changes WHERE seq = ?1 ORDER BY field")?;
    let mut rows = stmt.query(params_from_iter(params))?;
    while let Some(row) = rows.next()? {
        let mut entry = entry_of(row)?;
        entry.event.changes = changes_stmt
            .query_map([entry.seq], |r| Ok(Change { field: r.get(0)?, old: r.get(1)?, new: r.get(2)? }))?
            .collect::<Result<_, _>>()?;
        f(super::subject::opened(conn, entry)?)?;
    }
    Ok(())
}

fn entry_of(row: &Row<'_>) -> Result<Entry> {
    let seq: i64 = row.get(0)?;
    let unreadable = |reason: String| CoreError::AuditEntryUnreadable { seq, reason };
    let at: String = row.get(1)?;
    let action: String = row.get(6)?;
    let result: String = row.get(10)?;
    let hash: Vec<u8> = row.get(13)?;
    Ok(Entry {
        seq,
        at: parse_time(seq, &at)?,
        actor: Actor { user_id: row.get(2)?, username: row.get(3)? },
        workstation: Workstation { host: row.get(4)?, id: row.get(5)? },
        event: Event {
            action: Action::parse(&action).ok_or_else(|| unreadable(format!("unknown action {action:?}")))?,
            target_kind: row.get(7)?,
            target_id: row.get(8)?,
            patient_id: row.get(9)?,
            changes: Vec::new(),
            outcome: Outcome::parse(&result).ok_or_else(|| unreadable(format!("unknown result {result:?}")))?,
            detail: row.get(11)?,
            emergency: row.get::<_, i64>(12)? != 0,
        },
        hash: hash.try_into().map_err(|h: Vec<u8>| unreadable(format!("its hash is {} bytes, not 32", h.len())))?,
    })
}
