//! The unlocked key-slot file and the keys it was unlocked to, shared by the
//! vault and the seal counter (which records its reservations in the file).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::cipher::VAULT_ID_LEN;
use crate::keyfile::{Generation, KeyFile, VaultSecret};
use crate::secret::Key256;
use crate::store::{Store, WriteStep};
use crate::{Result, SealError};

/// The key-slot file as unlocked: the file, the vault keys of its current
/// and pending generations, and the vault secret its slots hold.
pub(crate) struct Book {
    pub(crate) file: KeyFile,
    /// The current generation's vault key (the file's MAC key derives from it).
    pub(crate) current_key: Key256,
    /// The pending generation's vault key, while a rekey or rotation runs.
    pub(crate) pending_key: Option<Key256>,
    pub(crate) secret: VaultSecret,
}

pub(crate) struct KeyState {
    /// The key-slot file was read in version 1 at this open (and converted).
    pub(crate) converted_from_v1: bool,
    path: PathBuf,
    store: Store,
    vault_id: [u8; VAULT_ID_LEN],
    book: Mutex<Book>,
}

impl KeyState {
    pub(crate) fn new(dir: &Path, book: Book, store: Store) -> Self {
        KeyState {
            converted_from_v1: false,
            path: crate::names::keys_path(dir),
            store,
            vault_id: book.file.vault_id,
            book: Mutex::new(book),
        }
    }

    /// The files of the vault's lower layer.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn vault_id(&self) -> [u8; VAULT_ID_LEN] {
        self.vault_id
    }

    pub(crate) fn seals_reserved(&self) -> u64 {
        self.lock().file.seals_reserved
    }

    /// Writes the slot file as it is in memory.
    pub(crate) fn save(&self, stop_after: Option<WriteStep>) -> Result<()> {
        let book = self.lock();
        self.store.write_atomic(&self.path, &book.file.to_bytes(&book.current_key), stop_after)
    }

    /// Applies `change` to a copy of the slot file and writes it; memory is
    /// updated only once the new file is durable. The change must keep the
    /// current generation (its vault key signs the file).
    pub(crate) fn update(
        &self,
        stop_after: Option<WriteStep>,
        change: impl FnOnce(&mut KeyFile) -> Result<()>,
    ) -> Result<()> {
        let mut book = self.lock();
        let mut next = book.file.clone();
        change(&mut next)?;
        self.store.write_atomic(&self.path, &next.to_bytes(&book.current_key), stop_after)?;
        book.file = next;
        Ok(())
    }

    /// [`KeyState::update`], with the unlocked keys at hand (to seal a
    /// vault key to a new or changed slot).
    pub(crate) fn update_sealed(
        &self,
        change: impl FnOnce(&mut KeyFile, &Key256, Option<&Key256>, &VaultSecret) -> Result<()>,
    ) -> Result<()> {
        let mut book = self.lock();
        let mut next = book.file.clone();
        change(&mut next, &book.current_key, book.pending_key.as_ref(), &book.secret)?;
        self.store.write_atomic(&self.path, &next.to_bytes(&book.current_key), None)?;
        book.file = next;
        Ok(())
    }

    /// Records a generation being rolled in (its vault key kept in memory),
    /// with `change` applied in the same write (a slot removed by a
    /// rotation).
    pub(crate) fn begin_pending(
        &self,
        generation: Generation,
        key: Key256,
        change: impl FnOnce(&mut KeyFile) -> Result<()>,
    ) -> Result<()> {
        let mut book = self.lock();
        let mut next = book.file.clone();
        change(&mut next)?;
        next.pending = Some(generation);
        self.store.write_atomic(&self.path, &next.to_bytes(&book.current_key), None)?;
        book.file = next;
        book.pending_key = Some(key);
        Ok(())
    }

    /// The pending generation becomes current, `seals` recorded as used
    /// under its data key; the file is signed under its vault key from now.
    pub(crate) fn promote_pending(&self, seals: u64) -> Result<()> {
        let mut book = self.lock();
        let Some(key) = book.pending_key.take() else {
            return Err(SealError::SlotFileCorrupt {
                path: self.path.clone(),
                reason: "a pending key generation this slot cannot open",
            });
        };
        let mut next = book.file.clone();
        let Some(pending) = next.pending.take() else {
            book.pending_key = Some(key);
            return Ok(());
        };
        next.current = pending;
        next.seals_reserved = seals;
        if let Err(e) = self.store.write_atomic(&self.path, &next.to_bytes(&key), None) {
            book.pending_key = Some(key);
            return Err(e);
        }
        book.file = next;
        book.current_key = key;
        Ok(())
    }

    /// Forgets a pending generation.
    pub(crate) fn withdraw_pending(&self) -> Result<()> {
        self.update(None, |f| {
            f.pending = None;
            Ok(())
        })?;
        self.lock().pending_key = None;
        Ok(())
    }

    /// Records that up to `n` seals may have been made under the current key.
    pub(crate) fn reserve_seals(&self, n: u64) -> Result<()> {
        self.update(None, |f| {
            f.seals_reserved = f.seals_reserved.max(n);
            Ok(())
        })
    }
}
