/** Entry point: creates the context (which owns the daemon connection), the view and the commands. */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { DuplicatesProvider } from './tree';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(context);
  const provider = new DuplicatesProvider(ctx);
  const view = vscode.window.createTreeView('doublon.duplicates', { treeDataProvider: provider, showCollapseAll: true });
  const update = (): void => {
    const n = ctx?.groups.size ?? 0;
    view.badge = n > 0 ? { value: n, tooltip: `${n} group${n === 1 ? '' : 's'} of duplicate images` } : undefined;
    view.message =
      ctx?.currentState.kind === 'connected'
        ? n === 0
          ? 'No duplicate images found.'
          : undefined
        : 'The Doublon daemon is not connected: see the status bar.';
  };
  ctx.pushExtensionSubscription(ctx.onGroupsChanged(update));
  for (const d of [provider, view, ...registerCommands(ctx)]) ctx.pushExtensionSubscription(d);
  context.subscriptions.push({ dispose: () => void ctx?.dispose() });
  update();
  // Not awaited: activation must not wait for a first scan; failures land in the status bar and a message.
  void ctx.start().then(update, (error: unknown) => {
    ctx?.log.error(`activation failed: ${(error as Error).stack ?? String(error)}`);
    void vscode.window
      .showErrorMessage(`Doublon could not start: ${(error as Error).message}`, 'Show Log')
      .then((c) => c && ctx?.log.show());
  });
}

export async function deactivate(): Promise<void> {
  const current = ctx;
  ctx = undefined;
  await current?.dispose();
}
