//! The SQLite VFS shim: the only place in Chartvault with `unsafe`.
//!
//! Each open vault registers its own VFS (a unique name, its own keys) over
//! a lower layer. This module only translates SQLite's C calls into calls on
//! [`SealedFile`], whose logic is safe Rust.
//!
//! The file method table is version 1: it has no shared-memory and no
//! memory-map methods, so SQLite can neither create a `-shm` file nor read
//! pages around the shim (WAL then requires `locking_mode=EXCLUSIVE`, which
//! keeps the WAL index in heap memory).

mod os;

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::ffi;

use crate::cipher::nonce_rng;
use crate::error::FileKind;
use crate::lower::{Lower, LowerVfs};
use crate::names::{map_sqlite_name, ours};
use crate::sealed::{Fail, SealedFile, Shared};
use crate::{Result, SealError};

/// An open file as SQLite holds it: the base struct SQLite expects, and our
/// state behind a pointer.
#[repr(C)]
struct FileHandle {
    base: ffi::sqlite3_file,
    open: *mut OpenFile,
}

struct OpenFile {
    sealed: SealedFile,
    shared: Arc<Shared>,
    /// The name the lower file was opened under, when it is not SQLite's.
    /// Declared after `sealed`: dropped after the lower file.
    _name: Option<SqliteName>,
}

/// A file name laid out as SQLite lays out its own (`sqlite3_create_filename`):
/// a platform VFS may read URI parameters after a name it is given (Windows'
/// `winOpen` does for every file), which a bare C string does not have.
struct SqliteName(*const c_char);

// SAFETY: the allocation is owned by this value alone and freed once, in
// Drop; SQLite's allocator may be called from any thread.
unsafe impl Send for SqliteName {}

impl SqliteName {
    fn new(name: &CStr) -> Option<SqliteName> {
        // SAFETY: `name` is NUL-terminated; empty journal and WAL names and
        // no parameters are valid arguments, as SQLite documents.
        let p =
            unsafe { ffi::sqlite3_create_filename(name.as_ptr(), c"".as_ptr(), c"".as_ptr(), 0, std::ptr::null_mut()) };
        (!p.is_null()).then_some(SqliteName(p))
    }

    fn as_cstr(&self) -> &CStr {
        // SAFETY: a non-null result of sqlite3_create_filename points at the
        // NUL-terminated copy of the name, alive until it is freed in Drop.
        unsafe { CStr::from_ptr(self.0) }
    }
}

impl Drop for SqliteName {
    fn drop(&mut self) {
        // SAFETY: made by sqlite3_create_filename and freed only here, after
        // the file that used it is closed (field order of OpenFile).
        unsafe { ffi::sqlite3_free_filename(self.0) }
    }
}

struct AppData {
    shared: Arc<Shared>,
    lower: Arc<dyn LowerVfs>,
    /// The platform VFS, for randomness, sleep and time.
    os: *mut ffi::sqlite3_vfs,
}

/// A registered VFS; unregistered and freed on drop. Every connection that
/// uses it must be closed first (the vault's field order guarantees this).
pub(crate) struct Registration {
    name: CString,
    vfs: *mut ffi::sqlite3_vfs,
}

// SAFETY: the registration is only a handle; SQLite serialises access to
// the VFS list, and the AppData it points to is Send + Sync.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Registration {
    pub(crate) fn new(shared: Arc<Shared>, lower: &Lower) -> Result<Registration> {
        watch_forks();
        let os = default_vfs()?;
        let lower = resolve(lower)?;
        let name =
            CString::new(format!("chartvault-{}-{}", std::process::id(), NEXT_ID.fetch_add(1, Ordering::Relaxed)))
                .expect("no NUL in name");
        let max_path = lower.max_pathname();
        let app = Box::into_raw(Box::new(AppData { shared, lower, os }));
        let vfs = Box::into_raw(Box::new(ffi::sqlite3_vfs {
            iVersion: 2,
            szOsFile: std::mem::size_of::<FileHandle>() as c_int,
            mxPathname: max_path,
            pNext: std::ptr::null_mut(),
            zName: name.as_ptr(),
            pAppData: app.cast(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            xAccess: Some(x_access),
            xFullPathname: Some(x_full_pathname),
            xDlOpen: None,
            xDlError: None,
            xDlSym: None,
            xDlClose: None,
            xRandomness: Some(x_randomness),
            xSleep: Some(x_sleep),
            xCurrentTime: Some(x_current_time),
            xGetLastError: Some(x_get_last_error),
            xCurrentTimeInt64: Some(x_current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        }));
        // SAFETY: `vfs` is a fully initialised, heap-allocated VFS whose name
        // and app data live until `Drop` unregisters it.
        let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: registration failed, so SQLite holds no pointer to them.
            unsafe {
                drop(Box::from_raw(vfs));
                drop(Box::from_raw(app));
            }
            return Err(SealError::Sqlite(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None)));
        }
        Ok(Registration { name, vfs })
    }

    /// The name to pass as `vfs=` when opening connections.
    pub(crate) fn name(&self) -> &str {
        self.name.to_str().expect("ASCII name")
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `vfs` was registered by `new`; after unregistering, SQLite
        // holds no pointer to it or its app data, and no connection uses it
        // (the vault closes its connection before dropping this).
        unsafe {
            ffi::sqlite3_vfs_unregister(self.vfs);
            let vfs = Box::from_raw(self.vfs);
            drop(Box::from_raw(vfs.pAppData.cast::<AppData>()));
        }
    }
}

