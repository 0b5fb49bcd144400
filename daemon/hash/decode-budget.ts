/**
 * The bytes of decoded pixels in flight in this process, bounded. libvips holds a raster's pixels while it
 * decodes it (all of them for a full decode or an interlaced PNG), and glibc keeps what was freed in its
 * arenas (protocol/allocator.ts), so a scan's peak RSS is set by the largest set of decodes that ran at once,
 * not by their number: on a documentation site, four 2 560×1 440 blog covers beside an 8 062×2 300
 * interlaced PNG took a cold scan to 330 MB. Every raster decode of this process (fingerprint, pixel digest,
 * detail raster) waits here for its bytes first; SVGs are drawn in a child process and are not counted.
 */
import type { ImageFormat } from './format';

/**
 * Decoded bytes in flight at most: four 2 560×1 440 RGBA rasters, or one 12-megapixel photo's full decode
 * (48 MB) beside the fingerprints of others; a decode larger than this runs alone.
 */
export const DECODE_BYTES_IN_FLIGHT = 64 << 20;

/**
 * Copies of its pixels a WebP's full decode holds at once: libwebp's output, libvips's image made of it, and
 * sharp's output. Measured as the peak RSS of one decode above the process's own: a 3 840 × 2 160 WebP
 * capture 93 MB for a 32 MB raster, a 4 417 × 2 938 one 145 MB for 52 MB; a 5 760 × 3 240 PNG, which
 * libvips decodes row by row, 88 MB for 71 MB.
 */
const WEBP_FULL_DECODE_COPIES = 3;

/**
 * An upper bound of the bytes libvips holds to decode a width×height image for an output of `target` px
 * (Infinity: a full decode): the whole RGBA raster, three times for a WebP's full decode, except for a JPEG,
 * which libjpeg decodes already shrunk by up to 8 when the output is that much smaller (shrink-on-load).
 */
export function decodedBytes(width: number, height: number, format: ImageFormat, target = Infinity): number {
  let shrink = 1;
  if (format === 'jpeg') while (shrink < 8 && Math.min(width, height) / (shrink * 2) >= target) shrink *= 2;
  const copies = format === 'webp' && target === Infinity ? WEBP_FULL_DECODE_COPIES : 1;
  return copies * Math.ceil(width / shrink) * Math.ceil(height / shrink) * 4;
}

/** A first-come, first-served budget: a waiting decode is never overtaken by smaller ones, so a large one always gets its turn. */
export class DecodeBudget {
  private held = 0;
  private running = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `decode` once `bytes` fit beside the decodes in flight (at once when none is). */
  async run<T>(bytes: number, decode: () => Promise<T>): Promise<T> {
    if (this.waiting.length > 0 || !this.fits(bytes)) await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    else this.take(bytes);
    try {
      return await decode();
    } finally {
      this.held -= bytes;
      this.running--;
      this.admit();
    }
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.held + bytes <= this.limit;
  }

  private take(bytes: number): void {
    this.held += bytes;
    this.running++;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.take(next.bytes);
      next.start();
    }
  }
}

/** The budget every raster decode of this process shares. */
export const decodeBudget = new DecodeBudget(DECODE_BYTES_IN_FLIGHT);
