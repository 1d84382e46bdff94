// Permalinks: the URL holds the exact view, opening it reproduces the view, the copy button
// copies it, and a broken or outdated link shows what is wrong instead of a blank page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { useSite } from '../lib/harness.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { ErrorPage } from '../pages/error.mjs';
import { GalleryPage } from '../pages/gallery.mjs';

const open = useSite();

test('a permalink opens the same step of the same run', async () => {
  const { page, url, context } = await open();
  const player = new PlayerPage(page, url);
  await player.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=0');
  // Fork the schedule, so the link must carry it.
  await player.scrubTo(5);
  await player.choose('stale');
  await player.forward();
  await player.forward();
  const fragment = await player.fragment();
  assert.match(fragment, /^v=2&s=race1a&h=[a-z2-7]{10}&p=v5_10&t=a5c[a-z0-9]*&i=8$/);
  const sentence = await player.sentence.textContent();
  const pte = await player.pte('V');
  const p = await player.structPage('P');

  // In a new page, as someone the link was mailed to.
  const other = await context.newPage();
  const shared = new PlayerPage(other, url);
  await shared.open(fragment);
  assert.equal(await shared.step(), 8);
  assert.equal(await shared.fragment(), fragment);
  assert.equal(await shared.sentence.textContent(), sentence);
  assert.deepEqual(await shared.pte('V'), pte);
  assert.deepEqual(await shared.structPage('P'), p);
  assert.match(await shared.origin.textContent(), /stale/);
  await other.close();

  // A reload keeps it too.
  await page.reload();
  await player.root.waitFor();
  assert.equal(await player.step(), 8);
  assert.equal(await player.fragment(), fragment);
});

