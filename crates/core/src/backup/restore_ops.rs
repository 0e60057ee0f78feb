//! Restoring a backup: over the vault in use (a session operation, which
//! ends the session: everyone signs in again to the restored vault) or
//! onto a machine with no vault yet (the first-run wizard's "Restore from a
//! backup"). Either way the backup is verified in full first, staged under
//! a new data key, opened, migrated and audited as a vault of its own, and
//! only then swapped in; the vault it replaces is kept aside, whole.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chartvault_seal::backup::{BackupError, BackupProgress, HeldDir, RestoreKeys, StagedRestore};
use chartvault_seal::{SecretString, Unlock, Vault};

use super::ops::{BackupCredentials, CheckedBackup, hex};
use crate::access::{Permission, Role};
use crate::audit::{self, Action, Actor, AuditKey, Event};
use crate::session::{Env, Session};
use crate::users::{self, Status, Username};
use crate::{CoreError, Result};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The folder holding the vault it replaced (`None` on a machine that
    /// had none).
    pub aside: Option<PathBuf>,
    /// The backup's id.
    pub backup_id: String,
    /// A vault restored with its backup passphrase gets new keys: its new
    /// recovery code, to show once.
    pub recovery_code: Option<SecretString>,
    /// After a passphrase restore, the users who have no password yet (an
    /// administrator resets them).
    pub users_without_password: Vec<String>,
}

/// For a passphrase restore: the administrator whose new password the
/// restored vault opens with.
#[derive(Clone, Copy)]
pub struct NewAdministrator<'a> {
    /// Their user name in the backup.
    pub username: &'a str,
    /// Their new password.
    pub password: &'a SecretString,
}

impl std::fmt::Debug for NewAdministrator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAdministrator").field("username", &self.username).finish_non_exhaustive()
    }
}

type Progress<'p> = &'p mut dyn FnMut(BackupProgress) -> ControlFlow<()>;

/// What the staged vault opens with, and which keys it gets.
fn keys_of<'a>(
    creds: BackupCredentials<'a>,
    admin: Option<NewAdministrator<'a>>,
) -> Result<(RestoreKeys<'a>, Unlock<'a>)> {
    Ok(match (creds, admin) {
        (BackupCredentials::Password { username, password }, _) => {
            (RestoreKeys::OfThatTime, Unlock::Password { slot: username, password })
        }
        (BackupCredentials::RecoveryCode(c), _) => (RestoreKeys::OfThatTime, Unlock::RecoveryCode(c)),
        (BackupCredentials::Passphrase(_), Some(a)) => (
            RestoreKeys::Fresh { slot: a.username, password: a.password, kdf: None },
            Unlock::Password { slot: a.username, password: a.password },
        ),
        (BackupCredentials::Passphrase(_), None) => {
            return Err(CoreError::BackupRefused(
                "a backup opened with its passphrase needs an administrator's new password to restore".into(),
            ));
        }
    })
}

/// A passphrase restore makes one administrator's slot: they must be an
/// active administrator in the backup. Returns the other active users,
/// who will need a new password.
fn check_new_administrator(checked: &CheckedBackup, admin: NewAdministrator<'_>) -> Result<Vec<String>> {
    let db = checked.unlocked.read_only()?;
    let name = Username::parse(admin.username)?;
    let user = users::by_name(db.conn(), &name)?;
    let ok = user.as_ref().is_some_and(|u| u.status == Status::Active && u.role == Role::Administrator.as_str());
    if !ok {
        return Err(CoreError::BackupRefused(format!(
            "{} is not an active administrator in this backup; choose one who is",
            admin.username
        )));
    }
    Ok(users::list(db.conn())?
        .into_iter()
        .filter(|u| u.status == Status::Active && u.username != name)
        .map(|u| u.username.to_string())
        .collect())
}

