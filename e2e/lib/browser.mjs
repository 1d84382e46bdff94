// Launching Debian's Chromium through playwright-core, and a page that records
// every console error, uncaught page error and failed request.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { E2E_DIR } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(E2E_DIR, 'out'));

// Playwright gives every launch a fresh temporary --user-data-dir.
// The network flags stop Chromium's own background traffic, which this kind of
// machine refuses (and which would only slow the start).
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `extraArgs`: more command-line flags, for a benchmark that compares them (the tests pass none). */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs] });
}

// A worker's own files are aborted, not failed, whenever the worker goes before they
// arrive: the page terminates it (a cancelled search), or the test navigates, reloads or
// goes back while the player's spare worker still loads. A file that is really missing
// still fails the test by its HTTP status, and a worker that cannot start says so on the page.
const WORKER_FILES = /\/(worker\.js|racelab_worker\.js|racelab_worker_bg\.wasm)$/;

/**
 * A new page in a fresh context, with `problems`: every console error, page
 * error, failed request and HTTP error status seen so far, as strings.
 * `warnings` collects console warnings (reported, not failed on).
 */
export async function openPage(browser, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  const warnings = [];
  page.on('console', (msg) => {
    const where = msg.location()?.url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}${where}`);
    else if (msg.type() === 'warning') warnings.push(`console warning: ${msg.text()}${where}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText;
    if (error === 'net::ERR_ABORTED' && WORKER_FILES.test(new URL(req.url()).pathname)) return;
    problems.push(`request failed: ${req.url()} (${error})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems, warnings };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
