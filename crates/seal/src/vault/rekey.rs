//! Rekey and rotation: a new data key (and, for a rotation, a new vault key
//! sealed to the remaining slots), every page resealed, crash-safe.
//!
//! 1. the new key generation is added to the slot file as *pending* (with a
//!    removed slot gone in the same write);
//! 2. `VACUUM INTO` copies the database into `vault.cvdb.rekey`, sealed
//!    under the new key through a second VFS, given the vault's journal
//!    mode, then fsynced;
//! 3. the connection is closed (checkpointing and removing the WAL);
//! 4. the copy is renamed over `vault.cvdb` and the directory fsynced;
//! 5. the pending generation becomes current in the slot file.
//!
//! A crash anywhere leaves a database sealed under the current or the
//! pending key; opening settles which (see `settle.rs`).

use std::path::Path;
use std::sync::Arc;

use super::settle::{Settled, settle_unfinished_rekey};
use super::{Vault, page_keys};
use crate::cipher::{PageKeys, SealCounter};
use crate::keyfile::Generation;
use crate::names::{db_path, journal_path, rekey_path, wal_path};
use crate::sealed::Shared;
use crate::secret::Key256;
use crate::store::Store;
use crate::vfs::Registration;
use crate::{Result, SealError};

/// Where a rekey may be stopped, to test that a crash there is safe.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RekeyStep {
    /// The pending key is in the slot file.
    PendingKeyWritten,
    /// The resealed copy is written and synced.
    CopyWritten,
    /// The old connection is closed.
    OldClosed,
    /// The copy has replaced the database.
    Swapped,
}

/// A `file:` URI for SQLite, percent-encoding what URIs reserve.
fn file_uri(path: &Path, vfs: &str) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file:");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("?vfs=");
    out.push_str(vfs);
    out
}

/// Whether a rollback journal holds nothing to roll back, by SQLite's own
/// rule: absent, empty, or its first byte zero. That covers a journal
/// committed in exclusive mode (header zeroed) and one left by a crash
/// before its header was synced (magic and record count still zero).
fn journal_is_spent(store: &Store, path: &Path) -> Result<bool> {
    Ok(store.read_head(path, 1)?.is_none_or(|head| head.first().is_none_or(|&b| b == 0)))
}

/// How far a rekey or rotation has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RekeyProgress {
    /// Pages of the resealed copy written so far.
    pub pages_done: u64,
    /// Pages the database holds.
    pub pages_total: u64,
}

/// What a renewal of the keys replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renewal {
    /// The data key only (the seal count starts again).
    DataKey,
    /// The vault key as well, sealed afresh to the remaining slots.
    VaultKey,
}

impl Vault {
    /// Reseals every page under a new data key (and resets the seal count).
    /// Safe against a crash at any point. Takes a moment per MiB.
    pub fn rekey(&mut self) -> Result<()> {
        self.renew(Renewal::DataKey, None, None, None)
    }

    /// [`Vault::rekey`], calling `progress` from another thread while
    /// pages are copied.
    pub fn rekey_with_progress(&mut self, progress: Option<&mut (dyn FnMut(RekeyProgress) + Send)>) -> Result<()> {
        self.renew(Renewal::DataKey, None, progress, None)
    }

    /// Revocation: a new vault key, sealed to the remaining slots alone (no
    /// other password needed), and a new data key under it, every page
    /// resealed. With `remove`, that slot goes in the same step. Afterwards
    /// an old copy of the key-slot file, with any password or recovery code
    /// it held, opens nothing written since. Safe against a crash at any
    /// point (an interrupted rotation runs again at the next open).
    /// `progress` is called from another thread while pages are copied.
    ///
    /// Refused ([`SealError::LegacySlots`]) while slots of a vault made by an
    /// older version have not been opened since: they cannot receive the
    /// new key until their owner logs in once (or they are removed).
    pub fn rotate_keys(
        &mut self,
        remove: Option<&str>,
        progress: Option<&mut (dyn FnMut(RekeyProgress) + Send)>,
    ) -> Result<()> {
        self.renew(Renewal::VaultKey, remove, progress, None)
    }

