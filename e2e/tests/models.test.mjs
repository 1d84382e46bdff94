// Memory models: a store buffer under x86-TSO, an access performed early under arm64, and the
// memory-model switch, which keeps the interleaving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { PlayerPage } from '../pages/player.mjs';

const open = useSite();

test('x86-TSO: stores wait in the store buffer, then drain', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  // traces/litmus/sb.race, trace buffered: P0*2 P1*2 P0.drain P1.drain.
  await player.open('v=1&s=litmus_sb&p=po&m=x86-tso&tr=buffered&i=1');
  assert.equal(await player.model(), 'x86-tso');
  const buffer = page.locator('[data-testid="tlb-cpu"][data-cpu="CPU0"] [data-testid="store-buffer"]');
  assert.match(await buffer.textContent(), /x = 1/);
  assert.equal(await player.counter('x'), 0, 'the other CPUs do not see it yet');
  await player.scrubTo(5);
  assert.equal(await page.getByTestId('order-tag').getAttribute('data-kind'), 'drain');
  assert.equal(await player.counter('x'), 1);
  await player.forward();
  const exists = await player.invariant('exists');
  assert.equal(exists.state, 'broken');
  assert.equal(exists.brokenAt, 6);
  await player.screenshot('player-sb-x86');

  // The same interleaving under sequential consistency: no store waits, nothing breaks.
  await player.selectModel('sc');
  assert.match(await player.fragment(), /^v=2&s=litmus_sb&h=[a-z2-7]{10}&p=po&t=[a-z0-9]+&i=\d+$/, 'sc is the default: no m= in the link');
  await player.toEnd();
  assert.equal((await player.invariant('exists')).state, 'ok');
});

test('arm64: a load performed early, out of program order, and the user scheduling it', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  // traces/litmus/mp.race, trace load_first: P1.early1 P0*2 P1*2.
  await player.open('v=1&s=litmus_mp&p=po&m=arm64&tr=load_first&i=1');
  assert.equal(await page.getByTestId('order-tag').getAttribute('data-kind'), 'early');
  const early = page.locator('[data-testid="tlb-cpu"][data-cpu="CPU1"] [data-testid="early-access"]');
  assert.match(await early.textContent(), /r1 = READ_ONCE\(x\)/);
  assert.equal(await page.locator('[data-testid="lane"][data-thread="P1"] .line.early').count(), 1);
  assert.equal(await player.jumpToViolation(), 5);
  assert.equal((await player.invariant('exists')).state, 'broken');
  await player.screenshot('player-mp-arm64');

  // From the start, the user performs P1's second load early by hand: the same fork.
  await player.scrubTo(0);
  const early1 = (await player.choices()).find((c) => c.choice === 'P1.early1');
  assert.ok(early1 && !early1.disabled, 'an early access is offered as a choice');
  await player.choose('P1.early1');
  assert.match(await player.fragment(), /&t=_b1/);

  // A fix under the same model.
  await player.selectPolicy('wmb_rmb');
  await player.toEnd();
  assert.equal((await player.invariant('exists')).state, 'ok');
});
