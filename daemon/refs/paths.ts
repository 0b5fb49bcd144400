import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_EXTENSIONS as INDEXED_IMAGE_EXTENSIONS, OTHER_IMAGE_EXTENSIONS } from '../../protocol/settings';
import type { ResolveOptions } from './types';
import { siteOf, sitesGeneration, type Mount } from './sites';

/** Extensions that make a path an image reference on their own (lower case, without dot): indexed or not. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set<string>([...INDEXED_IMAGE_EXTENSIONS, ...OTHER_IMAGE_EXTENSIONS]);

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// Every placeholder form has one of these characters: a cheap test before the alternation.
const PLACEHOLDER_CHARS = /[{$@<]/;
const PLACEHOLDER = /\{\{|\{%|\$\{|#\{|@\{|<%|\{\s*[\w$.[\]'"()]+\s*\}|^[$@][A-Za-z_-]/;

/** http:, https:, data:, mailto:, blob:, javascript:, … and protocol-relative //host/… */
export function isExternal(text: string): boolean {
  const t = text.trimStart();
  if (t.startsWith('//') || t.startsWith('\\\\')) return true;
  // A Windows drive letter ("C:\x") is not a scheme, but such a path is not a web reference either.
  return SCHEME.test(t);
}

/** Template syntax ({{ }}, ${}, #{} of SCSS, @{} of Less, {% %}, <% %>, Svelte/Astro {expr}, $var/@var). */
export function isPlaceholder(text: string): boolean {
  return PLACEHOLDER_CHARS.test(text) && PLACEHOLDER.test(text);
}

/** Splits "a/b.png?v=2#x" into path "a/b.png" and suffix "?v=2#x". */
export function splitSuffix(text: string): { pathPart: string; suffix: string } {
  let cut = text.length;
  const q = text.indexOf('?');
  const h = text.indexOf('#');
  if (q >= 0) cut = q;
  if (h >= 0 && h < cut) cut = h;
  return { pathPart: text.slice(0, cut), suffix: text.slice(cut) };
}

/** Percent-decodes; malformed sequences are left as written instead of failing. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/(%[0-9a-fA-F]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

/** Lower-case extension of the last path segment ("" when none), query and hash ignored. */
export function extensionOf(text: string): string {
  const { pathPart } = splitSuffix(text);
  const dot = pathPart.lastIndexOf('.');
  if (dot < 0 || dot <= pathPart.lastIndexOf('/') + 1 || dot === pathPart.length - 1) return '';
  const ext = pathPart.slice(dot + 1);
  return (ext.includes('%') ? percentDecode(ext) : ext).toLowerCase();
}

export function hasImageExtension(text: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(text));
}

/** The last path segment has an extension that is not an image's ("page.html", "font.woff2"). */
export function hasOtherExtension(text: string): boolean {
  const ext = extensionOf(text);
  return ext !== '' && /^[a-z0-9]{1,8}$/.test(ext) && !IMAGE_EXTENSIONS.has(ext);
}

function defaultExists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// Windows compares paths case-insensitively (path.relative knows how); elsewhere a prefix test says the
// same as path.relative for the normalized absolute paths candidates() makes, without its cost per candidate.
const CASE_SENSITIVE_PATHS = process.platform !== 'win32';

function insideRoots(p: string, roots: string[]): boolean {
  for (const root of roots) {
    const r = path.resolve(root);
    if (CASE_SENSITIVE_PATHS ? p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep) : isInside(p, r)) return true;
  }
  return false;
}

interface PathCandidate {
  abs: string;
  webRoot?: string;
  alias?: string;
  mount?: Mount;
  assetDir?: string;
}

/** The file a URL path ("/img/a.png") names under a mount, if the mount serves that URL. */
function underMount(urlPath: string, mount: Mount): string | undefined {
  const p = '/' + urlPath.replace(/^\/+/, '');
  if (mount.url === '/') return path.join(mount.dir, p);
  if (p === mount.url || p.startsWith(mount.url + '/')) return path.join(mount.dir, p.slice(mount.url.length));
  return undefined;
}

function mountCandidates(decoded: string, mounts: Mount[]): PathCandidate[] {
  const out: PathCandidate[] = [];
  for (const mount of mounts) {
    const abs = underMount(decoded, mount);
    if (abs) out.push({ abs, mount });
  }
  return out;
}

