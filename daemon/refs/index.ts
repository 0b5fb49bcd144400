/**
 * Image references in source files (DESIGN §6): exact ranges of path text, resolution to files,
 * and rewriting in the author's style. One entry point per job: languageOf, extractReferences,
 * resolveReference, rewriteReference, readSourceFile.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type {
  Candidate,
  ExtractContext,
  ExtractOptions,
  ExtractResult,
  RawReference,
  ResolveOptions,
  SourceLanguage,
  UnresolvedMention,
} from './types';
import { isJsSpace } from './attribute-text';
import { LineMap } from './positions';
import { someCandidatePath, extensionOf, hasImageExtension, IMAGE_EXTENSIONS, isExternal, isPlaceholder } from './paths';
import { readSourceFile } from './read';
import { siteOf } from './sites';
import { dialectOf, readTemplate, type TemplateLayer } from './template-refs';
import type * as Html from './html';
import type * as Css from './css';
import type * as Js from './js';
import type * as Markdown from './markdown';
import type * as Data from './data';

/*
 * The parsers (htmlparser2, PostCSS, micromark, yaml…) take about half a second to load: they are required
 * on first use, so a run that parses no source file (a warm rescan, `doublon daemon status`) never pays.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const extractHtmlText: typeof Html.extractHtmlText = (...a) => (require('./html') as typeof Html).extractHtmlText(...a);
const extractCssText: typeof Css.extractCssText = (...a) => (require('./css') as typeof Css).extractCssText(...a);
const extractJsText: typeof Js.extractJsText = (...a) => (require('./js') as typeof Js).extractJsText(...a);
const extractMarkdownText: typeof Markdown.extractMarkdownText = (...a) =>
  (require('./markdown') as typeof Markdown).extractMarkdownText(...a);
const extractJsonText: typeof Data.extractJsonText = (...a) => (require('./data') as typeof Data).extractJsonText(...a);
const extractYamlText: typeof Data.extractYamlText = (...a) => (require('./data') as typeof Data).extractYamlText(...a);
/* eslint-enable @typescript-eslint/no-require-imports */

export type {
  SourceLanguage,
  RawReference,
  ImageReference,
  ExtractResult,
  ResolveOptions,
  ExtractOptions,
  ReferenceKind,
  Position,
  UnresolvedMention,
} from './types';
export { siteOf, forgetSites, isSiteConfigName, type Site, type Generator } from './sites';
export { mentionMayName, literalLessMayName, runtimeScopeOf } from './mentions';
export { resolveReference, rewriteReference, libraryUrl, hasImageExtension, isExternal, IMAGE_EXTENSIONS } from './paths';
export { readSourceFile, DEFAULT_MAX_SOURCE_BYTES } from './read';

const BY_EXT: Record<string, SourceLanguage> = {
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  shtml: 'html',
  njk: 'html',
  hbs: 'html',
  handlebars: 'html',
  mustache: 'html',
  ejs: 'html',
  liquid: 'html',
  twig: 'html',
  php: 'html',
  phtml: 'html',
  erb: 'html',
  nunjucks: 'html',
  css: 'css',
  pcss: 'css',
  postcss: 'css',
  scss: 'scss',
  less: 'less',
  js: 'js',
  mjs: 'js',
  cjs: 'js',
  jsx: 'jsx',
  ts: 'ts',
  mts: 'ts',
  cts: 'ts',
  tsx: 'tsx',
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  vue: 'vue',
  svelte: 'svelte',
  astro: 'astro',
  json: 'json',
  jsonc: 'json',
  webmanifest: 'json',
  json5: 'json',
  yaml: 'yaml',
  yml: 'yaml',
};

/** Every file extension an extractor is registered for (the property-based tests fuzz each language). */
export function registeredExtensions(): string[] {
  return Object.keys(BY_EXT);
}

/** The language of a file from its extension (templating languages are read as HTML). */
export function languageOf(filePath: string): SourceLanguage | undefined {
  const base = path.basename(filePath).toLowerCase();
  if (base.endsWith('.d.ts')) return undefined; // declarations name no files
  const dot = base.lastIndexOf('.');
  if (dot < 0) return undefined;
  return BY_EXT[base.slice(dot + 1)];
}

/** Front matter (--- … --- at the very start): its [start, end) of the inner text, and the end of the block. */
function frontMatter(text: string): { start: number; end: number; blockEnd: number } | undefined {
  const m = /^---[ \t]*\r?\n/.exec(text);
  if (!m) return undefined;
  const close = /^(---|\.\.\.)[ \t]*$/m;
  const rest = text.slice(m[0].length);
  const c = close.exec(rest);
  if (!c) return undefined;
  return { start: m[0].length, end: m[0].length + c.index, blockEnd: m[0].length + c.index + c[0].length };
}

const blank = (s: string) => s.replace(/[^\r\n]/g, ' ');

