/**
 * The `doublon/*` methods: one namespace per method with its name (a literal type), its typed
 * RequestType/NotificationType for vscode-jsonrpc clients, the direction, and `parameterNames`, which maps
 * by-position parameters (`[a, b]`) onto the named ones (`{ x: a, y: b }`), as JSON-RPC 2.0 allows both.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { DuplicateClass, ReportError, ReportGroup } from './report';
import type { CatalogueState } from './catalogue';

export const PROTOCOL_VERSION = 1;

/** What this daemon can do; clients test names instead of versions. */
export const CAPABILITIES = [
  'groups',
  'group',
  'fileInfo',
  'ignore',
  'setCanonical',
  'rescan',
  'shutdown',
  'events',
  'clock',
  'replacePlan',
  'replaceApply',
  'undo',
  'catalogue',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export enum MessageDirection {
  clientToServer = 'clientToServer',
  serverToClient = 'serverToClient',
}

export type DaemonState = 'starting' | 'scanning' | 'idle' | 'stopping';

export interface WatcherStatus {
  /** `native`: inotify/FSEvents; `polling`: after the native watcher failed; `off`: not watching. */
  mode: 'native' | 'polling' | 'off';
  /** Why the watcher is degraded, in words a user can act on. */
  problem?: string;
}

export interface DaemonStatus {
  protocolVersion: number;
  capabilities: readonly Capability[];
  version: string;
  pid: number;
  state: DaemonState;
  /** Advances with every change applied to the index; a client resyncs from it. */
  clock: number;
  roots: string[];
  indexDir: string;
  /** Images indexed. */
  files: number;
  groups: number;
  duplicates: number;
  bytesReclaimable: number;
  /** Files that could not be read or decoded. */
  errors: number;
  /** Set while scanning. */
  progress?: { done: number; total: number };
  watcher: WatcherStatus;
  /** Set when the index was found damaged at start: what was moved aside and rebuilt (also in the log). */
  indexNotices?: string[];
}

export namespace StatusRequest {
  export const method = 'doublon/status' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = [] as const;
  /** The daemon's health, counts and clock. Cheap: answered from memory, even mid-scan. */
  export const type = new RequestType0<DaemonStatus, void>(method);
}

export interface GroupsParams {
  /** Only these classes (default: all). */
  class?: DuplicateClass[];
  /** Only groups with a member under this folder (absolute, or relative to the first root). */
  root?: string;
  offset?: number;
  /** At most this many groups (default 100, at most 10 000). */
  limit?: number;
  /** Resync: return only what changed since this clock (when the daemon still remembers; else everything). */
  since?: number;
}

export interface GroupsResult {
  clock: number;
  /** Total groups matching the filter (before offset/limit). */
  total: number;
  groups: ReportGroup[];
  /** On the first page (offset 0): files that could not be read or decoded. */
  errors?: ReportError[];
  /** With `since`: ids of groups gone since then. */
  removed?: string[];
  /** With `since`: false when the daemon no longer knows that clock and sent everything. */
  incremental?: boolean;
}

export namespace GroupsRequest {
  export const method = 'doublon/groups' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['class', 'root', 'offset', 'limit', 'since'] as const;
  /** Duplicate groups, largest savings first, paged and filterable. Paths are relative to the first root. */
  export const type = new RequestType<GroupsParams, GroupsResult, void>(method);
}

export interface GroupParams {
  id: string;
}

export namespace GroupRequest {
  export const method = 'doublon/group' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['id'] as const;
  /** One group by id; error NotFound when it no longer exists. */
  export const type = new RequestType<GroupParams, ReportGroup, void>(method);
}

export interface FileInfoParams {
  /** Absolute, or relative to the first root. */
  path: string;
}

export interface FileInfo {
  path: string;
  indexed: boolean;
  bytes?: number;
  sha256?: string;
  format?: string;
  width?: number;
  height?: number;
  error?: string;
  /** The group this file belongs to, if any. */
  group?: string;
  class?: DuplicateClass;
  similarity?: number;
  canonical?: string;
}

export namespace FileInfoRequest {
  export const method = 'doublon/fileInfo' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['path'] as const;
  /** What the index knows of one file. Error PathOutsideRoots for a path outside the roots. */
  export const type = new RequestType<FileInfoParams, FileInfo, void>(method);
}

export interface IgnoreParams {
  /** Files to declare distinct from each other (two or more), or one file never to report. */
  paths: string[];
}

export namespace IgnoreRequest {
  export const method = 'doublon/ignore' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['paths'] as const;
  /** Records an ignore entry in doublon.config.json (created if missing) and regroups. */
  export const type = new RequestType<IgnoreParams, { clock: number }, void>(method);
}

export interface SetCanonicalParams {
  /** The file to make canonical of its group. */
  path: string;
}

export namespace SetCanonicalRequest {
  export const method = 'doublon/setCanonical' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['path'] as const;
  /** Pins a file as the canonical of its group (kept in the index, survives restarts); rule `preferred`. */
  export const type = new RequestType<SetCanonicalParams, ReportGroup, void>(method);
}

export namespace RescanRequest {
  export const method = 'doublon/rescan' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = [] as const;
  /** Walks the roots again (after a watcher problem, or on demand); resolves when done. */
  export const type = new RequestType0<{ clock: number; files: number }, void>(method);
}

export namespace ShutdownRequest {
  export const method = 'doublon/shutdown' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = [] as const;
  /** Stops the daemon cleanly (index closed, lock released) after answering. */
  export const type = new RequestType0<null, void>(method);
}

export interface ReplacePlanParams {
  /** Only this group (default: every group). */
  groupId?: string;
  /** Member classes to replace (default exact, pixel). */
  classes?: DuplicateClass[];
  /** Also move copies left unreferenced to the index's trash. */
  delete?: boolean;
}

/** A plan as people read it (paths relative to the first root), plus the plan itself to hand back to apply. */
export interface ReplacePlanResult {
  /** The daemon's id of this plan: `replaceApply` applies only plans the daemon issued (the last few). */
  planId: string;
  edits: Array<{ path: string; line: number; character: number; oldText: string; newText: string }>;
  removals: Array<{ path: string; bytes: number; canonical: string }>;
  skipped: Array<{ path?: string; reason: string }>;
  /** Mentions of a copy's file name (1-based line and column) that no rewritten reference accounts for: the copies they may name are kept. */
  unresolvedMentions: Array<{ path: string; line: number; column: number; text: string; images: string[] }>;
  bytesReclaimed: number;
  /** Opaque (it carries `planId` as `id`, and more fields): pass it unchanged to `doublon/replaceApply`. */
  plan: IssuedPlan;
}

/** A plan as the daemon issued it: opaque to clients, who pass it back unchanged (its other fields included). */
export interface IssuedPlan {
  version: number;
  id?: string;
}

export namespace ReplacePlanRequest {
  export const method = 'doublon/replacePlan' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['groupId', 'classes', 'delete'] as const;
  /** A dry run: what `replaceApply` would change. Changes nothing. */
  export const type = new RequestType<ReplacePlanParams, ReplacePlanResult, void>(method);
}

export interface ReplaceApplyResult {
  journalId?: string;
  filesWritten: number;
  editsApplied: number;
  removed: number;
  bytesReclaimed: number;
}

export namespace ReplaceApplyRequest {
  export const method = 'doublon/replaceApply' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['plan'] as const;
  /**
   * Applies a plan this daemon issued with `replacePlan` (passed back unchanged), atomically; refused with
   * InvalidParams if the daemon did not issue it or it was changed, PathOutsideRoots if it names a path outside
   * the roots, Stale if a file or group changed since.
   */
  export const type = new RequestType<{ plan: IssuedPlan }, ReplaceApplyResult, void>(method);
}

export interface UndoResult {
  journalId: string;
  restored: number;
  movedBack: number;
}

export namespace UndoRequest {
  export const method = 'doublon/undo' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = ['force'] as const;
  /** Restores the last applied replacement exactly. */
  export const type = new RequestType<{ force?: boolean }, UndoResult, void>(method);
}

export namespace StatusChangedNotification {
  export const method = 'doublon/statusChanged' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<DaemonStatus>(method);
}

export interface GroupsChangedParams {
  clock: number;
  /** The clock before this change. */
  since: number;
  /** Groups created or modified. */
  changed: ReportGroup[];
  /** Ids of groups that no longer exist. */
  removed: string[];
}

export namespace GroupsChangedNotification {
  export const method = 'doublon/groupsChanged' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<GroupsChangedParams>(method);
}

export interface ProgressParams {
  phase: 'crawl' | 'hash' | 'group';
  done: number;
  total: number;
}

export namespace ProgressNotification {
  export const method = 'doublon/progress' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<ProgressParams>(method);
}

export namespace CatalogueRequest {
  export const method = 'doublon/catalogue' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const parameterNames = [] as const;
  /** Copies of this site's images in other sites and libraries of the catalogue (state `off` when none is configured). */
  export const type = new RequestType0<CatalogueState, void>(method);
}

/** Sent when the catalogue's findings for this site change: another site published, or this site's images changed. */
export namespace CatalogueChangedNotification {
  export const method = 'doublon/catalogueChanged' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<CatalogueState>(method);
}

/** `initialize` result fields of our own (inside LSP's `InitializeResult`, under `serverInfo`/`doublon`). */
export interface DoublonInitializeInfo {
  protocolVersion: number;
  capabilities: readonly Capability[];
}

/** Every request method and its by-position parameter names: what the dispatcher needs to route. */
export const REQUESTS = {
  [StatusRequest.method]: StatusRequest.parameterNames,
  [GroupsRequest.method]: GroupsRequest.parameterNames,
  [GroupRequest.method]: GroupRequest.parameterNames,
  [FileInfoRequest.method]: FileInfoRequest.parameterNames,
  [IgnoreRequest.method]: IgnoreRequest.parameterNames,
  [SetCanonicalRequest.method]: SetCanonicalRequest.parameterNames,
  [RescanRequest.method]: RescanRequest.parameterNames,
  [ShutdownRequest.method]: ShutdownRequest.parameterNames,
  [ReplacePlanRequest.method]: ReplacePlanRequest.parameterNames,
  [ReplaceApplyRequest.method]: ReplaceApplyRequest.parameterNames,
  [UndoRequest.method]: UndoRequest.parameterNames,
  [CatalogueRequest.method]: CatalogueRequest.parameterNames,
} as const;

/**
 * Every request's typed `RequestType`, by method name: the handler table (daemon/server/methods.ts) is a
 * mapped type over it, so a method without a handler, or a handler with the wrong result, does not compile.
 */
export const REQUEST_TYPES = {
  [StatusRequest.method]: StatusRequest.type,
  [GroupsRequest.method]: GroupsRequest.type,
  [GroupRequest.method]: GroupRequest.type,
  [FileInfoRequest.method]: FileInfoRequest.type,
  [IgnoreRequest.method]: IgnoreRequest.type,
  [SetCanonicalRequest.method]: SetCanonicalRequest.type,
  [RescanRequest.method]: RescanRequest.type,
  [ShutdownRequest.method]: ShutdownRequest.type,
  [ReplacePlanRequest.method]: ReplacePlanRequest.type,
  [ReplaceApplyRequest.method]: ReplaceApplyRequest.type,
  [UndoRequest.method]: UndoRequest.type,
  [CatalogueRequest.method]: CatalogueRequest.type,
} as const;

export type RequestMethod = keyof typeof REQUEST_TYPES;

/** The parameters a request type declares (`void` for a request without any). */
export type ParamsOf<T> = T extends RequestType0<unknown, unknown> ? void : T extends RequestType<infer P, unknown, unknown> ? P : never;
/** The result a request type declares. */
export type ResultOf<T> = T extends RequestType0<infer R, unknown> ? R : T extends RequestType<unknown, infer R, unknown> ? R : never;

/** A request method's parameters and result, by name. */
export type MethodParams<M extends RequestMethod> = ParamsOf<(typeof REQUEST_TYPES)[M]>;
export type MethodResult<M extends RequestMethod> = ResultOf<(typeof REQUEST_TYPES)[M]>;
