/** Runs a real daemon process on a folder and connects to it like an editor and the CLI would. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { readDaemonInfo, type DaemonInfo } from '../../daemon/server/lifecycle';
import { DaemonClient } from '../../daemon/cli/client';
import type { DaemonStatus } from '../../protocol/methods';
import { BIN } from './cli';
import { writeBasicSite } from './site';
import { tempDir } from '../fixtures/images';

import { waitFor } from './wait';

export { waitFor };

export interface DaemonHandle {
  child: ChildProcess;
  info: DaemonInfo;
  http: DaemonClient;
  log: () => string;
  /** An editor-style connection over the local socket; notifications can be listened to on it. */
  connect(): Promise<MessageConnection>;
  idle(): Promise<DaemonStatus>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function startDaemonProcess(
  root: string,
  indexDir: string,
  /** supervised: the daemon runs under its supervisor (`--restart-on-crash`), `child`; `info` is the first daemon's. */
  options: { poll?: boolean; extraArgs?: string[]; env?: NodeJS.ProcessEnv; supervised?: boolean } = {},
): Promise<DaemonHandle> {
  const args = [
    BIN,
    'daemon',
    'start',
    '--foreground',
    '--index',
    indexDir,
    ...(options.poll ? ['--poll'] : []),
    ...(options.supervised ? ['--restart-on-crash'] : []),
    ...(options.extraArgs ?? []),
    root,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const info = await waitFor('daemon.json', () => {
    if (exited) throw new Error(`the daemon exited:\n${output}`);
    const found = readDaemonInfo(indexDir);
    return found?.pid === child.pid || (options.supervised && found?.supervisor === child.pid) ? found : undefined;
  });
  const http = new DaemonClient(info);
  const connections: MessageConnection[] = [];
  return {
    child,
    info,
    http,
    log: () => output,
    async connect() {
      const socket = net.connect(info.socket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
      connection.listen();
      connections.push(connection);
      return connection;
    },
    idle: () =>
      waitFor('the daemon to be idle', async () => {
        const status = await http.request<DaemonStatus>('doublon/status');
        return status.state === 'idle' ? status : undefined;
      }),
    async stop() {
      connections.forEach((c) => c.dispose());
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
    async kill() {
      connections.forEach((c) => c.dispose());
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

export function copyInto(dir: string, from: string, to: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
  fs.copyFileSync(path.join(dir, from), path.join(dir, to));
}

/**
 * A real daemon on a fresh basic site (writeBasicSite) for the tests of the enclosing describe block: started
 * and idle before them, stopped and its folder removed after. Read `.daemon` inside the tests.
 */
export function daemonOnBasicSite(prefix: string): { readonly daemon: DaemonHandle } {
  let dir: ReturnType<typeof tempDir> | undefined;
  let handle: DaemonHandle | undefined;
  before(async () => {
    dir = tempDir(prefix);
    const root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    handle = await startDaemonProcess(root, path.join(dir.path, 'index'));
    await handle.idle();
  });
  after(async () => {
    await handle?.stop();
    dir?.cleanup();
  });
  return {
    get daemon(): DaemonHandle {
      if (!handle) throw new Error('the daemon is not started yet (use it inside a test)');
      return handle;
    },
  };
}
