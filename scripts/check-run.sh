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
log_dir="$fresh/data/chartvault/logs"
mkdir -p "$fresh/data" "$fresh/config" "$fresh/cache"

# Its own session (setsid in a script without job control does not fork, so
# $! is the session's id): everything it starts, Xvfb and WebKit included,
# is stopped with it.
XDG_DATA_HOME="$fresh/data" XDG_CONFIG_HOME="$fresh/config" XDG_CACHE_HOME="$fresh/cache" \
  CHARTVAULT_LOG=info DBUS_SESSION_BUS_ADDRESS=disabled: NO_AT_BRIDGE=1 \
  setsid xvfb-run -a -s "-screen 0 1280x1024x24" bash scripts/run.sh >"$fresh/run.out" 2>&1 &
sid=$!

stop() {
  pkill -TERM -s "$sid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    pgrep -s "$sid" >/dev/null 2>&1 || break
    sleep 0.5
  done
  pkill -KILL -s "$sid" 2>/dev/null || true
  wait "$sid" 2>/dev/null || true
}
trap 'stop; rm -rf "$fresh"' EXIT

# A cold build on two cores takes a while: up to 30 minutes.
seen=""
for _ in $(seq 1 1800); do
  if grep -qs 'phase=Setup' "$log_dir"/*.log; then seen=1; break; fi
  if ! kill -0 "$sid" 2>/dev/null; then break; fi
  sleep 1
done

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
