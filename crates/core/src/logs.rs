//! The log file: what the app and the command did, for whoever supports the
//! clinic — never what is in the vault.
//!
//! Events carry fixed fields only: command and step names, numeric ids,
//! counts, sizes, durations and error kinds ([`kind_of`]: variant names). No event
//! carries a name, a note, a file name, a path inside the vault, a message
//! built from clinic data, or anything secret; a test writes canary data
//! through the command's workflows and scans the files for it, and every
//! end-to-end journey checks the app's log for what it typed. The data
//! directory is logged as `~/…`, and not at all outside the home folder.
//!
//! One file per program and day in `<data dir>/logs/` (`desktop.2026-11-30.log`,
//! `cli.2026-11-30.log`), the newest [`KEEP_FILES`] of each kept.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;

/// The log folder inside the data directory.
pub const LOG_DIR: &str = "logs";

/// Days of logs kept per program.
pub const KEEP_FILES: usize = 14;

/// The environment variable that sets the level: `error`, `warn`, `info`
/// (the default), `debug` or `trace`.
pub const LEVEL_VAR: &str = "CHARTVAULT_LOG";

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The folder could not be made or the file opened.
    #[error("cannot write logs in {dir}: {why}")]
    Folder {
        /// The folder, home shown as `~`.
        dir: String,
        /// What the system said.
        why: String,
    },
    /// Logging was started already in this process.
    #[error("logging was already started")]
    AlreadyStarted,
}

/// The log folder of a data directory.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_DIR)
}

/// Starts logging to `<data_dir>/logs/<program>.<date>.log` for the rest of
/// the process, and logs panics (their place, not their message, which may
/// quote data). `program` is a short fixed name (`desktop`, `cli`).
pub fn init(data_dir: &Path, program: &'static str) -> Result<PathBuf, LogError> {
    let dir = log_dir(data_dir);
    let folder_error = |why: String| LogError::Folder { dir: home_as_tilde(&dir), why };
    make_private_dir(&dir).map_err(|e| folder_error(e.to_string()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(program)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(&dir)
        .map_err(|e| folder_error(e.to_string()))?;
    let level = level_from_env();
    // Our events at the level asked for; other crates' (a plugin, the D-Bus
    // library) at warnings at most, whose debug output could quote anything.
    let only_ours =
        Targets::new().with_default(std::cmp::min(level, LevelFilter::WARN)).with_target("chartvault", level);
    let subscriber =
        tracing_subscriber::fmt().with_writer(appender).with_ansi(false).with_max_level(level).finish().with(only_ours);
    tracing::subscriber::set_global_default(subscriber).map_err(|_| LogError::AlreadyStarted)?;
    log_panics();
    tracing::info!(
        program,
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        data_dir = %shown_folder(data_dir),
        "started"
    );
    Ok(dir)
}

/// The log folder, readable by its owner only where the system has modes
/// (the log holds no clinic data, but when people worked is theirs). On
/// Windows the per-user application-data folder is private already.
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

fn level_from_env() -> LevelFilter {
    std::env::var(LEVEL_VAR).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(LevelFilter::INFO)
}

fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        match info.location() {
            // A dependency's file is an absolute path on the build machine:
            // its last three parts say enough.
            Some(at) => tracing::error!(file = %short_source(at.file()), line = at.line(), "panic"),
            None => tracing::error!("panic"),
        }
        previous(info);
    }));
}

fn short_source(file: &str) -> String {
    let parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    if Path::new(file).is_absolute() || file.starts_with('/') {
        parts[parts.len().saturating_sub(3)..].join("/")
    } else {
        file.to_owned()
    }
}

/// A folder as the log and the diagnostics report show it: under the home
/// folder as `~/…`; elsewhere (a redirected profile, `XDG_DATA_HOME`
/// somewhere else) not at all, as its path may carry a person's name.
pub fn shown_folder(path: &Path) -> String {
    let shown = home_as_tilde(path);
    if shown.starts_with('~') { shown } else { "(outside the home folder; not shown)".to_owned() }
}

/// `path` as text with the user's home folder shown as `~`: a home folder's
/// name is often the person's own.
pub fn home_as_tilde(path: &Path) -> String {
    match std::env::home_dir() {
        Some(home) if !home.as_os_str().is_empty() => match path.strip_prefix(&home) {
            Ok(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
            Ok(rest) => format!("~{}{}", std::path::MAIN_SEPARATOR, rest.display()),
            Err(_) => path.display().to_string(),
        },
        _ => path.display().to_string(),
    }
}

/// An error's kind — its variant's name, and those of the errors it wraps
/// (`Backup/Damaged`) — without messages or fields, which may quote a
/// path, a name or a value.
pub fn kind_of(e: &impl std::fmt::Debug) -> String {
    let debug = format!("{e:?}");
    let mut kinds = Vec::new();
    let mut rest = debug.as_str();
    loop {
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        kinds.push(&rest[..end]);
        // Into a wrapped error only: `Variant(Inner…`, never `Variant("text")`.
        match rest[end..].strip_prefix('(') {
            Some(inner) if inner.starts_with(|c: char| c.is_ascii_uppercase()) => rest = inner,
            _ => break,
        }
    }
    if kinds.is_empty() { "error".to_owned() } else { kinds.join("/") }
}

/// How much of each recent file is read for [`recent_lines`].
const TAIL_BYTES: u64 = 256 * 1024;

/// The last `max` lines of the logs in `dir`, oldest first, across the
/// programs' files (each line names its program's file). Unreadable files
/// are skipped: diagnostics must work when little else does.
pub fn recent_lines(dir: &Path, max: usize) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<(String, std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .filter_map(|p| {
            let program = p.file_name()?.to_str()?.split('.').next()?.to_owned();
            Some((program, std::fs::metadata(&p).ok()?.modified().ok()?, p))
        })
        .collect();
    files.sort();
    let mut lines: Vec<(String, String)> = Vec::new();
    // Per program, its newest files until it has `max` lines: the app's log
    // is written most often, and must not hide the command's.
    let mut programs: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    programs.dedup();
    for program in programs {
        let mut taken = 0;
        for (_, _, path) in files.iter().rev().filter(|f| f.0 == program) {
            let Some(text) = tail(path) else { continue };
            let before = lines.len();
            lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| (program.to_owned(), l.to_owned())));
            taken += lines.len() - before;
            if taken >= max {
                break;
            }
        }
    }
    // Lines start with their RFC 3339 time: sorting interleaves the programs.
    lines.sort_by(|a, b| a.1.cmp(&b.1));
    let skip = lines.len().saturating_sub(max);
    lines.into_iter().skip(skip).map(|(program, line)| format!("[{program}] {line}")).collect()
}

