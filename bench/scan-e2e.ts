/**
 * The user's command, end to end, against the naive sharp pass over the same files in the same run:
 * `node bin/doublon.js scan --no-daemon --json DIR` as a process (cold: the index removed first; warm: run
 * again), and `node out/bench/naive-pass.js DIR` (greyscale().resize(32, 32), 4 in flight). Rounds in
 * ABBA order (naive, cold scan, cold scan, naive) so a drift in outside load hits both alike; each
 * figure is the wall time of the process, peak RSS from /usr/bin/time.
 *
 * Sets: (a) the photo benchmark corpus (bench/corpus.ts: ../shared/corpus or DOUBLON_CORPUS, plus the
 * transformed copies); (b) SVG icons of one family — the first N regular files of one folder of an icon
 * theme (.ci/install-bench.sh installs Debian's papirus-icon-theme) — at 250, 500, 1 000, 2 000, with the
 * growth per doubling; (c) the similarity stage alone on simulated fingerprints (random keys on real
 * thumbnails, every 10th a near copy of an earlier one): a full build at 10⁴, and the cost of a newcomer
 * on graphs of 5·10⁴ to 10⁶ restored from a snapshot, hence a 10⁵ build and the growth exponent.
 *
 *   node out/bench/scan-e2e.js [--sets photos,icons,similarity] [--rounds 2] [--bin other/bin/doublon.js]
 *        [--icons /usr/share/icons/Papirus/48x48/apps] [--icon-sizes 250,500,1000,2000] [--million 1000000]
 *
 * Targets (issue 9): photo scan ≥ 1.2× the naive throughput; each icon doubling ≤ 2.2×; 2 000 icons in
 * ≤ 2× the naive pass; peak RSS < 300 MB; the similarity stage ≤ 10 % of hashing at 10⁵ images.
 * Writes bench-results/scan-e2e.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, indexKeys, type Fingerprint } from '../daemon/hash';
import { SimilarityGraph, SNAPSHOT_VERSION, type GraphSnapshot } from '../daemon/groups/similarity-graph';
import { buildCorpus } from './corpus';
import { flipBits, randomKey, rng } from './hamming';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const ROOT = path.resolve(__dirname, '../..');
/** `--bin` measures another build of the CLI (the version before a change) against the same baseline. */
const BIN = path.resolve(arg('--bin', path.join(ROOT, 'bin/doublon.js')));
const NAIVE = path.join(__dirname, 'naive-pass.js');

interface Run {
  seconds: number;
  peakRssMb: number;
}

/** Runs a command as a process; wall time and peak RSS (GNU time). */
function timed(args: string[], cwd: string): Run {
  const stats = path.join(os.tmpdir(), `doublon-e2e-time-${process.pid}`);
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', stats, process.execPath, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DOUBLON_PROGRESS_INTERVAL_MS: '3600000' },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const kb = Number(fs.readFileSync(stats, 'utf8').trim().split('\n').pop());
  fs.rmSync(stats, { force: true });
  return { seconds, peakRssMb: kb / 1024 };
}

const naivePass = (dir: string): Run => timed([NAIVE, dir], dir);
const scan = (dir: string, cold: boolean): Run => {
  if (cold) fs.rmSync(path.join(dir, '.doublon'), { recursive: true, force: true });
  return timed([BIN, 'scan', '--no-daemon', '--json', '--no-progress'], dir);
};

