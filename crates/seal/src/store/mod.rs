//! The vault's own files, outside SQLite: whole-file reads and the atomic
//! replace the slot file and rekey rely on, through the vault's lower layer
//! (the real file system, or the simulated disk of the crash tests).

pub(crate) mod os;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::lower::{Lower, LowerVfs};
use crate::{Result, SealError};

/// Steps of an atomic replace, named so crash tests can stop after each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteStep {
    TempWritten,
    TempSynced,
    Renamed,
}

/// File operations on one vault's lower layer.
#[derive(Clone)]
pub(crate) struct Store {
    lower: Arc<dyn LowerVfs>,
}

impl Store {
    pub(crate) fn new(lower: &Lower) -> Result<Store> {
        Ok(Store { lower: crate::vfs::resolve(lower)? })
    }

    /// The length of a file, or `None` if it does not exist.
    pub(crate) fn len(&self, path: &Path) -> Result<Option<u64>> {
        self.lower.file_len(path).map_err(|e| SealError::io("cannot check", path, e))
    }

    pub(crate) fn exists(&self, path: &Path) -> Result<bool> {
        Ok(self.len(path)?.is_some())
    }

    /// Up to `max` bytes from the start of a file (fewer if it is shorter),
    /// or `None` if it does not exist.
    pub(crate) fn read_head(&self, path: &Path, max: usize) -> Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; max];
        let mut done = 0;
        while done < max {
            match self.lower.read_at(path, done as u64, &mut buf[done..]) {
                Ok(None) if done == 0 => return Ok(None),
                Ok(None | Some(0)) => break,
                Ok(Some(n)) => done += n,
                Err(e) => return Err(SealError::io("cannot read", path, e)),
            }
        }
        buf.truncate(done);
        Ok(Some(buf))
    }

    /// A whole file of at most `max` bytes, or `None` if it does not exist.
    /// A longer file is refused before any of it is read: a huge or sparse
    /// file must not exhaust memory.
    pub(crate) fn read_capped(&self, path: &Path, max: usize) -> Result<Option<Vec<u8>>> {
        match self.len(path)? {
            None => Ok(None),
            Some(len) if len > max as u64 => Err(SealError::io(
                "refusing to read",
                path,
                std::io::Error::other(format!("{len} bytes is larger than any such file ({max} bytes at most)")),
            )),
            Some(len) => self.read_head(path, len as usize),
        }
    }

    /// Reads at `offset` into `buf`; how many bytes were read (0 past the end
    /// or for a missing file).
    pub(crate) fn read_at(&self, path: &Path, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match self.lower.read_at(path, offset + done as u64, &mut buf[done..]) {
                Ok(None | Some(0)) => break,
                Ok(Some(n)) => done += n,
                Err(e) => return Err(SealError::io("cannot read", path, e)),
            }
        }
        Ok(done)
    }

    /// Renames `from` over `to`; durable once the directory is synced.
    pub(crate) fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.lower.rename(from, to).map_err(|e| SealError::io("cannot rename", from, e))
    }

    /// Replaces `path` with `bytes` so that a crash leaves the old or the new
    /// file, never a mix: write a temporary beside it, sync, rename over,
    /// sync the directory. (A few lines of our own rather than a crate, so
    /// the crash tests can stop between the steps and run it on their disk.)
    pub(crate) fn write_atomic(&self, path: &Path, bytes: &[u8], stop_after: Option<WriteStep>) -> Result<()> {
        let tmp = tmp_path(path);
        self.lower.write_file(&tmp, bytes).map_err(|e| SealError::io("cannot write", &tmp, e))?;
        if stop_after == Some(WriteStep::TempWritten) {
            return Ok(());
        }
        self.sync_file(&tmp)?;
        if stop_after == Some(WriteStep::TempSynced) {
            return Ok(());
        }
        self.lower.rename(&tmp, path).map_err(|e| SealError::io("cannot replace", path, e))?;
        if stop_after == Some(WriteStep::Renamed) {
            return Ok(());
        }
        self.sync_dir_of(path)
    }

    pub(crate) fn sync_file(&self, path: &Path) -> Result<()> {
        self.lower.sync_file(path).map_err(|e| SealError::io("cannot sync", path, e))
    }

    /// Renames `from` over `to` and makes it durable.
    pub(crate) fn rename_durably(&self, from: &Path, to: &Path) -> Result<()> {
        self.lower.rename(from, to).map_err(|e| SealError::io("cannot replace", to, e))?;
        self.sync_dir_of(to)
    }

    pub(crate) fn remove_if_exists(&self, path: &Path) -> Result<()> {
        self.lower.remove_file(path).map(|_| ()).map_err(|e| SealError::io("cannot remove", path, e))
    }

    /// Syncs the directory holding `path`.
    pub(crate) fn sync_dir_of(&self, path: &Path) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        self.lower.sync_dir(dir).map_err(|e| SealError::io("cannot sync directory", dir, e))
    }
}

pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_old_or_new_at_every_step() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(&Lower::Os).unwrap();
        let p = dir.path().join("vault.keys");
        std::fs::write(&p, b"old").unwrap();
        for step in [WriteStep::TempWritten, WriteStep::TempSynced] {
            store.write_atomic(&p, b"new", Some(step)).unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), b"old", "{step:?}");
        }
        store.write_atomic(&p, b"new", Some(WriteStep::Renamed)).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        store.write_atomic(&p, b"newer", None).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"newer");
        assert!(!tmp_path(&p).exists());
    }

    #[test]
    fn reads_tell_a_missing_file_from_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(&Lower::Os).unwrap();
        let p = dir.path().join("f");
        assert_eq!(store.read_capped(&p, 64).unwrap(), None);
        assert!(!store.exists(&p).unwrap());
        std::fs::write(&p, b"").unwrap();
        assert_eq!(store.read_capped(&p, 64).unwrap(), Some(Vec::new()));
        std::fs::write(&p, [0u8; 65]).unwrap();
        assert!(matches!(store.read_capped(&p, 64), Err(SealError::Io { .. })), "a file past the cap is refused");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(store.read_head(&p, 4).unwrap().unwrap(), b"0123");
        assert_eq!(store.read_head(&p, 64).unwrap().unwrap(), b"0123456789");
        store.remove_if_exists(&p).unwrap();
        store.remove_if_exists(&p).unwrap();
        assert!(!store.exists(&p).unwrap());
    }
}
