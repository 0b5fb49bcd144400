/**
 * The live engine behind every transport: the index, the similarity graph and the groups in memory, kept
 * current by the watcher, and the `doublon/*` methods. Index mutations (scans, watcher batches, config
 * edits) run one at a time on `this.queue`; reads answer from memory at once, even mid-scan.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { readConfigFile } from '../config/load';
import { ConfigError, validateConfig } from '../config/validate';
import { CONFIG_FILE_NAME } from '../../protocol/settings';
import { DUPLICATE_CLASSES, type DuplicateClass, type ReportGroup } from '../../protocol/report';
import { randomUUID } from 'node:crypto';
import { applyPlan, makePlan, removeLeftoverTempFiles, ReplaceError, undoLast, vouchPlan, type PlanInput, type PlanOptions, type ReplacePlan } from '../replace';
import { toReplaceGroup } from '../replace/adapter';
import { atomicWrite } from '../replace/fsops';
import { isUnder, realPathOf } from '../replace/scope';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import {
  CAPABILITIES, PROTOCOL_VERSION, REQUESTS,
  type DaemonState, type DaemonStatus, type FileInfo, type GroupsParams, type GroupsResult, type WatcherStatus,
  type ReplaceApplyResult, type ReplacePlanParams, type ReplacePlanResult,
  GroupsChangedNotification, ProgressNotification, StatusChangedNotification,
} from '../../protocol/methods';
import { isSiteFile, scannedRoots } from '../config/libraries';
import { keyCacheFile } from '../catalogue/key-cache';
import { graphOptions, ignoreOptions, isEntry, loadGraph, makeChooser, nearThresholds, openIndex, openReferences, resolveOptions, saveGraph, toEntry, toPosix } from '../analysis';
import type { ReferenceStore } from '../references/store';
import { indexSource, updateReferences, variantSets } from '../references/update';
import type { Fingerprint } from '../hash';
import type { IndexStore } from '../index/store';
import { describeRecovery } from '../index/integrity';
import { starGroups, type DuplicateGroup, type ImageEntry } from '../groups/build';
import { SimilarityGraph } from '../groups/pairs';
import type { DeclaredVariants } from '../groups/variants';
import { toReportGroup } from '../report/scan-report';
import { GitignoreStack, makeFileFilter } from '../scan/filter';
import { indexFile, updateIndex, type ScanProgress } from '../scan/scanner';
import type { CallContext, RpcEndpoint } from './endpoint';
import { LspFeatures } from '../lsp/server';
import type { LspHost, Membership } from '../lsp/host';
import { RootWatcher } from './watcher';
import { CatalogueWatch } from '../catalogue/watch';
import type { CatalogueTarget } from '../catalogue/connection';
import { relativePosix } from '../scan/relative';
import { SCHEMA_VERSION } from '../analysis';
import { CatalogueChangedNotification } from '../../protocol/methods';
import type { CatalogueState } from '../../protocol/catalogue';

export const VERSION = '0.1.0';

export interface ServiceOptions {
  /** Watch by polling instead of native events (tests run both; also the fallback). */
  usePolling?: boolean;
  /** No watcher at all (a one-shot `serve` of a static tree, or tests of the methods alone). */
  watch?: boolean;
  /** The organisation's catalogue, when configured: cross-site findings kept current (LISTEN/NOTIFY). */
  catalogue?: { target: CatalogueTarget; repository: string };
}

interface Delta {
  clock: number;
  since: number;
  changed: string[];
  removed: string[];
}

const MAX_DELTAS = 256;
/** Plans issued by `doublon/replacePlan` and kept for `doublon/replaceApply` (the oldest is forgotten first). */
const MAX_ISSUED_PLANS = 16;
const PINNED_META = 'pinned-canonicals';

type Handler = (params: Record<string, unknown>, context: CallContext) => Promise<unknown> | unknown;

