/**
 * The live engine behind every transport: its lifecycle and its queue. Index mutations (scans, watcher
 * batches, config edits, replacements) run one at a time on `this.queue`; reads answer from memory at once,
 * even mid-scan. The parts live beside it: the in-memory index and graph (live-index.ts), the groups and
 * their change log (group-state.ts), watcher batches (watch-batches.ts, root-scope.ts), the method table
 * and its parameter checks (methods.ts, params.ts), config editing (config-edit.ts), replacements
 * (replace-methods.ts). The engine knows nothing of LSP: the editor features subscribe to its events
 * (daemon/lsp/endpoint.ts).
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import type { ReportGroup } from '../../protocol/report';
import { realPathOf } from '../replace/scope';
import { toReplaceGroup } from '../replace/adapter';
import type { PlanInput } from '../replace';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import {
  CAPABILITIES, PROTOCOL_VERSION, REQUEST_TYPES, REQUESTS,
  type DaemonState, type DaemonStatus, type FileInfo, type GroupsChangedParams, type GroupsResult, type WatcherStatus,
  CatalogueChangedNotification, GroupsChangedNotification, ProgressNotification, StatusChangedNotification,
} from '../../protocol/methods';
import type { CatalogueState } from '../../protocol/catalogue';
import { ignoreOptions, makeChooser, nearThresholds, openIndex, openReferences, resolveOptions, SCHEMA_VERSION, toPosix } from '../analysis';
import type { ReferenceStore } from '../references/store';
import { updateReferences, variantSets } from '../references/update';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { describeRecovery } from '../index/integrity';
import { starGroups } from '../groups/build';
import type { DeclaredVariants } from '../groups/variants';
import { toReportGroup } from '../report/scan-report';
import { updateIndex, type ScanProgress } from '../scan/scanner';
import { relativePosix } from '../scan/relative';
import { CatalogueWatch } from '../catalogue/watch';
import type { CatalogueTarget } from '../catalogue/connection';
import type { CallContext, RpcEndpoint } from './endpoint';
import { RootWatcher } from './watcher';
import { LiveIndex } from './live-index';
import { GroupState, type GroupQuery, type Membership } from './group-state';
import { RootScope } from './root-scope';
import { applyBatch } from './watch-batches';
import { addIgnoreEntry } from './config-edit';
import { ReplaceMethods } from './replace-methods';
import { methodTable, type MethodHost, type MethodTable } from './methods';

export const VERSION = '0.1.0';

export type Logger = (line: string) => void;

/** The daemon's log line: an ISO time, then the message, on stderr (the daemon's log file). */
export const stderrLogger: Logger = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

export interface ServiceOptions {
  /** Watch by polling instead of native events (tests run both; also the fallback). */
  usePolling?: boolean;
  /** No watcher at all (a one-shot `serve` of a static tree, or tests of the methods alone). */
  watch?: boolean;
  /** The organisation's catalogue, when configured: cross-site findings kept current (LISTEN/NOTIFY). */
  catalogue?: { target: CatalogueTarget; repository: string };
  /** Where the service (and what runs on it, the editor features) logs; default: stderr with the time. */
  log?: Logger;
}

const PINNED_META = 'pinned-canonicals';

function isRequestMethod(method: string): method is keyof MethodTable {
  return Object.hasOwn(REQUEST_TYPES, method);
}

