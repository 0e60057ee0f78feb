//! Checking the chain: every entry's hash, every link, no gaps; see [`verify`].

use std::fmt;
use std::ops::ControlFlow;

use chartvault_seal::rusqlite::types::{Value, ValueRef};
use chartvault_seal::rusqlite::{Connection, OptionalExtension};
use subtle::ConstantTimeEq;

use super::chain::{ChainInput, ChangeRow, FIELD_COUNT, GENESIS, LOG_COLUMNS};
use super::{AuditKey, ChainHead};
use crate::{CoreError, Result};

/// What is wrong at a [`Problem`]'s seq. See [`verify`] for how each
/// is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The entry's hash does not match its fields.
    Altered,
    /// The entry's hash is valid but its `prev_hash` is not the previous
    /// entry's hash.
    BrokenLink,
    /// Seqs absent: `count` of them from this one.
    Missing {
        /// How many.
        count: u64,
    },
    /// An entry the chain passes over: the next entry links to the one
    /// before it.
    Inserted {
        /// Its own hash is valid: made by someone with the key.
        hash_valid: bool,
    },
    /// The genuine entry of another seq sits here.
    Reordered {
        /// The seq its hash is valid at.
        belongs_at: i64,
    },
    /// Changes stored for a seq the log does not hold.
    OrphanChanges,
    /// The key under which a patient's values in the trail are sealed is
    /// gone, and no erasure of the record is recorded: the values can no
    /// longer be read, though every hash holds (see `audit/subject.rs`).
    SubjectKeyMissing {
        /// The patient.
        patient_id: i64,
    },
    /// The log ends before a recorded head: entries from this seq to
    /// `recorded` are gone.
    Truncated {
        /// The recorded head's seq.
        recorded: i64,
    },
    /// The entry at a recorded head's seq is not the recorded one.
    Rewritten,
}

