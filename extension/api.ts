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
import type { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/**
 * The part of a JSON-RPC connection (LanguageClient or MessageConnection) that the API needs: requests and
 * notifications by their typed protocol objects, so parameters and results are checked at compile time.
 */
export interface RpcChannel {
  sendRequest<R, E>(type: RequestType0<R, E>): Promise<R>;
  sendRequest<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): { dispose(): void };
}

export class DaemonApi {
  constructor(private readonly channel: RpcChannel) {}

  status(): Promise<DaemonStatus> {
    return this.channel.sendRequest(StatusRequest.type);
  }

  groups(params: GroupsParams): Promise<GroupsResult> {
    return this.channel.sendRequest(GroupsRequest.type, params);
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
    return this.channel.sendRequest(IgnoreRequest.type, { paths });
  }

  setCanonical(path: string): Promise<ReportGroup> {
    return this.channel.sendRequest(SetCanonicalRequest.type, { path });
  }

  rescan(): Promise<{ clock: number; files: number }> {
    return this.channel.sendRequest(RescanRequest.type);
  }

  shutdown(): Promise<null> {
    return this.channel.sendRequest(ShutdownRequest.type);
  }

  onStatusChanged(handler: (status: DaemonStatus) => void): { dispose(): void } {
    return this.channel.onNotification(StatusChangedNotification.type, handler);
  }

  onGroupsChanged(handler: (delta: GroupsChangedParams) => void): { dispose(): void } {
    return this.channel.onNotification(GroupsChangedNotification.type, handler);
  }

  onProgress(handler: (progress: ProgressParams) => void): { dispose(): void } {
    return this.channel.onNotification(ProgressNotification.type, handler);
  }
}