/** Candidate absolute paths for a reference, in the order they are tried. */
function candidates(fromFile: string, text: string, options: ResolveOptions): PathCandidate[] {
  const t = text.trim();
  if (t === '' || isExternal(t) || isPlaceholder(t)) return [];
  const { pathPart } = splitSuffix(t);
  if (pathPart === '') return []; // "#frag", "?q": the document itself
  const decoded = percentDecode(pathPart);
  if (decoded.includes('\0')) return [];
  const out: PathCandidate[] = [];
  if (options.aliases) {
    for (const [prefix, folder] of Object.entries(options.aliases)) {
      if (decoded.startsWith(prefix)) out.push({ abs: path.resolve(folder, decoded.slice(prefix.length)), alias: prefix });
    }
    if (out.length > 0) return out;
  }
  const dotted = decoded.startsWith('./') || decoded.startsWith('../') || decoded === '.' || decoded === '..';
  if (options.kind === 'template-url' || options.kind === 'template-asset') {
    // The generator's rules: a template path is never relative to the template file (but to the page, a bundle).
    const site = siteOf(fromFile);
    if (dotted) return [{ abs: path.resolve(path.dirname(fromFile), decoded) }];
    if (site && options.kind === 'template-url') out.push(...mountCandidates(decoded, site.templateMounts));
    if (site && options.kind === 'template-asset') {
      for (const dir of site.assets) out.push({ abs: path.join(dir, decoded), assetDir: dir });
    }
    if (!site || options.kind === 'template-asset') out.push({ abs: path.resolve(path.dirname(fromFile), decoded.replace(/^\/+/, '')) });
    for (const w of options.webRoots) out.push({ abs: path.join(path.resolve(w), decoded), webRoot: path.resolve(w) });
    return out;
  }
  if (decoded.startsWith('/')) {
    // In a generator's site, its own URL rules come before the configured web roots (which default to guesses: public/, static/, ".").
    const site = siteOf(fromFile);
    if (site) out.push(...mountCandidates(decoded, site.mounts));
    for (const w of options.webRoots) out.push({ abs: path.join(path.resolve(w), decoded), webRoot: path.resolve(w) });
    return out;
  }
  const bare = !dotted;
  if (bare && (options.kind === 'import' || options.kind === 'require')) return []; // a package specifier
  out.push({ abs: path.resolve(path.dirname(fromFile), decoded) });
  if (bare && (options.kind === 'string' || options.kind === 'manifest')) {
    // Data and front matter of a generator site name files from the site's root (Hugo: static/ and the themes').
    const site = siteOf(fromFile);
    if (site) out.push(...mountCandidates(decoded, site.mounts.length > 0 ? site.mounts : site.templateMounts));
    for (const w of options.webRoots) out.push({ abs: path.join(path.resolve(w), decoded), webRoot: path.resolve(w) });
  }
  return out;
}

/**
 * Absolute path of the file a reference points at, or undefined for external, data:, template,
 * missing or out-of-roots targets. Relative to the file; root-relative ("/img/a.png") through the
 * web roots (the first one that has the file wins); ?query and #hash stripped; %xx decoded.
 */
export function resolveReference(fromFile: string, text: string, options: ResolveOptions): string | undefined {
  return resolveDetailed(fromFile, text, options)?.abs;
}

function resolveDetailed(fromFile: string, text: string, options: ResolveOptions) {
  const exists = options.exists ?? defaultExists;
  for (const c of candidatesInRoots(fromFile, text, options)) if (exists(c.abs)) return c;
  return undefined;
}

/** Whether any candidate path of `text` passes `test` (extractors ask isImage), without the existence check. */
export function someCandidatePath(fromFile: string, text: string, options: ResolveOptions, test: (absPath: string) => boolean): boolean {
  for (const c of candidatesInRoots(fromFile, text, options)) if (test(c.abs)) return true;
  return false;
}

/*
 * Candidate lists depend only on the source file, the path text, its kind, the options' folders and the
 * site's rules: a re-indexed file asks for the same ones again, so they are kept (not whether the files
 * exist: that is asked each time). Dropped when the sites are forgotten (a generator's config changed).
 */
const MAX_REMEMBERED = 50_000;
/** (the options' folders, the source file) → (kind, path text) → candidates. */
const remembered = new Map<string, Map<string, PathCandidate[]>>();
let rememberedCount = 0;
let rememberedFor = -1;
/** The folders of an options object, as a key (the same object is passed for every reference of a file). */
const signatures = new WeakMap<ResolveOptions, string>();
/** The last (folders, source file) asked about: a file asks for all its references in a row, so its map is kept at hand without building the key. */
let last: { signature: string; fromFile: string; key: string; inner: Map<string, PathCandidate[]> } | undefined;

function candidatesInRoots(fromFile: string, text: string, options: ResolveOptions): PathCandidate[] {
  if (rememberedFor !== sitesGeneration()) {
    remembered.clear();
    rememberedCount = 0;
    last = undefined;
    rememberedFor = sitesGeneration();
  }
  let signature = signatures.get(options);
  if (signature === undefined) {
    signature = JSON.stringify([options.roots, options.webRoots, options.aliases ?? null]);
    signatures.set(options, signature);
  }
  let inner: Map<string, PathCandidate[]> | undefined;
  let outer: string;
  if (last !== undefined && last.signature === signature && last.fromFile === fromFile) {
    inner = last.inner;
    outer = last.key;
  } else {
    outer = signature + '\0' + fromFile;
    inner = remembered.get(outer);
    if (!inner) remembered.set(outer, (inner = new Map<string, PathCandidate[]>()));
    last = { signature, fromFile, key: outer, inner };
  }
  const key = (options.kind ?? '') + '\0' + text;
  let found = inner.get(key);
  if (!found) {
    found = candidates(fromFile, text, options).filter((c) => insideRoots(c.abs, options.roots));
    if (++rememberedCount > MAX_REMEMBERED) {
      remembered.clear();
      rememberedCount = 1;
      remembered.set(outer, (inner = new Map<string, PathCandidate[]>()));
      last = { signature, fromFile, key: outer, inner };
    }
    inner.set(key, found);
  }
  return found;
}

