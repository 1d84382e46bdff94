// The gallery of race scenarios (route "#/").
import { AppPage } from './app.mjs';

export class GalleryPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.getByTestId('gallery');
    this.heading = page.locator('#gallery-heading');
    this.cards = page.getByTestId('scenario-card');
    this.progress = page.getByTestId('gallery-progress');
    this.notice = page.getByTestId('verdicts-notice');
    this.checkAgain = page.getByTestId('check-again');
    this.againStatus = page.getByTestId('check-again-status');
  }

  /** Makes the request of the site's verdict table fail (call before `open`). */
  async failTable() {
    await this.page.route(/\/verdicts\.jsonl/, (route) => route.abort());
  }

  /** Serves `edit(text)` in place of the site's verdict table (call before `open`). */
  async editTable(edit) {
    await this.page.route(/\/verdicts\.jsonl/, async (route) => {
      const real = await route.fetch();
      await route.fulfill({ response: real, body: edit(await real.text()) });
    });
  }

  /** Waits until a check again in this browser has every verdict. */
  async waitForCheckAgain(timeout = 120_000) {
    await this.page.locator('[data-testid="check-again-status"][data-done="true"]').waitFor({ timeout });
  }

  /** Opens the gallery and waits until every card is drawn (they are drawn a few per task). */
  async open() {
    await this.goto('#/');
    await this.page.locator('[data-testid="gallery"][data-complete="true"]').waitFor();
  }

  card(id) {
    return this.page.locator(`[data-testid="scenario-card"][data-scenario="${id}"]`);
  }

  policyRow(id, policy) {
    return this.card(id).locator(`[data-testid="policy-row"][data-policy="${policy}"]`);
  }

  /** Waits until the explorer has a verdict for every policy and model. */
  async waitForVerdicts(timeout = 60_000) {
    await this.page.locator('[data-testid="gallery-progress"][data-done="true"]').waitFor({ timeout });
  }

  /** The explorer's verdict (`violated`, `safe`, `unknown`, `checking`) of one row. */
  async verdict(id, policy, model) {
    const sel = model ? `[data-testid="verdict"][data-model="${model}"]` : '[data-testid="verdict"]';
    return this.policyRow(id, policy).locator(sel).first().getAttribute('data-verdict');
  }

  /** Every card, as plain data read from the page. */
  async scenarios() {
    return this.cards.evaluateAll((cards) => cards.map((c) => ({
      id: c.dataset.scenario,
      race: c.querySelector('[data-testid="race"]')?.textContent.trim(),
      title: c.querySelector('[data-testid="card-open"]')?.textContent.trim(),
      summary: c.querySelector('[data-testid="summary"]')?.textContent.trim(),
      citations: [...c.querySelectorAll('[data-testid="citation"]')].map((li) => ({
        kind: li.dataset.kind,
        href: li.querySelector('a')?.getAttribute('href') ?? null,
      })),
      policies: [...c.querySelectorAll('[data-testid="policy-row"]')].map((tr) => ({
        name: tr.dataset.policy,
        fate: tr.dataset.fate,
        baseline: tr.dataset.baseline === 'true',
        href: tr.querySelector('[data-testid="policy-link"]').getAttribute('href'),
        traces: [...tr.querySelectorAll('[data-testid="trace-outcome"]')].map((o) => ({
          trace: o.dataset.trace,
          model: o.dataset.model,
          outcome: o.dataset.outcome,
          step: o.dataset.step ? Number(o.dataset.step) : null,
          href: o.getAttribute('href'),
        })),
        verdicts: [...tr.querySelectorAll('[data-testid="verdict"]')].map((v) => ({
          model: v.dataset.model ?? null,
          verdict: v.dataset.verdict,
          source: v.dataset.source ?? null,
          href: v.querySelector('a')?.getAttribute('href') ?? null,
        })),
      })),
    })));
  }
}
