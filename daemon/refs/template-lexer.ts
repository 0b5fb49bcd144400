/**
 * The template tags of a file (Liquid, Nunjucks, Twig, Go templates and Hugo shortcodes, Handlebars and
 * Mustache, ERB/EJS, PHP), with exact offsets, and the string literals inside them.
 *
 * Hand-written rather than one npm tokenizer per language: the job is only to find where each tag opens
 * and closes (skipping its string literals, so a "}}" or "?>" inside a string does not close it) and
 * where its string literals are, in all of these languages with one set of offsets. Full parsers exist
 * for Liquid (liquidjs) and Twig/Nunjucks, but they reject or re-interpret malformed and unknown tags
 * (a site's custom shortcodes and filters) that a reference finder must read anyway, and none covers
 * Go templates, PHP islands in HTML or ERB.
 */

export type Dialect = 'liquid' | 'nunjucks' | 'twig' | 'go' | 'handlebars' | 'erb' | 'php' | 'generic';

export interface TemplateTag {
  /** Offsets of the whole tag, delimiters included. */
  start: number;
  end: number;
  /** Offsets of the code between the delimiters (trim markers "-", "~", "=" excluded). */
  innerStart: number;
  innerEnd: number;
  /** output: prints a value ({{ }}, <%= %>, <?= ?>); block: a statement or shortcode ({% %}, {{< >}}, <% %>, <?php ?>); comment. */
  type: 'output' | 'block' | 'comment';
}

export interface StringLiteral {
  /** Offsets of the content (quotes excluded). */
  start: number;
  end: number;
  /** With the language's escapes undone. */
  value: string;
}

interface Opener {
  open: string;
  close: string;
  type: TemplateTag['type'];
  comment?: boolean;
}

const DIALECT_OPENERS: Record<Dialect, Opener[]> = {
  liquid: [
    { open: '{{', close: '}}', type: 'output' },
    { open: '{%', close: '%}', type: 'block' },
  ],
  nunjucks: [
    { open: '{#', close: '#}', type: 'comment', comment: true },
    { open: '{{', close: '}}', type: 'output' },
    { open: '{%', close: '%}', type: 'block' },
  ],
  twig: [
    { open: '{#', close: '#}', type: 'comment', comment: true },
    { open: '{{', close: '}}', type: 'output' },
    { open: '{%', close: '%}', type: 'block' },
  ],
  go: [
    { open: '{{/*', close: '*/}}', type: 'comment', comment: true },
    { open: '{{- /*', close: '*/ -}}', type: 'comment', comment: true },
    { open: '{{<', close: '>}}', type: 'block' },
    { open: '{{%', close: '%}}', type: 'block' },
    { open: '{{', close: '}}', type: 'output' },
  ],
  handlebars: [
    { open: '{{!--', close: '--}}', type: 'comment', comment: true },
    { open: '{{!', close: '}}', type: 'comment', comment: true },
    { open: '{{{', close: '}}}', type: 'output' },
    { open: '{{', close: '}}', type: 'output' },
  ],
  erb: [
    { open: '<%#', close: '%>', type: 'comment', comment: true },
    { open: '<%=', close: '%>', type: 'output' },
    { open: '<%-', close: '%>', type: 'output' },
    { open: '<%', close: '%>', type: 'block' },
  ],
  php: [
    { open: '<?php', close: '?>', type: 'block' },
    { open: '<?=', close: '?>', type: 'output' },
  ],
  generic: [
    { open: '{{', close: '}}', type: 'output' },
    { open: '{%', close: '%}', type: 'block' },
  ],
};

/** Does the text contain anything this dialect would read as a tag? (Cheap test before lexing.) */
export function mayHaveTags(text: string, dialect: Dialect): boolean {
  return DIALECT_OPENERS[dialect].some((o) => text.includes(o.open.slice(0, 2)));
}

const TRIM = /[-~=+]/;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKQUOTE = 0x60;
const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;

/**
 * Skips a string literal starting at `i` (the quote); returns the offset after its closing quote, or -1
 * when it does not close before `limit` or a line break of a non-raw string.
 */
function skipString(text: string, i: number, limit: number): number {
  const q = text[i];
  for (let j = i + 1; j < limit; j++) {
    const c = text[j];
    if (c === '\\' && q !== '`') {
      j++;
      continue;
    }
    if (c === q) return j + 1;
  }
  return -1;
}