/// The platform's default VFS.
fn default_vfs() -> Result<*mut ffi::sqlite3_vfs> {
    // SAFETY: a null name asks for the default VFS; SQLite initialises
    // itself if needed and returns a pointer valid for the process.
    let os = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
    if os.is_null() {
        return Err(SealError::Sqlite(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_ERROR),
            Some("no default SQLite VFS".into()),
        )));
    }
    Ok(os)
}

/// The lower layer as a trait object.
pub(crate) fn resolve(lower: &Lower) -> Result<Arc<dyn LowerVfs>> {
    Ok(match lower {
        Lower::Os => Arc::new(os::OsVfs::new(default_vfs()?)),
        Lower::Custom(l) => l.clone(),
    })
}

static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// # Safety
/// `vfs` must be a VFS created by [`Registration::new`].
unsafe fn app<'a>(vfs: *mut ffi::sqlite3_vfs) -> &'a AppData {
    // SAFETY: guaranteed by the caller; the app data outlives the VFS.
    unsafe { &*(*vfs).pAppData.cast::<AppData>() }
}

/// # Safety
/// `file` must be a handle opened by [`x_open`] and not yet closed.
unsafe fn open_file<'a>(file: *mut ffi::sqlite3_file) -> &'a mut OpenFile {
    // SAFETY: guaranteed by the caller; SQLite never uses one file from two
    // threads at once.
    unsafe { &mut *(*file.cast::<FileHandle>()).open }
}

/// Runs a callback's body, answering an I/O error instead of unwinding
/// into SQLite's C frames (which would abort the process).
fn guard(body: impl FnOnce() -> c_int) -> c_int {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(ffi::SQLITE_IOERR)
}

fn record(shared: &Shared, fail: Fail) -> c_int {
    if let Some(detail) = fail.detail {
        *shared.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some((fail.code, detail));
    }
    fail.code
}

