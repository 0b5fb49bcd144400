/**
 * One daemon per index: a lock file says who holds it, `daemon.json` (mode 0600) says how to reach it.
 * A lock left by a killed daemon is detected (its process is gone, or its socket does not answer) and
 * taken over; a live one makes the second daemon refuse and say where the first is.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { atomicWriteSync } from '../fs/atomic-write';
import { makePrivateDir } from '../index/private';
import { infoPath, lockPath, processAlive, readDaemonInfo, socketAnswers, type DaemonInfo } from '../../protocol/discovery';

// Finding a daemon is the clients' side (protocol/discovery.ts, which the extension shares); re-exported
// for the callers that also take or inspect the lock.
export { findRunningDaemon, infoPath, lockPath, processAlive, readDaemonInfo, type DaemonInfo } from '../../protocol/discovery';

export class DaemonRunningError extends Error {
  constructor(
    readonly info: DaemonInfo | undefined,
    pid: number,
    indexDir: string,
  ) {
    super(
      info
        ? `a daemon already serves the index ${indexDir}: pid ${info.pid}, socket ${info.socket}, http://127.0.0.1:${info.port} (stop it with \`doublon daemon stop\`)`
        : `a daemon (pid ${pid}) is starting on the index ${indexDir}; try again in a moment, or stop it with \`kill ${pid}\``,
    );
    this.name = 'DaemonRunningError';
  }
}

/** The socket folder exists but another user could reach or replace it: the daemon refuses to serve there. */
export class UnsafeSocketFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeSocketFolderError';
  }
}

/** Unix socket paths are limited to 104–108 bytes (sun_path). */
const MAX_SOCKET_PATH = 100;

/**
 * Where the daemon of this index listens. Inside the index folder (private, 0700) when the path is short
 * enough; else in a private folder of this user: `$XDG_RUNTIME_DIR/doublon/`, or `<tmp>/doublon-<uid>/`
 * (created 0700, and refused unless it is a real folder of ours with mode 0700). Never a predictable
 * name in a shared folder, where another local user could listen first (or plant a symlink).
 */
export function socketPathFor(indexDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256').update(indexDir).digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\.\\pipe\\doublon-${hash}`;
  const inside = path.join(indexDir, 'daemon.sock');
  if (Buffer.byteLength(inside) < MAX_SOCKET_PATH) return inside;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && path.isAbsolute(runtime) && Buffer.byteLength(path.join(runtime, 'doublon', `${hash}.sock`)) < MAX_SOCKET_PATH) {
    return path.join(privateFolder(path.join(runtime, 'doublon')), `${hash}.sock`);
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(privateFolder(path.join(os.tmpdir(), `doublon-${uid}`)), `${hash}.sock`);
}

/** Creates `dir` with mode 0700 if missing, then checks it is ours alone; returns it. */
function privateFolder(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = fs.lstatSync(dir);
  const advice = `Remove it (or set XDG_RUNTIME_DIR to a private folder of yours) and start the daemon again.`;
  if (stat.isSymbolicLink())
    throw new UnsafeSocketFolderError(`refusing to put the daemon's socket in ${dir}: it is a symbolic link, not a folder. ${advice}`);
  if (!stat.isDirectory())
    throw new UnsafeSocketFolderError(`refusing to put the daemon's socket in ${dir}: it is not a folder. ${advice}`);
  const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
  if (stat.uid !== uid)
    throw new UnsafeSocketFolderError(
      `refusing to put the daemon's socket in ${dir}: it belongs to uid ${stat.uid}, not to you (uid ${uid}), so its owner could intercept the daemon. ${advice}`,
    );
  const mode = stat.mode & 0o777;
  if (mode !== 0o700)
    throw new UnsafeSocketFolderError(
      `refusing to put the daemon's socket in ${dir}: its mode is ${mode.toString(8).padStart(4, '0')}, expected 0700 (other users could reach or replace the socket). ${advice}`,
    );
  return dir;
}

export class DaemonLock {
  private constructor(private readonly indexDir: string) {}

  static async acquire(indexDir: string): Promise<DaemonLock> {
    makePrivateDir(indexDir);
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
    atomicWriteSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  }

  release(): void {
    fs.rmSync(infoPath(this.indexDir), { force: true });
    fs.rmSync(lockPath(this.indexDir), { force: true });
  }
}
