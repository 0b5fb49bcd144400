/**
 * Cold-scan throughput of the hashing library against a naive sharp pass, on the corpus's real JPEGs:
 *
 *   node out/bench/throughput.js [--in-flight 4,6,8] [--rounds 5] [--modes ours,decode,decode-nearest]
 *
 * Modes (each timed over the same files with the same number of images in flight, in alternating rounds
 * with the naive pass — ABBA order, naive first and last — so that load from elsewhere hits all alike):
 *   naive            sharp(buf).greyscale().resize(32, 32).raw().toBuffer()       (the reference)
 *   ours             sha256(buf) + fingerprint(buf)                                 (what a cold scan does)
 *   decode           the 64×64 decode of fingerprint alone, default kernel         (the libvips share)
 *   decode-nearest   the same with kernel 'nearest' (also decode-linear, decode-cubic, decode-mitchell)
 * For each: images per second, CPU milliseconds per image (this process, all threads: the main thread and
 * libvips's), and the ratio to the naive pass of the same round; best and median over the rounds. The CPU
 * ratio (naive's CPU per image / this mode's, median) is the steadier figure on a machine shared with others.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { fingerprint, sha256 } from '../daemon/hash';
import { buildCorpus } from './corpus';

type Mode = (b: Buffer) => Promise<unknown>;

const decodeWith =
  (kernel?: keyof sharp.KernelEnum): Mode =>
  (b) =>
    sharp(b, { sequentialRead: true, failOn: 'truncated' })
      .resize(64, 64, { fit: 'fill', ...(kernel ? { kernel } : {}) })
      .raw()
      .toBuffer();

export const MODES: Record<string, Mode> = {
  naive: (b) => sharp(b).greyscale().resize(32, 32).raw().toBuffer(),
  ours: async (b) => {
    sha256(b);
    await fingerprint(b);
  },
  decode: decodeWith(),
  'decode-nearest': decodeWith('nearest'),
  'decode-linear': decodeWith('linear'),
  'decode-cubic': decodeWith('cubic'),
  'decode-mitchell': decodeWith('mitchell'),
};

/** Per round: images per second, CPU ms per image, ratio of images per second to naive's, ratio of naive's CPU per image to this mode's. */
export interface ModeResult {
  mode: string;
  inFlight: number;
  imagesPerSecond: number[];
  cpuMsPerImage: number[];
  ratio: number[];
  cpuRatio: number[];
}

