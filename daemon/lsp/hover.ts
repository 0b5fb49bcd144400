/** Hover on an image reference: the image and its canonical side by side, with sizes, class and similarity. */
import * as fs from 'node:fs';
import sharp from 'sharp';
import type { Hover, HoverParams } from 'vscode-languageserver-protocol';
import { extractReferences, languageOf, resolveReference } from '../refs';
import { formatBytes } from '../report/formats';
import type { OpenDocuments } from './documents';
import type { LspHost } from './host';

const THUMB = 160;
const cache = new Map<string, string>();

/** A small PNG data: URI of an image (cached by path, size and mtime); undefined if it cannot be read. */
async function thumbnail(file: string): Promise<string | undefined> {
  let key: string;
  try {
    const stat = fs.statSync(file);
    key = `${file}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
  const hit = cache.get(key);
  if (hit) return hit;
  try {
    const png = await sharp(file, { limitInputPixels: 100_000_000 }).rotate().resize(THUMB, THUMB, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    const uri = `data:image/png;base64,${png.toString('base64')}`;
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
    cache.set(key, uri);
    return uri;
  } catch {
    return undefined;
  }
}

function inside(position: { line: number; character: number }, range: { start: { line: number; character: number }; end: { line: number; character: number } }): boolean {
  const after = (a: typeof position, b: typeof position): boolean => a.line > b.line || (a.line === b.line && a.character >= b.character);
  return after(position, range.start) && after(range.end, position);
}

export async function hover(params: HoverParams, host: LspHost, documents: OpenDocuments): Promise<Hover | null> {
  const open = documents.get(params.textDocument.uri);
  if (!open?.path || !languageOf(open.path)) return null;
  const resolve = host.resolveOptions();
  const { references } = extractReferences(open.path, open.document.getText(), { isImage: (p) => host.isImage(p), resolve });
  const reference = references.find((r) => inside(params.position, r.range));
  if (!reference) return null;
  const target = resolveReference(open.path, reference.value, { ...resolve, kind: reference.kind });
  if (!target || !host.isImage(target)) return null;
  const membership = host.membership(target);
  const lines: string[] = [];
  const describe = (label: string, path: string, width: number, height: number, bytes: number): string => `**${label}** \`${host.display(path)}\` — ${width}×${height}, ${formatBytes(bytes)}`;
  const thumbs: string[] = [];
  const self = await thumbnail(target);
  if (!membership) {
    lines.push(`\`${host.display(target)}\`: no duplicate known.`);
    if (self) thumbs.push(`![${host.display(target)}](${self})`);
  } else {
    const { member, group } = membership;
    const isCanonical = member.image === group.canonical;
    const how = member.class === 'near' ? `near copy, ${(member.similarity * 100).toFixed(1)}% similar` : `${member.class} copy`;
    lines.push(isCanonical
      ? `Canonical of a group of ${group.members.length} (${group.rule}); ${formatBytes(group.bytesReclaimable)} reclaimable by removing the copies.`
      : `Duplicate (${how}) — use the canonical file.`);
    lines.push('', describe('this', target, member.image.width, member.image.height, member.image.bytes));
    if (!isCanonical) lines.push('', describe('canonical', group.canonical.path, group.canonical.width, group.canonical.height, group.canonical.bytes));
    if (self) thumbs.push(`![${host.display(target)}](${self})`);
    if (!isCanonical) {
      const canonical = await thumbnail(group.canonical.path);
      if (canonical) thumbs.push(`![${host.display(group.canonical.path)}](${canonical})`);
    }
  }
  if (thumbs.length > 0) lines.push('', thumbs.join(' '));
  return { contents: { kind: 'markdown', value: lines.join('\n') }, range: reference.range };
}
