//! Making and checking backups as session operations. A backup runs in
//! three steps so that the app holds its lock only for the first and the
//! last: [`Session::begin_backup`] freezes the vault and describes it (a
//! moment), [`PendingBackup::run`] writes, reads back and verifies the file
//! on any thread while the clinic keeps working, and
//! [`Session::finish_backup`] records the outcome in the history and the
//! audit trail. [`Session::backup_now`] does all three, for the CLI.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chartvault_seal::backup::{
    BackupError, BackupFile, BackupParams, BackupProgress, BackupUnlock, Destination, UnlockedBackup, Verified, Written,
};
use chartvault_seal::rusqlite::{Connection, OptionalExtension, params};
use chartvault_seal::{ExposeSecret, Lower, SecretString, Snapshot};
use chrono::{DateTime, SecondsFormat, Utc};

use super::files;
use super::meta::{BackupMeta, BackupReason, RecordCounts};
use crate::access::Permission;
use crate::audit::{self, Action, AuditKey, ChainHead, Event, Outcome};
use crate::session::Session;
use crate::{CoreError, Result};

/// What opens a backup file.
#[derive(Clone, Copy)]
pub enum BackupCredentials<'a> {
    /// A user's password of the time the backup was made.
    Password {
        /// The user name (a user's key slot bears it).
        username: &'a str,
        /// The password.
        password: &'a SecretString,
    },
    /// The recovery code of that time.
    RecoveryCode(&'a SecretString),
    /// The backup passphrase chosen when it was made.
    Passphrase(&'a SecretString),
}

impl std::fmt::Debug for BackupCredentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackupCredentials::Password { .. } => "Password",
            BackupCredentials::RecoveryCode(_) => "RecoveryCode",
            BackupCredentials::Passphrase(_) => "Passphrase",
        })
    }
}

impl<'a> BackupCredentials<'a> {
    pub(crate) fn unlock(self) -> BackupUnlock<'a> {
        match self {
            BackupCredentials::Password { username, password } => BackupUnlock::Password { slot: username, password },
            BackupCredentials::RecoveryCode(c) => BackupUnlock::RecoveryCode(c),
            BackupCredentials::Passphrase(p) => BackupUnlock::Passphrase(p),
        }
    }
}

pub(crate) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) use crate::audit::hex;

/// The check of a backup's content that the seal crate runs on the
/// database inside: the schema is one this build reads, and the audit
/// chain is sound up to the head recorded at the snapshot.
pub(crate) fn content_check(head: Option<ChainHead>) -> impl Fn(&Connection) -> std::result::Result<(), String> {
    move |conn: &Connection| {
        let version = crate::db::version(conn).map_err(|e| e.to_string())?;
        if version > crate::db::latest() {
            return Err(format!(
                "its database is of schema version {version}, newer than this version of Chartvault reads ({})",
                crate::db::latest()
            ));
        }
        let key = AuditKey::load(conn).map_err(|e| e.to_string())?.ok_or("it holds no audit key")?;
        let report = match &head {
            Some(h) => audit::verify_against(conn, &key, h),
            None => audit::verify(conn, &key),
        }
        .map_err(|e| e.to_string())?;
        match report.first_problem {
            None => Ok(()),
            Some(p) => Err(format!("the audit trail inside fails its check: {p}")),
        }
    }
}

fn count(conn: &Connection, sql: &str) -> Result<u64> {
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
}

pub(crate) fn record_counts(conn: &Connection) -> Result<RecordCounts> {
    Ok(RecordCounts {
        patients: count(conn, "SELECT count(*) FROM patients")?,
        visits: count(conn, "SELECT count(*) FROM visits")?,
        attachments: count(conn, "SELECT count(*) FROM attachments")?,
        attachment_bytes: count(conn, "SELECT coalesce(sum(size), 0) FROM attachments")?,
        users: count(conn, "SELECT count(*) FROM users")?,
        audit_entries: count(conn, "SELECT count(*) FROM audit_log")?,
    })
}

/// A backup begun: the vault is frozen until it is run (or dropped).
pub struct PendingBackup {
    snapshot: Snapshot,
    folder: PathBuf,
    name: String,
    meta: BackupMeta,
    passphrase: Option<SecretString>,
    started_at: DateTime<Utc>,
    created_at_ms: i64,
    user_id: i64,
}

impl std::fmt::Debug for PendingBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingBackup").field("folder", &self.folder).field("name", &self.name).finish_non_exhaustive()
    }
}

