/**
 * The HTTP transport (express 5), loopback only:
 * - `POST /rpc`: one JSON-RPC message or a batch (`Content-Type: application/json`, at most `bodyLimitBytes`).
 *   Every JSON-RPC outcome is HTTP 200 with the response in the body, including a parse error (-32700) and an
 *   invalid request (-32600): the body is the error report, as in JSON-RPC over any other transport. A
 *   notification or a batch of notifications only → 204 with no body. Transport failures use HTTP codes with a
 *   JSON body `{ error, message }`: 401 (token), 403 (Host, Origin), 405, 413 (body too large), 415 (type).
 * - `GET /events`: server-sent events, one `event: <method>` / `data: <params as JSON>` per endpoint
 *   notification, and a `: heartbeat` comment every `heartbeatMs`.
 * - `GET /healthz`: `{"ok":true}` without a token.
 * Every route checks Host (DNS rebinding) and Origin (cross-site requests; no CORS headers are ever sent);
 * every route but /healthz needs the token, as `Authorization: Bearer <token>`, or for GET only as `?token=`
 * (EventSource and `<img>` cannot set headers). Routes added to `routes` later (the dashboard) get the same.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { bearerToken, hostAllowed, originAllowed, tokenMatches } from './auth';
import { Dispatcher, encodeResponse, internalError, parseError, type Log } from './dispatcher';
import type { RpcEndpoint } from './endpoint';

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Time allowed to receive a request's headers, then its whole body (slowloris protection). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** An event stream whose client reads slower than this much buffered output is dropped. */
const MAX_EVENT_BACKLOG_BYTES = 4 * 1024 * 1024;

export interface HttpServerOptions {
  endpoint: RpcEndpoint;
  /** The bearer token (daemon.json). */
  token: string;
  /** 0 picks a free port (tests); the daemon passes the one it wants. */
  port: number;
  /** A loopback address only. Default 127.0.0.1. */
  host?: '127.0.0.1' | '::1';
  bodyLimitBytes?: number;
  heartbeatMs?: number;
  timeouts?: {
    headersMs?: number;
    requestMs?: number;
    /** How often Node checks the two timeouts above (Node's default is 30 s). */
    checkIntervalMs?: number;
  };
  log?: Log;
}

export interface HttpServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly app: Express;
  /**
   * Mounted after the Host, Origin and token checks: add dashboard pages and thumbnails here
   * (`server.routes.get('/dashboard', handler)`); GET routes accept `?token=`.
   */
  readonly routes: Router;
  /** Mounted after the Host and Origin checks but before the token check: only for content that holds no data. */
  readonly publicRoutes: Router;
  /** Connected `GET /events` clients. */
  eventClientCount(): number;
  /** Ends event streams, closes every connection and stops listening. */
  close(): Promise<void>;
}

interface EventClient {
  res: Response;
}

