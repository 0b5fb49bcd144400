/**
 * Pieces of HTML attribute text that several reference readers share (HTML, JS/JSX, Markdown): character
 * references and srcset candidates. In their own file so that html.ts and js.ts (which call each other's
 * extractors for inline scripts and JSX markup) do not import each other.
 */
const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };
/** Minimal character-reference decoding for pieces of an attribute (srcset candidates). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/g, (m, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

/** srcset candidates as local [start, end) ranges of their URLs (HTML "parse a srcset attribute"). */
export function srcsetUrls(raw: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const n = raw.length;
  let i = 0;
  const ws = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  while (i < n) {
    while (i < n && (ws(raw[i]) || raw[i] === ',')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !ws(raw[i])) i++;
    let end = i;
    let hadComma = false;
    while (end > start && raw[end - 1] === ',') {
      end--;
      hadComma = true;
    }
    if (end > start) out.push({ start, end });
    if (hadComma) continue;
    // descriptors: up to the next comma outside parentheses
    let depth = 0;
    while (i < n) {
      const c = raw[i];
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      else if (c === ',' && depth === 0) {
        i++;
        break;
      }
      i++;
    }
  }
  return out;
}

/** What /\s/ matches, for one character code (a regular expression per character showed in profiles). */
export function isJsSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
