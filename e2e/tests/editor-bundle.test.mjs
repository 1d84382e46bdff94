// The scenario editor bundle (web/editor, built into the site as editor.js), on its own test page
// (web/editor/test/) under the Content-Security-Policy the app is to ship: typing, the debounced
// onChange, undo, the core's diagnostics in the gutter, columns in chars, highlighting, read-only
// mode, bracket matching, indentation, search, and that the policy refuses nothing.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, DIST_DIR, E2E_DIR } from '../lib/server.mjs';
import { launchBrowser, openPage, screenshot } from '../lib/browser.mjs';

const REPO = path.resolve(E2E_DIR, '..');
const TEST_PAGE_DIR = path.join(REPO, 'web', 'editor', 'test');

// What the core would pass as options.language (a few of its primitives and value functions).
const LANGUAGE = {
  keywords: ['title', 'expect', 'schedule'],
  primitives: ['ptl_lock', 'ptl_unlock', 'flush_tlb_page', 'mmap_read_lock'],
  values: ['pte_same', 'page_count'],
};

const SCENARIO = `racelab 1
# A small scenario.
use "kernel/memory.race"

scenario demo {
  title "one lost write"
}

thread writer on CPU2 "stores to V" {
  store V[1] = 0x2
  ptl_lock(V)
  if orig.W {
    ptl_unlock(V)
  }
}
`;

let server;
let browser;
let siteDir;
const sessions = [];

before(async () => {
  const bundle = path.join(DIST_DIR, 'editor.js');
  await stat(bundle).catch(() => {
    throw new Error(`${bundle} not found: build the site first (scripts/build.sh)`);
  });
  // The test page next to the built bundle, and the app's stylesheet, in one directory.
  siteDir = await mkdtemp(path.join(os.tmpdir(), 'racelab-editor-'));
  await cp(TEST_PAGE_DIR, siteDir, { recursive: true });
  await cp(bundle, path.join(siteDir, 'editor.js'));
  await cp(path.join(REPO, 'public', 'style.css'), path.join(siteDir, 'style.css'));
  server = await startServer({ root: siteDir });
  browser = await launchBrowser();
});

afterEach(async () => {
  for (const s of sessions.splice(0)) {
    const violations = await s.page.evaluate(() => window.editorTest?.violations ?? []).catch(() => []);
    await s.context.close();
    assert.deepEqual(violations, [], 'the Content-Security-Policy refused something');
    assert.deepEqual(s.problems, [], 'the page reported errors');
  }
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (siteDir) await rm(siteDir, { recursive: true, force: true });
});

/** The test page with an editor created from `options`. */
async function openEditor(options = {}, { viewport, clock = false } = {}) {
  const session = await openPage(browser, { viewport });
  sessions.push(session);
  const { page } = session;
  // A fake clock that moves only when the test says: timers fire by runFor, not by the wall.
  if (clock) await page.clock.install({ time: new Date('2025-01-01T00:00:00Z') });
  await page.goto(server.url);
  await page.waitForSelector('html[data-ready]', { state: 'attached' });
  if (clock) await page.clock.pauseAt(new Date('2025-01-01T01:00:00Z'));
  await page.evaluate((o) => window.editorTest.create(o), { doc: SCENARIO, language: LANGUAGE, ...options });
  const content = page.locator('#editor .cm-content');
  await content.waitFor();
  return { ...session, content };
}

const text = (page) => page.evaluate(() => window.editorTest.editor.getText());
const changes = (page) => page.evaluate(() => [...window.editorTest.events.changes]);
const lineNumber = (page, n) =>
  page.locator('#editor .cm-lineNumbers .cm-gutterElement', { hasText: new RegExp(`^${n}$`) });

/** Puts the cursor at the core's (line, col): revealLine, then the arrow keys. */
async function cursorTo(page, line, col) {
  await page.evaluate((l) => {
    window.editorTest.editor.revealLine(l);
    window.editorTest.editor.focus();
  }, line);
  for (let i = 1; i < col; i += 1) await page.keyboard.press('ArrowRight');
}

