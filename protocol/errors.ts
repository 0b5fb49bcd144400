/**
 * Error codes. The JSON-RPC 2.0 ones, plus Doublon's own in -32050..-32099 (inside the range the
 * specification leaves to servers, -32000..-32099, and clear of LSP's -32800..-32899 and -32000..-32002
 * use by some servers).
 */
export const RpcErrorCodes = {
  /** Invalid JSON was received. */
  ParseError: -32700,
  /** The JSON sent is not a valid Request object. */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The path lies outside every watched root (or escapes one through `..` or a link). */
  PathOutsideRoots: -32050,
  /** No such group or file in the index. */
  NotFound: -32051,
  /** The configuration file is invalid, or cannot be written. */
  ConfigInvalid: -32052,
  /** The daemon is shutting down. */
  ShuttingDown: -32053,
  /** The index changed since the client's plan (replace): ask again. */
  Stale: -32054,
  /** A batch's responses passed the daemon's size bound: this request's response was dropped; send it again alone. */
  ResponseTooLarge: -32060,
} as const;

export type RpcErrorCode = (typeof RpcErrorCodes)[keyof typeof RpcErrorCodes];

/** The error object of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Thrown by handlers; transports turn it into a response error. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}
