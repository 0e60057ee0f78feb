//! Logging in, and the session every operation takes.
//!
//! A login opens the vault through the user's own key slot (the seal's
//! Argon2id is the password check), then asks for the TOTP code when the
//! user has one. Every failure — unknown name, wrong password, wrong code,
//! a lockout — is one coarse [`LoginError::Failed`] to the person at the
//! keyboard, and costs the same Argon2id run; the audit trail gets the
//! detail. Failures before the vault opens are counted in the throttle file
//! and queued, sealed, for the audit trail (see `throttle.rs` and
//! `failure_queue.rs`).
//!
//! A [`Session`] holds the open vault. Locking it (on demand, or after the
//! policy's idle time, measured by the injected clock) closes the vault and
//! drops every key; unlocking needs the password (and code) again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chartvault_seal::{OpenOptions, SealError, SecretString, Unlock, Vault};
use chrono::{DateTime, Datelike, Duration, Utc};

use crate::access::{self, Decision, Permission, Role};
use crate::audit::{self, Action, Actor, AuditKey, Event, Outcome, Workstation};
use crate::auth::totp;
use crate::clock::Clock;
use crate::failure_queue::{FailedAttempt, FailureQueue};
use crate::policy::Policy;
use crate::throttle::{Refusal, Throttle};
use crate::users::{self, Status, User, Username};
use crate::{CoreError, Result};

/// The reason queued when a failure locks a name out (audited as a lockout).
const LOCKOUT_REASON: &str = "locked out after too many failed attempts";

/// How long a re-entered password counts for sensitive actions.
pub const REAUTH_VALID_FOR: Duration = Duration::minutes(5);

/// What a session runs with: the clock, the workstation, how to open vaults.
#[derive(Clone)]
pub struct Env {
    /// The clock every time-based decision asks.
    pub clock: Arc<dyn Clock>,
    /// This workstation, for the audit trail.
    pub workstation: Workstation,
    /// How vaults are opened (page cache, lower layer).
    pub open: OpenOptions,
    /// Per-user state kept outside the vault folder: the newest audit head
    /// each vault's backups recorded, which shows a vault put back from an
    /// older copy (see `backup::known_head`). `None`: not kept.
    pub state_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").field("workstation", &self.workstation).finish_non_exhaustive()
    }
}

/// Why a login did not succeed. Deliberately coarse.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user, wrong password, wrong or missing code, disabled user.
    #[error("the user name, password or code is not right")]
    Failed,
    /// Too many failures: locked out until the time, or an administrator lifts it.
    #[error("too many failed attempts: locked until {until} (or until an administrator lifts it)")]
    LockedOut {
        /// When the lockout ends by itself.
        until: DateTime<Utc>,
    },
    /// A failure was just made: the next attempt must wait.
    #[error("please wait until {retry_at} before trying again")]
    TooSoon {
        /// When to try again.
        retry_at: DateTime<Utc>,
    },
    /// The password and name were right; the TOTP code is needed.
    #[error("the authenticator code is needed")]
    CodeNeeded(Box<PendingLogin>),
    /// The vault could not be opened for another reason (in use, damaged).
    #[error(transparent)]
    Vault(#[from] CoreError),
}

/// A login waiting for its TOTP code: the vault is open, nothing else is
/// possible until [`PendingLogin::finish`]. Dropped unfinished, it is
/// audited and counted as a failure: the password was right and no code
/// followed, which is what a stolen password looks like.
pub struct PendingLogin {
    session: Option<Session>,
}

impl Drop for PendingLogin {
    fn drop(&mut self) {
        if let Some(mut s) = self.session.take() {
            let detail = "the password was right; no authenticator code followed";
            let _ = s.audit(&Event::new(Action::LoginFailed).outcome(Outcome::Failed).detail(detail));
            let policy = s.policy.throttle();
            let _ = Throttle::of(&s.dir).record_failure(s.user.username.as_str(), s.env.clock.now(), &policy);
            s.audit_key = None;
            if let Some(v) = s.vault.take() {
                let _ = v.close();
            }
        }
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = self.session.as_ref().map(|s| s.user.username.as_str());
        f.debug_struct("PendingLogin").field("user", &user).finish_non_exhaustive()
    }
}

