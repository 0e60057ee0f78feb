//! Adding, removing and re-wrapping key slots: each rewrites the key-slot
//! file atomically and never touches the database.
//!
//! None of these alone revokes anything: an old copy of the key-slot file
//! still opens with the secret it held. [`Vault::rotate_keys`] is what does.

use secrecy::{ExposeSecret, SecretString};

use super::{RECOVERY_SLOT, Vault};
use crate::kdf::KdfParams;
use crate::keyfile::Slot;
use crate::recovery::{RecoveryCode, normalize};
use crate::slots::SlotKind;
use crate::{Result, SealError};

/// What a slot is, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotInfo {
    /// The slot name.
    pub name: String,
    /// Password or recovery code.
    pub kind: SlotKind,
    /// Its Argon2id parameters.
    pub kdf: KdfParams,
}

impl Vault {
    /// The slots of this vault.
    pub fn slots(&self) -> Vec<SlotInfo> {
        let book = self.keys.lock();
        book.file.slots.iter().map(|s| SlotInfo { name: s.name.clone(), kind: s.kind, kdf: s.kdf }).collect()
    }

    /// Whether `password` opens the password slot `name` of this open vault:
    /// one Argon2id run, as at open (the same for an unknown name). For
    /// asking again before a sensitive action, without closing the vault.
    pub fn check_password(&self, name: &str, password: &SecretString) -> Result<()> {
        super::check_secret(password)?;
        let book = self.keys.lock();
        let Some(slot) = book.file.slot(name).filter(|s| s.kind == SlotKind::Password) else {
            super::spend_one_unlock(&book.file, password.expose_secret().as_bytes());
            return Err(SealError::NoSuchSlot(name.to_owned()));
        };
        slot.unlock(&book.file.vault_id, password.expose_secret().as_bytes()).map(|_| ())
    }

    /// Slots made by an older version and not opened since: they hold no
    /// key pair yet, so a rotation cannot reach them.
    pub fn legacy_slots(&self) -> Vec<String> {
        let book = self.keys.lock();
        book.file.slots.iter().filter(|s| s.is_legacy()).map(|s| s.name.clone()).collect()
    }

    fn kdf_for_new_slot(&self, kdf: Option<KdfParams>) -> Result<KdfParams> {
        match kdf {
            Some(k) => {
                k.validate_for_new_slot()?;
                Ok(k)
            }
            // The parameters already calibrated for this vault.
            None => Ok(self.keys.lock().file.strongest_kdf()),
        }
    }

    /// Makes a slot (one Argon2id run) and seals the vault's keys to it,
    /// replacing any slot of that name when `replace`.
    fn put_slot(&self, name: &str, kind: SlotKind, secret: &[u8], kdf: KdfParams, replace: bool) -> Result<()> {
        let vault_id = self.keys.vault_id();
        self.keys.update_sealed(|f, current, pending, vault_secret| {
            if !replace && f.slot(name).is_some() {
                return Err(SealError::SlotExists(name.to_owned()));
            }
            if replace && kind == SlotKind::Password && f.slot(name).is_none_or(|s| s.kind != kind) {
                return Err(SealError::NoSuchSlot(name.to_owned()));
            }
            let slot = Slot::new(&vault_id, name, kind, kdf, secret, vault_secret)?;
            f.put_slot(slot, current, pending, vault_secret)
        })
    }

    /// Adds a password slot. `kdf: None` reuses the vault's parameters.
    pub fn add_password_slot(&self, name: &str, password: &SecretString, kdf: Option<KdfParams>) -> Result<()> {
        super::check_password_slot_name(name)?;
        super::check_secret(password)?;
        let kdf = self.kdf_for_new_slot(kdf)?;
        self.put_slot(name, SlotKind::Password, password.expose_secret().as_bytes(), kdf, false)
    }

    /// Replaces the password of an existing password slot: a new salt and
    /// a new key pair. The caller has already checked who may do this. The
    /// old password keeps opening an old copy of the key-slot file until
    /// [`Vault::rotate_keys`] runs.
    pub fn change_password(&self, name: &str, password: &SecretString, kdf: Option<KdfParams>) -> Result<()> {
        super::check_secret(password)?;
        let kdf = match kdf {
            Some(k) => Some(k),
            None => self.keys.lock().file.slot(name).map(|s| s.kdf),
        };
        let kdf = self.kdf_for_new_slot(kdf)?;
        self.put_slot(name, SlotKind::Password, password.expose_secret().as_bytes(), kdf, true)
    }

    /// Removes a slot. The last slot cannot be removed. Its owner's old
    /// copy of the key-slot file keeps opening the vault's current keys:
    /// [`Vault::rotate_keys`] with `remove` does both in one step.
    pub fn remove_slot(&self, name: &str) -> Result<()> {
        self.keys.update(None, |f| f.remove_slot(name).map(|_| ()))
    }

    /// Issues a new recovery code; the old one stops opening this key-slot
    /// file (an old copy of it needs [`Vault::rotate_keys`]).
    pub fn replace_recovery_code(&self) -> Result<RecoveryCode> {
        let kdf = self.kdf_for_new_slot(None)?;
        let code = RecoveryCode::generate()?;
        let canon = normalize(code.expose_secret()).expect("generated codes are canonical");
        self.put_slot(RECOVERY_SLOT, SlotKind::RecoveryCode, &canon, kdf, true)?;
        Ok(code)
    }
}
