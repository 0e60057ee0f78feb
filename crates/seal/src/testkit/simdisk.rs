//! An in-memory disk that remembers what is durable.
//!
//! Every write and truncate is applied to the current view at once and
//! queued as pending until the file is synced. A crash image keeps the
//! durable state plus some of the pending operations, chosen by a
//! [`CrashMode`]: none, a random subset, or writes torn at 512 B or 4 KiB.
//! Faults make the Nth read, write, sync or truncate fail, or the disk fill
//! up. Locking is trivial: one connection at a time.

use std::collections::HashMap;
use std::ffi::{CStr, c_int, c_void};
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rand::RngExt;
use rand::rngs::StdRng;
use rusqlite::ffi;

use crate::lower::{LowerFile, LowerVfs};

/// How much of the unsynced work survives a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Only what was synced.
    DropUnsynced,
    /// Each unsynced operation survives with probability 1/2.
    RandomSubset,
    /// Like `RandomSubset`, with each surviving write cut into sectors of
    /// this many bytes that survive independently.
    Torn(usize),
}

/// An operation to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The Nth read (1-based) from now fails.
    Read(u64),
    /// The Nth write fails.
    Write(u64),
    /// The Nth sync fails.
    Sync(u64),
    /// The Nth truncate fails.
    Truncate(u64),
    /// Writes that would take the disk past this many bytes fail with SQLITE_FULL.
    Capacity(u64),
    /// Every operation after the Nth (of any kind) fails: the power is cut.
    PowerCutAfter(u64),
}

#[derive(Clone)]
enum Pending {
    Write(u64, Vec<u8>),
    Truncate(u64),
}

#[derive(Clone, Default)]
struct FileState {
    durable: Option<Vec<u8>>,
    current: Option<Vec<u8>>,
    pending: Vec<Pending>,
    /// A deletion not yet made durable by a directory sync.
    pending_delete: bool,
    /// Synced contents of a file whose creation no directory sync has made
    /// durable yet: a crash may lose the name.
    name_pending: bool,
}

/// A rename not yet made durable by a directory sync: both names as they
/// were before it, for a crash image that loses it.
struct Rename {
    from: String,
    to: String,
    from_before: FileState,
    to_before: Option<FileState>,
}

#[derive(Default)]
struct Disk {
    files: HashMap<String, FileState>,
    renames: Vec<Rename>,
    fault: Option<Fault>,
    counts: [u64; 4],
    ops: u64,
    fired: bool,
    cut: bool,
    log: Option<Vec<String>>,
}

/// A simulated disk; clone the `Arc` to share it.
#[derive(Default)]
pub struct SimDisk {
    disk: Mutex<Disk>,
}

impl std::fmt::Debug for SimDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SimDisk")
    }
}

const READ: usize = 0;
const WRITE: usize = 1;
const SYNC: usize = 2;
const TRUNCATE: usize = 3;

impl Disk {
    /// Counts an operation and says whether it must fail, and how.
    fn check(&mut self, kind: usize) -> Option<c_int> {
        self.ops += 1;
        self.counts[kind] += 1;
        if self.cut {
            return Some(ffi::SQLITE_IOERR);
        }
        let n = self.counts[kind];
        let code = match (self.fault, kind) {
            (Some(Fault::Read(k)), READ) if k == n => ffi::SQLITE_IOERR_READ,
            (Some(Fault::Write(k)), WRITE) if k == n => ffi::SQLITE_IOERR_WRITE,
            (Some(Fault::Sync(k)), SYNC) if k == n => ffi::SQLITE_IOERR_FSYNC,
            (Some(Fault::Truncate(k)), TRUNCATE) if k == n => ffi::SQLITE_IOERR_TRUNCATE,
            (Some(Fault::PowerCutAfter(k)), _) if self.ops > k => {
                self.cut = true;
                ffi::SQLITE_IOERR
            }
            _ => return None,
        };
        self.fired = true;
        Some(code)
    }

    fn used(&self) -> u64 {
        self.files.values().filter_map(|f| f.current.as_ref()).map(|c| c.len() as u64).sum()
    }

    /// Whether a write growing `path` to `end` bytes would overfill the disk.
    fn over_capacity(&mut self, path: &str, end: u64) -> bool {
        let Some(Fault::Capacity(cap)) = self.fault else {
            return false;
        };
        let len = self.files.get(path).and_then(|f| f.current.as_ref()).map_or(0, |c| c.len() as u64);
        let full = self.used() + end.saturating_sub(len) > cap;
        self.fired |= full;
        full
    }