async function mapInFlight<T>(items: T[], inFlight: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function timed(files: Buffer[], inFlight: number, fn: Mode): Promise<{ rate: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await mapInFlight(files, inFlight, fn);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: files.length / seconds, cpuMs: (used.user + used.system) / 1000 / files.length };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The corpus's original JPEG photos, as bench/accuracy.ts's throughput figure uses them. */
export async function corpusJpegs(): Promise<Buffer[]> {
  const corpus = await buildCorpus(path.join(os.tmpdir(), 'doublon-bench-corpus'), {});
  let files = corpus.files.filter((f) => f.transform === undefined && /\.jpe?g$/i.test(f.name));
  if (files.length < 20) files = corpus.files.filter((f) => f.transform === 'jpeg-q70');
  return files.map((f) => fs.readFileSync(f.path));
}

export async function runThroughputModes(
  files: Buffer[],
  modes: string[],
  inFlights: number[],
  rounds: number,
  log: (s: string) => void,
): Promise<ModeResult[]> {
  const results: ModeResult[] = [];
  for (const inFlight of inFlights) {
    for (const m of ['naive', ...modes]) await timed(files, inFlight, MODES[m]); // warm-up
    const naive: { rate: number; cpuMs: number }[] = [];
    const per = new Map(
      modes.map((m) => [
        m,
        {
          mode: m,
          inFlight,
          imagesPerSecond: [] as number[],
          cpuMsPerImage: [] as number[],
          ratio: [] as number[],
          cpuRatio: [] as number[],
        },
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      // ABBA: naive, modes…, modes reversed, naive — a drift in outside load hits every mode alike.
      const order = ['naive', ...modes, ...[...modes].reverse(), 'naive'];
      const sums = new Map<string, { seconds: number; cpuMs: number; passes: number }>();
      for (const m of order) {
        const x = await timed(files, inFlight, MODES[m]);
        const e = sums.get(m) ?? { seconds: 0, cpuMs: 0, passes: 0 };
        e.seconds += files.length / x.rate;
        e.cpuMs += x.cpuMs;
        e.passes++;
        sums.set(m, e);
      }
      const rate = (m: string): number => {
        const e = sums.get(m) as { seconds: number; passes: number };
        return (files.length * e.passes) / e.seconds;
      };
      const cpuOf = (m: string): number => {
        const e = sums.get(m) as { cpuMs: number; passes: number };
        return e.cpuMs / e.passes;
      };
      const a = { rate: rate('naive'), cpuMs: cpuOf('naive') };
      naive.push(a);
      const line = [`in flight ${inFlight}, round ${r + 1}: naive ${a.rate.toFixed(0)} img/s (${a.cpuMs.toFixed(2)} ms CPU)`];
      for (const m of modes) {
        const b = { rate: rate(m), cpuMs: cpuOf(m) };
        const e = per.get(m) as ModeResult;
        e.imagesPerSecond.push(b.rate);
        e.cpuMsPerImage.push(b.cpuMs);
        e.ratio.push(b.rate / a.rate);
        e.cpuRatio.push(a.cpuMs / b.cpuMs);
        line.push(`${m} ${b.rate.toFixed(0)} (${b.cpuMs.toFixed(2)} ms, ${(b.rate / a.rate).toFixed(2)}×)`);
      }
      log(line.join(', '));
    }
    results.push({
      mode: 'naive',
      inFlight,
      imagesPerSecond: naive.map((x) => x.rate),
      cpuMsPerImage: naive.map((x) => x.cpuMs),
      ratio: naive.map(() => 1),
      cpuRatio: naive.map(() => 1),
    });
    results.push(...per.values());
  }
  return results;
}

export function formatModes(results: ModeResult[], files: number): string {
  const lines = [
    `${files} JPEGs, sharp concurrency ${sharp.concurrency()}, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4}, ${os.cpus().length} cores`,
  ];
  lines.push(
    `${'mode'.padEnd(16)} ${'in flight'.padStart(9)} ${'img/s best'.padStart(10)} ${'median'.padStart(7)} ${'CPU ms/img'.padStart(10)} ${'ratio best'.padStart(10)} ${'median'.padStart(7)} ${'CPU ratio'.padStart(9)}`,
  );
  for (const r of results) {
    lines.push(
      `${r.mode.padEnd(16)} ${String(r.inFlight).padStart(9)} ${Math.max(...r.imagesPerSecond)
        .toFixed(0)
        .padStart(
          10,
        )} ${median(r.imagesPerSecond).toFixed(0).padStart(7)} ${median(r.cpuMsPerImage).toFixed(2).padStart(10)} ${(Math.max(...r.ratio).toFixed(2) + '×').padStart(10)} ${(median(r.ratio).toFixed(2) + '×').padStart(7)} ${(median(r.cpuRatio).toFixed(2) + '×').padStart(9)}`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const inFlights = arg('--in-flight', '6').split(',').map(Number);
  const rounds = Number(arg('--rounds', '5'));
  const modes = arg('--modes', 'ours').split(',');
  for (const m of modes) if (!MODES[m]) throw new Error(`unknown mode ${m} (${Object.keys(MODES).join(', ')})`);
  corpusJpegs()
    .then(async (files) => {
      const results = await runThroughputModes(files, modes, inFlights, rounds, (s) => console.error(s));
      console.log(formatModes(results, files.length));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
