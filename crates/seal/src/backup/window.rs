//! The database image inside a backup file, presented to SQLite as a
//! read-only database of its own: bytes `B .. B + N·4096` of the file. The
//! sealing layer runs over it with the backup's page keys, so every page
//! SQLite reads during an integrity check or a preview is authenticated
//! again, and nothing is copied or decrypted to disk.

use std::ffi::{CStr, CString, c_int, c_void};
use std::io;
use std::path::Path;
use std::sync::Arc;

use rusqlite::ffi;

use crate::lower::{LowerFile, LowerVfs};

pub(crate) struct WindowVfs {
    inner: Arc<dyn LowerVfs>,
    name: CString,
    offset: u64,
    len: u64,
}

impl WindowVfs {
    pub(crate) fn new(inner: Arc<dyn LowerVfs>, name: CString, offset: u64, len: u64) -> WindowVfs {
        WindowVfs { inner, name, offset, len }
    }
}

struct WindowFile {
    inner: Box<dyn LowerFile>,
    offset: u64,
    len: u64,
}

fn refused() -> io::Error {
    io::Error::new(io::ErrorKind::ReadOnlyFilesystem, "a backup's database image is read-only")
}

impl LowerVfs for WindowVfs {
    fn open(&self, name: &CStr, flags: c_int) -> Result<(Box<dyn LowerFile>, c_int), c_int> {
        // Only the image itself: no journal, log or temporary file exists.
        if name != self.name.as_c_str() || flags & ffi::SQLITE_OPEN_MAIN_DB == 0 {
            return Err(ffi::SQLITE_CANTOPEN);
        }
        let (inner, _) = self.inner.open(name, ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_MAIN_DB)?;
        Ok((Box::new(WindowFile { inner, offset: self.offset, len: self.len }), ffi::SQLITE_OPEN_READONLY))
    }
    fn delete(&self, _name: &CStr, _sync_dir: bool) -> c_int {
        ffi::SQLITE_READONLY
    }
    fn access(&self, name: &CStr, _flags: c_int) -> Result<bool, c_int> {
        Ok(name == self.name.as_c_str())
    }
    fn full_pathname(&self, name: &CStr, out: &mut [u8]) -> c_int {
        let b = name.to_bytes_with_nul();
        if b.len() > out.len() {
            return ffi::SQLITE_CANTOPEN;
        }
        out[..b.len()].copy_from_slice(b);
        ffi::SQLITE_OK
    }
    fn max_pathname(&self) -> c_int {
        self.inner.max_pathname()
    }
    fn file_len(&self, _path: &Path) -> io::Result<Option<u64>> {
        Ok(None)
    }
    fn read_at(&self, _path: &Path, _offset: u64, _buf: &mut [u8]) -> io::Result<Option<usize>> {
        Ok(None)
    }
    fn write_file(&self, _path: &Path, _bytes: &[u8]) -> io::Result<()> {
        Err(refused())
    }
    fn sync_file(&self, _path: &Path) -> io::Result<()> {
        Err(refused())
    }
    fn rename(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        Err(refused())
    }
    fn remove_file(&self, _path: &Path) -> io::Result<bool> {
        Err(refused())
    }
    fn sync_dir(&self, _dir: &Path) -> io::Result<()> {
        Err(refused())
    }
}

impl LowerFile for WindowFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> c_int {
        if offset >= self.len {
            buf.fill(0);
            return ffi::SQLITE_IOERR_SHORT_READ;
        }
        let n = (self.len - offset).min(buf.len() as u64) as usize;
        let rc = self.inner.read(&mut buf[..n], self.offset + offset);
        if n < buf.len() {
            buf[n..].fill(0);
            if rc == ffi::SQLITE_OK {
                return ffi::SQLITE_IOERR_SHORT_READ;
            }
        }
        rc
    }
    fn write(&mut self, _buf: &[u8], _offset: u64) -> c_int {
        ffi::SQLITE_READONLY
    }
    fn truncate(&mut self, _size: u64) -> c_int {
        ffi::SQLITE_READONLY
    }
    fn sync(&mut self, _flags: c_int) -> c_int {
        ffi::SQLITE_OK
    }
    fn file_size(&mut self) -> Result<u64, c_int> {
        Ok(self.len)
    }
    fn lock(&mut self, _level: c_int) -> c_int {
        ffi::SQLITE_OK
    }
    fn unlock(&mut self, _level: c_int) -> c_int {
        ffi::SQLITE_OK
    }
    fn check_reserved_lock(&mut self) -> Result<bool, c_int> {
        Ok(false)
    }
    fn file_control(&mut self, _op: c_int, _arg: *mut c_void) -> c_int {
        ffi::SQLITE_NOTFOUND
    }
    fn sector_size(&mut self) -> c_int {
        crate::PAGE_SIZE as c_int
    }
    fn device_characteristics(&mut self) -> c_int {
        // Nothing can change it while it is read: no locks, no journal.
        ffi::SQLITE_IOCAP_IMMUTABLE
    }
    fn close(&mut self) -> c_int {
        self.inner.close()
    }
}
