// The test page's script. It loads the bundle the way the app will, with a dynamic import(), and
// keeps what the tests look at in `window.editorTest` (a global of this page, not of the bundle).
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  violations.push(`${e.violatedDirective} refused ${e.blockedURI || '(inline)'} at ` +
    `${e.sourceFile}:${e.lineNumber}: ${e.sample}`);
});

const globalsBefore = new Set(Object.getOwnPropertyNames(window));
const newGlobals = () => Object.getOwnPropertyNames(window)
  .filter((name) => !globalsBefore.has(name) && name !== 'editorTest');

const module = await import('./editor.js');
const globalsAfterImport = newGlobals();

const status = document.getElementById('status');
const events = { changes: [], cursors: [] };
let editor = null;

window.editorTest = {
  module,
  violations,
  events,
  exports: Object.keys(module),
  globalsAfterImport,
  newGlobals,
  /** Creates the editor in #editor; the callbacks record into `events`. */
  create(options = {}) {
    editor?.destroy();
    events.changes.length = 0;
    events.cursors.length = 0;
    editor = module.createEditor(document.getElementById('editor'), {
      ariaLabel: 'Scenario source',
      ...options,
      onChange: (text) => events.changes.push(text),
      onCursor: (line, col) => {
        events.cursors.push([line, col]);
        status.textContent = `cursor ${line}:${col}`;
      },
    });
    return true;
  },
  get editor() {
    return editor;
  },
};
document.documentElement.dataset.ready = 'true';
