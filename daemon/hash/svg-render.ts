/**
 * SVGs are rendered by librsvg in child processes, never in ours. The byte and element bounds
 * (svg-bounds.ts) keep a file's memory in check, but not its rendering time: a stroked path of 20 000
 * segments takes 4 s, one of 100 000 takes 187 s (measured), and native code in a worker thread cannot be
 * stopped — it would hold a libuv thread (and the daemon's queue) for as long as it runs. A child process
 * can be killed: each render has a time limit, after which its child is killed, the file is reported, and
 * the next SVG gets a fresh child. A child that crashes (a librsvg bug, the OOM killer) costs one file too.
 *
 * The children run the script below with `node -e` (it must work from `out/` and from the esbuild bundle
 * alike, where no separate file would exist), load sharp from the path this process resolved, and render
 * one job at a time. They are unreferenced while idle, so they never keep a CLI run alive, and exit when
 * this process goes away (the IPC channel closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ImageDecodeError } from './decode-error';
import { declaredSvgSize } from './svg-size';

/** How long one SVG may take to render (parse included) before it is refused. */
export const DEFAULT_SVG_TIMEOUT_MS = 30_000;

const CHILD_SOURCE = `'use strict';
const sharp = require(process.env.DOUBLON_SHARP_PATH);
sharp.cache(false);
sharp.concurrency(1);
process.on('disconnect', () => process.exit(0));
process.on('message', (job) => {
  render(job).then(
    (reply) => process.send(reply),
    (error) => process.send({ id: job.id, error: String((error && error.message) || error) }),
  );
});
async function render(job) {
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  let width = job.width;
  let height = job.height;
  if (!(width > 0 && height > 0)) {
    const meta = await sharp(bytes, { limitInputPixels: false, failOn: 'none' }).metadata();
    width = meta.width || 0;
    height = meta.height || 0;
  }
  if (!(width > 0 && height > 0) || width * height > job.maxPixels) return { id: job.id, width, height };
  const options = { limitInputPixels: Math.max(1, Math.floor(job.maxPixels)), failOn: 'truncated' };
  let pipeline;
  if (job.square > 0) {
    // The density sharp itself would pick to fill the square (the larger scale of the two sides), given so
    // that it does not read the size once more: the same pixels, one parse fewer.
    const density = (72 * job.square) / Math.min(width, height);
    const densityOption = density >= 1 && density <= 100000 ? { density } : {};
    pipeline = sharp(bytes, { ...options, ...densityOption }).resize(job.square, job.square, { fit: 'fill' });
  } else {
    const scale = Math.min(job.longSide, Math.max(Math.max(width, height), job.minLongSide)) / Math.max(width, height);
    pipeline = sharp(bytes, { ...options, density: Math.max(1, 72 * scale) }).toColourspace('srgb').ensureAlpha();
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { id: job.id, width, height, data, info: { width: info.width, height: info.height, channels: info.channels } };
}
`;

export interface SvgRenderRequest {
  /**
   * `square`: a size×size image, the SVG stretched to fill it, rendered directly at that size (sharp sets
   * librsvg's scale: no full-size raster is ever made). `longSide`: the whole SVG with its long side at most
   * this (librsvg's density lowered for large drawings), sRGB with alpha; with `minLongSide`, a drawing
   * smaller than that is drawn at that size (a small icon drawn larger: a vector has no resolution of its own).
   */
  target: { square: number } | { longSide: number; minLongSide?: number };
  maxPixels: number;
  timeoutMs?: number;
}

export interface SvgRendering {
  /** The SVG's own size (at 72 dpi); when it has none, or more pixels than `maxPixels`, nothing is rendered. */
  width: number;
  height: number;
  raw?: { data: Buffer; info: { width: number; height: number; channels: number } };
}

/** A failure librsvg reported (the message is librsvg's). */
export class SvgRenderFailure extends Error {}

interface Reply {
  id: number;
  width?: number;
  height?: number;
  data?: Uint8Array;
  info?: { width: number; height: number; channels: number };
  error?: string;
}

