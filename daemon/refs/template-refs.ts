/**
 * The template layer of a source file: finds the tags (template-lexer.ts), reads the image paths their
 * expressions name with each generator's rules, and hides the tags from the host-language extractor
 * (HTML, Markdown, CSS) by blanking them, so the plain references around a tag are still read.
 *
 * What an expression names:
 *   - a string given to a URL filter or function (`| url`, `| relative_url`, `relURL`, `get_theme_file_uri(…)`)
 *     or appended to a site prefix (`get_template_directory_uri() . '/images/x.png'`, `directory ~ '/x.png'`):
 *     kind 'template-url', served from the site's template mounts;
 *   - a string given to an asset pipeline (`resources.Get`, `image_tag`, `{% image "…" %}`): 'template-asset';
 *   - any other string with an image extension (include and shortcode parameters): 'string', counted when it
 *     resolves to an image, else an unresolved mention;
 *   - a string joined to a variable (`"icons/" ~ name ~ ".svg"`): an unresolved mention with pattern "icons/*.svg".
 * A prefix tag on its own (`{{ site.baseurl }}`, `<?php echo get_template_directory_uri(); ?>`,
 * `{{ base_path ~ directory }}`) makes the path written right after it a 'template-url'.
 */
import * as path from 'node:path';
import type { Candidate } from './types';
import { lexTemplate, mayHaveTags, stringsOf, type Dialect, type TemplateTag } from './template-lexer';
import { hasImageExtension } from './paths';
import type { Site } from './sites';

export interface TemplateLayer {
  tags: TemplateTag[];
  /** The text with every tag replaced by spaces (line breaks kept), for the host-language extractor. */
  blanked: string;
  /** Candidates read from the tags' expressions. */
  candidates: Candidate[];
  /** End offsets of tags that print a site prefix: a path starting there is a 'template-url'. */
  prefixEnds: Set<number>;
  /** Start offsets of tags whose paths were all read (a host reference around them is not unresolved). */
  understood: Set<number>;
  /** Expressions that may name an image but cannot be resolved statically. */
  dynamic: { start: number; end: number; pattern?: string; reason: string }[];
}

const BY_EXT: Record<string, Dialect> = {
  php: 'php',
  phtml: 'php',
  erb: 'erb',
  ejs: 'erb',
  twig: 'twig',
  njk: 'nunjucks',
  nunjucks: 'nunjucks',
  liquid: 'liquid',
  hbs: 'handlebars',
  handlebars: 'handlebars',
  mustache: 'handlebars',
};
const SITE_DIALECT: Record<Site['generator'], Dialect> = {
  hugo: 'go',
  jekyll: 'liquid',
  eleventy: 'nunjucks',
  drupal: 'twig',
  wordpress: 'php',
  rails: 'erb',
};

/** The template dialect of a file, from its extension, else from the generator of its site; undefined for plain files of other kinds. */
export function dialectOf(filePath: string, site: Site | undefined, hostIsMarkup: boolean): Dialect | undefined {
  const base = path.basename(filePath).toLowerCase();
  const ext = base.slice(base.lastIndexOf('.') + 1);
  const byExt = BY_EXT[ext];
  if (byExt) return byExt;
  if (site && (site.generator === 'hugo' || site.generator === 'jekyll' || site.generator === 'eleventy'))
    return SITE_DIALECT[site.generator];
  return hostIsMarkup ? 'generic' : undefined;
}

