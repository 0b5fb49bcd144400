/**
 * Reading LSP parameters a client sent: every value is checked before the features use it (a client is
 * untrusted, and a malformed one must get a clear error or be ignored, never crash a handler). Each
 * function returns the typed value, or undefined when the shape is wrong.
 */
import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

export type Received = Readonly<Record<string, unknown>>;

export function objectOf(value: unknown): Received | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Received) : undefined;
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function positionOf(value: unknown): Position | undefined {
  const given = objectOf(value);
  return given && isIndex(given.line) && isIndex(given.character) ? { line: given.line, character: given.character } : undefined;
}

export function rangeOf(value: unknown): Range | undefined {
  const given = objectOf(value);
  const start = positionOf(given?.start);
  const end = positionOf(given?.end);
  return start && end ? { start, end } : undefined;
}

/** `textDocument.uri` of a request's parameters, when it is a string. */
export function documentUriOf(params: Received): string | undefined {
  const uri = objectOf(params.textDocument)?.uri;
  return typeof uri === 'string' ? uri : undefined;
}

/** A didChange's content changes: a full text, or a range and its new text; undefined if any is malformed. */
export function contentChangesOf(value: unknown): TextDocumentContentChangeEvent[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const changes: TextDocumentContentChangeEvent[] = [];
  for (const item of value) {
    const change = objectOf(item);
    if (!change || typeof change.text !== 'string') return undefined;
    if (change.range === undefined) {
      changes.push({ text: change.text });
      continue;
    }
    const range = rangeOf(change.range);
    if (!range) return undefined;
    changes.push({ range, text: change.text });
  }
  return changes;
}

export function stringArrayOf(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