    /// [`Vault::rekey`], stopping after `step` as if the process died there
    /// (the vault must then be dropped and reopened). For crash tests.
    #[doc(hidden)]
    pub fn rekey_stopping_after(&mut self, stop: Option<RekeyStep>) -> Result<()> {
        self.renew(Renewal::DataKey, None, None, stop)
    }

    /// [`Vault::rotate_keys`], stopping after `step`. For crash tests.
    #[doc(hidden)]
    pub fn rotate_keys_stopping_after(&mut self, remove: Option<&str>, stop: Option<RekeyStep>) -> Result<()> {
        self.renew(Renewal::VaultKey, remove, None, stop)
    }

    fn renew(
        &mut self,
        what: Renewal,
        remove: Option<&str>,
        progress: Option<&mut (dyn FnMut(RekeyProgress) + Send)>,
        stop: Option<RekeyStep>,
    ) -> Result<()> {
        if self.snapshot_running() {
            return Err(SealError::SnapshotInProgress);
        }
        let mode: String =
            self.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let pages_total: i64 =
            self.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let pages_total = pages_total.max(0) as u64;
        // A rotation owed (interrupted earlier) is not replaced by a plain
        // rekey's generation: this renewal completes it instead.
        let what = if self.rotation_owed() { Renewal::VaultKey } else { what };
        let vault_id = self.keys.vault_id();
        let new_key = Key256::random()?;
        let (generation, vault_key) = {
            let book = self.keys.lock();
            let epoch = book.file.current.epoch + 1;
            let mut slots = book.file.slots.clone();
            if let Some(name) = remove {
                let i = slots.iter().position(|s| s.name == name);
                slots.remove(i.ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?);
                if slots.is_empty() {
                    return Err(SealError::LastSlot);
                }
            }
            match what {
                Renewal::DataKey => {
                    let vk = Key256::from_bytes(*book.current_key.expose_secret());
                    (Generation::renewed(&vault_id, epoch, &vk, &new_key, &book.secret, &slots)?, vk)
                }
                Renewal::VaultKey => {
                    let vk = Key256::random()?;
                    (Generation::new(&vault_id, epoch, &vk, &new_key, &book.secret, &slots)?, vk)
                }
            }
        };
        self.keys.begin_pending(generation, vault_key, |f| match remove {
            Some(name) => f.remove_slot(name).map(|_| ()),
            None => Ok(()),
        })?;
        if stop == Some(RekeyStep::PendingKeyWritten) {
            return Ok(());
        }

        let store = self.keys.store().clone();
        let target = rekey_path(&self.dir);
        store.remove_if_exists(&target)?;
        let copy_keys = Arc::new(PageKeys::new(&new_key, vault_id, SealCounter::new(0, Box::new(|_| Ok(())))));
        let copy_shared = Arc::new(Shared::new(copy_keys.clone()));
        let copy_reg = Registration::new(copy_shared.clone(), &self.opts.lower)?;
        let uri = file_uri(&target, copy_reg.name());
        let copied = with_progress(progress, &copy_keys, pages_total, || {
            self.conn().execute("VACUUM INTO ?1", [&uri])?;
            // `VACUUM INTO` writes a rollback-journal database: give the
            // copy the vault's mode before it replaces the database, so that
            // no crash can leave the vault in another mode than it was made
            // with.
            if mode.eq_ignore_ascii_case("wal") {
                set_wal_mode(&target, copy_reg.name())?;
            }
            Ok(())
        });
        if let Err(e) = copied {
            // Nothing has changed but the pending key: withdraw it (were this
            // to fail too, the next open would withdraw it) — unless it is a
            // rotation, which stays owed and is retried at the next open.
            let err = super::explain(&copy_shared, e);
            let _ = store.remove_if_exists(&target);
            if what == Renewal::DataKey {
                let _ = self.keys.withdraw_pending();
            }
            return Err(err);
        }
        drop(copy_reg);
        store.sync_file(&target)?;
        store.sync_dir_of(&target)?;
        if stop == Some(RekeyStep::CopyWritten) {
            return Ok(());
        }

        if let Some(conn) = self.conn.take()
            && let Err((conn, e)) = conn.close()
        {
            self.conn = Some(conn);
            return Err(self.explain(e));
        }
        match self.swap_in(&store, &target, &copy_keys, new_key, stop) {
            // A stop for the crash tests leaves the vault as a crash would.
            Ok(()) => Ok(()),
            Err(e) => {
                // Reconnect under whichever key the database is now sealed
                // with, so a failed rekey leaves a usable vault.
                if self.conn.is_none() {
                    let _ = self.restart(None);
                }
                Err(e)
            }
        }
    }

