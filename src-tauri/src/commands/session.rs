//! First run, login, lock and unlock.

use std::time::Instant;

use chartvault_core::auth::{password_policy, totp};
use chartvault_core::init::{self, FirstAdmin};
use chartvault_core::session::{self, Credentials, LoginError};
use chartvault_seal::CreateOptions;
use secrecy::ExposeSecret;
use tauri::AppHandle;

use super::secret;
use crate::error::IpcResult;
use crate::ipc::{
    CodeArgs, IpcError, LoginArgs, PasswordRateArgs, PasswordRating, RecoverArgs, SetupArgs, SetupDone, Shown, Status,
    UnlockArgs,
};
use crate::paths;
use crate::state::{Stage, blocking};
use crate::window;

/// The status after a change, with the window title kept in step.
fn shown(g: &mut crate::state::Inner, st: &crate::state::AppState, app: &AppHandle) -> Status {
    let status = g.status(&st.paths);
    window::title(app, &status);
    status
}

/// Where the app stands.
#[tauri::command]
pub async fn status(app: AppHandle) -> IpcResult<Status> {
    blocking(app, |st, app| Ok(shown(&mut st.lock(), st, app))).await
}

/// Rates a password as it is typed (strength meter and the policy's reason).
#[tauri::command]
pub async fn rate_password(app: AppHandle, args: PasswordRateArgs) -> IpcResult<PasswordRating> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        let clinic = match g.session() {
            Ok(s) if !s.is_locked() => s.clinic_name().unwrap_or_default(),
            _ => args.clinic.clone(),
        };
        let ctx =
            password_policy::Context { username: &args.username, display_name: &args.display_name, clinic: &clinic };
        let pw = secret(args.password);
        let strength = password_policy::strength(pw.expose_secret(), &ctx);
        let refusal = password_policy::check(pw.expose_secret(), &ctx).err().map(|r| r.to_string());
        Ok(PasswordRating {
            score: strength.score,
            acceptable: refusal.is_none(),
            refusal,
            feedback: strength.feedback,
        })
    })
    .await
}

/// The first-run wizard: makes the vault and its first administrator, who
/// is then signed in. The recovery code and authenticator secret are shown
/// once.
#[tauri::command]
pub async fn setup(app: AppHandle, args: SetupArgs) -> IpcResult<SetupDone> {
    blocking(app, move |st, _| {
        let mut g = st.lock();
        // Only the first run makes a vault: someone at the login screen of
        // a working vault may not set up another one and point the app at it.
        if !matches!(g.stage, Stage::Out) || paths::holds_vault(&g.dir) {
            return Err(IpcError::new(
                crate::ipc::ErrorCode::Conflict,
                format!("This computer's Chartvault already has a vault ({}); sign in to it.", g.dir.display()),
            ));
        }
        let dir = paths::chosen_folder(&args.location, &st.paths.default_vault()).map_err(IpcError::invalid)?;
        if paths::holds_vault(&dir) {
            return Err(IpcError::new(
                crate::ipc::ErrorCode::Conflict,
                format!("{} already holds a vault: sign in to it, or choose another folder.", dir.display()),
            ));
        }
        let password = secret(args.password);
        let admin = FirstAdmin { username: &args.username, display_name: &args.display_name, password: &password };
        let done = init::init(&dir, &args.clinic, &admin, &st.env, &CreateOptions::default())?;
        st.paths.remember(&dir).map_err(|e| {
            IpcError::new(
                crate::ipc::ErrorCode::Io,
                format!("The vault was made in {}, but that folder could not be remembered: {e}", dir.display()),
            )
        })?;
        let qr_svg = totp::qr_svg(&done.otpauth_uri)?;
        let out = SetupDone {
            recovery_code: Shown { text: done.recovery_code.expose_secret().to_owned() },
            totp_secret: Shown { text: totp::base32(&done.totp_secret).to_string() },
            otpauth_uri: Shown { text: done.otpauth_uri.to_string() },
            qr_svg,
        };
        g.dir = dir;
        g.stage = Stage::In(Box::new(done.session));
        Ok(out)
    })
    .await
}

/// Checks a code from the administrator's authenticator in the wizard.
#[tauri::command]
pub async fn check_own_code(app: AppHandle, args: CodeArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.check_own_code(&args.code)?)).await
}