    /// A directory sync: every rename and deletion so far becomes durable.
    fn sync_dir(&mut self) {
        self.renames.clear();
        for f in self.files.values_mut() {
            f.name_pending = false;
            if f.pending_delete {
                f.durable = None;
                f.pending_delete = false;
            }
        }
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(log) = self.log.as_mut() {
            log.push(line());
        }
    }
}

impl SimDisk {
    /// An empty disk.
    pub fn new() -> Arc<SimDisk> {
        Arc::new(SimDisk::default())
    }

    fn lock(&self) -> MutexGuard<'_, Disk> {
        self.disk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms a fault (replacing any other) and restarts the operation counts.
    pub fn set_fault(&self, fault: Option<Fault>) {
        let mut d = self.lock();
        d.fault = fault;
        d.counts = [0; 4];
        d.ops = 0;
        d.fired = false;
        d.cut = false;
    }

    /// Whether the armed fault has fired.
    pub fn fault_fired(&self) -> bool {
        self.lock().fired
    }

    /// Starts recording a line per operation (for debugging a failing trial).
    pub fn start_log(&self) {
        self.lock().log = Some(Vec::new());
    }

    /// The recorded operations.
    pub fn take_log(&self) -> Vec<String> {
        self.lock().log.take().unwrap_or_default()
    }

    /// Operations of any kind since the fault was last set.
    pub fn ops(&self) -> u64 {
        self.lock().ops
    }

    /// The current contents of a file, if it exists.
    pub fn contents(&self, path: &str) -> Option<Vec<u8>> {
        self.lock().files.get(path).and_then(|f| f.current.clone())
    }

    /// Replaces a file's contents, durably (for tamper tests).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        let mut d = self.lock();
        d.files.insert(
            path.to_owned(),
            FileState { durable: Some(bytes.clone()), current: Some(bytes), ..Default::default() },
        );
    }

    /// Paths of the files that exist now.
    pub fn paths(&self) -> Vec<String> {
        let d = self.lock();
        let mut v: Vec<String> = d.files.iter().filter(|(_, f)| f.current.is_some()).map(|(p, _)| p.clone()).collect();
        v.sort();
        v
    }

    /// What a power cut now would leave on the disk.
    pub fn crash_image(&self, mode: CrashMode, rng: &mut StdRng) -> Arc<SimDisk> {
        let d = self.lock();
        // Renames since the last directory sync survive in order, up to a
        // random point (none when only synced work survives).
        let mut before = d.files.clone();
        let survive = if mode == CrashMode::DropUnsynced { 0 } else { rng.random_range(0..=d.renames.len()) };
        for r in d.renames[survive..].iter().rev() {
            before.insert(r.from.clone(), r.from_before.clone());
            match &r.to_before {
                Some(t) => before.insert(r.to.clone(), t.clone()),
                None => before.remove(&r.to),
            };
        }
        let mut files = HashMap::new();
        for (path, f) in &before {
            let mut content = f.durable.clone();
            if mode != CrashMode::DropUnsynced {
                for op in &f.pending {
                    if !rng.random_bool(0.5) {
                        continue;
                    }
                    let c = content.get_or_insert_with(Vec::new);
                    match op {
                        Pending::Truncate(size) => c.resize(*size as usize, 0),
                        Pending::Write(off, data) => match mode {
                            CrashMode::Torn(sector) => {
                                let mut at = 0usize;
                                while at < data.len() {
                                    let abs = *off as usize + at;
                                    let n = (sector - abs % sector).min(data.len() - at);
                                    if rng.random_bool(0.5) {
                                        apply(c, abs as u64, &data[at..at + n]);
                                    }
                                    at += n;
                                }
                            }
                            _ => apply(c, *off, data),
                        },
                    }
                }
            }
            if f.pending_delete && rng.random_bool(0.5) {
                content = None;
            }
            if f.name_pending && (mode == CrashMode::DropUnsynced || rng.random_bool(0.5)) {
                content = None;
            }
            if f.current.is_none() && !f.pending_delete {
                content = None;
            }
            if let Some(c) = content {
                files.insert(
                    path.clone(),
                    FileState { durable: Some(c.clone()), current: Some(c), ..Default::default() },
                );
            }
        }
        Arc::new(SimDisk { disk: Mutex::new(Disk { files, ..Default::default() }) })
    }
}

fn apply(content: &mut Vec<u8>, off: u64, data: &[u8]) {
    let end = off as usize + data.len();
    if content.len() < end {
        content.resize(end, 0);
    }
    content[off as usize..end].copy_from_slice(data);
}

struct SimFile {
    disk: Arc<SimDisk>,
    path: String,
}

