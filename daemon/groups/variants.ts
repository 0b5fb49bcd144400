/**
 * Variants by convention: files that are the same graphic on purpose, at another resolution or size, so
 * they belong together in a group (a user wants to see them) but are not duplicates to fix — never
 * proposed by `replace`, never failing `check`, never an editor diagnostic.
 *
 * Two sources: how they are named (`logo@2x.png` beside `logo.png`; `-2x`, `_2x`, `@3x`; a favicon,
 * apple-touch-icon, mstile or android-chrome set), and how they are referenced together (one srcset or
 * <picture>, one image-set(), a rule and its copy under a resolution media query, one web-manifest
 * `icons` list, the icon links of one page: daemon/refstore variantSets).
 */
import * as path from 'node:path';

/** Files referenced together on purpose, and why (e.g. "srcset or <picture>", "image-set()"). */
export interface DeclaredVariants {
  paths: string[];
  reason: string;
}

const DENSITY = /^(.*?)(?:@|[-_])([1-4](?:\.\d)?)x$/i;
const ICON_SET =
  /^(favicon|apple-touch-icon|apple-icon|android-chrome|android-icon|mstile|ms-icon|icon|safari-pinned-tab|touch-icon|pwa|maskable)(?:[-_.@]?\w*)?$/i;

function stemOf(file: string): { dir: string; stem: string; density?: string; ext: string } {
  const ext = path.extname(file).toLowerCase();
  const base = path.basename(file, path.extname(file));
  const m = DENSITY.exec(base);
  return { dir: path.dirname(file), stem: m ? m[1] : base, density: m ? m[2] : undefined, ext };
}

/** What variant detection knows of a file. */
export interface VariantFile {
  path: string;
  sha256?: string;
  width?: number;
  height?: number;
}

/** The naming convention that makes `b` a variant of `a`, if any (an icon set only when the sizes differ, if known). */
export function conventionVariant(a: string, b: string, sizesDiffer = true): string | undefined {
  const x = stemOf(a);
  const y = stemOf(b);
  if (x.dir !== y.dir) return undefined;
  if (x.stem === y.stem && (x.density ?? '1') !== (y.density ?? '1')) {
    return `resolution variant (${y.density ? '@' + y.density + 'x' : '1x'} of ${path.basename(a)})`;
  }
  const na = path.basename(a, path.extname(a));
  const nb = path.basename(b, path.extname(b));
  if (na !== nb && sizesDiffer && ICON_SET.test(na) && ICON_SET.test(nb)) return 'favicon / app icon set';
  return undefined;
}

/** Looks up why one file is a variant of another, from names and from declared sets. */
export class VariantIndex {
  private readonly declared = new Map<string, Array<{ set: number; reason: string }>>();

  constructor(sets: DeclaredVariants[] = []) {
    sets.forEach((s, i) => {
      for (const p of s.paths) {
        const list = this.declared.get(p);
        const entry = { set: i, reason: s.reason };
        if (list) list.push(entry);
        else this.declared.set(p, [entry]);
      }
    });
  }

  /**
   * Why `member` is a variant of `canonical`, or undefined when it is a duplicate. The same bytes under
   * two names are a duplicate whatever the names or the references say.
   */
  reason(canonical: VariantFile, member: VariantFile): string | undefined {
    if (canonical.path === member.path) return undefined;
    if (canonical.sha256 !== undefined && canonical.sha256 === member.sha256) return undefined;
    const a = this.declared.get(canonical.path);
    const b = this.declared.get(member.path);
    if (a && b) {
      for (const x of a) {
        const hit = b.find((y) => y.set === x.set);
        if (hit) return `referenced together in ${hit.reason}`;
      }
    }
    const sizesDiffer =
      canonical.width === undefined || member.width === undefined || canonical.width !== member.width || canonical.height !== member.height;
    return conventionVariant(canonical.path, member.path, sizesDiffer);
  }
}
