#!/usr/bin/env node
// Where the gallery's start spends the main thread, in headless Chromium: a CPU profile
// (Chrome DevTools Protocol's `Profiler`, sampling every 100 µs) from navigation until every
// verdict is shown, then the functions with the most time, inclusive of what they call and on
// their own, and the longest main-thread tasks (Long Tasks API). Not a test: it prints what to
// look at. Function names need a build that keeps the wasm's name section:
//
//   KEEP_NAMES=1 WASM_OPT=none scripts/build.sh && node e2e/bench/startup.mjs [TOP]
//
// DIST_DIR, BASE_URL and CHROMIUM work as for the e2e tests.
import os from 'node:os';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const TOP = Number(process.argv[2] ?? 25);

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.__tasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__tasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.goto(server.url + '#/');
  await page.locator('[data-testid="gallery-progress"][data-done="true"]').waitFor({ timeout: 300_000 });
  const { profile } = await cdp.send('Profiler.stop');
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
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
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; profile ${all.toFixed(0)} ms`);
  console.log('marks (ms from navigation):', Object.entries(marks).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  console.log('long tasks (start, ms):', tasks.sort((a, b) => b.ms - a.ms).slice(0, 8).map((t) => `${t.start.toFixed(0)}+${t.ms.toFixed(0)}`).join(', '));
  console.log(`\ninclusive (top ${TOP}):`);
  for (const [l, ms] of top(total)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${l}`);
  console.log(`\nself (top ${TOP}):`);
  for (const [l, ms] of top(self)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${l}`);
} finally {
  await browser.close();
  await server.close();
}