export class DoublonService implements RpcEndpoint, MethodHost {
  private readonly events = new EventEmitter();
  readonly log: Logger;
  private readonly index: LiveIndex;
  private readonly groups: GroupState;
  private readonly scope: RootScope;
  readonly replace: ReplaceMethods;
  private queue: Promise<unknown> = Promise.resolve();
  private queuedRescan: Promise<{ clock: number; files: number }> | undefined;
  private state: DaemonState = 'starting';
  private progress: ScanProgress | undefined;
  private lastProgressAt = 0;
  private watcher: RootWatcher | undefined;
  private watcherStatus: WatcherStatus = { mode: 'off' };
  private resolveCache: ReturnType<typeof resolveOptions> | undefined;
  private resolveFor: object | undefined;
  private readonly handlers: MethodTable;
  /** Resolves once the first full scan is done. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private stopping = false;
  onShutdown: () => void = () => undefined;

  private variants: DeclaredVariants[] | undefined;
  private catalogueWatch: CatalogueWatch | undefined;

  private constructor(private config: ResolvedConfig, private readonly store: IndexStore<Fingerprint>, readonly refs: ReferenceStore, private readonly options: ServiceOptions) {
    this.log = options.log ?? stderrLogger;
    this.index = new LiveIndex(store, refs, () => this.config);
    this.groups = new GroupState(store);
    this.scope = new RootScope(() => this.config);
    this.replace = new ReplaceMethods({
      config: () => this.config,
      replaceInput: () => this.replaceInput(),
      enqueue: (task) => this.enqueue(task),
      display: (p) => this.display(p),
    });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.handlers = methodTable(this);
  }

  static open(config: ResolvedConfig, options: ServiceOptions = {}): DoublonService {
    return new DoublonService(config, openIndex(config), openReferences(config), options);
  }

  get clock(): number {
    return this.store.clock;
  }

  /** True once `stop` began: only `doublon/status` is answered. */
  get isStopping(): boolean {
    return this.stopping;
  }

  // --- RpcEndpoint -------------------------------------------------------------------------------

  parameterNames(method: string): readonly string[] | undefined {
    return isRequestMethod(method) ? REQUESTS[method] : undefined;
  }

  async call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown> {
    if (!isRequestMethod(method)) throw new RpcError(RpcErrorCodes.MethodNotFound, `no method ${method}`);
    if (this.stopping && method !== 'doublon/status') throw new RpcError(RpcErrorCodes.ShuttingDown, 'the daemon is shutting down');
    // Every handler takes its parameters untrusted (Untrusted<P>: the names, values unknown): any object fits.
    const handler: (params: Record<string, unknown>, context: CallContext) => unknown = this.handlers[method];
    return handler(params ?? {}, context);
  }

  subscribe(listener: (method: string, params: unknown, client?: string) => void): () => void {
    this.events.on('notification', listener);
    return () => this.events.off('notification', listener);
  }

  /** Sends a notification to clients (all of them, or the one connection named). */
  notify(method: string, params: unknown, client?: string): void {
    this.events.emit('notification', method, params, client);
  }

  /** The engine's event for what runs on it (the editor features): the groups changed. Returns an unsubscribe. */
  onGroupsChanged(listener: (delta: GroupsChangedParams) => void): () => void {
    this.events.on('groupsChanged', listener);
    return () => this.events.off('groupsChanged', listener);
  }

  // --- what the editor features read (daemon/lsp/host.ts) ---------------------------------------

  membership(imagePath: string): Membership | undefined {
    return this.groups.membership(imagePath);
  }

  /** From memory (answered per reference on every keystroke): an image the index holds, readable or not. */
  isImage(absolutePath: string): boolean {
    return this.index.has(absolutePath);
  }

  resolveOptions(): ReturnType<typeof resolveOptions> {
    // Asked on every keystroke: computed once per configuration (config edits replace `this.config`).
    // Existence is the index's knowledge first, a stat only for files it does not hold.
    if (this.resolveFor !== this.config) {
      this.resolveCache = { ...resolveOptions(this.config), exists: (p) => this.isImage(p) || fs.existsSync(p) };
      this.resolveFor = this.config;
    }
    return this.resolveCache!;
  }

  referencesTo(imagePath: string): ReturnType<ReferenceStore['referencesTo']> {
    return this.refs.referencesTo(imagePath);
  }

  display(absolutePath: string): string {
    return toPosix(path.relative(this.config.roots[0], absolutePath));
  }

  // --- lifecycle ---------------------------------------------------------------------------------