/// A backup run, succeeded or not, to record with [`Session::finish_backup`].
#[derive(Debug)]
pub struct BackupAttempt {
    folder: PathBuf,
    name: String,
    reason: BackupReason,
    head: Option<ChainHead>,
    started_at: DateTime<Utc>,
    user_id: i64,
    result: std::result::Result<Written, BackupError>,
}

/// A backup made and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDone {
    /// The file.
    pub path: PathBuf,
    /// Its id (32 hex digits).
    pub backup_id: String,
    /// Its size.
    pub bytes: u64,
    /// What verification found.
    pub verified: Verified,
    /// Partial files of interrupted runs removed from the folder.
    pub stale_removed: Vec<String>,
}

impl PendingBackup {
    /// The file's name.
    pub fn file_name(&self) -> &str {
        &self.name
    }

    /// Pages to copy.
    pub fn pages(&self) -> u64 {
        self.snapshot.page_count()
    }

    /// Writes, reads back and verifies the file. Needs no session: the app
    /// runs it on its own thread while the clinic works.
    pub fn run(self, progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>) -> BackupAttempt {
        let dest = Destination { dir: self.folder.clone(), lower: Lower::Os };
        let meta = self.meta.encode();
        let params = BackupParams {
            created_at_ms: self.created_at_ms,
            meta: &meta,
            passphrase: self.passphrase.as_ref(),
            passphrase_kdf: None,
            slots_of_that_time: true,
        };
        let head = self.meta.audit_head;
        let check = content_check(head);
        let pages = self.snapshot.page_count();
        let started = std::time::Instant::now();
        let result = self.snapshot.write(&dest, &self.name, &params, &check, progress);
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::info!(pages, ms, "backup written and verified"),
            Err(e) => tracing::warn!(pages, ms, error = crate::logs::kind_of(e), "backup failed"),
        }
        BackupAttempt {
            folder: self.folder,
            name: self.name,
            reason: self.meta.reason,
            head,
            started_at: self.started_at,
            user_id: self.user_id,
            result,
        }
    }
}

impl Session {
    /// The vault's id (32 hexadecimal digits), which its backups carry.
    pub fn vault_id(&self) -> Result<String> {
        Ok(self.vault()?.vault_id_hex())
    }

