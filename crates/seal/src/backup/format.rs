//! The `.cvbackup` file layout, format 1 (docs/design/BACKUP.md, section 1):
//! encoding and bounds-checked decoding of everything but the pages. Pure:
//! no keys are used here beyond the closures the caller passes.
//!
//! ```text
//! preamble 32 | header H | key block K | zero padding to B | N pages of 4096 | trailer 64
//! ```
//!
//! The header and the key block each end in an unkeyed SHA-256, so damage
//! is told apart from a wrong password before any key is tried; the
//! trailer's MAC, keyed from the backup key, binds both checksums and every
//! page tag, so nothing can be swapped in from another file.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::{BackupError, Part};
use crate::KdfParams;
use crate::cipher::PAGE_SIZE;
use crate::keyfile::Reader;

pub(crate) const MAGIC: [u8; 8] = [0x89, b'C', b'V', b'B', 0x0D, 0x0A, 0x1A, 0x0A];
pub(crate) const VERSION: u32 = 1;
pub(crate) const PREAMBLE_LEN: usize = 32;
pub(crate) const TRAILER_LEN: usize = 64;
pub(crate) const TRAILER_MAGIC: &[u8; 8] = b"CVBK-END";
/// The key block holds the key-slot file of that time and the backup key
/// wrapped under the vault key of that time.
pub(crate) const FLAG_SLOTS: u32 = 1;
/// The key block holds a passphrase slot.
pub(crate) const FLAG_PASSPHRASE: u32 = 2;
const KNOWN_FLAGS: u32 = FLAG_SLOTS | FLAG_PASSPHRASE;

pub(crate) const MAX_HEADER: usize = 64 * 1024;
pub(crate) const MAX_META: usize = 60 * 1024;
pub(crate) const MAX_KEY_BLOCK: usize = crate::keyfile::MAX_FILE_LEN + 4096;
pub(crate) const MAX_BODY_OFFSET: u64 = 4 << 20;
pub(crate) const MAX_PAGES: u32 = (1 << 31) - 1;
/// Header bytes without the sealed metadata's ciphertext.
const HEADER_FIXED: usize = 16 + 16 + 8 + 4 + 4 + 1 + 4 + 4 + 12 + 16 + 32;
pub(crate) const WRAP_LEN: usize = 12 + 32 + 16;
const PASSPHRASE_SLOT_LEN: usize = 12 + 16 + WRAP_LEN;

/// The clear fields of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) backup_id: [u8; 16],
    pub(crate) vault_id: [u8; 16],
    pub(crate) created_at_ms: i64,
    pub(crate) page_count: u32,
    /// 1 WAL, 2 rollback journal.
    pub(crate) journal_mode: u8,
    pub(crate) epoch: u32,
}

/// The passphrase slot: Argon2id parameters and salt, and the backup key
/// sealed under the key they derive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PassphraseSlot {
    pub(crate) kdf: KdfParams,
    pub(crate) salt: [u8; 16],
    pub(crate) wrap: [u8; WRAP_LEN],
}

/// The key block's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyBlock {
    /// The key-slot file of that time and the backup key under its vault key.
    pub(crate) slots: Option<(Vec<u8>, [u8; WRAP_LEN])>,
    pub(crate) passphrase: Option<PassphraseSlot>,
}

/// Everything before the pages, decoded and checked.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) header: Header,
    pub(crate) key_block: KeyBlock,
    /// Nonce, ciphertext and tag of the metadata.
    pub(crate) sealed_meta: Vec<u8>,
    /// What the metadata's AEAD binds: the preamble and the header up to it.
    pub(crate) meta_ad: Vec<u8>,
    pub(crate) header_checksum: [u8; 32],
    pub(crate) key_block_checksum: [u8; 32],
    pub(crate) body_offset: u64,
}

impl Head {
    /// The exact length of the whole file.
    pub(crate) fn file_len(&self) -> u64 {
        self.body_offset + u64::from(self.header.page_count) * PAGE_SIZE as u64 + TRAILER_LEN as u64
    }
}

