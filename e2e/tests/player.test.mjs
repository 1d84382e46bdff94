// The player on race 1A, the catalog's first race: the state panels at the violation, the
// controls and keys, a fixing policy on the same interleaving, the user as the scheduler, and
// the explorer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();

// races.md §3a and traces/race1a-uffd-unprotect.race: monitor*5 writer*10 stale writer*12
// monitor*3, where v5.10 breaks no_lost_write at step 25.
const RACE1A = 'v=1&s=race1a&p=v5_10&tr=lost_write&i=0';

test('race 1A at its violation: the page table, the TLBs and the struct pages the catalog gives', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  assert.equal(await player.step(), 0);
  assert.equal(await player.steps(), 31);
  assert.deepEqual(await player.laneStatuses(), { monitor: 'runnable', writer: 'runnable', stale: 'runnable' });

  // The initial state: V maps P writable, CPU3 caches it, P has an extra reference.
  assert.deepEqual(await player.pte('V'), { page: 'P', present: 1, w: 1, d: 1, sd: 0, uw: 0 });
  assert.deepEqual(await player.tlb('CPU3'), [{ va: 'V', page: 'P', w: 1, d: 1, stale: 0 }]);
  assert.deepEqual((await player.structPage('P')).data, [1, 1]);
  assert.equal((await player.invariant('no_lost_write')).state, 'ok');

  // Step 4: the un-protect clears W; CPU3's entry is now stale.
  await player.scrubTo(4);
  assert.equal((await player.pte('V')).w, 0);
  assert.deepEqual(await player.tlb('CPU3'), [{ va: 'V', page: 'P', w: 1, d: 1, stale: 1 }]);
  assert.equal(await player.counter('tlb_flush_pending'), 1);

  // Step 16: CPU3 writes P through its stale entry, during the copy.
  await player.scrubTo(16);
  assert.match(await player.description.textContent(), /stale writable entry/);
  assert.deepEqual((await player.structPage('P')).data, [3, 1]);

  const at = await player.jumpToViolation();
  assert.equal(at, 25);
  await player.screenshot('player-race1a-violation');
  assert.deepEqual(await player.pte('V'), { page: 'N', present: 1, w: 1, d: 1, sd: 1, uw: 0 });
  assert.deepEqual(await player.tlb('CPU3'), [], "CPU3's entry for V was flushed (by ptep_clear_flush)");
  const p = await player.structPage('P');
  assert.equal(p.mapcount, 0);
  assert.equal(p.refcount, 2);
  assert.equal(p.base, 2);
  assert.equal(p.pins, 0);
  assert.match(p.refcountText, /2 = 2 \+ 0 × 1024/);
  assert.equal(p.data[0], 3, "P.data[0] holds CPU3's store");
  const n = await player.structPage('N');
  assert.equal(n.data[0], 1, 'N.data[0] is the copy from before the store');
  const inv = await player.invariant('no_lost_write');
  assert.equal(inv.state, 'broken');
  assert.equal(inv.brokenAt, 25);
  assert.ok(inv.bad, 'the badge is red');
  assert.match(inv.message, /V\[0\] should read 3/);

  // Sticky: after the violation the badge still says where it broke.
  await player.toEnd();
  assert.equal(await player.step(), 31);
  assert.equal((await player.invariant('no_lost_write')).brokenAt, 25);
  await player.scrubTo(24);
  assert.equal((await player.invariant('no_lost_write')).state, 'ok');
});

