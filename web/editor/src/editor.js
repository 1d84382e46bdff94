// racelab's scenario editor: CodeMirror 6 behind a narrow API, for the Leptos app to drive.
//
//   const editor = createEditor(parent, { doc, onChange, language, ariaLabel, … });
//   editor.setDiagnostics([{ line, col, severity, message }]);
//
// It sets nothing global. The editor lives in a shadow root under a `div.racelab-editor` that it
// appends to `parent`: there CodeMirror's styles go into a constructed stylesheet
// (`adoptedStyleSheets`), which a Content-Security-Policy of `style-src 'self'` allows, where
// the `<style>` element CodeMirror puts in a document's head is refused. Text size, fonts and
// colours are inherited from `parent` (and the page's `--mono`, `--accent`, … properties).

import { EditorState, Annotation, Transaction } from '@codemirror/state';
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
} from '@codemirror/view';
import {
  history, defaultKeymap, historyKeymap, indentWithTab, isolateHistory,
} from '@codemirror/commands';
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { search, searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { racelabLanguage, racelabHighlighter, wordKinds } from './language.js';
import { racelabCompletion } from './complete.js';
import { offsetOf, positionOf, tokenEnd } from './positions.js';
import { racelabTheme, HOST_CSS } from './theme.js';

const SEVERITIES = new Set(['error', 'warning', 'info']);

// Marks the transactions of setText, which are not the user's edits: they fire no onChange.
const external = Annotation.define();

/**
 * @typedef {object} EditorOptions
 * @property {string} [doc]  the initial text
 * @property {(text: string) => void} [onChange]  called with the whole text once the user has
 *   stopped typing for `debounceMs`; not called for `setText`
 * @property {number} [debounceMs]  default 300
 * @property {(line: number, col: number) => void} [onCursor]  the cursor's position, 1-based, the
 *   column in characters as the core counts them; called when it moves
 * @property {{ keywords?: string[], primitives?: string[], values?: string[] }} [language]
 *   the words to highlight besides the grammar's own
 * @property {boolean} [readOnly]
 * @property {string} ariaLabel  the accessible name of the text area
 */

/**
 * Creates an editor at the end of `parent`.
 * @param {Element} parent
 * @param {EditorOptions} options
 */
export function createEditor(parent, options = {}) {
  if (!parent || typeof parent.appendChild !== 'function') {
    throw new TypeError('createEditor: parent must be a DOM element');
  }
  const doc = options.doc == null ? '' : String(options.doc);
  const debounceMs = Number.isFinite(options.debounceMs) && options.debounceMs >= 0
    ? options.debounceMs : 300;
  const onChange = typeof options.onChange === 'function' ? options.onChange : null;
  const onCursor = typeof options.onCursor === 'function' ? options.onCursor : null;
  const readOnly = Boolean(options.readOnly);
  const ariaLabel = options.ariaLabel == null ? 'Scenario source' : String(options.ariaLabel);

  let timer = null;
  let lastCursor = null;
  let destroyed = false;

  const flush = () => {
    timer = null;
    if (!destroyed && onChange) onChange(view.state.doc.toString());
  };

  const listener = EditorView.updateListener.of((update) => {
    if (update.docChanged && onChange &&
        update.transactions.some((tr) => tr.docChanged && !tr.annotation(external))) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, debounceMs);
    }
    if (onCursor && (update.selectionSet || update.docChanged)) {
      const { line, col } = positionOf(update.state.doc, update.state.selection.main.head);
      if (!lastCursor || lastCursor.line !== line || lastCursor.col !== col) {
        lastCursor = { line, col };
        onCursor(line, col);
      }
    }
  });

  const kinds = wordKinds(options.language ?? {});
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    lintGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentUnit.of('  '),
    EditorState.tabSize.of(8),
    indentOnInput(),
    racelabLanguage(kinds),
    syntaxHighlighting(racelabHighlighter),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    racelabCompletion(kinds),
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap, indentWithTab]),
    EditorState.readOnly.of(readOnly),
    EditorView.contentAttributes.of({
      'aria-label': ariaLabel,
      ...(readOnly ? { 'aria-readonly': 'true' } : {}),
    }),
    racelabTheme,
    listener,
  ];
  const makeState = (text) => EditorState.create({ doc: text, extensions });

  const host = parent.ownerDocument.createElement('div');
  host.className = 'racelab-editor';
  const root = host.attachShadow({ mode: 'open' });
  const win = parent.ownerDocument.defaultView;
  const hostSheet = new win.CSSStyleSheet();
  hostSheet.replaceSync(HOST_CSS);
  root.adoptedStyleSheets = [hostSheet];
  parent.appendChild(host);

  const view = new EditorView({ state: makeState(doc), parent: root, root });

  return {
    /** The whole text. */
    getText() {
      return view.state.doc.toString();
    },

    /**
     * Replaces the text. As one undoable step, apart from the user's typing, and only the part
     * that differs, so the cursor and scroll position survive a small change. Fires no onChange
     * (and cancels one that was pending). `{ resetHistory: true }` starts a new undo history, for
     * a different file.
     */
    setText(text, { resetHistory = false } = {}) {
      if (destroyed) return;
      const next = text == null ? '' : String(text);
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      if (resetHistory) {
        view.setState(makeState(next));
        lastCursor = null;
        return;
      }
      const current = view.state.doc.toString();
      if (next === current) return;
      let start = 0;
      const max = Math.min(current.length, next.length);
      while (start < max && current.charCodeAt(start) === next.charCodeAt(start)) start += 1;
      let end = 0;
      while (end < max - start &&
          current.charCodeAt(current.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) {
        end += 1;
      }
      // Never split a surrogate pair.
      if (start > 0 && isHighSurrogate(current.charCodeAt(start - 1))) start -= 1;
      if (end > 0 && isLowSurrogate(current.charCodeAt(current.length - end))) end -= 1;
      view.dispatch({
        changes: { from: start, to: current.length - end, insert: next.slice(start, next.length - end) },
        annotations: [external.of(true), isolateHistory.of('full'), Transaction.userEvent.of('set')],
      });
    },

    /**
     * Shows the core's diagnostics, replacing the previous ones: each
     * `{ line, col, endLine?, endCol?, severity: "error"|"warning"|"info", message }`, 1-based,
     * columns in characters. Without an end, it marks the word at (line, col), or one character.
     */
    setDiagnostics(diagnostics) {
      if (destroyed) return;
      const list = Array.isArray(diagnostics) ? diagnostics : [];
      const d = view.state.doc;
      const converted = list.filter((x) => x && typeof x === 'object').map((x) => {
        const from = offsetOf(d, x.line, x.col);
        let to = x.endLine != null || x.endCol != null
          ? offsetOf(d, x.endLine ?? x.line, x.endCol ?? x.col)
          : tokenEnd(d, from);
        if (to < from) to = from;
        return {
          from,
          to,
          severity: SEVERITIES.has(x.severity) ? x.severity : 'error',
          message: x.message == null ? '' : String(x.message),
        };
      }).sort((a, b) => a.from - b.from || a.to - b.to);
      view.dispatch(setDiagnostics(view.state, converted));
    },

    /** Scrolls `line` (1-based) into the middle of the view and puts the cursor at its start. */
    revealLine(line) {
      if (destroyed) return;
      const pos = offsetOf(view.state.doc, line, 1);
      view.dispatch({
        selection: { anchor: pos },
        effects: EditorView.scrollIntoView(pos, { y: 'center' }),
      });
    },

    focus() {
      if (!destroyed) view.focus();
    },

    /** Removes the editor from the page; the handle does nothing afterwards. */
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      view.destroy();
      host.remove();
    },
  };
}

function isHighSurrogate(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}
