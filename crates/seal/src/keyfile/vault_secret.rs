//! The vault secret: 32 random bytes per vault, the HPKE pre-shared key
//! every generation's vault key is sealed under, kept only inside the
//! slots' Argon2id-wrapped blobs.

use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Result;
use crate::cipher::VAULT_ID_LEN;
use crate::secret::Key256;

/// HKDF `info` of the vault secret of a vault converted from version 1.
const FROM_V1_INFO: &[u8] = b"chartvault vault secret from v1";
/// What the HPKE `psk_id` starts with; the vault id follows.
const PSK_ID_LABEL: &[u8] = b"chartvault vault secret v2";

/// A vault's secret (zeroized on drop, never printed).
pub(crate) struct VaultSecret(Key256);

impl std::fmt::Debug for VaultSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultSecret(..)")
    }
}

impl VaultSecret {
    /// A fresh secret for a new vault.
    pub(crate) fn random() -> Result<VaultSecret> {
        Key256::random().map(VaultSecret)
    }

    /// The secret of a vault converted from version 1: HKDF-SHA-256(salt
    /// vault id, key the version-1 vault key, info "chartvault vault secret
    /// from v1"). Every legacy slot of the vault unwraps that one vault key,
    /// so every upgrade, and every slot added before the last legacy slot
    /// is gone, gets this same secret.
    pub(crate) fn from_v1_vault_key(v1_vault_key: &Key256, vault_id: &[u8; VAULT_ID_LEN]) -> VaultSecret {
        let mut k = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(vault_id), v1_vault_key.expose_secret())
            .expand(FROM_V1_INFO, k.as_mut())
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        VaultSecret(Key256::from_bytes(*k))
    }

    /// Takes ownership of secret bytes (the caller's copy should be zeroized).
    pub(super) fn from_bytes(bytes: [u8; 32]) -> VaultSecret {
        VaultSecret(Key256::from_bytes(bytes))
    }

    pub(crate) fn expose_secret(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// Whether `other` is the same secret, in constant time.
    pub(crate) fn ct_eq(&self, other: &VaultSecret) -> bool {
        self.expose_secret()[..].ct_eq(&other.expose_secret()[..]).into()
    }
}

/// HPKE `psk_id`: "chartvault vault secret v2" | vault id.
pub(super) fn psk_id(vault_id: &[u8; VAULT_ID_LEN]) -> Vec<u8> {
    let mut id = PSK_ID_LABEL.to_vec();
    id.extend_from_slice(vault_id);
    id
}
