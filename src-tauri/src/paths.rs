//! Where the app keeps things: the vault (the per-user data directory by
//! default, or a folder the first-run wizard was given) and the one line of
//! configuration that remembers a chosen folder.

use std::path::{Path, PathBuf};

use chartvault_seal::{DB_FILE, KEYS_FILE};

/// The app's folders.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Per-user data directory (`~/.local/share/chartvault` on Linux).
    pub data_dir: PathBuf,
    /// The file naming a vault folder other than the default.
    pub location_file: PathBuf,
}

impl Paths {
    /// The platform's per-user folders for Chartvault.
    pub fn for_this_user() -> Result<Paths, String> {
        let dirs = directories::ProjectDirs::from("org", "Chartvault", "Chartvault")
            .ok_or("no per-user data directory is known on this system")?;
        Ok(Paths { data_dir: dirs.data_dir().to_owned(), location_file: dirs.config_dir().join("vault-location") })
    }

    /// The default vault folder, as the `chartvault` command uses it too.
    pub fn default_vault(&self) -> PathBuf {
        self.data_dir.join("vault")
    }

    /// The vault folder: the one chosen at first run, else the default.
    pub fn vault_dir(&self) -> PathBuf {
        match std::fs::read_to_string(&self.location_file) {
            Ok(s) if !s.trim().is_empty() => PathBuf::from(s.trim_end_matches(['\n', '\r'])),
            _ => self.default_vault(),
        }
    }

    /// Remembers `dir` as the vault folder (nothing is written for the default).
    pub fn remember(&self, dir: &Path) -> std::io::Result<()> {
        if dir == self.default_vault() {
            return match std::fs::remove_file(&self.location_file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        if let Some(parent) = self.location_file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = self.location_file.with_extension("tmp");
        std::fs::write(&tmp, format!("{}\n", dir.display()))?;
        std::fs::rename(tmp, &self.location_file)
    }
}

/// Whether `dir` holds a vault (or what is left of one: a damaged vault is
/// reported at login, never mistaken for an empty folder and set up again).
pub fn holds_vault(dir: &Path) -> bool {
    [KEYS_FILE, DB_FILE, "vault.db"].iter().any(|f| dir.join(f).exists())
}

/// A folder typed in the wizard, made absolute (relative to the home
/// folder, `~` expanded), or the default when empty.
pub fn chosen_folder(typed: &str, default: &Path) -> Result<PathBuf, String> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(default.to_owned());
    }
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_owned());
    let p = match (t.strip_prefix("~/").or(if t == "~" { Some("") } else { None }), &home) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(t),
    };
    if p.is_absolute() {
        return Ok(p);
    }
    match home {
        Some(h) => Ok(h.join(p)),
        None => Err(format!("give the full path of the folder, not \"{t}\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_answer_is_the_default_and_a_relative_one_is_under_home() {
        let d = Path::new("/data/vault");
        assert_eq!(chosen_folder("  ", d).unwrap(), d);
        let abs = std::env::temp_dir().join("x");
        assert_eq!(chosen_folder(abs.to_str().unwrap(), d).unwrap(), abs);
        let rel = chosen_folder("clinic/vault", d).unwrap();
        assert!(rel.is_absolute() && rel.ends_with("clinic/vault"), "{}", rel.display());
    }

    #[test]
    fn a_remembered_folder_is_read_back_and_the_default_forgets_it() {
        let t = tempfile::tempdir().unwrap();
        let p = Paths { data_dir: t.path().join("data"), location_file: t.path().join("cfg/vault-location") };
        assert_eq!(p.vault_dir(), p.default_vault());
        let other = t.path().join("elsewhere with spaces");
        p.remember(&other).unwrap();
        assert_eq!(p.vault_dir(), other);
        p.remember(&p.default_vault()).unwrap();
        assert_eq!(p.vault_dir(), p.default_vault());
    }

    #[test]
    fn a_folder_with_only_a_database_counts_as_a_vault() {
        let t = tempfile::tempdir().unwrap();
        assert!(!holds_vault(t.path()));
        std::fs::write(t.path().join(DB_FILE), b"x").unwrap();
        assert!(holds_vault(t.path()));
    }
}
