//! Byte-level pieces of the key file: a bounds-checked reader, name
//! encoding, and a key (32 bytes, or 64 for a slot's private key and vault
//! secret) wrapped under another key with AES-256-GCM.

use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::Zeroizing;

use crate::cipher::{aead_open, aead_seal};
use crate::secret::Key256;
use crate::slots::check_name;
use crate::{Result, SealError};

/// `N` secret bytes sealed under another key: nonce [12] | ciphertext [N] |
/// tag [16].
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Wrapped<const N: usize = 32> {
    nonce: [u8; 12],
    ct: [u8; N],
    tag: [u8; 16],
}

impl<const N: usize> std::fmt::Debug for Wrapped<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wrapped(..)")
    }
}

impl<const N: usize> Wrapped<N> {
    /// Seals `key` under `kek` with a fresh random nonce.
    pub(super) fn seal(kek: &Key256, ad: &[u8], key: &[u8; N]) -> Result<Wrapped<N>> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let mut ct = [0u8; N];
        let tag = aead_seal(&Aes256Gcm::new(kek.expose_secret().into()), &nonce, ad, key, &mut ct);
        Ok(Wrapped { nonce, ct, tag })
    }

    /// The key, if `kek` and `ad` authenticate it.
    pub(super) fn open(&self, kek: &Key256, ad: &[u8]) -> Option<Zeroizing<[u8; N]>> {
        let mut out = Zeroizing::new(self.ct);
        aead_open(&Aes256Gcm::new(kek.expose_secret().into()), &self.nonce, ad, out.as_mut_slice(), &self.tag)
            .then_some(out)
    }

    pub(super) fn put(&self, b: &mut Vec<u8>) {
        b.extend_from_slice(&self.nonce);
        b.extend_from_slice(&self.ct);
        b.extend_from_slice(&self.tag);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Option<Wrapped<N>> {
        Some(Wrapped { nonce: r.array()?, ct: r.array()?, tag: r.array()? })
    }
}

impl Wrapped {
    /// Like [`Wrapped::open`], as a [`Key256`].
    pub(super) fn open_key(&self, kek: &Key256, ad: &[u8]) -> Option<Key256> {
        self.open(kek, ad).map(|k| Key256::from_bytes(*k))
    }
}

/// Appends a slot name: length u8 | UTF-8 bytes. Names are checked to be
/// at most 64 bytes wherever they are made.
pub(super) fn put_name(b: &mut Vec<u8>, name: &str) {
    b.push(name.len() as u8);
    b.extend_from_slice(name.as_bytes());
}

/// A cursor over a byte slice; every read is bounds-checked and `None` past
/// the end, so no input can make the parser panic.
pub(crate) struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Reader { b, at: 0 }
    }

    /// How far it has read.
    pub(crate) fn position(&self) -> usize {
        self.at
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.at == self.b.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.array()?))
    }

    /// A slot name, valid by [`check_name`].
    pub(super) fn name(&mut self) -> Option<String> {
        let len = self.u8()? as usize;
        let name = std::str::from_utf8(self.take(len)?).ok()?;
        check_name(name).ok()?;
        Some(name.to_owned())
    }
}
