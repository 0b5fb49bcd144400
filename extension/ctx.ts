/* eslint-disable max-lines -- the extension's session: the client, its settings, the status bar and the tree share one lifecycle (activate → dispose). */
/**
 * The one object that owns the daemon connection: start, stop, restart, and two sets of disposables —
 * `extensionSubscriptions` (live as long as the extension) and `connectionSubscriptions` (dropped with each
 * connection). A connection that drops is restarted with back-off and given up after a few tries, with an
 * error that offers Show Log / Restart (never a restart loop).
 */
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  createMessageConnection,
  ErrorAction,
  LanguageClient,
  ResponseError,
  State,
  StreamMessageReader,
  StreamMessageWriter,
  type LanguageClientOptions,
  type MessageConnection,
  type StreamInfo,
} from 'vscode-languageclient/node';
import type { DaemonStatus } from '../protocol/methods';
import { SOURCE_EXTENSIONS } from '../protocol/settings';
import { findRunningDaemon, type DaemonInfo } from '../protocol/discovery';
import { DaemonApi } from './api';
import { describeTarget, ensureDaemon, locateTarget, type DaemonTarget, type Launcher } from './daemon';
import { changeImpact, configOverrides, initializationOptions, readSettings, type ExtensionSettings } from './settings';
import { renderStatus, type ConnectionState } from './status-model';
import { GroupStore } from './tree-model';

/** Back-off between restarts of a lost connection; after the last one, give up. */
const RESTART_DELAYS_MS = [1_000, 3_000, 9_000];
/** Losses further apart than this do not add up. */
const RESTART_WINDOW_MS = 3 * 60_000;
const METHOD_NOT_FOUND = -32601;
/** workspaceState key: 'yes' or 'no', the user's answer to "index this workspace?". */
const CONSENT_KEY = 'doublon.indexingConsent';

