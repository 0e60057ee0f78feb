//! The backup schedule, run by the app while it is open: every half minute
//! it asks core whether a scheduled run is due (the policy's time, or one
//! catch-up after missed times) and, while someone is signed in and the
//! session unlocked (the keys are needed), makes it. A run is the policy's,
//! not the signed-in person's action; core audits it as scheduled.

use std::time::Duration;

use tauri::{AppHandle, Manager};

use crate::commands::backup::run_backup;
use crate::state::{AppState, Stage};

/// How often the schedule is checked.
const TICK: Duration = Duration::from_secs(30);

/// Starts the scheduler thread.
pub fn start(app: AppHandle) {
    std::thread::Builder::new()
        .name("backup-schedule".into())
        .spawn(move || {
            loop {
                std::thread::sleep(TICK);
                tick(&app);
            }
        })
        .expect("the backup scheduler thread starts");
}

/// One check; a due run is made on this thread.
fn tick(app: &AppHandle) {
    let state = app.state::<AppState>();
    if state.backup_running.load(std::sync::atomic::Ordering::Acquire) {
        return;
    }
    // Never wait behind other work: the next tick asks again.
    let due = {
        let Some(mut g) = state.try_lock() else { return };
        match &mut g.stage {
            Stage::In(s) if !s.is_locked() => s.scheduled_backup_due().ok().flatten(),
            _ => None,
        }
    };
    if let Some((folder, reason)) = due {
        // Its outcome is in the history and the status the page shows;
        // after a good one, the folder is pruned by the retention policy.
        if run_backup(&state, app, folder, reason, None).is_ok()
            && let Stage::In(s) = &mut state.lock().stage
        {
            let _ = s.prune_after_scheduled_backup();
        }
    }
}
