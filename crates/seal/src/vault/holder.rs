//! One holder of a vault at a time.
//!
//! A vault open twice, even in one process, has two copies of the slot file
//! in memory, each rewriting it from its own, and a rekey through one leaves
//! the other writing slots for a key that no longer seals the database. So
//! the vault takes an exclusive OS lock on `vault.lock` for its whole life
//! (`flock` on Unix, `LockFileEx` on Windows, through `std::fs::File::lock`)
//! before it reads anything. The lock is per open file description: a second
//! `Vault::open` in the same process is refused like one from another
//! process, and the OS drops the lock when a holder dies, so a crash never
//! leaves a vault locked.
//!
//! The holder writes its process id into the lock file, so a refused opener
//! can say which process has the vault (where the platform lets it read a
//! locked file; Windows does not, and the message then names no process).
//!
//! A custom lower layer (the tests' simulated disk) has no OS files; there a
//! process-wide registry of held directories does the same job.

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use crate::lower::Lower;
use crate::names::lock_path;
use crate::{Result, SealError};

/// Held for a vault's lifetime; dropping it releases the vault.
#[derive(Debug)]
pub(crate) struct Holder {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Os(#[allow(dead_code)] File),
    Registry(String),
}

static REGISTRY: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

impl Holder {
    /// Takes the vault in `dir` (an absolute path), or says who has it.
    pub(crate) fn take(dir: &Path, lower: &Lower) -> Result<Holder> {
        match lower {
            Lower::Os => take_os(dir),
            Lower::Custom(l) => {
                // One simulated disk is one address; its directories are names.
                let key = format!("{:p}:{}", std::sync::Arc::as_ptr(l), dir.display());
                let mut held = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
                if !held.insert(key.clone()) {
                    return Err(SealError::InUse { path: dir.to_owned(), pid: Some(std::process::id()) });
                }
                Ok(Holder { inner: Inner::Registry(key) })
            }
        }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        if let Inner::Registry(key) = &self.inner {
            REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        }
        // An OS lock goes with its file handle.
    }
}

/// How long a lock that names this very process is waited for (see
/// [`take_os`]).
const OWN_CHILD_GRACE: Duration = Duration::from_millis(500);

fn take_os(dir: &Path) -> Result<Holder> {
    let path = lock_path(dir);
    let mut file = open_lock_file(&path)?;
    let deadline = Instant::now() + OWN_CHILD_GRACE;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let pid = read_pid(&mut file);
                // The lock names this process, but no holder of ours should
                // have it: a process this one is starting (another thread's
                // fork, before its exec) holds a copy of a handle we closed
                // a moment ago — the lock goes with the last copy. It lets
                // go at exec; a real second holder in this process is still
                // refused once the wait is over.
                if pid == Some(std::process::id()) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                return Err(SealError::InUse { path: dir.to_owned(), pid });
            }
            Err(TryLockError::Error(e)) => return Err(SealError::io("cannot lock", path, e)),
        }
    }
    // Best effort: the pid only improves another opener's message.
    let pid = std::process::id().to_string();
    let _ = file.set_len(0).and_then(|()| file.seek(SeekFrom::Start(0))).and_then(|_| file.write_all(pid.as_bytes()));
    Ok(Holder { inner: Inner::Os(file) })
}

fn open_lock_file(path: &PathBuf) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            SealError::ReadOnly { path: path.clone(), what: "cannot create or open the vault's lock file" }
        }
        _ => SealError::io("cannot open", path, e),
    })
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(16).read_to_string(&mut s).ok()?;
    s.trim().parse().ok()
}

/// Paths as one form: absolute, so that a relative directory works
/// everywhere (rekey builds a URI from it) and messages name one path.
pub(crate) fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir).map_err(|e| SealError::io("cannot resolve", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_in_the_same_process_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = Holder::take(dir.path(), &Lower::Os).unwrap();
        match Holder::take(dir.path(), &Lower::Os) {
            Err(SealError::InUse { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("{other:?}"),
        }
        drop(first);
        Holder::take(dir.path(), &Lower::Os).unwrap();
    }

    #[test]
    fn the_registry_guards_custom_lower_layers() {
        let disk = crate::testkit::SimDisk::new();
        let lower = disk.lower();
        let first = Holder::take(Path::new("/sim/v"), &lower).unwrap();
        assert!(matches!(Holder::take(Path::new("/sim/v"), &lower), Err(SealError::InUse { .. })));
        Holder::take(Path::new("/sim/other"), &lower).unwrap();
        drop(first);
        Holder::take(Path::new("/sim/v"), &lower).unwrap();
    }
}
