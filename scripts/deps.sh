#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine with Rust lacks to build and
# run Chartvault: the C toolchain, WebKitGTK and the other libraries Tauri
# links, Node.js for the UI, the UI's npm packages. With --test, also what
# the test suite needs: the stock sqlite3 shell, Xvfb, WebKitWebDriver and
# tauri-driver. Installs only what is missing; asks for sudo when not root.
# Usage: bash scripts/deps.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
# Tauri 2 on Linux: WebKitGTK 4.1 and friends.
for pkg in libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev; do
  installed "$pkg" || need_apt+=("$pkg")
done
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ "$want_test" = 1 ]; then
  # The stock shell the vault must withstand (crates/seal/tests/stock_sqlite_shell.rs);
  # the end-to-end tests' virtual display and WebDriver for WebKitGTK.
  command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
  for pkg in webkit2gtk-driver xvfb; do installed "$pkg" || need_apt+=("$pkg"); done
  # A private session bus for the single-instance test.
  command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus)
  # Reading and checking the packages: the .rpm's contents, the desktop
  # entry, the AppStream metadata.
  command -v rpm >/dev/null 2>&1 || need_apt+=(rpm)
  command -v desktop-file-validate >/dev/null 2>&1 || need_apt+=(desktop-file-utils)
  command -v appstreamcli >/dev/null 2>&1 || need_apt+=(appstream)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  # Debian 12 and Ubuntu 24.04 ship Node.js 18; Vite 7 needs 20. The npm
  # registry carries Node.js itself (package node, binaries from node-<os>-<arch>).
  echo "== Node.js $(node --version 2>/dev/null) is too old for the UI build; installing Node.js 20 from the npm registry"
  $SUDO npm install -g --no-audit --no-fund node@20 || true
  hash -r
fi
if [ "$(node_major)" -lt 20 ]; then
  echo "Node.js $(node --version 2>/dev/null || echo '(missing)') is too old for the UI build: install Node.js 20 or later" >&2
  exit 1
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is required: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

# The UI's packages. `npm install`, not `npm ci`: the lock file names the
# Tauri CLI's packages of other platforms, which some registries lack.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "== npm install (ui)"
  (cd ui && npm install --no-audit --no-fund)
fi

if [ "$want_test" = 1 ]; then
  rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt || true
  cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$cargo_bin/tauri-driver" ]; then
    # 2.x, not the 3.0 alpha.
    echo "== cargo install tauri-driver --locked --version ^2"
    cargo install tauri-driver --locked --version '^2'
  fi
fi
