#!/usr/bin/env bash
# Installs what is missing, builds the UI and the desktop app, and starts
# Chartvault on the vault in your per-user data directory
# (~/.local/share/chartvault/vault on Linux); the first run opens the
# set-up wizard.
# Usage: bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
echo "== building the UI"
(cd ui && npm run build --silent)
echo "== building the app (release; the first build takes a few minutes)"
cargo build --release --locked -p chartvault-desktop
echo "== starting Chartvault"
exec ./target/release/chartvault-desktop "$@"
