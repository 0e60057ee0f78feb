#!/usr/bin/env bash
# Runs each cargo-fuzz target for N seconds (default 30).
# cargo-fuzz needs nightly compiler flags (sanitizers); RUSTC_BOOTSTRAP=1
# lets the stable toolchain accept them, since no other toolchain can be
# installed on our machines.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-30}"
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
log=$(mktemp)
for target in $(cargo fuzz list); do
  echo "-- fuzz target $target for ${secs}s"
  if ! cargo fuzz run "$target" -- -max_total_time="$secs" -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $target FAILED (crash input under fuzz/artifacts/$target)"
    exit 1
  fi
  grep -E '^Done' "$log" || true
done
rm -f "$log"
