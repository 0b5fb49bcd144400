/**
 * Code actions: "Use canonical" (one reference), "Replace every reference to this copy" (a workspace edit
 * across files plus deleting the copy, which VS Code can undo), "Ignore this duplicate" (a command), and
 * `source.fixAll.doublon` (every exact/pixel reference in the document).
 */
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Command,
  type Range,
  type TextDocumentEdit,
  type TextEdit,
  type WorkspaceEdit,
  type DeleteFile,
  type Diagnostic,
} from 'vscode-languageserver-protocol';
import { rewriteReference } from '../refs';
import type { OpenDocuments } from './documents';
import { toDiagnostic, type DuplicateReference, type Severities } from './diagnostics';
import type { OpenDocument } from './documents';
import type { LspHost } from './host';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.doublon`;
export const IGNORE_COMMAND = 'doublon.ignore';
export const REPLACE_EVERYWHERE_COMMAND = 'doublon.replaceEverywhere';

function overlaps(a: Range, b: Range): boolean {
  const before = (x: { line: number; character: number }, y: { line: number; character: number }): boolean =>
    x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function wants(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
}

/** The edit that points one reference at the canonical, in the author's style. */
function canonicalEdit(source: string, found: DuplicateReference, host: LspHost): TextEdit {
  return {
    range: found.reference.range,
    newText: rewriteReference(source, found.reference.text, found.membership.group.canonical.path, host.resolveOptions()),
  };
}

/**
 * Every reference to `target` across the workspace rewritten to the canonical, and the copy deleted when
 * nothing else would still point at it. Open documents are edited as the editor holds them.
 */
/** The duplicate references of an open document (read off the main thread, cached per version). */
export type DuplicatesIn = (open: OpenDocument) => Promise<DuplicateReference[]>;

export async function replaceEverywhereEdit(
  target: string,
  host: LspHost,
  documents: OpenDocuments,
  duplicatesIn: DuplicatesIn,
  client: string,
): Promise<{ edit: WorkspaceEdit; references: number; deletes: boolean } | undefined> {
  const membership = host.membership(target);
  if (!membership || membership.member.image === membership.group.canonical || membership.member.variant) return undefined;
  const changes: Array<TextDocumentEdit | DeleteFile> = [];
  const sources = new Set(host.referencesTo(target).map((r) => r.source));
  for (const doc of documents.all()) if (doc.path && doc.client === client) sources.add(doc.path);
  let references = 0;
  for (const source of sources) {
    const open = documents.byPath(source, client);
    let edits: TextEdit[];
    if (open) {
      edits = (await duplicatesIn(open)).filter((f) => f.target === target).map((f) => canonicalEdit(source, f, host));
    } else {
      const canonical = membership.group.canonical.path;
      edits = host
        .referencesTo(target)
        .filter((r) => r.source === source)
        .map((r) => ({
          range: r.range,
          newText: rewriteReference(source, r.text, canonical, host.resolveOptions()),
        }));
    }
    if (edits.length === 0) continue;
    references += edits.length;
    changes.push({
      textDocument: { uri: open?.document.uri ?? pathToFileURL(source).href, version: open ? open.document.version : null },
      edits,
    });
  }
  // The copy goes only when every reference to it is in this edit (the index saw no others).
  const deletes = references >= host.referencesTo(target).length;
  if (deletes) changes.push({ kind: 'delete', uri: pathToFileURL(target).href, options: { ignoreIfNotExists: true } });
  return { edit: { documentChanges: changes }, references, deletes };
}

export async function codeActions(
  params: CodeActionParams,
  host: LspHost,
  documents: OpenDocuments,
  duplicatesIn: DuplicatesIn,
  severities: Severities,
  client: string,
): Promise<Array<CodeAction | Command>> {
  const open = documents.get(params.textDocument?.uri, client);
  if (!open?.path || !params.range || !params.context) return [];
  const source = open.path;
  const all = await duplicatesIn(open);
  const actions: CodeAction[] = [];
  const only = params.context.only;

  if (wants(only, CodeActionKind.QuickFix)) {
    for (const found of all.filter((f) => overlaps(f.reference.range, params.range))) {
      const diagnostic = toDiagnostic(found, host, severities);
      const diagnostics: Diagnostic[] = diagnostic ? [diagnostic] : [];
      const canonical = host.display(found.membership.group.canonical.path);
      actions.push({
        title: `Use canonical \`${canonical}\``,
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics,
        edit: { changes: { [params.textDocument.uri]: [canonicalEdit(source, found, host)] } },
      });
      const everywhere = await replaceEverywhereEdit(found.target, host, documents, duplicatesIn, client);
      if (everywhere && everywhere.references > 1) {
        actions.push({
          title: `Replace every reference to this copy in the workspace (${everywhere.references})${everywhere.deletes ? ' and delete it' : ''}`,
          kind: CodeActionKind.QuickFix,
          diagnostics,
          edit: everywhere.edit,
        });
      }
      actions.push({
        title: 'Ignore this duplicate',
        kind: CodeActionKind.QuickFix,
        diagnostics,
        command: {
          title: 'Ignore this duplicate',
          command: IGNORE_COMMAND,
          arguments: [found.target, found.membership.group.canonical.path],
        },
      });
    }
  }

  if (only && wants(only, FIX_ALL_KIND) && only.some((o) => FIX_ALL_KIND.startsWith(o))) {
    const safe = all.filter((f) => f.membership.member.class !== 'near');
    if (safe.length > 0) {
      actions.push({
        title: 'Use the canonical file for every exact and pixel-identical duplicate',
        kind: FIX_ALL_KIND,
        edit: { changes: { [params.textDocument.uri]: safe.map((f) => canonicalEdit(source, f, host)) } },
      });
    }
  }
  return actions;
}
