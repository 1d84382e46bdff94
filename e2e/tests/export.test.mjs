// Exports from the page are the core's bytes: each is compared with what the CLI prints for
// the same link (`racelab diagram`, `diagram --mail --base`, `render`, `export --format
// perfetto`), run here on the link the page shows. Then the graph panel, the embedded player
// in an iframe, and the printed handout; screenshots at 1366x768, 1920x1080 and a phone.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { useSite } from '../lib/harness.mjs';
import { E2E_DIR } from '../lib/server.mjs';
import { SCREENSHOT_DIR } from '../lib/browser.mjs';
import { seriousViolations } from '../lib/axe.mjs';
import { PlayerPage } from '../pages/player.mjs';
import { SideBySidePage } from '../pages/side.mjs';
import { ExportMenu, GraphPanel, EmbedPage } from '../pages/export.mjs';

const run = promisify(execFile);
const ROOT = path.join(E2E_DIR, '..');
const open = useSite();
const RACE1A_12 = 'v=1&s=race1a&p=v5_10&tr=lost_write&i=12';
const SB = 'v=1&s=litmus_sb&p=po&m=x86-tso&tr=buffered&i=0';
const SIZES = [['1366', 1366, 768], ['1920', 1920, 1080], ['phone', 390, 844]];

const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
const RACELAB = path.join(TARGET, 'debug', 'racelab');

/** What the CLI prints for these arguments. */
async function cli(...args) {
  const { stdout } = await run(RACELAB, args, { cwd: ROOT, maxBuffer: 64 << 20, encoding: 'buffer' });
  return stdout;
}

// The CLI is built once (debug, as `cargo test` builds it), before any browser waits on it.
before(async () => {
  await run('cargo', ['build', '-q', '--locked', '-p', 'racelab-cli'], { cwd: ROOT, maxBuffer: 64 << 20 });
});

async function openPlayer(fragment) {
  const s = await open();
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.url).origin });
  const player = new PlayerPage(s.page, s.url);
  await player.open(fragment);
  return { ...s, player, menu: new ExportMenu(s.page) };
}

test('copy as text gives the CLI\'s diagram of the same link, and copy for mail its mail under the page\'s address', async () => {
  const { page, player, menu } = await openPlayer(RACE1A_12);
  const link = await player.fragment();
  const text = await menu.copy(menu.text);
  assert.equal(text, (await cli('diagram', '--link', link)).toString('utf8'));
  assert.match(text, /no_lost_write/);

  // The page knows the run is the canonical trace it opened (`tr=`): so does the CLI on that link.
  const mail = await menu.copy(menu.mail);
  const base = page.url().split('#')[0];
  assert.equal(mail, (await cli('diagram', '--link', RACE1A_12, '--mail', '--base', base)).toString('utf8'));
  assert.ok(mail.includes(`${base}#v=2&s=race1a`), mail);
});

test('the slide downloads as the CLI\'s SVG of the current step, and as a PNG at twice its size', async () => {
  const { player, menu } = await openPlayer(RACE1A_12);
  await player.forwardButton.click();
  await player.page.waitForFunction(() => document.querySelector('[data-testid="player"]').dataset.step === '13');
  const link = await player.fragment();
  const svg = await menu.download(menu.svg);
  assert.equal(svg.name, 'race1a-v5_10-step13.svg');
  assert.equal(svg.bytes.toString('utf8'), (await cli('render', '--link', link, '--format', 'svg')).toString('utf8'));

  const png = await menu.download(menu.png);
  assert.equal(png.name, 'race1a-v5_10-step13@2x.png');
  assert.equal(png.bytes.subarray(1, 4).toString('latin1'), 'PNG');
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  assert.deepEqual([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)], [3840, 2160]);
});

test('the Perfetto trace downloads as the CLI\'s JSON', async () => {
  const { player, menu } = await openPlayer(RACE1A_12);
  const link = await player.fragment();
  const json = await menu.download(menu.perfetto);
  assert.equal(json.name, 'race1a-v5_10.json');
  assert.equal(json.bytes.toString('utf8'), (await cli('export', '--link', link, '--format', 'perfetto')).toString('utf8'));
  assert.ok(Array.isArray(JSON.parse(json.bytes.toString('utf8')).traceEvents));
});

test('when the clipboard is refused, the diagram is shown selected to copy by hand', async () => {
  const { page, url } = await open();
  await page.addInitScript(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  const player = new PlayerPage(page, url);
  await player.open(RACE1A_12);
  const menu = new ExportMenu(page);
  await menu.open();
  await menu.text.click();
  await menu.fallback.waitFor();
  const shown = await menu.fallback.inputValue();
  assert.equal(shown, (await cli('diagram', '--link', await player.fragment())).toString('utf8'));
  const selected = await menu.fallback.evaluate((t) => t.selectionEnd - t.selectionStart);
  assert.equal(selected, shown.length);
});

test('side by side has an export menu for each run, each exporting its own run', async () => {
  const { page, url, context } = await open();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const side = new SideBySidePage(page, url);
  await side.open('v=1&s=race1a&p=v5_10&tr=lost_write&i=10&q=merged_6ce64428');
  const a = new ExportMenu(page, page.locator('[data-testid="side-col"][data-side="a"]'));
  const b = new ExportMenu(page, page.locator('[data-testid="side-col"][data-side="b"]'));
  const ta = await a.copy(a.text);
  const tb = await b.copy(b.text);
  assert.match(ta, /no_lost_write/);
  assert.notEqual(ta, tb);
  assert.equal(tb, (await cli('diagram', 'race1a', '--policy', 'merged_6ce64428', '--trace', 'lost_write')).toString('utf8'));
});

test('the happens-before graph marks the breaking step, and a click on a node opens it in the player', async () => {
  const { page, player } = await openPlayer(RACE1A_12);
  const graph = new GraphPanel(page);
  await graph.hb.focus();
  await page.keyboard.press('Enter');
  await graph.svg.waitFor();
  assert.equal(await graph.nodes.count(), 31);
  const broken = graph.violating.first();
  assert.match(await broken.getAttribute('aria-label'), /^step 25: .*breaks no_lost_write/);
  assert.equal(await broken.locator('.graph-cross').textContent(), '✗');
  await broken.click();
  await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.dataset.step === '25');
  assert.equal(await player.steps(), 25);
});

