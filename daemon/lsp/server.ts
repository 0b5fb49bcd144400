/**
 * The editor side of the daemon: the LSP subset (document sync, pushed diagnostics, code actions, hover,
 * commands) as handlers on the same endpoint as `doublon/*`. Documents and settings are per connection;
 * diagnostics go to the connection that opened the document.
 *
 * LSP needs a connection: over stateless HTTP (one client id per request) documents could never be closed,
 * so every LSP method there is refused. On a connection, LSP requests before `initialize` get -32002 and
 * notifications are dropped (the `doublon/*` methods stay open to plain JSON-RPC clients). Documents are
 * bounded (documents.ts) and read in a worker (extractor.ts): a large document never stalls other requests.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ErrorCodes,
  ExecuteCommandRequest,
  ExitNotification,
  CodeActionRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  MessageType,
  ShutdownRequest,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver-protocol';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { CAPABILITIES, PROTOCOL_VERSION } from '../../protocol/methods';
import type { CallContext } from '../server/endpoint';
import { codeActions, FIX_ALL_KIND, IGNORE_COMMAND, REPLACE_EVERYWHERE_COMMAND, replaceEverywhereEdit } from './actions';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { DEFAULT_SEVERITIES, duplicatesAmong, severitiesFrom, toDiagnostic, type DuplicateReference, type Severities } from './diagnostics';
import { DEFAULT_DOCUMENT_LIMITS, OpenDocuments, type DocumentLimits, type OpenDocument, type OpenOutcome } from './documents';
import { ReferenceExtractor } from './extractor';
import type { LspHost } from './host';
import type { RawReference } from '../refs';
import { hover, hoverOptionsFrom, type HoverOptions } from './hover';
import { contentChangesOf, documentUriOf, objectOf, positionOf, rangeOf, stringArrayOf, type Received } from './params';

export type Notify = (method: string, params: unknown, client?: string) => void;
/** An LSP handler: the parameters as received (each checked before use), the connection that sent them. */
export type LspHandler = (params: Received, context: CallContext) => Promise<unknown> | unknown;

/** Methods a client may send before `initialize` (the spec: `exit` is honoured at any time). */
const BEFORE_INITIALIZE = new Set(['initialize', 'exit']);

/** What one connection told us in `initialize`. */
interface Session {
  severities: Severities;
  hover: HoverOptions;
  shutdown: boolean;
}

export interface LspOptions {
  limits?: DocumentLimits;
  log?: (line: string) => void;
}

export class LspFeatures {
  readonly documents: OpenDocuments;
  private readonly sessions = new Map<string, Session>();
  private readonly scheduled = new Set<string>();
  private readonly extractor: ReferenceExtractor;
  /** The last extraction per document (connection + URI), for the version it was made from. */
  private readonly extracted = new Map<string, { version: number; references: Promise<RawReference[]> }>();
  private readonly log: (line: string) => void;
  private httpRefusals = 0;
  /** Milliseconds the last diagnostics computation took, per document (for the benchmark and the log). */
  readonly lastDiagnosticsMs = new Map<string, number>();

  constructor(
    private readonly host: LspHost,
    private readonly notify: Notify,
    private readonly version: string,
    options: LspOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
    this.documents = new OpenDocuments(options.limits ?? DEFAULT_DOCUMENT_LIMITS);
    this.extractor = new ReferenceExtractor(this.log);
  }

