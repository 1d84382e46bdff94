// A minimal static file server for the built site (node:http, no dependencies).
// It serves DIST_DIR (default: ../dist) under an optional path prefix, so the
// tests can check that the site works from a sub-path, not only from "/".
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const DIST_DIR = path.resolve(process.env.DIST_DIR ?? path.join(E2E_DIR, '..', 'dist'));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Starts serving `root` on 127.0.0.1 at a free port.
 * @param {{ root?: string, prefix?: string }} options  prefix: e.g. "/nested/dir/"
 * @returns {Promise<{ url: string, requests: string[], close: () => Promise<void> }>}
 *   url ends with the prefix; requests lists "STATUS /path" for every request.
 */
export async function startServer({ root = DIST_DIR, prefix = '/' } = {}) {
  await stat(path.join(root, 'index.html')).catch(() => {
    throw new Error(`${root}/index.html not found: build the site first (scripts/build.sh)`);
  });
  const requests = [];
  const server = createServer(async (req, res) => {
    const send = (status, body) => {
      requests.push(`${status} ${req.url}`);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const url = new URL(req.url, 'http://localhost');
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (!pathname.startsWith(prefix)) return send(404, 'not found');
    let file = path.join(root, pathname.slice(prefix.length));
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      requests.push(`200 ${req.url}`);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
