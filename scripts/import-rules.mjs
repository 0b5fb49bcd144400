// The import rules scripts/check-imports.mjs enforces: ARCHITECTURE.md's code map ("must not import"), as
// data. A rule: files matching `from` (but not `exceptFrom`) must not import files matching `to` (but not
// `except`); a pattern ending in `/` is a folder, else one file. Each says why, in the message the lint prints.

/** The folders whose .ts files are checked. */
export const SOURCE_FOLDERS = ['protocol', 'daemon', 'extension', 'test', 'bench'];

/** The transports and front ends. Everything else in daemon/ (the engine: hash/, index/, scan/, groups/, refs/,
 * references/, replace/, and report/, config/, catalogue/, analysis.ts) knows nothing of them: named by what it is
 * not, so that a folder renamed or added in the engine is covered without a change here. */
const FRONT = ['daemon/server/', 'daemon/lsp/', 'daemon/cli/', 'daemon/dashboard/', 'daemon/process/'];
const TESTS_AND_BENCHMARKS = ['test/', 'bench/'];

export const BOUNDARIES = [
  {
    from: ['extension/'],
    to: ['daemon/', ...TESTS_AND_BENCHMARKS],
    message: 'the extension talks to the daemon through protocol/ only (it imports protocol/, vscode, Node built-ins and npm packages)',
  },
  {
    from: ['protocol/'],
    to: ['daemon/', 'extension/', ...TESTS_AND_BENCHMARKS],
    message: 'protocol/ is the contract both sides import: it imports nothing of either side',
  },
  {
    from: ['daemon/'],
    exceptFrom: FRONT,
    to: FRONT,
    message: 'the engine knows nothing of transports and front ends: server/, lsp/, cli/ and dashboard/ call the engine, never the reverse',
  },
  {
    from: ['daemon/server/'],
    to: ['daemon/lsp/', 'daemon/dashboard/', 'daemon/process/', 'daemon/cli/'],
    message:
      'the service and its transports know nothing of the LSP features, the dashboard or the process wiring: those subscribe to it (daemon/process/daemon.ts joins them)',
  },
  {
    from: ['daemon/report/'],
    to: ['daemon/dashboard/', 'daemon/analysis.ts', 'daemon/server/', 'daemon/lsp/', 'daemon/cli/'],
    message:
      'report/ turns groups into the report and its CI formats; what runs the pipeline or shows the report imports it, not the reverse',
  },
  {
    from: ['daemon/index/'],
    to: ['daemon/groups/'],
    message: 'the store and the Hamming index hold data; grouping is built on them, not the reverse',
  },
  {
    from: ['daemon/refs/'],
    to: ['daemon/index/'],
    message: 'the reference parsers are pure (text in, references out): they read no image index',
  },
  {
    from: ['daemon/hash/'],
    to: ['daemon/'],
    except: ['daemon/hash/'],
    message: 'hashing is a pure function of the bytes it is given: it imports nothing else of the daemon',
  },
  {
    from: ['daemon/config/'],
    to: ['daemon/'],
    except: ['daemon/config/', 'daemon/report/printable.ts', 'daemon/report/tool.ts'],
    message: "the configuration is read before anything else runs: it imports only protocol/ and report/'s printing helpers",
  },
  {
    from: ['daemon/', 'protocol/', 'extension/'],
    to: TESTS_AND_BENCHMARKS,
    message: 'shipped code never imports tests or benchmarks',
  },
];

/**
 * Imports that break a rule today and are being removed on another branch, as `{ from, to }` pairs; each is
 * skipped by the boundary rules and left out of the cycle search. Empty: keep it so.
 */
export const KNOWN_EXCEPTIONS = [];
