//! Help for whoever supports the clinic: the diagnostics report.

use chartvault_core::diagnostics::{Subject, Viewer, gather_for};
use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::error::IpcResult;
use crate::ipc::DiagnosticsCopy;
use crate::state::{Stage, blocking};

/// Gathers the diagnostics report and puts it on the clipboard: versions,
/// the vault folder's state, recent logs, and, while someone is signed in
/// and unlocked, the settings. It holds no personal data, so it is offered
/// before sign-in too: the person who cannot sign in needs it most. The
/// clipboard is written from here, so the page needs no clipboard
/// permission.
#[tauri::command]
pub async fn copy_diagnostics(app: AppHandle) -> IpcResult<DiagnosticsCopy> {
    blocking(app, |st, app| {
        // What the session may see, under the lock; the files (logs, the
        // key-slot file) are read after it is let go.
        let (viewer, vault_dir) = {
            let g = st.lock();
            let session = match &g.stage {
                Stage::In(s) if !s.is_locked() => Some(&**s),
                _ => None,
            };
            (Viewer::of(session), g.dir.clone())
        };
        let subject = Subject {
            program: "chartvault-desktop",
            version: env!("CARGO_PKG_VERSION"),
            vault_dir: &vault_dir,
            data_dir: &st.paths.data_dir,
        };
        let report = gather_for(&subject, &viewer).to_string();
        let copied = app.clipboard().write_text(report.clone()).is_ok();
        tracing::info!(copied, "diagnostics gathered");
        Ok(DiagnosticsCopy { report, copied })
    })
    .await
}
