//! The key-slot file, format version 2: vault keys that can be rotated
//! without anyone's password.
//!
//! Every vault has a *vault secret*: 32 random bytes, stored nowhere but
//! inside the slots. Each slot holds an X25519 key pair whose private key,
//! together with the vault secret, is wrapped under Argon2id(password or
//! recovery code). Each *generation* (a key epoch) wraps its data key under
//! its own vault key and seals that vault key with HPKE (RFC 9180; PSK
//! mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM) to every
//! slot's public key, the vault secret being the pre-shared key. An
//! administrator removing a user makes a new generation, with a fresh vault
//! key and data key, sealed to the remaining slots alone; the removed
//! user's old copy of the file opens only the old generation.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! magic "CVKEYS\0\n" | version u32 = 2 | vault id [16] | page size u32 (4096)
//! journal mode u8 (0 = not recorded: converted from version 1, 1 = WAL, 2 = rollback/DELETE)
//! seals reserved u64
//! current generation
//! pending flag u8 (0 or 1) [| pending generation]
//! slot count u16 (1..=1024) | slots...
//! HMAC-SHA-256 [32] of all before | SHA-256 [32] of all before
//!
//! generation: epoch u32 | wrapped data key [60] | seal count u16 (0..=1024) | seals...
//! seal:       name len u8 | name | HPKE encapsulated key [32] | ciphertext [32] | tag [16]
//! slot:       name len u8 | name | kind u8 (1 password, 2 recovery code)
//!             | m KiB u32 | t u32 | p u32 | salt [16] | form u8
//!   form 1 (key pair): public key [32] | wrapped private key and vault secret [92]:
//!                      nonce [12] | ciphertext of (private key [32] | vault secret [32]) [64] | tag [16]
//!   form 0 (legacy, from a version-1 file only): wrapped vault key [60]
//! wrapped [60]: AES-256-GCM nonce [12] | ciphertext [32] | tag [16]
//! ```
//!
//! Names are 1 to 64 bytes of UTF-8 without control characters, unique
//! among the slots and within each generation's seals; every seal names a
//! key-pair slot of the file.
//!
//! What each key is bound to:
//!
//! - data key: wrapped under the generation's vault key, AD "CVDK" | vault
//!   id | epoch (as in version 1, so version-1 entries carry over);
//! - vault key: HPKE PSK mode, `psk` the vault secret, `psk_id` "chartvault
//!   vault secret v2" | vault id, `info` "chartvault vault key v2" | vault
//!   id | epoch, `aad` kind | name len | name | public key of the slot;
//! - private key and vault secret: wrapped together under the slot's
//!   Argon2id key, AD "CVS2" | vault id | kind | name len | name | m KiB | t
//!   | p | salt | public key;
//! - legacy vault key: AD "CVSL" | vault id | kind | name len | name | m KiB
//!   | t | p | salt, exactly version 1's;
//! - the file: HMAC-SHA-256 under HKDF-SHA-256(salt vault id, key the
//!   *current* generation's vault key, info "chartvault key file mac v2"),
//!   checked once that key is known; the trailing SHA-256 tells damage from
//!   a wrong password (and from a newer version) before any key is tried.
//!
//! A version-1 file parses into the same [`KeyFile`] with legacy slots,
//! generations without seals and no journal mode, and its HMAC is checked
//! as version 1 computed it; writing it back always writes version 2. A
//! legacy slot keeps opening until its owner logs in and
//! [`KeyFile::upgrade_slot`] gives it a key pair; no new vault key can be
//! made while any legacy slot remains ([`SealError::LegacySlots`]). A
//! legacy slot holds no vault secret: the secret of a vault converted from
//! version 1 is HKDF-SHA-256(salt vault id, key the version-1 vault key,
//! info "chartvault vault secret from v1") ([`VaultSecret::from_v1_vault_key`]),
//! which [`Slot::unlock`] returns for a legacy slot. Every legacy slot
//! unwraps the same vault key, so every upgraded slot, and every slot added
//! meanwhile, holds the same secret, and it stays the vault's secret once
//! the last legacy slot is gone. While any legacy slot remains,
//! [`KeyFile::put_slot`] and [`KeyFile::upgrade_slot`] refuse any other
//! secret ([`SealError::VaultSecretMismatch`]); after that the secret is
//! held only inside the slots and is not checked (a seal under another
//! secret simply does not open).
//!
//! Who can make a vault the users' passwords open: the file MAC derives
//! from a vault key the writer picks, so it stops no one who writes a whole
//! file; the seals do. Without the vault secret, a vault key sealed to the
//! slots' public keys (in base mode, or in PSK mode under another secret)
//! does not open. So someone who can write the vault directory but holds no
//! password can no longer substitute a whole vault (database and key file)
//! that the users' own passwords open. Whoever holds a slot's password, or
//! for a vault converted from version 1 ever held its version-1 vault key,
//! knows the vault secret and still can.
//!
//! Rotation keeps the vault secret: a new generation is sealed under the
//! same one, as a new secret would need every slot remade with its owner's
//! password (nothing here does that). So a removed member still knows it:
//! their old copy of the file opens no later generation, but they could
//! build a look-alike vault (a database of their own and a key file with
//! the real slots but a vault key of their own, sealed under the secret to
//! those slots' public keys) that the remaining users' passwords open. That is noisy, since the
//! vault's real records are not in it, and no more than a holder of a
//! version-1 vault key could always do.

