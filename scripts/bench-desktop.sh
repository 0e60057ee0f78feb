#!/usr/bin/env bash
# The desktop app's footprint (docs/BENCHMARKS.md): start to the login
# screen, binary size (as built and stripped), memory at the login screen
# and after signing in. Usage: bash scripts/bench-desktop.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
(cd ui && npm run --silent build)
cargo build --release --locked -p chartvault-desktop -p chartvault-e2e --bins
app="$PWD/target/release/chartvault-desktop"
stripped=$(mktemp)
strip -o "$stripped" "$app"
echo "stripped (as a package installs it): $(du -k "$stripped" | cut -f1) KiB"
rm -f "$stripped"
CHARTVAULT_E2E_APP="$app" xvfb-run -a -s "-screen 0 1280x1024x24" ./target/release/desktop_bench "${1:-7}"
