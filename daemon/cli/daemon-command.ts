/** `doublon daemon start|stop|status`, and starting a daemon for `doublon lsp` and the CLI. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { ShutdownRequest, type DaemonStatus } from '../../protocol/methods';
import {
  ensureDaemon as ensureDaemonOf,
  findRunningDaemon,
  logPath as daemonLogPath,
  processAlive,
  type DaemonInfo,
} from '../../protocol/discovery';
import { DaemonClient } from './client';
import { makePrivateDir } from '../index/private';
import { formatBytes } from '../report/formats';
import { escapeControls, quotePath } from '../report/printable';

/** The command to start a daemon with: bin/doublon.js in a checkout, the running bundle inside the extension. */
const CHECKOUT_BIN = path.resolve(__dirname, '../../../bin/doublon.js');
const BIN = fs.existsSync(CHECKOUT_BIN) ? CHECKOUT_BIN : process.argv[1];

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

export function logPath(config: ResolvedConfig): string {
  return daemonLogPath(config.indexDir);
}

/**
 * Starts a detached daemon for this config unless one runs; resolves with its info once it answers (or
 * with the daemon that won a start race against ours: protocol/discovery.ts, shared with the extension).
 */
export function ensureDaemon(config: ResolvedConfig, extraArgs: string[] = []): Promise<{ info: DaemonInfo; started: boolean }> {
  const args = [
    BIN,
    'daemon',
    'start',
    '--foreground',
    '--restart-on-crash',
    '--index',
    config.indexDir,
    ...(config.file ? ['--config', config.file] : []),
    ...extraArgs,
    ...(config.file ? [] : config.roots),
  ];
  return ensureDaemonOf(
    config.indexDir,
    { node: process.execPath, args, cwd: config.baseDir, prepare: () => makePrivateDir(config.indexDir) },
    15_000,
  );
}

export async function stopDaemon(config: ResolvedConfig): Promise<DaemonInfo | undefined> {
  const info = await findRunningDaemon(config.indexDir);
  if (!info) return undefined;
  try {
    await new DaemonClient(info).send(ShutdownRequest.type);
  } catch {
    process.kill(info.pid, 'SIGTERM'); // the HTTP side is wedged: the signal path still stops it cleanly
  }
  await waitFor(`pid ${info.pid} to exit`, 15_000, () => (processAlive(info.pid) ? undefined : true));
  // Its supervisor ends with it (a stopped daemon is not a crash).
  const supervisor = info.supervisor;
  if (supervisor !== undefined) await waitFor(`pid ${supervisor} to exit`, 15_000, () => (processAlive(supervisor) ? undefined : true));
  return info;
}

export function formatStatus(info: DaemonInfo, status: DaemonStatus): string {
  const lines = [
    `daemon ${status.version} running: pid ${info.pid}${info.supervisor !== undefined ? ` (supervised by pid ${info.supervisor}: started again if it crashes)` : ''}, ${status.state}${status.progress ? ` (${status.progress.done}/${status.progress.total})` : ''}`,
    `  roots:   ${status.roots.map(quotePath).join(', ')}`,
    `  index:   ${quotePath(status.indexDir)} (clock ${status.clock})`,
    `  serving: http://127.0.0.1:${info.port} and ${quotePath(info.socket)}`,
    `  images:  ${status.files} (${status.errors} unreadable), ${status.groups} duplicate groups, ${status.duplicates} duplicates, ${formatBytes(status.bytesReclaimable)} reclaimable`,
    `  watcher: ${status.watcher.mode}${status.watcher.problem ? ` — ${escapeControls(status.watcher.problem)}` : ''}`,
    ...(status.indexNotices ?? []).map((notice) => `  note:    ${escapeControls(notice)}`),
  ];
  return lines.join('\n') + '\n';
}
