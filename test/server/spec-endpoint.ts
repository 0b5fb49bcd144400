/**
 * A test endpoint for JSON-RPC protocol semantics, NOT a stand-in for the daemon: it implements the example
 * methods of the JSON-RPC 2.0 specification, section 7 (https://www.jsonrpc.org/specification#examples), so
 * the dispatcher and both transports can be checked against the specification's own request/response pairs.
 */
import { RpcError } from '../../protocol/errors';
import type { CallContext, RpcEndpoint } from '../../daemon/server/endpoint';

const PARAMETER_NAMES: Record<string, readonly string[]> = {
  subtract: ['minuend', 'subtrahend'],
  sum: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  notify_sum: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  update: ['a', 'b', 'c', 'd', 'e'],
  notify_hello: ['value'],
  get_data: [],
  /** Throws a plain Error: the dispatcher must answer InternalError naming the method. */
  explode: [],
  /** Throws an RpcError with data: the dispatcher must pass code, message and data through. */
  refuse: ['reason'],
  /** Returns what it received, to check by-position → named mapping. */
  echo: ['first', 'second'],
};

export interface SpecCall {
  method: string;
  params: Record<string, unknown> | undefined;
  context: CallContext;
}

export class SpecExampleEndpoint implements RpcEndpoint {
  /** Every call the dispatcher made, notifications included, in order. */
  readonly calls: SpecCall[] = [];
  private readonly listeners = new Set<(method: string, params: unknown) => void>();

  parameterNames(method: string): readonly string[] | undefined {
    return Object.prototype.hasOwnProperty.call(PARAMETER_NAMES, method) ? PARAMETER_NAMES[method] : undefined;
  }

  async call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown> {
    this.calls.push({ method, params, context });
    const values = Object.values(params ?? {}) as number[];
    switch (method) {
      case 'subtract':
        return (params?.minuend as number) - (params?.subtrahend as number);
      case 'sum':
      case 'notify_sum':
        return values.reduce((total, value) => total + value, 0);
      case 'update':
      case 'notify_hello':
        return undefined;
      case 'get_data':
        return ['hello', 5];
      case 'explode':
        throw new Error('the flux capacitor is empty');
      case 'refuse':
        throw new RpcError(-32051, `No such group: ${String(params?.reason)}`, { reason: params?.reason });
      case 'echo':
        return params ?? null;
      default:
        throw new Error(`SpecExampleEndpoint has no method ${method}`);
    }
  }

  subscribe(listener: (method: string, params: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a server-to-client notification to every transport subscribed. */
  emit(method: string, params: unknown): void {
    for (const listener of this.listeners) listener(method, params);
  }

  listenerCount(): number {
    return this.listeners.size;
  }
}
