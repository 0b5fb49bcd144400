/* eslint-disable max-lines -- the engine's lifecycle and its one queue, what remains after the split (live-index, group-state, watch-batches, methods, config-edit…): each method here orders work on that queue. */
/**
 * The live engine behind every transport: its lifecycle and its queue. Index mutations (scans, watcher
 * batches, config edits, replacements) run one at a time on `this.queue`; reads answer from memory at once,
 * even mid-scan. The parts live beside it: the in-memory index and graph (live-index.ts), the groups and
 * their change log (group-state.ts), watcher batches (watch-batches.ts, root-scope.ts), the method table
 * and its parameter checks (methods.ts, params.ts), config editing (config-edit.ts), replacements
 * (replace-methods.ts). The engine knows nothing of LSP: the editor features subscribe to its events
 * (daemon/lsp/endpoint.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import type { ReportGroup } from '../../protocol/report';
import { realPathOf } from '../replace/scope';
import { toReplaceGroup } from '../replace/adapter';
import type { PlanInput } from '../replace';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import {
  CAPABILITIES,
  PROTOCOL_VERSION,
  type DaemonState,
  type DaemonStatus,
  type FileInfo,
  type GroupsResult,
  type WatcherStatus,
  CatalogueChangedNotification,
  GroupsChangedNotification,
  ProgressNotification,
  StatusChangedNotification,
} from '../../protocol/methods';
import type { CatalogueState } from '../../protocol/catalogue';
import { makeChooser } from '../canonical-choice';
import { ignoreOptions, nearThresholds } from '../groups/options';
import { openIndex } from '../index/open';
import { openReferences, resolveOptions } from '../refstore/open';
import { toPosix } from '../scan/relative';
import { scannedRoots } from '../config/libraries';
import type { ReferenceStore } from '../refstore/store';
import { updateReferences, variantSets } from '../refstore/update';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { describeRecovery } from '../index/integrity';
import { starGroups } from '../groups/build';
import type { DeclaredVariants } from '../groups/variants';
import { toReportGroup } from '../report/scan-report';
import { updateIndex, type ScanProgress } from '../scan/scanner';
import type { CatalogueWatch } from '../catalogue/watch';
import type { CatalogueTarget } from '../catalogue/connection';
import { watchCatalogue } from './catalogue-link';
import type { CallContext, RpcEndpoint } from './endpoint';
import { RootWatcher } from './watcher';
import { TOOL_VERSION } from '../report/tool';
import { LiveIndex } from './live-index';
import { GroupState, type GroupQuery, type Membership } from './group-state';
import { RootScope } from './root-scope';
import { applyBatch } from './watch-batches';
import { addIgnoreEntry } from './config-edit';
import { ReplaceMethods } from './replace-methods';
import { callMethod, methodTable, parameterNamesOf, type MethodHost, type MethodTable } from './methods';
import { describeFile } from './file-info';
import { EngineEvents, type NotificationListener } from './engine-events';
import { damagedStoreOf, IndexRebuiltError, reopenAfterDamage } from './index-recovery';
import type { IndexRecovery } from '../index/integrity';
import { pinCanonical, pinnedCanonicals } from './pins';

/** The tool's version, one constant (report/tool.ts): the daemon reports it in `doublon/status`. */
export const VERSION = TOOL_VERSION;

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

export class DoublonService implements RpcEndpoint, MethodHost {
  /** Notifications for clients, and the engine's events for what runs on it (the editor features). */
  readonly events = new EngineEvents();
  readonly log: Logger;
  /** Replaced when damage met after open is rebuilt (index-recovery.ts), like the stores. */
  private index: LiveIndex;
  private readonly groups: GroupState;
  /** What the user was told about the index: damage found at open, then any met and rebuilt since. */
  private readonly notices: string[];
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

