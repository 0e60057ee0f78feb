//! User administration, own account and policy, as session operations:
//! each checks the permission (and for sensitive ones a recently entered
//! password), changes the vault, and writes the audit trail.

use chartvault_seal::{RecoveryCode, RekeyProgress, SecretString};

use crate::access::Permission;
use crate::audit::{Action, Change, Event, Outcome};
use crate::auth::{password_policy, totp};
use crate::policy::Policy;
use crate::session::Session;
use crate::throttle::Throttle;
use crate::users::{self, Column, Status, User, Username};
use crate::{CoreError, Result};

/// A new user's account.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// User name.
    pub username: &'a str,
    /// Name shown in the app.
    pub display_name: &'a str,
    /// Role.
    pub role: crate::access::Role,
    /// A first password, which they must change at their first login.
    pub password: &'a SecretString,
}

impl Session {
    /// The clinic's name, as given when the vault was made.
    pub fn clinic_name(&self) -> Result<String> {
        Ok(self.vault()?.conn().query_row("SELECT name FROM clinic", [], |r| r.get(0))?)
    }

    fn check_password_policy(&self, password: &SecretString, user: &Username, display: &str) -> Result<()> {
        use secrecy::ExposeSecret;
        let clinic = self.clinic_name()?;
        let ctx = password_policy::Context { username: user.as_str(), display_name: display, clinic: &clinic };
        password_policy::check(password.expose_secret(), &ctx).map_err(CoreError::PasswordPolicy)
    }

    /// The user an administration action is about: the permission, a
    /// recently entered password, and the user looked up.
    pub(crate) fn admin_target(&mut self, username: &str) -> Result<User> {
        self.require(Permission::UserAdmin, None)?;
        self.require_recent_password()?;
        let name = Username::parse(username)?;
        users::by_name(self.vault()?.conn(), &name)?.ok_or(CoreError::NoSuchUser(name))
    }

    /// [`Session::admin_target`], refused for one's own account.
    pub(crate) fn admin_target_other(&mut self, username: &str) -> Result<User> {
        let user = self.admin_target(username)?;
        if user.id == self.user.id {
            return Err(CoreError::NotOnYourself);
        }
        Ok(user)
    }

    /// Every user (administrators).
    pub fn list_users(&mut self) -> Result<Vec<User>> {
        self.require(Permission::UserAdmin, None)?;
        users::list(self.vault()?.conn())
    }

    /// Every user's id and name, for showing who wrote what in a chart
    /// (any signed-in user; no other account detail).
    pub fn user_names(&mut self) -> Result<Vec<(i64, String)>> {
        self.ready()?;
        Ok(users::list(self.vault()?.conn())?.into_iter().map(|u| (u.id, u.username.to_string())).collect())
    }

    /// Creates a user with their own key slot; they must choose a new
    /// password at their first login.
    pub fn create_user(&mut self, new: &NewUser<'_>) -> Result<User> {
        self.require(Permission::UserAdmin, None)?;
        self.require_recent_password()?;
        let name = Username::parse(new.username)?;
        let display = users::check_display_name(new.display_name)?;
        self.check_password_policy(new.password, &name, &display)?;
        let now = self.env.clock.now();
        if users::by_name(self.vault()?.conn(), &name)?.is_some() {
            return Err(CoreError::UserExists(name));
        }
        // The slot first (one Argon2id run), then the row; a row that
        // cannot be written takes the slot away again.
        self.vault()?.add_password_slot(name.as_str(), new.password, None)?;
        let inserted = (|| -> Result<i64> {
            let tx = self.vault_mut()?.conn_mut().transaction()?;
            let id = users::insert(&tx, &name, &display, new.role.as_str(), true, now)?;
            tx.commit()?;
            Ok(id)
        })();
        let id = match inserted {
            Ok(id) => id,
            Err(e) => {
                let _ = self.vault()?.remove_slot(name.as_str());
                return Err(e);
            }
        };
        let event =
            Event::new(Action::UserCreated).target("user", name.as_str()).change("role", None, Some(new.role.as_str()));
        self.audit(&event)?;
        users::by_id(self.vault()?.conn(), id)?.ok_or(CoreError::NoSuchUser(name))
    }

    /// Disables a user: their key slot is removed at once. Follow with
    /// [`Session::rotate_keys`] so an old copy of the slot file opens
    /// nothing written afterwards.
    pub fn disable_user(&mut self, username: &str) -> Result<()> {
        self.set_status(username, Status::Disabled, Action::UserDisabled)
    }

