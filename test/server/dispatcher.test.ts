import * as assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc';
import { Dispatcher, encodeResponse, parseError, type DispatchResult } from '../../daemon/server/dispatcher';
import type { CallContext } from '../../daemon/server/endpoint';
import { SPEC_EXAMPLES } from './spec-cases';
import { SpecExampleEndpoint } from './spec-endpoint';
import { normalize } from './support';

const CONTEXT: CallContext = { transport: 'socket', client: 'test-1' };

describe('dispatcher (JSON-RPC 2.0 semantics)', () => {
  let endpoint: SpecExampleEndpoint;
  let logged: string[];
  let dispatcher: Dispatcher;

  beforeEach(() => {
    endpoint = new SpecExampleEndpoint();
    logged = [];
    dispatcher = new Dispatcher(endpoint, { log: (message) => logged.push(message) });
  });

  /** What a transport does: parse, answer -32700 itself when it cannot, else dispatch. */
  async function send(text: string): Promise<DispatchResult> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      return parseError((error as Error).message);
    }
    return dispatcher.handle(message, CONTEXT);
  }

  describe('specification section 7 examples', () => {
    for (const example of SPEC_EXAMPLES) {
      it(example.name, async () => {
        const reply = await send(example.request);
        assert.deepEqual(normalize(reply), normalize(example.response));
      });
    }

    it('runs notifications (update, notify_hello in a batch) even though nothing is answered', async () => {
      assert.equal(await send('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}'), undefined);
      assert.equal(await send('[{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]'), undefined);
      assert.deepEqual(
        endpoint.calls.map((call) => [call.method, call.params]),
        [
          ['update', { a: 1, b: 2, c: 3, d: 4, e: 5 }],
          ['notify_hello', { value: 7 }],
        ],
      );
    });
  });

  describe('exact messages', () => {
    it('names the unknown method', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"foobar","id":"1"}'), {
        jsonrpc: '2.0',
        error: { code: -32601, message: 'Method not found: foobar' },
        id: '1',
      });
    });

    it('says what is wrong with an invalid request', async () => {
      assert.deepEqual(await send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}'), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request: expected "method" to be a string, received 1 (number)' },
        id: null,
      });
      assert.deepEqual(await send('[]'), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request: expected a non-empty batch, received an empty array' },
        id: null,
      });
      assert.deepEqual(await send('{"foo": "boo"}'), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request: expected "jsonrpc": "2.0", received no jsonrpc member' },
        id: null,
      });
      assert.deepEqual(await send('1'), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request: expected an object, received 1 (number)' },
        id: null,
      });
    });

    it('counts positional parameters against the names', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":7}'), {
        jsonrpc: '2.0',
        error: { code: -32602, message: 'Invalid params: subtract takes at most 2 (minuend, subtrahend), received 3 by position' },
        id: 7,
      });
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"get_data","params":[1],"id":8}'), {
        jsonrpc: '2.0',
        error: { code: -32602, message: 'Invalid params: get_data takes no parameters, received 1 by position' },
        id: 8,
      });
    });

    it('parse errors carry id null and the parser message', () => {
      assert.deepEqual(parseError('Unexpected end of JSON input'), {
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error: Unexpected end of JSON input' },
        id: null,
      });
      assert.deepEqual(parseError(), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    });
  });

  describe('params', () => {
    it('maps fewer positional parameters than names, and passes named ones through untouched', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"echo","params":[1],"id":1}'), {
        jsonrpc: '2.0',
        result: { first: 1 },
        id: 1,
      });
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"echo","params":{"second":2,"other":3},"id":2}'), {
        jsonrpc: '2.0',
        result: { second: 2, other: 3 },
        id: 2,
      });
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"echo","id":3}'), { jsonrpc: '2.0', result: null, id: 3 });
      assert.equal(endpoint.calls[2].params, undefined);
    });

    it('rejects params that are neither object nor array, null included', async () => {
      for (const params of ['"bar"', '3', 'null', 'true']) {
        const reply = await send(`{"jsonrpc":"2.0","method":"echo","params":${params},"id":4}`);
        assert.deepEqual(normalize(reply), { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: 4 }, params);
      }
      assert.equal(endpoint.calls.length, 0);
    });

    it('passes the call context to the endpoint', async () => {
      await send('{"jsonrpc":"2.0","method":"get_data","id":1}');
      assert.deepEqual(endpoint.calls[0].context, CONTEXT);
    });
  });

  describe('ids and envelope', () => {
    it('accepts string, number and null ids and echoes them', async () => {
      for (const id of ['"abc"', '0', '-1.5', 'null']) {
        const reply = await send(`{"jsonrpc":"2.0","method":"get_data","id":${id}}`);
        assert.deepEqual(reply, { jsonrpc: '2.0', result: ['hello', 5], id: JSON.parse(id) }, id);
      }
    });

    it('answers an id of another type with InvalidRequest and id null', async () => {
      for (const id of ['{}', '[1]', 'true']) {
        const reply = await send(`{"jsonrpc":"2.0","method":"get_data","id":${id}}`);
        assert.deepEqual(
          reply,
          {
            jsonrpc: '2.0',
            error: {
              code: -32600,
              message: `Invalid Request: expected "id" to be a string, a number or null, received ${id === '[1]' ? 'an array' : `${id} (${typeof JSON.parse(id)})`}`,
            },
            id: null,
          },
          id,
        );
      }
      assert.equal(endpoint.calls.length, 0);
    });

    it('keeps a readable id when another member is invalid', async () => {
      assert.deepEqual(normalize(await send('{"jsonrpc":"1.0","method":"get_data","id":5}')), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request' },
        id: 5,
      });
    });

    it('treats a response object sent by a client as an invalid request', async () => {
      assert.deepEqual(normalize(await send('{"jsonrpc":"2.0","result":1,"id":6}')), {
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request' },
        id: 6,
      });
    });

    it('reserves rpc.* method names', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"rpc.discover","id":1}'), {
        jsonrpc: '2.0',
        error: { code: -32601, message: 'Method not found: rpc.discover' },
        id: 1,
      });
    });

    it('does not treat a nested array in a batch as a batch', async () => {
      assert.deepEqual(normalize(await send('[[{"jsonrpc":"2.0","method":"get_data","id":1}]]')), [
        { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null },
      ]);
      assert.equal(endpoint.calls.length, 0);
    });

    it('answers a request whose handler returns nothing with result null', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"update","id":1}'), { jsonrpc: '2.0', result: null, id: 1 });
    });
  });

  describe('errors thrown by the endpoint', () => {
    it('turns a plain Error into InternalError naming the method, logs the stack, sends no stack', async () => {
      const reply = await send('{"jsonrpc":"2.0","method":"explode","id":1}');
      assert.deepEqual(reply, {
        jsonrpc: '2.0',
        error: { code: -32603, message: 'Internal error: request explode failed with message: the flux capacitor is empty' },
        id: 1,
      });
      assert.equal(logged.length, 1);
      assert.match(logged[0], /^\[socket test-1\] request explode failed: Error: the flux capacitor is empty\n\s+at /);
    });

    it('passes an RpcError through with its code, message and data', async () => {
      assert.deepEqual(await send('{"jsonrpc":"2.0","method":"refuse","params":["g42"],"id":2}'), {
        jsonrpc: '2.0',
        error: { code: -32051, message: 'No such group: g42', data: { reason: 'g42' } },
        id: 2,
      });
      assert.deepEqual(logged, []);
    });

    it("passes vscode-jsonrpc's ResponseError through (for LSP handlers added to the endpoint later)", async () => {
      const lsp = new SpecExampleEndpoint();
      lsp.call = async () => {
        throw new ResponseError(-32803, 'Request failed', { retry: false });
      };
      const reply = await new Dispatcher(lsp, { log: (message) => logged.push(message) }).handle(
        { jsonrpc: '2.0', method: 'get_data', id: 1 },
        CONTEXT,
      );
      assert.deepEqual(reply, { jsonrpc: '2.0', error: { code: -32803, message: 'Request failed', data: { retry: false } }, id: 1 });
    });

    it('stays silent to the client for a failing notification but logs it', async () => {
      assert.equal(await send('{"jsonrpc":"2.0","method":"explode"}'), undefined);
      assert.equal(await send('{"jsonrpc":"2.0","method":"nope"}'), undefined);
      assert.equal(logged.length, 2);
      assert.match(logged[0], /notification explode failed: Error: the flux capacitor is empty/);
      assert.equal(logged[1], '[socket test-1] notification nope: method not found');
    });

    it('a synchronous throw from the endpoint is caught too', async () => {
      const sync = new SpecExampleEndpoint();
      sync.call = () => {
        throw new TypeError('boom');
      };
      const reply = await new Dispatcher(sync, { log: (message) => logged.push(message) }).handle(
        { jsonrpc: '2.0', method: 'get_data', id: 1 },
        CONTEXT,
      );
      assert.deepEqual(reply, {
        jsonrpc: '2.0',
        error: { code: -32603, message: 'Internal error: request get_data failed with message: boom' },
        id: 1,
      });
    });
  });

  describe('encodeResponse', () => {
    it('replaces only the response whose result cannot be serialized', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const text = encodeResponse(
        [
          { jsonrpc: '2.0', result: 1, id: 1 },
          { jsonrpc: '2.0', result: cyclic, id: 2 },
        ],
        (message) => logged.push(message),
      );
      const parsed = JSON.parse(text) as { id: number; error?: { code: number } }[];
      assert.deepEqual(parsed[0], { jsonrpc: '2.0', result: 1, id: 1 });
      assert.equal(parsed[1].id, 2);
      assert.equal(parsed[1].error?.code, -32603);
      assert.equal(logged.length, 1);
    });
  });
});