/// An authenticated user with the vault open (or locked).
pub struct Session {
    pub(crate) dir: PathBuf,
    pub(crate) vault: Option<Vault>,
    pub(crate) audit_key: Option<AuditKey>,
    pub(crate) user: User,
    pub(crate) role: Role,
    pub(crate) env: Env,
    pub(crate) policy: Policy,
    pub(crate) last_activity: DateTime<Utc>,
    pub(crate) reauthenticated_at: Option<DateTime<Utc>>,
    /// Set at sign-in when the vault's trail lacks the head a backup
    /// recorded (an older copy of the vault was put back).
    pub(crate) rollback: Option<crate::backup::RollbackWarning>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.username)
            .field("role", &self.role)
            .field("locked", &self.vault.is_none())
            .finish_non_exhaustive()
    }
}

/// [`Session::stamp`]: what an audit entry written with its change needs.
pub(crate) struct Stamp {
    key: AuditKey,
    actor: Actor,
    workstation: Workstation,
    /// The time of the operation.
    pub(crate) at: DateTime<Utc>,
}

impl Stamp {
    /// Appends `event` in `tx`, the transaction of the change it records.
    pub(crate) fn append(&self, tx: &chartvault_seal::rusqlite::Transaction<'_>, event: &Event) -> Result<i64> {
        audit::append(tx, &self.key, &self.actor, &self.workstation, self.at, event)
    }
}

/// What the person typed to log in.
pub struct Credentials<'a> {
    /// The user name as typed.
    pub username: &'a str,
    /// The password.
    pub password: &'a SecretString,
    /// The TOTP code, when already known (the CLI reads it with the
    /// password; the app asks after [`LoginError::CodeNeeded`]).
    pub code: Option<&'a str>,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

fn attempt(env: &Env, username: &str, reason: &str) -> FailedAttempt {
    FailedAttempt {
        // Whatever was typed at the prompt, as it may be shown to an
        // administrator: control characters escaped, length bounded.
        username: users::printable(username),
        at: env.clock.now(),
        host: env.workstation.host.clone(),
        workstation_id: env.workstation.id.clone(),
        reason: reason.to_owned(),
    }
}

/// Logs in to the vault in `dir`.
pub fn login(dir: &Path, creds: &Credentials<'_>, env: &Env) -> std::result::Result<Session, LoginError> {
    let throttle = Throttle::of(dir);
    let queue = FailureQueue::of(dir);
    let typed = creds.username.trim().to_lowercase();
    let now = env.clock.now();
    match throttle.check(&typed, now).map_err(LoginError::Vault)? {
        Some(Refusal::LockedOut { until }) => {
            tracing::info!("sign-in refused: locked out");
            let _ = queue.push(&attempt(env, &typed, "attempt while locked out"));
            return Err(LoginError::LockedOut { until });
        }
        Some(Refusal::TooSoon { retry_at }) => {
            tracing::info!("sign-in refused: too soon after a failure");
            return Err(LoginError::TooSoon { retry_at });
        }
        None => {}
    }
    let fail = |reason: &'static str| -> LoginError {
        // The typed name is not logged: it may be a mistyped password.
        tracing::info!(reason, "sign-in refused");
        let _ = queue.push(&attempt(env, &typed, reason));
        // Before the vault is open its policy cannot be read: the copy the
        // last login published.
        let policy = throttle.published_policy().unwrap_or_default();
        match throttle.record_failure(&typed, env.clock.now(), &policy) {
            Ok(Some(until)) => {
                let _ = queue.push(&attempt(env, &typed, LOCKOUT_REASON));
                LoginError::LockedOut { until }
            }
            _ => LoginError::Failed,
        }
    };
    if secrecy::ExposeSecret::expose_secret(creds.password).is_empty() {
        return Err(fail("empty password"));
    }
    let Ok(username) = Username::parse(&typed) else {
        // As slow as any other failure: the seal spends one Argon2id run on
        // an unknown slot name; spend it here the same way.
        let _ = Vault::open(dir, Unlock::Password { slot: "-", password: creds.password }, &env.open);
        return Err(fail("invalid user name"));
    };
    let vault =
        match Vault::open(dir, Unlock::Password { slot: username.as_str(), password: creds.password }, &env.open) {
            Ok(v) => v,
            Err(SealError::WrongPassword | SealError::NoSuchSlot(_)) => {
                return Err(fail("wrong user name or password"));
            }
            Err(e) => return Err(LoginError::Vault(e.into())),
        };
    let session = Session::resume(dir, vault, &username, env).map_err(LoginError::Vault)?;
    let Some(mut session) = session else {
        return Err(fail("account disabled or removed"));
    };
    if session.user.totp_enrolled {
        match creds.code {
            None => return Err(LoginError::CodeNeeded(Box::new(PendingLogin { session: Some(session) }))),
            Some(code) => session.check_code(code).map_err(|_| fail("wrong authenticator code"))?,
        }
    }
    session.finish_login().map_err(LoginError::Vault)?;
    Ok(session)
}

