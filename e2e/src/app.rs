//! The app under test: its home folder, its tauri-driver and the WebDriver
//! session on its window.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::driver::{APP_EXIT_TIMEOUT, Driver};
use crate::home::AppHome;
use crate::http;

/// The built app, named by scripts/e2e.sh.
const APP_VAR: &str = "CHARTVAULT_E2E_APP";
/// How long the app gets to start and show its window.
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

/// A running app with a WebDriver session on its window.
///
/// End a test with [`App::close`]; when a test panics instead, `Drop` ends
/// the session and stops tauri-driver all the same.
#[derive(Debug)]
pub struct App {
    // Field order is drop order: the session ends (in `Drop::drop`), then
    // the driver stops, then the home folder goes.
    client: Option<Client>,
    session_id: Option<String>,
    driver: Option<Driver>,
    home: AppHome,
    binary: PathBuf,
}

impl App {
    /// Starts the app on a fresh home folder (so a fresh vault).
    ///
    /// `None` when `CHARTVAULT_E2E_APP` is not set: the test should return
    /// early (it is skipped). With `CI` set that is a failure instead.
    pub async fn launch() -> Option<App> {
        let binary = app_binary()?;
        Some(App::start(binary, AppHome::new()).await)
    }

    /// Starts the program at `binary` (an installed copy, say) on a fresh
    /// home folder.
    pub async fn launch_binary(binary: PathBuf) -> App {
        App::start(binary, AppHome::new()).await
    }

    /// Starts the app on `home`, a folder an earlier app may have used.
    pub async fn launch_in(home: AppHome) -> Option<App> {
        let binary = app_binary()?;
        Some(App::start(binary, home).await)
    }

    async fn start(binary: PathBuf, home: AppHome) -> App {
        let driver = Driver::start(&home);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": binary }));
        let url = driver.url();
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let connected = tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&url)).await;
        let client = match connected {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                panic!("no WebDriver session on {} (did the app start?): {e}\n{}", binary.display(), driver.log_tail())
            }
            Err(_) => {
                panic!("no WebDriver session on {} within {SESSION_TIMEOUT:?}\n{}", binary.display(), driver.log_tail())
            }
        };
        let session_id = client.session_id().await.ok().flatten();
        // Async scripts (axe) may take a while on a slow machine; implicit
        // waits stay off (the helpers poll for themselves).
        if let Err(e) = client.update_timeouts(script_timeout(Duration::from_secs(120))).await {
            eprintln!("e2e: could not set the script timeout: {e}");
        }
        App { client: Some(client), session_id, driver: Some(driver), home, binary }
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open until close")
    }

    /// The app's home folder (its vault is under it).
    pub fn home(&self) -> &AppHome {
        &self.home
    }

    /// The end of tauri-driver's, WebKitWebDriver's and the app's output.
    /// Starts the app's binary a second time, directly (as a double-click
    /// would), with the same environment as the running one.
    pub fn start_again(&self) -> std::process::Child {
        std::process::Command::new(&self.binary)
            .envs(self.home.env())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} again: {e}", self.binary.display()))
    }

    /// The app's processes (the app and the WebKit processes it started).
    pub fn processes(&self) -> Vec<(u32, String)> {
        self.driver.as_ref().map(crate::driver::Driver::app_processes).unwrap_or_default()
    }

    pub fn log_tail(&self) -> String {
        self.driver.as_ref().map(Driver::log_tail).unwrap_or_default()
    }

    /// Ends the session (WebKitWebDriver then ends the app), waits for the
    /// app to be gone and stops tauri-driver.
    pub async fn close(mut self) {
        self.end().await;
    }

    /// Ends the app like [`App::close`] and hands back its home folder
    /// (the vault), for checks made after the app let go of it.
    pub async fn close_keeping_home(mut self) -> AppHome {
        self.end().await;
        self.home.take()
    }

    /// Ends the app and starts it again on the same home folder (the same
    /// vault). WebKitWebDriver ends the app when its session closes, which
    /// may be abrupt: this is coming back after the app went away, not
    /// necessarily after a clean quit.
    pub async fn restart(mut self) -> App {
        self.end().await;
        let home = self.home.take();
        let binary = self.binary.clone();
        drop(self);
        App::start(binary, home).await
    }

    async fn end(&mut self) {
        if let Some(client) = self.client.take() {
            if let Err(e) = client.close().await {
                eprintln!("e2e: closing the WebDriver session: {e}");
            }
            self.session_id = None;
            self.wait_app_gone();
        }
        // SIGTERM to tauri-driver, after the session is closed.
        self.driver.take();
        self.home.assert_logs_hold_nothing_typed();
    }

    /// WebKitWebDriver ends the app a moment after its session is closed;
    /// stopping tauri-driver sooner would leave it running (holding the
    /// vault's lock, for one).
    fn wait_app_gone(&self) {
        if let Some(driver) = &self.driver
            && !driver.wait_app_gone(APP_EXIT_TIMEOUT)
        {
            eprintln!("e2e: the app was still running {APP_EXIT_TIMEOUT:?} after its session was closed");
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A test that panicked (or did not call `close`): end the session
        // without the async runtime (it may be the one unwinding), so
        // WebKitWebDriver ends the app.
        if let (Some(client), Some(driver)) = (self.client.take(), self.driver.as_ref()) {
            if let Some(id) = self.session_id.take() {
                let _ = http::request(driver.port, "DELETE", &format!("/session/{id}"), Duration::from_secs(10));
            }
            self.wait_app_gone();
            drop(client);
        }
        self.driver.take();
    }
}

/// The app binary named by `CHARTVAULT_E2E_APP`; `None` (skip) or a panic
/// (on CI) when it is not set; a panic without a display.
fn app_binary() -> Option<PathBuf> {
    let Some(path) = std::env::var_os(APP_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!("{APP_VAR} is not set, and CI is: the end-to-end tests must run here (use scripts/e2e.sh)");
        }
        eprintln!("skipped: set {APP_VAR} (scripts/e2e.sh does)");
        return None;
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        panic!(
            "{APP_VAR}={} is not a file: build it with `cargo build --release -p chartvault-desktop`",
            path.display()
        );
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        panic!("no display: run the end-to-end tests under `xvfb-run -a` (scripts/e2e.sh does)");
    }
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// Timeouts with only the script timeout set.
fn script_timeout(script: Duration) -> TimeoutConfiguration {
    TimeoutConfiguration::new(Some(script), None, None)
}

/// The JSON a WebDriver element reference is (for scripts that return one).
pub(crate) fn element_id(value: &Value) -> Option<String> {
    value.get("element-6066-11e4-a52e-4f735466cecf").and_then(Value::as_str).map(str::to_owned)
}
