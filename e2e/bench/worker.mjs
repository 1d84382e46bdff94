#!/usr/bin/env node
// Measures the explorer in racelab's Web Worker alone, in headless Chromium: states per second
// on bench/compare's "unlocked 3×8" model (e2e/fixtures/unlocked-n3-k8.race, 3.3 M states
// without reduction), stopped at a bound of states. No page UI is involved: the bench opens
// the site (for its origin and Content-Security-Policy), starts `worker.js` itself and posts
// one `Explore` job, as the player does. Not a test: it prints figures for the README.
//
//   node e2e/bench/worker.mjs [RUNS] [MAX_STATES] [JOBS]
//   (after scripts/build.sh; default 5 runs, 10^6 states, 1 job per worker)
//
// The rate is the worker's own: states found over the search's wall time as the worker
// measures it (`ms` of its report), so neither the wasm's start nor the catalog's parse is in
// it. The time from `new Worker` to its `Ready` (fetch and compile the wasm, read the catalog)
// is printed apart. From the worker's progress messages (about every 100 ms) the bench also
// prints the rate over the search's first second and over the rest. JOBS > 1 posts the same
// job again to the same worker when the last one is done, each with its own figures (a later
// job runs on code the engine has already compiled and tiered up).
//
// DIST_DIR, BASE_URL and CHROMIUM work as for the e2e tests. For comparisons of the engine's
// settings: CHROMIUM_FLAGS, more Chromium flags (separated by spaces), and V8_FLAGS, V8 flags
// (separated by spaces, passed as one --js-flags), e.g.
//   V8_FLAGS='--no-wasm-dynamic-tiering' node e2e/bench/worker.mjs 3
// TIMELINE=1 prints each search's rate in every half second.
//
// By default the worker is warmed up first, as the page warms its spare worker before a search
// takes it: on its Ready the bench posts `Warm` (the worker explores the catalog for a moment,
// so that V8 compiles the explorer's hot code with its optimizing tier), and the job once the
// worker has answered it. The warm-up's states and time are printed apart. COLD=1 posts the job
// on Ready instead, as to a worker just started. DELAY_MS=N posts the first job N ms later (as
// a user's click comes some time after).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const MAX_STATES = Number(process.argv[3] ?? 1_000_000);
const JOBS = Number(process.argv[4] ?? 1);
const COLD = process.env.COLD === '1';
const DELAY = Number(process.env.DELAY_MS ?? 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const words = (name) => (process.env[name] ?? '').split(/\s+/).filter(Boolean);
const flags = [...words('CHROMIUM_FLAGS')];
if (words('V8_FLAGS').length) flags.push(`--js-flags=${words('V8_FLAGS').join(' ')}`);

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser(flags);
const fixture = await readFile(path.join(E2E_DIR, 'fixtures', 'unlocked-n3-k8.race'), 'utf8');

async function run() {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Only the page's origin and Content-Security-Policy are needed: the app itself is not
  // started (APP=1 starts it), since its gallery checks every verdict of the catalog in its
  // own pool of workers when it opens, which would share the machine's cores with the search.
  if (process.env.APP !== '1') await page.route(/\/boot\.js/, (route) => route.abort());
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
  const r = await page.evaluate(({ job, jobs, cold, delay }) => new Promise((resolve, reject) => {
    const url = document.querySelector('meta[name="racelab-worker"]').content;
    const t0 = performance.now();
    let ready = 0;
    let warm = null;
    const done = [];
    let progress = [];
    const w = new Worker(url, { type: 'module' });
    w.onerror = (e) => reject(new Error('the worker failed: ' + (e.message || 'it stopped')));
    w.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg === 'Ready') {
        ready = performance.now() - t0;
        if (cold) setTimeout(() => w.postMessage(JSON.stringify(job)), delay);
        else w.postMessage(JSON.stringify('Warm'));
      } else if (msg.Warm) {
        warm = msg.Warm;
        setTimeout(() => w.postMessage(JSON.stringify(job)), delay);
      } else if (msg.Progress) {
        progress.push([msg.Progress.ms, msg.Progress.states]);
      } else if (msg.Done) {
        done.push({ ...msg.Done.found, progress });
        progress = [];
        if (done.length < jobs) {
          w.postMessage(JSON.stringify(job));
        } else {
          w.terminate();
          resolve({ ready, warm, done });
        }
      } else if (msg.Error) {
        w.terminate();
        reject(new Error(msg.Error));
      }
    };
  }), { job, jobs: JOBS, cold: COLD, delay: DELAY });
  await context.close();
  return {
    ready: r.ready,
    warm: r.warm,
    jobs: r.done.map((d) => {
      // The last progress message within the first second, and the rate before and after it.
      const first = [...d.progress].reverse().find(([ms]) => ms <= 1000) ?? [0, 0];
      const rest = d.ms > first[0] ? ((d.states - first[1]) * 1000) / (d.ms - first[0]) : NaN;
      return { ...d, rate: (d.states * 1000) / d.ms, first: first[0] ? (first[1] * 1000) / first[0] : NaN, rest };
    }),
  };
}

// The rate in each half second of a search, from its progress messages.
function timeline(d) {
  const out = [];
  let [t, n] = [0, 0];
  for (const [ms, states] of [...d.progress, [d.ms, d.states]]) {
    if (ms - t >= 500 || ms === d.ms) {
      if (ms > t) out.push(`${(t / 1000).toFixed(1)}s ${(((states - n) * 1000) / (ms - t) / 1000).toFixed(0)}k`);
      [t, n] = [ms, states];
    }
  }
  return out.join(', ');
}

const k = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

try {
  await run(); // warm-up: the HTTP server's and the OS's caches
  const rows = [];
  for (let i = 0; i < RUNS; i++) rows.push(await run());
  const r = rows[0].jobs[0];
  console.log(`runs: ${RUNS}; jobs per worker: ${JOBS}${COLD ? '; cold workers (no warm-up)' : '; each worker warmed up first'}${DELAY ? `, the first ${DELAY} ms after Ready` : ''}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}${flags.length ? `; flags: ${flags.join(' ')}` : ''}`);
  for (let j = 0; j < JOBS; j++) {
    const jobs = rows.map((row) => row.jobs[j]);
    const of = JOBS > 1 ? ` (job ${j + 1} of the worker)` : '';
    console.log(`explorer in the worker${of}, unlocked 3x8 to ${MAX_STATES} states: ${median(jobs.map((x) => x.rate)).toFixed(0)} states/s median (${jobs.map((x) => x.rate.toFixed(0)).join(', ')}); ${r.states} states, ${r.transitions} transitions, verdict ${r.verdict}`);
    console.log(`  first second: ${k(median(jobs.map((x) => x.first)))} states/s median (${jobs.map((x) => k(x.first)).join(', ')}); the rest: ${k(median(jobs.map((x) => x.rest)))} states/s median (${jobs.map((x) => k(x.rest)).join(', ')})`);
    if (process.env.TIMELINE === '1') for (const x of jobs) console.log(`  ${timeline(x)}`);
  }
  console.log(`worker started (wasm compiled, catalog read): ${median(rows.map((x) => x.ready)).toFixed(0)} ms median (${rows.map((x) => x.ready.toFixed(0)).join(', ')})`);
  if (!COLD) console.log(`warm-up: ${rows[0].warm.states} states in ${median(rows.map((x) => x.warm.ms)).toFixed(0)} ms median (${rows.map((x) => x.warm.ms.toFixed(0)).join(', ')})`);
} finally {
  await browser.close();
  await server.close();
}