/// Name and password. Returns the new status: active, or waiting for the code.
#[tauri::command]
pub async fn login(app: AppHandle, args: LoginArgs) -> IpcResult<Status> {
    blocking(app, move |st, app| {
        let mut g = st.lock();
        if matches!(g.stage, Stage::In(_)) {
            return Err(IpcError::new(crate::ipc::ErrorCode::Conflict, "Someone is signed in: sign out first."));
        }
        // A code prompt left open is given up (core audits it as a failure).
        g.stage = Stage::Out;
        let password = secret(args.password);
        let creds = Credentials { username: &args.username, password: &password, code: None };
        match session::login(&g.dir.clone(), &creds, &st.env) {
            Ok(s) => g.stage = Stage::In(Box::new(s)),
            Err(LoginError::CodeNeeded(p)) => g.stage = Stage::Pending(p, Instant::now()),
            Err(e) => return Err(e.into()),
        }
        Ok(shown(&mut g, st, app))
    })
    .await
}

/// The authenticator code (or a TOTP recovery code) after the password.
#[tauri::command]
pub async fn login_code(app: AppHandle, args: CodeArgs) -> IpcResult<Status> {
    blocking(app, move |st, app| {
        let mut g = st.lock();
        let Stage::Pending(pending, _) = std::mem::take(&mut g.stage) else {
            return Err(IpcError::signed_out());
        };
        let s = pending.finish(&args.code)?;
        g.stage = Stage::In(Box::new(s));
        Ok(shown(&mut g, st, app))
    })
    .await
}

/// Back to the login screen from the code prompt (counted as a failure by
/// core: a right password without its code).
#[tauri::command]
pub async fn cancel_login(app: AppHandle) -> IpcResult<Status> {
    blocking(app, |st, _| {
        let mut g = st.lock();
        if matches!(g.stage, Stage::Pending(..)) {
            g.stage = Stage::Out;
        }
        Ok(g.status(&st.paths))
    })
    .await
}

/// Opens the vault with its recovery code to give an administrator a new
/// password; they then sign in with it.
#[tauri::command]
pub async fn recover(app: AppHandle, args: RecoverArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let g = st.lock();
        if !matches!(g.stage, Stage::Out) {
            return Err(IpcError::new(crate::ipc::ErrorCode::Conflict, "Sign out first."));
        }
        let code = secret(args.recovery_code);
        let new = secret(args.new_password);
        let authenticator =
            if args.lost_authenticator { init::Authenticator::Clear } else { init::Authenticator::Keep };
        init::recover_admin(&g.dir, &code, &args.username, &new, authenticator, &st.env).map_err(|e| match e {
            chartvault_core::CoreError::Seal(chartvault_seal::SealError::WrongPassword) => {
                IpcError::new(crate::ipc::ErrorCode::LoginFailed, "That recovery code does not open this vault.")
            }
            e => e.into(),
        })
    })
    .await
}

/// Locks now: core closes the vault and drops every key.
#[tauri::command]
pub async fn lock(app: AppHandle) -> IpcResult<Status> {
    blocking(app, |st, app| {
        let mut g = st.lock();
        g.session()?.lock()?;
        Ok(shown(&mut g, st, app))
    })
    .await
}

/// Unlocks with the password (and code when enrolled).
#[tauri::command]
pub async fn unlock(app: AppHandle, args: UnlockArgs) -> IpcResult<Status> {
    blocking(app, move |st, app| {
        let mut g = st.lock();
        let password = secret(args.password);
        let result = g.session()?.unlock(&password, args.code.as_deref().filter(|c| !c.trim().is_empty()));
        match result {
            Ok(()) => {}
            Err(LoginError::CodeNeeded(_)) => {
                return Err(IpcError::new(crate::ipc::ErrorCode::WrongCode, "Type the code your authenticator shows."));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(shown(&mut g, st, app))
    })
    .await
}

/// Signs out.
#[tauri::command]
pub async fn logout(app: AppHandle) -> IpcResult<Status> {
    blocking(app, |st, app| {
        let mut g = st.lock();
        let result = match std::mem::take(&mut g.stage) {
            Stage::In(s) => s.logout(),
            _ => Ok(()),
        };
        g.me = None;
        let status = shown(&mut g, st, app);
        result?;
        Ok(status)
    })
    .await
}

/// Activity at the keyboard: the idle lock counts from now.
#[tauri::command]
pub async fn activity(app: AppHandle) -> IpcResult<()> {
    blocking(app, |st, _| {
        let Some(mut g) = st.try_lock() else { return Ok(()) };
        if let Stage::In(s) = &mut g.stage
            && !s.is_locked()
        {
            s.touch()?;
        }
        Ok(())
    })
    .await
}

/// The password again, before a sensitive action (valid for five minutes).
#[tauri::command]
pub async fn reauthenticate(app: AppHandle, args: UnlockArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.reauthenticate(&secret(args.password))?)).await
}
