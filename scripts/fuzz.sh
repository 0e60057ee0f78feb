#!/usr/bin/env bash
# Runs each cargo-fuzz target for N seconds (default 30).
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain
# on this machine accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
for target in $(cd fuzz && cargo fuzz list 2>/dev/null || RUSTC_BOOTSTRAP=1 cargo fuzz list); do
  echo "-- fuzz target $target for ${secs}s"
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$secs" -rss_limit_mb=2048)
done