fn kind_of(flags: c_int) -> Option<FileKind> {
    if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 {
        Some(FileKind::Database)
    } else if flags & ffi::SQLITE_OPEN_MAIN_JOURNAL != 0 {
        Some(FileKind::Journal)
    } else if flags & ffi::SQLITE_OPEN_WAL != 0 {
        Some(FileKind::Wal)
    } else {
        None
    }
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    guard(|| {
        // SAFETY: SQLite calls this with our VFS and a zeroed handle of
        // szOsFile bytes.
        let app = unsafe { app(vfs) };
        // SAFETY: as above; a null pMethods tells SQLite not to call xClose.
        unsafe { (*file).pMethods = std::ptr::null() };
        // Temporary files, sub-journals and super-journals would hold plaintext
        // outside the vault; with SQLITE_TEMP_STORE=3 SQLite keeps them in
        // memory, so one arriving here is refused rather than written.
        let (Some(kind), false) = (kind_of(flags), name.is_null()) else {
            return record(
                &app.shared,
                Fail {
                    code: ffi::SQLITE_CANTOPEN,
                    detail: Some(SealError::UnexpectedIo {
                        kind: FileKind::Database,
                        op: "open of a temporary file",
                        offset: 0,
                        len: 0,
                    }),
                },
            );
        };
        // SAFETY: non-null, NUL-terminated filename owned by SQLite.
        let cname = unsafe { CStr::from_ptr(name) };
        // A log gets a name of our own (see `crate::names`); the lower layer may
        // keep the pointer until the file closes, so the mapped name lives in
        // the open file, dropped after it.
        let mapped = match map_sqlite_name(cname) {
            None => None,
            Some(c) => match SqliteName::new(&c) {
                Some(n) => Some(n),
                None => return ffi::SQLITE_NOMEM,
            },
        };
        let (lower, lower_flags) = match app.lower.open(mapped.as_ref().map_or(cname, SqliteName::as_cstr), flags) {
            Ok(x) => x,
            Err(rc) => return rc,
        };
        let rng = match nonce_rng() {
            Ok(r) => r,
            Err(_) => return ffi::SQLITE_CANTOPEN,
        };
        let path = PathBuf::from(mapped.as_ref().map_or(cname, SqliteName::as_cstr).to_string_lossy().into_owned());
        let sealed = SealedFile::new(kind, path, lower, app.shared.clone(), rng);
        let open = Box::into_raw(Box::new(OpenFile { sealed, shared: app.shared.clone(), _name: mapped }));
        // SAFETY: `file` has room for a FileHandle (szOsFile); we initialise it
        // whole, then publish the method table.
        unsafe {
            let h = file.cast::<FileHandle>();
            (*h).open = open;
            (*h).base.pMethods = &IO_METHODS;
            if !out_flags.is_null() {
                *out_flags = lower_flags;
            }
        }
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    guard(|| {
        // SAFETY: SQLite closes each file it opened exactly once.
        let open = unsafe { Box::from_raw((*file.cast::<FileHandle>()).open) };
        let mut open = open;
        let rc = open.sealed.lower.close();
        // SAFETY: the handle is dead from here; clear it against reuse.
        unsafe { (*file.cast::<FileHandle>()).open = std::ptr::null_mut() };
        rc
    })
}

unsafe extern "C" fn x_read(file: *mut ffi::sqlite3_file, buf: *mut c_void, amt: c_int, off: i64) -> c_int {
    guard(|| {
        // SAFETY: an open handle; SQLite passes a writable buffer of `amt` bytes.
        let (f, buf) = unsafe { (open_file(file), std::slice::from_raw_parts_mut(buf.cast::<u8>(), amt as usize)) };
        match f.sealed.read(buf, off as u64) {
            Ok(rc) => rc,
            Err(fail) => record(&f.shared, fail),
        }
    })
}

unsafe extern "C" fn x_write(file: *mut ffi::sqlite3_file, buf: *const c_void, amt: c_int, off: i64) -> c_int {
    guard(|| {
        // SAFETY: an open handle; SQLite passes a readable buffer of `amt` bytes.
        let (f, buf) = unsafe { (open_file(file), std::slice::from_raw_parts(buf.cast::<u8>(), amt as usize)) };
        match f.sealed.write(buf, off as u64) {
            Ok(()) => ffi::SQLITE_OK,
            Err(fail) => record(&f.shared, fail),
        }
    })
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        let f = unsafe { open_file(file) };
        match f.sealed.truncate(size as u64) {
            Ok(()) => ffi::SQLITE_OK,
            Err(fail) => record(&f.shared, fail),
        }
    })
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        let f = unsafe { open_file(file) };
        match f.sealed.sync(flags) {
            Ok(()) => ffi::SQLITE_OK,
            Err(fail) => record(&f.shared, fail),
        }
    })
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, out: *mut i64) -> c_int {
    guard(|| {
        // SAFETY: an open handle and a live out-pointer.
        let f = unsafe { open_file(file) };
        match f.sealed.lower.file_size() {
            Ok(n) => {
                // SAFETY: live out-pointer.
                unsafe { *out = n as i64 };
                ffi::SQLITE_OK
            }
            Err(rc) => rc,
        }
    })
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        unsafe { open_file(file) }.sealed.lower.lock(level)
    })
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        unsafe { open_file(file) }.sealed.lower.unlock(level)
    })
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        match unsafe { open_file(file) }.sealed.lower.check_reserved_lock() {
            Ok(held) => {
                // SAFETY: live out-pointer.
                unsafe { *out = c_int::from(held) };
                ffi::SQLITE_OK
            }
            Err(rc) => rc,
        }
    })
}

unsafe extern "C" fn x_file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        let f = unsafe { open_file(file) };
        f.sealed.note_file_control(op);
        f.sealed.lower.file_control(op, arg)
    })
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        unsafe { open_file(file) }.sealed.lower.sector_size()
    })
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    guard(|| {
        // SAFETY: an open handle.
        let caps = unsafe { open_file(file) }.sealed.lower.device_characteristics();
        // Batch-atomic writes would skip the journal and safe-append would skip
        // its record counts: I/O shapes the shim is not written for.
        caps & !(ffi::SQLITE_IOCAP_BATCH_ATOMIC | ffi::SQLITE_IOCAP_SAFE_APPEND | ffi::SQLITE_IOCAP_SEQUENTIAL)
    })
}

unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    guard(|| {
        // SAFETY: our VFS and a NUL-terminated name from SQLite.
        let (app, name) = unsafe { (app(vfs), CStr::from_ptr(name)) };
        app.lower.delete(&ours(name), sync_dir != 0)
    })
}

unsafe extern "C" fn x_access(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: our VFS and a NUL-terminated name from SQLite.
        let (app, name) = unsafe { (app(vfs), CStr::from_ptr(name)) };
        match app.lower.access(&ours(name), flags) {
            Ok(yes) => {
                // SAFETY: live out-pointer.
                unsafe { *out = c_int::from(yes) };
                ffi::SQLITE_OK
            }
            Err(rc) => rc,
        }
    })
}

unsafe extern "C" fn x_full_pathname(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    guard(|| {
        // SAFETY: our VFS, a NUL-terminated name, and an output buffer of `n`
        // bytes, all from SQLite.
        let (app, name, out) =
            unsafe { (app(vfs), CStr::from_ptr(name), std::slice::from_raw_parts_mut(out.cast::<u8>(), n as usize)) };
        app.lower.full_pathname(name, out)
    })
}

unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    guard(|| {
        // SAFETY: delegating to the platform VFS with SQLite's own arguments.
        unsafe {
            let os = app(vfs).os;
            ((*os).xRandomness.expect("xRandomness"))(os, n, out)
        }
    })
}

unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    guard(|| {
        // SAFETY: delegating to the platform VFS.
        unsafe {
            let os = app(vfs).os;
            ((*os).xSleep.expect("xSleep"))(os, micros)
        }
    })
}

unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    guard(|| {
        // SAFETY: delegating to the platform VFS.
        unsafe {
            let os = app(vfs).os;
            ((*os).xCurrentTime.expect("xCurrentTime"))(os, out)
        }
    })
}

unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    guard(|| {
        // SAFETY: delegating to the platform VFS, which is version 2 or later
        // on every supported platform.
        unsafe {
            let os = app(vfs).os;
            match (*os).xCurrentTimeInt64 {
                Some(f) => f(os, out),
                None => ffi::SQLITE_ERROR,
            }
        }
    })
}

unsafe extern "C" fn x_get_last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    guard(|| {
        // SAFETY: delegating to the platform VFS.
        unsafe {
            let os = app(vfs).os;
            match (*os).xGetLastError {
                Some(f) => f(os, n, out),
                None => 0,
            }
        }
    })
}

/// Counts the times this process was forked into a child (0 in the
/// original process): a nonce generator seeded before a fork reseeds when
/// this changes, or parent and child would draw the same nonces. One atomic
/// load per seal, where asking the OS for the process id costs a system
/// call.
pub(crate) fn fork_generation() -> u64 {
    FORKS.load(Ordering::Relaxed)
}

static FORKS: AtomicU64 = AtomicU64::new(0);

/// Registers the fork handler once per process.
fn watch_forks() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        extern "C" fn in_child() {
            FORKS.fetch_add(1, Ordering::Relaxed);
        }
        ONCE.call_once(|| {
            // SAFETY: `in_child` is a plain function that only touches an
            // atomic, safe to run in a freshly forked child; registering
            // handlers has no other precondition.
            unsafe {
                libc::pthread_atfork(None, None, Some(in_child));
            }
        });
    }
    // Windows has no fork: the generation stays 0.
}

/// Sets the number of reserved bytes per page of a new, empty database
/// (before its first table), where the shim keeps nonce and tag.
pub(crate) fn set_reserve_bytes(conn: &rusqlite::Connection, n: u8) -> Result<()> {
    let mut value = c_int::from(n);
    // SAFETY: `handle()` is the live connection; "main" is a valid schema
    // name; the argument is an int as SQLITE_FCNTL_RESERVE_BYTES expects.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_RESERVE_BYTES,
            (&raw mut value).cast(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(SealError::Sqlite(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None)));
    }
    Ok(())
}

/// Cache statistics of a connection: (misses, writes) since it opened.
pub fn cache_stats(conn: &rusqlite::Connection) -> (i64, i64) {
    let get = |op| {
        let (mut cur, mut hi) = (0, 0);
        // SAFETY: live connection handle and out-pointers.
        unsafe { ffi::sqlite3_db_status(conn.handle(), op, &mut cur, &mut hi, 0) };
        i64::from(cur)
    };
    (get(ffi::SQLITE_DBSTATUS_CACHE_MISS), get(ffi::SQLITE_DBSTATUS_CACHE_WRITE))
}
