//! Backups from the app: status and history, drives, back up now (the copy
//! runs without holding the app's lock, so the clinic keeps working), the
//! schedule's runs, verifying a file, and restoring over the vault in use
//! or, in the first-run wizard, onto a machine with no vault.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use chartvault_core::access::Permission;
use chartvault_core::backup::drives::{self, OsKind};
use chartvault_core::backup::{
    BackupCredentials, BackupDone, BackupReason, CheckedBackup, NewAdministrator, Restored, check_file, files,
    restore_first_run,
};
use chartvault_core::session::Session;
use chartvault_seal::SecretString;
use chartvault_seal::backup::{BackupProgress, Phase};
use secrecy::ExposeSecret;
use tauri::AppHandle;

use super::secret;
use crate::error::IpcResult;
use crate::events;
use crate::ipc::{ErrorCode, IpcError, Shown};
use crate::ipc_backup::*;
use crate::paths;
use crate::state::{AppState, Stage, blocking};

fn stage_name(p: Phase) -> &'static str {
    match p {
        Phase::Copy => "copying",
        Phase::ReadBack => "reading back from the drive",
        Phase::Integrity => "checking integrity",
        Phase::Content => "checking the audit trail",
    }
}

/// Progress events for `task`, stopping when the page asks.
fn reporter<'a>(
    st: &'a AppState,
    app: &'a AppHandle,
    task: &'a str,
) -> impl FnMut(BackupProgress) -> ControlFlow<()> + 'a {
    move |p| {
        events::progress(app, task, stage_name(p.phase), p.done, p.total);
        if st.cancel.load(Ordering::Relaxed) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }
}

/// Clears the running flag however the backup ends.
struct Running<'a>(&'a AppState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.backup_running.store(false, Ordering::Release);
    }
}

/// One backup: begun under the lock, written without it, recorded under it.
pub(crate) fn run_backup(
    st: &AppState,
    app: &AppHandle,
    folder: PathBuf,
    reason: BackupReason,
    passphrase: Option<&SecretString>,
) -> IpcResult<BackupDone> {
    if st.backup_running.swap(true, Ordering::AcqRel) {
        return Err(IpcError::new(ErrorCode::Conflict, "A backup is already being made; wait for it to finish."));
    }
    let _running = Running(st);
    st.cancel.store(false, Ordering::Relaxed);
    let pending = st.lock().session()?.begin_backup(&folder, reason, passphrase)?;
    let attempt = pending.run(&mut reporter(st, app, "backup"));
    Ok(st.lock().session()?.finish_backup(attempt)?)
}

fn absolute(folder: &str) -> IpcResult<PathBuf> {
    let p = PathBuf::from(folder.trim());
    if !p.is_absolute() {
        return Err(IpcError::invalid("Give the folder's full path (for example /media/you/USB or E:\\)."));
    }
    Ok(p)
}

/// Where backups stand (nothing for those who may not make them).
#[tauri::command]
pub async fn backup_status(app: AppHandle) -> IpcResult<Option<BackupStatusView>> {
    blocking(app, |st, _| {
        let running = st.backup_running.load(Ordering::Acquire);
        let Some(s) = st.lock().session()?.backup_status()? else { return Ok(None) };
        Ok(Some(BackupStatusView {
            last_verified_at: s.last_verified_at.map(|t| t.to_rfc3339()),
            last_folder: s.last_folder,
            overdue: s.overdue,
            warn_after_hours: s.warn_after_hours,
            schedule: s.schedule,
            folder: s.folder.map(|f| f.display().to_string()),
            folder_present: s.folder_present,
            next_due: s.next_due.map(|t| t.to_rfc3339()),
            last_error: s.last_error,
            running,
        }))
    })
    .await
}

/// The backup history, newest first.
#[tauri::command]
pub async fn backup_runs(app: AppHandle) -> IpcResult<Vec<BackupRunView>> {
    blocking(app, |st, _| {
        let runs = st.lock().session()?.backup_runs(200)?;
        Ok(runs
            .into_iter()
            .map(|r| {
                let path = r.file_name.as_ref().map(|n| PathBuf::from(&r.folder).join(n));
                // Looked at without the app's lock: the drive may be slow.
                let file_present = path.as_ref().is_some_and(|p| p.is_file());
                BackupRunView {
                    id: r.id,
                    backup_id: r.backup_id,
                    reason: r.reason,
                    path: path.map(|p| p.display().to_string()),
                    file_present,
                    folder: r.folder,
                    finished_at: r.finished_at,
                    bytes: r.bytes,
                    outcome: r.outcome,
                    error: r.error,
                    last_check_at: r.last_check.as_ref().map(|c| c.1.clone()),
                    last_check: r.last_check.map(|c| c.0),
                }
            })
            .collect())
    })
    .await
}