impl LowerFile for SimFile {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> c_int {
        let mut d = self.disk.lock();
        if let Some(rc) = d.check(READ) {
            return rc;
        }
        let content = d.files.get(&self.path).and_then(|f| f.current.as_ref());
        let content = content.map_or(&[][..], |c| c.as_slice());
        let start = (offset as usize).min(content.len());
        let n = (content.len() - start).min(buf.len());
        buf[..n].copy_from_slice(&content[start..start + n]);
        if n < buf.len() {
            buf[n..].fill(0);
            return ffi::SQLITE_IOERR_SHORT_READ;
        }
        ffi::SQLITE_OK
    }

    fn write(&mut self, buf: &[u8], offset: u64) -> c_int {
        let mut d = self.disk.lock();
        if let Some(rc) = d.check(WRITE) {
            return rc;
        }
        if d.over_capacity(&self.path, offset + buf.len() as u64) {
            return ffi::SQLITE_FULL;
        }
        if let Some(log) = d.log.as_mut() {
            log.push(format!("write {} off {offset} len {}", self.path, buf.len()));
        }
        let f = d.files.entry(self.path.clone()).or_default();
        apply(f.current.get_or_insert_with(Vec::new), offset, buf);
        f.pending.push(Pending::Write(offset, buf.to_vec()));
        ffi::SQLITE_OK
    }

    fn truncate(&mut self, size: u64) -> c_int {
        let mut d = self.disk.lock();
        if let Some(rc) = d.check(TRUNCATE) {
            return rc;
        }
        if let Some(log) = d.log.as_mut() {
            log.push(format!("truncate {} {size}", self.path));
        }
        let f = d.files.entry(self.path.clone()).or_default();
        f.current.get_or_insert_with(Vec::new).resize(size as usize, 0);
        f.pending.push(Pending::Truncate(size));
        ffi::SQLITE_OK
    }

    fn sync(&mut self, _flags: c_int) -> c_int {
        let mut d = self.disk.lock();
        if let Some(rc) = d.check(SYNC) {
            return rc;
        }
        if let Some(log) = d.log.as_mut() {
            log.push(format!("sync {}", self.path));
        }
        let mut created = false;
        if let Some(f) = d.files.get_mut(&self.path) {
            created = f.durable.is_none();
            f.durable = f.current.clone();
            f.pending.clear();
        }
        if created {
            // SQLite's platform VFS syncs the directory on the first sync of
            // a journal or WAL it created, which makes every earlier
            // rename and deletion in that directory durable too.
            d.sync_dir();
        }
        ffi::SQLITE_OK
    }

    fn file_size(&mut self) -> Result<u64, c_int> {
        let d = self.disk.lock();
        if d.cut {
            return Err(ffi::SQLITE_IOERR_FSTAT);
        }
        Ok(d.files.get(&self.path).and_then(|f| f.current.as_ref()).map_or(0, |c| c.len() as u64))
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
        512
    }
    fn device_characteristics(&mut self) -> c_int {
        ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE
    }
    fn close(&mut self) -> c_int {
        ffi::SQLITE_OK
    }
}

/// The simulated disk as a [`LowerVfs`] (a newtype so the disk can be
/// shared with the test that inspects it).
#[derive(Debug, Clone)]
pub struct SimVfs(pub Arc<SimDisk>);

impl LowerVfs for SimVfs {
    fn open(&self, name: &CStr, flags: c_int) -> Result<(Box<dyn LowerFile>, c_int), c_int> {
        let path = name.to_string_lossy().into_owned();
        let mut d = self.0.lock();
        if d.cut {
            return Err(ffi::SQLITE_CANTOPEN);
        }
        let exists = d.files.get(&path).is_some_and(|f| f.current.is_some());
        if !exists {
            if flags & ffi::SQLITE_OPEN_CREATE == 0 {
                return Err(ffi::SQLITE_CANTOPEN);
            }
            let f = d.files.entry(path.clone()).or_default();
            f.current = Some(Vec::new());
            f.pending_delete = false;
        }
        drop(d);
        Ok((Box::new(SimFile { disk: self.0.clone(), path }), flags))
    }

    fn delete(&self, name: &CStr, sync_dir: bool) -> c_int {
        let path = name.to_string_lossy().into_owned();
        let mut d = self.0.lock();
        if d.cut {
            return ffi::SQLITE_IOERR_DELETE;
        }
        match d.files.get_mut(&path) {
            Some(f) if f.current.is_some() => {
                f.current = None;
                f.pending.clear();
                if sync_dir {
                    f.durable = None;
                } else {
                    f.pending_delete = true;
                }
                ffi::SQLITE_OK
            }
            _ => ffi::SQLITE_IOERR_DELETE_NOENT,
        }
    }