test('the state graph of a litmus test is drawn with its violating states; a large race gets the cap\'s message', async () => {
  const { page, player } = await openPlayer(SB);
  const graph = new GraphPanel(page);
  await graph.states.click();
  await graph.svg.waitFor();
  assert.ok((await graph.nodes.count()) > 5);
  assert.ok((await graph.violating.count()) > 0);
  assert.deepEqual(await seriousViolations(page), []);
  for (const [name, width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await scrollTo(graph.root);
    await page.screenshot({ path: await shotPath(`graph-${name}`) });
  }
  const target = graph.violating.first();
  const want = await target.getAttribute('data-link');
  await target.click();
  await page.waitForFunction((w) => decodeURIComponent(location.hash.slice(1)) === w, want);
  await player.root.waitFor();

  await player.open(RACE1A_12);
  await graph.states.click();
  await graph.error.waitFor();
  assert.match(await graph.error.textContent(), /^the state graph has more than \d+ states/);
});

test('the export menu is keyboard reachable and axe clean; screenshots at three sizes', async () => {
  const { page, menu } = await openPlayer(RACE1A_12);
  await menu.toggle.focus();
  await page.keyboard.press('Enter');
  await menu.text.waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  for (const [name, width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await scrollTo(menu.menu);
    await page.screenshot({ path: await shotPath(`export-menu-${name}`) });
  }
});

test('embed=1 in an iframe is the compact player with an "open in racelab" link to the same view', async () => {
  const { page, url, player } = await openPlayer(RACE1A_12);
  const link = await player.fragment();
  for (const [w, h] of [[640, 360], [800, 450]]) {
    await page.setContent(`<!doctype html><title>host</title><iframe title="racelab" src="${url}#${link}&embed=1" width="${w}" height="${h}"></iframe>`);
    const frame = page.frameLocator('iframe');
    const embed = new EmbedPage(frame);
    await embed.root.waitFor();
    assert.equal(await embed.step(), 12);
    assert.equal(await frame.locator('.site-header').isVisible(), false);
    assert.equal(await frame.getByTestId('back-to-gallery').count(), 0);
    assert.ok((await embed.lanes.count()) > 0);
    await embed.forward.click();
    await frame.locator('[data-testid="player"][data-step="13"]').waitFor();
    const href = await embed.open.getAttribute('href');
    assert.ok(!href.includes('embed'), href);
    assert.match(href, /#v=2&s=race1a&h=[a-z2-7]{10}&p=v5_10&t=[a-z0-9]+&i=13$/);
    // Everything fits the frame: nothing of the player is cut off at its bottom or right.
    const fits = await frame.locator('body').evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1 && document.documentElement.scrollWidth <= innerWidth + 1);
    assert.ok(fits, `the embed scrolls at ${w}x${h}`);
    await page.screenshot({ path: await shotPath(`embed-${w}x${h}`) });
  }
  for (const [name, width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.setContent(`<!doctype html><title>host</title><iframe title="racelab" src="${url}#${link}&embed=1" width="${Math.min(800, width - 20)}" height="450"></iframe>`);
    await new EmbedPage(page.frameLocator('iframe')).root.waitFor();
    await page.screenshot({ path: await shotPath(`embed-${name}`) });
  }
});

test('the embedded player has no serious or critical accessibility violation', async () => {
  const { page, player } = await openPlayer(RACE1A_12);
  await player.open(`${await player.fragment()}&embed=1`);
  await page.locator('section[data-embed="1"]').waitFor();
  assert.deepEqual(await seriousViolations(page), []);
});

test('printing gives the handout: the diagram and the state at the breaking step, without controls', async () => {
  const { page, player } = await openPlayer('v=1&s=race1a&p=v5_10&tr=lost_write&i=3');
  const link = await player.fragment();
  const diagram = page.getByTestId('print-diagram');
  assert.equal(await diagram.isVisible(), false);
  // The browser's print sequence: beforeprint moves the panels to the breaking step, print
  // media shows the handout, afterprint goes back.
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.waitForFunction(() => document.querySelector('[data-testid="player"]').dataset.step === '25');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await diagram.isVisible(), true);
  assert.equal(await diagram.textContent(), (await cli('diagram', '--link', link)).toString('utf8'));
  assert.equal(await player.forwardButton.isVisible(), false);
  assert.equal(await page.getByTestId('export-menu').isVisible(), false);
  assert.equal(await page.getByTestId('graph-panel').isVisible(), false);
  assert.ok(await page.getByTestId('page-table').isVisible());
  const pdf = await page.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.waitForFunction(() => document.querySelector('[data-testid="player"]').dataset.step === '3');
});

/** Scrolls `locator` to the top of the window, below the sticky step controls. */
async function scrollTo(locator) {
  await locator.evaluate((el) => {
    el.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -80);
  });
}

async function shotPath(name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