fn align_page(n: usize) -> u64 {
    (n as u64).div_ceil(PAGE_SIZE as u64) * PAGE_SIZE as u64
}

fn key_block_len(kb: &KeyBlock) -> usize {
    16 + kb.slots.as_ref().map_or(0, |(f, _)| 4 + f.len() + WRAP_LEN)
        + kb.passphrase.as_ref().map_or(0, |_| PASSPHRASE_SLOT_LEN)
        + 32
}

fn flags_of(kb: &KeyBlock) -> u32 {
    (if kb.slots.is_some() { FLAG_SLOTS } else { 0 }) | (if kb.passphrase.is_some() { FLAG_PASSPHRASE } else { 0 })
}

/// Encodes bytes `0..B`. `seal_meta` receives the associated data and
/// returns nonce | ciphertext | tag of exactly `meta_len + 28` bytes.
pub(crate) fn encode_head(
    header: &Header,
    key_block: &KeyBlock,
    meta_len: usize,
    seal_meta: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (Vec<u8>, [u8; 32], [u8; 32]) {
    assert!(meta_len <= MAX_META, "metadata is checked against MAX_META by the caller");
    let h = HEADER_FIXED + meta_len;
    let k = key_block_len(key_block);
    let b = align_page(PREAMBLE_LEN + h + k);
    let mut out = Vec::with_capacity(b as usize);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&flags_of(key_block).to_be_bytes());
    out.extend_from_slice(&(h as u32).to_be_bytes());
    out.extend_from_slice(&(k as u32).to_be_bytes());
    out.extend_from_slice(&b.to_be_bytes());
    out.extend_from_slice(&header.backup_id);
    out.extend_from_slice(&header.vault_id);
    out.extend_from_slice(&header.created_at_ms.to_be_bytes());
    out.extend_from_slice(&(PAGE_SIZE as u32).to_be_bytes());
    out.extend_from_slice(&header.page_count.to_be_bytes());
    out.push(header.journal_mode);
    out.extend_from_slice(&header.epoch.to_be_bytes());
    out.extend_from_slice(&(meta_len as u32).to_be_bytes());
    let sealed = seal_meta(&out);
    assert_eq!(sealed.len(), meta_len + 28, "sealed metadata is nonce | ciphertext | tag");
    out.extend_from_slice(&sealed);
    let header_checksum: [u8; 32] = Sha256::digest(&out).into();
    out.extend_from_slice(&header_checksum);
    let kb_start = out.len();
    out.extend_from_slice(&header.backup_id);
    if let Some((file, wrap)) = &key_block.slots {
        out.extend_from_slice(&(file.len() as u32).to_be_bytes());
        out.extend_from_slice(file);
        out.extend_from_slice(wrap);
    }
    if let Some(p) = &key_block.passphrase {
        out.extend_from_slice(&p.kdf.m_kib.to_be_bytes());
        out.extend_from_slice(&p.kdf.t.to_be_bytes());
        out.extend_from_slice(&p.kdf.p.to_be_bytes());
        out.extend_from_slice(&p.salt);
        out.extend_from_slice(&p.wrap);
    }
    let mut hasher = Sha256::new();
    hasher.update(&out[kb_start..]);
    let padding = b as usize - (out.len() + 32);
    hasher.update(vec![0u8; padding]);
    let key_block_checksum: [u8; 32] = hasher.finalize().into();
    out.extend_from_slice(&key_block_checksum);
    out.resize(b as usize, 0);
    (out, header_checksum, key_block_checksum)
}

/// What a `vault.keys`, a vault database or a plain SQLite file start with,
/// so a person who picked the wrong file is told which file it is.
fn what_it_is(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(crate::cipher::SQLITE_MAGIC) {
        "it is a plain SQLite database"
    } else if bytes.starts_with(crate::keyfile::MAGIC) {
        "it is a vault's key-slot file (vault.keys), not a backup"
    } else {
        "it does not start with the backup file signature"
    }
}

