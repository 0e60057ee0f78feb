//! The key-slot file as format version 1 wrote it: the vault key wrapped
//! once per password or recovery code, and the data key(s) wrapped under
//! the vault key. Vaults now read and write version 2 (`crate::keyfile`,
//! which reads version 1 too); this writer stays for the tests and the
//! testkit, which make version-1 vaults to test their migration. Slot kinds
//! and names are shared by both versions.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! magic "CVKEYS\0\n" | version u32 | vault id [16] | page size u32
//! current epoch u32 | seals reserved u64 | current data key (wrapped, 60)
//! pending flag u8 [| pending epoch u32 | pending data key (wrapped, 60)]
//! slot count u16 | slots...
//! HMAC-SHA-256 under the vault key [32] | SHA-256 of all before [32]
//! slot: name len u8 | name | kind u8 | m KiB u32 | t u32 | p u32 | salt [16] | wrapped vault key (60)
//! wrapped: nonce [12] | ciphertext [32] | tag [16]
//! ```
//!
//! The trailing SHA-256 tells accidental damage apart from a wrong password
//! before any key is known; the HMAC, checked once the vault key is
//! unwrapped, catches deliberate edits that recomputed the SHA-256.

use std::path::Path;

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cipher::{PAGE_SIZE, VAULT_ID_LEN};
use crate::error::FileKind;
use crate::kdf::{KdfParams, derive_kek};
use crate::secret::Key256;
use crate::{Result, SealError};

pub(crate) const MAGIC: &[u8; 8] = b"CVKEYS\0\n";
pub(crate) const VERSION: u32 = 1;
const WRAPPED_LEN: usize = 12 + 32 + 16;
pub(crate) const MAX_FILE_LEN: usize = 1 << 20;
const MAX_SLOTS: usize = 1024;
const MAX_NAME: usize = 64;

/// What kind of secret opens a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// A user's password.
    Password,
    /// The vault's recovery code.
    RecoveryCode,
}

impl SlotKind {
    fn byte(self) -> u8 {
        match self {
            SlotKind::Password => 1,
            SlotKind::RecoveryCode => 2,
        }
    }
}

/// A 32-byte key sealed under another key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Wrapped {
    nonce: [u8; 12],
    ct: [u8; 32],
    tag: [u8; 16],
}

impl std::fmt::Debug for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wrapped(..)")
    }
}

impl Wrapped {
    fn seal(kek: &Key256, ad: &[u8], key: &Key256) -> Result<Wrapped> {
        let aead = Aes256Gcm::new(kek.expose_secret().into());
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let mut ct = [0u8; 32];
        let buf = InOutBuf::new(key.expose_secret(), &mut ct).expect("equal lengths");
        let tag = aead.encrypt_inout_detached(&Nonce::from(nonce), ad, buf).expect("short input");
        Ok(Wrapped { nonce, ct, tag: tag.into() })
    }

    fn open(&self, kek: &Key256, ad: &[u8]) -> Option<Key256> {
        let aead = Aes256Gcm::new(kek.expose_secret().into());
        let mut out = Zeroizing::new(self.ct);
        aead.decrypt_inout_detached(&Nonce::from(self.nonce), ad, out.as_mut_slice().into(), &Tag::from(self.tag))
            .ok()?;
        Some(Key256::from_bytes(*out))
    }
}

/// One key slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) name: String,
    pub(crate) kind: SlotKind,
    pub(crate) kdf: KdfParams,
    salt: [u8; 16],
    wrapped: Wrapped,
}

/// A data key wrapped under the vault key, for one key epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataKeyEntry {
    pub(crate) epoch: u32,
    wrapped: Wrapped,
}

/// The parsed key-slot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlotFile {
    pub(crate) vault_id: [u8; VAULT_ID_LEN],
    pub(crate) current: DataKeyEntry,
    pub(crate) seals_reserved: u64,
    /// A data key being rolled in by an unfinished rekey.
    pub(crate) pending: Option<DataKeyEntry>,
    pub(crate) slots: Vec<Slot>,
    /// Bytes covered by the HMAC, kept to check it after unlocking.
    mac_input_len: usize,
    mac: [u8; 32],
    raw: Vec<u8>,
}

