// node:test wiring: one static server and one browser per test file, a fresh
// browser context per test, and a check that the test saw no errors.
import { before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launchBrowser, openPage } from './browser.mjs';

/**
 * Call at the top level of a test file. Returns `open()`, which gives
 * `{ page, url, problems, warnings, allowProblems }` for one test:
 * - url: where the site is served (ends with "/"),
 * - problems: console errors, page errors, failed requests; the test fails
 *   after it finishes if any were seen, unless they match `allowProblems(regex)`.
 * @param {{ prefix?: string }} options  serve the site under this path prefix
 *
 * BASE_URL=http://host:port/path/ tests a site served elsewhere (for example
 * by scripts/serve.sh) instead of starting a server on DIST_DIR.
 */
export function useSite({ prefix = '/' } = {}) {
  let server;
  let browser;
  const opened = [];

  before(async () => {
    const external = process.env.BASE_URL;
    server = external
      ? { url: external.endsWith('/') ? external : `${external}/`, close: async () => {} }
      : await startServer({ prefix });
    browser = await launchBrowser();
  });

  afterEach(async (t) => {
    const sessions = opened.splice(0);
    for (const s of sessions) {
      const unexpected = s.problems.filter((p) => !s.allowed.some((re) => re.test(p)));
      for (const w of s.warnings) t.diagnostic(w);
      await s.context.close();
      assert.deepEqual(unexpected, [], 'the page reported errors');
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  return async function open() {
    const session = await openPage(browser);
    const allowed = [];
    const s = { ...session, allowed, url: server.url, allowProblems: (re) => allowed.push(re) };
    opened.push(s);
    return s;
  };
}
