/**
 * Small WebP thumbnails for the dashboard and the static report: EXIF orientation applied (`.rotate()`),
 * SVG rasterised, a pixel limit on input, never enlarged. The daemon caches them under
 * `<indexDir>/thumbs/<sha[0..2]>/<sha256>-<size>.webp` (content-addressed: a copy or a rename is free, an
 * edited file gets a new entry).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { atomicWrite } from '../fs/atomic-write';

/** The sizes served (the longest side, in pixels); a request is rounded up to the next one. */
export const THUMB_SIZES = [64, 120, 160, 240, 320, 480, 640, 1024] as const;
/** Files larger than this are not read for a thumbnail (the index refuses such images anyway). */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

export function thumbSize(requested: number): number {
  return THUMB_SIZES.find((s) => s >= requested) ?? THUMB_SIZES[THUMB_SIZES.length - 1];
}

export interface ThumbOptions {
  size: number;
  /** Input pixel limit (the config's maxPixels). */
  maxPixels: number;
  quality?: number;
  format?: 'webp' | 'jpeg';
}

/** Renders a thumbnail of `bytes` (any format sharp reads, SVG included). */
export async function renderThumb(bytes: Buffer, options: ThumbOptions): Promise<Buffer> {
  const pipeline = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'none', animated: false })
    .rotate()
    .resize(options.size, options.size, { fit: 'inside', withoutEnlargement: true });
  return options.format === 'jpeg'
    ? pipeline
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: options.quality ?? 70, mozjpeg: true })
        .toBuffer()
    : pipeline.webp({ quality: options.quality ?? 72, effort: 3 }).toBuffer();
}

export { sha256 } from '../hash/sha256';

/** At most `limit` renders at a time (2 cores here; hashing shares them), and one render per key. */
export class ThumbCache {
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly maxPixels: number,
    private readonly limit = 2,
  ) {}

  fileFor(sha: string, size: number): string {
    return path.join(this.dir, sha.slice(0, 2), `${sha}-${size}.webp`);
  }

  /** The thumbnail of content `sha` (whose bytes are `bytes`) at `size`, from the cache or rendered and stored. */
  get(sha: string, size: number, bytes: () => Promise<Buffer>): Promise<Buffer> {
    const key = `${sha}-${size}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const work = this.load(sha, size, bytes).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async load(sha: string, size: number, bytes: () => Promise<Buffer>): Promise<Buffer> {
    const file = this.fileFor(sha, size);
    try {
      return await fs.promises.readFile(file);
    } catch {
      // Not cached yet.
    }
    await this.acquire();
    let thumb: Buffer;
    try {
      thumb = await renderThumb(await bytes(), { size, maxPixels: this.maxPixels });
    } finally {
      this.releaseSlot();
    }
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await atomicWrite(file, thumb, { mode: 0o600, durable: false });
    } catch {
      // A cache that cannot be written only costs a re-render next time.
    }
    return thumb;
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  private releaseSlot(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
