//! Settling, at open, a rekey or rotation a crash interrupted: finish it if
//! the resealed copy already replaced the database, else undo it (once the
//! database has opened under the current key) and, for a rotation, run it
//! again, since the administrator who asked for it believes it done.

use std::path::Path;

use subtle::ConstantTimeEq;

use super::KeyState;
use crate::cipher::{PAGE_SIZE, PageKeys, SEAL_RESERVATION, SealCounter};
use crate::error::FileKind;
use crate::names::db_path;
use crate::secret::Key256;
use crate::store::Store;
use crate::{Result, SealError};

/// The data key the database on disk is sealed under, after a rekey a
/// crash may have interrupted.
pub(crate) struct Settled {
    pub(crate) key: Key256,
    /// An unfinished rekey to undo once the database has opened under `key`.
    pub(crate) withdraw_pending: bool,
    /// The undone change was a rotation of the vault key: run it again.
    pub(crate) redo_rotation: bool,
}

impl Settled {
    pub(crate) fn done(key: Key256) -> Settled {
        Settled { key, withdraw_pending: false, redo_rotation: false }
    }
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

/// Finishes a rekey a crash interrupted after the swap, or says to undo one
/// interrupted before it.
pub(crate) fn settle_unfinished_rekey(dir: &Path, keys: &KeyState) -> Result<Settled> {
    let vault_id = keys.vault_id();
    let (current_key, pending) = {
        let book = keys.lock();
        let current_key = book.file.current.data_key(&vault_id, &book.current_key)?;
        let pending = match (&book.file.pending, &book.pending_key) {
            (None, _) => None,
            (Some(p), Some(vk)) => {
                let rotation = !bool::from(vk.expose_secret().ct_eq(book.current_key.expose_secret()));
                Some((p.data_key(&vault_id, vk)?, rotation))
            }
            (Some(_), None) => {
                return Err(SealError::SlotFileCorrupt {
                    path: keys.path().to_owned(),
                    reason: "a rekey is pending that this slot holds no key to",
                });
            }
        };
        (current_key, pending)
    };
    let Some((pending_key, rotation)) = pending else {
        return Ok(Settled::done(current_key));
    };
    let store = keys.store();
    // The copy is whole and synced before it replaces the database, so a
    // swapped database's page 1 opens under the pending key.
    if read_page1(store, dir).is_ok_and(|page1| opens_page1(&page1, &pending_key, vault_id)) {
        let pages = store.len(&db_path(dir))?.unwrap_or(0) / PAGE_SIZE as u64;
        // How many seals the copy made is not known after a crash: a bound.
        keys.promote_pending(pages + SEAL_RESERVATION)?;
        return Ok(Settled::done(pending_key));
    }
    // Otherwise the old database is in force, its page 1 perhaps torn by a
    // crash in the checkpoint that closed it, which SQLite's recovery
    // repairs. The pending key is withdrawn only once the database has
    // opened under the current one: were this the swapped copy with a
    // damaged page 1, the pending key is all that opens it.
    Ok(Settled { key: current_key, withdraw_pending: true, redo_rotation: rotation })
}
