/**
 * The live daemon, measured from outside like an editor sees it (a real daemon process, the local socket):
 * - latency from an image renamed into place to the `doublon/groupsChanged` notification that shows it;
 * - a bulk change of thousands of files: time until the daemon is idle with the right groups, notifications
 *   sent, the daemon's peak RSS;
 * - `doublon/status` latency while a large scan runs;
 * - concurrent clients over HTTP and the socket: requests/s, errors, the daemon's RSS before and after.
 *
 *   node out/bench/daemon.js [--events 200] [--bulk 5000] [--scan 20000]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GroupsChangedNotification, StatusRequest, type GroupsChangedParams } from '../protocol/methods';
import { makePhoto } from '../test/fixtures/images';
import { startDaemonProcess, waitFor, type DaemonHandle } from '../test/helpers/daemon';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Peak and current resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

async function writeDistinct(dir: string, count: number, seed: number, size = 64): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `p${i}.png`), await makePhoto(seed + i, size, size));
}

export interface DaemonBenchResult {
  liveLatency: { events: number; medianMs: number; p95Ms: number };
  bulk: { files: number; settleMs: number; notifications: number; peakRssMB: number };
  statusDuringScan: { files: number; samples: number; medianMs: number; p95Ms: number; scanMs: number };
  concurrency: {
    clients: number;
    requestsPerClient: number;
    transport: string;
    requestsPerSecond: number;
    errors: number;
    rssBeforeMB: number;
    rssAfterMB: number;
  }[];
}

async function liveLatency(root: string, daemon: DaemonHandle, events: number): Promise<DaemonBenchResult['liveLatency']> {
  const editor = await daemon.connect();
  const seen = new Map<string, number>();
  editor.onNotification(GroupsChangedNotification.type, (p: GroupsChangedParams) => {
    const now = performance.now();
    for (const g of p.changed) for (const m of g.members) if (!seen.has(m.path)) seen.set(m.path, now);
  });
  const original = fs.readFileSync(path.join(root, 'base/p0.png'));
  const latencies: number[] = [];
  for (let i = 0; i < events; i++) {
    const rel = `live/copy-${i}.png`;
    const temp = path.join(root, `live/.tmp-${i}`);
    fs.mkdirSync(path.dirname(temp), { recursive: true });
    fs.writeFileSync(temp, original);
    const started = performance.now();
    fs.renameSync(temp, path.join(root, rel));
    const at = await waitFor(`the notification for ${rel}`, () => seen.get(rel), 10_000);
    latencies.push(at - started);
  }
  editor.dispose();
  return { events, medianMs: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95) };
}

async function bulk(root: string, daemon: DaemonHandle, files: number): Promise<DaemonBenchResult['bulk']> {
  const editor = await daemon.connect();
  let notifications = 0;
  editor.onNotification(GroupsChangedNotification.type, () => {
    notifications++;
  });
  const source = fs.readFileSync(path.join(root, 'base/p1.png'));
  const started = performance.now();
  // Like a checkout: thousands of files appear at once, in a few folders.
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `bulk/d${i % 50}`);
    if (i < 50) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `b${i}.png`), source);
  }
  await waitFor(
    'the bulk copies in one group',
    async () => {
      const status = await editor.sendRequest(StatusRequest.type);
      return status.state === 'idle' && status.duplicates >= files ? status : undefined;
    },
    300_000,
  );
  const settleMs = performance.now() - started;
  editor.dispose();
  return { files, settleMs, notifications, peakRssMB: memoryOf(daemon.child.pid!).peakMB };
}

async function statusDuringScan(dir: string, files: number): Promise<DaemonBenchResult['statusDuringScan']> {
  const root = path.join(dir, 'big');
  // Few distinct contents: the scan is mostly stat + read + SHA-256, as a large asset tree's rescan.
  const sources: Buffer[] = [];
  for (let i = 0; i < 50; i++) sources.push(await makePhoto(5000 + i, 64, 48));
  for (let i = 0; i < files; i++) {
    const folder = path.join(root, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `f${i}.png`), sources[i % sources.length]);
  }
  const daemon = await startDaemonProcess(root, path.join(dir, 'big-index'));
  const started = performance.now();
  const samples: number[] = [];
  try {
    for (;;) {
      const t = performance.now();
      const status = await daemon.http.request<{ state: string }>('doublon/status');
      samples.push(performance.now() - t);
      if (status.state === 'idle') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await daemon.stop();
  }
  return {
    files,
    samples: samples.length,
    medianMs: percentile(samples, 0.5),
    p95Ms: percentile(samples, 0.95),
    scanMs: performance.now() - started,
  };
}

async function concurrency(
  daemon: DaemonHandle,
  transport: 'http' | 'socket',
  clients: number,
  perClient: number,
): Promise<DaemonBenchResult['concurrency'][number]> {
  const before = memoryOf(daemon.child.pid!).rssMB;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const connection = transport === 'socket' ? await daemon.connect() : undefined;
      for (let i = 0; i < perClient; i++) {
        try {
          if (connection) await connection.sendRequest(StatusRequest.type);
          else await daemon.http.request('doublon/status');
        } catch {
          errors++;
        }
      }
      connection?.dispose();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  return {
    clients,
    requestsPerClient: perClient,
    transport,
    requestsPerSecond: (clients * perClient) / seconds,
    errors,
    rssBeforeMB: before,
    rssAfterMB: memoryOf(daemon.child.pid!).rssMB,
  };
}

export async function runDaemonBench(
  options: { events?: number; bulk?: number; scan?: number; log?: (s: string) => void } = {},
): Promise<DaemonBenchResult> {
  const log = options.log ?? console.log;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-bench-daemon-'));
  try {
    const root = path.join(dir, 'site');
    await writeDistinct(path.join(root, 'base'), 20, 100);
    const daemon = await startDaemonProcess(root, path.join(dir, 'index'));
    let result: DaemonBenchResult;
    try {
      await daemon.idle();
      const live = await liveLatency(root, daemon, options.events ?? 200);
      log(
        `live: image renamed into place → groupsChanged: median ${live.medianMs.toFixed(0)} ms, p95 ${live.p95Ms.toFixed(0)} ms over ${live.events} events`,
      );
      const many = await bulk(root, daemon, options.bulk ?? 5000);
      log(
        `bulk: ${many.files} files settled in ${(many.settleMs / 1000).toFixed(1)} s with ${many.notifications} notifications; daemon peak RSS ${many.peakRssMB.toFixed(0)} MB`,
      );
      const loads: DaemonBenchResult['concurrency'] = [];
      for (const transport of ['http', 'socket'] as const) {
        const r = await concurrency(daemon, transport, 20, 500);
        loads.push(r);
        log(
          `load: 20 clients × 500 requests over ${transport}: ${r.requestsPerSecond.toFixed(0)} req/s, ${r.errors} errors, RSS ${r.rssBeforeMB.toFixed(0)} → ${r.rssAfterMB.toFixed(0)} MB`,
        );
      }
      result = {
        liveLatency: live,
        bulk: many,
        statusDuringScan: { files: 0, samples: 0, medianMs: 0, p95Ms: 0, scanMs: 0 },
        concurrency: loads,
      };
    } finally {
      await daemon.stop();
    }
    result.statusDuringScan = await statusDuringScan(dir, options.scan ?? 20_000);
    const s = result.statusDuringScan;
    log(
      `status during a ${s.files}-file scan (${(s.scanMs / 1000).toFixed(1)} s): median ${s.medianMs.toFixed(1)} ms, p95 ${s.p95Ms.toFixed(1)} ms over ${s.samples} requests`,
    );
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runDaemonBench({ events: arg('events'), bulk: arg('bulk'), scan: arg('scan') }).then(
    (result) => {
      const out = path.resolve(__dirname, '../../bench-results');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'daemon.json'), JSON.stringify(result, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
