#!/usr/bin/env bash
# Builds the scenario editor bundle: web/editor/build.sh OUT_DIR writes OUT_DIR/editor.js.
# scripts/build.sh calls it with its staging directory.
#
# Installs web/editor/node_modules from package-lock.json first (npm ci), unless it is already
# installed from this very lock file (the stamp approach of ensure_node_modules in scripts/lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

[[ $# -eq 1 ]] || die "usage: web/editor/build.sh OUT_DIR"
editor="$ROOT/web/editor"
stamp="$editor/node_modules/.racelab-lock.sha256"

command -v npm >/dev/null || die "npm is not on PATH (install Node.js 20 or newer)"
sum=$(sha256sum "$editor/package-lock.json" | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$sum" ]]; then
    log "npm ci in web/editor/"
    (cd "$editor" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$sum" >"$stamp"
fi

log "esbuild web/editor -> editor.js"
node "$editor/build.mjs" "$1"
