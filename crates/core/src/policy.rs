//! Policies an administrator sets, stored in the sealed database; absent
//! values take the defaults below.

use chartvault_seal::rusqlite::{Connection, Transaction};
use chrono::Duration;

use crate::access::Role;
use crate::audit::Change;
use crate::throttle::ThrottlePolicy;
use crate::{CoreError, Result};

/// The vault's policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Lock a session after this long without activity.
    pub idle_timeout: Duration,
    /// Roles whose users must enrol TOTP (administrators always must).
    pub totp_required: Vec<Role>,
    /// Failed logins in a row that lock a name out.
    pub lockout_after: u32,
    /// How long a lockout lasts unless lifted.
    pub lockout_for: Duration,
    /// How long an emergency-access grant lasts.
    pub emergency_for: Duration,
    /// How a new medical record number looks: one run of `#` is the
    /// zero-padded sequence number (`MRN-######` gives `MRN-000042`).
    pub mrn_format: String,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: u64,
    /// When the app backs up on its own.
    pub backup_schedule: crate::backup::schedule::Schedule,
    /// Where scheduled backups go (empty: not set).
    pub backup_folder: String,
    /// How many daily, weekly and monthly backups a folder keeps.
    pub backup_keep: crate::backup::retention::RetentionPolicy,
    /// Warn when the last verified backup is older than this many hours
    /// (`None`: the schedule's period and 12 hours, or 48 with no schedule).
    pub backup_warn_after_hours: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            idle_timeout: Duration::minutes(10),
            totp_required: vec![Role::Administrator],
            lockout_after: 5,
            lockout_for: Duration::minutes(15),
            emergency_for: Duration::hours(1),
            mrn_format: "MRN-######".to_owned(),
            attachment_max_bytes: 25 * 1_000_000,
            backup_schedule: crate::backup::schedule::Schedule::Off,
            backup_folder: String::new(),
            backup_keep: crate::backup::retention::RetentionPolicy::default(),
            backup_warn_after_hours: None,
        }
    }
}

/// The keys `policy set` takes, with what each means.
pub const KEYS: &[(&str, &str)] = &[
    ("idle_timeout_minutes", "lock a session after this many idle minutes (1 to 480)"),
    ("totp_required_roles", "roles that must use TOTP, comma-separated (administrator always)"),
    ("lockout_after", "failed logins in a row that lock a name out (3 to 20)"),
    ("lockout_minutes", "minutes a lockout lasts unless lifted (1 to 1440)"),
    ("emergency_minutes", "minutes an emergency-access grant lasts (5 to 1440)"),
    (
        "mrn_format",
        "new medical record numbers: one run of 3 to 12 # is the number, e.g. MRN-###### (at most 32 characters)",
    ),
    ("attachment_max_mb", "the largest attachment accepted, in megabytes (1 to 500)"),
    (
        "backup_schedule",
        "when the app backs up while it is open: off, daily HH:MM, or weekly mon..sun HH:MM (local time)",
    ),
    ("backup_folder", "the folder scheduled backups go to (an external drive); empty for none"),
    ("backup_keep_daily", "daily backups a folder keeps (0 to 366)"),
    ("backup_keep_weekly", "weekly backups a folder keeps (0 to 366)"),
    ("backup_keep_monthly", "monthly backups a folder keeps (0 to 366)"),
    (
        "backup_warn_after_hours",
        "warn when the last good backup is older than this many hours (1 to 8760); empty for the schedule's period and 12 hours",
    ),
];

