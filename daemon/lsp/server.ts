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
  CodeActionKind, ErrorCodes, MessageType, TextDocumentSyncKind, type CodeActionParams, type DidChangeTextDocumentParams, type DidCloseTextDocumentParams,
  type DidOpenTextDocumentParams, type ExecuteCommandParams, type HoverParams, type InitializeParams, type InitializeResult,
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

export type Notify = (method: string, params: unknown, client?: string) => void;
type Handler = (params: Record<string, unknown>, context: CallContext) => Promise<unknown> | unknown;

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

  constructor(private readonly host: LspHost, private readonly notify: Notify, private readonly version: string, options: LspOptions = {}) {
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
    this.documents = new OpenDocuments(options.limits ?? DEFAULT_DOCUMENT_LIMITS);
    this.extractor = new ReferenceExtractor(this.log);
  }

  handlers(): Record<string, Handler> {
    const lsp: Record<string, Handler> = {
      initialize: (p, context) => this.initialize(p as unknown as InitializeParams, context),
      initialized: () => undefined,
      shutdown: (_p, context) => this.shutdown(context),
      exit: (_p, context) => this.disconnected(context.client),
      '$/setTrace': () => undefined,
      '$/cancelRequest': () => undefined,
      'workspace/didChangeConfiguration': (p, context) => this.didChangeConfiguration(p, context),
      'workspace/didChangeWatchedFiles': () => undefined,
      'workspace/didChangeWorkspaceFolders': () => undefined,
      'textDocument/didOpen': (p, context) => this.didOpen(p as unknown as DidOpenTextDocumentParams, context),
      'textDocument/didChange': (p, context) => this.didChange(p as unknown as DidChangeTextDocumentParams, context),
      'textDocument/didClose': (p, context) => this.didClose(p as unknown as DidCloseTextDocumentParams, context),
      'textDocument/didSave': () => undefined,
      'textDocument/codeAction': (p, context) => codeActions(p as unknown as CodeActionParams, this.host, this.documents, (open) => this.duplicatesIn(open), this.severitiesOf(context.client), context.client),
      'textDocument/hover': (p, context) => hover(p as unknown as HoverParams, this.host, this.documents, (open) => this.referencesIn(open), context.client, this.sessions.get(context.client)?.hover),
      'workspace/executeCommand': (p, context) => this.executeCommand(p as unknown as ExecuteCommandParams, context),
    };
    const guarded: Record<string, Handler> = {};
    for (const [method, handler] of Object.entries(lsp)) guarded[method] = (p, context) => this.admit(method, context) ? handler(p, context) : undefined;
    return guarded;
  }

  /** False: drop this notification. Throws the error a request gets. */
  private admit(method: string, context: CallContext): boolean {
    if (context.transport !== 'socket') {
      // One line per 1 000 refusals: a client flooding HTTP with didOpen must not flood the log either.
      if (this.httpRefusals++ % 1000 === 0) this.log(`refused LSP ${method} over HTTP (${this.httpRefusals} so far): LSP needs the socket or \`doublon lsp\``);
      throw new RpcError(RpcErrorCodes.InvalidRequest, `${method}: LSP methods need a connection (the daemon's local socket, or \`doublon lsp\` on stdio); over HTTP use the doublon/* methods`);
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

  private initialize(params: InitializeParams, context: CallContext): InitializeResult {
    if (this.sessions.has(context.client)) throw new RpcError(RpcErrorCodes.InvalidRequest, 'initialize: this connection is already initialized');
    const options = (params.initializationOptions ?? {}) as { severity?: unknown; hover?: unknown };
    this.sessions.set(context.client, { severities: severitiesFrom(options.severity), hover: hoverOptionsFrom(params.capabilities, options.hover), shutdown: false });
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

  private didChangeConfiguration(params: Record<string, unknown>, context: CallContext): void {
    const session = this.sessions.get(context.client);
    const settings = (params.settings ?? {}) as { doublon?: { severity?: unknown; hover?: unknown } };
    if (!session || !settings.doublon) return;
    if (settings.doublon.severity !== undefined) session.severities = severitiesFrom(settings.doublon.severity);
    if (settings.doublon.hover !== undefined) session.hover = hoverOptionsFrom(undefined, settings.doublon.hover, session.hover);
    for (const open of this.documents.all()) if (open.client === context.client) this.schedule(open);
  }

  private severitiesOf(client: string): Severities {
    return this.sessions.get(client)?.severities ?? DEFAULT_SEVERITIES;
  }

  private didOpen(params: DidOpenTextDocumentParams, context: CallContext): void {
    const { uri, languageId, version, text } = params.textDocument ?? {};
    if (typeof uri !== 'string' || typeof text !== 'string') throw new RpcError(RpcErrorCodes.InvalidParams, 'textDocument/didOpen: expected textDocument.uri and textDocument.text as strings');
    this.settle(this.documents.open(uri, String(languageId), Number(version) || 0, text, context.client), true);
  }

  private didChange(params: DidChangeTextDocumentParams, context: CallContext): void {
    const uri = params.textDocument?.uri;
    if (typeof uri !== 'string' || !Array.isArray(params.contentChanges)) throw new RpcError(RpcErrorCodes.InvalidParams, 'textDocument/didChange: expected textDocument.uri and contentChanges');
    const wasRefused = this.documents.isRefused(uri, context.client);
    const outcome = this.documents.change(uri, params.textDocument.version, params.contentChanges, context.client);
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

  private didClose(params: DidCloseTextDocumentParams, context: CallContext): void {
    const uri = params.textDocument?.uri;
    if (typeof uri !== 'string') return;
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
        (error: unknown) => this.log(`diagnostics of ${current.document.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      );
    });
  }

  /** After the groups changed (an image added on disk, a config edit): every open document again. */
  refreshAll(): void {
    for (const open of this.documents.all()) this.schedule(open);
  }

  private async executeCommand(params: ExecuteCommandParams, context: CallContext): Promise<unknown> {
    const args = params.arguments ?? [];
    switch (params.command) {
      case IGNORE_COMMAND: {
        const paths = args.filter((a): a is string => typeof a === 'string');
        if (paths.length === 0) throw new RpcError(RpcErrorCodes.InvalidParams, `${IGNORE_COMMAND}: expected one or more file paths as arguments`);
        return this.host.ignore(paths);
      }
      case REPLACE_EVERYWHERE_COMMAND: {
        const target = args[0];
        if (typeof target !== 'string') throw new RpcError(RpcErrorCodes.InvalidParams, `${REPLACE_EVERYWHERE_COMMAND}: expected an image path (absolute or file: URI) as the first argument`);
        const file = target.startsWith('file:') ? fileURLToPath(target) : target;
        const result = await replaceEverywhereEdit(file, this.host, this.documents, (open) => this.duplicatesIn(open), context.client);
        if (!result) throw new RpcError(RpcErrorCodes.NotFound, `${target} is not a duplicate of another file`);
        return { edit: result.edit, references: result.references, deletes: result.deletes, uri: pathToFileURL(file).href };
      }
      default:
        throw new RpcError(RpcErrorCodes.MethodNotFound, `unknown command ${params.command}`);
    }
  }
}