test('the bundle exports createEditor alone and sets no global', async () => {
  const { page } = await openEditor();
  const info = await page.evaluate(() => {
    const t = window.editorTest;
    const afterCreate = t.newGlobals();
    t.editor.destroy();
    return {
      exports: t.exports,
      afterImport: t.globalsAfterImport,
      afterCreate,
      afterDestroy: t.newGlobals(),
      hosts: document.querySelectorAll('.racelab-editor').length,
    };
  });
  assert.deepEqual(info.exports, ['createEditor']);
  assert.deepEqual(info.afterImport, [], 'importing the bundle added globals');
  assert.deepEqual(info.afterCreate, [], 'creating an editor added globals');
  assert.deepEqual(info.afterDestroy, []);
  assert.equal(info.hosts, 0, 'destroy removes the editor from the page');
});

test('under the page CSP the editor is styled and the policy refuses nothing', async () => {
  const { page } = await openEditor();
  const styles = await page.evaluate(() => {
    const root = document.querySelector('#editor .racelab-editor').shadowRoot;
    const css = (sel) => getComputedStyle(root.querySelector(sel));
    return {
      editor: css('.cm-editor').display,
      gutters: css('.cm-gutters').display,
      keyword: css('.rl-keyword').fontWeight,
      adopted: root.adoptedStyleSheets.length,
      styleElements: document.querySelectorAll('style').length + root.querySelectorAll('style').length,
    };
  });
  // CodeMirror's own rules and the theme's are applied, from constructed stylesheets.
  assert.equal(styles.editor, 'flex');
  assert.equal(styles.gutters, 'flex');
  assert.equal(styles.keyword, '600');
  assert.ok(styles.adopted >= 2, `adopted stylesheets: ${styles.adopted}`);
  assert.equal(styles.styleElements, 0, 'no <style> element, which the policy would refuse');
});

test('two editors at once are both styled, and destroying one leaves the other', async () => {
  const { page } = await openEditor();
  const state = await page.evaluate(async () => {
    const frame = document.createElement('div');
    frame.className = 'editor-frame';
    document.querySelector('main').append(frame);
    const second = window.editorTest.module.createEditor(frame, { doc: 'racelab 1\n', ariaLabel: 'second' });
    const styled = () => [...document.querySelectorAll('.racelab-editor')]
      .map((h) => getComputedStyle(h.shadowRoot.querySelector('.cm-gutters')).display);
    const both = styled();
    window.editorTest.editor.destroy();
    const one = styled();
    const text = second.getText();
    second.destroy();
    return { both, one, text };
  });
  assert.deepEqual(state.both, ['flex', 'flex']);
  assert.deepEqual(state.one, ['flex']);
  assert.equal(state.text, 'racelab 1\n');
});

test('the page CSP is in force: an inline <style> is refused and reported', async () => {
  // The control for the test above and for every "refuses nothing" check in this file.
  const session = await openPage(browser);
  const { page, context, problems } = session;
  await page.goto(server.url);
  await page.waitForSelector('html[data-ready]', { state: 'attached' });
  const refused = await page.evaluate(async () => {
    const s = document.createElement('style');
    s.textContent = 'body { color: rgb(1, 2, 3) }';
    document.head.append(s);
    while (window.editorTest.violations.length === 0) await new Promise((r) => setTimeout(r, 20));
    return { violations: window.editorTest.violations, color: getComputedStyle(document.body).color };
  });
  await context.close();
  assert.match(refused.violations[0], /^style-src-elem refused inline/);
  assert.notEqual(refused.color, 'rgb(1, 2, 3)');
  assert.ok(problems.some((p) => /Content Security Policy/.test(p)), 'Chromium logs the refusal');
});

test('typing updates getText, and onChange fires once, after the debounce', async () => {
  const { page, content } = await openEditor({ debounceMs: 300 }, { clock: true });
  await cursorTo(page, 6, 3);
  await page.keyboard.press('End');
  await page.keyboard.type(' extra');
  assert.match(await text(page), /title "one lost write" extra\n/);
  assert.deepEqual(await changes(page), [], 'nothing before the debounce');
  await page.clock.runFor(299);
  assert.deepEqual(await changes(page), [], 'nothing before the debounce has run out');
  await page.clock.runFor(1);
  const after = await changes(page);
  assert.equal(after.length, 1);
  assert.equal(after[0], await text(page), 'onChange gets the whole text');
  await page.clock.runFor(2000);
  assert.equal((await changes(page)).length, 1, 'once');
});

