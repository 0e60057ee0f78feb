//! The IPC types of backups: status, history, drives, making, verifying and
//! restoring. Secrets travel only from the page into Rust; the one sent
//! back is a new recovery code after a passphrase restore, as [`Shown`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ipc::Shown;

/// Where backups stand (for those who may make them).
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupStatusView {
    /// When the newest verified backup was made (RFC 3339).
    pub last_verified_at: Option<String>,
    /// Its folder.
    pub last_folder: Option<String>,
    /// The newest verified backup is older than the policy allows, or there is none.
    pub overdue: bool,
    /// The hours the policy allows.
    pub warn_after_hours: u32,
    /// The schedule (`off`, `daily HH:MM`, `weekly ddd HH:MM`).
    pub schedule: String,
    /// The scheduled folder, if set.
    pub folder: Option<String>,
    /// Whether that folder is there now.
    pub folder_present: bool,
    /// When the next scheduled run is due (RFC 3339).
    pub next_due: Option<String>,
    /// Why the newest run failed, if it did.
    pub last_error: Option<String>,
    /// A backup is being made now.
    pub running: bool,
}

/// One row of the backup history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupRunView {
    /// Row id.
    pub id: i64,
    /// The backup's id (32 hex digits), when a file was kept.
    pub backup_id: Option<String>,
    /// `manual`, `scheduled` or `catch_up`.
    pub reason: String,
    /// The folder.
    pub folder: String,
    /// The file's full path, when one was kept.
    pub path: Option<String>,
    /// That file is in its folder now (not when the retention policy has
    /// removed it, or its drive is not plugged in).
    pub file_present: bool,
    /// When it finished (RFC 3339).
    pub finished_at: String,
    /// The file's size.
    pub bytes: Option<i64>,
    /// `verified`, `failed` or `cancelled`.
    pub outcome: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The last later check of the file: `good`, `damaged`, ….
    pub last_check: Option<String>,
    /// When.
    pub last_check_at: Option<String>,
}

/// A mounted drive a backup may go to.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DriveView {
    /// Where it is mounted.
    pub mount_point: String,
    /// Its name.
    pub name: String,
    /// Its file system.
    pub file_system: String,
    /// Free bytes.
    pub available: u64,
    /// Size in bytes.
    pub total: u64,
    /// The vault's own disk: a failing disk would take both.
    pub same_disk_as_vault: bool,
    /// The largest file it can hold (FAT32: 4 GiB), if limited.
    pub max_file_size: Option<u64>,
}

/// Making a backup now.
#[derive(Deserialize, TS)]
pub struct BackupNowArgs {
    /// The folder.
    pub folder: String,
    /// A passphrase that also opens this backup (empty: none).
    pub passphrase: String,
}

impl std::fmt::Debug for BackupNowArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupNowArgs").field("folder", &self.folder).finish_non_exhaustive()
    }
}

/// A backup made and verified.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupDoneView {
    /// The file.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// Its id.
    pub backup_id: String,
}

/// A backup file and what opens it.
#[derive(Deserialize, TS)]
pub struct BackupFileArgs {
    /// The file's path.
    pub path: String,
    /// `password`, `recovery_code` or `passphrase`.
    pub with: String,
    /// For `password`: the user name (empty: the signed-in user).
    pub username: String,
    /// The password, recovery code or passphrase.
    pub secret: String,
    /// For `backup_verify`: only look, for a restore's preview (a backup of
    /// any vault, nothing recorded). Ignored by the other commands.
    #[serde(default)]
    pub preview: bool,
}

impl std::fmt::Debug for BackupFileArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupFileArgs")
            .field("path", &self.path)
            .field("with", &self.with)
            .field("preview", &self.preview)
            .finish_non_exhaustive()
    }
}

/// What a verified backup holds, shown before a restore changes anything.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupCheckView {
    /// The file.
    pub path: String,
    /// Its id.
    pub backup_id: String,
    /// The vault it is a backup of.
    pub vault_id: String,
    /// It is a backup of the vault in use.
    pub same_vault: bool,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Who made it.
    pub made_by: String,
    /// On which workstation.
    pub host: String,
    /// `manual`, `scheduled` or `catch_up`.
    pub reason: String,
    /// The Chartvault version that made it.
    pub app_version: String,
    /// Patients.
    pub patients: u64,
    /// Visits.
    pub visits: u64,
    /// Attachments.
    pub attachments: u64,
    /// Users.
    pub users: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// The file's size.
    pub bytes: u64,
}

/// Restoring over the vault in use.
#[derive(Deserialize, TS)]
pub struct RestoreArgs {
    /// The backup and what opens it.
    pub file: BackupFileArgs,
    /// The signed-in user's password, again.
    pub password: String,
    /// Allow a backup of another vault (confirmed a second time).
    pub allow_other_vault: bool,
}

impl std::fmt::Debug for RestoreArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreArgs").field("file", &self.file).finish_non_exhaustive()
    }
}

/// Restoring on a machine with no vault (the first-run wizard).
#[derive(Deserialize, TS)]
pub struct FirstRunRestoreArgs {
    /// The backup and what opens it.
    pub file: BackupFileArgs,
    /// The vault's folder (empty: the default).
    pub location: String,
    /// For a passphrase: the administrator who gets a new password.
    pub admin_username: String,
    /// Their new password.
    pub admin_password: String,
}

impl std::fmt::Debug for FirstRunRestoreArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstRunRestoreArgs").field("file", &self.file).field("location", &self.location).finish()
    }
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RestoreDoneView {
    /// The folder holding the vault it replaced.
    pub aside: Option<String>,
    /// After a passphrase restore: the new recovery code, shown once.
    pub recovery_code: Option<Shown>,
    /// After a passphrase restore: users who need a new password.
    pub users_without_password: Vec<String>,
}

/// A folder to look in for backup files.
#[derive(Debug, Deserialize, TS)]
pub struct FolderArgs {
    /// The folder.
    pub folder: String,
}

/// A backup file found in a folder (clear fields only).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ListedBackupView {
    /// The file.
    pub path: String,
    /// When it was made (RFC 3339), when readable.
    pub created_at: Option<String>,
    /// Its size.
    pub bytes: Option<u64>,
    /// It is a backup of the vault in use (`false` when unknown).
    pub same_vault: bool,
    /// Why it cannot be read, if so.
    pub problem: Option<String>,
}
