/**
 * Watches the roots with chokidar and hands over changes in batches: a `git checkout` of thousands of
 * files becomes a few batches, not thousands of regroupings. If the native watcher fails (inotify limit,
 * ENOSPC), it falls back to polling and says so; it never throws at the daemon.
 */
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { WatcherStatus } from '../../protocol/methods';

export interface WatchOptions {
  roots: string[];
  /** Whether a path (file or folder) is of no interest; chokidar does not descend into ignored folders. */
  ignored: (absolutePath: string) => boolean;
  usePolling: boolean;
  /** Called with the changed paths (files and folders, added, changed or removed); never concurrently. */
  onBatch: (paths: string[]) => Promise<void>;
  onStatus: (status: WatcherStatus) => void;
  /** Quiet time before a batch is processed, and the most a batch waits. */
  debounceMs?: number;
  maxWaitMs?: number;
}

export class RootWatcher {
  private watcher: FSWatcher | undefined;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  status: WatcherStatus;

  constructor(private readonly options: WatchOptions) {
    this.status = { mode: 'off' };
  }

  async start(): Promise<void> {
    await this.open(this.options.usePolling);
  }

  private async open(usePolling: boolean, problem?: string): Promise<void> {
    const watcher = watch(this.options.roots, {
      ignoreInitial: true,
      followSymlinks: false,
      usePolling,
      interval: 200,
      binaryInterval: 300,
      ignored: (p: string) => this.options.ignored(p),
      // Editors that save through a temp file + rename appear as one change.
      atomic: !usePolling,
    });
    this.watcher = watcher;
    for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      watcher.on(event, (p: string) => this.enqueue(path.resolve(p)));
    }
    watcher.on('error', (error: unknown) => void this.onError(error));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.setStatus({ mode: usePolling ? 'polling' : 'native', ...(problem ? { problem } : {}) });
  }

  private async onError(error: unknown): Promise<void> {
    const e = error as NodeJS.ErrnoException;
    if (this.closed) return;
    if (!this.options.usePolling && this.status.mode === 'native' && (e.code === 'ENOSPC' || e.code === 'EMFILE')) {
      const problem =
        e.code === 'ENOSPC'
          ? 'the system limit on watched folders was reached (fs.inotify.max_user_watches): watching by polling instead, which is slower; raise the limit with `sysctl fs.inotify.max_user_watches=524288`'
          : 'too many open files for native watching: watching by polling instead';
      await this.watcher?.close();
      if (this.closed) return; // close() came while the native watcher was closing: open nothing more
      await this.open(true, problem);
      return;
    }
    // Other errors (a folder vanished mid-scan, permission denied) are per-path: keep watching.
    this.setStatus({ ...this.status, problem: `watcher: ${e.message ?? String(error)}` });
  }

  private setStatus(status: WatcherStatus): void {
    this.status = status;
    this.options.onStatus(status);
  }

  private enqueue(p: string): void {
    if (this.closed) return;
    if (this.pending.size === 0) this.firstPendingAt = Date.now();
    this.pending.add(p);
    const debounce = this.options.debounceMs ?? 40;
    const maxWait = this.options.maxWaitMs ?? 400;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(debounce, this.firstPendingAt + maxWait - Date.now()));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    const paths = [...this.pending];
    this.pending = new Set();
    if (paths.length === 0) return;
    // Batches run one after another; events arriving meanwhile form the next batch.
    this.running = this.running.then(() => this.options.onBatch(paths)).catch(() => undefined);
  }

  /** Resolves when every change seen so far has been processed. */
  async settled(): Promise<void> {
    if (this.pending.size > 0) {
      clearTimeout(this.timer);
      this.flush();
    }
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
    this.status = { mode: 'off' };
  }
}
