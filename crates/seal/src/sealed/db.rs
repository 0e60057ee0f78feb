//! The main database file: whole pages, sealed at their page number.

use std::ffi::c_int;

use rusqlite::ffi;

use super::{Fail, IoResult, SealedFile, ok_or_fail};
use crate::cipher::{OpenFailure, PAGE_SIZE};

const PS: u64 = PAGE_SIZE as u64;

pub(crate) fn pgno_of(offset: u64) -> u32 {
    (offset / PS + 1) as u32
}

impl SealedFile {
    pub(super) fn db_read(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        if buf.len() == PAGE_SIZE && offset.is_multiple_of(PS) {
            return self.db_read_page(buf, offset);
        }
        // A partial read (the first 100 bytes of page 1 before SQLite knows
        // the page size; overflow pages read straight into the caller's
        // buffer): open each page it touches in the scratch buffer and copy.
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = self.db_read_partial(buf, offset, &mut scratch[..PAGE_SIZE]);
        self.scratch = scratch;
        result
    }

    fn db_read_partial(&mut self, buf: &mut [u8], offset: u64, page: &mut [u8]) -> IoResult<c_int> {
        let mut done = 0usize;
        let mut short = false;
        while done < buf.len() {
            let at = offset + done as u64;
            let page_off = at - at % PS;
            let in_page = (at - page_off) as usize;
            let n = (PAGE_SIZE - in_page).min(buf.len() - done);
            match self.db_read_page(page, page_off) {
                Ok(rc) => short |= rc == ffi::SQLITE_IOERR_SHORT_READ,
                // SQLite peeks at the header of page 1 before it takes a lock
                // or rolls back a hot journal, and copes with garbage there:
                // a page 1 torn by a crash must not stop the recovery that
                // repairs it. Zeros say nothing; every use of page 1's content
                // goes through a whole-page read, which still fails.
                Err(Fail { detail: Some(crate::SealError::TamperedPage { .. }), .. }) if page_off == 0 => page.fill(0),
                Err(e) => return Err(e),
            }
            buf[done..done + n].copy_from_slice(&page[in_page..in_page + n]);
            done += n;
        }
        Ok(if short { ffi::SQLITE_IOERR_SHORT_READ } else { ffi::SQLITE_OK })
    }

    fn db_read_page(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        let pgno = pgno_of(offset);
        if !self.read_exact(buf, offset)? {
            // Wholly past the end is how SQLite learns a page is new; part of
            // a page is a truncated file.
            let size = self.lower.file_size().map_err(Fail::lower)?;
            if size <= offset {
                buf.fill(0);
                return Ok(ffi::SQLITE_IOERR_SHORT_READ);
            }
            return Err(self.truncated_page(pgno));
        }
        match self.keys.open_page(pgno, buf) {
            Ok(()) => Ok(ffi::SQLITE_OK),
            Err(OpenFailure::Auth | OpenFailure::ForeignVault) => {
                buf.fill(0);
                Err(self.tampered_page(pgno))
            }
        }
    }

    pub(super) fn db_write(&mut self, buf: &[u8], offset: u64) -> IoResult {
        if buf.len() != PAGE_SIZE || !offset.is_multiple_of(PS) {
            return Err(self.unexpected("write", offset, buf.len()));
        }
        if self.fenced() {
            // A backup reads this file as it stood at its start. Never a
            // BUSY: SQLite would take a refused checkpoint for a finished one.
            return Err(Fail::sealed(ffi::SQLITE_IOERR_WRITE, crate::SealError::SnapshotInProgress));
        }
        let pgno = pgno_of(offset);
        let mut out = std::mem::take(&mut self.scratch);
        let carried = self.take_carry(pgno, buf, &mut out[..PAGE_SIZE]);
        self.scratch = out;
        if !carried {
            if self.checkpointing() {
                // During a checkpoint SQLite holds sealed frames; sealing
                // what it writes would seal a page twice. Never expected.
                return Err(self.unexpected(
                    "checkpoint write of a page not just read from the WAL",
                    offset,
                    buf.len(),
                ));
            }
            self.seal_into_scratch(pgno, buf, 0)?;
        }
        let rc = self.lower.write(&self.scratch[..PAGE_SIZE], offset);
        ok_or_fail(rc)
    }
}
