#!/usr/bin/env bash
# Runs every test of racelab and prints a summary; exits non-zero if any failed.
#
# Installs what it needs first (each step is skipped when already done):
#   - the wasm32 target, rustfmt and clippy (rustup)
#   - Debian's chromium (apt-get, as root or through sudo) if /usr/bin/chromium is missing
#   - e2e/node_modules (npm ci: playwright-core, binaryen's wasm-opt)
#   - wasm-bindgen-cli at Cargo.lock's version (see scripts/build.sh)
#
# Then: cargo fmt --check, clippy (core and CLI natively, all targets; web for wasm32)
# with -D warnings, the native tests of the core and the CLI, the web app's unit tests (wasm32,
# in Node), the explorer's quick benchmark, the site build, the e2e tests.
# A failing check does not stop the others, except that the e2e tests need the build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

names=()
results=()
durations=()
started=$SECONDS

# step NAME COMMAND...: runs the command (in a subshell with `set -e`),
# records PASS or FAIL and its duration.
step() {
    local name=$1 t0=$SECONDS rc
    shift
    log "[$name] $*"
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    names+=("$name")
    durations+=($((SECONDS - t0)))
    if ((rc == 0)); then
        results+=(PASS)
    else
        results+=(FAIL)
        printf '%s[%s] FAILED (exit %d)%s\n' "$RED" "$name" "$rc" "$RESET" >&2
    fi
    return 0
}

skip() {
    names+=("$1")
    durations+=(0)
    results+=("SKIP: $2")
}

passed() {
    local i
    for i in "${!names[@]}"; do
        [[ "${names[$i]}" == "$1" && "${results[$i]}" == PASS ]] && return 0
    done
    return 1
}

summary() {
    local i failed=0
    printf '\n%s==> racelab test summary%s\n' "$BOLD" "$RESET"
    for i in "${!names[@]}"; do
        printf '  %-12s %5ss  %s\n' "${names[$i]}" "${durations[$i]}" "${results[$i]}"
        [[ "${results[$i]}" != FAIL ]] || failed=$((failed + 1))
    done
    printf '  %-12s %5ss\n' total "$((SECONDS - started))"
    if ((failed)); then
        printf '%sFAILED: %d of %d steps%s\n' "$RED" "$failed" "${#names[@]}" "$RESET"
        return 1
    fi
    printf '%sALL PASSED%s\n' "$GREEN" "$RESET"
}

# The web app's unit tests: built for wasm32 and run in Node by wasm-bindgen-test-runner, which
# comes with wasm-bindgen-cli (at Cargo.lock's version, so it reads what the test build writes).
# The runner writes a CommonJS script into a temporary directory; it gets one under the target
# directory with a package.json of its own that says so, since Node reads the nearest one above
# a script, and a package.json with "type": "module" in any parent directory (/tmp, say, when
# the checkout lives there) would make it refuse the script.
test_web() {
    ensure_wasm_bindgen
    local tmp
    tmp="$(cargo_target_dir)/wasm-bindgen-test"
    mkdir -p "$tmp"
    printf '{"type": "commonjs"}\n' >"$tmp/package.json"
    TMPDIR="$tmp" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$(dirname "$WASM_BINDGEN")/wasm-bindgen-test-runner" \
        cargo test "${CARGO_LOCKED[@]}" -p racelab-web --target "$WASM_TARGET"
}

setup() {
    ensure_rust
    ensure_rust_components
    ensure_chromium
    ensure_node_modules
    cargo_fetch
    ensure_wasm_bindgen
}

step setup setup
if ! passed setup; then
    summary
    exit 1
fi

step fmt cargo fmt --all --check
step clippy-native cargo clippy "${CARGO_LOCKED[@]}" -p racelab-core -p racelab-cli --all-targets -- -D warnings
step clippy-web cargo clippy "${CARGO_LOCKED[@]}" -p racelab-web --target "$WASM_TARGET" --all-targets -- -D warnings
step test-native cargo test "${CARGO_LOCKED[@]}" -p racelab-core -p racelab-cli
step test-web test_web
# The explorer's benchmark in its quick mode: it prints figures and checks nothing but that
# the whole verdict table still runs (the verdicts themselves are asserted by test-native).
step bench cargo run "${CARGO_LOCKED[@]}" -q --profile bench -p racelab-cli -- bench --quick
step build "$ROOT/scripts/build.sh"
if passed build; then
    step e2e bash -c 'cd e2e && node --test tests/'
else
    skip e2e "the build failed"
fi

summary
