// The player's "Export" menu, its graph panel, its printed handout and the embedded
// player (embed=1). Downloads are read back as files; copies from the clipboard.
import { readFile } from 'node:fs/promises';

export class ExportMenu {
  /**
   * @param {import('playwright-core').Page} page
   * @param {import('playwright-core').Locator} [scope]  one side of a side-by-side view
   */
  constructor(page, scope = page.locator('body')) {
    this.page = page;
    this.menu = scope.getByTestId('export-menu').first();
    this.toggle = this.menu.getByTestId('export-toggle');
    this.text = this.menu.getByTestId('export-text');
    this.mail = this.menu.getByTestId('export-mail');
    this.svg = this.menu.getByTestId('export-svg');
    this.png = this.menu.getByTestId('export-png');
    this.perfetto = this.menu.getByTestId('export-perfetto');
    this.status = this.menu.getByTestId('export-status');
    this.fallback = this.menu.getByTestId('export-fallback');
  }

  async open() {
    if (!(await this.menu.evaluate((d) => d.open))) await this.toggle.click();
    await this.text.waitFor();
  }

  /** Clicks a copy item and returns what the clipboard then holds. */
  async copy(item) {
    await this.open();
    await item.click();
    await this.menu.locator('.export-ok', { hasText: 'copied' }).waitFor();
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  /** Clicks a download item; returns { name, bytes } of the file the page offered. */
  async download(item) {
    await this.open();
    const [d] = await Promise.all([this.page.waitForEvent('download'), item.click()]);
    const bytes = await readFile(await d.path());
    return { name: d.suggestedFilename(), bytes };
  }
}

export class GraphPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('graph-panel');
    this.hb = this.root.getByTestId('graph-hb');
    this.states = this.root.getByTestId('graph-states');
    this.svg = this.root.getByTestId('graph-svg');
    this.title = this.root.getByTestId('graph-title');
    this.error = this.root.getByTestId('graph-error');
    this.nodes = this.root.getByTestId('graph-node');
    this.violating = this.root.locator('[data-testid="graph-node"][data-violating="true"]');
  }
}

export class EmbedPage {
  constructor(frameOrPage) {
    this.root = frameOrPage.locator('[data-testid="player"][data-embed="1"]');
    this.open = frameOrPage.getByTestId('embed-open');
    this.forward = frameOrPage.getByTestId('step-forward');
    this.back = frameOrPage.getByTestId('step-back');
    this.jump = frameOrPage.getByTestId('jump-violation');
    this.sentence = frameOrPage.getByTestId('step-sentence');
    this.changes = frameOrPage.getByTestId('change');
    this.lanes = frameOrPage.getByTestId('lane');
  }

  async step() {
    return Number(await this.root.getAttribute('data-step'));
  }
}
