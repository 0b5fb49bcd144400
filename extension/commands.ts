/** Commands of the status bar, the palette and the Duplicates view. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import type { ReportGroup, ReportMember } from '../protocol/report';
import type { Ctx } from './ctx';
import type { DuplicateNode } from './tree';
import { replaceGroupEdits } from './tree-model';
import { countEdits, mergeWorkspaceEdits, type LspWorkspaceEdit } from './edits';

function memberOf(node: DuplicateNode | undefined): { group: ReportGroup; member: ReportMember } | undefined {
  return node?.kind === 'member' ? node : undefined;
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  const needApi = () => {
    const api = ctx.api;
    if (!api) throw new Error('the daemon is not connected (see the Doublon log)');
    return api;
  };
  const absolute = (p: string): string => path.resolve(ctx.root ?? '', p);
  const guarded = (name: string, run: (...args: never[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(name, async (...args: never[]) => {
      try {
        await run(...args);
      } catch (error) {
        const message = (error as Error).message;
        ctx.log.error(`${name}: ${message}`);
        void vscode.window.showErrorMessage(`Doublon: ${message}`, 'Show Log').then((c) => c && ctx.log.show());
      }
    });

  return [
    guarded('doublon.showLog', () => ctx.log.show()),
    guarded('doublon.restartDaemon', () => ctx.restart('asked by the user', true)),
    guarded('doublon.stopDaemon', () => ctx.stop(true)),
    guarded('doublon.refresh', () => ctx.refreshGroups()),
    guarded('doublon.focusView', () => vscode.commands.executeCommand('doublon.duplicates.focus')),
    guarded('doublon.rescan', async () => {
      const result = await needApi().rescan();
      ctx.log.info(`rescan done: ${result.files} images`);
    }),
    guarded('doublon.openDashboard', async () => {
      const info = ctx.daemonInfo;
      if (!info) throw new Error('the daemon is not connected (see the Doublon log)');
      const local = vscode.Uri.parse(`http://127.0.0.1:${info.port}/?token=${info.token}`, true);
      // In a remote window the port is forwarded; locally this is the same address.
      await vscode.env.openExternal(await vscode.env.asExternalUri(local));
    }),
    guarded('doublon.openFile', async (node: DuplicateNode) => {
      const m = memberOf(node);
      if (m) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(absolute(m.member.path)));
    }),
    guarded('doublon.revealInExplorer', async (node: DuplicateNode) => {
      const m = memberOf(node);
      if (m) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(absolute(m.member.path)));
    }),
    guarded('doublon.setCanonical', async (node: DuplicateNode) => {
      const m = memberOf(node);
      if (!m) return;
      const group = await needApi().setCanonical(absolute(m.member.path));
      ctx.log.info(`canonical of group ${group.id} is now ${group.canonical}`);
      await ctx.refreshGroups();
    }),
    guarded('doublon.ignoreGroup', async (node: DuplicateNode) => {
      if (node?.kind !== 'group') return;
      const paths = node.group.members.map((m) => absolute(m.path));
      const choice = await vscode.window.showWarningMessage(
        `Declare the ${paths.length} files of this group distinct? This adds an ignore entry to doublon.config.json.`,
        { modal: true },
        'Ignore',
      );
      if (choice !== 'Ignore') return;
      await needApi().ignore(paths);
      await ctx.refreshGroups();
    }),
    guarded('doublon.ignoreFile', async (node: DuplicateNode) => {
      const m = memberOf(node);
      if (!m) return;
      await needApi().ignore([absolute(m.member.path)]);
      await ctx.refreshGroups();
    }),
    guarded('doublon.replaceGroup', async (node: DuplicateNode) => {
      if (node?.kind !== 'group' || !ctx.root) return;
      if (ctx.client) await replaceGroupWithDaemon(ctx, node.group, ctx.root);
      else await replaceGroup(ctx, node.group, ctx.root);
    }),
  ];
}

/**
 * The daemon's "replace everywhere" (its `doublon.replaceEverywhere` command: exact reference ranges, open
 * documents as the editor holds them) for every copy of the group, merged into one workspace edit.
 */
