// Between the core's positions and CodeMirror's.
//
// The core prints `file:line:col` with both 1-based, and counts a column in Unicode scalar values
// (Rust `char`s): a tab, an `é` and a `🐧` are one column each. CodeMirror's offsets count UTF-16
// code units, where the penguin takes two. Every conversion goes through these functions.

function clampInt(value, min, max) {
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) return min;
  return Math.min(Math.max(n, min), max);
}

/**
 * The document offset of the core's (line, col). A line past the end is the last line; a column
 * past the end of its line is the end of that line (where "found end of line" points).
 */
export function offsetOf(doc, line, col) {
  const l = doc.line(clampInt(line, 1, doc.lines));
  let want = clampInt(col, 1, Number.MAX_SAFE_INTEGER) - 1;
  let units = 0;
  for (const ch of l.text) {
    if (want === 0) break;
    units += ch.length;
    want -= 1;
  }
  return l.from + units;
}

/** The core's { line, col } of a document offset. */
export function positionOf(doc, offset) {
  const l = doc.lineAt(offset);
  // Iterating a string goes by code points: one step per column.
  let col = 1;
  for (const _ of l.text.slice(0, offset - l.from)) col += 1;
  return { line: l.number, col };
}

const WORD = /[A-Za-z0-9_]/;

/**
 * The end of the token that starts at `from`, for a diagnostic that gives no end: the rest of
 * the word, or else one character (a whole surrogate pair), or nothing at the end of a line.
 */
export function tokenEnd(doc, from) {
  const l = doc.lineAt(from);
  const rest = l.text.slice(from - l.from);
  if (rest === '') return from;
  let end = 0;
  while (end < rest.length && WORD.test(rest[end])) end += 1;
  if (end > 0) return from + end;
  return from + String.fromCodePoint(rest.codePointAt(0)).length;
}
