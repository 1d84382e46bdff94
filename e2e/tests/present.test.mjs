// Presentation mode: one screen at 1280x720 and 1920x1080, large type, a clicker's keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();
const RACE1A = 'v=1&s=race1a&p=v5_10&tr=lost_write';

/** Which of the meeting's parts are not wholly inside the viewport (no scrolling). */
async function offScreen(page) {
  return page.evaluate(() => {
    const parts = {
      sentence: '[data-testid="step-sentence"]',
      invariants: '[data-testid="invariants"]',
      'page table': '[data-testid="page-table"]',
      tlbs: '[data-testid="tlbs"]',
      pages: '[data-testid="pages"]',
      counters: '[data-testid="counters"]',
      'current line': '.line.current',
    };
    const out = [];
    for (const [name, sel] of Object.entries(parts)) {
      const el = document.querySelector(sel);
      if (!el) { out.push(`${name}: missing`); continue; }
      const r = el.getBoundingClientRect();
      if (r.top < 0 || r.left < 0 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.height === 0) {
        out.push(`${name}: ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
      }
    }
    for (const lane of document.querySelectorAll('[data-testid="lane"][data-runs="true"]')) {
      const r = lane.getBoundingClientRect();
      if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.height === 0) out.push(`lane ${lane.dataset.thread}`);
    }
    if (document.scrollingElement.scrollHeight > innerHeight + 1) out.push(`the page scrolls (${document.scrollingElement.scrollHeight}px)`);
    return out;
  });
}

for (const [width, height] of [[1280, 720], [1920, 1080]]) {
  test(`at ${width}x${height} presentation mode shows the lanes, the sentence, the invariants and the changing panels without scrolling`, async () => {
    const { page, url } = await open();
    await page.setViewportSize({ width, height });
    const player = new PlayerPage(page, url);
    await player.open(`${RACE1A}&i=16`);
    await page.keyboard.press('p');
    await player.waitForPresenting(true);
    assert.deepEqual(await offScreen(page), []);
    assert.equal(await page.locator('.site-header').isVisible(), false);
  });
}

for (const [width, height] of [[1280, 720], [1920, 1080]]) {
  test(`at ${width}x${height} a step with the trace's note and a presenter's note still fits on one screen`, async () => {
    const { page, url } = await open();
    await page.setViewportSize({ width, height });
    const player = new PlayerPage(page, url);
    // The current race 1A, whose `say at 16` a version 1 link (an older version) does not have.
    await player.open('/race/race1a');
    await page.waitForFunction(() => location.hash.startsWith('#v=2&'));
    const link = (await player.fragment()).replace(/&i=\d+/, '&i=16');
    await player.open(`${link}&note=16:here%20CPU3%20still%20writes%3A%20look%20at%20its%20TLB&view=present`);
    await player.waitForPresenting(true);
    assert.equal(await page.getByTestId('say-note').count(), 1);
    assert.equal(await page.getByTestId('own-note').count(), 1);
    assert.deepEqual(await offScreen(page), []);
  });
}

/** The places where a lane's code line wraps inside a word (not after `_`, `,`, a space or before `(`). */
async function wordBreaks(page) {
  return page.evaluate(() => {
    const out = [];
    for (const code of document.querySelectorAll('.lane .line code')) {
      const text = code.textContent;
      const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      const chars = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (let i = 0; i < n.length; i++) {
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + 1);
          const box = r.getClientRects()[0];
          if (box) chars.push({ c: n.data[i], top: box.top });
        }
      }
      for (let i = 1; i < chars.length; i++) {
        if (chars[i].top > chars[i - 1].top + 2) {
          const before = chars[i - 1].c;
          const after = chars[i].c;
          if (!/[_,\s(-]/.test(before) && after !== '(' && !/\s/.test(after)) out.push(`${text} (between ${before} and ${after})`);
        }
      }
    }
    return out;
  });
}

for (const [width, height] of [[1280, 720], [1920, 1080]]) {
  test(`at ${width}x${height} code in the lanes wraps between words, never inside an identifier`, async () => {
    const { page, url } = await open();
    await page.setViewportSize({ width, height });
    const player = new PlayerPage(page, url);
    await player.open(`${RACE1A}&i=16&view=present`);
    await player.waitForPresenting(true);
    assert.deepEqual(await wordBreaks(page), []);
  });
}

test('at 1920x1080 the body and code text of presentation mode is at least 20 px', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1920, height: 1080 });
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=16&view=present`);
  await player.waitForPresenting(true);
  const sizes = await page.evaluate(() => {
    const px = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetParent).map((e) => parseFloat(getComputedStyle(e).fontSize));
    return {
      code: Math.min(...px('.line code')),
      sentence: Math.min(...px('[data-testid="step-sentence"] .what, [data-testid="step-sentence"] .statement code')),
      panels: Math.min(...px('.panel td, .panel li')),
    };
  });
  for (const [what, size] of Object.entries(sizes)) assert.ok(size >= 20, `${what} text is ${size}px`);
});

test('a clicker steps presentation mode with PageDown and PageUp, the arrows too, and Esc leaves it', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1280, height: 720 });
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=3`);
  await player.presentButton.click();
  await player.waitForPresenting(true);
  assert.match(await player.fragment(), /&view=present$/);
  await page.keyboard.press('PageDown');
  await player.waitForStep(4);
  await page.keyboard.press('PageDown');
  await player.waitForStep(5);
  await page.keyboard.press('PageUp');
  await player.waitForStep(4);
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(5);
  await page.keyboard.press('Escape');
  await player.waitForPresenting(false);
  assert.doesNotMatch(await player.fragment(), /view=present/);
  assert.equal(await page.locator('.site-header').isVisible(), true);
});

test('a link with view=present opens in presentation mode, and the gallery leaves it', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=25&view=present`);
  await player.waitForPresenting(true);
  assert.equal(await player.step(), 25);
  await player.navigate('#/');
  await page.getByTestId('gallery').waitFor();
  await player.waitForPresenting(false);
});

