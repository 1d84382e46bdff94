// The player for one scenario, policy, memory model and schedule (route "#v=1&s=…").
// Values are read from data-* attributes, which hold exactly what the core's views say;
// the visible text is for people.
import { AppPage } from './app.mjs';

export class PlayerPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.getByTestId('player');
    this.sentence = page.getByTestId('step-sentence');
    this.description = page.getByTestId('step-description');
    this.lanes = page.getByTestId('lane');
    this.forwardButton = page.getByTestId('step-forward');
    this.backButton = page.getByTestId('step-back');
    this.playButton = page.getByTestId('play');
    this.firstButton = page.getByTestId('first');
    this.lastButton = page.getByTestId('last');
    this.jumpButton = page.getByTestId('jump-violation');
    this.scrubber = page.getByTestId('scrubber');
    this.speed = page.getByTestId('speed');
    this.policySelect = page.getByTestId('policy-select');
    this.modelSelect = page.getByTestId('model-select');
    this.copyButton = page.getByTestId('copy-link');
    this.copyStatus = page.getByTestId('copy-status');
    this.help = page.getByTestId('key-help');
    this.deviations = page.getByTestId('deviation');
    this.origin = page.getByTestId('origin');
    this.notice = page.getByTestId('notice');
    this.explorerRun = page.getByTestId('explorer-run');
    this.explorerVerdict = page.getByTestId('explorer-verdict');
    this.explorerOpen = page.getByTestId('explorer-open');
    this.explorerChart = page.getByTestId('explorer-chart');
    this.backToGallery = page.getByTestId('back-to-gallery');
    this.presentButton = page.getByTestId('present');
    this.compareSelect = page.getByTestId('compare-select');
    this.choiceKeys = page.getByTestId('choice-key');
    this.policyWhy = page.getByTestId('policy-why');
  }

  /** Whether presentation mode is on (the page's root says so). */
  async presenting() {
    return this.page.evaluate(() => document.documentElement.dataset.view === 'present');
  }

  async waitForPresenting(on) {
    await this.page.waitForFunction((v) => (document.documentElement.dataset.view === 'present') === v, on);
  }

  /** The key shown on each "who runs next" button, by thread: { monitor: "1", … }. */
  async keysShown() {
    return this.page.getByTestId('schedule-choice').evaluateAll((els) =>
      Object.fromEntries(els.filter((e) => e.querySelector('kbd')).map((e) => [e.dataset.thread, e.querySelector('kbd').textContent])));
  }

  /** Loads the page at a permalink fragment (with or without "#"). */
  async open(fragment) {
    await this.goto(`#${fragment.replace(/^#/, '')}`);
    await this.root.waitFor();
  }

  /** A screenshot of the whole page, scrolled to the top (the controls bar is sticky). */
  async screenshot(name) {
    await this.page.evaluate(() => window.scrollTo(0, 0));
    return super.screenshot(name);
  }

  async attr(name) {
    return this.root.getAttribute(`data-${name}`);
  }

  async step() {
    return Number(await this.attr('step'));
  }

  async steps() {
    return Number(await this.attr('steps'));
  }

  async policy() {
    return this.attr('policy');
  }

  async model() {
    return this.attr('model');
  }

  async waitForStep(n) {
    await this.page.locator(`[data-testid="player"][data-step="${n}"]`).waitFor();
  }

  async waitForStepAtLeast(n) {
    await this.page.waitForFunction((k) => Number(document.querySelector('[data-testid="player"]')?.dataset.step) >= k, n);
  }

  /** Goes to the last step (the button is disabled when already there). */
  async toEnd() {
    if (await this.lastButton.isEnabled()) await this.lastButton.click();
    await this.waitForStep(await this.steps());
  }

  async waitForPolicy(p) {
    await this.page.locator(`[data-testid="player"][data-policy="${p}"]`).waitFor();
  }

  async forward() {
    const n = await this.step();
    await this.forwardButton.click();
    await this.waitForStep(n + 1);
  }

  async back() {
    const n = await this.step();
    await this.backButton.click();
    await this.waitForStep(n - 1);
  }

  /** Goes to step n with the scrubber. */
  async scrubTo(n) {
    await this.scrubber.evaluate((el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, n);
    await this.waitForStep(n);
  }

  /** Jumps to the violation; returns the step it lands on. */
  async jumpToViolation() {
    await this.jumpButton.click();
    const n = Number((await this.jumpButton.textContent()).match(/step (\d+)/)[1]);
    await this.waitForStep(n);
    return n;
  }

  async selectPolicy(p) {
    await this.policySelect.selectOption(p);
    await this.waitForPolicy(p);
  }

  async selectModel(m) {
    await this.modelSelect.selectOption(m);
    await this.page.locator(`[data-testid="player"][data-model="${m}"]`).waitFor();
  }

  /** The user as the scheduler: runs `choice` (a thread name, or e.g. `P1.early1`) now. */
  async choose(choice) {
    const n = await this.step();
    await this.page.locator(`[data-testid="schedule-choice"][data-choice="${choice}"]`).click();
    await this.waitForStep(n + 1);
  }

  async choices() {
    return this.page.getByTestId('schedule-choice').evaluateAll((bs) => bs.map((b) => ({
      choice: b.dataset.choice,
      inRun: b.dataset.inRun === 'true',
      disabled: b.disabled,
    })));
  }

  /** A PTE of the page table: { page, present, w, d, sd, uw } (bits as 0/1). */
  async pte(name) {
    const row = this.page.locator(`[data-testid="pte"][data-pte="${name}"]`);
    const d = await row.evaluate((el) => ({ ...el.dataset }));
    return { page: d.page, present: +d.present, w: +d.w, d: +d.d, sd: +d.sd, uw: +d.uw };
  }

  /** The TLB entries of a CPU ("CPU3"): [{ va, page, w, d, stale }]. */
  async tlb(cpu) {
    return this.page.locator(`[data-testid="tlb-cpu"][data-cpu="${cpu}"] [data-testid="tlb-entry"]`).evaluateAll(
      (es) => es.map((e) => ({ va: e.dataset.va, page: e.dataset.page, w: +e.dataset.w, d: +e.dataset.d, stale: +e.dataset.stale })),
    );
  }

  /** A struct page: { refcount, base, pins, mapcount, locked, data: [slot values] }. */
  async structPage(name) {
    const el = this.page.locator(`[data-testid="page"][data-page="${name}"]`);
    return el.evaluate((p) => ({
      refcount: +p.dataset.refcount,
      base: +p.dataset.base,
      pins: +p.dataset.pins,
      mapcount: +p.dataset.mapcount,
      locked: +p.dataset.locked,
      refcountText: p.querySelector('[data-testid="refcount"]').textContent.replace(/\s+/g, ' ').trim(),
      data: [...p.querySelectorAll('[data-testid="page-slot"]')].map((s) => +s.dataset.value),
    }));
  }

  async counter(name) {
    const v = await this.page.locator(`[data-testid="counter"][data-counter="${name}"]`).getAttribute('data-value');
    return v === null ? null : Number(v);
  }

  /** An invariant's badge: { state: ok|broken|was-broken, brokenAt, message }. */
  async invariant(name) {
    const el = this.page.locator(`[data-testid="invariant"][data-invariant="${name}"]`);
    return el.evaluate((b) => ({
      state: b.dataset.state,
      brokenAt: b.dataset.brokenAt ? Number(b.dataset.brokenAt) : null,
      message: b.querySelector('[data-testid="invariant-message"]')?.textContent ?? null,
      bad: b.classList.contains('bad'),
    }));
  }

  async invariants() {
    return this.page.getByTestId('invariant').evaluateAll((bs) => bs.map((b) => ({
      name: b.dataset.invariant,
      state: b.dataset.state,
      brokenAt: b.dataset.brokenAt ? Number(b.dataset.brokenAt) : null,
    })));
  }

  /** The code lines of a thread's lane, as shown. */
  async laneLines(thread) {
    return this.page.locator(`[data-testid=lane][data-thread="${thread}"] [data-testid=code-line] code`).allTextContents();
  }

  /** The highlighted line (the statement of the current step), in whichever lane has it. */
  async currentLine() {
    return this.page.locator('[data-testid=lane] [data-testid=code-line].current code').textContent();
  }

  async laneStatuses() {
    return this.lanes.evaluateAll((ls) => Object.fromEntries(ls.map((l) => [l.dataset.thread, l.dataset.status])));
  }

  /** Runs the explorer on this policy and waits for its verdict. */
  async checkEveryInterleaving(timeout = 30_000) {
    await this.explorerRun.click();
    await this.explorerVerdict.waitFor({ timeout });
    return {
      verdict: await this.explorerVerdict.getAttribute('data-verdict'),
      steps: Number(await this.explorerVerdict.getAttribute('data-steps')),
    };
  }
}