impl PendingLogin {
    /// Whose login it is.
    pub fn username(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.user.username.as_str())
    }

    /// Completes the login with the TOTP code.
    pub fn finish(mut self, code: &str) -> std::result::Result<Session, LoginError> {
        let mut session = self.session.take().ok_or(LoginError::Failed)?;
        let env = session.env.clone();
        let dir = session.dir.clone();
        let name = session.user.username.to_string();
        if session.check_code(code).is_err() {
            tracing::info!(reason = "wrong authenticator code", "sign-in refused");
            let _ = FailureQueue::of(&dir).push(&attempt(&env, &name, "wrong authenticator code"));
            let policy = session.policy.throttle();
            drop(session);
            return Err(match Throttle::of(&dir).record_failure(&name, env.clock.now(), &policy) {
                Ok(Some(until)) => {
                    let _ = FailureQueue::of(&dir).push(&attempt(&env, &name, LOCKOUT_REASON));
                    LoginError::LockedOut { until }
                }
                _ => LoginError::Failed,
            });
        }
        session.finish_login().map_err(LoginError::Vault)?;
        Ok(session)
    }
}

impl Session {
    /// After the vault opened for `username`: the schema, the user row.
    /// `None` when the user may not log in.
    pub(crate) fn resume(dir: &Path, mut vault: Vault, username: &Username, env: &Env) -> Result<Option<Session>> {
        crate::db::migrate(vault.conn_mut())?;
        let tx = vault.conn_mut().transaction()?;
        FailureQueue::of(dir).provision(&tx)?;
        let audit_key = AuditKey::load_or_create(&tx)?;
        tx.commit()?;
        let Some(user) = users::by_name(vault.conn(), username)? else { return Ok(None) };
        if user.status != Status::Active {
            return Ok(None);
        }
        let role = Role::parse(&user.role)?;
        let policy = Policy::load(vault.conn())?;
        Throttle::of(dir).publish_policy(&policy.throttle())?;
        let now = env.clock.now();
        Ok(Some(Session {
            dir: dir.to_owned(),
            vault: Some(vault),
            audit_key: Some(audit_key),
            user,
            role,
            env: env.clone(),
            policy,
            last_activity: now,
            reauthenticated_at: Some(now),
            rollback: None,
        }))
    }