test('a trace\'s presenter notes show at their step, and a note attached in the page survives a reload and travels in the copied link', async () => {
  const { page, url, context } = await open();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const player = new PlayerPage(page, url);
  // The current race 1A (a version 1 link opens the version it was made from).
  await player.open('/race/race1a');
  await page.waitForFunction(() => location.hash.startsWith('#v=2&'));
  const link = (await player.fragment()).replace(/&i=\d+/, '&i=16');
  await player.open(link);
  assert.equal(await player.step(), 16);
  // race1a's `say at 16` for v5_10.
  assert.match(await page.getByTestId('say-note').textContent(), /stale writable entry/);
  await page.keyboard.press('ArrowRight');
  await page.locator('[data-testid="player"][data-step="17"]').waitFor();
  assert.equal(await page.getByTestId('say-note').count(), 0);

  await page.getByTestId('note-add').click();
  await page.getByTestId('note-input').fill('here CPU3 still writes: look at its TLB');
  await page.getByTestId('note-done').click();
  assert.match(await page.getByTestId('own-note').textContent(), /here CPU3 still writes: look at its TLB/);
  assert.match(await page.evaluate(() => location.hash), /&note=17:here%20CPU3%20still%20writes%3A%20look%20at%20its%20TLB/);
  // Typing does not step the player.
  assert.equal(await player.step(), 17);

  await page.reload();
  await player.root.waitFor();
  assert.match(await page.getByTestId('own-note').textContent(), /here CPU3 still writes/);

  await player.copyButton.click();
  await page.locator('[data-testid="copy-status"]', { hasText: 'copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const fresh = await open();
  await fresh.page.setViewportSize({ width: 1920, height: 1080 });
  const other = new PlayerPage(fresh.page, fresh.url);
  await other.open(`${copied.split('#')[1]}&view=present`);
  await other.waitForPresenting(true);
  const note = fresh.page.getByTestId('own-note');
  assert.match(await note.textContent(), /here CPU3 still writes/);
  const px = await note.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(px >= 20, `the note is ${px}px in presentation mode`);
  assert.deepEqual(await offScreen(fresh.page), []);
  await other.screenshot('present-own-note-1920x1080');
});