mod codec;
mod generation;
mod legacy;
mod slot;
#[cfg(test)]
mod tests;
mod vault_secret;

use std::path::Path;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub(crate) use generation::Generation;
// `UnlockedSlot` is named by the vault once it switches to this module.
#[allow(unused_imports)]
pub(crate) use slot::{Slot, UnlockedSlot};
pub(crate) use vault_secret::VaultSecret;

use crate::cipher::{PAGE_SIZE, VAULT_ID_LEN};
use crate::error::FileKind;
use crate::secret::Key256;
use crate::slots::SlotKind;
use crate::{JournalMode, Result, SealError};
pub(crate) use codec::Reader;

type HpkeKem = hpke::kem::X25519HkdfSha256;
type HpkeKdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;

/// The signature every version of the file starts with.
pub(crate) const MAGIC: &[u8; 8] = b"CVKEYS\0\n";
/// The version this module writes.
pub(crate) const VERSION: u32 = 2;
pub(crate) const MAX_FILE_LEN: usize = 1 << 20;
const MAX_SLOTS: usize = 1024;
/// Magic, version, HMAC and SHA-256: the least any version can be.
const MIN_FILE_LEN: usize = MAGIC.len() + 4 + 32 + 32;

fn kind_byte(kind: SlotKind) -> u8 {
    match kind {
        SlotKind::Password => 1,
        SlotKind::RecoveryCode => 2,
    }
}

fn kind_from_byte(b: u8) -> Option<SlotKind> {
    match b {
        1 => Some(SlotKind::Password),
        2 => Some(SlotKind::RecoveryCode),
        _ => None,
    }
}

fn journal_byte(mode: Option<JournalMode>) -> u8 {
    match mode {
        None => 0,
        Some(JournalMode::Wal) => 1,
        Some(JournalMode::Delete) => 2,
    }
}

/// The bytes a file was parsed from, to check its HMAC once a key is known.
#[derive(Clone)]
struct Source {
    version: u32,
    raw: Vec<u8>,
}

/// The parsed (or new) key-slot file.
#[derive(Clone)]
pub(crate) struct KeyFile {
    pub(crate) vault_id: [u8; VAULT_ID_LEN],
    /// `None` when read from a version-1 file, which did not record it.
    pub(crate) journal_mode: Option<JournalMode>,
    pub(crate) seals_reserved: u64,
    pub(crate) current: Generation,
    /// A generation being rolled in by an unfinished rekey or rotation.
    pub(crate) pending: Option<Generation>,
    pub(crate) slots: Vec<Slot>,
    source: Option<Source>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("vault_id", &hex(&self.vault_id))
            .field("journal_mode", &self.journal_mode)
            .field("seals_reserved", &self.seals_reserved)
            .field("current", &self.current)
            .field("pending", &self.pending)
            .field("slots", &self.slots)
            .field("read_version", &self.read_version())
            .finish()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac_key(vault_key: &Key256, vault_id: &[u8; VAULT_ID_LEN]) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(vault_id), vault_key.expose_secret())
        .expand(b"chartvault key file mac v2", k.as_mut())
        .expect("32 bytes is a valid HKDF-SHA-256 output length");
    k
}

fn hmac(key: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length")
}

