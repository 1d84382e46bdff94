// The keyboard never gets stuck: selects give the keys back, Esc releases focus, the keys
// 1-9 are on the buttons they press; and the three-part meeting of issue 12, keys only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { SideBySidePage } from '../pages/side.mjs';

const open = useSite();
const RACE1A = 'v=1&s=race1a&p=v5_10&tr=lost_write';

test('after a policy is chosen from its select the arrow keys step, without a history entry per key', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=5`);
  await player.selectPolicy('merged_6ce64428');
  const step = await player.step();
  const length = await page.evaluate(() => history.length);
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(step + 1);
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(step + 2);
  assert.equal(await player.policy(), 'merged_6ce64428');
  assert.equal(await page.evaluate(() => history.length), length);
});

test('Esc in a select gives the keys back to the player', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=5`);
  await player.policySelect.focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(6);
  assert.equal(await player.policy(), 'v5_10');
});

test('the keys 1 to 9 are shown on the "who runs next" buttons they press', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(`v=1&s=race1a&p=v5_10&tr=lost_write&i=0`);
  const keys = await player.keysShown();
  assert.deepEqual(keys, { monitor: '1', writer: '2', stale: '3' });
  // Key 3 runs the thread whose button shows 3.
  await page.keyboard.press('3');
  await player.waitForStep(1);
  assert.equal(await player.sentence.getAttribute('data-thread'), 'stale');
});

test('the three-part meeting, keyboard only: v5.10 breaks, 6ce64428 holds, the group lock does not close it', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1280, height: 720 });
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A}&i=0`);

  // Part 1: presentation mode, step with the clicker to the step that breaks under v5.10.
  await page.keyboard.press('p');
  await player.waitForPresenting(true);
  for (let i = 0; i < 4; i++) await page.keyboard.press('PageDown');
  await player.waitForStep(4);
  await page.keyboard.press('v');
  await player.waitForStep(25);
  assert.equal((await player.invariant('no_lost_write')).state, 'broken');

  // Part 2: the same schedule under 6ce64428, side by side, to the first difference.
  await page.keyboard.press('Tab');
  for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement?.dataset?.testid)) !== 'compare-select'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'compare-select');
  await player.compareSelect.selectOption('p:merged_6ce64428'); // what the arrow keys in an open select do
  const side = new SideBySidePage(page, url);
  await side.root.waitFor();
  await player.waitForPresenting(true);
  await page.keyboard.press('d');
  await side.waitForRow(await side.firstDiffRow());
  assert.match(await side.firstDifference.textContent(), /dropped/);
  await page.keyboard.press('End');
  await side.waitForRow(Number(await side.root.getAttribute('data-rows')));

  // Part 3: back to the player, the group lock: it still breaks.
  await page.goBack();
  await player.root.waitFor();
  await player.policySelect.focus();
  await player.policySelect.selectOption('uffd_wrprotect_group_lock');
  await player.waitForPolicy('uffd_wrprotect_group_lock');
  await page.keyboard.press('v');
  await player.waitForStep(26);
  assert.equal((await player.invariant('no_lost_write')).state, 'broken');
  // The trace's own "why" line for this policy, at the step it speaks about.
  assert.match(await page.getByTestId('narration').textContent(), /a lone un-protect is never held back by the group lock/);
  await page.keyboard.press('Escape');
  await player.waitForPresenting(false);
});