/// How many bytes come before the pages, as a preamble states it (bounded
/// by [`MAX_BODY_OFFSET`]); `None` when it is not a backup's preamble. The
/// value is checked only by [`decode_head`].
pub(crate) fn head_len(preamble: &[u8]) -> Option<u64> {
    if preamble.len() < PREAMBLE_LEN || preamble[..MAGIC.len()] != MAGIC {
        return None;
    }
    let b = u64::from_be_bytes(preamble[24..32].try_into().expect("8 bytes"));
    Some(b.min(MAX_BODY_OFFSET))
}

/// Decodes and checks bytes `0..B` from `bytes`, the start of the file
/// (at most [`MAX_BODY_OFFSET`] bytes are needed). `file_len` is the
/// file's whole length.
pub(crate) fn decode_head(bytes: &[u8], file_len: u64, path: &Path) -> Result<Head, BackupError> {
    let damaged = |part: Part| BackupError::damaged(path, part);
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(BackupError::NotABackup { path: path.to_owned(), reason: what_it_is(bytes) });
    }
    let mut r = Reader::new(&bytes[MAGIC.len()..]);
    let (Some(version), Some(flags), Some(h), Some(k), Some(b)) = (r.u32(), r.u32(), r.u32(), r.u32(), r.u64()) else {
        return Err(damaged(Part::Header));
    };
    let (h, k) = (h as usize, k as usize);
    if !(HEADER_FIXED..=MAX_HEADER).contains(&h) {
        return Err(damaged(Part::Header));
    }
    let header_end = PREAMBLE_LEN + h;
    let Some(header_bytes) = bytes.get(..header_end) else {
        return Err(damaged(Part::Header));
    };
    let header_checksum: [u8; 32] = header_bytes[header_end - 32..].try_into().expect("32 bytes");
    let computed: [u8; 32] = Sha256::digest(&header_bytes[..header_end - 32]).into();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&computed[..], &header_checksum[..])) {
        return Err(damaged(Part::Header));
    }
    // The checksum holds, so the version and flags are as written.
    if version == 0 {
        return Err(damaged(Part::Header));
    }
    if version > VERSION || flags & !KNOWN_FLAGS != 0 {
        return Err(BackupError::NewerFormat { found: version, supported: VERSION });
    }
    if flags == 0 || !(16 + 32..=MAX_KEY_BLOCK).contains(&k) || b != align_page(header_end + k) || b > MAX_BODY_OFFSET {
        return Err(damaged(Part::Header));
    }
    let mut hr = Reader::new(&header_bytes[PREAMBLE_LEN..header_end - 32]);
    let parsed = (|| {
        let backup_id = hr.array::<16>()?;
        let vault_id = hr.array::<16>()?;
        let created_at_ms = hr.u64()? as i64;
        let page_size = hr.u32()?;
        let page_count = hr.u32()?;
        let journal_mode = hr.take(1)?[0];
        let epoch = hr.u32()?;
        let meta_len = hr.u32()? as usize;
        let meta_ad_end = PREAMBLE_LEN + hr.position();
        let sealed = hr.take(meta_len.checked_add(28)?)?.to_vec();
        let ok = page_size as usize == PAGE_SIZE
            && (1..=MAX_PAGES).contains(&page_count)
            && (journal_mode == 1 || journal_mode == 2)
            && meta_len <= MAX_META
            && hr.is_empty();
        ok.then_some((
            Header { backup_id, vault_id, created_at_ms, page_count, journal_mode, epoch },
            meta_ad_end,
            sealed,
        ))
    })();
    let Some((header, meta_ad_end, sealed_meta)) = parsed else {
        return Err(damaged(Part::Header));
    };
    let Some(kb_bytes) = bytes.get(header_end..b as usize) else {
        return Err(damaged(Part::KeyBlock));
    };
    let kb_end = k;
    let checksum_at = kb_end - 32;
    let mut hasher = Sha256::new();
    hasher.update(&kb_bytes[..checksum_at]);
    hasher.update(&kb_bytes[kb_end..]);
    let computed: [u8; 32] = hasher.finalize().into();
    let key_block_checksum: [u8; 32] = kb_bytes[checksum_at..kb_end].try_into().expect("32 bytes");
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&computed[..], &key_block_checksum[..])) {
        return Err(damaged(Part::KeyBlock));
    }
    let mut kr = Reader::new(&kb_bytes[..checksum_at]);
    let key_block = (|| {
        if kr.array::<16>()? != header.backup_id {
            return None;
        }
        let slots = if flags & FLAG_SLOTS != 0 {
            let n = kr.u32()? as usize;
            if n > crate::keyfile::MAX_FILE_LEN {
                return None;
            }
            let file = kr.take(n)?.to_vec();
            Some((file, kr.array::<WRAP_LEN>()?))
        } else {
            None
        };
        let passphrase = if flags & FLAG_PASSPHRASE != 0 {
            let kdf = KdfParams { m_kib: kr.u32()?, t: kr.u32()?, p: kr.u32()? };
            kdf.validate().ok()?;
            Some(PassphraseSlot { kdf, salt: kr.array()?, wrap: kr.array()? })
        } else {
            None
        };
        kr.is_empty().then_some(KeyBlock { slots, passphrase })
    })();
    let Some(key_block) = key_block else {
        return Err(damaged(Part::KeyBlock));
    };
    let head = Head {
        header,
        key_block,
        sealed_meta,
        meta_ad: header_bytes[..meta_ad_end].to_vec(),
        header_checksum,
        key_block_checksum,
        body_offset: b,
    };
    let expected = head.file_len();
    if file_len < expected {
        let body = file_len.saturating_sub(b) / PAGE_SIZE as u64;
        return Err(damaged(Part::Truncated { first_missing: body as u32 + 1 }));
    }
    if file_len > expected {
        return Err(damaged(Part::TrailingBytes(file_len - expected)));
    }
    Ok(head)
}

