//! Faults of the layer under the shim that no crash image shows: a panic
//! inside a callback, and a failed read of page 1's header.

mod common;

use std::ffi::{CStr, c_int, c_void};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chartvault_seal::rusqlite::ffi;
use chartvault_seal::testkit::SimDisk;
use chartvault_seal::{CreateOptions, JournalMode, Lower, LowerFile, LowerVfs, OpenOptions, SealError, Unlock, Vault};
use common::*;

#[derive(Default)]
struct Switches {
    panic_on_read: AtomicBool,
    fail_header_reads: AtomicBool,
}

/// A lower layer that passes everything to the simulated disk, except what
/// the switches make it do.
struct Faulty {
    inner: Arc<dyn LowerVfs>,
    switches: Arc<Switches>,
}

struct FaultyFile {
    inner: Box<dyn LowerFile>,
    is_db: bool,
    switches: Arc<Switches>,
}

impl LowerFile for FaultyFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> c_int {
        if self.switches.panic_on_read.load(Ordering::SeqCst) {
            panic!("injected panic in the lower layer");
        }
        // The shim reads whole pages: the first read of page 1 serves
        // SQLite's peek at its header. Fail that one only.
        if self.is_db && offset == 0 && self.switches.fail_header_reads.swap(false, Ordering::SeqCst) {
            return ffi::SQLITE_IOERR_READ;
        }
        self.inner.read(buf, offset)
    }
    fn write(&mut self, buf: &[u8], offset: u64) -> c_int {
        self.inner.write(buf, offset)
    }
    fn truncate(&mut self, size: u64) -> c_int {
        self.inner.truncate(size)
    }
    fn sync(&mut self, flags: c_int) -> c_int {
        self.inner.sync(flags)
    }
    fn file_size(&mut self) -> Result<u64, c_int> {
        self.inner.file_size()
    }
    fn lock(&mut self, level: c_int) -> c_int {
        self.inner.lock(level)
    }
    fn unlock(&mut self, level: c_int) -> c_int {
        self.inner.unlock(level)
    }
    fn check_reserved_lock(&mut self) -> Result<bool, c_int> {
        self.inner.check_reserved_lock()
    }
    fn file_control(&mut self, op: c_int, arg: *mut c_void) -> c_int {
        self.inner.file_control(op, arg)
    }
    fn sector_size(&mut self) -> c_int {
        self.inner.sector_size()
    }
    fn device_characteristics(&mut self) -> c_int {
        self.inner.device_characteristics()
    }
    fn close(&mut self) -> c_int {
        self.inner.close()
    }
}

impl LowerVfs for Faulty {
    fn open(&self, name: &CStr, flags: c_int) -> Result<(Box<dyn LowerFile>, c_int), c_int> {
        let (inner, out) = self.inner.open(name, flags)?;
        let is_db = flags & ffi::SQLITE_OPEN_MAIN_DB != 0;
        Ok((Box::new(FaultyFile { inner, is_db, switches: self.switches.clone() }), out))
    }
    fn delete(&self, name: &CStr, sync_dir: bool) -> c_int {
        self.inner.delete(name, sync_dir)
    }
    fn access(&self, name: &CStr, flags: c_int) -> Result<bool, c_int> {
        self.inner.access(name, flags)
    }
    fn full_pathname(&self, name: &CStr, out: &mut [u8]) -> c_int {
        self.inner.full_pathname(name, out)
    }
    fn max_pathname(&self) -> c_int {
        self.inner.max_pathname()
    }
    fn file_len(&self, path: &Path) -> io::Result<Option<u64>> {
        self.inner.file_len(path)
    }
    fn read_at(&self, path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<Option<usize>> {
        self.inner.read_at(path, offset, buf)
    }
    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.inner.write_file(path, bytes)
    }
    fn sync_file(&self, path: &Path) -> io::Result<()> {
        self.inner.sync_file(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.inner.rename(from, to)
    }
    fn remove_file(&self, path: &Path) -> io::Result<bool> {
        self.inner.remove_file(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.inner.sync_dir(dir)
    }
}

fn faulty() -> (Lower, Arc<Switches>) {
    let Lower::Custom(inner) = SimDisk::new().lower() else { unreachable!("the simulated disk is a custom layer") };
    let switches = Arc::new(Switches::default());
    (Lower::Custom(Arc::new(Faulty { inner, switches: switches.clone() })), switches)
}

fn vault_on(dir: &Path, lower: &Lower) -> Vault {
    let open = OpenOptions { cache_kib: 64, lower: lower.clone() };
    let mut v =
        Vault::create(dir, USER, &password(), &CreateOptions { open, ..fast_opts(JournalMode::Wal) }).unwrap().0;
    v.conn_mut().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(50000));").unwrap();
    v
}

#[test]
fn a_panic_in_the_lower_layer_is_an_io_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let (lower, switches) = faulty();
    let v = vault_on(dir.path(), &lower);
    // Empty the page cache so the next query reads from the lower layer.
    v.conn().execute_batch("PRAGMA cache_size=0; PRAGMA shrink_memory;").unwrap();
    switches.panic_on_read.store(true, Ordering::SeqCst);
    let r = v.conn().query_row("SELECT length(x) FROM t", [], |r| r.get::<_, i64>(0));
    switches.panic_on_read.store(false, Ordering::SeqCst);
    let e = r.expect_err("the read failed");
    assert!(e.to_string().contains("disk I/O error"), "{e}");
    // The process lives on, and so does the vault.
    let n: i64 = v.conn().query_row("SELECT length(x) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 50000);
}

#[test]
fn a_failed_read_of_page_ones_header_is_an_error_not_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let (lower, switches) = faulty();
    vault_on(dir.path(), &lower).close().unwrap();
    switches.fail_header_reads.store(true, Ordering::SeqCst);
    let opts = OpenOptions { cache_kib: 64, lower: lower.clone() };
    let r = Vault::open(dir.path(), Unlock::Password { slot: USER, password: &password() }, &opts);
    switches.fail_header_reads.store(false, Ordering::SeqCst);
    match r {
        Err(SealError::Sqlite(e)) => assert!(e.to_string().contains("disk I/O error"), "{e}"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    Vault::open(dir.path(), Unlock::Password { slot: USER, password: &password() }, &opts).unwrap();
}
