//! The small index a backup folder keeps for each vault that backs up
//! into it (`chartvault-<vault id, 8 hex>.index`): every backup of that
//! vault made or checked there, with its verification result and the audit
//! head it holds. A cache and an anchor, never the truth (the backup files
//! are): retention counts a file as this vault's verified backup when the
//! history in the vault or this index says so, and the newest head here is
//! a second rollback anchor beside the state folder's.
//!
//! It is MAC'd under a key derived from the vault's audit key (which lives
//! inside the sealed database, survives rekey, rotation and restore), so
//! only someone who can open the vault can write one that is believed. An
//! index that fails its MAC is ignored (nothing is deleted on its word)
//! and rebuilt at the next backup.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::ops::{hex, time_text};
use crate::Result;
use crate::audit::{AuditKey, ChainHead};

const MAGIC: &str = "chartvault backup index 1";
/// An index larger than this is not read.
pub const MAX_LEN: u64 = 1 << 20;

/// One backup the index lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The backup's id (32 hex digits).
    pub backup_id: String,
    /// Its file name in the folder.
    pub file_name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its size.
    pub bytes: u64,
    /// The audit head it holds.
    pub head: Option<ChainHead>,
    /// When it was last verified.
    pub checked_at: DateTime<Utc>,
    /// `good`, or the outcome of its last check (`damaged`, …).
    pub outcome: String,
}

/// The file's name for `vault_id` in `folder`.
pub fn path(folder: &Path, vault_id: &str) -> PathBuf {
    folder.join(format!("chartvault-{}.index", &vault_id[..8.min(vault_id.len())]))
}

fn mac(key: &AuditKey, vault_id: &str, body: &str) -> String {
    let k = key.derive(vault_id.as_bytes(), b"chartvault backup index v1");
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(k.as_ref()).expect("any key length");
    m.update(body.as_bytes());
    hex(&m.finalize().into_bytes())
}

fn plain_field(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && !s.contains(['\t', '\n', '\r', '/', '\\'])
}

/// Parses the text of an index without its MAC line's check: the vault id
/// and the entries, or `None` when it is not one this version writes. Pure
/// (the fuzzer drives it).
pub fn parse(body: &str) -> Option<(String, Vec<IndexEntry>)> {
    let mut lines = body.lines();
    (lines.next()? == MAGIC).then_some(())?;
    let vault = lines.next()?.strip_prefix("vault ")?.to_owned();
    if vault.len() != 32 || !vault.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let time = |s: &str| DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc));
    let mut entries = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.strip_prefix("backup ")?.split('\t').collect();
        let [id, name, created, bytes, seq, hash, checked, outcome] = f[..] else { return None };
        if id.len() != 32 || !plain_field(name) || !plain_field(outcome) {
            return None;
        }
        let head = match (seq, hash) {
            ("-", "-") => None,
            (seq, hash) if hash.len() == 64 => {
                let mut h = [0u8; 32];
                for (i, b) in h.iter_mut().enumerate() {
                    *b = u8::from_str_radix(hash.get(2 * i..2 * i + 2)?, 16).ok()?;
                }
                Some(ChainHead { seq: seq.parse().ok()?, hash: h })
            }
            _ => return None,
        };
        entries.push(IndexEntry {
            backup_id: id.to_owned(),
            file_name: name.to_owned(),
            created_at: time(created)?,
            bytes: bytes.parse().ok()?,
            head,
            checked_at: time(checked)?,
            outcome: outcome.to_owned(),
        });
    }
    Some((vault, entries))
}

fn render(vault_id: &str, entries: &[IndexEntry]) -> String {
    let mut out = format!("{MAGIC}\nvault {vault_id}\n");
    for e in entries {
        let (seq, hash) = e.head.map_or(("-".to_owned(), "-".to_owned()), |h| (h.seq.to_string(), hex(&h.hash)));
        out.push_str(&format!(
            "backup {}\t{}\t{}\t{}\t{seq}\t{hash}\t{}\t{}\n",
            e.backup_id,
            e.file_name,
            time_text(e.created_at),
            e.bytes,
            time_text(e.checked_at),
            e.outcome
        ));
    }
    out
}

/// What reading an index found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// No index for this vault in the folder.
    Absent,
    /// An index whose MAC holds.
    Good(Vec<IndexEntry>),
    /// An index this vault's key did not write (altered, or damaged): its
    /// word counts for nothing.
    Untrusted,
}

