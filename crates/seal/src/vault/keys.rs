//! The unlocked key-slot file and vault key, shared by the vault and the
//! seal counter (which records its reservations in the slot file).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::Result;
use crate::cipher::VAULT_ID_LEN;
use crate::secret::Key256;
use crate::slots::SlotFile;
use crate::store::{Store, WriteStep};

pub(crate) struct KeyState {
    path: PathBuf,
    store: Store,
    vault_key: Key256,
    file: Mutex<SlotFile>,
}

impl KeyState {
    pub(crate) fn new(dir: &Path, vault_key: Key256, file: SlotFile, store: Store) -> Self {
        KeyState { path: crate::names::keys_path(dir), store, vault_key, file: Mutex::new(file) }
    }

    /// The files of the vault's lower layer.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn vault_key(&self) -> &Key256 {
        &self.vault_key
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotFile> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn vault_id(&self) -> [u8; VAULT_ID_LEN] {
        self.lock().vault_id
    }

    pub(crate) fn seals_reserved(&self) -> u64 {
        self.lock().seals_reserved
    }

    /// Writes the slot file as it is in memory.
    pub(crate) fn save(&self, stop_after: Option<WriteStep>) -> Result<()> {
        let file = self.lock();
        self.store.write_atomic(&self.path, &file.to_bytes(&self.vault_key), stop_after)
    }

    /// Applies `change` to a copy of the slot file and writes it; memory is
    /// updated only once the new file is durable.
    pub(crate) fn update(
        &self,
        stop_after: Option<WriteStep>,
        change: impl FnOnce(&mut SlotFile) -> Result<()>,
    ) -> Result<()> {
        let mut file = self.lock();
        let mut next = file.clone();
        change(&mut next)?;
        self.store.write_atomic(&self.path, &next.to_bytes(&self.vault_key), stop_after)?;
        *file = next;
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