async function replaceGroupWithDaemon(ctx: Ctx, group: ReportGroup, root: string): Promise<void> {
  const client = ctx.client!;
  const parts: LspWorkspaceEdit[] = [];
  for (const member of group.members) {
    if (member.path === group.canonical) continue;
    try {
      // LSP types a command's result as any: this command's is the daemon's replaceEverywhere (daemon/lsp/server.ts).
      const result: { edit: LspWorkspaceEdit } | null = await client.sendRequest(ExecuteCommandRequest.type, {
        command: 'doublon.replaceEverywhere',
        arguments: [path.resolve(root, member.path)],
      });
      if (result?.edit) parts.push(result.edit);
    } catch (error) {
      ctx.log.warn(`replace everywhere ${member.path}: ${(error as Error).message}`);
    }
  }
  const merged = mergeWorkspaceEdits(parts);
  const { references, deletions } = countEdits(merged);
  if (references === 0 && deletions.length === 0) {
    void vscode.window.showInformationMessage('Doublon: nothing to replace in this group.');
    return;
  }
  const names = deletions.map((u) => path.relative(root, vscode.Uri.parse(u).fsPath));
  const choice = await vscode.window.showWarningMessage(
    `Replace ${references} reference${references === 1 ? '' : 's'} with ${group.canonical}${names.length ? ` and delete ${names.join(', ')}` : ''}?`,
    { modal: true },
    'Replace',
  );
  if (choice !== 'Replace') return;
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(merged);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit (a file changed meanwhile?)');
  await vscode.workspace.saveAll(false);
  ctx.log.info(`replaced ${references} references in group ${group.id}; deleted ${names.length} copies`);
}

/**
 * Without the daemon's LSP side: points every reference to the group's copies at the canonical (from the
 * group's `referencedFrom`) and deletes the copies no longer referenced, as one workspace edit (undoable with Undo in the editor / the Refactor Preview).
 */
async function replaceGroup(ctx: Ctx, group: ReportGroup, root: string): Promise<void> {
  const documents = new Map<string, string[]>();
  const lineOf = (source: string, line: number): string | undefined => {
    const file = path.resolve(root, source);
    let lines = documents.get(file);
    if (!lines) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
      try {
        lines = (open ? open.getText() : fs.readFileSync(file, 'utf8')).split(/\r?\n/);
      } catch {
        return undefined;
      }
      documents.set(file, lines);
    }
    return lines[line];
  };
  const plan = replaceGroupEdits(group, root, lineOf);
  if (plan.edits.length === 0 && plan.deletions.length === 0) {
    void vscode.window.showInformationMessage(
      `Doublon: nothing to replace in this group${plan.skipped.length ? ` (${plan.skipped.length} references could not be rewritten safely)` : ''}.`,
    );
    return;
  }
  const copies = plan.deletions.map((d) => path.relative(root, d));
  const choice = await vscode.window.showWarningMessage(
    `Replace ${plan.edits.length} reference${plan.edits.length === 1 ? '' : 's'} with ${group.canonical}${copies.length ? ` and delete ${copies.join(', ')}` : ''}?` +
      (plan.skipped.length
        ? ` ${plan.skipped.length} reference${plan.skipped.length === 1 ? '' : 's'} could not be rewritten safely and stay as they are.`
        : ''),
    { modal: true },
    'Replace',
  );
  if (choice !== 'Replace') return;
  const edit = new vscode.WorkspaceEdit();
  for (const e of plan.edits) edit.replace(vscode.Uri.file(e.file), new vscode.Range(e.line, e.start, e.line, e.end), e.newText);
  for (const d of plan.deletions) edit.deleteFile(vscode.Uri.file(d), { ignoreIfNotExists: true });
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) throw new Error('VS Code refused the edit (a file changed meanwhile?)');
  // The daemon sees the edits once they are on disk.
  const touched = [...new Set(plan.edits.map((e) => e.file))];
  await Promise.all(touched.map((f) => vscode.workspace.textDocuments.find((d) => d.uri.fsPath === f)?.save()));
  ctx.log.info(`replaced ${plan.edits.length} references in group ${group.id}; deleted ${copies.length} copies`);
}
