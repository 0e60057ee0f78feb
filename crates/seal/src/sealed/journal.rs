//! The rollback journal: page images sealed like database pages; the
//! per-record checksum (computed by SQLite over plaintext) masked; journal
//! headers MACed so a changed record count, initial size or checksum seed
//! is caught instead of silently rolling back only part of a transaction.
//!
//! Record layout (SQLite's): page number u32 | page image | checksum u32.
//! Header: magic [8] | nRec u32 | cksumInit u32 | dbSize u32 | sector u32 |
//! page size u32, padded to a sector; we keep our MAC in bytes 28..44 of the
//! padding, which SQLite never reads.

use std::ffi::c_int;

use rusqlite::ffi;

use super::{Fail, IoResult, SealedFile, ok_or_fail, u32_at};
use crate::cipher::{NONCE_LEN, OpenFailure, PAGE_SIZE};

const MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
const HDR_FIELDS: usize = 28;
const HDR_MAC_END: usize = HDR_FIELDS + 16;
const MAC_DOMAIN: &[u8; 4] = b"CVJH";
const CKSUM_MASK_DOMAIN: u8 = 1;
/// Journal headers start on sector boundaries, at least 512 bytes apart.
const MIN_SECTOR: u64 = 512;
/// One record: page number, page image, checksum.
const RECORD: u64 = 4 + PAGE_SIZE as u64 + 4;

#[derive(Default)]
pub(super) struct JournalState {
    /// The last 4-byte write: a record's page number if a page follows.
    last_u32_write: Option<(u64, u32)>,
    /// The last page image written: offset and nonce, for its checksum.
    last_page_write: Option<(u64, [u8; NONCE_LEN])>,
    /// The last 4-byte read: a record's page number if a page read follows.
    last_u32_read: Option<(u64, u32)>,
    /// The last page image read: offset, nonce and SQLite's sample sum.
    last_page_read: Option<(u64, [u8; NONCE_LEN], u32)>,
    /// The checksum seed of the header governing the records being read,
    /// known only during playback (set by a header read, cleared by writes).
    cksum_init: Option<u32>,
    /// Whether this process has written to the journal. Record checksums
    /// are checked only in a journal it has not: one left by a crash. (When
    /// SQLite rolls back to a savepoint it reads the current segment's
    /// header fields without its signature, so the seed in force there is
    /// not known; and a journal this process wrote holds what it wrote.)
    written: bool,
    /// The records a signed, authenticated header of a journal left by a
    /// crash counts: where they start and end. SQLite writes that count only
    /// after syncing the records, so a journal ending before them was cut
    /// after the fact, and playing back what remains would roll back part
    /// of a transaction.
    counted: Option<(u64, u64)>,
    /// The end of what this process wrote since the journal's header was
    /// last written at offset 0. Past it lie bytes of an earlier, longer
    /// transaction (the journal is kept between transactions in exclusive
    /// mode), which SQLite may read while rolling back and expects to fail
    /// its checksum.
    high_water: u64,
}

/// SQLite's journal checksum without its seed: every 200th byte from the end.
fn sample_sum(page: &[u8]) -> u32 {
    let mut sum = 0u32;
    let mut i = PAGE_SIZE as i64 - 200;
    while i > 0 {
        sum = sum.wrapping_add(u32::from(page[i as usize]));
        i -= 200;
    }
    sum
}