  /**
   * Loads what the index already knows (groups answer at once), starts watching, then rescans. Watching
   * first means no change can slip between the scan and the watcher: batches queue behind the scan.
   */
  async start(): Promise<void> {
    try {
      await this.enqueue(async () => {
        const pause = yielder();
        for (const record of this.store.files()) {
          await pause();
          await this.index.sync(record.path);
        }
        await this.regroup();
      });
      this.setState('scanning');
      if (this.options.watch !== false) await this.startWatcher();
      await this.enqueue(() => this.scanAll());
      this.setState('idle');
      this.startCatalogue();
    } finally {
      this.markReady();
    }
  }

  /** Starts following the catalogue (in the background: a slow or absent server never delays the daemon). */
  private startCatalogue(): void {
    const given = this.options.catalogue;
    if (!given || this.stopping) return;
    this.catalogueWatch = new CatalogueWatch({
      ...given,
      thresholds: nearThresholds(this.config),
      fingerprintVersion: SCHEMA_VERSION,
      images: () => ({
        images: [...this.index.entries.values()].map((e) => ({ file: e.path, path: relativePosix(this.config.baseDir, e.path), sha256: e.sha256, width: e.width, height: e.height, bytes: e.bytes })),
        fingerprintOf: (sha) => this.store.getContent(sha)?.fingerprint,
      }),
      onChange: (state) => this.notify(CatalogueChangedNotification.method, state),
    });
    void this.catalogueWatch.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setState('stopping');
    await this.watcher?.close();
    await this.catalogueWatch?.stop();
    await this.queue.catch(() => undefined);
    this.index.pruneAndSaveGraph();
    await this.refs.close();
    await this.store.close();
  }

