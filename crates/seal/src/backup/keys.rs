//! The keys of one backup file. Each backup has its own random key `K_b`;
//! the pages, the metadata and the trailer are keyed from it, so nothing
//! from another backup (even of the same vault and key generation)
//! authenticates here. `K_b` itself is wrapped under the vault key of that
//! time and, optionally, under a key derived from a backup passphrase.

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::format::{PassphraseSlot, WRAP_LEN};
use crate::cipher::{PageKeys, SealCounter};
use crate::secret::Key256;
use crate::{KdfParams, Result, SealError};

/// The backup key and what is derived from it.
pub(crate) struct BackupKey {
    key: Key256,
    backup_id: [u8; 16],
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey([REDACTED])")
    }
}

fn derive(salt: &[u8], ikm: &[u8; 32], info: &[u8]) -> Key256 {
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, okm.as_mut()).expect("32 bytes is a valid HKDF output");
    Key256::from_bytes(*okm)
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| SealError::Random)?;
    Ok(b)
}

/// AES-256-GCM of a 32-byte key: nonce | ciphertext | tag.
fn wrap_key(kek: &Key256, ad: &[u8], key: &Key256) -> Result<[u8; WRAP_LEN]> {
    let aead = Aes256Gcm::new(kek.expose_secret().into());
    let nonce: [u8; 12] = random()?;
    let mut out = [0u8; WRAP_LEN];
    let (n, rest) = out.split_at_mut(12);
    n.copy_from_slice(&nonce);
    let (ct, tag) = rest.split_at_mut(32);
    let buf = InOutBuf::new(key.expose_secret(), ct).expect("same length");
    let t = aead.encrypt_inout_detached(&Nonce::from(nonce), ad, buf).expect("32 bytes is far below the limit");
    tag.copy_from_slice(&t);
    Ok(out)
}

fn unwrap_key(kek: &Key256, ad: &[u8], wrap: &[u8; WRAP_LEN]) -> Option<Key256> {
    let aead = Aes256Gcm::new(kek.expose_secret().into());
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&wrap[12..44]);
    let nonce = Nonce::try_from(&wrap[..12]).ok()?;
    let tag = Tag::try_from(&wrap[44..]).ok()?;
    aead.decrypt_inout_detached(&nonce, ad, key.as_mut_slice().into(), &tag).ok()?;
    Some(Key256::from_bytes(*key))
}

fn vault_wrap_ad(backup_id: &[u8; 16], vault_id: &[u8; 16], epoch: u32) -> Vec<u8> {
    [&b"CVBW"[..], backup_id, vault_id, &epoch.to_be_bytes()].concat()
}

fn passphrase_ad(backup_id: &[u8; 16], vault_id: &[u8; 16], kdf: &KdfParams, salt: &[u8; 16]) -> Vec<u8> {
    [&b"CVBP"[..], backup_id, vault_id, &kdf.m_kib.to_be_bytes(), &kdf.t.to_be_bytes(), &kdf.p.to_be_bytes(), salt]
        .concat()
}

impl BackupKey {
    pub(crate) fn random(backup_id: [u8; 16]) -> Result<BackupKey> {
        Ok(BackupKey { key: Key256::random()?, backup_id })
    }

    fn sub(&self, info: &[u8]) -> Key256 {
        derive(&self.backup_id, self.key.expose_secret(), info)
    }

    /// The page keys of the body: the backup id stands where a vault's id
    /// stands, so page 1 carries it in clear. Seals are not counted against
    /// any vault's budget: the key seals one file's pages once.
    pub(crate) fn page_keys(&self) -> PageKeys {
        let body = self.sub(b"chartvault backup body v1");
        PageKeys::new(&body, self.backup_id, SealCounter::new(0, Box::new(|_| Ok(()))))
    }

    pub(crate) fn seal_meta(&self, ad: &[u8], meta: &[u8]) -> Result<Vec<u8>> {
        let aead = Aes256Gcm::new(self.sub(b"chartvault backup meta v1").expose_secret().into());
        let nonce: [u8; 12] = random()?;
        let mut out = vec![0u8; 12 + meta.len() + 16];
        out[..12].copy_from_slice(&nonce);
        let buf = InOutBuf::new(meta, &mut out[12..12 + meta.len()]).expect("same length");
        let tag = aead.encrypt_inout_detached(&Nonce::from(nonce), ad, buf).expect("metadata is small");
        let n = out.len();
        out[n - 16..].copy_from_slice(&tag);
        Ok(out)
    }

