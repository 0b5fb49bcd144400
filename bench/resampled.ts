/**
 * Resampled copies must stay grouped: a rule that tells edited pictures apart at their own resolution
 * (hash/local-edit.ts) sees a resample's differences along every edge too. Each of up to `--count` lossless
 * images of a folder of real files (PNG, GIF: screenshots, diagrams, logos) is copied resized to 99 %
 * of its width, halved by three filters and cropped by a few pixels (a capture of the same screen), and each pair goes through the whole verification (verifyPair,
 * with both pixel sources), as a scan verifies a candidate. Prints how many copies of each kind stay one
 * picture; run it against another build's out/ (`--baseline`) to compare in the same run.
 *
 *   node out/bench/resampled.js --dir ../linkerd-website [--count 120] [--baseline /other/out]
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
  'fingerprint' | 'decodeDetail' | 'decodeExact' | 'verifyPair' | 'DEFAULT_MAX_PIXELS' | 'DEFAULT_NEAR_THRESHOLDS'
>;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function losslessFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(png|gif)$/i.test(entry.name)) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

const COPIES: Record<string, (image: sharp.Sharp, width: number, height: number) => sharp.Sharp> = {
  'resized to 99 %': (image, width) => image.resize(Math.round(width * 0.99)),
  // Each side rounded on its own, as a resize by percent gives (canvas-size.ts mayBeResampled).
  'resized to 99 % by each side': (image, width, height) =>
    image.resize(Math.round(width * 0.99), Math.round(height * 0.99), { fit: 'fill' }),
  'halved, lanczos3': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'lanczos3' }),
  'halved, mitchell': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'mitchell' }),
  'halved, nearest': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2), { kernel: 'nearest' }),
  // A capture of the same screen a few pixels smaller: not resampled (local-edit.ts recaptured), it must stay too.
  'cropped 5 × 3 px': (image, width, height) => image.extract({ left: 2, top: 1, width: width - 5, height: height - 3 }),
};

/** Whether a build's verification keeps two images as one picture. */
async function kept(hash: HashModule, a: Buffer, b: Buffer): Promise<boolean> {
  const [fa, fb] = await Promise.all([hash.fingerprint(a), hash.fingerprint(b)]);
  const source = (bytes: Buffer): current.PixelSource => ({
    detail: () => hash.decodeDetail(bytes, hash.DEFAULT_MAX_PIXELS),
    exact: () => hash.decodeExact(bytes),
    // Lossless files only: two of them get the detail check, never the replaced-content one (verify.ts).
    fine: () => Promise.resolve(undefined),
  });
  return (await hash.verifyPair(fa, fb, hash.DEFAULT_NEAR_THRESHOLDS, source(a), source(b))) !== undefined;
}

async function main(): Promise<void> {
  const dir = arg('--dir', '');
  if (!dir || !fs.existsSync(dir)) throw new Error('--dir FOLDER: a folder of real lossless images');
  const builds: Array<{ name: string; hash: HashModule }> = [{ name: 'this build', hash: current }];
  const baseline = arg('--baseline', '');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module chosen at run time: another build's
  if (baseline) builds.push({ name: `baseline ${baseline}`, hash: require(path.resolve(baseline, 'daemon/hash/index.js')) as HashModule });
  const next = rng(7);
  const files = losslessFiles(dir)
    .map((file) => ({ file, order: next() }))
    .sort((x, y) => x.order - y.order)
    .slice(0, Number(arg('--count', '120')))
    .map((x) => x.file);
  const counts = new Map<string, number[]>(Object.keys(COPIES).map((kind) => [kind, [0, ...builds.map(() => 0)]]));
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    if (!meta?.width || !meta.height || meta.width < 100 || meta.width * meta.height > 4e6) continue;
    for (const [kind, make] of Object.entries(COPIES)) {
      const copy = await make(sharp(bytes), meta.width, meta.height).png().toBuffer();
      const count = counts.get(kind)!;
      count[0]++;
      const verdicts = await Promise.all(builds.map((build) => kept(build.hash, bytes, copy)));
      verdicts.forEach((isKept, i) => isKept && count[i + 1]++);
      if (verdicts.some((v) => v !== verdicts[0])) console.log(`  the builds disagree on ${file}, ${kind}: ${verdicts.join(' / ')}`);
    }
  }
  for (const [kind, [pairs, ...keptBy]] of counts) {
    console.log(`${kind}: ${builds.map((b, i) => `${b.name} keeps ${keptBy[i]}/${pairs}`).join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