  /** Resolves when every change seen so far is applied (tests and `check` use it). */
  async settled(): Promise<void> {
    await this.ready;
    await this.watcher?.settled();
    await this.queue;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setState(state: DaemonState): void {
    this.state = state;
    if (state !== 'scanning') this.progress = undefined;
    this.notify(StatusChangedNotification.method, this.status());
  }

  private async startWatcher(): Promise<void> {
    this.watcher = new RootWatcher({
      roots: this.config.roots,
      usePolling: !!this.options.usePolling,
      ignored: (p) => this.scope.ignoredByWatcher(p),
      onBatch: (paths) => this.enqueue(() => this.applyBatch(paths)).catch((error: unknown) => {
        // The next batch or a rescan repairs what this one missed; the log says why it failed.
        this.log(`applying ${paths.length} changed path(s) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }),
      onStatus: (status) => {
        this.watcherStatus = status;
        this.notify(StatusChangedNotification.method, this.status());
      },
    });
    await this.watcher.start();
  }

  // --- index maintenance -------------------------------------------------------------------------

  private async scanAll(): Promise<void> {
    const settings = this.config.settings;
    const { sources } = await updateIndex(this.store, {
      roots: this.config.roots,
      include: settings.include,
      exclude: settings.exclude,
      sources: settings.sources,
      gitignore: settings.gitignore,
      skipFolders: [this.config.indexDir],
      maxPixels: settings.maxPixels,
      maxSvgBytes: settings.maxSvgBytes,
      onProgress: (progress) => this.reportProgress(progress),
    });
    await updateReferences(this.refs, sources, this.referenceOptions());
    this.variants = undefined;
    const seen = new Set<string>();
    const pause = yielder();
    for (const record of this.store.files()) {
      await pause();
      seen.add(record.path);
      await this.index.sync(record.path);
    }
    for (const p of this.index.paths()) if (!seen.has(p)) await this.index.sync(p);
    this.index.pruneAndSaveGraph();
    await this.regroup();
  }

  private referenceOptions(): Parameters<typeof updateReferences>[2] {
    return { resolve: resolveOptions(this.config), isImage: (p) => this.store.getFile(p) !== undefined };
  }

  private reportProgress(progress: ScanProgress): void {
    this.progress = progress;
    const now = Date.now();
    if (now - this.lastProgressAt < 100 && progress.done !== progress.total) return;
    this.lastProgressAt = now;
    this.notify(ProgressNotification.method, { phase: progress.phase, done: progress.done, total: progress.total });
  }

  private async applyBatch(paths: string[]): Promise<void> {
    if (this.stopping) return;
    const outcome = await applyBatch(paths, {
      store: this.store,
      refs: this.refs,
      scope: this.scope,
      config: () => this.config,
      referenceOptions: () => this.referenceOptions(),
    });
    if (outcome.rescan) {
      await this.scanAll();
      return;
    }
    if (outcome.sourcesChanged) this.variants = undefined;
    if (outcome.touched.size === 0) return;
    this.store.advanceClock();
    for (const p of outcome.touched) await this.index.sync(p);
    await this.regroup();
    this.notify(StatusChangedNotification.method, this.status());
  }

  private pinned(): Set<string> {
    return new Set(this.store.getMeta<string[]>(PINNED_META) ?? []);
  }

  /** Recomputes the groups from the graph (cheap: no decoding) and announces what changed. */
  private async regroup(): Promise<void> {
    this.catalogueWatch?.refresh(); // this site's images may have changed: its cross-site findings too
    this.variants ??= variantSets(this.refs);
    // Star groups as the CLI makes them: canonical–member pairs the bounded search skipped are verified now.
    const { groups } = await starGroups([...this.index.entries.values()], this.index.graph, {
      thresholds: nearThresholds(this.config),
      chooser: makeChooser(this.config, this.pinned()),
      ...ignoreOptions(this.config, this.variants),
    });
    const delta = this.groups.replace(groups, (group) => toReportGroup(group, this.config.roots[0], (image) => this.refs.referencesTo(image)));
    if (!delta) return;
    this.notify(GroupsChangedNotification.method, delta);
    this.events.emit('groupsChanged', delta);
  }

  // --- methods (parameters checked by the method table) ------------------------------------------

  status(): DaemonStatus {
    return {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: CAPABILITIES,
      version: VERSION,
      pid: process.pid,
      state: this.state,
      clock: this.store.clock,
      roots: this.config.roots,
      indexDir: this.config.indexDir,
      files: this.index.size,
      groups: this.groups.groups.length,
      duplicates: this.groups.duplicates,
      bytesReclaimable: this.groups.bytesReclaimable,
      errors: this.index.problems.size,
      ...(this.progress && this.state === 'scanning' ? { progress: { done: this.progress.done, total: this.progress.total } } : {}),
      watcher: this.watcherStatus,
      ...(this.indexNotices.length > 0 ? { indexNotices: this.indexNotices } : {}),
    };
  }

  /** What the daemon found wrong with the index at open (a damaged one moved aside and rebuilt). */
  get indexNotices(): string[] {
    return [this.store.recovery, this.refs.recovery].filter((r) => r !== undefined).map(describeRecovery);
  }

  listGroups(query: Omit<GroupQuery, 'folder'> & { folder?: string }): GroupsResult {
    const folder = query.folder === undefined ? undefined : this.resolveInside(query.folder);
    return this.groups.list({ ...query, folder }, () => [...this.index.problems]
      .map(([p, message]) => ({ path: toPosix(path.relative(this.config.roots[0], p)), message }))
      .sort((a, b) => (a.path < b.path ? -1 : 1)));
  }

  report(id: string): ReportGroup | undefined {
    return this.groups.report(id);
  }

  catalogue(): CatalogueState {
    return this.catalogueWatch?.state ?? { state: 'off', findings: [] };
  }

  shutdownSoon(): void {
    // Answer first, then stop: the caller gets its response before the sockets close.
    setImmediate(() => this.onShutdown());
  }

  /** Resolves a client path (absolute or relative to the first root) and refuses one outside the roots. */
  private resolveInside(p: string): string {
    // A link (the file's, or a folder's on the way) must not smuggle a path out of the roots.
    const resolved = realPathOf(path.resolve(this.config.roots[0], p));
    if (!this.scope.rootOf(resolved)) {
      throw new RpcError(RpcErrorCodes.PathOutsideRoots, `${p} is outside the watched roots (${this.config.roots.join(', ')})`, { path: p });
    }
    return resolved;
  }

  fileInfo(p: string): FileInfo {
    const resolved = this.resolveInside(p);
    const display = toPosix(path.relative(this.config.roots[0], resolved));
    const record = this.store.getFile(resolved);
    if (!record) return { path: display, indexed: false };
    const content = record.sha256 ? this.store.getContent(record.sha256) : undefined;
    const entry = this.index.entries.get(resolved);
    const group = this.groups.groupOf(resolved);
    const member = group?.members.find((m) => m.image.path === resolved);
    return {
      path: display,
      indexed: true,
      bytes: record.size,
      sha256: record.sha256,
      format: content?.fingerprint?.format,
      width: entry?.width,
      height: entry?.height,
      error: record.error ?? content?.error,
      ...(group && member ? {
        group: group.id,
        class: member.class,
        similarity: member.similarity,
        canonical: toPosix(path.relative(this.config.roots[0], group.canonical.path)),
      } : {}),
    };
  }

  /** Declares files distinct (two or more) or never reported (one): an entry in doublon.config.json, then a regroup. */
  ignore(paths: string[]): Promise<{ clock: number }> {
    if (paths.length === 0) throw new RpcError(RpcErrorCodes.InvalidParams, 'paths: expected one or more files, received an empty array');
    const resolved = paths.map((p) => this.resolveInside(p));
    const unknown = resolved.find((p) => !this.isImage(p));
    if (unknown) throw new RpcError(RpcErrorCodes.NotFound, `${this.display(unknown)} is not an image the index holds; only indexed images can be ignored`, { path: unknown });
    return this.enqueue(async () => {
      this.config = await addIgnoreEntry(this.config, resolved);
      await this.regroup();
      return { clock: this.store.clock };
    });
  }

  setCanonical(p: string): Promise<ReportGroup> {
    const resolved = this.resolveInside(p);
    return this.enqueue(async () => {
      const group = this.groups.groupOf(resolved);
      if (!group) throw new RpcError(RpcErrorCodes.NotFound, `${p} is not in any duplicate group`);
      const relative = toPosix(path.relative(this.config.baseDir, resolved));
      // One pin per group: unpin the group's other members.
      const others = new Set(group.members.map((m) => m.image.relativePath));
      const pinned = [...this.pinned()].filter((x) => !others.has(x));
      pinned.push(relative);
      this.store.putMeta(PINNED_META, pinned);
      await this.regroup();
      const now = this.groups.groupOf(resolved)!;
      return this.groups.report(now.id)!;
    });
  }

  private replaceInput(): PlanInput {
    return {
      groups: this.groups.groups.map(toReplaceGroup),
      referencesTo: (image) => this.refs.referencesTo(image),
      resolve: resolveOptions(this.config),
      indexDir: this.config.indexDir,
      mentionsOf: (image) => this.refs.mentionsOf(image),
    };
  }

  /**
   * At most one rescan waits in the queue: a request for another while one is queued shares its promise (50
   * requests in one batch used to queue 50 full scans). Once it starts, the next request queues a new one,
   * which sees what changed meanwhile.
   */
  rescan(): Promise<{ clock: number; files: number }> {
    if (this.queuedRescan) return this.queuedRescan;
    const queued = this.enqueue(async () => {
      this.queuedRescan = undefined;
      this.setState('scanning');
      try {
        await this.scanAll();
      } finally {
        this.setState('idle');
      }
      return { clock: this.store.clock, files: this.index.size };
    });
    this.queuedRescan = queued;
    return queued;
  }
}

/**
 * Long loops over every file must let requests in: awaiting a resolved promise does not (it is a
 * microtask), so every `every` iterations this returns a turn of the event loop to await.
 */
function yielder(every = 500): () => Promise<void> | undefined {
  let count = 0;
  return () => (++count % every === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
}
