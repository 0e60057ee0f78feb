//! The idle lock. Core decides (the policy's timeout against the last
//! activity the page reported); this timer asks it every few seconds and
//! tells the page when it locked. A login left waiting for its code is
//! dropped after a while (core audits it as a failure).

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};

use crate::events;
use crate::state::{AppState, Stage};

/// How often the timer asks.
const TICK: Duration = Duration::from_secs(2);
/// How long a code prompt stays open.
const PENDING_FOR: Duration = Duration::from_secs(300);

/// Starts the timer thread.
pub fn start(app: AppHandle) {
    std::thread::Builder::new()
        .name("idle-lock".into())
        .spawn(move || {
            loop {
                std::thread::sleep(TICK);
                if tick(&app) {
                    let _ = app.emit(events::LOCKED, ());
                }
            }
        })
        .expect("the idle-lock thread starts");
}

/// One check; whether the session was locked just now.
fn tick(app: &AppHandle) -> bool {
    let state = app.state::<AppState>();
    // A backup being copied counts as activity: locking would stop it.
    if state.backup_running.load(std::sync::atomic::Ordering::Acquire) {
        return false;
    }
    // Long work (a revocation) holds the state; it counts as activity.
    let Some(mut g) = state.try_lock() else { return false };
    match &mut g.stage {
        Stage::In(s) if !s.is_locked() => {
            let locked = s.lock_if_idle().unwrap_or_else(|_| {
                // A lock that failed to audit still closed the vault if it could.
                s.is_locked()
            });
            if locked {
                let status = g.status(&state.paths);
                crate::window::title(app, &status);
            }
            locked
        }
        Stage::Pending(_, since) if since.elapsed() > PENDING_FOR => {
            g.stage = Stage::Out;
            let _ = app.emit(events::LOCKED, ());
            false
        }
        _ => false,
    }
}