    /// Freezes the vault for a backup into `folder` and describes it.
    /// Needs `backup_create`, except for the schedule's own runs (the
    /// policy's, set under `policy_admin`, whoever is signed in). A
    /// passphrase, if given, opens this backup alone (for a copy kept off
    /// site); it must pass the password policy.
    pub fn begin_backup(
        &mut self,
        folder: &Path,
        reason: BackupReason,
        passphrase: Option<&SecretString>,
    ) -> Result<PendingBackup> {
        if reason == BackupReason::Manual {
            self.require(Permission::BackupCreate, None)?;
        } else {
            // The schedule's run, not the person's action.
            self.usable_without_activity()?;
        }
        if !folder.is_dir() {
            return Err(CoreError::BackupRefused(format!(
                "the backup folder {} is not there (is the drive plugged in?)",
                folder.display()
            )));
        }
        if let Some(p) = passphrase {
            let clinic = self.clinic_name()?;
            let ctx = crate::auth::password_policy::Context {
                username: self.user.username.as_str(),
                display_name: &self.user.display_name,
                clinic: &clinic,
            };
            crate::auth::password_policy::check(p.expose_secret(), &ctx)?;
        }
        if self.vault()?.snapshot_running() {
            return Err(CoreError::BackupRefused("a backup is already running".into()));
        }
        let now = self.now();
        let vault_id = self.vault()?.vault_id_hex();
        let name = files::file_name(&vault_id, now)?;
        // A file system that cannot hold the file (FAT32: 4 GiB) is refused
        // before anything is written; free space is met when writing.
        let estimate = self.vault()?.conn().query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))?.max(0) as u64
            * chartvault_seal::PAGE_SIZE as u64
            + (1 << 20);
        let mounts = super::drives::list_mounts();
        let canonical = folder.canonicalize().unwrap_or_else(|_| folder.to_owned());
        if let Some(m) = super::drives::mount_of(&canonical, &mounts, super::drives::OsKind::current())
            && let Err(too_big) = super::drives::fits(estimate, m)
        {
            return Err(CoreError::BackupRefused(too_big.to_string()));
        }
        let snapshot = self.vault_mut()?.snapshot()?;
        // Nothing can commit between the fence and these reads: they
        // describe exactly the state the file will hold.
        let conn = self.vault()?.conn();
        let meta = BackupMeta {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            made_by: self.user.username.to_string(),
            made_by_id: self.user.id,
            host: self.env.workstation.host.clone(),
            reason,
            schema_version: crate::db::version(conn)?,
            counts: record_counts(conn)?,
            audit_head: audit::head(conn)?,
            database_bytes: snapshot.page_count() * chartvault_seal::PAGE_SIZE as u64,
        };
        Ok(PendingBackup {
            snapshot,
            folder: folder.to_owned(),
            name,
            meta,
            passphrase: passphrase.map(|p| SecretString::from(p.expose_secret().to_owned())),
            started_at: now,
            created_at_ms: now.timestamp_millis(),
            user_id: self.user.id,
        })
    }

    /// Records a backup run: a history row and an audit entry, whatever its
    /// outcome, in one transaction; then removes what interrupted runs
    /// left in its folder. Returns the error of a failed run.
    pub fn finish_backup(&mut self, attempt: BackupAttempt) -> Result<BackupDone> {
        let BackupAttempt { folder, name, reason, head, started_at, user_id, result } = attempt;
        let (outcome, error) = match &result {
            Ok(_) => ("verified", None),
            Err(BackupError::Cancelled) => ("cancelled", Some("cancelled".to_owned())),
            Err(e) => ("failed", Some(e.to_string())),
        };
        let written = result.as_ref().ok();
        let backup_id = written.map(|w| w.info.backup_id.clone());
        let mut event = Event::new(Action::Backup)
            .target("backup", backup_id.clone().unwrap_or_else(|| name.clone()))
            .detail(match (&error, reason) {
                (None, BackupReason::Manual) => format!("backup to {} verified", folder.display()),
                (None, r) => format!("{} backup to {} verified", r.as_str().replace('_', "-"), folder.display()),
                (Some(e), _) => format!("backup to {} failed: {e}", folder.display()),
            });
        if error.is_some() {
            event = event.outcome(Outcome::Failed);
        }
        let stamp = self.stamp()?;
        let finished_at = stamp.at;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO backup_runs (backup_id, reason, folder, file_name, started_at, finished_at, user_id, bytes,
                                      head_seq, head_hash, outcome, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                backup_id,
                reason.as_str(),
                folder.to_string_lossy(),
                written.map(|_| name.clone()),
                time_text(started_at),
                time_text(finished_at),
                user_id,
                written.map(|w| w.info.bytes as i64),
                head.map(|h| h.seq),
                head.map(|h| hex(&h.hash)),
                outcome,
                error,
            ],
        )?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        let written = result?;
        let vault_id = self.vault()?.vault_id_hex();
        let key = self.audit_key()?;
        if let (Some(state), Some(head)) = (self.env.state_dir.clone(), head) {
            let known = super::KnownHead { head, backup_at: started_at };
            super::known_head::record(&state, &vault_id, &key, &known, false)?;
        }
        // The folder's index is a cache: a drive that refuses it now does
        // not make the verified backup fail.
        let entry = super::index::IndexEntry {
            backup_id: written.info.backup_id.clone(),
            file_name: name.clone(),
            created_at: started_at,
            bytes: written.info.bytes,
            head,
            checked_at: finished_at,
            outcome: "good".into(),
        };
        let _ = super::index::update(&folder, &vault_id, &key, |e| super::index::upsert(e, entry));
        Ok(BackupDone {
            backup_id: written.info.backup_id.clone(),
            bytes: written.info.bytes,
            verified: written.verified,
            path: written.path,
            stale_removed: files::remove_stale_partials(&folder),
        })
    }

    /// Begins, runs and records a backup in one call (the CLI's way).
    pub fn backup_now(
        &mut self,
        folder: &Path,
        reason: BackupReason,
        passphrase: Option<&SecretString>,
        progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
    ) -> Result<BackupDone> {
        let pending = self.begin_backup(folder, reason, passphrase)?;
        let attempt = pending.run(progress);
        self.finish_backup(attempt)
    }

    /// The backup history, newest first.
    pub fn backup_runs(&mut self, limit: u32) -> Result<Vec<BackupRun>> {
        self.require(Permission::BackupCreate, None)?;
        runs(self.vault()?.conn(), limit)
    }

    /// Verifies a backup file in full with `creds` and records the check:
    /// every page, the trailer, the database's integrity and its audit
    /// chain. The outcome is the error's variant: wrong password, damaged
    /// (where), not a backup, another vault's, a newer format.
    pub fn verify_backup(
        &mut self,
        path: &Path,
        creds: BackupCredentials<'_>,
        progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
    ) -> Result<CheckedBackup> {
        let vault_id = self.may_verify_backups()?;
        let result = check_file(path, creds, Some(&vault_id), progress);
        self.record_backup_check(path, result)
    }

    /// Whether this user may verify backups (`backup_create`; a refusal is
    /// audited); the vault's id to check them against. With
    /// [`check_file`] and [`Session::record_backup_check`], a verification
    /// in three steps, so the app need not hold its lock while a large file
    /// is read.
    pub fn may_verify_backups(&mut self) -> Result<String> {
        self.require(Permission::BackupCreate, None)?;
        Ok(self.vault()?.vault_id_hex())
    }

    /// Records the outcome of [`check_file`] on `path` in the history, the
    /// audit trail and the folder's index; returns it.
    pub fn record_backup_check(&mut self, path: &Path, result: Result<CheckedBackup>) -> Result<CheckedBackup> {
        self.vault()?;
        // The id is in clear: a check that fails still names the backup
        // when its header can be read.
        let backup_id = match &result {
            Ok(c) => Some(c.backup_id.clone()),
            Err(_) => BackupFile::open(path, &Lower::Os).ok().map(|f| f.info().backup_id),
        };
        let (outcome, detail) = match &result {
            Ok(_) => ("good", None),
            Err(CoreError::Backup(e)) => (check_outcome(e), Some(e.to_string())),
            Err(e @ CoreError::BackupFromNewerVersion(_)) => ("newer_format", Some(e.to_string())),
            Err(e) => ("failed", Some(e.to_string())),
        };
        if matches!(result, Err(CoreError::Backup(BackupError::Cancelled))) {
            return result;
        }
        let stamp = self.stamp()?;
        let mut event =
            Event::new(Action::Backup).target("backup file", path.display().to_string()).detail(match &detail {
                None => "backup verified: good".to_owned(),
                Some(d) => format!("backup verification: {d}"),
            });
        if detail.is_some() {
            event = event.outcome(Outcome::Failed);
        }
        let user_id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO backup_checks (backup_id, file, checked_at, user_id, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![backup_id, path.to_string_lossy(), time_text(stamp.at), user_id, outcome, detail],
        )?;
        stamp.append(&tx, &event)?;
        tx.commit()?;
        self.note_check_in_index(path, backup_id.as_deref(), &result, stamp.at);
        result
    }

    /// Keeps the folder's index in step with a check of one of its files.
    fn note_check_in_index(
        &self,
        path: &Path,
        backup_id: Option<&str>,
        result: &Result<CheckedBackup>,
        at: DateTime<Utc>,
    ) {
        let (Some(folder), Some(name), Some(id), Ok(vault_id), Ok(key)) = (
            path.parent(),
            path.file_name().map(|n| n.to_string_lossy().into_owned()),
            backup_id,
            self.vault().map(|v| v.vault_id_hex()),
            self.audit_key(),
        ) else {
            return;
        };
        let _ = super::index::update(folder, &vault_id, &key, |entries| match result {
            Ok(c) if c.vault_id == vault_id => super::index::upsert(
                entries,
                super::index::IndexEntry {
                    backup_id: c.backup_id.clone(),
                    file_name: name,
                    created_at: c.created_at,
                    bytes: c.bytes,
                    head: c.meta.audit_head,
                    checked_at: at,
                    outcome: "good".into(),
                },
            ),
            Ok(_) => {}
            Err(e) => {
                let outcome = match e {
                    CoreError::Backup(b) => check_outcome(b),
                    _ => "failed",
                };
                for entry in entries.iter_mut().filter(|x| x.backup_id == id) {
                    entry.outcome = outcome.to_owned();
                    entry.checked_at = at;
                }
            }
        });
    }
}

