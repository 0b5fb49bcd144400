/**
 * Reference extraction of open documents off the main thread: one worker, started on first use, jobs
 * answered in order. A job for a document supersedes the job waiting for the same document (keystrokes
 * coalesce), and a worker that dies (out of its memory limit on a pathological document) is replaced; the
 * document it was reading gets no references and the reason is logged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { extractReferences, type RawReference, type ResolveOptions } from '../refs';

/** What crosses to the worker: plain data (the resolve options without their `exists` function). */
export interface ExtractJob {
  id: number;
  path: string;
  text: string;
  resolve: Omit<ResolveOptions, 'exists'>;
}

export interface ExtractAnswer {
  id: number;
  references: RawReference[];
  error?: string;
}

/** Heap of the worker: a document at the size limit needs far less; a runaway parse ends the worker, not the daemon. */
const WORKER_HEAP_MB = 512;

/** The worker script, beside this file: out/daemon/lsp/ in a checkout, dist/ in the extension bundle. */
export const WORKER_FILE = path.join(__dirname, 'extract-worker.js');

interface Pending {
  job: ExtractJob;
  key: string;
  resolve(references: RawReference[]): void;
}

export class ReferenceExtractor {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private closed = false;

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /**
   * The references of `text` (superset: see extract-worker.ts). `key` names the document: a job still
   * waiting under the same key is answered with the newer job's result instead of being run.
   */
  extract(key: string, filePath: string, text: string, resolve: ResolveOptions): Promise<RawReference[]> {
    // Functions do not cross to the worker; `exists` only matters for resolution, which happens here.
    const plain: ExtractJob['resolve'] = {
      roots: resolve.roots,
      webRoots: resolve.webRoots,
      ...(resolve.aliases ? { aliases: resolve.aliases } : {}),
    };
    const job: ExtractJob = { id: this.nextId++, path: filePath, text, resolve: plain };
    if (this.closed || !fs.existsSync(WORKER_FILE)) {
      // Without the worker script (a source checkout run through ts-node): extract here, correct but blocking.
      return Promise.resolve(extractReferences(filePath, text, { isImage: () => true, resolve: plain }).references);
    }
    return new Promise<RawReference[]>((settle) => {
      let resolveJob = (references: RawReference[]): void => settle(references);
      const waiting = this.queue.findIndex((p) => p.key === key);
      if (waiting >= 0) {
        // The waiting job's callers get this newer version's result: it is what the editor holds now.
        const superseded = this.queue.splice(waiting, 1)[0];
        const own = resolveJob;
        resolveJob = (references) => {
          superseded.resolve(references);
          own(references);
        };
      }
      this.queue.push({ job, key, resolve: resolveJob });
      this.pump();
    });
  }

  close(): Promise<number> | undefined {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve([]);
    this.current?.resolve([]);
    this.current = undefined;
    return this.worker?.terminate();
  }

  private pump(): void {
    if (this.current || this.queue.length === 0 || this.closed) return;
    this.current = this.queue.shift()!;
    this.ensureWorker().postMessage(this.current.job);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_FILE, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    worker.on('message', (answer: ExtractAnswer) => {
      const done = this.current;
      if (!done || done.job.id !== answer.id) return;
      if (answer.error) this.log(`reading references of ${done.job.path} failed: ${answer.error}`);
      this.current = undefined;
      done.resolve(answer.references);
      this.pump();
    });
    const lost = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const done = this.current;
      this.current = undefined;
      if (done) {
        this.log(
          `the reference reader stopped (${why}) while reading ${done.job.path} (${done.job.text.length} characters); that document gets no diagnostics`,
        );
        done.resolve([]);
      }
      this.pump();
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}
