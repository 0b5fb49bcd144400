/**
 * `doublon lsp`: an LSP server on stdio for any editor, bridged to the daemon's socket. The bridge waits for
 * `initialize` to learn the workspace (`workspaceFolders`, else `rootUri`, else `rootPath`; roots given on
 * the command line win), starts or finds the daemon of that workspace's index, and from then on passes
 * bytes through unchanged, watching them only to:
 * - answer requests before `initialize` with -32002 (ServerNotInitialized) and drop notifications;
 * - end on `exit` (code 0 after `shutdown`, 1 without, as the specification says), leaving the daemon;
 * - turn the daemon's scan status into `$/progress` (after `window/workDoneProgress/create`) for a client
 *   that declares `window.workDoneProgress`.
 * A daemon the bridge starts exits by itself after an idle period with no client (`--idle-exit`).
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ErrorCodes,
  type InitializeParams,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol';
import { loadConfig, type ResolvedConfig } from '../config/load';
import { ProgressNotification, StatusChangedNotification, type DaemonStatus, type ProgressParams } from '../../protocol/methods';
import type { DaemonInfo } from '../../protocol/discovery';
import { encodeFrame, FrameReader, frameOf, parseFrame, type Frame } from './lsp-frames';

/** Same bound as the daemon's socket: a larger message could not be delivered anyway. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Minutes without any client after which a daemon started by an editor stops. */
export const EDITOR_DAEMON_IDLE_MINUTES = 10;
const BRIDGE_ID = 'doublon-bridge:';

export interface BridgeOptions {
  cwd: string;
  /** Roots given on the command line: they win over the client's workspace. */
  roots: string[];
  configFile?: string;
  indexDir?: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Starts or finds the daemon of a config. */
  ensureDaemon(config: ResolvedConfig, extraArgs: string[]): Promise<{ info: DaemonInfo }>;
  log(line: string): void;
}

function pathOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || !uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The client's workspace folders, most specific source first. */
export function workspaceFoldersOf(params: Partial<InitializeParams>): string[] {
  const folders = Array.isArray(params.workspaceFolders)
    ? params.workspaceFolders.map((f) => pathOf(f?.uri)).filter((p): p is string => p !== undefined)
    : [];
  if (folders.length > 0) return folders;
  const root = pathOf(params.rootUri);
  if (root) return [root];
  return typeof params.rootPath === 'string' && params.rootPath !== '' ? [params.rootPath] : [];
}

/**
 * The config a workspace is served with: one folder, its own (doublon.config.json in it or a parent, else
 * the folder itself as the root); several folders, the first one's config, with every folder it does not
 * already cover added as a root — one daemon, one index (beside the first folder's config, or in it).
 */
