/**
 * The examples of the JSON-RPC 2.0 specification, section 7, verbatim (request text and expected reply),
 * run against the dispatcher and both transports. `response: undefined` means nothing is sent back.
 * Error messages are compared after `normalize` (support.ts), which keeps the specification's wording.
 */
export interface SpecExample {
  name: string;
  request: string;
  response: unknown;
  /** The request is not valid JSON: the transport, not the dispatcher, must answer. */
  invalidJson?: boolean;
}

const E = (code: number, message: string, id: string | number | null = null) => ({ jsonrpc: '2.0', error: { code, message }, id });

export const SPEC_EXAMPLES: SpecExample[] = [
  {
    name: 'rpc call with positional parameters (42, 23)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
    response: { jsonrpc: '2.0', result: 19, id: 1 },
  },
  {
    name: 'rpc call with positional parameters (23, 42)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
    response: { jsonrpc: '2.0', result: -19, id: 2 },
  },
  {
    name: 'rpc call with named parameters (subtrahend first)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
    response: { jsonrpc: '2.0', result: 19, id: 3 },
  },
  {
    name: 'rpc call with named parameters (minuend first)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
    response: { jsonrpc: '2.0', result: 19, id: 4 },
  },
  { name: 'a Notification (update)', request: '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', response: undefined },
  { name: 'a Notification (foobar)', request: '{"jsonrpc": "2.0", "method": "foobar"}', response: undefined },
  {
    name: 'rpc call of non-existent method',
    request: '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
    response: E(-32601, 'Method not found', '1'),
  },
  {
    name: 'rpc call with invalid JSON',
    request: '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
    response: E(-32700, 'Parse error'),
    invalidJson: true,
  },
  {
    name: 'rpc call with invalid Request object',
    request: '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
    response: E(-32600, 'Invalid Request'),
  },
  {
    name: 'rpc call Batch, invalid JSON',
    request: '[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]',
    response: E(-32700, 'Parse error'),
    invalidJson: true,
  },
  { name: 'rpc call with an empty Array', request: '[]', response: E(-32600, 'Invalid Request') },
  { name: 'rpc call with an invalid Batch (but not empty)', request: '[1]', response: [E(-32600, 'Invalid Request')] },
  {
    name: 'rpc call with invalid Batch',
    request: '[1,2,3]',
    response: [E(-32600, 'Invalid Request'), E(-32600, 'Invalid Request'), E(-32600, 'Invalid Request')],
  },
  {
    name: 'rpc call Batch',
    request: `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`,
    response: [
      { jsonrpc: '2.0', result: 7, id: '1' },
      { jsonrpc: '2.0', result: 19, id: '2' },
      E(-32600, 'Invalid Request'),
      E(-32601, 'Method not found', '5'),
      { jsonrpc: '2.0', result: ['hello', 5], id: '9' },
    ],
  },
  {
    name: 'rpc call Batch (all notifications)',
    request: `[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]`,
    response: undefined,
  },
];
