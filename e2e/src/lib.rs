//! The end-to-end harness: the built desktop app in real WebKit, driven
//! through WebDriver.
//!
//! ```text
//! test ──fantoccini──▶ tauri-driver ──▶ WebKitWebDriver ──launches──▶ chartvault-desktop
//!                       (env: a fresh HOME and XDG folders, inherited by the app)
//! ```
//!
//! [`App::launch`] gives each test a fresh home folder (so a fresh vault),
//! its own `tauri-driver` on free ports, and a WebDriver session on the
//! app's window. The page helpers (`wait_for`, `click_button`, `fill`,
//! `text`, `screenshot`, `axe`) panic with what the screen showed, so a
//! failing test says what the user would have seen.
//!
//! Run it with `bash scripts/e2e.sh`: it builds the UI and the release app,
//! installs `tauri-driver` if missing, and runs these tests under
//! `xvfb-run`. Without `CHARTVAULT_E2E_APP` the tests skip (and fail when
//! `CI` is set), so `cargo test --workspace` stays usable on a machine
//! without a display.

mod app;
mod axe;
mod driver;
mod flow;
mod home;
mod http;
mod memory;
mod page;
mod shots;
mod totp;
mod vault;
mod workspace;

pub use app::App;
pub use axe::Violation;
pub use flow::{current_step, fresh_step};
pub use home::AppHome;
pub use memory::ProcessMemory;
pub use page::DEFAULT_WAIT;
pub use totp::{totp_code, totp_code_now};
pub use vault::{add_users, admin_session, make_vault};
pub use workspace::workspace_root;

/// Runs `future` to completion on a fresh multi-threaded runtime, for tests
/// that are plain `#[test]` functions.
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime starts").block_on(future)
}
