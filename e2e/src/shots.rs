//! Screenshots of the app's window, for looking at what a test saw.

use std::path::PathBuf;

use crate::app::App;
use crate::workspace::screens_dir;

/// Resolves once the page has painted what its DOM holds now: two animation
/// frames (a capture right after a change otherwise shows the frame before
/// it, e.g. an empty window just after the first render), or after a second
/// if frames are not running.
const AFTER_PAINT: &str = r#"
const done = arguments[arguments.length - 1];
let finished = false;
const finish = (painted) => { if (!finished) { finished = true; done(painted); } };
requestAnimationFrame(() => requestAnimationFrame(() => finish(true)));
setTimeout(() => finish(false), 1000);
"#;

impl App {
    /// Saves the window as `<workspace>/target/e2e-screens/NAME.png` and
    /// returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        if let Err(e) = self.client().execute_async(AFTER_PAINT, vec![]).await {
            eprintln!("e2e: waiting for the page to paint before {name}.png: {e}");
        }
        let png = match self.client().screenshot().await {
            Ok(png) => png,
            Err(e) => panic!("cannot take the screenshot {name}: {e}\n{}", self.describe_page().await),
        };
        let dir = screens_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}
