/**
 * The local socket transport: a Unix domain socket (mode 0600) or, on Windows, a named pipe, where each
 * connection speaks LSP framing (`Content-Length: n\r\n\r\n<json>`). vscode-jsonrpc's StreamMessageReader and
 * StreamMessageWriter do the framing only (the reader hands over any JSON value, batches included); every
 * message goes through the same Dispatcher as HTTP, and every endpoint notification goes to every connection.
 * A pure transport: LSP methods (initialize, textDocument/*) belong to the endpoint, not here.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { isMainThread } from 'node:worker_threads';
import type { ContentTypeEncoder, ContentTypeEncoderOptions, Message } from 'vscode-jsonrpc';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { Dispatcher, encodeResponse, internalError, parseError, type JsonRpcResponse, type Log } from './dispatcher';
import type { RpcEndpoint } from './endpoint';

export interface SocketServerOptions {
  endpoint: RpcEndpoint;
  /** A file path (Unix domain socket) or a named pipe path (`\\.\pipe\…`, Windows). */
  path: string;
  /**
   * Most bytes a connection may send since its last message was decoded (default 64 MiB): a bigger message,
   * or a lying Content-Length, closes the connection instead of growing the buffer without bound. Counted at
   * decode time, so set it well above the largest legitimate message (a burst of small ones counts together
   * until the reader catches up).
   */
  maxMessageBytes?: number;
  log?: Log;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface SocketServer {
  readonly path: string;
  /** Open connections. */
  connectionCount(): number;
  /** Closes every connection, stops listening and removes the socket file. */
  close(): Promise<void>;
}

/**
 * A reply already encoded (by the dispatcher's handleEncoded, or encodeResponse): written as it is. A
 * `Message` to the writer, so it passes through vscode-jsonrpc to our encoder untouched.
 */
class EncodedReply implements Message {
  readonly jsonrpc = '2.0';
  constructor(readonly text: string) {}
}

interface Notification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

interface Connection {
  id: string;
  socket: net.Socket;
  writer: StreamMessageWriter;
  send(message: EncodedReply | JsonRpcResponse | Notification): Promise<void>;
  dispose(): void;
}