// Characters that are escaped in any rewritten path, whatever the old style: they would end the
// path in some host syntax (srcset, unquoted url(), Markdown) or change its meaning (?, #, %).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const ALWAYS = /[\s"'()<>\\?#%\u0000-\u001f\u007f]/g;
// With a percent-encoding author style: everything outside RFC 3986 pchar.
const PCHAR_ESCAPE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g;

function encodePath(p: string, encodeAll: boolean): string {
  const esc = (ch: string) => Array.from(Buffer.from(ch, 'utf8'), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
  const once = p.replace(/[\s\S]/gu, (ch) => {
    ALWAYS.lastIndex = 0;
    PCHAR_ESCAPE.lastIndex = 0;
    if (ALWAYS.test(ch)) return esc(ch);
    if (encodeAll && PCHAR_ESCAPE.test(ch)) return esc(ch);
    return ch;
  });
  return once;
}

/**
 * The public URL of `target` when it lies in a shared library outside the roots (no relative path reaches it
 * on the served site; `evenInsideRoots`: in any library), else undefined. The library's base URL, then the path below the library, encoded.
 */
export function libraryUrl(target: string, options: Pick<ResolveOptions, 'libraries'>, evenInsideRoots = false): string | undefined {
  const library = options.libraries?.find((l) => (evenInsideRoots || !l.insideRoots) && isInside(target, l.dir) && target !== l.dir);
  if (!library) return undefined;
  const below = path.relative(library.dir, target).split(path.sep).join('/');
  return library.url.replace(/\/+$/, '') + '/' + encodePath(below, true);
}

/**
 * New path text that points at newTarget, in the author's style of oldText: relative stays relative
 * (with "./" only if it had it), root-relative stays root-relative (through the same web root if it
 * holds newTarget, else another one, else relative), an alias stays an alias, ?query and #hash are
 * kept, and percent-encoding is applied where the old text used it (spaces, quotes, parentheses,
 * "?", "#" and "%" are always encoded so the result cannot change meaning).
 */
export function rewriteReference(fromFile: string, oldText: string, newTarget: string, options: ResolveOptions): string {
  const t = oldText.trim();
  const { pathPart, suffix } = splitSuffix(t);
  const encodeAll = /%[0-9a-fA-F]{2}/.test(pathPart);
  const target = path.resolve(newTarget);
  const posix = (p: string) => p.split(path.sep).join('/');
  const url = libraryUrl(target, options);
  if (url !== undefined) return url + suffix;
  const old = resolveDetailed(fromFile, t, options);

  if (options.aliases) {
    for (const [prefix, folder] of Object.entries(options.aliases)) {
      if (pathPart.startsWith(prefix) && isInside(target, path.resolve(folder))) {
        return prefix + encodePath(posix(path.relative(path.resolve(folder), target)), encodeAll) + suffix;
      }
    }
  }
  const site =
    old?.mount || old?.assetDir || options.kind === 'template-url' || options.kind === 'template-asset' ? siteOf(fromFile) : undefined;
  if (site) {
    // Stay in the generator's terms: under the mount or asset folder the old path used, else another that holds the target.
    const rooted = pathPart.startsWith('/');
    if (options.kind === 'template-asset' || old?.assetDir) {
      const dirs = old?.assetDir ? [old.assetDir, ...site.assets] : site.assets;
      const dir = dirs.find((d) => isInside(target, d));
      if (dir) return (rooted ? '/' : '') + encodePath(posix(path.relative(dir, target)), encodeAll) + suffix;
    } else {
      const mounts = options.kind === 'template-url' ? site.templateMounts : site.mounts.length > 0 ? site.mounts : site.templateMounts;
      const mount = [old?.mount, ...mounts].find((m): m is Mount => m !== undefined && isInside(target, m.dir));
      if (mount) {
        const url = (mount.url === '/' ? '' : mount.url) + '/' + encodePath(posix(path.relative(mount.dir, target)), encodeAll);
        return (rooted ? url : url.slice(1)) + suffix;
      }
    }
    // The generator does not serve the target under any URL this path could take (Hugo's assets/ for a
    // page link): a path relative to the source file would only look right. Leave it as it is.
    return oldText;
  }
  if (pathPart.startsWith('/')) {
    const webRoots = options.webRoots.map((w) => path.resolve(w));
    const preferred = old?.webRoot && isInside(target, old.webRoot) ? old.webRoot : webRoots.find((w) => isInside(target, w));
    if (preferred) return '/' + encodePath(posix(path.relative(preferred, target)), encodeAll) + suffix;
  }
  let rel = posix(path.relative(path.dirname(path.resolve(fromFile)), target));
  if (pathPart.startsWith('./') && !rel.startsWith('../')) rel = './' + rel;
  return encodePath(rel, encodeAll) + suffix;
}
