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
# Steps: cargo build (wasm32: the app with the size-tuned profile `wasm`, the explorer's worker
# with the speed-tuned `wasm-fast`) -> wasm-bindgen --target web -> wasm-opt (-Oz for the app,
# -O3 for the worker) -> copy public/, bundle the editor
# (web/editor/build.sh: npm ci once, esbuild) -> the gallery's verdict table (racelab verdicts,
# cached) -> index.html, boot.js and worker.js with ?v=<hash> cache busters.
#
# KEEP_NAMES=1 keeps the wasm's function names (for a profile: e2e/bench/startup.mjs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE=racelab-web
BIN=racelab-web  # the [[bin]] in web/Cargo.toml
OUT_NAME=racelab_web  # -> racelab_web.js + racelab_web_bg.wasm, as public/boot.js expects
WORKER_BIN=racelab-worker  # the explorer's Web Worker, another [[bin]]
WORKER_OUT=racelab_worker  # -> racelab_worker.js + racelab_worker_bg.wasm, as public/worker.js expects
DIST=${DIST_DIR:-$ROOT/dist}

started=$SECONDS
ensure_rust
cargo_fetch
ensure_wasm_bindgen
ensure_wasm_opt

# The app is downloaded before anything shows: size first. The worker runs the explorer's
# searches: speed first (see README, "The gallery and the worker, fast", for what each costs).
log "cargo build --profile wasm --target $WASM_TARGET -p $PACKAGE --bin $BIN"
(cd "$ROOT" && cargo build "${CARGO_LOCKED[@]}" --profile wasm --target "$WASM_TARGET" -p "$PACKAGE" --bin "$BIN")
log "cargo build --profile wasm-fast --target $WASM_TARGET -p $PACKAGE --bin $WORKER_BIN"
(cd "$ROOT" && cargo build "${CARGO_LOCKED[@]}" --profile wasm-fast --target "$WASM_TARGET" -p "$PACKAGE" --bin "$WORKER_BIN")
wasm="$(cargo_target_dir)/$WASM_TARGET/wasm/$BIN.wasm"
worker_wasm="$(cargo_target_dir)/$WASM_TARGET/wasm-fast/$WORKER_BIN.wasm"
[[ -f "$wasm" ]] || die "cargo did not produce $wasm"
[[ -f "$worker_wasm" ]] || die "cargo did not produce $worker_wasm"

# Assemble in a sibling directory, then swap it in: a server running on dist/
# never sees a half-written site.
mkdir -p "$(dirname "$DIST")"
stage=$(mktemp -d "$(dirname "$DIST")/.$(basename "$DIST").tmp.XXXXXX")
trap 'rm -rf "$stage"' EXIT

names=(--remove-name-section)
keep=()
if [[ "${KEEP_NAMES:-}" == 1 ]]; then
    names=()
    keep=(-g)
fi
log "wasm-bindgen --target web ($("$WASM_BINDGEN" --version))"
for pair in "$OUT_NAME:$wasm" "$WORKER_OUT:$worker_wasm"; do
    "$WASM_BINDGEN" --target web --no-typescript "${names[@]}" --remove-producers-section \
        --out-dir "$stage" --out-name "${pair%%:*}" "${pair#*:}"
done

if [[ -n "$WASM_OPT" ]]; then
    log "wasm-opt -Oz (the app), -O3 (the worker) ($("$WASM_OPT" --version))"
    "$WASM_OPT" -Oz "${keep[@]}" "$stage/${OUT_NAME}_bg.wasm" -o "$stage/${OUT_NAME}_bg.wasm"
    "$WASM_OPT" -O3 "${keep[@]}" "$stage/${WORKER_OUT}_bg.wasm" -o "$stage/${WORKER_OUT}_bg.wasm"
else
    warn "skipping wasm-opt"
fi