function reject(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(';')[0].trim().toLowerCase() === 'application/json';
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new Error(`Expected a loopback host (127.0.0.1 or ::1) for the HTTP server but received ${JSON.stringify(host)}`);
  }
  if (options.token.length < 16) {
    throw new Error(`Expected a token of at least 16 characters for the HTTP server but received ${options.token.length}`);
  }
  const log: Log = options.log ?? ((message) => process.stderr.write(`${message}\n`));
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const dispatcher = new Dispatcher(options.endpoint, { log });
  const clients = new Set<EventClient>();
  let heartbeat: NodeJS.Timeout | undefined;
  let port = 0;
  let requests = 0;

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((_req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    next();
  });
  app.use((req, res, next) => {
    if (!hostAllowed(req.headers.host, port)) {
      reject(res, 403, 'forbidden_host', `Host must be 127.0.0.1:${port}, localhost:${port} or [::1]:${port}`);
      return;
    }
    if (!originAllowed(req.headers.origin, port)) {
      reject(
        res,
        403,
        'forbidden_origin',
        `Origin ${req.headers.origin} is not allowed; only requests without Origin or from http://127.0.0.1:${port} are`,
      );
      return;
    }
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ ok: true });
  });
  // Behind the Host/Origin checks but before the token: pages that hold no data (the dashboard's shell).
  const publicRoutes = express.Router();
  app.use(publicRoutes);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    let presented = bearerToken(header);
    if (header === undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      const query = req.query.token;
      presented = typeof query === 'string' ? query : undefined;
    }
    if (!tokenMatches(presented, options.token)) {
      res.set('WWW-Authenticate', 'Bearer realm="doublon"');
      reject(
        res,
        401,
        'unauthorized',
        header === undefined && presented === undefined
          ? 'Missing token: send Authorization: Bearer <token> (the token is in .doublon/daemon.json)'
          : 'Wrong token',
      );
      return;
    }
    next();
  });

  app.post('/rpc', express.text({ type: 'application/json', limit: bodyLimit, inflate: false }), async (req, res) => {
    if (!isJsonContentType(req.get('content-type'))) {
      reject(
        res,
        415,
        'unsupported_media_type',
        `POST /rpc expects Content-Type: application/json, received ${req.get('content-type') ?? 'none'}`,
      );
      return;
    }
    const text: string = typeof req.body === 'string' ? req.body : '';
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      res
        .status(200)
        .type('application/json')
        .send(encodeResponse(parseError(error instanceof Error ? error.message : undefined), log));
      return;
    }
    requests += 1;
    let reply: string | undefined;
    try {
      reply = await dispatcher.handleEncoded(message, { transport: 'http', client: `http-${requests}` });
    } catch (error) {
      // The dispatcher answers every failure itself; this is a bug of ours, still a JSON-RPC answer, not a 500.
      log(`POST /rpc: dispatch failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reply = encodeResponse(internalError('the request could not be dispatched; see the daemon log'), log);
    }
    if (reply === undefined) {
      res.status(204).end();
      return;
    }
    res.status(200).type('application/json').send(reply);
  });
  app.all('/rpc', (_req, res) => {
    res.set('Allow', 'POST');
    reject(res, 405, 'method_not_allowed', 'Use POST /rpc');
  });

  const stopHeartbeatIfIdle = (): void => {
    if (clients.size === 0 && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };
  const send = (client: EventClient, frame: string): void => {
    if (client.res.writableLength > MAX_EVENT_BACKLOG_BYTES) {
      log(`dropping an event stream client that reads too slowly (${client.res.writableLength} bytes pending)`);
      client.res.destroy();
      return;
    }
    client.res.write(frame);
  };

  app.get('/events', (req, res) => {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const client: EventClient = { res };
    clients.add(client);
    res.on('close', () => {
      clients.delete(client);
      stopHeartbeatIfIdle();
    });
    res.write(': connected\n\n');
    heartbeat ??= setInterval(() => {
      for (const each of clients) send(each, ': heartbeat\n\n');
    }, heartbeatMs).unref();
  });

  const routes = express.Router();
  app.use(routes);

  app.use((req, res) => {
    reject(res, 404, 'not_found', `No route ${req.method} ${req.path}`);
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = httpStatusOf(error);
    if (status === 413) {
      reject(res, 413, 'payload_too_large', `Request body exceeds the limit of ${bodyLimit} bytes`);
    } else if (status !== undefined) {
      reject(res, status, 'bad_request', error instanceof Error ? error.message : 'Bad request');
    } else {
      log(`HTTP ${req.method} ${req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reject(res, 500, 'internal_error', `${req.method} ${req.path} failed; see the daemon log`);
    }
  };
  app.use(onError);

  const server = http.createServer(
    {
      headersTimeout: options.timeouts?.headersMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      requestTimeout: options.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: options.timeouts?.checkIntervalMs,
    },
    app,
  );
  await new Promise<void>((resolve, rejectListen) => {
    const onListenError = (error: NodeJS.ErrnoException): void => {
      rejectListen(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} on ${host} is already in use; stop the other program or choose another port`)
          : error,
      );
    };
    server.once('error', onListenError);
    server.listen(options.port, host, () => {
      server.off('error', onListenError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (error) => log(`HTTP server error: ${error.message}`));

  const unsubscribe = options.endpoint.subscribe((method, params, client) => {
    // Event streams carry the daemon's own notifications; one addressed to an editor connection is not theirs.
    if (clients.size === 0 || client !== undefined) return;
    let data: string;
    try {
      data = JSON.stringify(params ?? null);
    } catch (error) {
      log(`notification ${method} cannot be serialized: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const frame = `event: ${method.replace(/[\r\n]/g, '')}\ndata: ${data}\n\n`;
    for (const client of clients) send(client, frame);
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    app,
    routes,
    publicRoutes,
    eventClientCount: () => clients.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const client of clients) client.res.end();
        clients.clear();
        stopHeartbeatIfIdle();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
