//! Login throttling, before the vault is open.
//!
//! Failed logins happen before the sealed database can be read, so they are
//! counted in a small file beside it, `vault.throttle`: per user name, the
//! consecutive failures, when the last one was, and a lockout. Entries are
//! keyed by SHA-256 of a per-vault salt and the name, and a name that has no
//! account is counted exactly as one that has: the file tells no one which
//! names exist, and neither does the answer (one error for every failure).
//!
//! After each failure the next attempt must wait longer (1, 2, 4, 8 s); at
//! the fifth consecutive failure the name is locked out for the policy's
//! time (15 minutes by default) or until an administrator lifts it. A
//! success clears the count.
//!
//! What this is not: a defence against someone with the files. They need no
//! login screen; Argon2id is what slows them. Deleting this file resets the
//! counts, as restarting a machine resets a PIN pad's: it guards the
//! keyboard of a running workstation.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::{CoreError, Result};

/// File name of the throttle file in a vault directory.
pub const THROTTLE_FILE: &str = "vault.throttle";
const HEADER: &str = "chartvault-throttle 1";

/// How failures are answered (from the vault's policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Consecutive failures that lock a name out.
    pub lockout_after: u32,
    /// How long a lockout lasts unless an administrator lifts it sooner.
    pub lockout_for: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { lockout_after: 5, lockout_for: Duration::minutes(15) }
    }
}

/// Why an attempt may not be made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too soon after the last failure.
    TooSoon {
        /// When the next attempt may be made.
        retry_at: DateTime<Utc>,
    },
    /// Locked out.
    LockedOut {
        /// When the lockout ends by itself.
        until: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    failures: u32,
    last: i64,
    locked_until: Option<i64>,
}

/// The throttle file of one vault.
#[derive(Debug, Clone)]
pub struct Throttle {
    path: PathBuf,
}

struct Contents {
    salt: [u8; 16],
    /// Extra header fields other parts keep here (the failure queue's key).
    extra: Vec<String>,
    entries: BTreeMap<String, Entry>,
}

/// The wait before the attempt after `failures` consecutive failures.
pub fn delay_after(failures: u32) -> Duration {
    if failures == 0 { Duration::zero() } else { Duration::seconds(1 << (failures - 1).min(3)) }
}

impl Throttle {
    /// The throttle file of the vault in `dir`.
    pub fn of(dir: &Path) -> Throttle {
        Throttle { path: dir.join(THROTTLE_FILE) }
    }

    fn key(&self, salt: &[u8; 16], username: &str) -> String {
        let digest = Sha256::new().chain_update(salt).chain_update(username.to_lowercase().as_bytes()).finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// Whether an attempt for `username` may be made at `now`.
    pub fn check(&self, username: &str, now: DateTime<Utc>) -> Result<Option<Refusal>> {
        let c = self.read()?;
        let Some(e) = c.entries.get(&self.key(&c.salt, username)).copied() else {
            return Ok(None);
        };
        let t = now.timestamp();
        if let Some(until) = e.locked_until.filter(|&u| u > t) {
            return Ok(Some(Refusal::LockedOut { until: at(until) }));
        }
        if e.locked_until.is_some() {
            // A lockout that has run out starts the count again.
            return Ok(None);
        }
        let retry = e.last.saturating_add(delay_after(e.failures).num_seconds());
        Ok((retry > t).then(|| Refusal::TooSoon { retry_at: at(retry) }))
    }

    /// Counts a failure; returns the lockout it caused, if any.
    pub fn record_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        policy: &ThrottlePolicy,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut c = self.read()?;
        let key = self.key(&c.salt, username);
        let t = now.timestamp();
        let mut e = c.entries.get(&key).copied().unwrap_or(Entry { failures: 0, last: t, locked_until: None });
        if e.locked_until.is_some_and(|u| u <= t) {
            e = Entry { failures: 0, last: t, locked_until: None };
        }
        e.failures = e.failures.saturating_add(1);
        e.last = t;
        let locked = (e.failures >= policy.lockout_after).then(|| t.saturating_add(policy.lockout_for.num_seconds()));
        if locked.is_some() {
            e.locked_until = locked;
        }
        c.entries.insert(key, e);
        self.write(&c)?;
        Ok(locked.map(at))
    }

