#!/usr/bin/env bash
# Builds the static site into dist/ (or $DIST_DIR): plain files with relative
# URLs, servable from any path by any static file server.
#
# Installs what it needs first (each step is skipped when already done):
#   - the wasm32-unknown-unknown Rust target (rustup)
#   - wasm-bindgen-cli at exactly the version Cargo.lock pins
#     (cargo install into ~/.cache/racelab/wasm-bindgen-<version>/)
#   - binaryen 132's wasm-opt (npm ci in e2e/); WASM_OPT=none builds without it
#   - the editor's npm packages: CodeMirror 6 and esbuild (npm ci in web/editor/)
#
# Steps: cargo build (release, wasm32) -> wasm-bindgen --target web ->
# wasm-opt -Oz -> copy public/, bundle the editor (web/editor/build.sh: npm ci
# once, esbuild) -> index.html (with ?v=<hash> cache busters).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE=racelab-web
BIN=racelab-web  # the [[bin]] in web/Cargo.toml
OUT_NAME=racelab_web  # -> racelab_web.js + racelab_web_bg.wasm, as index.html expects
DIST=${DIST_DIR:-$ROOT/dist}

started=$SECONDS
ensure_rust
cargo_fetch
ensure_wasm_bindgen
ensure_wasm_opt

log "cargo build --release --target $WASM_TARGET -p $PACKAGE"
(cd "$ROOT" && cargo build "${CARGO_LOCKED[@]}" --release --target "$WASM_TARGET" -p "$PACKAGE" --bin "$BIN")
wasm="$(cargo_target_dir)/$WASM_TARGET/release/$BIN.wasm"
[[ -f "$wasm" ]] || die "cargo did not produce $wasm"

# Assemble in a sibling directory, then swap it in: a server running on dist/
# never sees a half-written site.
mkdir -p "$(dirname "$DIST")"
stage=$(mktemp -d "$(dirname "$DIST")/.$(basename "$DIST").tmp.XXXXXX")
trap 'rm -rf "$stage"' EXIT

log "wasm-bindgen --target web ($("$WASM_BINDGEN" --version))"
"$WASM_BINDGEN" --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$stage" --out-name "$OUT_NAME" "$wasm"

if [[ -n "$WASM_OPT" ]]; then
    log "wasm-opt -Oz ($("$WASM_OPT" --version))"
    "$WASM_OPT" -Oz "$stage/${OUT_NAME}_bg.wasm" -o "$stage/${OUT_NAME}_bg.wasm"
else
    warn "skipping wasm-opt"
fi

cp -R "$ROOT/public/." "$stage/"

# The scenario editor (CodeMirror 6, one ES module) that the app imports on demand.
"$ROOT/web/editor/build.sh" "$stage"

# Cache busting: the file names stay fixed (relative URLs, no manifest), and
# index.html asks for them with ?v=<content hash>.
hash_of() { sha256sum "$@" | sha256sum | cut -c1-12; }
v_app=$(hash_of "$stage/$OUT_NAME.js" "$stage/${OUT_NAME}_bg.wasm")
v_css=$(hash_of "$stage/style.css")
sed -e "s|\"\./$OUT_NAME\.js\"|\"./$OUT_NAME.js?v=$v_app\"|g" \
    -e "s|\"\./${OUT_NAME}_bg\.wasm\"|\"./${OUT_NAME}_bg.wasm?v=$v_app\"|g" \
    -e "s|\"\./style\.css\"|\"./style.css?v=$v_css\"|g" \
    "$ROOT/index.html" >"$stage/index.html"
grep -q "$OUT_NAME.js?v=$v_app" "$stage/index.html" || die "index.html does not import ./$OUT_NAME.js"
chmod 755 "$stage"

old="$stage.old"
if [[ -e "$DIST" ]]; then mv "$DIST" "$old"; fi
mv "$stage" "$DIST"
rm -rf "$old"
trap - EXIT

log "built $DIST in $((SECONDS - started)) s"
printf '  %-22s %s\n' "${OUT_NAME}_bg.wasm" "$(size_report "$DIST/${OUT_NAME}_bg.wasm")" \
    "$OUT_NAME.js" "$(size_report "$DIST/$OUT_NAME.js")" >&2