/// The closing trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trailer {
    pub(crate) page_count: u32,
    pub(crate) zeroed: u32,
    pub(crate) tag_digest: [u8; 32],
    pub(crate) mac: [u8; 16],
}

impl Trailer {
    /// The 48 bytes the MAC covers (with the two checksums before them).
    pub(crate) fn unmaced(page_count: u32, zeroed: u32, tag_digest: &[u8; 32]) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..8].copy_from_slice(TRAILER_MAGIC);
        out[8..12].copy_from_slice(&page_count.to_be_bytes());
        out[12..16].copy_from_slice(&zeroed.to_be_bytes());
        out[16..].copy_from_slice(tag_digest);
        out
    }

    pub(crate) fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut out = [0u8; TRAILER_LEN];
        out[..48].copy_from_slice(&Self::unmaced(self.page_count, self.zeroed, &self.tag_digest));
        out[48..].copy_from_slice(&self.mac);
        out
    }

    pub(crate) fn decode(b: &[u8; TRAILER_LEN]) -> Option<Trailer> {
        if &b[..8] != TRAILER_MAGIC {
            return None;
        }
        let u = |at: usize| u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        Some(Trailer {
            page_count: u(8),
            zeroed: u(12),
            tag_digest: b[16..48].try_into().expect("32 bytes"),
            mac: b[48..].try_into().expect("16 bytes"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(slots: bool, passphrase: bool) -> (Header, KeyBlock) {
        let header = Header {
            backup_id: [7; 16],
            vault_id: [9; 16],
            created_at_ms: 1_790_000_000_000,
            page_count: 3,
            journal_mode: 1,
            epoch: 2,
        };
        let kb = KeyBlock {
            slots: slots.then(|| (vec![1, 2, 3, 4, 5], [6; WRAP_LEN])),
            passphrase: passphrase.then_some(PassphraseSlot {
                kdf: KdfParams::INSECURE_FAST,
                salt: [4; 16],
                wrap: [5; WRAP_LEN],
            }),
        };
        (header, kb)
    }

    fn encode(h: &Header, kb: &KeyBlock) -> Vec<u8> {
        let (mut bytes, _, _) = encode_head(h, kb, 10, |_| vec![0xAB; 38]);
        bytes.resize(bytes.len() + 3 * PAGE_SIZE + TRAILER_LEN, 0);
        bytes
    }

    #[test]
    fn head_round_trips_with_each_key_block_shape() {
        for (s, p) in [(true, false), (false, true), (true, true)] {
            let (h, kb) = sample(s, p);
            let bytes = encode(&h, &kb);
            let head = decode_head(&bytes, bytes.len() as u64, Path::new("b")).unwrap();
            assert_eq!(head.header, h);
            assert_eq!(head.key_block, kb);
            assert_eq!(head.sealed_meta, vec![0xAB; 38]);
            assert_eq!(head.body_offset % PAGE_SIZE as u64, 0);
            assert_eq!(head.file_len(), bytes.len() as u64);
        }
    }

    #[test]
    fn every_flipped_head_bit_is_told_apart() {
        let (h, kb) = sample(true, true);
        let bytes = encode(&h, &kb);
        let b = decode_head(&bytes, bytes.len() as u64, Path::new("b")).unwrap().body_offset as usize;
        for bit in 0..b * 8 {
            let mut m = bytes.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            let err = decode_head(&m, m.len() as u64, Path::new("b")).unwrap_err();
            let ok = match (bit / 8, &err) {
                (0..8, BackupError::NotABackup { .. }) => true,
                (8..32, BackupError::Damaged { part: Part::Header, .. }) => true,
                (o, BackupError::Damaged { part: Part::Header, .. }) if o < 32 + HEADER_FIXED + 10 => true,
                (_, BackupError::Damaged { part: Part::KeyBlock, .. }) => true,
                _ => false,
            };
            assert!(ok, "bit {bit}: {err:?}");
        }
    }

    #[test]
    fn a_newer_version_with_a_good_checksum_is_newer_format_not_damage() {
        let (h, kb) = sample(true, false);
        let mut bytes = encode(&h, &kb);
        bytes[8..12].copy_from_slice(&2u32.to_be_bytes());
        let hlen = u32::from_be_bytes(bytes[16..20].try_into().unwrap()) as usize;
        let end = PREAMBLE_LEN + hlen;
        let sum: [u8; 32] = Sha256::digest(&bytes[..end - 32]).into();
        bytes[end - 32..end].copy_from_slice(&sum);
        let err = decode_head(&bytes, bytes.len() as u64, Path::new("b")).unwrap_err();
        assert!(matches!(err, BackupError::NewerFormat { found: 2, supported: 1 }), "{err:?}");
    }

    #[test]
    fn length_is_checked_exactly() {
        let (h, kb) = sample(true, false);
        let bytes = encode(&h, &kb);
        let n = bytes.len() as u64;
        let b = decode_head(&bytes, n, Path::new("b")).unwrap().body_offset;
        let err = decode_head(&bytes, n + 1, Path::new("b")).unwrap_err();
        assert!(matches!(err, BackupError::Damaged { part: Part::TrailingBytes(1), .. }), "{err:?}");
        let err = decode_head(&bytes, b + PAGE_SIZE as u64 + 5, Path::new("b")).unwrap_err();
        assert!(matches!(err, BackupError::Damaged { part: Part::Truncated { first_missing: 2 }, .. }), "{err:?}");
        let err = decode_head(&bytes, n - 1, Path::new("b")).unwrap_err();
        assert!(matches!(err, BackupError::Damaged { part: Part::Truncated { first_missing: 4 }, .. }), "{err:?}");
    }

    #[test]
    fn other_files_are_named() {
        for (bytes, needle) in [
            (b"SQLite format 3\0rest".to_vec(), "plain SQLite"),
            (crate::keyfile::MAGIC.to_vec(), "key-slot file"),
            (b"hello".to_vec(), "signature"),
        ] {
            let err = decode_head(&bytes, bytes.len() as u64, Path::new("b")).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn trailer_round_trips() {
        let t = Trailer { page_count: 5, zeroed: 1, tag_digest: [3; 32], mac: [4; 16] };
        assert_eq!(Trailer::decode(&t.encode()), Some(t));
        let mut b = [0u8; TRAILER_LEN];
        b[..8].copy_from_slice(b"CVBK-EN!");
        assert_eq!(Trailer::decode(&b), None);
    }
}
