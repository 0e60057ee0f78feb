//! My account (password, authenticator, recovery codes) and the clinic's
//! settings (policy, rekey).

use chartvault_core::auth::totp;
use chartvault_seal::RekeyProgress;
use tauri::AppHandle;

use super::secret;
use crate::error::IpcResult;
use crate::events;
use crate::ipc::{ChangePasswordArgs, CodeArgs, PolicyArgs, PolicyEntry, Shown, TotpEnrolment};
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