    /// Rekey after the old connection is closed: the copy replaces the
    /// database, the pending key becomes current, and the vault reconnects.
    fn swap_in(
        &mut self,
        store: &Store,
        target: &Path,
        copy_keys: &PageKeys,
        new_key: Key256,
        stop: Option<RekeyStep>,
    ) -> Result<()> {
        let db = db_path(&self.dir);
        let journal = journal_path(&self.dir);
        if journal_is_spent(store, &journal)? {
            store.remove_if_exists(&journal)?;
        }
        for p in [wal_path(&self.dir), journal] {
            if store.exists(&p)? {
                return Err(SealError::io(
                    "the old database left a log behind; rekey abandoned",
                    p,
                    std::io::Error::other("log present after close"),
                ));
            }
        }
        // Closing deleted the old log without syncing the directory: make
        // that durable first, so no crash can pair the old log with the copy.
        store.sync_dir_of(&db)?;
        if stop == Some(RekeyStep::OldClosed) {
            return Ok(());
        }

        store.rename_durably(target, &db)?;
        if stop == Some(RekeyStep::Swapped) {
            return Ok(());
        }

        // Exactly the seals the copy made: the next write reserves more.
        self.keys.promote_pending(copy_keys.stats().seals)?;
        self.restart(Some(new_key))
    }

    /// Reconnects after the connection was closed, under `key` or (when
    /// `None`) whichever key the database on disk is sealed with.
    pub(super) fn restart(&mut self, key: Option<Key256>) -> Result<()> {
        self.conn = None;
        let settled = match key {
            Some(key) => Settled::done(key),
            None => settle_unfinished_rekey(&self.dir, &self.keys)?,
        };
        let shared = Arc::new(Shared::new(page_keys(&self.keys, &settled.key)));
        self.reg = Registration::new(shared.clone(), &self.opts.lower)?;
        self.shared = shared;
        self.connect(None)?;
        if settled.withdraw_pending && !settled.redo_rotation {
            self.withdraw_pending_rekey()?;
        }
        Ok(())
    }

    /// Undoes a rekey that did not reach the swap: its copy and pending key
    /// go. Only once the database has opened under the current key.
    pub(super) fn withdraw_pending_rekey(&self) -> Result<()> {
        self.keys.store().remove_if_exists(&rekey_path(&self.dir))?;
        self.keys.withdraw_pending()
    }
}

/// Runs `copy`, calling `progress` (if any) from a second thread about ten
/// times a second with the pages sealed so far, and once at the end.
fn with_progress(
    progress: Option<&mut (dyn FnMut(RekeyProgress) + Send)>,
    copy_keys: &PageKeys,
    pages_total: u64,
    copy: impl FnOnce() -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let Some(progress) = progress else {
        return copy();
    };
    let (done, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let poller = s.spawn(move || {
            let mut report = || {
                let pages_done = copy_keys.stats().seals.min(pages_total);
                progress(RekeyProgress { pages_done, pages_total });
            };
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                finished.recv_timeout(std::time::Duration::from_millis(100))
            {
                report();
            }
            report();
        });
        let result = copy();
        drop(done);
        let _ = poller.join();
        result
    })
}

/// Puts the copy at `path` into WAL mode through its own VFS, in exclusive
/// locking mode as every vault connection (no `-shm`), and closes it, which
/// removes the WAL it made.
fn set_wal_mode(path: &Path, vfs: &str) -> rusqlite::Result<()> {
    use rusqlite::{Connection, OpenFlags};
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags_and_vfs(path, flags, vfs)?;
    conn.execute_batch("PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL;")?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.close().map_err(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::file_uri;
    use std::path::Path;

    #[test]
    fn file_uri_escapes_reserved_characters() {
        assert_eq!(file_uri(Path::new("/a b/c?d#e%.db"), "v"), "file:/a%20b/c%3Fd%23e%25.db?vfs=v");
        assert_eq!(file_uri(Path::new("C:\\x\\y.db"), "v"), "file:/C:/x/y.db?vfs=v");
    }
}
