//! Secret key material as types.
//!
//! Keys live in [`SecretBox`]es so that they are zeroed when dropped and
//! never printed by `Debug`; reading one takes a greppable
//! `expose_secret()`.

use secrecy::{ExposeSecret, SecretBox};

/// A 256-bit key: the vault key that slots wrap, or a data key that seals pages.
pub struct Key256(SecretBox<[u8; 32]>);

impl Key256 {
    /// A fresh key from the operating system's random number generator.
    pub fn random() -> crate::Result<Self> {
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        getrandom::fill(secrecy::ExposeSecretMut::expose_secret_mut(&mut key)).map_err(|_| crate::SealError::Random)?;
        Ok(Key256(key))
    }

    /// Takes ownership of key bytes (the caller's copy should be zeroized).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Key256(SecretBox::new(Box::new(bytes)))
    }

    pub(crate) fn expose_secret(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Key256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key256([REDACTED])")
    }
}
