/**
 * JSON-RPC 2.0 message semantics (https://www.jsonrpc.org/specification), independent of the transport:
 * request validation, by-position → named parameters, notifications, batches, and error mapping. The
 * transports (http.ts, socket.ts) frame bytes and parse JSON; the endpoint gives each method its meaning.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { RpcError, RpcErrorCodes, type RpcErrorObject } from '../../protocol/errors';
import { formatBytes } from '../../protocol/units';
import type { CallContext, RpcEndpoint } from './endpoint';

export type JsonRpcId = string | number | null;

export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  result: unknown;
  id: JsonRpcId;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  error: RpcErrorObject;
  id: JsonRpcId;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

/** What a transport sends back for one received message: nothing for notifications. */
export type DispatchResult = JsonRpcResponse | JsonRpcResponse[] | undefined;

export type Log = (message: string) => void;

export interface DispatcherOptions {
  /** Where internal errors (with their stack) go; never to the client. Default: stderr. */
  log?: Log;
  /** Most requests in one batch (default MAX_BATCH_REQUESTS); a larger batch is one InvalidRequest. */
  maxBatchRequests?: number;
  /** Most bytes of a batch's responses (default MAX_BATCH_RESPONSE_BYTES); see handleEncoded. */
  maxBatchResponseBytes?: number;
}

/**
 * Batches are bounded: 1 000 × `doublon/groups` in one 80 KB request built a 522 MB response (1.74 GB peak),
 * 50 × `doublon/rescan` queued 50 full scans. A batch is a convenience for a few calls, not a way to multiply
 * one request's work.
 */
export const MAX_BATCH_REQUESTS = 100;
export const MAX_BATCH_RESPONSE_BYTES = 16 * 1024 * 1024;

const defaultLog: Log = (message) => {
  process.stderr.write(`${message}\n`);
};