test('undo and redo restore the text', async () => {
  const { page, content } = await openEditor();
  await cursorTo(page, 10, 1);
  await page.keyboard.insertText('  sleep\n');
  const edited = await text(page);
  assert.notEqual(edited, SCENARIO);
  await page.keyboard.press('Control+z');
  assert.equal(await text(page), SCENARIO);
  await page.keyboard.press('Control+Shift+KeyZ');
  assert.equal(await text(page), edited);
});

test('setText is one undoable step of its own and fires no onChange', async () => {
  const { page } = await openEditor({ debounceMs: 0 });
  await cursorTo(page, 2, 1);
  await page.keyboard.insertText('#');
  await page.waitForFunction(() => window.editorTest.events.changes.length === 1);
  const typed = await text(page);
  const replaced = typed.replace('one lost write', 'two lost writes');
  await page.evaluate((t) => window.editorTest.editor.setText(t), replaced);
  assert.equal(await text(page), replaced);
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  assert.equal((await changes(page)).length, 1, 'setText fired no onChange');
  // One undo takes back setText, and not the typing before it; undoing is the user's change.
  // Each undo waits for its own onChange: two undos inside one debounce (a busy machine delays
  // even a 0 ms timer) would be one change, rightly, and the count would never reach 3.
  await page.keyboard.press('Control+z');
  assert.equal(await text(page), typed);
  await page.waitForFunction(() => window.editorTest.events.changes.length === 2);
  await page.keyboard.press('Control+z');
  assert.equal(await text(page), SCENARIO);
  await page.waitForFunction(() => window.editorTest.events.changes.length === 3);
  assert.equal((await changes(page)).at(-1), SCENARIO);
  // A new history, for another file: nothing to undo.
  await page.evaluate(() => window.editorTest.editor.setText('racelab 1\n', { resetHistory: true }));
  await page.evaluate(() => window.editorTest.editor.focus());
  await page.keyboard.press('Control+z');
  assert.equal(await text(page), 'racelab 1\n');
});

test('setText while a change is pending cancels its onChange', async () => {
  const { page } = await openEditor({ debounceMs: 300 }, { clock: true });
  await cursorTo(page, 2, 1);
  await page.keyboard.insertText('#');
  await page.evaluate(() => window.editorTest.editor.setText('racelab 1\n'));
  await page.clock.runFor(1000);
  assert.deepEqual(await changes(page), [], 'the caller knows the text it set');
});

test('setDiagnostics marks the right line in the gutter and the message is reachable', async () => {
  const { page, content } = await openEditor();
  const message = 'unknown primitive `ptl_lok`: did you mean `ptl_lock`?';
  await page.evaluate((m) => window.editorTest.editor.setDiagnostics([
    { line: 11, col: 3, severity: 'error', message: m },
    { line: 13, col: 9, endLine: 13, endCol: 15, severity: 'warning', message: 'a warning' },
  ]), message);

  const marker = page.locator('#editor .cm-gutter-lint .cm-lint-marker-error');
  await marker.waitFor();
  assert.equal(await page.locator('#editor .cm-gutter-lint .cm-lint-marker').count(), 2);
  // The marker sits on line 11: the same height as the line number 11.
  const markerBox = await marker.boundingBox();
  const numberBox = await lineNumber(page, 11).boundingBox();
  assert.ok(Math.abs(markerBox.y + markerBox.height / 2 - (numberBox.y + numberBox.height / 2)) < 3,
    `marker at y=${markerBox.y}, line 11 at y=${numberBox.y}`);
  // Without an end, the word at the position is marked; with one, the range.
  assert.equal(await content.locator('.cm-lintRange-error').textContent(), 'ptl_lock');
  // With an end, the range up to endCol (exclusive): `    ptl_unlock(V)` columns 9 to 14.
  assert.equal(await content.locator('.cm-lintRange-warning').textContent(), 'unlock');

  // Hovering the marker shows the message, in the core's words.
  await marker.hover();
  const tooltip = page.locator('#editor .cm-tooltip-lint');
  await tooltip.waitFor();
  assert.equal(await tooltip.locator('.cm-diagnosticText').first().textContent(), message);

  // And the lint panel (Ctrl-Shift-M; a real keyboard sends the key "M") lists both.
  await content.click();
  await page.keyboard.press('Control+Shift+KeyM');
  const panel = page.locator('#editor .cm-panel-lint li');
  await panel.first().waitFor();
  assert.deepEqual(await panel.locator('.cm-diagnosticText').allTextContents(), [message, 'a warning']);

  // Clearing them takes the markers away.
  await page.evaluate(() => window.editorTest.editor.setDiagnostics([]));
  await page.waitForFunction(() =>
    !document.querySelector('#editor .racelab-editor').shadowRoot.querySelector('.cm-lint-marker'));
});

