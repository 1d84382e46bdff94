// The app shell: hash routes, relative URLs, and what a panic looks like.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';

describe('served from a sub-path', () => {
  // Every URL in the built site is relative, so it works under any path.
  const open = useSite({ prefix: '/some/sub/path/' });

  test('hash routes switch between gallery, player and not-found without a reload', async () => {
    const { page, url } = await open();
    if (!process.env.BASE_URL) assert.match(url, /\/some\/sub\/path\/$/);
    const gallery = new GalleryPage(page, url);
    await gallery.open();

    const player = new PlayerPage(page, url);
    await player.navigate('#/race/fork-vs-gup-fast');
    await player.root.waitFor();
    assert.equal(await player.raceId.textContent(), 'fork-vs-gup-fast');
    assert.equal(await gallery.root.count(), 0);
    await player.screenshot('shell-player');

    await player.backToGallery.click();
    await gallery.root.waitFor();
    assert.equal(new URL(page.url()).hash, '#/');

    await gallery.navigate('#/no/such/page');
    await page.locator('#not-found').waitFor();

    // A deep link loads straight into the player.
    await player.open('uffd-wp');
    assert.equal(await player.raceId.textContent(), 'uffd-wp');
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
