//! The window title follows the phase: the clinic when signed in, and
//! "Locked" on the lock screen, so a glance at the task bar tells.

use tauri::{AppHandle, Manager};

use crate::ipc::{Phase, Status};

/// Sets the main window's title for `status`.
pub fn title(app: &AppHandle, status: &Status) {
    let clinic = status.me.as_ref().map(|m| m.clinic.as_str());
    let title = match (status.phase, clinic) {
        (Phase::Active, Some(c)) => format!("{c} — Chartvault"),
        (Phase::Locked, _) => "Locked — Chartvault".to_owned(),
        (Phase::Setup, _) => "Set up — Chartvault".to_owned(),
        _ => "Chartvault".to_owned(),
    };
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&title);
    }
}
