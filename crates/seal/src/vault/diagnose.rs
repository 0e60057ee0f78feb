//! Errors a person can act on: checks made before SQLite would answer with
//! a bare code ("attempt to write a readonly database", "disk I/O error"),
//! and telling a damaged first page from another vault's database.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use super::KeyState;
use crate::cipher::{PAGE_SIZE, PageKeys, SealCounter, VAULT_ID_LEN};
use crate::names::{LOCK_FILE, db_path, journal_path, keys_path, wal_path};
use crate::secret::Key256;
use crate::{Result, SealError};

/// Refuses a vault that cannot be written: SQLite needs to create its log
/// beside the database, and the vault rewrites its key-slot file.
pub(crate) fn check_writable(dir: &Path) -> Result<()> {
    let probe = dir.join(format!("{LOCK_FILE}.probe"));
    match OpenOptions::new().write(true).create(true).truncate(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => {
            return Err(SealError::ReadOnly { path: dir.to_owned(), what: "cannot create files in the vault folder" });
        }
        Err(e) => return Err(SealError::io("cannot write in", dir, e)),
    }
    for path in [db_path(dir), keys_path(dir), wal_path(dir), journal_path(dir)] {
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.permissions().readonly() {
            return Err(SealError::ReadOnly { path, what: "the file is marked read-only" });
        }
        // Writable by its mode is not writable by us (another owner, an ACL).
        if let Err(e) = OpenOptions::new().write(true).open(&path)
            && e.kind() == ErrorKind::PermissionDenied
        {
            return Err(SealError::ReadOnly { path, what: "this user may not write the file" });
        }
    }
    Ok(())
}

/// The database's first bytes do not name this vault. Once the keys are
/// known, say whether its first page is damaged (the rest of the file opens
/// under this vault's key) or it is another vault's database.
pub(crate) fn page1_mismatch(dir: &Path, keys: &KeyState, data_key: &Key256) -> SealError {
    let path = db_path(dir);
    let page_keys = PageKeys::new(data_key, keys.vault_id(), SealCounter::new(0, Box::new(|_| Ok(()))));
    let store = keys.store();
    let page_at = |pgno: u64| -> Option<Vec<u8>> {
        let mut buf = vec![0u8; PAGE_SIZE];
        let n = store.read_at(&path, (pgno - 1) * PAGE_SIZE as u64, &mut buf).ok()?;
        (n == PAGE_SIZE).then_some(buf)
    };
    let opens = |mut page: Vec<u8>, pgno: u32| page_keys.open_page(pgno, &mut page).is_ok();
    let Some(first) = page_at(1) else {
        return SealError::SlotFileMismatch(dir.to_owned());
    };
    let mut with_id = first.clone();
    with_id[..VAULT_ID_LEN].copy_from_slice(&keys.vault_id());
    if opens(with_id, 1) {
        return SealError::DamagedFirstPage { path, what: "the 16 bytes naming the vault were altered" };
    }
    let pages = store.len(&path).ok().flatten().unwrap_or(0) / PAGE_SIZE as u64;
    let pages = pages.min(1 << 14) as u32;
    if (2..=pages).any(|n| opens(first.clone(), n)) {
        return SealError::DamagedFirstPage { path, what: "it holds another page of the database: pages were moved" };
    }
    if (2..=pages.min(64)).any(|n| page_at(u64::from(n)).is_some_and(|p| opens(p, n))) {
        return SealError::DamagedFirstPage { path, what: "it fails authentication" };
    }
    SealError::SlotFileMismatch(dir.to_owned())
}
