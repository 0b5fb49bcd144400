/**
 * Builds the labelled accuracy corpus into a cache folder: the real photos and icons of the shared corpus
 * (`DOUBLON_CORPUS`, else `../shared/corpus` beside the repository) plus transformed copies of every photo
 * made by code. Falls back to generated images (test/fixtures/images.ts) when the corpus is absent.
 *
 * Labels: `family` groups files showing one picture (an original photo and its transforms; the members of
 * one `formats` or `sizes` group). Positive pairs are listed explicitly (original ↔ transform, members of
 * one sizes/formats group); pairs inside a family that are not listed (two transforms of one photo) are
 * left out of the score; every other pair is a negative.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { makeIcon, makePhoto, rng, GLYPH_COUNT } from '../test/fixtures/images';

export const TRANSFORMS = [
  'exact',
  'metadata',
  'png',
  'webp-lossless',
  'webp-lossy',
  'jpeg-q30',
  'jpeg-q70',
  'resize-50',
  'resize-25',
  'crop-5',
  'crop-10',
  'brightness',
  'contrast',
  'blur',
  'watermark',
  'greyscale',
  'flip',
  'rotate-90',
] as const;
export type Transform = (typeof TRANSFORMS)[number];

export interface CorpusFile {
  /** Absolute path. */
  path: string;
  /** Name relative to the corpus ("photos/x.jpg", "generated/x__crop-10.jpg"). */
  name: string;
  family: string;
  /** For a transformed copy: the transform and the original's index. */
  transform?: Transform;
  original?: number;
}

export interface Corpus {
  source: 'shared' | 'generated';
  sourceDir?: string;
  files: CorpusFile[];
  /** Positive pairs (indices into files, a < b), with a label: the transform or 'sizes' / 'formats'. */
  positives: { a: number; b: number; label: string }[];
}

export function corpusDir(): string | undefined {
  const dir = process.env.DOUBLON_CORPUS ?? path.resolve(__dirname, '../../../shared/corpus');
  return fs.existsSync(path.join(dir, 'series.json')) ? dir : undefined;
}

