/**
 * Merging the daemon's "replace everywhere" edits of several copies into one workspace edit (one undo step).
 * LSP shapes, no `vscode` import: unit-tested in plain mocha.
 */
export interface LspTextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}
export interface LspTextDocumentEdit {
  textDocument: { uri: string; version: number | null };
  edits: LspTextEdit[];
}
export interface LspDeleteFile {
  kind: 'delete';
  uri: string;
  options?: { recursive?: boolean; ignoreIfNotExists?: boolean };
}
export interface LspWorkspaceEdit {
  documentChanges?: Array<LspTextDocumentEdit | LspDeleteFile | { kind: string }>;
  changes?: Record<string, LspTextEdit[]>;
}

function key(edit: LspTextEdit): string {
  const { start, end } = edit.range;
  return `${start.line}:${start.character}-${end.line}:${end.character}`;
}

/** One edit: text edits per document first (same ranges kept once), then the deletions. */
export function mergeWorkspaceEdits(
  edits: LspWorkspaceEdit[],
): LspWorkspaceEdit & { documentChanges: Array<LspTextDocumentEdit | LspDeleteFile> } {
  const documents = new Map<string, LspTextDocumentEdit>();
  const deletions = new Map<string, LspDeleteFile>();
  const add = (uri: string, version: number | null, list: LspTextEdit[]): void => {
    let doc = documents.get(uri);
    if (!doc) documents.set(uri, (doc = { textDocument: { uri, version }, edits: [] }));
    const seen = new Set(doc.edits.map(key));
    for (const e of list) if (!seen.has(key(e))) doc.edits.push(e);
  };
  for (const edit of edits) {
    for (const [uri, list] of Object.entries(edit.changes ?? {})) add(uri, null, list);
    for (const change of edit.documentChanges ?? []) {
      if ('textDocument' in change) add(change.textDocument.uri, change.textDocument.version, change.edits);
      else if (change.kind === 'delete') deletions.set((change as LspDeleteFile).uri, change as LspDeleteFile);
    }
  }
  for (const doc of documents.values())
    doc.edits.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { documentChanges: [...documents.values(), ...deletions.values()] };
}

/** How many text edits and deletions an edit holds (for the confirmation). */
export function countEdits(edit: LspWorkspaceEdit): { references: number; deletions: string[] } {
  let references = 0;
  const deletions: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change) references += change.edits.length;
    else if (change.kind === 'delete') deletions.push((change as LspDeleteFile).uri);
  }
  for (const list of Object.values(edit.changes ?? {})) references += list.length;
  return { references, deletions };
}
