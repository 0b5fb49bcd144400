/**
 * One daemon per index: a lock file says who holds it, `daemon.json` (mode 0600) says how to reach it.
 * A lock left by a killed daemon is detected (its process is gone, or its socket does not answer) and
 * taken over; a live one makes the second daemon refuse and say where the first is.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

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
}

export class DaemonRunningError extends Error {
  constructor(readonly info: DaemonInfo | undefined, pid: number, indexDir: string) {
    super(
      info
        ? `a daemon already serves the index ${indexDir}: pid ${info.pid}, socket ${info.socket}, http://127.0.0.1:${info.port} (stop it with \`doublon daemon stop\`)`
        : `a daemon (pid ${pid}) is starting on the index ${indexDir}; try again in a moment, or stop it with \`kill ${pid}\``,
    );
    this.name = 'DaemonRunningError';
  }
}

export function lockPath(indexDir: string): string {
  return path.join(indexDir, 'daemon.lock');
}

export function infoPath(indexDir: string): string {
  return path.join(indexDir, 'daemon.json');
}

/** Unix socket paths are limited to about 104–108 bytes: fall back to the temp folder for deep indexes. */
export function socketPathFor(indexDir: string): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\doublon-${createHash('sha256').update(indexDir).digest('hex').slice(0, 16)}`;
  const inside = path.join(indexDir, 'daemon.sock');
  if (Buffer.byteLength(inside) < 100) return inside;
  return path.join(os.tmpdir(), `doublon-${createHash('sha256').update(indexDir).digest('hex').slice(0, 16)}.sock`);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function socketAnswers(socket: string, timeoutMs = 1000): Promise<boolean> {
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

/** The daemon serving this index, if one is alive and answering. */
export async function findRunningDaemon(indexDir: string): Promise<DaemonInfo | undefined> {
  const info = readDaemonInfo(indexDir);
  if (!info || !processAlive(info.pid)) return undefined;
  return (await socketAnswers(info.socket)) ? info : undefined;
}

export class DaemonLock {
  private constructor(private readonly indexDir: string) {}

  static async acquire(indexDir: string): Promise<DaemonLock> {
    fs.mkdirSync(indexDir, { recursive: true });
    const file = lockPath(indexDir);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // 'wx' creates atomically or fails: two daemons cannot both win.
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        return new DaemonLock(indexDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      const info = readDaemonInfo(indexDir);
      const alive = Number.isInteger(holder) && holder !== process.pid && processAlive(holder);
      // A live pid may be a recycled one: a real daemon with an info file also answers on its socket.
      const stale = !alive || (info?.pid === holder && !(await socketAnswers(info.socket)));
      if (!stale) throw new DaemonRunningError(info?.pid === holder ? info : undefined, holder, indexDir);
      fs.rmSync(file, { force: true });
      fs.rmSync(infoPath(indexDir), { force: true });
    }
    throw new Error(`cannot take the daemon lock ${file}: another process keeps recreating it`);
  }

  writeInfo(info: DaemonInfo): void {
    const file = infoPath(this.indexDir);
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(temp, file);
  }

  release(): void {
    fs.rmSync(infoPath(this.indexDir), { force: true });
    fs.rmSync(lockPath(this.indexDir), { force: true });
  }
}