    fn access(&self, name: &CStr, _flags: c_int) -> Result<bool, c_int> {
        let path = name.to_string_lossy();
        Ok(self.0.lock().files.get(path.as_ref()).is_some_and(|f| f.current.is_some()))
    }

    fn full_pathname(&self, name: &CStr, out: &mut [u8]) -> c_int {
        let b = name.to_bytes();
        if b.len() + 1 > out.len() {
            return ffi::SQLITE_CANTOPEN;
        }
        out[..b.len()].copy_from_slice(b);
        out[b.len()] = 0;
        ffi::SQLITE_OK
    }

    fn max_pathname(&self) -> c_int {
        1024
    }

    fn file_len(&self, path: &Path) -> io::Result<Option<u64>> {
        let d = self.0.lock();
        if d.cut {
            return Err(io::Error::other("simulated power cut"));
        }
        Ok(d.files.get(&key(path)).and_then(|f| f.current.as_ref()).map(|c| c.len() as u64))
    }

    fn read_at(&self, path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<Option<usize>> {
        let mut d = self.0.lock();
        if d.check(READ).is_some() {
            return Err(io::Error::other("simulated read failure"));
        }
        let Some(c) = d.files.get(&key(path)).and_then(|f| f.current.as_ref()) else {
            return Ok(None);
        };
        let start = (offset as usize).min(c.len());
        let n = (c.len() - start).min(buf.len());
        buf[..n].copy_from_slice(&c[start..start + n]);
        Ok(Some(n))
    }

    fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut d = self.0.lock();
        let path = key(path);
        if d.check(WRITE).is_some() {
            return Err(io::Error::other("simulated write failure"));
        }
        if d.over_capacity(&path, bytes.len() as u64) {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "simulated full disk"));
        }
        d.note(|| format!("write_file {path} len {}", bytes.len()));
        let f = d.files.entry(path).or_default();
        f.current = Some(bytes.to_vec());
        f.pending_delete = false;
        f.pending.push(Pending::Truncate(0));
        f.pending.push(Pending::Write(0, bytes.to_vec()));
        Ok(())
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        let mut d = self.0.lock();
        let path = key(path);
        if d.check(SYNC).is_some() {
            return Err(io::Error::other("simulated sync failure"));
        }
        d.note(|| format!("sync_file {path}"));
        match d.files.get_mut(&path) {
            Some(f) if f.current.is_some() => {
                // The contents; a new file's name is durable only once its
                // directory is synced.
                f.name_pending |= f.durable.is_none();
                f.durable = f.current.clone();
                f.pending.clear();
                Ok(())
            }
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut d = self.0.lock();
        let (from, to) = (key(from), key(to));
        if d.check(WRITE).is_some() {
            return Err(io::Error::other("simulated rename failure"));
        }
        d.note(|| format!("rename {from} {to}"));
        let Some(moved) = d.files.get(&from).filter(|f| f.current.is_some()).cloned() else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such file"));
        };
        let to_before = d.files.get(&to).cloned();
        d.renames.push(Rename { from: from.clone(), to: to.clone(), from_before: moved.clone(), to_before });
        d.files.remove(&from);
        // The rename, not the old name's creation, now decides whether `to` survives.
        d.files.insert(to, FileState { pending_delete: false, name_pending: false, ..moved });
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<bool> {
        let name = std::ffi::CString::new(key(path)).map_err(io::Error::other)?;
        match self.delete(&name, false) {
            ffi::SQLITE_OK => Ok(true),
            ffi::SQLITE_IOERR_DELETE_NOENT => Ok(false),
            _ => Err(io::Error::other("simulated delete failure")),
        }
    }

    fn sync_dir(&self, _dir: &Path) -> io::Result<()> {
        let mut d = self.0.lock();
        if d.check(SYNC).is_some() {
            return Err(io::Error::other("simulated directory sync failure"));
        }
        d.note(|| "sync_dir".to_owned());
        d.sync_dir();
        Ok(())
    }

    fn list_files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let d = self.0.lock();
        if d.cut {
            return Err(io::Error::other("simulated disk is gone"));
        }
        let prefix = format!("{}/", key(dir).trim_end_matches('/'));
        let mut out: Vec<String> = d
            .files
            .iter()
            .filter(|(_, f)| f.current.is_some())
            .filter_map(|(p, _)| p.strip_prefix(&prefix).filter(|rest| !rest.contains('/')).map(str::to_owned))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The disk's name for a path, as SQLite's would be.
fn key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl SimDisk {
    /// A [`crate::Lower`] that stores vault files on this disk.
    pub fn lower(self: &Arc<Self>) -> crate::Lower {
        crate::Lower::Custom(Arc::new(SimVfs(self.clone())))
    }
}
