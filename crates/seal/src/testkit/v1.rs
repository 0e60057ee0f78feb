//! Vaults as version 1 of the key-slot file left them, for tests of their
//! migration: the vault key wrapped directly under each slot's Argon2id key.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::kdf::KdfParams;
use crate::names::keys_path;
use crate::recovery::normalize;
use crate::slots::{DataKeyEntry, Slot, SlotFile, SlotKind};
use crate::{Result, SealError, Unlock, Vault};

/// Rewrites the key-slot file of the closed vault in `dir` as version 1
/// would have: `slots` (name, kind, password or recovery code) wrapping the
/// vault's current vault key, which wraps its current data key. Opens the
/// vault with `unlock` to learn the keys. Test support only.
pub fn rewrite_key_file_as_v1(
    dir: &Path,
    unlock: Unlock<'_>,
    slots: &[(&str, SlotKind, &SecretString)],
    kdf: KdfParams,
) -> Result<()> {
    let vault = Vault::open(dir, unlock, &crate::OpenOptions::default())?;
    let (vault_id, epoch, seals, vault_key, data_key) = {
        let book = vault.keys.lock();
        let id = book.file.vault_id;
        let data_key = book.file.current.data_key(&id, &book.current_key)?;
        let vault_key = crate::secret::Key256::from_bytes(*book.current_key.expose_secret());
        (id, book.file.current.epoch, book.file.seals_reserved, vault_key, data_key)
    };
    vault.close()?;
    let mut v1_slots = Vec::new();
    for (name, kind, secret) in slots {
        let bytes = match kind {
            SlotKind::Password => secret.expose_secret().as_bytes().to_vec(),
            SlotKind::RecoveryCode => normalize(secret.expose_secret()).ok_or(SealError::WrongPassword)?.to_vec(),
        };
        v1_slots.push(Slot::new(&vault_id, name, *kind, kdf, &bytes, &vault_key)?);
    }
    let mut file = SlotFile::new(vault_id, DataKeyEntry::new(&vault_key, &vault_id, epoch, &data_key)?, v1_slots);
    file.seals_reserved = seals;
    std::fs::write(keys_path(dir), file.to_bytes(&vault_key))
        .map_err(|e| SealError::io("cannot write", keys_path(dir), e))
}
