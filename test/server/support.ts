/** Helpers for the server tests: bounded polling, temp dirs, an independent LSP-framing client, SSE reading. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { waitFor } from '../helpers/wait';

export { waitFor };

export function makeTempDir(): string {
  // Short base: Unix socket paths are limited to ~104 bytes.
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dbl-srv-'));
}

/** Responses with each error message cut to the specification's wording ("Method not found: x" → "Method not found"). */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (typeof value === 'object' && value !== null && 'error' in value) {
    const response = value as { error: { code: number; message: string; data?: unknown } };
    return { ...response, error: { ...response.error, message: response.error.message.split(':')[0] } };
  }
  return value;
}

/**
 * A client that writes raw bytes with LSP framing and parses framed replies itself (independent of
 * vscode-jsonrpc), for what a well-behaved client library cannot send: batches, invalid JSON, invalid requests.
 */
export class RawFramedClient {
  readonly received: unknown[] = [];
  private buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static connect(socketPath: string): Promise<RawFramedClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => resolve(new RawFramedClient(socket)));
      socket.once('error', reject);
    });
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString('ascii');
      const match = /Content-Length: (\d+)/i.exec(header);
      assert.ok(match, `reply without Content-Length: ${header}`);
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      this.received.push(JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8')));
      this.buffer = this.buffer.subarray(end + 4 + length);
    }
  }

  /** Sends `text` as one framed message (Content-Length counts bytes, not characters). */
  send(text: string): void {
    this.socket.write(`Content-Length: ${Buffer.byteLength(text, 'utf8')}\r\n\r\n${text}`);
  }

  sendRaw(bytes: string): void {
    this.socket.write(bytes);
  }

  /** Waits for the `count`-th reply overall and returns it. */
  async reply(count: number): Promise<unknown> {
    await waitFor(`reply #${count} on the socket`, () => this.received.length >= count);
    return this.received[count - 1];
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Reads a server-sent event stream from a fetch response, collecting comments and events. */
export class EventStreamReader {
  readonly events: { event: string; data: string }[] = [];
  readonly comments: string[] = [];
  private text = '';
  readonly done: Promise<void>;

  constructor(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    const reader = body.getReader();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          this.text += decoder.decode(value, { stream: true });
          this.parse();
        }
      } catch {
        // aborted by the test
      }
    })();
  }

  private parse(): void {
    for (;;) {
      const end = this.text.indexOf('\n\n');
      if (end < 0) return;
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: data.join('\n') });
    }
  }
}