function isNamedPipe(path: string): boolean {
  return /^[\\/][\\/][.?][\\/]pipe[\\/]/i.test(path);
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

/** Resolves true when something accepts a connection on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Removes a socket file left by a daemon that died, but only a socket, and only when nothing answers on it:
 * a live daemon's socket, or a file that is not a socket, is an error that says so.
 */
async function removeStaleSocket(path: string): Promise<void> {
  if (isNamedPipe(path)) return;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) {
    throw new Error(`Cannot listen on ${path}: the path exists and is not a socket; remove it or choose another socket path`);
  }
  if (await answers(path)) {
    throw new Error(`Cannot listen on ${path}: another process is already serving it (a running daemon?)`);
  }
  await fs.promises.unlink(path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** Listens with umask 0177 so the socket is never, even briefly, reachable by other users. */
function listen(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // process.umask(mask) is main-thread only; elsewhere the chmod below still applies.
    const previous = isMainThread ? process.umask(0o177) : undefined;
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}

export async function startSocketServer(options: SocketServerOptions): Promise<SocketServer> {
  const log: Log = options.log ?? ((message) => process.stderr.write(`${message}\n`));
  const dispatcher = new Dispatcher(options.endpoint, { log });
  const connections = new Set<Connection>();
  /** Dispatches not yet answered, across connections. */
  const inflight = new Set<Promise<void>>();
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let count = 0;

  // Responses are encoded by encodeResponse before they reach the writer (Connection.send), so one
  // unserializable result becomes an InternalError for that request instead of a lost reply; notifications
  // are plain JSON.
  const encoder: ContentTypeEncoder = {
    name: 'application/json',
    encode: (message: Message, encoding: ContentTypeEncoderOptions): Promise<Uint8Array> =>
      Promise.resolve(Buffer.from(message instanceof EncodedReply ? message.text : JSON.stringify(message), encoding.charset)),
  };

  const server = net.createServer((socket) => {
    count += 1;
    const id = `socket-${count}`;
    const reader = new StreamMessageReader(socket);
    // The reader re-arms a "partial message" timer forever while a message is incomplete, even after
    // dispose(): a client that dies mid-message would leak a timer. We do not use those events.
    reader.partialMessageTimeout = 0;
    const writer = new StreamMessageWriter(socket, { contentTypeEncoder: encoder });
    const disposables: { dispose(): void }[] = [];
    let pending = 0;
    /** This connection's dispatches not yet answered: a framing error waits for them before closing. */
    const answering = new Set<Promise<void>>();
    /** Set by a framing error: nothing read after it is trusted or dispatched. */
    let closing = false;
    let framingFailed = false;
    let received = 0;
    /**
     * vscode-jsonrpc decodes framed messages asynchronously (one at a time, each after a setImmediate), while
     * it reports a bad header at once: wait until a few turns pass with no new message, so every message
     * framed before the bad header has reached the dispatcher.
     */
    const decodedSoFar = async (): Promise<void> => {
      let seen: number;
      do {
        seen = received;
        for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      } while (seen !== received);
    };
    const connection: Connection = {
      id,
      socket,
      writer,
      send(message) {
        if (socket.destroyed || !socket.writable) return Promise.resolve();
        const outgoing: Message =
          message instanceof EncodedReply || 'method' in message ? message : new EncodedReply(encodeResponse(message, log));
        return writer.write(outgoing).catch((error: unknown) => {
          log(`[socket ${id}] cannot send a message: ${error instanceof Error ? error.message : String(error)}`);
        });
      },
      dispose() {
        if (!connections.delete(connection)) return;
        for (const disposable of disposables) disposable.dispose();
        reader.dispose();
        writer.dispose();
      },
    };
    connections.add(connection);

    disposables.push(
      reader.listen((message) => {
        pending = 0;
        if (closing) return;
        received += 1;
        const answered = dispatcher.handleEncoded(message, { transport: 'socket', client: id }).then(
          async (text) => {
            if (text !== undefined) await connection.send(new EncodedReply(text));
          },
          async (error: unknown) => {
            log(`[socket ${id}] dispatch failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            await connection.send(internalError('the request could not be dispatched; see the daemon log'));
          },
        );
        inflight.add(answered);
        answering.add(answered);
        void answered.finally(() => {
          inflight.delete(answered);
          answering.delete(answered);
        });
      }),
      reader.onError((error) => {
        // Stream errors (ECONNRESET…) carry an errno code: nothing to answer. Invalid JSON in a well-framed
        // message is answered and the connection goes on. A header without a usable Content-Length leaves
        // the stream impossible to resynchronize: answer, then close.
        pending = 0;
        if (errnoCode(error) !== undefined) {
          log(`[socket ${id}] ${error.message}`);
        } else if (error instanceof SyntaxError) {
          void connection.send(parseError(error.message));
        } else if (!framingFailed) {
          // Requests framed before the bad header are valid: they are answered first, then the error, then
          // the connection closes (writes go out in order; end() flushes them).
          framingFailed = true;
          log(`[socket ${id}] closing the connection after a framing error: ${error.message}`);
          void decodedSoFar()
            .then(() => {
              closing = true;
              return Promise.allSettled([...answering]);
            })
            .then(() => connection.send(parseError(`${error.message.split('\n')[0]} (closing the connection)`)))
            .then(() => socket.end());
        }
      }),
      reader.onClose(() => connection.dispose()),
    );
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.length;
      if (pending > maxMessageBytes) {
        log(`[socket ${id}] closing the connection: more than ${maxMessageBytes} bytes without a complete message`);
        socket.destroy();
      }
    });
    socket.on('error', (error) => log(`[socket ${id}] ${error.message}`));
    socket.on('close', () => {
      connection.dispose();
      options.endpoint.disconnected?.({ transport: 'socket', client: id });
    });
  });

  await removeStaleSocket(options.path);
  await listen(server, options.path);
  if (!isNamedPipe(options.path)) await fs.promises.chmod(options.path, 0o600);
  server.on('error', (error) => log(`socket server error on ${options.path}: ${error.message}`));

  const unsubscribe = options.endpoint.subscribe((method, params, client) => {
    const notification: Notification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    for (const connection of connections) if (client === undefined || client === connection.id) void connection.send(notification);
  });

  let closing: Promise<void> | undefined;
  return {
    path: options.path,
    connectionCount: () => connections.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        resolve(closeWhenAnswered());
      });
      return closing;
    },
  };

  /** Requests being answered (the one that asked for the shutdown among them) get their response first. */
  async function closeWhenAnswered(): Promise<void> {
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([Promise.allSettled([...inflight]), grace]);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const connection of [...connections]) {
        // end(), not destroy(): what was written still goes out; a client that does not close its side
        // is cut off shortly after.
        connection.socket.end();
        setTimeout(() => connection.socket.destroy(), 250).unref();
        connection.dispose();
      }
    });
  }
}
