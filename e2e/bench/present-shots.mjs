#!/usr/bin/env node
// Writes the screenshots of issue 12 into docs/: presentation mode at 1280x720 and 1920x1080,
// race 1A side by side under v5.10 and 6ce64428 at the row where their states first differ,
// and the gallery and the player on a phone (390x844) and a tablet (820x1180).
//
//   node e2e/bench/present-shots.mjs [DIR]   (after scripts/build.sh; default docs/)
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const dir = path.resolve(process.argv[2] ?? path.join(E2E_DIR, '..', 'docs'));
const RACE1A = 'v=1&s=race1a&p=v5_10&tr=lost_write';
const server = await startServer();
const browser = await launchBrowser();

async function shot(name, { width, height }, fragment, ready, { fullPage = false } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${server.url}#${fragment}`);
  await ready(page);
  await page.waitForTimeout(300);
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  await page.close();
  console.log(`wrote ${file}`);
}

const playerAt = (n) => (page) => page.locator(`[data-testid="player"][data-step="${n}"]`).waitFor();
/** Race 1A's link on the current files (a version 1 link opens the version it was made from). */
async function currentRace1a() {
  const page = await browser.newPage();
  await page.goto(`${server.url}#/race/race1a`);
  await page.waitForFunction(() => location.hash.startsWith('#v=2&'));
  const link = decodeURIComponent((await page.evaluate(() => location.hash)).slice(1)).replace(/&i=\d+/, '');
  await page.close();
  return link;
}

try {
  // Step 16 carries the trace's presenter note; the page's own note (`note=`) goes beside it.
  const current = await currentRace1a();
  const note = 'note=16:here%20CPU3%20still%20writes%3A%20look%20at%20its%20TLB';
  for (const [width, height] of [[1280, 720], [1920, 1080]]) {
    await shot(`present-${width}x${height}`, { width, height }, `${current}&i=16&${note}&view=present`, playerAt(16));
  }
  await shot('side-race1a-6ce64428', { width: 1920, height: 1080 }, `${RACE1A}&i=10&q=merged_6ce64428&qi=12&view=present`, async (page) => {
    await page.getByTestId('first-difference').waitFor();
  });
  await shot('phone-gallery', { width: 390, height: 844 }, '/', (page) => page.getByTestId('gallery').waitFor());
  // On a phone: the step, its controls and the lanes, scrolled to the step.
  await shot('phone-player', { width: 390, height: 844 }, `${RACE1A}&i=16`, async (page) => {
    await playerAt(16)(page);
    await page.evaluate(() => document.querySelector('[data-testid="step-sentence"]').scrollIntoView());
  });
  await shot('tablet-player', { width: 820, height: 1180 }, `${RACE1A}&i=16`, playerAt(16));
} finally {
  await browser.close();
  await server.close();
}
