// The gallery: one card per scenario, where it comes from, its policies with their fate, what
// the canonical traces do under each, and the explorer's verdicts: from the site's table
// (computed when the site was built) or, when it cannot be used, computed in the browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSite } from '../lib/harness.mjs';
import { GalleryPage } from '../pages/gallery.mjs';

const open = useSite();

const FATES = new Set(['baseline', 'merged', 'reverted', 'rejected', 'superseded', 'proposed', 'analysis']);

test('every scenario has a card with its sources, policies, trace outcomes and verdicts', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.open();

  const before = await gallery.scenarios();
  const ids = before.map((s) => s.id);
  for (const id of ['race1a', 'race1b', 'race2', 'race2sd', 'race4a', 'race5a', 'race5b']) {
    assert.ok(ids.includes(id), `a card for ${id}`);
  }
  assert.equal(new Set(ids).size, ids.length, 'one card per scenario');
  // While the explorer runs, a cell says so.
  const pending = before.flatMap((s) => s.policies.flatMap((p) => p.verdicts)).filter((v) => v.verdict === 'checking');
  console.log(`# ${pending.length} verdicts still being checked when the gallery first showed`);

  const started = Date.now();
  await gallery.waitForVerdicts();
  console.log(`# every verdict shown ${Date.now() - started} ms after the gallery showed`);
  await gallery.screenshot('gallery');
  // Every verdict came from the site's table: no worker started.
  assert.equal(await gallery.progress.getAttribute('data-table'), 'used');
  assert.equal(await gallery.progress.getAttribute('data-engine'), 'idle');
  assert.match(await gallery.progress.textContent(), /Every interleaving checked: \d+ policies and models, when the site was built\./);
  assert.equal(await gallery.notice.count(), 0, 'no notice when the table is used');

  for (const sc of await gallery.scenarios()) {
    assert.ok(sc.title, `${sc.id}: a title`);
    assert.ok(sc.summary, `${sc.id}: a summary`);
    assert.ok(sc.race, `${sc.id}: the race it belongs to`);
    assert.equal(sc.policies.filter((p) => p.baseline).length, 1, `${sc.id}: one baseline`);
    for (const c of sc.citations) {
      if (c.kind === 'commit') assert.match(c.href, /^https:\/\/git\.kernel\.org\/.*[0-9a-f]{12}/, `${sc.id}: commit link`);
      // A mail cited without its domain (`CAHk-=wi…`) has no stable address, hence no link.
      if ((c.kind === 'mail' || c.kind === 'seed') && c.href) assert.match(c.href, /^https:\/\/lore\.kernel\.org\/r\/\S+@\S+/, `${sc.id}: ${c.kind} link`);
    }
    for (const p of sc.policies) {
      assert.ok(FATES.has(p.fate), `${sc.id}/${p.name}: fate ${p.fate}`);
      assert.match(p.href, new RegExp(`^#v=2&s=${sc.id}&h=[a-z2-7]{10}&p=${p.name}&`), `${sc.id}/${p.name}: opens the player`);
      assert.ok(p.verdicts.length >= 1);
      for (const v of p.verdicts) {
        assert.ok(['violated', 'safe'].includes(v.verdict), `${sc.id}/${p.name}/${v.model}: verdict ${v.verdict}`);
        if (v.verdict === 'violated') assert.match(v.href, /^#v=2&.*&h=[a-z2-7]{10}&.*&t=.*&i=\d+$/, 'links to the shortest counterexample');
        assert.equal(v.source, 'table', `${sc.id}/${p.name}/${v.model}: from the table`);
      }
      for (const t of p.traces) {
        assert.ok(['violated', 'safe'].includes(t.outcome), `${sc.id}/${p.name}/${t.trace}: ${t.outcome}`);
        // A canonical trace that breaks an invariant is an interleaving the explorer must find.
        if (t.outcome === 'violated') {
          const v = p.verdicts.find((x) => x.model === null || x.model === t.model);
          assert.equal(v.verdict, 'violated', `${sc.id}/${p.name} on ${t.model}: the trace breaks, so the explorer finds it`);
        }
      }
    }
  }

  // What the catalog says of race 1A.
  assert.equal(await gallery.verdict('race1a', 'v5_10'), 'violated');
  assert.equal(await gallery.verdict('race1a', 'uffd_wp_write_lock'), 'safe');
  assert.equal(await gallery.verdict('race1a', 'merged_6ce64428'), 'safe');
  const race1a = (await gallery.scenarios()).find((s) => s.id === 'race1a');
  const v510 = race1a.policies.find((p) => p.name === 'v5_10');
  assert.deepEqual(v510.traces.map((t) => [t.trace, t.outcome, t.step]), [['lost_write', 'violated', 25]]);
  assert.equal(race1a.policies.find((p) => p.name === 'merged_6ce64428').fate, 'merged');

  // A trace outcome opens the player at that step.
  await gallery.card('race1a').locator('[data-testid="trace-outcome"][data-outcome="violated"]').first().click();
  await page.locator('[data-testid="player"][data-step="25"]').waitFor();
});

