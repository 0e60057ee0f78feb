//! One Chartvault per user session: starting it again while it runs hands
//! over to the running window (tauri-plugin-single-instance, over the
//! session's D-Bus) and exits, leaving the first one as it was.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chartvault_e2e::{App, AppHome};

/// A private session bus for the test, stopped when dropped.
struct Bus {
    child: std::process::Child,
    address: String,
}

impl Bus {
    fn start() -> Option<Bus> {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
        Some(Bus { child, address: line.trim().to_owned() })
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_start_hands_over_to_the_running_app_and_exits() {
    let Some(bus) = Bus::start() else {
        assert!(std::env::var_os("CI").is_none(), "dbus-daemon is needed (apt-get install dbus)");
        eprintln!("skipped: no dbus-daemon");
        return;
    };
    let home = AppHome::new().with_env("DBUS_SESSION_BUS_ADDRESS", bus.address.clone());
    let Some(app) = App::launch_in(home).await else { return };
    app.wait_for(r#"[data-screen="wizard"]"#).await;
    app.fill("clinic", "Typed before the second start").await;

    let mut second = app.start_again();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("a second Chartvault kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second start exits cleanly: {status}");
    let kept = app.client().execute("return document.getElementById('clinic').value;", vec![]).await.unwrap();
    assert_eq!(kept.as_str(), Some("Typed before the second start"), "the first window is untouched");
    app.close().await;
}
