//! The write-ahead log: frame pages sealed like database pages (so a
//! checkpoint may carry them across), SQLite's plaintext-derived frame
//! checksums masked under a key, and the WAL header MACed.
//!
//! SQLite's layout: a 32-byte header (magic, version, page size, checkpoint
//! sequence, two salts, checksum) and then frames of a 24-byte header
//! (page number, database size for a commit frame, the salts, a cumulative
//! checksum) and one page. We store a MAC in place of the header checksum
//! and a masked value in place of each frame checksum, and give SQLite back
//! the values it wrote whenever it reads them.
//!
//! Recovery reads the frames in order; where a frame fails (tag, salts or
//! checksum) SQLite's answer is "the log ends here". That is right for a
//! tail torn by a crash, and wrong when later, intact transactions follow:
//! those would be silently dropped. So on the first bad frame we look ahead
//! and report tampering if an intact commit frame is followed by any further
//! intact frame (with synchronous=FULL a transaction after a commit only
//! starts once that commit, and every frame before it, is durable).

use std::ffi::c_int;

use rusqlite::ffi;

use super::{Fail, IoResult, SealedFile, ok_or_fail, u32_at, wal_recovery};
use crate::cipher::{LEGACY_WAL_MASK_DOMAIN, NONCE_LEN, OpenFailure, PAGE_SIZE, PageKeys, RESERVE};

pub(crate) use crate::cipher::WAL_FRAME_HDR;
const WAL_HDR: usize = 32;
pub(super) const FRAME: u64 = (WAL_FRAME_HDR + PAGE_SIZE) as u64;
/// How a log's frame checksums are stored, told by the domain its header's
/// MAC verifies under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum WalFormat {
    /// Enciphered under a tweak of nonce and header (`cipher/frame_checksum.rs`).
    #[default]
    Current,
    /// XOR-masked by the nonce alone: logs left by a crash of the version
    /// before. Read only; the vault checkpoints such a log as it opens, so
    /// nothing is ever appended to one.
    Legacy,
}

impl WalFormat {
    pub(super) fn mac_domain(self) -> &'static [u8; 4] {
        match self {
            WalFormat::Current => b"CVW2",
            WalFormat::Legacy => b"CVWH",
        }
    }

    /// The checksum SQLite recorded in the frame whose header is `hdr` (as
    /// stored) and whose page carries `nonce`.
    pub(super) fn recorded(self, keys: &PageKeys, nonce: &[u8; NONCE_LEN], hdr: &[u8; WAL_FRAME_HDR]) -> [u8; 8] {
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&hdr[16..]);
        match self {
            WalFormat::Current => keys.open_frame_checksum(nonce, hdr, stored),
            WalFormat::Legacy => {
                let mask = keys.mask(nonce, LEGACY_WAL_MASK_DOMAIN);
                std::array::from_fn(|i| stored[i] ^ mask[i])
            }
        }
    }

    /// The format whose MAC the header's first 24 bytes carry, if any.
    pub(super) fn of_header(keys: &PageKeys, hdr: &[u8]) -> Option<WalFormat> {
        [WalFormat::Current, WalFormat::Legacy]
            .into_iter()
            .find(|f| keys.header_mac_ok(f.mac_domain(), 0, &hdr[..24], &hdr[24..32]))
    }
}
pub(super) const MAGIC_LE: u32 = 0x377f_0682;
pub(super) const MAGIC_BE: u32 = 0x377f_0683;

/// SQLite's cumulative WAL checksum over 32-bit words.
pub(super) fn wal_checksum(big_endian: bool, data: &[u8], mut s: (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let (a, b) = if big_endian {
            (u32_at(pair, 0), u32_at(pair, 4))
        } else {
            (
                u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]),
                u32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]),
            )
        };
        s.0 = s.0.wrapping_add(a).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(b).wrapping_add(s.0);
    }
    s
}

/// Where an offset falls in the WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Header,
    HeaderChecksum,
    /// Frame number (1-based), at the given part.
    FrameHeader(u64),
    FrameChecksum(u64),
    FramePage(u64),
    Other,
}

