// Phones (390x844) and tablets (820x1180): nothing spills sideways, the controls fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();

/** Elements that reach past the right edge of the viewport (inside a scroller is fine). */
async function spills(page) {
  return page.evaluate(() => {
    const out = [];
    const w = document.documentElement.clientWidth;
    if (document.scrollingElement.scrollWidth > w + 1) out.push(`the page is ${document.scrollingElement.scrollWidth}px wide`);
    for (const sel of ['[data-testid="controls"]', '[data-testid="scrubber"]', '[data-testid="step-forward"]', '[data-testid="jump-violation"]', '[data-testid="policies"]']) {
      for (const el of document.querySelectorAll(sel)) {
        if (el.closest('.table-wrap') && sel === '[data-testid="policies"]') continue;
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 || r.left < -1) out.push(`${sel}: ${Math.round(r.left)}–${Math.round(r.right)}`);
      }
    }
    return out;
  });
}

for (const [width, height] of [[390, 844], [820, 1180]]) {
  test(`at ${width}x${height} the gallery keeps its policy tables inside their cards`, async () => {
    const { page, url } = await open();
    await page.setViewportSize({ width, height });
    const gallery = new GalleryPage(page, url);
    await gallery.open();
    assert.deepEqual(await spills(page), []);
  });

  test(`at ${width}x${height} the player's controls and scrubber are on screen`, async () => {
    const { page, url } = await open();
    await page.setViewportSize({ width, height });
    const player = new PlayerPage(page, url);
    await player.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=16');
    assert.deepEqual(await spills(page), []);
    await player.forward();
    assert.equal(await player.step(), 17);
  });
}

test('on a tablet the state panels sit beside the lanes', async () => {
  const { page, url } = await open();
  await page.setViewportSize({ width: 1024, height: 768 });
  const player = new PlayerPage(page, url);
  await player.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=16');
  const [lanes, panels] = await Promise.all(['.lanes-col', '.panels-col'].map((s) => page.locator(s).boundingBox()));
  assert.ok(panels.x >= lanes.x + lanes.width - 1, `panels at x=${panels.x}, lanes end at ${lanes.x + lanes.width}`);
});
