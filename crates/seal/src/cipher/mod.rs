//! Page sealing: AES-256-GCM over one database page, in SQLite's buffer
//! layout.
//!
//! A sealed page keeps SQLite's offsets: the last [`RESERVE`] bytes of each
//! page, which SQLite leaves unused because the database header says so, hold
//! the 96-bit nonce and the 128-bit tag. The associated data binds the page
//! to its vault and its page number (not to the file it sits in), so the
//! sealed bytes of a WAL frame or journal image are valid in the database
//! file at the same page number, and nowhere else.
//!
//! Page 1 keeps the vault id in clear in its first 16 bytes (where plain
//! SQLite has `SQLite format 3\0`), so that a vault can be recognised and
//! matched to its key-slot file before any key is known.

use std::sync::atomic::{AtomicU64, Ordering};

use aes::Aes256;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{HmacReset, Mac};
use rand::Rng;
use rand::rngs::StdRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::secret::Key256;
use crate::{Result, SealError};

/// Bytes reserved at the end of every page: nonce then tag.
pub const RESERVE: usize = NONCE_LEN + TAG_LEN;
/// The page size of every vault.
pub const PAGE_SIZE: usize = 4096;
/// The FTS5 `pgsz` (leaf size) that keeps a full-text leaf on one page of
/// a vault. FTS5's default, 4050 bytes, fits plain SQLite's 4096-byte pages
/// with 11 bytes to spare; with [`RESERVE`] bytes reserved a page holds at
/// most 4033 bytes of a row, so a default leaf spills onto an overflow page
/// and every full-text read costs two pages. This keeps SQLite's margin.
/// Set it when a table is made:
/// `INSERT INTO t(t, rank) VALUES ('pgsz', 4022)`.
pub const FTS5_PGSZ: u32 = (PAGE_SIZE - RESERVE - 35 - 11) as u32;
pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
/// Length of the clear vault id at the start of page 1.
pub(crate) const VAULT_ID_LEN: usize = 16;
pub(crate) const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Length of a WAL frame header.
pub(crate) const WAL_FRAME_HDR: usize = 24;
/// Mask domain of the WAL's frame checksums before they were enciphered
/// (`frame_checksum.rs`); still read in logs that version wrote.
pub(crate) const LEGACY_WAL_MASK_DOMAIN: u8 = 2;

/// Seals per data key after which a rekey is due (2^30: a quarter of the
/// NIST SP 800-38D bound of 2^32 random-nonce invocations).
pub const REKEY_DUE_AFTER: u64 = 1 << 30;
/// Seals per data key after which writes are refused until a rekey.
pub const SEAL_HARD_LIMIT: u64 = (1 << 32) - (1 << 28);

/// How many seals a vault records as used before it performs them, so a
/// crash can only over-count. One slot-file write per this many seals.
pub(crate) const SEAL_RESERVATION: u64 = 1 << 20;

/// Counts seals under one data key, with the count persisted ahead of use.
pub(crate) struct SealCounter {
    used: AtomicU64,
    reserved: AtomicU64,
    persist: std::sync::Mutex<Box<dyn FnMut(u64) -> Result<()> + Send>>,
}

impl SealCounter {
    /// `persisted` is the upper bound on seals recorded in the slot file.
    /// `persist` records a new upper bound durably.
    pub(crate) fn new(persisted: u64, persist: Box<dyn FnMut(u64) -> Result<()> + Send>) -> Self {
        SealCounter {
            used: AtomicU64::new(persisted),
            reserved: AtomicU64::new(persisted),
            persist: std::sync::Mutex::new(persist),
        }
    }

    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    fn take(&self) -> Result<()> {
        let n = self.used.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= SEAL_HARD_LIMIT {
            self.used.fetch_sub(1, Ordering::Relaxed);
            return Err(SealError::KeyExhausted(n));
        }
        if n > self.reserved.load(Ordering::Acquire) {
            let mut persist = self.persist.lock().unwrap_or_else(|e| e.into_inner());
            let reserved = self.reserved.load(Ordering::Acquire);
            if n > reserved {
                let next = n.max(reserved) + SEAL_RESERVATION;
                if let Err(e) = persist(next) {
                    self.used.fetch_sub(1, Ordering::Relaxed);
                    return Err(e);
                }
                self.reserved.store(next, Ordering::Release);
            }
        }
        Ok(())
    }
}