/// The first problem found, at an entry's seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub seq: i64,
    /// What.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seq;
        match &self.kind {
            ProblemKind::Altered => write!(
                f,
                "audit entry {s} was altered: its hash does not match its contents (edited, or written without the chain key)"
            ),
            ProblemKind::BrokenLink => write!(
                f,
                "audit entry {s} does not follow entry {}: its link to the previous entry is broken (the entry before it was replaced)",
                s - 1
            ),
            ProblemKind::Missing { count: 1 } => write!(f, "audit entry {s} is missing"),
            ProblemKind::Missing { count } => {
                write!(f, "audit entries {s} to {} are missing", s.saturating_add_unsigned(count - 1))
            }
            ProblemKind::Inserted { hash_valid } => write!(
                f,
                "audit entry {s} was inserted: the chain passes over it from the entry before to the one after ({})",
                if *hash_valid { "made with the chain key" } else { "forged without the chain key" }
            ),
            ProblemKind::Reordered { belongs_at } => write!(
                f,
                "audit entry {s} holds entry {belongs_at}: entries were reordered, or renumbered after a deletion or insertion"
            ),
            ProblemKind::OrphanChanges => {
                write!(f, "changes are stored for audit entry {s}, which is not in the log")
            }
            ProblemKind::SubjectKeyMissing { patient_id } => write!(
                f,
                "from audit entry {s}, what the trail says of patient {patient_id} can no longer be read: its key was removed without an erasure of the record"
            ),
            ProblemKind::Truncated { recorded } => write!(
                f,
                "the audit trail ends before entry {s}, but a head recorded entry {recorded}: entries {s} to {recorded} were removed"
            ),
            ProblemKind::Rewritten => write!(
                f,
                "audit entry {s} is not the one a recorded head names: the trail was cut back and written on, or replaced"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Entries in the log.
    pub entries: u64,
    /// The last entry as stored (`None` for an empty log, or a last entry
    /// whose hash is not 32 bytes).
    pub head: Option<ChainHead>,
    /// The first problem in seq order; `None` when the chain is sound.
    pub first_problem: Option<Problem>,
}

impl Report {
    /// No problem found.
    pub fn is_ok(&self) -> bool {
        self.first_problem.is_none()
    }
}

/// Walks the chain and names its first problem.
///
/// It walks the log in seq order. Entry `s` is sound when its seq is
/// the one after the previous entry's (1 for the first), its hash is the
/// HMAC of its contents (and changes) at seq `s`, and its `prev_hash` is the
/// previous entry's hash (zeros for the first). The first entry that is not
/// is named, classified as follows:
///
/// - a seq past the expected one: [`ProblemKind::Missing`], at the first
///   absent seq (a seq below 1: [`ProblemKind::Inserted`]);
/// - a hash that does not match its contents at `s`, but does at another
///   seq `j`: [`ProblemKind::Reordered`] (entry `j` was moved or copied
///   here; swapping two entries, or renumbering after a deletion, does this;
///   found by trying each seq of the log, one HMAC each, at the first
///   problem only);
/// - otherwise, when the entry after it links to the entry before it (the
///   chain passes over it): [`ProblemKind::Inserted`], saying whether its
///   own hash is valid (forged with the key) or not;
/// - otherwise a hash that does not match: [`ProblemKind::Altered`] (edited,
///   or written without the key);
/// - a valid hash with a wrong link: [`ProblemKind::BrokenLink`] (the entry
///   before it was replaced by one made with the key).
///
/// A clean walk is followed by a check that no changes are stored for an
/// entry the log does not hold ([`ProblemKind::OrphanChanges`]), and that
/// every patient with sealed values still has their key unless their record
/// was erased ([`ProblemKind::SubjectKeyMissing`]).
///
/// **What `verify` cannot see**: a cut at the end. Deleting the last
/// entries (with their changes) leaves a shorter chain that is sound in
/// every link. Only a [`ChainHead`] recorded earlier elsewhere (in every
/// backup, on a printed report) shows it: [`verify_against`] reports the
/// entries gone since that head ([`ProblemKind::Truncated`]) or a log cut
/// back and written on ([`ProblemKind::Rewritten`]). The same holds for an
/// older copy of the whole vault put back. And someone holding the key who
/// rewrites every entry from some point on makes a sound chain: the head
/// recorded before shows that too.
pub fn verify(conn: &Connection, key: &AuditKey) -> Result<Report> {
    verify_with_progress(conn, key, &mut |_, _| ControlFlow::Continue(()))
}

/// [`verify`], calling `progress(done, total)` as it goes (every 1024
/// entries, and once at the end). `progress` may stop the check
/// ([`ControlFlow::Break`]): it then returns [`CoreError::Cancelled`]; it
/// only reads, so stopping is always safe.
pub fn verify_with_progress(
    conn: &Connection,
    key: &AuditKey,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<Report> {
    let total: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    let total = total.unsigned_abs();
    let mut rows_stmt = conn.prepare(&format!("SELECT {LOG_COLUMNS}, prev_hash, hash FROM audit_log ORDER BY seq"))?;
    let mut changes_stmt =
        conn.prepare("SELECT field, old_value, new_value FROM audit_changes WHERE seq = ?1 ORDER BY field")?;
    let mut rows = rows_stmt.query([])?;
    let mut expected_seq: i64 = 1;
    let mut expected_prev: Vec<u8> = GENESIS.to_vec();
    let mut done: u64 = 0;
    let mut problem = None;
    while let Some(row) = rows.next()? {
        let fields = (0..FIELD_COUNT).map(|i| row.get::<_, Value>(i)).collect::<Result<Vec<_>, _>>()?;
        let (prev, hash): (Value, Value) = (row.get(FIELD_COUNT)?, row.get(FIELD_COUNT + 1)?);
        let seq: i64 = row.get(0)?;
        let changes = changes_stmt
            .query_map([seq], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))?
            .collect::<Result<Vec<ChangeRow>, _>>()?;
        done += 1;
        let input = ChainInput::new((&prev).into(), &fields, &changes);
        let hash_ok = input.matches(key, ValueRef::Integer(seq), (&hash).into());
        if seq > expected_seq {
            problem =
                Some(Problem { seq: expected_seq, kind: ProblemKind::Missing { count: seq.abs_diff(expected_seq) } });
            break;
        }
        if seq < expected_seq {
            problem = Some(Problem { seq, kind: ProblemKind::Inserted { hash_valid: hash_ok } });
            break;
        }
        let link_ok = matches!(&prev, Value::Blob(p) if bool::from(p.ct_eq(&expected_prev)));
        if hash_ok && link_ok {
            if let Value::Blob(h) = hash {
                expected_prev = h;
            }
            expected_seq = seq + 1;
            if done.is_multiple_of(1024) && progress(done, total).is_break() {
                return Err(CoreError::Cancelled);
            }
            continue;
        }
        let kind = if !hash_ok {
            if let Some(j) = original_seq(conn, key, &input, seq, (&hash).into())? {
                ProblemKind::Reordered { belongs_at: j }
            } else if next_links_to(conn, seq, &expected_prev)? {
                ProblemKind::Inserted { hash_valid: false }
            } else {
                ProblemKind::Altered
            }
        } else if next_links_to(conn, seq, &expected_prev)? {
            ProblemKind::Inserted { hash_valid: true }
        } else {
            ProblemKind::BrokenLink
        };
        problem = Some(Problem { seq, kind });
        break;
    }
    drop(rows);
    if problem.is_none() {
        problem = conn
            .query_row("SELECT min(seq) FROM audit_changes WHERE seq NOT IN (SELECT seq FROM audit_log)", [], |r| {
                r.get::<_, Option<i64>>(0)
            })?
            .map(|seq| Problem { seq, kind: ProblemKind::OrphanChanges });
    }
    if problem.is_none() {
        problem = super::subject::first_keyless(conn)?
            .map(|(seq, patient_id)| Problem { seq, kind: ProblemKind::SubjectKeyMissing { patient_id } });
    }
    let _ = progress(done, total);
    Ok(Report { entries: total, head: stored_head(conn)?, first_problem: problem })
}

/// [`verify`], then whether the entry `recorded` names (a head recorded in
/// a backup or report) is still there and still the same: a log cut since
/// is [`ProblemKind::Truncated`] at the first seq gone, one cut back and
/// written on is [`ProblemKind::Rewritten`] at the recorded seq. A problem
/// in the chain itself comes first.
pub fn verify_against(conn: &Connection, key: &AuditKey, recorded: &ChainHead) -> Result<Report> {
    let mut report = verify(conn, key)?;
    if report.first_problem.is_some() {
        return Ok(report);
    }
    let found: Option<Value> =
        conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [recorded.seq], |r| r.get(0)).optional()?;
    report.first_problem = match found {
        None => Some(Problem {
            seq: report.head.map_or(1, |h| h.seq + 1),
            kind: ProblemKind::Truncated { recorded: recorded.seq },
        }),
        Some(Value::Blob(h)) if bool::from(h.ct_eq(&recorded.hash)) => None,
        Some(_) => Some(Problem { seq: recorded.seq, kind: ProblemKind::Rewritten }),
    };
    Ok(report)
}

