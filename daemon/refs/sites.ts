/**
 * Which static-site generator or CMS theme a source file belongs to, and how that generator maps URLs
 * to folders: Hugo serves `static/` (and each theme's `static/`) at the site root and reads `assets/`
 * through `resources.Get`; Jekyll serves its source folder (under `baseurl`); Eleventy its input folder
 * and passthrough copies; a Drupal or WordPress theme is served under a prefix the template writes
 * (`{{ directory }}`, `get_template_directory_uri()`); Rails serves `public/` and compiles
 * `app/assets/images`. Detected from marker files by walking up from the source file, cached per folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Generator = 'hugo' | 'jekyll' | 'eleventy' | 'drupal' | 'wordpress' | 'rails';

/** A URL prefix ("/", "/blog", "/img") served from a folder. */
export interface Mount {
  url: string;
  dir: string;
}

export interface Site {
  generator: Generator;
  /** The folder holding the marker (hugo.toml, _config.yml, .eleventy.js, x.info.yml, style.css, config/application.rb). */
  root: string;
  /** Where a root-relative path written in this site ("/img/a.png") is served from. */
  mounts: Mount[];
  /** Where a path after a generator URL prefix or given to a URL filter is served from (`{{ site.baseurl }}/…`, `| relURL`, `get_template_directory_uri() . '/…'`). */
  templateMounts: Mount[];
  /** Folders an asset pipeline reads names from (Hugo `resources.Get`, Rails `image_tag`, Eleventy `{% image %}`). */
  assets: string[];
}

const cache = new Map<string, Site | null>();
let generation = 0;

/** Forgets what was detected (a generator's config changed). */
export function forgetSites(): void {
  cache.clear();
  generation++;
}

/** Changes each time the sites are forgotten: what was derived from them (candidate paths) is stale. */
export function sitesGeneration(): number {
  return generation;
}

const isFile = (p: string) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};
const readHead = (p: string, bytes = 16384): string => {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      const n = fs.readSync(fd, buf, 0, bytes, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
};
const subdirs = (p: string): string[] => {
  try {
    return fs
      .readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(p, d.name))
      .sort();
  } catch {
    return [];
  }
};
const trimSlashes = (u: string) => '/' + u.replace(/^\/+|\/+$/g, '');

/** The configuration files each generator is detected by (and that change how its paths resolve). */
const HUGO_CONFIGS = ['hugo.toml', 'hugo.yaml', 'hugo.yml', 'hugo.json'];
const HUGO_LEGACY_CONFIGS = ['config.toml', 'config.yaml', 'config.yml'];
const JEKYLL_CONFIGS = ['_config.yml', '_config.yaml'];
const ELEVENTY_CONFIGS = [
  '.eleventy.js',
  '.eleventy.cjs',
  '.eleventy.mjs',
  'eleventy.config.js',
  'eleventy.config.cjs',
  'eleventy.config.mjs',
  'eleventy.config.ts',
];
/** A WordPress theme's header and a Rails app's config. */
const THEME_AND_APP_CONFIGS = ['style.css', 'application.rb'];

const SITE_CONFIG_NAMES = new Set([
  ...HUGO_CONFIGS,
  ...HUGO_LEGACY_CONFIGS,
  ...JEKYLL_CONFIGS,
  ...ELEVENTY_CONFIGS,
  ...THEME_AND_APP_CONFIGS,
]);

/** Whether a file's name is one a site's rules are read from: a change to it may move where paths resolve. */
export function isSiteConfigName(name: string): boolean {
  return SITE_CONFIG_NAMES.has(name) || name.endsWith('.info.yml') || name.endsWith('.libraries.yml');
}

