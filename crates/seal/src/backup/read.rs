//! Opening, unlocking and verifying a backup file.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::{BackupError, Part};
use super::format::{self, Head, TRAILER_LEN, Trailer};
use super::io::{Opened, c_path, page_runs, read_ahead};
use super::keys::BackupKey;
use super::window::WindowVfs;
use super::{BackupInfo, BackupProgress, BackupUnlock, Phase, hex};
use crate::cipher::PAGE_SIZE;
use crate::keyfile::{KeyFile, VaultSecret};
use crate::lower::{Lower, LowerVfs};
use crate::recovery::normalize;
use crate::sealed::Shared;
use crate::secret::Key256;
use crate::slots::SlotKind;
use crate::store::Store;
use crate::vault::RECOVERY_SLOT;
use crate::vfs::Registration;

/// Pages read and checked per step (1 MiB).
pub(crate) const RUN: usize = 256;

/// A backup file whose header has been read and checked (no key yet).
pub struct BackupFile {
    pub(crate) path: PathBuf,
    pub(crate) lower: Arc<dyn LowerVfs>,
    pub(crate) head: Head,
}

impl std::fmt::Debug for BackupFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupFile").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The keys of that time, when a password or the recovery code opened the
/// backup: what a restore needs to give back the vault's slots.
pub(crate) struct KeysOfThatTime {
    pub(crate) file: KeyFile,
    pub(crate) vault_key: Key256,
    pub(crate) secret: VaultSecret,
}

/// A backup whose key is known: its metadata can be read, and it can be
/// verified, previewed and restored.
pub struct UnlockedBackup {
    pub(crate) file: BackupFile,
    pub(crate) key: BackupKey,
    pub(crate) meta: Zeroizing<Vec<u8>>,
    pub(crate) of_that_time: Option<KeysOfThatTime>,
}

impl std::fmt::Debug for UnlockedBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedBackup").field("path", &self.file.path).finish_non_exhaustive()
    }
}

/// The result of a full verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Pages checked.
    pub pages: u32,
    /// Pages the vault could not open when the backup was made, written as
    /// zeros (the integrity check passed, so none was in use).
    pub zeroed_pages: u32,
}

/// A read-only connection to the database inside a backup.
pub struct BackupDb {
    conn: Connection,
    _reg: Registration,
}

impl std::fmt::Debug for BackupDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupDb")
    }
}

impl BackupDb {
    /// The connection (read-only: every write is refused).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Reads the clear fields of a backup from its first bytes, without a key
/// (`bytes` is the start of the file, `file_len` its whole length). For
/// listings, and the function the fuzzer drives.
pub fn inspect_backup(bytes: &[u8], file_len: u64) -> Result<BackupInfo, BackupError> {
    format::decode_head(bytes, file_len, Path::new("(backup)")).map(|h| info_of(&h))
}

fn info_of(head: &Head) -> BackupInfo {
    BackupInfo {
        backup_id: hex(&head.header.backup_id),
        vault_id: hex(&head.header.vault_id),
        created_at_ms: head.header.created_at_ms,
        pages: head.header.page_count,
        bytes: head.file_len(),
        epoch: head.header.epoch,
        opens_with_slots: head.key_block.slots.is_some(),
        opens_with_passphrase: head.key_block.passphrase.is_some(),
    }
}

impl BackupFile {
    /// Opens `path` and checks everything before the pages: signature,
    /// header, key block and exact length.
    pub fn open(path: &Path, lower: &Lower) -> Result<BackupFile, BackupError> {
        let store = Store::new(lower)?;
        let Some(len) = store.len(path)? else {
            return Err(BackupError::Io(crate::SealError::io(
                "cannot open",
                path,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            )));
        };
        // The preamble says how much comes before the pages: read that, not
        // the 4 MiB a head may at most take (a listing opens every file).
        let preamble = store.read_head(path, format::PREAMBLE_LEN)?.unwrap_or_default();
        let want = format::head_len(&preamble).unwrap_or(format::PREAMBLE_LEN as u64);
        let bytes = store.read_head(path, len.min(want) as usize)?.unwrap_or_default();
        let head = format::decode_head(&bytes, len, path)?;
        Ok(BackupFile { path: path.to_owned(), lower: crate::vfs::resolve(lower)?, head })
    }

    /// The clear fields: ids, date, size.
    pub fn info(&self) -> BackupInfo {
        info_of(&self.head)
    }

    /// Refuses a backup of another vault than `vault_id` (hex).
    pub fn check_vault(&self, vault_id: &str) -> Result<(), BackupError> {
        let found = hex(&self.head.header.vault_id);
        if found != vault_id {
            return Err(BackupError::OtherVault { found, expected: vault_id.to_owned() });
        }
        Ok(())
    }

