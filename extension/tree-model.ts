/**
 * The Duplicates view's model: the groups (kept current from `doublon/groupsChanged` deltas) and how each
 * group and member is shown. No `vscode` import: unit-tested in plain mocha; tree.ts turns views into items.
 */
import * as path from 'node:path';
import type { GroupsChangedParams, GroupsResult } from '../protocol/methods';
import type { ReportGroup, ReportLocation, ReportMember } from '../protocol/report';
import { formatBytes } from './status-model';

export class GroupStore {
  private groups = new Map<string, ReportGroup>();
  private clockValue = -1;

  get clock(): number {
    return this.clockValue;
  }

  /** Replaces everything (a full `doublon/groups` answer). */
  reset(result: Pick<GroupsResult, 'clock' | 'groups'>): void {
    this.groups = new Map(result.groups.map((g) => [g.id, g]));
    this.clockValue = result.clock;
  }

  /**
   * Applies a delta. Returns false when it does not follow on from what we hold (a missed notification):
   * the caller then fetches everything again.
   */
  apply(delta: GroupsChangedParams): boolean {
    if (delta.clock <= this.clockValue) return true; // already seen (the full fetch was newer)
    if (delta.since !== this.clockValue) return false;
    for (const id of delta.removed) this.groups.delete(id);
    for (const g of delta.changed) this.groups.set(g.id, g);
    this.clockValue = delta.clock;
    return true;
  }

  clear(): void {
    this.groups.clear();
    this.clockValue = -1;
  }

  get size(): number {
    return this.groups.size;
  }

  get(id: string): ReportGroup | undefined {
    return this.groups.get(id);
  }

  /** Largest savings first, then by canonical path: a stable order. */
  list(): ReportGroup[] {
    return [...this.groups.values()].sort((a, b) => b.bytesReclaimable - a.bytesReclaimable || a.canonical.localeCompare(b.canonical));
  }
}

export interface ItemView {
  label: string;
  description: string;
  tooltip: string;
  /** For `when` clauses of the context menu: `doublonGroup`, `doublonMember`, `doublonCanonical`. */
  contextValue: string;
  /** A codicon id. */
  icon: string;
  collapsed: boolean;
  /** The absolute file the item stands for (members). */
  file?: string;
}

