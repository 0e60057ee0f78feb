//! Files the app writes for the person (exports, saved attachments): a new
//! owner-only file written beside its final name, synced, then renamed, so
//! that nothing half-written ever carries the name; removed on any failure.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::IpcResult;
use crate::ipc::{ErrorCode, IpcError};

/// The file to write: the typed absolute path, or `default_name` in the
/// Documents folder when nothing was typed.
pub fn destination(typed: &str, default_name: &str) -> IpcResult<PathBuf> {
    if !typed.trim().is_empty() {
        let p = PathBuf::from(typed.trim());
        if !p.is_absolute() {
            return Err(IpcError::invalid("Give the full path of the file to write."));
        }
        return Ok(p);
    }
    let dirs = directories::UserDirs::new().ok_or_else(|| IpcError::invalid("Give the file to write."))?;
    let folder = dirs.document_dir().unwrap_or(dirs.home_dir()).to_owned();
    Ok(folder.join(default_name))
}

/// A name to save a file under in a folder of the person's: no leading
/// dot (not hidden, not a shell's start-up file), no characters Windows or
/// macOS give a meaning to, at most 120 bytes, and ending in one of `exts`
/// (the first is added when it does not).
pub fn safe_name(given: &str, exts: &[&str]) -> String {
    let mut name: String = given
        .chars()
        .map(|c| if c.is_control() || "<>:\"/\\|?*".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_owned();
    while name.len() > 120 {
        name.pop();
    }
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3"];
    if name.is_empty() || reserved.contains(&stem.as_str()) {
        name = format!("attachment{}", if name.is_empty() { String::new() } else { format!("-{name}") });
    }
    let lower = name.to_ascii_lowercase();
    if let Some(first) = exts.first()
        && !exts.iter().any(|e| lower.ends_with(&format!(".{e}")))
    {
        name.push('.');
        name.push_str(first);
    }
    name
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Writes `path` (which must not exist) with `fill`, through
/// `NAME.partial`; returns what `fill` returned. The finished file is
/// given its name by a hard link, which fails rather than replace a file
/// that appeared meanwhile (a rename would replace it), or by a rename
/// where the file system has no links.
pub fn write_new<T>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> IpcResult<T>) -> IpcResult<T> {
    if path.exists() {
        return Err(IpcError::new(ErrorCode::Conflict, format!("{} exists already.", path.display())));
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let partial = path.with_file_name(name);
    let io = |e: std::io::Error| IpcError::new(ErrorCode::Io, format!("Cannot write {}: {e}.", path.display()));
    let file = create_private(&partial).map_err(io)?;
    let mut w = std::io::BufWriter::new(file);
    let result = fill(&mut w).and_then(|t| {
        w.flush().map_err(io)?;
        w.get_ref().sync_all().map_err(io)?;
        Ok(t)
    });
    drop(w);
    match result {
        Ok(t) => {
            let named = match std::fs::hard_link(&partial, path) {
                Ok(()) => std::fs::remove_file(&partial),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
                Err(_) => std::fs::rename(&partial, path),
            };
            named.map_err(|e| {
                let _ = std::fs::remove_file(&partial);
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    IpcError::new(ErrorCode::Conflict, format!("{} exists already.", path.display()))
                } else {
                    io(e)
                }
            })?;
            Ok(t)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_nothing_and_an_existing_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pdf");
        let e = write_new(&path, |w| {
            w.write_all(b"half").unwrap();
            Err::<(), _>(IpcError::invalid("stopped"))
        })
        .unwrap_err();
        assert_eq!(e.message, "stopped");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no partial file is left");
        write_new(&path, |w| w.write_all(b"whole").map_err(|_| IpcError::invalid("io"))).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        let e = write_new(&path, |_| Ok(())).unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert_eq!(std::fs::read(&path).unwrap(), b"whole", "an existing file is never replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(destination("relative/x.pdf", "d").is_err());
    }

    #[test]
    fn a_default_name_is_never_hidden_reserved_or_of_another_kind() {
        assert_eq!(safe_name(".bash_profile", &["txt"]), "bash_profile.txt");
        assert_eq!(safe_name("scan.PNG", &["png"]), "scan.PNG");
        assert_eq!(safe_name("C:x.txt", &["txt"]), "C_x.txt");
        assert_eq!(safe_name("a.txt:stream", &["txt"]), "a.txt_stream.txt");
        assert_eq!(safe_name("CON.txt", &["txt"]), "attachment-CON.txt");
        assert_eq!(safe_name("...", &["pdf"]), "attachment.pdf");
        assert_eq!(safe_name("notes", &["txt", "csv"]), "notes.txt");
        assert!(safe_name(&"é".repeat(200), &["jpg"]).len() <= 124);
    }
}
