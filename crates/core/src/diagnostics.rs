//! A diagnostics report for whoever supports the clinic: versions, the
//! vault folder's state as its files show it, the settings, recent logs —
//! and no personal data: no user, patient or clinic name, no slot names,
//! no secret, the home folder shown as `~`. The desktop app's "Copy
//! diagnostics" and `chartvault diagnostics` both print it.

use std::fmt;
use std::path::Path;

use chartvault_seal::backup::INTENT_FILE;
use chartvault_seal::{DB_FILE, JOURNAL_FILE, KEYS_FILE, SlotKind, WAL_FILE, inspect_key_file};

use crate::access::Permission;
use crate::logs::{recent_lines, shown_folder};
use crate::session::Session;

/// Lines of recent logs a report carries.
pub const LOG_LINES: usize = 200;

/// What a report is about: the program asking, and its folders.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `chartvault-desktop` or `chartvault`, with its own version.
    pub program: &'a str,
    /// The program's version.
    pub version: &'a str,
    /// The vault folder.
    pub vault_dir: &'a Path,
    /// The per-user data directory (its `logs/` is read).
    pub data_dir: &'a Path,
}

/// A gathered report, printed with `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    sections: Vec<(&'static str, Vec<(String, String)>)>,
    log_lines: Vec<String>,
}

impl Report {
    /// The value of `key` in section `section`, for tests and callers that
    /// show one figure.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        let (_, rows) = self.sections.iter().find(|(s, _)| *s == section)?;
        rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The recent log lines carried.
    pub fn log_lines(&self) -> &[String] {
        &self.log_lines
    }
}

/// What the person asking may see, taken from their session (if any) so
/// that a caller holding the session behind a lock can let go of it
/// before the files are read.
#[derive(Debug, Clone)]
pub struct Viewer {
    settings: Vec<(String, String)>,
    activity: bool,
}

impl Viewer {
    /// It asks no more of a person than the app does: the settings need
    /// `policy_admin` (they live inside the sealed database, so a session
    /// too), and the log's audit and sign-in lines — who did what when, by
    /// user number — need `audit_read`. Anyone else, before sign-in too,
    /// gets the rest, and the report says what it left out.
    pub fn of(session: Option<&Session>) -> Viewer {
        Viewer { settings: settings_rows(session), activity: session.is_some_and(|s| s.holds(Permission::AuditRead)) }
    }
}

/// Gathers the report for whoever holds `session` (see [`Viewer::of`]).
pub fn gather(subject: &Subject<'_>, session: Option<&Session>) -> Report {
    gather_for(subject, &Viewer::of(session))
}

/// Gathers the report for `viewer`.
pub fn gather_for(subject: &Subject<'_>, viewer: &Viewer) -> Report {
    let mut sections =
        vec![("program", program_rows(subject)), ("vault folder", vault_rows(subject.vault_dir, subject.data_dir))];
    sections.push(("settings", viewer.settings.clone()));
    let logs = crate::logs::log_dir(subject.data_dir);
    let activity = viewer.activity;
    let mut log_rows = vec![("folder".to_owned(), shown_folder(&logs))];
    if !activity {
        log_rows
            .push(("left out".to_owned(), "audit and sign-in lines (they need the audit_read permission)".to_owned()));
    }
    sections.push(("logs", log_rows));
    let lines = recent_lines(&logs, LOG_LINES)
        .into_iter()
        .filter(|l| activity || !(l.contains(AUDIT_LINE) || l.contains(SIGN_IN_LINE)))
        .map(|l| scrub_home(&l))
        .collect();
    Report { sections, log_lines: lines }
}

/// The messages of the log lines that record people's activity.
const AUDIT_LINE: &str = " audit entry ";
const SIGN_IN_LINE: &str = " sign-in refused";

fn program_rows(s: &Subject<'_>) -> Vec<(String, String)> {
    let mut rows = vec![
        ("program".to_owned(), format!("{} {}", s.program, s.version)),
        ("core library".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("schema version (this build)".to_owned(), crate::db::latest().to_string()),
        ("SQLite".to_owned(), chartvault_seal::rusqlite::version().to_owned()),
        ("system".to_owned(), format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)),
    ];
    if let Some(release) = os_release() {
        rows.push(("system release".to_owned(), release));
    }
    rows.push(("data folder".to_owned(), shown_folder(s.data_dir)));
    rows
}

#[cfg(target_os = "linux")]
fn os_release() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let line = text.lines().find(|l| l.starts_with("PRETTY_NAME="))?;
    Some(line.trim_start_matches("PRETTY_NAME=").trim_matches('"').to_owned())
}

#[cfg(not(target_os = "linux"))]
fn os_release() -> Option<String> {
    None
}

