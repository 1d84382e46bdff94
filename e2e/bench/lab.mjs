#!/usr/bin/env node
// Measures the lab in headless Chromium and prints figures for the README. Not a test.
//
//   node e2e/bench/lab.mjs [RUNS]        (after scripts/build.sh; default 5 runs)
//
// - edit to diagnostic: on `#/edit/race1a`, one character typed at the end of a statement of
//   race1a's file (or of kernel/memory.race, which most races use), from the key press until
//   the core's diagnostic is listed: the editor's 250 ms pause after typing included; and the
//   core's check alone (`data-check-ms`, `lab::check_edits` in the editor's worker);
// - the explorer in the worker: states per second on bench/compare's "unlocked 3×8" model
//   (e2e/fixtures/unlocked-n3-k8.race), stopped at 10^6 states, as the page reports it.
// DIST_DIR, BASE_URL and CHROMIUM work as for the e2e tests.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { EditorPage } from '../pages/editor.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const ROOT = path.resolve(E2E_DIR, '..');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = process.env.BASE_URL
  ? { url: process.env.BASE_URL.replace(/\/?$/, '/'), close: async () => {} }
  : await startServer();
const browser = await launchBrowser();

async function editToDiagnostic(file, needle) {
  const rows = [];
  const text = await readFile(path.join(ROOT, 'traces', file), 'utf8');
  const line = text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const editor = new EditorPage(page, server.url);
    await editor.open('race1a');
    if (file !== 'race1a-uffd-unprotect.race') await editor.openTab(file);
    // The cursor to the end of the line (its text typed over by itself: no change yet).
    await editor.replaceLine(line, text.split('\n')[line - 1].trim());
    // One character that breaks the line: from the key press to the listed diagnostic.
    const t0 = await page.evaluate(() => performance.now());
    await page.keyboard.insertText('x');
    await page.locator('[data-testid="diagnostic"]').first().waitFor();
    const t1 = await page.evaluate(() => performance.now());
    const check = Number(await editor.diagnosticList.getAttribute('data-check-ms'));
    rows.push({ total: t1 - t0, check });
    await context.close();
  }
  return rows;
}

async function workerRate() {
  const rows = [];
  const fixture = await readFile(path.join(E2E_DIR, 'fixtures', 'unlocked-n3-k8.race'));
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const editor = new EditorPage(page, server.url);
    await editor.open('new');
    await editor.fileInput.setInputFiles({ name: 'unlocked-n3-k8.race', mimeType: 'text/plain', buffer: fixture });
    await page.locator('[data-testid="editor-main"]', { hasText: 'unlocked-n3-k8.race' }).waitFor();
    await editor.run();
    await page.getByTestId('explorer-max-states').fill('1000000');
    await page.getByTestId('explorer-max-states').dispatchEvent('change');
    await page.getByTestId('explorer-run').click();
    await page.waitForFunction(() => /[1-9][\d,]* states/.test(document.querySelector('[data-testid="explorer-progress"]')?.textContent ?? ''));
    // While the worker searches: from a click on "step" to the player showing the new step.
    const clicks = [];
    for (let c = 0; c < 5; c += 1) {
      clicks.push(await page.evaluate(() => new Promise((resolve) => {
        const player = document.querySelector('[data-testid="player"]');
        const before = player.dataset.step;
        const button = document.querySelector(before === '0' || Number(before) < Number(player.dataset.steps) ? '[data-testid="step-forward"]' : '[data-testid="step-back"]');
        const t0 = performance.now();
        const seen = new MutationObserver(() => {
          if (player.dataset.step !== before) {
            seen.disconnect();
            resolve(performance.now() - t0);
          }
        });
        seen.observe(player, { attributes: true, attributeFilter: ['data-step'] });
        button.click();
      })));
    }
    const running = (await page.getByTestId('explorer-status').getAttribute('data-state')) === 'running';
    await page.getByTestId('explorer-verdict').waitFor({ timeout: 300_000 });
    const stats = await page.getByTestId('explorer-stats').textContent();
    const m = stats.match(/^([\d,]+) states .* ([\d.]+) ms$/);
    const states = Number(m[1].replace(/,/g, ''));
    const ms = Number(m[2]);
    rows.push({ states, ms, rate: (states * 1000) / ms, click: median(clicks), running });
    await context.close();
  }
  return rows;
}

try {
  const thread = await editToDiagnostic('race1a-uffd-unprotect.race', 'userfaultfd_writeprotect(V, 0)');
  const kernel = await editToDiagnostic('kernel/memory.race', 'wp_page_reuse(va)');
  const rate = await workerRate();
  const f = (xs, k) => `${median(xs.map((r) => r[k])).toFixed(0)} ms (min ${Math.min(...xs.map((r) => r[k])).toFixed(0)}, max ${Math.max(...xs.map((r) => r[k])).toFixed(0)})`;
  console.log(`runs: ${RUNS}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`edit to diagnostic, race1a's own file:  ${f(thread, 'total')}; the core's check alone ${f(thread, 'check')}`);
  console.log(`edit to diagnostic, kernel/memory.race: ${f(kernel, 'total')}; the core's check alone ${f(kernel, 'check')}`);
  console.log(`explorer in the worker, unlocked 3x8 to 10^6 states: ${median(rate.map((r) => r.rate)).toFixed(0)} states/s (median; ${rate.map((r) => r.rate.toFixed(0)).join(', ')})`);
  const during = rate.filter((r) => r.running);
  console.log(`click to new step while the worker searches: ${f(during, 'click')} (median of 5 clicks per run; ${during.length} of ${rate.length} runs still searching after the clicks)`);
} finally {
  await browser.close();
  await server.close();
}
