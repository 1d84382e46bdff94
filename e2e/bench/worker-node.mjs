#!/usr/bin/env node
// The same search as e2e/bench/worker.mjs, on the same worker wasm (DIST_DIR's
// racelab_worker_bg.wasm, as scripts/build.sh builds it), run in Node's V8 instead of a
// Chromium worker: the worker's glue is loaded as it is, on a stand-in for the worker's global
// scope (`onmessage`, `postMessage`). It separates what the browser adds from what the wasm
// costs, and V8's flags can be given to node itself, e.g.
//
//   node --no-wasm-dynamic-tiering e2e/bench/worker-node.mjs [RUNS] [MAX_STATES] [JOBS]
//
// Each run instantiates the module afresh (a new compilation, as a new Worker does); JOBS > 1
// runs the job again on the same instance. Not a test: it prints figures.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DIST_DIR, E2E_DIR } from '../lib/server.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const MAX_STATES = Number(process.argv[3] ?? 1_000_000);
const JOBS = Number(process.argv[4] ?? 1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const glue = await readFile(path.join(DIST_DIR, 'racelab_worker.js'), 'utf8');
const bytes = await readFile(path.join(DIST_DIR, 'racelab_worker_bg.wasm'));
const fixture = await readFile(path.join(E2E_DIR, 'fixtures', 'unlocked-n3-k8.race'), 'utf8');
const job = JSON.stringify({
  Explore: {
    edits: [['unlocked-n3-k8.race', fixture]],
    scenario: 'unlocked_n3_k8',
    policy: 'as_written',
    model: 'sc',
    max_states: MAX_STATES,
    max_seconds: 600,
  },
});

// The worker answers within its `onmessage`: each message it posts lands in `inbox`.
let inbox = [];
globalThis.postMessage = (text) => inbox.push(JSON.parse(text));

let nth = 0;
async function run() {
  // A fresh copy of the glue (its module state holds the instance) and a fresh compilation.
  const { initSync } = await import(`data:text/javascript;base64,${Buffer.from(`${glue}\n// ${nth++}`).toString('base64')}`);
  inbox = [];
  const t0 = performance.now();
  initSync({ module: new WebAssembly.Module(bytes) });
  const ready = performance.now() - t0;
  if (inbox.shift() !== 'Ready') throw new Error('the worker did not say Ready');
  const jobs = [];
  for (let j = 0; j < JOBS; j++) {
    inbox = [];
    globalThis.onmessage({ data: job });
    const done = inbox.find((m) => m.Done)?.Done.found;
    if (!done) throw new Error(`the worker answered ${JSON.stringify(inbox.at(-1))}`);
    const progress = inbox.filter((m) => m.Progress).map((m) => [m.Progress.ms, m.Progress.states]);
    const first = [...progress].reverse().find(([ms]) => ms <= 1000) ?? [0, 0];
    jobs.push({
      ...done,
      rate: (done.states * 1000) / done.ms,
      first: first[0] ? (first[1] * 1000) / first[0] : NaN,
      rest: ((done.states - first[1]) * 1000) / (done.ms - first[0]),
    });
  }
  return { ready, jobs };
}

const k = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const rows = [];
for (let i = 0; i < RUNS; i++) rows.push(await run());
const r = rows[0].jobs[0];
console.log(`node ${process.version} (V8 ${process.versions.v8}), flags: ${process.execArgv.join(' ') || 'none'}; runs: ${RUNS}; jobs per instance: ${JOBS}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let j = 0; j < JOBS; j++) {
  const jobs = rows.map((row) => row.jobs[j]);
  const of = JOBS > 1 ? ` (job ${j + 1} of the instance)` : '';
  console.log(`explorer's worker wasm in node${of}, unlocked 3x8 to ${MAX_STATES} states: ${median(jobs.map((x) => x.rate)).toFixed(0)} states/s median (${jobs.map((x) => x.rate.toFixed(0)).join(', ')}); ${r.states} states, verdict ${r.verdict}`);
  console.log(`  first second: ${k(median(jobs.map((x) => x.first)))} states/s median (${jobs.map((x) => k(x.first)).join(', ')}); the rest: ${k(median(jobs.map((x) => x.rest)))} states/s median (${jobs.map((x) => k(x.rest)).join(', ')})`);
}
console.log(`instantiated (compiled, catalog read): ${median(rows.map((x) => x.ready)).toFixed(0)} ms median (${rows.map((x) => x.ready.toFixed(0)).join(', ')})`);
