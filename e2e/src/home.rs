//! A fresh home folder for one app: the vault, its configuration and
//! WebKit's caches all live under it, never in the tester's own home.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A temporary HOME with its XDG folders. Removed when dropped, unless a
/// test is panicking: then it is kept, and its path printed, so the
/// driver log and the vault can be looked at.
#[derive(Debug)]
pub struct AppHome {
    dir: Option<TempDir>,
    extra_env: Vec<(&'static str, OsString)>,
    /// What the tests typed into the app: none of it may reach its logs.
    typed: std::sync::Mutex<Vec<String>>,
}

impl AppHome {
    /// A new, empty home folder in the system's temporary folder.
    pub fn new() -> AppHome {
        let dir = tempfile::Builder::new()
            .prefix("chartvault-e2e-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot make a temporary home folder: {e}"));
        let home = AppHome { dir: Some(dir), extra_env: Vec::new(), typed: Default::default() };
        for sub in [home.data_home(), home.config_home(), home.cache_home()] {
            std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("cannot create {}: {e}", sub.display()));
        }
        home
    }

    /// Moves the folder out (for the next app on it); `self` is left empty.
    pub(crate) fn take(&mut self) -> AppHome {
        let typed = std::mem::take(&mut *self.typed.lock().unwrap_or_else(|e| e.into_inner()));
        AppHome { dir: self.dir.take(), extra_env: std::mem::take(&mut self.extra_env), typed: typed.into() }
    }

    /// The folder itself (the app's `HOME`).
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("the home folder is kept until drop").path()
    }

    /// `XDG_DATA_HOME`.
    pub fn data_home(&self) -> PathBuf {
        self.path().join(".local/share")
    }

    /// `XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.path().join(".config")
    }

    /// `XDG_CACHE_HOME`.
    pub fn cache_home(&self) -> PathBuf {
        self.path().join(".cache")
    }

    /// Where the app keeps its vault by default
    /// (`ProjectDirs::from("org", "Chartvault", "Chartvault").data_dir()/vault`).
    pub fn default_vault(&self) -> PathBuf {
        self.data_home().join("chartvault/vault")
    }

    /// The file naming a vault folder chosen in the first-run wizard.
    pub fn vault_location_file(&self) -> PathBuf {
        self.config_home().join("chartvault/vault-location")
    }

    /// The log of tauri-driver, WebKitWebDriver and the app (their stdout
    /// and stderr).
    pub fn driver_log(&self) -> PathBuf {
        self.path().join("driver.log")
    }

    /// The app's log folder (`<data dir>/logs`).
    pub fn log_dir(&self) -> PathBuf {
        self.data_home().join("chartvault/logs")
    }

    /// Everything the app logged, all files together.
    pub fn app_logs(&self) -> String {
        let Ok(entries) = std::fs::read_dir(self.log_dir()) else { return String::new() };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
    }

    /// Notes a value typed into the app.
    pub(crate) fn typed(&self, value: &str) {
        self.typed.lock().unwrap_or_else(|e| e.into_inner()).push(value.to_owned());
    }

    /// Fails when the app's logs hold anything a test typed: a user name, a
    /// name, a note, a password, a recovery code, a search. A value of five
    /// characters or more is looked for anywhere; a shorter one (three or
    /// four, a user name like `sam`) as a whole word. Values without a
    /// letter (codes, dates, numbers) are left out: they would match times
    /// and counts by chance.
    pub fn assert_logs_hold_nothing_typed(&self) {
        if self.dir.is_none() {
            return;
        }
        let logs = self.app_logs();
        assert!(logs.contains("screen"), "the app's log records no screen:\n{logs}");
        let lower = logs.to_lowercase();
        let words: std::collections::HashSet<&str> =
            lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let typed = self.typed.lock().unwrap_or_else(|e| e.into_inner());
        for value in typed.iter() {
            let v = value.trim().to_lowercase();
            let n = v.chars().count();
            if n < 3 || !v.chars().any(char::is_alphabetic) {
                continue;
            }
            let found = if n >= 5 { lower.contains(&v) } else { words.contains(v.as_str()) };
            assert!(!found, "the app's log holds {value:?}, which a test typed:\n{logs}");
        }
    }

    /// Runs the app with `key` set to `value` as well (a GTK theme, say).
    #[must_use]
    pub fn with_env(mut self, key: &'static str, value: impl Into<OsString>) -> AppHome {
        self.extra_env.push((key, value.into()));
        self
    }

    /// The environment the app runs with.
    pub(crate) fn env(&self) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            ("HOME", self.path().into()),
            ("XDG_DATA_HOME", self.data_home().into()),
            ("XDG_CONFIG_HOME", self.config_home().into()),
            ("XDG_CACHE_HOME", self.cache_home().into()),
            ("XDG_STATE_HOME", self.path().join(".local/state").into()),
            // No session bus: the single-instance plugin then launches
            // normally instead of handing over to a Chartvault the tester
            // may have open, and nothing reaches the tester's desktop.
            ("DBUS_SESSION_BUS_ADDRESS", "disabled:".into()),
            // No accessibility bus either (GTK warns when it cannot find one).
            ("NO_AT_BRIDGE", "1".into()),
        ];
        env.extend(self.extra_env.iter().cloned());
        env
    }
}

impl Default for AppHome {
    fn default() -> Self {
        AppHome::new()
    }
}

impl Drop for AppHome {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "e2e: kept the app's home folder for a look: {} (driver log: {})",
                kept.display(),
                kept.join("driver.log").display()
            );
        }
    }
}
