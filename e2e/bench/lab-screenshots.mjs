#!/usr/bin/env node
// Screenshots of the lab for a person to look at: the editor on race 1A with a typo (its
// diagnostic in the gutter and under the editor), at 1280×720, 1920×1080 and 390×844, and the
// player on the edited scenario. Writes SCREENSHOT_DIR/lab-*.png (default e2e/out/).
//
//   node e2e/bench/lab-screenshots.mjs        (after scripts/build.sh)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser, SCREENSHOT_DIR } from '../lib/browser.mjs';
import { EditorPage } from '../pages/editor.mjs';

const SIZES = [[1280, 720], [1920, 1080], [390, 844]];
const race = await readFile(path.join(E2E_DIR, '..', 'traces', 'race1a-uffd-unprotect.race'), 'utf8');
const line = race.split('\n').findIndex((l) => l.includes('userfaultfd_writeprotect(V, 0)')) + 1;

const server = await startServer();
const browser = await launchBrowser();
try {
  for (const [width, height] of SIZES) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const editor = new EditorPage(page, server.url);
    await editor.open('race1a');
    await editor.replaceLine(line, 'userfaultfd_writeprotec(V, 0)');
    await editor.waitForDiagnosticCount(1);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `lab-editor-${width}x${height}.png`) });
    await editor.replaceLine(line, 'userfaultfd_writeprotect(V, 0)');
    await editor.waitForDiagnosticCount(0);
    await editor.run();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `lab-player-${width}x${height}.png`) });
    await context.close();
  }
  console.log(`wrote ${SIZES.length * 2} screenshots to ${SCREENSHOT_DIR}`);
} finally {
  await browser.close();
  await server.close();
}