test('keys: arrows step, space plays, ? lists the keys', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(1);
  await page.keyboard.press('ArrowRight');
  await player.waitForStep(2);
  await page.keyboard.press('ArrowLeft');
  await player.waitForStep(1);
  assert.match(await player.fragment(), /&i=1$/, 'the URL follows the step');
  await page.keyboard.press('End');
  await player.waitForStep(31);
  await page.keyboard.press('Home');
  await player.waitForStep(0);
  await page.keyboard.press('v');
  await player.waitForStep(25);

  await player.speed.selectOption({ label: 'very fast' });
  await player.firstButton.click();
  await player.waitForStep(0);
  await page.keyboard.press(' ');
  await player.waitForStepAtLeast(3);
  await page.keyboard.press(' ');
  const paused = await player.step();
  await page.waitForTimeout(400);
  assert.equal(await player.step(), paused, 'space pauses');
  assert.match(await player.playButton.textContent(), /play/);

  await page.keyboard.press('?');
  await player.help.waitFor();
  assert.match(await player.help.textContent(), /step forward[\s\S]*play \/ pause/);
  await page.keyboard.press('Escape');
  await player.help.waitFor({ state: 'detached' });

  // Stepping replaces the history entry: the back button leaves the player at once.
  await page.goBack();
  await page.waitForURL((u) => !u.hash.includes('s=race1a'));
});

test('a fixing policy on the same interleaving: the invariant holds, and the deviations say why', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  await player.jumpToViolation();
  assert.equal((await player.invariant('no_lost_write')).state, 'broken');

  const statement = await page.locator('.sentence .statement').textContent();
  await player.selectPolicy('uffd_wp_write_lock');
  assert.match(await player.fragment(), /^v=2&s=race1a&h=[a-z2-7]{10}&p=uffd_wp_write_lock&t=[a-z0-9]+&i=\d+$/);
  // It lands on the same statement of the same thread: the writer's PT unlock after installing the copy.
  const landed = await player.step();
  assert.equal(await player.sentence.getAttribute('data-thread'), 'writer');
  assert.equal(await page.locator('.sentence .statement').textContent(), statement);
  assert.match(await player.origin.textContent(), /carried over from v5_10|same interleaving as under v5_10/);
  assert.ok((await player.deviations.count()) >= 1, 'a step the write lock held back');
  assert.match(await player.deviations.first().textContent(), /held back: it sleeps on mmap_lock/);
  for (const step of [landed, await player.steps()]) {
    await player.scrubTo(Math.min(step, await player.steps()));
    const inv = await player.invariant('no_lost_write');
    assert.equal(inv.state, 'ok', `no_lost_write holds at step ${step}`);
    assert.equal(inv.brokenAt, null);
  }
  assert.equal(await player.jumpButton.isDisabled(), true, 'no violation to jump to');
  await player.screenshot('player-race1a-write-lock');

  await player.selectPolicy('merged_6ce64428');
  // The lanes show the new policy's code (6ce64428's check and flush), and the highlighted
  // line is the statement the sentence names.
  assert.ok((await player.laneLines('writer')).includes('flush_tlb_page(V)'), "the writer's lane runs 6ce64428's flush");
  assert.equal(await player.currentLine(), await page.locator('.sentence .statement').textContent());
  await player.toEnd();
  assert.equal((await player.invariant('no_lost_write')).state, 'ok');

  // A policy switch is a new history entry: back returns to the previous policy.
  await page.goBack();
  await player.waitForPolicy('uffd_wp_write_lock');
});

test('the user as the scheduler forks a new schedule', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  const choices = await player.choices();
  assert.deepEqual(choices.map((c) => c.choice), ['monitor', 'writer', 'stale']);
  assert.deepEqual(choices.filter((c) => c.inRun).map((c) => c.choice), ['monitor']);

  // The run's own next step is a step forward.
  await player.choose('monitor');
  assert.match(await player.fragment(), /&t=a5b10cb12a3&i=1$/);
  // Anything else forks: CPU3 stores before the un-protect even starts.
  await player.choose('stale');
  assert.equal(await player.attr('step'), '2');
  assert.match(await player.fragment(), /&t=ac[a-z0-9]*&i=2$/);
  assert.match(await player.origin.textContent(), /your schedule: stale runs at step 2/);
  assert.equal((await page.getByTestId('step-sentence').getAttribute('data-thread')), 'stale');
  await player.toEnd();
  assert.equal((await player.invariant('no_lost_write')).state, 'ok', 'the store lands before the copy: nothing is lost');
  assert.equal(await player.jumpButton.isDisabled(), true);

  // A blocked thread waits visibly, with the reason, and cannot be chosen.
  await player.open('v=1&s=race1a&p=uffd_wp_write_lock&tr=lost_write&i=7');
  const writer = page.locator('[data-testid="lane"][data-thread="writer"]');
  assert.equal(await writer.getAttribute('data-status'), 'blocked');
  assert.match(await writer.getByTestId('lane-reason').textContent(), /sleeps on mmap_lock/);
  assert.equal(await page.locator('[data-testid="schedule-choice"][data-choice="writer"]').isDisabled(), true);
  await player.screenshot('player-race1a-blocked');
});

