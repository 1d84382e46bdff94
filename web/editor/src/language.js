// Highlighting and indentation of racelab's scenario language (the `.race` files).
//
// A stream tokenizer is enough: the language is line-oriented, with `#` comments, strings with
// `\"` escapes, numbers (`12`, `1_000`, `0x1f`) and brace blocks. It only colours and indents;
// whether a word means anything is decided by the core, whose diagnostics the editor shows.

import { StreamLanguage } from '@codemirror/language';
import { Tag, tags, tagHighlighter } from '@lezer/highlight';

// The words of the grammar itself (core/src/syntax.rs): the declarations that open a file's
// top-level blocks, and the statements inside proc and thread bodies.
export const DECLARATION_KEYWORDS = [
  'racelab', 'use', 'feature', 'policy', 'proc', 'scenario', 'state', 'thread', 'trace',
];
export const STATEMENT_KEYWORDS = [
  'if', 'else', 'goto', 'return', 'sleep', 'in', 'store', 'add', 'load',
];
// The PTE bits, as in `pte V -> P W D A`, `orig.W` and `ptep_modify_prot(va, +D)`.
export const PTE_BITS = ['W', 'D', 'A', 'SD', 'UW'];

// One tag per kind of word, each a child of the standard tag it resembles (or given with it:
// a modified tag such as `function(variableName)` cannot be a parent), so any highlighter that
// knows only the standard tags still colours them.
const own = {
  declaration: Tag.define(tags.definitionKeyword),
  statement: Tag.define(tags.controlKeyword),
  keyword: Tag.define(tags.keyword),
  primitive: Tag.define(),
  value: Tag.define(),
  bit: Tag.define(tags.atom),
};
const tokenTable = {
  ...own,
  primitive: [own.primitive, tags.function(tags.variableName)],
  value: [own.value, tags.standard(tags.variableName)],
};

/**
 * Stable class names for the tokens (`rl-keyword`, `rl-primitive`, …), which the theme colours
 * and tests and the page's CSS can rely on.
 */
export const racelabHighlighter = tagHighlighter([
  { tag: own.declaration, class: 'rl-keyword' },
  { tag: own.statement, class: 'rl-statement' },
  { tag: own.keyword, class: 'rl-keyword' },
  { tag: own.primitive, class: 'rl-primitive' },
  { tag: own.value, class: 'rl-value' },
  { tag: own.bit, class: 'rl-bit' },
  { tag: tags.lineComment, class: 'rl-comment' },
  { tag: tags.string, class: 'rl-string' },
  { tag: tags.number, class: 'rl-number' },
  { tag: tags.invalid, class: 'rl-invalid' },
  { tag: tags.brace, class: 'rl-brace' },
  { tag: [tags.paren, tags.squareBracket], class: 'rl-bracket' },
  { tag: tags.operator, class: 'rl-operator' },
]);

const OPERATORS = /^(->|==|!=|<=|>=|&&|\|\||\+=|-=|[=<>!+\-*&:.;,])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

function wordList(value, what) {
  if (value == null) return [];
  if (!Array.isArray(value)) {
    throw new TypeError(`createEditor: options.language.${what} must be an array of strings`);
  }
  return value.filter((w) => typeof w === 'string' && w !== '');
}

/**
 * What each known word is: the grammar's keywords and PTE bits, and the words the core passes,
 * `language.keywords` (more keywords, for example attribute words such as `expect`),
 * `language.primitives` (the built-in operations such as `ptl_lock`) and `language.values` (the
 * value functions such as `page_count`).
 */
export function wordKinds(language = {}) {
  const kinds = new Map();
  // Later entries win: a primitive the core lists is a primitive even if it looks like a bit.
  for (const w of PTE_BITS) kinds.set(w, 'bit');
  for (const w of wordList(language.values, 'values')) kinds.set(w, 'value');
  for (const w of wordList(language.primitives, 'primitives')) kinds.set(w, 'primitive');
  for (const w of wordList(language.keywords, 'keywords')) kinds.set(w, 'keyword');
  for (const w of STATEMENT_KEYWORDS) kinds.set(w, 'statement');
  for (const w of DECLARATION_KEYWORDS) kinds.set(w, 'declaration');
  return kinds;
}

/** The scenario language, highlighting the words of `kinds` (from `wordKinds`). */
export function racelabLanguage(kinds) {
  return StreamLanguage.define({
    name: 'racelab',
    startState: () => ({ depth: 0 }),
    copyState: (s) => ({ depth: s.depth }),
    token(stream, state) {
      if (stream.eatSpace()) return null;
      const ch = stream.peek();
      if (ch === '#') {
        stream.skipToEnd();
        return 'lineComment';
      }
      if (ch === '"') {
        stream.next();
        let escaped = false;
        while (!stream.eol()) {
          const c = stream.next();
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') return 'string';
        }
        return 'string invalid'; // unterminated: the core reports it
      }
      if (/[0-9]/.test(ch)) {
        // The core reads a digit and every letter, digit or `_` after it as one number.
        const text = stream.match(/^[0-9][A-Za-z0-9_]*/)[0];
        return /^(0x[0-9a-fA-F]+|[0-9][0-9_]*)$/.test(text) ? 'number' : 'invalid';
      }
      const word = stream.match(IDENT);
      if (word) return kinds.get(word[0]) ?? 'variableName';
      if (ch === '{' || ch === '}') {
        stream.next();
        state.depth = Math.max(0, state.depth + (ch === '{' ? 1 : -1));
        return 'brace';
      }
      if (ch === '(' || ch === ')') {
        stream.next();
        return 'paren';
      }
      if (ch === '[' || ch === ']') {
        stream.next();
        return 'squareBracket';
      }
      if (stream.match(OPERATORS)) return 'operator';
      stream.next();
      return 'invalid';
    },
    // Brace blocks indent by one unit; a line that starts with `}` closes one.
    indent(state, textAfter, cx) {
      const closing = /^\s*\}/.test(textAfter) ? 1 : 0;
      return Math.max(0, state.depth - closing) * cx.unit;
    },
    languageData: {
      commentTokens: { line: '#' },
      indentOnInput: /^\s*\}$/,
    },
    tokenTable,
  });
}
