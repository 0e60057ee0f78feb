//! One `tauri-driver` per app: started on free ports with the app's
//! environment (WebKitWebDriver launches the app, and both inherit it),
//! stopped with SIGTERM — on which it kills WebKitWebDriver and exits.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process, kill_process_group};

use crate::home::AppHome;
use crate::http;

/// How long tauri-driver and WebKitWebDriver get to start listening.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the app gets to exit after its session is closed.
pub(crate) const APP_EXIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long tauri-driver gets to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running tauri-driver.
#[derive(Debug)]
pub(crate) struct Driver {
    child: Child,
    /// The port tests connect to.
    pub(crate) port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts tauri-driver with `home`'s environment and waits until it
    /// answers `/status`.
    pub(crate) fn start(home: &AppHome) -> Driver {
        let tauri_driver = find_tauri_driver();
        let native = find_webkit_webdriver();
        let port = free_port();
        let mut native_port = free_port();
        while native_port == port {
            native_port = free_port();
        }
        let log = home.driver_log();
        let out = File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().unwrap_or_else(|e| panic!("cannot share {}: {e}", log.display()));
        let mut command = Command::new(&tauri_driver);
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(&native)
            .envs(home.env())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        // Its own process group, so whatever it leaves behind (an app whose
        // session was never closed) can be found and stopped.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", tauri_driver.display()));
        let mut driver = Driver { child, port, log };
        driver.wait_ready();
        driver
    }

    /// Polls `/status` until the driver (and the WebKitWebDriver behind it)
    /// answers.
    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().ok().flatten() {
                panic!("tauri-driver exited at start ({status})\n{}", self.log_tail());
            }
            match http::request(self.port, "GET", "/status", Duration::from_secs(2)) {
                Ok((200, _)) => return,
                Ok(_) | Err(_) if start.elapsed() < READY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Ok((status, body)) => {
                    panic!("tauri-driver answered /status with {status}: {body}\n{}", self.log_tail())
                }
                Err(e) => panic!(
                    "tauri-driver did not answer on port {} within {READY_TIMEOUT:?}: {e}\n{}",
                    self.port,
                    self.log_tail()
                ),
            }
        }
    }

    /// The WebDriver URL to connect to.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The end of the driver's (and the app's) output, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        format!("--- {} (last 40 lines) ---\n{tail}\n---", self.log.display())
    }

    /// The app and its WebKit processes, as (pid, name): everything in the
    /// group but tauri-driver and WebKitWebDriver.
    pub(crate) fn app_processes(&self) -> Vec<(u32, String)> {
        live_members(self.child.id())
            .into_iter()
            .filter(|(pid, name)| *pid != self.child.id() && name != "WebKitWebDriver")
            .collect()
    }

    /// Waits up to `timeout` for the app (and its WebKit processes) to exit
    /// once its session is closed: everything in the group but tauri-driver
    /// and WebKitWebDriver. Whether they did.
    pub(crate) fn wait_app_gone(&self, timeout: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.app_processes().is_empty() {
                return true;
            }
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then wait for it to exit; then stop anything left in its
    /// process group.
    fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let pid = Pid::from_child(&self.child);
            let _ = kill_process(pid, Signal::TERM);
            let start = Instant::now();
            while self.child.try_wait().ok().flatten().is_none() {
                if start.elapsed() > STOP_TIMEOUT {
                    eprintln!("e2e: tauri-driver ignored SIGTERM for {STOP_TIMEOUT:?}; killing it");
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // The group's id is tauri-driver's pid.
        let group = self.child.id();
        let left = live_members(group);
        if !left.is_empty() {
            eprintln!("e2e: stopping what tauri-driver left running (an app whose session was not closed?): {left:?}");
            if let Some(pgid) = i32::try_from(group).ok().and_then(Pid::from_raw) {
                let _ = kill_process_group(pgid, Signal::TERM);
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// tauri-driver from PATH, else from `~/.cargo/bin`.
fn find_tauri_driver() -> PathBuf {
    if let Some(p) = on_path("tauri-driver") {
        return p;
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(p) = cargo_home.map(|c| c.join("bin/tauri-driver")).filter(|p| p.is_file()) {
        return p;
    }
    panic!(
        "tauri-driver not found on PATH or in ~/.cargo/bin: install it with `cargo install tauri-driver --locked --version ^2` (scripts/e2e.sh does)"
    )
}

/// WebKitWebDriver from PATH, else where Debian's webkit2gtk-driver puts it.
fn find_webkit_webdriver() -> PathBuf {
    if let Some(p) = on_path("WebKitWebDriver") {
        return p;
    }
    let usual = Path::new("/usr/bin/WebKitWebDriver");
    if usual.is_file() {
        return usual.to_owned();
    }
    panic!("WebKitWebDriver not found: install it with `sudo apt-get install webkit2gtk-driver` (.ci/run does)")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The processes of process group `group` that are still running (not
/// zombies), as (pid, name), from `/proc`.
fn live_members(group: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_owned();
            let mut fields = rest.split_whitespace();
            let state = fields.next()?;
            let pgrp: u32 = fields.nth(1)?.parse().ok()?;
            (pgrp == group && state != "Z" && state != "X").then_some((pid, name))
        })
        .collect()
}

/// A port nobody listens on now (the OS picks it).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}
