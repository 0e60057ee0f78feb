#!/usr/bin/env bash
# The records at a clinic's scale: builds the command in release, makes a
# vault in a temporary directory, fills it with synthetic demo patients
# (`chartvault demo`, timed) and runs `chartvault bench records` as a
# provider: search and chart-opening latencies, the CSV import of 10,000
# patients, and the vault's size. A benchmark, not a test (docs/BENCHMARKS.md).
#
# Usage: bash scripts/bench-records.sh [PATIENTS] [VISITS_PER_PATIENT]
#        (default 100000 and 5: 500,000 visits). The directory is
#        $BENCH_TMP (default $TMPDIR or /tmp); KEEP=1 keeps the vault;
#        DESKTOP=1 also measures the desktop app's memory on it.
set -euo pipefail
cd "$(dirname "$0")/.."
patients="${1:-100000}"
visits="${2:-5}"

cargo build --release --locked -p chartvault-cli
bin="$PWD/target/release/chartvault"
tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/chartvault-bench.XXXXXX")
if [ "${KEEP:-}" != 1 ]; then trap 'rm -rf "$tmp"' EXIT; fi
vault="$tmp/vault"
admin_pw='Violet kettle 47 marching north'
first_pw='Copper lantern 19 drifting south'
pat_pw='Pearl canyon 28 sleeping fox'
cv() { "$bin" --vault "$vault" --password-stdin "$@"; }

# The administrator needs an authenticator code: RFC 6238 from the secret
# that init prints once.
out=$(cv init --clinic "Bench Clinic" --admin ada <<<"$admin_pw")
uri=$(grep -o 'otpauth://[^ ]*' <<<"$out")
code=$(python3 - "$uri" <<'EOF'
import base64, hmac, struct, sys, time, urllib.parse
secret = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)["secret"][0]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
EOF
)
cv --user ada user add pat --role provider --display-name "Pat Provider" >/dev/null <<<"$admin_pw
$code
$first_pw"
cv --user pat login >/dev/null <<<"$first_pw
$pat_pw" 2>/dev/null

echo "== chartvault demo --patients $patients --visits-per-patient $visits --seed 1"
start=$(date +%s.%N)
cv --user pat demo --patients "$patients" --visits-per-patient "$visits" --seed 1 <<<"$pat_pw"
end=$(date +%s.%N)
demo_s=$(python3 -c "print(f'{$end - $start:.1f}')")
size=$(du -sb "$vault" | cut -f1)

echo "== chartvault bench records"
cv --user pat bench records <<<"$pat_pw" | tee "$tmp/bench.txt"
after=$(du -sb "$vault" | cut -f1)

echo
echo "| what | figure |"
echo "|---|---|"
echo "| demo generation ($patients patients, $((patients * visits)) visits), whole command | ${demo_s} s |"
echo "| vault size after the demo | $(python3 -c "print(f'{$size / 1048576:.0f} MiB')") |"
echo "| vault size after the bench (import included) | $(python3 -c "print(f'{$after / 1048576:.0f} MiB')") |"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); $(date -u +%Y-%m-%dT%H:%MZ)"
if [ "${KEEP:-}" = 1 ]; then echo "vault kept in $vault (user pat, password '$pat_pw')"; fi

# The desktop app on this vault: its memory after signing in, searching
# and opening charts (needs Xvfb and WebKitWebDriver, as the e2e tests).
if [ "${DESKTOP:-}" = 1 ]; then
  echo "== the desktop app on this vault"
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  (cd ui && npm run --silent build)
  cargo build --release --locked -p chartvault-desktop -p chartvault-e2e --bins
  CHARTVAULT_E2E_APP="$PWD/target/release/chartvault-desktop" CHARTVAULT_BENCH_VAULT="$vault" \
    CHARTVAULT_BENCH_USER=pat CHARTVAULT_BENCH_PASSWORD="$pat_pw" \
    xvfb-run -a -s "-screen 0 1280x1024x24" ./target/release/desktop_bench
fi
