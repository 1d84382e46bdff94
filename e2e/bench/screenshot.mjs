#!/usr/bin/env node
// Writes the README's screenshot of the player: race 1A at its violation, as a projector
// shows it (1600x1000), once the step's flashes have faded.
//
//   node e2e/bench/screenshot.mjs [OUT]   (after scripts/build.sh; default docs/player-race1a.png)
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const out = path.resolve(process.argv[2] ?? path.join(E2E_DIR, '..', 'docs', 'player-race1a.png'));
const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${server.url}#v=1&s=race1a&p=v5_10&tr=lost_write&i=25`);
  await page.locator('[data-testid="player"][data-step="25"]').waitFor();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
