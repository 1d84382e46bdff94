// Smoke test: the built site loads in Chromium, shows its title and the gallery, and logs no
// errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';

const open = useSite();

test('the app loads, shows its title and the gallery, with no console errors', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.goto();

  assert.equal(await page.title(), 'racelab');
  assert.equal((await gallery.title.textContent()).trim(), 'racelab');
  await gallery.root.waitFor();
  assert.equal((await gallery.heading.textContent()).trim(), 'Races');
  assert.ok(await gallery.cards.count() > 0, 'the gallery lists the scenarios');
  assert.equal(await page.locator('.loading').count(), 0, 'the loading text is replaced');
  assert.equal(await gallery.panic.count(), 0);

  const file = await gallery.screenshot('smoke-gallery');
  console.log(`# screenshot: ${file}`);
});