function dispatch(ctx: ExtractContext, lang: SourceLanguage, text: string): void {
  switch (lang) {
    case 'html':
    case 'vue':
    case 'svelte':
      extractHtmlText(ctx, text, 0, lang);
      return;
    case 'astro': {
      const fm = frontMatter(text);
      if (fm) {
        extractJsText(ctx, text.slice(fm.start, fm.end), fm.start, 'ts');
        extractHtmlText(ctx, text.slice(fm.blockEnd), fm.blockEnd, 'astro');
      } else extractHtmlText(ctx, text, 0, 'astro');
      return;
    }
    case 'css':
    case 'scss':
    case 'less':
      extractCssText(ctx, text, 0, lang);
      return;
    case 'js':
    case 'ts':
    case 'jsx':
    case 'tsx':
      extractJsText(ctx, text, 0, lang);
      return;
    case 'markdown': {
      const fm = frontMatter(text);
      if (fm) {
        extractYamlText(ctx, text.slice(fm.start, fm.end), fm.start);
        extractMarkdownText(ctx, blank(text.slice(0, fm.blockEnd)) + text.slice(fm.blockEnd), 0);
      } else extractMarkdownText(ctx, text, 0);
      return;
    }
    case 'json':
      extractJsonText(ctx, text, 0);
      return;
    case 'yaml':
      extractYamlText(ctx, text, 0);
      return;
  }
}

