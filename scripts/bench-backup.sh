#!/usr/bin/env bash
# Backup, verification and restore throughput on a vault of about 1 GiB,
# side by side with cp of the same bytes on the same disk: builds the
# command in release, makes a vault in a temporary directory, fills it with
# synthetic demo patients, and runs `chartvault bench backup` as the
# administrator. A benchmark, not a test (docs/BENCHMARKS.md).
#
# Usage: bash scripts/bench-backup.sh [PATIENTS] [ROUNDS]
#        (default 150000 patients, about 1 GiB, and 3 rounds). The
#        directory is $BENCH_TMP (default $TMPDIR or /tmp); KEEP=1 keeps it.
#        Run as root to drop the page cache before each step.
set -euo pipefail
cd "$(dirname "$0")/.."
patients="${1:-150000}"
rounds="${2:-3}"

cargo build --release --locked -p chartvault-cli
bin="$PWD/target/release/chartvault"
tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/chartvault-bench.XXXXXX")
if [ "${KEEP:-}" != 1 ]; then trap 'rm -rf "$tmp"' EXIT; fi
# REUSE=DIR runs the benchmark again on a vault a KEEP=1 run left in DIR.
if [ -n "${REUSE:-}" ]; then tmp="$REUSE"; trap - EXIT; fi
vault="$tmp/vault"
admin_pw='Violet kettle 47 marching north'
first_pw='Copper lantern 19 drifting south'
pat_pw='Pearl canyon 28 sleeping fox'
cv() { "$bin" --vault "$vault" --password-stdin "$@"; }

# The administrator needs an authenticator code (RFC 6238, from the secret
# init prints once); a code is used once, so each login waits for a new one.
if [ -z "${REUSE:-}" ]; then
  out=$(cv init --clinic "Bench Clinic" --admin ada <<<"$admin_pw")
  grep -o 'otpauth://[^ ]*' <<<"$out" >"$tmp/otpauth-uri"
fi
uri=$(cat "$tmp/otpauth-uri")
code() {
  python3 - "$uri" <<'EOF'
import base64, hmac, struct, sys, time, urllib.parse
secret = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)["secret"][0]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
step = int(time.time()) // 30
while int(time.time()) // 30 == step and len(sys.argv) > 2:
    time.sleep(0.5)
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
EOF
}
if [ -z "${REUSE:-}" ]; then
  cv --user ada user add pat --role provider --display-name "Pat Provider" >/dev/null <<<"$admin_pw
$(code)
$first_pw"
  cv --user pat login >/dev/null <<<"$first_pw
$pat_pw" 2>/dev/null
  echo "== chartvault demo --patients $patients (synthetic charts with attachments)"
  cv --user pat demo --patients "$patients" --visits-per-patient 5 --seed 1 <<<"$pat_pw"
fi
du -sh "$vault"

echo "== chartvault bench backup --rounds $rounds"
mkdir -p "$tmp/dest"
cv --user ada bench backup --to "$tmp/dest" --rounds "$rounds" <<<"$admin_pw
$(code wait)
$admin_pw"
if [ "${KEEP:-}" = 1 ]; then echo "kept: REUSE=$tmp bash scripts/bench-backup.sh"; fi
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); $(df -h "$tmp" | tail -1 | awk '{print $1}') ($(findmnt -no FSTYPE -T "$tmp")); $(date -u +%Y-%m-%dT%H:%MZ)"