/// Mounted drives a backup may go to, with a warning for the vault's own disk.
#[tauri::command]
pub async fn backup_drives(app: AppHandle) -> IpcResult<Vec<DriveView>> {
    blocking(app, |st, _| {
        let dir = {
            let mut g = st.lock();
            g.session()?;
            g.dir.clone()
        };
        let mounts = drives::list_mounts();
        let os = OsKind::current();
        let vault = dir.canonicalize().unwrap_or(dir);
        Ok(drives::classify(&mounts, os)
            .candidates
            .into_iter()
            .map(|c| DriveView {
                same_disk_as_vault: drives::same_volume(&c.mount.mount_point, &vault, &mounts, os).unwrap_or(false),
                mount_point: c.mount.mount_point.display().to_string(),
                name: c.mount.name,
                file_system: c.mount.file_system,
                available: c.mount.available,
                total: c.mount.total,
                max_file_size: c.max_file_size,
            })
            .collect())
    })
    .await
}

/// Backs up now into a folder, with progress; `cancel_task` stops it.
#[tauri::command]
pub async fn backup_now(app: AppHandle, args: BackupNowArgs) -> IpcResult<BackupDoneView> {
    blocking(app, move |st, app| {
        let folder = absolute(&args.folder)?;
        let phrase = (!args.passphrase.is_empty()).then(|| secret(args.passphrase));
        let done = run_backup(st, app, folder, BackupReason::Manual, phrase.as_ref())?;
        Ok(BackupDoneView { path: done.path.display().to_string(), bytes: done.bytes, backup_id: done.backup_id })
    })
    .await
}

fn creds<'a>(
    args: &'a BackupFileArgs,
    secret: &'a SecretString,
    me: Option<&'a str>,
) -> IpcResult<BackupCredentials<'a>> {
    Ok(match args.with.as_str() {
        "password" => {
            let username = if args.username.trim().is_empty() { me } else { Some(args.username.trim()) };
            let username = username.ok_or_else(|| IpcError::invalid("Say whose password opens the backup."))?;
            BackupCredentials::Password { username, password: secret }
        }
        "recovery_code" => BackupCredentials::RecoveryCode(secret),
        "passphrase" => BackupCredentials::Passphrase(secret),
        _ => return Err(IpcError::invalid("Open the backup with a password, the recovery code or its passphrase.")),
    })
}

fn check_view(c: &CheckedBackup, path: &str, vault_id: Option<&str>) -> BackupCheckView {
    let m = &c.meta;
    BackupCheckView {
        path: path.to_owned(),
        backup_id: c.backup_id.clone(),
        vault_id: c.vault_id.clone(),
        same_vault: vault_id == Some(c.vault_id.as_str()),
        created_at: c.created_at.to_rfc3339(),
        made_by: m.made_by.clone(),
        host: m.host.clone(),
        reason: m.reason.as_str().to_owned(),
        app_version: m.app_version.clone(),
        patients: m.counts.patients,
        visits: m.counts.visits,
        attachments: m.counts.attachments,
        users: m.counts.users,
        audit_entries: m.counts.audit_entries,
        bytes: c.bytes,
    }
}

fn restored_view(r: Restored) -> RestoreDoneView {
    RestoreDoneView {
        aside: r.aside.map(|a| a.display().to_string()),
        recovery_code: r.recovery_code.map(|c| Shown { text: c.expose_secret().to_owned() }),
        users_without_password: r.users_without_password,
    }
}

fn username_of(s: &Session) -> String {
    s.user().username.to_string()
}

/// Verifies a backup file in full and records the check; shows what it holds.
/// With `preview` (a restore's, for `backup_restore` holders) it only looks,
/// without the app's lock and without recording anything, and the backup
/// may be another vault's: the restore confirms that a second time.
#[tauri::command]
pub async fn backup_verify(app: AppHandle, args: BackupFileArgs) -> IpcResult<BackupCheckView> {
    blocking(app, move |st, app| {
        st.cancel.store(false, Ordering::Relaxed);
        let path = PathBuf::from(args.path.trim());
        let secret = secret(args.secret.clone());
        let mut g = st.lock();
        let s = g.session()?;
        let me = username_of(s);
        let vault_id = s.vault_id()?;
        if args.preview {
            s.require(Permission::BackupRestore, None)?;
            drop(g);
            let checked =
                check_file(&path, creds(&args, &secret, Some(&me))?, None, &mut reporter(st, app, "backup_verify"))?;
            return Ok(check_view(&checked, &args.path, Some(&vault_id)));
        }
        // The file is read without the app's lock (a large backup on a slow
        // drive must not stop the clinic); the check is recorded under it.
        s.may_verify_backups()?;
        drop(g);
        let result = check_file(
            &path,
            creds(&args, &secret, Some(&me))?,
            Some(&vault_id),
            &mut reporter(st, app, "backup_verify"),
        );
        let checked = st.lock().session()?.record_backup_check(&path, result)?;
        Ok(check_view(&checked, &args.path, Some(&vault_id)))
    })
    .await
}