  private constructor(
    private config: ResolvedConfig,
    private store: IndexStore<Fingerprint>,
    private references: ReferenceStore,
    private readonly options: ServiceOptions,
  ) {
    this.log = options.log ?? stderrLogger;
    this.index = new LiveIndex(store, references, () => this.config);
    // The clock of whichever store is current: a rebuilt one carries it over.
    const current = (): IndexStore<Fingerprint> => this.store;
    this.groups = new GroupState({
      get clock() {
        return current().clock;
      },
      advanceClock: () => current().advanceClock(),
    });
    this.notices = [store.recovery, references.recovery].filter((r) => r !== undefined).map(describeRecovery);
    this.rebuildOnDamagedCommit(store);
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

  /** The reference store (replaced when a damaged one is rebuilt). */
  get refs(): ReferenceStore {
    return this.references;
  }

  /** True once `stop` began: only `doublon/status` is answered. */
  get isStopping(): boolean {
    return this.stopping;
  }

  // --- RpcEndpoint -------------------------------------------------------------------------------

  parameterNames(method: string): readonly string[] | undefined {
    return parameterNamesOf(method);
  }

  async call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown> {
    try {
      return await callMethod(this.handlers, method, params, context, this.stopping);
    } catch (error) {
      // Damage met by this request: it fails with a plain message, the index is rebuilt on the queue.
      if (error instanceof IndexRebuiltError) throw new RpcError(RpcErrorCodes.InternalError, error.message);
      const which = damagedStoreOf(error);
      if (!which) throw error;
      this.rebuildSoon(which, error);
      throw new RpcError(
        RpcErrorCodes.InternalError,
        `the index is damaged (${(error as Error).message.split('\n')[0]}); it is being rebuilt from the files: try again in a moment`,
      );
    }
  }

  subscribe(listener: NotificationListener): () => void {
    return this.events.subscribe(listener);
  }

  private notify(method: string, params: unknown): void {
    this.events.notify(method, params);
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
      // Damage met by either pass was rebuilt with a full scan already (enqueue): start goes on.
      await this.enqueue(async () => {
        await this.index.syncAll();
        await this.regroup();
      }).catch(unlessRebuilt);
      this.setState('scanning');
      if (this.options.watch !== false) await this.startWatcher();
      await this.enqueue(() => this.scanAll()).catch(unlessRebuilt);
      this.setState('idle');
      this.startCatalogue();
    } finally {
      this.markReady();
    }
  }

