// The app shell: hash routes, relative URLs, and what a panic looks like.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { ErrorPage } from '../pages/error.mjs';

describe('served from a sub-path', () => {
  // Every URL in the built site is relative, so it works under any path.
  const open = useSite({ prefix: '/some/sub/path/' });

  test('hash routes switch between gallery, player and errors without a reload', async () => {
    const { page, url } = await open();
    if (!process.env.BASE_URL) assert.match(url, /\/some\/sub\/path\/$/);
    const gallery = new GalleryPage(page, url);
    await gallery.open();
    // The page is loaded once: a reload would lose this marker.
    await page.evaluate(() => { window.__loaded_once = true; });

    const player = new PlayerPage(page, url);
    await gallery.policyRow('race1a', 'v5_10').getByTestId('policy-link').click();
    await player.root.waitFor();
    assert.equal(await player.attr('scenario'), 'race1a');
    assert.equal(await gallery.root.count(), 0);
    assert.match(await player.fragment(), /^v=2&s=race1a&h=[a-z2-7]{10}&p=v5_10&t=[a-z0-9]+&i=0$/);

    await player.backToGallery.click();
    await gallery.root.waitFor();
    assert.equal(new URL(page.url()).hash, '#/');

    const error = new ErrorPage(page, url);
    await gallery.navigate('#/no/such/page');
    await error.root.waitFor();
    assert.match(await error.message.textContent(), /no page at/);
    assert.equal(await page.evaluate(() => window.__loaded_once), true);

    // A short name for a scenario's first canonical trace becomes its permalink.
    await player.goto('#/race/race4a');
    await player.root.waitFor();
    assert.equal(await player.attr('scenario'), 'race4a');
    await page.waitForFunction(() => location.hash.startsWith('#v=2&s=race4a&'));
  });
});

describe('panics', () => {
  const open = useSite();

  test('a panic is shown on the page, not a blank page', async () => {
    const { page, url, allowProblems } = await open();
    // The panic is logged (console error) and aborts the wasm (page error).
    allowProblems(/deliberate panic/);
    allowProblems(/^page error: RuntimeError: unreachable/);
    allowProblems(/^console error: racelab failed to start/);
    const app = new GalleryPage(page, url);
    await app.goto('#/debug/panic');
    await app.panic.waitFor();
    assert.match(await app.panic.textContent(), /internal error[\s\S]*deliberate panic/);
    await app.screenshot('shell-panic');
  });
});