/// Operation counts since the key set was made, for benchmarks and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CryptoStats {
    /// Pages sealed.
    pub seals: u64,
    /// Pages opened (authenticated and decrypted).
    pub opens: u64,
}

/// Everything derived from one data key: the page AEAD, the mask cipher for
/// SQLite's plaintext-derived checksums, and the MAC key for log headers.
pub(crate) struct PageKeys {
    aead: Aes256Gcm,
    mask: Aes256,
    /// Keys the 64-bit tweakable cipher of WAL frame checksums.
    frame_prp: Aes256,
    header_mac: std::sync::Mutex<HmacReset<Sha256>>,
    vault_id: [u8; VAULT_ID_LEN],
    counter: SealCounter,
    seals: AtomicU64,
    opens: AtomicU64,
}

/// Why a page did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenFailure {
    /// Tag mismatch: altered, moved, wrong key or from another vault.
    Auth,
    /// Page 1 does not carry this vault's id.
    ForeignVault,
}

impl PageKeys {
    pub(crate) fn new(data_key: &Key256, vault_id: [u8; VAULT_ID_LEN], counter: SealCounter) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(&vault_id), data_key.expose_secret());
        // One buffer for every derived key, wiped on drop: no copy of a key
        // is left behind on the stack.
        let mut okm = Zeroizing::new([0u8; 32]);
        let derive = |info: &[u8], okm: &mut [u8; 32]| {
            // Expanding 32 bytes from SHA-256 HKDF cannot fail.
            hk.expand(info, okm).expect("32-byte HKDF output");
        };
        derive(b"chartvault page aead v1", &mut okm);
        let aead = Aes256Gcm::new((&*okm).into());
        derive(b"chartvault checksum mask v1", &mut okm);
        let mask = Aes256::new((&*okm).into());
        derive(b"chartvault wal checksum prp v1", &mut okm);
        let frame_prp = Aes256::new((&*okm).into());
        derive(b"chartvault log header mac v1", &mut okm);
        let header_mac = <HmacReset<Sha256> as KeyInit>::new_from_slice(&*okm).expect("HMAC takes any key length");
        let header_mac = std::sync::Mutex::new(header_mac);
        PageKeys {
            aead,
            mask,
            frame_prp,
            header_mac,
            vault_id,
            counter,
            seals: AtomicU64::new(0),
            opens: AtomicU64::new(0),
        }
    }

    pub(crate) fn seals_used(&self) -> u64 {
        self.counter.used()
    }

    /// See `Vault::pretend_seals_used`.
    pub(crate) fn pretend_seals_used(&self, n: u64) {
        self.counter.used.store(n, Ordering::Relaxed);
        self.counter.reserved.fetch_max(n, Ordering::AcqRel);
    }

    pub(crate) fn stats(&self) -> CryptoStats {
        CryptoStats { seals: self.seals.load(Ordering::Relaxed), opens: self.opens.load(Ordering::Relaxed) }
    }

    fn ad(&self, pgno: u32) -> [u8; 24] {
        let mut ad = [0u8; 24];
        ad[..4].copy_from_slice(b"CVPG");
        ad[4..20].copy_from_slice(&self.vault_id);
        ad[20..].copy_from_slice(&pgno.to_be_bytes());
        ad
    }

    /// Seals the page image `plain` for page `pgno` into `out` (same length).
    /// Returns the nonce used, from which checksum masks are derived.
    pub(crate) fn seal_page(
        &self,
        pgno: u32,
        plain: &[u8],
        out: &mut [u8],
        rng: &mut StdRng,
    ) -> Result<[u8; NONCE_LEN]> {
        let len = plain.len();
        debug_assert_eq!(len, out.len());
        let body_end = len - RESERVE;
        let start = if pgno == 1 {
            check_page1(plain)?;
            out[..VAULT_ID_LEN].copy_from_slice(&self.vault_id);
            VAULT_ID_LEN
        } else {
            0
        };
        self.counter.take()?;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let tag = aead_seal(&self.aead, &nonce, &self.ad(pgno), &plain[start..body_end], &mut out[start..body_end]);
        out[body_end..body_end + NONCE_LEN].copy_from_slice(&nonce);
        out[body_end + NONCE_LEN..].copy_from_slice(&tag);
        self.seals.fetch_add(1, Ordering::Relaxed);
        Ok(nonce)
    }

    /// Opens a sealed page in place. On failure the buffer holds garbage and
    /// must not be handed to SQLite.
    pub(crate) fn open_page(&self, pgno: u32, buf: &mut [u8]) -> Result<(), OpenFailure> {
        let len = buf.len();
        let body_end = len - RESERVE;
        let start = if pgno == 1 {
            if buf[..VAULT_ID_LEN] != self.vault_id {
                return Err(OpenFailure::ForeignVault);
            }
            VAULT_ID_LEN
        } else {
            0
        };
        let (body, reserve) = buf.split_at_mut(body_end);
        let (nonce, tag) = reserve.split_at(NONCE_LEN);
        if !aead_open(&self.aead, nonce, &self.ad(pgno), &mut body[start..], tag) {
            return Err(OpenFailure::Auth);
        }
        if pgno == 1 {
            buf[..VAULT_ID_LEN].copy_from_slice(SQLITE_MAGIC);
        }
        // SQLite never writes the reserved bytes, so in its page buffers
        // they must always read the same (zero): its WAL checksums cover
        // them, and a fresh nonce there would break the checksum chain.
        buf[body_end..].fill(0);
        self.opens.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// A keystream block that hides one of SQLite's plaintext checksums.
    /// It is derived from the nonce of the page the checksum sits beside,
    /// which is fresh on every write, so no two checksums share a mask.
    pub(crate) fn mask(&self, nonce: &[u8; NONCE_LEN], domain: u8) -> [u8; 16] {
        let mut block = [0u8; 16];
        block[..NONCE_LEN].copy_from_slice(nonce);
        block[NONCE_LEN] = domain;
        let mut b = block.into();
        self.mask.encrypt_block(&mut b);
        b.into()
    }

    /// A MAC over a log header (journal or WAL), bound to its offset.
    pub(crate) fn header_mac(&self, domain: &[u8; 4], offset: u64, header: &[u8]) -> [u8; 16] {
        // One keyed state reset after each use: no copy of it per call.
        let mut mac = self.header_mac.lock().unwrap_or_else(|e| e.into_inner());
        mac.update(domain);
        mac.update(&offset.to_be_bytes());
        mac.update(header);
        let full = mac.finalize_reset().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// Constant-time check of a stored header MAC.
    pub(crate) fn header_mac_ok(&self, domain: &[u8; 4], offset: u64, header: &[u8], stored: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        let expect = self.header_mac(domain, offset, header);
        expect[..stored.len()].ct_eq(stored).into()
    }
}

/// AES-256-GCM from `input` into `output` (same length); returns the tag.
/// The one sealing primitive of every page, and what the known-answer
/// tests exercise.
pub(crate) fn aead_seal(
    aead: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    ad: &[u8],
    input: &[u8],
    output: &mut [u8],
) -> [u8; TAG_LEN] {
    let buf = InOutBuf::new(input, output).expect("input and output slices have the same length");
    aead.encrypt_inout_detached(&Nonce::from(*nonce), ad, buf)
        .expect("a page is far below the AES-GCM length limit")
        .into()
}

/// Authenticates and decrypts `buf` in place; `false` (and garbage in
/// `buf`) if the tag does not match. The tag comparison is constant-time
/// inside `aes-gcm`.
pub(crate) fn aead_open(aead: &Aes256Gcm, nonce: &[u8], ad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
    let (Ok(nonce), Ok(tag)) = (Nonce::try_from(nonce), Tag::try_from(tag)) else {
        return false;
    };
    aead.decrypt_inout_detached(&nonce, ad, buf.into(), &tag).is_ok()
}

/// Refuses a page 1 that would not be a sealed page of this vault: SQLite's
/// magic, 4096-byte pages and exactly [`RESERVE`] reserved bytes.
fn check_page1(plain: &[u8]) -> Result<()> {
    if plain.len() != PAGE_SIZE {
        return Err(SealError::ForeignPageFormat("page size is not 4096"));
    }
    if &plain[..16] != SQLITE_MAGIC {
        return Err(SealError::ForeignPageFormat("page 1 lacks the SQLite header"));
    }
    let page_size = u16::from_be_bytes([plain[16], plain[17]]) as usize;
    if page_size != PAGE_SIZE {
        return Err(SealError::ForeignPageFormat("header page size is not 4096"));
    }
    if plain[20] as usize != RESERVE {
        return Err(SealError::ForeignPageFormat("reserved-byte count is not 28"));
    }
    Ok(())
}

/// A ChaCha-based nonce generator seeded from the OS, one per open file.
pub(crate) fn nonce_rng() -> Result<StdRng> {
    use rand::SeedableRng;
    StdRng::try_from_rng(&mut rand::rngs::SysRng).map_err(|_| SealError::Random)
}

mod frame_checksum;
#[cfg(test)]
mod kat_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> PageKeys {
        let k = Key256::from_bytes([7u8; 32]);
        PageKeys::new(&k, [9u8; 16], SealCounter::new(0, Box::new(|_| Ok(()))))
    }

    fn page1() -> Vec<u8> {
        let mut p = vec![0x5au8; PAGE_SIZE];
        p[..16].copy_from_slice(SQLITE_MAGIC);
        p[16..18].copy_from_slice(&4096u16.to_be_bytes());
        p[20] = RESERVE as u8;
        p
    }

    #[test]
    fn seal_then_open_round_trips_and_binds_page_number() {
        let k = keys();
        let mut rng = nonce_rng().unwrap();
        let plain: Vec<u8> = (0..PAGE_SIZE).map(|i| (i % 251) as u8).collect();
        let mut sealed = vec![0u8; PAGE_SIZE];
        k.seal_page(5, &plain, &mut sealed, &mut rng).unwrap();
        assert_ne!(&sealed[..PAGE_SIZE - RESERVE], &plain[..PAGE_SIZE - RESERVE]);
        let mut moved = sealed.clone();
        assert_eq!(k.open_page(6, &mut moved), Err(OpenFailure::Auth));
        k.open_page(5, &mut sealed).unwrap();
        assert_eq!(&sealed[..PAGE_SIZE - RESERVE], &plain[..PAGE_SIZE - RESERVE]);
    }

    #[test]
    fn page1_keeps_vault_id_in_clear_and_restores_magic() {
        let k = keys();
        let mut rng = nonce_rng().unwrap();
        let plain = page1();
        let mut sealed = vec![0u8; PAGE_SIZE];
        k.seal_page(1, &plain, &mut sealed, &mut rng).unwrap();
        assert_eq!(&sealed[..16], &[9u8; 16]);
        k.open_page(1, &mut sealed).unwrap();
        assert_eq!(&sealed[..PAGE_SIZE - RESERVE], &plain[..PAGE_SIZE - RESERVE]);
    }

    #[test]
    fn page1_with_wrong_reserve_is_refused() {
        let k = keys();
        let mut rng = nonce_rng().unwrap();
        let mut plain = page1();
        plain[20] = 0;
        let mut sealed = vec![0u8; PAGE_SIZE];
        assert!(matches!(k.seal_page(1, &plain, &mut sealed, &mut rng), Err(SealError::ForeignPageFormat(_))));
    }

    #[test]
    fn nonces_are_fresh_per_seal() {
        let k = keys();
        let mut rng = nonce_rng().unwrap();
        let plain = vec![1u8; PAGE_SIZE];
        let mut a = vec![0u8; PAGE_SIZE];
        let mut b = vec![0u8; PAGE_SIZE];
        let na = k.seal_page(3, &plain, &mut a, &mut rng).unwrap();
        let nb = k.seal_page(3, &plain, &mut b, &mut rng).unwrap();
        assert_ne!(na, nb);
        assert_ne!(a, b);
        assert_ne!(k.mask(&na, 1), k.mask(&nb, 1));
    }

    #[test]
    fn seal_counter_persists_reservations_ahead_and_stops_at_the_hard_limit() {
        let persisted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let p2 = persisted.clone();
        let c = SealCounter::new(
            SEAL_HARD_LIMIT - 3,
            Box::new(move |n| {
                p2.lock().unwrap().push(n);
                Ok(())
            }),
        );
        c.take().unwrap();
        c.take().unwrap();
        assert_eq!(persisted.lock().unwrap().len(), 1, "one reservation covers many seals");
        assert!(persisted.lock().unwrap()[0] > SEAL_HARD_LIMIT - 3);
        assert!(matches!(c.take(), Err(SealError::KeyExhausted(_))));
    }
}