    /// Removes a user for good (the row stays, named in the audit trail).
    pub fn remove_user(&mut self, username: &str) -> Result<()> {
        self.set_status(username, Status::Removed, Action::UserRemoved)
    }

    fn set_status(&mut self, username: &str, status: Status, action: Action) -> Result<()> {
        let user = self.admin_target_other(username)?;
        if user.status == Status::Removed {
            return Err(CoreError::UserRemoved(user.username));
        }
        if user.status == status {
            return Ok(());
        }
        let now = self.env.clock.now();
        if user.status == Status::Active {
            match self.vault()?.remove_slot(user.username.as_str()) {
                Ok(()) | Err(chartvault_seal::SealError::NoSuchSlot(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, user.id, Column::Status, status.as_str(), now)?;
        tx.commit()?;
        let event = Event::new(action).target("user", user.username.as_str()).change(
            "status",
            Some(user.status.as_str()),
            Some(status.as_str()),
        );
        self.audit(&event)
    }

    /// Re-enables a disabled user with a new first password.
    pub fn enable_user(&mut self, username: &str, password: &SecretString) -> Result<()> {
        let user = self.admin_target(username)?;
        if user.status != Status::Disabled {
            return Err(CoreError::NotDisabled(user.username));
        }
        self.check_password_policy(password, &user.username, &user.display_name)?;
        let now = self.env.clock.now();
        self.vault()?.add_password_slot(user.username.as_str(), password, None)?;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, user.id, Column::Status, Status::Active.as_str(), now)?;
        users::set(&tx, user.id, Column::MustChangePassword, true, now)?;
        tx.commit()?;
        let event = Event::new(Action::UserEnabled).target("user", user.username.as_str()).change(
            "status",
            Some("disabled"),
            Some("active"),
        );
        self.audit(&event)
    }

    /// Sets a new password for a user, which they must change at their next
    /// login. Their slot alone is rewritten.
    pub fn reset_password(&mut self, username: &str, password: &SecretString) -> Result<()> {
        let user = self.admin_target(username)?;
        self.check_password_policy(password, &user.username, &user.display_name)?;
        let now = self.env.clock.now();
        let vault = self.vault()?;
        // After a passphrase restore only the restoring administrator has a
        // key slot: a reset gives the other active users theirs. A disabled
        // or removed user gets none (enabling adds it).
        let has_slot = vault.slots().iter().any(|s| s.name == user.username.as_str());
        if has_slot || user.status != Status::Active {
            vault.change_password(user.username.as_str(), password, None)?;
        } else {
            vault.add_password_slot(user.username.as_str(), password, None)?;
        }
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, user.id, Column::MustChangePassword, true, now)?;
        tx.commit()?;
        self.audit(&Event::new(Action::PasswordReset).target("user", user.username.as_str()))
    }

    /// Clears a user's TOTP enrolment (a lost authenticator).
    pub fn reset_totp(&mut self, username: &str) -> Result<()> {
        let user = self.admin_target_other(username)?;
        let now = self.env.clock.now();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::clear_totp(&tx, user.id, now)?;
        tx.commit()?;
        self.audit(&Event::new(Action::TotpReset).target("user", user.username.as_str()))
    }

    /// Lifts a lockout.
    pub fn lift_lockout(&mut self, username: &str) -> Result<()> {
        let user = self.admin_target(username)?;
        Throttle::of(&self.dir).clear(user.username.as_str())?;
        self.audit(&Event::new(Action::LockoutLifted).target("user", user.username.as_str()))
    }

    /// Revocation: a new vault key sealed to the remaining users' slots and
    /// every page resealed, so a removed or disabled user's old copy of the
    /// slot file opens nothing written afterwards.
    pub fn rotate_keys(&mut self, progress: Option<&mut (dyn FnMut(RekeyProgress) + Send)>) -> Result<()> {
        self.require(Permission::Rekey, None)?;
        self.require_recent_password()?;
        let result = self.vault_mut()?.rotate_keys(None, progress);
        let outcome = if result.is_ok() { Outcome::Success } else { Outcome::Failed };
        self.audit(&Event::new(Action::Revocation).outcome(outcome))?;
        Ok(result?)
    }

    /// Issues a new vault recovery code, shown once; the old one stops
    /// opening the key-slot file. An old copy of that file still opens
    /// with the old code until [`Session::rotate_keys`], which a leaked code
    /// calls for; backups made before keep opening with the old code.
    pub fn replace_recovery_code(&mut self) -> Result<RecoveryCode> {
        self.require(Permission::Rekey, None)?;
        self.require_recent_password()?;
        let result = self.vault()?.replace_recovery_code();
        let outcome = if result.is_ok() { Outcome::Success } else { Outcome::Failed };
        self.audit(&Event::new(Action::RecoveryCodeReplaced).outcome(outcome))?;
        Ok(result?)
    }

    /// Changes one's own password (required after an administrator reset).
    pub fn change_own_password(&mut self, old: &SecretString, new: &SecretString) -> Result<()> {
        self.active()?;
        let name = self.user.username.clone();
        if self.vault()?.check_password(name.as_str(), old).is_err() {
            return Err(self.wrong_password("wrong password when changing it")?);
        }
        {
            use secrecy::ExposeSecret;
            if new.expose_secret() == old.expose_secret() {
                return Err(CoreError::SamePassword);
            }
        }
        let display = self.user.display_name.clone();
        self.check_password_policy(new, &name, &display)?;
        self.vault()?.change_password(name.as_str(), new, None)?;
        let now = self.env.clock.now();
        let id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, id, Column::MustChangePassword, false, now)?;
        tx.commit()?;
        self.user.must_change_password = false;
        self.reauthenticated_at = Some(now);
        self.audit(&Event::new(Action::PasswordChanged).target("user", name.as_str()))
    }

