//! The layer under the sealing shim: the platform's default SQLite VFS in
//! production, or a simulated disk in crash tests. The shim sees only these
//! traits, so the same sealing code runs over both.

use std::ffi::{CStr, c_int, c_void};
use std::io;
use std::path::Path;
use std::sync::Arc;

/// A file as the lower layer presents it. Return values are SQLite result
/// codes, as the VFS contract defines them: a read past the end fills the
/// rest of `buf` with zeros and returns `SQLITE_IOERR_SHORT_READ`.
pub trait LowerFile: Send {
    /// Reads `buf.len()` bytes at `offset`.
    fn read(&mut self, buf: &mut [u8], offset: u64) -> c_int;
    /// Writes `buf` at `offset`.
    fn write(&mut self, buf: &[u8], offset: u64) -> c_int;
    /// Sets the file's size.
    fn truncate(&mut self, size: u64) -> c_int;
    /// Makes written data durable.
    fn sync(&mut self, flags: c_int) -> c_int;
    /// The file's size.
    fn file_size(&mut self) -> Result<u64, c_int>;
    /// Takes a lock of the given level.
    fn lock(&mut self, level: c_int) -> c_int;
    /// Drops to the given lock level.
    fn unlock(&mut self, level: c_int) -> c_int;
    /// Whether another connection holds a RESERVED lock.
    fn check_reserved_lock(&mut self) -> Result<bool, c_int>;
    /// A file-control call, passed on untouched. `arg` is only ever handed
    /// back to the platform VFS, never dereferenced by safe code.
    fn file_control(&mut self, op: c_int, arg: *mut c_void) -> c_int;
    /// The sector size.
    fn sector_size(&mut self) -> c_int;
    /// The device characteristics flags.
    fn device_characteristics(&mut self) -> c_int;
    /// Closes the file.
    fn close(&mut self) -> c_int;
}

/// A file system as the lower layer presents it.
pub trait LowerVfs: Send + Sync {
    /// Opens a file. `name` is `None` only for temporary files, which the
    /// shim refuses before asking.
    fn open(&self, name: &CStr, flags: c_int) -> Result<(Box<dyn LowerFile>, c_int), c_int>;
    /// Deletes a file.
    fn delete(&self, name: &CStr, sync_dir: bool) -> c_int;
    /// `xAccess`: whether the file exists (or is readable/writable).
    fn access(&self, name: &CStr, flags: c_int) -> Result<bool, c_int>;
    /// Writes the canonical path of `name` into `out` (NUL-terminated).
    fn full_pathname(&self, name: &CStr, out: &mut [u8]) -> c_int;
    /// The largest path this layer accepts.
    fn max_pathname(&self) -> c_int;

    // The vault's own file operations, outside SQLite: the key-slot file,
    // headers it checks before SQLite opens a file, and rekey's swap. They go
    // through this layer too, so that crash tests cover them.

    /// The length of a file, or `None` if it does not exist.
    fn file_len(&self, path: &Path) -> io::Result<Option<u64>>;
    /// Reads at `offset` into `buf`; returns how many bytes were read (0 at
    /// the end), or `None` if the file does not exist.
    fn read_at(&self, path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<Option<usize>>;
    /// Creates or truncates a file and writes `bytes` (not yet durable).
    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Makes a file's contents durable.
    fn sync_file(&self, path: &Path) -> io::Result<()>;
    /// Renames `from` over `to` (durable once the directory is synced).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file; `false` if there was none.
    fn remove_file(&self, path: &Path) -> io::Result<bool>;
    /// Makes renames, creations and removals in `dir` durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;

    // Folders, for restore's staging and the copy kept aside. A layer
    // without folders (a flat simulated disk) keeps the defaults.

    /// Makes the folder `dir` (and its parents), owner-only where the
    /// platform has such modes.
    fn create_dir(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }
    /// Removes the empty folder `dir`; `Ok` if there is none.
    fn remove_dir(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }
    /// The files (not folders) directly inside `dir`, by name.
    fn list_files(&self, _dir: &Path) -> io::Result<Vec<String>> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "this layer cannot list folders"))
    }
}

/// The lower layer a vault runs on.
#[derive(Clone)]
pub enum Lower {
    /// The platform's default SQLite VFS (unix or win32).
    Os,
    /// Any other implementation, such as the simulated disk of the tests.
    Custom(Arc<dyn LowerVfs>),
}

impl std::fmt::Debug for Lower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lower::Os => f.write_str("Lower::Os"),
            Lower::Custom(_) => f.write_str("Lower::Custom"),
        }
    }
}