/** All tags of a text in order. A tag that never closes runs to the end (PHP) or is ignored (others: a stray "{{"). */
export function lexTemplate(text: string, dialect: Dialect): TemplateTag[] {
  const openers = DIALECT_OPENERS[dialect];
  const tags: TemplateTag[] = [];
  const n = text.length;
  const firsts = [...new Set(openers.map((o) => o.open.slice(0, 2)))];
  // Next offset of each opener's first two characters (indexOf, not a character loop: most of a file is markup).
  const next = firsts.map((f) => text.indexOf(f));
  let i = 0;
  while (i < n) {
    let at = -1;
    for (let k = 0; k < firsts.length; k++) {
      if (next[k] >= 0 && next[k] < i) next[k] = text.indexOf(firsts[k], i);
      if (next[k] >= 0 && (at < 0 || next[k] < at)) at = next[k];
    }
    if (at < 0) break;
    i = at;
    const o = openers.find((x) => text.startsWith(x.open, i));
    if (!o) {
      i++;
      continue;
    }
    if (dialect === 'php' && o.open === '<?php' && /[\w]/.test(text[i + 5] ?? ' ')) {
      i++;
      continue;
    }
    const start = i;
    let j = i + o.open.length;
    let innerStart = j;
    if (!o.comment && TRIM.test(text[j] ?? '') && o.close !== '?>') innerStart = ++j;
    let end = -1;
    let innerEnd = -1;
    if (o.comment) {
      const k = text.indexOf(o.close, j);
      if (k >= 0) {
        innerEnd = k;
        end = k + o.close.length;
      }
    } else {
      const closeFirst = o.close.charCodeAt(0);
      const php = dialect === 'php';
      const backquoted = dialect === 'go' || php;
      while (j < n) {
        const c = text.charCodeAt(j);
        // Most characters of a tag are code: only quotes, the closer's first character and PHP's comment starts matter.
        if (c !== QUOTE && c !== APOSTROPHE && c !== closeFirst && c !== BACKQUOTE && c !== SLASH && c !== HASH) {
          j++;
          continue;
        }
        if (c === QUOTE || c === APOSTROPHE || (c === BACKQUOTE && backquoted)) {
          const after = skipString(text, j, Math.min(n, j + 4096));
          if (after < 0) {
            j++;
            continue;
          } // an apostrophe in prose inside a block: not a string
          j = after;
          continue;
        }
        if (php) {
          if (c === SLASH && text.charCodeAt(j + 1) === STAR) {
            const k = text.indexOf('*/', j + 2);
            j = k < 0 ? n : k + 2;
            continue;
          }
          if ((c === SLASH && text.charCodeAt(j + 1) === SLASH) || c === HASH) {
            // A line comment ends at the line break or at "?>".
            while (j < n && text[j] !== '\n' && !text.startsWith('?>', j)) j++;
            continue;
          }
        }
        if (c === closeFirst && text.startsWith(o.close, j)) {
          innerEnd = j;
          if (innerEnd > innerStart && TRIM.test(text[innerEnd - 1]) && o.close !== '?>' && o.close !== '%>') innerEnd--;
          end = j + o.close.length;
          break;
        }
        j++;
      }
    }
    if (end < 0) {
      if (dialect !== 'php') {
        i = start + 1;
        continue;
      }
      innerEnd = n; // a PHP file usually leaves its last block open
      end = n;
    }
    // Liquid's {% comment %}…{% endcomment %}: the whole block is a comment (its markup is not output).
    if (o.open === '{%' && /^\s*comment\s*$/.test(text.slice(innerStart, innerEnd))) {
      const close = /\{%-?\s*endcomment\s*-?%\}/g;
      close.lastIndex = end;
      const m = close.exec(text);
      if (m) {
        tags.push({ start, end: m.index + m[0].length, innerStart: end, innerEnd: m.index, type: 'comment' });
        i = m.index + m[0].length;
        continue;
      }
    }
    tags.push({ start, end, innerStart, innerEnd, type: o.comment ? 'comment' : o.type });
    i = end;
  }
  return tags;
}

const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

/** The string literals of a tag's code, in order. */
export function stringsOf(text: string, tag: TemplateTag, dialect: Dialect): StringLiteral[] {
  const out: StringLiteral[] = [];
  for (let j = tag.innerStart; j < tag.innerEnd; j++) {
    const ch = text[j];
    if (dialect === 'php' && ch === '/' && text[j + 1] === '/') {
      while (j < tag.innerEnd && text[j] !== '\n') j++;
      continue;
    }
    if (dialect === 'php' && ch === '/' && text[j + 1] === '*') {
      const k = text.indexOf('*/', j + 2);
      j = k < 0 ? tag.innerEnd : k + 1;
      continue;
    }
    if (ch !== '"' && ch !== "'" && ch !== '`') continue;
    const after = skipString(text, j, tag.innerEnd);
    if (after < 0) continue;
    const raw = text.slice(j + 1, after - 1);
    const value =
      ch === '`' || !raw.includes('\\')
        ? raw
        : raw.replace(/\\(.)/g, (_m, e: string) => (ch === "'" && dialect === 'php' && e !== "'" && e !== '\\' ? '\\' + e : (ESC[e] ?? e)));
    out.push({ start: j + 1, end: after - 1, value });
    j = after - 1;
  }
  return out;
}
