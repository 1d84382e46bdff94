#!/usr/bin/env node
// Measures, in headless Chromium, how long the gallery takes to show the explorer's verdict for
// every policy and memory model of the catalog, with the pool of Web Workers and with the
// main-thread path (the page run with `Worker` removed, as in a browser without workers). Not
// a test: it prints figures for the README.
//
//   node e2e/bench/gallery.mjs [RUNS]        (after scripts/build.sh; default 5 runs each)
//
// Each run opens the gallery in a fresh browser context and reads two marks the page records:
// `racelab:verdicts-start` (the gallery starts the checks) and `racelab:verdicts` (the last
// verdict is in). It also prints the longest main-thread task seen meanwhile (Long Tasks API),
// which says whether the page stayed responsive. DIST_DIR, BASE_URL and CHROMIUM work as for
// the e2e tests.
import os from 'node:os';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const RUNS = Number(process.argv[2] ?? 5);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();

async function run(withWorkers) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (!withWorkers) await context.addInitScript(() => { delete window.Worker; });
  await context.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(server.url + '#/');
  await page.locator('[data-testid="gallery-progress"][data-done="true"]').waitFor({ timeout: 300_000 });
  const m = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const p = document.querySelector('[data-testid="gallery-progress"]');
    return {
      start: at('racelab:verdicts-start'),
      done: at('racelab:verdicts'),
      engine: p.dataset.engine,
      rows: document.querySelectorAll('[data-testid="verdict"]').length,
      longest: window.__longest,
      workers: navigator.hardwareConcurrency,
    };
  });
  await context.close();
  const want = withWorkers ? 'workers' : 'main-thread';
  if (m.engine !== want) throw new Error(`the gallery ran on ${m.engine}, not ${want}`);
  return { ...m, ms: m.done - m.start };
}

try {
  const out = {};
  for (const withWorkers of [true, false]) {
    await run(withWorkers); // warm-up: the HTTP server's and the OS's caches
    const rows = [];
    for (let i = 0; i < RUNS; i++) rows.push(await run(withWorkers));
    out[withWorkers ? 'workers' : 'main'] = rows;
  }
  const w = out.workers[0];
  console.log(`runs: ${RUNS} each; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; navigator.hardwareConcurrency ${w.workers}; ${w.rows} verdict chips`);
  for (const [name, rows] of Object.entries(out)) {
    const t = stats(rows.map((r) => r.ms));
    const l = stats(rows.map((r) => r.longest));
    const label = name === 'workers' ? `pool of ${Math.min(Math.max(w.workers, 1), 4)} workers` : 'main thread (sliced)';
    console.log(`gallery, every verdict, ${label}: median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)}); longest main-thread task median ${l.median.toFixed(0)} ms (max ${l.max.toFixed(0)})`);
  }
} finally {
  await browser.close();
  await server.close();
}
