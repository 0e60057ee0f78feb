//! What a backup says about itself, sealed in its header (the seal crate
//! keeps it opaque): who made it, where, why, of which schema, how many
//! records, and the audit chain's head at that moment. Counts and names
//! are sealed because a lost drive must not tell who works at the clinic
//! or how many patients it has.
//!
//! Encoding: tag u16 | length u32 | value, big-endian. A tag with bit 15
//! set is critical: a reader that does not know it refuses the backup as
//! of a newer format; other unknown tags are skipped.

use crate::audit::ChainHead;

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupReason {
    /// Someone asked for it.
    Manual,
    /// The schedule, on time.
    Scheduled,
    /// The schedule, after a missed time.
    CatchUp,
}

impl BackupReason {
    /// The name stored in the history.
    pub const fn as_str(self) -> &'static str {
        match self {
            BackupReason::Manual => "manual",
            BackupReason::Scheduled => "scheduled",
            BackupReason::CatchUp => "catch_up",
        }
    }

    fn parse(s: &str) -> Option<BackupReason> {
        [BackupReason::Manual, BackupReason::Scheduled, BackupReason::CatchUp].into_iter().find(|r| r.as_str() == s)
    }
}

/// Record counts at the moment of the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordCounts {
    /// Patients (merged duplicates included).
    pub patients: u64,
    /// Visits.
    pub visits: u64,
    /// Attachments.
    pub attachments: u64,
    /// Their bytes.
    pub attachment_bytes: u64,
    /// Users.
    pub users: u64,
    /// Audit entries.
    pub audit_entries: u64,
}

/// The sealed description of a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupMeta {
    /// The Chartvault version that made it.
    pub app_version: String,
    /// The user who made it (for a scheduled run, who was signed in).
    pub made_by: String,
    /// That user's id.
    pub made_by_id: i64,
    /// The workstation's host name.
    pub host: String,
    /// Why.
    pub reason: BackupReason,
    /// The schema version of the database inside.
    pub schema_version: i64,
    /// Record counts.
    pub counts: RecordCounts,
    /// The audit chain's head at the snapshot.
    pub audit_head: Option<ChainHead>,
    /// The database's size in bytes.
    pub database_bytes: u64,
}

const APP_VERSION: u16 = 1;
const MADE_BY: u16 = 2;
const HOST: u16 = 3;
const REASON: u16 = 4;
const SCHEMA: u16 = 5;
const COUNTS: u16 = 6;
const HEAD: u16 = 7;
const SIZE: u16 = 8;
const CRITICAL: u16 = 0x8000;

/// Why metadata could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// A critical field this version does not know.
    #[error("the backup holds a field this version of Chartvault does not know (tag {0:#06x}); update Chartvault")]
    Newer(u16),
    /// Damaged or incomplete (it authenticated, so it was written so).
    #[error("the backup's description is incomplete ({0})")]
    Malformed(&'static str),
}

