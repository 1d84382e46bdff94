// The lab: edit a scenario (or write one, or import a C litmus test), see the core's
// diagnostics where they belong, run it in the player, check it in the explorer's Web Worker
// while the page stays responsive, and find the draft again after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { useSite } from '../lib/harness.mjs';
import { E2E_DIR } from '../lib/server.mjs';
import { EditorPage } from '../pages/editor.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();
const ROOT = path.resolve(E2E_DIR, '..');
const traces = (p) => readFile(path.join(ROOT, 'traces', p), 'utf8');
const fixture = (p) => readFile(path.join(E2E_DIR, 'fixtures', p), 'utf8');
const lineOf = (text, needle, from = 0) => {
  const lines = text.split('\n');
  const i = lines.findIndex((l, j) => j >= from && l.includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i + 1;
};

/** Records Content-Security-Policy violations from the first script on. */
async function watchCsp(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return async () => page.evaluate(() => window.__csp ?? []);
}

test('removing the flush of merged_6ce64428 from do_wp_page makes race 1A lose the write under that fix', async () => {
  const { page, url } = await open();
  const csp = await watchCsp(page);
  const editor = new EditorPage(page, url);
  await editor.open('race1a');
  assert.equal(await editor.mainFile(), 'race1a-uffd-unprotect.race');
  const files = (await editor.tabList()).map((t) => t.file);
  assert.deepEqual(files.slice(0, 1), ['race1a-uffd-unprotect.race']);
  assert.ok(files.includes('kernel/memory.race') && files.includes('kernel/userfaultfd.race'), files.join(' '));

  const memory = await traces('kernel/memory.race');
  const fix = lineOf(memory, '6ce64428: uffd-wp may have deferred a flush');
  const flush = lineOf(memory, 'flush_tlb_page(va)', fix);
  await editor.openTab('kernel/memory.race');
  await editor.replaceLine(flush, '# the flush, removed');
  await editor.waitForSaved('kernel/memory.race', '# the flush, removed');
  await editor.noDiagnostics.waitFor();
  assert.equal((await editor.tabList()).find((t) => t.file === 'kernel/memory.race').edited, true);
  await editor.screenshot('lab-edit-race1a-1280x800');

  await editor.run();
  const player = new PlayerPage(page, url);
  assert.equal(await player.attr('scenario'), 'race1a');
  assert.match(await editor.fragment(), /^\/lab\/v=2&s=race1a&/);
  await page.getByTestId('edited-notice').waitFor();
  await player.selectPolicy('merged_6ce64428');
  const at = await player.jumpToViolation();
  assert.ok(at > 0);
  assert.equal((await player.invariant('no_lost_write')).state, 'broken');
  assert.deepEqual(await csp(), []);

  // The link of the edited run carries the edit (version 2, src=), says its length, and opens
  // the same run at the same step in a browser that has no draft.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const length = await page.getByTestId('link-length').textContent();
  assert.match(length, /^link: \d+ bytes$/, length);
  await player.copyButton.click();
  await page.locator('[data-testid="copy-status"]', { hasText: 'copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.startsWith(url), copied);
  assert.match(copied, /#v=2&s=race1a&h=[a-z2-7]{10}&p=merged_6ce64428&t=[a-z0-9_]+&i=\d+&src=[A-Za-z0-9_-]+$/);
  assert.equal(Number(length.match(/\d+/)[0]), copied.split('#')[1].length);
  const schedule = await player.attr('steps');

  const fresh = await open(); // a fresh browser context: no draft

  const other = new PlayerPage(fresh.page, fresh.url);
  await other.open(copied.split('#')[1]);
  assert.equal(await other.attr('policy'), 'merged_6ce64428');
  assert.equal(await other.step(), at);
  assert.equal(await other.attr('steps'), schedule);
  assert.equal((await other.invariant('no_lost_write')).state, 'broken');
  assert.match(await other.notice.textContent(), /carries its own source/);
});

test('a typo in a thread is reported at its line and column, in the core\'s words, and in the gutter', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('race1a');
  const race = await traces('race1a-uffd-unprotect.race');
  const line = lineOf(race, 'userfaultfd_writeprotect(V, 0)');
  await editor.replaceLine(line, 'userfaultfd_writeprotec(V, 0)');
  await editor.waitForDiagnosticCount(1);
  const [d] = await editor.diagnosticItems();
  assert.equal(d.file, 'race1a-uffd-unprotect.race');
  assert.equal(d.line, line);
  assert.equal(d.col, 3);
  assert.match(d.text, new RegExp(`^race1a-uffd-unprotect\\.race:${line}:3: .*userfaultfd_writeprotec`));
  await editor.gutterErrors.first().waitFor();
  const ms = Number(await editor.diagnosticList.getAttribute('data-check-ms'));
  assert.ok(ms >= 0);
  assert.equal(await editor.diagnosticList.getAttribute('data-checked-in'), 'worker', 'the core checked the draft in a worker');

  // Fixed again: the diagnostic goes.
  await editor.replaceLine(line, 'userfaultfd_writeprotect(V, 0)');
  await editor.waitForDiagnosticCount(0);
});

test('a register the fault handler clobbers is a warning in the gutter, with the core\'s message, and the draft still runs', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('race1a');
  const race = await traces('race1a-uffd-unprotect.race');
  const line = lineOf(race, 'store V[1] = 2');
  // The writer keeps `ok` across its store; the store faults, and do_wp_page assigns `ok`.
  await editor.replaceLine(line, 'ok = 2');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('store V[1] = ok');
  await editor.waitForSaved('race1a-uffd-unprotect.race', 'store V[1] = ok');
  await editor.waitForDiagnosticCount(1);
  const [d] = await editor.diagnosticItems();
  assert.deepEqual([d.file, d.line, d.col], ['race1a-uffd-unprotect.race', line + 1, 3]);
  assert.match(d.text, new RegExp(`^race1a-uffd-unprotect\\.race:${line + 1}:3: warning: the fault handler \`do_user_addr_fault\`, run when this access faults, assigns register \`ok\` \\(in \`do_wp_page\`\\), which thread \`writer\` set at line ${line} and reads at line ${line + 1}`));
  assert.equal(await editor.diagnostics.first().getAttribute('data-severity'), 'warning');
  const marker = page.locator('[data-testid="editor-host"] .cm-gutter-lint .cm-lint-marker-warning');
  await marker.waitFor();
  assert.equal(await editor.gutterErrors.count(), 0, 'a warning is not an error');
  await editor.screenshot('lab-warning-1280x800');
  await marker.hover();
  const tooltip = page.locator('[data-testid="editor-host"] .cm-tooltip-lint .cm-diagnosticText');
  await tooltip.first().waitFor();
  assert.match(await tooltip.first().textContent(), /^the fault handler `do_user_addr_fault`, run when this access faults, assigns register `ok`/);

  await editor.run();
  const player = new PlayerPage(page, url);
  assert.equal(await player.attr('scenario'), 'race1a');
  assert.ok(await player.jumpToViolation() > 0, 'the edited race still loses the write under v5.10');
});

test('without Web Workers the diagnostics are checked on the main thread, the same ones', async () => {
  const { page, url } = await open();
  await page.context().addInitScript(() => { delete window.Worker; });
  const editor = new EditorPage(page, url);
  await editor.open('race1a');
  const race = await traces('race1a-uffd-unprotect.race');
  const line = lineOf(race, 'userfaultfd_writeprotect(V, 0)');
  await editor.replaceLine(line, 'userfaultfd_writeprotec(V, 0)');
  await editor.waitForDiagnosticCount(1);
  const [d] = await editor.diagnosticItems();
  assert.deepEqual([d.file, d.line, d.col], ['race1a-uffd-unprotect.race', line, 3]);
  assert.equal(await editor.diagnosticList.getAttribute('data-checked-in'), 'main-thread');
});

test('a reload finds the draft restored, and another scenario asks before replacing it', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('race1a');
  const race = await traces('race1a-uffd-unprotect.race');
  const line = lineOf(race, 'title "uffd-wp');
  await editor.replaceLine(line, 'title "my variant of 1A"');
  await editor.waitForSaved('race1a-uffd-unprotect.race', 'my variant of 1A');

  await page.reload();
  await editor.ready();
  await page.locator('[data-testid="editor-host"] .cm-content', { hasText: 'my variant of 1A' }).waitFor();
  assert.equal((await editor.tabList())[0].edited, true);

  await editor.navigate('#/edit/race1b');
  await editor.confirm.waitFor();
  await page.getByTestId('draft-keep').click();
  await editor.ready();
  assert.equal(await editor.mainFile(), 'race1a-uffd-unprotect.race');
  await page.locator('[data-testid="editor-host"] .cm-content', { hasText: 'my variant of 1A' }).waitFor();

  await editor.navigate('#/edit/race1b');
  await page.getByTestId('draft-discard').click();
  await editor.ready();
  assert.equal(await editor.mainFile(), 'race1b-uffd-wp-vs-unwp.race');
  assert.equal((await editor.savedDraft()).main, 'race1b-uffd-wp-vs-unwp.race');
});

test('a pasted LKMM litmus test becomes a scenario that runs, and what cannot be imported is named', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('new');
  await editor.noDiagnostics.waitFor();
  await editor.pasteLitmus('C broken\n{}\nP0(int *x) { frobnicate(x); }\nexists (x=1)\n');
  await editor.litmusError.waitFor();
  assert.match(await editor.litmusError.textContent(), /^pasted\.litmus:\d+:\d+: /);

  const sb = await traces('validation/lkmm/SB+poonceonces.litmus');
  await editor.litmusText.fill(sb);
  await editor.litmusConvert.click();
  await page.locator('[data-testid="editor-main"]', { hasText: 'pasted.race' }).waitFor();
  await editor.noDiagnostics.waitFor();
  await editor.run();
  const player = new PlayerPage(page, url);
  assert.match(await player.attr('scenario'), /sb|SB/i);
  await player.selectModel('x86-tso');
  const r = await player.checkEveryInterleaving(60_000);
  assert.equal(r.verdict, 'violated', 'x86-TSO lets both loads read 0 (herd: Sometimes)');
});