test('the explorer checks every interleaving and opens the shortest counterexample', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  const result = await player.checkEveryInterleaving();
  assert.deepEqual(result, { verdict: 'violated', steps: 25 });
  await player.explorerChart.waitFor();
  assert.ok(await player.explorerChart.locator('svg').count(), 'a chart of the states found');
  await player.explorerOpen.click();
  await player.waitForStep(25);
  assert.match(await player.origin.textContent(), /shortest trace that breaks no_lost_write/);
  assert.equal((await player.invariant('no_lost_write')).state, 'broken');
  await player.screenshot('player-race1a-explorer');

  await player.selectPolicy('uffd_wp_write_lock');
  assert.deepEqual(await player.checkEveryInterleaving(), { verdict: 'safe', steps: 0 });
});

test('the explorer searches on a worker started and warmed up before the click, and readies the next one', async () => {
  const { page, url } = await open();
  // Every worker the page starts, what the page posts to it, what it answers, and whether the
  // page ended it (the gallery's pool and the editor's checker start workers too: the explorer's
  // are the ones sent Warm or Explore).
  await page.addInitScript(() => {
    const Real = window.Worker;
    const kind = (text) => {
      const m = JSON.parse(text);
      return typeof m === 'string' ? m : Object.keys(m)[0];
    };
    window.__workers = [];
    window.Worker = class extends Real {
      constructor(...args) {
        super(...args);
        const rec = { sent: [], got: [], ended: false, warm: null };
        window.__workers.push(rec);
        this.rec = rec;
        this.addEventListener('message', (ev) => {
          rec.got.push(kind(ev.data));
          const m = JSON.parse(ev.data);
          if (m.Warm) rec.warm = m.Warm;
        });
      }
      postMessage(text) {
        this.rec.sent.push(kind(text));
        super.postMessage(text);
      }
      terminate() {
        this.rec.ended = true;
        super.terminate();
      }
    };
  });
  const player = new PlayerPage(page, url);
  await player.open(RACE1A);
  const explorers = () => page.evaluate(() => window.__workers.filter((w) => w.sent.includes('Warm') || w.sent.includes('Explore')));
  // The spare: started after the player drew, and warmed up on the catalog.
  await page.waitForFunction(() => window.__workers.some((w) => w.got.includes('Warm')), null, { timeout: 30_000 });
  const [spare] = await explorers();
  assert.deepEqual(spare.sent, ['Warm']);
  assert.ok(spare.warm.states > 1000, `the warm-up explored the catalog: ${JSON.stringify(spare.warm)}`);
  const before = await page.evaluate(() => window.__workers.length);

  assert.deepEqual(await player.checkEveryInterleaving(), { verdict: 'violated', steps: 25 });
  const after = await explorers();
  assert.deepEqual(after[0].sent, ['Warm', 'Explore'], 'the search ran on the spare');
  assert.equal(after[0].ended, true, 'the worker ends with its search');
  // The next search's spare, started when this one ended.
  await page.waitForFunction((n) => window.__workers.length > n && window.__workers.at(-1).got.includes('Warm'), before, { timeout: 30_000 });
  assert.deepEqual((await explorers()).at(-1).sent, ['Warm']);
  assert.deepEqual(await player.checkEveryInterleaving(), { verdict: 'violated', steps: 25 });
});
