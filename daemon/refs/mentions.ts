import * as path from 'node:path';
import type { UnresolvedMention } from './types';
import { siteOf } from './sites';

/** A glob over one path segment ("*" for any run of characters but "/"), case-sensitive like web servers. */
function segmentMatches(glob: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      glob
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*') +
      '$',
  );
  return re.test(name);
}

/**
 * What a template expression with no literal part (`{{ .Params.image }}`, `<?php echo $img; ?>` in a src)
 * may name, from where its values can come:
 *   - in a static generator's site (Hugo, Jekyll, Eleventy) every value comes from the site's own files
 *     (front matter, data files, include parameters, config): those are read for references, and every file
 *     under the roots is searched for the name of each image before it is removed (daemon/replace/mentions.ts).
 *     The expression adds nothing to what those find: `undefined`, it blocks nothing by itself;
 *   - anywhere else (a Drupal or WordPress theme, a Rails or PHP app, a template with no known generator) the
 *     value may come from a database or a request at run time, which no scan reads: it may name any image the
 *     theme or app serves. The folder returned (the theme's or app's, or "/" when there is no generator: any
 *     image) is where images are kept while the expression exists.
 */
export function runtimeScopeOf(source: string): string | undefined {
  const site = siteOf(source);
  if (site && (site.generator === 'hugo' || site.generator === 'jekyll' || site.generator === 'eleventy')) return undefined;
  return site ? site.root : path.parse(path.resolve(source)).root;
}

/** Whether a mention without a pattern, written in `source`, may name this image (runtimeScopeOf). */
export function literalLessMayName(source: string, imagePath: string): boolean {
  const scope = runtimeScopeOf(source);
  if (scope === undefined) return false;
  const image = path.resolve(imagePath);
  return image === scope || image.startsWith(scope.endsWith(path.sep) ? scope : scope + path.sep);
}

/**
 * Whether an unresolved template mention may name this image: its pattern's last segment matches the
 * file name, and its literal folders (those without "*") end the image's folder path. A mention without
 * a pattern is decided by literalLessMayName, which needs the source file.
 */
export function mentionMayName(mention: Pick<UnresolvedMention, 'pattern'>, imagePath: string): boolean {
  const pattern = mention.pattern;
  if (!pattern) return false;
  const clean = pattern.split(/[?#]/)[0].replace(/\\/g, '/');
  const segments = clean.split('/').filter((s) => s !== '' && s !== '.');
  const last = segments.pop();
  if (last === undefined || last === '*') return false;
  const file = path.basename(imagePath);
  if (!segmentMatches(last, file)) return false;
  // Folders: the literal tail of the pattern's folders (after its last "*" or "..") must end the image's folder.
  const folders: string[] = [];
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (s.includes('*') || s === '..') break;
    folders.unshift(s);
  }
  if (folders.length === 0) return true;
  const dir = path.dirname(path.resolve(imagePath)).split(path.sep).join('/');
  return dir.endsWith('/' + folders.join('/'));
}
