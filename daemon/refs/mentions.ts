import * as path from 'node:path';
import type { UnresolvedMention } from './types';

/** A glob over one path segment ("*" for any run of characters but "/"), case-sensitive like web servers. */
function segmentMatches(glob: string, name: string): boolean {
  const re = new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
  return re.test(name);
}

/**
 * Whether an unresolved template mention may name this image: its pattern's last segment matches the
 * file name, and its literal folders (those without "*") end the image's folder path. A mention without
 * a pattern names nothing in particular and blocks nothing (it is shown in the plan).
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
