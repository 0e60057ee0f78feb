//! The vault's own file operations on the real file system (`Lower::Os`).

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

fn absent_is_none<T>(r: io::Result<T>) -> io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn file_len(path: &Path) -> io::Result<Option<u64>> {
    absent_is_none(std::fs::metadata(path)).map(|m| m.map(|m| m.len()))
}

pub(crate) fn read_at(path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<Option<usize>> {
    let Some(mut f) = absent_is_none(File::open(path))? else {
        return Ok(None);
    };
    f.seek(SeekFrom::Start(offset))?;
    let mut done = 0;
    while done < buf.len() {
        match f.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(done))
}

/// Files the vault creates are readable by their owner only (on Unix; on
/// Windows they inherit the folder's ACL).
pub(crate) fn private_create() -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Makes a folder and its parents, readable by its owner only where the
/// platform has such modes (Windows folders inherit their ACLs).
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = private_create().truncate(true).open(path)?;
    f.write_all(bytes)
}

pub(crate) fn sync_file(path: &Path) -> io::Result<()> {
    // Opened for writing: Windows refuses FlushFileBuffers on a read-only handle.
    OpenOptions::new().write(true).open(path)?.sync_all()
}

pub(crate) fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

pub(crate) fn remove_file(path: &Path) -> io::Result<bool> {
    absent_is_none(std::fs::remove_file(path)).map(|r| r.is_some())
}

#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows has no directory fsync; `MoveFileEx` (behind `std::fs::rename`)
/// updates the directory entry through the NTFS journal.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