test('a column after a non-BMP character lands on the right character', async () => {
  // The core counts 🐧 as one column; CodeMirror as two UTF-16 units.
  const doc = 'racelab 1\nscenario x {\n  title "🐧 tux" oops\n}\n';
  const { page, content } = await openEditor({ doc });
  const col = [...'  title "🐧 tux" '].length + 1;
  await page.evaluate((c) => window.editorTest.editor.setDiagnostics([
    { line: 3, col: c, severity: 'error', message: 'expected end of line, found `oops`' },
    { line: 3, col: 10, endCol: 11, severity: 'info', message: 'the penguin' },
  ]), col);
  assert.equal(await content.locator('.cm-lintRange-error').textContent(), 'oops');
  assert.equal(await content.locator('.cm-lintRange-info').textContent(), '🐧');

  // onCursor reports columns the same way: after the penguin is column 11.
  await cursorTo(page, 3, 11);
  const last = await page.evaluate(() => window.editorTest.events.cursors.at(-1));
  assert.deepEqual(last, [3, 11]);
  assert.equal((await page.locator('#status').textContent()).trim(), 'cursor 3:11');
});

test('highlighting gives each kind of word its token class', async () => {
  const { content } = await openEditor();
  const classOf = async (word) => {
    const token = content.locator('span', { hasText: new RegExp(`^${word}$`) }).first();
    return token.getAttribute('class');
  };
  for (const word of ['racelab', 'use', 'scenario', 'thread']) {
    assert.match(await classOf(word), /\brl-keyword\b/, word);
  }
  assert.match(await classOf('title'), /\brl-keyword\b/, 'options.language.keywords');
  assert.match(await classOf('store'), /\brl-statement\b/);
  assert.match(await classOf('if'), /\brl-statement\b/);
  assert.match(await classOf('ptl_lock'), /\brl-primitive\b/);
  assert.match(await classOf('W'), /\brl-bit\b/);
  assert.match(await classOf('0x2'), /\brl-number\b/);
  assert.match(await classOf('"one lost write"'), /\brl-string\b/);
  assert.match(await classOf('# A small scenario.'), /\brl-comment\b/);
  // A plain name is not coloured.
  assert.equal(await content.locator('span', { hasText: /^demo$/ }).count(), 0);
});

test('a string with an escaped quote is one token, and # inside it is no comment', async () => {
  const doc = 'racelab 1\nnote "say \\"hi\\" # not a comment" # a comment\n';
  const { content } = await openEditor({ doc });
  const line = content.locator('.cm-line').nth(1);
  assert.equal(await line.locator('.rl-string').textContent(), '"say \\"hi\\" # not a comment"');
  assert.equal(await line.locator('.rl-comment').textContent(), '# a comment');
});

test('readOnly refuses input', async () => {
  const { page, content } = await openEditor({ readOnly: true, debounceMs: 0 });
  assert.equal(await content.getAttribute('aria-readonly'), 'true');
  assert.equal(await content.getAttribute('aria-label'), 'Scenario source');
  await cursorTo(page, 2, 1);
  await page.keyboard.type('xyz');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Backspace');
  assert.equal(await text(page), SCENARIO);
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  assert.deepEqual(await changes(page), []);
});

test('brackets match, and braces indent and dedent', async () => {
  const { page, content } = await openEditor({ doc: 'racelab 1\n' });
  await cursorTo(page, 2, 1);
  await page.keyboard.type('thread t on CPU0 {');
  await page.keyboard.press('Enter');
  await page.keyboard.type('if orig.W {');
  await page.keyboard.press('Enter');
  await page.keyboard.type('flush_tlb_page(V)');
  await page.keyboard.press('Enter');
  await page.keyboard.type('}');
  await page.keyboard.press('Enter');
  await page.keyboard.type('}');
  assert.equal(await text(page),
    'racelab 1\nthread t on CPU0 {\n  if orig.W {\n    flush_tlb_page(V)\n  }\n}');
  // The cursor is after the last `}`: it and the thread's `{` are highlighted as a pair.
  const matching = content.locator('.cm-matchingBracket');
  await matching.first().waitFor();
  assert.deepEqual(await matching.allTextContents(), ['{', '}']);
  assert.equal(await content.locator('.cm-nonmatchingBracket').count(), 0);
});