    pub(crate) fn open_meta(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let aead = Aes256Gcm::new(self.sub(b"chartvault backup meta v1").expose_secret().into());
        if sealed.len() < 28 {
            return None;
        }
        let (nonce, rest) = sealed.split_at(12);
        let (ct, tag) = rest.split_at(rest.len() - 16);
        let mut buf = Zeroizing::new(ct.to_vec());
        aead.decrypt_inout_detached(
            &Nonce::try_from(nonce).ok()?,
            ad,
            buf.as_mut_slice().into(),
            &Tag::try_from(tag).ok()?,
        )
        .ok()?;
        Some(buf)
    }

    /// The trailer's MAC over both checksums and the trailer's first 48 bytes.
    pub(crate) fn trailer_mac(&self, header_sum: &[u8; 32], key_block_sum: &[u8; 32], unmaced: &[u8; 48]) -> [u8; 16] {
        let k = self.sub(b"chartvault backup trailer v1");
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(k.expose_secret()).expect("any key length");
        mac.update(header_sum);
        mac.update(key_block_sum);
        mac.update(unmaced);
        mac.finalize().into_bytes()[..16].try_into().expect("16 bytes")
    }

    pub(crate) fn trailer_mac_ok(
        &self,
        header_sum: &[u8; 32],
        key_block_sum: &[u8; 32],
        unmaced: &[u8; 48],
        stored: &[u8; 16],
    ) -> bool {
        let expect = self.trailer_mac(header_sum, key_block_sum, unmaced);
        subtle::ConstantTimeEq::ct_eq(&expect[..], &stored[..]).into()
    }

    /// `K_b` under the vault key of that time.
    pub(crate) fn wrap_under_vault_key(
        &self,
        vault_key: &Key256,
        vault_id: &[u8; 16],
        epoch: u32,
    ) -> Result<[u8; WRAP_LEN]> {
        let kek = derive(&self.backup_id, vault_key.expose_secret(), b"chartvault backup key wrap v1");
        wrap_key(&kek, &vault_wrap_ad(&self.backup_id, vault_id, epoch), &self.key)
    }

    pub(crate) fn unwrap_with_vault_key(
        vault_key: &Key256,
        backup_id: [u8; 16],
        vault_id: &[u8; 16],
        epoch: u32,
        wrap: &[u8; WRAP_LEN],
    ) -> Option<BackupKey> {
        let kek = derive(&backup_id, vault_key.expose_secret(), b"chartvault backup key wrap v1");
        let key = unwrap_key(&kek, &vault_wrap_ad(&backup_id, vault_id, epoch), wrap)?;
        Some(BackupKey { key, backup_id })
    }

    /// A passphrase slot: Argon2id at `kdf` over a fresh salt.
    pub(crate) fn passphrase_slot(
        &self,
        passphrase: &[u8],
        vault_id: &[u8; 16],
        kdf: KdfParams,
    ) -> Result<PassphraseSlot> {
        let salt: [u8; 16] = random()?;
        let kek = crate::kdf::derive_kek(passphrase, &salt, &kdf)?;
        let wrap = wrap_key(&kek, &passphrase_ad(&self.backup_id, vault_id, &kdf, &salt), &self.key)?;
        Ok(PassphraseSlot { kdf, salt, wrap })
    }

    pub(crate) fn unwrap_with_passphrase(
        passphrase: &[u8],
        backup_id: [u8; 16],
        vault_id: &[u8; 16],
        slot: &PassphraseSlot,
    ) -> Result<Option<BackupKey>> {
        let kek = crate::kdf::derive_kek(passphrase, &slot.salt, &slot.kdf)?;
        let ad = passphrase_ad(&backup_id, vault_id, &slot.kdf, &slot.salt);
        Ok(unwrap_key(&kek, &ad, &slot.wrap).map(|key| BackupKey { key, backup_id }))
    }
}
