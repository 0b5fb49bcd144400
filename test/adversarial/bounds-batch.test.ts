/**
 * Amplification by batches and protocol edge cases (issue 10, items 7 and 9): against a real daemon process
 * over real HTTP on 127.0.0.1 and its local socket, and a real HTTP server for the response-size bound.
 */
import assert from 'node:assert/strict';
import { daemonOnBasicSite, waitFor } from '../helpers/daemon';
import { RawFramedClient } from '../server/support';
import { startHttpServer, type HttpServer } from '../../daemon/server/http';
import type { RpcEndpoint } from '../../daemon/server/endpoint';
import { RpcErrorCodes } from '../../protocol/errors';

interface Reply {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
  method?: string;
  params?: { state?: string };
}

async function post(port: number, token: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function healthy(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return response.status === 200 && ((await response.json()) as { ok: boolean }).ok;
}

describe('adversarial: batch and protocol bounds (issue 10, items 7 and 9)', function () {
  this.timeout(120_000);

  describe('a real daemon', () => {
    const site = daemonOnBasicSite('doublon-bounds-batch-');

    it('refuses a batch of 1 000 × doublon/groups with one -32600, and answers afterwards', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => ({ jsonrpc: '2.0', method: 'doublon/groups', params: {}, id: i }));
      const { status, text } = await post(site.daemon.info.port, site.daemon.info.token, JSON.stringify(batch));
      assert.equal(status, 200);
      assert.ok(text.length < 1000, `one short error, received ${text.length} characters`);
      assert.deepEqual(JSON.parse(text), {
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: 'Invalid Request: a batch holds at most 100 requests, received 1000; send them in smaller batches',
        },
      });
      const within = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', method: 'doublon/groups', params: {}, id: i }));
      const replies = JSON.parse((await post(site.daemon.info.port, site.daemon.info.token, JSON.stringify(within))).text) as Reply[];
      assert.equal(replies.length, 100);
      assert.ok(replies.every((r, i) => r.id === i && r.result !== undefined));
      assert.ok(await healthy(site.daemon.info.port));
    });

    it('50 × doublon/rescan in one batch run at most two scans (coalesced), all answered', async () => {
      const client = await RawFramedClient.connect(site.daemon.info.socket);
      try {
        client.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ jsonrpc: '2.0', method: 'doublon/rescan', id: i }))));
        const batch = await waitFor('the batch reply', () => client.received.find((m): m is Reply[] => Array.isArray(m)), 60_000);
        assert.equal(batch.length, 50);
        assert.ok(
          batch.every((r) => r.result !== undefined),
          JSON.stringify(batch[0]),
        );
        const states = client.received
          .filter((m): m is Reply => !Array.isArray(m) && (m as Reply).method === 'doublon/statusChanged')
          .map((m) => m.params?.state);
        const scans = states.filter((state, i) => state === 'scanning' && states[i - 1] !== 'scanning').length;
        assert.ok(scans >= 1 && scans <= 2, `scans started: ${scans} (states: ${states.join(' ')})`);
      } finally {
        client.close();
      }
    });

    it('a deeply nested value inside "method" is a -32600, not an HTTP 500', async () => {
      const depth = 100_000;
      const body = `{"jsonrpc":"2.0","id":7,"method":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      const { status, text } = await post(site.daemon.info.port, site.daemon.info.token, body);
      assert.equal(status, 200, text);
      assert.deepEqual(JSON.parse(text), {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32600, message: 'Invalid Request: expected "method" to be a string, received an object' },
      });
      assert.ok(await healthy(site.daemon.info.port));
    });

    it('a framing error on the socket: the valid request before it is answered, then the error, then the close', async () => {
      const client = await RawFramedClient.connect(site.daemon.info.socket);
      try {
        const valid = JSON.stringify({ jsonrpc: '2.0', method: 'doublon/status', id: 1 });
        client.sendRaw(`Content-Length: ${Buffer.byteLength(valid)}\r\n\r\n${valid}Content-Length: banana\r\n\r\n{}`);
        await waitFor('the connection to close', () => client.isClosed());
        const replies = client.received.filter((m) => (m as Reply).method === undefined) as Reply[];
        assert.equal(replies.length, 2, JSON.stringify(client.received));
        assert.equal(replies[0].id, 1);
        assert.ok(replies[0].result !== undefined, JSON.stringify(replies[0]));
        assert.equal(replies[1].error?.code, -32700);
        assert.match(replies[1].error?.message ?? '', /\(closing the connection\)$/);
      } finally {
        client.close();
      }
      assert.ok(await healthy(site.daemon.info.port));
    });
  });

  describe('the response-size bound', () => {
    const MB = 1024 * 1024;
    let server: HttpServer;
    let calls = 0;
    const endpoint: RpcEndpoint = {
      parameterNames: (method) => (method === 'blob' ? [] : undefined),
      call: () => {
        calls++;
        return Promise.resolve('x'.repeat(MB));
      },
      subscribe: () => () => undefined,
    };

    before(async () => {
      server = await startHttpServer({ endpoint, token: 'a-test-token-of-sufficient-length', port: 0, log: () => undefined });
    });
    after(() => server.close());

    it('a batch whose responses pass 16 MB gets a -32060 for each request past the bound', async () => {
      const batch = Array.from({ length: 30 }, (_, i) => ({ jsonrpc: '2.0', method: 'blob', id: i }));
      const { status, text } = await post(server.port, 'a-test-token-of-sufficient-length', JSON.stringify(batch));
      assert.equal(status, 200);
      assert.ok(text.length <= 16 * MB + 30 * 300, `the reply stays near the bound: ${text.length} characters`);
      const replies = JSON.parse(text) as Reply[];
      assert.equal(calls, 30, 'every request ran');
      assert.deepEqual(
        replies.map((r) => r.id),
        batch.map((r) => r.id),
      );
      const answered = replies.filter((r) => typeof r.result === 'string');
      const refused = replies.filter((r) => r.error !== undefined);
      assert.equal(answered.length, 15);
      assert.deepEqual(
        answered.map((r) => r.id),
        Array.from({ length: 15 }, (_, i) => i),
      );
      for (const r of refused) {
        assert.deepEqual(r.error, {
          code: RpcErrorCodes.ResponseTooLarge,
          message: 'Response too large: the responses of this batch exceed 16 MB; send this request again alone or in a smaller batch',
        });
      }
      assert.ok(await healthy(server.port));
    });
  });
});
