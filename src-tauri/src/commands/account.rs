//! My account (password, authenticator, recovery codes) and the clinic's
//! settings (policy, rekey, the vault's recovery code).

use chartvault_core::auth::totp;
use chartvault_seal::RekeyProgress;
use tauri::AppHandle;

use super::secret;
use crate::error::IpcResult;
use crate::events;
use crate::ipc::{ChangePasswordArgs, CodeArgs, NewRecoveryCode, PolicyArgs, PolicyEntry, Shown, TotpEnrolment};
use crate::state::blocking;

/// Changes one's own password (also the forced change after a reset).
#[tauri::command]
pub async fn change_password(app: AppHandle, args: ChangePasswordArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        let (old, new) = (secret(args.old_password), secret(args.new_password));
        Ok(st.lock().session()?.change_own_password(&old, &new)?)
    })
    .await
}

/// Starts (or replaces) one's authenticator: the secret and its QR code.
#[tauri::command]
pub async fn begin_totp(app: AppHandle) -> IpcResult<TotpEnrolment> {
    blocking(app, |st, _| {
        let (secret, uri) = st.lock().session()?.begin_totp_enrolment()?;
        Ok(TotpEnrolment {
            secret: Shown { text: totp::base32(&secret).to_string() },
            qr_svg: totp::qr_svg(&uri)?,
            otpauth_uri: Shown { text: uri.to_string() },
        })
    })
    .await
}

/// Confirms enrolment with a code from the new authenticator.
#[tauri::command]
pub async fn confirm_totp(app: AppHandle, args: CodeArgs) -> IpcResult<()> {
    blocking(app, move |st, _| Ok(st.lock().session()?.confirm_totp_enrolment(&args.code)?)).await
}

/// New one-time recovery codes for a lost authenticator (the old ones stop
/// working).
#[tauri::command]
pub async fn recovery_codes(app: AppHandle) -> IpcResult<Vec<Shown>> {
    blocking(app, |st, _| {
        let codes = st.lock().session()?.issue_totp_recovery_codes()?;
        Ok(codes.iter().map(|c| Shown { text: c.expose_secret().to_owned() }).collect())
    })
    .await
}

/// The clinic's policy settings.
#[tauri::command]
pub async fn policy(app: AppHandle) -> IpcResult<Vec<PolicyEntry>> {
    blocking(app, |st, _| {
        let entries = st.lock().session()?.show_policy()?;
        Ok(entries
            .into_iter()
            .map(|(key, value)| PolicyEntry {
                key: key.to_owned(),
                value,
                description: chartvault_core::policy::KEYS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or(String::new(), |(_, d)| (*d).to_owned()),
            })
            .collect())
    })
    .await
}

/// Changes one policy setting.
#[tauri::command]
pub async fn set_policy(app: AppHandle, args: PolicyArgs) -> IpcResult<()> {
    blocking(app, move |st, _| {
        st.lock().session()?.set_policy(&args.key, &args.value)?;
        Ok(())
    })
    .await
}

/// Reseals every page under a new data key (progress as `progress` events).
#[tauri::command]
pub async fn rekey(app: AppHandle) -> IpcResult<()> {
    blocking(app, |st, app| {
        let mut report = |p: RekeyProgress| {
            events::progress(app, "rekey", "resealing the vault", p.pages_done, p.pages_total);
        };
        st.lock().session()?.rekey(Some(&mut report))?;
        events::progress(app, "rekey", "done", 1, 1);
        Ok(())
    })
    .await
}

/// A new vault recovery code, then the vault key rotated (progress as
/// `progress` events), so the old code opens nothing written from now on,
/// not even with an old copy of the key-slot file. The code is replaced
/// first, so the new vault key is never sealed to the old code; if the
/// rotation then fails, the code is still returned, as it is the only one
/// that opens the vault.
#[tauri::command]
pub async fn replace_recovery_code(app: AppHandle) -> IpcResult<NewRecoveryCode> {
    blocking(app, |st, app| {
        let mut g = st.lock();
        let s = g.session()?;
        let code = s.replace_recovery_code()?;
        let code = Shown { text: code.expose_secret().to_owned() };
        let rotation_error = super::users::rotate_keys(s, app, "recovery_code").err().map(|e| e.message);
        Ok(NewRecoveryCode { code, rotation_error })
    })
    .await
}