interface Connection {
  info: DaemonInfo;
  api: DaemonApi;
  /** Set when the daemon speaks LSP. */
  client?: LanguageClient;
  /** Set otherwise: a plain JSON-RPC connection for `doublon/*` only. */
  plain?: MessageConnection;
}

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly groups = new GroupStore();
  private readonly extensionSubscriptions: vscode.Disposable[] = [];
  private connectionSubscriptions: vscode.Disposable[] = [];
  private readonly statusItem: vscode.StatusBarItem;
  private state: ConnectionState = { kind: 'stopped' };
  private connection: Connection | undefined;
  private target: DaemonTarget | undefined;
  private readonly groupsEmitter = new vscode.EventEmitter<void>();
  /** Fires when the groups (or the root they are relative to) change. */
  readonly onGroupsChanged = this.groupsEmitter.event;
  /** Times of recent connection losses (for the back-off and the give-up). */
  private losses: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  /** Bumped by every start/stop so a late callback of an old connection does nothing. */
  private generation = 0;
  private stopping = false;
  private disposed = false;

  constructor(private readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Doublon', { log: true });
    this.statusItem = vscode.window.createStatusBarItem('doublon.status', vscode.StatusBarAlignment.Left, 0);
    this.statusItem.name = 'Doublon';
    this.extensionSubscriptions.push(this.log, this.statusItem, this.groupsEmitter);
    this.extensionSubscriptions.push(vscode.workspace.onDidChangeConfiguration((event) => void this.onConfigurationChanged(event)));
    this.extensionSubscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart('the workspace is now trusted', false)),
    );
    this.extensionSubscriptions.push(vscode.commands.registerCommand('doublon.allowIndexing', () => this.allowIndexing()));
    this.extensionSubscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.restart('the workspace folders changed', false)),
    );
    this.setState({ kind: 'stopped' });
    this.statusItem.show();
  }

  pushExtensionSubscription(disposable: vscode.Disposable): void {
    this.extensionSubscriptions.push(disposable);
  }

  get api(): DaemonApi | undefined {
    return this.connection?.api;
  }

  /** The LanguageClient, when the daemon speaks LSP. */
  get client(): LanguageClient | undefined {
    return this.connection?.client;
  }

  get daemonInfo(): DaemonInfo | undefined {
    return this.connection?.info;
  }

  /** The folder member paths are relative to (the daemon's first root). */
  get root(): string | undefined {
    return this.connection?.info.roots[0];
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  settings(): ExtensionSettings {
    const config = vscode.workspace.getConfiguration('doublon');
    const trusted = vscode.workspace.isTrusted;
    return readSettings((key) => {
      // Paths that choose what gets executed: in an untrusted workspace only the user's own values count.
      if (!trusted && (key === 'nodePath' || key === 'daemonPath')) return config.inspect(key)?.globalValue;
      return config.get(key);
    });
  }

  private launcher(settings: ExtensionSettings): Launcher {
    const bundled = this.extension.asAbsolutePath(path.join('dist', 'cli.js'));
    return {
      node: settings.nodePath ?? process.execPath,
      env: settings.nodePath ? {} : { ELECTRON_RUN_AS_NODE: '1' },
      cli: settings.daemonPath ?? bundled,
    };
  }

  private folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  }

  /** Every local folder of the workspace (a multi-root workspace is served by one daemon with several roots). */
  private folders(): vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  }

  /**
   * May Doublon index this workspace? Yes with a doublon.config.json (the project asked for it) or a daemon
   * already running for it; otherwise the user is asked once, and the answer is kept for the workspace.
   */
  private async consents(target: DaemonTarget, folder: string): Promise<boolean> {
    if (target.configFile) return true;
    const remembered = this.extension.workspaceState.get<'yes' | 'no'>(CONSENT_KEY);
    if (remembered) return remembered === 'yes';
    if (await findRunningDaemon(target.indexDir)) return true;
    const choice = await vscode.window.showInformationMessage(
      `Doublon: index the images of ${path.basename(folder)} to find duplicates? It has no doublon.config.json; the index goes in ${path.relative(folder, target.indexDir) || '.'}.`,
      'Index',
      'Not Now',
      'Never for This Workspace',
    );
    if (choice === 'Index') await this.extension.workspaceState.update(CONSENT_KEY, 'yes');
    if (choice === 'Never for This Workspace') await this.extension.workspaceState.update(CONSENT_KEY, 'no');
    return choice === 'Index';
  }

  /** The `doublon.allowIndexing` command: consent for this workspace, then start. */
  async allowIndexing(): Promise<void> {
    await this.extension.workspaceState.update(CONSENT_KEY, 'yes');
    await this.restart('indexing allowed by the user', false);
  }

  /** Finds or starts the daemon and connects. Failures are shown with the reason and a way forward. */
  async start(): Promise<void> {
    if (this.disposed) return;
    const generation = ++this.generation;
    this.stopping = false;
    const folder = this.folder();
    if (!folder) {
      this.setState({ kind: 'failed', message: 'open a folder on disk: Doublon indexes local files only' });
      return;
    }
    const settings = this.settings();
    if (!settings.enable) {
      this.setState({ kind: 'failed', message: 'disabled by the doublon.enable setting' });
      return;
    }
    const others = this.folders()
      .filter((f) => f !== folder)
      .map((f) => f.uri.fsPath);
    this.target = { ...locateTarget(folder.uri.fsPath, settings.roots, others), overrides: configOverrides(settings) };
    if (!(await this.consents(this.target, folder.uri.fsPath))) {
      if (generation !== this.generation) return;
      this.log.info(`not indexing ${folder.uri.fsPath}: no doublon.config.json and no consent (run "Doublon: Index This Workspace")`);
      this.setState({ kind: 'failed', message: 'not indexing this workspace: run "Doublon: Index This Workspace" to start' });
      return;
    }
    if (generation !== this.generation) return;
    this.log.info(
      `workspace folder ${folder.uri.fsPath}${others.length ? ` (+ ${others.join(', ')})` : ''}: ${describeTarget(this.target)}`,
    );
    this.setState({ kind: 'starting', detail: this.target.indexDir });
    try {
      const { info, started } = await ensureDaemon(this.target, this.launcher(settings), (line) => this.log.info(line));
      if (generation !== this.generation) return;
      this.log.info(
        `${started ? 'started' : 'found'} daemon ${info.version}, pid ${info.pid}, socket ${info.socket}, http://127.0.0.1:${info.port}`,
      );
      await this.connect(info, settings, generation);
    } catch (error) {
      if (generation !== this.generation) return;
      await this.onStartFailed(error);
    }
  }

  private async connect(info: DaemonInfo, settings: ExtensionSettings, generation: number): Promise<void> {
    let connection: Connection;
    const client = this.createClient(info, settings, generation);
    try {
      await client.start();
      connection = { info, client, api: new DaemonApi(client) };
      this.log.info('connected over LSP');
    } catch (error) {
      await client.dispose().catch(() => undefined);
      if (!(error instanceof ResponseError && error.code === METHOD_NOT_FOUND)) throw error;
      // A daemon without its LSP side yet: the view and the status bar still work over plain JSON-RPC.
      this.log.warn(
        `the daemon does not answer \`initialize\` (${error.message}): no diagnostics; the Duplicates view and the status bar work`,
      );
      const plain = await this.createPlainConnection(info, generation);
      connection = { info, plain, api: new DaemonApi(plain) };
    }
    if (generation !== this.generation) {
      await this.disposeConnection(connection);
      return;
    }
    this.connection = connection;
    const api = connection.api;
    this.connectionSubscriptions.push(
      api.onStatusChanged((status) => this.onStatus(status)),
      api.onProgress((p) => {
        if (this.state.kind === 'connected' && this.state.status.state !== 'idle') {
          this.onStatus({ ...this.state.status, progress: { done: p.done, total: p.total } });
        }
      }),
      api.onGroupsChanged((delta) => {
        if (this.groups.apply(delta)) this.groupsEmitter.fire();
        else void this.refreshGroups();
      }),
    );
    this.onStatus(await api.status());
    await this.refreshGroups();
  }

  private createClient(info: DaemonInfo, settings: ExtensionSettings, generation: number): LanguageClient {
    const serverOptions = (): Promise<StreamInfo> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(info.socket);
        socket.once('connect', () => resolve({ reader: socket, writer: socket }));
        socket.once('error', reject);
      });
    const folder = this.folder();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', pattern: `**/*.{${SOURCE_EXTENSIONS.join(',')}}` }],
      // One folder: this client is that folder's. Several: none, so initialize names every workspace folder.
      workspaceFolder: this.folders().length > 1 ? undefined : folder,
      outputChannel: this.log,
      initializationOptions: initializationOptions(settings),
      initializationFailedHandler: () => false,
      connectionOptions: { maxRestartCount: 0 },
      errorHandler: {
        error: (error, _message, count) => {
          this.log.error(`connection error: ${error.message}`);
          return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
        },
        closed: () => {
          this.onConnectionLost('the connection closed', generation);
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    return new LanguageClient('doublon', 'Doublon', serverOptions, clientOptions);
  }

  private async createPlainConnection(info: DaemonInfo, generation: number): Promise<MessageConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(info.socket);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
    connection.onClose(() => this.onConnectionLost('the connection closed', generation));
    connection.onError(([error]) => this.log.error(`connection error: ${error.message}`));
    connection.listen();
    return connection;
  }

  private onStatus(status: DaemonStatus): void {
    const info = this.connection?.info;
    this.setState({
      kind: 'connected',
      status,
      lsp: this.connection?.client !== undefined,
      ...(info ? { dashboard: `http://127.0.0.1:${info.port}/?token=${info.token}` } : {}),
    });
  }

  async refreshGroups(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      this.groups.reset(await api.allGroups());
    } catch (error) {
      this.log.error(`cannot fetch the groups: ${(error as Error).message}`);
      return;
    }
    this.groupsEmitter.fire();
  }

  private onConnectionLost(reason: string, generation: number): void {
    if (generation !== this.generation || this.stopping || this.disposed) return;
    this.generation++;
    const lost = this.connection;
    this.connection = undefined;
    this.dropConnectionSubscriptions();
    if (lost) void this.disposeConnection(lost);
    const now = Date.now();
    this.losses = [...this.losses.filter((t) => now - t < RESTART_WINDOW_MS), now];
    const attempt = this.losses.length;
    if (attempt > RESTART_DELAYS_MS.length) {
      this.losses = [];
      this.giveUp(
        `the daemon connection was lost ${RESTART_DELAYS_MS.length + 1} times in ${RESTART_WINDOW_MS / 60_000} minutes (${reason})`,
      );
      return;
    }
    const delay = RESTART_DELAYS_MS[attempt - 1];
    this.log.warn(`${reason}; restarting in ${delay / 1000} s (try ${attempt} of ${RESTART_DELAYS_MS.length})`);
    this.setState({ kind: 'restarting', attempt, of: RESTART_DELAYS_MS.length, reason });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.start();
    }, delay);
  }

  private async onStartFailed(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(`cannot start: ${message}`);
    this.connection = undefined;
    this.dropConnectionSubscriptions();
    if (this.losses.length > 0 && this.losses.length <= RESTART_DELAYS_MS.length) {
      // A restart after a loss failed: that counts as another loss (back-off continues, then gives up).
      const generation = this.generation;
      this.onConnectionLost(message.split('\n')[0], generation);
      return;
    }
    this.giveUp(message);
  }

  private giveUp(message: string): void {
    this.setState({ kind: 'failed', message: message.split('\n')[0] });
    this.log.error(message);
    void vscode.window.showErrorMessage(`Doublon: ${message.split('\n')[0]}`, 'Show Log', 'Restart').then((choice) => {
      if (choice === 'Show Log') this.log.show();
      if (choice === 'Restart') void this.restart('asked by the user', true);
    });
  }

  /** Drops the connection; with `shutdownDaemon`, also stops the daemon (it outlives VS Code otherwise). */
  async stop(shutdownDaemon: boolean): Promise<void> {
    this.stopping = true;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const connection = this.connection;
    this.connection = undefined;
    this.dropConnectionSubscriptions();
    if (connection && shutdownDaemon) {
      this.log.info(`stopping daemon pid ${connection.info.pid}`);
      await connection.api.shutdown().catch((error: Error) => this.log.warn(`shutdown: ${error.message}`));
      await waitForExit(connection.info.pid, 15_000);
    }
    if (connection) await this.disposeConnection(connection);
    this.groups.clear();
    this.groupsEmitter.fire();
    this.setState({ kind: 'stopped' });
  }

  async restart(reason: string, restartDaemon: boolean): Promise<void> {
    this.log.info(`restarting (${reason})${restartDaemon ? ', daemon included' : ''}`);
    this.losses = [];
    await this.stop(restartDaemon);
    await this.start();
  }

  private async onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    const { impact, settings } = changeImpact((s) => event.affectsConfiguration(s));
    if (impact === 'reconnect') {
      await this.restart(`${settings.join(', ')} changed`, false);
    } else if (impact === 'restartDaemon') {
      const choice = await vscode.window.showInformationMessage(
        `Doublon: ${settings.join(', ')} changed. The daemon reads ${settings.length === 1 ? 'it' : 'them'} when it starts: restart it now?`,
        'Restart Daemon',
      );
      if (choice === 'Restart Daemon') await this.restart(`${settings.join(', ')} changed`, true);
    }
  }

  private async disposeConnection(connection: Connection): Promise<void> {
    try {
      if (connection.client && connection.client.state !== State.Stopped) await connection.client.dispose(2_000);
      connection.plain?.dispose();
    } catch (error) {
      this.log.warn(`closing the connection: ${(error as Error).message}`);
    }
  }

  private dropConnectionSubscriptions(): void {
    for (const d of this.connectionSubscriptions.splice(0)) d.dispose();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    const view = renderStatus(state);
    this.statusItem.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = { enabledCommands: ['doublon.showLog', 'doublon.restartDaemon', 'doublon.openDashboard'] };
    this.statusItem.tooltip = tooltip;
    this.statusItem.command = view.command;
    this.statusItem.backgroundColor =
      view.level === 'normal'
        ? undefined
        : new vscode.ThemeColor(view.level === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    this.statusItem.accessibilityInformation = { label: `Doublon: ${view.text.replace(/\$\([^)]*\)\s*/g, '')}` };
    void vscode.commands.executeCommand('setContext', 'doublon.connected', state.kind === 'connected');
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop(false);
    for (const d of this.extensionSubscriptions.splice(0)) d.dispose();
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 25; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
