//! Files core keeps beside the vault: readable by their owner only where
//! the platform has such modes (Windows files inherit their folder's ACL).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// Options that create a file owner-only.
pub(crate) fn private() -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Writes a whole file, owner-only.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    private().truncate(true).open(path)?.write_all(bytes)
}

/// Replaces a whole file, owner-only, so that a crash leaves the old or the
/// new one: a temporary beside it, synced, renamed over.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let mut f = private().truncate(true).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}
