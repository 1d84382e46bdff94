#!/usr/bin/env node
// The gallery's start, in headless Chromium: how long from navigation until the gallery shows
// its first card and every card, and where the main thread spends that time.
//
//   node e2e/bench/startup.mjs [RUNS] [TOP]     (after scripts/build.sh; default 9 runs, top 25)
//
// First RUNS cold loads of `#/` (a fresh browser context each: no HTTP cache, no compiled-code
// cache; one more before them warms the server and the browser process up), each reading, from
// the navigation start:
//   - wasm fetched (the resource's responseEnd), wasm started (`racelab:start`, when `main`
//     runs), catalog parsed (`racelab:catalog`);
//   - first card: the first `scenario-card` in the DOM;
//   - every card: the gallery's `data-complete` turns true (every card in the DOM, each with
//     its chips);
//   - the longest main-thread task that started before every card was in (Long Tasks API).
// Then one more load under a CPU profile (Chrome DevTools Protocol's `Profiler`, sampling every
// 100 µs) until every card is drawn: the functions with the most time, inclusive of what they
// call and on their own. Not a test: it prints figures and what to look at. RUNS=0 profiles only.
// Function names need a build that keeps the wasm's name section:
//
//   KEEP_NAMES=1 scripts/build.sh && node e2e/bench/startup.mjs 0
//
// PROFILE=FILE.cpuprofile also writes the profile there. DIST_DIR, BASE_URL and CHROMIUM work as
// for the e2e tests.
import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const RUNS = Number(process.argv[2] ?? 9);
const TOP = Number(process.argv[3] ?? 25);

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// Records the long tasks, and the moments the first card and the last one are in the DOM.
function recorder() {
  window.__tasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__tasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  window.__cards = { first: NaN, all: NaN };
  const seen = new MutationObserver(() => {
    const c = window.__cards;
    if (Number.isNaN(c.first) && document.querySelector('[data-testid="scenario-card"]')) c.first = performance.now();
    if (Number.isNaN(c.all) && document.querySelector('[data-testid="gallery"][data-complete="true"]')) {
      c.all = performance.now();
      seen.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    seen.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-complete'] }));
}

async function open(context) {
  const page = await context.newPage();
  await page.goto(server.url + '#/');
  await page.locator('[data-testid="gallery"][data-complete="true"]').waitFor({ timeout: 300_000 });
  return page;
}

async function timed() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(recorder);
  const page = await open(context);
  const m = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.includes('racelab_web_bg.wasm'));
    const { first, all } = window.__cards;
    const before = window.__tasks.filter((t) => t.start < all);
    return {
      wasmFetched: wasm?.responseEnd ?? NaN,
      start: at('racelab:start'),
      catalog: at('racelab:catalog'),
      first,
      all,
      longest: Math.max(0, ...before.map((t) => t.ms)),
      cards: document.querySelectorAll('[data-testid="scenario-card"]').length,
    };
  });
  await context.close();
  return m;
}

try {
  if (RUNS > 0) {
    const before = loadavg();
    await timed(); // warm-up
    const rows = [];
    for (let i = 0; i < RUNS; i++) rows.push(await timed());
    console.log(`${RUNS} cold loads of #/ (${rows[0].cards} cards), load average before ${before}, after ${loadavg()}; ms from navigation:`);
    for (const [name, key] of [
      ['wasm fetched', 'wasmFetched'],
      ['wasm started (main)', 'start'],
      ['catalog parsed', 'catalog'],
      ['first card in the DOM', 'first'],
      ['every card in the DOM', 'all'],
      ['longest main-thread task', 'longest'],
    ]) {
      const s = stats(rows.map((r) => r[key]));
      console.log(`  ${name.padEnd(26)} median ${s.median.toFixed(0).padStart(5)} ms  (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`);
    }
  }
  if (TOP > 0) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(recorder);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    await page.goto(server.url + '#/');
    await page.locator('[data-testid="gallery"][data-complete="true"]').waitFor({ timeout: 300_000 });
    const { profile } = await cdp.send('Profiler.stop');
    if (process.env.PROFILE) await writeFile(process.env.PROFILE, JSON.stringify(profile)); // opens in DevTools' Performance panel
    const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
    const cards = await page.evaluate(() => window.__cards);
    const tasks = await page.evaluate(() => window.__tasks);
    await context.close();

    // Self and inclusive time per function (name and script), from the samples.
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const label = (n) => {
      const f = n.callFrame;
      const where = f.url ? f.url.split('/').pop().split('?')[0] : '';
      return `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
    };
    const self = new Map();
    const total = new Map();
    let all = 0;
    profile.samples.forEach((id, i) => {
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      all += dt;
      const leaf = byId.get(id);
      self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const l = label(byId.get(at));
        if (!seen.has(l)) total.set(l, (total.get(l) ?? 0) + dt), seen.add(l);
      }
    });
    const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP);
    console.log(`\nprofiled load: load average ${loadavg()}; profile ${all.toFixed(0)} ms`);
    console.log('marks (ms from navigation):', Object.entries({ ...marks, 'first card': cards.first, 'every card': cards.all })
      .map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
    console.log('long tasks (start+ms):', tasks.sort((a, b) => a.start - b.start).map((t) => `${t.start.toFixed(0)}+${t.ms.toFixed(0)}`).join(', '));
    console.log(`\ninclusive (top ${TOP}):`);
    for (const [l, ms] of top(total)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${l}`);
    console.log(`\nself (top ${TOP}):`);
    for (const [l, ms] of top(self)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${l}`);
  }
} finally {
  await browser.close();
  await server.close();
}