interface Job {
  id: number;
  resolve: (value: SvgRendering) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** One child process, one job at a time (the pool queues). */
class RenderChild {
  private child: ChildProcess | undefined;
  private job: Job | undefined;
  private stderrTail = '';

  get busy(): boolean {
    return this.job !== undefined;
  }

  render(id: number, bytes: Uint8Array, request: SvgRenderRequest): Promise<SvgRendering> {
    const child = this.ensureChild();
    const timeoutMs = request.timeoutMs ?? DEFAULT_SVG_TIMEOUT_MS;
    return new Promise<SvgRendering>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new ImageDecodeError(`SVG took longer than ${seconds(timeoutMs)} to render; refused (too complex)`, 'too-large', 'svg'));
      }, timeoutMs);
      this.job = { id, resolve, reject, timer };
      child.ref();
      (child.channel as { ref?: () => void } | null | undefined)?.ref?.();
      const target = request.target;
      const size = declaredSvgSize(bytes);
      child.send({
        id,
        bytes,
        maxPixels: request.maxPixels,
        square: 'square' in target ? target.square : 0,
        longSide: 'longSide' in target ? target.longSide : 0,
        minLongSide: ('longSide' in target && target.minLongSide) || 0,
        // The SVG's own size when it declares it plainly: librsvg is not asked for it (a whole parse).
        width: size?.width ?? 0,
        height: size?.height ?? 0,
      });
    });
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, DOUBLON_SHARP_PATH: require.resolve('sharp') },
    });
    // Only the IPC channel may keep this process alive, and only while a job runs (see idle()).
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    child.on('message', (reply: Reply) => this.settle(reply));
    child.on('error', (error) =>
      this.fail(new ImageDecodeError(`cannot start the SVG renderer: ${error.message}`, 'corrupt', 'svg'), child),
    );
    child.on('exit', (code, signal) => {
      const detail = this.stderrTail.trim().split('\n').pop() ?? '';
      this.fail(
        new ImageDecodeError(
          `the SVG renderer stopped (${signal ?? `exit code ${code}`})${detail ? `: ${detail}` : ''} while rendering this file`,
          'corrupt',
          'svg',
        ),
        child,
      );
    });
    this.child = child;
    this.idle();
    return child;
  }

  private idle(): void {
    this.child?.unref();
    (this.child?.channel as { unref?: () => void } | null | undefined)?.unref?.();
  }

  private settle(reply: Reply): void {
    const job = this.job;
    if (!job || reply.id !== job.id) return;
    clearTimeout(job.timer);
    this.job = undefined;
    this.idle();
    if (reply.error !== undefined) {
      job.reject(new SvgRenderFailure(reply.error));
      return;
    }
    const data = reply.data;
    job.resolve({
      width: reply.width ?? 0,
      height: reply.height ?? 0,
      ...(data && reply.info ? { raw: { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), info: reply.info } } : {}),
    });
  }

  /** Ends the current job with `error` and kills the child (a fresh one serves the next job). */
  private fail(error: Error, from?: ChildProcess): void {
    if (from !== undefined && from !== this.child) return; // an old child's late event
    const child = this.child;
    this.child = undefined;
    this.stderrTail = '';
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const job = this.job;
    this.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(error);
    }
  }
}

/** A few children (at most the cores, at most 2): SVG renders are queued, never run in this process. */
class RenderPool {
  private readonly children: RenderChild[];
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;

  constructor(size: number) {
    this.children = Array.from({ length: size }, () => new RenderChild());
  }

  async render(bytes: Uint8Array, request: SvgRenderRequest): Promise<SvgRendering> {
    let child = this.children.find((c) => !c.busy);
    while (!child) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      child = this.children.find((c) => !c.busy);
    }
    try {
      return await child.render(++this.nextId, bytes, request);
    } finally {
      this.waiting.shift()?.();
    }
  }
}

let pool: RenderPool | undefined;

/** Renders an SVG in a child process. Rejects with ImageDecodeError (time limit, crash) or SvgRenderFailure. */
export function renderSvg(bytes: Uint8Array, request: SvgRenderRequest): Promise<SvgRendering> {
  pool ??= new RenderPool(Math.max(1, Math.min(2, availableParallelism())));
  return pool.render(bytes, request);
}
