/**
 * `doublon lsp` as an LSP server process, driven like an editor drives it (vscode-jsonrpc on its stdio),
 * started in a folder that is not the workspace: the root comes from initialize, -32002 before it, exit
 * codes as the specification says, `$/progress` for scans; and a daemon started with --idle-exit stops once
 * no client is left.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  WorkDoneProgressCreateRequest,
  type ProgressToken,
} from 'vscode-languageserver-protocol';
import type { DaemonStatus } from '../../protocol/methods';
import { findRunningDaemon } from '../../daemon/server/lifecycle';
import { tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';
import { writeBasicSite } from '../helpers/site';
import { startDaemonProcess, waitFor } from '../helpers/daemon';

interface Bridge {
  child: ChildProcess;
  connection: MessageConnection;
  exited: Promise<number | null>;
  stderr: () => string;
}

function startBridge(cwd: string): Bridge {
  const child = spawn(process.execPath, [BIN, 'lsp'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  return { child, connection, exited, stderr: () => stderr };
}

describe('doublon lsp (the stdio bridge) as the specification says', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup(): void };
  let first: string;
  let second: string;
  let elsewhere: string;
  const bridges: Bridge[] = [];

  before(async () => {
    dir = tempDir('doublon-bridge-');
    first = path.join(dir.path, 'first');
    second = path.join(dir.path, 'second');
    elsewhere = path.join(dir.path, 'elsewhere');
    await writeBasicSite(first);
    await writeBasicSite(second);
    fs.mkdirSync(elsewhere);
  });
  after(async () => {
    for (const bridge of bridges) {
      bridge.connection.dispose();
      bridge.child.kill();
    }
    for (const folder of [first, second]) {
      if (folder && (await findRunningDaemon(path.join(folder, '.doublon'))))
        spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { cwd: folder, timeout: 30_000 });
    }
    dir?.cleanup();
  });

  const bridge = (): Bridge => {
    const started = startBridge(elsewhere);
    bridges.push(started);
    return started;
  };

  it('answers -32002 before initialize, serves every workspace folder from one daemon, and exits 0 after shutdown', async () => {
    const { connection, exited, stderr } = bridge();
    await assert.rejects(
      connection.sendRequest('textDocument/hover', {
        textDocument: { uri: pathToFileURL(path.join(first, 'a.html')).href },
        position: { line: 0, character: 0 },
      }),
      (e: { code?: number }) => e.code === -32002,
    );
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(first).href,
      workspaceFolders: [
        { uri: pathToFileURL(first).href, name: 'first' },
        { uri: pathToFileURL(second).href, name: 'second' },
      ],
      capabilities: {},
    });
    assert.equal(init.serverInfo?.name, 'doublon');
    await connection.sendNotification(InitializedNotification.type, {});
    const status = await connection.sendRequest<DaemonStatus>('doublon/status');
    assert.deepEqual([...status.roots].sort(), [fs.realpathSync(first), fs.realpathSync(second)].sort(), stderr());
    assert.equal(status.indexDir, path.join(fs.realpathSync(first), '.doublon'), 'the index of the first folder');
    assert.ok(!fs.existsSync(path.join(elsewhere, '.doublon')), 'nothing indexed where the bridge runs');
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0, stderr());
  });

  it('exits 1 on exit without shutdown (the daemon stays for other editors)', async () => {
    const { connection, exited } = bridge();
    await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: pathToFileURL(second).href, capabilities: {} });
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 1);
    assert.ok(await findRunningDaemon(path.join(second, '.doublon')), 'the daemon of the folder still runs');
  });

  it('reports a scan as $/progress (begin, end) to a client that supports window.workDoneProgress', async () => {
    const { connection } = bridge();
    const created: ProgressToken[] = [];
    const values: Array<{ token: ProgressToken; kind: string }> = [];
    connection.onRequest(WorkDoneProgressCreateRequest.method, (params: { token: ProgressToken }) => {
      created.push(params.token);
      return null;
    });
    connection.onNotification(
      '$/progress',
      (params: { token: ProgressToken; value: { kind: string } }) => void values.push({ token: params.token, kind: params.value.kind }),
    );
    await connection.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: pathToFileURL(first).href,
      capabilities: { window: { workDoneProgress: true } },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    await waitFor('the daemon to be idle', async () => (await connection.sendRequest<DaemonStatus>('doublon/status')).state === 'idle');
    const before = values.length;
    await connection.sendRequest('doublon/rescan');
    const ended = await waitFor('the end of the rescan progress', () => {
      const later = values.slice(before);
      return later.some((v) => v.kind === 'end') ? later : undefined;
    });
    const token = ended[0].token;
    assert.ok(created.includes(token), 'the token was created with window/workDoneProgress/create first');
    assert.equal(ended[0].kind, 'begin');
    assert.ok(ended.every((v) => v.token === token));
    assert.equal(ended.at(-1)!.kind, 'end');
  });

  it('a daemon started with --idle-exit stops once its last client is gone', async () => {
    const site = path.join(dir.path, 'idle');
    await writeBasicSite(site);
    const daemon = await startDaemonProcess(site, path.join(dir.path, 'idle-index'), { extraArgs: ['--idle-exit', '0.02'] });
    try {
      const socket = net.connect(daemon.info.socket);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const client = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
      client.listen();
      assert.equal((await client.sendRequest<DaemonStatus>('doublon/status')).pid, daemon.info.pid);
      client.dispose();
      socket.destroy();
      await waitFor('the idle daemon to exit', () => daemon.child.exitCode !== null, 30_000);
      assert.equal(daemon.child.exitCode, 0);
      assert.match(daemon.log(), /no client for 0\.0 min: stopping/);
    } finally {
      await daemon.stop();
    }
  });
});
