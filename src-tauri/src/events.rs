//! Events the shell sends the page: progress of long work, and the lock.

use tauri::{AppHandle, Emitter};

use crate::ipc::Progress;

/// The event carrying [`Progress`].
pub const PROGRESS: &str = "progress";
/// The event sent when the idle timer locks the session.
pub const LOCKED: &str = "locked";

/// Reports progress of `task` to the page (best effort: a page that is not
/// listening misses nothing it needs).
pub fn progress(app: &AppHandle, task: &str, stage: &str, done: u64, total: u64) {
    let _ = app.emit(PROGRESS, Progress { task: task.to_owned(), stage: stage.to_owned(), done, total });
}