fn vault_rows(dir: &Path, data_dir: &Path) -> Vec<(String, String)> {
    // The default folder is shown; one chosen at set-up is not, as its path
    // may carry a clinic's or a person's name.
    let shown = if dir == data_dir.join("vault") {
        format!("{} (the default)", shown_folder(dir))
    } else {
        "chosen at set-up (its path is not shown: it may carry a name)".to_owned()
    };
    let mut rows = vec![("folder".to_owned(), shown)];
    if !dir.is_dir() {
        rows.push(("state".to_owned(), "no such folder (first run, or the folder moved)".to_owned()));
        return rows;
    }
    for name in [KEYS_FILE, DB_FILE, WAL_FILE, JOURNAL_FILE, INTENT_FILE] {
        let shown = match std::fs::metadata(dir.join(name)) {
            Ok(m) => format!("{} bytes", m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "absent".to_owned(),
            Err(e) => format!("unreadable ({})", e.kind()),
        };
        rows.push((name.to_owned(), shown));
    }
    match std::fs::read(dir.join(KEYS_FILE)).map(|b| inspect_key_file(&b)) {
        Ok(Ok(info)) => {
            rows.push(("key file format".to_owned(), info.version.to_string()));
            rows.push(("vault id".to_owned(), info.vault_id.chars().take(8).collect()));
            rows.push((
                "journal mode".to_owned(),
                info.journal_mode.map(|m| format!("{m:?}")).unwrap_or("not recorded".to_owned()),
            ));
            rows.push(("key generation".to_owned(), info.epoch.to_string()));
            if let Some(p) = info.pending_epoch {
                rows.push(("key generation being rolled in".to_owned(), p.to_string()));
            }
            rows.push(("page seals used (bound)".to_owned(), info.seals_reserved.to_string()));
            let passwords = info.slots.iter().filter(|s| s.kind == SlotKind::Password).count();
            let codes = info.slots.len() - passwords;
            // Slot names are user names: counted, never listed.
            rows.push(("key slots".to_owned(), format!("{passwords} password, {codes} recovery code")));
            let weakest = info.slots.iter().map(|s| s.kdf.m_kib).min();
            if let Some(m) = weakest {
                rows.push(("smallest Argon2id memory".to_owned(), format!("{} MiB", m / 1024)));
            }
        }
        Ok(Err(e)) => rows.push(("key file".to_owned(), format!("unreadable: {}", crate::logs::kind_of(&e)))),
        Err(e) => rows.push(("key file".to_owned(), format!("not read ({})", e.kind()))),
    }
    let aside = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("before-restore-")).count()
        })
        .unwrap_or(0);
    rows.push(("folders kept aside by restores".to_owned(), aside.to_string()));
    rows
}

fn settings_rows(session: Option<&Session>) -> Vec<(String, String)> {
    let Some(session) = session else {
        return vec![("settings".to_owned(), "not shown: nobody is signed in (they are inside the vault)".to_owned())];
    };
    if !session.holds(Permission::PolicyAdmin) {
        return vec![
            ("settings".to_owned(), "not shown: they need the policy_admin permission".to_owned()),
            ("signed in as role".to_owned(), session.role().as_str().to_owned()),
        ];
    }
    let mut rows: Vec<(String, String)> = session
        .policy()
        .entries()
        .into_iter()
        .map(|(k, v)| {
            // A folder may carry a person's name: shown only as set or not.
            // The record number's format may carry the clinic's: its shape.
            let v = match k {
                "backup_folder" if v.is_empty() => "not set".to_owned(),
                "backup_folder" => "set".to_owned(),
                "mrn_format" => shape(&v),
                _ => v,
            };
            (k.to_owned(), v)
        })
        .collect();
    rows.push(("signed in as role".to_owned(), session.role().as_str().to_owned()));
    rows.push(("session locked".to_owned(), session.is_locked().to_string()));
    rows
}

/// Text with every letter as `A` and every digit as `9`: its shape.
fn shape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphabetic() {
                'A'
            } else if c.is_numeric() {
                '9'
            } else {
                c
            }
        })
        .collect()
}

/// Replaces the home folder wherever it appears in a line.
fn scrub_home(line: &str) -> String {
    match std::env::home_dir() {
        Some(home) if home.as_os_str().len() > 1 => line.replace(&*home.to_string_lossy(), "~"),
        _ => line.to_owned(),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Chartvault diagnostics (no personal data: no names, no patient data, no secrets)")?;
        for (section, rows) in &self.sections {
            writeln!(f)?;
            writeln!(f, "[{section}]")?;
            for (k, v) in rows {
                writeln!(f, "{k}: {v}")?;
            }
        }
        writeln!(f)?;
        writeln!(f, "[recent log lines: {}]", self.log_lines.len())?;
        for line in &self.log_lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
