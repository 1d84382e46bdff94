// Every canonical trace, under every policy and memory model the gallery lists: the player
// opens it, its permalink stays short, and the invariant badges agree with the outcome the
// gallery shows (red from the step that breaks it, or green to the last step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();

test('each canonical trace opens in the player and shows its outcome', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.open();
  const links = [];
  for (const sc of await gallery.scenarios()) {
    for (const p of sc.policies) {
      for (const t of p.traces) links.push({ scenario: sc.id, policy: p.name, ...t });
    }
  }
  assert.ok(links.length > 0);

  const player = new PlayerPage(page, url);
  let longest = '';
  for (const l of links) {
    const what = `${l.scenario}/${l.policy}/${l.trace} on ${l.model}`;
    await player.navigate(l.href);
    await page.locator(`[data-testid="player"][data-scenario="${l.scenario}"][data-policy="${l.policy}"][data-model="${l.model}"]`).waitFor();
    // The URL becomes the exact permalink of the view, which must stay short.
    await page.waitForFunction(() => /&t=/.test(location.hash));
    const fragment = await player.fragment();
    if (fragment.length > longest.length) longest = fragment;
    assert.ok(fragment.length < 200, `${what}: permalink of ${fragment.length} characters`);
    assert.ok((await player.lanes.count()) >= 1, `${what}: lanes`);
    if (l.outcome === 'violated') {
      await player.waitForStep(l.step);
      const broken = (await player.invariants()).filter((i) => i.state === 'broken');
      assert.ok(broken.length >= 1, `${what}: an invariant is red at step ${l.step}`);
      assert.ok(broken.every((i) => i.brokenAt === l.step), `${what}: broken at step ${l.step}`);
      await player.scrubTo(l.step - 1);
      assert.ok((await player.invariants()).every((i) => i.state === 'ok'), `${what}: green before step ${l.step}`);
    } else {
      await player.waitForStep(0);
      await player.toEnd();
      assert.ok((await player.invariants()).every((i) => i.state === 'ok'), `${what}: every invariant holds to the end`);
    }
  }
  console.log(`# ${links.length} canonical trace links opened; the longest permalink (${longest.length} characters): ${longest}`);
});
