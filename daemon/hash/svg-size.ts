/**
 * An SVG's own size read from its root element's `width` and `height`, when they say it plainly: asking
 * librsvg (sharp's `metadata()`) parses the whole document, a third of the cost of rendering a small icon.
 * Only whole pixel numbers are taken ("48", "48px"); units, percentages, a missing attribute (librsvg then
 * uses the viewBox), entities or anything unusual before the root element give undefined, and the caller
 * asks librsvg.
 */

/** Declared sizes above this are left to librsvg (and to the bomb check that follows its answer). */
const MAX_DECLARED_SIDE = 100_000;
/** The root element is looked for in the first bytes only: a prolog longer than this is unusual. */
const PROLOG_LIMIT = 4096;

/** The prolog before the root element: an XML declaration, comments, a DOCTYPE without an internal subset, spaces. */
const PROLOG = /^(?:\uFEFF)?(?:\s+|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*>)*/;
const ROOT_TAG = /^<svg(\s[^<>]*)?\/?>/;
const ATTRIBUTE = /\s([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const WHOLE_PIXELS = /^\s*(\d{1,6})(?:px)?\s*$/;

export interface SvgSize {
  width: number;
  height: number;
}

export function declaredSvgSize(bytes: Uint8Array): SvgSize | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PROLOG_LIMIT)).toString('utf8');
  const prolog = PROLOG.exec(head);
  const tag = ROOT_TAG.exec(head.slice(prolog ? prolog[0].length : 0));
  if (!tag) return undefined;
  const attributes = new Map<string, string>();
  for (const [, name, double, single] of (tag[1] ?? '').matchAll(ATTRIBUTE)) {
    if (attributes.has(name)) return undefined; // not well-formed: librsvg decides
    attributes.set(name, double ?? single);
  }
  const width = wholePixels(attributes.get('width'));
  const height = wholePixels(attributes.get('height'));
  return width && height ? { width, height } : undefined;
}

function wholePixels(value: string | undefined): number | undefined {
  const match = value === undefined ? null : WHOLE_PIXELS.exec(value);
  const n = match ? Number(match[1]) : 0;
  return n > 0 && n <= MAX_DECLARED_SIDE ? n : undefined;
}
