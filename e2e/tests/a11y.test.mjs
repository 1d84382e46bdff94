// axe-core on every view a meeting shows: no serious or critical violation of WCAG 2.1 A/AA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { seriousViolations } from '../lib/axe.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { SideBySidePage } from '../pages/side.mjs';
import { ErrorPage } from '../pages/error.mjs';

const open = useSite();
const RACE1A_25 = 'v=1&s=race1a&p=v5_10&tr=lost_write&i=25';

test('the gallery has no serious or critical accessibility violation', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.open();
  assert.deepEqual(await seriousViolations(page), []);
});

test('the player at the violation of race 1A has no serious or critical accessibility violation', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A_25);
  assert.deepEqual(await seriousViolations(page), []);
});

test('presentation mode has no serious or critical accessibility violation', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1920, height: 1080 });
  const player = new PlayerPage(page, url);
  await player.open(`${RACE1A_25}&view=present`);
  await player.waitForPresenting(true);
  assert.deepEqual(await seriousViolations(page), []);
});

test('side by side has no serious or critical accessibility violation', async () => {
  const { page, url } = await open();
  const side = new SideBySidePage(page, url);
  await side.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=10&q=merged_6ce64428');
  assert.deepEqual(await seriousViolations(page), []);
});

test('the error view has no serious or critical accessibility violation', async () => {
  const { page, url } = await open();
  const error = new ErrorPage(page, url);
  await error.open('#v=1&s=race1a&p=no_such_policy&tr=lost_write&i=0');
  assert.deepEqual(await seriousViolations(page), []);
});
