/* eslint-disable max-lines -- one suite over one running daemon whose setup every case shares. */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { startHttpServer, type HttpServer } from '../../daemon/server/http';
import { SPEC_EXAMPLES } from './spec-cases';
import { SpecExampleEndpoint } from './spec-endpoint';
import { EventStreamReader, normalize, waitFor } from './support';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain node:http request, so Host and Origin can be set freely (fetch forbids them). */
function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function rpc(port: number, body: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return request(port, {
    method: 'POST',
    path: '/rpc',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
}

function noCors(reply: RawReply): void {
  for (const name of Object.keys(reply.headers)) assert.ok(!name.startsWith('access-control-'), `unexpected CORS header ${name}`);
}

describe('HTTP transport', () => {
  let endpoint: SpecExampleEndpoint;
  let server: HttpServer;
  let logged: string[];

  beforeEach(async () => {
    endpoint = new SpecExampleEndpoint();
    logged = [];
    server = await startHttpServer({ endpoint, token: TOKEN, port: 0, log: (message) => logged.push(message) });
  });

  afterEach(async () => {
    await server.close();
  });

  describe('POST /rpc: specification section 7 examples', () => {
    for (const example of SPEC_EXAMPLES) {
      it(example.name, async () => {
        const reply = await fetch(`http://127.0.0.1:${server.port}/rpc`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
          body: example.request,
        });
        const text = await reply.text();
        if (example.response === undefined) {
          assert.equal(reply.status, 204);
          assert.equal(text, '');
        } else {
          assert.equal(reply.status, 200, 'JSON-RPC errors, parse errors included, are HTTP 200 with the error in the body');
          assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
          assert.deepEqual(normalize(JSON.parse(text)), normalize(example.response));
        }
      });
    }

    it('runs notifications sent over HTTP', async () => {
      assert.equal((await rpc(server.port, '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}')).status, 204);
      assert.deepEqual(
        endpoint.calls.map((call) => call.method),
        ['update'],
      );
      assert.equal(endpoint.calls[0].context.transport, 'http');
    });

    it('answers a plain Error with InternalError and no stack', async () => {
      const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"explode","id":1}');
      assert.deepEqual(JSON.parse(reply.body), {
        jsonrpc: '2.0',
        error: { code: -32603, message: 'Internal error: request explode failed with message: the flux capacitor is empty' },
        id: 1,
      });
      assert.doesNotMatch(reply.body, /\bat /);
      assert.equal(logged.length, 1);
    });
  });

  describe('POST /rpc: HTTP-level checks', () => {
    it('rejects a body over 1 MiB with 413', async () => {
      const big = `{"jsonrpc":"2.0","method":"echo","params":["${'x'.repeat(1024 * 1024)}"],"id":1}`;
      const reply = await rpc(server.port, big);
      assert.equal(reply.status, 413);
      assert.deepEqual(JSON.parse(reply.body), { error: 'payload_too_large', message: 'Request body exceeds the limit of 1048576 bytes' });
      assert.equal(endpoint.calls.length, 0);
    });

    it('accepts a body just under the limit', async () => {
      const filler = 'x'.repeat(1024 * 1024 - 100);
      const reply = await rpc(server.port, `{"jsonrpc":"2.0","method":"echo","params":["${filler}"],"id":1}`);
      assert.equal(reply.status, 200);
      assert.equal((JSON.parse(reply.body) as { result: { first: string } }).result.first.length, filler.length);
    });

    it('rejects another content type with 415', async () => {
      const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}', { 'Content-Type': 'text/plain' });
      assert.equal(reply.status, 415);
      assert.deepEqual(JSON.parse(reply.body), {
        error: 'unsupported_media_type',
        message: 'POST /rpc expects Content-Type: application/json, received text/plain',
      });
      assert.equal(endpoint.calls.length, 0);
    });

    it('answers an empty JSON body with a parse error', async () => {
      const reply = await rpc(server.port, '');
      assert.equal(reply.status, 200);
      assert.deepEqual(normalize(JSON.parse(reply.body)), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    });

    it('allows only POST on /rpc', async () => {
      const reply = await request(server.port, { path: '/rpc', headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers.allow, 'POST');
    });

    it('sends no x-powered-by and no CORS headers', async () => {
      const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-powered-by'], undefined);
      noCors(reply);
    });
  });

  describe('security', () => {
    it('needs a token: none → 401', async () => {
      const reply = await request(server.port, {
        method: 'POST',
        path: '/rpc',
        headers: { 'Content-Type': 'application/json' },
        body: '{"jsonrpc":"2.0","method":"get_data","id":1}',
      });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer realm="doublon"');
      assert.deepEqual(JSON.parse(reply.body), {
        error: 'unauthorized',
        message: 'Missing token: send Authorization: Bearer <token> (the token is in .doublon/daemon.json)',
      });
      assert.equal(endpoint.calls.length, 0);
    });

    it('wrong token, wrong scheme, or a token one character short → 401', async () => {
      for (const authorization of [
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Basic ${TOKEN}`,
        'Bearer',
        `Bearer  ${TOKEN.toUpperCase()}`,
      ]) {
        const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}', { Authorization: authorization });
        assert.equal(reply.status, 401, authorization);
        assert.equal((JSON.parse(reply.body) as { error: string }).error, 'unauthorized');
      }
      assert.equal(endpoint.calls.length, 0);
    });

    it('does not accept ?token= on POST /rpc', async () => {
      const reply = await request(server.port, {
        method: 'POST',
        path: `/rpc?token=${TOKEN}`,
        headers: { 'Content-Type': 'application/json' },
        body: '{"jsonrpc":"2.0","method":"get_data","id":1}',
      });
      assert.equal(reply.status, 401);
      assert.equal(endpoint.calls.length, 0);
    });

    it('rejects a foreign Host with 403 (DNS rebinding), on every route including /healthz', async () => {
      for (const host of [
        'evil.example',
        `evil.example:${server.port}`,
        `127.0.0.1:${server.port + 1}`,
        '127.0.0.1',
        `127.0.0.1.evil.example:${server.port}`,
      ]) {
        for (const [method, path] of [
          ['POST', '/rpc'],
          ['GET', '/healthz'],
          ['GET', `/events?token=${TOKEN}`],
        ]) {
          const reply = await request(server.port, {
            method,
            path,
            headers: { Host: host, 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
            body: method === 'POST' ? '{"jsonrpc":"2.0","method":"get_data","id":1}' : undefined,
          });
          assert.equal(reply.status, 403, `${host} ${method} ${path}`);
          assert.equal((JSON.parse(reply.body) as { error: string }).error, 'forbidden_host');
        }
      }
      assert.equal(endpoint.calls.length, 0);
    });

    it('accepts Host 127.0.0.1, localhost and [::1] with our port', async () => {
      for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
        const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}', { Host: host });
        assert.equal(reply.status, 200, host);
      }
    });

    it('rejects a foreign Origin with 403 and sends no CORS headers, preflight included', async () => {
      for (const origin of [
        'http://evil.example',
        'null',
        `http://127.0.0.1:${server.port + 1}`,
        `https://127.0.0.1:${server.port}`,
        `http://localhost.evil.example:${server.port}`,
      ]) {
        const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}', { Origin: origin });
        assert.equal(reply.status, 403, origin);
        assert.equal((JSON.parse(reply.body) as { error: string }).error, 'forbidden_origin');
        noCors(reply);
      }
      const preflight = await request(server.port, {
        method: 'OPTIONS',
        path: '/rpc',
        headers: {
          Origin: 'http://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type',
        },
      });
      assert.equal(preflight.status, 403);
      noCors(preflight);
      assert.equal(endpoint.calls.length, 0);
    });

    it('accepts our own origin (the dashboard page)', async () => {
      for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
        const reply = await rpc(server.port, '{"jsonrpc":"2.0","method":"get_data","id":1}', { Origin: origin });
        assert.equal(reply.status, 200, origin);
        noCors(reply);
      }
    });

    it('/healthz needs no token', async () => {
      const reply = await request(server.port, { path: '/healthz' });
      assert.equal(reply.status, 200);
      assert.deepEqual(JSON.parse(reply.body), { ok: true });
    });

    it('unknown routes need the token before they say 404', async () => {
      assert.equal((await request(server.port, { path: '/nope' })).status, 401);
      const reply = await request(server.port, { path: '/nope', headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(reply.status, 404);
      assert.deepEqual(JSON.parse(reply.body), { error: 'not_found', message: 'No route GET /nope' });
    });

    it('extra routes (the dashboard) sit behind the same checks, GET with ?token= too', async () => {
      server.routes.get('/dashboard', (_req, res) => {
        res.type('text/html').send('<h1>Doublon</h1>');
      });
      assert.equal((await request(server.port, { path: '/dashboard' })).status, 401);
      assert.equal((await request(server.port, { path: '/dashboard?token=wrong' })).status, 401);
      assert.equal(
        (await request(server.port, { path: '/dashboard', headers: { Origin: 'http://evil.example', Authorization: `Bearer ${TOKEN}` } }))
          .status,
        403,
      );
      const reply = await request(server.port, { path: `/dashboard?token=${TOKEN}` });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, '<h1>Doublon</h1>');
      assert.equal(reply.headers['referrer-policy'], 'no-referrer');
    });

    it('refuses a non-loopback host and a short token', async () => {
      await assert.rejects(startHttpServer({ endpoint, token: TOKEN, port: 0, host: '0.0.0.0' as '127.0.0.1' }), {
        message: 'Expected a loopback host (127.0.0.1 or ::1) for the HTTP server but received "0.0.0.0"',
      });
      await assert.rejects(startHttpServer({ endpoint, token: 'short', port: 0 }), {
        message: 'Expected a token of at least 16 characters for the HTTP server but received 5',
      });
    });

    it('says which port is taken', async () => {
      await assert.rejects(startHttpServer({ endpoint, token: TOKEN, port: server.port }), {
        message: `Port ${server.port} on 127.0.0.1 is already in use; stop the other program or choose another port`,
      });
    });
  });

  describe('GET /events', () => {
    it('needs the token; ?token= works since EventSource cannot set headers', async () => {
      assert.equal((await request(server.port, { path: '/events' })).status, 401);
      assert.equal((await request(server.port, { path: '/events?token=nope' })).status, 401);
      const controller = new AbortController();
      const reply = await fetch(`http://127.0.0.1:${server.port}/events?token=${TOKEN}`, { signal: controller.signal });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      controller.abort();
      await waitFor('the aborted client to be removed', () => server.eventClientCount() === 0);
    });

    it('streams every endpoint notification, and forgets a client that disconnects', async () => {
      const controller = new AbortController();
      const reply = await fetch(`http://127.0.0.1:${server.port}/events`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
        signal: controller.signal,
      });
      assert.ok(reply.body);
      const stream = new EventStreamReader(reply.body);
      await waitFor('the connected comment', () => stream.comments.includes('connected'));
      assert.equal(server.eventClientCount(), 1);
      endpoint.emit('doublon/progress', { phase: 'hash', done: 3, total: 10 });
      endpoint.emit('doublon/statusChanged', { state: 'idle', note: 'line\nbreak' });
      await waitFor('two events', () => stream.events.length >= 2);
      assert.deepEqual(stream.events, [
        { event: 'doublon/progress', data: '{"phase":"hash","done":3,"total":10}' },
        { event: 'doublon/statusChanged', data: '{"state":"idle","note":"line\\nbreak"}' },
      ]);
      controller.abort();
      await stream.done;
      await waitFor('the event client count to return to 0', () => server.eventClientCount() === 0);
      endpoint.emit('doublon/progress', { phase: 'hash', done: 4, total: 10 });
    });

    it('ends event streams and unsubscribes from the endpoint on close', async () => {
      const reply = await fetch(`http://127.0.0.1:${server.port}/events?token=${TOKEN}`);
      assert.ok(reply.body);
      const stream = new EventStreamReader(reply.body);
      await waitFor('the connected comment', () => stream.comments.includes('connected'));
      assert.equal(endpoint.listenerCount(), 1);
      await server.close();
      await stream.done;
      assert.equal(server.eventClientCount(), 0);
      assert.equal(endpoint.listenerCount(), 0);
    });
  });

  describe('timeouts', () => {
    let quick: HttpServer;

    beforeEach(async () => {
      quick = await startHttpServer({
        endpoint,
        token: TOKEN,
        port: 0,
        heartbeatMs: 50,
        timeouts: { headersMs: 300, requestMs: 300, checkIntervalMs: 50 },
        log: (message) => logged.push(message),
      });
    });

    afterEach(async () => {
      await quick.close();
    });

    it('sends heartbeats, and keeps an event stream open past the request timeout', async () => {
      const controller = new AbortController();
      const reply = await fetch(`http://127.0.0.1:${quick.port}/events?token=${TOKEN}`, { signal: controller.signal });
      assert.ok(reply.body);
      const stream = new EventStreamReader(reply.body);
      const opened = Date.now();
      await waitFor(
        'heartbeats for longer than the request timeout',
        () => Date.now() - opened > 600 && stream.comments.filter((comment) => comment === 'heartbeat').length >= 5,
      );
      endpoint.emit('doublon/progress', { done: 1 });
      await waitFor('an event after the request timeout', () => stream.events.length === 1);
      assert.equal(quick.eventClientCount(), 1);
      controller.abort();
      await waitFor('the event client count to return to 0', () => quick.eventClientCount() === 0);
    });

    it('drops a client that never finishes its headers (slowloris)', async () => {
      const socket = net.connect(quick.port, '127.0.0.1');
      let received = '';
      let closed = false;
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${quick.port}\r\n`);
      await waitFor('the server to close the half-sent request', () => closed, 5_000);
      assert.match(received, /^HTTP\/1\.1 408 /);
    });
  });
});