fn slot_ad(vault_id: &[u8; 16], name: &str, kind: SlotKind, kdf: &KdfParams, salt: &[u8; 16]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(4 + 16 + 1 + 1 + name.len() + 12 + 16);
    ad.extend_from_slice(b"CVSL");
    ad.extend_from_slice(vault_id);
    ad.push(kind.byte());
    ad.push(name.len() as u8);
    ad.extend_from_slice(name.as_bytes());
    for v in [kdf.m_kib, kdf.t, kdf.p] {
        ad.extend_from_slice(&v.to_be_bytes());
    }
    ad.extend_from_slice(salt);
    ad
}

fn dk_ad(vault_id: &[u8; 16], epoch: u32) -> [u8; 24] {
    let mut ad = [0u8; 24];
    ad[..4].copy_from_slice(b"CVDK");
    ad[4..20].copy_from_slice(vault_id);
    ad[20..].copy_from_slice(&epoch.to_be_bytes());
    ad
}

fn mac_key(vault_key: &Key256, vault_id: &[u8; 16]) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(vault_id), vault_key.expose_secret())
        .expand(b"chartvault slot file mac v1", k.as_mut())
        .expect("32-byte HKDF output");
    k
}

/// Checks a slot name: 1 to 64 bytes, no control characters.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(SealError::InvalidSlotName(name.to_owned()));
    }
    Ok(())
}

impl Slot {
    pub(crate) fn new(
        vault_id: &[u8; 16],
        name: &str,
        kind: SlotKind,
        kdf: KdfParams,
        secret: &[u8],
        vault_key: &Key256,
    ) -> Result<Slot> {
        check_name(name)?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| SealError::Random)?;
        let kek = derive_kek(secret, &salt, &kdf)?;
        let wrapped = Wrapped::seal(&kek, &slot_ad(vault_id, name, kind, &kdf, &salt), vault_key)?;
        Ok(Slot { name: name.to_owned(), kind, kdf, salt, wrapped })
    }

    /// Unwraps the vault key with this slot's secret.
    pub(crate) fn unlock(&self, vault_id: &[u8; 16], secret: &[u8]) -> Result<Key256> {
        let kek = derive_kek(secret, &self.salt, &self.kdf)?;
        self.wrapped
            .open(&kek, &slot_ad(vault_id, &self.name, self.kind, &self.kdf, &self.salt))
            .ok_or(SealError::WrongPassword)
    }
}

impl DataKeyEntry {
    pub(crate) fn new(vault_key: &Key256, vault_id: &[u8; 16], epoch: u32, data_key: &Key256) -> Result<Self> {
        Ok(DataKeyEntry { epoch, wrapped: Wrapped::seal(vault_key, &dk_ad(vault_id, epoch), data_key)? })
    }

    pub(crate) fn unwrap(&self, vault_key: &Key256, vault_id: &[u8; 16], path: &Path) -> Result<Key256> {
        self.wrapped.open(vault_key, &dk_ad(vault_id, self.epoch)).ok_or_else(|| SealError::SlotFileCorrupt {
            path: path.to_owned(),
            reason: "a data key does not unwrap under the vault key",
        })
    }
}

impl SlotFile {
    pub(crate) fn new(vault_id: [u8; 16], current: DataKeyEntry, slots: Vec<Slot>) -> Self {
        SlotFile {
            vault_id,
            current,
            seals_reserved: 0,
            pending: None,
            slots,
            mac_input_len: 0,
            mac: [0; 32],
            raw: Vec::new(),
        }
    }

