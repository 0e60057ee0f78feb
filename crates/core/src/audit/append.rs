//! Writing the log: one entry at the end of the chain.

use chartvault_seal::rusqlite::types::{Value, ValueRef};
use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction, params_from_iter};
use chrono::{DateTime, Datelike, SecondsFormat, Utc};

use super::chain::{ChainInput, ChangeRow, FIELD_COUNT, GENESIS, LOG_COLUMNS};
use super::{Actor, AuditKey, ChainHead, Event, Workstation};
use crate::{CoreError, Result};

/// Appends `event`, done by `actor` on `workstation` at `at`, to the end of
/// the chain and returns its seq (1 for the first entry).
///
/// Its `prev_hash` is the last entry's hash as stored, so a damaged log is
/// still extended (an audit trail that stops recording is worse than one
/// with a known bad entry; `verify` names that entry). Changes are stored
/// ordered by field; a field named twice is refused.
pub fn append(
    tx: &Transaction<'_>,
    key: &AuditKey,
    actor: &Actor,
    workstation: &Workstation,
    at: DateTime<Utc>,
    event: &Event,
) -> Result<i64> {
    let at = format_time(at)?;
    let mut fields: Vec<_> = event.changes.iter().map(|c| &c.field).collect();
    fields.sort();
    if let Some(w) = fields.windows(2).find(|w| w[0] == w[1]) {
        return Err(CoreError::AuditDuplicateChange { field: w[0].clone() });
    }
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match last {
        None => (1, GENESIS.to_vec()),
        Some((seq, hash)) => {
            let next = seq.checked_add(1).ok_or_else(|| CoreError::AuditEntryUnreadable {
                seq,
                reason: "it has the largest possible seq".into(),
            })?;
            (next, hash)
        }
    };
    let event = super::subject::sealed(tx, seq, event)?;
    let (fields, change_rows) = entry_values(seq, actor, workstation, at, &event);
    let hash = ChainInput::new(ValueRef::Blob(&prev_hash), &fields, &change_rows).hash(key, seq);
    insert_row(tx, fields, change_rows, prev_hash, hash)?;
    // The log names the action and the numbers only: targets, details and
    // changes may be clinic data. Logged as appended inside its transaction:
    // if that is rolled back (the operation failed, and says so next), the
    // line stays and the seq is used again. The trail is the record.
    tracing::info!(
        seq,
        action = event.action.as_str(),
        user_id = actor.user_id,
        outcome = event.outcome.as_str(),
        "audit entry appended"
    );
    Ok(seq)
}

/// The stored values of an entry: its [`LOG_COLUMNS`] and its changes,
/// ordered by field.
pub(super) fn entry_values(
    seq: i64,
    actor: &Actor,
    workstation: &Workstation,
    at: String,
    event: &Event,
) -> ([Value; FIELD_COUNT], Vec<ChangeRow>) {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt_text = |s: &Option<String>| s.as_deref().map_or(Value::Null, text);
    let opt_int = |i: Option<i64>| i.map_or(Value::Null, Value::Integer);
    let fields = [
        Value::Integer(seq),
        Value::Text(at),
        opt_int(actor.user_id),
        text(&actor.username),
        text(&workstation.host),
        text(&workstation.id),
        text(event.action.as_str()),
        opt_text(&event.target_kind),
        opt_text(&event.target_id),
        opt_int(event.patient_id),
        text(event.outcome.as_str()),
        opt_text(&event.detail),
        Value::Integer(i64::from(event.emergency)),
    ];
    let mut changes: Vec<_> = event.changes.iter().collect();
    changes.sort_by(|a, b| a.field.cmp(&b.field));
    let change_rows = changes.iter().map(|c| [text(&c.field), opt_text(&c.old), opt_text(&c.new)]).collect();
    (fields, change_rows)
}

/// Inserts an entry's row and its changes as given.
pub(super) fn insert_row(
    conn: &Connection,
    fields: [Value; FIELD_COUNT],
    changes: Vec<ChangeRow>,
    prev_hash: Vec<u8>,
    hash: [u8; 32],
) -> Result<()> {
    let seq = fields[0].clone();
    let sql = format!(
        "INSERT INTO audit_log ({LOG_COLUMNS}, prev_hash, hash) VALUES ({})",
        (1..=FIELD_COUNT + 2).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
    );
    let row = fields.into_iter().chain([Value::Blob(prev_hash), Value::Blob(hash.to_vec())]);
    conn.prepare(&sql)?.execute(params_from_iter(row))?;
    let mut insert_change =
        conn.prepare("INSERT INTO audit_changes (seq, field, old_value, new_value) VALUES (?1, ?2, ?3, ?4)")?;
    for [field, old, new] in changes {
        insert_change.execute((&seq, field, old, new))?;
    }
    Ok(())
}

/// The last entry's seq and hash as stored, `None` for an empty log.
/// Record it (in a backup, on a printed report) to check later with
/// [`super::verify_against`] that nothing was cut since.
pub fn head(conn: &Connection) -> Result<Option<ChainHead>> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    last.map(|(seq, hash)| {
        let hash = hash.try_into().map_err(|h: Vec<u8>| CoreError::AuditEntryUnreadable {
            seq,
            reason: format!("its hash is {} bytes, not 32", h.len()),
        })?;
        Ok(ChainHead { seq, hash })
    })
    .transpose()
}

/// RFC 3339 UTC with nine fractional digits: fixed width, so the text
/// sorts as the time does.
pub(super) fn format_time(at: DateTime<Utc>) -> Result<String> {
    if !(1..=9999).contains(&at.year()) {
        return Err(CoreError::AuditTimeOutOfRange { at });
    }
    Ok(at.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

/// The time of a stored entry.
pub(super) fn parse_time(seq: i64, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| CoreError::AuditEntryUnreadable { seq, reason: format!("its time {text:?} is not RFC 3339: {e}") })
}