  /**
   * The LSP methods, keyed by the protocol package's own method names, each behind the session checks.
   * A Map: a method name is client input, and must never reach an object's prototype.
   */
  handlers(): ReadonlyMap<string, LspHandler> {
    const ignored: LspHandler = () => undefined;
    const lsp: Array<[string, LspHandler]> = [
      [InitializeRequest.method, (p, context) => this.initialize(p, context)],
      [InitializedNotification.method, ignored],
      [ShutdownRequest.method, (_p, context) => this.shutdown(context)],
      [ExitNotification.method, (_p, context) => this.disconnected(context.client)],
      ['$/setTrace', ignored],
      ['$/cancelRequest', ignored],
      [DidChangeConfigurationNotification.method, (p, context) => this.didChangeConfiguration(p, context)],
      [DidChangeWatchedFilesNotification.method, ignored],
      [DidChangeWorkspaceFoldersNotification.method, ignored],
      [DidOpenTextDocumentNotification.method, (p, context) => this.didOpen(p, context)],
      [DidChangeTextDocumentNotification.method, (p, context) => this.didChange(p, context)],
      [DidCloseTextDocumentNotification.method, (p, context) => this.didClose(p, context)],
      [DidSaveTextDocumentNotification.method, ignored],
      [CodeActionRequest.method, (p, context) => this.codeAction(p, context)],
      [HoverRequest.method, (p, context) => this.hover(p, context)],
      [ExecuteCommandRequest.method, (p, context) => this.executeCommand(p, context)],
    ];
    return new Map(
      lsp.map(([method, handler]) => [method, (p, context) => (this.admit(method, context) ? handler(p, context) : undefined)]),
    );
  }

  private codeAction(params: Received, context: CallContext): ReturnType<typeof codeActions> | [] {
    const uri = documentUriOf(params);
    const range = rangeOf(params.range);
    const given = objectOf(params.context);
    if (uri === undefined || !range || !given) return [];
    const only = given.only === undefined ? undefined : stringArrayOf(given.only);
    // The client's diagnostics are not read: the actions are computed from the document as held here.
    const checked = { textDocument: { uri }, range, context: { diagnostics: [], ...(only ? { only } : {}) } };
    return codeActions(
      checked,
      this.host,
      this.documents,
      (open) => this.duplicatesIn(open),
      this.severitiesOf(context.client),
      context.client,
    );
  }

  private hover(params: Received, context: CallContext): ReturnType<typeof hover> | null {
    const uri = documentUriOf(params);
    const position = positionOf(params.position);
    if (uri === undefined || !position) return null;
    return hover(
      { textDocument: { uri }, position },
      this.host,
      this.documents,
      (open) => this.referencesIn(open),
      context.client,
      this.sessions.get(context.client)?.hover,
    );
  }

  /** False: drop this notification. Throws the error a request gets. */
  private admit(method: string, context: CallContext): boolean {
    if (context.transport !== 'socket') {
      // One line per 1 000 refusals: a client flooding HTTP with didOpen must not flood the log either.
      if (this.httpRefusals++ % 1000 === 0)
        this.log(`refused LSP ${method} over HTTP (${this.httpRefusals} so far): LSP needs the socket or \`doublon lsp\``);
      throw new RpcError(
        RpcErrorCodes.InvalidRequest,
        `${method}: LSP methods need a connection (the daemon's local socket, or \`doublon lsp\` on stdio); over HTTP use the doublon/* methods`,
      );
    }
    const session = this.sessions.get(context.client);
    if (!session && !BEFORE_INITIALIZE.has(method)) {
      if (method.startsWith('$/') || method.includes('/did') || method === 'initialized') return false;
      throw new RpcError(ErrorCodes.ServerNotInitialized, `${method}: the server is not initialized (send initialize first)`);
    }
    if (session?.shutdown && method !== 'exit' && !method.startsWith('$/')) {
      throw new RpcError(RpcErrorCodes.InvalidRequest, `${method}: the server is shutting down for this client (only exit is accepted)`);
    }
    return true;
  }

