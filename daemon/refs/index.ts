/**
 * Image references in source files (DESIGN §6): exact ranges of path text, resolution to files,
 * and rewriting in the author's style. One entry point per job: languageOf, extractReferences,
 * resolveReference, rewriteReference, readSourceFile.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Candidate, ExtractContext, ExtractOptions, ExtractResult, RawReference, ResolveOptions, SourceLanguage } from './types';
import { LineMap } from './positions';
import { candidatePaths, extensionOf, hasImageExtension, IMAGE_EXTENSIONS, isExternal, isPlaceholder } from './paths';
import { readSourceFile } from './read';
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
const extractMarkdownText: typeof Markdown.extractMarkdownText = (...a) => (require('./markdown') as typeof Markdown).extractMarkdownText(...a);
const extractJsonText: typeof Data.extractJsonText = (...a) => (require('./data') as typeof Data).extractJsonText(...a);
const extractYamlText: typeof Data.extractYamlText = (...a) => (require('./data') as typeof Data).extractYamlText(...a);
/* eslint-enable @typescript-eslint/no-require-imports */

export type { SourceLanguage, RawReference, ImageReference, ExtractResult, ResolveOptions, ExtractOptions, ReferenceKind, Position } from './types';
export { resolveReference, rewriteReference, hasImageExtension, isExternal, IMAGE_EXTENSIONS } from './paths';
export { readSourceFile, DEFAULT_MAX_SOURCE_BYTES } from './read';

const BY_EXT: Record<string, SourceLanguage> = {
  html: 'html', htm: 'html', xhtml: 'html', shtml: 'html', njk: 'html', hbs: 'html', handlebars: 'html', mustache: 'html',
  ejs: 'html', liquid: 'html', twig: 'html', php: 'html', erb: 'html',
  css: 'css', pcss: 'css', postcss: 'css', scss: 'scss', less: 'less',
  js: 'js', mjs: 'js', cjs: 'js', jsx: 'jsx', ts: 'ts', mts: 'ts', cts: 'ts', tsx: 'tsx',
  md: 'markdown', markdown: 'markdown', mdown: 'markdown', mkd: 'markdown',
  vue: 'vue', svelte: 'svelte', astro: 'astro',
  json: 'json', jsonc: 'json', webmanifest: 'json', json5: 'json',
  yaml: 'yaml', yml: 'yaml',
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

const WS = /\s/;

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
  if (!lang) return { references: [], errors: [`${filePath}: not a source language Doublon reads`] };
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
  try {
    dispatch(ctx, lang, text);
  } catch (e) {
    errors.push(`${filePath}: internal error while reading ${lang}: ${(e as Error).message}`);
  }
  const isImage = options.isImage ?? defaultIsImage;
  const resolveOpts: ResolveOptions = options.resolve ?? { roots: [path.parse(path.resolve(filePath)).root], webRoots: [] };
  const accepts = (c: Candidate): boolean => {
    const v = c.value;
    if (v === '' || v.startsWith('#') || v.startsWith('?') || isExternal(v) || isPlaceholder(v)) return false;
    if (v.includes('\n') || v.includes('\r')) return false;
    if (c.strength === 'strong') return true;
    const ext = extensionOf(v);
    const image = IMAGE_EXTENSIONS.has(ext);
    if (c.strength === 'weak') {
      if (image) return true;
      // "page.html", "font.woff2": not an image; only extension-less paths are worth asking isImage
      if (!options.isImage || (ext !== '' && /^[a-z0-9]{1,8}$/.test(ext))) return false;
    } else {
      // a bare string: must look like a path and resolve to an image
      if (!image || WS.test(v) || v.length > 1024) return false;
    }
    return candidatePaths(filePath, v, { ...resolveOpts, kind: c.kind }).some((p) => isImage(p));
  };
  const seen = new Set<number>();
  const refs: RawReference[] = [];
  const sorted = ctx.candidates.sort((a, b) => a.start - b.start);
  let line = 0;
  for (const c of sorted) {
    let { start, end } = c;
    while (start < end && WS.test(text[start])) start++;
    while (end > start && WS.test(text[end - 1])) end--;
    if (start >= end || seen.has(start)) continue;
    const raw = text.slice(start, end);
    c.value = c.value.trim();
    if (isPlaceholder(raw) || !accepts(c)) continue;
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
    refs.push(ref);
  }
  // A variant group left with a single member is no group.
  const counts = new Map<number, number>();
  for (const r of refs) if (r.variantGroup !== undefined) counts.set(r.variantGroup, (counts.get(r.variantGroup) ?? 0) + 1);
  for (const r of refs) if (r.variantGroup !== undefined && counts.get(r.variantGroup) === 1) delete r.variantGroup;
  return { references: refs, errors };
}

/** Reads (readSourceFile) and extracts one file; a file that cannot be read gives its error and no references. */
export async function extractFile(filePath: string, options: ExtractOptions = {}): Promise<ExtractResult & { warnings: string[] }> {
  const r = await readSourceFile(filePath);
  if ('error' in r) return { references: [], errors: [r.error], warnings: [] };
  return { ...extractReferences(filePath, r.text, options), warnings: r.warnings };
}
