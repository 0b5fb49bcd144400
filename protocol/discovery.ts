/**
 * Finding and starting the daemon of an index, for every client: the CLI, `doublon lsp`, the dashboard
 * command and the VS Code extension. Node built-ins only (the extension imports nothing else of ours).
 *
 * A daemon publishes `daemon.json` (mode 0600) in its index folder once it serves; `daemon.lock` holds the
 * pid of the process that owns the index. Two clients starting a daemon at once both spawn one: the second
 * loses the lock and exits, and both clients then connect to the winner (`startDaemonProcess`).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { withAllocatorSettings } from './allocator';
import { CONFIG_FILE_NAME } from './settings';

/** How to reach a running daemon: what it writes to `daemon.json`. */
export interface DaemonInfo {
  pid: number;
  /** Local socket (LSP framing) path. */
  socket: string;
  /** HTTP port on 127.0.0.1. */
  port: number;
  token: string;
  version: string;
  startedAt: string;
  roots: string[];
  indexDir: string;
  /** The process that starts the daemon again after a crash (daemon/process/supervisor.ts), when one does. */
  supervisor?: number;
}

export function lockPath(indexDir: string): string {
  return path.join(indexDir, 'daemon.lock');
}

export function infoPath(indexDir: string): string {
  return path.join(indexDir, 'daemon.json');
}

export function logPath(indexDir: string): string {
  return path.join(indexDir, 'daemon.log');
}

/** Looks for doublon.config.json in `startDir` and its parents, as git does for `.git`. */
export function findConfigFile(startDir: string): string | undefined {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function socketAnswers(socket: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    const done = (answer: boolean): void => {
      connection.destroy();
      resolve(answer);
    };
    connection.once('connect', () => done(true));
    connection.once('error', () => done(false));
    connection.setTimeout(timeoutMs, () => done(false));
  });
}

export function readDaemonInfo(indexDir: string): DaemonInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(infoPath(indexDir), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** The pid in the lock file, if any (the daemon that holds the index, or one starting). */
function lockHolder(indexDir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath(indexDir), 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The daemon serving this index, if one is alive and answering. */
export async function findRunningDaemon(indexDir: string): Promise<DaemonInfo | undefined> {
  const info = readDaemonInfo(indexDir);
  if (!info || !processAlive(info.pid)) return undefined;
  return (await socketAnswers(info.socket)) ? info : undefined;
}

export class DaemonStartError extends Error {
  constructor(
    message: string,
    readonly logFile?: string,
  ) {
    super(message);
    this.name = 'DaemonStartError';
  }
}

/** The command that runs a daemon in the foreground (`doublon daemon start --foreground …`). */
export interface DaemonLaunch {
  /** The executable: Node, or VS Code's own with `ELECTRON_RUN_AS_NODE=1` in `env`. */
  node: string;
  args: string[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd: string;
  /** Runs before the spawn: the index folder is created private (mode 0700) by the caller's own means, if it has one. */
  prepare?: () => void;
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts a detached daemon (it outlives the caller) logging to the index's `daemon.log`, and resolves once
 * a daemon serves the index: ours (`started`), or the one that won a start race against it (another client
 * started one at the same moment; ours lost the lock and exited). Fails with the log's last lines when the
 * daemon exits first, and after `timeoutMs` when none answers.
 */
export async function startDaemonProcess(
  indexDir: string,
  launch: DaemonLaunch,
  timeoutMs = 60_000,
): Promise<{ info: DaemonInfo; started: boolean }> {
  if (launch.prepare) launch.prepare();
  else fs.mkdirSync(indexDir, { recursive: true, mode: 0o700 });
  const logFile = logPath(indexDir);
  const out = fs.openSync(logFile, 'a', 0o600);
  let exited: { code: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  try {
    const env = { ...process.env, ...launch.env };
    const child = spawn(launch.node, launch.args, {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: launch.cwd,
      env: withAllocatorSettings(env) ?? env,
    });
    child.once('error', (error) => (spawnError = error));
    child.once('exit', (code, signal) => (exited = { code, signal }));
    child.unref();
    const deadline = Date.now() + timeoutMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
      if (spawnError) {
        const code = (spawnError as NodeJS.ErrnoException).code;
        throw new DaemonStartError(
          code === 'ENOENT'
            ? `cannot run ${launch.node}: no such file (set doublon.nodePath to a Node.js 20 executable, or clear it)`
            : `cannot run ${launch.node}: ${spawnError.message}`,
          logFile,
        );
      }
      // A daemon that lost the race to another one exits; the winner's info is what we want.
      const info = readDaemonInfo(indexDir);
      // Ours is the child, or the daemon the child supervises.
      const ours = (d: DaemonInfo): boolean => d.pid === child.pid || d.supervisor === child.pid;
      if (info && (ours(info) || exited)) {
        const alive = await findRunningDaemon(indexDir);
        if (alive) return { info: alive, started: ours(alive) };
      }
      if (exited) {
        // Lost the race to a daemon still starting (it holds the lock, its daemon.json is not written yet).
        const holder = lockHolder(indexDir);
        const winnerStarting = holder !== undefined && holder !== child.pid && processAlive(holder);
        if (!winnerStarting) {
          throw new DaemonStartError(
            `the daemon exited (${exited.code !== null ? `code ${exited.code}` : `signal ${exited.signal}`}) before it was ready:\n${tail(logFile, 8)}`,
            logFile,
          );
        }
      }
      if (Date.now() > deadline)
        throw new DaemonStartError(
          `the daemon did not become ready within ${timeoutMs / 1000} s (pid ${child.pid}); see ${logFile}`,
          logFile,
        );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  } finally {
    fs.closeSync(out);
  }
}

/** The running daemon of this index, or one started for it (see `startDaemonProcess`). */
export async function ensureDaemon(
  indexDir: string,
  launch: DaemonLaunch,
  timeoutMs?: number,
): Promise<{ info: DaemonInfo; started: boolean }> {
  const running = await findRunningDaemon(indexDir);
  if (running) return { info: running, started: false };
  return startDaemonProcess(indexDir, launch, timeoutMs);
}
