/**
 * Copies must stay grouped: a rule that tells edited pictures apart at their own resolution
 * (hash/local-edit.ts) sees a resample's differences along every edge too, and a lossy encoder's losses move
 * colours and edges everywhere. `--copies resampled` (the default): each of up to `--count` lossless images of
 * a folder of real files (PNG, GIF: screenshots, diagrams, logos) is copied resized to 99 % of its width,
 * halved by three filters and cropped by a few pixels (a capture of the same screen). `--copies lossy`: each
 * raster (JPEG, WebP, PNG) is saved again as JPEG at quality 70, halved as JPEG, resized as lossy WebP and as
 * PNG. Each pair goes through the whole verification (verifyPair, with every pixel source), as a scan
 * verifies a candidate. Prints how many copies of each kind stay one picture; run it against another build's
 * out/ (`--baseline`) to compare in the same run.
 *
 *   node out/bench/resampled.js --dir ../linkerd-website [--copies lossy] [--count 120] [--baseline /other/out]
 *
 * Measured when the local-edit share was widened for rasters of nearly one size: 49 of 57 copies resized
 * to 99 % were split, against 3 before. Not part of `npm run bench`: it needs a folder of real images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as current from '../daemon/hash';
import { rng } from './hamming';

type HashModule = Pick<
  typeof current,
  'fingerprint' | 'decodeDetail' | 'decodeExact' | 'decodeFine' | 'verifyPair' | 'DEFAULT_MAX_PIXELS' | 'DEFAULT_NEAR_THRESHOLDS'
>;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function rasterFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && pattern.test(entry.name)) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

type Copy = (image: sharp.Sharp, width: number, height: number) => sharp.Sharp;

const RESAMPLED: Record<string, Copy> = {
  'resized to 99 %': (image, width) => image.resize(Math.round(width * 0.99)).png(),
  // Each side rounded on its own, as a resize by percent gives (canvas-size.ts mayBeResampled).
  'resized to 99 % by each side': (image, width, height) =>
    image.resize(Math.round(width * 0.99), Math.round(height * 0.99), { fit: 'fill' }).png(),
  'halved, lanczos3': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'lanczos3' }).png(),
  'halved, mitchell': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'mitchell' }).png(),
  'halved, nearest': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'nearest' }).png(),
  // A capture of the same screen a few pixels smaller: not resampled (local-edit.ts recaptured), it must stay too.
  'cropped 5 × 3 px': (image, width, height) => image.extract({ left: 2, top: 1, width: width - 5, height: height - 3 }).png(),
};

/** What people do to a screenshot or a banner: save it again at default settings (4:2:0), smaller, as WebP. */
const LOSSY: Record<string, Copy> = {
  'JPEG quality 70': (image) => image.flatten({ background: '#ffffff' }).jpeg({ quality: 70 }),
  'halved, JPEG quality 85': (image, width) =>
    image
      .resize(Math.round(width / 2))
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85 }),
  '75 %, lossy WebP': (image, width) => image.resize(Math.round(width * 0.75)).webp(),
  '1 200 px or 1 px smaller, PNG': (image, width) => image.resize(Math.min(1200, width - 1)).png(),
};

const KINDS = {
  resampled: { copies: RESAMPLED, files: /\.(png|gif)$/i },
  lossy: { copies: LOSSY, files: /\.(png|jpe?g|webp)$/i },
};

/** Whether a build's verification keeps two images as one picture. */
async function kept(hash: HashModule, a: Buffer, b: Buffer): Promise<boolean> {
  const [fa, fb] = await Promise.all([hash.fingerprint(a), hash.fingerprint(b)]);
  const source = (bytes: Buffer): current.PixelSource => ({
    detail: () => hash.decodeDetail(bytes, hash.DEFAULT_MAX_PIXELS),
    exact: () => hash.decodeExact(bytes),
    fine: () => hash.decodeFine(bytes, hash.DEFAULT_MAX_PIXELS),
  });
  return (await hash.verifyPair(fa, fb, hash.DEFAULT_NEAR_THRESHOLDS, source(a), source(b))) !== undefined;
}

async function main(): Promise<void> {
  const dir = arg('--dir', '');
  if (!dir || !fs.existsSync(dir)) throw new Error('--dir FOLDER: a folder of real images');
  const kind = arg('--copies', 'resampled');
  if (kind !== 'resampled' && kind !== 'lossy') throw new Error('--copies resampled|lossy');
  const { copies, files: pattern } = KINDS[kind];
  const builds: Array<{ name: string; hash: HashModule }> = [{ name: 'this build', hash: current }];
  const baseline = arg('--baseline', '');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module chosen at run time: another build's
  if (baseline) builds.push({ name: `baseline ${baseline}`, hash: require(path.resolve(baseline, 'daemon/hash/index.js')) as HashModule });
  const next = rng(7);
  const files = rasterFiles(dir, pattern)
    .map((file) => ({ file, order: next() }))
    .sort((x, y) => x.order - y.order)
    .slice(0, Number(arg('--count', '120')))
    .map((x) => x.file);
  const counts = new Map<string, number[]>(Object.keys(copies).map((name) => [name, [0, ...builds.map(() => 0)]]));
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    if (!meta?.width || !meta.height || meta.width < 100 || meta.width * meta.height > 4e6) continue;
    for (const [name, make] of Object.entries(copies)) {
      const copy = await make(sharp(bytes), meta.width, meta.height).toBuffer();
      const count = counts.get(name)!;
      count[0]++;
      const verdicts = await Promise.all(builds.map((build) => kept(build.hash, bytes, copy)));
      verdicts.forEach((isKept, i) => isKept && count[i + 1]++);
      if (verdicts.some((v) => v !== verdicts[0])) console.log(`  the builds disagree on ${file}, ${name}: ${verdicts.join(' / ')}`);
    }
  }
  for (const [name, [pairs, ...keptBy]] of counts) {
    console.log(`${name}: ${builds.map((b, i) => `${b.name} keeps ${keptBy[i]}/${pairs}`).join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
