/**
 * Open editor documents (unsaved text counts), per connection, synced incrementally, within bounds: a
 * document larger than `maxDocumentChars` is not kept (its text is dropped, the editor is told once), and a
 * connection keeps at most `maxDocumentsPerClient` documents and `maxCharsPerClient` characters of text. A
 * refused document is remembered by URI only, so its later changes are ignored without keeping any text.
 */
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

export interface OpenDocument {
  document: TextDocument;
  /** Absolute path, or undefined for a non-file URI (untitled:, vscode-vfs:…), which we do not analyse. */
  path: string | undefined;
  client: string;
}

export interface DocumentLimits {
  /** Characters (UTF-16 code units) of one document; a larger one is ignored for diagnostics. */
  maxDocumentChars: number;
  /** Documents one connection may hold open. */
  maxDocumentsPerClient: number;
  /** Characters of text one connection may hold over all its documents. */
  maxCharsPerClient: number;
}

/**
 * 4 Mi characters: larger than any hand-written page or stylesheet (the index skips sources over 10 MB), small
 * enough that the reference extraction of one document takes well under a second. 200 documents and 64 Mi
 * characters per connection bound what one editor (or a hostile client) can make the daemon hold.
 */
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxDocumentChars: 4 * 1024 * 1024,
  maxDocumentsPerClient: 200,
  maxCharsPerClient: 64 * 1024 * 1024,
};

/** Why a document is not tracked: the message the editor gets. */
export interface Refusal {
  uri: string;
  client: string;
  reason: string;
}

export type OpenOutcome = { open: OpenDocument } | { refused: Refusal };

export function pathOfUri(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function mebi(chars: number): string {
  return `${(chars / (1024 * 1024)).toFixed(1)} Mi characters`;
}

const keyOf = (client: string, uri: string): string => `${client}\n${uri}`;

export class OpenDocuments {
  /** By connection and URI: two editors may open one file; neither sees nor closes the other's text. */
  private readonly docs = new Map<string, OpenDocument>();
  /** Documents refused (too large, too many): their changes are ignored until a full-text change fits. */
  private readonly refused = new Set<string>();
  private readonly charsOf = new Map<string, number>();
  private readonly countOf = new Map<string, number>();

  constructor(readonly limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) {}

  open(uri: string, languageId: string, version: number, text: string, client: string): OpenOutcome {
    this.close(uri, client);
    return this.admit(TextDocument.create(uri, languageId, version, text), client);
  }

  /**
   * Applies changes. A refused document stays refused unless a full-text change brings text that fits; a
   * tracked one that grows past the limits is dropped (and refused from then on). Undefined: not open here.
   */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[], client: string): OpenOutcome | undefined {
    const key = keyOf(client, uri);
    const open = this.docs.get(key);
    if (open) {
      // TextDocument.update edits the document in place: count its old length out first.
      const before = open.document.getText().length;
      const next = TextDocument.update(open.document, changes, version);
      this.docs.delete(key);
      this.account(client, -1, -before);
      return this.admit(next, client);
    }
    if (!this.refused.has(key)) return undefined;
    const last = changes.findLastIndex((c) => !('range' in c));
    if (last < 0) return undefined; // incremental edits of text we never kept: nothing to apply them to
    const fresh = TextDocument.create(uri, 'plaintext', version, changes[last].text);
    this.refused.delete(key);
    return this.admit(TextDocument.update(fresh, changes.slice(last + 1), version), client);
  }

  close(uri: string, client: string): void {
    const key = keyOf(client, uri);
    this.refused.delete(key);
    const open = this.docs.get(key);
    if (!open) return;
    this.docs.delete(key);
    this.account(client, -1, -open.document.getText().length);
  }

  /** Forget every document of a connection that went away (and its refusals); returns their URIs. */
  closeClient(client: string): string[] {
    const gone = [...this.docs.values()].filter((d) => d.client === client).map((d) => d.document.uri);
    gone.forEach((uri) => this.close(uri, client));
    const prefix = keyOf(client, '');
    for (const key of [...this.refused]) if (key.startsWith(prefix)) this.refused.delete(key);
    this.charsOf.delete(client);
    this.countOf.delete(client);
    return gone;
  }

  get(uri: string, client: string): OpenDocument | undefined {
    return this.docs.get(keyOf(client, uri));
  }

  /** The connection's open document of this file, if any. */
  byPath(path: string, client: string): OpenDocument | undefined {
    for (const doc of this.docs.values()) if (doc.path === path && doc.client === client) return doc;
    return undefined;
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  /** Documents and characters a connection holds. */
  usage(client: string): { documents: number; chars: number } {
    return { documents: this.countOf.get(client) ?? 0, chars: this.charsOf.get(client) ?? 0 };
  }

  isRefused(uri: string, client: string): boolean {
    return this.refused.has(keyOf(client, uri));
  }

  /** Keeps the document if it fits the bounds, else remembers only that it was refused, and why. */
  private admit(document: TextDocument, client: string): OpenOutcome {
    const uri = document.uri;
    const chars = document.getText().length;
    const { maxDocumentChars, maxDocumentsPerClient, maxCharsPerClient } = this.limits;
    const usage = this.usage(client);
    let reason: string | undefined;
    if (chars > maxDocumentChars) {
      reason = `the document has ${mebi(chars)}, more than the ${mebi(maxDocumentChars)} Doublon checks in the editor; it gets no diagnostics (\`doublon check\` still reads the saved file)`;
    } else if (usage.documents + 1 > maxDocumentsPerClient) {
      reason = `this editor already has ${usage.documents} documents open with Doublon, its limit; close some to get diagnostics in this one`;
    } else if (usage.chars + chars > maxCharsPerClient) {
      reason = `the documents open in this editor hold ${mebi(usage.chars)}, and this one would pass the limit of ${mebi(maxCharsPerClient)}; it gets no diagnostics`;
    }
    if (reason) {
      // Bounded like the documents: a URI costs little, but a client could send millions of them.
      if (this.refused.size >= maxDocumentsPerClient * 20) this.refused.delete(this.refused.values().next().value!);
      this.refused.add(keyOf(client, uri));
      return { refused: { uri, client, reason } };
    }
    const open: OpenDocument = { document, path: pathOfUri(uri), client };
    this.docs.set(keyOf(client, uri), open);
    this.account(client, 1, chars);
    return { open };
  }

  private account(client: string, documents: number, chars: number): void {
    this.countOf.set(client, (this.countOf.get(client) ?? 0) + documents);
    this.charsOf.set(client, (this.charsOf.get(client) ?? 0) + chars);
  }
}
