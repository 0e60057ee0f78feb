//! Files of a backup through a lower layer (the real file system, or the
//! simulated disks of the crash tests), with SQLite's result codes turned
//! into errors a person can act on.

use std::ffi::CString;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::ffi;

use crate::SealError;
use crate::lower::{LowerFile, LowerVfs};

/// The largest read or write passed down at once: SQLite's unix layer
/// handles at most 128 KiB - 1 per call, as SQLite itself never asks for
/// more.
const PIECE: usize = 64 * 1024;

/// One open file; the name lives as long as the file (the lower layer may
/// keep a pointer to it).
pub(crate) struct Opened {
    pub(crate) file: Box<dyn LowerFile>,
    pub(crate) path: PathBuf,
    _name: CString,
}

impl Drop for Opened {
    fn drop(&mut self) {
        let _ = self.file.close();
    }
}

pub(crate) fn c_path(path: &Path) -> Result<CString, SealError> {
    CString::new(path.to_string_lossy().as_bytes()).map_err(|_| {
        SealError::io("cannot use", path, io::Error::new(ErrorKind::InvalidInput, "the path holds a NUL byte"))
    })
}

/// Refuses `path` if a file is there: nothing a backup writes replaces one.
pub(crate) fn refuse_existing(lower: &Arc<dyn LowerVfs>, path: &Path) -> Result<(), SealError> {
    if lower.file_len(path).map_err(|e| SealError::io("cannot check", path, e))?.is_some() {
        return Err(SealError::io("will not overwrite", path, io::Error::from(ErrorKind::AlreadyExists)));
    }
    Ok(())
}

/// What a failed write most likely means, in words.
pub(crate) fn write_error(path: &Path, rc: i32) -> SealError {
    let err = match rc & 0xff {
        ffi::SQLITE_FULL => io::Error::new(ErrorKind::StorageFull, "the drive is full"),
        ffi::SQLITE_READONLY => io::Error::new(ErrorKind::ReadOnlyFilesystem, "the drive or folder is read-only"),
        _ => match path.parent().map(|d| d.is_dir()) {
            Some(false) => io::Error::new(ErrorKind::NotFound, "the folder is gone (was the drive removed?)"),
            _ => io::Error::other(format!("the drive reported an error (SQLite code {rc}); was it removed?")),
        },
    };
    SealError::io("cannot write", path, err)
}

pub(crate) fn read_error(path: &Path, rc: i32) -> SealError {
    SealError::io("cannot read", path, io::Error::other(format!("the drive reported an error (SQLite code {rc})")))
}

impl Opened {
    pub(crate) fn open_read(lower: &Arc<dyn LowerVfs>, path: &Path) -> Result<Opened, SealError> {
        let name = c_path(path)?;
        let flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_MAIN_DB;
        let (file, _) = lower.open(&name, flags).map_err(|rc| read_error(path, rc))?;
        Ok(Opened { file, path: path.to_owned(), _name: name })
    }

