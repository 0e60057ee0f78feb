//! What the shell holds: the vault's folder and who is signed in. One
//! mutex guards it; commands take it on a blocking thread, call core, and
//! let it go. Key material lives only inside core's `Session`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use chartvault_core::access::Role;
use chartvault_core::session::{Env, PendingLogin, Session};
use tauri::{AppHandle, Manager};

use crate::error::IpcResult;
use crate::ipc::{ErrorCode, IpcError, Me, Phase, Status};
use crate::paths::{self, Paths};

/// Who is at the keyboard.
#[derive(Debug, Default)]
pub enum Stage {
    /// Nobody signed in.
    #[default]
    Out,
    /// Password right, code awaited (since when).
    Pending(Box<PendingLogin>, Instant),
    /// Signed in (perhaps locked).
    In(Box<Session>),
}

/// The guarded part of the state.
#[derive(Debug)]
pub struct Inner {
    /// The vault's folder.
    pub dir: PathBuf,
    /// Who is signed in.
    pub stage: Stage,
    /// The signed-in user as last seen unlocked (the lock screen shows it
    /// while the vault is closed).
    pub me: Option<Me>,
    /// The phase last reported, so the log records each change once.
    logged_phase: Option<Phase>,
}

/// The app's state, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    /// Folders.
    pub paths: Paths,
    /// What core runs with.
    pub env: Env,
    /// Set by `cancel_task`; long work that may stop checks it.
    pub cancel: Arc<AtomicBool>,
    /// A backup is being made (the copy runs without the lock).
    pub backup_running: AtomicBool,
    inner: Mutex<Inner>,
}

impl AppState {
    /// The state for `paths`.
    pub fn new(paths: Paths, env: Env) -> AppState {
        let dir = paths.vault_dir();
        AppState {
            paths,
            env,
            cancel: Arc::default(),
            backup_running: AtomicBool::new(false),
            inner: Mutex::new(Inner { dir, stage: Stage::Out, me: None, logged_phase: None }),
        }
    }

    /// The guarded state. A panic while it was held leaves it usable: every
    /// change to it is a whole assignment.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The same, if free now (for the idle timer, which must not wait
    /// behind long work).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, Inner>> {
        match self.inner.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

impl Inner {
    /// The signed-in session, or the error the page routes on.
    pub fn session(&mut self) -> IpcResult<&mut Session> {
        match &mut self.stage {
            Stage::In(s) => Ok(s),
            _ => Err(IpcError::signed_out()),
        }
    }

    /// What the page shows now.
    pub fn status(&mut self, paths: &Paths) -> Status {
        if let Stage::In(s) = &mut self.stage
            && !s.is_locked()
        {
            match me_of(s) {
                Ok(me) => self.me = Some(me),
                Err(_) => self.me = None,
            }
        }
        let phase = match &self.stage {
            Stage::Out if !paths::holds_vault(&self.dir) => Phase::Setup,
            Stage::Out => Phase::SignedOut,
            Stage::Pending(..) => Phase::CodeNeeded,
            Stage::In(s) if s.is_locked() => Phase::Locked,
            Stage::In(_) => Phase::Active,
        };
        if self.logged_phase != Some(phase) {
            // The screen, never who is on it.
            tracing::info!(phase = ?phase, "screen");
            self.logged_phase = Some(phase);
        }
        let pending_user = match &self.stage {
            Stage::Pending(p, _) => p.username().map(str::to_owned),
            _ => None,
        };
        Status {
            phase,
            vault_dir: self.dir.display().to_string(),
            default_vault_dir: paths.default_vault().display().to_string(),
            me: if matches!(phase, Phase::Locked | Phase::Active) { self.me.clone() } else { None },
            pending_user,
        }
    }
}

fn me_of(s: &Session) -> chartvault_core::Result<Me> {
    let u = s.user();
    let role = s.role();
    Ok(Me {
        username: u.username.to_string(),
        display_name: u.display_name.clone(),
        role: role.as_str().to_owned(),
        role_label: role.label().to_owned(),
        clinic: s.clinic_name()?,
        must_change_password: u.must_change_password,
        totp_enrolled: u.totp_enrolled,
        totp_required: s.policy().totp_required(role) || role == Role::Administrator,
        permissions: s.own_permissions()?.iter().map(|p| p.name().to_owned()).collect(),
        idle_timeout_minutes: s.policy().idle_timeout.num_minutes(),
        rollback_warning: s.rollback_warning().map(|w| w.message()),
    })
}

/// Runs `f` with the state on a blocking thread (core's work includes
/// Argon2id and resealing the vault: never on the UI's thread).
pub async fn blocking<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&AppState, &AppHandle) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        f(&state, &app)
    })
    .await
    .map_err(|_| IpcError::new(ErrorCode::Internal, "The operation stopped unexpectedly. Nothing more was changed."))?
}