/// Stages the backup in `dir`, opens the staged vault, migrates it and
/// records the restore in its audit trail; closed again, ready to swap.
fn stage_and_audit(
    dir: &Path,
    checked: &CheckedBackup,
    (keys, unlock): (RestoreKeys<'_>, Unlock<'_>),
    actor_name: &str,
    what_it_replaces: &str,
    env: &Env,
    progress: Progress<'_>,
) -> Result<(StagedRestore, AuditKey)> {
    let staged = checked.unlocked.stage_restore(dir, &env.open.lower, keys, progress)?;
    let audited = (|| -> Result<AuditKey> {
        let mut v = Vault::open(staged.dir(), unlock, &env.open)?;
        crate::db::migrate(v.conn_mut())?;
        let key = AuditKey::load(v.conn())?.ok_or(CoreError::BackupRefused("the backup holds no audit key".into()))?;
        let user_id =
            Username::parse(actor_name).ok().and_then(|n| users::by_name(v.conn(), &n).ok().flatten()).map(|u| u.id);
        let actor = Actor { user_id, username: actor_name.to_owned() };
        let m = &checked.meta;
        let event = Event::new(Action::Restore).target("backup", checked.backup_id.clone()).detail(format!(
            "restored from the backup made {} by {} on {} (audit entry {}); {what_it_replaces}; the folder kept aside is {}",
            super::ops::time_text(checked.created_at),
            m.made_by,
            m.host,
            m.audit_head.map_or(0, |h| h.seq),
            staged.aside_dir().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        ));
        let tx = v.conn_mut().transaction()?;
        audit::append(&tx, &key, &actor, &env.workstation, env.clock.now(), &event)?;
        // The restored history cannot hold its own backup's run (a
        // snapshot cannot contain its result): record it, verified just
        // now, so that retention counts the file as this vault's.
        let path = checked.unlocked.path();
        tx.execute(
            "INSERT OR IGNORE INTO backup_runs (backup_id, reason, folder, file_name, started_at, finished_at, user_id,
                                                bytes, head_seq, head_hash, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, NULL, ?6, ?7, ?8, 'verified')",
            chartvault_seal::rusqlite::params![
                checked.backup_id,
                m.reason.as_str(),
                path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default(),
                path.file_name().map(|n| n.to_string_lossy().into_owned()),
                super::ops::time_text(checked.created_at),
                checked.bytes as i64,
                m.audit_head.map(|h| h.seq),
                m.audit_head.map(|h| hex(&h.hash)),
            ],
        )?;
        tx.commit()?;
        v.close()?;
        Ok(key)
    })();
    match audited {
        Ok(key) => Ok((staged, key)),
        Err(e) => {
            let _ = staged.discard();
            Err(e)
        }
    }
}

/// The restored trail is the one to follow from now on: its backup's head
/// becomes the known head, so the older chain raises no rollback warning.
fn follow_restored(env: &Env, checked: &CheckedBackup, key: &AuditKey) -> Result<()> {
    match (&env.state_dir, checked.meta.audit_head) {
        (Some(state), Some(head)) => super::known_head::record(
            state,
            &checked.vault_id,
            key,
            &super::KnownHead { head, backup_at: checked.created_at },
            true,
        ),
        _ => Ok(()),
    }
}

/// Removes the folder kept aside when the restore replaced nothing.
fn aside_if_kept(aside: PathBuf) -> Option<PathBuf> {
    let empty = std::fs::read_dir(&aside).is_ok_and(|mut entries| entries.next().is_none());
    if empty && std::fs::remove_dir(&aside).is_ok() {
        return None;
    }
    Some(aside)
}