/// The history's name for a verification outcome.
fn check_outcome(e: &BackupError) -> &'static str {
    match e {
        BackupError::WrongPassword => "wrong_password",
        BackupError::Damaged { .. } => "damaged",
        BackupError::NotABackup { .. } => "not_a_backup",
        BackupError::OtherVault { .. } => "other_vault",
        BackupError::NewerFormat { .. } => "newer_format",
        _ => "failed",
    }
}

/// A backup file opened, verified in full and described.
#[derive(Debug)]
pub struct CheckedBackup {
    /// Its id.
    pub backup_id: String,
    /// The vault it is a backup of.
    pub vault_id: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its size.
    pub bytes: u64,
    /// Its sealed description.
    pub meta: BackupMeta,
    /// What verification found.
    pub verified: Verified,
    pub(crate) unlocked: UnlockedBackup,
}

/// Opens `path` with `creds` and verifies it in full; with `vault_id`, a
/// backup of another vault is refused. No session is needed: the CLI's
/// `backup verify` and the first-run restore use this.
pub fn check_file(
    path: &Path,
    creds: BackupCredentials<'_>,
    vault_id: Option<&str>,
    progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
) -> Result<CheckedBackup> {
    let started = std::time::Instant::now();
    let result = check_file_unlogged(path, creds, vault_id, progress);
    let ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(c) => tracing::info!(ms, bytes = c.bytes, "backup file verified"),
        Err(e) => tracing::info!(ms, error = crate::logs::kind_of(e), "backup file refused"),
    }
    result
}