function failure(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcFailure {
  const error: RpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', error, id };
}

/** The response to a message that is not valid JSON (-32700, id null), for the transports. */
export function parseError(detail?: string): JsonRpcFailure {
  return failure(null, RpcErrorCodes.ParseError, detail === undefined ? 'Parse error' : `Parse error: ${detail}`);
}

/** An InternalError (-32603, id null) for a failure outside any one request, for the transports. */
export function internalError(detail: string): JsonRpcFailure {
  return failure(null, RpcErrorCodes.InternalError, `Internal error: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || typeof value === 'number' || value === null;
}

/** A short description of a received value for an error message: never the whole value (it may be huge or deep). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string' && value.length > 80) return `${JSON.stringify(`${value.slice(0, 80)}…`)} (string)`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // nested too deep for the stack (RangeError): this used to be an HTTP 500
  }
  if (text === undefined || text.length > 80) return typeof value === 'object' ? 'an object' : `${String(value)} (${typeof value})`;
  return `${text} (${typeof value})`;
}

/** Why `message` is not a valid Request object, or undefined when it is. */
function invalidReason(message: Record<string, unknown>): string | undefined {
  if (message.jsonrpc !== '2.0') {
    return `expected "jsonrpc": "2.0", received ${'jsonrpc' in message ? describe(message.jsonrpc) : 'no jsonrpc member'}`;
  }
  if (typeof message.method !== 'string') {
    return `expected "method" to be a string, received ${'method' in message ? describe(message.method) : 'no method member'}`;
  }
  if ('params' in message && !isRecord(message.params) && !Array.isArray(message.params)) {
    return `expected "params" to be an object or an array, received ${describe(message.params)}`;
  }
  if ('id' in message && !isId(message.id)) {
    return `expected "id" to be a string, a number or null, received ${describe(message.id)}`;
  }
  return undefined;
}

export class Dispatcher {
  private readonly log: Log;
  private readonly maxBatchRequests: number;
  private readonly maxBatchResponseBytes: number;

  constructor(
    private readonly endpoint: RpcEndpoint,
    options: DispatcherOptions = {},
  ) {
    this.log = options.log ?? defaultLog;
    this.maxBatchRequests = options.maxBatchRequests ?? MAX_BATCH_REQUESTS;
    this.maxBatchResponseBytes = options.maxBatchResponseBytes ?? MAX_BATCH_RESPONSE_BYTES;
  }

  /**
   * What the transports send: the JSON text of the reply to one parsed message, undefined when there is
   * none. A batch's requests start together (as separate requests would: a rescan asked for twice is
   * coalesced), and each response is encoded in order as soon as it is ready and its result dropped, so the
   * whole reply is never built as objects; once the text passes `maxBatchResponseBytes`, every later response
   * is replaced by a ResponseTooLarge error for its id (its request did run).
   */
  async handleEncoded(message: unknown, context: CallContext): Promise<string | undefined> {
    if (!Array.isArray(message)) {
      const response = await this.handleOne(message, context);
      return response === undefined ? undefined : encodeResponse(response, this.log);
    }
    const refusal = this.batchRefusal(message);
    if (refusal) return encodeResponse(refusal, this.log);
    const parts: string[] = [];
    let bytes = 2;
    let full = false;
    const started = message.map((element) => this.handleOne(element, context));
    for (let i = 0; i < started.length; i++) {
      const response = await started[i];
      started[i] = Promise.resolve(undefined); // the result is encoded below; do not keep it
      if (response === undefined) continue;
      let text = full ? '' : encodeResponse(response, this.log);
      const size = Buffer.byteLength(text) + 1;
      if (full || bytes + size > this.maxBatchResponseBytes) {
        full = true;
        text = JSON.stringify(
          failure(
            response.id,
            RpcErrorCodes.ResponseTooLarge,
            `Response too large: the responses of this batch exceed ${formatBytes(this.maxBatchResponseBytes)}; send this request again alone or in a smaller batch`,
          ),
        );
      }
      bytes += Buffer.byteLength(text) + 1;
      parts.push(text);
    }
    return parts.length === 0 ? undefined : `[${parts.join(',')}]`;
  }

  private batchRefusal(batch: unknown[]): JsonRpcFailure | undefined {
    if (batch.length === 0)
      return failure(null, RpcErrorCodes.InvalidRequest, 'Invalid Request: expected a non-empty batch, received an empty array');
    if (batch.length > this.maxBatchRequests) {
      return failure(
        null,
        RpcErrorCodes.InvalidRequest,
        `Invalid Request: a batch holds at most ${this.maxBatchRequests} requests, received ${batch.length}; send them in smaller batches`,
      );
    }
    return undefined;
  }

  /**
   * Handles one parsed JSON value (a request, a notification or a batch) and returns what to send back:
   * undefined for a notification or a batch of notifications only.
   */
  async handle(message: unknown, context: CallContext): Promise<DispatchResult> {
    if (!Array.isArray(message)) return this.handleOne(message, context);
    const refusal = this.batchRefusal(message);
    if (refusal) return refusal;
    const responses = await Promise.all(message.map((element) => this.handleOne(element, context)));
    const sent = responses.filter((response): response is JsonRpcResponse => response !== undefined);
    return sent.length === 0 ? undefined : sent;
  }

  private async handleOne(message: unknown, context: CallContext): Promise<JsonRpcResponse | undefined> {
    if (!isRecord(message)) {
      return failure(null, RpcErrorCodes.InvalidRequest, `Invalid Request: expected an object, received ${describe(message)}`);
    }
    const reason = invalidReason(message);
    if (reason !== undefined) {
      return failure(isId(message.id) ? message.id : null, RpcErrorCodes.InvalidRequest, `Invalid Request: ${reason}`);
    }
    const method = message.method as string;
    const isNotification = !('id' in message);
    const id = isNotification ? null : (message.id as JsonRpcId);
    const outcome = await this.run(method, message.params as Record<string, unknown> | unknown[] | undefined, context, isNotification);
    if (isNotification) return undefined;
    return 'error' in outcome
      ? failure(id, outcome.error.code, outcome.error.message, outcome.error.data)
      : { jsonrpc: '2.0', result: outcome.result, id };
  }

  private async run(
    method: string,
    params: Record<string, unknown> | unknown[] | undefined,
    context: CallContext,
    isNotification: boolean,
  ): Promise<{ result: unknown } | { error: RpcErrorObject }> {
    const names = method.startsWith('rpc.') ? undefined : this.endpoint.parameterNames(method);
    if (names === undefined) {
      if (isNotification) this.log(`[${context.transport} ${context.client}] notification ${method}: method not found`);
      return { error: { code: RpcErrorCodes.MethodNotFound, message: `Method not found: ${method}` } };
    }
    let named: Record<string, unknown> | undefined;
    if (Array.isArray(params)) {
      if (params.length > names.length) {
        const expected = names.length === 0 ? 'no parameters' : `at most ${names.length} (${names.join(', ')})`;
        return {
          error: {
            code: RpcErrorCodes.InvalidParams,
            message: `Invalid params: ${method} takes ${expected}, received ${params.length} by position`,
          },
        };
      }
      named = {};
      params.forEach((value, index) => {
        named![names[index]] = value;
      });
    } else {
      named = params;
    }
    try {
      const result = await this.endpoint.call(method, named, context);
      return { result: result === undefined ? null : result };
    } catch (error) {
      if (error instanceof RpcError) return { error: error.toJSON() };
      if (error instanceof ResponseError) return { error: error.toJson() };
      const text = error instanceof Error ? error.message : String(error);
      this.log(
        `[${context.transport} ${context.client}] ${isNotification ? 'notification' : 'request'} ${method} failed: ${error instanceof Error ? (error.stack ?? text) : text}`,
      );
      return { error: { code: RpcErrorCodes.InternalError, message: `Internal error: request ${method} failed with message: ${text}` } };
    }
  }
}

/**
 * JSON text of a response or batch for the wire. A result that cannot be serialized (a cycle, a BigInt)
 * becomes an InternalError for that request alone instead of failing the whole reply.
 */
export function encodeResponse(payload: JsonRpcResponse | JsonRpcResponse[], log: Log = defaultLog): string {
  try {
    return JSON.stringify(payload);
  } catch {
    const one = (response: JsonRpcResponse): JsonRpcResponse => {
      try {
        JSON.stringify(response);
        return response;
      } catch (error) {
        log(
          `response to id ${JSON.stringify(response.id)} cannot be serialized: ${error instanceof Error ? error.message : String(error)}`,
        );
        return failure(
          response.id,
          RpcErrorCodes.InternalError,
          `Internal error: the result cannot be serialized as JSON (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    };
    return JSON.stringify(Array.isArray(payload) ? payload.map(one) : one(payload));
  }
}