/// Restores a backup over the vault in use; everyone signs in again.
#[tauri::command]
pub async fn backup_restore(app: AppHandle, args: RestoreArgs) -> IpcResult<RestoreDoneView> {
    blocking(app, move |st, app| {
        st.cancel.store(false, Ordering::Relaxed);
        if st.backup_running.load(Ordering::Acquire) {
            return Err(IpcError::new(ErrorCode::Conflict, "A backup is being made; restore when it has finished."));
        }
        let path = PathBuf::from(args.file.path.trim());
        let backup_secret = secret(args.file.secret.clone());
        let password = secret(args.password);
        let mut g = st.lock();
        let s = g.session()?;
        let me = username_of(s);
        let c = creds(&args.file, &backup_secret, Some(&me))?;
        // A mistyped password is told before a whole verification pass.
        s.reauthenticate(&password)?;
        let checked = check_file(&path, c, None, &mut reporter(st, app, "restore"))?;
        let done =
            s.restore_backup(&checked, c, &password, args.allow_other_vault, &mut reporter(st, app, "restore"))?;
        // The session ended with the vault it was in: sign in again.
        if let Stage::In(old) = std::mem::take(&mut g.stage) {
            drop(old);
        }
        g.me = None;
        Ok(restored_view(done))
    })
    .await
}

/// The backups in a folder, for choosing one (no password needed).
#[tauri::command]
pub async fn backup_list(app: AppHandle, args: FolderArgs) -> IpcResult<Vec<ListedBackupView>> {
    blocking(app, move |st, _| {
        let vault_id = {
            let g = st.lock();
            let empty = !paths::holds_vault(&g.dir);
            match &g.stage {
                Stage::In(s) => Some(s.vault_id()?),
                _ if empty => None,
                _ => return Err(IpcError::signed_out()),
            }
        };
        let folder = absolute(&args.folder)?;
        Ok(files::list(&folder)?
            .into_iter()
            .map(|b| match b.info {
                Ok(i) => ListedBackupView {
                    path: b.path.display().to_string(),
                    created_at: chrono::DateTime::from_timestamp_millis(i.created_at_ms).map(|t| t.to_rfc3339()),
                    bytes: Some(i.bytes),
                    same_vault: vault_id.as_deref() == Some(i.vault_id.as_str()),
                    problem: None,
                },
                Err(e) => ListedBackupView {
                    path: b.path.display().to_string(),
                    created_at: None,
                    bytes: None,
                    same_vault: false,
                    problem: Some(e),
                },
            })
            .collect())
    })
    .await
}

/// Only the first-run wizard (nobody signed in, no vault yet) may restore
/// without a session.
fn first_run_only(st: &AppState) -> IpcResult<()> {
    let g = st.lock();
    if !matches!(g.stage, Stage::Out) || paths::holds_vault(&g.dir) {
        return Err(IpcError::new(
            ErrorCode::Conflict,
            format!("This computer's Chartvault already has a vault ({}); restore from inside it.", g.dir.display()),
        ));
    }
    Ok(())
}

/// The wizard's preview of a backup: verified in full, what it holds.
#[tauri::command]
pub async fn first_run_inspect(app: AppHandle, args: BackupFileArgs) -> IpcResult<BackupCheckView> {
    blocking(app, move |st, app| {
        first_run_only(st)?;
        st.cancel.store(false, Ordering::Relaxed);
        let secret = secret(args.secret.clone());
        let checked = check_file(
            &PathBuf::from(args.path.trim()),
            creds(&args, &secret, None)?,
            None,
            &mut reporter(st, app, "restore"),
        )?;
        Ok(check_view(&checked, &args.path, None))
    })
    .await
}

/// The wizard's restore: the backup becomes the vault of this machine.
#[tauri::command]
pub async fn first_run_restore(app: AppHandle, args: FirstRunRestoreArgs) -> IpcResult<RestoreDoneView> {
    blocking(app, move |st, app| {
        first_run_only(st)?;
        st.cancel.store(false, Ordering::Relaxed);
        let dir = paths::chosen_folder(&args.location, &st.paths.default_vault()).map_err(IpcError::invalid)?;
        let secret = secret(args.file.secret.clone());
        let admin_password = secret_of(&args.admin_password);
        let c = creds(&args.file, &secret, None)?;
        let admin =
            admin_password.as_ref().map(|p| NewAdministrator { username: args.admin_username.trim(), password: p });
        let checked = check_file(&PathBuf::from(args.file.path.trim()), c, None, &mut reporter(st, app, "restore"))?;
        let done = restore_first_run(&dir, &checked, c, admin, &st.env, &mut reporter(st, app, "restore"))?;
        st.paths.remember(&dir).map_err(|e| {
            IpcError::new(
                ErrorCode::Io,
                format!("The vault was restored in {}, but that folder could not be remembered: {e}", dir.display()),
            )
        })?;
        st.lock().dir = dir;
        Ok(restored_view(done))
    })
    .await
}

fn secret_of(s: &str) -> Option<SecretString> {
    (!s.is_empty()).then(|| SecretString::from(s.to_owned()))
}
