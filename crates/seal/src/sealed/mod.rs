//! The sealing logic of one open file, in safe Rust: which bytes SQLite's
//! reads and writes carry, and how each is sealed, masked or checked.
//!
//! The VFS glue (`crate::vfs`) turns SQLite's C calls into calls on
//! [`SealedFile`]; everything here is plain Rust over a [`LowerFile`].

mod db;
mod journal;
mod wal;
pub(crate) mod wal_recovery;

use std::ffi::c_int;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rusqlite::ffi;
use zeroize::Zeroizing;

use crate::SealError;
use crate::cipher::{PAGE_SIZE, PageKeys};
use crate::error::FileKind;
use crate::lower::LowerFile;

pub(crate) use wal::WAL_FRAME_HDR;

/// A failed operation: the SQLite code to return and, when the sealing
/// layer caused it, the typed error kept for the vault to report.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) code: c_int,
    pub(crate) detail: Option<SealError>,
}

impl Fail {
    pub(crate) fn lower(code: c_int) -> Fail {
        Fail { code, detail: None }
    }
    fn sealed(code: c_int, detail: SealError) -> Fail {
        Fail { code, detail: Some(detail) }
    }
}

pub(crate) type IoResult<T = ()> = Result<T, Fail>;

pub(crate) fn ok_or_fail(rc: c_int) -> IoResult {
    if rc == ffi::SQLITE_OK { Ok(()) } else { Err(Fail::lower(rc)) }
}

/// State shared by all files of one vault.
pub(crate) struct Shared {
    pub(crate) keys: Arc<PageKeys>,
    /// The most recent sealing-layer error and the SQLite code it was
    /// returned as, for the vault to report.
    pub(crate) last_error: Mutex<Option<(c_int, SealError)>>,
    /// The last page read from the WAL, sealed and opened, so that a
    /// checkpoint writing it to the database reuses the sealed bytes.
    carry: Mutex<Option<Carry>>,
    /// Between SQLite's `CKPT_START` and `CKPT_DONE`: a checkpoint is
    /// copying WAL frames into the database without looking inside them,
    /// so they pass through still sealed (see [`SealedFile::wal_read`]).
    checkpointing: AtomicBool,
    /// A WAL of the earlier checksum format was found: the vault
    /// checkpoints it at open, so that nothing is appended to it.
    pub(crate) legacy_wal: AtomicBool,
    /// Whether a log of the earlier format may be read at all: only at the
    /// open that converts a key-slot file of the version that wrote such
    /// logs. Later, an old log put back is refused rather than trusted
    /// (its checksums are masked the forgeable way).
    pub(crate) legacy_wal_allowed: AtomicBool,
    /// A backup is reading the database file: it must not change. Writes
    /// and truncations of it are refused (the WAL keeps taking commits).
    pub(crate) fence: AtomicBool,
    /// Set when the fence comes down, so the vault puts its auto-checkpoint
    /// back at its next use of the connection.
    pub(crate) fence_lowered: AtomicBool,
}

impl Shared {
    pub(crate) fn new(keys: Arc<PageKeys>) -> Shared {
        Shared {
            keys,
            last_error: Mutex::new(None),
            carry: Mutex::new(None),
            checkpointing: AtomicBool::new(false),
            legacy_wal: AtomicBool::new(false),
            legacy_wal_allowed: AtomicBool::new(false),
            fence: AtomicBool::new(false),
            fence_lowered: AtomicBool::new(false),
        }
    }
}

/// A page as the WAL holds it (sealed) and as SQLite saw it (opened).
struct Carry {
    pgno: u32,
    sealed: Box<[u8]>,
    plain: Zeroizing<Box<[u8]>>,
    /// Whether SQLite was given the page opened (`plain`) or sealed.
    opened: bool,
}

/// One open file of a vault.
pub(crate) struct SealedFile {
    pub(crate) kind: FileKind,
    path: PathBuf,
    pub(crate) lower: Box<dyn LowerFile>,
    keys: Arc<PageKeys>,
    shared: Arc<Shared>,
    rng: StdRng,
    /// The fork generation the generator was seeded in: a forked child
    /// reseeds before its first seal, or parent and child would draw the
    /// same nonces.
    rng_forks: u64,
    /// One page plus a frame header: sealing output, so there is no
    /// allocation per page. Wiped when the file closes.
    scratch: Zeroizing<Vec<u8>>,
    journal: journal::JournalState,
    wal: wal::WalState,
}

impl SealedFile {
    pub(crate) fn new(
        kind: FileKind,
        path: PathBuf,
        lower: Box<dyn LowerFile>,
        shared: Arc<Shared>,
        rng: StdRng,
    ) -> Self {
        SealedFile {
            kind,
            path,
            lower,
            keys: shared.keys.clone(),
            shared,
            rng,
            rng_forks: crate::vfs::fork_generation(),
            scratch: Zeroizing::new(vec![0u8; PAGE_SIZE + WAL_FRAME_HDR]),
            journal: journal::JournalState::default(),
            wal: wal::WalState::default(),
        }
    }

    /// `xRead`: returns `SQLITE_OK` or `SQLITE_IOERR_SHORT_READ`.
    pub(crate) fn read(&mut self, buf: &mut [u8], offset: u64) -> IoResult<c_int> {
        match self.kind {
            FileKind::Database => self.db_read(buf, offset),
            FileKind::Journal => self.journal_read(buf, offset),
            FileKind::Wal => self.wal_read(buf, offset),
            FileKind::SlotFile => Err(self.unexpected("read", offset, buf.len())),
        }
    }

