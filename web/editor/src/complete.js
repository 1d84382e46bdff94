// Completion of the words the editor knows: the grammar's keywords and the core's primitives and
// value functions (options.language). Tab accepts a proposal; Enter always starts a new line, so
// typing a whole word and pressing Enter never picks a longer one by surprise.

import { Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { syntaxTree } from '@codemirror/language';
import {
  autocompletion,
  acceptCompletion,
  closeCompletion,
  moveCompletionSelection,
  startCompletion,
} from '@codemirror/autocomplete';

const KINDS = {
  declaration: { type: 'keyword', detail: 'declaration' },
  statement: { type: 'keyword', detail: 'statement' },
  keyword: { type: 'keyword', detail: 'keyword' },
  primitive: { type: 'function', detail: 'primitive' },
  value: { type: 'function', detail: 'value' },
};

/** Completion of the words in `kinds` (a Map from word to kind, from language.js). */
export function racelabCompletion(kinds) {
  const options = [...kinds]
    .filter(([, kind]) => kind in KINDS)
    .map(([label, kind]) => ({ label, ...KINDS[kind] }))
    .sort((a, b) => a.label.localeCompare(b.label));

  const source = (context) => {
    const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    // Not inside a comment or a string (the stream parser names its tokens by their style).
    const token = syntaxTree(context.state).resolveInner(context.pos, -1);
    if (/comment|string/i.test(token.type.name)) return null;
    return { from: word.from, options, validFor: /^[A-Za-z0-9_]*$/ };
  };

  return [
    autocompletion({ override: [source], defaultKeymap: false, icons: false }),
    Prec.highest(keymap.of([
      { key: 'Ctrl-Space', run: startCompletion },
      { key: 'Escape', run: closeCompletion },
      { key: 'ArrowDown', run: moveCompletionSelection(true) },
      { key: 'ArrowUp', run: moveCompletionSelection(false) },
      { key: 'PageDown', run: moveCompletionSelection(true, 'page') },
      { key: 'PageUp', run: moveCompletionSelection(false, 'page') },
      { key: 'Tab', run: acceptCompletion },
    ])),
  ];
}
