/**
 * The editor side of the daemon: the LSP subset (document sync, pushed diagnostics, code actions, hover,
 * commands) as handlers on the same endpoint as `doublon/*`. Documents and settings are per connection;
 * diagnostics go to the connection that opened the document.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, TextDocumentSyncKind, type CodeActionParams, type DidChangeTextDocumentParams, type DidCloseTextDocumentParams,
  type DidOpenTextDocumentParams, type ExecuteCommandParams, type HoverParams, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver-protocol';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { CAPABILITIES, PROTOCOL_VERSION } from '../../protocol/methods';
import type { CallContext } from '../server/endpoint';
import { codeActions, FIX_ALL_KIND, IGNORE_COMMAND, REPLACE_EVERYWHERE_COMMAND, replaceEverywhereEdit } from './actions';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { DEFAULT_SEVERITIES, duplicateReferences, severitiesFrom, toDiagnostic, type Severities } from './diagnostics';
import { OpenDocuments, type OpenDocument } from './documents';
import type { LspHost } from './host';
import { hover } from './hover';

export type Notify = (method: string, params: unknown, client?: string) => void;
type Handler = (params: Record<string, unknown>, context: CallContext) => Promise<unknown> | unknown;

export class LspFeatures {
  readonly documents = new OpenDocuments();
  private readonly severities = new Map<string, Severities>();
  private readonly scheduled = new Set<string>();
  /** Milliseconds the last diagnostics computation took, per document (for the benchmark and the log). */
  readonly lastDiagnosticsMs = new Map<string, number>();

  constructor(private readonly host: LspHost, private readonly notify: Notify, private readonly version: string) {}

  handlers(): Record<string, Handler> {
    return {
      initialize: (p, context) => this.initialize(p as unknown as InitializeParams, context),
      initialized: () => undefined,
      shutdown: () => null,
      exit: () => undefined,
      '$/setTrace': () => undefined,
      '$/cancelRequest': () => undefined,
      'workspace/didChangeConfiguration': () => undefined,
      'workspace/didChangeWatchedFiles': () => undefined,
      'textDocument/didOpen': (p, context) => this.didOpen(p as unknown as DidOpenTextDocumentParams, context),
      'textDocument/didChange': (p) => this.didChange(p as unknown as DidChangeTextDocumentParams),
      'textDocument/didClose': (p, context) => this.didClose(p as unknown as DidCloseTextDocumentParams, context),
      'textDocument/didSave': () => undefined,
      'textDocument/codeAction': (p, context) => codeActions(p as unknown as CodeActionParams, this.host, this.documents, this.severitiesOf(context.client)),
      'textDocument/hover': (p) => hover(p as unknown as HoverParams, this.host, this.documents),
      'workspace/executeCommand': (p) => this.executeCommand(p as unknown as ExecuteCommandParams),
    };
  }

  private initialize(params: InitializeParams, context: CallContext): InitializeResult {
    const options = (params.initializationOptions ?? {}) as { severity?: unknown };
    this.severities.set(context.client, severitiesFrom(options.severity));
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

  private severitiesOf(client: string): Severities {
    return this.severities.get(client) ?? DEFAULT_SEVERITIES;
  }

  private didOpen(params: DidOpenTextDocumentParams, context: CallContext): void {
    const { uri, languageId, version, text } = params.textDocument;
    this.documents.open(uri, languageId, version, text, context.client);
    this.schedule(uri);
  }

  private didChange(params: DidChangeTextDocumentParams): void {
    if (this.documents.change(params.textDocument.uri, params.textDocument.version, params.contentChanges)) this.schedule(params.textDocument.uri);
  }

  private didClose(params: DidCloseTextDocumentParams, context: CallContext): void {
    this.documents.close(params.textDocument.uri);
    // Closed documents keep no diagnostics of ours (the CLI's check covers files on disk).
    this.notify('textDocument/publishDiagnostics', { uri: params.textDocument.uri, diagnostics: [] }, context.client);
  }

  disconnected(client: string): void {
    this.documents.closeClient(client);
    this.severities.delete(client);
  }

  /** Diagnostics of one document, now (synchronous: extraction is fast; used by the benchmark too). */
  diagnose(open: OpenDocument): Diagnostic[] {
    if (!open.path) return [];
    const started = performance.now();
    const severities = this.severitiesOf(open.client);
    const diagnostics = duplicateReferences(open.path, open.document.getText(), this.host)
      .map((found) => toDiagnostic(found, this.host, severities))
      .filter((d): d is Diagnostic => d !== undefined);
    this.lastDiagnosticsMs.set(open.document.uri, performance.now() - started);
    return diagnostics;
  }

  /** Coalesces bursts of keystrokes: one computation per document per turn of the event loop. */
  private schedule(uri: string): void {
    if (this.scheduled.has(uri)) return;
    this.scheduled.add(uri);
    setImmediate(() => {
      this.scheduled.delete(uri);
      const open = this.documents.get(uri);
      if (!open) return;
      this.notify('textDocument/publishDiagnostics', { uri, version: open.document.version, diagnostics: this.diagnose(open) }, open.client);
    });
  }

  /** After the groups changed (an image added on disk, a config edit): every open document again. */
  refreshAll(): void {
    for (const open of this.documents.all()) this.schedule(open.document.uri);
  }

  private async executeCommand(params: ExecuteCommandParams): Promise<unknown> {
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
        const result = replaceEverywhereEdit(file, this.host, this.documents);
        if (!result) throw new RpcError(RpcErrorCodes.NotFound, `${target} is not a duplicate of another file`);
        return { edit: result.edit, references: result.references, deletes: result.deletes, uri: pathToFileURL(file).href };
      }
      default:
        throw new RpcError(RpcErrorCodes.MethodNotFound, `unknown command ${params.command}`);
    }
  }
}
