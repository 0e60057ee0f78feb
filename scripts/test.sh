#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test, a short fuzz run.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test (release: the crash and tamper suites run thousands of trials)"
log=$(mktemp)
cargo test --workspace --release --locked 2>&1 | tee "$log"
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
rm -f "$log"

echo "== fuzz: every target for 30 s"
bash scripts/fuzz.sh 30

echo "== summary"
echo "tests: ${passed} passed, ${failed} failed"
