// The editor's look. Every size is in `em`, so the editor scales with the font-size of the
// element it is in (the app's presentation mode makes text large). Colours come from the page's
// custom properties (`--text`, `--accent`, `--mono`, … in public/style.css), which inherit into
// the shadow root, with the same values as fallbacks.

import { EditorView } from '@codemirror/view';

/** The shadow host's own rules (a constructed stylesheet, like CodeMirror's). */
export const HOST_CSS = `
:host { display: block; height: 100%; min-height: 0; }
`;

const v = (name, fallback) => `var(--${name}, ${fallback})`;

export const racelabTheme = EditorView.theme({
  '&': {
    height: '100%',
    color: v('text', '#14161a'),
    backgroundColor: v('surface', '#ffffff'),
    border: `1px solid ${v('border', '#d3d7dc')}`,
    borderRadius: v('radius', '7px'),
  },
  // A focus ring as visible as the page's own (3px, its accent colour), not CodeMirror's dotted
  // 1px line.
  '&.cm-focused': {
    outline: `3px solid ${v('accent', '#1f4fbf')}`,
    outlineOffset: '2px',
  },
  '.cm-scroller': {
    fontFamily: v('mono', 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace'),
    lineHeight: '1.5',
    overflow: 'auto',
  },
  '.cm-content': {
    padding: '0.25em 0',
    caretColor: v('text', '#14161a'),
  },
  '.cm-line': { padding: '0 0.5em 0 0.4em' },
  '.cm-cursor, .cm-dropCursor': {
    borderLeft: `0.13em solid ${v('text', '#14161a')}`,
  },
  '.cm-gutters': {
    backgroundColor: v('bg', '#f6f6f3'),
    color: v('muted', '#4f5661'),
    borderRight: `1px solid ${v('border', '#d3d7dc')}`,
    borderTopLeftRadius: v('radius', '7px'),
    borderBottomLeftRadius: v('radius', '7px'),
  },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 0.4em 0 0.6em', minWidth: '2.5em' },
  '.cm-activeLine': { backgroundColor: 'rgba(31, 79, 191, 0.06)' },
  '.cm-activeLineGutter': {
    backgroundColor: v('accent-soft', '#e6edfb'),
    color: v('text', '#14161a'),
  },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: '#c9d8f8',
  },
  '.cm-selectionMatch': { backgroundColor: v('current', '#fff1bf') },
  '&.cm-focused .cm-matchingBracket': {
    backgroundColor: v('accent-soft', '#e6edfb'),
    outline: `1px solid ${v('accent', '#1f4fbf')}`,
  },
  '&.cm-focused .cm-nonmatchingBracket': {
    backgroundColor: v('bad-soft', '#fdecea'),
    outline: `1px solid ${v('bad', '#b42318')}`,
  },
  '.cm-tooltip': {
    fontFamily: v('sans', 'system-ui, sans-serif'),
    fontSize: '0.9em',
    border: `1px solid ${v('border', '#d3d7dc')}`,
    backgroundColor: v('surface', '#ffffff'),
    color: v('text', '#14161a'),
  },
  // The wavy underline is a 6×3 px image: size it in em, so it grows with the text.
  '.cm-lintRange': { backgroundSize: '0.36em 0.18em', paddingBottom: '0.08em' },
  '.cm-diagnostic': { padding: '0.3em 0.6em', whiteSpace: 'pre-wrap' },
  '.cm-diagnostic-error': { borderLeft: `0.3em solid ${v('bad', '#b42318')}` },
  '.cm-diagnostic-warning': { borderLeft: `0.3em solid ${v('stale', '#8a4b00')}` },
  '.cm-diagnostic-info': { borderLeft: `0.3em solid ${v('accent', '#1f4fbf')}` },
  '.cm-panels': {
    fontFamily: v('sans', 'system-ui, sans-serif'),
    backgroundColor: v('bg', '#f6f6f3'),
    color: v('text', '#14161a'),
  },
  '.cm-panels.cm-panels-top': { borderBottom: `1px solid ${v('border', '#d3d7dc')}` },
  '.cm-panels.cm-panels-bottom': { borderTop: `1px solid ${v('border', '#d3d7dc')}` },
  '.cm-textfield, .cm-button': { fontSize: '0.85em' },
  '.cm-panel button:focus-visible, .cm-panel input:focus-visible, .cm-panel .cm-button:focus-visible': {
    outline: `3px solid ${v('accent', '#1f4fbf')}`,
    outlineOffset: '1px',
  },

  // The tokens (classes from language.js).
  '.rl-keyword': { color: v('accent', '#1f4fbf'), fontWeight: '600' },
  '.rl-statement': { color: v('wait', '#5b3fb3'), fontWeight: '600' },
  '.rl-primitive': { color: '#0b5f66' },
  '.rl-value': { color: '#0b5f66', fontStyle: 'italic' },
  '.rl-bit': { color: v('stale', '#8a4b00'), fontWeight: '600' },
  '.rl-string': { color: v('good', '#17663f') },
  '.rl-number': { color: v('bad', '#b42318') },
  '.rl-comment': { color: v('muted', '#4f5661'), fontStyle: 'italic' },
  '.rl-invalid': { textDecoration: `underline wavy ${v('bad', '#b42318')}` },
});
