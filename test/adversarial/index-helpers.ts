/** Shared by the adversarial index tests: the bundled example site, scanned by the real `doublon` process. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanReport } from '../../protocol/report';
import { BIN } from '../helpers/cli';

export const EXAMPLE_SITE = path.resolve(__dirname, '../../../examples/city-site');

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `doublon …` as a real process (a crash in LMDB is a signal death there, not an exception). */
export function doublon(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ProcessResult {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env });
  return {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: Math.round(performance.now() - started),
  };
}

/** Copies the example site (without any index) to `into`. */
export function copyExampleSite(into: string): void {
  fs.cpSync(EXAMPLE_SITE, into, { recursive: true, filter: (source) => path.basename(source) !== '.doublon' });
}

/** What must not change between a fresh scan and a scan after a recovery: the groups, their members, classes. */
export function groupsOf(report: ScanReport): unknown[] {
  return report.groups
    .map((g) => ({
      class: g.class,
      canonical: g.canonical,
      members: g.members.map((m) => `${m.path} ${m.class} ${m.similarity.toFixed(4)}`).sort(),
    }))
    .sort((a, b) => a.canonical.localeCompare(b.canonical));
}

/** `doublon scan --json` that must succeed: exit 0, no signal; returns the parsed report. */
export function scanJson(cwd: string, env?: NodeJS.ProcessEnv): { report: ScanReport; result: ProcessResult } {
  const result = doublon(cwd, ['scan', '--json'], env);
  assert.equal(result.signal, null, `scan died by ${result.signal}:\n${result.stderr}`);
  assert.equal(result.code, 0, `scan exited ${result.code}:\n${result.stderr}`);
  return { report: JSON.parse(result.stdout) as ScanReport, result };
}

/** A deterministic byte stream (xorshift32), so a "random damage" case is the same on every run. */
export function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}
