#!/usr/bin/env bash
# Adds to traces/archive/ every committed version of traces/ reachable from a revision (main by
# default), oldest first, each dated by its commit, then the working tree's own. Run it after a
# merge that brought commits changing traces/, so every version a link may have been made from
# is kept; `racelab archive update` alone adds only the working tree's.
set -euo pipefail
rev=${1:-main}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { cargo run -q -p racelab-cli -- archive update --traces "$root/traces" "$@"; }
for c in $(git rev-list --reverse "$rev" -- traces); do
  rm -rf "$tmp/snapshot"
  mkdir -p "$tmp/snapshot"
  git archive "$c" traces | tar -x -C "$tmp/snapshot"
  run --from "$tmp/snapshot/traces" --date "$(git show -s --format=%cs "$c")"
done
run