    pub(crate) fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Serializes the file, MACed under the vault key.
    pub(crate) fn to_bytes(&self, vault_key: &Key256) -> Vec<u8> {
        let mut b = Vec::with_capacity(256 + self.slots.len() * 160);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_be_bytes());
        b.extend_from_slice(&self.vault_id);
        b.extend_from_slice(&(PAGE_SIZE as u32).to_be_bytes());
        b.extend_from_slice(&self.current.epoch.to_be_bytes());
        b.extend_from_slice(&self.seals_reserved.to_be_bytes());
        put_wrapped(&mut b, &self.current.wrapped);
        match &self.pending {
            None => b.push(0),
            Some(p) => {
                b.push(1);
                b.extend_from_slice(&p.epoch.to_be_bytes());
                put_wrapped(&mut b, &p.wrapped);
            }
        }
        b.extend_from_slice(&(self.slots.len() as u16).to_be_bytes());
        for s in &self.slots {
            b.push(s.name.len() as u8);
            b.extend_from_slice(s.name.as_bytes());
            b.push(s.kind.byte());
            for v in [s.kdf.m_kib, s.kdf.t, s.kdf.p] {
                b.extend_from_slice(&v.to_be_bytes());
            }
            b.extend_from_slice(&s.salt);
            put_wrapped(&mut b, &s.wrapped);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key(vault_key, &self.vault_id).as_ref())
            .expect("any key length");
        mac.update(&b);
        b.extend_from_slice(&mac.finalize().into_bytes());
        let digest = Sha256::digest(&b);
        b.extend_from_slice(&digest);
        b
    }

    /// Parses and checks a slot file's structure and checksum. Its HMAC is
    /// checked later by [`SlotFile::verify_mac`], once a vault key is known.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<SlotFile> {
        let corrupt = |reason| SealError::SlotFileCorrupt { path: path.to_owned(), reason };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(SealError::NotAVault {
                path: path.to_owned(),
                reason: "the key-slot file has no Chartvault signature",
            });
        }
        if bytes.len() > MAX_FILE_LEN {
            return Err(corrupt("file is larger than any slot file"));
        }
        // Every version ends in a SHA-256 of what precedes it, so damage is
        // told apart from a newer format before the version is believed.
        if bytes.len() < MAGIC.len() + 4 + 64 {
            return Err(corrupt("truncated"));
        }
        let body_len = bytes.len() - 32;
        if Sha256::digest(&bytes[..body_len]).as_slice() != &bytes[body_len..] {
            return Err(corrupt("checksum mismatch (damaged or truncated)"));
        }
        let mut r = Reader { b: bytes, at: MAGIC.len() };
        let version = r.u32().ok_or_else(|| corrupt("truncated header"))?;
        if version != VERSION {
            return Err(SealError::UnsupportedVersion { kind: FileKind::SlotFile, found: version, supported: VERSION });
        }
        let parsed = Self::parse_body(&mut r, body_len - 32).ok_or_else(|| corrupt("malformed contents"))?;
        let mut mac = [0u8; 32];
        mac.copy_from_slice(&bytes[body_len - 32..body_len]);
        Ok(SlotFile { mac_input_len: body_len - 32, mac, raw: bytes.to_vec(), ..parsed })
    }

    fn parse_body(r: &mut Reader<'_>, end: usize) -> Option<SlotFile> {
        r.b = &r.b[..end];
        let vault_id = r.array::<16>()?;
        if r.u32()? as usize != PAGE_SIZE {
            return None;
        }
        let epoch = r.u32()?;
        let seals_reserved = r.u64()?;
        let current = DataKeyEntry { epoch, wrapped: r.wrapped()? };
        let pending = match r.u8()? {
            0 => None,
            1 => Some(DataKeyEntry { epoch: r.u32()?, wrapped: r.wrapped()? }),
            _ => return None,
        };
        let n = r.u16()? as usize;
        if n > MAX_SLOTS {
            return None;
        }
        let mut slots = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u8()? as usize;
            let name = std::str::from_utf8(r.take(len)?).ok()?.to_owned();
            check_name(&name).ok()?;
            let kind = match r.u8()? {
                1 => SlotKind::Password,
                2 => SlotKind::RecoveryCode,
                _ => return None,
            };
            let kdf = KdfParams { m_kib: r.u32()?, t: r.u32()?, p: r.u32()? };
            kdf.validate().ok()?;
            let salt = r.array::<16>()?;
            let wrapped = r.wrapped()?;
            if slots.iter().any(|s: &Slot| s.name == name) {
                return None;
            }
            slots.push(Slot { name, kind, kdf, salt, wrapped });
        }
        if r.at != end || slots.is_empty() {
            return None;
        }
        Some(SlotFile { seals_reserved, pending, ..SlotFile::new(vault_id, current, slots) })
    }

    /// Checks the HMAC of the parsed bytes under the vault key.
    pub(crate) fn verify_mac(&self, vault_key: &Key256, path: &Path) -> Result<()> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key(vault_key, &self.vault_id).as_ref())
            .expect("any key length");
        mac.update(&self.raw[..self.mac_input_len]);
        mac.verify_slice(&self.mac).map_err(|_| SealError::SlotFileCorrupt {
            path: path.to_owned(),
            reason: "authentication code mismatch (the file was altered)",
        })
    }
}

