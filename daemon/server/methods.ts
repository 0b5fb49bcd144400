/**
 * The `doublon/*` method table: each handler checks its parameters (a client is untrusted even with the
 * token) and calls the service. The table's type is mapped from protocol/methods.ts's request types: a
 * method without a handler, a misspelt parameter name or a wrong result type does not compile.
 */
import { DUPLICATE_CLASSES, type DuplicateClass, type ReportGroup } from '../../protocol/report';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import {
  REQUEST_TYPES,
  REQUESTS,
  type DaemonStatus,
  type FileInfo,
  type GroupsResult,
  type MethodParams,
  type MethodResult,
  type RequestMethod,
} from '../../protocol/methods';
import type { CatalogueState } from '../../protocol/catalogue';
import type { CallContext } from './endpoint';
import type { GroupQuery } from './group-state';
import type { ReplaceMethods } from './replace-methods';
import { invalid, optionalInteger, optionalStringArray, requireString, requireStringArray, type Untrusted } from './params';

export type MethodHandler<M extends RequestMethod> = (
  params: Untrusted<MethodParams<M>>,
  context: CallContext,
) => MethodResult<M> | Promise<MethodResult<M>>;
export type MethodTable = { readonly [M in RequestMethod]: MethodHandler<M> };

/** What the method table needs from the service: its operations, with checked parameters. */
export interface MethodHost {
  status(): DaemonStatus;
  /** `folder`: a client path, resolved inside the roots by the host. */
  listGroups(query: Omit<GroupQuery, 'folder'> & { folder?: string }): GroupsResult;
  report(id: string): ReportGroup | undefined;
  fileInfo(path: string): FileInfo;
  ignore(paths: string[]): Promise<{ clock: number }>;
  setCanonical(path: string): Promise<ReportGroup>;
  rescan(): Promise<{ clock: number; files: number }>;
  catalogue(): CatalogueState;
  readonly replace: ReplaceMethods;
  /** Stops the daemon after the response is sent. */
  shutdownSoon(): void;
}

function notFoundGroup(id: string): RpcError {
  return new RpcError(RpcErrorCodes.NotFound, `no group ${id} (it may have changed: list the groups again)`);
}

function classList(value: unknown, name: string): DuplicateClass[] | undefined {
  const classes = optionalStringArray(value, name);
  if (classes?.some((c) => !DUPLICATE_CLASSES.includes(c as DuplicateClass)))
    throw invalid(name, `a list of ${DUPLICATE_CLASSES.join(', ')}`, classes);
  return classes as DuplicateClass[] | undefined;
}

export function methodTable(host: MethodHost): MethodTable {
  return {
    'doublon/status': () => host.status(),
    'doublon/groups': (p) =>
      host.listGroups({
        limit: optionalInteger(p.limit, 'limit', 1, 10_000) ?? 100,
        offset: optionalInteger(p.offset, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
        since: optionalInteger(p.since, 'since', 0, Number.MAX_SAFE_INTEGER),
        // Filtered by name only: an unknown class matches no group (as before the table was typed).
        classes: optionalStringArray(p.class, 'class'),
        folder: p.root === undefined ? undefined : requireString(p.root, 'root'),
      }),
    'doublon/group': (p) => {
      const id = requireString(p.id, 'id');
      const report = host.report(id);
      if (!report) throw notFoundGroup(id);
      return report;
    },
    'doublon/fileInfo': (p) => host.fileInfo(requireString(p.path, 'path')),
    'doublon/ignore': (p) => host.ignore(requireStringArray(p.paths, 'paths')),
    'doublon/setCanonical': (p) => host.setCanonical(requireString(p.path, 'path')),
    'doublon/rescan': () => host.rescan(),
    'doublon/replacePlan': (p) => {
      const classes = classList(p.classes, 'classes');
      const groupId = p.groupId === undefined ? undefined : requireString(p.groupId, 'groupId');
      if (groupId !== undefined && !host.report(groupId)) throw notFoundGroup(groupId);
      return host.replace.plan({ classes, groupId, delete: p.delete === true });
    },
    'doublon/replaceApply': (p) => host.replace.apply(p.plan),
    'doublon/undo': (p) => host.replace.undo(p.force === true),
    'doublon/catalogue': () => host.catalogue(),
    'doublon/shutdown': () => {
      host.shutdownSoon();
      return null;
    },
  };
}

function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(REQUEST_TYPES, method);
}

/** By-position parameter names of a `doublon/*` method; undefined for a name that is none (prototype names included). */
export function parameterNamesOf(method: string): readonly string[] | undefined {
  return isRequestMethod(method) ? REQUESTS[method] : undefined;
}

/** Runs a method of the table; MethodNotFound for a name that is none, ShuttingDown for all but status once stopping. */
export function callMethod(
  table: MethodTable,
  method: string,
  params: Record<string, unknown> | undefined,
  context: CallContext,
  stopping: boolean,
): unknown {
  if (!isRequestMethod(method)) throw new RpcError(RpcErrorCodes.MethodNotFound, `no method ${method}`);
  if (stopping && method !== 'doublon/status') throw new RpcError(RpcErrorCodes.ShuttingDown, 'the daemon is shutting down');
  // Every handler takes its parameters untrusted (Untrusted<P>: the names, values unknown): any object fits.
  const handler: (params: Record<string, unknown>, context: CallContext) => unknown = table[method];
  return handler(params ?? {}, context);
}
