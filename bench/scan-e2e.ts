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
 * growth per doubling; (c) the similarity stage alone on simulated fingerprints, against hashing and the naive
 * decode measured in the same process (bench/similarity-stage.ts; `--baseline OUT` measures another build's
 * similarity graph in the same run).
 *
 *   node out/bench/scan-e2e.js [--sets photos,icons,similarity] [--rounds 2] [--bin other/bin/doublon.js]
 *        [--icons /usr/share/icons/Papirus/48x48/apps] [--icon-sizes 250,500,1000,2000] [--million 1000000]
 *        [--probes 200] [--baseline /tmp/scale-main-out]
 *
 * Targets (issue 9): photo scan ≥ 1.2× the naive throughput; each icon doubling ≤ 2.2×; 2 000 icons in
 * ≤ 2× the naive pass; peak RSS < 300 MB; the similarity stage ≤ 10 % of hashing at 10⁵ images.
 * Writes bench-results/scan-e2e.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCorpus } from './corpus';
import { similarityStage } from './similarity-stage';

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
    if (sets.has('similarity')) {
      const baseline = arg('--baseline', '');
      results.similarity = await similarityStage({
        million: Number(arg('--million', '1000000')),
        probes: Number(arg('--probes', '200')),
        baseline: baseline || undefined,
      });
    }
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
