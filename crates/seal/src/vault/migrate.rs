//! Vaults made before the database and its logs had names of our own
//! (`vault.db`, `vault.db-journal`, `vault.db-wal`) are renamed on open.
//!
//! The logs move first and are made durable before the database does: a
//! crash between the two leaves the old database name beside the new log
//! names, which the next open finishes, never a renamed database beside a
//! log under the old name that the VFS would no longer find.

use std::path::Path;

use crate::names::{LEGACY_DB_FILE, db_path, journal_path, rekey_path, wal_path};
use crate::store::Store;
use crate::{Result, SealError};

pub(crate) fn legacy_names(dir: &Path, store: &Store) -> Result<()> {
    let old_db = dir.join(LEGACY_DB_FILE);
    if !store.exists(&old_db)? {
        return Ok(());
    }
    let new_db = db_path(dir);
    if store.exists(&new_db)? {
        return Err(SealError::AmbiguousLayout { dir: dir.to_owned(), old: LEGACY_DB_FILE, new: crate::DB_FILE });
    }
    let moves = [
        (format!("{LEGACY_DB_FILE}-journal"), journal_path(dir)),
        (format!("{LEGACY_DB_FILE}-wal"), wal_path(dir)),
        (format!("{LEGACY_DB_FILE}.rekey"), rekey_path(dir)),
    ];
    for (old, new) in &moves {
        let old = dir.join(old);
        if store.exists(&old)? {
            store.rename(&old, new)?;
        }
    }
    store.sync_dir_of(&new_db)?;
    // A stock SQLite tool that opened the old name may have left its
    // shared-memory index; it describes nothing of ours.
    store.remove_if_exists(&dir.join(format!("{LEGACY_DB_FILE}-shm")))?;
    store.rename_durably(&old_db, &new_db)
}