impl SealedFile {
    pub(super) fn journal_write(&mut self, buf: &[u8], offset: u64) -> IoResult {
        let len = buf.len();
        let st = &mut self.journal;
        st.cksum_init = None;
        st.written = true;
        if offset == 0 && len >= HDR_FIELDS {
            st.high_water = 0;
        }
        st.high_water = st.high_water.max(offset + len as u64);
        st.last_u32_read = None;
        st.last_page_read = None;

        if len == PAGE_SIZE && offset >= 4 && st.last_u32_write.is_some_and(|(o, _)| o == offset - 4) {
            let pgno = st.last_u32_write.take().map_or(0, |(_, p)| p);
            if pgno == 0 {
                return Err(self.unexpected("write", offset, len));
            }
            let nonce = self.seal_into_scratch(pgno, buf, 0)?;
            ok_or_fail(self.lower.write(&self.scratch[..PAGE_SIZE], offset))?;
            self.journal.last_page_write = Some((offset, nonce));
            return Ok(());
        }
        if len == 4 {
            let value = u32_at(buf, 0);
            if let Some((page_off, nonce)) = st.last_page_write.take()
                && offset == page_off + PAGE_SIZE as u64
            {
                let mask = self.keys.mask(&nonce, CKSUM_MASK_DOMAIN);
                let mut out = [0u8; 4];
                for i in 0..4 {
                    out[i] = buf[i] ^ mask[i];
                }
                return ok_or_fail(self.lower.write(&out, offset));
            }
            st.last_u32_write = Some((offset, value));
            return ok_or_fail(self.lower.write(buf, offset));
        }
        st.last_u32_write = None;
        st.last_page_write = None;
        let header_like = len >= HDR_MAC_END && (buf[..8] == MAGIC || buf[..12].iter().all(|&b| b == 0));
        if header_like && offset.is_multiple_of(MIN_SECTOR) && buf[HDR_FIELDS..].iter().all(|&b| b == 0) {
            // A whole new header (its magic is zero until the records are
            // synced): MAC its fields into the zero padding.
            let mut out = buf.to_vec();
            if out.len() < HDR_MAC_END {
                out.resize(HDR_MAC_END, 0);
            }
            let mac = self.keys.header_mac(MAC_DOMAIN, offset, &buf[..HDR_FIELDS]);
            out[HDR_FIELDS..HDR_MAC_END].copy_from_slice(&mac);
            return ok_or_fail(self.lower.write(&out, offset));
        }
        if len == 12 && buf[..8] == MAGIC && offset.is_multiple_of(MIN_SECTOR) {
            // SQLite updating nRec after syncing the records: re-MAC.
            let mut hdr = [0u8; HDR_MAC_END];
            if !self.read_exact(&mut hdr[..HDR_FIELDS], offset)? {
                return Err(self.unexpected("write", offset, len));
            }
            hdr[..12].copy_from_slice(buf);
            let mac = self.keys.header_mac(MAC_DOMAIN, offset, &hdr[..HDR_FIELDS]);
            hdr[HDR_FIELDS..].copy_from_slice(&mac);
            return ok_or_fail(self.lower.write(&hdr, offset));
        }
        if len <= HDR_FIELDS && buf.iter().all(|&b| b == 0) {
            // Zeroing a header: at commit in exclusive or PERSIST mode (28
            // bytes), or one byte to disarm a stale header past the end of
            // the journal. Wipe the MAC with it, so that a header SQLite
            // disarmed is not mistaken for one whose signature was altered.
            ok_or_fail(self.lower.write(buf, offset))?;
            if len == 1 && offset.is_multiple_of(MIN_SECTOR) {
                return ok_or_fail(self.lower.write(&[0u8; HDR_MAC_END - HDR_FIELDS], offset + HDR_FIELDS as u64));
            }
            return Ok(());
        }
        Err(self.unexpected("write", offset, len))
    }

    pub(super) fn journal_read(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        let len = buf.len();
        if len == PAGE_SIZE && offset >= 4 {
            return self.journal_read_page(buf, offset);
        }
        let rc = self.lower.read(buf, offset);
        if rc != ffi::SQLITE_OK && rc != ffi::SQLITE_IOERR_SHORT_READ {
            return Err(Fail::lower(rc));
        }
        if rc != ffi::SQLITE_OK {
            self.check_not_cut_short(offset)?;
            return Ok(rc);
        }
        if len == 4 {
            if let Some((page_off, nonce, sum)) = self.journal.last_page_read.take()
                && offset == page_off + PAGE_SIZE as u64
            {
                let mask = self.keys.mask(&nonce, CKSUM_MASK_DOMAIN);
                for i in 0..4 {
                    buf[i] ^= mask[i];
                }
                if let Some(init) = self.journal.cksum_init.filter(|_| !self.journal.written)
                    && u32_at(buf, 0) != init.wrapping_add(sum)
                {
                    return Err(self.tampered_log(offset, "journal record checksum does not match its page"));
                }
                return Ok(rc);
            }
            self.journal.last_u32_read = Some((offset, u32_at(buf, 0)));
            return Ok(rc);
        }
        if len <= 8 && offset.is_multiple_of(MIN_SECTOR) {
            self.check_journal_header(offset)?;
        }
        Ok(rc)
    }

