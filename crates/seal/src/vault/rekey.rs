//! Rekey: a new data key, every page resealed, crash-safe.
//!
//! 1. the new key is added to the slot file as *pending*;
//! 2. `VACUUM INTO` copies the database into `vault.cvdb.rekey`, sealed
//!    under the new key through a second VFS, given the vault's journal
//!    mode, then fsynced;
//! 3. the connection is closed (checkpointing and removing the WAL);
//! 4. the copy is renamed over `vault.cvdb` and the directory fsynced;
//! 5. the pending key becomes current in the slot file.
//!
//! A crash anywhere leaves a database sealed under the current or the
//! pending key; opening settles which (see [`settle_unfinished_rekey`]).

use std::path::Path;
use std::sync::Arc;

use super::{KeyState, Vault, page_keys};
use crate::cipher::{PAGE_SIZE, PageKeys, SEAL_RESERVATION, SealCounter};
use crate::error::FileKind;
use crate::names::{db_path, journal_path, rekey_path, wal_path};
use crate::sealed::Shared;
use crate::secret::Key256;
use crate::slots::DataKeyEntry;
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

fn read_page1(store: &Store, dir: &Path) -> Result<Vec<u8>> {
    let path = db_path(dir);
    match store.read_head(&path, PAGE_SIZE)? {
        Some(page) if page.len() == PAGE_SIZE => Ok(page),
        _ => Err(SealError::TruncatedPage { kind: FileKind::Database, path, pgno: 1 }),
    }
}

fn opens_page1(page: &[u8], key: &Key256, vault_id: [u8; 16]) -> bool {
    let keys = PageKeys::new(key, vault_id, SealCounter::new(0, Box::new(|_| Ok(()))));
    keys.open_page(1, &mut page.to_vec()).is_ok()
}

/// The data key the database on disk is sealed under, after a rekey a
/// crash may have interrupted.
pub(crate) struct Settled {
    pub(crate) key: Key256,
    /// An unfinished rekey to undo once the database has opened under `key`.
    pub(crate) withdraw_pending: bool,
}

/// Finishes a rekey a crash interrupted after the swap, or says to undo one
/// interrupted before it.
pub(crate) fn settle_unfinished_rekey(dir: &Path, keys: &KeyState) -> Result<Settled> {
    let (current, pending, vault_id) = {
        let f = keys.lock();
        (f.current.clone(), f.pending.clone(), f.vault_id)
    };
    let current_key = current.unwrap(keys.vault_key(), &vault_id, keys.path())?;
    let Some(pending) = pending else {
        return Ok(Settled { key: current_key, withdraw_pending: false });
    };
    let pending_key = pending.unwrap(keys.vault_key(), &vault_id, keys.path())?;
    let store = keys.store();
    // The copy is whole and synced before it replaces the database, so a
    // swapped database's page 1 opens under the pending key.
    if read_page1(store, dir).is_ok_and(|page1| opens_page1(&page1, &pending_key, vault_id)) {
        let pages = store.len(&db_path(dir))?.unwrap_or(0) / PAGE_SIZE as u64;
        keys.update(None, |f| {
            f.current = pending.clone();
            f.pending = None;
            f.seals_reserved = pages + SEAL_RESERVATION;
            Ok(())
        })?;
        return Ok(Settled { key: pending_key, withdraw_pending: false });
    }
    // Otherwise the old database is in force, its page 1 perhaps torn by a
    // crash in the checkpoint that closed it, which SQLite's recovery
    // repairs. The pending key is withdrawn only once the database has
    // opened under the current one: were this the swapped copy with a
    // damaged page 1, the pending key is all that opens it.
    Ok(Settled { key: current_key, withdraw_pending: true })
}

impl Vault {
    /// Reseals every page under a new data key (and resets the seal count).
    /// Safe against a crash at any point. Takes a moment per MiB.
    pub fn rekey(&mut self) -> Result<()> {
        self.rekey_stopping_after(None)
    }

    /// [`Vault::rekey`], stopping after `step` as if the process died there
    /// (the vault must then be dropped and reopened). For crash tests.
    #[doc(hidden)]
    pub fn rekey_stopping_after(&mut self, stop: Option<RekeyStep>) -> Result<()> {
        let mode: String =
            self.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let vault_id = self.keys.vault_id();
        let epoch = self.keys.lock().current.epoch + 1;
        let new_key = Key256::random()?;
        let entry = DataKeyEntry::new(self.keys.vault_key(), &vault_id, epoch, &new_key)?;
        self.keys.update(None, |f| {
            f.pending = Some(entry);
            Ok(())
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
        if let Err(e) = self.conn().execute("VACUUM INTO ?1", [&uri]) {
            // Nothing has changed but the pending key: withdraw it (were this
            // to fail too, the next open would withdraw it).
            let err = super::explain(&copy_shared, e);
            let _ = store.remove_if_exists(&target);
            let _ = self.keys.update(None, |f| {
                f.pending = None;
                Ok(())
            });
            return Err(err);
        }
        // `VACUUM INTO` writes a rollback-journal database: give the copy
        // the vault's mode before it replaces the database, so that no crash
        // can leave the vault in another mode than it was made with.
        if mode.eq_ignore_ascii_case("wal") {
            let set = set_wal_mode(&target, copy_reg.name());
            if let Err(e) = set {
                let err = super::explain(&copy_shared, e);
                let _ = store.remove_if_exists(&target);
                let _ = self.keys.update(None, |f| {
                    f.pending = None;
                    Ok(())
                });
                return Err(err);
            }
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
        match self.swap_in(&store, &target, &copy_keys, new_key, &mode, stop) {
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
        mode: &str,
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

        let seals = copy_keys.stats().seals;
        self.keys.update(None, |f| {
            if let Some(p) = f.pending.take() {
                f.current = p;
            }
            // Exactly the seals the copy made: the next write reserves more.
            f.seals_reserved = seals;
            Ok(())
        })?;
        self.restart(Some(new_key))?;
        let _ = mode;
        Ok(())
    }

    /// Reconnects after the connection was closed, under `key` or (when
    /// `None`) whichever key the database on disk is sealed with.
    fn restart(&mut self, key: Option<Key256>) -> Result<()> {
        self.conn = None;
        let settled = match key {
            Some(key) => Settled { key, withdraw_pending: false },
            None => settle_unfinished_rekey(&self.dir, &self.keys)?,
        };
        let shared = Arc::new(Shared::new(page_keys(&self.keys, &settled.key)));
        self.reg = Registration::new(shared.clone(), &self.opts.lower)?;
        self.shared = shared;
        self.connect(None)?;
        if settled.withdraw_pending {
            self.withdraw_pending_rekey()?;
        }
        Ok(())
    }

    /// Undoes a rekey that did not reach the swap: its copy and pending key
    /// go. Only once the database has opened under the current key.
    pub(super) fn withdraw_pending_rekey(&self) -> Result<()> {
        self.keys.store().remove_if_exists(&rekey_path(&self.dir))?;
        self.keys.update(None, |f| {
            f.pending = None;
            Ok(())
        })
    }
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
