/**
 * What the transports (HTTP, local socket) need from the daemon: call a method, know its by-position
 * parameter names, and hear its notifications. The JSON-RPC framing and message rules live in the
 * dispatcher; the meaning of each method lives in the service. Neither knows about the other.
 */

/** Who is calling: for logs, and so a transport-specific client can be told apart. */
export interface CallContext {
  transport: 'http' | 'socket';
  /** A per-connection id (socket) or per-request id (HTTP). */
  client: string;
}

export interface RpcEndpoint {
  /**
   * Runs a request or notification with named parameters (the dispatcher maps by-position ones using
   * `parameterNames`). Throws `RpcError` (protocol/errors.ts) for errors the client should see; any other
   * throw becomes InternalError naming the method.
   */
  call(method: string, params: Record<string, unknown> | undefined, context: CallContext): Promise<unknown>;
  /** Undefined when there is no such method (the dispatcher answers MethodNotFound). */
  parameterNames(method: string): readonly string[] | undefined;
  /**
   * Every server-to-client notification, to forward to connected clients. `client`, when given, names the
   * one connection it is for (editor diagnostics); otherwise it is for everyone. Returns an unsubscribe.
   */
  subscribe(listener: (method: string, params: unknown, client?: string) => void): () => void;
  /** A connection closed: forget its state (open documents). */
  disconnected?(context: CallContext): void;
}