/** Every verdict chip of the gallery: where it is, what it says, its numbers and its link. */
async function verdictChips(page) {
  return page.locator('[data-testid="verdict"]').evaluateAll((chips) => chips.map((v) => {
    const chip = v.querySelector('.chip');
    return {
      scenario: v.closest('[data-testid="scenario-card"]').dataset.scenario,
      policy: v.closest('[data-testid="policy-row"]').dataset.policy,
      model: v.dataset.model ?? null,
      verdict: v.dataset.verdict,
      source: v.dataset.source,
      text: v.textContent.trim(),
      // States and transitions; the milliseconds differ from run to run, and a row of the
      // table says when it was computed instead.
      numbers: (chip?.getAttribute('title') ?? '').replace(/, ([\d.]+ ms|computed when the site was built)/, ''),
      href: v.querySelector('a')?.getAttribute('href') ?? null,
    };
  }));
}

/** The chips without where they came from. */
const withoutSource = (chips) => chips.map(({ source, ...rest }) => rest);

test('the table, the pool of workers and the main-thread path give every row the same verdict, states and link', async () => {
  const first = await open();
  const fromTable = new GalleryPage(first.page, first.url);
  await fromTable.open();
  await fromTable.waitForVerdicts();
  const table = await verdictChips(first.page);
  for (const v of table) assert.equal(v.source, 'table', `${v.scenario}/${v.policy}/${v.model}`);

  // The table's request fails: every verdict is computed by the pool, and the page says why.
  const { page, url, allowProblems, warnings } = await open();
  allowProblems(/verdicts\.jsonl/);
  const gallery = new GalleryPage(page, url);
  await gallery.failTable();
  await gallery.open();
  await gallery.notice.waitFor();
  assert.match(await gallery.notice.textContent(), /^The precomputed verdicts could not be used \(\.\/verdicts\.jsonl\?v=[0-9a-f]{12} did not load: .+\): every verdict is checked in this browser\.$/);
  await gallery.screenshot('gallery-notice');
  await gallery.waitForVerdicts(120_000);
  assert.equal(await gallery.progress.getAttribute('data-engine'), 'workers', 'the verdicts came from the pool');
  assert.equal(await gallery.progress.getAttribute('data-table'), 'failed');
  assert.ok(warnings.some((w) => /precomputed verdicts could not be used/.test(w)), `a console warning: ${warnings}`);
  const pooled = await verdictChips(page);
  for (const v of pooled) assert.equal(v.source, 'browser', `${v.scenario}/${v.policy}/${v.model}`);

  // A browser without Web Workers: the same gallery, checked on the main thread, and it says so.
  const second = await open();
  second.allowProblems(/verdicts\.jsonl/);
  await second.page.context().addInitScript(() => { delete window.Worker; });
  const fallback = new GalleryPage(second.page, url);
  await fallback.failTable();
  await fallback.open();
  await fallback.waitForVerdicts(180_000);
  assert.equal(await fallback.progress.getAttribute('data-engine'), 'main-thread');
  assert.match(await fallback.progress.textContent(), /On the main thread: the worker did not start/);
  const main = await verdictChips(second.page);

  assert.ok(pooled.length >= 150, `${pooled.length} verdict chips`);
  for (const v of pooled) assert.ok(['violated', 'safe'].includes(v.verdict), `${v.scenario}/${v.policy}/${v.model}: ${v.verdict}`);
  assert.deepEqual(pooled, main);
  assert.deepEqual(withoutSource(table), withoutSource(pooled), 'the table says what the browser computes');
});

