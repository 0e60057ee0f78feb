#!/usr/bin/env bash
# Checks the README's first command as a new user meets it: `bash
# scripts/run.sh` on a fresh per-user data directory installs what is
# missing, builds, and starts Chartvault, which shows the first-run wizard.
# The app's log says which screen it shows; this waits for the wizard's
# (phase=Setup) and then closes the app. Runs under a virtual display.
# Usage: bash scripts/check-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
mkdir -p "$fresh/data" "$fresh/config" "$fresh/cache"
log_dir="$fresh/data/chartvault/logs"

# A fresh user's folders (cargo and npm keep their own, so the build is reused).
XDG_DATA_HOME="$fresh/data" XDG_CONFIG_HOME="$fresh/config" XDG_CACHE_HOME="$fresh/cache" \
  DBUS_SESSION_BUS_ADDRESS=disabled: NO_AT_BRIDGE=1 \
  setsid xvfb-run -a -s "-screen 0 1280x1024x24" bash scripts/run.sh >"$fresh/run.out" 2>&1 &
pid=$!

seen=""
for _ in $(seq 1 900); do
  if grep -qs 'phase=Setup' "$log_dir"/*.log; then seen=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 1
done
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

if [ -z "$seen" ]; then
  echo "check-run: scripts/run.sh did not reach the first-run wizard; its output:" >&2
  tail -n 40 "$fresh/run.out" >&2
  cat "$log_dir"/*.log >&2 2>/dev/null || true
  exit 1
fi
if [ -e "$fresh/data/chartvault/vault" ]; then
  echo "check-run: the first run made a vault before the wizard was completed" >&2
  exit 1
fi
echo "check-run: scripts/run.sh built and started Chartvault; it showed the first-run wizard (log: phase=Setup)"