/** Inserts a JPEG comment and an EXIF APP1 (or PNG tEXt chunk) without touching the image data. */
export function changeMetadata(bytes: Buffer): Buffer {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const comment = Buffer.from('Doublon benchmark: metadata changed');
    const com = Buffer.concat([Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]), comment]);
    // Minimal little-endian EXIF: IFD0 with one entry, Software (ASCII, 8 bytes, stored at offset 26).
    const tiff = Buffer.alloc(34);
    tiff.write('II', 0);
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(1, 8);
    tiff.writeUInt16LE(0x0131, 10);
    tiff.writeUInt16LE(2, 12);
    tiff.writeUInt32LE(8, 14);
    tiff.writeUInt32LE(26, 18);
    tiff.writeUInt32LE(0, 22);
    tiff.write('doublon\0', 26);
    const exif = Buffer.concat([Buffer.from('Exif\0\0'), tiff]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff]), exif]);
    return Buffer.concat([bytes.subarray(0, 2), app1, com, bytes.subarray(2)]);
  }
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const data = Buffer.from('Comment\0Doublon benchmark: metadata changed');
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('tEXt', 4);
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    return Buffer.concat([bytes.subarray(0, 33), chunk, bytes.subarray(33)]); // after IHDR
  }
  throw new Error('changeMetadata: JPEG or PNG expected');
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function watermarkSvg(width: number, height: number): Buffer {
  const size = Math.max(12, Math.round(height / 12));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="${width - size / 2}" y="${height - size / 2}" text-anchor="end" font-family="sans-serif" font-weight="bold" font-size="${size}" fill="white" fill-opacity="0.7" stroke="black" stroke-opacity="0.4">© Doublon 2025</text></svg>`,
  );
}

/** The transformed copy of `bytes` (an original photo), and the file extension it gets. */
export async function applyTransform(bytes: Buffer, transform: Transform, seed: number): Promise<{ data: Buffer; ext: string }> {
  const meta = await sharp(bytes).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const isJpeg = meta.format === 'jpeg';
  const jpeg = (s: sharp.Sharp): Promise<Buffer> => s.jpeg({ quality: 90 }).toBuffer();
  // Lossy outputs of transparent originals are flattened onto white, as an editor exporting a JPEG would.
  const img = (): sharp.Sharp => (meta.hasAlpha ? sharp(bytes).rotate().flatten({ background: '#ffffff' }) : sharp(bytes).rotate());
  switch (transform) {
    case 'exact':
      return { data: Buffer.from(bytes), ext: isJpeg ? 'jpg' : 'png' };
    case 'metadata':
      return { data: changeMetadata(bytes), ext: isJpeg ? 'jpg' : 'png' };
    case 'png':
      return { data: await img().png().toBuffer(), ext: 'png' };
    case 'webp-lossless':
      return { data: await img().webp({ lossless: true }).toBuffer(), ext: 'webp' };
    case 'webp-lossy':
      return { data: await img().webp({ quality: 75 }).toBuffer(), ext: 'webp' };
    case 'jpeg-q30':
      return { data: await img().jpeg({ quality: 30 }).toBuffer(), ext: 'jpg' };
    case 'jpeg-q70':
      return { data: await img().jpeg({ quality: 70 }).toBuffer(), ext: 'jpg' };
    case 'resize-50':
      return { data: await jpeg(img().resize(Math.round(w / 2))), ext: 'jpg' };
    case 'resize-25':
      return { data: await jpeg(img().resize(Math.round(w / 4))), ext: 'jpg' };
    case 'crop-5':
    case 'crop-10': {
      // Remove p of each dimension, split unevenly between the two sides (seeded, 25–75 % on the left/top).
      const p = transform === 'crop-5' ? 0.05 : 0.1;
      const r = rng(seed);
      const cw = Math.round(w * (1 - p));
      const ch = Math.round(h * (1 - p));
      const left = Math.round((w - cw) * (0.25 + 0.5 * r()));
      const top = Math.round((h - ch) * (0.25 + 0.5 * r()));
      return { data: await jpeg(img().extract({ left, top, width: cw, height: ch })), ext: 'jpg' };
    }
    case 'brightness':
      return { data: await jpeg(img().modulate({ brightness: 1.25 })), ext: 'jpg' };
    case 'contrast':
      return { data: await jpeg(img().linear(1.35, -0.35 * 128)), ext: 'jpg' };
    case 'blur':
      return { data: await jpeg(img().blur(2)), ext: 'jpg' };
    case 'watermark':
      return { data: await jpeg(img().composite([{ input: watermarkSvg(w, h) }])), ext: 'jpg' };
    case 'greyscale':
      return { data: await jpeg(img().greyscale()), ext: 'jpg' };
    case 'flip':
      return { data: await jpeg(img().flop()), ext: 'jpg' };
    case 'rotate-90':
      return { data: await jpeg(img().rotate(90)), ext: 'jpg' };
  }
}

interface SeriesFile {
  series: Record<string, string[]>;
  sizes: Record<string, string[]>;
  formats: Record<string, string[]>;
}

/** Builds (or reuses) the corpus in `cacheDir`. */
export async function buildCorpus(cacheDir: string, options: { maxPhotos?: number; log?: (s: string) => void } = {}): Promise<Corpus> {
  const log = options.log ?? ((): void => undefined);
  const src = corpusDir();
  const files: CorpusFile[] = [];
  const positives: Corpus['positives'] = [];
  const genDir = path.join(cacheDir, src ? 'transforms' : 'generated');
  fs.mkdirSync(genDir, { recursive: true });
  const familyOf = new Map<string, string>();
  const originals: { name: string; bytes: () => Promise<Buffer> }[] = [];

  if (src) {
    const labels = JSON.parse(fs.readFileSync(path.join(src, 'series.json'), 'utf8')) as SeriesFile;
    for (const [group, members] of Object.entries(labels.formats)) for (const m of members) familyOf.set(m, `formats:${group}`);
    for (const [group, members] of Object.entries(labels.sizes)) for (const m of members) familyOf.set(m, `sizes:${group}`);
    for (const dir of ['photos', 'icons']) {
      for (const f of fs.readdirSync(path.join(src, dir)).sort()) {
        const name = `${dir}/${f}`;
        files.push({ path: path.join(src, name), name, family: familyOf.get(name) ?? name });
      }
    }
    const photos = files.filter((f) => f.name.startsWith('photos/')).slice(0, options.maxPhotos ?? Infinity);
    for (const p of photos) originals.push({ name: p.name, bytes: async () => fs.readFileSync(p.path) });
    for (const groups of [labels.formats, labels.sizes]) {
      for (const [group, members] of Object.entries(groups)) {
        const label = groups === labels.formats ? 'formats' : 'sizes';
        const idx = members.map((m) => files.findIndex((f) => f.name === m)).filter((i) => i >= 0);
        for (let x = 0; x < idx.length; x++)
          for (let y = x + 1; y < idx.length; y++) positives.push({ a: Math.min(idx[x], idx[y]), b: Math.max(idx[x], idx[y]), label });
        void group;
      }
    }
  } else {
    log('corpus not found (set DOUBLON_CORPUS or put it in ../shared/corpus): using generated images');
    const count = options.maxPhotos ?? 40;
    for (let s = 1; s <= count; s++) {
      const name = `generated/photo-${s}.png`;
      const file = path.join(genDir, `photo-${s}.png`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, await makePhoto(s, 640, 480));
      files.push({ path: file, name, family: name });
      originals.push({ name, bytes: async () => fs.readFileSync(file) });
    }
    // Icon families: glyphs of one family are hard negatives; sizes of one icon are positives.
    for (let fam = 1; fam <= 6; fam++) {
      for (let g = 0; g < Math.min(4, GLYPH_COUNT); g++) {
        const idx: number[] = [];
        for (const size of [32, 48, 64, 128]) {
          const name = `generated/icon-${fam}-${g}-${size}.png`;
          const file = path.join(genDir, `icon-${fam}-${g}-${size}.png`);
          if (!fs.existsSync(file)) fs.writeFileSync(file, await makeIcon(fam, size, g));
          idx.push(files.length);
          files.push({ path: file, name, family: `sizes:icon-${fam}-${g}` });
        }
        for (let x = 0; x < idx.length; x++)
          for (let y = x + 1; y < idx.length; y++) positives.push({ a: idx[x], b: idx[y], label: 'sizes' });
      }
    }
  }

  let made = 0;
  for (const [k, o] of originals.entries()) {
    const oi = files.findIndex((f) => f.name === o.name);
    const base = path.basename(o.name).replace(/\.[^.]+$/, '');
    for (const t of TRANSFORMS) {
      const stem = path.join(genDir, `${base}__${t}`);
      let file = ['jpg', 'png', 'webp'].map((e) => `${stem}.${e}`).find((p) => fs.existsSync(p));
      if (!file) {
        const { data, ext } = await applyTransform(await o.bytes(), t, k * 101 + TRANSFORMS.indexOf(t));
        file = `${stem}.${ext}`;
        fs.writeFileSync(file, data);
        made++;
      }
      const ti = files.length;
      files.push({
        path: file,
        name: `${path.basename(genDir)}/${path.basename(file)}`,
        family: files[oi].family,
        transform: t,
        original: oi,
      });
      positives.push({ a: oi, b: ti, label: t });
    }
  }
  if (made) log(`made ${made} transformed copies in ${genDir}`);
  return { source: src ? 'shared' : 'generated', sourceDir: src, files, positives };
}
