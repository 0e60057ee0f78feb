//! The Chartvault desktop app: a Tauri 2 shell over `chartvault-core`.
//!
//! Thin by design: commands (in `commands/`) take the state, call one core
//! function and map its error to the one IPC error. Core checks the
//! session and the permission of every action; key material stays inside
//! core's session and never crosses IPC.

pub mod bindings;
mod commands;
mod error;
mod events;
mod files;
mod idle;
pub mod ipc;
pub mod ipc_backup;
pub mod ipc_chart;
pub mod ipc_records;
pub mod paths;
mod scheduler;
mod state;
mod window;

use std::sync::Arc;

use chartvault_core::audit::Workstation;
use chartvault_core::clock::SystemClock;
use chartvault_core::session::Env;
use chartvault_seal::OpenOptions;
use tauri::Manager;

/// Starts the app.
pub fn run() {
    let paths = match paths::Paths::for_this_user() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    if let Err(e) = std::fs::create_dir_all(&paths.data_dir) {
        fail(&format!("cannot create {}: {e}", paths.data_dir.display()));
    }
    // The app still runs when its log cannot be written (a full disk).
    if let Err(e) = chartvault_core::logs::init(&paths.data_dir, "desktop") {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("chartvault: no log this time: {e}");
        }
    }
    let workstation = match Workstation::current(&paths.data_dir) {
        Ok(w) => w,
        Err(e) => fail(&e.to_string()),
    };
    let env = Env {
        clock: Arc::new(SystemClock),
        workstation,
        open: OpenOptions::default(),
        state_dir: Some(paths.data_dir.clone()),
    };
    let built = tauri::Builder::default()
        // A second start brings this window forward instead of opening the
        // vault twice.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        // Used from Rust only ("Copy diagnostics"); the page is granted none
        // of its commands.
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(state::AppState::new(paths, env))
        .invoke_handler(bindings::handler())
        .setup(|app| {
            idle::start(app.handle().clone());
            scheduler::start(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!());
    match built {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                tracing::info!("app closing");
                // Sign out so the vault is closed and its keys dropped.
                let state = app.state::<state::AppState>();
                let mut g = state.lock();
                if let state::Stage::In(s) = std::mem::take(&mut g.stage) {
                    let _ = s.logout();
                }
            }
        }),
        Err(e) => fail(&format!("the window could not be opened: {e}")),
    }
}

fn fail(why: &str) -> ! {
    tracing::error!("the app could not start");
    #[allow(clippy::print_stderr)]
    {
        eprintln!("chartvault: {why}");
    }
    std::process::exit(1)
}