fn locate(offset: u64) -> At {
    match offset {
        0 => At::Header,
        24 => At::HeaderChecksum,
        o if o < WAL_HDR as u64 => At::Other,
        o => {
            let rel = o - WAL_HDR as u64;
            let frame = rel / FRAME + 1;
            match rel % FRAME {
                0 => At::FrameHeader(frame),
                16 => At::FrameChecksum(frame),
                24 => At::FramePage(frame),
                _ => At::Other,
            }
        }
    }
}

pub(super) fn frame_offset(frame: u64) -> u64 {
    WAL_HDR as u64 + (frame - 1) * FRAME
}

/// What recovery has established so far: the chain SQLite is walking.
#[derive(Clone, Copy)]
pub(super) struct Chain {
    pub(super) format: WalFormat,
    pub(super) salts: [u8; 8],
    pub(super) big_endian: bool,
    pub(super) sums: (u32, u32),
    pub(super) next_frame: u64,
}

#[derive(Default)]
pub(super) struct WalState {
    /// A frame header written before its page; both go to disk together.
    pending_header: Option<(u64, [u8; WAL_FRAME_HDR])>,
    /// The last whole frame read that opened (offset and its page's
    /// nonce), which SQLite may be about to rewrite the header of.
    last_frame_read: Option<(u64, [u8; NONCE_LEN])>,
    /// The format of the log as its header was last read or written.
    pub(super) format: WalFormat,
    /// Page number of each frame written or read, by frame number - 1.
    frame_pgno: Vec<u32>,
    chain: Option<Chain>,
}

impl WalState {
    pub(super) fn take_pending_header_offset(&mut self) -> Option<u64> {
        self.pending_header.take().map(|(o, _)| o)
    }

    pub(super) fn forget_frames_from(&mut self, size: u64) {
        let keep = if size <= WAL_HDR as u64 { 0 } else { ((size - WAL_HDR as u64) / FRAME) as usize };
        self.frame_pgno.truncate(keep);
        self.last_frame_read = None;
        self.chain = None;
    }

    fn note_pgno(&mut self, frame: u64, pgno: u32) {
        let i = (frame - 1) as usize;
        if self.frame_pgno.len() <= i {
            self.frame_pgno.resize(i + 1, 0);
        }
        self.frame_pgno[i] = pgno;
    }
}

impl SealedFile {
    pub(super) fn wal_write(&mut self, buf: &[u8], offset: u64) -> IoResult {
        let len = buf.len();
        let pending = self.wal.pending_header.take();
        self.wal.chain = None;
        match (locate(offset), len) {
            (At::FramePage(frame), PAGE_SIZE) => {
                let hdr_off = frame_offset(frame);
                if let Some((off, hdr)) = pending.filter(|(o, _)| *o == hdr_off) {
                    let _ = off;
                    return self.write_frame(frame, hdr, buf);
                }
                if pending.is_some() {
                    return Err(self.unexpected("write", offset, len));
                }
                // SQLite overwriting a frame of the open transaction in place;
                // it rewrites the checksums of such frames before committing.
                let pgno = self.frame_pgno(frame)?;
                self.wal.last_frame_read = None;
                self.seal_into_scratch(pgno, buf, 0)?;
                ok_or_fail(self.lower.write(&self.scratch[..PAGE_SIZE], offset))
            }
            (At::FrameHeader(frame), WAL_FRAME_HDR) if pending.is_none() => {
                let mut hdr = [0u8; WAL_FRAME_HDR];
                hdr.copy_from_slice(buf);
                match self.wal.last_frame_read.take() {
                    Some((o, nonce)) if o == offset => {
                        // Checksum rewrite of a frame already on disk: a new
                        // value enciphered under the same tweak reveals
                        // nothing of the old, so only the header changes.
                        if self.wal.format != WalFormat::Current {
                            return Err(self.unexpected("rewrite in a log of the earlier format", offset, len));
                        }
                        let mut sum = [0u8; 8];
                        sum.copy_from_slice(&hdr[16..]);
                        let stored = self.keys.seal_frame_checksum(&nonce, &hdr, sum);
                        hdr[16..].copy_from_slice(&stored);
                        self.wal.note_pgno(frame, u32_at(&hdr, 0));
                        ok_or_fail(self.lower.write(&hdr, offset))
                    }
                    _ => {
                        self.wal.pending_header = Some((offset, hdr));
                        Ok(())
                    }
                }
            }
            (At::Header, WAL_HDR) if pending.is_none() => {
                let mut out = [0u8; WAL_HDR];
                out[..24].copy_from_slice(&buf[..24]);
                let mac = self.keys.header_mac(WalFormat::Current.mac_domain(), 0, &buf[..24]);
                out[24..].copy_from_slice(&mac[..8]);
                self.wal.frame_pgno.clear();
                self.wal.last_frame_read = None;
                self.wal.format = WalFormat::Current;
                ok_or_fail(self.lower.write(&out, 0))
            }
            _ => Err(self.unexpected("write", offset, len)),
        }
    }