    /// Opens the backup key with a password or recovery code of that time,
    /// or the backup passphrase. Each wrong answer costs one Argon2id run.
    pub fn unlock(self, unlock: BackupUnlock<'_>) -> Result<UnlockedBackup, BackupError> {
        let damaged_kb = || BackupError::damaged(&self.path, Part::KeyBlock);
        let h = &self.head.header;
        let (key, of_that_time) = match unlock {
            BackupUnlock::Passphrase(p) => {
                let Some(slot) = &self.head.key_block.passphrase else {
                    return Err(BackupError::WrongPassword);
                };
                crate::vault::check_secret(p)?;
                let key =
                    BackupKey::unwrap_with_passphrase(p.expose_secret().as_bytes(), h.backup_id, &h.vault_id, slot)?;
                (key.ok_or(BackupError::WrongPassword)?, None)
            }
            BackupUnlock::Password { .. } | BackupUnlock::RecoveryCode(_) => {
                let Some((bytes, wrap)) = &self.head.key_block.slots else {
                    return Err(BackupError::WrongPassword);
                };
                let file = KeyFile::parse(bytes, &self.path).map_err(|_| damaged_kb())?;
                if file.vault_id != h.vault_id || file.current.epoch != h.epoch || file.pending.is_some() {
                    return Err(damaged_kb());
                }
                let (name, secret) = slot_secret(&file, unlock)?;
                let slot = file.slot(name).ok_or(BackupError::WrongPassword)?;
                let unlocked = match slot.unlock(&file.vault_id, &secret) {
                    Ok(u) => u,
                    Err(crate::SealError::WrongPassword) => return Err(BackupError::WrongPassword),
                    Err(_) => return Err(damaged_kb()),
                };
                // The password was right: anything failing from here on is
                // damage, never "wrong password".
                let vault_key = file.current.vault_key(&file.vault_id, slot, &unlocked).ok_or_else(damaged_kb)?;
                file.verify_mac(&vault_key, &self.path).map_err(|_| damaged_kb())?;
                let key = BackupKey::unwrap_with_vault_key(&vault_key, h.backup_id, &h.vault_id, h.epoch, wrap)
                    .ok_or_else(damaged_kb)?;
                (key, Some(KeysOfThatTime { file, vault_key, secret: unlocked.into_vault_secret() }))
            }
        };
        self.with_key(key, of_that_time)
    }

    pub(crate) fn with_key(
        self,
        key: BackupKey,
        of_that_time: Option<KeysOfThatTime>,
    ) -> Result<UnlockedBackup, BackupError> {
        let meta = key
            .open_meta(&self.head.meta_ad, &self.head.sealed_meta)
            .ok_or_else(|| BackupError::damaged(&self.path, Part::Meta))?;
        Ok(UnlockedBackup { file: self, key, meta, of_that_time })
    }
}

/// The slot name and the secret its derivation takes. An unknown user
/// costs an Argon2id run like a wrong password, and is answered the same.
fn slot_secret<'a>(file: &KeyFile, unlock: BackupUnlock<'a>) -> Result<(&'a str, Zeroizing<Vec<u8>>), BackupError> {
    match unlock {
        BackupUnlock::Password { slot, password } => {
            crate::vault::check_secret(password)?;
            if file.slot(slot).filter(|s| s.kind == SlotKind::Password).is_none() {
                crate::vault::spend_one_unlock(file, password.expose_secret().as_bytes());
                return Err(BackupError::WrongPassword);
            }
            Ok((slot, Zeroizing::new(password.expose_secret().as_bytes().to_vec())))
        }
        BackupUnlock::RecoveryCode(code) => {
            let canon = normalize(code.expose_secret()).ok_or(BackupError::WrongPassword)?;
            if file.slot(RECOVERY_SLOT).filter(|s| s.kind == SlotKind::RecoveryCode).is_none() {
                return Err(BackupError::WrongPassword);
            }
            Ok((RECOVERY_SLOT, Zeroizing::new(canon.to_vec())))
        }
        BackupUnlock::Passphrase(_) => unreachable!("handled by the caller"),
    }
}

type Check<'c> = &'c dyn Fn(&Connection) -> Result<(), String>;

impl UnlockedBackup {
    /// The metadata the backup was made with (opaque to this crate).
    pub fn meta(&self) -> &[u8] {
        &self.meta
    }

