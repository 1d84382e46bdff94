# Shared helpers for scripts/build.sh, scripts/serve.sh and scripts/test.sh.
# Source it; do not run it. Every ensure_* function is idempotent: it checks
# first and installs only what is missing or at the wrong version.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WASM_TARGET=wasm32-unknown-unknown
# Tools built for racelab (wasm-bindgen-cli) live outside the repository, one
# directory per version, so a clean clone reuses them and versions never clash.
TOOLS_DIR=${RACELAB_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/racelab}
# The wasm-opt this project accepts: binaryen 132 from npm (see e2e/package.json).
# Debian 12's binaryen 108 produces modules that fail at load time.
WASM_OPT_VERSION=132

# Pass --locked to cargo in CI, so a Cargo.lock that is out of date fails loudly.
CARGO_LOCKED=()
if [[ -n "${CI:-}" && "${CI:-}" != "false" ]]; then
    CARGO_LOCKED=(--locked)
fi

# Colours only on a terminal.
if [[ -t 2 ]]; then
    BOLD=$'\033[1m' RED=$'\033[31m' GREEN=$'\033[32m' YELLOW=$'\033[33m' RESET=$'\033[0m'
else
    BOLD='' RED='' GREEN='' YELLOW='' RESET=''
fi

log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$RESET" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$RED" "$RESET" "$*" >&2
    exit 1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $*"
    fi
}

# The version Cargo.lock pins for a package (the first entry if several).
lock_version() {
    awk -v want="name = \"$1\"" '$0 == want { getline; gsub(/version = |"/, ""); print; exit }' \
        "$ROOT/Cargo.lock"
}

ensure_rust() {
    command -v cargo >/dev/null || die "cargo is not on PATH (install Rust with rustup)"
    if command -v rustup >/dev/null; then
        if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
            log "rustup target add $WASM_TARGET"
            rustup target add "$WASM_TARGET"
        fi
    else
        warn "no rustup: assuming the $WASM_TARGET standard library is installed"
    fi
}

# cargo fmt and cargo clippy (only scripts/test.sh needs them).
ensure_rust_components() {
    local missing=()
    cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
    cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
    if ((${#missing[@]})); then
        log "rustup component add ${missing[*]}"
        rustup component add "${missing[@]}"
    fi
}

# Downloads the crates (and, outside CI, brings Cargo.lock up to date), so that
# lock_version sees the wasm-bindgen version the build will use.
cargo_fetch() {
    (cd "$ROOT" && cargo fetch "${CARGO_LOCKED[@]}" --quiet)
}

# Sets WASM_BINDGEN to a wasm-bindgen binary whose version equals Cargo.lock's.
ensure_wasm_bindgen() {
    local want candidate dir
    want=$(lock_version wasm-bindgen)
    [[ -n "$want" ]] || die "Cargo.lock has no wasm-bindgen entry"
    dir="$TOOLS_DIR/wasm-bindgen-$want"
    for candidate in "${WASM_BINDGEN:-}" "$(command -v wasm-bindgen || true)" "$dir/bin/wasm-bindgen"; do
        if [[ -n "$candidate" && -x "$candidate" ]] &&
            [[ "$("$candidate" --version 2>/dev/null)" == "wasm-bindgen $want" ]]; then
            WASM_BINDGEN=$candidate
            return
        fi
    done
    log "installing wasm-bindgen-cli $want into $dir (a few minutes, once)"
    # The CLI's own release profile is fat LTO with one codegen unit; a thin
    # build gives the same tool in a fraction of the time.
    local env=(CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
    if ! env "${env[@]}" cargo install wasm-bindgen-cli --version "=$want" --root "$dir" --locked; then
        # Its packaged lock file has pinned versions the registry did not have.
        warn "cargo install --locked failed; retrying without --locked"
        env "${env[@]}" cargo install wasm-bindgen-cli --version "=$want" --root "$dir"
    fi
    WASM_BINDGEN="$dir/bin/wasm-bindgen"
    [[ "$("$WASM_BINDGEN" --version)" == "wasm-bindgen $want" ]] ||
        die "installed wasm-bindgen reports '$("$WASM_BINDGEN" --version)', expected $want"
}

# Installs e2e/node_modules from e2e/package-lock.json unless it is already
# installed from this very lock file (playwright-core and binaryen's wasm-opt).
ensure_node_modules() {
    local e2e="$ROOT/e2e" stamp="$ROOT/e2e/node_modules/.racelab-lock.sha256" sum
    command -v npm >/dev/null || die "npm is not on PATH (install Node.js 20 or newer)"
    sum=$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
        return
    fi
    log "npm ci in e2e/"
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$sum" >"$stamp"
}

# Sets WASM_OPT to a binaryen $WASM_OPT_VERSION wasm-opt, or to "" when none can be had.
# WASM_OPT=none skips the optimisation; WASM_OPT=/path/to/wasm-opt picks a binary.
ensure_wasm_opt() {
    if [[ "${WASM_OPT:-}" == none ]]; then
        WASM_OPT=""
        return
    fi
    if [[ -z "${WASM_OPT:-}" ]]; then
        if command -v npm >/dev/null; then
            ensure_node_modules
            WASM_OPT="$ROOT/e2e/node_modules/.bin/wasm-opt"
        else
            warn "npm not found: building without wasm-opt (the wasm will be ~10% larger)"
            WASM_OPT=""
            return
        fi
    fi
    local version
    version=$("$WASM_OPT" --version 2>/dev/null || true)
    [[ "$version" == *"version $WASM_OPT_VERSION "* || "$version" == *"version $WASM_OPT_VERSION" ]] ||
        die "$WASM_OPT reports '$version'; racelab needs binaryen $WASM_OPT_VERSION (older ones break the module)"
}

# Debian's Chromium for the e2e tests (playwright-core drives it; no browser download).
ensure_chromium() {
    local chromium=${CHROMIUM:-/usr/bin/chromium}
    if [[ -x "$chromium" ]]; then
        return
    fi
    [[ "$chromium" == /usr/bin/chromium ]] || die "CHROMIUM=$chromium is not an executable"
    command -v apt-get >/dev/null || die "no $chromium and no apt-get to install it"
    log "apt-get install chromium (about 1.5 minutes, once)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}

# The cargo target directory (honours CARGO_TARGET_DIR and .cargo/config).
cargo_target_dir() {
    (cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null) |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# "12,345 bytes (gzip -9: 4,321)"
size_report() {
    local raw gz
    raw=$(wc -c <"$1")
    gz=$(gzip -9 -c "$1" | wc -c)
    printf "%'d bytes (gzip -9: %'d)" "$raw" "$gz"
}