/// Reads the slot count and slots with `one`: 1 to [`MAX_SLOTS`], names unique.
fn read_slots(r: &mut Reader<'_>, one: impl Fn(&mut Reader<'_>) -> Option<Slot>) -> Option<Vec<Slot>> {
    let n = r.u16()? as usize;
    if n == 0 || n > MAX_SLOTS {
        return None;
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(n);
    for _ in 0..n {
        let s = one(r)?;
        if slots.iter().any(|t| t.name == s.name) {
            return None;
        }
        slots.push(s);
    }
    Some(slots)
}

impl KeyFile {
    /// A new file with one generation and its slots.
    pub(crate) fn new(
        vault_id: [u8; VAULT_ID_LEN],
        journal_mode: JournalMode,
        current: Generation,
        slots: Vec<Slot>,
    ) -> KeyFile {
        Self::from_parts(vault_id, Some(journal_mode), current, slots)
    }

    fn from_parts(
        vault_id: [u8; VAULT_ID_LEN],
        journal_mode: Option<JournalMode>,
        current: Generation,
        slots: Vec<Slot>,
    ) -> KeyFile {
        KeyFile { vault_id, journal_mode, seals_reserved: 0, current, pending: None, slots, source: None }
    }

    /// The strongest Argon2id parameters among the slots: what a new slot
    /// gets, and what an unlock of a name without a slot spends.
    pub(crate) fn strongest_kdf(&self) -> crate::KdfParams {
        self.slots.iter().map(|s| s.kdf).max_by_key(|k| (k.m_kib, k.t)).unwrap_or(crate::KdfParams::MINIMUM)
    }

    /// The slot named `name`.
    pub(crate) fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// The version of the bytes this file was parsed from; `None` if it
    /// was made in memory.
    pub(crate) fn read_version(&self) -> Option<u32> {
        self.source.as_ref().map(|s| s.version)
    }

    /// Adds `slot`, or replaces the slot of its name, and seals the current
    /// (and pending) generation's vault key to it under `vault_secret`, the
    /// secret `slot` was made with: a new user, a changed password, a new
    /// recovery code. The keys must open their generations' data keys
    /// ([`SealError::VaultKeyMismatch`], also when a generation is pending
    /// and `pending_key` is `None`); `pending_key` is ignored when none is
    /// pending. The secret can be checked only while legacy slots remain
    /// (see [`KeyFile::check_vault_secret`]). Nothing changes on error.
    pub(crate) fn put_slot(
        &mut self,
        slot: Slot,
        current_key: &Key256,
        pending_key: Option<&Key256>,
        vault_secret: &VaultSecret,
    ) -> Result<()> {
        let mut current = self.current.clone();
        current.seal_for(&self.vault_id, &slot, current_key, vault_secret)?;
        let pending = match &self.pending {
            None => None,
            Some(p) => {
                let key = pending_key.ok_or(SealError::VaultKeyMismatch { epoch: p.epoch })?;
                let mut p = p.clone();
                p.seal_for(&self.vault_id, &slot, key, vault_secret)?;
                Some(p)
            }
        };
        self.check_vault_secret(current_key, vault_secret)?;
        self.current = current;
        self.pending = pending;
        match self.slots.iter_mut().find(|s| s.name == slot.name) {
            Some(old) => *old = slot,
            None => self.slots.push(slot),
        }
        Ok(())
    }

    /// Replaces the slot `name` (legacy or not) with a fresh key-pair slot
    /// of the same name, kind and Argon2id parameters, opened by `secret`
    /// and holding `vault_secret`, and seals the given vault keys to it
    /// (see [`KeyFile::put_slot`]). For the owner of a legacy slot who has
    /// just unlocked it with `secret`, passing the vault secret that unlock
    /// derived ([`UnlockedSlot::vault_secret`]); costs one Argon2id run.
    pub(crate) fn upgrade_slot(
        &mut self,
        name: &str,
        secret: &[u8],
        current_key: &Key256,
        pending_key: Option<&Key256>,
        vault_secret: &VaultSecret,
    ) -> Result<()> {
        let old = self.slot(name).ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?;
        // Check the keys and secret before the Argon2id run that makes the new slot.
        self.current.data_key(&self.vault_id, current_key)?;
        if let Some(p) = &self.pending {
            p.data_key(&self.vault_id, pending_key.ok_or(SealError::VaultKeyMismatch { epoch: p.epoch })?)?;
        }
        self.check_vault_secret(current_key, vault_secret)?;
        let slot = Slot::new(&self.vault_id, name, old.kind, old.kdf, secret, vault_secret)?;
        self.put_slot(slot, current_key, pending_key, vault_secret)
    }

    /// While any legacy slot remains, the vault is one converted from
    /// version 1 whose vault key has not changed (no generation can be made
    /// until then), so its secret must be the one derived from
    /// `current_key` ([`VaultSecret::from_v1_vault_key`]);
    /// [`SealError::VaultSecretMismatch`] otherwise. Once no legacy slot
    /// remains, the secret is held only in the slots' wraps and nothing is
    /// checked: a seal under another secret simply does not open.
    fn check_vault_secret(&self, current_key: &Key256, vault_secret: &VaultSecret) -> Result<()> {
        if self.slots.iter().any(Slot::is_legacy)
            && !VaultSecret::from_v1_vault_key(current_key, &self.vault_id).ct_eq(vault_secret)
        {
            return Err(SealError::VaultSecretMismatch);
        }
        Ok(())
    }

    /// Removes the slot `name` and its seals. The last slot cannot be
    /// removed ([`SealError::LastSlot`]). Its owner keeps whatever an old
    /// copy of the file opens: follow with a new generation.
    pub(crate) fn remove_slot(&mut self, name: &str) -> Result<Slot> {
        let i = self.slots.iter().position(|s| s.name == name).ok_or_else(|| SealError::NoSuchSlot(name.to_owned()))?;
        if self.slots.len() == 1 {
            return Err(SealError::LastSlot);
        }
        self.current.remove_seal(name);
        if let Some(p) = &mut self.pending {
            p.remove_seal(name);
        }
        Ok(self.slots.remove(i))
    }

    /// Serializes the file as version 2, MACed under `current_vault_key`
    /// (the current generation's). A seal naming no key-pair slot of the
    /// file is left out: it could serve only whoever kept that slot's
    /// private key.
    pub(crate) fn to_bytes(&self, current_vault_key: &Key256) -> Vec<u8> {
        debug_assert!(self.current.data_key(&self.vault_id, current_vault_key).is_ok(), "MAC under another key");
        let keep = |name: &str| self.slots.iter().any(|s| s.name == name && !s.is_legacy());
        let mut b = Vec::with_capacity(256 + self.slots.len() * 500);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_be_bytes());
        b.extend_from_slice(&self.vault_id);
        b.extend_from_slice(&(PAGE_SIZE as u32).to_be_bytes());
        b.push(journal_byte(self.journal_mode));
        b.extend_from_slice(&self.seals_reserved.to_be_bytes());
        self.current.put(&mut b, keep);
        match &self.pending {
            None => b.push(0),
            Some(p) => {
                b.push(1);
                p.put(&mut b, keep);
            }
        }
        b.extend_from_slice(&(self.slots.len() as u16).to_be_bytes());
        for s in &self.slots {
            s.put(&mut b);
        }
        let mut mac = hmac(&mac_key(current_vault_key, &self.vault_id));
        mac.update(&b);
        b.extend_from_slice(&mac.finalize().into_bytes());
        let digest = Sha256::digest(&b);
        b.extend_from_slice(&digest);
        b
    }

    /// Parses a version-1 or version-2 file, checking its size, signature,
    /// checksum and structure; its HMAC is checked by
    /// [`KeyFile::verify_mac`] once a vault key is known.
    pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<KeyFile> {
        let corrupt = |reason| SealError::SlotFileCorrupt { path: path.to_owned(), reason };
        if bytes.len() > MAX_FILE_LEN {
            return Err(corrupt("file is larger than any key-slot file"));
        }
        if !bytes.starts_with(MAGIC) {
            return Err(SealError::NotAVault {
                path: path.to_owned(),
                reason: "the key-slot file has no Chartvault signature",
            });
        }
        if bytes.len() < MIN_FILE_LEN {
            return Err(corrupt("truncated"));
        }
        // Every version ends in a SHA-256 of what precedes it, so damage is
        // told apart from a newer format before the version is believed.
        let body_end = bytes.len() - 32;
        if Sha256::digest(&bytes[..body_end]).as_slice() != &bytes[body_end..] {
            return Err(corrupt("checksum mismatch (damaged or truncated)"));
        }
        let version = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let mut r = Reader::new(&bytes[MAGIC.len() + 4..body_end - 32]);
        let parsed = match version {
            1 => legacy::parse_body(&mut r),
            VERSION => parse_body(&mut r),
            0 => return Err(corrupt("version 0")),
            found => return Err(SealError::UnsupportedVersion { kind: FileKind::SlotFile, found, supported: VERSION }),
        };
        let file = parsed.filter(|_| r.is_empty()).ok_or_else(|| corrupt("malformed contents"))?;
        Ok(KeyFile { source: Some(Source { version, raw: bytes.to_vec() }), ..file })
    }

    /// Checks the HMAC of the parsed bytes under `vault_key`, the current
    /// generation's (for a version-1 file, its one vault key).
    pub(crate) fn verify_mac(&self, vault_key: &Key256, path: &Path) -> Result<()> {
        let corrupt = |reason| SealError::SlotFileCorrupt { path: path.to_owned(), reason };
        let source = self.source.as_ref().ok_or_else(|| corrupt("the file was not read from bytes"))?;
        let key = match source.version {
            1 => legacy::mac_key(vault_key, &self.vault_id),
            _ => mac_key(vault_key, &self.vault_id),
        };
        let (body, tail) = source.raw.split_at(source.raw.len() - 64);
        let mut mac = hmac(&key);
        mac.update(body);
        mac.verify_slice(&tail[..32]).map_err(|_| corrupt("authentication code mismatch (the file was altered)"))
    }
}

