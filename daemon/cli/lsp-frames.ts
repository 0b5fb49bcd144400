/**
 * LSP base-protocol framing (`Content-Length: n\r\n\r\n<n bytes>`) over byte streams, for the `doublon lsp`
 * bridge: it must see the messages it forwards (initialize, exit, progress) yet pass their bytes on as they
 * came. A header without a usable Content-Length, or a body over `maxBytes`, is an error the caller ends on.
 */

export interface Frame {
  body: Buffer;
}

export class FrameError extends Error {}

const SEPARATOR = Buffer.from('\r\n\r\n');

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private expected: number | undefined;

  constructor(private readonly maxBytes: number) {}

  /** The complete frames the chunk finishes, in order. */
  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (this.expected === undefined) {
        const end = this.buffer.indexOf(SEPARATOR);
        if (end < 0) {
          if (this.buffer.length > 8192) throw new FrameError('an LSP header longer than 8 KB');
          return frames;
        }
        const header = this.buffer.subarray(0, end).toString('ascii');
        const match = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
        if (!match) throw new FrameError(`an LSP header without Content-Length: ${JSON.stringify(header.slice(0, 200))}`);
        const length = Number(match[1]);
        if (length > this.maxBytes) throw new FrameError(`an LSP message of ${length} bytes, more than the ${this.maxBytes} accepted`);
        this.expected = length;
        this.buffer = this.buffer.subarray(end + SEPARATOR.length);
      }
      if (this.buffer.length < this.expected) return frames;
      frames.push({ body: Buffer.from(this.buffer.subarray(0, this.expected)) });
      this.buffer = this.buffer.subarray(this.expected);
      this.expected = undefined;
    }
  }
}

export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export function frameOf(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/** The JSON of a frame, or undefined when it is not JSON (forwarded as is: the daemon answers it). */
export function parseFrame(frame: Frame): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(frame.body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
