//! User administration (administrators; core checks the permission and a
//! recently entered password for every change).

use chartvault_core::access::{Effect, Permission, Role};
use chartvault_core::admin::NewUser;
use chartvault_seal::RekeyProgress;
use tauri::AppHandle;

use super::secret;
use crate::error::IpcResult;
use crate::events;
use crate::ipc::{
    EmergencyRow, NewUserArgs, OverrideArgs, PermissionRow, ReviewArgs, RoleArgs, RoleOption, UserAccessView, UserArgs,
    UserPasswordArgs, UserRow,
};
use crate::state::blocking;

/// Every user, with their lockout state.
#[tauri::command]
pub async fn list_users(app: AppHandle) -> IpcResult<Vec<UserRow>> {
    blocking(app, |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let users = s.list_users()?;
        let mut rows = Vec::with_capacity(users.len());
        for u in users {
            let (failures, until) = s.lockout_status(u.username.as_str())?;
            rows.push(UserRow {
                username: u.username.to_string(),
                display_name: u.display_name,
                role: u.role,
                status: u.status.as_str().to_owned(),
                must_change_password: u.must_change_password,
                totp_enrolled: u.totp_enrolled,
                failures,
                locked_until: until.map(|t| t.to_rfc3339()),
                created_at: u.created_at.to_rfc3339(),
            });
        }
        Ok(rows)
    })
    .await
}

/// The roles a user may be given.
#[tauri::command]
pub async fn roles(app: AppHandle) -> IpcResult<Vec<RoleOption>> {
    blocking(app, |st, _| {
        st.lock().session()?;
        Ok(Role::ALL.iter().map(|r| RoleOption { name: r.as_str().to_owned(), label: r.label().to_owned() }).collect())
    })
    .await
}

/// Creates a user, who chooses their own password at first login.
#[tauri::command]
pub async fn create_user(app: AppHandle, args: NewUserArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let role = Role::parse(&args.role)?;
        let password = secret(args.password);
        let new = NewUser { username: &args.username, display_name: &args.display_name, role, password: &password };
        st.lock().session()?.create_user(&new)?;
        Ok(())
    })
    .await
}

/// Disables a user (their key slot goes at once).
#[tauri::command]
pub async fn disable_user(app: AppHandle, args: UserArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.disable_user(&args.username)?)).await
}

/// Re-enables a disabled user with a new first password.
#[tauri::command]
pub async fn enable_user(app: AppHandle, args: UserPasswordArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.enable_user(&args.username, &secret(args.password))?)).await
}

/// Removes a user for good, then revokes: a new vault key for the
/// remaining users and every page resealed (progress as `progress`
/// events; not cancellable, as a half-done revocation protects nothing).
#[tauri::command]
pub async fn remove_user(app: AppHandle, args: UserArgs) -> IpcResult<()> {
    blocking(app, move |st, app| {
        let mut g = st.lock();
        let s = g.session()?;
        s.remove_user(&args.username)?;
        revoke(s, app)
    })
    .await
}

/// Revocation on its own (after disabling a user, or to finish one that
/// was interrupted).
#[tauri::command]
pub async fn revoke_access(app: AppHandle) -> IpcResult<()> {
    blocking(app, |st, app| revoke(st.lock().session()?, app)).await
}

fn revoke(s: &mut chartvault_core::session::Session, app: &AppHandle) -> IpcResult<()> {
    rotate_keys(s, app, "revocation")
}

/// A rotation of the vault key, its progress reported as `task`.
pub(crate) fn rotate_keys(s: &mut chartvault_core::session::Session, app: &AppHandle, task: &str) -> IpcResult<()> {
    events::progress(app, task, "resealing the vault under a new key", 0, 0);
    let mut report = |p: RekeyProgress| {
        events::progress(app, task, "resealing the vault under a new key", p.pages_done, p.pages_total);
    };
    s.rotate_keys(Some(&mut report))?;
    events::progress(app, task, "done", 1, 1);
    Ok(())
}

/// A new first password for a user.
#[tauri::command]
pub async fn reset_password(app: AppHandle, args: UserPasswordArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.reset_password(&args.username, &secret(args.password))?)).await
}

/// Clears a user's authenticator (they enrol again at next login).
#[tauri::command]
pub async fn reset_totp(app: AppHandle, args: UserArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.reset_totp(&args.username)?)).await
}

/// Lifts a lockout.
#[tauri::command]
pub async fn lift_lockout(app: AppHandle, args: UserArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.lift_lockout(&args.username)?)).await
}

/// Changes a user's role.
#[tauri::command]
pub async fn set_role(app: AppHandle, args: RoleArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let role = Role::parse(&args.role)?;
        Ok(st.lock().session()?.set_role(&args.username, role)?)
    })
    .await
}

/// A user's role and every permission with where it comes from.
#[tauri::command]
pub async fn user_access(app: AppHandle, args: UserArgs) -> IpcResult<UserAccessView> {
    blocking(app, move |st, _| {
        let a = st.lock().session()?.user_access(&args.username)?;
        let permissions = Permission::ALL
            .iter()
            .map(|&p| PermissionRow {
                name: p.name().to_owned(),
                description: p.description().to_owned(),
                from_role: chartvault_core::access::role_allows(a.role, p),
                effect: a.overrides.iter().find(|o| o.permission == p).map(|o| o.effect.as_str().to_owned()),
                effective: a.effective.contains(p),
            })
            .collect();
        Ok(UserAccessView { username: args.username, role: a.role.as_str().to_owned(), permissions })
    })
    .await
}

/// Grants or denies one permission beyond the role, or clears it.
#[tauri::command]
pub async fn set_override(app: AppHandle, args: OverrideArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let permission = Permission::parse(&args.permission)?;
        let effect = args.effect.as_deref().map(Effect::parse).transpose()?;
        Ok(st.lock().session()?.set_override(&args.username, permission, effect)?)
    })
    .await
}

/// Emergency-access grants awaiting review.
#[tauri::command]
pub async fn emergency_reviews(app: AppHandle) -> IpcResult<Vec<EmergencyRow>> {
    blocking(app, |st, _| {
        let mut g = st.lock();
        let s = g.session()?;
        let grants = s.emergency_review_list()?;
        let names = s.list_users()?;
        Ok(grants
            .into_iter()
            .map(|gr| EmergencyRow {
                id: gr.id,
                username: names
                    .iter()
                    .find(|u| u.id == gr.user_id)
                    .map_or_else(|| format!("user {}", gr.user_id), |u| u.username.to_string()),
                patient_id: gr.patient_id,
                permission: gr.permission.name().to_owned(),
                reason: gr.reason,
                started_at: gr.started_at.to_rfc3339(),
                expires_at: gr.expires_at.to_rfc3339(),
            })
            .collect())
    })
    .await
}

/// Marks an emergency-access grant reviewed.
#[tauri::command]
pub async fn review_emergency(app: AppHandle, args: ReviewArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let note = args.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        Ok(st.lock().session()?.review_emergency(args.id, note)?)
    })
    .await
}