    /// Starts TOTP enrolment: a new secret, kept pending until a code from
    /// it is confirmed. Returns the `otpauth://` URI to show (and encode as
    /// a QR code).
    pub fn begin_totp_enrolment(&mut self) -> Result<(totp::TotpSecret, zeroize::Zeroizing<String>)> {
        self.active()?;
        if self.user.totp_enrolled {
            // Replacing a working second factor: the password again first.
            self.require_recent_password()?;
        }
        let secret = totp::TotpSecret::generate()?;
        let uri = totp::otpauth_uri(&secret, &self.clinic_name()?, self.user.username.as_str());
        let now = self.env.clock.now();
        let id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, id, Column::TotpPending, secret.expose_secret().to_vec(), now)?;
        tx.commit()?;
        Ok((secret, uri))
    }

    /// Confirms enrolment with a code from the pending secret.
    pub fn confirm_totp_enrolment(&mut self, code: &str) -> Result<()> {
        self.active()?;
        let pending: Option<Vec<u8>> =
            self.vault()?
                .conn()
                .query_row("SELECT totp_pending FROM users WHERE id = ?1", [self.user.id], |r| r.get(0))?;
        let secret = totp::TotpSecret::from_bytes(&pending.ok_or(CoreError::TotpNotEnrolled)?)?;
        let step = totp::check(&secret, code, self.env.clock.now(), None).map_err(CoreError::Totp)?;
        let now = self.env.clock.now();
        let id = self.user.id;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, id, Column::TotpSecret, secret.expose_secret().to_vec(), now)?;
        users::set(&tx, id, Column::TotpPending, None::<Vec<u8>>, now)?;
        users::set(&tx, id, Column::TotpLastStep, step, now)?;
        tx.commit()?;
        self.user.totp_enrolled = true;
        self.audit(&Event::new(Action::TotpEnrolled).target("user", self.user.username.as_str()))
    }

    /// Every policy setting (administrators).
    pub fn show_policy(&mut self) -> Result<Vec<(&'static str, String)>> {
        self.require(Permission::PolicyAdmin, None)?;
        Ok(self.policy.entries())
    }

    /// Sets a policy (administrators, with the password entered recently).
    pub fn set_policy(&mut self, key: &str, value: &str) -> Result<Change> {
        self.require(Permission::PolicyAdmin, None)?;
        self.require_recent_password()?;
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let change = Policy::set(&tx, key, value)?;
        tx.commit()?;
        self.policy = Policy::load(self.vault()?.conn())?;
        Throttle::of(&self.dir).publish_policy(&self.policy.throttle())?;
        let mut event = Event::new(Action::PolicyChanged).target("policy", key);
        event.changes.push(change.clone());
        self.audit(&event)?;
        Ok(change)
    }
}
