//! The audit trail, the vault's keys and roles, as session operations.

use crate::access::{self, Effect, Permission, Role};
use crate::audit::{self, Action, Entry, Event, Filter, Outcome, Report};
use crate::session::Session;
use crate::throttle::Throttle;
use crate::users::{self, Column};
use crate::{CoreError, Result};

impl Session {
    /// Verifies the audit chain (administrators, auditors); `progress` is
    /// called with (done, total) entries and may stop it
    /// ([`CoreError::Cancelled`]).
    pub fn audit_verify(
        &mut self,
        progress: Option<&mut dyn FnMut(u64, u64) -> std::ops::ControlFlow<()>>,
    ) -> Result<Report> {
        self.require(Permission::AuditRead, None)?;
        let key = self.audit_key()?;
        let conn = self.vault()?.conn();
        match progress {
            Some(p) => audit::verify_with_progress(conn, &key, p),
            None => audit::verify(conn, &key),
        }
    }

    /// Entries matching `filter`.
    pub fn audit_list(&mut self, filter: &Filter) -> Result<Vec<Entry>> {
        self.require(Permission::AuditRead, None)?;
        audit::query(self.vault()?.conn(), filter)
    }

    /// Whether an audit export would be allowed now (permission, password
    /// entered recently): to ask before creating the file it goes to.
    pub fn check_audit_export(&mut self) -> Result<()> {
        self.require(Permission::AuditExport, None)?;
        self.require_recent_password()
    }

    /// Writes the entries matching `filter` as CSV (with the password
    /// entered recently); the export is audited.
    pub fn audit_export(&mut self, filter: &Filter, writer: impl std::io::Write) -> Result<u64> {
        self.require(Permission::AuditExport, None)?;
        self.require_recent_password()?;
        let n = audit::export_csv(self.vault()?.conn(), filter, writer)?;
        self.audit(&Event::new(Action::Export).target("audit_trail", format!("{n} entries")))?;
        Ok(n)
    }

    /// Reseals every page under a new data key (administrators, with the
    /// password entered recently).
    pub fn rekey(&mut self, progress: Option<&mut (dyn FnMut(chartvault_seal::RekeyProgress) + Send)>) -> Result<()> {
        self.require(Permission::Rekey, None)?;
        self.require_recent_password()?;
        let result = self.vault_mut()?.rekey_with_progress(progress);
        let outcome = if result.is_ok() { Outcome::Success } else { Outcome::Failed };
        self.audit(&Event::new(Action::Rekey).outcome(outcome))?;
        Ok(result?)
    }

    /// Changes a user's role.
    pub fn set_role(&mut self, username: &str, role: Role) -> Result<()> {
        let user = self.admin_target_other(username)?;
        let now = self.now();
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        users::set(&tx, user.id, Column::Role, role.as_str(), now)?;
        tx.commit()?;
        let event = Event::new(Action::RoleChanged).target("user", user.username.as_str()).change(
            "role",
            Some(&user.role),
            Some(role.as_str()),
        );
        self.audit(&event)
    }

    /// Grants or denies one permission to one user beyond their role
    /// (`None` clears the override).
    pub fn set_override(&mut self, username: &str, permission: Permission, effect: Option<Effect>) -> Result<()> {
        // Separation of duties: no one widens their own access.
        let user = self.admin_target_other(username)?;
        let (me, now) = (self.user().id, self.now());
        let tx = self.vault_mut()?.conn_mut().transaction()?;
        let before = access::set_override(&tx, user.id, permission, effect, me, now)?;
        tx.commit()?;
        let event = Event::new(Action::PermissionChanged).target("user", user.username.as_str()).change(
            permission.name(),
            before.map(|e| e.as_str()),
            effect.map(|e| e.as_str()),
        );
        self.audit(&event)
    }

    /// A user's role, their grants and denials beyond it, and what they
    /// add up to (administrators).
    pub fn user_access(&mut self, username: &str) -> Result<UserAccess> {
        self.require(Permission::UserAdmin, None)?;
        let name = crate::users::Username::parse(username)?;
        let conn = self.vault()?.conn();
        let user = users::by_name(conn, &name)?.ok_or(CoreError::NoSuchUser(name))?;
        let role = Role::parse(&user.role)?;
        let overrides = access::overrides(conn, user.id)?;
        let effective = access::effective(conn, user.id, role)?;
        Ok(UserAccess { role, overrides, effective })
    }

    /// The signed-in user's own permissions (role and overrides), for the
    /// app to show what they can reach; every action checks again.
    pub fn own_permissions(&self) -> Result<access::PermissionSet> {
        access::effective(self.vault()?.conn(), self.user().id, self.role())
    }

    /// Failed logins in a row and the lockout end, if locked (administrators).
    pub fn lockout_status(&mut self, username: &str) -> Result<(u32, Option<chrono::DateTime<chrono::Utc>>)> {
        self.require(Permission::UserAdmin, None)?;
        Throttle::of(self.dir()).status(&username.trim().to_lowercase(), self.now())
    }
}

/// What [`Session::user_access`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccess {
    /// The user's role.
    pub role: Role,
    /// Their grants and denials beyond it.
    pub overrides: Vec<access::Override>,
    /// The permissions they have (role and overrides; emergency access aside).
    pub effective: access::PermissionSet,
}
