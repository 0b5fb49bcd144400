/** The Duplicates view: groups → members, from the context's GroupStore. */
import * as vscode from 'vscode';
import type { ReportGroup, ReportMember } from '../protocol/report';
import type { Ctx } from './ctx';
import { groupView, memberView, type ItemView } from './tree-model';

export type DuplicateNode = { kind: 'group'; group: ReportGroup } | { kind: 'member'; group: ReportGroup; member: ReportMember };

export class DuplicatesProvider implements vscode.TreeDataProvider<DuplicateNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.onGroupsChanged(() => this.changed.fire());
  }

  getChildren(node?: DuplicateNode): DuplicateNode[] {
    if (!node) return this.ctx.groups.list().map((group) => ({ kind: 'group', group }));
    if (node.kind === 'group') return node.group.members.map((member) => ({ kind: 'member', group: node.group, member }));
    return [];
  }

  getTreeItem(node: DuplicateNode): vscode.TreeItem {
    const root = this.ctx.root ?? '';
    const view = node.kind === 'group' ? groupView(node.group) : memberView(node.group, node.member, root);
    return toTreeItem(view, node);
  }

  getParent(node: DuplicateNode): DuplicateNode | undefined {
    return node.kind === 'member' ? { kind: 'group', group: node.group } : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function toTreeItem(view: ItemView, node: DuplicateNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    view.label,
    node.kind === 'group'
      ? view.collapsed
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.None,
  );
  item.id = node.kind === 'group' ? `group:${node.group.id}` : `member:${node.group.id}:${node.member.path}`;
  item.description = view.description;
  item.tooltip = view.tooltip;
  item.contextValue = view.contextValue;
  item.iconPath = new vscode.ThemeIcon(view.icon);
  if (view.file) {
    item.resourceUri = vscode.Uri.file(view.file);
    item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri, { preview: true }] };
  }
  return item;
}