/// The last entry's seq and hash, if its hash is 32 bytes.
fn stored_head(conn: &Connection) -> Result<Option<ChainHead>> {
    let last: Option<(i64, Value)> = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(last.and_then(|(seq, hash)| match hash {
        Value::Blob(h) => h.try_into().ok().map(|hash| ChainHead { seq, hash }),
        _ => None,
    }))
}

/// Whether the first entry after `seq` links to `prev`, passing over `seq`.
fn next_links_to(conn: &Connection, seq: i64, prev: &[u8]) -> Result<bool> {
    let next: Option<Value> = conn
        .query_row("SELECT prev_hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT 1", [seq], |r| r.get(0))
        .optional()?;
    Ok(matches!(next, Some(Value::Blob(p)) if bool::from(p.ct_eq(prev))))
}

/// The seq other than `seq` at which this entry's hash is valid, trying
/// every seq from 1 to the largest in the log (at most the entry count plus
/// a million, so a planted huge seq cannot stall the search). Run once, at
/// the first problem.
fn original_seq(
    conn: &Connection,
    key: &AuditKey,
    input: &ChainInput,
    seq: i64,
    hash: ValueRef<'_>,
) -> Result<Option<i64>> {
    let (max, count): (Option<i64>, i64) =
        conn.query_row("SELECT max(seq), count(*) FROM audit_log", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let upper = max.unwrap_or(0).min(count.saturating_add(1_000_000));
    Ok((1..=upper).filter(|&j| j != seq).find(|&j| input.matches(key, ValueRef::Integer(j), hash)))
}
