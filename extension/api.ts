/**
 * The `doublon/*` calls the extension makes, typed from protocol/methods.ts, over whichever connection is
 * up: the LanguageClient (a daemon that speaks LSP) or a plain JSON-RPC connection (one that does not yet).
 */
import {
  GroupsChangedNotification,
  GroupsRequest,
  IgnoreRequest,
  ProgressNotification,
  RescanRequest,
  SetCanonicalRequest,
  ShutdownRequest,
  StatusChangedNotification,
  StatusRequest,
  type DaemonStatus,
  type GroupsChangedParams,
  type GroupsParams,
  type GroupsResult,
  type ProgressParams,
} from '../protocol/methods';
import type { ReportGroup } from '../protocol/report';

/** The part of a JSON-RPC connection (LanguageClient or MessageConnection) that the API needs. */
export interface RpcChannel {
  sendRequest<R>(method: string, params?: unknown): Promise<R>;
  onNotification(method: string, handler: (params: unknown) => void): { dispose(): void };
}

export class DaemonApi {
  constructor(private readonly channel: RpcChannel) {}

  status(): Promise<DaemonStatus> {
    return this.channel.sendRequest<DaemonStatus>(StatusRequest.method);
  }

  groups(params: GroupsParams): Promise<GroupsResult> {
    return this.channel.sendRequest<GroupsResult>(GroupsRequest.method, params);
  }

  /** Every group, paged. */
  async allGroups(): Promise<{ clock: number; groups: ReportGroup[] }> {
    const groups: ReportGroup[] = [];
    let clock = -1;
    for (let offset = 0; ; offset += 10_000) {
      const page = await this.groups({ offset, limit: 10_000 });
      clock = offset === 0 ? page.clock : Math.min(clock, page.clock);
      groups.push(...page.groups);
      if (page.groups.length === 0 || offset + page.groups.length >= page.total) break;
    }
    return { clock, groups };
  }

  ignore(paths: string[]): Promise<{ clock: number }> {
    return this.channel.sendRequest(IgnoreRequest.method, { paths });
  }

  setCanonical(path: string): Promise<ReportGroup> {
    return this.channel.sendRequest(SetCanonicalRequest.method, { path });
  }

  rescan(): Promise<{ clock: number; files: number }> {
    return this.channel.sendRequest(RescanRequest.method);
  }

  shutdown(): Promise<null> {
    return this.channel.sendRequest(ShutdownRequest.method);
  }

  onStatusChanged(handler: (status: DaemonStatus) => void): { dispose(): void } {
    return this.channel.onNotification(StatusChangedNotification.method, (p) => handler(p as DaemonStatus));
  }

  onGroupsChanged(handler: (delta: GroupsChangedParams) => void): { dispose(): void } {
    return this.channel.onNotification(GroupsChangedNotification.method, (p) => handler(p as GroupsChangedParams));
  }

  onProgress(handler: (progress: ProgressParams) => void): { dispose(): void } {
    return this.channel.onNotification(ProgressNotification.method, (p) => handler(p as ProgressParams));
  }
}
