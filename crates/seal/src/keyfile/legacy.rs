//! Reading a version-1 key-slot file (see `crate::slots`) into a version-2
//! [`KeyFile`] in memory: its slots become legacy slots (the vault key
//! wrapped directly, under the same associated data), its data keys become
//! generations without seals, and its journal mode is unknown.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::codec::{Reader, Wrapped};
use super::generation::Generation;
use super::slot::Slot;
use super::{KeyFile, kind_from_byte, read_slots};
use crate::cipher::{PAGE_SIZE, VAULT_ID_LEN};
use crate::kdf::KdfParams;
use crate::secret::Key256;

/// Parses what follows the version field of a version-1 file, up to its
/// HMAC:
///
/// ```text
/// vault id [16] | page size u32 | current epoch u32 | seals reserved u64 | wrapped data key [60]
/// pending flag u8 [| pending epoch u32 | wrapped data key [60]]
/// slot count u16 | slots: name len u8 | name | kind u8 | m KiB u32 | t u32 | p u32 | salt [16] | wrapped vault key [60]
/// ```
pub(super) fn parse_body(r: &mut Reader<'_>) -> Option<KeyFile> {
    let vault_id = r.array::<VAULT_ID_LEN>()?;
    if r.u32()? as usize != PAGE_SIZE {
        return None;
    }
    let epoch = r.u32()?;
    let seals_reserved = r.u64()?;
    let current = Generation::legacy(epoch, Wrapped::read(r)?);
    let pending = match r.u8()? {
        0 => None,
        1 => Some(Generation::legacy(r.u32()?, Wrapped::read(r)?)),
        _ => return None,
    };
    let slots = read_slots(r, |r| {
        let name = r.name()?;
        let kind = kind_from_byte(r.u8()?)?;
        let kdf = KdfParams { m_kib: r.u32()?, t: r.u32()?, p: r.u32()? };
        kdf.validate().ok()?;
        Some(Slot::legacy(name, kind, kdf, r.array()?, Wrapped::read(r)?))
    })?;
    Some(KeyFile { seals_reserved, pending, ..KeyFile::from_parts(vault_id, None, current, slots) })
}

/// The key of a version-1 file's HMAC.
pub(super) fn mac_key(vault_key: &Key256, vault_id: &[u8; VAULT_ID_LEN]) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(vault_id), vault_key.expose_secret())
        .expand(b"chartvault slot file mac v1", k.as_mut())
        .expect("32 bytes is a valid HKDF-SHA-256 output length");
    k
}
