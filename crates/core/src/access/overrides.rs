//! Per-user exceptions to the role: an explicit deny wins, then an explicit
//! grant, then the role (table `user_permission_overrides`).

use chartvault_seal::rusqlite::{Connection, OptionalExtension, Transaction, params};
use chrono::{DateTime, Utc};

use super::matrix::role_permissions;
use super::permission::{Permission, PermissionSet};
use super::role::Role;
use super::{parse_time, time_text};
use crate::{CoreError, Result};

/// What an override does to its permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The user holds the permission whatever the role says (unless denied).
    Grant,
    /// The user does not hold the permission, whatever the role says.
    Deny,
}

impl Effect {
    /// The name stored in the vault.
    pub const fn as_str(self) -> &'static str {
        match self {
            Effect::Grant => "grant",
            Effect::Deny => "deny",
        }
    }

    /// The effect named `s`; anything but `grant` or `deny` is an error.
    pub fn parse(s: &str) -> Result<Effect> {
        match s {
            "grant" => Ok(Effect::Grant),
            "deny" => Ok(Effect::Deny),
            _ => Err(CoreError::UnknownOverrideEffect(s.to_owned())),
        }
    }
}

/// One override of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The permission overridden.
    pub permission: Permission,
    /// Grant or deny.
    pub effect: Effect,
    /// Who set it, when known.
    pub set_by: Option<i64>,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

/// Sets (`Some`) or clears (`None`) the override of `permission` for
/// `user_id`, recorded as set by `set_by` at `at`. Gives back the effect
/// there was before, for the audit trail.
pub fn set_override(
    tx: &Transaction,
    user_id: i64,
    permission: Permission,
    effect: Option<Effect>,
    set_by: i64,
    at: DateTime<Utc>,
) -> Result<Option<Effect>> {
    let before: Option<String> = tx
        .query_row(
            "SELECT effect FROM user_permission_overrides WHERE user_id = ?1 AND permission = ?2",
            params![user_id, permission.name()],
            |r| r.get(0),
        )
        .optional()?;
    let before = before.as_deref().map(Effect::parse).transpose()?;
    match effect {
        Some(e) => {
            tx.execute(
                "INSERT INTO user_permission_overrides (user_id, permission, effect, set_by, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id, permission) DO UPDATE
                 SET effect = excluded.effect, set_by = excluded.set_by, set_at = excluded.set_at",
                params![user_id, permission.name(), e.as_str(), set_by, time_text(at)],
            )?;
        }
        None => {
            tx.execute(
                "DELETE FROM user_permission_overrides WHERE user_id = ?1 AND permission = ?2",
                params![user_id, permission.name()],
            )?;
        }
    }
    Ok(before)
}

/// Every override of `user_id`, ordered by permission name. A permission,
/// effect or time the build does not understand is an error, not skipped.
pub fn overrides(conn: &Connection, user_id: i64) -> Result<Vec<Override>> {
    let mut stmt = conn.prepare(
        "SELECT permission, effect, set_by, set_at FROM user_permission_overrides
         WHERE user_id = ?1 ORDER BY permission",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (permission, effect, set_by, set_at) = row?;
        out.push(Override {
            permission: Permission::parse(&permission)?,
            effect: Effect::parse(&effect)?,
            set_by,
            set_at: parse_time(&set_at)?,
        });
    }
    Ok(out)
}

/// The role's permissions with `overrides` applied: grants added, then
/// denies removed (a deny always wins).
pub fn apply(role: Role, overrides: &[Override]) -> PermissionSet {
    let mut set = role_permissions(role);
    for o in overrides.iter().filter(|o| o.effect == Effect::Grant) {
        set.insert(o.permission);
    }
    for o in overrides.iter().filter(|o| o.effect == Effect::Deny) {
        set.remove(o.permission);
    }
    set
}

/// What `user_id`, holding `role`, may do: the role's permissions with the
/// user's overrides applied. Emergency grants are not included (they are per
/// patient; see [`super::allowed`]).
pub fn effective(conn: &Connection, user_id: i64, role: Role) -> Result<PermissionSet> {
    Ok(apply(role, &overrides(conn, user_id)?))
}
