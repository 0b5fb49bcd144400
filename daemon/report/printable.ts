/**
 * File names are untrusted text: a name may hold a newline followed by `::error file=…::` (a GitHub Actions
 * command once printed in a CI log), terminal escape sequences, or bidirectional overrides that reorder what a
 * reviewer reads. Every human-readable output shows names through `quotePath`, which follows git's
 * `core.quotePath` convention: a name that needs no escaping is shown as it is; any other is put in double
 * quotes with C-style escapes, so the shown text is unambiguous and holds no control character.
 */

// Matching control characters is the point here.
/* eslint-disable no-control-regex */
/** C0 and C1 controls, DEL, line/paragraph separators, and the bidirectional embedding/override/isolate marks. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NEEDS_QUOTES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/;
/* eslint-enable no-control-regex */

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\u0007': '\\a' };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** Free text (an error message): control characters escaped, nothing else changed. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** A path as people should see it: unchanged when safe, else quoted with escapes (`"a\nb.png"`). */
export function quotePath(p: string): string {
  if (!NEEDS_QUOTES.test(p)) return p;
  return `"${p.replace(/["\\]/g, (c) => `\\${c}`).replace(UNSAFE, escapeChar)}"`;
}