    /// Seals `plain` with the page number of `hdr`, masks the checksum, and
    /// writes header and page in one write.
    fn write_frame(&mut self, frame: u64, mut hdr: [u8; WAL_FRAME_HDR], plain: &[u8]) -> IoResult {
        let pgno = u32_at(&hdr, 0);
        if pgno == 0 {
            return Err(self.unexpected("write", frame_offset(frame), WAL_FRAME_HDR));
        }
        if self.wal.format != WalFormat::Current {
            return Err(self.unexpected("append to a log of the earlier format", frame_offset(frame), WAL_FRAME_HDR));
        }
        let nonce = self.seal_into_scratch(pgno, plain, WAL_FRAME_HDR)?;
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&hdr[16..]);
        let stored = self.keys.seal_frame_checksum(&nonce, &hdr, sum);
        hdr[16..].copy_from_slice(&stored);
        self.scratch[..WAL_FRAME_HDR].copy_from_slice(&hdr);
        self.wal.note_pgno(frame, pgno);
        ok_or_fail(self.lower.write(&self.scratch[..WAL_FRAME_HDR + PAGE_SIZE], frame_offset(frame)))
    }

    fn frame_pgno(&mut self, frame: u64) -> IoResult<u32> {
        if let Some(&p) = self.wal.frame_pgno.get((frame - 1) as usize)
            && p != 0
        {
            return Ok(p);
        }
        let mut hdr = [0u8; 4];
        let off = frame_offset(frame);
        if !self.read_exact(&mut hdr, off)? {
            return Err(self.unexpected("read", off, 4));
        }
        let p = u32_at(&hdr, 0);
        self.wal.note_pgno(frame, p);
        Ok(p)
    }

    pub(super) fn wal_read(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        let len = buf.len();
        if self.wal.pending_header.is_some() {
            let off = self.wal.take_pending_header_offset().unwrap_or(offset);
            return Err(self.unexpected("read", off, len));
        }
        match (locate(offset), len) {
            (At::Header, WAL_HDR) => self.read_wal_header(buf),
            (At::HeaderChecksum, 8) => {
                // SQLite rewriting checksums from the first frame: this is
                // not recovery, so no chain starts here.
                let mut hdr = [0u8; WAL_HDR];
                if self.read_wal_header(&mut hdr)? != ffi::SQLITE_OK {
                    return Err(self.unexpected("read", offset, len));
                }
                self.wal.chain = None;
                buf.copy_from_slice(&hdr[24..]);
                Ok(ffi::SQLITE_OK)
            }
            (At::FrameChecksum(frame), 8) => {
                self.wal.chain = None;
                // The header whose fields and the page whose nonce mask the
                // checksum. Only the header and the nonce are needed.
                let mut hdr = [0u8; WAL_FRAME_HDR];
                let hdr_off = frame_offset(frame);
                if !self.read_exact(&mut hdr, hdr_off)? {
                    return Err(self.unexpected("read", offset, len));
                }
                let mut nonce = [0u8; NONCE_LEN];
                let nonce_off = hdr_off + FRAME - RESERVE as u64;
                if !self.read_exact(&mut nonce, nonce_off)? {
                    return Err(self.unexpected("read", offset, len));
                }
                buf.copy_from_slice(&self.wal.format.recorded(&self.keys, &nonce, &hdr));
                Ok(ffi::SQLITE_OK)
            }
            (At::FrameHeader(frame), l) if l == WAL_FRAME_HDR + PAGE_SIZE => self.read_whole_frame(frame, buf),
            (At::FramePage(frame), PAGE_SIZE) => {
                self.wal.chain = None;
                self.wal.last_frame_read = None;
                let pgno = self.frame_pgno(frame)?;
                if !self.read_exact(buf, offset)? {
                    return Err(self.truncated_page(pgno));
                }
                if self.checkpointing() {
                    // A checkpoint copies this frame into the database and
                    // never looks inside: its sealed bytes are valid there
                    // (the page is bound to its number, not its file), so
                    // they pass through unopened. The frames were sealed by
                    // this process or authenticated by recovery; the
                    // database page is authenticated whenever it is read.
                    self.remember_carry(pgno, buf, None);
                    return Ok(ffi::SQLITE_OK);
                }
                let mut sealed = std::mem::take(&mut self.scratch);
                sealed[..PAGE_SIZE].copy_from_slice(buf);
                let opened = self.keys.open_page(pgno, buf);
                if opened.is_ok() {
                    self.remember_carry(pgno, &sealed[..PAGE_SIZE], Some(buf));
                }
                self.scratch = sealed;
                match opened {
                    Ok(()) => Ok(ffi::SQLITE_OK),
                    Err(OpenFailure::Auth | OpenFailure::ForeignVault) => {
                        buf.fill(0);
                        Err(self.tampered_page(pgno))
                    }
                }
            }
            _ => Err(self.unexpected("read", offset, len)),
        }
    }

    /// Reads the WAL header, checks its MAC and gives SQLite its checksum.
    /// A header without the WAL magic (never written, or zeroed) is passed
    /// through for SQLite to ignore.
    fn read_wal_header(&mut self, buf: &mut [u8]) -> IoResult<c_int> {
        self.wal.chain = None;
        self.wal.last_frame_read = None;
        let rc = self.lower.read(buf, 0);
        if rc != ffi::SQLITE_OK {
            return if rc == ffi::SQLITE_IOERR_SHORT_READ { Ok(rc) } else { Err(Fail::lower(rc)) };
        }
        let magic = u32_at(buf, 0);
        if magic != MAGIC_LE && magic != MAGIC_BE {
            // SQLite will ignore a log without its signature. That is right
            // for a log never written, and wrong if the signature was
            // altered: all its committed transactions would vanish.
            let lower = &mut self.lower;
            let mut read = |off: u64, b: &mut [u8]| lower.read(b, off) == ffi::SQLITE_OK;
            let altered = wal_recovery::signature_altered(&self.keys, buf)
                || wal_recovery::holds_authentic_commit(&self.keys, &mut read);
            if altered {
                return Err(self.tampered_log(0, "the WAL header's signature was altered"));
            }
            return Ok(rc);
        }
        let Some(format) = WalFormat::of_header(&self.keys, buf) else {
            return Err(self.tampered_log(0, "WAL header failed authentication"));
        };
        if format == WalFormat::Legacy {
            if !self.shared.legacy_wal_allowed.load(std::sync::atomic::Ordering::Acquire) {
                return Err(
                    self.tampered_log(0, "a write-ahead log of the earlier format, which this vault no longer writes")
                );
            }
            self.shared.legacy_wal.store(true, std::sync::atomic::Ordering::Release);
        }
        self.wal.format = format;
        let big_endian = magic == MAGIC_BE;
        let sums = wal_checksum(big_endian, &buf[..24], (0, 0));
        buf[24..28].copy_from_slice(&sums.0.to_be_bytes());
        buf[28..32].copy_from_slice(&sums.1.to_be_bytes());
        let mut salts = [0u8; 8];
        salts.copy_from_slice(&buf[16..24]);
        self.wal.chain = Some(Chain { salts, big_endian, sums, next_frame: 1, format });
        Ok(rc)
    }

    /// A whole frame: during recovery (reading in order after the header)
    /// each frame is checked as SQLite will; elsewhere (SQLite rereading
    /// frames of its own open transaction) the page must open.
    fn read_whole_frame(&mut self, frame: u64, buf: &mut [u8]) -> IoResult<c_int> {
        let offset = frame_offset(frame);
        let chain = self.wal.chain.take().filter(|c| c.next_frame == frame);
        self.wal.last_frame_read = None;
        if !self.read_exact(buf, offset)? {
            // A frame cut short: recovery stops here, as SQLite's would.
            return Ok(ffi::SQLITE_IOERR_SHORT_READ);
        }
        let (hdr, page) = buf.split_at_mut(WAL_FRAME_HDR);
        let pgno = u32_at(hdr, 0);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&page[PAGE_SIZE - RESERVE..][..NONCE_LEN]);
        let opened = pgno != 0 && self.keys.open_page(pgno, page).is_ok();
        let mut fields = [0u8; WAL_FRAME_HDR];
        fields.copy_from_slice(hdr);
        hdr[16..].copy_from_slice(&self.wal.format.recorded(&self.keys, &nonce, &fields));
        let Some(chain) = chain else {
            if opened {
                // SQLite rereading a frame of its open transaction: it may be
                // about to rewrite its header. (Never during recovery: a
                // frame recovery reads past the log's end is not one SQLite
                // will rewrite, and the next frame written there is new.)
                self.wal.last_frame_read = Some((offset, nonce));
            }
            if !opened {
                buf.fill(0);
                return Err(self.tampered_page(pgno));
            }
            self.wal.note_pgno(frame, pgno);
            return Ok(ffi::SQLITE_OK);
        };
        let sums = wal_checksum(chain.big_endian, page, wal_checksum(chain.big_endian, &hdr[..8], chain.sums));
        let intact = opened && hdr[8..16] == chain.salts && u32_at(hdr, 16) == sums.0 && u32_at(hdr, 20) == sums.1;
        if intact {
            self.wal.note_pgno(frame, pgno);
            self.wal.chain = Some(Chain { sums, next_frame: frame + 1, ..chain });
            return Ok(ffi::SQLITE_OK);
        }
        let lower = &mut self.lower;
        let mut read = |off: u64, b: &mut [u8]| lower.read(b, off) == ffi::SQLITE_OK;
        if wal_recovery::tampered_at(&self.keys, &mut read, frame, &chain, chain.sums) {
            buf.fill(0);
            return Err(self.tampered_log(offset, "a WAL frame that later transactions build on failed authentication"));
        }
        // The torn tail of an unfinished transaction: make sure SQLite sees
        // the end of the log here (page number 0, salts that cannot match),
        // whatever bytes the tear left.
        buf.fill(0);
        for (b, s) in buf[8..16].iter_mut().zip(chain.salts) {
            *b = !s;
        }
        Ok(ffi::SQLITE_OK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_maps_offsets_to_wal_structures() {
        assert_eq!(locate(0), At::Header);
        assert_eq!(locate(24), At::HeaderChecksum);
        assert_eq!(locate(32), At::FrameHeader(1));
        assert_eq!(locate(48), At::FrameChecksum(1));
        assert_eq!(locate(56), At::FramePage(1));
        assert_eq!(locate(32 + FRAME), At::FrameHeader(2));
        assert_eq!(locate(33), At::Other);
    }

    #[test]
    fn checksum_matches_sqlite_definition_on_a_known_input() {
        // Two words each, little-endian: s1 = 1 + 0 = 1; s2 = 2 + 1 = 3.
        let data = [1, 0, 0, 0, 2, 0, 0, 0];
        assert_eq!(wal_checksum(false, &data, (0, 0)), (1, 3));
        let be = [0, 0, 0, 1, 0, 0, 0, 2];
        assert_eq!(wal_checksum(true, &be, (0, 0)), (1, 3));
    }
}