impl Session {
    /// Restores `checked` (verified by [`super::check_file`] with `creds`)
    /// over this vault. Needs `backup_restore` and the password again; a
    /// backup of another vault only with `allow_other_vault`. The vault in
    /// use is audited as being replaced and kept aside whole; the restored
    /// vault records the restore. The session ends: everyone signs in to
    /// the restored vault again, with the passwords of the backup's time
    /// (or, after a passphrase restore, this user with `password`).
    pub fn restore_backup(
        &mut self,
        checked: &CheckedBackup,
        creds: BackupCredentials<'_>,
        password: &SecretString,
        allow_other_vault: bool,
        progress: Progress<'_>,
    ) -> Result<Restored> {
        self.require(Permission::BackupRestore, None)?;
        self.reauthenticate(password)?;
        let here = self.vault()?.vault_id_hex();
        if checked.vault_id != here && !allow_other_vault {
            return Err(CoreError::Backup(BackupError::OtherVault { found: checked.vault_id.clone(), expected: here }));
        }
        let me = self.user.username.to_string();
        let admin = NewAdministrator { username: &me, password };
        let slotless = match creds {
            BackupCredentials::Passphrase(_) => check_new_administrator(checked, admin)?,
            _ => Vec::new(),
        };
        let keys = keys_of(creds, Some(admin))?;
        let head = audit::head(self.vault()?.conn())?;
        self.audit(&Event::new(Action::Restore).target("backup", checked.backup_id.clone()).detail(format!(
            "this vault is being replaced by the backup made {}; it will be kept aside",
            super::ops::time_text(checked.created_at)
        )))?;
        let replaces = format!(
            "it replaced the vault in use, whose audit trail ended at entry {} ({})",
            head.map_or(0, |h| h.seq + 1),
            head.map_or_else(String::new, |h| hex(&h.hash[..8]))
        );
        let dir = self.dir.clone();
        let (staged, key) = stage_and_audit(&dir, checked, keys, &me, &replaces, &self.env, progress)?;
        let recovery_code = staged.recovery_code().map(|c| SecretString::from(c.expose_secret().to_owned()));
        let vault = self.vault.take().ok_or(CoreError::Locked)?;
        self.audit_key = None;
        let held = vault.close_keeping_hold()?;
        let aside = staged.swap_in(held)?;
        follow_restored(&self.env, checked, &key)?;
        Ok(Restored {
            aside: aside_if_kept(aside),
            backup_id: checked.backup_id.clone(),
            recovery_code,
            users_without_password: slotless,
        })
    }
}

/// Restores `checked` into `dir`, where there is no vault yet (a new
/// machine): the first-run wizard's "Restore from a backup". `admin` is
/// needed for a backup opened with its passphrase.
pub fn restore_first_run(
    dir: &Path,
    checked: &CheckedBackup,
    creds: BackupCredentials<'_>,
    admin: Option<NewAdministrator<'_>>,
    env: &Env,
    progress: Progress<'_>,
) -> Result<Restored> {
    let held = HeldDir::take(dir, &env.open.lower)?;
    if held.holds_vault()? {
        return Err(CoreError::BackupRefused(format!(
            "{} already holds a vault; restore over it from inside Chartvault instead",
            dir.display()
        )));
    }
    let slotless = match (creds, admin) {
        (BackupCredentials::Passphrase(_), Some(a)) => check_new_administrator(checked, a)?,
        _ => Vec::new(),
    };
    let actor = match (creds, admin) {
        (BackupCredentials::Password { username, .. }, _) => username.to_owned(),
        (_, Some(a)) => a.username.to_owned(),
        _ => "(recovery code)".to_owned(),
    };
    let keys = keys_of(creds, admin)?;
    let (staged, key) =
        stage_and_audit(held.dir(), checked, keys, &actor, "restored onto a machine with no vault", env, progress)?;
    let recovery_code = staged.recovery_code().map(|c| SecretString::from(c.expose_secret().to_owned()));
    let aside = staged.swap_in(held)?;
    follow_restored(env, checked, &key)?;
    Ok(Restored {
        aside: aside_if_kept(aside),
        backup_id: checked.backup_id.clone(),
        recovery_code,
        users_without_password: slotless,
    })
}