    fn check_code(&mut self, code: &str) -> Result<()> {
        // A recovery code (longer than a TOTP code) stands in for a lost
        // authenticator, once.
        if code.trim().chars().filter(char::is_ascii_alphanumeric).count() > totp::DIGITS {
            let (id, now) = (self.user.id, self.env.clock.now());
            let tx = self.vault_mut()?.conn_mut().transaction()?;
            let used = crate::auth::recovery_codes::consume(&tx, id, code, now)?;
            tx.commit()?;
            if !used {
                return Err(CoreError::Totp(totp::TotpError::Wrong));
            }
            return self.audit(&Event::new(Action::TotpRecoveryCodeUsed));
        }
        let (secret, last): (Option<zeroize::Zeroizing<Vec<u8>>>, Option<i64>) = self.vault()?.conn().query_row(
            "SELECT totp_secret, totp_last_step FROM users WHERE id = ?1",
            [self.user.id],
            |r| Ok((r.get::<_, Option<Vec<u8>>>(0)?.map(zeroize::Zeroizing::new), r.get(1)?)),
        )?;
        let secret = totp::TotpSecret::from_bytes(&secret.ok_or(CoreError::TotpNotEnrolled)?)?;
        let step = totp::check(&secret, code, self.env.clock.now(), last).map_err(CoreError::Totp)?;
        let now = self.env.clock.now();
        let id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, id, users::Column::TotpLastStep, step, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The login succeeded: clear the count, move queued failures into the
    /// audit trail, record the login.
    fn finish_login(&mut self) -> Result<()> {
        // Before this sign-in writes anything: the trail as it was found.
        self.check_rollback()?;
        Throttle::of(&self.dir).clear(self.user.username.as_str())?;
        let queue = FailureQueue::of(&self.dir);
        let queued = queue.read(self.vault()?.conn())?;
        let key = self.audit_key()?;
        let now = self.env.clock.now();
        let here = self.env.workstation.clone();
        // All queued records in one transaction; the queue is emptied only
        // once they are committed, so none is lost.
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        for q in queued {
            let (actor, ws, at, detail) = match q {
                Ok(a) => {
                    // A record sealed to the published key by anyone: a time
                    // the trail cannot hold is replaced, and says so.
                    let sane = a.at.year() > 1970 && a.at.year() < 9999;
                    let at = if sane { a.at } else { now };
                    let detail =
                        if sane { a.reason } else { format!("{} (its recorded time was implausible)", a.reason) };
                    (
                        Actor { user_id: None, username: a.username },
                        Workstation::new(a.host, a.workstation_id),
                        at,
                        detail,
                    )
                }
                Err(u) => (
                    Actor { user_id: None, username: "?".to_owned() },
                    here.clone(),
                    now,
                    format!("a queued failed-login record (line {}) did not open: damaged or not this vault's", u.line),
                ),
            };
            let action = if detail == LOCKOUT_REASON { Action::Lockout } else { Action::LoginFailed };
            let event = Event::new(action).outcome(Outcome::Failed).detail(detail);
            audit::append(&tx, &key, &actor, &ws, at, &event)?;
        }
        tx.commit()?;
        queue.clear()?;
        let event = Event::new(Action::Login);
        self.audit(&event)?;
        if let Some(w) = self.rollback.clone() {
            let event = Event::new(Action::RollbackSuspected).outcome(Outcome::Failed).detail(w.message());
            self.audit(&event)?;
        }
        Ok(())
    }

    /// Compares the vault's trail with the newest head its backups
    /// recorded on this workstation; a mismatch is kept for the person to
    /// see (and audited once the sign-in is recorded).
    fn check_rollback(&mut self) -> Result<()> {
        let key = self.audit_key()?;
        let vault_id = self.vault()?.vault_id_hex();
        let folder = (!self.policy.backup_folder.is_empty()).then(|| PathBuf::from(&self.policy.backup_folder));
        self.rollback = crate::backup::known_head::check(
            self.vault()?.conn(),
            self.env.state_dir.as_deref(),
            folder.as_deref(),
            &vault_id,
            &key,
        )?;
        Ok(())
    }

    /// The rollback warning of this sign-in, if any: the vault's trail
    /// lacks the head one of its backups recorded.
    pub fn rollback_warning(&self) -> Option<&crate::backup::RollbackWarning> {
        self.rollback.as_ref()
    }

    /// Who, where and when, for entries written inside a transaction of
    /// the change they record (taken before the transaction borrows the vault).
    pub(crate) fn stamp(&self) -> Result<Stamp> {
        Ok(Stamp {
            key: self.audit_key()?,
            actor: Actor { user_id: Some(self.user.id), username: self.user.username.to_string() },
            workstation: self.env.workstation.clone(),
            at: self.env.clock.now(),
        })
    }

    /// Records `event` by this session's user.
    pub(crate) fn audit(&mut self, event: &Event) -> Result<()> {
        let actor = Actor { user_id: Some(self.user.id), username: self.user.username.to_string() };
        let ws = self.env.workstation.clone();
        let at = self.env.clock.now();
        self.append_as(&actor, &ws, at, event)
    }

    fn append_as(&mut self, actor: &Actor, ws: &Workstation, at: DateTime<Utc>, event: &Event) -> Result<()> {
        let key = self.audit_key.as_ref().ok_or(CoreError::Locked)?.clone();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        audit::append(&tx, &key, actor, ws, at, event)?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn vault(&self) -> Result<&Vault> {
        self.vault.as_ref().ok_or(CoreError::Locked)
    }

    pub(crate) fn vault_mut(&mut self) -> Result<&mut Vault> {
        self.vault.as_mut().ok_or(CoreError::Locked)
    }

    pub(crate) fn audit_key(&self) -> Result<AuditKey> {
        self.audit_key.clone().ok_or(CoreError::Locked)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.env.clock.now()
    }

    /// Today's date (UTC) on the session's clock: what consents and ages
    /// are reckoned against.
    pub fn today(&self) -> chrono::NaiveDate {
        self.env.clock.now().date_naive()
    }

    /// The user of this session.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Their role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the session is locked (no key material held).
    pub fn is_locked(&self) -> bool {
        self.vault.is_none()
    }

    /// The vault's policy as of login.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The vault directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Locks the session if it has been idle past the policy's timeout.
    /// Returns whether it is (now) locked.
    pub fn lock_if_idle(&mut self) -> Result<bool> {
        if self.vault.is_some() && self.env.clock.now() - self.last_activity >= self.policy.idle_timeout {
            self.lock_because("idle timeout")?;
        }
        Ok(self.vault.is_none())
    }

    /// Records activity at the keyboard (the desktop app forwards it), so
    /// the idle lock counts from now. A session already locked by idleness
    /// stays locked.
    pub fn touch(&mut self) -> Result<()> {
        self.active()
    }

    /// Checks a code from the user's own authenticator without changing
    /// anything else: the first-run wizard asks for one to show the
    /// enrolment worked. The code's time step is used up as at login.
    pub fn check_own_code(&mut self, code: &str) -> Result<()> {
        self.active()?;
        self.check_code(code)
    }

    /// Locks the session now: the vault is closed and every key dropped.
    pub fn lock(&mut self) -> Result<()> {
        self.lock_because("on demand")
    }

    fn lock_because(&mut self, why: &str) -> Result<()> {
        if self.vault.is_none() {
            return Ok(());
        }
        let event = Event::new(Action::Lock).detail(why.to_owned());
        let audited = self.audit(&event);
        self.audit_key = None;
        self.reauthenticated_at = None;
        if let Some(v) = self.vault.take() {
            v.close()?;
        }
        audited
    }

    /// Unlocks a locked session with the user's password (and code).
    pub fn unlock(&mut self, password: &SecretString, code: Option<&str>) -> std::result::Result<(), LoginError> {
        if self.vault.is_some() {
            return Ok(());
        }
        let creds = Credentials { username: self.user.username.as_str(), password, code };
        let fresh = login(&self.dir, &creds, &self.env)?;
        *self = fresh;
        let event = Event::new(Action::Unlock);
        self.audit(&event).map_err(LoginError::Vault)
    }

    /// Ends the session.
    pub fn logout(mut self) -> Result<()> {
        if self.vault.is_some() {
            self.audit(&Event::new(Action::Logout))?;
        }
        self.audit_key = None;
        if let Some(v) = self.vault.take() {
            v.close()?;
        }
        Ok(())
    }

    /// Whether the session may be used now without it counting as the
    /// person's activity (the app's own timers: backup status and the
    /// schedule must not keep an idle session from locking).
    pub(crate) fn usable_without_activity(&self) -> Result<()> {
        self.vault()?;
        if self.user.must_change_password {
            return Err(CoreError::MustChangePassword);
        }
        Ok(())
    }

    /// [`Session::active`], and the user has done what must come first: a
    /// password of their own, an authenticator where their role needs one.
    pub(crate) fn ready(&mut self) -> Result<()> {
        self.active()?;
        if self.user.must_change_password {
            return Err(CoreError::MustChangePassword);
        }
        if self.policy.totp_required(self.role) && !self.user.totp_enrolled {
            return Err(CoreError::TotpEnrolmentRequired);
        }
        Ok(())
    }

    /// A wrong password typed inside a session counts towards the lockout
    /// like one at the login screen; reaching it locks the session.
    pub(crate) fn wrong_password(&mut self, what: &str) -> Result<CoreError> {
        self.audit(&Event::new(Action::LoginFailed).outcome(Outcome::Failed).detail(what.to_owned()))?;
        let policy = self.policy.throttle();
        let locked =
            Throttle::of(&self.dir).record_failure(self.user.username.as_str(), self.env.clock.now(), &policy)?;
        if locked.is_some() {
            self.audit(&Event::new(Action::Lockout).outcome(Outcome::Failed).detail(what.to_owned()))?;
            self.lock_because("too many wrong passwords")?;
            return Ok(CoreError::Locked);
        }
        Ok(CoreError::WrongPassword)
    }

    /// Counts as activity and checks the session is usable: not locked by
    /// idleness, not waiting for a new password.
    pub(crate) fn active(&mut self) -> Result<()> {
        if self.lock_if_idle()? {
            return Err(CoreError::Locked);
        }
        self.last_activity = self.env.clock.now();
        Ok(())
    }

    /// Whether this user holds `permission` now (no record of asking): what
    /// a report may include. Locked or unusable: no.
    pub fn holds(&self, permission: Permission) -> bool {
        let Ok(vault) = self.vault() else { return false };
        let now = self.env.clock.now();
        matches!(access::allowed(vault.conn(), self.user.id, self.role, permission, None, now), Ok(Decision::Allowed))
    }

    /// Checks `permission` (for `patient`, where it is about one), counting
    /// as activity. A denial is audited and changes nothing else.
    pub fn require(&mut self, permission: Permission, patient: Option<i64>) -> Result<Decision> {
        self.ready()?;
        let now = self.env.clock.now();
        let decision = access::allowed(self.vault()?.conn(), self.user.id, self.role, permission, patient, now)?;
        if decision == Decision::Denied {
            let mut event =
                Event::new(Action::PermissionDenied).outcome(Outcome::Denied).detail(permission.name().to_owned());
            event.patient_id = patient;
            self.audit(&event)?;
            return Err(CoreError::Denied(permission));
        }
        Ok(decision)
    }

    /// Asks for the password again, before a sensitive action; it counts
    /// for [`REAUTH_VALID_FOR`].
    pub fn reauthenticate(&mut self, password: &SecretString) -> Result<()> {
        self.active()?;
        let name = self.user.username.to_string();
        match self.vault()?.check_password(&name, password) {
            Ok(()) => {
                self.reauthenticated_at = Some(self.env.clock.now());
                Ok(())
            }
            Err(SealError::WrongPassword) => Err(self.wrong_password("wrong password when asked again")?),
            Err(e) => Err(e.into()),
        }
    }

    /// For sensitive actions: the password must have been entered recently.
    pub(crate) fn require_recent_password(&self) -> Result<()> {
        match self.reauthenticated_at {
            Some(t) if self.env.clock.now() - t < REAUTH_VALID_FOR => Ok(()),
            _ => Err(CoreError::PasswordNeeded),
        }
    }
}
