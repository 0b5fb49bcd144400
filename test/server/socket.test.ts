import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ParameterStructures, ResponseError } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { startSocketServer, type SocketServer } from '../../daemon/server/socket';
import { SPEC_EXAMPLES } from './spec-cases';
import { SpecExampleEndpoint } from './spec-endpoint';
import { makeTempDir, normalize, RawFramedClient, waitFor } from './support';

const SENTINEL = (id: string): string => `{"jsonrpc":"2.0","method":"get_data","id":"${id}"}`;

function isSentinel(reply: unknown): boolean {
  return (
    typeof reply === 'object' &&
    reply !== null &&
    typeof (reply as { id?: unknown }).id === 'string' &&
    (reply as { id: string }).id.startsWith('sentinel')
  );
}

/** A client independent of the server's code path: vscode-jsonrpc's own MessageConnection over net.connect. */
async function connectClient(socketPath: string): Promise<{ connection: MessageConnection; socket: net.Socket }> {
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.listen();
  return { connection, socket };
}

async function rejection(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ResponseError, `expected a ResponseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('local socket transport', () => {
  let dir: string;
  let socketPath: string;
  let endpoint: SpecExampleEndpoint;
  let server: SocketServer;
  let logged: string[];
  const cleanups: (() => void)[] = [];

  beforeEach(async () => {
    dir = makeTempDir();
    socketPath = path.join(dir, 'd.sock');
    endpoint = new SpecExampleEndpoint();
    logged = [];
    server = await startSocketServer({ endpoint, path: socketPath, log: (message) => logged.push(message) });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function raw(): Promise<RawFramedClient> {
    const client = await RawFramedClient.connect(socketPath);
    cleanups.push(() => client.close());
    return client;
  }

  it('creates the socket with mode 0600', () => {
    const stat = fs.statSync(socketPath);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o600);
  });

  describe('specification section 7 examples (raw framed bytes)', () => {
    for (const example of SPEC_EXAMPLES) {
      it(example.name, async () => {
        const client = await raw();
        client.send(example.request);
        // Two round trips after the example: a reply to it (there must be none for a notification) would
        // have arrived by then.
        client.send(SENTINEL('sentinel-1'));
        await waitFor('sentinel-1', () => client.received.some((reply) => (reply as { id?: unknown }).id === 'sentinel-1'));
        client.send(SENTINEL('sentinel-2'));
        await waitFor('sentinel-2', () => client.received.some((reply) => (reply as { id?: unknown }).id === 'sentinel-2'));
        const replies = client.received.filter((reply) => !isSentinel(reply));
        if (example.response === undefined) {
          assert.deepEqual(replies, []);
        } else {
          assert.equal(replies.length, 1);
          assert.deepEqual(normalize(replies[0]), normalize(example.response));
        }
        assert.equal(client.isClosed(), false, 'the connection survives');
      });
    }
  });

  describe('vscode-jsonrpc client', () => {
    let connection: MessageConnection;

    beforeEach(async () => {
      const client = await connectClient(socketPath);
      connection = client.connection;
      cleanups.push(() => {
        connection.dispose();
        client.socket.destroy();
      });
    });

    it('calls by position and by name', async () => {
      assert.equal(await connection.sendRequest('subtract', ParameterStructures.byPosition, 42, 23), 19);
      assert.equal(await connection.sendRequest('subtract', ParameterStructures.byPosition, 23, 42), -19);
      assert.equal(await connection.sendRequest('subtract', ParameterStructures.byName, { subtrahend: 23, minuend: 42 }), 19);
      assert.equal(await connection.sendRequest('sum', ParameterStructures.byPosition, 1, 2, 4), 7);
      assert.deepEqual(await connection.sendRequest('get_data'), ['hello', 5]);
      assert.equal(endpoint.calls[0].context.transport, 'socket');
    });

    it('sends notifications (update, notify_hello) that run without reply', async () => {
      await connection.sendNotification('update', ParameterStructures.byPosition, 1, 2, 3, 4, 5);
      await connection.sendNotification('notify_hello', ParameterStructures.byPosition, 7);
      await waitFor('both notifications to run', () => endpoint.calls.length === 2);
      assert.deepEqual(
        endpoint.calls.map((call) => [call.method, call.params]),
        [
          ['update', { a: 1, b: 2, c: 3, d: 4, e: 5 }],
          ['notify_hello', { value: 7 }],
        ],
      );
    });

    it('gets MethodNotFound, InvalidParams, InternalError and RpcError as ResponseErrors', async () => {
      const missing = await rejection(connection.sendRequest('foobar'));
      assert.equal(missing.code, -32601);
      assert.equal(missing.message, 'Method not found: foobar');
      const tooMany = await rejection(connection.sendRequest('subtract', ParameterStructures.byPosition, 1, 2, 3));
      assert.equal(tooMany.code, -32602);
      const internal = await rejection(connection.sendRequest('explode'));
      assert.equal(internal.code, -32603);
      assert.equal(internal.message, 'Internal error: request explode failed with message: the flux capacitor is empty');
      const refused = await rejection(connection.sendRequest('refuse', ParameterStructures.byName, { reason: 'g1' }));
      assert.equal(refused.code, -32051);
      assert.deepEqual(refused.data, { reason: 'g1' });
    });

    it('receives every endpoint notification, on every connection', async () => {
      const second = await connectClient(socketPath);
      cleanups.push(() => {
        second.connection.dispose();
        second.socket.destroy();
      });
      const first: unknown[] = [];
      const other: unknown[] = [];
      connection.onNotification('doublon/progress', (params: unknown) => {
        first.push(params);
      });
      second.connection.onNotification('doublon/progress', (params: unknown) => {
        other.push(params);
      });
      await waitFor('two connections', () => server.connectionCount() === 2);
      endpoint.emit('doublon/progress', { phase: 'hash', done: 1, total: 2 });
      await waitFor('the notification on both connections', () => first.length === 1 && other.length === 1);
      assert.deepEqual(first, [{ phase: 'hash', done: 1, total: 2 }]);
      assert.deepEqual(other, first);
    });
  });

  describe('framing', () => {
    it('handles several messages in one write and one message split across writes, UTF-8 lengths in bytes', async () => {
      const client = await raw();
      const one = '{"jsonrpc":"2.0","method":"echo","params":["héllo ✓ 🖼"],"id":1}';
      const two = '{"jsonrpc":"2.0","method":"get_data","id":2}';
      const frame = (text: string): string => `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
      client.sendRaw(frame(one) + frame(two));
      const split = frame('{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":3}');
      client.sendRaw(split.slice(0, 10));
      client.sendRaw(split.slice(10, 40));
      client.sendRaw(split.slice(40));
      await client.reply(3);
      assert.deepEqual(
        normalize(client.received),
        normalize([
          { jsonrpc: '2.0', result: { first: 'héllo ✓ 🖼' }, id: 1 },
          { jsonrpc: '2.0', result: ['hello', 5], id: 2 },
          { jsonrpc: '2.0', result: 2, id: 3 },
        ]),
      );
    });

    it('closes a connection that sends more than maxMessageBytes without completing a message', async () => {
      const small = await startSocketServer({
        endpoint,
        path: path.join(dir, 'small.sock'),
        maxMessageBytes: 1024 * 1024,
        log: (message) => logged.push(message),
      });
      try {
        const client = await RawFramedClient.connect(path.join(dir, 'small.sock'));
        cleanups.push(() => client.close());
        const fits = (id: number): string => `{"jsonrpc":"2.0","method":"echo","params":["${'x'.repeat(600 * 1024)}"],"id":${id}}`;
        for (let id = 1; id <= 3; id++) {
          client.send(fits(id));
          await client.reply(id);
        }
        client.socket.on('error', () => undefined);
        client.sendRaw('Content-Length: 100000000\r\n\r\n');
        const chunk = 'y'.repeat(64 * 1024);
        for (let i = 0; i < 24 && !client.isClosed(); i++) client.sendRaw(chunk);
        await waitFor('the server to close the connection', () => client.isClosed());
        assert.ok(
          logged.some((message) => message.endsWith('closing the connection: more than 1048576 bytes without a complete message')),
          logged.join('\n'),
        );
        await waitFor('the server to forget the connection', () => small.connectionCount() === 0);
      } finally {
        await small.close();
      }
    });

    it('answers invalid JSON with -32700 and keeps going', async () => {
      const client = await raw();
      client.send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
      const reply = (await client.reply(1)) as { error: { code: number; message: string }; id: unknown };
      assert.equal(reply.error.code, -32700);
      assert.match(reply.error.message, /^Parse error: /);
      assert.equal(reply.id, null);
      client.send('{"jsonrpc":"2.0","method":"get_data","id":2}');
      assert.deepEqual(await client.reply(2), { jsonrpc: '2.0', result: ['hello', 5], id: 2 });
    });

    it('answers a header without Content-Length with -32700, then closes the connection', async () => {
      const client = await raw();
      client.sendRaw('Content-Type: application/json\r\n\r\n{}');
      const reply = (await client.reply(1)) as { error: { code: number; message: string }; id: unknown };
      assert.deepEqual(reply.error, {
        code: -32700,
        message: 'Parse error: Header must provide a Content-Length property. (closing the connection)',
      });
      await waitFor('the connection to close', () => client.isClosed());
      await waitFor('the server to forget it', () => server.connectionCount() === 0);
    });
  });

  describe('lifecycle', () => {
    it('forgets a connection when the client closes it, and keeps forwarding to the others', async () => {
      const leaving = await raw();
      const staying = await raw();
      await waitFor('two connections', () => server.connectionCount() === 2);
      leaving.close();
      await waitFor('one connection', () => server.connectionCount() === 1);
      endpoint.emit('doublon/statusChanged', { state: 'idle' });
      assert.deepEqual(await staying.reply(1), { jsonrpc: '2.0', method: 'doublon/statusChanged', params: { state: 'idle' } });
      assert.equal(endpoint.listenerCount(), 1);
    });

    it('close() ends connections, unsubscribes and removes the socket file', async () => {
      const client = await raw();
      await waitFor('the connection', () => server.connectionCount() === 1);
      await server.close();
      await waitFor('the client to see the close', () => client.isClosed());
      assert.equal(server.connectionCount(), 0);
      assert.equal(endpoint.listenerCount(), 0);
      assert.equal(fs.existsSync(socketPath), false);
    });

    it('refuses a path where a live server answers', async () => {
      await assert.rejects(startSocketServer({ endpoint, path: socketPath, log: () => undefined }), {
        message: `Cannot listen on ${socketPath}: another process is already serving it (a running daemon?)`,
      });
      assert.ok(fs.statSync(socketPath).isSocket(), 'the live socket is left alone');
    });

    it('refuses a path that is not a socket, and leaves the file alone', async () => {
      const file = path.join(dir, 'not-a-socket');
      fs.writeFileSync(file, 'keep me');
      await assert.rejects(startSocketServer({ endpoint, path: file, log: () => undefined }), {
        message: `Cannot listen on ${file}: the path exists and is not a socket; remove it or choose another socket path`,
      });
      assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
    });

    it('replaces a stale socket file left by a process that died', async () => {
      const stalePath = path.join(dir, 'stale.sock');
      const child = spawn(
        process.execPath,
        ['-e', `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => console.log('ready'))`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await waitFor('the child to listen', () => output.includes('ready'), 10_000);
      } finally {
        child.kill('SIGKILL');
      }
      await exited;
      assert.ok(fs.statSync(stalePath).isSocket(), 'the dead process left its socket file');
      const second = await startSocketServer({ endpoint, path: stalePath, log: () => undefined });
      try {
        assert.equal(fs.statSync(stalePath).mode & 0o777, 0o600);
        const client = await RawFramedClient.connect(stalePath);
        client.send('{"jsonrpc":"2.0","method":"get_data","id":1}');
        assert.deepEqual(await client.reply(1), { jsonrpc: '2.0', result: ['hello', 5], id: 1 });
        client.close();
      } finally {
        await second.close();
      }
    });
  });
});
