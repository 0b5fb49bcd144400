/**
 * `path.relative` with `/` separators, fast for the common case of a path inside the base folder: a slice
 * instead of resolving both paths (path.relative allocated ~1 KB per call: 100 MB of garbage per 100 000
 * images, which the old generation kept until late, raising the scan's peak RSS).
 */
import * as path from 'node:path';

/** A segment that path.relative would rewrite: empty (doubled separator, trailing one), '.' or '..'. */
const UNUSUAL = /(^|[\\/])\.{0,2}([\\/]|$)/;

const SEP = path.sep.charCodeAt(0);
let checkedBase: string | undefined;

function normalBase(base: string): boolean {
  if (base === checkedBase) return true;
  if (!path.isAbsolute(base) || base !== path.resolve(base) || base.endsWith(path.sep)) return false;
  checkedBase = base;
  return true;
}

/** `path.relative(base, absolute)` with `/` separators (empty when they are the same). */
export function relativePosix(base: string, absolute: string): string {
  if (absolute.length > base.length + 1 && absolute.charCodeAt(base.length) === SEP && absolute.startsWith(base) && normalBase(base)) {
    const rest = absolute.slice(base.length + 1);
    if (!UNUSUAL.test(rest)) return path.sep === '/' ? rest : rest.split(path.sep).join('/');
  }
  const relative = path.relative(base, absolute);
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

/** A path with `/` separators, whatever the platform's. */
export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}
