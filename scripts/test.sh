#!/usr/bin/env bash
# The whole test suite: the UI's checks and unit tests, formatting, lints,
# every Rust test, the desktop app end to end in WebKit, a short fuzz run.
# Installs what is missing first (scripts/deps.sh --test).
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# A full run writes about 12 GiB under target/ (debug and release builds,
# the packages). Say so before cargo fails half-way with "No space left".
free_kib=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${free_kib:-0}" -lt $((16 * 1024 * 1024)) ]; then
  echo "test: warning: only $((free_kib / 1024 / 1024)) GiB free here; a full run needs about 12 GiB (cargo clean frees a stale target/)" >&2
fi

bash scripts/deps.sh --test
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"

echo "== ui: svelte-check, vitest, build (ui/dist is embedded in the app)"
(cd ui && npm run --silent check && npm run --silent test && npm run --silent build)

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== docs: links and the HIPAA map's test references"
bash scripts/check-docs.sh

echo "== cargo test (release: the crash and tamper suites run thousands of trials)"
log=$(mktemp)
# As root, the backup tests also write to a small tmpfs that fills up and
# to a read-only mount (they probe, and say when they skip).
if [ "$(id -u)" = 0 ]; then export CHARTVAULT_TEST_MOUNTS=1; fi
cargo test --workspace --exclude chartvault-e2e --release --locked 2>&1 | tee "$log"

echo "== packages: .deb and .rpm (scripts/package.sh)"
bash scripts/package.sh
CHARTVAULT_E2E_DEB=$(ls "$PWD"/target/release/bundle/deb/*.deb | head -n1)
CHARTVAULT_E2E_RPM=$(ls "$PWD"/target/release/bundle/rpm/*.rpm | head -n1)
export CHARTVAULT_E2E_DEB CHARTVAULT_E2E_RPM

echo "== end to end: the built app in WebKit, and the installed .deb (scripts/e2e.sh)"
SKIP_UI_BUILD=1 bash scripts/e2e.sh 2>&1 | tee -a "$log"

echo "== the README's run command (scripts/run.sh) reaches the first-run wizard"
bash scripts/check-run.sh

passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
rm -f "$log"

echo "== fuzz: every target for 30 s"
bash scripts/fuzz.sh 30

echo "== summary"
echo "tests: ${passed} passed, ${failed} failed (and the UI's vitest suite above)"
