//! Which machine acted: its host name, and a stable random id that tells
//! apart two machines given the same name (or one renamed).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{CoreError, Result};

/// The name of the id file in the state directory.
pub const WORKSTATION_ID_FILE: &str = "workstation-id";

/// A workstation as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workstation {
    /// Its host name, as the system gives it.
    pub host: String,
    /// Its id: 32 lowercase hexadecimal digits, made on first use.
    pub id: String,
}

impl Workstation {
    /// A workstation of the given name and id.
    pub fn new(host: impl Into<String>, id: impl Into<String>) -> Workstation {
        Workstation { host: host.into(), id: id.into() }
    }

    /// This machine: the host name from the system (`"(unknown)"` if it
    /// gives none) and the id kept in `state_dir/workstation-id`, created
    /// (with the directory) on first use. Two processes starting at once
    /// agree: the file is linked into place only if absent. A damaged file
    /// (not an id) is replaced.
    pub fn current(state_dir: &Path) -> Result<Workstation> {
        let host = hostname::get().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default();
        let host = if host.trim().is_empty() { "(unknown)".to_owned() } else { host };
        Ok(Workstation { host, id: workstation_id(state_dir)? })
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CoreError + '_ {
    move |source| CoreError::WorkstationId { path: path.to_owned(), source }
}

fn workstation_id(state_dir: &Path) -> Result<String> {
    let path = state_dir.join(WORKSTATION_ID_FILE);
    let found = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(&path)(e)),
    };
    if let Some(id) = found.as_deref().map(str::trim).filter(|id| is_id(id)) {
        return Ok(id.to_owned());
    }
    std::fs::create_dir_all(state_dir).map_err(io_err(state_dir))?;
    let id = new_id()?;
    let tmp = state_dir.join(format!("{WORKSTATION_ID_FILE}.{}.tmp", new_id()?));
    write_synced(&tmp, &id).map_err(io_err(&tmp))?;
    let placed = if found.is_none() {
        // No-clobber: a racing process's id, if it got there first, wins.
        match std::fs::hard_link(&tmp, &path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            // A file system without hard links: replace instead.
            Err(_) => std::fs::rename(&tmp, &path).map(|()| true),
        }
    } else {
        std::fs::rename(&tmp, &path).map(|()| true)
    };
    let _ = std::fs::remove_file(&tmp);
    if placed.map_err(io_err(&path))? {
        return Ok(id);
    }
    let winner = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    let winner = winner.trim();
    if is_id(winner) {
        Ok(winner.to_owned())
    } else {
        Err(CoreError::WorkstationId {
            path: PathBuf::from(&path),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "it does not hold a workstation id"),
        })
    }
}

fn write_synced(path: &Path, id: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(format!("{id}\n").as_bytes())?;
    f.sync_all()
}

fn new_id() -> Result<String> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|_| CoreError::Random)?;
    Ok(super::chain::hex(&raw))
}

fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_made_once_kept_and_a_damaged_file_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let a = Workstation::current(&state).unwrap();
        assert!(is_id(&a.id), "{}", a.id);
        assert!(!a.host.is_empty());
        let b = Workstation::current(&state).unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read_dir(&state).unwrap().count(), 1, "no temporary file left");

        std::fs::write(state.join(WORKSTATION_ID_FILE), "").unwrap();
        let c = Workstation::current(&state).unwrap();
        assert!(is_id(&c.id));
        assert_ne!(c.id, a.id);
        assert_eq!(Workstation::current(&state).unwrap(), c);
    }
}
