// The parts of the racelab shell every page has: header, main area, footer.
import { screenshot } from '../lib/browser.mjs';

export class AppPage {
  /**
   * @param {import('playwright-core').Page} page
   * @param {string} baseUrl  where the site is served, ending with "/"
   */
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.title = page.locator('#title');
    this.main = page.locator('#main');
    this.footer = page.locator('.site-footer');
    this.panic = page.locator('#panic');
    this.loadError = page.locator('#load-error');
  }

  /** Loads the site at a hash route ("#/..." or "#v=1&..."), and waits for the app to mount. */
  async goto(hash = '') {
    await this.page.goto(this.baseUrl + hash);
    await this.waitForApp();
  }

  /** Changes the hash in place (fires hashchange, no reload). */
  async navigate(hash) {
    await this.page.evaluate((h) => { window.location.hash = h; }, hash);
  }

  /** Waits until the wasm app has replaced the "Loading…" placeholder. */
  async waitForApp() {
    // Attached, not visible: presentation mode folds the header away.
    await this.page.locator('#title, #panic, #load-error').first().waitFor({ state: 'attached' });
  }

  /** The URL's fragment, decoded, without the "#". */
  async fragment() {
    return this.page.evaluate(() => decodeURIComponent(window.location.hash.replace(/^#/, '')));
  }

  async screenshot(name) {
    return screenshot(this.page, name);
  }
}
