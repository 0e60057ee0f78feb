//! Making a clinic's vault, and getting back in with the recovery code.

use std::path::Path;

use chartvault_seal::{CreateOptions, RecoveryCode, SecretString, Unlock, Vault};
use secrecy::ExposeSecret;

use crate::access::Role;
use crate::audit::{self, Action, Actor, AuditKey, Event};
use crate::auth::{password_policy, totp};
use crate::failure_queue::FailureQueue;
use crate::session::{Env, Session};
use crate::users::{self, Column, Username};
use crate::{CoreError, Result};

/// The first administrator.
#[derive(Debug)]
pub struct FirstAdmin<'a> {
    /// User name.
    pub username: &'a str,
    /// Name shown in the app.
    pub display_name: &'a str,
    /// Their password.
    pub password: &'a SecretString,
}

/// What `init` hands back, to show once.
#[derive(Debug)]
pub struct Initialized {
    /// The administrator, logged in.
    pub session: Session,
    /// The vault's recovery code: show once, print, store apart.
    pub recovery_code: RecoveryCode,
    /// The administrator's TOTP secret, enrolled: from now on their logins
    /// need a code from it.
    pub totp_secret: totp::TotpSecret,
    /// The same as an `otpauth://` URI for an authenticator app (and QR).
    pub otpauth_uri: zeroize::Zeroizing<String>,
}

/// Checks a clinic name: 1 to 200 characters, no control characters.
pub fn check_clinic_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(CoreError::InvalidClinicName);
    }
    Ok(n.to_owned())
}

/// Makes a vault in `dir` for the clinic `clinic` with its first
/// administrator, who is logged in.
pub fn init(
    dir: &Path,
    clinic: &str,
    admin: &FirstAdmin<'_>,
    env: &Env,
    create: &CreateOptions,
) -> Result<Initialized> {
    let clinic = check_clinic_name(clinic)?;
    let username = Username::parse(admin.username)?;
    let display = users::check_display_name(admin.display_name)?;
    let ctx = password_policy::Context { username: username.as_str(), display_name: &display, clinic: &clinic };
    password_policy::check(admin.password.expose_secret(), &ctx).map_err(CoreError::PasswordPolicy)?;
    let mut opts = create.clone();
    opts.open = env.open.clone();
    let (mut vault, recovery_code) = Vault::create(dir, username.as_str(), admin.password, &opts)?;
    crate::db::migrate(vault.conn_mut())?;
    let now = env.clock.now();
    let secret = totp::TotpSecret::generate()?;
    let otpauth_uri = totp::otpauth_uri(&secret, &clinic, username.as_str());
    let tx = vault.conn_mut().transaction()?;
    tx.execute("INSERT INTO clinic(id, name, created_at) VALUES (1, ?1, ?2)", (&clinic, now.to_rfc3339()))?;
    let id = users::insert(&tx, &username, &display, Role::Administrator.as_str(), false, now)?;
    users::set(&tx, id, Column::TotpSecret, secret.expose_secret().to_vec(), now)?;
    FailureQueue::of(dir).provision(&tx)?;
    let key = AuditKey::load_or_create(&tx)?;
    let actor = Actor { user_id: Some(id), username: username.to_string() };
    for event in [
        Event::new(Action::Init).target("clinic", &clinic),
        Event::new(Action::UserCreated).target("user", username.as_str()).change(
            "role",
            None,
            Some(Role::Administrator.as_str()),
        ),
        Event::new(Action::TotpEnrolled).target("user", username.as_str()),
    ] {
        audit::append(&tx, &key, &actor, &env.workstation, now, &event)?;
    }
    tx.commit()?;
    let session = Session::resume(dir, vault, &username, env)?.ok_or(CoreError::NoSuchUser(username))?;
    Ok(Initialized { session, recovery_code, totp_secret: secret, otpauth_uri })
}

/// What happens to the administrator's authenticator when the recovery
/// code gives them a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticator {
    /// Kept: they still sign in with its codes (a forgotten password only).
    Keep,
    /// Cleared with their one-time recovery codes (a lost phone as well):
    /// they set up a new one at their next sign-in. The recovery code
    /// opens the vault's keys already, so this gives its holder nothing the
    /// code did not; without it, a sole administrator who lost both would
    /// be shut out of administration for good.
    Clear,
}

/// Opens the vault with its recovery code and gives the administrator
/// `admin` a new password (a forgotten one), and with
/// [`Authenticator::Clear`] clears their authenticator too.
pub fn recover_admin(
    dir: &Path,
    code: &SecretString,
    admin: &str,
    new_password: &SecretString,
    authenticator: Authenticator,
    env: &Env,
) -> Result<()> {
    let mut vault = match Vault::open(dir, Unlock::RecoveryCode(code), &env.open) {
        Ok(v) => v,
        Err(e @ (chartvault_seal::SealError::WrongPassword | chartvault_seal::SealError::NoSuchSlot(_))) => {
            let attempt = crate::failure_queue::FailedAttempt {
                username: "recovery code".to_owned(),
                at: env.clock.now(),
                host: env.workstation.host.clone(),
                workstation_id: env.workstation.id.clone(),
                reason: format!("wrong recovery code typed to reset {}", crate::users::printable(admin)),
            };
            let _ = FailureQueue::of(dir).push(&attempt);
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    crate::db::migrate(vault.conn_mut())?;
    let name = Username::parse(admin)?;
    let user = users::by_name(vault.conn(), &name)?.ok_or_else(|| CoreError::NoSuchUser(name.clone()))?;
    if user.role != Role::Administrator.as_str() || user.status == users::Status::Removed {
        return Err(CoreError::NotAnAdministrator(name));
    }
    let clinic: String = vault.conn().query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
    let ctx = password_policy::Context { username: name.as_str(), display_name: &user.display_name, clinic: &clinic };
    password_policy::check(new_password.expose_secret(), &ctx).map_err(CoreError::PasswordPolicy)?;
    match vault.change_password(name.as_str(), new_password, None) {
        Err(chartvault_seal::SealError::NoSuchSlot(_)) => vault.add_password_slot(name.as_str(), new_password, None)?,
        other => other?,
    }
    let now = env.clock.now();
    let tx = vault.conn_mut().transaction()?;
    users::set(&tx, user.id, Column::Status, users::Status::Active.as_str(), now)?;
    users::set(&tx, user.id, Column::MustChangePassword, false, now)?;
    let key = AuditKey::load_or_create(&tx)?;
    let actor = Actor { user_id: None, username: "recovery code".to_owned() };
    let mut event = Event::new(Action::PasswordReset)
        .target("user", name.as_str())
        .detail("opened with the recovery code".to_owned());
    if user.status != users::Status::Active {
        event = event.change("status", Some(user.status.as_str()), Some("active"));
    }
    audit::append(&tx, &key, &actor, &env.workstation, now, &event)?;
    if authenticator == Authenticator::Clear {
        users::clear_totp(&tx, user.id, now)?;
        let event = Event::new(Action::TotpReset)
            .target("user", name.as_str())
            .detail("opened with the recovery code".to_owned());
        audit::append(&tx, &key, &actor, &env.workstation, now, &event)?;
    }
    tx.commit()?;
    vault.close()?;
    Ok(())
}