fn tail(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // A cut first line is dropped.
    Some(if start > 0 { text.split_once('\n').map(|(_, rest)| rest.to_owned()).unwrap_or_default() } else { text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_lines_interleave_programs_by_time_and_keep_the_newest() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(
            t.path().join("cli.2026-11-30.log"),
            "2026-11-30T10:00:00.000000Z  INFO a\n2026-11-30T10:00:02.000000Z  INFO c\n",
        )
        .unwrap();
        std::fs::write(t.path().join("desktop.2026-11-30.log"), "2026-11-30T10:00:01.000000Z  INFO b\n").unwrap();
        std::fs::write(t.path().join("notes.txt"), "not a log\n").unwrap();
        let all = recent_lines(t.path(), 10);
        assert_eq!(
            all,
            [
                "[cli] 2026-11-30T10:00:00.000000Z  INFO a",
                "[desktop] 2026-11-30T10:00:01.000000Z  INFO b",
                "[cli] 2026-11-30T10:00:02.000000Z  INFO c",
            ]
        );
        let two = recent_lines(t.path(), 2);
        assert_eq!(two.len(), 2);
        assert!(two[1].ends_with("INFO c"));
        assert!(recent_lines(&t.path().join("absent"), 5).is_empty());
    }

    #[test]
    fn a_busy_program_does_not_hide_the_others_recent_lines() {
        let t = tempfile::tempdir().unwrap();
        // The command's line is among the last 200 by time, but its file is
        // older than the app's, which alone holds 500 lines.
        std::fs::write(t.path().join("cli.2026-11-30.log"), "2026-11-30T10:08:00.500000Z  INFO backup\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let busy: String =
            (0..500).map(|i| format!("2026-11-30T10:{:02}:{:02}.000000Z  INFO screen {i}\n", i / 60, i % 60)).collect();
        std::fs::write(t.path().join("desktop.2026-11-30.log"), busy).unwrap();
        let got = recent_lines(t.path(), 200);
        assert_eq!(got.len(), 200);
        assert!(got.iter().any(|l| l == "[cli] 2026-11-30T10:08:00.500000Z  INFO backup"), "{got:?}");
        assert!(got.last().is_some_and(|l| l.ends_with("screen 499")), "{got:?}");
    }

    #[test]
    fn a_long_file_is_read_from_its_tail_without_a_cut_line() {
        let t = tempfile::tempdir().unwrap();
        let line = format!("2026-11-30T10:00:00.000000Z  INFO {}\n", "x".repeat(100));
        std::fs::write(t.path().join("cli.2026-11-30.log"), line.repeat(5000)).unwrap();
        let got = recent_lines(t.path(), 100_000);
        assert!(got.len() < 5000 && got.len() > 1000, "{} lines", got.len());
        assert!(got.iter().all(|l| l.len() == line.len() - 1 + "[cli] ".len()));
    }

    #[test]
    fn an_error_kind_carries_no_fields() {
        #[derive(Debug)]
        #[allow(dead_code)]
        enum E {
            NoSuchUser(String),
            Io { path: String },
            Locked,
            Wrapped(Box<E>),
        }
        assert_eq!(kind_of(&E::NoSuchUser("ada lovelace".into())), "NoSuchUser");
        assert_eq!(kind_of(&E::Wrapped(Box::new(E::Io { path: "Ada".into() }))), "Wrapped/Io");
        assert_eq!(kind_of(&E::Wrapped(Box::new(E::NoSuchUser("Ada".into())))), "Wrapped/NoSuchUser");
        assert_eq!(kind_of(&E::Io { path: "/home/ada".into() }), "Io");
        assert_eq!(kind_of(&E::Locked), "Locked");
    }

    #[test]
    fn home_folder_shown_as_tilde() {
        let Some(home) = std::env::home_dir() else { return };
        assert_eq!(home_as_tilde(&home.join("a").join("b")), format!("~{0}a{0}b", std::path::MAIN_SEPARATOR));
        assert_eq!(home_as_tilde(&home), "~");
        let outside = Path::new("/definitely/not/home");
        assert_eq!(home_as_tilde(outside), "/definitely/not/home");
        assert_eq!(shown_folder(outside), "(outside the home folder; not shown)");
        assert_eq!(shown_folder(&home.join("x")), format!("~{}x", std::path::MAIN_SEPARATOR));
        assert_eq!(short_source("/home/ada/.cargo/registry/src/tokio-1/src/rt.rs"), "tokio-1/src/rt.rs");
        assert_eq!(short_source("crates/core/src/logs.rs"), "crates/core/src/logs.rs");
    }
}
