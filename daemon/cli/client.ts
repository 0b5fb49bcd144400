/** A small JSON-RPC client over the daemon's HTTP transport, for the CLI. */
import { RpcError } from '../../protocol/errors';
import type { DaemonInfo } from '../server/lifecycle';

export class DaemonClient {
  private nextId = 1;

  constructor(private readonly info: DaemonInfo) {}

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