test('completion proposes the core\'s words, Tab accepts, Enter stays a new line', async () => {
  const { page, content } = await openEditor({ doc: 'racelab 1\n' });
  await cursorTo(page, 2, 1);
  await page.keyboard.type('ptl_l');
  const popup = page.locator('#editor .cm-tooltip-autocomplete');
  await popup.waitFor();
  const labels = await popup.locator('.cm-completionLabel').allTextContents();
  assert.equal(labels[0], 'ptl_lock', `proposals: ${labels}`);
  assert.ok(labels.every((l) => l.startsWith('ptl_')), `proposals: ${labels}`);
  assert.equal(await popup.locator('.cm-completionDetail').first().textContent(), 'primitive');
  // CodeMirror ignores keys that accept a completion for its interactionDelay (75 ms) after the
  // list opens, so a quick Tab is not taken as a choice: a person's Tab comes later than that.
  await page.waitForTimeout(150);
  await page.keyboard.press('Tab');
  assert.equal(await text(page), 'racelab 1\nptl_lock');
  // A whole word and Enter: a new line, even with a proposal open.
  await page.keyboard.press('Enter');
  await page.keyboard.type('ptl_unlock');
  await page.keyboard.press('Enter');
  assert.equal(await text(page), 'racelab 1\nptl_lock\nptl_unlock\n');
  assert.equal(await content.locator('.rl-primitive').count(), 2);
});

test('Ctrl-F opens the search panel and finds a word', async () => {
  const { page, content } = await openEditor();
  await content.click();
  await page.keyboard.press('Control+f');
  const field = page.locator('#editor .cm-search input[name=search]');
  await field.waitFor();
  assert.equal(await field.evaluate((el) => el === el.getRootNode().activeElement), true);
  await page.keyboard.type('ptl_');
  await page.keyboard.press('Enter');
  assert.equal(await content.locator('.cm-searchMatch').count(), 2);
});

test('revealLine scrolls a far line into view and puts the cursor on it', async () => {
  const doc = `racelab 1\n${Array.from({ length: 300 }, (_, i) => `# line ${i + 2}`).join('\n')}\n`;
  const { page } = await openEditor({ doc });
  assert.equal(await lineNumber(page, 250).count(), 0, 'line 250 starts out of view');
  await page.evaluate(() => window.editorTest.editor.revealLine(250));
  await lineNumber(page, 250).waitFor();
  assert.ok(await lineNumber(page, 250).isVisible());
  const last = await page.evaluate(() => window.editorTest.events.cursors.at(-1));
  assert.deepEqual(last, [250, 1]);
});

test('the editor scales with its container font-size; screenshots at 1280x720', async () => {
  const { page, content } = await openEditor({}, { viewport: { width: 1280, height: 720 } });
  await page.evaluate(() => window.editorTest.editor.setDiagnostics([
    { line: 11, col: 3, severity: 'error', message: 'unknown primitive `ptl_lok`' },
  ]));
  await cursorTo(page, 13, 12);
  const normal = await content.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  const normalLine = (await content.locator('.cm-line').first().boundingBox()).height;
  console.log(`# screenshot: ${await screenshot(page, 'editor-1280x720')}`);

  await page.evaluate(() => document.querySelector('main').classList.add('presentation'));
  const large = await content.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  const gutter = await page.locator('#editor .cm-lineNumbers .cm-gutterElement').nth(1)
    .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.equal(normal, 17, 'the page font-size');
  assert.equal(large, 30, 'the presentation font-size');
  assert.equal(gutter, 30, 'the line numbers scale too');
  await page.waitForFunction((h) => {
    const root = document.querySelector('#editor .racelab-editor').shadowRoot;
    return root.querySelector('.cm-line').getBoundingClientRect().height > h * 1.5;
  }, normalLine);
  await page.locator('#editor .cm-gutter-lint .cm-lint-marker-error').hover();
  await page.locator('#editor .cm-tooltip-lint').waitFor();
  console.log(`# screenshot: ${await screenshot(page, 'editor-presentation')}`);
});
