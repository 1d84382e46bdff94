#!/usr/bin/env bash
# Builds the site (scripts/build.sh) and serves dist/ on http://127.0.0.1:8080.
# HOST and PORT change the address; DIST_DIR the directory. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
DIST=${DIST_DIR:-$ROOT/dist}
export DIST_DIR=$DIST

"$ROOT/scripts/build.sh"

command -v python3 >/dev/null || die "python3 is needed to serve $DIST"
log "serving $DIST on http://$HOST:$PORT/ (Ctrl-C to stop)"
# python's http.server, plus .wasm as application/wasm (Python 3.11 knows it;
# older ones may not) and no-cache, so a reload after a rebuild shows the new build.
exec python3 - "$HOST" "$PORT" "$DIST" <<'PY'
import functools
import http.server
import sys

host, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


server = http.server.ThreadingHTTPServer((host, port), functools.partial(Handler, directory=root))
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
PY
