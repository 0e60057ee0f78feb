//! Where backups stand, for the warnings every screen shows an
//! administrator; whether the schedule has a run due; and pruning a folder
//! by the retention policy.

use std::path::{Path, PathBuf};

use chartvault_seal::rusqlite::{Connection, OptionalExtension};
use chrono::{DateTime, Local, Utc};

use super::files;
use super::meta::BackupReason;
use super::ops::time_text;
use super::retention::{self, LeftAloneReason, Rule};
use super::schedule;
use crate::access::{self, Decision, Permission};
use crate::audit::{Action, Event};
use crate::session::Session;
use crate::{CoreError, Result};

/// Where backups stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupStatus {
    /// When the newest verified backup was made.
    pub last_verified_at: Option<DateTime<Utc>>,
    /// Its folder.
    pub last_folder: Option<String>,
    /// The newest verified backup is older than the policy allows (or
    /// there is none).
    pub overdue: bool,
    /// The hours the policy allows.
    pub warn_after_hours: u32,
    /// The schedule, as the policy states it.
    pub schedule: String,
    /// The scheduled folder, if set.
    pub folder: Option<PathBuf>,
    /// Whether that folder is there now (a drive plugged in).
    pub folder_present: bool,
    /// When the next scheduled run is due (at or before now: due now).
    pub next_due: Option<DateTime<Utc>>,
    /// Why the newest run failed, if it did.
    pub last_error: Option<String>,
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn last_scheduled_success(conn: &Connection) -> Result<Option<DateTime<Utc>>> {
    let t: Option<String> = conn
        .query_row(
            "SELECT started_at FROM backup_runs WHERE outcome = 'verified' AND reason IN ('scheduled', 'catch_up')
             ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(t.as_deref().and_then(parse_time))
}

impl Session {
    /// Where backups stand, for those who may make them (`None` for the
    /// others, without an audited refusal: every screen asks). Not counted
    /// as activity.
    pub fn backup_status(&mut self) -> Result<Option<BackupStatus>> {
        self.usable_without_activity()?;
        let now = self.now();
        let conn = self.vault()?.conn();
        if access::allowed(conn, self.user.id, self.role, Permission::BackupCreate, None, now)? == Decision::Denied {
            return Ok(None);
        }
        let last = super::ops::last_verified(conn)?;
        let last_verified_at = last.as_ref().and_then(|(t, _)| parse_time(t));
        let last_error: Option<String> = conn
            .query_row("SELECT outcome, error FROM backup_runs ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .optional()?
            .and_then(|(o, e)| (o != "verified").then_some(e).flatten());
        let p = &self.policy;
        let folder = (!p.backup_folder.is_empty()).then(|| PathBuf::from(&p.backup_folder));
        let warn = p.backup_warn_after_hours();
        Ok(Some(BackupStatus {
            last_verified_at,
            last_folder: last.map(|(_, f)| f),
            overdue: schedule::overdue(last_verified_at, now, warn),
            warn_after_hours: warn,
            schedule: p.backup_schedule.to_string(),
            folder_present: folder.as_ref().is_some_and(|f| f.is_dir()),
            folder,
            next_due: schedule::next_due(&p.backup_schedule, last_scheduled_success(conn)?, now, &Local),
            last_error,
        }))
    }

    /// The scheduled run due now, if any, with its folder: the schedule is
    /// on, a folder is set and present, and the latest slot has no
    /// verified scheduled run (one catch-up however many were missed).
    pub fn scheduled_backup_due(&mut self) -> Result<Option<(PathBuf, BackupReason)>> {
        self.usable_without_activity()?;
        let p = &self.policy;
        if p.backup_folder.is_empty() || !Path::new(&p.backup_folder).is_dir() {
            return Ok(None);
        }
        let last = last_scheduled_success(self.vault()?.conn())?;
        let due = schedule::due_now(&self.policy.backup_schedule, last, self.now(), &Local);
        Ok(due.map(|d| {
            let reason = if d.catch_up { BackupReason::CatchUp } else { BackupReason::Scheduled };
            (PathBuf::from(&self.policy.backup_folder), reason)
        }))
    }

    /// Applies the retention policy to `folder`: deletes (unless
    /// `dry_run`) this vault's verified backups that no rule keeps, never
    /// the newest verified one, never a file of another vault or one this
    /// vault's history does not list as verified. Needs `backup_create`.
    pub fn prune_backups(&mut self, folder: &Path, dry_run: bool) -> Result<PrunePlan> {
        self.require(Permission::BackupCreate, None)?;
        self.prune(folder, dry_run)
    }

    /// Applies the retention policy to the schedule's folder after one of
    /// its runs: the policy's doing (set under `policy_admin`), whoever is
    /// signed in, as the run itself.
    pub fn prune_after_scheduled_backup(&mut self) -> Result<Option<PrunePlan>> {
        self.usable_without_activity()?;
        if self.policy.backup_folder.is_empty() {
            return Ok(None);
        }
        let folder = PathBuf::from(&self.policy.backup_folder);
        self.prune(&folder, false).map(Some)
    }

    fn prune(&mut self, folder: &Path, dry_run: bool) -> Result<PrunePlan> {
        let vault_id = self.vault()?.vault_id_hex();
        let verified: Vec<String> = {
            let conn = self.vault()?.conn();
            let mut stmt =
                conn.prepare("SELECT backup_id FROM backup_runs WHERE outcome = 'verified' AND backup_id IS NOT NULL")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<chartvault_seal::rusqlite::Result<_>>()?
        };
        // This vault's word for which files are its verified backups: its
        // history, and the folder's index when its MAC holds (a restored
        // vault's history lacks what was made after its backup).
        let mut verified = verified;
        let key = self.audit_key()?;
        if let super::index::Read::Good(entries) = super::index::read(folder, &vault_id, &key) {
            verified.extend(entries.into_iter().filter(|e| e.outcome == "good").map(|e| e.backup_id));
        }
        let listed = files::list(folder)?;
        let mut input = Vec::new();
        let mut unreadable = Vec::new();
        for (i, b) in listed.iter().enumerate() {
            match &b.info {
                Ok(info) => input.push(retention::Backup {
                    id: i,
                    created_at: DateTime::from_timestamp_millis(info.created_at_ms).unwrap_or_default(),
                    verified: verified.contains(&info.backup_id),
                    this_vault: info.vault_id == vault_id,
                }),
                Err(e) => unreadable.push((b.path.clone(), e.clone())),
            }
        }
        let plan = retention::plan(&input, &self.policy.backup_keep, &Local)
            .map_err(|e| CoreError::BackupRefused(e.to_string()))?;
        let path = |i: usize| listed[i].path.clone();
        let mut out = PrunePlan {
            deleted: plan.delete.iter().map(|&i| path(i)).collect(),
            kept: plan.keep.iter().map(|k| (path(k.id), k.rules.clone())).collect(),
            left_alone: plan
                .left_alone
                .iter()
                .map(|l| {
                    let why = match l.reason {
                        LeftAloneReason::Foreign => "a backup of another vault",
                        LeftAloneReason::Unverified => "not in this vault's history as verified",
                    };
                    (path(l.id), why.to_owned())
                })
                .chain(unreadable)
                .collect(),
            dry_run,
        };
        if dry_run || out.deleted.is_empty() {
            return Ok(out);
        }
        let mut removed = Vec::new();
        for p in &out.deleted {
            match std::fs::remove_file(p) {
                Ok(()) => removed.push(p.clone()),
                Err(e) => out.left_alone.push((p.clone(), format!("could not be deleted: {e}"))),
            }
        }
        out.deleted = removed;
        let gone: Vec<String> =
            out.deleted.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
        let _ = super::index::update(folder, &vault_id, &key, |e| e.retain(|x| !gone.contains(&x.file_name)));
        let stamp = self.stamp()?;
        let user_id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        for p in &out.deleted {
            let i = listed.iter().position(|b| &b.path == p).expect("listed");
            let id = listed[i].info.as_ref().map(|i| i.backup_id.clone()).unwrap_or_default();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            tx.execute(
                "INSERT INTO backup_prunes (backup_id, file_name, pruned_at, user_id) VALUES (?1, ?2, ?3, ?4)",
                (&id, &name, time_text(stamp.at), user_id),
            )?;
        }
        let event = Event::new(Action::Backup).target("backup folder", folder.display().to_string()).detail(format!(
            "retention removed {} backup file(s): {}",
            out.deleted.len(),
            out.deleted
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        stamp.append(&tx, &event)?;
        tx.commit()?;
        Ok(out)
    }
}

/// What pruning a folder did (or would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrunePlan {
    /// Files deleted (or to delete, in a dry run).
    pub deleted: Vec<PathBuf>,
    /// Files kept, with the rules that keep them.
    pub kept: Vec<(PathBuf, Vec<Rule>)>,
    /// Files neither kept by a rule nor deleted, with why.
    pub left_alone: Vec<(PathBuf, String)>,
    /// Whether nothing was deleted on purpose.
    pub dry_run: bool,
}