test('a row of the table computed from other files is checked in the browser, the others are used', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  // Another pin for race 1A under v5_10 (a row made from other files): not used.
  await gallery.editTable((text) => text.split('\n').map((line) => {
    if (!line.includes('"scenario":"race1a"') || !line.includes('"policy":"v5_10"')) return line;
    const row = JSON.parse(line);
    row.pin = 'a'.repeat(row.pin.length);
    return JSON.stringify(row);
  }).join('\n'));
  await gallery.open();
  await gallery.waitForVerdicts();
  const chips = await verdictChips(page);
  const stale = chips.filter((v) => v.scenario === 'race1a' && v.policy === 'v5_10');
  assert.ok(stale.length >= 1);
  for (const v of stale) assert.equal(v.source, 'browser', `${v.scenario}/${v.policy}/${v.model}`);
  assert.equal(await gallery.verdict('race1a', 'v5_10'), 'violated');
  const rest = chips.filter((v) => !(v.scenario === 'race1a' && v.policy === 'v5_10'));
  for (const v of rest) assert.equal(v.source, 'table', `${v.scenario}/${v.policy}/${v.model}`);
  assert.equal(await gallery.progress.getAttribute('data-engine'), 'workers');
  assert.match(await gallery.progress.textContent(), new RegExp(`\\(${rest.length} when the site was built, ${stale.length} in this browser\\)`));
  assert.equal(await gallery.notice.count(), 0);
});

test('a malformed table or one of another format version is not used, and the notice names the line', async () => {
  for (const [body, why] of [
    [(text) => text.replace(/\n([^\n]+)\n/, '\n{"scenario":\n'), /verdict table, line 2: not a row: EOF while parsing/],
    [() => '{"racelab":"verdicts","version":99}\n', /verdict table, line 1: format version 99 is unknown \(this reads version 1\)/],
  ]) {
    const { page, url } = await open();
    const gallery = new GalleryPage(page, url);
    await gallery.editTable(body);
    await gallery.open();
    await gallery.notice.waitFor();
    assert.match(await gallery.notice.textContent(), why);
    assert.equal(await gallery.progress.getAttribute('data-table'), 'failed');
    assert.equal(await page.locator('[data-testid="verdict"][data-source="table"]').count(), 0, 'no verdict from the table');
  }
});

test('"check again in this browser" recomputes every verdict, replaces the table\'s and says they agree', async () => {
  const { page, url } = await open();
  const gallery = new GalleryPage(page, url);
  await gallery.open();
  await gallery.waitForVerdicts();
  const table = await verdictChips(page);
  assert.equal(await gallery.againStatus.count(), 0);
  await gallery.checkAgain.click();
  assert.ok(await gallery.checkAgain.isDisabled(), 'not twice at once');
  await gallery.againStatus.waitFor();
  assert.match(await gallery.againStatus.textContent(), /^Checking again in this browser… \d+ of \d+\.$/);
  await gallery.screenshot('gallery-check-again');
  await gallery.waitForCheckAgain(180_000);
  assert.equal(await gallery.againStatus.textContent(), `Checked again in this browser: all ${table.length} verdicts are the same.`);
  assert.equal(await gallery.againStatus.getAttribute('data-differ'), '0');
  const again = await verdictChips(page);
  for (const v of again) assert.equal(v.source, 'browser', `${v.scenario}/${v.policy}/${v.model}`);
  assert.deepEqual(withoutSource(again), withoutSource(table));
  assert.ok(await gallery.checkAgain.isEnabled(), 'it may be asked again');
  assert.equal(await page.evaluate(() => performance.getEntriesByName('racelab:verdicts-again').length), 1);
});

test('when the worker script does not load, the gallery is checked on the main thread and says why', async () => {
  const { page, url, allowProblems } = await open();
  allowProblems(/worker\.js/);
  allowProblems(/verdicts\.jsonl/);
  await page.route(/\/worker\.js/, (route) => route.fulfill({ status: 404, body: 'not here' }));
  const gallery = new GalleryPage(page, url);
  await gallery.failTable();
  await gallery.open();
  await gallery.waitForVerdicts(180_000);
  assert.equal(await gallery.progress.getAttribute('data-engine'), 'main-thread');
  assert.match(await gallery.progress.textContent(), /On the main thread: the worker failed/);
  assert.equal(await gallery.verdict('race1a', 'v5_10'), 'violated');
  assert.equal(await gallery.verdict('race1a', 'merged_6ce64428'), 'safe');
});
