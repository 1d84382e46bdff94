#!/usr/bin/env node
// Measures the explorer in racelab's Web Worker alone, in headless Chromium: states per second
// on bench/compare's "unlocked 3×8" model (e2e/fixtures/unlocked-n3-k8.race, 3.3 M states
// without reduction), stopped at a bound of states. No page UI is involved: the bench opens
// the site (for its origin and Content-Security-Policy), starts `worker.js` itself and posts
// one `Explore` job, as the player does. Not a test: it prints figures for the README.
//
//   node e2e/bench/worker.mjs [RUNS] [MAX_STATES]   (after scripts/build.sh; default 5 runs, 10^6)
//
// The rate is the worker's own: states found over the search's wall time as the worker
// measures it (`ms` of its report), so neither the wasm's start nor the catalog's parse is in
// it. The time from `new Worker` to its `Ready` (fetch and compile the wasm, read the catalog)
// is printed apart. DIST_DIR, BASE_URL and CHROMIUM work as for the e2e tests.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const MAX_STATES = Number(process.argv[3] ?? 1_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();
const fixture = await readFile(path.join(E2E_DIR, 'fixtures', 'unlocked-n3-k8.race'), 'utf8');

async function run() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '#/');
  const job = {
    Explore: {
      edits: [['unlocked-n3-k8.race', fixture]],
      scenario: 'unlocked_n3_k8',
      policy: 'as_written',
      model: 'sc',
      max_states: MAX_STATES,
      max_seconds: 600,
    },
  };
  const r = await page.evaluate((job) => new Promise((resolve, reject) => {
    const url = document.querySelector('meta[name="racelab-worker"]').content;
    const t0 = performance.now();
    let ready = 0;
    const w = new Worker(url, { type: 'module' });
    w.onerror = (e) => reject(new Error('the worker failed: ' + (e.message || 'it stopped')));
    w.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg === 'Ready') {
        ready = performance.now() - t0;
        w.postMessage(JSON.stringify(job));
      } else if (msg.Done) {
        w.terminate();
        resolve({ ready, ...msg.Done.found });
      } else if (msg.Error) {
        w.terminate();
        reject(new Error(msg.Error));
      }
    };
  }), job);
  await context.close();
  return { ...r, rate: (r.states * 1000) / r.ms };
}

try {
  await run(); // warm-up: the HTTP server's and the OS's caches
  const rows = [];
  for (let i = 0; i < RUNS; i++) rows.push(await run());
  const r = rows[0];
  console.log(`runs: ${RUNS}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`explorer in the worker, unlocked 3x8 to ${MAX_STATES} states: ${median(rows.map((x) => x.rate)).toFixed(0)} states/s median (${rows.map((x) => x.rate.toFixed(0)).join(', ')}); ${r.states} states, ${r.transitions} transitions, verdict ${r.verdict}`);
  console.log(`worker started (wasm compiled, catalog read): ${median(rows.map((x) => x.ready)).toFixed(0)} ms median (${rows.map((x) => x.ready.toFixed(0)).join(', ')})`);
} finally {
  await browser.close();
  await server.close();
}