// Prefix atoms: expressions that print the URL of the site or theme folder.
const PREFIX_ATOMS = [
  /^site\.(baseurl|url)$/,
  /^site\.github\.url$/,
  /^(\$?\.)?Site\.BaseURL$/,
  /^site\.BaseURL$/,
  /^\.?Site\.Home\.RelPermalink$/,
  /^base_path$/,
  /^directory$/,
  /^base_url$/,
  /^theme_path$/,
  /^active_theme_path\(\)$/,
  /^url\(["']<front>["']\)$/,
  /^get_(template|stylesheet)_directory_uri\(\)$/,
  /^get_theme_file_uri\(\)$/,
  /^get_bloginfo\(["'](template_(directory|url)|stylesheet_directory|url|wpurl)["']\)$/,
  /^bloginfo\(["'](template_(directory|url)|stylesheet_directory|url|wpurl)["']\)$/,
  /^home_url\(\)$/,
  /^site_url\(\)$/,
  /^["']\/?["']\|(url|relative_url|absolute_url|relURL|absURL)$/,
  /^(relURL|absURL)["']\/?["']$/,
  /^@site\.url$/,
  /^root_path$/,
  /^root_url$/,
];
const WRAPPERS = /^(echo|print|esc_url|esc_attr|esc_html|trailingslashit|untrailingslashit|raw|safe)\b\(?/;

/** Is this code (a whole tag, or the left side of a concatenation) a site prefix, possibly a chain of them? */
// Every prefix atom names one of these: a cheap test before the regular expressions.
const PREFIX_WORDS = /baseurl|BaseURL|base_path|directory|base_url|theme_path|_uri|bloginfo|url|URL|Permalink|root_/;

// All atoms in one expression: one test instead of one per atom (every atom is anchored ^…$).
const ANY_PREFIX_ATOM = new RegExp('^(?:' + PREFIX_ATOMS.map((re) => re.source.slice(1, -1)).join('|') + ')$');

// A template writes the same few prefix tags over and over (`<?php echo get_template_directory_uri(); ?>`).
const prefixVerdicts = new Map<string, boolean>();

function isPrefix(code: string): boolean {
  if (!PREFIX_WORDS.test(code)) return false;
  let verdict = prefixVerdicts.get(code);
  if (verdict === undefined) {
    verdict = readsAsPrefix(code);
    if (prefixVerdicts.size >= 10_000) prefixVerdicts.clear();
    prefixVerdicts.set(code, verdict);
  }
  return verdict;
}

function readsAsPrefix(code: string): boolean {
  let c = code
    .trim()
    .replace(/^(echo|print|return)\s+/, '')
    .replace(/\s+/g, '')
    .replace(/;+$/, '');
  for (let k = 0; k < 4; k++) {
    const m = WRAPPERS.exec(c);
    if (!m) break;
    c = c.slice(m[0].length);
    if (m[0].endsWith('(') && c.endsWith(')')) c = c.slice(0, -1);
  }
  c = c.replace(/\|(raw|safe|escape|e|escape\(['"]\w+['"]\))$/, '');
  if (c === '') return false;
  return (
    c.split(/~|\.(?=[a-z_$])(?![a-z_]+\()|\+|\|prepend:|\|append:/).every((part) => part !== '' && ANY_PREFIX_ATOM.test(part)) ||
    ANY_PREFIX_ATOM.test(c)
  );
}

const URL_FILTER_AFTER = /^\s*\|\s*(url|relative_url|absolute_url|relURL|absURL|relLangURL|absLangURL|asset_url|theme_url|file_url)\b/;
const URL_FUNC_BEFORE = /\b(relURL|absURL|relLangURL|absLangURL|get_theme_file_uri|get_parent_theme_file_uri|file_url|url_for)\s*\(?\s*$/;
const ASSET_FUNC_BEFORE =
  /(\bresources\.Get(Match)?|\bimage_tag|\bimage_path|\bimage_url|\basset_path|\basset_url|\bfavicon_link_tag|\bimage_pack_tag|\basset)\s*\(?\s*$/;
/**
 * An asset helper whose argument is not a literal (`<%= image_tag @user.avatar %>`, `resources.Get $path`):
 * the image it names is known only when the page is rendered. A helper given a string is read above.
 */
const ASSET_CALL_OF_VALUE =
  /(\bresources\.Get(?:Match)?|\bimage_tag|\bimage_path|\bimage_url|\basset_path|\basset_url|\bfavicon_link_tag|\bimage_pack_tag)(?:\s*\(\s*|\s+)(?=[^\s"'`()])/;
/** Eleventy and Nunjucks/Liquid image shortcodes: `{% image "src", "alt" %}`. */
const IMAGE_SHORTCODE = /^\s*(image|img|picture|responsiveImage|respimg|figure|eleventyImage)\s*\(?\s*$/;
// "." joins strings in PHP only (elsewhere it reads a field: Go's .name, Liquid's site.x).
const CONCAT_BEFORE = /(~|\+|\|\s*append\s*:|\|\s*prepend\s*:)\s*$/;
const CONCAT_AFTER = /^\s*(~|\+|\|\s*append\s*:|\|\s*prepend\s*:)\s*(["'`]?)/;
const PHP_CONCAT_BEFORE = /(\.|\+)\s*$/;
const PHP_CONCAT_AFTER = /^\s*(\.|\+)\s*(["'`]?)/;

/** The left operand of a concatenation that ends at `end` (back to the previous "(", ",", "=", "{" or the tag start). */
function leftOperand(code: string): string {
  let depth = 0;
  for (let k = code.length - 1; k >= 0; k--) {
    const ch = code[k];
    if (ch === ')') depth++;
    else if (ch === '(') {
      if (depth === 0) return code.slice(k + 1);
      depth--;
    } else if (depth === 0 && (ch === ',' || ch === '=' || ch === '{' || ch === ';')) return code.slice(k + 1);
  }
  return code.replace(/^\s*(echo|print|return)\b/, '');
}

/** Filler of a blanked tag in Markdown where a space would change the block structure; trimmed like whitespace. */
export const ZERO_WIDTH = '\u200b';

const looksLikePath = (v: string) => v.length > 0 && v.length < 1024 && !/[\s<>{}]/.test(v) && (hasImageExtension(v) || v.includes('/'));

/** Reads the template tags of a text. Returns undefined when the text has no tag. */
export function readTemplate(text: string, dialect: Dialect, markdown = false): TemplateLayer | undefined {
  if (!mayHaveTags(text, dialect)) return undefined;
  const tags = lexTemplate(text, dialect);
  if (tags.length === 0) return undefined;
  const layer: TemplateLayer = {
    tags,
    blanked: blankTags(text, tags, markdown),
    candidates: [],
    prefixEnds: new Set(),
    understood: new Set(),
    dynamic: [],
  };
  for (const tag of tags) {
    if (tag.type === 'comment') continue;
    const code = text.slice(tag.innerStart, tag.innerEnd);
    if (isPrefix(code)) {
      layer.prefixEnds.add(tag.end);
      layer.understood.add(tag.start);
      continue;
    }
    const strings = stringsOf(text, tag, dialect);
    let allRead = true;
    let chainOpen = false;
    const before0 = layer.candidates.length;
    for (let s = 0; s < strings.length; s++) {
      const lit = strings[s];
      const v = lit.value;
      const before = text.slice(s > 0 ? strings[s - 1].end + 1 : tag.innerStart, lit.start - 1);
      const after = text.slice(lit.end + 1, s + 1 < strings.length ? strings[s + 1].start - 1 : tag.innerEnd);
      const concatBefore = (dialect === 'php' ? PHP_CONCAT_BEFORE : CONCAT_BEFORE).exec(before);
      const concatAfter = (dialect === 'php' ? PHP_CONCAT_AFTER : CONCAT_AFTER).exec(after);
      let prefixed = false;
      let dynamicBefore = false;
      if (concatBefore) {
        // The code before the literal, back to the tag's start (sliced only here: most literals are not joined).
        const left = leftOperand(text.slice(tag.innerStart, lit.start - 1 - concatBefore[0].length));
        if (isPrefix(left)) prefixed = true;
        else if (!/["'`]\s*$/.test(left)) dynamicBefore = true;
      }
      const dynamicAfter = !!concatAfter && concatAfter[2] === '' && !/^\s*\|\s*(append|prepend)\s*:\s*["'`]/.test(after);
      if (dynamicBefore || dynamicAfter) {
        if (looksLikePath(v) || /^\.\w+$/.test(v)) {
          // One chain "a" ~ x ~ "b": one pattern "a*b" (joined to the previous literal's pattern when they touch).
          // Located at the literals of the chain ('/images/icons/' . $service . '.png'), not the whole tag (a PHP file is one).
          const piece = (dynamicBefore ? '*' : '') + v + (dynamicAfter ? '*' : '');
          const last = layer.dynamic[layer.dynamic.length - 1];
          if (last && chainOpen && dynamicBefore && last.pattern?.endsWith('*')) {
            last.pattern = last.pattern + piece.slice(1);
            last.end = lit.end + 1;
          } else
            layer.dynamic.push({
              start: lit.start - 1,
              end: lit.end + 1,
              pattern: piece,
              reason: 'a path joined to a value known only when the site is built',
            });
          chainOpen = dynamicAfter;
          allRead = false;
        }
        continue;
      }
      chainOpen = false;
      let kind: Candidate['kind'] | undefined;
      if (prefixed || URL_FILTER_AFTER.test(after) || URL_FUNC_BEFORE.test(before)) kind = 'template-url';
      else if (ASSET_FUNC_BEFORE.test(before) || (tag.type === 'block' && s === 0 && IMAGE_SHORTCODE.test(before))) kind = 'template-asset';
      if (kind) {
        if (!looksLikePath(v) && !hasImageExtension(v)) continue;
        layer.candidates.push({
          start: lit.start,
          end: lit.end,
          value: v,
          kind,
          strength: hasImageExtension(v) ? 'strong' : 'weak',
          template: true,
        });
      } else if (hasImageExtension(v) && looksLikePath(v)) {
        layer.candidates.push({ start: lit.start, end: lit.end, value: v, kind: 'string', strength: 'weak', template: true });
      }
    }
    // A helper of an asset pipeline given a value, not a literal: a mention with no literal part (mentions.ts
    // decides what it may name from where the value can come).
    if (ASSET_CALL_OF_VALUE.test(code)) {
      layer.dynamic.push({ start: tag.start, end: tag.end, reason: 'an asset helper given a value known only when the page is rendered' });
      allRead = false;
    }
    // Understood: every path in it was read (a host reference around it, src="{{ 'a.png' | url }}", is that one).
    if (allRead && layer.candidates.length > before0) layer.understood.add(tag.start);
  }
  return layer;
}

/**
 * Replaces each tag by spaces, keeping line breaks (so offsets and line numbers stay those of the file).
 * In Markdown, a tag that starts a line with text after it is filled with zero-width spaces instead:
 * spaces would indent the rest of the line into a code block (`{{% note %}}![x](a.png)`).
 */
function blankTags(text: string, tags: TemplateTag[], markdown: boolean): string {
  const parts: string[] = [];
  let at = 0;
  let nl = text.indexOf('\n');
  let cr = text.indexOf('\r');
  for (const t of tags) {
    let fill = ' ';
    if (markdown) {
      const lineStart = Math.max(text.lastIndexOf('\n', t.start - 1), text.lastIndexOf('\r', t.start - 1)) + 1;
      const eol = text.slice(t.end).search(/[\r\n]|$/);
      if (/^[ \t]*$/.test(text.slice(lineStart, t.start)) && /\S/.test(text.slice(t.end, t.end + eol))) fill = ZERO_WIDTH;
    }
    parts.push(text.slice(at, t.start));
    // The next line break at or after the tag (tags are in order: each search starts where the last one stopped).
    if (nl >= 0 && nl < t.start) nl = text.indexOf('\n', t.start);
    if (cr >= 0 && cr < t.start) cr = text.indexOf('\r', t.start);
    if ((nl >= 0 && nl < t.end) || (cr >= 0 && cr < t.end)) parts.push(text.slice(t.start, t.end).replace(/[^\r\n]/g, fill));
    else parts.push(filler(fill, t.end - t.start));
    at = t.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

const FILLERS: Record<string, string> = { ' ': ' '.repeat(256), [ZERO_WIDTH]: ZERO_WIDTH.repeat(256) };

/** `fill` repeated n times (tags are short: a slice of a prepared run, not a new string each time). */
function filler(fill: string, n: number): string {
  const run = FILLERS[fill];
  return n <= run.length ? run.slice(0, n) : fill.repeat(n);
}