fn put_wrapped(b: &mut Vec<u8>, w: &Wrapped) {
    b.extend_from_slice(&w.nonce);
    b.extend_from_slice(&w.ct);
    b.extend_from_slice(&w.tag);
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.array()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.array()?))
    }
    fn wrapped(&mut self) -> Option<Wrapped> {
        let _ = WRAPPED_LEN;
        Some(Wrapped { nonce: self.array()?, ct: self.array()?, tag: self.array()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<u8>, Key256) {
        let vk = Key256::from_bytes([5u8; 32]);
        let id = [7u8; 16];
        let dk = Key256::from_bytes([6u8; 32]);
        let slot = Slot::new(&id, "alice", SlotKind::Password, KdfParams::INSECURE_FAST, b"pw", &vk).unwrap();
        let file = SlotFile::new(id, DataKeyEntry::new(&vk, &id, 1, &dk).unwrap(), vec![slot]);
        (file.to_bytes(&vk), vk)
    }

    #[test]
    fn round_trip_and_unlock() {
        let (bytes, vk) = sample();
        let f = SlotFile::parse(&bytes, Path::new("k")).unwrap();
        f.verify_mac(&vk, Path::new("k")).unwrap();
        let got = f.slot("alice").unwrap().unlock(&f.vault_id, b"pw").unwrap();
        assert_eq!(got.expose_secret(), vk.expose_secret());
        assert!(matches!(f.slot("alice").unwrap().unlock(&f.vault_id, b"nope"), Err(SealError::WrongPassword)));
        assert_eq!(f.to_bytes(&vk).len(), bytes.len());
    }

    #[test]
    fn every_flipped_byte_is_caught_before_any_key_is_tried() {
        let (bytes, _) = sample();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            match SlotFile::parse(&b, Path::new("k")) {
                Err(SealError::SlotFileCorrupt { .. }) if i >= MAGIC.len() => {}
                Err(SealError::NotAVault { .. }) if i < MAGIC.len() => {}
                other => panic!("byte {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn truncation_and_version_and_signature_have_their_own_errors() {
        let (bytes, _) = sample();
        for n in [0, 4, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(SlotFile::parse(&bytes[..n], Path::new("k")).is_err(), "length {n}");
        }
        let mut v2 = bytes.clone();
        v2[8..12].copy_from_slice(&2u32.to_be_bytes());
        let n = v2.len();
        let digest = Sha256::digest(&v2[..n - 32]);
        v2[n - 32..].copy_from_slice(&digest);
        assert!(matches!(
            SlotFile::parse(&v2, Path::new("k")),
            Err(SealError::UnsupportedVersion { found: 2, supported: 1, .. })
        ));
        assert!(matches!(SlotFile::parse(b"SQLite format 3\0", Path::new("k")), Err(SealError::NotAVault { .. })));
    }

    #[test]
    fn a_recomputed_checksum_does_not_hide_an_edit_from_the_mac() {
        let (mut bytes, vk) = sample();
        bytes[40] ^= 1; // inside the seal counter
        let n = bytes.len();
        let digest = Sha256::digest(&bytes[..n - 32]);
        bytes[n - 32..].copy_from_slice(&digest);
        let f = SlotFile::parse(&bytes, Path::new("k")).unwrap();
        assert!(matches!(f.verify_mac(&vk, Path::new("k")), Err(SealError::SlotFileCorrupt { .. })));
    }
}
