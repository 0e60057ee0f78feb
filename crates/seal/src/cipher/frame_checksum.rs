//! WAL frame checksums, enciphered.
//!
//! SQLite's frame checksum is computed over plaintext, so it cannot be
//! stored as it is. It is stored enciphered with a 64-bit tweakable block
//! cipher whose tweak is the frame's nonce and every other field of its
//! header (page number, commit size, salts):
//!
//! - changing any header field garbles the checksum SQLite is given, so a
//!   frame cannot be turned into a commit by editing its commit size and
//!   compensating the (linear) checksum;
//! - the recorded value can be read back from the frame alone, without the
//!   frames before it, which recovery's tamper rules rely on
//!   (`sealed/wal_recovery.rs`);
//! - SQLite rewrites the checksums of frames already on disk when a
//!   transaction overwrites a page it spilled (`walRewriteChecksums`): a
//!   new value under the same tweak is a fresh permutation output, unrelated
//!   to the old one (an XOR mask would have put the XOR of the two
//!   plaintext checksums on disk), so the rewrite writes the 24-byte header
//!   only, without resealing the page.
//!
//! The cipher: the tweak is CBC-MAC over two fixed-length blocks (nonce and
//! a domain byte, then the 16 header bytes) under the mask key; then eight
//! Feistel rounds over two 32-bit halves, each round's function one AES
//! call under a key of its own on (tweak XOR round number and half). A
//! Feistel network of four or more rounds over a PRF is a pseudorandom
//! permutation; per tweak it sees a handful of values (a frame and its
//! rewrites), far below its 2^16 bound, and eight rounds leave margin.

use aes::cipher::BlockCipherEncrypt;

use super::{NONCE_LEN, PageKeys, WAL_FRAME_HDR};

/// Domain byte of the tweak's first block.
const TWEAK_DOMAIN: u8 = 3;
const ROUNDS: u8 = 8;

impl PageKeys {
    fn frame_tweak(&self, nonce: &[u8; NONCE_LEN], hdr: &[u8; WAL_FRAME_HDR]) -> [u8; 16] {
        let mut block = self.mask(nonce, TWEAK_DOMAIN);
        for (b, h) in block.iter_mut().zip(&hdr[..16]) {
            *b ^= h;
        }
        let mut b = block.into();
        self.mask.encrypt_block(&mut b);
        b.into()
    }

    fn round(&self, tweak: &[u8; 16], round: u8, half: u32) -> u32 {
        let mut block = *tweak;
        block[0] ^= round;
        for (b, h) in block[12..].iter_mut().zip(half.to_be_bytes()) {
            *b ^= h;
        }
        let mut b = block.into();
        self.frame_prp.encrypt_block(&mut b);
        let out: [u8; 16] = b.into();
        u32::from_be_bytes([out[0], out[1], out[2], out[3]])
    }

    /// SQLite's checksum of a frame (the header's bytes 16..24), as stored.
    pub(crate) fn seal_frame_checksum(
        &self,
        nonce: &[u8; NONCE_LEN],
        hdr: &[u8; WAL_FRAME_HDR],
        checksum: [u8; 8],
    ) -> [u8; 8] {
        let tweak = self.frame_tweak(nonce, hdr);
        let (mut l, mut r) = halves(checksum);
        for i in 0..ROUNDS {
            (l, r) = (r, l ^ self.round(&tweak, i, r));
        }
        join(l, r)
    }

    /// The checksum SQLite recorded, from the stored field.
    pub(crate) fn open_frame_checksum(
        &self,
        nonce: &[u8; NONCE_LEN],
        hdr: &[u8; WAL_FRAME_HDR],
        stored: [u8; 8],
    ) -> [u8; 8] {
        let tweak = self.frame_tweak(nonce, hdr);
        let (mut l, mut r) = halves(stored);
        for i in (0..ROUNDS).rev() {
            (l, r) = (r ^ self.round(&tweak, i, l), l);
        }
        join(l, r)
    }
}

fn halves(b: [u8; 8]) -> (u32, u32) {
    (u32::from_be_bytes([b[0], b[1], b[2], b[3]]), u32::from_be_bytes([b[4], b[5], b[6], b[7]]))
}

fn join(l: u32, r: u32) -> [u8; 8] {
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&l.to_be_bytes());
    out[4..].copy_from_slice(&r.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::SealCounter;
    use crate::secret::Key256;

    fn keys(k: u8) -> PageKeys {
        PageKeys::new(&Key256::from_bytes([k; 32]), [9u8; 16], SealCounter::new(0, Box::new(|_| Ok(()))))
    }

    #[test]
    fn a_checksum_round_trips_and_every_tweak_field_changes_it() {
        let k = keys(7);
        let nonce = [1u8; NONCE_LEN];
        let mut hdr = [0u8; WAL_FRAME_HDR];
        hdr[..16].copy_from_slice(b"pgno....saltsalt");
        let sum = *b"\x01\x02\x03\x04\x05\x06\x07\x08";
        let stored = k.seal_frame_checksum(&nonce, &hdr, sum);
        assert_ne!(stored, sum);
        assert_eq!(k.open_frame_checksum(&nonce, &hdr, stored), sum);
        // The tweak covers the nonce and all 16 header bytes, nothing else.
        for i in 0..16 {
            let mut h = hdr;
            h[i] ^= 0x80;
            assert_ne!(k.open_frame_checksum(&nonce, &h, stored), sum, "header byte {i}");
        }
        let mut h = hdr;
        h[20] ^= 1;
        assert_eq!(k.seal_frame_checksum(&nonce, &h, sum), stored, "bytes 16.. are the checksum itself");
        let mut n = nonce;
        n[11] ^= 1;
        assert_ne!(k.open_frame_checksum(&n, &hdr, stored), sum);
        assert_ne!(keys(8).open_frame_checksum(&nonce, &hdr, stored), sum, "another key");
    }

    #[test]
    fn a_rewritten_checksum_under_the_same_tweak_reveals_no_xor() {
        // Two values that differ in one bit: an XOR mask would store two
        // values that differ in that same bit.
        let k = keys(3);
        let (nonce, hdr) = ([4u8; NONCE_LEN], [5u8; WAL_FRAME_HDR]);
        let a = k.seal_frame_checksum(&nonce, &hdr, [0; 8]);
        let b = k.seal_frame_checksum(&nonce, &hdr, [0, 0, 0, 0, 0, 0, 0, 1]);
        let diff: u32 = a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum();
        assert!(diff > 8, "outputs differ in {diff} bits");
    }
}
