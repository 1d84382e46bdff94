// The scenario editor (route "#/edit/<id>", "#/edit/new", "#/edit/draft"): its tabs, the
// CodeMirror editor (in a shadow root, which Playwright's CSS locators pierce), the core's
// diagnostics and the draft saved in localStorage.
import { AppPage } from './app.mjs';

export const DRAFT_KEY = 'racelab:draft';

export class EditorPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.getByTestId('editor');
    this.main = page.getByTestId('editor-main');
    this.tabs = page.getByTestId('editor-tab');
    this.content = page.locator('[data-testid="editor-host"] .cm-content');
    this.diagnosticList = page.getByTestId('diagnostics');
    this.diagnostics = page.getByTestId('diagnostic');
    this.noDiagnostics = page.getByTestId('diagnostics-none');
    this.runButton = page.getByTestId('editor-run');
    this.downloadButton = page.getByTestId('editor-download');
    this.fileInput = page.getByTestId('editor-open-file');
    this.litmusButton = page.getByTestId('editor-litmus');
    this.litmusText = page.getByTestId('litmus-text');
    this.litmusConvert = page.getByTestId('litmus-convert');
    this.litmusError = page.getByTestId('litmus-error');
    this.confirm = page.getByTestId('draft-confirm');
    this.replaceConfirm = page.getByTestId('replace-confirm');
    this.status = page.getByTestId('editor-status');
    this.gutterErrors = page.locator('[data-testid="editor-host"] .cm-gutter-lint .cm-lint-marker-error');
  }

  /** Loads `#/edit/<what>` and waits for the editor to be ready (or a prompt/error instead). */
  async open(what) {
    await this.goto(`#/edit/${what}`);
    await this.ready();
  }

  async ready() {
    await this.page
      .locator('[data-testid="editor"][data-ready="true"], [data-testid="draft-confirm"], [data-testid="editor-error"]')
      .first()
      .waitFor();
  }

  async mainFile() {
    return this.main.textContent();
  }

  /** The tabs: [{ file, selected, edited }]. */
  async tabList() {
    return this.tabs.evaluateAll((els) =>
      els.map((e) => ({ file: e.dataset.file, selected: e.getAttribute('aria-selected') === 'true', edited: e.classList.contains('edited') })));
  }

  async openTab(file) {
    await this.page.locator(`[data-testid="editor-tab"][data-file="${file}"]`).click();
    await this.page.locator(`[data-testid="editor-tab"][data-file="${file}"][aria-selected="true"]`).waitFor();
  }

  /** Replaces line `line` (1-based) of the shown file with `text` (its indentation kept), as typed. */
  async replaceLine(line, text) {
    await this.content.click();
    await this.page.keyboard.press('Control+Home');
    for (let i = 1; i < line; i += 1) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Shift+Home');
    await this.page.keyboard.insertText(text);
  }

  /** The core's diagnostics under the editor: [{ file, line, col, text }]. */
  async diagnosticItems() {
    return this.diagnostics.evaluateAll((els) =>
      els.map((e) => ({ file: e.dataset.file, line: Number(e.dataset.line), col: Number(e.dataset.col), text: e.textContent })));
  }

  /** Waits until the core's check has listed exactly `n` diagnostics. */
  async waitForDiagnosticCount(n) {
    await this.page.locator(`[data-testid="diagnostics"][data-count="${n}"]`).waitFor();
  }

  /** The draft saved in this browser, parsed (or null). */
  async savedDraft() {
    return this.page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), DRAFT_KEY);
  }

  /** Waits until the saved draft's `file` contains `text`. */
  async waitForSaved(file, text) {
    await this.page.waitForFunction(
      ([k, f, t]) => (JSON.parse(localStorage.getItem(k) ?? 'null')?.files ?? []).some(([n, s]) => n === f && s.includes(t)),
      [DRAFT_KEY, file, text],
    );
  }

  /** Presses "run" and waits for the player. */
  async run() {
    await this.runButton.click();
    await this.page.getByTestId('player').waitFor();
  }

  async pasteLitmus(text) {
    await this.litmusButton.click();
    await this.litmusText.fill(text);
    await this.litmusConvert.click();
  }
}
