/**
 * The HTML reference reader as it was before daemon/refs/html-events.ts replaced htmlparser2's Parser by a
 * direct drive of its Tokenizer: kept, unchanged but for its imports (the rule tables are html-rules.ts's), as the oracle of html-events.test.ts.
 */
import { Parser } from 'htmlparser2';
import { decodeHTMLAttribute } from 'entities';
import type { Candidate, ExtractContext, ReferenceKind } from '../../daemon/refs/types';
import { extractCssText, extractInlineStyle } from '../../daemon/refs/css';
import { extractJsText, extractJsExpression } from '../../daemon/refs/js';
import { extractJsonText } from '../../daemon/refs/data';
import { decodeEntities, srcsetUrls } from '../../daemon/refs/attribute-text';
import { DECIDING_ATTRS, ICON_RELS, META_IMAGE, OPTIONAL_END, REF_ATTRS, VOID, type Attr } from '../../daemon/refs/html-rules';

export type HtmlFlavor = 'html' | 'vue' | 'svelte' | 'astro';

/**
 * Image references in HTML (and the template part of Vue/Svelte/Astro). `text` is the markup,
 * `base` its offset in the file. <style> goes to the CSS extractor, <script> to the JS one, comments
 * are skipped, and so is text content.
 */
export function extractHtmlText(ctx: ExtractContext, text: string, base: number, flavor: HtmlFlavor): void {
  let attrs: Attr[] = [];
  let iconGroup: number | undefined;
  const pictures: number[] = [];
  const open: { name: string; start: number }[] = [];
  let raw: { name: string; attrs: Map<string, Attr>; start: number; end: number } | undefined;
  const unclosed: string[] = [];
  const push = (c: Omit<Candidate, 'start' | 'end'> & { start: number; end: number }) => {
    ctx.candidates.push({ ...c, start: c.start + base, end: c.end + base });
  };

  const attrRef = (a: Attr, kind: ReferenceKind, strength: Candidate['strength'], group?: number) => {
    push({ start: a.start, end: a.end, value: a.value, kind, strength, variantGroup: group });
  };
  const srcsetRefs = (a: Attr, strength: Candidate['strength'], group: number | undefined) => {
    const rawValue = text.slice(a.start, a.end);
    const urls = srcsetUrls(rawValue);
    const g = group ?? (urls.length > 1 ? ctx.nextGroup() : undefined);
    for (const u of urls) {
      push({
        start: a.start + u.start,
        end: a.start + u.end,
        value: decodeEntities(rawValue.slice(u.start, u.end)),
        kind: 'srcset',
        strength,
        variantGroup: g,
      });
    }
    return g;
  };

  const onTag = (name: string, list: Attr[]) => {
    if (list.length === 0) return;
    const A = new Map<string, Attr>();
    for (const a of list) if (!A.has(a.name)) A.set(a.name, a);
    const picture = pictures.length > 0 ? pictures[pictures.length - 1] : undefined;
    const handled = new Set<string>();
    const use = (n: string) => {
      handled.add(n);
      return A.get(n);
    };

    switch (name) {
      case 'img': {
        const srcset = use('srcset');
        const dataSrcset = use('data-srcset');
        const src = use('src');
        const dataSrc = use('data-src');
        let group = picture ?? (srcset || dataSrcset ? ctx.nextGroup() : undefined);
        if (srcset) group = srcsetRefs(srcset, 'strong', group);
        if (dataSrcset) group = srcsetRefs(dataSrcset, 'weak', group);
        if (src) attrRef(src, 'src', 'strong', group);
        if (dataSrc) attrRef(dataSrc, 'src', 'weak', group);
        break;
      }
      case 'source': {
        const srcset = use('srcset');
        if (srcset) srcsetRefs(srcset, picture !== undefined ? 'strong' : 'weak', picture);
        const src = use('src');
        if (src) attrRef(src, 'src', 'weak', picture);
        break;
      }
      case 'video': {
        const poster = use('poster');
        if (poster) attrRef(poster, 'poster', 'strong');
        break;
      }
      case 'input': {
        const src = use('src');
        if (src) attrRef(src, 'src', A.get('type')?.value.toLowerCase() === 'image' ? 'strong' : 'weak');
        break;
      }
      case 'link': {
        const rels = (A.get('rel')?.value ?? '').toLowerCase().split(/\s+/);
        const asImage = A.get('as')?.value.toLowerCase() === 'image';
        const strong = rels.some((r) => ICON_RELS.has(r)) || (asImage && rels.some((r) => r === 'preload' || r === 'prefetch'));
        const href = use('href');
        const iss = use('imagesrcset');
        let group: number | undefined;
        if (iss) group = srcsetRefs(iss, strong ? 'strong' : 'weak', undefined);
        // The icons of a page (favicon sizes, apple-touch-icon, mask-icon) are one set of variants.
        else if (rels.some((r) => ICON_RELS.has(r) && r !== 'image_src')) group = iconGroup ??= ctx.nextGroup();
        if (href) attrRef(href, 'href', strong ? 'strong' : 'weak', group);
        break;
      }
      case 'meta': {
        const key = (A.get('property')?.value ?? A.get('name')?.value ?? A.get('itemprop')?.value ?? '').toLowerCase();
        const content = use('content');
        if (content && META_IMAGE.has(key))
          attrRef(content, 'meta', 'strong', key.startsWith('msapplication') ? (iconGroup ??= ctx.nextGroup()) : undefined);
        break;
      }
      case 'image':
      case 'feimage': {
        for (const n of ['href', 'xlink:href']) {
          const a = use(n);
          if (a) attrRef(a, 'href', 'strong');
        }
        break;
      }
      case 'object': {
        const d = use('data');
        if (d) attrRef(d, 'src', 'weak');
        break;
      }
      case 'picture':
        break;
    }
    for (const a of list) {
      if (handled.has(a.name)) continue;
      if (a.name === 'style') {
        extractInlineStyle(ctx, text.slice(a.start, a.end), base + a.start);
      } else if (a.name === 'src' || a.name === 'data-src' || a.name === 'background' || a.name === 'lowsrc') {
        attrRef(a, 'src', 'weak');
      } else if (a.name === 'srcset' || a.name === 'data-srcset') {
        srcsetRefs(a, 'weak', undefined);
      } else if (a.name === 'href' || a.name === 'xlink:href') {
        attrRef(a, 'href', 'weak');
      } else if (a.name === 'poster') {
        attrRef(a, 'poster', 'strong');
      } else if (flavor === 'vue' && (a.name.startsWith(':') || a.name.startsWith('v-bind:')) && a.quoted) {
        // A bound attribute is a JS expression: :src="require('./a.png')"
        extractJsExpression(ctx, text.slice(a.start, a.end), base + a.start);
      }
    }
  };

  const rawKind = (
    name: string,
    A: Map<string, Attr>,
  ): 'js' | 'ts' | 'jsx' | 'tsx' | 'css' | 'scss' | 'less' | 'json' | 'html' | undefined => {
    const lang = A.get('lang')?.value.toLowerCase();
    if (name === 'style') {
      if (lang === 'scss' || lang === 'sass') return lang === 'scss' ? 'scss' : undefined;
      if (lang === 'less') return 'less';
      if (lang === 'stylus' || lang === 'styl') return undefined;
      return 'css';
    }
    if (name === 'script') {
      const type = (A.get('type')?.value ?? '').toLowerCase().trim();
      if (lang === 'ts' || lang === 'typescript') return 'ts';
      if (lang === 'tsx') return 'tsx';
      if (lang === 'jsx') return 'jsx';
      if (
        type === '' ||
        type === 'module' ||
        /^(text|application)\/(x-)?(java|ecma)script$/.test(type) ||
        type === 'text/babel' ||
        type === 'text/jsx'
      )
        return flavor === 'html' ? 'js' : 'jsx';
      if (type === 'application/ld+json' || type === 'application/json' || type === 'importmap' || type === 'speculationrules')
        return 'json';
      if (type === 'text/x-template' || type === 'text/html' || type === 'text/ng-template' || type === 'text/template') return 'html';
      return undefined;
    }
    return undefined;
  };

  const parser: Parser = new Parser(
    {
      onattribute(name, value, quote) {
        const nameStart = parser.startIndex;
        const endIndex = parser.endIndex;
        if (quote === undefined) return; // no value
        const bound = flavor === 'vue' && (name.startsWith(':') || name.startsWith('v-bind:'));
        if (!REF_ATTRS.has(name) && !DECIDING_ATTRS.has(name) && !bound) {
          const lower = name.toLowerCase();
          if (lower === name || (!REF_ATTRS.has(lower) && !DECIDING_ATTRS.has(lower))) return;
          name = lower; // Vue/Svelte keep attribute case; the names we read are case-insensitive
        }
        let i = nameStart + name.length;
        while (i < endIndex && /\s/.test(text[i])) i++;
        if (text[i] === '=') i++;
        while (i < endIndex && /\s/.test(text[i])) i++;
        const quoted = quote === '"' || quote === "'";
        if (quoted) i++;
        const vEnd = quoted ? endIndex - 1 : endIndex;
        if (vEnd < i) return;
        if (quoted && text[vEnd] !== quote) return;
        // The parser leaves character references as written (decoding every text run costs a third of its time); only kept values are decoded.
        if (value.includes('&')) value = decodeHTMLAttribute(value);
        const a: Attr = { name, value, start: i, end: vEnd, quoted, line0: nameStart };
        if (quoted && value.includes('\n') && /<\/?[a-zA-Z]/.test(value)) {
          ctx.errors.push(
            `${ctx.filePath}:${ctx.line(base + nameStart)}: the ${quote}-quoted value of ${name} runs over ${value.split('\n').length} lines and contains tags: unclosed quote?`,
          );
        }
        attrs.push(a);
      },
      onopentag(name) {
        const list = attrs;
        attrs = [];
        const start = parser.startIndex;
        if (name === 'picture') pictures.push(ctx.nextGroup());
        onTag(name, list);
        if (!VOID.has(name)) open.push({ name, start });
        if (name === 'script' || name === 'style') {
          const A = new Map(list.map((a) => [a.name, a] as const));
          raw = { name, attrs: A, start: parser.endIndex + 1, end: parser.endIndex + 1 };
        }
      },
      ontext() {
        if (raw) raw.end = parser.endIndex + 1;
      },
      onclosetag(name, implied) {
        if (name === 'picture') pictures.pop();
        if (raw && raw.name === name) {
          const kind = rawKind(name, raw.attrs);
          const body = text.slice(raw.start, raw.end);
          const at = base + raw.start;
          if (kind === 'css' || kind === 'scss' || kind === 'less') extractCssText(ctx, body, at, kind);
          else if (kind === 'js' || kind === 'ts' || kind === 'jsx' || kind === 'tsx') extractJsText(ctx, body, at, kind);
          else if (kind === 'json') extractJsonText(ctx, body, at);
          else if (kind === 'html') extractHtmlText(ctx, body, at, flavor);
          raw = undefined;
        }
        for (let k = open.length - 1; k >= 0; k--) {
          if (open[k].name === name) {
            if (implied && parser.startIndex >= text.length && !OPTIONAL_END.has(name) && !VOID.has(name)) {
              unclosed.push(`<${name}> at line ${ctx.line(base + open[k].start)}`);
            }
            open.length = k;
            break;
          }
        }
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: flavor === 'html', recognizeSelfClosing: flavor !== 'html' },
  );
  parser.end(text);
  if (unclosed.length > 0) {
    ctx.errors.push(
      `${ctx.filePath}: malformed HTML: element${unclosed.length > 1 ? 's' : ''} never closed: ${unclosed.slice(0, 5).join(', ')}${unclosed.length > 5 ? ` and ${unclosed.length - 5} more` : ''}`,
    );
  }
  const lastOpen = text.lastIndexOf('<!--');
  if (lastOpen >= 0 && text.indexOf('-->', lastOpen + 4) < 0) {
    ctx.errors.push(`${ctx.filePath}:${ctx.line(base + lastOpen)}: malformed HTML: comment never closed`);
  }
}