function hugo(dir: string): Site | undefined {
  let config = HUGO_CONFIGS.map((c) => path.join(dir, c)).find(isFile);
  if (!config) {
    const legacy = HUGO_LEGACY_CONFIGS.map((c) => path.join(dir, c)).find(isFile);
    if (legacy && (isDir(path.join(dir, 'layouts')) || isDir(path.join(dir, 'themes'))) && !isFile(path.join(dir, '_config.yml')))
      config = legacy;
  }
  if (!config) return undefined;
  const text = readHead(config);
  const themeName = /^\s*theme\s*[=:]\s*["']?([\w.-]+)/m.exec(text)?.[1];
  // The configured theme first (its files win over other themes' in Hugo's union file system), the site's own files before any theme's.
  const themes = subdirs(path.join(dir, 'themes')).sort(
    (a, b) => Number(path.basename(b) === themeName) - Number(path.basename(a) === themeName),
  );
  const staticDir = /^\s*staticDir\s*[=:]\s*["']?([\w./-]+)/m.exec(text)?.[1] ?? 'static';
  const statics = [path.join(dir, staticDir), ...themes.map((t) => path.join(t, 'static'))];
  const mounts = statics.map((d) => ({ url: '/', dir: d }));
  return {
    generator: 'hugo',
    root: dir,
    mounts,
    templateMounts: mounts,
    assets: [path.join(dir, 'assets'), ...themes.map((t) => path.join(t, 'assets'))],
  };
}

function jekyll(dir: string): Site | undefined {
  const config = JEKYLL_CONFIGS.map((c) => path.join(dir, c)).find(isFile);
  if (!config) return undefined;
  const text = readHead(config);
  const source = /^source\s*:\s*["']?([^"'\s#]+)/m.exec(text)?.[1];
  const root = source ? path.resolve(dir, source) : dir;
  const baseurl = /^baseurl\s*:\s*["']?([^"'\s#]*)/m.exec(text)?.[1] ?? '';
  // Pages write either "{{ site.baseurl }}/x" (the prefix is the template's) or the prefix literally ("/blog/x").
  const mounts: Mount[] = [{ url: '/', dir: root }];
  if (baseurl !== '' && baseurl !== '/') mounts.unshift({ url: trimSlashes(baseurl), dir: root });
  return { generator: 'jekyll', root: dir, mounts, templateMounts: [{ url: '/', dir: root }], assets: [root] };
}

/** Eleventy: input folder and passthrough copies, read from the config's source text (it is code: not run). */
function eleventy(dir: string): Site | undefined {
  const config = ELEVENTY_CONFIGS.map((c) => path.join(dir, c)).find(isFile);
  if (!config) return undefined;
  const text = readHead(config, 65536);
  const input = /\binput\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1] ?? '.';
  const inputDir = path.resolve(dir, input);
  const mounts: Mount[] = [];
  const outputOf = (from: string): string => {
    const abs = path.resolve(dir, from);
    const rel = path.relative(inputDir, abs);
    return trimSlashes(rel.startsWith('..') || path.isAbsolute(rel) ? from : rel.split(path.sep).join('/'));
  };
  const literal = /["'`]([^"'`]+)["'`]/;
  for (const m of text.matchAll(/addPassthroughCopy\s*\(\s*(\{[^}]*\}|["'`][^"'`]+["'`])/g)) {
    const arg = m[1];
    if (arg.startsWith('{')) {
      for (const pair of arg.matchAll(/["'`]([^"'`]+)["'`]\s*:\s*["'`]([^"'`]*)["'`]/g)) {
        if (!/[*{]/.test(pair[1])) mounts.push({ url: trimSlashes(pair[2]), dir: path.resolve(dir, pair[1]) });
      }
    } else {
      const from = literal.exec(arg)?.[1];
      if (from && !/[*{]/.test(from)) mounts.push({ url: outputOf(from), dir: path.resolve(dir, from) });
    }
  }
  // Globbed passthroughs ("**/*.jpg") and images next to pages are written where they sit in the input folder.
  mounts.push({ url: '/', dir: inputDir });
  return { generator: 'eleventy', root: dir, mounts, templateMounts: mounts, assets: [dir, inputDir] };
}

function drupal(dir: string): Site | undefined {
  const info = path.join(dir, `${path.basename(dir)}.info.yml`);
  if (!isFile(info)) return undefined;
  // Paths after "{{ directory }}" / "{{ base_path ~ directory }}" are the theme's (or module's) own.
  return { generator: 'drupal', root: dir, mounts: [], templateMounts: [{ url: '/', dir }], assets: [dir] };
}

function wordpress(dir: string): Site | undefined {
  const style = path.join(dir, 'style.css');
  if (!isFile(style)) return undefined;
  const head = readHead(style, 8192);
  if (!/Theme Name\s*:/i.test(head)) return undefined;
  // A child theme: get_template_directory_uri() is the parent's folder, get_stylesheet_directory_uri() the child's;
  // both are tried, the child first (get_theme_file_uri() does the same).
  const parent = /^\s*\*?\s*Template\s*:\s*([\w.-]+)/im.exec(head)?.[1];
  const templateMounts: Mount[] = [{ url: '/', dir }];
  if (parent && isDir(path.join(dir, '..', parent))) templateMounts.push({ url: '/', dir: path.resolve(dir, '..', parent) });
  return { generator: 'wordpress', root: dir, mounts: [], templateMounts, assets: templateMounts.map((m) => m.dir) };
}

function rails(dir: string): Site | undefined {
  if (!isFile(path.join(dir, 'config', 'application.rb'))) return undefined;
  const pub = [{ url: '/', dir: path.join(dir, 'public') }];
  return {
    generator: 'rails',
    root: dir,
    mounts: pub,
    templateMounts: pub,
    assets: ['app/assets/images', 'app/assets', 'vendor/assets/images', 'public'].map((p) => path.join(dir, p)),
  };
}

const DETECTORS = [hugo, jekyll, eleventy, drupal, wordpress, rails];

/** The nearest generator site or theme holding this file, if any. */
export function siteOf(filePath: string): Site | undefined {
  const seen: string[] = [];
  let dir = path.dirname(path.resolve(filePath));
  let found: Site | null = null;
  for (;;) {
    const known = cache.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    seen.push(dir);
    for (const detect of DETECTORS) {
      const site = detect(dir);
      if (site) {
        found = site;
        break;
      }
    }
    if (found) break;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of seen) cache.set(d, found);
  return found ?? undefined;
}
