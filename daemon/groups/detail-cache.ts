/**
 * Detail rasters (hash/detail-raster.ts) of contents, decoded on demand from a file holding each and kept for
 * the most recently used contents, bounded by their bytes rather than their number: a photo's raster is
 * 512×384×4 = 786 KB, an icon's a few KB, so a count bound either wastes memory on photos or hits nothing
 * on icons. A content's candidates are mostly verified while it is recent (newcomers in path order), so a
 * small window keeps most hits.
 */
import { decodeDetail, type DetailRaster } from '../hash';
import { ReaderPool } from '../scan/scanner';

/**
 * Bytes of detail rasters kept. 48 photo rasters (38 MB, the former count bound) held up to a tenth of the
 * photo scan's peak RSS; 16 MB is 20 photo rasters or thousands of icons.
 */
export const DETAIL_CACHE_BYTES = 16 << 20;

interface Entry {
  raster: Promise<DetailRaster | undefined>;
  /** Charged once decoded: the decodes in flight are the verifier's two at most. */
  bytes: number;
}

/** Undefined when the file cannot be read or decoded any more. */
export function detailCache(
  maxPixels: number,
  budget: number = DETAIL_CACHE_BYTES,
): (sha: string, file: string) => Promise<DetailRaster | undefined> {
  const cache = new Map<string, Entry>(); // in order of last use
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
  return (sha, file) => {
    let entry = cache.get(sha);
    if (entry) cache.delete(sha);
    else {
      const created: Entry = { raster: Promise.resolve(undefined), bytes: 0 };
      created.raster = readers
        .withBytes(file, (bytes) => decodeDetail(bytes, maxPixels))
        .catch(() => undefined)
        .then((raster) => {
          const bytes = raster?.rgba.byteLength ?? 0;
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
}