export function configForWorkspace(
  folders: string[],
  options: Pick<BridgeOptions, 'cwd' | 'roots' | 'configFile' | 'indexDir'>,
): ResolvedConfig {
  if (options.roots.length > 0 || folders.length === 0) {
    return loadConfig({ cwd: options.cwd, configFile: options.configFile, roots: options.roots, indexDir: options.indexDir });
  }
  // --config and --index are relative to where the bridge runs, not to the workspace.
  const configFile = options.configFile && path.resolve(options.cwd, options.configFile);
  const indexDir = options.indexDir && path.resolve(options.cwd, options.indexDir);
  const first = loadConfig({ cwd: folders[0], configFile, indexDir });
  const covered = (folder: string): boolean =>
    first.roots.some((r) => folder === r || folder.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  const extra = folders.slice(1).filter((f) => !covered(f));
  if (extra.length === 0) return first;
  return loadConfig({ cwd: folders[0], configFile: first.file, roots: [...first.roots, ...extra], indexDir: first.indexDir });
}

type State = 'waiting' | 'connecting' | 'connected' | 'done';

export function runLspBridge(options: BridgeOptions): Promise<number> {
  return new Promise<number>((resolveExit) => {
    let state: State = 'waiting';
    let socket: net.Socket | undefined;
    let shutdownSeen = false;
    const queued: Buffer[] = [];
    const fromClient = new FrameReader(MAX_MESSAGE_BYTES);
    const fromDaemon = new FrameReader(MAX_MESSAGE_BYTES);
    const progress = new ProgressRelay((message) => toClient(encodeFrame(message)));

    const toClient = (bytes: Buffer): void => {
      options.output.write(bytes);
    };
    const finish = (code: number): void => {
      if (state === 'done') return;
      state = 'done';
      options.input.removeListener('data', onInput);
      options.input.pause();
      // Neither stream may keep the process alive: `exit` means exit, whatever the other ends do.
      (options.input as Partial<net.Socket>).unref?.();
      socket?.end();
      socket?.unref();
      resolveExit(code);
    };
    const answerError = (id: unknown, code: number, message: string): void => {
      toClient(encodeFrame({ jsonrpc: '2.0', id, error: { code, message } }));
    };

    const onClientFrame = (frame: Frame): void => {
      const message = parseFrame(frame);
      const method = typeof message?.method === 'string' ? message.method : undefined;
      const isRequest = message !== undefined && 'id' in message && method !== undefined;
      if (method === 'exit') {
        if (state === 'connected') socket!.write(frameOf(frame.body)); // the daemon frees this client's documents
        finish(shutdownSeen ? 0 : 1);
        return;
      }
      if (state === 'waiting') {
        if (method === 'initialize' && isRequest) {
          state = 'connecting';
          void connect(frame, message);
        } else if (isRequest) {
          answerError(message.id, ErrorCodes.ServerNotInitialized, `${method}: the server is not initialized (send initialize first)`);
        }
        return;
      }
      if (message && method === undefined && typeof message.id === 'string' && message.id.startsWith(BRIDGE_ID)) {
        progress.answered(message.id, !('error' in message));
        return; // the client's answer to one of the bridge's own requests
      }
      if (method === 'shutdown') shutdownSeen = true;
      if (method === 'initialized') progress.clientReady();
      if (state === 'connecting') queued.push(frame.body);
      else socket!.write(frameOf(frame.body));
    };

    const onDaemonFrame = (frame: Frame): void => {
      // Parse only what can be a notification of interest: diagnostics can be large and are passed as they are.
      if (frame.body.length < 64 * 1024) {
        const message = parseFrame(frame);
        if (message?.method === StatusChangedNotification.method) progress.status((message.params as DaemonStatus).state);
        else if (message?.method === ProgressNotification.method) progress.report(message.params as ProgressParams);
        else if (message?.id === `${BRIDGE_ID}status`) {
          progress.status((message.result as DaemonStatus | undefined)?.state);
          return;
        }
      }
      toClient(frameOf(frame.body));
    };

    const connect = async (initialize: Frame, message: Record<string, unknown>): Promise<void> => {
      const params = (message.params ?? {}) as Partial<InitializeParams>;
      progress.supported = params.capabilities?.window?.workDoneProgress === true;
      let info: DaemonInfo;
      try {
        const folders = workspaceFoldersOf(params);
        const config = configForWorkspace(folders, options);
        options.log(
          `doublon lsp: workspace ${folders.join(', ') || '(none given)'} → roots ${config.roots.join(', ')}, index ${config.indexDir}`,
        );
        ({ info } = await options.ensureDaemon(config, ['--idle-exit', String(EDITOR_DAEMON_IDLE_MINUTES)]));
        socket = net.connect(info.socket);
        await new Promise<void>((resolve, reject) => socket!.once('connect', resolve).once('error', reject));
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        options.log(`doublon lsp: ${text}`);
        answerError(message.id, ErrorCodes.InternalError, `Doublon cannot serve this workspace: ${text}`);
        state = 'waiting';
        return;
      }
      if (state !== 'connecting') return; // exit arrived meanwhile
      socket.on('data', (chunk: Buffer) => {
        try {
          for (const frame of fromDaemon.push(chunk)) onDaemonFrame(frame);
        } catch (error) {
          options.log(`doublon lsp: bad data from the daemon: ${(error as Error).message}`);
          finish(1);
        }
      });
      socket.on('close', () => finish(shutdownSeen ? 0 : 1));
      socket.on('error', (error) => options.log(`doublon lsp: daemon connection: ${error.message}`));
      state = 'connected';
      socket.write(frameOf(initialize.body));
      for (const body of queued.splice(0)) socket.write(frameOf(body));
      // What the daemon is doing now (a scan may have begun before we connected).
      socket.write(encodeFrame({ jsonrpc: '2.0', id: `${BRIDGE_ID}status`, method: 'doublon/status' }));
    };

    const onInput = (chunk: Buffer | string): void => {
      try {
        for (const frame of fromClient.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) {
          onClientFrame(frame);
          if (state === 'done') return;
        }
      } catch (error) {
        options.log(`doublon lsp: ${(error as Error).message}; closing`);
        finish(1);
      }
    };
    options.input.on('data', onInput);
    options.input.once('end', () => finish(shutdownSeen ? 0 : 1));
  });
}

/** The daemon's scan status as one `$/progress` sequence per scan, for a client that supports it. */
class ProgressRelay {
  supported = false;
  private ready = false;
  private count = 0;
  /** The token being created or in use, and whether the client accepted it. */
  private token: { id: string; created: boolean; ended: boolean; last?: WorkDoneProgressReport } | undefined;
  private scanning = false;

  constructor(private readonly send: (message: unknown) => void) {}

  clientReady(): void {
    this.ready = true;
    if (this.scanning) this.begin();
  }

  status(state: DaemonStatus['state'] | undefined): void {
    this.scanning = state === 'scanning' || state === 'starting';
    if (this.scanning) this.begin();
    else this.end();
  }

  report(params: ProgressParams): void {
    if (!this.token || this.token.ended) return;
    const value: WorkDoneProgressReport = {
      kind: 'report',
      message: `${params.phase} ${params.done}/${params.total}`,
      ...(params.total > 0 ? { percentage: Math.min(100, Math.floor((params.done / params.total) * 100)) } : {}),
    };
    this.token.last = value;
    if (this.token.created) this.send({ jsonrpc: '2.0', method: '$/progress', params: { token: this.token.id, value } });
  }

  answered(id: string, ok: boolean): void {
    const token = this.token;
    if (!token || id !== `${BRIDGE_ID}create-${token.id}`) return;
    if (!ok) {
      this.token = undefined;
      return;
    }
    token.created = true;
    const begin: WorkDoneProgressBegin = {
      kind: 'begin',
      title: 'Doublon: indexing images',
      cancellable: false,
      ...(token.last ? { message: token.last.message, percentage: token.last.percentage } : {}),
    };
    this.send({ jsonrpc: '2.0', method: '$/progress', params: { token: token.id, value: begin } });
    if (token.ended) this.finish(token);
  }

  private begin(): void {
    if (!this.supported || !this.ready || (this.token && !this.token.ended)) return;
    const id = `doublon-scan-${++this.count}`;
    this.token = { id, created: false, ended: false };
    this.send({ jsonrpc: '2.0', id: `${BRIDGE_ID}create-${id}`, method: 'window/workDoneProgress/create', params: { token: id } });
  }

  private end(): void {
    const token = this.token;
    if (!token || token.ended) return;
    token.ended = true;
    if (token.created) this.finish(token);
  }

  private finish(token: { id: string }): void {
    const end: WorkDoneProgressEnd = { kind: 'end', message: 'Doublon: index up to date' };
    this.send({ jsonrpc: '2.0', method: '$/progress', params: { token: token.id, value: end } });
    if (this.token === token) this.token = undefined;
  }
}