export class DoublonService implements RpcEndpoint, LspHost {
  private readonly events = new EventEmitter();
  private readonly entries = new Map<string, ImageEntry>();
  private readonly problems = new Map<string, string>();
  /** How many entries hold each content: the graph holds a content while this is above zero. */
  private readonly holders = new Map<string, number>();
  /** One file holding each content (checked before use: it may have changed since). */
  private readonly holderPath = new Map<string, string>();
  private graph: SimilarityGraph;
  private groups: DuplicateGroup[] = [];
  private groupOfPath = new Map<string, DuplicateGroup>();
  private membershipOfPath = new Map<string, Membership>();
  private reports = new Map<string, { report: ReportGroup; json: string }>();
  private deltas: Delta[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private queuedRescan: Promise<{ clock: number; files: number }> | undefined;
  private state: DaemonState = 'starting';
  private progress: ScanProgress | undefined;
  private lastProgressAt = 0;
  private watcher: RootWatcher | undefined;
  private watcherStatus: WatcherStatus = { mode: 'off' };
  private gitignores = new Map<string, GitignoreStack>();
  private filter: ReturnType<typeof makeFileFilter> | undefined;
  private resolveCache: ReturnType<typeof resolveOptions> | undefined;
  private resolveFor: object | undefined;
  private filterFor: object | undefined;
  private readonly handlers: Record<string, Handler>;
  /** Resolves once the first full scan is done. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private stopping = false;
  onShutdown: () => void = () => undefined;

  private variants: DeclaredVariants[] | undefined;
  private catalogue: CatalogueWatch | undefined;
  readonly lsp: LspFeatures;
  /** The plans this daemon made, by id, with what they were made for: replaceApply applies only these. */
  private readonly issuedPlans = new Map<string, { plan: ReplacePlan; options: PlanOptions }>();

  private constructor(private config: ResolvedConfig, private readonly store: IndexStore<Fingerprint>, readonly refs: ReferenceStore, private readonly options: ServiceOptions) {
    // The graph saved by the last run: a restart with nothing changed searches and decodes nothing.
    this.graph = loadGraph(store, graphOptions(store, config, (sha) => this.holderOf(sha)));
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.handlers = {
      'doublon/status': () => this.status(),
      'doublon/groups': (p) => this.listGroups(p as GroupsParams),
      'doublon/group': (p) => this.group(requireString(p, 'id')),
      'doublon/fileInfo': (p) => this.fileInfo(requireString(p, 'path')),
      'doublon/ignore': (p) => this.ignore(requireStringArray(p, 'paths')),
      'doublon/setCanonical': (p) => this.setCanonical(requireString(p, 'path')),
      'doublon/rescan': () => this.rescan(),
      'doublon/replacePlan': (p) => this.replacePlan(p as ReplacePlanParams),
      'doublon/replaceApply': (p) => this.replaceApply(p.plan),
      'doublon/undo': (p) => this.undo(p.force === true),
      'doublon/catalogue': (): CatalogueState => this.catalogue?.state ?? { state: 'off', findings: [] },
      'doublon/shutdown': () => {
        // Answer first, then stop: the caller gets its response before the sockets close.
        setImmediate(() => this.onShutdown());
        return null;
      },
    };
    this.lsp = new LspFeatures(this, (method, params, client) => this.notify(method, params, client), VERSION);
    Object.assign(this.handlers, this.lsp.handlers());
  }

  static open(config: ResolvedConfig, options: ServiceOptions = {}): DoublonService {
    return new DoublonService(config, openIndex(config), openReferences(config), options);
  }

  get clock(): number {
    return this.store.clock;
  }

  // --- RpcEndpoint -------------------------------------------------------------------------------

  parameterNames(method: string): readonly string[] | undefined {
    if (!(method in this.handlers)) return undefined;
    // LSP methods take named parameters only.
    return REQUESTS[method as keyof typeof REQUESTS] ?? [];
  }

  disconnected(context: CallContext): void {
    this.lsp.disconnected(context.client);
  }

  async call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown> {
    const handler = this.handlers[method];
    if (!handler) throw new RpcError(RpcErrorCodes.MethodNotFound, `no method ${method}`);
    if (this.stopping && method !== 'doublon/status') throw new RpcError(RpcErrorCodes.ShuttingDown, 'the daemon is shutting down');
    return handler(params ?? {}, context);
  }

  subscribe(listener: (method: string, params: unknown, client?: string) => void): () => void {
    this.events.on('notification', listener);
    return () => this.events.off('notification', listener);
  }

  private notify(method: string, params: unknown, client?: string): void {
    this.events.emit('notification', method, params, client);
  }

  // --- LspHost -----------------------------------------------------------------------------------

  membership(imagePath: string): Membership | undefined {
    return this.membershipOfPath.get(imagePath);
  }

  /** From memory (answered per reference on every keystroke): an image the index holds, readable or not. */
  isImage(absolutePath: string): boolean {
    return this.entries.has(absolutePath) || this.problems.has(absolutePath);
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
          await this.syncEntry(record.path);
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
    this.catalogue = new CatalogueWatch({
      ...given,
      thresholds: nearThresholds(this.config),
      fingerprintVersion: SCHEMA_VERSION,
      keyCache: keyCacheFile(this.config.indexDir),
      images: () => ({
        images: [...this.entries.values()].filter((e) => isSiteFile(e.path, this.config.libraries)).map((e) => ({ file: e.path, path: relativePosix(this.config.baseDir, e.path), sha256: e.sha256, width: e.width, height: e.height, bytes: e.bytes })),
        fingerprintOf: (sha) => this.store.getContent(sha)?.fingerprint,
      }),
      onChange: (state) => this.notify(CatalogueChangedNotification.method, state),
    });
    void this.catalogue.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setState('stopping');
    await this.watcher?.close();
    await this.lsp.close();
    await this.catalogue?.stop();
    await this.queue.catch(() => undefined);
    this.pruneAndSaveGraph();
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
    const skip = this.config.indexDir + path.sep;
    this.watcher = new RootWatcher({
      roots: scannedRoots(this.config),
      usePolling: !!this.options.usePolling,
      ignored: (p) => {
        if (p === this.config.indexDir || p.startsWith(skip)) return true;
        const root = this.rootOf(p);
        if (!root || p === root) return false;
        // Folders are pruned by the exclude globs; files are filtered when their batch is applied.
        return !this.fileFilter().enterFolder(toPosix(path.relative(root, p)));
      },
      onBatch: (paths) => this.enqueue(() => this.applyBatch(paths)),
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
    const seen = new Set<string>();
    const pause = yielder();
    for (const record of this.store.files()) {
      await pause();
      seen.add(record.path);
      await this.syncEntry(record.path);
    }
    for (const p of [...this.entries.keys(), ...this.problems.keys()]) if (!seen.has(p)) await this.syncEntry(p);
    this.pruneAndSaveGraph();
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

  private rootOf(p: string): string | undefined {
    return scannedRoots(this.config).find((root) => p === root || p.startsWith(root + path.sep));
  }

  private gitignoreOf(root: string): GitignoreStack {
    let stack = this.gitignores.get(root);
    if (!stack) this.gitignores.set(root, (stack = new GitignoreStack(root)));
    return stack;
  }

  private fileFilter(): ReturnType<typeof makeFileFilter> {
    // Rebuilt only when the settings object changes (config edits replace it).
    if (this.filterFor !== this.config.settings) {
      this.filter = makeFileFilter(this.config.settings.include, this.config.settings.exclude, this.config.settings.sources);
      this.filterFor = this.config.settings;
    }
    return this.filter!;
  }

  /** What the index holds of a file: an image, a source file whose references it reads, or nothing. */
  private kindOf(p: string): 'image' | 'source' | undefined {
    const root = this.rootOf(p);
    if (!root || p.startsWith(this.config.indexDir + path.sep)) return undefined;
    const rel = toPosix(path.relative(root, p));
    const kind = this.fileFilter().acceptFile(rel) ? 'image' : this.fileFilter().acceptSource(rel) ? 'source' : undefined;
    if (!kind || (this.config.settings.gitignore && this.gitignoreOf(root).ignores(p, false))) return undefined;
    return kind;
  }

  /** Files below a folder, pruned like the crawl (exclude globs, .gitignore, the index), links not followed. */
  private filesUnder(folder: string): string[] {
    const root = this.rootOf(folder);
    if (!root) return [];
    const files: string[] = [];
    const folders = [folder];
    while (folders.length > 0) {
      const current = folders.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(current, { withFileTypes: true });
      } catch {
        continue; // vanished or unreadable: the next batch or rescan says so
      }
      for (const entry of entries) {
        const full = path.join(current, entry.name);
        if (entry.isFile()) files.push(full);
        else if (entry.isDirectory() && full !== this.config.indexDir && this.fileFilter().enterFolder(toPosix(path.relative(root, full)))
          && !(this.config.settings.gitignore && this.gitignoreOf(root).ignores(full, true))) folders.push(full);
      }
    }
    return files;
  }

  /** Re-reads a changed source file (or drops a vanished one); returns the images whose references changed. */
  private async applySource(p: string, stat: fs.Stats | undefined): Promise<string[]> {
    const before = this.refs.getSource(p);
    const targets = new Set(before?.references.map((r) => r.target) ?? []);
    if (!stat) {
      if (!before) return [];
      this.refs.removeSource(p);
    } else {
      if (before && before.size === stat.size && before.mtimeMs === stat.mtimeMs && before.ino === stat.ino) return [];
      const after = await indexSource(this.refs, { path: p, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }, this.referenceOptions());
      for (const r of after.references) targets.add(r.target);
    }
    this.variants = undefined;
    return [...targets];
  }

  private async applyBatch(paths: string[]): Promise<void> {
    if (this.stopping) return;
    if (paths.some((p) => path.basename(p) === '.gitignore')) {
      // Rules changed: what is indexed may change anywhere below; a full rescan is the honest answer.
      this.gitignores.clear();
      await this.scanAll();
      return;
    }
    const touched = new Set<string>();
    const queue = [...new Set(paths)];
    const queued = new Set(queue);
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i];
      let stat: fs.Stats | undefined;
      try {
        stat = await fs.promises.lstat(p);
      } catch {
        stat = undefined;
      }
      if (!stat || stat.isDirectory()) {
        // Gone (a file or a whole folder), or a folder: drop what the index holds there that is gone.
        // (A folder that appears is reported by chokidar file by file.)
        const held = [...(this.store.getFile(p) ? [this.store.getFile(p)!] : []), ...this.store.files(p)];
        for (const record of held) {
          if (!stat || !fs.existsSync(record.path)) {
            this.store.removeFile(record.path);
            touched.add(record.path);
          }
        }
        const sources = [...this.refs.allSources()].filter((r) => r.path === p || r.path.startsWith(p + path.sep));
        for (const source of sources) {
          if (!stat || !fs.existsSync(source.path)) for (const target of await this.applySource(source.path, undefined)) touched.add(target);
        }
        // A folder that appeared (moved in, checked out): its files are queued too, so none is lost if the
        // watcher (polling especially) reports only some of them. Those it does report are stat-checked once.
        if (stat) {
          for (const file of this.filesUnder(p)) {
            if (!queued.has(file)) {
              queued.add(file);
              queue.push(file);
            }
          }
        }
        continue;
      }
      if (!stat.isFile()) continue;
      const kind = this.kindOf(p);
      if (kind === 'source') {
        for (const target of await this.applySource(p, stat)) touched.add(target);
        continue;
      }
      if (kind !== 'image') continue;
      const record = this.store.getFile(p);
      if (record && record.size === stat.size && record.mtimeMs === stat.mtimeMs && record.ino === stat.ino) continue;
      await indexFile(this.store, { path: p, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }, { maxPixels: this.config.settings.maxPixels, maxSvgBytes: this.config.settings.maxSvgBytes });
      touched.add(p);
    }
    if (touched.size === 0) return;
    this.store.advanceClock();
    for (const p of touched) await this.syncEntry(p);
    await this.regroup();
    this.notify(StatusChangedNotification.method, this.status());
  }

  /** Brings the in-memory view of one path in line with the store. */
  private async syncEntry(p: string): Promise<void> {
    const before = this.entries.get(p);
    const record = this.store.getFile(p);
    const after = record ? toEntry(this.store, this.config, record, (image) => this.refs.referenceCount(image)) : undefined;
    if (before && (!after || !isEntry(after) || after.sha256 !== before.sha256)) this.release(before.sha256);
    this.entries.delete(p);
    this.problems.delete(p);
    if (!after) return;
    if (!isEntry(after)) {
      this.problems.set(p, after.message);
      return;
    }
    this.entries.set(p, after);
    if (before?.sha256 === after.sha256) return;
    const count = this.holders.get(after.sha256) ?? 0;
    this.holders.set(after.sha256, count + 1);
    if (count === 0) this.holderPath.set(after.sha256, p);
    if (count === 0) await this.graph.add(after.sha256, after.fingerprint);
  }

  private release(sha256: string): void {
    const count = (this.holders.get(sha256) ?? 0) - 1;
    if (count > 0) this.holders.set(sha256, count);
    else {
      this.holders.delete(sha256);
      this.holderPath.delete(sha256);
      this.graph.remove(sha256);
    }
  }

  /** A file holding this content (pixel digests are computed from it). Rare: only for distance-0 pairs. */
  private holderOf(sha256: string): string | undefined {
    const known = this.holderPath.get(sha256);
    if (known && this.entries.get(known)?.sha256 === sha256) return known;
    for (const entry of this.entries.values()) {
      if (entry.sha256 === sha256) {
        this.holderPath.set(sha256, entry.path);
        return entry.path;
      }
    }
    return undefined;
  }

  /** Drops contents no file holds any more (after a restart), and saves the graph for the next start. */
  private pruneAndSaveGraph(): void {
    for (const sha of [...this.graph.contents()]) if (!this.holders.has(sha)) this.graph.remove(sha);
    saveGraph(this.store, this.graph);
  }

  private pinned(): Set<string> {
    return new Set(this.store.getMeta<string[]>(PINNED_META) ?? []);
  }

  /** Recomputes the groups from the graph (cheap: no decoding) and announces what changed. */
  private async regroup(): Promise<void> {
    this.catalogue?.refresh(); // this site's images may have changed: its cross-site findings too
    this.variants ??= variantSets(this.refs);
    // Star groups as the CLI makes them: canonical–member pairs the bounded search skipped are verified now.
    const { groups } = await starGroups([...this.entries.values()], this.graph, {
      thresholds: nearThresholds(this.config),
      chooser: makeChooser(this.config, this.pinned()),
      ...ignoreOptions(this.config, this.variants),
    });
    const reports = new Map<string, { report: ReportGroup; json: string }>();
    const changed: ReportGroup[] = [];
    for (const group of groups) {
      const report = toReportGroup(group, this.config.roots[0], (image) => this.refs.referencesTo(image), this.config.libraries);
      const json = JSON.stringify(report);
      reports.set(group.id, { report, json });
      if (this.reports.get(group.id)?.json !== json) changed.push(report);
    }
    const removed = [...this.reports.keys()].filter((id) => !reports.has(id));
    this.groups = groups;
    this.reports = reports;
    this.groupOfPath = new Map(groups.flatMap((g) => g.members.map((m) => [m.image.path, g] as const)));
    this.membershipOfPath = new Map(groups.flatMap((group) => group.members.map((member) => [member.image.path, { group, member }] as const)));
    if (changed.length === 0 && removed.length === 0) return;
    const since = this.store.clock;
    const clock = this.store.advanceClock();
    this.deltas.push({ clock, since, changed: changed.map((g) => g.id), removed });
    if (this.deltas.length > MAX_DELTAS) this.deltas.shift();
    this.notify(GroupsChangedNotification.method, { clock, since, changed, removed });
    this.lsp.refreshAll();
  }

  // --- methods -----------------------------------------------------------------------------------

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
      files: this.entries.size + this.problems.size,
      groups: this.groups.length,
      duplicates: this.groups.reduce((n, g) => n + g.members.length - 1, 0),
      bytesReclaimable: this.groups.reduce((n, g) => n + g.bytesReclaimable, 0),
      errors: this.problems.size,
      ...(this.progress && this.state === 'scanning' ? { progress: { done: this.progress.done, total: this.progress.total } } : {}),
      watcher: this.watcherStatus,
      ...(this.indexNotices.length > 0 ? { indexNotices: this.indexNotices } : {}),
    };
  }

  /** What the daemon found wrong with the index at open (a damaged one moved aside and rebuilt). */
  get indexNotices(): string[] {
    return [this.store.recovery, this.refs.recovery].filter((r) => r !== undefined).map(describeRecovery);
  }

  private listGroups(params: GroupsParams): GroupsResult {
    const limit = optionalInteger(params, 'limit', 1, 10_000) ?? 100;
    const offset = optionalInteger(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const since = optionalInteger(params, 'since', 0, Number.MAX_SAFE_INTEGER);
    const classes = params.class === undefined ? undefined : requireStringArray(params as Record<string, unknown>, 'class');
    const folder = params.root === undefined ? undefined : this.resolveInside(requireString(params as Record<string, unknown>, 'root'));
    let selected = this.groups;
    if (classes) selected = selected.filter((g) => classes.includes(g.class));
    if (folder) selected = selected.filter((g) => g.members.some((m) => m.image.path === folder || m.image.path.startsWith(folder + path.sep)));

    let removed: string[] | undefined;
    let incremental: boolean | undefined;
    if (since !== undefined) {
      const oldest = this.deltas[0];
      incremental = since >= this.store.clock || (!!oldest && since >= oldest.since);
      if (incremental) {
        const later = this.deltas.filter((d) => d.clock > since);
        const changedIds = new Set(later.flatMap((d) => d.changed));
        removed = [...new Set(later.flatMap((d) => d.removed))].filter((id) => !this.reports.has(id));
        selected = selected.filter((g) => changedIds.has(g.id));
      }
    }
    return {
      clock: this.store.clock,
      total: selected.length,
      groups: selected.slice(offset, offset + limit).map((g) => this.reports.get(g.id)!.report),
      ...(offset === 0 ? { errors: [...this.problems].map(([p, message]) => ({ path: toPosix(path.relative(this.config.roots[0], p)), message })).sort((a, b) => (a.path < b.path ? -1 : 1)) } : {}),
      ...(since !== undefined ? { removed: removed ?? [], incremental } : {}),
    };
  }

  private group(id: string): ReportGroup {
    const found = this.reports.get(id);
    if (!found) throw new RpcError(RpcErrorCodes.NotFound, `no group ${id} (it may have changed: list the groups again)`);
    return found.report;
  }

  /** Resolves a client path (absolute or relative to the first root) and refuses one outside the roots. */
  private resolveInside(p: string): string {
    // A link (the file's, or a folder's on the way) must not smuggle a path out of the roots.
    const resolved = realPathOf(path.resolve(this.config.roots[0], p));
    if (!this.rootOf(resolved)) {
      throw new RpcError(RpcErrorCodes.PathOutsideRoots, `${p} is outside the watched roots (${this.config.roots.join(', ')})`, { path: p });
    }
    return resolved;
  }

  private fileInfo(p: string): FileInfo {
    const resolved = this.resolveInside(p);
    const display = toPosix(path.relative(this.config.roots[0], resolved));
    const record = this.store.getFile(resolved);
    if (!record) return { path: display, indexed: false };
    const content = record.sha256 ? this.store.getContent(record.sha256) : undefined;
    const entry = this.entries.get(resolved);
    const group = this.groupOfPath.get(resolved);
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

  ignore(paths: string[]): Promise<{ clock: number }> {
    if (paths.length === 0) throw new RpcError(RpcErrorCodes.InvalidParams, 'paths: expected one or more files, received an empty array');
    const resolved = paths.map((p) => this.resolveInside(p));
    const unknown = resolved.find((p) => !this.isImage(p));
    if (unknown) throw new RpcError(RpcErrorCodes.NotFound, `${this.display(unknown)} is not an image the index holds; only indexed images can be ignored`, { path: unknown });
    return this.enqueue(async () => {
      const file = this.config.file ?? path.join(this.config.baseDir, CONFIG_FILE_NAME);
      let raw: Record<string, unknown> = {};
      if (fs.existsSync(file)) {
        try {
          raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch (error) {
          throw new RpcError(RpcErrorCodes.ConfigInvalid, `${file} is not valid JSON (${(error as Error).message}); fix it before ignoring duplicates`);
        }
      }
      const relative = resolved.map((p) => toPosix(path.relative(this.config.baseDir, p)));
      const entry = relative.length === 1 ? relative[0].replace(/[*?[\]{}()!+@\\]/g, '\\$&') : { paths: relative };
      raw.ignore = [...(Array.isArray(raw.ignore) ? raw.ignore : []), entry];
      try {
        validateConfig(raw, file);
        // Written like every file Doublon changes: atomically, with its mode, owner and group kept.
        const old = fs.existsSync(file) ? fs.statSync(file) : undefined;
        await atomicWrite(file, JSON.stringify(raw, null, 2) + '\n', old ? { mode: old.mode, uid: old.uid, gid: old.gid } : { mode: 0o644 });
        this.config = { ...this.config, file, settings: readConfigFile(file) };
      } catch (error) {
        throw new RpcError(RpcErrorCodes.ConfigInvalid, error instanceof ConfigError ? error.message : `cannot write ${file}: ${(error as Error).message}`);
      }
      await this.regroup();
      return { clock: this.store.clock };
    });
  }

  private setCanonical(p: string): Promise<ReportGroup> {
    const resolved = this.resolveInside(p);
    return this.enqueue(async () => {
      const group = this.groupOfPath.get(resolved);
      if (!group) throw new RpcError(RpcErrorCodes.NotFound, `${p} is not in any duplicate group`);
      const relative = toPosix(path.relative(this.config.baseDir, resolved));
      // One pin per group: unpin the group's other members.
      const others = new Set(group.members.map((m) => m.image.relativePath));
      const pinned = [...this.pinned()].filter((x) => !others.has(x));
      pinned.push(relative);
      this.store.putMeta(PINNED_META, pinned);
      await this.regroup();
      const now = this.groupOfPath.get(resolved)!;
      return this.reports.get(now.id)!.report;
    });
  }

  private replaceInput(): PlanInput {
    return {
      groups: this.groups.map(toReplaceGroup),
      referencesTo: (image) => this.refs.referencesTo(image),
      resolve: resolveOptions(this.config),
      indexDir: this.config.indexDir,
      mentionsOf: (image) => this.refs.mentionsOf(image),
    };
  }

  private async replacePlan(params: ReplacePlanParams): Promise<ReplacePlanResult> {
    const classes = params.classes === undefined ? undefined : requireStringArray(params as Record<string, unknown>, 'classes');
    if (classes?.some((c) => !DUPLICATE_CLASSES.includes(c as DuplicateClass))) throw invalid('classes', `a list of ${DUPLICATE_CLASSES.join(', ')}`, classes);
    if (params.groupId !== undefined && !this.reports.has(params.groupId)) throw new RpcError(RpcErrorCodes.NotFound, `no group ${params.groupId} (it may have changed: list the groups again)`);
    const options: PlanOptions = { classes: classes as DuplicateClass[] | undefined, groupId: params.groupId, delete: params.delete === true };
    const plan = await makePlan(this.replaceInput(), options);
    plan.id = randomUUID();
    this.issuedPlans.set(plan.id, { plan, options });
    for (const id of this.issuedPlans.keys()) if (this.issuedPlans.size > MAX_ISSUED_PLANS) this.issuedPlans.delete(id);
    return {
      planId: plan.id,
      edits: plan.files.flatMap((f) => f.edits.map((e) => ({ path: this.display(f.path), line: e.range.start.line, character: e.range.start.character, oldText: e.oldText, newText: e.newText }))),
      removals: plan.removals.map((r) => ({ path: this.display(r.path), bytes: r.bytes, canonical: this.display(r.canonical) })),
      skipped: plan.skipped.map((k) => ({ ...(k.image ? { path: this.display(k.image) } : {}), reason: k.reason })),
      unresolvedMentions: plan.unresolvedMentions.map((m) => ({ path: this.display(m.path), line: m.line, column: m.column, text: m.text, images: m.images.map((i) => this.display(i)) })),
      bytesReclaimed: plan.bytesReclaimed,
      plan: plan as unknown as ReplacePlanResult['plan'],
    };
  }

  /**
   * Applies a plan this daemon issued, and only that: the client names it (the plan as it was received, id
   * included, unchanged); paths, edits and removals are never taken from the client. The plan is then made
   * again from the index as it is now and must come out the same (else Stale: plan again), and applyPlan
   * vouches for it once more against the groups and references before it writes anything.
   */
  private replaceApply(plan: unknown): Promise<ReplaceApplyResult> {
    if (typeof plan !== 'object' || plan === null || (plan as { version?: unknown }).version !== 1) throw invalid('plan', 'a plan from doublon/replacePlan', plan);
    const id = (plan as { id?: unknown }).id;
    const issued = typeof id === 'string' ? this.issuedPlans.get(id) : undefined;
    if (!issued || JSON.stringify(plan) !== JSON.stringify(issued.plan)) {
      try {
        // Names the first thing it refuses (a path outside the roots: PathOutsideRoots, like every method).
        vouchPlan(plan, this.replaceInput(), this.config.indexDir);
      } catch (error) {
        throw replaceRpcError(error);
      }
      throw replaceRpcError(new ReplaceError('unvouched', issued
        ? 'The plan was changed since this daemon issued it; pass it back unchanged.'
        : 'This daemon did not issue that plan (or has forgotten it: it keeps the last few). Ask doublon/replacePlan for a plan and pass it back unchanged.'));
    }
    return this.enqueue(async () => {
      try {
        await this.removeLeftovers();
        const again = await makePlan(this.replaceInput(), issued.options);
        const changed = differenceOf(issued.plan, again, (p) => this.display(p));
        if (changed) throw new ReplaceError('stale', `${changed}; plan again.`);
        const result = await applyPlan(issued.plan, { ...this.replaceInput(), indexDir: this.config.indexDir }).catch((error: unknown) => {
          // Our own plan no longer vouched for: the index moved on since.
          throw error instanceof ReplaceError && error.code === 'unvouched' ? new ReplaceError('stale', `The index changed since the plan was made (${error.message})`, error.path) : error;
        });
        this.issuedPlans.delete(issued.plan.id!);
        return { journalId: result.journalId, filesWritten: result.filesWritten.length, editsApplied: result.editsApplied, removed: result.removed.length, bytesReclaimed: result.bytesReclaimed };
      } catch (error) {
        throw replaceRpcError(error);
      }
    });
  }

  /** Temporary files an interrupted apply or undo left in the roots or the index folder. */
  private async removeLeftovers(): Promise<void> {
    const { roots, indexDir } = this.config;
    await removeLeftoverTempFiles(isUnder(indexDir, roots) ? roots : [...roots, indexDir]);
  }

  private undo(force: boolean): Promise<{ journalId: string; restored: number; movedBack: number }> {
    return this.enqueue(async () => {
      try {
        await this.removeLeftovers();
        const result = await undoLast({ indexDir: this.config.indexDir, roots: this.config.roots, force });
        return { journalId: result.journalId, restored: result.restored.length, movedBack: result.movedBack.length };
      } catch (error) {
        throw replaceRpcError(error);
      }
    });
  }

  /**
   * At most one rescan waits in the queue: a request for another while one is queued shares its promise (50
   * requests in one batch used to queue 50 full scans). Once it starts, the next request queues a new one,
   * which sees what changed meanwhile.
   */
  private rescan(): Promise<{ clock: number; files: number }> {
    if (this.queuedRescan) return this.queuedRescan;
    const queued = this.enqueue(async () => {
      this.queuedRescan = undefined;
      this.setState('scanning');
      try {
        await this.scanAll();
      } finally {
        this.setState('idle');
      }
      return { clock: this.store.clock, files: this.entries.size + this.problems.size };
    });
    this.queuedRescan = queued;
    return queued;
  }
}

/** Why `again` (the plan made anew) would not do what `issued` does, or undefined when it does the same. */
function differenceOf(issued: ReplacePlan, again: ReplacePlan, show: (p: string) => string): string | undefined {
  const json = (v: unknown) => JSON.stringify(v);
  for (const f of issued.files) {
    const now = again.files.find((g) => g.path === f.path);
    if (!now || now.sha256 !== f.sha256) return `${show(f.path)} changed since the plan was made`;
    if (json(now) !== json(f)) return `the references to rewrite in ${show(f.path)} changed since the plan was made`;
  }
  for (const r of issued.removals) {
    if (!again.removals.some((x) => json(x) === json(r))) {
      const why = again.skipped.find((k) => k.image === r.path);
      return `${show(r.path)} would not be removed any more${why ? ` (${why.reason})` : ''}`;
    }
  }
  if (json([again.files, again.removals, again.canonicals]) !== json([issued.files, issued.removals, issued.canonicals])) return 'the groups changed since the plan was made';
  return undefined;
}

/** The replacement engine's refusals as protocol errors: a stale plan is Stale, a missing one NotFound, a path outside the roots PathOutsideRoots. */
function replaceRpcError(error: unknown): unknown {
  if (!(error instanceof ReplaceError)) return error;
  const code = error.code === 'stale' || error.code === 'conflict' ? RpcErrorCodes.Stale
    : error.code === 'nothing-to-undo' || error.code === 'not-found' ? RpcErrorCodes.NotFound
    : error.code === 'outside-roots' ? RpcErrorCodes.PathOutsideRoots
    : RpcErrorCodes.InvalidParams;
  return new RpcError(code, error.message, { reason: error.code, ...(error.path ? { path: error.path } : {}) });
}

/**
 * Long loops over every file must let requests in: awaiting a resolved promise does not (it is a
 * microtask), so every `every` iterations this returns a turn of the event loop to await.
 */
function yielder(every = 500): () => Promise<void> | undefined {
  let count = 0;
  return () => (++count % every === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined);
}

// --- parameter checks (InvalidParams names the parameter, the expected and the received) -------------

function invalid(name: string, expected: string, value: unknown): RpcError {
  return new RpcError(RpcErrorCodes.InvalidParams, `${name}: expected ${expected}, received ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
}

function requireString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw invalid(name, 'a non-empty string', value);
  return value;
}

function requireStringArray(params: Record<string, unknown>, name: string): string[] {
  const value = params[name];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw invalid(name, 'an array of strings', value);
  return value as string[];
}

function optionalInteger(params: object, name: string, min: number, max: number): number | undefined {
  const value = (params as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(name, `an integer from ${min} to ${max}`, value);
  return value;
}