cp -R "$ROOT/public/." "$stage/"
# The races the scenarios rest on: the page's catalog citations link to this copy.
mkdir -p "$stage/docs"
cp "$ROOT/docs/races.md" "$stage/docs/races.md"
(cd "$ROOT" && cargo run -q "${CARGO_LOCKED[@]}" -p racelab-cli -- doc docs/races.md -o "$stage/docs/races.html")
# The gallery's verdicts, computed once here by the debug CLI built just above for `racelab doc`
# (no release build: it costs minutes), and kept under the target directory by a hash of what
# they are computed from (traces/, core/src/, Cargo.lock): a build that changed neither reuses
# them (see README, "Build and serve").
verdicts_key=$(cd "$ROOT" && find traces core/src Cargo.lock -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
verdicts_dir="$(cargo_target_dir)/racelab-verdicts"
verdicts_cache="$verdicts_dir/$verdicts_key.jsonl"
if [[ -f "$verdicts_cache" ]]; then
    log "verdicts.jsonl: cached ($verdicts_key)"
else
    log "racelab verdicts (the gallery's verdict table)"
    mkdir -p "$verdicts_dir"
    t0=$SECONDS
    (cd "$ROOT" && cargo run -q "${CARGO_LOCKED[@]}" -p racelab-cli -- verdicts -o "$verdicts_cache.tmp")
    mv "$verdicts_cache.tmp" "$verdicts_cache"
    find "$verdicts_dir" -name '*.jsonl' ! -name "$verdicts_key.jsonl" -delete
    log "verdicts.jsonl computed in $((SECONDS - t0)) s"
fi
cp "$verdicts_cache" "$stage/verdicts.jsonl"
# The doc links the kernel facts the procs were checked against: the same relative path in the site.
mkdir -p "$stage/traces/kernel"
cp "$ROOT/traces/kernel/NOTES.md" "$stage/traces/kernel/NOTES.md"

# The scenario editor (CodeMirror 6, one ES module) that the app imports on demand.
"$ROOT/web/editor/build.sh" "$stage"

# Cache busting: the file names stay fixed (relative URLs, no manifest), and
# index.html asks for them with ?v=<content hash>.
hash_of() { sha256sum "$@" | sha256sum | cut -c1-12; }
v_app=$(hash_of "$stage/$OUT_NAME.js" "$stage/${OUT_NAME}_bg.wasm")
v_css=$(hash_of "$stage/style.css")
v_exports_css=$(hash_of "$stage/exports.css")
v_worker=$(hash_of "$stage/$WORKER_OUT.js" "$stage/${WORKER_OUT}_bg.wasm" "$stage/worker.js")
v_editor=$(hash_of "$stage/editor.js")
v_verdicts=$(hash_of "$stage/verdicts.jsonl")
version() {  # version FILE: its URLs of the app's files, with ?v=<hash>
    sed -i -e "s|\"\./$OUT_NAME\.js\"|\"./$OUT_NAME.js?v=$v_app\"|g" \
        -e "s|\"\./${OUT_NAME}_bg\.wasm\"|\"./${OUT_NAME}_bg.wasm?v=$v_app\"|g" \
        -e "s|\"\./$WORKER_OUT\.js\"|\"./$WORKER_OUT.js?v=$v_worker\"|g" \
        -e "s|\"\./${WORKER_OUT}_bg\.wasm\"|\"./${WORKER_OUT}_bg.wasm?v=$v_worker\"|g" \
        -e "s|\"\./style\.css\"|\"./style.css?v=$v_css\"|g" \
        -e "s|\"\./exports\.css\"|\"./exports.css?v=$v_exports_css\"|g" \
        -e "s|\"\./editor\.js\"|\"./editor.js?v=$v_editor\"|g" \
        -e "s|\"\./verdicts\.jsonl\"|\"./verdicts.jsonl?v=$v_verdicts\"|g" \
        -e "s|\"\./worker\.js\"|\"./worker.js?v=$v_worker\"|g" "$1"
}
version "$stage/boot.js"
version "$stage/worker.js"
v_boot=$(hash_of "$stage/boot.js")
cp "$ROOT/index.html" "$stage/index.html"
version "$stage/index.html"
sed -i -e "s|\"\./boot\.js\"|\"./boot.js?v=$v_boot\"|g" "$stage/index.html"
grep -q "$OUT_NAME.js?v=$v_app" "$stage/boot.js" || die "boot.js does not import ./$OUT_NAME.js"
grep -q "boot.js?v=$v_boot" "$stage/index.html" || die "index.html does not load ./boot.js"
grep -q "$WORKER_OUT.js?v=$v_worker" "$stage/worker.js" || die "worker.js does not import ./$WORKER_OUT.js"
[[ $(grep -c "verdicts.jsonl?v=$v_verdicts" "$stage/index.html") == 2 ]] || die "index.html does not preload and name ./verdicts.jsonl"
chmod 755 "$stage"

old="$stage.old"
if [[ -e "$DIST" ]]; then mv "$DIST" "$old"; fi
mv "$stage" "$DIST"
rm -rf "$old"
trap - EXIT

log "built $DIST in $((SECONDS - started)) s"
printf '  %-22s %s\n' "${OUT_NAME}_bg.wasm" "$(size_report "$DIST/${OUT_NAME}_bg.wasm")" \
    "$OUT_NAME.js" "$(size_report "$DIST/$OUT_NAME.js")" \
    "${WORKER_OUT}_bg.wasm" "$(size_report "$DIST/${WORKER_OUT}_bg.wasm")" >&2
