#!/usr/bin/env node
// Measures, in headless Chromium, how long the gallery takes to show the explorer's verdict for
// every policy and memory model of the catalog: from the site's table (`verdicts.jsonl`,
// computed when the site was built), and without it (its request aborted, as when it cannot be
// used) with the pool of Web Workers and with the main-thread path (the page run with `Worker`
// removed, as in a browser without workers). Not a test: it prints figures for the README.
//
//   node e2e/bench/gallery.mjs [RUNS]        (after scripts/build.sh; default 5 runs each)
//
// Each run opens the gallery in a fresh browser context and reads two marks the page records:
// `racelab:verdicts-start` (the gallery starts finding the verdicts) and `racelab:verdicts` (the
// last verdict is in), and prints, as medians, the time from the navigation to the last verdict
// and from one mark to the other. It also prints the longest main-thread task seen meanwhile
// (Long Tasks API), which says whether the page stayed responsive. DIST_DIR, BASE_URL and
// CHROMIUM work as for the e2e tests.
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

const WAYS = {
  table: { engine: 'idle', table: true, workers: true, label: 'from the table' },
  workers: { engine: 'workers', table: false, workers: true, label: 'without the table, pool of workers' },
  main: { engine: 'main-thread', table: false, workers: false, label: 'without the table, main thread (sliced)' },
};

async function run(way) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (!way.workers) await context.addInitScript(() => { delete window.Worker; });
  await context.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  if (!way.table) await page.route(/\/verdicts\.jsonl/, (route) => route.abort());
  await page.goto(server.url + '#/');
  await page.locator('[data-testid="gallery-progress"][data-done="true"]').waitFor({ timeout: 300_000 });
  const m = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const p = document.querySelector('[data-testid="gallery-progress"]');
    return {
      start: at('racelab:verdicts-start'),
      done: at('racelab:verdicts'),
      engine: p.dataset.engine,
      table: p.dataset.table,
      rows: document.querySelectorAll('[data-testid="verdict"]').length,
      longest: window.__longest,
      workers: navigator.hardwareConcurrency,
    };
  });
  await context.close();
  if (m.engine !== way.engine) throw new Error(`the gallery ran on ${m.engine}, not ${way.engine}`);
  if ((m.table === 'used') !== way.table) throw new Error(`the table was ${m.table}`);
  // `done` is a mark's time since the navigation began.
  return { ...m, ms: m.done - m.start };
}

try {
  const out = {};
  for (const [name, way] of Object.entries(WAYS)) {
    await run(way); // warm-up: the HTTP server's and the OS's caches
    const rows = [];
    for (let i = 0; i < RUNS; i++) rows.push(await run(way));
    out[name] = rows;
  }
  const w = out.workers[0];
  console.log(`runs: ${RUNS} each; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; navigator.hardwareConcurrency ${w.workers}; ${w.rows} verdict chips`);
  for (const [name, rows] of Object.entries(out)) {
    const nav = stats(rows.map((r) => r.done));
    const t = stats(rows.map((r) => r.ms));
    const l = stats(rows.map((r) => r.longest));
    const label = name === 'workers' ? `${WAYS[name].label} of ${Math.min(Math.max(w.workers, 1), 4)}` : WAYS[name].label;
    console.log(`gallery, every verdict, ${label}: navigation to the last verdict median ${nav.median.toFixed(0)} ms (min ${nav.min.toFixed(0)}, max ${nav.max.toFixed(0)}); verdicts-start to verdicts median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)}); longest main-thread task median ${l.median.toFixed(0)} ms (max ${l.max.toFixed(0)})`);
  }
} finally {
  await browser.close();
  await server.close();
}
