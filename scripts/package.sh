#!/usr/bin/env bash
# Builds the Linux packages with the Tauri bundler: a .deb and an .rpm
# holding the desktop app, the `chartvault` command with its man pages and
# shell completions, the desktop entry, AppStream metadata, icons in every
# size and the guides. Settings: src-tauri/tauri.conf.json (shared) and
# packaging/linux/tauri.linux.json. Windows and macOS installers are built
# on those systems (packaging/README.md).
# Usage: bash scripts/package.sh     (packages in target/release/bundle/{deb,rpm}/)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "package: the Tauri CLI is missing (ui/node_modules/.bin/tauri; scripts/deps.sh installs it)" >&2; exit 1; }

echo "== the UI and the command (release)"
(cd ui && npm run --silent build)
cargo build --release --locked -p chartvault-cli

echo "== man pages and shell completions (target/packaging/)"
out=target/packaging
rm -rf "$out" && mkdir -p "$out/man" "$out/completions" "$out/bin"
# The release profile keeps line tables for profiling; the packages ship
# binaries stripped as Debian strips them (--strip-unneeded). A panic is
# still logged by file and line: those are compiled in, not symbols.
strip --strip-unneeded -o "$out/bin/chartvault" target/release/chartvault
./target/release/chartvault manpages "$out/man"
gzip -9n "$out"/man/*.1
./target/release/chartvault completions bash > "$out/completions/chartvault.bash"
./target/release/chartvault completions zsh > "$out/completions/_chartvault"
./target/release/chartvault completions fish > "$out/completions/chartvault.fish"

echo "== tauri build, strip, tauri bundle: .deb and .rpm"
rm -rf target/release/bundle/deb target/release/bundle/rpm
"$tauri" build --ci --no-bundle --config packaging/linux/tauri.linux.json
# The bundler packs target/release/chartvault-desktop: strip it there for the
# bundle, then put the unstripped build back (same time stamp, so cargo
# keeps it) for profiling and for scripts/run.sh.
app=target/release/chartvault-desktop
cp -p "$app" "$out/chartvault-desktop.unstripped"
trap 'mv -f "$out/chartvault-desktop.unstripped" "$app"' EXIT
strip --strip-unneeded "$app"
"$tauri" bundle --ci --bundles deb,rpm --config packaging/linux/tauri.linux.json
ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
