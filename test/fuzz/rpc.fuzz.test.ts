/**
 * Property-based fuzzing of the JSON-RPC endpoint (issue 10) on a real daemon process, over real HTTP on
 * 127.0.0.1 and over its local socket: any body — JSON or not, JSON-RPC-shaped or not, batches included —
 * gets a well-formed JSON-RPC result or error (HTTP 200, or 204 for notifications only), never a 500, never
 * a crash, and the daemon answers /healthz afterwards. Methods that write or stop the daemon are left out of
 * the generated names (they have their own tests); everything else is fair game. Fixed seed and run count.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { daemonOnBasicSite, waitFor } from '../helpers/daemon';
import { RawFramedClient } from '../server/support';

const SEED = 20261130;

const METHODS = [
  'doublon/status',
  'doublon/groups',
  'doublon/group',
  'doublon/fileInfo',
  'doublon/replacePlan',
  'rpc.discover',
  'nope',
  '',
];

const anyValue = fc.jsonValue({ maxDepth: 3 });
const request = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), anyValue),
    method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: anyValue }),
    params: fc.oneof(
      fc.dictionary(fc.constantFrom('id', 'path', 'offset', 'limit', 'classes', 'groupId', 'delete', 'x'), anyValue, { maxKeys: 3 }),
      fc.array(anyValue, { maxLength: 3 }),
      anyValue,
    ),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), anyValue),
  },
  { requiredKeys: [] },
);

/** A body: a request-like object, a batch of them, any JSON, or any text at all. */
const body = fc.oneof(
  { weight: 4, arbitrary: request.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.array(fc.oneof(request, anyValue), { minLength: 0, maxLength: 6 }).map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: anyValue.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  { weight: 1, arbitrary: request.map((r) => JSON.stringify(r).slice(0, -1)) },
);

function assertResponse(value: unknown): void {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `a response object: ${JSON.stringify(value)}`);
  const r = value as Record<string, unknown>;
  assert.equal(r.jsonrpc, '2.0');
  assert.ok('id' in r && (r.id === null || typeof r.id === 'string' || typeof r.id === 'number'), `id: ${JSON.stringify(r.id)}`);
  assert.ok('result' in r !== 'error' in r, `exactly one of result and error: ${JSON.stringify(r).slice(0, 200)}`);
  if ('error' in r) {
    const e = r.error as Record<string, unknown>;
    assert.ok(Number.isInteger(e.code) && typeof e.message === 'string' && e.message !== '', `error object: ${JSON.stringify(e)}`);
  }
}

function assertReply(value: unknown): void {
  if (Array.isArray(value)) {
    assert.ok(value.length > 0, 'a batch reply is never empty');
    value.forEach(assertResponse);
  } else assertResponse(value);
}

describe('fuzz: the JSON-RPC endpoint of a real daemon (fast-check)', function () {
  this.timeout(240_000);
  const site = daemonOnBasicSite('doublon-fuzz-rpc-');

  async function healthy(): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${site.daemon.info.port}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  }

  it('HTTP: every body gets a well-formed JSON-RPC reply (200) or none (204), never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await fetch(`http://127.0.0.1:${site.daemon.info.port}/rpc`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${site.daemon.info.token}` },
          body: text,
        });
        const reply = await response.text();
        assert.ok(response.status === 200 || response.status === 204, `HTTP ${response.status}: ${reply.slice(0, 300)}`);
        if (response.status === 204) assert.equal(reply, '');
        else assertReply(JSON.parse(reply));
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
    await healthy();
  });

  it('socket: every framed message gets well-formed replies, the connection stays usable', async () => {
    const client = await RawFramedClient.connect(site.daemon.info.socket);
    let sentinel = 0;
    try {
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const before = client.received.length;
          client.send(text);
          // A request after it, to know when everything about the fuzzed message has been answered.
          const id = `sentinel-${++sentinel}`;
          client.send(JSON.stringify({ jsonrpc: '2.0', method: 'doublon/status', id }));
          await waitFor(`the reply to ${id}`, () => client.received.slice(before).some((m) => (m as { id?: unknown }).id === id), 20_000);
          assert.ok(!client.isClosed(), 'the connection is still open');
          for (const message of client.received.slice(before)) {
            if ((message as { method?: unknown }).method !== undefined) continue; // a notification of the daemon
            assertReply(message);
          }
        }),
        { seed: SEED, numRuns: 150, endOnFailure: true },
      );
    } finally {
      client.close();
    }
    await healthy();
    assert.equal(site.daemon.child.exitCode, null, 'the daemon is still running');
  });
});