    /// Clears the count for `username` (a successful login, or an
    /// administrator lifting a lockout).
    pub fn clear(&self, username: &str) -> Result<()> {
        let mut c = self.read()?;
        if c.entries.remove(&self.key(&c.salt, username)).is_some() {
            self.write(&c)?;
        }
        Ok(())
    }

    /// Consecutive failures and lockout of `username`, for an administrator.
    pub fn status(&self, username: &str, now: DateTime<Utc>) -> Result<(u32, Option<DateTime<Utc>>)> {
        let c = self.read()?;
        let e = c.entries.get(&self.key(&c.salt, username)).copied();
        Ok(e.map_or((0, None), |e| (e.failures, e.locked_until.filter(|&u| u > now.timestamp()).map(at))))
    }

    /// The lockout policy published by the last login (the vault's own
    /// policy is sealed, and failures happen before it can be read); the
    /// defaults when none is published or it does not parse.
    pub fn published_policy(&self) -> Result<ThrottlePolicy> {
        let d = ThrottlePolicy::default();
        let after = self.extra("lockout_after")?.and_then(|v| v.parse().ok()).filter(|n| (3..=20).contains(n));
        let secs =
            self.extra("lockout_secs")?.and_then(|v| v.parse::<i64>().ok()).filter(|s| (60..=86_400).contains(s));
        Ok(ThrottlePolicy {
            lockout_after: after.unwrap_or(d.lockout_after),
            lockout_for: secs.map_or(d.lockout_for, Duration::seconds),
        })
    }

    /// Publishes the vault's lockout policy for the logins to come.
    pub fn publish_policy(&self, policy: &ThrottlePolicy) -> Result<()> {
        if self.published_policy()? == *policy && self.extra("lockout_after")?.is_some() {
            return Ok(());
        }
        self.set_extra("lockout_after", &policy.lockout_after.to_string())?;
        self.set_extra("lockout_secs", &policy.lockout_for.num_seconds().to_string())
    }

    /// A header field kept by another part (`name=value`).
    pub(crate) fn extra(&self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        Ok(self.read()?.extra.iter().find_map(|f| f.strip_prefix(&prefix).map(str::to_owned)))
    }

    /// Sets a header field kept by another part.
    pub(crate) fn set_extra(&self, name: &str, value: &str) -> Result<()> {
        let mut c = self.read()?;
        let prefix = format!("{name}=");
        c.extra.retain(|f| !f.starts_with(&prefix));
        c.extra.push(format!("{name}={value}"));
        self.write(&c)
    }

    fn read(&self) -> Result<Contents> {
        let text = match std::fs::read(&self.path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(Contents { salt: fresh_salt(), extra: Vec::new(), entries: BTreeMap::new() });
            }
            Err(e) => return Err(CoreError::io("cannot read", &self.path, e)),
        };
        // A damaged file counts as none: whoever can damage it can delete it,
        // and refusing every login would help no one.
        Ok(parse(&text).unwrap_or_else(|| Contents { salt: fresh_salt(), extra: Vec::new(), entries: BTreeMap::new() }))
    }

    fn write(&self, c: &Contents) -> Result<()> {
        let mut text = format!("{HEADER} {}", hex(&c.salt));
        for f in &c.extra {
            text.push(' ');
            text.push_str(f);
        }
        text.push('\n');
        for (k, e) in &c.entries {
            let locked = e.locked_until.map_or("-".to_owned(), |u| u.to_string());
            text.push_str(&format!("{k} {} {} {locked}\n", e.failures, e.last));
        }
        let tmp = self.path.with_extension("throttle.tmp");
        crate::files::write_private(&tmp, text.as_bytes()).map_err(|e| CoreError::io("cannot write", &tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| CoreError::io("cannot replace", &self.path, e))
    }
}