  private initialize(params: Received, context: CallContext): InitializeResult {
    if (this.sessions.has(context.client))
      throw new RpcError(RpcErrorCodes.InvalidRequest, 'initialize: this connection is already initialized');
    const options = objectOf(params.initializationOptions) ?? {};
    this.sessions.set(context.client, {
      severities: severitiesFrom(options.severity),
      hover: hoverOptionsFrom(params.capabilities, options.hover),
      shutdown: false,
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [IGNORE_COMMAND, REPLACE_EVERYWHERE_COMMAND] },
        experimental: { doublon: { protocolVersion: PROTOCOL_VERSION, capabilities: CAPABILITIES } },
      },
      serverInfo: { name: 'doublon', version: this.version },
    };
  }

  private shutdown(context: CallContext): null {
    const session = this.sessions.get(context.client);
    if (session) session.shutdown = true;
    // The connection's documents go now: after shutdown a client only sends exit.
    this.forgetDocuments(context.client);
    return null;
  }

  private didChangeConfiguration(params: Received, context: CallContext): void {
    const session = this.sessions.get(context.client);
    const doublon = objectOf(objectOf(params.settings)?.doublon);
    if (!session || !doublon) return;
    if (doublon.severity !== undefined) session.severities = severitiesFrom(doublon.severity);
    if (doublon.hover !== undefined) session.hover = hoverOptionsFrom(undefined, doublon.hover, session.hover);
    for (const open of this.documents.all()) if (open.client === context.client) this.schedule(open);
  }

  private severitiesOf(client: string): Severities {
    return this.sessions.get(client)?.severities ?? DEFAULT_SEVERITIES;
  }

  private didOpen(params: Received, context: CallContext): void {
    const { uri, languageId, version, text } = objectOf(params.textDocument) ?? {};
    if (typeof uri !== 'string' || typeof text !== 'string')
      throw new RpcError(RpcErrorCodes.InvalidParams, 'textDocument/didOpen: expected textDocument.uri and textDocument.text as strings');
    this.settle(this.documents.open(uri, String(languageId), Number(version) || 0, text, context.client), true);
  }

  private didChange(params: Received, context: CallContext): void {
    const uri = documentUriOf(params);
    const version = objectOf(params.textDocument)?.version;
    const changes = contentChangesOf(params.contentChanges);
    if (uri === undefined || !changes || typeof version !== 'number') {
      throw new RpcError(
        RpcErrorCodes.InvalidParams,
        'textDocument/didChange: expected textDocument.uri, textDocument.version and contentChanges (each a text, with a range or without)',
      );
    }
    const wasRefused = this.documents.isRefused(uri, context.client);
    const outcome = this.documents.change(uri, version, changes, context.client);
    if (outcome) this.settle(outcome, !wasRefused);
  }

  /** A document kept is scheduled for diagnostics; a refused one loses its diagnostics and its editor is told why. */
  private settle(outcome: OpenOutcome, tell: boolean): void {
    if ('open' in outcome) {
      this.schedule(outcome.open);
      return;
    }
    const { uri, client, reason } = outcome.refused;
    this.extracted.delete(`${client}\n${uri}`);
    this.notify('textDocument/publishDiagnostics', { uri, diagnostics: [] }, client);
    if (!tell) return;
    this.log(`[${client}] not checking ${uri}: ${reason}`);
    this.notify('window/logMessage', { type: MessageType.Warning, message: `Doublon: not checking ${uri}: ${reason}` }, client);
  }

  /** Something every editor's user should see once (a damaged index rebuilt): window/showMessage. */
  warnEveryEditor(text: string): void {
    for (const [client, session] of this.sessions)
      if (!session.shutdown) this.notify('window/showMessage', { type: MessageType.Warning, message: `Doublon: ${text}` }, client);
  }

  private didClose(params: Received, context: CallContext): void {
    const uri = documentUriOf(params);
    if (uri === undefined) return;
    this.documents.close(uri, context.client);
    this.extracted.delete(`${context.client}\n${uri}`);
    // Closed documents keep no diagnostics of ours (the CLI's check covers files on disk).
    this.notify('textDocument/publishDiagnostics', { uri, diagnostics: [] }, context.client);
  }

  /** A connection closed (or sent exit): its documents, extractions and settings go. */
  disconnected(client: string): void {
    this.forgetDocuments(client);
    this.sessions.delete(client);
  }

  private forgetDocuments(client: string): void {
    this.documents.closeClient(client);
    const prefix = `${client}\n`;
    for (const key of [...this.extracted.keys()]) if (key.startsWith(prefix)) this.extracted.delete(key);
  }

  /** Stops the extraction worker (the daemon is stopping). */
  async close(): Promise<void> {
    await this.extractor.close();
  }

  /**
   * The duplicate references of a document as its connection holds it now: the references are read in the
   * worker (once per version), then resolved here in slices that yield to other requests.
   */
  async duplicatesIn(open: OpenDocument): Promise<DuplicateReference[]> {
    return open.path ? duplicatesAmong(open.path, await this.referencesIn(open), this.host) : [];
  }

  /** Every path-like reference of a document, read in the worker once per version. */
  referencesIn(open: OpenDocument): Promise<RawReference[]> {
    if (!open.path) return Promise.resolve([]);
    const key = `${open.client}\n${open.document.uri}`;
    const version = open.document.version;
    let cached = this.extracted.get(key);
    if (!cached || cached.version !== version) {
      cached = { version, references: this.extractor.extract(key, open.path, open.document.getText(), this.host.resolveOptions()) };
      this.extracted.set(key, cached);
    }
    return cached.references;
  }

  /** Diagnostics of one document (also what the benchmark measures). */
  async diagnose(open: OpenDocument): Promise<Diagnostic[]> {
    if (!open.path) return [];
    const started = performance.now();
    const severities = this.severitiesOf(open.client);
    const diagnostics = (await this.duplicatesIn(open))
      .map((found) => toDiagnostic(found, this.host, severities))
      .filter((d): d is Diagnostic => d !== undefined);
    this.lastDiagnosticsMs.set(open.document.uri, performance.now() - started);
    return diagnostics;
  }

  /**
   * Coalesces bursts of keystrokes: one computation per document per turn of the event loop; a result for a
   * version the editor has already replaced is not published (the newer one follows).
   */
  private schedule(open: OpenDocument): void {
    const key = `${open.client}\n${open.document.uri}`;
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setImmediate(() => {
      this.scheduled.delete(key);
      const current = this.documents.get(open.document.uri, open.client);
      if (!current) return;
      const version = current.document.version;
      this.diagnose(current).then(
        (diagnostics) => {
          if (this.documents.get(current.document.uri, current.client)?.document.version !== version) return;
          this.notify('textDocument/publishDiagnostics', { uri: current.document.uri, version, diagnostics }, current.client);
        },
        (error: unknown) =>
          this.log(
            `diagnostics of ${current.document.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          ),
      );
    });
  }

  /** After the groups changed (an image added on disk, a config edit): every open document again. */
  refreshAll(): void {
    for (const open of this.documents.all()) this.schedule(open);
  }

  private async executeCommand(params: Received, context: CallContext): Promise<unknown> {
    const args: unknown[] = Array.isArray(params.arguments) ? params.arguments : [];
    switch (params.command) {
      case IGNORE_COMMAND: {
        const paths = args.filter((a): a is string => typeof a === 'string');
        if (paths.length === 0)
          throw new RpcError(RpcErrorCodes.InvalidParams, `${IGNORE_COMMAND}: expected one or more file paths as arguments`);
        return this.host.ignore(paths);
      }
      case REPLACE_EVERYWHERE_COMMAND: {
        const target = args[0];
        if (typeof target !== 'string')
          throw new RpcError(
            RpcErrorCodes.InvalidParams,
            `${REPLACE_EVERYWHERE_COMMAND}: expected an image path (absolute or file: URI) as the first argument`,
          );
        const file = target.startsWith('file:') ? fileURLToPath(target) : target;
        const result = await replaceEverywhereEdit(file, this.host, this.documents, (open) => this.duplicatesIn(open), context.client);
        if (!result) throw new RpcError(RpcErrorCodes.NotFound, `${target} is not a duplicate of another file`);
        return { edit: result.edit, references: result.references, deletes: result.deletes, uri: pathToFileURL(file).href };
      }
      default:
        throw new RpcError(RpcErrorCodes.MethodNotFound, `unknown command ${String(params.command)}`);
    }
  }
}
