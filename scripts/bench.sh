#!/usr/bin/env bash
# The benchmark (not part of the test suite): the clinic workload on plain
# SQLite, the sealed vault and SQLCipher 4, interleaved, R runs each in a
# fresh directory; then the page-sealing micro-benchmark and the unlock time.
# Prints tables of medians and ratios; see docs/BENCHMARKS.md.
#
# Usage: bash scripts/bench.sh [-n PATIENTS] [-r RUNS] [--skip-criterion] [--skip-unlock]
#   PATIENTS defaults to 40000, RUNS to 5. BENCH_TMP chooses where the
#   databases go (default: $TMPDIR or /tmp; it should be a real disk, since
#   the commits fsync). Raw JSON lines are kept in $BENCH_OUT (default: a new
#   temporary directory, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

patients=40000
runs=5
criterion=1
unlock=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) patients="$2"; shift 2 ;;
    -r) runs="$2"; shift 2 ;;
    --skip-criterion) criterion=0; shift ;;
    --skip-unlock) unlock=0; shift ;;
    *) echo "usage: bash scripts/bench.sh [-n PATIENTS] [-r RUNS] [--skip-criterion] [--skip-unlock]" >&2; exit 2 ;;
  esac
done

target="${CARGO_TARGET_DIR:-target}"
tmp_root="${BENCH_TMP:-${TMPDIR:-/tmp}}"
out="${BENCH_OUT:-$(mktemp -d "$tmp_root/chartvault-bench-out.XXXXXX")}"
mkdir -p "$out"

echo "== build (release)"
cargo build --release --locked -p chartvault-seal --example bench_workload
# Its own crate outside the workspace (vendored OpenSSL and SQLCipher: the
# first build takes minutes). The repository's .cargo/config.toml applies to
# it too, so its SQLite gets the same compile-time flags as the vault's.
cargo build --release --locked --manifest-path bench/sqlcipher/Cargo.toml
workload_bin="$target/release/examples/bench_workload"
sqlcipher_bin="bench/sqlcipher/target/release/chartvault-bench-sqlcipher"

now() { python3 -c 'import time; print(time.monotonic())'; }

run_one() { # engine dir
  local engine="$1" dir="$2" start end line
  start=$(now)
  if [ "$engine" = sqlcipher ]; then
    line=$("$sqlcipher_bin" --dir "$dir" --patients "$patients")
  else
    line=$("$workload_bin" --engine "$engine" --dir "$dir" --patients "$patients")
  fi
  end=$(now)
  # Whole-process wall time, creation and teardown included.
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["wall_s"]=float(sys.argv[3])-float(sys.argv[2]); print(json.dumps(r))' \
    "$line" "$start" "$end"
}

echo "== workload: $patients patients, $runs runs of plain, sealed, sqlcipher (interleaved)"
results="$out/workload.jsonl"
: > "$results"
for i in $(seq 1 "$runs"); do
  for engine in plain sealed sqlcipher; do
    dir=$(mktemp -d "$tmp_root/chartvault-bench.XXXXXX")
    run_one "$engine" "$dir/db" >> "$results"
    rm -rf "$dir"
    python3 bench/summarize.py last "$results" "$i"
  done
done
echo
python3 bench/summarize.py workload "$results"

if [ "$unlock" = 1 ]; then
  echo
  echo "== unlock: Vault::open at calibrated Argon2id parameters (median of 5)"
  dir=$(mktemp -d "$tmp_root/chartvault-bench.XXXXXX")
  "$workload_bin" --unlock --dir "$dir/vault" --runs 5 > "$out/unlock.json"
  rm -rf "$dir"
  python3 bench/summarize.py unlock "$out/unlock.json"
fi

if [ "$criterion" = 1 ]; then
  echo
  echo "== page sealing: criterion (cargo bench --bench page_seal)"
  cargo bench --locked -p chartvault-seal --bench page_seal -- --noplot > "$out/criterion.txt" 2>&1 \
    || { cat "$out/criterion.txt"; exit 1; }
  python3 bench/summarize.py criterion "$target/criterion" "$out/criterion.txt"
fi

echo
echo "raw results: $out"