function defaultIsImage(p: string): boolean {
  if (!hasImageExtension(p)) return false;
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

// Whitespace, and the zero-width filler of blanked template tags in Markdown (template-refs.ts).
const WS = /[\s\u200b]/;

/**
 * WS for one character code, without a regular expression: trimming walks over every blanked tag in a
 * reference (src="{{ site.baseurl }}/a.png"), a regular-expression test per character cost 2 ms in a 5 000-line template.
 */
const isSpaceCode = (c: number): boolean => c === 0x200b || isJsSpace(c);

/**
 * Every image reference in one source file, with exact ranges. Never throws for bad input: a
 * malformed file yields what could be parsed, and `errors` says what was wrong.
 *
 * Counted: paths in positions that name images (img src/srcset, <source srcset>, poster, icon links,
 * og:image, CSS url()/image-set(), Markdown images, manifest icons…), paths in generic positions
 * (a href, import, require, other url()s) when they have an image extension or isImage accepts
 * them, and bare string literals when they resolve to an image (isImage, default: an existing file
 * with an image extension). Not counted: comments, text content, external URLs (http:, https:,
 * //host), data:/blob:/mailto:, template placeholders, fragment-only "#id".
 */
export function extractReferences(filePath: string, text: string, options: ExtractOptions = {}): ExtractResult {
  const lang = languageOf(filePath);
  const errors: string[] = [];
  const mentions: UnresolvedMention[] = [];
  if (!lang) return { references: [], errors: [`${filePath}: not a source language Doublon reads`], mentions };
  let lineMap: LineMap | undefined;
  const lines = () => (lineMap ??= new LineMap(text));
  let group = 0;
  const ctx: ExtractContext = {
    filePath,
    candidates: [],
    errors,
    nextGroup: () => ++group,
    line: (offset) => lines().position(offset).line + 1,
  };
  // Template tags are read on their own and blanked for the host language, so the HTML around them is still read.
  let layer: TemplateLayer | undefined;
  const markup = lang === 'html' || lang === 'markdown';
  if (markup || lang === 'css' || lang === 'scss' || lang === 'less') {
    const dialect = dialectOf(filePath, siteOf(filePath), markup);
    if (dialect) {
      try {
        layer = readTemplate(text, dialect, lang === 'markdown');
      } catch (e) {
        errors.push(`${filePath}: internal error while reading template tags: ${(e as Error).message}`);
      }
    }
  }
  const hostText = layer?.blanked ?? text;
  try {
    dispatch(ctx, lang, hostText);
  } catch (e) {
    errors.push(`${filePath}: internal error while reading ${lang}: ${(e as Error).message}`);
  }
  if (layer) ctx.candidates.push(...layer.candidates);
  const isImage = options.isImage ?? defaultIsImage;
  // One options object for the whole file, its kind set per candidate (candidate lists are remembered per options object).
  const resolveOpts: ResolveOptions = { ...(options.resolve ?? { roots: [path.parse(path.resolve(filePath)).root], webRoots: [] }) };
  const resolvesToImage = (c: Candidate) => {
    resolveOpts.kind = c.kind;
    return someCandidatePath(filePath, c.value, resolveOpts, isImage);
  };
  const accepts = (c: Candidate): boolean => {
    const v = c.value;
    // The refusals by extension first: most weak candidates are links to pages ("page.html"). Every test
    // here is pure and refuses on its own, so their order does not change the answer.
    let image = false;
    if (c.strength !== 'strong') {
      const ext = extensionOf(v);
      image = IMAGE_EXTENSIONS.has(ext);
      if (c.strength === 'weak') {
        // "page.html", "font.woff2": not an image; only extension-less paths are worth asking isImage
        if (!image && (!options.isImage || (ext !== '' && /^[a-z0-9]{1,8}$/.test(ext)))) return false;
      } else if (!image || WS.test(v) || v.length > 1024) return false; // a bare string: must look like a path and resolve to an image
    }
    if (v === '' || v.startsWith('#') || v.startsWith('?') || isExternal(v) || isPlaceholder(v)) return false;
    if (v.includes('\n') || v.includes('\r')) return false;
    if (c.strength === 'strong' || (c.strength === 'weak' && image)) return true;
    return resolvesToImage(c);
  };
  const mention = (start: number, end: number, reason: string, pattern?: string) => {
    const m: UnresolvedMention = {
      text: text.slice(start, end),
      start,
      end,
      range: { start: lines().position(start), end: lines().position(end) },
      reason,
    };
    if (pattern !== undefined && /[^*]/.test(pattern)) m.pattern = pattern;
    mentions.push(m);
  };
  const seen = new Set<number>();
  const refs: RawReference[] = [];
  const sorted = ctx.candidates.sort((a, b) => a.start - b.start);
  let line = 0;
  for (const c of sorted) {
    let { start, end } = c;
    const host = c.template ? text : hostText; // a template candidate lies inside a (blanked) tag
    while (start < end && isSpaceCode(host.charCodeAt(start))) start++;
    while (end > start && isSpaceCode(host.charCodeAt(end - 1))) end--;
    if (layer && !c.template) {
      const within = tagsOverlapping(layer, start < end ? start : c.start, start < end ? end : c.end);
      if (within.length > 0) {
        if (within.every((t) => layer.understood.has(t.start))) continue; // e.g. src="{{ '/a.png' | url }}": read from the tag
        if (seen.has(c.start)) continue;
        seen.add(c.start);
        const s = start < end ? start : c.start;
        const e = start < end ? end : c.end;
        const pattern = patternOf(text, s, e, within);
        // A link (href) to something computed is usually a page: a mention only where an image is meant.
        if (c.strength !== 'strong' && !hasImageExtension(pattern)) continue;
        mention(s, e, 'a template expression in a reference, known only when the site is built', pattern);
        continue;
      }
      if (start < end && layer.prefixEnds.has(start)) c.kind = 'template-url';
    }
    if (start >= end || seen.has(start)) continue;
    const raw = text.slice(start, end);
    const v = c.value;
    if (v.length > 0 && (isSpaceCode(v.charCodeAt(0)) || isSpaceCode(v.charCodeAt(v.length - 1))))
      c.value = v.replace(/^[\s\u200b]+|[\s\u200b]+$/g, '');
    if (c.template) {
      seen.add(start);
      if (isExternal(c.value) || !resolvesToImage(c)) {
        // printf "/icons/%s.png" .name: the verbs are the parts known at build time.
        if (!isExternal(c.value) && hasImageExtension(c.value))
          mention(
            start,
            end,
            'a path in a template that names no image file the generator serves',
            c.value.replace(/%[-+# 0-9.]*[sdvq]/g, '*'),
          );
        continue;
      }
    } else if (isPlaceholder(raw) || !accepts(c)) continue;
    seen.add(start);
    const lm = lines();
    const ps = lm.positionFrom(start, line);
    line = ps.line;
    const ref: RawReference = {
      text: raw,
      value: c.value,
      start,
      end,
      range: { start: ps, end: lm.positionFrom(end, line) },
      kind: c.kind,
    };
    if (c.variantGroup !== undefined) ref.variantGroup = c.variantGroup;
    if (c.pixelSized) ref.pixelSized = true;
    refs.push(ref);
  }
  for (const d of layer?.dynamic ?? []) mention(d.start, d.end, d.reason, d.pattern);
  mentions.sort((a, b) => a.start - b.start);
  // A variant group left with a single member is no group.
  const counts = new Map<number, number>();
  for (const r of refs) if (r.variantGroup !== undefined) counts.set(r.variantGroup, (counts.get(r.variantGroup) ?? 0) + 1);
  for (const r of refs) if (r.variantGroup !== undefined && counts.get(r.variantGroup) === 1) delete r.variantGroup;
  return { references: refs, errors, mentions };
}

/** The (non-comment) tags overlapping [start, end). */
function tagsOverlapping(layer: TemplateLayer, start: number, end: number) {
  const tags = layer.tags;
  let lo = 0;
  let hi = tags.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tags[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  const out = [];
  for (let i = lo; i < tags.length && tags[i].start < end; i++) if (tags[i].type !== 'comment') out.push(tags[i]);
  return out;
}

/** "/img/{{ name }}.png" → "/img/*.png". */
function patternOf(text: string, start: number, end: number, tags: { start: number; end: number }[]): string {
  let out = '';
  let at = start;
  for (const t of tags) {
    out += text.slice(at, Math.max(at, t.start)) + '*';
    at = Math.max(at, t.end);
  }
  out += text.slice(Math.min(at, end), end);
  return out.replace(/\*+/g, '*');
}

/** Reads (readSourceFile) and extracts one file; a file that cannot be read gives its error and no references. */
export async function extractFile(filePath: string, options: ExtractOptions = {}): Promise<ExtractResult & { warnings: string[] }> {
  const r = await readSourceFile(filePath);
  if ('error' in r) return { references: [], errors: [r.error], mentions: [], warnings: [] };
  return { ...extractReferences(filePath, r.text, options), warnings: r.warnings };
}