    /// Creates a new file; refused if one exists.
    pub(crate) fn create_new(lower: &Arc<dyn LowerVfs>, path: &Path) -> Result<Opened, SealError> {
        refuse_existing(lower, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = c_path(path)?;
        // The platform layer creates it owner-only before SQLite opens it.
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE | ffi::SQLITE_OPEN_MAIN_DB;
        let (file, out) = lower.open(&name, flags).map_err(|rc| open_error(dir, path, rc))?;
        let opened = Opened { file, path: path.to_owned(), _name: name };
        if out & ffi::SQLITE_OPEN_READONLY != 0 {
            // SQLite falls back to read-only when it cannot write there.
            drop(opened);
            let _ = lower.remove_file(path);
            return Err(SealError::ReadOnly { path: dir.to_owned(), what: "cannot write the backup there" });
        }
        Ok(opened)
    }

    /// Reads exactly `buf.len()` bytes; `false` if the file ends first.
    pub(crate) fn read_exact(&mut self, buf: &mut [u8], offset: u64) -> Result<bool, SealError> {
        for (i, piece) in buf.chunks_mut(PIECE).enumerate() {
            match self.file.read(piece, offset + (i * PIECE) as u64) {
                ffi::SQLITE_OK => {}
                ffi::SQLITE_IOERR_SHORT_READ => return Ok(false),
                rc => return Err(read_error(&self.path, rc)),
            }
        }
        Ok(true)
    }

    pub(crate) fn write_all(&mut self, buf: &[u8], offset: u64) -> Result<(), SealError> {
        for (i, piece) in buf.chunks(PIECE).enumerate() {
            match self.file.write(piece, offset + (i * PIECE) as u64) {
                ffi::SQLITE_OK => {}
                rc => return Err(write_error(&self.path, rc)),
            }
        }
        Ok(())
    }

    pub(crate) fn sync(&mut self) -> Result<(), SealError> {
        match self.file.sync(ffi::SQLITE_SYNC_FULL) {
            ffi::SQLITE_OK => Ok(()),
            rc => Err(write_error(&self.path, rc)),
        }
    }
}

fn open_error(dir: &Path, path: &Path, rc: i32) -> SealError {
    if !dir.is_dir() {
        return SealError::io(
            "cannot write",
            path,
            io::Error::new(ErrorKind::NotFound, "the folder does not exist (was the drive removed?)"),
        );
    }
    if std::fs::metadata(dir).map(|m| m.permissions().readonly()).unwrap_or(false) || rc & 0xff == ffi::SQLITE_READONLY
    {
        return SealError::ReadOnly { path: dir.to_owned(), what: "cannot write the backup there" };
    }
    match probe_writable(dir) {
        Err(e) if e.kind() == ErrorKind::ReadOnlyFilesystem || e.kind() == ErrorKind::PermissionDenied => {
            SealError::ReadOnly { path: dir.to_owned(), what: "cannot write the backup there" }
        }
        Err(e) => SealError::io("cannot write", path, e),
        Ok(()) => write_error(path, rc),
    }
}

/// Tries to make and remove a file in `dir`, to name why an open failed.
fn probe_writable(dir: &Path) -> io::Result<()> {
    let mut n = [0u8; 8];
    getrandom::fill(&mut n).map_err(io::Error::other)?;
    let probe = dir.join(format!(".chartvault-probe-{:016x}", u64::from_ne_bytes(n)));
    std::fs::OpenOptions::new().write(true).create_new(true).open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Asks the operating system to forget its cached copy of a file just
/// synced, so that reading it back reads the drive. Best effort: Linux
/// only; elsewhere the read-back may be served from memory.
pub(crate) fn drop_cache(path: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(f) = std::fs::File::open(path) {
        let _ = rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
}

/// Sealed runs waiting for the writer, at most: enough to keep the disk
/// busy while the next run is read and sealed, little memory.
const IN_FLIGHT: usize = 3;

/// Runs `produce` with a sink whose writes go to `out` on a second thread,
/// so reading and sealing the next run overlaps writing the last. The
/// writer's error, if it failed, is the one reported (a full or removed
/// drive), not the producer's "writer stopped".
pub(crate) fn write_behind<T>(
    out: &mut Opened,
    produce: impl FnOnce(&mut dyn FnMut(Vec<u8>, u64) -> Result<(), super::BackupError>) -> Result<T, super::BackupError>,
) -> Result<T, super::BackupError> {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, u64)>(IN_FLIGHT);
        let writer = s.spawn(move || -> Result<(), SealError> {
            for (buf, at) in rx {
                out.write_all(&buf, at)?;
            }
            Ok(())
        });
        let stopped = || super::BackupError::Io(SealError::SnapshotRefused("the writer stopped"));
        let mut sink = |buf: Vec<u8>, at: u64| tx.send((buf, at)).map_err(|_| stopped());
        let produced = produce(&mut sink);
        drop(tx);
        match writer.join() {
            Ok(Err(e)) => Err(super::BackupError::Io(e)),
            Err(_) => Err(stopped()),
            Ok(Ok(())) => produced,
        }
    })
}

/// One run read ahead: its bytes, or `None` where the file ended first.
pub(crate) type Ahead = Result<Option<Vec<u8>>, SealError>;

/// Runs `consume` with a source of the runs `(offset, length)` of `src`,
/// read in order on a second thread, so reading the next run overlaps
/// opening and sealing the last.
pub(crate) fn read_ahead<T>(
    src: &mut Opened,
    runs: Vec<(u64, usize)>,
    consume: impl FnOnce(&mut dyn FnMut() -> Ahead) -> Result<T, super::BackupError>,
) -> Result<T, super::BackupError> {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Ahead>(IN_FLIGHT);
        s.spawn(move || {
            for (at, len) in runs {
                let mut buf = vec![0u8; len];
                let item = match src.read_exact(&mut buf, at) {
                    Ok(true) => Ok(Some(buf)),
                    Ok(false) => Ok(None),
                    Err(e) => Err(e),
                };
                let stop = !matches!(item, Ok(Some(_)));
                // The consumer stopped early: nothing more to read.
                if tx.send(item).is_err() || stop {
                    return;
                }
            }
        });
        let mut next = || rx.recv().unwrap_or(Ok(None));
        consume(&mut next)
    })
}

/// The runs of at most `run` pages covering pages `1..=n` of a body that
/// starts at `offset`.
pub(crate) fn page_runs(n: u32, run: usize, offset: u64) -> Vec<(u64, usize)> {
    let ps = crate::PAGE_SIZE as u64;
    (0..u64::from(n))
        .step_by(run)
        .map(|first| (offset + first * ps, (u64::from(n) - first).min(run as u64) as usize * crate::PAGE_SIZE))
        .collect()
}