    /// SQLite looks for a journal header by its signature (one byte to see
    /// whether a journal is hot, eight to read a header). A signed header
    /// must carry our MAC; an unsigned one must not authenticate with the
    /// signature put back, or an altered signature would skip a rollback.
    fn check_journal_header(&mut self, offset: u64) -> IoResult {
        // Whatever governed the records read so far, a new segment starts
        // here; its seed is known only if its header is signed (the last
        // segment's is not until SQLite syncs it).
        self.journal.cksum_init = None;
        self.journal.counted = None;
        let mut hdr = [0u8; HDR_MAC_END];
        if !self.read_exact(&mut hdr, offset)? {
            return Ok(());
        }
        let (fields, mac) = hdr.split_at(HDR_FIELDS);
        if fields[..8] == MAGIC {
            if !self.keys.header_mac_ok(MAC_DOMAIN, offset, fields, mac) {
                return Err(self.tampered_log(offset, "journal header failed authentication"));
            }
            self.journal.cksum_init = Some(u32_at(fields, 12));
            let (records, sector) = (u32_at(fields, 8), u64::from(u32_at(fields, 20)));
            // 0xffffffff: a count SQLite computes from the file's size.
            if !self.journal.written && records != u32::MAX && sector >= MIN_SECTOR {
                let start = offset + sector;
                self.journal.counted = Some((start, start + u64::from(records) * RECORD));
            }
            return Ok(());
        }
        let mut signed = [0u8; HDR_FIELDS];
        signed.copy_from_slice(fields);
        signed[..8].copy_from_slice(&MAGIC);
        if self.keys.header_mac_ok(MAC_DOMAIN, offset, &signed, mac) {
            return Err(self.tampered_log(offset, "the journal header's signature was altered"));
        }
        Ok(())
    }

    /// A read that found the end of the journal at `offset`: tampering if
    /// the authenticated header counted records past it.
    fn check_not_cut_short(&self, offset: u64) -> IoResult {
        match self.journal.counted {
            Some((start, end)) if offset >= start && offset < end => {
                Err(self
                    .tampered_log(offset, "the journal ends before the records its header counts (it was cut short)"))
            }
            _ => Ok(()),
        }
    }

    fn journal_read_page(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        let pgno = match self.journal.last_u32_read.take() {
            Some((o, p)) if o == offset - 4 => p,
            _ => {
                let mut b = [0u8; 4];
                if !self.read_exact(&mut b, offset - 4)? {
                    self.check_not_cut_short(offset - 4)?;
                    return Ok(ffi::SQLITE_IOERR_SHORT_READ);
                }
                u32_at(&b, 0)
            }
        };
        if !self.read_exact(buf, offset)? {
            // A record cut short by a crash: SQLite stops playback here;
            // unless the header counted it, which it does only once the
            // record was durable.
            self.check_not_cut_short(offset)?;
            return Ok(ffi::SQLITE_IOERR_SHORT_READ);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&buf[PAGE_SIZE - crate::cipher::RESERVE..][..NONCE_LEN]);
        match self.keys.open_page(pgno, buf) {
            Ok(()) => {
                self.journal.last_page_read = Some((offset, nonce, sample_sum(buf)));
                Ok(ffi::SQLITE_OK)
            }
            Err(OpenFailure::Auth | OpenFailure::ForeignVault) => {
                buf.fill(0);
                if self.journal.written && offset - 4 >= self.journal.high_water {
                    // Leftovers past this transaction's records: SQLite's
                    // checksum would end the rollback here; so does this.
                    return Ok(ffi::SQLITE_IOERR_SHORT_READ);
                }
                Err(self.tampered_page(pgno))
            }
        }
    }
}
