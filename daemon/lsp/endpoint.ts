/**
 * The daemon's endpoint as the transports see it: the engine's `doublon/*` methods plus the LSP features
 * on the same connection. The engine knows nothing of LSP; the features read it through `LspHost`,
 * subscribe to its events (the groups changed: every open document is checked again) and send their
 * notifications (diagnostics, log messages) through its notification stream.
 */
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import type { CallContext, RpcEndpoint } from '../server/endpoint';
import { VERSION, type DoublonService } from '../server/service';
import { LspFeatures, type LspHandler, type LspOptions } from './server';

export class DaemonEndpoint implements RpcEndpoint {
  readonly lsp: LspFeatures;
  private readonly lspHandlers: ReadonlyMap<string, LspHandler>;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeRebuilt: () => void;

  constructor(
    readonly service: DoublonService,
    options: LspOptions = {},
  ) {
    this.lsp = new LspFeatures(service, (method, params, client) => service.events.notify(method, params, client), VERSION, {
      log: service.log,
      ...options,
    });
    this.lspHandlers = this.lsp.handlers();
    this.unsubscribe = service.events.onGroupsChanged(() => this.lsp.refreshAll());
    this.unsubscribeRebuilt = service.events.onIndexRebuilt((notice) => this.lsp.warnEveryEditor(notice));
  }

  parameterNames(method: string): readonly string[] | undefined {
    // LSP methods take named parameters only.
    return this.lspHandlers.has(method) ? [] : this.service.parameterNames(method);
  }

  async call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown> {
    const handler = this.lspHandlers.get(method);
    if (!handler) return this.service.call(method, params, context);
    if (this.service.isStopping) throw new RpcError(RpcErrorCodes.ShuttingDown, 'the daemon is shutting down');
    return handler(params ?? {}, context);
  }

  subscribe(listener: (method: string, params: unknown, client?: string) => void): () => void {
    return this.service.subscribe(listener);
  }

  disconnected(context: CallContext): void {
    this.lsp.disconnected(context.client);
  }

  /** Stops the engine (from now on it refuses every method but status) and the editor features' worker. */
  async stop(): Promise<void> {
    this.unsubscribe();
    this.unsubscribeRebuilt();
    const engine = this.service.stop();
    await this.lsp.close();
    await engine;
  }
}
