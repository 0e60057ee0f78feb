//! Who may do what: roles, the permission matrix, per-user overrides and
//! emergency access ("break the glass").
//!
//! A decision, from the top: an explicit **deny** override refuses (emergency
//! access included); otherwise an explicit **grant** override or the
//! **role** in the [matrix](matrix) allows; otherwise an active **emergency
//! grant** of that permission on that patient allows, flagged as such;
//! otherwise the answer is no. Everything not written down is denied.
//!
//! This module keeps the rules and their data. It does not decide who may
//! change an override or review a grant, nor write the audit trail: the
//! session layer checks the caller's own permissions (`user_admin`,
//! `emergency_review`) and records every change and every emergency use.

pub mod emergency;
pub mod matrix;
pub mod overrides;
mod permission;
mod role;

#[cfg(test)]
mod tests;

use chartvault_seal::rusqlite::Connection;
use chrono::{DateTime, SecondsFormat, Utc};

pub use emergency::Grant;
pub use matrix::{emergency_grantable, matrix_markdown, role_allows, role_permissions};
pub use overrides::{Effect, Override, effective, overrides, set_override};
pub use permission::{Permission, PermissionSet};
pub use role::Role;

use crate::{CoreError, Result};

/// The answer to "may this user do this?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// By the role or an override.
    Allowed,
    /// Only by the emergency-access grant with this id: the session layer
    /// flags the use in the audit trail.
    AllowedByEmergency(i64),
    /// No.
    Denied,
}

impl Decision {
    /// Whether the operation may go ahead.
    pub const fn is_allowed(self) -> bool {
        !matches!(self, Decision::Denied)
    }
}

/// Whether `user_id`, holding `role`, may use `permission` at `now`, on the
/// record of `patient` when the operation is about one patient (only then
/// does emergency access count).
pub fn allowed(
    conn: &Connection,
    user_id: i64,
    role: Role,
    permission: Permission,
    patient: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Decision> {
    let own = overrides(conn, user_id)?;
    if own.iter().any(|o| o.permission == permission && o.effect == Effect::Deny) {
        return Ok(Decision::Denied);
    }
    if overrides::apply(role, &own).contains(permission) {
        return Ok(Decision::Allowed);
    }
    if let Some(patient) = patient
        && let Some(id) = emergency::active_grant(conn, user_id, patient, permission, now)?
    {
        return Ok(Decision::AllowedByEmergency(id));
    }
    Ok(Decision::Denied)
}

/// A time as stored: RFC 3339, UTC, microseconds, `Z` (fixed width, so text
/// order is time order).
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored time; anything but RFC 3339 is an error.
pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| CoreError::BadStoredTime(s.to_owned()))
}