interface SetResult {
  set: string;
  files: number;
  naiveSeconds: number[];
  coldSeconds: number[];
  warmSeconds: number[];
  /** Naive time / cold scan time, per round (throughput ratio: ≥ 1 means the scan is faster). */
  ratio: number[];
  peakRssMb: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function measureSet(name: string, dir: string, files: number, rounds: number): SetResult {
  const r: SetResult = { set: name, files, naiveSeconds: [], coldSeconds: [], warmSeconds: [], ratio: [], peakRssMb: 0 };
  naivePass(dir); // file cache warm for both
  for (let round = 0; round < rounds; round++) {
    const a1 = naivePass(dir);
    const b1 = scan(dir, true);
    const warm = scan(dir, false);
    const b2 = scan(dir, true);
    const a2 = naivePass(dir);
    const naive = (a1.seconds + a2.seconds) / 2;
    const cold = (b1.seconds + b2.seconds) / 2;
    r.naiveSeconds.push(naive);
    r.coldSeconds.push(cold);
    r.warmSeconds.push(warm.seconds);
    r.ratio.push(naive / cold);
    r.peakRssMb = Math.max(r.peakRssMb, b1.peakRssMb, b2.peakRssMb, warm.peakRssMb);
    console.log(
      `${name}, round ${round + 1}: naive ${naive.toFixed(2)} s, cold scan ${cold.toFixed(2)} s (${(naive / cold).toFixed(2)}× the naive throughput), warm ${warm.seconds.toFixed(2)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
  }
  fs.rmSync(path.join(dir, '.doublon'), { recursive: true, force: true });
  return r;
}

async function photoSet(work: string): Promise<{ dir: string; files: number }> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  const dir = path.join(work, 'photos');
  fs.mkdirSync(dir, { recursive: true });
  corpus.files.forEach((f, i) => fs.copyFileSync(f.path, path.join(dir, `${String(i).padStart(5, '0')}-${path.basename(f.name)}`)));
  return { dir, files: corpus.files.length };
}

function iconSet(work: string, from: string, count: number): { dir: string; files: number } {
  const names = fs
    .readdirSync(from, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.svg'))
    .map((e) => e.name)
    .sort()
    .slice(0, count);
  const dir = path.join(work, `icons-${count}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const n of names) fs.copyFileSync(path.join(from, n), path.join(dir, n));
  return { dir, files: names.length };
}

/** Real fingerprints with random keys: distinct images to the index, real thumbnails to verification. */
async function simulatedFingerprints(n: number, seed: number): Promise<Fingerprint[]> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  const real: Fingerprint[] = [];
  // Opaque photos only: a transparent base would lend its silhouette (shape key) to every image made from it.
  for (const f of corpus.files.filter((x) => x.transform === undefined && /\.jpe?g$/i.test(x.name)).slice(0, 200)) {
    try {
      const fp = await fingerprint(fs.readFileSync(f.path));
      if (!fp.transparent) real.push(fp);
    } catch {
      /* skip */
    }
  }
  const next = rng(seed);
  const out: Fingerprint[] = [];
  for (let i = 0; i < n; i++) {
    const base = real[next() % real.length];
    const of = i >= 10 && i % 10 === 0 ? out[next() % i] : undefined;
    const key = (k: Uint8Array | undefined): Uint8Array => (k ? flipBits(k, 10 + (next() % 50), next) : randomKey(next));
    const hash = key(of?.hash);
    const crops = new Uint8Array(base.crops.length);
    for (let k = 0; k < crops.length / 32; k++) crops.set(key(of?.crops.subarray(32 * k, 32 * k + 32)), 32 * k);
    const variants = new Uint8Array(256);
    variants.set(hash, 0);
    for (let d = 1; d < 8; d++) variants.set(randomKey(next), 32 * d);
    out.push({ ...base, hash, crops, variants });
  }
  return out;
}

interface SimilarityResult {
  images: number;
  seconds: number;
  perImageMs: number;
  verified: number;
  candidates: number;
}

/** A graph of `size` images restored from a snapshot (random index keys: no search, no decoding). */
function restoredGraph(size: number, keysPerImage: number, options: ConstructorParameters<typeof SimilarityGraph>[0]): SimilarityGraph {
  const next = rng(size);
  const nodes: GraphSnapshot['nodes'] = [];
  for (let i = 0; i < size; i++)
    nodes.push({ sha256: `m${i}`, keys: Buffer.concat(Array.from({ length: keysPerImage }, () => randomKey(next))) });
  const graph = SimilarityGraph.restore(
    {
      version: SNAPSHOT_VERSION,
      settings: JSON.stringify(options.thresholds, Object.keys(options.thresholds).sort()),
      nodes,
      pairs: [],
      rejected: [],
    },
    options,
  );
  if (!graph) throw new Error('snapshot not restored');
  return graph;
}

/** The naive sharp pass in this process over real photos, ms per image (the scale hashing is measured on). */
async function naiveMsPerImage(): Promise<number> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  const files = corpus.files
    .filter((f) => f.transform === undefined)
    .slice(0, 200)
    .map((f) => fs.readFileSync(f.path));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < files.length)
        await sharp(files[next++])
          .greyscale()
          .resize(32, 32)
          .raw()
          .toBuffer()
          .catch(() => undefined);
    }),
  );
  return (performance.now() - started) / files.length;
}

/**
 * The similarity stage alone. A full build at 10⁴ simulated images (every 10th a near copy, so candidates
 * are verified); then the cost of one newcomer on graphs restored at 5·10⁴ … 10⁶ images. A build adds
 * against an index growing from 0 to N, so its mean per-image cost is that at N/2: a 10⁵ build costs
 * 10⁵ × the cost at 5·10⁴. The growth exponent of a build is 1 + the slope of log(cost) over log(size).
 */
