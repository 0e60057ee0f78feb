//! Where the workspace is, and the harness's output folders in it.

use std::path::PathBuf;

/// The workspace root (the folder above this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where screenshots go: `<workspace>/target/e2e-screens`.
pub(crate) fn screens_dir() -> PathBuf {
    workspace_root().join("target").join("e2e-screens")
}

/// axe-core, as the UI's dev dependencies install it.
pub(crate) fn axe_script() -> PathBuf {
    workspace_root().join("ui/node_modules/axe-core/axe.min.js")
}