/// Parses a version-2 body, from the vault id to the HMAC.
fn parse_body(r: &mut Reader<'_>) -> Option<KeyFile> {
    let vault_id = r.array::<VAULT_ID_LEN>()?;
    if r.u32()? as usize != PAGE_SIZE {
        return None;
    }
    let journal_mode = match r.u8()? {
        0 => None,
        1 => Some(JournalMode::Wal),
        2 => Some(JournalMode::Delete),
        _ => return None,
    };
    let seals_reserved = r.u64()?;
    let current = Generation::read(r)?;
    let pending = match r.u8()? {
        0 => None,
        1 => Some(Generation::read(r)?),
        _ => return None,
    };
    let slots = read_slots(r, Slot::read)?;
    let is_key_pair_slot = |name: &str| slots.iter().any(|s| s.name == name && !s.is_legacy());
    if !current.sealed_to().chain(pending.iter().flat_map(|p| p.sealed_to())).all(is_key_pair_slot) {
        return None;
    }
    Some(KeyFile { seals_reserved, pending, ..KeyFile::from_parts(vault_id, journal_mode, current, slots) })
}

/// What a key-slot file says about itself, readable without any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileInfo {
    /// The format version read (1 or 2).
    pub version: u32,
    /// The vault id, in hex.
    pub vault_id: String,
    /// The journal mode, if the file records it.
    pub journal_mode: Option<JournalMode>,
    /// The epoch of the current generation.
    pub epoch: u32,
    /// The epoch of a generation being rolled in, if any.
    pub pending_epoch: Option<u32>,
    /// Page seals recorded as used under the current data key (an upper bound).
    pub seals_reserved: u64,
    /// The slots.
    pub slots: Vec<crate::SlotInfo>,
    /// The slots still in the version-1 form.
    pub legacy_slots: Vec<String>,
}

/// Parses a key-slot file's bytes, version 1 or 2 (checking its structure
/// and checksum, not its authentication code, which needs a key). Never
/// panics, whatever the input; this is the fuzzed entry point.
pub fn inspect_key_file(bytes: &[u8]) -> Result<KeyFileInfo> {
    let f = KeyFile::parse(bytes, Path::new("<key file>"))?;
    Ok(KeyFileInfo {
        version: f.read_version().unwrap_or(VERSION),
        vault_id: hex(&f.vault_id),
        journal_mode: f.journal_mode,
        epoch: f.current.epoch,
        pending_epoch: f.pending.as_ref().map(|p| p.epoch),
        seals_reserved: f.seals_reserved,
        slots: f.slots.iter().map(|s| crate::SlotInfo { name: s.name.clone(), kind: s.kind, kdf: s.kdf }).collect(),
        legacy_slots: f.slots.iter().filter(|s| s.is_legacy()).map(|s| s.name.clone()).collect(),
    })
}