  /** Starts following the catalogue, when one is configured (in the background). */
  private startCatalogue(): void {
    const given = this.options.catalogue;
    if (!given || this.stopping) return;
    this.catalogueWatch = watchCatalogue(
      given,
      () => this.config,
      this.store,
      this.index,
      (state) => this.notify(CatalogueChangedNotification.method, state),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setState('stopping');
    await this.watcher?.close();
    await this.catalogueWatch?.stop();
    await this.queue.catch(() => undefined);
    this.index.pruneAndSaveGraph();
    await this.references.close();
    await this.store.close();
  }

  /** Resolves when every change seen so far is applied (tests and `check` use it). */
  async settled(): Promise<void> {
    await this.ready;
    await this.watcher?.settled();
    await this.queue;
  }

  /**
   * Runs `task` after every task queued before it. Damage it meets in the index (index/damage.ts) is rebuilt
   * before the next task runs; the task then fails with IndexRebuiltError (it is not run again: a config
   * edit must not be applied twice).
   */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> => this.rebuildingOnDamage(task);
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async rebuildingOnDamage<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      const which = damagedStoreOf(error);
      if (!which || this.stopping || error instanceof IndexRebuiltError) throw error;
      const notices = await this.rebuild(which, error);
      throw new IndexRebuiltError(notices.join('; '));
    }
  }

  /** Damage met outside the queue (a request reading the store): rebuilt on the queue, unless it was since. */
  private rebuildSoon(which: IndexRecovery['store'], error: unknown): void {
    const damaged = which === 'images' ? this.store : this.references;
    void this.enqueue(async () => {
      if ((which === 'images' ? this.store : this.references) === damaged) throw error;
    }).catch(() => undefined);
  }

  /** A commit of this store that fails on damage (a watcher batch's write, no request waiting on it) is rebuilt too. */
  private rebuildOnDamagedCommit(store: IndexStore<Fingerprint>): void {
    store.onCommitError = (error) => {
      if (this.store === store && !this.stopping && damagedStoreOf(error)) this.rebuildSoon('images', error);
    };
  }

  /**
   * Moves the damaged store aside, opens both again, rebuilds the in-memory index and rescans from the files;
   * says so in the log and in `doublon/status` (indexNotices, also sent with statusChanged). Runs on the queue.
   */
  private async rebuild(which: IndexRecovery['store'], error: unknown): Promise<string[]> {
    const before = this.state;
    this.setState('scanning');
    const following = this.catalogueWatch !== undefined;
    await this.catalogueWatch?.stop();
    this.catalogueWatch = undefined;
    const reopened = await reopenAfterDamage(this.config, { store: this.store, refs: this.references }, which, error);
    this.store = reopened.store;
    this.references = reopened.refs;
    this.rebuildOnDamagedCommit(this.store);
    this.index = new LiveIndex(this.store, this.references, () => this.config);
    this.variants = undefined;
    for (const notice of reopened.notices) {
      this.notices.push(notice);
      this.log(notice);
      this.events.indexRebuilt(notice);
    }
    try {
      await this.scanAll();
    } finally {
      this.setState(before === 'starting' ? 'starting' : 'idle');
      if (following) this.startCatalogue();
    }
    return reopened.notices;
  }

  private setState(state: DaemonState): void {
    this.state = state;
    if (state !== 'scanning') this.progress = undefined;
    this.notify(StatusChangedNotification.method, this.status());
  }

  private async startWatcher(): Promise<void> {
    this.watcher = new RootWatcher({
      roots: scannedRoots(this.config),
      usePolling: !!this.options.usePolling,
      ignored: (p) => this.scope.ignoredByWatcher(p),
      onBatch: (paths) =>
        this.enqueue(() => this.applyBatch(paths)).catch((error: unknown) => {
          // The rebuild's full scan covered this batch (and the notice is logged already).
          if (error instanceof IndexRebuiltError) return;
          // The next batch or a rescan repairs what this one missed; the log says why it failed.
          this.log(
            `applying ${paths.length} changed path(s) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
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
      roots: scannedRoots(this.config),
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
    await this.index.syncAll();
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

  /** Recomputes the groups from the graph (cheap: no decoding) and announces what changed. */
  private async regroup(): Promise<void> {
    this.catalogueWatch?.refresh(); // this site's images may have changed: its cross-site findings too
    this.variants ??= variantSets(this.refs);
    // Star groups as the CLI makes them: canonical–member pairs the bounded search skipped are verified now.
    const { groups } = await starGroups([...this.index.entries.values()], this.index.graph, {
      thresholds: nearThresholds(this.config),
      chooser: makeChooser(this.config, pinnedCanonicals(this.store)),
      ...ignoreOptions(this.config, this.variants),
    });
    // Grouping ends every batch (start, a scan, a watcher batch): the verifications are over until the next.
    this.index.releasePixels();
    const delta = this.groups.replace(groups, (group) =>
      toReportGroup(group, this.config.roots[0], (image) => this.refs.referencesTo(image), this.config.libraries),
    );
    if (!delta) return;
    this.notify(GroupsChangedNotification.method, delta);
    this.events.groupsChanged(delta);
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

  /** What the daemon found wrong with the index (a damaged one moved aside and rebuilt), at open or since. */
  get indexNotices(): string[] {
    return [...this.notices];
  }

  /** Another notice for `doublon/status` (the daemon was restarted after a crash: the index may be why). */
  addNotice(notice: string): void {
    this.notices.push(notice);
  }

  listGroups(query: Omit<GroupQuery, 'folder'> & { folder?: string }): GroupsResult {
    const folder = query.folder === undefined ? undefined : this.resolveInside(query.folder);
    return this.groups.list({ ...query, folder }, () =>
      [...this.index.problems]
        .map(([p, message]) => ({ path: toPosix(path.relative(this.config.roots[0], p)), message }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
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
      throw new RpcError(RpcErrorCodes.PathOutsideRoots, `${p} is outside the watched roots (${this.config.roots.join(', ')})`, {
        path: p,
      });
    }
    return resolved;
  }

  fileInfo(p: string): FileInfo {
    return describeFile(this.resolveInside(p), this.config.roots[0], this.store, this.index, this.groups);
  }

  /** Declares files distinct (two or more) or never reported (one): an entry in doublon.config.json, then a regroup. */
  ignore(paths: string[]): Promise<{ clock: number }> {
    if (paths.length === 0) throw new RpcError(RpcErrorCodes.InvalidParams, 'paths: expected one or more files, received an empty array');
    const resolved = paths.map((p) => this.resolveInside(p));
    const unknown = resolved.find((p) => !this.isImage(p));
    if (unknown)
      throw new RpcError(
        RpcErrorCodes.NotFound,
        `${this.display(unknown)} is not an image the index holds; only indexed images can be ignored`,
        { path: unknown },
      );
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
      pinCanonical(this.store, group, toPosix(path.relative(this.config.baseDir, resolved)));
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
    }).catch((error: unknown) => {
      // The rebuild was a full scan: what this rescan was asked for.
      unlessRebuilt(error);
      return { clock: this.store.clock, files: this.index.size };
    });
    this.queuedRescan = queued;
    return queued;
  }
}

/** Lets IndexRebuiltError pass (the rebuild rescanned already); throws anything else. */
function unlessRebuilt(error: unknown): void {
  if (!(error instanceof IndexRebuiltError)) throw error;
}
