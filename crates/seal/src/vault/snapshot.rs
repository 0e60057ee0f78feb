//! A consistent snapshot of a vault in use, for a backup (the "checkpoint
//! fence" of docs/design/BACKUP.md, section 2).
//!
//! Under the caller's exclusive use of the vault the log is checkpointed
//! into the database file, the file is frozen (the sealing layer refuses
//! writes to it) and auto-checkpoints stop; the caller may then read what
//! it wants to record about that moment on the same connection. The
//! returned [`Snapshot`] reads the frozen file's pages on any thread while
//! the vault keeps committing into its write-ahead log; dropping it lowers
//! the fence. Closing the vault first cancels a running snapshot and waits
//! for it, so no key outlives the session and the file is never read while
//! it changes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::{JournalMode, Vault};
use crate::cipher::PageKeys;
use crate::lower::LowerVfs;
use crate::names::db_path;
use crate::sealed::Shared;
use crate::secret::Key256;
use crate::{Result, SealError};

/// Shared between a vault and its running snapshot.
#[derive(Debug, Default)]
pub(crate) struct SnapshotControl {
    pub(crate) cancel: AtomicBool,
    running: Mutex<bool>,
    ended: Condvar,
}

impl SnapshotControl {
    fn running(&self) -> bool {
        *self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the snapshot to stop and waits until it has.
    fn cancel_and_wait(&self) {
        self.cancel.store(true, Ordering::Release);
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while *running {
            running = self.ended.wait(running).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The frozen database file of a vault, with what a backup needs of the
/// keys of that moment. Send it to the thread that writes the backup.
pub struct Snapshot {
    pub(crate) lower: Arc<dyn LowerVfs>,
    pub(crate) db_path: PathBuf,
    pub(crate) keys: Arc<PageKeys>,
    pub(crate) pages: u32,
    pub(crate) vault_id: [u8; 16],
    pub(crate) epoch: u32,
    pub(crate) journal_mode: JournalMode,
    /// The key-slot file of that moment, as written.
    pub(crate) key_file: Vec<u8>,
    pub(crate) vault_key: Key256,
    pub(crate) control: Arc<SnapshotControl>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("db", &self.db_path).field("pages", &self.pages).finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Pages in the frozen database.
    pub fn page_count(&self) -> u64 {
        u64::from(self.pages)
    }

    /// Whether the vault asked the snapshot to stop (it is closing).
    pub(crate) fn cancelled(&self) -> bool {
        self.control.cancel.load(Ordering::Acquire)
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.shared.fence.store(false, Ordering::Release);
        self.shared.fence_lowered.store(true, Ordering::Release);
        *self.control.running.lock().unwrap_or_else(|e| e.into_inner()) = false;
        self.control.ended.notify_all();
    }
}

impl Vault {
    /// Freezes the database file for a backup and returns the snapshot that
    /// reads it. Needs no open transaction and no unfinished key change.
    /// Until the snapshot is dropped, commits go to the write-ahead log (a
    /// vault in rollback-journal mode runs in WAL mode meanwhile and is put
    /// back afterwards); a rekey or rotation is refused.
    pub fn snapshot(&mut self) -> Result<Snapshot> {
        if self.snapshot_running() {
            return Err(SealError::SnapshotInProgress);
        }
        if !self.conn().is_autocommit() {
            return Err(SealError::SnapshotRefused("a transaction is open"));
        }
        if self.keys.lock().file.pending.is_some() {
            return Err(SealError::SnapshotRefused(
                "a change of the vault's keys is unfinished; open the vault again first",
            ));
        }
        let taken = self.freeze();
        if taken.is_err() {
            // Put back the checkpoint setting and journal mode at once.
            self.shared.fence_lowered.store(true, Ordering::Release);
        }
        taken
    }

    fn freeze(&mut self) -> Result<Snapshot> {
        let recorded = self.keys.lock().file.journal_mode.unwrap_or(JournalMode::Wal);
        if recorded == JournalMode::Delete {
            self.conn().execute_batch("PRAGMA journal_mode=WAL;").map_err(|e| self.explain(e))?;
        }
        let (busy, log, _): (i64, i64, i64) = self
            .conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.explain(e))?;
        if busy != 0 || log > 0 {
            return Err(SealError::SnapshotRefused("the write-ahead log could not be emptied"));
        }
        self.conn().execute_batch("PRAGMA wal_autocheckpoint=0;").map_err(|e| self.explain(e))?;
        let pages: i64 = self.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(|e| self.explain(e))?;
        let path = db_path(&self.dir);
        let len = self.keys.store().len(&path)?.unwrap_or(0);
        let pages = u32::try_from(pages).map_err(|_| SealError::SnapshotRefused("the database is too large"))?;
        if pages == 0 || len != u64::from(pages) * crate::PAGE_SIZE as u64 {
            return Err(SealError::SnapshotRefused("the database file's length does not match its page count"));
        }
        let (key_file, vault_key, epoch) = {
            let book = self.keys.lock();
            (
                book.file.to_bytes(&book.current_key),
                Key256::from_bytes(*book.current_key.expose_secret()),
                book.file.current.epoch,
            )
        };
        let control = Arc::new(SnapshotControl::default());
        *control.running.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.fence.store(true, Ordering::Release);
        self.snapshot = Some(control.clone());
        Ok(Snapshot {
            lower: crate::vfs::resolve(&self.opts.lower)?,
            db_path: path,
            keys: self.shared.keys.clone(),
            pages,
            vault_id: self.keys.vault_id(),
            epoch,
            journal_mode: recorded,
            key_file,
            vault_key,
            control,
            shared: self.shared.clone(),
        })
    }

    /// Whether a snapshot of this vault is being read.
    pub fn snapshot_running(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|c| c.running())
    }

    /// Stops a running snapshot (its backup fails as cancelled) and waits
    /// for it: the vault is about to close or change its keys.
    pub(crate) fn end_snapshot(&mut self) {
        if let Some(c) = self.snapshot.take() {
            c.cancel_and_wait();
        }
    }

    /// After a snapshot: auto-checkpoints again, and a rollback-journal
    /// vault back in its mode. Failures are retried at the next use (inside
    /// a transaction the mode cannot change); the next open repairs the
    /// mode in any case.
    pub(crate) fn after_snapshot(&self, conn: &rusqlite::Connection) {
        if self.shared.fence.load(Ordering::Acquire) || !self.shared.fence_lowered.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut sql = String::from("PRAGMA wal_autocheckpoint=1000;");
        if self.keys.lock().file.journal_mode == Some(JournalMode::Delete) {
            sql.push_str("PRAGMA journal_mode=DELETE; PRAGMA synchronous=EXTRA;");
        }
        if conn.execute_batch(&sql).is_err() {
            self.shared.fence_lowered.store(true, Ordering::Release);
        }
    }
}
