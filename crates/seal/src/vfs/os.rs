//! The platform's default SQLite VFS as a [`LowerVfs`]: every call is passed
//! to it unchanged, so locking and platform quirks stay SQLite's own.

use std::ffi::{CStr, c_int, c_void};
use std::io;
use std::mem::MaybeUninit;
use std::path::Path;

use rusqlite::ffi;

use crate::lower::{LowerFile, LowerVfs};
use crate::store::os as files;

pub(crate) struct OsVfs {
    vfs: *mut ffi::sqlite3_vfs,
}

// SAFETY: the default VFS object is a process-wide static that SQLite
// documents as safe to use from any thread (SQLITE_THREADSAFE=1).
unsafe impl Send for OsVfs {}
// SAFETY: as above; we never mutate it.
unsafe impl Sync for OsVfs {}

impl OsVfs {
    /// `vfs` must be a registered VFS that outlives this value.
    pub(crate) fn new(vfs: *mut ffi::sqlite3_vfs) -> Self {
        OsVfs { vfs }
    }
}

struct OsFile {
    /// Storage for the platform's `sqlite3_file` subclass, u64-aligned.
    mem: Box<[MaybeUninit<u64>]>,
    open: bool,
}

// SAFETY: an OsFile is used by one connection at a time; SQLite's own files
// may be moved between threads under SQLITE_THREADSAFE=1.
unsafe impl Send for OsFile {}

impl OsFile {
    fn ptr(&mut self) -> *mut ffi::sqlite3_file {
        self.mem.as_mut_ptr().cast()
    }

    fn methods(&mut self) -> &ffi::sqlite3_io_methods {
        // SAFETY: `open` is true only after the platform xOpen succeeded,
        // which set pMethods to its static method table.
        unsafe { &*(*self.ptr()).pMethods }
    }
}

macro_rules! call {
    ($self:ident, $method:ident $(, $arg:expr)*) => {{
        let f = $self.methods().$method.expect(concat!("platform VFS has ", stringify!($method)));
        let p = $self.ptr();
        // SAFETY: `p` is the platform file opened by its own xOpen, and the
        // arguments satisfy the method's documented contract (buffers are
        // live slices of the given length).
        unsafe { f(p $(, $arg)*) }
    }};
}

impl LowerFile for OsFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> c_int {
        call!(self, xRead, buf.as_mut_ptr().cast(), buf.len() as c_int, offset as i64)
    }
    fn write(&mut self, buf: &[u8], offset: u64) -> c_int {
        call!(self, xWrite, buf.as_ptr().cast(), buf.len() as c_int, offset as i64)
    }
    fn truncate(&mut self, size: u64) -> c_int {
        call!(self, xTruncate, size as i64)
    }
    fn sync(&mut self, flags: c_int) -> c_int {
        call!(self, xSync, flags)
    }
    fn file_size(&mut self) -> Result<u64, c_int> {
        let mut size: i64 = 0;
        let rc = call!(self, xFileSize, &mut size);
        if rc == ffi::SQLITE_OK { Ok(size as u64) } else { Err(rc) }
    }
    fn lock(&mut self, level: c_int) -> c_int {
        call!(self, xLock, level)
    }
    fn unlock(&mut self, level: c_int) -> c_int {
        call!(self, xUnlock, level)
    }
    fn check_reserved_lock(&mut self) -> Result<bool, c_int> {
        let mut out: c_int = 0;
        let rc = call!(self, xCheckReservedLock, &mut out);
        if rc == ffi::SQLITE_OK { Ok(out != 0) } else { Err(rc) }
    }
    fn file_control(&mut self, op: c_int, arg: *mut c_void) -> c_int {
        call!(self, xFileControl, op, arg)
    }
    fn sector_size(&mut self) -> c_int {
        call!(self, xSectorSize)
    }
    fn device_characteristics(&mut self) -> c_int {
        call!(self, xDeviceCharacteristics)
    }
    fn close(&mut self) -> c_int {
        if !self.open {
            return ffi::SQLITE_OK;
        }
        self.open = false;
        call!(self, xClose)
    }
}

impl Drop for OsFile {
    fn drop(&mut self) {
        self.close();
    }
}

impl OsVfs {
    fn vfs(&self) -> &ffi::sqlite3_vfs {
        // SAFETY: the default VFS is registered for the life of the process.
        unsafe { &*self.vfs }
    }
}

impl LowerVfs for OsVfs {
    fn open(&self, name: &CStr, flags: c_int) -> Result<(Box<dyn LowerFile>, c_int), c_int> {
        if flags & ffi::SQLITE_OPEN_CREATE != 0
            && let Ok(path) = name.to_str()
        {
            // Create it ourselves, owner-only: SQLite would make it 0644.
            // Opening an existing file leaves its mode alone. Should this
            // fail, SQLite's own open below reports why.
            let _ = files::private_create().open(path);
        }
        let words = (self.vfs().szOsFile as usize).div_ceil(8).max(1);
        let mut file = OsFile { mem: vec![MaybeUninit::zeroed(); words].into_boxed_slice(), open: false };
        let mut out_flags: c_int = 0;
        let x_open = self.vfs().xOpen.expect("platform VFS has xOpen");
        // SAFETY: `mem` is zeroed storage of at least szOsFile bytes, as
        // xOpen requires; `name` is SQLite's own filename, or one made by
        // sqlite3_create_filename that the shim keeps alive until the file
        // is closed (`OpenFile::_name`).
        let rc = unsafe { x_open(self.vfs, name.as_ptr(), file.ptr(), flags, &mut out_flags) };
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        file.open = true;
        Ok((Box::new(file), out_flags))
    }

    fn delete(&self, name: &CStr, sync_dir: bool) -> c_int {
        let f = self.vfs().xDelete.expect("platform VFS has xDelete");
        // SAFETY: valid VFS and NUL-terminated name.
        unsafe { f(self.vfs, name.as_ptr(), c_int::from(sync_dir)) }
    }

    fn access(&self, name: &CStr, flags: c_int) -> Result<bool, c_int> {
        let f = self.vfs().xAccess.expect("platform VFS has xAccess");
        let mut out: c_int = 0;
        // SAFETY: valid VFS, NUL-terminated name, live out-pointer.
        let rc = unsafe { f(self.vfs, name.as_ptr(), flags, &mut out) };
        if rc == ffi::SQLITE_OK { Ok(out != 0) } else { Err(rc) }
    }

    fn full_pathname(&self, name: &CStr, out: &mut [u8]) -> c_int {
        let f = self.vfs().xFullPathname.expect("platform VFS has xFullPathname");
        // SAFETY: `out` is a live buffer of the length passed.
        unsafe { f(self.vfs, name.as_ptr(), out.len() as c_int, out.as_mut_ptr().cast()) }
    }

    fn max_pathname(&self) -> c_int {
        self.vfs().mxPathname
    }

    fn file_len(&self, path: &Path) -> io::Result<Option<u64>> {
        files::file_len(path)
    }

    fn read_at(&self, path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<Option<usize>> {
        files::read_at(path, offset, buf)
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        files::write_file(path, bytes)
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        files::sync_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        files::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<bool> {
        files::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        files::sync_dir(dir)
    }

    fn create_dir(&self, dir: &Path) -> io::Result<()> {
        files::create_private_dir(dir)
    }

    fn remove_dir(&self, dir: &Path) -> io::Result<()> {
        match std::fs::remove_dir(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                out.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        out.sort();
        Ok(out)
    }
}