    /// `xWrite`.
    pub(crate) fn write(&mut self, buf: &[u8], offset: u64) -> IoResult {
        match self.kind {
            FileKind::Database => self.db_write(buf, offset),
            FileKind::Journal => self.journal_write(buf, offset),
            FileKind::Wal => self.wal_write(buf, offset),
            FileKind::SlotFile => Err(self.unexpected("write", offset, buf.len())),
        }
    }

    /// `xTruncate`.
    pub(crate) fn truncate(&mut self, size: u64) -> IoResult {
        self.before_other_op("truncate")?;
        if self.kind == FileKind::Database && self.fenced() {
            return Err(Fail::sealed(ffi::SQLITE_IOERR_TRUNCATE, SealError::SnapshotInProgress));
        }
        self.journal = journal::JournalState::default();
        self.wal.forget_frames_from(size);
        ok_or_fail(self.lower.truncate(size))
    }

    /// `xSync`.
    pub(crate) fn sync(&mut self, flags: c_int) -> IoResult {
        self.before_other_op("sync")?;
        ok_or_fail(self.lower.sync(flags))
    }

    /// Called before any operation other than a read or write: a WAL frame
    /// header held back for its page must not be left behind.
    fn before_other_op(&mut self, op: &'static str) -> IoResult {
        if self.kind == FileKind::Wal
            && let Some(off) = self.wal.take_pending_header_offset()
        {
            return Err(self.unexpected(op, off, 0));
        }
        Ok(())
    }

    fn unexpected(&self, op: &'static str, offset: u64, len: usize) -> Fail {
        Fail::sealed(ffi::SQLITE_IOERR, SealError::UnexpectedIo { kind: self.kind, op, offset, len })
    }

    fn tampered_page(&self, pgno: u32) -> Fail {
        Fail::sealed(ffi::SQLITE_IOERR_DATA, SealError::TamperedPage { kind: self.kind, path: self.path.clone(), pgno })
    }

    fn tampered_log(&self, offset: u64, what: &'static str) -> Fail {
        Fail::sealed(
            ffi::SQLITE_IOERR_DATA,
            SealError::TamperedLog { kind: self.kind, path: self.path.clone(), offset, what },
        )
    }

    fn truncated_page(&self, pgno: u32) -> Fail {
        Fail::sealed(
            ffi::SQLITE_IOERR_DATA,
            SealError::TruncatedPage { kind: self.kind, path: self.path.clone(), pgno },
        )
    }

    /// Reads exactly `buf.len()` bytes; a short read is an error here.
    fn read_exact(&mut self, buf: &mut [u8], offset: u64) -> IoResult<bool> {
        match self.lower.read(buf, offset) {
            ffi::SQLITE_OK => Ok(true),
            ffi::SQLITE_IOERR_SHORT_READ => Ok(false),
            rc => Err(Fail::lower(rc)),
        }
    }

    /// Seals `plain` as page `pgno` into `self.scratch[at..at + PAGE_SIZE]`.
    fn seal_into_scratch(&mut self, pgno: u32, plain: &[u8], at: usize) -> IoResult<[u8; 12]> {
        let forks = crate::vfs::fork_generation();
        if forks != self.rng_forks {
            self.rng = crate::cipher::nonce_rng().map_err(|e| Fail::sealed(ffi::SQLITE_IOERR_WRITE, e))?;
            self.rng_forks = forks;
        }
        let out = &mut self.scratch[at..at + PAGE_SIZE];
        self.keys.seal_page(pgno, plain, out, &mut self.rng).map_err(|e| Fail::sealed(ffi::SQLITE_IOERR_WRITE, e))
    }
}

impl SealedFile {
    /// Notes the file controls that announce a checkpoint.
    pub(crate) fn note_file_control(&self, op: c_int) {
        if self.kind == FileKind::Database {
            match op {
                ffi::SQLITE_FCNTL_CKPT_START => self.shared.checkpointing.store(true, Ordering::Release),
                ffi::SQLITE_FCNTL_CKPT_DONE => self.shared.checkpointing.store(false, Ordering::Release),
                _ => {}
            }
        }
    }

    /// Whether a backup has frozen the database file.
    pub(crate) fn fenced(&self) -> bool {
        self.shared.fence.load(Ordering::Acquire)
    }

    pub(crate) fn checkpointing(&self) -> bool {
        self.shared.checkpointing.load(Ordering::Acquire)
    }

    /// Remembers a WAL page just read: `sealed` as on disk, and `plain` as
    /// given to SQLite if it was opened (`None`: SQLite got it sealed).
    fn remember_carry(&self, pgno: u32, sealed: &[u8], plain: Option<&[u8]>) {
        let mut carry = self.shared.carry.lock().unwrap_or_else(|e| e.into_inner());
        let c = carry.get_or_insert_with(|| Carry {
            pgno,
            sealed: vec![0u8; PAGE_SIZE].into(),
            plain: Zeroizing::new(vec![0u8; PAGE_SIZE].into()),
            opened: false,
        });
        c.pgno = pgno;
        c.sealed.copy_from_slice(sealed);
        c.opened = plain.is_some();
        if let Some(plain) = plain {
            c.plain.copy_from_slice(plain);
        }
    }

    /// If `buf` is exactly the WAL page last read for `pgno` (as SQLite
    /// was given it), its sealed bytes: a checkpoint copying a frame into
    /// the database then writes them unchanged instead of sealing the page
    /// again.
    fn take_carry(&self, pgno: u32, buf: &[u8], out: &mut [u8]) -> bool {
        let carry = self.shared.carry.lock().unwrap_or_else(|e| e.into_inner());
        match carry.as_ref() {
            Some(c) if c.pgno == pgno && (if c.opened { **c.plain == *buf } else { *c.sealed == *buf }) => {
                out.copy_from_slice(&c.sealed);
                true
            }
            _ => false,
        }
    }
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