function referencesOf(member: ReportMember): number {
  return member.references ?? member.referencedFrom?.length ?? 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function similarityText(member: ReportMember): string {
  return member.class === 'near' ? `${(member.similarity * 100).toFixed(1).replace(/\.0$/, '')}%` : '';
}

export function groupView(group: ReportGroup): ItemView {
  const copies = group.members.length - 1;
  const refs = group.members.reduce((sum, m) => sum + referencesOf(m), 0);
  return {
    label: path.posix.basename(group.canonical),
    description: `${group.class} · ${plural(copies, 'copy', 'copies')} · ${formatBytes(group.bytesReclaimable)} reclaimable · ${plural(refs, 'reference')}`,
    tooltip: `${group.canonical}\n${group.class} duplicates, canonical chosen by rule "${group.rule}"\n${group.members.length} files, ${formatBytes(group.bytesReclaimable)} reclaimable, ${plural(refs, 'reference')}`,
    contextValue: 'doublonGroup',
    icon: group.class === 'near' ? 'files' : 'copy',
    collapsed: false,
  };
}

/** `root`: the daemon's first root (member paths are relative to it). */
export function memberView(group: ReportGroup, member: ReportMember, root: string): ItemView {
  const canonical = member.path === group.canonical;
  const refs = referencesOf(member);
  const parts = [
    canonical ? 'canonical' : member.class,
    ...(canonical ? [] : [similarityText(member)].filter(Boolean)),
    `${member.width}×${member.height}`,
    formatBytes(member.bytes),
    plural(refs, 'ref'),
  ];
  return {
    label: member.path,
    description: parts.join(' · '),
    tooltip: canonical
      ? `${member.path}\nThe canonical copy (rule "${group.rule}"): keep this one.`
      : `${member.path}\n${member.class} copy of ${group.canonical}${member.class === 'near' ? ` (similarity ${similarityText(member)})` : ''}\n${plural(refs, 'reference')}`,
    contextValue: canonical ? 'doublonCanonical' : 'doublonMember',
    icon: canonical ? 'star-full' : 'file-media',
    collapsed: false,
    file: path.resolve(root, member.path),
  };
}

/** A text replacement in a file (0-based line and character, LSP style). */
export interface ReferenceEdit {
  file: string;
  line: number;
  start: number;
  end: number;
  newText: string;
}

/** The reference text starting at `character` on `lineText`: up to a quote, bracket, space, `?` or `#`. */
export function referenceTokenAt(lineText: string, character: number): string {
  const rest = lineText.slice(character);
  const match = /^[^\s"'`()<>?#,;]+/.exec(rest);
  return match ? match[0] : '';
}

/**
 * How a reference to `memberPath` written as `token` in `sourcePath` must read to point at `canonicalPath`
 * (all three relative to the same root), keeping the style: root-relative (`/img/a.png`, its web root
 * inferred from how the old token resolved), `./`-relative or plain relative. Undefined when the token
 * does not end with the member's path (cannot tell how it resolves).
 */
export function rewriteReference(token: string, sourcePath: string, memberPath: string, canonicalPath: string): string | undefined {
  const decoded = safeDecode(token);
  if (decoded.startsWith('/')) {
    const suffix = decoded.slice(1);
    if (memberPath !== suffix && !memberPath.endsWith(`/${suffix}`)) return undefined;
    const webRoot = memberPath.slice(0, memberPath.length - suffix.length).replace(/\/$/, '');
    const rel = webRoot ? path.posix.relative(webRoot, canonicalPath) : canonicalPath;
    if (rel.startsWith('..')) return undefined; // the canonical is outside that web root: not reachable as /…
    return `/${encodePath(rel)}`;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(decoded)) return undefined; // http:, data:, …
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(sourcePath), decoded));
  if (resolved !== memberPath) return undefined;
  let rel = path.posix.relative(path.posix.dirname(sourcePath), canonicalPath);
  if (decoded.startsWith('./') && !rel.startsWith('../')) rel = `./${rel}`;
  return encodePath(rel);
}

function safeDecode(token: string): string {
  try {
    return decodeURI(token);
  } catch {
    return token;
  }
}

function encodePath(p: string): string {
  return encodeURI(p);
}

/**
 * The edits that make every reference to the group's copies point at the canonical. `lineOf` gives the
 * current text of a line of a source file (relative path); locations whose text does not resolve to the
 * copy are reported in `skipped` rather than guessed.
 */
export function replaceGroupEdits(
  group: ReportGroup,
  root: string,
  lineOf: (sourcePath: string, line: number) => string | undefined,
): { edits: ReferenceEdit[]; deletions: string[]; skipped: ReportLocation[] } {
  const edits: ReferenceEdit[] = [];
  const skipped: ReportLocation[] = [];
  const deletions: string[] = [];
  for (const member of group.members) {
    if (member.path === group.canonical) continue;
    let allRewritten = true;
    for (const location of member.referencedFrom ?? []) {
      const text = lineOf(location.path, location.line);
      const token = text === undefined ? '' : referenceTokenAt(text, location.character);
      const newText = token ? rewriteReference(token, location.path, member.path, group.canonical) : undefined;
      if (newText === undefined) {
        skipped.push(location);
        allRewritten = false;
        continue;
      }
      edits.push({
        file: path.resolve(root, location.path),
        line: location.line,
        start: location.character,
        end: location.character + token.length,
        newText,
      });
    }
    // A copy still referenced somewhere we could not rewrite is kept.
    if (allRewritten && (member.referencedFrom !== undefined || (member.references ?? 0) === 0))
      deletions.push(path.resolve(root, member.path));
  }
  return { edits, deletions, skipped };
}
