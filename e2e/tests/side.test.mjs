// Side by side: race 1A's lost_write under v5.10 and under 6ce64428, aligned by the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { SideBySidePage } from '../pages/side.mjs';

const open = useSite();
const SIDE = 'v=1&s=race1a&p=v5_10&tr=lost_write&i=10&q=merged_6ce64428';

test('the fix\'s added steps are marked in its lanes, and the first differing state in both columns', async () => {
  const { page, url } = await open();
  const side = new SideBySidePage(page, url);
  await side.open(SIDE);
  // The fix adds its check and its flush; it holds nothing back on this trace.
  const kinds = await side.rowKinds();
  assert.ok(kinds.includes('added'));
  assert.ok(!kinds.includes('held-back'));
  assert.doesNotMatch(await side.summary.textContent(), /every step/i);
  assert.match(await side.summary.textContent(), /merged_6ce64428 adds \d+ steps/);
  const marked = await side.markedLines('b');
  assert.ok(marked.some((l) => l.mark === 'added' && /flush_tlb_page/.test(l.text)), JSON.stringify(marked));
  assert.deepEqual(await side.markedLines('a'), []);

  await page.keyboard.press('d');
  const d = await side.firstDiffRow();
  await side.waitForRow(d);
  assert.equal(await side.kind(), 'added');
  assert.match(await side.firstDifference.textContent(), /CPU3 TLB entry for V dropped/);
  assert.ok(await side.columnMarked('a'));
  assert.ok(await side.columnMarked('b'));
  // The row before it: both runs agree.
  await page.keyboard.press('ArrowLeft');
  await side.waitForRow(d - 1);
  assert.equal(await side.firstDifference.count(), 0);
});

test('the arrows and the clicker step both columns together, and the link holds both runs and both steps', async () => {
  const { page, url } = await open();
  const side = new SideBySidePage(page, url);
  await side.open(SIDE);
  const r = await side.row();
  const before = await side.steps();
  assert.equal(before.a, 10);
  await page.keyboard.press('PageDown');
  await side.waitForRow(r + 1);
  const after = await side.steps();
  assert.ok(after.a >= before.a && after.b > before.b);
  const link = await side.fragment();
  assert.match(link, /s=race1a/);
  assert.match(link, /p=v5_10/);
  assert.match(link, /&q=merged_6ce64428/);
  assert.match(link, new RegExp(`&i=${after.a}&q=merged_6ce64428&qi=${after.b}`));

  // The link reopens the same row.
  const again = new SideBySidePage(await page.context().newPage(), url);
  await again.open(link);
  assert.deepEqual(await again.steps(), after);
  assert.equal(await again.row(), r + 1);
});

test('the gallery opens side by side with the baseline from a fix\'s row', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.open();
  const row = page.locator('[data-testid="scenario-card"][data-scenario="race1a"] [data-testid="policy-row"][data-policy="merged_6ce64428"]');
  await row.getByTestId('compare-link').click();
  const side = new SideBySidePage(page, url);
  await side.root.waitFor();
  assert.match(await side.fragment(), /p=v5_10.*&q=merged_6ce64428/);
  // It opens where the baseline breaks: step 25.
  assert.equal((await side.steps()).a, 25);
});

test('the player opens side by side from its menu, and Esc gives the keys back', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=12');
  await player.compareSelect.selectOption('p:uffd_wp_write_lock');
  const side = new SideBySidePage(page, url);
  await side.root.waitFor();
  const kinds = await side.rowKinds();
  assert.ok(kinds.includes('held-back'), 'the write lock holds steps of v5.10 back');
  const held = await side.markedLines('a');
  assert.ok(held.length > 0 && held.every((l) => l.mark === 'held-back'));
  assert.match(await side.summary.textContent(), /holds back/);
  const r = await side.row();
  await page.keyboard.press('ArrowRight');
  await side.waitForRow(r + 1);
});

test('a presenter\'s note goes along into side by side: it shows in the first run\'s column and stays in the link', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open('/race/race1a');
  await page.waitForFunction(() => location.hash.startsWith('#v=2&'));
  const link = (await player.fragment()).replace(/&i=\d+/, '&i=16');
  await player.open(`${link}&note=16:CPU3%20writes%20here`);
  await player.compareSelect.selectOption('p:merged_6ce64428');
  const side = new SideBySidePage(page, url);
  await side.root.waitFor();
  const a = page.locator('[data-testid="side-col"][data-side="a"]');
  assert.match(await a.getByTestId('own-note').textContent(), /CPU3 writes here/);
  assert.equal(await page.locator('[data-testid="side-col"][data-side="b"] [data-testid="own-note"]').count(), 0);
  assert.match(await page.evaluate(() => location.hash), /&note=16:CPU3%20writes%20here/);
  // Stepping away from the note's step hides it; the link keeps it.
  await page.keyboard.press('End');
  await page.waitForFunction(() => !document.querySelector('[data-side="a"] [data-testid="own-note"]'));
  assert.match(await page.evaluate(() => location.hash), /&note=16:/);
});

test('at 1920x1080 the state panels of both runs are on screen without scrolling, the ones the step changes first', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1920, height: 1080 });
  const side = new SideBySidePage(page, url);
  await side.open(SIDE);
  await page.keyboard.press('d');
  await side.waitForRow(await side.firstDiffRow());
  const placed = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="side-panels"]')].map((col) => {
      const panels = [...col.querySelectorAll('.slot')].filter((s) => s.getBoundingClientRect().height > 0);
      return {
        panels: panels.length,
        bottom: Math.max(...panels.map((s) => s.getBoundingClientRect().bottom)),
        first: panels.map((s) => [s.getBoundingClientRect().top, s.getBoundingClientRect().left, s.classList.contains('now')])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])[0][2],
      };
    }));
  assert.equal(placed.length, 2);
  for (const [i, c] of placed.entries()) {
    assert.ok(c.panels >= 4, `column ${i} shows ${c.panels} panels`);
    assert.ok(c.bottom <= 1080, `column ${i}'s panels end at ${c.bottom}px, below the screen`);
  }
  // The fix's flush changes a TLB at this row: its TLB panel comes first.
  assert.equal(placed[1].first, true, 'the panel the step changes comes first');
  await side.screenshot('side-race1a-first-difference-1920x1080');
});