test('the copy button copies the link of the exact view', async () => {
  const { page, url, context } = await open();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const player = new PlayerPage(page, url);
  await player.open('v=1&s=race2&tr=lost_increment&i=0');
  await player.jumpToViolation();
  await player.copyButton.click();
  await page.locator('[data-testid="copy-status"]', { hasText: 'copied' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, page.url());
  assert.match(copied, /#v=2&s=race2&h=[a-z2-7]{10}&p=v5_10&t=[a-z0-9]+&i=27$/);
});

const BROKEN = [
  ['v=3&s=race1a&p=v5_10&t=a5&i=0', /unsupported version 3: this racelab opens version 1 and 2 links/],
  ['v=2&s=race1a&p=v5_10&t=a5&i=0', /missing: the link pins no version of its files/],
  ['v=1&s=race1a&s=race1b&t=a5&i=0', /`s=`: given twice/],
  ['v=1&s=race1a&p=v5_10&i=0', /the link has no schedule \(t= or tr=\)/],
  ['s=race1a&t=a5', /no format version/],
  ['v=1&s=nosuchrace&t=a&i=0', /unknown scenario `nosuchrace` \(known: .*race1a/],
  ['v=1&s=race1a&p=v9_99&t=a&i=0', /scenario `race1a` has no policy `v9_99`/],
  ['v=1&s=race1a&p=v5_10&t=a40&i=0', /the schedule is invalid at step \d+: thread `monitor` cannot run: it has finished/],
  ['v=1&s=race1a&p=v5_10&t=a5z&i=0', /schedule, at character 3/],
  ['v=1&s=race1a&p=v5_10&tr=no_such_trace', /has no trace `no_such_trace`/],
  ['v=1&s=race1a&m=power9&t=a', /unknown memory model `power9`/],
  ['v=1&s=race1a&zz=1', /unknown field/],
  ['/no/such/page', /no page at/],
];

test('a broken or outdated link says what is wrong and links to the gallery', async () => {
  const { page, url } = await open();
  const error = new ErrorPage(page, url);
  for (const [fragment, message] of BROKEN) {
    await error.open(`#${fragment}`);
    assert.match(await error.message.textContent(), message, fragment);
    assert.equal(await page.getByTestId('player').count(), 0);
  }
  await error.screenshot('error-view');
  // A link whose scenario exists offers its canonical trace.
  await error.open('#v=1&s=race2&p=v5_10&t=a99&i=0');
  await page.getByTestId('error-scenario').click();
  await page.locator('[data-testid="player"][data-scenario="race2"]').waitFor();
  await error.open('#v=1&s=nosuchrace');
  assert.equal(await page.getByTestId('error-scenario').count(), 0);
  await error.toGallery.click();
  await new GalleryPage(page, url).root.waitFor();
});

test('a link that went through a mail, or was cut short, opens at the nearest step', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  // Punctuation glued to the link, `&amp;` for `&`: repaired.
  await player.open('v=1&amp;s=race1a&amp;p=v5_10&amp;t=a5b10cb12a3&amp;i=25).');
  assert.equal(await player.step(), 25);
  assert.match(await page.getByTestId('notice').textContent(), /note: the link was repaired: `&amp;` was read as `&`/);
  // The schedule lost its end: the step asked for is past it, so the last step opens.
  await player.open('v=1&s=race1a&p=v5_10&t=a5&i=99');
  assert.equal(await player.step(), 5);
  // The URL then holds the exact, pinned link of what is shown.
  await page.waitForFunction(() => /^#v=2&s=race1a&h=[a-z2-7]{10}&p=v5_10&t=a5&i=5$/.test(location.hash));
});

// Made by `racelab permalink race1a --traces DIR --trace lost_write` on a copy of traces/ whose
// kernel/memory.race flushes the TLB entry before do_wp_page: the link carries that one-line
// edit, against a version the archive keeps.
const EDITED =
  'v=2&s=race1a&h=ioqwri6h6y&p=v5_10&t=a5b10cb12a3bc8&i=40&src=RY7LasMwEADv-godW0parSX0OPhbwmq124YqsZGtQC759jg4kOswDNOQuGLWy9QbsQY16rYhwEMXKYd-mdu0Mq3fT6rzQFGQBnZJUgGj7vqf24Xrz5nPU7vt1mANuRCEgKAEsrqABbZsjR-8wZi1tWq0oL5AaS21L3_HtebjjL_8ccVPNcImbCev9jzVE5142eseIKdoaZskyRjeXl-4Cfa6StlV54L4aJIrMVEOXj0A';

test('a link that carries an edited kernel proc opens the edit at its step', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  await player.open(EDITED);
  assert.equal(await player.step(), 40);
  assert.match(await page.getByTestId('notice').textContent(), /this link carries its own source: kernel\/memory\.race \(edited\)/);
  // The page writes the link back with the same pin, schedule and step, and a source of its
  // own: the view is the edited scenario, not the catalog's.
  const head = EDITED.slice(0, EDITED.indexOf('&src=') + 5);
  await page.waitForFunction((h) => location.hash.startsWith(`#${h}`) && location.hash.length > h.length + 20, head);
});

test('a zip bomb in a link is an error, not a tab out of memory', async () => {
  const { page, url } = await open();
  const error = new ErrorPage(page, url);
  // 16 MiB of `#`, raw deflate: about 22 KB of base64url.
  const packed = deflateRawSync(Buffer.alloc(16 << 20, 0x23), { level: 9 }).toString('base64url');
  const bomb = `v=2&s=x&h=aaaaaaaaaa&t=&i=0&src=${packed}`;
  await error.open(`#${bomb}`);
  assert.match(await error.message.textContent(), /the source expands past 1048576 bytes/);
});

test('the notice of a link made from an older version offers the current version, and its action opens it', async () => {
  const { page, url } = await open();
  const player = new PlayerPage(page, url);
  // A version 1 link of race 1A opens the files it was made from, an older version.
  await player.open('v=1&s=race1a&p=v5_10&t=a5b10cb12a3&i=25');
  const action = page.getByTestId('notice-action');
  assert.match(await player.notice.textContent(), /a newer version exists/);
  assert.match(await action.textContent(), /current version/);
  const href = await action.getAttribute('href');
  assert.match(href, /^#v=2&s=race1a&h=[a-z2-7]{10}&p=v5_10&t=[a-z0-9]+&i=\d+$/);
  await action.click();
  await page.waitForFunction((h) => location.hash === h, href);
  await player.root.waitFor();
  assert.equal(await player.attr('scenario'), 'race1a');
  assert.equal(await page.getByTestId('notice-action').count(), 0, 'the current version has nothing newer to offer');
});