impl Policy {
    /// The policy stored in the vault.
    pub fn load(conn: &Connection) -> Result<Policy> {
        let mut p = Policy::default();
        let mut stmt = conn.prepare("SELECT key, value FROM policy")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (k, v) = row?;
            p.apply(&k, &v)?;
        }
        Ok(p)
    }

    /// The throttle settings.
    pub fn throttle(&self) -> ThrottlePolicy {
        ThrottlePolicy { lockout_after: self.lockout_after, lockout_for: self.lockout_for }
    }

    /// Hours after which a missing backup is a warning.
    pub fn backup_warn_after_hours(&self) -> u32 {
        self.backup_warn_after_hours.unwrap_or_else(|| self.backup_schedule.default_warn_after_hours())
    }

    /// Whether users of `role` must use TOTP.
    pub fn totp_required(&self, role: Role) -> bool {
        role == Role::Administrator || self.totp_required.contains(&role)
    }

    /// Every setting as (key, value) text.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let roles: Vec<&str> = self.totp_required.iter().map(|r| r.as_str()).collect();
        vec![
            ("idle_timeout_minutes", self.idle_timeout.num_minutes().to_string()),
            ("totp_required_roles", roles.join(",")),
            ("lockout_after", self.lockout_after.to_string()),
            ("lockout_minutes", self.lockout_for.num_minutes().to_string()),
            ("emergency_minutes", self.emergency_for.num_minutes().to_string()),
            ("mrn_format", self.mrn_format.clone()),
            ("attachment_max_mb", (self.attachment_max_bytes / 1_000_000).to_string()),
            ("backup_schedule", self.backup_schedule.to_string()),
            ("backup_folder", self.backup_folder.clone()),
            ("backup_keep_daily", self.backup_keep.keep_daily().to_string()),
            ("backup_keep_weekly", self.backup_keep.keep_weekly().to_string()),
            ("backup_keep_monthly", self.backup_keep.keep_monthly().to_string()),
            ("backup_warn_after_hours", self.backup_warn_after_hours.map(|h| h.to_string()).unwrap_or_default()),
        ]
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<()> {
        let bad = |why: &'static str| CoreError::InvalidPolicy { key: key.to_owned(), why };
        let minutes = |lo: i64, hi: i64| -> Result<Duration> {
            let n: i64 = value.trim().parse().map_err(|_| bad("not a whole number"))?;
            if !(lo..=hi).contains(&n) {
                return Err(bad("out of range"));
            }
            Ok(Duration::minutes(n))
        };
        match key {
            "idle_timeout_minutes" => self.idle_timeout = minutes(1, 480)?,
            "lockout_minutes" => self.lockout_for = minutes(1, 1440)?,
            "emergency_minutes" => self.emergency_for = minutes(5, 1440)?,
            "lockout_after" => {
                let n: u32 = value.trim().parse().map_err(|_| bad("not a whole number"))?;
                if !(3..=20).contains(&n) {
                    return Err(bad("out of range"));
                }
                self.lockout_after = n;
            }
            "totp_required_roles" => {
                let mut roles = vec![Role::Administrator];
                for r in value.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    let role = Role::parse(r).map_err(|_| bad("not a role"))?;
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
                self.totp_required = roles;
            }
            "attachment_max_mb" => {
                let n: u64 = value.trim().parse().map_err(|_| bad("not a whole number"))?;
                if !(1..=500).contains(&n) {
                    return Err(bad("out of range"));
                }
                self.attachment_max_bytes = n * 1_000_000;
            }
            "mrn_format" => {
                let f = value.trim();
                if f.is_empty() || f.chars().count() > 32 || f.chars().any(char::is_control) {
                    return Err(bad("1 to 32 characters, no control characters"));
                }
                let runs: Vec<&str> = f.split(|c| c != '#').filter(|r| !r.is_empty()).collect();
                if runs.len() != 1 || !(3..=12).contains(&runs[0].len()) {
                    return Err(bad("needs exactly one run of 3 to 12 # for the number"));
                }
                self.mrn_format = f.to_owned();
            }
            "backup_schedule" => {
                self.backup_schedule = value.parse().map_err(|_| bad("off, daily HH:MM, or weekly mon..sun HH:MM"))?;
            }
            "backup_folder" => {
                let f = value.trim();
                if f.chars().count() > 1024 || f.chars().any(char::is_control) {
                    return Err(bad("a folder path without control characters"));
                }
                if !f.is_empty() && !std::path::Path::new(f).is_absolute() {
                    return Err(bad("a full path (an absolute folder)"));
                }
                self.backup_folder = f.to_owned();
            }
            "backup_keep_daily" | "backup_keep_weekly" | "backup_keep_monthly" => {
                let n: u32 = value.trim().parse().map_err(|_| bad("not a whole number"))?;
                let k = &self.backup_keep;
                let (d, w, m) = match key {
                    "backup_keep_daily" => (n, k.keep_weekly(), k.keep_monthly()),
                    "backup_keep_weekly" => (k.keep_daily(), n, k.keep_monthly()),
                    _ => (k.keep_daily(), k.keep_weekly(), n),
                };
                self.backup_keep =
                    crate::backup::retention::RetentionPolicy::new(d, w, m).map_err(|_| bad("out of range"))?;
            }
            "backup_warn_after_hours" => {
                let v = value.trim();
                self.backup_warn_after_hours = if v.is_empty() {
                    None
                } else {
                    let n: u32 = v.parse().map_err(|_| bad("not a whole number"))?;
                    if !(1..=8760).contains(&n) {
                        return Err(bad("out of range"));
                    }
                    Some(n)
                };
            }
            _ => return Err(bad("no such setting")),
        }
        Ok(())
    }

    /// Sets `key` to `value` (checked); returns the change for the audit trail.
    pub(crate) fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<Change> {
        let mut p = Policy::load(tx)?;
        let old = p.entries().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        p.apply(key, value)?;
        let new = p.entries().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        tx.execute(
            "INSERT OR REPLACE INTO policy(key, value) VALUES (?1, ?2)",
            (key, new.clone().unwrap_or_default()),
        )?;
        Ok(Change { field: key.to_owned(), old, new })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_stored_and_read_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        assert_eq!(Policy::load(&conn).unwrap(), Policy::default());
        let tx = conn.transaction().unwrap();
        let c = Policy::set(&tx, "idle_timeout_minutes", "5").unwrap();
        assert_eq!((c.old.as_deref(), c.new.as_deref()), (Some("10"), Some("5")));
        Policy::set(&tx, "totp_required_roles", "provider, staff").unwrap();
        Policy::set(&tx, "mrn_format", "RFC-#####").unwrap();
        Policy::set(&tx, "backup_schedule", "Weekly FRI 7:05").unwrap();
        Policy::set(&tx, "backup_keep_weekly", "9").unwrap();
        for (k, v) in [
            ("backup_schedule", "hourly"),
            ("backup_folder", "relative/folder"),
            ("backup_keep_daily", "367"),
            ("backup_warn_after_hours", "0"),
            ("idle_timeout_minutes", "0"),
            ("lockout_after", "x"),
            ("nope", "1"),
            ("totp_required_roles", "king"),
            ("mrn_format", "MRN-"),
            ("mrn_format", "A##-B###"),
            ("mrn_format", "##"),
            ("mrn_format", "X-#############"),
        ] {
            assert!(matches!(Policy::set(&tx, k, v), Err(CoreError::InvalidPolicy { .. })), "{k}={v}");
        }
        tx.commit().unwrap();
        let p = Policy::load(&conn).unwrap();
        assert_eq!(p.idle_timeout, Duration::minutes(5));
        assert_eq!(p.mrn_format, "RFC-#####");
        assert_eq!(p.backup_schedule.to_string(), "weekly fri 07:05");
        assert_eq!((p.backup_keep.keep_daily(), p.backup_keep.keep_weekly(), p.backup_keep.keep_monthly()), (7, 9, 12));
        assert_eq!(p.backup_warn_after_hours(), p.backup_schedule.default_warn_after_hours());
        assert!(
            p.totp_required(Role::Staff) && p.totp_required(Role::Administrator) && !p.totp_required(Role::Auditor)
        );
    }
}
