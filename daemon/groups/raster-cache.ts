/**
 * Rasters of contents, decoded on demand from a file holding each and kept for the most recently used
 * contents, bounded by their bytes rather than their number: a photo's detail raster is 512×384×4 = 786 KB,
 * an icon's a few KB, so a count bound either wastes memory on photos or hits nothing on icons. A content's
 * candidates are mostly verified while it is recent (newcomers in path order), so a small window keeps most
 * hits. Three kinds are kept this way: detail rasters (hash/detail-raster.ts), exact pixels (the local-edit
 * check of two lossless screenshots of one size, hash/local-edit.ts) and fine rasters (the replaced-content
 * check of two partly drawn lossy pictures, hash/replaced-content.ts).
 */
import { decodeDetail, decodeExact, decodeFine, type DecodeOptions, type DetailRaster, type ExactRaster, type GreyRaster } from '../hash';
import { ReaderPool } from '../scan/scanner';

/**
 * Bytes of detail rasters kept. 48 photo rasters (38 MB, the former count bound) held up to a tenth of the
 * photo scan's peak RSS; 16 MB is 20 photo rasters or thousands of icons.
 */
export const DETAIL_CACHE_BYTES = 16 << 20;

/**
 * Bytes of exact pixels kept: two 1 800×1 100 screenshots. A newcomer is checked against each of its
 * candidates in turn, so its own pixels are the ones asked for again (spinnaker.io: one dialog in five checks).
 */
export const EXACT_CACHE_BYTES = 16 << 20;

/** Undefined when the file cannot be read or decoded any more. */
export function detailCache(maxPixels: number, budget: number = DETAIL_CACHE_BYTES): RasterCache<DetailRaster> {
  return rasterCache((bytes) => decodeDetail(bytes, maxPixels), budget);
}

/**
 * Bytes of fine rasters kept: five 1 024×768 grey photos. Like exact pixels, a newcomer's own raster is the one
 * asked for again, once per candidate.
 */
export const FINE_CACHE_BYTES = 4 << 20;

/** Undefined when the file cannot be read or decoded any more (or is an SVG: it has no fine raster). */
export function fineCache(maxPixels: number, budget: number = FINE_CACHE_BYTES): RasterCache<GreyRaster> {
  return rasterCache((bytes) => decodeFine(bytes, maxPixels), budget);
}

/**
 * Undefined when the file cannot be read or decoded any more. At the size the local-edit check compares them
 * (decodeExact): a 5K capture is kept at 19 MB, not 75.
 */
export function exactCache(limits: DecodeOptions, budget: number = EXACT_CACHE_BYTES): RasterCache<ExactRaster> {
  return rasterCache((bytes) => decodeExact(bytes, limits), budget);
}

/**
 * A content's raster by its sha256 and a file holding it; undefined when the file cannot be read or decoded
 * any more. `clear` drops every raster kept: a daemon calls it when a batch of changes is grouped, so that
 * an idle daemon holds no pixels.
 */
export type RasterCache<R> = ((sha: string, file: string) => Promise<R | undefined>) & { clear(): void };

interface Entry<R> {
  raster: Promise<R | undefined>;
  /** Charged once decoded: the decodes in flight are the verifier's two at most. */
  bytes: number;
}

function rasterCache<R extends { rgba: Uint8Array } | { luma: Uint8Array }>(
  decode: (bytes: Buffer) => Promise<R>,
  budget: number,
): RasterCache<R> {
  const cache = new Map<string, Entry<R>>(); // in order of last use
  let held = 0;
  const readers = new ReaderPool();
  const evict = (): void => {
    // The entry just used is last: it stays even alone over the budget.
    for (const [sha, entry] of cache) {
      if (held <= budget || cache.size <= 1) break;
      cache.delete(sha);
      held -= entry.bytes;
    }
  };
  const get = (sha: string, file: string): Promise<R | undefined> => {
    let entry = cache.get(sha);
    if (entry) cache.delete(sha);
    else {
      const created: Entry<R> = { raster: Promise.resolve(undefined), bytes: 0 };
      created.raster = readers
        .withBytes(file, decode)
        .catch(() => undefined)
        .then((raster) => {
          const bytes = raster ? ('rgba' in raster ? raster.rgba : raster.luma).byteLength : 0;
          // Charged only while cached (an entry evicted before its decode ended was charged nothing).
          if (cache.get(sha) === created) {
            created.bytes = bytes;
            held += bytes;
            evict();
          }
          return raster;
        });
      entry = created;
    }
    cache.set(sha, entry);
    evict();
    return entry.raster;
  };
  const clear = (): void => {
    cache.clear();
    held = 0;
  };
  return Object.assign(get, { clear });
}
