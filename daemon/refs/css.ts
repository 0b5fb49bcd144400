import postcss, { type AnyNode, type AtRule, type Declaration, type Root, CssSyntaxError } from 'postcss';
import valueParser from 'postcss-value-parser';
import postcssScss from 'postcss-scss';
import postcssLess from 'postcss-less';
import safeParse from 'postcss-safe-parser';
import type { Candidate, ExtractContext } from './types';

export type CssLang = 'css' | 'scss' | 'less';

// Properties whose url() is an image whatever its extension; other url()s (fonts in @font-face,
// @import, behaviours) count only with an image extension or when isImage says so.
const IMAGE_PROPS = /^(-(webkit|moz|ms|o)-)?(background|border-image|list-style|mask|cursor|content|shape-outside|box-reflect)|^--/i;

/** CSS escapes (\26 , \") in a url or string. */
export function cssUnescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-9a-fA-F]{1,6})[ \t\n]?|\\([\s\S])/g, (_m, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff) || 0xfffd) : ch === '\n' ? '' : (ch ?? ''),
  );
}

function parseWith(lang: CssLang, text: string): Root {
  if (lang === 'scss') return postcssScss.parse(text);
  if (lang === 'less') return postcssLess.parse(text);
  return postcss.parse(text);
}

/** Finds url() and image-set() in a CSS value that starts at file offset `at`. */
function scanValue(ctx: ExtractContext, value: string, at: number, strength: Candidate['strength']): void {
  if (!/url\(|image-set\(/i.test(value)) return;
  const stringOrWord = (n: valueParser.Node): { start: number; end: number; raw: string } | undefined => {
    if (n.type === 'string') {
      const start = n.sourceIndex + 1;
      const end = (n as valueParser.StringNode & { unclosed?: boolean }).unclosed ? n.sourceEndIndex : n.sourceEndIndex - 1;
      return { start, end, raw: value.slice(start, end) };
    }
    if (n.type === 'word') return { start: n.sourceIndex, end: n.sourceEndIndex, raw: value.slice(n.sourceIndex, n.sourceEndIndex) };
    return undefined;
  };
  const urlTarget = (fn: valueParser.FunctionNode) => {
    const inner = fn.nodes.filter((c) => c.type !== 'space' && c.type !== 'comment');
    if (inner.length === 0) return undefined;
    if (inner.length === 1) return stringOrWord(inner[0]);
    // Unquoted url(a b) is invalid CSS; take the span as written.
    const start = inner[0].sourceIndex;
    const end = inner[inner.length - 1].sourceEndIndex;
    return { start, end, raw: value.slice(start, end) };
  };
  valueParser(value).walk((node) => {
    if (node.type !== 'function') return undefined;
    const name = node.value.toLowerCase();
    if (name === 'url') {
      const t = urlTarget(node);
      if (t) ctx.candidates.push({ start: at + t.start, end: at + t.end, value: cssUnescape(t.raw), kind: 'css-url', strength });
      return false;
    }
    if (name === 'image-set' || name === '-webkit-image-set') {
      const group = ctx.nextGroup();
      for (const c of node.nodes) {
        let t: { start: number; end: number; raw: string } | undefined;
        if (c.type === 'string') t = stringOrWord(c);
        else if (c.type === 'function' && c.value.toLowerCase() === 'url') t = urlTarget(c);
        if (t)
          ctx.candidates.push({
            start: at + t.start,
            end: at + t.end,
            value: cssUnescape(t.raw),
            kind: 'image-set',
            strength: 'strong',
            variantGroup: group,
          });
      }
      return false;
    }
    return undefined;
  });
}

/** Locates `raw` at or after `guess`, within a few characters (postcss raws usually put it exactly there). */
function locate(text: string, raw: string, guess: number, from: number): number {
  if (text.startsWith(raw, guess)) return guess;
  const i = text.indexOf(raw, from);
  return i;
}

// A media query that selects screens by pixel density: its rules hold the high-resolution variants.
const RESOLUTION_QUERY = /device-pixel-ratio|resolution/i;

function inResolutionQuery(node: AnyNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'atrule' && (p as AtRule).name.toLowerCase() === 'media' && RESOLUTION_QUERY.test((p as AtRule).params)) return true;
  }
  return false;
}

/** A background drawn at the image's pixel size: no background-size in its rule (nor a "/ size" in the shorthand). */
function pixelSized(decl: Declaration, value: string): boolean {
  const prop = decl.prop.toLowerCase();
  if (prop !== 'background' && prop !== 'background-image') return false;
  if (prop === 'background' && /\/\s*[\w.%-]/.test(value.replace(/url\([^)]*\)/gi, ''))) return false;
  const rule = decl.parent;
  return !(rule && 'nodes' in rule && rule.nodes?.some((n) => n.type === 'decl' && /^(-webkit-)?background-size$/i.test(n.prop)));
}

