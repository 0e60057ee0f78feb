//! Adding, removing and re-wrapping key slots: each rewrites the key-slot
//! file atomically and never touches the database.

use secrecy::{ExposeSecret, SecretString};

use super::{RECOVERY_SLOT, Vault};
use crate::kdf::KdfParams;
use crate::recovery::{RecoveryCode, normalize};
use crate::slots::{Slot, SlotKind};
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
        self.keys.lock().slots.iter().map(|s| SlotInfo { name: s.name.clone(), kind: s.kind, kdf: s.kdf }).collect()
    }

    fn kdf_for_new_slot(&self, kdf: Option<KdfParams>) -> Result<KdfParams> {
        match kdf {
            Some(k) => {
                k.validate_for_new_slot()?;
                Ok(k)
            }
            // The parameters already calibrated for this vault.
            None => Ok(self
                .keys
                .lock()
                .slots
                .iter()
                .map(|s| s.kdf)
                .max_by_key(|k| (k.m_kib, k.t))
                .unwrap_or(KdfParams::MINIMUM)),
        }
    }

    /// A new password slot wrapping this vault's key.
    fn password_slot(&self, name: &str, password: &SecretString, kdf: KdfParams) -> Result<Slot> {
        let vault_id = self.keys.vault_id();
        Slot::new(&vault_id, name, SlotKind::Password, kdf, password.expose_secret().as_bytes(), self.keys.vault_key())
    }

    /// Adds a password slot. `kdf: None` reuses the vault's parameters.
    pub fn add_password_slot(&self, name: &str, password: &SecretString, kdf: Option<KdfParams>) -> Result<()> {
        super::check_password_slot_name(name)?;
        super::check_secret(password)?;
        let kdf = self.kdf_for_new_slot(kdf)?;
        let slot = self.password_slot(name, password, kdf)?;
        self.keys.update(None, |f| {
            if f.slot(name).is_some() {
                return Err(SealError::SlotExists(name.to_owned()));
            }
            f.slots.push(slot);
            Ok(())
        })
    }

    /// Replaces the password of an existing password slot (new salt, same
    /// vault key). The caller has already checked who may do this.
    pub fn change_password(&self, name: &str, password: &SecretString, kdf: Option<KdfParams>) -> Result<()> {
        super::check_secret(password)?;
        let kdf = match kdf {
            Some(k) => Some(k),
            None => self.keys.lock().slot(name).map(|s| s.kdf),
        };
        let kdf = self.kdf_for_new_slot(kdf)?;
        let slot = self.password_slot(name, password, kdf)?;
        self.keys.update(None, |f| {
            let i = f.slots.iter().position(|s| s.name == name && s.kind == SlotKind::Password);
            let i = i.ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?;
            f.slots[i] = slot;
            Ok(())
        })
    }

    /// Removes a slot. The last slot cannot be removed.
    pub fn remove_slot(&self, name: &str) -> Result<()> {
        self.keys.update(None, |f| {
            let i =
                f.slots.iter().position(|s| s.name == name).ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?;
            if f.slots.len() == 1 {
                return Err(SealError::LastSlot);
            }
            f.slots.remove(i);
            Ok(())
        })
    }

    /// Issues a new recovery code; the old one stops working.
    pub fn replace_recovery_code(&self) -> Result<RecoveryCode> {
        let kdf = self.kdf_for_new_slot(None)?;
        let code = RecoveryCode::generate()?;
        let canon = normalize(code.expose_secret()).expect("generated codes are canonical");
        let vault_id = self.keys.vault_id();
        let slot = Slot::new(&vault_id, RECOVERY_SLOT, SlotKind::RecoveryCode, kdf, &canon, self.keys.vault_key())?;
        self.keys.update(None, |f| {
            f.slots.retain(|s| s.name != RECOVERY_SLOT);
            f.slots.push(slot);
            Ok(())
        })?;
        Ok(code)
    }
}