fn put(out: &mut Vec<u8>, tag: u16, value: &[u8]) {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

impl BackupMeta {
    /// The bytes sealed in the backup's header.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put(&mut out, APP_VERSION, self.app_version.as_bytes());
        let mut by = self.made_by_id.to_be_bytes().to_vec();
        by.extend_from_slice(self.made_by.as_bytes());
        put(&mut out, MADE_BY, &by);
        put(&mut out, HOST, self.host.as_bytes());
        put(&mut out, REASON, self.reason.as_str().as_bytes());
        put(&mut out, SCHEMA, &self.schema_version.to_be_bytes());
        let c = &self.counts;
        let counts: Vec<u8> = [c.patients, c.visits, c.attachments, c.attachment_bytes, c.users, c.audit_entries]
            .iter()
            .flat_map(|n| n.to_be_bytes())
            .collect();
        put(&mut out, COUNTS, &counts);
        if let Some(h) = &self.audit_head {
            let mut v = h.seq.to_be_bytes().to_vec();
            v.extend_from_slice(&h.hash);
            put(&mut out, HEAD, &v);
        }
        put(&mut out, SIZE, &self.database_bytes.to_be_bytes());
        out
    }

    /// Reads metadata written by [`BackupMeta::encode`] of this or an
    /// earlier version.
    pub fn decode(bytes: &[u8]) -> Result<BackupMeta, MetaError> {
        let mut m = BackupMeta {
            app_version: String::new(),
            made_by: String::new(),
            made_by_id: 0,
            host: String::new(),
            reason: BackupReason::Manual,
            schema_version: 0,
            counts: RecordCounts::default(),
            audit_head: None,
            database_bytes: 0,
        };
        let mut seen_schema = false;
        let mut rest = bytes;
        while !rest.is_empty() {
            if rest.len() < 6 {
                return Err(MetaError::Malformed("a field is cut short"));
            }
            let tag = u16::from_be_bytes([rest[0], rest[1]]);
            let len = u32::from_be_bytes([rest[2], rest[3], rest[4], rest[5]]) as usize;
            let Some(value) = rest.get(6..6 + len) else {
                return Err(MetaError::Malformed("a field is cut short"));
            };
            rest = &rest[6 + len..];
            let text = || String::from_utf8(value.to_vec()).map_err(|_| MetaError::Malformed("text is not UTF-8"));
            let i64_at = |at: usize| -> Result<i64, MetaError> {
                value
                    .get(at..at + 8)
                    .map(|b| i64::from_be_bytes(b.try_into().expect("8 bytes")))
                    .ok_or(MetaError::Malformed("a number is cut short"))
            };
            match tag {
                APP_VERSION => m.app_version = text()?,
                MADE_BY => {
                    m.made_by_id = i64_at(0)?;
                    m.made_by = String::from_utf8(value[8..].to_vec()).map_err(|_| MetaError::Malformed("name"))?;
                }
                HOST => m.host = text()?,
                REASON => m.reason = BackupReason::parse(&text()?).ok_or(MetaError::Malformed("reason"))?,
                SCHEMA => {
                    m.schema_version = i64_at(0)?;
                    seen_schema = true;
                }
                COUNTS => {
                    if value.len() != 48 {
                        return Err(MetaError::Malformed("counts"));
                    }
                    let n = |i: usize| i64_at(i * 8).map(|v| v as u64);
                    m.counts = RecordCounts {
                        patients: n(0)?,
                        visits: n(1)?,
                        attachments: n(2)?,
                        attachment_bytes: n(3)?,
                        users: n(4)?,
                        audit_entries: n(5)?,
                    };
                }
                HEAD => {
                    if value.len() != 40 {
                        return Err(MetaError::Malformed("audit head"));
                    }
                    m.audit_head = Some(ChainHead { seq: i64_at(0)?, hash: value[8..].try_into().expect("32 bytes") });
                }
                SIZE => m.database_bytes = i64_at(0)? as u64,
                t if t & CRITICAL != 0 => return Err(MetaError::Newer(t)),
                _ => {}
            }
        }
        if !seen_schema {
            return Err(MetaError::Malformed("no schema version"));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BackupMeta {
        BackupMeta {
            app_version: "0.1.0".into(),
            made_by: "anna".into(),
            made_by_id: 3,
            host: "front-desk".into(),
            reason: BackupReason::CatchUp,
            schema_version: 12,
            counts: RecordCounts {
                patients: 5,
                visits: 9,
                attachments: 1,
                attachment_bytes: 40,
                users: 3,
                audit_entries: 77,
            },
            audit_head: Some(ChainHead { seq: 77, hash: [9; 32] }),
            database_bytes: 81920,
        }
    }

    #[test]
    fn meta_round_trips() {
        assert_eq!(BackupMeta::decode(&sample().encode()).unwrap(), sample());
    }

    #[test]
    fn unknown_fields_are_skipped_unless_critical() {
        let mut b = sample().encode();
        put(&mut b, 0x0100, b"later");
        assert_eq!(BackupMeta::decode(&b).unwrap(), sample());
        put(&mut b, 0x8100, b"must know");
        assert_eq!(BackupMeta::decode(&b), Err(MetaError::Newer(0x8100)));
    }

    #[test]
    fn cut_fields_are_malformed_never_a_panic() {
        let b = sample().encode();
        for n in 0..b.len() {
            let _ = BackupMeta::decode(&b[..n]);
        }
        assert!(BackupMeta::decode(&b[..b.len() - 3]).is_err());
    }
}
