// Side by side: one interleaving under two policies, stepped together row by row.
// Rows are the core's alignment; data-* attributes hold what it says.
import { AppPage } from './app.mjs';

export class SideBySidePage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.getByTestId('side-by-side');
    this.rowSentence = page.getByTestId('row-sentence');
    this.firstDifference = page.getByTestId('first-difference');
    this.summary = page.getByTestId('side-summary');
    this.cells = page.getByTestId('row-cell');
    this.forwardButton = page.getByTestId('row-forward');
    this.diffButton = page.getByTestId('row-diff');
    this.presentButton = page.getByTestId('present');
  }

  async open(fragment) {
    await this.goto(`#${fragment.replace(/^#/, '')}`);
    await this.root.waitFor();
  }

  async row() {
    return Number(await this.root.getAttribute('data-row'));
  }

  async kind() {
    return this.root.getAttribute('data-kind');
  }

  async firstDiffRow() {
    return Number(await this.root.getAttribute('data-first-diff'));
  }

  async waitForRow(n) {
    await this.page.locator(`[data-testid="side-by-side"][data-row="${n}"]`).waitFor();
  }

  /** The step each column shows: { a, b }. */
  async steps() {
    const a = await this.page.locator('[data-testid="side-col"][data-side="a"]').getAttribute('data-step');
    const b = await this.page.locator('[data-testid="side-col"][data-side="b"]').getAttribute('data-step');
    return { a: Number(a), b: Number(b) };
  }

  /** The kinds of the rows, in order: "same", "added", "held-back". */
  async rowKinds() {
    return this.cells.evaluateAll((els) => els.map((e) => e.dataset.kind));
  }

  /** The lines marked in a column's lanes: [{ thread, mark, text }]. */
  async markedLines(side) {
    return this.page
      .locator(`[data-testid="side-col"][data-side="${side}"] [data-testid="code-line"][data-mark]:not([data-mark=""])`)
      .evaluateAll((els) => els.map((e) => ({
        thread: e.closest('[data-testid="lane"]').dataset.thread,
        mark: e.dataset.mark,
        text: e.querySelector('code').textContent,
      })));
  }

  /** Whether a column is outlined as the first difference. */
  async columnMarked(side) {
    return this.page.locator(`[data-testid="side-col"][data-side="${side}"]`).evaluate((e) => e.classList.contains('first-diff'));
  }
}