function walkRoot(ctx: ExtractContext, root: Root, text: string, base: number): void {
  // Rules by selector, outside and inside resolution media queries: the url()s of a selector in both are variants.
  const plain = new Map<string, Candidate[]>();
  const dense = new Map<string, Candidate[]>();
  root.walk((node: AnyNode) => {
    const so = node.source?.start?.offset;
    if (so === undefined) return;
    if (node.type === 'decl') {
      const raw = (node.raws.value as { raw?: string } | undefined)?.raw ?? node.value;
      const guess = so + node.prop.length + (node.raws.between ?? '').length;
      const at = locate(text, raw, guess, so);
      if (at < 0) return;
      const first = ctx.candidates.length;
      scanValue(ctx, raw, base + at, IMAGE_PROPS.test(node.prop) ? 'strong' : 'weak');
      if (ctx.candidates.length === first) return;
      const found = ctx.candidates.slice(first);
      if (pixelSized(node, raw)) for (const c of found) if (c.kind === 'css-url') c.pixelSized = true;
      const selector = node.parent?.type === 'rule' ? node.parent.selector.replace(/\s+/g, ' ').trim() : undefined;
      if (selector) {
        const map = inResolutionQuery(node) ? dense : plain;
        const list = map.get(selector);
        if (list) list.push(...found);
        else map.set(selector, [...found]);
      }
    } else if (node.type === 'atrule') {
      const raw = (node.raws.params as { raw?: string } | undefined)?.raw ?? node.params;
      if (!raw) return;
      const guess = so + 1 + node.name.length + (node.raws.afterName ?? '').length;
      const at = locate(text, raw, guess, so);
      if (at < 0) return;
      scanValue(ctx, raw, base + at, 'weak');
    }
  });
  for (const [selector, hiRes] of dense) {
    const lowRes = plain.get(selector);
    if (!lowRes) continue;
    const group = ctx.nextGroup();
    for (const c of [...lowRes, ...hiRes]) if (c.kind === 'css-url' && c.variantGroup === undefined) c.variantGroup = group;
  }
}

/** Image references of a style sheet (or <style> body) at file offset `base`. Comments are skipped. */
export function extractCssText(ctx: ExtractContext, text: string, base: number, lang: CssLang): void {
  if (!/url\(|image-set\(/i.test(text)) return;
  let root: Root;
  try {
    root = parseWith(lang, text);
  } catch (e) {
    if (!(e instanceof CssSyntaxError) && !(e instanceof Error)) throw e;
    const where =
      e instanceof CssSyntaxError && e.line !== undefined
        ? `${ctx.line(base + lineOffset(text, e.line, e.column ?? 1))}:${e.column ?? 1}`
        : '?';
    const reason = e instanceof CssSyntaxError ? e.reason : e.message;
    ctx.errors.push(`${ctx.filePath}:${where}: malformed ${lang.toUpperCase()}: ${reason} (kept what a tolerant parse could read)`);
    try {
      root = safeParse(text) as Root;
    } catch (e2) {
      ctx.errors.push(`${ctx.filePath}: CSS could not be read even tolerantly: ${(e2 as Error).message}`);
      return;
    }
  }
  walkRoot(ctx, root, text, base);
}

function lineOffset(text: string, line: number, column: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) break;
    off = nl + 1;
  }
  return off + column - 1;
}

/**
 * style="..." attribute body (declarations without a rule) at file offset `base`. Read with
 * postcss-value-parser alone (no PostCSS parse per attribute: a page can have thousands): the
 * property of each url() is the last word before the ":" that precedes it.
 */
export function extractInlineStyle(ctx: ExtractContext, text: string, base: number): void {
  if (!/url\(|image-set\(/i.test(text)) return;
  let prop = '';
  let lastWord = '';
  for (const n of valueParser(text).nodes) {
    if (n.type === 'word') lastWord = n.value;
    else if (n.type === 'div' && n.value === ':') prop = lastWord;
    else if (n.type === 'div' && n.value === ';') prop = '';
    else if (n.type === 'function') {
      const fnText = text.slice(n.sourceIndex, n.sourceEndIndex);
      scanValue(ctx, fnText, base + n.sourceIndex, IMAGE_PROPS.test(prop) ? 'strong' : 'weak');
    }
  }
}
