//! The chain key: 32 random bytes in `vault_secrets` ('audit_chain_key').
//!
//! It lives inside the sealed database, so rekey and vault-key rotation
//! (which reseal pages, not change their contents) keep it, and the chain
//! stays verifiable across them. Whoever can open the vault can read it: the
//! chain shows tampering by someone who edits the log without the key (or
//! with it, outside `append`), and a head recorded elsewhere shows a cut
//! tail or an older copy put back.

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction};
use zeroize::Zeroizing;

use crate::{CoreError, Result};

/// The name of the key's row in `vault_secrets`.
pub const AUDIT_KEY_NAME: &str = "audit_chain_key";

/// The audit chain's HMAC key. Zeroed when dropped; its `Debug` shows
/// nothing of it.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// A key for another purpose, derived from this one (HKDF-SHA-256):
    /// records outside the vault that only its holder can write.
    pub(crate) fn derive(&self, salt: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), self.0.as_ref())
            .expand(info, out.as_mut())
            .expect("32 bytes is a valid HKDF output");
        out
    }

    /// The vault's key, created (from the system's random source) the first
    /// time.
    pub fn load_or_create(tx: &Transaction<'_>) -> Result<AuditKey> {
        if let Some(key) = AuditKey::load(tx)? {
            return Ok(key);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| CoreError::Random)?;
        tx.execute("INSERT INTO vault_secrets(name, value) VALUES (?1, ?2)", (AUDIT_KEY_NAME, &bytes[..]))?;
        Ok(AuditKey(bytes))
    }

    /// The vault's key, if it has one yet.
    pub fn load(conn: &Connection) -> Result<Option<AuditKey>> {
        let stored: Option<Zeroizing<Vec<u8>>> = conn
            .query_row("SELECT value FROM vault_secrets WHERE name = ?1", [AUDIT_KEY_NAME], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .map(Zeroizing::new);
        let Some(stored) = stored else { return Ok(None) };
        let mut bytes = Zeroizing::new([0u8; 32]);
        if stored.len() != bytes.len() {
            return Err(CoreError::AuditKeyCorrupt { len: stored.len() });
        }
        bytes.copy_from_slice(&stored);
        Ok(Some(AuditKey(bytes)))
    }

    /// A key of the given bytes (tests: a wrong key for forgeries).
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(Zeroizing::new(bytes))
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}
