/** Open editor documents (unsaved text counts), per connection, synced incrementally. */
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

export interface OpenDocument {
  document: TextDocument;
  /** Absolute path, or undefined for a non-file URI (untitled:, vscode-vfs:…), which we do not analyse. */
  path: string | undefined;
  client: string;
}

export function pathOfUri(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export class OpenDocuments {
  private readonly docs = new Map<string, OpenDocument>();

  open(uri: string, languageId: string, version: number, text: string, client: string): OpenDocument {
    const open: OpenDocument = { document: TextDocument.create(uri, languageId, version, text), path: pathOfUri(uri), client };
    this.docs.set(uri, open);
    return open;
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const open = this.docs.get(uri);
    if (!open) return undefined;
    open.document = TextDocument.update(open.document, changes, version);
    return open;
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  /** Forget every document of a connection that went away. */
  closeClient(client: string): string[] {
    const gone = [...this.docs.values()].filter((d) => d.client === client).map((d) => d.document.uri);
    gone.forEach((uri) => this.docs.delete(uri));
    return gone;
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  byPath(path: string): OpenDocument | undefined {
    for (const doc of this.docs.values()) if (doc.path === path) return doc;
    return undefined;
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }
}