/// Reads the index of `vault_id` in `folder`.
pub fn read(folder: &Path, vault_id: &str, key: &AuditKey) -> Read {
    let p = path(folder, vault_id);
    if std::fs::metadata(&p).map_or(true, |m| m.len() > MAX_LEN) {
        return if p.exists() { Read::Untrusted } else { Read::Absent };
    }
    let Ok(text) = std::fs::read_to_string(&p) else { return Read::Untrusted };
    let Some((body, tail)) = text.rsplit_once("mac ") else { return Read::Untrusted };
    let good_mac = subtle::ConstantTimeEq::ct_eq(tail.trim().as_bytes(), mac(key, vault_id, body).as_bytes());
    match parse(body) {
        Some((v, entries)) if bool::from(good_mac) && v == vault_id => Read::Good(entries),
        _ => Read::Untrusted,
    }
}

/// Rewrites the index with `change` applied to its entries (an untrusted
/// or absent one starts empty), atomically.
pub fn update(folder: &Path, vault_id: &str, key: &AuditKey, change: impl FnOnce(&mut Vec<IndexEntry>)) -> Result<()> {
    let mut entries = match read(folder, vault_id, key) {
        Read::Good(e) => e,
        Read::Absent | Read::Untrusted => Vec::new(),
    };
    change(&mut entries);
    entries.retain(|e| folder.join(&e.file_name).exists());
    entries.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.backup_id.cmp(&b.backup_id)));
    let body = render(vault_id, &entries);
    let text = format!("{body}mac {}\n", mac(key, vault_id, &body));
    let p = path(folder, vault_id);
    crate::files::write_atomically(&p, text.as_bytes()).map_err(|e| crate::CoreError::Io {
        what: "cannot write the backup index",
        path: p.clone(),
        source: e,
    })
}

/// Puts `entry` in place of any of the same backup.
pub fn upsert(entries: &mut Vec<IndexEntry>, entry: IndexEntry) {
    entries.retain(|e| e.backup_id != entry.backup_id);
    entries.push(entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: char, name: &str) -> IndexEntry {
        IndexEntry {
            backup_id: id.to_string().repeat(32),
            file_name: name.into(),
            created_at: DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
            bytes: 4096,
            head: Some(ChainHead { seq: 7, hash: [3; 32] }),
            checked_at: DateTime::from_timestamp(1_900_000_100, 0).unwrap(),
            outcome: "good".into(),
        }
    }

    #[test]
    fn an_index_round_trips_and_a_changed_byte_makes_it_untrusted() {
        let dir = tempfile::tempdir().unwrap();
        let key = AuditKey::from_bytes([5; 32]);
        let vault = "a".repeat(32);
        for name in ["one.cvbackup", "two.cvbackup"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(read(dir.path(), &vault, &key), Read::Absent);
        update(dir.path(), &vault, &key, |e| {
            upsert(e, entry('1', "one.cvbackup"));
            upsert(e, entry('2', "two.cvbackup"));
            upsert(e, entry('3', "gone.cvbackup"));
        })
        .unwrap();
        let Read::Good(e) = read(dir.path(), &vault, &key) else { panic!("not read back") };
        assert_eq!(e, [entry('1', "one.cvbackup"), entry('2', "two.cvbackup")], "a file no longer there is dropped");
        let p = path(dir.path(), &vault);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("\tgood\n", "\tdamaged\n")).unwrap();
        assert_eq!(read(dir.path(), &vault, &key), Read::Untrusted);
        assert_eq!(read(dir.path(), &vault, &AuditKey::from_bytes([6; 32])), Read::Untrusted);
    }

    #[test]
    fn odd_lines_are_refused_not_misread() {
        let v = "b".repeat(32);
        for body in [
            format!("{MAGIC}\nvault {v}\nbackup x\n"),
            format!(
                "{MAGIC}\nvault {v}\nbackup {}\t../x\t2020-01-01T00:00:00Z\t1\t-\t-\t2020-01-01T00:00:00Z\tgood\n",
                "c".repeat(32)
            ),
            format!("{MAGIC}\nvault short\n"),
            "not an index".to_owned(),
        ] {
            assert_eq!(parse(&body), None, "{body}");
        }
    }
}