async function similarityStage(million: number): Promise<Record<string, unknown>> {
  const options = { thresholds: DEFAULT_NEAR_THRESHOLDS, pixelDigest: async (): Promise<string | undefined> => undefined };
  const n = 10_000;
  const fps = await simulatedFingerprints(n, n);
  const graph = new SimilarityGraph(options);
  let started = performance.now();
  for (let i = 0; i < n; i++) await graph.add(`s${i}`, fps[i]);
  const seconds = (performance.now() - started) / 1000;
  const full: SimilarityResult = {
    images: n,
    seconds,
    perImageMs: (1000 * seconds) / n,
    verified: graph.stats.verified,
    candidates: graph.stats.candidates,
  };
  console.log(
    `similarity stage, full build of ${n} simulated images: ${seconds.toFixed(1)} s (${full.perImageMs.toFixed(3)} ms per image), ${full.verified} verifications`,
  );
  const keysPerImage = indexKeys(fps[0]).length;
  const probes = await simulatedFingerprints(100, 11);
  const sampled: Array<{ size: number; perImageMs: number }> = [];
  for (const size of [50_000, 100_000, 500_000, million]) {
    const restored = restoredGraph(size, keysPerImage, options);
    started = performance.now();
    for (let i = 0; i < probes.length; i++) await restored.add(`p${i}`, probes[i]);
    sampled.push({ size, perImageMs: (performance.now() - started) / probes.length });
    console.log(`  one newcomer on a graph of ${size}: ${sampled[sampled.length - 1].perImageMs.toFixed(2)} ms`);
  }
  const naiveMs = await naiveMsPerImage();
  const at = (size: number): number => sampled.find((x) => x.size === size)!.perImageMs;
  const build100k = (100_000 * at(50_000)) / 1000;
  const slope = Math.log(at(million) / at(100_000)) / Math.log(million / 100_000);
  const buildMillion = (million * at(million / 2 >= 500_000 ? 500_000 : 100_000)) / 1000;
  console.log(
    `SIMILARITY: a 10⁵-image build ≈ ${build100k.toFixed(0)} s = ${((100 * at(50_000)) / naiveMs).toFixed(0)} % of the naive decode of 10⁵ photos (${naiveMs.toFixed(2)} ms each here; target ≤ 10 % of hashing); at ${million}: ≈ ${buildMillion.toFixed(0)} s, growth exponent ≈ ${(1 + slope).toFixed(2)}`,
  );
  return { full, sampled, naiveMsPerImage: naiveMs, build100kSeconds: build100k, buildMillionSeconds: buildMillion, exponent: 1 + slope };
}

async function main(): Promise<void> {
  const sets = new Set(arg('--sets', 'photos,icons,similarity').split(','));
  const rounds = Number(arg('--rounds', '2'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-e2e-'));
  const results: Record<string, unknown> = { load: os.loadavg(), cores: os.cpus().length };
  try {
    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}, ${os.cpus().length} cores`,
    );
    if (sets.has('photos')) {
      const { dir, files } = await photoSet(work);
      const r = measureSet(`photo corpus (${files} files)`, dir, files, rounds);
      results.photos = r;
      console.log(
        `PHOTOS: cold scan at ${median(r.ratio).toFixed(2)}× the naive throughput (target ≥ 1.2×), warm ${median(r.warmSeconds).toFixed(2)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
      );
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (sets.has('icons')) {
      const from = arg('--icons', '/usr/share/icons/Papirus/48x48/apps');
      if (!fs.existsSync(from)) console.log(`no icon folder ${from}: run .ci/install-bench.sh`);
      else {
        const icons: SetResult[] = [];
        for (const n of arg('--icon-sizes', '250,500,1000,2000').split(',').map(Number)) {
          const { dir, files } = iconSet(work, from, n);
          icons.push(measureSet(`icons ${path.basename(path.dirname(from))}/${path.basename(from)} × ${files}`, dir, files, rounds));
          fs.rmSync(dir, { recursive: true, force: true });
        }
        results.icons = icons;
        for (let i = 1; i < icons.length; i++) {
          console.log(
            `ICONS ${icons[i - 1].files} → ${icons[i].files}: cold scan ×${(median(icons[i].coldSeconds) / median(icons[i - 1].coldSeconds)).toFixed(2)} (target ≤ 2.2×), naive ×${(median(icons[i].naiveSeconds) / median(icons[i - 1].naiveSeconds)).toFixed(2)}`,
          );
        }
        const last = icons[icons.length - 1];
        console.log(
          `ICONS ${last.files}: cold scan ${median(last.coldSeconds).toFixed(2)} s = ${(1 / median(last.ratio)).toFixed(2)}× the naive pass (target ≤ 2×), peak RSS ${Math.max(...icons.map((x) => x.peakRssMb)).toFixed(0)} MB`,
        );
      }
    }
    if (sets.has('similarity')) results.similarity = await similarityStage(Number(arg('--million', '1000000')));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const out = path.join(ROOT, 'bench-results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'scan-e2e.json'), JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
