#!/usr/bin/env node
// Measures, in headless Chromium, the time from page load to the first rendered trace, and
// prints the bundle's sizes. Not a test: it prints figures for the README.
//
//   node e2e/bench/load.mjs [RUNS]        (after scripts/build.sh; default 15 runs)
//
// Each run opens the player on race 1A's canonical trace in a fresh browser context (no HTTP
// cache, no compiled-code cache) and reads two marks relative to the navigation start:
//   - first-trace: `racelab:first-trace`, which the player records once its first view is in
//     the DOM (the wasm fetched, compiled and started, the catalog parsed, the trace replayed);
//   - painted: the largest contentful paint inside the player (the first frame showing the trace).
// DIST_DIR, BASE_URL and CHROMIUM work as for the e2e tests.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { startServer, DIST_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const RUNS = Number(process.argv[2] ?? 15);
const LINK = '#v=1&s=race1a&p=v5_10&tr=lost_write&i=25';

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), min: s[0], p90: q(0.9), max: s[s.length - 1] };
}

const fmt = (ms) => `${ms.toFixed(0)} ms`;

async function size(file) {
  const data = await readFile(path.join(DIST_DIR, file));
  let gz;
  try {
    gz = execFileSync('gzip', ['-9', '-c', path.join(DIST_DIR, file)], { maxBuffer: 1 << 26 }).length; // as scripts/build.sh counts
  } catch {
    gz = gzipSync(data, { level: 9 }).length;
  }
  return { raw: data.length, gz };
}

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();
const rows = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    await page.goto(server.url + LINK);
    await page.locator('[data-testid="player"][data-step="25"]').waitFor();
    const m = await page.evaluate(() => new Promise((resolve) => {
      // The largest contentful paint inside the player: the first frame that shows the trace.
      let painted = NaN;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.element?.closest('[data-testid="player"]')) painted = e.renderTime || e.startTime;
      }).observe({ type: 'largest-contentful-paint', buffered: true });
      const mark = performance.getEntriesByName('racelab:first-trace')[0];
      const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
      const nav = performance.getEntriesByType('navigation')[0];
      const wasm = performance.getEntriesByType('resource').find((r) => r.name.includes('.wasm'));
      const done = () => resolve({
        firstTrace: mark?.startTime ?? NaN,
        start: at('racelab:start'),
        catalog: at('racelab:catalog'),
        painted,
        html: nav.responseEnd,
        wasmFetched: wasm?.responseEnd ?? NaN,
      });
      // LCP entries arrive a little after the frame they describe.
      const started = performance.now();
      const poll = () => (Number.isNaN(painted) && performance.now() - started < 2000 ? setTimeout(poll, 20) : done());
      poll();
    }));
    await context.close();
    if (i > 0) rows.push(m); // the first run warms the server and the browser process up
  }
} finally {
  await browser.close();
  await server.close();
}

const wasm = await size('racelab_web_bg.wasm');
const js = await size('racelab_web.js');
const css = await size('style.css');
console.log(`bundle: racelab_web_bg.wasm ${wasm.raw.toLocaleString('en')} bytes (gzip -9: ${wasm.gz.toLocaleString('en')}), ` +
  `racelab_web.js ${js.raw.toLocaleString('en')} (gzip -9: ${js.gz.toLocaleString('en')}), ` +
  `style.css ${css.raw.toLocaleString('en')} (gzip -9: ${css.gz.toLocaleString('en')})`);
console.log(`page load to first rendered trace, ${rows.length} cold loads of ${LINK} in headless Chromium:`);
for (const [name, key] of [
  ['html received', 'html'],
  ['wasm fetched', 'wasmFetched'],
  ['wasm started (main)', 'start'],
  ['catalog parsed', 'catalog'],
  ['first trace in the DOM', 'firstTrace'],
  ['first trace painted', 'painted'],
]) {
  const s = stats(rows.map((r) => r[key]));
  console.log(`  ${name.padEnd(24)} median ${fmt(s.median)}  (min ${fmt(s.min)}, p90 ${fmt(s.p90)}, max ${fmt(s.max)})`);
}