    /// The clear fields.
    pub fn info(&self) -> BackupInfo {
        self.file.info()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// Whether a password or the recovery code opened it (so a restore can
    /// give back the slots of that time), rather than the passphrase.
    pub fn opened_with_slots(&self) -> bool {
        self.of_that_time.is_some()
    }

    /// Checks every page, the trailer, SQLite's integrity check on the
    /// database inside and `content_check` on it. `progress` may stop it.
    ///
    /// The integrity check runs on a second thread while the pages are read
    /// and opened in order (both read the same file, so the second read
    /// comes from the cache); a damaged page is reported as such, before
    /// whatever the integrity check made of it.
    pub fn verify(
        &self,
        content_check: Check<'_>,
        progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
    ) -> Result<Verified, BackupError> {
        let total = u64::from(self.file.head.header.page_count);
        let db = match self.read_only() {
            Ok(db) => db,
            Err(e) => {
                // Page 1 or the schema did not open: the page pass says where.
                self.check_pages(progress)?;
                return Err(e);
            }
        };
        let interrupt = db.conn().get_interrupt_handle();
        let (pages, db, lines) = std::thread::scope(|s| {
            let integrity = s.spawn(move || {
                let lines = integrity_lines(db.conn());
                (db, lines)
            });
            let pages = self.check_pages(progress);
            if pages.is_err() {
                interrupt.interrupt();
            }
            let (db, lines) = integrity.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (pages, db, lines)
        });
        let zeroed = pages?;
        if progress(BackupProgress { phase: Phase::Integrity, done: total, total }).is_break() {
            return Err(BackupError::Cancelled);
        }
        let lines = lines.map_err(|e| self.damaged(Part::Integrity(e.to_string())))?;
        if lines != ["ok"] {
            let summary = crate::vault::summarise_integrity(lines).join("; ");
            return Err(self.damaged(Part::Integrity(summary)));
        }
        if progress(BackupProgress { phase: Phase::Content, done: 0, total }).is_break() {
            return Err(BackupError::Cancelled);
        }
        content_check(db.conn()).map_err(|e| self.damaged(Part::Content(e)))?;
        Ok(Verified { pages: self.file.head.header.page_count, zeroed_pages: zeroed })
    }

    fn damaged(&self, part: Part) -> BackupError {
        BackupError::damaged(&self.file.path, part)
    }

    /// Reads the pages in order, opening each, then the trailer; returns
    /// the count of zeroed pages the trailer records.
    fn check_pages(&self, progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>) -> Result<u32, BackupError> {
        let head = &self.file.head;
        let n = head.header.page_count;
        let keys = self.key.page_keys();
        let mut f = Opened::open_read(&self.file.lower, &self.file.path)?;
        let mut tags = Sha256::new();
        read_ahead(&mut f, page_runs(n, RUN, head.body_offset), |next| {
            let mut pgno = 1u32;
            while pgno <= n {
                let Some(read) = next()? else {
                    return Err(self.damaged(Part::Truncated { first_missing: pgno }));
                };
                let mut run = zeroize::Zeroizing::new(read);
                let count = run.len() / PAGE_SIZE;
                for (i, page) in run.chunks_exact_mut(PAGE_SIZE).enumerate() {
                    let p = pgno + i as u32;
                    tags.update(&page[PAGE_SIZE - 16..]);
                    if keys.open_page(p, page).is_err() {
                        return Err(self.damaged(Part::Page(p)));
                    }
                }
                pgno += count as u32;
                let done = u64::from(pgno - 1);
                if progress(BackupProgress { phase: Phase::ReadBack, done, total: u64::from(n) }).is_break() {
                    return Err(BackupError::Cancelled);
                }
            }
            Ok(())
        })?;
        let mut t = [0u8; TRAILER_LEN];
        if !f.read_exact(&mut t, head.body_offset + u64::from(n) * PAGE_SIZE as u64)? {
            return Err(self.damaged(Part::Truncated { first_missing: n + 1 }));
        }
        let digest: [u8; 32] = tags.finalize().into();
        let trailer = Trailer::decode(&t).ok_or_else(|| self.damaged(Part::Trailer))?;
        let unmaced = Trailer::unmaced(trailer.page_count, trailer.zeroed, &trailer.tag_digest);
        let mac_ok = self.key.trailer_mac_ok(&head.header_checksum, &head.key_block_checksum, &unmaced, &trailer.mac);
        if !mac_ok || trailer.page_count != n || trailer.tag_digest != digest || trailer.zeroed > n {
            return Err(self.damaged(Part::Trailer));
        }
        Ok(trailer.zeroed)
    }

    /// A read-only connection to the database inside, every page read
    /// through the backup's keys.
    pub fn read_only(&self) -> Result<BackupDb, BackupError> {
        let head = &self.file.head;
        let name = c_path(&self.file.path)?;
        let len = u64::from(head.header.page_count) * PAGE_SIZE as u64;
        let window = WindowVfs::new(self.file.lower.clone(), name, head.body_offset, len);
        let shared = Arc::new(Shared::new(Arc::new(self.key.page_keys())));
        let reg = Registration::new(shared.clone(), &Lower::Custom(Arc::new(window)))?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags_and_vfs(&self.file.path, flags, reg.name())
            .map_err(|e| self.explain_open(&shared, e))?;
        // A generous cache: the integrity check visits pages more than
        // once, and each read is a read and an AEAD open.
        conn.execute_batch("PRAGMA query_only=1; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;")
            .map_err(|e| self.explain_open(&shared, e))?;
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.explain_open(&shared, e))?;
        Ok(BackupDb { conn, _reg: reg })
    }

    fn explain_open(&self, shared: &Shared, e: rusqlite::Error) -> BackupError {
        match crate::vault::explain(shared, e) {
            crate::SealError::TamperedPage { pgno, .. } | crate::SealError::TruncatedPage { pgno, .. } => {
                self.damaged(Part::Page(pgno))
            }
            other => self.damaged(Part::Integrity(other.to_string())),
        }
    }
}

fn integrity_lines(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}
