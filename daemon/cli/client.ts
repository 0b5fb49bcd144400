/** A small JSON-RPC client over the daemon's HTTP transport, for the CLI. */
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import { RpcError } from '../../protocol/errors';
import type { DaemonInfo } from '../../protocol/discovery';

export class DaemonClient {
  private nextId = 1;

  constructor(private readonly info: DaemonInfo) {}

  /** A `doublon/*` request by its protocol type (protocol/methods.ts): parameters and result checked at compile time. */
  send<R>(type: RequestType0<R, void>): Promise<R>;
  send<P, R>(type: RequestType<P, R, void>, params: P): Promise<R>;
  send(type: { method: string }, params?: object): Promise<unknown> {
    return this.request(type.method, params);
  }

  /**
   * A request by name, its parameters and result untyped: for what the types forbid on purpose (the tests'
   * malformed parameters). The CLI uses `send`.
   */
  async request<R>(method: string, params?: object): Promise<R> {
    const id = this.nextId++;
    const response = await fetch(`http://127.0.0.1:${this.info.port}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.info.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
    });
    if (!response.ok) throw new Error(`the daemon answered HTTP ${response.status} to ${method}: ${await response.text()}`);
    const body = (await response.json()) as { result?: R; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw new RpcError(body.error.code, body.error.message, body.error.data);
    return body.result as R;
  }
}
