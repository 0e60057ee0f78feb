//! The rollback warning. Each verified backup records the audit chain's
//! head at its snapshot in a small file outside the vault folder (the
//! per-user state directory), MAC'd under a key derived from the vault's
//! audit key. At every sign-in the vault's own trail must still hold that
//! entry, unchanged: if it ends before it, or holds another entry there,
//! someone put back an older copy of the vault's files (losing what was
//! written since), and the person signing in is told.
//!
//! Outside the vault on purpose: whoever puts back an old vault folder
//! rarely also puts back this file. It is a warning, not a proof: deleting
//! the file silences it, which is why backups also carry the head.

use std::path::{Path, PathBuf};

use chartvault_seal::rusqlite::{Connection, OptionalExtension};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::Result;
use crate::audit::{AuditKey, ChainHead};

const MAGIC: &str = "chartvault known head 1";

/// The newest head a backup of this vault recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHead {
    /// The head.
    pub head: ChainHead,
    /// When that backup was made.
    pub backup_at: DateTime<Utc>,
}

/// The vault's trail no longer holds the head a backup recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackWarning {
    /// The entry a backup recorded as the last.
    pub recorded_seq: i64,
    /// When that backup was made.
    pub backup_at: DateTime<Utc>,
    /// The vault's last entry now.
    pub vault_seq: i64,
}

impl RollbackWarning {
    /// In words, for the banner and the CLI.
    pub fn message(&self) -> String {
        if self.vault_seq < self.recorded_seq {
            format!(
                "This vault's audit trail ends at entry {}, but a backup made {} recorded entry {}: an older copy of the vault may have been put back, and what was written since is not here. Restore the newest backup, or ask your administrator.",
                self.vault_seq,
                self.backup_at.format("%Y-%m-%d %H:%M UTC"),
                self.recorded_seq
            )
        } else {
            format!(
                "Audit entry {} is not the one a backup made {} recorded: this vault's files may have been replaced by another copy. Ask your administrator.",
                self.recorded_seq,
                self.backup_at.format("%Y-%m-%d %H:%M UTC")
            )
        }
    }
}

fn path_of(state_dir: &Path, vault_id: &str) -> PathBuf {
    state_dir.join("known-heads").join(vault_id)
}

fn mac(key: &AuditKey, vault_id: &str, body: &str) -> String {
    let k = key.derive(vault_id.as_bytes(), b"chartvault known head v1");
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(k.as_ref()).expect("any key length");
    m.update(body.as_bytes());
    super::ops::hex(&m.finalize().into_bytes())
}

fn body(vault_id: &str, k: &KnownHead) -> String {
    format!(
        "{MAGIC}\nvault {vault_id}\nseq {}\nhash {}\nat {}\n",
        k.head.seq,
        super::ops::hex(&k.head.hash),
        super::ops::time_text(k.backup_at)
    )
}

/// Reads the known head of `vault_id`; `None` when there is none, or when
/// the file is not one this vault's key wrote (then it tells nothing).
pub fn read(state_dir: &Path, vault_id: &str, key: &AuditKey) -> Option<KnownHead> {
    let text = std::fs::read_to_string(path_of(state_dir, vault_id)).ok()?;
    let (body_text, mac_line) = text.rsplit_once("mac ")?;
    if mac_line.trim() != mac(key, vault_id, body_text) {
        return None;
    }
    let mut lines = body_text.lines();
    (lines.next()? == MAGIC).then_some(())?;
    (lines.next()?.strip_prefix("vault ")? == vault_id).then_some(())?;
    let seq: i64 = lines.next()?.strip_prefix("seq ")?.parse().ok()?;
    let hex = lines.next()?.strip_prefix("hash ")?;
    let mut hash = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, b) in hash.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    let at = DateTime::parse_from_rfc3339(lines.next()?.strip_prefix("at ")?).ok()?.with_timezone(&Utc);
    Some(KnownHead { head: ChainHead { seq, hash }, backup_at: at })
}

/// Records `known` unless a newer head is recorded already (`replace`:
/// always, as a restore does: the restored trail is the one to follow).
pub fn record(state_dir: &Path, vault_id: &str, key: &AuditKey, known: &KnownHead, replace: bool) -> Result<()> {
    if !replace && read(state_dir, vault_id, key).is_some_and(|k| k.head.seq >= known.head.seq) {
        return Ok(());
    }
    let path = path_of(state_dir, vault_id);
    let dir = path.parent().expect("a file in a folder");
    let io =
        |e| crate::CoreError::Io { what: "cannot record the backup's audit head in", path: dir.to_owned(), source: e };
    std::fs::create_dir_all(dir).map_err(io)?;
    let b = body(vault_id, known);
    let text = format!("{b}mac {}\n", mac(key, vault_id, &b));
    crate::files::write_atomically(&path, text.as_bytes()).map_err(io)
}

/// The newest head the backup folder's index records, when its MAC holds.
fn from_index(folder: &Path, vault_id: &str, key: &AuditKey) -> Option<KnownHead> {
    let super::index::Read::Good(entries) = super::index::read(folder, vault_id, key) else { return None };
    entries
        .into_iter()
        .filter(|e| e.outcome == "good")
        .filter_map(|e| e.head.map(|head| KnownHead { head, backup_at: e.created_at }))
        .max_by_key(|k| k.head.seq)
}

/// Checks the vault's trail against the known head: the state folder's,
/// or, when this workstation has none (a new machine, a state folder
/// wiped with the vault), the newest in the backup folder's index. The
/// state folder's wins when both exist: a restore rewrites it to follow the
/// restored trail, while the index still lists the newer backups of the
/// trail the restore replaced.
pub fn check(
    conn: &Connection,
    state_dir: Option<&Path>,
    backup_folder: Option<&Path>,
    vault_id: &str,
    key: &AuditKey,
) -> Result<Option<RollbackWarning>> {
    let known = state_dir
        .and_then(|d| read(d, vault_id, key))
        .or_else(|| backup_folder.filter(|f| f.is_dir()).and_then(|f| from_index(f, vault_id, key)));
    let Some(known) = known else { return Ok(None) };
    let at: Option<Vec<u8>> =
        conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [known.head.seq], |r| r.get(0)).optional()?;
    if at.as_deref() == Some(&known.head.hash[..]) {
        return Ok(None);
    }
    let vault_seq = crate::audit::head(conn)?.map_or(0, |h| h.seq);
    Ok(Some(RollbackWarning { recorded_seq: known.head.seq, backup_at: known.backup_at, vault_seq }))
}
