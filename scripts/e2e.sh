#!/usr/bin/env bash
# The end-to-end tests: the release desktop app in real WebKit, driven
# through tauri-driver and WebKitWebDriver under a virtual X display.
# Usage: bash scripts/e2e.sh [extra cargo test arguments, e.g. a test name]
# Needs (.ci/run installs them on Debian/Ubuntu): the WebKitGTK build
# dependencies, webkit2gtk-driver (WebKitWebDriver), xvfb (xvfb-run),
# Node.js and npm. Screenshots go to target/e2e-screens/.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "e2e: $*" >&2; exit 1; }
step() { echo "== $*"; }

command -v cargo >/dev/null 2>&1 || fail "cargo is required (install Rust with rustup)"
command -v npm >/dev/null 2>&1 || fail "npm is required (sudo apt-get install nodejs npm; .ci/run does)"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || fail "Node.js 20 or later is required for the UI build (found $(node --version 2>/dev/null || echo none))"
command -v xvfb-run >/dev/null 2>&1 || fail "xvfb-run is required (sudo apt-get install xvfb; .ci/run does)"
command -v WebKitWebDriver >/dev/null 2>&1 || [ -x /usr/bin/WebKitWebDriver ] \
  || fail "WebKitWebDriver is required (sudo apt-get install webkit2gtk-driver; .ci/run does)"

if [ "${SKIP_UI_BUILD:-}" != 1 ]; then
  step "UI: npm install && npm run build (ui/dist, embedded in the app)"
  (cd ui && npm install --no-audit --no-fund && npm run build) || fail "the UI build failed"
fi
[ -f ui/dist/index.html ] || fail "the UI build left no ui/dist/index.html"
[ -f ui/node_modules/axe-core/axe.min.js ] || fail "ui/node_modules/axe-core is missing (it is a dev dependency of ui/)"

step "app: cargo build --release -p chartvault-desktop"
cargo build --release --locked -p chartvault-desktop
app="$PWD/target/release/chartvault-desktop"
[ -x "$app" ] || fail "no app binary at $app"

# tauri-driver 2.x (not the 3.0 alpha), from PATH or ~/.cargo/bin.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$PATH:$cargo_bin"
if ! command -v tauri-driver >/dev/null 2>&1; then
  step "tauri-driver: cargo install tauri-driver --locked --version ^2"
  cargo install tauri-driver --locked --version '^2'
fi
command -v tauri-driver >/dev/null 2>&1 || fail "tauri-driver is not on PATH after installing it (looked in $cargo_bin)"

step "tests: xvfb-run cargo test --release -p chartvault-e2e"
mkdir -p target/e2e-screens
# 24-bit colour: xvfb-run's default screen is 8-bit, which WebKit renders
# badly (and screenshots show it).
CHARTVAULT_E2E_APP="$app" xvfb-run -a -s "-screen 0 1280x1024x24" \
  cargo test --release --locked -p chartvault-e2e -- --test-threads=1 "$@"
echo "== e2e passed; screenshots in target/e2e-screens/"
