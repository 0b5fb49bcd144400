/**
 * The hashing phase of a cold scan alone (crawl, read, sha256, decode, fingerprint, index writes: the
 * scanner's updateIndex on a fresh index, no grouping) against the naive sharp pass over the same files, each
 * as a process of its own with the CLI's allocator settings, in ABBA rounds (naive, hashing, hashing, naive)
 * so a drift in outside load hits both alike. CPU seconds (user + system, all threads) are the steadier figure
 * on a shared machine; ratios are taken within a round, over the processes' figures (Node's start-up in both).
 *
 *   node out/bench/hash-phase.js DIR [--rounds 2] [--concurrency 4]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withAllocatorSettings } from '../protocol/allocator';
import { openIndex } from '../daemon/index/open';
import { updateIndex } from '../daemon/scan/scanner';

interface Run {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  files: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** In the child: the hashing phase over `dir` into a temporary index, its figures as JSON on stdout. */
async function hashingPhase(dir: string, concurrency: number | undefined): Promise<void> {
  const indexDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-hash-phase-'));
  try {
    const store = openIndex({ indexDir });
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { stats } = await updateIndex(store, {
      roots: [dir],
      include: ['**/*.{png,jpg,jpeg,jfif,gif,webp,avif,tif,tiff,svg}'],
      exclude: [],
      gitignore: false,
      skipFolders: [indexDir],
      maxPixels: 100_000_000,
      concurrency,
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await store.close();
    const run: Run = {
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      files: stats.files,
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    fs.rmSync(indexDir, { recursive: true, force: true });
  }
}

/** A process's wall time, CPU time and peak RSS (GNU time), and its stdout. */
function timed(args: string[]): Run & { stdout: string } {
  const stats = path.join(os.tmpdir(), `doublon-hash-phase-time-${process.pid}`);
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', stats, process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: withAllocatorSettings(process.env) ?? process.env,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const [user, system, kb] = fs.readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(stats, { force: true });
  return { seconds, cpuSeconds: user + system, peakRssMb: kb / 1024, files: 0, stdout: result.stdout };
}

function naive(dir: string): Run {
  const run = timed([path.join(__dirname, 'naive-pass.js'), dir]);
  return { ...run, files: (JSON.parse(run.stdout) as { files: number }).files };
}

/** The process's figures, like the naive pass's (Node's start-up included in both); the phase's own in `phase`. */
function hashing(dir: string, concurrency: string | undefined): Run & { phase: Run } {
  const run = timed([__filename, '--child', dir, ...(concurrency ? ['--concurrency', concurrency] : [])]);
  const phase = JSON.parse(run.stdout) as Run;
  return { ...run, files: phase.files, phase };
}

function main(): void {
  const dir = path.resolve(process.argv[2] ?? '');
  if (!fs.existsSync(dir)) throw new Error('usage: node out/bench/hash-phase.js DIR [--rounds 2] [--concurrency 4]');
  const concurrency = process.argv.includes('--concurrency') ? arg('--concurrency', '4') : undefined;
  const rounds = Number(arg('--rounds', '2'));
  const line = (name: string, r: Run): string =>
    `${name.padEnd(8)} ${r.seconds.toFixed(2).padStart(6)} s  ${(r.files / r.seconds).toFixed(0).padStart(4)} files/s  ` +
    `${r.cpuSeconds.toFixed(2).padStart(6)} s CPU  ${r.peakRssMb.toFixed(0).padStart(4)} MB`;
  for (let round = 1; round <= rounds; round++) {
    const a = naive(dir);
    const b = hashing(dir, concurrency);
    const c = hashing(dir, concurrency);
    const d = naive(dir);
    const naiveSeconds = (a.seconds + d.seconds) / 2;
    const naiveCpu = (a.cpuSeconds + d.cpuSeconds) / 2;
    const hashSeconds = (b.seconds + c.seconds) / 2;
    const hashCpu = (b.cpuSeconds + c.cpuSeconds) / 2;
    console.log(`round ${round} (load ${os.loadavg()[0].toFixed(1)})`);
    for (const [name, r] of [
      ['naive', a],
      ['hashing', b],
      ['hashing', c],
      ['naive', d],
    ] as const) {
      const phase = 'phase' in r ? `  (the phase alone: ${r.phase.seconds.toFixed(2)} s, ${r.phase.cpuSeconds.toFixed(2)} s CPU)` : '';
      console.log(`  ${line(name, r)}${phase}`);
    }
    console.log(
      `  hashing throughput / naive: ${(naiveSeconds / hashSeconds).toFixed(2)}× (wall), ${(naiveCpu / hashCpu).toFixed(2)}× (CPU per file)`,
    );
  }
}

if (process.argv[2] === '--child')
  hashingPhase(process.argv[3], process.argv.includes('--concurrency') ? Number(arg('--concurrency', '4')) : undefined).catch(
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
else main();