test('the explorer runs in a worker: ~10^6 states, the page answers clicks while it searches, cancel and bounds', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('new');
  await editor.fileInput.setInputFiles({ name: 'unlocked-n3-k8.race', mimeType: 'text/plain', buffer: Buffer.from(await fixture('unlocked-n3-k8.race')) });
  await page.locator('[data-testid="editor-main"]', { hasText: 'unlocked-n3-k8.race' }).waitFor();
  await editor.noDiagnostics.waitFor();
  await editor.run();
  const player = new PlayerPage(page, url);

  await page.getByTestId('explorer-max-states').fill('1000000');
  await page.getByTestId('explorer-max-states').dispatchEvent('change');
  await player.explorerRun.click();
  await page.waitForFunction(() => /[1-9][\d,]* states/.test(document.querySelector('[data-testid="explorer-progress"]')?.textContent ?? ''));
  // While the worker searches, a click on the page is answered at once: the step moves.
  const latencies = [];
  for (let i = 0; i < 5; i += 1) {
    latencies.push(await page.evaluate(() => new Promise((resolve) => {
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
  // Every click was answered before the search ended: the search does not hold the page's
  // thread. How fast a click is answered depends on the machine: e2e/bench/lab.mjs measures it.
  assert.equal(await page.getByTestId('explorer-status').getAttribute('data-state'), 'running', 'the search was still running');
  console.log(`# click latencies while searching: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);

  const verdict = await player.explorerVerdict.waitFor({ timeout: 120_000 }).then(() => player.explorerVerdict);
  assert.equal(await verdict.getAttribute('data-verdict'), 'unknown');
  assert.match(await verdict.textContent(), /^Unknown: stopped at the bound of 1,000,000 states\.$/);

  // Cancel stops a search at once.
  await page.getByTestId('explorer-max-states').fill('50000000');
  await page.getByTestId('explorer-max-states').dispatchEvent('change');
  await player.explorerRun.click();
  await page.getByTestId('explorer-progress').waitFor();
  await page.getByTestId('explorer-cancel').click();
  await player.explorerRun.waitFor();
  assert.equal(await page.getByTestId('explorer-status').count(), 0);
});

test('a draft\'s text is rendered as text: markup in a title stays characters', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('new');
  const template = await readFile(path.join(ROOT, 'web/src/pages/editor/template.race'), 'utf8');
  const line = lineOf(template, 'title "my scenario"');
  await editor.replaceLine(line, 'title "<img src=x data-pwned=1> <b>bold</b>"');
  await editor.waitForSaved('mine.race', '<img src=x');
  await editor.noDiagnostics.waitFor();
  await editor.run();
  const heading = page.locator('#player-heading');
  await heading.waitFor();
  assert.match(await heading.textContent(), /<img src=x data-pwned=1> <b>bold<\/b>/);
  assert.equal(await page.locator('[data-pwned]').count(), 0);
  assert.equal(await page.locator('#player-heading b').count(), 0);
});

test('the edited file downloads as it is', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.open('new');
  const [download] = await Promise.all([page.waitForEvent('download'), editor.downloadButton.click()]);
  assert.equal(download.suggestedFilename(), 'mine.race');
  const stream = await download.createReadStream();
  let text = '';
  for await (const chunk of stream) text += chunk;
  assert.match(text, /^racelab 1\n/);
  assert.match(text, /scenario mine \{/);
});

test('a lab link without a draft in this browser gets a clear error', async () => {
  const { page, url } = await open();
  const editor = new EditorPage(page, url);
  await editor.goto('#/lab/v=1&s=race1a&p=v5_10&tr=lost_write&i=3');
  await page.getByTestId('error-view').waitFor();
  assert.match(await page.getByTestId('error-message').textContent(), /no draft in this browser/);
});
