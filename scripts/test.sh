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
cargo test --workspace --release --locked

echo "== fuzz: slot-file parser"
bash scripts/fuzz.sh 30