fn fresh_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    // Without the OS generator the salt is zero: the file then hides names
    // less well, and counting still works.
    let _ = getrandom::fill(&mut salt);
    salt
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse(text: &str) -> Option<Contents> {
    let mut lines = text.lines();
    let head = lines.next()?.strip_prefix(HEADER)?.trim_start();
    let mut fields = head.split(' ');
    let salt_hex = fields.next()?;
    let salt: [u8; 16] = (0..16)
        .map(|i| u8::from_str_radix(salt_hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?
        .try_into()
        .ok()?;
    let extra = fields.filter(|f| !f.is_empty()).map(str::to_owned).collect();
    let mut entries = BTreeMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let mut f = line.split(' ');
        let key = f.next()?.to_owned();
        let failures = f.next()?.parse().ok()?;
        let last = f.next()?.parse().ok()?;
        let locked_until = match f.next()? {
            "-" => None,
            v => Some(v.parse().ok()?),
        };
        entries.insert(key, Entry { failures, last, locked_until });
    }
    Some(Contents { salt, extra, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn failures_escalate_the_wait_then_lock_out_until_the_time_passes_or_it_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let th = Throttle::of(dir.path());
        let p = ThrottlePolicy::default();
        assert_eq!(th.check("alice", t(0)).unwrap(), None);
        let mut now = 0;
        for n in 1..=4u32 {
            assert_eq!(th.record_failure("alice", t(now), &p).unwrap(), None);
            let wait = delay_after(n).num_seconds();
            assert_eq!(wait, 1 << (n - 1));
            assert_eq!(th.check("Alice", t(now)).unwrap(), Some(Refusal::TooSoon { retry_at: t(now + wait) }));
            now += wait;
            assert_eq!(th.check("alice", t(now)).unwrap(), None);
        }
        let until = th.record_failure("alice", t(now), &p).unwrap().expect("the fifth failure locks");
        assert_eq!(until, t(now + 15 * 60));
        assert_eq!(th.check("alice", t(now + 60)).unwrap(), Some(Refusal::LockedOut { until }));
        assert_eq!(th.status("alice", t(now + 60)).unwrap(), (5, Some(until)));
        // Other names are not affected.
        assert_eq!(th.check("bob", t(now)).unwrap(), None);
        // The lockout runs out by itself...
        assert_eq!(th.check("alice", t(now + 15 * 60)).unwrap(), None);
        // ... or an administrator lifts it.
        th.record_failure("alice", t(now + 15 * 60), &p).unwrap();
        th.clear("alice").unwrap();
        assert_eq!(th.status("alice", t(now + 15 * 60)).unwrap(), (0, None));
    }

    #[test]
    fn the_file_names_no_user_and_survives_a_reread() {
        let dir = tempfile::tempdir().unwrap();
        let th = Throttle::of(dir.path());
        th.set_extra("queue", "abcd").unwrap();
        assert_eq!(th.published_policy().unwrap(), ThrottlePolicy::default());
        let strict = ThrottlePolicy { lockout_after: 3, lockout_for: Duration::minutes(60) };
        th.publish_policy(&strict).unwrap();
        assert_eq!(th.published_policy().unwrap(), strict);
        th.record_failure("dr.house", t(0), &ThrottlePolicy::default()).unwrap();
        th.record_failure("no-such-user", t(0), &ThrottlePolicy::default()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(THROTTLE_FILE)).unwrap();
        assert!(!text.contains("house") && !text.contains("no-such"), "{text}");
        assert_eq!(th.extra("queue").unwrap().as_deref(), Some("abcd"));
        assert_eq!(th.status("dr.house", t(0)).unwrap().0, 1);
        std::fs::write(dir.path().join(THROTTLE_FILE), b"garbage \xff\xfe").unwrap();
        assert_eq!(th.check("dr.house", t(0)).unwrap(), None, "a damaged file counts as none");
        th.record_failure("dr.house", t(0), &ThrottlePolicy::default()).unwrap();
        assert_eq!(th.status("dr.house", t(0)).unwrap().0, 1);
    }
}