fn check_file_unlogged(
    path: &Path,
    creds: BackupCredentials<'_>,
    vault_id: Option<&str>,
    progress: &mut dyn FnMut(BackupProgress) -> ControlFlow<()>,
) -> Result<CheckedBackup> {
    let file = BackupFile::open(path, &Lower::Os)?;
    if let Some(v) = vault_id {
        file.check_vault(v)?;
    }
    let unlocked = file.unlock(creds.unlock())?;
    let meta = BackupMeta::decode(unlocked.meta()).map_err(|e| match e {
        e @ super::meta::MetaError::Newer(_) => CoreError::BackupFromNewerVersion(e.to_string()),
        super::meta::MetaError::Malformed(_) => {
            CoreError::Backup(BackupError::Damaged { path: path.to_owned(), part: chartvault_seal::backup::Part::Meta })
        }
    })?;
    if meta.schema_version > crate::db::latest() {
        return Err(CoreError::BackupFromNewerVersion(format!(
            "its database is of schema version {}, newer than this version of Chartvault reads ({}); update Chartvault",
            meta.schema_version,
            crate::db::latest()
        )));
    }
    let verified = unlocked.verify(&content_check(meta.audit_head), progress)?;
    let info = unlocked.info();
    Ok(CheckedBackup {
        backup_id: info.backup_id,
        vault_id: info.vault_id,
        created_at: DateTime::from_timestamp_millis(info.created_at_ms).unwrap_or_default(),
        bytes: info.bytes,
        meta,
        verified,
        unlocked,
    })
}

/// One row of the backup history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRun {
    /// Its row id.
    pub id: i64,
    /// The backup's id, when a file was kept.
    pub backup_id: Option<String>,
    /// Why it ran.
    pub reason: String,
    /// The folder.
    pub folder: String,
    /// The file's name, when one was kept.
    pub file_name: Option<String>,
    /// When it started and finished (RFC 3339, UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: String,
    /// Who made it (for a scheduled run, who was signed in).
    pub user_id: Option<i64>,
    /// The file's size.
    pub bytes: Option<i64>,
    /// `verified`, `failed` or `cancelled`.
    pub outcome: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The last later check of this backup's file, if any: outcome and time.
    pub last_check: Option<(String, String)>,
}

pub(crate) fn runs(conn: &Connection, limit: u32) -> Result<Vec<BackupRun>> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.backup_id, r.reason, r.folder, r.file_name, r.started_at, r.finished_at, r.user_id, r.bytes,
                r.outcome, r.error,
                (SELECT c.outcome FROM backup_checks c WHERE c.backup_id = r.backup_id AND c.file = r.folder || ?2 || r.file_name
                 ORDER BY c.id DESC LIMIT 1),
                (SELECT c.checked_at FROM backup_checks c WHERE c.backup_id = r.backup_id AND c.file = r.folder || ?2 || r.file_name
                 ORDER BY c.id DESC LIMIT 1)
         FROM backup_runs r ORDER BY r.id DESC LIMIT ?1",
    )?;
    // A check is of one file: a copy of the same backup elsewhere (perhaps
    // damaged) is another file.
    let rows = stmt.query_map(params![limit, std::path::MAIN_SEPARATOR_STR], |r| {
        let check: Option<String> = r.get(11)?;
        let checked_at: Option<String> = r.get(12)?;
        Ok(BackupRun {
            id: r.get(0)?,
            backup_id: r.get(1)?,
            reason: r.get(2)?,
            folder: r.get(3)?,
            file_name: r.get(4)?,
            started_at: r.get(5)?,
            finished_at: r.get(6)?,
            user_id: r.get(7)?,
            bytes: r.get(8)?,
            outcome: r.get(9)?,
            error: r.get(10)?,
            last_check: check.zip(checked_at),
        })
    })?;
    Ok(rows.collect::<chartvault_seal::rusqlite::Result<_>>()?)
}

/// The newest verified run, if any: (finished at, folder).
pub(crate) fn last_verified(conn: &Connection) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT finished_at, folder FROM backup_runs WHERE outcome = 'verified' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
